//! The OAuth endpoints of business applications: `POST /oauth/token` (client credentials,
//! and the token exchange of RFC 8693 that gives "this person acting for that mandator"),
//! and the keys that verify the service's own tokens.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use mandates_domain::check::Decision;
use mandates_domain::time::Instant;
use mandates_domain::{FieldErrors, Lang, Party};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::checks::reason_message;
use crate::AppState;
use crate::error::AppError;
use crate::http::limits::ClientAddress;
use crate::i18n;
use crate::service::check::{self, Ask, Asked};
use crate::tokens::ClientPrincipal;

/// An OAuth token request (form-encoded): `client_credentials`, or the token exchange of
/// RFC 8693 (`urn:ietf:params:oauth:grant-type:token-exchange`) for a person's token that
/// says "this person acting for that mandator".
#[derive(Debug, Deserialize, ToSchema)]
pub struct TokenRequest {
    /// `client_credentials` or `urn:ietf:params:oauth:grant-type:token-exchange`.
    pub grant_type: Option<String>,
    /// The application's id and secret, here or with HTTP Basic authentication.
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    /// Token exchange: the person's access token from the identity provider.
    pub subject_token: Option<String>,
    pub subject_token_type: Option<String>,
    /// Token exchange: for whom the person wants to act.
    pub mandator: Option<String>,
    /// Token exchange: the mandate types, comma-separated (or space-separated in `scope`).
    pub types: Option<String>,
    pub scope: Option<String>,
}

/// A token issued (RFC 6749 §5.1; RFC 8693 §2.2.1 for an exchange).
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenAnswer {
    pub access_token: String,
    /// `Bearer`.
    pub token_type: &'static str,
    /// Seconds until it expires (for an exchange: never after the mandate's end).
    pub expires_in: i64,
    /// For an exchange: `urn:ietf:params:oauth:token-type:access_token`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issued_token_type: Option<&'static str>,
}

/// An OAuth error (RFC 6749 §5.2): `invalid_request`, `invalid_client`, `invalid_grant` or
/// `unsupported_grant_type`, with a description.
#[derive(Debug, Serialize, ToSchema)]
pub struct OAuthError {
    pub error: String,
    pub error_description: String,
}

/// The grant type of RFC 8693.
pub const TOKEN_EXCHANGE: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
const ACCESS_TOKEN_TYPE: &str = "urn:ietf:params:oauth:token-type:access_token";

fn token_answer(answer: TokenAnswer) -> Result<serde_json::Value, AppError> {
    serde_json::to_value(answer).map_err(|e| AppError::internal("writing a token answer", e))
}

/// An OAuth error answer (RFC 6749 §5.2).
pub(super) fn oauth_error(
    status: StatusCode,
    error: &str,
    description: &str,
) -> (StatusCode, Json<serde_json::Value>) {
    (
        status,
        Json(serde_json::json!({"error": error, "error_description": description})),
    )
}

/// A business application's token: the client credentials grant (with HTTP Basic or form
/// credentials), or a token exchange (RFC 8693) of a person's access token for one that says
/// "this person acting for `mandator`" for `types`, given only when a check allows each; it
/// expires within minutes and never after the mandate.
#[utoipa::path(post, path = "/oauth/token", tag = "business",
    request_body(content = TokenRequest, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, body = TokenAnswer), (status = 400, body = OAuthError), (status = 401, body = OAuthError),
        (status = 429, description = "Too many wrong secrets from this address, for this client id or any (too_many_requests); try again after `Retry-After` seconds")))]
pub async fn oauth_token(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
    form: Result<axum::Form<TokenRequest>, axum::extract::rejection::FormRejection>,
) -> Result<(StatusCode, Json<serde_json::Value>), AppError> {
    let form = match form {
        Ok(axum::Form(form)) => form,
        Err(e) => {
            return Ok(oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                &e.body_text(),
            ));
        }
    };
    let grant = form.grant_type.as_deref();
    if grant != Some("client_credentials") && grant != Some(TOKEN_EXCHANGE) {
        return Ok(oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "grant_type must be client_credentials or urn:ietf:params:oauth:grant-type:token-exchange",
        ));
    }
    let client = match authenticate(
        &state,
        address,
        &headers,
        form.client_id.as_deref(),
        form.client_secret.as_deref(),
    )
    .await?
    {
        Ok(client) => client,
        Err(refusal) => return Ok(refusal),
    };
    if grant == Some(TOKEN_EXCHANGE) {
        return exchange(&state, &client, &form, i18n::request_lang(&headers)).await;
    }
    let token = state
        .tokens()
        .issue_client_token(&client, state.clock().now())
        .map_err(|e| AppError::internal("issuing a client token", e))?;
    Ok((
        StatusCode::OK,
        Json(token_answer(TokenAnswer {
            access_token: token,
            token_type: "Bearer",
            expires_in: crate::tokens::CLIENT_TOKEN_SECONDS,
            issued_token_type: None,
        })?),
    ))
}

