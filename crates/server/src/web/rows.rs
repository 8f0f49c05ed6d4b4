//! A mandate as a row of a list, as its party reads it: the other party, the types by name,
//! the period, the status in words and what waits for whom.

use chrono::NaiveDate;
use mandates_domain::access::{self, MandateAction, Situation};
use mandates_domain::actor::Actor;
use mandates_domain::mandate::{Mandate, Notes, Side, Status};
use mandates_domain::time::{Instant, brussels_date};
use mandates_domain::{Lang, Party};

use super::page::Tr;
use crate::AppState;
use crate::service::names::Names;
use crate::text as format;

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
    /// The row's own link: the mandate's page, or its signature when it waits for mine.
    pub action_href: String,
    /// "Open" or "Sign".
    pub action: String,
    /// Which mandate the link is about, for those who hear the links of a page one by one.
    pub action_about: String,
}

/// A period in words.
pub fn period(t: Tr, from: NaiveDate, until: Option<NaiveDate>) -> String {
    match until {
        Some(u) => t.t2(
            "period-limited",
            ("from", &format::date(from)),
            ("until", &format::date(u)),
        ),
        None => t.t1("period-unlimited", "from", &format::date(from)),
    }
}

/// The period of a mandate as it was in the end: a stopped mandate ended when it was
/// stopped, not on the last day it was given for.
pub fn period_of(t: Tr, m: &Mandate, status: Status) -> String {
    let (from, until) = (m.terms.valid_from, m.terms.valid_until);
    match m.closed_at.filter(|_| status == Status::Stopped) {
        Some(at) if brussels_date(at) < from => t.t2(
            "period-stopped-before",
            ("from", &format::date(from)),
            ("on", &format::date(brussels_date(at))),
        ),
        Some(at) => t.t2(
            "period-stopped",
            ("from", &format::date(from)),
            ("on", &format::date(brussels_date(at))),
        ),
        None => period(t, from, until),
    }
}

/// The names of types in `lang` (a code the catalog does not know as it is).
pub fn type_names(state: &AppState, lang: Lang, codes: &[String]) -> String {
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

/// A domain's name in `lang`.
pub fn domain_name(state: &AppState, lang: Lang, code: &str) -> String {
    state
        .catalog()
        .domain(code)
        .map_or_else(|| code.to_owned(), |d| d.name.get(lang).to_owned())
}

/// The notes of a side of the mandate.
pub fn notes_of(m: &Mandate, side: Option<Side>) -> Option<&Notes> {
    match side {
        Some(Side::Mandator) => Some(&m.mandator_notes),
        Some(Side::Mandatee) => Some(&m.mandatee_notes),
        None => None,
    }
}

/// The sides whose signature a pending mandate (or a live proposal) still needs.
pub fn awaiting(m: &Mandate, now: Instant) -> Vec<Side> {
    if let Some(p) = m.live_proposal(now) {
        return vec![p.proposed_by.other()];
    }
    if m.status_at(now) != Status::Pending {
        return Vec::new();
    }
    m.unsigned_sides()
}

/// A mandate's status in words: a signed mandate whose period has not begun says from when
/// it is in force.
pub fn status_text(t: Tr, m: &Mandate, now: Instant) -> String {
    match m.status_at(now) {
        Status::Scheduled => t.t1(
            "status-scheduled",
            "from",
            &format::date(m.terms.valid_from),
        ),
        other => t.t(&format!("status-{}", other.as_str())),
    }
}

/// The party of a mandate that `party` reads as the other one (the mandatee for someone
/// who is neither side: an initiator).
pub fn other_of<'a>(m: &'a Mandate, party: &Party) -> &'a Party {
    match m.terms.side_of(party) {
        Some(Side::Mandatee) => &m.terms.mandator,
        Some(Side::Mandator) | None => &m.terms.mandatee,
    }
}

/// The row of a mandate as `party` reads it at `now`, the other party by the name in `names`
/// where there is one.
pub fn row_of(
    state: &AppState,
    t: Tr,
    names: &Names,
    m: &Mandate,
    party: &Party,
    now: Instant,
) -> Row {
    let side = m.terms.side_of(party);
    let status = m.status_at(now);
    let other = other_of(m, party);
    let other_shown = names.on(m, party).shown(other);
    let types: Vec<String> = m.terms.types.iter().cloned().collect();
    let types_shown = type_names(state, t.0, &types);
    let waiting = awaiting(m, now);
    let deadline = m
        .live_proposal(now)
        .map(|p| p.lapses_at)
        .or(m.lapses_at.filter(|_| status == Status::Pending));
    // A proposed change: the proposer is told that it waits for the other party (the terms
    // in force stay as they are), the other party that it is theirs to sign.
    let proposer = m.live_proposal(now).map(|p| p.proposed_by);
    let note = match (waiting.first(), deadline) {
        (Some(s), Some(d)) if Some(*s) == side => {
            let key = if proposer.is_some() {
                "note-change-sign-before"
            } else {
                "note-sign-before"
            };
            t.t1(key, "deadline", &format::instant(d))
        }
        (Some(_), Some(d)) if proposer.is_some() && proposer == side => t.t2(
            "note-change-waits",
            ("other", &other_shown),
            ("deadline", &format::instant(d)),
        ),
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
        other: other_shown.clone(),
        domain: domain_name(state, t.0, &m.terms.domain),
        types: types_shown.clone(),
        period: period_of(t, m, status),
        status: status_text(t, m, now),
        status_code: status.as_str(),
        reference: notes_of(m, side)
            .and_then(|n| n.reference.clone())
            .unwrap_or_default(),
        capacity: notes_of(m, side)
            .and_then(|n| n.capacity.clone())
            .unwrap_or_default(),
        action_about: t.t2(
            "row-action-about",
            ("other", &other_shown),
            ("types", &types_shown),
        ),
        action_href: format!("/mandates/{}", m.id),
        action: t.t("row-open"),
        note,
    }
}

/// The row of a mandate as `actor` reads it at `now`: its link offers the signature when the
/// rules let the actor sign it now.
pub fn row_for(
    state: &AppState,
    t: Tr,
    names: &Names,
    m: &Mandate,
    actor: &Actor,
    now: Instant,
) -> Row {
    let mut row = row_of(state, t, names, m, &actor.party, now);
    if access::permit(actor, m, MandateAction::Sign, Situation::at(now)).is_ok() {
        row.action_href = format!("/mandates/{}/sign", m.id);
        row.action = t.t("action-sign");
    }
    row
}

/// An option of a filter.
pub struct Opt {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// The options of a filter: "any", then `list`, with `current` selected.
pub fn options(current: &str, list: Vec<(String, String)>, t: Tr) -> Vec<Opt> {
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
