//! The access log: every check and list answer, readable by the mandators concerned.

use std::collections::BTreeSet;

use mandates_domain::time::Instant;
use sqlx::Row;

use crate::backend::on_pool;
use crate::codec::{instant, micros};
use crate::{Result, Store};

/// One answer given to a business application.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AccessEntry {
    pub id: String,
    pub at: Instant,
    pub client_id: String,
    /// The application's name.
    pub client: String,
    pub domain: String,
    /// `check` or `list`.
    pub kind: String,
    /// The person who wanted to act.
    pub actor: String,
    /// For whom (absent for a list answer that named nobody).
    pub mandator: Option<String>,
    pub type_code: Option<String>,
    pub allowed: bool,
    pub reason: Option<String>,
    pub mandate_id: Option<String>,
}

impl Store {
    /// Writes entries in one transaction, many rows per statement; entries already written
    /// (same id) are skipped.
    pub async fn append_access_log(&self, entries: &[AccessEntry]) -> Result<()> {
        if entries.is_empty() {
            return Ok(());
        }
        let mut tx = self.begin_unlocked().await?;
        // 12 values a row: 400 rows stay under both databases' limits on bound values.
        for chunk in entries.chunks(400) {
            crate::backend::on_tx!(tx, c => {
                let mut insert = sqlx::QueryBuilder::new(
                    "INSERT INTO access_log (id, at, client_id, client, domain, kind, actor, mandator, type_code, allowed, reason, mandate_id) ",
                );
                insert.push_values(chunk, |mut row, e| {
                    row.push_bind(&e.id)
                        .push_bind(micros(e.at))
                        .push_bind(&e.client_id)
                        .push_bind(&e.client)
                        .push_bind(&e.domain)
                        .push_bind(&e.kind)
                        .push_bind(&e.actor)
                        .push_bind(&e.mandator)
                        .push_bind(&e.type_code)
                        .push_bind(i64::from(e.allowed))
                        .push_bind(&e.reason)
                        .push_bind(&e.mandate_id);
                });
                insert.push(" ON CONFLICT (id) DO NOTHING");
                insert.build().execute(&mut *c).await?;
            });
        }
        tx.commit().await
    }

    /// How many entries the log holds.
    pub async fn access_log_count(&self) -> Result<i64> {
        on_pool!(self, pool => {
            Ok(sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM access_log")
                .fetch_one(pool)
                .await?)
        })
    }

    /// Who checked what about a mandator, newest first: entries of `domains` (all when
    /// `None`), after the position `after` (the instant and id of the last entry seen: two
    /// entries may share an instant, never an id).
    pub async fn access_log_of(
        &self,
        mandator: &str,
        domains: Option<&BTreeSet<String>>,
        after: Option<(Instant, &str)>,
        limit: i64,
    ) -> Result<Vec<AccessEntry>> {
        on_pool!(self, pool => {
            let mut sql = sqlx::QueryBuilder::new(
                "SELECT id, at, client_id, client, domain, kind, actor, mandator, type_code, allowed, reason, mandate_id FROM access_log WHERE mandator = ",
            );
            sql.push_bind(mandator.to_owned());
            if let Some(domains) = domains {
                sql.push(" AND domain IN (''");
                for d in domains {
                    sql.push(", ").push_bind(d.clone());
                }
                sql.push(")");
            }
            if let Some((at, id)) = after {
                let at = micros(at);
                sql.push(" AND (at < ")
                    .push_bind(at)
                    .push(" OR (at = ")
                    .push_bind(at)
                    .push(" AND id < ")
                    .push_bind(id.to_owned())
                    .push("))");
            }
            sql.push(format_args!(" ORDER BY at DESC, id DESC LIMIT {limit}"));
            let rows = sql.build().persistent(false).fetch_all(pool).await?;
            rows.iter()
                .map(|r| {
                    Ok(AccessEntry {
                        id: r.try_get("id")?,
                        at: instant(r.try_get("at")?)?,
                        client_id: r.try_get("client_id")?,
                        client: r.try_get("client")?,
                        domain: r.try_get("domain")?,
                        kind: r.try_get("kind")?,
                        actor: r.try_get("actor")?,
                        mandator: r.try_get("mandator")?,
                        type_code: r.try_get("type_code")?,
                        allowed: r.try_get::<i64, _>("allowed")? != 0,
                        reason: r.try_get("reason")?,
                        mandate_id: r.try_get("mandate_id")?,
                    })
                })
                .collect()
        })
    }
}
