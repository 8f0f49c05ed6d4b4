//! Current state of mandates: one row each, its document beside the columns we search on.
//!
//! - this file: the documents, read and written by id, between pairs of parties, and the
//!   signed mandates of a domain;
//! - `list.rs`: one party's mandates, filtered and paged;
//! - `standing.rs`: the standings the in-memory index is built from, read without the
//!   documents.

pub(crate) mod list;
mod standing;

use std::collections::BTreeSet;

use mandates_domain::Party;
use mandates_domain::mandate::{Mandate, Side};
use sqlx::Row;
use uuid::Uuid;

use crate::backend::{Backend, on_pool, on_tx};
use crate::codec::{from_json, micros, to_json};
use crate::{Result, Store, StoreError, WriteTx};

/// A value with the row version it was read at.
#[derive(Debug, Clone)]
pub struct Versioned<T> {
    pub value: T,
    pub row_version: i64,
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
            sql.push(format_args!(" ORDER BY id LIMIT {limit}"));
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
                         change_lapses_at = $12, row_version = row_version + 1 \
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
                    .bind(row.change_lapses_at)
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
        // 16 values a row: 1000 rows stay under both databases' limits on bound values.
        for chunk in mandates.chunks(1000) {
            let rows = chunk.iter().map(Columns::of).collect::<Result<Vec<_>>>()?;
            inserted += on_tx!(self, c => {
                let mut insert = sqlx::QueryBuilder::new(
                    "INSERT INTO mandates (id, domain, mandator, mandatee, initiator, base_status, created_at, lapses_at, ends_at, \
                     row_version, doc, types, valid_from, valid_until, closed_at, awaiting, change_lapses_at) ",
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
                        .push_bind(row.awaiting)
                        .push_bind(row.change_lapses_at);
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
    /// The deadline of a proposed change of terms.
    change_lapses_at: Option<i64>,
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
            change_lapses_at: m.proposal.as_ref().map(|p| micros(p.lapses_at)),
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
