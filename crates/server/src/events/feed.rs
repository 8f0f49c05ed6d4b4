//! The feed of CloudEvents an application may see, in event-log order after a cursor.
//! The cursor is the sequence number of the last event scanned, whether the application
//! saw it or not: a resume skips what it may not see and misses nothing it may.

use std::collections::{BTreeSet, HashMap};

use mandates_store::{EventKind, Store, StoreError};
use uuid::Uuid;

use super::{CloudEvent, Fact};
use crate::AppState;
use crate::tokens::ClientPrincipal;

/// Events read from the log at once.
const SCAN_BATCH: i64 = 1000;
/// Events scanned at most for one page, however few of them the application sees.
pub const MAX_SCAN: i64 = 10_000;

/// The published facts of the events after `after` (at most `limit` events read), and the
/// sequence of the last event read (`None`: there is none after `after`).
pub async fn facts_after(
    store: &Store,
    after: i64,
    limit: i64,
) -> Result<(Vec<Fact>, Option<i64>), StoreError> {
    let events = store.events_after(after, limit).await?;
    let last = events.last().map(|e| e.seq);
    let ids: BTreeSet<Uuid> = events
        .iter()
        .filter(|e| matches!(e.kind, EventKind::Mandate(_)))
        .filter_map(|e| Uuid::parse_str(&e.subject).ok())
        .collect();
    let ids: Vec<Uuid> = ids.into_iter().collect();
    let mandates: HashMap<Uuid, _> = store
        .mandates_by_ids(&ids)
        .await?
        .into_iter()
        .map(|m| (m.id, m))
        .collect();
    let facts = events
        .iter()
        .filter_map(|e| {
            let m = mandates.get(&Uuid::parse_str(&e.subject).ok()?)?;
            Fact::of(e, m)
        })
        .collect();
    Ok((facts, last))
}

/// A page of the feed.
#[derive(Debug)]
pub struct Page {
    pub events: Vec<CloudEvent>,
    /// Where to resume: the sequence of the last event scanned (`after` when none was).
    pub next: i64,
}

/// Up to `limit` events the client may see after `after`. With nothing to give, waits until
/// the log moves past the cursor or `wait` runs out (a long poll).
pub async fn read(
    state: &AppState,
    client: &ClientPrincipal,
    after: i64,
    limit: usize,
    wait: std::time::Duration,
) -> Result<Page, StoreError> {
    let deadline = tokio::time::Instant::now() + wait;
    let source = state.public_base();
    let mut events = Vec::new();
    let mut next = after;
    let mut scanned = 0;
    loop {
        let (facts, last) = facts_after(state.store(), next, SCAN_BATCH).await?;
        for f in &facts {
            if let Some(event) = f.view(client, source) {
                events.push(event);
                if events.len() >= limit {
                    return Ok(Page {
                        events,
                        next: f.seq,
                    });
                }
            }
        }
        let Some(last) = last else {
            // The end of the log: what there is, or wait for more.
            if !events.is_empty() || tokio::time::Instant::now() >= deadline {
                return Ok(Page { events, next });
            }
            if !state.index().wait_past(next, deadline).await {
                return Ok(Page { events, next });
            }
            // The index follows the store, so the new events are there now; a short pause
            // all the same, should the two disagree for a moment.
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            continue;
        };
        scanned += last - next;
        next = last;
        if scanned >= MAX_SCAN {
            return Ok(Page { events, next });
        }
    }
}
