//! An upload: its parameters read, the file (or a selection of the party's mandates) turned
//! into rows, every row checked (the dry run), and the job kept in state `validated`.

use std::collections::BTreeSet;

use axum::body::Bytes;
use mandates_domain::access;
use mandates_domain::actor::Actor;
use mandates_domain::bulk::{
    self, FileDefaults, Format, JobSpec, JobState, Mode, Operation, RowInput, Signer, SsmContext,
};
use mandates_domain::mandate::Side;
use mandates_domain::time::Instant;
use mandates_domain::{DomainError, FieldError, FieldErrors, Kbo, Party};
use mandates_store::{StoredJob, StoredRow};
use uuid::Uuid;

use super::JobAnswer;
use super::dry_run::{Known, checked_row};
use super::selection::{Selection, selected};
use crate::AppState;
use crate::auth::Principal;
use crate::error::AppError;
use crate::service::unit::{Applied, Keyed, Recalled, idempotency_scope, recall, remember};

/// The parameters of an upload as sent (the API's query, the page's form fields).
#[derive(Debug, Clone, Default)]
pub struct UploadForm {
    pub operation: Option<String>,
    pub format: Option<String>,
    pub mode: Option<String>,
    pub domain: Option<String>,
    pub types: Option<String>,
    pub role: Option<String>,
    pub select: Option<String>,
    pub party: Option<String>,
    pub new_mandatee: Option<String>,
}

/// What the uploader asked for, read.
pub struct Upload<'a> {
    /// With a selection, the file is empty and rows come from the party's mandates.
    pub selection: Option<Selection>,
    /// The file; let go of once its rows are read.
    pub bytes: Bytes,
    pub format: Format,
    pub operation: Operation,
    pub mode: Mode,
    pub defaults: FileDefaults,
    /// For an SSM file: the uploader's side.
    pub ssm_side: Option<Side>,
    /// Sent again with the same key, the upload answers with the job made the first time.
    pub key: Option<Keyed<'a>>,
}

fn invalid(field: &str, value: Option<&str>) -> FieldError {
    FieldError::new(field, "invalid_value").arg("value", value.unwrap_or_default())
}

