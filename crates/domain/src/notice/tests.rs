//! The matrix of who is told what, on mandates made and moved by the lifecycle's own rules.

use std::sync::LazyLock;

use chrono::TimeDelta;

use super::*;
use crate::actor::{Actor, AuthContext};
use crate::catalog::Catalog;
use crate::mandate::{Draft, SignOutcome, TermsChange};
use crate::{Insz, Party};

const ANN: &str = "85073003328";
const BOB: &str = "90010112395";
const CAT: &str = "78021545667";

static CATALOG: LazyLock<Catalog> = LazyLock::new(|| {
    Catalog::default_catalog().unwrap_or_else(|e| panic!("the default catalog: {e}"))
});

fn t0() -> Instant {
    "2027-03-01T10:00:00Z"
        .parse()
        .unwrap_or_else(|e| panic!("instant: {e}"))
}

fn person(number: &str) -> Actor {
    Actor::myself(
        Insz::parse(number).unwrap_or_else(|e| panic!("insz: {e}")),
        AuthContext::default(),
    )
}

fn party(number: &str) -> Party {
    Party::parse(number).unwrap_or_else(|e| panic!("party: {e}"))
}

/// Ann gives Bob her tax file until the end of 2027.
fn proposed() -> (Mandate, Vec<Event>) {
    let draft = Draft {
        domain: "fin".into(),
        types: vec!["fin.myminfin_consult".into()],
        mandator: ANN.into(),
        mandatee: BOB.into(),
        valid_until: Some("2027-12-31".into()),
        ..Draft::default()
    };
    Mandate::create(Uuid::new_v4(), &draft, &person(ANN), &CATALOG, t0())
        .unwrap_or_else(|e| panic!("create: {e:?}"))
}

fn active() -> Mandate {
    let (mut m, _) = proposed();
    let (outcome, _) = m
        .sign(&person(BOB), 1, &[], &CATALOG, t0() + TimeDelta::hours(1))
        .unwrap_or_else(|e| panic!("sign: {e:?}"));
    assert_eq!(outcome, SignOutcome::Activated { replaces: None });
    m
}

/// (whose inbox, what, acted themselves) of each notice.
fn told(notices: &[Notice]) -> Vec<(Party, NoticeKind, bool)> {
    notices
        .iter()
        .map(|n| (n.party.clone(), n.kind, n.by_self))
        .collect()
}

#[test]
fn a_proposal_tells_the_party_that_must_sign_with_the_deadline() {
    let (m, events) = proposed();
    let notices = of_change(&events, &[&m]);
    assert_eq!(
        told(&notices),
        [(party(BOB), NoticeKind::AwaitingSignature, false)]
    );
    assert_eq!(notices[0].detail["deadline"], json!(m.lapses_at));
    assert_eq!(notices[0].detail["side"], json!("mandatee"));
    assert_eq!(notices[0].detail["other"], json!(ANN));
}

#[test]
fn coming_into_force_tells_the_other_party_and_keeps_a_read_copy_for_the_last_signer() {
    let (mut m, _) = proposed();
    let (_, events) = m
        .sign(&person(BOB), 1, &[], &CATALOG, t0() + TimeDelta::hours(1))
        .unwrap_or_else(|e| panic!("sign: {e:?}"));
    let notices = of_change(&events, &[&m]);
    assert_eq!(
        told(&notices),
        [
            (party(ANN), NoticeKind::InForce, false),
            (party(BOB), NoticeKind::InForce, true),
        ]
    );
}

#[test]
fn a_stop_tells_the_other_party_and_keeps_a_read_copy_for_the_one_that_stopped() {
    let mut m = active();
    let events = m
        .stop(&person(BOB), t0() + TimeDelta::days(2))
        .unwrap_or_else(|e| panic!("stop: {e:?}"));
    let notices = of_change(&events, &[&m]);
    assert_eq!(
        told(&notices),
        [
            (party(ANN), NoticeKind::Stopped, false),
            (party(BOB), NoticeKind::Stopped, true),
        ]
    );
}

