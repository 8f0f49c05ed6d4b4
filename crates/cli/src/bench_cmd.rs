//! `mandates bench seed`: a realistic synthetic population for benchmarks. Mandates are
//! made by the domain's own rules (created, signed, some stopped or left pending, some
//! expired) and written with their events; the database is marked as a demo database, so
//! that it can never be mistaken for production data.

use std::io::Write;
use std::path::PathBuf;

use chrono::{Duration, Utc};
use clap::Subcommand;
use mandates_domain::actor::{Actor, AuthContext};
use mandates_domain::catalog::Catalog;
use mandates_domain::mandate::{Draft, Event, Mandate};
use mandates_domain::roles::{EnterpriseRole, RoleEventKind, RoleKind};
use mandates_domain::time::{Instant, brussels_date};
use mandates_domain::{Insz, Kbo, Party};
use mandates_server::config::Config;
use mandates_store::{EventKind, NewEvent, Store};
use uuid::Uuid;

use crate::config::open_store;

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Fill an empty database with N synthetic mandates: mostly citizens and companies with
    /// one accounting office each, offices with hundreds of clients and a few executors, and
    /// a mix of states (80 % active, 8 % pending, 5 % stopped, 4 % expired, 3 % withdrawn).
    /// Writes sample check questions (JSON lines) for the load benchmark.
    Seed {
        /// How many mandates.
        #[arg(long)]
        mandates: u64,
        /// Where to write sample check questions.
        #[arg(long, default_value = "bench/checks.jsonl")]
        sample: PathBuf,
        /// How many sample questions.
        #[arg(long, default_value_t = 20_000)]
        sample_size: u64,
    },
    /// On an empty database: a bulk creation of N mandates (one file), timed as its dry run
    /// and as its commit, beside M mandates created one by one through the same service, in
    /// the same run on the same store.
    Bulk {
        /// Rows in the bulk file.
        #[arg(long, default_value_t = 100_000)]
        rows: u64,
        /// Mandates created one at a time, for comparison.
        #[arg(long, default_value_t = 2_000)]
        single: u64,
        /// Commit the whole file in one transaction (all or nothing) instead of row by row.
        #[arg(long)]
        all_or_nothing: bool,
    },
}

/// A person's number from a counter: a valid INSZ born 1900–1999, unique up to 33 million.
fn person(k: u64) -> Insz {
    let day = 1 + k % 28;
    let month = 1 + (k / 28) % 12;
    let year = (k / 336) % 100;
    let seq = 1 + (k / 33_600) % 997;
    let nine = year * 10_000_000 + month * 100_000 + day * 1_000 + seq;
    let text = format!("{nine:09}{:02}", 97 - nine % 97);
    Insz::parse(&text).unwrap_or_else(|_| unreachable_number(&text))
}

/// An enterprise's number from a counter (`base` picks a range).
fn enterprise(base: u64, k: u64) -> Kbo {
    let eight = base + k;
    let text = format!("{eight:08}{:02}", 97 - eight % 97);
    Kbo::parse(&text).unwrap_or_else(|_| unreachable_number(&text))
}

fn unreachable_number(text: &str) -> ! {
    panic!("synthetic number {text} is not valid: the generator is wrong")
}

const OFFICES: u64 = 10_000_000;
const COMPANIES: u64 = 2_000_000;
/// Person counters: mandators from 0, executors and managers from here.
const STAFF: u64 = 12_000_000;

fn actor(person: Insz, party: Party, roles: Vec<EnterpriseRole>) -> Actor {
    Actor {
        person,
        party,
        auth: AuthContext {
            acr: Some("bench".into()),
            amr: vec!["bench".into()],
        },
        roles,
    }
}

fn representative(enterprise: &Kbo, person: &Insz, since: Instant) -> EnterpriseRole {
    EnterpriseRole {
        id: Uuid::nil(),
        enterprise: enterprise.clone(),
        person: person.clone(),
        kind: RoleKind::LegalRepresentative,
        domain: None,
        types: Vec::new(),
        valid_from: brussels_date(since),
        valid_until: None,
        ended_at: None,
        assigned_at: since,
    }
}

