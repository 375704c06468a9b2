-- kho foundation schema (SQLite). Keep in step with ../postgres/0001_foundation.sql:
-- same tables, columns and constraints; only the types differ.
-- Ids and timestamps are TEXT (timestamps in kho_core::time::isoformat form, which sorts
-- chronologically as text); booleans are INTEGER 0/1; JSON is TEXT.

CREATE TABLE users (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL UNIQUE,
    fullname TEXT,
    email TEXT,
    password_hash TEXT,
    about TEXT,
    image_url TEXT,
    sysadmin INTEGER NOT NULL DEFAULT 0,
    state TEXT NOT NULL,
    created TEXT NOT NULL,
    last_active TEXT,
    activity_streams_email_notifications INTEGER NOT NULL DEFAULT 0,
    plugin_extras TEXT
);
CREATE INDEX users_email_lower ON users (lower(email));

CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id),
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    last_access TEXT,
    expires_at TEXT,
    state TEXT NOT NULL,
    state_reason TEXT
);
CREATE INDEX api_tokens_user ON api_tokens (user_id, created_at);

-- Organizations and groups share one table and one name namespace, as in CKAN.
CREATE TABLE groups (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL UNIQUE,
    title TEXT,
    description TEXT,
    image_url TEXT,
    type TEXT NOT NULL,
    is_organization INTEGER NOT NULL DEFAULT 0,
    approval_status TEXT NOT NULL,
    state TEXT NOT NULL,
    created TEXT NOT NULL
);
CREATE INDEX groups_kind_name ON groups (is_organization, name);

CREATE TABLE group_extras (
    id TEXT PRIMARY KEY NOT NULL,
    group_id TEXT NOT NULL REFERENCES groups (id),
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    state TEXT NOT NULL,
    UNIQUE (group_id, key)
);

CREATE TABLE members (
    id TEXT PRIMARY KEY NOT NULL,
    group_id TEXT NOT NULL,
    table_id TEXT NOT NULL,
    table_name TEXT NOT NULL,
    capacity TEXT NOT NULL,
    state TEXT NOT NULL,
    UNIQUE (group_id, table_id, table_name)
);
CREATE INDEX members_object ON members (table_id, table_name);

CREATE TABLE activity (
    id TEXT PRIMARY KEY NOT NULL,
    timestamp TEXT NOT NULL,
    user_id TEXT NOT NULL,
    object_id TEXT NOT NULL,
    activity_type TEXT NOT NULL,
    data TEXT NOT NULL,
    permission_labels TEXT NOT NULL
);
CREATE INDEX activity_object_time ON activity (object_id, timestamp);

-- AUTOINCREMENT: a seq is never reused, even after the newest row is deleted.
CREATE TABLE change_log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    entity_type TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    op TEXT NOT NULL,
    at TEXT NOT NULL
);
