//! The append-only event log.

use mandates_domain::evidence::{CanonicalEvent, EventParts, Hash, canonical_instant};
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
    /// Evidence was exported (stream `evidence`, subject the mandate or the mandator it is
    /// about): who took it, and in which form.
    EvidenceExported,
}

impl EventKind {
    /// The stream of events it belongs to: `mandate`, `role`, `catalog`, `client` or
    /// `evidence`.
    pub fn stream(self) -> &'static str {
        match self {
            EventKind::Mandate(_) => "mandate",
            EventKind::Role(_) => "role",
            EventKind::CatalogLoaded => "catalog",
            EventKind::ClientRevoked => "client",
            EventKind::EvidenceExported => "evidence",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Mandate(k) => k.as_str(),
            EventKind::Role(k) => k.as_str(),
            EventKind::CatalogLoaded => "catalog_loaded",
            EventKind::ClientRevoked => "client_revoked",
            EventKind::EvidenceExported => "exported",
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
            "evidence" if kind == "exported" => Some(EventKind::EvidenceExported),
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
    /// SHA-256 of its canonical form; absent until an event recorded before the chain
    /// existed is chained.
    pub digest: Option<Hash>,
    /// Its chain value: what every event up to it hashes to.
    pub chain: Option<Hash>,
}

impl StoredEvent {
    /// The event as the evidence chain sees it.
    pub fn canonical(&self) -> CanonicalEvent {
        CanonicalEvent {
            seq: self.seq,
            stream: self.kind.stream().to_owned(),
            subject: self.subject.clone(),
            kind: self.kind.as_str().to_owned(),
            at: canonical_instant(self.at),
            person: self.person.clone(),
            party: self.party.clone(),
            auth: self.auth.clone(),
            version: self.version,
            detail: self.detail.clone(),
        }
    }
}

/// An event's place in the chain, once appended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Link {
    pub seq: i64,
    pub digest: Hash,
    /// Absent while events recorded before the chain existed are not chained yet.
    pub chain: Option<Hash>,
}

/// What [`WriteTx::append`] recorded: the last sequence number and each event's link.
#[derive(Debug, Clone, Default)]
pub struct Appended {
    pub last: i64,
    pub links: Vec<Link>,
}

impl Appended {
    /// The events appended (`events`, as given to [`WriteTx::append`]) as they are stored,
    /// with their digests and chain values; none when they were not chained.
    pub fn recorded(&self, events: &[NewEvent]) -> Vec<StoredEvent> {
        events
            .iter()
            .zip(&self.links)
            .map(|(e, link)| StoredEvent {
                seq: link.seq,
                kind: e.kind,
                subject: e.subject.clone(),
                at: instant(micros(e.at)).unwrap_or(e.at),
                person: e.person.clone(),
                party: e.party.clone(),
                auth: e.auth.clone(),
                version: e.version,
                detail: e.detail.clone(),
                digest: Some(link.digest),
                chain: link.chain,
            })
            .collect()
    }
}

/// A stored event as its columns hold it, for checking the chain: what cannot be read
/// (an unknown kind, JSON that does not parse, an instant out of range) stays as written,
/// so that it fails its digest rather than the reading.
#[derive(Debug, Clone)]
pub struct ChainRow {
    pub event: CanonicalEvent,
    pub digest: Option<String>,
    pub chain: Option<String>,
}

/// A stored hash column: absent, or 64 hexadecimal digits.
fn hash_column(text: Option<String>) -> Result<Option<Hash>> {
    text.map(|t| Hash::parse(&t).ok_or_else(|| StoreError::Corrupt(format!("hash {t:?}"))))
        .transpose()
}

/// The columns an event is read with.
const EVENT_COLUMNS: &str =
    "seq, stream, subject, kind, at, person, party, auth, version, detail, digest, chain";

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
            digest: hash_column(row.try_get("digest")?)?,
            chain: hash_column(row.try_get("chain")?)?,
        })
    }};
}

macro_rules! chain_row {
    ($row:expr) => {{
        let row = $row;
        let micros: i64 = row.try_get("at")?;
        let json =
            |text: String| serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text));
        Ok::<_, StoreError>(ChainRow {
            event: CanonicalEvent {
                seq: row.try_get("seq")?,
                stream: row.try_get("stream")?,
                subject: row.try_get("subject")?,
                kind: row.try_get("kind")?,
                at: instant(micros)
                    .map_or_else(|_| format!("out of range: {micros}"), canonical_instant),
                person: row.try_get("person")?,
                party: row.try_get("party")?,
                auth: json(row.try_get("auth")?),
                version: row.try_get("version")?,
                detail: json(row.try_get("detail")?),
            },
            digest: row.try_get("digest")?,
            chain: row.try_get("chain")?,
        })
    }};
}

