//! [`Tx`] over one sqlx transaction. One SQL text per method for both backends.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::NaiveDateTime;
use kho_core::model::{Activity, ApiToken, Change, Group, GroupExtra, Member, User};
use kho_core::time;
use sqlx::any::{AnyArguments, AnyRow};
use sqlx::query::Query;
use sqlx::{Any, Transaction};

use super::rows::{self, flag, ts, ts_opt};
use super::rows::{
    ACTIVITY_COLUMNS, CHANGE_COLUMNS, EXTRA_COLUMNS, GROUP_COLUMNS, MEMBER_COLUMNS, TOKEN_COLUMNS,
    USER_COLUMNS,
};
use crate::{Backend, StoreError, StoreResult, Tx};

type AnyQuery<'q> = Query<'q, Any, AnyArguments<'q>>;

/// One transaction. After any database error it is aborted: every further call returns
/// [`StoreError::Aborted`] and so does `commit`. Postgres behaves so by itself (and would
/// turn a later COMMIT into a silent ROLLBACK); SQLite is made to behave the same so that
/// code tested on SQLite does not misbehave on Postgres.
pub(super) struct SqlTx {
    backend: Backend,
    tx: Transaction<'static, Any>,
    aborted: bool,
}

impl SqlTx {
    pub(super) fn new(backend: Backend, tx: Transaction<'static, Any>) -> Self {
        SqlTx {
            backend,
            tx,
            aborted: false,
        }
    }

    fn usable(&self) -> StoreResult<()> {
        if self.aborted {
            Err(StoreError::Aborted)
        } else {
            Ok(())
        }
    }

    fn check<T>(&mut self, result: Result<T, sqlx::Error>) -> StoreResult<T> {
        result.map_err(|e| {
            self.aborted = true;
            StoreError::from(e)
        })
    }

    /// Run a statement; the number of rows it affected.
    async fn exec(&mut self, query: AnyQuery<'_>) -> StoreResult<u64> {
        self.usable()?;
        let result = query.execute(&mut *self.tx).await;
        Ok(self.check(result)?.rows_affected())
    }

    async fn all(&mut self, query: AnyQuery<'_>) -> StoreResult<Vec<AnyRow>> {
        self.usable()?;
        let result = query.fetch_all(&mut *self.tx).await;
        self.check(result)
    }

    async fn optional(&mut self, query: AnyQuery<'_>) -> StoreResult<Option<AnyRow>> {
        self.usable()?;
        let result = query.fetch_optional(&mut *self.tx).await;
        self.check(result)
    }

    /// Active extras of one group, sorted by key.
    async fn extras_of(&mut self, group_id: &str) -> StoreResult<Vec<GroupExtra>> {
        let sql = format!(
            "SELECT {EXTRA_COLUMNS} FROM group_extras \
             WHERE group_id = $1 AND state = 'active' ORDER BY key"
        );
        let rows = self
            .all(sqlx::query(&sql).bind(self.backend.text(group_id)))
            .await?;
        rows::all(self.backend, &rows, rows::extra)
    }

    async fn insert_extras(&mut self, group: &Group) -> StoreResult<()> {
        for extra in &group.extras {
            self.exec(
                sqlx::query(
                    "INSERT INTO group_extras (id, group_id, key, value, state) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(self.backend.text(&extra.id))
                .bind(self.backend.text(&group.id))
                .bind(self.backend.text(&extra.key))
                .bind(self.backend.text(&extra.value))
                .bind(self.backend.text(&extra.state)),
            )
            .await?;
        }
        Ok(())
    }
}

#[async_trait]
impl Tx for SqlTx {
    async fn commit(self: Box<Self>) -> StoreResult<()> {
        self.usable()?;
        self.tx.commit().await?;
        Ok(())
    }

    // ---- users

    async fn user_get(&mut self, id_or_name: &str) -> StoreResult<Option<User>> {
        let sql = format!(
            "SELECT {USER_COLUMNS} FROM users WHERE id = $1 OR name = $1 \
             ORDER BY CASE WHEN id = $1 THEN 0 ELSE 1 END LIMIT 1"
        );
        let row = self
            .optional(sqlx::query(&sql).bind(self.backend.text(id_or_name)))
            .await?;
        row.as_ref()
            .map(|r| rows::one(self.backend, r, rows::user))
            .transpose()
    }

