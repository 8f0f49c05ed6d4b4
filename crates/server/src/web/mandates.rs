//! The pages of one's mandates: the overview with what waits for whom, a mandate with its
//! history and the actions its party may take, and the steps to create one.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use mandates_domain::access::Actor;
use mandates_domain::catalog::MandateType;
use mandates_domain::mandate::{
    Draft, Mandate, NotesChange, Side, Status, TermsChange, allowed_kinds,
};
use mandates_domain::time::Instant;
use mandates_domain::{DomainError, FieldError, Lang, Party};
use mandates_store::{MandateQuery, RoleFilter};
use serde::Deserialize;
use uuid::Uuid;

use super::format;
use super::page::{Chrome, Tr, render};
use super::visit::{PageError, User, Visit};
use crate::AppState;
use crate::api::write::{Change, perform_change};
use crate::error::{AppError, field_message};
use crate::service::mandates::Action;

/// A mandate in a list, as its party reads it.
pub struct Row {
    pub href: String,
    pub side: String,
    pub other: String,
    pub domain: String,
    pub types: String,
    pub period: String,
    pub status: String,
    pub status_code: &'static str,
    pub reference: String,
    /// The capacity in which the party acts (eHealth), as given when it created the mandate.
    pub capacity: String,
    /// What waits, and until when.
    pub note: String,
}

fn side_of(m: &Mandate, party: &Party) -> Option<Side> {
    m.terms.side_of(party)
}

fn period(t: Tr, from: NaiveDate, until: Option<NaiveDate>) -> String {
    match until {
        Some(u) => t.t2(
            "period-limited",
            ("from", &format::date(from)),
            ("until", &format::date(u)),
        ),
        None => t.t1("period-unlimited", "from", &format::date(from)),
    }
}

