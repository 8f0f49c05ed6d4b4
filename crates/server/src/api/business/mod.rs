//! The business API for government applications of a domain: may this person act for that
//! mandator (`/api/v1/checks`), for whom may they act (`/api/v1/mandators/search`), the same
//! through OpenID AuthZEN (`/access/v1/...`), and the OAuth endpoints that give applications
//! their tokens. Only business client tokens are accepted here.

pub mod authzen;
pub mod authzen_search;
pub mod checks;
pub mod events;
pub mod introspect;
pub mod oauth;
pub mod search;
pub mod webhooks;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use crate::AppState;
use crate::auth::AuthError;
use crate::error::AppError;
use crate::tokens::ClientPrincipal;

/// At most this many checks in one request.
pub const MAX_BATCH: usize = 1000;

/// A business application calling with its token.
pub struct BusinessClient(pub ClientPrincipal);

impl FromRequestParts<AppState> for BusinessClient {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = crate::auth::bearer(&parts.headers)
            .ok_or(AppError::Unauthenticated(AuthError::Missing))?;
        let client = state
            .tokens()
            .verify_client(state.store(), token, state.clock().now())
            .await
            .map_err(AppError::Unauthenticated)?;
        // A revoked application's tokens are refused from the moment this instance has
        // followed the event log to the revocation, not when they expire.
        if state.index().client_revoked(&client.client_id) {
            return Err(AppError::Unauthenticated(AuthError::Invalid(
                "the client was revoked".into(),
            )));
        }
        Ok(BusinessClient(client))
    }
}
