//! `/api/v1/bulk`: a file of changes, checked first (dry run), then committed; its progress
//! and per-row results. A job belongs to the party it was made for; reading or committing it
//! takes the caller's own right over that party for every domain it touches (anyone else
//! gets 404).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use mandates_domain::bulk::{Format, Operation};
use mandates_domain::{DomainError, FieldError, FieldErrors, Lang};
use mandates_store::{StoredJob, StoredRow};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::AppState;
use crate::api::answer::REPLAYED;
use crate::auth::Principal;
use crate::error::AppError;
use crate::http::extract::{
    ActFor, Changer, Params, QueryParams, RequestLang, UploadedFile, page_limit,
};
use crate::service::bulk::{self, JobAnswer, UploadForm};
use crate::service::unit::Keyed;

/// How to read the file and what to do with it.
#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct UploadParams {
    /// `create`, `sign`, `stop` or `transfer`.
    pub operation: Option<String>,
    /// `csv`, `json` or `ssm` (the federal file: creations only).
    pub format: Option<String>,
    /// `all-or-nothing` (default) or `per-row`.
    pub mode: Option<String>,
    /// The domain of every row (required for `ssm`).
    pub domain: Option<String>,
    /// Comma-separated types of every row (required for `ssm`).
    pub types: Option<String>,
    /// For `ssm`: your side, `mandator` or `mandatee`.
    pub role: Option<String>,
    /// Instead of a file: `waiting` (sign everything waiting for your signature), `party`
    /// (stop everything signed with `party`), `held` (transfer everything you hold as
    /// mandatee to `new_mandatee`); `domain` narrows each.
    pub select: Option<String>,
    /// With `select=party`: the other party's number.
    pub party: Option<String>,
    /// With `select=held`: the new mandatee's number.
    pub new_mandatee: Option<String>,
}

impl Params for UploadParams {
    const NAMES: &'static [&'static str] = &[
        "operation",
        "format",
        "mode",
        "domain",
        "types",
        "role",
        "select",
        "party",
        "new_mandatee",
    ];
}

impl From<UploadParams> for UploadForm {
    fn from(p: UploadParams) -> Self {
        UploadForm {
            operation: p.operation,
            format: p.format,
            mode: p.mode,
            domain: p.domain,
            types: p.types,
            role: p.role,
            select: p.select,
            party: p.party,
            new_mandatee: p.new_mandatee,
        }
    }
}

/// One row's outcome.
#[derive(Debug, Serialize, ToSchema)]
pub struct RowView {
    pub line: i64,
    /// `valid`, `invalid`, `unchanged` (already so), `applied`, `failed` or `not_applied`.
    pub state: &'static str,
    pub mandate_id: Option<Uuid>,
    pub errors: Vec<RowErrorView>,
}

/// Why a row was refused, in the request's language.
#[derive(Debug, Serialize, ToSchema)]
pub struct RowErrorView {
    pub field: String,
    pub code: String,
    pub message: String,
}

/// A job, its counts and a page of its rows.
#[derive(Debug, Serialize, ToSchema)]
pub struct JobView {
    pub id: Uuid,
    /// `validated`, `running`, `done` or `failed`.
    pub state: &'static str,
    pub operation: &'static str,
    pub mode: &'static str,
    pub total: i64,
    pub succeeded: i64,
    pub failed: i64,
    pub created_at: DateTime<Utc>,
    pub rows: Vec<RowView>,
    /// Pass as `after` for the next page of rows.
    pub next_after: Option<i64>,
}

fn row_view(r: &StoredRow, lang: Lang) -> RowView {
    RowView {
        line: r.line,
        state: r.state.as_str(),
        mandate_id: r.mandate_id,
        errors: r
            .errors
            .iter()
            .map(|e| RowErrorView {
                field: e.field.clone(),
                code: e.code.clone(),
                message: bulk::message(e, lang),
            })
            .collect(),
    }
}

