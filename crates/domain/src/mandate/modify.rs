//! Changing a signed mandate's terms (a narrowing at once, a widening as a proposal to the
//! other party) and a party's own notes.

use super::rules::{
    acceptance_deadline, check_kinds, check_period, event, parse_date, parse_notes, resolve_types,
    terms_json,
};
use super::{
    Event, EventKind, Mandate, Notes, NotesChange, Proposal, Side, Terms, TermsChange, TermsInForce,
};
use crate::access::{MandateAction, Situation};
use crate::actor::Actor;
use crate::catalog::Catalog;
use crate::error::{DomainError, FieldError, FieldErrors};
use crate::time::{Instant, brussels_date};

impl Mandate {
    /// Changes the terms of an active mandate, based on version `based_on`. A narrowing takes
    /// effect at once; a widening becomes a proposal that waits for the other party.
    pub fn modify(
        &mut self,
        actor: &Actor,
        based_on: u32,
        change: &TermsChange,
        catalog: &Catalog,
        now: Instant,
    ) -> Result<Vec<Event>, DomainError> {
        let at = Situation::at(now);
        let side = self.side_for(actor, MandateAction::Modify, at)?;
        if based_on != self.version {
            return Err(DomainError::conflict("stale_version").arg("current", self.version));
        }
        let today = brussels_date(now);
        let mut errors = FieldErrors::default();
        let codes: Vec<String> = match &change.types {
            Some(t) => t.clone(),
            None => self.terms.types.iter().cloned().collect(),
        };
        let types = resolve_types(
            catalog,
            &self.terms.domain,
            &codes,
            &self.terms.types,
            &mut errors,
        );
        let valid_from = match &change.valid_from {
            Some(text) => parse_date("valid_from", text, &mut errors),
            None => Some(self.terms.valid_from),
        };
        if let Some(from) = valid_from
            && from != self.terms.valid_from
            && (from < today || self.terms.valid_from <= today)
        {
            errors.push(FieldError::new("valid_from", "start_in_past").arg("today", today));
        }
        let valid_until = match &change.valid_until {
            Some(Some(text)) => parse_date("valid_until", text, &mut errors).map(Some),
            Some(None) => Some(None),
            None => Some(self.terms.valid_until),
        };
        if let Some(Some(until)) = valid_until
            && Some(until) != self.terms.valid_until
            && until < today
        {
            errors.push(FieldError::new("valid_until", "end_in_past").arg("today", today));
        }
        errors.into_result()?;
        let (Some(valid_from), Some(valid_until)) = (valid_from, valid_until) else {
            return Err(DomainError::invalid(FieldErrors::default()));
        };
        let new_terms = Terms {
            types: codes.into_iter().collect(),
            valid_from,
            valid_until,
            ..self.terms.clone()
        };
        if new_terms == self.terms {
            return Err(DomainError::field(FieldError::new("terms", "no_change")));
        }
        let widened = self.terms.is_widened_by(&new_terms);
        // The catalog's limits bind what is granted anew; a partial stop is always possible.
        let mut errors = FieldErrors::default();
        if widened {
            check_period(&types, valid_from, valid_until, &mut errors);
            check_kinds(&types, Side::Mandator, &self.terms.mandator, &mut errors);
            check_kinds(&types, Side::Mandatee, &self.terms.mandatee, &mut errors);
        } else if valid_until.is_some_and(|u| u < valid_from) {
            errors.push(FieldError::new("valid_until", "end_before_start"));
        }
        errors.into_result()?;
        if widened {
            if self.live_proposal(now).is_some() {
                return Err(DomainError::conflict("proposal_pending"));
            }
            let proposal = Proposal {
                version: self.next_version(),
                lapses_at: acceptance_deadline(&types, &new_terms, now),
                terms: new_terms,
                proposed_by: side,
                proposed_at: now,
            };
            self.signatures
                .push(Self::signature(actor, side, proposal.version, now));
            let detail = serde_json::json!({"proposal_version": proposal.version, "terms": proposal.terms, "lapses_at": proposal.lapses_at});
            self.proposal = Some(proposal);
            Ok(vec![event(
                self,
                EventKind::ChangeProposed,
                Some(actor),
                now,
                detail,
            )])
        } else {
            // A narrowing is a partial stop: in force at once, any proposal is void.
            self.proposal = None;
            self.version = self.next_version();
            self.terms = new_terms;
            self.signatures
                .push(Self::signature(actor, side, self.version, now));
            self.history.push(TermsInForce {
                version: self.version,
                from: now,
                terms: self.terms.clone(),
            });
            Ok(vec![event(
                self,
                EventKind::Narrowed,
                Some(actor),
                now,
                terms_json(&self.terms),
            )])
        }
    }

    /// Changes the acting party's own reference, language or e-mail address; the capacity
    /// given at creation stays as it is.
    pub fn change_notes(
        &mut self,
        actor: &Actor,
        change: &NotesChange,
        now: Instant,
    ) -> Result<Vec<Event>, DomainError> {
        let at = Situation::at(now);
        let side = self.side_for(actor, MandateAction::ChangeNotes, at)?;
        let current = match side {
            Side::Mandator => &self.mandator_notes,
            Side::Mandatee => &self.mandatee_notes,
        };
        let pick = |new: &Option<Option<String>>, old: Option<String>| match new {
            Some(v) => v.clone(),
            None => old,
        };
        let reference = pick(&change.reference, current.reference.clone());
        let language = pick(
            &change.language,
            current.language.map(|l| l.code().to_owned()),
        );
        let email = pick(&change.email, current.email.clone());
        let capacity = current.capacity.clone();
        let mut errors = FieldErrors::default();
        let notes = parse_notes(
            reference.as_deref(),
            language.as_deref(),
            email.as_deref(),
            &mut errors,
        );
        let notes = Notes { capacity, ..notes };
        errors.into_result()?;
        match side {
            Side::Mandator => self.mandator_notes = notes,
            Side::Mandatee => self.mandatee_notes = notes,
        }
        Ok(vec![event(
            self,
            EventKind::NotesChanged,
            Some(actor),
            now,
            serde_json::json!({"side": side}),
        )])
    }
}
