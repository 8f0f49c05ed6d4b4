//! The test application: the real router over a real store (a temporary SQLite file, or a
//! fresh PostgreSQL schema dropped afterwards), called in-process, with a manual clock.

#![allow(dead_code, reason = "each test binary uses a part of the support")]

use std::io::Write;
use std::sync::Once;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::BodyExt;
use mandates_domain::time::Instant;
use mandates_server::clock::Clock;
use mandates_server::config::Config;
use mandates_store::{Options, Store};
use serde_json::{Value, json};
use tower::ServiceExt;

pub mod issuer;
pub mod smtp;

/// The stores every store test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The environment variable that names the PostgreSQL server of the tests.
pub const POSTGRES_ENV: &str = "TEST_POSTGRES_URL";

static SKIP_NOTICE: Once = Once::new();

/// The PostgreSQL URL, or `None` after saying loudly that PostgreSQL tests are skipped.
/// Under CI (`CI` set) a missing PostgreSQL is a failure, never a skip.
pub fn postgres_url() -> Option<String> {
    match std::env::var(POSTGRES_ENV) {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            assert!(
                std::env::var_os("CI").is_none(),
                "{POSTGRES_ENV} is not set: the PostgreSQL tests are mandatory in CI"
            );
            SKIP_NOTICE.call_once(|| {
                // Written past the test harness's capture, so that a local run shows it.
                let _ = writeln!(
                    std::io::stderr(),
                    "\n*** PostgreSQL tests SKIPPED: set {POSTGRES_ENV}=postgres://postgres@127.0.0.1:5432/postgres to run them ***\n"
                );
            });
            None
        }
    }
}

/// A store on a backend: a temporary SQLite file, or a new PostgreSQL schema.
pub struct TestStore {
    pub store: Store,
    /// Room for what an instance keeps on local disk (its access log spool).
    scratch: tempfile::TempDir,
    schema: Option<(String, String)>,
    _dir: Option<tempfile::TempDir>,
}

impl TestStore {
    pub async fn new(backend: Backend) -> Option<TestStore> {
        Self::new_with(backend, &Options::default(), None).await
    }

    /// An SQLite store that refuses writes past 2 MiB as a full disk would.
    pub async fn small_sqlite() -> TestStore {
        let options = Options {
            sqlite_max_bytes: Some(2 << 20),
            ..Options::default()
        };
        TestStore::new_with(Backend::Sqlite, &options, None)
            .await
            .expect("an SQLite store")
    }

    /// A store connected with `options`; on PostgreSQL through `address` (`host:port`)
    /// instead of the server's own when given.
    pub async fn new_with(
        backend: Backend,
        options: &Options,
        address: Option<&str>,
    ) -> Option<TestStore> {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temporary directory");
                let url = format!("sqlite://{}", dir.path().join("test.db").display());
                let store = Store::connect_with(&url, None, options)
                    .await
                    .expect("sqlite store");
                store.migrate().await.expect("sqlite migrations");
                Some(TestStore {
                    store,
                    scratch: tempfile::tempdir().expect("temporary directory"),
                    schema: None,
                    _dir: Some(dir),
                })
            }
            Backend::Postgres => {
                let url = postgres_url()?;
                let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
                let through = match address {
                    Some(address) => via(&url, address),
                    None => url.clone(),
                };
                let store = Store::connect_with(&through, Some(&schema), options)
                    .await
                    .unwrap_or_else(|e| panic!("PostgreSQL at {POSTGRES_ENV} is unreachable: {e}"));
                store.migrate().await.expect("postgres migrations");
                Some(TestStore {
                    store,
                    scratch: tempfile::tempdir().expect("temporary directory"),
                    schema: Some((url, schema)),
                    _dir: None,
                })
            }
        }
    }

    /// The default configuration for an instance on this store, with a spool of its own.
    pub fn config(&self) -> Config {
        let mut config = Config::default();
        config.access_log.spool = Some(
            self.scratch
                .path()
                .join(format!("spool-{}", uuid::Uuid::new_v4().simple())),
        );
        // The evidence key, in a file outside the database as the operator keeps it.
        let key = self.scratch.path().join("evidence-key.pem");
        if !key.exists() {
            let pem = mandates_server::evidence::keys::generate_pem().expect("an evidence key");
            std::fs::write(&key, pem).expect("write the evidence key");
        }
        config.evidence.key_file = Some(key);
        // Checkpoints when a test asks for them, never in the middle of it.
        config.evidence.checkpoint_seconds = 0;
        config
    }

    /// A second connection to the same database (another process would do the same).
    pub async fn reconnect(&self) -> Store {
        match (&self.schema, &self._dir) {
            (Some((url, schema)), _) => Store::connect_in_schema(url, Some(schema))
                .await
                .expect("reconnect"),
            (None, Some(dir)) => Store::connect(&format!(
                "sqlite://{}",
                dir.path().join("test.db").display()
            ))
            .await
            .expect("reconnect"),
            _ => unreachable!("a test store is SQLite or PostgreSQL"),
        }
    }
}

