//! Who may do what, asked of the REST API and of the pages alike: both must give the same
//! answer, and that answer must be the one of the lifecycle table and the enterprise roles.
//!
//! The mandate matrix puts the accounting office of the demo roster on either side of the
//! mandates: a citizen (ANN) gives the office, and the office gives a citizen (BOB), in `fin`
//! for `fin.myminfin_consult` and `fin.tax_disputes`. The actors are the citizen party in
//! person; acting for the office, its legal representative, its manager of `fin` (CARL), a
//! manager of `vlaanderen`, an executor of `fin.tax_disputes` (a type of every mandate here)
//! and an executor of `fin.tax_on_web` only (DINA); and a stranger. Each is asked to see, sign,
//! reject, withdraw, stop, modify (a narrowing: one type less) and transfer mandates in nine
//! states; "waiting for", "created by" and "proposed by" are relative to the actor's side
//! (the stranger's states are made as for the mandatee's side).
//!
//! Each cell acts on a mandate of its own in the state asked: once through the API, once
//! through the pages (another mandate), signed in as the same person acting for the same
//! party. The pages' answer is both whether the mandate's page offers the action and whether
//! posting the action's form is done (a redirect to the mandate). A refusal must leave the
//! event log where it was; a mandate that a refusal left untouched is as good as a fresh one
//! and serves the next cell, one that changed is never used again. Mandates that must expire
//! or lapse are made the day before the matrix is asked, all others on the day.
//!
//! Smaller tables compare the roster, the access log and bulk jobs the same way.

use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, BTreeSet};

use axum::http::Method;
use serde_json::{Value, json};

use crate::enterprises::{
    OFFICE_REPRESENTATIVE, assign, demo_app, fin_executor, id_of, items, last_seq, manager,
    roles_path,
};
use crate::on_both_stores;
use crate::support::*;
use crate::web::browser::Browser;

/// A manager of `vlaanderen` at the office: a domain of none of the mandates here.
const OTHER_DOMAIN_MANAGER: &str = "71020300156";
/// An executor of `fin.tax_disputes` at the office: a type of every mandate here.
const TYPE_EXECUTOR: &str = "71020300354";
/// Nobody to the office or to the mandates.
const STRANGER: &str = "71020300552";
/// The mandatee whom a voided transfer was to replace.
const EARLIER_MANDATEE: &str = "71020300750";
/// The new mandatee of every transfer the matrix asks for.
const NEXT_MANDATEE: &str = "71020300948";

const TYPES: [&str; 2] = ["fin.myminfin_consult", "fin.tax_disputes"];
/// A narrowing: one type less.
const NARROWED: [&str; 1] = ["fin.myminfin_consult"];
const UNTIL: &str = "2027-12-31";
/// A widening: a longer period.
const WIDER_UNTIL: &str = "2028-06-30";
/// The first day of a scheduled mandate (the matrix is asked on 2 March 2027).
const LATER: &str = "2027-03-09";
/// The last day of the mandates that expire or lapse before the matrix is asked.
const FIRST_DAY: &str = "2027-03-01";
/// Mandates made the day before for each state that needs time: one, and one to spare.
const AGED_SAMPLES: usize = 2;

// ---- the axes ------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Side {
    Mandator,
    Mandatee,
}

impl Side {
    fn other(self) -> Side {
        match self {
            Side::Mandator => Side::Mandatee,
            Side::Mandatee => Side::Mandator,
        }
    }
}

/// Which side the office is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Shape {
    CitizenGivesOffice,
    OfficeGivesCitizen,
}

impl Shape {
    const ALL: [Shape; 2] = [Shape::CitizenGivesOffice, Shape::OfficeGivesCitizen];

