-- Uploaded files and tombstones (sqlite). Keep in step with the other backend's
-- 0005_files_tombstones.sql: same tables, columns and constraints; only types differ.

-- Where the bytes of each uploaded resource file are. A resource has at most one current
-- file; the row is replaced, in the transaction that saves the resource, when a new file
-- is uploaded, and removed with the resource. No foreign key to resources: a resource
-- row can be purged with its dataset while the file is removed after the commit.
CREATE TABLE resource_files (
    resource_id TEXT PRIMARY KEY,
    file_key TEXT NOT NULL,
    file_name TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    created TEXT NOT NULL
);

-- Datasets that were open and no longer are (deleted, purged or made non-open), for
-- harvesters: written by the store whenever a dataset's labels lose `public`, removed
-- when it is open again. No foreign key: a purged dataset keeps its tombstone.
CREATE TABLE package_tombstones (
    package_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    left_at TEXT NOT NULL
);
CREATE INDEX package_tombstones_left_at ON package_tombstones (left_at);
