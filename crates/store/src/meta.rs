//! Facts about the database itself (its mode: demo or production) and the catalog it keeps.

use mandates_domain::catalog::Catalog;
use sqlx::Row;

use crate::backend::{on_pool, on_tx};
use crate::codec::{from_json, to_json};
use crate::{Result, Store, WriteTx};

impl Store {
    /// A value of the meta table.
    pub async fn meta(&self, key: &str) -> Result<Option<String>> {
        on_pool!(self, pool => {
            let row = sqlx::query("SELECT value FROM meta WHERE key = $1")
                .bind(key)
                .fetch_optional(pool)
                .await?;
            Ok(row.map(|r| r.try_get("value")).transpose()?)
        })
    }

    /// Whether a write that needs fresh room succeeds now: 64 KiB written, then removed.
    pub async fn probe_room(&self) -> Result<()> {
        let filler = "0".repeat(64 * 1024);
        let mut tx = self.begin_unlocked().await?;
        on_tx!(tx, c => {
            sqlx::query("INSERT INTO meta (key, value) VALUES ('room_probe', $1) ON CONFLICT (key) DO UPDATE SET value = $1")
                .bind(&filler)
                .execute(&mut *c)
                .await?;
        });
        tx.commit().await?;
        let mut tx = self.begin_unlocked().await?;
        on_tx!(tx, c => {
            sqlx::query("DELETE FROM meta WHERE key = 'room_probe'")
                .execute(&mut *c)
                .await?;
        });
        tx.commit().await
    }

    /// The catalog kept in the store, if one was loaded.
    pub async fn catalog(&self) -> Result<Option<Catalog>> {
        on_pool!(self, pool => {
            let row = sqlx::query("SELECT doc FROM catalog WHERE id = 1")
                .fetch_optional(pool)
                .await?;
            row.map(|r| from_json(&r.try_get::<String, _>("doc")?)).transpose()
        })
    }
}

impl WriteTx {
    /// Sets a meta value only if it has none; returns the value in force.
    pub async fn init_meta(&mut self, key: &str, value: &str) -> Result<String> {
        on_tx!(self, c => {
            sqlx::query("INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING")
                .bind(key)
                .bind(value)
                .execute(&mut *c)
                .await?;
            Ok(sqlx::query("SELECT value FROM meta WHERE key = $1")
                .bind(key)
                .fetch_one(&mut *c)
                .await?
                .try_get("value")?)
        })
    }

    /// The catalog kept in the store, read inside the transaction.
    pub async fn catalog(&mut self) -> Result<Option<Catalog>> {
        on_tx!(self, c => {
            let row = sqlx::query("SELECT doc FROM catalog WHERE id = 1")
                .fetch_optional(&mut *c)
                .await?;
            row.map(|r| from_json(&r.try_get::<String, _>("doc")?)).transpose()
        })
    }

    /// Replaces the kept catalog.
    pub async fn put_catalog(&mut self, catalog: &Catalog) -> Result<()> {
        let doc = to_json(catalog)?;
        on_tx!(self, c => {
            sqlx::query("INSERT INTO catalog (id, doc) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET doc = $1")
                .bind(&doc)
                .execute(&mut *c)
                .await?;
        });
        Ok(())
    }
}
