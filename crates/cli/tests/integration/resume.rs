//! A bulk job survives the death of its process: the server is killed (SIGKILL) in the middle
//! of a job, started again, and the job ends with every row applied exactly once. On SQLite and
//! on PostgreSQL (`TEST_POSTGRES_URL`; skipped with a notice without it, a failure under CI).

use std::time::Duration;

use serde_json::Value;

use crate::server::{ANN, PostgresDatabase, ann_token, file_period, free_port, ready, serve};

const ROWS: u64 = 4000;

/// A valid national number (born in the 1900s) from a counter.
fn person(k: u64) -> String {
    let day = 1 + k % 28;
    let month = 1 + (k / 28) % 12;
    let year = 10 + (k / 336) % 80;
    let seq = 1 + (k / 26_880) % 997;
    let nine = year * 10_000_000 + month * 100_000 + day * 1_000 + seq;
    format!("{nine:09}{:02}", 97 - nine % 97)
}

async fn job(http: &reqwest::Client, base: &str, token: &str, id: &str) -> Value {
    http.get(format!("{base}/api/v1/bulk/{id}?limit=1"))
        .bearer_auth(token)
        .send()
        .await
        .expect("job")
        .json()
        .await
        .expect("job body")
}

/// Uploads a job, kills the server while it runs, starts it again and waits for the job.
async fn killed_and_resumed(database: &str) {
    let dir = tempfile::tempdir().expect("dir");
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    let server = serve(dir.path(), database, port);
    ready(&http, &base).await;
    let token = ann_token(&http, &base).await;
    let (from, until) = file_period();
    let mut file = String::from("mandator;mandatee;types;valid_from;valid_until\n");
    for k in 0..ROWS {
        file.push_str(&format!(
            "{ANN};{};fin.myminfin_consult;{from};{until}\n",
            person(k)
        ));
    }
    let uploaded: Value = http
        .post(format!(
            "{base}/api/v1/bulk?operation=create&format=csv&mode=per-row&domain=fin"
        ))
        .bearer_auth(&token)
        .body(file)
        .send()
        .await
        .expect("upload")
        .json()
        .await
        .expect("upload body");
    assert_eq!(uploaded["total"], ROWS, "{uploaded}");
    assert_eq!(uploaded["failed"], 0, "{uploaded}");
    let id = uploaded["id"].as_str().expect("job id").to_owned();
    let committed = http
        .post(format!("{base}/api/v1/bulk/{id}/commit"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("commit");
    assert_eq!(committed.status().as_u16(), 202);
    // Kill the process once some rows, not all, are applied.
    let mut before = 0;
    for _ in 0..2000 {
        let now = job(&http, &base, &token, &id).await;
        before = now["succeeded"].as_i64().unwrap_or_default();
        if before > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    server.kill();
    // What the dead process left is read from the database itself: the job must have been
    // under way, some rows applied and some still to apply, or the test proves nothing.
    let (_, applied, _) = counts(database).await;
    assert!(
        before > 0 && applied > 0 && applied < ROWS as i64,
        "the job should be under way when killed ({applied} of {ROWS} applied)"
    );

    let server = serve(dir.path(), database, port);
    ready(&http, &base).await;
    // The demo issuer has a new key after a start: a new token.
    let token = ann_token(&http, &base).await;
    let mut last = Value::Null;
    for _ in 0..1200 {
        last = job(&http, &base, &token, &id).await;
        if last["state"] == "done" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    server.kill();
    assert_eq!(last["state"], "done", "{last}");
    assert_eq!(last["succeeded"], ROWS, "{last}");
    assert_eq!(last["failed"], 0, "{last}");
}

/// Counts in the database: mandates, applied rows and the distinct mandates they name.
const COUNTS: &str = "SELECT (SELECT COUNT(*) FROM mandates) AS m, \
     (SELECT COUNT(*) FROM bulk_rows WHERE state = 'applied') AS a, \
     (SELECT COUNT(DISTINCT mandate_id) FROM bulk_rows WHERE state = 'applied') AS d";

async fn counts(url: &str) -> (i64, i64, i64) {
    use sqlx::Row;
    if url.starts_with("sqlite:") {
        let pool = sqlx::SqlitePool::connect(url).await.expect("sqlite");
        let row = sqlx::query(COUNTS).fetch_one(&pool).await.expect("counts");
        pool.close().await;
        (row.get("m"), row.get("a"), row.get("d"))
    } else {
        let pool = sqlx::PgPool::connect(url).await.expect("postgres");
        let row = sqlx::query(COUNTS).fetch_one(&pool).await.expect("counts");
        pool.close().await;
        (row.get("m"), row.get("a"), row.get("d"))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_job_resumes_and_applies_every_row_once_on_sqlite() {
    let dir = tempfile::tempdir().expect("dir");
    let url = format!("sqlite://{}", dir.path().join("bulk.db").display());
    killed_and_resumed(&url).await;
    let n = i64::try_from(ROWS).unwrap_or_default();
    assert_eq!(counts(&url).await, (n, n, n));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_job_resumes_and_applies_every_row_once_on_postgres() {
    let Some(db) = PostgresDatabase::create("bulk").await else {
        return;
    };
    killed_and_resumed(&db.url).await;
    let n = i64::try_from(ROWS).unwrap_or_default();
    let found = counts(&db.url).await;
    db.drop_now().await;
    assert_eq!(found, (n, n, n));
}
