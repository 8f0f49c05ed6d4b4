//! Who may do what. Every decision of the kind "may this actor ..." is taken here and only
//! here: the API enforces it, the pages show what it allows, bulk jobs ask it row by row.
//! A refusal carries a stable code that says why.

use std::collections::BTreeSet;

use crate::actor::{Actor, AuthContext};
use crate::error::DomainError;
use crate::mandate::{Mandate, Side, Status, Terms};
use crate::roles::{EnterpriseRole, RoleKind};
use crate::time::Instant;
use crate::{Kbo, Party};

impl Actor {
    /// A person acting for an enterprise: refused when no role of theirs is in force at `now`.
    pub fn for_enterprise(
        person: crate::Insz,
        auth: AuthContext,
        enterprise: Kbo,
        roles: Vec<EnterpriseRole>,
        now: Instant,
    ) -> Result<Self, DomainError> {
        let roles: Vec<_> = roles
            .into_iter()
            .filter(|r| r.enterprise == enterprise && r.person == person && r.in_force_at(now))
            .collect();
        if roles.is_empty() {
            return Err(DomainError::forbidden("no_role_for_enterprise")
                .arg("enterprise", enterprise.as_str()));
        }
        Ok(Actor {
            person,
            auth,
            party: Party::Enterprise(enterprise),
            roles,
        })
    }
}

// ---- managing --------------------------------------------------------------------------------

/// May this actor create, sign, modify, stop or transfer the party's mandates of a domain?
/// The person in their own name; for an enterprise, its legal representatives and the
/// managers of that domain.
pub fn require_manage(actor: &Actor, domain: &str) -> Result<(), DomainError> {
    if actor.is_self() || actor.roles.iter().any(|r| r.manages(domain)) {
        Ok(())
    } else {
        Err(DomainError::forbidden("role_does_not_allow").arg("domain", domain))
    }
}

/// Whether the actor manages mandates of at least one domain (executors manage none).
pub fn manages_any(actor: &Actor) -> bool {
    actor.is_self() || actor.roles.iter().any(|r| r.kind != RoleKind::Executor)
}

/// The weakest sign-in that may sign, among the levels the service knows (weakest first).
#[derive(Debug, Clone, Copy)]
pub struct SigningPolicy<'a> {
    pub levels: &'a [String],
    pub minimum: Option<&'a str>,
}

impl SigningPolicy<'_> {
    /// Refuses a signature when the person authenticated below the minimum level.
    pub fn require(&self, actor: &Actor) -> Result<(), DomainError> {
        let Some(minimum) = self.minimum else {
            return Ok(());
        };
        let rank = |acr: &str| self.levels.iter().position(|l| l == acr);
        let have = actor.auth.acr.as_deref().and_then(rank);
        match (have, rank(minimum)) {
            (Some(have), Some(need)) if have >= need => Ok(()),
            _ => {
                Err(DomainError::forbidden("authentication_level_too_low").arg("required", minimum))
            }
        }
    }
}

// ---- seeing mandates ---------------------------------------------------------------------------

/// Which of its party's mandates an actor may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadScope {
    /// All of them: the person in their own name, a legal representative.
    All,
    /// Those in one of these windows (a manager's domains, an executor's types).
    Windows(Vec<ReadWindow>),
}

/// A part of an enterprise's mandates that one of its roles opens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadWindow {
    pub domain: String,
    /// For an executor: only the mandates the enterprise holds as mandatee that grant one of
    /// these types (the mandates the executor may use). `None`: every mandate of the domain.
    pub held_types: Option<BTreeSet<String>>,
}

impl ReadScope {
    /// Whether a mandate of `party` with these terms lies in the scope.
    pub fn admits(&self, terms: &Terms, party: &Party) -> bool {
        match self {
            ReadScope::All => true,
            ReadScope::Windows(windows) => windows.iter().any(|w| {
                w.domain == terms.domain
                    && w.held_types.as_ref().is_none_or(|types| {
                        terms.mandatee == *party && types.iter().any(|t| terms.types.contains(t))
                    })
            }),
        }
    }
}

/// What the actor may see of its party's mandates. Managers see all of their domain;
/// executors see, read-only, the mandates they may use.
pub fn read_scope(actor: &Actor) -> ReadScope {
    if actor.is_self()
        || actor
            .roles
            .iter()
            .any(|r| r.kind == RoleKind::LegalRepresentative)
    {
        return ReadScope::All;
    }
    let windows = actor
        .roles
        .iter()
        .filter_map(|r| {
            let domain = r.domain.clone()?;
            match r.kind {
                RoleKind::Manager => Some(ReadWindow {
                    domain,
                    held_types: None,
                }),
                RoleKind::Executor => Some(ReadWindow {
                    domain,
                    held_types: Some(r.types.iter().cloned().collect()),
                }),
                RoleKind::LegalRepresentative => None,
            }
        })
        .collect();
    ReadScope::Windows(windows)
}

