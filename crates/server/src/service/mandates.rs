//! Mandates: creating them and moving them through their lifecycle (in the unit of work),
//! and reading what the caller may see of them.

use mandates_domain::access::{self, MandateAction, Situation};
use mandates_domain::actor::Actor;
use mandates_domain::mandate::{
    Draft, Event, EventKind, Mandate, NotesChange, SignOutcome, Status, TermsChange,
};
use mandates_domain::time::Instant;
use mandates_domain::{DomainError, FieldError, Kbo};
use mandates_store::{MandateQuery, NewEvent, Page, StoredEvent, WriteTx};
use uuid::Uuid;

use super::unit::{Applied, Command, Done, Keyed, Rules, Work, not_found, perform};
use crate::AppState;
use crate::auth::Principal;
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

/// A change of mandates that a caller asks for.
#[derive(Debug, Clone)]
pub enum MandateCommand {
    Create(Draft),
    Act(Uuid, Action),
}

impl Command for MandateCommand {
    type Output = Mandate;

    async fn apply(
        self,
        work: &mut Work<'_>,
        actor: &Actor,
        now: Instant,
    ) -> Result<Applied<Mandate>, AppError> {
        match self {
            MandateCommand::Create(draft) => work.create_mandate(actor, &draft, now).await,
            MandateCommand::Act(id, action) => work.act(actor, id, &action, now).await,
        }
    }

    async fn reread(work: &mut Work<'_>, actor: &Actor, id: Uuid) -> Result<Mandate, AppError> {
        Ok(load_visible(&mut work.tx, actor, id).await?.0)
    }
}

/// Creates a mandate or moves one through its lifecycle, once (through `unit::perform`).
pub async fn change(
    state: &AppState,
    principal: &Principal,
    act_for: Option<&Kbo>,
    key: Option<Keyed<'_>>,
    command: MandateCommand,
) -> Result<Done<Mandate>, AppError> {
    perform(state, principal, act_for, key, command).await
}

fn events(list: &[Event]) -> Vec<NewEvent> {
    list.iter().map(NewEvent::from).collect()
}

/// The rules' decision on a new mandate (and its creator's signature), nothing written: the
/// single creation and a bulk creation write what this decides.
pub fn decide_create(
    actor: &Actor,
    draft: &Draft,
    rules: Rules<'_>,
    now: Instant,
) -> Result<(Mandate, Vec<Event>), AppError> {
    let (mandate, created) = Mandate::create(Uuid::new_v4(), draft, actor, rules.catalog, now)?;
    rules.signing.require(actor)?;
    Ok((mandate, created))
}

/// Loads a mandate that the actor may see, inside the transaction.
async fn load_visible(
    tx: &mut WriteTx,
    actor: &Actor,
    id: Uuid,
) -> Result<(Mandate, i64), AppError> {
    match tx.mandate(id).await? {
        Some(v) if access::may_see(actor, &v.value) => Ok((v.value, v.row_version)),
        _ => Err(DomainError::mandate_not_found().into()),
    }
}

impl Work<'_> {
    /// Creates a mandate with its creator's signature.
    pub async fn create_mandate(
        &mut self,
        actor: &Actor,
        draft: &Draft,
        now: Instant,
    ) -> Result<Applied<Mandate>, AppError> {
        let (mandate, created) = decide_create(actor, draft, self.rules, now)?;
        self.tx.put_mandate(&mandate, None).await?;
        let written = events(&created);
        let appended = self.tx.append(&written).await?;
        let seq = appended.last;
        self.notify(&created, &[&mandate], seq, now).await?;
        Ok(Applied {
            value: mandate,
            created: true,
            seq,
            recorded: appended.recorded(&written),
        })
    }

    /// Writes new mandates decided already (by [`decide_create`]) with their events and
    /// notices, many rows per statement.
    pub async fn create_mandates(
        &mut self,
        mandates: &[Mandate],
        created: &[Event],
        now: Instant,
    ) -> Result<i64, AppError> {
        self.tx.put_new_mandates(mandates).await?;
        let seq = self.tx.append(&events(created)).await?.last;
        let after: Vec<&Mandate> = mandates.iter().collect();
        self.notify(created, &after, seq, now).await?;
        Ok(seq)
    }

    /// Applies an action; answers with the mandate it is about (for a transfer: the new one).
    pub async fn act(
        &mut self,
        actor: &Actor,
        id: Uuid,
        action: &Action,
        now: Instant,
    ) -> Result<Applied<Mandate>, AppError> {
        let (catalog, signing) = (self.rules.catalog, self.rules.signing);
        let tx = &mut self.tx;
        let (mut mandate, row_version) = load_visible(tx, actor, id).await?;
        let mut writes: Vec<(Mandate, Option<i64>)> = Vec::new();
        let mut log: Vec<Event> = Vec::new();
        let mut answer: Option<Mandate> = None;
        match action {
            Action::Sign { version } => {
                let others = tx
                    .active_mandates_of_mandator(&mandate.terms.mandator)
                    .await?;
                let (outcome, evs) = mandate.sign(actor, *version, &others, catalog, now)?;
                signing.require(actor)?;
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
                    return Err(DomainError::field(FieldError::new("terms", "no_change")).into());
                }
                if let Some(change) = terms {
                    let Some(based_on) = based_on else {
                        return Err(DomainError::field(FieldError::new(
                            "version",
                            "version_required",
                        ))
                        .into());
                    };
                    let events = mandate.modify(actor, *based_on, change, catalog, now)?;
                    // A transfer asked for the old terms must not bring back what was just stopped.
                    if events.iter().any(|e| e.kind == EventKind::Narrowed) {
                        void_transfer(tx, &mandate, now, &mut writes, &mut log).await?;
                    }
                    log.extend(events);
                    signing.require(actor)?;
                }
                if !notes.is_empty() {
                    log.extend(mandate.change_notes(actor, notes, now)?);
                }
            }
            Action::Transfer { mandatee } => {
                let live = transfer_live_in(tx, &mandate, now).await?;
                let (new, old_events, new_events) =
                    mandate.transfer(actor, Uuid::new_v4(), mandatee, live, catalog, now)?;
                signing.require(actor)?;
                log.extend(old_events);
                log.extend(new_events);
                answer = Some(new.clone());
                writes.push((new, None));
            }
        }
        let created = answer.is_some();
        let answer = answer.unwrap_or_else(|| mandate.clone());
        writes.insert(0, (mandate, Some(row_version)));
        for (m, expected) in &writes {
            tx.put_mandate(m, *expected).await?;
        }
        let written = events(&log);
        let appended = tx.append(&written).await?;
        let seq = appended.last;
        let after: Vec<&Mandate> = writes.iter().map(|(m, _)| m).collect();
        self.notify(&log, &after, seq, now).await?;
        Ok(Applied {
            value: answer,
            created,
            seq,
            recorded: appended.recorded(&written),
        })
    }
}

