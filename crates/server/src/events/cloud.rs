//! CloudEvents 1.0 (JSON format) made from the event log: one per stored event of a
//! mandate, with what an application of the mandate's domain may see of it.
//!
//! - `id` is the event's sequence number (as text): stable, and the same for every
//!   application, whether it reads the feed or receives a webhook;
//! - `type` is `be.mandates.mandate.<what happened>` (see [`type_of`]);
//! - `data` holds the mandate id, its domain, the type codes the application covers, the
//!   parties, the status after the event, the period and the version of the terms — never
//!   the parties' notes (their reference, language, e-mail address), nor who acted.
//!
//! Changes of a party's notes are not published at all: they concern no application.
//! Role events are not published either: a roster belongs to an enterprise, not to a
//! domain, and what a role allows is what a check answers.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use mandates_domain::mandate::{BaseStatus, EventKind, Mandate, Terms};
use mandates_domain::time::Instant;
use mandates_store::StoredEvent;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::tokens::ClientPrincipal;

/// The CloudEvents version of the events.
pub const SPEC_VERSION: &str = "1.0";
/// The prefix of every event type.
pub const TYPE_PREFIX: &str = "be.mandates.mandate.";

/// The CloudEvents type of a kind of mandate event; `None` for what is not published.
pub fn type_of(kind: EventKind) -> Option<&'static str> {
    Some(match kind {
        EventKind::Created => "be.mandates.mandate.created",
        EventKind::Signed => "be.mandates.mandate.signed",
        EventKind::Activated => "be.mandates.mandate.activated",
        EventKind::Rejected => "be.mandates.mandate.rejected",
        EventKind::Withdrawn => "be.mandates.mandate.withdrawn",
        EventKind::Narrowed => "be.mandates.mandate.narrowed",
        EventKind::ChangeProposed => "be.mandates.mandate.change.proposed",
        EventKind::ChangeSigned => "be.mandates.mandate.change.signed",
        EventKind::ChangeRejected => "be.mandates.mandate.change.rejected",
        EventKind::ChangeWithdrawn => "be.mandates.mandate.change.withdrawn",
        EventKind::Stopped => "be.mandates.mandate.stopped",
        EventKind::TransferRequested => "be.mandates.mandate.transfer.requested",
        EventKind::TransferredAway => "be.mandates.mandate.transferred",
        EventKind::TransferVoided => "be.mandates.mandate.transfer.voided",
        EventKind::NotesChanged => return None,
    })
}

/// Every published event type.
pub fn all_types() -> Vec<&'static str> {
    EventKind::ALL.into_iter().filter_map(type_of).collect()
}

/// A CloudEvent (JSON format) of a mandate's event.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[schema(example = json!({
    "specversion": "1.0", "id": "42", "source": "https://mandates.example.be",
    "type": "be.mandates.mandate.stopped", "subject": "3f2b8c1e-6d4a-4c7e-9a51-0b2d7e8f9a10",
    "time": "2027-03-01T09:00:00Z", "datacontenttype": "application/json",
    "data": {"mandate_id": "3f2b8c1e-6d4a-4c7e-9a51-0b2d7e8f9a10", "domain": "fin",
        "types": ["fin.tax_on_web"], "mandator": "85073003328", "mandatee": "90010112395",
        "status": "stopped", "valid_from": "2027-03-01", "valid_until": "2027-12-31", "version": 1}}))]
pub struct CloudEvent {
    /// `1.0`.
    pub specversion: &'static str,
    /// The event's sequence number in the log, as text: the same for every application,
    /// and the feed's cursor.
    pub id: String,
    /// The service's public address.
    pub source: String,
    /// `be.mandates.mandate.created`, `.signed`, `.activated`, `.rejected`, `.withdrawn`,
    /// `.narrowed`, `.change.proposed`, `.change.signed`, `.change.rejected`,
    /// `.change.withdrawn`, `.stopped`, `.transfer.requested`, `.transferred` or
    /// `.transfer.voided`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The mandate id.
    pub subject: String,
    /// When it happened (RFC 3339).
    pub time: String,
    /// `application/json`.
    pub datacontenttype: &'static str,
    pub data: MandateData,
}

impl CloudEvent {
    /// The event's sequence number.
    pub fn seq(&self) -> i64 {
        self.id.parse().unwrap_or_default()
    }
}

/// What an application of the domain may see of a mandate after an event.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct MandateData {
    pub mandate_id: Uuid,
    pub domain: String,
    /// The mandate's types after the event that the application covers (empty after a
    /// narrowing that took away all of them).
    pub types: Vec<String>,
    /// The number of the person or enterprise who gave the mandate.
    pub mandator: String,
    /// The number of the person or enterprise who received it.
    pub mandatee: String,
    /// The stored status after the event: `pending`, `active`, `rejected`, `withdrawn`,
    /// `stopped` or `voided` (lapse and expiry follow from time, without an event).
    pub status: &'static str,
    pub valid_from: NaiveDate,
    /// Absent: unlimited.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<NaiveDate>,
    /// The version of the terms in force after the event.
    pub version: i64,
    /// For a transfer's new mandate: the mandate it replaces.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transfer_of: Option<Uuid>,
    /// For a transfer: the mandate that replaces this one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replaced_by: Option<Uuid>,
}

