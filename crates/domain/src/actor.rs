//! Who acts: a signed-in person, for themselves or for an enterprise, with the roles that
//! allow it and the way they authenticated. What an actor may do is decided in
//! [`crate::access`].

use crate::roles::EnterpriseRole;
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

    /// Whether the actor acts in their own name.
    pub fn is_self(&self) -> bool {
        matches!(&self.party, Party::Person(p) if *p == self.person)
    }
}
