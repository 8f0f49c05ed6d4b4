//! The outbox: messages that must leave the service (mails, webhooks), written in the
//! transaction of the change that causes them and delivered at least once by a dispatcher.
//!
//! A dispatcher leases due rows for a while; only the holder of a lease may mark the row
//! delivered, to retry or failed. An instance killed mid-delivery leaves its rows leased
//! until the lease runs out; then any instance claims them again (at least once: a receiver
//! drops a duplicate by the row's id). On PostgreSQL several instances claim side by side
//! without waiting for each other's rows (`FOR UPDATE SKIP LOCKED`); on SQLite one process
//! writes.

use chrono::Duration;
use mandates_domain::time::Instant;
use sqlx::Row;
use uuid::Uuid;

use crate::backend::{Backend, on_pool, on_tx};
use crate::codec::{from_json, instant, micros, to_json};
use crate::{Result, Store, StoreError, WriteTx};

/// How a message leaves the service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Mail,
    Webhook,
}

impl Channel {
    pub const ALL: [Channel; 2] = [Channel::Mail, Channel::Webhook];

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Mail => "mail",
            Channel::Webhook => "webhook",
        }
    }

    pub fn parse(s: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Not delivered yet: due at `due_at` (again, after a failed attempt).
    Pending,
    Delivered,
    /// Failed after its last retry; `last_error` says why.
    Failed,
    /// No longer holds (a reminder for a mandate that changed since, a person who stopped
    /// mails): not sent, on purpose.
    Dropped,
}

impl DeliveryStatus {
    pub const ALL: [DeliveryStatus; 4] = [
        DeliveryStatus::Pending,
        DeliveryStatus::Delivered,
        DeliveryStatus::Failed,
        DeliveryStatus::Dropped,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Delivered => "delivered",
            DeliveryStatus::Failed => "failed",
            DeliveryStatus::Dropped => "dropped",
        }
    }

    pub fn parse(s: &str) -> Option<DeliveryStatus> {
        DeliveryStatus::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// A message to deliver.
#[derive(Debug, Clone)]
pub struct NewDelivery {
    /// The stable id by which a receiver drops a duplicate.
    pub id: Uuid,
    pub channel: Channel,
    /// Who or what receives it: for a mail, whom it is for; for a webhook, the subscription.
    pub target: String,
    /// The event it delivers, if it delivers one.
    pub seq: Option<i64>,
    pub payload: serde_json::Value,
    pub due_at: Instant,
}

/// A message as the outbox holds it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Delivery {
    pub id: Uuid,
    pub channel: Channel,
    pub target: String,
    pub seq: Option<i64>,
    pub payload: serde_json::Value,
    pub status: DeliveryStatus,
    /// Attempts that failed so far.
    pub attempts: i32,
    pub created_at: Instant,
    pub due_at: Instant,
    pub last_error: Option<String>,
    pub done_at: Option<Instant>,
}

const COLUMNS: &str =
    "id, channel, target, seq, payload, status, attempts, created_at, due_at, last_error, done_at";

fn decode(row: &impl DeliveryRow) -> Result<Delivery> {
    let channel: String = row.text("channel")?;
    let status: String = row.text("status")?;
    let id: String = row.text("id")?;
    Ok(Delivery {
        id: Uuid::parse_str(&id).map_err(|e| StoreError::Corrupt(format!("delivery id: {e}")))?,
        channel: Channel::parse(&channel)
            .ok_or_else(|| StoreError::Corrupt(format!("unknown channel {channel}")))?,
        target: row.text("target")?,
        seq: row.opt_int("seq")?,
        payload: from_json(&row.text("payload")?)?,
        status: DeliveryStatus::parse(&status)
            .ok_or_else(|| StoreError::Corrupt(format!("unknown delivery status {status}")))?,
        attempts: i32::try_from(row.int("attempts")?).unwrap_or(i32::MAX),
        created_at: instant(row.int("created_at")?)?,
        due_at: instant(row.int("due_at")?)?,
        last_error: row.opt_text("last_error")?,
        done_at: row.opt_int("done_at")?.map(instant).transpose()?,
    })
}

/// The columns of a delivery, read the same way from either backend's rows.
trait DeliveryRow {
    fn text(&self, c: &str) -> Result<String>;
    fn opt_text(&self, c: &str) -> Result<Option<String>>;
    fn int(&self, c: &str) -> Result<i64>;
    fn opt_int(&self, c: &str) -> Result<Option<i64>>;
}

