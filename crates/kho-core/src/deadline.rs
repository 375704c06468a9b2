//! Update deadlines (regulation requirement 7): from a dataset's update frequency and the
//! time its data was last updated, the period the next update must cover, its due date
//! and the status on a given day.
//!
//! Days are Vietnamese calendar days (UTC+07:00, no daylight saving): a deadline of
//! 15 December ends at midnight in Hà Nội, whatever the server's zone.
//!
//! The rule: an update at time U covers the last whole period that ended before U; the
//! next required period is the one containing U, due `grace` days after it ends. A dataset
//! never updated owes the period it was created in. So the deadline depends only on U
//! (or the creation time), and the status on a day is a function of the deadline and that
//! day: the search index stores the deadline, never the status, and nothing has to be
//! rewritten as days pass.

use std::collections::BTreeMap;

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};
use serde_json::{Map, Value};

/// Vietnam's offset from UTC, in hours.
const VN_OFFSET_HOURS: i64 = 7;

/// The calendar day in Vietnam of a naive UTC timestamp.
pub fn vn_date(utc: NaiveDateTime) -> NaiveDate {
    (utc + Duration::hours(VN_OFFSET_HOURS)).date()
}

/// The periodic values of the shipped profile's `update_frequency`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Frequency {
    Continuous,
    Daily,
    Weekly,
    Monthly,
    Quarterly,
    Semiannual,
    Annual,
    Biennial,
}

impl Frequency {
    pub const ALL: [Frequency; 8] = [
        Frequency::Continuous,
        Frequency::Daily,
        Frequency::Weekly,
        Frequency::Monthly,
        Frequency::Quarterly,
        Frequency::Semiannual,
        Frequency::Annual,
        Frequency::Biennial,
    ];

    /// `None` for the values without a period (`irregular`, `never`, `unknown`, others).
    pub fn parse(s: &str) -> Option<Frequency> {
        Frequency::ALL.into_iter().find(|f| f.key() == s)
    }

    pub fn key(self) -> &'static str {
        match self {
            Frequency::Continuous => "continuous",
            Frequency::Daily => "daily",
            Frequency::Weekly => "weekly",
            Frequency::Monthly => "monthly",
            Frequency::Quarterly => "quarterly",
            Frequency::Semiannual => "semiannual",
            Frequency::Annual => "annual",
            Frequency::Biennial => "biennial",
        }
    }

    /// Days allowed after a period ends (requirement 7 fixes monthly, quarterly and
    /// annual; the others follow the same proportion).
    pub fn default_grace_days(self) -> u32 {
        match self {
            Frequency::Continuous | Frequency::Daily => 1,
            Frequency::Weekly => 3,
            Frequency::Monthly => 15,
            Frequency::Quarterly => 30,
            Frequency::Semiannual => 60,
            Frequency::Annual | Frequency::Biennial => 90,
        }
    }

    /// The period (first day, last day) that contains `day`.
    pub fn period_of(self, day: NaiveDate) -> (NaiveDate, NaiveDate) {
        let y = day.year();
        let months = |first_month: u32, len: u32| {
            let start = ymd(y, first_month, 1);
            (start, add_months(start, len) - Duration::days(1))
        };
        match self {
            Frequency::Continuous | Frequency::Daily => (day, day),
            Frequency::Weekly => {
                let start = day - Duration::days(i64::from(day.weekday().num_days_from_monday()));
                (start, start + Duration::days(6))
            }
            Frequency::Monthly => months(day.month(), 1),
            Frequency::Quarterly => months((day.month() - 1) / 3 * 3 + 1, 3),
            Frequency::Semiannual => months((day.month() - 1) / 6 * 6 + 1, 6),
            Frequency::Annual => months(1, 12),
            Frequency::Biennial => {
                let first = y - y.rem_euclid(2);
                (ymd(first, 1, 1), ymd(first + 1, 12, 31))
            }
        }
    }
}

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
}

/// The first day of the month `n` months after the month starting on `start`.
fn add_months(start: NaiveDate, n: u32) -> NaiveDate {
    start
        .checked_add_months(chrono::Months::new(n))
        .unwrap_or(NaiveDate::MAX)
}

