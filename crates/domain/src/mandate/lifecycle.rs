//! Signing, rejecting, withdrawing, stopping and transferring a mandate. Each transition asks
//! [`crate::access::permit`] whether the actor may take it in the mandate's state, then checks
//! its own input and records what happened.

use uuid::Uuid;

use super::rules::{
    acceptance_deadline, check_exclusive, check_kinds, event, parse_party, terms_json,
};
use super::{
    BaseStatus, Event, EventKind, Mandate, Notes, Side, SignOutcome, Status, Terms, TermsInForce,
};
use crate::access::{MandateAction, Situation, permit};
use crate::actor::Actor;
use crate::catalog::{Catalog, MandateType};
use crate::error::{DomainError, FieldError, FieldErrors};
use crate::time::{Instant, brussels_date};

impl Mandate {
    /// The actor's side for an action that only the mandate's parties take.
    pub(super) fn side_for(
        &self,
        actor: &Actor,
        action: MandateAction,
        at: Situation,
    ) -> Result<Side, DomainError> {
        permit(actor, self, action, at)?.ok_or_else(|| DomainError::forbidden("not_a_party"))
    }

    /// Signs version `version`: the missing signature of a pending mandate, or the other
    /// party's signature on a proposed change. `others` are the mandator's other mandates,
    /// to keep exclusive types exclusive.
    pub fn sign(
        &mut self,
        actor: &Actor,
        version: u32,
        others: &[Mandate],
        catalog: &Catalog,
        now: Instant,
    ) -> Result<(SignOutcome, Vec<Event>), DomainError> {
        let at = Situation::at(now);
        let side = match self.side_for(actor, MandateAction::Sign, at) {
            // Nothing waits for a signature: say so, or that this one is there already.
            Err(e)
                if e.code == "nothing_to_sign"
                    && version == self.version
                    && self
                        .terms
                        .side_of(&actor.party)
                        .is_some_and(|s| self.has_signed(s, version)) =>
            {
                return Err(DomainError::conflict("already_signed"));
            }
            other => other?,
        };
        if self.status_at(now) == Status::Pending {
            if version != self.version {
                return Err(DomainError::conflict("stale_version").arg("current", self.version));
            }
            let completes = self.has_signed(side.other(), version);
            if completes {
                check_exclusive(
                    self.id,
                    &self.terms,
                    self.transfer_of,
                    others,
                    catalog,
                    actor,
                    now,
                )?;
            }
            self.signatures
                .push(Self::signature(actor, side, version, now));
            let mut events = vec![event(
                self,
                EventKind::Signed,
                Some(actor),
                now,
                serde_json::json!({"side": side}),
            )];
            if !completes {
                return Ok((SignOutcome::Recorded, events));
            }
            self.status = BaseStatus::Active;
            self.lapses_at = None;
            self.history.push(TermsInForce {
                version,
                from: now,
                terms: self.terms.clone(),
            });
            events.push(event(
                self,
                EventKind::Activated,
                None,
                now,
                serde_json::Value::Null,
            ));
            return Ok((
                SignOutcome::Activated {
                    replaces: self.transfer_of,
                },
                events,
            ));
        }
        // Signed and in effect: what there is to sign is the other party's proposed change.
        let Some(proposal) = self.live_proposal(now).cloned() else {
            return Err(DomainError::conflict("nothing_to_sign"));
        };
        if version != proposal.version {
            return Err(DomainError::conflict("stale_version").arg("current", proposal.version));
        }
        check_exclusive(self.id, &proposal.terms, None, others, catalog, actor, now)?;
        self.signatures
            .push(Self::signature(actor, side, version, now));
        self.version = proposal.version;
        self.terms = proposal.terms.clone();
        self.proposal = None;
        self.history.push(TermsInForce {
            version: self.version,
            from: now,
            terms: self.terms.clone(),
        });
        let ev = event(
            self,
            EventKind::ChangeSigned,
            Some(actor),
            now,
            terms_json(&self.terms),
        );
        Ok((SignOutcome::ChangeInForce, vec![ev]))
    }

    /// Refuses a pending mandate, or a proposed change, as the party asked to sign it.
    pub fn reject(&mut self, actor: &Actor, now: Instant) -> Result<Vec<Event>, DomainError> {
        self.side_for(actor, MandateAction::Reject, Situation::at(now))?;
        Ok(self.turn_down(
            actor,
            now,
            (BaseStatus::Rejected, EventKind::Rejected),
            EventKind::ChangeRejected,
        ))
    }

    /// Takes back a pending mandate, or a proposed change, as the party who made it.
    pub fn withdraw(&mut self, actor: &Actor, now: Instant) -> Result<Vec<Event>, DomainError> {
        permit(actor, self, MandateAction::Withdraw, Situation::at(now))?;
        Ok(self.turn_down(
            actor,
            now,
            (BaseStatus::Withdrawn, EventKind::Withdrawn),
            EventKind::ChangeWithdrawn,
        ))
    }

