//! Every row of the lifecycle table, through the API.

use axum::http::Method;
use serde_json::json;

use crate::on_both_stores;
use crate::support::*;

async fn create_then_sign_activates(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let ann = app.person(ANN).await;
    let bob = app.person(BOB).await;
    let m = ann.create(json!({"domain": "fin", "types": ["fin.tax_on_web"], "mandator": "85.07.30-033.28", "mandatee": BOB,
        "reference": "my tax", "language": "en", "email": "ann@example.org"})).await;
    assert_eq!(m["status"], "pending");
    assert_eq!(m["version"], 1);
    assert_eq!(m["mandator"], ANN, "numbers are normalised");
    assert_eq!(
        m["valid_from"], "2027-03-01",
        "valid_from defaults to today"
    );
    assert_eq!(m["valid_until"], json!(null));
    assert_eq!(m["awaiting"], json!(["mandatee"]));
    assert_eq!(m["signatures"][0]["signed_by"], ANN);
    assert_eq!(m["reference"], "my tax");
    let id = m["id"].as_str().unwrap_or_default();

    // Bob sees it waiting for him, without Ann's notes.
    let seen = bob.mandate(id).await.expect(200);
    assert_eq!(seen.header("etag"), Some("\"1\""));
    assert_eq!(seen.body["reference"], json!(null));
    assert_eq!(seen.body["your_side"], "mandatee");

    let signed = bob.sign(id, 1).await.expect(200).body;
    assert_eq!(signed["status"], "active");
    assert_eq!(signed["awaiting"], json!([]));
    assert_eq!(signed["signatures"].as_array().map(Vec::len), Some(2));
    assert_eq!(signed["signatures"][1]["acr"], json!(null));
    assert_eq!(
        bob.history(id).await,
        ["created", "signed", "signed", "activated"]
    );
}

