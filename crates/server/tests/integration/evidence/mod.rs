//! Evidence as a court would meet it, on both stores: every act returns a receipt that an
//! independent JOSE implementation verifies, checkpoints sign the chain, and a verification
//! with the public keys alone names the event where a stored log was changed, cut, added to
//! or reordered, and the checkpoints that no longer hold when the log was rewritten whole.

use std::io::Write as _;
use std::process::{Command, Stdio};

use axum::http::Method;
use mandates_server::evidence::checkpoints;
use mandates_server::evidence::verify::{Fault, Keys, Report, verify_store};
use serde_json::{Value, json};

use crate::on_both_stores;
use crate::support::*;

/// The service's public keys.
async fn jwks(app: &TestApp) -> Value {
    app.request(Method::GET, "/.well-known/jwks.json", &[], None)
        .await
        .expect(200)
        .body
}

/// Each token verified by `jose_verify.py` (PyPI `jwcrypto`): its verdict.
fn verified_elsewhere(jwks: &Value, tokens: &[(&str, &str)]) -> Vec<Value> {
    let request = json!({
        "jwks": jwks,
        "tokens": tokens.iter().map(|(jws, typ)| json!({"jws": jws, "typ": typ})).collect::<Vec<_>>(),
    });
    serde_json::from_value(independent(&request)).expect("the verdicts")
}

/// What `jose_verify.py` (PyPI `jwcrypto`, Python's own SHA-256 and JSON) answers `request`.
fn independent(request: &Value) -> Value {
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/integration/evidence/jose_verify.py");
    let mut child = Command::new("python3")
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(request.to_string().as_bytes())
        .expect("write the tokens");
    let out = child.wait_with_output().expect("the verifier ends");
    assert!(
        out.status.success(),
        "the verifier failed (is the PyPI package jwcrypto installed? python3 -m pip install jwcrypto==1.6.1)"
    );
    serde_json::from_slice(&out.stdout).expect("the verdicts")
}

/// A mandate to view the tax file, which many may hold at once.
fn consult(mandator: &str, mandatee: &str) -> Value {
    json!({"domain": "fin", "types": ["fin.myminfin_consult"], "mandator": mandator, "mandatee": mandatee, "valid_until": "2027-12-31"})
}

/// The receipts a change answered with.
fn receipts(resp: &Resp) -> Vec<String> {
    resp.headers
        .get_all("receipt")
        .iter()
        .map(|v| v.to_str().expect("a receipt is ASCII").to_owned())
        .collect()
}

