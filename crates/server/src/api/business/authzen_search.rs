//! OpenID AuthZEN Authorization API 1.0 searches: for whom may a person act (resource
//! search), who may act for a mandator (subject search), and with which mandate types
//! (action search); a page at a time for the first two. What is answered is logged for the
//! mandators concerned.

use axum::Json;
use axum::extract::State;
use mandates_domain::party::IdError;
use mandates_domain::{DomainError, FieldError, FieldErrors, Insz, Party};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::Digest;
use utoipa::ToSchema;
use uuid::Uuid;

use super::BusinessClient;
use super::authzen::{
    Action, Entity, RESOURCE_TYPES, SUBJECT_TYPES, allowed, bad_request, check_resource_kind,
    entity,
};
use crate::AppState;
use crate::error::AppError;
use crate::http::extract::{JsonBody, object};
use crate::service::check::{self, Ask, Asked};
use crate::service::cursor;
use crate::service::search::{self, Filter, Found, MAX_LIMIT};

/// Which page: `token` is the `next_token` of the previous page (the request otherwise the
/// same), `limit` at most 500 (default 100).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct PageRequest {
    pub token: Option<String>,
    pub limit: Option<u64>,
}

/// A search: who, for whom, what; the searched entity names only its `type`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"subject": {"type": "person", "id": "05061207730"}, "action": {"name": "fin.tax_on_web"}, "resource": {"type": "party"}}))]
pub struct SearchRequest {
    #[serde(default, deserialize_with = "object")]
    pub subject: Option<Entity>,
    #[serde(default, deserialize_with = "object")]
    pub resource: Option<Entity>,
    #[serde(default, deserialize_with = "object")]
    pub action: Option<Action>,
    /// Not used by this service.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context: Option<serde_json::Map<String, Value>>,
    #[serde(
        default,
        deserialize_with = "object",
        skip_serializing_if = "Option::is_none"
    )]
    pub page: Option<PageRequest>,
}

/// Where the next page starts: empty on the last page.
#[derive(Debug, Serialize, ToSchema)]
pub struct PageAnswer {
    pub next_token: String,
    /// How many results this page has.
    pub count: usize,
}

/// A page of results: entities `{type, id}`, or actions `{name}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchAnswer {
    pub page: PageAnswer,
    #[schema(value_type = Vec<Object>)]
    pub results: Vec<Value>,
}

/// What identifies a search apart from its page token: a next page must be asked by the
/// same request.
fn fingerprint(request: &SearchRequest) -> String {
    let mut same = request.clone();
    if let Some(page) = same.page.as_mut() {
        page.token = None;
    }
    let text = serde_json::to_string(&same).unwrap_or_default();
    sha2::Sha256::digest(text.as_bytes())
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The position of a page token, if it belongs to this request.
fn read_token(request: &SearchRequest, errors: &mut FieldErrors) -> Option<(Uuid, String)> {
    let token = request
        .page
        .as_ref()?
        .token
        .as_deref()
        .filter(|t| !t.is_empty())?;
    let read = cursor::read(token).and_then(|raw| {
        let (print, position) = raw.split_once('|')?;
        let (mandate, actor) = position.split_once('/')?;
        (print == fingerprint(request))
            .then_some((Uuid::parse_str(mandate).ok()?, actor.to_owned()))
    });
    if read.is_none() {
        errors.push(FieldError::new("page.token", "invalid_cursor"));
    }
    read
}

fn page_limit(request: &SearchRequest, errors: &mut FieldErrors) -> usize {
    match request.page.as_ref().and_then(|p| p.limit) {
        None => 100,
        Some(n) if (1..=MAX_LIMIT as u64).contains(&n) => n as usize,
        Some(n) => {
            errors.push(
                FieldError::new("page.limit", "out_of_range")
                    .arg("value", n)
                    .arg("min", 1)
                    .arg("max", MAX_LIMIT),
            );
            100
        }
    }
}

/// The mandate type of the action: one the application covers.
fn action_type<'r>(
    request: &'r SearchRequest,
    client: &crate::tokens::ClientPrincipal,
    errors: &mut FieldErrors,
) -> Option<&'r str> {
    let Some(action) = &request.action else {
        errors.push(FieldError::new("action", "required"));
        return None;
    };
    let Some(name) = action.name.as_deref() else {
        errors.push(FieldError::new("action.name", "required"));
        return None;
    };
    if !client.covers(name) {
        errors.push(FieldError::new("action.name", "client_type_not_allowed").arg("type", name));
        return None;
    }
    Some(name)
}

