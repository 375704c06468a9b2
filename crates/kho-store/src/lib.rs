//! kho-store: the source of truth.
//!
//! One [`Store`] trait with one SQL implementation that runs on SQLite (the embedded
//! default) and Postgres (production). Writes happen inside a [`Tx`]: the entity rows,
//! the activity row and the change-log row commit together or not at all.

mod error;
mod sharing;
mod sql;

use async_trait::async_trait;
use chrono::NaiveDateTime;
use kho_core::model::{
    AccessGrant, Activity, ApiToken, Change, Collaborator, DataRequest, DataRequestComment,
    Dataset, Grantee, Group, HarvestJob, HarvestSource, HarvestedDataset, Issue, IssueComment,
    Member, NameAlias, PersonalDataOverride, Resource, ResourceFile, Tag, Tombstone, User,
};

pub use error::StoreError;
pub use sharing::{SharingEntry, SharingLogQuery, Suspension};
pub use sql::{Backend, SqlStore};

pub type StoreResult<T> = Result<T, StoreError>;

/// Which datasets [`Tx::package_count`], [`Tx::package_page`], [`Tx::package_names`] and
/// [`Tx::package_names_titles`] select: those matching every condition given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DatasetFilter {
    /// Only datasets owned by this organization.
    pub owner_org: Option<String>,
    /// Only datasets that are active members of this group (`members` rows with
    /// `table_name = 'package'`).
    pub group_id: Option<String>,
    /// Only datasets whose state is one of these (none at all if empty).
    pub states: Vec<String>,
    /// `None`: whatever their visibility (a sysadmin); `Some(labels)`: only the datasets
    /// with at least one of these permission labels (the caller's labels, from
    /// `kho_core::visibility::caller_labels`).
    pub readable_by: Option<Vec<String>>,
    /// Only datasets whose `sharing_level` is `open` (CKAN's `private = false`), whatever
    /// their state.
    pub open_only: bool,
}

/// A dataset with the organization and groups its `package_show` dict shows: what
/// [`Tx::package_bundles_after`] loads for a page of datasets at once.
#[derive(Debug, Clone, PartialEq)]
pub struct DatasetBundle {
    /// Loaded as by [`Tx::package_get`].
    pub dataset: Dataset,
    /// The owner organization (the group whose id is `owner_org`), whatever its state, with
    /// its active extras sorted by key (as [`Tx::group_get`] loads it); `None` without
    /// an owner or if that group is gone.
    pub organization: Option<Group>,
    /// The dataset's groups, as [`Tx::groups_of_package`] returns them.
    pub groups: Vec<Group>,
    /// When its data was last updated, as declared by `dataset_data_updated`
    /// ([`Tx::data_updated_of`]).
    pub data_updated: Option<NaiveDateTime>,
}

/// The store. Cheap to share (`Arc<dyn Store>`).
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Which backend this is (`sqlite` or `postgres`), for status and logs.
    fn backend(&self) -> Backend;
    /// Apply pending migrations.
    async fn migrate(&self) -> StoreResult<()>;
    /// Is the database reachable? (`/readyz`)
    async fn ping(&self) -> StoreResult<()>;
    /// Start a read-write transaction. Dropping it without `commit` rolls back.
    ///
    /// On SQLite there is one writer at a time: `begin` waits (up to 30 s) while another
    /// write transaction is open. Never hold two transactions in one task at once (on an
    /// in-memory SQLite, `begin` and `read` share a single connection, so that waits too).
    async fn begin(&self) -> StoreResult<Box<dyn Tx>>;
    /// Start a read-only unit of work: one consistent snapshot that may run concurrently
    /// with writes. Writes through it fail (except on an in-memory SQLite: don't).
    async fn read(&self) -> StoreResult<Box<dyn Tx>>;
    /// Wait until a change may have been committed by any process using this database, or
    /// at most `timeout`; true when woken before the timeout.
    ///
    /// On Postgres a background task (started by the first call) listens on the change
    /// log's notification channel ([`CHANGES_CHANNEL`]), which every transaction that
    /// appends a change notifies at commit. A lost listening connection never fails this
    /// call: the task reconnects (with a growing delay, logged), wakes the waiter once it is
    /// back (notifications sent meanwhile are lost), and until then the call simply waits
    /// out `timeout`, so that a caller syncing after each call falls back to polling.
    /// Other backends (SQLite) only wait out `timeout`. Meant for one follower per store:
    /// concurrent callers share the wake-ups.
    async fn wait_for_change(&self, timeout: std::time::Duration) -> bool {
        tokio::time::sleep(timeout).await;
        false
    }
}

