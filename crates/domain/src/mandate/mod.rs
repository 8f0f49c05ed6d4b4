//! The mandate, its terms and its lifecycle. Every transition is a pure function of the
//! mandate, the actor, the catalog and the moment; it returns the events that record it.
//! Who may take a transition is decided in [`crate::access`]; a transition asks it first.
//!
//! - this file: what a mandate is, and what it says at a moment;
//! - `terms.rs`: the terms and their pieces (sides, notes, signatures, versions in force, a
//!   proposed change), and what people write to make or change them;
//! - `status.rs`: the stored status and the status at a moment;
//! - `event.rs`: the events of a mandate's history;
//! - `rules.rs`: the checks of what people write (dates, parties, types, periods, notes);
//! - `create.rs`, `lifecycle.rs` (sign, reject, withdraw, stop, transfer), `modify.rs`
//!   (terms and notes): the transitions.

mod create;
mod event;
mod lifecycle;
mod modify;
mod rules;
mod status;
mod terms;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::actor::Actor;
use crate::catalog::MandateType;
use crate::time::Instant;
use crate::{Party, PartyKind};

pub use event::{Event, EventKind};
pub(crate) use rules::{parse_capacity, parse_date, parse_notes, parse_party};
pub use status::{BaseStatus, Status};
pub use terms::{
    Draft, Notes, NotesChange, Proposal, Side, Signature, Terms, TermsChange, TermsInForce,
};

/// Longest free reference, in characters.
pub const MAX_REFERENCE_CHARS: usize = 255;

/// Longest capacity, in characters.
pub const MAX_CAPACITY_CHARS: usize = 100;

/// The domain whose mandates may carry the creator's capacity.
pub const EHEALTH_DOMAIN: &str = "ehealth";

/// A mandate: its terms in force, their signatures and everything needed to judge it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mandate {
    pub id: Uuid,
    /// The version of the terms in force (or, while pending, of the terms to sign).
    pub version: u32,
    pub terms: Terms,
    pub status: BaseStatus,
    /// The party that created it (for a transfer: the party that asked for it).
    pub initiator: Party,
    pub created_at: Instant,
    /// While pending: the deadline for the missing signature.
    pub lapses_at: Option<Instant>,
    pub signatures: Vec<Signature>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proposal: Option<Proposal>,
    /// Every version of the terms that was in force, with the instant it took effect.
    pub history: Vec<TermsInForce>,
    /// When it was rejected, withdrawn or stopped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_at: Option<Instant>,
    /// The pending mandate that will replace this one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transfer_to: Option<Uuid>,
    /// The mandate this one replaces when it becomes active.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transfer_of: Option<Uuid>,
    pub mandator_notes: Notes,
    pub mandatee_notes: Notes,
}

/// A mandate as a check for "now" sees it: the terms in force, the base status and the
/// instants that change the answer. Small enough to keep millions in memory, and stored
/// beside each mandate's document so that they can be read without it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Standing {
    pub id: Uuid,
    pub terms: Terms,
    pub status: BaseStatus,
    /// When it was rejected, withdrawn or stopped.
    pub closed_at: Option<Instant>,
    /// While pending: the deadline for the missing signature.
    pub lapses_at: Option<Instant>,
    /// While pending: the side whose signature is missing.
    pub awaiting: Option<Side>,
}

/// What a signature did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignOutcome {
    /// The mandate became active; if it replaces another, that one must stop now.
    Activated { replaces: Option<Uuid> },
    /// The signature was recorded; another is still missing.
    Recorded,
    /// A proposed change was signed and is now in force.
    ChangeInForce,
}

impl Mandate {
    /// The sides that have not signed the current version (of a pending mandate: whose
    /// signature it waits for).
    pub fn unsigned_sides(&self) -> Vec<Side> {
        [Side::Mandator, Side::Mandatee]
            .into_iter()
            .filter(|side| {
                !self
                    .signatures
                    .iter()
                    .any(|s| s.side == *side && s.version == self.version)
            })
            .collect()
    }

    /// What a check for "now" needs of this mandate.
    pub fn standing(&self) -> Standing {
        let awaiting = (self.status == BaseStatus::Pending)
            .then(|| self.unsigned_sides().first().copied())
            .flatten();
        Standing {
            id: self.id,
            terms: self.terms.clone(),
            status: self.status,
            closed_at: self.closed_at,
            lapses_at: self.lapses_at,
            awaiting,
        }
    }

    /// The status at an instant.
    pub fn status_at(&self, now: Instant) -> Status {
        match self.status {
            BaseStatus::Pending => match self.lapses_at {
                Some(deadline) if now >= deadline => Status::Lapsed,
                _ => Status::Pending,
            },
            BaseStatus::Active => match self.terms.period() {
                (_, Some(end)) if now >= end => Status::Expired,
                (start, _) if now < start => Status::Scheduled,
                _ => Status::Active,
            },
            BaseStatus::Rejected => Status::Rejected,
            BaseStatus::Withdrawn => Status::Withdrawn,
            BaseStatus::Stopped => Status::Stopped,
            BaseStatus::Voided => Status::Voided,
        }
    }

    /// The proposed change that still waits for a signature at `now`.
    pub fn live_proposal(&self, now: Instant) -> Option<&Proposal> {
        self.proposal
            .as_ref()
            .filter(|p| now < p.lapses_at && self.status_at(now).is_signed_in_effect())
    }

    /// The terms in force at moment `t`, if any: the last version in force before `t`
    /// (narrowings included), within its period, and not stopped before `t`.
    pub fn in_force_at(&self, t: Instant) -> Option<&TermsInForce> {
        if self.status == BaseStatus::Stopped && self.closed_at.is_some_and(|c| c <= t) {
            return None;
        }
        let entry = self.history.iter().rev().find(|e| e.from <= t)?;
        let (start, end) = entry.terms.period();
        (start <= t && end.is_none_or(|e| t < e)).then_some(entry)
    }

    /// Whether the mandate allows type `type_code` at moment `t`.
    pub fn allows_at(&self, type_code: &str, t: Instant) -> bool {
        self.in_force_at(t)
            .is_some_and(|e| e.terms.types.contains(type_code))
    }

    /// A version number never used before on this mandate, not even by a proposal that
    /// was withdrawn: a signature on a version number means exactly one set of terms.
    fn next_version(&self) -> u32 {
        let signed = self.signatures.iter().map(|s| s.version).max().unwrap_or(0);
        let proposed = self.proposal.as_ref().map_or(0, |p| p.version);
        self.version.max(signed).max(proposed) + 1
    }

    /// Whether a side has signed a version of the terms.
    pub fn has_signed(&self, side: Side, version: u32) -> bool {
        self.signatures
            .iter()
            .any(|s| s.side == side && s.version == version)
    }

    fn signature(actor: &Actor, side: Side, version: u32, now: Instant) -> Signature {
        Signature {
            side,
            version,
            person: actor.person.clone(),
            party: actor.party.clone(),
            at: now,
            auth: actor.auth.clone(),
        }
    }
}

/// The party kinds a type allows on a side, for messages and forms.
pub fn allowed_kinds(t: &MandateType, side: Side) -> &[PartyKind] {
    match side {
        Side::Mandator => &t.mandator_kinds,
        Side::Mandatee => &t.mandatee_kinds,
    }
}

#[cfg(test)]
mod tests;
