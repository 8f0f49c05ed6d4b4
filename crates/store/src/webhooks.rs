//! Webhook subscriptions of business applications, and the cursor of each: the sequence
//! of the last event fanned out to the outbox for it.
//!
//! The fan-out locks the subscriptions it serves in its own transaction, writes their
//! deliveries and moves their cursors in that same transaction: an event becomes one
//! delivery per subscription exactly once, however many instances fan out side by side
//! (on PostgreSQL each takes the subscriptions the others have not locked; on SQLite one
//! process writes).

use mandates_domain::time::Instant;
use sqlx::Row;
use uuid::Uuid;

use crate::backend::{TxInner, on_pool, on_tx};
use crate::codec::{from_json, instant, micros, to_json};
use crate::{Result, Store, StoreError, WriteTx};

/// Where a business application wants its events sent.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Subscription {
    pub id: Uuid,
    pub client_id: String,
    /// An `https` address (any address only where the configuration allows).
    pub url: String,
    /// CloudEvent types; empty: all the application may see.
    pub types: Vec<String>,
    /// `whsec_` and the base64 of the key the deliveries are signed with. A secret: never
    /// logged, shown once when the subscription is made.
    #[serde(skip)]
    pub secret: String,
    /// The sequence of the last event fanned out for it.
    pub cursor: i64,
    pub created_at: Instant,
    pub disabled_at: Option<Instant>,
}

const COLUMNS: &str = "id, client_id, url, types, secret, cursor, created_at, disabled_at";

macro_rules! decode_subscription {
    ($r:expr) => {{
        let r = $r;
        let id: String = r.try_get("id")?;
        Ok::<_, StoreError>(Subscription {
            id: Uuid::parse_str(&id)
                .map_err(|e| StoreError::Corrupt(format!("subscription id: {e}")))?,
            client_id: r.try_get("client_id")?,
            url: r.try_get("url")?,
            types: from_json(&r.try_get::<String, _>("types")?)?,
            secret: r.try_get("secret")?,
            cursor: r.try_get("cursor")?,
            created_at: instant(r.try_get("created_at")?)?,
            disabled_at: r
                .try_get::<Option<i64>, _>("disabled_at")?
                .map(instant)
                .transpose()?,
        })
    }};
}

impl Store {
    /// The subscriptions in service, of one application or of all, oldest first.
    pub async fn webhooks(&self, client_id: Option<&str>) -> Result<Vec<Subscription>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM webhook_subscriptions \
             WHERE disabled_at IS NULL AND ($1 IS NULL OR client_id = $1) \
             ORDER BY created_at, id"
        );
        on_pool!(self, pool => {
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(client_id)
                .fetch_all(pool)
                .await?;
            rows.iter().map(|r| decode_subscription!(r)).collect()
        })
    }

    /// Whether a webhook dispatcher has anything to do at `now`: a subscription in service
    /// whose cursor is behind `last`, or a webhook delivery due. Read only: instances ask it
    /// often, and write only when there is work.
    pub async fn webhook_work(&self, last: i64, now: Instant) -> Result<bool> {
        on_pool!(self, pool => {
            let work: i64 = sqlx::query(
                "SELECT CAST(CASE WHEN EXISTS (SELECT 1 FROM webhook_subscriptions                    WHERE disabled_at IS NULL AND cursor < $1)                  OR EXISTS (SELECT 1 FROM deliveries WHERE channel = 'webhook'                    AND status = 'pending' AND due_at <= $2) THEN 1 ELSE 0 END AS BIGINT) AS work",
            )
            .bind(last)
            .bind(micros(now))
            .fetch_one(pool)
            .await?
            .try_get("work")?;
            Ok(work == 1)
        })
    }

    /// A subscription by id, in service or not.
    pub async fn webhook(&self, id: Uuid) -> Result<Option<Subscription>> {
        let sql = format!("SELECT {COLUMNS} FROM webhook_subscriptions WHERE id = $1");
        on_pool!(self, pool => {
            let row = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(id.to_string())
                .fetch_optional(pool)
                .await?;
            row.map(|r| decode_subscription!(r)).transpose()
        })
    }

    /// Takes a subscription out of service (of this application only, when named); `false`
    /// when there is no such subscription in service.
    pub async fn disable_webhook(
        &self,
        id: Uuid,
        client_id: Option<&str>,
        at: Instant,
    ) -> Result<bool> {
        let mut tx = self.begin_unlocked().await?;
        let done = on_tx!(tx, c => {
            sqlx::query(
                "UPDATE webhook_subscriptions SET disabled_at = $1 \
                 WHERE id = $2 AND disabled_at IS NULL AND ($3 IS NULL OR client_id = $3)",
            )
            .bind(micros(at))
            .bind(id.to_string())
            .bind(client_id)
            .execute(&mut *c)
            .await?
            .rows_affected()
        });
        tx.commit().await?;
        Ok(done == 1)
    }
}

impl WriteTx {
    pub async fn add_webhook(&mut self, s: &Subscription) -> Result<()> {
        let types = to_json(&s.types)?;
        on_tx!(self, c => {
            sqlx::query(
                "INSERT INTO webhook_subscriptions (id, client_id, url, types, secret, cursor, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(s.id.to_string())
            .bind(&s.client_id)
            .bind(&s.url)
            .bind(&types)
            .bind(&s.secret)
            .bind(s.cursor)
            .bind(micros(s.created_at))
            .execute(&mut *c)
            .await?;
        });
        Ok(())
    }

    /// Locks up to `limit` subscriptions in service whose cursor is behind `last`, those
    /// furthest behind first, for the rest of the transaction. On PostgreSQL subscriptions
    /// another transaction holds are skipped, not waited for.
    pub async fn lock_webhooks_behind(
        &mut self,
        last: i64,
        limit: i64,
    ) -> Result<Vec<Subscription>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM webhook_subscriptions \
             WHERE disabled_at IS NULL AND cursor < $1 ORDER BY cursor, id LIMIT CAST($2 AS BIGINT)"
        );
        match &mut self.inner {
            TxInner::Sqlite(c) => {
                // The transaction holds SQLite's one writer already.
                let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(last)
                    .bind(limit)
                    .fetch_all(&mut **c)
                    .await?;
                rows.iter().map(|r| decode_subscription!(r)).collect()
            }
            TxInner::Postgres(c) => {
                let rows =
                    sqlx::query(sqlx::AssertSqlSafe(format!("{sql} FOR UPDATE SKIP LOCKED")))
                        .bind(last)
                        .bind(limit)
                        .fetch_all(&mut **c)
                        .await?;
                rows.iter().map(|r| decode_subscription!(r)).collect()
            }
        }
    }

    /// Moves a subscription's cursor (only forward).
    pub async fn set_webhook_cursor(&mut self, id: Uuid, cursor: i64) -> Result<()> {
        on_tx!(self, c => {
            sqlx::query(
                "UPDATE webhook_subscriptions SET cursor = $1 WHERE id = $2 AND cursor < $1",
            )
            .bind(cursor)
            .bind(id.to_string())
            .execute(&mut *c)
            .await?;
        });
        Ok(())
    }
}
