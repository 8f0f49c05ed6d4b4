//! Webhook subscriptions: added and listed per application, locked for a fan-out (on
//! PostgreSQL, a second fan-out skips what the first holds), their cursors moved only
//! forward in the fan-out's transaction, and taken out of service.

use mandates_store::Subscription;

use super::*;

fn subscription(client: &str, cursor: i64, now: Instant) -> Subscription {
    Subscription {
        id: Uuid::new_v4(),
        client_id: client.into(),
        url: format!("https://{client}.example.be/hook"),
        types: vec!["be.mandates.mandate.stopped".into()],
        secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".into(),
        cursor,
        created_at: now,
        disabled_at: None,
    }
}

pub(super) async fn webhooks(story: &Story) {
    let store = &story.store;
    let now = at("2026-03-01T10:00:00Z");
    let last = store.last_seq().await.expect("last");
    let behind = subscription("app-a", 0, now);
    let current = subscription("app-b", last, now);
    let mut tx = store.begin_unlocked().await.expect("begin");
    tx.add_webhook(&behind).await.expect("add");
    tx.add_webhook(&current).await.expect("add");
    tx.commit().await.expect("commit");
    assert_eq!(
        store.webhooks(Some("app-a")).await.expect("list"),
        std::slice::from_ref(&behind)
    );
    assert_eq!(store.webhooks(None).await.expect("list").len(), 2);
    assert!(store.webhook_work(last, now).await.expect("work"));

    // A fan-out locks the subscriptions behind the log, and only those.
    let mut fan_out = store.begin_unlocked().await.expect("begin");
    let locked = fan_out.lock_webhooks_behind(last, 10).await.expect("lock");
    assert_eq!(locked, std::slice::from_ref(&behind));
    if store.backend_name() == "postgres" {
        // Another instance's fan-out at the same time passes them by, without waiting.
        let mut other = store.begin_unlocked().await.expect("begin");
        assert!(
            other
                .lock_webhooks_behind(last, 10)
                .await
                .expect("lock")
                .is_empty(),
            "a locked subscription is skipped"
        );
        other.rollback().await.expect("rollback");
    }
    fan_out
        .set_webhook_cursor(behind.id, last)
        .await
        .expect("cursor");
    fan_out.commit().await.expect("commit");
    let moved = store
        .webhook(behind.id)
        .await
        .expect("read")
        .expect("there");
    assert_eq!(moved.cursor, last);
    // Never backwards.
    let mut tx = store.begin_unlocked().await.expect("begin");
    tx.set_webhook_cursor(behind.id, 1).await.expect("cursor");
    tx.commit().await.expect("commit");
    assert_eq!(
        store
            .webhook(behind.id)
            .await
            .expect("read")
            .map(|s| s.cursor),
        Some(last)
    );
    let mut tx = store.begin_unlocked().await.expect("begin");
    assert!(
        tx.lock_webhooks_behind(last, 10)
            .await
            .expect("lock")
            .is_empty()
    );
    tx.rollback().await.expect("rollback");

    // Taken out of service by its own application only.
    assert!(
        !store
            .disable_webhook(behind.id, Some("app-b"), now)
            .await
            .expect("disable")
    );
    assert!(
        store
            .disable_webhook(behind.id, Some("app-a"), now)
            .await
            .expect("disable")
    );
    assert!(
        !store
            .disable_webhook(behind.id, None, now)
            .await
            .expect("disable")
    );
    assert_eq!(store.webhooks(None).await.expect("list"), [current]);
    assert_eq!(
        store
            .webhook(behind.id)
            .await
            .expect("read")
            .and_then(|s| s.disabled_at),
        Some(now)
    );
}
