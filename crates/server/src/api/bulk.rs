//! `/api/v1/bulk`: a file of changes, checked first (dry run), then committed; its progress
//! and per-row results. A job belongs to the party it was made for: anyone else gets 404.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use mandates_domain::access::Actor;
use mandates_domain::bulk::{FileDefaults, Format, Operation};
use mandates_domain::mandate::Side;
use mandates_domain::{DomainError, FieldError, FieldErrors, Party};
use mandates_store::{StoredJob, StoredRow};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::AppState;
use crate::api::write::REPLAYED;
use crate::auth::Principal;
use crate::error::{AppError, field_text};
use crate::http::extract::{ActFor, IdempotencyKey, QueryParams, RequestLang, UploadedFile};
use crate::service::bulk::{self, JobAnswer, Keyed, Mode, RowError, Upload};

/// How to read the file and what to do with it.
#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct UploadParams {
    /// `create`, `sign`, `stop` or `transfer`.
    pub operation: Option<String>,
    /// `csv`, `json` or `ssm`.
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
    /// (stop everything in force with `party`), `held` (transfer everything you hold as
    /// mandatee to `new_mandatee`); `domain` narrows each.
    pub select: Option<String>,
    /// With `select=party`: the other party's number.
    pub party: Option<String>,
    /// With `select=held`: the new mandatee's number.
    pub new_mandatee: Option<String>,
}

/// One row's outcome.
#[derive(Debug, Serialize, ToSchema)]
pub struct RowView {
    pub line: i64,
    /// `valid`, `invalid`, `unchanged` (already so), `applied`, `failed` or `not_applied`.
    pub state: String,
    pub mandate_id: Option<String>,
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
    pub state: String,
    pub operation: String,
    pub mode: String,
    pub total: i64,
    pub succeeded: i64,
    pub failed: i64,
    pub created_at: DateTime<Utc>,
    pub rows: Vec<RowView>,
    /// Pass as `after` for the next page of rows.
    pub next_after: Option<i64>,
}

fn error_view(e: &RowError, lang: mandates_domain::Lang) -> RowErrorView {
    let args: Vec<(&str, String)> = e
        .args
        .iter()
        .map(|(k, v)| (k.as_str(), v.clone()))
        .collect();
    let message = field_text(lang, &e.code, &args);
    RowErrorView {
        field: e.field.clone(),
        code: e.code.clone(),
        message,
    }
}

fn row_view(r: &StoredRow, lang: mandates_domain::Lang) -> RowView {
    let errors: Vec<RowError> = r
        .errors
        .as_deref()
        .and_then(|t| serde_json::from_str(t).ok())
        .unwrap_or_default();
    RowView {
        line: r.line,
        state: r.state.clone(),
        mandate_id: r.mandate_id.clone(),
        errors: errors.iter().map(|e| error_view(e, lang)).collect(),
    }
}

pub async fn view(
    state: &AppState,
    job: &StoredJob,
    after: i64,
    limit: i64,
    lang: mandates_domain::Lang,
) -> Result<JobView, AppError> {
    let doc: bulk::JobDoc =
        serde_json::from_str(&job.doc).map_err(|e| AppError::internal("reading a bulk job", e))?;
    let rows = state.store().bulk_rows(job.id, after, limit).await?;
    let next_after = (rows.len() as i64 == limit)
        .then(|| rows.last().map(|r| r.line))
        .flatten();
    Ok(JobView {
        id: job.id,
        state: job.state.clone(),
        operation: doc.operation,
        mode: match doc.mode {
            Mode::AllOrNothing => "all-or-nothing".into(),
            Mode::PerRow => "per-row".into(),
        },
        total: job.total,
        succeeded: job.succeeded,
        failed: job.failed,
        created_at: job.created_at,
        rows: rows.iter().map(|r| row_view(r, lang)).collect(),
        next_after,
    })
}

