//! Calendar days in Belgian time and instants in UTC. The time-zone rules are compiled in.

use chrono::{DateTime, Days, NaiveDate, TimeZone, Utc};
use chrono_tz::Europe::Brussels;

/// An instant: events, signatures, deadlines.
pub type Instant = DateTime<Utc>;

/// The calendar day in Brussels at an instant.
pub fn brussels_date(t: Instant) -> NaiveDate {
    t.with_timezone(&Brussels).date_naive()
}

/// The first instant of a Brussels calendar day.
pub fn start_of_day(day: NaiveDate) -> Instant {
    let midnight = day.and_time(chrono::NaiveTime::MIN);
    match Brussels.from_local_datetime(&midnight).earliest() {
        Some(t) => t.with_timezone(&Utc),
        // Midnight always exists in Brussels; fall back to UTC rather than fail.
        None => midnight.and_utc(),
    }
}

/// The first instant after a Brussels calendar day (its exclusive end).
pub fn end_of_day(day: NaiveDate) -> Instant {
    start_of_day(day.checked_add_days(Days::new(1)).unwrap_or(day))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_follow_brussels_summer_and_winter_time() {
        let winter = NaiveDate::from_ymd_opt(2027, 1, 1).unwrap_or_default();
        assert_eq!(
            start_of_day(winter).to_rfc3339(),
            "2026-12-31T23:00:00+00:00"
        );
        let summer = NaiveDate::from_ymd_opt(2027, 7, 1).unwrap_or_default();
        assert_eq!(
            start_of_day(summer).to_rfc3339(),
            "2027-06-30T22:00:00+00:00"
        );
        assert_eq!(end_of_day(summer).to_rfc3339(), "2027-07-01T22:00:00+00:00");
        let late_evening = "2027-06-30T22:30:00Z"
            .parse::<Instant>()
            .unwrap_or_default();
        assert_eq!(brussels_date(late_evening), summer);
    }
}
