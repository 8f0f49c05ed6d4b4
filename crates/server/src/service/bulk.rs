//! Bulk jobs: every row of a file checked first by the same rules as a single change (the
//! dry run, nothing written), then applied. Per row, each row is applied in the transaction
//! that marks it applied, so that a job resumed after a crash applies every row exactly once;
//! all or nothing, every row is applied in one transaction or none is.

use std::collections::HashMap;

use mandates_domain::access::{Actor, AuthContext};
use mandates_domain::bulk::{self, FileDefaults, Format, Operation, RowInput, SsmContext};
use mandates_domain::mandate::{Mandate, Status};
use mandates_domain::time::Instant;
use mandates_domain::{DomainError, FieldError, Insz, Kbo, Party};
use mandates_store::{StoredJob, StoredRow, WriteTx};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::mandates::{self as single, Action};
use crate::AppState;
use crate::auth::Principal;
use crate::error::AppError;

/// How a job applies its rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    AllOrNothing,
    PerRow,
}

impl Mode {
    pub fn parse(s: &str) -> Option<Mode> {
        match s {
            "all-or-nothing" => Some(Mode::AllOrNothing),
            "per-row" => Some(Mode::PerRow),
            _ => None,
        }
    }
}

/// What a job does, and for whom: enough to apply it after a restart.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JobDoc {
    pub operation: String,
    pub format: String,
    pub mode: Mode,
    /// The enterprise the uploader acts for (`None`: in their own name).
    pub acting_for: Option<String>,
    /// How the uploader signed in (for the signatures the job puts).
    pub auth: AuthContext,
}

/// A row's error as stored: the field, the code and its arguments.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct RowError {
    pub field: String,
    pub code: String,
    pub args: Vec<(String, String)>,
}

fn row_errors(errors: &[FieldError]) -> String {
    let list: Vec<RowError> = errors
        .iter()
        .map(|f| RowError {
            field: f.field.clone(),
            code: f.code.to_owned(),
            args: f
                .args
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.clone()))
                .collect(),
        })
        .collect();
    serde_json::to_string(&list).unwrap_or_default()
}

/// A refusal of a row as field errors (a refusal that names no field names the row).
fn as_field_errors(e: &DomainError) -> Vec<FieldError> {
    if e.fields.is_empty() {
        let mut f = FieldError::new(bulk::ROW_FIELD, e.code);
        f.args = e.args.clone();
        vec![f]
    } else {
        e.fields.clone()
    }
}

/// Which of the party's mandates a bulk change is about, instead of a file.
#[derive(Debug, Clone)]
pub enum Selection {
    /// Sign: every mandate (or proposed change) waiting for the party's signature.
    Waiting,
    /// Stop: every mandate in force with this party on the other side.
    WithParty(Party),
    /// Transfer: every mandate in force that the party holds as mandatee, to a new one.
    Held { new_mandatee: String },
}

/// A request's `Idempotency-Key`, with what identifies the request (to refuse a key reused
/// for another).
#[derive(Debug, Clone, Copy)]
pub struct Keyed<'a> {
    pub key: &'a str,
    pub fingerprint: &'a str,
}

/// A job, and whether the answer is the one given earlier for the same `Idempotency-Key`.
pub struct JobAnswer {
    pub job: StoredJob,
    pub replayed: bool,
}

/// What the uploader asked for.
pub struct Upload<'a> {
    /// With a selection, the file is empty and rows come from the party's mandates.
    pub selection: Option<Selection>,
    pub bytes: &'a [u8],
    pub format: Format,
    pub operation: Operation,
    pub mode: Mode,
    pub defaults: FileDefaults,
    /// For an SSM file: the uploader's side.
    pub ssm_side: Option<mandates_domain::mandate::Side>,
    /// Sent again with the same key, the upload answers with the job made the first time.
    pub key: Option<Keyed<'a>>,
}

fn actor_for(
    principal: &Principal,
    act_for: Option<&Kbo>,
    roles: Vec<mandates_domain::roles::EnterpriseRole>,
    now: Instant,
) -> Result<Actor, AppError> {
    Ok(super::actor_with(principal, act_for, roles, now)?)
}