    fn party(self, side: Side) -> &'static str {
        match (self, side) {
            (Shape::CitizenGivesOffice, Side::Mandator) => ANN,
            (Shape::CitizenGivesOffice, Side::Mandatee) => OFFICE,
            (Shape::OfficeGivesCitizen, Side::Mandator) => OFFICE,
            (Shape::OfficeGivesCitizen, Side::Mandatee) => BOB,
        }
    }

    fn office_side(self) -> Side {
        match self {
            Shape::CitizenGivesOffice => Side::Mandatee,
            Shape::OfficeGivesCitizen => Side::Mandator,
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Shape::CitizenGivesOffice => "ANN gives the office",
            Shape::OfficeGivesCitizen => "the office gives BOB",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Role {
    /// The citizen party of the mandate, in their own name.
    InPerson,
    LegalRepresentative,
    DomainManager,
    OtherDomainManager,
    TypeExecutor,
    OtherExecutor,
    Stranger,
}

impl Role {
    const ALL: [Role; 7] = [
        Role::InPerson,
        Role::LegalRepresentative,
        Role::DomainManager,
        Role::OtherDomainManager,
        Role::TypeExecutor,
        Role::OtherExecutor,
        Role::Stranger,
    ];

    fn person(self, shape: Shape) -> &'static str {
        match self {
            Role::InPerson => shape.party(shape.office_side().other()),
            Role::LegalRepresentative => OFFICE_REPRESENTATIVE,
            Role::DomainManager => CARL,
            Role::OtherDomainManager => OTHER_DOMAIN_MANAGER,
            Role::TypeExecutor => TYPE_EXECUTOR,
            Role::OtherExecutor => DINA,
            Role::Stranger => STRANGER,
        }
    }

    fn act_for(self) -> Option<&'static str> {
        match self {
            Role::InPerson | Role::Stranger => None,
            _ => Some(OFFICE),
        }
    }

    /// The side whose view the relative states take.
    fn side(self, shape: Shape) -> Side {
        match self {
            Role::InPerson => shape.office_side().other(),
            Role::Stranger => Side::Mandatee,
            _ => shape.office_side(),
        }
    }

    fn describe(self, shape: Shape) -> String {
        match self {
            Role::InPerson => match shape.office_side() {
                Side::Mandatee => format!("the mandator in person ({ANN})"),
                Side::Mandator => format!("the mandatee in person ({BOB})"),
            },
            Role::LegalRepresentative => {
                format!("the office's legal representative ({OFFICE_REPRESENTATIVE})")
            }
            Role::DomainManager => format!("the office's manager of fin ({CARL})"),
            Role::OtherDomainManager => {
                format!("the office's manager of vlaanderen ({OTHER_DOMAIN_MANAGER})")
            }
            Role::TypeExecutor => {
                format!("the office's executor of fin.tax_disputes ({TYPE_EXECUTOR})")
            }
            Role::OtherExecutor => format!("the office's executor of fin.tax_on_web ({DINA})"),
            Role::Stranger => format!("a stranger ({STRANGER})"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum State {
    PendingForMe,
    PendingByMe,
    Active,
    Scheduled,
    ProposalByOther,
    Stopped,
    Expired,
    Lapsed,
    Voided,
}

impl State {
    const ALL: [State; 9] = [
        State::PendingForMe,
        State::PendingByMe,
        State::Active,
        State::Scheduled,
        State::ProposalByOther,
        State::Stopped,
        State::Expired,
        State::Lapsed,
        State::Voided,
    ];

    fn describe(self) -> &'static str {
        match self {
            State::PendingForMe => "pending, waiting for the actor's side",
            State::PendingByMe => "pending, created by the actor's side",
            State::Active => "active",
            State::Scheduled => "scheduled (signed, in force from a later day)",
            State::ProposalByOther => "active with a change proposed by the other side",
            State::Stopped => "stopped",
            State::Expired => "expired",
            State::Lapsed => "lapsed (it waited for the actor's side)",
            State::Voided => "a voided transfer",
        }
    }

    /// The status the API gives a mandate in this state.
    fn status(self) -> &'static str {
        match self {
            State::PendingForMe | State::PendingByMe => "pending",
            State::Active | State::ProposalByOther => "active",
            State::Scheduled => "scheduled",
            State::Stopped => "stopped",
            State::Expired => "expired",
            State::Lapsed => "lapsed",
            State::Voided => "voided",
        }
    }

    /// Whether the state is made differently for either side.
    fn relative(self) -> bool {
        matches!(
            self,
            State::PendingForMe | State::PendingByMe | State::ProposalByOther | State::Lapsed
        )
    }

    /// Whether the state needs a day to pass.
    fn aged(self) -> bool {
        matches!(self, State::Expired | State::Lapsed)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Action {
    See,
    Sign,
    Reject,
    Withdraw,
    Stop,
    Modify,
    Transfer,
}

impl Action {
    const ALL: [Action; 7] = [
        Action::See,
        Action::Sign,
        Action::Reject,
        Action::Withdraw,
        Action::Stop,
        Action::Modify,
        Action::Transfer,
    ];

    fn name(self) -> &'static str {
        match self {
            Action::See => "see",
            Action::Sign => "sign",
            Action::Reject => "reject",
            Action::Withdraw => "withdraw",
            Action::Stop => "stop",
            Action::Modify => "modify",
            Action::Transfer => "transfer",
        }
    }
}

/// What the lifecycle table and the roles allow: parties see their mandates, legal
/// representatives and managers of the domain act for the office as the person acts for
/// themself, executors only see (the mandates the office holds with one of their types, in
/// every state), and nobody else learns anything.
fn expected(shape: Shape, role: Role, state: State) -> Vec<Action> {
    use Action::*;
    let (sees, manages) = match role {
        Role::InPerson | Role::LegalRepresentative | Role::DomainManager => (true, true),
        Role::TypeExecutor => (shape.office_side() == Side::Mandatee, false),
        Role::OtherDomainManager | Role::OtherExecutor | Role::Stranger => (false, false),
    };
    let mut allowed = Vec::new();
    if sees {
        allowed.push(See);
    }
    if manages {
        allowed.extend_from_slice(match state {
            State::PendingForMe => &[Sign, Reject][..],
            State::PendingByMe => &[Withdraw],
            State::Active | State::Scheduled => &[Stop, Modify, Transfer],
            State::ProposalByOther => &[Sign, Reject, Stop, Modify, Transfer],
            State::Stopped | State::Expired | State::Lapsed | State::Voided => &[],
        });
    }
    allowed
}

// ---- the people ----------------------------------------------------------------------------

/// A person acting for a party, through the API and through the pages.
struct Seat<'a> {
    api: Caller<'a>,
    pages: Browser<'a>,
    /// The answer of the pages to the choice of whom to act for (303: chosen).
    chosen: u16,
}

/// Signs the person in on the pages and, for an enterprise, chooses it there.
async fn seat<'a>(app: &'a TestApp, person: &str, act_for: Option<&str>) -> Seat<'a> {
    let api = match act_for {
        Some(enterprise) => app.for_enterprise(person, enterprise).await,
        None => app.person(person).await,
    };
    let mut pages = Browser::new(app);
    pages.accept_language = Some("en");
    pages.sign_in(person).await;
    let chosen = match act_for {
        Some(enterprise) => {
            pages
                .post("/acting-as", &[("party", enterprise)])
                .await
                .status
        }
        None => 303,
    };
    Seat { api, pages, chosen }
}

