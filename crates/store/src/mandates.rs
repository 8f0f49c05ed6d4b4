//! Current state of mandates: one row each, its document beside the columns we search on.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use futures_util::TryStreamExt;
use mandates_domain::Party;
use mandates_domain::access::ReadScope;
use mandates_domain::mandate::{BaseStatus, Mandate, Side, Standing, Status, Terms};
use mandates_domain::time::{Instant, brussels_date};
use sqlx::Row;
use uuid::Uuid;

use crate::backend::{Backend, on_pool, on_tx};
use crate::codec::{from_json, instant, micros, to_json};
use crate::{Result, Store, StoreError, WriteTx};

/// A value with the row version it was read at.
#[derive(Debug, Clone)]
pub struct Versioned<T> {
    pub value: T,
    pub row_version: i64,
}

/// Which side of the caller's mandates to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoleFilter {
    Mandator,
    Mandatee,
}

/// A search in one party's mandates, newest first.
#[derive(Debug, Clone)]
pub struct MandateQuery {
    pub party: Party,
    pub role: Option<RoleFilter>,
    /// Any of these statuses (empty: any status).
    pub statuses: Vec<Status>,
    pub domain: Option<String>,
    /// Only mandates with this party on the other side.
    pub counterpart: Option<Party>,
    /// Only what the reader may see of the party's mandates.
    pub scope: ReadScope,
    /// Continue after this `(created_at, id)`.
    pub after: Option<(Instant, Uuid)>,
    pub limit: u32,
}

impl MandateQuery {
    /// Every mandate of `party` that a reader with `scope` may see, newest first.
    pub fn of(party: Party, scope: ReadScope) -> Self {
        MandateQuery {
            party,
            role: None,
            statuses: Vec::new(),
            domain: None,
            counterpart: None,
            scope,
            after: None,
            limit: 50,
        }
    }
}

/// One page of results and where the next one starts.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<(Instant, Uuid)>,
}

fn decode(doc: &str) -> Result<Mandate> {
    from_json(doc)
}

impl Store {
    /// A mandate by id, whoever may see it.
    pub async fn mandate(&self, id: Uuid) -> Result<Option<Mandate>> {
        on_pool!(self, pool => {
            let row = sqlx::query("SELECT doc FROM mandates WHERE id = $1")
                .bind(id.to_string())
                .fetch_optional(pool)
                .await?;
            row.map(|r| decode(&r.try_get::<String, _>("doc")?)).transpose()
        })
    }

    /// The mandates of these ids that exist, many a statement (in no particular order).
    pub async fn mandates_by_ids(&self, ids: &[Uuid]) -> Result<Vec<Mandate>> {
        let mut found = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(10_000) {
            let ids: Vec<String> = chunk.iter().map(Uuid::to_string).collect();
            let docs: Vec<String> = match &self.backend {
                Backend::Sqlite { read, .. } => {
                    let list = serde_json::to_string(&ids)
                        .map_err(|e| StoreError::Corrupt(e.to_string()))?;
                    sqlx::query_scalar(
                        "SELECT doc FROM mandates WHERE id IN (SELECT value FROM json_each($1))",
                    )
                    .bind(list)
                    .fetch_all(read)
                    .await?
                }
                // One look-up of the primary key an id, whatever the planner believes.
                Backend::Postgres(pool) => sqlx::query_scalar(
                    "SELECT m.doc FROM UNNEST($1::TEXT[]) AS w (id) JOIN mandates m ON m.id = w.id",
                )
                .bind(ids)
                .fetch_all(pool)
                .await?,
            };
            for doc in &docs {
                found.push(decode(doc)?);
            }
        }
        Ok(found)
    }

    /// A page of one party's mandates, with the status derived at `now`: the filters,
    /// the reader's scope and the position are all in the query, so a page is full unless
    /// it is the last.
    pub async fn list_mandates(&self, q: &MandateQuery, now: Instant) -> Result<Page<Mandate>> {
        let limit = i64::from(q.limit.clamp(1, 500));
        let rows: Vec<String> = on_pool!(self, pool => {
            let mut sql = sqlx::QueryBuilder::new("SELECT doc FROM mandates WHERE ");
            list_filter(&mut sql, q, now);
            sql.push(" ORDER BY created_at DESC, id DESC LIMIT ").push_bind(limit + 1);
            sql.build()
                .persistent(false)
                .fetch_all(pool)
                .await?
                .iter()
                .map(|r| r.try_get::<String, _>("doc"))
                .collect::<std::result::Result<_, _>>()?
        });
        let mut items = rows.iter().map(|d| decode(d)).collect::<Result<Vec<_>>>()?;
        let next = if items.len() as i64 > limit {
            items.truncate(limit as usize);
            items.last().map(|m| (m.created_at, m.id))
        } else {
            None
        };
        Ok(Page { items, next })
    }
}

