//! `/api/v1/mandates` changes: create, sign, reject, withdraw, stop, modify, transfer. Each
//! reads its request, asks the unit of work, and answers from the typed outcome.

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use mandates_domain::mandate::{Draft, NotesChange, TermsChange};
use mandates_domain::{DomainError, FieldError, FieldErrors};
use serde::{Deserialize, Deserializer};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::AppState;
use crate::api::views::MandateView;
use crate::error::AppError;
use crate::http::extract::{Changer, JsonBody};
use crate::service::mandates::{self, Action, MandateCommand};
use crate::service::unit::Keyed;

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

fn required<T>(value: Option<T>, field: &str, errors: &mut FieldErrors) -> Option<T> {
    if value.is_none() {
        errors.push(FieldError::new(field, "required"));
    }
    value
}

/// The mandate of a path: a malformed id is a mandate that does not exist.
pub fn mandate_id(text: &str) -> Result<Uuid, AppError> {
    Uuid::parse_str(text).map_err(|_| DomainError::mandate_not_found().into())
}

/// Runs a change of mandates once and answers with the mandate it is about.
async fn change(
    state: &AppState,
    by: Changer,
    fingerprint: &str,
    command: MandateCommand,
) -> Result<Response, AppError> {
    let keyed = Keyed::of(by.key.as_deref(), fingerprint);
    let done = mandates::change(state, &by.principal, by.act_for.as_ref(), keyed, command).await?;
    let receipts = crate::evidence::receipts::of_change(state, &done, &by.principal).await?;
    let viewer = match by.act_for {
        Some(k) => mandates_domain::Party::Enterprise(k),
        None => mandates_domain::Party::Person(by.principal.person),
    };
    let mut response = crate::api::answer::mandate(&done, &viewer);
    for receipt in receipts {
        if let Ok(value) = axum::http::HeaderValue::from_str(&receipt) {
            response.headers_mut().append(RECEIPT, value);
        }
    }
    Ok(response)
}

/// Header with the signed receipt (a compact JWS) of each act of a change: one per event
/// the person recorded (a creation gives the creation and the creator's signature).
pub const RECEIPT: &str = "receipt";

/// Create a mandate; your signature on version 1 is recorded.
#[utoipa::path(post, path = "/api/v1/mandates", tag = "mandates",
    request_body = CreateMandate,
    params(("Act-For" = Option<String>, Header, description = "Enterprise number you act for"),
           ("Idempotency-Key" = Option<String>, Header, description = "Retry-safe key")),
    responses((status = 201, body = MandateView, headers(("receipt" = String, description = "A signed receipt (compact JWS) of each act the change recorded; repeated"))), (status = 401), (status = 403), (status = 422)),
    security(("bearer" = [])))]
pub async fn create_mandate(
    State(state): State<AppState>,
    by: Changer,
    body: JsonBody<CreateMandate>,
) -> Result<Response, AppError> {
    let fingerprint = body.fingerprint();
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
    let command = MandateCommand::Create(draft);
    change(&state, by, &fingerprint, command).await
}

async fn act(
    state: &AppState,
    by: Changer,
    fingerprint: &str,
    id: &str,
    action: Action,
) -> Result<Response, AppError> {
    let command = MandateCommand::Act(mandate_id(id)?, action);
    change(state, by, fingerprint, command).await
}

/// Sign a version: the missing signature of a pending mandate, or a proposed change.
#[utoipa::path(post, path = "/api/v1/mandates/{id}/sign", tag = "mandates",
    request_body = SignRequest,
    params(("id" = Uuid, Path), ("Act-For" = Option<String>, Header), ("Idempotency-Key" = Option<String>, Header)),
    responses((status = 200, body = MandateView, headers(("receipt" = String, description = "A signed receipt (compact JWS) of each act the change recorded; repeated"))), (status = 401), (status = 403), (status = 404), (status = 409), (status = 422)),
    security(("bearer" = [])))]
