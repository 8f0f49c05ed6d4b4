//! The store of mandates: an append-only event log with current-state tables beside it,
//! on SQLite (the embedded default) or PostgreSQL.
//!
//! Every write runs in a [`WriteTx`]: writes are serialized, so the event sequence is
//! gapless and in commit order, and a rule checked inside the transaction (a version, an
//! exclusive type, an idempotency key) cannot be raced by another writer.

mod access_log;
mod backend;
mod bulk;
mod checkpoints;
mod clients;
mod codec;
mod events;
mod idempotency;
mod mandates;
mod meta;
mod names;
mod notices;
mod outbox;
mod redact;
mod roles;
mod sessions;
mod webhooks;

pub use access_log::AccessEntry;
pub use backend::{EventNotifications, Options, Store, WriteTx};
pub use bulk::{RowOutcome, StoredJob, StoredRow};
pub use checkpoints::Checkpoint;
pub use clients::{Client, SigningKey};
pub use events::{Appended, ChainRow, EventKind, Link, NewEvent, StoredEvent};
pub use idempotency::StoredResponse;
pub use mandates::Versioned;
pub use mandates::list::{MandateQuery, Page, RoleFilter};
pub use notices::{ContactPreferences, DueColumn, MailMode, NewNotice, StoredNotice};
pub use outbox::{Channel, Delivery, DeliveryStatus, NewDelivery, Settle};
pub use redact::redact_url;
pub use sessions::StoredSession;
pub use webhooks::Subscription;

/// A store failure. Its text is for operators, never for the client.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the database is unreachable or failed: {0}")]
    Database(#[from] sqlx::Error),
    /// The database could not be reached or entered when the service opened it, said
    /// plainly ("connection refused at host:port", "database x does not exist").
    #[error("{0}")]
    Unreachable(String),
    #[error("migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("stored data could not be read: {0}")]
    Corrupt(String),
    /// The URL as [`redact_url`] shows it.
    #[error("unsupported database URL {0:?}: use sqlite://PATH or postgres://...")]
    UnsupportedUrl(String),
    /// A connection parameter the driver would ignore, and log with its value.
    #[error("unknown database URL parameter {0:?}")]
    UnknownParameter(String),
    /// Another write changed the row first.
    #[error("the row was changed by another write")]
    Conflict,
}

impl StoreError {
    /// Whether the store was closed ([`Store::close`]): it never answers again.
    pub fn is_closed(&self) -> bool {
        matches!(self, StoreError::Database(sqlx::Error::PoolClosed))
    }

    /// Whether the database refused a write for want of space: a full disk, or SQLite's
    /// configured maximum size (writes succeed again once there is room).
    pub fn is_full(&self) -> bool {
        match self {
            StoreError::Database(sqlx::Error::Database(e)) => {
                // SQLite: SQLITE_FULL (13); PostgreSQL: disk_full (53100).
                matches!(e.code().as_deref(), Some("13" | "53100"))
            }
            StoreError::Database(sqlx::Error::Io(e)) => e.kind() == std::io::ErrorKind::StorageFull,
            _ => false,
        }
    }

    /// Whether the database could not be reached (as opposed to a failed statement).
    pub fn is_unavailable(&self) -> bool {
        match self {
            StoreError::Database(
                sqlx::Error::Io(_)
                | sqlx::Error::PoolTimedOut
                | sqlx::Error::PoolClosed
                | sqlx::Error::Tls(_)
                | sqlx::Error::Protocol(_)
                | sqlx::Error::WorkerCrashed,
            ) => true,
            StoreError::Database(sqlx::Error::Database(e)) => {
                let code = e.code().unwrap_or_default();
                // PostgreSQL: connection exceptions (08…), shutting down or starting (57P0…);
                // SQLite: busy (5) or locked (6) past the busy timeout.
                code.starts_with("08") || code.starts_with("57P0") || code == "5" || code == "6"
            }
            _ => false,
        }
    }
}

pub type Result<T> = std::result::Result<T, StoreError>;