#[test]
fn a_wider_change_waits_for_the_other_party_and_says_what_changes() {
    let mut m = active();
    let change = TermsChange {
        valid_until: Some(Some("2028-06-30".into())),
        ..TermsChange::default()
    };
    let events = m
        .modify(
            &person(ANN),
            1,
            &change,
            &CATALOG,
            t0() + TimeDelta::days(2),
        )
        .unwrap_or_else(|e| panic!("modify: {e:?}"));
    let notices = of_change(&events, &[&m]);
    assert_eq!(
        told(&notices),
        [(party(BOB), NoticeKind::ChangeAwaiting, false)]
    );
    assert_eq!(
        notices[0].detail["before"]["valid_until"],
        json!("2027-12-31")
    );
    assert_eq!(
        notices[0].detail["after"]["valid_until"],
        json!("2028-06-30")
    );
}

#[test]
fn a_transfer_tells_the_old_mandatee_and_the_new_one() {
    let mut m = active();
    let now = t0() + TimeDelta::days(3);
    let (new, old_events, new_events) = m
        .transfer(&person(ANN), Uuid::new_v4(), CAT, false, &CATALOG, now)
        .unwrap_or_else(|e| panic!("transfer: {e:?}"));
    let mut events = old_events;
    events.extend(new_events);
    let notices = of_change(&events, &[&m, &new]);
    assert_eq!(
        told(&notices),
        [
            (party(BOB), NoticeKind::TransferRequested, false),
            (party(CAT), NoticeKind::AwaitingSignature, false),
        ]
    );
    assert_eq!(notices[0].detail["deadline"], json!(new.lapses_at));
    assert_eq!(notices[1].detail["transfer_of"], json!(m.id));
}

#[test]
fn a_reminder_falls_due_five_days_before_the_deadline_once_per_version() {
    let (m, _) = proposed();
    let deadline = m.lapses_at.unwrap_or_else(|| panic!("a deadline"));
    let at = deadline - TimeDelta::days(REMIND_LAPSE_DAYS);
    let notices = Due::ReminderLapse.notices(&m, at);
    assert_eq!(
        told(&notices),
        [(party(BOB), NoticeKind::ReminderLapse, false)]
    );
    let key = notices[0].once_key.clone();
    assert_eq!(
        Due::ReminderLapse.notices(&m, at + TimeDelta::hours(1))[0].once_key,
        key
    );
    let still = notices[0]
        .still
        .clone()
        .unwrap_or_else(|| panic!("a reminder holds"));
    assert!(still.holds(&m, at));
    // Signed since: no reminder now, and the one written before no longer holds.
    let mut signed = m.clone();
    signed
        .sign(&person(BOB), 1, &[], &CATALOG, at)
        .unwrap_or_else(|e| panic!("sign: {e:?}"));
    assert!(Due::ReminderLapse.notices(&signed, at).is_empty());
    assert!(!still.holds(&signed, at));
    // Past the deadline: lapsed, both told.
    assert_eq!(
        told(&Due::Lapsed.notices(&m, deadline)),
        [
            (party(ANN), NoticeKind::Lapsed, false),
            (party(BOB), NoticeKind::Lapsed, false),
        ]
    );
    assert!(
        Due::Lapsed
            .notices(&m, deadline - TimeDelta::seconds(1))
            .is_empty()
    );
}

#[test]
fn a_fixed_term_is_reminded_thirty_days_before_its_end_then_expires() {
    let m = active();
    let (_, end) = m.terms.period();
    let end = end.unwrap_or_else(|| panic!("a fixed term"));
    let notices = Due::ReminderEnd.notices(&m, end - TimeDelta::days(REMIND_END_DAYS));
    assert_eq!(
        told(&notices),
        [
            (party(ANN), NoticeKind::ReminderEnd, false),
            (party(BOB), NoticeKind::ReminderEnd, false),
        ]
    );
    assert_ne!(
        notices[0].once_key, notices[1].once_key,
        "one key per party"
    );
    assert!(
        Due::Expired
            .notices(&m, end - TimeDelta::seconds(1))
            .is_empty()
    );
    assert_eq!(Due::Expired.notices(&m, end).len(), 2);
    // A stopped mandate neither is reminded nor expires.
    let mut stopped = m.clone();
    stopped
        .stop(&person(ANN), end - TimeDelta::days(40))
        .unwrap_or_else(|e| panic!("stop: {e:?}"));
    assert!(
        Due::ReminderEnd
            .notices(&stopped, end - TimeDelta::days(30))
            .is_empty()
    );
    assert!(Due::Expired.notices(&stopped, end).is_empty());
}

