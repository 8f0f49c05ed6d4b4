//! Answers remembered under an `Idempotency-Key`, written in the transaction of the change.

use mandates_domain::time::Instant;
use sqlx::Row;

use crate::backend::on_tx;
use crate::codec::micros;
use crate::{Result, WriteTx};

/// The first answer given to a request with this key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    /// What identifies the request (method, path, body), to refuse a key reused for another.
    pub fingerprint: String,
    pub status: u16,
    pub body: String,
}

impl WriteTx {
    /// The answer remembered for `(principal, key)`, read under the write lock.
    pub async fn remembered(
        &mut self,
        principal: &str,
        key: &str,
    ) -> Result<Option<StoredResponse>> {
        on_tx!(self, c => {
            let row = sqlx::query("SELECT fingerprint, status, body FROM idempotency WHERE principal = $1 AND key = $2")
                .bind(principal)
                .bind(key)
                .fetch_optional(&mut *c)
                .await?;
            row.map(|r| {
                Ok(StoredResponse {
                    fingerprint: r.try_get("fingerprint")?,
                    status: u16::try_from(r.try_get::<i64, _>("status")?).unwrap_or(500),
                    body: r.try_get("body")?,
                })
            })
            .transpose()
        })
    }

    /// Remembers the answer of a change, in the same transaction as the change.
    pub async fn remember(
        &mut self,
        principal: &str,
        key: &str,
        response: &StoredResponse,
        now: Instant,
    ) -> Result<()> {
        on_tx!(self, c => {
            sqlx::query("INSERT INTO idempotency (principal, key, fingerprint, status, body, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(principal)
                .bind(key)
                .bind(&response.fingerprint)
                .bind(i64::from(response.status))
                .bind(&response.body)
                .bind(micros(now))
                .execute(&mut *c)
                .await?;
        });
        Ok(())
    }
}
