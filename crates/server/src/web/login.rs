//! Signing in and out through OpenID Connect: the authorization code flow with PKCE,
//! `state` and `nonce` against the configured provider, and the end of the session here and
//! at the provider. In demo mode without a provider, the demo sign-in page (`sign_in.rs`)
//! stands in for it.
//!
//! A sign-in under way is kept in a sealed, short-lived cookie rather than in the store, so
//! that starting sign-ins (anyone can, any number of times) costs the store nothing.

use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine;
use mandates_domain::{Insz, Party, PartyName};
use openidconnect::core::{CoreAuthenticationFlow, CoreErrorResponseType};
use openidconnect::{
    AuthorizationCode, CsrfToken, Nonce, PkceCodeChallenge, PkceCodeVerifier, RequestTokenError,
    Scope, TokenResponse,
};
use serde::{Deserialize, Serialize};

use super::session::{self, SessionData};
use super::visit::{PageError, Visit, constant_time_eq, local_path};
use crate::AppState;
use crate::error::{AppError, Cause};

/// The cookie of a sign-in under way at the provider.
pub const LOGIN_COOKIE: &str = "mandates_login";
/// How long a sign-in may take at the provider.
const LOGIN_SECONDS: i64 = 600;
const SEALED_FOR: &str = "login";

/// What the callback of a sign-in must match, sealed in [`LOGIN_COOKIE`].
#[derive(Debug, Clone, Serialize, Deserialize)]
struct PendingLogin {
    state: String,
    nonce: String,
    verifier: String,
    return_to: String,
    /// Unix seconds after which the callback refuses it, whatever the browser keeps.
    until: i64,
}

impl PendingLogin {
    fn seal(&self, state: &AppState) -> Result<String, AppError> {
        let text = serde_json::to_vec(self).map_err(|e| AppError::internal("a sign-in", e))?;
        state
            .cookie_key()
            .seal(SEALED_FOR, &text)
            .map_err(|e| AppError::internal("sealing a sign-in", e))
    }

    /// The sign-in under way in this browser, if its cookie is ours and not stale.
    fn of(state: &AppState, headers: &axum::http::HeaderMap) -> Option<PendingLogin> {
        let sealed = session::cookie(headers, LOGIN_COOKIE)?;
        let plain = state.cookie_key().open(SEALED_FOR, sealed)?;
        let pending: PendingLogin = serde_json::from_slice(&plain).ok()?;
        (state.clock().now().timestamp() < pending.until).then_some(pending)
    }
}

#[derive(Deserialize)]
pub struct ReturnTo {
    #[serde(default)]
    pub(super) return_to: Option<String>,
}

/// Sign-ins (their start and the provider's callback) per client address: past the limit,
/// a page in the visitor's language that says when to try again.
pub async fn limit(
    State(state): State<AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    use crate::http::limits::{PerAddress, refusal};
    match refusal(&state, PerAddress::Login, &request) {
        Some(refused) => PageError::from(refused).into_response(),
        None => next.run(request).await,
    }
}

/// Starts a sign-in: to the provider, or to the demo sign-in page.
pub async fn start(
    State(state): State<AppState>,
    axum::Extension(visit): axum::Extension<Visit>,
    Query(q): Query<ReturnTo>,
) -> Result<Response, PageError> {
    let return_to = local_path(q.return_to.as_deref().unwrap_or("/"));
    let config = &state.config().login;
    let Some(issuer) = &config.issuer else {
        if state.config().demo {
            let target = format!(
                "/sign-in?return_to={}",
                super::visit::encode_component(&return_to)
            );
            return Ok(Redirect::to(&target).into_response());
        }
        // Signing in is not set up: the welcome page says so (no page that blames a
        // provider that was never named).
        return Ok(Redirect::to("/").into_response());
    };
    let provider = state.login().provider(issuer).await?;
    let client = provider.client(&state)?;
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut request = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .set_pkce_challenge(challenge)
        .add_extra_param("ui_locales", visit.lang.code());
    for scope in &config.scopes {
        request = request.add_scope(Scope::new(scope.clone()));
    }
    let (url, csrf, nonce) = request.url();
    let pending = PendingLogin {
        state: csrf.secret().clone(),
        nonce: nonce.secret().clone(),
        verifier: verifier.secret().clone(),
        return_to,
        until: state.clock().now().timestamp() + LOGIN_SECONDS,
    };
    let cookie = session::set_cookie(
        &state,
        LOGIN_COOKIE,
        &pending.seal(&state)?,
        Some(LOGIN_SECONDS),
    );
    let mut response = Redirect::to(url.as_str()).into_response();
    set(&mut response, &cookie);
    Ok(response)
}