/// The job a key was first used for, if any (a key reused for another request is refused).
async fn job_of_key(
    tx: &mut WriteTx,
    scope: &str,
    keyed: Keyed<'_>,
) -> Result<Option<Uuid>, AppError> {
    let Some(first) = tx.remembered(scope, keyed.key).await? else {
        return Ok(None);
    };
    if first.fingerprint != keyed.fingerprint {
        return Err(AppError::KeyReused);
    }
    serde_json::from_str::<serde_json::Value>(&first.body)
        .ok()
        .and_then(|v| v["id"].as_str().and_then(|i| Uuid::parse_str(i).ok()))
        .map(Some)
        .ok_or_else(|| AppError::internal("reading a remembered bulk job", "no id"))
}

/// The job made the first time a key was used for an upload, if any.
async fn job_uploaded_with(
    tx: &mut WriteTx,
    scope: &str,
    keyed: Keyed<'_>,
) -> Result<Option<StoredJob>, AppError> {
    let Some(id) = job_of_key(tx, scope, keyed).await? else {
        return Ok(None);
    };
    match tx.bulk_job(id).await? {
        Some(job) => Ok(Some(job)),
        None => Err(AppError::internal(
            "reading a remembered bulk job",
            format!("job {id} is gone"),
        )),
    }
}

/// Remembers, in the transaction of the change, that a key's request was answered with
/// `status` and this job.
async fn remember_job(
    tx: &mut WriteTx,
    scope: &str,
    keyed: Keyed<'_>,
    status: u16,
    id: Uuid,
    now: Instant,
) -> Result<(), AppError> {
    let response = mandates_store::StoredResponse {
        fingerprint: keyed.fingerprint.to_owned(),
        status,
        body: serde_json::json!({ "id": id }).to_string(),
    };
    Ok(tx.remember(scope, keyed.key, &response, now).await?)
}

/// Reads and checks every row (nothing is written but the job): the job in state
/// `validated`, with a report per row.
pub async fn validate(
    state: &AppState,
    principal: &Principal,
    act_for: Option<&Kbo>,
    upload: Upload<'_>,
) -> Result<JobAnswer, AppError> {
    let now = state.clock().now();
    let actor = super::actor(state.store(), principal, act_for, now).await?;
    let scope = super::idempotency_scope(&actor);
    if let Some(keyed) = upload.key {
        // A repeated upload is answered at once, without a second dry run.
        let mut tx = state.store().begin_unlocked().await?;
        let first = job_uploaded_with(&mut tx, &scope, keyed).await;
        tx.rollback().await?;
        if let Some(job) = first? {
            return Ok(JobAnswer {
                job,
                replayed: true,
            });
        }
    }
    let ssm = match (upload.format, upload.ssm_side) {
        (Format::Ssm, Some(side)) => Some(SsmContext {
            uploader: actor.party.clone(),
            side,
            domain: upload.defaults.domain.clone().unwrap_or_default(),
            types: upload.defaults.types.clone(),
        }),
        _ => None,
    };
    let rows = match &upload.selection {
        Some(selection) => {
            selected(
                state,
                &actor,
                upload.operation,
                selection,
                &upload.defaults,
                now,
            )
            .await?
        }
        None => bulk::parse(
            upload.bytes,
            upload.format,
            upload.operation,
            &upload.defaults,
            ssm.as_ref(),
        )?,
    };
    let mut stored = Vec::with_capacity(rows.len());
    // What the store holds of the rows is read 10 000 rows at a time: a few statements each,
    // and never the mandates of a whole large file in memory at once.
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<bulk::Row> = rows.by_ref().take(10_000).collect();
        let inputs: Vec<&RowInput> = chunk
            .iter()
            .filter_map(|r| r.result.as_ref().ok())
            .collect();
        let known = Known::read(state, &actor, &inputs, now).await?;
        stored.extend(
            chunk
                .into_iter()
                .map(|row| checked_row(state, &actor, row, &known, now)),
        );
    }
    let failed = stored.iter().filter(|r| r.state == "invalid").count() as i64;
    let job = StoredJob {
        id: Uuid::now_v7(),
        owner: actor.party.as_str().to_owned(),
        person: principal.person.as_str().to_owned(),
        doc: serde_json::to_string(&JobDoc {
            operation: upload.operation.as_str().to_owned(),
            format: upload.format.as_str().to_owned(),
            mode: upload.mode,
            acting_for: act_for.map(|k| k.as_str().to_owned()),
            auth: principal.auth.clone(),
        })
        .map_err(|e| AppError::internal("writing a bulk job", e))?,
        state: "validated".into(),
        total: stored.len() as i64,
        succeeded: 0,
        failed,
        created_at: now,
        updated_at: now,
    };
    let Some(keyed) = upload.key else {
        let mut tx = state.store().begin_unlocked().await?;
        tx.put_bulk_job(&job, &stored).await?;
        tx.commit().await?;
        return Ok(JobAnswer {
            job,
            replayed: false,
        });
    };
    // Under the write lock: of two uploads with the same key at once, one makes the job.
    let mut tx = state.store().begin().await?;
    if let Some(first) = job_uploaded_with(&mut tx, &scope, keyed).await? {
        tx.rollback().await?;
        return Ok(JobAnswer {
            job: first,
            replayed: true,
        });
    }
    tx.put_bulk_job(&job, &stored).await?;
    remember_job(&mut tx, &scope, keyed, 201, job.id, now).await?;
    tx.commit().await?;
    Ok(JobAnswer {
        job,
        replayed: false,
    })
}

