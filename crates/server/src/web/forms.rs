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
use super::visit::PageError;
use crate::AppState;
use crate::error::{AppError, field_message};
use crate::http::extract::unread;

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
