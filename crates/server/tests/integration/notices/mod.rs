//! Who is told what: the notices and mails each change writes in its own transaction, and
//! those the scheduler writes as time passes. Read back from the store: the inbox and the
//! outbox as the dispatchers and pages find them.

mod matrix;
mod schedule;

use mandates_store::{Channel, Delivery, StoredNotice};

use crate::support::*;

/// A party's notices, newest first.
pub async fn inbox(app: &TestApp, party: &str) -> Vec<StoredNotice> {
    app.db
        .store
        .notices_of(party, None, 1000)
        .await
        .unwrap_or_else(|e| panic!("the inbox of {party}: {e}"))
}

/// The kinds of a party's notices, oldest first, with whether each is unread.
pub async fn told(app: &TestApp, party: &str) -> Vec<(String, bool)> {
    let mut notices = inbox(app, party).await;
    notices.reverse();
    notices
        .into_iter()
        .map(|n| (n.kind, n.read_at.is_none()))
        .collect()
}

/// The mails waiting for a person (`person:<number>`) or an address (`address:<email>`),
/// oldest first.
pub async fn mails_to(app: &TestApp, target: &str) -> Vec<Delivery> {
    let mut mails = app
        .db
        .store
        .deliveries_to(Channel::Mail, target, 1000)
        .await
        .unwrap_or_else(|e| panic!("the mails to {target}: {e}"));
    mails.reverse();
    mails
}

/// The kinds of the mails to a target, oldest first.
pub async fn mail_kinds(app: &TestApp, target: &str) -> Vec<String> {
    mails_to(app, target)
        .await
        .iter()
        .map(|d| d.payload["kind"].as_str().unwrap_or_default().to_owned())
        .collect()
}

pub fn person(number: &str) -> String {
    format!("person:{number}")
}

pub fn unread(kind: &str) -> (String, bool) {
    (kind.to_owned(), true)
}

pub fn read(kind: &str) -> (String, bool) {
    (kind.to_owned(), false)
}
