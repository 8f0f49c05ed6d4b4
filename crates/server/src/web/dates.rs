//! The date input of the forms: a day, a month and a year typed in three boxes, read into a
//! day or into what is wrong with it, in words that say what to do.

use chrono::{Datelike, NaiveDate};
use mandates_domain::Lang;

use crate::i18n;

/// A date as typed in the three boxes of a form, and what is wrong with it once read.
#[derive(Debug, Default, Clone)]
pub struct DateInput {
    /// The form's name of the date (`valid_from`, `valid_until`): its inputs are named and
    /// identified `<name>-day`, `<name>-month` and `<name>-year`.
    pub name: &'static str,
    pub day: String,
    pub month: String,
    pub year: String,
    /// The message of what is wrong, once the form was refused.
    pub error: Option<String>,
    /// Which boxes are wrong: day, month, year.
    pub wrong: [bool; 3],
}

/// What is wrong with a typed date: a message id (with the parts that are missing, if any)
/// and the boxes at fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateFault {
    pub message: &'static str,
    pub parts: &'static str,
    pub wrong: [bool; 3],
}

impl DateInput {
    /// The boxes as typed (space around them dropped).
    pub fn typed(name: &'static str, day: &str, month: &str, year: &str) -> DateInput {
        DateInput {
            name,
            day: day.trim().to_owned(),
            month: month.trim().to_owned(),
            year: year.trim().to_owned(),
            ..DateInput::default()
        }
    }

    /// The boxes filled with a day, or empty.
    pub fn of(name: &'static str, date: Option<NaiveDate>) -> DateInput {
        match date {
            Some(d) => DateInput::typed(
                name,
                &d.day().to_string(),
                &d.month().to_string(),
                &d.year().to_string(),
            ),
            None => DateInput {
                name,
                ..DateInput::default()
            },
        }
    }

    pub fn is_empty(&self) -> bool {
        self.day.is_empty() && self.month.is_empty() && self.year.is_empty()
    }

    /// The day typed: none when the three boxes are empty, else the day or what is wrong.
    pub fn read(&self) -> Result<Option<NaiveDate>, DateFault> {
        if self.is_empty() {
            return Ok(None);
        }
        let parts = [&self.day, &self.month, &self.year];
        let missing = parts.map(|p| p.is_empty());
        if missing.iter().any(|m| *m) {
            let parts = match missing {
                [true, false, false] => "day",
                [false, true, false] => "month",
                [false, false, true] => "year",
                [true, true, false] => "day-month",
                [true, false, true] => "day-year",
                _ => "month-year",
            };
            return Err(DateFault {
                message: "date-missing",
                parts,
                wrong: missing,
            });
        }
        let number = |p: &str| {
            (p.len() <= 4 && p.bytes().all(|b| b.is_ascii_digit()))
                .then(|| p.parse::<u32>().ok())
                .flatten()
        };
        let day = number(&self.day).filter(|d| (1..=31).contains(d));
        let month = number(&self.month).filter(|m| (1..=12).contains(m));
        let year = number(&self.year);
        let wrong = [day.is_none(), month.is_none(), year.is_none()];
        let (Some(day), Some(month), Some(year)) = (day, month, year) else {
            return Err(DateFault {
                message: "date-not-real",
                parts: "",
                wrong,
            });
        };
        if self.year.len() != 4 {
            return Err(DateFault {
                message: "date-year-digits",
                parts: "",
                wrong: [false, false, true],
            });
        }
        i32::try_from(year)
            .ok()
            .and_then(|y| NaiveDate::from_ymd_opt(y, month, day))
            .map(Some)
            .ok_or(DateFault {
                message: "date-not-real",
                parts: "",
                wrong: [true; 3],
            })
    }

    /// The date as the rules read it: none when empty, `YYYY-MM-DD` when it is a day, and
    /// otherwise the boxes as typed (which the rules refuse as no date, nothing else
    /// judged of it).
    pub fn text(&self) -> Option<String> {
        match self.read() {
            Ok(None) => None,
            Ok(Some(d)) => Some(d.to_string()),
            Err(_) => Some(format!("{}/{}/{}", self.day, self.month, self.year)),
        }
    }

