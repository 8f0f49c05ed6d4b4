//! How people read numbers, dates and instants, on the pages and in messages: national
//! numbers as `85.07.30-033.28`, enterprise numbers as `0412.345.614`, dates as
//! `31/12/2027`, instants in Brussels time to the minute.

use chrono::NaiveDate;
use mandates_domain::Party;
use mandates_domain::time::Instant;

/// A party's number as people write it.
pub fn party(p: &Party) -> String {
    number(p.as_str())
}

/// A party as people read it: "Name (number)" where its name is known, else the number alone.
pub fn named(name: Option<&str>, number: String) -> String {
    match name {
        Some(name) => format!("{name} ({number})"),
        None => number,
    }
}

/// A national number (11 digits) or an enterprise number (10 digits) as people write it;
/// anything else unchanged.
pub fn number(digits: &str) -> String {
    let d = digits;
    match d.len() {
        11 if d.bytes().all(|b| b.is_ascii_digit()) => format!(
            "{}.{}.{}-{}.{}",
            &d[0..2],
            &d[2..4],
            &d[4..6],
            &d[6..9],
            &d[9..11]
        ),
        10 if d.bytes().all(|b| b.is_ascii_digit()) => {
            format!("{}.{}.{}", &d[0..4], &d[4..7], &d[7..10])
        }
        _ => d.to_owned(),
    }
}

/// A date as `31/12/2027`.
pub fn date(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

/// An instant in Brussels time, as `31/12/2027 14:05`.
pub fn instant(t: Instant) -> String {
    t.with_timezone(&chrono_tz::Europe::Brussels)
        .format("%d/%m/%Y %H:%M")
        .to_string()
}

/// Digits only: what people type between the digits of a number is ignored.
pub fn digits(input: &str) -> String {
    input.chars().filter(char::is_ascii_digit).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_written_as_people_write_them() {
        assert_eq!(number("85073003328"), "85.07.30-033.28");
        assert_eq!(number("0412345614"), "0412.345.614");
        assert_eq!(number("12ab"), "12ab");
        assert_eq!(digits(" 85.07.30-033.28 "), "85073003328");
        assert_eq!(
            named(Some("Anna Citizen"), number("85073003328")),
            "Anna Citizen (85.07.30-033.28)"
        );
        assert_eq!(named(None, number("0412345614")), "0412.345.614");
    }

    #[test]
    fn instants_are_shown_in_brussels_time() {
        let summer: Instant = "2027-06-30T22:30:00Z".parse().unwrap_or_default();
        assert_eq!(instant(summer), "01/07/2027 00:30");
        let winter: Instant = "2027-12-31T12:00:00Z".parse().unwrap_or_default();
        assert_eq!(instant(winter), "31/12/2027 13:00");
        assert_eq!(date(winter.date_naive()), "31/12/2027");
    }
}
