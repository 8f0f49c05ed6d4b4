//! The server as its users meet it, on SQLite and on PostgreSQL: the REST and business
//! APIs, acting for enterprises, the web pages in-process, and who may do what, asked of the
//! API and the pages alike. One test binary: each costs a link.

#![expect(
    clippy::expect_used,
    reason = "a test fails loudly at the step that broke"
)]

mod support;

mod api;
mod enterprises;
mod evidence;
mod mail;
mod notices;
mod permissions;
mod web;
mod webhooks;
