//! The notices that time brings: a reminder before a proposal or a proposed change of
//! terms lapses or a fixed term ends, and the lapse and the expiry themselves. The state of
//! a mandate never waits for this (lapse and expiry are derived from time); only the telling
//! does.
//!
//! Each kind has a mark in the store: how far along its instant (`lapses_at`,
//! `change_lapses_at` or `ends_at`) the scheduler has looked. A run looks from the mark up
//! to now (plus the reminder's lead), writes the notices of what it finds and moves the
//! mark, in one write transaction: instances that run it at once wait for each other, and a
//! notice's key keeps it unique even if a mark were moved back. On a store that never ran
//! it, the first mark is the moment of the first run: nothing is told of what lapsed before.

use mandates_domain::mandate::Mandate;
use mandates_domain::notice::{self, Due, DueAt};
use mandates_domain::time::{brussels_date, start_of_day};
use mandates_store::DueColumn;

use super::notify;
use crate::AppState;
use crate::error::AppError;

/// Mandates looked at in one transaction.
const BATCH: i64 = 2_000;

/// Looks for what fell due up to now; returns how many notices it wrote.
pub async fn run_once(state: &AppState) -> Result<usize, AppError> {
    let mut written = 0;
    for due in Due::ALL {
        loop {
            let (n, more) = step(state, due).await?;
            written += n;
            if !more {
                break;
            }
        }
    }
    loop {
        let (n, more) = roles_step(state).await?;
        written += n;
        if !more {
            break;
        }
    }
    Ok(written)
}

/// The mark of the roles that reached their last day.
const ROLES_ENDED: &str = "role_ended";

/// One batch of roles whose last day passed: their holders are told.
async fn roles_step(state: &AppState) -> Result<(usize, bool), AppError> {
    let now = state.clock().now();
    // A role is in force until the end of its last day: the days before today have ended.
    let to = brussels_date(now) - chrono::Days::new(1);
    let mut tx = state.store().begin().await?;
    let (from, from_id) = match tx.schedule_mark(ROLES_ENDED).await? {
        Some((at, id)) => (brussels_date(at), id),
        None => (to, String::new()),
    };
    let found = tx.roles_ending((from, &from_id), to, BATCH).await?;
    let more = found.len() as i64 == BATCH;
    let notices: Vec<_> = found
        .iter()
        .filter_map(|r| notice::of_role_end(r, now))
        .map(|n| (n, None))
        .collect();
    let count = notices.len();
    notify::write(&mut tx, notices, &[], now).await?;
    let last = found
        .last()
        .and_then(|r| r.valid_until.map(|d| (d, r.id.to_string())));
    let mark = next_mark(last, more, from, to);
    // Kept as the start of the day in Brussels, read back as that day.
    tx.set_schedule_mark(ROLES_ENDED, start_of_day(mark.0), &mark.1)
        .await?;
    tx.commit().await?;
    Ok((count, more))
}

/// One batch of one kind; whether there may be more.
async fn step(state: &AppState, due: Due) -> Result<(usize, bool), AppError> {
    let now = state.clock().now();
    let mut tx = state.store().begin().await?;
    let (from_at, from_id) = match tx.schedule_mark(due.name()).await? {
        Some(mark) => mark,
        None => (now + due.lead(), String::new()),
    };
    let to = now + due.lead();
    let column = match due.at() {
        DueAt::Deadline => DueColumn::LapsesAt,
        DueAt::ChangeDeadline => DueColumn::ChangeLapsesAt,
        DueAt::End => DueColumn::EndsAt,
    };
    let found = tx
        .mandates_due(column, (from_at, &from_id), to, BATCH)
        .await?;
    let more = found.len() as i64 == BATCH;
    let mut notices = Vec::new();
    for (_, m) in &found {
        notices.extend(due.notices(m, now).into_iter().map(|n| (n, None)));
    }
    let count = notices.len();
    let mandates: Vec<&Mandate> = found.iter().map(|(_, m)| m).collect();
    notify::write(&mut tx, notices, &mandates, now).await?;
    let last = found.last().map(|(at, m)| (*at, m.id.to_string()));
    let mark = next_mark(last, more, from_at, to);
    tx.set_schedule_mark(due.name(), mark.0, &mark.1).await?;
    tx.commit().await?;
    Ok((count, more))
}

/// Where a mark moves after a batch that looked from `from` up to `to`: to the last row
/// looked at (its instant and id) when there may be more, or more rows at that instant;
/// else, all having been seen, to the window's end.
fn next_mark<T: Ord + Copy>(last: Option<(T, String)>, more: bool, from: T, to: T) -> (T, String) {
    match last {
        Some((at, id)) if more || at == to => (at, id),
        _ => (to.max(from), String::new()),
    }
}

/// Runs the scheduler every `every`, until the state is dropped.
pub fn keep(state: &AppState, every: std::time::Duration) {
    let weak = state.downgrade();
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(every).await;
            let Some(state) = AppState::upgrade(&weak) else {
                break;
            };
            match run_once(&state).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(notices = n, "notices that time brought were written"),
                Err(e) => tracing::warn!(error = %e, "the scheduler could not run"),
            }
        }
    });
}
