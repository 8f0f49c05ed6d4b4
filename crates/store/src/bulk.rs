//! Bulk jobs and their rows. A job's description is a document; its state and counts are
//! columns, changed in the same transaction as the rows they count.

use mandates_domain::time::Instant;
use sqlx::Row;
use uuid::Uuid;

use crate::backend::{on_pool, on_tx};
use crate::codec::{instant, micros};
use crate::{Result, Store, WriteTx};

/// A bulk job as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredJob {
    pub id: Uuid,
    /// The party it was made for: nobody else sees it.
    pub owner: String,
    /// Who uploaded it.
    pub person: String,
    /// What the job does and how (operation, format, mode, the uploader's sign-in), as JSON.
    pub doc: String,
    /// `validated`, `running`, `done` or `failed`.
    pub state: String,
    pub total: i64,
    pub succeeded: i64,
    pub failed: i64,
    pub created_at: Instant,
    pub updated_at: Instant,
}

/// A row of a job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRow {
    pub line: i64,
    /// The row as read (JSON), absent for a row that could not be read.
    pub input: Option<String>,
    pub natural_key: Option<String>,
    /// `valid`, `invalid`, `applied`, `unchanged` (already done before) or `failed`.
    pub state: String,
    /// Why it is invalid or failed (JSON).
    pub errors: Option<String>,
    /// The mandate it made or changed.
    pub mandate_id: Option<String>,
}

macro_rules! decode_job {
    ($r:expr) => {{
        let r = $r;
        let id: String = r.try_get("id")?;
        Ok::<_, crate::StoreError>(StoredJob {
            id: Uuid::parse_str(&id)
                .map_err(|_| crate::StoreError::Corrupt(format!("bulk job id {id:?}")))?,
            owner: r.try_get("owner")?,
            person: r.try_get("person")?,
            doc: r.try_get("doc")?,
            state: r.try_get("state")?,
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
        Ok::<_, crate::StoreError>(StoredRow {
            line: r.try_get("line")?,
            input: r.try_get("input")?,
            natural_key: r.try_get("natural_key")?,
            state: r.try_get("state")?,
            errors: r.try_get("errors")?,
            mandate_id: r.try_get("mandate_id")?,
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
            let rows = sqlx::query("SELECT id FROM bulk_jobs WHERE state = 'running' ORDER BY created_at")
                .fetch_all(pool)
                .await?;
            rows.iter()
                .map(|r| {
                    let id: String = r.try_get("id")?;
                    Uuid::parse_str(&id)
                        .map_err(|_| crate::StoreError::Corrupt(format!("bulk job id {id:?}")))
                })
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
                "SELECT {ROW_COLUMNS} FROM bulk_rows WHERE job_id = $1 AND line > $2 ORDER BY line LIMIT $3"
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
        on_tx!(self, c => {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "INSERT INTO bulk_jobs ({JOB_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
            )))
            .bind(job.id.to_string())
            .bind(&job.owner)
            .bind(&job.person)
            .bind(&job.doc)
            .bind(&job.state)
            .bind(job.total)
            .bind(job.succeeded)
            .bind(job.failed)
            .bind(micros(job.created_at))
            .bind(micros(job.updated_at))
            .execute(&mut *c)
            .await?;
        });
        let id = job.id.to_string();
        // 7 values a row: 1000 rows stay under both databases' limits on bound values.
        for chunk in rows.chunks(1000) {
            on_tx!(self, c => {
                let mut insert = sqlx::QueryBuilder::new(
                    "INSERT INTO bulk_rows (job_id, line, input, natural_key, state, errors, mandate_id) ",
                );
                insert.push_values(chunk, |mut b, r| {
                    b.push_bind(&id)
                        .push_bind(r.line)
                        .push_bind(&r.input)
                        .push_bind(&r.natural_key)
                        .push_bind(&r.state)
                        .push_bind(&r.errors)
                        .push_bind(&r.mandate_id);
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
                "SELECT {ROW_COLUMNS} FROM bulk_rows WHERE job_id = $1 AND line > $2 AND line <= $3 AND state = 'valid' ORDER BY line"
            )))
            .bind(job.to_string())
            .bind(after_line)
            .bind(through_line)
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

    /// Records the outcomes of many rows at once: (line, state, errors, mandate id).
    pub async fn set_bulk_rows(
        &mut self,
        job: Uuid,
        outcomes: &[(i64, &str, Option<String>, Option<String>)],
    ) -> Result<()> {
        let id = job.to_string();
        // 5 values a row: 1000 rows stay under both databases' limits on bound values.
        for chunk in outcomes.chunks(1000) {
            on_tx!(self, c => {
                let mut upsert = sqlx::QueryBuilder::new(
                    "INSERT INTO bulk_rows (job_id, line, state, errors, mandate_id) ",
                );
                upsert.push_values(chunk, |mut b, (line, state, errors, mandate)| {
                    b.push_bind(&id)
                        .push_bind(*line)
                        .push_bind(*state)
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

    /// Records the outcome of a row.
    pub async fn set_bulk_row(
        &mut self,
        job: Uuid,
        line: i64,
        state: &str,
        errors: Option<&str>,
        mandate_id: Option<&str>,
    ) -> Result<()> {
        on_tx!(self, c => {
            sqlx::query("UPDATE bulk_rows SET state = $3, errors = $4, mandate_id = $5 WHERE job_id = $1 AND line = $2")
                .bind(job.to_string())
                .bind(line)
                .bind(state)
                .bind(errors)
                .bind(mandate_id)
                .execute(&mut *c)
                .await?;
        });
        Ok(())
    }

    /// Sets a job's state and counts.
    pub async fn set_bulk_job(
        &mut self,
        job: Uuid,
        state: &str,
        succeeded: i64,
        failed: i64,
        now: Instant,
    ) -> Result<()> {
        on_tx!(self, c => {
            sqlx::query("UPDATE bulk_jobs SET state = $2, succeeded = $3, failed = $4, updated_at = $5 WHERE id = $1")
                .bind(job.to_string())
                .bind(state)
                .bind(succeeded)
                .bind(failed)
                .bind(micros(now))
                .execute(&mut *c)
                .await?;
        });
        Ok(())
    }
}