/// A row of a file as stored after its dry run.
fn checked_row(
    state: &AppState,
    actor: &Actor,
    row: bulk::Row,
    known: &Known,
    now: Instant,
) -> StoredRow {
    let line = i64::try_from(row.line).unwrap_or(i64::MAX);
    let (state_name, input, key, errors, done) = match row.result {
        Err(errors) => ("invalid", None, None, Some(row_errors(&errors)), None),
        Ok(input) => {
            let key = match &input {
                RowInput::Create { draft, .. } => Some(bulk::natural_key(draft)),
                _ => None,
            };
            let verdict = dry_run(state, actor, &input, known, now);
            let text = serde_json::to_string(&input).ok();
            match verdict {
                Verdict::Ready => ("valid", text, key, None, None),
                Verdict::Done(id) => ("unchanged", text, key, None, Some(id.to_string())),
                Verdict::Refused(errors) => ("invalid", text, key, Some(row_errors(&errors)), None),
            }
        }
    };
    StoredRow {
        line,
        input,
        natural_key: key,
        state: state_name.to_owned(),
        errors,
        mandate_id: done,
    }
}

/// The rows of a selection: the party's mandates that it names, one row each, in the order
/// of the list of mandates (newest first). A sign row carries the version the party sees now.
async fn selected(
    state: &AppState,
    actor: &Actor,
    operation: Operation,
    selection: &Selection,
    defaults: &FileDefaults,
    now: Instant,
) -> Result<Vec<bulk::Row>, AppError> {
    use mandates_domain::mandate::Side;
    use mandates_store::{MandateQuery, RoleFilter};
    let (status, role, counterpart) = match (operation, selection) {
        (Operation::Sign, Selection::Waiting) => (None, None, None),
        (Operation::Stop, Selection::WithParty(p)) => (Some(Status::Active), None, Some(p.clone())),
        (Operation::Transfer, Selection::Held { .. }) => {
            (Some(Status::Active), Some(RoleFilter::Mandatee), None)
        }
        _ => {
            return Err(DomainError::field(
                FieldError::new("select", "invalid_value").arg("value", operation.as_str()),
            )
            .into());
        }
    };
    let mut query = MandateQuery {
        party: actor.party.clone(),
        role,
        status,
        domain: defaults.domain.clone(),
        counterpart,
        after: None,
        limit: 500,
    };
    let mut rows = Vec::new();
    loop {
        let page = state.store().list_mandates(&query, now).await?;
        for m in page.items.iter().filter(|m| actor.may_read(&m.terms)) {
            let side = m.terms.side_of(&actor.party);
            let input = match selection {
                Selection::Waiting => {
                    let waiting = match m.live_proposal(now) {
                        Some(p) => Some((p.version, p.proposed_by.other())),
                        None if m.status_at(now) == Status::Pending => m
                            .unsigned_sides()
                            .into_iter()
                            .find(|s| Some(*s) == side)
                            .map(|s| (m.version, s)),
                        None => None,
                    };
                    match waiting {
                        Some((version, s)) if Some(s) == side => RowInput::Sign {
                            mandate: m.id,
                            version,
                        },
                        _ => continue,
                    }
                }
                Selection::WithParty(_) => RowInput::Stop { mandate: m.id },
                Selection::Held { new_mandatee } => {
                    if side != Some(Side::Mandatee) {
                        continue;
                    }
                    RowInput::Transfer {
                        mandate: m.id,
                        new_mandatee: new_mandatee.clone(),
                    }
                }
            };
            rows.push(bulk::Row {
                line: rows.len() + 1,
                result: Ok(input),
            });
        }
        match page.next {
            Some(next) => query.after = Some(next),
            None => break,
        }
        if rows.len() > bulk::MAX_ROWS {
            return Err(DomainError::field(
                FieldError::new(bulk::FILE_FIELD, "too_many_rows").arg("max", bulk::MAX_ROWS),
            )
            .into());
        }
    }
    if rows.is_empty() {
        return Err(DomainError::field(FieldError::new(bulk::FILE_FIELD, "no_rows")).into());
    }
    Ok(rows)
}

