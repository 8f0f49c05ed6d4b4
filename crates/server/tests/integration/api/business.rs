//! The business API: checks (every decision path, history), lists, domain isolation,
//! freshness across instances, and the access log that mandators read.

use axum::http::Method;
use serde_json::{Value, json};

use crate::on_both_stores;
use crate::support::*;

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap_or_default().to_owned()
}

fn reason(answer: &Value) -> &str {
    answer["reason"]["code"].as_str().unwrap_or_default()
}

/// Ann gives Bob her tax return until the end of 2027; Bob signs. Returns the mandate id.
async fn ann_to_bob(app: &TestApp) -> String {
    let (ann, bob) = (app.person(ANN).await, app.person(BOB).await);
    let m = id(&ann.create(tax_return(ANN, BOB)).await);
    bob.sign(&m, 1).await.expect(200);
    m
}

async fn a_direct_mandate_allows_and_says_until_when(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let m = ann_to_bob(&app).await;
    let yes = app.check(BOB, ANN, "fin.tax_on_web").await;
    assert_eq!(yes["allowed"], true);
    assert_eq!(yes["mandate_id"].as_str(), Some(m.as_str()));
    assert_eq!(yes["valid_until"], "2027-12-31");
    assert!(yes.get("via_enterprise").is_none());
    // The other way round, or another type, is not allowed.
    let no = app.check(ANN, BOB, "fin.tax_on_web").await;
    assert_eq!(
        (no["allowed"].as_bool(), reason(&no)),
        (Some(false), "no_mandate")
    );
    assert_eq!(
        reason(&app.check(BOB, ANN, "fin.biztax").await),
        "no_mandate"
    );
    assert!(app.check(BOB, ANN, "fin.tax_on_web").await["consistency"].as_i64() > Some(0));
}

