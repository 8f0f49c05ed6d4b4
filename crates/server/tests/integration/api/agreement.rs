//! The index and the history agree.
//!
//! A check for "now" is answered by the in-memory index, a check for a past moment by
//! `mandates_domain::check::decide` over the store's history. For the same state both must
//! give the same answer: allowed or not, the mandate, the enterprise, the reason. A seeded,
//! reproducible random play drives the API among five people, the accounting office of the
//! demo data (CARL its fin manager, DINA and EXEC2 executors) and the demo company (EVA its
//! representative): mandates are created (periods starting now or later), signed, rejected,
//! withdrawn, stopped, narrowed or widened, transferred; executor roles are assigned and
//! ended; the clock moves by minutes to weeks. Refusals are part of the game, server errors
//! never are.
//!
//! After every step the clock moves one more second. When the step changed something (a write
//! that was accepted, or time that passed), one batch asks every question (actor, mandator,
//! type) that the play's mandates concern, plus a few others, twice: for now (the index) and
//! for half a second ago (the history), the same state. When the step changed nothing (a
//! refusal), the index must say what it said before.
//!
//! Instants: the play starts on a whole minute, every random advance is whole minutes and each
//! step adds exactly one second, with fewer than 60 steps. So "now" is never on a whole minute,
//! nor a whole number of minutes after an operation, while every boundary the answers depend
//! on is one of those: midnights (periods, roles), operations and their deadlines (an
//! operation's instant plus whole days). No boundary falls between the two moments asked.

use std::collections::{BTreeMap, BTreeSet};

use axum::http::Method;
use chrono::{Duration, NaiveDate, SecondsFormat};
use mandates_domain::time::{Instant, brussels_date};
use serde_json::{Value, json};

use crate::support::*;

/// The office's second executor in the demo data (fin.biztax and fin.intervat).
const EXEC2: &str = "75041212353";
const PEOPLE: [&str; 5] = [ANN, BOB, CARL, DINA, EVA];
const ACTORS: [&str; 6] = [ANN, BOB, CARL, DINA, EVA, EXEC2];
const MANDATORS: [&str; 7] = [ANN, BOB, CARL, DINA, EVA, OFFICE, COMPANY];
const MANDATEES: [&str; 6] = [ANN, BOB, CARL, DINA, EVA, OFFICE];
const TYPES: [&str; 4] = [
    "fin.tax_on_web",
    "fin.biztax",
    "fin.myminfin_consult",
    "fin.tax_disputes",
];
/// What a person may give (tax_on_web: persons only) and what an enterprise may give.
const PERSON_TYPES: [&str; 3] = ["fin.tax_on_web", "fin.myminfin_consult", "fin.tax_disputes"];
const ENTERPRISE_TYPES: [&str; 3] = ["fin.biztax", "fin.myminfin_consult", "fin.tax_disputes"];

const SEEDS: [u64; 3] = [5, 22, 25];
const STEPS: usize = 20;
// One second per step plus one before the first look: never a whole minute.
const _: () = assert!(STEPS + 1 < 60);
/// Questions the history is asked besides those the play's mandates concern.
const CONTROLS: usize = 4;
/// Earlier answers of the index asked again of the history at the end of a play.
const LOOK_BACKS: usize = 80;

/// xorshift64: small, seeded, reproducible.
struct Rng(u64);

impl Rng {
    /// Any seed, spread by splitmix64 (xorshift starts poorly from small states).
    fn new(seed: u64) -> Rng {
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        Rng((z ^ (z >> 31)).max(1))
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len())]
    }

    fn days(&mut self, n: usize) -> Duration {
        Duration::days(self.below(n) as i64)
    }
}

fn is_enterprise(party: &str) -> bool {
    party == OFFICE || party == COMPANY
}

/// The person who acts for a party: the party itself, CARL for the office, EVA for the
/// company.
fn agent(party: &str) -> (&'static str, Option<&'static str>) {
    match party {
        OFFICE => (CARL, Some(OFFICE)),
        COMPANY => (EVA, Some(COMPANY)),
        p => (PEOPLE.into_iter().find(|x| *x == p).unwrap_or(ANN), None),
    }
}

fn name(party: &str) -> &'static str {
    match party {
        ANN => "ANN",
        BOB => "BOB",
        CARL => "CARL",
        DINA => "DINA",
        EVA => "EVA",
        EXEC2 => "EXEC2",
        OFFICE => "OFFICE",
        COMPANY => "COMPANY",
        _ => "?",
    }
}

fn outcome(resp: &Resp) -> String {
    match resp.status.as_u16() {
        s @ 200..=299 => s.to_string(),
        s => format!("{s} {}", resp.code()),
    }
}

