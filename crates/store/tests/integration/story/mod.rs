//! One long story of the store, chapter by chapter, each asserting what it wrote and read:
//! migrations from an empty database, the meta values and the catalog, mandates and their
//! events, row versions, lists and look-ups, roles, idempotency, a bulk job, the access log,
//! the outbox and webhook subscriptions, sessions, the names of parties, clients and signing keys, a rollback, and a
//! second handle on the same database.

mod access_log;
mod bulk_jobs;
mod lists;
mod mandates;
mod names;
mod outbox;
mod records;
mod rollback;
mod roster;
mod second_store;
mod start;
mod webhooks;

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Duration, NaiveDate};
use mandates_domain::access::{ReadScope, ReadWindow};
use mandates_domain::actor::{Actor, AuthContext};
use mandates_domain::bulk::{
    Format, JobSpec, JobState, Mode, Operation, RowError, RowInput, RowState, Signer, natural_key,
};
use mandates_domain::catalog::Catalog;
use mandates_domain::mandate::{
    self, BaseStatus, Draft, Event, Mandate, Side, SignOutcome, Status,
};
use mandates_domain::roles::{EnterpriseRole, RoleEventKind, RoleKind};
use mandates_domain::time::Instant;
use mandates_domain::{Insz, Kbo, Party, PartyName};
use mandates_store::{
    AccessEntry, Client, EventKind, MandateQuery, NewEvent, RoleFilter, RowOutcome, SigningKey,
    Store, StoreError, StoredEvent, StoredJob, StoredResponse, StoredRow, StoredSession, WriteTx,
};
use serde_json::json;
use uuid::Uuid;

use crate::Database;
use access_log::log_pages;
use bulk_jobs::{job, valid_row};
use records::{client, keys, signing_key};
use roster::role;

const ANN: &str = "85073003328";
const BOB: &str = "90010112395";
const CARL: &str = "78021545667";
const DINA: &str = "05061207730";
/// The legal representative of the accounting office.
const REPRESENTATIVE: &str = "88112045693";
/// An accounting office.
const OFFICE: &str = "0412345614";

fn at(text: &str) -> Instant {
    text.parse().expect("an RFC 3339 instant")
}

fn day(text: &str) -> NaiveDate {
    text.parse().expect("a YYYY-MM-DD date")
}

fn insz(number: &str) -> Insz {
    Insz::parse(number).expect("a valid national number")
}

fn kbo(number: &str) -> Kbo {
    Kbo::parse(number).expect("a valid enterprise number")
}

fn party(number: &str) -> Party {
    Party::parse(number).expect("a valid party number")
}

/// How the people of the story signed in.
fn auth() -> AuthContext {
    AuthContext {
        acr: Some("http://eidas.europa.eu/LoA/substantial".into()),
        amr: vec!["eid".into()],
    }
}

/// A person acting in their own name.
fn person(number: &str) -> Actor {
    Actor::myself(insz(number), auth())
}

fn draft(
    domain: &str,
    types: &[&str],
    mandator: &str,
    mandatee: &str,
    valid_until: Option<&str>,
) -> Draft {
    Draft {
        domain: domain.into(),
        types: types.iter().map(|t| (*t).to_owned()).collect(),
        mandator: mandator.into(),
        mandatee: mandatee.into(),
        valid_until: valid_until.map(str::to_owned),
        ..Draft::default()
    }
}

fn new_events(events: &[Event]) -> Vec<NewEvent> {
    events.iter().map(NewEvent::from).collect()
}

/// The ids of mandates in the order of a list: newest first, then by id, descending.
fn newest_first(mandates: &[&Mandate]) -> Vec<Uuid> {
    let mut keyed: Vec<(Instant, Uuid)> = mandates.iter().map(|m| (m.created_at, m.id)).collect();
    keyed.sort_by(|a, b| b.cmp(a));
    keyed.into_iter().map(|(_, id)| id).collect()
}

fn ids_of(mandates: &[Mandate]) -> BTreeSet<Uuid> {
    mandates.iter().map(|m| m.id).collect()
}

fn ids(mandates: &[&Mandate]) -> BTreeSet<Uuid> {
    mandates.iter().map(|m| m.id).collect()
}

/// A job's row as plain values (a row's input has no equality of its own).
type RowValues = (
    i64,
    Option<serde_json::Value>,
    Option<String>,
    RowState,
    Vec<RowError>,
    Option<Uuid>,
);

fn row_values(row: &StoredRow) -> RowValues {
    (
        row.line,
        row.input
            .as_ref()
            .map(|i| serde_json::to_value(i).expect("a row's input as JSON")),
        row.natural_key.clone(),
        row.state,
        row.errors.clone(),
        row.mandate_id,
    )
}

/// The store under test, the catalog it keeps, and the last event sequence number the
/// story expects: every append must continue it without a gap.
struct Story {
    store: Store,
    catalog: Catalog,
    seq: i64,
}