/// For a party: the actor who signs for it (itself, or a representative of the enterprise).
fn signer(party: &Party, k: u64, since: Instant) -> Actor {
    match party {
        Party::Person(p) => Actor::myself(p.clone(), AuthContext::default()),
        Party::Enterprise(e) => {
            let rep = person(STAFF + 5_000_000 + k % 1_000_000);
            let role = representative(e, &rep, since);
            actor(rep, party.clone(), vec![role])
        }
    }
}

struct Made {
    mandate: Mandate,
    events: Vec<Event>,
    /// A question a business application would ask about it.
    question: serde_json::Value,
}

fn make(i: u64, offices: u64, catalog: &Catalog, now: Instant) -> Result<Made, String> {
    let company = i.is_multiple_of(5);
    let (mandator, types): (Party, &[&str]) = if company {
        (
            Party::Enterprise(enterprise(COMPANIES, i)),
            &["fin.biztax", "fin.intervat"],
        )
    } else {
        (Party::Person(person(i)), &["fin.tax_on_web"])
    };
    let office = i % offices;
    let to_office = i % 100 < 85;
    let mandatee = if to_office {
        Party::Enterprise(enterprise(OFFICES, office))
    } else {
        Party::Person(person(STAFF + 8_000_000 + i % 1_000_000))
    };
    let state = i % 100;
    let expired = (93..97).contains(&state);
    let created = if expired {
        now - Duration::days(500)
    } else {
        now - Duration::days(1 + (i % 300) as i64)
    };
    let draft = Draft {
        domain: "fin".into(),
        types: types.iter().map(|t| (*t).to_owned()).collect(),
        mandator: mandator.to_string(),
        mandatee: mandatee.to_string(),
        valid_from: Some(brussels_date(created).to_string()),
        valid_until: expired.then(|| brussels_date(now - Duration::days(30)).to_string()),
        reference: Some(format!("client {i}")),
        language: Some("nl".into()),
        email: None,
        capacity: None,
    };
    let by_mandator = signer(&mandator, i, created - Duration::days(1000));
    let by_mandatee = signer(&mandatee, i, created - Duration::days(1000));
    let id = Uuid::from_u64_pair(0x6d61_6e64_6174_6573, i);
    let (mut m, mut events) =
        Mandate::create(id, &draft, &by_mandator, catalog, created).map_err(|e| e.to_string())?;
    let signed = created + Duration::hours(2);
    if state < 80 || (88..97).contains(&state) {
        let (_, e) = m
            .sign(&by_mandatee, 1, &[], catalog, signed)
            .map_err(|e| e.to_string())?;
        events.extend(e);
    }
    if (88..93).contains(&state) {
        events.extend(
            m.stop(&by_mandator, signed + Duration::hours(1))
                .map_err(|e| e.to_string())?,
        );
    }
    if state >= 97 {
        events.extend(
            m.withdraw(&by_mandator, signed)
                .map_err(|e| e.to_string())?,
        );
    }
    let type_code = types[(i % types.len() as u64) as usize];
    let asker = match &mandatee {
        // The office's executor for this type.
        Party::Enterprise(_) => {
            person(STAFF + office * 3 + if type_code == "fin.tax_on_web" { 0 } else { 1 })
        }
        Party::Person(p) => p.clone(),
    };
    let question = serde_json::json!({"actor": asker.to_string(), "mandator": mandator.to_string(), "type": type_code});
    Ok(Made {
        mandate: m,
        events,
        question,
    })
}

fn roster(offices: u64, since: Instant) -> Vec<EnterpriseRole> {
    let mut roles = Vec::new();
    for o in 0..offices {
        let office = enterprise(OFFICES, o);
        let staff = |n: u64| person(STAFF + o * 3 + n);
        let role = |p: Insz, kind, types: &[&str]| EnterpriseRole {
            id: Uuid::nil(),
            enterprise: office.clone(),
            person: p,
            kind,
            domain: Some("fin".into()),
            types: types.iter().map(|t| (*t).to_owned()).collect(),
            valid_from: brussels_date(since),
            valid_until: None,
            ended_at: None,
            assigned_at: since,
        };
        roles.push(role(staff(0), RoleKind::Executor, &["fin.tax_on_web"]));
        roles.push(role(
            staff(1),
            RoleKind::Executor,
            &["fin.biztax", "fin.intervat"],
        ));
        roles.push(role(staff(2), RoleKind::Manager, &[]));
    }
    for (n, r) in roles.iter_mut().enumerate() {
        r.id = Uuid::from_u64_pair(0x726f_6c65, n as u64);
    }
    roles
}

