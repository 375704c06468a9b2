//! CKAN's timestamp format: naive ISO 8601 (`YYYY-MM-DDTHH:MM:SS.ffffff`) without zone,
//! the fraction dropped when it is zero (Python's `datetime.isoformat`). Clients compare
//! these as strings, so the format is part of the contract.

use chrono::{NaiveDateTime, Timelike};

/// Python `isoformat()` of a naive datetime.
pub fn isoformat(dt: &NaiveDateTime) -> String {
    if dt.nanosecond() / 1000 == 0 {
        dt.format("%Y-%m-%dT%H:%M:%S").to_string()
    } else {
        dt.format("%Y-%m-%dT%H:%M:%S%.6f").to_string()
    }
}

/// Parse a timestamp written by [`isoformat`] (or any ISO form with optional fraction).
pub fn parse(s: &str) -> Option<NaiveDateTime> {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f").ok()
}

/// Microsecond-precision "now" in UTC, as CKAN stores it.
pub fn now_utc() -> NaiveDateTime {
    truncate(chrono::Utc::now().naive_utc())
}

/// Microsecond-precision "now" in server-local time (CKAN's `created` of users and groups).
pub fn now_local() -> NaiveDateTime {
    truncate(chrono::Local::now().naive_local())
}

fn truncate(dt: NaiveDateTime) -> NaiveDateTime {
    let micros = dt.nanosecond() / 1000;
    dt.with_nanosecond(micros * 1000).unwrap_or(dt)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn drops_zero_fraction_like_python() {
        let d = NaiveDate::from_ymd_opt(2026, 1, 2).and_then(|d| d.and_hms_opt(3, 4, 5));
        let d = d.expect("valid date");
        assert_eq!(isoformat(&d), "2026-01-02T03:04:05");
        let d2 = d.with_nanosecond(36_300_000).expect("valid");
        assert_eq!(isoformat(&d2), "2026-01-02T03:04:05.036300");
        assert_eq!(parse(&isoformat(&d2)), Some(d2));
        assert_eq!(parse(&isoformat(&d)), Some(d));
    }
}
