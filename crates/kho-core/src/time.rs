//! CKAN's timestamp format: naive ISO 8601 (`YYYY-MM-DDTHH:MM:SS.ffffff`) without zone,
//! the fraction dropped when it is zero (Python's `datetime.isoformat`). Clients compare
//! these as strings, so the format is part of the contract.

use chrono::{Datelike, NaiveDateTime, Timelike};

/// Python `isoformat()` of a naive datetime.
pub fn isoformat(dt: &NaiveDateTime) -> String {
    // Written by hand: chrono's `format` re-parses its pattern on every call, and a
    // dataset of 1,000 resources formats 3,000 timestamps per `package_show`.
    let micros = dt.nanosecond() / 1000;
    let year = dt.year();
    // Years chrono pads differently and leap seconds (nanosecond >= 1e9) take its path.
    if !(0..=9999).contains(&year) || dt.nanosecond() >= 1_000_000_000 {
        return if micros == 0 {
            dt.format("%Y-%m-%dT%H:%M:%S").to_string()
        } else {
            dt.format("%Y-%m-%dT%H:%M:%S%.6f").to_string()
        };
    }
    // Digits pushed one by one: `format!` goes through the formatting machinery per
    // field, and three timestamps per resource made it visible in `package_show`.
    let mut out = String::with_capacity(26);
    // `year` is within 0..=9999 here.
    push_digits(&mut out, year.unsigned_abs(), 4);
    for (sep, n) in [
        ('-', dt.month()),
        ('-', dt.day()),
        ('T', dt.hour()),
        (':', dt.minute()),
        (':', dt.second()),
    ] {
        out.push(sep);
        push_digits(&mut out, n, 2);
    }
    if micros != 0 {
        out.push('.');
        push_digits(&mut out, micros, 6);
    }
    out
}

/// The last `width` decimal digits of `n`, zero-padded.
fn push_digits(out: &mut String, n: u32, width: u32) {
    for i in (0..width).rev() {
        let digit = (n / 10u32.pow(i)) % 10;
        // `digit` < 10, so this is always an ASCII digit.
        out.push(char::from_digit(digit, 10).unwrap_or('0'));
    }
}

/// Parse a timestamp written by [`isoformat`] (or any ISO form with optional fraction).
pub fn parse(s: &str) -> Option<NaiveDateTime> {
    parse_fast(s).or_else(|| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f").ok())
}

/// `YYYY-MM-DDTHH:MM:SS[.f{1,9}]`, the form [`isoformat`] writes, without chrono's
/// pattern interpreter (the store reads three timestamps per resource).
fn parse_fast(s: &str) -> Option<NaiveDateTime> {
    let b = s.as_bytes();
    if b.len() < 19
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let num = |from: usize, to: usize| -> Option<u32> {
        let mut n = 0u32;
        for &c in &b[from..to] {
            if !c.is_ascii_digit() {
                return None;
            }
            n = n * 10 + u32::from(c - b'0');
        }
        Some(n)
    };
    let nanos = match b.len() {
        19 => 0,
        21..=29 if b[19] == b'.' => {
            let digits = b.len() - 20;
            let n = num(20, b.len())?;
            n * 10u32.pow(u32::try_from(9 - digits).ok()?)
        }
        _ => return None,
    };
    let year = i32::try_from(num(0, 4)?).ok()?;
    let date = chrono::NaiveDate::from_ymd_opt(year, num(5, 7)?, num(8, 10)?)?;
    let time =
        chrono::NaiveTime::from_hms_nano_opt(num(11, 13)?, num(14, 16)?, num(17, 19)?, nanos)?;
    Some(NaiveDateTime::new(date, time))
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

    #[test]
    fn fast_paths_agree_with_chrono() {
        let cases = [
            "2026-02-03T04:05:06",
            "2026-02-03T04:05:06.654321",
            "2026-02-03T04:05:06.5",
            "0001-01-01T00:00:00.000001",
            "9999-12-31T23:59:59.999999999",
        ];
        for c in cases {
            let slow = NaiveDateTime::parse_from_str(c, "%Y-%m-%dT%H:%M:%S%.f").unwrap();
            assert_eq!(parse(c), Some(slow), "{c}");
            let micros = slow.nanosecond() / 1000;
            let want = if micros == 0 {
                slow.format("%Y-%m-%dT%H:%M:%S").to_string()
            } else {
                slow.format("%Y-%m-%dT%H:%M:%S%.6f").to_string()
            };
            assert_eq!(isoformat(&slow), want, "{c}");
        }
        for bad in [
            "2026-02-30T00:00:00",
            "2026-02-03 04:05:06",
            "2026-02-03T04:05:06.",
            "x",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }
}