async fn every_reason_for_no(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let (ann, bob, carl) = (
        app.person(ANN).await,
        app.person(BOB).await,
        app.person(CARL).await,
    );
    // Pending: the mandatee's signature is missing.
    let pending = id(&ann.create(tax_return(ANN, BOB)).await);
    let no = app.check(BOB, ANN, "fin.tax_on_web").await;
    assert_eq!(
        (reason(&no), no["mandate_id"].as_str()),
        ("pending_signature", Some(pending.as_str()))
    );
    assert!(
        no["reason"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("mandatee")
    );
    // Not yet in force: signed, but starting next month.
    let later = id(&ann
        .create(json!({"domain": "fin", "types": ["fin.myminfin_consult"], "mandator": ANN, "mandatee": CARL, "valid_from": "2027-04-01", "valid_until": "2027-12-31"}))
        .await);
    carl.sign(&later, 1).await.expect(200);
    let no = app.check(CARL, ANN, "fin.myminfin_consult").await;
    assert_eq!(reason(&no), "not_yet_in_force");
    // Dates and instants in reasons are as people read them: the day, and Brussels time to
    // the minute (the API's own fields stay RFC 3339).
    let message = |answer: &serde_json::Value| {
        answer["reason"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    assert!(message(&no).contains("01/04/2027"), "{}", message(&no));
    // Stopped, at 10:00:00.123456 in Brussels (09:00 UTC).
    bob.sign(&pending, 1).await.expect(200);
    assert_eq!(app.check(BOB, ANN, "fin.tax_on_web").await["allowed"], true);
    app.clock
        .set("2027-03-01T09:00:00.123456Z".parse().unwrap_or_default());
    ann.action(&pending, "stop", json!({})).await.expect(200);
    let stopped = app.check(BOB, ANN, "fin.tax_on_web").await;
    assert_eq!(reason(&stopped), "stopped");
    let text = message(&stopped);
    assert!(text.contains("01/03/2027 10:00"), "{text}");
    for raw in ["2027-03-01", "09:00", ".123", "+00:00", "UTC"] {
        assert!(!text.contains(raw), "{raw} in {text}");
    }
    // Expired: after the last day, in Brussels time.
    app.clock
        .set("2028-01-01T00:00:00Z".parse().unwrap_or_default());
    assert_eq!(
        reason(&app.check(CARL, ANN, "fin.myminfin_consult").await),
        "expired"
    );
}

async fn an_executor_acts_through_the_enterprise(backend: Backend) {
    let Some(app) = TestApp::with_config(backend, |c| c.demo_data = true).await else {
        return;
    };
    // Demo data: citizen A (ANN) gave the accounting office her tax return; DINA executes it.
    let yes = app.check(DINA, ANN, "fin.tax_on_web").await;
    assert_eq!(
        (yes["allowed"].as_bool(), yes["via_enterprise"].as_str()),
        (Some(true), Some(OFFICE))
    );
    // The office's other executor executes other types only.
    let no = app.check("75041212353", ANN, "fin.tax_on_web").await;
    assert_eq!(
        (reason(&no), no["mandate_id"].clone()),
        ("no_executor_role", yes["mandate_id"].clone())
    );
    // When the executor role ends, the answer changes at once.
    let carl = app.for_enterprise(CARL, OFFICE).await;
    let roster = carl
        .get(&format!("/api/v1/enterprises/{OFFICE}/roles"))
        .await
        .expect(200)
        .body;
    let role = roster["items"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|r| r["person"] == DINA)
        .map(id)
        .unwrap_or_default();
    carl.post(
        &format!("/api/v1/enterprises/{OFFICE}/roles/{role}/end"),
        json!({}),
    )
    .await
    .expect(200);
    assert_eq!(
        reason(&app.check(DINA, ANN, "fin.tax_on_web").await),
        "no_executor_role"
    );
}

async fn past_moments_are_answered_from_history(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let created = app.clock.now();
    let m = id(&app.person(ANN).await.create(tax_return(ANN, BOB)).await);
    app.clock.advance(chrono::Duration::hours(1));
    let signed = app.clock.now();
    app.person(BOB).await.sign(&m, 1).await.expect(200);
    app.clock.advance(chrono::Duration::days(10));
    let stopped = app.clock.now();
    app.person(ANN)
        .await
        .action(&m, "stop", json!({}))
        .await
        .expect(200);
    app.clock.advance(chrono::Duration::days(1));
    let fin = app.application("fin").await;
    let at = |t: chrono::DateTime<chrono::Utc>| json!({"actor": BOB, "mandator": ANN, "type": "fin.tax_on_web", "at": t.to_rfc3339()});
    let ask = |body: Value| {
        let fin = &fin;
        async move { fin.post("/api/v1/checks", body).await.expect(200).body }
    };
    assert_eq!(
        reason(&ask(at(created + chrono::Duration::minutes(5))).await),
        "pending_signature"
    );
    assert_eq!(
        ask(at(signed + chrono::Duration::days(2))).await["allowed"],
        true
    );
    assert_eq!(
        ask(at(stopped - chrono::Duration::seconds(1))).await["allowed"],
        true
    );
    assert_eq!(reason(&ask(at(stopped)).await), "stopped");
    assert_eq!(
        reason(&ask(at(created - chrono::Duration::days(1))).await),
        "no_mandate"
    );
    // Now, from the index, agrees with history just now.
    assert_eq!(
        reason(&app.check(BOB, ANN, "fin.tax_on_web").await),
        "stopped"
    );
}

async fn applications_see_their_own_domain_only(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    ann_to_bob(&app).await;
    let ehealth = format!("Bearer {}", app.client_token("ehealth").await);
    let asked = app
        .request(
            Method::POST,
            "/api/v1/checks",
            &[("authorization", ehealth.as_str())],
            Some(json!({"actor": BOB, "mandator": ANN, "type": "fin.tax_on_web"})),
        )
        .await
        .refused(422, "validation_failed");
    assert_eq!(
        asked.field_errors(),
        [("type".to_owned(), "client_type_not_allowed".to_owned())]
    );
    // A type that does not exist gets the very same answer.
    let unknown = app
        .request(
            Method::POST,
            "/api/v1/checks",
            &[("authorization", ehealth.as_str())],
            Some(json!({"actor": BOB, "mandator": ANN, "type": "fin.nothing"})),
        )
        .await
        .refused(422, "validation_failed");
    assert_eq!(unknown.field_errors(), asked.field_errors());
    let listed = app
        .request(
            Method::POST,
            "/api/v1/mandators/search",
            &[("authorization", ehealth.as_str())],
            Some(json!({"actor": BOB})),
        )
        .await
        .expect(200);
    assert_eq!(listed.body["items"], json!([]));
    // A person's token is no business token, and a business token manages no mandate.
    let person = format!("Bearer {}", app.token(BOB).await);
    app.request(
        Method::POST,
        "/api/v1/checks",
        &[("authorization", person.as_str())],
        Some(json!({"actor": BOB, "mandator": ANN, "type": "fin.tax_on_web"})),
    )
    .await
    .refused(401, "unauthenticated");
    app.request(
        Method::GET,
        "/api/v1/mandates",
        &[("authorization", ehealth.as_str())],
        None,
    )
    .await
    .refused(401, "unauthenticated");
    // Wrong client credentials.
    let form = |body: &str| {
        axum::http::Request::post("/oauth/token")
            .header("content-type", "application/x-www-form-urlencoded")
            .header("authorization", "Basic ZGVtby1maW46bm9wZQ==")
            .body(axum::body::Body::from(body.to_owned()))
            .expect("request")
    };
    let wrong =
        tower::ServiceExt::oneshot(app.router.clone(), form("grant_type=client_credentials"))
            .await
            .expect("response");
    assert_eq!(wrong.status().as_u16(), 401, "demo-fin with a wrong secret");
    let grant = tower::ServiceExt::oneshot(app.router.clone(), form("grant_type=password"))
        .await
        .expect("response");
    assert_eq!(grant.status().as_u16(), 400);
}

async fn batches_and_lists(backend: Backend) {
    let Some(app) = TestApp::with_config(backend, |c| c.demo_data = true).await else {
        return;
    };
    let fin = app.application("fin").await;
    let checks = json!({"checks": [
        {"actor": DINA, "mandator": ANN, "type": "fin.tax_on_web"},
        {"actor": DINA, "mandator": COMPANY, "type": "fin.biztax"},
        {"actor": "75041212353", "mandator": COMPANY, "type": "fin.biztax"},
    ]});
    let answers = fin
        .post("/api/v1/checks/batch", checks)
        .await
        .expect(200)
        .body;
    let allowed: Vec<_> = answers["results"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| r["allowed"].clone())
        .collect();
    assert_eq!(allowed, [json!(true), json!(false), json!(true)]);
    let too_many = json!({"checks": vec![json!({"actor": DINA, "mandator": ANN, "type": "fin.tax_on_web"}); 1001]});
    fin.post("/api/v1/checks/batch", too_many)
        .await
        .refused(422, "validation_failed");
    // A question written as an array would fill its fields by their order: refused.
    let refused = fin
        .post(
            "/api/v1/checks/batch",
            json!({"checks": [[DINA, ANN, "fin.tax_on_web"]]}),
        )
        .await
        .refused(422, "invalid_body");
    assert!(
        refused.body["detail"]
            .as_str()
            .is_some_and(|d| d.contains("a JSON object")),
        "{:#}",
        refused.body
    );
    let bad = json!({"checks": [{"actor": DINA, "mandator": ANN, "type": "fin.tax_on_web"}, {"actor": "123", "mandator": ANN}]});
    let refused = fin
        .post("/api/v1/checks/batch", bad)
        .await
        .refused(422, "validation_failed");
    assert_eq!(
        refused.field_errors(),
        [
            ("checks[1].type".to_owned(), "required".to_owned()),
            (
                "checks[1].actor".to_owned(),
                "invalid_party_number".to_owned()
            )
        ]
    );
    let listed = fin
        .post("/api/v1/mandators/search", json!({"actor": "75041212353"}))
        .await
        .expect(200)
        .body;
    let items = listed["items"].as_array().cloned().unwrap_or_default();
    assert_eq!(items.len(), 1, "{listed:#}");
    assert_eq!(
        (
            items[0]["mandator"].as_str(),
            items[0]["via_enterprise"].as_str()
        ),
        (Some(COMPANY), Some(OFFICE))
    );
    assert_eq!(items[0]["types"], json!(["fin.biztax", "fin.intervat"]));
}

async fn mandators_read_who_checked_them(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    ann_to_bob(&app).await;
    app.check(BOB, ANN, "fin.tax_on_web").await;
    app.check(CARL, ANN, "fin.tax_on_web").await;
    app.check(ANN, BOB, "fin.tax_on_web").await;
    let log = app
        .person(ANN)
        .await
        .get("/api/v1/me/access-log")
        .await
        .expect(200)
        .body;
    let seen: Vec<(String, bool)> = log["items"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| {
            (
                e["actor"].as_str().unwrap_or_default().to_owned(),
                e["allowed"].as_bool().unwrap_or_default(),
            )
        })
        .collect();
    // Written in the background: every answer is there once the queue is flushed.
    assert_eq!(seen.len(), 2, "{log:#}");
    assert!(seen.contains(&(BOB.to_owned(), true)) && seen.contains(&(CARL.to_owned(), false)));
    assert_eq!(log["items"][0]["client"], "Demo application (fin)");
    let bobs = app
        .person(BOB)
        .await
        .get("/api/v1/me/access-log")
        .await
        .expect(200)
        .body;
    assert_eq!(bobs["items"].as_array().map(Vec::len), Some(1));
}

async fn a_second_instance_sees_a_stop_within_a_second(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let m = ann_to_bob(&app).await;
    let twin = app.twin().await;
    let token = format!("Bearer {}", app.client_token("fin").await);
    let ask = || async {
        let request = axum::http::Request::post("/api/v1/checks")
            .header("authorization", token.as_str())
            .header("content-type", "application/json")
            .body(axum::body::Body::from(
                json!({"actor": BOB, "mandator": ANN, "type": "fin.tax_on_web"}).to_string(),
            ))
            .expect("request");
        let response = tower::ServiceExt::oneshot(twin.clone(), request)
            .await
            .expect("response");
        let bytes = http_body_util::BodyExt::collect(response.into_body())
            .await
            .expect("body")
            .to_bytes();
        serde_json::from_slice::<Value>(&bytes).expect("json")
    };
    assert_eq!(ask().await["allowed"], true);
    let stopped = app
        .person(ANN)
        .await
        .action(&m, "stop", json!({}))
        .await
        .expect(200);
    let wanted: i64 = stopped
        .header("consistency-token")
        .and_then(|t| t.parse().ok())
        .unwrap_or_default();
    let started = std::time::Instant::now();
    loop {
        let answer = ask().await;
        if answer["allowed"] == false {
            assert_eq!(reason(&answer), "stopped");
            assert!(answer["consistency"].as_i64() >= Some(wanted));
            break;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(1),
            "the second instance still allows after a second"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

async fn an_answer_is_at_least_as_fresh_as_asked(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let twin = app.twin().await;
    let (ann, bob) = (app.person(ANN).await, app.person(BOB).await);
    let m = id(&ann.create(tax_return(ANN, BOB)).await);
    let signed = bob.sign(&m, 1).await.expect(200);
    let wanted: i64 = signed
        .header("consistency-token")
        .and_then(|t| t.parse().ok())
        .unwrap_or_default();
    let token = format!("Bearer {}", app.client_token("fin").await);
    let body =
        json!({"actor": BOB, "mandator": ANN, "type": "fin.tax_on_web", "min_consistency": wanted});
    let request = axum::http::Request::post("/api/v1/checks")
        .header("authorization", token.as_str())
        .header("content-type", "application/json")
        .body(axum::body::Body::from(body.to_string()))
        .expect("request");
    // Asked at once, the twin catches up before it answers.
    let response = tower::ServiceExt::oneshot(twin, request)
        .await
        .expect("response");
    let bytes = http_body_util::BodyExt::collect(response.into_body())
        .await
        .expect("body")
        .to_bytes();
    let answer: Value = serde_json::from_slice(&bytes).expect("json");
    assert_eq!(answer["allowed"], true, "{answer:#}");
    assert!(answer["consistency"].as_i64() >= Some(wanted));
    let future = json!({"actor": BOB, "mandator": ANN, "type": "fin.tax_on_web", "min_consistency": wanted + 1000});
    app.application("fin")
        .await
        .post("/api/v1/checks", future)
        .await
        .refused(409, "min_consistency_not_reached");
}

async fn authzen_evaluations_give_the_same_decisions(backend: Backend) {
    let Some(app) = TestApp::with_config(backend, |c| c.demo_data = true).await else {
        return;
    };
    let fin = app.application("fin").await;
    let one = json!({"subject": {"type": "person", "id": DINA}, "resource": {"type": "party", "id": ANN}, "action": {"name": "fin.tax_on_web"}});
    let yes = fin
        .post("/access/v1/evaluation", one)
        .await
        .expect(200)
        .body;
    assert_eq!(
        (
            yes["decision"].as_bool(),
            yes["context"]["via_enterprise"].as_str()
        ),
        (Some(true), Some(OFFICE))
    );
    let many = json!({
        "subject": {"type": "person", "id": DINA},
        "action": {"name": "fin.tax_on_web"},
        "evaluations": [
            {"resource": {"type": "party", "id": ANN}},
            {"resource": {"type": "party", "id": BOB}},
            {"resource": {"type": "party", "id": COMPANY}, "action": {"name": "fin.biztax"}}
        ]
    });
    let answers = fin
        .send(
            Method::POST,
            "/access/v1/evaluations",
            &[("accept-language", "fr")],
            Some(many),
        )
        .await
        .expect(200)
        .body;
    let decisions: Vec<_> = answers["evaluations"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| e["decision"].clone())
        .collect();
    assert_eq!(decisions, [json!(true), json!(false), json!(false)]);
    assert_eq!(answers["evaluations"][1]["context"]["reason"], "no_mandate");
    assert!(
        answers["evaluations"][1]["context"]["reason_user"]["fr"]
            .as_str()
            .is_some_and(|m| m.contains("mandat"))
    );
}

fn claims(token: &str) -> Value {
    use base64::Engine;
    let payload = token.split('.').nth(1).unwrap_or_default();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap_or_default();
    serde_json::from_slice(&bytes).unwrap_or_default()
}

/// Asks `/oauth/token`, as the demo application of `fin`, for a token that says "the
/// person of `subject` acting for `mandator`" for `types`: the status and the answer.
async fn exchange(app: &TestApp, subject: &str, mandator: &str, types: &str) -> (u16, Value) {
    let request = axum::http::Request::post("/oauth/token")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("authorization", "Basic ZGVtby1maW46ZGVtby1zZWNyZXQ=")
        .body(axum::body::Body::from(format!(
            "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Atoken-exchange&subject_token={subject}&subject_token_type=urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Aaccess_token&mandator={mandator}&types={types}"
        )))
        .expect("request");
    let response = tower::ServiceExt::oneshot(app.router.clone(), request)
        .await
        .expect("response");
    let status = response.status().as_u16();
    let bytes = http_body_util::BodyExt::collect(response.into_body())
        .await
        .expect("body")
        .to_bytes();
    (
        status,
        serde_json::from_slice::<Value>(&bytes).unwrap_or_default(),
    )
}

async fn a_token_exchange_says_who_acts_for_whom(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let m = ann_to_bob(&app).await;
    let bob_token = app.token(BOB).await;
    let (status, body) = exchange(&app, &bob_token, ANN, "fin.tax_on_web").await;
    assert_eq!(status, 200, "{body:#}");
    let token = body["access_token"].as_str().unwrap_or_default().to_owned();
    let c = claims(&token);
    assert_eq!(
        (c["sub"].as_str(), c["act"]["sub"].as_str()),
        (Some(ANN), Some(BOB))
    );
    assert_eq!(c["mandates"], json!([m]));
    assert_eq!(c["types"], json!(["fin.tax_on_web"]));
    assert_eq!(c["aud"], "demo-fin");
    let lifetime = c["exp"].as_i64().unwrap_or_default() - c["iat"].as_i64().unwrap_or_default();
    assert!(lifetime > 0 && lifetime <= 300, "{lifetime}");
    // Not allowed: no token.
    let (status, body) = exchange(&app, &bob_token, ANN, "fin.biztax").await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    let (status, _) = exchange(&app, &app.token(CARL).await, ANN, "fin.tax_on_web").await;
    assert_eq!(status, 400);
    // Its key is published.
    let jwks = app
        .request(Method::GET, "/.well-known/jwks.json", &[], None)
        .await
        .expect(200)
        .body;
    let kid = serde_json::from_slice::<Value>(&{
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(token.split('.').next().unwrap_or_default())
            .unwrap_or_default()
    })
    .unwrap_or_default()["kid"]
        .clone();
    assert!(
        jwks["keys"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|k| k["kid"] == kid)
    );
}

/// Near the end of a mandate, the token exchanged on it expires with it, not five minutes
/// later: its `exp`, read with the service's published keys, is at most the end of the
/// mandate's last day in Brussels.
async fn an_exchanged_token_never_outlives_its_mandate(backend: Backend) {
    use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header, jwk::JwkSet};
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    ann_to_bob(&app).await;
    // The mandate is valid until 31/12/2027: it ends at midnight in Brussels (UTC+1).
    let end: mandates_domain::time::Instant =
        "2027-12-31T23:00:00Z".parse().expect("the mandate's end");
    let now = end - chrono::Duration::minutes(3);
    app.clock.set(now);
    let (status, body) = exchange(&app, &app.token(BOB).await, ANN, "fin.tax_on_web").await;
    assert_eq!(status, 200, "{body:#}");
    assert_eq!(body["expires_in"], 180, "{body:#}");
    let token = body["access_token"].as_str().expect("a token");

    let jwks: JwkSet = serde_json::from_value(
        app.request(Method::GET, "/.well-known/jwks.json", &[], None)
            .await
            .expect(200)
            .body,
    )
    .expect("the service's key set");
    let kid = decode_header(token)
        .expect("a token header")
        .kid
        .expect("a key id");
    let key = DecodingKey::from_jwk(jwks.find(&kid).expect("the token's key is published"))
        .expect("a decoding key");
    let mut validation = Validation::new(Algorithm::EdDSA);
    validation.set_issuer(&["http://localhost"]);
    validation.set_audience(&["demo-fin"]);
    // Expiry is compared below with the service's clock, not the host's.
    validation.validate_exp = false;
    let claims = decode::<Value>(token, &key, &validation)
        .expect("a token signed with a published key")
        .claims;
    let exp = claims["exp"].as_i64().expect("exp");
    assert!(
        exp <= end.timestamp(),
        "the token expires at {exp}, after the mandate's end at {}",
        end.timestamp()
    );
    assert!(exp > now.timestamp(), "the token is valid until then");
}

/// Each kind of token opens its own API only: a person's the person API, a business
/// application's the business API, and an exchanged token neither.
async fn each_token_opens_only_its_own_api(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    ann_to_bob(&app).await;
    let person = app.token(BOB).await;
    let (status, body) = exchange(&app, &person, ANN, "fin.tax_on_web").await;
    assert_eq!(status, 200, "{body:#}");
    let acting = body["access_token"]
        .as_str()
        .expect("an exchanged token")
        .to_owned();
    let client = app.client_token("fin").await;
    let check = json!({"actor": BOB, "mandator": ANN, "type": "fin.tax_on_web"});
    for (what, token, person_api, business_api) in [
        ("a person's token", &person, 200, 401),
        ("a business application's token", &client, 401, 200),
        ("an exchanged token", &acting, 401, 401),
    ] {
        let bearer = format!("Bearer {token}");
        let auth = [("authorization", bearer.as_str())];
        let mandates = app
            .request(Method::GET, "/api/v1/mandates", &auth, None)
            .await;
        let checks = app
            .request(Method::POST, "/api/v1/checks", &auth, Some(check.clone()))
            .await;
        for (api, resp, expected) in [
            ("person API", mandates, person_api),
            ("business API", checks, business_api),
        ] {
            assert_eq!(
                resp.status.as_u16(),
                expected,
                "{what} at the {api}: {:#}",
                resp.body
            );
            if expected == 401 {
                assert_eq!(resp.code(), "unauthenticated", "{what} at the {api}");
            }
        }
    }
}

/// The key id a token was signed with.
fn kid(token: &str) -> String {
    use base64::Engine;
    let header = token.split('.').next().unwrap_or_default();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(header)
        .unwrap_or_default();
    let v: Value = serde_json::from_slice(&bytes).unwrap_or_default();
    v["kid"].as_str().unwrap_or_default().to_owned()
}

/// The ids of the token keys published (the evidence key, published beside them, apart).
async fn published_kids(app: &TestApp) -> Vec<String> {
    let jwks = app
        .request(Method::GET, "/.well-known/jwks.json", &[], None)
        .await
        .expect(200)
        .body;
    let all: Vec<String> = jwks["keys"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|k| k["kid"].as_str().map(str::to_owned))
        .collect();
    let evidence = app.state.evidence_keys().kid();
    assert!(
        all.iter().any(|k| k == evidence),
        "the evidence key is published"
    );
    all.into_iter().filter(|k| k != evidence).collect()
}

async fn signing_keys_rotate_without_downtime(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let refresh = || async {
        app.state
            .tokens()
            .refresh(app.state.store(), app.clock.now())
            .await
            .expect("refresh keys");
    };
    let old = kid(&app.client_token("fin").await);
    assert_eq!(published_kids(&app).await, vec![old.clone()]);
    // A second instance on the same store, started before the rotation.
    let twin = app.twin().await;
    app.advance_days(31);
    refresh().await;
    let published = published_kids(&app).await;
    assert_eq!(
        published.len(),
        2,
        "the new key is published before it signs"
    );
    let new = published
        .iter()
        .find(|k| **k != old)
        .cloned()
        .unwrap_or_default();
    assert_eq!(kid(&app.client_token("fin").await), old);
    app.clock.advance(chrono::Duration::minutes(16));
    let token = app.client_token("fin").await;
    assert_eq!(kid(&token), new, "signs with the new key once it is known");
    // The other instance accepts it: an unknown key id makes it reread the keys.
    let request = axum::http::Request::builder()
        .method(Method::POST)
        .uri("/api/v1/checks")
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json")
        .body(axum::body::Body::from(
            json!({"actor": BOB, "mandator": ANN, "type": "fin.tax_on_web"}).to_string(),
        ))
        .expect("request");
    let answer = tower::ServiceExt::oneshot(twin, request)
        .await
        .expect("response");
    assert_eq!(answer.status(), axum::http::StatusCode::OK);
    app.advance_days(8);
    refresh().await;
    assert_eq!(
        published_kids(&app).await,
        vec![new],
        "the old key is retired"
    );
}

on_both_stores!(
    an_exchanged_token_never_outlives_its_mandate,
    each_token_opens_only_its_own_api,
    signing_keys_rotate_without_downtime,
    authzen_evaluations_give_the_same_decisions,
    a_token_exchange_says_who_acts_for_whom,
    a_direct_mandate_allows_and_says_until_when,
    every_reason_for_no,
    an_executor_acts_through_the_enterprise,
    past_moments_are_answered_from_history,
    applications_see_their_own_domain_only,
    batches_and_lists,
    mandators_read_who_checked_them,
    a_second_instance_sees_a_stop_within_a_second,
    an_answer_is_at_least_as_fresh_as_asked,
);
