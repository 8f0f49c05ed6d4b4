//! The outbox and the inbox: messages written with a change, leased to one dispatcher at a
//! time, retried, failed and retried again, a batch settled at once; notices written once;
//! how a person wants to be told; what the scheduler looks at next.

use mandates_store::{
    Channel, ContactPreferences, DeliveryStatus, DueColumn, MailMode, NewDelivery, NewNotice,
    Settle,
};

use super::*;

fn delivery(target: &str, due: Instant) -> NewDelivery {
    NewDelivery {
        id: Uuid::new_v4(),
        channel: Channel::Mail,
        target: target.into(),
        seq: None,
        payload: json!({"kind": "awaiting_signature"}),
        due_at: due,
    }
}

fn notice(party: &str, kind: &str, once: Option<&str>, now: Instant) -> NewNotice {
    NewNotice {
        id: Uuid::new_v4(),
        party: party.into(),
        kind: kind.into(),
        mandate_id: None,
        seq: None,
        detail: json!({"deadline": "2026-04-01"}),
        created_at: now,
        read_at: None,
        once_key: once.map(str::to_owned),
    }
}

pub(super) async fn outbox(story: &Story, cast: &Cast) {
    let store = &story.store;
    let now = at("2026-03-01T10:00:00Z");
    let lease = Duration::seconds(60);

    // Written with a change that is rolled back: nothing to deliver.
    let mut tx = store.begin().await.expect("begin");
    tx.add_deliveries(&[delivery("person:x", now)])
        .await
        .expect("add a delivery");
    tx.rollback().await.expect("rollback");
    assert!(
        store
            .claim_deliveries(Channel::Mail, "a", now, lease, 10)
            .await
            .expect("claim")
            .is_empty(),
        "a rolled back change leaves no message"
    );

    // Committed: three due now, one later, one webhook.
    let due: Vec<NewDelivery> = (0..3)
        .map(|_| delivery(&format!("person:{ANN}"), now))
        .collect();
    let later = delivery(&format!("person:{BOB}"), now + Duration::minutes(5));
    let mut hook = delivery("subscription-1", now);
    hook.channel = Channel::Webhook;
    hook.seq = Some(7);
    let mut tx = store.begin().await.expect("begin");
    let mut all = due.clone();
    all.push(later.clone());
    all.push(hook.clone());
    tx.add_deliveries(&all).await.expect("add deliveries");
    tx.commit().await.expect("commit");

    // One instance leases two; another gets the third, never the same.
    let first = store
        .claim_deliveries(Channel::Mail, "a", now, lease, 2)
        .await
        .expect("claim");
    assert_eq!(first.len(), 2, "two of the three due mails");
    let second = store
        .claim_deliveries(Channel::Mail, "b", now, lease, 10)
        .await
        .expect("claim");
    assert_eq!(
        second.len(),
        1,
        "only the one not leased; the later one is not due"
    );
    assert!(first.iter().all(|d| d.id != second[0].id));
    let webhooks = store
        .claim_deliveries(Channel::Webhook, "b", now, lease, 10)
        .await
        .expect("claim");
    assert_eq!(webhooks.len(), 1, "channels are claimed apart");
    assert_eq!(webhooks[0].seq, Some(7));
    assert_eq!(webhooks[0].payload, hook.payload);

    // Delivered by its holder; a stranger cannot end what it does not hold.
    assert!(
        !store
            .mark_delivered(first[0].id, "b", now)
            .await
            .expect("mark")
    );
    assert!(
        store
            .mark_delivered(first[0].id, "a", now)
            .await
            .expect("mark")
    );
    assert!(
        !store
            .mark_delivered(first[0].id, "a", now)
            .await
            .expect("mark"),
        "delivered once"
    );

    // A failed attempt is due again later, with its reason, the lease released.
    let retry_at = now + Duration::seconds(30);
    assert!(
        store
            .retry_later(first[1].id, "a", retry_at, "421 try later")
            .await
            .expect("retry")
    );
    assert!(
        store
            .claim_deliveries(Channel::Mail, "c", now, lease, 10)
            .await
            .expect("claim")
            .is_empty(),
        "not due before its next attempt"
    );
    let again = store
        .claim_deliveries(Channel::Mail, "c", retry_at, lease, 10)
        .await
        .expect("claim");
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].id, first[1].id);
    assert_eq!(again[0].attempts, 1);
    assert_eq!(again[0].last_error.as_deref(), Some("421 try later"));

    // An instance that dies keeps its lease until it runs out; then another takes the row,
    // and the dead one can no longer end it.
    let dead = second[0].id;
    assert!(
        store
            .claim_deliveries(Channel::Mail, "d", now + Duration::seconds(59), lease, 10)
            .await
            .expect("claim")
            .iter()
            .all(|d| d.id != dead),
        "leased until the lease runs out"
    );
    let taken = store
        .claim_deliveries(Channel::Mail, "d", now + Duration::seconds(61), lease, 10)
        .await
        .expect("claim");
    assert!(
        taken.iter().any(|d| d.id == dead),
        "claimable again after the lease"
    );
    assert!(!store.mark_delivered(dead, "b", now).await.expect("mark"));

    // Failed after the last retry; an operator sends it again.
    assert!(
        store
            .mark_failed(again[0].id, "c", retry_at, "550 no such user")
            .await
            .expect("fail")
    );
    let failed = store
        .deliveries(Some(Channel::Mail), Some(DeliveryStatus::Failed), 10)
        .await
        .expect("failed");
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].last_error.as_deref(), Some("550 no such user"));
    assert_eq!(
        store
            .retry_failed(Some(Channel::Mail), &[], retry_at)
            .await
            .expect("retry failed"),
        1
    );
    let resent = store
        .delivery(again[0].id)
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(resent.status, DeliveryStatus::Pending);
    assert_eq!(resent.attempts, 0);

    // A digest takes every pending message of one person due by its end, and no other's.
    let digest = store
        .claim_target(
            Channel::Mail,
            &format!("person:{BOB}"),
            "e",
            now,
            now + Duration::minutes(10),
            lease,
            100,
        )
        .await
        .expect("claim a target");
    assert_eq!(
        digest.iter().map(|d| d.id).collect::<Vec<_>>(),
        vec![later.id]
    );
    // Held back for a digest: due later, the lease given up, no attempt counted; only the
    // holder may hold it back.
    let window_end = now + Duration::minutes(10);
    assert!(
        !store
            .postpone(later.id, "f", window_end)
            .await
            .expect("postpone")
    );
    assert!(
        store
            .postpone(later.id, "e", window_end)
            .await
            .expect("postpone")
    );
    assert!(
        store
            .claim_target(
                Channel::Mail,
                &format!("person:{BOB}"),
                "e",
                now,
                now,
                lease,
                100
            )
            .await
            .expect("claim a target")
            .is_empty(),
        "not due before the end of the window"
    );
    let held = store
        .claim_deliveries(Channel::Mail, "e", window_end, lease, 100)
        .await
        .expect("claim");
    let held = held
        .iter()
        .find(|d| d.id == later.id)
        .expect("due at the end of the window");
    assert_eq!(held.attempts, 0, "holding back is not a failed attempt");
    assert_eq!(held.due_at, window_end);
    assert!(held.last_error.is_none());
    assert!(
        store
            .mark_dropped(later.id, "e", now, "the mandate changed")
            .await
            .expect("drop")
    );
    let counts = store.delivery_counts().await.expect("counts");
    let count = |c, s| {
        counts
            .iter()
            .find(|(ch, st, _)| *ch == c && *st == s)
            .map_or(0, |(_, _, n)| *n)
    };
    assert_eq!(count(Channel::Mail, DeliveryStatus::Delivered), 1);
    assert_eq!(count(Channel::Mail, DeliveryStatus::Dropped), 1);
    assert_eq!(count(Channel::Mail, DeliveryStatus::Pending), 2);
    assert_eq!(count(Channel::Webhook, DeliveryStatus::Pending), 1);
    assert_eq!(
        store
            .last_delivered_to(Channel::Mail, &format!("person:{ANN}"))
            .await
            .expect("last"),
        Some(now)
    );

    // A dispatcher records a batch at once: each row as it ended, each delivered one at the
    // instant it was handed over; a row whose lease another instance took is left alone.
    let batch: Vec<NewDelivery> = (0..4)
        .map(|k| delivery(&format!("address:batch-{k}@example.test"), now))
        .collect();
    let mut tx = store.begin().await.expect("begin");
    tx.add_deliveries(&batch).await.expect("add deliveries");
    tx.commit().await.expect("commit");
    let mine: Vec<Uuid> = store
        .claim_deliveries(Channel::Mail, "g", now, lease, 100)
        .await
        .expect("claim")
        .iter()
        .map(|d| d.id)
        .filter(|id| batch.iter().any(|b| b.id == *id))
        .collect();
    assert_eq!(mine.len(), 4);
    let fourth = batch[3].id;
    let stolen = store
        .claim_deliveries(Channel::Mail, "h", now + lease, lease, 100)
        .await
        .expect("claim after the lease");
    assert!(stolen.iter().any(|d| d.id == fourth));
    let sent_at = |k: i64| now + Duration::milliseconds(k);
    let settled = store
        .settle_deliveries(
            "g",
            &[
                (batch[0].id, Settle::Delivered(sent_at(1))),
                (batch[1].id, Settle::Delivered(sent_at(2))),
                (
                    batch[2].id,
                    Settle::Retry(sent_at(60_000), "451 busy".into()),
                ),
                (fourth, Settle::Delivered(sent_at(3))),
            ],
        )
        .await
        .expect("settle");
    assert_eq!(
        settled, 0,
        "the lease of g ran out: another instance holds them all"
    );
    let settled = store
        .settle_deliveries(
            "h",
            &[
                (batch[0].id, Settle::Delivered(sent_at(1))),
                (batch[1].id, Settle::Delivered(sent_at(2))),
                (
                    batch[2].id,
                    Settle::Retry(sent_at(60_000), "451 busy".into()),
                ),
                (
                    fourth,
                    Settle::Failed(sent_at(3), "550 no such user".into()),
                ),
            ],
        )
        .await
        .expect("settle");
    assert_eq!(settled, 4);
    let read = |id: Uuid| async move { store.delivery(id).await.expect("read").expect("exists") };
    let first = read(batch[0].id).await;
    assert_eq!(first.status, DeliveryStatus::Delivered);
    assert_eq!(first.done_at, Some(sent_at(1)));
    assert_eq!(read(batch[1].id).await.done_at, Some(sent_at(2)));
    let retried = read(batch[2].id).await;
    assert_eq!(retried.status, DeliveryStatus::Pending);
    assert_eq!(retried.attempts, 1);
    assert_eq!(retried.due_at, sent_at(60_000));
    assert_eq!(retried.last_error.as_deref(), Some("451 busy"));
    let failed = read(fourth).await;
    assert_eq!(failed.status, DeliveryStatus::Failed);
    assert_eq!(failed.last_error.as_deref(), Some("550 no such user"));
    assert_eq!(
        store
            .settle_deliveries("h", &[(batch[0].id, Settle::Delivered(sent_at(9)))])
            .await
            .expect("settle"),
        0,
        "delivered once"
    );

    notices(story, cast).await;
}

