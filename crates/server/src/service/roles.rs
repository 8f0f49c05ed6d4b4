//! The roster of enterprise roles: read by those who manage the enterprise, changed by its
//! legal representatives and managers in the unit of work. (Legal representatives come
//! from the register, see [`super::register`].)

use chrono::NaiveDate;
use mandates_domain::access;
use mandates_domain::actor::Actor;
use mandates_domain::catalog::Catalog;
use mandates_domain::roles::{EnterpriseRole, RoleEventKind, RoleKind};
use mandates_domain::time::{Instant, brussels_date};
use mandates_domain::{DomainError, FieldError, FieldErrors, Insz, Kbo};
use mandates_store::{EventKind, NewEvent};
use uuid::Uuid;

use mandates_domain::notice;

use super::notify;
use super::unit::{Applied, Command, Done, Keyed, Work, not_found, perform};
use crate::AppState;
use crate::auth::Principal;
use crate::error::AppError;

/// A role to assign, as written by the caller.
#[derive(Debug, Clone, Default)]
pub struct RoleDraft {
    pub person: String,
    pub kind: String,
    pub domain: Option<String>,
    pub types: Vec<String>,
    pub valid_from: Option<String>,
    pub valid_until: Option<String>,
}

/// The event that records a change of a role.
pub(crate) fn role_event(
    kind: RoleEventKind,
    role: &EnterpriseRole,
    actor: Option<&Actor>,
    now: Instant,
) -> NewEvent {
    NewEvent {
        kind: EventKind::Role(kind),
        subject: role.enterprise.to_string(),
        at: now,
        person: actor.map(|a| a.person.to_string()),
        party: Some(role.enterprise.to_string()),
        auth: actor
            .map(|a| serde_json::to_value(&a.auth).unwrap_or_default())
            .unwrap_or_default(),
        version: 0,
        detail: serde_json::to_value(role).unwrap_or_default(),
    }
}

fn parse_day(field: &str, text: Option<&str>, errors: &mut FieldErrors) -> Option<NaiveDate> {
    let text = text?;
    errors.check(NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d"), |_| {
        FieldError::new(field, "invalid_date").arg("value", text)
    })
}

/// Checks a role draft against the catalog; manager roles have a domain, executor roles
/// a domain and types of it.
fn parse_draft(
    draft: &RoleDraft,
    enterprise: &Kbo,
    catalog: &Catalog,
    now: Instant,
) -> Result<EnterpriseRole, DomainError> {
    let mut errors = FieldErrors::default();
    let person = errors.check(Insz::parse(&draft.person), |e| {
        FieldError::new("person", "invalid_party_number").arg("reason", e.code())
    });
    let kind = RoleKind::parse(&draft.kind);
    match kind {
        None => errors.push(FieldError::new("kind", "invalid_value").arg("value", &draft.kind)),
        Some(RoleKind::LegalRepresentative) => {
            errors.push(FieldError::new("kind", "role_kind_not_assignable"))
        }
        Some(_) => {}
    }
    match draft.domain.as_deref() {
        // A legal representative's kind is refused above; a domain would not make it one.
        None if kind == Some(RoleKind::LegalRepresentative) => {}
        None => errors.push(FieldError::new("domain", "required")),
        Some(d) if catalog.domain(d).is_none() => {
            errors.push(FieldError::new("domain", "unknown_domain").arg("domain", d))
        }
        Some(_) => {}
    }
    if kind == Some(RoleKind::Executor) {
        if draft.types.is_empty() {
            errors.push(FieldError::new("types", "types_empty"));
        }
        let domain = draft.domain.as_deref().unwrap_or_default();
        for (i, t) in draft.types.iter().enumerate() {
            let known = catalog
                .domain(domain)
                .is_some_and(|d| d.types.iter().any(|x| x.code == *t));
            if !known {
                errors.push(
                    FieldError::new(format!("types[{i}]"), "unknown_type")
                        .arg("type", t)
                        .arg("domain", domain),
                );
            }
        }
    }
    let today = brussels_date(now);
    let valid_from =
        parse_day("valid_from", draft.valid_from.as_deref(), &mut errors).unwrap_or(today);
    if valid_from < today {
        errors.push(FieldError::new("valid_from", "start_in_past").arg("today", today));
    }
    let valid_until = parse_day("valid_until", draft.valid_until.as_deref(), &mut errors);
    if valid_until.is_some_and(|u| u < valid_from) {
        errors.push(FieldError::new("valid_until", "end_before_start"));
    }
    errors.into_result()?;
    let (Some(person), Some(kind)) = (person, kind) else {
        return Err(DomainError::invalid(FieldErrors::default()));
    };
    Ok(EnterpriseRole {
        id: Uuid::new_v4(),
        enterprise: enterprise.clone(),
        person,
        kind,
        domain: draft.domain.clone(),
        types: if kind == RoleKind::Executor {
            draft.types.clone()
        } else {
            Vec::new()
        },
        valid_from,
        valid_until,
        ended_at: None,
        assigned_at: now,
    })
}