/// Every act (create, sign, reject, stop, transfer) answers with a signed receipt of what
/// the person did, which jwcrypto verifies with the published keys; the event inside gives
/// the receipt's digest; the receipts read later are the same; a checkpoint signs the head.
async fn every_act_returns_a_receipt_verified_by_an_independent_library(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let ann = app.person(ANN).await;
    let bob = app.person(BOB).await;
    let created = ann
        .post("/api/v1/mandates", tax_return(ANN, BOB))
        .await
        .expect(201);
    let id = created.body["id"].as_str().expect("id").to_owned();
    let signed = bob.sign(&id, 1).await.expect(200);
    let other = ann.create(consult(ANN, CARL)).await;
    let other_id = other["id"].as_str().expect("id").to_owned();
    let rejected = app
        .person(CARL)
        .await
        .action(&other_id, "reject", json!({}))
        .await
        .expect(200);
    let transferred = ann
        .action(&id, "transfer", json!({"mandatee": DINA}))
        .await
        .expect(201);
    let stopped = ann.action(&id, "stop", json!({})).await.expect(200);

    let mut all: Vec<(String, &str, &str)> = Vec::new();
    for (resp, person, what) in [
        (&created, ANN, "created"),
        (&signed, BOB, "signed"),
        (&rejected, CARL, "rejected"),
        (&transferred, ANN, "created"),
        (&stopped, ANN, "stopped"),
    ] {
        let given = receipts(resp);
        assert!(!given.is_empty(), "{what}: no receipt: {:?}", resp.headers);
        all.extend(given.into_iter().map(|r| (r, person, what)));
    }
    let keys = jwks(&app).await;
    let tokens: Vec<(&str, &str)> = all
        .iter()
        .map(|(jws, _, _)| (jws.as_str(), "receipt+jwt"))
        .collect();
    let verdicts = verified_elsewhere(&keys, &tokens);
    let mut kinds = Vec::new();
    for ((_, person, _), verdict) in all.iter().zip(&verdicts) {
        assert_eq!(verdict["ok"], true, "{verdict}");
        assert_eq!(verdict["digest_matches"], true, "{verdict}");
        let claims = &verdict["claims"];
        assert_eq!(claims["by"], *person, "{claims}");
        // How they signed in: the demo issuer's tokens say "demo", and no level.
        assert_eq!(claims["amr"], json!(["demo"]), "{claims}");
        assert!(claims.get("acr").is_some(), "{claims}");
        assert_eq!(claims["event"]["seq"], claims["seq"]);
        kinds.push(claims["what"].as_str().unwrap_or_default().to_owned());
    }
    for (_, _, what) in &all {
        assert!(kinds.iter().any(|k| k == what), "{what} in {kinds:?}");
    }

    // A request repeated with its key is answered with the receipts of the first.
    let keyed = || {
        ann.send(
            Method::POST,
            "/api/v1/mandates",
            &[("idempotency-key", "evidence-1")],
            Some(consult(ANN, EVA)),
        )
    };
    let first = keyed().await.expect(201);
    let again = keyed().await.expect(201);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert!(!receipts(&first).is_empty());
    assert_eq!(receipts(&first), receipts(&again));

    // Read later, a receipt is the one given at the time, and it says where the event
    // stands in the history.
    let later = ann
        .get(&format!("/api/v1/mandates/{id}/receipts"))
        .await
        .expect(200);
    let history = ann
        .get(&format!("/api/v1/mandates/{id}/history"))
        .await
        .expect(200);
    let given_first = receipts(&created);
    let listed: Vec<&str> = later.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["receipt"].as_str().unwrap_or_default())
        .collect();
    for r in &given_first {
        assert!(listed.contains(&r.as_str()), "{r} in {listed:?}");
    }
    let first = &verdicts[0]["claims"];
    let event = history.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|e| e["seq"] == first["seq"])
        .expect("the receipt's event is in the history");
    assert_eq!(event["digest"], first["digest"]);
    assert_eq!(event["chain"], first["chain"]);
    // Not a party: no receipts.
    app.person(EVA)
        .await
        .get(&format!("/api/v1/mandates/{id}/receipts"))
        .await
        .refused(404, "mandate_not_found");

    // A checkpoint signs the chain value of the last event.
    let checkpoint = checkpoints::sign_now(&app.state)
        .await
        .expect("a checkpoint")
        .expect("events to sign");
    let served = app
        .request(Method::GET, "/api/v1/evidence/checkpoints", &[], None)
        .await
        .expect(200);
    let jws = served.body["items"][0]["jws"]
        .as_str()
        .expect("a checkpoint");
    assert_eq!(jws, checkpoint.jws);
    let verdict = &verified_elsewhere(&keys, &[(jws, "checkpoint+jwt")])[0];
    assert_eq!(verdict["ok"], true, "{verdict}");
    assert_eq!(verdict["claims"]["seq"], checkpoint.seq);
    assert_eq!(verdict["claims"]["chain"], checkpoint.chain.hex());
    let head = app.state.store().last_seq().await.expect("head");
    assert_eq!(checkpoint.seq, head);
    // A receipt does not pass for a checkpoint.
    let wrong = &verified_elsewhere(&keys, &[(given_first[0].as_str(), "checkpoint+jwt")])[0];
    assert_eq!(wrong["ok"], false, "{wrong}");
}

/// An app with a few mandates signed and stopped, and a checkpoint of its log.
async fn with_history(backend: Backend) -> Option<TestApp> {
    let app = TestApp::new(backend).await?;
    for (mandator, mandatee) in [(ANN, BOB), (CARL, DINA), (EVA, BOB)] {
        let m = app
            .person(mandator)
            .await
            .create(tax_return(mandator, mandatee))
            .await;
        let id = m["id"].as_str().expect("id");
        app.person(mandatee).await.sign(id, 1).await.expect(200);
    }
    checkpoints::sign_now(&app.state)
        .await
        .expect("a checkpoint")
        .expect("events to sign");
    Some(app)
}

async fn verified(app: &TestApp) -> Report {
    let keys = Keys::from_jwks(&jwks(app).await).expect("the keys");
    verify_store(app.state.store(), &keys)
        .await
        .expect("the log reads")
}

