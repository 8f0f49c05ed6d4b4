//! Mandates and their events: written, read back, signed at a row version, made many at
//! one instant.

use super::*;

/// Ann gives Bob her income tax return: the mandate and its events, read back every way.
pub(super) async fn a_mandate_and_its_events(story: &mut Story) -> Mandate {
    let t0 = at("2027-03-01T09:00:00Z");
    let (pending, events) = Mandate::create(
        Uuid::new_v4(),
        &draft("fin", &["fin.tax_on_web"], ANN, BOB, Some("2027-12-31")),
        &person(ANN),
        &story.catalog,
        t0,
    )
    .expect("the domain accepts the draft");
    let mut tx = story.store.begin().await.expect("begin");
    tx.put_mandate(&pending, None).await.expect("a new mandate");
    story.append(&mut tx, &new_events(&events)).await;
    tx.commit().await.expect("commit");

    assert_eq!(
        story.store.mandate(pending.id).await.expect("read"),
        Some(pending.clone())
    );
    assert_eq!(
        story.store.mandate(Uuid::new_v4()).await.expect("read"),
        None
    );
    assert_eq!(story.store.last_seq().await.expect("last"), story.seq);
    let log = story.store.events_after(0, 100).await.expect("events");
    assert_eq!(
        log.iter().map(|e| e.seq).collect::<Vec<_>>(),
        (1..=story.seq).collect::<Vec<_>>(),
        "gapless from 1"
    );
    assert_eq!(log[0].kind, EventKind::CatalogLoaded);
    assert_eq!(
        log[0].kind.stream(),
        "catalog",
        "the catalog has its own stream"
    );
    let of = story
        .store
        .events_of("mandate", &pending.id.to_string())
        .await
        .expect("events of the mandate");
    assert_eq!(of, log[1..], "the mandate's stream is the rest of the log");
    assert_eq!(of.len(), events.len());
    for (stored, event) in of.iter().zip(&events) {
        assert_eq!(stored.kind, EventKind::Mandate(event.kind));
        assert_eq!(
            (
                stored.at,
                stored.person.as_deref(),
                stored.party.as_deref(),
                stored.version,
                &stored.detail
            ),
            (
                event.at,
                Some(ANN),
                Some(ANN),
                i64::from(event.version),
                &event.detail
            )
        );
        assert_eq!(
            stored.auth,
            serde_json::to_value(&event.auth).expect("auth as JSON")
        );
    }
    assert_eq!(
        of.iter().map(|e| e.kind).collect::<Vec<_>>(),
        [
            EventKind::Mandate(mandate::EventKind::Created),
            EventKind::Mandate(mandate::EventKind::Signed)
        ]
    );
    assert_eq!(
        story.store.events_after(1, 1).await.expect("events"),
        log[1..2],
        "a window of the log"
    );
    assert!(
        story
            .store
            .events_after(story.seq, 10)
            .await
            .expect("events")
            .is_empty()
    );
    assert!(
        story
            .store
            .events_of("role", OFFICE)
            .await
            .expect("events")
            .is_empty()
    );
    pending
}

/// Bob signs at the row version he read; a write at an older version is a conflict and
/// changes nothing.
pub(super) async fn a_stale_write_changes_nothing(story: &mut Story, pending: Mandate) -> Mandate {
    let t1 = at("2027-03-01T09:30:00Z");
    let catalog = story.catalog.clone();
    let mut outcome = None;
    let active = story
        .change(pending.id, |m, others| {
            let (o, events) = m
                .sign(&person(BOB), 1, others, &catalog, t1)
                .expect("Bob signs");
            outcome = Some(o);
            events
        })
        .await;
    assert_eq!(outcome, Some(SignOutcome::Activated { replaces: None }));
    assert_eq!(active.status_at(t1), Status::Active);

    let mut tx = story.store.begin().await.expect("begin");
    let read = tx
        .mandate(pending.id)
        .await
        .expect("read")
        .expect("the mandate exists");
    assert_eq!((read.row_version, &read.value), (2, &active));
    assert!(
        matches!(
            tx.put_mandate(&pending, Some(1)).await,
            Err(StoreError::Conflict)
        ),
        "a write at a row version that is gone"
    );
    assert!(
        matches!(
            tx.put_mandate(&pending, None).await,
            Err(StoreError::Conflict)
        ),
        "an id that exists is no new mandate"
    );
    assert!(
        matches!(
            tx.put_new_mandates(std::slice::from_ref(&pending)).await,
            Err(StoreError::Conflict)
        ),
        "nor among new mandates"
    );
    tx.rollback().await.expect("rollback");
    assert_eq!(
        story.store.mandate(pending.id).await.expect("read"),
        Some(active.clone()),
        "the conflicts changed nothing"
    );
    assert_eq!(story.store.last_seq().await.expect("last"), story.seq);
    active
}