async fn view(
    state: &AppState,
    job: &StoredJob,
    after: i64,
    limit: i64,
    lang: Lang,
) -> Result<JobView, AppError> {
    let (rows, next_after) = bulk::rows(state, job, after, limit).await?;
    Ok(JobView {
        id: job.id,
        state: job.state.as_str(),
        operation: job.spec.operation.as_str(),
        mode: job.spec.mode.as_str(),
        total: job.total,
        succeeded: job.succeeded,
        failed: job.failed,
        created_at: job.created_at,
        rows: rows.iter().map(|r| row_view(r, lang)).collect(),
        next_after,
    })
}

/// A job's answer: `status` the first time, and the job as it is now with
/// `Idempotent-Replayed: true` for a request repeated with the same `Idempotency-Key`.
fn job_response(status: StatusCode, view: JobView, replayed: bool) -> Response {
    let mut response = (status, Json(view)).into_response();
    if replayed {
        response
            .headers_mut()
            .insert(REPLAYED, HeaderValue::from_static("true"));
    }
    response
}

/// Uploads a file: every row is checked (nothing is changed) and the job answers in state
/// `validated` with its report. The body is the file itself (or a multipart field `file`).
#[utoipa::path(post, path = "/api/v1/bulk", tag = "bulk",
    params(UploadParams, ("Act-For" = Option<String>, Header),
           ("Idempotency-Key" = Option<String>, Header, description = "Sent again with the same key and file, the answer is the job made the first time")),
    request_body(content = String, description = "The file: CSV, JSON or the federal SSM file"),
    responses((status = 201, body = JobView), (status = 401), (status = 403), (status = 413), (status = 422),
        (status = 503, description = "The service cannot reach its store now, or reads as many files as it may at once (uploads_busy); try again after Retry-After")),
    security(("bearer" = [])))]
pub async fn upload(
    State(state): State<AppState>,
    by: Changer,
    RequestLang(lang): RequestLang,
    QueryParams(params): QueryParams<UploadParams>,
    file: UploadedFile,
) -> Result<Response, AppError> {
    let fingerprint = file.fingerprint();
    let keyed = Keyed::of(by.key.as_deref(), &fingerprint);
    let JobAnswer { job, replayed } = bulk::upload(
        &state,
        &by.principal,
        by.act_for.as_ref(),
        params.into(),
        file.bytes,
        keyed,
    )
    .await?;
    let view = view(&state, &job, 0, 100, lang).await?;
    Ok(job_response(StatusCode::CREATED, view, replayed))
}

/// Which rows to show.
#[derive(Debug, Deserialize, IntoParams)]
pub struct RowsParams {
    /// Rows after this line.
    #[param(value_type = Option<i64>, minimum = 0)]
    after: Option<String>,
    /// At most this many rows (1–1000, default 100).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 1000)]
    limit: Option<String>,
}

impl Params for RowsParams {
    const NAMES: &'static [&'static str] = &["after", "limit"];
}

/// A job: its state, counts and a page of its rows.
#[utoipa::path(get, path = "/api/v1/bulk/{id}", tag = "bulk",
    params(("id" = String, Path), RowsParams, ("Act-For" = Option<String>, Header)),
    responses((status = 200, body = JobView), (status = 401), (status = 404), (status = 422)),
    security(("bearer" = [])))]
pub async fn get_job(
    State(state): State<AppState>,
    principal: Principal,
    ActFor(act_for): ActFor,
    RequestLang(lang): RequestLang,
    Path(id): Path<String>,
    QueryParams(params): QueryParams<RowsParams>,
) -> Result<Json<JobView>, AppError> {
    let mut errors = FieldErrors::default();
    let after = match params.after.as_deref().map(|a| a.trim().parse::<i64>()) {
        None => 0,
        Some(Ok(a)) if a >= 0 => a,
        Some(_) => {
            errors.push(
                FieldError::new("after", "invalid_value")
                    .arg("value", params.after.as_deref().unwrap_or_default()),
            );
            0
        }
    };
    let limit = page_limit(params.limit.as_deref(), 100, 1000, &mut errors);
    errors.into_result()?;
    let now = state.clock().now();
    let actor = crate::service::actor(state.store(), &principal, act_for.as_ref(), now).await?;
    let job = bulk::owned(&state, &actor, &id).await?;
    Ok(Json(view(&state, &job, after, limit, lang).await?))
}

