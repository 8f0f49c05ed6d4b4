//! What the API answers: the JSON shapes of mandates, events, roles and the catalog.

use chrono::NaiveDate;
use chrono::{DateTime, Utc};
use mandates_domain::Party;
use mandates_domain::mandate::{Mandate, Side, Signature};
use mandates_domain::roles::EnterpriseRole;
use mandates_domain::time::Instant;
use mandates_store::StoredEvent;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// A party's signature on a version of the terms.
#[derive(Debug, Serialize, ToSchema)]
pub struct SignatureView {
    /// `mandator` or `mandatee`.
    pub side: &'static str,
    pub version: u32,
    /// The person who signed.
    pub signed_by: String,
    /// For whom they signed (the person, or the enterprise they represent).
    pub signed_for: String,
    pub at: DateTime<Utc>,
    /// How the signer authenticated (`acr`), when the identity provider said.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub acr: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub amr: Vec<String>,
}

/// A change of terms waiting for the other party's signature.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProposalView {
    /// The version to sign to accept it.
    pub version: u32,
    pub types: Vec<String>,
    pub valid_from: NaiveDate,
    pub valid_until: Option<NaiveDate>,
    /// `mandator` or `mandatee`.
    pub proposed_by: &'static str,
    pub proposed_at: DateTime<Utc>,
    pub lapses_at: DateTime<Utc>,
}

/// A mandate as its parties see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct MandateView {
    pub id: Uuid,
    /// `pending`, `active` (signed and in force), `scheduled` (signed, in force from
    /// `valid_from`), `rejected`, `withdrawn`, `voided` (a transfer that can no longer happen:
    /// the mandate it was to replace ended first), `lapsed`, `stopped` or `expired`.
    pub status: &'static str,
    /// Version of the terms in force (while pending: of the terms to sign).
    pub version: u32,
    pub domain: String,
    pub types: Vec<String>,
    pub mandator: String,
    pub mandatee: String,
    pub valid_from: NaiveDate,
    /// Absent: unlimited.
    pub valid_until: Option<NaiveDate>,
    /// The party that created it (or asked for the transfer).
    pub initiator: String,
    pub created_at: DateTime<Utc>,
    /// While pending: the last moment to sign.
    pub lapses_at: Option<DateTime<Utc>>,
    /// When it was rejected, withdrawn or stopped.
    pub closed_at: Option<DateTime<Utc>>,
    pub signatures: Vec<SignatureView>,
    /// Whose signature is still missing while pending: `mandator`, `mandatee` or both.
    pub awaiting: Vec<&'static str>,
    pub proposal: Option<ProposalView>,
    /// The pending mandate that will replace this one.
    pub transfer_to: Option<Uuid>,
    /// The mandate this one replaces when it becomes active.
    pub transfer_of: Option<Uuid>,
    /// Your side of it: `mandator` or `mandatee` (absent when you only asked for it).
    pub your_side: Option<&'static str>,
    /// Your own reference, language and e-mail for this mandate.
    pub reference: Option<String>,
    pub language: Option<&'static str>,
    pub email: Option<String>,
    /// The capacity in which you act (eHealth), as given when you created it.
    pub capacity: Option<String>,
}

fn signature_view(s: &Signature) -> SignatureView {
    SignatureView {
        side: s.side.as_str(),
        version: s.version,
        signed_by: s.person.to_string(),
        signed_for: s.party.to_string(),
        at: s.at,
        acr: s.auth.acr.clone(),
        amr: s.auth.amr.clone(),
    }
}

