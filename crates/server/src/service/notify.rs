//! Notices as the unit of work writes them: in the transaction of the change that causes
//! them, each with the mails that carry it (the outbox's `mail` channel). Who is told what
//! is the domain's matrix ([`mandates_domain::notice`]); here the parties become inboxes
//! and people: a person is mailed at the address of their preferences (or the one they
//! gave on the mandate); an enterprise is told in its inbox, and its legal representatives
//! and the managers of the mandate's domain are mailed, as is the address the enterprise
//! gave on the mandate.

use std::collections::HashMap;

use mandates_domain::mandate::{Event, Mandate, Side};
use mandates_domain::notice::{self, Notice};
use mandates_domain::roles::RoleKind;
use mandates_domain::time::Instant;
use mandates_domain::{Insz, Kbo, Party};
use mandates_store::{Channel, NewDelivery, NewNotice, WriteTx};
use serde_json::json;
use uuid::Uuid;

use super::unit::Work;
use crate::error::AppError;

/// The mail target of a person (their preferences decide the address when it is sent).
pub fn person_target(person: &Insz) -> String {
    format!("person:{}", person.as_str())
}

/// The mail target of an address an enterprise gave on a mandate.
pub fn address_target(address: &str) -> String {
    format!("address:{address}")
}

/// The people of an enterprise who are mailed its notices, read once per enterprise and
/// domain in a transaction.
#[derive(Default)]
struct Recipients {
    people: HashMap<(Kbo, Option<String>), Vec<Insz>>,
}

impl Recipients {
    async fn of(
        &mut self,
        tx: &mut WriteTx,
        enterprise: &Kbo,
        domain: Option<&str>,
        now: Instant,
    ) -> Result<&[Insz], AppError> {
        let key = (enterprise.clone(), domain.map(str::to_owned));
        if !self.people.contains_key(&key) {
            let roles = tx.roles_of_enterprise(enterprise).await?;
            let mut people: Vec<Insz> = roles
                .into_iter()
                .map(|r| r.value)
                .filter(|r| {
                    r.in_force_at(now)
                        && match domain {
                            Some(d) => r.manages(d),
                            None => r.kind == RoleKind::LegalRepresentative,
                        }
                })
                .map(|r| r.person)
                .collect();
            people.sort();
            people.dedup();
            self.people.insert(key.clone(), people);
        }
        Ok(self.people.get(&key).map(Vec::as_slice).unwrap_or_default())
    }
}

/// The notes a party gave on a mandate: the address and language "for notifications".
fn notes_of<'m>(m: &'m Mandate, party: &Party) -> Option<&'m mandates_domain::mandate::Notes> {
    match m.terms.side_of(party)? {
        Side::Mandator => Some(&m.mandator_notes),
        Side::Mandatee => Some(&m.mandatee_notes),
    }
}

/// Writes notices and their mails in the transaction. `mandates` are the mandates the
/// notices are about, as they stand after the change (for the addresses given on them);
/// `seq` is the event that caused them, if one did.
pub async fn write(
    tx: &mut WriteTx,
    notices: Vec<(Notice, Option<i64>)>,
    mandates: &[&Mandate],
    now: Instant,
) -> Result<(), AppError> {
    if notices.is_empty() {
        return Ok(());
    }
    let by_id: HashMap<Uuid, &Mandate> = mandates.iter().map(|m| (m.id, *m)).collect();
    let mut recipients = Recipients::default();
    let mut rows = Vec::with_capacity(notices.len());
    let mut mails: Vec<(Uuid, NewDelivery)> = Vec::with_capacity(notices.len());
    for (n, seq) in notices {
        let id = Uuid::now_v7();
        let kind = n.kind.as_str();
        if !n.by_self {
            let notes = n
                .mandate
                .and_then(|id| by_id.get(&id))
                .and_then(|m| notes_of(m, &n.party));
            let email = notes.and_then(|x| x.email.clone());
            let lang = notes.and_then(|x| x.language).map(|l| l.code());
            // The mail names its notice, whose text it tells when it is sent.
            let payload = |email: Option<&str>, lang: Option<&str>| {
                json!({
                    "notice": id,
                    "party": n.party,
                    "kind": kind,
                    "email": email,
                    "lang": lang,
                    "still": n.still,
                })
            };
            let mut mail = |target: String, payload: serde_json::Value| {
                mails.push((
                    id,
                    NewDelivery {
                        id: Uuid::now_v7(),
                        channel: Channel::Mail,
                        target,
                        seq,
                        payload,
                        due_at: now,
                    },
                ));
            };
            match &n.party {
                Party::Person(p) => mail(person_target(p), payload(email.as_deref(), lang)),
                Party::Enterprise(e) => {
                    for p in recipients.of(tx, e, n.domain.as_deref(), now).await? {
                        mail(person_target(p), payload(None, None));
                    }
                    if let Some(address) = &email {
                        mail(address_target(address), payload(Some(address), lang));
                    }
                }
            }
        }
        rows.push(NewNotice {
            id,
            party: n.party.to_string(),
            kind: kind.to_owned(),
            mandate_id: n.mandate,
            seq,
            detail: n.detail,
            created_at: now,
            read_at: n.by_self.then_some(now),
            once_key: n.once_key,
        });
    }
    if rows.iter().all(|n| n.once_key.is_none()) {
        let mails: Vec<NewDelivery> = mails.into_iter().map(|(_, d)| d).collect();
        tx.add_told(&rows, &mails).await?;
        return Ok(());
    }
    // A notice written before under the same key (by another instance's scheduler) is not
    // mailed again.
    let written: std::collections::HashSet<Uuid> =
        tx.add_notices(&rows).await?.into_iter().collect();
    let deliveries: Vec<NewDelivery> = mails
        .into_iter()
        .filter(|(notice, _)| written.contains(notice))
        .map(|(_, d)| d)
        .collect();
    tx.add_deliveries(&deliveries).await?;
    Ok(())
}

impl Work<'_> {
    /// Writes the notices of a change of mandates: its events (appended last at
    /// `last_seq`) and the mandates it wrote as they stand after it.
    pub async fn notify(
        &mut self,
        events: &[Event],
        after: &[&Mandate],
        last_seq: i64,
        now: Instant,
    ) -> Result<(), AppError> {
        if !self.tell {
            return Ok(());
        }
        let first = last_seq - events.len() as i64 + 1;
        // The event a notice comes from: the first of the change about its mandate.
        let mut first_of: HashMap<Uuid, i64> = HashMap::with_capacity(after.len());
        for (i, e) in events.iter().enumerate() {
            first_of.entry(e.mandate_id).or_insert(first + i as i64);
        }
        let notices = notice::of_change(events, after)
            .into_iter()
            .map(|n| {
                let seq = n.mandate.and_then(|m| first_of.get(&m).copied());
                (n, seq)
            })
            .collect();
        write(&mut self.tx, notices, after, now).await
    }
}
