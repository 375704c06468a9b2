-- Personal-data screening of uploaded files (sqlite). Keep in step with
-- ../postgres/0014_personal_data.sql: same tables, columns and constraints; only types differ.

-- What the screen found in the file, as a JSON array of findings (column, kind, count,
-- values, masked examples); '[]' when it found nothing; NULL when the file was never
-- screened (uploaded before screening existed, or screening switched off).
ALTER TABLE resource_files ADD COLUMN screening TEXT;

-- An organization admin's decision that a dataset may be open although files screened
-- before `created` hold personal data. Append-only: each override covers the files
-- screened up to its time, so a later file with personal data blocks again.
CREATE TABLE personal_data_overrides (
    id TEXT PRIMARY KEY NOT NULL,
    package_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    reason TEXT NOT NULL,
    created TEXT NOT NULL
);
CREATE INDEX personal_data_overrides_package ON personal_data_overrides (package_id, created);
