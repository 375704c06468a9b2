//! Solr's date syntax for date fields: an ISO-8601 instant in UTC (`2026-01-01T00:00:00Z`,
//! fractional seconds allowed) or `NOW`, followed by any number of date-math operations:
//! `+1DAY`, `-3MONTHS` (add or subtract) and `/DAY` (round down), as in
//! `NOW-1DAY/DAY` or `2026-01-01T00:00:00Z+6MONTHS`. CKAN clients write these in ranges
//! such as `metadata_modified:[NOW-7DAYS TO NOW]`.
//!
//! Follows Solr's `DateMathParser` (with its default time zone, UTC): the same operation
//! splitting, the same units (upper case only), the same month-end clamping as Java's
//! `LocalDateTime.plusMonths`, millisecond precision, and the same error messages.

use chrono::{Datelike, Months, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Timelike};

use super::{excerpt, too_long, ParseError, ParseErrorKind, MAX_INPUT_BYTES};

/// Resolves a Solr date or date-math expression, with `NOW` standing for `now` (UTC).
///
/// As in Solr, an explicit date must end in `Z`: without it the value is refused with
/// `Invalid Date String:'…'`, since a zone-less date would silently mean UTC.
pub fn parse_date(value: &str, now: NaiveDateTime) -> Result<NaiveDateTime, ParseError> {
    if value.len() > MAX_INPUT_BYTES {
        return Err(too_long("date"));
    }
    let (base, math) = match value.strip_prefix("NOW") {
        Some(math) => (now, math),
        None => {
            let Some(z) = value.find('Z') else {
                return Err(invalid(format!("Invalid Date String:'{}'", excerpt(value))));
            };
            let Some(base) = parse_instant(&value[..z]) else {
                return Err(invalid(format!(
                    "Invalid Date in Date Math String:'{}'",
                    excerpt(value)
                )));
            };
            (base, &value[z + 1..])
        }
    };
    let resolved = apply_math(base, math).map_err(|reason| {
        invalid(format!(
            "Invalid Date Math String:'{}': {reason}",
            excerpt(value)
        ))
    })?;
    Ok(truncate_to_millis(resolved))
}

fn invalid(message: String) -> ParseError {
    ParseError::new(ParseErrorKind::InvalidDate, message)
}

/// Java's `Date` holds milliseconds, so Solr drops anything finer.
fn truncate_to_millis(t: NaiveDateTime) -> NaiveDateTime {
    let nanos = t.nanosecond();
    t.with_nanosecond(nanos - nanos % 1_000_000).unwrap_or(t)
}

/// `yyyy-MM-ddTHH:mm:ss[.fffffffff]` (the `Z` already cut off), as Java's
/// `DateTimeFormatter.ISO_INSTANT` reads it: a year of four digits (or a sign and four to
/// ten), `T` in either case, seconds required, up to nine fraction digits, `24:00:00` as
/// the next midnight and a leap second `23:59:60` as `23:59:59`.
fn parse_instant(s: &str) -> Option<NaiveDateTime> {
    let (year, rest) = parse_year(s)?;
    let rest = rest.strip_prefix('-')?;
    let (month, rest) = two_digits(rest)?;
    let rest = rest.strip_prefix('-')?;
    let (day, rest) = two_digits(rest)?;
    let rest = rest.strip_prefix(['T', 't'])?;
    let (hour, rest) = two_digits(rest)?;
    let rest = rest.strip_prefix(':')?;
    let (minute, rest) = two_digits(rest)?;
    let rest = rest.strip_prefix(':')?;
    let (mut second, rest) = two_digits(rest)?;
    let nanos = match rest.strip_prefix('.') {
        None if rest.is_empty() => 0,
        None => return None,
        Some(fraction) => {
            if fraction.is_empty()
                || fraction.len() > 9
                || !fraction.bytes().all(|b| b.is_ascii_digit())
            {
                return None;
            }
            let digits: u32 = fraction.parse().ok()?;
            digits * 10u32.pow(9 - fraction.len() as u32)
        }
    };
    let date = NaiveDate::from_ymd_opt(year, month, day)?;
    if hour == 24 && minute == 0 && second == 0 && nanos == 0 {
        return date.succ_opt()?.and_hms_opt(0, 0, 0);
    }
    if hour == 23 && minute == 59 && second == 60 {
        second = 59;
    }
    let time = NaiveTime::from_hms_nano_opt(hour, minute, second, nanos)?;
    Some(date.and_time(time))
}

