//! The business API for government applications of a domain: may this person act for that
//! mandator (`/api/v1/checks`), for whom may they act (`/api/v1/mandators/search`), the same
//! through OpenID AuthZEN (`/access/v1/...`), and the OAuth endpoints that give applications
//! their tokens. Only business client tokens are accepted here.

use std::collections::BTreeSet;

use axum::Json;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use chrono::{DateTime, NaiveDate, Utc};
use mandates_domain::check::{Decision, Refusal, decide};
use mandates_domain::mandate::Side;
use mandates_domain::time::Instant;
use mandates_domain::{DomainError, FieldError, FieldErrors, Insz, Lang, Party};
use mandates_store::AccessEntry;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::AppState;
use crate::auth::AuthError;
use crate::error::AppError;
use crate::http::extract::{JsonBody, RequestLang};
use crate::i18n;
use crate::tokens::ClientPrincipal;

/// At most this many checks in one batch.
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
        state
            .tokens()
            .verify_client(state.store(), token, state.clock().now())
            .await
            .map(BusinessClient)
            .map_err(AppError::Unauthenticated)
    }
}

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

/// Why not, in words.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReasonView {
    /// `no_mandate`, `pending_signature`, `not_yet_in_force`, `stopped`, `expired` or
    /// `no_executor_role`.
    pub code: &'static str,
    /// In the request's language.
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
    pub checks: Vec<CheckRequest>,
}

/// The answers, in the order of the questions.
#[derive(Debug, Serialize, ToSchema)]
pub struct BatchAnswer {
    pub results: Vec<CheckAnswer>,
}

fn reason_message(refusal: &Refusal, lang: Lang) -> String {
    let id = format!("check-{}", refusal.code());
    let args: Vec<(&str, String)> = match refusal {
        Refusal::NoMandate => Vec::new(),
        Refusal::PendingSignature { mandate, missing } => {
            vec![
                ("mandate", mandate.to_string()),
                (
                    "side",
                    if *missing == Side::Mandator {
                        "mandator"
                    } else {
                        "mandatee"
                    }
                    .to_owned(),
                ),
            ]
        }
        Refusal::NotYetInForce { mandate, from } => {
            vec![("mandate", mandate.to_string()), ("from", from.to_string())]
        }
        Refusal::Stopped { mandate, at } => {
            vec![("mandate", mandate.to_string()), ("at", at.to_rfc3339())]
        }
        Refusal::Expired { mandate, on } => {
            vec![("mandate", mandate.to_string()), ("on", on.to_string())]
        }
        Refusal::NoExecutorRole {
            mandate,
            enterprise,
        } => {
            vec![
                ("mandate", mandate.to_string()),
                ("enterprise", enterprise.to_string()),
            ]
        }
    };
    i18n::message(lang, &id, &args)
}