/// The Postgres notification channel of the change log (`LISTEN kho_changes`).
pub const CHANGES_CHANNEL: &str = "kho_changes";

/// One transaction. Every read and write of an action goes through one of these.
///
/// After any database error (including [`StoreError::Conflict`]) the transaction is
/// aborted, on both backends: every further call, `commit` included, returns
/// [`StoreError::Aborted`]; drop it. Updates and deletes of rows that do not exist are
/// no-ops. Timestamps round-trip with microsecond precision; strings round-trip exactly,
/// U+0000 included (which Postgres TEXT cannot hold: see `sql/rows.rs`), and sort bytewise.
#[async_trait]
pub trait Tx: Send {
    async fn commit(self: Box<Self>) -> StoreResult<()>;

    // ---- users
    /// By id, else by name (CKAN's `User.get`), any state.
    async fn user_get(&mut self, id_or_name: &str) -> StoreResult<Option<User>>;
    /// Users with this e-mail (case-insensitive; ASCII-only folding on SQLite), any state,
    /// ordered by name.
    async fn users_by_email(&mut self, email: &str) -> StoreResult<Vec<User>>;
    /// Every user that is not deleted, ordered by name.
    async fn user_list(&mut self) -> StoreResult<Vec<User>>;
    /// Number of users that are not deleted (the length of `user_list`).
    async fn user_count(&mut self) -> StoreResult<i64>;
    async fn user_insert(&mut self, user: &User) -> StoreResult<()>;
    /// Replace every column of the user with this id.
    async fn user_update(&mut self, user: &User) -> StoreResult<()>;
    async fn user_touch(&mut self, id: &str, at: NaiveDateTime) -> StoreResult<()>;

    // ---- API tokens
    async fn token_insert(&mut self, token: &ApiToken) -> StoreResult<()>;
    async fn token_get(&mut self, id: &str) -> StoreResult<Option<ApiToken>>;
    async fn token_by_hash(&mut self, token_hash: &str) -> StoreResult<Option<ApiToken>>;
    /// Tokens of a user, oldest first (by `created_at`, then id).
    async fn token_list(&mut self, user_id: &str) -> StoreResult<Vec<ApiToken>>;
    /// Set `state` (`active`, `revoked`, `suspended`) and the reason.
    async fn token_set_state(
        &mut self,
        id: &str,
        state: &str,
        reason: Option<&str>,
    ) -> StoreResult<()>;
    async fn token_touch(&mut self, id: &str, at: NaiveDateTime) -> StoreResult<()>;

    // ---- organizations and groups
    /// By id, else by name, else by former name ([`Tx::alias_put`]), any state, with its
    /// active extras sorted by key.
    async fn group_get(&mut self, id_or_name: &str) -> StoreResult<Option<Group>>;
    /// Every group (`is_organization` false) or organization, any state, ordered by name,
    /// each with its active extras sorted by key.
    async fn group_list(&mut self, is_organization: bool) -> StoreResult<Vec<Group>>;
    /// Insert the group and its extras.
    async fn group_insert(&mut self, group: &Group) -> StoreResult<()>;
    /// Replace the group's columns and its extras with exactly `group.extras`.
    async fn group_update(&mut self, group: &Group) -> StoreResult<()>;
    /// Remove the group, its extras and every membership row in or of it.
    async fn group_purge(&mut self, id: &str) -> StoreResult<()>;

    // ---- memberships
    /// Active members of a group, optionally of one table (`user`, `package`, `group`),
    /// ordered by (`table_name`, `table_id`).
    async fn member_list(
        &mut self,
        group_id: &str,
        table_name: Option<&str>,
    ) -> StoreResult<Vec<Member>>;
    /// Active memberships of an object (e.g. the orgs of a user), ordered by `group_id`.
    async fn member_of(&mut self, table_id: &str, table_name: &str) -> StoreResult<Vec<Member>>;
    /// The membership row, any state.
    async fn member_get(
        &mut self,
        group_id: &str,
        table_id: &str,
        table_name: &str,
    ) -> StoreResult<Option<Member>>;
    /// Insert or replace the row for (group_id, table_id, table_name): an existing row
    /// keeps its id and takes `capacity` and `state`.
    async fn member_upsert(&mut self, member: &Member) -> StoreResult<()>;
    /// Delete the row (not a state change).
    async fn member_delete(
        &mut self,
        group_id: &str,
        table_id: &str,
        table_name: &str,
    ) -> StoreResult<()>;
    /// Remove every membership of an object (used when a user is deleted).
    async fn member_delete_all_of(&mut self, table_id: &str, table_name: &str) -> StoreResult<()>;

