//! Datasets (CKAN packages): create, show, list, update, patch, delete, purge.
//!
//! The pure rules (the default schema, the `package_show` dict) live in
//! `kho_core::dataset`; this module adds what needs the database: names, owner
//! organizations, groups, permissions and visibility.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use kho_core::authz::{has_permission, Permission};
use kho_core::dataset::{
    package_dict_owned, package_dict_ser, package_dict_with, validate_dataset, DatasetCtx, Mode,
    OwnerOrg, PackageDict, PackageDictOptions, PackageDictSer, ResourceInput, TagInput,
};
use kho_core::error::{ErrorDict, Errors, FieldErrors};
use kho_core::model::{
    Dataset, Group, Member, Resource, Tag, ALIAS_PACKAGE, STATE_ACTIVE, STATE_DELETED, STATE_DRAFT,
};
use kho_core::params::{asbool, opt_natural, opt_str, req_str, Params};
use kho_core::visibility::{dataset_labels, may_read, PUBLIC_LABEL};
use kho_core::{validate, Error, Msg, Result};
use kho_store::{DatasetFilter, StoreError, Tx};
use serde_json::{json, Map, Value};

use super::{
    action, caller_labels, capacity_in, load_group, not_authorized, pd, record_package_activity,
    require_user,
};
use crate::registry::{ParamDoc, Registry};
use crate::{Catalog, Ctx, Output};

pub(crate) use kho_core::visibility::{OPEN, RESTRICTED};

const DATASET_PARAMS: &[ParamDoc] = &[
    pd(
        "name",
        "string",
        true,
        "2-100 lowercase alphanumeric characters, - and _; unique among datasets",
    ),
    pd(
        "owner_org",
        "string",
        true,
        "id or name of the owner organization",
    ),
    pd("title", "string", false, "title (default: the name)"),
    pd("private", "boolean", false, "default false"),
    pd("notes", "string", false, "description (Markdown)"),
    pd("author", "string", false, "author"),
    pd("author_email", "string", false, "author e-mail"),
    pd("maintainer", "string", false, "maintainer"),
    pd("maintainer_email", "string", false, "maintainer e-mail"),
    pd("license_id", "string", false, "license id (license_list)"),
    pd("url", "string", false, "source URL"),
    pd("version", "string", false, "at most 100 characters"),
    pd(
        "state",
        "string",
        false,
        "active, draft or deleted (editors and sysadmins)",
    ),
    pd(
        "type",
        "string",
        false,
        "dataset type (default dataset; immutable)",
    ),
    pd("tags", "array", false, "list of {name, vocabulary_id}"),
    pd("tag_string", "string", false, "comma-separated tag names"),
    pd("extras", "array", false, "list of {key, value}"),
    pd("resources", "array", false, "list of resource dicts"),
    pd("groups", "array", false, "list of {id or name}"),
    pd(
        "id",
        "string",
        false,
        "create: sysadmin only, a UUID; update: the id or name",
    ),
    pd("plugin_data", "object", false, "sysadmin only"),
    pd(
        "metadata_modified",
        "string",
        false,
        "sysadmin only: ISO timestamp",
    ),
];
const SHOW_PARAMS: &[ParamDoc] = &[
    pd("id", "string", true, "id or name"),
    pd(
        "include_plugin_data",
        "boolean",
        false,
        "sysadmin only (default false)",
    ),
    pd("use_default_schema", "boolean", false, "ignored"),
];
const ID_PARAM: &[ParamDoc] = &[pd("id", "string", true, "id or name")];
const LIST_PARAMS: &[ParamDoc] = &[
    pd(
        "limit",
        "integer",
        false,
        "at most this many (0 or absent: all)",
    ),
    pd("offset", "integer", false, "skip this many"),
    pd(
        "include_private",
        "boolean",
        false,
        "kho: also the non-open datasets the caller may read (default false)",
    ),
    pd(
        "include_drafts",
        "boolean",
        false,
        "kho: also the draft datasets the caller may read (default false)",
    ),
    pd(
        "include_deleted",
        "boolean",
        false,
        "kho: also the deleted datasets the caller may read (default false)",
    ),
];

