//! "May this person act for that mandator in this service at moment t?" — the answer and
//! its explanation, decided from mandates and roles. The server's in-memory index answers the
//! same question for "now" faster; this function is the meaning it must match, and it answers
//! for past moments from history.

use chrono::NaiveDate;
use uuid::Uuid;

use crate::mandate::{BaseStatus, Mandate, Side};
use crate::roles::{EnterpriseRole, RoleKind};
use crate::time::Instant;
use crate::{Insz, Kbo, Party};

/// What allows the action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub mandate: Uuid,
    /// The enterprise that holds the mandate, when the person acts as its executor.
    pub via_enterprise: Option<Kbo>,
    /// The last day of the mandate's period (`None`: unlimited).
    pub valid_until: Option<NaiveDate>,
}

/// Why the action is not allowed, from the most to the least telling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// A mandate to an enterprise allows it, but the person is not its executor for the type.
    NoExecutorRole { mandate: Uuid, enterprise: Kbo },
    /// A mandate waits for the signature of a side.
    PendingSignature { mandate: Uuid, missing: Side },
    /// A mandate is signed but its period has not started.
    NotYetInForce { mandate: Uuid, from: NaiveDate },
    /// A mandate was stopped (or transferred away).
    Stopped { mandate: Uuid, at: Instant },
    /// A mandate's period has ended.
    Expired { mandate: Uuid, on: NaiveDate },
    /// Nothing relates the person to the mandator for this type.
    NoMandate,
}

impl Refusal {
    /// Stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::NoExecutorRole { .. } => "no_executor_role",
            Refusal::PendingSignature { .. } => "pending_signature",
            Refusal::NotYetInForce { .. } => "not_yet_in_force",
            Refusal::Stopped { .. } => "stopped",
            Refusal::Expired { .. } => "expired",
            Refusal::NoMandate => "no_mandate",
        }
    }

    fn rank(&self) -> u8 {
        match self {
            Refusal::NoExecutorRole { .. } => 0,
            Refusal::PendingSignature { .. } => 1,
            Refusal::NotYetInForce { .. } => 2,
            Refusal::Stopped { .. } => 3,
            Refusal::Expired { .. } => 4,
            Refusal::NoMandate => 5,
        }
    }

    /// The mandate the explanation is about, if any.
    pub fn mandate(&self) -> Option<Uuid> {
        match self {
            Refusal::NoExecutorRole { mandate, .. }
            | Refusal::PendingSignature { mandate, .. }
            | Refusal::NotYetInForce { mandate, .. }
            | Refusal::Stopped { mandate, .. }
            | Refusal::Expired { mandate, .. } => Some(*mandate),
            Refusal::NoMandate => None,
        }
    }
}

/// The answer to a check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Allowed(Grant),
    Denied(Refusal),
}

/// Keeps the most telling of two refusals; between equally telling ones, the one about the
/// smallest mandate id, so that every way of asking names the same mandate.
pub fn more_telling(a: Refusal, b: Refusal) -> Refusal {
    if (b.rank(), b.mandate()) < (a.rank(), a.mandate()) {
        b
    } else {
        a
    }
}

/// Keeps the better of two grants: a direct one before one through an enterprise, then the
/// smallest mandate id.
pub fn better_grant(a: Option<Grant>, b: Grant) -> Grant {
    match a {
        Some(a)
            if (a.via_enterprise.is_some(), a.mandate)
                <= (b.via_enterprise.is_some(), b.mandate) =>
        {
            a
        }
        _ => b,
    }
}

/// Whether the person is an executor of the enterprise for the type at `t`.
pub fn is_executor(
    roles: &[EnterpriseRole],
    person: &Insz,
    enterprise: &Kbo,
    type_code: &str,
    t: Instant,
) -> bool {
    roles.iter().any(|r| {
        r.kind == RoleKind::Executor
            && r.person == *person
            && r.enterprise == *enterprise
            && r.types.iter().any(|x| x == type_code)
            && r.in_force_at(t)
    })
}

/// Why one mandate does not allow the type at `t`, if it says anything about it.
fn refusal_of(m: &Mandate, type_code: &str, t: Instant) -> Option<Refusal> {
    if m.created_at > t {
        return None;
    }
    let activated = m.history.first().map(|h| h.from);
    match activated {
        Some(from) if from <= t => {
            let entry = m.history.iter().rev().find(|e| e.from <= t)?;
            if !entry.terms.types.contains(type_code) {
                return None;
            }
            if m.status == BaseStatus::Stopped
                && let Some(closed) = m.closed_at.filter(|c| *c <= t)
            {
                return Some(Refusal::Stopped {
                    mandate: m.id,
                    at: closed,
                });
            }
            let (start, end) = entry.terms.period();
            if t < start {
                Some(Refusal::NotYetInForce {
                    mandate: m.id,
                    from: entry.terms.valid_from,
                })
            } else if end.is_some_and(|e| t >= e) {
                entry
                    .terms
                    .valid_until
                    .map(|on| Refusal::Expired { mandate: m.id, on })
            } else {
                None
            }
        }
        _ => {
            // Signed into force later, it was waiting at `t`; never signed, until it lapsed.
            let before_deadline = activated.is_some() || m.lapses_at.is_some_and(|l| t < l);
            // While it waited, its terms were those it was signed with.
            let terms = m.history.first().map_or(&m.terms, |h| &h.terms);
            let waiting = before_deadline
                && m.closed_at.is_none_or(|c| c > t)
                && terms.types.contains(type_code);
            if !waiting {
                return None;
            }
            let missing = [Side::Mandator, Side::Mandatee].into_iter().find(|s| {
                !m.signatures
                    .iter()
                    .any(|x| x.side == *s && x.version == 1 && x.at <= t)
            })?;
            Some(Refusal::PendingSignature {
                mandate: m.id,
                missing,
            })
        }
    }
}

/// Decides from history. `mandates` are the mandator's mandates to the person and to the
/// enterprises the person has roles for; `roles` are the person's roles. A direct mandate
/// wins over one through an enterprise.
pub fn decide(
    actor: &Insz,
    mandator: &Party,
    type_code: &str,
    t: Instant,
    mandates: &[Mandate],
    roles: &[EnterpriseRole],
) -> Decision {
    let mut best: Option<Grant> = None;
    let mut refusal = Refusal::NoMandate;
    for m in mandates.iter().filter(|m| m.terms.mandator == *mandator) {
        let Some(entry) = m
            .in_force_at(t)
            .filter(|e| e.terms.types.contains(type_code))
        else {
            if let Some(r) = refusal_of(m, type_code, t) {
                refusal = more_telling(refusal, r);
            }
            continue;
        };
        let grant = |via_enterprise| Grant {
            mandate: m.id,
            via_enterprise,
            valid_until: entry.terms.valid_until,
        };
        match &m.terms.mandatee {
            Party::Person(p) if p == actor => best = Some(better_grant(best, grant(None))),
            Party::Person(_) => {}
            Party::Enterprise(e) => {
                if is_executor(roles, actor, e, type_code, t) {
                    best = Some(better_grant(best, grant(Some(e.clone()))));
                } else {
                    refusal = more_telling(
                        refusal,
                        Refusal::NoExecutorRole {
                            mandate: m.id,
                            enterprise: e.clone(),
                        },
                    );
                }
            }
        }
    }
    match best {
        Some(grant) => Decision::Allowed(grant),
        None => Decision::Denied(refusal),
    }
}
