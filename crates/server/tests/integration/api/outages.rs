//! When the database cannot take a write (it is full) or cannot be reached: a prompt 503
//! that says which, nothing half-done, and writes that resume by themselves.

use std::time::Duration;

use axum::http::Method;
use mandates_store::Options;
use serde_json::json;
use tokio::net::{TcpListener, TcpStream};

use crate::support::*;

/// A change of notes: a write of an event and a document, repeatable at will.
async fn note(caller: &Caller<'_>, id: &str, n: usize) -> Resp {
    caller
        .patch(
            &format!("/api/v1/mandates/{id}"),
            json!({"reference": format!("{n:0>180}")}),
        )
        .await
}

/// A store that is full (SQLite's maximum size; a full disk answers the same): the write
/// that does not fit is refused with 503 `store_full` and changes nothing, readiness says
/// so, and once room returns, writes and readiness recover without a restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_store_refuses_writes_and_recovers_when_room_returns() {
    let db = TestStore::small_sqlite().await;
    let app = TestApp::on(db, |_| {}).await.expect("the application");
    let ann = app.person(ANN).await;
    let id = ann.create(tax_return(ANN, BOB)).await["id"]
        .as_str()
        .expect("a mandate id")
        .to_owned();
    // Room that can be given back later: 1.5 MiB of the 2 allowed.
    app.db
        .execute_raw("INSERT INTO meta (key, value) VALUES ('ballast', hex(randomblob(786432)))")
        .await;

    let mut refused = None;
    for n in 0..5000 {
        let before = app.db.store.last_seq().await.expect("the event sequence");
        let resp = note(&ann, &id, n).await;
        match resp.status.as_u16() {
            200 => {}
            503 => {
                let after = app.db.store.last_seq().await.expect("the event sequence");
                assert_eq!(after, before, "a refused write changed nothing");
                refused = Some(resp);
                break;
            }
            other => panic!("a write answered {other}: {:#}", resp.body),
        }
    }
    let refused = refused.expect("the store filled up");
    assert_eq!(refused.code(), "store_full", "{:#}", refused.body);
    assert_eq!(
        refused.header("content-type"),
        Some("application/problem+json")
    );
    // Still full: the same clear refusal, not a broken writer.
    note(&ann, &id, 1).await.refused(503, "store_full");
    app.request(Method::GET, "/readyz", &[], None)
        .await
        .refused(503, "store_full");

    app.db
        .execute_raw("DELETE FROM meta WHERE key = 'ballast'")
        .await;
    // However often it is asked, the store is probed for room once every two seconds.
    app.request(Method::GET, "/readyz", &[], None)
        .await
        .refused(503, "store_full");
    app.clock.advance(chrono::Duration::seconds(2));
    let ready = app.request(Method::GET, "/readyz", &[], None).await;
    assert_eq!(ready.status.as_u16(), 200, "{:#}", ready.body);
    note(&ann, &id, 2).await.expect(200);
    let mandate = ann.mandate(&id).await.expect(200);
    assert_eq!(mandate.body["reference"], format!("{:0>180}", 2));
}

/// A TCP relay to the PostgreSQL server that can be cut: then it drops the connections it
/// carries and stops listening (connections are refused), as a stopped database server; and
/// restored on the same address, as a database server started again.
pub struct Relay {
    address: String,
    target: String,
    cut: tokio::sync::watch::Sender<bool>,
}

impl Relay {
    pub async fn start(target: String) -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a relay port");
        let address = listener.local_addr().expect("its address").to_string();
        let (cut, _) = tokio::sync::watch::channel(false);
        let relay = Relay {
            address,
            target,
            cut,
        };
        relay.listen(listener);
        relay
    }

    /// The relay's `host:port`.
    pub fn address(&self) -> &str {
        &self.address
    }

    fn listen(&self, listener: TcpListener) {
        let target = self.target.clone();
        let mut stop = self.cut.subscribe();
        let watch = self.cut.subscribe();
        tokio::spawn(async move {
            loop {
                let accepted = tokio::select! {
                    accepted = listener.accept() => accepted,
                    _ = stop.changed() => break,
                };
                let Ok((mut client, _)) = accepted else { break };
                let target = target.clone();
                let mut watch = watch.clone();
                tokio::spawn(async move {
                    let Ok(mut server) = TcpStream::connect(&target).await else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                        _ = watch.changed() => {}
                    }
                });
            }
            // The listener is dropped here: the port refuses connections from now on.
        });
    }

    pub fn cut(&self) {
        self.cut.send_modify(|down| *down = !*down);
    }

    /// Listens again on the same address.
    pub async fn restore(&self) {
        for _ in 0..50 {
            if let Ok(listener) = TcpListener::bind(&self.address).await {
                self.listen(listener);
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!(
            "the relay's address {} could not be taken again",
            self.address
        );
    }
}

/// The PostgreSQL server's `host:port`.
pub fn postgres_address(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split('/').next().unwrap_or(rest);
    let host = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    if host.contains(':') {
        host.to_owned()
    } else {
        format!("{host}:5432")
    }
}

/// The database server stops: calls answer 503 `store_unavailable` within about the
/// connection wait (2 s), not after ten.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_database_is_answered_within_the_connection_wait() {
    let Some(url) = postgres_url() else {
        return;
    };
    let relay = Relay::start(postgres_address(&url)).await;
    let db = TestStore::new_with(Backend::Postgres, &Options::default(), Some(&relay.address))
        .await
        .expect("a PostgreSQL store");
    let app = TestApp::on(db, |_| {}).await.expect("the application");
    let ann = app.person(ANN).await;
    ann.create(tax_return(ANN, BOB)).await;

    relay.cut();
    for (what, path) in [("list", "/api/v1/mandates"), ("readiness", "/readyz")] {
        let started = std::time::Instant::now();
        let resp = if what == "readiness" {
            app.request(Method::GET, path, &[], None).await
        } else {
            ann.get(path).await
        };
        let waited = started.elapsed();
        assert_eq!(
            (resp.status.as_u16(), resp.code()),
            (503, "store_unavailable"),
            "{what}: {:#}",
            resp.body
        );
        assert!(
            waited < Duration::from_secs(6),
            "{what} waited {waited:?} for its 503"
        );
    }
}
