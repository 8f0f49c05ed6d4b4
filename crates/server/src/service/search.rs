//! For whom may a person act now (the mandators that an application shows as "act on
//! behalf of"), and who may act for a mandator: from the mandates in force of the
//! application's domain, directly or through an enterprise's executors. Every item answered
//! is written to the access log.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use mandates_domain::access::ReadScope;
use mandates_domain::mandate::{Mandate, Side, Status};
use mandates_domain::roles::RoleKind;
use mandates_domain::time::Instant;
use mandates_domain::{Insz, Kbo, Party};
use mandates_store::{AccessEntry, MandateQuery, RoleFilter};
use uuid::Uuid;

use super::check::{Asked, access_entry};
use crate::AppState;
use crate::error::AppError;
use crate::tokens::ClientPrincipal;

/// The largest page.
pub const MAX_LIMIT: usize = 500;

/// A person who may act for a mandator, and through what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Representation {
    pub mandator: Party,
    /// The person who may act.
    pub actor: Insz,
    /// The types the person may use for the mandator through this mandate.
    pub types: Vec<String>,
    pub mandate: Uuid,
    /// The enterprise that holds the mandate, when the person acts as its executor.
    pub via_enterprise: Option<Kbo>,
    pub valid_until: Option<NaiveDate>,
}

/// A page of representations, ordered by mandate, and where the next page starts.
#[derive(Debug, Clone)]
pub struct Found {
    pub items: Vec<Representation>,
    /// The last mandate of this page, when there may be more.
    pub next: Option<(Uuid, String)>,
    /// The event sequence number the answer was read at.
    pub consistency: i64,
}

/// What a search is about, besides its subject.
#[derive(Debug, Clone, Copy)]
pub struct Filter<'a> {
    /// Only mandates that grant this type.
    pub type_code: Option<&'a str>,
    /// Continue after this mandate and actor (a position of a previous page).
    pub after: Option<(Uuid, &'a str)>,
    pub limit: usize,
}

/// The types of a mandate in force now that the application covers and the filter wants,
/// and that `executes` allows (for an executor; `None`: directly).
fn usable(
    m: &Mandate,
    client: &ClientPrincipal,
    filter: &Filter<'_>,
    executes: Option<&BTreeSet<String>>,
    now: Instant,
) -> Option<(Vec<String>, Option<NaiveDate>)> {
    let entry = m.in_force_at(now)?;
    let types: Vec<String> = entry
        .terms
        .types
        .iter()
        .filter(|t| client.covers(t))
        .filter(|t| filter.type_code.is_none_or(|x| x == t.as_str()))
        .filter(|t| executes.is_none_or(|e| e.contains(*t)))
        .cloned()
        .collect();
    (!types.is_empty()).then_some((types, entry.terms.valid_until))
}

/// Walks the signed mandates of `parties` on `side` in the domain, by id, collecting what
/// `each` makes of them after the filter's position, until `limit` items or the end; says
/// whether there are more.
async fn collect(
    state: &AppState,
    client: &ClientPrincipal,
    side: Side,
    parties: &[Party],
    filter: &Filter<'_>,
    mut each: impl FnMut(&Mandate) -> Vec<Representation>,
) -> Result<(Vec<Representation>, bool), AppError> {
    let limit = filter.limit.clamp(1, MAX_LIMIT);
    let batch = (limit as i64).clamp(100, 1000);
    let past = |item: &Representation| {
        filter
            .after
            .is_none_or(|(mandate, actor)| (item.mandate, item.actor.as_str()) > (mandate, actor))
    };
    let mut items: Vec<Representation> = Vec::new();
    let mut from = filter.after.map(|(mandate, _)| mandate);
    // The mandate read last: a next batch starts from it again (inclusive) and skips it.
    let mut read: Option<Uuid> = None;
    loop {
        let page = state
            .store()
            .signed_mandates(side, parties, &client.domain, from, batch)
            .await?;
        let exhausted = (page.len() as i64) < batch;
        for m in page.iter().filter(|m| read.is_none_or(|r| m.id > r)) {
            items.extend(each(m).into_iter().filter(|i| past(i)));
            if items.len() > limit {
                items.truncate(limit);
                return Ok((items, true));
            }
        }
        match page.last() {
            Some(last) if !exhausted => {
                from = Some(last.id);
                read = Some(last.id);
            }
            _ => return Ok((items, false)),
        }
    }
}

