//! The standings the in-memory index is built from: each mandate's standing read from the
//! columns beside its document, without decoding the document; and those columns filled
//! from the documents for rows written before they existed.

use chrono::NaiveDate;
use futures_util::TryStreamExt;
use mandates_domain::Party;
use mandates_domain::mandate::{BaseStatus, Side, Standing, Terms};
use sqlx::Row;
use uuid::Uuid;

use super::{Columns, decode};
use crate::backend::{Backend, on_pool, on_tx};
use crate::codec::{instant, micros};
use crate::{Result, Store, StoreError};

/// A mandate's standing as one line of text, `|`-separated (SQLite).
macro_rules! standing_line {
    () => {
        "id || '|' || domain || '|' || mandator || '|' || mandatee || '|' || base_status || '|' || \
         COALESCE(types, '') || '|' || COALESCE(valid_from, '') || '|' || COALESCE(valid_until, '') || '|' || \
         COALESCE(closed_at, '') || '|' || COALESCE(lapses_at, '') || '|' || COALESCE(awaiting, '')"
    };
}

/// A page of standings after a rowid: the last rowid, and one line each.
const SQLITE_STANDING_PAGE: &str = concat!(
    "SELECT max(rowid) AS last, group_concat(line, char(10)) AS page FROM ( SELECT rowid, ",
    standing_line!(),
    " AS line FROM mandates WHERE rowid > $1 AND base_status IN ('pending', 'active', 'stopped') ORDER BY rowid LIMIT CAST($2 AS BIGINT))"
);

/// The standings of the mandates whose ids are in the JSON array `$1`, one line each.
const SQLITE_STANDINGS_OF: &str = concat!(
    "SELECT group_concat(",
    standing_line!(),
    ", char(10)) AS page FROM mandates WHERE id IN (SELECT value FROM json_each($1))"
);

const STANDING_COLUMNS: &str = "m.id, m.domain, m.mandator, m.mandatee, m.base_status, m.types, m.valid_from, m.valid_until, m.closed_at, m.lapses_at, m.awaiting";

impl Store {
    /// The standing of every mandate that can answer a check (pending, active, stopped),
    /// handed to `each` in batches as they are read.
    pub async fn for_each_standing(
        &self,
        batch: usize,
        mut each: impl FnMut(Vec<Standing>),
    ) -> Result<u64> {
        let mut count = 0;
        match &self.backend {
            // SQLite hands rows one by one from its own thread: a page of mandates travels
            // as one row of text lines, in table order.
            Backend::Sqlite { read, .. } => {
                let mut after: i64 = 0;
                loop {
                    let row = sqlx::query(SQLITE_STANDING_PAGE)
                        .bind(after)
                        .bind(i64::try_from(batch).unwrap_or(i64::MAX))
                        .fetch_one(read)
                        .await?;
                    let Some(last) = row.try_get::<Option<i64>, _>("last")? else {
                        break;
                    };
                    after = last;
                    let page: String = row.try_get("page")?;
                    let standings = page
                        .split('\n')
                        .map(standing_of_line)
                        .collect::<Result<Vec<_>>>()?;
                    count += standings.len() as u64;
                    each(standings);
                }
            }
            Backend::Postgres(pool) => {
                let mut buffer = Vec::with_capacity(batch);
                let mut rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT {STANDING_COLUMNS} FROM mandates m WHERE m.base_status IN ('pending', 'active', 'stopped')"
                )))
                .fetch(pool);
                while let Some(row) = rows.try_next().await? {
                    buffer.push(standing_of_row(&row)?);
                    if buffer.len() == batch {
                        count += buffer.len() as u64;
                        each(std::mem::replace(&mut buffer, Vec::with_capacity(batch)));
                    }
                }
                count += buffer.len() as u64;
                each(buffer);
            }
        }
        Ok(count)
    }

    /// The standings of these mandates, whatever their status (those not found are left out).
    pub async fn standings_of(&self, ids: &[Uuid]) -> Result<Vec<Standing>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<String> = ids.iter().map(Uuid::to_string).collect();
        match &self.backend {
            Backend::Sqlite { read, .. } => {
                let list =
                    serde_json::to_string(&ids).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                let page: Option<String> = sqlx::query_scalar(SQLITE_STANDINGS_OF)
                    .bind(list)
                    .fetch_one(read)
                    .await?;
                page.as_deref().map_or(Ok(Vec::new()), |p| {
                    p.split('\n').map(standing_of_line).collect()
                })
            }
            // One look-up of the primary key an id, whatever the planner believes of the table.
            Backend::Postgres(pool) => {
                let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT {STANDING_COLUMNS} FROM UNNEST($1::TEXT[]) AS w (id) JOIN mandates m ON m.id = w.id"
                )))
                .bind(ids)
                .fetch_all(pool)
                .await?;
                rows.iter().map(standing_of_row).collect()
            }
        }
    }

    /// Fills the standing columns of rows written before they existed, from their documents.
    pub(crate) async fn fill_standing_columns(&self) -> Result<u64> {
        let mut filled = 0;
        loop {
            let docs: Vec<String> = on_pool!(self, pool => {
                sqlx::query("SELECT doc FROM mandates WHERE types IS NULL LIMIT 1000")
                    .fetch_all(pool)
                    .await?
                    .iter()
                    .map(|r| r.try_get::<String, _>("doc"))
                    .collect::<std::result::Result<_, _>>()?
            });
            if docs.is_empty() {
                return Ok(filled);
            }
            let mut tx = self.begin_unlocked().await?;
            for doc in &docs {
                let m = decode(doc)?;
                let row = Columns::of(&m)?;
                on_tx!(tx, c => {
                    sqlx::query(
                        "UPDATE mandates SET types = $2, valid_from = $3, valid_until = $4, closed_at = $5, awaiting = $6 WHERE id = $1",
                    )
                    .bind(&row.id)
                    .bind(&row.types)
                    .bind(&row.valid_from)
                    .bind(&row.valid_until)
                    .bind(m.closed_at.map(micros))
                    .bind(row.awaiting)
                    .execute(&mut *c)
                    .await?;
                });
            }
            tx.commit().await?;
            filled += docs.len() as u64;
        }
    }
}