    // ---- datasets (CKAN packages)
    /// By id, else by name, else by former name ([`Tx::alias_put`]), any state, with its
    /// extras (in the order given), tags (sorted by
    /// name, then vocabulary) and active resources (sorted by position). Four queries,
    /// however many resources, tags and extras the dataset has.
    async fn package_get(&mut self, id_or_name: &str) -> StoreResult<Option<Dataset>>;
    /// Insert the dataset, its extras, tag links and resources. Tags are looked up by
    /// (`name`, `vocabulary_id`) and created (with the given `id`) only if missing, so the
    /// stored tag id may differ from `tags[i].id`. A name or id already taken (deleted
    /// datasets included) is [`StoreError::Conflict`].
    async fn package_insert(&mut self, dataset: &Dataset) -> StoreResult<()>;
    /// Replace the dataset's columns, and its extras, tag links and resources with exactly
    /// those of `dataset`. Resources are matched by id and take their position and columns
    /// from `dataset`; stored resources not in `dataset` are kept with `state = 'deleted'`.
    /// A resource id that belongs to another dataset is [`StoreError::Conflict`].
    async fn package_update(&mut self, dataset: &Dataset) -> StoreResult<()>;
    /// [`Tx::package_update`] from `old`, the dataset as read in this transaction: the
    /// same result, writing only what differs (the row, the extras, the tag links, and
    /// only the resources that are new, changed or gone). Appending one resource to a
    /// dataset of 1,000 writes one resource, not 1,000. When the stored row no longer has
    /// `old`'s `metadata_modified` (a concurrent writer committed first), it falls back to
    /// `package_update`: the result is always exactly `dataset`.
    async fn package_update_from(&mut self, old: &Dataset, dataset: &Dataset) -> StoreResult<()> {
        let _ = old;
        self.package_update(dataset).await
    }
    /// [`Tx::package_update_from`] for the change `resource_create` makes: `old` (the
    /// dataset as read in this transaction) with `resource` appended and
    /// `metadata_modified` set. The other resources are neither compared nor copied, which
    /// is most of the work of an append to a dataset of 1,000 resources.
    async fn package_append_resource(
        &mut self,
        old: &Dataset,
        resource: &Resource,
        metadata_modified: NaiveDateTime,
    ) -> StoreResult<()> {
        let mut dataset = old.clone();
        dataset.resources.push(resource.clone());
        dataset.metadata_modified = metadata_modified;
        self.package_update_from(old, &dataset).await
    }
    /// Set the dataset's name (e.g. to its id, to free the name of a deleted dataset).
    async fn package_rename(&mut self, id: &str, new_name: &str) -> StoreResult<()>;
    /// Remove the dataset, its extras, tag links, resources (deleted ones too) and every
    /// membership row of it (`table_name = 'package'`). Tags stay.
    async fn package_purge(&mut self, id: &str) -> StoreResult<()>;
    /// Names of the datasets that match `filter`, sorted by name, skipping `offset` and
    /// returning at most `limit` (all if `None`): `package_list` (CKAN's own is the active
    /// open datasets).
    async fn package_names(
        &mut self,
        filter: &DatasetFilter,
        limit: Option<i64>,
        offset: i64,
    ) -> StoreResult<Vec<String>>;
    /// Number of datasets that match `filter` (one query).
    async fn package_count(&mut self, filter: &DatasetFilter) -> StoreResult<i64>;
    /// Datasets that match `filter` (loaded as by `package_get`), newest
    /// `metadata_modified` first, then by name, skipping `offset` and returning at most
    /// `limit`. One query for the rows, then three per 1,000 rows for their children.
    async fn package_page(
        &mut self,
        filter: &DatasetFilter,
        limit: i64,
        offset: i64,
    ) -> StoreResult<Vec<Dataset>>;
    /// Number of datasets owned by an organization whose state is one of `states`
    /// (0 if `states` is empty).
    async fn package_count_of_org(&mut self, org_id: &str, states: &[&str]) -> StoreResult<i64>;
    /// The resource with this id, any state.
    async fn resource_get(&mut self, id: &str) -> StoreResult<Option<Resource>>;
    /// Names of the tags of one vocabulary (free tags if `None`) that are linked to at
    /// least one active dataset, sorted, without duplicates.
    async fn tags_in_use(&mut self, vocabulary_id: Option<&str>) -> StoreResult<Vec<String>>;

