//! `/api/v1/mandates`: create, list, read, history, sign, reject, withdraw, stop, modify,
//! transfer.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use mandates_domain::mandate::{Draft, Mandate, NotesChange, Status, TermsChange};
use mandates_domain::{DomainError, FieldError, FieldErrors};
use mandates_store::{MandateQuery, RoleFilter};
use serde::{Deserialize, Deserializer};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::AppState;
use crate::api::views::{EventView, History, MandatePage, MandateView};
use crate::api::write::{Change, perform};
use crate::auth::Principal;
use crate::error::AppError;
use crate::http::extract::{ActFor, IdempotencyKey, JsonBody, QueryParams};
use crate::service::mandates::Action;

/// A new mandate. Parties are written as their numbers: 11 digits a person, 10 an
/// enterprise; dots, dashes and spaces are accepted.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"domain": "fin", "types": ["fin.tax_on_web"], "mandator": "85073003328", "mandatee": "0412345614", "valid_until": "2027-12-31", "reference": "client 2027-001", "language": "en"}))]
pub struct CreateMandate {
    pub domain: Option<String>,
    pub types: Option<Vec<String>>,
    pub mandator: Option<String>,
    pub mandatee: Option<String>,
    /// `YYYY-MM-DD`, today or later; default today (Brussels time).
    pub valid_from: Option<String>,
    /// `YYYY-MM-DD`; absent: unlimited, where the types allow it.
    pub valid_until: Option<String>,
    /// Your own reference, up to 255 characters.
    pub reference: Option<String>,
    /// Language for your notifications: `nl`, `fr`, `de` or `en`.
    pub language: Option<String>,
    /// E-mail address for your notifications.
    pub email: Option<String>,
    /// eHealth only: the capacity in which you act, up to 100 characters.
    pub capacity: Option<String>,
}

/// A signature on a version of the terms (the pending mandate's, or a proposed change's).
#[derive(Debug, Deserialize, ToSchema)]
pub struct SignRequest {
    pub version: Option<u32>,
}

/// The new mandatee of a transfer.
#[derive(Debug, Deserialize, ToSchema)]
pub struct TransferRequest {
    pub mandatee: Option<String>,
}

fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

/// A change of terms (based on `version`, or `If-Match`) and/or of your own notes.
/// A change that only narrows takes effect at once; one that widens anything waits for
/// the other party's signature.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ModifyMandate {
    /// The version of the terms the change is based on (or send `If-Match`).
    pub version: Option<u32>,
    pub types: Option<Vec<String>>,
    pub valid_from: Option<String>,
    /// `null` makes the period unlimited (a widening).
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, nullable)]
    pub valid_until: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, nullable)]
    pub reference: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, nullable)]
    pub language: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, nullable)]
    pub email: Option<Option<String>>,
}

/// Filters of the list of your mandates.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// `mandator` or `mandatee`: only mandates where you are on that side.
    pub role: Option<String>,
    /// One of `pending`, `active`, `rejected`, `withdrawn`, `lapsed`, `stopped`, `expired`.
    pub status: Option<String>,
    pub domain: Option<String>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Page size, 1–500 (default 50).
    pub limit: Option<u32>,
}

fn required<T>(value: Option<T>, field: &str, errors: &mut FieldErrors) -> Option<T> {
    if value.is_none() {
        errors.push(FieldError::new(field, "required"));
    }
    value
}

fn mandate_id(text: &str) -> Result<Uuid, AppError> {
    Uuid::parse_str(text).map_err(|_| DomainError::mandate_not_found().into())
}

/// Create a mandate; your signature on version 1 is recorded.
#[utoipa::path(post, path = "/api/v1/mandates", tag = "mandates",
    request_body = CreateMandate,
    params(("Act-For" = Option<String>, Header, description = "Enterprise number you act for"),
           ("Idempotency-Key" = Option<String>, Header, description = "Retry-safe key")),
    responses((status = 201, body = MandateView), (status = 401), (status = 403), (status = 422)),
    security(("bearer" = [])))]
pub async fn create_mandate(
    State(state): State<AppState>,
    principal: Principal,
    ActFor(act_for): ActFor,
    IdempotencyKey(key): IdempotencyKey,
    body: JsonBody<CreateMandate>,
) -> Result<Response, AppError> {
    let b = body.value;
    let mut errors = FieldErrors::default();
    let domain = required(b.domain, "domain", &mut errors);
    let types = required(b.types, "types", &mut errors);
    let mandator = required(b.mandator, "mandator", &mut errors);
    let mandatee = required(b.mandatee, "mandatee", &mut errors);
    errors.into_result()?;
    let draft = Draft {
        domain: domain.unwrap_or_default(),
        types: types.unwrap_or_default(),
        mandator: mandator.unwrap_or_default(),
        mandatee: mandatee.unwrap_or_default(),
        valid_from: b.valid_from,
        valid_until: b.valid_until,
        reference: b.reference,
        language: b.language,
        email: b.email,
        capacity: b.capacity,
    };
    perform(
        &state,
        &principal,
        act_for.as_ref(),
        key.as_deref(),
        &body.fingerprint,
        Change::Create(draft),
    )
    .await
}

