//! Notices: what a party is told (its inbox), written in the transaction of the change that
//! causes them; how a person wants to be told; and how far the scheduler has looked for the
//! notices that time brings.

use mandates_domain::Insz;
use mandates_domain::mandate::Mandate;
use mandates_domain::time::Instant;
use sqlx::Row;
use uuid::Uuid;

use crate::backend::{TxInner, on_pool, on_tx};
use crate::codec::{from_json, instant, micros, to_json};
use crate::outbox::{DELIVERY_INSERT, NewDelivery, push_deliveries};
use crate::{Result, Store, StoreError, WriteTx};

/// A notice to write.
#[derive(Debug, Clone)]
pub struct NewNotice {
    pub id: Uuid,
    /// Whose inbox: a person's national number or an enterprise number.
    pub party: String,
    pub kind: String,
    pub mandate_id: Option<Uuid>,
    /// The event that caused it, if an event did.
    pub seq: Option<i64>,
    pub detail: serde_json::Value,
    pub created_at: Instant,
    /// Already read (a party told of its own act keeps a copy in its inbox).
    pub read_at: Option<Instant>,
    /// Makes it unique: a second notice with the same key is not written.
    pub once_key: Option<String>,
}

/// A notice in an inbox.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct StoredNotice {
    pub id: Uuid,
    pub party: String,
    pub kind: String,
    pub mandate_id: Option<Uuid>,
    pub seq: Option<i64>,
    pub detail: serde_json::Value,
    pub created_at: Instant,
    pub read_at: Option<Instant>,
}

/// How often a person wants mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MailMode {
    /// Each notice, a burst joined into one digest.
    #[default]
    Each,
    /// One digest a day.
    Daily,
    /// No mail: the inbox only.
    None,
}

impl MailMode {
    pub const ALL: [MailMode; 3] = [MailMode::Each, MailMode::Daily, MailMode::None];

    pub fn as_str(self) -> &'static str {
        match self {
            MailMode::Each => "each",
            MailMode::Daily => "daily",
            MailMode::None => "none",
        }
    }

    pub fn parse(s: &str) -> Option<MailMode> {
        MailMode::ALL.into_iter().find(|m| m.as_str() == s)
    }
}

/// How a person wants to be told.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct ContactPreferences {
    pub email: Option<String>,
    pub lang: Option<String>,
    pub mail: MailMode,
}

const NOTICE_COLUMNS: &str = "id, party, kind, mandate_id, seq, detail, created_at, read_at";

macro_rules! decode_notice {
    ($row:expr) => {{
        let row = $row;
        let id: String = row.try_get("id")?;
        let mandate: Option<String> = row.try_get("mandate_id")?;
        Ok::<_, StoreError>(StoredNotice {
            id: Uuid::parse_str(&id).map_err(|e| StoreError::Corrupt(format!("notice id: {e}")))?,
            party: row.try_get("party")?,
            kind: row.try_get("kind")?,
            mandate_id: mandate
                .map(|m| Uuid::parse_str(&m))
                .transpose()
                .map_err(|e| StoreError::Corrupt(format!("notice mandate: {e}")))?,
            seq: row.try_get("seq")?,
            detail: from_json(&row.try_get::<String, _>("detail")?)?,
            created_at: instant(row.try_get("created_at")?)?,
            read_at: row
                .try_get::<Option<i64>, _>("read_at")?
                .map(instant)
                .transpose()?,
        })
    }};
}

macro_rules! decode_preferences {
    ($row:expr) => {{
        let row = $row;
        let mode: String = row.try_get("mail")?;
        Ok::<_, StoreError>(ContactPreferences {
            email: row.try_get("email")?,
            lang: row.try_get("lang")?,
            mail: MailMode::parse(&mode)
                .ok_or_else(|| StoreError::Corrupt(format!("unknown mail mode {mode}")))?,
        })
    }};
}

/// The start of an insert of notices, whose rows [`push_notices`] adds.
const NOTICE_INSERT: &str = "INSERT INTO notices (id, party, kind, mandate_id, seq, detail, created_at, read_at, once_key) ";

