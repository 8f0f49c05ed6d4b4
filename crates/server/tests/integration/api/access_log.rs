//! An answered check is a logged check: under concurrent load, through a database outage,
//! and when even the local spool is full (then the answer is refused, never given unlogged).

use std::time::Duration;

use axum::http::Method;
use mandates_store::Options;
use serde_json::{Value, json};

use super::outages::Relay;
use crate::on_both_stores;
use crate::support::*;

/// `n` questions about Ann, asked of the demo application of `fin`.
fn questions(n: usize) -> Value {
    let one = json!({"actor": BOB, "mandator": ANN, "type": "fin.tax_on_web"});
    json!({ "checks": vec![one; n] })
}

async fn logged(app: &TestApp) -> i64 {
    assert!(
        app.state.access_log().flush(Duration::from_secs(30)).await,
        "the spool drains into the store"
    );
    app.db
        .store
        .access_log_count()
        .await
        .expect("the access log's size")
}

/// Many applications at once, single checks and batches: every answer is in the log once.
async fn every_answer_under_load_is_logged_once(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let fin = app.application("fin").await;
    let before = logged(&app).await;
    let answered = std::sync::atomic::AtomicI64::new(0);
    let ask = |batch: bool| {
        let (fin, answered) = (&fin, &answered);
        async move {
            for _ in 0..20 {
                let resp = if batch {
                    fin.post("/api/v1/checks/batch", questions(250)).await
                } else {
                    fin.post(
                        "/api/v1/checks",
                        json!({"actor": BOB, "mandator": ANN, "type": "fin.tax_on_web"}),
                    )
                    .await
                };
                assert_eq!(resp.status.as_u16(), 200, "{:#}", resp.body);
                let n = if batch { 250 } else { 1 };
                answered.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
            }
        }
    };
    let mut load = Vec::new();
    for i in 0..16 {
        load.push(ask(i % 4 == 0));
    }
    futures_util::future::join_all(load).await;
    let answered = answered.load(std::sync::atomic::Ordering::Relaxed);
    assert_eq!(answered, 4 * 20 * 250 + 12 * 20);
    assert_eq!(logged(&app).await - before, answered);
}

/// The database stops for longer than any retry: checks are still answered (from the
/// index), and every one of them reaches the log once the database is back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_given_while_the_database_is_down_reach_the_log() {
    let Some(url) = postgres_url() else {
        return;
    };
    let relay = Relay::start(super::outages::postgres_address(&url)).await;
    let db = TestStore::new_with(
        Backend::Postgres,
        &Options::default(),
        Some(relay.address()),
    )
    .await
    .expect("a PostgreSQL store");
    let app = TestApp::on(db, |_| {}).await.expect("the application");
    let fin = app.application("fin").await;
    let before = logged(&app).await;

    relay.cut();
    for _ in 0..30 {
        fin.post(
            "/api/v1/checks",
            json!({"actor": BOB, "mandator": ANN, "type": "fin.tax_on_web"}),
        )
        .await
        .expect(200);
    }
    // Longer than any bounded retry would wait (five attempts of a 2 s connection wait and
    // their pauses took about 13 s): only a writer that never gives up keeps these answers.
    tokio::time::sleep(Duration::from_secs(15)).await;
    relay.restore().await;

    assert_eq!(logged(&app).await - before, 30);
}

/// The store is full and the spool reaches its limit: the next answers are refused with
/// 503 `access_log_unavailable`; what was answered before reaches the log once there is room.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_spool_refuses_answers_instead_of_giving_them_unlogged() {
    let db = TestStore::small_sqlite().await;
    let app = TestApp::on(db, |c| c.access_log.spool_max_mb = 1)
        .await
        .expect("the application");
    let fin = app.application("fin").await;
    let before = logged(&app).await;
    // The store is full: room only comes back when this goes.
    app.db
        .execute_raw("INSERT INTO meta (key, value) VALUES ('ballast', hex(randomblob(1048576)))")
        .await;

    let mut answered = 0;
    let mut refused = None;
    for _ in 0..100 {
        let resp = fin.post("/api/v1/checks/batch", questions(1000)).await;
        match resp.status.as_u16() {
            200 => answered += 1000,
            503 => {
                refused = Some(resp);
                break;
            }
            other => panic!("a batch answered {other}: {:#}", resp.body),
        }
    }
    let refused = refused.expect("the spool filled up");
    assert_eq!(
        refused.code(),
        "access_log_unavailable",
        "{:#}",
        refused.body
    );
    assert!(refused.body.get("results").is_none());
    assert!(answered > 0, "answers were given until the spool was full");
    // What room is left takes single answers, up to the last one that fits.
    let mut full = false;
    for _ in 0..5000 {
        let single = fin
            .post(
                "/api/v1/checks",
                json!({"actor": BOB, "mandator": ANN, "type": "fin.tax_on_web"}),
            )
            .await;
        match (single.status.as_u16(), single.code()) {
            (200, _) => answered += 1,
            (503, "access_log_unavailable") => {
                full = true;
                break;
            }
            other => panic!("a check answered {other:?}: {:#}", single.body),
        }
    }
    assert!(full, "single checks are refused too once the spool is full");

    app.db
        .execute_raw("DELETE FROM meta WHERE key = 'ballast'")
        .await;
    assert_eq!(logged(&app).await - before, answered);
    app.request(Method::GET, "/healthz", &[], None)
        .await
        .expect(200);
}

/// Two instances never share a spool: the second is refused at start, with the reason.
async fn a_spool_belongs_to_one_instance(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let second = mandates_server::build(
        app.config.clone(),
        app.db.reconnect().await,
        app.clock.clone(),
        "http://localhost",
    )
    .await;
    let refused = second.err().expect("a second instance on the same spool");
    assert!(
        refused.to_string().contains("in use by another process"),
        "{refused}"
    );
}

on_both_stores!(
    every_answer_under_load_is_logged_once,
    a_spool_belongs_to_one_instance,
);