/// The `WHERE` clause of a list of mandates (both backends speak this SQL).
fn list_filter<DB>(sql: &mut sqlx::QueryBuilder<DB>, q: &MandateQuery, now: Instant)
where
    DB: sqlx::Database,
    String: for<'t> sqlx::Encode<'t, DB> + sqlx::Type<DB>,
    i64: for<'t> sqlx::Encode<'t, DB> + sqlx::Type<DB>,
{
    let party = || q.party.as_str().to_owned();
    sql.push("(mandator = ")
        .push_bind(party())
        .push(" OR mandatee = ")
        .push_bind(party())
        .push(" OR (initiator = ")
        .push_bind(party())
        .push(" AND base_status = 'pending'))");
    match q.role {
        Some(RoleFilter::Mandator) => {
            sql.push(" AND mandator = ").push_bind(party());
        }
        Some(RoleFilter::Mandatee) => {
            sql.push(" AND mandatee = ").push_bind(party());
        }
        None => {}
    }
    if let Some(domain) = &q.domain {
        sql.push(" AND domain = ").push_bind(domain.clone());
    }
    if let Some(other) = &q.counterpart {
        sql.push(" AND (mandator = ")
            .push_bind(other.as_str().to_owned())
            .push(" OR mandatee = ")
            .push_bind(other.as_str().to_owned())
            .push(")");
    }
    if !q.statuses.is_empty() {
        let now_instant = now;
        let now = micros(now);
        let today = brussels_date(now_instant).to_string();
        sql.push(" AND (");
        for (i, status) in q.statuses.iter().enumerate() {
            if i > 0 {
                sql.push(" OR ");
            }
            match status {
                Status::Pending => {
                    sql.push("(base_status = 'pending' AND lapses_at > ")
                        .push_bind(now)
                        .push(")");
                }
                Status::Lapsed => {
                    sql.push("(base_status = 'pending' AND lapses_at <= ")
                        .push_bind(now)
                        .push(")");
                }
                Status::Active => {
                    sql.push("(base_status = 'active' AND (ends_at IS NULL OR ends_at > ")
                        .push_bind(now)
                        .push(") AND valid_from <= ")
                        .push_bind(today.clone())
                        .push(")");
                }
                Status::Scheduled => {
                    sql.push("(base_status = 'active' AND valid_from > ")
                        .push_bind(today.clone())
                        .push(")");
                }
                Status::Expired => {
                    sql.push("(base_status = 'active' AND ends_at <= ")
                        .push_bind(now)
                        .push(")");
                }
                Status::Rejected | Status::Withdrawn | Status::Stopped | Status::Voided => {
                    sql.push("base_status = ")
                        .push_bind(status.as_str().to_owned());
                }
            }
        }
        sql.push(")");
    }
    if let ReadScope::Windows(windows) = &q.scope {
        // No window: nothing to see.
        sql.push(" AND (1 = 0");
        for w in windows {
            sql.push(" OR (domain = ").push_bind(w.domain.clone());
            if let Some(types) = &w.held_types {
                sql.push(" AND mandatee = ")
                    .push_bind(party())
                    .push(" AND (1 = 0");
                for t in types {
                    let code = t
                        .replace('\\', "\\\\")
                        .replace('%', "\\%")
                        .replace('_', "\\_");
                    sql.push(" OR (',' || types || ',') LIKE ")
                        .push_bind(format!("%,{code},%"))
                        .push(" ESCAPE '\\'");
                }
                sql.push(")");
            }
            sql.push(")");
        }
        sql.push(")");
    }
    if let Some((at, id)) = q.after {
        let at = micros(at);
        sql.push(" AND (created_at < ")
            .push_bind(at)
            .push(" OR (created_at = ")
            .push_bind(at)
            .push(" AND id < ")
            .push_bind(id.to_string())
            .push("))");
    }
}

impl Store {
    /// A page of the signed mandates of a domain (base status active: in force, to come or
    /// expired) that one of `parties` holds on `side`, by id from `from` on (inclusive).
    pub async fn signed_mandates(
        &self,
        side: Side,
        parties: &[Party],
        domain: &str,
        from: Option<Uuid>,
        limit: i64,
    ) -> Result<Vec<Mandate>> {
        if parties.is_empty() {
            return Ok(Vec::new());
        }
        let column = match side {
            Side::Mandator => "mandator",
            Side::Mandatee => "mandatee",
        };
        on_pool!(self, pool => {
            let mut sql = sqlx::QueryBuilder::new(format!("SELECT doc FROM mandates WHERE {column} IN ("));
            let mut list = sql.separated(", ");
            for p in parties {
                list.push_bind(p.as_str().to_owned());
            }
            sql.push(") AND domain = ")
                .push_bind(domain.to_owned())
                .push(" AND base_status = 'active'");
            if let Some(from) = from {
                sql.push(" AND id >= ").push_bind(from.to_string());
            }
            sql.push(" ORDER BY id LIMIT ").push_bind(limit);
            let rows = sql.build().persistent(false).fetch_all(pool).await?;
            rows.iter().map(|r| decode(&r.try_get::<String, _>("doc")?)).collect()
        })
    }

