//! The in-process cost of a check answered by the index: a realistic population (citizens
//! with one accounting office each, offices with 300 clients and executors), one lookup per
//! iteration, for allowed answers (direct and through an executor) and refusals.
//!
//! `cargo bench -p mandates-server --bench check` (`MANDATES_BENCH_MANDATES` sets the size,
//! default 1 000 000).

use std::hint::black_box;

use chrono::Duration;
use criterion::{Criterion, criterion_group, criterion_main};
use mandates_domain::actor::{Actor, AuthContext};
use mandates_domain::catalog::Catalog;
use mandates_domain::check::Decision;
use mandates_domain::mandate::{Draft, Mandate};
use mandates_domain::roles::{EnterpriseRole, RoleKind};
use mandates_domain::time::{Instant, brussels_date};
use mandates_domain::{Insz, Kbo, Party};
use mandates_server::index::Index;
use uuid::Uuid;

fn person(k: u64) -> Insz {
    let nine = ((k / 336) % 100) * 10_000_000
        + (1 + (k / 28) % 12) * 100_000
        + (1 + k % 28) * 1_000
        + 1
        + (k / 33_600) % 997;
    Insz::parse(&format!("{nine:09}{:02}", 97 - nine % 97))
        .unwrap_or_else(|e| panic!("{nine}: {e}"))
}

fn office(k: u64) -> Kbo {
    let eight = 10_000_000 + k;
    Kbo::parse(&format!("{eight:08}{:02}", 97 - eight % 97))
        .unwrap_or_else(|e| panic!("{eight}: {e}"))
}

const STAFF: u64 = 20_000_000;

fn populate(count: u64, now: Instant) -> Index {
    let catalog = Catalog::default_catalog().unwrap_or_else(|e| panic!("{e}"));
    let index = Index::new(&catalog);
    let offices = (count / 300).max(1);
    let since = now - Duration::days(1000);
    for o in 0..offices {
        let role = EnterpriseRole {
            id: Uuid::new_v4(),
            enterprise: office(o),
            person: person(STAFF + o),
            kind: RoleKind::Executor,
            domain: Some("fin".into()),
            types: vec!["fin.tax_on_web".into()],
            valid_from: brussels_date(since),
            valid_until: None,
            ended_at: None,
            assigned_at: since,
        };
        index.insert_roster(&office(o), &[role]);
    }
    let created = now - Duration::days(10);
    for i in 0..count {
        let mandator = person(i);
        let mandatee: Party = if i % 100 < 85 {
            office(i % offices).into()
        } else {
            person(STAFF + 1_000_000 + i).into()
        };
        let draft = Draft {
            domain: "fin".into(),
            types: vec!["fin.tax_on_web".into()],
            mandator: mandator.to_string(),
            mandatee: mandatee.to_string(),
            ..Draft::default()
        };
        let by_mandator = Actor::myself(mandator.clone(), AuthContext::default());
        let Ok((mut m, _)) = Mandate::create(
            Uuid::from_u64_pair(1, i),
            &draft,
            &by_mandator,
            &catalog,
            created,
        ) else {
            continue;
        };
        let signer = match &mandatee {
            Party::Person(p) => Actor::myself(p.clone(), AuthContext::default()),
            Party::Enterprise(e) => Actor {
                person: person(STAFF + 2_000_000),
                party: mandatee.clone(),
                auth: AuthContext::default(),
                roles: vec![EnterpriseRole {
                    id: Uuid::nil(),
                    enterprise: e.clone(),
                    person: person(STAFF + 2_000_000),
                    kind: RoleKind::LegalRepresentative,
                    domain: None,
                    types: Vec::new(),
                    valid_from: brussels_date(since),
                    valid_until: None,
                    ended_at: None,
                    assigned_at: since,
                }],
            },
        };
        if i % 100 < 90 {
            let _ = m.sign(&signer, 1, &[], &catalog, created + Duration::hours(1));
        }
        index.insert(&m);
    }
    index
}

fn bench(c: &mut Criterion) {
    let count: u64 = std::env::var("MANDATES_BENCH_MANDATES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let now: Instant = "2027-03-01T09:00:00Z".parse().unwrap_or_default();
    let index = populate(count, now);
    let type_id = index.type_id("fin.tax_on_web").unwrap_or_default();
    let offices = (count / 300).max(1);
    // Mandate 1: to an office, asked by its executor. Mandate 86: to a person, asked directly.
    let via = (person(STAFF + 1 % offices), Party::Person(person(1)));
    let direct = (person(STAFF + 1_000_000 + 86), Party::Person(person(86)));
    let stranger = (person(STAFF + 3_000_000), Party::Person(person(2)));
    assert!(matches!(
        index.check(&via.0, &via.1, type_id, now),
        Decision::Allowed(_)
    ));
    assert!(matches!(
        index.check(&direct.0, &direct.1, type_id, now),
        Decision::Allowed(_)
    ));
    assert!(matches!(
        index.check(&stranger.0, &stranger.1, type_id, now),
        Decision::Denied(_)
    ));
    let mut group = c.benchmark_group(format!("check at {count} mandates"));
    group.bench_function("allowed through an executor", |b| {
        b.iter(|| index.check(black_box(&via.0), black_box(&via.1), type_id, now))
    });
    group.bench_function("allowed directly", |b| {
        b.iter(|| index.check(black_box(&direct.0), black_box(&direct.1), type_id, now))
    });
    group.bench_function("no mandate", |b| {
        b.iter(|| index.check(black_box(&stranger.0), black_box(&stranger.1), type_id, now))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
