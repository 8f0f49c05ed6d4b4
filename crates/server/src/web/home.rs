//! The overview: what waits for my signature, for the other party, for a transfer; then
//! every mandate I give and receive (that I may see), with search, filters and a CSV export.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use mandates_domain::access;
use mandates_domain::actor::Actor;
use mandates_domain::mandate::{Side, Status};
use mandates_domain::{DomainError, FieldError, Party};
use mandates_store::{MandateQuery, RoleFilter};
use serde::Deserialize;
use uuid::Uuid;

use super::page::{Chrome, Tr, render};
use super::rows::{Opt, Row, awaiting, notes_of, options, other_of, row_for};
use super::visit::{PageError, Visit};
use crate::AppState;
use crate::http::csv::CsvFile;
use crate::service::{cursor, mandates, names};
use crate::text as format;

/// The most mandates one CSV file holds.
const MAX_EXPORT: usize = 100_000;

/// The filters of the list, from the address.
#[derive(Debug, Default, Deserialize)]
pub struct Filters {
    #[serde(default)]
    status: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    domain: String,
    /// The other party's number.
    #[serde(default)]
    q: String,
    /// Continue after this position.
    #[serde(default)]
    after: String,
    /// Which action was just done (for the notice).
    #[serde(default)]
    pub done: String,
}

impl Filters {
    /// Whether the list is asked for as it is: no search, no filter, the first page.
    fn is_plain(&self) -> bool {
        [&self.status, &self.role, &self.domain, &self.q, &self.after]
            .iter()
            .all(|v| v.trim().is_empty())
    }

    /// The query of these filters; a value that is not one of the choices is an error that
    /// names its field.
    fn query(
        &self,
        state: &AppState,
        actor: &Actor,
        limit: u32,
    ) -> Result<MandateQuery, PageError> {
        let invalid = |field: &str| {
            PageError::Api(DomainError::field(FieldError::new(field, "invalid_filter")).into())
        };
        let mut query = MandateQuery::of(actor.party.clone(), access::read_scope(actor));
        query.limit = limit;
        if !self.q.trim().is_empty() {
            query.counterpart =
                Some(Party::parse(&format::digits(&self.q)).map_err(|_| invalid("q"))?);
        }
        if !self.after.is_empty() {
            let (at, id) = cursor::read_at_id(&self.after).ok_or_else(|| invalid("after"))?;
            query.after = Some((at, Uuid::parse_str(&id).map_err(|_| invalid("after"))?));
        }
        query.role = match self.role.as_str() {
            "" => None,
            "mandator" => Some(RoleFilter::Mandator),
            "mandatee" => Some(RoleFilter::Mandatee),
            _ => return Err(invalid("role")),
        };
        if !self.status.is_empty() {
            query.statuses = vec![Status::parse(&self.status).ok_or_else(|| invalid("status"))?];
        }
        if !self.domain.is_empty() {
            if state.catalog().domain(&self.domain).is_none() {
                return Err(invalid("domain"));
            }
            query.domain = Some(self.domain.clone());
        }
        Ok(query)
    }

    /// The query string of these filters (without the position).
    fn encoded(&self) -> String {
        use super::visit::encode_component as e;
        format!(
            "status={}&role={}&domain={}&q={}",
            e(&self.status),
            e(&self.role),
            e(&self.domain),
            e(&self.q)
        )
    }
}

#[derive(Template)]
#[template(path = "home.html")]
pub struct HomePage {
    c: Chrome,
    notice: String,
    /// The party has no mandate at all: the page says what one can do instead of empty lists.
    first_visit: bool,
    /// Whether the actor may create mandates.
    may_create: bool,
    mine: Vec<Row>,
    theirs: Vec<Row>,
    transfers: Vec<Row>,
    rows: Vec<Row>,
    statuses: Vec<Opt>,
    roles: Vec<Opt>,
    domains: Vec<Opt>,
    q: String,
    filters: String,
    next: Option<String>,
}

#[derive(Template)]
#[template(path = "welcome.html")]
pub struct WelcomePage {
    c: Chrome,
    /// Whether this service can sign anyone in (a login provider, or the demo's).
    can_sign_in: bool,
}

