//! National numbers of persons (INSZ/NISS) and enterprises (KBO/BCE), parsed once.

use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Why a written party number was refused. Each variant has a stable code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("contains characters other than digits, dots, dashes and spaces")]
    NotDigits,
    #[error("has {0} digits")]
    WrongLength(usize),
    #[error("check digits do not match")]
    WrongCheckDigits,
    #[error("the birth date in the number is impossible")]
    ImpossibleDate,
    #[error("an enterprise number starts with 0 or 1")]
    WrongFirstDigit,
    #[error("a leading zero was probably lost")]
    LeadingZeroLost,
    #[error("expected a person's national number")]
    NotAPerson,
    #[error("expected an enterprise number")]
    NotAnEnterprise,
}

impl IdError {
    /// Stable machine code of the reason.
    pub fn code(self) -> &'static str {
        match self {
            IdError::NotDigits => "not_digits",
            IdError::WrongLength(_) => "wrong_length",
            IdError::WrongCheckDigits => "wrong_check_digits",
            IdError::ImpossibleDate => "impossible_date",
            IdError::WrongFirstDigit => "wrong_first_digit",
            IdError::LeadingZeroLost => "leading_zero_lost",
            IdError::NotAPerson => "not_a_person",
            IdError::NotAnEnterprise => "not_an_enterprise",
        }
    }
}

/// Keeps the digits of a written number; dots, dashes and spaces are separators.
fn digits_of(input: &str) -> Result<String, IdError> {
    let mut out = String::with_capacity(input.len());
    for c in input.trim().chars() {
        match c {
            '0'..='9' => out.push(c),
            '.' | '-' | ' ' | '/' => {}
            _ => return Err(IdError::NotDigits),
        }
    }
    if out.is_empty() {
        return Err(IdError::WrongLength(0));
    }
    Ok(out)
}

fn number(digits: &str) -> u64 {
    digits
        .bytes()
        .fold(0u64, |acc, b| acc * 10 + u64::from(b - b'0'))
}

/// A person's national number (INSZ/NISS), 11 digits, including BIS numbers.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Insz(String);

impl Insz {
    /// Parses a written national number; separators are accepted.
    pub fn parse(input: &str) -> Result<Self, IdError> {
        let digits = digits_of(input)?;
        Self::from_digits(&digits)
    }

