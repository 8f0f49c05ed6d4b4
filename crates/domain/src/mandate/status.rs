//! The statuses of a mandate: the one stored, and the one it has at a moment.

use serde::{Deserialize, Serialize};

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