impl Story {
    /// Appends events in `tx` and asserts that they continue the sequence without a gap.
    async fn append(&mut self, tx: &mut WriteTx, events: &[NewEvent]) {
        let last = tx.append(events).await.expect("append events").last;
        assert_eq!(
            last,
            self.seq + events.len() as i64,
            "the sequence continues without a gap"
        );
        self.seq = last;
    }

    /// Writes a new mandate made by the domain, with its events, in a transaction of its own.
    async fn create(&mut self, draft: &Draft, by: &Actor, now: Instant) -> Mandate {
        let (m, events) = Mandate::create(Uuid::new_v4(), draft, by, &self.catalog, now)
            .expect("the domain accepts the draft");
        let mut tx = self.store.begin().await.expect("begin");
        tx.put_mandate(&m, None).await.expect("write a new mandate");
        self.append(&mut tx, &new_events(&events)).await;
        tx.commit().await.expect("commit");
        m
    }

    /// Changes a mandate as the service does: reads it under the write lock with its row
    /// version and the mandator's active mandates, applies a rule of the domain, and writes
    /// it back at that version with the events the rule returned.
    async fn change(
        &mut self,
        id: Uuid,
        rule: impl FnOnce(&mut Mandate, &[Mandate]) -> Vec<Event>,
    ) -> Mandate {
        let mut tx = self.store.begin().await.expect("begin");
        let read = tx
            .mandate(id)
            .await
            .expect("read the mandate")
            .expect("the mandate exists");
        let others = tx
            .active_mandates_of_mandator(&read.value.terms.mandator)
            .await
            .expect("the mandator's active mandates");
        let mut m = read.value;
        let events = rule(&mut m, &others);
        tx.put_mandate(&m, Some(read.row_version))
            .await
            .expect("write at the row version read");
        self.append(&mut tx, &new_events(&events)).await;
        tx.commit().await.expect("commit");
        m
    }

    /// The ids a list of mandates shows, page after page of `limit`.
    async fn pages(&self, query: &MandateQuery, limit: u32, now: Instant) -> Vec<Vec<Uuid>> {
        let mut query = MandateQuery {
            limit,
            ..query.clone()
        };
        let mut pages = Vec::new();
        loop {
            let page = self
                .store
                .list_mandates(&query, now)
                .await
                .expect("a page of mandates");
            pages.push(page.items.iter().map(|m| m.id).collect());
            assert!(pages.len() <= 100, "paging never ends");
            match page.next {
                Some(next) => query.after = Some(next),
                None => return pages,
            }
        }
    }

    /// Every mandate a list shows, read two at a time.
    async fn listed(&self, query: &MandateQuery, now: Instant) -> Vec<Uuid> {
        self.pages(query, 2, now).await.concat()
    }
}

/// The mandates of the story, by the letters the chapters call them.
struct Cast {
    /// Ann → Bob, income tax, signed by both.
    first: Mandate,
    /// Ann → Carl, the tax file, signed by both.
    a: Mandate,
    /// Ann → the office, income tax, waiting for the office.
    b: Mandate,
    /// Bob → Ann, the tax file, signed by both.
    c: Mandate,
    /// Ann → Dina, the Flemish citizen profile, withdrawn.
    d: Mandate,
    /// The office → Ann, corporate tax, waiting for the office.
    e: Mandate,
    /// Bob → the office, the tax file, waiting for the office.
    f: Mandate,
    /// Bob → Carl, income tax, signed by both: none of Ann's business.
    g: Mandate,
}

/// The whole story on one database, chapter after chapter; the database is dropped at the end.
pub async fn run(mut db: Database) {
    let store = db.connect().await;
    let mut story = Story {
        catalog: start::migrate_from_empty(&store).await,
        store,
        seq: 0,
    };
    start::meta(&story).await;
    start::catalog(&mut story).await;
    let first = mandates::a_mandate_and_its_events(&mut story).await;
    let first = mandates::a_stale_write_changes_nothing(&mut story, first).await;
    let cast = mandates::mandates_sharing_an_instant(&mut story, first).await;
    lists::lists(&story, &cast).await;
    lists::look_ups(&story, &cast).await;
    roster::roles(&mut story).await;
    records::idempotency(&story).await;
    let job = bulk_jobs::bulk_job(&story, &cast).await;
    access_log::access_log(&story, &cast).await;
    outbox::outbox(&story, &cast).await;
    webhooks::webhooks(&story).await;
    records::sessions(&story).await;
    names::names(&story).await;
    records::clients_and_signing_keys(&story).await;
    rollback::a_rollback_leaves_nothing(&mut story, &cast, job).await;
    second_store::a_second_store_sees_what_the_first_committed(&mut story, &db, &cast).await;
    db.drop_with(&story.store).await;
    story.store.close().await;
}
