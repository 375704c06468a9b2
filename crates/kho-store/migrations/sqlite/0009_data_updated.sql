-- When a dataset's data was last updated, as the owning agency's system declared it
-- (`dataset_data_updated`), for the update deadlines (SQLite). Keep in step with
-- ../postgres/0009_data_updated.sql. Apart from `packages` so that dataset writes, which
-- rewrite the package row, never lose it; purging a dataset removes its row explicitly.

CREATE TABLE package_data_updated (
    package_id TEXT PRIMARY KEY NOT NULL,
    data_updated TEXT NOT NULL,
    -- Who declared it, and when.
    recorded_by TEXT,
    recorded_at TEXT NOT NULL
);
