//! Selections: a bulk change about some of the party's own mandates instead of a file, and
//! the rows a selection stands for.

use mandates_domain::access;
use mandates_domain::actor::Actor;
use mandates_domain::bulk::{self, FileDefaults, Operation, RowInput};
use mandates_domain::mandate::Status;
use mandates_domain::time::Instant;
use mandates_domain::{DomainError, FieldError, Party};
use mandates_store::{MandateQuery, RoleFilter};

use crate::AppState;
use crate::error::AppError;

/// Which of the party's mandates a bulk change is about, instead of a file.
#[derive(Debug, Clone)]
pub enum Selection {
    /// Sign: every mandate (or proposed change) waiting for the party's signature.
    Waiting,
    /// Stop: every mandate signed and not ended with this party on the other side.
    WithParty(Party),
    /// Transfer: every mandate signed and not ended that the party holds as mandatee.
    Held { new_mandatee: String },
}

/// The rows of a selection: the party's mandates that it names and the actor may see, one
/// row each, in the order of the list of mandates (newest first). A sign row carries the
/// version the party sees now.
pub(super) async fn selected(
    state: &AppState,
    actor: &Actor,
    operation: Operation,
    selection: &Selection,
    defaults: &FileDefaults,
    now: Instant,
) -> Result<Vec<bulk::Row>, AppError> {
    let signed = vec![Status::Active, Status::Scheduled];
    let mut query = MandateQuery::of(actor.party.clone(), access::read_scope(actor));
    query.domain = defaults.domain.clone();
    query.limit = 500;
    match (operation, selection) {
        (Operation::Sign, Selection::Waiting) => {
            query.statuses = vec![Status::Pending, Status::Active, Status::Scheduled];
        }
        (Operation::Stop, Selection::WithParty(p)) => {
            query.statuses = signed;
            query.counterpart = Some(p.clone());
        }
        (Operation::Transfer, Selection::Held { .. }) => {
            query.statuses = signed;
            query.role = Some(RoleFilter::Mandatee);
        }
        _ => {
            return Err(DomainError::field(
                FieldError::new("select", "invalid_value").arg("value", operation.as_str()),
            )
            .into());
        }
    }
    let mut rows = Vec::new();
    loop {
        let page = crate::service::mandates::list(state, actor, query.clone(), now).await?;
        for m in &page.items {
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
                Selection::Held { new_mandatee } => RowInput::Transfer {
                    mandate: m.id,
                    new_mandatee: new_mandatee.clone(),
                },
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
