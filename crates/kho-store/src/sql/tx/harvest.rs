//! Harvest sources, their jobs, and the datasets a source wrote.

use kho_core::model::{HarvestJob, HarvestSource, HarvestedDataset};

use super::super::rows::{self, ts, ts_opt, HARVEST_JOB_COLUMNS, HARVEST_SOURCE_COLUMNS};
use super::{placeholders, SqlTx};
use crate::StoreResult;

impl SqlTx {
    pub(super) async fn do_harvest_source_upsert(
        &mut self,
        s: &HarvestSource,
    ) -> StoreResult<HarvestSource> {
        let b = self.backend;
        let updated = self
            .exec(
                sqlx::query(
                    "UPDATE harvest_source SET title = $2, url = $3, source_type = $4, \
                     owner_org = $5, config = $6 WHERE name = $1",
                )
                .bind(b.text(&s.name))
                .bind(b.text(&s.title))
                .bind(b.text(&s.url))
                .bind(b.text(&s.source_type))
                .bind(b.text_opt(s.owner_org.as_deref()))
                .bind(b.text(&s.config)),
            )
            .await?;
        if updated == 0 {
            let sql = format!(
                "INSERT INTO harvest_source ({HARVEST_SOURCE_COLUMNS}) VALUES ({})",
                placeholders(1, 8)
            );
            self.exec(
                sqlx::query(&sql)
                    .bind(b.text(&s.id))
                    .bind(b.text(&s.name))
                    .bind(b.text(&s.title))
                    .bind(b.text(&s.url))
                    .bind(b.text(&s.source_type))
                    .bind(b.text_opt(s.owner_org.as_deref()))
                    .bind(b.text(&s.config))
                    .bind(ts(&s.created)),
            )
            .await?;
        }
        let stored = self.do_harvest_source_get(&s.name).await?;
        stored.ok_or_else(|| crate::StoreError::Corrupt("harvest source not stored".into()))
    }

    pub(super) async fn do_harvest_source_get(
        &mut self,
        id_or_name: &str,
    ) -> StoreResult<Option<HarvestSource>> {
        // By id first, as every `*_get` of the store does.
        let sql = format!(
            "SELECT {HARVEST_SOURCE_COLUMNS} FROM harvest_source WHERE id = $1 OR name = $1 \
             ORDER BY CASE WHEN id = $1 THEN 0 ELSE 1 END LIMIT 1"
        );
        let row = self
            .optional(sqlx::query(&sql).bind(self.backend.text(id_or_name)))
            .await?;
        row.map(|r| rows::one(self.backend, &r, rows::harvest_source))
            .transpose()
    }

    pub(super) async fn do_harvest_source_list(&mut self) -> StoreResult<Vec<HarvestSource>> {
        let sql = format!(
            "SELECT {HARVEST_SOURCE_COLUMNS} FROM harvest_source ORDER BY created DESC, name"
        );
        let rows = self.all(sqlx::query(&sql)).await?;
        rows::all(self.backend, &rows, rows::harvest_source)
    }

    pub(super) async fn do_harvest_job_insert(&mut self, j: &HarvestJob) -> StoreResult<()> {
        let b = self.backend;
        let sql = format!(
            "INSERT INTO harvest_job ({HARVEST_JOB_COLUMNS}) VALUES ({})",
            placeholders(1, 13)
        );
        self.exec(
            sqlx::query(&sql)
                .bind(b.text(&j.id))
                .bind(b.text(&j.source_id))
                .bind(b.text(&j.status))
                .bind(ts(&j.created))
                .bind(ts_opt(j.gather_started.as_ref()))
                .bind(ts_opt(j.gather_finished.as_ref()))
                .bind(ts_opt(j.finished.as_ref()))
                .bind(j.created_count)
                .bind(j.updated_count)
                .bind(j.deleted_count)
                .bind(j.unchanged_count)
                .bind(j.error_count)
                .bind(b.text(&j.errors)),
        )
        .await?;
        Ok(())
    }

    pub(super) async fn do_harvest_job_update(&mut self, j: &HarvestJob) -> StoreResult<()> {
        let b = self.backend;
        self.exec(
            sqlx::query(
                "UPDATE harvest_job SET status = $2, gather_started = $3, gather_finished = $4, \
                 finished = $5, created_count = $6, updated_count = $7, deleted_count = $8, \
                 unchanged_count = $9, error_count = $10, errors = $11 WHERE id = $1",
            )
            .bind(b.text(&j.id))
            .bind(b.text(&j.status))
            .bind(ts_opt(j.gather_started.as_ref()))
            .bind(ts_opt(j.gather_finished.as_ref()))
            .bind(ts_opt(j.finished.as_ref()))
            .bind(j.created_count)
            .bind(j.updated_count)
            .bind(j.deleted_count)
            .bind(j.unchanged_count)
            .bind(j.error_count)
            .bind(b.text(&j.errors)),
        )
        .await?;
        Ok(())
    }

    pub(super) async fn do_harvest_job_list(
        &mut self,
        source_id: Option<&str>,
        status: Option<&str>,
        limit: Option<i64>,
    ) -> StoreResult<Vec<HarvestJob>> {
        let mut conditions = Vec::new();
        let mut params = Vec::new();
        if let Some(s) = source_id {
            params.push(self.backend.text(s));
            conditions.push(format!("source_id = ${}", params.len()));
        }
        if let Some(s) = status {
            params.push(self.backend.text(s));
            conditions.push(format!("status = ${}", params.len()));
        }
        let filter = if conditions.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", conditions.join(" AND "))
        };
        let limit = limit.map_or(String::new(), |n| format!(" LIMIT {}", n.max(0)));
        let sql = format!(
            "SELECT {HARVEST_JOB_COLUMNS} FROM harvest_job {filter} \
             ORDER BY created DESC, id DESC{limit}"
        );
        let rows = self.all(super::bind_all(&sql, &params)).await?;
        rows::all(self.backend, &rows, rows::harvest_job)
    }

    pub(super) async fn do_harvest_job_count(&mut self, source_id: &str) -> StoreResult<i64> {
        let row = self
            .optional(
                sqlx::query("SELECT COUNT(*) AS n FROM harvest_job WHERE source_id = $1")
                    .bind(self.backend.text(source_id)),
            )
            .await?;
        match row {
            Some(r) => rows::int(&r, "n"),
            None => Ok(0),
        }
    }

    pub(super) async fn do_harvested_datasets(
        &mut self,
        source_id: &str,
    ) -> StoreResult<Vec<HarvestedDataset>> {
        let sql = "SELECT p.id, p.name, p.state, p.metadata_modified, \
             (SELECT g.value FROM package_extras g WHERE g.package_id = p.id AND g.key = 'guid') \
             AS guid, \
             (SELECT h.value FROM package_extras h \
              WHERE h.package_id = p.id AND h.key = 'harvest_hash') AS hash \
             FROM package_extras e JOIN packages p ON p.id = e.package_id \
             WHERE e.key = 'harvest_source_id' AND e.value = $1 ORDER BY p.id";
        let rows = self
            .all(sqlx::query(sql).bind(self.backend.text(source_id)))
            .await?;
        rows::all(self.backend, &rows, rows::harvested_dataset)
    }
}
