//! Error reports on datasets (ckanext-issues' `issue` and `issue_comment`).

use chrono::NaiveDateTime;
use kho_core::model::{Issue, IssueComment};

use super::super::rows::{self, ts, ts_opt, ISSUE_COLUMNS, ISSUE_COMMENT_COLUMNS};
use super::{bind_all, dataset_condition, SqlTx};
use crate::{IssueQuery, IssueSort, StoreError, StoreResult};

/// `x` with LIKE's wildcards and the escape character escaped (`ESCAPE '\'`).
fn like_escaped(x: &str) -> String {
    x.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

impl SqlTx {
    pub(super) async fn do_issue_insert(&mut self, i: &Issue) -> StoreResult<Issue> {
        let b = self.backend;
        // The number is computed in the same statement; a concurrent insert on the same
        // dataset fails on the (dataset_id, number) key instead of sharing a number.
        self.exec(
            sqlx::query(
                "INSERT INTO issue (id, dataset_id, number, title, description, user_id, \
                 reporter_email, client_address, follow_token_hash, status, resolved, created, \
                 modified) \
                 SELECT $1, $2, COALESCE(MAX(number), 0) + 1, $3, $4, $5, $6, $7, $8, $9, $10, \
                 $11, $12 FROM issue WHERE dataset_id = $2",
            )
            .bind(b.text(&i.id))
            .bind(b.text(&i.dataset_id))
            .bind(b.text(&i.title))
            .bind(b.text(&i.description))
            .bind(b.text_opt(i.user_id.as_deref()))
            .bind(b.text_opt(i.reporter_email.as_deref()))
            .bind(b.text_opt(i.client_address.as_deref()))
            .bind(b.text_opt(i.follow_token_hash.as_deref()))
            .bind(b.text(&i.status))
            .bind(ts_opt(i.resolved.as_ref()))
            .bind(ts(&i.created))
            .bind(ts(&i.modified)),
        )
        .await?;
        let sql = format!("SELECT {ISSUE_COLUMNS} FROM issue i WHERE i.id = $1");
        let row = self.optional(sqlx::query(&sql).bind(b.text(&i.id))).await?;
        row.map(|r| rows::one(b, &r, rows::issue))
            .transpose()?
            .ok_or_else(|| StoreError::Corrupt("issue not stored".into()))
    }

    pub(super) async fn do_issue_get(
        &mut self,
        dataset_id: &str,
        number: i64,
    ) -> StoreResult<Option<Issue>> {
        let sql = format!(
            "SELECT {ISSUE_COLUMNS} FROM issue i WHERE i.dataset_id = $1 AND i.number = $2"
        );
        let row = self
            .optional(
                sqlx::query(&sql)
                    .bind(self.backend.text(dataset_id))
                    .bind(number),
            )
            .await?;
        row.map(|r| rows::one(self.backend, &r, rows::issue))
            .transpose()
    }

    pub(super) async fn do_issue_update(&mut self, i: &Issue) -> StoreResult<()> {
        let b = self.backend;
        self.exec(
            sqlx::query(
                "UPDATE issue SET title = $2, description = $3, status = $4, resolved = $5, \
                 modified = $6 WHERE id = $1",
            )
            .bind(b.text(&i.id))
            .bind(b.text(&i.title))
            .bind(b.text(&i.description))
            .bind(b.text(&i.status))
            .bind(ts_opt(i.resolved.as_ref()))
            .bind(ts(&i.modified)),
        )
        .await?;
        Ok(())
    }

    pub(super) async fn do_issue_delete(&mut self, id: &str) -> StoreResult<()> {
        let id = self.backend.text(id);
        for sql in [
            "DELETE FROM issue_comment WHERE issue_id = $1",
            "DELETE FROM issue WHERE id = $1",
        ] {
            self.exec(sqlx::query(sql).bind(id.clone())).await?;
        }
        Ok(())
    }

    pub(super) async fn do_issue_search(
        &mut self,
        query: &IssueQuery,
    ) -> StoreResult<(i64, Vec<Issue>)> {
        let b = self.backend;
        let Some((mut condition, mut params)) = dataset_condition(b, &query.datasets) else {
            return Ok((0, Vec::new()));
        };
        if let Some(id) = &query.dataset_id {
            params.push(b.text(id));
            condition.push_str(&format!(" AND i.dataset_id = ${}", params.len()));
        }
        if let Some(status) = &query.status {
            params.push(b.text(status));
            condition.push_str(&format!(" AND i.status = ${}", params.len()));
        }
        for word in query.q.iter().flat_map(|q| q.split_whitespace()) {
            params.push(b.text(&format!("%{}%", like_escaped(&word.to_lowercase()))));
            let n = params.len();
            condition.push_str(&format!(
                " AND (lower(i.title) LIKE ${n} ESCAPE '\\' \
                 OR lower(i.description) LIKE ${n} ESCAPE '\\')"
            ));
        }
        let from = format!("FROM issue i JOIN packages p ON p.id = i.dataset_id WHERE {condition}");
        let count_sql = format!("SELECT count(*) AS n {from}");
        let count = match self.optional(bind_all(&count_sql, &params)).await? {
            Some(row) => rows::int(&row, "n")?,
            None => 0,
        };
        let order = match query.sort {
            IssueSort::Newest => "i.created DESC, i.id DESC",
            IssueSort::Oldest => "i.created ASC, i.id ASC",
            IssueSort::MostCommented => "comment_count DESC, i.created DESC, i.id DESC",
            IssueSort::LeastCommented => "comment_count ASC, i.created DESC, i.id DESC",
            IssueSort::RecentlyUpdated => "i.modified DESC, i.id DESC",
            IssueSort::LeastRecentlyUpdated => "i.modified ASC, i.id ASC",
        };
        let sql = format!(
            "SELECT {ISSUE_COLUMNS} {from} ORDER BY {order} LIMIT ${} OFFSET ${}",
            params.len() + 1,
            params.len() + 2
        );
        let rows = self
            .all(
                bind_all(&sql, &params)
                    .bind(query.limit.max(0))
                    .bind(query.offset.max(0)),
            )
            .await?;
        Ok((count, rows::all(b, &rows, rows::issue)?))
    }

    pub(super) async fn do_issue_reports_since(
        &mut self,
        email: &str,
        client_address: Option<&str>,
        since: NaiveDateTime,
    ) -> StoreResult<(i64, i64)> {
        let b = self.backend;
        let mut counts = [0, 0];
        let asked = [Some(email), client_address];
        for (column, (value, count)) in ["reporter_email", "client_address"]
            .iter()
            .zip(asked.iter().zip(counts.iter_mut()))
        {
            let Some(value) = value else { continue };
            let sql =
                format!("SELECT count(*) AS n FROM issue WHERE {column} = $1 AND created >= $2");
            if let Some(row) = self
                .optional(sqlx::query(&sql).bind(b.text(value)).bind(ts(&since)))
                .await?
            {
                *count = rows::int(&row, "n")?;
            }
        }
        Ok((counts[0], counts[1]))
    }

    pub(super) async fn do_issue_comment_insert(&mut self, c: &IssueComment) -> StoreResult<()> {
        let b = self.backend;
        let sql = format!(
            "INSERT INTO issue_comment ({ISSUE_COMMENT_COLUMNS}) VALUES ($1, $2, $3, $4, $5)"
        );
        self.exec(
            sqlx::query(&sql)
                .bind(b.text(&c.id))
                .bind(b.text(&c.issue_id))
                .bind(b.text(&c.comment))
                .bind(b.text_opt(c.user_id.as_deref()))
                .bind(ts(&c.created)),
        )
        .await?;
        self.exec(
            sqlx::query("UPDATE issue SET modified = $2 WHERE id = $1")
                .bind(b.text(&c.issue_id))
                .bind(ts(&c.created)),
        )
        .await?;
        Ok(())
    }

    pub(super) async fn do_issue_comments(
        &mut self,
        issue_id: &str,
    ) -> StoreResult<Vec<IssueComment>> {
        let sql = format!(
            "SELECT {ISSUE_COMMENT_COLUMNS} FROM issue_comment WHERE issue_id = $1 \
             ORDER BY created, id"
        );
        let rows = self
            .all(sqlx::query(&sql).bind(self.backend.text(issue_id)))
            .await?;
        rows::all(self.backend, &rows, rows::issue_comment)
    }
}