/// Whether a party is concerned by a mandate: its parties, and whoever asked for it (a
/// transfer's former mandatee) while it waits for signatures.
pub fn concerns(m: &Mandate, party: &Party) -> bool {
    m.terms.side_of(party).is_some()
        || (m.initiator == *party && m.status == crate::mandate::BaseStatus::Pending)
}

/// May the actor see this mandate? It concerns the actor's party, within the actor's scope.
pub fn may_see(actor: &Actor, m: &Mandate) -> bool {
    concerns(m, &actor.party) && read_scope(actor).admits(&m.terms, &actor.party)
}

/// May the actor take a mandate's evidence (its events, receipts and proofs)? Its parties
/// only: a person for themselves, an enterprise through its legal representatives.
pub fn may_export(actor: &Actor, m: &Mandate) -> bool {
    m.terms.side_of(&actor.party).is_some()
        && (actor.is_self()
            || actor
                .roles
                .iter()
                .any(|r| r.kind == RoleKind::LegalRepresentative))
}

// ---- acting on a mandate -----------------------------------------------------------------------

/// What a party may do to an existing mandate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MandateAction {
    Sign,
    Reject,
    Withdraw,
    Stop,
    Modify,
    Transfer,
    /// A party's own reference, language and e-mail address.
    ChangeNotes,
}

impl MandateAction {
    pub const ALL: [MandateAction; 7] = [
        MandateAction::Sign,
        MandateAction::Reject,
        MandateAction::Withdraw,
        MandateAction::Stop,
        MandateAction::Modify,
        MandateAction::Transfer,
        MandateAction::ChangeNotes,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MandateAction::Sign => "sign",
            MandateAction::Reject => "reject",
            MandateAction::Withdraw => "withdraw",
            MandateAction::Stop => "stop",
            MandateAction::Modify => "modify",
            MandateAction::Transfer => "transfer",
            MandateAction::ChangeNotes => "notes",
        }
    }

    pub fn parse(s: &str) -> Option<MandateAction> {
        MandateAction::ALL.into_iter().find(|a| a.as_str() == s)
    }
}

/// The state of a mandate that decides what may be done with it, besides the mandate itself.
#[derive(Debug, Clone, Copy)]
pub struct Situation {
    pub now: Instant,
    /// Whether a transfer of the mandate still waits for signatures.
    pub transfer_live: bool,
}

impl Situation {
    /// At `now`, with no transfer waiting (what only a transfer needs to know).
    pub fn at(now: Instant) -> Situation {
        Situation {
            now,
            transfer_live: false,
        }
    }
}

/// The actor's side of a mandate, once they may act on it for its domain.
fn party_side(actor: &Actor, m: &Mandate) -> Result<Side, DomainError> {
    match m.terms.side_of(&actor.party) {
        Some(side) => {
            require_manage(actor, &m.terms.domain)?;
            Ok(side)
        }
        None if m.initiator == actor.party => Err(DomainError::forbidden("not_a_party")),
        None => Err(DomainError::mandate_not_found()),
    }
}

/// The refusal of an action that the mandate's state does not allow.
pub fn wrong_state(status: Status) -> DomainError {
    match status {
        Status::Voided => DomainError::conflict("transfer_voided"),
        other => DomainError::conflict("invalid_transition").arg("status", other.as_str()),
    }
}

