//! The API as a user meets it, on SQLite and on PostgreSQL.

mod access_log;
mod agreement;
mod auth;
mod authzen;
mod bulk;
mod business;
mod client_auth;
mod concurrency;
mod contracts;
mod control_characters;
mod events;
mod idempotency;
mod introspection;
mod lifecycle;
mod limits;
mod openapi;
mod outages;
pub mod paging;
mod rate_limits;
mod refusals;
mod snapshot_files;
mod store;