impl MandateView {
    /// The mandate as `viewer` sees it at `now`.
    pub fn of(m: &Mandate, viewer: &Party, now: Instant) -> Self {
        let status = m.status_at(now);
        let side = m.terms.side_of(viewer);
        let notes = match side {
            Some(Side::Mandator) => Some(&m.mandator_notes),
            Some(Side::Mandatee) => Some(&m.mandatee_notes),
            None => None,
        };
        let awaiting = if status == mandates_domain::mandate::Status::Pending {
            m.unsigned_sides().into_iter().map(Side::as_str).collect()
        } else {
            Vec::new()
        };
        MandateView {
            id: m.id,
            status: status.as_str(),
            version: m.version,
            domain: m.terms.domain.clone(),
            types: m.terms.types.iter().cloned().collect(),
            mandator: m.terms.mandator.to_string(),
            mandatee: m.terms.mandatee.to_string(),
            valid_from: m.terms.valid_from,
            valid_until: m.terms.valid_until,
            initiator: m.initiator.to_string(),
            created_at: m.created_at,
            lapses_at: m.lapses_at.filter(|_| {
                status == mandates_domain::mandate::Status::Pending
                    || status == mandates_domain::mandate::Status::Lapsed
            }),
            closed_at: m.closed_at,
            signatures: m.signatures.iter().map(signature_view).collect(),
            awaiting,
            proposal: m.live_proposal(now).map(|p| ProposalView {
                version: p.version,
                types: p.terms.types.iter().cloned().collect(),
                valid_from: p.terms.valid_from,
                valid_until: p.terms.valid_until,
                proposed_by: p.proposed_by.as_str(),
                proposed_at: p.proposed_at,
                lapses_at: p.lapses_at,
            }),
            transfer_to: m.transfer_to,
            transfer_of: m.transfer_of,
            your_side: side.map(Side::as_str),
            reference: notes.and_then(|n| n.reference.clone()),
            language: notes.and_then(|n| n.language.map(|l| l.code())),
            email: notes.and_then(|n| n.email.clone()),
            capacity: notes.and_then(|n| n.capacity.clone()),
        }
    }
}

/// A page of mandates.
#[derive(Debug, Serialize, ToSchema)]
pub struct MandatePage {
    pub items: Vec<MandateView>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// One event of a mandate's history: who did what, for whom, when and how.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventView {
    /// Place in the service's event sequence.
    pub seq: i64,
    /// e.g. `created`, `signed`, `activated`, `narrowed`, `change_proposed`, `stopped`.
    pub kind: String,
    pub at: DateTime<Utc>,
    /// The person who acted (absent for what followed from another event).
    pub person: Option<String>,
    /// For whom they acted.
    pub party: Option<String>,
    /// How the person authenticated (`acr`, `amr`); null for what no person did.
    #[schema(value_type = Option<Object>)]
    pub auth: serde_json::Value,
    pub version: i64,
    /// What the event is about (the terms, the other mandate of a transfer, ...), if anything.
    #[schema(value_type = Option<Object>)]
    pub detail: serde_json::Value,
    /// SHA-256 of the event's canonical form, and the chain value at it (64 hexadecimal
    /// digits each); absent for an event not chained yet.
    pub digest: Option<String>,
    pub chain: Option<String>,
}

impl From<StoredEvent> for EventView {
    fn from(e: StoredEvent) -> Self {
        EventView {
            seq: e.seq,
            kind: e.kind.as_str().to_owned(),
            at: e.at,
            person: e.person,
            party: e.party,
            auth: e.auth,
            version: e.version,
            detail: e.detail,
            digest: e.digest.map(|h| h.hex()),
            chain: e.chain.map(|h| h.hex()),
        }
    }
}

/// A mandate's history, oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct History {
    pub items: Vec<EventView>,
}

/// A role of a person for an enterprise.
#[derive(Debug, Serialize, ToSchema)]
pub struct RoleView {
    pub id: Uuid,
    pub enterprise: String,
    pub person: String,
    /// `legal_representative`, `manager` or `executor`.
    pub kind: &'static str,
    pub domain: Option<String>,
    pub types: Vec<String>,
    pub valid_from: NaiveDate,
    pub valid_until: Option<NaiveDate>,
    pub ended_at: Option<DateTime<Utc>>,
    /// Whether the role is in force now.
    pub in_force: bool,
}

impl RoleView {
    pub fn of(r: &EnterpriseRole, now: Instant) -> Self {
        RoleView {
            id: r.id,
            enterprise: r.enterprise.to_string(),
            person: r.person.to_string(),
            kind: r.kind.as_str(),
            domain: r.domain.clone(),
            types: r.types.clone(),
            valid_from: r.valid_from,
            valid_until: r.valid_until,
            ended_at: r.ended_at,
            in_force: r.in_force_at(now),
        }
    }
}

/// The roster of an enterprise.
#[derive(Debug, Serialize, ToSchema)]
pub struct Roster {
    pub items: Vec<RoleView>,
}
