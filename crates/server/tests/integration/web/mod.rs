//! The web pages as a browser meets them, in-process, on SQLite and on PostgreSQL: sessions,
//! anti-forgery, security headers, languages, and the pages' changes going through the same
//! rules as the API. (The whole journey in a real browser is in `e2e/`.)

pub mod browser;
mod flows;
mod forms;
mod inbox;
mod login;
mod names;
mod nav;
mod pages;
mod sessions;
