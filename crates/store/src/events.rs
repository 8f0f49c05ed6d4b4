//! The append-only event log.

use mandates_domain::mandate::{self, Event};
use mandates_domain::roles::RoleEventKind;
use mandates_domain::time::Instant;
use sqlx::Row;

use crate::backend::{on_pool, on_tx};
use crate::codec::{from_json, instant, micros, to_json};
use crate::{Result, Store, StoreError, WriteTx};

/// What an event records; its stream follows from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventKind {
    /// Of a mandate (stream `mandate`, subject its id).
    Mandate(mandate::EventKind),
    /// Of an enterprise's roster (stream `role`, subject the enterprise number).
    Role(RoleEventKind),
    /// The catalog in force changed (stream `catalog`).
    CatalogLoaded,
    /// A business application was revoked (stream `client`, subject its client id).
    ClientRevoked,
}

impl EventKind {
    /// The stream of events it belongs to: `mandate`, `role`, `catalog` or `client`.
    pub fn stream(self) -> &'static str {
        match self {
            EventKind::Mandate(_) => "mandate",
            EventKind::Role(_) => "role",
            EventKind::CatalogLoaded => "catalog",
            EventKind::ClientRevoked => "client",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Mandate(k) => k.as_str(),
            EventKind::Role(k) => k.as_str(),
            EventKind::CatalogLoaded => "catalog_loaded",
            EventKind::ClientRevoked => "client_revoked",
        }
    }

    /// The kind of a stored event, from its stream and kind columns.
    pub fn parse(stream: &str, kind: &str) -> Option<EventKind> {
        match stream {
            "mandate" => mandate::EventKind::ALL
                .into_iter()
                .find(|k| k.as_str() == kind)
                .map(EventKind::Mandate),
            "role" => RoleEventKind::ALL
                .into_iter()
                .find(|k| k.as_str() == kind)
                .map(EventKind::Role),
            "catalog" if kind == "catalog_loaded" => Some(EventKind::CatalogLoaded),
            "client" if kind == "client_revoked" => Some(EventKind::ClientRevoked),
            _ => None,
        }
    }
}

impl serde::Serialize for EventKind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// An event to append: mandate events, role events and catalog changes alike.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub kind: EventKind,
    /// The mandate id, the enterprise number, ...
    pub subject: String,
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
            kind: EventKind::Mandate(e.kind),
            subject: e.mandate_id.to_string(),
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
    pub kind: EventKind,
    pub subject: String,
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
        let stream: String = row.try_get("stream")?;
        let kind: String = row.try_get("kind")?;
        Ok::<_, crate::StoreError>(StoredEvent {
            seq: row.try_get("seq")?,
            kind: EventKind::parse(&stream, &kind)
                .ok_or_else(|| StoreError::Corrupt(format!("unknown event {stream}/{kind}")))?,
            subject: row.try_get("subject")?,
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
                        .push_bind(e.kind.stream())
                        .push_bind(&e.subject)
                        .push_bind(e.kind.as_str())
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
    /// The events of one subject of a stream (`mandate` and its id, `role` and an
    /// enterprise number), oldest first.
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
                 FROM events WHERE seq > $1 ORDER BY seq LIMIT CAST($2 AS BIGINT)",
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
