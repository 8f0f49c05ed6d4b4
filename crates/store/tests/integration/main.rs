//! The store as the server uses it, told as one story through the public API of `Store` and
//! `WriteTx`, on SQLite (a temporary file) and on PostgreSQL (a schema of its own, dropped
//! afterwards). The same story must read the same on both.

#![expect(
    clippy::expect_used,
    reason = "a test fails loudly at the step that broke"
)]

mod story;

use std::io::Write;

use mandates_store::Store;

/// The environment variable that names the PostgreSQL server of the tests.
const POSTGRES_ENV: &str = "TEST_POSTGRES_URL";

/// The PostgreSQL URL, or `None` after saying loudly that the PostgreSQL story is skipped.
/// Under CI (`CI` set) a missing PostgreSQL is a failure, never a skip.
fn postgres_url() -> Option<String> {
    match std::env::var(POSTGRES_ENV) {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            assert!(
                std::env::var_os("CI").is_none(),
                "{POSTGRES_ENV} is not set: the PostgreSQL tests are mandatory in CI"
            );
            // Written past the test harness's capture, so that a local run shows it.
            let _ = writeln!(
                std::io::stderr(),
                "\n*** PostgreSQL store story SKIPPED: set {POSTGRES_ENV}=postgres://postgres@127.0.0.1:5432/postgres to run it ***\n"
            );
            None
        }
    }
}

/// A database the story runs in, and the way to open another connection to it.
pub enum Database {
    Sqlite {
        dir: tempfile::TempDir,
    },
    Postgres {
        url: String,
        schema: String,
        /// Whether the schema is still there to drop.
        live: bool,
    },
}

impl Database {
    fn sqlite() -> Database {
        Database::Sqlite {
            dir: tempfile::tempdir().expect("a temporary directory for the SQLite file"),
        }
    }

    fn postgres(url: String) -> Database {
        Database::Postgres {
            url,
            schema: format!("store_story_{}", uuid::Uuid::new_v4().simple()),
            live: true,
        }
    }

    /// A new handle on the database, as another process of the service would open.
    pub async fn connect(&self) -> Store {
        match self {
            Database::Sqlite { dir } => {
                let url = format!("sqlite://{}", dir.path().join("story.db").display());
                Store::connect(&url).await.expect("open the SQLite file")
            }
            Database::Postgres { url, schema, .. } => Store::connect_in_schema(url, Some(schema))
                .await
                .unwrap_or_else(|e| panic!("PostgreSQL at {POSTGRES_ENV} is unreachable: {e}")),
        }
    }

    /// Drops the PostgreSQL schema through `store` (nothing to do on SQLite: the temporary
    /// directory goes with the value).
    pub async fn drop_with(&mut self, store: &Store) {
        if let Database::Postgres { schema, live, .. } = self {
            store
                .drop_schema(schema)
                .await
                .expect("drop the story's schema");
            *live = false;
        }
    }
}

impl Drop for Database {
    /// A story that failed half-way still leaves no schema behind.
    fn drop(&mut self) {
        let Database::Postgres {
            url,
            schema,
            live: true,
        } = self
        else {
            return;
        };
        let (url, schema) = (url.clone(), schema.clone());
        // Drop cannot await: the schema is dropped on a thread and runtime of its own.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime to drop the schema");
            runtime.block_on(async {
                if let Ok(store) = Store::connect(&url).await {
                    let _ = store.drop_schema(&schema).await;
                    store.close().await;
                }
            });
        })
        .join();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_story_on_sqlite() {
    story::run(Database::sqlite()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_story_on_postgres() {
    let Some(url) = postgres_url() else {
        return;
    };
    story::run(Database::postgres(url)).await;
}