async fn the_other_party_rejects(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let ann = app.person(ANN).await;
    let bob = app.person(BOB).await;
    let id = ann.create(tax_return(ANN, BOB)).await["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let rejected = bob.action(&id, "reject", json!({})).await.expect(200).body;
    assert_eq!(rejected["status"], "rejected");
    assert!(rejected["closed_at"].is_string());
    bob.sign(&id, 1).await.refused(409, "invalid_transition");
    assert_eq!(ann.history(&id).await, ["created", "signed", "rejected"]);
}

async fn the_creator_withdraws(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let ann = app.person(ANN).await;
    let bob = app.person(BOB).await;
    let id = ann.create(tax_return(ANN, BOB)).await["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert_eq!(
        ann.action(&id, "withdraw", json!({}))
            .await
            .expect(200)
            .body["status"],
        "withdrawn"
    );
    bob.sign(&id, 1).await.refused(409, "invalid_transition");
}

async fn a_pending_mandate_lapses_and_a_late_signature_is_refused(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let ann = app.person(ANN).await;
    let bob = app.person(BOB).await;
    let m = ann.create(tax_return(ANN, BOB)).await;
    let id = m["id"].as_str().unwrap_or_default();
    // fin.tax_on_web waits 30 days for the other signature.
    assert_eq!(m["lapses_at"], "2027-03-31T09:00:00Z");
    app.advance_days(30);
    let (ann, bob) = (app.person(ANN).await, app.person(&bob.number).await);
    bob.sign(id, 1)
        .await
        .refused(409, "acceptance_window_passed");
    let seen = ann.mandate(id).await.expect(200).body;
    assert_eq!(seen["status"], "lapsed");
    let listed = ann
        .get("/api/v1/mandates?status=lapsed")
        .await
        .expect(200)
        .body;
    assert_eq!(listed["items"].as_array().map(Vec::len), Some(1));
}

/// An active mandate from Ann to Bob for two types until the end of 2027.
async fn active(app: &TestApp) -> String {
    let ann = app.person(ANN).await;
    let bob = app.person(BOB).await;
    let m = ann
        .create(json!({"domain": "fin", "types": ["fin.tax_on_web", "fin.myminfin_consult"], "mandator": ANN, "mandatee": BOB, "valid_until": "2027-12-31"}))
        .await;
    let id = m["id"].as_str().unwrap_or_default().to_owned();
    bob.sign(&id, 1).await.expect(200);
    id
}

async fn a_narrowing_takes_effect_at_once(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let id = active(&app).await;
    let bob = app.person(BOB).await;
    let narrowed = bob
        .send(
            axum::http::Method::PATCH,
            &format!("/api/v1/mandates/{id}"),
            &[("if-match", "\"1\"")],
            Some(json!({"types": ["fin.tax_on_web"], "valid_until": "2027-06-30"})),
        )
        .await
        .expect(200);
    assert_eq!(narrowed.header("etag"), Some("\"2\""));
    assert_eq!(narrowed.body["version"], 2);
    assert_eq!(narrowed.body["types"], json!(["fin.tax_on_web"]));
    assert_eq!(narrowed.body["valid_until"], "2027-06-30");
    assert_eq!(narrowed.body["proposal"], json!(null));
    assert_eq!(
        bob.history(&id).await.last().map(String::as_str),
        Some("narrowed")
    );
}

async fn a_widening_waits_for_the_other_signature(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let id = active(&app).await;
    let ann = app.person(ANN).await;
    let bob = app.person(BOB).await;
    let proposed = ann
        .patch(&format!("/api/v1/mandates/{id}"), json!({"version": 1, "types": ["fin.tax_on_web", "fin.myminfin_consult", "fin.tax_disputes"]}))
        .await
        .expect(200)
        .body;
    // The old terms stay in force; the change waits as version 2.
    assert_eq!(proposed["version"], 1);
    assert_eq!(
        proposed["types"],
        json!(["fin.myminfin_consult", "fin.tax_on_web"])
    );
    assert_eq!(proposed["proposal"]["version"], 2);
    assert_eq!(proposed["proposal"]["proposed_by"], "mandator");
    // One proposal at a time.
    ann.patch(
        &format!("/api/v1/mandates/{id}"),
        json!({"version": 1, "valid_until": "2028-12-31"}),
    )
    .await
    .refused(409, "proposal_pending");
    ann.sign(&id, 2).await.refused(409, "already_signed");
    bob.sign(&id, 3).await.refused(409, "stale_version");
    let accepted = bob.sign(&id, 2).await.expect(200).body;
    assert_eq!(accepted["version"], 2);
    assert_eq!(accepted["types"].as_array().map(Vec::len), Some(3));
    assert_eq!(accepted["proposal"], json!(null));
}

async fn a_proposal_is_rejected_withdrawn_or_lapses(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let id = active(&app).await;
    let ann = app.person(ANN).await;
    let bob = app.person(BOB).await;
    let path = format!("/api/v1/mandates/{id}");
    let widen = json!({"version": 1, "valid_until": "2028-06-30"});
    ann.patch(&path, widen.clone()).await.expect(200);
    ann.action(&id, "reject", json!({}))
        .await
        .refused(403, "creator_cannot_reject");
    assert_eq!(
        bob.action(&id, "reject", json!({})).await.expect(200).body["proposal"],
        json!(null)
    );
    ann.patch(&path, widen.clone()).await.expect(200);
    bob.action(&id, "withdraw", json!({}))
        .await
        .refused(403, "only_initiator_withdraws");
    assert_eq!(
        ann.action(&id, "withdraw", json!({}))
            .await
            .expect(200)
            .body["proposal"],
        json!(null)
    );
    bob.action(&id, "reject", json!({}))
        .await
        .refused(409, "no_proposal");
    // A third proposal lapses after the acceptance window; the mandate stays active as it was.
    ann.patch(&path, widen).await.expect(200);
    app.advance_days(31);
    let (ann, bob) = (app.person(ANN).await, app.person(BOB).await);
    let seen = ann.mandate(&id).await.expect(200).body;
    assert_eq!(
        (seen["status"].as_str(), &seen["proposal"]),
        (Some("active"), &json!(null))
    );
    bob.sign(&id, 4).await.refused(409, "nothing_to_sign");
    assert_eq!(seen["valid_until"], "2027-12-31");
}

async fn a_stop_by_either_party_ends_it_and_voids_a_proposal(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let id = active(&app).await;
    let ann = app.person(ANN).await;
    let bob = app.person(BOB).await;
    ann.patch(
        &format!("/api/v1/mandates/{id}"),
        json!({"version": 1, "valid_until": "2028-12-31"}),
    )
    .await
    .expect(200);
    let stopped = bob.action(&id, "stop", json!({})).await.expect(200).body;
    assert_eq!(stopped["status"], "stopped");
    assert_eq!(stopped["proposal"], json!(null));
    assert_eq!(stopped["closed_at"], "2027-03-01T09:00:00Z");
    bob.sign(&id, 2).await.refused(409, "invalid_transition");
    ann.action(&id, "stop", json!({}))
        .await
        .refused(409, "invalid_transition");
    assert_eq!(ann.history(&id).await[4..], ["change_proposed", "stopped"]);
}

async fn expiry_follows_from_time(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let id = active(&app).await;
    // 2027-12-31 ends at midnight Brussels time: 23:00 UTC in winter.
    app.clock
        .set("2027-12-31T22:59:59Z".parse().unwrap_or_default());
    let ann = app.person(ANN).await;
    assert_eq!(ann.mandate(&id).await.expect(200).body["status"], "active");
    app.clock
        .set("2027-12-31T23:00:00Z".parse().unwrap_or_default());
    let ann = app.person(ANN).await;
    assert_eq!(ann.mandate(&id).await.expect(200).body["status"], "expired");
    ann.action(&id, "stop", json!({}))
        .await
        .refused(409, "invalid_transition");
}

async fn a_transfer_replaces_the_mandate_without_gap_or_overlap(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let id = active(&app).await;
    let ann = app.person(ANN).await;
    let carl = app.person(CARL).await;
    let new = ann
        .action(&id, "transfer", json!({"mandatee": CARL}))
        .await
        .expect(201)
        .body;
    let new_id = new["id"].as_str().unwrap_or_default().to_owned();
    assert_eq!(new["status"], "pending");
    assert_eq!(new["transfer_of"], id.as_str());
    assert_eq!(
        new["awaiting"],
        json!(["mandatee"]),
        "the mandator asked: her signature counts"
    );
    assert_eq!(
        ann.mandate(&id).await.expect(200).body["transfer_to"],
        new_id.as_str()
    );
    ann.action(&id, "transfer", json!({"mandatee": DINA}))
        .await
        .refused(409, "transfer_pending");
    app.clock.advance(chrono::Duration::hours(3));
    let (ann, carl) = (app.person(ANN).await, app.person(&carl.number).await);
    let activated = carl.sign(&new_id, 1).await.expect(200).body;
    assert_eq!(activated["status"], "active");
    let old = ann.mandate(&id).await.expect(200).body;
    assert_eq!(old["status"], "stopped");
    // The old one stops at the very instant the new one is signed into force.
    assert_eq!(old["closed_at"], activated["signatures"][1]["at"]);
    assert_eq!(
        ann.history(&id).await.last().map(String::as_str),
        Some("transferred_away")
    );
}

async fn a_transfer_asked_by_the_mandatee_needs_both_new_signatures(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let id = active(&app).await;
    let (ann, bob, carl) = (
        app.person(ANN).await,
        app.person(BOB).await,
        app.person(CARL).await,
    );
    let new = bob
        .action(&id, "transfer", json!({"mandatee": CARL}))
        .await
        .expect(201)
        .body;
    let new_id = new["id"].as_str().unwrap_or_default().to_owned();
    assert_eq!(new["awaiting"], json!(["mandator", "mandatee"]));
    assert_eq!(
        carl.sign(&new_id, 1).await.expect(200).body["status"],
        "pending"
    );
    assert_eq!(bob.mandate(&id).await.expect(200).body["status"], "active");
    assert_eq!(
        ann.sign(&new_id, 1).await.expect(200).body["status"],
        "active"
    );
    assert_eq!(bob.mandate(&id).await.expect(200).body["status"], "stopped");
    // Bob asked for it but is no party of it: once signed, it is none of his business.
    bob.mandate(&new_id).await.refused(404, "mandate_not_found");
}

async fn a_stop_voids_a_waiting_transfer(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let id = active(&app).await;
    let (ann, bob, carl) = (
        app.person(ANN).await,
        app.person(BOB).await,
        app.person(CARL).await,
    );
    let new_id = ann
        .action(&id, "transfer", json!({"mandatee": CARL}))
        .await
        .expect(201)
        .body["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    bob.action(&id, "stop", json!({})).await.expect(200);
    assert_eq!(
        carl.mandate(&new_id).await.expect(200).body["status"],
        "voided"
    );
    carl.sign(&new_id, 1).await.refused(409, "transfer_voided");
    assert_eq!(
        carl.history(&new_id).await.last().map(String::as_str),
        Some("transfer_voided")
    );
}

async fn a_narrowing_voids_a_waiting_transfer(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let id = active(&app).await;
    let (ann, carl) = (app.person(ANN).await, app.person(CARL).await);
    let new = ann
        .action(&id, "transfer", json!({"mandatee": CARL}))
        .await
        .expect(201)
        .body;
    let new_id = new["id"].as_str().unwrap_or_default().to_owned();
    let narrowed = ann
        .patch(
            &format!("/api/v1/mandates/{id}"),
            json!({"version": 1, "types": ["fin.tax_on_web"]}),
        )
        .await
        .expect(200);
    assert!(
        narrowed
            .header("consistency-token")
            .is_some_and(|t| t.parse::<i64>().is_ok())
    );
    // The transfer asked for the wider terms: signing it now would undo the partial stop.
    // Its would-be signer is told so, not that someone withdrew it.
    let refused = carl
        .send(
            Method::POST,
            &format!("/api/v1/mandates/{new_id}/sign"),
            &[("accept-language", "en")],
            Some(json!({"version": 1})),
        )
        .await
        .refused(409, "transfer_voided");
    let detail = refused.body["detail"].as_str().unwrap_or_default();
    assert!(detail.contains("has ended"), "{detail}");
    assert!(!detail.contains("withdrawn"), "{detail}");
    assert_eq!(
        carl.mandate(&new_id).await.expect(200).body["status"],
        "voided"
    );
}

/// A database written before a voided transfer had a status of its own showed it as
/// withdrawn; opening it with this version (its migrations) shows it as voided, in the
/// mandate and in the lists filtered by status.
async fn an_upgrade_shows_an_old_voided_transfer_as_voided(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let id = active(&app).await;
    let (ann, bob, carl) = (
        app.person(ANN).await,
        app.person(BOB).await,
        app.person(CARL).await,
    );
    let new_id = ann
        .action(&id, "transfer", json!({"mandatee": CARL}))
        .await
        .expect(201)
        .body["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    bob.action(&id, "stop", json!({})).await.expect(200);
    // Back to what the earlier version wrote, and to before the migration that changed it.
    let status = match backend {
        Backend::Sqlite => "json_set(doc, '$.status', 'withdrawn')",
        Backend::Postgres => "jsonb_set(doc::jsonb, '{status}', '\"withdrawn\"')::text",
    };
    app.db
        .execute_raw(&format!(
            "UPDATE mandates SET base_status = 'withdrawn', doc = {status} WHERE id = '{new_id}'"
        ))
        .await;
    let listed = |status: &'static str| {
        let carl = &carl;
        async move {
            carl.get(&format!("/api/v1/mandates?role=mandatee&status={status}"))
                .await
                .expect(200)
                .body["items"]
                .as_array()
                .map(|items| items.iter().map(|m| m["id"].clone()).collect::<Vec<_>>())
                .unwrap_or_default()
        }
    };
    assert_eq!(
        carl.mandate(&new_id).await.expect(200).body["status"],
        "withdrawn"
    );
    assert_eq!(listed("withdrawn").await, [json!(new_id)]);
    app.db
        .execute_raw("DELETE FROM _sqlx_migrations WHERE version = 7")
        .await;

    app.db
        .reconnect()
        .await
        .migrate()
        .await
        .expect("the upgrade");

    assert_eq!(
        carl.mandate(&new_id).await.expect(200).body["status"],
        "voided"
    );
    assert_eq!(listed("voided").await, [json!(new_id)]);
    assert!(listed("withdrawn").await.is_empty());
    // The mandate it was to replace is untouched.
    assert_eq!(bob.mandate(&id).await.expect(200).body["status"], "stopped");
}

async fn notes_belong_to_each_party(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let id = active(&app).await;
    let (ann, bob) = (app.person(ANN).await, app.person(BOB).await);
    let changed = bob
        .patch(
            &format!("/api/v1/mandates/{id}"),
            json!({"reference": "client 42", "email": "office@example.org", "language": "fr"}),
        )
        .await
        .expect(200)
        .body;
    assert_eq!(
        (changed["reference"].as_str(), changed["version"].as_u64()),
        (Some("client 42"), Some(1))
    );
    assert_eq!(
        ann.mandate(&id).await.expect(200).body["reference"],
        json!(null)
    );
    bob.patch(
        &format!("/api/v1/mandates/{id}"),
        json!({"email": "not-an-address"}),
    )
    .await
    .refused(422, "validation_failed");
}

async fn listing_filters_and_pages(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let ann = app.person(ANN).await;
    let bob = app.person(BOB).await;
    for _ in 0..3 {
        ann.create(tax_return(ANN, BOB)).await;
        app.clock.advance(chrono::Duration::seconds(1));
    }
    bob.create(json!({"domain": "ehealth", "types": ["ehealth.consent"], "mandator": BOB, "mandatee": ANN})).await;
    let page = ann
        .get("/api/v1/mandates?role=mandator&limit=2")
        .await
        .expect(200)
        .body;
    assert_eq!(page["items"].as_array().map(Vec::len), Some(2));
    let cursor = page["next_cursor"].as_str().unwrap_or_default().to_owned();
    let rest = ann
        .get(&format!(
            "/api/v1/mandates?role=mandator&limit=2&cursor={cursor}"
        ))
        .await
        .expect(200)
        .body;
    assert_eq!(rest["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(rest["next_cursor"], json!(null));
    let all_ids: std::collections::HashSet<_> = page["items"]
        .as_array()
        .into_iter()
        .chain(rest["items"].as_array())
        .flatten()
        .map(|m| m["id"].clone())
        .collect();
    assert_eq!(all_ids.len(), 3);
    let mandatee = ann
        .get("/api/v1/mandates?role=mandatee&domain=ehealth&status=pending")
        .await
        .expect(200)
        .body;
    assert_eq!(mandatee["items"].as_array().map(Vec::len), Some(1));
    let none = ann
        .get("/api/v1/mandates?domain=vlaanderen")
        .await
        .expect(200)
        .body;
    assert_eq!(none["items"], json!([]));
    let bad = ann
        .get("/api/v1/mandates?role=boss&status=gone&cursor=zzz")
        .await
        .refused(422, "validation_failed");
    assert_eq!(
        bad.field_errors()
            .iter()
            .map(|(f, _)| f.as_str())
            .collect::<Vec<_>>(),
        ["role", "status", "cursor"]
    );
}

on_both_stores!(
    create_then_sign_activates,
    the_other_party_rejects,
    the_creator_withdraws,
    a_pending_mandate_lapses_and_a_late_signature_is_refused,
    a_narrowing_takes_effect_at_once,
    a_widening_waits_for_the_other_signature,
    a_proposal_is_rejected_withdrawn_or_lapses,
    a_stop_by_either_party_ends_it_and_voids_a_proposal,
    expiry_follows_from_time,
    a_transfer_replaces_the_mandate_without_gap_or_overlap,
    a_transfer_asked_by_the_mandatee_needs_both_new_signatures,
    a_stop_voids_a_waiting_transfer,
    notes_belong_to_each_party,
    a_narrowing_voids_a_waiting_transfer,
    an_upgrade_shows_an_old_voided_transfer_as_voided,
    listing_filters_and_pages,
);
