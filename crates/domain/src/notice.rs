//! Who is told what: the notices a change of a mandate causes, and those that time brings
//! (a reminder, a lapse, an expiry). Pure: the service writes what this decides, in the
//! transaction of the change or of the scheduler's run.
//!
//! The matrix (also in the README):
//!
//! | what happened | who is told |
//! |---|---|
//! | a mandate waits for a signature (created, or a transfer asked) | the party that must sign, with the deadline |
//! | a change of terms waits for a signature | the other party, with the deadline and the change |
//! | in force; a change of terms in force | both parties (the one whose signature brought it: in its inbox, read, no mail) |
//! | rejected, withdrawn, stopped, narrowed; a change rejected or withdrawn | both parties (the one that acted: in its inbox, read, no mail) |
//! | a transfer asked | the old mandatee: it ends when the new one is signed |
//! | a transfer done | the old mandatee: it ended, and when |
//! | a transfer voided | the new mandatee and the mandator |
//! | 5 days before a proposal lapses | the party that must sign (once; not if made less than 5 days before) |
//! | 5 days before a proposed change of terms lapses | the party that must sign it (likewise) |
//! | lapsed, expired; a change of terms lapsed | both parties |
//! | 30 days before a fixed term ends | both parties (once; not if it came into force less than 30 days before) |
//! | a role given, taken, or ended at its last day | the person who holds it |
//!
//! An enterprise is told in its inbox; its legal representatives and the managers of the
//! mandate's domain are mailed.

use std::collections::HashMap;

use chrono::Duration;
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use crate::Party;
use crate::mandate::{BaseStatus, Event, EventKind, Mandate, Side, Status};
use crate::roles::EnterpriseRole;
use crate::time::Instant;

/// How long before a proposal lapses its signer is reminded.
pub const REMIND_LAPSE_DAYS: i64 = 5;
/// How long before a fixed term ends both parties are reminded.
pub const REMIND_END_DAYS: i64 = 30;

/// What a notice says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    AwaitingSignature,
    ChangeAwaiting,
    InForce,
    ChangeInForce,
    Rejected,
    Withdrawn,
    Stopped,
    Narrowed,
    ChangeRejected,
    ChangeWithdrawn,
    TransferRequested,
    TransferredAway,
    TransferVoided,
    Lapsed,
    Expired,
    ReminderLapse,
    ReminderEnd,
    ChangeReminderLapse,
    ChangeLapsed,
    RoleGiven,
    RoleTaken,
    RoleEnded,
}

impl NoticeKind {
    pub const ALL: [NoticeKind; 22] = [
        NoticeKind::AwaitingSignature,
        NoticeKind::ChangeAwaiting,
        NoticeKind::InForce,
        NoticeKind::ChangeInForce,
        NoticeKind::Rejected,
        NoticeKind::Withdrawn,
        NoticeKind::Stopped,
        NoticeKind::Narrowed,
        NoticeKind::ChangeRejected,
        NoticeKind::ChangeWithdrawn,
        NoticeKind::TransferRequested,
        NoticeKind::TransferredAway,
        NoticeKind::TransferVoided,
        NoticeKind::Lapsed,
        NoticeKind::Expired,
        NoticeKind::ReminderLapse,
        NoticeKind::ReminderEnd,
        NoticeKind::ChangeReminderLapse,
        NoticeKind::ChangeLapsed,
        NoticeKind::RoleGiven,
        NoticeKind::RoleTaken,
        NoticeKind::RoleEnded,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            NoticeKind::AwaitingSignature => "awaiting_signature",
            NoticeKind::ChangeAwaiting => "change_awaiting",
            NoticeKind::InForce => "in_force",
            NoticeKind::ChangeInForce => "change_in_force",
            NoticeKind::Rejected => "rejected",
            NoticeKind::Withdrawn => "withdrawn",
            NoticeKind::Stopped => "stopped",
            NoticeKind::Narrowed => "narrowed",
            NoticeKind::ChangeRejected => "change_rejected",
            NoticeKind::ChangeWithdrawn => "change_withdrawn",
            NoticeKind::TransferRequested => "transfer_requested",
            NoticeKind::TransferredAway => "transferred_away",
            NoticeKind::TransferVoided => "transfer_voided",
            NoticeKind::Lapsed => "lapsed",
            NoticeKind::Expired => "expired",
            NoticeKind::ReminderLapse => "reminder_lapse",
            NoticeKind::ReminderEnd => "reminder_end",
            NoticeKind::ChangeReminderLapse => "change_reminder_lapse",
            NoticeKind::ChangeLapsed => "change_lapsed",
            NoticeKind::RoleGiven => "role_given",
            NoticeKind::RoleTaken => "role_taken",
            NoticeKind::RoleEnded => "role_ended",
        }
    }

    pub fn parse(s: &str) -> Option<NoticeKind> {
        NoticeKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// What a mandate must still be when a reminder is mailed: a reminder for a mandate that
/// changed since is not sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Still {
    pub mandate: Uuid,
    pub status: Status,
    pub version: u32,
    /// The proposed change of terms a reminder is about, which must still wait.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proposal: Option<u32>,
}

