//! A second handle on the same database, as a second server would open.

use super::*;

/// What a process of the service does when it starts: the mode, the catalog, and the event
/// that says the catalog was loaded.
pub(super) async fn start_up(store: &Store, catalog: &Catalog, now: Instant) -> i64 {
    let mut tx = store.begin().await.expect("begin");
    assert_eq!(
        tx.init_meta("mode", "production").await.expect("mode"),
        "production"
    );
    tx.put_catalog(catalog).await.expect("catalog");
    let last = tx
        .append(&[NewEvent {
            kind: EventKind::CatalogLoaded,
            subject: "catalog".into(),
            at: now,
            person: None,
            party: None,
            auth: serde_json::Value::Null,
            version: 0,
            detail: json!({"by": store.backend_name()}),
        }])
        .await
        .expect("append")
        .last;
    tx.commit().await.expect("commit");
    last
}

/// A second handle on the same database, as a second server would open, reads everything
/// the first committed; writers on both take turns and the sequence stays gapless.
pub(super) async fn a_second_store_sees_what_the_first_committed(
    story: &mut Story,
    db: &Database,
    cast: &Cast,
) {
    let first = &story.store;
    let second = db.connect().await;
    second
        .migrate()
        .await
        .expect("a second process migrates: nothing to do");
    assert_eq!(second.backend_name(), first.backend_name());
    let all_events = |s: &Store| {
        let s = s.clone();
        async move { s.events_after(0, 10_000).await.expect("every event") }
    };
    let log: Vec<StoredEvent> = all_events(first).await;
    assert_eq!(log.len() as i64, story.seq);
    assert_eq!(all_events(&second).await, log);
    assert_eq!(second.last_seq().await.expect("last"), story.seq);
    assert_eq!(
        second.catalog().await.expect("catalog"),
        Some(story.catalog.clone())
    );
    assert_eq!(
        second.meta("mode").await.expect("meta").as_deref(),
        Some("production")
    );
    let everyone: Vec<Uuid> = [
        &cast.first,
        &cast.a,
        &cast.b,
        &cast.c,
        &cast.d,
        &cast.e,
        &cast.f,
        &cast.g,
    ]
    .iter()
    .map(|m| m.id)
    .collect();
    let mut from_first = first.mandates_by_ids(&everyone).await.expect("mandates");
    let mut from_second = second.mandates_by_ids(&everyone).await.expect("mandates");
    from_first.sort_by_key(|m| m.id);
    from_second.sort_by_key(|m| m.id);
    assert_eq!(from_second, from_first);
    let now = at("2027-03-03T11:00:00Z");
    let anns = MandateQuery::of(party(ANN), ReadScope::All);
    assert_eq!(
        second.list_mandates(&anns, now).await.expect("list").items,
        first.list_mandates(&anns, now).await.expect("list").items
    );
    assert_eq!(
        second.all_roles().await.expect("roles"),
        first.all_roles().await.expect("roles")
    );
    assert_eq!(
        second.clients().await.expect("clients"),
        first.clients().await.expect("clients")
    );
    assert_eq!(
        keys(&second.signing_keys().await.expect("keys")),
        keys(&first.signing_keys().await.expect("keys"))
    );
    assert_eq!(
        log_pages(&second, ANN, None, 50).await,
        log_pages(first, ANN, None, 50).await
    );
    let jobs = first.running_bulk_jobs().await.expect("running");
    assert_eq!(second.running_bulk_jobs().await.expect("running"), jobs);

    // Both start at once: the second waits for the first's write lock, reads nothing the
    // first has not committed, and appends after it.
    let before = story.seq;
    let mut tx = first.begin().await.expect("the first takes the write lock");
    let waiting = {
        let second = second.clone();
        let catalog = story.catalog.clone();
        tokio::spawn(async move { start_up(&second, &catalog, now).await })
    };
    tx.append(&[NewEvent {
        kind: EventKind::CatalogLoaded,
        subject: "catalog".into(),
        at: now,
        person: None,
        party: None,
        auth: serde_json::Value::Null,
        version: 0,
        detail: json!({"by": "the first"}),
    }])
    .await
    .expect("append");
    assert_eq!(
        second.last_seq().await.expect("last"),
        before,
        "nothing uncommitted is seen"
    );
    tx.commit().await.expect("commit");
    let second_last = waiting.await.expect("the second's start-up");
    assert_eq!(second_last, before + 2, "after the first, without a gap");
    story.seq = second_last;
    let tail = first.events_after(before, 10).await.expect("events");
    assert_eq!(
        tail.iter()
            .map(|e| (
                e.seq,
                e.detail["by"].as_str().unwrap_or_default().to_owned()
            ))
            .collect::<Vec<_>>(),
        [
            (before + 1, "the first".to_owned()),
            (before + 2, second.backend_name().to_owned())
        ]
    );
    assert_eq!(second.events_after(before, 10).await.expect("events"), tail);
    second.close().await;
}