/// A change of an enterprise's roster that a caller asks for.
#[derive(Debug, Clone)]
pub enum RoleCommand {
    Assign(RoleDraft),
    End(Uuid),
}

impl Command for RoleCommand {
    type Output = EnterpriseRole;

    async fn apply(
        self,
        work: &mut Work<'_>,
        actor: &Actor,
        now: Instant,
    ) -> Result<Applied<EnterpriseRole>, AppError> {
        match self {
            RoleCommand::Assign(draft) => work.assign_role(actor, &draft, now).await,
            RoleCommand::End(id) => work.end_role(actor, id, now).await,
        }
    }

    async fn reread(
        work: &mut Work<'_>,
        actor: &Actor,
        id: Uuid,
    ) -> Result<EnterpriseRole, AppError> {
        let Some(enterprise) = actor.party.as_enterprise() else {
            return Err(not_found("role_not_found"));
        };
        work.tx
            .roles_of_enterprise(enterprise)
            .await?
            .into_iter()
            .map(|r| r.value)
            .find(|r| r.id == id)
            .ok_or_else(|| not_found("role_not_found"))
    }
}

/// Assigns or ends a role of the enterprise the caller acts for, once (through `unit::perform`).
pub async fn change(
    state: &AppState,
    principal: &Principal,
    enterprise: &Kbo,
    key: Option<Keyed<'_>>,
    command: RoleCommand,
) -> Result<Done<EnterpriseRole>, AppError> {
    perform(state, principal, Some(enterprise), key, command).await
}

/// The roster of the enterprise the actor acts for (legal representatives and managers only).
pub async fn roster(state: &AppState, actor: &Actor) -> Result<Vec<EnterpriseRole>, AppError> {
    let Some(enterprise) = actor.party.as_enterprise() else {
        return Err(DomainError::forbidden("act_for_enterprise_first").into());
    };
    access::require_read_roster(actor)?;
    Ok(state.store().roles_of_enterprise(enterprise).await?)
}

impl Work<'_> {
    /// Assigns a manager or executor role for the enterprise the actor acts for.
    pub async fn assign_role(
        &mut self,
        actor: &Actor,
        draft: &RoleDraft,
        now: Instant,
    ) -> Result<Applied<EnterpriseRole>, AppError> {
        let Some(enterprise) = actor.party.as_enterprise() else {
            return Err(not_found("enterprise_not_found"));
        };
        let role = parse_draft(draft, enterprise, self.rules.catalog, now)?;
        access::require_assign(actor, role.kind, role.domain.as_deref())?;
        self.tx.put_role(&role, None).await?;
        let seq = self
            .tx
            .append(&[role_event(RoleEventKind::Assigned, &role, Some(actor), now)])
            .await?
            .last;
        self.notify_role(&role, true, actor, now).await?;
        Ok(Applied {
            value: role,
            created: true,
            seq,
            recorded: Vec::new(),
        })
    }

    /// Ends a role of the enterprise the actor acts for, now. Legal representatives come
    /// from the register: nobody ends them here.
    pub async fn end_role(
        &mut self,
        actor: &Actor,
        role_id: Uuid,
        now: Instant,
    ) -> Result<Applied<EnterpriseRole>, AppError> {
        let Some(enterprise) = actor.party.as_enterprise() else {
            return Err(not_found("enterprise_not_found"));
        };
        let roles = self.tx.roles_of_enterprise(enterprise).await?;
        let Some(found) = roles.into_iter().find(|r| r.value.id == role_id) else {
            return Err(not_found("role_not_found"));
        };
        let mut role = found.value;
        access::require_assign(actor, role.kind, role.domain.as_deref())?;
        if role.ended_at.is_some() || role.valid_until.is_some_and(|u| brussels_date(now) > u) {
            return Err(DomainError::conflict("role_already_ended").into());
        }
        role.ended_at = Some(now);
        self.tx.put_role(&role, Some(found.row_version)).await?;
        let seq = self
            .tx
            .append(&[role_event(RoleEventKind::Ended, &role, Some(actor), now)])
            .await?
            .last;
        self.notify_role(&role, false, actor, now).await?;
        Ok(Applied {
            value: role,
            created: false,
            seq,
            recorded: Vec::new(),
        })
    }

    /// Tells the person a role was given to them or taken from them.
    async fn notify_role(
        &mut self,
        role: &EnterpriseRole,
        given: bool,
        actor: &Actor,
        now: Instant,
    ) -> Result<(), AppError> {
        if !self.tell {
            return Ok(());
        }
        let by_self = actor.person == role.person;
        let told = vec![(notice::of_role(role, given, by_self, now), None)];
        notify::write(&mut self.tx, told, &[], now).await
    }
}
