//! Unit tests of the mandate lifecycle. Time is always a parameter: every test starts from
//! `t0()` (2027-03-01, 11:00 in Brussels) and moves forward.

use std::collections::BTreeSet;
use std::fmt::Debug;
use std::slice;
use std::sync::LazyLock;

use chrono::{NaiveDate, TimeDelta};

use super::*;
use crate::actor::AuthContext;
use crate::catalog::Catalog;
use crate::error::DomainError;
use crate::error::ErrorKind;
use crate::roles::{EnterpriseRole, RoleKind};
use crate::{Insz, Kbo, Lang};

type TestResult = Result<(), DomainError>;

/// A person who gives mandates.
const ANN: &str = "85073003328";
/// Her accountant.
const BOB: &str = "90010112395";
/// Another accountant.
const CAT: &str = "78021545667";
/// A stranger to Ann's mandates.
const DAN: &str = "05061207730";
/// An employee of ACME.
const EVE: &str = "62092301281";
const ACME: &str = "0203201340";
const FIRM: &str = "0412345614";

static CATALOG: LazyLock<Catalog> = LazyLock::new(|| {
    Catalog::default_catalog().unwrap_or_else(|e| panic!("the default catalog: {e}"))
});

// ---- fixture --------------------------------------------------------------------------------

fn instant(text: &str) -> Instant {
    text.parse()
        .unwrap_or_else(|e| panic!("instant {text}: {e}"))
}

fn date(text: &str) -> NaiveDate {
    text.parse().unwrap_or_else(|e| panic!("date {text}: {e}"))
}

/// 2027-03-01, 11:00 in Brussels.
fn t0() -> Instant {
    instant("2027-03-01T10:00:00Z")
}

fn secs(n: i64) -> TimeDelta {
    TimeDelta::seconds(n)
}

fn days(n: i64) -> TimeDelta {
    TimeDelta::days(n)
}

fn insz(text: &str) -> Insz {
    Insz::parse(text).unwrap_or_else(|e| panic!("insz {text}: {e}"))
}

fn party(text: &str) -> Party {
    Party::parse(text).unwrap_or_else(|e| panic!("party {text}: {e}"))
}

fn person(number: &str) -> Actor {
    Actor::myself(insz(number), AuthContext::default())
}

/// Eve acting for ACME with one role.
fn eve_for_acme(kind: RoleKind, domain: Option<&str>) -> Actor {
    let acme = Kbo::parse(ACME).unwrap_or_else(|e| panic!("kbo: {e}"));
    let role = EnterpriseRole {
        id: Uuid::new_v4(),
        enterprise: acme.clone(),
        person: insz(EVE),
        kind,
        domain: domain.map(str::to_owned),
        types: Vec::new(),
        valid_from: date("2020-01-01"),
        valid_until: None,
        ended_at: None,
        assigned_at: instant("2020-01-01T00:00:00Z"),
    };
    Actor::for_enterprise(insz(EVE), AuthContext::default(), acme, vec![role], t0())
        .unwrap_or_else(|e| panic!("eve for acme: {e}"))
}