/// Gives the office a manager of another domain and an executor of a type of the mandates.
async fn complete_the_roster(app: &TestApp) {
    let representative = app.person(OFFICE_REPRESENTATIVE).await;
    assign(
        &representative,
        OFFICE,
        manager(OTHER_DOMAIN_MANAGER, "vlaanderen"),
    )
    .await
    .expect(201);
    assign(
        &representative,
        OFFICE,
        fin_executor(TYPE_EXECUTOR, &["fin.tax_disputes"]),
    )
    .await
    .expect(201);
}

/// A valid national number that no one else in these tests has.
fn newcomer(serial: u64) -> String {
    let base = 720_101_000 + serial;
    format!("{base:09}{:02}", 97 - base % 97)
}

fn ok(status: u16) -> bool {
    (200..300).contains(&status)
}

// ---- the mandates --------------------------------------------------------------------------

/// A mandate in a state, as the cells need it.
#[derive(Debug, Clone)]
struct Sample {
    id: String,
    /// The version of its terms.
    version: u64,
    /// The version a signature names: the proposal's, else the terms'.
    sign_version: u64,
    valid_until: String,
}

impl Sample {
    fn of(m: &Value) -> Sample {
        let version = m["version"].as_u64().expect("version");
        Sample {
            id: id_of(m),
            version,
            sign_version: m["proposal"]["version"].as_u64().unwrap_or(version),
            valid_until: m["valid_until"].as_str().expect("valid_until").to_owned(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Channel {
    Api,
    Pages,
}

/// Which mandates can serve a cell: the side matters only to the relative states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Key {
    shape: Shape,
    state: State,
    side: Option<Side>,
    channel: Channel,
}

impl Key {
    fn new(shape: Shape, state: State, side: Side, channel: Channel) -> Key {
        Key {
            shape,
            state,
            side: state.relative().then_some(side),
            channel,
        }
    }
}

/// The people who make the mandates: ANN and BOB in person, CARL for the office, and the
/// mandatee whom a voided transfer was to replace.
struct Maker<'a> {
    ann: Caller<'a>,
    bob: Caller<'a>,
    office: Caller<'a>,
    earlier: Caller<'a>,
}

impl<'a> Maker<'a> {
    async fn new(app: &'a TestApp) -> Maker<'a> {
        Maker {
            ann: app.person(ANN).await,
            bob: app.person(BOB).await,
            office: app.for_enterprise(CARL, OFFICE).await,
            earlier: app.person(EARLIER_MANDATEE).await,
        }
    }

    fn for_party(&self, party: &str) -> &Caller<'a> {
        match party {
            ANN => &self.ann,
            BOB => &self.bob,
            OFFICE => &self.office,
            _ => &self.earlier,
        }
    }

    /// A new mandate of the shape in the state, as seen from `own` side.
    async fn make(&self, shape: Shape, state: State, own: Side) -> Sample {
        let (mandator, mandatee) = (shape.party(Side::Mandator), shape.party(Side::Mandatee));
        let terms = |mandatee: &str, from: Option<&str>, until: &str| {
            let mut t = json!({"domain": "fin", "types": TYPES, "mandator": mandator,
                "mandatee": mandatee, "valid_until": until});
            if let Some(from) = from {
                t["valid_from"] = json!(from);
            }
            t
        };
        let by = |side: Side| self.for_party(shape.party(side));
        // The mandate as the last change answered it.
        let m = match state {
            State::PendingForMe | State::PendingByMe | State::Lapsed => {
                let creator = if state == State::PendingByMe {
                    own
                } else {
                    own.other()
                };
                let until = if state == State::Lapsed {
                    FIRST_DAY
                } else {
                    UNTIL
                };
                by(creator).create(terms(mandatee, None, until)).await
            }
            State::Active
            | State::Scheduled
            | State::ProposalByOther
            | State::Stopped
            | State::Expired => {
                let from = (state == State::Scheduled).then_some(LATER);
                let until = if state == State::Expired {
                    FIRST_DAY
                } else {
                    UNTIL
                };
                let id = id_of(
                    &by(Side::Mandator)
                        .create(terms(mandatee, from, until))
                        .await,
                );
                let signed = by(Side::Mandatee).sign(&id, 1).await.expect(200);
                match state {
                    State::ProposalByOther => {
                        by(own.other())
                            .patch(
                                &format!("/api/v1/mandates/{id}"),
                                json!({"version": 1, "valid_until": WIDER_UNTIL}),
                            )
                            .await
                            .expect(200)
                            .body
                    }
                    State::Stopped => {
                        by(Side::Mandator)
                            .action(&id, "stop", json!({}))
                            .await
                            .expect(200)
                            .body
                    }
                    _ => signed.body,
                }
            }
            State::Voided => {
                let first = id_of(
                    &by(Side::Mandator)
                        .create(terms(EARLIER_MANDATEE, None, UNTIL))
                        .await,
                );
                self.earlier.sign(&first, 1).await.expect(200);
                let transfer = by(Side::Mandator)
                    .action(&first, "transfer", json!({"mandatee": mandatee}))
                    .await
                    .expect(201)
                    .body;
                by(Side::Mandator)
                    .action(&first, "stop", json!({}))
                    .await
                    .expect(200);
                by(Side::Mandator)
                    .mandate(&id_of(&transfer))
                    .await
                    .expect(200)
                    .body
            }
        };
        if !state.aged() {
            assert_eq!(
                (m["status"].as_str(), m["proposal"].is_null()),
                (Some(state.status()), state != State::ProposalByOther),
                "a mandate made {} ({}) is {m:#}",
                state.describe(),
                shape.describe(),
            );
        }
        Sample::of(&m)
    }

    /// Asserts that a mandate made earlier is in the state now.
    async fn assert_in(&self, shape: Shape, state: State, sample: &Sample) {
        let m = self
            .for_party(shape.party(Side::Mandator))
            .mandate(&sample.id)
            .await
            .expect(200)
            .body;
        assert_eq!(
            m["status"].as_str(),
            Some(state.status()),
            "a mandate made {} ({}) is {m:#}",
            state.describe(),
            shape.describe(),
        );
    }
}

/// The mandates free to serve a cell.
#[derive(Default)]
struct Samples {
    free: BTreeMap<Key, Vec<Sample>>,
}

impl Samples {
    fn put(&mut self, key: Key, sample: Sample) {
        self.free.entry(key).or_default().push(sample);
    }
}

// ---- one cell ------------------------------------------------------------------------------

/// The answers of one cell: the API's status, whether the page offers the action, the
/// status of the page (shown or posted).
#[derive(Debug, Clone, Copy)]
struct Answer {
    api: u16,
    link: bool,
    page: u16,
}

impl Answer {
    fn api_allows(&self) -> bool {
        ok(self.api)
    }

    fn page_allows(&self, action: Action) -> bool {
        match action {
            Action::See => self.page == 200,
            _ => self.page == 303,
        }
    }

    /// Whether the API and the pages say the same.
    fn agrees(&self, action: Action) -> bool {
        let allowed = self.api_allows();
        let same_refusal = allowed || self.api == self.page;
        allowed == self.page_allows(action)
            && (action == Action::See || allowed == self.link)
            && same_refusal
    }

    fn describe(&self, action: Action) -> String {
        let link = match (action, self.link) {
            (Action::See, _) => "",
            (_, true) => ", the page offers it",
            (_, false) => ", the page does not offer it",
        };
        format!("API {}{link}, page {}", self.api, self.page)
    }
}

/// The API's answer, on the cell's mandate.
async fn through_the_api(caller: &Caller<'_>, sample: &Sample, action: Action) -> u16 {
    let id = &sample.id;
    match action {
        Action::See => caller.mandate(id).await,
        Action::Sign => caller.sign(id, sample.sign_version).await,
        Action::Reject | Action::Withdraw | Action::Stop => {
            caller.action(id, action.name(), json!({})).await
        }
        Action::Modify => {
            caller
                .patch(
                    &format!("/api/v1/mandates/{id}"),
                    json!({"version": sample.version, "types": NARROWED}),
                )
                .await
        }
        Action::Transfer => {
            caller
                .action(id, "transfer", json!({"mandatee": NEXT_MANDATEE}))
                .await
        }
    }
    .status
    .as_u16()
}

/// The mandates and the people who make them, for the cells.
struct Bench<'a> {
    app: &'a TestApp,
    maker: Maker<'a>,
    samples: Samples,
    /// The end of the event log after the last change the cells know of.
    seq: i64,
    /// The actions a mandate's page offers a viewer (and the page's status), while the
    /// mandate is unchanged.
    shown: BTreeMap<(String, String), (u16, Vec<Action>)>,
    /// Forms posted so far: each has a `once` of its own.
    posted: usize,
}

impl Bench<'_> {
    /// A mandate for the cell: a free one, or a new one (none when the state needs a day
    /// to pass and the ones made the day before are used up).
    async fn take(&mut self, key: Key) -> Option<Sample> {
        if let Some(sample) = self.samples.free.get_mut(&key).and_then(Vec::pop) {
            return Some(sample);
        }
        if key.state.aged() {
            return None;
        }
        let own = key.side.unwrap_or(Side::Mandatee);
        let sample = self.maker.make(key.shape, key.state, own).await;
        self.seq = last_seq(self.app).await;
        Some(sample)
    }