pub(crate) fn answer(decision: &Decision, consistency: i64, lang: Lang) -> CheckAnswer {
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

/// A check whose input was read.
pub(crate) struct Question {
    pub actor: Insz,
    pub mandator: Party,
    pub type_code: String,
    pub type_id: Option<u32>,
    pub at: Option<Instant>,
}

pub(crate) fn read_question(
    req: &CheckRequest,
    client: &ClientPrincipal,
    prefix: &str,
    state: &AppState,
    errors: &mut FieldErrors,
) -> Option<Question> {
    let field = |name: &str| format!("{prefix}{name}");
    let mut required = |value: &Option<String>, name: &str| {
        if value.is_none() {
            errors.push(FieldError::new(field(name), "required"));
        }
        value.clone()
    };
    let (actor, mandator, type_code) = (
        required(&req.actor, "actor"),
        required(&req.mandator, "mandator"),
        required(&req.type_code, "type"),
    );
    let actor = actor.and_then(|a| {
        errors.check(Insz::parse(&a), |e| {
            FieldError::new(field("actor"), "invalid_party_number").arg("reason", e.code())
        })
    });
    let mandator = mandator.and_then(|m| {
        errors.check(Party::parse(&m), |e| {
            FieldError::new(field("mandator"), "invalid_party_number").arg("reason", e.code())
        })
    });
    let type_code = type_code.filter(|t| {
        let covered = client.covers(t) && state.catalog().mandate_type(t).is_some();
        if !covered {
            // Another domain's types are unknown to this application, whether they exist or not.
            errors.push(FieldError::new(field("type"), "client_type_not_allowed").arg("type", t));
        }
        covered
    });
    let at = req.at.as_deref().and_then(|text| {
        errors.check(DateTime::parse_from_rfc3339(text), |_| {
            FieldError::new(field("at"), "invalid_instant").arg("value", text)
        })
    });
    let (actor, mandator, type_code) = (actor?, mandator?, type_code?);
    Some(Question {
        type_id: state.index().type_id(&type_code),
        actor,
        mandator,
        type_code,
        at: at.map(|t| t.with_timezone(&Utc)),
    })
}

/// Makes sure the index has seen `wanted`, catching up once if needed.
pub(crate) async fn ensure_fresh(state: &AppState, wanted: Option<i64>) -> Result<(), AppError> {
    let Some(wanted) = wanted else { return Ok(()) };
    if state.index().applied() < wanted {
        state.catch_up().await;
    }
    let applied = state.index().applied();
    if applied < wanted {
        return Err(DomainError::conflict("min_consistency_not_reached")
            .arg("wanted", wanted)
            .arg("applied", applied)
            .into());
    }
    Ok(())
}

/// Answers one question: for now (and later) from the index, for the past from history.
pub(crate) async fn evaluate(
    state: &AppState,
    q: &Question,
    client: &ClientPrincipal,
    now: Instant,
) -> Result<(Decision, i64), AppError> {
    match q.at {
        Some(t) if t < now => {
            let consistency = state.store().last_seq().await?;
            // Only the roles the person had been given by then say anything about then.
            let mut roles = state.store().roles_of_person(&q.actor).await?;
            roles.retain(|r| r.assigned_at <= t);
            let mut mandatees: BTreeSet<String> =
                roles.iter().map(|r| r.enterprise.to_string()).collect();
            mandatees.insert(q.actor.to_string());
            let pairs: Vec<(String, String)> = mandatees
                .into_iter()
                .map(|mandatee| (q.mandator.as_str().to_owned(), mandatee))
                .collect();
            let mut mandates = state.store().mandates_between(&pairs).await?;
            mandates.retain(|m| m.terms.domain == client.domain);
            Ok((
                decide(&q.actor, &q.mandator, &q.type_code, t, &mandates, &roles),
                consistency,
            ))
        }
        at => {
            let consistency = state.index().applied();
            let decision = match q.type_id {
                Some(type_id) => {
                    state
                        .index()
                        .check(&q.actor, &q.mandator, type_id, at.unwrap_or(now))
                }
                None => Decision::Denied(Refusal::NoMandate),
            };
            Ok((decision, consistency))
        }
    }
}

pub(crate) fn record(
    state: &AppState,
    client: &ClientPrincipal,
    kind: &str,
    q: &Question,
    decision: &Decision,
    now: Instant,
) {
    let (allowed, reason, mandate) = match decision {
        Decision::Allowed(g) => (true, None, Some(g.mandate)),
        Decision::Denied(r) => (false, Some(r.code().to_owned()), r.mandate()),
    };
    state.access_log().record(AccessEntry {
        mandator: Some(q.mandator.to_string()),
        type_code: Some(q.type_code.clone()),
        allowed,
        reason,
        mandate_id: mandate.map(|m| m.to_string()),
        ..access_entry(client, kind, &q.actor, now)
    });
}

/// An access log entry of an application's answer about a person, yet without its outcome.
fn access_entry(client: &ClientPrincipal, kind: &str, actor: &Insz, now: Instant) -> AccessEntry {
    AccessEntry {
        // Time-ordered: the log's rows are appended at the end of its key, not scattered.
        id: Uuid::now_v7().to_string(),
        at: now,
        client_id: client.client_id.clone(),
        client: client.name.clone(),
        domain: client.domain.clone(),
        kind: kind.to_owned(),
        actor: actor.to_string(),
        mandator: None,
        type_code: None,
        allowed: false,
        reason: None,
        mandate_id: None,
    }
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
    let question = read_question(&body.value, &client, "", &state, &mut errors);
    errors.into_result()?;
    let Some(q) = question else {
        return Err(DomainError::invalid(FieldErrors::default()).into());
    };
    ensure_fresh(&state, body.value.min_consistency).await?;
    let now = state.clock().now();
    let (decision, consistency) = evaluate(&state, &q, &client, now).await?;
    record(&state, &client, "check", &q, &decision, now);
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
    let mut errors = FieldErrors::default();
    let questions: Vec<Option<Question>> = checks
        .iter()
        .enumerate()
        .map(|(i, c)| read_question(c, &client, &format!("checks[{i}]."), &state, &mut errors))
        .collect();
    errors.into_result()?;
    ensure_fresh(
        &state,
        checks.iter().filter_map(|c| c.min_consistency).max(),
    )
    .await?;
    let now = state.clock().now();
    let mut results = Vec::with_capacity(questions.len());
    for q in questions.iter().flatten() {
        let (decision, consistency) = evaluate(&state, q, &client, now).await?;
        record(&state, &client, "check", q, &decision, now);
        results.push(answer(&decision, consistency, lang));
    }
    Ok(Json(BatchAnswer { results }))
}

/// For whom may a person act: the question.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SearchRequest {
    /// The national number of the person.
    pub actor: Option<String>,
    /// Only mandates that grant this type.
    #[serde(rename = "type")]
    pub type_code: Option<String>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Page size, 1–500 (default 100).
    pub limit: Option<usize>,
}

