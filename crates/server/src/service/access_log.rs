//! Reading the access log: who asked what about the party one acts for, within the domains
//! one may see.

use mandates_domain::access::{self, DomainScope};
use mandates_domain::actor::Actor;
use mandates_store::AccessEntry;

use super::cursor;
use crate::AppState;
use crate::error::AppError;

/// The largest page.
pub const MAX_LIMIT: i64 = 500;

/// A page of the log, newest first, and the position after its last entry (when there may
/// be more).
pub struct LogPage {
    pub items: Vec<AccessEntry>,
    pub next: Option<String>,
}

/// The entries about the actor's party after `position` (a [`cursor::at_id`]), at most
/// `limit`; what this instance still holds in its spool goes to the store first.
pub async fn read(
    state: &AppState,
    actor: &Actor,
    position: Option<&(mandates_domain::time::Instant, String)>,
    limit: i64,
) -> Result<LogPage, AppError> {
    let scope = access::access_log_scope(actor)?;
    let domains = match &scope {
        DomainScope::All => None,
        DomainScope::Only(domains) => Some(domains),
    };
    // What this instance answered just before is in the store before it is read (unless
    // the store is slow to take it: then it shows a moment later).
    state
        .access_log()
        .flush(std::time::Duration::from_secs(2))
        .await;
    let items = state
        .store()
        .access_log_of(
            actor.party.as_str(),
            domains,
            position.map(|(at, id)| (*at, id.as_str())),
            limit,
        )
        .await?;
    let next = (items.len() as i64 == limit)
        .then(|| items.last().map(|e| cursor::at_id(e.at, &e.id)))
        .flatten();
    Ok(LogPage { items, next })
}
