//! The roster of an enterprise: who sees it, who assigns and ends roles.

use axum::http::Method;
use serde_json::json;

use super::*;
use crate::on_both_stores;
use crate::support::*;

/// The roster's entries as `(person, kind, domain, in_force)`, sorted.
fn summary(roster: &[serde_json::Value]) -> Vec<(String, String, Option<String>, bool)> {
    let mut rows: Vec<_> = roster
        .iter()
        .map(|r| {
            (
                r["person"].as_str().unwrap_or_default().to_owned(),
                r["kind"].as_str().unwrap_or_default().to_owned(),
                r["domain"].as_str().map(str::to_owned),
                r["in_force"].as_bool().unwrap_or_default(),
            )
        })
        .collect();
    rows.sort();
    rows
}

fn entry(person: &str, kind: &str, domain: Option<&str>) -> (String, String, Option<String>, bool) {
    (
        person.to_owned(),
        kind.to_owned(),
        domain.map(str::to_owned),
        true,
    )
}

async fn the_roster_is_shown_to_representatives_and_managers(backend: Backend) {
    let Some(app) = demo_app(backend).await else {
        return;
    };
    let mut expected = vec![
        entry(OFFICE_REPRESENTATIVE, "legal_representative", None),
        entry(CARL, "manager", Some("fin")),
        entry(DINA, "executor", Some("fin")),
        entry(SECOND_EXECUTOR, "executor", Some("fin")),
    ];
    expected.sort();
    let representative = app.person(OFFICE_REPRESENTATIVE).await;
    let carl = app.person(CARL).await;
    let shown = roster(&representative, OFFICE).await;
    assert_eq!(summary(&shown), expected);
    assert_eq!(summary(&roster(&carl, OFFICE).await), expected);
    for written in ["0412.345.614", "BE0412.345.614"] {
        assert_eq!(
            summary(&roster(&representative, written).await),
            expected,
            "{written}"
        );
    }
    let dina = role_of(&shown, DINA, "executor");
    assert_eq!(dina["types"], json!(["fin.tax_on_web"]));
    assert_eq!(
        (&dina["enterprise"], &dina["ended_at"]),
        (&json!(OFFICE), &json!(null))
    );

    // An executor is refused with the reason, not with a domain that does not exist.
    let refused = app
        .person(DINA)
        .await
        .send(
            Method::GET,
            &roles_path(OFFICE),
            &[("accept-language", "en")],
            None,
        )
        .await
        .refused(403, "roster_not_allowed");
    let detail = refused.body["detail"].as_str().unwrap_or_default();
    assert!(
        detail.contains("legal representatives and managers"),
        "{detail}"
    );
    assert!(
        !detail.contains('*') && !detail.contains("domain"),
        "{detail}"
    );
}

async fn strangers_get_the_same_answer_as_for_an_unknown_enterprise(backend: Backend) {
    let Some(app) = demo_app(backend).await else {
        return;
    };
    // Ann has no role; Eva represents the company, not the office.
    for person in [ANN, EVA] {
        let stranger = app.person(person).await;
        let hidden = stranger
            .get(&roles_path(OFFICE))
            .await
            .refused(404, "enterprise_not_found");
        let unknown = stranger
            .get(&roles_path(UNREGISTERED))
            .await
            .refused(404, "enterprise_not_found");
        assert_eq!(
            without_request_id(hidden.body),
            without_request_id(unknown.body)
        );
    }
}

async fn a_representative_assigns_a_manager_who_assigns_an_executor(backend: Backend) {
    let Some(app) = demo_app(backend).await else {
        return;
    };
    let representative = app.person(OFFICE_REPRESENTATIVE).await;
    let bob_for_office = app.for_enterprise(BOB, OFFICE).await;
    let ann_for_office = app.for_enterprise(ANN, OFFICE).await;
    bob_for_office
        .get("/api/v1/mandates")
        .await
        .refused(403, "no_role_for_enterprise");

    let bob_role = assign(&representative, OFFICE, manager(BOB, "fin"))
        .await
        .expect(201)
        .body;
    assert_eq!(
        (&bob_role["kind"], &bob_role["domain"], &bob_role["person"]),
        (&json!("manager"), &json!("fin"), &json!(BOB))
    );
    assert_eq!(
        (
            &bob_role["in_force"],
            &bob_role["valid_from"],
            &bob_role["ended_at"]
        ),
        (&json!(true), &json!("2027-03-01"), &json!(null))
    );
    // The new manager manages at once, and assigns an executor of his domain.
    let bob = app.person(BOB).await;
    assert_eq!(roster(&bob, OFFICE).await.len(), 5);
    let ann_role = assign(&bob, OFFICE, fin_executor(ANN, &["fin.tax_on_web"]))
        .await
        .expect(201)
        .body;
    assert_eq!(
        (&ann_role["kind"], &ann_role["types"], &ann_role["in_force"]),
        (&json!("executor"), &json!(["fin.tax_on_web"]), &json!(true))
    );
    let seen = mandates(&ann_for_office).await;
    let tax = with_type(&seen, "fin.tax_on_web");
    ann_for_office.mandate(&tax).await.expect(200);
    assert_eq!(
        summary(&roster(&representative, OFFICE).await).len(),
        6,
        "the roster lists the new roles"
    );
}

