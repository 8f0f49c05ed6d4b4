//! Bulk jobs: the dry run changes nothing, per-row keeps the good rows, all-or-nothing keeps
//! none when one fails, a re-upload applies nothing twice, and a job is its owner's alone.

use axum::http::Method;
use serde_json::{Value, json};

use crate::on_both_stores;
use crate::support::*;

/// Uploads a file as `caller`; answers the status and the job.
async fn upload(caller: &Caller<'_>, query: &str, file: &[u8]) -> (u16, Value) {
    let (status, job, _) = upload_keyed(caller, query, file, None).await;
    (status, job)
}

/// Uploads a file with an `Idempotency-Key`; answers the status, the job and whether the
/// answer was marked as replayed.
async fn upload_keyed(
    caller: &Caller<'_>,
    query: &str,
    file: &[u8],
    key: Option<&str>,
) -> (u16, Value, bool) {
    let mut headers = vec![("accept-language", "en")];
    headers.extend(key.map(|k| ("idempotency-key", k)));
    let path = format!("/api/v1/bulk?{query}");
    let answer = caller
        .send_raw(Method::POST, &path, &headers, "text/csv", file.to_vec())
        .await;
    let replayed = answer.header("idempotent-replayed").is_some();
    (answer.status.as_u16(), answer.body, replayed)
}

/// Commits a job and waits until it has run.
async fn commit(caller: &Caller<'_>, job: &str) -> Value {
    caller
        .post(&format!("/api/v1/bulk/{job}/commit"), json!({}))
        .await
        .expect(202);
    commit_wait(caller, job).await
}