/// A standing from a line of [`SQLITE_STANDING_PAGE`].
fn standing_of_line(line: &str) -> Result<Standing> {
    let f: Vec<&str> = line.split('|').collect();
    let [
        id,
        domain,
        mandator,
        mandatee,
        status,
        types,
        from,
        until,
        closed,
        lapses,
        awaiting,
    ] = f[..]
    else {
        return Err(StoreError::Corrupt(format!("standing line {line:?}")));
    };
    fn text(s: &str) -> Option<&str> {
        (!s.is_empty()).then_some(s)
    }
    let number = |s: &str| -> Result<Option<i64>> {
        (!s.is_empty())
            .then(|| {
                s.parse::<i64>()
                    .map_err(|_| StoreError::Corrupt(format!("instant {s:?}")))
            })
            .transpose()
    };
    standing_of(
        id,
        domain,
        [mandator, mandatee],
        status,
        types,
        [text(from), text(until)],
        [number(closed)?, number(lapses)?],
        text(awaiting),
    )
}

/// A standing from a row of [`STANDING_COLUMNS`] (PostgreSQL).
fn standing_of_row(row: &sqlx::postgres::PgRow) -> Result<Standing> {
    standing_of(
        row.try_get("id")?,
        row.try_get("domain")?,
        [row.try_get("mandator")?, row.try_get("mandatee")?],
        row.try_get("base_status")?,
        row.try_get::<Option<&str>, _>("types")?.unwrap_or_default(),
        [row.try_get("valid_from")?, row.try_get("valid_until")?],
        [row.try_get("closed_at")?, row.try_get("lapses_at")?],
        row.try_get("awaiting")?,
    )
}

#[expect(clippy::too_many_arguments, reason = "one argument a column")]
fn standing_of(
    id: &str,
    domain: &str,
    [mandator, mandatee]: [&str; 2],
    status: &str,
    types: &str,
    [valid_from, valid_until]: [Option<&str>; 2],
    [closed_at, lapses_at]: [Option<i64>; 2],
    awaiting: Option<&str>,
) -> Result<Standing> {
    let corrupt =
        |what: &str, value: &str| StoreError::Corrupt(format!("mandate {id}: {what} {value:?}"));
    let party = |s: &str| Party::parse(s).map_err(|_| corrupt("party", s));
    let date = |s: &str| s.parse::<NaiveDate>().map_err(|_| corrupt("date", s));
    Ok(Standing {
        id: Uuid::parse_str(id).map_err(|_| corrupt("id", id))?,
        terms: Terms {
            domain: domain.to_owned(),
            types: types
                .split(',')
                .filter(|t| !t.is_empty())
                .map(str::to_owned)
                .collect(),
            mandator: party(mandator)?,
            mandatee: party(mandatee)?,
            valid_from: date(valid_from.unwrap_or_default())?,
            valid_until: valid_until.map(date).transpose()?,
        },
        status: BaseStatus::parse(status).ok_or_else(|| corrupt("status", status))?,
        closed_at: closed_at.map(instant).transpose()?,
        lapses_at: lapses_at.map(instant).transpose()?,
        awaiting: awaiting
            .map(|a| Side::parse(a).ok_or_else(|| corrupt("awaiting", a)))
            .transpose()?,
    })
}
