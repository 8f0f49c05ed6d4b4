//! OpenID AuthZEN Authorization API 1.0: access evaluations, the same decisions as
//! `/api/v1/checks` in the standard shape, and the PDP's metadata. Subject = the person who
//! wants to act (`type` `person`), resource = the mandator (`type` `party`, `person` or
//! `enterprise`), action = the mandate type. Every evaluation answered is logged for the
//! mandator. The searches are in `authzen_search.rs`.

use axum::Json;
use axum::extract::State;
use mandates_domain::check::Decision;
use mandates_domain::{DomainError, FieldError, FieldErrors, Lang, Party};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use utoipa::ToSchema;

use super::checks::{CheckAnswer, answer};
use super::{BusinessClient, MAX_BATCH};
use crate::AppState;
use crate::error::{AppError, field_message};
use crate::http::extract::{JsonBody, RequestLang, object, objects};
use crate::i18n;
use crate::service::check::{self, Ask, Asked, Question};
use crate::tokens::ClientPrincipal;

/// The subject types this service knows.
pub const SUBJECT_TYPES: [&str; 1] = ["person"];
/// The resource types this service knows: a mandator of either kind, or of the kind named.
pub const RESOURCE_TYPES: [&str; 3] = ["party", "person", "enterprise"];

/// An AuthZEN entity: `{type, id, properties}`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct Entity {
    /// `person` for a subject; `party`, `person` or `enterprise` for a resource.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// A national number (a person) or an enterprise number.
    pub id: Option<String>,
    /// Not used by this service.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub properties: Option<Map<String, Value>>,
}

/// An AuthZEN action: `{name}`, here a mandate type.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct Action {
    pub name: Option<String>,
    /// Not used by this service.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub properties: Option<Map<String, Value>>,
}

/// The context: `time` (RFC 3339; default now, a past instant is answered from history) and
/// `min_consistency` (an event sequence number the answer must have seen); both optional.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct Context {
    pub time: Option<String>,
    pub min_consistency: Option<i64>,
}

/// One evaluation request.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[schema(example = json!({"subject": {"type": "person", "id": "05061207730"}, "resource": {"type": "party", "id": "85073003328"}, "action": {"name": "fin.tax_on_web"}}))]
pub struct Evaluation {
    #[serde(default, deserialize_with = "object")]
    pub subject: Option<Entity>,
    #[serde(default, deserialize_with = "object")]
    pub resource: Option<Entity>,
    #[serde(default, deserialize_with = "object")]
    pub action: Option<Action>,
    #[serde(default, deserialize_with = "object")]
    pub context: Option<Context>,
}

/// How a list of evaluations is run.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct Options {
    /// `execute_all` (default), `deny_on_first_deny` or `permit_on_first_permit`.
    pub evaluations_semantic: Option<String>,
}

/// Many evaluations; the top-level values are defaults for each.
#[derive(Debug, Deserialize, ToSchema)]
pub struct Evaluations {
    #[serde(flatten)]
    pub defaults: Evaluation,
    /// At most 1000; absent or empty, the request is one evaluation of the defaults.
    #[serde(default, deserialize_with = "objects")]
    pub evaluations: Vec<Evaluation>,
    #[serde(default, deserialize_with = "object")]
    pub options: Option<Options>,
}

/// An AuthZEN decision, with why in `context`.
#[derive(Debug, Serialize, ToSchema)]
pub struct DecisionView {
    pub decision: bool,
    #[schema(value_type = Object)]
    pub context: Value,
}

/// The answers, in the order of the requests (fewer when a semantic stops early).
#[derive(Debug, Serialize, ToSchema)]
pub struct DecisionsView {
    pub evaluations: Vec<DecisionView>,
}

/// The answer to a list of evaluations: the decisions, or one decision when the request
/// had no `evaluations`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum EvaluationsAnswer {
    Many(DecisionsView),
    One(DecisionView),
}

/// When a list of evaluations stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Semantic {
    ExecuteAll,
    DenyOnFirstDeny,
    PermitOnFirstPermit,
}

/// A body an AuthZEN endpoint cannot read is a Bad Request (400), as the standard says.
pub fn bad_request<T>(body: Result<JsonBody<T>, AppError>) -> Result<JsonBody<T>, AppError> {
    body.map_err(|e| match e {
        AppError::Body(_, reason) => AppError::Body(axum::http::StatusCode::BAD_REQUEST, reason),
        other => other,
    })
}

/// Checks an entity's type against the known ones; the entity's name in the request is
/// `name`. An absent entity is an error.
pub fn entity<'e>(
    name: &str,
    entity: Option<&'e Entity>,
    known: &[&str],
    errors: &mut FieldErrors,
) -> Option<&'e Entity> {
    let Some(e) = entity else {
        errors.push(FieldError::new(name, "required"));
        return None;
    };
    match e.kind.as_deref() {
        None => errors.push(FieldError::new(format!("{name}.type"), "required")),
        Some(t) if !known.contains(&t) => errors.push(
            FieldError::new(format!("{name}.type"), "unknown_entity_type")
                .arg("value", t)
                .arg("known", known.join(", ")),
        ),
        Some(_) => {}
    }
    Some(e)
}

