//! The start of a database: migrations from empty, the meta values, the catalog.

use super::*;

/// Migrations run on an empty database, and once more without effect. Returns the catalog
/// the story keeps.
pub(super) async fn migrate_from_empty(store: &Store) -> Catalog {
    assert!(
        store.last_seq().await.is_err(),
        "a new database has no event log before its migrations"
    );
    store.migrate().await.expect("migrate an empty database");
    store.migrate().await.expect("migrate again: nothing to do");
    assert_eq!(store.last_seq().await.expect("last sequence number"), 0);
    assert!(store.events_after(0, 10).await.expect("events").is_empty());
    assert_eq!(store.catalog().await.expect("catalog"), None);
    assert_eq!(store.meta("mode").await.expect("meta"), None);
    assert!(store.clients().await.expect("clients").is_empty());
    assert!(store.all_roles().await.expect("roles").is_empty());
    store.ping().await.expect("the database answers");
    Catalog::default_catalog().expect("the default catalog")
}

/// A meta value is set once: the first value stays.
pub(super) async fn meta(story: &Story) {
    let mut tx = story.store.begin().await.expect("begin");
    assert_eq!(
        tx.init_meta("mode", "production").await.expect("init"),
        "production"
    );
    assert_eq!(
        tx.init_meta("mode", "demo").await.expect("init again"),
        "production",
        "the first value stays"
    );
    tx.commit().await.expect("commit");
    assert_eq!(
        story.store.meta("mode").await.expect("meta").as_deref(),
        Some("production")
    );
    assert_eq!(story.store.meta("nothing").await.expect("meta"), None);
}

/// The catalog is kept whole, replaced whole, and its loading is the first event.
pub(super) async fn catalog(story: &mut Story) {
    let t0 = at("2027-03-01T09:00:00Z");
    let smaller = Catalog {
        domains: story.catalog.domains[..1].to_vec(),
    };
    let mut tx = story.store.begin().await.expect("begin");
    assert_eq!(
        tx.catalog().await.expect("catalog in the transaction"),
        None
    );
    tx.put_catalog(&smaller).await.expect("put a catalog");
    assert_eq!(
        tx.catalog().await.expect("catalog in the transaction"),
        Some(smaller),
        "the transaction reads its own write"
    );
    tx.put_catalog(&story.catalog)
        .await
        .expect("replace the catalog");
    let loaded = NewEvent {
        kind: EventKind::CatalogLoaded,
        subject: "catalog".into(),
        at: t0,
        person: None,
        party: None,
        auth: serde_json::Value::Null,
        version: 0,
        detail: json!({"domains": ["fin", "ehealth", "vlaanderen"]}),
    };
    story.append(&mut tx, &[loaded]).await;
    tx.commit().await.expect("commit");
    assert_eq!(
        story.store.catalog().await.expect("catalog"),
        Some(story.catalog.clone())
    );
    assert_eq!(story.seq, 1);
}