pub async fn run(config: &Config, command: BenchCommand) -> Result<(), String> {
    let (mandates, sample, sample_size) = match command {
        BenchCommand::Seed {
            mandates,
            sample,
            sample_size,
        } => (mandates, sample, sample_size),
        BenchCommand::Bulk {
            rows,
            single,
            all_or_nothing,
        } => {
            let mode = if all_or_nothing {
                mandates_domain::bulk::Mode::AllOrNothing
            } else {
                mandates_domain::bulk::Mode::PerRow
            };
            return bulk(config, rows, single, mode).await;
        }
    };
    if mandates > STAFF {
        return Err(format!("at most {STAFF} mandates"));
    }
    let store = open_store(config).await?;
    seed(&store, mandates, &sample, sample_size).await?;
    store.close().await;
    Ok(())
}

async fn seed(
    store: &Store,
    count: u64,
    sample: &std::path::Path,
    sample_size: u64,
) -> Result<(), String> {
    let err = |e: mandates_store::StoreError| e.to_string();
    if store.last_seq().await.map_err(err)? > 0 {
        return Err("the database is not empty: seed a new one".into());
    }
    #[expect(
        clippy::disallowed_methods,
        reason = "a command's edge reads the clock once"
    )]
    let now = Utc::now();
    let catalog = Catalog::default_catalog().map_err(|e| e.to_string())?;
    let mut tx = store.begin().await.map_err(err)?;
    tx.init_meta("mode", "demo").await.map_err(err)?;
    tx.commit().await.map_err(err)?;
    let offices = (count / 300).max(1);
    let since = now - Duration::days(2000);
    let started = std::time::Instant::now();
    let mut tx = store.begin().await.map_err(err)?;
    for r in roster(offices, since) {
        tx.put_role(&r, None).await.map_err(err)?;
    }
    tx.append(&[NewEvent {
        kind: EventKind::Role(RoleEventKind::Imported),
        subject: "bench".into(),
        at: since,
        person: None,
        party: None,
        auth: serde_json::Value::Null,
        version: 0,
        detail: serde_json::json!({ "synthetic_offices": offices }),
    }])
    .await
    .map_err(err)?;
    tx.commit().await.map_err(err)?;
    if let Some(dir) = sample.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    let mut questions = std::io::BufWriter::new(
        std::fs::File::create(sample).map_err(|e| format!("{}: {e}", sample.display()))?,
    );
    let every = (count / sample_size.max(1)).max(1);
    const BATCH: u64 = 10_000;
    let catalog = std::sync::Arc::new(catalog);
    // The next batch is made on another thread while this one is written.
    let make_batch = |from: u64| {
        let catalog = catalog.clone();
        tokio::task::spawn_blocking(move || {
            (from..(from + BATCH).min(count))
                .map(|k| make(k, offices, &catalog, now).map(|made| (k, made)))
                .collect::<Result<Vec<_>, String>>()
        })
    };
    let mut next = make_batch(0);
    let mut i = 0;
    while i < count {
        let batch = next.await.map_err(|e| e.to_string())??;
        i = (i + BATCH).min(count);
        next = make_batch(i);
        let mut mandates = Vec::with_capacity(batch.len());
        let mut events = Vec::new();
        for (k, made) in batch {
            events.extend(made.events.iter().map(NewEvent::from));
            // Spread over all kinds and states, not every n-th.
            if (k.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32).is_multiple_of(every) {
                writeln!(questions, "{}", made.question).map_err(|e| e.to_string())?;
            }
            mandates.push(made.mandate);
        }
        let mut tx = store.begin().await.map_err(err)?;
        tx.put_new_mandates(&mandates).await.map_err(err)?;
        tx.append(&events).await.map_err(err)?;
        tx.commit().await.map_err(err)?;
        if i % 100_000 == 0 || i == count {
            eprintln!(
                "{i} mandates ({:.0} per second)",
                i as f64 / started.elapsed().as_secs_f64()
            );
        }
    }
    questions.flush().map_err(|e| e.to_string())?;
    println!(
        "seeded {count} mandates, {offices} accounting offices, in {:.1} s; sample questions in {}",
        started.elapsed().as_secs_f64(),
        sample.display()
    );
    Ok(())
}

