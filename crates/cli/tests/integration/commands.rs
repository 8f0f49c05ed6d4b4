//! The `mandates` binary as an operator runs it.

use std::path::Path;
use std::process::{Command, Output};

fn mandates(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mandates"))
        .args(args)
        .current_dir(dir)
        .env_remove("MANDATES_DATABASE_URL")
        .env("MANDATES_LOG", "warn")
        .output()
        .expect("the binary runs")
}

fn text(out: &[u8]) -> String {
    String::from_utf8_lossy(out).into_owned()
}

#[test]
fn every_command_has_help() {
    let dir = tempfile::tempdir().expect("dir");
    for args in [
        vec!["--help"],
        vec!["serve", "--help"],
        vec!["migrate", "--help"],
        vec!["catalog", "show", "--help"],
        vec!["roles", "import", "--help"],
        vec!["webhooks", "--help"],
        vec!["webhooks", "add", "--help"],
        vec!["outbox", "list", "--help"],
        vec!["outbox", "retry", "--help"],
        vec!["outbox", "counts", "--help"],
        vec!["audit", "--help"],
        vec!["audit", "chain", "--help"],
        vec!["audit", "verify", "--help"],
    ] {
        let out = mandates(dir.path(), &args);
        assert!(out.status.success(), "{args:?}");
        assert!(text(&out.stdout).contains("Usage: mandates"), "{args:?}");
    }
}

