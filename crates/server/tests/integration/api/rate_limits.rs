//! How often a client address may knock: wrong client secrets, demo tokens and sign-ins
//! past their limits answer 429 with `Retry-After`, per address (the peer's, or what a
//! trusted proxy says), and the limit passes with time.

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Method, Request};
use serde_json::json;

use crate::on_both_stores;
use crate::support::*;

/// A request from `peer` (an address with a port), as the listening loop gives it.
async fn from(
    app: &TestApp,
    peer: &str,
    method: Method,
    path: &str,
    headers: &[(&str, &str)],
    body: Body,
) -> Resp {
    let mut builder = Request::builder().method(method).uri(path);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    let mut request = builder.body(body).expect("request");
    let peer: SocketAddr = peer.parse().expect("peer address");
    request.extensions_mut().insert(ConnectInfo(peer));
    app.send(request).await
}

async fn token_request(app: &TestApp, peer: &str, client: &str, secret: &str) -> Resp {
    from(
        app,
        peer,
        Method::POST,
        "/oauth/token",
        &[
            ("content-type", "application/x-www-form-urlencoded"),
            ("accept-language", "nl"),
        ],
        Body::from(format!(
            "grant_type=client_credentials&client_id={client}&client_secret={secret}"
        )),
    )
    .await
}

fn retry_after(resp: &Resp) -> i64 {
    resp.header("retry-after")
        .and_then(|v| v.parse().ok())
        .expect("a Retry-After header of whole seconds")
}

async fn wrong_secrets_hold_back_one_address_for_that_client(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let guesser = "198.51.100.7:40000";
    for _ in 0..10 {
        let resp = token_request(&app, guesser, "demo-fin", "guess").await;
        assert_eq!(resp.status.as_u16(), 401);
        assert_eq!(resp.body["error"], "invalid_client");
    }
    // Past the limit, even the right secret waits at that address.
    let held = token_request(&app, guesser, "demo-fin", "demo-secret")
        .await
        .refused(429, "too_many_requests");
    let wait = retry_after(&held);
    assert!((1..=60).contains(&wait), "Retry-After {wait}");
    assert_eq!(held.body["params"]["retry_after"], wait.to_string());
    let detail = held.body["detail"].as_str().unwrap_or_default();
    assert!(detail.contains("seconden"), "in Dutch: {detail}");
    token_request(&app, guesser, "demo-fin", "guess")
        .await
        .refused(429, "too_many_requests");
    // The client's owner, from its own address, is not locked out.
    token_request(&app, "203.0.113.5:40000", "demo-fin", "demo-secret")
        .await
        .expect(200);
    // Another client at the guessing address is not held back either.
    token_request(&app, guesser, "demo-ehealth", "demo-secret")
        .await
        .expect(200);
    // When the wait is over, the right secret is taken again.
    app.clock.advance(chrono::Duration::seconds(wait));
    token_request(&app, guesser, "demo-fin", "demo-secret")
        .await
        .expect(200);
}

async fn one_address_guessing_many_client_ids_is_held_back(backend: Backend) {
    let Some(app) = TestApp::with_config(backend, |c| {
        c.limits.token_failures_per_address_per_minute = 5;
    })
    .await
    else {
        return;
    };
    let guesser = "198.51.100.9:40000";
    for i in 0..5 {
        let resp = token_request(&app, guesser, &format!("nobody-{i}"), "guess").await;
        assert_eq!(resp.status.as_u16(), 401);
    }
    let held = token_request(&app, guesser, "nobody-else", "guess")
        .await
        .refused(429, "too_many_requests");
    assert!(retry_after(&held) >= 1);
    token_request(&app, "203.0.113.5:40000", "demo-fin", "demo-secret")
        .await
        .expect(200);
}

async fn a_store_failure_is_not_a_wrong_secret(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let caller = "198.51.100.7:40000";
    app.db
        .execute_raw("ALTER TABLE clients RENAME TO clients_away")
        .await;
    for _ in 0..12 {
        let resp = token_request(&app, caller, "demo-fin", "demo-secret").await;
        assert!(resp.status.is_server_error(), "{:?}", resp.status);
    }
    app.db
        .execute_raw("ALTER TABLE clients_away RENAME TO clients")
        .await;
    token_request(&app, caller, "demo-fin", "demo-secret")
        .await
        .expect(200);
}

async fn demo_token(app: &TestApp, peer: &str, headers: &[(&str, &str)]) -> Resp {
    let mut headers = headers.to_vec();
    headers.push(("content-type", "application/json"));
    from(
        app,
        peer,
        Method::POST,
        "/demo/token",
        &headers,
        Body::from(json!({"sub": ANN}).to_string()),
    )
    .await
}