pub fn register(r: &mut Registry) {
    action!(r, "package_create", false, package_create,
        "Create a new dataset.\n\n:param name: unique name (2-100 characters: lowercase a-z, 0-9, - and _)\n:param owner_org: id or name of the organization (the caller needs create_dataset in it)\n:param title, notes, author, author_email, maintainer, maintainer_email, license_id, url, version, private, tags, tag_string, extras, resources, groups: optional\n:returns: the dataset, as package_show",
        DATASET_PARAMS, "package");
    action!(r, "package_show", true, package_show,
        "Return the metadata of a dataset and its resources.\n\n:param id: the id or name of the dataset\n:param include_plugin_data: sysadmins only (default false)\n:returns: the dataset",
        SHOW_PARAMS, "package");
    r.set_output("package_show", |c, x, p| {
        Box::pin(package_show_output(c, x, p))
    });
    action!(r, "package_list", true, package_list,
        "Return the names of the site's active public datasets, sorted by name.\n\n:param limit: at most this many (optional)\n:param offset: skip this many (optional)\n:param include_private: kho: also the private (non-open) datasets the caller may read, as `ckanapi dump datasets --all --include-private` asks (optional, default false)\n:param include_drafts: kho: also the drafts the caller may read (optional, default false)\n:param include_deleted: kho: also the deleted datasets the caller may read (optional, default false)\n:rtype: list of strings",
        LIST_PARAMS, "array");
    action!(r, "package_update", false, package_update,
        "Update a dataset: a full replace. Omitted resources, tags, extras and groups are removed and omitted text fields are cleared; omitted name, owner_org, private and state are kept. An update that changes nothing writes nothing.\n\n:param id: the id or name of the dataset\n:returns: the dataset, as package_show",
        DATASET_PARAMS, "package");
    action!(r, "package_patch", false, package_patch,
        "Update part of a dataset: the keys given replace those of package_show (lists as a whole), then package_update runs.\n\n:param id: the id or name of the dataset\n:returns: the dataset, as package_show",
        DATASET_PARAMS, "package");
    action!(r, "package_delete", false, package_delete,
        "Delete a dataset (state deleted; kho bumps metadata_modified). Its group memberships are removed.\n\n:param id: the id or name of the dataset",
        ID_PARAM, "null");
    action!(
        r,
        "dataset_purge",
        false,
        dataset_purge,
        "Remove a dataset for ever (sysadmin only).\n\n:param id: the id or name of the dataset",
        ID_PARAM,
        "null"
    );
}

fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Does the caller hold `perm` in the organization or group `group_id`?
pub(crate) async fn has_perm(
    tx: &mut dyn Tx,
    ctx: &Ctx,
    group_id: &str,
    perm: Permission,
) -> Result<bool> {
    if ctx.actor.is_sysadmin() {
        return Ok(true);
    }
    let cap = match ctx.actor.user_id() {
        Some(uid) => capacity_in(tx, uid, group_id).await?,
        None => None,
    };
    Ok(has_permission(&ctx.actor, cap, perm))
}

/// May the caller do `perm` (update_dataset, delete_dataset) on this dataset? Unowned
/// datasets are the sysadmins' (`create_unowned_dataset` is off). When collaborators are
/// enabled, the dataset's `editor` and `admin` collaborators may update and delete it
/// (CKAN's `package_update` auth, which `package_delete` defers to).
pub(crate) async fn dataset_perm(
    c: &Catalog,
    tx: &mut dyn Tx,
    ctx: &Ctx,
    d: &Dataset,
    perm: Permission,
) -> Result<bool> {
    if owner_perm(tx, ctx, d, perm).await? {
        return Ok(true);
    }
    if matches!(perm, Permission::UpdateDataset | Permission::DeleteDataset) {
        return is_collaborator(c, tx, ctx, &d.id, &["admin", "editor"]).await;
    }
    Ok(false)
}

/// Does the caller hold `perm` in the dataset's organization? Unowned datasets are the
/// sysadmins'.
pub(crate) async fn owner_perm(
    tx: &mut dyn Tx,
    ctx: &Ctx,
    d: &Dataset,
    perm: Permission,
) -> Result<bool> {
    match &d.owner_org {
        Some(org) => has_perm(tx, ctx, org, perm).await,
        None => Ok(ctx.actor.is_sysadmin()),
    }
}

/// CKAN's `owner_org_validator` rule: an editor or admin collaborator who may not update
/// datasets of the current organization may not move the dataset elsewhere, unless
/// `allow_collaborators_to_change_owner_org`.
async fn collaborator_may_not_move(
    c: &Catalog,
    tx: &mut dyn Tx,
    ctx: &Ctx,
    d: &Dataset,
) -> Result<bool> {
    if c.config().allow_collaborators_to_change_owner_org || ctx.actor.is_sysadmin() {
        return Ok(false);
    }
    if !is_collaborator(c, tx, ctx, &d.id, &["admin", "editor"]).await? {
        return Ok(false);
    }
    // Sysadmins returned above, so an unowned dataset has no organization editor here.
    Ok(!owner_perm(tx, ctx, d, Permission::UpdateDataset).await?)
}

/// Is the caller a collaborator on the dataset with one of `capacities` (and are
/// collaborators enabled)?
pub(crate) async fn is_collaborator(
    c: &Catalog,
    tx: &mut dyn Tx,
    ctx: &Ctx,
    dataset_id: &str,
    capacities: &[&str],
) -> Result<bool> {
    if !c.config().allow_dataset_collaborators {
        return Ok(false);
    }
    let Some(uid) = ctx.actor.user_id() else {
        return Ok(false);
    };
    Ok(tx
        .collaborator_get(dataset_id, uid)
        .await?
        .is_some_and(|m| capacities.contains(&m.capacity.as_str())))
}

/// May the caller read this dataset? The caller's labels against the dataset's
/// (`kho_core::visibility`), as CKAN's `package_show` auth.
pub(crate) async fn can_read(c: &Catalog, tx: &mut dyn Tx, ctx: &Ctx, d: &Dataset) -> Result<bool> {
    if ctx.actor.is_sysadmin() {
        return Ok(true);
    }
    let labels = dataset_labels(d);
    if may_read(Some(&[PUBLIC_LABEL.to_owned()]), &labels) {
        return Ok(true);
    }
    let mine = caller_labels(c, tx, ctx).await?;
    Ok(may_read(mine.as_deref(), &labels))
}

