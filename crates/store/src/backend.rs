//! Connections and transactions per backend. SQL that differs between SQLite and
//! PostgreSQL lives here; the queries elsewhere are written once and run on both.

use std::str::FromStr;
use std::time::Duration;

use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};
use sqlx::{AssertSqlSafe, Executor, Postgres, Sqlite, Transaction};

use crate::{Result, StoreError};

/// Runs the same query code on whichever backend a handle holds.
macro_rules! on_pool {
    ($store:expr, $pool:ident => $body:expr) => {
        match &$store.backend {
            $crate::backend::Backend::Sqlite { read: $pool, .. } => $body,
            $crate::backend::Backend::Postgres($pool) => $body,
        }
    };
}

/// One connection made and closed before the pool, so that a database that cannot be
/// reached or entered is said plainly (a pool only says that it timed out).
async fn reach_postgres(options: &PgConnectOptions, within: Duration) -> Result<()> {
    use sqlx::Connection as _;
    let at = format!("{}:{}", options.get_host(), options.get_port());
    let connected = tokio::time::timeout(within, sqlx::PgConnection::connect_with(options)).await;
    let error = match connected {
        Ok(Ok(connection)) => {
            let _ = connection.close().await;
            return Ok(());
        }
        Ok(Err(e)) => e,
        Err(_) => {
            return Err(StoreError::Unreachable(format!(
                "no answer from the database at {at} within {} s",
                within.as_secs()
            )));
        }
    };
    Err(StoreError::Unreachable(match &error {
        sqlx::Error::Io(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
            format!("connection refused at {at}: is PostgreSQL running there?")
        }
        sqlx::Error::Io(e) => format!("the database at {at} cannot be reached: {e}"),
        sqlx::Error::Database(e) => format!("the database at {at} refused: {}", e.message()),
        other => format!("the database at {at} cannot be opened: {other}"),
    }))
}

/// Runs the same query code on the connection of either kind of write transaction.
macro_rules! on_tx {
    ($tx:expr, $conn:ident => $body:expr) => {
        match &mut $tx.inner {
            $crate::backend::TxInner::Sqlite(tx) => {
                let $conn = &mut **tx;
                $body
            }
            $crate::backend::TxInner::Postgres(tx) => {
                let $conn = &mut **tx;
                $body
            }
        }
    };
}

pub(crate) use {on_pool, on_tx};

#[derive(Clone)]
pub(crate) enum Backend {
    /// One connection writes (writes are serialized anyway), several read (WAL).
    Sqlite {
        read: SqlitePool,
        write: SqlitePool,
    },
    Postgres(PgPool),
}

/// A handle on the store; cheap to clone.
#[derive(Clone)]
pub struct Store {
    pub(crate) backend: Backend,
    /// Whether appended events are given their digest and chain value (always, but for
    /// measuring what that costs: [`Store::unchained`]).
    pub(crate) chain: bool,
}

/// A write transaction holding the store's write lock until commit or drop.
pub struct WriteTx {
    pub(crate) inner: TxInner,
    pub(crate) chain: bool,
}

pub(crate) enum TxInner {
    Sqlite(SqliteTx),
    Postgres(Transaction<'static, Postgres>),
}

/// A transaction on SQLite's one writing connection, begun and ended by hand. When SQLite
/// fails a statement or a commit for want of space it may roll the transaction back by
/// itself; sqlx's own transaction would then believe it still open and refuse every later
/// one. After any failure to end it, this connection is closed instead (closing rolls back
/// whatever is left) and the pool opens a fresh one.
pub(crate) struct SqliteTx {
    conn: PoolConnection<Sqlite>,
    open: bool,
}

impl SqliteTx {
    async fn begin(pool: &SqlitePool) -> Result<SqliteTx> {
        // Guarded from before BEGIN: a call cancelled while BEGIN runs (or a BEGIN that
        // fails) closes the connection rather than give the pool one inside a transaction.
        let mut tx = SqliteTx {
            conn: pool.acquire().await?,
            open: true,
        };
        tx.conn.execute("BEGIN IMMEDIATE").await?;
        Ok(tx)
    }

    async fn end(mut self, statement: &'static str) -> Result<()> {
        let ended = self.conn.execute(statement).await;
        if ended.is_err() {
            // Whatever state SQLite is in, a closed connection leaves nothing behind.
            self.conn.close_on_drop();
        }
        self.open = false;
        ended?;
        Ok(())
    }
}

impl std::ops::Deref for SqliteTx {
    type Target = sqlx::SqliteConnection;
    fn deref(&self) -> &Self::Target {
        &self.conn
    }
}

impl std::ops::DerefMut for SqliteTx {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.conn
    }
}

