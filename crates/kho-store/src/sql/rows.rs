//! Row ↔ entity conversion, shared by both backends.
//!
//! Column encodings: ids and strings TEXT; timestamps TEXT in
//! [`kho_core::time::isoformat`] form; booleans 64-bit integers 0/1; JSON TEXT.
//!
//! Postgres TEXT cannot hold U+0000, which SQLite stores like any other character. So that
//! both backends store and find the same strings, every string is bound through
//! [`Backend::text`] and read back through [`Backend::untext`]: identity on SQLite; on
//! Postgres U+0000 is written as U+0001 U+0001 and U+0001 as U+0001 U+0002. That encoding
//! is injective, keeps bytewise order (the `COLLATE "C"` columns sort as SQLite does) and
//! commutes with `lower()`, so equality, `ORDER BY` and `lower(x) = lower($1)` behave the
//! same on both.

use chrono::NaiveDateTime;
use kho_core::model::{Activity, ApiToken, Change, Group, GroupExtra, Member, User};
use kho_core::time;
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::{Backend, StoreError, StoreResult};

pub(super) const USER_COLUMNS: &str = "id, name, fullname, email, password_hash, about, \
     image_url, sysadmin, state, created, last_active, activity_streams_email_notifications, \
     plugin_extras";
pub(super) const TOKEN_COLUMNS: &str =
    "id, user_id, name, token_hash, created_at, last_access, expires_at, state, state_reason";
pub(super) const GROUP_COLUMNS: &str =
    "id, name, title, description, image_url, type, is_organization, approval_status, state, \
     created";
pub(super) const EXTRA_COLUMNS: &str = "id, group_id, key, value, state";
pub(super) const MEMBER_COLUMNS: &str = "id, group_id, table_id, table_name, capacity, state";
pub(super) const ACTIVITY_COLUMNS: &str =
    "id, timestamp, user_id, object_id, activity_type, data, permission_labels";
pub(super) const CHANGE_COLUMNS: &str = "seq, entity_type, entity_id, op, at";

/// A timestamp as stored.
pub(super) fn ts(at: &NaiveDateTime) -> String {
    time::isoformat(at)
}

pub(super) fn ts_opt(at: Option<&NaiveDateTime>) -> Option<String> {
    at.map(time::isoformat)
}

pub(super) fn flag(value: bool) -> i64 {
    i64::from(value)
}

impl Backend {
    /// A string as stored (see the module docs).
    pub(super) fn text(self, value: &str) -> String {
        match self {
            Backend::Postgres if value.contains(['\u{0}', '\u{1}']) => {
                let mut out = String::with_capacity(value.len() + 8);
                for c in value.chars() {
                    match c {
                        '\u{0}' => out.push_str("\u{1}\u{1}"),
                        '\u{1}' => out.push_str("\u{1}\u{2}"),
                        c => out.push(c),
                    }
                }
                out
            }
            _ => value.to_owned(),
        }
    }

    pub(super) fn text_opt(self, value: Option<&str>) -> Option<String> {
        value.map(|v| self.text(v))
    }

    /// A stored string as it was given to [`Backend::text`].
    pub(super) fn untext(self, stored: String) -> String {
        match self {
            Backend::Postgres if stored.contains('\u{1}') => {
                let mut out = String::with_capacity(stored.len());
                let mut chars = stored.chars().peekable();
                while let Some(c) = chars.next() {
                    match (c, chars.peek()) {
                        ('\u{1}', Some('\u{1}')) => {
                            chars.next();
                            out.push('\u{0}');
                        }
                        ('\u{1}', Some('\u{2}')) => {
                            chars.next();
                            out.push('\u{1}');
                        }
                        (c, _) => out.push(c),
                    }
                }
                out
            }
            _ => stored,
        }
    }
}

fn corrupt(column: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("column {column}: {e}"))
}

/// A row and the backend it came from (which decodes its strings).
#[derive(Clone, Copy)]
pub(super) struct StoredRow<'r> {
    pub(super) row: &'r AnyRow,
    pub(super) backend: Backend,
}

fn text(row: StoredRow<'_>, column: &str) -> StoreResult<String> {
    row.row
        .try_get::<String, _>(column)
        .map(|s| row.backend.untext(s))
        .map_err(|e| corrupt(column, e))
}

fn text_opt(row: StoredRow<'_>, column: &str) -> StoreResult<Option<String>> {
    row.row
        .try_get::<Option<String>, _>(column)
        .map(|s| s.map(|s| row.backend.untext(s)))
        .map_err(|e| corrupt(column, e))
}

pub(super) fn int(row: &AnyRow, column: &str) -> StoreResult<i64> {
    row.try_get::<i64, _>(column)
        .map_err(|e| corrupt(column, e))
}

fn boolean(row: StoredRow<'_>, column: &str) -> StoreResult<bool> {
    Ok(int(row.row, column)? != 0)
}

fn parse_ts(column: &str, value: &str) -> StoreResult<NaiveDateTime> {
    time::parse(value).ok_or_else(|| corrupt(column, format!("bad timestamp {value:?}")))
}

fn timestamp(row: StoredRow<'_>, column: &str) -> StoreResult<NaiveDateTime> {
    parse_ts(column, &text(row, column)?)
}

fn timestamp_opt(row: StoredRow<'_>, column: &str) -> StoreResult<Option<NaiveDateTime>> {
    text_opt(row, column)?
        .map(|value| parse_ts(column, &value))
        .transpose()
}

