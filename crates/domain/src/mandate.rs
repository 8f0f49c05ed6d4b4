//! The mandate, its terms and its lifecycle. Every transition is a pure function of the
//! mandate, the actor, the catalog and the moment; it returns the events that record it.

use std::collections::BTreeSet;

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::access::{Actor, AuthContext};
use crate::catalog::{Catalog, MandateType};
use crate::error::{DomainError, FieldError, FieldErrors};
use crate::time::{Instant, brussels_date, end_of_day, start_of_day};
use crate::{Insz, Lang, Party, PartyKind};

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
}

impl BaseStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            BaseStatus::Pending => "pending",
            BaseStatus::Active => "active",
            BaseStatus::Rejected => "rejected",
            BaseStatus::Withdrawn => "withdrawn",
            BaseStatus::Stopped => "stopped",
        }
    }

    pub fn parse(s: &str) -> Option<BaseStatus> {
        [
            BaseStatus::Pending,
            BaseStatus::Active,
            BaseStatus::Rejected,
            BaseStatus::Withdrawn,
            BaseStatus::Stopped,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
    }
}

/// The status of a mandate at a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Pending,
    Active,
    Rejected,
    Withdrawn,
    Lapsed,
    Stopped,
    Expired,
}

impl Status {
    pub const ALL: [Status; 7] = [
        Status::Pending,
        Status::Active,
        Status::Rejected,
        Status::Withdrawn,
        Status::Lapsed,
        Status::Stopped,
        Status::Expired,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Active => "active",
            Status::Rejected => "rejected",
            Status::Withdrawn => "withdrawn",
            Status::Lapsed => "lapsed",
            Status::Stopped => "stopped",
            Status::Expired => "expired",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|x| x.as_str() == s)
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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

/// A calendar day written `YYYY-MM-DD`; otherwise an `invalid_date` error on `field`.
pub(crate) fn parse_date(field: &str, text: &str, errors: &mut FieldErrors) -> Option<NaiveDate> {
    errors.check(NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d"), |_| {
        FieldError::new(field, "invalid_date").arg("value", text)
    })
}

/// A party number; otherwise an `invalid_party_number` error on `field` with the `reason` code.
pub(crate) fn parse_party(field: &str, text: &str, errors: &mut FieldErrors) -> Option<Party> {
    errors.check(Party::parse(text), |e| {
        FieldError::new(field, "invalid_party_number").arg("reason", e.code())
    })
}

/// Resolves type codes of a domain: unknown, retired, or foreign types are field errors.
fn resolve_types<'c>(
    catalog: &'c Catalog,
    domain: &str,
    codes: &[String],
    allow_retired: &BTreeSet<String>,
    errors: &mut FieldErrors,
) -> Vec<&'c MandateType> {
    if codes.is_empty() {
        errors.push(FieldError::new("types", "types_empty"));
    }
    let mut seen = BTreeSet::new();
    let mut found = Vec::new();
    for (i, code) in codes.iter().enumerate() {
        let field = format!("types[{i}]");
        if !seen.insert(code) {
            errors.push(FieldError::new(field, "type_repeated").arg("type", code));
            continue;
        }
        match catalog
            .domain(domain)
            .and_then(|d| d.types.iter().find(|t| t.code == *code))
        {
            None => errors.push(
                FieldError::new(field, "unknown_type")
                    .arg("type", code)
                    .arg("domain", domain),
            ),
            Some(t) if t.retired && !allow_retired.contains(code) => {
                errors.push(FieldError::new(field, "type_retired").arg("type", code))
            }
            Some(t) => found.push(t),
        }
    }
    found
}

fn check_kinds(types: &[&MandateType], side: Side, party: &Party, errors: &mut FieldErrors) {
    for t in types {
        let allowed = match side {
            Side::Mandator => &t.mandator_kinds,
            Side::Mandatee => &t.mandatee_kinds,
        };
        if !allowed.contains(&party.kind()) {
            errors.push(
                FieldError::new(side.as_str(), "party_kind_not_allowed")
                    .arg("kind", party.kind().as_str())
                    .arg("type", &t.code),
            );
        }
    }
}