    /// The mandates between each of these (mandator, mandatee) pairs, many pairs a statement.
    pub async fn mandates_between(&self, pairs: &[(String, String)]) -> Result<Vec<Mandate>> {
        match &self.backend {
            Backend::Postgres(pool) => between_pg(&mut *pool.acquire().await?, pairs).await,
            Backend::Sqlite { read, .. } => {
                between_sqlite(&mut *read.acquire().await?, pairs).await
            }
        }
    }
}

impl WriteTx {
    /// A mandate by id, read inside the transaction.
    pub async fn mandate(&mut self, id: Uuid) -> Result<Option<Versioned<Mandate>>> {
        on_tx!(self, c => {
            let row = sqlx::query("SELECT doc, row_version FROM mandates WHERE id = $1")
                .bind(id.to_string())
                .fetch_optional(&mut *c)
                .await?;
            row.map(|r| {
                Ok(Versioned {
                    value: decode(&r.try_get::<String, _>("doc")?)?,
                    row_version: r.try_get("row_version")?,
                })
            })
            .transpose()
        })
    }

    /// The mandates between each of these (mandator, mandatee) pairs, read under the write
    /// lock, many pairs a statement.
    pub async fn mandates_between(&mut self, pairs: &[(String, String)]) -> Result<Vec<Mandate>> {
        match &mut self.inner {
            crate::backend::TxInner::Postgres(tx) => between_pg(tx, pairs).await,
            crate::backend::TxInner::Sqlite(tx) => between_sqlite(tx, pairs).await,
        }
    }

    /// The mandator's mandates that are active (base status), for the exclusivity rule.
    pub async fn active_mandates_of_mandator(&mut self, mandator: &Party) -> Result<Vec<Mandate>> {
        on_tx!(self, c => {
            let rows = sqlx::query("SELECT doc FROM mandates WHERE mandator = $1 AND base_status = 'active'")
                .bind(mandator.as_str())
                .fetch_all(&mut *c)
                .await?;
            rows.iter().map(|r| decode(&r.try_get::<String, _>("doc")?)).collect()
        })
    }

    /// Writes a mandate; `expected` is the row version it was read at (`None`: a new one).
    /// Another write in between is a [`StoreError::Conflict`].
    pub async fn put_mandate(&mut self, m: &Mandate, expected: Option<i64>) -> Result<()> {
        let affected = match expected {
            None => self.insert_mandates(std::slice::from_ref(m)).await?,
            Some(version) => {
                let row = Columns::of(m)?;
                on_tx!(self, c => {
                    sqlx::query(
                        "UPDATE mandates SET base_status = $2, lapses_at = $3, ends_at = $4, doc = $5, \
                         types = $6, valid_from = $7, valid_until = $8, closed_at = $9, awaiting = $10, \
                         row_version = row_version + 1 \
                         WHERE id = $1 AND row_version = $11",
                    )
                    .bind(&row.id)
                    .bind(m.status.as_str())
                    .bind(m.lapses_at.map(micros))
                    .bind(row.ends_at)
                    .bind(&row.doc)
                    .bind(&row.types)
                    .bind(&row.valid_from)
                    .bind(&row.valid_until)
                    .bind(m.closed_at.map(micros))
                    .bind(row.awaiting)
                    .bind(version)
                    .execute(&mut *c)
                    .await?
                    .rows_affected()
                })
            }
        };
        if affected == 1 {
            Ok(())
        } else {
            Err(StoreError::Conflict)
        }
    }

    /// Writes new mandates, many rows per statement; one whose id exists already is a
    /// [`StoreError::Conflict`] and nothing is written.
    pub async fn put_new_mandates(&mut self, mandates: &[Mandate]) -> Result<()> {
        if self.insert_mandates(mandates).await? == mandates.len() as u64 {
            Ok(())
        } else {
            Err(StoreError::Conflict)
        }
    }

