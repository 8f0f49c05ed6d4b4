//! Keeps the catalog in the store: types that left the file stay, retired.

use mandates_domain::catalog::Catalog;
use mandates_domain::time::Instant;
use mandates_store::{EventKind, NewEvent, Store, StoreError};

/// Stores `file` as the catalog in force (keeping removed types as retired) and returns it.
pub async fn sync(store: &Store, file: Catalog, now: Instant) -> Result<Catalog, StoreError> {
    let mut tx = store.begin().await?;
    let previous = tx.catalog().await?;
    let merged = match &previous {
        Some(previous) => file.retaining_retired(previous),
        None => file,
    };
    if previous.as_ref() != Some(&merged) {
        tx.put_catalog(&merged).await?;
        let types: Vec<&str> = merged
            .domains
            .iter()
            .flat_map(|d| d.types.iter().map(|t| t.code.as_str()))
            .collect();
        tx.append(&[NewEvent {
            kind: EventKind::CatalogLoaded,
            subject: "catalog".into(),
            at: now,
            person: None,
            party: None,
            auth: serde_json::Value::Null,
            version: 0,
            detail: serde_json::json!({ "types": types }),
        }])
        .await?;
    }
    tx.commit().await?;
    Ok(merged)
}
