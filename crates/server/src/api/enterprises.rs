//! `/api/v1/enterprises/{number}/roles`: the roster of an enterprise.

use axum::Json;
use axum::extract::{Path, State};
use axum::response::Response;
use mandates_domain::{DomainError, Kbo};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::AppState;
use crate::api::views::{RoleView, Roster};
use crate::auth::Principal;
use crate::error::AppError;
use crate::http::extract::{IdempotencyKey, JsonBody};
use crate::service::roles::{self, RoleCommand, RoleDraft};
use crate::service::unit::Keyed;

/// A manager role (for a domain) or an executor role (for types of a domain) to assign.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"person": "05061207730", "kind": "executor", "domain": "fin", "types": ["fin.tax_on_web"]}))]
pub struct AssignRole {
    /// The person's national number.
    pub person: Option<String>,
    /// `manager` or `executor`.
    pub kind: Option<String>,
    pub domain: Option<String>,
    #[serde(default)]
    pub types: Vec<String>,
    pub valid_from: Option<String>,
    pub valid_until: Option<String>,
}

/// The enterprise in the path, acted for by the caller: anyone without a role in force
/// there gets the same "not found" whether or not the enterprise exists.
async fn acting_for(
    state: &AppState,
    principal: &Principal,
    number: &str,
) -> Result<(mandates_domain::actor::Actor, Kbo), AppError> {
    let not_found = || AppError::from(DomainError::not_found("enterprise_not_found"));
    let enterprise = Kbo::parse(number).map_err(|_| not_found())?;
    let now = state.clock().now();
    match crate::service::actor(state.store(), principal, Some(&enterprise), now).await {
        Ok(actor) => Ok((actor, enterprise)),
        Err(AppError::Domain(e)) if e.code == "no_role_for_enterprise" => Err(not_found()),
        Err(e) => Err(e),
    }
}

/// The roster: legal representatives, managers and executors, past and present.
/// Shown to legal representatives and managers of the enterprise.
#[utoipa::path(get, path = "/api/v1/enterprises/{number}/roles", tag = "enterprises",
    params(("number" = String, Path, description = "Enterprise number")),
    responses((status = 200, body = Roster), (status = 401), (status = 403), (status = 404)),
    security(("bearer" = [])))]
pub async fn list_roles(
    State(state): State<AppState>,
    principal: Principal,
    Path(number): Path<String>,
) -> Result<Json<Roster>, AppError> {
    let (actor, _) = acting_for(&state, &principal, &number).await?;
    let now = state.clock().now();
    let roles = roles::roster(&state, &actor).await?;
    Ok(Json(Roster {
        items: roles.iter().map(|r| RoleView::of(r, now)).collect(),
    }))
}

/// Assign a manager or executor role. Legal representatives assign both; a manager of a
/// domain assigns managers and executors of that domain.
#[utoipa::path(post, path = "/api/v1/enterprises/{number}/roles", tag = "enterprises",
    request_body = AssignRole,
    params(("number" = String, Path, description = "Enterprise number"), ("Idempotency-Key" = Option<String>, Header)),
    responses((status = 201, body = RoleView), (status = 401), (status = 403), (status = 404), (status = 422)),
    security(("bearer" = [])))]
pub async fn assign_role(
    State(state): State<AppState>,
    principal: Principal,
    IdempotencyKey(key): IdempotencyKey,
    Path(number): Path<String>,
    body: JsonBody<AssignRole>,
) -> Result<Response, AppError> {
    let (_, enterprise) = acting_for(&state, &principal, &number).await?;
    let b = &body.value;
    let draft = RoleDraft {
        person: b.person.clone().unwrap_or_default(),
        kind: b.kind.clone().unwrap_or_default(),
        domain: b.domain.clone(),
        types: b.types.clone(),
        valid_from: b.valid_from.clone(),
        valid_until: b.valid_until.clone(),
    };
    let fingerprint = body.fingerprint();
    let keyed = Keyed::of(key.as_deref(), &fingerprint);
    let done = roles::change(
        &state,
        &principal,
        &enterprise,
        keyed,
        RoleCommand::Assign(draft),
    )
    .await?;
    Ok(crate::api::answer::role(&done))
}

/// End a manager or executor role now. Legal representatives come from the register.
#[utoipa::path(post, path = "/api/v1/enterprises/{number}/roles/{id}/end", tag = "enterprises",
    params(("number" = String, Path, description = "Enterprise number"), ("id" = Uuid, Path), ("Idempotency-Key" = Option<String>, Header)),
    responses((status = 200, body = RoleView), (status = 401), (status = 403), (status = 404), (status = 409)),
    security(("bearer" = [])))]
pub async fn end_role(
    State(state): State<AppState>,
    principal: Principal,
    IdempotencyKey(key): IdempotencyKey,
    Path((number, id)): Path<(String, String)>,
    body: JsonBody<serde_json::Value>,
) -> Result<Response, AppError> {
    let (_, enterprise) = acting_for(&state, &principal, &number).await?;
    let id = Uuid::parse_str(&id)
        .map_err(|_| AppError::from(DomainError::not_found("role_not_found")))?;
    let fingerprint = body.fingerprint();
    let keyed = Keyed::of(key.as_deref(), &fingerprint);
    let done = roles::change(&state, &principal, &enterprise, keyed, RoleCommand::End(id)).await?;
    Ok(crate::api::answer::role(&done))
}