/// An untouched log verifies; one event changed, removed, inserted or two swapped is named
/// at its sequence number, and the checkpoint after it no longer holds.
async fn verification_names_the_event_where_the_log_was_touched(backend: Backend) {
    let Some(app) = with_history(backend).await else {
        return;
    };
    let report = verified(&app).await;
    assert!(report.holds(), "{:?}", report.lines());
    assert_eq!(report.held, 1);
    assert_eq!(report.unsigned, 0);
    assert!(report.events >= 6, "{:?}", report.lines());

    type Tamper = (&'static str, &'static [&'static str], Fault);
    let tampers: [Tamper; 4] = [
        (
            "one field of one event changed",
            &["UPDATE events SET person = '62092301281' WHERE seq = 3"],
            Fault::Changed,
        ),
        (
            "one event removed",
            &["DELETE FROM events WHERE seq = 3"],
            Fault::Missing,
        ),
        (
            "one event inserted",
            &[
                "UPDATE events SET seq = seq + 1000 WHERE seq >= 3",
                "UPDATE events SET seq = seq - 999 WHERE seq >= 1003",
                "INSERT INTO events (seq, stream, subject, kind, at, person, party, auth, version, detail, digest, chain) \
                 SELECT 3, stream, subject, kind, at, person, party, auth, version, detail, digest, chain FROM events WHERE seq = 2",
            ],
            Fault::Changed,
        ),
        (
            "two events swapped",
            &[
                "UPDATE events SET seq = -1 WHERE seq = 3",
                "UPDATE events SET seq = 3 WHERE seq = 4",
                "UPDATE events SET seq = 4 WHERE seq = -1",
            ],
            Fault::Changed,
        ),
    ];
    for (what, statements, fault) in tampers {
        let Some(app) = with_history(backend).await else {
            return;
        };
        for sql in statements {
            app.db.execute_raw(sql).await;
        }
        let report = verified(&app).await;
        assert!(!report.holds(), "{what}: {:?}", report.lines());
        assert_eq!(
            report.first_fault,
            Some((3, fault)),
            "{what}: {:?}",
            report.lines()
        );
        assert!(
            report
                .lines()
                .contains(&format!("event 3: {}", fault.describe())),
            "{what}: {:?}",
            report.lines()
        );
        assert_eq!(report.refuted_count, 1, "{what}: {:?}", report.lines());
    }
}

/// Whoever can write the database can change an event and chain the log again so that it
/// agrees with itself: the checkpoints, signed with a key outside the database, do not.
async fn a_log_rewritten_and_chained_again_fails_its_checkpoints(backend: Backend) {
    let Some(app) = with_history(backend).await else {
        return;
    };
    app.db
        .execute_raw("UPDATE events SET person = '62092301281' WHERE seq = 3")
        .await;
    app.db
        .execute_raw("UPDATE events SET digest = NULL, chain = NULL WHERE seq >= 3")
        .await;
    let chained = app
        .state
        .store()
        .chain_all_pending(2)
        .await
        .expect("chain again");
    assert!(chained >= 4, "{chained}");
    let report = verified(&app).await;
    assert_eq!(report.first_fault, None, "{:?}", report.lines());
    assert_eq!(report.held, 0, "{:?}", report.lines());
    assert_eq!(report.refuted_count, 1, "{:?}", report.lines());
    assert!(
        report.refuted[0].why.contains("not those it signed"),
        "{:?}",
        report.lines()
    );
    assert!(!report.holds());
}

/// Events recorded before the chain existed are chained in order, in batches, each batch
/// on its own (stopped, it goes on where it was); what is added meanwhile waits for them
/// and is chained after; the chain is the one the events would have had from the start.
async fn events_recorded_before_the_chain_are_chained_in_batches(backend: Backend) {
    let Some(app) = with_history(backend).await else {
        return;
    };
    let store = app.state.store();
    let before = store.events_after(0, 1000).await.expect("events");
    app.db
        .execute_raw("UPDATE events SET digest = NULL, chain = NULL")
        .await;
    let mut tx = store.begin().await.expect("a write");
    assert_eq!(tx.chain_pending(2).await.expect("two chained"), 2);
    tx.commit().await.expect("commit");
    // Meanwhile a change: recorded, not chained yet, and so without a receipt.
    let ann = app.person(ANN).await;
    let created = ann
        .post("/api/v1/mandates", consult(ANN, EVA))
        .await
        .expect(201);
    assert!(receipts(&created).is_empty(), "{:?}", created.headers);
    let rest = store.chain_all_pending(3).await.expect("the rest chained");
    let after = store.events_after(0, 1000).await.expect("events");
    assert_eq!(
        rest as usize,
        after.len() - 2,
        "the rest and the creation's"
    );
    for (old, new) in before.iter().zip(&after) {
        assert_eq!(old.seq, new.seq);
        assert_eq!(old.digest, new.digest, "event {}", old.seq);
        assert_eq!(old.chain, new.chain, "event {}", old.seq);
    }
    assert!(after.iter().all(|e| e.chain.is_some()));
    let report = verified(&app).await;
    assert!(report.holds(), "{:?}", report.lines());
    assert_eq!(report.held, 1);
    assert_eq!(report.unsigned, 2, "{:?}", report.lines());
    // Chained, the new event has its receipt.
    let id = created.body["id"].as_str().expect("id");
    let listed = ann
        .get(&format!("/api/v1/mandates/{id}/receipts"))
        .await
        .expect(200);
    assert_eq!(
        listed.body["items"].as_array().map(Vec::len),
        Some(ann.history(id).await.len())
    );
}

/// A party takes the evidence of a mandate: every event with its receipt and a proof to a
/// signed checkpoint, which the service's own verifier and an independent one (jwcrypto,
/// Python's SHA-256) both accept with the published keys alone; one event changed in the
/// file is named; the CSV has a line per event; each export is recorded in the log; someone
/// else gets nothing.
async fn a_partys_evidence_verifies_offline_and_is_recorded(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let ann = app.person(ANN).await;
    let bob = app.person(BOB).await;
    let m = ann.create(tax_return(ANN, BOB)).await;
    let id = m["id"].as_str().expect("id").to_owned();
    bob.sign(&id, 1).await.expect(200);
    // A checkpoint now, and more events after it: the export signs one for those.
    checkpoints::sign_now(&app.state)
        .await
        .expect("a checkpoint");
    ann.action(&id, "stop", json!({})).await.expect(200);

    let evidence = bob
        .get(&format!("/api/v1/mandates/{id}/evidence"))
        .await
        .expect(200)
        .body;
    assert_eq!(evidence["format"], "mandates-evidence/1");
    let history = ann.history(&id).await;
    assert_eq!(
        evidence["events"].as_array().map(Vec::len),
        Some(history.len())
    );
    assert!(
        evidence["proofs"].as_array().map(Vec::len) >= Some(2),
        "events before and after the first checkpoint: {evidence}"
    );
    let keys = jwks(&app).await;
    let own = Keys::from_jwks(&keys).expect("the keys");
    let parsed: mandates_server::evidence::export::Evidence =
        serde_json::from_value(evidence.clone()).expect("an evidence file");
    let report = mandates_server::evidence::verify::verify_evidence(&parsed, &own);
    assert!(report.holds(), "{:?}", report.lines());
    assert_eq!(report.events, history.len());
    assert_eq!(report.receipts, history.len());
    let elsewhere = independent(&json!({"jwks": keys, "evidence": evidence}));
    assert_eq!(elsewhere["errors"], json!([]), "{elsewhere}");
    let seqs: Vec<Value> = evidence["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| e["seq"].clone())
        .collect();
    assert_eq!(elsewhere["proven"], Value::Array(seqs.clone()));

    // One event changed in the file: both verifiers name it.
    let mut changed = evidence.clone();
    changed["events"][1]["event"]["person"] = json!(EVA);
    let seq = &seqs[1];
    let parsed: mandates_server::evidence::export::Evidence =
        serde_json::from_value(changed.clone()).expect("an evidence file");
    let report = mandates_server::evidence::verify::verify_evidence(&parsed, &own);
    assert!(
        report.lines().contains(&format!(
            "event {seq}: not as recorded (its digest does not match)"
        )),
        "{:?}",
        report.lines()
    );
    let elsewhere = independent(&json!({"jwks": keys, "evidence": changed}));
    assert!(
        elsewhere["errors"]
            .as_array()
            .expect("errors")
            .contains(&json!(format!("event {seq}: not as recorded"))),
        "{elsewhere}"
    );

    let csv = ann
        .get(&format!("/api/v1/mandates/{id}/evidence?format=csv"))
        .await
        .expect(200);
    let text = csv.body.as_str().expect("CSV text");
    assert!(
        text.starts_with("seq,at,kind,person,party,acr,version,digest,chain,checkpoint,receipt")
    );
    assert_eq!(text.lines().count(), history.len() + 1, "{text}");
    assert!(text.contains(",stopped,"), "{text}");

    // Each export is in the log: who took it, in which form.
    let exports = app
        .state
        .store()
        .events_of("evidence", &id)
        .await
        .expect("the exports");
    let taken: Vec<(Option<String>, Value)> = exports
        .iter()
        .map(|e| (e.person.clone(), e.detail["format"].clone()))
        .collect();
    assert_eq!(
        taken,
        vec![
            (Some(BOB.into()), json!("json")),
            (Some(ANN.into()), json!("csv"))
        ]
    );
    // Not a party: no evidence, and no export recorded.
    app.person(EVA)
        .await
        .get(&format!("/api/v1/mandates/{id}/evidence"))
        .await
        .refused(404, "mandate_not_found");
    ann.get(&format!("/api/v1/mandates/{id}/evidence?format=pdf2"))
        .await
        .refused(422, "validation_failed");
    let after = app
        .state
        .store()
        .events_of("evidence", &id)
        .await
        .expect("exports");
    assert_eq!(after.len(), 2);
    // The log with its exports still verifies.
    let report = verified(&app).await;
    assert!(report.holds(), "{:?}", report.lines());
}

on_both_stores!(
    every_act_returns_a_receipt_verified_by_an_independent_library,
    verification_names_the_event_where_the_log_was_touched,
    a_log_rewritten_and_chained_again_fails_its_checkpoints,
    events_recorded_before_the_chain_are_chained_in_batches,
    a_partys_evidence_verifies_offline_and_is_recorded,
);