impl Still {
    /// Whether the mandate is still as the reminder found it.
    pub fn holds(&self, m: &Mandate, now: Instant) -> bool {
        m.id == self.mandate
            && m.version == self.version
            && m.status_at(now) == self.status
            && self
                .proposal
                .is_none_or(|v| m.live_proposal(now).is_some_and(|p| p.version == v))
    }
}

/// One party told one thing about a mandate.
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    /// Whose inbox.
    pub party: Party,
    pub kind: NoticeKind,
    /// The mandate it is about (none for a role).
    pub mandate: Option<Uuid>,
    /// The domain of what it is about: an enterprise's managers of that domain are told.
    pub domain: Option<String>,
    /// The party acted itself: the notice is kept in its inbox as read, and not mailed.
    pub by_self: bool,
    /// What the text says (see [`detail`]).
    pub detail: serde_json::Value,
    /// Written once under this key (notices that time brings).
    pub once_key: Option<String>,
    /// A reminder is mailed only while this holds.
    pub still: Option<Still>,
}

/// What a notice's text needs of a mandate, for the party on `side`.
pub fn detail(m: &Mandate, side: Side, at: Instant) -> serde_json::Value {
    let other = m.terms.party(side.other());
    json!({
        "mandate": m.id,
        "domain": m.terms.domain,
        "types": m.terms.types,
        "mandator": m.terms.mandator,
        "mandatee": m.terms.mandatee,
        "side": side,
        "other": other,
        "valid_from": m.terms.valid_from,
        "valid_until": m.terms.valid_until,
        "at": at,
    })
}

/// A notice of event `e` to the party on `side`; `actor`: who acted (the party of the
/// event, or of the signature that brought it).
fn notice(m: &Mandate, side: Side, kind: NoticeKind, e: &Event, actor: Option<&Party>) -> Notice {
    let party = m.terms.party(side).clone();
    let by_self = actor == Some(&party);
    let mut detail = detail(m, side, e.at);
    detail["by_self"] = json!(by_self);
    Notice {
        party,
        kind,
        mandate: Some(m.id),
        domain: Some(m.terms.domain.clone()),
        by_self,
        detail,
        once_key: None,
        still: None,
    }
}

fn both(m: &Mandate, kind: NoticeKind, e: &Event, actor: Option<&Party>) -> Vec<Notice> {
    [Side::Mandator, Side::Mandatee]
        .into_iter()
        .map(|side| notice(m, side, kind, e, actor))
        .collect()
}

