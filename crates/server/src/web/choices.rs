//! The visitor's choices: whom one acts for (oneself or an enterprise one has a role for),
//! and the language of the pages.

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use mandates_domain::{Kbo, Lang};
use serde::Deserialize;

use super::login::{ReturnTo, set};
use super::page::{Chrome, render};
use super::session;
use super::visit::{LANG_COOKIE, PageError, Visit, local_path};
use crate::AppState;
use crate::error::AppError;

/// The choice of whom to act for.
#[derive(Template)]
#[template(path = "acting_as.html")]
pub struct ActingAsPage {
    c: Chrome,
    return_to: String,
}

pub async fn choose(
    State(state): State<AppState>,
    axum::Extension(visit): axum::Extension<Visit>,
    Query(q): Query<ReturnTo>,
) -> Result<Response, PageError> {
    visit.user()?;
    let t = super::page::Tr(visit.lang);
    Ok(render(&ActingAsPage {
        c: visit.chrome(&state, t.t("acting-title")),
        return_to: local_path(q.return_to.as_deref().unwrap_or("/")),
    }))
}

#[derive(Deserialize)]
pub struct Switch {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    party: String,
    #[serde(default)]
    return_to: Option<String>,
}

/// Acts from now on in one's own name or for an enterprise one has a role for.
pub async fn switch(
    State(state): State<AppState>,
    axum::Extension(visit): axum::Extension<Visit>,
    Form(form): Form<Switch>,
) -> Result<Response, PageError> {
    visit.check_form(&form.csrf)?;
    let user = visit.user()?;
    let Some(mut session) = visit.session.clone() else {
        return Err(PageError::SignIn("/".into()));
    };
    session.data.acting_for = if form.party == "self" {
        None
    } else {
        let enterprise = Kbo::parse(&crate::text::digits(&form.party)).map_err(|_| {
            AppError::from(
                mandates_domain::DomainError::forbidden("no_role_for_enterprise")
                    .arg("enterprise", &form.party),
            )
        })?;
        // Refused when the person has no role for it now.
        crate::service::actor_with(
            &user.principal,
            Some(&enterprise),
            user.roles.clone(),
            state.clock().now(),
        )?;
        Some(enterprise.as_str().to_owned())
    };
    session::save(&state, &session).await?;
    // A page of one party's mandates makes no sense for the other: start at home.
    let target = local_path(form.return_to.as_deref().unwrap_or("/"));
    Ok(Redirect::to(&target).into_response())
}

#[derive(Deserialize)]
pub struct LanguageForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    lang: String,
    #[serde(default)]
    return_to: String,
}

/// Keeps the visitor's choice of language.
pub async fn language(
    State(state): State<AppState>,
    axum::Extension(visit): axum::Extension<Visit>,
    Form(form): Form<LanguageForm>,
) -> Result<Response, PageError> {
    visit.check_form(&form.csrf)?;
    let lang = Lang::parse(&form.lang).unwrap_or(visit.lang);
    let mut response = Redirect::to(&local_path(&form.return_to)).into_response();
    // Kept for a year.
    set(
        &mut response,
        &session::set_cookie(&state, LANG_COOKIE, lang.code(), Some(365 * 24 * 3600)),
    );
    Ok(response)
}