    fn from_digits(digits: &str) -> Result<Self, IdError> {
        match digits.len() {
            11 => {}
            10 => {
                return match Self::from_digits(&format!("0{digits}")) {
                    Ok(_) => Err(IdError::LeadingZeroLost),
                    Err(_) => Err(IdError::WrongLength(10)),
                };
            }
            n => return Err(IdError::WrongLength(n)),
        }
        let base = number(&digits[..9]);
        let check = number(&digits[9..]);
        let born_before_2000 = 97 - base % 97 == check;
        let born_2000_or_later = 97 - (2_000_000_000 + base) % 97 == check;
        let century = match (born_before_2000, born_2000_or_later) {
            (true, _) => 1900,
            (false, true) => 2000,
            (false, false) => return Err(IdError::WrongCheckDigits),
        };
        let yy = number(&digits[0..2]) as i32;
        let mm = number(&digits[2..4]) as u32;
        let dd = number(&digits[4..6]) as u32;
        // BIS numbers add 20 or 40 to the month; 0 means "unknown" for month and day.
        let month = match mm {
            0..=12 => mm,
            20..=32 => mm - 20,
            40..=52 => mm - 40,
            _ => return Err(IdError::ImpossibleDate),
        };
        if dd > 31 {
            return Err(IdError::ImpossibleDate);
        }
        if month != 0 && dd != 0 && NaiveDate::from_ymd_opt(century + yy, month, dd).is_none() {
            return Err(IdError::ImpossibleDate);
        }
        Ok(Insz(digits.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The number for logs: all but the last four digits hidden.
    pub fn masked(&self) -> String {
        format!("*******{}", &self.0[7..])
    }
}

/// An enterprise number (KBO/BCE), 10 digits.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Kbo(String);

impl Kbo {
    /// Parses a written enterprise number; a leading `BE` and separators are accepted.
    pub fn parse(input: &str) -> Result<Self, IdError> {
        let trimmed = input.trim();
        let without_prefix = trimmed
            .strip_prefix("BE")
            .or_else(|| trimmed.strip_prefix("be"))
            .or_else(|| trimmed.strip_prefix("Be"))
            .unwrap_or(trimmed);
        let digits = digits_of(without_prefix)?;
        Self::from_digits(&digits)
    }

    fn from_digits(digits: &str) -> Result<Self, IdError> {
        if digits.len() == 9 {
            // A spreadsheet drops the leading zero of 0xxx.xxx.xxx numbers.
            if Self::from_digits(&format!("0{digits}")).is_ok() {
                return Err(IdError::LeadingZeroLost);
            }
        }
        if digits.len() != 10 {
            return Err(IdError::WrongLength(digits.len()));
        }
        if !digits.starts_with(['0', '1']) {
            return Err(IdError::WrongFirstDigit);
        }
        let base = number(&digits[..8]);
        let check = number(&digits[8..]);
        if 97 - base % 97 != check {
            return Err(IdError::WrongCheckDigits);
        }
        Ok(Kbo(digits.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What kind of party: a natural person or an enterprise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum PartyKind {
    Person,
    Enterprise,
}

impl PartyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PartyKind::Person => "person",
            PartyKind::Enterprise => "enterprise",
        }
    }
}

/// A party to a mandate: written as its number alone (11 digits a person, 10 an enterprise).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Party {
    Person(Insz),
    Enterprise(Kbo),
}

impl Party {
    /// Parses a party number: 11 digits is a person, 10 an enterprise.
    pub fn parse(input: &str) -> Result<Self, IdError> {
        let trimmed = input.trim();
        let has_prefix = trimmed
            .get(..2)
            .is_some_and(|p| p.eq_ignore_ascii_case("BE"));
        if has_prefix {
            return Kbo::parse(trimmed).map(Party::Enterprise);
        }
        let digits = digits_of(trimmed)?;
        match digits.len() {
            11 => Insz::from_digits(&digits).map(Party::Person),
            10 => match Kbo::from_digits(&digits) {
                Ok(kbo) => Ok(Party::Enterprise(kbo)),
                Err(err) => {
                    if Insz::from_digits(&format!("0{digits}")).is_ok() {
                        Err(IdError::LeadingZeroLost)
                    } else {
                        Err(err)
                    }
                }
            },
            9 => Kbo::from_digits(&digits).map(Party::Enterprise),
            n => Err(IdError::WrongLength(n)),
        }
    }

    pub fn kind(&self) -> PartyKind {
        match self {
            Party::Person(_) => PartyKind::Person,
            Party::Enterprise(_) => PartyKind::Enterprise,
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            Party::Person(p) => p.as_str(),
            Party::Enterprise(e) => e.as_str(),
        }
    }

    pub fn as_enterprise(&self) -> Option<&Kbo> {
        match self {
            Party::Enterprise(e) => Some(e),
            Party::Person(_) => None,
        }
    }

    /// The number for logs: a person's number is masked.
    pub fn masked(&self) -> String {
        match self {
            Party::Person(p) => p.masked(),
            Party::Enterprise(e) => e.as_str().to_owned(),
        }
    }
}

impl From<Insz> for Party {
    fn from(value: Insz) -> Self {
        Party::Person(value)
    }
}

impl From<Kbo> for Party {
    fn from(value: Kbo) -> Self {
        Party::Enterprise(value)
    }
}

macro_rules! text_impls {
    ($ty:ty) => {
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
        impl fmt::Debug for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.masked())
            }
        }
        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = String::deserialize(d)?;
                <$ty>::parse(&text).map_err(serde::de::Error::custom)
            }
        }
    };
}

impl Kbo {
    fn masked(&self) -> String {
        self.0.clone()
    }
}