/// Whether a resource named by its type as a person or an enterprise is one.
pub fn check_resource_kind(resource: &Entity, errors: &mut FieldErrors) {
    let wanted = match resource.kind.as_deref() {
        Some("person") => mandates_domain::PartyKind::Person,
        Some("enterprise") => mandates_domain::PartyKind::Enterprise,
        _ => return,
    };
    if let Some(Ok(party)) = resource.id.as_deref().map(Party::parse)
        && party.kind() != wanted
    {
        errors.push(
            FieldError::new("resource.id", "invalid_value")
                .arg("value", resource.id.as_deref().unwrap_or_default()),
        );
    }
}

/// The fields of the check's question as the AuthZEN request names them.
fn authzen_field(field: &str) -> String {
    match field {
        "actor" => "subject.id".into(),
        "mandator" => "resource.id".into(),
        "type" => "action.name".into(),
        "at" => "context.time".into(),
        other => other.to_owned(),
    }
}

/// An evaluation with the defaults filled in, read: the check's question and its freshness,
/// or every reason it cannot be asked.
fn read(
    e: &Evaluation,
    defaults: &Evaluation,
    client: &ClientPrincipal,
    state: &AppState,
) -> Result<(Question, Option<i64>), FieldErrors> {
    let mut errors = FieldErrors::default();
    let subject = e.subject.as_ref().or(defaults.subject.as_ref());
    let resource = e.resource.as_ref().or(defaults.resource.as_ref());
    let action = e.action.as_ref().or(defaults.action.as_ref());
    let context = e.context.as_ref().or(defaults.context.as_ref());
    let subject = entity("subject", subject, &SUBJECT_TYPES, &mut errors);
    let resource = entity("resource", resource, &RESOURCE_TYPES, &mut errors);
    if action.is_none() {
        errors.push(FieldError::new("action", "required"));
    }
    if let Some(r) = resource {
        check_resource_kind(r, &mut errors);
    }
    let ask = Ask {
        actor: subject.and_then(|s| s.id.as_deref()),
        mandator: resource.and_then(|r| r.id.as_deref()),
        type_code: action.and_then(|a| a.name.as_deref()),
        at: context.and_then(|c| c.time.as_deref()),
    };
    let mut asked = FieldErrors::default();
    let question = if subject.is_some() && resource.is_some() && action.is_some() {
        check::read(ask, client, "", state, &mut asked)
    } else {
        None
    };
    for mut f in asked.0 {
        f.field = authzen_field(&f.field);
        errors.push(f);
    }
    match question {
        Some(q) if errors.is_empty() => Ok((q, context.and_then(|c| c.min_consistency))),
        _ => Err(errors),
    }
}

/// A check's answer as an AuthZEN decision: the reason (and the granting mandate) in
/// `context`.
fn decision_view(a: CheckAnswer, lang: Lang) -> DecisionView {
    let mut context = Map::new();
    context.insert("consistency".into(), json!(a.consistency));
    if let Some(m) = a.mandate_id {
        context.insert("mandate_id".into(), json!(m));
    }
    if let Some(e) = a.via_enterprise {
        context.insert("via_enterprise".into(), json!(e));
    }
    if let Some(u) = a.valid_until {
        context.insert("valid_until".into(), json!(u));
    }
    if let Some(r) = a.reason {
        context.insert("reason".into(), json!(r.code));
        context.insert("reason_user".into(), json!({ lang.code(): r.message }));
    }
    DecisionView {
        decision: a.allowed,
        context: Value::Object(context),
    }
}

/// An evaluation that could not be asked, as the standard has it: denied, with the errors.
fn refused_view(errors: &FieldErrors, lang: Lang) -> DecisionView {
    let list: Vec<Value> = errors
        .0
        .iter()
        .map(|f| json!({"field": f.field, "code": f.code, "message": field_message(lang, f)}))
        .collect();
    DecisionView {
        decision: false,
        context: json!({"error": {
            "status": 400,
            "code": "validation_failed",
            "message": i18n::message(lang, "validation_failed", &[]),
            "errors": list,
        }}),
    }
}

/// Answers one read question, logged.
async fn decide(
    state: &AppState,
    client: &ClientPrincipal,
    q: &Question,
    lang: Lang,
) -> Result<DecisionView, AppError> {
    let now = state.clock().now();
    let (decision, consistency) = check::answer(state, client, Asked::Check, q, now).await?;
    Ok(decision_view(answer(&decision, consistency, lang), lang))
}

/// One evaluation: read (a request it cannot read is a Bad Request), made fresh enough,
/// answered and logged.
async fn evaluate_one(
    state: &AppState,
    client: &ClientPrincipal,
    e: &Evaluation,
    defaults: &Evaluation,
    lang: Lang,
) -> Result<DecisionView, AppError> {
    let (q, fresh) = read(e, defaults, client, state)
        .map_err(|errors| AppError::Malformed(DomainError::invalid(errors)))?;
    check::ensure_fresh(state, fresh).await?;
    decide(state, client, &q, lang).await
}

