//! The store's own promises, on both backends: a gapless event sequence in commit order,
//! optimistic row versions, migrations that can run again, the database's mode.

use mandates_domain::Insz;
use mandates_domain::actor::{Actor, AuthContext};
use mandates_domain::catalog::Catalog;
use std::collections::{BTreeMap, BTreeSet};

use mandates_domain::mandate::{Draft, Mandate, Standing};
use mandates_server::clock::Clock;
use mandates_server::config::Config;
use mandates_store::StoreError;

use crate::on_both_stores;
use crate::support::*;

async fn the_event_sequence_is_gapless_under_concurrent_writers(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let before = app.db.store.last_seq().await.unwrap_or_default();
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..12 {
        let router = app.router.clone();
        let token = app.token(if i % 2 == 0 { ANN } else { BOB }).await;
        let (from, to) = if i % 2 == 0 { (ANN, BOB) } else { (BOB, ANN) };
        tasks.spawn(async move {
            use tower::ServiceExt;
            let body = serde_json::json!({"domain": "ehealth", "types": ["ehealth.consent"], "mandator": from, "mandatee": to}).to_string();
            let request = axum::http::Request::post("/api/v1/mandates")
                .header("authorization", format!("Bearer {token}"))
                .header("content-type", "application/json")
                .body(axum::body::Body::from(body))
                .expect("request");
            router.oneshot(request).await.expect("response").status().as_u16()
        });
    }
    let statuses = tasks.join_all().await;
    assert!(statuses.iter().all(|s| *s == 201), "{statuses:?}");
    let other = app.db.reconnect().await;
    let events = other.events_after(before, 1000).await.expect("events");
    assert_eq!(events.len(), 24, "created + signed for each");
    for (i, e) in events.iter().enumerate() {
        assert_eq!(e.seq, before + 1 + i as i64, "gapless and in order");
    }
    // Writers are serialized: each creation's two events are next to each other.
    for pair in events.chunks(2) {
        assert_eq!(
            (pair[0].kind.as_str(), pair[1].kind.as_str()),
            ("created", "signed")
        );
        assert_eq!(pair[0].subject, pair[1].subject);
    }
}

async fn a_write_based_on_a_stale_row_is_a_conflict(backend: Backend) {
    let Some(db) = TestStore::new(backend).await else {
        return;
    };
    let catalog = Catalog::default_catalog().expect("catalog");
    let ann = Actor::myself(Insz::parse(ANN).expect("ann"), AuthContext::default());
    let draft = Draft {
        domain: "fin".into(),
        types: vec!["fin.tax_on_web".into()],
        mandator: ANN.into(),
        mandatee: BOB.into(),
        ..Draft::default()
    };
    let (mandate, _) =
        Mandate::create(uuid::Uuid::new_v4(), &draft, &ann, &catalog, start()).expect("mandate");
    let mut tx = db.store.begin().await.expect("tx");
    tx.put_mandate(&mandate, None).await.expect("insert");
    assert!(
        matches!(
            tx.put_mandate(&mandate, None).await,
            Err(StoreError::Conflict)
        ),
        "inserted twice"
    );
    tx.put_mandate(&mandate, Some(1))
        .await
        .expect("update at row version 1");
    assert!(
        matches!(
            tx.put_mandate(&mandate, Some(1)).await,
            Err(StoreError::Conflict)
        ),
        "stale row version"
    );
    tx.commit().await.expect("commit");
    let stored = db
        .store
        .mandate(mandate.id)
        .await
        .expect("read")
        .expect("found");
    assert_eq!(stored, mandate);
    // Migrations run again without harm.
    db.store.migrate().await.expect("migrations again");
}

async fn a_database_keeps_the_mode_it_was_created_in(backend: Backend) {
    let Some(db) = TestStore::new(backend).await else {
        return;
    };
    let demo = Config {
        demo: true,
        demo_data: true,
        ..db.config()
    };
    let state = mandates_server::build(
        demo.clone(),
        db.store.clone(),
        Clock::manual(start()),
        "http://localhost",
    )
    .await;
    assert!(state.is_ok());
    let production = Config {
        auth: mandates_server::config::AuthConfig {
            issuer: Some("https://idp.example".into()),
            ..Default::default()
        },
        ..db.config()
    };
    let refused = mandates_server::build(
        production,
        db.store.clone(),
        Clock::manual(start()),
        "http://localhost",
    )
    .await;
    assert!(
        refused
            .err()
            .is_some_and(|e| e.to_string().contains("created in demo mode"))
    );
    // And the other way round.
    let Some(other) = TestStore::new(backend).await else {
        return;
    };
    let production = Config {
        auth: mandates_server::config::AuthConfig {
            issuer: Some("https://idp.example".into()),
            ..Default::default()
        },
        ..other.config()
    };
    assert!(
        mandates_server::build(
            production,
            other.store.clone(),
            Clock::manual(start()),
            "http://localhost"
        )
        .await
        .is_ok()
    );
    let refused = mandates_server::build(
        Config {
            access_log: other.config().access_log,
            ..demo
        },
        other.store.clone(),
        Clock::manual(start()),
        "http://localhost",
    )
    .await;
    assert!(refused.err().is_some_and(|e| {
        e.to_string()
            .contains("only on a database created in demo mode")
    }));
}