/// Five mandates of Ann made at one instant (and two of others), written many to a
/// statement; then some are signed or withdrawn.
pub(super) async fn mandates_sharing_an_instant(story: &mut Story, first: Mandate) -> Cast {
    // Microseconds are kept: the instant must read back exactly for ties to be ties.
    let made = at("2027-03-01T10:00:00.123456Z");
    let drafts = [
        (
            draft(
                "fin",
                &["fin.myminfin_consult"],
                ANN,
                CARL,
                Some("2027-12-31"),
            ),
            ANN,
        ),
        (draft("fin", &["fin.tax_on_web"], ANN, OFFICE, None), ANN),
        (
            draft(
                "fin",
                &["fin.myminfin_consult"],
                BOB,
                ANN,
                Some("2027-12-31"),
            ),
            BOB,
        ),
        (
            draft(
                "vlaanderen",
                &["vlaanderen.burgerprofiel"],
                ANN,
                DINA,
                Some("2027-12-31"),
            ),
            ANN,
        ),
        (draft("fin", &["fin.biztax"], OFFICE, ANN, None), ANN),
        (
            draft(
                "fin",
                &["fin.myminfin_consult"],
                BOB,
                OFFICE,
                Some("2027-12-31"),
            ),
            BOB,
        ),
        (draft("fin", &["fin.tax_on_web"], BOB, CARL, None), BOB),
    ];
    let mut batch = Vec::new();
    let mut events = Vec::new();
    for (d, by) in &drafts {
        let (m, e) = Mandate::create(Uuid::new_v4(), d, &person(by), &story.catalog, made)
            .expect("the domain accepts the draft");
        batch.push(m);
        events.extend(new_events(&e));
    }
    let mut tx = story.store.begin().await.expect("begin");
    tx.put_new_mandates(&batch).await.expect("new mandates");
    story.append(&mut tx, &events).await;
    tx.commit().await.expect("commit");
    let found = story
        .store
        .mandates_by_ids(&batch.iter().map(|m| m.id).collect::<Vec<_>>())
        .await
        .expect("read them back");
    assert_eq!(found.len(), batch.len());
    for m in &found {
        assert!(batch.contains(m), "read back as written: {}", m.id);
        assert_eq!(m.created_at, made);
    }
    let [a, b, c, d, e, f, g] = batch.try_into().expect("seven mandates");

    let signed = at("2027-03-02T09:00:00Z");
    let a = story
        .change(a.id, signed_by(CARL, &story.catalog, signed))
        .await;
    let c = story
        .change(c.id, signed_by(ANN, &story.catalog, signed))
        .await;
    let g = story
        .change(g.id, signed_by(CARL, &story.catalog, signed))
        .await;
    let d = story
        .change(d.id, |m, _| {
            m.withdraw(&person(ANN), signed)
                .expect("Ann withdraws her proposal")
        })
        .await;
    Cast {
        first,
        a,
        b,
        c,
        d,
        e,
        f,
        g,
    }
}

/// The other party's signature on version 1, as a change of a mandate.
pub(super) fn signed_by(
    by: &'static str,
    catalog: &Catalog,
    now: Instant,
) -> impl FnOnce(&mut Mandate, &[Mandate]) -> Vec<Event> + use<> {
    let catalog = catalog.clone();
    move |m, others| {
        m.sign(&person(by), 1, others, &catalog, now)
            .expect("the other party signs")
            .1
    }
}
