//! The confirmation after an action (the "confirmation page" pattern): a panel with what
//! was done and the mandate's number, then what happens next: who must still sign and by
//! when, and that they have been told (each change writes its notices to the inboxes of the
//! parties concerned and mails them).

use mandates_domain::Party;
use mandates_domain::mandate::{EventKind, Mandate, Side, Status};
use mandates_domain::time::Instant;

use super::page::Tr;
use super::rows::{awaiting, notes_of};
use crate::i18n;
use crate::text as format;

/// What the confirmation says.
pub struct Outcome {
    pub title: String,
    /// The mandate's number (its identifier).
    pub number: String,
    /// The viewer's own reference, if they gave one.
    pub reference: String,
    /// What happens next, one paragraph each.
    pub next: Vec<String>,
}

/// The actions after which the mandate page confirms what was done.
const DONE: [&str; 7] = [
    "create", "sign", "reject", "withdraw", "stop", "modify", "transfer",
];

/// The confirmation of action `done` on `m` as `party` reads it at `now`; `last`: the last
/// event of its history (what the action did: a signature that brought it into force, a
/// change proposed or in force at once). `None` for anything else.
pub fn outcome(
    t: Tr,
    m: &Mandate,
    party: &Party,
    done: &str,
    last: Option<EventKind>,
    now: Instant,
) -> Option<Outcome> {
    if !DONE.contains(&done) {
        return None;
    }
    let mine = m.terms.side_of(party);
    let who = |side: Side| {
        if Some(side) == mine {
            t.t("next-you")
        } else {
            format::party(m.terms.party(side))
        }
    };
    let other = mine.map_or_else(
        || format::party(&m.terms.mandatee),
        |s| format::party(m.terms.party(s.other())),
    );
    let status = m.status_at(now);
    let mut next = Vec::new();
    let proposal = m.live_proposal(now);
    let waiting = awaiting(m, now);
    let deadline = proposal
        .map(|p| p.lapses_at)
        .or(m.lapses_at.filter(|_| status == Status::Pending));
    if let Some(d) = deadline {
        let d = format::instant(d);
        for side in &waiting {
            let key = match (Some(*side) == mine, proposal.is_some()) {
                (true, true) => "next-you-sign-change",
                (true, false) => "next-you-sign",
                (false, true) => "next-must-sign-change",
                (false, false) => "next-must-sign",
            };
            next.push(i18n::message(
                t.0,
                key,
                &[("who", who(*side)), ("deadline", d.clone())],
            ));
        }
        let told: Vec<String> = waiting
            .iter()
            .filter(|s| Some(**s) != mine)
            .map(|s| who(*s))
            .collect();
        if !told.is_empty() {
            next.push(t.t1("next-told", "who", &told.join(", ")));
        }
        if m.transfer_of.is_some() {
            next.push(t.t("next-transfer"));
        }
    }
    let key = match (done, last) {
        ("create", _) => "create",
        ("transfer", _) => "transfer",
        ("sign", Some(EventKind::ChangeSigned)) => "sign-change",
        ("sign", _) if status == Status::Pending => "sign-recorded",
        ("sign", _) => "sign",
        ("modify", Some(EventKind::ChangeProposed)) => "modify-proposed",
        ("modify", _) => "modify",
        ("reject", Some(EventKind::ChangeRejected)) => "reject-change",
        ("withdraw", Some(EventKind::ChangeWithdrawn)) => "withdraw-change",
        (other, _) => other,
    };
    match key {
        "sign" | "sign-change" | "modify" => {
            next.push(in_force(t, m, status));
            next.push(t.t1("next-told", "who", &other));
        }
        "stop" => {
            next.push(i18n::message(
                t.0,
                "next-stopped",
                &[
                    ("mandatee", format::party(&m.terms.mandatee)),
                    ("mandator", format::party(&m.terms.mandator)),
                ],
            ));
            next.push(t.t1("next-told", "who", &other));
        }
        "reject" | "withdraw" => {
            next.push(t.t("next-nothing-in-force"));
            next.push(t.t1("next-told", "who", &other));
        }
        "reject-change" | "withdraw-change" => {
            next.push(t.t("next-terms-stay"));
            next.push(t.t1("next-told", "who", &other));
        }
        _ => {}
    }
    Some(Outcome {
        title: t.t(&format!("outcome-{key}")),
        number: m.id.to_string(),
        reference: notes_of(m, mine)
            .and_then(|n| n.reference.clone())
            .unwrap_or_default(),
        next,
    })
}

/// From when the terms are in force, in words.
fn in_force(t: Tr, m: &Mandate, status: Status) -> String {
    match status {
        Status::Scheduled => t.t1(
            "next-in-force-from",
            "from",
            &format::date(m.terms.valid_from),
        ),
        Status::Active => match m.terms.valid_until {
            Some(u) => t.t1("next-in-force-until", "until", &format::date(u)),
            None => t.t("next-in-force"),
        },
        _ => t.t("next-not-in-force"),
    }
}
