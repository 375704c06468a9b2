//! The sharing log (append-only) and suspensions.

use chrono::NaiveDateTime;

use super::super::rows::{self, ts, SHARING_COLUMNS};
use super::{bind_all, placeholders, SqlTx};
use crate::{Backend, SharingEntry, SharingLogQuery, StoreResult, Suspension};

/// Rows of one `INSERT` of the sharing log.
const APPEND_ROWS: usize = 200;

impl SqlTx {
    pub(super) async fn do_sharing_log_append(
        &mut self,
        entries: &[SharingEntry],
    ) -> StoreResult<()> {
        let b = self.backend;
        // One statement per chunk: a batch of reads costs a few statements, not one per
        // read (11 parameters a row stays far below both backends' limits).
        for chunk in entries.chunks(APPEND_ROWS) {
            let rows: Vec<String> = (0..chunk.len())
                .map(|i| format!("({})", placeholders(i * 11 + 1, 11)))
                .collect();
            let sql = format!(
                "INSERT INTO sharing_log (at, user_id, user_name, user_organizations, \
                 organization_id, dataset_id, resource_id, action, client_address, \
                 user_agent, outcome) VALUES {}",
                rows.join(", ")
            );
            let mut q = sqlx::query(&sql);
            for e in chunk {
                q = q
                    .bind(ts(&e.at))
                    .bind(b.text(&e.user_id))
                    .bind(b.text(&e.user_name))
                    .bind(b.text(&e.user_organizations.join(" ")))
                    .bind(b.text_opt(e.organization_id.as_deref()))
                    .bind(b.text(&e.dataset_id))
                    .bind(b.text_opt(e.resource_id.as_deref()))
                    .bind(b.text(&e.action))
                    .bind(b.text_opt(e.client_address.as_deref()))
                    .bind(b.text_opt(e.user_agent.as_deref()))
                    .bind(b.text(&e.outcome));
            }
            self.exec(q).await?;
        }
        Ok(())
    }

    pub(super) async fn do_sharing_log_query(
        &mut self,
        q: &SharingLogQuery,
    ) -> StoreResult<(i64, Vec<SharingEntry>)> {
        let b = self.backend;
        let mut params: Vec<String> = Vec::new();
        let mut parts: Vec<String> = Vec::new();
        let mut eq = |params: &mut Vec<String>, column: &str, value: String| {
            params.push(value);
            parts.push(format!("{column} = ${}", params.len()));
        };
        if let Some(d) = &q.dataset_id {
            eq(&mut params, "dataset_id", b.text(d));
        }
        if let Some(u) = &q.user_id {
            eq(&mut params, "user_id", b.text(u));
        }
        if let Some(since) = &q.since {
            params.push(ts(since));
            parts.push(format!("at >= ${}", params.len()));
        }
        if let Some(until) = &q.until {
            params.push(ts(until));
            parts.push(format!("at < ${}", params.len()));
        }
        if let Some(orgs) = &q.organization_ids {
            if orgs.is_empty() {
                return Ok((0, Vec::new()));
            }
            let first = params.len() + 1;
            params.extend(orgs.iter().map(|o| b.text(o)));
            parts.push(format!(
                "organization_id IN ({})",
                placeholders(first, orgs.len())
            ));
        }
        let condition = if parts.is_empty() {
            "1 = 1".to_owned()
        } else {
            parts.join(" AND ")
        };
        let count_sql = format!("SELECT count(*) AS n FROM sharing_log WHERE {condition}");
        let count = match self.optional(bind_all(&count_sql, &params)).await? {
            Some(row) => rows::int(&row, "n")?,
            None => 0,
        };
        let order = if q.oldest_first {
            "at ASC, id ASC"
        } else {
            "at DESC, id DESC"
        };
        let sql = format!(
            "SELECT {SHARING_COLUMNS} FROM sharing_log WHERE {condition} ORDER BY {order} \
             LIMIT ${} OFFSET ${}",
            params.len() + 1,
            params.len() + 2
        );
        let found = self
            .all(
                bind_all(&sql, &params)
                    .bind(q.limit.unwrap_or(i64::MAX).max(0))
                    .bind(q.offset.max(0)),
            )
            .await?;
        Ok((count, rows::all(b, &found, rows::sharing_entry)?))
    }

    pub(super) async fn do_sharing_log_purge(&mut self, before: NaiveDateTime) -> StoreResult<u64> {
        // Open the door the triggers of migration 0010 keep shut, for this transaction only.
        match self.backend {
            Backend::Postgres => {
                self.exec(sqlx::query(
                    "SELECT set_config('kho.sharing_log_purge', 'on', true) AS on_",
                ))
                .await?;
            }
            Backend::Sqlite => {
                self.exec(sqlx::query(
                    "INSERT OR REPLACE INTO sharing_log_purge (id, open) VALUES (1, 1)",
                ))
                .await?;
            }
        }
        let n = self
            .exec(sqlx::query("DELETE FROM sharing_log WHERE at < $1").bind(ts(&before)))
            .await?;
        match self.backend {
            Backend::Postgres => {
                self.exec(sqlx::query(
                    "SELECT set_config('kho.sharing_log_purge', 'off', true) AS off_",
                ))
                .await?;
            }
            Backend::Sqlite => {
                self.exec(sqlx::query("DELETE FROM sharing_log_purge"))
                    .await?;
            }
        }
        Ok(n)
    }

    pub(super) async fn do_suspension_get(
        &mut self,
        kind: &str,
        target_id: &str,
    ) -> StoreResult<Option<Suspension>> {
        let b = self.backend;
        let row = self
            .optional(
                sqlx::query(
                    "SELECT kind, target_id, reason, actor_id, at FROM suspensions \
                     WHERE kind = $1 AND target_id = $2",
                )
                .bind(b.text(kind))
                .bind(b.text(target_id)),
            )
            .await?;
        row.map(|r| rows::one(b, &r, rows::suspension)).transpose()
    }

    pub(super) async fn do_suspension_put(&mut self, s: &Suspension) -> StoreResult<()> {
        let b = self.backend;
        self.exec(
            sqlx::query(
                "INSERT INTO suspensions (kind, target_id, reason, actor_id, at) \
                 VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (kind, target_id) DO UPDATE SET reason = excluded.reason, \
                 actor_id = excluded.actor_id, at = excluded.at",
            )
            .bind(b.text(&s.kind))
            .bind(b.text(&s.target_id))
            .bind(b.text(&s.reason))
            .bind(b.text(&s.actor_id))
            .bind(ts(&s.at)),
        )
        .await?;
        Ok(())
    }

    pub(super) async fn do_suspension_delete(
        &mut self,
        kind: &str,
        target_id: &str,
    ) -> StoreResult<bool> {
        let b = self.backend;
        let n = self
            .exec(
                sqlx::query("DELETE FROM suspensions WHERE kind = $1 AND target_id = $2")
                    .bind(b.text(kind))
                    .bind(b.text(target_id)),
            )
            .await?;
        Ok(n > 0)
    }
}