impl Drop for SqliteTx {
    fn drop(&mut self) {
        if self.open {
            // Dropped unfinished (an error or a cancelled request): closing the connection
            // rolls the transaction back and releases the write lock.
            self.conn.close_on_drop();
        }
    }
}

/// How the store connects.
#[derive(Debug, Clone)]
pub struct Options {
    /// How long a call waits for a database connection before the store answers that the
    /// database is unavailable (PostgreSQL).
    pub acquire_timeout: Duration,
    /// The largest the SQLite database may grow, in bytes; past it writes are refused as
    /// for a full disk. `None`: as large as the disk allows.
    pub sqlite_max_bytes: Option<u64>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            acquire_timeout: Duration::from_secs(2),
            sqlite_max_bytes: None,
        }
    }
}

/// The parameters of a PostgreSQL URL that the driver reads; it would log any other with its
/// value, which may be a secret (`sslpassword`).
const POSTGRES_PARAMETERS: &[&str] = &[
    "sslmode",
    "ssl-mode",
    "sslrootcert",
    "ssl-root-cert",
    "ssl-ca",
    "sslcert",
    "ssl-cert",
    "sslkey",
    "ssl-key",
    "statement-cache-capacity",
    "host",
    "hostaddr",
    "port",
    "dbname",
    "user",
    "password",
    "application_name",
    "options",
];

/// Refuses a parameter the driver does not read, by its name only.
fn check_postgres_parameters(url: &str) -> Result<()> {
    let Some((_, query)) = url.split_once('?') else {
        return Ok(());
    };
    let query = query.split('#').next().unwrap_or_default();
    for param in query.split('&').filter(|p| !p.is_empty()) {
        let name = param.split_once('=').map_or(param, |(name, _)| name);
        if !POSTGRES_PARAMETERS.contains(&name) && !name.starts_with("options[") {
            let shown = if crate::redact::is_plain(name) {
                name
            } else {
                "…"
            };
            return Err(StoreError::UnknownParameter(shown.to_owned()));
        }
    }
    Ok(())
}

/// SQLite's page size (its default, which the store keeps).
const SQLITE_PAGE: u64 = 4096;

impl Store {
    /// Connects to `sqlite://PATH` (created if missing) or `postgres://...`.
    pub async fn connect(url: &str) -> Result<Store> {
        Self::connect_in_schema(url, None).await
    }

    /// Connects like [`Store::connect`]; on PostgreSQL, works inside `schema` (created if
    /// missing). Tests use a schema each.
    pub async fn connect_in_schema(url: &str, schema: Option<&str>) -> Result<Store> {
        Self::connect_with(url, schema, &Options::default()).await
    }