/// The job, if it belongs to the party the caller acts for.
async fn owned(
    state: &AppState,
    principal: &Principal,
    act_for: Option<&mandates_domain::Kbo>,
    id: &str,
) -> Result<(StoredJob, Actor), AppError> {
    let now = state.clock().now();
    let actor = crate::service::actor(state.store(), principal, act_for, now).await?;
    let not_found = || AppError::from(DomainError::not_found("bulk_job_not_found"));
    let id = Uuid::parse_str(id).map_err(|_| not_found())?;
    match state.store().bulk_job(id).await? {
        Some(job) if job.owner == actor.party.as_str() => Ok((job, actor)),
        _ => Err(not_found()),
    }
}

/// A job's answer: `status` the first time, and the job as it is now with
/// `Idempotent-Replayed: true` for a request repeated with the same `Idempotency-Key`.
fn job_response(status: StatusCode, view: JobView, replayed: bool) -> Response {
    let mut response = (status, Json(view)).into_response();
    if replayed {
        response
            .headers_mut()
            .insert(REPLAYED, header::HeaderValue::from_static("true"));
    }
    response
}

/// What identifies an upload, to refuse its `Idempotency-Key` reused for another: the
/// query, the form's fields and the file.
pub fn upload_fingerprint(file: &UploadedFile) -> String {
    use sha2::Digest;
    let mut hash = sha2::Sha256::new();
    hash.update(b"POST /api/v1/bulk?");
    hash.update(file.query.as_bytes());
    let fields: std::collections::BTreeMap<_, _> = file.fields.iter().collect();
    for (name, value) in fields {
        hash.update([0]);
        hash.update(name.as_bytes());
        hash.update([0]);
        hash.update(value.as_bytes());
    }
    hash.update([0]);
    hash.update(&file.bytes);
    hash.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Uploads a file: every row is checked (nothing is changed) and the job answers in state
/// `validated` with its report. The body is the file itself.
#[utoipa::path(post, path = "/api/v1/bulk", tag = "bulk",
    params(UploadParams, ("Act-For" = Option<String>, Header),
           ("Idempotency-Key" = Option<String>, Header, description = "Sent again with the same key and file, the answer is the job made the first time")),
    request_body(content = String, description = "The file: CSV, JSON or the federal SSM file"),
    responses((status = 201, body = JobView), (status = 401), (status = 422)),
    security(("bearer" = [])))]
pub async fn upload(
    State(state): State<AppState>,
    principal: Principal,
    ActFor(act_for): ActFor,
    RequestLang(lang): RequestLang,
    IdempotencyKey(key): IdempotencyKey,
    QueryParams(params): QueryParams<UploadParams>,
    file: UploadedFile,
) -> Result<Response, AppError> {
    let fingerprint = upload_fingerprint(&file);
    let keyed = key.as_deref().map(|key| Keyed {
        key,
        fingerprint: &fingerprint,
    });
    let answer = upload_job(
        &state,
        &principal,
        act_for.as_ref(),
        params,
        &file.bytes,
        keyed,
    )
    .await?;
    let view = view(&state, &answer.job, 0, 100, lang).await?;
    Ok(job_response(StatusCode::CREATED, view, answer.replayed))
}

