-- Dataset visibility labels, collaborators and access grants (Postgres). Keep in step with
-- ../sqlite/0004_access.sql: same tables, columns and constraints; only types differ.

-- The permission labels of each dataset (kho_core::visibility::dataset_labels), rewritten
-- by the store on every dataset write, so that lists and counts filter by the caller's
-- labels inside their SQL.
CREATE TABLE package_labels (
    package_id TEXT COLLATE "C" NOT NULL REFERENCES packages (id),
    label TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (package_id, label)
);
CREATE INDEX package_labels_label ON package_labels (label, package_id);

-- Labels of the datasets stored before this table existed, by the same rules.
INSERT INTO package_labels (package_id, label)
    SELECT id, 'public' FROM packages WHERE state = 'active' AND sharing_level = 'open';
INSERT INTO package_labels (package_id, label)
    SELECT id, 'member-' || id FROM packages
    WHERE NOT (state = 'active' AND sharing_level = 'open');
INSERT INTO package_labels (package_id, label)
    SELECT id, 'member-' || owner_org FROM packages
    WHERE NOT (state = 'active' AND sharing_level = 'open') AND owner_org IS NOT NULL;
INSERT INTO package_labels (package_id, label)
    SELECT id, 'creator-' || COALESCE(creator_user_id, '') FROM packages
    WHERE NOT (state = 'active' AND sharing_level = 'open') AND owner_org IS NULL;
INSERT INTO package_labels (package_id, label)
    SELECT id, 'government' FROM packages WHERE state = 'active' AND sharing_level = 'shared';
INSERT INTO package_labels (package_id, label)
    SELECT id, 'grant-' || id FROM packages WHERE state = 'active' AND sharing_level <> 'open';

-- CKAN's dataset collaborators (package_member): capacity member, editor or admin.
CREATE TABLE package_collaborators (
    package_id TEXT COLLATE "C" NOT NULL REFERENCES packages (id),
    user_id TEXT COLLATE "C" NOT NULL REFERENCES users (id),
    capacity TEXT NOT NULL,
    modified TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (package_id, user_id)
);
CREATE INDEX package_collaborators_user ON package_collaborators (user_id);

-- Access to a non-open dataset granted to a user or a whole organization, with a reason
-- and an optional expiry (a grant past its expiry is ignored, not deleted).
CREATE TABLE access_grants (
    id TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    package_id TEXT COLLATE "C" NOT NULL REFERENCES packages (id),
    grantee_type TEXT COLLATE "C" NOT NULL,
    grantee_id TEXT COLLATE "C" NOT NULL,
    reason TEXT NOT NULL,
    expires TEXT COLLATE "C",
    created TEXT COLLATE "C" NOT NULL,
    created_by TEXT COLLATE "C" NOT NULL,
    UNIQUE (package_id, grantee_type, grantee_id)
);
CREATE INDEX access_grants_grantee ON access_grants (grantee_id);