    /// After a cell's two answers (`done`: the action was done): mandates that were
    /// refused serve the next cells while the event log is where it was; a refusal that
    /// moved it is trouble. A mandate that changed is never used again, nor one whose
    /// refusal the other channel's change leaves unproven.
    async fn settle(&mut self, answers: [(Key, Sample, bool); 2], trouble: &mut Vec<String>) {
        let seq = last_seq(self.app).await;
        let moved = seq != self.seq;
        self.seq = seq;
        let changes = answers.iter().filter(|(_, _, done)| *done).count();
        for (key, sample, done) in answers {
            match (done, moved) {
                (true, _) => {}
                (false, false) => self.samples.put(key, sample),
                (false, true) if changes == 0 => {
                    trouble.push("a refusal changed something".to_owned());
                }
                (false, true) => {}
            }
        }
    }

    /// The pages' answer, on the cell's other mandate: whether its page offers the action
    /// to `viewer`, and what showing the page or posting the action's form answers.
    async fn through_the_pages(
        &mut self,
        browser: &mut Browser<'_>,
        viewer: &str,
        sample: &Sample,
        action: Action,
        trouble: &mut Vec<String>,
    ) -> (bool, u16) {
        let id = sample.id.clone();
        let seen = (viewer.to_owned(), id.clone());
        let (status, offered) = match self.shown.get(&seen) {
            Some(shown) => shown.clone(),
            None => {
                let page = browser.get(&format!("/mandates/{id}")).await;
                let offered: Vec<Action> = Action::ALL
                    .into_iter()
                    .filter(|a| {
                        page.html
                            .contains(&format!("href=\"/mandates/{id}/{}\"", a.name()))
                    })
                    .collect();
                self.shown.insert(seen, (page.status, offered.clone()));
                (page.status, offered)
            }
        };
        if action == Action::See {
            return (false, status);
        }
        self.posted += 1;
        let once = format!("cell-{}", self.posted);
        let mut fields: Vec<(&str, String)> = vec![("once", once)];
        match action {
            Action::Sign => fields.push(("version", sample.sign_version.to_string())),
            Action::Modify => {
                fields.push(("version", sample.version.to_string()));
                fields.extend(NARROWED.iter().map(|t| ("types", (*t).to_owned())));
                // The last day as the page's three boxes take it.
                let mut parts = sample.valid_until.split('-').map(str::to_owned);
                let (year, month, day) = (parts.next(), parts.next(), parts.next());
                for (name, part) in [
                    ("valid_until-day", day),
                    ("valid_until-month", month),
                    ("valid_until-year", year),
                ] {
                    fields.push((name, part.unwrap_or_default()));
                }
            }
            Action::Transfer => fields.push(("mandatee", NEXT_MANDATEE.to_owned())),
            _ => {}
        }
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let posted = browser
            .post(&format!("/mandates/{id}/{}", action.name()), &fields)
            .await;
        if posted.status == 303 && !posted.location().starts_with("/mandates/") {
            trouble.push(format!("the page sent to {}", posted.location()));
        }
        (offered.contains(&action), posted.status)
    }
}

