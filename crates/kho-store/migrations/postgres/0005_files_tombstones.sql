-- Uploaded files and tombstones (postgres). Keep in step with the other backend's
-- 0005_files_tombstones.sql: same tables, columns and constraints; only types differ.

-- Where the bytes of each uploaded resource file are. A resource has at most one current
-- file; the row is replaced, in the transaction that saves the resource, when a new file
-- is uploaded, and removed with the resource. No foreign key to resources: a resource
-- row can be purged with its dataset while the file is removed after the commit.
CREATE TABLE resource_files (
    resource_id TEXT COLLATE "C" PRIMARY KEY,
    file_key TEXT COLLATE "C" NOT NULL,
    file_name TEXT COLLATE "C" NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT COLLATE "C" NOT NULL,
    created TEXT COLLATE "C" NOT NULL
);

-- Datasets that were open and no longer are (deleted, purged or made non-open), for
-- harvesters: written by the store whenever a dataset's labels lose `public`, removed
-- when it is open again. No foreign key: a purged dataset keeps its tombstone.
CREATE TABLE package_tombstones (
    package_id TEXT COLLATE "C" PRIMARY KEY,
    name TEXT COLLATE "C" NOT NULL,
    left_at TEXT COLLATE "C" NOT NULL
);
CREATE INDEX package_tombstones_left_at ON package_tombstones (left_at);