pub(super) fn user(row: StoredRow<'_>) -> StoreResult<User> {
    Ok(User {
        id: text(row, "id")?,
        name: text(row, "name")?,
        fullname: text_opt(row, "fullname")?,
        email: text_opt(row, "email")?,
        password_hash: text_opt(row, "password_hash")?,
        about: text_opt(row, "about")?,
        image_url: text_opt(row, "image_url")?,
        sysadmin: boolean(row, "sysadmin")?,
        state: text(row, "state")?,
        created: timestamp(row, "created")?,
        last_active: timestamp_opt(row, "last_active")?,
        activity_streams_email_notifications: boolean(row, "activity_streams_email_notifications")?,
        plugin_extras: text_opt(row, "plugin_extras")?,
    })
}

pub(super) fn token(row: StoredRow<'_>) -> StoreResult<ApiToken> {
    Ok(ApiToken {
        id: text(row, "id")?,
        user_id: text(row, "user_id")?,
        name: text(row, "name")?,
        token_hash: text(row, "token_hash")?,
        created_at: timestamp(row, "created_at")?,
        last_access: timestamp_opt(row, "last_access")?,
        expires_at: timestamp_opt(row, "expires_at")?,
        state: text(row, "state")?,
        state_reason: text_opt(row, "state_reason")?,
    })
}

/// A group without its extras (the caller loads them).
pub(super) fn group(row: StoredRow<'_>) -> StoreResult<Group> {
    Ok(Group {
        id: text(row, "id")?,
        name: text(row, "name")?,
        title: text_opt(row, "title")?,
        description: text_opt(row, "description")?,
        image_url: text_opt(row, "image_url")?,
        group_type: text(row, "type")?,
        is_organization: boolean(row, "is_organization")?,
        approval_status: text(row, "approval_status")?,
        state: text(row, "state")?,
        created: timestamp(row, "created")?,
        extras: Vec::new(),
    })
}

pub(super) fn extra(row: StoredRow<'_>) -> StoreResult<GroupExtra> {
    Ok(GroupExtra {
        id: text(row, "id")?,
        group_id: text(row, "group_id")?,
        key: text(row, "key")?,
        value: text(row, "value")?,
        state: text(row, "state")?,
    })
}

pub(super) fn member(row: StoredRow<'_>) -> StoreResult<Member> {
    Ok(Member {
        id: text(row, "id")?,
        group_id: text(row, "group_id")?,
        table_id: text(row, "table_id")?,
        table_name: text(row, "table_name")?,
        capacity: text(row, "capacity")?,
        state: text(row, "state")?,
    })
}

/// `permission_labels` as stored: a JSON array of strings.
pub(super) fn labels_json(labels: &[String]) -> StoreResult<String> {
    serde_json::to_string(labels).map_err(|e| corrupt("permission_labels", e))
}

pub(super) fn activity(row: StoredRow<'_>) -> StoreResult<Activity> {
    let labels = text(row, "permission_labels")?;
    Ok(Activity {
        id: text(row, "id")?,
        timestamp: timestamp(row, "timestamp")?,
        user_id: text(row, "user_id")?,
        object_id: text(row, "object_id")?,
        activity_type: text(row, "activity_type")?,
        data: text(row, "data")?,
        permission_labels: serde_json::from_str(&labels)
            .map_err(|e| corrupt("permission_labels", e))?,
    })
}

pub(super) fn change(row: StoredRow<'_>) -> StoreResult<Change> {
    Ok(Change {
        seq: int(row.row, "seq")?,
        entity_type: text(row, "entity_type")?,
        entity_id: text(row, "entity_id")?,
        op: text(row, "op")?,
        at: timestamp(row, "at")?,
    })
}

/// Decode one row from `backend`.
pub(super) fn one<T>(
    backend: Backend,
    row: &AnyRow,
    decode: fn(StoredRow<'_>) -> StoreResult<T>,
) -> StoreResult<T> {
    decode(StoredRow { row, backend })
}

/// Decode every row from `backend`.
pub(super) fn all<T>(
    backend: Backend,
    rows: &[AnyRow],
    decode: fn(StoredRow<'_>) -> StoreResult<T>,
) -> StoreResult<Vec<T>> {
    rows.iter().map(|row| one(backend, row, decode)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLES: &[&str] = &[
        "",
        "a",
        "a\u{0}b",
        "\u{0}",
        "\u{0}\u{0}",
        "\u{1}",
        "\u{1}\u{1}",
        "\u{1}\u{2}",
        "\u{2}",
        "a\u{1}",
        "a\u{0}\u{1}\u{2}z",
        "đ\u{0}ư",
        "b",
        "a\u{ffff}",
    ];

    #[test]
    fn text_is_identity_on_sqlite() {
        for s in SAMPLES {
            assert_eq!(Backend::Sqlite.text(s), *s);
            assert_eq!(Backend::Sqlite.untext(s.to_string()), *s);
        }
    }

    #[test]
    fn postgres_text_has_no_nul_and_round_trips() {
        for s in SAMPLES {
            let stored = Backend::Postgres.text(s);
            assert!(!stored.contains('\u{0}'), "{s:?} → {stored:?}");
            assert_eq!(Backend::Postgres.untext(stored), *s);
        }
        assert_eq!(Backend::Postgres.text("plain"), "plain");
        assert_eq!(Backend::Postgres.text_opt(None), None);
    }

    #[test]
    fn postgres_text_keeps_bytewise_order_and_commutes_with_lower() {
        for a in SAMPLES {
            let upper = a.to_uppercase();
            assert_eq!(
                Backend::Postgres.text(&upper).to_lowercase(),
                Backend::Postgres.text(&upper.to_lowercase())
            );
            for b in SAMPLES {
                let (ea, eb) = (Backend::Postgres.text(a), Backend::Postgres.text(b));
                assert_eq!(a.cmp(b), ea.cmp(&eb), "{a:?} vs {b:?}");
            }
        }
    }
}
