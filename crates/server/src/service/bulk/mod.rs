//! Bulk jobs: every row of a file checked first by the same rules as a single change (the
//! dry run, nothing written), then applied in the unit of work. Per row, each row is applied
//! in the transaction that marks it applied, so that a job resumed after a crash applies
//! every row exactly once; all or nothing, every row is applied in one transaction or none.
//!
//! A job belongs to the party it was made for; reading or committing it takes the caller's
//! own right over that party for every domain the job touches, and each row is applied with
//! the rights of whoever committed it.
//!
//! - `upload.rs`: the request read, the file or a selection turned into rows, the dry run;
//! - `selection.rs`: the selections of the party's own mandates, and their rows;
//! - `dry_run.rs`: what the store holds of the rows, and each row judged on a copy;
//! - `run.rs`: the commit, and applying the rows (also after a restart).

mod dry_run;
mod run;
mod selection;
mod upload;

use mandates_domain::access;
use mandates_domain::actor::Actor;
use mandates_domain::bulk::{RowError, RowState};
use mandates_domain::{FieldError, Lang, bulk};
use mandates_store::{StoredJob, StoredRow};
use uuid::Uuid;

pub use run::{commit, run};
pub use selection::Selection;
pub use upload::{Upload, UploadForm, upload, validate};

use super::unit::not_found;
use crate::AppState;
use crate::error::{AppError, field_text};
use crate::http::csv::CsvFile;

/// A job, and whether the answer is the one given earlier for the same `Idempotency-Key`.
pub struct JobAnswer {
    pub job: StoredJob,
    pub replayed: bool,
}

/// The job, if the actor may read and commit it; otherwise "not found", whether or not it
/// exists.
pub async fn owned(state: &AppState, actor: &Actor, id: &str) -> Result<StoredJob, AppError> {
    let id = Uuid::parse_str(id).map_err(|_| not_found("bulk_job_not_found"))?;
    match state.store().bulk_job(id).await? {
        Some(job) if access::may_own_job(actor, &job.owner, &job.spec.domains) => Ok(job),
        _ => Err(not_found("bulk_job_not_found")),
    }
}

/// A page of a job's rows after `after_line`, and the line to continue after when there
/// may be more.
pub async fn rows(
    state: &AppState,
    job: &StoredJob,
    after_line: i64,
    limit: i64,
) -> Result<(Vec<StoredRow>, Option<i64>), AppError> {
    let rows = state.store().bulk_rows(job.id, after_line, limit).await?;
    let next = (rows.len() as i64 == limit)
        .then(|| rows.last().map(|r| r.line))
        .flatten();
    Ok((rows, next))
}

/// A row's error in words, in `lang`.
pub fn message(e: &RowError, lang: Lang) -> String {
    let args: Vec<(&str, String)> = e
        .args
        .iter()
        .map(|(k, v)| (k.as_str(), v.clone()))
        .collect();
    field_text(lang, &e.code, &args)
}

/// Every row's outcome of a job as CSV: line, state, mandate, errors in `lang`.
pub async fn results_csv(
    state: &AppState,
    job: &StoredJob,
    lang: Lang,
) -> Result<CsvFile, AppError> {
    let mut out = CsvFile::new("writing the results CSV");
    out.row(["line", "state", "mandate_id", "errors"])?;
    let mut after = 0;
    loop {
        let page = state.store().bulk_rows(job.id, after, 1000).await?;
        let Some(last) = page.last() else { break };
        after = last.line;
        for r in &page {
            let errors = r
                .errors
                .iter()
                .map(|e| format!("{}: {}", e.field, message(e, lang)))
                .collect::<Vec<_>>()
                .join(" | ");
            out.row([
                r.line.to_string(),
                r.state.as_str().to_owned(),
                r.mandate_id.map(|m| m.to_string()).unwrap_or_default(),
                errors,
            ])?;
        }
    }
    Ok(out)
}

/// A refusal of a row as errors to keep (a refusal that names no field names the row).
fn row_errors(e: &mandates_domain::DomainError) -> Vec<RowError> {
    if e.fields.is_empty() {
        let mut f = FieldError::new(bulk::ROW_FIELD, e.code);
        f.args = e.args.clone();
        vec![RowError::from(&f)]
    } else {
        e.fields.iter().map(RowError::from).collect()
    }
}

/// The errors of a row that could not be read.
fn read_errors(errors: &[FieldError]) -> Vec<RowError> {
    errors.iter().map(RowError::from).collect()
}

/// A stored row's outcome when nothing about it is known but its state.
fn outcome(line: i64, state: RowState, errors: Vec<RowError>) -> mandates_store::RowOutcome {
    mandates_store::RowOutcome {
        line,
        state,
        errors,
        mandate_id: None,
    }
}
