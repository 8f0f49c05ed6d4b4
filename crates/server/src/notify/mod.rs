//! What people are told, read and sent: the text of each notice (the same in the inbox and
//! in mail), the mail dispatcher that delivers the outbox's mails at least once, the
//! digests that join a burst of notices into one mail, and the connections to the SMTP
//! server.

pub mod digest;
pub mod mail;
pub mod render;
pub mod smtp;
