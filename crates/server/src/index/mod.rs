//! The in-memory index that answers checks for "now": every grant (mandatee, mandator,
//! type) of pending, active and stopped mandates, every person's enterprise roles, and the
//! business applications that were revoked (whose tokens are refused).
//! It follows the event log: built from the store at start-up, then kept current by
//! reloading what each new event touched. Its answers mean what [`decide`] means.
//!
//! - this file: the index shared by all requests, and its answers;
//! - `grants.rs`: what it holds, packed small, and the decision over it;
//! - `follow.rs`: building it from the store and following the event log.
//!
//! [`decide`]: mandates_domain::check::decide

mod follow;
mod grants;

use std::collections::HashSet;
use std::sync::RwLock;
use std::sync::atomic::{AtomicI64, Ordering};

use mandates_domain::catalog::Catalog;
use mandates_domain::check::Decision;
use mandates_domain::mandate::Mandate;
use mandates_domain::roles::EnterpriseRole;
use mandates_domain::time::Instant;
use mandates_domain::{Insz, Kbo, Party};

pub use follow::follow;
pub use grants::party_code;
use grants::{Data, digits, micros};

/// The index, shared by all requests of an instance.
pub struct Index {
    data: RwLock<Data>,
    /// Client ids of revoked business applications (a revocation is never undone).
    revoked_clients: RwLock<HashSet<String>>,
    applied: AtomicI64,
    /// The sequence reached, for those who wait for the log to move (the event feed's
    /// long polls, the webhook dispatcher).
    moved: tokio::sync::watch::Sender<i64>,
    sync: tokio::sync::Mutex<()>,
}

/// Sizes, for logs and benchmarks.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct IndexStats {
    pub grants: usize,
    pub people_with_roles: usize,
    pub applied: i64,
}

impl Index {
    /// An empty index for a catalog.
    pub fn new(catalog: &Catalog) -> Index {
        Index {
            data: RwLock::new(Data::new(catalog)),
            revoked_clients: RwLock::new(HashSet::new()),
            applied: AtomicI64::new(0),
            moved: tokio::sync::watch::Sender::new(0),
            sync: tokio::sync::Mutex::new(()),
        }
    }

    /// The event sequence number the index reflects.
    pub fn applied(&self) -> i64 {
        self.applied.load(Ordering::Acquire)
    }

    /// Records the sequence reached and wakes whoever waits for it.
    fn reached(&self, seq: i64) {
        self.applied.store(seq, Ordering::Release);
        self.moved.send_if_modified(|v| {
            let moved = *v != seq;
            *v = seq;
            moved
        });
    }

    /// Waits until the index has followed the log past `seq`, or `deadline`; says whether
    /// it moved. Every instance follows the log within a second, so this is how a long poll
    /// learns of an event written by any instance.
    pub async fn wait_past(&self, seq: i64, deadline: tokio::time::Instant) -> bool {
        let mut moved = self.moved.subscribe();
        tokio::time::timeout_at(deadline, moved.wait_for(|v| *v > seq))
            .await
            .is_ok_and(|r| r.is_ok())
    }

    pub fn stats(&self) -> IndexStats {
        let data = self.data.read().unwrap_or_else(|e| e.into_inner());
        IndexStats {
            grants: data.grants.len() + data.more.values().map(Vec::len).sum::<usize>(),
            people_with_roles: data.roles.len(),
            applied: self.applied(),
        }
    }

    /// The type id of a code, if the catalog knows it.
    pub fn type_id(&self, code: &str) -> Option<u32> {
        self.data
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .types
            .get(code)
            .copied()
    }

    /// Puts one mandate in the index (as a sync does after an event).
    pub fn insert(&self, m: &Mandate) {
        self.data
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .put_mandate(&m.standing());
    }

    /// Puts an enterprise's roster in the index.
    pub fn insert_roster(&self, enterprise: &Kbo, roles: &[EnterpriseRole]) {
        self.data
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .put_roster(enterprise, roles);
    }

    /// Whether a business application was revoked, as far as the index has followed the log.
    pub fn client_revoked(&self, client_id: &str) -> bool {
        self.revoked_clients
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .contains(client_id)
    }

    fn note_revoked(&self, client_ids: impl IntoIterator<Item = String>) {
        self.revoked_clients
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .extend(client_ids);
    }

    /// The answer for now, from memory.
    pub fn check(&self, actor: &Insz, mandator: &Party, type_id: u32, now: Instant) -> Decision {
        let data = self.data.read().unwrap_or_else(|e| e.into_inner());
        data.decide(
            digits(actor.as_str()),
            party_code(mandator),
            type_id,
            micros(now),
        )
    }
}
