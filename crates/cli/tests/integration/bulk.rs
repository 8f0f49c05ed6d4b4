//! `mandates bulk` against the real server: a dry run that finds an invalid row, a per-row commit
//! that applies the valid rows, and a clean file committed with exit status 0.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

use crate::server::{ANN, ann_token, file_period, free_port, ready, serve};

async fn ann_gives(http: &reqwest::Client, base: &str, token: &str) -> usize {
    let list: Value = http
        .get(format!("{base}/api/v1/mandates?role=mandator&limit=100"))
        .bearer_auth(token)
        .send()
        .await
        .expect("mandates")
        .json()
        .await
        .expect("mandates body");
    list["items"].as_array().expect("items").len()
}

/// Runs `mandates bulk ...` off the test's runtime thread (it waits for the server).
async fn bulk(args: Vec<String>) -> Output {
    tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_mandates"))
            .arg("bulk")
            .args(args)
            .env("LANG", "en_GB.UTF-8")
            .output()
            .expect("mandates bulk runs")
    })
    .await
    .expect("the command ends")
}

fn text(output: &Output) -> String {
    format!(
        "status {:?}\n--- stdout\n{}--- stderr\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_reports_rows_commits_per_row_and_exits_by_outcome() {
    let dir = tempfile::tempdir().expect("dir");
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    let database = format!("sqlite://{}", dir.path().join("bulk.db").display());
    let _server = serve(dir.path(), &database, port);
    ready(&http, &base).await;
    let token = ann_token(&http, &base).await;

    let (from, until) = file_period();
    let row = |mandatee: &str| format!("{ANN};{mandatee};fin.myminfin_consult;{from};{until}\n");
    let header = "mandator;mandatee;types;valid_from;valid_until\n";
    let mixed = dir.path().join("mixed.csv");
    std::fs::write(
        &mixed,
        format!(
            "{header}{}{}{}",
            row("90010112395"),
            row("78021545667"),
            row("1234")
        ),
    )
    .expect("mixed file");
    let args = |file: &Path, extra: &[&str]| -> Vec<String> {
        let mut args = vec![
            "create".to_owned(),
            file.display().to_string(),
            "--server".to_owned(),
            base.clone(),
            "--token".to_owned(),
            token.clone(),
            "--domain".to_owned(),
            "fin".to_owned(),
        ];
        args.extend(extra.iter().map(|s| (*s).to_owned()));
        args
    };

    // A dry run names the invalid row (line 4: the header is line 1) and its field.
    let dry = bulk(args(&mixed, &["--dry-run"])).await;
    let out = String::from_utf8_lossy(&dry.stdout);
    assert_eq!(dry.status.code(), Some(1), "{}", text(&dry));
    assert!(out.contains("line 4: invalid"), "{}", text(&dry));
    assert!(out.contains("  mandatee: "), "{}", text(&dry));
    assert!(out.contains("line 2: valid"), "{}", text(&dry));
    assert_eq!(
        ann_gives(&http, &base, &token).await,
        0,
        "a dry run changes nothing"
    );

    // Row by row: the two valid rows are applied, the invalid one reported.
    let per_row = bulk(args(&mixed, &["--commit", "--mode", "per-row"])).await;
    let out = String::from_utf8_lossy(&per_row.stdout);
    assert_eq!(per_row.status.code(), Some(1), "{}", text(&per_row));
    assert!(out.contains("line 4: invalid"), "{}", text(&per_row));
    assert!(
        !out.contains("line 2:"),
        "applied rows are not listed: {}",
        text(&per_row)
    );
    assert!(out.contains("2 applied"), "{}", text(&per_row));
    assert_eq!(ann_gives(&http, &base, &token).await, 2);

    // A file of valid new rows, all at once: exit 0.
    let clean = dir.path().join("clean.csv");
    std::fs::write(
        &clean,
        format!("{header}{}{}", row("80010100107"), row("80010200174")),
    )
    .expect("clean file");
    let committed = bulk(args(&clean, &["--commit"])).await;
    assert_eq!(committed.status.code(), Some(0), "{}", text(&committed));
    assert!(
        String::from_utf8_lossy(&committed.stdout).contains("2 applied"),
        "{}",
        text(&committed)
    );
    assert_eq!(ann_gives(&http, &base, &token).await, 4);

    // A refused token is an error, not a row outcome.
    let mut refused = args(&clean, &["--dry-run"]);
    refused[5] = "not-a-token".to_owned();
    let refused = bulk(refused).await;
    assert_eq!(refused.status.code(), Some(2), "{}", text(&refused));
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("HTTP 401"),
        "{}",
        text(&refused)
    );
}
