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

use std::borrow::Cow;

use chrono::NaiveDateTime;
use kho_core::model::{
    AccessGrant, Activity, ApiToken, Change, Collaborator, DataRequest, DataRequestComment,
    Dataset, DatasetExtra, Grantee, Group, GroupExtra, HarvestJob, HarvestSource, HarvestedDataset,
    Issue, IssueComment, Member, NameAlias, PersonalDataOverride, Resource, ResourceFile, Tag,
    Tombstone, User,
};
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
pub(super) const COLLABORATOR_COLUMNS: &str = "package_id, user_id, capacity, modified";
pub(super) const GRANT_COLUMNS: &str =
    "id, package_id, grantee_type, grantee_id, reason, expires, created, created_by";
pub(super) const CHANGE_COLUMNS: &str = "seq, entity_type, entity_id, op, at";
pub(super) const PACKAGE_COLUMNS: &str = "id, name, title, author, author_email, maintainer, \
     maintainer_email, license_id, notes, url, version, state, type, owner_org, sharing_level, \
     creator_user_id, metadata_created, metadata_modified, profile, plugin_data";
pub(super) const RESOURCE_COLUMNS: &str = "id, package_id, url, format, name, description, \
     hash, size, mimetype, mimetype_inner, cache_url, cache_last_updated, last_modified, \
     created, metadata_modified, resource_type, url_type, position, state, extras";

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

    /// An aggregate of `columns` (a comma-separated list) into a JSON array of arrays, one
    /// per row, as text; read with `json_list` (empty: `[]` or NULL).
    pub(super) fn json_list(self, columns: &str) -> String {
        match self {
            Backend::Sqlite => format!("json_group_array(json_array({columns}))"),
            Backend::Postgres => format!("json_agg(json_build_array({columns}))::text"),
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

/// A dataset without its extras, tags and resources (the caller loads them).
pub(super) fn package(row: StoredRow<'_>) -> StoreResult<Dataset> {
    Ok(Dataset {
        id: text(row, "id")?,
        name: text(row, "name")?,
        title: text_opt(row, "title")?,
        author: text_opt(row, "author")?,
        author_email: text_opt(row, "author_email")?,
        maintainer: text_opt(row, "maintainer")?,
        maintainer_email: text_opt(row, "maintainer_email")?,
        license_id: text_opt(row, "license_id")?,
        notes: text_opt(row, "notes")?,
        url: text_opt(row, "url")?,
        version: text_opt(row, "version")?,
        state: text(row, "state")?,
        dataset_type: text(row, "type")?,
        owner_org: text_opt(row, "owner_org")?,
        sharing_level: text(row, "sharing_level")?,
        creator_user_id: text_opt(row, "creator_user_id")?,
        metadata_created: timestamp(row, "metadata_created")?,
        metadata_modified: timestamp(row, "metadata_modified")?,
        profile: text(row, "profile")?,
        plugin_data: text_opt(row, "plugin_data")?,
        extras: Vec::new(),
        tags: Vec::new(),
        resources: Vec::new(),
    })
}

/// `(package_id, extra)` from `SELECT package_id, key, value`.
pub(super) fn package_extra(row: StoredRow<'_>) -> StoreResult<(String, DatasetExtra)> {
    Ok((
        text(row, "package_id")?,
        DatasetExtra {
            key: text(row, "key")?,
            value: text(row, "value")?,
        },
    ))
}

/// The stored `vocabulary_id` of a tag: `''` stands for none (see the 0002 migration).
pub(super) fn vocabulary(vocabulary_id: Option<&str>) -> &str {
    vocabulary_id.unwrap_or("")
}

/// `(package_id, tag)` from `SELECT package_id, id, name, vocabulary_id`.
pub(super) fn package_tag(row: StoredRow<'_>) -> StoreResult<(String, Tag)> {
    let vocabulary_id = text(row, "vocabulary_id")?;
    Ok((
        text(row, "package_id")?,
        Tag {
            id: text(row, "id")?,
            name: text(row, "name")?,
            vocabulary_id: (!vocabulary_id.is_empty()).then_some(vocabulary_id),
        },
    ))
}

/// A dataset with its extras, tags and active resources, from [`PACKAGE_COLUMNS`] and the
/// aggregated JSON lists `extras_list` (`[key, value, position]`), `tags_list`
/// (`[id, name, vocabulary_id]`) and `resources_list` (see `Tx::package_get`). Sorted
/// here as the separate queries order them: extras by position, tags by name then
/// vocabulary (bytewise, as both backends collate these columns).
pub(super) fn package_with_children(row: StoredRow<'_>) -> StoreResult<Dataset> {
    let backend = row.backend;
    let mut dataset = package(row)?;
    let mut extras: Vec<(String, String, i64)> =
        serde_json::from_str(&json_list(row, "extras_list")?)
            .map_err(|e| corrupt("extras_list", e))?;
    extras.sort_by_key(|e| e.2);
    dataset.extras = extras
        .into_iter()
        .map(|(key, value, _)| DatasetExtra {
            key: backend.untext(key),
            value: backend.untext(value),
        })
        .collect();
    let tags: Vec<(String, String, String)> =
        serde_json::from_str(&json_list(row, "tags_list")?).map_err(|e| corrupt("tags_list", e))?;
    let mut tags: Vec<(String, String, String)> = tags
        .into_iter()
        .map(|(id, name, vocabulary)| {
            (
                backend.untext(name),
                backend.untext(vocabulary),
                backend.untext(id),
            )
        })
        .collect();
    tags.sort_unstable();
    dataset.tags = tags
        .into_iter()
        .map(|(name, vocabulary_id, id)| Tag {
            id,
            name,
            vocabulary_id: (!vocabulary_id.is_empty()).then_some(vocabulary_id),
        })
        .collect();
    dataset.resources = resources_from_json(backend, &json_list(row, "resources_list")?)?;
    Ok(dataset)
}

/// A group with its active extras from [`GROUP_COLUMNS`] and the aggregated JSON list
/// `extras_list` of [`EXTRA_COLUMNS`] arrays, sorted by key (bytewise).
pub(super) fn group_with_extras(row: StoredRow<'_>) -> StoreResult<Group> {
    let backend = row.backend;
    let mut group = group(row)?;
    let extras: Vec<(String, String, String, String, String)> =
        serde_json::from_str(&json_list(row, "extras_list")?)
            .map_err(|e| corrupt("extras_list", e))?;
    group.extras = extras
        .into_iter()
        .map(|(id, group_id, key, value, state)| GroupExtra {
            id: backend.untext(id),
            group_id: backend.untext(group_id),
            key: backend.untext(key),
            value: backend.untext(value),
            state: backend.untext(state),
        })
        .collect();
    group.extras.sort_by(|a, b| a.key.cmp(&b.key));
    Ok(group)
}

pub(super) fn resource(row: StoredRow<'_>) -> StoreResult<Resource> {
    Ok(Resource {
        id: text(row, "id")?,
        package_id: text(row, "package_id")?,
        url: text(row, "url")?,
        format: text(row, "format")?,
        name: text_opt(row, "name")?,
        description: text_opt(row, "description")?,
        hash: text(row, "hash")?,
        size: row
            .row
            .try_get::<Option<i64>, _>("size")
            .map_err(|e| corrupt("size", e))?,
        mimetype: text_opt(row, "mimetype")?,
        mimetype_inner: text_opt(row, "mimetype_inner")?,
        cache_url: text_opt(row, "cache_url")?,
        cache_last_updated: timestamp_opt(row, "cache_last_updated")?,
        last_modified: timestamp_opt(row, "last_modified")?,
        created: timestamp(row, "created")?,
        metadata_modified: timestamp(row, "metadata_modified")?,
        resource_type: text_opt(row, "resource_type")?,
        url_type: text_opt(row, "url_type")?,
        position: int(row.row, "position")?,
        state: text(row, "state")?,
        extras: text(row, "extras")?,
    })
}

/// One element of the aggregated resource list: the columns of [`RESOURCE_COLUMNS`] as a
/// JSON array, deserialized field by field in that order (serde reads a struct from a
/// sequence): straight into owned strings, not into `Value`s that are then copied.
/// Timestamps borrow from the input (they never contain escapes) and are parsed without
/// an intermediate `String`.
#[derive(serde::Deserialize)]
struct ResourceJson<'a> {
    id: String,
    package_id: String,
    url: String,
    format: String,
    name: Option<String>,
    description: Option<String>,
    hash: String,
    size: Option<i64>,
    mimetype: Option<String>,
    mimetype_inner: Option<String>,
    cache_url: Option<String>,
    #[serde(borrow)]
    cache_last_updated: Option<Cow<'a, str>>,
    #[serde(borrow)]
    last_modified: Option<Cow<'a, str>>,
    #[serde(borrow)]
    created: Cow<'a, str>,
    #[serde(borrow)]
    metadata_modified: Cow<'a, str>,
    resource_type: Option<String>,
    url_type: Option<String>,
    position: i64,
    state: String,
    extras: String,
}

/// The resources of one dataset from `SELECT package_id, <agg> AS list`: a JSON array of
/// arrays of [`RESOURCE_COLUMNS`] (see `load_children`), sorted here by position, then id
/// (bytewise, as both backends' `COLLATE "C"`/BINARY ids sort).
pub(super) fn resource_list(row: StoredRow<'_>) -> StoreResult<Vec<Resource>> {
    let list = json_list(row, "list")?;
    resources_from_json(row.backend, &list)
}

/// An aggregated JSON list column, raw: not `untext`, because JSON escapes the control
/// characters that encoding uses, so it applies to the strings inside, one by one. An
/// aggregate over no rows is `[]` on SQLite and NULL on Postgres: both read as `[]`.
fn json_list(row: StoredRow<'_>, column: &str) -> StoreResult<String> {
    row.row
        .try_get::<Option<String>, _>(column)
        .map(|s| s.unwrap_or_else(|| "[]".to_owned()))
        .map_err(|e| corrupt(column, e))
}

/// [`resource_list`] of a JSON text.
fn resources_from_json(backend: Backend, list: &str) -> StoreResult<Vec<Resource>> {
    let items: Vec<ResourceJson<'_>> =
        serde_json::from_str(list).map_err(|e| corrupt("resources", e))?;
    let text = |s: String| backend.untext(s);
    let text_opt = |s: Option<String>| s.map(|s| backend.untext(s));
    let ts = |column: &str, s: &str| parse_ts(column, s);
    let ts_opt =
        |column: &str, s: Option<Cow<'_, str>>| s.map(|s| parse_ts(column, &s)).transpose();
    let mut out = items
        .into_iter()
        .map(|r| {
            Ok(Resource {
                cache_last_updated: ts_opt("cache_last_updated", r.cache_last_updated)?,
                last_modified: ts_opt("last_modified", r.last_modified)?,
                created: ts("created", &r.created)?,
                metadata_modified: ts("metadata_modified", &r.metadata_modified)?,
                id: text(r.id),
                package_id: text(r.package_id),
                url: text(r.url),
                format: text(r.format),
                name: text_opt(r.name),
                description: text_opt(r.description),
                hash: text(r.hash),
                size: r.size,
                mimetype: text_opt(r.mimetype),
                mimetype_inner: text_opt(r.mimetype_inner),
                cache_url: text_opt(r.cache_url),
                resource_type: text_opt(r.resource_type),
                url_type: text_opt(r.url_type),
                position: r.position,
                state: text(r.state),
                extras: text(r.extras),
            })
        })
        .collect::<StoreResult<Vec<Resource>>>()?;
    out.sort_unstable_by(|a, b| a.position.cmp(&b.position).then_with(|| a.id.cmp(&b.id)));
    Ok(out)
}

/// One text column, e.g. `SELECT name`.
pub(super) fn name(row: StoredRow<'_>) -> StoreResult<String> {
    text(row, "name")
}

pub(super) fn package_id(row: StoredRow<'_>) -> StoreResult<String> {
    text(row, "package_id")
}

/// `(package_id, group_id)`.
pub(super) fn package_group(row: StoredRow<'_>) -> StoreResult<(String, String)> {
    Ok((text(row, "package_id")?, text(row, "group_id")?))
}

pub(super) fn collaborator(row: StoredRow<'_>) -> StoreResult<Collaborator> {
    Ok(Collaborator {
        package_id: text(row, "package_id")?,
        user_id: text(row, "user_id")?,
        capacity: text(row, "capacity")?,
        modified: timestamp(row, "modified")?,
    })
}

pub(super) fn grant(row: StoredRow<'_>) -> StoreResult<AccessGrant> {
    let grantee_type = text(row, "grantee_type")?;
    Ok(AccessGrant {
        id: text(row, "id")?,
        package_id: text(row, "package_id")?,
        grantee_type: Grantee::parse(&grantee_type)
            .ok_or_else(|| corrupt("grantee_type", grantee_type))?,
        grantee_id: text(row, "grantee_id")?,
        reason: text(row, "reason")?,
        expires: timestamp_opt(row, "expires")?,
        created: timestamp(row, "created")?,
        created_by: text(row, "created_by")?,
    })
}

pub(super) const TOMBSTONE_COLUMNS: &str = "package_id, name, left_at";
pub(super) const RESOURCE_FILE_COLUMNS: &str =
    "resource_id, file_key, file_name, size, sha256, created, screening";

pub(super) fn tombstone(row: StoredRow<'_>) -> StoreResult<Tombstone> {
    Ok(Tombstone {
        package_id: text(row, "package_id")?,
        name: text(row, "name")?,
        left_at: timestamp(row, "left_at")?,
    })
}

pub(super) const ALIAS_COLUMNS: &str = "kind, name, target_id, created, created_by";

pub(super) fn alias(row: StoredRow<'_>) -> StoreResult<NameAlias> {
    Ok(NameAlias {
        kind: text(row, "kind")?,
        name: text(row, "name")?,
        target_id: text(row, "target_id")?,
        created: timestamp(row, "created")?,
        created_by: text(row, "created_by")?,
    })
}

pub(super) fn resource_file(row: StoredRow<'_>) -> StoreResult<ResourceFile> {
    Ok(ResourceFile {
        resource_id: text(row, "resource_id")?,
        file_key: text(row, "file_key")?,
        file_name: text(row, "file_name")?,
        size: int(row.row, "size")?,
        sha256: text(row, "sha256")?,
        created: timestamp(row, "created")?,
        screening: text_opt(row, "screening")?,
    })
}

pub(super) const PERSONAL_DATA_OVERRIDE_COLUMNS: &str = "id, package_id, user_id, reason, created";

pub(super) fn personal_data_override(row: StoredRow<'_>) -> StoreResult<PersonalDataOverride> {
    Ok(PersonalDataOverride {
        id: text(row, "id")?,
        package_id: text(row, "package_id")?,
        user_id: text(row, "user_id")?,
        reason: text(row, "reason")?,
        created: timestamp(row, "created")?,
    })
}

pub(super) const HARVEST_SOURCE_COLUMNS: &str =
    "id, name, title, url, source_type, owner_org, config, created";
pub(super) const HARVEST_JOB_COLUMNS: &str = "id, source_id, status, created, gather_started, \
     gather_finished, finished, created_count, updated_count, deleted_count, unchanged_count, \
     error_count, errors";

pub(super) fn harvest_source(row: StoredRow<'_>) -> StoreResult<HarvestSource> {
    Ok(HarvestSource {
        id: text(row, "id")?,
        name: text(row, "name")?,
        title: text(row, "title")?,
        url: text(row, "url")?,
        source_type: text(row, "source_type")?,
        owner_org: text_opt(row, "owner_org")?,
        config: text(row, "config")?,
        created: timestamp(row, "created")?,
    })
}

pub(super) fn harvest_job(row: StoredRow<'_>) -> StoreResult<HarvestJob> {
    Ok(HarvestJob {
        id: text(row, "id")?,
        source_id: text(row, "source_id")?,
        status: text(row, "status")?,
        created: timestamp(row, "created")?,
        gather_started: timestamp_opt(row, "gather_started")?,
        gather_finished: timestamp_opt(row, "gather_finished")?,
        finished: timestamp_opt(row, "finished")?,
        created_count: int(row.row, "created_count")?,
        updated_count: int(row.row, "updated_count")?,
        deleted_count: int(row.row, "deleted_count")?,
        unchanged_count: int(row.row, "unchanged_count")?,
        error_count: int(row.row, "error_count")?,
        errors: text(row, "errors")?,
    })
}

pub(super) fn harvested_dataset(row: StoredRow<'_>) -> StoreResult<HarvestedDataset> {
    Ok(HarvestedDataset {
        id: text(row, "id")?,
        name: text(row, "name")?,
        state: text(row, "state")?,
        metadata_modified: timestamp(row, "metadata_modified")?,
        guid: text_opt(row, "guid")?,
        hash: text_opt(row, "hash")?,
    })
}

pub(super) const DATAREQUEST_COLUMNS: &str = "id, user_id, email, title, description, \
     organization_id, open_time, accepted_dataset_id, close_time, closed, close_reason";
pub(super) const DATAREQUEST_COMMENT_COLUMNS: &str = "id, datarequest_id, user_id, comment, time";

pub(super) fn datarequest(row: StoredRow<'_>) -> StoreResult<DataRequest> {
    Ok(DataRequest {
        id: text(row, "id")?,
        user_id: text(row, "user_id")?,
        email: text_opt(row, "email")?,
        title: text(row, "title")?,
        description: text(row, "description")?,
        organization_id: text_opt(row, "organization_id")?,
        open_time: timestamp(row, "open_time")?,
        accepted_dataset_id: text_opt(row, "accepted_dataset_id")?,
        close_time: timestamp_opt(row, "close_time")?,
        closed: boolean(row, "closed")?,
        close_reason: text_opt(row, "close_reason")?,
    })
}

pub(super) fn datarequest_comment(row: StoredRow<'_>) -> StoreResult<DataRequestComment> {
    Ok(DataRequestComment {
        id: text(row, "id")?,
        datarequest_id: text(row, "datarequest_id")?,
        user_id: text(row, "user_id")?,
        comment: text(row, "comment")?,
        time: timestamp(row, "time")?,
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

/// The columns of `issue i`, with its comment count.
pub(super) const ISSUE_COLUMNS: &str = "i.id, i.dataset_id, i.number, i.title, i.description, \
     i.user_id, i.reporter_email, i.client_address, i.follow_token_hash, i.status, i.resolved, \
     i.created, i.modified, \
     (SELECT count(*) FROM issue_comment c WHERE c.issue_id = i.id) AS comment_count";
pub(super) const ISSUE_COMMENT_COLUMNS: &str = "id, issue_id, comment, user_id, created";

pub(super) fn issue(row: StoredRow<'_>) -> StoreResult<Issue> {
    Ok(Issue {
        id: text(row, "id")?,
        dataset_id: text(row, "dataset_id")?,
        number: int(row.row, "number")?,
        title: text(row, "title")?,
        description: text(row, "description")?,
        user_id: text_opt(row, "user_id")?,
        reporter_email: text_opt(row, "reporter_email")?,
        client_address: text_opt(row, "client_address")?,
        follow_token_hash: text_opt(row, "follow_token_hash")?,
        status: text(row, "status")?,
        resolved: timestamp_opt(row, "resolved")?,
        created: timestamp(row, "created")?,
        modified: timestamp(row, "modified")?,
        comment_count: int(row.row, "comment_count")?,
    })
}

pub(super) fn issue_comment(row: StoredRow<'_>) -> StoreResult<IssueComment> {
    Ok(IssueComment {
        id: text(row, "id")?,
        issue_id: text(row, "issue_id")?,
        comment: text(row, "comment")?,
        user_id: text_opt(row, "user_id")?,
        created: timestamp(row, "created")?,
    })
}

pub(super) fn link_check(row: StoredRow<'_>) -> StoreResult<kho_core::model::LinkCheck> {
    Ok(kho_core::model::LinkCheck {
        resource_id: text(row, "resource_id")?,
        dataset_id: text(row, "dataset_id")?,
        url: text(row, "url")?,
        checked_at: timestamp(row, "checked_at")?,
        status_code: row
            .row
            .try_get::<Option<i64>, _>("status_code")
            .map_err(|e| corrupt("status_code", e))?,
        ok: boolean(row, "ok")?,
        error: text_opt(row, "error")?,
        content_type: text_opt(row, "content_type")?,
    })
}

pub(super) fn link_target(row: StoredRow<'_>) -> StoreResult<kho_core::model::LinkTarget> {
    Ok(kho_core::model::LinkTarget {
        dataset_id: text(row, "dataset_id")?,
        resource_id: text(row, "resource_id")?,
        url: text(row, "url")?,
    })
}

/// `(package_id, data_updated)` of `package_data_updated`.
pub(super) fn data_updated(row: StoredRow<'_>) -> StoreResult<(String, NaiveDateTime)> {
    Ok((text(row, "package_id")?, timestamp(row, "data_updated")?))
}

/// The columns of `sharing_log`.
pub(super) const SHARING_COLUMNS: &str = "id, at, user_id, user_name, user_organizations, \
     organization_id, dataset_id, resource_id, action, client_address, user_agent, outcome";

pub(super) fn sharing_entry(row: StoredRow<'_>) -> StoreResult<crate::SharingEntry> {
    Ok(crate::SharingEntry {
        id: int(row.row, "id")?,
        at: timestamp(row, "at")?,
        user_id: text(row, "user_id")?,
        user_name: text(row, "user_name")?,
        user_organizations: text(row, "user_organizations")?
            .split_whitespace()
            .map(str::to_owned)
            .collect(),
        organization_id: text_opt(row, "organization_id")?,
        dataset_id: text(row, "dataset_id")?,
        resource_id: text_opt(row, "resource_id")?,
        action: text(row, "action")?,
        client_address: text_opt(row, "client_address")?,
        user_agent: text_opt(row, "user_agent")?,
        outcome: text(row, "outcome")?,
    })
}

pub(super) fn suspension(row: StoredRow<'_>) -> StoreResult<crate::Suspension> {
    Ok(crate::Suspension {
        kind: text(row, "kind")?,
        target_id: text(row, "target_id")?,
        reason: text(row, "reason")?,
        actor_id: text(row, "actor_id")?,
        at: timestamp(row, "at")?,
    })
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