/// May the actor take `action` on `m` now: who they are, for whom, and the state it is in?
/// Returns the actor's side (`None` for whoever asked for a transfer without being its
/// party, withdrawing it). The action's own input (a version, new terms, a new mandatee) is
/// checked by the action itself.
pub fn permit(
    actor: &Actor,
    m: &Mandate,
    action: MandateAction,
    at: Situation,
) -> Result<Option<Side>, DomainError> {
    let status = m.status_at(at.now);
    if action == MandateAction::Withdraw && status == Status::Pending && m.initiator == actor.party
    {
        require_manage(actor, &m.terms.domain)?;
        return Ok(m.terms.side_of(&actor.party));
    }
    let side = party_side(actor, m)?;
    // Whether a side signed the terms of a pending mandate (its current version).
    let signed = |s: Side| m.has_signed(s, m.version);
    let live = status.is_signed_in_effect();
    let proposal = m.live_proposal(at.now);
    match action {
        MandateAction::ChangeNotes => {}
        MandateAction::Sign => match status {
            Status::Pending if signed(side) => return Err(DomainError::conflict("already_signed")),
            Status::Pending => {}
            Status::Lapsed => return Err(DomainError::conflict("acceptance_window_passed")),
            _ if live => match proposal {
                Some(p) if p.proposed_by == side => {
                    return Err(DomainError::conflict("already_signed"));
                }
                Some(_) => {}
                None => return Err(DomainError::conflict("nothing_to_sign")),
            },
            other => return Err(wrong_state(other)),
        },
        MandateAction::Reject => match status {
            Status::Pending if signed(side) => {
                return Err(DomainError::forbidden("creator_cannot_reject"));
            }
            Status::Pending => {}
            _ if live => match proposal {
                Some(p) if p.proposed_by != side => {}
                Some(_) => return Err(DomainError::forbidden("creator_cannot_reject")),
                None => return Err(DomainError::conflict("no_proposal")),
            },
            other => return Err(wrong_state(other)),
        },
        MandateAction::Withdraw => match status {
            Status::Pending => return Err(DomainError::forbidden("only_initiator_withdraws")),
            _ if live => match proposal {
                Some(p) if p.proposed_by == side => {}
                Some(_) => return Err(DomainError::forbidden("only_initiator_withdraws")),
                None => return Err(DomainError::conflict("no_proposal")),
            },
            other => return Err(wrong_state(other)),
        },
        MandateAction::Stop => {
            if !live {
                return Err(wrong_state(status));
            }
        }
        MandateAction::Modify => match status {
            Status::Pending => return Err(DomainError::conflict("pending_cannot_be_modified")),
            _ if live => {}
            other => return Err(wrong_state(other)),
        },
        MandateAction::Transfer => {
            if !live {
                return Err(wrong_state(status));
            }
            if at.transfer_live {
                return Err(DomainError::conflict("transfer_pending"));
            }
        }
    }
    Ok(Some(side))
}

/// Everything the actor may do to the mandate now: what the pages offer is exactly what
/// [`permit`] lets through.
pub fn allowed_actions(actor: &Actor, m: &Mandate, at: Situation) -> Vec<MandateAction> {
    MandateAction::ALL
        .into_iter()
        .filter(|a| permit(actor, m, *a, at).is_ok())
        .collect()
}

// ---- the roster --------------------------------------------------------------------------------

/// May the actor read the roster of the enterprise they act for? Its legal representatives
/// and managers; not its executors.
pub fn require_read_roster(actor: &Actor) -> Result<(), DomainError> {
    if !actor.is_self() && manages_any(actor) {
        Ok(())
    } else {
        Err(DomainError::forbidden("roster_not_allowed"))
    }
}

/// May the actor assign (or end) a role of this kind for this domain? Legal representatives
/// assign managers and executors; a manager of a domain assigns managers and executors of
/// that domain. Legal representatives come from the register: nobody assigns or ends them.
pub fn require_assign(
    actor: &Actor,
    kind: RoleKind,
    domain: Option<&str>,
) -> Result<(), DomainError> {
    if kind == RoleKind::LegalRepresentative {
        return Err(DomainError::forbidden("role_kind_not_assignable"));
    }
    let manages = |d: &str| actor.roles.iter().any(|r| r.manages(d));
    match domain {
        _ if actor.is_self() => Err(DomainError::forbidden("roster_not_allowed")),
        Some(d) if manages(d) => Ok(()),
        Some(d) => Err(DomainError::forbidden("role_does_not_allow").arg("domain", d)),
        None => Err(DomainError::forbidden("roster_not_allowed")),
    }
}

// ---- the access log ----------------------------------------------------------------------------

/// The domains whose entries a reader may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DomainScope {
    All,
    Only(BTreeSet<String>),
}

/// Whose checks of the party's mandates the actor may read: the person in their own name
/// and an enterprise's legal representatives all of them, a manager those of their domains;
/// executors none.
pub fn access_log_scope(actor: &Actor) -> Result<DomainScope, DomainError> {
    if actor.is_self()
        || actor
            .roles
            .iter()
            .any(|r| r.kind == RoleKind::LegalRepresentative)
    {
        return Ok(DomainScope::All);
    }
    let domains: BTreeSet<String> = actor
        .roles
        .iter()
        .filter(|r| r.kind == RoleKind::Manager)
        .filter_map(|r| r.domain.clone())
        .collect();
    if domains.is_empty() {
        Err(DomainError::forbidden("access_log_not_allowed"))
    } else {
        Ok(DomainScope::Only(domains))
    }
}

// ---- bulk jobs ---------------------------------------------------------------------------------

/// May the actor make bulk jobs for its party? Whoever may manage some of its mandates.
pub fn require_bulk(actor: &Actor) -> Result<(), DomainError> {
    if manages_any(actor) {
        Ok(())
    } else {
        Err(DomainError::forbidden("bulk_not_allowed"))
    }
}

/// May the actor read and commit a job made for `owner` that changes mandates of these
/// domains? The job must be its party's, and the actor must manage every domain it touches.
pub fn may_own_job(actor: &Actor, owner: &Party, domains: &BTreeSet<String>) -> bool {
    actor.party == *owner
        && manages_any(actor)
        && domains.iter().all(|d| require_manage(actor, d).is_ok())
}
