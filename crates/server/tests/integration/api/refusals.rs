//! Every refusal: precise, in the caller's language, and changing nothing.

use axum::http::Method;
use serde_json::json;

use crate::on_both_stores;
use crate::support::*;

async fn event_count(app: &TestApp) -> i64 {
    app.db.store.last_seq().await.unwrap_or_default()
}

async fn invalid_input_names_every_field_and_changes_nothing(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let ann = app.person(ANN).await;
    let before = event_count(&app).await;
    let cases = [
        (
            json!({}),
            vec![
                ("domain", "required"),
                ("types", "required"),
                ("mandator", "required"),
                ("mandatee", "required"),
            ],
        ),
        (
            json!({"domain": "tax", "types": ["fin.tax_on_web"], "mandator": ANN, "mandatee": BOB}),
            vec![("domain", "unknown_domain")],
        ),
        (
            json!({"domain": "fin", "types": [], "mandator": ANN, "mandatee": BOB}),
            vec![("types", "types_empty")],
        ),
        (
            json!({"domain": "fin", "types": ["fin.tax_on_web", "ehealth.consent"], "mandator": ANN, "mandatee": BOB}),
            vec![("types[1]", "unknown_type")],
        ),
        (
            json!({"domain": "fin", "types": ["fin.tax_on_web"], "mandator": "85073003329", "mandatee": "5061207730"}),
            vec![
                ("mandator", "invalid_party_number"),
                ("mandatee", "invalid_party_number"),
            ],
        ),
        (
            json!({"domain": "fin", "types": ["fin.tax_on_web"], "mandator": ANN, "mandatee": "85.07.30-033.28"}),
            vec![("mandatee", "same_party")],
        ),
        (
            json!({"domain": "fin", "types": ["fin.biztax"], "mandator": ANN, "mandatee": BOB}),
            vec![("mandator", "party_kind_not_allowed")],
        ),
        (
            json!({"domain": "fin", "types": ["fin.tax_on_web"], "mandator": ANN, "mandatee": BOB, "capacity": "Huisarts"}),
            vec![("capacity", "capacity_ehealth_only")],
        ),
        (
            json!({"domain": "fin", "types": ["fin.tax_on_web"], "mandator": ANN, "mandatee": BOB, "valid_from": "2027-02-28"}),
            vec![("valid_from", "start_in_past")],
        ),
        (
            json!({"domain": "fin", "types": ["fin.tax_on_web"], "mandator": ANN, "mandatee": BOB, "valid_from": "2027-05-01", "valid_until": "2027-04-30"}),
            vec![("valid_until", "end_before_start")],
        ),
        (
            json!({"domain": "fin", "types": ["fin.tax_on_web"], "mandator": ANN, "mandatee": BOB, "valid_until": "31/12/2027"}),
            vec![("valid_until", "invalid_date")],
        ),
        (
            json!({"domain": "fin", "types": ["fin.myminfin_consult"], "mandator": ANN, "mandatee": BOB}),
            vec![("valid_until", "unlimited_not_allowed")],
        ),
        (
            json!({"domain": "fin", "types": ["fin.myminfin_consult"], "mandator": ANN, "mandatee": BOB, "valid_until": "2032-03-01"}),
            vec![("valid_until", "period_too_long")],
        ),
        (
            json!({"domain": "fin", "types": ["fin.tax_on_web"], "mandator": ANN, "mandatee": BOB, "reference": "x".repeat(256), "language": "es", "email": "a@b"}),
            vec![
                ("reference", "reference_too_long"),
                ("language", "invalid_language"),
                ("email", "invalid_email"),
            ],
        ),
    ];
    for (body, expected) in cases {
        let resp = ann
            .post("/api/v1/mandates", body.clone())
            .await
            .refused(422, "validation_failed");
        let got = resp.field_errors();
        let expected: Vec<(String, String)> = expected
            .iter()
            .map(|(f, c)| ((*f).to_owned(), (*c).to_owned()))
            .collect();
        assert_eq!(got, expected, "for {body}");
    }
    assert_eq!(
        event_count(&app).await,
        before,
        "a refused request changes nothing"
    );
    let listed = ann.get("/api/v1/mandates").await.expect(200).body;
    assert_eq!(listed["items"], json!([]));
}