/// Checks the parameters of an upload and runs its dry run (the API and the pages).
pub async fn upload_job(
    state: &AppState,
    principal: &Principal,
    act_for: Option<&mandates_domain::Kbo>,
    params: UploadParams,
    body: &[u8],
    key: Option<Keyed<'_>>,
) -> Result<JobAnswer, AppError> {
    let mut errors = FieldErrors::default();
    let operation = params.operation.as_deref().and_then(Operation::parse);
    if operation.is_none() {
        errors.push(
            FieldError::new("operation", "invalid_value")
                .arg("value", params.operation.as_deref().unwrap_or_default()),
        );
    }
    let format = params.format.as_deref().and_then(Format::parse);
    if format.is_none() && params.select.is_none() {
        errors.push(
            FieldError::new("format", "invalid_value")
                .arg("value", params.format.as_deref().unwrap_or_default()),
        );
    }
    let mode = match params.mode.as_deref() {
        None => Some(Mode::AllOrNothing),
        Some(m) => Mode::parse(m),
    };
    if mode.is_none() {
        errors.push(
            FieldError::new("mode", "invalid_value")
                .arg("value", params.mode.as_deref().unwrap_or_default()),
        );
    }
    let side = match params.role.as_deref() {
        None => None,
        Some(r) => {
            let side = Side::parse(r);
            if side.is_none() {
                errors.push(FieldError::new("role", "invalid_value").arg("value", r));
            }
            side
        }
    };
    if format == Some(Format::Ssm) && side.is_none() && params.role.is_none() {
        errors.push(FieldError::new("role", "required"));
    }
    let selection = match params.select.as_deref() {
        None => None,
        Some("waiting") => Some(bulk::Selection::Waiting),
        Some("party") => match params.party.as_deref().map(Party::parse) {
            Some(Ok(p)) => Some(bulk::Selection::WithParty(p)),
            Some(Err(e)) => {
                errors
                    .push(FieldError::new("party", "invalid_party_number").arg("reason", e.code()));
                None
            }
            None => {
                errors.push(FieldError::new("party", "required"));
                None
            }
        },
        Some("held") => match params.new_mandatee {
            Some(n) => Some(bulk::Selection::Held { new_mandatee: n }),
            None => {
                errors.push(FieldError::new("new_mandatee", "required"));
                None
            }
        },
        Some(other) => {
            errors.push(FieldError::new("select", "invalid_value").arg("value", other));
            None
        }
    };
    errors.into_result()?;
    // A selection needs no file, so no format.
    let format = format.or(selection.as_ref().map(|_| Format::Json));
    let (Some(operation), Some(format), Some(mode)) = (operation, format, mode) else {
        return Err(DomainError::invalid(FieldErrors::default()).into());
    };
    let defaults = FileDefaults {
        domain: params.domain.filter(|d| !d.is_empty()),
        types: params
            .types
            .map(|t| {
                t.split(',')
                    .map(|s| s.trim().to_owned())
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default(),
    };
    bulk::validate(
        state,
        principal,
        act_for,
        Upload {
            selection,
            bytes: body,
            format,
            operation,
            mode,
            defaults,
            ssm_side: side,
            key,
        },
    )
    .await
}

/// Which rows to show.
#[derive(Debug, Deserialize, IntoParams)]
pub struct RowsParams {
    /// Rows after this line.
    after: Option<i64>,
    /// At most this many rows (1–1000, default 100).
    limit: Option<i64>,
}

/// A job: its state, counts and a page of its rows.
#[utoipa::path(get, path = "/api/v1/bulk/{id}", tag = "bulk", params(("id" = String, Path), RowsParams),
    responses((status = 200, body = JobView), (status = 404)), security(("bearer" = [])))]
pub async fn get_job(
    State(state): State<AppState>,
    principal: Principal,
    ActFor(act_for): ActFor,
    RequestLang(lang): RequestLang,
    Path(id): Path<String>,
    QueryParams(params): QueryParams<RowsParams>,
) -> Result<Json<JobView>, AppError> {
    let (job, _) = owned(&state, &principal, act_for.as_ref(), &id).await?;
    let limit = params.limit.unwrap_or(100).clamp(1, 1000);
    Ok(Json(
        view(&state, &job, params.after.unwrap_or(0), limit, lang).await?,
    ))
}

/// Runs a validated job: every valid row, all at once or row by row as chosen.
#[utoipa::path(post, path = "/api/v1/bulk/{id}/commit", tag = "bulk",
    params(("id" = String, Path), ("Act-For" = Option<String>, Header),
           ("Idempotency-Key" = Option<String>, Header, description = "Sent again with the same key, the answer is the job as it is now")),
    responses((status = 202, body = JobView), (status = 404), (status = 409)), security(("bearer" = [])))]