/// Record a single-dataset read by an account in the sharing log when the dataset is not
/// open data (search result lists are not recorded: see the README).
pub(crate) async fn log_read(
    c: &Catalog,
    ctx: &Ctx,
    d: &Dataset,
    resource: Option<&kho_core::model::Resource>,
    action: &str,
    allowed: bool,
) {
    if ctx.actor.user().is_none() || dataset_labels(d).iter().any(|l| l == PUBLIC_LABEL) {
        return;
    }
    c.log_restricted_read(
        ctx,
        &crate::download::RestrictedRead {
            dataset: d,
            resource,
            action,
            outcome: if allowed { "allowed" } else { "denied" },
        },
    )
    .await;
}

/// The active groups (not organizations) a dataset is a member of.
async fn dataset_groups(tx: &mut dyn Tx, id: &str) -> Result<Vec<Group>> {
    Ok(tx.groups_of_package(id).await?)
}

/// The active owner organization and groups that a dataset's dict shows.
async fn shown_relations(tx: &mut dyn Tx, d: &Dataset) -> Result<(Option<Group>, Vec<Group>)> {
    let (org, groups) = tx.package_relations(&d.id, d.owner_org.as_deref()).await?;
    Ok((org.filter(|g| g.state == STATE_ACTIVE), groups))
}

/// The `package_show` dict of a stored dataset.
pub(crate) async fn dataset_dict(
    c: &Catalog,
    tx: &mut dyn Tx,
    d: &Dataset,
    opts: PackageDictOptions<'_>,
) -> Result<Value> {
    let (org, groups) = shown_relations(tx, d).await?;
    let declared = declared_update(tx, &d.id).await?;
    // A copy only when there are link-check results to show on it.
    let checks = if d.resources.is_empty() {
        Vec::new()
    } else {
        tx.link_checks_of(std::slice::from_ref(&d.id)).await?
    };
    if checks.is_empty() {
        return Ok(Value::Object(dict_of(
            c,
            d,
            org.as_ref(),
            &groups,
            declared,
            opts,
        )));
    }
    let mut shown = d.clone();
    crate::linkcheck::attach(&mut shown, &checks);
    Ok(Value::Object(dict_of(
        c,
        &shown,
        org.as_ref(),
        &groups,
        declared,
        opts,
    )))
}

/// When the dataset's data was last updated, as `dataset_data_updated` declared it.
pub(crate) async fn declared_update(
    tx: &mut dyn Tx,
    id: &str,
) -> Result<Option<chrono::NaiveDateTime>> {
    Ok(tx.data_updated_of(&[id.to_owned()]).await?.remove(id))
}

/// The `package_show` dict of a dataset, given its owner organization (shown only while
/// active) and its groups as the store loads them ([`kho_store::DatasetBundle`]).
pub(crate) fn dict_of<'a>(
    c: &'a Catalog,
    d: &Dataset,
    org: Option<&Group>,
    groups: &[Group],
    declared: Option<chrono::NaiveDateTime>,
    mut opts: PackageDictOptions<'a>,
) -> Map<String, Value> {
    opts.profile = c.config().profiles.dataset_for(&d.dataset_type);
    // The score the index holds is the one package_show shows: both come from here.
    opts.quality = true;
    let org = org.filter(|g| g.state == STATE_ACTIVE);
    let mut m = package_dict_with(d, org, groups, c.licenses(), &c.config().site_url, opts);
    for (k, v) in deadline_keys(c, d, declared).into_iter().flatten() {
        m.insert(k.to_owned(), v);
    }
    m
}

/// `update_deadline` and `update_status` of a dataset's dict, judged today. Only under
/// the dataset profile (whose `update_frequency` they follow): without it, dicts stay
/// CKAN's own.
fn deadline_keys(
    c: &Catalog,
    d: &Dataset,
    declared: Option<chrono::NaiveDateTime>,
) -> Option<[(&'static str, Value); 2]> {
    let profile = c.config().profiles.dataset.as_deref()?;
    if !profile.applies_to(&d.dataset_type) {
        return None;
    }
    let deadline = kho_core::deadline::of_dataset(d, declared, c.deadline_rules());
    Some(kho_core::deadline::dict_keys(deadline.as_ref(), c.today()))
}

/// [`dataset_dict`] as an owned dict that serializes its resources straight from `d`
/// (`package_show`'s [`Output`]).
async fn dataset_dict_owned(
    c: &Catalog,
    tx: &mut dyn Tx,
    mut d: Dataset,
    mut opts: PackageDictOptions<'_>,
) -> Result<PackageDict> {
    opts.profile = c.config().profiles.dataset_for(&d.dataset_type);
    opts.quality = true;
    let (org, groups) = shown_relations(tx, &d).await?;
    crate::linkcheck::attach_all(tx, [&mut d]).await?;
    let declared = declared_update(tx, &d.id).await?;
    let keys = deadline_keys(c, &d, declared);
    let mut dict = package_dict_owned(
        d,
        org.as_ref(),
        &groups,
        c.licenses(),
        &c.config().site_url,
        opts,
    );
    for (k, v) in keys.into_iter().flatten() {
        dict.insert(k, v);
    }
    Ok(dict)
}

/// [`dataset_dict`] (default options) for serializing only, as the activity of a write
/// that does not return the dict: the resources are written straight from `d`.
pub(crate) async fn dataset_dict_ser<'a>(
    c: &'a Catalog,
    tx: &mut dyn Tx,
    d: &'a Dataset,
) -> Result<PackageDictSer<'a, &'a Resource>> {
    let opts = PackageDictOptions {
        profile: c.config().profiles.dataset_for(&d.dataset_type),
        ..PackageDictOptions::default()
    };
    let (org, groups) = shown_relations(tx, d).await?;
    Ok(package_dict_ser(
        d,
        org.as_ref(),
        &groups,
        c.licenses(),
        &c.config().site_url,
        opts,
    ))
}

