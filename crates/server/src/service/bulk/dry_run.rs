//! The dry run: each row judged by the domain's rules on a copy of what the store holds,
//! nothing written. A creation already made (same natural key) is "unchanged", as is a
//! stop of a mandate already stopped.

use std::collections::{BTreeSet, HashMap};

use mandates_domain::access;
use mandates_domain::actor::Actor;
use mandates_domain::bulk::{self, RowInput, RowState, SsmContext};
use mandates_domain::mandate::{Draft, Mandate, Status};
use mandates_domain::time::Instant;
use mandates_domain::{DomainError, FieldError};
use mandates_store::StoredRow;
use uuid::Uuid;

use super::{read_errors, row_errors};
use crate::AppState;
use crate::error::AppError;
use crate::service::mandates::Action;

enum Verdict {
    /// The row can be applied.
    Ready,
    /// What it asks is already so (a re-upload): the mandate concerned.
    Done(Uuid),
    Refused(DomainError),
}

/// What the store holds of a file's rows, read for many rows at once.
pub(super) struct Known {
    /// Live mandates by natural key: a creation with one of these keys is already done.
    existing: HashMap<String, Uuid>,
    /// The mandates that rows are about, those the actor may see.
    visible: HashMap<Uuid, Mandate>,
}

impl Known {
    pub(super) async fn read(
        state: &AppState,
        actor: &Actor,
        inputs: &[&RowInput],
        now: Instant,
    ) -> Result<Known, AppError> {
        let pairs = creation_pairs(inputs.iter().copied());
        let existing = live_by_key(state.store().mandates_between(&pairs).await?, now);
        let ids: Vec<Uuid> = inputs
            .iter()
            .filter_map(|input| action_of(input).map(|(id, _)| id))
            .collect();
        let visible = state
            .store()
            .mandates_by_ids(&ids)
            .await?
            .into_iter()
            .filter(|m| access::may_see(actor, m))
            .map(|m| (m.id, m))
            .collect();
        Ok(Known { existing, visible })
    }

    /// The domains the rows create or change mandates of.
    pub(super) fn domains(&self, inputs: &[&RowInput]) -> BTreeSet<String> {
        inputs
            .iter()
            .filter_map(|input| match input {
                RowInput::Create { draft } => Some(draft.domain.trim().to_owned()),
                other => action_of(other)
                    .and_then(|(id, _)| self.visible.get(&id))
                    .map(|m| m.terms.domain.clone()),
            })
            .filter(|d| !d.is_empty())
            .collect()
    }

    /// The verdict on a row about a mandate: `judge`'s, or "not found" when the actor may
    /// not see it (or it does not exist).
    fn about(&self, id: &Uuid, judge: impl FnOnce(&Mandate) -> Verdict) -> Verdict {
        match self.visible.get(id) {
            Some(m) => judge(m),
            None => Verdict::Refused(DomainError::field(FieldError::new(
                "mandate",
                "mandate_not_found",
            ))),
        }
    }
}

/// A row of a file as stored after its dry run. Errors of an SSM file name its fields.
pub(super) fn checked_row(
    state: &AppState,
    actor: &Actor,
    row: bulk::Row,
    known: &Known,
    ssm: Option<&SsmContext>,
    now: Instant,
) -> StoredRow {
    let line = i64::try_from(row.line).unwrap_or(i64::MAX);
    let mut stored = StoredRow {
        line,
        input: None,
        natural_key: None,
        state: RowState::Invalid,
        errors: Vec::new(),
        mandate_id: None,
    };
    match row.result {
        Err(errors) => stored.errors = read_errors(&errors),
        Ok(input) => {
            if let RowInput::Create { draft } = &input {
                stored.natural_key = Some(bulk::natural_key(draft));
            }
            match dry_run(state, actor, &input, known, now) {
                Verdict::Ready => stored.state = RowState::Valid,
                Verdict::Done(id) => {
                    stored.state = RowState::Unchanged;
                    stored.mandate_id = Some(id);
                }
                Verdict::Refused(e) => stored.errors = row_errors(&e),
            }
            stored.input = Some(input);
        }
    }
    if let Some(context) = ssm {
        for e in &mut stored.errors {
            e.field = bulk::ssm_column(&e.field, context.side);
        }
    }
    stored
}

/// A mandate's terms written as a draft (for its natural key).
fn draft_of(m: &Mandate) -> Draft {
    Draft {
        domain: m.terms.domain.clone(),
        types: m.terms.types.iter().cloned().collect(),
        mandator: m.terms.mandator.as_str().to_owned(),
        mandatee: m.terms.mandatee.as_str().to_owned(),
        valid_from: Some(m.terms.valid_from.to_string()),
        valid_until: m.terms.valid_until.map(|d| d.to_string()),
        ..Default::default()
    }
}

/// The row judged by the domain's rules on a copy: nothing is written.
fn dry_run(
    state: &AppState,
    actor: &Actor,
    input: &RowInput,
    known: &Known,
    now: Instant,
) -> Verdict {
    fn judged<T>(outcome: Result<T, DomainError>) -> Verdict {
        match outcome {
            Ok(_) => Verdict::Ready,
            Err(e) => Verdict::Refused(e),
        }
    }
    let catalog = state.catalog();
    match input {
        RowInput::Create { draft } => match known.existing.get(&bulk::natural_key(draft)) {
            Some(id) => Verdict::Done(*id),
            None => judged(Mandate::create(Uuid::nil(), draft, actor, catalog, now)),
        },
        RowInput::Sign { mandate, version } => known.about(mandate, |m| {
            judged(m.clone().sign(actor, *version, &[], catalog, now))
        }),
        RowInput::Stop { mandate } => known.about(mandate, |m| {
            if m.status_at(now) == Status::Stopped {
                Verdict::Done(m.id)
            } else {
                judged(m.clone().stop(actor, now))
            }
        }),
        RowInput::Transfer {
            mandate,
            new_mandatee,
        } => known.about(mandate, |m| {
            judged(
                m.clone()
                    .transfer(actor, Uuid::nil(), new_mandatee, false, catalog, now),
            )
        }),
    }
}

/// The change a row asks of an existing mandate (none for a creation).
pub(super) fn action_of(input: &RowInput) -> Option<(Uuid, Action)> {
    match input {
        RowInput::Create { .. } => None,
        RowInput::Sign { mandate, version } => Some((*mandate, Action::Sign { version: *version })),
        RowInput::Stop { mandate } => Some((*mandate, Action::Stop)),
        RowInput::Transfer {
            mandate,
            new_mandatee,
        } => Some((
            *mandate,
            Action::Transfer {
                mandatee: new_mandatee.clone(),
            },
        )),
    }
}

/// The (mandator, mandatee) pairs of the creations among `inputs`.
pub(super) fn creation_pairs<'a>(
    inputs: impl Iterator<Item = &'a RowInput>,
) -> Vec<(String, String)> {
    inputs
        .filter_map(|input| match input {
            RowInput::Create { draft, .. } => {
                Some((draft.mandator.clone(), draft.mandatee.clone()))
            }
            _ => None,
        })
        .collect()
}

/// The live mandates (pending or signed and not ended) among `found`, by natural key: a
/// creation with one of these keys is already done.
pub(super) fn live_by_key(found: Vec<Mandate>, now: Instant) -> HashMap<String, Uuid> {
    found
        .into_iter()
        .filter(|m| {
            let status = m.status_at(now);
            status == Status::Pending || status.is_signed_in_effect()
        })
        .map(|m| (bulk::natural_key(&draft_of(&m)), m.id))
        .collect()
}
