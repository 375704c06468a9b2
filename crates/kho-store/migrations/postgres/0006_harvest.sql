-- Harvest sources and their runs (Postgres). Keep in step with ../sqlite/0006_harvest.sql:
-- same tables, columns and constraints; only types differ.

-- A remote catalogue that datasets are harvested from (ckanext-harvest's harvest_source).
CREATE TABLE harvest_source (
    id TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    name TEXT COLLATE "C" NOT NULL UNIQUE,
    title TEXT NOT NULL,
    url TEXT NOT NULL,
    -- ckan or dcat
    source_type TEXT COLLATE "C" NOT NULL,
    -- The local organization datasets go to; NULL: each dataset's remote organization.
    owner_org TEXT COLLATE "C",
    -- A JSON object.
    config TEXT NOT NULL,
    created TEXT COLLATE "C" NOT NULL
);

-- One run of a source (ckanext-harvest's harvest_job, with its counts kept on the row).
CREATE TABLE harvest_job (
    id TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    source_id TEXT COLLATE "C" NOT NULL REFERENCES harvest_source (id),
    -- Running, Finished or Aborted
    status TEXT COLLATE "C" NOT NULL,
    created TEXT COLLATE "C" NOT NULL,
    gather_started TEXT COLLATE "C",
    gather_finished TEXT COLLATE "C",
    finished TEXT COLLATE "C",
    created_count BIGINT NOT NULL DEFAULT 0,
    updated_count BIGINT NOT NULL DEFAULT 0,
    deleted_count BIGINT NOT NULL DEFAULT 0,
    unchanged_count BIGINT NOT NULL DEFAULT 0,
    error_count BIGINT NOT NULL DEFAULT 0,
    -- A JSON list of messages.
    errors TEXT NOT NULL
);
CREATE INDEX harvest_job_source ON harvest_job (source_id, created);

-- Finding a source's datasets again. Partial: an index of every extra value would fail
-- on Postgres for values longer than a B-tree entry may be.
CREATE INDEX package_extras_harvest_source ON package_extras (value)
    WHERE key = 'harvest_source_id';
