//! The names parties are known by: the last name learned of each party, read for a whole
//! page of parties at once.

use std::collections::{BTreeMap, BTreeSet};

use mandates_domain::time::Instant;
use mandates_domain::{Party, PartyName};
use sqlx::Row;

use crate::backend::{on_pool, on_tx};
use crate::codec::micros;
use crate::{Result, Store, StoreError, WriteTx};

/// Parties a statement of [`Store::names_of`] asks for: well under both databases' limits
/// on bound values.
const NAMES_PER_STATEMENT: usize = 500;

/// Writes a name unless the party is known by it already; `true` when it was new or changed.
const LEARN: &str = "INSERT INTO party_names (party, name, learned_at) VALUES ($1, $2, $3) \
     ON CONFLICT (party) DO UPDATE SET name = excluded.name, learned_at = excluded.learned_at \
     WHERE party_names.name <> excluded.name";

impl Store {
    /// Keeps the name `party` is known by, learned at `at`; returns whether it was new or
    /// changed (the same name again writes nothing).
    pub async fn learn_name(&self, party: &Party, name: &PartyName, at: Instant) -> Result<bool> {
        let mut tx = self.begin_unlocked().await?;
        let changed = tx.learn_name(party, name, at).await?;
        tx.commit().await?;
        Ok(changed)
    }

    /// The names known of `parties` (those without one are absent), in one call whatever
    /// their number.
    pub async fn names_of<'a>(
        &self,
        parties: impl IntoIterator<Item = &'a Party>,
    ) -> Result<BTreeMap<Party, PartyName>> {
        let wanted: BTreeSet<&str> = parties.into_iter().map(Party::as_str).collect();
        let wanted: Vec<&str> = wanted.into_iter().collect();
        let mut names = BTreeMap::new();
        for chunk in wanted.chunks(NAMES_PER_STATEMENT) {
            let rows = on_pool!(self, pool => {
                let mut sql = sqlx::QueryBuilder::new("SELECT party, name FROM party_names WHERE party IN (");
                let mut list = sql.separated(", ");
                for party in chunk {
                    list.push_bind(*party);
                }
                sql.push(")");
                sql.build()
                    .persistent(false)
                    .fetch_all(pool)
                    .await?
                    .iter()
                    .map(|r| Ok((r.try_get::<String, _>("party")?, r.try_get::<String, _>("name")?)))
                    .collect::<Result<Vec<_>>>()?
            });
            for (party, name) in rows {
                let party = Party::parse(&party)
                    .map_err(|e| StoreError::Corrupt(format!("a named party: {e}")))?;
                let name = PartyName::parse(&name)
                    .map_err(|e| StoreError::Corrupt(format!("a party's name: {e}")))?;
                names.insert(party, name);
            }
        }
        Ok(names)
    }
}

impl WriteTx {
    /// [`Store::learn_name`] inside the transaction (an import, the demo data).
    pub async fn learn_name(
        &mut self,
        party: &Party,
        name: &PartyName,
        at: Instant,
    ) -> Result<bool> {
        let written = on_tx!(self, c => {
            sqlx::query(LEARN)
                .bind(party.as_str())
                .bind(name.as_str())
                .bind(micros(at))
                .execute(&mut *c)
                .await?
                .rows_affected()
        });
        Ok(written > 0)
    }
}
