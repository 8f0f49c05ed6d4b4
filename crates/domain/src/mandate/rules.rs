//! The checks of what people write on a mandate (dates, parties, types, periods, notes) and
//! of the catalog's limits, shared by the transitions; and the events that record them.

use std::collections::BTreeSet;

use chrono::{Days, NaiveDate};
use uuid::Uuid;

use super::{
    EHEALTH_DOMAIN, Event, EventKind, MAX_CAPACITY_CHARS, MAX_REFERENCE_CHARS, Mandate, Notes,
    Side, Terms,
};
use crate::actor::Actor;
use crate::catalog::{Catalog, MandateType};
use crate::error::{DomainError, FieldError, FieldErrors, has_control};
use crate::time::Instant;
use crate::{Lang, Party};

/// A calendar day written `YYYY-MM-DD`; otherwise an `invalid_date` error on `field`.
pub(crate) fn parse_date(field: &str, text: &str, errors: &mut FieldErrors) -> Option<NaiveDate> {
    errors.check(NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d"), |_| {
        FieldError::new(field, "invalid_date").arg("value", text)
    })
}

/// A party number; otherwise an `invalid_party_number` error on `field` with the `reason` code.
pub(crate) fn parse_party(field: &str, text: &str, errors: &mut FieldErrors) -> Option<Party> {
    errors.check(Party::parse(text), |e| {
        FieldError::new(field, "invalid_party_number").arg("reason", e.code())
    })
}

/// Resolves type codes of a domain: unknown, retired, or foreign types are field errors.
pub(super) fn resolve_types<'c>(
    catalog: &'c Catalog,
    domain: &str,
    codes: &[String],
    allow_retired: &BTreeSet<String>,
    errors: &mut FieldErrors,
) -> Vec<&'c MandateType> {
    if codes.is_empty() {
        errors.push(FieldError::new("types", "types_empty"));
    }
    let mut seen = BTreeSet::new();
    let mut found = Vec::new();
    for (i, code) in codes.iter().enumerate() {
        let field = format!("types[{i}]");
        if !seen.insert(code) {
            errors.push(FieldError::new(field, "type_repeated").arg("type", code));
            continue;
        }
        match catalog
            .domain(domain)
            .and_then(|d| d.types.iter().find(|t| t.code == *code))
        {
            None => errors.push(
                FieldError::new(field, "unknown_type")
                    .arg("type", code)
                    .arg("domain", domain),
            ),
            Some(t) if t.retired && !allow_retired.contains(code) => {
                errors.push(FieldError::new(field, "type_retired").arg("type", code))
            }
            Some(t) => found.push(t),
        }
    }
    found
}

pub(super) fn check_kinds(
    types: &[&MandateType],
    side: Side,
    party: &Party,
    errors: &mut FieldErrors,
) {
    for t in types {
        let allowed = match side {
            Side::Mandator => &t.mandator_kinds,
            Side::Mandatee => &t.mandatee_kinds,
        };
        if !allowed.contains(&party.kind()) {
            errors.push(
                FieldError::new(side.as_str(), "party_kind_not_allowed")
                    .arg("kind", party.kind().as_str())
                    .arg("type", &t.code)
                    .arg("side", side.as_str()),
            );
        }
    }
}

pub(super) fn check_period(
    types: &[&MandateType],
    from: NaiveDate,
    until: Option<NaiveDate>,
    errors: &mut FieldErrors,
) {
    match until {
        None => {
            for t in types.iter().filter(|t| !t.unlimited_allowed) {
                errors.push(
                    FieldError::new("valid_until", "unlimited_not_allowed").arg("type", &t.code),
                );
            }
        }
        Some(until) if until < from => {
            errors.push(FieldError::new("valid_until", "end_before_start"));
        }
        Some(until) => {
            let days = (until - from).num_days() + 1;
            for t in types {
                if let Some(max) = t.max_period_days
                    && days > i64::from(max)
                {
                    // The last day the type allows, for a message that says what to do.
                    let latest = from.checked_add_days(Days::new(u64::from(max) - 1));
                    let mut e = FieldError::new("valid_until", "period_too_long")
                        .arg("type", &t.code)
                        .arg("max_days", max);
                    if let Some(latest) = latest {
                        e = e.arg("latest", latest);
                    }
                    errors.push(e);
                }
            }
        }
    }
}

pub(super) fn acceptance_deadline(types: &[&MandateType], terms: &Terms, now: Instant) -> Instant {
    let days = types.iter().map(|t| t.acceptance_days).min().unwrap_or(30);
    let deadline = now
        .checked_add_days(Days::new(u64::from(days)))
        .unwrap_or(now);
    match terms.period().1 {
        Some(end) if end < deadline => end,
        _ => deadline,
    }
}