/// The settings: grace days per frequency and the `due_soon` window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadlineRules {
    /// Grace days by frequency key; a periodic frequency missing here takes its default.
    pub grace_days: BTreeMap<String, u32>,
    /// A deadline this many days away (or fewer), once its period has ended, is `due_soon`.
    pub due_soon_days: u32,
}

impl Default for DeadlineRules {
    fn default() -> Self {
        DeadlineRules {
            grace_days: Frequency::ALL
                .into_iter()
                .map(|f| (f.key().to_owned(), f.default_grace_days()))
                .collect(),
            due_soon_days: 7,
        }
    }
}

impl DeadlineRules {
    pub fn grace(&self, f: Frequency) -> u32 {
        self.grace_days
            .get(f.key())
            .copied()
            .unwrap_or_else(|| f.default_grace_days())
    }
}

/// The status of a dataset's updates on one day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Status {
    OnTime,
    DueSoon,
    Late,
    Overdue,
    NotApplicable,
}

impl Status {
    pub const ALL: [Status; 5] = [
        Status::OnTime,
        Status::DueSoon,
        Status::Late,
        Status::Overdue,
        Status::NotApplicable,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Status::OnTime => "on_time",
            Status::DueSoon => "due_soon",
            Status::Late => "late",
            Status::Overdue => "overdue",
            Status::NotApplicable => "not_applicable",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|x| x.key() == s)
    }
}

/// The obligation of a periodic dataset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deadline {
    pub frequency: Frequency,
    /// The period the next update must cover (first and last day).
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    /// The last day the update is on time.
    pub due: NaiveDate,
    /// From this day on (until `due`) the status is `due_soon`.
    pub due_soon_from: NaiveDate,
    /// When the data was last updated; `None`: never.
    pub data_updated: Option<NaiveDateTime>,
    /// The last update came after the due date of the period it covered.
    pub last_update_late: bool,
}

/// The deadline of a dataset of frequency `frequency` (a profile value) whose data was
/// last updated at `data_updated` (UTC), created at `created` (UTC); `None` when the
/// frequency has no period.
pub fn deadline(
    frequency: Option<&str>,
    data_updated: Option<NaiveDateTime>,
    created: NaiveDateTime,
    rules: &DeadlineRules,
) -> Option<Deadline> {
    let frequency = Frequency::parse(frequency?)?;
    let grace = Duration::days(i64::from(rules.grace(frequency)));
    let base = vn_date(data_updated.unwrap_or(created));
    let (period_start, period_end) = frequency.period_of(base);
    let due = period_end + grace;
    let last_update_late = match data_updated {
        Some(u) => {
            let (_, covered_end) = frequency.period_of(period_start - Duration::days(1));
            vn_date(u) > covered_end + grace
        }
        None => false,
    };
    // Before the period has ended nothing is "soon" due: daily data would otherwise
    // always be due soon.
    let window_start = due - Duration::days(i64::from(rules.due_soon_days));
    let due_soon_from = window_start.max(period_end + Duration::days(1)).min(due);
    Some(Deadline {
        frequency,
        period_start,
        period_end,
        due,
        due_soon_from,
        data_updated,
        last_update_late,
    })
}

impl Deadline {
    /// The status on the Vietnamese day `today`.
    pub fn status_on(&self, today: NaiveDate) -> Status {
        if today > self.due {
            Status::Overdue
        } else if today >= self.due_soon_from {
            Status::DueSoon
        } else if self.last_update_late {
            Status::Late
        } else {
            Status::OnTime
        }
    }

    /// The `update_deadline` object of `package_show` (dates as `YYYY-MM-DD`).
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("frequency".into(), self.frequency.key().into());
        m.insert("period_start".into(), date_str(self.period_start).into());
        m.insert("period_end".into(), date_str(self.period_end).into());
        m.insert("due_date".into(), date_str(self.due).into());
        m.insert("due_soon_from".into(), date_str(self.due_soon_from).into());
        m.insert(
            "data_updated".into(),
            self.data_updated
                .map_or(Value::Null, |t| crate::time::isoformat(&t).into()),
        );
        m.insert("last_update_late".into(), self.last_update_late.into());
        Value::Object(m)
    }

    /// Read back [`Deadline::to_json`].
    pub fn from_json(v: &Value) -> Option<Deadline> {
        let date = |k: &str| {
            v.get(k)
                .and_then(Value::as_str)
                .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
        };
        Some(Deadline {
            frequency: Frequency::parse(v.get("frequency")?.as_str()?)?,
            period_start: date("period_start")?,
            period_end: date("period_end")?,
            due: date("due_date")?,
            due_soon_from: date("due_soon_from")?,
            data_updated: v
                .get("data_updated")
                .and_then(Value::as_str)
                .and_then(crate::time::parse),
            last_update_late: v.get("last_update_late")?.as_bool()?,
        })
    }
}