macro_rules! delivery_row {
    ($row:ty) => {
        impl DeliveryRow for $row {
            fn text(&self, c: &str) -> Result<String> {
                Ok(self.try_get(c)?)
            }
            fn opt_text(&self, c: &str) -> Result<Option<String>> {
                Ok(self.try_get(c)?)
            }
            fn int(&self, c: &str) -> Result<i64> {
                Ok(self.try_get(c)?)
            }
            fn opt_int(&self, c: &str) -> Result<Option<i64>> {
                Ok(self.try_get(c)?)
            }
        }
    };
}
delivery_row!(sqlx::sqlite::SqliteRow);
delivery_row!(sqlx::postgres::PgRow);

/// The start of an insert of new deliveries, whose rows [`push_deliveries`] adds.
pub(crate) const DELIVERY_INSERT: &str = "INSERT INTO deliveries (id, channel, target, seq, payload, status, attempts, created_at, due_at) ";

/// Adds the rows of new deliveries (`$rows`, with their payloads as JSON text) to an insert
/// begun with [`DELIVERY_INSERT`]: 9 values a row.
macro_rules! push_deliveries {
    ($insert:expr, $rows:expr, $payloads:expr) => {
        $insert.push_values($rows.iter().zip($payloads), |mut row, (d, payload)| {
            row.push_bind(d.id.to_string())
                .push_bind(d.channel.as_str())
                .push_bind(&d.target)
                .push_bind(d.seq)
                .push_bind(payload)
                .push_bind($crate::outbox::DeliveryStatus::Pending.as_str())
                .push_bind(0_i64)
                .push_bind($crate::codec::micros(d.due_at))
                .push_bind($crate::codec::micros(d.due_at));
        })
    };
}
pub(crate) use push_deliveries;

impl WriteTx {
    /// Adds messages to the outbox in the transaction of the change that causes them, many
    /// rows per statement.
    pub async fn add_deliveries(&mut self, deliveries: &[NewDelivery]) -> Result<()> {
        // 9 values a row: 1000 rows stay under both databases' limits on bound values.
        for chunk in deliveries.chunks(1000) {
            let payloads = chunk
                .iter()
                .map(|d| to_json(&d.payload))
                .collect::<Result<Vec<_>>>()?;
            on_tx!(self, c => {
                let mut insert = sqlx::QueryBuilder::new(DELIVERY_INSERT);
                push_deliveries!(insert, chunk, &payloads);
                insert.build().execute(&mut *c).await?;
            });
        }
        Ok(())
    }
}

/// How an attempt at a leased delivery ended, recorded by [`Store::settle_deliveries`].
#[derive(Debug, Clone, PartialEq)]
pub enum Settle {
    /// Handed over at this instant.
    Delivered(Instant),
    /// Failed after its last retry, at this instant, with the reason.
    Failed(Instant, String),
    /// Not to be sent (it no longer holds), at this instant, for the reason.
    Dropped(Instant, String),
    /// Failed for now: one more attempt counted, due again at the instant, with the reason.
    Retry(Instant, String),
    /// Not yet, and no attempt counted (held back to be joined into a digest): due again at
    /// the instant.
    Postpone(Instant),
}

/// Ends a leased row (delivered, failed, dropped), if `owner` still holds it.
const FINISH: &str = "UPDATE deliveries SET status = $1, done_at = $2, last_error = COALESCE($3, last_error), \
       leased_by = NULL, leased_until = NULL, \
       attempts = attempts + CASE WHEN $1 = 'failed' THEN 1 ELSE 0 END \
     WHERE id = $4 AND leased_by = $5 AND status = 'pending'";

/// A leased row due again later, after a failed attempt, if `owner` still holds it.
const RETRY: &str = "UPDATE deliveries SET attempts = attempts + 1, due_at = $1, last_error = $2, \
       leased_by = NULL, leased_until = NULL \
     WHERE id = $3 AND leased_by = $4 AND status = 'pending'";

/// A leased row due again later, no attempt counted, if `owner` still holds it.
const POSTPONE: &str = "UPDATE deliveries SET due_at = $1, leased_by = NULL, leased_until = NULL \
     WHERE id = $2 AND leased_by = $3 AND status = 'pending'";

/// Delivered rows marked in one statement: 2 values a row.
const DELIVERED_CHUNK: usize = 500;

/// Which due rows a claim takes.
enum Claim<'a> {
    /// The earliest due rows of the channel.
    Due,
    /// Every pending row of one target due by an instant (a digest takes them together).
    Target(&'a str, Instant),
}

