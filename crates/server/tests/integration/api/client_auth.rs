//! How business applications authenticate: a client id the store cannot hold is an unknown
//! client, not a failure.

use axum::body::Body;
use axum::http::Request;
use base64::Engine;
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

use crate::on_both_stores;
use crate::support::*;

async fn token_answer(app: &TestApp, headers: &[(&str, &str)], body: &str) -> (u16, Value) {
    let mut builder =
        Request::post("/oauth/token").header("content-type", "application/x-www-form-urlencoded");
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    let response = app
        .router
        .clone()
        .oneshot(builder.body(Body::from(body.to_owned())).expect("request"))
        .await
        .expect("response");
    let status = response.status().as_u16();
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
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

on_both_stores!(a_nul_in_a_client_id_is_an_unknown_client);
