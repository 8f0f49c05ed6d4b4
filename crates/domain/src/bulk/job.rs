//! A bulk job as it is kept: what it does and for whom, its state, and each row's outcome.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::{Format, Operation};
use crate::actor::AuthContext;
use crate::error::FieldError;
use crate::{Insz, Kbo};

/// How a job applies its rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    /// Every row in one transaction, or none (a refused row leaves everything as it was).
    AllOrNothing,
    /// Each row on its own: the valid rows are applied, the refused ones reported.
    PerRow,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::AllOrNothing => "all-or-nothing",
            Mode::PerRow => "per-row",
        }
    }

    pub fn parse(s: &str) -> Option<Mode> {
        [Mode::AllOrNothing, Mode::PerRow]
            .into_iter()
            .find(|m| m.as_str() == s)
    }
}

/// Where a job is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    /// Every row checked (the dry run); nothing applied yet.
    Validated,
    /// Committed: its rows are being applied (also after a restart).
    Running,
    Done,
    /// All or nothing, and a row was refused: nothing was applied.
    Failed,
}

impl JobState {
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Validated => "validated",
            JobState::Running => "running",
            JobState::Done => "done",
            JobState::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<JobState> {
        [
            JobState::Validated,
            JobState::Running,
            JobState::Done,
            JobState::Failed,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
    }
}

/// Where a row is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RowState {
    /// Checked by the dry run: it can be applied.
    Valid,
    /// Refused by the dry run.
    Invalid,
    /// What it asks was so already (a re-upload): nothing to do.
    Unchanged,
    Applied,
    /// Refused when it was applied.
    Failed,
    /// All or nothing, and another row was refused: this one was not applied.
    NotApplied,
}

impl RowState {
    pub fn as_str(self) -> &'static str {
        match self {
            RowState::Valid => "valid",
            RowState::Invalid => "invalid",
            RowState::Unchanged => "unchanged",
            RowState::Applied => "applied",
            RowState::Failed => "failed",
            RowState::NotApplied => "not_applied",
        }
    }

    pub fn parse(s: &str) -> Option<RowState> {
        [
            RowState::Valid,
            RowState::Invalid,
            RowState::Unchanged,
            RowState::Applied,
            RowState::Failed,
            RowState::NotApplied,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
    }
}

/// A person and how they signed in: who uploaded or committed a job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signer {
    pub person: Insz,
    pub auth: AuthContext,
}

/// What a job does and for whom: enough to apply it after a restart, and to decide who may
/// read and commit it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobSpec {
    pub operation: Operation,
    pub format: Format,
    pub mode: Mode,
    /// The enterprise the uploader acted for (`None`: in their own name).
    pub acting_for: Option<Kbo>,
    /// Who uploaded it.
    pub uploaded_by: Signer,
    /// Who committed it: the rows are applied in their name, with their rights.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub committed_by: Option<Signer>,
    /// The domains of the mandates its rows create or change.
    #[serde(default)]
    pub domains: BTreeSet<String>,
}

/// A row's refusal as kept: the field, the code and its arguments.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct RowError {
    pub field: String,
    pub code: String,
    pub args: Vec<(String, String)>,
}

impl From<&FieldError> for RowError {
    fn from(f: &FieldError) -> Self {
        RowError {
            field: f.field.clone(),
            code: f.code.to_owned(),
            args: f
                .args
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.clone()))
                .collect(),
        }
    }
}