async fn demo_data_has_every_state(backend: Backend) {
    let Some(app) = TestApp::with_config(backend, |c| c.demo_data = true).await else {
        return;
    };
    let mut seen = std::collections::BTreeSet::new();
    for (person, firm) in [
        (ANN, None),
        (BOB, None),
        (CARL, Some(OFFICE)),
        (EVA, Some(COMPANY)),
        ("93030578965", Some(OTHER_OFFICE)),
    ] {
        let caller = match firm {
            Some(f) => app.for_enterprise(person, f).await,
            None => app.person(person).await,
        };
        let listed = caller
            .get("/api/v1/mandates?limit=100")
            .await
            .expect(200)
            .body;
        for m in listed["items"].as_array().into_iter().flatten() {
            seen.insert(m["status"].as_str().unwrap_or_default().to_owned());
        }
    }
    let all: std::collections::BTreeSet<String> = [
        "pending",
        "active",
        "rejected",
        "withdrawn",
        "lapsed",
        "stopped",
        "expired",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    assert_eq!(seen, all);
}

#[tokio::test]
async fn a_signing_level_outside_the_known_levels_is_refused_at_start() {
    let Some(db) = TestStore::new(Backend::Sqlite).await else {
        return;
    };
    let mut config = Config {
        demo: true,
        ..db.config()
    };
    config.auth.min_signing_acr = Some("substantial".into());
    let refused = mandates_server::build(
        config,
        db.store.clone(),
        Clock::manual(start()),
        "http://localhost",
    )
    .await;
    assert!(
        refused
            .err()
            .is_some_and(|e| e.to_string().contains("min_signing_acr"))
    );
}

#[test]
fn demo_mode_binds_to_loopback_only() {
    let demo = |bind: &str| Config {
        demo: true,
        bind: bind.into(),
        ..Config::default()
    };
    assert!(mandates_server::check_bind(&demo("127.0.0.1:8080")).is_ok());
    assert!(mandates_server::check_bind(&demo("[::1]:8080")).is_ok());
    assert!(mandates_server::check_bind(&demo("0.0.0.0:8080")).is_err());
    assert!(mandates_server::check_bind(&demo("192.168.1.10:8080")).is_err());
    let production = Config {
        bind: "0.0.0.0:8080".into(),
        ..Config::default()
    };
    assert!(mandates_server::check_bind(&production).is_ok());
}

/// Every mandate that can answer a check, as the index reads it from the narrow columns.
async fn standings(store: &mandates_store::Store) -> BTreeMap<uuid::Uuid, Standing> {
    let mut all = BTreeMap::new();
    store
        .for_each_standing(7, |batch| all.extend(batch.into_iter().map(|s| (s.id, s))))
        .await
        .expect("standings");
    all
}

async fn the_narrow_columns_say_what_the_documents_say(backend: Backend) {
    let Some(app) = TestApp::with_config(backend, |c| c.demo_data = true).await else {
        return;
    };
    let store = &app.db.store;
    let before = standings(store).await;
    let statuses: BTreeSet<&str> = before.values().map(|s| s.status.as_str()).collect();
    assert_eq!(
        statuses,
        BTreeSet::from(["active", "pending", "stopped"]),
        "rejected and withdrawn mandates answer no check"
    );
    for (id, standing) in &before {
        let m = store.mandate(*id).await.expect("read").expect("exists");
        assert_eq!(*standing, m.standing());
    }
    // Rows written before the columns existed are filled in from their documents.
    app.db
        .execute_raw(
            "UPDATE mandates SET types = NULL, valid_from = NULL, valid_until = NULL, closed_at = NULL, awaiting = NULL",
        )
        .await;
    store.migrate().await.expect("migrate again");
    assert_eq!(standings(store).await, before);
}

/// On PostgreSQL, an event appended by another instance wakes a listener at once
/// (LISTEN/NOTIFY), so instances follow each other without waiting for the next poll. SQLite,
/// written by one process, has no notifications.
async fn another_instances_append_is_notified(backend: Backend) {
    let Some(db) = TestStore::new(backend).await else {
        return;
    };
    let listening = db.store.listen_events().await.expect("listening");
    let mut notifications = match (backend, listening) {
        (Backend::Sqlite, None) => return,
        (Backend::Postgres, Some(n)) => n,
        (backend, n) => panic!(
            "{backend:?} {} notifications",
            if n.is_some() { "gives" } else { "gives no" }
        ),
    };
    let other = db.reconnect().await;
    let mut tx = other.begin().await.expect("a write transaction");
    tx.append(&[mandates_store::NewEvent {
        kind: mandates_store::EventKind::CatalogLoaded,
        subject: "catalog".into(),
        at: start(),
        person: None,
        party: None,
        auth: serde_json::Value::Null,
        version: 0,
        detail: serde_json::json!({}),
    }])
    .await
    .expect("an appended event");
    tx.commit().await.expect("commit");
    tokio::time::timeout(std::time::Duration::from_secs(5), notifications.next())
        .await
        .expect("notified within 5 s of the commit")
        .expect("a notification");
    other.close().await;
}

on_both_stores!(
    another_instances_append_is_notified,
    the_narrow_columns_say_what_the_documents_say,
    the_event_sequence_is_gapless_under_concurrent_writers,
    a_write_based_on_a_stale_row_is_a_conflict,
    a_database_keeps_the_mode_it_was_created_in,
    demo_data_has_every_state,
);