/// Reload a dataset just written (tag ids are the store's).
async fn reload(tx: &mut dyn Tx, id: &str) -> Result<Dataset> {
    tx.package_get(id)
        .await?
        .ok_or_else(|| Error::internal(format!("dataset {id} vanished")))
}

/// Reload a dataset just written and render it.
async fn saved_dict(c: &Catalog, tx: &mut dyn Tx, id: &str) -> Result<Value> {
    let d = reload(tx, id).await?;
    dataset_dict(c, tx, &d, PackageDictOptions::default()).await
}

/// A string value as CKAN's `unicode_safe` reads it (null and `""` are none).
pub(crate) fn text_of(v: Option<&Value>) -> Option<String> {
    match v {
        Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    }
}

/// The `{id}`/`{name}` references of the input's `groups`, as CKAN's `_check_group_auth`
/// reads them before validation.
fn raw_group_refs(input: &Map<String, Value>) -> Vec<String> {
    match input.get("groups") {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_object)
            .filter_map(|g| text_of(g.get("id")).or_else(|| text_of(g.get("name"))))
            .collect(),
        _ => Vec::new(),
    }
}

/// Resolve the input's groups: unknown → 404 "Group was not found."; a group the dataset
/// is not yet in needs `manage_group` (403).
async fn resolve_groups(
    tx: &mut dyn Tx,
    ctx: &Ctx,
    input: &Map<String, Value>,
    current: &[Group],
) -> Result<Vec<Group>> {
    let mut out: Vec<Group> = Vec::new();
    for r in raw_group_refs(input) {
        let g = tx
            .group_get(&r)
            .await?
            .filter(|g| !g.is_organization && g.state == STATE_ACTIVE)
            .ok_or_else(|| Error::not_found("Group was not found."))?;
        let known = current.iter().any(|x| x.id == g.id);
        if !known && !has_perm(tx, ctx, &g.id, Permission::ManageGroup).await? {
            return Err(not_authorized(
                ctx,
                "User %{user} not authorized to edit these groups",
            ));
        }
        if !out.iter().any(|x| x.id == g.id) {
            out.push(g);
        }
    }
    Ok(out)
}

/// Add database-checked errors to the schema's errors (schema messages first).
fn merge_errors(mut into: ErrorDict, extra: Errors) -> ErrorDict {
    for (k, v) in extra.0 {
        match (into.get_mut(&k), v) {
            (Some(FieldErrors::Messages(a)), FieldErrors::Messages(b)) => a.extend(b),
            (Some(_), _) => {}
            (None, v) => {
                into.insert(k, v);
            }
        }
    }
    into
}

/// Run the schema, then fail with its errors and `db_errors` together.
fn validated(
    input: &Map<String, Value>,
    mode: Mode,
    dctx: &DatasetCtx<'_>,
    db_errors: Errors,
) -> Result<kho_core::dataset::ValidatedDataset> {
    match validate_dataset(input, mode, dctx) {
        Ok(v) => {
            db_errors.into_result()?;
            Ok(v)
        }
        Err(Error::Validation(d)) => Err(Error::Validation(merge_errors(d, db_errors))),
        Err(e) => Err(e),
    }
}

/// Name uniqueness among non-deleted datasets. Returns the id of a deleted dataset that
/// holds the name (to be renamed to its id, as CKAN's `table_dict_save` does).
async fn check_name(
    tx: &mut dyn Tx,
    input: &Map<String, Value>,
    own_id: Option<&str>,
    errors: &mut Errors,
) -> Result<Option<String>> {
    let Some(name) = text_of(input.get("name")) else {
        return Ok(None);
    };
    if validate::name(&name).is_err() {
        return Ok(None);
    }
    match tx.package_get(&name).await? {
        Some(old) if old.name == name && Some(old.id.as_str()) != own_id => {
            if old.state == STATE_DELETED {
                Ok(Some(old.id))
            } else {
                errors.add("name", "That URL is already in use.");
                Ok(None)
            }
        }
        // A former name of another dataset stays reserved, so that old links never lead
        // to a different dataset (purging that dataset frees it).
        Some(old) if old.name != name && old.id != name && Some(old.id.as_str()) != own_id => {
            errors.add("name", "That URL is already in use.");
            Ok(None)
        }
        _ => Ok(None),
    }
}

