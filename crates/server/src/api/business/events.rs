//! `GET /api/v1/events`: the CloudEvents of the application's domain (and types), in
//! event-log order after a cursor, with an optional long poll.

use axum::Json;
use axum::extract::State;
use mandates_domain::{FieldError, FieldErrors};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::BusinessClient;
use crate::AppState;
use crate::error::AppError;
use crate::events::{CloudEvent, feed};
use crate::http::extract::{Params, QueryParams, page_limit};

/// The largest page of events.
pub const MAX_LIMIT: i64 = 1000;
/// The longest a request waits for new events, in seconds.
pub const MAX_WAIT: i64 = 30;

/// Where to read from, how much, and how long to wait.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FeedParams {
    /// The `next` of the previous page (default 0: from the start of the log).
    #[param(value_type = Option<i64>, minimum = 0)]
    pub after: Option<String>,
    /// Events at most, 1–1000 (default 100).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 1000)]
    pub limit: Option<String>,
    /// Seconds to wait, 0–30 (default 0), when there is nothing new yet.
    #[param(value_type = Option<u32>, minimum = 0, maximum = 30)]
    pub wait: Option<String>,
}

impl Params for FeedParams {
    const NAMES: &'static [&'static str] = &["after", "limit", "wait"];
}

/// A page of events.
#[derive(Debug, Serialize, ToSchema)]
pub struct FeedPage {
    /// CloudEvents 1.0 in event-log order.
    pub events: Vec<CloudEvent>,
    /// The cursor to resume from (`after` of the next request): the sequence number of the
    /// last event scanned, including events this application does not see.
    pub next: i64,
}

/// A whole number from `min` to `max`, or `default` when absent.
fn bounded(
    field: &str,
    text: Option<&str>,
    (min, max, default): (i64, i64, i64),
    errors: &mut FieldErrors,
) -> i64 {
    let Some(text) = text else { return default };
    match text.trim().parse::<i64>() {
        Ok(n) if (min..=max).contains(&n) => n,
        _ => {
            errors.push(
                FieldError::new(field, "out_of_range")
                    .arg("value", text)
                    .arg("min", min)
                    .arg("max", max),
            );
            default
        }
    }
}

/// The events of mandates of the application's domain (and of its types, when it is
/// limited to some), in event-log order after `after`. With `wait` and nothing new, the
/// answer comes when an event is written (on any instance) or the time runs out. Resume with
/// `next`: nothing is missed, however long the application was away.
#[utoipa::path(get, path = "/api/v1/events", tag = "business",
    params(FeedParams),
    responses((status = 200, body = FeedPage), (status = 401), (status = 422)),
    security(("client" = [])))]
pub async fn events(
    State(state): State<AppState>,
    BusinessClient(client): BusinessClient,
    QueryParams(params): QueryParams<FeedParams>,
) -> Result<Json<FeedPage>, AppError> {
    let mut errors = FieldErrors::default();
    let after = bounded(
        "after",
        params.after.as_deref(),
        (0, i64::MAX, 0),
        &mut errors,
    );
    let limit = page_limit(params.limit.as_deref(), 100, MAX_LIMIT, &mut errors);
    let wait = bounded(
        "wait",
        params.wait.as_deref(),
        (0, MAX_WAIT, 0),
        &mut errors,
    );
    errors.into_result()?;
    let page = feed::read(
        &state,
        &client,
        after,
        usize::try_from(limit).unwrap_or(100),
        std::time::Duration::from_secs(u64::try_from(wait).unwrap_or(0)),
    )
    .await?;
    Ok(Json(FeedPage {
        events: page.events,
        next: page.next,
    }))
}