impl Store {
    /// Leases up to `limit` due pending messages of a channel to `owner` until `now + lease`.
    /// Rows leased by another instance are skipped until that lease runs out.
    pub async fn claim_deliveries(
        &self,
        channel: Channel,
        owner: &str,
        now: Instant,
        lease: Duration,
        limit: i64,
    ) -> Result<Vec<Delivery>> {
        self.claim(channel, Claim::Due, owner, now, lease, limit)
            .await
    }

    /// Leases every pending message of a channel for one target that is due by `until`
    /// (at most `limit`): the messages a digest joins.
    #[allow(clippy::too_many_arguments)]
    pub async fn claim_target(
        &self,
        channel: Channel,
        target: &str,
        owner: &str,
        now: Instant,
        until: Instant,
        lease: Duration,
        limit: i64,
    ) -> Result<Vec<Delivery>> {
        self.claim(
            channel,
            Claim::Target(target, until),
            owner,
            now,
            lease,
            limit,
        )
        .await
    }

    async fn claim(
        &self,
        channel: Channel,
        which: Claim<'_>,
        owner: &str,
        now: Instant,
        lease: Duration,
        limit: i64,
    ) -> Result<Vec<Delivery>> {
        let (target, until) = match which {
            Claim::Due => (None, now),
            Claim::Target(t, until) => (Some(t), until),
        };
        let lock = match self.backend {
            Backend::Sqlite { .. } => "",
            Backend::Postgres(_) => " FOR UPDATE SKIP LOCKED",
        };
        let sql = format!(
            "UPDATE deliveries SET leased_by = $1, leased_until = $2 WHERE id IN (\
               SELECT id FROM deliveries WHERE channel = $3 AND status = 'pending' AND due_at <= $4 \
                 AND ($5 IS NULL OR target = $5) \
                 AND (leased_until IS NULL OR leased_until <= $6) \
               ORDER BY due_at, id LIMIT CAST($7 AS BIGINT){lock}) \
             RETURNING {COLUMNS}"
        );
        let mut tx = self.begin_unlocked().await?;
        let mut claimed = on_tx!(tx, c => {
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(owner)
                .bind(micros(now + lease))
                .bind(channel.as_str())
                .bind(micros(until))
                .bind(target)
                .bind(micros(now))
                .bind(limit)
                .fetch_all(&mut *c)
                .await?;
            rows.iter().map(decode).collect::<Result<Vec<_>>>()?
        });
        tx.commit().await?;
        claimed.sort_by_key(|d| (d.due_at, d.id));
        Ok(claimed)
    }

    /// Records how the attempts at leased deliveries ended, all in one transaction, the
    /// delivered ones in one statement: a dispatcher settles a batch at once rather than
    /// paying a transaction for each message. A row that `owner` no longer holds (its lease
    /// ran out and another instance took it) is left as it is. Returns how many rows were
    /// settled.
    pub async fn settle_deliveries(&self, owner: &str, settled: &[(Uuid, Settle)]) -> Result<u64> {
        if settled.is_empty() {
            return Ok(0);
        }
        let delivered: Vec<(String, i64)> = settled
            .iter()
            .filter_map(|(id, s)| match s {
                Settle::Delivered(at) => Some((id.to_string(), micros(*at))),
                _ => None,
            })
            .collect();
        let mut tx = self.begin_unlocked().await?;
        let mut n = 0;
        for chunk in delivered.chunks(DELIVERED_CHUNK) {
            n += on_tx!(tx, c => {
                // The rows and the instant each was handed over, joined by id (VALUES names
                // its columns column1, column2 on both databases).
                let mut update = sqlx::QueryBuilder::new(
                    "UPDATE deliveries SET status = 'delivered', done_at = v.column2, \
                       leased_by = NULL, leased_until = NULL FROM (",
                );
                update.push_values(chunk, |mut row, (id, at)| {
                    row.push_bind(id).push_bind(at);
                });
                update
                    .push(") AS v WHERE deliveries.id = v.column1 AND deliveries.leased_by = ")
                    .push_bind(owner)
                    .push(" AND deliveries.status = 'pending'");
                update.build().execute(&mut *c).await?.rows_affected()
            });
        }
        for (id, s) in settled {
            let id = id.to_string();
            n += match s {
                Settle::Delivered(_) => 0,
                Settle::Failed(at, why) | Settle::Dropped(at, why) => {
                    let status = if matches!(s, Settle::Failed(..)) {
                        DeliveryStatus::Failed
                    } else {
                        DeliveryStatus::Dropped
                    };
                    on_tx!(tx, c => {
                        sqlx::query(FINISH)
                            .bind(status.as_str())
                            .bind(micros(*at))
                            .bind(why.as_str())
                            .bind(&id)
                            .bind(owner)
                            .execute(&mut *c)
                            .await?
                            .rows_affected()
                    })
                }
                Settle::Retry(due, why) => on_tx!(tx, c => {
                    sqlx::query(RETRY)
                        .bind(micros(*due))
                        .bind(why.as_str())
                        .bind(&id)
                        .bind(owner)
                        .execute(&mut *c)
                        .await?
                        .rows_affected()
                }),
                Settle::Postpone(due) => on_tx!(tx, c => {
                    sqlx::query(POSTPONE)
                        .bind(micros(*due))
                        .bind(&id)
                        .bind(owner)
                        .execute(&mut *c)
                        .await?
                        .rows_affected()
                }),
            };
        }
        tx.commit().await?;
        Ok(n)
    }