pub async fn sign_mandate(
    State(state): State<AppState>,
    by: Changer,
    Path(id): Path<String>,
    body: JsonBody<SignRequest>,
) -> Result<Response, AppError> {
    let Some(version) = body.value.version else {
        return Err(DomainError::field(FieldError::new("version", "required")).into());
    };
    let action = Action::Sign { version };
    act(&state, by, &body.fingerprint(), &id, action).await
}

macro_rules! simple_action {
    ($name:ident, $path:literal, $action:expr, $doc:literal) => {
        #[doc = $doc]
        #[utoipa::path(post, path = $path, tag = "mandates",
            params(("id" = Uuid, Path), ("Act-For" = Option<String>, Header), ("Idempotency-Key" = Option<String>, Header)),
            responses((status = 200, body = MandateView, headers(("receipt" = String, description = "A signed receipt (compact JWS) of each act the change recorded; repeated"))), (status = 401), (status = 403), (status = 404), (status = 409)),
            security(("bearer" = [])))]
        pub async fn $name(
            State(state): State<AppState>,
            by: Changer,
            Path(id): Path<String>,
            body: JsonBody<serde_json::Value>,
        ) -> Result<Response, AppError> {
            act(&state, by, &body.fingerprint(), &id, $action).await
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
    "Stop a signed mandate now (in force or still to come), as either party. A waiting transfer or change is void."
);

/// Transfer a signed mandate to a new mandatee: a new pending mandate that, once both its
/// parties signed, replaces this one at the same instant.
#[utoipa::path(post, path = "/api/v1/mandates/{id}/transfer", tag = "mandates",
    request_body = TransferRequest,
    params(("id" = Uuid, Path), ("Act-For" = Option<String>, Header), ("Idempotency-Key" = Option<String>, Header)),
    responses((status = 201, body = MandateView, description = "The new pending mandate", headers(("receipt" = String, description = "A signed receipt (compact JWS) of each act the change recorded; repeated"))), (status = 401), (status = 403), (status = 404), (status = 409), (status = 422)),
    security(("bearer" = [])))]
pub async fn transfer_mandate(
    State(state): State<AppState>,
    by: Changer,
    Path(id): Path<String>,
    body: JsonBody<TransferRequest>,
) -> Result<Response, AppError> {
    let Some(mandatee) = body.value.mandatee.clone() else {
        return Err(DomainError::field(FieldError::new("mandatee", "required")).into());
    };
    let action = Action::Transfer { mandatee };
    act(&state, by, &body.fingerprint(), &id, action).await
}

/// The version named by `If-Match` (`"3"`, `W/"3"`), if sent.
fn if_match(headers: &HeaderMap) -> Result<Option<u32>, AppError> {
    let Some(v) = headers.get(axum::http::header::IF_MATCH) else {
        return Ok(None);
    };
    let text = v
        .to_str()
        .unwrap_or_default()
        .trim()
        .trim_start_matches("W/")
        .trim_matches('"');
    text.parse::<u32>().map(Some).map_err(|_| {
        DomainError::field(FieldError::new("If-Match", "invalid_value").arg("value", text)).into()
    })
}

/// Change the terms (based on a version: `If-Match` or `version`) and/or your own notes.
#[utoipa::path(patch, path = "/api/v1/mandates/{id}", tag = "mandates",
    request_body = ModifyMandate,
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header, description = "The ETag the change is based on"),
           ("Act-For" = Option<String>, Header), ("Idempotency-Key" = Option<String>, Header)),
    responses((status = 200, body = MandateView, headers(("receipt" = String, description = "A signed receipt (compact JWS) of each act the change recorded; repeated"))), (status = 401), (status = 403), (status = 404), (status = 409), (status = 422)),
    security(("bearer" = [])))]
pub async fn modify_mandate(
    State(state): State<AppState>,
    by: Changer,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: JsonBody<ModifyMandate>,
) -> Result<Response, AppError> {
    let b = &body.value;
    let if_match = if_match(&headers)?;
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
    // The version a change is based on is part of the request, in the body or in If-Match.
    let fingerprint = format!("{} {if_match:?}", body.fingerprint());
    act(&state, by, &fingerprint, &id, action).await
}
