//! Registered business applications and the service's own token signing keys.

use mandates_domain::time::Instant;
use sqlx::Row;

use crate::backend::{on_pool, on_tx};
use crate::codec::{from_json, instant, micros, to_json};
use crate::{Result, Store, WriteTx};

/// A business application: a client of one domain, optionally limited to some types.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Client {
    pub id: String,
    pub name: String,
    pub domain: String,
    /// Empty: every type of the domain.
    pub types: Vec<String>,
    #[serde(skip)]
    pub secret_hash: String,
    pub created_at: Instant,
    pub revoked_at: Option<Instant>,
}

/// A key the service signs its own tokens with.
#[derive(Debug, Clone)]
pub struct SigningKey {
    pub kid: String,
    /// PKCS#8 DER, base64. A secret: never logged.
    pub private_der: String,
    pub public_jwk: serde_json::Value,
    pub created_at: Instant,
}

macro_rules! decode_client {
    ($r:expr) => {{
        let r = $r;
        Ok::<_, crate::StoreError>(Client {
            id: r.try_get("id")?,
            name: r.try_get("name")?,
            domain: r.try_get("domain")?,
            types: from_json(&r.try_get::<String, _>("types")?)?,
            secret_hash: r.try_get("secret_hash")?,
            created_at: instant(r.try_get("created_at")?)?,
            revoked_at: r
                .try_get::<Option<i64>, _>("revoked_at")?
                .map(instant)
                .transpose()?,
        })
    }};
}

impl Store {
    pub async fn clients(&self) -> Result<Vec<Client>> {
        on_pool!(self, pool => {
            let rows = sqlx::query("SELECT id, name, domain, types, secret_hash, created_at, revoked_at FROM clients ORDER BY created_at, id")
                .fetch_all(pool)
                .await?;
            rows.iter().map(|r| decode_client!(r)).collect()
        })
    }

    pub async fn client(&self, id: &str) -> Result<Option<Client>> {
        on_pool!(self, pool => {
            let row = sqlx::query("SELECT id, name, domain, types, secret_hash, created_at, revoked_at FROM clients WHERE id = $1")
                .bind(id)
                .fetch_optional(pool)
                .await?;
            row.map(|r| decode_client!(r)).transpose()
        })
    }

    /// Every signing key, newest first.
    pub async fn signing_keys(&self) -> Result<Vec<SigningKey>> {
        on_pool!(self, pool => {
            let rows = sqlx::query("SELECT kid, private_der, public_jwk, created_at FROM signing_keys ORDER BY created_at DESC, kid")
                .fetch_all(pool)
                .await?;
            rows.iter()
                .map(|r| {
                    Ok(SigningKey {
                        kid: r.try_get("kid")?,
                        private_der: r.try_get("private_der")?,
                        public_jwk: from_json(&r.try_get::<String, _>("public_jwk")?)?,
                        created_at: instant(r.try_get("created_at")?)?,
                    })
                })
                .collect()
        })
    }
}

impl WriteTx {
    /// Registers a client; `false` when the id exists already.
    pub async fn add_client(&mut self, c: &Client) -> Result<bool> {
        let types = to_json(&c.types)?;
        let added = on_tx!(self, conn => {
            sqlx::query("INSERT INTO clients (id, name, domain, types, secret_hash, created_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING")
                .bind(&c.id)
                .bind(&c.name)
                .bind(&c.domain)
                .bind(&types)
                .bind(&c.secret_hash)
                .bind(micros(c.created_at))
                .execute(&mut *conn)
                .await?
                .rows_affected()
        });
        Ok(added == 1)
    }

    /// Revokes a client; `false` when there is no such client still in service.
    pub async fn revoke_client(&mut self, id: &str, at: Instant) -> Result<bool> {
        let done = on_tx!(self, conn => {
            sqlx::query("UPDATE clients SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL")
                .bind(id)
                .bind(micros(at))
                .execute(&mut *conn)
                .await?
                .rows_affected()
        });
        Ok(done == 1)
    }

    pub async fn add_signing_key(&mut self, key: &SigningKey) -> Result<()> {
        let jwk = to_json(&key.public_jwk)?;
        on_tx!(self, conn => {
            sqlx::query("INSERT INTO signing_keys (kid, private_der, public_jwk, created_at) VALUES ($1, $2, $3, $4)")
                .bind(&key.kid)
                .bind(&key.private_der)
                .bind(&jwk)
                .bind(micros(key.created_at))
                .execute(&mut *conn)
                .await?;
        });
        Ok(())
    }
}
