//! The API as a user meets it, on SQLite and on PostgreSQL.

#![expect(
    clippy::expect_used,
    reason = "a test fails loudly at the step that broke"
)]

#[path = "../support/mod.rs"]
mod support;

mod agreement;
mod auth;
mod bulk;
mod business;
mod concurrency;
mod idempotency;
mod lifecycle;
mod openapi;
mod refusals;
mod store;
