//! Text with a control character (a NUL byte, an escape, a C1 control) is refused by the
//! name of its field, in the body, the query and the pages' forms, on both stores: never a
//! failure of the store, never kept.

use axum::http::Method;
use serde_json::json;

use crate::on_both_stores;
use crate::support::*;
use crate::web::browser::Browser;

async fn events(app: &TestApp) -> i64 {
    app.db.store.last_seq().await.unwrap_or_default()
}

fn refused_field(resp: Resp, field: &str) {
    let resp = resp.refused(422, "validation_failed");
    assert_eq!(
        resp.header("content-type"),
        Some("application/problem+json")
    );
    assert!(
        resp.field_errors()
            .contains(&(field.to_owned(), "control_character".to_owned())),
        "{:#}",
        resp.body
    );
    let message = resp.body["errors"][0]["message"]
        .as_str()
        .unwrap_or_default();
    assert!(
        message.contains(field),
        "the message names {field}: {message}"
    );
}

async fn the_api_refuses_control_characters_by_field(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let ann = app.person(ANN).await;
    let id = ann.create(tax_return(ANN, BOB)).await["id"]
        .as_str()
        .expect("a mandate id")
        .to_owned();
    let before = events(&app).await;

    refused_field(ann.get("/api/v1/mandates?domain=%00").await, "domain");
    refused_field(ann.get("/api/v1/mandates?status=active%1B").await, "status");
    for (field, value) in [
        ("email", "ann\u{0}@example.be"),
        ("reference", "client\u{0}42"),
        ("reference", "client\u{85}42"),
        ("reference", "client\u{7f}42"),
        ("mandatee", "90010112395\u{0}"),
        ("capacity", "\u{1b}[31m"),
    ] {
        let mut body = tax_return(ANN, BOB);
        body[field] = json!(value);
        refused_field(ann.post("/api/v1/mandates", body).await, field);
    }
    let mut body = tax_return(ANN, BOB);
    body["types"] = json!(["fin.tax_on_web", "fin.tax\u{0}"]);
    refused_field(ann.post("/api/v1/mandates", body).await, "types[1]");
    refused_field(
        ann.send(
            Method::PATCH,
            &format!("/api/v1/mandates/{id}"),
            &[],
            Some(json!({"version": 1, "reference": "notes\u{0}", "email": "a@b.be"})),
        )
        .await,
        "reference",
    );
    refused_field(
        ann.action(&id, "transfer", json!({"mandatee": "\u{0}"}))
            .await,
        "mandatee",
    );
    assert_eq!(events(&app).await, before, "nothing changed");
    // Line breaks and tabs are text people paste: kept.
    let mut body = tax_return(ANN, CARL);
    body["reference"] = json!("client\t42");
    ann.post("/api/v1/mandates", body).await.expect(201);
    let list = ann.get("/api/v1/mandates").await.expect(200);
    assert_eq!(list.body["items"].as_array().map(Vec::len), Some(2));
}

async fn the_pages_refuse_control_characters_by_field(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let mut ann = Browser::new(&app);
    ann.accept_language = Some("en");
    ann.sign_in(ANN).await;
    let before = events(&app).await;
    let page = ann.get("/?domain=%00").await;
    assert_eq!(page.status, 422, "{}", page.html);
    assert!(page.html.contains("domain"), "{}", page.html);
    let page = ann
        .post(
            "/mandates/create",
            &[
                ("once", "a-form"),
                ("domain", "fin"),
                ("side", "mandator"),
                ("types", "fin.tax_on_web"),
                ("other", BOB),
                ("valid_until-day", "31"),
                ("valid_until-month", "12"),
                ("valid_until-year", "2027"),
                ("reference", "client\u{0}42"),
            ],
        )
        .await;
    assert_eq!(page.status, 422, "{}", page.html);
    assert!(
        page.html.contains("control characters") && page.html.contains("reference"),
        "{}",
        page.html
    );
    let page = ann.post("/language", &[("lang", "n\u{1}l")]).await;
    assert_eq!(page.status, 422, "{}", page.html);
    assert_eq!(events(&app).await, before, "nothing changed");
    let list = app
        .person(ANN)
        .await
        .get("/api/v1/mandates")
        .await
        .expect(200);
    assert_eq!(list.body["items"], json!([]));
}

on_both_stores!(
    the_api_refuses_control_characters_by_field,
    the_pages_refuse_control_characters_by_field,
);