    async fn users_by_email(&mut self, email: &str) -> StoreResult<Vec<User>> {
        let sql = format!(
            "SELECT {USER_COLUMNS} FROM users WHERE lower(email) = lower($1) ORDER BY name"
        );
        let rows = self
            .all(sqlx::query(&sql).bind(self.backend.text(email)))
            .await?;
        rows::all(self.backend, &rows, rows::user)
    }

    async fn user_list(&mut self) -> StoreResult<Vec<User>> {
        let sql =
            format!("SELECT {USER_COLUMNS} FROM users WHERE state <> 'deleted' ORDER BY name");
        let rows = self.all(sqlx::query(&sql)).await?;
        rows::all(self.backend, &rows, rows::user)
    }

    async fn user_count(&mut self) -> StoreResult<i64> {
        let row = self
            .optional(sqlx::query(
                "SELECT count(*) AS n FROM users WHERE state <> 'deleted'",
            ))
            .await?;
        match row {
            Some(row) => rows::int(&row, "n"),
            None => Ok(0),
        }
    }

    async fn user_insert(&mut self, user: &User) -> StoreResult<()> {
        let sql = format!(
            "INSERT INTO users ({USER_COLUMNS}) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
        );
        self.exec(
            sqlx::query(&sql)
                .bind(self.backend.text(&user.id))
                .bind(self.backend.text(&user.name))
                .bind(self.backend.text_opt(user.fullname.as_deref()))
                .bind(self.backend.text_opt(user.email.as_deref()))
                .bind(self.backend.text_opt(user.password_hash.as_deref()))
                .bind(self.backend.text_opt(user.about.as_deref()))
                .bind(self.backend.text_opt(user.image_url.as_deref()))
                .bind(flag(user.sysadmin))
                .bind(self.backend.text(&user.state))
                .bind(ts(&user.created))
                .bind(ts_opt(user.last_active.as_ref()))
                .bind(flag(user.activity_streams_email_notifications))
                .bind(self.backend.text_opt(user.plugin_extras.as_deref())),
        )
        .await?;
        Ok(())
    }

    async fn user_update(&mut self, user: &User) -> StoreResult<()> {
        self.exec(
            sqlx::query(
                "UPDATE users SET name = $2, fullname = $3, email = $4, password_hash = $5, \
                 about = $6, image_url = $7, sysadmin = $8, state = $9, created = $10, \
                 last_active = $11, activity_streams_email_notifications = $12, \
                 plugin_extras = $13 WHERE id = $1",
            )
            .bind(self.backend.text(&user.id))
            .bind(self.backend.text(&user.name))
            .bind(self.backend.text_opt(user.fullname.as_deref()))
            .bind(self.backend.text_opt(user.email.as_deref()))
            .bind(self.backend.text_opt(user.password_hash.as_deref()))
            .bind(self.backend.text_opt(user.about.as_deref()))
            .bind(self.backend.text_opt(user.image_url.as_deref()))
            .bind(flag(user.sysadmin))
            .bind(self.backend.text(&user.state))
            .bind(ts(&user.created))
            .bind(ts_opt(user.last_active.as_ref()))
            .bind(flag(user.activity_streams_email_notifications))
            .bind(self.backend.text_opt(user.plugin_extras.as_deref())),
        )
        .await?;
        Ok(())
    }

    async fn user_touch(&mut self, id: &str, at: NaiveDateTime) -> StoreResult<()> {
        self.exec(
            sqlx::query("UPDATE users SET last_active = $2 WHERE id = $1")
                .bind(self.backend.text(id))
                .bind(ts(&at)),
        )
        .await?;
        Ok(())
    }

    // ---- API tokens

    async fn token_insert(&mut self, token: &ApiToken) -> StoreResult<()> {
        let sql = format!(
            "INSERT INTO api_tokens ({TOKEN_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
        );
        self.exec(
            sqlx::query(&sql)
                .bind(self.backend.text(&token.id))
                .bind(self.backend.text(&token.user_id))
                .bind(self.backend.text(&token.name))
                .bind(self.backend.text(&token.token_hash))
                .bind(ts(&token.created_at))
                .bind(ts_opt(token.last_access.as_ref()))
                .bind(ts_opt(token.expires_at.as_ref()))
                .bind(self.backend.text(&token.state))
                .bind(self.backend.text_opt(token.state_reason.as_deref())),
        )
        .await?;
        Ok(())
    }

