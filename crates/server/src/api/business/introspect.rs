//! `POST /oauth/introspect` (RFC 7662): whether a token this service issued is still good,
//! asked by the business application it was issued to. An exchanged token ("this person
//! acting for that mandator") is active only while a check still allows every type it
//! names: a stop, the end of a transfer or of an executor role makes it inactive as soon as
//! the instance's index has followed the event log (within a second, on every instance).
//! Those checks are answers like any other: each is in the mandator's access log.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use mandates_domain::FieldErrors;
use mandates_domain::check::Decision;
use mandates_domain::time::Instant;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::oauth::{OAuthError, authenticate, oauth_error};
use crate::AppState;
use crate::error::AppError;
use crate::http::limits::ClientAddress;
use crate::service::check::{self, Ask, Asked};
use crate::tokens::{ClientPrincipal, OwnToken, OwnTokenKind};

/// An introspection request (form-encoded), with the client's credentials as at
/// `/oauth/token` (HTTP Basic or the form).
#[derive(Debug, Deserialize, ToSchema)]
pub struct IntrospectionRequest {
    /// The token to look at.
    pub token: Option<String>,
    /// Ignored: the service knows its tokens apart.
    pub token_type_hint: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
}

/// Who acts, in an exchanged token.
#[derive(Debug, Serialize, ToSchema)]
pub struct Actor {
    /// The national number of the person acting.
    pub sub: String,
}

/// The answer (RFC 7662 §2.2): only `active` when the token is not (any more) good.
#[derive(Debug, Serialize, ToSchema)]
pub struct IntrospectionAnswer {
    pub active: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// The application (client token) or the mandator (exchanged token).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub act: Option<Actor>,
    /// The mandate types, space-separated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub types: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exp: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iat: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
    /// `Bearer`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_type: Option<&'static str>,
}

impl IntrospectionAnswer {
    fn inactive() -> IntrospectionAnswer {
        IntrospectionAnswer {
            active: false,
            client_id: None,
            sub: None,
            act: None,
            scope: None,
            types: None,
            exp: None,
            iat: None,
            iss: None,
            token_type: None,
        }
    }
}

/// Whether a token is active: issued by this service to the calling application, not
/// expired, and, for an exchanged token, every type it names still allowed now for its
/// person and mandator. Anything else answers `{"active": false}`.
#[utoipa::path(post, path = "/oauth/introspect", tag = "business",
    request_body(content = IntrospectionRequest, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, body = IntrospectionAnswer), (status = 400, body = OAuthError), (status = 401, body = OAuthError),
        (status = 429, description = "Too many wrong secrets from this address (too_many_requests); try again after `Retry-After` seconds")))]
pub async fn introspect(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
    form: Result<axum::Form<IntrospectionRequest>, axum::extract::rejection::FormRejection>,
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
    let Some(token) = form.token.as_deref().filter(|t| !t.is_empty()) else {
        return Ok(oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "token is required",
        ));
    };
    let now = state.clock().now();
    let own = state
        .tokens()
        .read_own(state.store(), token, now)
        .await
        .filter(|own| own.client_id == client.id);
    let answer = match own {
        Some(own) if still_holds(&state, &client, &own, now).await? => {
            active(own, state.public_base())
        }
        _ => IntrospectionAnswer::inactive(),
    };
    let body = serde_json::to_value(answer)
        .map_err(|e| AppError::internal("writing an introspection answer", e))?;
    Ok((StatusCode::OK, Json(body)))
}

/// Whether what a token says holds now: an application in service; for an exchanged token,
/// a check for now that allows each of its types (answered from the index, and logged for
/// the mandator like every check).
async fn still_holds(
    state: &AppState,
    client: &mandates_store::Client,
    own: &OwnToken,
    now: Instant,
) -> Result<bool, AppError> {
    if state.index().client_revoked(&own.client_id) {
        return Ok(false);
    }
    let OwnTokenKind::ActingFor {
        actor,
        mandator,
        types,
    } = &own.kind
    else {
        return Ok(true);
    };
    let principal = ClientPrincipal::from(client);
    for t in types {
        let ask = Ask {
            actor: Some(actor),
            mandator: Some(mandator),
            type_code: Some(t),
            at: None,
        };
        let mut errors = FieldErrors::default();
        let Some(q) = check::read(ask, &principal, "", state, &mut errors) else {
            return Ok(false);
        };
        let (decision, _) = check::answer(state, &principal, Asked::Introspection, &q, now).await?;
        if !matches!(decision, Decision::Allowed(_)) {
            return Ok(false);
        }
    }
    Ok(!types.is_empty())
}

fn active(own: OwnToken, issuer: &str) -> IntrospectionAnswer {
    let (sub, act, types) = match own.kind {
        OwnTokenKind::Client { types } => (own.client_id.clone(), None, types),
        OwnTokenKind::ActingFor {
            actor,
            mandator,
            types,
        } => (mandator, Some(Actor { sub: actor }), types),
    };
    IntrospectionAnswer {
        active: true,
        client_id: Some(own.client_id),
        sub: Some(sub),
        act,
        scope: Some(types.join(" ")),
        types: Some(types),
        exp: Some(own.exp),
        iat: Some(own.iat),
        iss: Some(issuer.to_owned()),
        token_type: Some("Bearer"),
    }
}
