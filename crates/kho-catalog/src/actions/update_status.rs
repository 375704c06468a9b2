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

/// A stored dict (compact JSON, as the index keeps it) with its status as of `today`;
/// `None` when it needs no change (no deadline, or the same status). Only the deadline
/// object is parsed and only the status's bytes replaced: this runs for every result of
/// every search. Both keys are found from the end, where `dict_of` put them, so a
/// resource field of the same name is never taken for them.
pub fn restamped_bytes(stored: &str, today: NaiveDate) -> Option<String> {
    let open = "\"update_deadline\":{";
    let start = stored.rfind(open)? + open.len() - 1;
    // The deadline object is flat: its first `}` closes it.
    let end = start + stored[start..].find('}')? + 1;
    let deadline: Value = serde_json::from_str(&stored[start..end]).ok()?;
    let status = kho_core::deadline::status_of(Some(&deadline), today).key();
    let key = "\"update_status\":\"";
    let from = stored.rfind(key)? + key.len();
    let to = from + stored[from..].find('"')?;
    if &stored[from..to] == status {
        return None;
    }
    Some(format!("{}{status}{}", &stored[..from], &stored[to..]))
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

    #[test]
    fn restamps_only_the_top_level_status() {
        let stored = r#"{"resources":[{"update_status":"x"}],"update_deadline":{"frequency":"monthly","period_start":"2030-01-01","period_end":"2030-01-31","due_date":"2030-02-15","due_soon_from":"2030-02-08","data_updated":null,"last_update_late":false},"update_status":"on_time"}"#;
        let later = NaiveDate::from_ymd_opt(2030, 2, 16).unwrap();
        let out = restamped_bytes(stored, later).expect("changed");
        assert_eq!(
            out,
            stored.replace(
                r#""update_status":"on_time""#,
                r#""update_status":"overdue""#
            )
        );
        let early = NaiveDate::from_ymd_opt(2030, 1, 16).unwrap();
        assert_eq!(restamped_bytes(stored, early), None);
        assert_eq!(
            restamped_bytes(
                r#"{"update_deadline":null,"update_status":"not_applicable"}"#,
                later
            ),
            None
        );
    }
}
