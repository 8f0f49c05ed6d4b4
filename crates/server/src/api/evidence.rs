//! Evidence through the API: the signed receipts of a mandate's events, and the signed
//! checkpoints of the event log (public: they hold numbers and hashes, nothing personal).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use mandates_domain::{DomainError, FieldError, FieldErrors};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::api::lifecycle::mandate_id;
use crate::auth::Principal;
use crate::error::AppError;
use crate::evidence::export;
use crate::evidence::receipts::receipt;
use crate::http::extract::{ActFor, Params, QueryParams, page_limit};
use crate::service::{self, mandates};

/// The receipt of one event of a mandate.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReceiptView {
    /// The event's place in the sequence.
    pub seq: i64,
    /// What happened (`created`, `signed`, `stopped`, ...).
    pub kind: String,
    pub at: chrono::DateTime<chrono::Utc>,
    /// A compact JWS (EdDSA, type `receipt+jwt`) that the keys at
    /// `/.well-known/jwks.json` verify.
    pub receipt: String,
}

/// The receipts of a mandate's events, oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct Receipts {
    pub items: Vec<ReceiptView>,
}

/// The signed receipts of every event of a mandate, as given when each happened.
#[utoipa::path(get, path = "/api/v1/mandates/{id}/receipts", tag = "evidence",
    params(("id" = uuid::Uuid, Path), ("Act-For" = Option<String>, Header, description = "Enterprise number you act for")),
    responses((status = 200, body = Receipts), (status = 401), (status = 404)),
    security(("bearer" = [])))]
pub async fn mandate_receipts(
    State(state): State<AppState>,
    principal: Principal,
    ActFor(act_for): ActFor,
    Path(id): Path<String>,
) -> Result<Json<Receipts>, AppError> {
    let now = state.clock().now();
    let actor = service::actor(state.store(), &principal, act_for.as_ref(), now).await?;
    let m = mandates::visible(&state, &actor, mandate_id(&id)?).await?;
    let mut items = Vec::new();
    for e in mandates::history(&state, &m).await? {
        if let Some(jws) = receipt(&state, &m, &e)? {
            items.push(ReceiptView {
                seq: e.seq,
                kind: e.kind.as_str().to_owned(),
                at: e.at,
                receipt: jws,
            });
        }
    }
    Ok(Json(Receipts { items }))
}

/// The form of a mandate's evidence.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EvidenceParams {
    /// `json` (default: for machines, with everything needed to verify it offline) or `csv`
    /// (one line per event).
    pub format: Option<String>,
}

impl Params for EvidenceParams {
    const NAMES: &'static [&'static str] = &["format"];
}

/// A mandate's evidence, for its parties (a legal representative for an enterprise): its
/// terms, every event in its canonical form with digest, chain value and receipt, the proof
/// that links each event to a signed checkpoint, those checkpoints and the public keys.
/// `mandates audit verify --file` (or any JOSE library and SHA-256) verifies it offline. Each
/// export is recorded in the event log.
#[utoipa::path(get, path = "/api/v1/mandates/{id}/evidence", tag = "evidence",
    params(("id" = uuid::Uuid, Path), EvidenceParams, ("Act-For" = Option<String>, Header, description = "Enterprise number you act for")),
    responses((status = 200, description = "`mandates-evidence/1`, or with `format=csv` a line per event", content((Object = "application/json"), (String = "text/csv"))),
              (status = 401), (status = 403), (status = 404), (status = 422), (status = 503)),
    security(("bearer" = [])))]
pub async fn mandate_evidence(
    State(state): State<AppState>,
    principal: Principal,
    ActFor(act_for): ActFor,
    Path(id): Path<String>,
    QueryParams(params): QueryParams<EvidenceParams>,
) -> Result<Response, AppError> {
    let format = match params.format.as_deref() {
        None | Some("json") => "json",
        Some("csv") => "csv",
        Some(other) => {
            return Err(DomainError::field(
                FieldError::new("format", "invalid_value").arg("value", other),
            )
            .into());
        }
    };
    let now = state.clock().now();
    let actor = service::actor(state.store(), &principal, act_for.as_ref(), now).await?;
    let m = mandates::visible(&state, &actor, mandate_id(&id)?).await?;
    let evidence = export::of_mandate(&state, &actor, &m, format, now).await?;
    let name = format!("mandate-{}-evidence", m.id);
    match format {
        "csv" => export::csv(&evidence)?.download(&format!("{name}.csv")),
        _ => Ok((
            [(
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}.json\""),
            )],
            Json(evidence),
        )
            .into_response()),
    }
}

/// Which checkpoints to list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CheckpointParams {
    /// Only checkpoints of events after this sequence number (default 0: from the first).
    #[param(value_type = Option<i64>, minimum = 0)]
    pub after: Option<String>,
    /// Page size, 1–1000 (default 100).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 1000)]
    pub limit: Option<String>,
}

impl Params for CheckpointParams {
    const NAMES: &'static [&'static str] = &["after", "limit"];
}

/// A signed checkpoint of the event log.
#[derive(Debug, Serialize, ToSchema)]
pub struct CheckpointView {
    /// The last event it covers.
    pub seq: i64,
    /// The chain value at that event (64 hexadecimal digits).
    pub chain: String,
    pub at: chrono::DateTime<chrono::Utc>,
    /// The key that signed it (its `kid` in `/.well-known/jwks.json`).
    pub kid: String,
    /// A compact JWS (EdDSA, type `checkpoint+jwt`) of `seq`, `chain` and the time.
    pub jws: String,
}

/// A page of checkpoints, oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct CheckpointPage {
    pub items: Vec<CheckpointView>,
    /// The `after` of the next page, when there may be one.
    pub next_after: Option<i64>,
}

/// The signed checkpoints of the event log, for anyone to keep and compare: each signs the
/// chain value at an event, which stands for every event up to it.
#[utoipa::path(get, path = "/api/v1/evidence/checkpoints", tag = "evidence",
    params(CheckpointParams),
    responses((status = 200, body = CheckpointPage), (status = 422)))]
pub async fn checkpoints(
    State(state): State<AppState>,
    QueryParams(params): QueryParams<CheckpointParams>,
) -> Result<Json<CheckpointPage>, AppError> {
    let mut errors = FieldErrors::default();
    let after = match params.after.as_deref().map(|a| a.trim().parse::<i64>()) {
        None => 0,
        Some(Ok(n)) if n >= 0 => n,
        Some(_) => {
            errors.push(
                FieldError::new("after", "out_of_range")
                    .arg("value", params.after.as_deref().unwrap_or_default())
                    .arg("min", 0)
                    .arg("max", i64::MAX),
            );
            0
        }
    };
    let limit = page_limit(params.limit.as_deref(), 100, 1000, &mut errors);
    errors.into_result()?;
    let page = state.store().checkpoints(after, limit).await?;
    let next_after = (page.len() as i64 == limit)
        .then(|| page.last().map(|c| c.seq))
        .flatten();
    Ok(Json(CheckpointPage {
        items: page
            .into_iter()
            .map(|c| CheckpointView {
                seq: c.seq,
                chain: c.chain.hex(),
                at: c.at,
                kid: c.kid,
                jws: c.jws,
            })
            .collect(),
        next_after,
    }))
}
