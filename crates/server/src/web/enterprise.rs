//! The pages around an enterprise and the checks: its roster for those who manage it, who
//! checked a mandator's mandates, and the mandates an executor may use.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use mandates_domain::Party;

use super::page::{Chrome, Tr, render};
use super::rows::{Row, other_of, row_of};
use super::visit::{PageError, Visit};
use crate::AppState;
use crate::service::names;
use crate::text as format;
use mandates_domain::DomainError;

/// A role on the roster.
pub struct RoleRow {
    pub person: String,
    pub kind: String,
    pub domain: String,
    pub types: String,
    pub period: String,
    pub in_force: bool,
}

#[derive(Template)]
#[template(path = "enterprise.html")]
pub struct EnterprisePage {
    c: Chrome,
    enterprise: String,
    roles: Vec<RoleRow>,
}

/// The roster of the enterprise one acts for: managers and executors per type.
pub async fn roster(
    State(state): State<AppState>,
    axum::Extension(visit): axum::Extension<Visit>,
) -> Result<Response, PageError> {
    let user = visit.user()?;
    let t = Tr(visit.lang);
    let now = state.clock().now();
    let roster = crate::service::roles::roster(&state, &user.actor).await?;
    let Some(enterprise) = user.acting_for() else {
        return Err(PageError::Api(
            DomainError::forbidden("act_for_enterprise_first").into(),
        ));
    };
    let enterprise_party = Party::Enterprise(enterprise.clone());
    let mut named: Vec<Party> = roster
        .iter()
        .map(|r| Party::Person(r.person.clone()))
        .collect();
    named.push(enterprise_party.clone());
    let names = names::of(&state, &named).await?;
    let roles = roster
        .into_iter()
        .map(|r| RoleRow {
            person: names.shown(&Party::Person(r.person.clone())),
            kind: t.t(&format!("role-{}", r.kind.as_str())),
            domain: r
                .domain
                .as_deref()
                .map(|d| {
                    state
                        .catalog()
                        .domain(d)
                        .map_or_else(|| d.to_owned(), |x| x.name.get(visit.lang).to_owned())
                })
                .unwrap_or_else(|| t.t("role-all-domains")),
            types: r
                .types
                .iter()
                .map(|c| {
                    state
                        .catalog()
                        .mandate_type(c)
                        .map_or_else(|| c.clone(), |x| x.name.get(visit.lang).to_owned())
                })
                .collect::<Vec<_>>()
                .join(", "),
            period: match r.valid_until {
                Some(u) => t.t2(
                    "period-limited",
                    ("from", &format::date(r.valid_from)),
                    ("until", &format::date(u)),
                ),
                None => t.t1("period-unlimited", "from", &format::date(r.valid_from)),
            },
            in_force: r.in_force_at(now),
        })
        .collect();
    let shown = names.shown(&enterprise_party);
    Ok(render(&EnterprisePage {
        c: visit.chrome(&state, t.t1("enterprise-title", "enterprise", &shown)),
        enterprise: shown,
        roles,
    }))
}

/// A check as the mandator reads it.
pub struct CheckRow {
    pub at: String,
    pub client: String,
    pub actor: String,
    pub what: String,
    pub answer: String,
}

/// A check's answer in words: allowed, or refused and why.
fn answer_text(t: Tr, allowed: bool, reason: Option<&str>) -> String {
    match reason {
        _ if allowed => t.t("access-allowed"),
        Some(code) if REFUSALS.contains(&code) => t.t(&format!("access-refused-{code}")),
        _ => t.t("access-refused"),
    }
}

/// The reasons of a refusal that the log says in words (the codes of
/// [`mandates_domain::check::Refusal`]).
const REFUSALS: [&str; 6] = [
    "no_executor_role",
    "pending_signature",
    "not_yet_in_force",
    "stopped",
    "expired",
    "no_mandate",
];

#[derive(Template)]
#[template(path = "access_log.html")]
pub struct AccessLogPage {
    c: Chrome,
    rows: Vec<CheckRow>,
}

