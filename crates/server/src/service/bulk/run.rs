//! Committing a job and applying its rows in the unit of work, with the committer's rights:
//! row by row (500 lines a transaction) or all of them in one transaction.

use std::collections::{BTreeMap, BTreeSet};

use mandates_domain::access;
use mandates_domain::actor::Actor;
use mandates_domain::bulk::{JobState, Mode, RowError, RowInput, RowState, Signer};
use mandates_domain::mandate::Mandate;
use mandates_domain::time::Instant;
use mandates_domain::{DomainError, FieldError, Kbo, bulk};
use mandates_store::{RowOutcome, StoredRow};
use uuid::Uuid;

use super::dry_run::{action_of, creation_pairs, live_by_key};
use super::{JobAnswer, outcome, row_errors};
use crate::AppState;
use crate::auth::Principal;
use crate::error::AppError;
use crate::service::mandates::decide_create;
use crate::service::unit::{Applied, Command, Keyed, Work, not_found, perform};

/// Committing a validated job: a change of the unit of work, in the committer's name.
struct CommitJob(Uuid);

impl Command for CommitJob {
    /// The job committed.
    type Output = Uuid;

    async fn apply(
        self,
        work: &mut Work<'_>,
        actor: &Actor,
        now: Instant,
    ) -> Result<Applied<Uuid>, AppError> {
        let job = match work.tx.bulk_job(self.0).await? {
            Some(j) if access::may_own_job(actor, &j.owner, &j.spec.domains) => j,
            _ => return Err(not_found("bulk_job_not_found")),
        };
        if job.state != JobState::Validated {
            return Err(DomainError::conflict("bulk_job_not_validated")
                .arg("status", job.state.as_str())
                .into());
        }
        if job.spec.mode == Mode::AllOrNothing && job.failed > 0 {
            return Err(DomainError::conflict("bulk_job_has_invalid_rows")
                .arg("invalid", job.failed)
                .into());
        }
        let committer = Signer {
            person: actor.person.clone(),
            auth: actor.auth.clone(),
        };
        work.tx.commit_bulk_job(&job, &committer, now).await?;
        Ok(Applied {
            value: job.id,
            created: false,
            seq: 0,
            recorded: Vec::new(),
        })
    }

    async fn reread(_: &mut Work<'_>, _: &Actor, id: Uuid) -> Result<Uuid, AppError> {
        Ok(id)
    }
}

/// Starts applying a validated job, in the committer's name and with their rights. Sent
/// again with the same `Idempotency-Key`, it answers with the job as it is now and starts
/// nothing. An all-or-nothing job with an invalid row is refused at once: it would apply
/// nothing.
pub async fn commit(
    state: &AppState,
    principal: &Principal,
    act_for: Option<&Kbo>,
    id: Uuid,
    key: Option<Keyed<'_>>,
) -> Result<JobAnswer, AppError> {
    let done = perform(state, principal, act_for, key, CommitJob(id)).await?;
    if !done.replayed {
        let state = state.clone();
        tokio::spawn(async move {
            if let Err(e) = run(&state, id).await {
                e.log();
                tracing::error!(job = %id, "bulk job stopped; it resumes at the next start");
            }
        });
    }
    match state.store().bulk_job(done.value).await? {
        Some(job) => Ok(JobAnswer {
            job,
            replayed: done.replayed,
        }),
        None => Err(not_found("bulk_job_not_found")),
    }
}

/// The rows of one transaction: their outcomes, and why the refused ones were refused.
#[derive(Default)]
struct Chunk {
    outcomes: Vec<RowOutcome>,
    refusals: BTreeMap<i64, Vec<RowError>>,
    succeeded: i64,
}

