//! The names parties are known by, as the pages show them: "Name (number)" where a name is
//! known, the number alone otherwise. A person's name is learned from the identity provider
//! at each sign-in, an enterprise's from the enterprise register.

use std::collections::BTreeMap;

use mandates_domain::mandate::Mandate;
use mandates_domain::time::Instant;
use mandates_domain::{Party, PartyName};

use crate::AppState;
use crate::error::AppError;
use crate::text;

/// The names known of the parties of one page.
#[derive(Debug, Clone, Default)]
pub struct Names(BTreeMap<Party, PartyName>);

impl Names {
    /// The name of `party`, if known.
    pub fn name(&self, party: &Party) -> Option<&PartyName> {
        self.0.get(party)
    }

    /// Adds (or replaces) the name of `party`: one known without the store (the signed-in
    /// person's, from the session).
    pub fn insert(&mut self, party: Party, name: PartyName) {
        self.0.insert(party, name);
    }

    /// `party` as the pages show it: "Name (number)", or the number alone.
    pub fn shown(&self, party: &Party) -> String {
        text::named(self.name(party).map(PartyName::as_str), text::party(party))
    }

    /// A party's number as stored in text (an event's person or party) as the pages show it;
    /// text that is no party number stays as it is.
    pub fn shown_number(&self, digits: &str) -> String {
        match Party::parse(digits) {
            Ok(party) => self.shown(&party),
            Err(_) => text::number(digits),
        }
    }

    /// `party` in few words, for a title: the name alone, or the number.
    pub fn short(&self, party: &Party) -> String {
        self.name(party)
            .map_or_else(|| text::party(party), |n| n.as_str().to_owned())
    }

    /// The names `viewer` may read of the parties of mandate `m`: an enterprise's always
    /// (the register's, public), a person's only their own or once that person has signed
    /// `m`. Knowing someone's national number and proposing them a mandate must not be a way
    /// to learn their name.
    pub fn on(&self, m: &Mandate, viewer: &Party) -> Names {
        self.kept(|party| {
            public_to(party, viewer) || m.signatures.iter().any(|s| &s.party == party)
        })
    }

    /// The names `viewer` may read of parties they share no signed mandate with: an
    /// enterprise's and their own (a file's rows before they are done).
    pub fn public_to(&self, viewer: &Party) -> Names {
        self.kept(|party| public_to(party, viewer))
    }

    fn kept(&self, keep: impl Fn(&Party) -> bool) -> Names {
        Names(
            self.0
                .iter()
                .filter(|(party, _)| keep(party))
                .map(|(party, name)| (party.clone(), name.clone()))
                .collect(),
        )
    }

    /// `party` as a text that may be read over a shoulder shows it (the inbox): the name with
    /// the number masked as the notices mask it, or the masked number alone.
    pub fn shown_masked(&self, digits: &str) -> String {
        let masked = crate::notify::render::masked_number(digits);
        let name = Party::parse(digits)
            .ok()
            .and_then(|p| self.name(&p).cloned());
        text::named(name.as_ref().map(PartyName::as_str), masked)
    }
}

/// Whether `viewer` may read the name of `party` with no mandate between them: an
/// enterprise's name is the register's (public), a person's is their own.
fn public_to(party: &Party, viewer: &Party) -> bool {
    !matches!(party, Party::Person(_)) || party == viewer
}

/// The names known of `parties`, in one read of the store.
pub async fn of<'a>(
    state: &AppState,
    parties: impl IntoIterator<Item = &'a Party>,
) -> Result<Names, AppError> {
    Ok(Names(state.store().names_of(parties).await?))
}

/// Keeps the name a party is known by (nothing is written when it is the same).
pub async fn learn(
    state: &AppState,
    party: &Party,
    name: &PartyName,
    now: Instant,
) -> Result<(), AppError> {
    if state.store().learn_name(party, name, now).await? {
        tracing::debug!(
            kind = party.kind().as_str(),
            "a party's name was learned or changed"
        );
    }
    Ok(())
}
