//! `Idempotency-Key`: a retry gets the first answer and changes nothing.

use axum::http::Method;
use serde_json::{Value, json};

use crate::enterprises::{demo_app, id_of, role_of, roles_path, roster};
use crate::on_both_stores;
use crate::support::*;

async fn a_retried_create_creates_once(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let ann = app.person(ANN).await;
    let key = [("idempotency-key", "create-1")];
    let first = ann
        .send(
            Method::POST,
            "/api/v1/mandates",
            &key,
            Some(tax_return(ANN, BOB)),
        )
        .await
        .expect(201);
    let again = ann
        .send(
            Method::POST,
            "/api/v1/mandates",
            &key,
            Some(tax_return(ANN, BOB)),
        )
        .await
        .expect(201);
    assert_eq!(first.body, again.body);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(again.header("location"), first.header("location"));
    let listed = ann.get("/api/v1/mandates").await.expect(200).body;
    assert_eq!(listed["items"].as_array().map(Vec::len), Some(1));
    // The same key for another request is refused.
    ann.send(
        Method::POST,
        "/api/v1/mandates",
        &key,
        Some(tax_return(ANN, CARL)),
    )
    .await
    .refused(422, "idempotency_key_reused");
    // Keys belong to their caller: Bob may use the same key for his own request.
    let bob = app.person(BOB).await;
    bob.send(
        Method::POST,
        "/api/v1/mandates",
        &key,
        Some(tax_return(BOB, ANN)),
    )
    .await
    .expect(201);
}

async fn a_retried_signature_gets_the_first_answer(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let (ann, bob) = (app.person(ANN).await, app.person(BOB).await);
    let id = ann.create(tax_return(ANN, BOB)).await["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let path = format!("/api/v1/mandates/{id}/sign");
    let key = [("idempotency-key", "sign-1")];
    let first = bob
        .send(Method::POST, &path, &key, Some(json!({"version": 1})))
        .await
        .expect(200);
    app.clock.advance(chrono::Duration::minutes(5));
    let again = bob
        .send(Method::POST, &path, &key, Some(json!({"version": 1})))
        .await
        .expect(200);
    assert_eq!(first.body, again.body);
    assert_eq!(
        bob.history(&id).await,
        ["created", "signed", "signed", "activated"]
    );
    // Without a key, signing again is a conflict.
    bob.sign(&id, 1).await.refused(409, "already_signed");
}

/// Where a change is recorded, to count it.
enum Recorded {
    /// Events of a kind in a mandate's history, as its parties read it.
    InHistory(String, &'static str),
    /// Role events of a kind of an enterprise.
    InRoles(&'static str, &'static str),
}

/// A change sent with an `Idempotency-Key`, and how it shows.
struct Retry<'a> {
    what: &'static str,
    caller: &'a Caller<'a>,
    method: Method,
    path: String,
    body: Value,
    /// Another request under the same key.
    other: Value,
    status: u16,
    recorded: Recorded,
}

impl Retry<'_> {
    async fn times_recorded(&self) -> usize {
        match &self.recorded {
            Recorded::InHistory(id, kind) => self
                .caller
                .history(id)
                .await
                .iter()
                .filter(|k| k == kind)
                .count(),
            Recorded::InRoles(enterprise, kind) => self
                .caller
                .app
                .db
                .store
                .events_of("role", enterprise)
                .await
                .expect("the enterprise's role events")
                .iter()
                .filter(|e| e.kind.as_str() == *kind)
                .count(),
        }
    }

    /// Sent twice, the change is made once and the retry gets the first answer; the same key
    /// with another request is refused and changes nothing.
    async fn is_made_once(&self) {
        let what = self.what;
        let key = format!("retry-{what}");
        let key = [("idempotency-key", key.as_str())];
        let send = |body: &Value| {
            self.caller
                .send(self.method.clone(), &self.path, &key, Some(body.clone()))
        };
        let first = send(&self.body).await;
        assert_eq!(
            first.status.as_u16(),
            self.status,
            "{what}: {:#}",
            first.body
        );
        assert_eq!(first.header("idempotent-replayed"), None, "{what}");
        assert_eq!(self.times_recorded().await, 1, "{what}: made once");
        // Later, as a client that lost the answer would.
        self.caller.app.clock.advance(chrono::Duration::minutes(1));
        let again = send(&self.body).await;
        assert_eq!(
            (again.status, again.header("idempotent-replayed")),
            (first.status, Some("true")),
            "{what}: {:#}",
            again.body
        );
        assert_eq!(again.body, first.body, "{what}: the first answer");
        for header in ["location", "etag"] {
            assert_eq!(
                again.header(header),
                first.header(header),
                "{what}: {header}"
            );
        }
        assert_eq!(self.times_recorded().await, 1, "{what}: not made again");
        let reused = send(&self.other).await;
        assert_eq!(
            (reused.status.as_u16(), reused.code()),
            (422, "idempotency_key_reused"),
            "{what}: {:#}",
            reused.body
        );
        assert_eq!(
            self.times_recorded().await,
            1,
            "{what}: the refusal changed nothing"
        );
    }
}