/// Applies a running job's remaining rows; safe to call again after a crash.
pub async fn run(state: &AppState, id: Uuid) -> Result<(), AppError> {
    let Some(job) = state.store().bulk_job(id).await? else {
        return Ok(());
    };
    let spec = &job.spec;
    // The rows are applied with the rights of whoever committed the job (an older job, of
    // its uploader).
    let signer = spec.committed_by.as_ref().unwrap_or(&spec.uploaded_by);
    let principal = Principal {
        person: signer.person.clone(),
        auth: signer.auth.clone(),
    };
    let act_for = spec.acting_for.as_ref();
    let all_or_nothing = spec.mode == Mode::AllOrNothing;
    // All or nothing: the whole file in one transaction; else 500 lines a transaction.
    let lines_a_chunk = if all_or_nothing { i64::MAX } else { 500 };
    if all_or_nothing && job.failed > 0 && job.succeeded == 0 {
        // Committed before such commits were refused: nothing is applied.
        return fail_all(state, id, &job.failed).await;
    }
    let last_line = {
        let mut tx = state.store().begin().await?;
        let last = tx.last_bulk_line(id).await?;
        tx.rollback().await?;
        last
    };
    // Rows up to this line are done in this run (after a restart, the reads skip those done).
    let mut after_line = 0;
    loop {
        let now = state.clock().now();
        let mut work = Work::begin(state).await?;
        let Some(current) = work.tx.bulk_job(id).await? else {
            work.rollback().await?;
            return Ok(());
        };
        if after_line >= last_line {
            let end = if all_or_nothing && current.failed > 0 {
                JobState::Failed
            } else {
                JobState::Done
            };
            work.tx
                .set_bulk_job(id, end, current.succeeded, current.failed, now)
                .await?;
            work.commit().await?;
            state.catch_up().await;
            return Ok(());
        }
        let through_line = after_line.saturating_add(lines_a_chunk);
        let pending = work
            .tx
            .pending_bulk_rows(id, after_line, through_line)
            .await?;
        after_line = through_line;
        if pending.is_empty() {
            work.rollback().await?;
            continue;
        }
        let actor = match work.actor(&principal, act_for, now).await {
            Ok(a) => a,
            Err(AppError::Domain(e)) => {
                // The committer lost the role: no row can be applied any more.
                let errors = row_errors(&e);
                let outcomes: Vec<RowOutcome> = pending
                    .iter()
                    .map(|r| outcome(r.line, RowState::Failed, errors.clone()))
                    .collect();
                work.tx.set_bulk_rows(id, &outcomes).await?;
                let failed = current.failed + pending.len() as i64;
                work.tx
                    .set_bulk_job(id, JobState::Running, current.succeeded, failed, now)
                    .await?;
                work.commit().await?;
                continue;
            }
            Err(e) => return Err(e),
        };
        let chunk = apply_chunk(&mut work, &actor, &pending, now).await?;
        if all_or_nothing && !chunk.refusals.is_empty() {
            // Nothing of it stays: report why, in a transaction of its own.
            work.rollback().await?;
            let outcomes: Vec<RowOutcome> = pending
                .iter()
                .map(|r| match chunk.refusals.get(&r.line) {
                    Some(errors) => outcome(r.line, RowState::Failed, errors.clone()),
                    None => outcome(r.line, RowState::NotApplied, Vec::new()),
                })
                .collect();
            let mut tx = state.store().begin().await?;
            tx.set_bulk_rows(id, &outcomes).await?;
            let failed = current.failed + chunk.refusals.len() as i64;
            tx.set_bulk_job(id, JobState::Failed, current.succeeded, failed, now)
                .await?;
            tx.commit().await?;
            return Ok(());
        }
        let mut outcomes = chunk.outcomes;
        outcomes.extend(
            chunk
                .refusals
                .iter()
                .map(|(line, errors)| outcome(*line, RowState::Failed, errors.clone())),
        );
        work.tx.set_bulk_rows(id, &outcomes).await?;
        let failed = current.failed + chunk.refusals.len() as i64;
        work.tx
            .set_bulk_job(
                id,
                JobState::Running,
                current.succeeded + chunk.succeeded,
                failed,
                now,
            )
            .await?;
        work.commit().await?;
        // The index follows the log on its own meanwhile; the job's end brings it level.
    }
}

