//! `/api/v1/mandates` reads: the caller's mandates (filtered, a page at a time), one
//! mandate, and its history. Changes are in `lifecycle.rs`.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use mandates_domain::access;
use mandates_domain::mandate::Status;
use mandates_domain::{FieldError, FieldErrors};
use mandates_store::{MandateQuery, RoleFilter};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use crate::AppState;
use crate::api::lifecycle::mandate_id;
use crate::api::views::{EventView, History, MandatePage, MandateView};
use crate::auth::Principal;
use crate::error::AppError;
use crate::http::extract::{ActFor, Params, QueryParams, page_limit};
use crate::service::{self, cursor, mandates};

/// The largest page of mandates.
const MAX_LIMIT: i64 = 500;

/// Filters of the list of your mandates.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// `mandator` or `mandatee`: only mandates where you are on that side.
    pub role: Option<String>,
    /// One of `pending`, `active` (in force), `scheduled` (signed, in force from a later
    /// day), `rejected`, `withdrawn`, `voided`, `lapsed`, `stopped`, `expired`.
    pub status: Option<String>,
    /// A domain of the catalog.
    pub domain: Option<String>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Page size, 1–500 (default 50).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 500)]
    pub limit: Option<String>,
}

impl Params for ListParams {
    const NAMES: &'static [&'static str] = &["role", "status", "domain", "cursor", "limit"];
}

/// A query's value that must be one of a list.
fn one_of<T>(
    field: &str,
    text: Option<&str>,
    parse: impl Fn(&str) -> Option<T>,
    errors: &mut FieldErrors,
) -> Option<T> {
    let text = text?;
    let parsed = parse(text);
    if parsed.is_none() {
        errors.push(FieldError::new(field, "invalid_value").arg("value", text));
    }
    parsed
}

/// Your mandates (or those of the enterprise you act for that you may see), newest first.
#[utoipa::path(get, path = "/api/v1/mandates", tag = "mandates",
    params(ListParams, ("Act-For" = Option<String>, Header, description = "Enterprise number you act for")),
    responses((status = 200, body = MandatePage), (status = 401), (status = 403), (status = 422)),
    security(("bearer" = [])))]
pub async fn list_mandates(
    State(state): State<AppState>,
    principal: Principal,
    ActFor(act_for): ActFor,
    QueryParams(params): QueryParams<ListParams>,
) -> Result<Json<MandatePage>, AppError> {
    let now = state.clock().now();
    let actor = service::actor(state.store(), &principal, act_for.as_ref(), now).await?;
    let mut errors = FieldErrors::default();
    let role = one_of(
        "role",
        params.role.as_deref(),
        |r| match r {
            "mandator" => Some(RoleFilter::Mandator),
            "mandatee" => Some(RoleFilter::Mandatee),
            _ => None,
        },
        &mut errors,
    );
    let status = one_of(
        "status",
        params.status.as_deref(),
        Status::parse,
        &mut errors,
    );
    if let Some(d) = params.domain.as_deref()
        && state.catalog().domain(d).is_none()
    {
        errors.push(FieldError::new("domain", "unknown_domain").arg("domain", d));
    }
    let after = params.cursor.as_deref().and_then(|c| {
        let read =
            cursor::read_at_id(c).and_then(|(at, id)| Some((at, Uuid::parse_str(&id).ok()?)));
        if read.is_none() {
            errors.push(FieldError::new("cursor", "invalid_cursor"));
        }
        read
    });
    let limit = page_limit(params.limit.as_deref(), 50, MAX_LIMIT, &mut errors);
    errors.into_result()?;
    let mut query = MandateQuery::of(actor.party.clone(), access::read_scope(&actor));
    query.role = role;
    query.statuses = status.into_iter().collect();
    query.domain = params.domain;
    query.after = after;
    query.limit = u32::try_from(limit).unwrap_or(50);
    let page = mandates::list(&state, &actor, query, now).await?;
    Ok(Json(MandatePage {
        items: page
            .items
            .iter()
            .map(|m| MandateView::of(m, &actor.party, now))
            .collect(),
        next_cursor: page.next.map(|(at, id)| cursor::at_id(at, &id.to_string())),
    }))
}

/// One mandate; its `ETag` is the version of its terms.
#[utoipa::path(get, path = "/api/v1/mandates/{id}", tag = "mandates",
    params(("id" = Uuid, Path), ("Act-For" = Option<String>, Header, description = "Enterprise number you act for")),
    responses((status = 200, body = MandateView), (status = 401), (status = 404)),
    security(("bearer" = [])))]
pub async fn get_mandate(
    State(state): State<AppState>,
    principal: Principal,
    ActFor(act_for): ActFor,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let now = state.clock().now();
    let actor = service::actor(state.store(), &principal, act_for.as_ref(), now).await?;
    let m = mandates::visible(&state, &actor, mandate_id(&id)?).await?;
    let mut response =
        (StatusCode::OK, Json(MandateView::of(&m, &actor.party, now))).into_response();
    response
        .headers_mut()
        .insert(header::ETAG, crate::api::answer::etag(&m));
    Ok(response)
}

/// The mandate's whole history: who did what, for whom, when and how they authenticated.
#[utoipa::path(get, path = "/api/v1/mandates/{id}/history", tag = "mandates",
    params(("id" = Uuid, Path), ("Act-For" = Option<String>, Header, description = "Enterprise number you act for")),
    responses((status = 200, body = History), (status = 401), (status = 404)),
    security(("bearer" = [])))]
pub async fn mandate_history(
    State(state): State<AppState>,
    principal: Principal,
    ActFor(act_for): ActFor,
    Path(id): Path<String>,
) -> Result<Json<History>, AppError> {
    let now = state.clock().now();
    let actor = service::actor(state.store(), &principal, act_for.as_ref(), now).await?;
    let m = mandates::visible(&state, &actor, mandate_id(&id)?).await?;
    let events = mandates::history(&state, &m).await?;
    Ok(Json(History {
        items: events.into_iter().map(EventView::from).collect(),
    }))
}