    /// What a dataset's dict shows besides itself, in one statement: its owner organization
    /// `owner_org` (any state, as [`Tx::group_get`] finds it by id) and its groups (as
    /// [`Tx::groups_of_package`]).
    async fn package_relations(
        &mut self,
        package_id: &str,
        owner_org: Option<&str>,
    ) -> StoreResult<(Option<Group>, Vec<Group>)>;
    /// The active groups (not organizations) a dataset is an active member of, ordered by
    /// name, each with its active extras sorted by key: two queries, however many groups.
    async fn groups_of_package(&mut self, package_id: &str) -> StoreResult<Vec<Group>>;
    /// Ids of every dataset (any state) owned by this organization or a member of this
    /// group (any membership state): the datasets whose shown organization or groups
    /// change with it. Sorted.
    async fn package_ids_in_group(&mut self, group_id: &str) -> StoreResult<Vec<String>>;
    /// Every dataset, any state, whose id sorts after `after` (from the first if `None`),
    /// in id order, at most `limit`, each with its organization and groups: the pages a
    /// rebuild of the search index reads (pass the last id of a page to get the next).
    /// Seven queries per 1,000 datasets, however many resources, tags, extras and groups
    /// they have (more only when their groups and organizations exceed 1,000).
    async fn package_bundles_after(
        &mut self,
        after: Option<&str>,
        limit: i64,
    ) -> StoreResult<Vec<DatasetBundle>>;
    /// The datasets with these ids (any state; ids of no dataset are left out), in id
    /// order, each with its organization and groups, as [`Tx::package_bundles_after`]
    /// loads them: seven queries per 1,000 ids.
    async fn package_bundles(&mut self, ids: &[String]) -> StoreResult<Vec<DatasetBundle>>;

    // ---- collaborators and access grants
    /// Insert the collaborator or replace the capacity and `modified` of an existing one.
    async fn collaborator_upsert(&mut self, c: &Collaborator) -> StoreResult<()>;
    /// The collaborator row of (dataset, user).
    async fn collaborator_get(
        &mut self,
        package_id: &str,
        user_id: &str,
    ) -> StoreResult<Option<Collaborator>>;
    /// Remove the collaborator; false if there was none.
    async fn collaborator_delete(&mut self, package_id: &str, user_id: &str) -> StoreResult<bool>;
    /// Collaborators of a dataset, oldest `modified` first, then by user id.
    async fn collaborators_of_package(
        &mut self,
        package_id: &str,
    ) -> StoreResult<Vec<Collaborator>>;
    /// Datasets a user collaborates on, oldest `modified` first, then by dataset id.
    async fn collaborations_of_user(&mut self, user_id: &str) -> StoreResult<Vec<Collaborator>>;
    /// Insert the grant, replacing any grant of the same dataset to the same grantee
    /// (which keeps its id).
    async fn grant_upsert(&mut self, grant: &AccessGrant) -> StoreResult<()>;
    /// Remove the grant of a dataset to a grantee; false if there was none.
    async fn grant_delete(
        &mut self,
        package_id: &str,
        grantee_type: Grantee,
        grantee_id: &str,
    ) -> StoreResult<bool>;
    /// Grants of a dataset (expired ones included), oldest first, then by id.
    async fn grants_of_package(&mut self, package_id: &str) -> StoreResult<Vec<AccessGrant>>;
    /// Ids of the datasets with a grant that is still live at `now` (and not suspended) to
    /// the user or to one of `org_ids`, sorted, without duplicates.
    async fn granted_package_ids(
        &mut self,
        user_id: &str,
        org_ids: &[String],
        now: NaiveDateTime,
    ) -> StoreResult<Vec<String>>;
    /// Does the user hold an active membership of an active organization?
    async fn user_in_active_organization(&mut self, user_id: &str) -> StoreResult<bool>;