/// The notices of one change: its events, and the mandates it wrote as they stand after it.
pub fn of_change(events: &[Event], after: &[&Mandate]) -> Vec<Notice> {
    let by_id: HashMap<Uuid, &Mandate> = after.iter().map(|m| (m.id, *m)).collect();
    let mut notices = Vec::new();
    // Who signed each mandate in this change: the signature that brings a mandate into
    // force is that party's own act.
    let mut signed_by: HashMap<Uuid, &Party> = HashMap::new();
    for e in events {
        let Some(m) = by_id.get(&e.mandate_id).copied() else {
            continue;
        };
        let actor = e.party.as_ref();
        let to_both = |kind| both(m, kind, e, actor);
        match e.kind {
            EventKind::Created => {
                if m.status == BaseStatus::Pending {
                    for side in m.unsigned_sides() {
                        let mut n = notice(m, side, NoticeKind::AwaitingSignature, e, actor);
                        n.detail["deadline"] = json!(m.lapses_at);
                        n.detail["transfer_of"] = json!(m.transfer_of);
                        notices.push(n);
                    }
                }
            }
            EventKind::Signed => {
                if let Some(p) = actor {
                    signed_by.insert(e.mandate_id, p);
                }
            }
            EventKind::Activated => {
                let signer = actor.or(signed_by.get(&e.mandate_id).copied());
                notices.extend(both(m, NoticeKind::InForce, e, signer));
            }
            EventKind::ChangeSigned => notices.extend(to_both(NoticeKind::ChangeInForce)),
            EventKind::Rejected => notices.extend(to_both(NoticeKind::Rejected)),
            EventKind::Withdrawn => notices.extend(to_both(NoticeKind::Withdrawn)),
            EventKind::Stopped => notices.extend(to_both(NoticeKind::Stopped)),
            EventKind::ChangeRejected => notices.extend(to_both(NoticeKind::ChangeRejected)),
            EventKind::ChangeWithdrawn => notices.extend(to_both(NoticeKind::ChangeWithdrawn)),
            EventKind::Narrowed => notices.extend(to_both(NoticeKind::Narrowed)),
            EventKind::ChangeProposed => {
                if let Some(p) = &m.proposal {
                    let mut n = notice(
                        m,
                        p.proposed_by.other(),
                        NoticeKind::ChangeAwaiting,
                        e,
                        actor,
                    );
                    n.detail["deadline"] = json!(p.lapses_at);
                    n.detail["before"] =
                        json!({"valid_until": m.terms.valid_until, "types": m.terms.types});
                    n.detail["after"] =
                        json!({"valid_until": p.terms.valid_until, "types": p.terms.types});
                    notices.push(n);
                }
            }
            EventKind::TransferRequested => {
                let mut n = notice(m, Side::Mandatee, NoticeKind::TransferRequested, e, actor);
                n.detail["transfer_to"] = json!(m.transfer_to);
                if let Some(new) = m.transfer_to.and_then(|t| by_id.get(&t)) {
                    n.detail["deadline"] = json!(new.lapses_at);
                    n.detail["new_mandatee"] = json!(new.terms.mandatee);
                }
                notices.push(n);
            }
            EventKind::TransferredAway => {
                let mut n = notice(m, Side::Mandatee, NoticeKind::TransferredAway, e, actor);
                n.detail["transfer_to"] = json!(m.transfer_to);
                notices.push(n);
            }
            EventKind::TransferVoided => {
                for mut n in to_both(NoticeKind::TransferVoided) {
                    n.detail["transfer_of"] = json!(m.transfer_of);
                    notices.push(n);
                }
            }
            EventKind::NotesChanged => {}
        }
    }
    notices
}

/// The notice to a person of a role given to them or taken from them.
pub fn of_role(role: &EnterpriseRole, given: bool, acted_by_self: bool, at: Instant) -> Notice {
    Notice {
        party: Party::Person(role.person.clone()),
        kind: if given {
            NoticeKind::RoleGiven
        } else {
            NoticeKind::RoleTaken
        },
        mandate: None,
        domain: role.domain.clone(),
        by_self: acted_by_self,
        detail: json!({
            "enterprise": role.enterprise,
            "role": role.kind.as_str(),
            "domain": role.domain,
            "types": role.types,
            "valid_from": role.valid_from,
            "valid_until": role.valid_until,
            "at": at,
            "by_self": acted_by_self,
        }),
        once_key: None,
        still: None,
    }
}

/// The notice to a person that a role reached its last day, if it did not end before (a
/// role ended by hand was told then).
pub fn of_role_end(role: &EnterpriseRole, now: Instant) -> Option<Notice> {
    let last = role.valid_until?;
    let end = crate::time::end_of_day(last);
    if now < end || role.ended_at.is_some_and(|e| e < end) {
        return None;
    }
    let mut n = of_role(role, false, false, now);
    n.kind = NoticeKind::RoleEnded;
    n.once_key = Some(format!("role_ended:{}:{last}", role.id));
    Some(n)
}

/// What the scheduler looks for, each at its own instant of a mandate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Due {
    /// [`REMIND_LAPSE_DAYS`] before a pending mandate's deadline.
    ReminderLapse,
    /// At a pending mandate's deadline.
    Lapsed,
    /// [`REMIND_END_DAYS`] before a signed mandate's end.
    ReminderEnd,
    /// At a signed mandate's end.
    Expired,
    /// [`REMIND_LAPSE_DAYS`] before the deadline of a proposed change of terms.
    ChangeReminderLapse,
    /// At the deadline of a proposed change of terms.
    ChangeLapsed,
}

/// The instant of a mandate at which a [`Due`] is found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DueAt {
    /// The deadline of a pending mandate.
    Deadline,
    /// The deadline of a proposed change of terms.
    ChangeDeadline,
    /// The end of a signed mandate's period.
    End,
}

impl Due {
    pub const ALL: [Due; 6] = [
        Due::ReminderLapse,
        Due::Lapsed,
        Due::ReminderEnd,
        Due::Expired,
        Due::ChangeReminderLapse,
        Due::ChangeLapsed,
    ];

