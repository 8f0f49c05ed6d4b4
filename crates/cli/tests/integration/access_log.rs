//! Checks answered right up to a kill -9 of the server are all in the access log after it
//! starts again: each answer was in the spool (the operating system's) before it left.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::time::Duration;

use serde_json::json;

use crate::server::{ANN, PostgresDatabase, client_token, free_port, ready, serve};

/// The access log's size in the database at `url`.
async fn logged(url: &str) -> i64 {
    let query = "SELECT COUNT(*) FROM access_log";
    if url.starts_with("sqlite:") {
        let pool = sqlx::SqlitePool::connect(url).await.expect("sqlite");
        let n = sqlx::query_scalar(query)
            .fetch_one(&pool)
            .await
            .expect("count");
        pool.close().await;
        n
    } else {
        let pool = sqlx::PgPool::connect(url).await.expect("postgres");
        let n = sqlx::query_scalar(query)
            .fetch_one(&pool)
            .await
            .expect("count");
        pool.close().await;
        n
    }
}

/// Batches of checks from several applications at once until the server dies; how many
/// were answered (a whole answer received).
async fn ask_until_killed(base: String, token: String, killed: Arc<AtomicBool>) -> i64 {
    let answered = Arc::new(AtomicI64::new(0));
    let one = json!({"actor": "05061207730", "mandator": ANN, "type": "fin.tax_on_web"});
    let batch = json!({ "checks": vec![one; 100] });
    let mut askers = Vec::new();
    for _ in 0..8 {
        let (base, token, batch) = (base.clone(), token.clone(), batch.clone());
        let (answered, killed) = (answered.clone(), killed.clone());
        askers.push(tokio::spawn(async move {
            let http = reqwest::Client::new();
            while !killed.load(Ordering::SeqCst) {
                let Ok(resp) = http
                    .post(format!("{base}/api/v1/checks/batch"))
                    .bearer_auth(&token)
                    .json(&batch)
                    .send()
                    .await
                else {
                    break;
                };
                if resp.status().as_u16() != 200 {
                    break;
                }
                if resp.bytes().await.is_ok() {
                    answered.fetch_add(100, Ordering::SeqCst);
                }
            }
        }));
    }
    for asker in askers {
        let _ = asker.await;
    }
    answered.load(Ordering::SeqCst)
}

async fn answered_before_a_kill_are_logged_after_the_restart(database: &str) {
    let dir = tempfile::tempdir().expect("dir");
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    let server = serve(dir.path(), database, port);
    ready(&http, &base).await;
    let token = client_token(&http, &base).await;
    let before = logged(database).await;

    let killed = Arc::new(AtomicBool::new(false));
    let asking = tokio::spawn(ask_until_killed(
        base.clone(),
        token.clone(),
        killed.clone(),
    ));
    tokio::time::sleep(Duration::from_millis(1500)).await;
    server.kill();
    killed.store(true, Ordering::SeqCst);
    let answered = asking.await.expect("the askers");
    assert!(answered > 0, "checks were answered before the kill");

    let _server = serve(dir.path(), database, port);
    ready(&http, &base).await;
    let mut found = logged(database).await - before;
    for _ in 0..300 {
        if found >= answered {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        found = logged(database).await - before;
    }
    // Answers cut off by the kill on their way out may be logged without having reached
    // their application; an answer that arrived is never missing.
    assert!(
        found >= answered,
        "{answered} checks were answered, {found} are in the access log"
    );
    assert!(found <= answered + 8 * 100, "{found} logged of {answered}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn checks_answered_before_a_kill_are_logged_after_the_restart_on_sqlite() {
    let dir = tempfile::tempdir().expect("dir");
    let url = format!("sqlite://{}", dir.path().join("m.db").display());
    answered_before_a_kill_are_logged_after_the_restart(&url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn checks_answered_before_a_kill_are_logged_after_the_restart_on_postgres() {
    let Some(db) = PostgresDatabase::create("killed").await else {
        return;
    };
    answered_before_a_kill_are_logged_after_the_restart(&db.url).await;
    db.drop_now().await;
}