#[derive(Deserialize)]
pub struct Callback {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

/// The provider sends the person back here with a code.
pub async fn callback(
    State(state): State<AppState>,
    axum::Extension(visit): axum::Extension<Visit>,
    headers: axum::http::HeaderMap,
    Query(q): Query<Callback>,
) -> Result<Response, PageError> {
    let refused =
        |code: &'static str| PageError::Api(mandates_domain::DomainError::forbidden(code).into());
    let Some(pending) = PendingLogin::of(&state, &headers) else {
        return Err(refused("login_expired"));
    };
    if q.error.is_some() {
        return Err(refused("login_cancelled"));
    }
    let (Some(code), Some(returned_state)) = (q.code, q.state) else {
        return Err(refused("login_expired"));
    };
    if !constant_time_eq(returned_state.as_bytes(), pending.state.as_bytes()) {
        return Err(refused("login_expired"));
    }
    let config = &state.config().login;
    let Some(issuer) = &config.issuer else {
        return Err(refused("login_expired"));
    };
    let provider = state.login().provider(issuer).await?;
    let client = provider.client(&state)?;
    let http = crate::auth::provider::http()?;
    let failed =
        |context: &str, e: Cause| PageError::Api(AppError::identity_provider(context, Some(e)));
    let answer = client
        .exchange_code(AuthorizationCode::new(code))
        .map_err(|e| failed("the token request", e.into()))?
        .set_pkce_verifier(PkceCodeVerifier::new(pending.verifier.clone()))
        .request_async(&http)
        .await;
    let tokens = match answer {
        Ok(tokens) => tokens,
        // The provider answered and refuses the code (used, expired, or not for this PKCE
        // verifier): this sign-in failed, another may succeed. Only a provider that cannot be
        // reached or answers nonsense is "unavailable".
        Err(RequestTokenError::ServerResponse(e))
            if *e.error() == CoreErrorResponseType::InvalidGrant =>
        {
            tracing::warn!(error = %e, "sign-in refused: the provider did not accept the code");
            return Err(refused("login_failed"));
        }
        Err(e) => return Err(failed("the token request", e.into())),
    };
    let id_token = tokens
        .id_token()
        .ok_or_else(|| failed("the token answer", "no ID token in the answer".into()))?;
    // An ID token that does not verify (another nonce than ours, another audience, expired,
    // a bad signature) is refused, not blamed on the provider.
    let claims = match id_token.claims(
        &client.id_token_verifier(),
        &Nonce::new(pending.nonce.clone()),
    ) {
        Ok(claims) => claims,
        Err(e) => {
            tracing::warn!(error = %e, "sign-in refused: the ID token does not verify");
            return Err(refused("login_failed"));
        }
    };
    // The national number is a claim of the provider's own; the token is verified above.
    let payload = id_token
        .to_string()
        .split('.')
        .nth(1)
        .and_then(|p| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(p)
                .ok()
        })
        .and_then(|bytes| serde_json::from_slice::<serde_json::Value>(&bytes).ok())
        .unwrap_or_default();
    let number = payload[config.national_number_claim.as_str()]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let Ok(person) = Insz::parse(&number) else {
        return Err(refused("login_no_national_number"));
    };
    let name = name_of(&payload);
    if let Some(name) = &name {
        crate::service::names::learn(
            &state,
            &Party::Person(person.clone()),
            name,
            state.clock().now(),
        )
        .await?;
    }
    let data = SessionData {
        person: Some(person.as_str().to_owned()),
        name: name.map(|n| n.as_str().to_owned()),
        acr: claims.auth_context_ref().map(|a| a.to_string()),
        amr: claims
            .auth_method_refs()
            .map(|list| list.iter().map(|a| a.to_string()).collect())
            .unwrap_or_default(),
        acting_for: None,
        id_token: Some(id_token.to_string()),
    };
    let mut response = signed_in(&state, &visit, &person, data, &pending.return_to).await?;
    set(&mut response, &session::clear_cookie(&state, LOGIN_COOKIE));
    Ok(response)
}

/// The person's name from the ID token's claims: `name`, else `given_name` and
/// `family_name`; `None` when the provider gives none that reads as a name.
fn name_of(claims: &serde_json::Value) -> Option<PartyName> {
    let claim = |key: &str| claims[key].as_str().unwrap_or_default();
    PartyName::parse(claim("name"))
        .or_else(|_| PartyName::of_parts(claim("given_name"), claim("family_name")))
        .ok()
}