// ---- the mandate matrix --------------------------------------------------------------------

async fn the_api_and_the_pages_agree_on_every_mandate_action(backend: Backend) {
    let Some(app) = demo_app(backend).await else {
        return;
    };
    complete_the_roster(&app).await;
    let mut samples = Samples::default();
    {
        let maker = Maker::new(&app).await;
        for shape in Shape::ALL {
            for state in State::ALL.into_iter().filter(|s| s.aged()) {
                for own in [Side::Mandator, Side::Mandatee] {
                    for channel in [Channel::Api, Channel::Pages] {
                        let key = Key::new(shape, state, own, channel);
                        if key.side.is_none() && own == Side::Mandatee {
                            continue;
                        }
                        for _ in 0..AGED_SAMPLES {
                            samples.put(key, maker.make(shape, state, own).await);
                        }
                    }
                }
            }
        }
    }
    app.advance_days(1);
    let mut bench = Bench {
        app: &app,
        maker: Maker::new(&app).await,
        samples,
        seq: last_seq(&app).await,
        shown: BTreeMap::new(),
        posted: 0,
    };
    for (key, list) in &bench.samples.free {
        for sample in list {
            bench.maker.assert_in(key.shape, key.state, sample).await;
        }
    }

    let mut seats: BTreeMap<(&str, Option<&str>), Seat<'_>> = BTreeMap::new();
    for shape in Shape::ALL {
        for role in Role::ALL {
            let who = (role.person(shape), role.act_for());
            if let Entry::Vacant(free) = seats.entry(who) {
                let s = seat(&app, who.0, who.1).await;
                assert_eq!(s.chosen, 303, "{} acts for the office", who.0);
                free.insert(s);
            }
        }
    }

    let mut disagreements = Vec::new();
    let mut unexpected = Vec::new();
    let mut answers = BTreeMap::new();
    let mut cells = 0;
    for shape in Shape::ALL {
        for role in Role::ALL {
            let seat = seats
                .get_mut(&(role.person(shape), role.act_for()))
                .expect("seat");
            let own = role.side(shape);
            let viewer = format!("{} for {:?}", role.person(shape), role.act_for());
            for state in State::ALL {
                let allowed = expected(shape, role, state);
                for action in Action::ALL {
                    cells += 1;
                    let cell = format!(
                        "[{}] {}, {}, {}",
                        shape.describe(),
                        role.describe(shape),
                        state.describe(),
                        action.name()
                    );
                    let mut trouble = Vec::new();
                    let api_key = Key::new(shape, state, own, Channel::Api);
                    let page_key = Key::new(shape, state, own, Channel::Pages);
                    // Both mandates first: making one must not hide what a refusal did.
                    let api_sample = bench.take(api_key).await;
                    let page_sample = bench.take(page_key).await;
                    let (Some(api_sample), Some(page_sample)) = (api_sample, page_sample) else {
                        disagreements.push(format!(
                            "{cell}: no mandate left in that state (earlier cells changed them)"
                        ));
                        continue;
                    };
                    let api = through_the_api(&seat.api, &api_sample, action).await;
                    let (link, page) = bench
                        .through_the_pages(
                            &mut seat.pages,
                            &viewer,
                            &page_sample,
                            action,
                            &mut trouble,
                        )
                        .await;
                    if action == Action::See {
                        bench.samples.put(api_key, api_sample);
                        bench.samples.put(page_key, page_sample);
                    } else {
                        let answers = [
                            (api_key, api_sample, ok(api)),
                            (page_key, page_sample, page == 303),
                        ];
                        bench.settle(answers, &mut trouble).await;
                    }
                    let answer = Answer { api, link, page };
                    answers.insert((shape, role, state, action), answer);
                    if !answer.agrees(action) || !trouble.is_empty() {
                        disagreements.push(format!(
                            "{cell}: {} {}",
                            answer.describe(action),
                            trouble.join("; ")
                        ));
                    }
                    if answer.api_allows() != allowed.contains(&action) {
                        unexpected.push(format!(
                            "{cell}: expected {}, {}",
                            if allowed.contains(&action) {
                                "allowed"
                            } else {
                                "refused"
                            },
                            answer.describe(action)
                        ));
                    }
                }
            }
        }
    }
    assert_eq!(
        cells,
        Shape::ALL.len() * Role::ALL.len() * State::ALL.len() * Action::ALL.len()
    );
    assert!(
        disagreements.is_empty() && unexpected.is_empty(),
        "the API and the pages disagree in {} of {cells} cells:\n{}\n\n\
         {} of {cells} cells are not what the lifecycle table and the roles say:\n{}",
        disagreements.len(),
        disagreements.join("\n"),
        unexpected.len(),
        unexpected.join("\n")
    );
    // A few cells said plainly, with the API's status (the table above says the rest).
    use Action::*;
    use Role::*;
    use Shape::*;
    use State::*;
    let mut anchors = vec![
        // The mandatee signs a pending mandate that waits for them, in person or for the office.
        (OfficeGivesCitizen, InPerson, PendingForMe, Sign, 200),
        (
            CitizenGivesOffice,
            LegalRepresentative,
            PendingForMe,
            Sign,
            200,
        ),
        (
            CitizenGivesOffice,
            DomainManager,
            PendingByMe,
            Withdraw,
            200,
        ),
        (CitizenGivesOffice, DomainManager, PendingByMe, Sign, 409),
        (CitizenGivesOffice, InPerson, Scheduled, Stop, 200),
        (CitizenGivesOffice, InPerson, Expired, Stop, 409),
        // An executor sees a mandate of its types, and may not stop it.
        (CitizenGivesOffice, TypeExecutor, Active, See, 200),
        (CitizenGivesOffice, TypeExecutor, Active, Stop, 403),
        // A manager of another domain is refused, as if the mandate did not exist.
        (CitizenGivesOffice, OtherDomainManager, Active, See, 404),
        (OfficeGivesCitizen, OtherDomainManager, Active, Stop, 404),
    ];
    // A stranger sees nothing.
    for shape in Shape::ALL {
        for state in State::ALL {
            anchors.push((shape, Stranger, state, See, 404));
        }
    }
    for (shape, role, state, action, status) in anchors {
        let answer = answers.get(&(shape, role, state, action)).copied();
        assert_eq!(
            answer.map(|a| a.api),
            Some(status),
            "[{}] {}, {}, {}: {answer:?}",
            shape.describe(),
            role.describe(shape),
            state.describe(),
            action.name()
        );
    }
}