/// The client that calls an OAuth endpoint, from HTTP Basic credentials or the form's
/// `client_id` and `client_secret`; an OAuth error answer when they are missing or wrong.
/// Wrong secrets are counted per address and client id, as at the token endpoint.
pub(super) async fn authenticate(
    state: &AppState,
    address: Option<std::net::IpAddr>,
    headers: &HeaderMap,
    client_id: Option<&str>,
    client_secret: Option<&str>,
) -> Result<Result<mandates_store::Client, (StatusCode, Json<serde_json::Value>)>, AppError> {
    let basic = crate::auth::basic_credentials(headers);
    let (id, secret) = match (basic, client_id, client_secret) {
        (Some((id, secret)), _, _) => (id, secret),
        (None, Some(id), Some(secret)) => (id.to_owned(), secret.to_owned()),
        _ => {
            return Ok(Err(oauth_error(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                "client credentials are missing",
            )));
        }
    };
    // Every attempt counts as a failure until the secret proves right: a flood of guesses
    // from one address stops there, and the client's owner elsewhere is not locked out.
    let now = state.clock().now();
    if let Err(retry_after) = state.limits().secret_attempt(address, &id, now) {
        tracing::info!(address = ?address, "too many wrong client secrets");
        return Err(AppError::TooManyRequests { retry_after });
    }
    let found = crate::service::clients::authenticate(state.store(), &id, &secret).await;
    if !matches!(found, Ok(None)) {
        // A right secret, or a store that could not tell: not a failure of the client's.
        state.limits().secret_right(address, &id, now);
    }
    Ok(found?.ok_or_else(|| {
        oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "unknown client, wrong secret, or revoked",
        )
    }))
}

/// RFC 8693: the client presents a person's token and asks for a token that says "this
/// person acting for that mandator" for some types; given only when the check allows each.
async fn exchange(
    state: &AppState,
    client: &mandates_store::Client,
    form: &TokenRequest,
    lang: Lang,
) -> Result<(StatusCode, Json<serde_json::Value>), AppError> {
    let bad = |m: &str| Ok(oauth_error(StatusCode::BAD_REQUEST, "invalid_request", m));
    let (Some(subject_token), Some(mandator)) = (&form.subject_token, &form.mandator) else {
        return bad("subject_token and mandator are required");
    };
    if form
        .subject_token_type
        .as_deref()
        .is_some_and(|t| t != ACCESS_TOKEN_TYPE)
    {
        return bad("subject_token_type must be urn:ietf:params:oauth:token-type:access_token");
    }
    let types: Vec<String> = form
        .types
        .as_deref()
        .map(|t| {
            t.split(',')
                .map(str::trim)
                .map(str::to_owned)
                .collect::<Vec<String>>()
        })
        .or_else(|| {
            form.scope.as_deref().map(|s| {
                s.split_whitespace()
                    .map(str::to_owned)
                    .collect::<Vec<String>>()
            })
        })
        .unwrap_or_default()
        .into_iter()
        .filter(|t: &String| !t.is_empty())
        .collect();
    if types.is_empty() {
        return bad("name the mandate types in types (comma-separated) or scope");
    }
    let now = state.clock().now();
    let Ok(person) = state.verifier().verify(subject_token, now).await else {
        return Ok(oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "the subject_token is not a valid access token of a person",
        ));
    };
    let principal = ClientPrincipal::from(client);
    let mut mandates = Vec::new();
    let mut until: Option<Instant> = None;
    for t in &types {
        let actor = person.person.to_string();
        let ask = Ask {
            actor: Some(&actor),
            mandator: Some(mandator),
            type_code: Some(t),
            at: None,
        };
        let mut errors = FieldErrors::default();
        let Some(q) = check::read(ask, &principal, "", state, &mut errors) else {
            return bad(&format!("the mandator or the type {t} is not accepted"));
        };
        let (decision, _) = check::answer(state, &principal, Asked::Exchange, &q, now).await?;
        match decision {
            Decision::Allowed(g) => {
                mandates.push(g.mandate.to_string());
                if let Some(end) = g.valid_until.map(mandates_domain::time::end_of_day) {
                    until = Some(until.map_or(end, |u| u.min(end)));
                }
            }
            Decision::Denied(r) => {
                return Ok(oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    &reason_message(&r, lang),
                ));
            }
        }
    }
    mandates.dedup();
    let grant = crate::tokens::ActingFor {
        client_id: client.id.clone(),
        actor: person.person.to_string(),
        mandator: Party::parse(mandator)
            .map(|p| p.to_string())
            .unwrap_or_default(),
        types,
        mandates,
        until,
    };
    let (token, expires_in) = state
        .tokens()
        .issue_acting_for(&grant, now)
        .map_err(|e| AppError::internal("issuing an exchanged token", e))?;
    Ok((
        StatusCode::OK,
        Json(token_answer(TokenAnswer {
            access_token: token,
            token_type: "Bearer",
            expires_in,
            issued_token_type: Some(ACCESS_TOKEN_TYPE),
        })?),
    ))
}

/// `GET /.well-known/jwks.json`: the keys that verify the service's own tokens, then the
/// evidence keys that verify its checkpoints and receipts.
pub async fn jwks(State(state): State<AppState>) -> Json<serde_json::Value> {
    Json(jwks_of(&state))
}

/// The service's public keys (a JWKS): its tokens', then its evidence keys.
pub fn jwks_of(state: &AppState) -> serde_json::Value {
    let mut jwks = state.tokens().jwks();
    if let Some(keys) = jwks["keys"].as_array_mut() {
        keys.extend(state.evidence_keys().public_jwks());
    }
    jwks
}