/// Starts the signed-in session (a new secret) and goes on: to the choice of whom to act for
/// when the person represents enterprises, else where they were going.
pub(super) async fn signed_in(
    state: &AppState,
    visit: &Visit,
    person: &Insz,
    data: SessionData,
    return_to: &str,
) -> Result<Response, PageError> {
    let return_to = &local_path(return_to);
    let cookie = session::start(state, visit.session.as_ref(), &data).await?;
    let now = state.clock().now();
    let represents = state
        .store()
        .roles_of_person(person)
        .await?
        .iter()
        .any(|r| r.in_force_at(now));
    let target = if represents {
        format!(
            "/acting-as?return_to={}",
            super::visit::encode_component(return_to)
        )
    } else {
        return_to.to_owned()
    };
    let mut response = Redirect::to(&target).into_response();
    set(&mut response, &cookie);
    Ok(response)
}

pub(super) fn set(response: &mut Response, cookie: &str) {
    if let Ok(v) = HeaderValue::from_str(cookie) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
}

#[derive(Deserialize)]
pub struct LogoutForm {
    #[serde(default)]
    csrf: String,
    /// `timeout`: the page signs its person out because their session is about to end;
    /// the signed-out page then says so.
    #[serde(default)]
    why: String,
}

/// Why a sign-out happened, carried to the signed-out page (through the provider as the
/// logout request's `state`, which it gives back).
pub const TIMED_OUT: &str = "timeout";

/// Ends the session here and, where the provider offers it, at the provider (RP-initiated
/// logout), then says so at `/signed-out`.
pub async fn logout(
    State(state): State<AppState>,
    axum::Extension(visit): axum::Extension<Visit>,
    Form(form): Form<LogoutForm>,
) -> Result<Response, PageError> {
    visit.check_form(&form.csrf)?;
    let timed_out = form.why == TIMED_OUT;
    let mut target = if timed_out {
        format!("/signed-out?state={TIMED_OUT}")
    } else {
        "/signed-out".to_owned()
    };
    if let Some(session) = &visit.session {
        session::end(&state, session).await?;
        if let (Some(issuer), Some(id_token)) =
            (&state.config().login.issuer, &session.data.id_token)
            && let Ok(provider) = state.login().provider(issuer).await
            && let Some(end) = &provider.end_session
        {
            let back = format!("{}/signed-out", state.config().public_url());
            target = format!(
                "{end}?id_token_hint={}&post_logout_redirect_uri={}&client_id={}",
                super::visit::encode_component(id_token),
                super::visit::encode_component(&back),
                super::visit::encode_component(&state.config().login.client_id)
            );
            if timed_out {
                target.push_str(&format!("&state={TIMED_OUT}"));
            }
        }
    }
    let mut response = Redirect::to(&target).into_response();
    set(
        &mut response,
        &session::clear_cookie(&state, session::COOKIE),
    );
    Ok(response)
}

#[derive(Deserialize)]
pub struct StayForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    return_to: Option<String>,
}

/// When a session ends, as the page's timeout warning reads it.
#[derive(Serialize)]
struct SessionLeft {
    /// Seconds from now.
    expires_in: i64,
}

/// "Stay signed in": counts this as a visit, so the session's idle time starts again (never
/// beyond its longest life). The warning's script asks for JSON; a form sent without it goes
/// back to the page.
pub async fn stay(
    State(state): State<AppState>,
    axum::Extension(visit): axum::Extension<Visit>,
    headers: axum::http::HeaderMap,
    Form(form): Form<StayForm>,
) -> Result<Response, PageError> {
    visit.check_form(&form.csrf)?;
    let return_to = local_path(form.return_to.as_deref().unwrap_or("/"));
    let Some(session) = visit.session.as_ref().filter(|_| visit.user.is_some()) else {
        return Err(PageError::SignIn(return_to));
    };
    let ends = session::extend(&state, session).await?;
    let wants_json = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"));
    if wants_json {
        let left = SessionLeft {
            expires_in: (ends - state.clock().now()).num_seconds().max(0),
        };
        Ok(axum::Json(left).into_response())
    } else {
        Ok(Redirect::to(&return_to).into_response())
    }
}

#[cfg(test)]
mod tests {
    use super::name_of;
    use serde_json::json;

    #[test]
    fn the_name_is_the_name_claim_else_its_parts() {
        let name = |claims| name_of(&claims).map(|n| n.to_string());
        assert_eq!(
            name(json!({"name": "Anna Citizen", "given_name": "A", "family_name": "C"})),
            Some("Anna Citizen".into())
        );
        assert_eq!(
            name(json!({"name": " ", "given_name": "Bart", "family_name": "Citizen"})),
            Some("Bart Citizen".into())
        );
        assert_eq!(
            name(json!({"family_name": "Citizen"})),
            Some("Citizen".into())
        );
        assert_eq!(name(json!({"name": 42})), None);
        assert_eq!(name(json!({"national_number": "85073003328"})), None);
    }
}