/// Who checked what about the party one acts for.
pub async fn access_log(
    State(state): State<AppState>,
    axum::Extension(visit): axum::Extension<Visit>,
) -> Result<Response, PageError> {
    let user = visit.user()?;
    let t = Tr(visit.lang);
    let entries = crate::service::access_log::read(&state, &user.actor, None, 200)
        .await?
        .items;
    let actors: Vec<Party> = entries
        .iter()
        .filter_map(|e| Party::parse(&e.actor).ok())
        .collect();
    let names = names::of(&state, &actors).await?;
    let rows = entries
        .into_iter()
        .map(|e| CheckRow {
            at: format::instant(e.at),
            client: e.client,
            actor: names.shown_number(&e.actor),
            what: e
                .type_code
                .as_deref()
                .map(|c| {
                    state
                        .catalog()
                        .mandate_type(c)
                        .map_or_else(|| c.to_owned(), |x| x.name.get(visit.lang).to_owned())
                })
                .unwrap_or_else(|| t.t("access-list")),
            answer: answer_text(t, e.allowed, e.reason.as_deref()),
        })
        .collect();
    Ok(render(&AccessLogPage {
        c: visit.chrome(&state, t.t("access-title")),
        rows,
    }))
}

#[derive(Template)]
#[template(path = "executor.html")]
pub struct ExecutorPage {
    c: Chrome,
    /// Given to the person in their own name.
    own: Vec<Row>,
    /// Given to an enterprise they are an executor of.
    executing: Vec<Row>,
}

/// The mandates the person may use now: given to them, or to an enterprise they are an
/// executor of.
pub async fn executor(
    State(state): State<AppState>,
    axum::Extension(visit): axum::Extension<Visit>,
) -> Result<Response, PageError> {
    let user = visit.user()?;
    let t = Tr(visit.lang);
    let now = state.clock().now();
    let person = &user.principal.person;
    let usable =
        crate::service::search::usable_by(&state, person, &user.roles, now, MAX_USABLE).await?;
    let me = Party::Person(person.clone());
    let names = names::of(
        &state,
        usable
            .own
            .iter()
            .map(|m| other_of(m, &me))
            .chain(usable.as_executor.iter().map(|(e, m)| other_of(m, e))),
    )
    .await?;
    Ok(render(&ExecutorPage {
        c: visit.chrome(&state, t.t("executor-title")),
        own: usable
            .own
            .iter()
            .map(|m| row_of(&state, t, &names, m, &me, now))
            .collect(),
        executing: usable
            .as_executor
            .iter()
            .map(|(enterprise, m)| row_of(&state, t, &names, m, enterprise, now))
            .collect(),
    }))
}

/// The most mandates of each kind the page lists.
const MAX_USABLE: usize = 500;

#[cfg(test)]
mod tests {
    use mandates_domain::Kbo;
    use mandates_domain::check::Refusal;
    use mandates_domain::mandate::Side;
    use uuid::Uuid;

    use super::REFUSALS;

    #[test]
    fn every_reason_of_a_refusal_is_said_in_words() -> Result<(), Box<dyn std::error::Error>> {
        let mandate = Uuid::nil();
        let day = chrono::NaiveDate::from_ymd_opt(2027, 3, 1).ok_or("a date")?;
        let every = [
            Refusal::NoExecutorRole {
                mandate,
                enterprise: Kbo::parse("0412345614")?,
            },
            Refusal::PendingSignature {
                mandate,
                missing: Side::Mandatee,
            },
            Refusal::NotYetInForce { mandate, from: day },
            Refusal::Stopped {
                mandate,
                at: "2027-03-01T09:00:00Z".parse()?,
            },
            Refusal::Expired { mandate, on: day },
            Refusal::NoMandate,
        ];
        for refusal in every {
            assert!(REFUSALS.contains(&refusal.code()), "{}", refusal.code());
        }
        Ok(())
    }
}
