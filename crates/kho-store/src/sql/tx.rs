//! [`Tx`] over one sqlx transaction. One SQL text per method for both backends.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::NaiveDateTime;
use kho_core::model::{
    AccessGrant, Activity, ApiToken, Change, Collaborator, DataRequest, DataRequestComment,
    Dataset, DatasetExtra, Grantee, Group, GroupExtra, HarvestJob, HarvestSource, HarvestedDataset,
    Issue, IssueComment, Member, NameAlias, PersonalDataOverride, Resource, ResourceFile, Tag,
    Tombstone, User,
};
use kho_core::model::{ALIAS_GROUP, ALIAS_PACKAGE};
use kho_core::time;
use sqlx::any::{AnyArguments, AnyRow};
use sqlx::query::Query;
use sqlx::{Any, Row, Transaction};

use super::rows::{self, flag, ts, ts_opt};
use super::rows::{
    ACTIVITY_COLUMNS, CHANGE_COLUMNS, EXTRA_COLUMNS, GROUP_COLUMNS, MEMBER_COLUMNS,
    PACKAGE_COLUMNS, RESOURCE_COLUMNS, TOKEN_COLUMNS, USER_COLUMNS,
};
use crate::{
    ActivityQuery, ActivityScope, Backend, DataRequestFilter, DatasetBundle, DatasetFilter,
    IssueQuery, SharingEntry, SharingLogQuery, StoreError, StoreResult, Suspension, Tx,
    CHANGES_CHANNEL,
};

mod access;
mod aliases;
mod data_updated;
mod datarequests;
mod files;
mod harvest;
mod issues;
mod links;
mod sharing;

type AnyQuery<'q> = Query<'q, Any, AnyArguments<'q>>;

/// Ids per `IN (…)` list when loading many datasets: well under the bind-parameter limits
/// of both backends (SQLite 32,766; Postgres 65,535).
const IDS_PER_QUERY: usize = 1000;

/// `$first, $first+1, …` (`count` placeholders).
fn placeholders(first: usize, count: usize) -> String {
    (first..first + count)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `col = $n, …` for the columns of `columns` after the first `skip`, numbered from
/// `skip + 1` (the skipped ones are bound first and used in the WHERE clause).
fn set_clause(columns: &str, skip: usize) -> String {
    columns
        .split(',')
        .map(str::trim)
        .enumerate()
        .skip(skip)
        .map(|(i, column)| format!("{column} = ${}", i + 1))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The `WHERE` condition of `filter` over `packages p` and its text parameters, numbered
/// from `$1`; `None` if nothing can match (no states).
fn dataset_condition(backend: Backend, filter: &DatasetFilter) -> Option<(String, Vec<String>)> {
    if filter.states.is_empty() {
        return None;
    }
    let mut params: Vec<String> = Vec::new();
    let list = |values: &[String], params: &mut Vec<String>| {
        let first = params.len() + 1;
        params.extend(values.iter().map(|v| backend.text(v)));
        placeholders(first, values.len())
    };
    let mut sql = format!("p.state IN ({})", list(&filter.states, &mut params));
    if let Some(org) = &filter.owner_org {
        params.push(backend.text(org));
        sql.push_str(&format!(" AND p.owner_org = ${}", params.len()));
    }
    if let Some(group) = &filter.group_id {
        params.push(backend.text(group));
        sql.push_str(&format!(
            " AND EXISTS (SELECT 1 FROM members m WHERE m.group_id = ${} \
             AND m.table_id = p.id AND m.table_name = 'package' AND m.state = 'active')",
            params.len()
        ));
    }
    if filter.open_only {
        sql.push_str(" AND p.sharing_level = 'open'");
    }
    if let Some(labels) = &filter.readable_by {
        if labels.is_empty() {
            return None;
        }
        let labels = list(labels, &mut params);
        sql.push_str(&format!(
            " AND EXISTS (SELECT 1 FROM package_labels l \
             WHERE l.package_id = p.id AND l.label IN ({labels}))"
        ));
    }
    Some((sql, params))
}

/// Bind the columns of [`PACKAGE_COLUMNS`], in order.
fn bind_package<'q>(backend: Backend, query: AnyQuery<'q>, d: &Dataset) -> AnyQuery<'q> {
    query
        .bind(backend.text(&d.id))
        .bind(backend.text(&d.name))
        .bind(backend.text_opt(d.title.as_deref()))
        .bind(backend.text_opt(d.author.as_deref()))
        .bind(backend.text_opt(d.author_email.as_deref()))
        .bind(backend.text_opt(d.maintainer.as_deref()))
        .bind(backend.text_opt(d.maintainer_email.as_deref()))
        .bind(backend.text_opt(d.license_id.as_deref()))
        .bind(backend.text_opt(d.notes.as_deref()))
        .bind(backend.text_opt(d.url.as_deref()))
        .bind(backend.text_opt(d.version.as_deref()))
        .bind(backend.text(&d.state))
        .bind(backend.text(&d.dataset_type))
        .bind(backend.text_opt(d.owner_org.as_deref()))
        .bind(backend.text(&d.sharing_level))
        .bind(backend.text_opt(d.creator_user_id.as_deref()))
        .bind(ts(&d.metadata_created))
        .bind(ts(&d.metadata_modified))
        .bind(backend.text(&d.profile))
        .bind(backend.text_opt(d.plugin_data.as_deref()))
}

/// Bind the columns of [`RESOURCE_COLUMNS`], in order; `package_id` is the parent's id
/// (whatever `r.package_id` says).
fn bind_resource<'q>(
    backend: Backend,
    query: AnyQuery<'q>,
    package_id: &str,
    r: &Resource,
) -> AnyQuery<'q> {
    query
        .bind(backend.text(&r.id))
        .bind(backend.text(package_id))
        .bind(backend.text(&r.url))
        .bind(backend.text(&r.format))
        .bind(backend.text_opt(r.name.as_deref()))
        .bind(backend.text_opt(r.description.as_deref()))
        .bind(backend.text(&r.hash))
        .bind(r.size)
        .bind(backend.text_opt(r.mimetype.as_deref()))
        .bind(backend.text_opt(r.mimetype_inner.as_deref()))
        .bind(backend.text_opt(r.cache_url.as_deref()))
        .bind(ts_opt(r.cache_last_updated.as_ref()))
        .bind(ts_opt(r.last_modified.as_ref()))
        .bind(ts(&r.created))
        .bind(ts(&r.metadata_modified))
        .bind(backend.text_opt(r.resource_type.as_deref()))
        .bind(backend.text_opt(r.url_type.as_deref()))
        .bind(r.position)
        .bind(backend.text(&r.state))
        .bind(backend.text(&r.extras))
}

/// `sql` with `values` bound in order.
fn bind_all<'q>(sql: &'q str, values: &[String]) -> AnyQuery<'q> {
    values
        .iter()
        .fold(sqlx::query(sql), |q, value| q.bind(value.clone()))
}

/// Split `(package_id, item)` pairs (in query order) by package.
fn by_package<T>(pairs: Vec<(String, T)>) -> HashMap<String, Vec<T>> {
    let mut map: HashMap<String, Vec<T>> = HashMap::new();
    for (package_id, item) in pairs {
        map.entry(package_id).or_default().push(item);
    }
    map
}

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

