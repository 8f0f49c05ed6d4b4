//! `Idempotency-Key`: a retry gets the first answer and changes nothing.

use axum::http::Method;
use serde_json::json;

use crate::on_both_stores;
use crate::support::*;

async fn a_retried_create_creates_once(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let ann = app.person(ANN).await;
    let key = [("idempotency-key", "create-1")];
    let first = ann
        .send(
            Method::POST,
            "/api/v1/mandates",
            &key,
            Some(tax_return(ANN, BOB)),
        )
        .await
        .expect(201);
    let again = ann
        .send(
            Method::POST,
            "/api/v1/mandates",
            &key,
            Some(tax_return(ANN, BOB)),
        )
        .await
        .expect(201);
    assert_eq!(first.body, again.body);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(again.header("location"), first.header("location"));
    let listed = ann.get("/api/v1/mandates").await.expect(200).body;
    assert_eq!(listed["items"].as_array().map(Vec::len), Some(1));
    // The same key for another request is refused.
    ann.send(
        Method::POST,
        "/api/v1/mandates",
        &key,
        Some(tax_return(ANN, CARL)),
    )
    .await
    .refused(422, "idempotency_key_reused");
    // Keys belong to their caller: Bob may use the same key for his own request.
    let bob = app.person(BOB).await;
    bob.send(
        Method::POST,
        "/api/v1/mandates",
        &key,
        Some(tax_return(BOB, ANN)),
    )
    .await
    .expect(201);
}

async fn a_retried_signature_gets_the_first_answer(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let (ann, bob) = (app.person(ANN).await, app.person(BOB).await);
    let id = ann.create(tax_return(ANN, BOB)).await["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let path = format!("/api/v1/mandates/{id}/sign");
    let key = [("idempotency-key", "sign-1")];
    let first = bob
        .send(Method::POST, &path, &key, Some(json!({"version": 1})))
        .await
        .expect(200);
    app.clock.advance(chrono::Duration::minutes(5));
    let again = bob
        .send(Method::POST, &path, &key, Some(json!({"version": 1})))
        .await
        .expect(200);
    assert_eq!(first.body, again.body);
    assert_eq!(
        bob.history(&id).await,
        ["created", "signed", "signed", "activated"]
    );
    // Without a key, signing again is a conflict.
    bob.sign(&id, 1).await.refused(409, "already_signed");
}

on_both_stores!(
    a_retried_create_creates_once,
    a_retried_signature_gets_the_first_answer
);