#[derive(Template)]
#[template(path = "signed_out.html")]
pub struct SignedOutPage {
    c: Chrome,
    can_sign_in: bool,
    /// Signed out by the page because the session was about to end unused.
    timed_out: bool,
    idle_minutes: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct SignedOutQuery {
    /// Why, as the sign-out gave it (back from the provider as the logout request's `state`).
    #[serde(default)]
    state: String,
}

/// Where a sign-out ends, back from the identity provider: "You have signed out", or, when
/// the page signed its person out before their session ended, "We signed you out".
pub async fn signed_out(
    State(state): State<AppState>,
    axum::Extension(visit): axum::Extension<Visit>,
    Query(q): Query<SignedOutQuery>,
) -> Response {
    let t = Tr(visit.lang);
    let timed_out = q.state == super::login::TIMED_OUT;
    let title = if timed_out {
        "timed-out-title"
    } else {
        "signed-out-title"
    };
    render(&SignedOutPage {
        c: visit.chrome(&state, t.t(title)),
        can_sign_in: can_sign_in(&state),
        timed_out,
        idle_minutes: state.config().login.idle().num_minutes().to_string(),
    })
}

#[derive(Template)]
#[template(path = "accessibility.html")]
pub struct AccessibilityPage {
    c: Chrome,
}

/// The accessibility statement that public-sector websites publish (EU directive 2016/2102).
pub async fn accessibility(
    State(state): State<AppState>,
    axum::Extension(visit): axum::Extension<Visit>,
) -> Response {
    let t = Tr(visit.lang);
    render(&AccessibilityPage {
        c: visit.chrome(&state, t.t("a11y-title")),
    })
}

/// Whether this service can sign anyone in (a login provider, or the demo's).
fn can_sign_in(state: &AppState) -> bool {
    state.config().demo || state.config().login.issuer.is_some()
}

/// The notice of an action just done, in words.
pub fn notice(t: Tr, done: &str) -> String {
    if done.is_empty() {
        String::new()
    } else {
        t.t(&format!(
            "done-{}",
            done.replace(|c: char| !c.is_ascii_lowercase(), "")
        ))
    }
}

/// The overview (or, signed out, the welcome page).
pub async fn home(
    State(state): State<AppState>,
    axum::Extension(visit): axum::Extension<Visit>,
    Query(filters): Query<Filters>,
) -> Result<Response, PageError> {
    let t = Tr(visit.lang);
    let Some(user) = &visit.user else {
        return Ok(render(&WelcomePage {
            c: visit.chrome(&state, t.t("welcome-title")),
            can_sign_in: can_sign_in(&state),
        }));
    };
    let actor = &user.actor;
    let party = &actor.party;
    let now = state.clock().now();
    let mut waiting_query = MandateQuery::of(party.clone(), access::read_scope(actor));
    waiting_query.statuses = vec![Status::Pending, Status::Active, Status::Scheduled];
    waiting_query.limit = 500;
    let waiting = mandates::list(&state, actor, waiting_query, now).await?;
    let page = mandates::list(&state, actor, filters.query(&state, actor, 50)?, now).await?;
    // The other parties of both lists, named in one read.
    let names = names::of(
        &state,
        waiting
            .items
            .iter()
            .chain(&page.items)
            .map(|m| other_of(m, party)),
    )
    .await?;
    let (mut mine, mut theirs, mut transfers) = (Vec::new(), Vec::new(), Vec::new());
    // What waits for my signature first; then transfers under way; then the other party.
    for m in &waiting.items {
        let missing = awaiting(m, now);
        if missing.is_empty() {
            continue;
        }
        let r = row_for(&state, t, &names, m, actor, now);
        if m.terms.side_of(party).is_some_and(|s| missing.contains(&s)) {
            mine.push(r);
        } else if m.transfer_of.is_some() {
            transfers.push(r);
        } else {
            theirs.push(r);
        }
    }
    let rows = page
        .items
        .iter()
        .map(|m| row_for(&state, t, &names, m, actor, now))
        .collect::<Vec<_>>();
    let next = page.next.map(|(at, id)| {
        format!(
            "/?{}&after={}",
            filters.encoded(),
            cursor::at_id(at, &id.to_string())
        )
    });
    let statuses = Status::ALL
        .iter()
        .map(|s| {
            let label = match s {
                Status::Scheduled => t.t("status-scheduled-filter"),
                other => t.t(&format!("status-{}", other.as_str())),
            };
            (s.as_str().to_owned(), label)
        })
        .collect();
    let roles = vec![
        ("mandator".to_owned(), t.t("side-mandator")),
        ("mandatee".to_owned(), t.t("side-mandatee")),
    ];
    let domains = state
        .catalog()
        .domains
        .iter()
        .map(|d| (d.code.clone(), d.name.get(visit.lang).to_owned()))
        .collect();
    let first_visit = filters.is_plain() && rows.is_empty();
    // Acting for an enterprise, the heading says whose mandates these are.
    let title = match user.acting_for() {
        Some(k) => t.t1(
            "home-title-enterprise",
            "enterprise",
            &user.names.shown(&Party::Enterprise(k.clone())),
        ),
        None => t.t("home-title"),
    };
    Ok(render(&HomePage {
        c: visit.chrome(&state, title),
        notice: notice(t, &filters.done),
        first_visit,
        may_create: access::manages_any(actor),
        mine,
        theirs,
        transfers,
        rows,
        statuses: options(&filters.status, statuses, t),
        roles: options(&filters.role, roles, t),
        domains: options(&filters.domain, domains, t),
        q: filters.q.clone(),
        filters: filters.encoded(),
        next,
    }))
}

/// The same list as a CSV file, every page of it.
pub async fn export_csv(
    State(state): State<AppState>,
    axum::Extension(visit): axum::Extension<Visit>,
    Query(filters): Query<Filters>,
) -> Result<Response, PageError> {
    let user = visit.user()?;
    let party = &user.actor.party;
    let now = state.clock().now();
    let mut query = filters.query(&state, &user.actor, 500)?;
    query.after = None;
    let all = mandates::list_all(&state, &user.actor, query, now, MAX_EXPORT).await?;
    let mut out = CsvFile::new("writing the mandates CSV");
    out.row([
        "id",
        "your_side",
        "mandator",
        "mandatee",
        "domain",
        "types",
        "valid_from",
        "valid_until",
        "status",
        "reference",
        "created_at",
    ])?;
    for m in &all {
        let side = m.terms.side_of(party);
        out.row([
            m.id.to_string(),
            side.map(Side::as_str).unwrap_or("initiator").to_owned(),
            m.terms.mandator.to_string(),
            m.terms.mandatee.to_string(),
            m.terms.domain.clone(),
            m.terms.types.iter().cloned().collect::<Vec<_>>().join(" "),
            m.terms.valid_from.to_string(),
            m.terms
                .valid_until
                .map(|d| d.to_string())
                .unwrap_or_default(),
            m.status_at(now).as_str().to_owned(),
            notes_of(m, side)
                .and_then(|n| n.reference.clone())
                .unwrap_or_default(),
            m.created_at.to_rfc3339(),
        ])?;
    }
    Ok(out.download("mandates.csv")?)
}
