//! One party's mandates, filtered and paged: the query, and the `WHERE` clause both
//! backends speak.

use mandates_domain::Party;
use mandates_domain::access::ReadScope;
use mandates_domain::mandate::{Mandate, Status};
use mandates_domain::time::{Instant, brussels_date};
use sqlx::Row;
use uuid::Uuid;

use super::decode;
use crate::backend::on_pool;
use crate::codec::micros;
use crate::{Result, Store};

/// Which side of the caller's mandates to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoleFilter {
    Mandator,
    Mandatee,
}

/// A search in one party's mandates, newest first.
#[derive(Debug, Clone)]
pub struct MandateQuery {
    pub party: Party,
    pub role: Option<RoleFilter>,
    /// Any of these statuses (empty: any status).
    pub statuses: Vec<Status>,
    pub domain: Option<String>,
    /// Only mandates with this party on the other side.
    pub counterpart: Option<Party>,
    /// Only what the reader may see of the party's mandates.
    pub scope: ReadScope,
    /// Continue after this `(created_at, id)`.
    pub after: Option<(Instant, Uuid)>,
    pub limit: u32,
}

impl MandateQuery {
    /// Every mandate of `party` that a reader with `scope` may see, newest first.
    pub fn of(party: Party, scope: ReadScope) -> Self {
        MandateQuery {
            party,
            role: None,
            statuses: Vec::new(),
            domain: None,
            counterpart: None,
            scope,
            after: None,
            limit: 50,
        }
    }
}

/// One page of results and where the next one starts.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<(Instant, Uuid)>,
}

impl Store {
    /// A page of one party's mandates, with the status derived at `now`: the filters,
    /// the reader's scope and the position are all in the query, so a page is full unless
    /// it is the last.
    pub async fn list_mandates(&self, q: &MandateQuery, now: Instant) -> Result<Page<Mandate>> {
        let limit = i64::from(q.limit.clamp(1, 500));
        let rows: Vec<String> = on_pool!(self, pool => {
            let mut sql = sqlx::QueryBuilder::new("SELECT doc FROM mandates WHERE ");
            list_filter(&mut sql, q, now);
            sql.push(format_args!(" ORDER BY created_at DESC, id DESC LIMIT {}", limit + 1));
            sql.build()
                .persistent(false)
                .fetch_all(pool)
                .await?
                .iter()
                .map(|r| r.try_get::<String, _>("doc"))
                .collect::<std::result::Result<_, _>>()?
        });
        let mut items = rows.iter().map(|d| decode(d)).collect::<Result<Vec<_>>>()?;
        let next = if items.len() as i64 > limit {
            items.truncate(limit as usize);
            items.last().map(|m| (m.created_at, m.id))
        } else {
            None
        };
        Ok(Page { items, next })
    }
}

/// The `WHERE` clause of a list of mandates (both backends speak this SQL).
fn list_filter<DB>(sql: &mut sqlx::QueryBuilder<DB>, q: &MandateQuery, now: Instant)
where
    DB: sqlx::Database,
    String: for<'t> sqlx::Encode<'t, DB> + sqlx::Type<DB>,
    i64: for<'t> sqlx::Encode<'t, DB> + sqlx::Type<DB>,
{
    let party = || q.party.as_str().to_owned();
    sql.push("(mandator = ")
        .push_bind(party())
        .push(" OR mandatee = ")
        .push_bind(party())
        .push(" OR (initiator = ")
        .push_bind(party())
        .push(" AND base_status = 'pending'))");
    match q.role {
        Some(RoleFilter::Mandator) => {
            sql.push(" AND mandator = ").push_bind(party());
        }
        Some(RoleFilter::Mandatee) => {
            sql.push(" AND mandatee = ").push_bind(party());
        }
        None => {}
    }
    if let Some(domain) = &q.domain {
        sql.push(" AND domain = ").push_bind(domain.clone());
    }
    if let Some(other) = &q.counterpart {
        sql.push(" AND (mandator = ")
            .push_bind(other.as_str().to_owned())
            .push(" OR mandatee = ")
            .push_bind(other.as_str().to_owned())
            .push(")");
    }
    if !q.statuses.is_empty() {
        let now_instant = now;
        let now = micros(now);
        let today = brussels_date(now_instant).to_string();
        sql.push(" AND (");
        for (i, status) in q.statuses.iter().enumerate() {
            if i > 0 {
                sql.push(" OR ");
            }
            match status {
                Status::Pending => {
                    sql.push("(base_status = 'pending' AND lapses_at > ")
                        .push_bind(now)
                        .push(")");
                }
                Status::Lapsed => {
                    sql.push("(base_status = 'pending' AND lapses_at <= ")
                        .push_bind(now)
                        .push(")");
                }
                Status::Active => {
                    sql.push("(base_status = 'active' AND (ends_at IS NULL OR ends_at > ")
                        .push_bind(now)
                        .push(") AND valid_from <= ")
                        .push_bind(today.clone())
                        .push(")");
                }
                Status::Scheduled => {
                    sql.push("(base_status = 'active' AND valid_from > ")
                        .push_bind(today.clone())
                        .push(")");
                }
                Status::Expired => {
                    sql.push("(base_status = 'active' AND ends_at <= ")
                        .push_bind(now)
                        .push(")");
                }
                Status::Rejected | Status::Withdrawn | Status::Stopped | Status::Voided => {
                    sql.push("base_status = ")
                        .push_bind(status.as_str().to_owned());
                }
            }
        }
        sql.push(")");
    }
    if let ReadScope::Windows(windows) = &q.scope {
        // No window: nothing to see.
        sql.push(" AND (1 = 0");
        for w in windows {
            sql.push(" OR (domain = ").push_bind(w.domain.clone());
            if let Some(types) = &w.held_types {
                sql.push(" AND mandatee = ")
                    .push_bind(party())
                    .push(" AND (1 = 0");
                for t in types {
                    let code = t
                        .replace('\\', "\\\\")
                        .replace('%', "\\%")
                        .replace('_', "\\_");
                    sql.push(" OR (',' || types || ',') LIKE ")
                        .push_bind(format!("%,{code},%"))
                        .push(" ESCAPE '\\'");
                }
                sql.push(")");
            }
            sql.push(")");
        }
        sql.push(")");
    }
    if let Some((at, id)) = q.after {
        let at = micros(at);
        sql.push(" AND (created_at < ")
            .push_bind(at)
            .push(" OR (created_at = ")
            .push_bind(at)
            .push(" AND id < ")
            .push_bind(id.to_string())
            .push("))");
    }
}
