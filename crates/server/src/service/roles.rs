//! The roster of enterprise roles: assigned by representatives and managers, imported from
//! the enterprise register for legal representatives.

use chrono::NaiveDate;
use mandates_domain::access::Actor;
use mandates_domain::catalog::Catalog;
use mandates_domain::roles::{EnterpriseRole, RoleKind};
use mandates_domain::time::{Instant, brussels_date};
use mandates_domain::{DomainError, FieldError, FieldErrors, Insz, Kbo};
use mandates_store::{NewEvent, WriteTx};
use uuid::Uuid;

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
    kind: &str,
    role: &EnterpriseRole,
    actor: Option<&Actor>,
    now: Instant,
) -> NewEvent {
    NewEvent {
        stream: "role",
        subject: role.enterprise.to_string(),
        kind: kind.to_owned(),
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

/// Assigns a manager or executor role for the enterprise the actor acts for.
pub async fn assign(
    tx: &mut WriteTx,
    actor: &Actor,
    draft: &RoleDraft,
    catalog: &Catalog,
    now: Instant,
) -> Result<(EnterpriseRole, i64), AppError> {
    let Some(enterprise) = actor.party.as_enterprise() else {
        return Err(DomainError::not_found("enterprise_not_found").into());
    };
    let role = parse_draft(draft, enterprise, catalog, now)?;
    actor.require_assign(role.kind, role.domain.as_deref().unwrap_or_default())?;
    tx.put_role(&role, None).await?;
    let seq = tx
        .append(&[role_event("role_assigned", &role, Some(actor), now)])
        .await?;
    Ok((role, seq))
}

/// Ends a role of the enterprise the actor acts for, now. Managers cannot end a legal
/// representative: those come from the register.
pub async fn end(
    tx: &mut WriteTx,
    actor: &Actor,
    role_id: Uuid,
    now: Instant,
) -> Result<(EnterpriseRole, i64), AppError> {
    let Some(enterprise) = actor.party.as_enterprise() else {
        return Err(DomainError::not_found("enterprise_not_found").into());
    };
    let roles = tx.roles_of_enterprise(enterprise).await?;
    let Some(found) = roles.into_iter().find(|r| r.value.id == role_id) else {
        return Err(DomainError::not_found("role_not_found").into());
    };
    let mut role = found.value;
    actor.require_assign(role.kind, role.domain.as_deref().unwrap_or_default())?;
    if role.ended_at.is_some() || role.valid_until.is_some_and(|u| brussels_date(now) > u) {
        return Err(DomainError::conflict("role_already_ended").into());
    }
    role.ended_at = Some(now);
    tx.put_role(&role, Some(found.row_version)).await?;
    let seq = tx
        .append(&[role_event("role_ended", &role, Some(actor), now)])
        .await?;
    Ok((role, seq))
}

/// One legal representative as the enterprise register delivers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisterRow {
    pub enterprise: Kbo,
    pub person: Insz,
    pub valid_from: NaiveDate,
    pub valid_until: Option<NaiveDate>,
}

/// What an import changed.
#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ImportReport {
    pub added: usize,
    pub kept: usize,
    pub updated: usize,
    pub ended: usize,
}

/// Imports the full list of legal representatives: who is absent from it is ended now.
/// Runs in one transaction: all of it or nothing.
pub async fn import_legal_representatives(
    tx: &mut WriteTx,
    rows: &[RegisterRow],
    now: Instant,
) -> Result<ImportReport, AppError> {
    let mut report = ImportReport::default();
    let current = tx.roles_of_kind(RoleKind::LegalRepresentative).await?;
    let mut events = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for row in rows {
        if !seen.insert((row.enterprise.clone(), row.person.clone())) {
            continue;
        }
        let existing = current.iter().find(|r| {
            r.value.enterprise == row.enterprise
                && r.value.person == row.person
                && r.value.ended_at.is_none()
        });
        match existing {
            Some(r)
                if r.value.valid_from == row.valid_from
                    && r.value.valid_until == row.valid_until =>
            {
                report.kept += 1;
            }
            Some(r) => {
                let mut role = r.value.clone();
                role.valid_from = row.valid_from;
                role.valid_until = row.valid_until;
                tx.put_role(&role, Some(r.row_version)).await?;
                events.push(role_event("role_imported", &role, None, now));
                report.updated += 1;
            }
            None => {
                let role = EnterpriseRole {
                    id: Uuid::new_v4(),
                    enterprise: row.enterprise.clone(),
                    person: row.person.clone(),
                    kind: RoleKind::LegalRepresentative,
                    domain: None,
                    types: Vec::new(),
                    valid_from: row.valid_from,
                    valid_until: row.valid_until,
                    ended_at: None,
                    assigned_at: now,
                };
                tx.put_role(&role, None).await?;
                events.push(role_event("role_imported", &role, None, now));
                report.added += 1;
            }
        }
    }
    for r in &current {
        let present = seen.contains(&(r.value.enterprise.clone(), r.value.person.clone()));
        if !present && r.value.ended_at.is_none() {
            let mut role = r.value.clone();
            role.ended_at = Some(now);
            tx.put_role(&role, Some(r.row_version)).await?;
            events.push(role_event("role_ended", &role, None, now));
            report.ended += 1;
        }
    }
    if !events.is_empty() {
        tx.append(&events).await?;
    }
    Ok(report)
}
