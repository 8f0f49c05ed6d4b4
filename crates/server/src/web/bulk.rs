//! The pages of bulk changes: upload a file, see every row checked (errors highlighted and
//! explained), confirm, follow the progress, download the results.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use mandates_domain::DomainError;
use mandates_store::StoredJob;
use uuid::Uuid;

use super::page::{Chrome, Tr, render};
use super::visit::{PageError, User, Visit};
use crate::AppState;
use crate::api::bulk::{JobView, UploadParams, results_file, upload_fingerprint, upload_job, view};
use crate::error::AppError;
use crate::http::extract::UploadedFile;
use crate::service::bulk::Keyed;

#[derive(Template)]
#[template(path = "bulk_new.html")]
pub struct NewBulkPage {
    c: Chrome,
    domains: Vec<(String, String)>,
    problem: String,
    /// Sent with the form: the same form sent twice makes one job.
    once: String,
}

fn new_page(state: &AppState, visit: &Visit, problem: String) -> Result<NewBulkPage, AppError> {
    let t = Tr(visit.lang);
    Ok(NewBulkPage {
        c: visit.chrome(state, t.t("bulk-title")),
        domains: state
            .catalog()
            .domains
            .iter()
            .map(|d| (d.code.clone(), d.name.get(visit.lang).to_owned()))
            .collect(),
        problem,
        once: super::session::random_secret()?,
    })
}

/// The upload form.
pub async fn new(
    State(state): State<AppState>,
    axum::Extension(visit): axum::Extension<Visit>,
) -> Result<Response, PageError> {
    visit.user()?;
    Ok(render(&new_page(&state, &visit, String::new())?))
}

/// Checks the uploaded file (nothing is changed) and shows its report.
pub async fn upload(
    State(state): State<AppState>,
    axum::Extension(visit): axum::Extension<Visit>,
    file: UploadedFile,
) -> Result<Response, PageError> {
    let field = |name: &str| file.fields.get(name).cloned().filter(|v| !v.is_empty());
    visit.check_form(&field("csrf").unwrap_or_default())?;
    let user = visit.user()?;
    let params = UploadParams {
        operation: field("operation"),
        format: field("format"),
        mode: field("mode"),
        domain: field("domain"),
        types: field("types"),
        role: field("role"),
        ..UploadParams::default()
    };
    let key = field("once").map(|once| format!("page-{once}"));
    let fingerprint = upload_fingerprint(&file);
    let keyed = key.as_deref().map(|key| Keyed {
        key,
        fingerprint: &fingerprint,
    });
    match upload_job(
        &state,
        &user.principal,
        user.acting_for(),
        params,
        &file.bytes,
        keyed,
    )
    .await
    {
        Ok(answer) => Ok(Redirect::to(&format!("/bulk/{}", answer.job.id)).into_response()),
        Err(e) if e.status().is_client_error() => {
            let (_, text) = e.page_texts(visit.lang, &visit.request_id);
            let page = new_page(&state, &visit, text)?;
            Ok((e.status(), render(&page)).into_response())
        }
        Err(e) => Err(PageError::Api(e)),
    }
}

#[derive(Template)]
#[template(path = "bulk_job.html")]
pub struct JobPage {
    c: Chrome,
    job: JobView,
    refresh: bool,
    next: Option<String>,
}

impl JobPage {
    /// The message id of a value: `prefix-value`.
    pub fn key(&self, prefix: &str, value: &str) -> String {
        format!("{prefix}-{value}")
    }
}

/// The job, if it belongs to the party the user acts for.
async fn owned(state: &AppState, user: &User, id: &str) -> Result<StoredJob, PageError> {
    let not_found = || PageError::Api(DomainError::not_found("bulk_job_not_found").into());
    let id = Uuid::parse_str(id).map_err(|_| not_found())?;
    match state.store().bulk_job(id).await? {
        Some(job) if job.owner == user.actor.party.as_str() => Ok(job),
        _ => Err(not_found()),
    }
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct RowsQuery {
    #[serde(default)]
    after: i64,
}

/// The report: the rows and their errors; a confirmation while validated, the progress
/// (the page reloads itself) while running, the results once done.
pub async fn show(
    State(state): State<AppState>,
    axum::Extension(visit): axum::Extension<Visit>,
    Path(id): Path<String>,
    axum::extract::Query(q): axum::extract::Query<RowsQuery>,
) -> Result<Response, PageError> {
    let user = visit.user()?;
    let job = owned(&state, user, &id).await?;
    let t = Tr(visit.lang);
    let view = view(&state, &job, q.after.max(0), 200, visit.lang).await?;
    let next = view
        .next_after
        .map(|after| format!("/bulk/{}?after={after}", job.id));
    Ok(render(&JobPage {
        c: visit.chrome(&state, t.t("bulk-job-title")),
        refresh: view.state == "running",
        job: view,
        next,
    }))
}

#[derive(serde::Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

/// Runs the job as confirmed.
pub async fn commit(
    State(state): State<AppState>,
    axum::Extension(visit): axum::Extension<Visit>,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<CsrfForm>,
) -> Result<Response, PageError> {
    visit.check_form(&form.csrf)?;
    let user = visit.user()?;
    let job = owned(&state, user, &id).await?;
    match crate::service::bulk::commit(&state, &user.actor, job.id, None).await {
        // Committed once already (a second click): the page shows where it is.
        Ok(_) | Err(AppError::Domain(_)) => {
            Ok(Redirect::to(&format!("/bulk/{}", job.id)).into_response())
        }
        Err(e) => Err(PageError::Api(e)),
    }
}

/// Every row's outcome as CSV.
pub async fn results(
    State(state): State<AppState>,
    axum::Extension(visit): axum::Extension<Visit>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let user = visit.user()?;
    let job = owned(&state, user, &id).await?;
    Ok(results_file(&state, &job, visit.lang).await?)
}
