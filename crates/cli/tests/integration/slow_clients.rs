//! Slow and silent clients against the real server: each holds a connection for a bounded
//! time, never the service. Loopback only, bounded in count and time.

use std::time::Duration;

use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::server::{ANN, Server, ann_token, client_token, free_port, ready, serve_configured};

/// A server on a fresh SQLite database with `settings`, ready for `http`.
struct Served {
    server: Server,
    port: u16,
    base: String,
    _dir: tempfile::TempDir,
}

async fn served(settings: &[(&str, &str)], http: &reqwest::Client) -> Served {
    let dir = tempfile::tempdir().expect("temporary directory");
    let port = free_port();
    let database = format!("sqlite://{}", dir.path().join("m.db").display());
    let server = serve_configured(dir.path(), &database, port, settings);
    let base = format!("http://127.0.0.1:{port}");
    ready(http, &base).await;
    Served {
        server,
        port,
        base,
        _dir: dir,
    }
}

/// How many slow connections a test may open: thousands, within what this process may
/// open files (raised to what the system allows).
fn slow_connections(wanted: usize) -> usize {
    let files = rlimit::increase_nofile_limit(u64::MAX).unwrap_or(1024);
    let room = usize::try_from(files.saturating_sub(200)).unwrap_or(usize::MAX);
    wanted.min(room)
}

/// Opens `n` connections that start a request and never finish its headers.
async fn open_slow(port: u16, n: usize) -> Vec<TcpStream> {
    let mut slow = Vec::with_capacity(n);
    for _ in 0..n {
        let mut stream = TcpStream::connect(("127.0.0.1", port))
            .await
            .expect("a slow connection");
        stream
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            .await
            .expect("the start of a request");
        slow.push(stream);
    }
    slow
}

/// Whether the server closed the connection (end of stream or reset) by `deadline`.
async fn closed_by_server(stream: &mut TcpStream, deadline: tokio::time::Instant) -> bool {
    let mut buf = [0u8; 512];
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Err(_) => return false,
            Ok(Ok(0) | Err(_)) => return true,
            // An answer (408 or 400) before the close is fine: keep reading to the end.
            Ok(Ok(_)) => continue,
        }
    }
}

/// Thousands of connections that never finish their headers: while they are open, health
/// and checks answer; once their headers are late, the server closes every one of them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thousands_of_slow_clients_leave_the_service_answering() {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("http client");
    let served = served(
        &[
            ("MANDATES_HTTP__HEADER_TIMEOUT_SECONDS", "4"),
            ("MANDATES_HTTP__MAX_CONNECTIONS", "10000"),
        ],
        &http,
    )
    .await;
    let (port, base) = (served.port, served.base.as_str());
    let token = client_token(&http, base).await;

    let n = slow_connections(3000);
    assert!(n >= 500, "this machine lets a process open too few files");
    let mut slow = open_slow(port, n).await;

    let health = http
        .get(format!("{base}/healthz"))
        .send()
        .await
        .expect("/healthz answers while the slow connections are open");
    assert_eq!(health.status().as_u16(), 200);
    let check = http
        .post(format!("{base}/api/v1/checks"))
        .bearer_auth(&token)
        .json(&json!({"actor": ANN, "mandator": "85073003328", "type": "fin.tax_on_web"}))
        .send()
        .await
        .expect("a check answers while the slow connections are open");
    assert_eq!(check.status().as_u16(), 200);

    let mut still_open = 0;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    for stream in &mut slow {
        if !closed_by_server(stream, deadline).await {
            still_open += 1;
        }
    }
    assert_eq!(
        still_open, 0,
        "of {n} connections that never finished their headers, {still_open} were still open"
    );
}

/// The number of file descriptors a process holds.
fn open_files(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .map(Iterator::count)
        .expect("the server's open files")
}