async fn messages_follow_accept_language(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let ann = app.person(ANN).await;
    let body = json!({"domain": "fin", "types": ["fin.tax_on_web"], "mandator": ANN, "mandatee": "5061207730"});
    let mut seen = Vec::new();
    for (lang, word) in [
        ("nl", "nul"),
        ("fr", "zéro"),
        ("de", "Null"),
        ("en", "zero"),
    ] {
        let resp = ann
            .send(
                Method::POST,
                "/api/v1/mandates",
                &[("accept-language", lang)],
                Some(body.clone()),
            )
            .await
            .refused(422, "validation_failed");
        let message = resp.body["errors"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert!(message.contains(word), "{lang}: {message}");
        assert_eq!(resp.header("content-language"), Some(lang));
        assert!(resp.body["request_id"].is_string());
        seen.push(message);
    }
    seen.dedup();
    assert_eq!(seen.len(), 4);
}

async fn wrong_party_wrong_state_and_stale_version(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let (ann, bob, carl) = (
        app.person(ANN).await,
        app.person(BOB).await,
        app.person(CARL).await,
    );
    // Creating for others is not allowed.
    ann.post("/api/v1/mandates", tax_return(BOB, CARL))
        .await
        .refused(403, "not_a_party");
    let id = ann.create(tax_return(ANN, BOB)).await["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    // A stranger learns nothing: the same answer as for a mandate that does not exist.
    let stranger = carl.mandate(&id).await.refused(404, "mandate_not_found");
    let missing = carl
        .mandate(&uuid::Uuid::new_v4().to_string())
        .await
        .refused(404, "mandate_not_found");
    assert_eq!(stranger.body["detail"], missing.body["detail"]);
    carl.sign(&id, 1).await.refused(404, "mandate_not_found");
    carl.get(&format!("/api/v1/mandates/{id}/history"))
        .await
        .refused(404, "mandate_not_found");
    carl.mandate("not-a-uuid")
        .await
        .refused(404, "mandate_not_found");
    // Wrong role: the mandatee cannot withdraw, the creator cannot reject.
    bob.action(&id, "withdraw", json!({}))
        .await
        .refused(403, "only_initiator_withdraws");
    ann.action(&id, "reject", json!({}))
        .await
        .refused(403, "creator_cannot_reject");
    // Wrong state: a pending mandate cannot be stopped, modified or transferred.
    ann.action(&id, "stop", json!({}))
        .await
        .refused(409, "invalid_transition");
    ann.patch(
        &format!("/api/v1/mandates/{id}"),
        json!({"version": 1, "valid_until": "2027-06-30"}),
    )
    .await
    .refused(409, "pending_cannot_be_modified");
    ann.action(&id, "transfer", json!({"mandatee": CARL}))
        .await
        .refused(409, "invalid_transition");
    // Stale version and double signature.
    bob.sign(&id, 2).await.refused(409, "stale_version");
    ann.sign(&id, 1).await.refused(409, "already_signed");
    bob.action(&id, "sign", json!({}))
        .await
        .refused(422, "validation_failed");
    bob.sign(&id, 1).await.expect(200);
    bob.sign(&id, 1).await.refused(409, "already_signed");
    let path = format!("/api/v1/mandates/{id}");
    ann.send(
        Method::PATCH,
        &path,
        &[("if-match", "\"7\"")],
        Some(json!({"valid_until": "2027-06-30"})),
    )
    .await
    .refused(409, "stale_version");
    ann.patch(&path, json!({"valid_until": "2027-06-30"}))
        .await
        .refused(422, "validation_failed");
    ann.patch(&path, json!({"version": 1, "valid_until": "2027-12-31"}))
        .await
        .refused(422, "validation_failed");
    ann.patch(&path, json!({"version": 1, "valid_until": "2027-02-01"}))
        .await
        .refused(422, "validation_failed");
    ann.action(&id, "transfer", json!({"mandatee": BOB}))
        .await
        .refused(422, "validation_failed");
    ann.action(&id, "transfer", json!({"mandatee": "0203201340"}))
        .await
        .expect(201);
}

async fn bodies_that_cannot_be_read(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let ann = app.person(ANN).await;
    let auth = format!("Bearer {}", ann.token);
    let broken = app
        .request(
            Method::POST,
            "/api/v1/mandates",
            &[
                ("authorization", auth.as_str()),
                ("content-type", "application/json"),
            ],
            None,
        )
        .await;
    assert_eq!(
        broken.status.as_u16(),
        422,
        "an empty body misses every field: {:#}",
        broken.body
    );
    let resp = ann
        .post("/api/v1/mandates", json!({"domain": 5}))
        .await
        .refused(422, "invalid_body");
    assert!(
        resp.body["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("invalid type")
    );
    ann.get("/api/v2/whatever").await.refused(404, "not_found");
    ann.send(Method::PUT, "/api/v1/mandates", &[], Some(json!({})))
        .await
        .refused(405, "method_not_allowed");
    let bad = ann
        .get("/api/v1/mandates?limit=many")
        .await
        .refused(422, "validation_failed");
    assert!(
        bad.field_errors()
            .iter()
            .any(|(field, code)| field == "limit" && code == "out_of_range")
    );
}

/// While the store cannot be reached, reads and writes answer 503 `store_unavailable` (the
/// client may try again), never a 500 or a 400; readiness says so too.
async fn while_the_store_is_down_calls_answer_503(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let (ann, bob) = (app.person(ANN).await, app.person(BOB).await);
    let id = ann.create(tax_return(ANN, BOB)).await["id"]
        .as_str()
        .expect("a mandate id")
        .to_owned();
    app.db.store.close().await;
    let answers = [
        ("list", ann.get("/api/v1/mandates").await),
        ("read", ann.mandate(&id).await),
        (
            "create",
            ann.post("/api/v1/mandates", tax_return(ANN, CARL)).await,
        ),
        ("sign", bob.sign(&id, 1).await),
        (
            "readiness",
            app.request(Method::GET, "/readyz", &[], None).await,
        ),
    ];
    for (what, resp) in answers {
        assert_eq!(
            (resp.status.as_u16(), resp.code()),
            (503, "store_unavailable"),
            "{what}: {:#}",
            resp.body
        );
        assert_eq!(
            resp.header("content-type"),
            Some("application/problem+json"),
            "{what}"
        );
    }
}

async fn control_characters_are_refused_before_the_store(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let ann = app.person(ANN).await;
    // PostgreSQL keeps no NUL in text: refused by name on both stores, never a failure.
    let mut body = tax_return(ANN, BOB);
    body["reference"] = json!("client\u{0}42");
    let refused = ann
        .post("/api/v1/mandates", body)
        .await
        .refused(422, "validation_failed");
    assert_eq!(
        refused.field_errors(),
        [("reference".to_owned(), "control_character".to_owned())]
    );
    let file = json!([{"mandator": ANN, "mandatee": BOB, "domain": "fin\u{0}", "types": ["fin.tax_on_web"], "valid_until": "2027-12-31"}]);
    let job = ann
        .send_raw(
            Method::POST,
            "/api/v1/bulk?operation=create&format=json",
            &[],
            "application/json",
            file.to_string().into_bytes(),
        )
        .await
        .expect(201)
        .body;
    assert_eq!(job["rows"][0]["state"], "invalid", "{job:#}");
    assert_eq!(job["rows"][0]["errors"][0]["code"], "control_character");
    assert_eq!(
        ann.get("/api/v1/mandates").await.expect(200).body["items"],
        json!([])
    );
}

on_both_stores!(
    control_characters_are_refused_before_the_store,
    while_the_store_is_down_calls_answer_503,
    invalid_input_names_every_field_and_changes_nothing,
    messages_follow_accept_language,
    wrong_party_wrong_state_and_stale_version,
    bodies_that_cannot_be_read,
);