fn check_period(
    types: &[&MandateType],
    from: NaiveDate,
    until: Option<NaiveDate>,
    errors: &mut FieldErrors,
) {
    match until {
        None => {
            for t in types.iter().filter(|t| !t.unlimited_allowed) {
                errors.push(
                    FieldError::new("valid_until", "unlimited_not_allowed").arg("type", &t.code),
                );
            }
        }
        Some(until) if until < from => {
            errors.push(FieldError::new("valid_until", "end_before_start"));
        }
        Some(until) => {
            let days = (until - from).num_days() + 1;
            for t in types {
                if let Some(max) = t.max_period_days
                    && days > i64::from(max)
                {
                    errors.push(
                        FieldError::new("valid_until", "period_too_long")
                            .arg("type", &t.code)
                            .arg("max_days", max),
                    );
                }
            }
        }
    }
}

fn acceptance_deadline(types: &[&MandateType], terms: &Terms, now: Instant) -> Instant {
    let days = types.iter().map(|t| t.acceptance_days).min().unwrap_or(30);
    let deadline = now
        .checked_add_days(Days::new(u64::from(days)))
        .unwrap_or(now);
    match terms.period().1 {
        Some(end) if end < deadline => end,
        _ => deadline,
    }
}

/// A party's notes, trimmed; the reference length, the language and the e-mail address are
/// checked. The capacity is left out: only a creation sets it (see [`parse_capacity`]).
pub(crate) fn parse_notes(
    reference: Option<&str>,
    language: Option<&str>,
    email: Option<&str>,
    errors: &mut FieldErrors,
) -> Notes {
    let reference = reference.map(str::trim).filter(|r| !r.is_empty());
    if let Some(r) = reference
        && r.chars().count() > MAX_REFERENCE_CHARS
    {
        errors.push(
            FieldError::new("reference", "reference_too_long").arg("max", MAX_REFERENCE_CHARS),
        );
    }
    let language = language.map(str::trim).filter(|l| !l.is_empty());
    let lang = language.and_then(|l| {
        let parsed = Lang::parse(l).filter(|p| p.code() == l.to_ascii_lowercase());
        if parsed.is_none() {
            errors.push(FieldError::new("language", "invalid_language").arg("value", l));
        }
        parsed
    });
    let email = email.map(str::trim).filter(|e| !e.is_empty());
    if let Some(e) = email
        && !is_plausible_email(e)
    {
        errors.push(FieldError::new("email", "invalid_email"));
    }
    Notes {
        reference: reference.map(str::to_owned),
        language: lang,
        email: email.map(str::to_owned),
        capacity: None,
    }
}

/// The creator's capacity, trimmed; `None` when blank. It is refused on a mandate of any
/// domain but [`EHEALTH_DOMAIN`] and when longer than [`MAX_CAPACITY_CHARS`]. A `domain` of
/// `None` (not known yet) checks the length only.
pub(crate) fn parse_capacity(
    domain: Option<&str>,
    capacity: Option<&str>,
    errors: &mut FieldErrors,
) -> Option<String> {
    let capacity = capacity.map(str::trim).filter(|c| !c.is_empty())?;
    if domain.is_some_and(|d| d != EHEALTH_DOMAIN) {
        errors.push(FieldError::new("capacity", "capacity_ehealth_only"));
    }
    if capacity.chars().count() > MAX_CAPACITY_CHARS {
        errors
            .push(FieldError::new("capacity", "capacity_too_long").arg("max", MAX_CAPACITY_CHARS));
    }
    Some(capacity.to_owned())
}

/// An address with one `@`, a non-empty local part and a dotted domain, no spaces.
fn is_plausible_email(e: &str) -> bool {
    let Some((local, domain)) = e.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && e.len() <= 254
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !e.chars().any(char::is_whitespace)
}