/// Reads an upload's parameters (every one that is wrong is named) and runs its dry run.
pub async fn upload(
    state: &AppState,
    principal: &Principal,
    act_for: Option<&Kbo>,
    form: UploadForm,
    bytes: Bytes,
    key: Option<Keyed<'_>>,
) -> Result<JobAnswer, AppError> {
    let mut errors = FieldErrors::default();
    let operation = form.operation.as_deref().and_then(Operation::parse);
    if operation.is_none() {
        errors.push(invalid("operation", form.operation.as_deref()));
    }
    let format = form.format.as_deref().and_then(Format::parse);
    if format.is_none() && form.select.is_none() {
        errors.push(invalid("format", form.format.as_deref()));
    }
    let mode = match form.mode.as_deref() {
        None => Some(Mode::AllOrNothing),
        Some(m) => Mode::parse(m),
    };
    if mode.is_none() {
        errors.push(invalid("mode", form.mode.as_deref()));
    }
    let ssm_for_other =
        matches!((format, operation), (Some(Format::Ssm), Some(o)) if o != Operation::Create);
    if ssm_for_other {
        // Said before anything else about the file: there is nothing else to fix.
        errors.push(FieldError::new("format", "ssm_create_only"));
    }
    let side = match form.role.as_deref() {
        None => None,
        Some(r) => {
            let side = Side::parse(r);
            if side.is_none() {
                errors.push(invalid("role", Some(r)));
            }
            side
        }
    };
    if format == Some(Format::Ssm) && !ssm_for_other && form.role.is_none() {
        errors.push(FieldError::new("role", "required"));
    }
    let selection = match form.select.as_deref() {
        None => None,
        Some("waiting") => Some(Selection::Waiting),
        Some("party") => match form.party.as_deref().map(Party::parse) {
            Some(Ok(p)) => Some(Selection::WithParty(p)),
            Some(Err(e)) => {
                errors
                    .push(FieldError::new("party", "invalid_party_number").arg("reason", e.code()));
                None
            }
            None => {
                errors.push(FieldError::new("party", "required"));
                None
            }
        },
        Some("held") => match form.new_mandatee {
            Some(n) => Some(Selection::Held { new_mandatee: n }),
            None => {
                errors.push(FieldError::new("new_mandatee", "required"));
                None
            }
        },
        Some(other) => {
            errors.push(invalid("select", Some(other)));
            None
        }
    };
    if let Some(domain) = form.domain.as_deref().filter(|d| !d.is_empty())
        && state.catalog().domain(domain).is_none()
    {
        errors.push(FieldError::new("domain", "unknown_domain").arg("domain", domain));
    }
    errors.into_result()?;
    // A selection needs no file, so no format.
    let format = format.or(selection.as_ref().map(|_| Format::Json));
    let (Some(operation), Some(format), Some(mode)) = (operation, format, mode) else {
        return Err(DomainError::invalid(FieldErrors::default()).into());
    };
    let defaults = FileDefaults {
        domain: form.domain.filter(|d| !d.is_empty()),
        types: form
            .types
            .map(|t| {
                t.split(',')
                    .map(|s| s.trim().to_owned())
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default(),
    };
    validate(
        state,
        principal,
        act_for,
        Upload {
            selection,
            bytes,
            format,
            operation,
            mode,
            defaults,
            ssm_side: side,
            key,
        },
    )
    .await
}

/// The job made the first time a key was used for an upload, if any.
async fn job_uploaded_with(
    tx: &mut mandates_store::WriteTx,
    scope: &str,
    keyed: Keyed<'_>,
) -> Result<Option<StoredJob>, AppError> {
    let id = match recall::<Uuid>(tx, scope, keyed).await? {
        None => return Ok(None),
        Some(Recalled::Done(done)) => done.value,
        Some(Recalled::Legacy(id, _)) => id,
    };
    match tx.bulk_job(id).await? {
        Some(job) => Ok(Some(job)),
        None => Err(AppError::internal(
            "reading a remembered bulk job",
            format!("job {id} is gone"),
        )),
    }
}

/// Reads and checks every row (nothing is written but the job): the job in state
/// `validated`, with a report per row.
pub async fn validate(
    state: &AppState,
    principal: &Principal,
    act_for: Option<&Kbo>,
    mut upload: Upload<'_>,
) -> Result<JobAnswer, AppError> {
    let now = state.clock().now();
    let actor = crate::service::actor(state.store(), principal, act_for, now).await?;
    access::require_bulk(&actor)?;
    let scope = idempotency_scope(&actor);
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
            &upload.bytes,
            upload.format,
            upload.operation,
            &upload.defaults,
            ssm.as_ref(),
        )?,
    };
    // The rows are all that is needed of the file from here on.
    drop(std::mem::take(&mut upload.bytes));
    let mut stored = Vec::with_capacity(rows.len());
    let mut domains = BTreeSet::new();
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
        domains.extend(known.domains(&inputs));
        stored.extend(
            chunk
                .into_iter()
                .map(|row| checked_row(state, &actor, row, &known, ssm.as_ref(), now)),
        );
    }
    let job = new_job(
        &actor,
        principal,
        act_for,
        &upload,
        stored.as_slice(),
        domains,
        now,
    );
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
    let applied = Applied {
        value: job.id,
        created: true,
        seq: 0,
        recorded: Vec::new(),
    };
    remember(&mut tx, &scope, keyed, &applied, now).await?;
    tx.commit().await?;
    Ok(JobAnswer {
        job,
        replayed: false,
    })
}

fn new_job(
    actor: &Actor,
    principal: &Principal,
    act_for: Option<&Kbo>,
    upload: &Upload<'_>,
    rows: &[StoredRow],
    domains: BTreeSet<String>,
    now: Instant,
) -> StoredJob {
    let failed = rows
        .iter()
        .filter(|r| r.state == bulk::RowState::Invalid)
        .count() as i64;
    StoredJob {
        id: Uuid::now_v7(),
        owner: actor.party.clone(),
        spec: JobSpec {
            operation: upload.operation,
            format: upload.format,
            mode: upload.mode,
            acting_for: act_for.cloned(),
            uploaded_by: Signer {
                person: principal.person.clone(),
                auth: principal.auth.clone(),
            },
            committed_by: None,
            domains,
        },
        state: JobState::Validated,
        total: rows.len() as i64,
        succeeded: 0,
        failed,
        created_at: now,
        updated_at: now,
    }
}
