-- The link checker's last result per resource (Postgres). Keep in step with
-- ../sqlite/0011_link_checks.sql: same table, columns and constraints; only types differ.
-- No foreign key to resources: purging a dataset removes its results explicitly.

CREATE TABLE resource_link_check (
    resource_id TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    dataset_id TEXT COLLATE "C" NOT NULL,
    -- The URL that was checked: a result for another URL than the resource's is stale.
    url TEXT NOT NULL,
    checked_at TEXT COLLATE "C" NOT NULL,
    -- The final HTTP status (after redirects); NULL when no answer came.
    status_code BIGINT,
    -- 1: reachable (a 2xx answer).
    ok BIGINT NOT NULL,
    error TEXT,
    content_type TEXT
);
CREATE INDEX resource_link_check_dataset ON resource_link_check (dataset_id);
