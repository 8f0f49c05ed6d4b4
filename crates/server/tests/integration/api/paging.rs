//! Lists a page at a time: every page full but the last, no entry skipped or repeated
//! (positions are an instant and an id, opaque), and a filter or a size the list does not
//! know is refused, naming it.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::on_both_stores;
use crate::support::*;

/// A valid national number (born in the 1900s) from a counter.
pub fn citizen(k: u32) -> String {
    let day = 1 + k % 28;
    let month = 1 + (k / 28) % 12;
    let year = 40 + (k / 336) % 50;
    let nine = year * 10_000_000 + month * 100_000 + day * 1_000 + 101;
    format!("{nine:09}{:02}", 97 - nine % 97)
}

/// Every page of a list, following `next` (the name of its position field) with `param`.
async fn all_pages(
    caller: &Caller<'_>,
    path: &str,
    limit: usize,
    next: &str,
    param: &str,
) -> Vec<Vec<Value>> {
    let mut pages = Vec::new();
    let mut url = format!("{path}?limit={limit}");
    for _ in 0..50 {
        let page = caller.get(&url).await.expect(200).body;
        pages.push(page["items"].as_array().cloned().unwrap_or_default());
        match page[next].as_str() {
            Some(position) => url = format!("{path}?limit={limit}&{param}={position}"),
            None => return pages,
        }
    }
    panic!("more than 50 pages of {path}");
}