fn date(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// A mandate's status, with "proposal" for an active one with a change waiting.
fn hint(m: &Value) -> String {
    match m["status"].as_str() {
        Some("active") if !m["proposal"].is_null() => "proposal".to_owned(),
        s => s.unwrap_or_default().to_owned(),
    }
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect()
}

/// One question: may actor act for mandator in type?
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Question {
    actor: &'static str,
    mandator: &'static str,
    type_code: &'static str,
}

impl Question {
    fn all() -> Vec<Question> {
        let mut all = Vec::new();
        for actor in ACTORS {
            for mandator in MANDATORS.into_iter().filter(|m| *m != actor) {
                for type_code in TYPES {
                    all.push(Question {
                        actor,
                        mandator,
                        type_code,
                    });
                }
            }
        }
        all
    }

    fn body(&self, at: Option<&str>) -> Value {
        let mut body =
            json!({"actor": self.actor, "mandator": self.mandator, "type": self.type_code});
        if let Some(at) = at {
            body["at"] = json!(at);
        }
        body
    }
}

/// What an answer says: allowed, mandate, enterprise, reason code.
type Said = (Value, Value, Value, Value);

fn said(answer: &Value) -> Said {
    (
        answer["allowed"].clone(),
        answer["mandate_id"].clone(),
        answer["via_enterprise"].clone(),
        answer["reason"]["code"].clone(),
    )
}

/// A mandate the play knows of.
struct Known {
    id: String,
    label: String,
    mandator: &'static str,
    mandatee: &'static str,
    /// Every type it ever had or was proposed to have.
    types: BTreeSet<String>,
    /// As last seen, "proposal" for an active one with a change waiting (a hint for
    /// choosing what to act on).
    status: String,
}

/// How strict a play is.
#[derive(Debug, Clone, Copy)]
struct Rules {
    /// Equally telling answers must name the same mandate (else: any of the candidates).
    same_mandate: bool,
    /// At the end, the history is asked again about earlier moments.
    look_back: bool,
}

/// What a play did and saw.
#[derive(Default)]
struct Tally {
    outcomes: BTreeMap<String, usize>,
    /// Kinds of answers of the index: (code or "allowed", through an enterprise).
    seen: BTreeSet<(String, bool)>,
    /// Questions asked of the index and of the history.
    index_questions: usize,
    history_questions: usize,
    /// Answers that named different but equally telling mandates.
    ties: usize,
}

struct Play<'a> {
    app: &'a TestApp,
    rules: Rules,
    seed: u64,
    step: usize,
    rng: Rng,
    /// For the control questions and the look-back sample: the play itself stays the same.
    other_rng: Rng,
    tokens: BTreeMap<&'static str, String>,
    issued: Instant,
    /// The business application's token, and when it was issued.
    client: Option<(String, Instant)>,
    mandates: Vec<Known>,
    /// Whoever ever had a role in the office (they may act through it).
    office_people: BTreeSet<&'static str>,
    questions: Vec<Question>,
    /// The index's last answers, and whether something changed since.
    last_index: BTreeMap<usize, Said>,
    changed: bool,
    /// (instant asked of the history, question, what the index said then).
    said_then: Vec<(String, usize, Said)>,
    trace: Vec<String>,
    tally: Tally,
}

impl<'a> Play<'a> {
    async fn new(app: &'a TestApp, seed: u64, rules: Rules) -> Play<'a> {
        let mut play = Play {
            app,
            rules,
            seed,
            step: 0,
            rng: Rng::new(seed),
            other_rng: Rng::new(!seed),
            tokens: BTreeMap::new(),
            issued: app.clock.now(),
            client: None,
            mandates: Vec::new(),
            office_people: [CARL, DINA, EXEC2].into(),
            questions: Question::all(),
            last_index: BTreeMap::new(),
            changed: true,
            said_then: Vec::new(),
            trace: Vec::new(),
            tally: Tally::default(),
        };
        play.refresh().await;
        // The demo data's fin mandates between the play's parties are part of the game.
        for party in MANDATORS {
            let listed = play
                .caller(party)
                .get("/api/v1/mandates?domain=fin&limit=100")
                .await;
            play.no_server_error(&listed, "list");
            for m in listed.body["items"].as_array().into_iter().flatten() {
                let (Some(mandator), Some(mandatee)) = (
                    MANDATORS
                        .into_iter()
                        .find(|p| m["mandator"].as_str() == Some(p)),
                    MANDATEES
                        .into_iter()
                        .find(|p| m["mandatee"].as_str() == Some(p)),
                ) else {
                    continue;
                };
                let id = m["id"].as_str().unwrap_or_default().to_owned();
                if play.mandates.iter().all(|k| k.id != id) {
                    let label =
                        play.remember(id, mandator, mandatee, strings(&m["types"]), hint(m));
                    play.trace.push(format!(
                        "demo {label} {}→{} {} {}",
                        name(mandator),
                        name(mandatee),
                        m["types"],
                        m["status"]
                    ));
                }
            }
        }
        play
    }

    fn remember(
        &mut self,
        id: String,
        mandator: &'static str,
        mandatee: &'static str,
        types: Vec<String>,
        status: String,
    ) -> String {
        let label = format!("m{}", self.mandates.len() + 1);
        self.mandates.push(Known {
            id,
            label: label.clone(),
            mandator,
            mandatee,
            types: types.into_iter().collect(),
            status,
        });
        label
    }

    fn label(&self, id: &Value) -> String {
        match id.as_str() {
            None => "-".to_owned(),
            Some(id) => self
                .mandates
                .iter()
                .find(|k| k.id == id)
                .map_or_else(|| id.to_owned(), |k| k.label.clone()),
        }
    }

    /// New person tokens (they live 60 minutes of the service's clock).
    async fn refresh(&mut self) {
        for p in PEOPLE {
            self.tokens.insert(p, self.app.token(p).await);
        }
        self.issued = self.app.clock.now();
    }

    fn caller(&self, party: &str) -> Caller<'a> {
        let (person, act_for) = agent(party);
        Caller {
            app: self.app,
            token: self.tokens.get(person).cloned().unwrap_or_default(),
            act_for: act_for.map(str::to_owned),
            number: person.to_owned(),
        }
    }