fn parse_year(s: &str) -> Option<(i32, &str)> {
    let (sign, digits_from) = match s.as_bytes().first()? {
        b'+' => (1, 1),
        b'-' => (-1, 1),
        _ => (0, 0),
    };
    let digits = s[digits_from..]
        .bytes()
        .take_while(u8::is_ascii_digit)
        .count();
    let allowed = if sign == 0 { 4..=4 } else { 4..=10 };
    if !allowed.contains(&digits) {
        return None;
    }
    let end = digits_from + digits;
    let year: i64 = s[digits_from..end].parse().ok()?;
    let year = if sign < 0 { -year } else { year };
    Some((i32::try_from(year).ok()?, &s[end..]))
}

fn two_digits(s: &str) -> Option<(u32, &str)> {
    let b = s.as_bytes();
    if b.len() < 2 || !b[0].is_ascii_digit() || !b[1].is_ascii_digit() {
        return None;
    }
    Some((
        u32::from(b[0] - b'0') * 10 + u32::from(b[1] - b'0'),
        &s[2..],
    ))
}

/// The units of Solr's `CALENDAR_UNITS`.
#[derive(Clone, Copy)]
enum Unit {
    Years,
    Months,
    Days,
    Hours,
    Minutes,
    Seconds,
    Millis,
}

fn unit(name: &str) -> Option<Unit> {
    Some(match name {
        "YEAR" | "YEARS" => Unit::Years,
        "MONTH" | "MONTHS" => Unit::Months,
        "DAY" | "DAYS" | "DATE" => Unit::Days,
        "HOUR" | "HOURS" => Unit::Hours,
        "MINUTE" | "MINUTES" => Unit::Minutes,
        "SECOND" | "SECONDS" => Unit::Seconds,
        "MILLI" | "MILLIS" | "MILLISECOND" | "MILLISECONDS" => Unit::Millis,
        _ => return None,
    })
}

/// Splits like Solr's `\b|(?<=\d)(?=\D)`: at every boundary between a word character
/// (ASCII letter, digit, `_`) and a non-word one, and after every digit followed by a
/// non-digit. `+1DAY/HOUR` gives `+`, `1`, `DAY`, `/`, `HOUR`.
fn split_ops(math: &str) -> Vec<&str> {
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut ops = Vec::new();
    let mut start = 0;
    let mut prev: Option<char> = None;
    for (i, c) in math.char_indices() {
        if let Some(p) = prev {
            if word(p) != word(c) || (p.is_ascii_digit() && !c.is_ascii_digit()) {
                ops.push(&math[start..i]);
                start = i;
            }
        }
        prev = Some(c);
    }
    if start < math.len() {
        ops.push(&math[start..]);
    }
    ops
}

/// Solr's `DateMathParser.parseMath`, applied to `base`.
fn apply_math(base: NaiveDateTime, math: &str) -> Result<NaiveDateTime, String> {
    let ops = split_ops(math);
    let mut t = base;
    let mut ops = ops.iter();
    while let Some(op) = ops.next() {
        let mut chars = op.chars();
        let (Some(command), None) = (chars.next(), chars.next()) else {
            return Err(format!("Multi character command found: \"{op}\""));
        };
        match command {
            '/' => {
                let Some(name) = ops.next() else {
                    return Err("Need a unit after command: \"/\"".to_owned());
                };
                let unit = unit(name).ok_or_else(|| format!("Unit not recognized: \"{name}\""))?;
                t = round(t, unit);
            }
            '+' | '-' => {
                let (Some(number), Some(name)) = (ops.next(), ops.next()) else {
                    return Err(format!("Need a value and unit for command: \"{command}\""));
                };
                let value: i32 = number
                    .parse()
                    .ok()
                    .filter(|_| number.bytes().all(|b| b.is_ascii_digit()))
                    .ok_or_else(|| format!("Not a Number: \"{number}\""))?;
                let value = if command == '-' {
                    -i64::from(value)
                } else {
                    i64::from(value)
                };
                let unit = unit(name).ok_or_else(|| format!("Unit not recognized: \"{name}\""))?;
                t = add(t, value, unit).ok_or_else(|| "date out of range".to_owned())?;
            }
            _ => return Err(format!("Unrecognized command: \"{command}\"")),
        }
    }
    Ok(t)
}