/// The default catalog with one type retired.
fn catalog_with_retired(code: &str) -> Catalog {
    let mut catalog = CATALOG.clone();
    for t in catalog.domains.iter_mut().flat_map(|d| d.types.iter_mut()) {
        t.retired |= t.code == code;
    }
    catalog
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

/// Ann gives `mandatee` these `fin` types from today until the end of 2027.
fn draft(types: &[&str], mandatee: &str) -> Draft {
    Draft {
        domain: "fin".into(),
        types: strings(types),
        mandator: ANN.into(),
        mandatee: mandatee.into(),
        valid_until: Some("2027-12-31".into()),
        ..Draft::default()
    }
}

/// Ann's income tax return (exclusive) to `mandatee`, until the end of 2027.
fn tax(mandatee: &str) -> Draft {
    draft(&["fin.tax_on_web"], mandatee)
}

/// Ann's administrative file as a care provider to `mandatee`, until the end of 2027.
fn ehealth(mandatee: &str) -> Draft {
    Draft {
        domain: EHEALTH_DOMAIN.into(),
        types: strings(&["ehealth.riziv_admin_file"]),
        ..draft(&[], mandatee)
    }
}

fn create_as(draft: &Draft, actor: &Actor, now: Instant) -> Result<Mandate, DomainError> {
    Mandate::create(Uuid::new_v4(), draft, actor, &CATALOG, now).map(|(m, _)| m)
}

fn create(draft: &Draft, by: &str, now: Instant) -> Result<Mandate, DomainError> {
    create_as(draft, &person(by), now)
}

/// When `active` mandates became active.
fn activated_at() -> Instant {
    t0() + TimeDelta::hours(1)
}

/// Created by Ann at `t0()`, signed by the mandatee at `activated_at()`.
fn active(draft: &Draft) -> Result<Mandate, DomainError> {
    let mut m = create(draft, ANN, t0())?;
    m.sign(&person(&draft.mandatee), 1, &[], &CATALOG, activated_at())?;
    Ok(m)
}

fn until(day: &str) -> TermsChange {
    TermsChange {
        valid_until: Some(Some(day.into())),
        ..TermsChange::default()
    }
}

fn types(codes: &[&str]) -> TermsChange {
    TermsChange {
        types: Some(strings(codes)),
        ..TermsChange::default()
    }
}

fn proposed_at() -> Instant {
    t0() + days(1)
}

/// Bob proposes to extend the mandate to the end of 2028 (a widening).
fn propose_extension(m: &mut Mandate) -> Result<Vec<Event>, DomainError> {
    m.modify(
        &person(BOB),
        1,
        &until("2028-12-31"),
        &CATALOG,
        proposed_at(),
    )
}

/// Ann's active tax mandate to Bob, with Bob's live proposal to extend it.
fn with_proposal() -> Result<Mandate, DomainError> {
    let mut m = active(&tax(BOB))?;
    propose_extension(&mut m)?;
    Ok(m)
}

fn transfer_asked_at() -> Instant {
    t0() + days(1)
}

/// Ann's active tax mandate to Bob and its transfer to Cat, asked by `by`.
struct Transfer {
    old: Mandate,
    new: Mandate,
    old_events: Vec<Event>,
    new_events: Vec<Event>,
}

fn transfer_to_cat(by: &str) -> Result<Transfer, DomainError> {
    let mut old = active(&tax(BOB))?;
    let (new, old_events, new_events) = old.transfer(
        &person(by),
        Uuid::new_v4(),
        CAT,
        false,
        &CATALOG,
        transfer_asked_at(),
    )?;
    Ok(Transfer {
        old,
        new,
        old_events,
        new_events,
    })
}

/// The refusal of a result that should have been refused.
fn err<T: Debug>(result: Result<T, DomainError>) -> DomainError {
    match result {
        Ok(value) => panic!("expected a refusal, got {value:?}"),
        Err(e) => e,
    }
}

/// The refusal of an operation on `m`, after checking that it changed nothing.
fn refused<T: Debug>(
    m: &mut Mandate,
    op: impl FnOnce(&mut Mandate) -> Result<T, DomainError>,
) -> DomainError {
    let before = m.clone();
    let e = err(op(m));
    assert_eq!(*m, before, "the refusal {e} changed the mandate");
    e
}

fn code(e: &DomainError) -> (ErrorKind, &'static str) {
    (e.kind, e.code)
}

fn args(e: &DomainError) -> Vec<(&str, &str)> {
    e.args.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

fn fields(e: &DomainError) -> Vec<(&str, &str)> {
    e.fields
        .iter()
        .map(|f| (f.field.as_str(), f.code))
        .collect()
}

fn kinds(events: &[Event]) -> Vec<EventKind> {
    events.iter().map(|e| e.kind).collect()
}

fn version_in_force(m: &Mandate, t: Instant) -> Option<u32> {
    m.in_force_at(t).map(|e| e.version)
}

// ---- create ---------------------------------------------------------------------------------

#[test]
fn create_records_the_creators_signature_on_version_1() -> TestResult {
    let (m, events) = Mandate::create(Uuid::new_v4(), &tax(BOB), &person(ANN), &CATALOG, t0())?;
    assert_eq!((m.status, m.version), (BaseStatus::Pending, 1));
    assert_eq!(m.status_at(t0()), Status::Pending);
    assert_eq!(m.initiator, party(ANN));
    assert_eq!(
        m.signatures,
        [Signature {
            side: Side::Mandator,
            version: 1,
            person: insz(ANN),
            party: party(ANN),
            at: t0(),
            auth: AuthContext::default(),
        }]
    );
    assert_eq!(kinds(&events), [EventKind::Created, EventKind::Signed]);
    assert_eq!(m.in_force_at(t0()), None);
    Ok(())
}

#[test]
fn create_by_the_mandatee_signs_and_keeps_notes_on_the_mandatee_side() -> TestResult {
    let d = Draft {
        reference: Some("client 42".into()),
        ..tax(BOB)
    };
    let m = create(&d, BOB, t0())?;
    let sides: Vec<Side> = m.signatures.iter().map(|s| s.side).collect();
    assert_eq!(sides, [Side::Mandatee]);
    assert_eq!(m.mandatee_notes.reference.as_deref(), Some("client 42"));
    assert_eq!(m.mandator_notes, Notes::default());
    Ok(())
}

#[test]
fn create_defaults_valid_from_to_today_in_brussels() -> TestResult {
    // 22:30 UTC on 30 June is already 1 July in Brussels (summer time, UTC+2).
    let late = create(&tax(BOB), ANN, instant("2027-06-30T22:30:00Z"))?;
    assert_eq!(late.terms.valid_from, date("2027-07-01"));
    let earlier = create(&tax(BOB), ANN, instant("2027-06-30T21:30:00Z"))?;
    assert_eq!(earlier.terms.valid_from, date("2027-06-30"));
    Ok(())
}

#[test]
fn create_refuses_each_invalid_field_by_name() {
    type Edit = fn(&mut Draft);
    let cases: [(Edit, &str, &str); 20] = [
        (|d| d.domain = "taxes".into(), "domain", "unknown_domain"),
        (|d| d.types.clear(), "types", "types_empty"),
        (
            |d| d.types = strings(&["fin.nope"]),
            "types[0]",
            "unknown_type",
        ),
        (
            |d| d.types = strings(&["ehealth.consent"]),
            "types[0]",
            "unknown_type",
        ),
        (
            |d| d.types = strings(&["fin.tax_disputes"]),
            "types[0]",
            "type_retired",
        ),
        (
            |d| d.types = strings(&["fin.tax_on_web", "fin.tax_on_web"]),
            "types[1]",
            "type_repeated",
        ),
        (
            |d| d.mandator = "12345678901".into(),
            "mandator",
            "invalid_party_number",
        ),
        (|d| d.mandatee = ANN.into(), "mandatee", "same_party"),
        // Tax-on-web: the mandator is a person.
        (
            |d| d.mandator = ACME.into(),
            "mandator",
            "party_kind_not_allowed",
        ),
        // eHealth consent: the mandatee is a person.
        (
            |d| {
                d.domain = "ehealth".into();
                d.types = strings(&["ehealth.consent"]);
                d.mandatee = FIRM.into();
            },
            "mandatee",
            "party_kind_not_allowed",
        ),
        (
            |d| d.valid_from = Some("2027-02-28".into()),
            "valid_from",
            "start_in_past",
        ),
        (
            |d| d.valid_from = Some("01/03/2027".into()),
            "valid_from",
            "invalid_date",
        ),
        (
            |d| d.valid_until = Some("2027-02-28".into()),
            "valid_until",
            "end_before_start",
        ),
        (
            |d| {
                d.types = strings(&["fin.myminfin_consult"]);
                d.valid_until = None;
            },
            "valid_until",
            "unlimited_not_allowed",
        ),
        // MyMinfin: at most 1826 days; 2027-03-01..2032-02-29 is 1827.
        (
            |d| {
                d.types = strings(&["fin.myminfin_consult"]);
                d.valid_until = Some("2032-02-29".into());
            },
            "valid_until",
            "period_too_long",
        ),
        (
            |d| d.reference = Some("x".repeat(256)),
            "reference",
            "reference_too_long",
        ),
        (
            |d| d.email = Some("ann@localhost".into()),
            "email",
            "invalid_email",
        ),
        (
            |d| d.language = Some("es".into()),
            "language",
            "invalid_language",
        ),
        (
            |d| d.capacity = Some("Huisarts".into()),
            "capacity",
            "capacity_ehealth_only",
        ),
        (
            |d| {
                *d = ehealth(BOB);
                d.capacity = Some("x".repeat(MAX_CAPACITY_CHARS + 1));
            },
            "capacity",
            "capacity_too_long",
        ),
    ];
    let catalog = catalog_with_retired("fin.tax_disputes");
    for (edit, field, field_code) in cases {
        let mut d = tax(BOB);
        edit(&mut d);
        let e = err(Mandate::create(
            Uuid::new_v4(),
            &d,
            &person(ANN),
            &catalog,
            t0(),
        ));
        assert_eq!(
            code(&e),
            (ErrorKind::Invalid, "validation_failed"),
            "{field} {field_code}"
        );
        assert_eq!(fields(&e), [(field, field_code)], "{field} {field_code}");
    }
}

#[test]
fn create_accepts_values_at_the_limits() -> TestResult {
    let d = Draft {
        types: strings(&["fin.myminfin_consult"]),
        valid_from: Some("2027-03-01".into()),
        // 1826 days, first and last included.
        valid_until: Some("2032-02-28".into()),
        reference: Some("x".repeat(MAX_REFERENCE_CHARS)),
        language: Some("FR".into()),
        email: Some("ann@example.be".into()),
        ..tax(BOB)
    };
    let m = create(&d, ANN, t0())?;
    assert_eq!(m.mandator_notes.language, Some(Lang::Fr));
    Ok(())
}

#[test]
fn create_reports_every_invalid_field_at_once() {
    let d = Draft {
        domain: "fin".into(),
        types: strings(&["fin.nope", "fin.tax_disputes", "fin.myminfin_consult"]),
        mandator: ANN.into(),
        mandatee: ANN.into(),
        valid_from: Some("2027-02-28".into()),
        valid_until: Some("2027-02-27".into()),
        reference: Some("x".repeat(256)),
        language: Some("es".into()),
        email: Some("ann.example.be".into()),
        capacity: Some(" Huisarts ".into()),
    };
    let catalog = catalog_with_retired("fin.tax_disputes");
    let e = err(Mandate::create(
        Uuid::new_v4(),
        &d,
        &person(ANN),
        &catalog,
        t0(),
    ));
    assert_eq!(code(&e), (ErrorKind::Invalid, "validation_failed"));
    assert_eq!(
        fields(&e),
        [
            ("types[0]", "unknown_type"),
            ("types[1]", "type_retired"),
            ("mandatee", "same_party"),
            ("valid_from", "start_in_past"),
            ("valid_until", "end_before_start"),
            ("reference", "reference_too_long"),
            ("language", "invalid_language"),
            ("email", "invalid_email"),
            ("capacity", "capacity_ehealth_only"),
        ]
    );
}

#[test]
fn create_keeps_the_capacity_in_the_creators_notes() -> TestResult {
    let d = Draft {
        capacity: Some("  Huisarts ".into()),
        reference: Some("client 42".into()),
        ..ehealth(BOB)
    };
    let m = create(&d, BOB, t0())?;
    assert_eq!(m.mandatee_notes.capacity.as_deref(), Some("Huisarts"));
    assert_eq!(m.mandatee_notes.reference.as_deref(), Some("client 42"));
    assert_eq!(m.mandator_notes, Notes::default());
    let longest = Draft {
        capacity: Some("x".repeat(MAX_CAPACITY_CHARS)),
        ..ehealth(BOB)
    };
    assert!(
        create(&longest, ANN, t0())?
            .mandator_notes
            .capacity
            .is_some()
    );
    // A blank capacity is none, on any domain.
    let blank = Draft {
        capacity: Some("  ".into()),
        ..tax(BOB)
    };
    assert_eq!(create(&blank, ANN, t0())?.mandator_notes.capacity, None);
    Ok(())
}

#[test]
fn create_refuses_a_capacity_outside_ehealth() {
    let d = Draft {
        capacity: Some("Huisarts".into()),
        ..tax(BOB)
    };
    let e = err(create(&d, ANN, t0()));
    assert_eq!(code(&e), (ErrorKind::Invalid, "validation_failed"));
    assert_eq!(fields(&e), [("capacity", "capacity_ehealth_only")]);
}

#[test]
fn create_refuses_a_capacity_that_is_too_long() {
    let d = Draft {
        capacity: Some("é".repeat(MAX_CAPACITY_CHARS + 1)),
        ..ehealth(BOB)
    };
    let e = err(create(&d, ANN, t0()));
    assert_eq!(fields(&e), [("capacity", "capacity_too_long")]);
    let max: Vec<(&str, &str)> = e.fields[0]
        .args
        .iter()
        .map(|(k, v)| (*k, v.as_str()))
        .collect();
    assert_eq!(max, [("max", "100")]);
}

#[test]
fn changing_notes_keeps_the_capacity() -> TestResult {
    let d = Draft {
        capacity: Some("Huisarts".into()),
        reference: Some("old".into()),
        ..ehealth(BOB)
    };
    let mut m = create(&d, ANN, t0())?;
    let change = NotesChange {
        reference: Some(Some("new".into())),
        email: Some(Some("ann@example.be".into())),
        ..NotesChange::default()
    };
    m.change_notes(&person(ANN), &change, t0() + secs(1))?;
    assert_eq!(m.mandator_notes.reference.as_deref(), Some("new"));
    assert_eq!(m.mandator_notes.capacity.as_deref(), Some("Huisarts"));
    let clear = NotesChange {
        reference: Some(None),
        language: Some(None),
        email: Some(None),
    };
    m.change_notes(&person(ANN), &clear, t0() + secs(2))?;
    assert_eq!(m.mandator_notes.capacity.as_deref(), Some("Huisarts"));
    Ok(())
}

#[test]
fn notes_and_drafts_stored_without_a_capacity_still_read() -> Result<(), serde_json::Error> {
    let notes: Notes = serde_json::from_str(r#"{"reference": "client 1", "language": "nl"}"#)?;
    assert_eq!(notes.capacity, None);
    assert_eq!(notes.reference.as_deref(), Some("client 1"));
    // And a note without a capacity is written as before.
    assert_eq!(
        serde_json::to_value(&notes)?,
        serde_json::json!({"reference": "client 1", "language": "nl"})
    );
    let draft: Draft = serde_json::from_str(
        r#"{"domain": "fin", "types": [], "mandator": "", "mandatee": "", "valid_from": null, "valid_until": null, "reference": null, "language": null, "email": null}"#,
    )?;
    assert_eq!(draft.capacity, None);
    Ok(())
}

#[test]
fn create_by_someone_who_is_neither_party_is_forbidden() {
    let e = err(create(&tax(BOB), DAN, t0()));
    assert_eq!(code(&e), (ErrorKind::Forbidden, "not_a_party"));
}

#[test]
fn an_enterprise_creates_only_through_a_manager_of_the_domain() -> TestResult {
    let d = Draft {
        domain: "fin".into(),
        types: strings(&["fin.biztax"]),
        mandator: ACME.into(),
        mandatee: FIRM.into(),
        ..Draft::default()
    };
    for allowed in [
        eve_for_acme(RoleKind::Manager, Some("fin")),
        eve_for_acme(RoleKind::LegalRepresentative, None),
    ] {
        let m = create_as(&d, &allowed, t0())?;
        assert_eq!(
            (&m.signatures[0].person, &m.signatures[0].party),
            (&insz(EVE), &party(ACME))
        );
    }
    for refused in [
        eve_for_acme(RoleKind::Manager, Some("ehealth")),
        eve_for_acme(RoleKind::Executor, Some("fin")),
    ] {
        let e = err(create_as(&d, &refused, t0()));
        assert_eq!(code(&e), (ErrorKind::Forbidden, "role_does_not_allow"));
        assert_eq!(args(&e), [("domain", "fin")]);
    }
    Ok(())
}

#[test]
fn evidence_goes_to_the_parties_and_an_enterprises_legal_representatives_only() -> TestResult {
    let d = Draft {
        domain: "fin".into(),
        types: strings(&["fin.biztax"]),
        mandator: ACME.into(),
        mandatee: FIRM.into(),
        ..Draft::default()
    };
    let m = create_as(&d, &eve_for_acme(RoleKind::LegalRepresentative, None), t0())?;
    assert!(crate::access::may_export(
        &eve_for_acme(RoleKind::LegalRepresentative, None),
        &m
    ));
    // A manager or an executor may read the mandate, not take its evidence.
    for reader in [
        eve_for_acme(RoleKind::Manager, Some("fin")),
        eve_for_acme(RoleKind::Executor, Some("fin")),
    ] {
        assert!(
            !crate::access::may_export(&reader, &m),
            "{:?}",
            reader.roles
        );
    }
    let given = create(&tax(BOB), ANN, t0())?;
    assert!(crate::access::may_export(&person(ANN), &given));
    assert!(crate::access::may_export(&person(BOB), &given));
    assert!(!crate::access::may_export(&person(DAN), &given));
    Ok(())
}

#[test]
fn lapses_at_is_creation_plus_the_shortest_acceptance_window() -> TestResult {
    // Tax-on-web waits 30 days, tax disputes 21.
    let m = create(
        &draft(&["fin.tax_on_web", "fin.tax_disputes"], BOB),
        ANN,
        t0(),
    )?;
    assert_eq!(m.lapses_at, Some(t0() + days(21)));
    Ok(())
}

#[test]
fn lapses_at_is_never_after_the_end_of_the_period() -> TestResult {
    let d = Draft {
        valid_until: Some("2027-03-10".into()),
        ..tax(BOB)
    };
    let m = create(&d, ANN, t0())?;
    // The end of 10 March in Brussels (winter time, UTC+1).
    assert_eq!(m.lapses_at, Some(instant("2027-03-10T23:00:00Z")));
    Ok(())
}

// ---- sign, reject, withdraw -----------------------------------------------------------------

#[test]
fn the_other_partys_signature_activates() -> TestResult {
    let mut m = create(&tax(BOB), ANN, t0())?;
    let t = t0() + days(2);
    let (outcome, events) = m.sign(&person(BOB), 1, &[], &CATALOG, t)?;
    assert_eq!(outcome, SignOutcome::Activated { replaces: None });
    assert_eq!(kinds(&events), [EventKind::Signed, EventKind::Activated]);
    assert_eq!(
        (m.status, m.status_at(t), m.lapses_at),
        (BaseStatus::Active, Status::Active, None)
    );
    assert_eq!(
        m.history,
        [TermsInForce {
            version: 1,
            from: t,
            terms: m.terms.clone(),
        }]
    );
    assert_eq!(version_in_force(&m, t - secs(1)), None);
    assert_eq!(version_in_force(&m, t), Some(1));
    Ok(())
}

#[test]
fn the_creator_signing_again_is_already_signed() -> TestResult {
    let mut m = create(&tax(BOB), ANN, t0())?;
    let e = refused(&mut m, |m| {
        m.sign(&person(ANN), 1, &[], &CATALOG, t0() + days(1))
    });
    assert_eq!(code(&e), (ErrorKind::Conflict, "already_signed"));
    Ok(())
}

#[test]
fn a_signature_on_another_version_is_stale() -> TestResult {
    let mut m = create(&tax(BOB), ANN, t0())?;
    let e = refused(&mut m, |m| {
        m.sign(&person(BOB), 2, &[], &CATALOG, t0() + days(1))
    });
    assert_eq!(code(&e), (ErrorKind::Conflict, "stale_version"));
    assert_eq!(args(&e), [("current", "1")]);
    Ok(())
}

#[test]
fn a_signature_after_lapses_at_is_refused_and_the_mandate_is_lapsed() -> TestResult {
    let mut m = create(&tax(BOB), ANN, t0())?;
    let deadline = t0() + days(30);
    assert_eq!(m.lapses_at, Some(deadline));
    assert_eq!(m.status_at(deadline - secs(1)), Status::Pending);
    assert_eq!(m.status_at(deadline), Status::Lapsed);

    let mut in_time = m.clone();
    in_time.sign(&person(BOB), 1, &[], &CATALOG, deadline - secs(1))?;
    assert_eq!(in_time.status_at(deadline), Status::Active);

    let e = refused(&mut m, |m| {
        m.sign(&person(BOB), 1, &[], &CATALOG, deadline + secs(1))
    });
    assert_eq!(code(&e), (ErrorKind::Conflict, "acceptance_window_passed"));
    assert_eq!(m.status_at(deadline + days(365)), Status::Lapsed);
    Ok(())
}

#[test]
fn the_other_party_rejects_a_pending_mandate() -> TestResult {
    let mut m = create(&tax(BOB), ANN, t0())?;
    let t = t0() + days(1);
    let events = m.reject(&person(BOB), t)?;
    assert_eq!(kinds(&events), [EventKind::Rejected]);
    assert_eq!((m.status_at(t), m.closed_at), (Status::Rejected, Some(t)));
    let e = refused(&mut m, |m| {
        m.sign(&person(BOB), 1, &[], &CATALOG, t + secs(1))
    });
    assert_eq!(code(&e), (ErrorKind::Conflict, "invalid_transition"));
    assert_eq!(args(&e), [("status", "rejected")]);
    Ok(())
}

#[test]
fn the_creator_cannot_reject() -> TestResult {
    let mut m = create(&tax(BOB), ANN, t0())?;
    let e = refused(&mut m, |m| m.reject(&person(ANN), t0() + days(1)));
    assert_eq!(code(&e), (ErrorKind::Forbidden, "creator_cannot_reject"));
    Ok(())
}

#[test]
fn the_creator_withdraws_a_pending_mandate() -> TestResult {
    let mut m = create(&tax(BOB), ANN, t0())?;
    let t = t0() + days(1);
    let events = m.withdraw(&person(ANN), t)?;
    assert_eq!(kinds(&events), [EventKind::Withdrawn]);
    assert_eq!((m.status_at(t), m.closed_at), (Status::Withdrawn, Some(t)));
    let e = refused(&mut m, |m| {
        m.sign(&person(BOB), 1, &[], &CATALOG, t + secs(1))
    });
    assert_eq!(args(&e), [("status", "withdrawn")]);
    Ok(())
}

#[test]
fn the_other_party_cannot_withdraw() -> TestResult {
    let mut m = create(&tax(BOB), ANN, t0())?;
    let e = refused(&mut m, |m| m.withdraw(&person(BOB), t0() + days(1)));
    assert_eq!(code(&e), (ErrorKind::Forbidden, "only_initiator_withdraws"));
    Ok(())
}

#[test]
fn a_stranger_gets_mandate_not_found_for_every_transition() -> TestResult {
    type Op = fn(&mut Mandate, &Actor, Instant) -> Result<(), DomainError>;
    let ops: [(&str, Op); 6] = [
        ("sign", |m, a, t| m.sign(a, 1, &[], &CATALOG, t).map(drop)),
        ("reject", |m, a, t| m.reject(a, t).map(drop)),
        ("withdraw", |m, a, t| m.withdraw(a, t).map(drop)),
        ("stop", |m, a, t| m.stop(a, t).map(drop)),
        ("modify", |m, a, t| {
            m.modify(a, 1, &until("2027-06-30"), &CATALOG, t).map(drop)
        }),
        ("transfer", |m, a, t| {
            m.transfer(a, Uuid::new_v4(), CAT, false, &CATALOG, t)
                .map(drop)
        }),
    ];
    let t = t0() + days(1);
    for mut m in [create(&tax(BOB), ANN, t0())?, active(&tax(BOB))?] {
        for (name, op) in ops {
            let e = refused(&mut m, |m| op(m, &person(DAN), t));
            assert_eq!(
                code(&e),
                (ErrorKind::NotFound, "mandate_not_found"),
                "{name}"
            );
        }
    }
    Ok(())
}

// ---- stop and expiry ------------------------------------------------------------------------

#[test]
fn either_party_stops_an_active_mandate() -> TestResult {
    let t = t0() + days(10);
    for by in [ANN, BOB] {
        let mut m = active(&tax(BOB))?;
        let events = m.stop(&person(by), t)?;
        assert_eq!(kinds(&events), [EventKind::Stopped], "{by}");
        assert_eq!(
            (m.status_at(t), m.closed_at),
            (Status::Stopped, Some(t)),
            "{by}"
        );
    }
    Ok(())
}

#[test]
fn stopping_twice_is_an_invalid_transition() -> TestResult {
    let mut m = active(&tax(BOB))?;
    let t = t0() + days(10);
    m.stop(&person(ANN), t)?;
    let e = refused(&mut m, |m| m.stop(&person(BOB), t + secs(1)));
    assert_eq!(code(&e), (ErrorKind::Conflict, "invalid_transition"));
    assert_eq!(args(&e), [("status", "stopped")]);
    Ok(())
}

#[test]
fn after_a_stop_past_moments_keep_their_answer() -> TestResult {
    let mut m = active(&tax(BOB))?;
    let stop = t0() + days(10);
    m.stop(&person(ANN), stop)?;
    assert_eq!(version_in_force(&m, activated_at() - secs(1)), None);
    assert_eq!(version_in_force(&m, activated_at()), Some(1));
    assert_eq!(version_in_force(&m, stop - secs(1)), Some(1));
    assert!(m.allows_at("fin.tax_on_web", stop - secs(1)));
    assert_eq!(version_in_force(&m, stop), None);
    assert!(!m.allows_at("fin.tax_on_web", stop));
    assert_eq!(version_in_force(&m, stop + secs(1)), None);
    Ok(())
}

#[test]
fn expiry_follows_the_end_of_valid_until_in_brussels_time() -> TestResult {
    // The first instant after the last day, in winter (UTC+1) and in summer (UTC+2).
    for (last_day, end) in [
        ("2027-12-31", "2027-12-31T23:00:00Z"),
        ("2027-07-15", "2027-07-15T22:00:00Z"),
    ] {
        let mut m = active(&Draft {
            valid_until: Some(last_day.into()),
            ..tax(BOB)
        })?;
        let end = instant(end);
        assert_eq!(m.status, BaseStatus::Active);
        assert_eq!(m.status_at(end - secs(1)), Status::Active, "{last_day}");
        assert_eq!(version_in_force(&m, end - secs(1)), Some(1), "{last_day}");
        assert_eq!(m.status_at(end), Status::Expired, "{last_day}");
        assert_eq!(version_in_force(&m, end), None, "{last_day}");
        let e = refused(&mut m, |m| m.stop(&person(ANN), end));
        assert_eq!(args(&e), [("status", "expired")], "{last_day}");
    }
    Ok(())
}

// ---- modify ---------------------------------------------------------------------------------

#[test]
fn a_narrowing_takes_effect_at_once_as_a_new_version() -> TestResult {
    let mut m = active(&draft(&["fin.tax_on_web", "fin.myminfin_consult"], BOB))?;
    let t = t0() + days(10);
    let change = TermsChange {
        types: Some(strings(&["fin.tax_on_web"])),
        valid_until: Some(Some("2027-09-30".into())),
        ..TermsChange::default()
    };
    let events = m.modify(&person(BOB), 1, &change, &CATALOG, t)?;
    assert_eq!(kinds(&events), [EventKind::Narrowed]);
    assert_eq!(
        (m.version, m.status_at(t), m.proposal.as_ref()),
        (2, Status::Active, None)
    );
    assert_eq!(m.terms.types, BTreeSet::from(["fin.tax_on_web".to_owned()]));
    assert_eq!(m.terms.valid_until, Some(date("2027-09-30")));
    assert!(
        m.signatures
            .iter()
            .any(|s| s.side == Side::Mandatee && s.version == 2)
    );

    assert_eq!(version_in_force(&m, t - secs(1)), Some(1));
    assert!(m.allows_at("fin.myminfin_consult", t - secs(1)));
    assert_eq!(version_in_force(&m, t), Some(2));
    assert!(!m.allows_at("fin.myminfin_consult", t));
    assert!(m.allows_at("fin.tax_on_web", t));
    // The end of 30 September in Brussels (summer time).
    let end = instant("2027-09-30T22:00:00Z");
    assert_eq!(m.status_at(end), Status::Expired);
    assert_eq!(version_in_force(&m, end), None);
    Ok(())
}

#[test]
fn a_widening_is_a_proposal_and_the_old_terms_stay_until_the_other_party_signs() -> TestResult {
    let mut m = active(&tax(BOB))?;
    let events = propose_extension(&mut m)?;
    assert_eq!(kinds(&events), [EventKind::ChangeProposed]);
    assert_eq!(
        (m.version, m.terms.valid_until),
        (1, Some(date("2027-12-31")))
    );
    let proposal = m.proposal.clone().unwrap_or_else(|| panic!("no proposal"));
    assert_eq!(
        (
            proposal.version,
            proposal.proposed_by,
            proposal.proposed_at,
            proposal.lapses_at
        ),
        (2, Side::Mandatee, proposed_at(), proposed_at() + days(30))
    );
    assert_eq!(proposal.terms.valid_until, Some(date("2028-12-31")));
    let next_summer = instant("2028-06-01T10:00:00Z");
    assert_eq!(m.status_at(next_summer), Status::Expired);

    let signed = proposed_at() + days(1);
    let (outcome, events) = m.sign(&person(ANN), 2, &[], &CATALOG, signed)?;
    assert_eq!(outcome, SignOutcome::ChangeInForce);
    assert_eq!(kinds(&events), [EventKind::ChangeSigned]);
    assert_eq!((m.version, &m.terms), (2, &proposal.terms));
    assert_eq!(m.proposal, None);
    assert_eq!(version_in_force(&m, signed - secs(1)), Some(1));
    assert_eq!(version_in_force(&m, signed), Some(2));
    assert_eq!(m.status_at(next_summer), Status::Active);
    Ok(())
}

#[test]
fn the_proposer_cannot_sign_its_own_proposal() -> TestResult {
    let mut m = with_proposal()?;
    let e = refused(&mut m, |m| {
        m.sign(&person(BOB), 2, &[], &CATALOG, proposed_at() + days(1))
    });
    assert_eq!(code(&e), (ErrorKind::Conflict, "already_signed"));
    Ok(())
}

#[test]
fn a_second_proposal_waits_until_the_first_is_gone() -> TestResult {
    let mut m = with_proposal()?;
    for by in [BOB, ANN] {
        let e = refused(&mut m, |m| {
            m.modify(
                &person(by),
                1,
                &until("2029-12-31"),
                &CATALOG,
                proposed_at() + days(1),
            )
        });
        assert_eq!(code(&e), (ErrorKind::Conflict, "proposal_pending"), "{by}");
    }
    // Once the first proposal has lapsed, a new one may be made.
    let lapsed = proposed_at() + days(30);
    assert_eq!(m.live_proposal(lapsed), None);
    m.modify(&person(ANN), 1, &until("2029-12-31"), &CATALOG, lapsed)?;
    assert_eq!(
        m.live_proposal(lapsed).map(|p| p.proposed_by),
        Some(Side::Mandator)
    );
    Ok(())
}

#[test]
fn the_other_party_rejects_a_proposal() -> TestResult {
    let mut m = with_proposal()?;
    let t = proposed_at() + days(1);
    let e = refused(&mut m, |m| m.reject(&person(BOB), t));
    assert_eq!(code(&e), (ErrorKind::Forbidden, "creator_cannot_reject"));
    let events = m.reject(&person(ANN), t)?;
    assert_eq!(kinds(&events), [EventKind::ChangeRejected]);
    assert_eq!(
        (m.proposal.as_ref(), m.version, m.status_at(t)),
        (None, 1, Status::Active)
    );
    assert_eq!(m.terms.valid_until, Some(date("2027-12-31")));
    Ok(())
}

#[test]
fn the_proposer_withdraws_a_proposal() -> TestResult {
    let mut m = with_proposal()?;
    let t = proposed_at() + days(1);
    let e = refused(&mut m, |m| m.withdraw(&person(ANN), t));
    assert_eq!(code(&e), (ErrorKind::Forbidden, "only_initiator_withdraws"));
    let events = m.withdraw(&person(BOB), t)?;
    assert_eq!(kinds(&events), [EventKind::ChangeWithdrawn]);
    assert_eq!(
        (m.proposal.as_ref(), m.version, m.status_at(t)),
        (None, 1, Status::Active)
    );
    Ok(())
}

#[test]
fn a_narrowing_voids_the_proposal() -> TestResult {
    let mut m = with_proposal()?;
    let t = proposed_at() + days(1);
    m.modify(&person(BOB), 1, &until("2027-09-30"), &CATALOG, t)?;
    assert_eq!(m.proposal, None);
    assert_eq!(m.terms.valid_until, Some(date("2027-09-30")));
    let e = refused(&mut m, |m| {
        m.sign(&person(ANN), 2, &[], &CATALOG, t + secs(1))
    });
    assert_eq!(code(&e), (ErrorKind::Conflict, "nothing_to_sign"));
    Ok(())
}

#[test]
fn a_stop_voids_the_proposal() -> TestResult {
    let mut m = with_proposal()?;
    m.stop(&person(ANN), proposed_at() + days(1))?;
    assert_eq!(m.proposal, None);
    Ok(())
}

#[test]
fn a_pending_mandate_cannot_be_modified() -> TestResult {
    let mut m = create(&tax(BOB), ANN, t0())?;
    let e = refused(&mut m, |m| {
        m.modify(
            &person(BOB),
            1,
            &until("2027-06-30"),
            &CATALOG,
            t0() + days(1),
        )
    });
    assert_eq!(
        code(&e),
        (ErrorKind::Conflict, "pending_cannot_be_modified")
    );
    Ok(())
}

#[test]
fn a_change_that_changes_nothing_is_refused() -> TestResult {
    let mut m = active(&tax(BOB))?;
    for change in [
        TermsChange::default(),
        until("2027-12-31"),
        types(&["fin.tax_on_web"]),
    ] {
        let e = refused(&mut m, |m| {
            m.modify(&person(ANN), 1, &change, &CATALOG, t0() + days(1))
        });
        assert_eq!(code(&e), (ErrorKind::Invalid, "validation_failed"));
        assert_eq!(fields(&e), [("terms", "no_change")]);
    }
    Ok(())
}

#[test]
fn a_change_based_on_an_old_version_is_stale() -> TestResult {
    let mut m = active(&tax(BOB))?;
    m.modify(
        &person(ANN),
        1,
        &until("2027-10-31"),
        &CATALOG,
        t0() + days(1),
    )?;
    let e = refused(&mut m, |m| {
        m.modify(
            &person(BOB),
            1,
            &until("2027-09-30"),
            &CATALOG,
            t0() + days(2),
        )
    });
    assert_eq!(code(&e), (ErrorKind::Conflict, "stale_version"));
    assert_eq!(args(&e), [("current", "2")]);
    Ok(())
}

#[test]
fn a_retired_type_stays_on_existing_mandates_but_cannot_be_added() -> TestResult {
    let retired = catalog_with_retired("fin.tax_disputes");
    let t = t0() + days(1);
    let mut kept = active(&draft(&["fin.tax_on_web", "fin.tax_disputes"], BOB))?;
    kept.modify(&person(ANN), 1, &until("2027-06-30"), &retired, t)?;
    assert!(kept.allows_at("fin.tax_disputes", t));

    let mut other = active(&tax(BOB))?;
    let e = refused(&mut other, |m| {
        m.modify(
            &person(ANN),
            1,
            &types(&["fin.tax_on_web", "fin.tax_disputes"]),
            &retired,
            t,
        )
    });
    assert_eq!(fields(&e), [("types[1]", "type_retired")]);
    Ok(())
}

#[test]
fn a_widening_to_a_type_the_parties_cannot_hold_is_refused() -> TestResult {
    // Biztax is given by an enterprise; Ann is a person.
    let mut m = active(&draft(&["fin.myminfin_consult"], BOB))?;
    let change = types(&["fin.myminfin_consult", "fin.biztax"]);
    let e = refused(&mut m, |m| {
        m.modify(&person(BOB), 1, &change, &CATALOG, t0() + days(1))
    });
    assert_eq!(fields(&e), [("mandator", "party_kind_not_allowed")]);
    Ok(())
}

#[test]
fn a_signature_on_a_withdrawn_proposal_does_not_accept_the_next_one() -> TestResult {
    let mut m = with_proposal()?;
    let t = proposed_at() + days(1);
    m.withdraw(&person(BOB), t)?;
    let unlimited = TermsChange {
        valid_until: Some(None),
        ..TermsChange::default()
    };
    m.modify(&person(BOB), 1, &unlimited, &CATALOG, t)?;
    // Ann read the withdrawn proposal (version 2, until 2028) and signs it.
    let e = refused(&mut m, |m| {
        m.sign(&person(ANN), 2, &[], &CATALOG, t + secs(1))
    });
    assert_eq!(code(&e), (ErrorKind::Conflict, "stale_version"));
    Ok(())
}

// ---- exclusive types ------------------------------------------------------------------------

/// Ann's active mandate to Bob, and a pending one to Cat created by `creator`.
fn rivals(
    to_bob: &Draft,
    creator: &str,
    to_cat: &Draft,
) -> Result<(Mandate, Mandate), DomainError> {
    Ok((active(to_bob)?, create(to_cat, creator, t0() + days(1))?))
}

/// Ann's active tax mandate to Bob, and a pending one to Cat created by `creator`.
fn rival_tax_mandates(creator: &str, to_cat: &Draft) -> Result<(Mandate, Mandate), DomainError> {
    rivals(&tax(BOB), creator, to_cat)
}

fn rival_signed_at() -> Instant {
    t0() + days(2)
}

#[test]
fn an_exclusive_conflict_names_the_mandate_in_the_way_to_the_mandator() -> TestResult {
    let (first, mut second) = rival_tax_mandates(CAT, &tax(CAT))?;
    let e = err(second.sign(
        &person(ANN),
        1,
        slice::from_ref(&first),
        &CATALOG,
        rival_signed_at(),
    ));
    assert_eq!(code(&e), (ErrorKind::Conflict, "exclusive_conflict"));
    let first_id = first.id.to_string();
    assert_eq!(
        args(&e),
        [("type", "fin.tax_on_web"), ("mandate", first_id.as_str())]
    );
    Ok(())
}

#[test]
fn an_exclusive_conflict_does_not_name_the_mandate_to_another_mandatee() -> TestResult {
    let (first, mut second) = rival_tax_mandates(ANN, &tax(CAT))?;
    let e = err(second.sign(&person(CAT), 1, &[first], &CATALOG, rival_signed_at()));
    assert_eq!(code(&e), (ErrorKind::Conflict, "exclusive_conflict"));
    assert_eq!(args(&e), [("type", "fin.tax_on_web")]);
    Ok(())
}

#[test]
fn a_refused_exclusive_signature_changes_nothing() -> TestResult {
    let (first, mut second) = rival_tax_mandates(ANN, &tax(CAT))?;
    let e = refused(&mut second, |m| {
        m.sign(&person(CAT), 1, &[first], &CATALOG, rival_signed_at())
    });
    assert_eq!(code(&e), (ErrorKind::Conflict, "exclusive_conflict"));
    Ok(())
}

#[test]
fn exclusive_mandates_whose_periods_do_not_overlap_are_no_conflict() -> TestResult {
    let next_year = Draft {
        valid_from: Some("2028-01-01".into()),
        valid_until: None,
        ..tax(CAT)
    };
    let (first, mut second) = rival_tax_mandates(ANN, &next_year)?;
    let (outcome, _) = second.sign(
        &person(CAT),
        1,
        slice::from_ref(&first),
        &CATALOG,
        rival_signed_at(),
    )?;
    assert_eq!(outcome, SignOutcome::Activated { replaces: None });

    // One common day is an overlap.
    let last_day = Draft {
        valid_from: Some("2027-12-31".into()),
        ..next_year
    };
    let (_, mut third) = rival_tax_mandates(ANN, &last_day)?;
    let e = err(third.sign(&person(CAT), 1, &[first], &CATALOG, rival_signed_at()));
    assert_eq!(code(&e), (ErrorKind::Conflict, "exclusive_conflict"));
    Ok(())
}

#[test]
fn a_stopped_exclusive_mandate_is_no_conflict() -> TestResult {
    let (mut first, mut second) = rival_tax_mandates(ANN, &tax(CAT))?;
    first.stop(&person(ANN), rival_signed_at() - secs(1))?;
    second.sign(&person(CAT), 1, &[first], &CATALOG, rival_signed_at())?;
    assert_eq!(second.status_at(rival_signed_at()), Status::Active);
    Ok(())
}

#[test]
fn a_type_that_is_not_exclusive_may_go_to_several_mandatees() -> TestResult {
    let consult = |mandatee| draft(&["fin.myminfin_consult"], mandatee);
    let (first, mut second) = rivals(&consult(BOB), ANN, &consult(CAT))?;
    second.sign(&person(CAT), 1, &[first], &CATALOG, rival_signed_at())?;
    assert_eq!(second.status_at(rival_signed_at()), Status::Active);
    Ok(())
}

// ---- transfer -------------------------------------------------------------------------------

#[test]
fn a_transfer_asked_by_the_mandator_is_a_new_mandate_she_has_signed() -> TestResult {
    let Transfer {
        old,
        new,
        old_events,
        new_events,
    } = transfer_to_cat(ANN)?;
    assert_eq!(new.transfer_of, Some(old.id));
    assert_eq!(old.transfer_to, Some(new.id));
    assert_eq!(old.status_at(transfer_asked_at()), Status::Active);
    assert_eq!(
        (new.status_at(transfer_asked_at()), new.version),
        (Status::Pending, 1)
    );
    assert_eq!(new.terms.mandatee, party(CAT));
    assert_eq!(new.terms.types, old.terms.types);
    assert_eq!(new.terms.valid_from, date("2027-03-02"));
    assert_eq!(new.terms.valid_until, old.terms.valid_until);
    let signed: Vec<(Side, u32, &Party)> = new
        .signatures
        .iter()
        .map(|s| (s.side, s.version, &s.party))
        .collect();
    assert_eq!(signed, [(Side::Mandator, 1, &party(ANN))]);
    assert_eq!(kinds(&old_events), [EventKind::TransferRequested]);
    assert_eq!(kinds(&new_events), [EventKind::Created, EventKind::Signed]);
    Ok(())
}

#[test]
fn a_transfer_asked_by_the_mandatee_needs_both_new_parties_signatures() -> TestResult {
    let Transfer {
        old,
        mut new,
        new_events,
        ..
    } = transfer_to_cat(BOB)?;
    assert_eq!((&new.initiator, new.signatures.len()), (&party(BOB), 0));
    assert_eq!(kinds(&new_events), [EventKind::Created]);
    let t = transfer_asked_at() + days(1);
    let others = slice::from_ref(&old);
    let (outcome, _) = new.sign(&person(CAT), 1, others, &CATALOG, t)?;
    assert_eq!(outcome, SignOutcome::Recorded);
    let (outcome, _) = new.sign(&person(ANN), 1, others, &CATALOG, t + secs(1))?;
    assert_eq!(
        outcome,
        SignOutcome::Activated {
            replaces: Some(old.id)
        }
    );
    Ok(())
}

#[test]
fn an_activated_transfer_stops_the_old_mandate_at_the_same_instant() -> TestResult {
    let Transfer {
        mut old, mut new, ..
    } = transfer_to_cat(ANN)?;
    let t = transfer_asked_at() + days(1);
    let (outcome, _) = new.sign(&person(CAT), 1, slice::from_ref(&old), &CATALOG, t)?;
    assert_eq!(
        outcome,
        SignOutcome::Activated {
            replaces: Some(old.id)
        }
    );
    let events = old.end_by_transfer(&person(CAT), new.id, t)?;
    assert_eq!(kinds(&events), [EventKind::TransferredAway]);
    assert_eq!(old.status_at(t), Status::Stopped);
    for (moment, old_in_force) in [(t - secs(1), true), (t, false), (t + secs(1), false)] {
        assert_eq!(
            old.allows_at("fin.tax_on_web", moment),
            old_in_force,
            "{moment}"
        );
        assert_eq!(
            new.allows_at("fin.tax_on_web", moment),
            !old_in_force,
            "{moment}"
        );
    }
    Ok(())
}

#[test]
fn a_transfer_of_the_exclusive_mandate_itself_is_no_conflict() -> TestResult {
    let Transfer { old, new, .. } = transfer_to_cat(ANN)?;
    let t = transfer_asked_at() + days(1);
    // The same mandate to Cat, but not as a transfer, conflicts with the old one.
    let mut independent = Mandate {
        id: Uuid::new_v4(),
        transfer_of: None,
        ..new.clone()
    };
    let e = err(independent.sign(&person(CAT), 1, slice::from_ref(&old), &CATALOG, t));
    assert_eq!(code(&e), (ErrorKind::Conflict, "exclusive_conflict"));
    let mut new = new;
    new.sign(&person(CAT), 1, &[old], &CATALOG, t)?;
    assert_eq!(new.status_at(t), Status::Active);
    Ok(())
}

#[test]
fn a_second_transfer_while_one_is_live_is_refused() -> TestResult {
    let Transfer { mut old, .. } = transfer_to_cat(ANN)?;
    let e = refused(&mut old, |m| {
        m.transfer(
            &person(BOB),
            Uuid::new_v4(),
            DAN,
            true,
            &CATALOG,
            transfer_asked_at() + days(1),
        )
    });
    assert_eq!(code(&e), (ErrorKind::Conflict, "transfer_pending"));
    Ok(())
}

#[test]
fn a_transfer_to_a_party_of_the_mandate_is_refused() -> TestResult {
    let mut m = active(&tax(BOB))?;
    for (to, field_code) in [(ANN, "same_party"), (BOB, "already_mandatee")] {
        let e = refused(&mut m, |m| {
            m.transfer(
                &person(ANN),
                Uuid::new_v4(),
                to,
                false,
                &CATALOG,
                transfer_asked_at(),
            )
        });
        assert_eq!(fields(&e), [("mandatee", field_code)]);
    }
    Ok(())
}

#[test]
fn a_transfer_voids_the_proposal() -> TestResult {
    let mut m = with_proposal()?;
    let t = proposed_at() + days(1);
    m.transfer(&person(ANN), Uuid::new_v4(), CAT, false, &CATALOG, t)?;
    assert_eq!(m.live_proposal(t), None);
    Ok(())
}