/// The update frequency a stored dataset declares: its profile field, or an extra of
/// that name (the profile turned off).
pub fn frequency_of(d: &crate::model::Dataset) -> Option<String> {
    const KEY: &str = "update_frequency";
    let from_profile = serde_json::from_str::<Map<String, Value>>(&d.profile)
        .ok()
        .and_then(|m| m.get(KEY).and_then(Value::as_str).map(str::to_owned));
    from_profile.or_else(|| {
        d.extras
            .iter()
            .find(|e| e.key == KEY)
            .map(|e| e.value.clone())
    })
}

/// When a stored dataset's data was last updated: the later of the declared time
/// (`dataset_data_updated`) and its newest resource `last_modified`.
pub fn data_updated_of(
    d: &crate::model::Dataset,
    declared: Option<NaiveDateTime>,
) -> Option<NaiveDateTime> {
    d.resources
        .iter()
        .filter(|r| r.state != "deleted")
        .filter_map(|r| r.last_modified)
        .chain(declared)
        .max()
}

/// [`deadline`] of a stored dataset.
pub fn of_dataset(
    d: &crate::model::Dataset,
    declared: Option<NaiveDateTime>,
    rules: &DeadlineRules,
) -> Option<Deadline> {
    deadline(
        frequency_of(d).as_deref(),
        data_updated_of(d, declared),
        d.metadata_created,
        rules,
    )
}