fn event(
    mandate: &Mandate,
    kind: EventKind,
    actor: Option<&Actor>,
    now: Instant,
    detail: serde_json::Value,
) -> Event {
    Event {
        mandate_id: mandate.id,
        kind,
        at: now,
        person: actor.map(|a| a.person.clone()),
        party: actor.map(|a| a.party.clone()),
        auth: actor.map(|a| a.auth.clone()).unwrap_or_default(),
        version: mandate.version,
        detail,
    }
}

fn terms_json(terms: &Terms) -> serde_json::Value {
    serde_json::to_value(terms).unwrap_or_default()
}

impl Mandate {
    /// Creates a pending mandate with the creator's signature on version 1.
    pub fn create(
        id: Uuid,
        draft: &Draft,
        actor: &Actor,
        catalog: &Catalog,
        now: Instant,
    ) -> Result<(Mandate, Vec<Event>), DomainError> {
        let today = brussels_date(now);
        let mut errors = FieldErrors::default();
        let domain = catalog.domain(&draft.domain);
        if domain.is_none() {
            errors.push(FieldError::new("domain", "unknown_domain").arg("domain", &draft.domain));
        }
        let types = if domain.is_some() {
            resolve_types(
                catalog,
                &draft.domain,
                &draft.types,
                &BTreeSet::new(),
                &mut errors,
            )
        } else {
            Vec::new()
        };
        let mandator = parse_party("mandator", &draft.mandator, &mut errors);
        let mandatee = parse_party("mandatee", &draft.mandatee, &mut errors);
        if let (Some(a), Some(b)) = (&mandator, &mandatee)
            && a == b
        {
            errors.push(FieldError::new("mandatee", "same_party"));
        }
        if let Some(a) = &mandator {
            check_kinds(&types, Side::Mandator, a, &mut errors);
        }
        if let Some(b) = &mandatee {
            check_kinds(&types, Side::Mandatee, b, &mut errors);
        }
        let valid_from = match &draft.valid_from {
            Some(text) => parse_date("valid_from", text, &mut errors),
            None => Some(today),
        };
        if valid_from.is_some_and(|f| f < today) {
            errors.push(FieldError::new("valid_from", "start_in_past").arg("today", today));
        }
        let valid_until = match &draft.valid_until {
            Some(text) => parse_date("valid_until", text, &mut errors).map(Some),
            None => Some(None),
        };
        if let (Some(from), Some(until)) = (valid_from, valid_until) {
            check_period(&types, from, until, &mut errors);
        }
        let notes = parse_notes(
            draft.reference.as_deref(),
            draft.language.as_deref(),
            draft.email.as_deref(),
            &mut errors,
        );
        let capacity = parse_capacity(
            Some(draft.domain.as_str()),
            draft.capacity.as_deref(),
            &mut errors,
        );
        let notes = Notes { capacity, ..notes };
        errors.into_result()?;
        let (Some(mandator), Some(mandatee), Some(valid_from), Some(valid_until)) =
            (mandator, mandatee, valid_from, valid_until)
        else {
            return Err(DomainError::invalid(FieldErrors::default()));
        };
        let terms = Terms {
            domain: draft.domain.clone(),
            types: draft.types.iter().cloned().collect(),
            mandator,
            mandatee,
            valid_from,
            valid_until,
        };
        let Some(side) = terms.side_of(&actor.party) else {
            return Err(DomainError::forbidden("not_a_party"));
        };
        actor.require_manage(&terms.domain)?;
        let lapses_at = acceptance_deadline(&types, &terms, now);
        let (mandator_notes, mandatee_notes) = match side {
            Side::Mandator => (notes, Notes::default()),
            Side::Mandatee => (Notes::default(), notes),
        };
        let mandate = Mandate {
            id,
            version: 1,
            status: BaseStatus::Pending,
            initiator: actor.party.clone(),
            created_at: now,
            lapses_at: Some(lapses_at),
            signatures: vec![Signature {
                side,
                version: 1,
                person: actor.person.clone(),
                party: actor.party.clone(),
                at: now,
                auth: actor.auth.clone(),
            }],
            proposal: None,
            history: Vec::new(),
            closed_at: None,
            transfer_to: None,
            transfer_of: None,
            mandator_notes,
            mandatee_notes,
            terms,
        };
        let created = event(
            &mandate,
            EventKind::Created,
            Some(actor),
            now,
            terms_json(&mandate.terms),
        );
        let signed = event(
            &mandate,
            EventKind::Signed,
            Some(actor),
            now,
            serde_json::json!({"side": side}),
        );
        Ok((mandate, vec![created, signed]))
    }

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
            BaseStatus::Active => match self.terms.period().1 {
                Some(end) if now >= end => Status::Expired,
                _ => Status::Active,
            },
            BaseStatus::Rejected => Status::Rejected,
            BaseStatus::Withdrawn => Status::Withdrawn,
            BaseStatus::Stopped => Status::Stopped,
        }
    }

    /// The proposed change that still waits for a signature at `now`.
    pub fn live_proposal(&self, now: Instant) -> Option<&Proposal> {
        self.proposal
            .as_ref()
            .filter(|p| now < p.lapses_at && self.status_at(now) == Status::Active)
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

    /// Whether the party may see this mandate: its parties, and whoever asked for it (a
    /// transfer's former mandatee) while it waits for signatures.
    pub fn visible_to(&self, party: &Party) -> bool {
        self.terms.side_of(party).is_some()
            || (self.initiator == *party && self.status == BaseStatus::Pending)
    }

    fn side_of_actor(&self, actor: &Actor) -> Result<Side, DomainError> {
        let side = self.terms.side_of(&actor.party);
        match side {
            Some(side) => {
                actor.require_manage(&self.terms.domain)?;
                Ok(side)
            }
            None if self.initiator == actor.party => Err(DomainError::forbidden("not_a_party")),
            None => Err(DomainError::mandate_not_found()),
        }
    }

    fn wrong_state(&self, now: Instant) -> DomainError {
        DomainError::conflict("invalid_transition").arg("status", self.status_at(now).as_str())
    }

    /// A version number never used before on this mandate, not even by a proposal that
    /// was withdrawn: a signature on a version number means exactly one set of terms.
    fn next_version(&self) -> u32 {
        let signed = self.signatures.iter().map(|s| s.version).max().unwrap_or(0);
        let proposed = self.proposal.as_ref().map_or(0, |p| p.version);
        self.version.max(signed).max(proposed) + 1
    }

    fn has_signed(&self, side: Side, version: u32) -> bool {
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

    /// Signs version `version`: the missing signature of a pending mandate, or the other
    /// party's signature on a proposed change. `others` are the mandator's other mandates,
    /// to keep exclusive types exclusive.
    pub fn sign(
        &mut self,
        actor: &Actor,
        version: u32,
        others: &[Mandate],
        catalog: &Catalog,
        now: Instant,
    ) -> Result<(SignOutcome, Vec<Event>), DomainError> {
        let side = self.side_of_actor(actor)?;
        match self.status_at(now) {
            Status::Pending => {
                if version != self.version {
                    return Err(DomainError::conflict("stale_version").arg("current", self.version));
                }
                if self.has_signed(side, version) {
                    return Err(DomainError::conflict("already_signed"));
                }
                let completes = self.has_signed(side.other(), version);
                if completes {
                    check_exclusive(
                        self.id,
                        &self.terms,
                        self.transfer_of,
                        others,
                        catalog,
                        actor,
                        now,
                    )?;
                }
                self.signatures
                    .push(Self::signature(actor, side, version, now));
                let mut events = vec![event(
                    self,
                    EventKind::Signed,
                    Some(actor),
                    now,
                    serde_json::json!({"side": side}),
                )];
                if !completes {
                    return Ok((SignOutcome::Recorded, events));
                }
                self.status = BaseStatus::Active;
                self.lapses_at = None;
                self.history.push(TermsInForce {
                    version,
                    from: now,
                    terms: self.terms.clone(),
                });
                events.push(event(
                    self,
                    EventKind::Activated,
                    None,
                    now,
                    serde_json::Value::Null,
                ));
                Ok((
                    SignOutcome::Activated {
                        replaces: self.transfer_of,
                    },
                    events,
                ))
            }
            Status::Lapsed => Err(DomainError::conflict("acceptance_window_passed")),
            Status::Active => {
                let Some(proposal) = self.live_proposal(now).cloned() else {
                    if version == self.version && self.has_signed(side, version) {
                        return Err(DomainError::conflict("already_signed"));
                    }
                    return Err(DomainError::conflict("nothing_to_sign"));
                };
                if version != proposal.version {
                    return Err(
                        DomainError::conflict("stale_version").arg("current", proposal.version)
                    );
                }
                if proposal.proposed_by == side {
                    return Err(DomainError::conflict("already_signed"));
                }
                check_exclusive(self.id, &proposal.terms, None, others, catalog, actor, now)?;
                self.signatures
                    .push(Self::signature(actor, side, version, now));
                self.version = proposal.version;
                self.terms = proposal.terms.clone();
                self.proposal = None;
                self.history.push(TermsInForce {
                    version: self.version,
                    from: now,
                    terms: self.terms.clone(),
                });
                let ev = event(
                    self,
                    EventKind::ChangeSigned,
                    Some(actor),
                    now,
                    terms_json(&self.terms),
                );
                Ok((SignOutcome::ChangeInForce, vec![ev]))
            }
            _ => Err(self.wrong_state(now)),
        }
    }

    /// Refuses a pending mandate, or a proposed change, as the party asked to sign it.
    pub fn reject(&mut self, actor: &Actor, now: Instant) -> Result<Vec<Event>, DomainError> {
        let side = self.side_of_actor(actor)?;
        match self.status_at(now) {
            Status::Pending => {
                if self.has_signed(side, self.version) {
                    return Err(DomainError::forbidden("creator_cannot_reject"));
                }
                self.status = BaseStatus::Rejected;
                self.closed_at = Some(now);
                Ok(vec![event(
                    self,
                    EventKind::Rejected,
                    Some(actor),
                    now,
                    serde_json::Value::Null,
                )])
            }
            Status::Active => match self.live_proposal(now) {
                Some(p) if p.proposed_by != side => {
                    let version = p.version;
                    self.proposal = None;
                    Ok(vec![event(
                        self,
                        EventKind::ChangeRejected,
                        Some(actor),
                        now,
                        serde_json::json!({"proposal_version": version}),
                    )])
                }
                Some(_) => Err(DomainError::forbidden("creator_cannot_reject")),
                None => Err(DomainError::conflict("no_proposal")),
            },
            _ => Err(self.wrong_state(now)),
        }
    }

    /// Takes back a pending mandate, or a proposed change, as the party who made it.
    pub fn withdraw(&mut self, actor: &Actor, now: Instant) -> Result<Vec<Event>, DomainError> {
        let status = self.status_at(now);
        if status == Status::Pending && self.initiator == actor.party {
            actor.require_manage(&self.terms.domain)?;
            self.status = BaseStatus::Withdrawn;
            self.closed_at = Some(now);
            return Ok(vec![event(
                self,
                EventKind::Withdrawn,
                Some(actor),
                now,
                serde_json::Value::Null,
            )]);
        }
        let side = self.side_of_actor(actor)?;
        match status {
            Status::Pending => Err(DomainError::forbidden("only_initiator_withdraws")),
            Status::Active => match self.live_proposal(now) {
                Some(p) if p.proposed_by == side => {
                    let version = p.version;
                    self.proposal = None;
                    Ok(vec![event(
                        self,
                        EventKind::ChangeWithdrawn,
                        Some(actor),
                        now,
                        serde_json::json!({"proposal_version": version}),
                    )])
                }
                Some(_) => Err(DomainError::forbidden("only_initiator_withdraws")),
                None => Err(DomainError::conflict("no_proposal")),
            },
            _ => Err(self.wrong_state(now)),
        }
    }

    /// Ends an active mandate now, as either party. A proposed change is void.
    pub fn stop(&mut self, actor: &Actor, now: Instant) -> Result<Vec<Event>, DomainError> {
        self.side_of_actor(actor)?;
        if self.status_at(now) != Status::Active {
            return Err(self.wrong_state(now));
        }
        self.status = BaseStatus::Stopped;
        self.closed_at = Some(now);
        self.proposal = None;
        Ok(vec![event(
            self,
            EventKind::Stopped,
            Some(actor),
            now,
            serde_json::Value::Null,
        )])
    }

    /// Ends this mandate because its replacement became active at the same instant.
    pub fn end_by_transfer(
        &mut self,
        actor: &Actor,
        replacement: Uuid,
        now: Instant,
    ) -> Result<Vec<Event>, DomainError> {
        if self.status_at(now) != Status::Active || self.transfer_to != Some(replacement) {
            return Err(DomainError::conflict("transfer_void"));
        }
        self.status = BaseStatus::Stopped;
        self.closed_at = Some(now);
        self.proposal = None;
        Ok(vec![event(
            self,
            EventKind::TransferredAway,
            Some(actor),
            now,
            serde_json::json!({"replaced_by": replacement}),
        )])
    }

    /// Voids a pending replacement whose original ended first.
    pub fn void_transfer(&mut self, now: Instant) -> Vec<Event> {
        if self.status_at(now) != Status::Pending {
            return Vec::new();
        }
        self.status = BaseStatus::Withdrawn;
        self.closed_at = Some(now);
        vec![event(
            self,
            EventKind::TransferVoided,
            None,
            now,
            serde_json::json!({"transfer_of": self.transfer_of}),
        )]
    }

    /// Changes the terms of an active mandate, based on version `based_on`. A narrowing takes
    /// effect at once; a widening becomes a proposal that waits for the other party.
    pub fn modify(
        &mut self,
        actor: &Actor,
        based_on: u32,
        change: &TermsChange,
        catalog: &Catalog,
        now: Instant,
    ) -> Result<Vec<Event>, DomainError> {
        let side = self.side_of_actor(actor)?;
        match self.status_at(now) {
            Status::Active => {}
            Status::Pending => return Err(DomainError::conflict("pending_cannot_be_modified")),
            _ => return Err(self.wrong_state(now)),
        }
        if based_on != self.version {
            return Err(DomainError::conflict("stale_version").arg("current", self.version));
        }
        let today = brussels_date(now);
        let mut errors = FieldErrors::default();
        let codes: Vec<String> = match &change.types {
            Some(t) => t.clone(),
            None => self.terms.types.iter().cloned().collect(),
        };
        let types = resolve_types(
            catalog,
            &self.terms.domain,
            &codes,
            &self.terms.types,
            &mut errors,
        );
        let valid_from = match &change.valid_from {
            Some(text) => parse_date("valid_from", text, &mut errors),
            None => Some(self.terms.valid_from),
        };
        if let Some(from) = valid_from
            && from != self.terms.valid_from
            && (from < today || self.terms.valid_from <= today)
        {
            errors.push(FieldError::new("valid_from", "start_in_past").arg("today", today));
        }
        let valid_until = match &change.valid_until {
            Some(Some(text)) => parse_date("valid_until", text, &mut errors).map(Some),
            Some(None) => Some(None),
            None => Some(self.terms.valid_until),
        };
        if let Some(Some(until)) = valid_until
            && Some(until) != self.terms.valid_until
            && until < today
        {
            errors.push(FieldError::new("valid_until", "end_in_past").arg("today", today));
        }
        errors.into_result()?;
        let (Some(valid_from), Some(valid_until)) = (valid_from, valid_until) else {
            return Err(DomainError::invalid(FieldErrors::default()));
        };
        let new_terms = Terms {
            types: codes.into_iter().collect(),
            valid_from,
            valid_until,
            ..self.terms.clone()
        };
        if new_terms == self.terms {
            return Err(DomainError::field(FieldError::new("terms", "no_change")));
        }
        let widened = self.terms.is_widened_by(&new_terms);
        // The catalog's limits bind what is granted anew; a partial stop is always possible.
        let mut errors = FieldErrors::default();
        if widened {
            check_period(&types, valid_from, valid_until, &mut errors);
            check_kinds(&types, Side::Mandator, &self.terms.mandator, &mut errors);
            check_kinds(&types, Side::Mandatee, &self.terms.mandatee, &mut errors);
        } else if valid_until.is_some_and(|u| u < valid_from) {
            errors.push(FieldError::new("valid_until", "end_before_start"));
        }
        errors.into_result()?;
        if widened {
            if self.live_proposal(now).is_some() {
                return Err(DomainError::conflict("proposal_pending"));
            }
            let proposal = Proposal {
                version: self.next_version(),
                lapses_at: acceptance_deadline(&types, &new_terms, now),
                terms: new_terms,
                proposed_by: side,
                proposed_at: now,
            };
            self.signatures
                .push(Self::signature(actor, side, proposal.version, now));
            let detail = serde_json::json!({"proposal_version": proposal.version, "terms": proposal.terms, "lapses_at": proposal.lapses_at});
            self.proposal = Some(proposal);
            Ok(vec![event(
                self,
                EventKind::ChangeProposed,
                Some(actor),
                now,
                detail,
            )])
        } else {
            // A narrowing is a partial stop: in force at once, any proposal is void.
            self.proposal = None;
            self.version = self.next_version();
            self.terms = new_terms;
            self.signatures
                .push(Self::signature(actor, side, self.version, now));
            self.history.push(TermsInForce {
                version: self.version,
                from: now,
                terms: self.terms.clone(),
            });
            Ok(vec![event(
                self,
                EventKind::Narrowed,
                Some(actor),
                now,
                terms_json(&self.terms),
            )])
        }
    }

    /// Changes the acting party's own reference, language or e-mail address; the capacity
    /// given at creation stays as it is.
    pub fn change_notes(
        &mut self,
        actor: &Actor,
        change: &NotesChange,
        now: Instant,
    ) -> Result<Vec<Event>, DomainError> {
        let side = self.side_of_actor(actor)?;
        let current = match side {
            Side::Mandator => &self.mandator_notes,
            Side::Mandatee => &self.mandatee_notes,
        };
        let pick = |new: &Option<Option<String>>, old: Option<String>| match new {
            Some(v) => v.clone(),
            None => old,
        };
        let reference = pick(&change.reference, current.reference.clone());
        let language = pick(
            &change.language,
            current.language.map(|l| l.code().to_owned()),
        );
        let email = pick(&change.email, current.email.clone());
        let capacity = current.capacity.clone();
        let mut errors = FieldErrors::default();
        let notes = parse_notes(
            reference.as_deref(),
            language.as_deref(),
            email.as_deref(),
            &mut errors,
        );
        let notes = Notes { capacity, ..notes };
        errors.into_result()?;
        match side {
            Side::Mandator => self.mandator_notes = notes,
            Side::Mandatee => self.mandatee_notes = notes,
        }
        Ok(vec![event(
            self,
            EventKind::NotesChanged,
            Some(actor),
            now,
            serde_json::json!({"side": side}),
        )])
    }

    /// Asks to move an active mandate to a new mandatee. Returns the new pending mandate;
    /// `transfer_live` says whether an earlier transfer of this mandate still waits.
    pub fn transfer(
        &mut self,
        actor: &Actor,
        new_id: Uuid,
        new_mandatee: &str,
        transfer_live: bool,
        catalog: &Catalog,
        now: Instant,
    ) -> Result<(Mandate, Vec<Event>, Vec<Event>), DomainError> {
        let side = self.side_of_actor(actor)?;
        if self.status_at(now) != Status::Active {
            return Err(self.wrong_state(now));
        }
        if transfer_live {
            return Err(DomainError::conflict("transfer_pending"));
        }
        let mut errors = FieldErrors::default();
        let mandatee = parse_party("mandatee", new_mandatee, &mut errors);
        if let Some(m) = &mandatee {
            if *m == self.terms.mandator {
                errors.push(FieldError::new("mandatee", "same_party"));
            } else if *m == self.terms.mandatee {
                errors.push(FieldError::new("mandatee", "already_mandatee"));
            }
            let types: Vec<&MandateType> = self
                .terms
                .types
                .iter()
                .filter_map(|c| catalog.mandate_type(c))
                .collect();
            check_kinds(&types, Side::Mandatee, m, &mut errors);
        }
        errors.into_result()?;
        let Some(mandatee) = mandatee else {
            return Err(DomainError::invalid(FieldErrors::default()));
        };
        let terms = Terms {
            mandatee,
            valid_from: self.terms.valid_from.max(brussels_date(now)),
            ..self.terms.clone()
        };
        let types: Vec<&MandateType> = terms
            .types
            .iter()
            .filter_map(|c| catalog.mandate_type(c))
            .collect();
        let mut signatures = Vec::new();
        if side == Side::Mandator {
            signatures.push(Self::signature(actor, Side::Mandator, 1, now));
        }
        let new = Mandate {
            id: new_id,
            version: 1,
            status: BaseStatus::Pending,
            initiator: actor.party.clone(),
            created_at: now,
            lapses_at: Some(acceptance_deadline(&types, &terms, now)),
            signatures,
            proposal: None,
            history: Vec::new(),
            closed_at: None,
            transfer_to: None,
            transfer_of: Some(self.id),
            mandator_notes: self.mandator_notes.clone(),
            mandatee_notes: Notes::default(),
            terms,
        };
        // A transfer voids a proposed change of the old mandate.
        self.proposal = None;
        self.transfer_to = Some(new_id);
        let old_events = vec![event(
            self,
            EventKind::TransferRequested,
            Some(actor),
            now,
            serde_json::json!({"to": new_id, "mandatee": new.terms.mandatee}),
        )];
        let mut new_events = vec![event(
            &new,
            EventKind::Created,
            Some(actor),
            now,
            serde_json::json!({"terms": new.terms, "transfer_of": self.id}),
        )];
        if side == Side::Mandator {
            new_events.push(event(
                &new,
                EventKind::Signed,
                Some(actor),
                now,
                serde_json::json!({"side": Side::Mandator}),
            ));
        }
        Ok((new, old_events, new_events))
    }
}

/// Refuses terms that would give an exclusive type to a second mandatee at the same time.
/// The mandate in the way is named only to its own parties.
fn check_exclusive(
    id: Uuid,
    terms: &Terms,
    transfer_of: Option<Uuid>,
    others: &[Mandate],
    catalog: &Catalog,
    actor: &Actor,
    now: Instant,
) -> Result<(), DomainError> {
    let exclusive: Vec<&String> = terms
        .types
        .iter()
        .filter(|c| catalog.mandate_type(c).is_some_and(|t| t.exclusive))
        .collect();
    if exclusive.is_empty() {
        return Ok(());
    }
    for other in others {
        if other.id == id
            || Some(other.id) == transfer_of
            || other.terms.mandator != terms.mandator
            || other.terms.mandatee == terms.mandatee
            || other.status_at(now) != Status::Active
            || !other.terms.overlaps(terms)
        {
            continue;
        }
        if let Some(t) = exclusive
            .iter()
            .find(|t| other.terms.types.contains(t.as_str()))
        {
            let mut err = DomainError::conflict("exclusive_conflict").arg("type", t);
            if other.visible_to(&actor.party) {
                err = err.arg("mandate", other.id);
            }
            return Err(err);
        }
    }
    Ok(())
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
