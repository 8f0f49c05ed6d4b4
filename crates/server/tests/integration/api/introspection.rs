//! Token introspection (RFC 7662): an exchanged token is active while the check still
//! allows it, on every instance.

use axum::Router;
use serde_json::{Value, json};

use crate::on_both_stores;
use crate::support::*;

/// `demo-fin:demo-secret`.
const FIN: &str = "Basic ZGVtby1maW46ZGVtby1zZWNyZXQ=";
/// `demo-ehealth:demo-secret`.
const EHEALTH: &str = "Basic ZGVtby1laGVhbHRoOmRlbW8tc2VjcmV0";

/// A form post to `router`: the status and the JSON answer.
async fn post_form(router: &Router, path: &str, auth: &str, form: String) -> (u16, Value) {
    let request = axum::http::Request::post(path)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("authorization", auth)
        .body(axum::body::Body::from(form))
        .expect("request");
    let response = tower::ServiceExt::oneshot(router.clone(), request)
        .await
        .expect("response");
    let status = response.status().as_u16();
    let bytes = http_body_util::BodyExt::collect(response.into_body())
        .await
        .expect("body")
        .to_bytes();
    (status, serde_json::from_slice(&bytes).unwrap_or_default())
}

/// Bob's token exchanged by the demo application of `fin` for "Bob acting for Ann".
async fn bob_for_ann(app: &TestApp) -> String {
    acting_for_ann(app, BOB).await
}

/// A person's token exchanged by the demo application of `fin` for "acting for Ann".
async fn acting_for_ann(app: &TestApp, person: &str) -> String {
    let subject = app.token(person).await;
    let (status, body) = post_form(
        &app.router,
        "/oauth/token",
        FIN,
        format!(
            "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Atoken-exchange&subject_token={subject}&mandator={ANN}&types=fin.tax_on_web"
        ),
    )
    .await;
    assert_eq!(status, 200, "{body:#}");
    body["access_token"].as_str().expect("token").to_owned()
}

async fn introspect(router: &Router, auth: &str, token: &str) -> Value {
    let (status, body) =
        post_form(router, "/oauth/introspect", auth, format!("token={token}")).await;
    assert_eq!(status, 200, "{body:#}");
    body
}

/// Ann gives Bob her tax return; Bob signs. Returns the mandate id.
async fn ann_to_bob(app: &TestApp) -> String {
    let (ann, bob) = (app.person(ANN).await, app.person(BOB).await);
    let m = ann.create(tax_return(ANN, BOB)).await["id"]
        .as_str()
        .expect("id")
        .to_owned();
    bob.sign(&m, 1).await.expect(200);
    m
}

async fn a_stop_makes_an_exchanged_token_inactive(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let m = ann_to_bob(&app).await;
    let token = bob_for_ann(&app).await;
    let answer = introspect(&app.router, FIN, &token).await;
    assert_eq!(answer["active"], true, "{answer:#}");
    assert_eq!(
        (
            answer["client_id"].as_str(),
            answer["sub"].as_str(),
            answer["act"]["sub"].as_str(),
            answer["scope"].as_str(),
            answer["token_type"].as_str(),
        ),
        (
            Some("demo-fin"),
            Some(ANN),
            Some(BOB),
            Some("fin.tax_on_web"),
            Some("Bearer")
        )
    );
    assert!(answer["exp"].as_i64() > answer["iat"].as_i64());
    // Ann reads that the application asked.
    let log = app
        .person(ANN)
        .await
        .get("/api/v1/me/access-log")
        .await
        .expect(200)
        .body;
    let kinds: Vec<&str> = log["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|e| e["kind"].as_str())
        .collect();
    assert!(kinds.contains(&"introspection"), "{log:#}");
    // Another application may not learn anything of it.
    assert_eq!(
        introspect(&app.router, EHEALTH, &token).await,
        json!({"active": false})
    );
    // Nor is a token that is not one of ours, or an expired one, active.
    assert_eq!(
        introspect(&app.router, FIN, "not-a-token").await,
        json!({"active": false})
    );
    // The application's own token is.
    let own = app.client_token("fin").await;
    let answer = introspect(&app.router, FIN, &own).await;
    assert_eq!(
        (answer["active"].as_bool(), answer["sub"].as_str()),
        (Some(true), Some("demo-fin"))
    );
    // Ann stops the mandate: at once inactive.
    app.person(ANN)
        .await
        .action(&m, "stop", json!({}))
        .await
        .expect(200);
    assert_eq!(
        introspect(&app.router, FIN, &token).await,
        json!({"active": false})
    );
    // Wrong credentials are an OAuth error, not an answer.
    let (status, body) = post_form(
        &app.router,
        "/oauth/introspect",
        "Basic ZGVtby1maW46d3Jvbmc=",
        format!("token={token}"),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client"))
    );
    let (status, body) = post_form(&app.router, "/oauth/introspect", FIN, String::new()).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_request"))
    );
    // Expired: five minutes on, even a token still allowed is no longer active.
    let _ = ann_to_bob(&app).await;
    let token = bob_for_ann(&app).await;
    app.clock.advance(chrono::Duration::minutes(6));
    assert_eq!(
        introspect(&app.router, FIN, &token).await,
        json!({"active": false})
    );
}

async fn another_instance_sees_the_stop_within_a_second(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let m = ann_to_bob(&app).await;
    let token = bob_for_ann(&app).await;
    let twin = app.twin().await;
    assert_eq!(introspect(&twin, FIN, &token).await["active"], true);
    app.person(ANN)
        .await
        .action(&m, "stop", json!({}))
        .await
        .expect(200);
    let started = std::time::Instant::now();
    loop {
        if introspect(&twin, FIN, &token).await == json!({"active": false}) {
            break;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(1),
            "the other instance still says active after a second"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

async fn the_end_of_an_executor_role_makes_a_token_inactive(backend: Backend) {
    // Demo data: Ann gave the accounting office her tax return; Dina executes it for the office.
    let Some(app) = TestApp::with_config(backend, |c| c.demo_data = true).await else {
        return;
    };
    let token = acting_for_ann(&app, DINA).await;
    assert_eq!(introspect(&app.router, FIN, &token).await["active"], true);
    let carl = app.for_enterprise(CARL, OFFICE).await;
    let roster = carl
        .get(&format!("/api/v1/enterprises/{OFFICE}/roles"))
        .await
        .expect(200)
        .body;
    let role = roster["items"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|r| r["person"] == DINA)
        .and_then(|r| r["id"].as_str())
        .expect("Dina's role")
        .to_owned();
    carl.post(
        &format!("/api/v1/enterprises/{OFFICE}/roles/{role}/end"),
        json!({}),
    )
    .await
    .expect(200);
    assert_eq!(
        introspect(&app.router, FIN, &token).await,
        json!({"active": false})
    );
}

on_both_stores!(
    the_end_of_an_executor_role_makes_a_token_inactive,
    a_stop_makes_an_exchanged_token_inactive,
    another_instance_sees_the_stop_within_a_second,
);