/// Adds the rows of notices (`$rows`, with their details as JSON text) to an insert begun
/// with [`NOTICE_INSERT`]: 9 values a row.
macro_rules! push_notices {
    ($insert:expr, $rows:expr, $details:expr) => {
        $insert.push_values($rows.iter().zip($details), |mut row, (n, detail)| {
            row.push_bind(n.id.to_string())
                .push_bind(&n.party)
                .push_bind(&n.kind)
                .push_bind(n.mandate_id.map(|m| m.to_string()))
                .push_bind(n.seq)
                .push_bind(detail)
                .push_bind(micros(n.created_at))
                .push_bind(n.read_at.map(micros))
                .push_bind(&n.once_key);
        })
    };
}

/// Notices and mails written together in one statement, at most this many rows of each: 18
/// values a pair stay under both databases' limits on bound values.
const TOLD_TOGETHER: usize = 500;

impl WriteTx {
    /// Writes notices without a once key and the mails that carry them. A statement is a
    /// round trip (to SQLite's own thread, to PostgreSQL's server) that costs a single change
    /// more than its rows: a few of each go in one statement, two inserts on SQLite, an
    /// insert inside another's `WITH` on PostgreSQL. Else as [`WriteTx::add_notices`] then
    /// [`WriteTx::add_deliveries`].
    pub async fn add_told(&mut self, notices: &[NewNotice], mails: &[NewDelivery]) -> Result<()> {
        let together = !notices.is_empty()
            && !mails.is_empty()
            && notices.len() <= TOLD_TOGETHER
            && mails.len() <= TOLD_TOGETHER
            && notices.iter().all(|n| n.once_key.is_none());
        if !together {
            self.add_notices(notices).await?;
            return self.add_deliveries(mails).await;
        }
        let details = notices
            .iter()
            .map(|n| to_json(&n.detail))
            .collect::<Result<Vec<_>>>()?;
        let payloads = mails
            .iter()
            .map(|d| to_json(&d.payload))
            .collect::<Result<Vec<_>>>()?;
        match &mut self.inner {
            TxInner::Sqlite(tx) => {
                let mut insert = sqlx::QueryBuilder::<sqlx::Sqlite>::new(NOTICE_INSERT);
                push_notices!(insert, notices, &details);
                insert.push("; ").push(DELIVERY_INSERT);
                push_deliveries!(insert, mails, &payloads);
                insert.build().execute(&mut **tx).await?;
            }
            TxInner::Postgres(tx) => {
                let mut insert = sqlx::QueryBuilder::<sqlx::Postgres>::new("WITH told AS (");
                insert.push(NOTICE_INSERT);
                push_notices!(insert, notices, &details);
                insert.push(") ").push(DELIVERY_INSERT);
                push_deliveries!(insert, mails, &payloads);
                insert.build().execute(&mut **tx).await?;
            }
        }
        Ok(())
    }

    /// Writes notices, many rows per statement; returns the ids of those written (a notice
    /// whose key was written before is not written again).
    pub async fn add_notices(&mut self, notices: &[NewNotice]) -> Result<Vec<Uuid>> {
        let mut written = Vec::with_capacity(notices.len());
        // 9 values a row: 1000 rows stay under both databases' limits on bound values.
        for chunk in notices.chunks(1000) {
            let details = chunk
                .iter()
                .map(|n| to_json(&n.detail))
                .collect::<Result<Vec<_>>>()?;
            let keyed = chunk.iter().any(|n| n.once_key.is_some());
            let ids: Vec<String> = on_tx!(self, c => {
                let mut insert = sqlx::QueryBuilder::new(NOTICE_INSERT);
                push_notices!(insert, chunk, &details);
                if keyed {
                    insert.push(" ON CONFLICT DO NOTHING RETURNING id");
                    let rows = insert.build().fetch_all(&mut *c).await?;
                    rows.iter().map(|r| r.try_get("id")).collect::<std::result::Result<_, _>>()?
                } else {
                    // Without a key nothing conflicts (ids are new): all are written.
                    insert.build().execute(&mut *c).await?;
                    Vec::new()
                }
            });
            if !keyed {
                written.extend(chunk.iter().map(|n| n.id));
            }
            for id in ids {
                written.push(
                    Uuid::parse_str(&id)
                        .map_err(|e| StoreError::Corrupt(format!("notice id: {e}")))?,
                );
            }
        }
        Ok(written)
    }