    // ---- activity
    async fn activity_insert(&mut self, activity: &Activity) -> StoreResult<()>;
    /// Activities of one object, newest first (by timestamp, then id, descending), skipping
    /// `offset` and returning at most `limit`.
    async fn activity_list(
        &mut self,
        object_id: &str,
        offset: i64,
        limit: i64,
    ) -> StoreResult<Vec<Activity>>;

    // ---- uploaded files and tombstones
    /// Where the current file of a resource is stored.
    async fn resource_file_get(&mut self, resource_id: &str) -> StoreResult<Option<ResourceFile>>;
    /// Record the resource's current file, returning the row it replaces (whose bytes the
    /// caller removes after the commit).
    async fn resource_file_put(&mut self, f: &ResourceFile) -> StoreResult<Option<ResourceFile>>;
    /// Forget the resource's file, returning the row removed.
    async fn resource_file_delete(
        &mut self,
        resource_id: &str,
    ) -> StoreResult<Option<ResourceFile>>;
    /// The files of every resource (any state) of a dataset, by resource id.
    async fn resource_files_of_package(
        &mut self,
        package_id: &str,
    ) -> StoreResult<Vec<ResourceFile>>;
    /// The screened files of a dataset's active resources that hold personal data and
    /// that no override covers (an override covers files screened up to its time), in
    /// resource order: while there are any, the dataset may not be open.
    async fn personal_data_unresolved(
        &mut self,
        package_id: &str,
    ) -> StoreResult<Vec<ResourceFile>>;
    /// Record an override (append-only: there is no update or delete).
    async fn personal_data_override_insert(&mut self, o: &PersonalDataOverride) -> StoreResult<()>;
    /// A dataset's overrides, oldest first.
    async fn personal_data_overrides(
        &mut self,
        package_id: &str,
    ) -> StoreResult<Vec<PersonalDataOverride>>;
    /// Tombstones of these datasets, by id. The store writes a tombstone whenever a
    /// dataset's labels lose `public` (deleted, made non-open, purged) and removes it when
    /// they gain it again.
    async fn tombstones_of(&mut self, ids: &[String]) -> StoreResult<Vec<Tombstone>>;
    /// Tombstones of purged datasets (no dataset row left), by id.
    async fn tombstones_orphaned(&mut self) -> StoreResult<Vec<Tombstone>>;
    /// Tombstones left at or after `since` (all without it), newest first (oldest first
    /// with `oldest_first`), at most `limit`.
    async fn tombstones_since(
        &mut self,
        since: Option<&NaiveDateTime>,
        oldest_first: bool,
        limit: i64,
    ) -> StoreResult<Vec<Tombstone>>;

    // ---- former names (renames and merges)
    /// Record a former name (kind `kho_core::model::ALIAS_PACKAGE` or `ALIAS_GROUP`),
    /// replacing any alias of the same kind and name. [`Tx::package_get`] and
    /// [`Tx::group_get`] resolve it when no object has the name or id asked for, so a name
    /// with an alias stays taken until the target is purged (which drops its aliases).
    async fn alias_put(&mut self, alias: &NameAlias) -> StoreResult<()>;
    /// The alias of this kind and name.
    async fn alias_get(&mut self, kind: &str, name: &str) -> StoreResult<Option<NameAlias>>;
    /// The aliases pointing at an object, oldest first, then by name.
    async fn aliases_of(&mut self, kind: &str, target_id: &str) -> StoreResult<Vec<NameAlias>>;
    /// Remove an alias (its object took the name back); false if there was none.
    async fn alias_delete(&mut self, kind: &str, name: &str) -> StoreResult<bool>;
    /// Point every alias of `from_id` at `to_id` (a merge); the number moved.
    async fn aliases_retarget(
        &mut self,
        kind: &str,
        from_id: &str,
        to_id: &str,
    ) -> StoreResult<u64>;
    /// Grants to a grantee (expired ones included), oldest first, then by id.
    async fn grants_to(
        &mut self,
        grantee_type: Grantee,
        grantee_id: &str,
    ) -> StoreResult<Vec<AccessGrant>>;