fn type_names(state: &AppState, lang: Lang, codes: &[String]) -> String {
    codes
        .iter()
        .map(|c| {
            state
                .catalog()
                .mandate_type(c)
                .map_or_else(|| c.clone(), |t| t.name.get(lang).to_owned())
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn domain_name(state: &AppState, lang: Lang, code: &str) -> String {
    state
        .catalog()
        .domain(code)
        .map_or_else(|| code.to_owned(), |d| d.name.get(lang).to_owned())
}

fn notes_of(m: &Mandate, side: Option<Side>) -> Option<&mandates_domain::mandate::Notes> {
    match side {
        Some(Side::Mandator) => Some(&m.mandator_notes),
        Some(Side::Mandatee) => Some(&m.mandatee_notes),
        None => None,
    }
}

/// The sides whose signature a pending mandate (or a live proposal) still needs.
fn awaiting(m: &Mandate, now: Instant) -> Vec<Side> {
    if let Some(p) = m.live_proposal(now) {
        return vec![p.proposed_by.other()];
    }
    if m.status_at(now) != Status::Pending {
        return Vec::new();
    }
    m.unsigned_sides()
}

pub fn row_of(state: &AppState, t: Tr, m: &Mandate, party: &Party, now: Instant) -> Row {
    let side = side_of(m, party);
    let status = m.status_at(now);
    let other = match side {
        Some(Side::Mandator) => &m.terms.mandatee,
        Some(Side::Mandatee) => &m.terms.mandator,
        None => &m.terms.mandatee,
    };
    let types: Vec<String> = m.terms.types.iter().cloned().collect();
    let waiting = awaiting(m, now);
    let deadline = m
        .live_proposal(now)
        .map(|p| p.lapses_at)
        .or(m.lapses_at.filter(|_| status == Status::Pending));
    let note = match (waiting.first(), deadline) {
        (Some(s), Some(d)) if Some(*s) == side => {
            t.t1("note-sign-before", "deadline", &format::instant(d))
        }
        (Some(_), Some(d)) => t.t1("note-other-before", "deadline", &format::instant(d)),
        _ => String::new(),
    };
    Row {
        href: format!("/mandates/{}", m.id),
        side: match side {
            Some(Side::Mandator) => t.t("side-mandator"),
            Some(Side::Mandatee) => t.t("side-mandatee"),
            None => t.t("side-initiator"),
        },
        other: format::party(other),
        domain: domain_name(state, t.0, &m.terms.domain),
        types: type_names(state, t.0, &types),
        period: period(t, m.terms.valid_from, m.terms.valid_until),
        status: t.t(&format!("status-{}", status.as_str())),
        status_code: status.as_str(),
        reference: notes_of(m, side)
            .and_then(|n| n.reference.clone())
            .unwrap_or_default(),
        capacity: notes_of(m, side)
            .and_then(|n| n.capacity.clone())
            .unwrap_or_default(),
        note,
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct Filters {
    #[serde(default)]
    status: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    domain: String,
    /// The other party's number.
    #[serde(default)]
    q: String,
    /// Continue after `micros.id`.
    #[serde(default)]
    after: String,
    /// Which action was just done (for the notice).
    #[serde(default)]
    done: String,
}

impl Filters {
    fn query(&self, party: &Party, limit: u32) -> Result<MandateQuery, PageError> {
        let invalid = |field: &str, code: &'static str| {
            PageError::Api(DomainError::field(FieldError::new(field, code)).into())
        };
        let counterpart = if self.q.trim().is_empty() {
            None
        } else {
            Some(
                Party::parse(&format::digits(&self.q))
                    .map_err(|_| invalid("q", "invalid_filter"))?,
            )
        };
        let after = match self.after.split_once('.') {
            Some((micros, id)) => Some((
                micros
                    .parse::<i64>()
                    .ok()
                    .and_then(chrono::DateTime::from_timestamp_micros)
                    .ok_or_else(|| invalid("after", "invalid_filter"))?,
                Uuid::parse_str(id).map_err(|_| invalid("after", "invalid_filter"))?,
            )),
            None => None,
        };
        Ok(MandateQuery {
            party: party.clone(),
            role: match self.role.as_str() {
                "mandator" => Some(RoleFilter::Mandator),
                "mandatee" => Some(RoleFilter::Mandatee),
                _ => None,
            },
            status: Status::parse(&self.status),
            domain: (!self.domain.is_empty()).then(|| self.domain.clone()),
            counterpart,
            after,
            limit,
        })
    }

    /// The query string of these filters (without the position).
    fn encoded(&self) -> String {
        use super::visit::encode_component as e;
        format!(
            "status={}&role={}&domain={}&q={}",
            e(&self.status),
            e(&self.role),
            e(&self.domain),
            e(&self.q)
        )
    }
}

/// An option of a filter.
pub struct Opt {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "home.html")]
pub struct HomePage {
    c: Chrome,
    notice: String,
    mine: Vec<Row>,
    theirs: Vec<Row>,
    transfers: Vec<Row>,
    rows: Vec<Row>,
    statuses: Vec<Opt>,
    roles: Vec<Opt>,
    domains: Vec<Opt>,
    q: String,
    filters: String,
    next: Option<String>,
}

#[derive(Template)]
#[template(path = "welcome.html")]
pub struct WelcomePage {
    c: Chrome,
}

fn options(current: &str, list: Vec<(String, String)>, t: Tr) -> Vec<Opt> {
    let mut all = vec![Opt {
        value: String::new(),
        label: t.t("filter-any"),
        selected: current.is_empty(),
    }];
    all.extend(list.into_iter().map(|(value, label)| Opt {
        selected: value == current,
        value,
        label,
    }));
    all
}

/// The overview: what waits for my signature, for the other party, for a transfer; then
/// every mandate I give and receive, with search and filters.
pub async fn home(
    State(state): State<AppState>,
    axum::Extension(visit): axum::Extension<Visit>,
    Query(filters): Query<Filters>,
) -> Result<Response, PageError> {
    let t = Tr(visit.lang);
    let Some(user) = &visit.user else {
        return Ok(render(&WelcomePage {
            c: visit.chrome(&state, t.t("welcome-title")),
        }));
    };
    let party = &user.actor.party;
    let now = state.clock().now();
    let store = state.store();
    let mut waiting = Vec::new();
    for status in [Status::Pending, Status::Active] {
        let q = MandateQuery {
            party: party.clone(),
            role: None,
            status: Some(status),
            domain: None,
            counterpart: None,
            after: None,
            limit: 500,
        };
        waiting.extend(
            store
                .list_mandates(&q, now)
                .await?
                .items
                .into_iter()
                .filter(|m| user.actor.may_read(&m.terms) && !awaiting(m, now).is_empty()),
        );
    }
    let (mut mine, mut theirs, mut transfers) = (Vec::new(), Vec::new(), Vec::new());
    // What waits for my signature first; then transfers under way; then the other party.
    for m in &waiting {
        let missing = awaiting(m, now);
        let r = row_of(&state, t, m, party, now);
        if side_of(m, party).is_some_and(|s| missing.contains(&s)) {
            mine.push(r);
        } else if m.transfer_of.is_some() {
            transfers.push(r);
        } else {
            theirs.push(r);
        }
    }
    let page = store.list_mandates(&filters.query(party, 50)?, now).await?;
    let rows = page
        .items
        .iter()
        .filter(|m| user.actor.may_read(&m.terms))
        .map(|m| row_of(&state, t, m, party, now))
        .collect();
    let next = page.next.map(|(at, id)| {
        format!(
            "/?{}&after={}.{id}",
            filters.encoded(),
            at.timestamp_micros()
        )
    });
    let statuses = Status::ALL
        .iter()
        .map(|s| {
            (
                s.as_str().to_owned(),
                t.t(&format!("status-{}", s.as_str())),
            )
        })
        .collect();
    let roles = vec![
        ("mandator".to_owned(), t.t("side-mandator")),
        ("mandatee".to_owned(), t.t("side-mandatee")),
    ];
    let domains = state
        .catalog()
        .domains
        .iter()
        .map(|d| (d.code.clone(), d.name.get(visit.lang).to_owned()))
        .collect();
    let notice = if filters.done.is_empty() {
        String::new()
    } else {
        t.t(&format!(
            "done-{}",
            filters.done.replace(|c: char| !c.is_ascii_lowercase(), "")
        ))
    };
    Ok(render(&HomePage {
        c: visit.chrome(&state, t.t("home-title")),
        notice,
        mine,
        theirs,
        transfers,
        rows,
        statuses: options(&filters.status, statuses, t),
        roles: options(&filters.role, roles, t),
        domains: options(&filters.domain, domains, t),
        q: filters.q.clone(),
        filters: filters.encoded(),
        next,
    }))
}

/// The same list as a CSV file, every page of it.
pub async fn export_csv(
    State(state): State<AppState>,
    axum::Extension(visit): axum::Extension<Visit>,
    Query(filters): Query<Filters>,
) -> Result<Response, PageError> {
    let user = visit.user()?;
    let party = &user.actor.party;
    let now = state.clock().now();
    let mut query = filters.query(party, 500)?;
    query.after = None;
    let mut out = csv::Writer::from_writer(Vec::new());
    let write_err = |e: csv::Error| AppError::internal("writing the mandates CSV", e);
    out.write_record([
        "id",
        "your_side",
        "mandator",
        "mandatee",
        "domain",
        "types",
        "valid_from",
        "valid_until",
        "status",
        "reference",
        "created_at",
    ])
    .map_err(write_err)?;
    // At most 100 000 rows in one file.
    for _ in 0..200 {
        let page = state.store().list_mandates(&query, now).await?;
        for m in page.items.iter().filter(|m| user.actor.may_read(&m.terms)) {
            let side = side_of(m, party);
            out.write_record([
                m.id.to_string(),
                side.map(Side::as_str).unwrap_or("initiator").to_owned(),
                m.terms.mandator.to_string(),
                m.terms.mandatee.to_string(),
                m.terms.domain.clone(),
                m.terms.types.iter().cloned().collect::<Vec<_>>().join(" "),
                m.terms.valid_from.to_string(),
                m.terms
                    .valid_until
                    .map(|d| d.to_string())
                    .unwrap_or_default(),
                m.status_at(now).as_str().to_owned(),
                notes_of(m, side)
                    .and_then(|n| n.reference.clone())
                    .unwrap_or_default(),
                m.created_at.to_rfc3339(),
            ])
            .map_err(write_err)?;
        }
        match page.next {
            Some(next) => query.after = Some(next),
            None => break,
        }
    }
    Ok(crate::http::csv::download(out, "mandates.csv")?)
}

/// A signature as shown.
pub struct SignatureRow {
    pub side: String,
    pub person: String,
    pub party: String,
    pub at: String,
    pub version: u32,
}

/// An event of the history as shown.
pub struct EventRow {
    pub what: String,
    pub person: String,
    pub party: String,
    pub at: String,
}

/// An action the viewer may take.
pub struct ActionLink {
    pub href: String,
    pub label: String,
    pub danger: bool,
}

#[derive(Template)]
#[template(path = "mandate.html")]
pub struct MandatePage {
    c: Chrome,
    notice: String,
    row: Row,
    mandator: String,
    mandatee: String,
    version: u32,
    created: String,
    pending_until: String,
    proposal: String,
    signatures: Vec<SignatureRow>,
    history: Vec<EventRow>,
    actions: Vec<ActionLink>,
}

/// A mandate the user may see, or "not found".
async fn visible(state: &AppState, user: &User, id: &str) -> Result<Mandate, PageError> {
    let not_found = || PageError::Api(DomainError::mandate_not_found().into());
    let id = Uuid::parse_str(id).map_err(|_| not_found())?;
    match state.store().mandate(id).await? {
        Some(m) if m.visible_to(&user.actor.party) && user.actor.may_read(&m.terms) => Ok(m),
        _ => Err(not_found()),
    }
}

/// The actions the domain would allow the actor now, tried on a copy.
fn allowed_actions(
    state: &AppState,
    m: &Mandate,
    actor: &Actor,
    now: Instant,
) -> Vec<&'static str> {
    let catalog = state.catalog();
    let mut list = Vec::new();
    let version = m.live_proposal(now).map_or(m.version, |p| p.version);
    if m.clone().sign(actor, version, &[], catalog, now).is_ok() {
        list.push("sign");
    }
    if m.clone().reject(actor, now).is_ok() {
        list.push("reject");
    }
    if m.clone().withdraw(actor, now).is_ok() {
        list.push("withdraw");
    }
    let party =
        m.terms.side_of(&actor.party).is_some() && actor.require_manage(&m.terms.domain).is_ok();
    if party && m.status_at(now) == Status::Active {
        list.push("modify");
        if m.transfer_to.is_none() {
            list.push("transfer");
        }
    }
    if m.clone().stop(actor, now).is_ok() {
        list.push("stop");
    }
    list
}

pub async fn show(
    State(state): State<AppState>,
    axum::Extension(visit): axum::Extension<Visit>,
    Path(id): Path<String>,
    Query(filters): Query<Filters>,
) -> Result<Response, PageError> {
    let user = visit.user()?;
    let m = visible(&state, user, &id).await?;
    Ok(render(
        &mandate_page(&state, &visit, user, &m, &filters.done).await?,
    ))
}

async fn mandate_page(
    state: &AppState,
    visit: &Visit,
    user: &User,
    m: &Mandate,
    done: &str,
) -> Result<MandatePage, PageError> {
    let t = Tr(visit.lang);
    let now = state.clock().now();
    let party = &user.actor.party;
    let side_name = |s: Side| match s {
        Side::Mandator => t.t("side-mandator"),
        Side::Mandatee => t.t("side-mandatee"),
    };
    let signatures = m
        .signatures
        .iter()
        .map(|s| SignatureRow {
            side: side_name(s.side),
            person: format::party(&Party::Person(s.person.clone())),
            party: format::party(&s.party),
            at: format::instant(s.at),
            version: s.version,
        })
        .collect();
    let history = state
        .store()
        .events_of("mandate", &m.id.to_string())
        .await?
        .into_iter()
        .map(|e| EventRow {
            what: t.t(&format!("event-{}", e.kind)),
            person: e.person.as_deref().map(format::number).unwrap_or_default(),
            party: e.party.as_deref().map(format::number).unwrap_or_default(),
            at: format::instant(e.at),
        })
        .collect();
    let actions = allowed_actions(state, m, &user.actor, now)
        .into_iter()
        .map(|a| ActionLink {
            href: format!("/mandates/{}/{a}", m.id),
            label: t.t(&format!("action-{a}")),
            danger: matches!(a, "stop" | "reject" | "withdraw"),
        })
        .collect();
    let status = m.status_at(now);
    let pending_until = match (m.live_proposal(now), m.lapses_at) {
        (Some(p), _) => format::instant(p.lapses_at),
        (None, Some(l)) if status == Status::Pending => format::instant(l),
        _ => String::new(),
    };
    let proposal = m
        .live_proposal(now)
        .map(|p| {
            let types: Vec<String> = p.terms.types.iter().cloned().collect();
            t.t2(
                "proposal-text",
                ("types", &type_names(state, visit.lang, &types)),
                (
                    "period",
                    &period(t, p.terms.valid_from, p.terms.valid_until),
                ),
            )
        })
        .unwrap_or_default();
    let notice = if done.is_empty() {
        String::new()
    } else {
        t.t(&format!(
            "done-{}",
            done.replace(|c: char| !c.is_ascii_lowercase(), "")
        ))
    };
    Ok(MandatePage {
        c: visit.chrome(state, t.t("mandate-title")),
        notice,
        row: row_of(state, t, m, party, now),
        mandator: format::party(&m.terms.mandator),
        mandatee: format::party(&m.terms.mandatee),
        version: m.version,
        created: format::instant(m.created_at),
        pending_until,
        proposal,
        signatures,
        history,
        actions,
    })
}

#[derive(Template)]
#[template(path = "confirm.html")]
pub struct ConfirmPage {
    c: Chrome,
    action: String,
    consequence: String,
    problem: String,
    row: Row,
    version: u32,
    once: String,
    back: String,
    danger: bool,
    /// For a modification: the types on offer, and the period.
    types: Vec<TypeChoice>,
    valid_until: String,
    /// For a transfer: the new mandatee's number.
    mandatee: String,
    errors: FieldMessages,
}

impl ConfirmPage {
    /// The message of the confirming button.
    pub fn button_key(&self) -> String {
        format!("confirm-{}-button", self.action)
    }
}

const ACTIONS: [&str; 6] = ["sign", "reject", "withdraw", "stop", "modify", "transfer"];

fn confirm_page(
    state: &AppState,
    visit: &Visit,
    user: &User,
    m: &Mandate,
    action: &str,
) -> Result<ConfirmPage, PageError> {
    let t = Tr(visit.lang);
    let now = state.clock().now();
    let r = row_of(state, t, m, &user.actor.party, now);
    let other = r.other.clone();
    let version = m.live_proposal(now).map_or(m.version, |p| p.version);
    let consequence = t.t1(&format!("consequence-{action}"), "other", &other);
    let chosen: Vec<String> = m.terms.types.iter().cloned().collect();
    Ok(ConfirmPage {
        c: visit.chrome(state, t.t(&format!("confirm-{action}-title"))),
        action: action.to_owned(),
        consequence,
        problem: String::new(),
        row: r,
        version,
        once: super::session::random_secret()?,
        back: format!("/mandates/{}", m.id),
        danger: matches!(action, "stop" | "reject" | "withdraw"),
        types: if action == "modify" {
            type_choices(
                state,
                visit.lang,
                &m.terms.domain,
                side_of(m, &user.actor.party),
                &user.actor.party,
                &chosen,
            )
        } else {
            Vec::new()
        },
        valid_until: m
            .terms
            .valid_until
            .map(|d| d.to_string())
            .unwrap_or_default(),
        mandatee: String::new(),
        errors: FieldMessages::default(),
    })
}

/// The confirmation of an action, saying what it will do.
pub async fn confirm(
    State(state): State<AppState>,
    axum::Extension(visit): axum::Extension<Visit>,
    Path((id, action)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let user = visit.user()?;
    if !ACTIONS.contains(&action.as_str()) {
        return Err(PageError::Api(AppError::NoRoute));
    }
    let m = visible(&state, user, &id).await?;
    Ok(render(&confirm_page(&state, &visit, user, &m, &action)?))
}

#[derive(Debug, Deserialize)]
pub struct ActForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    once: String,
    #[serde(default)]
    version: Option<u32>,
    /// Modify: the types kept or added (repeated field).
    #[serde(default)]
    types: Vec<String>,
    #[serde(default)]
    valid_until: Option<String>,
    /// Transfer: the new mandatee.
    #[serde(default)]
    mandatee: Option<String>,
}

/// Does the confirmed action; a refusal shows the confirmation again with the reason.
pub async fn act(
    State(state): State<AppState>,
    axum::Extension(visit): axum::Extension<Visit>,
    Path((id, action_name)): Path<(String, String)>,
    body: axum::body::Bytes,
) -> Result<Response, PageError> {
    let form: ActForm = serde_html_form::from_bytes(&body)
        .map_err(|e| AppError::Body(StatusCode::BAD_REQUEST, e.to_string()))?;
    visit.check_form(&form.csrf)?;
    let user = visit.user()?;
    if !ACTIONS.contains(&action_name.as_str()) {
        return Err(PageError::Api(AppError::NoRoute));
    }
    let m = visible(&state, user, &id).await?;
    let action = match action_name.as_str() {
        "sign" => Action::Sign {
            version: form.version.unwrap_or(m.version),
        },
        "reject" => Action::Reject,
        "withdraw" => Action::Withdraw,
        "stop" => Action::Stop,
        "modify" => Action::Modify {
            based_on: form.version,
            terms: Some(TermsChange {
                types: Some(form.types.clone()),
                valid_from: None,
                valid_until: Some(form.valid_until.clone().filter(|u| !u.trim().is_empty())),
            }),
            notes: NotesChange::default(),
        },
        _ => Action::Transfer {
            mandatee: format::digits(form.mandatee.as_deref().unwrap_or_default()),
        },
    };
    let fingerprint = format!("page {action_name} {id} {form:?}");
    let key = (!form.once.is_empty()).then(|| format!("page-{}", form.once));
    let done = perform_change(
        &state,
        &user.principal,
        user.acting_for(),
        key.as_deref(),
        &fingerprint,
        Change::Act(m.id, action),
    )
    .await;
    match done {
        Ok(p) => {
            let target = answered_id(&p.body).unwrap_or_else(|| m.id.to_string());
            Ok(Redirect::to(&format!("/mandates/{target}?done={action_name}")).into_response())
        }
        Err(e) if e.status().is_client_error() => {
            let mut page = confirm_page(&state, &visit, user, &m, &action_name)?;
            let (_, text) = e.page_texts(visit.lang, &visit.request_id);
            page.problem = text;
            page.errors = FieldMessages(field_errors(&e, visit.lang));
            if let Some(u) = form.valid_until {
                page.valid_until = u;
            }
            page.mandatee = form.mandatee.unwrap_or_default();
            if action_name == "modify" {
                for choice in &mut page.types {
                    choice.checked = form.types.contains(&choice.code);
                }
            }
            Ok((e.status(), render(&page)).into_response())
        }
        Err(e) => Err(PageError::Api(e)),
    }
}

/// The id of the mandate a change answered with (for a transfer: the new one).
fn answered_id(body: &str) -> Option<String> {
    serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v["id"].as_str().map(str::to_owned))
}

fn field_errors(e: &AppError, lang: Lang) -> Vec<(String, String)> {
    match e {
        AppError::Domain(d) => d
            .fields
            .iter()
            .map(|f| (f.field.clone(), field_message(lang, f)))
            .collect(),
        _ => Vec::new(),
    }
}

/// A type on offer in a form.
pub struct TypeChoice {
    pub code: String,
    pub name: String,
    pub description: String,
    pub checked: bool,
}

/// The types of a domain that the party may take on its side.
fn type_choices(
    state: &AppState,
    lang: Lang,
    domain: &str,
    side: Option<Side>,
    party: &Party,
    chosen: &[String],
) -> Vec<TypeChoice> {
    let Some(d) = state.catalog().domain(domain) else {
        return Vec::new();
    };
    d.types
        .iter()
        .filter(|t| !t.retired)
        .filter(|t: &&MandateType| side.is_none_or(|s| allowed_kinds(t, s).contains(&party.kind())))
        .map(|t| TypeChoice {
            code: t.code.clone(),
            name: t.name.get(lang).to_owned(),
            description: t.description.get(lang).to_owned(),
            checked: chosen.contains(&t.code),
        })
        .collect()
}

/// What the create form holds, from step to step.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct DraftForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    once: String,
    #[serde(default)]
    domain: String,
    /// `mandator`: I give; `mandatee`: I receive.
    #[serde(default)]
    side: String,
    #[serde(default)]
    types: Vec<String>,
    #[serde(default)]
    other: String,
    #[serde(default)]
    valid_from: String,
    #[serde(default)]
    valid_until: String,
    #[serde(default)]
    reference: String,
    /// On the review: `edit` goes back to the form.
    #[serde(default)]
    go: String,
}