/// Everyone the person may act for now in the application's domain, with the types and
/// the granting mandate; directly or as an enterprise's executor (the types of all their
/// executor roles at that enterprise together).
pub async fn for_whom(
    state: &AppState,
    client: &ClientPrincipal,
    actor: &Insz,
    filter: Filter<'_>,
    now: Instant,
) -> Result<Found, AppError> {
    let consistency = state.store().last_seq().await?;
    let mut executes: BTreeMap<Kbo, BTreeSet<String>> = BTreeMap::new();
    for r in state.store().roles_of_person(actor).await? {
        if r.kind == RoleKind::Executor
            && r.domain.as_deref() == Some(client.domain.as_str())
            && r.in_force_at(now)
        {
            executes
                .entry(r.enterprise.clone())
                .or_default()
                .extend(r.types.iter().cloned());
        }
    }
    let mut holders = vec![Party::Person(actor.clone())];
    holders.extend(executes.keys().cloned().map(Party::Enterprise));
    let (items, more) = collect(state, client, Side::Mandatee, &holders, &filter, |m| {
        let via = m.terms.mandatee.as_enterprise();
        let allowed = match via {
            Some(k) => match executes.get(k) {
                Some(types) => usable(m, client, &filter, Some(types), now),
                None => None,
            },
            None => usable(m, client, &filter, None, now),
        };
        allowed
            .map(|(types, valid_until)| Representation {
                mandator: m.terms.mandator.clone(),
                actor: actor.clone(),
                types,
                mandate: m.id,
                via_enterprise: via.cloned(),
                valid_until,
            })
            .into_iter()
            .collect()
    })
    .await?;
    record(state, client, &items, now)?;
    Ok(page(items, more, consistency))
}

/// Everyone who may act now for the mandator in the application's domain: the persons it
/// gave a mandate to, and the executors (for the types of their roles) of the enterprises
/// it gave one to.
pub async fn who_for(
    state: &AppState,
    client: &ClientPrincipal,
    mandator: &Party,
    filter: Filter<'_>,
    now: Instant,
) -> Result<Found, AppError> {
    let consistency = state.store().last_seq().await?;
    let mandators = [mandator.clone()];
    // The executors of each enterprise the mandator gave a mandate to, read once.
    let mut rosters: BTreeMap<Kbo, BTreeMap<Insz, BTreeSet<String>>> = BTreeMap::new();
    let enterprises: BTreeSet<Kbo> = {
        let mut found = BTreeSet::new();
        let mut after = None;
        loop {
            let page = state
                .store()
                .signed_mandates(Side::Mandator, &mandators, &client.domain, after, 1000)
                .await?;
            for m in &page {
                if let Some(k) = m.terms.mandatee.as_enterprise() {
                    found.insert(k.clone());
                }
            }
            match page.last() {
                // From the last one again (inclusive): a page of one means the end.
                Some(last) if page.len() == 1000 && after != Some(last.id) => after = Some(last.id),
                _ => break,
            }
        }
        found
    };
    for k in enterprises {
        let mut executors: BTreeMap<Insz, BTreeSet<String>> = BTreeMap::new();
        for r in state.store().roles_of_enterprise(&k).await? {
            if r.kind == RoleKind::Executor
                && r.domain.as_deref() == Some(client.domain.as_str())
                && r.in_force_at(now)
            {
                executors
                    .entry(r.person.clone())
                    .or_default()
                    .extend(r.types.iter().cloned());
            }
        }
        rosters.insert(k, executors);
    }
    let (items, more) = collect(
        state,
        client,
        Side::Mandator,
        &mandators,
        &filter,
        |m| match &m.terms.mandatee {
            Party::Person(p) => usable(m, client, &filter, None, now)
                .map(|(types, valid_until)| Representation {
                    mandator: m.terms.mandator.clone(),
                    actor: p.clone(),
                    types,
                    mandate: m.id,
                    via_enterprise: None,
                    valid_until,
                })
                .into_iter()
                .collect(),
            Party::Enterprise(k) => rosters
                .get(k)
                .into_iter()
                .flatten()
                .filter_map(|(person, types)| {
                    usable(m, client, &filter, Some(types), now).map(|(types, valid_until)| {
                        Representation {
                            mandator: m.terms.mandator.clone(),
                            actor: person.clone(),
                            types,
                            mandate: m.id,
                            via_enterprise: Some(k.clone()),
                            valid_until,
                        }
                    })
                })
                .collect(),
        },
    )
    .await?;
    record(state, client, &items, now)?;
    Ok(page(items, more, consistency))
}