/// A mandate from Ann to Bob of one type, signed by Ann (and by Bob when `active`).
async fn ann_to_bob(ann: &Caller<'_>, bob: &Caller<'_>, type_code: &str, active: bool) -> String {
    let id = id_of(
        &ann.create(json!({"domain": type_code.split('.').next(), "types": [type_code], "mandator": ANN, "mandatee": BOB, "valid_until": "2027-12-31"}))
            .await,
    );
    if active {
        bob.sign(&id, 1).await.expect(200);
    }
    id
}

/// `Idempotency-Key` holds on every change, not only on creating and signing: each is made
/// once, a retry gets the first answer, the same key with another request is refused.
async fn every_change_is_made_once_for_a_key(backend: Backend) {
    let Some(app) = demo_app(backend).await else {
        return;
    };
    let (ann, bob, carl) = (
        app.person(ANN).await,
        app.person(BOB).await,
        app.person(CARL).await,
    );
    // Types that one person gives another, several at a time.
    let stopped = ann_to_bob(&ann, &bob, "fin.myminfin_consult", true).await;
    let withdrawn = ann_to_bob(&ann, &bob, "fin.tax_disputes", false).await;
    let rejected = ann_to_bob(&ann, &bob, "ehealth.consent", false).await;
    let transferred = ann_to_bob(&ann, &bob, "ehealth.prescriptions", true).await;
    let narrowed = ann_to_bob(&ann, &bob, "ehealth.social_status", true).await;
    let executor = id_of(role_of(&roster(&carl, OFFICE).await, DINA, "executor"));
    let action = |id: &str, action: &str| format!("/api/v1/mandates/{id}/{action}");
    let another = json!({"note": "another request"});
    let cases = [
        Retry {
            what: "stop",
            caller: &ann,
            method: Method::POST,
            path: action(&stopped, "stop"),
            body: json!({}),
            other: another.clone(),
            status: 200,
            recorded: Recorded::InHistory(stopped.clone(), "stopped"),
        },
        Retry {
            what: "withdraw",
            caller: &ann,
            method: Method::POST,
            path: action(&withdrawn, "withdraw"),
            body: json!({}),
            other: another.clone(),
            status: 200,
            recorded: Recorded::InHistory(withdrawn.clone(), "withdrawn"),
        },
        Retry {
            what: "reject",
            caller: &bob,
            method: Method::POST,
            path: action(&rejected, "reject"),
            body: json!({}),
            other: another.clone(),
            status: 200,
            recorded: Recorded::InHistory(rejected.clone(), "rejected"),
        },
        Retry {
            what: "transfer",
            caller: &ann,
            method: Method::POST,
            path: action(&transferred, "transfer"),
            body: json!({"mandatee": CARL}),
            other: json!({"mandatee": DINA}),
            status: 201,
            recorded: Recorded::InHistory(transferred.clone(), "transfer_requested"),
        },
        Retry {
            what: "change of terms",
            caller: &ann,
            method: Method::PATCH,
            path: format!("/api/v1/mandates/{narrowed}"),
            body: json!({"version": 1, "valid_until": "2027-06-30"}),
            other: json!({"version": 1, "valid_until": "2027-05-31"}),
            status: 200,
            recorded: Recorded::InHistory(narrowed.clone(), "narrowed"),
        },
        Retry {
            what: "assign a role",
            caller: &carl,
            method: Method::POST,
            path: roles_path(OFFICE),
            body: json!({"person": ANN, "kind": "executor", "domain": "fin", "types": ["fin.tax_on_web"]}),
            other: json!({"person": ANN, "kind": "executor", "domain": "fin", "types": ["fin.biztax"]}),
            status: 201,
            recorded: Recorded::InRoles(OFFICE, "role_assigned"),
        },
        Retry {
            what: "end a role",
            caller: &carl,
            method: Method::POST,
            path: format!("{}/{executor}/end", roles_path(OFFICE)),
            body: json!({}),
            other: another.clone(),
            status: 200,
            recorded: Recorded::InRoles(OFFICE, "role_ended"),
        },
    ];
    for case in &cases {
        case.is_made_once().await;
    }
}

