//! The mandate, its terms and its lifecycle. Every transition is a pure function of the
//! mandate, the actor, the catalog and the moment; it returns the events that record it.
//! Who may take a transition is decided in [`crate::access`]; a transition asks it first.
//!
//! - this file: what a mandate is, and what it says at a moment;
//! - `rules.rs`: the checks of what people write (dates, parties, types, periods, notes);
//! - `create.rs`, `lifecycle.rs` (sign, reject, withdraw, stop, transfer), `modify.rs`
//!   (terms and notes): the transitions.

mod create;
mod lifecycle;
mod modify;
mod rules;

use std::collections::BTreeSet;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::actor::{Actor, AuthContext};
use crate::catalog::MandateType;
use crate::time::{Instant, end_of_day, start_of_day};
use crate::{Insz, Lang, Party, PartyKind};

pub(crate) use rules::{parse_capacity, parse_date, parse_notes, parse_party};

/// Longest free reference, in characters.
pub const MAX_REFERENCE_CHARS: usize = 255;

/// Longest capacity, in characters.
pub const MAX_CAPACITY_CHARS: usize = 100;

/// The domain whose mandates may carry the creator's capacity.
pub const EHEALTH_DOMAIN: &str = "ehealth";

/// A side of a mandate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    Mandator,
    Mandatee,
}

impl Side {
    pub fn other(self) -> Side {
        match self {
            Side::Mandator => Side::Mandatee,
            Side::Mandatee => Side::Mandator,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Side::Mandator => "mandator",
            Side::Mandatee => "mandatee",
        }
    }

    pub fn parse(s: &str) -> Option<Side> {
        [Side::Mandator, Side::Mandatee]
            .into_iter()
            .find(|x| x.as_str() == s)
    }
}

/// What both parties sign: domain, types, parties and period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Terms {
    pub domain: String,
    pub types: BTreeSet<String>,
    pub mandator: Party,
    pub mandatee: Party,
    pub valid_from: NaiveDate,
    /// `None`: unlimited.
    pub valid_until: Option<NaiveDate>,
}

impl Terms {
    pub fn party(&self, side: Side) -> &Party {
        match side {
            Side::Mandator => &self.mandator,
            Side::Mandatee => &self.mandatee,
        }
    }

    pub fn side_of(&self, party: &Party) -> Option<Side> {
        if *party == self.mandator {
            Some(Side::Mandator)
        } else if *party == self.mandatee {
            Some(Side::Mandatee)
        } else {
            None
        }
    }

    /// The first instant in force and the first instant after (if limited).
    pub fn period(&self) -> (Instant, Option<Instant>) {
        (
            start_of_day(self.valid_from),
            self.valid_until.map(end_of_day),
        )
    }

    fn overlaps(&self, other: &Terms) -> bool {
        let ends_after =
            |until: Option<NaiveDate>, from: NaiveDate| until.is_none_or(|u| u >= from);
        ends_after(self.valid_until, other.valid_from)
            && ends_after(other.valid_until, self.valid_from)
    }

    /// Whether `new` grants anything these terms do not.
    fn is_widened_by(&self, new: &Terms) -> bool {
        let more_types = !new.types.is_subset(&self.types);
        let earlier = new.valid_from < self.valid_from;
        let later = match (self.valid_until, new.valid_until) {
            (Some(_), None) => true,
            (Some(old), Some(new)) => new > old,
            (None, _) => false,
        };
        more_types || earlier || later
    }
}

/// A party's own notes and contact details, outside the terms.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notes {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<Lang>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// The capacity in which the creator acts (eHealth only), as given at creation; it does
    /// not change afterwards.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity: Option<String>,
}

/// A party's consent to one version of the terms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signature {
    pub side: Side,
    pub version: u32,
    /// The person who signed.
    pub person: Insz,
    /// For whom they signed.
    pub party: Party,
    pub at: Instant,
    pub auth: AuthContext,
}

/// The stored state; `lapsed` and `expired` are derived from time (see [`Status`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BaseStatus {
    Pending,
    Active,
    Rejected,
    Withdrawn,
    Stopped,
    /// A transfer that can no longer happen: the mandate it was to replace ended first.
    Voided,
}

impl BaseStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            BaseStatus::Pending => "pending",
            BaseStatus::Active => "active",
            BaseStatus::Rejected => "rejected",
            BaseStatus::Withdrawn => "withdrawn",
            BaseStatus::Stopped => "stopped",
            BaseStatus::Voided => "voided",
        }
    }

    pub fn parse(s: &str) -> Option<BaseStatus> {
        [
            BaseStatus::Pending,
            BaseStatus::Active,
            BaseStatus::Rejected,
            BaseStatus::Withdrawn,
            BaseStatus::Stopped,
            BaseStatus::Voided,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
    }
}