    /// How far the scheduler has looked for notices of a kind: an instant and the last id
    /// at that instant.
    pub async fn schedule_mark(&mut self, name: &str) -> Result<Option<(Instant, String)>> {
        on_tx!(self, c => {
            let row = sqlx::query("SELECT until_at, after_id FROM schedule_marks WHERE name = $1")
                .bind(name)
                .fetch_optional(&mut *c)
                .await?;
            row.map(|r| Ok((instant(r.try_get("until_at")?)?, r.try_get("after_id")?)))
                .transpose()
        })
    }

    pub async fn set_schedule_mark(
        &mut self,
        name: &str,
        until: Instant,
        after_id: &str,
    ) -> Result<()> {
        on_tx!(self, c => {
            sqlx::query(
                "INSERT INTO schedule_marks (name, until_at, after_id) VALUES ($1, $2, $3) \
                 ON CONFLICT (name) DO UPDATE SET until_at = excluded.until_at, after_id = excluded.after_id",
            )
            .bind(name)
            .bind(micros(until))
            .bind(after_id)
            .execute(&mut *c)
            .await?;
        });
        Ok(())
    }

    /// Mandates whose `column` instant (`lapses_at`, `change_lapses_at` or `ends_at`) lies after `(from, after_id)`
    /// and at or before `to`, in that order, at most `limit`: what the scheduler looks at next.
    pub async fn mandates_due(
        &mut self,
        column: DueColumn,
        from: (Instant, &str),
        to: Instant,
        limit: i64,
    ) -> Result<Vec<(Instant, Mandate)>> {
        let col = column.as_str();
        let sql = format!(
            "SELECT {col} AS due, doc FROM mandates \
             WHERE ({col} > $1 OR ({col} = $1 AND id > $2)) AND {col} <= $3 \
             ORDER BY {col}, id LIMIT CAST($4 AS BIGINT)"
        );
        on_tx!(self, c => {
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(micros(from.0))
                .bind(from.1)
                .bind(micros(to))
                .bind(limit)
                .fetch_all(&mut *c)
                .await?;
            rows.iter()
                .map(|r| Ok((instant(r.try_get("due")?)?, from_json(&r.try_get::<String, _>("doc")?)?)))
                .collect()
        })
    }
}

/// The instant of a mandate the scheduler watches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DueColumn {
    /// The deadline of a pending mandate's missing signature.
    LapsesAt,
    /// The deadline of a proposed change of terms.
    ChangeLapsesAt,
    /// The end of the period of a signed mandate.
    EndsAt,
}

impl DueColumn {
    fn as_str(self) -> &'static str {
        match self {
            DueColumn::LapsesAt => "lapses_at",
            DueColumn::ChangeLapsesAt => "change_lapses_at",
            DueColumn::EndsAt => "ends_at",
        }
    }
}

impl Store {
    /// What the notices say (their detail), by id, each named by its party and id; those
    /// that do not exist are left out.
    pub async fn notice_details(
        &self,
        notices: &[(String, Uuid)],
    ) -> Result<std::collections::HashMap<Uuid, serde_json::Value>> {
        let mut found = std::collections::HashMap::with_capacity(notices.len());
        // 2 values a notice: 1000 stay under both databases' limits on bound values.
        for chunk in notices.chunks(1000) {
            let rows = on_pool!(self, c => {
                let mut select = sqlx::QueryBuilder::new("SELECT id, detail FROM notices WHERE ");
                for (i, (party, id)) in chunk.iter().enumerate() {
                    select.push(if i == 0 { "(party = " } else { " OR (party = " });
                    select.push_bind(party).push(" AND id = ").push_bind(id.to_string()).push(")");
                }
                select.build().fetch_all(c).await?
                    .iter()
                    .map(|r| Ok((r.try_get::<String, _>("id")?, r.try_get::<String, _>("detail")?)))
                    .collect::<Result<Vec<_>>>()?
            });
            for (id, detail) in rows {
                let id = Uuid::parse_str(&id)
                    .map_err(|e| StoreError::Corrupt(format!("notice id: {e}")))?;
                found.insert(id, from_json(&detail)?);
            }
        }
        Ok(found)
    }

