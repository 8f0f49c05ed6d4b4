//! Exclusive types in words: the warning, while a mandate is written, that a chosen type is
//! already given to someone else (with the way forward: transfer that mandate, or stop it
//! first), and the refusal of a signature on such a conflict naming the mandate in the way.

use mandates_domain::access::{self, MandateAction};
use mandates_domain::mandate::{Mandate, Side, Status, Terms};
use mandates_domain::time::Instant;
use mandates_domain::{DomainError, Lang, Party};
use mandates_store::{MandateQuery, RoleFilter};
use uuid::Uuid;

use super::mandate::ActionLink;
use super::page::Tr;
use super::rows::status_text;
use super::visit::User;
use crate::AppState;
use crate::error::AppError;
use crate::i18n;
use crate::service::mandates;
use crate::service::names;

/// The most mandates of one mandator looked through for a warning.
const MAX_LOOKED_AT: usize = 1000;

/// The ways forward offered for a mandate in the way, in this order.
const WAYS: [MandateAction; 4] = [
    MandateAction::Transfer,
    MandateAction::Stop,
    MandateAction::Withdraw,
    MandateAction::Reject,
];

/// A mandate of the mandator that already gives an exclusive type to someone else.
pub struct Held {
    /// The type's code (which choice the warning belongs to).
    pub code: String,
    /// The warning, in words: the type, to whom, in what state.
    pub text: String,
    /// The mandate in the way.
    pub href: String,
    /// What tells its links apart from those of another warning (read by screen readers).
    pub which: String,
    /// What the viewer may do about it now (transfer, stop; withdraw or refuse while pending).
    pub ways: Vec<ActionLink>,
}

/// What the new terms would give: the types, and the mandatee and the period once known.
pub struct Wanted<'a> {
    pub types: &'a [String],
    pub mandatee: Option<&'a Party>,
    pub terms: Option<&'a Terms>,
}

/// The viewer's mandates as mandator, signed or waiting, of `domain`.
async fn mandates_given(
    state: &AppState,
    user: &User,
    domain: &str,
    now: Instant,
) -> Result<Vec<Mandate>, AppError> {
    let actor = &user.actor;
    let mut query = MandateQuery::of(actor.party.clone(), access::read_scope(actor));
    query.role = Some(RoleFilter::Mandator);
    query.statuses = vec![Status::Pending, Status::Active, Status::Scheduled];
    query.domain = Some(domain.to_owned());
    query.limit = 200;
    mandates::list_all(state, actor, query, now, MAX_LOOKED_AT).await
}

/// The exclusive types among `wanted.types` that the viewer, as mandator, already gives to
/// someone else (in force, scheduled or waiting for a signature; in the same period and to
/// another mandatee once the new terms say so). Nothing when the viewer does not give.
pub async fn held_elsewhere(
    state: &AppState,
    user: &User,
    lang: Lang,
    domain: &str,
    side: Option<Side>,
    wanted: Wanted<'_>,
    now: Instant,
) -> Result<Vec<Held>, AppError> {
    let catalog = state.catalog();
    let exclusive: Vec<&String> = wanted
        .types
        .iter()
        .filter(|c| catalog.mandate_type(c).is_some_and(|t| t.exclusive))
        .collect();
    if side != Some(Side::Mandator) || exclusive.is_empty() {
        return Ok(Vec::new());
    }
    let t = Tr(lang);
    let mut held = Vec::new();
    let given = mandates_given(state, user, domain, now).await?;
    let names = names::of(state, given.iter().map(|m| &m.terms.mandatee)).await?;
    for m in given {
        let mandatee = wanted.mandatee.or(wanted.terms.map(|n| &n.mandatee));
        if mandatee == Some(&m.terms.mandatee) || wanted.terms.is_some_and(|n| !m.terms.overlaps(n))
        {
            continue;
        }
        let allowed = mandates::allowed_actions(state, &user.actor, &m, now).await?;
        for code in exclusive
            .iter()
            .filter(|c| m.terms.types.contains(c.as_str()))
        {
            let type_name = catalog
                .mandate_type(code)
                .map_or_else(|| (*code).clone(), |ty| ty.name.get(lang).to_owned());
            let mandatee = names.on(&m, &user.actor.party).shown(&m.terms.mandatee);
            let text = i18n::message(
                lang,
                "held-warning",
                &[
                    ("type", type_name.clone()),
                    ("mandatee", mandatee.clone()),
                    ("status", status_text(t, &m, now)),
                ],
            );
            let ways = WAYS
                .iter()
                .filter(|a| allowed.contains(a))
                .map(|a| ActionLink {
                    href: format!("/mandates/{}/{}", m.id, a.as_str()),
                    label: t.t(&format!("held-way-{}", a.as_str())),
                    danger: false,
                })
                .collect();
            held.push(Held {
                code: (*code).clone(),
                text,
                href: format!("/mandates/{}", m.id),
                which: format!("{type_name}, {mandatee}"),
                ways,
            });
        }
    }
    Ok(held)
}

/// The refusal of a change on an exclusive type, in words: the type by name and, when the
/// viewer may see it, the mandate in the way (its mandatee, and where it is). `m`: the
/// mandate being changed. `None` for any other refusal.
pub async fn conflict(
    state: &AppState,
    user: &User,
    lang: Lang,
    m: &Mandate,
    e: &AppError,
) -> Option<(String, Option<String>)> {
    let AppError::Domain(DomainError { code, args, .. }) = e else {
        return None;
    };
    if *code != "exclusive_conflict" {
        return None;
    }
    let arg = |name: &str| args.iter().find(|(k, _)| *k == name).map(|(_, v)| v);
    let code = arg("type")?;
    let type_name = state
        .catalog()
        .mandate_type(code)
        .map_or_else(|| code.clone(), |ty| ty.name.get(lang).to_owned());
    let other = match arg("mandate").and_then(|id| Uuid::parse_str(id).ok()) {
        Some(id) => mandates::visible(state, &user.actor, id).await.ok(),
        None => None,
    };
    let viewer = &user.actor.party;
    let parties = [
        Some(&m.terms.mandator),
        other.as_ref().map(|o| &o.terms.mandatee),
    ];
    let names = names::of(state, parties.into_iter().flatten())
        .await
        .unwrap_or_default();
    let mandator = names.on(m, viewer).shown(&m.terms.mandator);
    Some(match other {
        Some(other) => (
            i18n::message(
                lang,
                "conflict-named",
                &[
                    ("type", type_name),
                    ("mandator", mandator),
                    (
                        "mandatee",
                        names.on(&other, viewer).shown(&other.terms.mandatee),
                    ),
                ],
            ),
            Some(format!("/mandates/{}", other.id)),
        ),
        None => (
            i18n::message(
                lang,
                "conflict-unnamed",
                &[("type", type_name), ("mandator", mandator)],
            ),
            None,
        ),
    })
}
