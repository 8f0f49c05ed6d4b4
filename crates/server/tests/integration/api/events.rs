//! What business applications learn of changes: the CloudEvents of the feed, its cursor
//! and its long poll, and who sees which events.

use serde_json::{Value, json};

use crate::on_both_stores;
use crate::support::*;

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap_or_default().to_owned()
}

/// Ann gives Bob her tax return until the end of 2027; Bob signs. Returns the mandate id.
async fn ann_to_bob(app: &TestApp) -> String {
    let (ann, bob) = (app.person(ANN).await, app.person(BOB).await);
    let m = id(&ann.create(tax_return(ANN, BOB)).await);
    bob.sign(&m, 1).await.expect(200);
    m
}

/// The types of a page's events.
fn types(page: &Value) -> Vec<String> {
    page["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| e["type"].as_str().unwrap_or_default().to_owned())
        .collect()
}

async fn the_feed_tells_the_domain_what_happened(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let m = ann_to_bob(&app).await;
    app.person(ANN)
        .await
        .action(&m, "stop", json!({}))
        .await
        .expect(200);
    let fin = app.application("fin").await;
    let page = fin.get("/api/v1/events").await.expect(200).body;
    assert_eq!(
        types(&page),
        [
            "be.mandates.mandate.created",
            "be.mandates.mandate.signed",
            "be.mandates.mandate.signed",
            "be.mandates.mandate.activated",
            "be.mandates.mandate.stopped",
        ]
    );
    let stop = &page["events"][4];
    assert_eq!(stop["specversion"], "1.0");
    assert_eq!(stop["source"], "http://localhost");
    assert_eq!(stop["subject"], m.as_str());
    assert_eq!(stop["datacontenttype"], "application/json");
    assert_eq!(
        stop["data"],
        json!({"mandate_id": m, "domain": "fin", "types": ["fin.tax_on_web"],
            "mandator": ANN, "mandatee": BOB, "status": "stopped",
            "valid_from": "2027-03-01", "valid_until": "2027-12-31", "version": 1})
    );
    // The ids are the event sequence, the cursor the last of them.
    let ids: Vec<i64> = page["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| {
            e["id"]
                .as_str()
                .and_then(|i| i.parse().ok())
                .expect("numeric id")
        })
        .collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
    assert_eq!(page["next"].as_i64(), ids.last().copied());
    // Nothing more after it; asking again gives the same ids.
    let rest = fin
        .get(&format!("/api/v1/events?after={}", page["next"]))
        .await
        .expect(200)
        .body;
    assert_eq!(types(&rest), Vec::<String>::new());
    assert_eq!(rest["next"], page["next"]);
    let again = fin.get("/api/v1/events?limit=2").await.expect(200).body;
    assert_eq!(again["events"][1]["id"], page["events"][1]["id"]);
    assert_eq!(again["next"].as_i64(), Some(ids[1]));
    // Another domain's application sees none of it, yet its cursor moves past it.
    let health = app.application("ehealth").await;
    let other = health.get("/api/v1/events").await.expect(200).body;
    assert_eq!(types(&other), Vec::<String>::new());
    assert_eq!(other["next"], page["next"]);
}

async fn a_resumed_feed_misses_nothing(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let fin = app.application("fin").await;
    let first = ann_to_bob(&app).await;
    let page = fin.get("/api/v1/events").await.expect(200).body;
    let cursor = page["next"].as_i64().expect("cursor");
    // The application is away: events of its domain and of others are written meanwhile.
    let (ann, carl) = (app.person(ANN).await, app.person(CARL).await);
    ann.action(&first, "stop", json!({})).await.expect(200);
    let second = id(&carl.create(tax_return(CARL, DINA)).await);
    ann.create(json!({"domain": "vlaanderen", "types": ["vlaanderen.burgerprofiel"], "mandator": ANN, "mandatee": BOB, "valid_until": "2027-12-31"}))
        .await;
    let third = id(&ann.create(tax_return(ANN, EVA)).await);
    // Back, it resumes with its cursor one event at a time and gets every one in order.
    let mut seen = Vec::new();
    let mut after = cursor;
    for _ in 0..50 {
        let page = fin
            .get(&format!("/api/v1/events?after={after}&limit=1"))
            .await
            .expect(200)
            .body;
        let next = page["next"].as_i64().expect("cursor");
        if next == after {
            break;
        }
        for e in page["events"].as_array().expect("events") {
            seen.push((
                e["subject"].as_str().unwrap_or_default().to_owned(),
                e["type"].as_str().unwrap_or_default().to_owned(),
            ));
        }
        after = next;
    }
    let stopped = "be.mandates.mandate.stopped".to_owned();
    let created = "be.mandates.mandate.created".to_owned();
    let signed = "be.mandates.mandate.signed".to_owned();
    assert_eq!(
        seen,
        [
            (first.clone(), stopped),
            (second.clone(), created.clone()),
            (second, signed.clone()),
            (third.clone(), created),
            (third, signed),
        ]
    );
}