/// A mandate event with what is known of the mandate then: the form every application's
/// view is cut from.
#[derive(Debug, Clone)]
pub struct Fact {
    pub seq: i64,
    kind: EventKind,
    at: Instant,
    mandate: Uuid,
    terms: Terms,
    status: BaseStatus,
    version: i64,
    /// The types an application must cover one of to see the event: those after it, and
    /// those before a change or a narrowing (an application learns that its type was
    /// taken away), and those proposed.
    concerned: BTreeSet<String>,
    transfer_of: Option<Uuid>,
    replaced_by: Option<Uuid>,
}

impl Fact {
    /// The fact of a stored event of `mandate`; `None` for events of other streams, of
    /// another mandate, and of kinds that are not published.
    pub fn of(event: &StoredEvent, mandate: &Mandate) -> Option<Fact> {
        let mandates_store::EventKind::Mandate(kind) = event.kind else {
            return None;
        };
        type_of(kind)?;
        if event.subject != mandate.id.to_string() {
            return None;
        }
        let version = u32::try_from(event.version).ok()?;
        let terms = terms_at(mandate, version).clone();
        let mut concerned: BTreeSet<String> = terms.types.clone();
        if matches!(kind, EventKind::Narrowed | EventKind::ChangeSigned)
            && let Some(before) = mandate
                .history
                .iter()
                .filter(|h| h.version < version)
                .max_by_key(|h| h.version)
        {
            concerned.extend(before.terms.types.iter().cloned());
        }
        if kind == EventKind::ChangeProposed
            && let Some(proposed) = event.detail["terms"]["types"].as_array()
        {
            concerned.extend(
                proposed
                    .iter()
                    .filter_map(|t| t.as_str().map(str::to_owned)),
            );
        }
        let uuid = |key: &str| {
            event.detail[key]
                .as_str()
                .and_then(|t| Uuid::parse_str(t).ok())
        };
        Some(Fact {
            seq: event.seq,
            kind,
            at: event.at,
            mandate: mandate.id,
            status: status_after(kind, event.at, mandate),
            version: event.version,
            terms,
            concerned,
            transfer_of: mandate.transfer_of,
            replaced_by: uuid("replaced_by").or_else(|| uuid("to")),
        })
    }

    /// Whether an application of `domain`, limited to `types` (empty: all), sees it.
    pub fn visible_to(&self, client: &ClientPrincipal) -> bool {
        self.terms.domain == client.domain
            && (client.types.is_empty() || self.concerned.iter().any(|t| client.covers(t)))
    }

    /// The CloudEvent an application sees; `None` when it may not see it.
    pub fn view(&self, client: &ClientPrincipal, source: &str) -> Option<CloudEvent> {
        if !self.visible_to(client) {
            return None;
        }
        let (valid_from, valid_until) = (self.terms.valid_from, self.terms.valid_until);
        Some(CloudEvent {
            specversion: SPEC_VERSION,
            id: self.seq.to_string(),
            source: source.to_owned(),
            kind: type_of(self.kind)?,
            subject: self.mandate.to_string(),
            time: self.at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
            datacontenttype: "application/json",
            data: MandateData {
                mandate_id: self.mandate,
                domain: self.terms.domain.clone(),
                types: self
                    .terms
                    .types
                    .iter()
                    .filter(|t| client.covers(t))
                    .cloned()
                    .collect(),
                mandator: self.terms.mandator.to_string(),
                mandatee: self.terms.mandatee.to_string(),
                status: self.status.as_str(),
                valid_from,
                valid_until,
                version: self.version,
                transfer_of: self.transfer_of,
                replaced_by: self.replaced_by,
            },
        })
    }
}

/// The terms of a version: in force from some moment on, or (while pending) to sign.
fn terms_at(mandate: &Mandate, version: u32) -> &Terms {
    mandate
        .history
        .iter()
        .find(|h| h.version == version)
        .map_or(&mandate.terms, |h| &h.terms)
}

/// The stored status right after an event. The kinds that do not change it leave the
/// mandate as it was: ended when it ended before, active once it was activated before,
/// pending otherwise.
fn status_after(kind: EventKind, at: Instant, mandate: &Mandate) -> BaseStatus {
    match kind {
        EventKind::Created | EventKind::Signed => BaseStatus::Pending,
        EventKind::Activated => BaseStatus::Active,
        EventKind::Rejected => BaseStatus::Rejected,
        EventKind::Withdrawn => BaseStatus::Withdrawn,
        EventKind::Stopped | EventKind::TransferredAway => BaseStatus::Stopped,
        EventKind::TransferVoided => BaseStatus::Voided,
        _ if mandate.closed_at.is_some_and(|c| c < at) => mandate.status,
        _ if mandate.history.first().is_some_and(|h| h.from <= at) => BaseStatus::Active,
        _ => BaseStatus::Pending,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_but_notes_has_its_own_type() {
        let types = all_types();
        assert_eq!(types.len(), EventKind::ALL.len() - 1);
        assert_eq!(type_of(EventKind::NotesChanged), None);
        let distinct: BTreeSet<&str> = types.iter().copied().collect();
        assert_eq!(distinct.len(), types.len());
        assert!(types.iter().all(|t| t.starts_with(TYPE_PREFIX)));
    }
}