enum Verdict {
    /// The row can be applied.
    Ready,
    /// What it asks is already so (a re-upload): the mandate concerned.
    Done(Uuid),
    Refused(Vec<FieldError>),
}

/// What the store holds of a file's rows, read for all rows at once.
struct Known {
    /// Live mandates by natural key: a creation with one of these keys is already done.
    existing: HashMap<String, Uuid>,
    /// The mandates the other rows are about, those the actor may see.
    visible: HashMap<Uuid, Mandate>,
}

impl Known {
    async fn read(
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
            .filter(|m| m.visible_to(&actor.party) && actor.may_read(&m.terms))
            .map(|m| (m.id, m))
            .collect();
        Ok(Known { existing, visible })
    }

    /// The verdict on a row about a mandate: `judge`'s, or "not found" when the actor may
    /// not see it (or it does not exist).
    fn about(&self, id: &Uuid, judge: impl FnOnce(&Mandate) -> Verdict) -> Verdict {
        match self.visible.get(id) {
            Some(m) => judge(m),
            None => Verdict::Refused(vec![FieldError::new("mandate", "mandate_not_found")]),
        }
    }
}

/// A mandate's terms written as a draft (for its natural key).
fn draft_of(m: &Mandate) -> mandates_domain::mandate::Draft {
    mandates_domain::mandate::Draft {
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
            Err(e) => Verdict::Refused(as_field_errors(&e)),
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

/// The change a row asks, for the single-change service.
fn action_of(input: &RowInput) -> Option<(Uuid, Action)> {
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
fn creation_pairs<'a>(inputs: impl Iterator<Item = &'a RowInput>) -> Vec<(String, String)> {
    inputs
        .filter_map(|input| match input {
            RowInput::Create { draft, .. } => {
                Some((draft.mandator.clone(), draft.mandatee.clone()))
            }
            _ => None,
        })
        .collect()
}

/// The live mandates (pending or in force) among `found`, by natural key: a creation with
/// one of these keys is already done.
fn live_by_key(found: Vec<Mandate>, now: Instant) -> HashMap<String, Uuid> {
    found
        .into_iter()
        .filter(|m| matches!(m.status_at(now), Status::Pending | Status::Active))
        .map(|m| (bulk::natural_key(&draft_of(&m)), m.id))
        .collect()
}

/// Applies a change of an existing mandate inside `tx`: the mandate it made or changed, or
/// why not (nothing written).
async fn apply_row(
    tx: &mut WriteTx,
    state: &AppState,
    actor: &Actor,
    input: &RowInput,
    now: Instant,
) -> Result<Result<Uuid, Vec<FieldError>>, AppError> {
    let Some((id, action)) = action_of(input) else {
        return Ok(Err(vec![FieldError::new(bulk::ROW_FIELD, "required")]));
    };
    let outcome = single::act(
        tx,
        actor,
        id,
        &action,
        state.catalog(),
        &state.policy(),
        now,
    )
    .await;
    match outcome {
        Ok((m, _)) => Ok(Ok(m.id)),
        Err(AppError::Domain(e)) => Ok(Err(as_field_errors(&e))),
        Err(e) => Err(e),
    }
}

/// Starts applying a validated job (its owner's request). Sent again with the same
/// `Idempotency-Key`, it answers with the job as it is now and starts nothing.
pub async fn commit(
    state: &AppState,
    actor: &Actor,
    id: Uuid,
    key: Option<Keyed<'_>>,
) -> Result<JobAnswer, AppError> {
    let now = state.clock().now();
    let scope = super::idempotency_scope(actor);
    let mut tx = state.store().begin().await?;
    let job = match tx.bulk_job(id).await? {
        Some(j) if j.owner == actor.party.as_str() => j,
        _ => {
            tx.rollback().await?;
            return Err(DomainError::not_found("bulk_job_not_found").into());
        }
    };
    if let Some(keyed) = key {
        match job_of_key(&mut tx, &scope, keyed).await {
            Ok(None) => {}
            Ok(Some(_)) => {
                tx.rollback().await?;
                return Ok(JobAnswer {
                    job,
                    replayed: true,
                });
            }
            Err(e) => {
                tx.rollback().await?;
                return Err(e);
            }
        }
    }
    if job.state != "validated" {
        tx.rollback().await?;
        return Err(DomainError::conflict("bulk_job_not_validated")
            .arg("status", &job.state)
            .into());
    }
    tx.set_bulk_job(id, "running", job.succeeded, job.failed, now)
        .await?;
    if let Some(keyed) = key {
        remember_job(&mut tx, &scope, keyed, 202, id, now).await?;
    }
    tx.commit().await?;
    let state = state.clone();
    tokio::spawn(async move {
        if let Err(e) = run(&state, id).await {
            tracing::error!(job = %id, error = %e, "bulk job stopped; it resumes at the next start");
        }
    });
    Ok(JobAnswer {
        job: StoredJob {
            state: "running".into(),
            ..job
        },
        replayed: false,
    })
}

/// Applies a running job's remaining rows; safe to call again after a crash.
pub async fn run(state: &AppState, id: Uuid) -> Result<(), AppError> {
    let Some(job) = state.store().bulk_job(id).await? else {
        return Ok(());
    };
    let doc: JobDoc =
        serde_json::from_str(&job.doc).map_err(|e| AppError::internal("reading a bulk job", e))?;
    let person =
        Insz::parse(&job.person).map_err(|e| AppError::internal("reading a bulk job", e))?;
    let principal = Principal {
        person,
        auth: doc.auth.clone(),
    };
    let act_for = doc.acting_for.as_deref().and_then(|k| Kbo::parse(k).ok());
    // All or nothing: the whole file in one transaction; else 500 lines a transaction.
    let chunk = if doc.mode == Mode::AllOrNothing {
        i64::MAX
    } else {
        500
    };
    // All or nothing, and some rows were invalid from the start: nothing is applied.
    if doc.mode == Mode::AllOrNothing && job.failed > 0 && job.succeeded == 0 {
        let now = state.clock().now();
        let mut tx = state.store().begin().await?;
        let valid = tx.pending_bulk_rows(id, 0, i64::MAX).await?;
        let outcomes: Vec<(i64, &str, Option<String>, Option<String>)> = valid
            .iter()
            .map(|r| (r.line, "not_applied", None, None))
            .collect();
        tx.set_bulk_rows(id, &outcomes).await?;
        tx.set_bulk_job(id, "failed", 0, job.failed, now).await?;
        tx.commit().await?;
        return Ok(());
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
        let mut tx = state.store().begin().await?;
        let Some(current) = tx.bulk_job(id).await? else {
            tx.rollback().await?;
            return Ok(());
        };
        if after_line >= last_line {
            let end = if doc.mode == Mode::AllOrNothing && current.failed > 0 {
                "failed"
            } else {
                "done"
            };
            tx.set_bulk_job(id, end, current.succeeded, current.failed, now)
                .await?;
            tx.commit().await?;
            state.catch_up().await;
            return Ok(());
        }
        let through_line = after_line.saturating_add(chunk);
        let pending = tx.pending_bulk_rows(id, after_line, through_line).await?;
        after_line = through_line;
        if pending.is_empty() {
            tx.rollback().await?;
            continue;
        }
        let roles = match &act_for {
            Some(_) => tx.roles_of_person(&principal.person).await?,
            None => Vec::new(),
        };
        let actor = match actor_for(&principal, act_for.as_ref(), roles, now) {
            Ok(a) => a,
            Err(AppError::Domain(e)) => {
                // The uploader lost the role: no row can be applied any more.
                let errors = row_errors(&as_field_errors(&e));
                for r in &pending {
                    tx.set_bulk_row(id, r.line, "failed", Some(&errors), None)
                        .await?;
                }
                let failed = current.failed + pending.len() as i64;
                tx.set_bulk_job(id, "running", current.succeeded, failed, now)
                    .await?;
                tx.commit().await?;
                continue;
            }
            Err(e) => return Err(e),
        };
        let (mut succeeded, mut failed) = (current.succeeded, current.failed);
        let mut refusals: Vec<(i64, String)> = Vec::new();
        let mut outcomes: Vec<(i64, &str, Option<String>, Option<String>)> = Vec::new();
        // Creations are decided row by row and written together at the end of the chunk.
        let mut created: Vec<Mandate> = Vec::new();
        let mut created_events: Vec<mandates_store::NewEvent> = Vec::new();
        let mut chunk_keys: std::collections::BTreeSet<String> = std::collections::BTreeSet::new();
        let mut inputs: Vec<(i64, RowInput)> = Vec::with_capacity(pending.len());
        for r in &pending {
            match r
                .input
                .as_deref()
                .and_then(|t| serde_json::from_str(t).ok())
            {
                Some(input) => inputs.push((r.line, input)),
                None => refusals.push((
                    r.line,
                    row_errors(&[FieldError::new(bulk::ROW_FIELD, "required")]),
                )),
            }
        }
        // Another job may have made some since the dry run: never twice.
        let pairs = creation_pairs(inputs.iter().map(|(_, input)| input));
        let existing = live_by_key(tx.mandates_between(&pairs).await?, now);
        for (line, input) in &inputs {
            let line = *line;
            if let RowInput::Create { draft, .. } = input {
                let key = bulk::natural_key(draft);
                if let Some(made) = existing.get(&key) {
                    outcomes.push((line, "unchanged", None, Some(made.to_string())));
                    continue;
                }
                if !chunk_keys.insert(key) {
                    outcomes.push((line, "unchanged", None, None));
                    continue;
                }
                match single::decide_create(&actor, draft, state.catalog(), &state.policy(), now) {
                    Ok((m, events)) => {
                        outcomes.push((line, "applied", None, Some(m.id.to_string())));
                        created_events.extend(events.iter().map(mandates_store::NewEvent::from));
                        created.push(m);
                        succeeded += 1;
                    }
                    Err(AppError::Domain(e)) => {
                        refusals.push((line, row_errors(&as_field_errors(&e))));
                    }
                    Err(e) => return Err(e),
                }
                continue;
            }
            match apply_row(&mut tx, state, &actor, input, now).await? {
                Ok(mandate) => {
                    outcomes.push((line, "applied", None, Some(mandate.to_string())));
                    succeeded += 1;
                }
                Err(errors) => refusals.push((line, row_errors(&errors))),
            }
        }
        if !created.is_empty() {
            tx.put_new_mandates(&created).await?;
            tx.append(&created_events).await?;
        }
        tx.set_bulk_rows(id, &outcomes).await?;
        if doc.mode == Mode::AllOrNothing && !refusals.is_empty() {
            // Nothing of it stays: report why, in a transaction of its own.
            tx.rollback().await?;
            let mut tx = state.store().begin().await?;
            let refused: std::collections::BTreeMap<i64, String> = refusals.into_iter().collect();
            for r in &pending {
                match refused.get(&r.line) {
                    Some(errors) => {
                        tx.set_bulk_row(id, r.line, "failed", Some(errors), None)
                            .await?
                    }
                    None => {
                        tx.set_bulk_row(id, r.line, "not_applied", None, None)
                            .await?
                    }
                }
            }
            let failed = current.failed + refused.len() as i64;
            tx.set_bulk_job(id, "failed", current.succeeded, failed, now)
                .await?;
            tx.commit().await?;
            return Ok(());
        }
        for (line, errors) in &refusals {
            tx.set_bulk_row(id, *line, "failed", Some(errors), None)
                .await?;
            failed += 1;
        }
        tx.set_bulk_job(id, "running", succeeded, failed, now)
            .await?;
        tx.commit().await?;
        // The index follows the log on its own meanwhile; the job's end brings it level.
    }
}
