//! Row ↔ entity conversion, shared by both backends.
//!
//! Column encodings: ids and strings TEXT; timestamps TEXT in
//! [`kho_core::time::isoformat`] form; booleans 64-bit integers 0/1; JSON TEXT.

use chrono::NaiveDateTime;
use kho_core::model::{Activity, ApiToken, Change, Group, GroupExtra, Member, User};
use kho_core::time;
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::{StoreError, StoreResult};

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

fn corrupt(column: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("column {column}: {e}"))
}

fn text(row: &AnyRow, column: &str) -> StoreResult<String> {
    row.try_get::<String, _>(column)
        .map_err(|e| corrupt(column, e))
}

fn text_opt(row: &AnyRow, column: &str) -> StoreResult<Option<String>> {
    row.try_get::<Option<String>, _>(column)
        .map_err(|e| corrupt(column, e))
}

pub(super) fn int(row: &AnyRow, column: &str) -> StoreResult<i64> {
    row.try_get::<i64, _>(column)
        .map_err(|e| corrupt(column, e))
}

fn boolean(row: &AnyRow, column: &str) -> StoreResult<bool> {
    Ok(int(row, column)? != 0)
}

fn parse_ts(column: &str, value: &str) -> StoreResult<NaiveDateTime> {
    time::parse(value).ok_or_else(|| corrupt(column, format!("bad timestamp {value:?}")))
}

fn timestamp(row: &AnyRow, column: &str) -> StoreResult<NaiveDateTime> {
    parse_ts(column, &text(row, column)?)
}

fn timestamp_opt(row: &AnyRow, column: &str) -> StoreResult<Option<NaiveDateTime>> {
    text_opt(row, column)?
        .map(|value| parse_ts(column, &value))
        .transpose()
}

pub(super) fn user(row: &AnyRow) -> StoreResult<User> {
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

pub(super) fn token(row: &AnyRow) -> StoreResult<ApiToken> {
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
pub(super) fn group(row: &AnyRow) -> StoreResult<Group> {
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

pub(super) fn extra(row: &AnyRow) -> StoreResult<GroupExtra> {
    Ok(GroupExtra {
        id: text(row, "id")?,
        group_id: text(row, "group_id")?,
        key: text(row, "key")?,
        value: text(row, "value")?,
        state: text(row, "state")?,
    })
}

pub(super) fn member(row: &AnyRow) -> StoreResult<Member> {
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

pub(super) fn activity(row: &AnyRow) -> StoreResult<Activity> {
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

pub(super) fn change(row: &AnyRow) -> StoreResult<Change> {
    Ok(Change {
        seq: int(row, "seq")?,
        entity_type: text(row, "entity_type")?,
        entity_id: text(row, "entity_id")?,
        op: text(row, "op")?,
        at: timestamp(row, "at")?,
    })
}

pub(super) fn all<T>(
    rows: &[AnyRow],
    decode: fn(&AnyRow) -> StoreResult<T>,
) -> StoreResult<Vec<T>> {
    rows.iter().map(decode).collect()
}
