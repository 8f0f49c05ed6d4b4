//! Signed checkpoints: at intervals while events are added, and whenever a proof needs one,
//! the chain value of the last event is signed with the evidence key and kept.

use mandates_domain::evidence::{Hash, canonical_instant};
use mandates_domain::time::Instant;
use mandates_store::Checkpoint;
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::error::AppError;

/// The JWS type of a checkpoint.
pub const CHECKPOINT_TYPE: &str = "checkpoint+jwt";

/// What a checkpoint signs: the chain value of event `seq`, at `at`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckpointClaims {
    /// The service (its public address).
    pub iss: String,
    pub seq: i64,
    pub chain: Hash,
    /// When it was signed: seconds since 1970, and RFC 3339 with microseconds.
    pub iat: i64,
    pub at: String,
}

/// A checkpoint at the last event, signed now; the last one kept when no event came since,
/// none while the log is empty or its last event is not chained yet.
pub async fn sign_now(state: &AppState) -> Result<Option<Checkpoint>, AppError> {
    let store = state.store();
    let head = store.last_seq().await?;
    let last = store.last_checkpoint().await?;
    if let Some(last) = last.filter(|c| c.seq >= head) {
        return Ok(Some(last));
    }
    let Some(chain) = store.chain_at(head).await? else {
        return Ok(None);
    };
    let at = state.clock().now();
    let checkpoint = signed(state, head, chain, at)?;
    if !store.add_checkpoint(&checkpoint).await? {
        // Another instance signed the same event first: theirs is kept.
        return Ok(store.checkpoint_from(head).await?);
    }
    tracing::debug!(seq = head, "checkpoint signed");
    Ok(Some(checkpoint))
}

fn signed(state: &AppState, seq: i64, chain: Hash, at: Instant) -> Result<Checkpoint, AppError> {
    let keys = state.evidence_keys();
    let claims = CheckpointClaims {
        iss: state.tokens().issuer().to_owned(),
        seq,
        chain,
        iat: at.timestamp(),
        at: canonical_instant(at),
    };
    let jws = keys
        .sign(CHECKPOINT_TYPE, &claims)
        .map_err(|e| AppError::internal("signing a checkpoint", e))?;
    Ok(Checkpoint {
        seq,
        chain,
        at,
        kid: keys.kid().to_owned(),
        jws,
    })
}

/// Every `seconds`: a checkpoint if events came since the last. Stopped when the state is
/// dropped.
pub fn keep(state: &AppState, seconds: u64) {
    let weak = state.downgrade();
    let every = std::time::Duration::from_secs(seconds.max(1));
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(every).await;
            let Some(state) = AppState::upgrade(&weak) else {
                break;
            };
            if let Err(e) = sign_now(&state).await {
                tracing::warn!(error = %e, "no checkpoint could be signed; trying again later");
            }
        }
    });
}