#[test]
fn a_proposal_made_within_five_days_of_its_deadline_gets_no_reminder() {
    let (mut m, _) = proposed();
    let deadline = m.lapses_at.unwrap_or_else(|| panic!("a deadline"));
    m.created_at = deadline - TimeDelta::days(2);
    assert!(
        Due::ReminderLapse
            .notices(&m, deadline - TimeDelta::days(1))
            .is_empty()
    );
}

/// Ann proposes to Bob to keep the mandate half a year longer.
fn change_proposed() -> Mandate {
    let mut m = active();
    let change = TermsChange {
        valid_until: Some(Some("2028-06-30".into())),
        ..TermsChange::default()
    };
    m.modify(
        &person(ANN),
        1,
        &change,
        &CATALOG,
        t0() + TimeDelta::days(2),
    )
    .unwrap_or_else(|e| panic!("modify: {e:?}"));
    m
}

#[test]
fn a_proposed_change_is_reminded_to_its_signer_then_its_lapse_told_to_both() {
    let m = change_proposed();
    let p = m.proposal.clone().unwrap_or_else(|| panic!("a proposal"));
    let at = p.lapses_at - TimeDelta::days(REMIND_LAPSE_DAYS);
    let reminders = Due::ChangeReminderLapse.notices(&m, at);
    assert_eq!(
        told(&reminders),
        [(party(BOB), NoticeKind::ChangeReminderLapse, false)]
    );
    assert_eq!(reminders[0].detail["deadline"], json!(p.lapses_at));
    assert_eq!(
        reminders[0].detail["after"]["valid_until"],
        json!("2028-06-30")
    );
    let still = reminders[0]
        .still
        .clone()
        .unwrap_or_else(|| panic!("a reminder is sent only while it holds"));
    assert!(still.holds(&m, at));
    assert!(
        !still.holds(&m, p.lapses_at),
        "a reminder not yet mailed when the change lapsed is not mailed"
    );
    // Neither the reminder nor the lapse of a mandate that is not pending.
    assert!(Due::ReminderLapse.notices(&m, at).is_empty());
    assert!(Due::Lapsed.notices(&m, p.lapses_at).is_empty());

    assert!(
        Due::ChangeLapsed
            .notices(&m, p.lapses_at - TimeDelta::seconds(1))
            .is_empty()
    );
    let lapsed = Due::ChangeLapsed.notices(&m, p.lapses_at);
    assert_eq!(
        told(&lapsed),
        [
            (party(ANN), NoticeKind::ChangeLapsed, false),
            (party(BOB), NoticeKind::ChangeLapsed, false),
        ]
    );
    assert_ne!(lapsed[0].once_key, reminders[0].once_key);
    assert_eq!(
        Due::ChangeLapsed.notices(&m, p.lapses_at + TimeDelta::days(3))[0].once_key,
        lapsed[0].once_key,
        "found again later, it is the same notice"
    );
}

#[test]
fn a_change_of_a_mandate_stopped_before_its_deadline_does_not_lapse_aloud() {
    let mut m = change_proposed();
    let p = m.proposal.clone().unwrap_or_else(|| panic!("a proposal"));
    let at = p.lapses_at - TimeDelta::days(REMIND_LAPSE_DAYS);
    let still = Due::ChangeReminderLapse.notices(&m, at)[0]
        .still
        .clone()
        .unwrap_or_else(|| panic!("a reminder holds a condition"));
    m.stop(&person(BOB), at + TimeDelta::hours(1))
        .unwrap_or_else(|e| panic!("stop: {e:?}"));
    assert!(!still.holds(&m, at + TimeDelta::hours(2)));
    assert!(Due::ChangeLapsed.notices(&m, p.lapses_at).is_empty());
}
