//! What the forms share: the errors of their fields in words, the mandate types on offer,
//! and the refusal of text with control characters.

use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, Request};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use mandates_domain::catalog::MandateType;
use mandates_domain::mandate::{Side, allowed_kinds};
use mandates_domain::{FieldError, FieldErrors, Lang, Party, has_control};

use super::exclusive::Held;
use super::page::SummaryItem;
use super::visit::{PageError, Visit};
use crate::AppState;
use crate::error::AppError;
use crate::http::extract::unread;
use crate::i18n;

/// The errors of a form's fields, each with its message.
#[derive(Default)]
pub struct FieldMessages(pub Vec<(String, String)>);

/// A refusal as a form shows it: its own text, and each field's message, in the visitor's
/// language with mandate types and services by their names.
pub struct Refusal {
    pub text: String,
    pub fields: FieldMessages,
}

impl Refusal {
    pub fn of(state: &AppState, visit: &Visit, e: &AppError) -> Refusal {
        let lang = visit.lang;
        let catalog = state.catalog();
        let words = |name: &str, code: &str| match name {
            "type" => catalog
                .mandate_type(code)
                .map(|t| t.name.get(lang).to_owned()),
            "domain" => catalog.domain(code).map(|d| d.name.get(lang).to_owned()),
            "required" => login_level(lang, code),
            _ => None,
        };
        let (text, fields) = e.form_texts(lang, &visit.request_id, &words);
        Refusal {
            text,
            fields: FieldMessages(fields),
        }
    }

    /// The error summary of the refused form: each field's error leads to its field
    /// (`anchor` gives the id of a field's first input, none where the form has no such
    /// field); a refusal of no field in particular says its own text.
    pub fn summary(&self, anchor: impl Fn(&str) -> Option<String>) -> Vec<SummaryItem> {
        summary(&self.text, &self.fields, anchor)
    }
}

/// An eIDAS level of assurance (a login level the provider names by URI) in the words of the
/// ways of signing in that reach it; none for any other value.
fn login_level(lang: Lang, acr: &str) -> Option<String> {
    let level = acr.strip_prefix("http://eidas.europa.eu/LoA/")?;
    matches!(level, "low" | "substantial" | "high")
        .then(|| i18n::message(lang, &format!("login-level-{level}"), &[]))
}

/// The error summary of a form: each field's error a link to the field `anchor` names (by
/// the field's name without an item's index), else `text` alone.
pub fn summary(
    text: &str,
    fields: &FieldMessages,
    anchor: impl Fn(&str) -> Option<String>,
) -> Vec<SummaryItem> {
    if fields.0.is_empty() {
        return vec![SummaryItem {
            href: None,
            text: text.to_owned(),
        }];
    }
    fields
        .0
        .iter()
        .map(|(f, m)| SummaryItem {
            href: anchor(f.split('[').next().unwrap_or(f)),
            text: m.clone(),
        })
        .collect()
}

impl FieldMessages {
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
}

/// A type on offer in a form.
pub struct TypeChoice {
    pub code: String,
    pub name: String,
    pub description: String,
    pub checked: bool,
    /// The mandates of the mandator that already give this exclusive type to someone else.
    pub held: Vec<Held>,
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
            held: Vec::new(),
        })
        .collect()
}

/// Refuses a page's query or posted form whose text holds a control character (422, naming
/// each field) before any page reads it: no store is asked about such text. A form is read
/// within the body limit of its address.
pub async fn refuse_control_characters(request: Request, next: Next) -> Response {
    let mut errors = FieldErrors::default();
    if let Some(query) = request.uri().query() {
        controlled_fields(query.as_bytes(), &mut errors);
    }
    let form = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    let request = if form {
        let (parts, body) = request.into_parts();
        let whole = Request::from_parts(parts.clone(), body);
        let bytes = match Bytes::from_request(whole, &()).await {
            Ok(bytes) => bytes,
            Err(e) => return PageError::Api(unread(e.status(), &e, e.body_text())).into_response(),
        };
        controlled_fields(&bytes, &mut errors);
        Request::from_parts(parts, Body::from(bytes))
    } else {
        request
    };
    if let Err(e) = errors.into_result() {
        return PageError::from(e).into_response();
    }
    next.run(request).await
}

/// The fields of a form (or a query) whose name or value holds a control character.
fn controlled_fields(form: &[u8], errors: &mut FieldErrors) {
    // Text that does not read as a form is left to the page that reads it.
    let Ok(pairs) = serde_html_form::from_bytes::<Vec<(String, String)>>(form) else {
        return;
    };
    for (name, value) in pairs {
        // Where to come back to after sign-in is neither kept nor shown: any address that is
        // not a plain path of this site (control characters included) leads home instead.
        if name == "return_to" {
            continue;
        }
        if has_control(&name) {
            errors.push(FieldError::control_character(
                name.escape_debug().to_string(),
            ));
        } else if has_control(&value) {
            errors.push(FieldError::control_character(name));
        }
    }
}