impl DraftForm {
    fn side(&self) -> Option<Side> {
        Side::parse(&self.side)
    }

    fn draft(&self, me: &Party, lang: Lang) -> Draft {
        let other = format::digits(&self.other);
        let (mandator, mandatee) = match self.side() {
            Some(Side::Mandatee) => (other, me.as_str().to_owned()),
            _ => (me.as_str().to_owned(), other),
        };
        let text = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_owned());
        Draft {
            domain: self.domain.clone(),
            types: self.types.clone(),
            mandator,
            mandatee,
            valid_from: text(&self.valid_from),
            valid_until: text(&self.valid_until),
            reference: text(&self.reference),
            language: Some(lang.code().to_owned()),
            email: None,
            capacity: None,
        }
    }
}

#[derive(Template)]
#[template(path = "new.html")]
pub struct NewPage {
    c: Chrome,
    step: u8,
    domains: Vec<Opt>,
    form: DraftForm,
    domain_name: String,
    types: Vec<TypeChoice>,
    problem: String,
    errors: FieldMessages,
}

/// The errors of a form's fields, each with its message.
#[derive(Default)]
pub struct FieldMessages(pub Vec<(String, String)>);

impl FieldMessages {
    /// The message of a field's error (or of one of its items), if any.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(f, _)| f == field || f.starts_with(&format!("{field}[")))
            .map(|(_, m)| m.as_str())
    }

    pub fn has(&self, field: &str) -> bool {
        self.get(field).is_some()
    }

    pub fn iter(&self) -> impl Iterator<Item = &(String, String)> {
        self.0.iter()
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct NewQuery {
    #[serde(default)]
    domain: String,
    #[serde(default)]
    side: String,
}

fn new_page(state: &AppState, visit: &Visit, user: &User, form: DraftForm) -> NewPage {
    let t = Tr(visit.lang);
    let domain = state.catalog().domain(&form.domain);
    let step = if domain.is_some() && form.side().is_some() {
        2
    } else {
        1
    };
    NewPage {
        c: visit.chrome(state, t.t("new-title")),
        step,
        domains: state
            .catalog()
            .domains
            .iter()
            .map(|d| Opt {
                value: d.code.clone(),
                label: d.name.get(visit.lang).to_owned(),
                selected: d.code == form.domain,
            })
            .collect(),
        domain_name: domain
            .map(|d| d.name.get(visit.lang).to_owned())
            .unwrap_or_default(),
        types: type_choices(
            state,
            visit.lang,
            &form.domain,
            form.side(),
            &user.actor.party,
            &form.types,
        ),
        form,
        problem: String::new(),
        errors: FieldMessages::default(),
    }
}

/// Step 1 (domain and side), then step 2 (types, other party, period, reference).
pub async fn new_form(
    State(state): State<AppState>,
    axum::Extension(visit): axum::Extension<Visit>,
    Query(q): Query<NewQuery>,
) -> Result<Response, PageError> {
    let user = visit.user()?;
    let form = DraftForm {
        domain: q.domain,
        side: q.side,
        valid_from: mandates_domain::time::brussels_date(state.clock().now()).to_string(),
        ..DraftForm::default()
    };
    Ok(render(&new_page(&state, &visit, user, form)))
}

#[derive(Template)]
#[template(path = "review.html")]
pub struct ReviewPage {
    c: Chrome,
    form: DraftForm,
    summary: String,
    types: Vec<TypeChoice>,
    period: String,
    deadline: String,
    other: String,
}

/// A posted draft form, once its anti-forgery token is checked.
fn posted_form(visit: &Visit, body: &[u8]) -> Result<DraftForm, PageError> {
    let form: DraftForm = serde_html_form::from_bytes(body)
        .map_err(|e| PageError::Api(AppError::Body(StatusCode::BAD_REQUEST, e.to_string())))?;
    visit.check_form(&form.csrf)?;
    Ok(form)
}

/// The draft checked by the domain's rules, nothing written: its errors, or the mandate.
fn try_draft(
    state: &AppState,
    user: &User,
    form: &DraftForm,
    lang: Lang,
) -> Result<Mandate, DomainError> {
    let draft = form.draft(&user.actor.party, lang);
    let (m, _) = Mandate::create(
        Uuid::nil(),
        &draft,
        &user.actor,
        state.catalog(),
        state.clock().now(),
    )?;
    Ok(m)
}

fn with_errors(
    state: &AppState,
    visit: &Visit,
    user: &User,
    form: DraftForm,
    e: &DomainError,
) -> Response {
    let mut page = new_page(state, visit, user, form);
    let api = AppError::Domain(e.clone());
    page.problem = api.page_texts(visit.lang, &visit.request_id).1;
    page.errors = FieldMessages(
        field_errors(&api, visit.lang)
            .into_iter()
            .map(|(f, m)| (map_field(&f, page.form.side()), m))
            .collect(),
    );
    (api.status(), render(&page)).into_response()
}

/// The form's name of a draft field: the other party is one field, whichever side it is.
fn map_field(field: &str, side: Option<Side>) -> String {
    match (field, side) {
        ("mandatee", Some(Side::Mandator) | None) | ("mandator", Some(Side::Mandatee)) => {
            "other".into()
        }
        _ => field.to_owned(),
    }
}

/// Step 3: the review says exactly what will be allowed.
pub async fn review(
    State(state): State<AppState>,
    axum::Extension(visit): axum::Extension<Visit>,
    body: axum::body::Bytes,
) -> Result<Response, PageError> {
    let form = posted_form(&visit, &body)?;
    let user = visit.user()?;
    match try_draft(&state, user, &form, visit.lang) {
        Err(e) => Ok(with_errors(&state, &visit, user, form, &e)),
        Ok(m) => Ok(render(&review_page(&state, &visit, user, form, &m)?)),
    }
}

fn review_page(
    state: &AppState,
    visit: &Visit,
    user: &User,
    mut form: DraftForm,
    m: &Mandate,
) -> Result<ReviewPage, PageError> {
    let t = Tr(visit.lang);
    let chosen: Vec<String> = m.terms.types.iter().cloned().collect();
    let other = match form.side() {
        Some(Side::Mandatee) => format::party(&m.terms.mandator),
        _ => format::party(&m.terms.mandatee),
    };
    let summary = match form.side() {
        Some(Side::Mandatee) => t.t1("review-summary-mandatee", "other", &other),
        _ => t.t1("review-summary-mandator", "other", &other),
    };
    form.once = super::session::random_secret()?;
    Ok(ReviewPage {
        c: visit.chrome(state, t.t("review-title")),
        types: type_choices(
            state,
            visit.lang,
            &m.terms.domain,
            None,
            &user.actor.party,
            &chosen,
        )
        .into_iter()
        .filter(|c| c.checked)
        .collect(),
        period: period(t, m.terms.valid_from, m.terms.valid_until),
        deadline: m.lapses_at.map(format::instant).unwrap_or_default(),
        summary,
        other,
        form,
    })
}

/// Signs and sends the reviewed draft (or goes back to change it).
pub async fn create(
    State(state): State<AppState>,
    axum::Extension(visit): axum::Extension<Visit>,
    body: axum::body::Bytes,
) -> Result<Response, PageError> {
    let form = posted_form(&visit, &body)?;
    let user = visit.user()?;
    if form.go == "edit" {
        return Ok(render(&new_page(&state, &visit, user, form)));
    }
    let draft = form.draft(&user.actor.party, visit.lang);
    let key = (!form.once.is_empty()).then(|| format!("page-{}", form.once));
    let fingerprint = format!("page create {draft:?}");
    let done = perform_change(
        &state,
        &user.principal,
        user.acting_for(),
        key.as_deref(),
        &fingerprint,
        Change::Create(draft),
    )
    .await;
    match done {
        Ok(p) => {
            let id = answered_id(&p.body).unwrap_or_default();
            Ok(Redirect::to(&format!("/mandates/{id}?done=create")).into_response())
        }
        Err(AppError::Domain(e)) => Ok(with_errors(&state, &visit, user, form, &e)),
        Err(e) => Err(PageError::Api(e)),
    }
}
