-- Former names of datasets and of organizations and groups (SQLite). Keep in step with
-- ../postgres/0012_name_aliases.sql: same tables, columns and constraints; only types
-- differ. A rename or a merge leaves the old name here, pointing at the object that now
-- answers for it, so that old links keep resolving. `kind` is `package` or `group`
-- (organizations and groups share one name space, as in CKAN's `group` table). A name
-- stays reserved while its alias exists; purging the target frees it.

CREATE TABLE name_aliases (
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    target_id TEXT NOT NULL,
    -- When the name was left and by whom (a user id; empty for the system).
    created TEXT NOT NULL,
    created_by TEXT NOT NULL,
    PRIMARY KEY (kind, name)
);
CREATE INDEX name_aliases_target ON name_aliases (kind, target_id);
