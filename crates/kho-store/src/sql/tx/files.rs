//! Uploaded files' rows and tombstones of datasets that stopped being open.

use chrono::NaiveDateTime;
use kho_core::model::{Dataset, PersonalDataOverride, ResourceFile, Tombstone};
use kho_core::time;
use kho_core::visibility::PUBLIC_LABEL;

use super::super::rows::{
    self, ts, PERSONAL_DATA_OVERRIDE_COLUMNS, RESOURCE_FILE_COLUMNS, TOMBSTONE_COLUMNS,
};
use super::{bind_all, placeholders, SqlTx, IDS_PER_QUERY};
use crate::StoreResult;

impl SqlTx {
    /// Whether the dataset's stored labels (before this write rewrites them) include
    /// `public`.
    pub(super) async fn was_public(&mut self, package_id: &str) -> StoreResult<bool> {
        let row = self
            .optional(
                sqlx::query(
                    "SELECT 1 AS one FROM package_labels WHERE package_id = $1 AND label = $2",
                )
                .bind(self.backend.text(package_id))
                .bind(PUBLIC_LABEL),
            )
            .await?;
        Ok(row.is_some())
    }

    /// Keep the tombstone in step with a dataset whose labels are being rewritten: one is
    /// written when it stops being public, removed when it is public again.
    pub(super) async fn track_tombstone(
        &mut self,
        d: &Dataset,
        was_public: bool,
        now_public: bool,
    ) -> StoreResult<()> {
        if now_public {
            self.exec(
                sqlx::query("DELETE FROM package_tombstones WHERE package_id = $1")
                    .bind(self.backend.text(&d.id)),
            )
            .await?;
        } else if was_public {
            self.tombstone_write(&d.id, &d.name).await?;
        }
        Ok(())
    }

    pub(super) async fn tombstone_write(&mut self, id: &str, name: &str) -> StoreResult<()> {
        self.exec(
            sqlx::query(
                "INSERT INTO package_tombstones (package_id, name, left_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (package_id) DO UPDATE SET name = excluded.name, \
                 left_at = excluded.left_at",
            )
            .bind(self.backend.text(id))
            .bind(self.backend.text(name))
            .bind(ts(&time::now_utc())),
        )
        .await?;
        Ok(())
    }

    pub(super) async fn do_tombstones_of(&mut self, ids: &[String]) -> StoreResult<Vec<Tombstone>> {
        let mut out = Vec::new();
        for chunk in ids.chunks(IDS_PER_QUERY) {
            let bound: Vec<String> = chunk.iter().map(|id| self.backend.text(id)).collect();
            let sql = format!(
                "SELECT {TOMBSTONE_COLUMNS} FROM package_tombstones WHERE package_id IN ({}) \
                 ORDER BY package_id",
                placeholders(1, chunk.len())
            );
            let rows = self.all(bind_all(&sql, &bound)).await?;
            out.extend(rows::all(self.backend, &rows, rows::tombstone)?);
        }
        Ok(out)
    }

    pub(super) async fn do_tombstones_orphaned(&mut self) -> StoreResult<Vec<Tombstone>> {
        let sql = format!(
            "SELECT {TOMBSTONE_COLUMNS} FROM package_tombstones t WHERE NOT EXISTS \
             (SELECT 1 FROM packages p WHERE p.id = t.package_id) ORDER BY package_id"
        );
        let rows = self.all(sqlx::query(&sql)).await?;
        rows::all(self.backend, &rows, rows::tombstone)
    }

    pub(super) async fn do_tombstones_since(
        &mut self,
        since: Option<&NaiveDateTime>,
        oldest_first: bool,
        limit: i64,
    ) -> StoreResult<Vec<Tombstone>> {
        let order = if oldest_first { "ASC" } else { "DESC" };
        let sql = format!(
            "SELECT {TOMBSTONE_COLUMNS} FROM package_tombstones WHERE left_at >= $1 \
             ORDER BY left_at {order}, package_id {order} LIMIT $2"
        );
        let since = since.map(ts).unwrap_or_default();
        let rows = self
            .all(sqlx::query(&sql).bind(since).bind(limit.max(0)))
            .await?;
        rows::all(self.backend, &rows, rows::tombstone)
    }

    pub(super) async fn do_resource_file_get(
        &mut self,
        resource_id: &str,
    ) -> StoreResult<Option<ResourceFile>> {
        let sql =
            format!("SELECT {RESOURCE_FILE_COLUMNS} FROM resource_files WHERE resource_id = $1");
        let row = self
            .optional(sqlx::query(&sql).bind(self.backend.text(resource_id)))
            .await?;
        row.map(|r| rows::one(self.backend, &r, rows::resource_file))
            .transpose()
    }