async fn an_invalid_role_is_refused_field_by_field(backend: Backend) {
    let Some(app) = demo_app(backend).await else {
        return;
    };
    let carl = app.person(CARL).await;
    let cases = [
        (
            json!({"person": ANN, "kind": "legal_representative", "domain": "fin"}),
            "kind",
            "role_kind_not_assignable",
        ),
        // Without a domain: the kind is the one thing to say, not a missing domain too.
        (
            json!({"person": ANN, "kind": "legal_representative"}),
            "kind",
            "role_kind_not_assignable",
        ),
        (
            json!({"person": ANN, "kind": "boss", "domain": "fin"}),
            "kind",
            "invalid_value",
        ),
        (manager(ANN, "taxes"), "domain", "unknown_domain"),
        (
            json!({"person": ANN, "kind": "manager"}),
            "domain",
            "required",
        ),
        (
            manager("85073003329", "fin"),
            "person",
            "invalid_party_number",
        ),
        (fin_executor(ANN, &["fin.nope"]), "types[0]", "unknown_type"),
        (
            fin_executor(ANN, &["fin.tax_on_web", "ehealth.consent"]),
            "types[1]",
            "unknown_type",
        ),
        (fin_executor(ANN, &[]), "types", "types_empty"),
    ];
    let before = last_seq(&app).await;
    for (body, field, code) in cases {
        let refused = assign(&carl, OFFICE, body.clone())
            .await
            .refused(422, "validation_failed");
        assert_eq!(
            refused.field_errors(),
            [(field.to_owned(), code.to_owned())],
            "{body}"
        );
    }
    assert_eq!(last_seq(&app).await, before, "the refusals changed nothing");
    assert_eq!(roster(&carl, OFFICE).await.len(), 4);
}

async fn a_manager_assigns_only_in_its_domain(backend: Backend) {
    let Some(app) = demo_app(backend).await else {
        return;
    };
    let carl = app.person(CARL).await;
    let before = last_seq(&app).await;
    for role in [
        manager(ANN, "ehealth"),
        json!({"person": ANN, "kind": "executor", "domain": "ehealth", "types": ["ehealth.riziv_admin_file"]}),
    ] {
        let refused = assign(&carl, OFFICE, role)
            .await
            .refused(403, "role_does_not_allow");
        assert_eq!(refused.body["params"]["domain"], "ehealth");
    }
    // An executor assigns nothing.
    assign(
        &app.person(DINA).await,
        OFFICE,
        fin_executor(ANN, &["fin.tax_on_web"]),
    )
    .await
    .refused(403, "role_does_not_allow");
    assert_eq!(last_seq(&app).await, before, "the refusals changed nothing");
    // The legal representative assigns in any domain.
    assign(
        &app.person(OFFICE_REPRESENTATIVE).await,
        OFFICE,
        manager(ANN, "ehealth"),
    )
    .await
    .expect(201);
}

async fn a_role_is_in_force_on_its_days_only(backend: Backend) {
    let Some(app) = demo_app(backend).await else {
        return;
    };
    let tomorrow = json!({"person": ANN, "kind": "executor", "domain": "fin",
        "types": ["fin.tax_on_web"], "valid_from": "2027-03-02", "valid_until": "2027-03-02"});
    let role = assign(&app.person(CARL).await, OFFICE, tomorrow)
        .await
        .expect(201)
        .body;
    assert_eq!(role["in_force"], false);
    // Brussels days: 2 March 2027 runs from 23:00 UTC on 1 March to 23:00 UTC on 2 March.
    for (at, status) in [
        ("2027-03-01T22:59:59Z", 403),
        ("2027-03-01T23:00:00Z", 200),
        ("2027-03-02T22:59:59Z", 200),
        ("2027-03-02T23:00:00Z", 403),
    ] {
        app.clock.set(at.parse().unwrap_or_default());
        let ann = app.for_enterprise(ANN, OFFICE).await;
        assert_eq!(
            ann.get("/api/v1/mandates").await.status.as_u16(),
            status,
            "at {at}"
        );
    }
}