/// Someone the person may act for, and through what.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ActingFor {
    pub mandator: String,
    /// The types the person may use for this mandator through this mandate.
    pub types: Vec<String>,
    pub mandate_id: Uuid,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub via_enterprise: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<NaiveDate>,
}

/// A page of the people and enterprises someone may act for.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchAnswer {
    pub items: Vec<ActingFor>,
    pub next_cursor: Option<String>,
    pub consistency: i64,
}

/// Everyone the person may act for now in the application's domain, with the types and the
/// granting mandate; directly or as an enterprise's executor.
#[utoipa::path(post, path = "/api/v1/mandators/search", tag = "business",
    request_body = SearchRequest,
    responses((status = 200, body = SearchAnswer), (status = 401), (status = 422)),
    security(("client" = [])))]
pub async fn search_mandators(
    State(state): State<AppState>,
    BusinessClient(client): BusinessClient,
    body: JsonBody<SearchRequest>,
) -> Result<Json<SearchAnswer>, AppError> {
    let b = &body.value;
    let mut errors = FieldErrors::default();
    let actor = match &b.actor {
        None => {
            errors.push(FieldError::new("actor", "required"));
            None
        }
        Some(a) => errors.check(Insz::parse(a), |e| {
            FieldError::new("actor", "invalid_party_number").arg("reason", e.code())
        }),
    };
    if let Some(t) = &b.type_code
        && !client.covers(t)
    {
        errors.push(FieldError::new("type", "client_type_not_allowed").arg("type", t));
    }
    let after = b.cursor.as_deref().map(|c| {
        let parsed = Uuid::parse_str(c).ok();
        if parsed.is_none() {
            errors.push(FieldError::new("cursor", "invalid_cursor"));
        }
        parsed
    });
    errors.into_result()?;
    let Some(actor) = actor else {
        return Err(DomainError::invalid(FieldErrors::default()).into());
    };
    let now = state.clock().now();
    let consistency = state.store().last_seq().await?;
    let roles = state.store().roles_of_person(&actor).await?;
    let mut holders: Vec<(Party, Option<Vec<String>>)> = vec![(Party::Person(actor.clone()), None)];
    for r in roles
        .iter()
        .filter(|r| r.kind == mandates_domain::roles::RoleKind::Executor && r.in_force_at(now))
    {
        holders.push((
            Party::Enterprise(r.enterprise.clone()),
            Some(r.types.clone()),
        ));
    }
    let mut items = Vec::new();
    for (holder, executes) in &holders {
        for m in state
            .store()
            .active_mandates_to(holder, &client.domain)
            .await?
        {
            let Some(entry) = m.in_force_at(now) else {
                continue;
            };
            let types: Vec<String> = entry
                .terms
                .types
                .iter()
                .filter(|t| client.covers(t))
                .filter(|t| b.type_code.as_ref().is_none_or(|x| x == *t))
                .filter(|t| executes.as_ref().is_none_or(|e| e.contains(t)))
                .cloned()
                .collect();
            if types.is_empty() {
                continue;
            }
            items.push(ActingFor {
                mandator: m.terms.mandator.to_string(),
                types,
                mandate_id: m.id,
                via_enterprise: holder.as_enterprise().map(ToString::to_string),
                valid_until: entry.terms.valid_until,
            });
        }
    }
    items.sort_by_key(|i| i.mandate_id);
    items.dedup_by_key(|i| i.mandate_id);
    let start = match after.flatten() {
        Some(a) => items.partition_point(|i| i.mandate_id <= a),
        None => 0,
    };
    let limit = b.limit.unwrap_or(100).clamp(1, 500);
    let page: Vec<ActingFor> = items.iter().skip(start).take(limit).cloned().collect();
    let next_cursor = (start + limit < items.len())
        .then(|| page.last().map(|i| i.mandate_id.to_string()))
        .flatten();
    for item in &page {
        state.access_log().record(AccessEntry {
            mandator: Some(item.mandator.clone()),
            type_code: Some(item.types.join(",")),
            allowed: true,
            mandate_id: Some(item.mandate_id.to_string()),
            ..access_entry(&client, "list", &actor, now)
        });
    }
    Ok(Json(SearchAnswer {
        items: page,
        next_cursor,
        consistency,
    }))
}

