-- Datasets (CKAN packages), their extras, tags and resources (Postgres). Keep in step with
-- ../sqlite/0002_datasets.sql: same tables, columns and constraints; only types differ.
-- Text columns that queries sort or join on use COLLATE "C" (bytewise, as on SQLite).

-- `name` is unique among all rows, deleted ones included: to reuse a deleted dataset's
-- name the catalog first renames the old row (to its id), as CKAN does.
CREATE TABLE packages (
    id TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    name TEXT COLLATE "C" NOT NULL UNIQUE,
    title TEXT,
    author TEXT,
    author_email TEXT,
    maintainer TEXT,
    maintainer_email TEXT,
    license_id TEXT,
    notes TEXT,
    url TEXT,
    version TEXT,
    state TEXT COLLATE "C" NOT NULL,
    type TEXT NOT NULL,
    owner_org TEXT COLLATE "C",
    sharing_level TEXT COLLATE "C" NOT NULL,
    creator_user_id TEXT,
    metadata_created TEXT COLLATE "C" NOT NULL,
    metadata_modified TEXT COLLATE "C" NOT NULL,
    profile TEXT NOT NULL,
    plugin_data TEXT
);
CREATE INDEX packages_owner_org ON packages (owner_org);
CREATE INDEX packages_state ON packages (state);
CREATE INDEX packages_metadata_modified ON packages (metadata_modified);

CREATE TABLE package_extras (
    package_id TEXT COLLATE "C" NOT NULL REFERENCES packages (id),
    key TEXT COLLATE "C" NOT NULL,
    value TEXT NOT NULL,
    -- CKAN 2.12 renders extras in the order they were given, not sorted.
    position BIGINT NOT NULL,
    PRIMARY KEY (package_id, key)
);

-- vocabulary_id is '' for free tags (NOT NULL so that the unique constraint holds: NULLs
-- are distinct in UNIQUE); the store maps '' to None.
CREATE TABLE tags (
    id TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    name TEXT COLLATE "C" NOT NULL,
    vocabulary_id TEXT COLLATE "C" NOT NULL DEFAULT '',
    UNIQUE (name, vocabulary_id)
);

CREATE TABLE package_tags (
    package_id TEXT COLLATE "C" NOT NULL REFERENCES packages (id),
    tag_id TEXT COLLATE "C" NOT NULL REFERENCES tags (id),
    PRIMARY KEY (package_id, tag_id)
);
CREATE INDEX package_tags_tag ON package_tags (tag_id);

-- Removed resources stay with state 'deleted'.
CREATE TABLE resources (
    id TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    package_id TEXT COLLATE "C" NOT NULL REFERENCES packages (id),
    url TEXT NOT NULL,
    format TEXT NOT NULL,
    name TEXT,
    description TEXT,
    hash TEXT NOT NULL,
    size BIGINT,
    mimetype TEXT,
    mimetype_inner TEXT,
    cache_url TEXT,
    cache_last_updated TEXT COLLATE "C",
    last_modified TEXT COLLATE "C",
    created TEXT COLLATE "C" NOT NULL,
    metadata_modified TEXT COLLATE "C" NOT NULL,
    resource_type TEXT,
    url_type TEXT,
    position BIGINT NOT NULL,
    state TEXT NOT NULL,
    extras TEXT NOT NULL
);
CREATE INDEX resources_package_position ON resources (package_id, position);
