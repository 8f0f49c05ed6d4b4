//! `/api/v1/mandators/search`: for whom may a person act now, a page at a time.

use axum::Json;
use axum::extract::State;
use chrono::NaiveDate;
use mandates_domain::{DomainError, FieldError, FieldErrors, Insz};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::BusinessClient;
use crate::AppState;
use crate::error::AppError;
use crate::http::extract::JsonBody;
use crate::service::cursor;
use crate::service::search::{self, Filter, Found, MAX_LIMIT};

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
    #[schema(minimum = 1, maximum = 500)]
    pub limit: Option<u64>,
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

/// A position of a search page: the mandate and the person of its last item.
pub fn position(next: &(Uuid, String)) -> String {
    cursor::of(&format!("{}/{}", next.0, next.1))
}

/// Reads a position written by [`position`].
pub fn read_position(text: &str) -> Option<(Uuid, String)> {
    let raw = cursor::read(text)?;
    let (mandate, actor) = raw.split_once('/')?;
    Some((Uuid::parse_str(mandate).ok()?, actor.to_owned()))
}

/// A page size of a search: 1–500, default 100.
pub fn search_limit(limit: Option<u64>, errors: &mut FieldErrors) -> usize {
    match limit {
        None => 100,
        Some(n) if (1..=MAX_LIMIT as u64).contains(&n) => n as usize,
        Some(n) => {
            errors.push(
                FieldError::new("limit", "out_of_range")
                    .arg("value", n)
                    .arg("min", 1)
                    .arg("max", MAX_LIMIT),
            );
            100
        }
    }
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
    let after = b.cursor.as_deref().and_then(|c| {
        let read = read_position(c);
        if read.is_none() {
            errors.push(FieldError::new("cursor", "invalid_cursor"));
        }
        read
    });
    let limit = search_limit(b.limit, &mut errors);
    errors.into_result()?;
    let Some(actor) = actor else {
        return Err(DomainError::invalid(FieldErrors::default()).into());
    };
    let filter = Filter {
        type_code: b.type_code.as_deref(),
        after: after.as_ref().map(|(m, a)| (*m, a.as_str())),
        limit,
    };
    let found = search::for_whom(&state, &client, &actor, filter, state.clock().now()).await?;
    Ok(Json(answer(found)))
}

fn answer(found: Found) -> SearchAnswer {
    SearchAnswer {
        next_cursor: found.next.as_ref().map(position),
        items: found
            .items
            .into_iter()
            .map(|i| ActingFor {
                mandator: i.mandator.to_string(),
                types: i.types,
                mandate_id: i.mandate,
                via_enterprise: i.via_enterprise.map(|k| k.to_string()),
                valid_until: i.valid_until,
            })
            .collect(),
        consistency: found.consistency,
    }
}