/// Tags without duplicates, reusing the stored ids of tags the dataset already has.
fn to_tags(input: &[TagInput], old: &[Tag]) -> Vec<Tag> {
    let mut out: Vec<Tag> = Vec::new();
    for t in input {
        if out
            .iter()
            .any(|x| x.name == t.name && x.vocabulary_id == t.vocabulary_id)
        {
            continue;
        }
        let id = old
            .iter()
            .find(|x| x.name == t.name && x.vocabulary_id == t.vocabulary_id)
            .map_or_else(new_id, |x| x.id.clone());
        out.push(Tag {
            id,
            name: t.name.clone(),
            vocabulary_id: t.vocabulary_id.clone(),
        });
    }
    out.sort_by(|a, b| {
        a.name
            .cmp(&b.name)
            .then(a.vocabulary_id.cmp(&b.vocabulary_id))
    });
    out
}

/// A stored resource from validated input; `old` is the stored resource with the same id.
pub(crate) fn to_resource(
    r: &ResourceInput,
    package_id: &str,
    now: NaiveDateTime,
    old: Option<&Resource>,
) -> Resource {
    let mut res = Resource {
        id: r.id.clone().unwrap_or_else(new_id),
        package_id: package_id.to_string(),
        url: r.url.clone(),
        format: r.format.clone(),
        name: r.name.clone(),
        description: r.description.clone(),
        hash: r.hash.clone().unwrap_or_default(),
        size: r.size,
        mimetype: r.mimetype.clone(),
        mimetype_inner: r.mimetype_inner.clone(),
        cache_url: r.cache_url.clone(),
        cache_last_updated: r.cache_last_updated,
        last_modified: r.last_modified,
        created: r.created.or(old.map(|o| o.created)).unwrap_or(now),
        metadata_modified: old.map_or(now, |o| o.metadata_modified),
        resource_type: r.resource_type.clone(),
        url_type: r.url_type.clone(),
        position: r.position,
        state: STATE_ACTIVE.into(),
        extras: Value::Object(r.extras.clone()).to_string(),
    };
    if let Some(o) = old {
        let mut same = o.clone();
        same.extras = normalized_json(&same.extras);
        let mut mine = res.clone();
        mine.extras = normalized_json(&mine.extras);
        if same != mine {
            res.metadata_modified = now;
        }
    }
    res
}

fn normalized_json(text: &str) -> String {
    serde_json::from_str::<Value>(text).map_or_else(|_| text.to_string(), |v| v.to_string())
}

fn conflict_as_name(e: StoreError) -> Error {
    match e {
        StoreError::Conflict(_) => Error::field("name", "That URL is already in use."),
        other => other.into(),
    }
}

fn new_package_member(group_id: &str, package_id: &str) -> Member {
    Member {
        id: new_id(),
        group_id: group_id.into(),
        table_id: package_id.into(),
        table_name: "package".into(),
        capacity: "public".into(),
        state: STATE_ACTIVE.into(),
    }
}

/// Has the logged-in user `create_dataset` in some organization?
async fn can_create_somewhere(tx: &mut dyn Tx, user_id: &str) -> Result<bool> {
    for org in tx.group_list(true).await? {
        if org.state != STATE_ACTIVE {
            continue;
        }
        if let Some(cap) = capacity_in(tx, user_id, &org.id).await? {
            if cap.allows(Permission::CreateDataset) {
                return Ok(true);
            }
        }
    }
    Ok(false)
}

pub(crate) async fn package_create(c: &Catalog, ctx: &Ctx, p: Params) -> Result<Value> {
    let denied = || not_authorized(ctx, "User %{user} not authorized to create packages");
    let me = ctx.actor.user().cloned().ok_or_else(denied)?;
    let mut tx = c.store().begin().await?;
    // Authorization first (CKAN runs auth before validation).
    if !me.sysadmin && !can_create_somewhere(tx.as_mut(), &me.id).await? {
        return Err(denied());
    }
    let groups = resolve_groups(tx.as_mut(), ctx, &p, &[]).await?;
    let org_ref = text_of(p.get("owner_org"));
    let org = match &org_ref {
        Some(r) => load_group(tx.as_mut(), r, true)
            .await?
            .filter(|g| g.state == STATE_ACTIVE),
        None => None,
    };
    if let Some(o) = &org {
        if !has_perm(tx.as_mut(), ctx, &o.id, Permission::CreateDataset).await? {
            return Err(not_authorized(
                ctx,
                "User %{user} not authorized to add dataset to this organization",
            ));
        }
    }
    // Checks that need the database, reported with the schema's errors.
    let mut errors = Errors::new();
    let rename = check_name(tx.as_mut(), &p, None, &mut errors).await?;
    if org_ref.is_some() && org.is_none() {
        errors.add("owner_org", "Organization does not exist");
    }
    if me.sysadmin {
        if let Some(id) = text_of(p.get("id")).filter(|id| validate::uuid(id)) {
            if tx.package_get(&id).await?.is_some_and(|d| d.id == id) {
                errors.add("id", "Dataset id already exists");
            }
        }
    }
    let dctx = DatasetCtx {
        sysadmin: me.sysadmin,
        can_change_state: false,
        existing: None,
        create_unowned_dataset: false,
        profile: c
            .config()
            .profiles
            .dataset_for(text_of(p.get("type")).as_deref().unwrap_or("")),
        org_extras: org.as_ref().map(|o| o.extras.as_slice()),
    };
    let v = validated(&p, Mode::Create, &dctx, errors)?;
    let now = kho_core::time::now_utc();
    let id = v.id.clone().unwrap_or_else(new_id);
    let mut d = Dataset {
        name: v.name.clone().unwrap_or_default(),
        title: v.title,
        author: v.author,
        author_email: v.author_email,
        maintainer: v.maintainer,
        maintainer_email: v.maintainer_email,
        license_id: v.license_id,
        notes: v.notes,
        url: v.url,
        version: v.version,
        state: v.state.unwrap_or_else(|| STATE_ACTIVE.into()),
        dataset_type: v.dataset_type.unwrap_or_else(|| "dataset".into()),
        owner_org: org.as_ref().map(|o| o.id.clone()),
        sharing_level: v.sharing_level,
        creator_user_id: Some(me.id.clone()),
        metadata_created: now,
        metadata_modified: v.metadata_modified.unwrap_or(now),
        profile: Value::Object(v.profile).to_string(),
        plugin_data: v.plugin_data.map(|m| Value::Object(m).to_string()),
        extras: v.extras,
        tags: to_tags(&v.tags, &[]),
        resources: v
            .resources
            .iter()
            .map(|r| to_resource(r, &id, now, None))
            .collect(),
        id,
    };
    super::services::stamp_publication(&mut d, None);
    if let Some(old) = rename {
        tx.package_rename(&old, &old).await?;
    }
    tx.package_insert(&d).await.map_err(conflict_as_name)?;
    for g in &groups {
        tx.member_upsert(&new_package_member(&g.id, &d.id)).await?;
    }
    let dict = saved_dict(c, tx.as_mut(), &d.id).await?;
    record_package_activity(tx.as_mut(), ctx, &dict, "new package", &d).await?;
    tx.change_append("package", &d.id, "create").await?;
    tx.commit().await?;
    Ok(dict)
}

