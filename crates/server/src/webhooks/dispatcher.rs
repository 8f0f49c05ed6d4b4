//! The webhook dispatcher of an instance. Every round, when there is work:
//!
//! 1. **fan-out**: in one short transaction, it locks subscriptions whose cursor is behind
//!    the log (on PostgreSQL those no other instance holds), writes one outbox delivery
//!    (channel `webhook`) per event each may see, and moves their cursors: an event becomes a
//!    subscription's delivery exactly once, whatever the number of instances;
//! 2. **delivery**: it leases due webhook deliveries and POSTs each CloudEvent, signed per
//!    Standard Webhooks with the delivery's id as `webhook-id` (the same on every retry, so
//!    a receiver drops a duplicate), and records how they went in one transaction. A 2xx
//!    answer is delivered; anything else is tried again
//!    after a wait that doubles from `retry_base_seconds` up to `retry_max_seconds`, until
//!    `retry_for_seconds` after the event, then failed with the reason. A delivery is leased
//!    for `lease_seconds` (an instance killed mid-delivery leaves it to another when the
//!    lease runs out), and an attempt that would outlast its lease is given up and retried.
//!
//! It wakes when the index follows a new event, and every `poll_millis` for retries.

use std::collections::HashMap;

use chrono::Duration;
use mandates_store::{Channel, Delivery, NewDelivery, Settle, Store, StoreError, Subscription};
use uuid::Uuid;

use super::{address, signing};
use crate::AppState;
use crate::clock::Clock;
use crate::config::WebhookSettings;
use crate::events::{Fact, feed};
use crate::tokens::ClientPrincipal;

/// Subscriptions served in one fan-out.
const FANOUT_SUBSCRIPTIONS: i64 = 100;
/// Events read for a subscription in one fan-out.
const FANOUT_EVENTS: i64 = 500;
/// Deliveries attempted at once (side by side, each on a connection of its own).
const CLAIM: i64 = 50;

/// A running dispatcher.
pub struct Running {
    task: tokio::task::JoinHandle<()>,
    owner: String,
}

impl Running {
    /// Stops it and gives back the deliveries it holds, for another instance to send now.
    pub async fn stop(self, store: &Store) {
        self.task.abort();
        let _ = self.task.await;
        if let Err(e) = store.release_deliveries(&self.owner).await {
            tracing::warn!(error = %e, "leased webhook deliveries could not be released");
        }
    }
}

/// Starts the dispatcher of an instance; it ends when the state is dropped or the store
/// closed.
pub fn start(state: &AppState) -> Option<Running> {
    let settings = state.config().webhooks.settings();
    let http = match address::client(settings.allow_private, settings.timeout) {
        Ok(http) => http,
        Err(e) => {
            tracing::error!(error = %e, "no HTTP client for webhooks: none will be sent");
            return None;
        }
    };
    let owner = format!("webhooks-{}", Uuid::new_v4());
    let weak = state.downgrade();
    let poll = settings.poll;
    let task = tokio::spawn({
        let owner = owner.clone();
        async move {
            loop {
                let Some(state) = AppState::upgrade(&weak) else {
                    break;
                };
                let seen = state.index().applied();
                match round(&state, &owner, &http).await {
                    Err(e) if e.is_closed() => break,
                    Err(e) => tracing::warn!(error = %e, "webhooks could not be dispatched"),
                    // A full round: there is more to do at once.
                    Ok(true) => continue,
                    Ok(false) => {}
                }
                state
                    .index()
                    .wait_past(seen, tokio::time::Instant::now() + poll)
                    .await;
            }
        }
    });
    Some(Running { task, owner })
}

/// One round: fan out what is new, then send what is due. Says whether it did as much as
/// a round does (there may be more waiting).
async fn round(state: &AppState, owner: &str, http: &reqwest::Client) -> Result<bool, StoreError> {
    let now = state.clock().now();
    let last = state.store().last_seq().await?;
    if !state.store().webhook_work(last, now).await? {
        return Ok(false);
    }
    let fanned = fan_out(state, last, now).await?;
    let sent = deliver(state, owner, http, now).await?;
    Ok(fanned || sent)
}