    /// Inserts the mandates whose id is new; returns how many.
    async fn insert_mandates(&mut self, mandates: &[Mandate]) -> Result<u64> {
        let mut inserted = 0;
        // 15 values a row: 1000 rows stay under both databases' limits on bound values.
        for chunk in mandates.chunks(1000) {
            let rows = chunk.iter().map(Columns::of).collect::<Result<Vec<_>>>()?;
            inserted += on_tx!(self, c => {
                let mut insert = sqlx::QueryBuilder::new(
                    "INSERT INTO mandates (id, domain, mandator, mandatee, initiator, base_status, created_at, lapses_at, ends_at, \
                     row_version, doc, types, valid_from, valid_until, closed_at, awaiting) ",
                );
                insert.push_values(chunk.iter().zip(&rows), |mut b, (m, row)| {
                    b.push_bind(&row.id)
                        .push_bind(&m.terms.domain)
                        .push_bind(m.terms.mandator.as_str())
                        .push_bind(m.terms.mandatee.as_str())
                        .push_bind(m.initiator.as_str())
                        .push_bind(m.status.as_str())
                        .push_bind(micros(m.created_at))
                        .push_bind(m.lapses_at.map(micros))
                        .push_bind(row.ends_at)
                        .push("1")
                        .push_bind(&row.doc)
                        .push_bind(&row.types)
                        .push_bind(&row.valid_from)
                        .push_bind(&row.valid_until)
                        .push_bind(m.closed_at.map(micros))
                        .push_bind(row.awaiting);
                });
                insert.push(" ON CONFLICT (id) DO NOTHING");
                insert.build().execute(&mut *c).await?.rows_affected()
            });
        }
        Ok(inserted)
    }
}

/// The columns of a mandate's row that are not plain copies of its fields.
struct Columns {
    id: String,
    doc: String,
    ends_at: Option<i64>,
    types: String,
    valid_from: String,
    valid_until: Option<String>,
    awaiting: Option<&'static str>,
}

impl Columns {
    fn of(m: &Mandate) -> Result<Columns> {
        let standing = m.standing();
        Ok(Columns {
            id: m.id.to_string(),
            doc: to_json(m)?,
            ends_at: m.terms.period().1.map(micros),
            types: join_types(&m.terms.types),
            valid_from: m.terms.valid_from.to_string(),
            valid_until: m.terms.valid_until.map(|d| d.to_string()),
            awaiting: standing.awaiting.map(Side::as_str),
        })
    }
}

fn join_types(types: &BTreeSet<String>) -> String {
    types
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(",")
}

/// [`Store::mandates_between`] on PostgreSQL: one look-up of the pair index a pair, whatever
/// the planner believes of the table (lists of values would read every mandate of a mandator
/// with many, as the table grows during a bulk job faster than its statistics).
async fn between_pg(
    c: &mut sqlx::PgConnection,
    pairs: &[(String, String)],
) -> Result<Vec<Mandate>> {
    let mut found = Vec::new();
    for chunk in pairs.chunks(10_000) {
        let (mandators, mandatees): (Vec<&str>, Vec<&str>) =
            chunk.iter().map(|(a, b)| (a.as_str(), b.as_str())).unzip();
        let rows = sqlx::query(
            "SELECT m.doc FROM UNNEST($1::TEXT[], $2::TEXT[]) AS p (mandator, mandatee) \
             JOIN mandates m ON m.mandator = p.mandator AND m.mandatee = p.mandatee",
        )
        .bind(mandators)
        .bind(mandatees)
        .fetch_all(&mut *c)
        .await?;
        for r in &rows {
            found.push(decode(r.try_get("doc")?)?);
        }
    }
    Ok(found)
}

/// [`Store::mandates_between`] on SQLite, whose planner reads both lists through the pair
/// index.
async fn between_sqlite(
    c: &mut sqlx::SqliteConnection,
    pairs: &[(String, String)],
) -> Result<Vec<Mandate>> {
    let wanted: std::collections::HashSet<(&str, &str)> = pairs
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let mut found = Vec::new();
    // Up to 2 values a pair: 1000 pairs stay under SQLite's limit.
    for chunk in pairs.chunks(1000) {
        let mandators: BTreeSet<&str> = chunk.iter().map(|(a, _)| a.as_str()).collect();
        let mandatees: BTreeSet<&str> = chunk.iter().map(|(_, b)| b.as_str()).collect();
        let mut query = sqlx::QueryBuilder::new(
            "SELECT mandator, mandatee, doc FROM mandates WHERE mandator IN (",
        );
        let mut list = query.separated(", ");
        for m in &mandators {
            list.push_bind(*m);
        }
        query.push(") AND mandatee IN (");
        let mut list = query.separated(", ");
        for m in &mandatees {
            list.push_bind(*m);
        }
        query.push(")");
        // Not kept as a prepared statement: each size of list is a statement of its own.
        for r in query.build().persistent(false).fetch_all(&mut *c).await? {
            let mandator: &str = r.try_get("mandator")?;
            let mandatee: &str = r.try_get("mandatee")?;
            if wanted.contains(&(mandator, mandatee)) {
                found.push(decode(r.try_get("doc")?)?);
            }
        }
    }
    Ok(found)
}

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
    " AS line FROM mandates WHERE rowid > $1 AND base_status IN ('pending', 'active', 'stopped') ORDER BY rowid LIMIT $2)"
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
