//! Creating mandates and moving them through their lifecycle, one transaction each.

use mandates_domain::DomainError;
use mandates_domain::access::Actor;
use mandates_domain::catalog::Catalog;
use mandates_domain::mandate::{
    Draft, Event, Mandate, NotesChange, SignOutcome, Status, TermsChange,
};
use mandates_domain::time::Instant;
use mandates_store::{NewEvent, WriteTx};
use uuid::Uuid;

use crate::error::AppError;

/// A transition asked of an existing mandate.
#[derive(Debug, Clone)]
pub enum Action {
    Sign {
        version: u32,
    },
    Reject,
    Withdraw,
    Stop,
    Modify {
        based_on: Option<u32>,
        terms: Option<TermsChange>,
        notes: NotesChange,
    },
    Transfer {
        mandatee: String,
    },
}

impl Action {
    /// Whether the action puts the actor's signature on terms.
    pub fn signs(&self) -> bool {
        matches!(
            self,
            Action::Sign { .. } | Action::Modify { terms: Some(_), .. } | Action::Transfer { .. }
        )
    }
}

/// Signature-level policy for the service.
pub struct Policy<'a> {
    pub acr_levels: &'a [String],
    pub min_signing_acr: Option<&'a str>,
}

fn events(list: &[Event]) -> Vec<NewEvent> {
    list.iter().map(NewEvent::from).collect()
}

/// Creates a mandate; returns it with the sequence number of its last event.
pub async fn create(
    tx: &mut WriteTx,
    actor: &Actor,
    draft: &Draft,
    catalog: &Catalog,
    policy: &Policy<'_>,
    now: Instant,
) -> Result<(Mandate, i64), AppError> {
    let (mandate, created) = decide_create(actor, draft, catalog, policy, now)?;
    tx.put_mandate(&mandate, None).await?;
    let seq = tx.append(&events(&created)).await?;
    Ok((mandate, seq))
}

/// The rules' decision on a new mandate (and its creator's signature), nothing written: the
/// single creation and a bulk creation write what this decides.
pub fn decide_create(
    actor: &Actor,
    draft: &Draft,
    catalog: &Catalog,
    policy: &Policy<'_>,
    now: Instant,
) -> Result<(Mandate, Vec<Event>), AppError> {
    let (mandate, created) = Mandate::create(Uuid::new_v4(), draft, actor, catalog, now)?;
    super::require_signing_level(actor, policy.acr_levels, policy.min_signing_acr)?;
    Ok((mandate, created))
}

/// Loads a mandate that the actor may see, inside the transaction.
async fn load_visible(
    tx: &mut WriteTx,
    actor: &Actor,
    id: Uuid,
) -> Result<(Mandate, i64), AppError> {
    let found = tx.mandate(id).await?;
    match found {
        Some(v) if v.value.visible_to(&actor.party) && actor.may_read(&v.value.terms) => {
            Ok((v.value, v.row_version))
        }
        _ => Err(DomainError::mandate_not_found().into()),
    }
}

/// Applies an action; returns the mandate the answer is about (for a transfer: the new one).
pub async fn act(
    tx: &mut WriteTx,
    actor: &Actor,
    id: Uuid,
    action: &Action,
    catalog: &Catalog,
    policy: &Policy<'_>,
    now: Instant,
) -> Result<(Mandate, i64), AppError> {
    let (mut mandate, row_version) = load_visible(tx, actor, id).await?;
    let mut writes: Vec<(Mandate, Option<i64>)> = Vec::new();
    let mut log: Vec<Event> = Vec::new();
    let mut answer_id = mandate.id;
    match action {
        Action::Sign { version } => {
            let others = tx
                .active_mandates_of_mandator(&mandate.terms.mandator)
                .await?;
            let (outcome, evs) = mandate.sign(actor, *version, &others, catalog, now)?;
            super::require_signing_level(actor, policy.acr_levels, policy.min_signing_acr)?;
            log.extend(evs);
            if let SignOutcome::Activated {
                replaces: Some(old_id),
            } = outcome
            {
                // The replaced mandate stops in this same transaction: no gap, no overlap.
                let old = tx
                    .mandate(old_id)
                    .await?
                    .ok_or_else(|| DomainError::conflict("transfer_void"))?;
                let mut old_mandate = old.value;
                log.extend(old_mandate.end_by_transfer(actor, mandate.id, now)?);
                writes.push((old_mandate, Some(old.row_version)));
            }
        }
        Action::Reject => log.extend(mandate.reject(actor, now)?),
        Action::Withdraw => log.extend(mandate.withdraw(actor, now)?),
        Action::Stop => {
            log.extend(mandate.stop(actor, now)?);
            void_transfer(tx, &mandate, now, &mut writes, &mut log).await?;
        }
        Action::Modify {
            based_on,
            terms,
            notes,
        } => {
            if terms.is_none() && notes.is_empty() {
                return Err(DomainError::field(mandates_domain::FieldError::new(
                    "terms",
                    "no_change",
                ))
                .into());
            }
            if let Some(change) = terms {
                let Some(based_on) = based_on else {
                    return Err(DomainError::field(mandates_domain::FieldError::new(
                        "version",
                        "version_required",
                    ))
                    .into());
                };
                let events = mandate.modify(actor, *based_on, change, catalog, now)?;
                // A transfer asked for the old terms must not bring back what was just stopped.
                if events
                    .iter()
                    .any(|e| e.kind == mandates_domain::mandate::EventKind::Narrowed)
                {
                    void_transfer(tx, &mandate, now, &mut writes, &mut log).await?;
                }
                log.extend(events);
                super::require_signing_level(actor, policy.acr_levels, policy.min_signing_acr)?;
            }
            if !notes.is_empty() {
                log.extend(mandate.change_notes(actor, notes, now)?);
            }
        }
        Action::Transfer { mandatee } => {
            let live = match mandate.transfer_to {
                Some(to) => tx
                    .mandate(to)
                    .await?
                    .is_some_and(|m| m.value.status_at(now) == Status::Pending),
                None => false,
            };
            let (new, old_events, new_events) =
                mandate.transfer(actor, Uuid::new_v4(), mandatee, live, catalog, now)?;
            super::require_signing_level(actor, policy.acr_levels, policy.min_signing_acr)?;
            log.extend(old_events);
            log.extend(new_events);
            answer_id = new.id;
            writes.push((new, None));
        }
    }
    writes.insert(0, (mandate, Some(row_version)));
    for (m, expected) in &writes {
        tx.put_mandate(m, *expected).await?;
    }
    let seq = tx.append(&events(&log)).await?;
    let answer = writes
        .into_iter()
        .map(|(m, _)| m)
        .find(|m| m.id == answer_id)
        .ok_or_else(|| {
            AppError::internal("answering a change", "the mandate of the answer is missing")
        })?;
    Ok((answer, seq))
}

/// A stop ends a waiting transfer of the stopped mandate.
async fn void_transfer(
    tx: &mut WriteTx,
    mandate: &Mandate,
    now: Instant,
    writes: &mut Vec<(Mandate, Option<i64>)>,
    log: &mut Vec<Event>,
) -> Result<(), AppError> {
    if let Some(to) = mandate.transfer_to
        && let Some(pending) = tx.mandate(to).await?
    {
        let mut replacement = pending.value;
        let voided = replacement.void_transfer(now);
        if !voided.is_empty() {
            log.extend(voided);
            writes.push((replacement, Some(pending.row_version)));
        }
    }
    Ok(())
}
