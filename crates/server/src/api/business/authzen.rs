//! OpenID AuthZEN 1.0 evaluations: the same decisions as `/api/v1/checks`, in the standard
//! shape. Subject = the person who wants to act, resource = the mandator, action = the
//! mandate type.

use axum::Json;
use axum::extract::State;
use mandates_domain::{DomainError, FieldError};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use utoipa::ToSchema;

use super::checks::{CheckAnswer, CheckRequest, answer_all};
use super::{BusinessClient, MAX_BATCH};
use crate::AppState;
use crate::error::AppError;
use crate::http::extract::{JsonBody, RequestLang};

/// An AuthZEN entity: `{type, id}`.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct Entity {
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub id: Option<String>,
}

/// An AuthZEN action: `{name}`, here a mandate type.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct Action {
    pub name: Option<String>,
}

/// The context: `time` (RFC 3339) and `min_consistency`, both optional.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct Context {
    pub time: Option<String>,
    pub min_consistency: Option<i64>,
}

/// One evaluation request.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[schema(example = json!({"subject": {"type": "person", "id": "05061207730"}, "resource": {"type": "party", "id": "85073003328"}, "action": {"name": "fin.tax_on_web"}}))]
pub struct Evaluation {
    pub subject: Option<Entity>,
    pub resource: Option<Entity>,
    pub action: Option<Action>,
    pub context: Option<Context>,
}

/// Many evaluations; the top-level values are defaults for each.
#[derive(Debug, Deserialize, ToSchema)]
pub struct Evaluations {
    #[serde(flatten)]
    pub defaults: Evaluation,
    #[serde(default)]
    pub evaluations: Vec<Evaluation>,
}

/// An AuthZEN decision, with why in `context`.
#[derive(Debug, Serialize, ToSchema)]
pub struct DecisionView {
    pub decision: bool,
    #[schema(value_type = Object)]
    pub context: Value,
}

/// The answers, in the order of the requests.
#[derive(Debug, Serialize, ToSchema)]
pub struct DecisionsView {
    pub evaluations: Vec<DecisionView>,
}

fn as_check(e: &Evaluation, defaults: &Evaluation) -> CheckRequest {
    let pick = |mine: &Option<Entity>, theirs: &Option<Entity>| {
        mine.clone().or_else(|| theirs.clone()).and_then(|x| x.id)
    };
    let context = e
        .context
        .clone()
        .or_else(|| defaults.context.clone())
        .unwrap_or_default();
    CheckRequest {
        actor: pick(&e.subject, &defaults.subject),
        mandator: pick(&e.resource, &defaults.resource),
        type_code: e
            .action
            .clone()
            .or_else(|| defaults.action.clone())
            .and_then(|a| a.name),
        at: context.time,
        min_consistency: context.min_consistency,
    }
}

fn decision_view(a: CheckAnswer, lang: mandates_domain::Lang) -> DecisionView {
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

async fn run(
    state: &AppState,
    client: &crate::tokens::ClientPrincipal,
    lang: mandates_domain::Lang,
    requests: &[CheckRequest],
) -> Result<Vec<DecisionView>, AppError> {
    if requests.len() > MAX_BATCH {
        return Err(DomainError::field(
            FieldError::new("evaluations", "too_many_checks").arg("max", MAX_BATCH),
        )
        .into());
    }
    let prefix = |i: usize| {
        if requests.len() == 1 {
            String::new()
        } else {
            format!("evaluations[{i}].")
        }
    };
    let answers = answer_all(state, client, requests, prefix, lang).await?;
    Ok(answers
        .into_iter()
        .map(|a| decision_view(a, lang))
        .collect())
}

/// AuthZEN access evaluation: may the subject act for the resource (the mandator) for the
/// action (a mandate type)?
#[utoipa::path(post, path = "/access/v1/evaluation", tag = "business",
    request_body = Evaluation,
    responses((status = 200, body = DecisionView), (status = 401), (status = 422)),
    security(("client" = [])))]
pub async fn evaluation(
    State(state): State<AppState>,
    BusinessClient(client): BusinessClient,
    RequestLang(lang): RequestLang,
    body: JsonBody<Evaluation>,
) -> Result<Json<DecisionView>, AppError> {
    let request = as_check(&body.value, &Evaluation::default());
    let mut answers = run(&state, &client, lang, std::slice::from_ref(&request)).await?;
    answers
        .pop()
        .map(Json)
        .ok_or_else(|| AppError::internal("answering an evaluation", "no answer"))
}

/// AuthZEN access evaluations: many at once (up to 1000), top-level values as defaults.
#[utoipa::path(post, path = "/access/v1/evaluations", tag = "business",
    request_body = Evaluations,
    responses((status = 200, body = DecisionsView), (status = 401), (status = 422)),
    security(("client" = [])))]
pub async fn evaluations(
    State(state): State<AppState>,
    BusinessClient(client): BusinessClient,
    RequestLang(lang): RequestLang,
    body: JsonBody<Evaluations>,
) -> Result<Json<DecisionsView>, AppError> {
    let b = &body.value;
    let requests: Vec<CheckRequest> = if b.evaluations.is_empty() {
        vec![as_check(&b.defaults, &Evaluation::default())]
    } else {
        b.evaluations
            .iter()
            .map(|e| as_check(e, &b.defaults))
            .collect()
    };
    Ok(Json(DecisionsView {
        evaluations: run(&state, &client, lang, &requests).await?,
    }))
}