    pub(super) async fn do_resource_file_put(
        &mut self,
        f: &ResourceFile,
    ) -> StoreResult<Option<ResourceFile>> {
        let old = self.do_resource_file_delete(&f.resource_id).await?;
        let sql = format!(
            "INSERT INTO resource_files ({RESOURCE_FILE_COLUMNS}) VALUES ({})",
            placeholders(1, 7)
        );
        self.exec(
            sqlx::query(&sql)
                .bind(self.backend.text(&f.resource_id))
                .bind(self.backend.text(&f.file_key))
                .bind(self.backend.text(&f.file_name))
                .bind(f.size)
                .bind(self.backend.text(&f.sha256))
                .bind(ts(&f.created))
                .bind(self.backend.text_opt(f.screening.as_deref())),
        )
        .await?;
        Ok(old)
    }

    pub(super) async fn do_resource_file_delete(
        &mut self,
        resource_id: &str,
    ) -> StoreResult<Option<ResourceFile>> {
        let old = self.do_resource_file_get(resource_id).await?;
        if old.is_some() {
            self.exec(
                sqlx::query("DELETE FROM resource_files WHERE resource_id = $1")
                    .bind(self.backend.text(resource_id)),
            )
            .await?;
        }
        Ok(old)
    }

    pub(super) async fn do_resource_files_of_package(
        &mut self,
        package_id: &str,
    ) -> StoreResult<Vec<ResourceFile>> {
        let columns = file_columns_of("f");
        let sql = format!(
            "SELECT {columns} FROM resource_files f JOIN resources r ON r.id = f.resource_id \
             WHERE r.package_id = $1 ORDER BY f.resource_id"
        );
        let rows = self
            .all(sqlx::query(&sql).bind(self.backend.text(package_id)))
            .await?;
        rows::all(self.backend, &rows, rows::resource_file)
    }

    pub(super) async fn do_personal_data_unresolved(
        &mut self,
        package_id: &str,
    ) -> StoreResult<Vec<ResourceFile>> {
        let columns = file_columns_of("f");
        // An override covers the files screened up to its time (timestamps are stored
        // as ISO text, which orders as time on both backends).
        let sql = format!(
            "SELECT {columns} FROM resource_files f JOIN resources r ON r.id = f.resource_id \
             WHERE r.package_id = $1 AND r.state = 'active' \
             AND f.screening IS NOT NULL AND f.screening <> '[]' \
             AND NOT EXISTS (SELECT 1 FROM personal_data_overrides o \
                 WHERE o.package_id = $1 AND o.created >= f.created) \
             ORDER BY r.position, f.resource_id"
        );
        let rows = self
            .all(sqlx::query(&sql).bind(self.backend.text(package_id)))
            .await?;
        rows::all(self.backend, &rows, rows::resource_file)
    }

    pub(super) async fn do_personal_data_override_insert(
        &mut self,
        o: &PersonalDataOverride,
    ) -> StoreResult<()> {
        let sql = format!(
            "INSERT INTO personal_data_overrides ({PERSONAL_DATA_OVERRIDE_COLUMNS}) VALUES ({})",
            placeholders(1, 5)
        );
        self.exec(
            sqlx::query(&sql)
                .bind(self.backend.text(&o.id))
                .bind(self.backend.text(&o.package_id))
                .bind(self.backend.text(&o.user_id))
                .bind(self.backend.text(&o.reason))
                .bind(ts(&o.created)),
        )
        .await?;
        Ok(())
    }

    pub(super) async fn do_personal_data_overrides(
        &mut self,
        package_id: &str,
    ) -> StoreResult<Vec<PersonalDataOverride>> {
        let sql = format!(
            "SELECT {PERSONAL_DATA_OVERRIDE_COLUMNS} FROM personal_data_overrides \
             WHERE package_id = $1 ORDER BY created, id"
        );
        let rows = self
            .all(sqlx::query(&sql).bind(self.backend.text(package_id)))
            .await?;
        rows::all(self.backend, &rows, rows::personal_data_override)
    }
}

/// [`RESOURCE_FILE_COLUMNS`] of the table aliased `alias` in a join.
fn file_columns_of(alias: &str) -> String {
    RESOURCE_FILE_COLUMNS
        .split(", ")
        .map(|c| format!("{alias}.{c}"))
        .collect::<Vec<_>>()
        .join(", ")
}
