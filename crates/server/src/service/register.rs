//! The legal representatives of enterprises, imported from the enterprise register as a
//! full snapshot: who is absent from it is ended.

use chrono::NaiveDate;
use mandates_domain::roles::{EnterpriseRole, RoleEventKind, RoleKind};
use mandates_domain::time::Instant;
use mandates_domain::{Insz, Kbo, Party, PartyName};
use mandates_store::WriteTx;
use uuid::Uuid;

use mandates_domain::notice;

use super::notify;
use super::roles::role_event;
use crate::error::AppError;

/// One legal representative as the enterprise register delivers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisterRow {
    pub enterprise: Kbo,
    pub person: Insz,
    pub valid_from: NaiveDate,
    pub valid_until: Option<NaiveDate>,
    /// The enterprise's name, where the register gives it (a row without one leaves the
    /// name known so far as it is).
    pub enterprise_name: Option<PartyName>,
}

/// What an import changed.
#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ImportReport {
    pub added: usize,
    pub kept: usize,
    pub updated: usize,
    pub ended: usize,
    /// Enterprise names new or changed.
    pub named: usize,
}

/// Imports the full list of legal representatives: who is absent from it is ended now. The
/// enterprises' names it gives are kept. Runs in one transaction: all of it or nothing.
pub async fn import_legal_representatives(
    tx: &mut WriteTx,
    rows: &[RegisterRow],
    now: Instant,
) -> Result<ImportReport, AppError> {
    let mut report = ImportReport::default();
    let current = tx.roles_of_kind(RoleKind::LegalRepresentative).await?;
    let mut events = Vec::new();
    let mut told = Vec::new();
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
                events.push(role_event(RoleEventKind::Imported, &role, None, now));
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
                events.push(role_event(RoleEventKind::Imported, &role, None, now));
                told.push((notice::of_role(&role, true, false, now), None));
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
            events.push(role_event(RoleEventKind::Ended, &role, None, now));
            told.push((notice::of_role(&role, false, false, now), None));
            report.ended += 1;
        }
    }
    if !events.is_empty() {
        tx.append(&events).await?;
    }
    notify::write(tx, told, &[], now).await?;
    for row in rows {
        if let Some(name) = &row.enterprise_name
            && tx
                .learn_name(&Party::Enterprise(row.enterprise.clone()), name, now)
                .await?
        {
            report.named += 1;
        }
    }
    Ok(report)
}
