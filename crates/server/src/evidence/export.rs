//! The evidence of a mandate, for its parties: its terms, every event in its canonical form
//! with its digest, chain value and receipt, and the proof that links each event to a signed
//! checkpoint; with the public keys, everything needed to verify it offline. Every export is
//! recorded in the event log.

use std::collections::BTreeMap;

use mandates_domain::access;
use mandates_domain::actor::Actor;
use mandates_domain::evidence::{CanonicalEvent, Hash, Proof};
use mandates_domain::mandate::Mandate;
use mandates_domain::time::Instant;
use mandates_domain::{DomainError, evidence::canonical_instant};
use mandates_store::{Checkpoint, EventKind, NewEvent, StoredEvent};
use serde::{Deserialize, Serialize};

use super::checkpoints;
use super::receipts::receipt;
use crate::AppState;
use crate::error::AppError;
use crate::http::csv::CsvFile;

/// The format of an evidence file, written in it.
pub const FORMAT: &str = "mandates-evidence/1";

/// The most digests one proof may carry: the events between one of the mandate's and the
/// next checkpoint (at a checkpoint a minute, far more than a minute's events).
const MAX_PROOF: i64 = 1_000_000;

/// A mandate's evidence, as exported.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Evidence {
    /// `mandates-evidence/1`.
    pub format: String,
    /// The service that made it (the `iss` of its receipts and checkpoints).
    pub issuer: String,
    pub made_at: String,
    /// The mandate as it stands (its terms, parties, status), as the API shows it.
    pub mandate: serde_json::Value,
    /// Every event of the mandate, oldest first.
    pub events: Vec<EvidenceEvent>,
    /// The proofs that link the events to checkpoints.
    pub proofs: Vec<Segment>,
    /// The checkpoints the proofs reach (compact JWS).
    pub checkpoints: Vec<CheckpointJws>,
    /// The public keys that verify the receipts and checkpoints (a JWKS).
    pub keys: serde_json::Value,
}

/// One event: its canonical form (whose SHA-256 is `digest`), its chain value, its receipt.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EvidenceEvent {
    pub seq: i64,
    pub event: CanonicalEvent,
    pub digest: Hash,
    pub chain: Hash,
    pub receipt: String,
}

/// A stretch of the chain from the event before `from` to `checkpoint`: the chain value
/// before `from`, then the digest of every event from `from` to `checkpoint` in order. The
/// mandate's own events in it are recomputed from their canonical forms.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Segment {
    pub checkpoint: i64,
    pub from: i64,
    pub before: Hash,
    pub digests: Vec<Hash>,
}

impl Segment {
    /// The chain value the segment reaches.
    pub fn reaches(&self) -> Option<Hash> {
        let (first, rest) = self.digests.split_first()?;
        Some(
            Proof {
                before: self.before,
                after: rest.to_vec(),
            }
            .reaches(first),
        )
    }
}

/// A checkpoint as kept: its sequence number and its JWS.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CheckpointJws {
    pub seq: i64,
    pub jws: String,
}

/// The evidence of mandate `m` for `actor` (one of its parties), at `now`; the export is
/// recorded as `format`.
pub async fn of_mandate(
    state: &AppState,
    actor: &Actor,
    m: &Mandate,
    format: &'static str,
    now: Instant,
) -> Result<Evidence, AppError> {
    if !access::may_export(actor, m) {
        return Err(DomainError::forbidden("export_not_allowed").into());
    }
    let stored = crate::service::mandates::history(state, m).await?;
    // The last event is covered by a checkpoint: one is signed now if need be.
    let last = stored.last().map_or(0, |e| e.seq);
    let covered = state
        .store()
        .last_checkpoint()
        .await?
        .is_some_and(|c| c.seq >= last);
    if !covered {
        checkpoints::sign_now(state).await?;
    }
    let mut events = Vec::with_capacity(stored.len());
    for e in &stored {
        events.push(evidence_event(state, m, e)?);
    }
    let (proofs, reached) = proofs(state, &stored).await?;
    let evidence = Evidence {
        format: FORMAT.into(),
        issuer: state.tokens().issuer().to_owned(),
        made_at: canonical_instant(now),
        mandate: serde_json::to_value(crate::api::views::MandateView::of(m, &actor.party, now))
            .map_err(|e| AppError::internal("writing a mandate", e))?,
        events,
        proofs,
        checkpoints: reached
            .into_values()
            .map(|c| CheckpointJws {
                seq: c.seq,
                jws: c.jws,
            })
            .collect(),
        keys: crate::api::business::oauth::jwks_of(state),
    };
    record(state, actor, &m.id.to_string(), format, now).await?;
    Ok(evidence)
}

