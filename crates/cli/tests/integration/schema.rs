//! The served OpenAPI document and the service agree: schemathesis (an independent,
//! property-based client of OpenAPI) sends generated requests, valid and invalid, to the real
//! server with demo data, once as a person (the self-service API) and once as a business
//! application (the business API and AuthZEN), and checks that nothing fails on the server,
//! every answer matches its documented status, content type and schema, and data the
//! document calls invalid is refused. A fixed seed and a bounded number of examples make a
//! run the same every time. Needs `schemathesis` (PyPI); without it the run is skipped with a
//! notice, and under CI (`CI` set) that is a failure.

use std::process::Command;

use serde_json::Value;

use crate::server::{ann_token, free_port, ready, serve_with};

/// The schemathesis release the runs are made with: another one generates other cases.
pub const SCHEMATHESIS: &str = "4.32.5";

/// What is checked of each answer.
const CHECKS: &str = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,negative_data_rejection";

fn schemathesis_version() -> Option<String> {
    let out = Command::new("schemathesis")
        .arg("--version")
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// One run over the operations of `tags` (or all but them), as the bearer of `token`.
fn run(dir: &std::path::Path, base: &str, token: &str, tags: (&str, &str)) -> (bool, String) {
    let out = Command::new("schemathesis")
        .args(["run", &format!("{base}/api/openapi.json")])
        .args([tags.0, tags.1])
        .args(["--header", &format!("Authorization: Bearer {token}")])
        .args(["--checks", CHECKS])
        .args(["--seed", "1", "--max-examples", "20", "--workers", "1"])
        .args([
            "--suppress-health-check",
            "all",
            "--generation-database",
            "none",
        ])
        .args(["--request-timeout", "30", "--no-color"])
        .current_dir(dir)
        .output()
        .expect("schemathesis runs");
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_and_the_service_agree() {
    match schemathesis_version() {
        Some(v) if v.ends_with(SCHEMATHESIS) => {}
        found => {
            assert!(
                std::env::var_os("CI").is_none(),
                "schemathesis {SCHEMATHESIS} is needed in CI (.ci/run installs it); found {found:?}"
            );
            eprintln!(
                "\n*** OpenAPI property-based run SKIPPED: pip install schemathesis=={SCHEMATHESIS} to run it (found {found:?}) ***\n"
            );
            return;
        }
    }
    let dir = tempfile::tempdir().expect("dir");
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    let database = format!("sqlite://{}", dir.path().join("schema.db").display());
    let _server = serve_with(dir.path(), &database, port, true);
    ready(&http, &base).await;
    let person = ann_token(&http, &base).await;
    let client: Value = http
        .post(format!("{base}/oauth/token"))
        .basic_auth("demo-fin", Some("demo-secret"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .expect("client token")
        .json()
        .await
        .expect("client token body");
    let client = client["access_token"]
        .as_str()
        .expect("access token")
        .to_owned();
    let mut failed = Vec::new();
    for (who, token, tags) in [
        ("a person", person.as_str(), ("--exclude-tag", "business")),
        (
            "a business application",
            client.as_str(),
            ("--include-tag", "business"),
        ),
    ] {
        let (passed, text) = run(dir.path(), &base, token, tags);
        let summary: Vec<&str> = text
            .lines()
            .filter(|l| l.contains("generated") || l.contains("passed") || l.contains("failures"))
            .collect();
        eprintln!("schemathesis as {who}: {}", summary.join(" | "));
        if !passed {
            failed.push(format!("as {who}:\n{text}"));
        }
    }
    assert!(failed.is_empty(), "{}", failed.join("\n\n"));
}
