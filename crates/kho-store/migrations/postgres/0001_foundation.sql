-- kho foundation schema (Postgres). Keep in step with ../sqlite/0001_foundation.sql:
-- same tables, columns and constraints; only the types differ.
-- Ids and timestamps are TEXT (timestamps in kho_core::time::isoformat form), booleans and
-- integers BIGINT (the sqlx Any driver decodes them as i64 on both backends), JSON TEXT.
-- Text columns that queries sort on use COLLATE "C" so that ORDER BY is bytewise, as on
-- SQLite, whatever the database's locale.

CREATE TABLE users (
    id TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    name TEXT COLLATE "C" NOT NULL UNIQUE,
    fullname TEXT,
    email TEXT,
    password_hash TEXT,
    about TEXT,
    image_url TEXT,
    sysadmin BIGINT NOT NULL DEFAULT 0,
    state TEXT NOT NULL,
    created TEXT COLLATE "C" NOT NULL,
    last_active TEXT COLLATE "C",
    activity_streams_email_notifications BIGINT NOT NULL DEFAULT 0,
    plugin_extras TEXT
);
CREATE INDEX users_email_lower ON users (lower(email));

CREATE TABLE api_tokens (
    id TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    user_id TEXT COLLATE "C" NOT NULL REFERENCES users (id),
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT COLLATE "C" NOT NULL,
    last_access TEXT COLLATE "C",
    expires_at TEXT COLLATE "C",
    state TEXT NOT NULL,
    state_reason TEXT
);
CREATE INDEX api_tokens_user ON api_tokens (user_id, created_at);

-- Organizations and groups share one table and one name namespace, as in CKAN.
CREATE TABLE groups (
    id TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    name TEXT COLLATE "C" NOT NULL UNIQUE,
    title TEXT,
    description TEXT,
    image_url TEXT,
    type TEXT NOT NULL,
    is_organization BIGINT NOT NULL DEFAULT 0,
    approval_status TEXT NOT NULL,
    state TEXT NOT NULL,
    created TEXT COLLATE "C" NOT NULL
);
CREATE INDEX groups_kind_name ON groups (is_organization, name);

CREATE TABLE group_extras (
    id TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    group_id TEXT COLLATE "C" NOT NULL REFERENCES groups (id),
    key TEXT COLLATE "C" NOT NULL,
    value TEXT NOT NULL,
    state TEXT NOT NULL,
    UNIQUE (group_id, key)
);

CREATE TABLE members (
    id TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    group_id TEXT COLLATE "C" NOT NULL,
    table_id TEXT COLLATE "C" NOT NULL,
    table_name TEXT COLLATE "C" NOT NULL,
    capacity TEXT NOT NULL,
    state TEXT NOT NULL,
    UNIQUE (group_id, table_id, table_name)
);
CREATE INDEX members_object ON members (table_id, table_name);

CREATE TABLE activity (
    id TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    timestamp TEXT COLLATE "C" NOT NULL,
    user_id TEXT COLLATE "C" NOT NULL,
    object_id TEXT COLLATE "C" NOT NULL,
    activity_type TEXT NOT NULL,
    data TEXT NOT NULL,
    permission_labels TEXT NOT NULL
);
CREATE INDEX activity_object_time ON activity (object_id, timestamp);

CREATE TABLE change_log (
    seq BIGSERIAL PRIMARY KEY,
    entity_type TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    op TEXT NOT NULL,
    at TEXT COLLATE "C" NOT NULL
);
