-- When a dataset's data was last updated, as the owning agency's system declared it
-- (`dataset_data_updated`), for the update deadlines (Postgres). Keep in step with
-- ../sqlite/0009_data_updated.sql. Apart from `packages` so that dataset writes, which
-- rewrite the package row, never lose it; purging a dataset removes its row explicitly.

CREATE TABLE package_data_updated (
    package_id TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    data_updated TEXT COLLATE "C" NOT NULL,
    -- Who declared it, and when.
    recorded_by TEXT COLLATE "C",
    recorded_at TEXT COLLATE "C" NOT NULL
);