/// The keys `package_show` adds: `update_deadline` (the deadline object, or null) and
/// `update_status` on the Vietnamese day `today`.
pub fn dict_keys(deadline: Option<&Deadline>, today: NaiveDate) -> [(&'static str, Value); 2] {
    let status = deadline.map_or(Status::NotApplicable, |d| d.status_on(today));
    [
        (
            "update_deadline",
            deadline.map_or(Value::Null, Deadline::to_json),
        ),
        ("update_status", status.key().into()),
    ]
}

/// `YYYY-MM-DD`.
pub fn date_str(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// The status of an `update_deadline` value (`null` or absent: `not_applicable`).
pub fn status_of(deadline: Option<&Value>, today: NaiveDate) -> Status {
    deadline
        .and_then(Deadline::from_json)
        .map_or(Status::NotApplicable, |d| d.status_on(today))
}

/// A quarter such as `2026Q3`: its first and last day.
pub fn parse_quarter(s: &str) -> Option<(NaiveDate, NaiveDate)> {
    let (y, q) = s
        .trim()
        .to_ascii_uppercase()
        .split_once('Q')
        .map(|(y, q)| {
            (
                y.parse::<i32>().ok(),
                q.parse::<u32>().ok().filter(|q| (1..=4).contains(q)),
            )
        })?;
    let (y, q) = (y?, q?);
    if !(1..=9999).contains(&y) {
        return None;
    }
    Some(Frequency::Quarterly.period_of(ymd(y, (q - 1) * 3 + 1, 1)))
}

/// The quarter (`2026Q3`) containing `day`.
pub fn quarter_of(day: NaiveDate) -> String {
    format!("{}Q{}", day.year(), (day.month() - 1) / 3 + 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    /// Noon in Hà Nội on that day, as UTC.
    fn at(y: i32, m: u32, day: u32) -> NaiveDateTime {
        d(y, m, day).and_hms_opt(5, 0, 0).unwrap()
    }

    #[test]
    fn monthly_is_due_fifteen_days_after_the_month() {
        let rules = DeadlineRules::default();
        // Updated on 10 November: covers October (on time), owes November by 15 December.
        let dl = deadline(
            Some("monthly"),
            Some(at(2026, 11, 10)),
            at(2020, 1, 1),
            &rules,
        )
        .unwrap();
        assert_eq!(
            (dl.period_start, dl.period_end),
            (d(2026, 11, 1), d(2026, 11, 30))
        );
        assert_eq!(dl.due, d(2026, 12, 15));
        assert_eq!(dl.due_soon_from, d(2026, 12, 8));
        assert!(!dl.last_update_late);
        assert_eq!(dl.status_on(d(2026, 11, 24)), Status::OnTime);
        assert_eq!(dl.status_on(d(2026, 12, 7)), Status::OnTime);
        assert_eq!(dl.status_on(d(2026, 12, 8)), Status::DueSoon);
        assert_eq!(dl.status_on(d(2026, 12, 15)), Status::DueSoon);
        assert_eq!(dl.status_on(d(2026, 12, 16)), Status::Overdue);
    }

    #[test]
    fn an_update_after_the_due_date_is_late() {
        let rules = DeadlineRules::default();
        let dl = deadline(
            Some("monthly"),
            Some(at(2026, 11, 16)),
            at(2020, 1, 1),
            &rules,
        )
        .unwrap();
        assert!(dl.last_update_late);
        assert_eq!(dl.status_on(d(2026, 11, 20)), Status::Late);
        // On 15 November it was still on time.
        let dl = deadline(
            Some("monthly"),
            Some(at(2026, 11, 15)),
            at(2020, 1, 1),
            &rules,
        )
        .unwrap();
        assert!(!dl.last_update_late);
    }

    #[test]
    fn quarterly_and_annual_grace() {
        let rules = DeadlineRules::default();
        let q = deadline(
            Some("quarterly"),
            Some(at(2026, 8, 1)),
            at(2020, 1, 1),
            &rules,
        )
        .unwrap();
        assert_eq!(
            (q.period_start, q.period_end, q.due),
            (d(2026, 7, 1), d(2026, 9, 30), d(2026, 10, 30))
        );
        let a = deadline(Some("annual"), Some(at(2026, 3, 1)), at(2020, 1, 1), &rules).unwrap();
        assert_eq!(a.due, d(2027, 3, 31));
        assert!(!a.last_update_late);
        let late = deadline(Some("annual"), Some(at(2026, 4, 1)), at(2020, 1, 1), &rules).unwrap();
        assert!(late.last_update_late);
    }

    #[test]
    fn days_are_vietnamese_days() {
        // 17:30 UTC on 30 November is 00:30 on 1 December in Hà Nội.
        let u = d(2026, 11, 30).and_hms_opt(17, 30, 0).unwrap();
        let dl = deadline(
            Some("monthly"),
            Some(u),
            at(2020, 1, 1),
            &DeadlineRules::default(),
        )
        .unwrap();
        assert_eq!(dl.period_start, d(2026, 12, 1));
    }

    #[test]
    fn never_updated_owes_the_period_it_was_created_in() {
        let dl = deadline(
            Some("monthly"),
            None,
            at(2026, 11, 3),
            &DeadlineRules::default(),
        )
        .unwrap();
        assert_eq!(dl.due, d(2026, 12, 15));
        assert_eq!(dl.data_updated, None);
        assert!(!dl.last_update_late);
    }

    #[test]
    fn configured_grace_and_window() {
        let mut rules = DeadlineRules::default();
        rules.grace_days.insert("monthly".into(), 5);
        rules.due_soon_days = 2;
        let dl = deadline(
            Some("monthly"),
            Some(at(2026, 11, 2)),
            at(2020, 1, 1),
            &rules,
        )
        .unwrap();
        assert_eq!(dl.due, d(2026, 12, 5));
        assert_eq!(dl.due_soon_from, d(2026, 12, 3));
    }

    #[test]
    fn daily_is_not_due_soon_before_the_day_ends() {
        let dl = deadline(
            Some("daily"),
            Some(at(2026, 11, 24)),
            at(2020, 1, 1),
            &DeadlineRules::default(),
        )
        .unwrap();
        assert_eq!(dl.status_on(d(2026, 11, 24)), Status::OnTime);
        assert_eq!(dl.status_on(d(2026, 11, 25)), Status::DueSoon);
        assert_eq!(dl.status_on(d(2026, 11, 26)), Status::Overdue);
    }

    #[test]
    fn without_a_period_nothing_applies() {
        let rules = DeadlineRules::default();
        for f in [
            None,
            Some("irregular"),
            Some("never"),
            Some("unknown"),
            Some(""),
        ] {
            assert_eq!(deadline(f, None, at(2026, 1, 1), &rules), None);
        }
        assert_eq!(status_of(None, d(2026, 1, 1)), Status::NotApplicable);
        assert_eq!(
            status_of(Some(&Value::Null), d(2026, 1, 1)),
            Status::NotApplicable
        );
    }

    #[test]
    fn weekly_and_biennial_periods() {
        // 24 November 2026 is a Tuesday.
        assert_eq!(
            Frequency::Weekly.period_of(d(2026, 11, 24)),
            (d(2026, 11, 23), d(2026, 11, 29))
        );
        assert_eq!(
            Frequency::Biennial.period_of(d(2027, 5, 1)),
            (d(2026, 1, 1), d(2027, 12, 31))
        );
        assert_eq!(
            Frequency::Semiannual.period_of(d(2027, 7, 1)),
            (d(2027, 7, 1), d(2027, 12, 31))
        );
    }

    #[test]
    fn quarters() {
        assert_eq!(
            parse_quarter("2026Q3"),
            Some((d(2026, 7, 1), d(2026, 9, 30)))
        );
        assert_eq!(
            parse_quarter("2026q1"),
            Some((d(2026, 1, 1), d(2026, 3, 31)))
        );
        assert_eq!(parse_quarter("2026Q5"), None);
        assert_eq!(parse_quarter("Q3"), None);
        assert_eq!(parse_quarter("x"), None);
        assert_eq!(quarter_of(d(2026, 11, 24)), "2026Q4");
    }

    fn any_frequency() -> impl Strategy<Value = Frequency> {
        (0usize..Frequency::ALL.len()).prop_map(|i| Frequency::ALL[i])
    }

    fn any_time() -> impl Strategy<Value = NaiveDateTime> {
        // 2000-01-01 .. 2060-01-01, to the second.
        (946_684_800i64..2_840_140_800).prop_map(|s| {
            chrono::DateTime::from_timestamp(s, 0)
                .map(|t| t.naive_utc())
                .unwrap_or_default()
        })
    }

    proptest! {
        #[test]
        fn period_contains_the_update_and_tiles_time(f in any_frequency(), u in any_time()) {
            let (start, end) = f.period_of(vn_date(u));
            prop_assert!(start <= vn_date(u) && vn_date(u) <= end);
            // The next period starts the day after this one ends.
            let (next_start, _) = f.period_of(end + Duration::days(1));
            prop_assert_eq!(next_start, end + Duration::days(1));
            prop_assert_eq!(f.period_of(start), (start, end));
        }

        #[test]
        fn status_moves_forward_only(
            f in any_frequency(), u in any_time(), gap in 0i64..2000, step in 1i64..400,
        ) {
            let dl = deadline(Some(f.key()), Some(u), u, &DeadlineRules::default()).unwrap();
            prop_assert!(dl.period_end <= dl.due);
            prop_assert!(dl.due_soon_from <= dl.due);
            prop_assert!(dl.due_soon_from > dl.period_end || dl.due_soon_from == dl.due);
            let rank = |s: Status| match s {
                Status::OnTime | Status::Late => 0,
                Status::DueSoon => 1,
                Status::Overdue => 2,
                Status::NotApplicable => 3,
            };
            let day = vn_date(u) + Duration::days(gap);
            let a = dl.status_on(day);
            let b = dl.status_on(day + Duration::days(step));
            prop_assert!(rank(a) <= rank(b));
            prop_assert_ne!(a, Status::NotApplicable);
            // On the update's own day the data is never overdue.
            prop_assert_ne!(dl.status_on(vn_date(u)), Status::Overdue);
            // Round trip through the package_show object.
            prop_assert_eq!(Deadline::from_json(&dl.to_json()), Some(dl.clone()));
        }

        #[test]
        fn late_iff_after_the_covered_periods_due_date(f in any_frequency(), u in any_time()) {
            let rules = DeadlineRules::default();
            let dl = deadline(Some(f.key()), Some(u), u, &rules).unwrap();
            let (_, covered_end) = f.period_of(dl.period_start - Duration::days(1));
            let covered_due = covered_end + Duration::days(i64::from(rules.grace(f)));
            prop_assert_eq!(dl.last_update_late, vn_date(u) > covered_due);
        }
    }
}