/// An OAuth token request (form-encoded).
#[derive(Debug, Deserialize)]
pub struct TokenRequest {
    pub grant_type: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    /// Token exchange: the person's access token from the identity provider.
    pub subject_token: Option<String>,
    pub subject_token_type: Option<String>,
    /// Token exchange: for whom the person wants to act.
    pub mandator: Option<String>,
    /// Token exchange: the mandate types, comma-separated (or space-separated in `scope`).
    pub types: Option<String>,
    pub scope: Option<String>,
}

/// The grant type of RFC 8693.
pub const TOKEN_EXCHANGE: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
const ACCESS_TOKEN_TYPE: &str = "urn:ietf:params:oauth:token-type:access_token";

/// An OAuth error answer (RFC 6749 §5.2).
fn oauth_error(
    status: StatusCode,
    error: &str,
    description: &str,
) -> (StatusCode, Json<serde_json::Value>) {
    (
        status,
        Json(serde_json::json!({"error": error, "error_description": description})),
    )
}

/// `POST /oauth/token`: the client credentials grant, with HTTP Basic or form credentials.
pub async fn oauth_token(
    State(state): State<AppState>,
    headers: HeaderMap,
    form: Result<axum::Form<TokenRequest>, axum::extract::rejection::FormRejection>,
) -> Result<(StatusCode, Json<serde_json::Value>), AppError> {
    let form = match form {
        Ok(axum::Form(form)) => form,
        Err(e) => {
            return Ok(oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                &e.body_text(),
            ));
        }
    };
    let grant = form.grant_type.as_deref();
    if grant != Some("client_credentials") && grant != Some(TOKEN_EXCHANGE) {
        return Ok(oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "grant_type must be client_credentials or urn:ietf:params:oauth:grant-type:token-exchange",
        ));
    }
    let basic = crate::auth::basic_credentials(&headers);
    let (id, secret) = match (basic, &form.client_id, &form.client_secret) {
        (Some((id, secret)), _, _) => (id, secret),
        (None, Some(id), Some(secret)) => (id.clone(), secret.clone()),
        _ => {
            return Ok(oauth_error(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                "client credentials are missing",
            ));
        }
    };
    let Some(client) = crate::service::clients::authenticate(state.store(), &id, &secret).await?
    else {
        return Ok(oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "unknown client, wrong secret, or revoked",
        ));
    };
    if grant == Some(TOKEN_EXCHANGE) {
        return exchange(&state, &client, &form, i18n::request_lang(&headers)).await;
    }
    let token = state
        .tokens()
        .issue_client_token(&client, state.clock().now())
        .map_err(|e| AppError::internal("issuing a client token", e))?;
    Ok((
        StatusCode::OK,
        Json(serde_json::json!({
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": crate::tokens::CLIENT_TOKEN_SECONDS,
        })),
    ))
}