    /// Closes a pending mandate as `closed` says, or drops its proposed change (recorded as
    /// `dropped`): what a rejection or a withdrawal does, once permitted.
    fn turn_down(
        &mut self,
        actor: &Actor,
        now: Instant,
        closed: (BaseStatus, EventKind),
        dropped: EventKind,
    ) -> Vec<Event> {
        if self.status_at(now) == Status::Pending {
            self.status = closed.0;
            self.closed_at = Some(now);
            return vec![event(
                self,
                closed.1,
                Some(actor),
                now,
                serde_json::Value::Null,
            )];
        }
        let version = self.live_proposal(now).map(|p| p.version);
        self.proposal = None;
        vec![event(
            self,
            dropped,
            Some(actor),
            now,
            serde_json::json!({"proposal_version": version}),
        )]
    }

    /// Ends a signed mandate now (before its period, or during it), as either party. A
    /// proposed change is void.
    pub fn stop(&mut self, actor: &Actor, now: Instant) -> Result<Vec<Event>, DomainError> {
        let at = Situation::at(now);
        self.side_for(actor, MandateAction::Stop, at)?;
        self.status = BaseStatus::Stopped;
        self.closed_at = Some(now);
        self.proposal = None;
        Ok(vec![event(
            self,
            EventKind::Stopped,
            Some(actor),
            now,
            serde_json::Value::Null,
        )])
    }

    /// Ends this mandate because its replacement became active at the same instant.
    pub fn end_by_transfer(
        &mut self,
        actor: &Actor,
        replacement: Uuid,
        now: Instant,
    ) -> Result<Vec<Event>, DomainError> {
        if !self.status_at(now).is_signed_in_effect() || self.transfer_to != Some(replacement) {
            return Err(DomainError::conflict("transfer_void"));
        }
        self.status = BaseStatus::Stopped;
        self.closed_at = Some(now);
        self.proposal = None;
        Ok(vec![event(
            self,
            EventKind::TransferredAway,
            Some(actor),
            now,
            serde_json::json!({"replaced_by": replacement}),
        )])
    }

    /// Voids a pending replacement whose original ended first.
    pub fn void_transfer(&mut self, now: Instant) -> Vec<Event> {
        if self.status_at(now) != Status::Pending {
            return Vec::new();
        }
        self.status = BaseStatus::Voided;
        self.closed_at = Some(now);
        vec![event(
            self,
            EventKind::TransferVoided,
            None,
            now,
            serde_json::json!({"transfer_of": self.transfer_of}),
        )]
    }

    /// Asks to move a signed mandate to a new mandatee. Returns the new pending mandate;
    /// `transfer_live` says whether an earlier transfer of this mandate still waits.
    pub fn transfer(
        &mut self,
        actor: &Actor,
        new_id: Uuid,
        new_mandatee: &str,
        transfer_live: bool,
        catalog: &Catalog,
        now: Instant,
    ) -> Result<(Mandate, Vec<Event>, Vec<Event>), DomainError> {
        let at = Situation { now, transfer_live };
        let side = self.side_for(actor, MandateAction::Transfer, at)?;
        let mut errors = FieldErrors::default();
        let mandatee = parse_party("mandatee", new_mandatee, &mut errors);
        if let Some(m) = &mandatee {
            if *m == self.terms.mandator {
                errors.push(FieldError::new("mandatee", "same_party"));
            } else if *m == self.terms.mandatee {
                errors.push(FieldError::new("mandatee", "already_mandatee"));
            }
            let types: Vec<&MandateType> = self
                .terms
                .types
                .iter()
                .filter_map(|c| catalog.mandate_type(c))
                .collect();
            check_kinds(&types, Side::Mandatee, m, &mut errors);
        }
        errors.into_result()?;
        let Some(mandatee) = mandatee else {
            return Err(DomainError::invalid(FieldErrors::default()));
        };
        let terms = Terms {
            mandatee,
            valid_from: self.terms.valid_from.max(brussels_date(now)),
            ..self.terms.clone()
        };
        let types: Vec<&MandateType> = terms
            .types
            .iter()
            .filter_map(|c| catalog.mandate_type(c))
            .collect();
        let mut signatures = Vec::new();
        if side == Side::Mandator {
            signatures.push(Self::signature(actor, Side::Mandator, 1, now));
        }
        let new = Mandate {
            id: new_id,
            version: 1,
            status: BaseStatus::Pending,
            initiator: actor.party.clone(),
            created_at: now,
            lapses_at: Some(acceptance_deadline(&types, &terms, now)),
            signatures,
            proposal: None,
            history: Vec::new(),
            closed_at: None,
            transfer_to: None,
            transfer_of: Some(self.id),
            mandator_notes: self.mandator_notes.clone(),
            mandatee_notes: Notes::default(),
            terms,
        };
        // A transfer voids a proposed change of the old mandate.
        self.proposal = None;
        self.transfer_to = Some(new_id);
        let old_events = vec![event(
            self,
            EventKind::TransferRequested,
            Some(actor),
            now,
            serde_json::json!({"to": new_id, "mandatee": new.terms.mandatee}),
        )];
        let mut new_events = vec![event(
            &new,
            EventKind::Created,
            Some(actor),
            now,
            serde_json::json!({"terms": new.terms, "transfer_of": self.id}),
        )];
        if side == Side::Mandator {
            new_events.push(event(
                &new,
                EventKind::Signed,
                Some(actor),
                now,
                serde_json::json!({"side": Side::Mandator}),
            ));
        }
        Ok((new, old_events, new_events))
    }
}
