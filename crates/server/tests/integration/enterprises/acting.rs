//! Acting for an enterprise with `Act-For`: what each role allows, checked at every request.

use serde_json::{Value, json};

use super::*;
use crate::on_both_stores;
use crate::support::*;

/// The events of a mandate's history as `(kind, person, party)`.
async fn who_did_what(caller: &Caller<'_>, id: &str) -> Vec<(String, Value, Value)> {
    let history = caller
        .get(&format!("/api/v1/mandates/{id}/history"))
        .await
        .expect(200)
        .body;
    items(&history)
        .into_iter()
        .map(|e| {
            (
                e["kind"].as_str().unwrap_or_default().to_owned(),
                e["person"].clone(),
                e["party"].clone(),
            )
        })
        .collect()
}

/// An event of a history: what was done, by whom, for whom.
fn by(kind: &str, person: &str, party: &str) -> (String, Value, Value) {
    (kind.to_owned(), json!(person), json!(party))
}

async fn a_manager_acts_for_the_office_and_the_history_names_both(backend: Backend) {
    let Some(app) = demo_app(backend).await else {
        return;
    };
    let carl = app.for_enterprise(CARL, OFFICE).await;
    let bob = app.person(BOB).await;
    let m = carl.create(tax_return(BOB, OFFICE)).await;
    let id = id_of(&m);
    assert_eq!(
        (&m["initiator"], &m["mandatee"], &m["your_side"]),
        (&json!(OFFICE), &json!(OFFICE), &json!("mandatee"))
    );
    assert_eq!(m["awaiting"], json!(["mandator"]));
    assert_eq!(
        (
            &m["signatures"][0]["signed_by"],
            &m["signatures"][0]["signed_for"]
        ),
        (&json!(CARL), &json!(OFFICE))
    );

    assert_eq!(bob.sign(&id, 1).await.expect(200).body["status"], "active");

    let history = who_did_what(&carl, &id).await;
    assert_eq!(
        history[..3],
        [
            by("created", CARL, OFFICE),
            by("signed", CARL, OFFICE),
            by("signed", BOB, BOB)
        ]
    );
    assert_eq!(
        history.last().map(|(kind, ..)| kind.as_str()),
        Some("activated")
    );
    assert_eq!(
        who_did_what(&bob, &id).await,
        history,
        "both parties read the same history"
    );
}

async fn acting_without_a_role_in_force_is_refused(backend: Backend) {
    let Some(app) = demo_app(backend).await else {
        return;
    };
    let before = last_seq(&app).await;
    // Ann has no role anywhere; Eva represents the company, not the office.
    for (person, enterprise) in [(ANN, OFFICE), (ANN, UNREGISTERED), (EVA, OFFICE)] {
        let caller = app.for_enterprise(person, enterprise).await;
        let listed = caller
            .get("/api/v1/mandates")
            .await
            .refused(403, "no_role_for_enterprise");
        assert_eq!(listed.body["params"]["enterprise"], enterprise);
        caller
            .post("/api/v1/mandates", tax_return(CARL, enterprise))
            .await
            .refused(403, "no_role_for_enterprise");
    }
    assert_eq!(last_seq(&app).await, before, "the refusals changed nothing");
}

async fn an_invalid_act_for_number_is_a_field_error(backend: Backend) {
    let Some(app) = demo_app(backend).await else {
        return;
    };
    // Wrong check digits, too short, not a number.
    for number in ["0412345615", "04123456", "office"] {
        let caller = app.for_enterprise(CARL, number).await;
        let refused = caller
            .get("/api/v1/mandates")
            .await
            .refused(422, "validation_failed");
        assert_eq!(
            refused.field_errors(),
            [("Act-For".to_owned(), "invalid_party_number".to_owned())],
            "{number}"
        );
    }
}

async fn an_executor_reads_the_office_mandates_but_cannot_act(backend: Backend) {
    let Some(app) = demo_app(backend).await else {
        return;
    };
    // The office's manager asks Bob for his income tax return: a type Dina executes.
    let carl = app.for_enterprise(CARL, OFFICE).await;
    let pending = id_of(&carl.create(tax_return(BOB, OFFICE)).await);
    let dina = app.for_enterprise(DINA, OFFICE).await;
    let listed = mandates(&dina).await;
    assert!(listed.iter().all(|m| m["domain"] == "fin"), "{listed:#?}");
    let in_force: Vec<Value> = listed
        .iter()
        .filter(|m| m["status"] == "active")
        .cloned()
        .collect();
    let active = with_type(&in_force, "fin.tax_on_web");
    assert_eq!(
        dina.mandate(&pending).await.expect(200).body["status"],
        "pending"
    );

    let before = last_seq(&app).await;
    dina.sign(&pending, 1)
        .await
        .refused(403, "role_does_not_allow");
    dina.action(&active, "stop", json!({}))
        .await
        .refused(403, "role_does_not_allow");
    dina.post("/api/v1/mandates", tax_return(BOB, OFFICE))
        .await
        .refused(403, "role_does_not_allow");
    assert_eq!(last_seq(&app).await, before, "the refusals changed nothing");
    assert_eq!(
        dina.mandate(&pending).await.expect(200).body["status"],
        "pending"
    );
    assert_eq!(
        dina.mandate(&active).await.expect(200).body["status"],
        "active"
    );
}

/// DESIGN.md: "Executors see (read-only) the mandates they may use", and an executor may
/// use the enterprise's mandates of the types of its role only.
async fn an_executor_sees_only_mandates_of_the_types_of_her_role(backend: Backend) {
    let Some(app) = demo_app(backend).await else {
        return;
    };
    // The company's corporate tax and VAT mandate is for the office's second executor.
    let corporate = with_type(
        &mandates(&app.for_enterprise(CARL, OFFICE).await).await,
        "fin.biztax",
    );
    let dina = app.for_enterprise(DINA, OFFICE).await;
    let seen = mandates(&dina).await;
    assert!(
        seen.iter().all(|m| m["types"]
            .as_array()
            .is_some_and(|t| t.contains(&json!("fin.tax_on_web")))),
        "an executor for fin.tax_on_web sees: {seen:#?}"
    );
    dina.mandate(&corporate)
        .await
        .refused(404, "mandate_not_found");
}

async fn a_manager_of_fin_cannot_act_in_another_domain(backend: Backend) {
    let Some(app) = demo_app(backend).await else {
        return;
    };
    let carl = app.for_enterprise(CARL, OFFICE).await;
    let before = last_seq(&app).await;
    let refused = carl
        .post(
            "/api/v1/mandates",
            json!({"domain": "ehealth", "types": ["ehealth.riziv_admin_file"], "mandator": ANN, "mandatee": OFFICE}),
        )
        .await
        .refused(403, "role_does_not_allow");
    assert_eq!(refused.body["params"]["domain"], "ehealth");
    assert_eq!(last_seq(&app).await, before, "the refusal changed nothing");
    // The office's legal representative may: the same mandate is created for it.
    app.for_enterprise(OFFICE_REPRESENTATIVE, OFFICE)
        .await
        .create(json!({"domain": "ehealth", "types": ["ehealth.riziv_admin_file"], "mandator": ANN, "mandatee": OFFICE}))
        .await;
}

on_both_stores!(
    an_executor_sees_only_mandates_of_the_types_of_her_role,
    a_manager_acts_for_the_office_and_the_history_names_both,
    acting_without_a_role_in_force_is_refused,
    an_invalid_act_for_number_is_a_field_error,
    an_executor_reads_the_office_mandates_but_cannot_act,
    a_manager_of_fin_cannot_act_in_another_domain,
);
