//! Bulk jobs and their rows. A job's description is a document; its state and counts are
//! columns, changed in the same transaction as the rows they count.

use mandates_domain::bulk::{JobSpec, JobState, RowError, RowInput, RowState, Signer};
use mandates_domain::time::Instant;
use mandates_domain::{Insz, Party};
use sqlx::Row;
use uuid::Uuid;

use crate::backend::{on_pool, on_tx};
use crate::codec::{from_json, instant, micros, to_json};
use crate::{Result, Store, StoreError, WriteTx};

/// A bulk job as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredJob {
    pub id: Uuid,
    /// The party it was made for: nobody else sees it.
    pub owner: Party,
    /// What it does, how, and who uploaded and committed it.
    pub spec: JobSpec,
    pub state: JobState,
    pub total: i64,
    pub succeeded: i64,
    pub failed: i64,
    pub created_at: Instant,
    pub updated_at: Instant,
}

/// A row of a job.
#[derive(Debug, Clone)]
pub struct StoredRow {
    pub line: i64,
    /// The row as read; absent for a row that could not be read.
    pub input: Option<RowInput>,
    pub natural_key: Option<String>,
    pub state: RowState,
    /// Why it is invalid or failed.
    pub errors: Vec<RowError>,
    /// The mandate it made or changed.
    pub mandate_id: Option<Uuid>,
}

/// What became of a row when its job ran.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowOutcome {
    pub line: i64,
    pub state: RowState,
    pub errors: Vec<RowError>,
    pub mandate_id: Option<Uuid>,
}

fn corrupt(what: &str, text: &str) -> StoreError {
    StoreError::Corrupt(format!("{what} {text:?}"))
}

fn uuid(text: &str) -> Result<Uuid> {
    Uuid::parse_str(text).map_err(|_| corrupt("id", text))
}

/// A job's description; one written before it named its uploader is completed from the
/// `person` column and its `auth`.
fn spec(doc: &str, person: &str) -> Result<JobSpec> {
    let mut value: serde_json::Value = from_json(doc)?;
    if value.get("uploaded_by").is_none() {
        let person = Insz::parse(person).map_err(|_| corrupt("bulk job person", person))?;
        let auth = value.get("auth").cloned().unwrap_or_default();
        value["uploaded_by"] = serde_json::json!({"person": person, "auth": auth});
    }
    serde_json::from_value(value).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn errors_of(text: Option<String>) -> Result<Vec<RowError>> {
    match text {
        Some(t) => from_json(&t),
        None => Ok(Vec::new()),
    }
}

fn errors_text(errors: &[RowError]) -> Result<Option<String>> {
    if errors.is_empty() {
        Ok(None)
    } else {
        to_json(&errors).map(Some)
    }
}

macro_rules! decode_job {
    ($r:expr) => {{
        let r = $r;
        let owner: String = r.try_get("owner")?;
        let state: String = r.try_get("state")?;
        let person: String = r.try_get("person")?;
        Ok::<_, crate::StoreError>(StoredJob {
            id: uuid(&r.try_get::<String, _>("id")?)?,
            owner: Party::parse(&owner).map_err(|_| corrupt("bulk job owner", &owner))?,
            spec: spec(&r.try_get::<String, _>("doc")?, &person)?,
            state: JobState::parse(&state).ok_or_else(|| corrupt("bulk job state", &state))?,
            total: r.try_get("total")?,
            succeeded: r.try_get("succeeded")?,
            failed: r.try_get("failed")?,
            created_at: instant(r.try_get("created_at")?)?,
            updated_at: instant(r.try_get("updated_at")?)?,
        })
    }};
}

macro_rules! decode_row {
    ($r:expr) => {{
        let r = $r;
        let state: String = r.try_get("state")?;
        let input: Option<String> = r.try_get("input")?;
        let mandate: Option<String> = r.try_get("mandate_id")?;
        Ok::<_, crate::StoreError>(StoredRow {
            line: r.try_get("line")?,
            input: input.as_deref().map(from_json).transpose()?,
            natural_key: r.try_get("natural_key")?,
            state: RowState::parse(&state).ok_or_else(|| corrupt("bulk row state", &state))?,
            errors: errors_of(r.try_get("errors")?)?,
            mandate_id: mandate.as_deref().map(uuid).transpose()?,
        })
    }};
}

const JOB_COLUMNS: &str =
    "id, owner, person, doc, state, total, succeeded, failed, created_at, updated_at";
const ROW_COLUMNS: &str = "line, input, natural_key, state, errors, mandate_id";

impl Store {
    /// A job by id.
    pub async fn bulk_job(&self, id: Uuid) -> Result<Option<StoredJob>> {
        on_pool!(self, pool => {
            let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {JOB_COLUMNS} FROM bulk_jobs WHERE id = $1")))
                .bind(id.to_string())
                .fetch_optional(pool)
                .await?;
            row.map(|r| decode_job!(&r)).transpose()
        })
    }

    /// The jobs that were running (to resume them after a restart).
    pub async fn running_bulk_jobs(&self) -> Result<Vec<Uuid>> {
        on_pool!(self, pool => {
            let rows = sqlx::query("SELECT id FROM bulk_jobs WHERE state = $1 ORDER BY created_at")
                .bind(JobState::Running.as_str())
                .fetch_all(pool)
                .await?;
            rows.iter()
                .map(|r| uuid(&r.try_get::<String, _>("id")?))
                .collect()
        })
    }

    /// A page of a job's rows, by line.
    pub async fn bulk_rows(
        &self,
        job: Uuid,
        after_line: i64,
        limit: i64,
    ) -> Result<Vec<StoredRow>> {
        on_pool!(self, pool => {
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {ROW_COLUMNS} FROM bulk_rows WHERE job_id = $1 AND line > $2 ORDER BY line LIMIT CAST($3 AS BIGINT)"
            )))
            .bind(job.to_string())
            .bind(after_line)
            .bind(limit)
            .fetch_all(pool)
            .await?;
            rows.iter().map(|r| decode_row!(r)).collect()
        })
    }
}