text_impls!(Insz);
text_impls!(Kbo);
text_impls!(Party);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn documented_person_numbers_are_valid() {
        for n in [
            "85073003328",
            "90010112395",
            "78021545667",
            "05061207730",
            "62092301281",
        ] {
            assert!(Insz::parse(n).is_ok(), "{n}");
            assert_eq!(Party::parse(n).map(|p| p.kind()), Ok(PartyKind::Person));
        }
    }

    #[test]
    fn documented_enterprise_numbers_are_valid() {
        for n in ["0203201340", "0412345614", "0876543270"] {
            assert_eq!(Party::parse(n).map(|p| p.kind()), Ok(PartyKind::Enterprise));
        }
    }

    #[test]
    fn separators_and_prefix_are_normalised() {
        assert_eq!(
            Party::parse("85.07.30-033.28").map(|p| p.to_string()),
            Ok("85073003328".into())
        );
        assert_eq!(
            Party::parse("BE 0203.201.340").map(|p| p.to_string()),
            Ok("0203201340".into())
        );
        assert_eq!(
            Kbo::parse("be0203201340").map(|p| p.to_string()),
            Ok("0203201340".into())
        );
    }

    #[test]
    fn refusals_name_the_reason() {
        assert_eq!(Party::parse("8507300332"), Err(IdError::WrongFirstDigit));
        assert_eq!(Party::parse("85073003329"), Err(IdError::WrongCheckDigits));
        assert_eq!(Party::parse("123"), Err(IdError::WrongLength(3)));
        assert_eq!(Party::parse("85O73003328"), Err(IdError::NotDigits));
        assert_eq!(Party::parse("0203201341"), Err(IdError::WrongCheckDigits));
        // A person born in 2005 whose leading zero a spreadsheet dropped.
        assert_eq!(Party::parse("5061207730"), Err(IdError::LeadingZeroLost));
        assert_eq!(Insz::parse("5061207730"), Err(IdError::LeadingZeroLost));
        // A enterprise number whose leading zero was dropped.
        assert_eq!(Party::parse("203201340"), Err(IdError::LeadingZeroLost));
        assert_eq!(Party::parse("2203201344"), Err(IdError::WrongFirstDigit));
    }

    #[test]
    fn impossible_dates_are_refused() {
        // 1985-02-30 with correct check digits.
        assert_eq!(
            Insz::parse(&with_check("850230001", false)),
            Err(IdError::ImpossibleDate)
        );
        // Month 13.
        assert_eq!(
            Insz::parse(&with_check("851301001", false)),
            Err(IdError::ImpossibleDate)
        );
        // 29 February exists in 2000 but not in 1900.
        assert!(Insz::parse(&with_check("000229001", true)).is_ok());
        assert_eq!(
            Insz::parse(&with_check("000229001", false)),
            Err(IdError::ImpossibleDate)
        );
    }

    #[test]
    fn bis_numbers_and_unknown_dates_are_valid() {
        assert!(Insz::parse(&with_check("852730001", false)).is_ok()); // month + 20
        assert!(Insz::parse(&with_check("854730001", false)).is_ok()); // month + 40
        assert!(Insz::parse(&with_check("850000001", false)).is_ok()); // unknown month and day
    }

    fn with_check(nine: &str, born_2000_or_later: bool) -> String {
        let base: u64 = nine.parse().unwrap_or(0);
        let base = if born_2000_or_later {
            base + 2_000_000_000
        } else {
            base
        };
        format!("{nine}{:02}", 97 - base % 97)
    }

    proptest! {
        #[test]
        fn every_valid_person_number_round_trips(
            yy in 0u32..100, mm in 1u32..=12, dd in 1u32..=28, seq in 1u32..999, after_2000 in any::<bool>(), bis in 0u32..3
        ) {
            let nine = format!("{yy:02}{:02}{dd:02}{seq:03}", mm + bis * 20);
            let n = with_check(&nine, after_2000);
            let parsed = Insz::parse(&n);
            prop_assert_eq!(parsed.as_ref().map(|p| p.as_str()), Ok(n.as_str()));
            let dotted = format!("{}.{}.{}-{}.{}", &n[0..2], &n[2..4], &n[4..6], &n[6..9], &n[9..]);
            prop_assert_eq!(Party::parse(&dotted).map(|p| p.to_string()), Ok(n.clone()));
        }

        #[test]
        fn a_changed_check_digit_is_refused(
            yy in 0u32..100, mm in 1u32..=12, dd in 1u32..=28, seq in 1u32..999, delta in 1u64..97
        ) {
            let nine = format!("{yy:02}{mm:02}{dd:02}{seq:03}");
            let good = with_check(&nine, false);
            let check: u64 = good[9..].parse().unwrap_or(0);
            let bad = format!("{nine}{:02}", (check + delta) % 100);
            let valid_2000 = with_check(&nine, true);
            prop_assume!(bad != valid_2000);
            prop_assert!(Insz::parse(&bad).is_err());
        }

        #[test]
        fn every_valid_enterprise_number_round_trips(first in 0u64..2, rest in 0u64..10_000_000) {
            let base = first * 10_000_000 + rest;
            let n = format!("{base:08}{:02}", 97 - base % 97);
            prop_assert_eq!(Kbo::parse(&n).map(|k| k.to_string()), Ok(n.clone()));
            prop_assert_eq!(Party::parse(&format!("BE{n}")).map(|p| p.kind()), Ok(PartyKind::Enterprise));
        }

        #[test]
        fn arbitrary_text_never_panics(s in "\\PC*") {
            let _ = Party::parse(&s);
        }

        /// Whatever is written, a number that is read reads again as itself, in each of its
        /// kinds; one that is refused is refused for the same reason by the parser of its kind.
        #[test]
        fn any_bytes_are_read_as_one_number_or_refused_for_a_reason(
            bytes in proptest::collection::vec(any::<u8>(), 0..24),
            digits in "[0-9 ./-]{0,16}",
            prefix in prop_oneof![Just(""), Just("BE"), Just("be"), Just(" ")],
        ) {
            for text in [String::from_utf8_lossy(&bytes).into_owned(), format!("{prefix}{digits}")] {
                match Party::parse(&text) {
                    Ok(party) => {
                        prop_assert_eq!(Party::parse(party.as_str()), Ok(party.clone()));
                        match &party {
                            Party::Person(p) => {
                                prop_assert_eq!(p.as_str().len(), 11);
                                prop_assert_eq!(Insz::parse(&text), Ok(p.clone()));
                            }
                            Party::Enterprise(e) => {
                                prop_assert_eq!(e.as_str().len(), 10);
                                prop_assert_eq!(Kbo::parse(&text), Ok(e.clone()));
                            }
                        }
                    }
                    Err(IdError::WrongLength(n)) => {
                        // The length of each kind, written as that kind, is never wrong.
                        let enterprise = text.trim().get(..2).is_some_and(|p| p.eq_ignore_ascii_case("BE"));
                        let lengths: &[usize] = if enterprise { &[10] } else { &[10, 11] };
                        prop_assert!(!lengths.contains(&n), "{text:?}: {n} digits");
                        prop_assert!(n <= text.len());
                    }
                    Err(IdError::NotDigits) => {
                        prop_assert!(text.trim().chars().any(|c| !c.is_ascii_digit() && !".-/ ".contains(c)));
                    }
                    Err(e) => prop_assert!(!e.code().is_empty()),
                }
            }
        }

        /// A person's number whose leading zero a spreadsheet dropped is said to be that.
        #[test]
        fn a_dropped_leading_zero_is_recognised(mm in 1u32..=12, dd in 1u32..=28, seq in 1u32..999) {
            let nine = format!("0{}{mm:02}{dd:02}{seq:03}", 5);
            let n = with_check(&nine, true);
            prop_assume!(Insz::parse(&n).is_ok());
            let dropped = &n[1..];
            let answer = Party::parse(dropped);
            prop_assert!(
                matches!(answer, Err(IdError::LeadingZeroLost)) || matches!(answer, Ok(Party::Enterprise(_))),
                "{dropped}: {answer:?}"
            );
        }
    }
}
