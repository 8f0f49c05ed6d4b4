//! Current state of enterprise roles.

use chrono::NaiveDate;
use mandates_domain::roles::EnterpriseRole;
use mandates_domain::{Insz, Kbo};
use sqlx::Row;
use uuid::Uuid;

use crate::backend::{on_pool, on_tx};
use crate::codec::{from_json, to_json};
use crate::mandates::Versioned;
use crate::{Result, Store, StoreError, WriteTx};

/// Reads a role row with its row version.
macro_rules! versioned {
    ($row:expr) => {
        Ok::<_, crate::StoreError>(Versioned {
            value: from_json(&$row.try_get::<String, _>("doc")?)?,
            row_version: $row.try_get("row_version")?,
        })
    };
}

impl Store {
    /// Every role, past and present, of an enterprise.
    pub async fn roles_of_enterprise(&self, enterprise: &Kbo) -> Result<Vec<EnterpriseRole>> {
        on_pool!(self, pool => {
            let rows = sqlx::query("SELECT doc FROM roles WHERE enterprise = $1 ORDER BY id")
                .bind(enterprise.as_str())
                .fetch_all(pool)
                .await?;
            rows.iter().map(|r| from_json(&r.try_get::<String, _>("doc")?)).collect()
        })
    }

    /// Every role of every enterprise (to build the index).
    pub async fn all_roles(&self) -> Result<Vec<EnterpriseRole>> {
        on_pool!(self, pool => {
            let rows = sqlx::query("SELECT doc FROM roles ORDER BY id")
                .fetch_all(pool)
                .await?;
            rows.iter().map(|r| from_json(&r.try_get::<String, _>("doc")?)).collect()
        })
    }

    /// Every role, past and present, of a person.
    pub async fn roles_of_person(&self, person: &Insz) -> Result<Vec<EnterpriseRole>> {
        on_pool!(self, pool => {
            let rows = sqlx::query("SELECT doc FROM roles WHERE person = $1 ORDER BY id")
                .bind(person.as_str())
                .fetch_all(pool)
                .await?;
            rows.iter().map(|r| from_json(&r.try_get::<String, _>("doc")?)).collect()
        })
    }
}

impl WriteTx {
    /// Every role of an enterprise, read inside the transaction.
    pub async fn roles_of_enterprise(
        &mut self,
        enterprise: &Kbo,
    ) -> Result<Vec<Versioned<EnterpriseRole>>> {
        on_tx!(self, c => {
            let rows = sqlx::query("SELECT doc, row_version FROM roles WHERE enterprise = $1 ORDER BY id")
                .bind(enterprise.as_str())
                .fetch_all(&mut *c)
                .await?;
            rows.iter().map(|r| versioned!(r)).collect()
        })
    }

    /// Every role of a person, read inside the transaction.
    pub async fn roles_of_person(&mut self, person: &Insz) -> Result<Vec<EnterpriseRole>> {
        on_tx!(self, c => {
            let rows = sqlx::query("SELECT doc FROM roles WHERE person = $1 ORDER BY id")
                .bind(person.as_str())
                .fetch_all(&mut *c)
                .await?;
            rows.iter().map(|r| from_json(&r.try_get::<String, _>("doc")?)).collect()
        })
    }

    /// Writes a role; `expected` is the row version it was read at (`None`: a new one).
    pub async fn put_role(&mut self, role: &EnterpriseRole, expected: Option<i64>) -> Result<()> {
        let doc = to_json(role)?;
        let id: Uuid = role.id;
        let until = role.valid_until.map(|d| d.to_string());
        let affected = on_tx!(self, c => {
            match expected {
                None => sqlx::query("INSERT INTO roles (id, enterprise, person, kind, row_version, doc, valid_until) VALUES ($1, $2, $3, $4, 1, $5, $6) ON CONFLICT (id) DO NOTHING")
                    .bind(id.to_string())
                    .bind(role.enterprise.as_str())
                    .bind(role.person.as_str())
                    .bind(role.kind.as_str())
                    .bind(&doc)
                    .bind(&until)
                    .execute(&mut *c)
                    .await?
                    .rows_affected(),
                Some(v) => sqlx::query("UPDATE roles SET doc = $2, valid_until = $4, row_version = row_version + 1 WHERE id = $1 AND row_version = $3")
                    .bind(id.to_string())
                    .bind(&doc)
                    .bind(v)
                    .bind(&until)
                    .execute(&mut *c)
                    .await?
                    .rows_affected(),
            }
        });
        if affected == 1 {
            Ok(())
        } else {
            Err(StoreError::Conflict)
        }
    }
}

impl WriteTx {
    /// Every role of a kind, read inside the transaction (for a register import).
    pub async fn roles_of_kind(
        &mut self,
        kind: mandates_domain::roles::RoleKind,
    ) -> Result<Vec<Versioned<EnterpriseRole>>> {
        on_tx!(self, c => {
            let rows = sqlx::query("SELECT doc, row_version FROM roles WHERE kind = $1 ORDER BY id")
                .bind(kind.as_str())
                .fetch_all(&mut *c)
                .await?;
            rows.iter().map(|r| versioned!(r)).collect()
        })
    }

    /// Roles whose last day lies after `(from, after_id)` and on or before `to`, in that
    /// order, at most `limit`: the scheduler tells their holders that they ended.
    pub async fn roles_ending(
        &mut self,
        from: (NaiveDate, &str),
        to: NaiveDate,
        limit: i64,
    ) -> Result<Vec<EnterpriseRole>> {
        on_tx!(self, c => {
            let rows = sqlx::query(
                "SELECT doc FROM roles \
                 WHERE (valid_until > $1 OR (valid_until = $1 AND id > $2)) AND valid_until <= $3 \
                 ORDER BY valid_until, id LIMIT CAST($4 AS BIGINT)",
            )
            .bind(from.0.to_string())
            .bind(from.1)
            .bind(to.to_string())
            .bind(limit)
            .fetch_all(&mut *c)
            .await?;
            rows.iter().map(|r| from_json(&r.try_get::<String, _>("doc")?)).collect()
        })
    }
}