/// Datasets.
impl SqlTx {
    /// Fill in the extras, tags and active resources of `datasets` (at most
    /// [`IDS_PER_QUERY`]) with three queries.
    async fn load_children(&mut self, datasets: &mut [Dataset]) -> StoreResult<()> {
        if datasets.is_empty() {
            return Ok(());
        }
        let list = placeholders(1, datasets.len());
        let ids: Vec<String> = datasets.iter().map(|d| self.backend.text(&d.id)).collect();

        let sql = format!(
            "SELECT package_id, key, value FROM package_extras \
             WHERE package_id IN ({list}) ORDER BY package_id, position"
        );
        let rows = self.all(bind_all(&sql, &ids)).await?;
        let mut extras: HashMap<String, Vec<DatasetExtra>> =
            by_package(rows::all(self.backend, &rows, rows::package_extra)?);

        let sql = format!(
            "SELECT pt.package_id, t.id, t.name, t.vocabulary_id \
             FROM package_tags pt JOIN tags t ON t.id = pt.tag_id \
             WHERE pt.package_id IN ({list}) ORDER BY t.name, t.vocabulary_id"
        );
        let rows = self.all(bind_all(&sql, &ids)).await?;
        let mut tags: HashMap<String, Vec<Tag>> =
            by_package(rows::all(self.backend, &rows, rows::package_tag)?);

        // One row per dataset, its resources aggregated into a JSON array of arrays: the
        // driver hands rows over one by one between threads, which cost ~10 µs a row and
        // made a 1,000-resource dataset take 12 ms to read (BENCHMARKS.md). Only this SQL
        // differs between the backends (`Backend::json_list`); the decoding (and the
        // ordering by position) is shared. No ORDER BY inside the aggregate: SQLite
        // implements one by copying every row into a temporary B-tree (a fifth of its time
        // in a profile), whereas sorting the decoded list, already in index order, costs
        // next to nothing.
        let sql = format!(
            "SELECT package_id, {} AS list \
             FROM resources WHERE package_id IN ({list}) AND state = 'active' \
             GROUP BY package_id",
            self.backend.json_list(RESOURCE_COLUMNS)
        );
        let rows = self.all(bind_all(&sql, &ids)).await?;
        let mut resources: HashMap<String, Vec<Resource>> = HashMap::new();
        for row in &rows {
            let list = rows::one(self.backend, row, rows::resource_list)?;
            if let Some(first) = list.first() {
                resources.insert(first.package_id.clone(), list);
            }
        }

        for d in datasets {
            d.extras = extras.remove(&d.id).unwrap_or_default();
            d.tags = tags.remove(&d.id).unwrap_or_default();
            d.resources = resources.remove(&d.id).unwrap_or_default();
        }
        Ok(())
    }

    /// The organizations and groups `datasets` (at most [`IDS_PER_QUERY`]) show: each
    /// dataset's owner organization (any state) and its active groups by name, every group
    /// with its active extras sorted by key. Three queries (more only beyond
    /// [`IDS_PER_QUERY`] distinct groups).
    async fn load_relations(&mut self, datasets: Vec<Dataset>) -> StoreResult<Vec<DatasetBundle>> {
        if datasets.is_empty() {
            return Ok(Vec::new());
        }
        let list = placeholders(1, datasets.len());
        let ids: Vec<String> = datasets.iter().map(|d| self.backend.text(&d.id)).collect();
        // The condition of `groups_of_package`, for the whole page at once.
        let sql = format!(
            "SELECT m.table_id AS package_id, g.id AS group_id FROM members m \
             JOIN groups g ON g.id = m.group_id \
             WHERE m.table_id IN ({list}) AND m.table_name = 'package' AND m.state = 'active' \
             AND g.is_organization = 0 AND g.state = 'active' ORDER BY g.name"
        );
        let rows = self.all(bind_all(&sql, &ids)).await?;
        let memberships = rows::all(self.backend, &rows, rows::package_group)?;

        let mut wanted: Vec<String> = datasets
            .iter()
            .filter_map(|d| d.owner_org.clone())
            .chain(memberships.iter().map(|(_, g)| g.clone()))
            .collect();
        wanted.sort();
        wanted.dedup();
        let mut groups: HashMap<String, Group> = HashMap::new();
        for chunk in wanted.chunks(IDS_PER_QUERY) {
            let list = placeholders(1, chunk.len());
            let bound: Vec<String> = chunk.iter().map(|id| self.backend.text(id)).collect();
            let sql = format!("SELECT {GROUP_COLUMNS} FROM groups WHERE id IN ({list})");
            let rows = self.all(bind_all(&sql, &bound)).await?;
            for g in rows::all(self.backend, &rows, rows::group)? {
                groups.insert(g.id.clone(), g);
            }
            let sql = format!(
                "SELECT {EXTRA_COLUMNS} FROM group_extras \
                 WHERE group_id IN ({list}) AND state = 'active' ORDER BY group_id, key"
            );
            let rows = self.all(bind_all(&sql, &bound)).await?;
            for e in rows::all(self.backend, &rows, rows::extra)? {
                if let Some(g) = groups.get_mut(&e.group_id) {
                    g.extras.push(e);
                }
            }
        }

        let mut of_package: HashMap<String, Vec<Group>> = HashMap::new();
        for (package_id, group_id) in memberships {
            if let Some(g) = groups.get(&group_id) {
                of_package.entry(package_id).or_default().push(g.clone());
            }
        }
        let plain_ids: Vec<String> = datasets.iter().map(|d| d.id.clone()).collect();
        let mut data_updated = self.do_data_updated_of(&plain_ids).await?;
        Ok(datasets
            .into_iter()
            .map(|dataset| DatasetBundle {
                data_updated: data_updated.remove(&dataset.id),
                organization: dataset
                    .owner_org
                    .as_ref()
                    .and_then(|id| groups.get(id))
                    .cloned(),
                groups: of_package.remove(&dataset.id).unwrap_or_default(),
                dataset,
            })
            .collect())
    }

    /// `datasets` with their children, organizations and groups, in the same order.
    async fn bundle(&mut self, mut datasets: Vec<Dataset>) -> StoreResult<Vec<DatasetBundle>> {
        let mut out = Vec::with_capacity(datasets.len());
        while !datasets.is_empty() {
            let rest = datasets.split_off(datasets.len().min(IDS_PER_QUERY));
            self.load_children(&mut datasets).await?;
            out.extend(self.load_relations(datasets).await?);
            datasets = rest;
        }
        Ok(out)
    }