/// RFC 8693: the client presents a person's token and asks for a token that says "this
/// person acting for that mandator" for some types; given only when the check allows each.
async fn exchange(
    state: &AppState,
    client: &mandates_store::Client,
    form: &TokenRequest,
    lang: Lang,
) -> Result<(StatusCode, Json<serde_json::Value>), AppError> {
    let bad = |m: &str| Ok(oauth_error(StatusCode::BAD_REQUEST, "invalid_request", m));
    let (Some(subject_token), Some(mandator)) = (&form.subject_token, &form.mandator) else {
        return bad("subject_token and mandator are required");
    };
    if form
        .subject_token_type
        .as_deref()
        .is_some_and(|t| t != ACCESS_TOKEN_TYPE)
    {
        return bad("subject_token_type must be urn:ietf:params:oauth:token-type:access_token");
    }
    let types: Vec<String> = form
        .types
        .as_deref()
        .map(|t| {
            t.split(',')
                .map(str::trim)
                .map(str::to_owned)
                .collect::<Vec<String>>()
        })
        .or_else(|| {
            form.scope.as_deref().map(|s| {
                s.split_whitespace()
                    .map(str::to_owned)
                    .collect::<Vec<String>>()
            })
        })
        .unwrap_or_default()
        .into_iter()
        .filter(|t: &String| !t.is_empty())
        .collect();
    if types.is_empty() {
        return bad("name the mandate types in types (comma-separated) or scope");
    }
    let now = state.clock().now();
    let Ok(person) = state.verifier().verify(subject_token, now).await else {
        return Ok(oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "the subject_token is not a valid access token of a person",
        ));
    };
    let principal = ClientPrincipal::from(client);
    let mut mandates = Vec::new();
    let mut until: Option<Instant> = None;
    for t in &types {
        let request = CheckRequest {
            actor: Some(person.person.to_string()),
            mandator: Some(mandator.clone()),
            type_code: Some(t.clone()),
            at: None,
            min_consistency: None,
        };
        let mut errors = FieldErrors::default();
        let Some(q) = read_question(&request, &principal, "", state, &mut errors) else {
            return bad(&format!("the mandator or the type {t} is not accepted"));
        };
        let (decision, _) = evaluate(state, &q, &principal, now).await?;
        record(state, &principal, "exchange", &q, &decision, now);
        match decision {
            Decision::Allowed(g) => {
                mandates.push(g.mandate.to_string());
                if let Some(end) = g.valid_until.map(mandates_domain::time::end_of_day) {
                    until = Some(until.map_or(end, |u| u.min(end)));
                }
            }
            Decision::Denied(r) => {
                return Ok(oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    &reason_message(&r, lang),
                ));
            }
        }
    }
    mandates.dedup();
    let grant = crate::tokens::ActingFor {
        client_id: client.id.clone(),
        actor: person.person.to_string(),
        mandator: Party::parse(mandator)
            .map(|p| p.to_string())
            .unwrap_or_default(),
        types,
        mandates,
        until,
    };
    let (token, expires_in) = state
        .tokens()
        .issue_acting_for(&grant, now)
        .map_err(|e| AppError::internal("issuing an exchanged token", e))?;
    Ok((
        StatusCode::OK,
        Json(serde_json::json!({
            "access_token": token,
            "issued_token_type": ACCESS_TOKEN_TYPE,
            "token_type": "Bearer",
            "expires_in": expires_in,
        })),
    ))
}

/// `GET /.well-known/jwks.json`: the keys that verify the service's own tokens.
pub async fn jwks(State(state): State<AppState>) -> Json<serde_json::Value> {
    Json(state.tokens().jwks())
}