/// The status of a mandate at a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Waiting for a signature.
    Pending,
    /// Signed by both parties, and in force: its period has begun.
    Active,
    /// Signed by both parties; its period has not begun yet.
    Scheduled,
    Rejected,
    Withdrawn,
    /// A transfer that can no longer happen: the mandate it was to replace ended first.
    Voided,
    Lapsed,
    Stopped,
    Expired,
}

impl Status {
    pub const ALL: [Status; 9] = [
        Status::Pending,
        Status::Active,
        Status::Scheduled,
        Status::Rejected,
        Status::Withdrawn,
        Status::Voided,
        Status::Lapsed,
        Status::Stopped,
        Status::Expired,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Active => "active",
            Status::Scheduled => "scheduled",
            Status::Rejected => "rejected",
            Status::Withdrawn => "withdrawn",
            Status::Voided => "voided",
            Status::Lapsed => "lapsed",
            Status::Stopped => "stopped",
            Status::Expired => "expired",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// Signed by both parties and not ended: in force now, or from the start of its period.
    /// Such a mandate may be stopped, modified and transferred.
    pub fn is_signed_in_effect(self) -> bool {
        matches!(self, Status::Active | Status::Scheduled)
    }
}

/// Terms that were in force from an instant on (after activation, a widening or a narrowing).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TermsInForce {
    pub version: u32,
    pub from: Instant,
    pub terms: Terms,
}

/// A proposed widening, waiting for the other party's signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Proposal {
    pub version: u32,
    pub terms: Terms,
    pub proposed_by: Side,
    pub proposed_at: Instant,
    pub lapses_at: Instant,
}

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

/// What happened to a mandate: an immutable record of who did what, for whom, when and how.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    pub mandate_id: Uuid,
    pub kind: EventKind,
    pub at: Instant,
    /// The person who acted; `None` for what follows from another event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person: Option<Insz>,
    /// For whom they acted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub party: Option<Party>,
    #[serde(default)]
    pub auth: AuthContext,
    /// The version of the terms the event concerns.
    pub version: u32,
    /// Details of the event (the terms, the other mandate of a transfer, ...).
    #[serde(default)]
    pub detail: serde_json::Value,
}

/// The kinds of events in a mandate's history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    Created,
    Signed,
    Activated,
    Rejected,
    Withdrawn,
    Narrowed,
    ChangeProposed,
    ChangeSigned,
    ChangeRejected,
    ChangeWithdrawn,
    Stopped,
    TransferRequested,
    TransferredAway,
    TransferVoided,
    NotesChanged,
}

impl EventKind {
    pub const ALL: [EventKind; 15] = [
        EventKind::Created,
        EventKind::Signed,
        EventKind::Activated,
        EventKind::Rejected,
        EventKind::Withdrawn,
        EventKind::Narrowed,
        EventKind::ChangeProposed,
        EventKind::ChangeSigned,
        EventKind::ChangeRejected,
        EventKind::ChangeWithdrawn,
        EventKind::Stopped,
        EventKind::TransferRequested,
        EventKind::TransferredAway,
        EventKind::TransferVoided,
        EventKind::NotesChanged,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Created => "created",
            EventKind::Signed => "signed",
            EventKind::Activated => "activated",
            EventKind::Rejected => "rejected",
            EventKind::Withdrawn => "withdrawn",
            EventKind::Narrowed => "narrowed",
            EventKind::ChangeProposed => "change_proposed",
            EventKind::ChangeSigned => "change_signed",
            EventKind::ChangeRejected => "change_rejected",
            EventKind::ChangeWithdrawn => "change_withdrawn",
            EventKind::Stopped => "stopped",
            EventKind::TransferRequested => "transfer_requested",
            EventKind::TransferredAway => "transferred_away",
            EventKind::TransferVoided => "transfer_voided",
            EventKind::NotesChanged => "notes_changed",
        }
    }
}

/// A new mandate as written by its creator; every field is checked.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Draft {
    pub domain: String,
    pub types: Vec<String>,
    pub mandator: String,
    pub mandatee: String,
    pub valid_from: Option<String>,
    pub valid_until: Option<String>,
    pub reference: Option<String>,
    pub language: Option<String>,
    pub email: Option<String>,
    /// The capacity in which the creator acts; only on an eHealth mandate.
    #[serde(default)]
    pub capacity: Option<String>,
}

/// A change of terms; `None` leaves a field as it is. `valid_until: Some(None)` makes the
/// period unlimited.
#[derive(Debug, Clone, Default)]
pub struct TermsChange {
    pub types: Option<Vec<String>>,
    pub valid_from: Option<String>,
    pub valid_until: Option<Option<String>>,
}

/// A change of the caller's own notes; `Some(None)` clears a field. The capacity is not
/// among them: it stays as given at creation.
#[derive(Debug, Clone, Default)]
pub struct NotesChange {
    pub reference: Option<Option<String>>,
    pub language: Option<Option<String>>,
    pub email: Option<Option<String>>,
}

impl NotesChange {
    pub fn is_empty(&self) -> bool {
        self.reference.is_none() && self.language.is_none() && self.email.is_none()
    }
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