impl TestStore {
    /// Runs SQL on the database behind the store, as an operator (or an older version of
    /// the service) would.
    pub async fn execute_raw(&self, sql: &str) {
        use sqlx::Executor;
        match (&self.schema, &self._dir) {
            (Some((url, schema)), _) => {
                let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(url)
                    .await
                    .expect("connect");
                conn.execute(sqlx::AssertSqlSafe(format!(
                    "SET search_path TO \"{schema}\""
                )))
                .await
                .expect("search path");
                conn.execute(sqlx::AssertSqlSafe(sql.to_owned()))
                    .await
                    .expect("raw SQL");
            }
            (None, Some(dir)) => {
                let url = format!("sqlite://{}", dir.path().join("test.db").display());
                let mut conn = <sqlx::SqliteConnection as sqlx::Connection>::connect(&url)
                    .await
                    .expect("connect");
                conn.execute(sqlx::AssertSqlSafe(sql.to_owned()))
                    .await
                    .expect("raw SQL");
            }
            _ => unreachable!("a test store is SQLite or PostgreSQL"),
        }
    }
}

impl TestStore {
    /// How many rows `table` holds, as an operator would count them.
    pub async fn count_rows(&self, table: &str) -> i64 {
        let sql = format!("SELECT COUNT(*) FROM {table}");
        match (&self.schema, &self._dir) {
            (Some((url, schema)), _) => {
                let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(url)
                    .await
                    .expect("connect");
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SET search_path TO \"{schema}\""
                )))
                .execute(&mut conn)
                .await
                .expect("search path");
                sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                    .fetch_one(&mut conn)
                    .await
                    .expect("count")
            }
            (None, Some(dir)) => {
                let url = format!("sqlite://{}", dir.path().join("test.db").display());
                let mut conn = <sqlx::SqliteConnection as sqlx::Connection>::connect(&url)
                    .await
                    .expect("connect");
                sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                    .fetch_one(&mut conn)
                    .await
                    .expect("count")
            }
            _ => unreachable!("a test store is SQLite or PostgreSQL"),
        }
    }
}

/// A PostgreSQL URL with its host and port replaced by `address`.
fn via(url: &str, address: &str) -> String {
    let (scheme, rest) = url.split_once("://").expect("a URL");
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    let user = authority
        .rsplit_once('@')
        .map(|(user, _)| format!("{user}@"));
    format!("{scheme}://{}{address}/{path}", user.unwrap_or_default())
}

impl Drop for TestStore {
    fn drop(&mut self) {
        if let Some((url, schema)) = self.schema.take() {
            // Drop the schema on a thread of its own: Drop cannot await.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("runtime");
                rt.block_on(async {
                    if let Ok(store) = Store::connect(&url).await {
                        let _ = store.drop_schema(&schema).await;
                        store.close().await;
                    }
                });
            })
            .join();
        }
    }
}

/// The start of every test's clock: a Monday morning in Brussels.
pub fn start() -> Instant {
    "2027-03-01T09:00:00Z".parse().expect("instant")
}

/// The application under test.
pub struct TestApp {
    pub router: Router,
    pub state: mandates_server::AppState,
    pub clock: Clock,
    pub db: TestStore,
    pub config: Config,
}