    /// A party's notices, newest first, before `(created_at, id)` if given, at most `limit`.
    pub async fn notices_of(
        &self,
        party: &str,
        before: Option<(Instant, Uuid)>,
        limit: i64,
    ) -> Result<Vec<StoredNotice>> {
        let sql = format!(
            "SELECT {NOTICE_COLUMNS} FROM notices WHERE party = $1 \
               AND ($2 IS NULL OR created_at < $2 OR (created_at = $2 AND id < $3)) \
             ORDER BY created_at DESC, id DESC LIMIT CAST($4 AS BIGINT)"
        );
        on_pool!(self, pool => {
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(party)
                .bind(before.map(|b| micros(b.0)))
                .bind(before.map(|b| b.1.to_string()).unwrap_or_default())
                .bind(limit)
                .fetch_all(pool)
                .await?;
            rows.iter().map(|r| decode_notice!(r)).collect()
        })
    }

    /// One notice of a party.
    pub async fn notice(&self, party: &str, id: Uuid) -> Result<Option<StoredNotice>> {
        let sql = format!("SELECT {NOTICE_COLUMNS} FROM notices WHERE party = $1 AND id = $2");
        on_pool!(self, pool => {
            let row = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(party)
                .bind(id.to_string())
                .fetch_optional(pool)
                .await?;
            row.map(|r| decode_notice!(r)).transpose()
        })
    }

    /// How many notices of a party are unread (counted up to `max`).
    pub async fn unread_notices(&self, party: &str, max: i64) -> Result<i64> {
        on_pool!(self, pool => {
            let row = sqlx::query(
                "SELECT COUNT(*) AS n FROM (SELECT 1 FROM notices WHERE party = $1 AND read_at IS NULL LIMIT CAST($2 AS BIGINT)) AS u",
            )
            .bind(party)
            .bind(max)
            .fetch_one(pool)
            .await?;
            Ok(row.try_get("n")?)
        })
    }

    /// Marks a party's notices read (those with these ids; all when none are given).
    pub async fn mark_notices_read(&self, party: &str, ids: &[Uuid], now: Instant) -> Result<u64> {
        let mut tx = self.begin_unlocked().await?;
        let ids: Vec<Option<String>> = if ids.is_empty() {
            vec![None]
        } else {
            ids.iter().map(|i| Some(i.to_string())).collect()
        };
        let mut n = 0;
        for id in &ids {
            n += on_tx!(tx, c => {
                sqlx::query(
                    "UPDATE notices SET read_at = $1 WHERE party = $2 AND read_at IS NULL AND ($3 IS NULL OR id = $3)",
                )
                .bind(micros(now))
                .bind(party)
                .bind(id)
                .execute(&mut *c)
                .await?
                .rows_affected()
            });
        }
        tx.commit().await?;
        Ok(n)
    }

    /// How a person wants to be told (the defaults when they never said).
    pub async fn contact_preferences(&self, person: &Insz) -> Result<ContactPreferences> {
        on_pool!(self, pool => {
            let row = sqlx::query("SELECT email, lang, mail FROM contact_preferences WHERE person = $1")
                .bind(person.as_str())
                .fetch_optional(pool)
                .await?;
            row.map(|r| decode_preferences!(r)).unwrap_or_else(|| Ok(ContactPreferences::default()))
        })
    }

    pub async fn set_contact_preferences(
        &self,
        person: &Insz,
        prefs: &ContactPreferences,
        now: Instant,
    ) -> Result<()> {
        let mut tx = self.begin_unlocked().await?;
        on_tx!(tx, c => {
            sqlx::query(
                "INSERT INTO contact_preferences (person, email, lang, mail, updated_at) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (person) DO UPDATE SET email = excluded.email, lang = excluded.lang, \
                   mail = excluded.mail, updated_at = excluded.updated_at",
            )
            .bind(person.as_str())
            .bind(&prefs.email)
            .bind(&prefs.lang)
            .bind(prefs.mail.as_str())
            .bind(micros(now))
            .execute(&mut *c)
            .await?;
        });
        tx.commit().await
    }
}
