//! Working-day arithmetic for publication deadlines ("within 1 working day of being
//! ready"): Saturdays, Sundays and a configured list of public holidays are not working
//! days. Dates are calendar dates in Vietnam time (UTC+07:00); the holiday list is the
//! operator's, because Tết and the days swapped around holidays change every year.

use std::collections::BTreeSet;

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, Weekday};

/// Vietnam's offset from UTC, in hours (no daylight saving time).
pub const VIETNAM_UTC_OFFSET_HOURS: i64 = 7;

/// The calendar date in Vietnam of a UTC timestamp.
pub fn vietnam_date(utc: NaiveDateTime) -> NaiveDate {
    (utc + Duration::hours(VIETNAM_UTC_OFFSET_HOURS)).date()
}

/// A UTC timestamp as Vietnam's wall-clock time.
pub fn vietnam_time(utc: NaiveDateTime) -> NaiveDateTime {
    utc + Duration::hours(VIETNAM_UTC_OFFSET_HOURS)
}

/// Which days are working days.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Calendar {
    holidays: BTreeSet<NaiveDate>,
}

/// Is `d` a Saturday or a Sunday?
pub fn is_weekend(d: NaiveDate) -> bool {
    matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

impl Calendar {
    /// Weekends plus these public holidays.
    pub fn new(holidays: impl IntoIterator<Item = NaiveDate>) -> Self {
        Calendar {
            holidays: holidays.into_iter().collect(),
        }
    }

    /// The holidays, in order.
    pub fn holidays(&self) -> impl Iterator<Item = NaiveDate> + '_ {
        self.holidays.iter().copied()
    }

    pub fn is_working_day(&self, d: NaiveDate) -> bool {
        !is_weekend(d) && !self.holidays.contains(&d)
    }

    /// The number of working days `d` with `from < d <= to`: how many working days it
    /// took to go from `from` to `to`. Publishing on the day of readiness takes 0, from a
    /// Friday to the next Monday takes 1. Zero when `to` is not after `from`.
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> i64 {
        if to <= from {
            return 0;
        }
        let days = (to - from).num_days();
        // Whole weeks have five weekdays each; the remainder is walked (at most 6 days).
        let mut count = days / 7 * 5;
        let mut d = from + Duration::days(days / 7 * 7);
        while d < to {
            d += Duration::days(1);
            if !is_weekend(d) {
                count += 1;
            }
        }
        let holidays = self
            .holidays
            .range((
                std::ops::Bound::Excluded(from),
                std::ops::Bound::Included(to),
            ))
            .filter(|h| !is_weekend(**h))
            .count() as i64;
        count - holidays
    }

    /// The `n`-th working day after `from` (`from` itself when `n` is 0): the last day on
    /// which something ready on `from` is on time.
    pub fn add_working_days(&self, from: NaiveDate, n: u32) -> NaiveDate {
        let mut d = from;
        let mut left = n;
        while left > 0 {
            match d.succ_opt() {
                Some(next) => d = next,
                None => return d,
            }
            if self.is_working_day(d) {
                left -= 1;
            }
        }
        d
    }
}

/// How long a publication took against its deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lateness {
    /// Working days from the day of readiness to publication (or to `today` while not
    /// published).
    pub working_days: i64,
    /// The working days allowed.
    pub allowed: u32,
    /// The last day on which publication is on time.
    pub deadline: NaiveDate,
    /// More working days taken than allowed (while unpublished: already past the deadline).
    pub late: bool,
}

/// The lateness of a publication ready on `ready` and published on `published` (`None`:
/// not yet, counted up to `today`).
pub fn publication_lateness(
    cal: &Calendar,
    ready: NaiveDate,
    published: Option<NaiveDate>,
    today: NaiveDate,
    allowed: u32,
) -> Lateness {
    let end = published.unwrap_or(today);
    let working_days = cal.working_days_between(ready, end);
    Lateness {
        working_days,
        allowed,
        deadline: cal.add_working_days(ready, allowed),
        late: working_days > i64::from(allowed),
    }
}