async fn an_answer_remembered_by_an_earlier_version_is_replayed_not_redone(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let ann = app.person(ANN).await;
    let body = tax_return(ANN, BOB);
    let first = ann.create(body.clone()).await;
    // An earlier version of the service kept the answer's JSON itself under the key (the
    // request's fingerprint: the SHA-256 of its method, path and body).
    let fingerprint: String = {
        use sha2::Digest;
        let mut hash = sha2::Sha256::new();
        hash.update(b"POST /api/v1/mandates\0");
        hash.update(body.to_string().as_bytes());
        hash.finalize().iter().map(|b| format!("{b:02x}")).collect()
    };
    app.db
        .execute_raw(&format!(
            "INSERT INTO idempotency (principal, key, fingerprint, status, body, created_at) \
             VALUES ('{ANN}|{ANN}', 'from-before', '{fingerprint}', 201, '{}', 0)",
            first.to_string().replace('\'', "''")
        ))
        .await;
    // Retried with that key now: the mandate it made is the answer; none is made again.
    let again = ann
        .send(
            Method::POST,
            "/api/v1/mandates",
            &[("idempotency-key", "from-before")],
            Some(body),
        )
        .await
        .expect(201);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(again.body["id"], first["id"]);
    let listed = ann.get("/api/v1/mandates").await.expect(200).body;
    assert_eq!(listed["items"].as_array().map(Vec::len), Some(1));
}

async fn the_version_a_change_is_based_on_is_part_of_its_key(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let (ann, bob) = (app.person(ANN).await, app.person(BOB).await);
    let id = ann.create(tax_return(ANN, BOB)).await["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    bob.sign(&id, 1).await.expect(200);
    let path = format!("/api/v1/mandates/{id}");
    let narrow = json!({"valid_until": "2027-06-30"});
    ann.send(
        Method::PATCH,
        &path,
        &[("idempotency-key", "narrow"), ("if-match", "\"1\"")],
        Some(narrow.clone()),
    )
    .await
    .expect(200);
    // The same key and body based on another version is another request.
    ann.send(
        Method::PATCH,
        &path,
        &[("idempotency-key", "narrow"), ("if-match", "\"2\"")],
        Some(narrow),
    )
    .await
    .refused(422, "idempotency_key_reused");
}

on_both_stores!(
    an_answer_remembered_by_an_earlier_version_is_replayed_not_redone,
    the_version_a_change_is_based_on_is_part_of_its_key,
    a_retried_create_creates_once,
    a_retried_signature_gets_the_first_answer,
    every_change_is_made_once_for_a_key,
);