// ---- the roster ----------------------------------------------------------------------------

/// The office's people for the smaller tables: who, for the office, and the description.
fn office_people() -> Vec<(&'static str, &'static str)> {
    vec![
        (OFFICE_REPRESENTATIVE, "the legal representative"),
        (CARL, "the manager of fin"),
        (OTHER_DOMAIN_MANAGER, "the manager of vlaanderen"),
        (TYPE_EXECUTOR, "the executor of fin.tax_disputes"),
        (DINA, "the executor of fin.tax_on_web"),
        (STRANGER, "a stranger"),
    ]
}

async fn the_roster_is_read_and_changed_alike(backend: Backend) {
    let Some(app) = demo_app(backend).await else {
        return;
    };
    complete_the_roster(&app).await;
    // Who reads the roster, and who assigns an executor of `fin` and a manager of
    // `vlaanderen` (201: assigned).
    let table: [(&str, bool, [u16; 2]); 6] = [
        (OFFICE_REPRESENTATIVE, true, [201, 201]),
        (CARL, true, [201, 403]),
        (OTHER_DOMAIN_MANAGER, true, [403, 201]),
        (TYPE_EXECUTOR, false, [403, 403]),
        (DINA, false, [403, 403]),
        (STRANGER, false, [404, 404]),
    ];
    let names: BTreeMap<_, _> = office_people().into_iter().collect();
    let mut serial = 0;
    let mut failures = Vec::new();
    for (person, reads, assigns) in table {
        let who = names[person];
        let mut s = seat(&app, person, Some(OFFICE)).await;
        let api = s.api.get(&roles_path(OFFICE)).await;
        let api_rows = items(&api.body).len();
        // Someone whom the pages do not let act for the office reads nothing there.
        let (page_status, page_rows) = if s.chosen == 303 {
            let page = s.pages.get("/enterprise").await;
            (page.status, page.html.matches("<tr><td ").count())
        } else {
            (s.chosen, 0)
        };
        let api_reads = api.status.as_u16() == 200;
        if api_reads != (page_status == 200) || (api_reads && api_rows != page_rows) {
            failures.push(format!(
                "{who} reads the roster: API {} ({api_rows} roles), page {page_status} ({page_rows} rows)",
                api.status
            ));
        }
        if api_reads != reads {
            failures.push(format!(
                "{who} reads the roster: expected {}, API {}",
                if reads { "allowed" } else { "refused" },
                api.status
            ));
        }
        for (role, wanted) in [
            fin_executor("", &["fin.tax_disputes"]),
            manager("", "vlaanderen"),
        ]
        .into_iter()
        .zip(assigns)
        {
            serial += 1;
            let mut role = role;
            role["person"] = json!(newcomer(serial));
            let before = last_seq(&app).await;
            let answer = s.api.post(&roles_path(OFFICE), role.clone()).await;
            let status = answer.status.as_u16();
            if status != wanted {
                failures.push(format!(
                    "{who} assigns {role}: expected {wanted}, API {status} {}",
                    answer.code()
                ));
            }
            if !ok(status) && last_seq(&app).await != before {
                failures.push(format!("{who}'s refused assignment changed something"));
            }
        }
        // The pages show the roster and change nothing in it: no form takes a role.
        let posted = s.pages.post("/enterprise", &[]).await.status;
        if posted != 405 {
            failures.push(format!("{who} posts to the roster page: {posted}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

// ---- the access log ------------------------------------------------------------------------

async fn the_access_log_is_read_alike(backend: Backend) {
    let Some(app) = demo_app(backend).await else {
        return;
    };
    complete_the_roster(&app).await;
    // Applications of two domains ask about the office.
    app.check(DINA, OFFICE, "fin.biztax").await;
    app.check(DINA, OFFICE, "vlaanderen.omgevingsloket").await;
    // The domains whose entries each may read (`None`: refused).
    let table: [(&str, Option<&[&str]>); 6] = [
        (OFFICE_REPRESENTATIVE, Some(&["fin", "vlaanderen"])),
        (CARL, Some(&["fin"])),
        (OTHER_DOMAIN_MANAGER, Some(&["vlaanderen"])),
        (TYPE_EXECUTOR, None),
        (DINA, None),
        (STRANGER, None),
    ];
    let names: BTreeMap<_, _> = office_people().into_iter().collect();
    let mut failures = Vec::new();
    for (person, wanted) in table {
        let who = names[person];
        let mut s = seat(&app, person, Some(OFFICE)).await;
        let api = s.api.get("/api/v1/me/access-log").await;
        let api_domains: BTreeSet<String> = items(&api.body)
            .iter()
            .filter_map(|e| e["domain"].as_str().map(str::to_owned))
            .collect();
        let api_rows = items(&api.body).len();
        let (page_status, page_domains, page_rows) = if s.chosen == 303 {
            let page = s.pages.get("/access-log").await;
            let shown: BTreeSet<String> = [("fin", "(Biztax)"), ("vlaanderen", "(Omgevingsloket)")]
                .into_iter()
                .filter(|(_, name)| page.html.contains(name))
                .map(|(d, _)| d.to_owned())
                .collect();
            (page.status, shown, page.html.matches("<tr><td ").count())
        } else {
            (s.chosen, BTreeSet::new(), 0)
        };
        let api_reads = api.status.as_u16() == 200;
        if api_reads != (page_status == 200)
            || (api_reads && (api_domains != page_domains || api_rows != page_rows))
        {
            failures.push(format!(
                "{who} reads the access log: API {} {api_domains:?} ({api_rows}), page {page_status} {page_domains:?} ({page_rows})",
                api.status
            ));
        }
        let expected: Option<BTreeSet<String>> =
            wanted.map(|ds| ds.iter().map(|d| (*d).to_owned()).collect());
        if api_reads.then_some(api_domains.clone()) != expected {
            failures.push(format!(
                "{who} reads the access log: expected {expected:?}, API {} {api_domains:?}",
                api.status
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

// ---- bulk jobs -----------------------------------------------------------------------------

/// A job that the office's manager of `fin` uploads: stop one active mandate of the office.
struct Job {
    id: String,
    mandate: String,
}

async fn office_job(carl: &Caller<'_>, ann: &Caller<'_>) -> Job {
    let terms = json!({"domain": "fin", "types": TYPES, "mandator": ANN, "mandatee": OFFICE,
        "valid_until": UNTIL});
    let mandate = id_of(&carl.create(terms).await);
    ann.sign(&mandate, 1).await.expect(200);
    let uploaded = carl
        .send_raw(
            Method::POST,
            "/api/v1/bulk?operation=stop&format=csv&mode=per-row",
            &[],
            "text/csv",
            format!("mandate\n{mandate}\n").into_bytes(),
        )
        .await
        .expect(201);
    assert_eq!(uploaded.body["state"], "validated", "{:#}", uploaded.body);
    Job {
        id: id_of(&uploaded.body),
        mandate,
    }
}

/// The job's state and the mandate's status, as the uploader reads them.
async fn job_and_mandate(carl: &Caller<'_>, job: &Job) -> (String, String) {
    let state = carl
        .get(&format!("/api/v1/bulk/{}", job.id))
        .await
        .expect(200)
        .body["state"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let status = carl.mandate(&job.mandate).await.expect(200).body["status"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    (state, status)
}

/// Waits until a committed job has run (it runs beside the request that committed it).
async fn until_done(carl: &Caller<'_>, job: &Job) -> (String, String) {
    let started = std::time::Instant::now();
    loop {
        let now = job_and_mandate(carl, job).await;
        if now.0 != "running" && now.0 != "validated" {
            return now;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(10),
            "job {} still {} after 10 s",
            job.id,
            now.0
        );
        tokio::task::yield_now().await;
    }
}

async fn bulk_jobs_are_read_and_committed_alike(backend: Backend) {
    let Some(app) = demo_app(backend).await else {
        return;
    };
    complete_the_roster(&app).await;
    let carl = app.for_enterprise(CARL, OFFICE).await;
    let ann = app.person(ANN).await;
    // Who may read and commit the job: whoever manages every domain it touches, for the
    // office it was made for.
    let mut table: Vec<(&str, Option<&str>, bool)> = office_people()
        .into_iter()
        .map(|(person, _)| {
            let may = person == OFFICE_REPRESENTATIVE || person == CARL;
            (person, Some(OFFICE), may)
        })
        .collect();
    table.push((CARL, None, false));
    let names: BTreeMap<_, _> = office_people().into_iter().collect();
    let mut failures = Vec::new();
    // Jobs that refusals left as they were.
    let mut free: Vec<Job> = Vec::new();
    for (person, act_for, may) in table {
        let who = match act_for {
            Some(_) => names[person].to_owned(),
            None => format!("{} in their own name", names[person]),
        };
        let mut s = seat(&app, person, act_for).await;
        let job = match free.pop() {
            Some(job) => job,
            None => office_job(&carl, &ann).await,
        };
        let api = s
            .api
            .get(&format!("/api/v1/bulk/{}", job.id))
            .await
            .status
            .as_u16();
        let page = if s.chosen == 303 {
            s.pages.get(&format!("/bulk/{}", job.id)).await.status
        } else {
            s.chosen
        };
        if (api == 200) != (page == 200) || (api == 200) != may {
            failures.push(format!(
                "{who} reads the job: expected {}, API {api}, page {page}",
                if may { "allowed" } else { "refused" }
            ));
        }
        free.push(job);
        // Committing, through the API and through the pages, each on a job of its own.
        for channel in [Channel::Api, Channel::Pages] {
            let job = match free.pop() {
                Some(job) => job,
                None => office_job(&carl, &ann).await,
            };
            let before = last_seq(&app).await;
            let (status, done) = match channel {
                Channel::Api => {
                    let status = s
                        .api
                        .post(&format!("/api/v1/bulk/{}/commit", job.id), json!({}))
                        .await
                        .status
                        .as_u16();
                    (status, status == 202)
                }
                Channel::Pages if s.chosen != 303 => (s.chosen, false),
                Channel::Pages => {
                    let posted = s.pages.post(&format!("/bulk/{}/commit", job.id), &[]).await;
                    let done =
                        posted.status == 303 && posted.location() == format!("/bulk/{}", job.id);
                    (posted.status, done)
                }
            };
            if done != may {
                failures.push(format!(
                    "{who} commits the job through {channel:?}: expected {}, {status}",
                    if may { "allowed" } else { "refused" }
                ));
            }
            if done {
                let after = until_done(&carl, &job).await;
                if after != ("done".to_owned(), "stopped".to_owned()) {
                    failures.push(format!("{who}'s commit ran to {after:?}"));
                }
            } else {
                let after = job_and_mandate(&carl, &job).await;
                if after != ("validated".to_owned(), "active".to_owned())
                    || last_seq(&app).await != before
                {
                    failures.push(format!(
                        "{who}'s refused commit changed something: {after:?}"
                    ));
                } else {
                    free.push(job);
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

on_both_stores!(
    the_api_and_the_pages_agree_on_every_mandate_action,
    the_roster_is_read_and_changed_alike,
    the_access_log_is_read_alike,
    bulk_jobs_are_read_and_committed_alike,
);