async fn an_ended_executor_loses_access_at_once(backend: Backend) {
    let Some(app) = demo_app(backend).await else {
        return;
    };
    let carl = app.person(CARL).await;
    // Dina's token and caller are made before the end, and used after it.
    let dina = app.for_enterprise(DINA, OFFICE).await;
    assert!(!mandates(&dina).await.is_empty());
    let role = id_of(role_of(&roster(&carl, OFFICE).await, DINA, "executor"));

    let ended = end(&carl, OFFICE, &role).await.expect(200).body;
    assert_eq!(id_of(&ended), role);
    assert_eq!(
        (&ended["in_force"], &ended["ended_at"]),
        (&json!(false), &json!("2027-03-01T09:00:00Z"))
    );
    dina.get("/api/v1/mandates")
        .await
        .refused(403, "no_role_for_enterprise");
    dina.get(&roles_path(OFFICE))
        .await
        .refused(404, "enterprise_not_found");
    let listed = role_of(&roster(&carl, OFFICE).await, DINA, "executor").clone();
    assert_eq!(listed["in_force"], false);

    let before = last_seq(&app).await;
    end(&carl, OFFICE, &role)
        .await
        .refused(409, "role_already_ended");
    assert_eq!(last_seq(&app).await, before, "the refusal changed nothing");
}

async fn what_cannot_be_ended_is_refused(backend: Backend) {
    let Some(app) = demo_app(backend).await else {
        return;
    };
    let carl = app.person(CARL).await;
    let office = roster(&carl, OFFICE).await;
    let representative = id_of(role_of(
        &office,
        OFFICE_REPRESENTATIVE,
        "legal_representative",
    ));
    let company_representative = id_of(role_of(
        &roster(&app.person(EVA).await, COMPANY).await,
        EVA,
        "legal_representative",
    ));
    let before = last_seq(&app).await;
    // A manager cannot end a legal representative: the register decides, and says so.
    let refused = end(&carl, OFFICE, &representative)
        .await
        .refused(403, "role_kind_not_assignable");
    let detail = refused.body["detail"].as_str().unwrap_or_default();
    assert!(detail.contains("register"), "{detail}");
    assert!(!detail.contains("domain ."), "{detail}");
    for unknown in [
        "00000000-0000-0000-0000-000000000000",
        "not-a-role",
        // A role of another enterprise is not one of this enterprise's.
        company_representative.as_str(),
    ] {
        end(&carl, OFFICE, unknown)
            .await
            .refused(404, "role_not_found");
    }
    assert_eq!(last_seq(&app).await, before, "the refusals changed nothing");
    assert_eq!(roster(&carl, OFFICE).await, office);
    app.for_enterprise(EVA, COMPANY)
        .await
        .get("/api/v1/mandates")
        .await
        .expect(200);
}

async fn a_signature_outlives_the_signers_role(backend: Backend) {
    let Some(app) = demo_app(backend).await else {
        return;
    };
    let bob = app.person(BOB).await;
    let carl = app.for_enterprise(CARL, OFFICE).await;
    let id = id_of(&bob.create(tax_return(BOB, OFFICE)).await);
    assert_eq!(carl.sign(&id, 1).await.expect(200).body["status"], "active");

    let representative = app.person(OFFICE_REPRESENTATIVE).await;
    let role = id_of(role_of(
        &roster(&representative, OFFICE).await,
        CARL,
        "manager",
    ));
    end(&representative, OFFICE, &role).await.expect(200);
    carl.mandate(&id)
        .await
        .refused(403, "no_role_for_enterprise");

    app.advance_days(1);
    let bob = app.person(BOB).await;
    let m = bob.mandate(&id).await.expect(200).body;
    assert_eq!(m["status"], "active");
    let office_signature = m["signatures"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|s| s["side"] == "mandatee")
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        (
            &office_signature["signed_by"],
            &office_signature["signed_for"]
        ),
        (&json!(CARL), &json!(OFFICE))
    );
}

/// Ending a role that was ended already: the answer should speak of the role, not of a
/// "mandate that is expired".
async fn ending_an_ended_role_explains_itself(backend: Backend) {
    let Some(app) = demo_app(backend).await else {
        return;
    };
    let carl = app.person(CARL).await;
    let role = id_of(role_of(&roster(&carl, OFFICE).await, DINA, "executor"));
    end(&carl, OFFICE, &role).await.expect(200);
    let again = carl
        .send(
            axum::http::Method::POST,
            &format!("{}/{role}/end", roles_path(OFFICE)),
            &[("accept-language", "en")],
            Some(json!({})),
        )
        .await
        .refused(409, "role_already_ended");
    let detail = again.body["detail"].as_str().unwrap_or_default();
    assert!(!detail.contains("mandate"), "{detail}");
    assert_ne!(again.body["params"]["status"], "expired");
}

on_both_stores!(
    ending_an_ended_role_explains_itself,
    the_roster_is_shown_to_representatives_and_managers,
    strangers_get_the_same_answer_as_for_an_unknown_enterprise,
    a_representative_assigns_a_manager_who_assigns_an_executor,
    an_invalid_role_is_refused_field_by_field,
    a_manager_assigns_only_in_its_domain,
    a_role_is_in_force_on_its_days_only,
    an_ended_executor_loses_access_at_once,
    what_cannot_be_ended_is_refused,
    a_signature_outlives_the_signers_role,
);
