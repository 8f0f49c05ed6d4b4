//! The events of a mandate's history.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::actor::AuthContext;
use crate::time::Instant;
use crate::{Insz, Party};

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
