//! When datasets' data was last updated, as declared by `dataset_data_updated`.

use std::collections::HashMap;

use chrono::NaiveDateTime;

use super::super::rows::{self, ts};
use super::SqlTx;
use crate::StoreResult;

impl SqlTx {
    pub(super) async fn do_data_updated_set(
        &mut self,
        package_id: &str,
        at: NaiveDateTime,
        by: Option<&str>,
        recorded_at: NaiveDateTime,
    ) -> StoreResult<()> {
        let b = self.backend;
        // Both backends have `ON CONFLICT … DO UPDATE`.
        self.exec(
            sqlx::query(
                "INSERT INTO package_data_updated (package_id, data_updated, recorded_by, \
                 recorded_at) VALUES ($1, $2, $3, $4) ON CONFLICT (package_id) DO UPDATE SET \
                 data_updated = excluded.data_updated, recorded_by = excluded.recorded_by, \
                 recorded_at = excluded.recorded_at",
            )
            .bind(b.text(package_id))
            .bind(ts(&at))
            .bind(b.text_opt(by))
            .bind(ts(&recorded_at)),
        )
        .await?;
        Ok(())
    }

    pub(super) async fn do_data_updated_of(
        &mut self,
        ids: &[String],
    ) -> StoreResult<HashMap<String, NaiveDateTime>> {
        let mut out = HashMap::new();
        // In chunks: both backends cap the number of bound parameters.
        for chunk in ids.chunks(500) {
            let sql = format!(
                "SELECT package_id, data_updated FROM package_data_updated \
                 WHERE package_id IN ({})",
                super::placeholders(1, chunk.len())
            );
            let query = chunk
                .iter()
                .fold(sqlx::query(&sql), |q, id| q.bind(self.backend.text(id)));
            let found = self.all(query).await?;
            out.extend(rows::all(self.backend, &found, rows::data_updated)?);
        }
        Ok(out)
    }
}