fn encode_cursor(next: (mandates_domain::time::Instant, Uuid)) -> String {
    URL_SAFE_NO_PAD.encode(format!("{}:{}", next.0.timestamp_micros(), next.1))
}

fn decode_cursor(text: &str) -> Option<(mandates_domain::time::Instant, Uuid)> {
    let raw = String::from_utf8(URL_SAFE_NO_PAD.decode(text).ok()?).ok()?;
    let (micros, id) = raw.split_once(':')?;
    Some((
        chrono::DateTime::from_timestamp_micros(micros.parse().ok()?)?,
        Uuid::parse_str(id).ok()?,
    ))
}

/// Your mandates (or those of the enterprise you act for), newest first.
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
    let actor = crate::service::actor(state.store(), &principal, act_for.as_ref(), now).await?;
    let mut errors = FieldErrors::default();
    let role = match params.role.as_deref() {
        None => None,
        Some("mandator") => Some(RoleFilter::Mandator),
        Some("mandatee") => Some(RoleFilter::Mandatee),
        Some(other) => {
            errors.push(FieldError::new("role", "invalid_value").arg("value", other));
            None
        }
    };
    let status = params.status.as_deref().and_then(|s| {
        let parsed = Status::parse(s);
        if parsed.is_none() {
            errors.push(FieldError::new("status", "invalid_value").arg("value", s));
        }
        parsed
    });
    let after = params.cursor.as_deref().and_then(|c| {
        let parsed = decode_cursor(c);
        if parsed.is_none() {
            errors.push(FieldError::new("cursor", "invalid_cursor"));
        }
        parsed
    });
    errors.into_result()?;
    let query = MandateQuery {
        party: actor.party.clone(),
        role,
        status,
        domain: params.domain,
        counterpart: None,
        after,
        limit: params.limit.unwrap_or(50),
    };
    let page = state.store().list_mandates(&query, now).await?;
    let items = page
        .items
        .iter()
        .filter(|m| actor.may_read(&m.terms))
        .map(|m| MandateView::of(m, &actor.party, now))
        .collect();
    Ok(Json(MandatePage {
        items,
        next_cursor: page.next.map(encode_cursor),
    }))
}

async fn visible(
    state: &AppState,
    principal: &Principal,
    act_for: Option<&mandates_domain::Kbo>,
    id: &str,
) -> Result<(Mandate, mandates_domain::Party), AppError> {
    let now = state.clock().now();
    let actor = crate::service::actor(state.store(), principal, act_for, now).await?;
    let id = mandate_id(id)?;
    match state.store().mandate(id).await? {
        Some(m) if m.visible_to(&actor.party) && actor.may_read(&m.terms) => Ok((m, actor.party)),
        _ => Err(DomainError::mandate_not_found().into()),
    }
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
    let (m, party) = visible(&state, &principal, act_for.as_ref(), &id).await?;
    let view = MandateView::of(&m, &party, state.clock().now());
    let body =
        serde_json::to_string(&view).map_err(|e| AppError::internal("writing a mandate", e))?;
    let mut response = (
        axum::http::StatusCode::OK,
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        body,
    )
        .into_response();
    if let Ok(etag) = axum::http::HeaderValue::from_str(&format!("\"{}\"", m.version)) {
        response
            .headers_mut()
            .insert(axum::http::header::ETAG, etag);
    }
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
    let (m, _) = visible(&state, &principal, act_for.as_ref(), &id).await?;
    let events = state
        .store()
        .events_of("mandate", &m.id.to_string())
        .await?;
    Ok(Json(History {
        items: events.into_iter().map(EventView::from).collect(),
    }))
}

async fn act(
    state: &AppState,
    principal: &Principal,
    act_for: Option<mandates_domain::Kbo>,
    key: Option<String>,
    fingerprint: &str,
    id: &str,
    action: Action,
) -> Result<Response, AppError> {
    let id = mandate_id(id)?;
    perform(
        state,
        principal,
        act_for.as_ref(),
        key.as_deref(),
        fingerprint,
        Change::Act(id, action),
    )
    .await
}

/// Sign a version: the missing signature of a pending mandate, or a proposed change.
#[utoipa::path(post, path = "/api/v1/mandates/{id}/sign", tag = "mandates",
    request_body = SignRequest,
    params(("id" = Uuid, Path), ("Act-For" = Option<String>, Header), ("Idempotency-Key" = Option<String>, Header)),
    responses((status = 200, body = MandateView), (status = 401), (status = 403), (status = 404), (status = 409), (status = 422)),
    security(("bearer" = [])))]
pub async fn sign_mandate(
    State(state): State<AppState>,
    principal: Principal,
    ActFor(act_for): ActFor,
    IdempotencyKey(key): IdempotencyKey,
    Path(id): Path<String>,
    body: JsonBody<SignRequest>,
) -> Result<Response, AppError> {
    let Some(version) = body.value.version else {
        return Err(DomainError::field(FieldError::new("version", "required")).into());
    };
    act(
        &state,
        &principal,
        act_for,
        key,
        &body.fingerprint,
        &id,
        Action::Sign { version },
    )
    .await
}