/// Writes the deliveries of the events after each locked subscription's cursor, and moves
/// the cursors, in one transaction. Says whether it took as many subscriptions or events as
/// it may at once.
async fn fan_out(
    state: &AppState,
    last: i64,
    now: mandates_domain::time::Instant,
) -> Result<bool, StoreError> {
    let store = state.store();
    let mut tx = store.begin_unlocked().await?;
    let subscriptions = tx.lock_webhooks_behind(last, FANOUT_SUBSCRIPTIONS).await?;
    let mut read: HashMap<i64, (Vec<Fact>, Option<i64>)> = HashMap::new();
    let mut clients: HashMap<String, Option<ClientPrincipal>> = HashMap::new();
    let mut deliveries = Vec::new();
    let mut full = i64::try_from(subscriptions.len()).unwrap_or(i64::MAX) >= FANOUT_SUBSCRIPTIONS;
    for s in &subscriptions {
        if let std::collections::hash_map::Entry::Vacant(slot) = read.entry(s.cursor) {
            slot.insert(feed::facts_after(store, s.cursor, FANOUT_EVENTS).await?);
        }
        let Some((facts, Some(scanned))) = read.get(&s.cursor) else {
            continue;
        };
        if !clients.contains_key(&s.client_id) {
            let client = store
                .client(&s.client_id)
                .await?
                .filter(|c| c.revoked_at.is_none())
                .map(|c| ClientPrincipal::from(&c));
            clients.insert(s.client_id.clone(), client);
        }
        // A revoked application's subscriptions move on without deliveries.
        if let Some(Some(client)) = clients.get(&s.client_id) {
            for f in facts {
                if let Some(d) = delivery(s, f, client, state.public_base(), now)? {
                    deliveries.push(d);
                }
            }
        }
        full |= scanned - s.cursor >= FANOUT_EVENTS;
        tx.set_webhook_cursor(s.id, *scanned).await?;
    }
    tx.add_deliveries(&deliveries).await?;
    tx.commit().await?;
    Ok(full)
}

/// The delivery of a fact to a subscription, if its application sees it and the
/// subscription wants its type.
fn delivery(
    s: &Subscription,
    fact: &Fact,
    client: &ClientPrincipal,
    source: &str,
    now: mandates_domain::time::Instant,
) -> Result<Option<NewDelivery>, StoreError> {
    let Some(event) = fact.view(client, source) else {
        return Ok(None);
    };
    if !s.types.is_empty() && !s.types.iter().any(|t| t == event.kind) {
        return Ok(None);
    }
    Ok(Some(NewDelivery {
        id: Uuid::new_v4(),
        channel: Channel::Webhook,
        target: s.id.to_string(),
        seq: Some(fact.seq),
        payload: serde_json::to_value(&event).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        due_at: now,
    }))
}

/// Leases the due deliveries, sends them side by side, and records how each went in one
/// store transaction. Says whether it took as many as it may at once.
async fn deliver(
    state: &AppState,
    owner: &str,
    http: &reqwest::Client,
    now: mandates_domain::time::Instant,
) -> Result<bool, StoreError> {
    let settings = state.config().webhooks.settings();
    let lease = settings.lease;
    // An attempt ends well within the lease: no other instance sends the delivery meanwhile.
    let deadline = tokio::time::Instant::now() + lease.to_std().unwrap_or_default() * 4 / 5;
    let store = state.store();
    let claimed = store
        .claim_deliveries(Channel::Webhook, owner, now, lease, CLAIM)
        .await?;
    let full = i64::try_from(claimed.len()).unwrap_or(i64::MAX) >= CLAIM;
    // Each subscription read once for the batch.
    let mut subscriptions: HashMap<String, Option<Subscription>> = HashMap::new();
    for d in &claimed {
        if !subscriptions.contains_key(&d.target) {
            let subscription = match Uuid::parse_str(&d.target) {
                Ok(id) => store.webhook(id).await?,
                Err(_) => None,
            };
            subscriptions.insert(
                d.target.clone(),
                subscription.filter(|s| s.disabled_at.is_none()),
            );
        }
    }
    let mut settled = Vec::with_capacity(claimed.len());
    let mut sending = tokio::task::JoinSet::new();
    for d in claimed {
        let Some(Some(s)) = subscriptions.get(&d.target) else {
            let now = state.clock().now();
            settled.push((
                d.id,
                Settle::Dropped(now, "the subscription was removed".into()),
            ));
            continue;
        };
        let (s, state, http) = (s.clone(), state.clone(), http.clone());
        sending.spawn(async move { deliver_one(&state, &http, &s, &d, deadline).await });
    }
    // How each went is recorded as soon as it is known, those known together in one
    // transaction: an answered delivery is never left unrecorded until its lease runs out.
    store.settle_deliveries(owner, &settled).await?;
    while let Some(done) = sending.join_next().await {
        let mut settled = Vec::new();
        let mut record = |done: Result<(Uuid, Settle), tokio::task::JoinError>| match done {
            Ok(outcome) => settled.push(outcome),
            // Not recorded: its lease runs out and it is tried again.
            Err(e) => tracing::warn!(error = %e, "a webhook delivery stopped"),
        };
        record(done);
        while let Some(more) = sending.try_join_next() {
            record(more);
        }
        store.settle_deliveries(owner, &settled).await?;
    }
    Ok(full)
}

