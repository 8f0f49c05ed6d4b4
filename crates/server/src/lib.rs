//! The HTTP server of mandates: the self-service web pages, the REST API v1 with its
//! OpenAPI document, bearer-token authentication, the demo issuer, and the application
//! services they share.

pub mod access_log;
pub mod api;
pub mod app;
pub mod auth;
pub mod clock;
pub mod config;
pub mod demo;
pub mod error;
pub mod events;
pub mod evidence;
pub mod http;
pub mod i18n;
pub mod index;
pub mod notify;
pub mod service;
mod state;
pub mod text;
pub mod tokens;
pub mod web;
pub mod webhooks;

pub use state::{AppState, CHAIN_BATCH, StartupError, build, check_bind};
