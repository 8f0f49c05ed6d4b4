//! The name a party is known by: a person's from the identity provider, an enterprise's from
//! the enterprise register. The pages show it beside the number, never instead of it.

use std::fmt;

/// Why a text is not a name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("the name is empty")]
    Empty,
    #[error("the name is longer than {} characters", PartyName::MAX)]
    TooLong,
    #[error("the name holds a control or direction-changing character")]
    Unprintable,
}

/// A party's name: trimmed, every run of white space one space, 1 to [`PartyName::MAX`]
/// characters, with no control character and no character that turns the direction of the
/// text around it (a name is shown beside a number it must not seem to change).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PartyName(String);

impl PartyName {
    /// The longest name kept, in characters.
    pub const MAX: usize = 200;

    pub fn parse(text: &str) -> Result<PartyName, NameError> {
        let name = text.split_whitespace().collect::<Vec<_>>().join(" ");
        if name.is_empty() {
            return Err(NameError::Empty);
        }
        if name.chars().any(|c| c.is_control() || is_bidi_control(c)) {
            return Err(NameError::Unprintable);
        }
        if name.chars().count() > Self::MAX {
            return Err(NameError::TooLong);
        }
        Ok(PartyName(name))
    }

    /// A person's name from a given and a family name, either of which may be missing.
    pub fn of_parts(given: &str, family: &str) -> Result<PartyName, NameError> {
        PartyName::parse(&format!("{given} {family}"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PartyName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The characters that embed, override or isolate the direction of text.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{200e}' | '\u{200f}' | '\u{061c}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_name_is_trimmed_and_its_spaces_collapsed() {
        let name = PartyName::parse("  Accounting office\tNumbers  &  Co ").map(|n| n.to_string());
        assert_eq!(name, Ok("Accounting office Numbers & Co".to_owned()));
        assert_eq!(
            PartyName::of_parts("Anna", "Citizen").map(|n| n.to_string()),
            Ok("Anna Citizen".to_owned())
        );
        assert_eq!(
            PartyName::of_parts("", "Citizen").map(|n| n.to_string()),
            Ok("Citizen".to_owned())
        );
    }

    #[test]
    fn what_is_no_name_is_refused() {
        assert_eq!(PartyName::parse(" \n "), Err(NameError::Empty));
        assert_eq!(PartyName::of_parts("", ""), Err(NameError::Empty));
        assert_eq!(PartyName::parse("Anna\u{0}"), Err(NameError::Unprintable));
        assert_eq!(
            PartyName::parse("Anna \u{202e}41"),
            Err(NameError::Unprintable)
        );
        assert_eq!(
            PartyName::parse(&"é".repeat(PartyName::MAX + 1)),
            Err(NameError::TooLong)
        );
        assert!(PartyName::parse(&"é".repeat(PartyName::MAX)).is_ok());
    }

    proptest! {
        #[test]
        fn a_parsed_name_parses_to_itself(text in "\\PC{0,250}") {
            if let Ok(name) = PartyName::parse(&text) {
                prop_assert_eq!(PartyName::parse(name.as_str()), Ok(name.clone()));
                prop_assert!(!name.as_str().starts_with(' ') && !name.as_str().ends_with(' '));
                prop_assert!(!name.as_str().contains("  "));
            }
        }
    }
}