/// A quarter written `2026Q3` (or `2026-Q3`, any case): its first and last days.
pub fn parse_quarter(s: &str) -> Option<(NaiveDate, NaiveDate)> {
    let s = s.trim().to_ascii_uppercase();
    let (year, q) = s.split_once('Q')?;
    let year: i32 = year.strip_suffix('-').unwrap_or(year).parse().ok()?;
    let q: u32 = q.parse().ok()?;
    if !(1..=4).contains(&q) {
        return None;
    }
    let first = NaiveDate::from_ymd_opt(year, q * 3 - 2, 1)?;
    let next = if q == 4 {
        NaiveDate::from_ymd_opt(year.checked_add(1)?, 1, 1)?
    } else {
        NaiveDate::from_ymd_opt(year, q * 3 + 1, 1)?
    };
    Some((first, next.pred_opt()?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("test date")
    }

    /// The definition, one day at a time.
    fn slow(cal: &Calendar, from: NaiveDate, to: NaiveDate) -> i64 {
        let mut n = 0;
        let mut d = from;
        while d < to {
            d = d.succ_opt().expect("in range");
            if cal.is_working_day(d) {
                n += 1;
            }
        }
        n
    }

    #[test]
    fn weekends_and_holidays() {
        let cal = Calendar::new([day("2026-09-02")]);
        // Friday 2026-08-28 → Monday 2026-08-31: one working day.
        assert_eq!(
            cal.working_days_between(day("2026-08-28"), day("2026-08-31")),
            1
        );
        // Same day: zero; backwards: zero.
        assert_eq!(
            cal.working_days_between(day("2026-08-31"), day("2026-08-31")),
            0
        );
        assert_eq!(
            cal.working_days_between(day("2026-09-03"), day("2026-08-31")),
            0
        );
        // Tuesday 09-01 → Thursday 09-03 skips the National Day holiday on 09-02.
        assert_eq!(
            cal.working_days_between(day("2026-09-01"), day("2026-09-03")),
            1
        );
        assert_eq!(
            cal.add_working_days(day("2026-09-01"), 1),
            day("2026-09-03")
        );
        // Friday + 1 working day → Monday.
        assert_eq!(
            cal.add_working_days(day("2026-08-28"), 1),
            day("2026-08-31")
        );
        assert_eq!(
            cal.add_working_days(day("2026-08-28"), 0),
            day("2026-08-28")
        );
        // A holiday on a Sunday changes nothing.
        let sunday = Calendar::new([day("2026-08-30")]);
        assert_eq!(
            sunday.working_days_between(day("2026-08-28"), day("2026-08-31")),
            1
        );
    }

    #[test]
    fn lateness() {
        let cal = Calendar::new([day("2026-09-02")]);
        // Ready Friday 08-28, published Tuesday 09-01: two working days, late with 1.
        let l = publication_lateness(
            &cal,
            day("2026-08-28"),
            Some(day("2026-09-01")),
            day("2026-10-01"),
            1,
        );
        assert_eq!(
            l,
            Lateness {
                working_days: 2,
                allowed: 1,
                deadline: day("2026-08-31"),
                late: true
            }
        );
        // Not published yet: counted up to today.
        let l = publication_lateness(&cal, day("2026-09-01"), None, day("2026-09-03"), 1);
        assert_eq!((l.working_days, l.late), (1, false));
        let l = publication_lateness(&cal, day("2026-09-01"), None, day("2026-09-04"), 1);
        assert_eq!((l.working_days, l.late), (2, true));
    }

    #[test]
    fn quarters() {
        assert_eq!(
            parse_quarter("2026Q3"),
            Some((day("2026-07-01"), day("2026-09-30")))
        );
        assert_eq!(
            parse_quarter("2026-q4"),
            Some((day("2026-10-01"), day("2026-12-31")))
        );
        assert_eq!(
            parse_quarter("2024Q1"),
            Some((day("2024-01-01"), day("2024-03-31")))
        );
        for bad in ["2026Q5", "2026Q0", "Q3", "2026", "abcQ1", "2026Q", ""] {
            assert_eq!(parse_quarter(bad), None, "{bad}");
        }
    }

    #[test]
    fn vietnam_dates() {
        let utc = day("2026-08-31").and_hms_opt(18, 30, 0).expect("time");
        assert_eq!(vietnam_date(utc), day("2026-09-01"));
        let utc = day("2026-08-31").and_hms_opt(16, 59, 59).expect("time");
        assert_eq!(vietnam_date(utc), day("2026-08-31"));
    }

    fn any_day() -> impl Strategy<Value = NaiveDate> {
        (0i64..3000).prop_map(|n| day("2024-01-01") + Duration::days(n))
    }

    proptest! {
        #[test]
        fn matches_the_definition(
            from in any_day(),
            to in any_day(),
            holidays in proptest::collection::vec(any_day(), 0..30),
        ) {
            let cal = Calendar::new(holidays);
            prop_assert_eq!(cal.working_days_between(from, to), slow(&cal, from, to));
        }

        #[test]
        fn additive_and_bounded(
            a in any_day(),
            gap1 in 0i64..400,
            gap2 in 0i64..400,
            holidays in proptest::collection::vec(any_day(), 0..30),
        ) {
            let cal = Calendar::new(holidays);
            let b = a + Duration::days(gap1);
            let c = b + Duration::days(gap2);
            let ab = cal.working_days_between(a, b);
            prop_assert_eq!(ab + cal.working_days_between(b, c), cal.working_days_between(a, c));
            prop_assert!(ab <= gap1);
            // At most 2 weekend days in any 7 consecutive days, holidays aside.
            prop_assert!(Calendar::default().working_days_between(a, b) >= gap1 * 5 / 7 - 1);
        }

        #[test]
        fn deadline_is_the_nth_working_day(
            from in any_day(),
            n in 0u32..30,
            holidays in proptest::collection::vec(any_day(), 0..30),
        ) {
            let cal = Calendar::new(holidays);
            let deadline = cal.add_working_days(from, n);
            prop_assert_eq!(cal.working_days_between(from, deadline), i64::from(n));
            if n > 0 {
                prop_assert!(cal.is_working_day(deadline));
            }
            // Published on the deadline: on time; a working day later: late.
            let on_time = publication_lateness(&cal, from, Some(deadline), deadline, n);
            prop_assert!(!on_time.late);
            let next = cal.add_working_days(deadline, 1);
            let late = publication_lateness(&cal, from, Some(next), next, n);
            prop_assert!(late.late);
        }
    }
}
