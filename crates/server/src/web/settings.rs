//! How a person wants to be told: their mail address, their language, and how often mail
//! comes (each notice, a daily digest, or none: the inbox only). A person's own setting,
//! whoever they act for.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use mandates_domain::Lang;
use mandates_store::{ContactPreferences, MailMode};

use super::forms::{FieldMessages, summary};
use super::page::{Chrome, Tr, language_name, render};
use super::visit::{PageError, Visit};
use crate::AppState;
use crate::error::AppError;

/// The form as sent (or as stored, to begin with).
#[derive(Debug, Default, serde::Deserialize)]
pub struct SettingsForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub email: String,
    /// A language code, or empty: the language of the mandate, else the service's.
    #[serde(default)]
    pub lang: String,
    #[serde(default)]
    pub mail: String,
}

/// A choice of a select or radio group.
pub struct Option3 {
    pub value: &'static str,
    pub label: String,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "settings.html")]
pub struct SettingsPage {
    c: Chrome,
    form: SettingsForm,
    errors: FieldMessages,
    langs: Vec<Option3>,
    modes: Vec<Option3>,
    saved: bool,
}

fn page(
    state: &AppState,
    visit: &Visit,
    form: SettingsForm,
    errors: FieldMessages,
    saved: bool,
) -> SettingsPage {
    let t = Tr(visit.lang);
    let mut langs = vec![Option3 {
        value: "",
        label: t.t("settings-lang-any"),
        selected: form.lang.is_empty(),
    }];
    langs.extend(Lang::ALL.iter().map(|l| Option3 {
        value: l.code(),
        label: language_name(*l).to_owned(),
        selected: form.lang == l.code(),
    }));
    let modes = MailMode::ALL
        .iter()
        .map(|m| Option3 {
            value: m.as_str(),
            label: t.t(&format!("settings-mail-{}", m.as_str())),
            selected: form.mail == m.as_str(),
        })
        .collect();
    SettingsPage {
        c: visit.chrome(state, t.t("settings-title")),
        form,
        errors,
        langs,
        modes,
        saved,
    }
}

#[derive(serde::Deserialize)]
pub struct SavedQuery {
    #[serde(default)]
    saved: Option<String>,
}

/// The person's settings as stored.
pub async fn show(
    State(state): State<AppState>,
    axum::Extension(visit): axum::Extension<Visit>,
    axum::extract::Query(query): axum::extract::Query<SavedQuery>,
) -> Result<Response, PageError> {
    let user = visit.user()?;
    let prefs = state
        .store()
        .contact_preferences(&user.principal.person)
        .await?;
    let form = SettingsForm {
        csrf: String::new(),
        email: prefs.email.unwrap_or_default(),
        lang: prefs.lang.unwrap_or_default(),
        mail: prefs.mail.as_str().to_owned(),
    };
    Ok(render(&page(
        &state,
        &visit,
        form,
        FieldMessages::default(),
        query.saved.is_some(),
    )))
}

/// Saves the settings, or shows the form again with what is wrong.
pub async fn save(
    State(state): State<AppState>,
    axum::Extension(visit): axum::Extension<Visit>,
    body: axum::body::Bytes,
) -> Result<Response, PageError> {
    let form: SettingsForm = serde_html_form::from_bytes(&body)
        .map_err(|e| PageError::Api(AppError::Body(StatusCode::BAD_REQUEST, e.to_string())))?;
    visit.check_form(&form.csrf)?;
    let user = visit.user()?;
    let t = Tr(visit.lang);
    let email = form.email.trim().to_owned();
    let mut errors = Vec::new();
    if !email.is_empty() && !is_address(&email) {
        errors.push(("email".to_owned(), t.t("settings-email-invalid")));
    }
    let lang = (!form.lang.is_empty()).then(|| Lang::parse(&form.lang));
    if matches!(lang, Some(None)) {
        errors.push(("lang".to_owned(), t.t("settings-lang-invalid")));
    }
    let mode = MailMode::parse(&form.mail);
    if mode.is_none() {
        errors.push(("mail".to_owned(), t.t("settings-mail-invalid")));
    }
    let (Some(mode), true) = (mode, errors.is_empty()) else {
        let errors = FieldMessages(errors);
        let mut shown = page(&state, &visit, form, FieldMessages::default(), false);
        shown.c.summary = summary("", &errors, |field| match field {
            "email" | "lang" => Some(field.to_owned()),
            "mail" => MailMode::ALL
                .first()
                .map(|m| format!("mail-{}", m.as_str())),
            _ => None,
        });
        shown.errors = errors;
        let mut response = render(&shown);
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(response);
    };
    let prefs = ContactPreferences {
        email: (!email.is_empty()).then_some(email),
        lang: lang.flatten().map(|l| l.code().to_owned()),
        mail: mode,
    };
    state
        .store()
        .set_contact_preferences(&user.principal.person, &prefs, state.clock().now())
        .await?;
    Ok(Redirect::to("/settings/notifications?saved=1").into_response())
}

/// Whether a mail can be sent to `text`: one address, as SMTP takes it.
fn is_address(text: &str) -> bool {
    text.len() <= 254 && text.parse::<lettre::Address>().is_ok()
}