    /// One settled row; false when `owner` no longer holds its lease.
    async fn settle_one(&self, id: Uuid, owner: &str, settle: Settle) -> Result<bool> {
        Ok(self.settle_deliveries(owner, &[(id, settle)]).await? == 1)
    }

    pub async fn mark_delivered(&self, id: Uuid, owner: &str, now: Instant) -> Result<bool> {
        self.settle_one(id, owner, Settle::Delivered(now)).await
    }

    /// Failed after its last retry, with the reason.
    pub async fn mark_failed(
        &self,
        id: Uuid,
        owner: &str,
        now: Instant,
        error: &str,
    ) -> Result<bool> {
        self.settle_one(id, owner, Settle::Failed(now, error.to_owned()))
            .await
    }

    /// Not to be sent: it no longer holds, for `reason`.
    pub async fn mark_dropped(
        &self,
        id: Uuid,
        owner: &str,
        now: Instant,
        reason: &str,
    ) -> Result<bool> {
        self.settle_one(id, owner, Settle::Dropped(now, reason.to_owned()))
            .await
    }

    /// An attempt failed: one more attempt counted, the next one due at `due`, the lease
    /// released.
    pub async fn retry_later(
        &self,
        id: Uuid,
        owner: &str,
        due: Instant,
        error: &str,
    ) -> Result<bool> {
        self.settle_one(id, owner, Settle::Retry(due, error.to_owned()))
            .await
    }

    /// Not yet: due again at `due`, the lease released, no attempt counted (a mail held
    /// back to be joined into a digest is not a failure).
    pub async fn postpone(&self, id: Uuid, owner: &str, due: Instant) -> Result<bool> {
        self.settle_one(id, owner, Settle::Postpone(due)).await
    }

    /// Leased rows of `owner` that it did not finish, released at once (an instance that
    /// stops cleanly gives back what it holds).
    pub async fn release_deliveries(&self, owner: &str) -> Result<u64> {
        let mut tx = self.begin_unlocked().await?;
        let n = on_tx!(tx, c => {
            sqlx::query(
                "UPDATE deliveries SET leased_by = NULL, leased_until = NULL \
                 WHERE leased_by = $1 AND status = 'pending'",
            )
            .bind(owner)
            .execute(&mut *c)
            .await?
            .rows_affected()
        });
        tx.commit().await?;
        Ok(n)
    }

    /// The leases of `owner` on these rows, renewed until `until` (before an attempt that
    /// may take a while). Returns how many it still held: a row whose lease ran out and
    /// another instance took is that instance's to send.
    pub async fn renew_leases(&self, ids: &[Uuid], owner: &str, until: Instant) -> Result<u64> {
        let mut tx = self.begin_unlocked().await?;
        let mut n = 0;
        for id in ids {
            n += on_tx!(tx, c => {
                sqlx::query(
                    "UPDATE deliveries SET leased_until = $1 \
                     WHERE id = $2 AND leased_by = $3 AND status = 'pending'",
                )
                .bind(micros(until))
                .bind(id.to_string())
                .bind(owner)
                .execute(&mut *c)
                .await?
                .rows_affected()
            });
        }
        tx.commit().await?;
        Ok(n)
    }