fn person(field: &str, id: Option<&str>, errors: &mut FieldErrors) -> Option<Insz> {
    number(field, id, Insz::parse, errors)
}

fn party(field: &str, id: Option<&str>, errors: &mut FieldErrors) -> Option<Party> {
    number(field, id, Party::parse, errors)
}

/// A required national or enterprise number.
fn number<T>(
    field: &str,
    id: Option<&str>,
    parse: fn(&str) -> Result<T, IdError>,
    errors: &mut FieldErrors,
) -> Option<T> {
    let Some(id) = id else {
        errors.push(FieldError::new(field, "required"));
        return None;
    };
    errors.check(parse(id), |e| {
        FieldError::new(field, "invalid_party_number").arg("reason", e.code())
    })
}

/// How a resource or subject search goes through its results: the action's type, where the
/// previous page ended, how many a page.
struct Paging<'r> {
    type_code: Option<&'r str>,
    after: Option<(Uuid, String)>,
    limit: usize,
}

impl<'r> Paging<'r> {
    fn read(
        request: &'r SearchRequest,
        client: &crate::tokens::ClientPrincipal,
        errors: &mut FieldErrors,
    ) -> Paging<'r> {
        Paging {
            type_code: action_type(request, client, errors),
            after: read_token(request, errors),
            limit: page_limit(request, errors),
        }
    }

    fn filter(&self) -> Filter<'_> {
        Filter {
            type_code: self.type_code,
            after: self.after.as_ref().map(|(m, a)| (*m, a.as_str())),
            limit: self.limit,
        }
    }
}

/// The subject and the resource of a search, their types checked (and a resource named a
/// person or an enterprise checked to be one).
fn entities<'r>(
    r: &'r SearchRequest,
    errors: &mut FieldErrors,
) -> (Option<&'r Entity>, Option<&'r Entity>) {
    let subject = entity("subject", r.subject.as_ref(), &SUBJECT_TYPES, errors);
    let resource = entity("resource", r.resource.as_ref(), &RESOURCE_TYPES, errors);
    if let Some(res) = resource {
        check_resource_kind(res, errors);
    }
    (subject, resource)
}

fn malformed(errors: FieldErrors) -> Result<(), AppError> {
    errors.into_result().map_err(AppError::Malformed)
}

/// A page of entities found, each once, with the token of the next page.
fn answer(request: &SearchRequest, found: Found, entities: Vec<Value>) -> SearchAnswer {
    let mut results: Vec<Value> = Vec::with_capacity(entities.len());
    for e in entities {
        if !results.contains(&e) {
            results.push(e);
        }
    }
    let next_token = found
        .next
        .map(|(mandate, actor)| cursor::of(&format!("{}|{mandate}/{actor}", fingerprint(request))))
        .unwrap_or_default();
    SearchAnswer {
        page: PageAnswer {
            next_token,
            count: results.len(),
        },
        results,
    }
}

/// Resource search: the mandators the subject may act for now, for the action's type.
#[utoipa::path(post, path = "/access/v1/search/resource", tag = "business",
    request_body = SearchRequest,
    responses((status = 200, body = SearchAnswer), (status = 400), (status = 401)),
    security(("client" = [])))]
pub async fn resources(
    State(state): State<AppState>,
    BusinessClient(client): BusinessClient,
    body: Result<JsonBody<SearchRequest>, AppError>,
) -> Result<Json<SearchAnswer>, AppError> {
    let body = bad_request(body)?;
    let r = &body.value;
    let mut errors = FieldErrors::default();
    let (subject, resource) = entities(r, &mut errors);
    let actor = subject.and_then(|s| person("subject.id", s.id.as_deref(), &mut errors));
    let paging = Paging::read(r, &client, &mut errors);
    malformed(errors)?;
    let (Some(actor), Some(resource)) = (actor, resource) else {
        return Err(AppError::Malformed(DomainError::invalid(
            FieldErrors::default(),
        )));
    };
    let found = search::for_whom(
        &state,
        &client,
        &actor,
        paging.filter(),
        state.clock().now(),
    )
    .await?;
    let wanted = resource.kind.as_deref().unwrap_or("party");
    let entities = found
        .items
        .iter()
        .map(|i| (i.mandator.kind().as_str(), i.mandator.as_str()))
        .filter(|(kind, _)| wanted == "party" || *kind == wanted)
        .map(|(kind, id)| json!({"type": kind, "id": id}))
        .collect();
    Ok(Json(answer(r, found, entities)))
}