/// An answer: status, headers and JSON body (`Null` when empty).
#[derive(Debug)]
pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The stable code of a problem answer.
    pub fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or_default()
    }

    /// The field errors of a problem answer, as `(field, code)`.
    pub fn field_errors(&self) -> Vec<(String, String)> {
        self.body["errors"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|e| {
                        (
                            e["field"].as_str().unwrap_or_default().to_owned(),
                            e["code"].as_str().unwrap_or_default().to_owned(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    #[track_caller]
    pub fn expect(self, status: u16) -> Self {
        assert_eq!(
            self.status.as_u16(),
            status,
            "unexpected answer: {:#}",
            self.body
        );
        self
    }

    /// Asserts a problem with this status and code.
    #[track_caller]
    pub fn refused(self, status: u16, code: &str) -> Self {
        assert_eq!(
            (self.status.as_u16(), self.code()),
            (status, code),
            "unexpected answer: {:#}",
            self.body
        );
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json")
        );
        self
    }
}

impl TestApp {
    /// A demo-mode application without demo data (tokens from the demo issuer, through the
    /// same checks as a real issuer's).
    pub async fn new(backend: Backend) -> Option<TestApp> {
        Self::with_config(backend, |_| {}).await
    }

    pub async fn with_config(
        backend: Backend,
        adjust: impl FnOnce(&mut Config),
    ) -> Option<TestApp> {
        Self::on(TestStore::new(backend).await?, adjust).await
    }

    /// The application on a store made for the test.
    pub async fn on(db: TestStore, adjust: impl FnOnce(&mut Config)) -> Option<TestApp> {
        let mut config = Config {
            demo: true,
            demo_data: false,
            ..db.config()
        };
        adjust(&mut config);
        let clock = Clock::manual(start());
        let state = mandates_server::build(
            config.clone(),
            db.store.clone(),
            clock.clone(),
            "http://localhost",
        )
        .await
        .expect("application state");
        Some(TestApp {
            router: mandates_server::app::router(state.clone()),
            state,
            clock,
            db,
            config,
        })
    }

    pub async fn request(
        &self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<Value>,
    ) -> Resp {
        match body {
            Some(v) => {
                let mut headers = headers.to_vec();
                headers.push(("content-type", "application/json"));
                self.request_raw(method, path, &headers, Body::from(v.to_string()))
                    .await
            }
            None => self.request_raw(method, path, headers, Body::empty()).await,
        }
    }

    /// A request with any body; the answer's body read as JSON where it is.
    pub async fn request_raw(
        &self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Body,
    ) -> Resp {
        let mut builder = Request::builder().method(method).uri(path);
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        self.send(builder.body(body).expect("request")).await
    }

    /// Sends `request` as it is; the answer's body read as JSON where it is, else as text.
    pub async fn send(&self, request: Request<Body>) -> Resp {
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("response");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
        };
        Resp {
            status,
            headers,
            body,
        }
    }

    /// A token for a person from the demo issuer.
    pub async fn token(&self, person: &str) -> String {
        let resp = self
            .request(
                Method::POST,
                "/demo/token",
                &[],
                Some(json!({"sub": person})),
            )
            .await
            .expect(200);
        resp.body["access_token"]
            .as_str()
            .expect("token")
            .to_owned()
    }

    /// A person calling the API in their own name.
    pub async fn person(&self, number: &str) -> Caller<'_> {
        Caller {
            app: self,
            token: self.token(number).await,
            act_for: None,
            number: number.to_owned(),
        }
    }

    /// A person calling the API for an enterprise (`Act-For`).
    pub async fn for_enterprise(&self, person: &str, enterprise: &str) -> Caller<'_> {
        Caller {
            act_for: Some(enterprise.to_owned()),
            ..self.person(person).await
        }
    }

    /// A second instance of the service on the same database (as another server would be).
    pub async fn twin(&self) -> Router {
        self.twin_with(|_| {}).await
    }

    /// A second instance on the same database, its configuration adjusted.
    pub async fn twin_with(&self, adjust: impl FnOnce(&mut Config)) -> Router {
        let store = self.db.reconnect().await;
        let mut config = Config {
            access_log: self.db.config().access_log,
            ..self.config.clone()
        };
        adjust(&mut config);
        let state = mandates_server::build(config, store, self.clock.clone(), "http://localhost")
            .await
            .expect("second instance");
        mandates_server::app::router(state)
    }

    /// A business application's token (the demo client of a domain).
    pub async fn client_token(&self, domain: &str) -> String {
        let request = Request::builder()
            .method(Method::POST)
            .uri("/oauth/token")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(format!(
                "grant_type=client_credentials&client_id=demo-{domain}&client_secret=demo-secret"
            )))
            .expect("request");
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("response");
        assert_eq!(response.status(), StatusCode::OK);
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        let body: Value = serde_json::from_slice(&bytes).expect("json");
        body["access_token"].as_str().expect("token").to_owned()
    }

    /// The demo application of a domain, calling the API with its token.
    pub async fn application(&self, domain: &str) -> Caller<'_> {
        Caller {
            app: self,
            token: self.client_token(domain).await,
            act_for: None,
            number: format!("demo-{domain}"),
        }
    }

    /// Asks a check as the demo application of the type's domain.
    pub async fn check(&self, actor: &str, mandator: &str, type_code: &str) -> Value {
        let domain = type_code.split('.').next().unwrap_or_default();
        let auth = format!("Bearer {}", self.client_token(domain).await);
        let body = json!({"actor": actor, "mandator": mandator, "type": type_code});
        self.request(
            Method::POST,
            "/api/v1/checks",
            &[("authorization", auth.as_str()), ("accept-language", "en")],
            Some(body),
        )
        .await
        .expect(200)
        .body
    }

    pub fn advance_days(&self, days: i64) {
        self.clock.advance(chrono::Duration::days(days));
    }
}