    /// The scheduler's name for it (its mark in the store).
    pub fn name(self) -> &'static str {
        match self {
            Due::ReminderLapse => "reminder_lapse",
            Due::Lapsed => "lapsed",
            Due::ReminderEnd => "reminder_end",
            Due::Expired => "expired",
            Due::ChangeReminderLapse => "change_reminder_lapse",
            Due::ChangeLapsed => "change_lapsed",
        }
    }

    /// The instant of a mandate it is found at.
    pub fn at(self) -> DueAt {
        match self {
            Due::ReminderLapse | Due::Lapsed => DueAt::Deadline,
            Due::ChangeReminderLapse | Due::ChangeLapsed => DueAt::ChangeDeadline,
            Due::ReminderEnd | Due::Expired => DueAt::End,
        }
    }

    /// How long before the instant it falls due.
    pub fn lead(self) -> Duration {
        match self {
            Due::ReminderLapse | Due::ChangeReminderLapse => Duration::days(REMIND_LAPSE_DAYS),
            Due::ReminderEnd => Duration::days(REMIND_END_DAYS),
            Due::Lapsed | Due::Expired | Due::ChangeLapsed => Duration::zero(),
        }
    }

    /// The notices it brings for a mandate at `now` (none when the mandate is no longer
    /// as it must be, or was made too late for a reminder to tell anything new).
    pub fn notices(self, m: &Mandate, now: Instant) -> Vec<Notice> {
        let status = m.status_at(now);
        // The proposed change of terms a notice is about.
        let mut proposal = None;
        let (kind, sides, instant): (NoticeKind, Vec<Side>, Option<Instant>) = match self {
            Due::ReminderLapse => {
                let Some(deadline) = m.lapses_at else {
                    return Vec::new();
                };
                if status != Status::Pending || m.created_at > deadline - self.lead() {
                    return Vec::new();
                }
                (
                    NoticeKind::ReminderLapse,
                    m.unsigned_sides(),
                    Some(deadline),
                )
            }
            Due::Lapsed => {
                if status != Status::Lapsed {
                    return Vec::new();
                }
                (
                    NoticeKind::Lapsed,
                    vec![Side::Mandator, Side::Mandatee],
                    m.lapses_at,
                )
            }
            Due::ReminderEnd => {
                let (_, Some(end)) = m.terms.period() else {
                    return Vec::new();
                };
                let since = m.history.last().map_or(m.created_at, |h| h.from);
                if !status.is_signed_in_effect() || since > end - self.lead() {
                    return Vec::new();
                }
                (
                    NoticeKind::ReminderEnd,
                    vec![Side::Mandator, Side::Mandatee],
                    Some(end),
                )
            }
            Due::Expired => {
                if status != Status::Expired {
                    return Vec::new();
                }
                (
                    NoticeKind::Expired,
                    vec![Side::Mandator, Side::Mandatee],
                    m.terms.period().1,
                )
            }
            Due::ChangeReminderLapse => {
                let Some(p) = m.live_proposal(now) else {
                    return Vec::new();
                };
                if p.proposed_at > p.lapses_at - self.lead() {
                    return Vec::new();
                }
                proposal = Some(p);
                (
                    NoticeKind::ChangeReminderLapse,
                    vec![p.proposed_by.other()],
                    Some(p.lapses_at),
                )
            }
            Due::ChangeLapsed => {
                // Lapsed while the mandate held (a change of a mandate that ended first
                // goes with it, and its end was told).
                let Some(p) = m.proposal.as_ref().filter(|p| {
                    now >= p.lapses_at && m.status_at(p.lapses_at).is_signed_in_effect()
                }) else {
                    return Vec::new();
                };
                proposal = Some(p);
                (
                    NoticeKind::ChangeLapsed,
                    vec![Side::Mandator, Side::Mandatee],
                    Some(p.lapses_at),
                )
            }
        };
        let key = format!(
            "{}:{}:{}:{}",
            self.name(),
            m.id,
            proposal.map_or(m.version, |p| p.version),
            instant.map(|i| i.timestamp()).unwrap_or_default()
        );
        sides
            .into_iter()
            .map(|side| {
                let mut detail = detail(m, side, now);
                detail["deadline"] = json!(instant);
                if let Some(p) = proposal {
                    detail["before"] =
                        json!({"valid_until": m.terms.valid_until, "types": m.terms.types});
                    detail["after"] =
                        json!({"valid_until": p.terms.valid_until, "types": p.terms.types});
                }
                Notice {
                    party: m.terms.party(side).clone(),
                    kind,
                    mandate: Some(m.id),
                    domain: Some(m.terms.domain.clone()),
                    by_self: false,
                    detail,
                    once_key: Some(format!("{key}:{}", side.as_str())),
                    still: matches!(
                        self,
                        Due::ReminderLapse | Due::ReminderEnd | Due::ChangeReminderLapse
                    )
                    .then(|| Still {
                        mandate: m.id,
                        status,
                        version: m.version,
                        proposal: proposal.map(|p| p.version),
                    }),
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests;