    fn context(&self) -> String {
        format!(
            "seed {:#x}, step {} ({:?}); the play so far:\n  {}",
            self.seed,
            self.step,
            self.rules,
            self.trace.join("\n  ")
        )
    }

    /// Refusals are part of the game; a server error never is.
    #[track_caller]
    fn no_server_error(&self, resp: &Resp, what: &str) {
        assert!(
            resp.status.as_u16() < 500,
            "{what} answered {}: {:#}\n{}",
            resp.status,
            resp.body,
            self.context()
        );
    }

    fn note(&mut self, op: &str, line: String, resp: &Resp) {
        self.no_server_error(resp, &line);
        if resp.status.is_success() {
            self.changed = true;
        }
        let result = outcome(resp);
        let kind = format!("{op} {}", result.split(' ').next().unwrap_or_default());
        *self.tally.outcomes.entry(kind).or_default() += 1;
        let now = self
            .app
            .clock
            .now()
            .to_rfc3339_opts(SecondsFormat::Secs, true);
        self.trace
            .push(format!("{} {now} {line} → {result}", self.step));
    }

    /// A known mandate, mostly one last seen in one of `statuses`.
    fn choose(&mut self, statuses: &[&str]) -> Option<usize> {
        let fitting: Vec<usize> = (0..self.mandates.len())
            .filter(|i| statuses.contains(&self.mandates[*i].status.as_str()))
            .collect();
        if !fitting.is_empty() && self.rng.chance(85) {
            return Some(self.rng.pick(&fitting));
        }
        (!self.mandates.is_empty()).then(|| self.rng.below(self.mandates.len()))
    }

    /// The mandate as its mandator sees it now.
    async fn view(&mut self, i: usize) -> Option<Value> {
        let resp = self
            .caller(self.mandates[i].mandator)
            .mandate(&self.mandates[i].id)
            .await;
        self.no_server_error(&resp, "get");
        (resp.status.as_u16() == 200).then(|| {
            self.mandates[i].status = hint(&resp.body);
            resp.body
        })
    }

