//! OpenID AuthZEN 1.0 as an application meets it: evaluations with the three semantics,
//! unknown entity types refused, the searches (for whom, who, which types) a page at a time,
//! and the PDP's metadata.

use std::collections::BTreeSet;

use axum::http::Method;
use serde_json::{Value, json};

use crate::on_both_stores;
use crate::support::*;

fn person(id: &str) -> Value {
    json!({"type": "person", "id": id})
}

fn party(id: &str) -> Value {
    json!({"type": "party", "id": id})
}

fn decisions(answer: &Value) -> Vec<bool> {
    answer["evaluations"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| e["decision"].as_bool().unwrap_or_default())
        .collect()
}

async fn the_evaluations_semantics_stop_where_the_standard_says(backend: Backend) {
    let Some(app) = TestApp::with_config(backend, |c| c.demo_data = true).await else {
        return;
    };
    let fin = app.application("fin").await;
    // DINA may file citizen A's return through the office; not citizen B's.
    let batch = |semantic: Option<&str>| {
        let mut body = json!({
            "subject": person(DINA),
            "action": {"name": "fin.tax_on_web"},
            "evaluations": [
                {"resource": party(ANN)},
                {"resource": party(BOB)},
                {"resource": party(ANN)},
            ]
        });
        if let Some(s) = semantic {
            body["options"] = json!({"evaluations_semantic": s});
        }
        body
    };
    let post = |body: Value| {
        let fin = &fin;
        async move { fin.post("/access/v1/evaluations", body).await }
    };
    let all = post(batch(None)).await.expect(200).body;
    assert_eq!(decisions(&all), [true, false, true]);
    let all = post(batch(Some("execute_all"))).await.expect(200).body;
    assert_eq!(decisions(&all), [true, false, true]);
    let deny = post(batch(Some("deny_on_first_deny")))
        .await
        .expect(200)
        .body;
    assert_eq!(decisions(&deny), [true, false], "up to the first deny");
    let permit = post(batch(Some("permit_on_first_permit")))
        .await
        .expect(200)
        .body;
    assert_eq!(decisions(&permit), [true], "up to the first permit");
    let refused = post(batch(Some("first_come")))
        .await
        .refused(400, "validation_failed");
    assert_eq!(
        refused.field_errors(),
        [(
            "options.evaluations_semantic".to_owned(),
            "invalid_value".to_owned()
        )]
    );
    // Without evaluations, the request is one evaluation of its top-level values.
    let one = post(json!({"subject": person(DINA), "resource": party(ANN), "action": {"name": "fin.tax_on_web"}}))
        .await
        .expect(200)
        .body;
    assert_eq!(one["decision"], true, "{one:#}");
    // An evaluation that cannot be read is denied with its errors; the others are answered.
    let mixed = post(json!({
        "action": {"name": "fin.tax_on_web"},
        "evaluations": [
            {"subject": person(DINA), "resource": party(ANN)},
            {"subject": {"type": "robot", "id": DINA}, "resource": party(ANN)},
        ]
    }))
    .await
    .expect(200)
    .body;
    assert_eq!(decisions(&mixed), [true, false]);
    let error = &mixed["evaluations"][1]["context"]["error"];
    assert_eq!(error["status"], 400);
    assert_eq!(error["errors"][0]["field"], "subject.type");
    assert_eq!(error["errors"][0]["code"], "unknown_entity_type");
}

async fn unknown_entity_types_and_missing_entities_are_refused(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let fin = app.application("fin").await;
    let cases = [
        (
            json!({"subject": {"type": "user", "id": BOB}, "resource": party(ANN), "action": {"name": "fin.tax_on_web"}}),
            "subject.type",
            "unknown_entity_type",
        ),
        (
            json!({"subject": person(BOB), "resource": {"type": "document", "id": ANN}, "action": {"name": "fin.tax_on_web"}}),
            "resource.type",
            "unknown_entity_type",
        ),
        (
            json!({"subject": person(BOB), "resource": {"type": "enterprise", "id": ANN}, "action": {"name": "fin.tax_on_web"}}),
            "resource.id",
            "invalid_value",
        ),
        (
            json!({"resource": party(ANN), "action": {"name": "fin.tax_on_web"}}),
            "subject",
            "required",
        ),
        (
            json!({"subject": person(BOB), "resource": party(ANN)}),
            "action",
            "required",
        ),
        (
            json!({"subject": person("123"), "resource": party(ANN), "action": {"name": "fin.tax_on_web"}}),
            "subject.id",
            "invalid_party_number",
        ),
    ];
    for (body, field, code) in cases {
        let refused = fin
            .post("/access/v1/evaluation", body.clone())
            .await
            .refused(400, "validation_failed");
        assert_eq!(
            refused.field_errors(),
            [(field.to_owned(), code.to_owned())],
            "{body}"
        );
    }
    // A body of the wrong shape is a Bad Request too.
    fin.post("/access/v1/evaluation", json!({"subject": "bob"}))
        .await
        .refused(400, "invalid_body");
    // An array would fill the subject's fields by their order: only an object is a subject,
    // in a single evaluation and in a list of them.
    fin.post(
        "/access/v1/evaluation",
        json!({"subject": ["user", BOB], "resource": party(ANN), "action": {"name": "fin.tax_on_web"}}),
    )
    .await
    .refused(400, "invalid_body");
    fin.post(
        "/access/v1/evaluations",
        json!({"evaluations": [["user", BOB]]}),
    )
    .await
    .refused(400, "invalid_body");
}