/// A party's notes, trimmed; the reference length, the language and the e-mail address are
/// checked. The capacity is left out: only a creation sets it (see [`parse_capacity`]).
pub(crate) fn parse_notes(
    reference: Option<&str>,
    language: Option<&str>,
    email: Option<&str>,
    errors: &mut FieldErrors,
) -> Notes {
    let reference = reference.map(str::trim).filter(|r| !r.is_empty());
    for (field, text) in [("reference", reference), ("email", email)] {
        if text.is_some_and(has_control) {
            errors.push(FieldError::control_character(field));
        }
    }
    if let Some(r) = reference
        && r.chars().count() > MAX_REFERENCE_CHARS
    {
        errors.push(
            FieldError::new("reference", "reference_too_long").arg("max", MAX_REFERENCE_CHARS),
        );
    }
    let language = language.map(str::trim).filter(|l| !l.is_empty());
    let lang = language.and_then(|l| {
        let parsed = Lang::parse(l).filter(|p| p.code() == l.to_ascii_lowercase());
        if parsed.is_none() {
            errors.push(FieldError::new("language", "invalid_language").arg("value", l));
        }
        parsed
    });
    let email = email.map(str::trim).filter(|e| !e.is_empty());
    if let Some(e) = email
        && !is_plausible_email(e)
    {
        errors.push(FieldError::new("email", "invalid_email"));
    }
    Notes {
        reference: reference.map(str::to_owned),
        language: lang,
        email: email.map(str::to_owned),
        capacity: None,
    }
}

/// The creator's capacity, trimmed; `None` when blank. It is refused on a mandate of any
/// domain but [`EHEALTH_DOMAIN`] and when longer than [`MAX_CAPACITY_CHARS`]. A `domain` of
/// `None` (not known yet) checks the length only.
pub(crate) fn parse_capacity(
    domain: Option<&str>,
    capacity: Option<&str>,
    errors: &mut FieldErrors,
) -> Option<String> {
    let capacity = capacity.map(str::trim).filter(|c| !c.is_empty())?;
    if has_control(capacity) {
        errors.push(FieldError::control_character("capacity"));
    }
    if domain.is_some_and(|d| d != EHEALTH_DOMAIN) {
        errors.push(FieldError::new("capacity", "capacity_ehealth_only"));
    }
    if capacity.chars().count() > MAX_CAPACITY_CHARS {
        errors
            .push(FieldError::new("capacity", "capacity_too_long").arg("max", MAX_CAPACITY_CHARS));
    }
    Some(capacity.to_owned())
}

/// An address with one `@`, a non-empty local part and a dotted domain, no spaces.
fn is_plausible_email(e: &str) -> bool {
    let Some((local, domain)) = e.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && e.len() <= 254
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !e.chars().any(char::is_whitespace)
}

pub(super) fn event(
    mandate: &Mandate,
    kind: EventKind,
    actor: Option<&Actor>,
    now: Instant,
    detail: serde_json::Value,
) -> Event {
    Event {
        mandate_id: mandate.id,
        kind,
        at: now,
        person: actor.map(|a| a.person.clone()),
        party: actor.map(|a| a.party.clone()),
        auth: actor.map(|a| a.auth.clone()).unwrap_or_default(),
        version: mandate.version,
        detail,
    }
}

pub(super) fn terms_json(terms: &Terms) -> serde_json::Value {
    serde_json::to_value(terms).unwrap_or_default()
}

/// Refuses terms that would give an exclusive type to a second mandatee at the same time.
/// The mandate in the way is named only to its own parties.
pub(super) fn check_exclusive(
    id: Uuid,
    terms: &Terms,
    transfer_of: Option<Uuid>,
    others: &[Mandate],
    catalog: &Catalog,
    actor: &Actor,
    now: Instant,
) -> Result<(), DomainError> {
    let exclusive: Vec<&String> = terms
        .types
        .iter()
        .filter(|c| catalog.mandate_type(c).is_some_and(|t| t.exclusive))
        .collect();
    if exclusive.is_empty() {
        return Ok(());
    }
    for other in others {
        if other.id == id
            || Some(other.id) == transfer_of
            || other.terms.mandator != terms.mandator
            || other.terms.mandatee == terms.mandatee
            || !other.status_at(now).is_signed_in_effect()
            || !other.terms.overlaps(terms)
        {
            continue;
        }
        if let Some(t) = exclusive
            .iter()
            .find(|t| other.terms.types.contains(t.as_str()))
        {
            let mut err = DomainError::conflict("exclusive_conflict").arg("type", t);
            if crate::access::concerns(other, &actor.party) {
                err = err.arg("mandate", other.id);
            }
            return Err(err);
        }
    }
    Ok(())
}