/// Sends one delivery, given up at `deadline`; how it went.
async fn deliver_one(
    state: &AppState,
    http: &reqwest::Client,
    s: &Subscription,
    d: &Delivery,
    deadline: tokio::time::Instant,
) -> (Uuid, Settle) {
    let settings = state.config().webhooks.settings();
    let sent = tokio::time::timeout_at(deadline, send(settings.allow_private, http, s, d))
        .await
        .unwrap_or_else(|_| Err("no answer within the delivery's lease".to_owned()));
    let now = state.clock().now();
    let settle = match sent {
        Ok(()) => Settle::Delivered(now),
        Err(reason) => {
            let due = now + backoff(&settings, d.attempts);
            if due - d.created_at > settings.retry_for {
                tracing::warn!(delivery = %d.id, subscription = %s.id, reason = %reason, "a webhook delivery failed after its last retry");
                Settle::Failed(now, reason)
            } else {
                tracing::info!(delivery = %d.id, subscription = %s.id, reason = %reason, "a webhook delivery will be retried");
                Settle::Retry(due, reason)
            }
        }
    };
    (d.id, settle)
}

/// The wait before the next attempt after `failed` failed ones: the base, doubled for each,
/// at most the maximum.
fn backoff(settings: &WebhookSettings, failed: i32) -> Duration {
    let factor = 1i32 << failed.clamp(0, 30);
    settings
        .retry_base
        .checked_mul(factor)
        .map_or(settings.retry_max, |wait| wait.min(settings.retry_max))
}

/// POSTs a delivery's CloudEvent to its subscription, signed; why not, when it fails.
async fn send(
    allow_private: bool,
    http: &reqwest::Client,
    s: &Subscription,
    d: &Delivery,
) -> Result<(), String> {
    let url = address::parse(&s.url, allow_private).map_err(|e| e.to_string())?;
    // The client's resolver checks what a name resolves to; an address written as an IP is
    // checked here.
    address::resolve(&url, allow_private)
        .await
        .map_err(|e| e.to_string())?;
    let body = serde_json::to_vec(&d.payload).map_err(|e| e.to_string())?;
    let id = d.id.to_string();
    let timestamp = Clock::wall_seconds();
    let signature = signing::sign(&s.secret, &id, timestamp, &body)
        .ok_or_else(|| "the subscription's secret cannot sign".to_owned())?;
    let answer = http
        .post(url)
        .header("content-type", "application/cloudevents+json")
        .header("webhook-id", &id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .body(body)
        .send()
        .await
        .map_err(|e| describe(&e))?;
    if answer.status().is_success() {
        Ok(())
    } else {
        Err(format!("the receiver answered {}", answer.status()))
    }
}

/// An error with its causes, as an operator reads it.
fn describe(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_up_to_the_maximum() {
        let settings = crate::config::WebhooksConfig::default().settings();
        let waits: Vec<i64> = (0..40)
            .map(|n| backoff(&settings, n).num_seconds())
            .collect();
        assert_eq!(waits[..9], [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]);
        assert!(waits[9..].iter().all(|w| *w == 3600));
    }
}