/// The bulk benchmark: dry run and commit of one file, then single creations.
async fn bulk(
    config: &Config,
    rows: u64,
    single: u64,
    mode: mandates_domain::bulk::Mode,
) -> Result<(), String> {
    use mandates_domain::bulk::{FileDefaults, Format, JobState, Operation};
    use mandates_server::auth::Principal;
    use mandates_server::service::bulk::{self, Upload};

    let store = open_store(config).await?;
    let err = |e: mandates_store::StoreError| e.to_string();
    if store.last_seq().await.map_err(err)? > 0 {
        return Err("the database is not empty: use a new one".into());
    }
    let mut config = config.clone();
    config.demo = true;
    config.demo_data = false;
    let state = mandates_server::build(
        config,
        store.clone(),
        mandates_server::clock::Clock::System,
        "http://127.0.0.1",
    )
    .await
    .map_err(|e| e.to_string())?;
    #[expect(
        clippy::disallowed_methods,
        reason = "a command's edge reads the clock once"
    )]
    let today = brussels_date(Utc::now());
    let from = today + chrono::Days::new(1);
    let until = from + chrono::Days::new(300);
    let mandator = person(STAFF + 9_500_000);
    let principal = Principal {
        person: mandator.clone(),
        auth: AuthContext {
            acr: Some("bench".into()),
            amr: vec!["bench".into()],
        },
    };
    let mut file = String::from("mandator;mandatee;valid_from;valid_until\n");
    for k in 0..rows {
        file.push_str(&format!("{mandator};{};{from};{until}\n", person(k)));
    }
    let upload = Upload {
        selection: None,
        bytes: file.as_bytes(),
        format: Format::Csv,
        operation: Operation::Create,
        mode,
        defaults: FileDefaults {
            domain: Some("fin".into()),
            types: vec!["fin.myminfin_consult".into()],
        },
        ssm_side: None,
        key: None,
    };
    let started = std::time::Instant::now();
    let job = bulk::validate(&state, &principal, None, upload)
        .await
        .map_err(|e| e.to_string())?
        .job;
    let dry = started.elapsed().as_secs_f64();
    let started = std::time::Instant::now();
    bulk::commit(&state, &principal, None, job.id, None)
        .await
        .map_err(|e| e.to_string())?;
    let done = loop {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        let now = store.bulk_job(job.id).await.map_err(err)?;
        if let Some(j) = now.filter(|j| matches!(j.state, JobState::Done | JobState::Failed)) {
            break j;
        }
    };
    let commit = started.elapsed().as_secs_f64();
    // The single creations start with the index level with the store, as a quiet service.
    state.catch_up().await;
    let started = std::time::Instant::now();
    for k in 0..single {
        let draft = Draft {
            domain: "fin".into(),
            types: vec!["fin.myminfin_consult".into()],
            mandator: mandator.to_string(),
            mandatee: person(rows + k).to_string(),
            valid_from: Some(from.to_string()),
            valid_until: Some(until.to_string()),
            ..Draft::default()
        };
        mandates_server::service::mandates::change(
            &state,
            &principal,
            None,
            None,
            mandates_server::service::mandates::MandateCommand::Create(draft),
        )
        .await
        .map_err(|e| e.to_string())?;
    }
    let one_by_one = started.elapsed().as_secs_f64();
    let how = match mode {
        mandates_domain::bulk::Mode::PerRow => "row by row",
        mandates_domain::bulk::Mode::AllOrNothing => "all or nothing",
    };
    println!(
        "store {}: dry run of {rows} rows {dry:.1} s ({:.0} rows/s); commit ({how}) {commit:.1} s ({:.0} rows/s, {} applied, {} failed); {single} single creations {one_by_one:.1} s ({:.0} a second)",
        store.backend_name(),
        rows as f64 / dry,
        rows as f64 / commit,
        done.succeeded,
        done.failed,
        single as f64 / one_by_one,
    );
    // (The index follower keeps a connection to the end of the process: no pool close here.)
    state.shutdown().await;
    Ok(())
}
