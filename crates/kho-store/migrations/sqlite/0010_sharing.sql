-- The sharing log (regulations, requirement 11) and suspensions (requirement 12) (SQLite).
-- Keep in step with ../postgres/0010_sharing.sql: same tables, columns and constraints.

-- One row per read or download of non-open data by an account. Append-only: no API edits
-- or deletes a row; only the retention purge removes old ones.
CREATE TABLE sharing_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    user_id TEXT NOT NULL,
    user_name TEXT NOT NULL,
    -- Names of the account's organizations at the time, space-separated.
    user_organizations TEXT NOT NULL,
    -- The dataset's owner organization at the time (whose admins may read the entry).
    organization_id TEXT,
    dataset_id TEXT NOT NULL,
    resource_id TEXT,
    action TEXT NOT NULL,
    client_address TEXT,
    user_agent TEXT,
    -- allowed or denied
    outcome TEXT NOT NULL
);
CREATE INDEX sharing_log_at ON sharing_log (at);
CREATE INDEX sharing_log_organization ON sharing_log (organization_id, at);
CREATE INDEX sharing_log_dataset ON sharing_log (dataset_id, at);
CREATE INDEX sharing_log_user ON sharing_log (user_id, at);

-- SQLite has no session settings: the retention purge opens this one-row latch inside its
-- own transaction (and closes it before committing); the delete trigger checks it. It
-- guards against mistakes, not against someone who can write the database file.
CREATE TABLE sharing_log_purge (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    open INTEGER NOT NULL
);

CREATE TRIGGER sharing_log_no_update BEFORE UPDATE ON sharing_log
BEGIN
    SELECT RAISE(ABORT, 'sharing_log is append-only: entries cannot be changed');
END;

CREATE TRIGGER sharing_log_no_delete BEFORE DELETE ON sharing_log
WHEN NOT EXISTS (SELECT 1 FROM sharing_log_purge WHERE id = 1 AND open = 1)
BEGIN
    SELECT RAISE(ABORT, 'sharing_log is append-only: only the retention purge deletes');
END;

-- A suspended account (kind `user`) or access grant (kind `grant`): who suspended it,
-- when and why. Lifting the suspension deletes the row (the activity stream keeps both).
-- API tokens are suspended through their own `state` column.
CREATE TABLE suspensions (
    kind TEXT NOT NULL,
    target_id TEXT NOT NULL,
    reason TEXT NOT NULL,
    actor_id TEXT NOT NULL,
    at TEXT NOT NULL,
    PRIMARY KEY (kind, target_id)
);
