//! Webhooks: business applications subscribe an address, and every event of their domain
//! (of the types they chose) is sent there as a CloudEvent signed per Standard Webhooks.
//!
//! - `subscribe.rs`: making, listing and removing subscriptions;
//! - `address.rs`: which addresses may receive (public `https` only, unless configured);
//! - `signing.rs`: the secret and the signature;
//! - `dispatcher.rs`: the task of each instance that fans events out to the outbox and
//!   delivers them, with retries.

pub mod address;
pub mod dispatcher;
pub mod signing;
pub mod subscribe;
