//! Current state of mandates: one row each, its document beside the columns we search on.

use mandates_domain::Party;
use mandates_domain::mandate::{Mandate, Status};
use mandates_domain::time::Instant;
use sqlx::Row;
use uuid::Uuid;

use crate::backend::{on_pool, on_tx};
use crate::codec::{from_json, micros, to_json};
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
    pub status: Option<Status>,
    pub domain: Option<String>,
    /// Continue after this `(created_at, id)`.
    pub after: Option<(Instant, Uuid)>,
    pub limit: u32,
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

const LIST_SQL: &str = "SELECT doc FROM mandates \
     WHERE (mandator = $1 OR mandatee = $1 OR (initiator = $1 AND base_status = 'pending')) \
       AND (CAST($2 AS TEXT) IS NULL OR ($2 = 'mandator' AND mandator = $1) OR ($2 = 'mandatee' AND mandatee = $1)) \
       AND (CAST($3 AS TEXT) IS NULL OR domain = $3) \
       AND (CAST($4 AS TEXT) IS NULL \
            OR ($4 = 'pending' AND base_status = 'pending' AND lapses_at > $5) \
            OR ($4 = 'lapsed' AND base_status = 'pending' AND lapses_at <= $5) \
            OR ($4 = 'active' AND base_status = 'active' AND (ends_at IS NULL OR ends_at > $5)) \
            OR ($4 = 'expired' AND base_status = 'active' AND ends_at <= $5) \
            OR ($4 IN ('rejected', 'withdrawn', 'stopped') AND base_status = $4)) \
       AND (CAST($6 AS BIGINT) IS NULL OR created_at < $6 OR (created_at = $6 AND id < $7)) \
     ORDER BY created_at DESC, id DESC LIMIT $8";

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

    /// A page of one party's mandates, with the status derived at `now`.
    pub async fn list_mandates(&self, q: &MandateQuery, now: Instant) -> Result<Page<Mandate>> {
        let role = q.role.map(|r| match r {
            RoleFilter::Mandator => "mandator",
            RoleFilter::Mandatee => "mandatee",
        });
        let limit = i64::from(q.limit.clamp(1, 500));
        let rows: Vec<String> = on_pool!(self, pool => {
            sqlx::query(LIST_SQL)
                .bind(q.party.as_str())
                .bind(role)
                .bind(q.domain.as_deref())
                .bind(q.status.map(|s| s.as_str()))
                .bind(micros(now))
                .bind(q.after.map(|(t, _)| micros(t)))
                .bind(q.after.map(|(_, id)| id.to_string()))
                .bind(limit + 1)
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

impl Store {
    /// Every mandate, in pages ordered by id (to build the index).
    pub async fn mandates_after(&self, after: Option<Uuid>, limit: i64) -> Result<Vec<Mandate>> {
        on_pool!(self, pool => {
            let rows = sqlx::query("SELECT doc FROM mandates WHERE (CAST($1 AS TEXT) IS NULL OR id > $1) ORDER BY id LIMIT $2")
                .bind(after.map(|a| a.to_string()))
                .bind(limit)
                .fetch_all(pool)
                .await?;
            rows.iter().map(|r| decode(&r.try_get::<String, _>("doc")?)).collect()
        })
    }

    /// The active mandates a party holds as mandatee in a domain (to list for whom it acts).
    pub async fn active_mandates_to(&self, mandatee: &Party, domain: &str) -> Result<Vec<Mandate>> {
        on_pool!(self, pool => {
            let rows = sqlx::query("SELECT doc FROM mandates WHERE mandatee = $1 AND domain = $2 AND base_status = 'active' ORDER BY mandator, id")
                .bind(mandatee.as_str())
                .bind(domain)
                .fetch_all(pool)
                .await?;
            rows.iter().map(|r| decode(&r.try_get::<String, _>("doc")?)).collect()
        })
    }

    /// The mandator's mandates to any of these mandatees (for answers from history).
    pub async fn mandates_from_to(
        &self,
        mandator: &Party,
        mandatees: &[String],
    ) -> Result<Vec<Mandate>> {
        let mut found = Vec::new();
        for mandatee in mandatees {
            let docs: Vec<String> = on_pool!(self, pool => {
                sqlx::query("SELECT doc FROM mandates WHERE mandator = $1 AND mandatee = $2")
                    .bind(mandator.as_str())
                    .bind(mandatee)
                    .fetch_all(pool)
                    .await?
                    .iter()
                    .map(|r| r.try_get::<String, _>("doc"))
                    .collect::<std::result::Result<_, _>>()?
            });
            for d in docs {
                found.push(decode(&d)?);
            }
        }
        Ok(found)
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
        let doc = to_json(m)?;
        let (_, ends_at) = m.terms.period();
        let id = m.id.to_string();
        let affected = on_tx!(self, c => {
            match expected {
                None => sqlx::query(
                    "INSERT INTO mandates (id, domain, mandator, mandatee, initiator, base_status, created_at, lapses_at, ends_at, row_version, doc) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1, $10) ON CONFLICT (id) DO NOTHING",
                )
                .bind(&id)
                .bind(&m.terms.domain)
                .bind(m.terms.mandator.as_str())
                .bind(m.terms.mandatee.as_str())
                .bind(m.initiator.as_str())
                .bind(m.status.as_str())
                .bind(micros(m.created_at))
                .bind(m.lapses_at.map(micros))
                .bind(ends_at.map(micros))
                .bind(&doc)
                .execute(&mut *c)
                .await?
                .rows_affected(),
                Some(version) => sqlx::query(
                    "UPDATE mandates SET base_status = $2, lapses_at = $3, ends_at = $4, doc = $5, row_version = row_version + 1 \
                     WHERE id = $1 AND row_version = $6",
                )
                .bind(&id)
                .bind(m.status.as_str())
                .bind(m.lapses_at.map(micros))
                .bind(ends_at.map(micros))
                .bind(&doc)
                .bind(version)
                .execute(&mut *c)
                .await?
                .rows_affected(),
            }
        });
        if affected == 1 {
            Ok(())
        } else {
            Err(StoreError::Conflict)
        }
    }
}
