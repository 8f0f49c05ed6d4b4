//! How the index follows the store: built from it at start-up, then kept current by
//! reloading what each new event touched.

use std::collections::{BTreeSet, HashMap};

use mandates_domain::Kbo;
use mandates_domain::roles::EnterpriseRole;
use mandates_store::{EventKind, Store, StoreError};
use uuid::Uuid;

use super::Index;

impl Index {
    /// Loads everything from the store: the state as of the store's last event.
    pub async fn build(&self, store: &Store) -> Result<(), StoreError> {
        let _guard = self.sync.lock().await;
        let seq = store.last_seq().await?;
        let revoked = store
            .clients()
            .await?
            .into_iter()
            .filter(|c| c.revoked_at.is_some())
            .map(|c| c.id);
        self.note_revoked(revoked);
        let roles = store.all_roles().await?;
        let mut by_enterprise: HashMap<Kbo, Vec<EnterpriseRole>> = HashMap::new();
        for r in roles {
            by_enterprise
                .entry(r.enterprise.clone())
                .or_default()
                .push(r);
        }
        {
            let mut data = self.data.write().unwrap_or_else(|e| e.into_inner());
            for (enterprise, roles) in &by_enterprise {
                data.put_roster(enterprise, roles);
            }
        }
        store
            .for_each_standing(10_000, |batch| {
                let mut data = self.data.write().unwrap_or_else(|e| e.into_inner());
                for m in &batch {
                    data.put_mandate(m);
                }
            })
            .await?;
        self.reached(seq);
        Ok(())
    }

    /// Applies the events committed since the last sync; returns the sequence reached.
    pub async fn sync(&self, store: &Store) -> Result<i64, StoreError> {
        let _guard = self.sync.lock().await;
        loop {
            let from = self.applied();
            let events = store.events_after(from, 5_000).await?;
            let Some(last) = events.last().map(|e| e.seq) else {
                return Ok(from);
            };
            let mut mandates = BTreeSet::new();
            let mut enterprises = BTreeSet::new();
            let mut revoked = Vec::new();
            for e in &events {
                match e.kind {
                    EventKind::Mandate(_) => {
                        if let Ok(id) = Uuid::parse_str(&e.subject) {
                            mandates.insert(id);
                        }
                    }
                    EventKind::Role(_) => {
                        if let Ok(k) = Kbo::parse(&e.subject) {
                            enterprises.insert(k);
                        }
                    }
                    EventKind::CatalogLoaded | EventKind::EvidenceExported => {}
                    EventKind::ClientRevoked => revoked.push(e.subject.clone()),
                }
            }
            let ids: Vec<Uuid> = mandates.into_iter().collect();
            let standings = store.standings_of(&ids).await?;
            let mut rosters = Vec::with_capacity(enterprises.len());
            for k in enterprises {
                let roles = store.roles_of_enterprise(&k).await?;
                rosters.push((k, roles));
            }
            self.note_revoked(revoked);
            {
                let mut data = self.data.write().unwrap_or_else(|e| e.into_inner());
                for m in &standings {
                    data.put_mandate(m);
                }
                for (k, roles) in &rosters {
                    data.put_roster(k, roles);
                }
            }
            self.reached(last);
        }
    }
}

/// Keeps an index current: on every notification of new events (PostgreSQL), and every
/// half second whatever happens (a lost notification, SQLite); until the store is closed.
pub fn follow(index: std::sync::Arc<Index>, store: Store) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut notifications = match store.listen_events().await {
            Ok(n) => n,
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for new events; polling only");
                None
            }
        };
        // A closed store never answers again: the follower ends, and gives back the connection
        // it listens on, so that closing the store finishes.
        loop {
            match notifications.as_mut() {
                Some(n) => {
                    let waited =
                        tokio::time::timeout(std::time::Duration::from_millis(500), n.next()).await;
                    if let Ok(Err(e)) = waited {
                        if e.is_closed() {
                            break;
                        }
                        tracing::warn!(error = %e, "event notifications interrupted");
                        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
                    }
                }
                None => tokio::time::sleep(std::time::Duration::from_millis(500)).await,
            }
            match index.sync(&store).await {
                Err(e) if e.is_closed() => break,
                Err(e) => tracing::warn!(error = %e, "index could not follow the event log"),
                Ok(_) => {}
            }
        }
        tracing::info!("the store is closed: the index no longer follows the event log");
    })
}