async fn a_flood_of_demo_tokens_is_held_back(backend: Backend) {
    let Some(app) = TestApp::with_config(backend, |c| c.limits.demo_token_per_minute = 5).await
    else {
        return;
    };
    for _ in 0..5 {
        demo_token(&app, "198.51.100.7:1", &[]).await.expect(200);
    }
    let held = demo_token(&app, "198.51.100.7:2", &[("accept-language", "fr")])
        .await
        .refused(429, "too_many_requests");
    assert_eq!(retry_after(&held), 12);
    assert!(
        held.body["detail"]
            .as_str()
            .is_some_and(|d| d.contains("secondes"))
    );
    demo_token(&app, "203.0.113.5:1", &[]).await.expect(200);
    app.clock.advance(chrono::Duration::seconds(12));
    demo_token(&app, "198.51.100.7:3", &[]).await.expect(200);
}

async fn a_flood_of_sign_ins_is_held_back(backend: Backend) {
    let Some(app) = TestApp::with_config(backend, |c| c.limits.login_per_minute = 3).await else {
        return;
    };
    for _ in 0..3 {
        let resp = from(
            &app,
            "198.51.100.7:1",
            Method::GET,
            "/login",
            &[],
            Body::empty(),
        )
        .await;
        assert!(resp.status.is_redirection(), "{:?}", resp.status);
    }
    // A person in a browser is told on a page, in their language, when to try again.
    let held = from(
        &app,
        "198.51.100.7:1",
        Method::GET,
        "/login",
        &[("accept-language", "de")],
        Body::empty(),
    )
    .await;
    assert_eq!(held.status.as_u16(), 429);
    assert_eq!(retry_after(&held), 20);
    assert!(
        held.header("content-type")
            .is_some_and(|t| t.starts_with("text/html")),
        "{:?}",
        held.headers
    );
    let page = held.body.as_str().unwrap_or_default();
    assert!(
        page.contains("Versuchen Sie es in 20 Sekunden erneut"),
        "{page}"
    );
    let other = from(
        &app,
        "203.0.113.5:1",
        Method::GET,
        "/login",
        &[],
        Body::empty(),
    )
    .await;
    assert!(other.status.is_redirection());
}

async fn forwarded_addresses_count_only_from_trusted_proxies(backend: Backend) {
    // Behind a trusted proxy, each client it forwards has its own limit.
    let Some(behind) = TestApp::with_config(backend, |c| {
        c.limits.demo_token_per_minute = 2;
        c.limits.trusted_proxies = vec!["127.0.0.1/32".parse().expect("cidr")];
    })
    .await
    else {
        return;
    };
    let proxy = "127.0.0.1:50000";
    for _ in 0..2 {
        demo_token(&behind, proxy, &[("x-forwarded-for", "203.0.113.1")])
            .await
            .expect(200);
    }
    demo_token(&behind, proxy, &[("x-forwarded-for", "203.0.113.1")])
        .await
        .refused(429, "too_many_requests");
    demo_token(&behind, proxy, &[("x-forwarded-for", "203.0.113.2")])
        .await
        .expect(200);
    // What the client wrote before the proxy's own entry does not make it someone else.
    demo_token(
        &behind,
        proxy,
        &[("x-forwarded-for", "192.0.2.99, 203.0.113.1")],
    )
    .await
    .refused(429, "too_many_requests");
    // A peer that is not a trusted proxy cannot choose its address.
    for i in 0..2 {
        let forged = format!("192.0.2.{i}");
        demo_token(
            &behind,
            "198.51.100.7:1",
            &[("x-forwarded-for", forged.as_str())],
        )
        .await
        .expect(200);
    }
    demo_token(
        &behind,
        "198.51.100.7:1",
        &[("x-forwarded-for", "192.0.2.50")],
    )
    .await
    .refused(429, "too_many_requests");

    // Trusting no proxy, the header is ignored: every client of the proxy is one address.
    let Some(direct) = TestApp::with_config(backend, |c| c.limits.demo_token_per_minute = 2).await
    else {
        return;
    };
    for _ in 0..2 {
        demo_token(&direct, proxy, &[("x-forwarded-for", "203.0.113.1")])
            .await
            .expect(200);
    }
    demo_token(&direct, proxy, &[("x-forwarded-for", "203.0.113.2")])
        .await
        .refused(429, "too_many_requests");
}

on_both_stores!(
    wrong_secrets_hold_back_one_address_for_that_client,
    one_address_guessing_many_client_ids_is_held_back,
    a_store_failure_is_not_a_wrong_secret,
    a_flood_of_demo_tokens_is_held_back,
    a_flood_of_sign_ins_is_held_back,
    forwarded_addresses_count_only_from_trusted_proxies,
);