/// Every page of a search, following `page.next_token`.
async fn search_all(caller: &Caller<'_>, path: &str, mut body: Value) -> Vec<Vec<Value>> {
    let mut pages = Vec::new();
    for _ in 0..20 {
        let answer = caller.post(path, body.clone()).await.expect(200).body;
        let results = answer["results"].as_array().cloned().unwrap_or_default();
        assert_eq!(answer["page"]["count"], json!(results.len()), "{answer:#}");
        pages.push(results);
        match answer["page"]["next_token"].as_str() {
            Some("") => return pages,
            Some(token) => body["page"]["token"] = json!(token),
            None => panic!("no next_token in {answer:#}"),
        }
    }
    panic!("more than 20 pages of {path}");
}

async fn the_searches_find_for_whom_who_and_what_a_page_at_a_time(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    // Five citizens give Bob their tax return.
    let bob = app.person(BOB).await;
    let mut mandators = BTreeSet::new();
    for k in 0..5 {
        let citizen = crate::api::paging::citizen(k);
        let m = app
            .person(&citizen)
            .await
            .create(tax_return(&citizen, BOB))
            .await;
        bob.sign(m["id"].as_str().unwrap_or_default(), 1)
            .await
            .expect(200);
        mandators.insert(citizen);
    }
    let fin = app.application("fin").await;
    let request = json!({"subject": person(BOB), "action": {"name": "fin.tax_on_web"}, "resource": {"type": "party"}, "page": {"limit": 2}});
    let pages = search_all(&fin, "/access/v1/search/resource", request.clone()).await;
    let sizes: Vec<usize> = pages.iter().map(Vec::len).collect();
    assert_eq!(sizes, [2, 2, 1]);
    let found: BTreeSet<String> = pages
        .iter()
        .flatten()
        .map(|r| {
            assert_eq!(r["type"], "person");
            r["id"].as_str().unwrap_or_default().to_owned()
        })
        .collect();
    assert_eq!(found, mandators);
    // A token is for the request that made it.
    let mut changed = request.clone();
    changed["action"]["name"] = json!("fin.myminfin_consult");
    changed["page"]["token"] = json!(
        fin.post("/access/v1/search/resource", request)
            .await
            .expect(200)
            .body["page"]["next_token"]
    );
    let refused = fin
        .post("/access/v1/search/resource", changed)
        .await
        .refused(400, "validation_failed");
    assert_eq!(
        refused.field_errors(),
        [("page.token".to_owned(), "invalid_cursor".to_owned())]
    );
    // Who may act for the first citizen: Bob; and which types: the tax return.
    let first = mandators.iter().next().cloned().unwrap_or_default();
    let who = search_all(
        &fin,
        "/access/v1/search/subject",
        json!({"subject": {"type": "person"}, "action": {"name": "fin.tax_on_web"}, "resource": person(&first)}),
    )
    .await;
    assert_eq!(who.concat(), [person(BOB)]);
    let what = fin
        .post(
            "/access/v1/search/action",
            json!({"subject": person(BOB), "resource": person(&first)}),
        )
        .await
        .expect(200)
        .body;
    assert_eq!(what["results"], json!([{"name": "fin.tax_on_web"}]));
    // Each found is an answer the mandator reads in the access log.
    let log = app
        .person(&first)
        .await
        .get("/api/v1/me/access-log")
        .await
        .expect(200)
        .body;
    assert!(
        log["items"]
            .as_array()
            .is_some_and(|items| items.len() >= 3),
        "{log:#}"
    );
    // An unknown type of entity is refused here too.
    fin.post(
        "/access/v1/search/resource",
        json!({"subject": {"type": "group", "id": "x"}, "action": {"name": "fin.tax_on_web"}, "resource": {"type": "party"}}),
    )
    .await
    .refused(400, "validation_failed");
}

async fn the_pdp_publishes_its_metadata(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let meta = app
        .request(Method::GET, "/.well-known/authzen-configuration", &[], None)
        .await
        .expect(200)
        .body;
    let base = meta["policy_decision_point"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(base.starts_with("http"), "{meta:#}");
    for (field, path) in [
        ("access_evaluation_endpoint", "/access/v1/evaluation"),
        ("access_evaluations_endpoint", "/access/v1/evaluations"),
        ("search_subject_endpoint", "/access/v1/search/subject"),
        ("search_resource_endpoint", "/access/v1/search/resource"),
        ("search_action_endpoint", "/access/v1/search/action"),
    ] {
        assert_eq!(meta[field], format!("{base}{path}"), "{field}");
    }
}

on_both_stores!(
    the_evaluations_semantics_stop_where_the_standard_says,
    unknown_entity_types_and_missing_entities_are_refused,
    the_searches_find_for_whom_who_and_what_a_page_at_a_time,
    the_pdp_publishes_its_metadata,
);