    async fn token_get(&mut self, id: &str) -> StoreResult<Option<ApiToken>> {
        let sql = format!("SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE id = $1");
        let row = self
            .optional(sqlx::query(&sql).bind(self.backend.text(id)))
            .await?;
        row.as_ref()
            .map(|r| rows::one(self.backend, r, rows::token))
            .transpose()
    }

    async fn token_by_hash(&mut self, token_hash: &str) -> StoreResult<Option<ApiToken>> {
        let sql = format!("SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE token_hash = $1");
        let row = self
            .optional(sqlx::query(&sql).bind(self.backend.text(token_hash)))
            .await?;
        row.as_ref()
            .map(|r| rows::one(self.backend, r, rows::token))
            .transpose()
    }

    async fn token_list(&mut self, user_id: &str) -> StoreResult<Vec<ApiToken>> {
        let sql = format!(
            "SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE user_id = $1 ORDER BY created_at, id"
        );
        let rows = self
            .all(sqlx::query(&sql).bind(self.backend.text(user_id)))
            .await?;
        rows::all(self.backend, &rows, rows::token)
    }

    async fn token_set_state(
        &mut self,
        id: &str,
        state: &str,
        reason: Option<&str>,
    ) -> StoreResult<()> {
        self.exec(
            sqlx::query("UPDATE api_tokens SET state = $2, state_reason = $3 WHERE id = $1")
                .bind(self.backend.text(id))
                .bind(self.backend.text(state))
                .bind(self.backend.text_opt(reason)),
        )
        .await?;
        Ok(())
    }

    async fn token_touch(&mut self, id: &str, at: NaiveDateTime) -> StoreResult<()> {
        self.exec(
            sqlx::query("UPDATE api_tokens SET last_access = $2 WHERE id = $1")
                .bind(self.backend.text(id))
                .bind(ts(&at)),
        )
        .await?;
        Ok(())
    }

    // ---- organizations and groups

    async fn group_get(&mut self, id_or_name: &str) -> StoreResult<Option<Group>> {
        let sql = format!(
            "SELECT {GROUP_COLUMNS} FROM groups WHERE id = $1 OR name = $1 \
             ORDER BY CASE WHEN id = $1 THEN 0 ELSE 1 END LIMIT 1"
        );
        let Some(row) = self
            .optional(sqlx::query(&sql).bind(self.backend.text(id_or_name)))
            .await?
        else {
            return Ok(None);
        };
        let mut group = rows::one(self.backend, &row, rows::group)?;
        group.extras = self.extras_of(&group.id).await?;
        Ok(Some(group))
    }

    async fn group_list(&mut self, is_organization: bool) -> StoreResult<Vec<Group>> {
        let sql =
            format!("SELECT {GROUP_COLUMNS} FROM groups WHERE is_organization = $1 ORDER BY name");
        let group_rows = self
            .all(sqlx::query(&sql).bind(flag(is_organization)))
            .await?;
        let mut groups = rows::all(self.backend, &group_rows, rows::group)?;
        let extra_rows = self
            .all(
                sqlx::query(
                    "SELECT e.id, e.group_id, e.key, e.value, e.state \
                     FROM group_extras e JOIN groups g ON g.id = e.group_id \
                     WHERE g.is_organization = $1 AND e.state = 'active' \
                     ORDER BY e.group_id, e.key",
                )
                .bind(flag(is_organization)),
            )
            .await?;
        let mut extras: HashMap<String, Vec<GroupExtra>> = HashMap::new();
        for extra in rows::all(self.backend, &extra_rows, rows::extra)? {
            extras
                .entry(extra.group_id.clone())
                .or_default()
                .push(extra);
        }
        for group in &mut groups {
            group.extras = extras.remove(&group.id).unwrap_or_default();
        }
        Ok(groups)
    }

    async fn group_insert(&mut self, group: &Group) -> StoreResult<()> {
        let sql = format!(
            "INSERT INTO groups ({GROUP_COLUMNS}) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
        );
        self.exec(
            sqlx::query(&sql)
                .bind(self.backend.text(&group.id))
                .bind(self.backend.text(&group.name))
                .bind(self.backend.text_opt(group.title.as_deref()))
                .bind(self.backend.text_opt(group.description.as_deref()))
                .bind(self.backend.text_opt(group.image_url.as_deref()))
                .bind(self.backend.text(&group.group_type))
                .bind(flag(group.is_organization))
                .bind(self.backend.text(&group.approval_status))
                .bind(self.backend.text(&group.state))
                .bind(ts(&group.created)),
        )
        .await?;
        self.insert_extras(group).await
    }