#[test]
fn the_catalog_is_printed_in_a_language_and_as_json() {
    let dir = tempfile::tempdir().expect("dir");
    let out = mandates(dir.path(), &["catalog", "show", "--lang", "fr"]);
    assert!(text(&out.stdout).contains("Déclaration à l'impôt des personnes physiques"));
    let out = mandates(dir.path(), &["catalog", "show", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(json["domains"].as_array().map(Vec::len), Some(3));
    let out = mandates(dir.path(), &["catalog", "show", "--lang", "es"]);
    assert!(!out.status.success());
}

#[test]
fn migrate_creates_the_default_database_here() {
    let dir = tempfile::tempdir().expect("dir");
    let out = mandates(dir.path(), &["migrate"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(dir.path().join("mandates.db").exists());
    assert!(
        mandates(dir.path(), &["migrate"]).status.success(),
        "migrating twice is harmless"
    );
}

#[test]
fn the_database_url_can_come_from_a_file() {
    let dir = tempfile::tempdir().expect("dir");
    std::fs::write(dir.path().join("db-url"), "sqlite://from-secret.db\n").expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_mandates"))
        .arg("migrate")
        .current_dir(dir.path())
        .env_remove("MANDATES_DATABASE_URL")
        .env("MANDATES_DATABASE_URL_FILE", dir.path().join("db-url"))
        .output()
        .expect("the binary runs");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(dir.path().join("from-secret.db").exists());
}

#[test]
fn the_smtp_url_can_come_from_a_file() {
    let dir = tempfile::tempdir().expect("dir");
    std::fs::write(
        dir.path().join("smtp-url"),
        "smtp://user:secret@127.0.0.1:2525\n",
    )
    .expect("write");
    let run = |file: &str| {
        Command::new(env!("CARGO_BIN_EXE_mandates"))
            .arg("migrate")
            .current_dir(dir.path())
            .env_remove("MANDATES_DATABASE_URL")
            .env("MANDATES_MAIL__SMTP_URL_FILE", dir.path().join(file))
            .output()
            .expect("the binary runs")
    };
    let out = run("smtp-url");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = run("missing");
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("MANDATES_MAIL__SMTP_URL_FILE"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn bad_configuration_is_refused_with_the_reason() {
    let dir = tempfile::tempdir().expect("dir");
    std::fs::write(dir.path().join("bad.toml"), "bnd = \"127.0.0.1:1\"\n").expect("write");
    let out = mandates(dir.path(), &["--config", "bad.toml", "migrate"]);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("bnd"), "{}", text(&out.stderr));
    let out = mandates(dir.path(), &["serve", "--demo", "--bind", "0.0.0.0:0"]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("loopback"),
        "{}",
        text(&out.stderr)
    );
    let out = mandates(dir.path(), &["--database", "mysql://x", "migrate"]);
    assert!(
        text(&out.stderr).contains("sqlite://PATH or postgres://"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn clients_are_added_listed_and_revoked() {
    let dir = tempfile::tempdir().expect("dir");
    let out = mandates(
        dir.path(),
        &[
            "clients", "add", "--domain", "fin", "--name", "MyMinfin", "--id", "myminfin",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let printed = text(&out.stdout);
    assert!(printed.contains("client_id:     myminfin"), "{printed}");
    let secret = printed
        .lines()
        .find_map(|l| l.strip_prefix("client_secret: "))
        .unwrap_or_default();
    assert!(secret.len() >= 40, "a long random secret: {secret}");
    let out = mandates(
        dir.path(),
        &["clients", "add", "--domain", "tax", "--name", "X"],
    );
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("no domain \"tax\""),
        "{}",
        text(&out.stderr)
    );
    let out = mandates(dir.path(), &["clients", "list"]);
    assert!(
        text(&out.stdout).contains("myminfin\tfin\tall types\tactive\tMyMinfin"),
        "{}",
        text(&out.stdout)
    );
    assert!(
        mandates(dir.path(), &["clients", "revoke", "myminfin"])
            .status
            .success()
    );
    assert!(text(&mandates(dir.path(), &["clients", "list"]).stdout).contains("revoked"));
    assert!(
        !mandates(dir.path(), &["clients", "revoke", "myminfin"])
            .status
            .success()
    );
}

#[test]
fn another_programs_variable_of_the_prefix_is_left_alone_and_a_wrong_setting_is_named() {
    let dir = tempfile::tempdir().expect("dir");
    // A test harness's MANDATES_BIN is not a setting: the command runs, and says so.
    let out = mandates_with(dir.path(), ("MANDATES_BIN", "/opt/x"), &["migrate"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("MANDATES_BIN") || text(&out.stderr).contains("MANDATES_BIN"),
        "the ignored variable is named: {}",
        text(&out.stderr)
    );
    // A misspelt key of a section is still refused, by name.
    let out = mandates_with(dir.path(), ("MANDATES_AUTH__ISSUR", "x"), &["migrate"]);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("issur"), "{}", text(&out.stderr));
}

/// `mandates` with an environment variable set.
fn mandates_with(dir: &Path, env: (&str, &str), args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mandates"))
        .args(args)
        .current_dir(dir)
        .env_remove("MANDATES_DATABASE_URL")
        .env("MANDATES_LOG", "warn")
        .env(env.0, env.1)
        .output()
        .expect("the binary runs")
}

#[test]
fn webhooks_are_added_listed_and_removed() {
    let dir = tempfile::tempdir().expect("dir");
    let out = mandates(
        dir.path(),
        &[
            "clients", "add", "--domain", "fin", "--name", "App", "--id", "app",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    // Not a public address: refused, with the reason.
    let out = mandates(
        dir.path(),
        &[
            "webhooks",
            "add",
            "--client",
            "app",
            "--url",
            "https://127.0.0.1/hook",
        ],
    );
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains(
            "url: https://127.0.0.1/hook leads to 127.0.0.1, which is not a public internet address"
        ),
        "{}",
        text(&out.stderr)
    );
    let out = mandates(
        dir.path(),
        &[
            "webhooks",
            "add",
            "--client",
            "nobody",
            "--url",
            "https://app.example.be/",
        ],
    );
    assert!(text(&out.stderr).contains("no client \"nobody\""));
    // Allowed by the configuration (a local demo).
    let out = mandates_with(
        dir.path(),
        ("MANDATES_WEBHOOKS__ALLOW_PRIVATE", "true"),
        &[
            "webhooks",
            "add",
            "--client",
            "app",
            "--url",
            "http://127.0.0.1:9/hook",
            "--types",
            "be.mandates.mandate.stopped",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let printed = text(&out.stdout);
    assert!(printed.contains("secret: whsec_"), "{printed}");
    let id = printed
        .lines()
        .find_map(|l| l.strip_prefix("id:     "))
        .unwrap_or_default()
        .to_owned();
    let listed = text(&mandates(dir.path(), &["webhooks", "list"]).stdout);
    assert!(
        listed.contains(&format!(
            "{id}\tapp\thttp://127.0.0.1:9/hook\tbe.mandates.mandate.stopped"
        )),
        "{listed}"
    );
    assert!(!listed.contains("whsec_"), "{listed}");
    assert!(
        mandates(dir.path(), &["webhooks", "remove", &id])
            .status
            .success()
    );
    assert!(
        !mandates(dir.path(), &["webhooks", "remove", &id])
            .status
            .success()
    );
    assert_eq!(
        text(&mandates(dir.path(), &["webhooks", "list"]).stdout),
        ""
    );
}

#[test]
fn roles_import_checks_every_row_then_applies_a_full_snapshot() {
    let dir = tempfile::tempdir().expect("dir");
    let csv = dir.path().join("kbo.csv");
    std::fs::write(&csv, "enterprise_number;national_number;valid_from;valid_until\n0203.201.340;62092301281;2020-01-01;\n0412345614;88112045693;2021-05-01;\n").expect("write");
    let out = mandates(dir.path(), &["roles", "import", "kbo.csv"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("2 added, 0 updated, 0 unchanged, 0 ended"),
        "{}",
        text(&out.stdout)
    );
    // One representative left the register: the next snapshot ends that role.
    std::fs::write(&csv, "enterprise_number,national_number,valid_from,valid_until\n0203201340,62092301281,2020-01-01,\n").expect("write");
    let out = mandates(dir.path(), &["roles", "import", "kbo.csv"]);
    assert!(
        text(&out.stdout).contains("0 added, 0 updated, 1 unchanged, 1 ended"),
        "{}",
        text(&out.stdout)
    );
    // A file with a bad row changes nothing and names the line.
    std::fs::write(&csv, "enterprise_number,national_number,valid_from,valid_until\n0203201341,62092301281,2020-01-01,\n").expect("write");
    let out = mandates(dir.path(), &["roles", "import", "kbo.csv"]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("line 2: enterprise_number"),
        "{}",
        text(&out.stderr)
    );
    assert!(text(&out.stderr).contains("nothing imported"));
}

/// The name the database in `dir` knows `number` by.
async fn known_name(dir: &Path, number: &str) -> Option<String> {
    let url = format!("sqlite://{}", dir.join("mandates.db").display());
    let store = mandates_store::Store::connect(&url)
        .await
        .expect("open the database");
    let party = mandates_domain::Party::parse(number).expect("a party number");
    let names = store.names_of([&party]).await.expect("the names");
    store.close().await;
    names.get(&party).map(|n| n.as_str().to_owned())
}

#[tokio::test]
async fn roles_import_keeps_the_enterprise_names_it_is_given() {
    let dir = tempfile::tempdir().expect("dir");
    let csv = dir.path().join("kbo.csv");
    let import = |file: &str| {
        std::fs::write(&csv, file).expect("write");
        let out = mandates(dir.path(), &["roles", "import", "kbo.csv"]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        text(&out.stdout)
    };
    let named = "enterprise_number;national_number;valid_from;valid_until;enterprise_name\n\
        0412345614;88112045693;2021-05-01;;Numbers & Co\n\
        0203201340;62092301281;2020-01-01;;\n";
    let out = import(named);
    assert!(out.contains("2 added"), "{out}");
    assert!(out.contains("enterprise names: 1 new or changed"), "{out}");
    assert_eq!(
        known_name(dir.path(), "0412345614").await.as_deref(),
        Some("Numbers & Co")
    );
    assert_eq!(known_name(dir.path(), "0203201340").await, None);

    // Today's format, without the column: the roles as before, the names kept.
    let out = import(
        "enterprise_number,national_number,valid_from,valid_until\n\
         0412345614,88112045693,2021-05-01,\n0203201340,62092301281,2020-01-01,\n",
    );
    assert!(
        out.contains("0 added, 0 updated, 2 unchanged, 0 ended"),
        "{out}"
    );
    assert!(out.contains("enterprise names: 0 new or changed"), "{out}");
    assert_eq!(
        known_name(dir.path(), "0412345614").await.as_deref(),
        Some("Numbers & Co")
    );

    // A new name replaces the old one.
    let out = import(&named.replace("Numbers & Co", "Numbers & Partners"));
    assert!(out.contains("enterprise names: 1 new or changed"), "{out}");
    assert_eq!(
        known_name(dir.path(), "0412345614").await.as_deref(),
        Some("Numbers & Partners")
    );
}

/// Runs `args` with `database`, logging everything, and returns what it printed.
fn printed_with(dir: &Path, database: &str, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_mandates"))
        .arg("--database")
        .arg(database)
        .args(args)
        .current_dir(dir)
        .env_remove("MANDATES_DATABASE_URL")
        .env("MANDATES_LOG", "trace")
        .output()
        .expect("the binary runs");
    assert!(!out.status.success(), "{database} {args:?}");
    format!("{}{}", text(&out.stdout), text(&out.stderr))
}

#[test]
fn a_database_password_is_never_printed() {
    let dir = tempfile::tempdir().expect("dir");
    for database in [
        // Nothing listens on port 1: the connection fails.
        "postgres://app:Pw1Secret@127.0.0.1:1/m",
        "postgres://app@127.0.0.1:1/m?password=Pw1Secret",
        "postgres://app@127.0.0.1:1/m?sslmode=disable&sslpassword=Pw1Secret",
        "postgres://app:Pw1@Secret@127.0.0.1:1/m",
        "postgres://app:Pw1/?Secret@127.0.0.1:1/m",
        "postgres://app:Pw1Secret",
        "mysql://app:Pw1Secret@db/m",
        "mysql:app:Pw1Secret@db",
        "Pw1Secret",
    ] {
        for args in [
            &["migrate"][..],
            &["serve", "--demo", "--bind", "127.0.0.1:0"],
        ] {
            let printed = printed_with(dir.path(), database, args);
            assert!(
                !printed.contains("Pw1") && !printed.contains("Secret"),
                "{database} {args:?}: {printed}"
            );
        }
    }
    let printed = printed_with(dir.path(), "mysql://app:Pw1Secret@db/m", &["migrate"]);
    assert!(
        printed.contains("\"mysql://app:***@db/m\"") && printed.contains("sqlite://PATH"),
        "{printed}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_password_is_not_shown_when_the_database_answers() {
    use std::io::BufRead;

    let Some(db) = crate::server::PostgresDatabase::create("redacted").await else {
        return;
    };
    // The test server trusts every connection: a password is sent and not needed.
    let (scheme, rest) = db.url.split_once("://").expect("a URL");
    let (user, place) = rest.split_once('@').expect("a user");
    let user = user.split(':').next().unwrap_or(user);
    let database = format!("{scheme}://{user}:Pw1Secret@{place}?password=Pw2Secret");
    let dir = tempfile::tempdir().expect("dir");
    let out = Command::new(env!("CARGO_BIN_EXE_mandates"))
        .args(["--database", &database, "migrate"])
        .current_dir(dir.path())
        .env("MANDATES_LOG", "trace")
        .output()
        .expect("the binary runs");
    let printed = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{printed}");
    assert!(printed.contains("migrations applied to"), "{printed}");
    assert!(!printed.contains("Secret"), "{printed}");
    let mut server = Command::new(env!("CARGO_BIN_EXE_mandates"))
        .args([
            "--database",
            &database,
            "serve",
            "--demo",
            "--bind",
            "127.0.0.1:0",
        ])
        .current_dir(dir.path())
        .env("MANDATES_LOG", "info")
        .env("MANDATES_DEMO_DATA", "false")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the server starts");
    let stderr = server.stderr.take().expect("stderr");
    let mut lines = Vec::new();
    for line in std::io::BufReader::new(stderr).lines() {
        let line = line.expect("a line");
        let done = line.contains("listening") || line.contains("error");
        lines.push(line);
        if done {
            break;
        }
    }
    let _ = server.kill();
    let _ = server.wait();
    let printed = lines.join("\n");
    assert!(printed.contains("listening"), "{printed}");
    assert!(printed.contains(":***@"), "{printed}");
    assert!(!printed.contains("Secret"), "{printed}");
    db.drop_now().await;
}

/// A mail to a person that failed after its last retry, and one waiting, written as the
/// service writes them.
async fn failed_mail(db: &Path) -> uuid::Uuid {
    use mandates_store::{Channel, NewDelivery, Store};
    let store = Store::connect(&format!("sqlite://{}", db.display()))
        .await
        .expect("store");
    // Written in the past: due by the time the commands run.
    let now: chrono::DateTime<chrono::Utc> = "2026-01-01T09:00:00Z".parse().expect("instant");
    let mail = |target: &str| NewDelivery {
        id: uuid::Uuid::new_v4(),
        channel: Channel::Mail,
        target: target.into(),
        seq: None,
        payload: serde_json::json!({"kind": "in_force"}),
        due_at: now,
    };
    let failed = mail("person:85073003328");
    let waiting = mail("address:office@example.test");
    let mut tx = store.begin().await.expect("begin");
    tx.add_deliveries(std::slice::from_ref(&failed))
        .await
        .expect("add");
    tx.commit().await.expect("commit");
    store
        .claim_deliveries(Channel::Mail, "test", now, chrono::Duration::minutes(1), 10)
        .await
        .expect("claim");
    store
        .mark_failed(failed.id, "test", now, "550 5.1.1 no such user")
        .await
        .expect("fail");
    let mut tx = store.begin().await.expect("begin");
    tx.add_deliveries(&[waiting]).await.expect("add");
    tx.commit().await.expect("commit");
    store.close().await;
    failed.id
}

#[test]
fn the_outbox_is_listed_counted_and_retried() {
    let dir = tempfile::tempdir().expect("dir");
    assert!(mandates(dir.path(), &["migrate"]).status.success());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let id = runtime.block_on(failed_mail(&dir.path().join("mandates.db")));

    let out = mandates(dir.path(), &["outbox", "list", "--status", "failed"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let listed = text(&out.stdout);
    assert_eq!(listed.lines().count(), 1, "{listed}");
    assert!(listed.contains(&id.to_string()), "{listed}");
    assert!(
        listed.contains("550 5.1.1 no such user"),
        "the reason: {listed}"
    );
    assert!(listed.contains("person:85.07.30-xxx.xx"), "{listed}");
    assert!(
        !listed.contains("85073003328"),
        "never a national number in full"
    );

    let counts = text(&mandates(dir.path(), &["outbox", "counts"]).stdout);
    assert!(counts.contains("mail\tfailed\t1"), "{counts}");
    assert!(counts.contains("mail\tpending\t1"), "{counts}");

    let out = mandates(dir.path(), &["outbox", "retry", &id.to_string()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("1 failed message(s) due again"));
    let pending = text(
        &mandates(
            dir.path(),
            &[
                "outbox",
                "list",
                "--channel",
                "mail",
                "--status",
                "pending",
                "--limit",
                "5",
            ],
        )
        .stdout,
    );
    assert_eq!(pending.lines().count(), 2, "{pending}");
    assert!(pending.contains(&id.to_string()));
    // Nothing failed is left to retry by that id.
    assert!(
        !mandates(dir.path(), &["outbox", "retry", &id.to_string()])
            .status
            .success()
    );
    assert!(
        !mandates(dir.path(), &["outbox", "list", "--status", "lost"])
            .status
            .success()
    );
}

#[test]
fn a_database_that_cannot_be_reached_or_entered_is_named_plainly() {
    let dir = tempfile::tempdir().expect("dir");
    // Nobody listens on a port just freed.
    let port = crate::server::free_port();
    let url = format!("postgres://postgres@127.0.0.1:{port}/mandates");
    let out = mandates(dir.path(), &["--database", &url, "migrate"]);
    assert!(!out.status.success());
    let said = text(&out.stderr);
    assert!(
        said.contains(&format!("connection refused at 127.0.0.1:{port}")),
        "{said}"
    );
    // A database that does not exist on a server that answers.
    let Some(server) = std::env::var("TEST_POSTGRES_URL")
        .ok()
        .and_then(|u| u.rsplit_once('/').map(|(s, _)| s.to_owned()))
    else {
        eprintln!("\n*** the missing-database part SKIPPED: set TEST_POSTGRES_URL to run it ***\n");
        return;
    };
    let url = format!("{server}/mandates_no_such_database");
    let out = mandates(dir.path(), &["--database", &url, "migrate"]);
    assert!(!out.status.success());
    let said = text(&out.stderr);
    assert!(
        said.contains("database \"mandates_no_such_database\" does not exist")
            && !said.contains("at line"),
        "{said}"
    );
}
