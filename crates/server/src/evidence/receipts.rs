//! Signed receipts: a compact JWS over one event of a mandate (who acted, for whom, what,
//! when, how they signed in, and where the event stands in the chain), with the event's
//! canonical form inside so that its digest can be computed again. Ed25519 signatures are
//! deterministic: the receipt of an event downloaded later is the one given at the time.

use mandates_domain::evidence::{CanonicalEvent, Hash};
use mandates_domain::mandate::Mandate;
use mandates_store::StoredEvent;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::AppState;
use crate::auth::Principal;
use crate::error::AppError;
use crate::service::unit::Done;

/// The JWS type of a receipt.
pub const RECEIPT_TYPE: &str = "receipt+jwt";

/// What a receipt signs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReceiptClaims {
    /// The service (its public address).
    pub iss: String,
    /// The mandate.
    pub sub: Uuid,
    /// When the event happened, in seconds since 1970 (`at` to the microsecond).
    pub iat: i64,
    /// What happened: `created`, `signed`, `rejected`, `stopped`, `transfer_requested`, ...
    pub what: String,
    pub at: String,
    /// The person who acted (absent for what followed from another event).
    pub by: Option<String>,
    /// The party they acted as (themselves or an enterprise).
    #[serde(rename = "as")]
    pub as_party: Option<String>,
    /// The parties of the mandate: who gives, who receives.
    pub mandator: String,
    pub mandatee: String,
    /// How the person signed in: the level (`acr`) and the methods (`amr`).
    pub acr: Option<String>,
    pub amr: Vec<String>,
    /// The event's place in the chain: its number, its digest and the chain value at it
    /// (the head of the log when it was recorded).
    pub seq: i64,
    pub digest: Hash,
    pub chain: Hash,
    /// The event as the chain hashes it: its RFC 8785 form gives `digest`.
    pub event: CanonicalEvent,
}

/// The receipt of event `e` of mandate `m`; none while the event is not chained.
pub fn receipt(state: &AppState, m: &Mandate, e: &StoredEvent) -> Result<Option<String>, AppError> {
    let (Some(digest), Some(chain)) = (e.digest, e.chain) else {
        return Ok(None);
    };
    let event = e.canonical();
    let auth = |name: &str| e.auth.get(name).cloned();
    let claims = ReceiptClaims {
        iss: state.tokens().issuer().to_owned(),
        sub: m.id,
        iat: e.at.timestamp(),
        what: e.kind.as_str().to_owned(),
        at: event.at.clone(),
        by: e.person.clone(),
        as_party: e.party.clone(),
        mandator: m.terms.mandator.as_str().to_owned(),
        mandatee: m.terms.mandatee.as_str().to_owned(),
        acr: auth("acr").and_then(|v| v.as_str().map(str::to_owned)),
        amr: auth("amr")
            .and_then(|v| serde_json::from_value(v).ok())
            .unwrap_or_default(),
        seq: e.seq,
        digest,
        chain,
        event,
    };
    state
        .evidence_keys()
        .sign(RECEIPT_TYPE, &claims)
        .map(Some)
        .map_err(|e| AppError::internal("signing a receipt", e))
}

/// More than a change records of one mandate (a creation: two; a transfer: three).
const EVENTS_OF_A_CHANGE: i64 = 8;

/// The receipts of the acts of a change: the events of its mandate that the person
/// recorded at its moment (a repeated request gets those of the first).
pub async fn of_change(
    state: &AppState,
    done: &Done<Mandate>,
    principal: &Principal,
) -> Result<Vec<String>, AppError> {
    let m = &done.value;
    let person = principal.person.as_str();
    let at = done.at.timestamp_micros();
    let subject = m.id.to_string();
    // The events the change recorded; for an answer given before, read again (a change
    // records a few events of a mandate, the last at its sequence number).
    let recent = if done.recorded.is_empty() {
        state
            .store()
            .last_events_of("mandate", &subject, done.seq, EVENTS_OF_A_CHANGE)
            .await?
    } else {
        done.recorded
            .iter()
            .filter(|e| e.kind.stream() == "mandate" && e.subject == subject)
            .cloned()
            .collect()
    };
    let mut receipts = Vec::new();
    for e in recent {
        if e.person.as_deref() == Some(person) && e.at.timestamp_micros() == at {
            receipts.extend(receipt(state, m, &e)?);
        }
    }
    Ok(receipts)
}