    // ---- change log
    /// Append a change (stamped with the current UTC time) and return its sequence number.
    ///
    /// Numbers strictly increase in commit order, possibly with gaps (rolled-back
    /// transactions), so a follower that has applied everything up to N never misses a
    /// change numbered below N. On Postgres this holds a lock on the change log from this
    /// call until the transaction ends, serializing writers from there: call it last. It
    /// also notifies [`CHANGES_CHANNEL`], which Postgres delivers at commit (once per
    /// transaction), waking [`Store::wait_for_change`] in every process.
    async fn change_append(
        &mut self,
        entity_type: &str,
        entity_id: &str,
        op: &str,
    ) -> StoreResult<i64>;
    /// Changes with `seq > after`, oldest first, at most `limit`.
    async fn changes_since(&mut self, after: i64, limit: i64) -> StoreResult<Vec<Change>>;
    /// The number of the last committed change (0 if the log is empty): everything up to
    /// it is visible to a transaction started afterwards.
    async fn change_max_seq(&mut self) -> StoreResult<i64>;

    // ---- tags, formats and autocomplete (public catalogue views)
    /// Tags of one vocabulary (free tags if `None`) linked to at least one active dataset
    /// with `sharing_level = 'open'`, sorted by name, then id, without duplicates.
    async fn tags_public(&mut self, vocabulary_id: Option<&str>) -> StoreResult<Vec<Tag>>;
    /// Active open datasets linked to the tag with this id (loaded as by `package_get`),
    /// sorted by name, at most `limit`.
    async fn tag_datasets_public(&mut self, tag_id: &str, limit: i64) -> StoreResult<Vec<Dataset>>;
    /// `(name, title)` of every dataset that matches `filter`, sorted by name (one query,
    /// no children loaded): the candidates of `package_autocomplete`.
    async fn package_names_titles(
        &mut self,
        filter: &DatasetFilter,
    ) -> StoreResult<Vec<(String, Option<String>)>>;
    /// `(format, number of resources)` of the active resources with a non-empty format of
    /// active open datasets, grouped by the exact stored format, sorted by format.
    async fn resource_formats_public(&mut self) -> StoreResult<Vec<(String, i64)>>;

    // ---- activity lists (kho-catalog's activity actions)
    /// The activity with this id.
    async fn activity_get(&mut self, id: &str) -> StoreResult<Option<Activity>>;
    /// The activities `query` selects, newest first (by timestamp, then id, descending), or
    /// oldest first when `query.oldest_first`, skipping `query.offset` and returning at
    /// most `query.limit`.
    async fn activity_query(&mut self, query: &ActivityQuery) -> StoreResult<Vec<Activity>>;

    // ---- harvesting (kho-harvest, ckanext-harvest's sources and jobs)
    /// Insert the source, or, when a source of that name exists, replace its title, url,
    /// type, owner organization and config (it keeps its id and `created`). Returns the
    /// source as stored.
    async fn harvest_source_upsert(&mut self, source: &HarvestSource)
        -> StoreResult<HarvestSource>;
    /// By id, else by name.
    async fn harvest_source_get(&mut self, id_or_name: &str) -> StoreResult<Option<HarvestSource>>;
    /// Every source, newest `created` first, then by name.
    async fn harvest_source_list(&mut self) -> StoreResult<Vec<HarvestSource>>;
    /// Insert a job (a run that starts).
    async fn harvest_job_insert(&mut self, job: &HarvestJob) -> StoreResult<()>;
    /// Replace every column of the job with this id but `source_id` and `created`.
    async fn harvest_job_update(&mut self, job: &HarvestJob) -> StoreResult<()>;
    /// Jobs of one source (of every source if `None`), of one status if given, newest
    /// `created` first (then by id, descending), at most `limit` (all if `None`).
    async fn harvest_job_list(
        &mut self,
        source_id: Option<&str>,
        status: Option<&str>,
        limit: Option<i64>,
    ) -> StoreResult<Vec<HarvestJob>>;
    /// Number of jobs of a source.
    async fn harvest_job_count(&mut self, source_id: &str) -> StoreResult<i64>;
    /// Every dataset (any state) whose extra `harvest_source_id` is `source_id`, by id.
    async fn harvested_datasets(&mut self, source_id: &str) -> StoreResult<Vec<HarvestedDataset>>;