fn page(items: Vec<Representation>, more: bool, consistency: i64) -> Found {
    let next = more
        .then(|| items.last().map(|i| (i.mandate, i.actor.to_string())))
        .flatten();
    Found {
        items,
        next,
        consistency,
    }
}

/// Each answered item is an answer about the mandator: it goes to the access log (a page
/// that cannot be logged is not given).
fn record(
    state: &AppState,
    client: &ClientPrincipal,
    items: &[Representation],
    now: Instant,
) -> Result<(), AppError> {
    let entries: Vec<AccessEntry> = items
        .iter()
        .map(|item| AccessEntry {
            mandator: Some(item.mandator.to_string()),
            type_code: Some(item.types.join(",")),
            allowed: true,
            mandate_id: Some(item.mandate.to_string()),
            ..access_entry(client, Asked::List, &item.actor, now)
        })
        .collect();
    Ok(state.access_log().record_all(&entries)?)
}

/// The mandates in force that a person may use now as an executor of the enterprises they
/// work for (each with its enterprise), at most `max`.
pub async fn as_executor(
    state: &AppState,
    roles: &[mandates_domain::roles::EnterpriseRole],
    now: Instant,
    max: usize,
) -> Result<Vec<(Party, Mandate)>, AppError> {
    let mut found = Vec::new();
    for role in roles
        .iter()
        .filter(|r| r.kind == RoleKind::Executor && r.in_force_at(now))
    {
        let Some(domain) = role.domain.as_deref() else {
            continue;
        };
        let enterprise = Party::Enterprise(role.enterprise.clone());
        let mut from = None;
        loop {
            let page = state
                .store()
                .signed_mandates(
                    Side::Mandatee,
                    std::slice::from_ref(&enterprise),
                    domain,
                    from,
                    500,
                )
                .await?;
            let more = page.len() == 500;
            for m in page.iter().filter(|m| Some(m.id) != from) {
                let usable = m
                    .in_force_at(now)
                    .is_some_and(|e| role.types.iter().any(|t| e.terms.types.contains(t)));
                if usable {
                    found.push((enterprise.clone(), m.clone()));
                    if found.len() >= max {
                        return Ok(found);
                    }
                }
            }
            match page.last() {
                Some(last) if more => from = Some(last.id),
                _ => break,
            }
        }
    }
    Ok(found)
}

/// The mandates a person may use now: those given to them in their own name, and those of
/// the enterprises they are an executor of.
pub struct Usable {
    pub own: Vec<Mandate>,
    /// Each with the enterprise that holds it.
    pub as_executor: Vec<(Party, Mandate)>,
}

/// The mandates `person` may use now, at most `max` of each kind: in force now, with the
/// person (or an enterprise they execute for, for one of the types) as mandatee.
pub async fn usable_by(
    state: &AppState,
    person: &Insz,
    roles: &[mandates_domain::roles::EnterpriseRole],
    now: Instant,
    max: usize,
) -> Result<Usable, AppError> {
    Ok(Usable {
        own: own_usable(state, person, now, max).await?,
        as_executor: as_executor(state, roles, now, max).await?,
    })
}

/// The mandates in force now that `person` holds in their own name, at most `max`.
pub async fn own_usable(
    state: &AppState,
    person: &Insz,
    now: Instant,
    max: usize,
) -> Result<Vec<Mandate>, AppError> {
    let mut query = MandateQuery::of(Party::Person(person.clone()), ReadScope::All);
    query.role = Some(RoleFilter::Mandatee);
    query.statuses = vec![Status::Active];
    query.limit = u32::try_from(max).unwrap_or(u32::MAX);
    Ok(state.store().list_mandates(&query, now).await?.items)
}
