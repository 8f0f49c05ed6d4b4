//! Who may do what: the decisions that the API and the pages share.

use crate::error::DomainError;
use crate::mandate::Terms;
use crate::roles::{EnterpriseRole, RoleKind};
use crate::time::Instant;
use crate::{Insz, Party};

/// How a person authenticated, as the identity provider said.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AuthContext {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acr: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub amr: Vec<String>,
}

/// A person acting for a party (themselves or an enterprise), with the roles that allow it.
#[derive(Debug, Clone)]
pub struct Actor {
    pub person: Insz,
    pub party: Party,
    pub auth: AuthContext,
    /// The person's roles for the enterprise in force now (empty when acting for themselves).
    pub roles: Vec<EnterpriseRole>,
}

impl Actor {
    /// A person acting in their own name.
    pub fn myself(person: Insz, auth: AuthContext) -> Self {
        Actor {
            party: Party::Person(person.clone()),
            person,
            auth,
            roles: Vec::new(),
        }
    }

    /// A person acting for an enterprise: refused when no role of theirs is in force at `now`.
    pub fn for_enterprise(
        person: Insz,
        auth: AuthContext,
        enterprise: crate::Kbo,
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

    /// Whether the actor acts in their own name.
    pub fn is_self(&self) -> bool {
        matches!(&self.party, Party::Person(p) if *p == self.person)
    }

    /// May this actor create, sign, modify, stop or transfer the party's mandates of a domain?
    pub fn require_manage(&self, domain: &str) -> Result<(), DomainError> {
        if self.is_self() || self.roles.iter().any(|r| r.manages(domain)) {
            Ok(())
        } else {
            Err(DomainError::forbidden("role_does_not_allow").arg("domain", domain))
        }
    }

    /// May this actor see a mandate of the party? Managers see all of their domain;
    /// executors see, read-only, the mandates they may use: those the enterprise holds as
    /// mandatee for a type of their role.
    pub fn may_read(&self, terms: &Terms) -> bool {
        self.is_self()
            || self.roles.iter().any(|r| {
                r.manages(&terms.domain)
                    || (r.kind == RoleKind::Executor
                        && r.domain.as_deref() == Some(terms.domain.as_str())
                        && terms.mandatee == self.party
                        && r.types.iter().any(|t| terms.types.contains(t)))
            })
    }

    /// May this actor read who checked the party's mandates? The person in their own name,
    /// or who manages the enterprise's mandates; not its executors.
    pub fn may_read_access_log(&self) -> bool {
        self.is_self() || self.roles.iter().any(|r| r.kind != RoleKind::Executor)
    }

    /// May this actor assign (or end) a role of this kind for this domain?
    /// Legal representatives assign managers and executors; a manager of a domain assigns
    /// managers and executors of that domain. Nobody assigns a legal representative here.
    pub fn require_assign(&self, kind: RoleKind, domain: &str) -> Result<(), DomainError> {
        let allowed = kind != RoleKind::LegalRepresentative
            && !self.is_self()
            && self.roles.iter().any(|r| r.manages(domain));
        if allowed {
            Ok(())
        } else {
            Err(DomainError::forbidden("role_does_not_allow").arg("domain", domain))
        }
    }
}