    fn side_party(&self, i: usize, side: &str) -> &'static str {
        if side == "mandator" {
            self.mandates[i].mandator
        } else {
            self.mandates[i].mandatee
        }
    }

    fn random_side(&mut self) -> &'static str {
        if self.rng.chance(50) {
            "mandator"
        } else {
            "mandatee"
        }
    }

    fn update_status(&mut self, i: usize, resp: &Resp) {
        if resp.status.is_success() {
            self.mandates[i].status = hint(&resp.body);
        }
    }

    async fn create(&mut self) {
        let mandator = self.rng.pick(&MANDATORS);
        let mandatee = loop {
            let m = self.rng.pick(&MANDATEES);
            if m != mandator {
                break m;
            }
        };
        let pool = if is_enterprise(mandator) {
            ENTERPRISE_TYPES
        } else {
            PERSON_TYPES
        };
        let mut types = vec![self.rng.pick(&pool)];
        if self.rng.chance(30) {
            let t = self.rng.pick(&pool);
            if !types.contains(&t) {
                types.push(t);
            }
        }
        let today = brussels_date(self.app.clock.now());
        let from = if self.rng.chance(65) {
            today
        } else {
            today + Duration::days(1) + self.rng.days(30)
        };
        let limited = types
            .iter()
            .any(|t| *t == "fin.myminfin_consult" || *t == "fin.tax_disputes");
        let until = if !limited && self.rng.chance(40) {
            None
        } else if self.rng.chance(50) {
            Some(from + self.rng.days(10))
        } else if self.rng.chance(60) {
            Some(from + self.rng.days(60))
        } else {
            Some(from + self.rng.days(400))
        };
        let creator = if self.rng.chance(60) {
            mandator
        } else {
            mandatee
        };
        let mut body =
            json!({"domain": "fin", "types": types, "mandator": mandator, "mandatee": mandatee});
        if from != today || self.rng.chance(20) {
            body["valid_from"] = json!(date(from));
        }
        if let Some(u) = until {
            body["valid_until"] = json!(date(u));
        }
        let resp = self.caller(creator).post("/api/v1/mandates", body).await;
        let label = if resp.status.as_u16() == 201 {
            let id = resp.body["id"].as_str().unwrap_or_default().to_owned();
            let types = types.iter().map(|t| (*t).to_owned()).collect();
            self.remember(id, mandator, mandatee, types, hint(&resp.body))
        } else {
            "-".to_owned()
        };
        let line = format!(
            "{} creates {label} {}→{} {types:?} {}..{}",
            name(creator),
            name(mandator),
            name(mandatee),
            date(from),
            until.map_or_else(|| "unlimited".to_owned(), date)
        );
        self.note("create", line, &resp);
    }

    async fn sign(&mut self) {
        let Some(i) = self.choose(&["pending", "proposal"]) else {
            return;
        };
        let Some(view) = self.view(i).await else {
            return;
        };
        let awaiting = strings(&view["awaiting"]);
        let (side, version) = if !awaiting.is_empty() {
            let side = if awaiting.len() == 1 {
                if awaiting[0] == "mandator" {
                    "mandator"
                } else {
                    "mandatee"
                }
            } else {
                self.random_side()
            };
            (side, 1)
        } else if let Some(by) = view["proposal"]["proposed_by"].as_str() {
            (
                if by == "mandator" {
                    "mandatee"
                } else {
                    "mandator"
                },
                view["proposal"]["version"].as_u64().unwrap_or(1),
            )
        } else {
            (self.random_side(), view["version"].as_u64().unwrap_or(1))
        };
        let party = self.side_party(i, side);
        let resp = self.caller(party).sign(&self.mandates[i].id, version).await;
        self.update_status(i, &resp);
        let line = format!(
            "{} signs {} v{version} ({})",
            name(party),
            self.mandates[i].label,
            view["status"].as_str().unwrap_or_default()
        );
        self.note("sign", line, &resp);
    }

    /// Reject, withdraw or stop.
    async fn end(&mut self, action: &str) {
        let statuses: &[&str] = if action == "stop" {
            &["active", "proposal"]
        } else {
            &["pending", "proposal"]
        };
        let Some(i) = self.choose(statuses) else {
            return;
        };
        let party = if action == "withdraw" && self.rng.chance(70) {
            match self.view(i).await {
                Some(v) => MANDATORS
                    .into_iter()
                    .find(|p| v["initiator"].as_str() == Some(p))
                    .unwrap_or(self.mandates[i].mandator),
                None => return,
            }
        } else {
            let side = self.random_side();
            self.side_party(i, side)
        };
        let resp = self
            .caller(party)
            .action(&self.mandates[i].id, action, json!({}))
            .await;
        self.update_status(i, &resp);
        let line = format!("{} {action}s {}", name(party), self.mandates[i].label);
        self.note(action, line, &resp);
    }

    /// PATCH: fewer or more types, a shorter or longer period, a later start.
    async fn modify(&mut self) {
        let Some(i) = self.choose(&["active", "proposal"]) else {
            return;
        };
        let Some(view) = self.view(i).await else {
            return;
        };
        let types = strings(&view["types"]);
        let today = brussels_date(self.app.clock.now());
        let from: NaiveDate = view["valid_from"]
            .as_str()
            .and_then(|d| d.parse().ok())
            .unwrap_or(today);
        let mut body = json!({"version": view["version"]});
        let pool = if is_enterprise(self.mandates[i].mandator) {
            ENTERPRISE_TYPES
        } else {
            PERSON_TYPES
        };
        let missing: Vec<&str> = pool
            .into_iter()
            .filter(|t| !types.iter().any(|x| x == t))
            .collect();
        let what = match self.rng.below(5) {
            0 if types.len() > 1 => {
                let mut fewer = types.clone();
                fewer.remove(self.rng.below(fewer.len()));
                body["types"] = json!(fewer);
                "fewer types"
            }
            0 | 1 if !missing.is_empty() => {
                let mut more = types.clone();
                more.push(self.rng.pick(&missing).to_owned());
                body["types"] = json!(more);
                "more types"
            }
            4 if from > today => {
                let later = from + Duration::days(1) + self.rng.days(10);
                body["valid_from"] = json!(date(later));
                "later start"
            }
            2 | 4 => {
                body["valid_until"] = json!(date(today.max(from) + self.rng.days(20)));
                "end"
            }
            _ => {
                body["valid_until"] = json!(date(today.max(from) + self.rng.days(120)));
                "end"
            }
        };
        let side = self.random_side();
        let party = self.side_party(i, side);
        let resp = self
            .caller(party)
            .patch(
                &format!("/api/v1/mandates/{}", self.mandates[i].id),
                body.clone(),
            )
            .await;
        if resp.status.is_success() {
            self.mandates[i].types.extend(strings(&body["types"]));
        }
        self.update_status(i, &resp);
        let line = format!(
            "{} modifies {} ({what}): {body}",
            name(party),
            self.mandates[i].label
        );
        self.note("modify", line, &resp);
    }

    async fn transfer(&mut self) {
        let Some(i) = self.choose(&["active", "proposal"]) else {
            return;
        };
        let (mandator, mandatee) = (self.mandates[i].mandator, self.mandates[i].mandatee);
        let others: Vec<&'static str> = MANDATEES
            .into_iter()
            .filter(|p| *p != mandator && *p != mandatee)
            .collect();
        let to = if self.rng.chance(90) {
            self.rng.pick(&others)
        } else {
            self.rng.pick(&MANDATEES)
        };
        let party = if self.rng.chance(50) {
            mandator
        } else {
            mandatee
        };
        let resp = self
            .caller(party)
            .action(&self.mandates[i].id, "transfer", json!({"mandatee": to}))
            .await;
        let label = if resp.status.as_u16() == 201 {
            let id = resp.body["id"].as_str().unwrap_or_default().to_owned();
            let types = self.mandates[i].types.iter().cloned().collect();
            self.remember(id, mandator, to, types, hint(&resp.body))
        } else {
            "-".to_owned()
        };
        let line = format!(
            "{} transfers {} to {} as {label}",
            name(party),
            self.mandates[i].label,
            name(to)
        );
        self.note("transfer", line, &resp);
    }

    async fn assign_role(&mut self) {
        let person = self.rng.pick(&ACTORS);
        let mut types = vec![self.rng.pick(&TYPES)];
        if self.rng.chance(40) {
            let t = self.rng.pick(&TYPES);
            if !types.contains(&t) {
                types.push(t);
            }
        }
        let today = brussels_date(self.app.clock.now());
        let mut body =
            json!({"person": person, "kind": "executor", "domain": "fin", "types": types});
        let from = if self.rng.chance(70) {
            today
        } else {
            today + Duration::days(1) + self.rng.days(10)
        };
        if from != today {
            body["valid_from"] = json!(date(from));
        }
        if self.rng.chance(30) {
            body["valid_until"] = json!(date(from + self.rng.days(30)));
        }
        let resp = self
            .caller(OFFICE)
            .post(&format!("/api/v1/enterprises/{OFFICE}/roles"), body.clone())
            .await;
        if resp.status.is_success() {
            self.office_people.insert(person);
        }
        let line = format!("CARL makes {} executor of OFFICE: {body}", name(person));
        self.note("assign", line, &resp);
    }

    async fn end_role(&mut self) {
        let office = self.caller(OFFICE);
        let roster = office
            .get(&format!("/api/v1/enterprises/{OFFICE}/roles"))
            .await;
        self.no_server_error(&roster, "roster");
        // In a stable order (role ids are random).
        let live: BTreeSet<(String, String, String, String)> = roster.body["items"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|r| r["kind"] == "executor" && r["ended_at"].is_null())
            .map(|r| {
                (
                    r["person"].as_str().unwrap_or_default().to_owned(),
                    r["types"].to_string(),
                    format!("{}..{}", r["valid_from"], r["valid_until"]),
                    r["id"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect();
        let live: Vec<_> = live.into_iter().collect();
        if live.is_empty() {
            return;
        }
        let (person, types, period, id) = live[self.rng.below(live.len())].clone();
        let resp = office
            .post(
                &format!("/api/v1/enterprises/{OFFICE}/roles/{id}/end"),
                json!({}),
            )
            .await;
        let line = format!(
            "CARL ends the executor role of {} {types} {period}",
            name(&person)
        );
        self.note("end_role", line, &resp);
    }

    fn advance(&mut self) {
        let minutes = match self.rng.below(20) {
            0..=5 => 1 + self.rng.below(120),
            6..=10 => 60 * (1 + self.rng.below(48)),
            11..=16 => 24 * 60 * (1 + self.rng.below(10)),
            _ => 7 * 24 * 60 * (1 + self.rng.below(4)),
        };
        self.app.clock.advance(Duration::minutes(minutes as i64));
        self.changed = true;
        *self.tally.outcomes.entry("advance".to_owned()).or_default() += 1;
        self.trace
            .push(format!("{} clock + {minutes} min", self.step));
    }

    async fn random_step(&mut self) {
        match self.rng.below(100) {
            0..=19 => self.create().await,
            20..=40 => self.sign().await,
            41..=43 => self.end("reject").await,
            44..=46 => self.end("withdraw").await,
            47..=51 => self.end("stop").await,
            52..=61 => self.modify().await,
            62..=67 => self.transfer().await,
            68..=73 => self.assign_role().await,
            74..=77 => self.end_role().await,
            _ => self.advance(),
        }
    }

    /// Asks a batch of questions, each for now (`None`) or for an instant.
    async fn ask(&mut self, asked: &[(usize, Option<&str>)]) -> Vec<Said> {
        let checks: Vec<Value> = asked
            .iter()
            .map(|(q, at)| self.questions[*q].body(*at))
            .collect();
        let now = self.app.clock.now();
        // A business token lives five minutes of the service's clock.
        if self
            .client
            .as_ref()
            .is_none_or(|(_, at)| now - *at > Duration::minutes(4))
        {
            let token = format!("Bearer {}", self.app.client_token("fin").await);
            self.client = Some((token, now));
        }
        let token = self
            .client
            .as_ref()
            .map(|(t, _)| t.clone())
            .unwrap_or_default();
        let resp = self
            .app
            .request(
                Method::POST,
                "/api/v1/checks/batch",
                &[("authorization", token.as_str())],
                Some(json!({ "checks": checks })),
            )
            .await;
        assert_eq!(
            resp.status.as_u16(),
            200,
            "the batch answered {:#}\n{}",
            resp.body,
            self.context()
        );
        let results: Vec<Said> = resp.body["results"]
            .as_array()
            .into_iter()
            .flatten()
            .map(said)
            .collect();
        assert_eq!(results.len(), checks.len(), "{}", self.context());
        for ((_, at), s) in asked.iter().zip(&results) {
            if at.is_some() {
                self.tally.history_questions += 1;
            } else {
                self.tally.index_questions += 1;
                let code = s.3.as_str().unwrap_or("allowed").to_owned();
                self.tally.seen.insert((code, !s.2.is_null()));
            }
        }
        results
    }

    /// Whether the question is about a known mandate: one from its mandator, with its
    /// type, to the actor or to the office where the actor has or had a role.
    fn concerns(&self, k: &Known, q: &Question) -> bool {
        k.mandator == q.mandator
            && k.types.contains(q.type_code)
            && (k.mandatee == q.actor
                || (k.mandatee == OFFICE && self.office_people.contains(q.actor)))
    }

    /// Whether the answers agree; a tie between equally telling mandates (both about the
    /// question) passes unless the rules want the same mandate.
    fn agree(&mut self, q: &Question, index: &Said, history: &Said) -> bool {
        if index == history {
            return true;
        }
        let about = |id: &Value| {
            self.mandates
                .iter()
                .any(|k| id.as_str() == Some(k.id.as_str()) && self.concerns(k, q))
        };
        let tie = (&index.0, &index.2, &index.3) == (&history.0, &history.2, &history.3)
            && about(&index.1)
            && about(&history.1);
        if tie && !self.rules.same_mandate {
            self.tally.ties += 1;
            return true;
        }
        false
    }

    fn show(&self, s: &Said) -> String {
        format!(
            "allowed {} mandate {} via {} reason {}",
            s.0,
            self.label(&s.1),
            s.2,
            s.3
        )
    }

    fn which(&self, q: &Question) -> String {
        format!(
            "may {} act for {} in {}?",
            name(q.actor),
            name(q.mandator),
            q.type_code
        )
    }

    /// The questions the play's mandates concern: every other one is "no mandate".
    fn concerned(&self) -> Vec<usize> {
        (0..self.questions.len())
            .filter(|i| {
                let q = &self.questions[*i];
                self.mandates.iter().any(|k| self.concerns(k, q))
            })
            .collect()
    }

    /// One second after the step: the index for now, and the history for half a second ago.
    async fn look(&mut self) {
        self.app.clock.advance(Duration::seconds(1));
        let now = self.app.clock.now();
        if now - self.issued > Duration::minutes(30) {
            self.refresh().await;
        }
        let mut chosen = self.concerned();
        if !self.changed {
            // A refusal changes nothing: the index says what it said.
            let asked: Vec<(usize, Option<&str>)> = chosen.iter().map(|q| (*q, None)).collect();
            let index = self.ask(&asked).await;
            let moved: Vec<String> = chosen
                .iter()
                .zip(&index)
                .filter_map(|(q, s)| {
                    let before = self.last_index.get(q)?;
                    (before != s).then(|| {
                        format!(
                            "{} before: {}; now: {}",
                            self.which(&self.questions[*q]),
                            self.show(before),
                            self.show(s)
                        )
                    })
                })
                .collect();
            assert!(
                moved.is_empty(),
                "nothing happened, yet the index answers otherwise at {now}:\n  {}\n{}",
                moved.join("\n  "),
                self.context()
            );
            self.last_index.extend(chosen.into_iter().zip(index));
            return;
        }
        for _ in 0..CONTROLS {
            let q = self.other_rng.below(self.questions.len());
            if !chosen.contains(&q) {
                chosen.push(q);
            }
        }
        let at = (now - Duration::milliseconds(500)).to_rfc3339_opts(SecondsFormat::Micros, true);
        let asked: Vec<(usize, Option<&str>)> = chosen
            .iter()
            .flat_map(|q| [(*q, None), (*q, Some(at.as_str()))])
            .collect();
        let answers = self.ask(&asked).await;
        let mut disagreements = Vec::new();
        for (q, pair) in chosen.iter().zip(answers.chunks(2)) {
            let question = self.questions[*q];
            let (index, history) = (&pair[0], &pair[1]);
            if !self.agree(&question, index, history) {
                disagreements.push(format!(
                    "{} index (now): {}; history (at {at}): {}",
                    self.which(&question),
                    self.show(index),
                    self.show(history)
                ));
            }
            self.said_then.push((at.clone(), *q, index.clone()));
            self.last_index.insert(*q, index.clone());
        }
        assert!(
            disagreements.is_empty(),
            "the index and the history disagree at {now}:\n  {}\n{}",
            disagreements.join("\n  "),
            self.context()
        );
        self.changed = false;
    }

    /// At the end: what the index said at earlier moments, the history must still say now.
    async fn look_back(&mut self) {
        let mut sample = Vec::new();
        while sample.len() < LOOK_BACKS && !self.said_then.is_empty() {
            let i = self.other_rng.below(self.said_then.len());
            sample.push(self.said_then.swap_remove(i));
        }
        // One batch per instant.
        let mut by_instant: BTreeMap<String, Vec<(usize, Said)>> = BTreeMap::new();
        for (at, q, s) in sample {
            by_instant.entry(at).or_default().push((q, s));
        }
        let mut disagreements = Vec::new();
        for (at, asked) in by_instant {
            let questions: Vec<(usize, Option<&str>)> =
                asked.iter().map(|(q, _)| (*q, Some(at.as_str()))).collect();
            let history = self.ask(&questions).await;
            for ((q, then), h) in asked.iter().zip(&history) {
                let question = self.questions[*q];
                if !self.agree(&question, then, h) {
                    disagreements.push(format!(
                        "{} index (then): {}; history (at {at}, asked later): {}",
                        self.which(&question),
                        self.show(then),
                        self.show(h)
                    ));
                }
            }
        }
        assert!(
            disagreements.is_empty(),
            "the history no longer says what the index said then:\n  {}\n{}",
            disagreements.join("\n  "),
            self.context()
        );
    }
}

/// Plays one seed on a fresh demo application.
async fn play(backend: Backend, seed: u64, rules: Rules) -> Option<Tally> {
    let app = TestApp::with_config(backend, |c| c.demo_data = true).await?;
    let mut play = Play::new(&app, seed, rules).await;
    play.look().await;
    for step in 1..=STEPS {
        play.step = step;
        play.random_step().await;
        play.look().await;
    }
    if rules.look_back {
        play.step = STEPS + 1;
        play.trace.push("the history is asked again".to_owned());
        play.look_back().await;
    }
    Some(play.tally)
}

/// Plays every seed; checks that the play reached every kind of answer.
async fn play_all(backend: Backend, rules: Rules) {
    let started = std::time::Instant::now();
    let mut total = Tally::default();
    for seed in SEEDS {
        let Some(tally) = play(backend, seed, rules).await else {
            return;
        };
        for (k, n) in tally.outcomes {
            *total.outcomes.entry(k).or_default() += n;
        }
        total.seen.extend(tally.seen);
        total.index_questions += tally.index_questions;
        total.history_questions += tally.history_questions;
        total.ties += tally.ties;
    }
    eprintln!(
        "agreement on {backend:?} ({rules:?}): {} seeds × {STEPS} steps in {:?}; \
         {} questions to the index, {} to the history, {} ties between equally telling \
         mandates; operations: {:?}; answers: {:?}",
        SEEDS.len(),
        started.elapsed(),
        total.index_questions,
        total.history_questions,
        total.ties,
        total.outcomes,
        total.seen,
    );
    // The play is worth something only if it reaches every kind of answer.
    for (code, via) in [
        ("allowed", false),
        ("allowed", true),
        ("no_mandate", false),
        ("pending_signature", false),
        ("not_yet_in_force", false),
        ("stopped", false),
        ("expired", false),
        ("no_executor_role", false),
    ] {
        assert!(
            total.seen.contains(&(code.to_owned(), via)),
            "the play never got the answer {code} (via an enterprise: {via}): {:?}",
            total.seen
        );
    }
}

/// Every step: the index for now and the history for half a second ago agree, naming the
/// same mandate; after the play, the history still says what the index said at each moment.
async fn the_index_agrees_with_history_in_a_random_play(backend: Backend) {
    play_all(
        backend,
        Rules {
            same_mandate: true,
            look_back: true,
        },
    )
    .await;
}

/// Asks one check as the fin application, for now (`None`) or for an instant.
async fn check_at(app: &TestApp, q: &Value, at: Option<Instant>) -> Value {
    let fin = app.application("fin").await;
    let mut body = q.clone();
    if let Some(at) = at {
        body["at"] = json!(at.to_rfc3339_opts(SecondsFormat::Micros, true));
    }
    fin.post("/api/v1/checks", body).await.expect(200).body
}

/// BOB asks the office and CARL (the office's manager, no executor) for his tax disputes;
/// neither has signed. Both mandates wait for a signature: equally telling. The index names
/// the one to CARL (direct grants first), the history the one to the office (mandatees in
/// text order, enterprise numbers first; the first of equally telling refusals wins).
async fn equally_telling_refusals_name_the_same_mandate(backend: Backend) {
    let Some(app) = TestApp::with_config(backend, |c| c.demo_data = true).await else {
        return;
    };
    let bob = app.person(BOB).await;
    let disputes = |mandatee: &str| json!({"domain": "fin", "types": ["fin.tax_disputes"], "mandator": BOB, "mandatee": mandatee, "valid_until": "2027-12-31"});
    let to_office = bob.create(disputes(OFFICE)).await["id"].clone();
    let to_carl = bob.create(disputes(CARL)).await["id"].clone();
    app.clock.advance(Duration::seconds(1));
    let q = json!({"actor": CARL, "mandator": BOB, "type": "fin.tax_disputes"});
    let now = check_at(&app, &q, None).await;
    let before = check_at(
        &app,
        &q,
        Some(app.clock.now() - Duration::milliseconds(500)),
    )
    .await;
    assert_eq!(
        (&now["reason"]["code"], &before["reason"]["code"]),
        (&json!("pending_signature"), &json!("pending_signature"))
    );
    assert_eq!(
        now["mandate_id"], before["mandate_id"],
        "the index names {}, the history {} (to the office: {to_office}, to CARL: {to_carl})",
        now["mandate_id"], before["mandate_id"]
    );
}

/// ANN asks BOB for two types; before he signs, the index says "pending" for both. Signed,
/// then narrowed to one type: asked later about the moment it waited, the history judges the
/// waiting mandate by its current types, and no longer knows it waited for the other one.
async fn a_waiting_mandate_is_judged_later_by_the_terms_it_had(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let (ann, bob) = (app.person(ANN).await, app.person(BOB).await);
    let m = ann
        .create(json!({"domain": "fin", "types": ["fin.myminfin_consult", "fin.tax_disputes"], "mandator": ANN, "mandatee": BOB, "valid_until": "2027-12-31"}))
        .await["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    app.clock.advance(Duration::minutes(1));
    let waiting = app.clock.now();
    let q = json!({"actor": BOB, "mandator": ANN, "type": "fin.tax_disputes"});
    let then = check_at(&app, &q, None).await;
    assert_eq!(then["reason"]["code"], "pending_signature");
    app.clock.advance(Duration::minutes(1));
    bob.sign(&m, 1).await.expect(200);
    app.clock.advance(Duration::minutes(1));
    ann.patch(
        &format!("/api/v1/mandates/{m}"),
        json!({"version": 1, "types": ["fin.myminfin_consult"]}),
    )
    .await
    .expect(200);
    app.clock.advance(Duration::minutes(1));
    let later = check_at(&app, &q, Some(waiting)).await;
    assert_eq!(
        (&later["reason"]["code"], &later["mandate_id"]),
        (&then["reason"]["code"], &then["mandate_id"]),
        "what the index said at {waiting}: {then:#}; what the history says of it now: {later:#}"
    );
}

/// EVA has no role at the office: may she file the company's corporate tax return (the
/// company gave it to the office)? "No mandate", says the index. An hour later the office
/// makes her an executor for another type. Asked later about the moment before, the history
/// says "no executor role": it looks through every enterprise where the person has a role,
/// whenever it was assigned.
async fn a_role_assigned_later_does_not_change_the_answer_for_before(backend: Backend) {
    let Some(app) = TestApp::with_config(backend, |c| c.demo_data = true).await else {
        return;
    };
    app.clock.advance(Duration::minutes(1));
    let before = app.clock.now();
    let q = json!({"actor": EVA, "mandator": COMPANY, "type": "fin.biztax"});
    let then = check_at(&app, &q, None).await;
    assert_eq!(then["reason"]["code"], "no_mandate");
    app.clock.advance(Duration::hours(1));
    app.for_enterprise(CARL, OFFICE)
        .await
        .post(
            &format!("/api/v1/enterprises/{OFFICE}/roles"),
            json!({"person": EVA, "kind": "executor", "domain": "fin", "types": ["fin.tax_on_web"]}),
        )
        .await
        .expect(201);
    app.clock.advance(Duration::minutes(1));
    let later = check_at(&app, &q, Some(before)).await;
    assert_eq!(
        (&later["reason"]["code"], &later["mandate_id"]),
        (&then["reason"]["code"], &then["mandate_id"]),
        "what the index said at {before}: {then:#}; what the history says of it now: {later:#}"
    );
}

crate::on_both_stores!(
    the_index_agrees_with_history_in_a_random_play,
    equally_telling_refusals_name_the_same_mandate,
    a_waiting_mandate_is_judged_later_by_the_terms_it_had,
    a_role_assigned_later_does_not_change_the_answer_for_before,
);