/// Whether a transfer of the mandate still waits for signatures, read in the transaction.
async fn transfer_live_in(tx: &mut WriteTx, m: &Mandate, now: Instant) -> Result<bool, AppError> {
    Ok(match m.transfer_to {
        Some(to) => tx
            .mandate(to)
            .await?
            .is_some_and(|t| t.value.status_at(now) == Status::Pending),
        None => false,
    })
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

// ---- reading -----------------------------------------------------------------------------------

/// A mandate the actor may see, or "not found" (whether or not it exists).
pub async fn visible(state: &AppState, actor: &Actor, id: Uuid) -> Result<Mandate, AppError> {
    match state.store().mandate(id).await? {
        Some(m) if access::may_see(actor, &m) => Ok(m),
        _ => Err(not_found("mandate_not_found")),
    }
}

/// A page of the actor's party's mandates: the query's filters, within what the actor may
/// see.
pub async fn list(
    state: &AppState,
    actor: &Actor,
    mut query: MandateQuery,
    now: Instant,
) -> Result<Page<Mandate>, AppError> {
    query.party = actor.party.clone();
    query.scope = access::read_scope(actor);
    Ok(state.store().list_mandates(&query, now).await?)
}

/// Every mandate of the actor's party in the query (all its pages, up to `max`).
pub async fn list_all(
    state: &AppState,
    actor: &Actor,
    mut query: MandateQuery,
    now: Instant,
    max: usize,
) -> Result<Vec<Mandate>, AppError> {
    let mut all = Vec::new();
    loop {
        let page = list(state, actor, query.clone(), now).await?;
        all.extend(page.items);
        match page.next {
            Some(next) if all.len() < max => query.after = Some(next),
            _ => break,
        }
    }
    all.truncate(max);
    Ok(all)
}

/// A mandate's history, oldest first.
pub async fn history(state: &AppState, m: &Mandate) -> Result<Vec<StoredEvent>, AppError> {
    Ok(state
        .store()
        .events_of("mandate", &m.id.to_string())
        .await?)
}

/// What the actor may do to the mandate now: the same decision that the changes enforce.
pub async fn allowed_actions(
    state: &AppState,
    actor: &Actor,
    m: &Mandate,
    now: Instant,
) -> Result<Vec<MandateAction>, AppError> {
    Ok(access::allowed_actions(
        actor,
        m,
        situation(state, m, now).await?,
    ))
}

/// Refuses, with its reason, an action the actor may not take on the mandate now.
pub async fn require_action(
    state: &AppState,
    actor: &Actor,
    m: &Mandate,
    action: MandateAction,
    now: Instant,
) -> Result<(), AppError> {
    access::permit(actor, m, action, situation(state, m, now).await?)?;
    Ok(())
}

/// What besides the mandate decides what may be done with it now.
async fn situation(state: &AppState, m: &Mandate, now: Instant) -> Result<Situation, AppError> {
    let transfer_live = match m.transfer_to {
        Some(to) => state
            .store()
            .mandate(to)
            .await?
            .is_some_and(|t| t.status_at(now) == Status::Pending),
        None => false,
    };
    Ok(Situation { now, transfer_live })
}
