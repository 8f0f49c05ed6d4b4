//! The outbox survives the death of its process: real `mandates serve` processes mail a real
//! SMTP server (`e2e/smtp_sink.py`) and post webhooks to a real receiver, which verifies
//! them with the reference library of Standard Webhooks.
//!
//! - An instance killed (SIGKILL) while the SMTP server and the receiver hold its mail and
//!   its webhook unanswered loses nothing: once their leases run out, the next instance
//!   delivers every mail and every event written, a message at most twice (the one in
//!   flight, with the same id), and the store shows them delivered. On SQLite and on
//!   PostgreSQL.
//! - Two instances on one PostgreSQL database with the same backlog never deliver a message
//!   twice, and deliver all of it.
//!
//! PostgreSQL from `TEST_POSTGRES_URL` (skipped with a notice without it, a failure under
//! CI); the SMTP server needs PyPI `aiosmtpd`, the receiver `standardwebhooks`.

use std::collections::{BTreeMap, BTreeSet};
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::server::{
    PostgresDatabase, client_token, file_period, free_port, person_token, ready, serve_configured,
};

/// The demo citizen B: the mandatee of every mandate here, mailed nowhere (no address).
const BOB: &str = "90010112395";

/// A valid national number (born in 1950) from a counter.
fn person(k: u64) -> String {
    let day = 1 + k % 28;
    let month = 1 + (k / 28) % 12;
    let seq = 1 + (k / 336) % 997;
    let nine = 50 * 10_000_000 + month * 100_000 + day * 1_000 + seq;
    format!("{nine:09}{:02}", 97 - nine % 97)
}

/// The SMTP server of a test; stopped when dropped.
struct Sink {
    port: u16,
    dir: tempfile::TempDir,
    child: Child,
}

/// A message as the SMTP server accepted it.
#[derive(Debug)]
struct Mail {
    /// Without the angle brackets.
    message_id: String,
    from: String,
    to: Vec<String>,
}

impl Mail {
    /// The outbox id the Message-ID is made of (`<id>@<domain>` for a mail of one notice).
    fn delivery(&self) -> String {
        self.message_id
            .split('@')
            .next()
            .unwrap_or_default()
            .to_owned()
    }
}

/// Whether a Python module is there; without it the test is skipped with a notice, and
/// under CI (`CI` set) that is a failure.
fn python_has(module: &str, package: &str) -> bool {
    let available = Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .status()
        .is_ok_and(|s| s.success());
    if !available {
        assert!(
            std::env::var_os("CI").is_none(),
            "{package} is not installed: the outbox tests are mandatory in CI"
        );
        eprintln!("*** outbox test SKIPPED: `python3 -m pip install {package}` to run it ***");
    }
    available
}

/// Starts a process that prints its port on its first line.
fn spawn_with_port(command: &mut Command) -> (Child, u16) {
    let mut child = command
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 runs");
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().expect("its output"))
        .read_line(&mut line)
        .expect("its port");
    let port = line
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("no port from {command:?}: {line:?}"));
    (child, port)
}

impl Sink {
    /// Mails to `slow…` are answered `slow_seconds` late the first time.
    fn start(slow_seconds: f64) -> Option<Sink> {
        if !python_has("aiosmtpd", "aiosmtpd==1.4.6") {
            return None;
        }
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../e2e/smtp_sink.py");
        let dir = tempfile::tempdir().expect("temporary directory");
        let (child, port) = spawn_with_port(
            Command::new("python3")
                .arg(script)
                .arg(dir.path())
                .arg("--slow-seconds")
                .arg(slow_seconds.to_string())
                .stdin(Stdio::piped()),
        );
        Some(Sink { port, dir, child })
    }

    fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    fn files(&self, prefix: &str, extension: &str) -> Vec<PathBuf> {
        let mut names: Vec<PathBuf> = std::fs::read_dir(self.dir.path())
            .expect("the sink's directory")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.extension().is_some_and(|x| x == extension)
                    && p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.starts_with(prefix))
            })
            .collect();
        names.sort();
        names
    }

    /// Every message accepted so far, in order.
    fn received(&self) -> Vec<Mail> {
        self.files("", "json")
            .iter()
            .map(|p| {
                let v: Value =
                    serde_json::from_str(&std::fs::read_to_string(p).expect("read")).expect("json");
                let header =
                    |name: &str| v["headers"][name].as_str().unwrap_or_default().to_owned();
                Mail {
                    message_id: header("message-id")
                        .trim_matches(|c| c == '<' || c == '>')
                        .to_owned(),
                    from: header("from"),
                    to: v["rcpt_tos"]
                        .as_array()
                        .map(|a| {
                            a.iter()
                                .filter_map(|r| r.as_str().map(str::to_owned))
                                .collect()
                        })
                        .unwrap_or_default(),
                }
            })
            .collect()
    }

    /// The Message-IDs of the mails it holds (or held) unanswered.
    fn held(&self) -> Vec<String> {
        self.files("held-", "txt")
            .iter()
            .map(|p| {
                std::fs::read_to_string(p)
                    .expect("read")
                    .trim_matches(|c| c == '<' || c == '>')
                    .to_owned()
            })
            .collect()
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The webhook receiver of a test (`receiver.py` of the server's tests); killed when dropped.
struct Receiver {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
}

impl Receiver {
    /// Holds the first `hold_first` requests unanswered for a while.
    fn start(hold_first: u32) -> Option<Receiver> {
        if !python_has("standardwebhooks", "standardwebhooks==1.1.0") {
            return None;
        }
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../server/tests/integration/webhooks/receiver.py");
        let dir = tempfile::tempdir().expect("temporary directory");
        std::fs::write(dir.path().join("secret"), "").expect("secret file");
        let (child, port) = spawn_with_port(
            Command::new("python3")
                .arg(script)
                .arg("--secret-file")
                .arg(dir.path().join("secret"))
                .arg("--log")
                .arg(dir.path().join("log"))
                .arg("--hold-first")
                .arg(hold_first.to_string())
                .arg("--hold-seconds")
                .arg("60"),
        );
        Some(Receiver { child, port, dir })
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}/hook", self.port)
    }

    fn set_secret(&self, secret: &str) {
        std::fs::write(self.dir.path().join("secret"), secret).expect("secret file");
    }

    fn records(&self) -> Vec<Value> {
        std::fs::read_to_string(self.dir.path().join("log"))
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).expect("a JSON line"))
            .collect()
    }

    /// The requests it answered 204, verified: (webhook-id, the CloudEvent).
    fn received(&self) -> Vec<(String, Value)> {
        self.records()
            .into_iter()
            .filter(|r| r["status"] == 204 && r["verified"] == true)
            .map(|r| {
                (
                    r["webhook_id"].as_str().unwrap_or_default().to_owned(),
                    r["event"].clone(),
                )
            })
            .collect()
    }

    /// The webhook-ids of the requests it holds (or held) unanswered.
    fn held(&self) -> Vec<String> {
        self.records()
            .into_iter()
            .filter(|r| r["held"] == true)
            .filter_map(|r| r["webhook_id"].as_str().map(str::to_owned))
            .collect()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The settings of every instance here: mail to `smtp_url`, webhooks to loopback, both
/// leased for `lease` seconds and looked at often.
fn settings(smtp_url: &str, lease: &str) -> Vec<(&'static str, String)> {
    vec![
        ("MANDATES_MAIL__SMTP_URL", smtp_url.to_owned()),
        ("MANDATES_MAIL__POLL_SECONDS", "1".into()),
        ("MANDATES_MAIL__LEASE_SECONDS", lease.into()),
        ("MANDATES_WEBHOOKS__ALLOW_PRIVATE", "true".into()),
        ("MANDATES_WEBHOOKS__LEASE_SECONDS", lease.into()),
        ("MANDATES_WEBHOOKS__POLL_MILLIS", "200".into()),
        ("MANDATES_WEBHOOKS__RETRY_BASE_SECONDS", "1".into()),
        ("MANDATES_WEBHOOKS__RETRY_MAX_SECONDS", "1".into()),
    ]
}

fn start(
    dir: &Path,
    database: &str,
    port: u16,
    settings: &[(&'static str, String)],
) -> crate::server::Server {
    let env: Vec<(&str, &str)> = settings.iter().map(|(k, v)| (*k, v.as_str())).collect();
    serve_configured(dir, database, port, &env)
}

/// `mandator` proposes a mandate to Bob, giving `email` for their mails; returns its id.
async fn propose(http: &reqwest::Client, base: &str, mandator: &str, email: &str) -> String {
    let (_, until) = file_period();
    let answer = http
        .post(format!("{base}/api/v1/mandates"))
        .bearer_auth(person_token(http, base, mandator).await)
        .json(&json!({
            "domain": "fin", "types": ["fin.myminfin_consult"], "mandator": mandator,
            "mandatee": BOB, "valid_until": until.to_string(), "email": email,
        }))
        .send()
        .await
        .expect("create");
    assert_eq!(answer.status().as_u16(), 201);
    let body: Value = answer.json().await.expect("created");
    body["id"].as_str().expect("id").to_owned()
}

/// Bob signs a mandate: it is in force, its mandator is mailed, the application told.
async fn sign(http: &reqwest::Client, base: &str, bob: &str, id: &str) {
    let answer = http
        .post(format!("{base}/api/v1/mandates/{id}/sign"))
        .bearer_auth(bob)
        .json(&json!({"version": 1}))
        .send()
        .await
        .expect("sign");
    assert_eq!(answer.status().as_u16(), 200, "{:?}", answer.text().await);
}

/// The demo application of `fin` subscribes the receiver to every event from now on.
async fn subscribe(http: &reqwest::Client, base: &str, receiver: &Receiver) {
    let answer = http
        .post(format!("{base}/api/v1/webhooks"))
        .bearer_auth(client_token(http, base).await)
        .json(&json!({"url": receiver.url()}))
        .send()
        .await
        .expect("subscribe");
    assert_eq!(answer.status().as_u16(), 201);
    let made: Value = answer.json().await.expect("subscription");
    receiver.set_secret(made["secret"].as_str().expect("secret"));
}

/// A row of the outbox, as the store holds it.
#[derive(Debug, Clone)]
struct Row {
    id: String,
    channel: String,
    target: String,
    status: String,
    leased: bool,
    attempts: i64,
    email: Option<String>,
    last_error: Option<String>,
}

const ROWS: &str = "SELECT id, channel, target, status, leased_by, attempts, payload, last_error \
     FROM deliveries ORDER BY created_at, id";

/// The outbox, read from the database itself.
async fn outbox(url: &str) -> Vec<Row> {
    use sqlx::Row as _;
    macro_rules! rows {
        ($pool:expr) => {{
            let pool = $pool;
            let rows = sqlx::query(ROWS).fetch_all(&pool).await.expect("outbox");
            pool.close().await;
            rows.iter()
                .map(|r| {
                    let payload: String = r.get("payload");
                    let payload: Value = serde_json::from_str(&payload).expect("payload");
                    Row {
                        id: r.get("id"),
                        channel: r.get("channel"),
                        target: r.get("target"),
                        status: r.get("status"),
                        leased: r.get::<Option<String>, _>("leased_by").is_some(),
                        attempts: r.get("attempts"),
                        email: payload["email"].as_str().map(str::to_owned),
                        last_error: r.get("last_error"),
                    }
                })
                .collect()
        }};
    }
    if url.starts_with("sqlite:") {
        rows!(sqlx::SqlitePool::connect(url).await.expect("sqlite"))
    } else {
        rows!(sqlx::PgPool::connect(url).await.expect("postgres"))
    }
}

/// How many times each id was received.
fn counted(ids: impl IntoIterator<Item = String>) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for id in ids {
        *counts.entry(id).or_default() += 1;
    }
    counts
}

/// Waits (at most `limit`) until the outbox holds nothing pending, every mandate's signing
/// reached the receiver and every address a mail; returns the outbox then.
async fn settled(
    database: &str,
    sink: &Sink,
    receiver: &Receiver,
    mandates: &[String],
    addresses: &[String],
    limit: Duration,
) -> Vec<Row> {
    let started = Instant::now();
    loop {
        let rows = outbox(database).await;
        let signed: BTreeSet<String> = receiver
            .received()
            .iter()
            .filter(|(_, e)| e["type"] == "be.mandates.mandate.signed")
            .filter_map(|(_, e)| e["subject"].as_str().map(str::to_owned))
            .collect();
        let mailed: BTreeSet<String> = sink.received().into_iter().flat_map(|m| m.to).collect();
        let done = rows.iter().all(|r| r.status != "pending")
            && mandates.iter().all(|m| signed.contains(m))
            && addresses.iter().all(|a| mailed.contains(a));
        if done {
            return rows;
        }
        assert!(
            started.elapsed() < limit,
            "not everything was delivered within {limit:?}: pending {:#?}, events for {} of {} mandates, mails to {} of {} addresses",
            rows.iter()
                .filter(|r| r.status == "pending")
                .collect::<Vec<_>>(),
            signed.len(),
            mandates.len(),
            mailed.len(),
            addresses.len()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// What reached the SMTP server and the receiver is exactly what the outbox holds as
/// delivered (after dropping the duplicates, by id, that `may_repeat` allows), and the
/// outbox holds nothing else but Bob's mails, dropped for want of an address.
fn exactly_the_outbox(rows: &[Row], sink: &Sink, receiver: &Receiver, may_repeat: &[String]) {
    for r in rows {
        let dropped_for_bob = r.channel == "mail"
            && r.target == format!("person:{BOB}")
            && r.status == "dropped"
            && r.last_error.as_deref() == Some("no address");
        assert!(
            r.status == "delivered" || dropped_for_bob,
            "every message delivered: {r:?}"
        );
    }
    let delivered = |channel: &str| -> BTreeSet<String> {
        rows.iter()
            .filter(|r| r.channel == channel && r.status == "delivered")
            .map(|r| r.id.clone())
            .collect()
    };
    let mails = sink.received();
    let mail_counts = counted(mails.iter().map(Mail::delivery));
    let event_counts = counted(receiver.received().into_iter().map(|(id, _)| id));
    for (what, counts, written) in [
        ("mail", &mail_counts, delivered("mail")),
        ("webhook", &event_counts, delivered("webhook")),
    ] {
        let received: BTreeSet<String> = counts.keys().cloned().collect();
        assert_eq!(received, written, "the {what}s received are those written");
        for (id, n) in counts {
            assert!(
                *n == 1 || may_repeat.contains(id),
                "{what} {id} received {n} times"
            );
        }
    }
    // Each mail went to the address its outbox row names.
    for m in &mails {
        let row = rows.iter().find(|r| r.id == m.delivery()).expect("its row");
        assert_eq!(m.to, vec![row.email.clone().unwrap_or_default()], "{m:?}");
    }
    assert!(
        receiver
            .records()
            .iter()
            .all(|r| r["held"] == true || r["verified"] == true),
        "every webhook verified"
    );
}

/// Instance 1 is killed while the SMTP server holds a mail and the receiver a webhook, and
/// after more changes; instance 2 delivers everything.
async fn killed_mid_delivery(database: &str) {
    let started = Instant::now();
    let Some(sink) = Sink::start(60.0) else {
        return;
    };
    let Some(receiver) = Receiver::start(1) else {
        return;
    };
    let dir = tempfile::tempdir().expect("dir");
    let http = reqwest::Client::new();
    let settings = settings(&sink.url(), "5");
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let first = start(dir.path(), database, port, &settings);
    ready(&http, &base).await;

    // Eight people each propose a mandate to Bob, giving an address for their mails; the
    // first one's mail server answers late.
    let people: Vec<String> = (0..8).map(person).collect();
    let addresses: Vec<String> = (0..people.len())
        .map(|i| match i {
            0 => "slow-0@example.test".to_owned(),
            _ => format!("person-{i}@example.test"),
        })
        .collect();
    let mut mandates = Vec::new();
    for (p, a) in people.iter().zip(&addresses) {
        mandates.push(propose(&http, &base, p, a).await);
    }
    subscribe(&http, &base, &receiver).await;
    // Bob signs them all: each mandator is mailed, the application told.
    let bob = person_token(&http, &base, BOB).await;
    for m in &mandates {
        sign(&http, &base, &bob, m).await;
    }
    let in_flight = Instant::now();
    let (mail, event) = loop {
        if let (Some(mail), Some(event)) = (sink.held().pop(), receiver.held().pop()) {
            break (mail, event);
        }
        assert!(
            in_flight.elapsed() < Duration::from_secs(20),
            "instance 1 should be sending a mail and a webhook"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    first.kill();

    // What the dead instance left: the mail and the webhook in flight leased to it and never
    // settled, neither received (the other mails went to other recipients meanwhile).
    let left = outbox(database).await;
    let row = |id: &str| {
        left.iter()
            .find(|r| r.id == id)
            .cloned()
            .unwrap_or_else(|| panic!("{id} in the outbox"))
    };
    let mail_id = mail.split('@').next().unwrap_or_default().to_owned();
    for r in [row(&mail_id), row(&event)] {
        assert!(
            r.status == "pending" && r.leased && r.attempts == 0,
            "killed in the middle of its delivery: {r:?}"
        );
    }
    assert_eq!(row(&mail_id).email.as_deref(), Some("slow-0@example.test"));
    assert!(
        sink.received().iter().all(|m| m.delivery() != mail_id),
        "the mail in flight did not go before the kill"
    );

    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let second = start(dir.path(), database, port, &settings);
    ready(&http, &base).await;
    let rows = settled(
        database,
        &sink,
        &receiver,
        &mandates,
        &addresses,
        Duration::from_secs(30),
    )
    .await;
    second.kill();
    // Sent again may be only what the dead instance had not recorded as delivered: the two
    // in flight, and any other it sent to another recipient in the instant before the kill
    // (at least once: with the same id, for the receiver to drop).
    let unrecorded: Vec<String> = left
        .iter()
        .filter(|r| r.status != "delivered")
        .map(|r| r.id.clone())
        .collect();
    assert!(unrecorded.contains(&mail_id) && unrecorded.contains(&event));
    exactly_the_outbox(&rows, &sink, &receiver, &unrecorded);
    eprintln!(
        "killed mid-delivery on {}: {:?}",
        database.split(':').next().unwrap_or_default(),
        started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_instance_killed_mid_delivery_loses_nothing_on_sqlite() {
    let dir = tempfile::tempdir().expect("dir");
    let url = format!("sqlite://{}", dir.path().join("outbox.db").display());
    killed_mid_delivery(&url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_instance_killed_mid_delivery_loses_nothing_on_postgres() {
    let Some(db) = PostgresDatabase::create("outbox_kill").await else {
        return;
    };
    killed_mid_delivery(&db.url).await;
    db.drop_now().await;
}

/// Two instances start side by side on a backlog of mails and webhooks that a third one
/// wrote without sending them: each message is received once, and all of them are.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_on_one_backlog_deliver_each_message_once_on_postgres() {
    let Some(db) = PostgresDatabase::create("outbox_pair").await else {
        return;
    };
    let started = Instant::now();
    // Each mail takes the SMTP server a while: one instance alone would outlast the lease
    // of what it took.
    let Some(sink) = Sink::start(0.5) else {
        return;
    };
    let Some(receiver) = Receiver::start(0) else {
        return;
    };
    let dir = tempfile::tempdir().expect("dir");
    let http = reqwest::Client::new();
    let mut settings = settings(&sink.url(), "2");
    // A webhook round (50 at once to a receiver that verifies each in Python) must end
    // within its lease on a busy machine: a request given up at the lease's end is sent
    // again, and the receiver would see it twice although nothing went twice at once.
    settings.push(("MANDATES_WEBHOOKS__LEASE_SECONDS", "20".into()));

    // The backlog: written by an instance that sends no mail yet (its first look at the
    // outbox is an hour away) and may not post to loopback (its attempts fail: retried).
    let mut writer = settings.clone();
    writer.push(("MANDATES_MAIL__POLL_SECONDS", "3600".into()));
    writer.push(("MANDATES_WEBHOOKS__ALLOW_PRIVATE", "false".into()));
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let first = start(dir.path(), &db.url, port, &writer);
    ready(&http, &base).await;
    // The subscription is made from the command line, which may name loopback.
    let made = Command::new(env!("CARGO_BIN_EXE_mandates"))
        .args([
            "--database",
            &db.url,
            "webhooks",
            "add",
            "--client",
            "demo-fin",
            "--url",
        ])
        .arg(receiver.url())
        .env("MANDATES_WEBHOOKS__ALLOW_PRIVATE", "true")
        .env("MANDATES_LOG", "warn")
        .output()
        .expect("mandates webhooks add");
    let printed = String::from_utf8_lossy(&made.stdout).into_owned();
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let secret = printed
        .lines()
        .find_map(|l| l.strip_prefix("secret: "))
        .expect("the secret");
    receiver.set_secret(secret.trim());
    let people: Vec<String> = (100..124).map(person).collect();
    let addresses: Vec<String> = (0..people.len())
        .map(|i| format!("slow-{i}@example.test"))
        .collect();
    let mut mandates = Vec::new();
    for (p, a) in people.iter().zip(&addresses) {
        mandates.push(propose(&http, &base, p, a).await);
    }
    let bob = person_token(&http, &base, BOB).await;
    for m in &mandates {
        sign(&http, &base, &bob, m).await;
    }
    first.kill();
    assert!(sink.received().is_empty() && receiver.received().is_empty());

    // Two instances at once on that backlog, told apart by their mails' sender.
    let mut servers = Vec::new();
    for name in ["A", "B"] {
        let mut own = settings.clone();
        own.push((
            "MANDATES_MAIL__FROM",
            format!("Mandates {name} <no-reply@mandates.test>"),
        ));
        // Each instance keeps its own access log spool.
        let spool = dir.path().join(format!("spool-{name}"));
        own.push(("MANDATES_ACCESS_LOG__SPOOL", spool.display().to_string()));
        let port = free_port();
        servers.push((start(dir.path(), &db.url, port, &own), port));
    }
    for (_, port) in &servers {
        ready(&http, &format!("http://127.0.0.1:{port}")).await;
    }
    let rows = settled(
        &db.url,
        &sink,
        &receiver,
        &mandates,
        &addresses,
        Duration::from_secs(40),
    )
    .await;
    for (server, _) in servers {
        server.kill();
    }
    exactly_the_outbox(&rows, &sink, &receiver, &[]);
    let senders: BTreeSet<String> = sink.received().into_iter().map(|m| m.from).collect();
    assert_eq!(
        senders.len(),
        2,
        "both instances sent some of the mails: {senders:?}"
    );
    db.drop_now().await;
    eprintln!("two instances on one backlog: {:?}", started.elapsed());
}