fn round(t: NaiveDateTime, unit: Unit) -> NaiveDateTime {
    let date = t.date();
    let midnight = |d: NaiveDate| d.and_time(NaiveTime::MIN);
    let hms = |h, m, s| NaiveTime::from_hms_opt(h, m, s).unwrap_or(NaiveTime::MIN);
    match unit {
        Unit::Years => midnight(date.with_ordinal(1).unwrap_or(date)),
        Unit::Months => midnight(date.with_day(1).unwrap_or(date)),
        Unit::Days => midnight(date),
        Unit::Hours => date.and_time(hms(t.hour(), 0, 0)),
        Unit::Minutes => date.and_time(hms(t.hour(), t.minute(), 0)),
        Unit::Seconds => date.and_time(hms(t.hour(), t.minute(), t.second())),
        Unit::Millis => truncate_to_millis(t),
    }
}

/// Java's `LocalDateTime.plus(value, unit)`: months and years clamp the day to the end of
/// the month (`2024-01-31 +1MONTH` is `2024-02-29`); the rest is plain arithmetic.
fn add(t: NaiveDateTime, value: i64, unit: Unit) -> Option<NaiveDateTime> {
    let months = |n: i64| {
        let m = Months::new(u32::try_from(n.unsigned_abs()).ok()?);
        if n < 0 {
            t.checked_sub_months(m)
        } else {
            t.checked_add_months(m)
        }
    };
    match unit {
        Unit::Years => months(value.checked_mul(12)?),
        Unit::Months => months(value),
        Unit::Days => t.checked_add_signed(TimeDelta::try_days(value)?),
        Unit::Hours => t.checked_add_signed(TimeDelta::try_hours(value)?),
        Unit::Minutes => t.checked_add_signed(TimeDelta::try_minutes(value)?),
        Unit::Seconds => t.checked_add_signed(TimeDelta::try_seconds(value)?),
        Unit::Millis => t.checked_add_signed(TimeDelta::try_milliseconds(value)?),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f").unwrap()
    }

    fn now() -> NaiveDateTime {
        at("2026-03-15 13:45:30.250")
    }

    fn date(value: &str) -> NaiveDateTime {
        parse_date(value, now()).unwrap_or_else(|e| panic!("{value}: {e}"))
    }

    fn err(value: &str) -> String {
        match parse_date(value, now()) {
            Ok(d) => panic!("{value} gave {d}"),
            Err(e) => {
                assert_eq!(e.kind(), ParseErrorKind::InvalidDate);
                e.to_string()
            }
        }
    }

    #[test]
    fn instants() {
        assert_eq!(date("2026-01-01T00:00:00Z"), at("2026-01-01 00:00:00"));
        assert_eq!(
            date("2026-01-01T00:00:00.123Z"),
            at("2026-01-01 00:00:00.123")
        );
        assert_eq!(
            date("2026-01-01T00:00:00.1239Z"),
            at("2026-01-01 00:00:00.123")
        );
        assert_eq!(date("2026-01-01t10:00:00Z"), at("2026-01-01 10:00:00"));
        assert_eq!(date("2025-12-31T24:00:00Z"), at("2026-01-01 00:00:00"));
        assert_eq!(date("2016-12-31T23:59:60Z"), at("2016-12-31 23:59:59"));
        assert_eq!(date("+10000-01-01T00:00:00Z").year(), 10000);
    }

    #[test]
    fn now_and_math() {
        assert_eq!(date("NOW"), now());
        assert_eq!(date("NOW+1DAY"), at("2026-03-16 13:45:30.250"));
        assert_eq!(date("NOW-1DAY/DAY"), at("2026-03-14 00:00:00"));
        assert_eq!(date("NOW/DAY+1DAY"), at("2026-03-16 00:00:00"));
        assert_eq!(date("NOW/HOUR"), at("2026-03-15 13:00:00"));
        assert_eq!(date("NOW/MINUTE"), at("2026-03-15 13:45:00"));
        assert_eq!(date("NOW/SECOND"), at("2026-03-15 13:45:30"));
        assert_eq!(date("NOW/MONTH"), at("2026-03-01 00:00:00"));
        assert_eq!(date("NOW/YEAR"), at("2026-01-01 00:00:00"));
        assert_eq!(date("NOW-3MONTHS"), at("2025-12-15 13:45:30.250"));
        assert_eq!(date("NOW+2YEARS-1HOUR"), at("2028-03-15 12:45:30.250"));
        assert_eq!(
            date("NOW+90MINUTES+30SECONDS+5MILLIS"),
            at("2026-03-15 15:16:00.255")
        );
        assert_eq!(date("NOW+1DATE"), at("2026-03-16 13:45:30.250"));
        assert_eq!(
            date("2026-01-01T00:00:00Z+6MONTHS"),
            at("2026-07-01 00:00:00")
        );
    }

    #[test]
    fn months_clamp_to_the_month_end() {
        assert_eq!(
            date("2024-01-31T00:00:00Z+1MONTH"),
            at("2024-02-29 00:00:00")
        );
        assert_eq!(
            date("2025-01-31T00:00:00Z+1MONTH"),
            at("2025-02-28 00:00:00")
        );
        assert_eq!(
            date("2024-03-31T00:00:00Z-1MONTH"),
            at("2024-02-29 00:00:00")
        );
        assert_eq!(
            date("2024-02-29T00:00:00Z+1YEAR"),
            at("2025-02-28 00:00:00")
        );
    }

    #[test]
    fn refusals() {
        assert_eq!(
            err("2026-01-01T00:00:00"),
            "Invalid Date String:'2026-01-01T00:00:00'"
        );
        assert_eq!(err("now"), "Invalid Date String:'now'");
        assert_eq!(err(""), "Invalid Date String:''");
        assert!(err("2026-13-01T00:00:00Z").starts_with("Invalid Date in Date Math String"));
        assert!(err("2026-02-30T00:00:00Z").starts_with("Invalid Date in Date Math String"));
        assert!(err("2026-01-01Z").starts_with("Invalid Date in Date Math String"));
        assert!(err("2026-01-01T00:00Z").starts_with("Invalid Date in Date Math String"));
        assert!(err("2026-01-01T00:00:00.Z").starts_with("Invalid Date in Date Math String"));
        for bad in [
            "NOW+1",
            "NOW+DAY",
            "NOW/",
            "NOW+1day",
            "NOW+1FORTNIGHT",
            "NOW*2DAYS",
            "NOW+-1DAY",
            "NOW+1.5DAYS",
            "NOW+99999999999DAYS",
            "NOW+2147483647YEARS",
            "NOW 1DAY",
            "NOWX",
        ] {
            assert!(err(bad).starts_with("Invalid Date Math String"), "{bad}");
        }
        assert_eq!(
            parse_date(&"N".repeat(MAX_INPUT_BYTES + 1), now())
                .unwrap_err()
                .kind(),
            ParseErrorKind::TooLong
        );
    }

    #[test]
    fn split_like_solr() {
        assert_eq!(split_ops("+1DAY/HOUR"), ["+", "1", "DAY", "/", "HOUR"]);
        assert_eq!(split_ops("-12MONTHS"), ["-", "12", "MONTHS"]);
        assert_eq!(split_ops("+-1DAY"), ["+-", "1", "DAY"]);
        assert_eq!(split_ops("DAY1"), ["DAY1"]);
        assert!(split_ops("").is_empty());
    }
}
