//! The business check: may this person act for that mandator for this type, now or at a
//! past moment? Answered for now from the in-memory index, for the past from history; every
//! answer is written to the access log, which the mandator can read.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use mandates_domain::check::{self as rules, Decision, Refusal};
use mandates_domain::time::Instant;
use mandates_domain::{DomainError, FieldError, FieldErrors, Insz, Party};
use mandates_store::AccessEntry;
use uuid::Uuid;

use crate::AppState;
use crate::error::AppError;
use crate::tokens::ClientPrincipal;

/// A question as the application wrote it; every field is checked.
#[derive(Debug, Clone, Copy, Default)]
pub struct Ask<'a> {
    pub actor: Option<&'a str>,
    pub mandator: Option<&'a str>,
    pub type_code: Option<&'a str>,
    /// An RFC 3339 instant; `None`: now.
    pub at: Option<&'a str>,
}

/// A question whose input was read.
#[derive(Debug, Clone)]
pub struct Question {
    pub actor: Insz,
    pub mandator: Party,
    pub type_code: String,
    /// The index's number of the type (absent: no mandate can grant it).
    pub type_id: Option<u32>,
    pub at: Option<Instant>,
}

/// How an application asked: the log says which question was answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Asked {
    /// A check (`/api/v1/checks`, an AuthZEN evaluation).
    Check,
    /// A token exchange: the check behind an "acting for" token.
    Exchange,
    /// For whom may a person act (a search).
    List,
    /// Token introspection: whether an "acting for" token still holds.
    Introspection,
}

impl Asked {
    pub fn as_str(self) -> &'static str {
        match self {
            Asked::Check => "check",
            Asked::Exchange => "exchange",
            Asked::List => "list",
            Asked::Introspection => "introspection",
        }
    }
}

/// Reads a question; its field errors are named with `prefix` (`checks[3].`).
pub fn read<'a>(
    ask: Ask<'a>,
    client: &ClientPrincipal,
    prefix: &str,
    state: &AppState,
    errors: &mut FieldErrors,
) -> Option<Question> {
    let field = |name: &str| format!("{prefix}{name}");
    let mut required = |value: Option<&'a str>, name: &str| {
        if value.is_none() {
            errors.push(FieldError::new(field(name), "required"));
        }
        value
    };
    let (actor, mandator, type_code) = (
        required(ask.actor, "actor"),
        required(ask.mandator, "mandator"),
        required(ask.type_code, "type"),
    );
    let actor = actor.and_then(|a| {
        errors.check(Insz::parse(a), |e| {
            FieldError::new(field("actor"), "invalid_party_number").arg("reason", e.code())
        })
    });
    let mandator = mandator.and_then(|m| {
        errors.check(Party::parse(m), |e| {
            FieldError::new(field("mandator"), "invalid_party_number").arg("reason", e.code())
        })
    });
    let type_code = type_code.filter(|t| {
        let covered = client.covers(t) && state.catalog().mandate_type(t).is_some();
        if !covered {
            // Another domain's types are unknown to this application, whether they exist or not.
            errors.push(FieldError::new(field("type"), "client_type_not_allowed").arg("type", t));
        }
        covered
    });
    let at = ask.at.and_then(|text| {
        errors.check(DateTime::parse_from_rfc3339(text), |_| {
            FieldError::new(field("at"), "invalid_instant").arg("value", text)
        })
    });
    let (actor, mandator, type_code) = (actor?, mandator?, type_code?);
    Some(Question {
        type_id: state.index().type_id(type_code),
        actor,
        mandator,
        type_code: type_code.to_owned(),
        at: at.map(|t| t.with_timezone(&Utc)),
    })
}

/// Makes sure the index has seen `wanted`, catching up once if needed.
pub async fn ensure_fresh(state: &AppState, wanted: Option<i64>) -> Result<(), AppError> {
    let Some(wanted) = wanted else { return Ok(()) };
    if state.index().applied() < wanted {
        state.catch_up().await;
    }
    let applied = state.index().applied();
    if applied < wanted {
        return Err(DomainError::conflict("min_consistency_not_reached")
            .arg("wanted", wanted)
            .arg("applied", applied)
            .into());
    }
    Ok(())
}

/// Decides one question, without logging it (the caller logs what it answers): for now (and
/// later) from the index, for the past from history. Returns the decision and the event
/// sequence number it was read at.
pub async fn decide(
    state: &AppState,
    q: &Question,
    client: &ClientPrincipal,
    now: Instant,
) -> Result<(Decision, i64), AppError> {
    match q.at {
        Some(t) if t < now => {
            let consistency = state.store().last_seq().await?;
            // Only the roles the person had been given by then say anything about then.
            let mut roles = state.store().roles_of_person(&q.actor).await?;
            roles.retain(|r| r.assigned_at <= t);
            let mut mandatees: BTreeSet<String> =
                roles.iter().map(|r| r.enterprise.to_string()).collect();
            mandatees.insert(q.actor.to_string());
            let pairs: Vec<(String, String)> = mandatees
                .into_iter()
                .map(|mandatee| (q.mandator.as_str().to_owned(), mandatee))
                .collect();
            let mut mandates = state.store().mandates_between(&pairs).await?;
            mandates.retain(|m| m.terms.domain == client.domain);
            Ok((
                rules::decide(&q.actor, &q.mandator, &q.type_code, t, &mandates, &roles),
                consistency,
            ))
        }
        at => {
            let consistency = state.index().applied();
            let decision = match q.type_id {
                Some(type_id) => {
                    state
                        .index()
                        .check(&q.actor, &q.mandator, type_id, at.unwrap_or(now))
                }
                None => Decision::Denied(Refusal::NoMandate),
            };
            Ok((decision, consistency))
        }
    }
}

/// Answers a question and writes the answer to the access log (an answer that cannot be
/// logged is not given).
pub async fn answer(
    state: &AppState,
    client: &ClientPrincipal,
    asked: Asked,
    q: &Question,
    now: Instant,
) -> Result<(Decision, i64), AppError> {
    let (decision, consistency) = decide(state, q, client, now).await?;
    state
        .access_log()
        .record(entry(client, asked, q, &decision, now))?;
    Ok((decision, consistency))
}

/// The access log entry of an answer.
pub fn entry(
    client: &ClientPrincipal,
    asked: Asked,
    q: &Question,
    decision: &Decision,
    now: Instant,
) -> AccessEntry {
    let (allowed, reason, mandate) = match decision {
        Decision::Allowed(g) => (true, None, Some(g.mandate)),
        Decision::Denied(r) => (false, Some(r.code().to_owned()), r.mandate()),
    };
    AccessEntry {
        mandator: Some(q.mandator.to_string()),
        type_code: Some(q.type_code.clone()),
        allowed,
        reason,
        mandate_id: mandate.map(|m| m.to_string()),
        ..access_entry(client, asked, &q.actor, now)
    }
}

/// An access log entry of an application's answer about a person, yet without its outcome.
pub(crate) fn access_entry(
    client: &ClientPrincipal,
    asked: Asked,
    actor: &Insz,
    now: Instant,
) -> AccessEntry {
    AccessEntry {
        // Time-ordered: the log's rows are appended at the end of its key, not scattered.
        id: Uuid::now_v7().to_string(),
        at: now,
        client_id: client.client_id.clone(),
        client: client.name.clone(),
        domain: client.domain.clone(),
        kind: asked.as_str().to_owned(),
        actor: actor.to_string(),
        mandator: None,
        type_code: None,
        allowed: false,
        reason: None,
        mandate_id: None,
    }
}