/// AuthZEN access evaluation: may the subject act for the resource (the mandator) for the
/// action (a mandate type)?
#[utoipa::path(post, path = "/access/v1/evaluation", tag = "business",
    request_body = Evaluation,
    responses((status = 200, body = DecisionView), (status = 400, description = "A required entity or field is missing or unknown"), (status = 401), (status = 409, description = "min_consistency not reached")),
    security(("client" = [])))]
pub async fn evaluation(
    State(state): State<AppState>,
    BusinessClient(client): BusinessClient,
    RequestLang(lang): RequestLang,
    body: Result<JsonBody<Evaluation>, AppError>,
) -> Result<Json<DecisionView>, AppError> {
    let body = bad_request(body)?;
    let view = evaluate_one(&state, &client, &body.value, &Evaluation::default(), lang).await?;
    Ok(Json(view))
}

/// AuthZEN access evaluations: many at once (up to 1000), top-level values as defaults, run
/// as `options.evaluations_semantic` says. An evaluation that cannot be read is denied with
/// its errors in `context.error`; without `evaluations`, the answer is one decision.
#[utoipa::path(post, path = "/access/v1/evaluations", tag = "business",
    request_body = Evaluations,
    responses((status = 200, body = EvaluationsAnswer, description = "The decisions in order; with no `evaluations`, one decision"), (status = 400), (status = 401), (status = 409)),
    security(("client" = [])))]
pub async fn evaluations(
    State(state): State<AppState>,
    BusinessClient(client): BusinessClient,
    RequestLang(lang): RequestLang,
    body: Result<JsonBody<Evaluations>, AppError>,
) -> Result<Json<EvaluationsAnswer>, AppError> {
    let body = bad_request(body)?;
    let b = &body.value;
    let mut errors = FieldErrors::default();
    let semantic = match b
        .options
        .as_ref()
        .and_then(|o| o.evaluations_semantic.as_deref())
    {
        None | Some("execute_all") => Semantic::ExecuteAll,
        Some("deny_on_first_deny") => Semantic::DenyOnFirstDeny,
        Some("permit_on_first_permit") => Semantic::PermitOnFirstPermit,
        Some(other) => {
            errors.push(
                FieldError::new("options.evaluations_semantic", "invalid_value")
                    .arg("value", other),
            );
            Semantic::ExecuteAll
        }
    };
    if b.evaluations.len() > MAX_BATCH {
        errors.push(FieldError::new("evaluations", "too_many_checks").arg("max", MAX_BATCH));
    }
    if !errors.is_empty() {
        return Err(AppError::Malformed(DomainError::invalid(errors)));
    }
    if b.evaluations.is_empty() {
        let view = evaluate_one(&state, &client, &b.defaults, &Evaluation::default(), lang).await?;
        return Ok(Json(EvaluationsAnswer::One(view)));
    }
    let read: Vec<_> = b
        .evaluations
        .iter()
        .map(|e| read(e, &b.defaults, &client, &state))
        .collect();
    let fresh = read
        .iter()
        .filter_map(|r| r.as_ref().ok().and_then(|(_, f)| *f))
        .max();
    check::ensure_fresh(&state, fresh).await?;
    let mut out = Vec::with_capacity(read.len());
    for item in &read {
        let view = match item {
            Ok((q, _)) => decide(&state, &client, q, lang).await?,
            Err(errors) => refused_view(errors, lang),
        };
        let stop = match semantic {
            Semantic::ExecuteAll => false,
            Semantic::DenyOnFirstDeny => !view.decision,
            Semantic::PermitOnFirstPermit => view.decision,
        };
        out.push(view);
        if stop {
            break;
        }
    }
    Ok(Json(EvaluationsAnswer::Many(DecisionsView {
        evaluations: out,
    })))
}

/// The PDP's metadata (AuthZEN §9): its identifier and endpoints, absolute.
#[derive(Debug, Serialize, ToSchema)]
pub struct Configuration {
    pub policy_decision_point: String,
    pub access_evaluation_endpoint: String,
    pub access_evaluations_endpoint: String,
    pub search_subject_endpoint: String,
    pub search_resource_endpoint: String,
    pub search_action_endpoint: String,
}

/// Where this service's AuthZEN endpoints are.
#[utoipa::path(get, path = "/.well-known/authzen-configuration", tag = "business",
    responses((status = 200, body = Configuration)))]
pub async fn configuration(State(state): State<AppState>) -> Json<Configuration> {
    let base = state.config().public_url();
    Json(Configuration {
        access_evaluation_endpoint: format!("{base}/access/v1/evaluation"),
        access_evaluations_endpoint: format!("{base}/access/v1/evaluations"),
        search_subject_endpoint: format!("{base}/access/v1/search/subject"),
        search_resource_endpoint: format!("{base}/access/v1/search/resource"),
        search_action_endpoint: format!("{base}/access/v1/search/action"),
        policy_decision_point: base,
    })
}

/// A decision's outcome, for the searches: allowed or not.
pub fn allowed(decision: &Decision) -> bool {
    matches!(decision, Decision::Allowed(_))
}
