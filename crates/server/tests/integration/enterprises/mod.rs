//! Acting for an enterprise, as its people meet it: through their roles (legal
//! representative, manager, executor), the roster, and the register import. Run on SQLite
//! and on PostgreSQL over the demo roster:
//!
//! - accounting office `OFFICE`: legal representative `OFFICE_REPRESENTATIVE`, manager (fin)
//!   CARL, executors DINA (fin.tax_on_web) and `SECOND_EXECUTOR` (fin.biztax, fin.intervat);
//! - company `COMPANY`: legal representative EVA;
//! - second office `OTHER_OFFICE`: legal representative `OTHER_OFFICE_REPRESENTATIVE`.

mod acting;
mod jobs;
mod register;
mod roster;

use serde_json::{Value, json};

use crate::support::*;

/// The legal representative of the accounting office.
pub const OFFICE_REPRESENTATIVE: &str = "88112045693";
/// The office's second executor (corporate tax, VAT).
pub const SECOND_EXECUTOR: &str = "75041212353";
/// The legal representative of the second office.
pub const OTHER_OFFICE_REPRESENTATIVE: &str = "93030578965";
/// A valid enterprise number that nobody registered.
pub const UNREGISTERED: &str = "0123456749";

/// The application with the demo roster and the demo mandates (`None`: backend skipped).
pub async fn demo_app(backend: Backend) -> Option<TestApp> {
    TestApp::with_config(backend, |c| c.demo_data = true).await
}

/// The end of the event log: a refusal leaves it where it was.
pub async fn last_seq(app: &TestApp) -> i64 {
    app.db
        .store
        .last_seq()
        .await
        .unwrap_or_else(|e| panic!("last sequence number: {e}"))
}

/// The `id` of a mandate or a role.
pub fn id_of(body: &Value) -> String {
    body["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no id in {body:#}"))
        .to_owned()
}

/// The items of a list answer.
pub fn items(body: &Value) -> Vec<Value> {
    body["items"].as_array().cloned().unwrap_or_default()
}

/// The mandates a caller sees (for the enterprise it acts for), asserting 200.
pub async fn mandates(caller: &Caller<'_>) -> Vec<Value> {
    items(&caller.get("/api/v1/mandates").await.expect(200).body)
}

/// The id of the listed mandate that has this type.
pub fn with_type(mandates: &[Value], type_code: &str) -> String {
    mandates
        .iter()
        .find(|m| {
            m["types"]
                .as_array()
                .is_some_and(|t| t.contains(&json!(type_code)))
        })
        .map(id_of)
        .unwrap_or_else(|| panic!("no mandate of type {type_code} in {mandates:#?}"))
}

/// The path of an enterprise's roster.
pub fn roles_path(enterprise: &str) -> String {
    format!("/api/v1/enterprises/{enterprise}/roles")
}

/// An enterprise's roster as the caller sees it, asserting 200.
pub async fn roster(caller: &Caller<'_>, enterprise: &str) -> Vec<Value> {
    items(&caller.get(&roles_path(enterprise)).await.expect(200).body)
}

/// The roster entry of a person's role of a kind.
pub fn role_of<'a>(roster: &'a [Value], person: &str, kind: &str) -> &'a Value {
    roster
        .iter()
        .find(|r| r["person"] == person && r["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} role of {person} in {roster:#?}"))
}

/// `POST /api/v1/enterprises/{enterprise}/roles`.
pub async fn assign(caller: &Caller<'_>, enterprise: &str, role: Value) -> Resp {
    caller.post(&roles_path(enterprise), role).await
}

/// `POST /api/v1/enterprises/{enterprise}/roles/{id}/end`.
pub async fn end(caller: &Caller<'_>, enterprise: &str, role_id: &str) -> Resp {
    caller
        .post(
            &format!("{}/{role_id}/end", roles_path(enterprise)),
            json!({}),
        )
        .await
}

/// A manager role for a domain.
pub fn manager(person: &str, domain: &str) -> Value {
    json!({"person": person, "kind": "manager", "domain": domain})
}

/// An executor role for types of the `fin` domain.
pub fn fin_executor(person: &str, types: &[&str]) -> Value {
    json!({"person": person, "kind": "executor", "domain": "fin", "types": types})
}

/// A problem answer without its request id, to compare two answers.
pub fn without_request_id(mut body: Value) -> Value {
    if let Some(fields) = body.as_object_mut() {
        fields.remove("request_id");
    }
    body
}
