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
    use chrono::Datelike;
    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// Every calendar day that can be written `YYYY-MM-DD` has a start and an end in
        /// Brussels, in order, and is the Brussels day of its own start.
        #[test]
        fn every_day_has_a_start_and_an_end(
            days in prop_oneof![
                NaiveDate::MIN.num_days_from_ce()..=NaiveDate::MAX.num_days_from_ce(),
                Just(NaiveDate::MIN.num_days_from_ce()),
                Just(NaiveDate::MAX.num_days_from_ce()),
            ]
        ) {
            let Some(day) = NaiveDate::from_num_days_from_ce_opt(days) else {
                return Ok(());
            };
            let written = day.format("%Y-%m-%d").to_string();
            if let Ok(read) = NaiveDate::parse_from_str(&written, "%Y-%m-%d") {
                prop_assert_eq!(read, day);
            }
            let (start, end) = (start_of_day(day), end_of_day(day));
            prop_assert!(start <= end);
            let _ = brussels_date(start);
            let _ = brussels_date(end);
        }
    }

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
