//! The demo sign-in page: in demo mode without a login provider, one signs in as a demo
//! identity or with any valid national number.

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use mandates_domain::{Insz, Party};
use serde::Deserialize;

use super::login::{ReturnTo, signed_in};
use super::page::{Chrome, render};
use super::session::SessionData;
use super::visit::{PageError, Visit, local_path};
use crate::AppState;
use crate::demo::{IDENTITIES, NAMES};
use crate::error::AppError;

/// The demo sign-in page: the demo identities, and any valid national number.
#[derive(Template)]
#[template(path = "sign_in.html")]
pub struct SignInPage {
    c: Chrome,
    identities: Vec<(String, String, String)>,
    return_to: String,
    error: Option<String>,
    number: String,
}

fn demo_only(state: &AppState) -> Result<(), PageError> {
    if state.config().demo && state.config().login.issuer.is_none() {
        Ok(())
    } else {
        Err(PageError::Api(AppError::NoRoute))
    }
}

fn sign_in_page(
    state: &AppState,
    visit: &Visit,
    return_to: String,
    error: Option<String>,
    number: String,
) -> SignInPage {
    let t = super::page::Tr(visit.lang);
    SignInPage {
        c: visit.chrome(state, t.t("sign-in-title")),
        identities: IDENTITIES
            .iter()
            .enumerate()
            .map(|(i, id)| {
                let name = NAMES
                    .iter()
                    .find(|(n, _)| *n == id.national_number)
                    .map(|(_, name)| *name);
                (
                    id.national_number.to_owned(),
                    crate::text::named(name, crate::text::number(id.national_number)),
                    t.t(&format!("demo-identity-{i}")),
                )
            })
            .collect(),
        return_to,
        error,
        number,
    }
}

pub async fn demo_page(
    State(state): State<AppState>,
    axum::Extension(visit): axum::Extension<Visit>,
    Query(q): Query<ReturnTo>,
) -> Result<Response, PageError> {
    demo_only(&state)?;
    let return_to = local_path(q.return_to.as_deref().unwrap_or("/"));
    Ok(render(&sign_in_page(
        &state,
        &visit,
        return_to,
        None,
        String::new(),
    )))
}

#[derive(Deserialize)]
pub struct DemoSignIn {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    national_number: String,
    #[serde(default)]
    return_to: String,
}

pub async fn demo_sign_in(
    State(state): State<AppState>,
    axum::Extension(visit): axum::Extension<Visit>,
    Form(form): Form<DemoSignIn>,
) -> Result<Response, PageError> {
    demo_only(&state)?;
    visit.check_form(&form.csrf)?;
    let return_to = local_path(&form.return_to);
    let person = match Insz::parse(&crate::text::digits(&form.national_number)) {
        Ok(p) => p,
        Err(e) => {
            let why = crate::i18n::message(visit.lang, &format!("party-{}", e.code()), &[]);
            let text = crate::i18n::message(visit.lang, "invalid_party_number", &[("reason", why)]);
            let page = sign_in_page(&state, &visit, return_to, Some(text), form.national_number);
            return Ok(
                (axum::http::StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response(),
            );
        }
    };
    // A demo person's name is the one the demo data gave them (or any learned since).
    let party = Party::Person(person.clone());
    let name = crate::service::names::of(&state, [&party])
        .await?
        .name(&party)
        .map(|n| n.as_str().to_owned());
    // The demo identities sign at the highest level, so that every action can be tried.
    let data = SessionData {
        person: Some(person.as_str().to_owned()),
        name,
        acr: state.config().auth.acr_levels.last().cloned(),
        amr: vec!["demo".into()],
        ..SessionData::default()
    };
    signed_in(&state, &visit, &person, data, &return_to).await
}