macro_rules! simple_action {
    ($name:ident, $path:literal, $action:expr, $doc:literal) => {
        #[doc = $doc]
        #[utoipa::path(post, path = $path, tag = "mandates",
            params(("id" = Uuid, Path), ("Act-For" = Option<String>, Header), ("Idempotency-Key" = Option<String>, Header)),
            responses((status = 200, body = MandateView), (status = 401), (status = 403), (status = 404), (status = 409)),
            security(("bearer" = [])))]
        pub async fn $name(
            State(state): State<AppState>,
            principal: Principal,
            ActFor(act_for): ActFor,
            IdempotencyKey(key): IdempotencyKey,
            Path(id): Path<String>,
            body: JsonBody<serde_json::Value>,
        ) -> Result<Response, AppError> {
            act(&state, &principal, act_for, key, &body.fingerprint, &id, $action).await
        }
    };
}

simple_action!(
    reject_mandate,
    "/api/v1/mandates/{id}/reject",
    Action::Reject,
    "Reject a pending mandate, or a proposed change, as the party asked to sign it."
);
simple_action!(
    withdraw_mandate,
    "/api/v1/mandates/{id}/withdraw",
    Action::Withdraw,
    "Withdraw a pending mandate, or a proposed change, as the party who made it."
);
simple_action!(
    stop_mandate,
    "/api/v1/mandates/{id}/stop",
    Action::Stop,
    "Stop an active mandate now, as either party. A waiting transfer or change is void."
);

/// Transfer an active mandate to a new mandatee: a new pending mandate that, once both its
/// parties signed, replaces this one at the same instant.
#[utoipa::path(post, path = "/api/v1/mandates/{id}/transfer", tag = "mandates",
    request_body = TransferRequest,
    params(("id" = Uuid, Path), ("Act-For" = Option<String>, Header), ("Idempotency-Key" = Option<String>, Header)),
    responses((status = 201, body = MandateView, description = "The new pending mandate"), (status = 401), (status = 403), (status = 404), (status = 409), (status = 422)),
    security(("bearer" = [])))]
pub async fn transfer_mandate(
    State(state): State<AppState>,
    principal: Principal,
    ActFor(act_for): ActFor,
    IdempotencyKey(key): IdempotencyKey,
    Path(id): Path<String>,
    body: JsonBody<TransferRequest>,
) -> Result<Response, AppError> {
    let Some(mandatee) = body.value.mandatee.clone() else {
        return Err(DomainError::field(FieldError::new("mandatee", "required")).into());
    };
    act(
        &state,
        &principal,
        act_for,
        key,
        &body.fingerprint,
        &id,
        Action::Transfer { mandatee },
    )
    .await
}

/// Change the terms (based on a version: `If-Match` or `version`) and/or your own notes.
#[utoipa::path(patch, path = "/api/v1/mandates/{id}", tag = "mandates",
    request_body = ModifyMandate,
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header, description = "The ETag the change is based on"),
           ("Act-For" = Option<String>, Header), ("Idempotency-Key" = Option<String>, Header)),
    responses((status = 200, body = MandateView), (status = 401), (status = 403), (status = 404), (status = 409), (status = 422)),
    security(("bearer" = [])))]
pub async fn modify_mandate(
    State(state): State<AppState>,
    principal: Principal,
    ActFor(act_for): ActFor,
    IdempotencyKey(key): IdempotencyKey,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: JsonBody<ModifyMandate>,
) -> Result<Response, AppError> {
    let b = &body.value;
    let if_match = match headers.get(axum::http::header::IF_MATCH) {
        None => None,
        Some(v) => {
            let text = v
                .to_str()
                .unwrap_or_default()
                .trim()
                .trim_start_matches("W/")
                .trim_matches('"');
            match text.parse::<u32>() {
                Ok(v) => Some(v),
                Err(_) => {
                    return Err(DomainError::field(
                        FieldError::new("If-Match", "invalid_value").arg("value", text),
                    )
                    .into());
                }
            }
        }
    };
    if let (Some(a), Some(b)) = (if_match, b.version)
        && a != b
    {
        return Err(DomainError::field(
            FieldError::new("version", "invalid_value").arg("value", b),
        )
        .into());
    }
    let terms =
        (b.types.is_some() || b.valid_from.is_some() || b.valid_until.is_some()).then(|| {
            TermsChange {
                types: b.types.clone(),
                valid_from: b.valid_from.clone(),
                valid_until: b.valid_until.clone(),
            }
        });
    let notes = NotesChange {
        reference: b.reference.clone(),
        language: b.language.clone(),
        email: b.email.clone(),
    };
    let action = Action::Modify {
        based_on: if_match.or(b.version),
        terms,
        notes,
    };
    act(
        &state,
        &principal,
        act_for,
        key,
        &body.fingerprint,
        &id,
        action,
    )
    .await
}
