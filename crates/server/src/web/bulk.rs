//! The pages of bulk changes: upload a file, see every row checked (errors highlighted and
//! explained), confirm, follow the progress, download the results.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use mandates_domain::Party;
use mandates_domain::bulk::{JobState, Mode, RowInput};
use mandates_store::{StoredJob, StoredRow};
use uuid::Uuid;

use super::forms::{FieldMessages, Refusal};
use super::page::{Chrome, Tr, render};
use super::rows::type_names;
use super::visit::{PageError, Visit};
use crate::AppState;
use crate::error::AppError;
use crate::http::extract::UploadedFile;
use crate::i18n;
use crate::service::bulk::{self, UploadForm};
use crate::service::names::{self, Names};
use crate::service::unit::Keyed;

#[derive(Template)]
#[template(path = "bulk_new.html")]
pub struct NewBulkPage {
    c: Chrome,
    domains: Vec<(String, String)>,
    errors: FieldMessages,
    /// Sent with the form: the same form sent twice makes one job.
    once: String,
}

fn new_page(state: &AppState, visit: &Visit) -> Result<NewBulkPage, AppError> {
    let t = Tr(visit.lang);
    Ok(NewBulkPage {
        c: visit.chrome(state, t.t("bulk-title")),
        domains: state
            .catalog()
            .domains
            .iter()
            .map(|d| (d.code.clone(), d.name.get(visit.lang).to_owned()))
            .collect(),
        errors: FieldMessages::default(),
        once: super::session::random_secret()?,
    })
}

/// The upload form.
pub async fn new(
    State(state): State<AppState>,
    axum::Extension(visit): axum::Extension<Visit>,
) -> Result<Response, PageError> {
    // Only for those who may make bulk jobs: the upload would refuse anyone else.
    mandates_domain::access::require_bulk(&visit.user()?.actor)?;
    Ok(render(&new_page(&state, &visit)?))
}

/// Checks the uploaded file (nothing is changed) and shows its report.
pub async fn upload(
    State(state): State<AppState>,
    axum::Extension(visit): axum::Extension<Visit>,
    request: axum::extract::Request,
) -> Result<Response, PageError> {
    // Signed in before the file is read: a visitor without a session makes the server hold
    // no file (the anti-forgery token, inside the form, is checked once it is read).
    visit.user()?;
    let file =
        <UploadedFile as axum::extract::FromRequest<AppState>>::from_request(request, &state)
            .await?;
    let field = |name: &str| file.fields.get(name).cloned().filter(|v| !v.is_empty());
    visit.check_form(&field("csrf").unwrap_or_default())?;
    let user = visit.user()?;
    let form = UploadForm {
        operation: field("operation"),
        format: field("format"),
        mode: field("mode"),
        domain: field("domain"),
        types: field("types"),
        role: field("role"),
        ..UploadForm::default()
    };
    let key = field("once").map(|once| format!("page-{once}"));
    let fingerprint = file.fingerprint();
    let keyed = Keyed::of(key.as_deref(), &fingerprint);
    let uploaded = bulk::upload(
        &state,
        &user.principal,
        user.acting_for(),
        form,
        file.bytes,
        keyed,
    )
    .await;
    match uploaded {
        Ok(answer) => Ok(Redirect::to(&format!("/bulk/{}", answer.job.id)).into_response()),
        Err(e) if e.status().is_client_error() => {
            let mut page = new_page(&state, &visit)?;
            let refusal = Refusal::of(&state, &visit, &e);
            page.c.summary = refusal.summary(|field| match field {
                "operation" | "format" | "file" | "domain" | "types" | "role" => {
                    Some(field.to_owned())
                }
                "mode" => Some("mode-all".to_owned()),
                _ => None,
            });
            page.errors = refusal.fields;
            Ok((e.status(), render(&page)).into_response())
        }
        Err(e) => Err(PageError::Api(e)),
    }
}

/// A row as the report shows it.
pub struct RowShown {
    pub line: i64,
    pub state: &'static str,
    /// What the row asks in words, its parties by name where the reader may know them.
    pub about: String,
    /// The mandate it made or concerns.
    pub mandate_id: Option<Uuid>,
    /// Each error's field and message.
    pub errors: Vec<(String, String)>,
}

/// A job as the report shows it.
pub struct JobShown {
    pub id: Uuid,
    pub state: &'static str,
    pub operation: &'static str,
    pub mode: &'static str,
    pub total: i64,
    pub succeeded: i64,
    pub failed: i64,
    pub rows: Vec<RowShown>,
}

#[derive(Template)]
#[template(path = "bulk_job.html")]
pub struct JobPage {
    c: Chrome,
    job: JobShown,
    /// Validated, and committing would apply something (an all-or-nothing file with an
    /// invalid row applies nothing).
    can_commit: bool,
    refresh: bool,
    next: Option<String>,
}

