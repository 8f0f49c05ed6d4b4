//! The real `mandates` server as a test starts it: demo mode, no demo data, a free port.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::Value;

/// Citizen A of the demo identities.
pub const ANN: &str = "85073003328";

/// A period for the rows of a file: from two days after today to 300 days after. The server
/// runs on the real clock, so a file's dates must follow it (a fixed date ages into the past);
/// two days ahead is after today in Brussels whatever the hour.
pub fn file_period() -> (chrono::NaiveDate, chrono::NaiveDate) {
    #[expect(
        clippy::disallowed_methods,
        reason = "a separate server process reads the real clock too"
    )]
    let today = chrono::Utc::now().date_naive();
    (today + chrono::Days::new(2), today + chrono::Days::new(300))
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// The server process, killed when the test ends (also when it fails).
pub struct Server(Child);

impl Server {
    /// The process id.
    pub fn pid(&self) -> u32 {
        self.0.id()
    }

    /// Kills the process (SIGKILL) and waits for it.
    pub fn kill(mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `mandates serve --demo` on `database`, in `dir`, without demo data.
pub fn serve(dir: &Path, database: &str, port: u16) -> Server {
    serve_with(dir, database, port, false)
}

/// Starts `mandates serve --demo` on `database`, in `dir`, with or without its demo data.
pub fn serve_with(dir: &Path, database: &str, port: u16, demo_data: bool) -> Server {
    serve_configured(
        dir,
        database,
        port,
        &[(
            "MANDATES_DEMO_DATA",
            if demo_data { "true" } else { "false" },
        )],
    )
}

/// Starts `mandates serve --demo` on `database`, in `dir`, without demo data unless `env`
/// (configuration variables) says otherwise.
pub fn serve_configured(dir: &Path, database: &str, port: u16, env: &[(&str, &str)]) -> Server {
    let mut command = Command::new(env!("CARGO_BIN_EXE_mandates"));
    command
        .args(["--database", database, "serve", "--demo", "--bind"])
        .arg(format!("127.0.0.1:{port}"))
        .current_dir(dir)
        .env_remove("MANDATES_DATABASE_URL")
        .env("MANDATES_DEMO_DATA", "false")
        .env("MANDATES_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    for (name, value) in env {
        command.env(name, value);
    }
    Server(command.spawn().expect("the server starts"))
}

/// Waits until the server at `base` answers `/readyz`.
pub async fn ready(http: &reqwest::Client, base: &str) {
    for _ in 0..300 {
        if http
            .get(format!("{base}/readyz"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the server at {base} did not become ready");
}

/// Ann's token from the demo issuer (a new one after every start: the issuer's key is new).
pub async fn ann_token(http: &reqwest::Client, base: &str) -> String {
    person_token(http, base, ANN).await
}

/// A person's token from the demo issuer of the server at `base`.
pub async fn person_token(http: &reqwest::Client, base: &str, person: &str) -> String {
    access_token(
        http.post(format!("{base}/demo/token"))
            .json(&serde_json::json!({"sub": person})),
    )
    .await
}

/// The access token a token endpoint answers `request` with.
async fn access_token(request: reqwest::RequestBuilder) -> String {
    let answer: Value = request
        .send()
        .await
        .expect("token")
        .json()
        .await
        .expect("token body");
    answer["access_token"]
        .as_str()
        .expect("access token")
        .to_owned()
}

/// A database of its own on the test PostgreSQL server (`TEST_POSTGRES_URL`), dropped when
/// this is; `None` (with a notice) without one, a failure under CI.
pub struct PostgresDatabase {
    admin: sqlx::PgPool,
    name: String,
    pub url: String,
}

impl PostgresDatabase {
    pub async fn create(purpose: &str) -> Option<PostgresDatabase> {
        let Some(admin_url) = std::env::var("TEST_POSTGRES_URL")
            .ok()
            .filter(|u| !u.is_empty())
        else {
            assert!(
                std::env::var_os("CI").is_none(),
                "TEST_POSTGRES_URL is not set: the PostgreSQL tests are mandatory in CI"
            );
            eprintln!(
                "\n*** PostgreSQL {purpose} test SKIPPED: set TEST_POSTGRES_URL to run it ***\n"
            );
            return None;
        };
        let name = format!("{purpose}_{}", uuid::Uuid::new_v4().simple());
        let admin = sqlx::PgPool::connect(&admin_url).await.expect("postgres");
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&admin)
            .await
            .expect("create database");
        let url = match admin_url.rsplit_once('/') {
            Some((server, _)) => format!("{server}/{name}"),
            None => format!("{admin_url}/{name}"),
        };
        Some(PostgresDatabase { admin, name, url })
    }

    pub async fn drop_now(self) {
        let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE {} WITH (FORCE)",
            self.name
        )))
        .execute(&self.admin)
        .await;
    }
}

/// A token of the demo application of `fin`.
pub async fn client_token(http: &reqwest::Client, base: &str) -> String {
    access_token(http.post(format!("{base}/oauth/token")).form(&[
        ("grant_type", "client_credentials"),
        ("client_id", "demo-fin"),
        ("client_secret", "demo-secret"),
    ]))
    .await
}