async fn a_long_poll_answers_when_an_event_is_written(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let m = ann_to_bob(&app).await;
    let fin = app.application("fin").await;
    let cursor = fin.get("/api/v1/events").await.expect(200).body["next"].clone();
    let ann = app.person(ANN).await;
    let path = format!("/api/v1/events?after={cursor}&wait=20");
    let poll = fin.get(&path);
    let stop = async {
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        ann.action(&m, "stop", json!({})).await.expect(200);
    };
    let started = std::time::Instant::now();
    let (page, ()) = tokio::join!(poll, stop);
    assert_eq!(
        types(&page.expect(200).body),
        ["be.mandates.mandate.stopped"]
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "the long poll waited past the event"
    );
}

async fn a_long_poll_on_another_instance_answers_when_the_event_is_written(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let m = ann_to_bob(&app).await;
    let twin = app.twin().await;
    let fin = app.application("fin").await;
    let cursor = fin.get("/api/v1/events").await.expect(200).body["next"].clone();
    let request = axum::http::Request::get(format!("/api/v1/events?after={cursor}&wait=20"))
        .header("authorization", format!("Bearer {}", fin.token))
        .body(axum::body::Body::empty())
        .expect("request");
    let poll = tokio::spawn(tower::ServiceExt::oneshot(twin, request));
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    app.person(ANN)
        .await
        .action(&m, "stop", json!({}))
        .await
        .expect(200);
    let stopped = std::time::Instant::now();
    let response = poll.await.expect("the poll").expect("an answer");
    assert!(
        stopped.elapsed() < std::time::Duration::from_secs(2),
        "the other instance answered {:?} after the stop",
        stopped.elapsed()
    );
    let bytes = http_body_util::BodyExt::collect(response.into_body())
        .await
        .expect("body")
        .to_bytes();
    let page: Value = serde_json::from_slice(&bytes).expect("json");
    assert_eq!(types(&page), ["be.mandates.mandate.stopped"]);
}

async fn the_feed_refuses_what_it_cannot_read(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let fin = app.application("fin").await;
    let refused = fin
        .get("/api/v1/events?after=-1&limit=1001&wait=31")
        .await
        .refused(422, "validation_failed");
    assert_eq!(
        refused.field_errors(),
        [
            ("after".to_owned(), "out_of_range".to_owned()),
            ("limit".to_owned(), "out_of_range".to_owned()),
            ("wait".to_owned(), "out_of_range".to_owned()),
        ]
    );
    // A person's token is not an application's.
    app.person(ANN)
        .await
        .get("/api/v1/events")
        .await
        .expect(401);
}

async fn an_application_of_some_types_sees_only_theirs(backend: Backend) {
    // Demo data: mandates of enterprises for Biztax, and of citizens for their tax return.
    let Some(app) = TestApp::with_config(backend, |c| c.demo_data = true).await else {
        return;
    };
    let types = vec!["fin.biztax".to_owned()];
    let new = mandates_server::service::clients::NewClient {
        id: Some("biztax"),
        name: "Biztax",
        domain: "fin",
        types: &types,
        secret: Some("biztax-secret"),
    };
    mandates_server::service::clients::add(
        &app.db.store,
        app.state.catalog(),
        &new,
        app.clock.now(),
    )
    .await
    .expect("a client");
    let token = {
        let request = axum::http::Request::post("/oauth/token")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(axum::body::Body::from(
                "grant_type=client_credentials&client_id=biztax&client_secret=biztax-secret",
            ))
            .expect("request");
        let response = tower::ServiceExt::oneshot(app.router.clone(), request)
            .await
            .expect("response");
        let bytes = http_body_util::BodyExt::collect(response.into_body())
            .await
            .expect("body")
            .to_bytes();
        serde_json::from_slice::<Value>(&bytes).expect("json")["access_token"]
            .as_str()
            .expect("token")
            .to_owned()
    };
    let page = app
        .request(
            axum::http::Method::GET,
            "/api/v1/events",
            &[("authorization", &format!("Bearer {token}"))],
            None,
        )
        .await
        .expect(200)
        .body;
    let events = page["events"].as_array().expect("events");
    assert!(
        events
            .iter()
            .any(|e| e["data"]["types"] == json!(["fin.biztax"])),
        "{page:#}"
    );
    for e in events {
        let types = e["data"]["types"].as_array().expect("types");
        assert!(types.iter().all(|t| t == "fin.biztax"), "{e:#}");
    }
    // The domain's application that covers every type sees more, its cursor the same.
    let all = app
        .application("fin")
        .await
        .get("/api/v1/events")
        .await
        .expect(200)
        .body;
    assert!(all["events"].as_array().map(Vec::len) > Some(events.len()));
}

on_both_stores!(
    an_application_of_some_types_sees_only_theirs,
    a_long_poll_on_another_instance_answers_when_the_event_is_written,
    the_feed_tells_the_domain_what_happened,
    a_resumed_feed_misses_nothing,
    a_long_poll_answers_when_an_event_is_written,
    the_feed_refuses_what_it_cannot_read,
);
