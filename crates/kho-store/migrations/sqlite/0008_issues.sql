-- Error reports on datasets and their threads (SQLite), in ckanext-issues' terms. Keep in
-- step with ../postgres/0008_issues.sql: same tables, columns and constraints; only types
-- differ. No foreign key to packages: purging a dataset removes its issues explicitly.

CREATE TABLE issue (
    id TEXT PRIMARY KEY NOT NULL,
    dataset_id TEXT NOT NULL,
    -- 1, 2, … within one dataset (ckanext-issues' `number`).
    number INTEGER NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    -- The logged-in reporter; NULL for an anonymous one.
    user_id TEXT,
    -- An anonymous reporter's address, lower-cased (private to the owning organization).
    reporter_email TEXT,
    -- The client address of an anonymous report, for the rate limit.
    client_address TEXT,
    -- SHA-256 (hex) of the token an anonymous reporter follows the issue with.
    follow_token_hash TEXT,
    -- open or closed
    status TEXT NOT NULL,
    resolved TEXT,
    created TEXT NOT NULL,
    modified TEXT NOT NULL,
    UNIQUE (dataset_id, number)
);
CREATE INDEX issue_reporter_email ON issue (reporter_email, created);
CREATE INDEX issue_client_address ON issue (client_address, created);

CREATE TABLE issue_comment (
    id TEXT PRIMARY KEY NOT NULL,
    issue_id TEXT NOT NULL REFERENCES issue (id),
    comment TEXT NOT NULL,
    -- The logged-in author; NULL for the anonymous reporter writing with the follow token.
    user_id TEXT,
    created TEXT NOT NULL
);
CREATE INDEX issue_comment_issue ON issue_comment (issue_id, created);