fn evidence_event(
    state: &AppState,
    m: &Mandate,
    e: &StoredEvent,
) -> Result<EvidenceEvent, AppError> {
    let unchained = || AppError::EvidenceNotReady;
    let (Some(digest), Some(chain)) = (e.digest, e.chain) else {
        return Err(unchained());
    };
    Ok(EvidenceEvent {
        seq: e.seq,
        event: e.canonical(),
        digest,
        chain,
        receipt: receipt(state, m, e)?.ok_or_else(unchained)?,
    })
}

/// The segments that link `events` to checkpoints: one per checkpoint reached, from the
/// first of the events before it.
async fn proofs(
    state: &AppState,
    events: &[StoredEvent],
) -> Result<(Vec<Segment>, BTreeMap<i64, Checkpoint>), AppError> {
    let store = state.store();
    let mut reached: BTreeMap<i64, Checkpoint> = BTreeMap::new();
    let mut segments: Vec<Segment> = Vec::new();
    for e in events {
        if segments.last().is_some_and(|s| s.checkpoint >= e.seq) {
            continue;
        }
        let Some(c) = store.checkpoint_from(e.seq).await? else {
            return Err(AppError::EvidenceNotReady);
        };
        if c.seq - e.seq >= MAX_PROOF {
            return Err(AppError::EvidenceNotReady);
        }
        let before = store
            .chain_at(e.seq - 1)
            .await?
            .ok_or(AppError::EvidenceNotReady)?;
        let digests = store
            .digests(e.seq - 1, c.seq)
            .await?
            .into_iter()
            .map(|(_, d)| d.ok_or(AppError::EvidenceNotReady))
            .collect::<Result<Vec<_>, _>>()?;
        segments.push(Segment {
            checkpoint: c.seq,
            from: e.seq,
            before,
            digests,
        });
        reached.insert(c.seq, c);
    }
    Ok((segments, reached))
}

/// Records in the event log that `actor` took evidence about `subject`, as `format`.
pub async fn record(
    state: &AppState,
    actor: &Actor,
    subject: &str,
    format: &'static str,
    now: Instant,
) -> Result<(), AppError> {
    let mut tx = state.store().begin().await?;
    tx.append(&[NewEvent {
        kind: EventKind::EvidenceExported,
        subject: subject.to_owned(),
        at: now,
        person: Some(actor.person.to_string()),
        party: Some(actor.party.as_str().to_owned()),
        auth: serde_json::to_value(&actor.auth).unwrap_or_default(),
        version: 0,
        detail: serde_json::json!({ "format": format }),
    }])
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The events of the evidence as CSV, one line each: what happened, who, when, where it
/// stands in the chain, its receipt, and the checkpoint its proof reaches.
pub fn csv(evidence: &Evidence) -> Result<CsvFile, AppError> {
    let mut out = CsvFile::new("the evidence CSV");
    out.row([
        "seq",
        "at",
        "kind",
        "person",
        "party",
        "acr",
        "version",
        "digest",
        "chain",
        "checkpoint",
        "receipt",
    ])?;
    for e in &evidence.events {
        let checkpoint = evidence
            .proofs
            .iter()
            .find(|s| s.from <= e.seq && e.seq <= s.checkpoint)
            .map(|s| s.checkpoint.to_string())
            .unwrap_or_default();
        let acr = e
            .event
            .auth
            .get("acr")
            .and_then(|v| v.as_str())
            .unwrap_or_default();
        out.row([
            e.seq.to_string().as_str(),
            &e.event.at,
            &e.event.kind,
            e.event.person.as_deref().unwrap_or_default(),
            e.event.party.as_deref().unwrap_or_default(),
            acr,
            &e.event.version.to_string(),
            &e.digest.hex(),
            &e.chain.hex(),
            &checkpoint,
            &e.receipt,
        ])?;
    }
    Ok(out)
}