    /// Connects like [`Store::connect_in_schema`], with `options`.
    pub async fn connect_with(url: &str, schema: Option<&str>, opts: &Options) -> Result<Store> {
        if url.starts_with("sqlite:") {
            let mut options = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(30))
                // SQLite's default page cache is 2 MiB; 64 MiB keeps the hot pages of the
                // mandates and the access log at hand.
                .pragma("cache_size", "-65536");
            if let Some(bytes) = opts.sqlite_max_bytes {
                options =
                    options.pragma("max_page_count", (bytes / SQLITE_PAGE).max(1).to_string());
            }
            let write = SqlitePoolOptions::new()
                .max_connections(1)
                .connect_with(options.clone())
                .await?;
            let read = SqlitePoolOptions::new()
                .max_connections(8)
                .connect_with(options)
                .await?;
            Ok(Store {
                backend: Backend::Sqlite { read, write },
                chain: true,
            })
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            check_postgres_parameters(url)?;
            let options = PgConnectOptions::from_str(url)?;
            reach_postgres(&options, opts.acquire_timeout).await?;
            let mut pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(opts.acquire_timeout);
            if let Some(schema) = schema {
                let quoted = format!("\"{}\"", schema.replace('"', ""));
                let admin = PgPoolOptions::new()
                    .max_connections(1)
                    .connect_with(options.clone())
                    .await?;
                admin
                    .execute(AssertSqlSafe(format!(
                        "CREATE SCHEMA IF NOT EXISTS {quoted}"
                    )))
                    .await?;
                admin.close().await;
                pool = pool.after_connect(move |conn, _| {
                    let set = format!("SET search_path TO {quoted}");
                    Box::pin(async move {
                        conn.execute(AssertSqlSafe(set)).await?;
                        Ok(())
                    })
                });
            }
            Ok(Store {
                backend: Backend::Postgres(pool.connect_with(options).await?),
                chain: true,
            })
        } else {
            Err(StoreError::UnsupportedUrl(crate::redact_url(url)))
        }
    }

    /// Applies the migrations that are not applied yet.
    pub async fn migrate(&self) -> Result<()> {
        match &self.backend {
            Backend::Sqlite { write, .. } => {
                sqlx::migrate!("./migrations/sqlite").run(write).await?
            }
            Backend::Postgres(pool) => sqlx::migrate!("./migrations/postgres").run(pool).await?,
        }
        let filled = self.fill_standing_columns().await?;
        if filled > 0 {
            tracing::info!(
                mandates = filled,
                "standing columns filled in from documents"
            );
        }
        Ok(())
    }

    /// Whether the database answers.
    pub async fn ping(&self) -> Result<()> {
        on_pool!(self, pool => { sqlx::query("SELECT 1").execute(pool).await?; });
        Ok(())
    }

    /// `"sqlite"` or `"postgres"`.
    pub fn backend_name(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite { .. } => "sqlite",
            Backend::Postgres(_) => "postgres",
        }
    }

    /// Begins a write transaction; it waits for the writer before it.
    pub async fn begin(&self) -> Result<WriteTx> {
        let inner = match &self.backend {
            Backend::Sqlite { write, .. } => TxInner::Sqlite(SqliteTx::begin(write).await?),
            Backend::Postgres(pool) => {
                let mut tx = pool.begin().await?;
                // Serializes writers: the sequence stays gapless and in commit order.
                sqlx::query("LOCK TABLE events IN EXCLUSIVE MODE")
                    .execute(&mut *tx)
                    .await?;
                TxInner::Postgres(tx)
            }
        };
        Ok(WriteTx {
            inner,
            chain: self.chain,
        })
    }

    /// The same store, whose appended events get no digest and no chain value, as before
    /// the chain existed: only to measure what the chain costs (the events it writes are
    /// chained afterwards by [`Store::chain_all_pending`]).
    pub fn unchained(&self) -> Store {
        Store {
            chain: false,
            ..self.clone()
        }
    }

    /// Begins a transaction that does not take the event lock: for writes outside the
    /// event log (the access log).
    pub async fn begin_unlocked(&self) -> Result<WriteTx> {
        let inner = match &self.backend {
            Backend::Sqlite { write, .. } => TxInner::Sqlite(SqliteTx::begin(write).await?),
            Backend::Postgres(pool) => TxInner::Postgres(pool.begin().await?),
        };
        Ok(WriteTx {
            inner,
            chain: self.chain,
        })
    }

    /// Notifications of new events from other writers (PostgreSQL only; `None` on SQLite,
    /// where a single process writes).
    pub async fn listen_events(&self) -> Result<Option<EventNotifications>> {
        match &self.backend {
            Backend::Sqlite { .. } => Ok(None),
            Backend::Postgres(pool) => {
                let mut listener = sqlx::postgres::PgListener::connect_with(pool).await?;
                listener.listen("mandates_events").await?;
                Ok(Some(EventNotifications(listener)))
            }
        }
    }

    /// Closes the connections.
    pub async fn close(&self) {
        match &self.backend {
            Backend::Sqlite { read, write } => {
                read.close().await;
                write.close().await;
            }
            Backend::Postgres(pool) => pool.close().await,
        }
    }

    /// Drops a PostgreSQL schema made for a test (no-op on SQLite).
    pub async fn drop_schema(&self, schema: &str) -> Result<()> {
        if let Backend::Postgres(pool) = &self.backend {
            let quoted = format!("\"{}\"", schema.replace('"', ""));
            // Never wait forever for a connection that still works in the schema.
            let mut conn = pool.acquire().await?;
            conn.execute("SET lock_timeout = '10s'").await?;
            conn.execute(AssertSqlSafe(format!(
                "DROP SCHEMA IF EXISTS {quoted} CASCADE"
            )))
            .await?;
        }
        Ok(())
    }
}

/// A stream of "new events were committed" signals.
pub struct EventNotifications(sqlx::postgres::PgListener);

impl EventNotifications {
    /// Waits for the next signal (reconnecting after a lost connection).
    pub async fn next(&mut self) -> Result<()> {
        self.0.recv().await?;
        Ok(())
    }
}

impl WriteTx {
    /// Undoes the transaction now and releases the write lock. (A transaction dropped
    /// without commit is rolled back too, but only when its connection is next used.)
    pub async fn rollback(self) -> Result<()> {
        match self.inner {
            TxInner::Sqlite(tx) => tx.end("ROLLBACK").await?,
            TxInner::Postgres(tx) => tx.rollback().await?,
        }
        Ok(())
    }

    pub async fn commit(self) -> Result<()> {
        match self.inner {
            TxInner::Sqlite(tx) => tx.end("COMMIT").await?,
            TxInner::Postgres(tx) => tx.commit().await?,
        }
        Ok(())
    }
}