/// Marks every remaining row of an all-or-nothing job not applied, and the job failed.
async fn fail_all(state: &AppState, id: Uuid, failed: &i64) -> Result<(), AppError> {
    let now = state.clock().now();
    let mut tx = state.store().begin().await?;
    let valid = tx.pending_bulk_rows(id, 0, i64::MAX).await?;
    let outcomes: Vec<RowOutcome> = valid
        .iter()
        .map(|r| outcome(r.line, RowState::NotApplied, Vec::new()))
        .collect();
    tx.set_bulk_rows(id, &outcomes).await?;
    tx.set_bulk_job(id, JobState::Failed, 0, *failed, now)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Applies the rows of one transaction: creations decided row by row and written together
/// at the end, other rows through the same change as a single one.
async fn apply_chunk(
    work: &mut Work<'_>,
    actor: &mandates_domain::actor::Actor,
    pending: &[StoredRow],
    now: mandates_domain::time::Instant,
) -> Result<Chunk, AppError> {
    let mut chunk = Chunk::default();
    let mut created: Vec<Mandate> = Vec::new();
    let mut created_events: Vec<mandates_domain::mandate::Event> = Vec::new();
    let mut keys_of_chunk: BTreeSet<String> = BTreeSet::new();
    let mut inputs: Vec<(i64, &RowInput)> = Vec::with_capacity(pending.len());
    for r in pending {
        match &r.input {
            Some(input) => inputs.push((r.line, input)),
            None => {
                let e = DomainError::field(FieldError::new(bulk::ROW_FIELD, "required"));
                chunk.refusals.insert(r.line, row_errors(&e));
            }
        }
    }
    // Another job may have made some since the dry run: never twice.
    let pairs = creation_pairs(inputs.iter().map(|(_, input)| *input));
    let existing = live_by_key(work.tx.mandates_between(&pairs).await?, now);
    for (line, input) in inputs {
        if let RowInput::Create { draft } = input {
            let key = bulk::natural_key(draft);
            if let Some(made) = existing.get(&key) {
                chunk.outcomes.push(RowOutcome {
                    line,
                    state: RowState::Unchanged,
                    errors: Vec::new(),
                    mandate_id: Some(*made),
                });
                continue;
            }
            if !keys_of_chunk.insert(key) {
                chunk
                    .outcomes
                    .push(outcome(line, RowState::Unchanged, Vec::new()));
                continue;
            }
            match decide_create(actor, draft, work.rules, now) {
                Ok((m, events)) => {
                    chunk.outcomes.push(RowOutcome {
                        line,
                        state: RowState::Applied,
                        errors: Vec::new(),
                        mandate_id: Some(m.id),
                    });
                    created_events.extend(events);
                    created.push(m);
                    chunk.succeeded += 1;
                }
                Err(AppError::Domain(e)) => {
                    chunk.refusals.insert(line, row_errors(&e));
                }
                Err(e) => return Err(e),
            }
            continue;
        }
        let Some((mandate, action)) = action_of(input) else {
            continue;
        };
        match work.act(actor, mandate, &action, now).await {
            Ok(Applied { value, .. }) => {
                chunk.outcomes.push(RowOutcome {
                    line,
                    state: RowState::Applied,
                    errors: Vec::new(),
                    mandate_id: Some(value.id),
                });
                chunk.succeeded += 1;
            }
            Err(AppError::Domain(e)) => {
                chunk.refusals.insert(line, row_errors(&e));
            }
            Err(e) => return Err(e),
        }
    }
    if !created.is_empty() {
        work.create_mandates(&created, &created_events, now).await?;
    }
    Ok(chunk)
}