    async fn group_update(&mut self, group: &Group) -> StoreResult<()> {
        self.exec(
            sqlx::query(
                "UPDATE groups SET name = $2, title = $3, description = $4, image_url = $5, \
                 type = $6, is_organization = $7, approval_status = $8, state = $9, \
                 created = $10 WHERE id = $1",
            )
            .bind(self.backend.text(&group.id))
            .bind(self.backend.text(&group.name))
            .bind(self.backend.text_opt(group.title.as_deref()))
            .bind(self.backend.text_opt(group.description.as_deref()))
            .bind(self.backend.text_opt(group.image_url.as_deref()))
            .bind(self.backend.text(&group.group_type))
            .bind(flag(group.is_organization))
            .bind(self.backend.text(&group.approval_status))
            .bind(self.backend.text(&group.state))
            .bind(ts(&group.created)),
        )
        .await?;
        self.exec(
            sqlx::query("DELETE FROM group_extras WHERE group_id = $1")
                .bind(self.backend.text(&group.id)),
        )
        .await?;
        self.insert_extras(group).await
    }

    async fn group_purge(&mut self, id: &str) -> StoreResult<()> {
        self.exec(
            sqlx::query("DELETE FROM group_extras WHERE group_id = $1").bind(self.backend.text(id)),
        )
        .await?;
        self.exec(
            sqlx::query(
                "DELETE FROM members \
                 WHERE group_id = $1 OR (table_id = $1 AND table_name = 'group')",
            )
            .bind(self.backend.text(id)),
        )
        .await?;
        self.exec(sqlx::query("DELETE FROM groups WHERE id = $1").bind(self.backend.text(id)))
            .await?;
        Ok(())
    }

    // ---- memberships

    async fn member_list(
        &mut self,
        group_id: &str,
        table_name: Option<&str>,
    ) -> StoreResult<Vec<Member>> {
        let rows = match table_name {
            Some(table_name) => {
                let sql = format!(
                    "SELECT {MEMBER_COLUMNS} FROM members \
                     WHERE group_id = $1 AND table_name = $2 AND state = 'active' \
                     ORDER BY table_name, table_id"
                );
                self.all(
                    sqlx::query(&sql)
                        .bind(self.backend.text(group_id))
                        .bind(self.backend.text(table_name)),
                )
                .await?
            }
            None => {
                let sql = format!(
                    "SELECT {MEMBER_COLUMNS} FROM members \
                     WHERE group_id = $1 AND state = 'active' ORDER BY table_name, table_id"
                );
                self.all(sqlx::query(&sql).bind(self.backend.text(group_id)))
                    .await?
            }
        };
        rows::all(self.backend, &rows, rows::member)
    }

    async fn member_of(&mut self, table_id: &str, table_name: &str) -> StoreResult<Vec<Member>> {
        let sql = format!(
            "SELECT {MEMBER_COLUMNS} FROM members \
             WHERE table_id = $1 AND table_name = $2 AND state = 'active' ORDER BY group_id"
        );
        let rows = self
            .all(
                sqlx::query(&sql)
                    .bind(self.backend.text(table_id))
                    .bind(self.backend.text(table_name)),
            )
            .await?;
        rows::all(self.backend, &rows, rows::member)
    }

    async fn member_get(
        &mut self,
        group_id: &str,
        table_id: &str,
        table_name: &str,
    ) -> StoreResult<Option<Member>> {
        let sql = format!(
            "SELECT {MEMBER_COLUMNS} FROM members \
             WHERE group_id = $1 AND table_id = $2 AND table_name = $3"
        );
        let row = self
            .optional(
                sqlx::query(&sql)
                    .bind(self.backend.text(group_id))
                    .bind(self.backend.text(table_id))
                    .bind(self.backend.text(table_name)),
            )
            .await?;
        row.as_ref()
            .map(|r| rows::one(self.backend, r, rows::member))
            .transpose()
    }