impl JobPage {
    /// The message id of a value: `prefix-value`.
    pub fn key(&self, prefix: &str, value: &str) -> String {
        format!("{prefix}-{value}")
    }
}

fn shown(state: &AppState, t: Tr, names: &Names, job: &StoredJob, rows: &[StoredRow]) -> JobShown {
    JobShown {
        id: job.id,
        state: job.state.as_str(),
        operation: job.spec.operation.as_str(),
        mode: job.spec.mode.as_str(),
        total: job.total,
        succeeded: job.succeeded,
        failed: job.failed,
        rows: rows
            .iter()
            .map(|r| RowShown {
                line: r.line,
                state: r.state.as_str(),
                about: r
                    .input
                    .as_ref()
                    .map(|input| about(state, t, names, input))
                    .unwrap_or_default(),
                mandate_id: r.mandate_id.or(r.input.as_ref().and_then(concerned)),
                errors: r
                    .errors
                    .iter()
                    .map(|e| (e.field.clone(), bulk::message(e, t.0)))
                    .collect(),
            })
            .collect(),
    }
}

/// The parties named by rows: a creation's two, a transfer's new mandatee.
fn parties(input: &RowInput) -> Vec<Party> {
    let numbers = match input {
        RowInput::Create { draft } => vec![draft.mandator.as_str(), draft.mandatee.as_str()],
        RowInput::Transfer { new_mandatee, .. } => vec![new_mandatee.as_str()],
        RowInput::Sign { .. } | RowInput::Stop { .. } => vec![],
    };
    numbers
        .into_iter()
        .filter_map(|n| Party::parse(n).ok())
        .collect()
}

/// The mandate an existing mandate's row concerns.
fn concerned(input: &RowInput) -> Option<Uuid> {
    match input {
        RowInput::Create { .. } => None,
        RowInput::Sign { mandate, .. }
        | RowInput::Stop { mandate }
        | RowInput::Transfer { mandate, .. } => Some(*mandate),
    }
}

/// What a row asks, in words: who gives what to whom, to whom a mandate moves.
fn about(state: &AppState, t: Tr, names: &Names, input: &RowInput) -> String {
    match input {
        RowInput::Create { draft } => i18n::message(
            t.0,
            "bulk-about-create",
            &[
                ("mandator", names.shown_number(&draft.mandator)),
                ("mandatee", names.shown_number(&draft.mandatee)),
                ("types", type_names(state, t.0, &draft.types)),
            ],
        ),
        RowInput::Transfer { new_mandatee, .. } => t.t1(
            "bulk-about-transfer",
            "mandatee",
            &names.shown_number(new_mandatee),
        ),
        RowInput::Sign { .. } | RowInput::Stop { .. } => String::new(),
    }
}

/// The job, if the user may read and commit it.
async fn owned(state: &AppState, visit: &Visit, id: &str) -> Result<StoredJob, PageError> {
    let user = visit.user()?;
    Ok(bulk::owned(state, &user.actor, id).await?)
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
    let job = owned(&state, &visit, &id).await?;
    let t = Tr(visit.lang);
    let (rows, next_after) = bulk::rows(&state, &job, q.after.max(0), 200).await?;
    // Names of the parties the rows name, as their reader may know them before anything is
    // signed: enterprises' and their own.
    let named: Vec<Party> = rows
        .iter()
        .filter_map(|r| r.input.as_ref())
        .flat_map(parties)
        .collect();
    let names = names::of(&state, &named)
        .await?
        .public_to(&visit.user()?.actor.party);
    let next = next_after.map(|after| format!("/bulk/{}?after={after}", job.id));
    let all_or_nothing_refused = job.spec.mode == Mode::AllOrNothing && job.failed > 0;
    Ok(render(&JobPage {
        c: visit.chrome(&state, t.t("bulk-job-title")),
        can_commit: job.state == JobState::Validated && !all_or_nothing_refused,
        refresh: job.state == JobState::Running,
        job: shown(&state, t, &names, &job, &rows),
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
    let job = owned(&state, &visit, &id).await?;
    match bulk::commit(&state, &user.principal, user.acting_for(), job.id, None).await {
        // Committed once already (a second click): the page shows where it is.
        Ok(_) => Ok(Redirect::to(&format!("/bulk/{}", job.id)).into_response()),
        Err(AppError::Domain(e)) if e.code == "bulk_job_not_validated" => {
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
    let job = owned(&state, &visit, &id).await?;
    let out = bulk::results_csv(&state, &job, visit.lang).await?;
    Ok(out.download("results.csv")?)
}
