//! Sessions of the web pages: an opaque document under the hash of the cookie's secret.

use mandates_domain::time::Instant;
use sqlx::Row;

use crate::backend::{on_pool, on_tx};
use crate::codec::{instant, micros};
use crate::{Result, Store};

/// A stored session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSession {
    pub data: String,
    pub created_at: Instant,
    pub last_seen_at: Instant,
}

impl Store {
    /// The session under `id_hash`, if any.
    pub async fn session(&self, id_hash: &str) -> Result<Option<StoredSession>> {
        on_pool!(self, pool => {
            let row = sqlx::query("SELECT data, created_at, last_seen_at FROM web_sessions WHERE id_hash = $1")
                .bind(id_hash)
                .fetch_optional(pool)
                .await?;
            row.map(|r| {
                Ok(StoredSession {
                    data: r.try_get("data")?,
                    created_at: instant(r.try_get("created_at")?)?,
                    last_seen_at: instant(r.try_get("last_seen_at")?)?,
                })
            })
            .transpose()
        })
    }

    /// Writes a session (new or changed).
    pub async fn put_session(&self, id_hash: &str, session: &StoredSession) -> Result<()> {
        let mut tx = self.begin_unlocked().await?;
        on_tx!(tx, c => {
            sqlx::query(
                "INSERT INTO web_sessions (id_hash, data, created_at, last_seen_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (id_hash) DO UPDATE SET data = excluded.data, last_seen_at = excluded.last_seen_at",
            )
            .bind(id_hash)
            .bind(&session.data)
            .bind(micros(session.created_at))
            .bind(micros(session.last_seen_at))
            .execute(&mut *c)
            .await?;
        });
        tx.commit().await
    }

    /// Forgets a session (logout, rotation).
    pub async fn delete_session(&self, id_hash: &str) -> Result<()> {
        let mut tx = self.begin_unlocked().await?;
        on_tx!(tx, c => {
            sqlx::query("DELETE FROM web_sessions WHERE id_hash = $1")
                .bind(id_hash)
                .execute(&mut *c)
                .await?;
        });
        tx.commit().await
    }

    /// Forgets the sessions not used since `idle_since` or started before `started_before`
    /// (either ends a session: no request can use it again); returns how many.
    pub async fn delete_ended_sessions(
        &self,
        idle_since: Instant,
        started_before: Instant,
    ) -> Result<u64> {
        let mut tx = self.begin_unlocked().await?;
        let deleted = on_tx!(tx, c => {
            sqlx::query("DELETE FROM web_sessions WHERE last_seen_at <= $1 OR created_at <= $2")
                .bind(micros(idle_since))
                .bind(micros(started_before))
                .execute(&mut *c)
                .await?
                .rows_affected()
        });
        tx.commit().await?;
        Ok(deleted)
    }
}
