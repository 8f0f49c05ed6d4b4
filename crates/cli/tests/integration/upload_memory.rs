//! What a bulk upload costs the real server in memory: the worst files the upload limit
//! (64 MiB) lets through, one at a time and four at once, keep its peak resident memory
//! (`VmHWM`) within a bound above the idle process. Read into one buffer, a file over the limit
//! is still refused (413); one that arrives too slowly is cut (408, in slow_clients.rs).

use std::time::Duration;

use serde_json::Value;

use crate::server::{ANN, Server, ann_token, file_period, free_port, ready, serve};

/// What the README promises per upload: the file itself (at most 64 MiB, held once, until its
/// rows are read) and its rows. It was 1.2 GB for 64 MiB of `[0,0,…]` when the file was read
/// as a whole document, 2.7 GB for a line of separators, 350 MB for the largest valid file,
/// 250 MB for a file of Windows-1252 text.
const BOUND_PER_UPLOAD_MIB: u64 = 256;

/// The upload limit.
const LIMIT: usize = 64 << 20;

/// The peak resident memory of process `pid` so far, in MiB.
fn peak_mib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("process status");
    let line = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .expect("VmHWM");
    let kib: u64 = line
        .split_whitespace()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .expect("VmHWM in kB");
    kib / 1024
}

/// The worst files: their name, format, bytes and the code they are answered with (the
/// refusal's, or that of the first row's first error; none for a valid file).
fn worst_files() -> Vec<(&'static str, &'static str, Vec<u8>, &'static str)> {
    let zeros = {
        let mut text = String::with_capacity(LIMIT);
        text.push('[');
        while text.len() < LIMIT - 3 {
            text.push_str("0,");
        }
        text.push_str("0]");
        text.into_bytes()
    };
    let nested = [vec![b'['; LIMIT / 2], vec![b']'; LIMIT / 2]].concat();
    let string = format!(r#"[{{"reference": "{}"}}]"#, "a".repeat(LIMIT - 40)).into_bytes();
    let codes = format!(
        r#"[{{"mandator": "85073003328", "types": [{}"a"]}}]"#,
        r#""a","#.repeat((LIMIT - 100) / 4)
    )
    .into_bytes();
    let separators = format!("mandator;mandatee\n{}\n", ";".repeat(LIMIT - 100)).into_bytes();
    // Not UTF-8: read as Windows-1252, where each of these bytes is a three-byte character.
    let windows = [b"mandate\n".as_slice(), &vec![0x80; LIMIT - 100]].concat();
    vec![
        ("the largest valid file", "json", largest_valid_file(), ""),
        ("64 MiB of [0,0,…]", "json", zeros, "too_many_rows"),
        ("[[[[…]]]]", "json", nested, "invalid_json"),
        ("one 64 MiB string", "json", string, "cell_too_long"),
        ("16 million type codes", "json", codes, "too_many_types"),
        (
            "a line of 64 million separators",
            "csv",
            separators,
            "line_too_long",
        ),
        ("64 MiB of Windows-1252 €", "csv", windows, "file_too_large"),
    ]
}

/// 100 000 valid creations, each with the longest reference and an e-mail address.
fn largest_valid_file() -> Vec<u8> {
    let (from, until) = file_period();
    let reference = "r".repeat(250);
    let mut rows = Vec::with_capacity(100_000);
    'full: for month in 1..=12 {
        for day in 1..=28 {
            for seq in 1..998 {
                if rows.len() == 100_000 {
                    break 'full;
                }
                let nine = format!("80{month:02}{day:02}{seq:03}");
                let base: u64 = nine.parse().expect("digits");
                let mandatee = format!("{nine}{:02}", 97 - base % 97);
                let n = rows.len();
                rows.push(serde_json::json!({
                    "mandator": ANN, "mandatee": mandatee, "domain": "fin",
                    "types": ["fin.tax_on_web"], "valid_from": from.to_string(),
                    "valid_until": until.to_string(), "reference": format!("{reference}{n}"),
                    "language": "nl", "email": format!("client{n}@example.be"),
                }));
            }
        }
    }
    serde_json::to_vec(&rows).expect("the file")
}

async fn upload(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    format: &str,
    body: Vec<u8>,
) -> (u16, Value) {
    let answer = http
        .post(format!(
            "{base}/api/v1/bulk?operation=create&format={format}&domain=fin"
        ))
        .bearer_auth(token)
        .body(body)
        .timeout(Duration::from_secs(300))
        .send()
        .await
        .expect("upload");
    let status = answer.status().as_u16();
    (status, answer.json().await.expect("upload answer"))
}

/// The code of a refusal (its first field error's), or of the first row's first error.
fn first_code(answer: &Value) -> &str {
    answer["errors"][0]["code"]
        .as_str()
        .or_else(|| answer["rows"][0]["errors"][0]["code"].as_str())
        .unwrap_or_default()
}

/// A server of its own (the peak of a process only grows), its address and Ann's token.
struct Fresh {
    server: Server,
    base: String,
    token: String,
    idle: u64,
    _dir: tempfile::TempDir,
}

async fn fresh(http: &reqwest::Client) -> Fresh {
    let dir = tempfile::tempdir().expect("dir");
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let database = format!("sqlite://{}", dir.path().join("memory.db").display());
    let server = serve(dir.path(), &database, port);
    ready(http, &base).await;
    let token = ann_token(http, &base).await;
    let idle = peak_mib(server.pid());
    Fresh {
        server,
        base,
        token,
        idle,
        _dir: dir,
    }
}

impl Fresh {
    /// The peak resident memory so far above the idle process, in MiB.
    fn above_idle(&self) -> u64 {
        peak_mib(self.server.pid()).saturating_sub(self.idle)
    }
}

#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_worst_uploads_keep_the_server_memory_bounded() {
    let http = reqwest::Client::new();
    let files = worst_files();
    for (name, format, body, code) in &files {
        let at = fresh(&http).await;
        let (status, answer) = upload(&http, &at.base, &at.token, format, body.clone()).await;
        assert!(matches!(status, 201 | 422), "{name}: {status} {answer}");
        assert_eq!(first_code(&answer), *code, "{name}: {answer}");
        if code.is_empty() {
            assert_eq!(answer["failed"], 0, "{name}: {answer}");
            assert_eq!(answer["total"], 100_000, "{name}");
        }
        let above = at.above_idle();
        eprintln!("{name}: peak {above} MiB above the idle process");
        assert!(
            above < BOUND_PER_UPLOAD_MIB,
            "{name}: peak {above} MiB above the idle process"
        );
    }

    // Four at once cost less than twice one; a byte over the limit is refused, not read.
    let at = fresh(&http).await;
    let zeros = &files[1].2;
    let one = || upload(&http, &at.base, &at.token, "json", zeros.clone());
    let (a, b, c, d) = tokio::join!(one(), one(), one(), one());
    for (status, answer) in [a, b, c, d] {
        assert_eq!(status, 422, "{answer}");
        assert_eq!(first_code(&answer), "too_many_rows", "{answer}");
    }
    let above = at.above_idle();
    eprintln!("four at once: peak {above} MiB above the idle process");
    assert!(
        above < 2 * BOUND_PER_UPLOAD_MIB,
        "four at once: peak {above} MiB above the idle process"
    );
    let (status, answer) = upload(&http, &at.base, &at.token, "json", vec![b' '; LIMIT + 1]).await;
    assert_eq!(status, 413, "{answer}");
}
