//! `/api/v1/checks`: may this person act for that mandator for this type, now or at `at`;
//! one question or up to a thousand. Every answer is logged for the mandator.

use axum::Json;
use axum::extract::State;
use chrono::NaiveDate;
use mandates_domain::check::{Decision, Refusal};
use mandates_domain::mandate::Side;
use mandates_domain::{DomainError, FieldError, FieldErrors, Lang};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{BusinessClient, MAX_BATCH};
use crate::AppState;
use crate::error::AppError;
use crate::http::extract::{JsonBody, RequestLang};
use crate::i18n;
use crate::service::check::{self, Ask, Asked, Question};
use crate::text;

/// One question: may `actor` act for `mandator` for `type` at `at` (default now)?
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[schema(example = json!({"actor": "05061207730", "mandator": "85073003328", "type": "fin.tax_on_web"}))]
pub struct CheckRequest {
    /// The national number of the person who wants to act.
    pub actor: Option<String>,
    /// The number of the person or enterprise they want to act for.
    pub mandator: Option<String>,
    /// A mandate type of the application's domain.
    #[serde(rename = "type")]
    pub type_code: Option<String>,
    /// An RFC 3339 instant; default now. A past instant is answered from history.
    pub at: Option<String>,
    /// Answer no staler than this event sequence number (a `consistency` seen before).
    pub min_consistency: Option<i64>,
}

impl CheckRequest {
    /// The question as the service reads it.
    pub fn ask(&self) -> Ask<'_> {
        Ask {
            actor: self.actor.as_deref(),
            mandator: self.mandator.as_deref(),
            type_code: self.type_code.as_deref(),
            at: self.at.as_deref(),
        }
    }
}

/// Why not, in words.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReasonView {
    /// `no_mandate`, `pending_signature`, `not_yet_in_force`, `stopped`, `expired` or
    /// `no_executor_role`.
    pub code: &'static str,
    /// In the request's language; dates and instants as people read them (Brussels time).
    pub message: String,
}

/// The answer to a check.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CheckAnswer {
    pub allowed: bool,
    /// The mandate that allows it, or that the reason is about.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mandate_id: Option<Uuid>,
    /// The enterprise that holds the mandate, when the person acts as its executor.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub via_enterprise: Option<String>,
    /// The last day of the granting mandate (absent: unlimited).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<NaiveDate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<ReasonView>,
    /// The event sequence number the answer was read at.
    pub consistency: i64,
}

/// Many checks in one request.
#[derive(Debug, Deserialize, ToSchema)]
pub struct BatchRequest {
    /// At most 1000.
    #[serde(deserialize_with = "crate::http::extract::objects")]
    pub checks: Vec<CheckRequest>,
}

/// The answers, in the order of the questions.
#[derive(Debug, Serialize, ToSchema)]
pub struct BatchAnswer {
    pub results: Vec<CheckAnswer>,
}

/// Why a check was refused, in words: dates and instants as people in Brussels read them.
pub fn reason_message(refusal: &Refusal, lang: Lang) -> String {
    let id = format!("check-{}", refusal.code());
    let args: Vec<(&str, String)> = match refusal {
        Refusal::NoMandate => Vec::new(),
        Refusal::PendingSignature { mandate, missing } => {
            let side = match missing {
                Side::Mandator => "mandator",
                Side::Mandatee => "mandatee",
            };
            vec![("mandate", mandate.to_string()), ("side", side.to_owned())]
        }
        Refusal::NotYetInForce { mandate, from } => {
            vec![
                ("mandate", mandate.to_string()),
                ("from", text::date(*from)),
            ]
        }
        Refusal::Stopped { mandate, at } => {
            vec![("mandate", mandate.to_string()), ("at", text::instant(*at))]
        }
        Refusal::Expired { mandate, on } => {
            vec![("mandate", mandate.to_string()), ("on", text::date(*on))]
        }
        Refusal::NoExecutorRole {
            mandate,
            enterprise,
        } => {
            vec![
                ("mandate", mandate.to_string()),
                ("enterprise", text::number(enterprise.as_str())),
            ]
        }
    };
    i18n::message(lang, &id, &args)
}

