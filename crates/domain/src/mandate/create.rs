//! A new mandate: every field of the draft checked, the creator's signature on version 1.

use std::collections::BTreeSet;

use uuid::Uuid;

use super::rules::{
    acceptance_deadline, check_kinds, check_period, event, parse_capacity, parse_date, parse_notes,
    parse_party, resolve_types, terms_json,
};
use super::{BaseStatus, Draft, Event, EventKind, Mandate, Notes, Side, Signature, Terms};
use crate::actor::Actor;
use crate::catalog::Catalog;
use crate::error::{DomainError, FieldError, FieldErrors};
use crate::time::{Instant, brussels_date};

impl Mandate {
    /// Creates a pending mandate with the creator's signature on version 1.
    pub fn create(
        id: Uuid,
        draft: &Draft,
        actor: &Actor,
        catalog: &Catalog,
        now: Instant,
    ) -> Result<(Mandate, Vec<Event>), DomainError> {
        let today = brussels_date(now);
        let mut errors = FieldErrors::default();
        let domain = catalog.domain(&draft.domain);
        if domain.is_none() {
            errors.push(FieldError::new("domain", "unknown_domain").arg("domain", &draft.domain));
        }
        let types = if domain.is_some() {
            resolve_types(
                catalog,
                &draft.domain,
                &draft.types,
                &BTreeSet::new(),
                &mut errors,
            )
        } else {
            Vec::new()
        };
        let mandator = parse_party("mandator", &draft.mandator, &mut errors);
        let mandatee = parse_party("mandatee", &draft.mandatee, &mut errors);
        if let (Some(a), Some(b)) = (&mandator, &mandatee)
            && a == b
        {
            errors.push(FieldError::new("mandatee", "same_party"));
        }
        if let Some(a) = &mandator {
            check_kinds(&types, Side::Mandator, a, &mut errors);
        }
        if let Some(b) = &mandatee {
            check_kinds(&types, Side::Mandatee, b, &mut errors);
        }
        let valid_from = match &draft.valid_from {
            Some(text) => parse_date("valid_from", text, &mut errors),
            None => Some(today),
        };
        if valid_from.is_some_and(|f| f < today) {
            errors.push(FieldError::new("valid_from", "start_in_past").arg("today", today));
        }
        let valid_until = match &draft.valid_until {
            Some(text) => parse_date("valid_until", text, &mut errors).map(Some),
            None => Some(None),
        };
        if let (Some(from), Some(until)) = (valid_from, valid_until) {
            check_period(&types, from, until, &mut errors);
        }
        let notes = parse_notes(
            draft.reference.as_deref(),
            draft.language.as_deref(),
            draft.email.as_deref(),
            &mut errors,
        );
        let capacity = parse_capacity(
            Some(draft.domain.as_str()),
            draft.capacity.as_deref(),
            &mut errors,
        );
        let notes = Notes { capacity, ..notes };
        errors.into_result()?;
        let (Some(mandator), Some(mandatee), Some(valid_from), Some(valid_until)) =
            (mandator, mandatee, valid_from, valid_until)
        else {
            return Err(DomainError::invalid(FieldErrors::default()));
        };
        let terms = Terms {
            domain: draft.domain.clone(),
            types: draft.types.iter().cloned().collect(),
            mandator,
            mandatee,
            valid_from,
            valid_until,
        };
        let Some(side) = terms.side_of(&actor.party) else {
            return Err(DomainError::forbidden("not_a_party"));
        };
        crate::access::require_manage(actor, &terms.domain)?;
        let lapses_at = acceptance_deadline(&types, &terms, now);
        let (mandator_notes, mandatee_notes) = match side {
            Side::Mandator => (notes, Notes::default()),
            Side::Mandatee => (Notes::default(), notes),
        };
        let mandate = Mandate {
            id,
            version: 1,
            status: BaseStatus::Pending,
            initiator: actor.party.clone(),
            created_at: now,
            lapses_at: Some(lapses_at),
            signatures: vec![Signature {
                side,
                version: 1,
                person: actor.person.clone(),
                party: actor.party.clone(),
                at: now,
                auth: actor.auth.clone(),
            }],
            proposal: None,
            history: Vec::new(),
            closed_at: None,
            transfer_to: None,
            transfer_of: None,
            mandator_notes,
            mandatee_notes,
            terms,
        };
        let created = event(
            &mandate,
            EventKind::Created,
            Some(actor),
            now,
            terms_json(&mandate.terms),
        );
        let signed = event(
            &mandate,
            EventKind::Signed,
            Some(actor),
            now,
            serde_json::json!({"side": side}),
        );
        Ok((mandate, vec![created, signed]))
    }
}