/// Subject search: the persons who may act for the resource (a mandator) now, for the
/// action's type: its mandatees and the executors of its enterprise mandatees.
#[utoipa::path(post, path = "/access/v1/search/subject", tag = "business",
    request_body = SearchRequest,
    responses((status = 200, body = SearchAnswer), (status = 400), (status = 401)),
    security(("client" = [])))]
pub async fn subjects(
    State(state): State<AppState>,
    BusinessClient(client): BusinessClient,
    body: Result<JsonBody<SearchRequest>, AppError>,
) -> Result<Json<SearchAnswer>, AppError> {
    let body = bad_request(body)?;
    let r = &body.value;
    let mut errors = FieldErrors::default();
    let (_, resource) = entities(r, &mut errors);
    let mandator = resource.and_then(|res| party("resource.id", res.id.as_deref(), &mut errors));
    let paging = Paging::read(r, &client, &mut errors);
    malformed(errors)?;
    let Some(mandator) = mandator else {
        return Err(AppError::Malformed(DomainError::invalid(
            FieldErrors::default(),
        )));
    };
    let found = search::who_for(
        &state,
        &client,
        &mandator,
        paging.filter(),
        state.clock().now(),
    )
    .await?;
    let entities = found
        .items
        .iter()
        .map(|i| json!({"type": "person", "id": i.actor.as_str()}))
        .collect();
    Ok(Json(answer(r, found, entities)))
}

/// Action search: the mandate types of the application's domain that the subject may use
/// for the resource now.
#[utoipa::path(post, path = "/access/v1/search/action", tag = "business",
    request_body = SearchRequest,
    responses((status = 200, body = SearchAnswer), (status = 400), (status = 401)),
    security(("client" = [])))]
pub async fn actions(
    State(state): State<AppState>,
    BusinessClient(client): BusinessClient,
    body: Result<JsonBody<SearchRequest>, AppError>,
) -> Result<Json<SearchAnswer>, AppError> {
    let body = bad_request(body)?;
    let r = &body.value;
    let mut errors = FieldErrors::default();
    let (subject, resource) = entities(r, &mut errors);
    let actor = subject.and_then(|s| person("subject.id", s.id.as_deref(), &mut errors));
    let mandator = resource.and_then(|res| party("resource.id", res.id.as_deref(), &mut errors));
    malformed(errors)?;
    let (Some(actor), Some(mandator)) = (actor, mandator) else {
        return Err(AppError::Malformed(DomainError::invalid(
            FieldErrors::default(),
        )));
    };
    let now = state.clock().now();
    let types: Vec<String> = state
        .catalog()
        .domain(&client.domain)
        .map(|d| d.types.iter().map(|t| t.code.clone()).collect())
        .unwrap_or_default();
    let (actor_text, mandator_text) = (actor.to_string(), mandator.to_string());
    let mut results = Vec::new();
    let mut logged = Vec::new();
    for t in types.iter().filter(|t| client.covers(t)) {
        let ask = Ask {
            actor: Some(&actor_text),
            mandator: Some(&mandator_text),
            type_code: Some(t),
            at: None,
        };
        let Some(q) = check::read(ask, &client, "", &state, &mut FieldErrors::default()) else {
            continue;
        };
        let (decision, _) = check::decide(&state, &q, &client, now).await?;
        if allowed(&decision) {
            // An action found is an answer about the mandator: it is logged.
            logged.push(check::entry(&client, Asked::List, &q, &decision, now));
            results.push(json!({"name": t}));
        }
    }
    state.access_log().record_all(&logged)?;
    Ok(Json(SearchAnswer {
        page: PageAnswer {
            next_token: String::new(),
            count: results.len(),
        },
        results,
    }))
}
