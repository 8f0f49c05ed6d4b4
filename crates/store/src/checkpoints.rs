//! Signed checkpoints of the evidence chain: the chain value at a sequence number, signed
//! with the service's evidence key, kept so that anyone may fetch them and compare.

use mandates_domain::evidence::Hash;
use mandates_domain::time::Instant;
use sqlx::Row;

use crate::backend::on_pool;
use crate::codec::{instant, micros};
use crate::{Result, Store, StoreError};

/// A checkpoint: the chain value at `seq`, signed at `at` with key `kid` (a compact JWS).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub seq: i64,
    pub chain: Hash,
    pub at: Instant,
    pub kid: String,
    pub jws: String,
}

const COLUMNS: &str = "seq, chain, at, kid, jws";

macro_rules! decode_checkpoint {
    ($row:expr) => {{
        let row = $row;
        let chain: String = row.try_get("chain")?;
        Ok::<_, StoreError>(Checkpoint {
            seq: row.try_get("seq")?,
            chain: Hash::parse(&chain)
                .ok_or_else(|| StoreError::Corrupt(format!("checkpoint chain {chain:?}")))?,
            at: instant(row.try_get("at")?)?,
            kid: row.try_get("kid")?,
            jws: row.try_get("jws")?,
        })
    }};
}

impl Store {
    /// Keeps a checkpoint; `false` when one at that sequence number is kept already (another
    /// instance signed it first).
    pub async fn add_checkpoint(&self, c: &Checkpoint) -> Result<bool> {
        on_pool!(self, pool => {
            let done = sqlx::query(
                "INSERT INTO checkpoints (seq, chain, at, kid, jws) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (seq) DO NOTHING",
            )
            .bind(c.seq)
            .bind(c.chain.hex())
            .bind(micros(c.at))
            .bind(&c.kid)
            .bind(&c.jws)
            .execute(pool)
            .await?;
            Ok(done.rows_affected() == 1)
        })
    }

    /// Checkpoints after sequence number `after`, oldest first, at most `limit`.
    pub async fn checkpoints(&self, after: i64, limit: i64) -> Result<Vec<Checkpoint>> {
        on_pool!(self, pool => {
            let sql = format!("SELECT {COLUMNS} FROM checkpoints WHERE seq > $1 ORDER BY seq LIMIT CAST($2 AS BIGINT)");
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(after)
                .bind(limit)
                .fetch_all(pool)
                .await?
                .iter()
                .map(|row| decode_checkpoint!(row))
                .collect()
        })
    }

    /// The first checkpoint at or after sequence number `seq`: the one a proof of that
    /// event leads to.
    pub async fn checkpoint_from(&self, seq: i64) -> Result<Option<Checkpoint>> {
        Ok(self.checkpoints(seq - 1, 1).await?.into_iter().next())
    }

    /// The last checkpoint.
    pub async fn last_checkpoint(&self) -> Result<Option<Checkpoint>> {
        on_pool!(self, pool => {
            let sql = format!("SELECT {COLUMNS} FROM checkpoints ORDER BY seq DESC LIMIT 1");
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .fetch_optional(pool)
                .await?
                .map(|row| decode_checkpoint!(row))
                .transpose()
        })
    }
}
