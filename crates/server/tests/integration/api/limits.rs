//! What is too large to read is refused with a problem document in the caller's language:
//! a body (413), an address (414), headers (431), also where the HTTP layer answers before
//! any route. What the API answers is never kept by a cache nor sniffed.

use std::time::Duration;

use axum::http::Method;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::on_both_stores;
use crate::support::*;

fn problem(resp: &Resp, status: u16, code: &str) {
    assert_eq!(
        (resp.status.as_u16(), resp.code()),
        (status, code),
        "{:#}",
        resp.body
    );
    assert_eq!(
        resp.header("content-type"),
        Some("application/problem+json")
    );
}

async fn too_large_is_a_problem_in_the_callers_language(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let ann = app.person(ANN).await;
    let before = app.db.store.last_seq().await.unwrap_or_default();
    let mut body = tax_return(ANN, BOB);
    body["reference"] = Value::String("x".repeat(3 << 20));
    let resp = ann
        .send_raw(
            Method::POST,
            "/api/v1/mandates",
            &[("accept-language", "fr")],
            "application/json",
            body.to_string().into_bytes(),
        )
        .await;
    problem(&resp, 413, "payload_too_large");
    assert_eq!(resp.body["title"], "Requête trop volumineuse");
    assert!(
        resp.body["detail"]
            .as_str()
            .is_some_and(|d| d.contains("trop volumineux")),
        "{:#}",
        resp.body
    );
    assert_eq!(app.db.store.last_seq().await.unwrap_or_default(), before);

    let long = format!("/api/v1/mandates?domain={}", "f".repeat(10_000));
    let resp = ann
        .send(Method::GET, &long, &[("accept-language", "de")], None)
        .await;
    problem(&resp, 414, "uri_too_long");
    assert_eq!(resp.body["title"], "Adresse zu lang");
    assert_eq!(resp.body["params"]["max"], "8192");
    // An address within the limit is read (and its unknown domain refused).
    let fine = format!("/api/v1/mandates?domain={}", "f".repeat(7_000));
    ann.get(&fine).await.refused(422, "validation_failed");
}

async fn api_answers_are_not_cached_nor_sniffed(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let ann = app.person(ANN).await;
    let answers = [
        ann.get("/api/v1/mandates").await,
        ann.post("/api/v1/mandates", tax_return(ANN, BOB)).await,
        ann.get("/api/v1/nothing-here").await,
        app.request(Method::GET, "/api/v1/mandates", &[], None)
            .await,
        app.request(Method::GET, "/api/openapi.json", &[], None)
            .await,
    ];
    for resp in answers {
        assert_eq!(
            (
                resp.header("x-content-type-options"),
                resp.header("cache-control")
            ),
            (Some("nosniff"), Some("no-store")),
            "{} {:#}",
            resp.status,
            resp.body
        );
    }
    let big = ann
        .send_raw(
            Method::POST,
            "/api/v1/mandates",
            &[],
            "application/json",
            vec![b' '; 3 << 20],
        )
        .await;
    assert_eq!(big.status.as_u16(), 413);
    assert_eq!(big.header("cache-control"), Some("no-store"));
}

/// Sends `request` to a real listener serving the application; the whole answer.
async fn over_tcp(app: &TestApp, request: &[u8]) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a port");
    let address = listener.local_addr().expect("its address");
    let limits = mandates_server::http::server::Limits {
        header_timeout: Duration::from_secs(10),
        body_timeout: Duration::from_secs(10),
        write_timeout: Duration::from_secs(10),
        max_connections: 8,
    };
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(mandates_server::http::server::serve(
        listener,
        app.router.clone(),
        limits,
        async {
            let _ = stopped.await;
        },
    ));
    let mut stream = tokio::net::TcpStream::connect(address)
        .await
        .expect("a connection");
    // The server may answer and close before all is sent.
    let _ = stream.write_all(request).await;
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer)).await;
    let _ = stop.send(());
    let _ = server.await;
    String::from_utf8_lossy(&answer).into_owned()
}

/// The status line, the headers (lower case) and the body of an answer.
fn parsed(answer: &str) -> (String, String, Value) {
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((answer, ""));
    let status = head.lines().next().unwrap_or_default().to_owned();
    (
        status,
        head.to_ascii_lowercase(),
        serde_json::from_str(body).unwrap_or(Value::Null),
    )
}

async fn what_the_http_layer_refuses_is_a_problem_too(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    // Longer than the HTTP layer reads at all (64 KiB).
    let request = format!(
        "GET /api/v1/mandates?domain={} HTTP/1.1\r\nhost: x\r\n\r\n",
        "f".repeat(70_000)
    );
    let (status, head, body) = parsed(&over_tcp(&app, request.as_bytes()).await);
    assert!(status.starts_with("HTTP/1.1 414"), "{status}");
    assert!(
        head.contains("content-type: application/problem+json"),
        "{head}"
    );
    assert!(head.contains("x-content-type-options: nosniff"), "{head}");
    assert_eq!(body["code"], "uri_too_long", "{body:#}");
    assert_eq!(
        body["title"], "Adres te lang",
        "in Dutch: no header was read"
    );

    let request = format!(
        "GET /healthz HTTP/1.1\r\nhost: x\r\nx-large: {}\r\n\r\n",
        "h".repeat(600_000)
    );
    let (status, head, body) = parsed(&over_tcp(&app, request.as_bytes()).await);
    assert!(status.starts_with("HTTP/1.1 431"), "{status}");
    assert!(
        head.contains("content-type: application/problem+json"),
        "{head}"
    );
    assert_eq!(body["code"], "headers_too_large", "{body:#}");

    // Between the two limits, the application itself answers, in the caller's language.
    let request = format!(
        "GET /api/v1/mandates?domain={} HTTP/1.1\r\nhost: x\r\naccept-language: en\r\nconnection: close\r\n\r\n",
        "f".repeat(20_000)
    );
    let (status, _, body) = parsed(&over_tcp(&app, request.as_bytes()).await);
    assert!(status.starts_with("HTTP/1.1 414"), "{status}");
    assert_eq!(body["title"], "Address too long", "{body:#}");

    // Other answers pass unchanged.
    let request = b"GET /healthz HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n";
    let (status, _, _) = parsed(&over_tcp(&app, request).await);
    assert!(status.starts_with("HTTP/1.1 200"), "{status}");
}

on_both_stores!(
    too_large_is_a_problem_in_the_callers_language,
    api_answers_are_not_cached_nor_sniffed,
    what_the_http_layer_refuses_is_a_problem_too,
);