    async fn member_upsert(&mut self, member: &Member) -> StoreResult<()> {
        let sql = format!(
            "INSERT INTO members ({MEMBER_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (group_id, table_id, table_name) \
             DO UPDATE SET capacity = excluded.capacity, state = excluded.state"
        );
        self.exec(
            sqlx::query(&sql)
                .bind(self.backend.text(&member.id))
                .bind(self.backend.text(&member.group_id))
                .bind(self.backend.text(&member.table_id))
                .bind(self.backend.text(&member.table_name))
                .bind(self.backend.text(&member.capacity))
                .bind(self.backend.text(&member.state)),
        )
        .await?;
        Ok(())
    }

    async fn member_delete(
        &mut self,
        group_id: &str,
        table_id: &str,
        table_name: &str,
    ) -> StoreResult<()> {
        self.exec(
            sqlx::query(
                "DELETE FROM members WHERE group_id = $1 AND table_id = $2 AND table_name = $3",
            )
            .bind(self.backend.text(group_id))
            .bind(self.backend.text(table_id))
            .bind(self.backend.text(table_name)),
        )
        .await?;
        Ok(())
    }

    async fn member_delete_all_of(&mut self, table_id: &str, table_name: &str) -> StoreResult<()> {
        self.exec(
            sqlx::query("DELETE FROM members WHERE table_id = $1 AND table_name = $2")
                .bind(self.backend.text(table_id))
                .bind(self.backend.text(table_name)),
        )
        .await?;
        Ok(())
    }

    // ---- activity

    async fn activity_insert(&mut self, activity: &Activity) -> StoreResult<()> {
        let sql = format!(
            "INSERT INTO activity ({ACTIVITY_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)"
        );
        let labels = rows::labels_json(&activity.permission_labels)?;
        self.exec(
            sqlx::query(&sql)
                .bind(self.backend.text(&activity.id))
                .bind(ts(&activity.timestamp))
                .bind(self.backend.text(&activity.user_id))
                .bind(self.backend.text(&activity.object_id))
                .bind(self.backend.text(&activity.activity_type))
                .bind(self.backend.text(&activity.data))
                .bind(labels),
        )
        .await?;
        Ok(())
    }

    async fn activity_list(
        &mut self,
        object_id: &str,
        offset: i64,
        limit: i64,
    ) -> StoreResult<Vec<Activity>> {
        let sql = format!(
            "SELECT {ACTIVITY_COLUMNS} FROM activity WHERE object_id = $1 \
             ORDER BY timestamp DESC, id DESC LIMIT $2 OFFSET $3"
        );
        let rows = self
            .all(
                sqlx::query(&sql)
                    .bind(self.backend.text(object_id))
                    .bind(limit.max(0))
                    .bind(offset.max(0)),
            )
            .await?;
        rows::all(self.backend, &rows, rows::activity)
    }

    // ---- change log

    async fn change_append(
        &mut self,
        entity_type: &str,
        entity_id: &str,
        op: &str,
    ) -> StoreResult<i64> {
        if self.backend == Backend::Postgres {
            // BIGSERIAL hands out numbers at INSERT, not at COMMIT: without this lock a
            // follower could read seq 6 before seq 5 commits and skip 5 for ever. Holding an
            // EXCLUSIVE lock (reads still pass) until commit makes seq order commit order.
            // SQLite needs nothing: it has one writer at a time.
            self.exec(sqlx::query("LOCK TABLE change_log IN EXCLUSIVE MODE"))
                .await?;
        }
        let row = self
            .optional(
                sqlx::query(
                    "INSERT INTO change_log (entity_type, entity_id, op, at) \
                     VALUES ($1, $2, $3, $4) RETURNING seq",
                )
                .bind(self.backend.text(entity_type))
                .bind(self.backend.text(entity_id))
                .bind(self.backend.text(op))
                .bind(ts(&time::now_utc())),
            )
            .await?;
        match row {
            Some(row) => rows::int(&row, "seq"),
            None => Err(StoreError::Corrupt(
                "change_log insert returned no seq".to_owned(),
            )),
        }
    }

    async fn changes_since(&mut self, after: i64, limit: i64) -> StoreResult<Vec<Change>> {
        let sql =
            format!("SELECT {CHANGE_COLUMNS} FROM change_log WHERE seq > $1 ORDER BY seq LIMIT $2");
        let rows = self
            .all(sqlx::query(&sql).bind(after).bind(limit.max(0)))
            .await?;
        rows::all(self.backend, &rows, rows::change)
    }
}
