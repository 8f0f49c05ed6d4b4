//! `mandates bench seed`: a realistic synthetic population for benchmarks. Mandates are
//! made by the domain's own rules (created, signed, some stopped or left pending, some
//! expired) and written with their events; the database is marked as a demo database, so
//! that it can never be mistaken for production data.

use std::io::Write;

use chrono::{Duration, Utc};
use mandates_domain::actor::{Actor, AuthContext};
use mandates_domain::catalog::Catalog;
use mandates_domain::mandate::{Draft, Event, Mandate};
use mandates_domain::roles::{EnterpriseRole, RoleEventKind, RoleKind};
use mandates_domain::time::{Instant, brussels_date};
use mandates_domain::{Insz, Kbo, Party};
use mandates_store::{EventKind, NewEvent, Store};
use uuid::Uuid;

use super::numbers::{COMPANIES, OFFICES, STAFF, enterprise, person};

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

pub(super) async fn seed(
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