    /// Marks what is wrong with the boxes as typed, in `lang`; whether anything was.
    pub fn check(&mut self, lang: Lang) -> bool {
        match self.read() {
            Ok(_) => false,
            Err(fault) => {
                let message = i18n::message(
                    lang,
                    fault.message,
                    &[
                        ("date", self.name.to_owned()),
                        ("parts", fault.parts.to_owned()),
                    ],
                );
                self.error = Some(message);
                self.wrong = fault.wrong;
                true
            }
        }
    }

    /// Marks the whole date wrong with a message of the rules (a day in the past, a period
    /// too long), unless the boxes themselves are already marked.
    pub fn refuse(&mut self, message: &str) {
        if self.error.is_none() {
            self.error = Some(message.to_owned());
            self.wrong = [true; 3];
        }
    }

    /// The message of a refusal of this date: the boxes' own words where they make no day,
    /// else the rules' `message`, the whole date marked.
    pub fn judge(&mut self, lang: Lang, message: String) -> String {
        if self.check(lang) {
            self.error.clone().unwrap_or(message)
        } else {
            self.refuse(&message);
            message
        }
    }

    /// The id of the box a link to this date's error leads to: the first one at fault.
    pub fn anchor(&self) -> String {
        let part = match self.wrong {
            [false, false, true] => "year",
            [false, true, _] => "month",
            _ => "day",
        };
        format!("{}-{part}", self.name)
    }

    /// The ids of the descriptions of the date: its hints and, when wrong, its error.
    pub fn described_by(&self, extra_hint: bool) -> String {
        let mut ids = format!("{}-hint", self.name);
        if extra_hint {
            ids.push_str(&format!(" {}-hint-more", self.name));
        }
        if self.error.is_some() {
            ids.push_str(&format!(" {}-error", self.name));
        }
        ids
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(d: &str, m: &str, y: &str) -> Result<Option<NaiveDate>, DateFault> {
        DateInput::typed("valid_until", d, m, y).read()
    }

    #[test]
    fn three_boxes_make_a_day_and_empty_boxes_none() {
        assert_eq!(
            read("31", "12", "2027"),
            Ok(NaiveDate::from_ymd_opt(2027, 12, 31))
        );
        assert_eq!(
            read(" 1", "03 ", "2027"),
            Ok(NaiveDate::from_ymd_opt(2027, 3, 1))
        );
        assert_eq!(read("", "", ""), Ok(None));
    }

    #[test]
    fn what_is_wrong_names_the_boxes_at_fault() {
        let fault = |d, m, y| read(d, m, y).err().map(|f| (f.message, f.parts, f.wrong));
        assert_eq!(
            fault("31", "12", ""),
            Some(("date-missing", "year", [false, false, true]))
        );
        assert_eq!(
            fault("", "", "2027"),
            Some(("date-missing", "day-month", [true, true, false]))
        );
        assert_eq!(
            fault("31", "13", "2027"),
            Some(("date-not-real", "", [false, true, false]))
        );
        assert_eq!(
            fault("x", "12", "2027"),
            Some(("date-not-real", "", [true, false, false]))
        );
        assert_eq!(
            fault("31", "2", "2027"),
            Some(("date-not-real", "", [true, true, true]))
        );
        assert_eq!(
            fault("31", "12", "27"),
            Some(("date-year-digits", "", [false, false, true]))
        );
    }

    #[test]
    fn a_wrong_date_is_no_day_for_the_rules_and_its_link_leads_to_the_first_wrong_box() {
        let wrong = DateInput::typed("valid_until", "31", "13", "2027");
        assert_eq!(wrong.text().as_deref(), Some("31/13/2027"));
        let mut marked = wrong.clone();
        assert!(marked.check(Lang::En));
        assert_eq!(marked.anchor(), "valid_until-month");
        assert_eq!(
            marked.error.as_deref(),
            Some("Enter a real end date, for example 31 12 2027.")
        );
        let right = DateInput::typed("valid_until", "31", "12", "2027");
        assert_eq!(right.text().as_deref(), Some("2027-12-31"));
    }
}