impl WriteTx {
    /// Writes a new job with its rows.
    pub async fn put_bulk_job(&mut self, job: &StoredJob, rows: &[StoredRow]) -> Result<()> {
        let doc = to_json(&job.spec)?;
        on_tx!(self, c => {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "INSERT INTO bulk_jobs ({JOB_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
            )))
            .bind(job.id.to_string())
            .bind(job.owner.as_str())
            .bind(job.spec.uploaded_by.person.as_str())
            .bind(&doc)
            .bind(job.state.as_str())
            .bind(job.total)
            .bind(job.succeeded)
            .bind(job.failed)
            .bind(micros(job.created_at))
            .bind(micros(job.updated_at))
            .execute(&mut *c)
            .await?;
        });
        let id = job.id.to_string();
        // 7 values a row: 1000 rows stay under both databases' limits on bound values. Rows
        // are written as text a chunk at a time: never all of a large file twice in memory.
        for chunk in rows.chunks(1000) {
            let texts = chunk
                .iter()
                .map(|r| {
                    Ok((
                        r.input.as_ref().map(to_json).transpose()?,
                        errors_text(&r.errors)?,
                        r.mandate_id.map(|m| m.to_string()),
                    ))
                })
                .collect::<Result<Vec<_>>>()?;
            let texts = texts.as_slice();
            on_tx!(self, c => {
                let mut insert = sqlx::QueryBuilder::new(
                    "INSERT INTO bulk_rows (job_id, line, input, natural_key, state, errors, mandate_id) ",
                );
                insert.push_values(chunk.iter().zip(texts), |mut b, (r, (input, errors, mandate))| {
                    b.push_bind(&id)
                        .push_bind(r.line)
                        .push_bind(input)
                        .push_bind(&r.natural_key)
                        .push_bind(r.state.as_str())
                        .push_bind(errors)
                        .push_bind(mandate);
                });
                insert.build().execute(&mut *c).await?;
            });
        }
        Ok(())
    }

    /// A job, read under the write lock.
    pub async fn bulk_job(&mut self, id: Uuid) -> Result<Option<StoredJob>> {
        on_tx!(self, c => {
            let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {JOB_COLUMNS} FROM bulk_jobs WHERE id = $1")))
                .bind(id.to_string())
                .fetch_optional(&mut *c)
                .await?;
            row.map(|r| decode_job!(&r)).transpose()
        })
    }

    /// The rows still to apply in the lines `after_line + 1 ..= through_line`, by line.
    ///
    /// A range of lines rather than a count: the read costs the range whatever the
    /// planner believes of a table that a job has just filled.
    pub async fn pending_bulk_rows(
        &mut self,
        job: Uuid,
        after_line: i64,
        through_line: i64,
    ) -> Result<Vec<StoredRow>> {
        on_tx!(self, c => {
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {ROW_COLUMNS} FROM bulk_rows WHERE job_id = $1 AND line > $2 AND line <= $3 AND state = $4 ORDER BY line"
            )))
            .bind(job.to_string())
            .bind(after_line)
            .bind(through_line)
            .bind(RowState::Valid.as_str())
            .fetch_all(&mut *c)
            .await?;
            rows.iter().map(|r| decode_row!(r)).collect()
        })
    }

    /// The last line of a job's rows (0 when it has none).
    pub async fn last_bulk_line(&mut self, job: Uuid) -> Result<i64> {
        on_tx!(self, c => {
            let last: Option<i64> =
                sqlx::query_scalar("SELECT MAX(line) FROM bulk_rows WHERE job_id = $1")
                    .bind(job.to_string())
                    .fetch_one(&mut *c)
                    .await?;
            Ok(last.unwrap_or(0))
        })
    }

    /// Records the outcomes of many rows at once.
    pub async fn set_bulk_rows(&mut self, job: Uuid, outcomes: &[RowOutcome]) -> Result<()> {
        let id = job.to_string();
        let texts = outcomes
            .iter()
            .map(|o| Ok((errors_text(&o.errors)?, o.mandate_id.map(|m| m.to_string()))))
            .collect::<Result<Vec<_>>>()?;
        // 5 values a row: 1000 rows stay under both databases' limits on bound values.
        for (chunk, texts) in outcomes.chunks(1000).zip(texts.chunks(1000)) {
            on_tx!(self, c => {
                let mut upsert = sqlx::QueryBuilder::new(
                    "INSERT INTO bulk_rows (job_id, line, state, errors, mandate_id) ",
                );
                upsert.push_values(chunk.iter().zip(texts), |mut b, (o, (errors, mandate))| {
                    b.push_bind(&id)
                        .push_bind(o.line)
                        .push_bind(o.state.as_str())
                        .push_bind(errors)
                        .push_bind(mandate);
                });
                upsert.push(
                    " ON CONFLICT (job_id, line) DO UPDATE SET state = excluded.state, \
                     errors = excluded.errors, mandate_id = excluded.mandate_id",
                );
                upsert.build().execute(&mut *c).await?;
            });
        }
        Ok(())
    }

    /// Sets a job's state and counts.
    pub async fn set_bulk_job(
        &mut self,
        job: Uuid,
        state: JobState,
        succeeded: i64,
        failed: i64,
        now: Instant,
    ) -> Result<()> {
        on_tx!(self, c => {
            sqlx::query("UPDATE bulk_jobs SET state = $2, succeeded = $3, failed = $4, updated_at = $5 WHERE id = $1")
                .bind(job.to_string())
                .bind(state.as_str())
                .bind(succeeded)
                .bind(failed)
                .bind(micros(now))
                .execute(&mut *c)
                .await?;
        });
        Ok(())
    }

    /// Marks a job running, committed by `committer`: its rows are applied in their name.
    pub async fn commit_bulk_job(
        &mut self,
        job: &StoredJob,
        committer: &Signer,
        now: Instant,
    ) -> Result<()> {
        let spec = JobSpec {
            committed_by: Some(committer.clone()),
            ..job.spec.clone()
        };
        let doc = to_json(&spec)?;
        on_tx!(self, c => {
            sqlx::query("UPDATE bulk_jobs SET state = $2, doc = $3, updated_at = $4 WHERE id = $1")
                .bind(job.id.to_string())
                .bind(JobState::Running.as_str())
                .bind(&doc)
                .bind(micros(now))
                .execute(&mut *c)
                .await?;
        });
        Ok(())
    }
}
