//! The append-only event log.

use mandates_domain::mandate::Event;
use mandates_domain::time::Instant;
use sqlx::Row;

use crate::backend::{on_pool, on_tx};
use crate::codec::{from_json, instant, micros, to_json};
use crate::{Result, Store, WriteTx};

/// An event to append: mandate events, role events and catalog changes alike.
#[derive(Debug, Clone)]
pub struct NewEvent {
    /// `mandate`, `role` or `catalog`.
    pub stream: &'static str,
    /// The mandate id, the enterprise number, ...
    pub subject: String,
    pub kind: String,
    pub at: Instant,
    pub person: Option<String>,
    pub party: Option<String>,
    pub auth: serde_json::Value,
    pub version: i64,
    pub detail: serde_json::Value,
}

impl From<&Event> for NewEvent {
    fn from(e: &Event) -> Self {
        NewEvent {
            stream: "mandate",
            subject: e.mandate_id.to_string(),
            kind: e.kind.as_str().to_owned(),
            at: e.at,
            person: e.person.as_ref().map(|p| p.to_string()),
            party: e.party.as_ref().map(|p| p.to_string()),
            auth: serde_json::to_value(&e.auth).unwrap_or_default(),
            version: i64::from(e.version),
            detail: e.detail.clone(),
        }
    }
}

/// An event as recorded, with its place in the sequence.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct StoredEvent {
    pub seq: i64,
    pub stream: String,
    pub subject: String,
    pub kind: String,
    pub at: Instant,
    pub person: Option<String>,
    pub party: Option<String>,
    pub auth: serde_json::Value,
    pub version: i64,
    pub detail: serde_json::Value,
}

macro_rules! decode_event {
    ($row:expr) => {{
        let row = $row;
        Ok::<_, crate::StoreError>(StoredEvent {
            seq: row.try_get("seq")?,
            stream: row.try_get("stream")?,
            subject: row.try_get("subject")?,
            kind: row.try_get("kind")?,
            at: instant(row.try_get("at")?)?,
            person: row.try_get("person")?,
            party: row.try_get("party")?,
            auth: from_json(&row.try_get::<String, _>("auth")?)?,
            version: row.try_get("version")?,
            detail: from_json(&row.try_get::<String, _>("detail")?)?,
        })
    }};
}

impl WriteTx {
    /// Appends events at the end of the sequence; returns the last sequence number.
    pub async fn append(&mut self, events: &[NewEvent]) -> Result<i64> {
        let mut seq: i64 = on_tx!(self, c => {
            sqlx::query("SELECT COALESCE(MAX(seq), 0) AS last FROM events")
                .fetch_one(&mut *c)
                .await?
                .try_get("last")?
        });
        // 10 values a row: 1000 rows stay under both databases' limits on bound values.
        for chunk in events.chunks(1000) {
            let texts = chunk
                .iter()
                .map(|e| Ok((to_json(&e.auth)?, to_json(&e.detail)?)))
                .collect::<Result<Vec<_>>>()?;
            let first = seq + 1;
            on_tx!(self, c => {
                let mut insert = sqlx::QueryBuilder::new(
                    "INSERT INTO events (seq, stream, subject, kind, at, person, party, auth, version, detail) ",
                );
                insert.push_values(chunk.iter().zip(&texts).zip(first..), |mut row, ((e, (auth, detail)), seq)| {
                    row.push_bind(seq)
                        .push_bind(e.stream)
                        .push_bind(&e.subject)
                        .push_bind(&e.kind)
                        .push_bind(micros(e.at))
                        .push_bind(&e.person)
                        .push_bind(&e.party)
                        .push_bind(auth)
                        .push_bind(e.version)
                        .push_bind(detail);
                });
                insert.build().execute(&mut *c).await?;
            });
            seq += chunk.len() as i64;
        }
        Ok(seq)
    }
}

impl Store {
    /// The events of one subject (a mandate id, an enterprise number), oldest first.
    pub async fn events_of(&self, stream: &str, subject: &str) -> Result<Vec<StoredEvent>> {
        on_pool!(self, pool => {
            let rows = sqlx::query(
                "SELECT seq, stream, subject, kind, at, person, party, auth, version, detail \
                 FROM events WHERE stream = $1 AND subject = $2 ORDER BY seq",
            )
            .bind(stream)
            .bind(subject)
            .fetch_all(pool)
            .await?;
            rows.iter().map(|row| decode_event!(row)).collect()
        })
    }

    /// Events after `after`, in sequence order, at most `limit`.
    pub async fn events_after(&self, after: i64, limit: i64) -> Result<Vec<StoredEvent>> {
        on_pool!(self, pool => {
            let rows = sqlx::query(
                "SELECT seq, stream, subject, kind, at, person, party, auth, version, detail \
                 FROM events WHERE seq > $1 ORDER BY seq LIMIT $2",
            )
            .bind(after)
            .bind(limit)
            .fetch_all(pool)
            .await?;
            rows.iter().map(|row| decode_event!(row)).collect()
        })
    }

    /// The last sequence number (0 when empty).
    pub async fn last_seq(&self) -> Result<i64> {
        on_pool!(self, pool => {
            Ok(sqlx::query("SELECT COALESCE(MAX(seq), 0) AS last FROM events")
                .fetch_one(pool)
                .await?
                .try_get("last")?)
        })
    }
}
