-- Requests for data not yet published, their comments and followers
-- (ckanext-datarequests' tables, with kho's email and close_reason). Keep in step with
-- ../sqlite/0007_datarequests.sql: same tables, columns and constraints; only types differ.

CREATE TABLE datarequests (
    id TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    -- Empty for an anonymous request (email is then set).
    user_id TEXT COLLATE "C" NOT NULL,
    email TEXT,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    organization_id TEXT COLLATE "C",
    open_time TEXT COLLATE "C" NOT NULL,
    accepted_dataset_id TEXT COLLATE "C",
    close_time TEXT COLLATE "C",
    closed BIGINT NOT NULL DEFAULT 0,
    close_reason TEXT
);
CREATE INDEX datarequests_open_time ON datarequests (open_time, id);
CREATE INDEX datarequests_organization ON datarequests (organization_id);

CREATE TABLE datarequests_comments (
    id TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    datarequest_id TEXT COLLATE "C" NOT NULL REFERENCES datarequests (id) ON DELETE CASCADE,
    user_id TEXT COLLATE "C" NOT NULL,
    comment TEXT NOT NULL,
    time TEXT COLLATE "C" NOT NULL
);
CREATE INDEX datarequests_comments_request ON datarequests_comments (datarequest_id, time);

CREATE TABLE datarequests_followers (
    datarequest_id TEXT COLLATE "C" NOT NULL REFERENCES datarequests (id) ON DELETE CASCADE,
    user_id TEXT COLLATE "C" NOT NULL,
    time TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (datarequest_id, user_id)
);