/// Runs a validated job with your rights: every valid row, all at once or row by row as
/// chosen. An all-or-nothing job with an invalid row is refused (409): it would apply
/// nothing.
#[utoipa::path(post, path = "/api/v1/bulk/{id}/commit", tag = "bulk",
    params(("id" = String, Path), ("Act-For" = Option<String>, Header),
           ("Idempotency-Key" = Option<String>, Header, description = "Sent again with the same key, the answer is the job as it is now")),
    responses((status = 202, body = JobView), (status = 401), (status = 404), (status = 409)), security(("bearer" = [])))]
pub async fn commit(
    State(state): State<AppState>,
    by: Changer,
    RequestLang(lang): RequestLang,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let job_id = Uuid::parse_str(&id)
        .map_err(|_| AppError::from(DomainError::not_found("bulk_job_not_found")))?;
    let fingerprint = format!("POST /api/v1/bulk/{job_id}/commit");
    let keyed = Keyed::of(by.key.as_deref(), &fingerprint);
    let JobAnswer { job, replayed } =
        bulk::commit(&state, &by.principal, by.act_for.as_ref(), job_id, keyed).await?;
    let view = view(&state, &job, 0, 100, lang).await?;
    Ok(job_response(StatusCode::ACCEPTED, view, replayed))
}

/// Every row's outcome as CSV.
#[utoipa::path(get, path = "/api/v1/bulk/{id}/results.csv", tag = "bulk",
    params(("id" = String, Path), ("Act-For" = Option<String>, Header)),
    responses((status = 200, content_type = "text/csv"), (status = 401), (status = 404)), security(("bearer" = [])))]
pub async fn results_csv(
    State(state): State<AppState>,
    principal: Principal,
    ActFor(act_for): ActFor,
    RequestLang(lang): RequestLang,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let now = state.clock().now();
    let actor = crate::service::actor(state.store(), &principal, act_for.as_ref(), now).await?;
    let job = bulk::owned(&state, &actor, &id).await?;
    let out = bulk::results_csv(&state, &job, lang).await?;
    out.download("results.csv")
}

/// Which template.
#[derive(Debug, Deserialize, IntoParams)]
pub struct TemplateParams {
    /// `create` (default), `sign`, `stop` or `transfer`.
    operation: Option<String>,
}

impl Params for TemplateParams {
    const NAMES: &'static [&'static str] = &["operation"];
}

/// An example file of a format for an operation, to fill in.
#[utoipa::path(get, path = "/api/v1/bulk/templates/{format}", tag = "bulk",
    params(("format" = String, Path, description = "`csv`, `json` or `ssm`"), TemplateParams),
    responses((status = 200, description = "The template file"), (status = 404), (status = 422)))]
pub async fn template(
    Path(format): Path<String>,
    QueryParams(params): QueryParams<TemplateParams>,
) -> Result<Response, AppError> {
    let operation = match params.operation.as_deref() {
        None => Some(Operation::Create),
        Some(o) => Operation::parse(o),
    };
    let format = Format::parse(&format).ok_or(AppError::NoRoute)?;
    let operation = operation.ok_or_else(|| {
        AppError::from(DomainError::field(
            FieldError::new("operation", "invalid_value")
                .arg("value", params.operation.as_deref().unwrap_or_default()),
        ))
    })?;
    if !format.supports(operation) {
        return Err(DomainError::field(FieldError::new("operation", "ssm_create_only")).into());
    }
    let text = mandates_domain::bulk::template(format, operation).ok_or(AppError::NoRoute)?;
    let content_type = match format {
        Format::Json => "application/json; charset=utf-8",
        Format::Csv => "text/csv; charset=utf-8",
        Format::Ssm => "text/plain; charset=utf-8",
    };
    let disposition = format!(
        "attachment; filename=\"{}-{}.{}\"",
        operation.as_str(),
        format.as_str(),
        format.extension()
    );
    Ok((
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        text,
    )
        .into_response())
}
