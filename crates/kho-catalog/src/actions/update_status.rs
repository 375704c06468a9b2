//! `update_status` in `package_search`: the status depends on the day of the query, so
//! the index holds each dataset's deadline days (`kho_search::doc::UPDATE_*`) and a
//! filter `update_status:X` becomes string ranges over them against today's date (in
//! Vietnam). Nothing in the index changes as days pass.

use chrono::NaiveDate;
use kho_core::deadline::{date_str, Status};
use kho_search::doc::{UPDATE_DUE, UPDATE_SOON, UPDATE_TRACK};
use serde_json::{Map, Value};

/// The facet and filter field name.
pub const FIELD: &str = "update_status";

/// The filter that selects datasets of `status` on `today`.
pub fn query(status: Status, today: NaiveDate) -> String {
    let t = date_str(today);
    match status {
        Status::Overdue => format!("{UPDATE_DUE}:[* TO {t}}}"),
        Status::DueSoon => format!("+{UPDATE_SOON}:[* TO {t}] +{UPDATE_DUE}:[{t} TO *]"),
        Status::Late => format!("+{UPDATE_SOON}:{{{t} TO *] +{UPDATE_TRACK}:late"),
        Status::OnTime => format!("+{UPDATE_SOON}:{{{t} TO *] +{UPDATE_TRACK}:ok"),
        Status::NotApplicable => format!("{UPDATE_TRACK}:na"),
    }
}

/// `text` with every `update_status:X` (X a word or a quoted word) replaced by the
/// equivalent query in parentheses; an unknown status matches nothing.
pub fn rewrite(text: &str, today: NaiveDate) -> String {
    let needle = "update_status:";
    if !text.contains(needle) {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len() + 64);
    let mut rest = text;
    while let Some(i) = rest.find(needle) {
        let before = rest[..i].chars().last();
        let starts_term = before.is_none_or(|c| c.is_whitespace() || "(+-!".contains(c));
        out.push_str(&rest[..i]);
        let after = &rest[i + needle.len()..];
        if !starts_term {
            out.push_str(needle);
            rest = after;
            continue;
        }
        let (value, len) = match after.strip_prefix('"') {
            Some(quoted) => match quoted.find('"') {
                Some(end) => (&quoted[..end], end + 2),
                None => (quoted, after.len()),
            },
            None => {
                let end = after
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(after.len());
                (&after[..end], end)
            }
        };
        let q = match Status::parse(value) {
            Some(s) => query(s, today),
            None => format!("{UPDATE_TRACK}:unknown_status"),
        };
        out.push('(');
        out.push_str(&q);
        out.push(')');
        rest = &after[len..];
    }
    out.push_str(rest);
    out
}

/// Replace the stored `update_status` of a result dict by the status on `today`.
pub fn restamp(dict: &mut Map<String, Value>, today: NaiveDate) {
    if dict.contains_key(FIELD) {
        let status = kho_core::deadline::status_of(dict.get("update_deadline"), today);
        dict.insert(FIELD.into(), status.key().into());
    }
}

/// A stored dict with its status as of `today`, in CKAN's bytes; `None` when it has no
/// deadline keys (then it is written as stored).
pub fn restamped_bytes(stored: &str, today: NaiveDate) -> Option<String> {
    if !stored.contains("\"update_deadline\"") {
        return None;
    }
    let mut dict: Map<String, Value> = serde_json::from_str(stored).ok()?;
    restamp(&mut dict, today);
    Some(kho_core::json::to_string(&Value::Object(dict)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()
    }

    #[test]
    fn rewrites_status_terms_only() {
        assert_eq!(
            rewrite("update_status:overdue", day()),
            "(update_due_date:[* TO 2026-11-24})"
        );
        assert_eq!(
            rewrite("organization:x -update_status:\"late\"", day()),
            "organization:x -(+update_due_soon_from:{2026-11-24 TO *] +update_track:late)"
        );
        assert_eq!(
            rewrite("+update_status:nope", day()),
            "+(update_track:unknown_status)"
        );
        assert_eq!(
            rewrite("x_update_status:late", day()),
            "x_update_status:late"
        );
        assert_eq!(rewrite("title:abc", day()), "title:abc");
    }
}
