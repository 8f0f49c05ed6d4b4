//! The unit of work: every change of the service is decided and written here, in one write
//! transaction of the store. The caller's roles and the moment are read under the write
//! lock, so that a deadline or a role ended by an earlier writer is judged as committed; an
//! `Idempotency-Key` is checked there too and its answer remembered in the same transaction.

use mandates_domain::access::SigningPolicy;
use mandates_domain::actor::Actor;
use mandates_domain::catalog::Catalog;
use mandates_domain::time::Instant;
use mandates_domain::{DomainError, Kbo};
use mandates_store::{StoredEvent, StoredResponse, WriteTx};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::AppState;
use crate::auth::Principal;
use crate::error::AppError;

/// The rules every change is judged by: the catalog and the signing policy.
#[derive(Clone, Copy)]
pub struct Rules<'a> {
    pub catalog: &'a Catalog,
    pub signing: SigningPolicy<'a>,
}

/// A change as written: what it is about, whether it was made new, and the event sequence
/// number of its last event.
#[derive(Debug, Clone)]
pub struct Applied<T> {
    pub value: T,
    pub created: bool,
    pub seq: i64,
    /// The events it recorded, as stored (for their receipts).
    pub recorded: Vec<StoredEvent>,
}

/// What a change did, as its caller renders it.
#[derive(Debug, Clone)]
pub struct Done<T> {
    /// The thing the change is about (for a transfer: the new mandate).
    pub value: T,
    /// Whether the change made it.
    pub created: bool,
    /// The event sequence number of the change: answers at least this fresh see it (the
    /// consistency token).
    pub seq: i64,
    /// The moment of the change (a replayed answer keeps the first one's).
    pub at: Instant,
    /// The answer given the first time, for a request repeated with the same key.
    pub replayed: bool,
    /// The events it recorded, as stored; empty for an answer given before (read them again).
    pub recorded: Vec<StoredEvent>,
}

/// A request's `Idempotency-Key`, with what identifies the request (a key reused for another
/// request is refused).
#[derive(Debug, Clone, Copy)]
pub struct Keyed<'a> {
    pub key: &'a str,
    pub fingerprint: &'a str,
}

impl<'a> Keyed<'a> {
    /// The key, if the request sent one, with what identifies the request.
    pub fn of(key: Option<&'a str>, fingerprint: &'a str) -> Option<Keyed<'a>> {
        key.map(|key| Keyed { key, fingerprint })
    }
}

/// An answer as remembered under a key.
#[derive(Serialize, Deserialize)]
struct Remembered<T> {
    outcome: T,
    created: bool,
    seq: i64,
    at: Instant,
}

/// What is remembered under a key.
pub(crate) enum Recalled<T> {
    Done(Done<T>),
    /// Remembered by an earlier version of the service as the answer's JSON: the id of what
    /// it was about, to be read again, and whether it was made (201).
    Legacy(Uuid, bool),
}

/// The `Idempotency-Key`s a request's key is one of: the person's, for the party they act for.
pub fn idempotency_scope(actor: &Actor) -> String {
    format!("{}|{}", actor.person, actor.party)
}

/// The answer remembered under a key, if any; a key used before for another request is
/// refused.
pub(crate) async fn recall<T: DeserializeOwned>(
    tx: &mut WriteTx,
    scope: &str,
    keyed: Keyed<'_>,
) -> Result<Option<Recalled<T>>, AppError> {
    let Some(first) = tx.remembered(scope, keyed.key).await? else {
        return Ok(None);
    };
    if first.fingerprint != keyed.fingerprint {
        return Err(AppError::KeyReused);
    }
    if let Ok(r) = serde_json::from_str::<Remembered<T>>(&first.body) {
        return Ok(Some(Recalled::Done(Done {
            value: r.outcome,
            created: r.created,
            seq: r.seq,
            at: r.at,
            replayed: true,
            recorded: Vec::new(),
        })));
    }
    let legacy = serde_json::from_str::<serde_json::Value>(&first.body)
        .ok()
        .and_then(|v| v["id"].as_str().and_then(|i| Uuid::parse_str(i).ok()));
    match legacy {
        Some(id) => Ok(Some(Recalled::Legacy(id, first.status == 201))),
        None => Err(AppError::internal(
            "reading a remembered answer",
            "neither an outcome nor an id",
        )),
    }
}

/// Remembers, in the transaction of the change, how a key's request was answered.
pub(crate) async fn remember<T: Serialize>(
    tx: &mut WriteTx,
    scope: &str,
    keyed: Keyed<'_>,
    applied: &Applied<T>,
    now: Instant,
) -> Result<(), AppError> {
    let body = serde_json::to_string(&Remembered {
        outcome: &applied.value,
        created: applied.created,
        seq: applied.seq,
        at: now,
    })
    .map_err(|e| AppError::internal("remembering an answer", e))?;
    let response = StoredResponse {
        fingerprint: keyed.fingerprint.to_owned(),
        status: if applied.created { 201 } else { 200 },
        body,
    };
    Ok(tx.remember(scope, keyed.key, &response, now).await?)
}