/// CKAN's refusal to read a dataset. CKAN names the dataset's id; kho repeats what the
/// caller asked for (a name stays a name), so that asking by name does not reveal the id
/// of a dataset the caller may not see.
pub(crate) fn read_denied(ctx: &Ctx, asked: &str) -> Error {
    Error::denied(
        Msg::new("User %{user} not authorized to read package %{id}")
            .arg("user", ctx.actor.display())
            .arg("id", asked),
    )
}

pub(crate) async fn package_show(c: &Catalog, ctx: &Ctx, p: Params) -> Result<Value> {
    package_show_output(c, ctx, p).await?.into_value()
}

pub(crate) async fn package_show_output(c: &Catalog, ctx: &Ctx, p: Params) -> Result<Output> {
    let name_or_id = match opt_str(&p, "id")?.filter(|s| !s.is_empty()) {
        Some(id) => id,
        None => opt_str(&p, "name")?
            .filter(|s| !s.is_empty())
            .ok_or_else(|| Error::missing("name_or_id"))?,
    };
    let include_plugin_data = asbool(&p, "include_plugin_data", false)?;
    let mut tx = c.store().read().await?;
    let d = tx
        .package_get(&name_or_id)
        .await?
        .ok_or(Error::NotFound(None))?;
    let allowed = can_read(c, tx.as_mut(), ctx, &d).await?;
    log_read(c, ctx, &d, None, "package_show", allowed).await;
    if !allowed {
        return Err(read_denied(ctx, &name_or_id));
    }
    let opts = PackageDictOptions {
        include_plugin_data: include_plugin_data && ctx.actor.is_sysadmin(),
        ..PackageDictOptions::default()
    };
    let dict = dataset_dict_owned(c, tx.as_mut(), d, opts).await?;
    Ok(Output::Package(Box::new(dict)))
}

pub(crate) async fn package_list(c: &Catalog, ctx: &Ctx, p: Params) -> Result<Value> {
    let limit = opt_natural(&p, "limit")?.filter(|n| *n > 0);
    let offset = opt_natural(&p, "offset")?.unwrap_or(0);
    // CKAN's package_list ignores these and lists active public datasets only; kho
    // honours them (COMPATIBILITY.md) because `ckanapi dump datasets --all` sends them to
    // copy a catalogue, and on a provincial portal most datasets are not open.
    let include_private = asbool(&p, "include_private", false)?;
    let include_drafts = asbool(&p, "include_drafts", false)?;
    let include_deleted = asbool(&p, "include_deleted", false)?;
    let mut states = vec![STATE_ACTIVE.to_owned()];
    if include_drafts {
        states.push(STATE_DRAFT.to_owned());
    }
    if include_deleted {
        states.push(STATE_DELETED.to_owned());
    }
    let mut tx = c.store().read().await?;
    // Active open datasets are everyone's to read: CKAN's plain list needs no labels.
    let readable_by = if include_private || include_drafts || include_deleted {
        caller_labels(c, tx.as_mut(), ctx).await?
    } else {
        None
    };
    let filter = DatasetFilter {
        states,
        readable_by,
        open_only: !include_private,
        ..DatasetFilter::default()
    };
    Ok(json!(tx.package_names(&filter, limit, offset).await?))
}

