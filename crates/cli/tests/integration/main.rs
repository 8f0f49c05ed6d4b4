//! The `mandates` command as its users meet it: its subcommands, the bulk command against
//! a real server, a bulk job and the outbox that survive a killed server, and the pages in a
//! real browser.
//! One test binary: each costs a link.

#![expect(
    clippy::expect_used,
    reason = "a test fails loudly at the step that broke"
)]

mod server;

mod access_log;
mod audit;
mod browser;
mod bulk;
mod commands;
mod outbox_kill;
mod resume;
mod schema;
mod slow_clients;
mod upload_memory;
