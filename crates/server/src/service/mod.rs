//! The application layer that the API, the pages and the command line share: every change
//! goes through the unit of work ([`mod@unit`]), every permission is asked of
//! `mandates_domain::access`, and the business checks are answered and logged here. Handlers
//! only read their request, call a function of this module and render its answer.

pub mod access_log;
pub mod bulk;
pub mod catalog;
pub mod check;
pub mod clients;
pub mod cursor;
pub mod mandates;
pub mod names;
pub mod notify;
pub mod register;
pub mod roles;
pub mod schedule;
pub mod search;
pub mod unit;

use mandates_domain::actor::Actor;
use mandates_domain::time::Instant;
use mandates_domain::{DomainError, Kbo};
use mandates_store::Store;

use crate::auth::Principal;
use crate::error::AppError;

/// Who acts, for whom: the person's own name, or an enterprise they have a role for now.
/// Roles are read at every request, never remembered.
pub async fn actor(
    store: &Store,
    principal: &Principal,
    act_for: Option<&Kbo>,
    now: Instant,
) -> Result<Actor, AppError> {
    let roles = match act_for {
        Some(_) => store.roles_of_person(&principal.person).await?,
        None => Vec::new(),
    };
    Ok(actor_with(principal, act_for, roles, now)?)
}

/// Who acts, given the person's roles as just read.
pub fn actor_with(
    principal: &Principal,
    act_for: Option<&Kbo>,
    roles: Vec<mandates_domain::roles::EnterpriseRole>,
    now: Instant,
) -> Result<Actor, DomainError> {
    match act_for {
        None => Ok(Actor::myself(
            principal.person.clone(),
            principal.auth.clone(),
        )),
        Some(enterprise) => Actor::for_enterprise(
            principal.person.clone(),
            principal.auth.clone(),
            enterprise.clone(),
            roles,
            now,
        ),
    }
}
