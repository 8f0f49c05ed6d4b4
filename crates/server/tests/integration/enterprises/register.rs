//! The import of legal representatives from the enterprise register: a full snapshot.

use chrono::NaiveDate;
use mandates_domain::{Insz, Kbo};
use mandates_server::error::AppError;
use mandates_server::service::register::{ImportReport, RegisterRow, import_legal_representatives};
use serde_json::json;

use super::*;
use crate::on_both_stores;
use crate::support::*;

/// Imports a register file in one write transaction, committed.
async fn import(app: &TestApp, rows: &[RegisterRow]) -> ImportReport {
    let imported = async {
        let mut tx = app.db.store.begin().await?;
        let report = import_legal_representatives(&mut tx, rows, app.clock.now()).await?;
        tx.commit().await?;
        Ok::<_, AppError>(report)
    };
    imported
        .await
        .unwrap_or_else(|e| panic!("import refused: {e}"))
}

fn row(enterprise: &str, person: &str, from: NaiveDate, until: Option<NaiveDate>) -> RegisterRow {
    RegisterRow {
        enterprise: Kbo::parse(enterprise).unwrap_or_else(|e| panic!("{enterprise}: {e}")),
        person: Insz::parse(person).unwrap_or_else(|e| panic!("{person}: {e}")),
        valid_from: from,
        valid_until: until,
        enterprise_name: None,
    }
}

/// The register as delivered today: the office keeps its representative, the second
/// office's representative now serves until the end of 2027, and the company's
/// representative is Ann instead of Eva. `since` is when the demo representatives
/// took office.
fn register(since: NaiveDate) -> Vec<RegisterRow> {
    vec![
        row(OFFICE, OFFICE_REPRESENTATIVE, since, None),
        row(
            OTHER_OFFICE,
            OTHER_OFFICE_REPRESENTATIVE,
            since,
            NaiveDate::from_ymd_opt(2027, 12, 31),
        ),
        row(COMPANY, ANN, since, None),
    ]
}

/// When the office's representative took office, as the roster says.
async fn since(app: &TestApp) -> NaiveDate {
    let office = roster(&app.person(OFFICE_REPRESENTATIVE).await, OFFICE).await;
    role_of(&office, OFFICE_REPRESENTATIVE, "legal_representative")["valid_from"]
        .as_str()
        .and_then(|d| d.parse().ok())
        .unwrap_or_else(|| panic!("no valid_from in {office:#?}"))
}

async fn an_import_is_a_full_snapshot(backend: Backend) {
    let Some(app) = demo_app(backend).await else {
        return;
    };
    // Both callers are made before the import, and used after it.
    let eva = app.for_enterprise(EVA, COMPANY).await;
    let ann = app.for_enterprise(ANN, COMPANY).await;
    mandates(&eva).await;
    ann.get("/api/v1/mandates")
        .await
        .refused(403, "no_role_for_enterprise");

    let report = import(&app, &register(since(&app).await)).await;
    assert_eq!(
        report,
        ImportReport {
            added: 1,
            kept: 1,
            updated: 1,
            ended: 1,
            named: 0,
        }
    );

    eva.get("/api/v1/mandates")
        .await
        .refused(403, "no_role_for_enterprise");
    assert!(!mandates(&ann).await.is_empty());
    let company = roster(&app.person(ANN).await, COMPANY).await;
    let ended = role_of(&company, EVA, "legal_representative");
    assert_eq!(
        (&ended["in_force"], &ended["ended_at"]),
        (&json!(false), &json!("2027-03-01T09:00:00Z"))
    );
    assert_eq!(
        role_of(&company, ANN, "legal_representative")["in_force"],
        true
    );
    let other = roster(&app.person(OTHER_OFFICE_REPRESENTATIVE).await, OTHER_OFFICE).await;
    assert_eq!(
        role_of(&other, OTHER_OFFICE_REPRESENTATIVE, "legal_representative")["valid_until"],
        "2027-12-31"
    );
    // Roles that do not come from the register are left alone.
    assert_eq!(
        role_of(
            &roster(&app.person(CARL).await, OFFICE).await,
            CARL,
            "manager"
        )["in_force"],
        true
    );
}

async fn importing_the_same_register_again_changes_nothing(backend: Backend) {
    let Some(app) = demo_app(backend).await else {
        return;
    };
    let rows = register(since(&app).await);
    import(&app, &rows).await;
    let after_first = last_seq(&app).await;
    let company = roster(&app.person(ANN).await, COMPANY).await;

    let again = import(&app, &rows).await;
    assert_eq!(
        again,
        ImportReport {
            kept: 3,
            ..ImportReport::default()
        }
    );
    assert_eq!(last_seq(&app).await, after_first, "no event was appended");
    assert_eq!(roster(&app.person(ANN).await, COMPANY).await, company);
}

on_both_stores!(
    an_import_is_a_full_snapshot,
    importing_the_same_register_again_changes_nothing,
);
