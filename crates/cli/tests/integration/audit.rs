//! `mandates audit` as an operator or an auditor runs it, on both stores: the evidence key
//! made with OpenSSL, a service signing checkpoints as it runs, the log verified with the
//! published keys while the service goes on, and a touched log named at its event.

use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

use serde_json::Value;

use crate::server::{PostgresDatabase, ann_token, file_period, free_port, ready, serve_configured};

fn mandates(dir: &Path, database: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mandates"))
        .arg("--database")
        .arg(database)
        .args(args)
        .current_dir(dir)
        .env_remove("MANDATES_DATABASE_URL")
        .env("MANDATES_LOG", "warn")
        .output()
        .expect("the binary runs")
}

fn printed(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Runs SQL on the database as someone with access to it, not through the service.
async fn tamper(database: &str, sql: &str) {
    use sqlx::Executor;
    if database.starts_with("sqlite:") {
        let mut conn = <sqlx::SqliteConnection as sqlx::Connection>::connect(database)
            .await
            .expect("connect");
        conn.execute(sqlx::AssertSqlSafe(sql.to_owned()))
            .await
            .expect("tamper");
    } else {
        let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(database)
            .await
            .expect("connect");
        conn.execute(sqlx::AssertSqlSafe(sql.to_owned()))
            .await
            .expect("tamper");
    }
}

async fn verified_then_touched(database: &str) {
    let dir = tempfile::tempdir().expect("dir");
    let key = dir.path().join("evidence-key.pem");
    let made = Command::new("openssl")
        .args(["genpkey", "-algorithm", "ed25519", "-out"])
        .arg(&key)
        .output()
        .expect("openssl runs");
    assert!(made.status.success(), "{}", printed(&made));
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let server = serve_configured(
        dir.path(),
        database,
        port,
        &[
            ("MANDATES_DEMO_DATA", "true"),
            ("MANDATES_EVIDENCE__KEY_FILE", key.to_str().expect("a path")),
            ("MANDATES_EVIDENCE__CHECKPOINT_SECONDS", "1"),
        ],
    );
    let http = reqwest::Client::new();
    ready(&http, &base).await;
    // A change answers with its receipt.
    let token = ann_token(&http, &base).await;
    let (_, until) = file_period();
    let created = http
        .post(format!("{base}/api/v1/mandates"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"domain": "fin", "types": ["fin.myminfin_consult"], "mandator": "85073003328", "mandatee": "78021545667", "valid_until": until.to_string()}))
        .send()
        .await
        .expect("create");
    assert!(created.headers().get("receipt").is_some());
    assert_eq!(created.status(), 201);
    let created: Value = created.json().await.expect("the mandate");
    let mandate = created["id"].as_str().expect("an id").to_owned();

    // The service signs a checkpoint of it within a second or two.
    let mut signed = false;
    for _ in 0..100 {
        let page: Value = http
            .get(format!("{base}/api/v1/evidence/checkpoints?limit=1000"))
            .send()
            .await
            .expect("checkpoints")
            .json()
            .await
            .expect("json");
        let last = page["items"].as_array().and_then(|i| i.last()).cloned();
        if last.is_some_and(|c| c["seq"].as_i64() >= Some(5)) {
            signed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(signed, "no checkpoint was signed");
    let jwks = http
        .get(format!("{base}/.well-known/jwks.json"))
        .send()
        .await
        .expect("keys")
        .text()
        .await
        .expect("keys");
    let keys = dir.path().join("jwks.json");
    std::fs::write(&keys, jwks).expect("keep the keys");
    let keys = keys.to_str().expect("a path");

    // Verified while the service runs, with the keys from a file or from the service.
    let out = mandates(dir.path(), database, &["audit", "verify", "--keys", keys]);
    assert!(out.status.success(), "{}", printed(&out));
    let said = printed(&out);
    assert!(
        said.contains("every event matches its digest and chain value"),
        "{said}"
    );
    assert!(said.contains("checkpoints hold"), "{said}");
    assert!(said.trim_end().ends_with("verified"), "{said}");
    let url = format!("{base}/.well-known/jwks.json");
    let out = mandates(dir.path(), database, &["audit", "verify", "--keys", &url]);
    assert!(out.status.success(), "{}", printed(&out));

    // A party's evidence file verifies offline; changed, it does not.
    let evidence: Value = http
        .get(format!("{base}/api/v1/mandates/{mandate}/evidence"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("evidence")
        .json()
        .await
        .expect("json");
    let file = dir.path().join("evidence.json");
    std::fs::write(&file, evidence.to_string()).expect("keep the evidence");
    let file = file.to_str().expect("a path");
    let out = mandates(
        dir.path(),
        database,
        &["audit", "verify", "--keys", keys, "--file", file],
    );
    assert!(out.status.success(), "{}", printed(&out));
    assert!(
        printed(&out).trim_end().ends_with("verified"),
        "{}",
        printed(&out)
    );
    let mut changed = evidence.clone();
    changed["events"][0]["event"]["detail"]["valid_until"] = "2099-12-31".into();
    let seq = changed["events"][0]["seq"].clone();
    std::fs::write(dir.path().join("changed.json"), changed.to_string()).expect("write");
    let out = mandates(
        dir.path(),
        database,
        &["audit", "verify", "--keys", keys, "--file", "changed.json"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", printed(&out));
    assert!(
        printed(&out).contains(&format!("event {seq}: not as recorded")),
        "{}",
        printed(&out)
    );
    server.kill();

    // Nothing to chain: the service chains as it writes.
    let out = mandates(dir.path(), database, &["audit", "chain"]);
    assert!(out.status.success(), "{}", printed(&out));
    assert!(
        printed(&out).contains("0 events chained"),
        "{}",
        printed(&out)
    );

    // One field of one stored event changed, outside the service.
    tamper(
        database,
        "UPDATE events SET person = '62092301281' WHERE seq = 5",
    )
    .await;
    let out = mandates(dir.path(), database, &["audit", "verify", "--keys", keys]);
    assert_eq!(out.status.code(), Some(1), "{}", printed(&out));
    let said = printed(&out);
    assert!(said.contains("event 5: not as recorded"), "{said}");
    assert!(said.contains("does not hold"), "{said}");
    assert!(said.trim_end().ends_with("NOT verified"), "{said}");

    // Keys that are not the service's: nothing holds; no keys at all: it cannot verify.
    let other = dir.path().join("other.json");
    std::fs::write(&other, r#"{"keys":[{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","kid":"other"}]}"#).expect("write");
    let out = mandates(
        dir.path(),
        database,
        &["audit", "verify", "--keys", other.to_str().expect("a path")],
    );
    assert_eq!(out.status.code(), Some(1), "{}", printed(&out));
    assert!(
        printed(&out).contains("which the keys do not hold"),
        "{}",
        printed(&out)
    );
    let out = mandates(
        dir.path(),
        database,
        &["audit", "verify", "--keys", "missing.json"],
    );
    assert_eq!(out.status.code(), Some(2), "{}", printed(&out));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_running_services_log_verifies_and_a_touched_one_is_named_on_sqlite() {
    let dir = tempfile::tempdir().expect("dir");
    let database = format!("sqlite://{}", dir.path().join("m.db").display());
    verified_then_touched(&database).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_running_services_log_verifies_and_a_touched_one_is_named_on_postgres() {
    let Some(db) = PostgresDatabase::create("audit").await else {
        return;
    };
    verified_then_touched(&db.url).await;
    db.drop_now().await;
}