    /// Insert the extras and tag links of `d` (the old ones must be gone).
    async fn insert_package_children(&mut self, d: &Dataset) -> StoreResult<()> {
        for (position, extra) in d.extras.iter().enumerate() {
            self.exec(
                sqlx::query(
                    "INSERT INTO package_extras (package_id, key, value, position) \
                     VALUES ($1, $2, $3, $4)",
                )
                .bind(self.backend.text(&d.id))
                .bind(self.backend.text(&extra.key))
                .bind(self.backend.text(&extra.value))
                .bind(i64::try_from(position).unwrap_or(i64::MAX)),
            )
            .await?;
        }
        for tag in &d.tags {
            let vocabulary = rows::vocabulary(tag.vocabulary_id.as_deref());
            self.exec(
                sqlx::query(
                    "INSERT INTO tags (id, name, vocabulary_id) VALUES ($1, $2, $3) \
                     ON CONFLICT (name, vocabulary_id) DO NOTHING",
                )
                .bind(self.backend.text(&tag.id))
                .bind(self.backend.text(&tag.name))
                .bind(self.backend.text(vocabulary)),
            )
            .await?;
            self.exec(
                sqlx::query(
                    "INSERT INTO package_tags (package_id, tag_id) \
                     SELECT $1, id FROM tags WHERE name = $2 AND vocabulary_id = $3 \
                     ON CONFLICT DO NOTHING",
                )
                .bind(self.backend.text(&d.id))
                .bind(self.backend.text(&tag.name))
                .bind(self.backend.text(vocabulary)),
            )
            .await?;
        }
        Ok(())
    }

