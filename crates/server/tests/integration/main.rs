//! The server as its users meet it, on SQLite and on PostgreSQL: the REST and business
//! APIs, acting for enterprises, and the web pages in-process. One test binary: each costs a
//! link.

#![expect(
    clippy::expect_used,
    reason = "a test fails loudly at the step that broke"
)]

mod support;

mod api;
mod enterprises;
mod web;
