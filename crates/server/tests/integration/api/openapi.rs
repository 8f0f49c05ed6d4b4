//! The OpenAPI document is served and cannot drift unreviewed.

use axum::http::Method;

use crate::support::*;

#[tokio::test]
async fn the_served_document_is_the_reviewed_one() {
    let Some(app) = TestApp::new(Backend::Sqlite).await else {
        return;
    };
    let doc = app
        .request(Method::GET, "/api/openapi.json", &[], None)
        .await
        .expect(200)
        .body;
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"]
        .as_object()
        .map(|p| p.keys().cloned().collect::<Vec<_>>())
        .unwrap_or_default();
    for path in [
        "/api/v1/catalog",
        "/api/v1/mandates",
        "/api/v1/mandates/{id}",
        "/api/v1/mandates/{id}/history",
        "/api/v1/mandates/{id}/receipts",
        "/api/v1/mandates/{id}/evidence",
        "/api/v1/evidence/checkpoints",
        "/api/v1/mandates/{id}/sign",
        "/api/v1/mandates/{id}/reject",
        "/api/v1/mandates/{id}/withdraw",
        "/api/v1/mandates/{id}/stop",
        "/api/v1/mandates/{id}/transfer",
        "/api/v1/enterprises/{number}/roles",
        "/healthz",
        "/readyz",
    ] {
        assert!(paths.iter().any(|p| p == path), "{path} is documented");
    }
    insta::assert_json_snapshot!("openapi", doc);
}

#[tokio::test]
async fn health_and_readiness() {
    let Some(app) = TestApp::new(Backend::Sqlite).await else {
        return;
    };
    assert_eq!(
        app.request(Method::GET, "/healthz", &[], None)
            .await
            .expect(200)
            .body,
        "ok"
    );
    assert_eq!(
        app.request(Method::GET, "/readyz", &[], None)
            .await
            .expect(200)
            .body,
        "ready"
    );
    app.db.store.close().await;
    app.request(Method::GET, "/readyz", &[], None)
        .await
        .refused(503, "store_unavailable");
}

#[tokio::test]
async fn the_catalog_is_public_and_in_four_languages() {
    let Some(app) = TestApp::new(Backend::Sqlite).await else {
        return;
    };
    let catalog = app
        .request(Method::GET, "/api/v1/catalog", &[], None)
        .await
        .expect(200)
        .body;
    let fin = &catalog["domains"][0];
    assert_eq!(fin["code"], "fin");
    for lang in ["nl", "fr", "de", "en"] {
        assert!(
            fin["types"][0]["name"][lang]
                .as_str()
                .is_some_and(|s| !s.is_empty())
        );
    }
}
