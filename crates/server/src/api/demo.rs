//! `/demo/...`: the demo issuer (only in demo mode): tokens for any person, its discovery
//! document and keys, and the list of demo identities.

use axum::Json;
use axum::extract::State;
use mandates_domain::{DomainError, FieldError, Insz};
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::demo::{DemoIdentity, IDENTITIES};
use crate::error::AppError;
use crate::http::extract::JsonBody;

#[derive(Debug, Deserialize)]
pub struct TokenRequest {
    /// The national number of the person to sign in as.
    pub sub: Option<String>,
    /// The authentication level to claim (`acr`).
    pub acr: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct TokenResponse {
    pub access_token: String,
    pub token_type: &'static str,
    pub expires_in: i64,
}

fn issuer(state: &AppState) -> Result<&crate::demo::DemoIssuer, AppError> {
    state.demo().ok_or(AppError::NoRoute)
}

/// A token for any valid national number.
pub async fn token(
    State(state): State<AppState>,
    body: JsonBody<TokenRequest>,
) -> Result<Json<TokenResponse>, AppError> {
    let demo = issuer(&state)?;
    let Some(sub) = body.value.sub.as_deref() else {
        return Err(DomainError::field(FieldError::new("sub", "required")).into());
    };
    let person = Insz::parse(sub).map_err(|e| {
        DomainError::field(FieldError::new("sub", "invalid_party_number").arg("reason", e.code()))
    })?;
    let access_token = demo.issue(&person, body.value.acr.as_deref(), state.clock().now())?;
    Ok(Json(TokenResponse {
        access_token,
        token_type: "Bearer",
        expires_in: crate::demo::TOKEN_MINUTES * 60,
    }))
}

/// The demo identities and what each is for.
pub async fn identities(
    State(state): State<AppState>,
) -> Result<Json<&'static [DemoIdentity]>, AppError> {
    issuer(&state)?;
    Ok(Json(&IDENTITIES))
}

/// The demo issuer's discovery document.
pub async fn discovery(State(state): State<AppState>) -> Result<Json<serde_json::Value>, AppError> {
    let demo = issuer(&state)?;
    Ok(Json(serde_json::json!({
        "issuer": demo.issuer,
        "jwks_uri": format!("{}/jwks.json", demo.issuer),
        "token_endpoint": format!("{}/token", demo.issuer),
        "id_token_signing_alg_values_supported": ["EdDSA"],
        "subject_types_supported": ["public"],
        "response_types_supported": ["token"],
    })))
}

/// The demo issuer's public keys.
pub async fn jwks(
    State(state): State<AppState>,
) -> Result<Json<jsonwebtoken::jwk::JwkSet>, AppError> {
    Ok(Json(issuer(&state)?.jwks().clone()))
}
