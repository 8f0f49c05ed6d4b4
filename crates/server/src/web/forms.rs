//! What the forms share: the errors of their fields in words, and the mandate types on
//! offer.

use mandates_domain::catalog::MandateType;
use mandates_domain::mandate::{Side, allowed_kinds};
use mandates_domain::{Lang, Party};

use crate::AppState;
use crate::error::{AppError, field_message};

/// The errors of a form's fields, each with its message.
#[derive(Default)]
pub struct FieldMessages(pub Vec<(String, String)>);

impl FieldMessages {
    /// The field errors of a refusal, in `lang`.
    pub fn of(e: &AppError, lang: Lang) -> FieldMessages {
        match e {
            AppError::Domain(d) => FieldMessages(
                d.fields
                    .iter()
                    .map(|f| (f.field.clone(), field_message(lang, f)))
                    .collect(),
            ),
            _ => FieldMessages::default(),
        }
    }

    /// The message of a field's error (or of one of its items), if any.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(f, _)| f == field || f.starts_with(&format!("{field}[")))
            .map(|(_, m)| m.as_str())
    }

    pub fn has(&self, field: &str) -> bool {
        self.get(field).is_some()
    }

    pub fn iter(&self) -> impl Iterator<Item = &(String, String)> {
        self.0.iter()
    }
}

/// A type on offer in a form.
pub struct TypeChoice {
    pub code: String,
    pub name: String,
    pub description: String,
    pub checked: bool,
}

/// The types of a domain that the party may take on its side.
pub fn type_choices(
    state: &AppState,
    lang: Lang,
    domain: &str,
    side: Option<Side>,
    party: &Party,
    chosen: &[String],
) -> Vec<TypeChoice> {
    let Some(d) = state.catalog().domain(domain) else {
        return Vec::new();
    };
    d.types
        .iter()
        .filter(|t| !t.retired)
        .filter(|t: &&MandateType| side.is_none_or(|s| allowed_kinds(t, s).contains(&party.kind())))
        .map(|t| TypeChoice {
            code: t.code.clone(),
            name: t.name.get(lang).to_owned(),
            description: t.description.get(lang).to_owned(),
            checked: chosen.contains(&t.code),
        })
        .collect()
}