    // ---- data requests (ckanext-datarequests)
    /// Insert a data request.
    async fn datarequest_insert(&mut self, r: &DataRequest) -> StoreResult<()>;
    /// Replace every column of the request with this id but `id`, `user_id`, `email` and
    /// `open_time`.
    async fn datarequest_update(&mut self, r: &DataRequest) -> StoreResult<()>;
    async fn datarequest_get(&mut self, id: &str) -> StoreResult<Option<DataRequest>>;
    /// Remove the request with its comments and followers; false if there was none.
    async fn datarequest_delete(&mut self, id: &str) -> StoreResult<bool>;
    /// Does another request (not `except_id`) have this title?
    async fn datarequest_title_taken(&mut self, title: &str, except_id: &str) -> StoreResult<bool>;
    /// The requests `filter` selects, by `open_time` (then id), oldest first unless
    /// `filter.desc`.
    async fn datarequest_list(
        &mut self,
        filter: &DataRequestFilter,
    ) -> StoreResult<Vec<DataRequest>>;
    async fn datarequest_comment_insert(&mut self, c: &DataRequestComment) -> StoreResult<()>;
    /// Replace the text of the comment with this id.
    async fn datarequest_comment_update(&mut self, c: &DataRequestComment) -> StoreResult<()>;
    async fn datarequest_comment_get(
        &mut self,
        id: &str,
    ) -> StoreResult<Option<DataRequestComment>>;
    /// False if there was no such comment.
    async fn datarequest_comment_delete(&mut self, id: &str) -> StoreResult<bool>;
    /// The comments of a request by time (then id), oldest first unless `desc`.
    async fn datarequest_comments(
        &mut self,
        datarequest_id: &str,
        desc: bool,
    ) -> StoreResult<Vec<DataRequestComment>>;
    async fn datarequest_comment_count(&mut self, datarequest_id: &str) -> StoreResult<i64>;
    /// Add a follower; false if they already follow the request.
    async fn datarequest_follow(
        &mut self,
        datarequest_id: &str,
        user_id: &str,
        at: &NaiveDateTime,
    ) -> StoreResult<bool>;
    /// Remove a follower; false if they did not follow the request.
    async fn datarequest_unfollow(
        &mut self,
        datarequest_id: &str,
        user_id: &str,
    ) -> StoreResult<bool>;
    async fn datarequest_follower_count(&mut self, datarequest_id: &str) -> StoreResult<i64>;

    // ---- link checks (kho-catalog's link checker)
    /// Store a resource's link-check result, replacing the one before.
    async fn link_check_put(&mut self, check: &kho_core::model::LinkCheck) -> StoreResult<()>;
    /// The stored results of the resources of these datasets (ids).
    async fn link_checks_of(
        &mut self,
        dataset_ids: &[String],
    ) -> StoreResult<Vec<kho_core::model::LinkCheck>>;
    /// Up to `limit` http(s) resources (not uploads) of active datasets (of `dataset_id`
    /// only, when given) never checked, checked at another URL, or checked before
    /// `checked_before`: never checked first, then the oldest results.
    async fn link_targets(
        &mut self,
        dataset_id: Option<&str>,
        checked_before: &NaiveDateTime,
        limit: i64,
    ) -> StoreResult<Vec<kho_core::model::LinkTarget>>;

    // ---- error reports (kho-catalog's issue actions, ckanext-issues' tables)
    /// Insert an issue with the next `number` of its dataset (the given one is ignored);
    /// returns it as stored.
    async fn issue_insert(&mut self, issue: &Issue) -> StoreResult<Issue>;
    /// The issue of this dataset (id) with this number, with its comment count.
    async fn issue_get(&mut self, dataset_id: &str, number: i64) -> StoreResult<Option<Issue>>;
    /// Replace the title, description, status, `resolved` and `modified` of the issue
    /// with this id.
    async fn issue_update(&mut self, issue: &Issue) -> StoreResult<()>;
    /// Remove the issue with this id and its comments.
    async fn issue_delete(&mut self, id: &str) -> StoreResult<()>;
    /// `(count of all matching, the page)` of the issues `query` selects.
    async fn issue_search(&mut self, query: &IssueQuery) -> StoreResult<(i64, Vec<Issue>)>;
    /// `(reports with this e-mail, reports from this client address)` created at or after
    /// `since` (the client count is 0 without an address).
    async fn issue_reports_since(
        &mut self,
        email: &str,
        client_address: Option<&str>,
        since: NaiveDateTime,
    ) -> StoreResult<(i64, i64)>;
    /// Add a comment and touch the issue's `modified`.
    async fn issue_comment_insert(&mut self, comment: &IssueComment) -> StoreResult<()>;
    /// The comments of an issue, oldest first.
    async fn issue_comments(&mut self, issue_id: &str) -> StoreResult<Vec<IssueComment>>;

