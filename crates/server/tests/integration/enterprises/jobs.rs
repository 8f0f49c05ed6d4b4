//! What an enterprise's people may do with its bulk jobs and what applications learn of
//! them: a job is read and committed only with one's own rights over every domain it
//! touches, and it runs with the committer's rights; the list of for whom an executor acts
//! holds the types of all their roles.

use serde_json::{Value, json};

use super::*;
use crate::on_both_stores;
use crate::support::*;

/// The office's mandate from citizen A (demo data: her tax return).
async fn office_tax_return(app: &TestApp) -> String {
    let carl = app.for_enterprise(CARL, OFFICE).await;
    with_type(&mandates(&carl).await, "fin.tax_on_web")
}

async fn a_job_is_read_and_committed_only_with_rights_over_it(backend: Backend) {
    let Some(app) = demo_app(backend).await else {
        return;
    };
    let tax = office_tax_return(&app).await;
    // The manager asks to stop everything the office holds from citizen A.
    let carl = app.for_enterprise(CARL, OFFICE).await;
    let uploaded = carl
        .send_raw(
            axum::http::Method::POST,
            &format!("/api/v1/bulk?operation=stop&select=party&party={ANN}"),
            &[],
            "text/plain",
            Vec::new(),
        )
        .await
        .expect(201)
        .body;
    let job = uploaded["id"].as_str().unwrap_or_default().to_owned();
    assert_eq!(uploaded["failed"], 0, "{uploaded:#}");
    let before = last_seq(&app).await;
    // The executor of other types does not see the mandates, nor the job; the executor of
    // this type sees the mandate but manages nothing: the job is not theirs either.
    for executor in [SECOND_EXECUTOR, DINA] {
        let other = app.for_enterprise(executor, OFFICE).await;
        for (path, post) in [
            (format!("/api/v1/bulk/{job}"), false),
            (format!("/api/v1/bulk/{job}/results.csv"), false),
            (format!("/api/v1/bulk/{job}/commit"), true),
        ] {
            let answer = if post {
                other.post(&path, json!({})).await
            } else {
                other.get(&path).await
            };
            answer.refused(404, "bulk_job_not_found");
        }
        // Nor may they make a job of their own.
        other
            .send_raw(
                axum::http::Method::POST,
                &format!("/api/v1/bulk?operation=stop&select=party&party={ANN}"),
                &[],
                "text/plain",
                Vec::new(),
            )
            .await
            .refused(403, "bulk_not_allowed");
    }
    assert_eq!(last_seq(&app).await, before, "nothing changed");
    assert_eq!(
        carl.mandate(&tax).await.expect(200).body["status"],
        "active"
    );
    // The legal representative manages every domain: the job is theirs to commit, and the
    // history names who committed it.
    let representative = app.for_enterprise(OFFICE_REPRESENTATIVE, OFFICE).await;
    representative
        .post(&format!("/api/v1/bulk/{job}/commit"), json!({}))
        .await
        .expect(202);
    let mut state = Value::Null;
    for _ in 0..500 {
        state = carl
            .get(&format!("/api/v1/bulk/{job}"))
            .await
            .expect(200)
            .body;
        if state["state"] == "done" {
            break;
        }
        tokio::task::yield_now().await;
    }
    assert_eq!(state["state"], "done", "{state:#}");
    assert_eq!(
        carl.mandate(&tax).await.expect(200).body["status"],
        "stopped"
    );
    let history = carl
        .get(&format!("/api/v1/mandates/{tax}/history"))
        .await
        .expect(200)
        .body;
    let stop = history["items"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|e| e["kind"] == "stopped")
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        (stop["person"].as_str(), stop["party"].as_str()),
        (Some(OFFICE_REPRESENTATIVE), Some(OFFICE))
    );
}

async fn an_executor_is_listed_with_the_types_of_all_their_roles(backend: Backend) {
    let Some(app) = demo_app(backend).await else {
        return;
    };
    // The second executor does corporate tax and VAT; the manager adds tax disputes, in a
    // role of its own.
    let carl = app.for_enterprise(CARL, OFFICE).await;
    assign(
        &carl,
        OFFICE,
        fin_executor(SECOND_EXECUTOR, &["fin.tax_disputes"]),
    )
    .await
    .expect(201);
    // The second office gives the office all three.
    let types = ["fin.biztax", "fin.intervat", "fin.tax_disputes"];
    let m = app
        .for_enterprise(OTHER_OFFICE_REPRESENTATIVE, OTHER_OFFICE)
        .await
        .create(json!({"domain": "fin", "types": types, "mandator": OTHER_OFFICE, "mandatee": OFFICE, "valid_until": "2027-12-31"}))
        .await;
    let id = id_of(&m);
    carl.sign(&id, 1).await.expect(200);
    let fin = app.application("fin").await;
    for t in types {
        let answer = fin
            .post(
                "/api/v1/checks",
                json!({"actor": SECOND_EXECUTOR, "mandator": OTHER_OFFICE, "type": t}),
            )
            .await
            .expect(200)
            .body;
        assert_eq!(answer["allowed"], true, "{t}: {answer:#}");
    }
    let listed = fin
        .post(
            "/api/v1/mandators/search",
            json!({"actor": SECOND_EXECUTOR}),
        )
        .await
        .expect(200)
        .body;
    let item = listed["items"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|i| i["mandate_id"] == id.as_str())
        .cloned()
        .unwrap_or_else(|| panic!("the new mandate in {listed:#}"));
    assert_eq!(item["types"], json!(types));
    assert_eq!(item["via_enterprise"], OFFICE);
}

async fn the_roster_page_is_for_those_who_may_read_the_roster(backend: Backend) {
    let Some(app) = demo_app(backend).await else {
        return;
    };
    let mut dina = crate::web::browser::Browser::new(&app);
    dina.sign_in(DINA).await;
    dina.post("/acting-as", &[("party", OFFICE)]).await;
    let page = dina.get("/enterprise").await;
    assert_eq!(page.status, 403, "{}", page.html);
    assert!(!page.html.contains(CARL_SHOWN), "no roster shown");
    let mut carl = crate::web::browser::Browser::new(&app);
    carl.sign_in(CARL).await;
    carl.post("/acting-as", &[("party", OFFICE)]).await;
    let page = carl.get("/enterprise").await;
    assert_eq!(page.status, 200, "{}", page.html);
    assert!(page.html.contains(CARL_SHOWN));
}

/// The manager's number as the pages write it.
const CARL_SHOWN: &str = "78.02.15-456.67";

on_both_stores!(
    a_job_is_read_and_committed_only_with_rights_over_it,
    an_executor_is_listed_with_the_types_of_all_their_roles,
    the_roster_page_is_for_those_who_may_read_the_roster,
);
