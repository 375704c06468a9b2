-- The sharing log (regulations, requirement 11) and suspensions (requirement 12)
-- (Postgres). Keep in step with ../sqlite/0010_sharing.sql: same tables, columns and
-- constraints; only types and the protection mechanism differ.

-- One row per read or download of non-open data by an account. Append-only: no API edits
-- or deletes a row; only the retention purge removes old ones.
CREATE TABLE sharing_log (
    id BIGSERIAL PRIMARY KEY,
    at TEXT COLLATE "C" NOT NULL,
    user_id TEXT COLLATE "C" NOT NULL,
    user_name TEXT COLLATE "C" NOT NULL,
    -- Names of the account's organizations at the time, space-separated.
    user_organizations TEXT COLLATE "C" NOT NULL,
    -- The dataset's owner organization at the time (whose admins may read the entry).
    organization_id TEXT COLLATE "C",
    dataset_id TEXT COLLATE "C" NOT NULL,
    resource_id TEXT COLLATE "C",
    action TEXT COLLATE "C" NOT NULL,
    client_address TEXT COLLATE "C",
    user_agent TEXT,
    -- allowed or denied
    outcome TEXT COLLATE "C" NOT NULL
);
CREATE INDEX sharing_log_at ON sharing_log (at);
CREATE INDEX sharing_log_organization ON sharing_log (organization_id, at);
CREATE INDEX sharing_log_dataset ON sharing_log (dataset_id, at);
CREATE INDEX sharing_log_user ON sharing_log (user_id, at);

-- Kept for the same schema on both backends; Postgres uses a transaction-local setting.
CREATE TABLE sharing_log_purge (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    open BIGINT NOT NULL
);

-- The table refuses UPDATE and TRUNCATE always, and DELETE unless the deleting transaction
-- has run `SET LOCAL kho.sharing_log_purge = 'on'` (the retention purge does, nothing
-- else). This holds for every client of the database, not only for kho.
CREATE FUNCTION sharing_log_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('kho.sharing_log_purge', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'sharing_log is append-only: % refused', TG_OP;
END
$$;

CREATE TRIGGER sharing_log_append_only BEFORE UPDATE OR DELETE ON sharing_log
    FOR EACH ROW EXECUTE FUNCTION sharing_log_refuse();
CREATE TRIGGER sharing_log_no_truncate BEFORE TRUNCATE ON sharing_log
    FOR EACH STATEMENT EXECUTE FUNCTION sharing_log_refuse();

-- A suspended account (kind `user`) or access grant (kind `grant`): who suspended it,
-- when and why. Lifting the suspension deletes the row (the activity stream keeps both).
-- API tokens are suspended through their own `state` column.
CREATE TABLE suspensions (
    kind TEXT COLLATE "C" NOT NULL,
    target_id TEXT COLLATE "C" NOT NULL,
    reason TEXT NOT NULL,
    actor_id TEXT COLLATE "C" NOT NULL,
    at TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (kind, target_id)
);