    // ---- update deadlines
    /// Record that a dataset's data was updated at `at` (declared by `by`, at
    /// `recorded_at`), replacing an earlier declaration.
    async fn data_updated_set(
        &mut self,
        package_id: &str,
        at: NaiveDateTime,
        by: Option<&str>,
        recorded_at: NaiveDateTime,
    ) -> StoreResult<()>;
    /// The declared data update times of those of `ids` that have one.
    async fn data_updated_of(
        &mut self,
        ids: &[String],
    ) -> StoreResult<std::collections::HashMap<String, NaiveDateTime>>;
    // ---- the sharing log and suspensions (regulations, requirements 11 and 12)
    /// Append entries (their `id` is assigned by the store).
    async fn sharing_log_append(&mut self, entries: &[SharingEntry]) -> StoreResult<()>;
    /// `(number matching, the page)`: newest first (by `at`, then id), unless
    /// `query.oldest_first`.
    async fn sharing_log_query(
        &mut self,
        query: &SharingLogQuery,
    ) -> StoreResult<(i64, Vec<SharingEntry>)>;
    /// Delete the entries older than `before` (the retention job: the only deletion the
    /// table accepts); how many were deleted.
    async fn sharing_log_purge(&mut self, before: NaiveDateTime) -> StoreResult<u64>;
    async fn suspension_get(
        &mut self,
        kind: &str,
        target_id: &str,
    ) -> StoreResult<Option<Suspension>>;
    /// Insert or replace (reason, actor, time) the suspension of `(kind, target_id)`.
    async fn suspension_put(&mut self, s: &Suspension) -> StoreResult<()>;
    /// Lift a suspension; false if there was none.
    async fn suspension_delete(&mut self, kind: &str, target_id: &str) -> StoreResult<bool>;
}

/// Which data requests [`Tx::datarequest_list`] selects: those matching every condition given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DataRequestFilter {
    pub organization_id: Option<String>,
    pub user_id: Option<String>,
    pub closed: Option<bool>,
    /// Words that the title or description contains (case-insensitive for ASCII letters).
    pub q: Option<String>,
    pub desc: bool,
}

/// How [`Tx::issue_search`] orders issues (ckanext-issues' `sort` words).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum IssueSort {
    #[default]
    Newest,
    Oldest,
    MostCommented,
    LeastCommented,
    RecentlyUpdated,
    LeastRecentlyUpdated,
}

/// Which issues [`Tx::issue_search`] selects: those of the datasets `datasets` selects
/// (over `packages p`) that match every other condition.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IssueQuery {
    pub datasets: DatasetFilter,
    /// Only the issues of this dataset (id).
    pub dataset_id: Option<String>,
    /// `open` or `closed`.
    pub status: Option<String>,
    /// Words that must all occur in the title or description (case-insensitive).
    pub q: Option<String>,
    pub sort: IssueSort,
    pub offset: i64,
    pub limit: i64,
}

/// Open a store from a URL: `postgres://…` selects Postgres, `sqlite://…` SQLite.
pub async fn connect(url: &str) -> StoreResult<std::sync::Arc<dyn Store>> {
    Ok(std::sync::Arc::new(SqlStore::connect(url).await?))
}

/// Whose activities [`Tx::activity_query`] selects.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum ActivityScope {
    /// Every activity.
    #[default]
    All,
    /// The activities of one object (dataset, group, organization or user id).
    Object(String),
    /// The activities done by a user (`user_id`) or about them (`object_id`).
    User(String),
    /// The activities of an organization and of the datasets it owns (any state).
    Organization(String),
    /// The activities of a group and of its active member datasets.
    Group(String),
}

/// Which activities [`Tx::activity_query`] selects: those matching every condition given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActivityQuery {
    pub scope: ActivityScope,
    /// Only activities of these types (any type if empty).
    pub types: Vec<String>,
    /// No activity of these types.
    pub exclude_types: Vec<String>,
    /// Only activities strictly after this time.
    pub after: Option<NaiveDateTime>,
    /// Only activities strictly before this time.
    pub before: Option<NaiveDateTime>,
    /// `None`: whatever their permission labels (a sysadmin); `Some(labels)`: only the
    /// activities without labels or with at least one of these, and, for activities of a
    /// dataset that still exists, only if the dataset's current labels hold one of these.
    pub labels: Option<Vec<String>>,
    /// Oldest first instead of newest first.
    pub oldest_first: bool,
    pub offset: i64,
    pub limit: i64,
}
