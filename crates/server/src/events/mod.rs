//! What business applications learn of changes: the event log as CloudEvents, read from a
//! resumable feed whose cursor is the event sequence.
//!
//! - `cloud.rs`: a stored event as the CloudEvent an application of the domain may see;
//! - `feed.rs`: reading them in log order after a cursor, waiting for new ones.

pub mod cloud;
pub mod feed;

pub use cloud::{CloudEvent, Fact};