pub async fn commit(
    State(state): State<AppState>,
    principal: Principal,
    ActFor(act_for): ActFor,
    RequestLang(lang): RequestLang,
    IdempotencyKey(key): IdempotencyKey,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let (job, actor) = owned(&state, &principal, act_for.as_ref(), &id).await?;
    let fingerprint = format!("POST /api/v1/bulk/{}/commit", job.id);
    let keyed = key.as_deref().map(|key| Keyed {
        key,
        fingerprint: &fingerprint,
    });
    let answer = bulk::commit(&state, &actor, job.id, keyed).await?;
    let view = view(&state, &answer.job, 0, 100, lang).await?;
    Ok(job_response(StatusCode::ACCEPTED, view, answer.replayed))
}

/// Every row's outcome as CSV.
#[utoipa::path(get, path = "/api/v1/bulk/{id}/results.csv", tag = "bulk", params(("id" = String, Path)),
    responses((status = 200, content_type = "text/csv"), (status = 404)), security(("bearer" = [])))]
pub async fn results_csv(
    State(state): State<AppState>,
    principal: Principal,
    ActFor(act_for): ActFor,
    RequestLang(lang): RequestLang,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let (job, _) = owned(&state, &principal, act_for.as_ref(), &id).await?;
    results_file(&state, &job, lang).await
}

/// Every row's outcome of a job as a CSV download (the API and the pages).
pub async fn results_file(
    state: &AppState,
    job: &StoredJob,
    lang: mandates_domain::Lang,
) -> Result<Response, AppError> {
    let mut out = csv::Writer::from_writer(Vec::new());
    let fail = |e: csv::Error| AppError::internal("writing the results CSV", e);
    out.write_record(["line", "state", "mandate_id", "errors"])
        .map_err(fail)?;
    let mut after = 0;
    loop {
        let rows = state.store().bulk_rows(job.id, after, 1000).await?;
        let Some(last) = rows.last() else { break };
        after = last.line;
        for r in &rows {
            let v = row_view(r, lang);
            let errors = v
                .errors
                .iter()
                .map(|e| format!("{}: {}", e.field, e.message))
                .collect::<Vec<_>>()
                .join(" | ");
            out.write_record([
                v.line.to_string(),
                v.state,
                v.mandate_id.unwrap_or_default(),
                errors,
            ])
            .map_err(fail)?;
        }
    }
    crate::http::csv::download(out, "results.csv")
}

/// Which template.
#[derive(Debug, Deserialize, IntoParams)]
pub struct TemplateParams {
    /// `create` (default), `sign`, `stop` or `transfer`.
    operation: Option<String>,
}

/// An example file of a format for an operation, to fill in.
#[utoipa::path(get, path = "/api/v1/bulk/templates/{format}", tag = "bulk",
    params(("format" = String, Path, description = "`csv`, `json` or `ssm`"), TemplateParams),
    responses((status = 200, description = "The template file"), (status = 404)))]
pub async fn template(
    Path(format): Path<String>,
    QueryParams(params): QueryParams<TemplateParams>,
) -> Result<Response, AppError> {
    let operation = match params.operation.as_deref() {
        None => Some(Operation::Create),
        Some(o) => Operation::parse(o),
    };
    let not_found = || AppError::NoRoute;
    let format = Format::parse(&format).ok_or_else(not_found)?;
    let operation = operation.ok_or_else(|| {
        AppError::from(DomainError::field(
            FieldError::new("operation", "invalid_value")
                .arg("value", params.operation.as_deref().unwrap_or_default()),
        ))
    })?;
    let text = mandates_domain::bulk::template(format, operation).ok_or_else(not_found)?;
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
