-- The permission labels of each activity, one row per label, so that activity lists can
-- be filtered by the caller's labels in SQL. An activity without rows is visible to all.
CREATE TABLE activity_labels (
    activity_id TEXT COLLATE "C" NOT NULL REFERENCES activity (id),
    label TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (activity_id, label)
);
CREATE INDEX activity_labels_label ON activity_labels (label);
CREATE INDEX activity_user_time ON activity (user_id, timestamp);
CREATE INDEX activity_time ON activity (timestamp);
