//! The roster of enterprise roles: who may act for an enterprise, in what, and when.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::time::{Instant, end_of_day, start_of_day};
use crate::{Insz, Kbo};

/// What a person may do for an enterprise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoleKind {
    /// From the enterprise register: manages all mandates and assigns roles. Imported only.
    LegalRepresentative,
    /// Manages the enterprise's mandates of one domain; assigned by a representative or manager.
    Manager,
    /// Uses the mandates the enterprise holds as mandatee, for some types.
    Executor,
}

impl RoleKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RoleKind::LegalRepresentative => "legal_representative",
            RoleKind::Manager => "manager",
            RoleKind::Executor => "executor",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::LegalRepresentative, Self::Manager, Self::Executor]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// What happened to a role, as its event records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoleEventKind {
    /// Assigned by a legal representative or a manager.
    Assigned,
    /// Ended by a legal representative or a manager, or absent from a register import.
    Ended,
    /// Added or changed by a register import.
    Imported,
}

impl RoleEventKind {
    pub const ALL: [RoleEventKind; 3] = [
        RoleEventKind::Assigned,
        RoleEventKind::Ended,
        RoleEventKind::Imported,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RoleEventKind::Assigned => "role_assigned",
            RoleEventKind::Ended => "role_ended",
            RoleEventKind::Imported => "role_imported",
        }
    }
}

/// One role of one person for one enterprise, with its validity period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnterpriseRole {
    pub id: Uuid,
    pub enterprise: Kbo,
    pub person: Insz,
    pub kind: RoleKind,
    /// The domain of a manager or executor role.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    /// The mandate types of an executor role.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub types: Vec<String>,
    pub valid_from: NaiveDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<NaiveDate>,
    /// When the role was ended (by a manager, or by a register import).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_at: Option<Instant>,
    pub assigned_at: Instant,
}

impl EnterpriseRole {
    /// Whether the role is in force at an instant.
    pub fn in_force_at(&self, t: Instant) -> bool {
        start_of_day(self.valid_from) <= t
            && self.valid_until.is_none_or(|until| t < end_of_day(until))
            && self.ended_at.is_none_or(|ended| t < ended)
            && self.assigned_at <= t
    }

    /// Whether the role lets its holder manage the enterprise's mandates of a domain.
    pub fn manages(&self, domain: &str) -> bool {
        match self.kind {
            RoleKind::LegalRepresentative => true,
            RoleKind::Manager => self.domain.as_deref() == Some(domain),
            RoleKind::Executor => false,
        }
    }
}
