//! `/api/v1/me/...`: what the service knows about the caller (or the enterprise they act for).

use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};
use mandates_domain::{DomainError, FieldError};
use mandates_store::AccessEntry;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::auth::Principal;
use crate::error::AppError;
use crate::http::extract::{ActFor, QueryParams};

/// One answer an application got about you.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccessView {
    pub at: DateTime<Utc>,
    /// The application that asked, and its domain.
    pub client: String,
    pub client_id: String,
    pub domain: String,
    /// `check` (may this person act for you?) or `list` (for whom may this person act?).
    pub kind: String,
    /// The person who wanted to act for you.
    pub actor: String,
    #[serde(rename = "type")]
    pub type_code: Option<String>,
    pub allowed: bool,
    pub reason: Option<String>,
    pub mandate_id: Option<String>,
}

impl From<AccessEntry> for AccessView {
    fn from(e: AccessEntry) -> Self {
        AccessView {
            at: e.at,
            client: e.client,
            client_id: e.client_id,
            domain: e.domain,
            kind: e.kind,
            actor: e.actor,
            type_code: e.type_code,
            allowed: e.allowed,
            reason: e.reason,
            mandate_id: e.mandate_id,
        }
    }
}

/// A page of the access log.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccessLogPage {
    pub items: Vec<AccessView>,
    /// Pass as `before` for older entries; absent on the last page.
    pub next_before: Option<DateTime<Utc>>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AccessLogParams {
    /// Entries before this instant (the `next_before` of the previous page).
    pub before: Option<DateTime<Utc>>,
    /// Page size, 1–500 (default 100).
    pub limit: Option<i64>,
}

/// Who asked what about you (or the enterprise you act for), newest first: every check
/// and list answer that government applications got.
#[utoipa::path(get, path = "/api/v1/me/access-log", tag = "mandates",
    params(AccessLogParams, ("Act-For" = Option<String>, Header, description = "Enterprise number you act for")),
    responses((status = 200, body = AccessLogPage), (status = 401), (status = 403)),
    security(("bearer" = [])))]
pub async fn access_log(
    State(state): State<AppState>,
    principal: Principal,
    ActFor(act_for): ActFor,
    QueryParams(params): QueryParams<AccessLogParams>,
) -> Result<Json<AccessLogPage>, AppError> {
    let now = state.clock().now();
    let actor = crate::service::actor(state.store(), &principal, act_for.as_ref(), now).await?;
    // An enterprise's log is for those who manage its mandates, not its executors.
    if !actor.may_read_access_log() {
        return Err(DomainError::forbidden("role_does_not_allow")
            .arg("domain", "*")
            .into());
    }
    let limit = params.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(DomainError::field(
            FieldError::new("limit", "invalid_value").arg("value", limit),
        )
        .into());
    }
    // What this instance still holds in its queue is written first.
    state.access_log().flush().await;
    let entries = state
        .store()
        .access_log_of(actor.party.as_str(), params.before, limit)
        .await?;
    let next_before = (entries.len() as i64 == limit)
        .then(|| entries.last().map(|e| e.at))
        .flatten();
    Ok(Json(AccessLogPage {
        items: entries.into_iter().map(AccessView::from).collect(),
        next_before,
    }))
}