    /// The newest messages (of a channel, in a status), at most `limit`.
    pub async fn deliveries(
        &self,
        channel: Option<Channel>,
        status: Option<DeliveryStatus>,
        limit: i64,
    ) -> Result<Vec<Delivery>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM deliveries \
             WHERE ($1 IS NULL OR channel = $1) AND ($2 IS NULL OR status = $2) \
             ORDER BY created_at DESC, id LIMIT CAST($3 AS BIGINT)"
        );
        on_pool!(self, pool => {
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(channel.map(Channel::as_str))
                .bind(status.map(DeliveryStatus::as_str))
                .bind(limit)
                .fetch_all(pool)
                .await?;
            rows.iter().map(decode).collect()
        })
    }

    /// One message, by id.
    pub async fn delivery(&self, id: Uuid) -> Result<Option<Delivery>> {
        let sql = format!("SELECT {COLUMNS} FROM deliveries WHERE id = $1");
        on_pool!(self, pool => {
            let row = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(id.to_string())
                .fetch_optional(pool)
                .await?;
            row.as_ref().map(decode).transpose()
        })
    }

    /// The messages of one target (a person, a subscription), newest first.
    pub async fn deliveries_to(
        &self,
        channel: Channel,
        target: &str,
        limit: i64,
    ) -> Result<Vec<Delivery>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM deliveries WHERE channel = $1 AND target = $2 \
             ORDER BY created_at DESC, id DESC LIMIT CAST($3 AS BIGINT)"
        );
        on_pool!(self, pool => {
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(channel.as_str())
                .bind(target)
                .bind(limit)
                .fetch_all(pool)
                .await?;
            rows.iter().map(decode).collect()
        })
    }

    /// When the last message of a channel was delivered to a target, if ever.
    pub async fn last_delivered_to(
        &self,
        channel: Channel,
        target: &str,
    ) -> Result<Option<Instant>> {
        on_pool!(self, pool => {
            let row = sqlx::query(
                "SELECT MAX(done_at) AS last FROM deliveries \
                 WHERE channel = $1 AND target = $2 AND status = 'delivered'",
            )
            .bind(channel.as_str())
            .bind(target)
            .fetch_one(pool)
            .await?;
            row.try_get::<Option<i64>, _>("last")?.map(instant).transpose()
        })
    }

    /// Failed messages (all of a channel, or those with these ids) pending again, due now,
    /// their attempts counted afresh. Returns how many.
    pub async fn retry_failed(
        &self,
        channel: Option<Channel>,
        ids: &[Uuid],
        now: Instant,
    ) -> Result<u64> {
        let mut tx = self.begin_unlocked().await?;
        let mut n = 0;
        let ids: Vec<Option<String>> = if ids.is_empty() {
            vec![None]
        } else {
            ids.iter().map(|i| Some(i.to_string())).collect()
        };
        for id in &ids {
            n += on_tx!(tx, c => {
                sqlx::query(
                    "UPDATE deliveries SET status = 'pending', attempts = 0, due_at = $1, done_at = NULL, \
                       leased_by = NULL, leased_until = NULL \
                     WHERE status = 'failed' AND ($2 IS NULL OR channel = $2) AND ($3 IS NULL OR id = $3)",
                )
                .bind(micros(now))
                .bind(channel.map(Channel::as_str))
                .bind(id)
                .execute(&mut *c)
                .await?
                .rows_affected()
            });
        }
        tx.commit().await?;
        Ok(n)
    }

    /// How many messages of a channel are pending (due now or later).
    pub async fn pending_deliveries(&self, channel: Channel) -> Result<i64> {
        on_pool!(self, pool => {
            let row = sqlx::query(
                "SELECT COUNT(*) AS n FROM deliveries WHERE channel = $1 AND status = 'pending'",
            )
            .bind(channel.as_str())
            .fetch_one(pool)
            .await?;
            Ok(row.try_get("n")?)
        })
    }

    /// How many messages each channel holds in each status.
    pub async fn delivery_counts(&self) -> Result<Vec<(Channel, DeliveryStatus, i64)>> {
        on_pool!(self, pool => {
            let rows = sqlx::query(
                "SELECT channel, status, COUNT(*) AS n FROM deliveries GROUP BY channel, status ORDER BY channel, status",
            )
            .fetch_all(pool)
            .await?;
            rows.iter()
                .map(|r| {
                    let channel: String = r.try_get("channel")?;
                    let status: String = r.try_get("status")?;
                    Ok((
                        Channel::parse(&channel)
                            .ok_or_else(|| StoreError::Corrupt(format!("unknown channel {channel}")))?,
                        DeliveryStatus::parse(&status)
                            .ok_or_else(|| StoreError::Corrupt(format!("unknown delivery status {status}")))?,
                        r.try_get("n")?,
                    ))
                })
                .collect()
        })
    }
}