    /// Write `r` under `package_id`: the stored row with its id (a deleted one is revived),
    /// or a new row. A row of that id under another dataset is left alone, and the insert
    /// then conflicts on the id.
    async fn upsert_resource(&mut self, package_id: &str, r: &Resource) -> StoreResult<()> {
        // Built once: the statement is the same for every resource of every write.
        static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
            format!(
                "UPDATE resources SET {} WHERE id = $1 AND package_id = $2",
                set_clause(RESOURCE_COLUMNS, 2)
            )
        });
        let updated = self
            .exec(bind_resource(
                self.backend,
                sqlx::query(SQL.as_str()),
                package_id,
                r,
            ))
            .await?;
        if updated == 0 {
            self.insert_resource(package_id, r).await?;
        }
        Ok(())
    }

    async fn insert_resource(&mut self, package_id: &str, r: &Resource) -> StoreResult<()> {
        let sql = format!(
            "INSERT INTO resources ({RESOURCE_COLUMNS}) VALUES ({})",
            placeholders(1, 20)
        );
        self.exec(bind_resource(
            self.backend,
            sqlx::query(&sql),
            package_id,
            r,
        ))
        .await?;
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
        let mut found = self
            .optional(sqlx::query(&sql).bind(self.backend.text(id_or_name)))
            .await?;
        if found.is_none() {
            // A former name answers with the group that now holds it (a rename or merge).
            if let Some(target) = self.alias_target(ALIAS_GROUP, id_or_name).await? {
                let by_id = format!("SELECT {GROUP_COLUMNS} FROM groups WHERE id = $1");
                found = self
                    .optional(sqlx::query(&by_id).bind(self.backend.text(&target)))
                    .await?;
            }
        }
        let Some(row) = found else {
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
        attach_extras(
            &mut groups,
            rows::all(self.backend, &extra_rows, rows::extra)?,
        );
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
        self.exec(
            sqlx::query(
                "DELETE FROM access_grants \
                 WHERE grantee_type = 'organization' AND grantee_id = $1",
            )
            .bind(self.backend.text(id)),
        )
        .await?;
        self.exec(sqlx::query("DELETE FROM groups WHERE id = $1").bind(self.backend.text(id)))
            .await?;
        self.aliases_drop(ALIAS_GROUP, id).await
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

    // ---- datasets

    async fn package_get(&mut self, id_or_name: &str) -> StoreResult<Option<Dataset>> {
        // One statement, its children as JSON aggregates: every query is a round trip to
        // the driver's thread (SQLite) or the server, and `package_show` is the most
        // frequent read there is. One statement is also one snapshot.
        let agg = |columns: &str| self.backend.json_list(columns);
        let sql = format!(
            "SELECT {PACKAGE_COLUMNS}, \
             (SELECT {} FROM package_extras WHERE package_id = packages.id) AS extras_list, \
             (SELECT {} FROM package_tags pt JOIN tags t ON t.id = pt.tag_id \
              WHERE pt.package_id = packages.id) AS tags_list, \
             (SELECT {} FROM resources \
              WHERE package_id = packages.id AND state = 'active') AS resources_list \
             FROM packages WHERE id = $1 OR name = $1 \
             ORDER BY CASE WHEN id = $1 THEN 0 ELSE 1 END LIMIT 1",
            agg("key, value, position"),
            agg("t.id, t.name, t.vocabulary_id"),
            agg(RESOURCE_COLUMNS),
        );
        let mut found = self
            .optional(sqlx::query(&sql).bind(self.backend.text(id_or_name)))
            .await?;
        if found.is_none() {
            // A former name answers with the dataset that now holds it (a rename). Only
            // on a miss, so the common lookup stays one statement.
            if let Some(target) = self.alias_target(ALIAS_PACKAGE, id_or_name).await? {
                found = self
                    .optional(sqlx::query(&sql).bind(self.backend.text(&target)))
                    .await?;
            }
        }
        let Some(row) = found else {
            return Ok(None);
        };
        rows::one(self.backend, &row, rows::package_with_children).map(Some)
    }

    async fn package_relations(
        &mut self,
        package_id: &str,
        owner_org: Option<&str>,
    ) -> StoreResult<(Option<Group>, Vec<Group>)> {
        // The owner organization (any state, as `group_get`) and the active groups the
        // dataset is an active member of (as `groups_of_package`), with their active
        // extras, in one statement.
        let sql = format!(
            "SELECT {GROUP_COLUMNS}, \
             (SELECT {} FROM group_extras e WHERE e.group_id = groups.id AND e.state = 'active') \
             AS extras_list, \
             CASE WHEN is_organization = 0 AND state = 'active' AND id IN ({MEMBER_OF}) \
             THEN 1 ELSE 0 END AS shown_group \
             FROM groups WHERE id = $2 OR id IN ({MEMBER_OF}) ORDER BY name",
            self.backend
                .json_list("e.id, e.group_id, e.key, e.value, e.state"),
        );
        // No organization: `id = ''` matches nothing.
        let org = owner_org.map(|o| self.backend.text(o)).unwrap_or_default();
        let found = self
            .all(
                sqlx::query(&sql)
                    .bind(self.backend.text(package_id))
                    .bind(org),
            )
            .await?;
        let mut organization = None;
        let mut groups = Vec::new();
        for row in &found {
            let shown = rows::int(row, "shown_group")? != 0;
            let group = rows::one(self.backend, row, rows::group_with_extras)?;
            if owner_org == Some(group.id.as_str()) {
                organization = Some(group.clone());
            }
            if shown {
                groups.push(group);
            }
        }
        Ok((organization, groups))
    }

    async fn package_insert(&mut self, dataset: &Dataset) -> StoreResult<()> {
        let sql = format!(
            "INSERT INTO packages ({PACKAGE_COLUMNS}) VALUES ({})",
            placeholders(1, 20)
        );
        self.exec(bind_package(self.backend, sqlx::query(&sql), dataset))
            .await?;
        self.insert_package_children(dataset).await?;
        for resource in &dataset.resources {
            self.insert_resource(&dataset.id, resource).await?;
        }
        self.write_package_labels(dataset).await
    }

    async fn package_update(&mut self, dataset: &Dataset) -> StoreResult<()> {
        let sql = format!(
            "UPDATE packages SET {} WHERE id = $1",
            set_clause(PACKAGE_COLUMNS, 1)
        );
        let updated = self
            .exec(bind_package(self.backend, sqlx::query(&sql), dataset))
            .await?;
        if updated == 0 {
            return Ok(());
        }
        let id = self.backend.text(&dataset.id);
        self.exec(sqlx::query("DELETE FROM package_extras WHERE package_id = $1").bind(id.clone()))
            .await?;
        self.exec(sqlx::query("DELETE FROM package_tags WHERE package_id = $1").bind(id.clone()))
            .await?;
        self.insert_package_children(dataset).await?;
        self.write_package_labels(dataset).await?;
        self.exec(
            sqlx::query(
                "UPDATE resources SET state = 'deleted' \
                 WHERE package_id = $1 AND state <> 'deleted'",
            )
            .bind(id),
        )
        .await?;
        for resource in &dataset.resources {
            self.upsert_resource(&dataset.id, resource).await?;
        }
        Ok(())
    }

    async fn package_update_from(&mut self, old: &Dataset, dataset: &Dataset) -> StoreResult<()> {
        if old.id != dataset.id {
            return self.package_update(dataset).await;
        }
        // Only while the row is still the one `old` was read from: the diff below is
        // against `old`. On Postgres another transaction may have committed a change of
        // this dataset since (SQLite's BEGIN IMMEDIATE rules that out); the UPDATE waits
        // for its row lock, re-checks `metadata_modified` (every write sets it), matches
        // nothing, and the full `package_update` replaces everything instead, so the
        // result is exactly this writer's dataset, never a mix of two.
        let sql = format!(
            "UPDATE packages SET {} WHERE id = $1 AND metadata_modified = $21",
            set_clause(PACKAGE_COLUMNS, 1)
        );
        let updated = self
            .exec(
                bind_package(self.backend, sqlx::query(&sql), dataset)
                    .bind(ts(&old.metadata_modified)),
            )
            .await?;
        if updated == 0 {
            return self.package_update(dataset).await;
        }
        if kho_core::visibility::dataset_labels(old)
            != kho_core::visibility::dataset_labels(dataset)
        {
            self.write_package_labels(dataset).await?;
        }
        let id = self.backend.text(&dataset.id);
        if old.extras != dataset.extras || old.tags != dataset.tags {
            self.exec(
                sqlx::query("DELETE FROM package_extras WHERE package_id = $1").bind(id.clone()),
            )
            .await?;
            self.exec(
                sqlx::query("DELETE FROM package_tags WHERE package_id = $1").bind(id.clone()),
            )
            .await?;
            self.insert_package_children(dataset).await?;
        }
        let before: HashMap<&str, &Resource> =
            old.resources.iter().map(|r| (r.id.as_str(), r)).collect();
        let kept: std::collections::HashSet<&str> =
            dataset.resources.iter().map(|r| r.id.as_str()).collect();
        for r in &old.resources {
            if !kept.contains(r.id.as_str()) {
                self.exec(
                    sqlx::query(
                        "UPDATE resources SET state = 'deleted' \
                         WHERE id = $1 AND package_id = $2",
                    )
                    .bind(self.backend.text(&r.id))
                    .bind(id.clone()),
                )
                .await?;
            }
        }
        for resource in &dataset.resources {
            // Unchanged (the same columns, this dataset's and active, as stored): skip.
            let same = before.get(resource.id.as_str()).is_some_and(|old| {
                **old == *resource
                    && resource.package_id == dataset.id
                    && resource.state == "active"
            });
            if same {
                continue;
            }
            self.upsert_resource(&dataset.id, resource).await?;
        }
        Ok(())
    }

    async fn package_append_resource(
        &mut self,
        old: &Dataset,
        resource: &Resource,
        metadata_modified: NaiveDateTime,
    ) -> StoreResult<()> {
        // The row guard of `package_update_from`: only while the row is still `old`.
        let updated = self
            .exec(
                sqlx::query(
                    "UPDATE packages SET metadata_modified = $2 \
                     WHERE id = $1 AND metadata_modified = $3",
                )
                .bind(self.backend.text(&old.id))
                .bind(ts(&metadata_modified))
                .bind(ts(&old.metadata_modified)),
            )
            .await?;
        if updated == 0 {
            // A concurrent writer committed first (Postgres): replace everything with
            // exactly `old` plus the resource, as `package_update_from` does.
            let mut dataset = old.clone();
            dataset.resources.push(resource.clone());
            dataset.metadata_modified = metadata_modified;
            return self.package_update(&dataset).await;
        }
        // The timestamp is not among the permission labels, and the extras and tags are
        // unchanged: only the resource is written. Its id may be that of a deleted
        // resource of this dataset, which it revives, as `package_update_from` does.
        self.upsert_resource(&old.id, resource).await
    }

    async fn package_rename(&mut self, id: &str, new_name: &str) -> StoreResult<()> {
        self.exec(
            sqlx::query("UPDATE packages SET name = $2 WHERE id = $1")
                .bind(self.backend.text(id))
                .bind(self.backend.text(new_name)),
        )
        .await?;
        Ok(())
    }

    async fn package_purge(&mut self, id: &str) -> StoreResult<()> {
        if self.was_public(id).await? {
            if let Some(d) = self.package_get(id).await? {
                self.tombstone_write(&d.id, &d.name).await?;
            }
        }
        let id = self.backend.text(id);
        for sql in [
            "DELETE FROM package_extras WHERE package_id = $1",
            "DELETE FROM package_tags WHERE package_id = $1",
            "DELETE FROM resources WHERE package_id = $1",
            "DELETE FROM members WHERE table_id = $1 AND table_name = 'package'",
            "DELETE FROM package_labels WHERE package_id = $1",
            "DELETE FROM package_collaborators WHERE package_id = $1",
            "DELETE FROM access_grants WHERE package_id = $1",
            "DELETE FROM issue_comment WHERE issue_id IN \
             (SELECT id FROM issue WHERE dataset_id = $1)",
            "DELETE FROM issue WHERE dataset_id = $1",
            "DELETE FROM personal_data_overrides WHERE package_id = $1",
            "DELETE FROM resource_link_check WHERE dataset_id = $1",
            "DELETE FROM package_data_updated WHERE package_id = $1",
            "DELETE FROM packages WHERE id = $1",
            "DELETE FROM name_aliases WHERE kind = 'package' AND target_id = $1",
        ] {
            self.exec(sqlx::query(sql).bind(id.clone())).await?;
        }
        Ok(())
    }

    async fn package_names(
        &mut self,
        filter: &DatasetFilter,
        limit: Option<i64>,
        offset: i64,
    ) -> StoreResult<Vec<String>> {
        let Some((condition, params)) = dataset_condition(self.backend, filter) else {
            return Ok(Vec::new());
        };
        let sql = format!(
            "SELECT p.name FROM packages p WHERE {condition} \
             ORDER BY p.name LIMIT ${} OFFSET ${}",
            params.len() + 1,
            params.len() + 2
        );
        let query = bind_all(&sql, &params)
            .bind(limit.unwrap_or(i64::MAX).max(0))
            .bind(offset.max(0));
        let rows = self.all(query).await?;
        rows::all(self.backend, &rows, rows::name)
    }

    async fn package_count(&mut self, filter: &DatasetFilter) -> StoreResult<i64> {
        let Some((condition, params)) = dataset_condition(self.backend, filter) else {
            return Ok(0);
        };
        let sql = format!("SELECT count(*) AS n FROM packages p WHERE {condition}");
        match self.optional(bind_all(&sql, &params)).await? {
            Some(row) => rows::int(&row, "n"),
            None => Ok(0),
        }
    }

    async fn package_page(
        &mut self,
        filter: &DatasetFilter,
        limit: i64,
        offset: i64,
    ) -> StoreResult<Vec<Dataset>> {
        let Some((condition, params)) = dataset_condition(self.backend, filter) else {
            return Ok(Vec::new());
        };
        if limit <= 0 {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT {PACKAGE_COLUMNS} FROM packages p WHERE {condition} \
             ORDER BY p.metadata_modified DESC, p.name LIMIT ${} OFFSET ${}",
            params.len() + 1,
            params.len() + 2
        );
        let query = bind_all(&sql, &params).bind(limit).bind(offset.max(0));
        let rows = self.all(query).await?;
        let mut datasets = rows::all(self.backend, &rows, rows::package)?;
        for chunk in datasets.chunks_mut(IDS_PER_QUERY) {
            self.load_children(chunk).await?;
        }
        Ok(datasets)
    }

    async fn package_count_of_org(&mut self, org_id: &str, states: &[&str]) -> StoreResult<i64> {
        if states.is_empty() {
            return Ok(0);
        }
        let sql = format!(
            "SELECT count(*) AS n FROM packages WHERE owner_org = $1 AND state IN ({})",
            placeholders(2, states.len())
        );
        let query = states.iter().fold(
            sqlx::query(&sql).bind(self.backend.text(org_id)),
            |q, state| q.bind(self.backend.text(state)),
        );
        match self.optional(query).await? {
            Some(row) => rows::int(&row, "n"),
            None => Ok(0),
        }
    }

    async fn resource_get(&mut self, id: &str) -> StoreResult<Option<Resource>> {
        let sql = format!("SELECT {RESOURCE_COLUMNS} FROM resources WHERE id = $1");
        let row = self
            .optional(sqlx::query(&sql).bind(self.backend.text(id)))
            .await?;
        row.as_ref()
            .map(|r| rows::one(self.backend, r, rows::resource))
            .transpose()
    }

    async fn tags_in_use(&mut self, vocabulary_id: Option<&str>) -> StoreResult<Vec<String>> {
        let rows = self
            .all(
                sqlx::query(
                    "SELECT DISTINCT t.name FROM tags t \
                     JOIN package_tags pt ON pt.tag_id = t.id \
                     JOIN packages p ON p.id = pt.package_id \
                     WHERE t.vocabulary_id = $1 AND p.state = 'active' ORDER BY t.name",
                )
                .bind(self.backend.text(rows::vocabulary(vocabulary_id))),
            )
            .await?;
        rows::all(self.backend, &rows, rows::name)
    }

    // ---- activity

    async fn package_ids_in_group(&mut self, group_id: &str) -> StoreResult<Vec<String>> {
        let rows = self
            .all(
                sqlx::query(
                    "SELECT id AS name FROM packages WHERE owner_org = $1 \
                     UNION SELECT table_id AS name FROM members \
                     WHERE group_id = $1 AND table_name = 'package' ORDER BY name",
                )
                .bind(self.backend.text(group_id)),
            )
            .await?;
        rows::all(self.backend, &rows, rows::name)
    }

    async fn package_bundles_after(
        &mut self,
        after: Option<&str>,
        limit: i64,
    ) -> StoreResult<Vec<DatasetBundle>> {
        if limit <= 0 {
            return Ok(Vec::new());
        }
        let rows = match after {
            Some(after) => {
                let sql = format!(
                    "SELECT {PACKAGE_COLUMNS} FROM packages p WHERE p.id > $1 \
                     ORDER BY p.id LIMIT $2"
                );
                self.all(sqlx::query(&sql).bind(self.backend.text(after)).bind(limit))
                    .await?
            }
            None => {
                let sql =
                    format!("SELECT {PACKAGE_COLUMNS} FROM packages p ORDER BY p.id LIMIT $1");
                self.all(sqlx::query(&sql).bind(limit)).await?
            }
        };
        let datasets = rows::all(self.backend, &rows, rows::package)?;
        self.bundle(datasets).await
    }

    async fn package_bundles(&mut self, ids: &[String]) -> StoreResult<Vec<DatasetBundle>> {
        let mut ids: Vec<&String> = ids.iter().collect();
        ids.sort();
        ids.dedup();
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(IDS_PER_QUERY) {
            let bound: Vec<String> = chunk.iter().map(|id| self.backend.text(id)).collect();
            let sql = format!(
                "SELECT {PACKAGE_COLUMNS} FROM packages p WHERE p.id IN ({}) ORDER BY p.id",
                placeholders(1, chunk.len())
            );
            let rows = self.all(bind_all(&sql, &bound)).await?;
            let datasets = rows::all(self.backend, &rows, rows::package)?;
            out.extend(self.bundle(datasets).await?);
        }
        Ok(out)
    }

    async fn groups_of_package(&mut self, package_id: &str) -> StoreResult<Vec<Group>> {
        let columns = GROUP_COLUMNS
            .split(',')
            .map(|c| format!("g.{}", c.trim()))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "SELECT {columns} FROM groups g WHERE g.id IN ({MEMBER_OF}) \
             AND g.is_organization = 0 AND g.state = 'active' ORDER BY g.name"
        );
        let id = self.backend.text(package_id);
        let group_rows = self.all(sqlx::query(&sql).bind(id.clone())).await?;
        let mut groups = rows::all(self.backend, &group_rows, rows::group)?;
        if groups.is_empty() {
            return Ok(groups);
        }
        let sql = format!(
            "SELECT e.id, e.group_id, e.key, e.value, e.state FROM group_extras e \
             JOIN groups g ON g.id = e.group_id \
             WHERE e.group_id IN ({MEMBER_OF}) AND e.state = 'active' \
             AND g.is_organization = 0 AND g.state = 'active' ORDER BY e.group_id, e.key"
        );
        let extra_rows = self.all(sqlx::query(&sql).bind(id)).await?;
        attach_extras(
            &mut groups,
            rows::all(self.backend, &extra_rows, rows::extra)?,
        );
        Ok(groups)
    }

    async fn collaborator_upsert(&mut self, c: &Collaborator) -> StoreResult<()> {
        self.do_collaborator_upsert(c).await
    }

    async fn collaborator_get(
        &mut self,
        package_id: &str,
        user_id: &str,
    ) -> StoreResult<Option<Collaborator>> {
        self.do_collaborator_get(package_id, user_id).await
    }

    async fn collaborator_delete(&mut self, package_id: &str, user_id: &str) -> StoreResult<bool> {
        self.do_collaborator_delete(package_id, user_id).await
    }

    async fn collaborators_of_package(
        &mut self,
        package_id: &str,
    ) -> StoreResult<Vec<Collaborator>> {
        self.collaborators_where("package_id", package_id, "user_id")
            .await
    }

    async fn collaborations_of_user(&mut self, user_id: &str) -> StoreResult<Vec<Collaborator>> {
        self.collaborators_where("user_id", user_id, "package_id")
            .await
    }

    async fn grant_upsert(&mut self, grant: &AccessGrant) -> StoreResult<()> {
        self.do_grant_upsert(grant).await
    }

    async fn grant_delete(
        &mut self,
        package_id: &str,
        grantee_type: Grantee,
        grantee_id: &str,
    ) -> StoreResult<bool> {
        self.do_grant_delete(package_id, grantee_type, grantee_id)
            .await
    }

    async fn grants_of_package(&mut self, package_id: &str) -> StoreResult<Vec<AccessGrant>> {
        self.do_grants_of_package(package_id).await
    }

    async fn granted_package_ids(
        &mut self,
        user_id: &str,
        org_ids: &[String],
        now: NaiveDateTime,
    ) -> StoreResult<Vec<String>> {
        self.do_granted_package_ids(user_id, org_ids, now).await
    }

    async fn user_in_active_organization(&mut self, user_id: &str) -> StoreResult<bool> {
        self.do_user_in_active_organization(user_id).await
    }

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
        let distinct: std::collections::BTreeSet<&String> =
            activity.permission_labels.iter().collect();
        for label in distinct {
            self.exec(
                sqlx::query("INSERT INTO activity_labels (activity_id, label) VALUES ($1, $2)")
                    .bind(self.backend.text(&activity.id))
                    .bind(self.backend.text(label)),
            )
            .await?;
        }
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

    // ---- uploaded files and tombstones

    async fn resource_file_get(&mut self, resource_id: &str) -> StoreResult<Option<ResourceFile>> {
        self.do_resource_file_get(resource_id).await
    }

    async fn resource_file_put(&mut self, f: &ResourceFile) -> StoreResult<Option<ResourceFile>> {
        self.do_resource_file_put(f).await
    }

    async fn resource_file_delete(
        &mut self,
        resource_id: &str,
    ) -> StoreResult<Option<ResourceFile>> {
        self.do_resource_file_delete(resource_id).await
    }

    async fn resource_files_of_package(
        &mut self,
        package_id: &str,
    ) -> StoreResult<Vec<ResourceFile>> {
        self.do_resource_files_of_package(package_id).await
    }

    async fn personal_data_unresolved(
        &mut self,
        package_id: &str,
    ) -> StoreResult<Vec<ResourceFile>> {
        self.do_personal_data_unresolved(package_id).await
    }

    async fn personal_data_override_insert(&mut self, o: &PersonalDataOverride) -> StoreResult<()> {
        self.do_personal_data_override_insert(o).await
    }

    async fn personal_data_overrides(
        &mut self,
        package_id: &str,
    ) -> StoreResult<Vec<PersonalDataOverride>> {
        self.do_personal_data_overrides(package_id).await
    }

    async fn tombstones_of(&mut self, ids: &[String]) -> StoreResult<Vec<Tombstone>> {
        self.do_tombstones_of(ids).await
    }

    async fn tombstones_orphaned(&mut self) -> StoreResult<Vec<Tombstone>> {
        self.do_tombstones_orphaned().await
    }

    async fn tombstones_since(
        &mut self,
        since: Option<&NaiveDateTime>,
        oldest_first: bool,
        limit: i64,
    ) -> StoreResult<Vec<Tombstone>> {
        self.do_tombstones_since(since, oldest_first, limit).await
    }

    // ---- former names

    async fn alias_put(&mut self, alias: &NameAlias) -> StoreResult<()> {
        self.do_alias_put(alias).await
    }

    async fn alias_get(&mut self, kind: &str, name: &str) -> StoreResult<Option<NameAlias>> {
        self.do_alias_get(kind, name).await
    }

    async fn aliases_of(&mut self, kind: &str, target_id: &str) -> StoreResult<Vec<NameAlias>> {
        self.do_aliases_of(kind, target_id).await
    }

    async fn alias_delete(&mut self, kind: &str, name: &str) -> StoreResult<bool> {
        self.do_alias_delete(kind, name).await
    }

    async fn aliases_retarget(
        &mut self,
        kind: &str,
        from_id: &str,
        to_id: &str,
    ) -> StoreResult<u64> {
        self.do_aliases_retarget(kind, from_id, to_id).await
    }

    async fn grants_to(
        &mut self,
        grantee_type: Grantee,
        grantee_id: &str,
    ) -> StoreResult<Vec<AccessGrant>> {
        self.do_grants_to(grantee_type, grantee_id).await
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
            // Delivered at commit, and once however often a transaction sends it (Postgres
            // folds identical notifications of one transaction).
            self.exec(sqlx::query(&format!("NOTIFY {CHANGES_CHANNEL}")))
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

    async fn change_max_seq(&mut self) -> StoreResult<i64> {
        match self
            .optional(sqlx::query(
                "SELECT COALESCE(MAX(seq), 0) AS seq FROM change_log",
            ))
            .await?
        {
            Some(row) => rows::int(&row, "seq"),
            None => Ok(0),
        }
    }

    // ---- tags, formats and autocomplete

    async fn tags_public(&mut self, vocabulary_id: Option<&str>) -> StoreResult<Vec<Tag>> {
        let rows = self
            .all(
                sqlx::query(
                    "SELECT DISTINCT t.id AS package_id, t.id, t.name, t.vocabulary_id \
                     FROM tags t \
                     JOIN package_tags pt ON pt.tag_id = t.id \
                     JOIN packages p ON p.id = pt.package_id \
                     WHERE t.vocabulary_id = $1 AND p.state = 'active' \
                     AND p.sharing_level = 'open' ORDER BY t.name, t.id",
                )
                .bind(self.backend.text(rows::vocabulary(vocabulary_id))),
            )
            .await?;
        Ok(rows::all(self.backend, &rows, rows::package_tag)?
            .into_iter()
            .map(|(_, tag)| tag)
            .collect())
    }

    async fn tag_datasets_public(&mut self, tag_id: &str, limit: i64) -> StoreResult<Vec<Dataset>> {
        if limit <= 0 {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT {PACKAGE_COLUMNS} FROM packages p \
             WHERE p.state = 'active' AND p.sharing_level = 'open' \
             AND EXISTS (SELECT 1 FROM package_tags pt WHERE pt.package_id = p.id \
             AND pt.tag_id = $1) ORDER BY p.name LIMIT $2"
        );
        let rows = self
            .all(
                sqlx::query(&sql)
                    .bind(self.backend.text(tag_id))
                    .bind(limit),
            )
            .await?;
        let mut datasets = rows::all(self.backend, &rows, rows::package)?;
        for chunk in datasets.chunks_mut(IDS_PER_QUERY) {
            self.load_children(chunk).await?;
        }
        Ok(datasets)
    }

    async fn package_names_titles(
        &mut self,
        filter: &DatasetFilter,
    ) -> StoreResult<Vec<(String, Option<String>)>> {
        let Some((condition, params)) = dataset_condition(self.backend, filter) else {
            return Ok(Vec::new());
        };
        let sql =
            format!("SELECT p.name, p.title FROM packages p WHERE {condition} ORDER BY p.name");
        let rows = self.all(bind_all(&sql, &params)).await?;
        let backend = self.backend;
        rows.iter()
            .map(|row| {
                let name = row
                    .try_get::<String, _>("name")
                    .map_err(|e| StoreError::Corrupt(format!("column name: {e}")))?;
                let title = row
                    .try_get::<Option<String>, _>("title")
                    .map_err(|e| StoreError::Corrupt(format!("column title: {e}")))?;
                Ok((backend.untext(name), title.map(|t| backend.untext(t))))
            })
            .collect()
    }

    async fn resource_formats_public(&mut self) -> StoreResult<Vec<(String, i64)>> {
        let rows = self
            .all(sqlx::query(
                "SELECT r.format, count(*) AS n FROM resources r \
                 JOIN packages p ON p.id = r.package_id \
                 WHERE r.state = 'active' AND r.format <> '' \
                 AND p.state = 'active' AND p.sharing_level = 'open' \
                 GROUP BY r.format ORDER BY r.format",
            ))
            .await?;
        let backend = self.backend;
        rows.iter()
            .map(|row| {
                let format = row
                    .try_get::<String, _>("format")
                    .map_err(|e| StoreError::Corrupt(format!("column format: {e}")))?;
                Ok((backend.untext(format), rows::int(row, "n")?))
            })
            .collect()
    }

    // ---- activity lists

    async fn activity_get(&mut self, id: &str) -> StoreResult<Option<Activity>> {
        let sql = format!("SELECT {ACTIVITY_COLUMNS} FROM activity WHERE id = $1");
        self.optional(sqlx::query(&sql).bind(self.backend.text(id)))
            .await?
            .map(|row| rows::one(self.backend, &row, rows::activity))
            .transpose()
    }

    async fn harvest_source_upsert(
        &mut self,
        source: &HarvestSource,
    ) -> StoreResult<HarvestSource> {
        self.do_harvest_source_upsert(source).await
    }

    async fn harvest_source_get(&mut self, id_or_name: &str) -> StoreResult<Option<HarvestSource>> {
        self.do_harvest_source_get(id_or_name).await
    }

    async fn harvest_source_list(&mut self) -> StoreResult<Vec<HarvestSource>> {
        self.do_harvest_source_list().await
    }

    async fn harvest_job_insert(&mut self, job: &HarvestJob) -> StoreResult<()> {
        self.do_harvest_job_insert(job).await
    }

    async fn harvest_job_update(&mut self, job: &HarvestJob) -> StoreResult<()> {
        self.do_harvest_job_update(job).await
    }

    async fn harvest_job_list(
        &mut self,
        source_id: Option<&str>,
        status: Option<&str>,
        limit: Option<i64>,
    ) -> StoreResult<Vec<HarvestJob>> {
        self.do_harvest_job_list(source_id, status, limit).await
    }

    async fn harvest_job_count(&mut self, source_id: &str) -> StoreResult<i64> {
        self.do_harvest_job_count(source_id).await
    }

    async fn harvested_datasets(&mut self, source_id: &str) -> StoreResult<Vec<HarvestedDataset>> {
        self.do_harvested_datasets(source_id).await
    }

    async fn datarequest_insert(&mut self, r: &DataRequest) -> StoreResult<()> {
        self.do_datarequest_insert(r).await
    }
    async fn datarequest_update(&mut self, r: &DataRequest) -> StoreResult<()> {
        self.do_datarequest_update(r).await
    }
    async fn datarequest_get(&mut self, id: &str) -> StoreResult<Option<DataRequest>> {
        self.do_datarequest_get(id).await
    }
    async fn datarequest_delete(&mut self, id: &str) -> StoreResult<bool> {
        self.do_datarequest_delete(id).await
    }
    async fn datarequest_title_taken(&mut self, title: &str, except_id: &str) -> StoreResult<bool> {
        self.do_datarequest_title_taken(title, except_id).await
    }
    async fn datarequest_list(
        &mut self,
        filter: &DataRequestFilter,
    ) -> StoreResult<Vec<DataRequest>> {
        self.do_datarequest_list(filter).await
    }
    async fn datarequest_comment_insert(&mut self, c: &DataRequestComment) -> StoreResult<()> {
        self.do_datarequest_comment_insert(c).await
    }
    async fn datarequest_comment_update(&mut self, c: &DataRequestComment) -> StoreResult<()> {
        self.do_datarequest_comment_update(c).await
    }
    async fn datarequest_comment_get(
        &mut self,
        id: &str,
    ) -> StoreResult<Option<DataRequestComment>> {
        self.do_datarequest_comment_get(id).await
    }
    async fn datarequest_comment_delete(&mut self, id: &str) -> StoreResult<bool> {
        self.do_datarequest_comment_delete(id).await
    }
    async fn datarequest_comments(
        &mut self,
        datarequest_id: &str,
        desc: bool,
    ) -> StoreResult<Vec<DataRequestComment>> {
        self.do_datarequest_comments(datarequest_id, desc).await
    }
    async fn datarequest_comment_count(&mut self, datarequest_id: &str) -> StoreResult<i64> {
        self.do_datarequest_count("datarequests_comments", datarequest_id)
            .await
    }
    async fn datarequest_follow(
        &mut self,
        datarequest_id: &str,
        user_id: &str,
        at: &NaiveDateTime,
    ) -> StoreResult<bool> {
        self.do_datarequest_follow(datarequest_id, user_id, at)
            .await
    }
    async fn datarequest_unfollow(
        &mut self,
        datarequest_id: &str,
        user_id: &str,
    ) -> StoreResult<bool> {
        self.do_datarequest_unfollow(datarequest_id, user_id).await
    }
    async fn datarequest_follower_count(&mut self, datarequest_id: &str) -> StoreResult<i64> {
        self.do_datarequest_count("datarequests_followers", datarequest_id)
            .await
    }

    async fn link_check_put(&mut self, check: &kho_core::model::LinkCheck) -> StoreResult<()> {
        self.do_link_check_put(check).await
    }

    async fn link_checks_of(
        &mut self,
        dataset_ids: &[String],
    ) -> StoreResult<Vec<kho_core::model::LinkCheck>> {
        self.do_link_checks_of(dataset_ids).await
    }

    async fn link_targets(
        &mut self,
        dataset_id: Option<&str>,
        checked_before: &NaiveDateTime,
        limit: i64,
    ) -> StoreResult<Vec<kho_core::model::LinkTarget>> {
        self.do_link_targets(dataset_id, checked_before, limit)
            .await
    }

    async fn issue_insert(&mut self, issue: &Issue) -> StoreResult<Issue> {
        self.do_issue_insert(issue).await
    }

    async fn issue_get(&mut self, dataset_id: &str, number: i64) -> StoreResult<Option<Issue>> {
        self.do_issue_get(dataset_id, number).await
    }

    async fn issue_update(&mut self, issue: &Issue) -> StoreResult<()> {
        self.do_issue_update(issue).await
    }

    async fn issue_delete(&mut self, id: &str) -> StoreResult<()> {
        self.do_issue_delete(id).await
    }

    async fn issue_search(&mut self, query: &IssueQuery) -> StoreResult<(i64, Vec<Issue>)> {
        self.do_issue_search(query).await
    }

    async fn issue_reports_since(
        &mut self,
        email: &str,
        client_address: Option<&str>,
        since: NaiveDateTime,
    ) -> StoreResult<(i64, i64)> {
        self.do_issue_reports_since(email, client_address, since)
            .await
    }

    async fn issue_comment_insert(&mut self, comment: &IssueComment) -> StoreResult<()> {
        self.do_issue_comment_insert(comment).await
    }

    async fn issue_comments(&mut self, issue_id: &str) -> StoreResult<Vec<IssueComment>> {
        self.do_issue_comments(issue_id).await
    }

    async fn data_updated_set(
        &mut self,
        package_id: &str,
        at: NaiveDateTime,
        by: Option<&str>,
        recorded_at: NaiveDateTime,
    ) -> StoreResult<()> {
        self.do_data_updated_set(package_id, at, by, recorded_at)
            .await
    }

    async fn data_updated_of(
        &mut self,
        ids: &[String],
    ) -> StoreResult<HashMap<String, NaiveDateTime>> {
        self.do_data_updated_of(ids).await
    }

    async fn sharing_log_append(&mut self, entries: &[SharingEntry]) -> StoreResult<()> {
        self.do_sharing_log_append(entries).await
    }

    async fn sharing_log_query(
        &mut self,
        query: &SharingLogQuery,
    ) -> StoreResult<(i64, Vec<SharingEntry>)> {
        self.do_sharing_log_query(query).await
    }

    async fn sharing_log_purge(&mut self, before: NaiveDateTime) -> StoreResult<u64> {
        self.do_sharing_log_purge(before).await
    }

    async fn suspension_get(
        &mut self,
        kind: &str,
        target_id: &str,
    ) -> StoreResult<Option<Suspension>> {
        self.do_suspension_get(kind, target_id).await
    }

    async fn suspension_put(&mut self, s: &Suspension) -> StoreResult<()> {
        self.do_suspension_put(s).await
    }

    async fn suspension_delete(&mut self, kind: &str, target_id: &str) -> StoreResult<bool> {
        self.do_suspension_delete(kind, target_id).await
    }

    async fn activity_query(&mut self, query: &ActivityQuery) -> StoreResult<Vec<Activity>> {
        let (condition, params) = activity_condition(self.backend, query);
        let order = if query.oldest_first { "ASC" } else { "DESC" };
        let sql = format!(
            "SELECT {ACTIVITY_COLUMNS} FROM activity a WHERE {condition} \
             ORDER BY a.timestamp {order}, a.id {order} LIMIT ${} OFFSET ${}",
            params.len() + 1,
            params.len() + 2
        );
        let mut q = sqlx::query(&sql);
        for p in params {
            q = q.bind(p);
        }
        let rows = self
            .all(q.bind(query.limit.max(0)).bind(query.offset.max(0)))
            .await?;
        rows::all(self.backend, &rows, rows::activity)
    }
}

/// The `WHERE` condition of `query` over `activity a` and its text parameters, numbered
/// from `$1`.
fn activity_condition(backend: Backend, query: &ActivityQuery) -> (String, Vec<String>) {
    let mut params: Vec<String> = Vec::new();
    let next = |value: &str, params: &mut Vec<String>| {
        params.push(backend.text(value));
        format!("${}", params.len())
    };
    let mut parts: Vec<String> = Vec::new();
    match &query.scope {
        ActivityScope::All => {}
        ActivityScope::Object(id) => parts.push(format!("a.object_id = {}", next(id, &mut params))),
        ActivityScope::User(id) => {
            let n = next(id, &mut params);
            parts.push(format!("(a.user_id = {n} OR a.object_id = {n})"));
        }
        ActivityScope::Organization(id) => {
            let n = next(id, &mut params);
            parts.push(format!(
                "(a.object_id = {n} OR a.object_id IN \
                 (SELECT p.id FROM packages p WHERE p.owner_org = {n}))"
            ));
        }
        ActivityScope::Group(id) => {
            let n = next(id, &mut params);
            parts.push(format!(
                "(a.object_id = {n} OR a.object_id IN \
                 (SELECT m.table_id FROM members m WHERE m.group_id = {n} \
                 AND m.table_name = 'package' AND m.state = 'active'))"
            ));
        }
    }
    let list = |values: &[String], params: &mut Vec<String>| {
        let first = params.len() + 1;
        params.extend(values.iter().map(|v| backend.text(v)));
        placeholders(first, values.len())
    };
    if !query.types.is_empty() {
        parts.push(format!(
            "a.activity_type IN ({})",
            list(&query.types, &mut params)
        ));
    }
    if !query.exclude_types.is_empty() {
        parts.push(format!(
            "a.activity_type NOT IN ({})",
            list(&query.exclude_types, &mut params)
        ));
    }
    if let Some(after) = &query.after {
        parts.push(format!("a.timestamp > {}", next(&ts(after), &mut params)));
    }
    if let Some(before) = &query.before {
        parts.push(format!("a.timestamp < {}", next(&ts(before), &mut params)));
    }
    if let Some(labels) = &query.labels {
        let mut cond = String::from(
            "(NOT EXISTS (SELECT 1 FROM activity_labels l WHERE l.activity_id = a.id)",
        );
        if !labels.is_empty() {
            cond.push_str(&format!(
                " OR EXISTS (SELECT 1 FROM activity_labels l WHERE l.activity_id = a.id \
                 AND l.label IN ({}))",
                list(labels, &mut params)
            ));
        }
        cond.push(')');
        parts.push(cond);
        // And the dataset an activity is about must be readable now: a dataset that was
        // open or granted when the activity was written may have been restricted,
        // withdrawn or deleted since. (Activities of purged datasets keep their labels.)
        let mut now =
            String::from("(NOT EXISTS (SELECT 1 FROM packages p WHERE p.id = a.object_id)");
        if !labels.is_empty() {
            now.push_str(&format!(
                " OR EXISTS (SELECT 1 FROM package_labels pl WHERE pl.package_id = a.object_id \
                 AND pl.label IN ({}))",
                list(labels, &mut params)
            ));
        }
        now.push(')');
        parts.push(now);
    }
    if parts.is_empty() {
        parts.push("1 = 1".to_owned());
    }
    (parts.join(" AND "), params)
}

/// The groups (and organizations) dataset `$1` is an active member of.
const MEMBER_OF: &str = "SELECT m.group_id FROM members m \
     WHERE m.table_id = $1 AND m.table_name = 'package' AND m.state = 'active'";

/// Give each group its extras (read for all of them in one query).
fn attach_extras(groups: &mut [Group], rows: Vec<GroupExtra>) {
    let mut extras: HashMap<String, Vec<GroupExtra>> = HashMap::new();
    for extra in rows {
        extras
            .entry(extra.group_id.clone())
            .or_default()
            .push(extra);
    }
    for group in groups {
        group.extras = extras.remove(&group.id).unwrap_or_default();
    }
}
