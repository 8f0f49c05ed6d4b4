//! Concurrent writes: one wins, the other is refused; nothing lost, nothing twice.

use axum::http::Method;
use serde_json::json;

use crate::on_both_stores;
use crate::support::*;

async fn two_changes_based_on_the_same_version(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let (ann, bob) = (app.person(ANN).await, app.person(BOB).await);
    let id = ann.create(json!({"domain": "fin", "types": ["fin.tax_on_web", "fin.myminfin_consult"], "mandator": ANN, "mandatee": BOB, "valid_until": "2027-12-31"})).await["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    bob.sign(&id, 1).await.expect(200);
    let path = format!("/api/v1/mandates/{id}");
    let (a, b) = tokio::join!(
        ann.patch(&path, json!({"version": 1, "valid_until": "2027-09-30"})),
        bob.patch(&path, json!({"version": 1, "types": ["fin.tax_on_web"]})),
    );
    let mut statuses = [a.status.as_u16(), b.status.as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 409], "{:#} {:#}", a.body, b.body);
    let loser = if a.status.as_u16() == 409 { &a } else { &b };
    assert_eq!(loser.code(), "stale_version");
    let now = ann.mandate(&id).await.expect(200).body;
    assert_eq!(now["version"], 2);
    assert_eq!(
        ann.history(&id)
            .await
            .iter()
            .filter(|k| *k == "narrowed")
            .count(),
        1
    );
}

async fn two_signatures_at_the_same_moment(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let (ann, bob) = (app.person(ANN).await, app.person(BOB).await);
    let id = ann.create(tax_return(ANN, BOB)).await["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let path = format!("/api/v1/mandates/{id}/sign");
    let (a, b) = tokio::join!(
        bob.send(
            Method::POST,
            &path,
            &[("idempotency-key", "phone")],
            Some(json!({"version": 1}))
        ),
        bob.send(
            Method::POST,
            &path,
            &[("idempotency-key", "laptop")],
            Some(json!({"version": 1}))
        ),
    );
    let mut statuses = [a.status.as_u16(), b.status.as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 409]);
    assert_eq!(
        bob.history(&id).await,
        ["created", "signed", "signed", "activated"]
    );
}

async fn the_same_request_twice_at_once_creates_once(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let ann = app.person(ANN).await;
    let key = [("idempotency-key", "double-click")];
    let (a, b) = tokio::join!(
        ann.send(
            Method::POST,
            "/api/v1/mandates",
            &key,
            Some(tax_return(ANN, BOB))
        ),
        ann.send(
            Method::POST,
            "/api/v1/mandates",
            &key,
            Some(tax_return(ANN, BOB))
        ),
    );
    assert_eq!((a.status.as_u16(), b.status.as_u16()), (201, 201));
    assert_eq!(a.body["id"], b.body["id"]);
    let listed = ann.get("/api/v1/mandates").await.expect(200).body;
    assert_eq!(listed["items"].as_array().map(Vec::len), Some(1));
}

async fn exclusive_types_hold_under_concurrent_signatures(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let (ann, bob, carl) = (
        app.person(ANN).await,
        app.person(BOB).await,
        app.person(CARL).await,
    );
    let to_bob = ann.create(tax_return(ANN, BOB)).await["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let to_carl = ann.create(tax_return(ANN, CARL)).await["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let (a, b) = tokio::join!(bob.sign(&to_bob, 1), carl.sign(&to_carl, 1));
    let mut outcomes = [
        (a.status.as_u16(), a.code().to_owned()),
        (b.status.as_u16(), b.code().to_owned()),
    ];
    outcomes.sort();
    assert_eq!(
        outcomes,
        [(200, String::new()), (409, "exclusive_conflict".to_owned())]
    );
    // The refusal does not name Ann's other mandate to the other mandatee...
    let refused = if a.status.as_u16() == 409 { a } else { b };
    assert!(
        refused.body["params"].get("mandate").is_none(),
        "{:#}",
        refused.body
    );
    // ...but does name it to Ann, who is a party of both.
    let winner = if a_won(&ann, &to_bob).await {
        to_bob
    } else {
        to_carl
    };
    let eva_id = ann.create(tax_return(ANN, EVA)).await["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let eva = app.person(EVA).await;
    let by_mandatee = eva
        .sign(&eva_id, 1)
        .await
        .refused(409, "exclusive_conflict");
    assert!(by_mandatee.body["params"].get("mandate").is_none());
    // Created by the mandatee, signed by the mandator: Ann is told which mandate is in the way.
    let from_eva = eva.post("/api/v1/mandates", json!({"domain": "fin", "types": ["fin.tax_on_web"], "mandator": ANN, "mandatee": EVA, "valid_until": "2027-06-30"})).await.expect(201);
    let named = ann
        .sign(from_eva.body["id"].as_str().unwrap_or_default(), 1)
        .await
        .refused(409, "exclusive_conflict");
    assert_eq!(
        named.body["params"]["mandate"].as_str(),
        Some(winner.as_str())
    );
    assert!(
        named.body["detail"]
            .as_str()
            .unwrap_or_default()
            .contains(winner.as_str())
    );
}

async fn a_won(ann: &Caller<'_>, id: &str) -> bool {
    ann.mandate(id).await.expect(200).body["status"] == "active"
}

on_both_stores!(
    two_changes_based_on_the_same_version,
    two_signatures_at_the_same_moment,
    the_same_request_twice_at_once_creates_once,
    exclusive_types_hold_under_concurrent_signatures,
);
