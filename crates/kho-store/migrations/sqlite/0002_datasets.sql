-- Datasets (CKAN packages), their extras, tags and resources (SQLite). Keep in step with
-- ../postgres/0002_datasets.sql: same tables, columns and constraints; only types differ.

-- `name` is unique among all rows, deleted ones included: to reuse a deleted dataset's
-- name the catalog first renames the old row (to its id), as CKAN does.
CREATE TABLE packages (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL UNIQUE,
    title TEXT,
    author TEXT,
    author_email TEXT,
    maintainer TEXT,
    maintainer_email TEXT,
    license_id TEXT,
    notes TEXT,
    url TEXT,
    version TEXT,
    state TEXT NOT NULL,
    type TEXT NOT NULL,
    owner_org TEXT,
    sharing_level TEXT NOT NULL,
    creator_user_id TEXT,
    metadata_created TEXT NOT NULL,
    metadata_modified TEXT NOT NULL,
    profile TEXT NOT NULL,
    plugin_data TEXT
);
CREATE INDEX packages_owner_org ON packages (owner_org);
CREATE INDEX packages_state ON packages (state);
CREATE INDEX packages_metadata_modified ON packages (metadata_modified);

CREATE TABLE package_extras (
    package_id TEXT NOT NULL REFERENCES packages (id),
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    -- CKAN 2.12 renders extras in the order they were given, not sorted.
    position INTEGER NOT NULL,
    PRIMARY KEY (package_id, key)
);

-- vocabulary_id is '' for free tags (NOT NULL so that the unique constraint holds: NULLs
-- are distinct in UNIQUE); the store maps '' to None.
CREATE TABLE tags (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    vocabulary_id TEXT NOT NULL DEFAULT '',
    UNIQUE (name, vocabulary_id)
);

CREATE TABLE package_tags (
    package_id TEXT NOT NULL REFERENCES packages (id),
    tag_id TEXT NOT NULL REFERENCES tags (id),
    PRIMARY KEY (package_id, tag_id)
);
CREATE INDEX package_tags_tag ON package_tags (tag_id);

-- Removed resources stay with state 'deleted'.
CREATE TABLE resources (
    id TEXT PRIMARY KEY NOT NULL,
    package_id TEXT NOT NULL REFERENCES packages (id),
    url TEXT NOT NULL,
    format TEXT NOT NULL,
    name TEXT,
    description TEXT,
    hash TEXT NOT NULL,
    size INTEGER,
    mimetype TEXT,
    mimetype_inner TEXT,
    cache_url TEXT,
    cache_last_updated TEXT,
    last_modified TEXT,
    created TEXT NOT NULL,
    metadata_modified TEXT NOT NULL,
    resource_type TEXT,
    url_type TEXT,
    position INTEGER NOT NULL,
    state TEXT NOT NULL,
    extras TEXT NOT NULL
);
CREATE INDEX resources_package_position ON resources (package_id, position);