/// The answer to a decision.
pub fn answer(decision: &Decision, consistency: i64, lang: Lang) -> CheckAnswer {
    match decision {
        Decision::Allowed(g) => CheckAnswer {
            allowed: true,
            mandate_id: Some(g.mandate),
            via_enterprise: g.via_enterprise.as_ref().map(ToString::to_string),
            valid_until: g.valid_until,
            reason: None,
            consistency,
        },
        Decision::Denied(r) => CheckAnswer {
            allowed: false,
            mandate_id: r.mandate(),
            via_enterprise: None,
            valid_until: None,
            reason: Some(ReasonView {
                code: r.code(),
                message: reason_message(r, lang),
            }),
            consistency,
        },
    }
}

/// Reads every question (all their errors at once, each named by `prefix(i)`), makes sure
/// the index is fresh enough for the freshest asked, and answers each, logged.
pub async fn answer_all(
    state: &AppState,
    client: &crate::tokens::ClientPrincipal,
    requests: &[CheckRequest],
    prefix: impl Fn(usize) -> String,
    lang: Lang,
) -> Result<Vec<CheckAnswer>, AppError> {
    let mut errors = FieldErrors::default();
    let questions: Vec<Option<Question>> = requests
        .iter()
        .enumerate()
        .map(|(i, r)| check::read(r.ask(), client, &prefix(i), state, &mut errors))
        .collect();
    errors.into_result()?;
    check::ensure_fresh(
        state,
        requests.iter().filter_map(|r| r.min_consistency).max(),
    )
    .await?;
    let now = state.clock().now();
    let mut answers = Vec::with_capacity(questions.len());
    let mut logged = Vec::with_capacity(questions.len());
    for q in questions.iter().flatten() {
        let (decision, consistency) = check::decide(state, q, client, now).await?;
        logged.push(check::entry(client, Asked::Check, q, &decision, now));
        answers.push(answer(&decision, consistency, lang));
    }
    // The whole batch is logged in one write, or none of it is answered.
    state.access_log().record_all(&logged)?;
    Ok(answers)
}

/// May this person act for that mandator for this type, now or at `at`?
#[utoipa::path(post, path = "/api/v1/checks", tag = "business",
    request_body = CheckRequest,
    responses((status = 200, body = CheckAnswer), (status = 401), (status = 409, description = "min_consistency not reached"), (status = 422)),
    security(("client" = [])))]
pub async fn check(
    State(state): State<AppState>,
    BusinessClient(client): BusinessClient,
    RequestLang(lang): RequestLang,
    body: JsonBody<CheckRequest>,
) -> Result<Json<CheckAnswer>, AppError> {
    let mut errors = FieldErrors::default();
    let question = check::read(body.value.ask(), &client, "", &state, &mut errors);
    errors.into_result()?;
    let Some(q) = question else {
        return Err(DomainError::invalid(FieldErrors::default()).into());
    };
    check::ensure_fresh(&state, body.value.min_consistency).await?;
    let now = state.clock().now();
    let (decision, consistency) = check::answer(&state, &client, Asked::Check, &q, now).await?;
    Ok(Json(answer(&decision, consistency, lang)))
}

/// Up to 1000 checks in one request, answered in order.
#[utoipa::path(post, path = "/api/v1/checks/batch", tag = "business",
    request_body = BatchRequest,
    responses((status = 200, body = BatchAnswer), (status = 401), (status = 409), (status = 422)),
    security(("client" = [])))]
pub async fn check_batch(
    State(state): State<AppState>,
    BusinessClient(client): BusinessClient,
    RequestLang(lang): RequestLang,
    body: JsonBody<BatchRequest>,
) -> Result<Json<BatchAnswer>, AppError> {
    let checks = &body.value.checks;
    if checks.len() > MAX_BATCH {
        return Err(DomainError::field(
            FieldError::new("checks", "too_many_checks").arg("max", MAX_BATCH),
        )
        .into());
    }
    let results = answer_all(&state, &client, checks, |i| format!("checks[{i}]."), lang).await?;
    Ok(Json(BatchAnswer { results }))
}
