-- Harvest sources and their runs (SQLite). Keep in step with ../postgres/0006_harvest.sql:
-- same tables, columns and constraints; only types differ.

-- A remote catalogue that datasets are harvested from (ckanext-harvest's harvest_source).
CREATE TABLE harvest_source (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    url TEXT NOT NULL,
    -- ckan or dcat
    source_type TEXT NOT NULL,
    -- The local organization datasets go to; NULL: each dataset's remote organization.
    owner_org TEXT,
    -- A JSON object.
    config TEXT NOT NULL,
    created TEXT NOT NULL
);

-- One run of a source (ckanext-harvest's harvest_job, with its counts kept on the row).
CREATE TABLE harvest_job (
    id TEXT PRIMARY KEY NOT NULL,
    source_id TEXT NOT NULL REFERENCES harvest_source (id),
    -- Running, Finished or Aborted
    status TEXT NOT NULL,
    created TEXT NOT NULL,
    gather_started TEXT,
    gather_finished TEXT,
    finished TEXT,
    created_count INTEGER NOT NULL DEFAULT 0,
    updated_count INTEGER NOT NULL DEFAULT 0,
    deleted_count INTEGER NOT NULL DEFAULT 0,
    unchanged_count INTEGER NOT NULL DEFAULT 0,
    error_count INTEGER NOT NULL DEFAULT 0,
    -- A JSON list of messages.
    errors TEXT NOT NULL
);
CREATE INDEX harvest_job_source ON harvest_job (source_id, created);

-- Finding a source's datasets again. Partial: an index of every extra value would fail
-- on Postgres for values longer than a B-tree entry may be.
CREATE INDEX package_extras_harvest_source ON package_extras (value)
    WHERE key = 'harvest_source_id';