/// `package_update` on a loaded dataset with a full input dict (also `package_patch`'s).
pub(crate) async fn update_with(
    c: &Catalog,
    ctx: &Ctx,
    mut tx: Box<dyn Tx>,
    existing: Dataset,
    input: Map<String, Value>,
) -> Result<Value> {
    if !dataset_perm(c, tx.as_mut(), ctx, &existing, Permission::UpdateDataset).await? {
        return Err(Error::denied(
            Msg::new("User %{user} not authorized to edit package %{id}")
                .arg("user", ctx.actor.display())
                .arg("id", &existing.id),
        ));
    }
    let current_groups = dataset_groups(tx.as_mut(), &existing.id).await?;
    let groups = resolve_groups(tx.as_mut(), ctx, &input, &current_groups).await?;
    let mut errors = Errors::new();
    let rename = check_name(tx.as_mut(), &input, Some(&existing.id), &mut errors).await?;
    let mut new_org: Option<Group> = None;
    if let Some(r) = text_of(input.get("owner_org")) {
        let found = load_group(tx.as_mut(), &r, true)
            .await?
            .filter(|g| g.state == STATE_ACTIVE);
        let moving = found.as_ref().map(|g| g.id.as_str()) != existing.owner_org.as_deref();
        if moving && collaborator_may_not_move(c, tx.as_mut(), ctx, &existing).await? {
            errors.add(
                "owner_org",
                "You cannot move this dataset to another organization",
            );
        } else {
            match found {
                None => errors.add("owner_org", "Organization does not exist"),
                Some(g) => {
                    if existing.owner_org.as_deref() != Some(g.id.as_str())
                        && !has_perm(tx.as_mut(), ctx, &g.id, Permission::CreateDataset).await?
                    {
                        errors.add("owner_org", "You cannot add a dataset to this organization");
                    }
                    new_org = Some(g);
                }
            }
        }
    }
    // The organization that will own the dataset, for profile defaults.
    let owner = match (&new_org, &existing.owner_org) {
        (Some(g), _) => Some(g.clone()),
        (None, Some(id)) => tx.group_get(id).await?,
        (None, None) => None,
    };
    let dctx = DatasetCtx {
        sysadmin: ctx.actor.is_sysadmin(),
        can_change_state: true,
        existing: Some(&existing),
        create_unowned_dataset: false,
        profile: c.config().profiles.dataset_for(&existing.dataset_type),
        org_extras: owner.as_ref().map(|o| o.extras.as_slice()),
    };
    let v = validated(&input, Mode::Update, &dctx, errors)?;
    let now = kho_core::time::now_utc();
    let mut d = existing.clone();
    if let Some(n) = v.name {
        d.name = n;
    }
    d.title = v.title;
    d.author = v.author;
    d.author_email = v.author_email;
    d.maintainer = v.maintainer;
    d.maintainer_email = v.maintainer_email;
    d.license_id = v.license_id;
    d.notes = v.notes;
    d.url = v.url;
    d.version = v.version;
    if let Some(s) = v.state {
        d.state = s;
    }
    match v.owner_org {
        OwnerOrg::Given(_) => d.owner_org = new_org.map(|g| g.id),
        OwnerOrg::Unowned => d.owner_org = None,
        OwnerOrg::Keep => {}
    }
    d.sharing_level = v.sharing_level;
    // A full replace: profile fields not given are cleared.
    d.profile = Value::Object(v.profile).to_string();
    super::services::stamp_publication(&mut d, Some(&existing));
    if let Some(pd) = v.plugin_data {
        d.plugin_data = Some(Value::Object(pd).to_string());
    }
    d.extras = v.extras;
    d.tags = to_tags(&v.tags, &existing.tags);
    let old_res: HashMap<&str, &Resource> = existing
        .resources
        .iter()
        .map(|r| (r.id.as_str(), r))
        .collect();
    d.resources = v
        .resources
        .iter()
        .map(|r| {
            let old = r.id.as_deref().and_then(|id| old_res.get(id).copied());
            to_resource(r, &d.id, now, old)
        })
        .collect();
    // Groups the caller may not manage stay (CKAN's `package_membership_list_save`).
    let mut wanted: Vec<Group> = groups;
    for g in &current_groups {
        if !wanted.iter().any(|x| x.id == g.id)
            && !has_perm(tx.as_mut(), ctx, &g.id, Permission::ManageGroup).await?
        {
            wanted.push(g.clone());
        }
    }
    let groups_same = wanted.len() == current_groups.len()
        && wanted
            .iter()
            .all(|g| current_groups.iter().any(|x| x.id == g.id));
    let mut old_sorted = existing.clone();
    old_sorted.extras.sort_by(|a, b| a.key.cmp(&b.key));
    old_sorted.tags = to_tags(
        &existing
            .tags
            .iter()
            .map(|t| TagInput {
                name: t.name.clone(),
                vocabulary_id: t.vocabulary_id.clone(),
            })
            .collect::<Vec<_>>(),
        &existing.tags,
    );
    let mut new_sorted = d.clone();
    new_sorted.extras.sort_by(|a, b| a.key.cmp(&b.key));
    let requested_mm = v.metadata_modified;
    if groups_same && old_sorted == new_sorted && requested_mm.is_none() && rename.is_none() {
        // CKAN 2.12: an update that changes nothing is a no-op.
        return dataset_dict(c, tx.as_mut(), &existing, PackageDictOptions::default()).await;
    }
    d.metadata_modified = requested_mm.unwrap_or(now);
    if let Some(old) = rename {
        tx.package_rename(&old, &old).await?;
    }
    // Only what differs is written: appending to 1,000 resources writes one.
    tx.package_update_from(&existing, &d)
        .await
        .map_err(conflict_as_name)?;
    if existing.name != d.name {
        super::merges::record_rename(
            tx.as_mut(),
            ALIAS_PACKAGE,
            &existing.name,
            &d.name,
            &d.id,
            ctx.actor.user_id().unwrap_or_default(),
        )
        .await?;
    }
    for g in &current_groups {
        if !wanted.iter().any(|x| x.id == g.id) {
            tx.member_delete(&g.id, &d.id, "package").await?;
        }
    }
    for g in &wanted {
        if !current_groups.iter().any(|x| x.id == g.id) {
            tx.member_upsert(&new_package_member(&g.id, &d.id)).await?;
        }
    }
    let dropped = super::resources::drop_files(tx.as_mut(), &existing, &d).await?;
    let dict = saved_dict(c, tx.as_mut(), &d.id).await?;
    record_package_activity(tx.as_mut(), ctx, &dict, "changed package", &d).await?;
    tx.change_append("package", &d.id, "update").await?;
    tx.commit().await?;
    for key in dropped {
        c.remove_file(&key);
    }
    Ok(dict)
}