/// Waits until a committed job has run.
async fn commit_wait(caller: &Caller<'_>, job: &str) -> Value {
    for _ in 0..500 {
        let now = caller
            .get(&format!("/api/v1/bulk/{job}"))
            .await
            .expect(200)
            .body;
        if now["state"] == "done" || now["state"] == "failed" {
            return now;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("job {job} did not finish");
}

fn states(job: &Value) -> Vec<String> {
    job["rows"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| r["state"].as_str().unwrap_or_default().to_owned())
        .collect()
}

async fn count_mandates(caller: &Caller<'_>) -> usize {
    caller
        .get("/api/v1/mandates?limit=500")
        .await
        .expect(200)
        .body["items"]
        .as_array()
        .map_or(0, Vec::len)
}

const CREATE: &str = "mandator;mandatee;types;valid_from;valid_until;reference\n\
    85073003328;90010112395;fin.myminfin_consult;2027-03-15;2027-12-31;one\n\
    85073003328;9001011239;fin.myminfin_consult;2027-03-15;2027-12-31;bad number\n\
    85073003328;90010112395;fin.myminfin_consult;2027-03-15;2027-12-31;same again\n\
    85073003328;78021545667;fin.myminfin_consult fin.tax_disputes;2027-03-15;2027-06-30;two\n";

async fn a_dry_run_reports_every_row_and_changes_nothing(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let ann = app.person(ANN).await;
    let (status, job) = upload(
        &ann,
        "operation=create&format=csv&mode=per-row&domain=fin",
        CREATE.as_bytes(),
    )
    .await;
    assert_eq!(status, 201, "{job}");
    assert_eq!(job["state"], "validated");
    assert_eq!(job["total"], 4);
    assert_eq!(states(&job), ["valid", "invalid", "invalid", "valid"]);
    let bad = &job["rows"][1]["errors"][0];
    assert_eq!(bad["field"], "mandatee");
    assert!(
        bad["message"].as_str().unwrap_or_default().contains("0"),
        "{bad}"
    );
    assert_eq!(job["rows"][2]["errors"][0]["code"], "duplicate_in_file");
    assert_eq!(count_mandates(&ann).await, 0, "a dry run writes nothing");

    let done = commit(&ann, job["id"].as_str().unwrap_or_default()).await;
    assert_eq!(done["state"], "done");
    assert_eq!(
        (done["succeeded"].as_i64(), done["failed"].as_i64()),
        (Some(2), Some(2))
    );
    assert_eq!(states(&done), ["applied", "invalid", "invalid", "applied"]);
    assert_eq!(count_mandates(&ann).await, 2);
    // Every row obeyed the single operation's rules: Ann signed, Bob's signature is missing.
    let id = done["rows"][0]["mandate_id"].as_str().unwrap_or_default();
    let m = ann.mandate(id).await.expect(200).body;
    assert_eq!(m["status"], "pending");
    assert_eq!(m["awaiting"], json!(["mandatee"]));
}

async fn uploading_the_same_file_again_applies_nothing_twice(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let ann = app.person(ANN).await;
    let query = "operation=create&format=csv&mode=per-row&domain=fin";
    let (_, first) = upload(&ann, query, CREATE.as_bytes()).await;
    commit(&ann, first["id"].as_str().unwrap_or_default()).await;
    let (_, again) = upload(&ann, query, CREATE.as_bytes()).await;
    assert_eq!(
        states(&again),
        ["unchanged", "invalid", "invalid", "unchanged"]
    );
    let done = commit(&ann, again["id"].as_str().unwrap_or_default()).await;
    assert_eq!(done["succeeded"], 0);
    assert_eq!(count_mandates(&ann).await, 2);
    // A committed job is not run twice.
    ann.post(
        &format!(
            "/api/v1/bulk/{}/commit",
            first["id"].as_str().unwrap_or_default()
        ),
        json!({}),
    )
    .await
    .refused(409, "bulk_job_not_validated");
}

async fn an_idempotency_key_makes_one_job_and_runs_it_once(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let ann = app.person(ANN).await;
    let query = "operation=create&format=csv&mode=per-row&domain=fin";
    // Two uploads with the same key at once, then a third: one job.
    let (a, b) = tokio::join!(
        upload_keyed(&ann, query, CREATE.as_bytes(), Some("spring-2027")),
        upload_keyed(&ann, query, CREATE.as_bytes(), Some("spring-2027")),
    );
    let (status, again, replayed) =
        upload_keyed(&ann, query, CREATE.as_bytes(), Some("spring-2027")).await;
    assert_eq!((a.0, b.0, status), (201, 201, 201));
    assert_eq!(a.1["id"], b.1["id"]);
    assert_eq!(again["id"], a.1["id"]);
    assert!(replayed, "a repeated upload says it is the first answer");
    assert!(a.2 != b.2, "one of the two at once made the job");
    // The same key for another file is refused, and makes no job.
    let other = CREATE.replace("2027-12-31", "2028-12-31");
    let (status, refused, _) =
        upload_keyed(&ann, query, other.as_bytes(), Some("spring-2027")).await;
    assert_eq!(status, 422, "{refused}");
    assert_eq!(refused["code"], "idempotency_key_reused");

    // A commit sent twice with its key: the second answers with the job, and it runs once.
    let job = a.1["id"].as_str().unwrap_or_default();
    let path = format!("/api/v1/bulk/{job}/commit");
    let first = ann
        .send(Method::POST, &path, &[("idempotency-key", "go")], None)
        .await
        .expect(202);
    let second = ann
        .send(Method::POST, &path, &[("idempotency-key", "go")], None)
        .await
        .expect(202);
    assert_eq!(first.body["id"], second.body["id"]);
    assert_eq!(second.header("idempotent-replayed"), Some("true"));
    let done = commit_wait(&ann, job).await;
    assert_eq!(done["succeeded"], 2);
    assert_eq!(count_mandates(&ann).await, 2);
    // A new key for a job already committed is a conflict.
    ann.send(Method::POST, &path, &[("idempotency-key", "again")], None)
        .await
        .refused(409, "bulk_job_not_validated");
}

async fn all_or_nothing_keeps_nothing_when_a_row_fails(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let (ann, bob) = (app.person(ANN).await, app.person(BOB).await);
    let mut ids = Vec::new();
    for mandatee in [BOB, CARL] {
        let m = ann
            .create(json!({"domain": "fin", "types": ["fin.myminfin_consult"], "mandator": ANN, "mandatee": mandatee, "valid_from": "2027-03-15", "valid_until": "2027-12-31"}))
            .await;
        ids.push(m["id"].as_str().unwrap_or_default().to_owned());
    }
    let file = format!("mandate\n{}\n{}\n", ids[0], ids[1]);
    let (status, job) = upload(&ann, "operation=stop&format=csv", file.as_bytes()).await;
    assert_eq!(status, 201, "{job}");
    // Both can be stopped now... but one is withdrawn before the commit.
    assert_eq!(
        states(&job),
        ["invalid", "invalid"],
        "pending mandates cannot be stopped"
    );
    // Make both active, then validate again.
    bob.sign(&ids[0], 1).await.expect(200);
    app.person(CARL).await.sign(&ids[1], 1).await.expect(200);
    let (_, job) = upload(&ann, "operation=stop&format=csv", file.as_bytes()).await;
    assert_eq!(states(&job), ["valid", "valid"]);
    ann.action(&ids[1], "stop", json!({})).await.expect(200);
    let done = commit(&ann, job["id"].as_str().unwrap_or_default()).await;
    assert_eq!(done["state"], "failed");
    assert_eq!(states(&done), ["not_applied", "failed"]);
    assert_eq!(
        ann.mandate(&ids[0]).await.body["status"],
        "scheduled",
        "rolled back"
    );
}

async fn a_job_is_its_owners_alone(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let (ann, bob) = (app.person(ANN).await, app.person(BOB).await);
    let (_, job) = upload(
        &ann,
        "operation=create&format=csv&domain=fin",
        CREATE.as_bytes(),
    )
    .await;
    let id = job["id"].as_str().unwrap_or_default();
    bob.get(&format!("/api/v1/bulk/{id}"))
        .await
        .refused(404, "bulk_job_not_found");
    bob.post(&format!("/api/v1/bulk/{id}/commit"), json!({}))
        .await
        .refused(404, "bulk_job_not_found");
    bob.get(&format!("/api/v1/bulk/{id}/results.csv"))
        .await
        .refused(404, "bulk_job_not_found");
    let csv = ann
        .get(&format!("/api/v1/bulk/{id}/results.csv"))
        .await
        .expect(200);
    let text = csv.body.as_str().unwrap_or_default();
    assert!(text.starts_with("line,state,mandate_id,errors"), "{text}");
    assert_eq!(text.lines().count(), 5);
}

async fn the_federal_ssm_file_creates_for_the_uploaders_side(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let bob = app.person(BOB).await;
    // Windows-1252, as saved by a spreadsheet: "é" is one byte.
    let mut file = b"85073003328;;;nl;dossier ".to_vec();
    file.push(0xE9);
    file.extend_from_slice(b";20270315;20271231\r\n5061207730;;;fr;lost zero;20270315;\r\n");
    let (status, job) = upload(
        &bob,
        "operation=create&format=ssm&mode=per-row&domain=fin&types=fin.myminfin_consult&role=mandatee",
        &file,
    )
    .await;
    assert_eq!(status, 201, "{job}");
    assert_eq!(states(&job), ["valid", "invalid"]);
    let lost = &job["rows"][1]["errors"][0];
    assert!(
        lost["message"]
            .as_str()
            .unwrap_or_default()
            .contains("leading zero"),
        "{lost}"
    );
    let done = commit(&bob, job["id"].as_str().unwrap_or_default()).await;
    let id = done["rows"][0]["mandate_id"].as_str().unwrap_or_default();
    let m = bob.mandate(id).await.expect(200).body;
    assert_eq!(
        (m["mandator"].as_str(), m["mandatee"].as_str()),
        (Some(ANN), Some(BOB))
    );
    assert_eq!(m["reference"], "dossier é");
    assert_eq!(m["awaiting"], json!(["mandator"]));
}

async fn ssm_errors_name_the_files_own_fields(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let bob = app.person(BOB).await;
    // Line 1 starts before today; line 2 ends before it starts; line 3 names a person where
    // the type wants an enterprise as mandator.
    let file = b"85073003328;;;nl;past;20270101;20271231
        78021545667;;;nl;backwards;20270401;20270315
        05061207730;;;nl;person;20270315;20271231
";
    let (status, job) = upload(
        &bob,
        "operation=create&format=ssm&mode=per-row&domain=fin&types=fin.myminfin_consult&role=mandatee",
        &file[..file.len() - 2],
    )
    .await;
    assert_eq!(status, 201, "{job}");
    let fields = |row: usize| -> Vec<String> {
        job["rows"][row]["errors"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|e| e["field"].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    assert_eq!(fields(0), ["start_date"], "{job:#}");
    assert_eq!(fields(1), ["end_date"], "{job:#}");
    let (_, biztax) = upload(
        &bob,
        "operation=create&format=ssm&mode=per-row&domain=fin&types=fin.biztax&role=mandatee",
        b"85073003328;;;nl;a person;20270315;20271231",
    )
    .await;
    let field = biztax["rows"][0]["errors"][0]["field"].clone();
    assert_eq!(field, "other_party", "{biztax:#}");
    // An SSM file only creates: said at once, not that a side is missing.
    let refused = bob
        .send_raw(
            Method::POST,
            "/api/v1/bulk?operation=stop&format=ssm",
            &[],
            "text/plain",
            b"85073003328;;;nl;x;20270315;".to_vec(),
        )
        .await
        .refused(422, "validation_failed");
    assert_eq!(
        refused.field_errors(),
        [("format".to_owned(), "ssm_create_only".to_owned())]
    );
}

/// One SSM line: Ann, with Bob's capacity, his reference, and a period that both the eHealth
/// and the MyMinfin types allow.
const SSM_WITH_CAPACITY: &[u8] = b"85073003328;;Huisarts;nl;dossier 7;20270315;20271231\r\n";

async fn an_ssm_capacity_reaches_the_ehealth_mandate(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let (ann, bob) = (app.person(ANN).await, app.person(BOB).await);
    let (status, job) = upload(
        &bob,
        "operation=create&format=ssm&mode=per-row&domain=ehealth&types=ehealth.riziv_admin_file&role=mandatee",
        SSM_WITH_CAPACITY,
    )
    .await;
    assert_eq!(status, 201, "{job}");
    assert_eq!(states(&job), ["valid"]);
    let done = commit(&bob, job["id"].as_str().unwrap_or_default()).await;
    assert_eq!(states(&done), ["applied"]);
    let id = done["rows"][0]["mandate_id"].as_str().unwrap_or_default();
    let m = bob.mandate(id).await.expect(200).body;
    assert_eq!(
        (m["domain"].as_str(), m["mandatee"].as_str()),
        (Some("ehealth"), Some(BOB))
    );
    assert_eq!(m["capacity"], "Huisarts");
    assert_eq!(m["reference"], "dossier 7");
    // The capacity is among Bob's own notes: Ann does not see it as hers.
    let seen_by_ann = ann.mandate(id).await.expect(200).body;
    assert_eq!(seen_by_ann["capacity"], Value::Null);
}

async fn an_ssm_capacity_outside_ehealth_is_refused_in_the_dry_run(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let bob = app.person(BOB).await;
    let (status, job) = upload(
        &bob,
        "operation=create&format=ssm&mode=per-row&domain=fin&types=fin.myminfin_consult&role=mandatee",
        SSM_WITH_CAPACITY,
    )
    .await;
    assert_eq!(status, 201, "{job}");
    assert_eq!(states(&job), ["invalid"]);
    let refused = &job["rows"][0]["errors"];
    assert_eq!(refused.as_array().map(Vec::len), Some(1), "{refused}");
    assert_eq!(
        (refused[0]["field"].as_str(), refused[0]["code"].as_str()),
        (Some("capacity"), Some("capacity_ehealth_only"))
    );
    assert!(
        refused[0]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("eHealth"),
        "{refused}"
    );
    assert_eq!(count_mandates(&bob).await, 0);
}

async fn a_bulk_sign_signs_the_versions_shown(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let (ann, bob) = (app.person(ANN).await, app.person(BOB).await);
    let m = ann
        .create(json!({"domain": "fin", "types": ["fin.myminfin_consult"], "mandator": ANN, "mandatee": BOB, "valid_from": "2027-03-15", "valid_until": "2027-12-31"}))
        .await;
    let id = m["id"].as_str().unwrap_or_default();
    let (_, job) = upload(
        &bob,
        "operation=sign&format=json",
        json!([{"mandate": id, "version": 1}])
            .to_string()
            .as_bytes(),
    )
    .await;
    assert_eq!(states(&job), ["valid"]);
    let done = commit(&bob, job["id"].as_str().unwrap_or_default()).await;
    assert_eq!(states(&done), ["applied"]);
    // Signed by both, in force from 15 March: shown as such, not as in force already.
    assert_eq!(bob.mandate(id).await.body["status"], "scheduled");
    // A version that is not the one in force is refused, row by row.
    let (_, stale) = upload(
        &bob,
        "operation=sign&format=json",
        json!([{"mandate": id, "version": 7}])
            .to_string()
            .as_bytes(),
    )
    .await;
    assert_eq!(states(&stale), ["invalid"]);
    // Carl may not see Ann's mandate with Bob, and no mandate has the nil id: both "not found".
    let carl = app.person(CARL).await;
    let (_, unseen) = upload(
        &carl,
        "operation=stop&format=json",
        json!([{"mandate": id}, {"mandate": uuid::Uuid::nil()}])
            .to_string()
            .as_bytes(),
    )
    .await;
    assert_eq!(states(&unseen), ["invalid", "invalid"]);
    for row in unseen["rows"].as_array().into_iter().flatten() {
        assert_eq!(row["errors"][0]["code"], "mandate_not_found", "{row}");
    }
}

async fn every_template_can_be_uploaded_as_it_is(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let ann = app.person(ANN).await;
    for (format, operation) in [
        ("csv", "create"),
        ("json", "create"),
        ("csv", "stop"),
        ("json", "sign"),
        ("csv", "transfer"),
    ] {
        let file = app
            .request(
                Method::GET,
                &format!("/api/v1/bulk/templates/{format}?operation={operation}"),
                &[],
                None,
            )
            .await
            .expect(200);
        let text = match &file.body {
            Value::String(t) => t.clone(),
            other => other.to_string(),
        };
        let (status, job) = upload(
            &ann,
            &format!("operation={operation}&format={format}"),
            text.as_bytes(),
        )
        .await;
        assert_eq!(status, 201, "{format} {operation}: {job}");
        assert!(job["total"].as_i64().unwrap_or_default() >= 1);
    }
    app.request(Method::GET, "/api/v1/bulk/templates/xlsx", &[], None)
        .await
        .expect(404);
}

/// Ann proposes `fin.myminfin_consult` to each mandatee; returns the ids.
async fn proposals(app: &TestApp, mandatees: &[&str]) -> Vec<String> {
    let ann = app.person(ANN).await;
    let mut ids = Vec::new();
    for mandatee in mandatees {
        let m = ann
            .create(json!({"domain": "fin", "types": ["fin.myminfin_consult"], "mandator": ANN, "mandatee": mandatee, "valid_from": "2027-03-15", "valid_until": "2027-12-31"}))
            .await;
        ids.push(m["id"].as_str().unwrap_or_default().to_owned());
    }
    ids
}

async fn a_selection_signs_all_that_waits_and_stops_all_with_a_party(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let (ann, bob) = (app.person(ANN).await, app.person(BOB).await);
    let ids = proposals(&app, &[BOB, CARL]).await;
    let (status, job) = upload(&bob, "operation=sign&select=waiting", b"").await;
    assert_eq!(status, 201, "{job}");
    assert_eq!(
        (job["total"].as_i64(), states(&job)),
        (Some(1), vec!["valid".to_owned()])
    );
    commit(&bob, job["id"].as_str().unwrap_or_default()).await;
    assert_eq!(bob.mandate(&ids[0]).await.body["status"], "scheduled");
    assert_eq!(
        app.person(CARL).await.mandate(&ids[1]).await.body["status"],
        "pending"
    );
    // Nothing waits any more: nothing to select.
    let (status, _) = upload(&bob, "operation=sign&select=waiting", b"").await;
    assert_eq!(status, 422);
    let (_, job) = upload(
        &ann,
        &format!("operation=stop&select=party&party={BOB}"),
        b"",
    )
    .await;
    assert_eq!(job["total"], 1, "{job}");
    commit(&ann, job["id"].as_str().unwrap_or_default()).await;
    assert_eq!(ann.mandate(&ids[0]).await.body["status"], "stopped");
    assert_eq!(ann.mandate(&ids[1]).await.body["status"], "pending");
}

async fn a_selection_transfers_all_a_mandatee_holds(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let bob = app.person(BOB).await;
    let ids = proposals(&app, &[BOB]).await;
    bob.sign(&ids[0], 1).await.expect(200);
    let (status, job) = upload(
        &bob,
        &format!("operation=transfer&select=held&domain=fin&new_mandatee={CARL}"),
        b"",
    )
    .await;
    assert_eq!(status, 201, "{job}");
    let done = commit(&bob, job["id"].as_str().unwrap_or_default()).await;
    assert_eq!(states(&done), ["applied"]);
    let new = done["rows"][0]["mandate_id"].as_str().unwrap_or_default();
    let carl = app.person(CARL).await;
    let m = carl.mandate(new).await.expect(200).body;
    assert_eq!(
        (m["mandatee"].as_str(), m["status"].as_str()),
        (Some(CARL), Some("pending"))
    );
    // The old one stays as it was (signed, in force from 15 March) until the new one is signed.
    assert_eq!(bob.mandate(&ids[0]).await.body["status"], "scheduled");
}

async fn all_or_nothing_applies_nothing_when_a_row_is_invalid(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let ann = app.person(ANN).await;
    let (_, job) = upload(
        &ann,
        "operation=create&format=csv&domain=fin",
        CREATE.as_bytes(),
    )
    .await;
    assert_eq!(job["mode"], "all-or-nothing");
    // Committing it would apply nothing: it is refused at once, and the job stays as it was.
    let id = job["id"].as_str().unwrap_or_default();
    let refused = ann
        .post(&format!("/api/v1/bulk/{id}/commit"), json!({}))
        .await
        .refused(409, "bulk_job_has_invalid_rows");
    assert_eq!(refused.body["params"]["invalid"], "2");
    let job = ann
        .get(&format!("/api/v1/bulk/{id}"))
        .await
        .expect(200)
        .body;
    assert_eq!(job["state"], "validated");
    assert_eq!(states(&job), ["valid", "invalid", "invalid", "valid"]);
    assert_eq!(count_mandates(&ann).await, 0);
}

async fn a_results_cell_is_never_a_formula(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let ann = app.person(ANN).await;
    let formula = "=HYPERLINK(\"http://evil.example\",\"open\")";
    let file = json!([{"mandator": ANN, "mandatee": BOB, "domain": "fin", "types": ["fin.tax_on_web"], "valid_until": "2027-12-31", formula: "x"}]);
    let job = ann
        .send_raw(
            Method::POST,
            "/api/v1/bulk?operation=create&format=json",
            &[("accept-language", "en")],
            "application/json",
            file.to_string().into_bytes(),
        )
        .await
        .expect(201)
        .body;
    assert_eq!(job["rows"][0]["errors"][0]["field"], formula, "{job:#}");
    let id = job["id"].as_str().unwrap_or_default();
    let results = ann
        .get(&format!("/api/v1/bulk/{id}/results.csv"))
        .await
        .expect(200);
    let text = results.body.as_str().unwrap_or_default();
    let rows: Vec<csv::StringRecord> = csv::Reader::from_reader(text.as_bytes())
        .records()
        .collect::<Result<_, _>>()
        .expect("a CSV file");
    assert_eq!(rows.len(), 1, "{text}");
    assert_eq!(&rows[0][0], "1");
    let errors = &rows[0][3];
    assert!(errors.starts_with(&format!("'{formula}: ")), "{errors}");
}

/// The server reads a bounded number of bulk files at once: past it, another is answered 503
/// `uploads_busy` with `Retry-After` at once (its file unread), and taken again once a slot
/// is free.
async fn files_past_the_upload_slots_wait_their_turn(backend: Backend) {
    use futures_util::StreamExt;
    use tower::ServiceExt;
    let Some(db) = TestStore::new(backend).await else {
        return;
    };
    let app = TestApp::on(db, |c| c.http.max_uploads = 2)
        .await
        .expect("the application");
    let ann = app.person(ANN).await;
    let endless_upload = || {
        let body = futures_util::stream::once(async {
            Ok::<_, std::io::Error>(axum::body::Bytes::from_static(b"mandate\n"))
        })
        .chain(futures_util::stream::pending());
        let request = axum::http::Request::post("/api/v1/bulk?operation=stop&format=csv")
            .header("authorization", format!("Bearer {}", ann.token))
            .header("content-type", "text/csv")
            .body(axum::body::Body::from_stream(body))
            .expect("a request");
        tokio::spawn(app.router.clone().oneshot(request))
    };
    let slow = [endless_upload(), endless_upload()];
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;

    let answer = ann
        .send_raw(
            Method::POST,
            "/api/v1/bulk?operation=stop&format=csv",
            &[("accept-language", "en")],
            "text/csv",
            b"mandate\n".to_vec(),
        )
        .await;
    assert_eq!(answer.status.as_u16(), 503, "{:#}", answer.body);
    assert_eq!(answer.body["code"], "uploads_busy");
    assert_eq!(answer.header("retry-after"), Some("5"));

    for upload in slow {
        upload.abort();
    }
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let (status, job) = upload(&ann, "operation=stop&format=csv", b"mandate\n").await;
    assert_ne!(status, 503, "{job:#}");
}

on_both_stores!(
    files_past_the_upload_slots_wait_their_turn,
    a_results_cell_is_never_a_formula,
    all_or_nothing_applies_nothing_when_a_row_is_invalid,
    a_selection_signs_all_that_waits_and_stops_all_with_a_party,
    a_selection_transfers_all_a_mandatee_holds,
    every_template_can_be_uploaded_as_it_is,
    a_dry_run_reports_every_row_and_changes_nothing,
    uploading_the_same_file_again_applies_nothing_twice,
    an_idempotency_key_makes_one_job_and_runs_it_once,
    all_or_nothing_keeps_nothing_when_a_row_fails,
    a_job_is_its_owners_alone,
    the_federal_ssm_file_creates_for_the_uploaders_side,
    ssm_errors_name_the_files_own_fields,
    an_ssm_capacity_reaches_the_ehealth_mandate,
    an_ssm_capacity_outside_ehealth_is_refused_in_the_dry_run,
    a_bulk_sign_signs_the_versions_shown,
);