/// Someone calling the API with a token.
pub struct Caller<'a> {
    pub app: &'a TestApp,
    pub token: String,
    pub act_for: Option<String>,
    pub number: String,
}

impl Caller<'_> {
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        extra: &[(&str, &str)],
        body: Option<Value>,
    ) -> Resp {
        let auth = format!("Bearer {}", self.token);
        let headers = self.headers(&auth, extra);
        self.app.request(method, path, &headers, body).await
    }

    /// Sends a body as it is (a file), with its content type.
    pub async fn send_raw(
        &self,
        method: Method,
        path: &str,
        extra: &[(&str, &str)],
        content_type: &str,
        body: Vec<u8>,
    ) -> Resp {
        let auth = format!("Bearer {}", self.token);
        let mut headers = self.headers(&auth, extra);
        headers.push(("content-type", content_type));
        self.app
            .request_raw(method, path, &headers, Body::from(body))
            .await
    }

    /// The caller's headers (its token, whom it acts for), then `extra`.
    fn headers<'h>(
        &'h self,
        auth: &'h str,
        extra: &[(&'h str, &'h str)],
    ) -> Vec<(&'h str, &'h str)> {
        let mut headers: Vec<(&str, &str)> = vec![("authorization", auth)];
        if let Some(e) = &self.act_for {
            headers.push(("act-for", e.as_str()));
        }
        headers.extend_from_slice(extra);
        headers
    }

    pub async fn get(&self, path: &str) -> Resp {
        self.send(Method::GET, path, &[], None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Resp {
        self.send(Method::POST, path, &[], Some(body)).await
    }

    pub async fn patch(&self, path: &str, body: Value) -> Resp {
        self.send(Method::PATCH, path, &[], Some(body)).await
    }

    /// Creates a mandate and returns it (asserting 201).
    pub async fn create(&self, body: Value) -> Value {
        self.post("/api/v1/mandates", body).await.expect(201).body
    }

    pub async fn mandate(&self, id: &str) -> Resp {
        self.get(&format!("/api/v1/mandates/{id}")).await
    }

    pub async fn action(&self, id: &str, action: &str, body: Value) -> Resp {
        self.post(&format!("/api/v1/mandates/{id}/{action}"), body)
            .await
    }

    pub async fn sign(&self, id: &str, version: u64) -> Resp {
        self.action(id, "sign", json!({"version": version})).await
    }

    /// The kinds of events in a mandate's history.
    pub async fn history(&self, id: &str) -> Vec<String> {
        let resp = self
            .get(&format!("/api/v1/mandates/{id}/history"))
            .await
            .expect(200);
        resp.body["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|e| e["kind"].as_str().unwrap_or_default().to_owned())
            .collect()
    }
}

/// Generates one test per backend from an async test body taking a `Backend`.
#[macro_export]
macro_rules! on_both_stores {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                // Several workers: background tasks (the index follower, the access log
                // writer) go on while a test's end drops its database.
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$name($crate::support::Backend::Sqlite).await;
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    super::$name($crate::support::Backend::Postgres).await;
                }
            }
        )*
    };
}

/// Demo numbers, valid.
pub const ANN: &str = "85073003328";
pub const BOB: &str = "90010112395";
pub const CARL: &str = "78021545667";
pub const DINA: &str = "05061207730";
pub const EVA: &str = "62092301281";
pub const OFFICE: &str = "0412345614";
pub const OTHER_OFFICE: &str = "0876543270";
pub const COMPANY: &str = "0203201340";

/// A mandate from Ann to Bob for the income tax return, until the end of the year.
pub fn tax_return(mandator: &str, mandatee: &str) -> Value {
    json!({"domain": "fin", "types": ["fin.tax_on_web"], "mandator": mandator, "mandatee": mandatee, "valid_until": "2027-12-31"})
}
