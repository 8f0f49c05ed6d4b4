//! Digests: at most one mail per person in a window of `digest_minutes`. What is due after
//! a quiet window goes at once (several notices written together, as by a bulk job, in one
//! mail); what follows within the window waits for the end of the window and goes as one
//! mail listing them all. Those who asked for a daily mail get
//! one digest a day at `daily_hour` (Brussels time).

use chrono::{Duration, TimeZone};
use mandates_domain::time::Instant;
use mandates_store::{Delivery, MailMode};
use uuid::Uuid;

use crate::config::MailConfig;

/// How the claimed mails of one recipient go.
#[derive(Debug, PartialEq, Eq)]
pub enum Plan {
    /// One notice, alone.
    Single,
    /// Several (or whatever is due for the recipient) in one mail.
    Digest,
}

/// What to send now and what to hold back until when.
#[derive(Debug)]
pub struct Decision {
    pub kind: Plan,
    pub send: Vec<Uuid>,
    pub postponed: Vec<(Uuid, Instant)>,
}

/// Decides for the due mails of one recipient (oldest first), last mailed at `last`.
pub fn plan(
    due: &[Delivery],
    mode: MailMode,
    last: Option<Instant>,
    now: Instant,
    config: &MailConfig,
) -> Decision {
    let all = || due.iter().map(|d| d.id).collect::<Vec<_>>();
    let hold_all = |until: Instant| Decision {
        kind: Plan::Digest,
        send: Vec::new(),
        postponed: due.iter().map(|d| (d.id, until)).collect(),
    };
    if mode == MailMode::Daily {
        let oldest = due.iter().map(|d| d.created_at).min().unwrap_or(now);
        let slot = next_daily(oldest, config.daily_hour);
        return if now < slot {
            hold_all(slot)
        } else {
            Decision {
                kind: Plan::Digest,
                send: all(),
                postponed: Vec::new(),
            }
        };
    }
    let window = config.digest_window();
    if let Some(last) = last
        && now < last + window
    {
        return hold_all(last + window);
    }
    // Outside a window, what is due goes now: one notice alone, several (written together,
    // as a bulk job writes them, or held back before) as one digest.
    Decision {
        kind: if due.len() == 1 {
            Plan::Single
        } else {
            Plan::Digest
        },
        send: all(),
        postponed: Vec::new(),
    }
}

/// The first `hour`:00 in Brussels after `after`.
pub fn next_daily(after: Instant, hour: u32) -> Instant {
    let zone = chrono_tz::Europe::Brussels;
    let mut day = after.with_timezone(&zone).date_naive();
    for _ in 0..3 {
        if let Some(at) = day
            .and_hms_opt(hour.min(23), 0, 0)
            .and_then(|t| zone.from_local_datetime(&t).earliest())
            .map(|t| t.with_timezone(&chrono::Utc))
            && at > after
        {
            return at;
        }
        day = day.succ_opt().unwrap_or(day);
    }
    after.checked_add_signed(Duration::days(1)).unwrap_or(after)
}