/// An open unit of work: a write transaction under the store's write lock, and the rules.
pub struct Work<'a> {
    pub tx: WriteTx,
    pub rules: Rules<'a>,
    /// Whether changes write their notices (`[notices] enabled`).
    pub tell: bool,
}

impl<'a> Work<'a> {
    /// Takes the write lock.
    pub async fn begin(state: &'a AppState) -> Result<Work<'a>, AppError> {
        Ok(Work {
            tx: state.store().begin().await?,
            rules: state.rules(),
            tell: state.config().notices.enabled,
        })
    }

    /// A unit of work over a transaction already open (the demo data's seed).
    pub fn over(tx: WriteTx, rules: Rules<'a>) -> Work<'a> {
        Work {
            tx,
            rules,
            tell: true,
        }
    }

    /// Who acts, with the roles read under the write lock.
    pub async fn actor(
        &mut self,
        principal: &Principal,
        act_for: Option<&Kbo>,
        now: Instant,
    ) -> Result<Actor, AppError> {
        let roles = match act_for {
            Some(_) => self.tx.roles_of_person(&principal.person).await?,
            None => Vec::new(),
        };
        Ok(super::actor_with(principal, act_for, roles, now)?)
    }

    pub async fn commit(self) -> Result<(), AppError> {
        Ok(self.tx.commit().await?)
    }

    /// Undoes everything and releases the write lock at once.
    pub async fn rollback(self) -> Result<(), AppError> {
        Ok(self.tx.rollback().await?)
    }
}

/// A change that a caller asks for.
pub(crate) trait Command {
    /// What the change is about (a mandate, a role).
    type Output: Serialize + DeserializeOwned;

    /// Decides and writes the change.
    async fn apply(
        self,
        work: &mut Work<'_>,
        actor: &Actor,
        now: Instant,
    ) -> Result<Applied<Self::Output>, AppError>;

    /// What an answer remembered by an earlier version was about, as it is now.
    async fn reread(work: &mut Work<'_>, actor: &Actor, id: Uuid)
    -> Result<Self::Output, AppError>;
}

/// Runs a change once: the caller's roles and the moment read under the write lock, the
/// change decided and written, its answer remembered under `key` in the same transaction. A
/// retry with the same key gets the first answer and changes nothing; a refusal changes
/// nothing.
pub(crate) async fn perform<C: Command>(
    state: &AppState,
    principal: &Principal,
    act_for: Option<&Kbo>,
    key: Option<Keyed<'_>>,
    command: C,
) -> Result<Done<C::Output>, AppError> {
    let result = attempt(state, principal, act_for, key, command).await;
    state.note_write(&result);
    result
}

async fn attempt<C: Command>(
    state: &AppState,
    principal: &Principal,
    act_for: Option<&Kbo>,
    key: Option<Keyed<'_>>,
    command: C,
) -> Result<Done<C::Output>, AppError> {
    let mut work = Work::begin(state).await?;
    let outcome = run(&mut work, state, principal, act_for, key, command).await;
    match outcome {
        Ok(done) if done.replayed => {
            work.rollback().await?;
            Ok(done)
        }
        Ok(done) => {
            work.commit().await?;
            // The next check through this instance sees the change.
            state.catch_up().await;
            Ok(done)
        }
        Err(e) => {
            // Release the write lock at once; the refusal changed nothing. (A transaction
            // the database already undid, for want of room say, cannot be rolled back
            // again: the refusal is still what the caller needs to hear.)
            if let Err(rollback) = work.rollback().await {
                tracing::warn!(error = %rollback, "rollback after a refusal failed");
            }
            Err(e)
        }
    }
}

async fn run<C: Command>(
    work: &mut Work<'_>,
    state: &AppState,
    principal: &Principal,
    act_for: Option<&Kbo>,
    key: Option<Keyed<'_>>,
    command: C,
) -> Result<Done<C::Output>, AppError> {
    let now = state.clock().now();
    let actor = work.actor(principal, act_for, now).await?;
    let scope = idempotency_scope(&actor);
    if let Some(keyed) = key {
        match recall::<C::Output>(&mut work.tx, &scope, keyed).await? {
            Some(Recalled::Done(done)) => return Ok(done),
            Some(Recalled::Legacy(id, created)) => {
                return Ok(Done {
                    value: C::reread(work, &actor, id).await?,
                    created,
                    seq: 0,
                    at: now,
                    replayed: true,
                    recorded: Vec::new(),
                });
            }
            None => {}
        }
    }
    let applied = command.apply(work, &actor, now).await?;
    if let Some(keyed) = key {
        remember(&mut work.tx, &scope, keyed, &applied, now).await?;
    }
    Ok(Done {
        value: applied.value,
        created: applied.created,
        seq: applied.seq,
        at: now,
        replayed: false,
        recorded: applied.recorded,
    })
}

/// "Not found" for a thing the actor may not see, whether or not it exists.
pub(crate) fn not_found(code: &'static str) -> AppError {
    DomainError::not_found(code).into()
}
