//! Every change goes through here: one write transaction, the `Idempotency-Key` checked
//! under the write lock and the answer remembered in the same transaction.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use mandates_domain::Kbo;
use mandates_domain::mandate::Mandate;
use mandates_store::{StoredResponse, WriteTx};
use uuid::Uuid;

use crate::AppState;
use crate::api::views::{MandateView, RoleView};
use crate::auth::Principal;
use crate::error::AppError;
use crate::service::{self, mandates, roles};

/// A change asked by a caller.
pub enum Change {
    Create(mandates_domain::mandate::Draft),
    Act(Uuid, mandates::Action),
    AssignRole(roles::RoleDraft),
    EndRole(Uuid),
}

/// Header with the event sequence number of a change: pass it as `min_consistency` to get
/// answers at least that fresh.
pub const CONSISTENCY: &str = "consistency-token";

/// Header that tells the client the answer is the one remembered for its key.
pub const REPLAYED: &str = "idempotent-replayed";

fn respond(status: u16, body: &str, replayed: bool) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    let mut response = (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_owned(),
    )
        .into_response();
    let value: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
    if let Some(version) = value["version"].as_u64()
        && let Ok(etag) = HeaderValue::from_str(&format!("\"{version}\""))
    {
        response.headers_mut().insert(header::ETAG, etag);
    }
    if status == StatusCode::CREATED
        && let Some(id) = value["id"].as_str()
        && value.get("status").is_some()
        && let Ok(location) = HeaderValue::from_str(&format!("/api/v1/mandates/{id}"))
    {
        response.headers_mut().insert(header::LOCATION, location);
    }
    if replayed {
        response
            .headers_mut()
            .insert(REPLAYED, HeaderValue::from_static("true"));
    }
    response
}

/// Runs a change once: a retry with the same key gets the first answer and changes nothing.
pub async fn perform(
    state: &AppState,
    principal: &Principal,
    act_for: Option<&Kbo>,
    key: Option<&str>,
    fingerprint: &str,
    change: Change,
) -> Result<Response, AppError> {
    let done = perform_change(state, principal, act_for, key, fingerprint, change).await?;
    let mut response = respond(done.status, &done.body, done.replayed);
    if let Some(seq) = done.seq {
        response
            .headers_mut()
            .insert(CONSISTENCY, HeaderValue::from(seq));
    }
    Ok(response)
}

/// The answer of a change: its status and JSON body, as the API gives them.
pub struct Performed {
    pub status: u16,
    pub body: String,
    /// The first answer, given again for a repeated key.
    pub replayed: bool,
    /// The event sequence number of the change (not for a replayed one).
    pub seq: Option<i64>,
}

/// Runs a change once, for the API and the pages alike.
pub async fn perform_change(
    state: &AppState,
    principal: &Principal,
    act_for: Option<&Kbo>,
    key: Option<&str>,
    fingerprint: &str,
    change: Change,
) -> Result<Performed, AppError> {
    let mut tx = state.store().begin().await?;
    let outcome = apply(&mut tx, state, principal, act_for, key, fingerprint, change).await;
    match outcome {
        Ok(Applied::Replayed(first)) => {
            tx.rollback().await?;
            Ok(Performed {
                status: first.status,
                body: first.body,
                replayed: true,
                seq: None,
            })
        }
        Ok(Applied::Done(status, body, seq)) => {
            tx.commit().await?;
            // The next check through this instance sees the change.
            state.catch_up().await;
            Ok(Performed {
                status,
                body,
                replayed: false,
                seq: Some(seq),
            })
        }
        Err(e) => {
            // Release the write lock at once; the refusal changed nothing.
            tx.rollback().await?;
            Err(e)
        }
    }
}

enum Applied {
    Replayed(StoredResponse),
    /// The answer and the event sequence number of the change.
    Done(u16, String, i64),
}

/// Decides and writes under the write lock: the moment and the caller's roles are read
/// there, so that a deadline or a role ended by an earlier writer is judged as committed.
async fn apply(
    tx: &mut WriteTx,
    state: &AppState,
    principal: &Principal,
    act_for: Option<&Kbo>,
    key: Option<&str>,
    fingerprint: &str,
    change: Change,
) -> Result<Applied, AppError> {
    let now = state.clock().now();
    let roles = match act_for {
        Some(_) => tx.roles_of_person(&principal.person).await?,
        None => Vec::new(),
    };
    let actor = &service::actor_with(principal, act_for, roles, now)?;
    let scope = &service::idempotency_scope(actor);
    if let Some(key) = key
        && let Some(first) = tx.remembered(scope, key).await?
    {
        if first.fingerprint != fingerprint {
            return Err(AppError::KeyReused);
        }
        return Ok(Applied::Replayed(first));
    }
    let catalog = state.catalog();
    let policy = state.policy();
    let mandate = |m: &Mandate| serde_json::to_string(&MandateView::of(m, &actor.party, now));
    let (status, body, seq) = match change {
        Change::Create(draft) => {
            let (m, seq) = mandates::create(tx, actor, &draft, catalog, &policy, now).await?;
            (201, mandate(&m), seq)
        }
        Change::Act(id, action) => {
            let created = matches!(action, mandates::Action::Transfer { .. });
            let (m, seq) = mandates::act(tx, actor, id, &action, catalog, &policy, now).await?;
            (if created { 201 } else { 200 }, mandate(&m), seq)
        }
        Change::AssignRole(draft) => {
            let (r, seq) = roles::assign(tx, actor, &draft, catalog, now).await?;
            (201, serde_json::to_string(&RoleView::of(&r, now)), seq)
        }
        Change::EndRole(id) => {
            let (r, seq) = roles::end(tx, actor, id, now).await?;
            (200, serde_json::to_string(&RoleView::of(&r, now)), seq)
        }
    };
    let body = body.map_err(|e| AppError::internal("writing an answer", e))?;
    if let Some(key) = key {
        let remembered = StoredResponse {
            fingerprint: fingerprint.to_owned(),
            status,
            body: body.clone(),
        };
        tx.remember(scope, key, &remembered, now).await?;
    }
    Ok(Applied::Done(status, body, seq))
}