pub(crate) async fn package_update(c: &Catalog, ctx: &Ctx, p: Params) -> Result<Value> {
    let name_or_id = text_of(p.get("id"))
        .or_else(|| text_of(p.get("name")))
        .ok_or_else(|| Error::missing("id"))?;
    let mut tx = c.store().begin().await?;
    let existing = tx
        .package_get(&name_or_id)
        .await?
        .ok_or_else(|| Error::not_found("Package was not found."))?;
    update_with(c, ctx, tx, existing, p).await
}

pub(crate) async fn package_patch(c: &Catalog, ctx: &Ctx, p: Params) -> Result<Value> {
    let id = req_str(&p, "id")?;
    let mut tx = c.store().begin().await?;
    let existing = tx.package_get(&id).await?.ok_or(Error::NotFound(None))?;
    if !can_read(c, tx.as_mut(), ctx, &existing).await? {
        return Err(read_denied(ctx, &id));
    }
    let mut patched =
        match dataset_dict(c, tx.as_mut(), &existing, PackageDictOptions::default()).await? {
            Value::Object(m) => m,
            _ => Map::new(),
        };
    // The shown timestamp is not an input: only a caller's own value is.
    patched.remove("metadata_modified");
    // Computed from the deadline rules, never stored.
    patched.remove("update_status");
    patched.remove("update_deadline");
    for (k, v) in p {
        patched.insert(k, v);
    }
    patched.insert("id".into(), Value::String(existing.id.clone()));
    update_with(c, ctx, tx, existing, patched).await
}

pub(crate) async fn package_delete(c: &Catalog, ctx: &Ctx, p: Params) -> Result<Value> {
    let id = req_str(&p, "id")?;
    let mut tx = c.store().begin().await?;
    let mut d = tx.package_get(&id).await?.ok_or(Error::NotFound(None))?;
    if !dataset_perm(c, tx.as_mut(), ctx, &d, Permission::DeleteDataset).await? {
        return Err(Error::denied(
            Msg::new("User %{user} not authorized to delete package %{id}")
                .arg("user", ctx.actor.display())
                .arg("id", &d.id),
        ));
    }
    d.state = STATE_DELETED.into();
    // kho bumps metadata_modified so that incremental harvesters see deletions
    // (COMPATIBILITY.md).
    d.metadata_modified = kho_core::time::now_utc();
    tx.package_update(&d).await?;
    for g in dataset_groups(tx.as_mut(), &d.id).await? {
        tx.member_delete(&g.id, &d.id, "package").await?;
    }
    let saved = reload(tx.as_mut(), &d.id).await?;
    let shown = dataset_dict_ser(c, tx.as_mut(), &saved).await?;
    record_package_activity(tx.as_mut(), ctx, &shown, "deleted package", &d).await?;
    tx.change_append("package", &d.id, "delete").await?;
    tx.commit().await?;
    Ok(Value::Null)
}

pub(crate) async fn dataset_purge(c: &Catalog, ctx: &Ctx, p: Params) -> Result<Value> {
    let id = req_str(&p, "id")?;
    require_user(ctx, "dataset_purge")?;
    if !ctx.actor.is_sysadmin() {
        return Err(Error::NotAuthorized(None));
    }
    let mut tx = c.store().begin().await?;
    let d = tx
        .package_get(&id)
        .await?
        .ok_or_else(|| Error::not_found("Dataset was not found"))?;
    // Its files go with it, after the commit.
    let mut files = Vec::new();
    for f in tx.resource_files_of_package(&d.id).await? {
        tx.resource_file_delete(&f.resource_id).await?;
        files.push(f.file_key);
    }
    tx.package_purge(&d.id).await?;
    tx.change_append("package", &d.id, "purge").await?;
    tx.commit().await?;
    for key in files {
        c.remove_file(&key);
    }
    Ok(Value::Null)
}