/// With the connections capped, more slow clients than the cap never make the server hold
/// more; a client queued behind them is served once the slow ones are cut.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_beyond_the_cap_wait_instead_of_exhausting_the_server() {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .pool_max_idle_per_host(0)
        .build()
        .expect("http client");
    let served = served(
        &[
            ("MANDATES_HTTP__HEADER_TIMEOUT_SECONDS", "2"),
            ("MANDATES_HTTP__MAX_CONNECTIONS", "50"),
        ],
        &http,
    )
    .await;
    let (port, base) = (served.port, served.base.as_str());
    let before = open_files(served.server.pid());

    let _slow = open_slow(port, slow_connections(400)).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let held = open_files(served.server.pid()).saturating_sub(before);
    // Besides the connections, the store's read pool may open some of its own meanwhile
    // (each an SQLite file and its log, at most 8): far below what 400 clients would take.
    assert!(
        held <= 50 + 16,
        "the server holds {held} more files with 50 connections allowed"
    );

    let health = http
        .get(format!("{base}/healthz"))
        .send()
        .await
        .expect("/healthz answers once the slow connections are cut");
    assert_eq!(health.status().as_u16(), 200);
}

/// A body that never arrives in full is cut at its deadline, with an answer that says so: a
/// check's JSON, and a bulk file (read into one buffer of its announced size).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_that_never_arrives_is_cut_at_its_deadline() {
    let http = reqwest::Client::new();
    let served = served(&[("MANDATES_HTTP__BODY_TIMEOUT_SECONDS", "2")], &http).await;
    let (port, base) = (served.port, served.base.as_str());
    let client = client_token(&http, base).await;
    let person = ann_token(&http, base).await;

    let heads = [
        format!(
            "POST /api/v1/checks HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {client}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{{\"actor\":"
        ),
        format!(
            "POST /api/v1/bulk?operation=stop&format=csv HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {person}\r\nContent-Length: 1000000\r\n\r\nmandate\n"
        ),
    ];
    for head in heads {
        let mut stream = TcpStream::connect(("127.0.0.1", port))
            .await
            .expect("a connection");
        stream
            .write_all(head.as_bytes())
            .await
            .expect("a request without all of its body");
        let mut answer = Vec::new();
        let read = tokio::time::timeout(Duration::from_secs(15), stream.read_to_end(&mut answer))
            .await
            .expect("the server answers and closes within the deadline");
        assert!(read.is_ok() || !answer.is_empty());
        let text = String::from_utf8_lossy(&answer);
        assert!(
            text.starts_with("HTTP/1.1 408"),
            "a late body is answered 408: {text}"
        );
        assert!(text.contains("body_timeout"), "{text}");
    }
}

/// A client that pipelines requests and never reads their answers holds its connection only
/// until an answer has waited the write deadline.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_never_reads_is_let_go_at_the_write_deadline() {
    let http = reqwest::Client::new();
    let served = served(&[("MANDATES_HTTP__WRITE_TIMEOUT_SECONDS", "2")], &http).await;
    let (port, base) = (served.port, served.base.as_str());

    let socket = tokio::net::TcpSocket::new_v4().expect("a socket");
    socket
        .set_recv_buffer_size(4096)
        .expect("a small receive buffer");
    let stream = socket
        .connect(([127, 0, 0, 1], port).into())
        .await
        .expect("a connection");
    let (mut reader, mut writer) = stream.into_split();
    // Far more answers than the two sides' buffers hold; the writer blocks once the server,
    // its answers untaken, stops reading.
    let sender = tokio::spawn(async move {
        let request = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n".repeat(1000);
        for _ in 0..500 {
            if writer.write_all(&request).await.is_err() {
                break;
            }
        }
    });
    tokio::time::sleep(Duration::from_secs(6)).await;
    // Let go, the connection gives what was already on its way and ends; served, it would
    // go on answering as fast as it is read (the requests sent ask for 75 MB of answers).
    const ON_THE_WAY: u64 = 16 << 20;
    let mut answers = Vec::new();
    let read = tokio::time::timeout(
        Duration::from_secs(20),
        (&mut reader).take(ON_THE_WAY).read_to_end(&mut answers),
    )
    .await;
    sender.abort();
    assert!(
        read.is_ok() && (answers.len() as u64) < ON_THE_WAY,
        "the connection is still served after {} bytes of answers",
        answers.len()
    );
    let health = http
        .get(format!("{base}/healthz"))
        .send()
        .await
        .expect("the server answers others");
    assert_eq!(health.status().as_u16(), 200);
}
