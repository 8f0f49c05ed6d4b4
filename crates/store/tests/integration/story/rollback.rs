//! A transaction undone: explicitly, or dropped.

use super::*;

/// Everything a transaction can write, rolled back (or dropped): none of it is there, and
/// the event sequence goes on from where it was, without a gap.
pub(super) async fn a_rollback_leaves_nothing(
    story: &mut Story,
    cast: &Cast,
    job_before: StoredJob,
) {
    let t = at("2027-03-03T10:00:00Z");
    let before = story.store.last_seq().await.expect("last");
    assert_eq!(before, story.seq);
    let roles_before = story.store.all_roles().await.expect("roles");
    let clients_before = story.store.clients().await.expect("clients");
    let keys_before = keys(&story.store.signing_keys().await.expect("keys"));
    let rows_before: Vec<RowValues> = story
        .store
        .bulk_rows(job_before.id, 0, 10)
        .await
        .expect("rows")
        .iter()
        .map(row_values)
        .collect();

    let (new, events) = Mandate::create(
        Uuid::new_v4(),
        &draft("fin", &["fin.intervat"], OFFICE, CARL, None),
        &person(CARL),
        &story.catalog,
        t,
    )
    .expect("the domain accepts the draft");
    let new_role = role(BOB, RoleKind::Manager, Some("ehealth"), &[]);
    let new_job = job(BOB, t, 1);
    let mut stopped = cast.a.clone();
    let stop = stopped.stop(&person(ANN), t).expect("Ann stops");

    let mut tx = story.store.begin().await.expect("begin");
    tx.put_new_mandates(std::slice::from_ref(&new))
        .await
        .expect("a new mandate");
    let version = tx
        .mandate(cast.a.id)
        .await
        .expect("read")
        .expect("exists")
        .row_version;
    tx.put_mandate(&stopped, Some(version))
        .await
        .expect("a stop");
    let mut all = new_events(&events);
    all.extend(new_events(&stop));
    assert_eq!(
        tx.append(&all).await.expect("append").last,
        before + all.len() as i64
    );
    tx.put_role(&new_role, None).await.expect("a role");
    tx.put_catalog(&Catalog::default())
        .await
        .expect("a catalog");
    tx.init_meta("rolled-back", "yes").await.expect("meta");
    tx.remember(
        CARL,
        "key-rolled-back",
        &StoredResponse {
            fingerprint: "f".into(),
            status: 201,
            body: "{}".into(),
        },
        t,
    )
    .await
    .expect("remember");
    tx.put_bulk_job(
        &new_job,
        &[valid_row(
            1,
            draft("fin", &["fin.tax_on_web"], BOB, CARL, None),
        )],
    )
    .await
    .expect("a job");
    tx.set_bulk_job(job_before.id, JobState::Failed, 0, 3, t)
        .await
        .expect("a job's state");
    tx.set_bulk_rows(
        job_before.id,
        &[RowOutcome {
            line: 2,
            state: RowState::Applied,
            errors: vec![],
            mandate_id: None,
        }],
    )
    .await
    .expect("a row's outcome");
    assert!(
        tx.add_client(&client("rolled-back", "fin", t))
            .await
            .expect("add")
    );
    assert!(tx.revoke_client("health-app", t).await.expect("revoke"));
    tx.add_signing_key(&signing_key("key-rolled-back", t))
        .await
        .expect("a key");
    tx.rollback().await.expect("rollback");

    let store = &story.store;
    assert_eq!(store.last_seq().await.expect("last"), before);
    assert!(
        store
            .events_after(before, 10)
            .await
            .expect("events")
            .is_empty()
    );
    assert_eq!(store.mandate(new.id).await.expect("read"), None);
    assert_eq!(
        store.mandate(cast.a.id).await.expect("read"),
        Some(cast.a.clone()),
        "not stopped"
    );
    assert_eq!(store.all_roles().await.expect("roles"), roles_before);
    assert_eq!(
        store.catalog().await.expect("catalog"),
        Some(story.catalog.clone())
    );
    assert_eq!(store.meta("rolled-back").await.expect("meta"), None);
    assert_eq!(store.bulk_job(new_job.id).await.expect("job"), None);
    assert_eq!(
        store.bulk_job(job_before.id).await.expect("job"),
        Some(job_before.clone())
    );
    assert_eq!(
        store
            .bulk_rows(job_before.id, 0, 10)
            .await
            .expect("rows")
            .iter()
            .map(row_values)
            .collect::<Vec<_>>(),
        rows_before
    );
    assert_eq!(store.clients().await.expect("clients"), clients_before);
    assert_eq!(
        keys(&store.signing_keys().await.expect("keys")),
        keys_before
    );
    let mut tx = store.begin().await.expect("begin");
    assert_eq!(
        tx.remembered(CARL, "key-rolled-back")
            .await
            .expect("look up"),
        None
    );
    tx.rollback().await.expect("rollback");

    // A transaction dropped without commit or rollback is undone too.
    let mut tx = store.begin().await.expect("begin");
    tx.put_new_mandates(std::slice::from_ref(&new))
        .await
        .expect("a new mandate");
    tx.append(&new_events(&events)).await.expect("append");
    drop(tx);
    assert_eq!(store.last_seq().await.expect("last"), before);
    assert_eq!(store.mandate(new.id).await.expect("read"), None);

    // The next events take the numbers the undone ones had.
    let new = story
        .create(
            &draft("fin", &["fin.intervat"], OFFICE, CARL, None),
            &person(CARL),
            t,
        )
        .await;
    let written = story
        .store
        .events_of("mandate", &new.id.to_string())
        .await
        .expect("events");
    assert_eq!(written.first().map(|e| e.seq), Some(before + 1));
}
