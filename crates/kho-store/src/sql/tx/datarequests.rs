//! Data requests, their comments and followers (ckanext-datarequests' tables).

use chrono::NaiveDateTime;
use kho_core::model::{DataRequest, DataRequestComment};

use super::super::rows::{
    self, flag, ts, ts_opt, DATAREQUEST_COLUMNS, DATAREQUEST_COMMENT_COLUMNS,
};
use super::{placeholders, SqlTx};
use crate::{DataRequestFilter, StoreResult};

/// `value` as a LIKE pattern that matches it literally anywhere (escape character `\`).
fn contains_pattern(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('%');
    for c in value.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

impl SqlTx {
    pub(super) async fn do_datarequest_insert(&mut self, r: &DataRequest) -> StoreResult<()> {
        let b = self.backend;
        let sql = format!(
            "INSERT INTO datarequests ({DATAREQUEST_COLUMNS}) VALUES ({})",
            placeholders(1, 11)
        );
        self.exec(
            sqlx::query(&sql)
                .bind(b.text(&r.id))
                .bind(b.text(&r.user_id))
                .bind(b.text_opt(r.email.as_deref()))
                .bind(b.text(&r.title))
                .bind(b.text(&r.description))
                .bind(b.text_opt(r.organization_id.as_deref()))
                .bind(ts(&r.open_time))
                .bind(b.text_opt(r.accepted_dataset_id.as_deref()))
                .bind(ts_opt(r.close_time.as_ref()))
                .bind(flag(r.closed))
                .bind(b.text_opt(r.close_reason.as_deref())),
        )
        .await?;
        Ok(())
    }

    pub(super) async fn do_datarequest_update(&mut self, r: &DataRequest) -> StoreResult<()> {
        let b = self.backend;
        self.exec(
            sqlx::query(
                "UPDATE datarequests SET title = $2, description = $3, organization_id = $4, \
                 accepted_dataset_id = $5, close_time = $6, closed = $7, close_reason = $8 \
                 WHERE id = $1",
            )
            .bind(b.text(&r.id))
            .bind(b.text(&r.title))
            .bind(b.text(&r.description))
            .bind(b.text_opt(r.organization_id.as_deref()))
            .bind(b.text_opt(r.accepted_dataset_id.as_deref()))
            .bind(ts_opt(r.close_time.as_ref()))
            .bind(flag(r.closed))
            .bind(b.text_opt(r.close_reason.as_deref())),
        )
        .await?;
        Ok(())
    }

    pub(super) async fn do_datarequest_get(
        &mut self,
        id: &str,
    ) -> StoreResult<Option<DataRequest>> {
        let sql = format!("SELECT {DATAREQUEST_COLUMNS} FROM datarequests WHERE id = $1");
        let row = self
            .optional(sqlx::query(&sql).bind(self.backend.text(id)))
            .await?;
        row.map(|r| rows::one(self.backend, &r, rows::datarequest))
            .transpose()
    }

    pub(super) async fn do_datarequest_delete(&mut self, id: &str) -> StoreResult<bool> {
        let id = self.backend.text(id);
        // Explicitly, not only through ON DELETE CASCADE: the rows go whatever the
        // connection's foreign-key setting.
        for table in ["datarequests_comments", "datarequests_followers"] {
            let sql = format!("DELETE FROM {table} WHERE datarequest_id = $1");
            self.exec(sqlx::query(&sql).bind(id.clone())).await?;
        }
        let n = self
            .exec(sqlx::query("DELETE FROM datarequests WHERE id = $1").bind(id))
            .await?;
        Ok(n > 0)
    }

    pub(super) async fn do_datarequest_title_taken(
        &mut self,
        title: &str,
        except_id: &str,
    ) -> StoreResult<bool> {
        let b = self.backend;
        let row = self
            .optional(
                sqlx::query("SELECT id FROM datarequests WHERE title = $1 AND id <> $2 LIMIT 1")
                    .bind(b.text(title))
                    .bind(b.text(except_id)),
            )
            .await?;
        Ok(row.is_some())
    }

    pub(super) async fn do_datarequest_list(
        &mut self,
        f: &DataRequestFilter,
    ) -> StoreResult<Vec<DataRequest>> {
        let b = self.backend;
        let mut conditions = Vec::new();
        let mut params = Vec::new();
        if let Some(org) = &f.organization_id {
            params.push(b.text(org));
            conditions.push(format!("organization_id = ${}", params.len()));
        }
        if let Some(user) = &f.user_id {
            params.push(b.text(user));
            conditions.push(format!("user_id = ${}", params.len()));
        }
        if let Some(closed) = f.closed {
            conditions.push(format!("closed = {}", flag(closed)));
        }
        if let Some(q) = f.q.as_deref().filter(|q| !q.trim().is_empty()) {
            params.push(b.text(&contains_pattern(q.trim())));
            let n = params.len();
            conditions.push(format!(
                "(lower(title) LIKE ${n} ESCAPE '\\' OR lower(description) LIKE ${n} ESCAPE '\\')"
            ));
        }
        let filter = if conditions.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", conditions.join(" AND "))
        };
        let order = if f.desc { "DESC" } else { "ASC" };
        let sql = format!(
            "SELECT {DATAREQUEST_COLUMNS} FROM datarequests {filter} \
             ORDER BY open_time {order}, id {order}"
        );
        let rows = self.all(super::bind_all(&sql, &params)).await?;
        rows::all(self.backend, &rows, rows::datarequest)
    }

    pub(super) async fn do_datarequest_comment_insert(
        &mut self,
        c: &DataRequestComment,
    ) -> StoreResult<()> {
        let b = self.backend;
        let sql = format!(
            "INSERT INTO datarequests_comments ({DATAREQUEST_COMMENT_COLUMNS}) VALUES ({})",
            placeholders(1, 5)
        );
        self.exec(
            sqlx::query(&sql)
                .bind(b.text(&c.id))
                .bind(b.text(&c.datarequest_id))
                .bind(b.text(&c.user_id))
                .bind(b.text(&c.comment))
                .bind(ts(&c.time)),
        )
        .await?;
        Ok(())
    }

    pub(super) async fn do_datarequest_comment_update(
        &mut self,
        c: &DataRequestComment,
    ) -> StoreResult<()> {
        let b = self.backend;
        self.exec(
            sqlx::query("UPDATE datarequests_comments SET comment = $2 WHERE id = $1")
                .bind(b.text(&c.id))
                .bind(b.text(&c.comment)),
        )
        .await?;
        Ok(())
    }

    pub(super) async fn do_datarequest_comment_get(
        &mut self,
        id: &str,
    ) -> StoreResult<Option<DataRequestComment>> {
        let sql = format!(
            "SELECT {DATAREQUEST_COMMENT_COLUMNS} FROM datarequests_comments WHERE id = $1"
        );
        let row = self
            .optional(sqlx::query(&sql).bind(self.backend.text(id)))
            .await?;
        row.map(|r| rows::one(self.backend, &r, rows::datarequest_comment))
            .transpose()
    }

    pub(super) async fn do_datarequest_comment_delete(&mut self, id: &str) -> StoreResult<bool> {
        let n = self
            .exec(
                sqlx::query("DELETE FROM datarequests_comments WHERE id = $1")
                    .bind(self.backend.text(id)),
            )
            .await?;
        Ok(n > 0)
    }

    pub(super) async fn do_datarequest_comments(
        &mut self,
        datarequest_id: &str,
        desc: bool,
    ) -> StoreResult<Vec<DataRequestComment>> {
        let order = if desc { "DESC" } else { "ASC" };
        let sql = format!(
            "SELECT {DATAREQUEST_COMMENT_COLUMNS} FROM datarequests_comments \
             WHERE datarequest_id = $1 ORDER BY time {order}, id {order}"
        );
        let rows = self
            .all(sqlx::query(&sql).bind(self.backend.text(datarequest_id)))
            .await?;
        rows::all(self.backend, &rows, rows::datarequest_comment)
    }

    /// Rows of `table` (comments or followers) of one request.
    pub(super) async fn do_datarequest_count(
        &mut self,
        table: &'static str,
        datarequest_id: &str,
    ) -> StoreResult<i64> {
        let sql = format!("SELECT COUNT(*) AS n FROM {table} WHERE datarequest_id = $1");
        let row = self
            .optional(sqlx::query(&sql).bind(self.backend.text(datarequest_id)))
            .await?;
        match row {
            Some(r) => rows::int(&r, "n"),
            None => Ok(0),
        }
    }

    pub(super) async fn do_datarequest_follow(
        &mut self,
        datarequest_id: &str,
        user_id: &str,
        at: &NaiveDateTime,
    ) -> StoreResult<bool> {
        let b = self.backend;
        let n = self
            .exec(
                sqlx::query(
                    "INSERT INTO datarequests_followers (datarequest_id, user_id, time) \
                     VALUES ($1, $2, $3) ON CONFLICT (datarequest_id, user_id) DO NOTHING",
                )
                .bind(b.text(datarequest_id))
                .bind(b.text(user_id))
                .bind(ts(at)),
            )
            .await?;
        Ok(n > 0)
    }

    pub(super) async fn do_datarequest_unfollow(
        &mut self,
        datarequest_id: &str,
        user_id: &str,
    ) -> StoreResult<bool> {
        let b = self.backend;
        let n = self
            .exec(
                sqlx::query(
                    "DELETE FROM datarequests_followers WHERE datarequest_id = $1 AND user_id = $2",
                )
                .bind(b.text(datarequest_id))
                .bind(b.text(user_id)),
            )
            .await?;
        Ok(n > 0)
    }
}
