//! What a mandate says and what people write to make or change one: the sides, the terms
//! both parties sign, each party's notes, the signatures, the versions of the terms in force
//! and a proposed change; the draft of a new mandate and the changes of terms and notes.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::actor::AuthContext;
use crate::time::{Instant, end_of_day, start_of_day};
use crate::{Insz, Lang, Party};

/// A side of a mandate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    Mandator,
    Mandatee,
}

impl Side {
    pub fn other(self) -> Side {
        match self {
            Side::Mandator => Side::Mandatee,
            Side::Mandatee => Side::Mandator,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Side::Mandator => "mandator",
            Side::Mandatee => "mandatee",
        }
    }

    pub fn parse(s: &str) -> Option<Side> {
        [Side::Mandator, Side::Mandatee]
            .into_iter()
            .find(|x| x.as_str() == s)
    }
}

/// What both parties sign: domain, types, parties and period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Terms {
    pub domain: String,
    pub types: BTreeSet<String>,
    pub mandator: Party,
    pub mandatee: Party,
    pub valid_from: NaiveDate,
    /// `None`: unlimited.
    pub valid_until: Option<NaiveDate>,
}

impl Terms {
    pub fn party(&self, side: Side) -> &Party {
        match side {
            Side::Mandator => &self.mandator,
            Side::Mandatee => &self.mandatee,
        }
    }

    pub fn side_of(&self, party: &Party) -> Option<Side> {
        if *party == self.mandator {
            Some(Side::Mandator)
        } else if *party == self.mandatee {
            Some(Side::Mandatee)
        } else {
            None
        }
    }

    /// The first instant in force and the first instant after (if limited).
    pub fn period(&self) -> (Instant, Option<Instant>) {
        (
            start_of_day(self.valid_from),
            self.valid_until.map(end_of_day),
        )
    }

    /// Whether the two periods share a day.
    pub fn overlaps(&self, other: &Terms) -> bool {
        let ends_after =
            |until: Option<NaiveDate>, from: NaiveDate| until.is_none_or(|u| u >= from);
        ends_after(self.valid_until, other.valid_from)
            && ends_after(other.valid_until, self.valid_from)
    }

    /// Whether `new` grants anything these terms do not.
    pub(super) fn is_widened_by(&self, new: &Terms) -> bool {
        let more_types = !new.types.is_subset(&self.types);
        let earlier = new.valid_from < self.valid_from;
        let later = match (self.valid_until, new.valid_until) {
            (Some(_), None) => true,
            (Some(old), Some(new)) => new > old,
            (None, _) => false,
        };
        more_types || earlier || later
    }
}

/// A party's own notes and contact details, outside the terms.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notes {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<Lang>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// The capacity in which the creator acts (eHealth only), as given at creation; it does
    /// not change afterwards.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity: Option<String>,
}

/// A party's consent to one version of the terms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signature {
    pub side: Side,
    pub version: u32,
    /// The person who signed.
    pub person: Insz,
    /// For whom they signed.
    pub party: Party,
    pub at: Instant,
    pub auth: AuthContext,
}

/// Terms that were in force from an instant on (after activation, a widening or a narrowing).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TermsInForce {
    pub version: u32,
    pub from: Instant,
    pub terms: Terms,
}

/// A proposed widening, waiting for the other party's signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Proposal {
    pub version: u32,
    pub terms: Terms,
    pub proposed_by: Side,
    pub proposed_at: Instant,
    pub lapses_at: Instant,
}

/// A new mandate as written by its creator; every field is checked.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Draft {
    pub domain: String,
    pub types: Vec<String>,
    pub mandator: String,
    pub mandatee: String,
    pub valid_from: Option<String>,
    pub valid_until: Option<String>,
    pub reference: Option<String>,
    pub language: Option<String>,
    pub email: Option<String>,
    /// The capacity in which the creator acts; only on an eHealth mandate.
    #[serde(default)]
    pub capacity: Option<String>,
}

/// A change of terms; `None` leaves a field as it is. `valid_until: Some(None)` makes the
/// period unlimited.
#[derive(Debug, Clone, Default)]
pub struct TermsChange {
    pub types: Option<Vec<String>>,
    pub valid_from: Option<String>,
    pub valid_until: Option<Option<String>>,
}

/// A change of the caller's own notes; `Some(None)` clears a field. The capacity is not
/// among them: it stays as given at creation.
#[derive(Debug, Clone, Default)]
pub struct NotesChange {
    pub reference: Option<Option<String>>,
    pub language: Option<Option<String>>,
    pub email: Option<Option<String>>,
}

impl NotesChange {
    pub fn is_empty(&self) -> bool {
        self.reference.is_none() && self.language.is_none() && self.email.is_none()
    }
}