impl WriteTx {
    /// Appends events at the end of the sequence, each with its digest and chain value;
    /// returns the last sequence number and each event's link.
    pub async fn append(&mut self, events: &[NewEvent]) -> Result<Appended> {
        let last = on_tx!(self, c => {
            sqlx::query("SELECT seq, chain FROM events ORDER BY seq DESC LIMIT 1")
                .fetch_optional(&mut *c)
                .await?
                .map(|row| Ok::<_, StoreError>((row.try_get::<i64, _>("seq")?, row.try_get::<Option<String>, _>("chain")?)))
                .transpose()?
        });
        let (mut seq, mut chain) = match last {
            Some((seq, chain)) => (seq, hash_column(chain)?),
            None => (0, Some(Hash::GENESIS)),
        };
        let mut appended = Appended {
            last: seq,
            links: Vec::with_capacity(events.len()),
        };
        // 12 values a row: 1000 rows stay under both databases' limits on bound values.
        for chunk in events.chunks(1000) {
            let mut rows = Vec::with_capacity(chunk.len());
            for e in chunk {
                seq += 1;
                let (auth, detail) = (to_json(&e.auth)?, to_json(&e.detail)?);
                if !self.chain {
                    rows.push((e, auth, detail, seq, None, None));
                    continue;
                }
                // The instant as stored (to the microsecond) is the one the chain sees.
                let at = canonical_instant(instant(micros(e.at))?);
                let digest = EventParts {
                    seq,
                    stream: e.kind.stream(),
                    subject: &e.subject,
                    kind: e.kind.as_str(),
                    at: &at,
                    person: e.person.as_deref(),
                    party: e.party.as_deref(),
                    auth: &e.auth,
                    version: e.version,
                    detail: &e.detail,
                }
                .digest();
                // Events recorded before the chain existed are chained first (`chain_pending`);
                // until then what follows them waits too.
                chain = chain.map(|c| c.then(&digest));
                appended.links.push(Link { seq, digest, chain });
                rows.push((
                    e,
                    auth,
                    detail,
                    seq,
                    Some(digest.hex()),
                    chain.map(|c| c.hex()),
                ));
            }
            on_tx!(self, c => {
                let mut insert = sqlx::QueryBuilder::new(
                    "INSERT INTO events (seq, stream, subject, kind, at, person, party, auth, version, detail, digest, chain) ",
                );
                insert.push_values(&rows, |mut row, (e, auth, detail, seq, digest, chain)| {
                    row.push_bind(*seq)
                        .push_bind(e.kind.stream())
                        .push_bind(&e.subject)
                        .push_bind(e.kind.as_str())
                        .push_bind(micros(e.at))
                        .push_bind(&e.person)
                        .push_bind(&e.party)
                        .push_bind(auth)
                        .push_bind(e.version)
                        .push_bind(detail)
                        .push_bind(digest)
                        .push_bind(chain);
                });
                insert.build().execute(&mut *c).await?;
            });
        }
        appended.last = seq;
        Ok(appended)
    }

    /// Chains up to `limit` events recorded before the chain existed, oldest first, from
    /// the last chained one; returns how many it chained (0: none is left).
    pub async fn chain_pending(&mut self, limit: i64) -> Result<usize> {
        let rows = on_tx!(self, c => {
            let sql = format!(
                "SELECT {EVENT_COLUMNS} FROM events WHERE seq >= \
                 (SELECT COALESCE(MIN(seq), 0) FROM events WHERE chain IS NULL) \
                 AND chain IS NULL ORDER BY seq LIMIT CAST($1 AS BIGINT)"
            );
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(limit)
                .fetch_all(&mut *c)
                .await?
                .iter()
                .map(|row| chain_row!(row))
                .collect::<Result<Vec<_>>>()?
        });
        let Some(first) = rows.first() else {
            return Ok(0);
        };
        let before = on_tx!(self, c => {
            sqlx::query("SELECT chain FROM events WHERE seq = $1")
                .bind(first.event.seq - 1)
                .fetch_optional(&mut *c)
                .await?
                .map(|row| row.try_get::<Option<String>, _>("chain"))
                .transpose()?
                .flatten()
        });
        let mut chain = match before {
            Some(text) => hash_column(Some(text))?.unwrap_or(Hash::GENESIS),
            None if first.event.seq == 1 => Hash::GENESIS,
            None => {
                return Err(StoreError::Corrupt(format!(
                    "event {} cannot be chained: the event before it is missing or not chained",
                    first.event.seq
                )));
            }
        };
        let mut linked = Vec::with_capacity(rows.len());
        for row in &rows {
            let digest = row.event.digest();
            chain = chain.then(&digest);
            linked.push((row.event.seq, digest.hex(), chain.hex()));
        }
        for chunk in linked.chunks(300) {
            on_tx!(self, c => {
                let mut update = sqlx::QueryBuilder::new(
                    "UPDATE events SET digest = linked.digest, chain = linked.chain FROM (",
                );
                let mut first = true;
                for (seq, digest, chain) in chunk {
                    if !first {
                        update.push(" UNION ALL ");
                    }
                    first = false;
                    update.push("SELECT ");
                    update.push_bind(*seq);
                    update.push(" AS seq, ");
                    update.push_bind(digest);
                    update.push(" AS digest, ");
                    update.push_bind(chain);
                    update.push(" AS chain");
                }
                update.push(") AS linked WHERE events.seq = linked.seq");
                update.build().persistent(false).execute(&mut *c).await?;
            });
        }
        Ok(rows.len())
    }
}