async fn the_access_log_pages_reach_every_entry(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let (ann, bob) = (app.person(ANN).await, app.person(BOB).await);
    let id = ann.create(tax_return(ANN, BOB)).await["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    bob.sign(&id, 1).await.expect(200);
    // Ten checks in one batch: one instant for all ten entries.
    let question = json!({"actor": BOB, "mandator": ANN, "type": "fin.tax_on_web"});
    let batch = json!({"checks": vec![question; 10]});
    app.application("fin")
        .await
        .post("/api/v1/checks/batch", batch)
        .await
        .expect(200);
    let pages = all_pages(&ann, "/api/v1/me/access-log", 4, "next_cursor", "cursor").await;
    let sizes: Vec<usize> = pages.iter().map(Vec::len).collect();
    assert_eq!(sizes, [4, 4, 2]);
    let entries: Vec<&Value> = pages.iter().flatten().collect();
    let instants: BTreeSet<String> = entries.iter().map(|e| e["at"].to_string()).collect();
    assert_eq!(instants.len(), 1, "all ten at one instant");
    let ids: BTreeSet<&str> = entries.iter().filter_map(|e| e["id"].as_str()).collect();
    assert_eq!(ids.len(), 10, "every entry once");
}

async fn a_page_of_what_a_reader_may_see_is_full(backend: Backend) {
    let Some(app) = TestApp::with_config(backend, |c| c.demo_data = true).await else {
        return;
    };
    // Six citizens give the office their tax return, six more another type: the executor of
    // the tax return sees the first six (and the demo's), not the others.
    let carl = app.for_enterprise(CARL, OFFICE).await;
    for k in 0..12 {
        let citizen = citizen(k);
        let types = if k < 6 {
            json!(["fin.tax_on_web"])
        } else {
            json!(["fin.myminfin_consult"])
        };
        let m = app
            .person(&citizen)
            .await
            .create(json!({"domain": "fin", "types": types, "mandator": citizen, "mandatee": OFFICE, "valid_until": "2027-12-31"}))
            .await;
        carl.sign(m["id"].as_str().unwrap_or_default(), 1)
            .await
            .expect(200);
    }
    let dina = app.for_enterprise(DINA, OFFICE).await;
    let pages = all_pages(&dina, "/api/v1/mandates", 5, "next_cursor", "cursor").await;
    let seen: Vec<&Value> = pages.iter().flatten().collect();
    assert!(seen.len() >= 7, "six new and the demo's: {}", seen.len());
    for page in &pages[..pages.len() - 1] {
        assert_eq!(page.len(), 5, "every page but the last is full");
    }
    let distinct: BTreeSet<&str> = seen.iter().filter_map(|m| m["id"].as_str()).collect();
    assert_eq!(distinct.len(), seen.len(), "none repeated");
    assert!(
        seen.iter().all(|m| m["types"]
            .as_array()
            .is_some_and(|t| t.contains(&json!("fin.tax_on_web")))),
        "only what the executor may use"
    );
    // Filters are in the query too: a page of the manager's, filtered, is full.
    let filtered = carl
        .get("/api/v1/mandates?status=active&role=mandatee&limit=5")
        .await
        .expect(200)
        .body;
    assert_eq!(filtered["items"].as_array().map(Vec::len), Some(5));
}

async fn an_unknown_filter_or_size_is_refused_by_name(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let ann = app.person(ANN).await;
    let cases = [
        ("/api/v1/mandates?party=xyz", "party", "unknown_parameter"),
        ("/api/v1/mandates?status=xyz", "status", "invalid_value"),
        ("/api/v1/mandates?role=boss", "role", "invalid_value"),
        ("/api/v1/mandates?domain=taxes", "domain", "unknown_domain"),
        ("/api/v1/mandates?limit=2147483648", "limit", "out_of_range"),
        ("/api/v1/mandates?limit=0", "limit", "out_of_range"),
        ("/api/v1/mandates?limit=501", "limit", "out_of_range"),
        ("/api/v1/mandates?cursor=nope", "cursor", "invalid_cursor"),
        (
            "/api/v1/me/access-log?before=2027-01-01T00:00:00Z",
            "before",
            "unknown_parameter",
        ),
        ("/api/v1/me/access-log?limit=-1", "limit", "out_of_range"),
        (
            "/api/v1/me/access-log?cursor=nope",
            "cursor",
            "invalid_cursor",
        ),
    ];
    for (path, field, code) in cases {
        let refused = ann.get(path).await.refused(422, "validation_failed");
        assert_eq!(
            refused.field_errors(),
            [(field.to_owned(), code.to_owned())],
            "{path}"
        );
    }
    // The largest page is accepted.
    ann.get("/api/v1/mandates?limit=500").await.expect(200);
}

/// The whole access log as one CSV file, sent a page at a time: every entry once, its answer
/// in words a spreadsheet reads as text; the export is recorded in the event log.
async fn the_access_log_exports_whole_as_csv(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let (ann, bob) = (app.person(ANN).await, app.person(BOB).await);
    let id = ann.create(tax_return(ANN, BOB)).await["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    bob.sign(&id, 1).await.expect(200);
    // More entries than one page of the export holds.
    let question = json!({"actor": BOB, "mandator": ANN, "type": "fin.tax_on_web"});
    let batch = json!({"checks": vec![question; 700]});
    app.application("fin")
        .await
        .post("/api/v1/checks/batch", batch)
        .await
        .expect(200);
    let csv = ann
        .get("/api/v1/me/access-log?format=csv")
        .await
        .expect(200);
    assert_eq!(csv.header("content-type"), Some("text/csv; charset=utf-8"));
    let text = csv.body.as_str().expect("CSV text");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "at,client,client_id,domain,kind,actor,type,allowed,reason,mandate_id"
    );
    assert_eq!(lines.len(), 701, "every entry once, and the header once");
    assert!(
        lines[1..]
            .iter()
            .all(|l| l.contains(&format!(",check,{BOB},fin.tax_on_web,true,")) && l.ends_with(&id)),
        "{}",
        lines[1]
    );
    let exports = app
        .state
        .store()
        .events_of("evidence", ANN)
        .await
        .expect("the exports");
    assert_eq!(exports.len(), 1);
    assert_eq!(exports[0].detail["format"], "access-log-csv");
    // Bob's own log holds nothing of Ann's.
    let theirs = bob
        .get("/api/v1/me/access-log?format=csv")
        .await
        .expect(200);
    assert_eq!(theirs.body.as_str().map(|t| t.lines().count()), Some(1));
    ann.get("/api/v1/me/access-log?format=xml")
        .await
        .refused(422, "validation_failed");
}

on_both_stores!(
    the_access_log_pages_reach_every_entry,
    the_access_log_exports_whole_as_csv,
    a_page_of_what_a_reader_may_see_is_full,
    an_unknown_filter_or_size_is_refused_by_name,
);
