//! The application services that the API (and later the pages) share: each decides with
//! the domain's rules inside one write transaction of the store.

pub mod bulk;
pub mod catalog;
pub mod clients;
pub mod mandates;
pub mod roles;

use mandates_domain::access::Actor;
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

/// The `Idempotency-Key`s a request's key is one of: the person's, for the party they act for.
pub fn idempotency_scope(actor: &Actor) -> String {
    format!("{}|{}", actor.person, actor.party)
}

/// Refuses a signature when the person authenticated below the configured level.
pub fn require_signing_level(
    actor: &Actor,
    levels: &[String],
    minimum: Option<&str>,
) -> Result<(), DomainError> {
    let Some(minimum) = minimum else {
        return Ok(());
    };
    let rank = |acr: &str| levels.iter().position(|l| l == acr);
    let have = actor.auth.acr.as_deref().and_then(rank);
    match (have, rank(minimum)) {
        (Some(have), Some(need)) if have >= need => Ok(()),
        _ => Err(DomainError::forbidden("authentication_level_too_low").arg("required", minimum)),
    }
}