impl Store {
    /// The events of one subject of a stream (`mandate` and its id, `role` and an
    /// enterprise number), oldest first.
    pub async fn events_of(&self, stream: &str, subject: &str) -> Result<Vec<StoredEvent>> {
        on_pool!(self, pool => {
            let sql = format!("SELECT {EVENT_COLUMNS} FROM events WHERE stream = $1 AND subject = $2 ORDER BY seq");
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(stream)
            .bind(subject)
            .fetch_all(pool)
            .await?;
            rows.iter().map(|row| decode_event!(row)).collect()
        })
    }

    /// The last `limit` events of one subject of a stream up to sequence number `through`,
    /// oldest first (what one change recorded of it).
    pub async fn last_events_of(
        &self,
        stream: &str,
        subject: &str,
        through: i64,
        limit: i64,
    ) -> Result<Vec<StoredEvent>> {
        let mut events = on_pool!(self, pool => {
            let sql = format!("SELECT {EVENT_COLUMNS} FROM events WHERE stream = $1 AND subject = $2 AND seq <= $3 ORDER BY seq DESC LIMIT CAST($4 AS BIGINT)");
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(stream)
                .bind(subject)
                .bind(through)
                .bind(limit)
                .fetch_all(pool)
                .await?
                .iter()
                .map(|row| decode_event!(row))
                .collect::<Result<Vec<_>>>()?
        });
        events.reverse();
        Ok(events)
    }

    /// Events after `after`, in sequence order, at most `limit`.
    pub async fn events_after(&self, after: i64, limit: i64) -> Result<Vec<StoredEvent>> {
        on_pool!(self, pool => {
            let sql = format!("SELECT {EVENT_COLUMNS} FROM events WHERE seq > $1 ORDER BY seq LIMIT CAST($2 AS BIGINT)");
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(after)
            .bind(limit)
            .fetch_all(pool)
            .await?;
            rows.iter().map(|row| decode_event!(row)).collect()
        })
    }

    /// Events after `after` in sequence order, at most `limit`, as their columns hold them
    /// (for checking the chain).
    pub async fn chain_rows(&self, after: i64, limit: i64) -> Result<Vec<ChainRow>> {
        on_pool!(self, pool => {
            let sql = format!("SELECT {EVENT_COLUMNS} FROM events WHERE seq > $1 ORDER BY seq LIMIT CAST($2 AS BIGINT)");
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(after)
                .bind(limit)
                .fetch_all(pool)
                .await?
                .iter()
                .map(|row| chain_row!(row))
                .collect()
        })
    }

    /// The digests of the events after `after` up to `through`, in order (a proof's
    /// digests); absent for an event not chained yet.
    pub async fn digests(&self, after: i64, through: i64) -> Result<Vec<(i64, Option<Hash>)>> {
        on_pool!(self, pool => {
            sqlx::query("SELECT seq, digest FROM events WHERE seq > $1 AND seq <= $2 ORDER BY seq")
                .bind(after)
                .bind(through)
                .fetch_all(pool)
                .await?
                .iter()
                .map(|row| Ok((row.try_get("seq")?, hash_column(row.try_get("digest")?)?)))
                .collect()
        })
    }

    /// The chain value of event `seq` (zeros before the first), if it is chained.
    pub async fn chain_at(&self, seq: i64) -> Result<Option<Hash>> {
        if seq == 0 {
            return Ok(Some(Hash::GENESIS));
        }
        on_pool!(self, pool => {
            let chain: Option<Option<String>> = sqlx::query("SELECT chain FROM events WHERE seq = $1")
                .bind(seq)
                .fetch_optional(pool)
                .await?
                .map(|row| row.try_get("chain"))
                .transpose()?;
            hash_column(chain.flatten())
        })
    }

    /// Chains every event recorded before the chain existed, in transactions of `batch`
    /// events (stopped and started again, it goes on where it was); returns how many.
    pub async fn chain_all_pending(&self, batch: i64) -> Result<u64> {
        // Events are chained in order and an append chains only after a chained event: a
        // chained last event means nothing waits (one read by key, not a scan, at each start).
        if self.chain_at(self.last_seq().await?).await?.is_some() {
            return Ok(0);
        }
        let mut done = 0u64;
        loop {
            let mut tx = self.begin().await?;
            let n = tx.chain_pending(batch).await?;
            tx.commit().await?;
            if n == 0 {
                return Ok(done);
            }
            done += n as u64;
            tracing::info!(
                chained = done,
                "chaining the events recorded before the chain"
            );
        }
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
