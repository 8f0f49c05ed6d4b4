//! `/api/v1/me/...`: what the service knows about the caller (or the enterprise they act for).

use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};
use mandates_domain::{FieldError, FieldErrors};
use mandates_store::AccessEntry;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::auth::Principal;
use crate::error::AppError;
use crate::http::extract::{ActFor, Params, QueryParams, page_limit};
use crate::service::{access_log, cursor};

/// One answer an application got about you.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccessView {
    /// The entry's own id.
    pub id: String,
    pub at: DateTime<Utc>,
    /// The application that asked, and its domain.
    pub client: String,
    pub client_id: String,
    pub domain: String,
    /// `check` (may this person act for you?), `list` (for whom may this person act?),
    /// `exchange` (a token that says this person acts for you) or `introspection` (does
    /// such a token still hold?).
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
            id: e.id,
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
    /// Pass as `cursor` for older entries; absent on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AccessLogParams {
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Page size, 1–500 (default 100).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 500)]
    pub limit: Option<String>,
}

impl Params for AccessLogParams {
    const NAMES: &'static [&'static str] = &["cursor", "limit"];
}

/// Who asked what about you (or the enterprise you act for), newest first: every check
/// and list answer that government applications got. An enterprise's legal representatives
/// read all of it, its managers what concerns their domains; its executors none.
#[utoipa::path(get, path = "/api/v1/me/access-log", tag = "mandates",
    params(AccessLogParams, ("Act-For" = Option<String>, Header, description = "Enterprise number you act for")),
    responses((status = 200, body = AccessLogPage), (status = 401), (status = 403), (status = 422)),
    security(("bearer" = [])))]
pub async fn access_log(
    State(state): State<AppState>,
    principal: Principal,
    ActFor(act_for): ActFor,
    QueryParams(params): QueryParams<AccessLogParams>,
) -> Result<Json<AccessLogPage>, AppError> {
    let now = state.clock().now();
    let actor = crate::service::actor(state.store(), &principal, act_for.as_ref(), now).await?;
    let mut errors = FieldErrors::default();
    let position = params.cursor.as_deref().and_then(|c| {
        let read = cursor::read_at_id(c);
        if read.is_none() {
            errors.push(FieldError::new("cursor", "invalid_cursor"));
        }
        read
    });
    let limit = page_limit(
        params.limit.as_deref(),
        100,
        access_log::MAX_LIMIT,
        &mut errors,
    );
    errors.into_result()?;
    let page = access_log::read(&state, &actor, position.as_ref(), limit).await?;
    Ok(Json(AccessLogPage {
        items: page.items.into_iter().map(AccessView::from).collect(),
        next_cursor: page.next,
    }))
}
