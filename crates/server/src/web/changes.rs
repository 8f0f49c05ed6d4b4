//! What a change of terms changes, in words: the types added and removed, the first and
//! last day before → after. Shown where a change is signed, on the mandate while a proposed
//! change waits, and in the history.

use chrono::NaiveDate;
use mandates_domain::mandate::Terms;
use mandates_store::{EventKind, StoredEvent};

use super::page::Tr;
use super::rows::type_names;
use crate::AppState;
use crate::text as format;

/// One line of a change: what (as a label) and how it changes.
pub struct Change {
    pub label: String,
    pub value: String,
    /// The same in a sentence's words, for the history.
    pub inline: String,
}

fn day(t: Tr, d: Option<NaiveDate>) -> String {
    d.map_or_else(|| t.t("change-no-end"), format::date)
}

/// The lines of a change from `before` to `after`, in the order people read a mandate:
/// types, first day, last day.
pub fn changes(state: &AppState, t: Tr, before: &Terms, after: &Terms) -> Vec<Change> {
    let mut lines = Vec::new();
    let names = |codes: Vec<String>| type_names(state, t.0, &codes);
    let added: Vec<String> = after.types.difference(&before.types).cloned().collect();
    let removed: Vec<String> = before.types.difference(&after.types).cloned().collect();
    for (codes, key) in [(added, "added"), (removed, "removed")] {
        if !codes.is_empty() {
            let types = names(codes);
            lines.push(Change {
                label: t.t(&format!("change-{key}-label")),
                inline: t.t1(&format!("change-{key}"), "types", &types),
                value: types,
            });
        }
    }
    let periods = [
        ("start", Some(before.valid_from), Some(after.valid_from)),
        ("end", before.valid_until, after.valid_until),
    ];
    for (key, old, new) in periods {
        if old != new {
            let (old, new) = (day(t, old), day(t, new));
            lines.push(Change {
                label: t.t(&format!("change-{key}-label")),
                value: t.t2("change-from-to", ("before", &old), ("after", &new)),
                inline: crate::i18n::message(
                    t.0,
                    &format!("change-{key}"),
                    &[("before", old), ("after", new)],
                ),
            });
        }
    }
    lines
}

/// The terms an event of the history records as in force after it (creation, a narrowing,
/// a change signed), if it records any.
fn terms_after(e: &StoredEvent) -> Option<Terms> {
    use mandates_domain::mandate::EventKind as Kind;
    match e.kind {
        EventKind::Mandate(Kind::Created | Kind::Narrowed | Kind::ChangeSigned) => {
            serde_json::from_value(e.detail.clone()).ok()
        }
        _ => None,
    }
}

/// The terms a proposed change would bring, as its event records them.
fn terms_proposed(e: &StoredEvent) -> Option<Terms> {
    use mandates_domain::mandate::EventKind as Kind;
    match e.kind {
        EventKind::Mandate(Kind::ChangeProposed) => {
            serde_json::from_value(e.detail.get("terms")?.clone()).ok()
        }
        _ => None,
    }
}

/// For each event of a history (oldest first), what it changed in words: a narrowing, a
/// change proposed or signed says what changes; other events say nothing more.
pub fn history_changes(state: &AppState, t: Tr, events: &[StoredEvent]) -> Vec<String> {
    let mut in_force: Option<Terms> = None;
    events
        .iter()
        .map(|e| {
            let new = terms_proposed(e).or_else(|| terms_after(e));
            let said = match (&in_force, &new) {
                (Some(old), Some(new)) if old != new => changes(state, t, old, new)
                    .into_iter()
                    .map(|c| c.inline)
                    .collect::<Vec<_>>()
                    .join("; "),
                _ => String::new(),
            };
            if let Some(terms) = terms_after(e) {
                in_force = Some(terms);
            }
            said
        })
        .collect()
}