async fn notices(story: &Story, cast: &Cast) {
    let store = &story.store;
    let now = at("2026-03-02T10:00:00Z");
    let mut tx = store.begin().await.expect("begin");
    let written = tx
        .add_notices(&[
            notice(ANN, "awaiting_signature", None, now),
            notice(
                ANN,
                "reminder_lapse",
                Some("lapse-5d:x:1"),
                now + Duration::seconds(1),
            ),
            notice(OFFICE, "awaiting_signature", None, now),
        ])
        .await
        .expect("add notices");
    assert_eq!(written.len(), 3);
    // The same key again, from a second scheduler: not written twice.
    let again = tx
        .add_notices(&[notice(ANN, "reminder_lapse", Some("lapse-5d:x:1"), now)])
        .await
        .expect("add notices");
    assert!(again.is_empty(), "a notice with a key is written once");
    tx.commit().await.expect("commit");

    let inbox = store.notices_of(ANN, None, 10).await.expect("inbox");
    assert_eq!(
        inbox.iter().map(|n| n.kind.as_str()).collect::<Vec<_>>(),
        ["reminder_lapse", "awaiting_signature"],
        "newest first, only Ann's"
    );
    let older = store
        .notices_of(ANN, Some((inbox[0].created_at, inbox[0].id)), 10)
        .await
        .expect("next page");
    assert_eq!(older.len(), 1);
    assert_eq!(older[0].id, inbox[1].id);
    assert_eq!(store.unread_notices(ANN, 100).await.expect("unread"), 2);
    assert_eq!(
        store
            .mark_notices_read(ANN, &[inbox[0].id], now)
            .await
            .expect("read"),
        1
    );
    assert_eq!(store.unread_notices(ANN, 100).await.expect("unread"), 1);
    assert_eq!(
        store
            .mark_notices_read(OFFICE, &[inbox[1].id], now)
            .await
            .expect("read"),
        0,
        "another party's notice stays unread"
    );
    assert_eq!(store.unread_notices(OFFICE, 100).await.expect("unread"), 1);

    // How a person wants to be told: defaults, then what they set.
    let ann = insz(ANN);
    assert_eq!(
        store.contact_preferences(&ann).await.expect("prefs"),
        ContactPreferences::default()
    );
    let prefs = ContactPreferences {
        email: Some("ann@example.org".into()),
        lang: Some("fr".into()),
        mail: MailMode::Daily,
    };
    store
        .set_contact_preferences(&ann, &prefs, now)
        .await
        .expect("set prefs");
    assert_eq!(store.contact_preferences(&ann).await.expect("prefs"), prefs);

    // The scheduler's window: pending mandates by deadline, after a mark, in order.
    let mut tx = store.begin().await.expect("begin");
    assert_eq!(tx.schedule_mark("lapse").await.expect("mark"), None);
    let origin = at("2000-01-01T00:00:00Z");
    let pending = tx
        .mandates_due(
            DueColumn::LapsesAt,
            (origin, ""),
            at("2100-01-01T00:00:00Z"),
            1000,
        )
        .await
        .expect("due");
    assert!(
        pending.iter().any(|(_, m)| m.id == cast.b.id),
        "a pending mandate has a deadline"
    );
    assert!(
        pending
            .windows(2)
            .all(|w| (w[0].0, w[0].1.id) < (w[1].0, w[1].1.id))
    );
    let (first_at, first) = (pending[0].0, pending[0].1.id.to_string());
    let rest = tx
        .mandates_due(
            DueColumn::LapsesAt,
            (first_at, &first),
            at("2100-01-01T00:00:00Z"),
            1000,
        )
        .await
        .expect("due");
    assert_eq!(
        rest.len(),
        pending.len() - 1,
        "the mark excludes what was looked at"
    );
    tx.set_schedule_mark("lapse", first_at, &first)
        .await
        .expect("set mark");
    tx.commit().await.expect("commit");
    let mut tx = store.begin().await.expect("begin");
    assert_eq!(
        tx.schedule_mark("lapse").await.expect("mark"),
        Some((first_at, first))
    );
    tx.rollback().await.expect("rollback");
}
