//! The link checker's results (`resource_link_check`).

use chrono::NaiveDateTime;
use kho_core::model::{LinkCheck, LinkTarget};

use super::super::rows::{self, flag, ts};
use super::{placeholders, SqlTx, IDS_PER_QUERY};
use crate::StoreResult;

const COLUMNS: &str =
    "resource_id, dataset_id, url, checked_at, status_code, ok, error, content_type";

impl SqlTx {
    pub(super) async fn do_link_check_put(&mut self, c: &LinkCheck) -> StoreResult<()> {
        let b = self.backend;
        self.exec(
            sqlx::query("DELETE FROM resource_link_check WHERE resource_id = $1")
                .bind(b.text(&c.resource_id)),
        )
        .await?;
        self.exec(
            sqlx::query(
                "INSERT INTO resource_link_check (resource_id, dataset_id, url, checked_at, \
                 status_code, ok, error, content_type) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(b.text(&c.resource_id))
            .bind(b.text(&c.dataset_id))
            .bind(b.text(&c.url))
            .bind(ts(&c.checked_at))
            .bind(c.status_code)
            .bind(flag(c.ok))
            .bind(b.text_opt(c.error.as_deref()))
            .bind(b.text_opt(c.content_type.as_deref())),
        )
        .await?;
        Ok(())
    }

    pub(super) async fn do_link_checks_of(
        &mut self,
        dataset_ids: &[String],
    ) -> StoreResult<Vec<LinkCheck>> {
        let mut out = Vec::new();
        for chunk in dataset_ids.chunks(IDS_PER_QUERY) {
            let sql = format!(
                "SELECT {COLUMNS} FROM resource_link_check WHERE dataset_id IN ({}) \
                 ORDER BY resource_id",
                placeholders(1, chunk.len())
            );
            let mut q = sqlx::query(&sql);
            for id in chunk {
                q = q.bind(self.backend.text(id));
            }
            let found = self.all(q).await?;
            out.extend(rows::all(self.backend, &found, rows::link_check)?);
        }
        Ok(out)
    }

    pub(super) async fn do_link_targets(
        &mut self,
        dataset_id: Option<&str>,
        checked_before: &NaiveDateTime,
        limit: i64,
    ) -> StoreResult<Vec<LinkTarget>> {
        let b = self.backend;
        // Active http(s) resources of active datasets, never checked, checked at another
        // URL, or checked before `checked_before`; the oldest results first.
        let sql = "SELECT r.package_id AS dataset_id, r.id AS resource_id, r.url AS url \
             FROM resources r JOIN packages p ON p.id = r.package_id \
             LEFT JOIN resource_link_check c ON c.resource_id = r.id \
             WHERE r.state = 'active' AND p.state = 'active' \
             AND (r.url_type IS NULL OR r.url_type <> 'upload') \
             AND (lower(substr(r.url, 1, 7)) = 'http://' OR lower(substr(r.url, 1, 8)) = 'https://') \
             AND (c.resource_id IS NULL OR c.url <> r.url OR c.checked_at < $1) \
             AND ($2 = '' OR r.package_id = $2) \
             ORDER BY c.checked_at IS NOT NULL, c.checked_at, r.package_id, r.position, r.id \
             LIMIT $3";
        let found = self
            .all(
                sqlx::query(sql)
                    .bind(ts(checked_before))
                    .bind(b.text(dataset_id.unwrap_or_default()))
                    .bind(limit),
            )
            .await?;
        rows::all(b, &found, rows::link_target)
    }
}
