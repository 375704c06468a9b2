-- Requests for data not yet published, their comments and followers
-- (ckanext-datarequests' tables, with kho's email and close_reason). Keep in step with
-- ../postgres/0007_datarequests.sql: same tables, columns and constraints; only types differ.

CREATE TABLE datarequests (
    id TEXT PRIMARY KEY NOT NULL,
    -- Empty for an anonymous request (email is then set).
    user_id TEXT NOT NULL,
    email TEXT,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    organization_id TEXT,
    open_time TEXT NOT NULL,
    accepted_dataset_id TEXT,
    close_time TEXT,
    closed INTEGER NOT NULL DEFAULT 0,
    close_reason TEXT
);
CREATE INDEX datarequests_open_time ON datarequests (open_time, id);
CREATE INDEX datarequests_organization ON datarequests (organization_id);

CREATE TABLE datarequests_comments (
    id TEXT PRIMARY KEY NOT NULL,
    datarequest_id TEXT NOT NULL REFERENCES datarequests (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL,
    comment TEXT NOT NULL,
    time TEXT NOT NULL
);
CREATE INDEX datarequests_comments_request ON datarequests_comments (datarequest_id, time);

CREATE TABLE datarequests_followers (
    datarequest_id TEXT NOT NULL REFERENCES datarequests (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL,
    time TEXT NOT NULL,
    PRIMARY KEY (datarequest_id, user_id)
);
