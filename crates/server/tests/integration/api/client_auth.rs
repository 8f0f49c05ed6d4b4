//! How business applications authenticate: a revoked application's tokens are refused at
//! once by the instance that revoked it and within a second by every other, and a client id
//! the store cannot hold is an unknown client, not a failure.

use axum::body::Body;
use axum::http::{Method, Request};
use base64::Engine;
use serde_json::{Value, json};
use tower::ServiceExt;

use crate::on_both_stores;
use crate::support::*;

/// A check with a client token, on an instance: its status.
async fn check_status(router: &axum::Router, token: &str) -> u16 {
    ask(router, token, "fin.tax_on_web").await
}

async fn ask(router: &axum::Router, token: &str, type_code: &str) -> u16 {
    let request = Request::post("/api/v1/checks")
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json")
        .body(Body::from(
            json!({"actor": BOB, "mandator": ANN, "type": type_code}).to_string(),
        ))
        .expect("request");
    let response = router.clone().oneshot(request).await.expect("response");
    response.status().as_u16()
}

async fn a_revoked_application_is_refused_on_every_instance(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let twin = app.twin().await;
    let token = app.client_token("fin").await;
    let other = app.client_token("ehealth").await;
    let bearer = format!("Bearer {token}");
    assert_eq!(check_status(&app.router, &token).await, 200);
    assert_eq!(check_status(&twin, &token).await, 200);

    let revoked =
        mandates_server::service::clients::revoke(app.state.store(), "demo-fin", app.clock.now())
            .await
            .expect("revoke");
    assert!(revoked);
    app.state.catch_up().await;
    // At once on the instance that revoked it.
    assert_eq!(check_status(&app.router, &token).await, 401);
    app.request(
        Method::POST,
        "/api/v1/checks",
        &[("authorization", bearer.as_str())],
        Some(json!({"actor": BOB, "mandator": ANN, "type": "fin.tax_on_web"})),
    )
    .await
    .refused(401, "unauthenticated");
    // Within a second on the other, which follows the event log.
    let started = std::time::Instant::now();
    while check_status(&twin, &token).await != 401 {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(1),
            "the second instance still takes a revoked application's token after a second"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    // Another application is not touched, and the revoked one gets no new token.
    assert_eq!(ask(&app.router, &other, "ehealth.social_status").await, 200);
    assert_eq!(ask(&twin, &other, "ehealth.social_status").await, 200);
    let refused = app
        .request_raw(
            Method::POST,
            "/oauth/token",
            &[("content-type", "application/x-www-form-urlencoded")],
            Body::from(
                "grant_type=client_credentials&client_id=demo-fin&client_secret=demo-secret",
            ),
        )
        .await;
    assert_eq!(refused.status.as_u16(), 401);
    assert_eq!(refused.body["error"], "invalid_client");
    // An instance started after the revocation refuses it too.
    let later = app.twin().await;
    assert_eq!(check_status(&later, &token).await, 401);
    // The revocation is in the event log.
    let events = app
        .state
        .store()
        .events_of("client", "demo-fin")
        .await
        .expect("events");
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].kind.as_str(), "client_revoked");
}

async fn token_answer(app: &TestApp, headers: &[(&str, &str)], body: &str) -> (u16, Value) {
    let mut builder =
        Request::post("/oauth/token").header("content-type", "application/x-www-form-urlencoded");
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    let answer = app
        .send(builder.body(Body::from(body.to_owned())).expect("request"))
        .await;
    (answer.status.as_u16(), answer.body)
}

async fn a_nul_in_a_client_id_is_an_unknown_client(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let (status, body) = token_answer(
        &app,
        &[],
        "grant_type=client_credentials&client_id=a%00b&client_secret=x",
    )
    .await;
    assert_eq!(status, 401, "{body:#}");
    assert_eq!(body["error"], "invalid_client");
    let basic = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode("demo-fin\0:demo-secret")
    );
    let (status, body) = token_answer(
        &app,
        &[("authorization", basic.as_str())],
        "grant_type=client_credentials",
    )
    .await;
    assert_eq!(status, 401, "{body:#}");
    assert_eq!(body["error"], "invalid_client");
    // The service is unharmed.
    app.client_token("fin").await;
}

on_both_stores!(
    a_revoked_application_is_refused_on_every_instance,
    a_nul_in_a_client_id_is_an_unknown_client,
);
