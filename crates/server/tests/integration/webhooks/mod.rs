//! Webhooks as a business application meets them: subscribing, signed deliveries checked by
//! an independent verifier, retries with the same id, failures an operator sends again,
//! one delivery per event across instances, and addresses that are refused.

mod receiver;

use axum::http::Method;
use mandates_store::{Channel, DeliveryStatus};
use serde_json::{Value, json};

use crate::on_both_stores;
use crate::support::*;
use receiver::Receiver;

/// An application that may send webhooks to the local receiver, and looks for work often.
async fn app_for_receivers(backend: Backend) -> Option<TestApp> {
    TestApp::with_config(backend, |c| {
        c.webhooks.allow_private = true;
        c.webhooks.poll_millis = 20;
        c.webhooks.retry_for_seconds = 60;
    })
    .await
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

/// Subscribes the receiver as the demo application of `fin`; returns the subscription.
async fn subscribe(app: &TestApp, receiver: &Receiver, types: Value) -> Value {
    let made = app
        .application("fin")
        .await
        .post(
            "/api/v1/webhooks",
            json!({"url": receiver.url(), "types": types}),
        )
        .await
        .expect(201)
        .body;
    receiver.set_secret(made["secret"].as_str().expect("a secret"));
    made
}

async fn stop(app: &TestApp, m: &str) {
    app.person(ANN)
        .await
        .action(m, "stop", json!({}))
        .await
        .expect(200);
}

async fn a_subscription_receives_a_stop_signed(backend: Backend) {
    let Some(app) = app_for_receivers(backend).await else {
        return;
    };
    let receiver = Receiver::start(0);
    let m = ann_to_bob(&app).await;
    let made = subscribe(&app, &receiver, json!(["be.mandates.mandate.stopped"])).await;
    assert!(
        made["secret"]
            .as_str()
            .is_some_and(|s| s.starts_with("whsec_"))
    );
    stop(&app, &m).await;
    let records = receiver.wait_for(1).await;
    let got = &records[0];
    assert_eq!(got["verified"], true, "{got:#}");
    assert_eq!(got["content_type"], "application/cloudevents+json");
    let event = &got["event"];
    assert_eq!(event["type"], "be.mandates.mandate.stopped");
    assert_eq!(event["subject"], m.as_str());
    assert_eq!(event["data"]["status"], "stopped");
    assert_eq!(event["data"]["mandator"], ANN);
    // The delivery the outbox kept has the id the receiver saw.
    let delivered = wait_for_status(&app.db.store, DeliveryStatus::Delivered).await;
    assert_eq!(got["webhook_id"], delivered.id.to_string());
    // The receiver does verify: a request signed with another secret is refused.
    let forged = reqwest::Client::new()
        .post(receiver.url())
        .header("webhook-id", "msg_forged")
        .header(
            "webhook-timestamp",
            mandates_server::clock::Clock::wall_seconds().to_string(),
        )
        .header(
            "webhook-signature",
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
        )
        .body(event.to_string())
        .send()
        .await
        .expect("the receiver answers");
    assert_eq!(forged.status().as_u16(), 400);
    // Listed without its secret; removed, it is gone.
    let fin = app.application("fin").await;
    let list = fin.get("/api/v1/webhooks").await.expect(200).body;
    assert_eq!(list["items"][0]["id"], made["id"]);
    assert!(list["items"][0].get("secret").is_none());
    let path = format!("/api/v1/webhooks/{}", made["id"].as_str().expect("id"));
    fin.send(Method::DELETE, &path, &[], None).await.expect(204);
    fin.send(Method::DELETE, &path, &[], None)
        .await
        .refused(404, "webhook_not_found");
    assert_eq!(
        fin.get("/api/v1/webhooks").await.expect(200).body,
        json!({"items": []})
    );
}

async fn a_failed_attempt_is_sent_again_with_the_same_id(backend: Backend) {
    let Some(app) = app_for_receivers(backend).await else {
        return;
    };
    let receiver = Receiver::start(1);
    let m = ann_to_bob(&app).await;
    subscribe(&app, &receiver, json!([])).await;
    stop(&app, &m).await;
    let first = receiver.wait_for(1).await;
    assert_eq!(
        (first[0]["verified"].as_bool(), first[0]["status"].as_i64()),
        (Some(true), Some(500))
    );
    // The retry is due 30 seconds later.
    app.clock.advance(chrono::Duration::seconds(31));
    let records = receiver.wait_for(2).await;
    assert_eq!(records[1]["verified"], true);
    assert_eq!(records[1]["status"], 204);
    assert_eq!(records[1]["webhook_id"], records[0]["webhook_id"]);
    assert_eq!(records[1]["event"], records[0]["event"]);
}

async fn a_delivery_failed_after_its_last_retry_is_sent_again_when_asked(backend: Backend) {
    let Some(app) = app_for_receivers(backend).await else {
        return;
    };
    let receiver = Receiver::start(2);
    let m = ann_to_bob(&app).await;
    subscribe(&app, &receiver, json!(["be.mandates.mandate.stopped"])).await;
    stop(&app, &m).await;
    receiver.wait_for(1).await;
    // The second attempt fails too; the next would come past the minute allowed.
    app.clock.advance(chrono::Duration::seconds(31));
    receiver.wait_for(2).await;
    let store = &app.db.store;
    let failed = wait_for_status(store, DeliveryStatus::Failed).await;
    assert_eq!(
        failed.last_error.as_deref(),
        Some("the receiver answered 500 Internal Server Error")
    );
    assert_eq!(failed.attempts, 2);
    // The operator sends it again (`mandates webhooks retry`): the receiver takes it now.
    let again = store
        .retry_failed(Some(Channel::Webhook), &[failed.id], app.clock.now())
        .await
        .expect("retry");
    assert_eq!(again, 1);
    let records = receiver.wait_for(3).await;
    assert_eq!(records[2]["status"], 204);
    assert_eq!(records[2]["webhook_id"], failed.id.to_string());
}

/// Waits (at most 10 s) for the one webhook delivery in `status`.
async fn wait_for_status(
    store: &mandates_store::Store,
    status: DeliveryStatus,
) -> mandates_store::Delivery {
    let started = std::time::Instant::now();
    loop {
        let found = store
            .deliveries(Some(Channel::Webhook), Some(status), 10)
            .await
            .expect("deliveries");
        if let [one] = found.as_slice() {
            return one.clone();
        }
        assert!(
            found.len() < 2 && started.elapsed() < std::time::Duration::from_secs(10),
            "not one delivery {status:?}: {found:#?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

async fn two_instances_deliver_each_event_once(backend: Backend) {
    let Some(app) = app_for_receivers(backend).await else {
        return;
    };
    let _twin = app.twin().await;
    let receiver = Receiver::start(0);
    subscribe(&app, &receiver, json!([])).await;
    let fin = app.application("fin").await;
    let cursor = fin.get("/api/v1/events").await.expect(200).body["next"].clone();
    let (ann, carl) = (app.person(ANN).await, app.person(CARL).await);
    let m = ann_to_bob(&app).await;
    carl.create(tax_return(CARL, DINA)).await;
    ann.create(tax_return(ANN, EVA)).await;
    stop(&app, &m).await;
    let expected: Vec<String> = fin
        .get(&format!("/api/v1/events?after={cursor}"))
        .await
        .expect(200)
        .body["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| e["id"].as_str().expect("id").to_owned())
        .collect();
    assert_eq!(expected.len(), 9);
    receiver.wait_for(expected.len()).await;
    // Both instances look for work many times more; nothing is sent twice.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let records = receiver.records();
    let mut ids: Vec<String> = records
        .iter()
        .map(|r| r["event"]["id"].as_str().expect("event id").to_owned())
        .collect();
    ids.sort_by_key(|i| i.parse::<i64>().unwrap_or_default());
    assert_eq!(ids, expected);
    assert!(records.iter().all(|r| r["verified"] == true));
}

async fn addresses_that_are_not_public_are_refused(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let fin = app.application("fin").await;
    for (url, code) in [
        ("http://app.example.be/hook", "webhook_url_not_https"),
        ("https://127.0.0.1/hook", "webhook_url_not_public"),
        ("https://localhost:8443/hook", "webhook_url_not_public"),
        ("https://[::1]/hook", "webhook_url_not_public"),
        ("https://10.1.2.3/hook", "webhook_url_not_public"),
        ("https://169.254.169.254/latest", "webhook_url_not_public"),
        (
            "https://user:secret@app.example.be/",
            "webhook_url_credentials",
        ),
        ("not an address", "invalid_webhook_url"),
    ] {
        let refused = fin
            .send(
                Method::POST,
                "/api/v1/webhooks",
                &[("accept-language", "en")],
                Some(json!({"url": url})),
            )
            .await
            .refused(422, "validation_failed");
        assert_eq!(
            refused.field_errors(),
            [("url".to_owned(), code.to_owned())],
            "{url}"
        );
        assert!(
            refused.body["errors"][0]["message"]
                .as_str()
                .is_some_and(|m| !m.contains("webhook_url")),
            "{:#}",
            refused.body
        );
    }
    let refused = fin
        .post(
            "/api/v1/webhooks",
            json!({"url": "https://127.0.0.1/", "types": ["be.mandates.mandate.stopped", "mandate.gone"]}),
        )
        .await
        .refused(422, "validation_failed");
    assert_eq!(
        refused.field_errors(),
        [
            ("url".to_owned(), "webhook_url_not_public".to_owned()),
            ("types[1]".to_owned(), "unknown_event_type".to_owned()),
        ]
    );
    // A person cannot subscribe.
    app.person(ANN)
        .await
        .post(
            "/api/v1/webhooks",
            json!({"url": "https://app.example.be/"}),
        )
        .await
        .expect(401);
}

on_both_stores!(
    a_subscription_receives_a_stop_signed,
    a_failed_attempt_is_sent_again_with_the_same_id,
    a_delivery_failed_after_its_last_retry_is_sent_again_when_asked,
    two_instances_deliver_each_event_once,
    addresses_that_are_not_public_are_refused,
);
