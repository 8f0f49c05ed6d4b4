//! When mail does not go: an SMTP server that is down (tried again, later and later, then
//! failed with the reason, and sent when an operator retries it), one that refuses a
//! recipient for good, and a dispatcher killed in the middle of a delivery.

use chrono::Duration;
use mandates_store::{Channel, DeliveryStatus};
use serde_json::json;
use uuid::Uuid;

use super::{app_with, detail, dispatch, dispatcher, notify, status};
use crate::on_both_stores;
use crate::support::smtp::SmtpSink;
use crate::support::{BOB, Backend};

on_both_stores!(
    a_server_that_is_down_is_tried_again_then_given_up,
    a_recipient_refused_for_good_fails_at_once,
    a_dispatcher_killed_mid_delivery_leaves_the_mail_to_the_next,
    a_server_that_does_not_speak_tls_is_tried_again,
);

async fn a_server_that_does_not_speak_tls_is_tried_again(backend: Backend) {
    let Some(sink) = SmtpSink::start() else {
        return;
    };
    // TLS from the start, to a server that speaks plain SMTP: the handshake fails.
    let url = format!("smtps://127.0.0.1:{}", sink.port);
    let Some(app) = app_with(backend, &url).await else {
        return;
    };
    let id = notify(
        &app,
        BOB,
        "in_force",
        detail(Uuid::new_v4()),
        json!({"email": "bob@example.test"}),
    )
    .await;
    dispatch(&app).await;
    let (pending, reason) = status(&app, id).await;
    assert_eq!(pending, DeliveryStatus::Pending, "tried again later");
    assert!(reason.is_some(), "with the reason");
    assert!(sink.received().is_empty());
}

/// An address nothing listens on.
fn closed_port() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("address").port();
    drop(listener);
    format!("smtp://127.0.0.1:{port}")
}

async fn a_server_that_is_down_is_tried_again_then_given_up(backend: Backend) {
    let Some(sink) = SmtpSink::start() else {
        return;
    };
    let Some(app) = app_with(backend, &closed_port()).await else {
        return;
    };
    let id = notify(
        &app,
        BOB,
        "in_force",
        detail(Uuid::new_v4()),
        json!({"email": "bob@example.test"}),
    )
    .await;

    dispatch(&app).await;
    let store = app.state.store();
    let first = store.delivery(id).await.expect("read").expect("exists");
    assert_eq!(first.status, DeliveryStatus::Pending, "tried again later");
    assert_eq!(first.attempts, 1);
    assert!(first.last_error.is_some(), "with the reason");
    assert_eq!(first.due_at, app.clock.now() + Duration::minutes(1));

    // Later and later, until `retry_hours` (1 here) after it was written.
    let mut waits = Vec::new();
    let mut last_due = first.due_at;
    for _ in 0..10 {
        app.clock.set(last_due);
        dispatch(&app).await;
        let d = store.delivery(id).await.expect("read").expect("exists");
        if d.status != DeliveryStatus::Pending {
            break;
        }
        waits.push((d.due_at - last_due).num_minutes());
        last_due = d.due_at;
    }
    assert_eq!(waits, vec![2, 4, 8, 16], "the wait doubles");
    let (failed, reason) = status(&app, id).await;
    assert_eq!(failed, DeliveryStatus::Failed, "given up after retry_hours");
    assert!(
        reason.as_deref().is_some_and(|r| r.contains("onnect")),
        "the reason says the server could not be reached: {reason:?}"
    );

    // The operator sends it again once the server is back.
    assert_eq!(
        store
            .retry_failed(Some(Channel::Mail), &[id], app.clock.now())
            .await
            .expect("retry"),
        1
    );
    dispatcher(&app, &sink.url())
        .tick()
        .await
        .expect("dispatch");
    assert_eq!(sink.received().len(), 1);
    assert_eq!(status(&app, id).await.0, DeliveryStatus::Delivered);
}

async fn a_recipient_refused_for_good_fails_at_once(backend: Backend) {
    let Some(sink) = SmtpSink::start() else {
        return;
    };
    let Some(app) = app_with(backend, &sink.url()).await else {
        return;
    };
    let refused = notify(
        &app,
        BOB,
        "in_force",
        detail(Uuid::new_v4()),
        json!({"email": "bounce@example.test"}),
    )
    .await;
    let busy = notify(
        &app,
        super::ANN,
        "in_force",
        detail(Uuid::new_v4()),
        json!({"email": "busy@example.test"}),
    )
    .await;
    dispatch(&app).await;
    let (failed, reason) = status(&app, refused).await;
    assert_eq!(failed, DeliveryStatus::Failed, "no retry of a 5xx");
    assert!(
        reason.as_deref().is_some_and(|r| r.contains("550")),
        "{reason:?}"
    );
    let (pending, reason) = status(&app, busy).await;
    assert_eq!(pending, DeliveryStatus::Pending, "a 4xx is tried again");
    assert!(
        reason.as_deref().is_some_and(|r| r.contains("451")),
        "{reason:?}"
    );
    assert!(sink.received().is_empty());
}

async fn a_dispatcher_killed_mid_delivery_leaves_the_mail_to_the_next(backend: Backend) {
    let Some(sink) = SmtpSink::start() else {
        return;
    };
    let Some(app) = app_with(backend, &sink.url()).await else {
        return;
    };
    let id = notify(
        &app,
        BOB,
        "in_force",
        detail(Uuid::new_v4()),
        json!({"email": "bob@example.test"}),
    )
    .await;

    // Another instance claims it and connects to an SMTP server that never answers; it is
    // killed there, holding the lease.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!(
        "smtp://127.0.0.1:{}",
        silent.local_addr().expect("address").port()
    );
    let other = dispatcher(&app, &url);
    let task = tokio::spawn(async move {
        let _ = other.tick().await;
    });
    let (connection, _) = silent.accept().await.expect("the other instance connects");
    task.abort();
    let _ = task.await;
    drop(connection);

    // Its lease holds the mail for a while...
    assert_eq!(dispatch(&app).await, 0, "leased by the killed instance");
    assert!(sink.received().is_empty());
    // ... then the next claim delivers it.
    app.clock
        .advance(app.config.mail.lease() + Duration::seconds(1));
    assert_eq!(dispatch(&app).await, 1);
    let mails = sink.received();
    assert_eq!(mails.len(), 1);
    assert!(
        mails[0]
            .header("message-id")
            .is_some_and(|m| m.contains(&id.to_string()))
    );
    assert_eq!(status(&app, id).await.0, DeliveryStatus::Delivered);
}
