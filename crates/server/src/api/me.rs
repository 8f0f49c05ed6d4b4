//! `/api/v1/me/...`: what the service knows about the caller (or the enterprise they act for).

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use mandates_domain::{FieldError, FieldErrors};
use mandates_store::AccessEntry;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::auth::Principal;
use crate::error::AppError;
use crate::http::csv::CsvFile;
use crate::http::extract::{ActFor, Params, QueryParams, page_limit};
use crate::service::{access_log, cursor};

/// One answer an application got about you.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccessView {
    /// The entry's own id.
    pub id: String,
    pub at: DateTime<Utc>,
    /// The application that asked, and its domain.
    pub client: String,
    pub client_id: String,
    pub domain: String,
    /// `check` (may this person act for you?), `list` (for whom may this person act?),
    /// `exchange` (a token that says this person acts for you) or `introspection` (does
    /// such a token still hold?).
    pub kind: String,
    /// The person who wanted to act for you.
    pub actor: String,
    #[serde(rename = "type")]
    pub type_code: Option<String>,
    pub allowed: bool,
    pub reason: Option<String>,
    pub mandate_id: Option<String>,
}

impl From<AccessEntry> for AccessView {
    fn from(e: AccessEntry) -> Self {
        AccessView {
            id: e.id,
            at: e.at,
            client: e.client,
            client_id: e.client_id,
            domain: e.domain,
            kind: e.kind,
            actor: e.actor,
            type_code: e.type_code,
            allowed: e.allowed,
            reason: e.reason,
            mandate_id: e.mandate_id,
        }
    }
}

/// A page of the access log.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccessLogPage {
    pub items: Vec<AccessView>,
    /// Pass as `cursor` for older entries; absent on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AccessLogParams {
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Page size, 1–500 (default 100).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 500)]
    pub limit: Option<String>,
    /// `csv`: the whole log (from `cursor`, if given) as one CSV file, sent as it is read;
    /// the export is recorded in the event log.
    pub format: Option<String>,
}

impl Params for AccessLogParams {
    const NAMES: &'static [&'static str] = &["cursor", "limit", "format"];
}

/// Who asked what about you (or the enterprise you act for), newest first: every check
/// and list answer that government applications got. An enterprise's legal representatives
/// read all of it, its managers what concerns their domains; its executors none.
#[utoipa::path(get, path = "/api/v1/me/access-log", tag = "mandates",
    params(AccessLogParams, ("Act-For" = Option<String>, Header, description = "Enterprise number you act for")),
    responses((status = 200, description = "A page, or with `format=csv` the whole log", content((AccessLogPage = "application/json"), (String = "text/csv"))), (status = 401), (status = 403), (status = 422)),
    security(("bearer" = [])))]
pub async fn access_log(
    State(state): State<AppState>,
    principal: Principal,
    ActFor(act_for): ActFor,
    QueryParams(params): QueryParams<AccessLogParams>,
) -> Result<Response, AppError> {
    let now = state.clock().now();
    let actor = crate::service::actor(state.store(), &principal, act_for.as_ref(), now).await?;
    let mut errors = FieldErrors::default();
    let position = params.cursor.as_deref().and_then(|c| {
        let read = cursor::read_at_id(c);
        if read.is_none() {
            errors.push(FieldError::new("cursor", "invalid_cursor"));
        }
        read
    });
    let limit = page_limit(
        params.limit.as_deref(),
        100,
        access_log::MAX_LIMIT,
        &mut errors,
    );
    let csv = match params.format.as_deref() {
        None | Some("json") => false,
        Some("csv") => true,
        Some(other) => {
            errors.push(FieldError::new("format", "invalid_value").arg("value", other));
            false
        }
    };
    errors.into_result()?;
    if csv {
        // Refused before anything is sent when the actor may not read the log.
        mandates_domain::access::access_log_scope(&actor)?;
        let subject = actor.party.as_str().to_owned();
        crate::evidence::export::record(&state, &actor, &subject, "access-log-csv", now).await?;
        return Ok(csv_download(state, actor, position));
    }
    let page = access_log::read(&state, &actor, position.as_ref(), limit).await?;
    Ok(Json(AccessLogPage {
        items: page.items.into_iter().map(AccessView::from).collect(),
        next_cursor: page.next,
    })
    .into_response())
}

/// Entries read and written at a time: memory stays bounded whatever the log's length.
const CSV_PAGE: i64 = 500;

/// The access log from `position` as CSV, read a page at a time as the client takes it.
fn csv_download(
    state: AppState,
    actor: mandates_domain::actor::Actor,
    position: Option<(DateTime<Utc>, String)>,
) -> Response {
    let header_row = Some(vec![
        "at",
        "client",
        "client_id",
        "domain",
        "kind",
        "actor",
        "type",
        "allowed",
        "reason",
        "mandate_id",
    ]);
    let start = (state, actor, position, header_row, false);
    let pages = futures_util::stream::unfold(
        start,
        |(state, actor, position, header_row, done)| async move {
            if done {
                return None;
            }
            let page = match access_log::read(&state, &actor, position.as_ref(), CSV_PAGE).await {
                Ok(page) => page,
                Err(e) => {
                    e.log();
                    return Some((
                        Err(std::io::Error::other("the access log could not be read")),
                        (state, actor, position, None, true),
                    ));
                }
            };
            let mut out = CsvFile::new("the access log CSV");
            let mut rows = Ok(());
            if let Some(names) = &header_row {
                rows = out.row(names);
            }
            for e in &page.items {
                rows = rows.and_then(|()| {
                    out.row([
                        e.at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
                            .as_str(),
                        &e.client,
                        &e.client_id,
                        &e.domain,
                        &e.kind,
                        &e.actor,
                        e.type_code.as_deref().unwrap_or_default(),
                        if e.allowed { "true" } else { "false" },
                        e.reason.as_deref().unwrap_or_default(),
                        e.mandate_id.as_deref().unwrap_or_default(),
                    ])
                });
            }
            let bytes = rows.and_then(|()| out.into_bytes());
            let next = page.next.as_deref().and_then(cursor::read_at_id);
            let done = next.is_none();
            let chunk =
                bytes.map_err(|_| std::io::Error::other("the access log could not be written"));
            Some((chunk, (state, actor, next, None, done)))
        },
    );
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"access-log.csv\"",
            ),
        ],
        Body::from_stream(pages),
    )
        .into_response()
}
