//! One mandate's page: its terms, signatures and history, and the actions its party may
//! take now (exactly those the rules would let through).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use mandates_domain::access::MandateAction;
use mandates_domain::mandate::{self, Mandate, Side, Status};
use mandates_domain::time::start_of_day;
use mandates_domain::{DomainError, Party};
use mandates_store::{EventKind, StoredEvent};
use uuid::Uuid;

use super::changes::{Change, changes, history_changes};
use super::home::Filters;
use super::outcome::{Outcome, outcome};
use super::page::{Chrome, Tr, render};
use super::rows::{Row, other_of, period, row_of, type_names};
use super::visit::{PageError, User, Visit};
use crate::service::mandates;
use crate::service::names::{self, Names};
use crate::text as format;
use crate::{AppState, i18n};

/// The actions the pages offer, as their addresses name them.
pub const PAGE_ACTIONS: [MandateAction; 6] = [
    MandateAction::Sign,
    MandateAction::Reject,
    MandateAction::Withdraw,
    MandateAction::Stop,
    MandateAction::Modify,
    MandateAction::Transfer,
];

/// Whether an action ends or refuses something (shown as such).
pub fn is_danger(action: MandateAction) -> bool {
    matches!(
        action,
        MandateAction::Stop | MandateAction::Reject | MandateAction::Withdraw
    )
}

/// A signature as shown.
pub struct SignatureRow {
    pub side: String,
    pub person: String,
    pub party: String,
    pub at: String,
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
    /// What the mandate is and between whom (the page's title, unless an outcome leads it).
    heading: String,
    /// After an action: what was done and what happens next.
    outcome: Option<Outcome>,
    row: Row,
    mandator: String,
    mandatee: String,
    created: String,
    pending_until: String,
    proposal: String,
    /// What the proposed change changes.
    proposal_changes: Vec<Change>,
    signatures: Vec<SignatureRow>,
    history: Vec<EventRow>,
    actions: Vec<ActionLink>,
}

/// A mandate the user may see, or "not found".
pub async fn visible(state: &AppState, user: &User, id: &str) -> Result<Mandate, PageError> {
    let id =
        Uuid::parse_str(id).map_err(|_| PageError::Api(DomainError::mandate_not_found().into()))?;
    Ok(mandates::visible(state, &user.actor, id).await?)
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

/// What an event did, in words: signed into force before its period begins, a mandate says
/// from when it is in force.
fn event_text(t: Tr, m: &Mandate, e: &StoredEvent) -> String {
    let starts = m.history.first().map(|h| h.terms.valid_from);
    match (e.kind, starts) {
        (EventKind::Mandate(mandate::EventKind::Activated), Some(from))
            if e.at < start_of_day(from) =>
        {
            t.t1("event-activated-later", "from", &format::date(from))
        }
        (kind, _) => t.t(&format!("event-{}", kind.as_str())),
    }
}

/// What a mandate is and between whom, for its title: "MyMinfin consultation: Anna Citizen for
/// Bart Citizen" (the mandatee acts for the mandator), each party by name where known.
pub fn title(state: &AppState, t: Tr, names: &Names, m: &Mandate) -> String {
    let types: Vec<String> = m.terms.types.iter().cloned().collect();
    i18n::message(
        t.0,
        "mandate-title-named",
        &[
            ("types", type_names(state, t.0, &types)),
            ("mandatee", names.short(&m.terms.mandatee)),
            ("mandator", names.short(&m.terms.mandator)),
        ],
    )
}

/// The other party of a mandate as `party` reads it, in few words (a confirmation's title).
pub fn other_short(names: &Names, m: &Mandate, party: &Party) -> String {
    names.on(m, party).short(other_of(m, party))
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
    let events = mandates::history(state, m).await?;
    // Everyone the page names (the parties, who signed, who did what for whom), in one read.
    let mut parties = vec![m.terms.mandator.clone(), m.terms.mandatee.clone()];
    for s in &m.signatures {
        parties.extend([Party::Person(s.person.clone()), s.party.clone()]);
    }
    for e in &events {
        parties.extend(
            [e.person.as_deref(), e.party.as_deref()]
                .into_iter()
                .flatten()
                .filter_map(|p| Party::parse(p).ok()),
        );
    }
    let names = names::of(state, &parties).await?;
    let signatures = m
        .signatures
        .iter()
        .map(|s| SignatureRow {
            side: side_name(s.side),
            person: names.shown(&Party::Person(s.person.clone())),
            party: names.shown(&s.party),
            at: format::instant(s.at),
        })
        .collect();
    let changed = history_changes(state, t, &events);
    let last = events.last().and_then(|e| match e.kind {
        EventKind::Mandate(k) => Some(k),
        _ => None,
    });
    let history = events
        .iter()
        .zip(changed)
        .map(|(e, changed)| EventRow {
            what: if changed.is_empty() {
                event_text(t, m, e)
            } else {
                t.t2(
                    "history-changed",
                    ("event", &event_text(t, m, e)),
                    ("changes", &changed),
                )
            },
            person: e
                .person
                .as_deref()
                .map(|p| names.shown_number(p))
                .unwrap_or_default(),
            party: e
                .party
                .as_deref()
                .map(|p| names.shown_number(p))
                .unwrap_or_default(),
            at: format::instant(e.at),
        })
        .collect();
    let actions = mandates::allowed_actions(state, &user.actor, m, now)
        .await?
        .into_iter()
        .filter(|a| PAGE_ACTIONS.contains(a))
        .map(|a| ActionLink {
            href: format!("/mandates/{}/{}", m.id, a.as_str()),
            label: t.t(&format!("action-{}", a.as_str())),
            danger: is_danger(a),
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
    let proposal_changes = m
        .live_proposal(now)
        .map(|p| changes(state, t, &m.terms, &p.terms))
        .unwrap_or_default();
    let outcome = outcome(t, m, party, done, last, now);
    // The parties as the viewer may read them; who signed and who did what are named.
    let readable = names.on(m, party);
    let heading = title(state, t, &readable, m);
    let title = outcome
        .as_ref()
        .map_or_else(|| heading.clone(), |o| o.title.clone());
    Ok(MandatePage {
        c: visit.chrome(state, title),
        outcome,
        heading,
        row: row_of(state, t, &names, m, party, now),
        mandator: readable.shown(&m.terms.mandator),
        mandatee: readable.shown(&m.terms.mandatee),
        created: format::instant(m.created_at),
        pending_until,
        proposal,
        proposal_changes,
        signatures,
        history,
        actions,
    })
}
