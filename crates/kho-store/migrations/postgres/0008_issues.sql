-- Error reports on datasets and their threads (Postgres), in ckanext-issues' terms. Keep in
-- step with ../sqlite/0008_issues.sql: same tables, columns and constraints; only types
-- differ. No foreign key to packages: purging a dataset removes its issues explicitly.

CREATE TABLE issue (
    id TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    dataset_id TEXT COLLATE "C" NOT NULL,
    -- 1, 2, … within one dataset (ckanext-issues' `number`).
    number BIGINT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    -- The logged-in reporter; NULL for an anonymous one.
    user_id TEXT COLLATE "C",
    -- An anonymous reporter's address, lower-cased (private to the owning organization).
    reporter_email TEXT COLLATE "C",
    -- The client address of an anonymous report, for the rate limit.
    client_address TEXT COLLATE "C",
    -- SHA-256 (hex) of the token an anonymous reporter follows the issue with.
    follow_token_hash TEXT COLLATE "C",
    -- open or closed
    status TEXT COLLATE "C" NOT NULL,
    resolved TEXT COLLATE "C",
    created TEXT COLLATE "C" NOT NULL,
    modified TEXT COLLATE "C" NOT NULL,
    UNIQUE (dataset_id, number)
);
CREATE INDEX issue_reporter_email ON issue (reporter_email, created);
CREATE INDEX issue_client_address ON issue (client_address, created);

CREATE TABLE issue_comment (
    id TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    issue_id TEXT COLLATE "C" NOT NULL REFERENCES issue (id),
    comment TEXT NOT NULL,
    -- The logged-in author; NULL for the anonymous reporter writing with the follow token.
    user_id TEXT COLLATE "C",
    created TEXT COLLATE "C" NOT NULL
);
CREATE INDEX issue_comment_issue ON issue_comment (issue_id, created);
