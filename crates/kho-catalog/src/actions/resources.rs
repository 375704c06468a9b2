//! Resources: show, create, update, patch, delete, reorder, and (empty) view lists.
//!
//! As in CKAN, every write is the parent dataset's `package_show` dict with the resource
//! list changed, saved through `package_update` (`datasets::update_with`): one
//! transaction, the dataset's `metadata_modified` bumped, a "changed package" activity and
//! a change-log row. Permissions are the dataset's: reads need to see it, create and
//! update need `update_dataset`, delete needs `delete_dataset`.

use kho_core::authz::Permission;
use kho_core::dataset::PackageDictOptions;
use kho_core::dataset::{resource_dict, validate_resource};
use kho_core::error::{ErrorDict, FieldErrors};
use std::sync::Arc;

use kho_core::model::{Dataset, Resource, ResourceFile};
use kho_core::params::{req_str, Params};
use kho_core::{Error, Msg, Result};
use kho_store::{StoreError, Tx};
use serde_json::{json, Map, Value};

use super::datasets::{
    can_read, dataset_dict, dataset_dict_ser, dataset_perm, read_denied, text_of, to_resource,
    update_with,
};
use super::{action, not_authorized_on, pd, record_package_activity};
use crate::registry::{ParamDoc, Registry};
use crate::{Catalog, Ctx, Upload};

/// The parameter table of a resource write: the given leading entries, then the fields
/// every resource takes.
macro_rules! resource_params {
    ($($head:expr),* $(,)?) => {
        &[
            $($head,)*
            pd("url", "string", false, "the link (default \"\")"),
            pd("name", "string", false, "name"),
            pd("description", "string", false, "description"),
            pd("format", "string", false, "format; normalised (csv → CSV), guessed from the URL when empty on create"),
            pd("hash", "string", false, "hash"),
            pd("resource_type", "string", false, "resource type"),
            pd("mimetype", "string", false, "MIME type"),
            pd("mimetype_inner", "string", false, "inner MIME type"),
            pd("cache_url", "string", false, "cache URL"),
            pd("size", "integer", false, "size in bytes"),
            pd("created", "string", false, "ISO timestamp"),
            pd("last_modified", "string", false, "ISO timestamp"),
            pd("cache_last_updated", "string", false, "ISO timestamp"),
            pd("upload", "string", false, "a file (multipart/form-data): stored, and url, url_type, size, hash (SHA-256), mimetype and last_modified set from it"),
            pd("clear_upload", "boolean", false, "the resource no longer has an uploaded file (url_type becomes \"\")"),
        ]
    };
}

const CREATE_PARAMS: &[ParamDoc] = resource_params!(
    pd("package_id", "string", true, "id or name of the dataset"),
    pd("id", "string", false, "a UUID (default: a new one)"),
);
const UPDATE_PARAMS: &[ParamDoc] = resource_params!(pd("id", "string", true, "the resource id"));
const ID_PARAM: &[ParamDoc] = &[pd("id", "string", true, "the resource id")];

pub fn register(r: &mut Registry) {
    action!(r, "resource_show", true, resource_show,
        "Return the metadata of a resource, as in its dataset's package_show.\n\n:param id: the id of the resource\n:rtype: dictionary",
        ID_PARAM, "resource");
    action!(r, "resource_create", false, resource_create,
        "Append a new resource to a dataset: a link, or a file uploaded as multipart/form-data in `upload`.\n\n:param package_id: id or name of the dataset\n:param upload: a file (optional)\n:param url, name, description, format, hash, resource_type, mimetype, mimetype_inner, cache_url, size, created, last_modified, cache_last_updated: optional\n:returns: the new resource",
        CREATE_PARAMS, "resource");
    action!(r, "resource_update", false, resource_update,
        "Update a resource: a full replace of its fields (omitted ones are cleared); it keeps its position.\n\n:param id: the id of the resource\n:returns: the updated resource",
        UPDATE_PARAMS, "resource");
    action!(r, "resource_patch", false, resource_patch,
        "Update part of a resource: the keys given replace those of resource_show, then resource_update runs.\n\n:param id: the id of the resource\n:returns: the updated resource",
        UPDATE_PARAMS, "resource");
    action!(r, "resource_delete", false, resource_delete,
        "Delete a resource from its dataset (state deleted; it leaves package_show).\n\n:param id: the id of the resource",
        ID_PARAM, "null");
    action!(r, "package_resource_reorder", false, package_resource_reorder,
        "Reorder the resources of a dataset. Resources not in `order` follow, in their current order.\n\n:param id: the id or name of the dataset\n:param order: a list of resource ids in the order needed\n:returns: {id, order}",
        [("id", "string", true, "id or name of the dataset"),
         ("order", "array", true, "resource ids, first to last")], "object");
    action!(r, "resource_view_list", true, resource_view_list,
        "Return the views of a resource (kho has no resource views yet: always empty).\n\n:param id: the id of the resource\n:rtype: list of dictionaries",
        ID_PARAM, "array");
}

/// The `id` parameter, then the resource and its dataset. A missing resource is
/// `not_found` (CKAN's message differs between actions).
async fn load(
    tx: &mut dyn Tx,
    p: &Params,
    not_found: fn() -> Error,
) -> Result<(Resource, Dataset)> {
    let id = req_str(p, "id")?;
    let r = tx.resource_get(&id).await?.ok_or_else(not_found)?;
    let d = tx.package_get(&r.package_id).await?.ok_or_else(|| {
        Error::not_found("No package found for this resource, cannot check auth.")
    })?;
    Ok((r, d))
}

fn plain_not_found() -> Error {
    Error::NotFound(None)
}

fn resource_not_found() -> Error {
    Error::not_found("Resource was not found.")
}

/// The file this call uploads, if any: CKAN's uploader pops `upload` and `clear_upload`
/// (they never become resource extras), takes `upload` when it is a file, and with
/// `clear_upload` alone makes the resource a link again. A string `upload` (a JSON
/// client's) is no file and is ignored, as in CKAN.
fn take_upload(ctx: &Ctx, p: &mut Params) -> Result<Option<Arc<Upload>>> {
    let clear = p.remove("clear_upload");
    let given = p.remove("upload");
    let upload = match (&ctx.upload, given) {
        (Some(u), Some(Value::String(_))) => Some(u.clone()),
        _ => None,
    };
    let clearing = clear.is_some_and(|v| {
        !matches!(v, Value::Null | Value::Bool(false)) && v != json!("") && v != json!("false")
    });
    if upload.is_none() && clearing {
        p.insert("url_type".into(), Value::String(String::new()));
    }
    Ok(upload)
}

/// The resource fields an uploaded file sets (`lib/uploader.py:ResourceUpload` and
/// `resource_create`): `url` (the file name), `url_type`, `last_modified`, `size` and
/// `hash` (the file's own; kho fills `hash` with its SHA-256 where CKAN leaves ""), and
/// `mimetype` unless the caller gave one.
fn apply_upload(p: &mut Params, u: &Upload) {
    let mut url = kho_core::files::url_file_name(&u.file_name);
    if url.is_empty() {
        url = kho_core::files::FALLBACK_FILE_NAME.to_owned();
    }
    p.insert("url".into(), Value::String(url));
    p.insert("url_type".into(), json!("upload"));
    p.insert(
        "last_modified".into(),
        Value::String(kho_core::time::isoformat(&kho_core::time::now_utc())),
    );
    p.insert("size".into(), json!(u.stored.size));
    p.insert("hash".into(), Value::String(u.stored.sha256.clone()));
    if text_of(p.get("mimetype")).is_none() {
        let guessed = kho_files::guess_mimetype(&u.file_name, &u.stored.head);
        p.insert(
            "mimetype".into(),
            guessed.map_or(Value::Null, Value::String),
        );
    }
}

/// An uploaded file and what the personal-data screen found in it.
struct Screened {
    file: Arc<Upload>,
    screening: Option<String>,
}

/// Screen the call's upload, before any transaction starts (a scan can take a while).
async fn screened(c: &Catalog, upload: Option<Arc<Upload>>) -> Option<Screened> {
    let file = upload?;
    let screening = crate::screening::screen_upload(c, &file).await;
    Some(Screened { file, screening })
}

/// Record `s` as the file of resource `resource_id` in this transaction; the key of the
/// file it replaces is returned, to remove after the commit.
async fn record_file(tx: &mut dyn Tx, resource_id: &str, s: &Screened) -> Result<Option<String>> {
    let u = &s.file;
    let old = tx
        .resource_file_put(&ResourceFile {
            resource_id: resource_id.to_owned(),
            file_key: u.stored.key.as_str().to_owned(),
            file_name: u.file_name.clone(),
            size: i64::try_from(u.stored.size).map_err(Error::internal)?,
            sha256: u.stored.sha256.clone(),
            created: kho_core::time::now_utc(),
            screening: s.screening.clone(),
        })
        .await?;
    Ok(old.map(|f| f.file_key))
}

/// The catalogue needs a file store to take uploads.
fn require_files(c: &Catalog) -> Result<()> {
    if c.file_store().is_none() {
        return Err(Error::field(
            "upload",
            "File uploads are not enabled on this site",
        ));
    }
    Ok(())
}

/// The parent's `package_show` dict as `package_update` input (CKAN pops
/// `metadata_modified` so that the update may bump it).
async fn dataset_input(c: &Catalog, tx: &mut dyn Tx, d: &Dataset) -> Result<Map<String, Value>> {
    let mut m = match dataset_dict(c, tx, d, PackageDictOptions::default()).await? {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    m.remove("metadata_modified");
    Ok(m)
}

fn resources_of(m: &Map<String, Value>) -> Vec<Value> {
    match m.get("resources") {
        Some(Value::Array(a)) => a.clone(),
        _ => Vec::new(),
    }
}

/// CKAN re-raises `package_update`'s errors of the resource at `index` as its own.
fn resource_errors(e: Error, index: Option<usize>) -> Error {
    match e {
        Error::Validation(mut d) => {
            let picked: Option<ErrorDict> = match d.remove("resources") {
                Some(FieldErrors::Items(items)) => {
                    let i = index.unwrap_or(items.len().saturating_sub(1));
                    items.into_iter().nth(i)
                }
                Some(other) => {
                    d.insert("resources".into(), other);
                    None
                }
                None => None,
            };
            match picked {
                Some(r) if !r.is_empty() => Error::Validation(r),
                _ => Error::Validation(d),
            }
        }
        other => other,
    }
}

fn nth_resource(dict: &Value, index: usize) -> Result<Value> {
    dict["resources"]
        .get(index)
        .cloned()
        .ok_or_else(|| Error::internal("saved resource vanished"))
}

pub(crate) async fn resource_show(c: &Catalog, ctx: &Ctx, p: Params) -> Result<Value> {
    let mut tx = c.store().read().await?;
    let (r, d) = load(tx.as_mut(), &p, plain_not_found).await?;
    let allowed = can_read(c, tx.as_mut(), ctx, &d).await?;
    super::datasets::log_read(c, ctx, &d, Some(&r), "resource_show", allowed).await;
    if !allowed {
        return Err(not_authorized_on(
            ctx,
            "User %{user} not authorized to read resource %{id}",
            &r.id,
        ));
    }
    let dict = dataset_dict(c, tx.as_mut(), &d, PackageDictOptions::default()).await?;
    dict["resources"]
        .as_array()
        .and_then(|a| a.iter().find(|x| x["id"] == json!(r.id)))
        .cloned()
        .ok_or_else(resource_not_found)
}

pub(crate) async fn resource_create(c: &Catalog, ctx: &Ctx, mut p: Params) -> Result<Value> {
    let package_id = req_str(&p, "package_id")?;
    let upload = take_upload(ctx, &mut p)?;
    if let Some(u) = &upload {
        require_files(c)?;
        apply_upload(&mut p, u);
    }
    if text_of(p.get("url")).is_none() {
        p.insert("url".into(), Value::String(String::new()));
    }
    let upload = screened(c, upload).await;
    let mut tx = c.store().begin().await?;
    let d = tx
        .package_get(&package_id)
        .await?
        .ok_or(Error::NotFound(None))?;
    if !can_read(c, tx.as_mut(), ctx, &d).await? {
        return Err(read_denied(ctx, &package_id));
    }
    if !dataset_perm(c, tx.as_mut(), ctx, &d, Permission::UpdateDataset).await? {
        return Err(not_authorized_on(
            ctx,
            "User %{user} not authorized to create resources on dataset %{id}",
            &package_id,
        ));
    }
    // CKAN's `resource_id_does_not_exist`; kho also refuses ids of deleted resources of
    // other datasets and of this dataset's active ones (the store keeps them all).
    if let Some(rid) = text_of(p.get("id")) {
        if let Some(old) = tx.resource_get(&rid).await? {
            if old.package_id != d.id || old.state != kho_core::model::STATE_DELETED {
                return Err(Error::field("id", "Resource id already exists."));
            }
        }
    }
    let mut replaced = None;
    if let Some(u) = &upload {
        // The file row needs the resource's id now; a new resource's empty format is
        // still guessed from its file name (`if_empty_guess_format` skips resources with
        // an id).
        let rid = match text_of(p.get("id")) {
            Some(rid) => rid,
            None => {
                if text_of(p.get("format")).is_none() {
                    let url = text_of(p.get("url")).unwrap_or_default();
                    if let Some(f) = kho_core::format::guess_format(&url) {
                        p.insert("format".into(), Value::String(f));
                    }
                }
                let rid = uuid::Uuid::new_v4().to_string();
                p.insert("id".into(), Value::String(rid.clone()));
                rid
            }
        };
        replaced = record_file(tx.as_mut(), &rid, u).await?;
    }
    let out = append_resource(c, ctx, tx, d, p).await?;
    if let Some(key) = replaced {
        c.remove_file(&key);
    }
    Ok(out)
}

/// `resource_create`'s save: what `package_update` with the resource appended would do
/// (the new resource validated by CKAN's resource schema, the dataset's
/// `metadata_modified` bumped, a "changed package" activity with the dataset dict, a
/// change-log row, one transaction), without re-validating, re-dictizing and re-reading
/// the resources already stored, which are unchanged: appending to a dataset of 1,000
/// resources costs one resource's work plus one dataset dict (BENCHMARKS.md).
async fn append_resource(
    c: &Catalog,
    ctx: &Ctx,
    mut tx: Box<dyn Tx>,
    d: Dataset,
    p: Params,
) -> Result<Value> {
    let index = d.resources.len();
    let position = i64::try_from(index).map_err(Error::internal)?;
    let (input, errors) = validate_resource(&p, position);
    errors.into_result()?;
    let now = kho_core::time::now_utc();
    let resource = to_resource(&input, &d.id, now, None);
    tx.package_append_resource(&d, &resource, now)
        .await
        .map_err(|e| match e {
            StoreError::Conflict(_) => Error::field("id", "Resource id already exists."),
            other => other.into(),
        })?;
    // What the store now holds (the tags are unchanged).
    let mut saved = d;
    saved.resources.push(resource);
    saved.metadata_modified = now;
    let shown = dataset_dict_ser(c, tx.as_mut(), &saved).await?;
    record_package_activity(tx.as_mut(), ctx, &shown, "changed package", &saved).await?;
    drop(shown);
    // The new resource as `package_show` shows it: the last one (its position is the
    // number of resources before it).
    let resource = saved
        .resources
        .last()
        .map(|r| Value::Object(resource_dict(r, &saved.dataset_type, &c.config().site_url)))
        .ok_or_else(|| Error::internal("saved resource vanished"))?;
    tx.change_append("package", &saved.id, "update").await?;
    tx.commit().await?;
    Ok(resource)
}

/// `resource_update` with its input ready (`resource_patch` merges first).
async fn update_resource(
    c: &Catalog,
    ctx: &Ctx,
    mut tx: Box<dyn Tx>,
    (r, d): (Resource, Dataset),
    mut p: Params,
    upload: Option<Screened>,
) -> Result<Value> {
    if !dataset_perm(c, tx.as_mut(), ctx, &d, Permission::UpdateDataset).await? {
        return Err(not_authorized_on(
            ctx,
            "User %{user} not authorized to edit resource %{id}",
            &r.id,
        ));
    }
    if !can_read(c, tx.as_mut(), ctx, &d).await? {
        return Err(read_denied(ctx, &d.id));
    }
    let mut input = dataset_input(c, tx.as_mut(), &d).await?;
    let mut resources = resources_of(&input);
    let index = usize::try_from(r.position).map_err(|_| resource_not_found())?;
    if resources.get(index).map(|x| &x["id"]) != Some(&json!(r.id)) {
        return Err(resource_not_found());
    }
    p.insert("id".into(), Value::String(r.id.clone()));
    if text_of(p.get("url")).is_none() {
        p.insert("url".into(), Value::String(String::new()));
    }
    let mut replaced = None;
    if let Some(u) = &upload {
        require_files(c)?;
        apply_upload(&mut p, &u.file);
        replaced = record_file(tx.as_mut(), &r.id, u).await?;
    }
    resources[index] = Value::Object(p);
    input.insert("resources".into(), Value::Array(resources));
    let dict = update_with(c, ctx, tx, d, input)
        .await
        .map_err(|e| resource_errors(e, Some(index)))?;
    if let Some(key) = replaced {
        c.remove_file(&key);
    }
    nth_resource(&dict, index)
}

pub(crate) async fn resource_update(c: &Catalog, ctx: &Ctx, mut p: Params) -> Result<Value> {
    req_str(&p, "id")?;
    let upload = screened(c, take_upload(ctx, &mut p)?).await;
    let mut tx = c.store().begin().await?;
    let loaded = load(tx.as_mut(), &p, resource_not_found).await?;
    update_resource(c, ctx, tx, loaded, p, upload).await
}

pub(crate) async fn resource_patch(c: &Catalog, ctx: &Ctx, mut p: Params) -> Result<Value> {
    req_str(&p, "id")?;
    let upload = screened(c, take_upload(ctx, &mut p)?).await;
    let mut tx = c.store().begin().await?;
    let (r, d) = load(tx.as_mut(), &p, resource_not_found).await?;
    if !dataset_perm(c, tx.as_mut(), ctx, &d, Permission::UpdateDataset).await? {
        return Err(not_authorized_on(
            ctx,
            "User %{user} not authorized to edit resource %{id}",
            &r.id,
        ));
    }
    let shown = dataset_input(c, tx.as_mut(), &d).await?;
    let current = usize::try_from(r.position)
        .ok()
        .and_then(|i| resources_of(&shown).get(i).cloned())
        .filter(|x| x["id"] == json!(r.id))
        .ok_or_else(resource_not_found)?;
    let mut patched = match current {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    patched.remove("metadata_modified");
    for (k, v) in p {
        patched.insert(k, v);
    }
    update_resource(c, ctx, tx, (r, d), patched, upload).await
}

pub(crate) async fn resource_delete(c: &Catalog, ctx: &Ctx, p: Params) -> Result<Value> {
    let mut tx = c.store().begin().await?;
    let (r, d) = load(tx.as_mut(), &p, plain_not_found).await?;
    if !dataset_perm(c, tx.as_mut(), ctx, &d, Permission::DeleteDataset).await? {
        return Err(not_authorized_on(
            ctx,
            "User %{user} not authorized to delete resource %{id}",
            &r.id,
        ));
    }
    if !can_read(c, tx.as_mut(), ctx, &d).await? {
        return Err(read_denied(ctx, &d.id));
    }
    let mut input = dataset_input(c, tx.as_mut(), &d).await?;
    let resources: Vec<Value> = resources_of(&input)
        .into_iter()
        .filter(|x| x["id"] != json!(r.id))
        .collect();
    input.insert("resources".into(), Value::Array(resources));
    update_with(c, ctx, tx, d, input)
        .await
        .map_err(|e| resource_errors(e, None))?;
    Ok(Value::Null)
}

pub(crate) async fn package_resource_reorder(c: &Catalog, ctx: &Ctx, p: Params) -> Result<Value> {
    let id = req_str(&p, "id")?;
    let order = match p.get("order") {
        None => return Err(Error::missing("order")),
        Some(Value::Array(a)) => a.clone(),
        Some(_) => return Err(Error::field("order", "Must be a list of resource")),
    };
    if order
        .iter()
        .enumerate()
        .any(|(i, x)| order[..i].contains(x))
    {
        return Err(Error::field("order", "Must supply unique resource_ids"));
    }
    let mut tx = c.store().begin().await?;
    let d = tx.package_get(&id).await?.ok_or(Error::NotFound(None))?;
    if !can_read(c, tx.as_mut(), ctx, &d).await? {
        return Err(read_denied(ctx, &id));
    }
    let mut input = dataset_input(c, tx.as_mut(), &d).await?;
    let mut rest = resources_of(&input);
    let mut ordered = Vec::new();
    for rid in &order {
        match rest.iter().position(|x| &x["id"] == rid) {
            Some(i) => ordered.push(rest.remove(i)),
            None => {
                let shown = match rid {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                return Err(Error::field(
                    "order",
                    Msg::new("resource_id %{id} can not be found").arg("id", shown),
                ));
            }
        }
    }
    ordered.extend(rest);
    let ids: Vec<Value> = ordered.iter().map(|x| x["id"].clone()).collect();
    input.insert("resources".into(), Value::Array(ordered));
    update_with(c, ctx, tx, d, input)
        .await
        .map_err(|e| resource_errors(e, None))?;
    Ok(json!({"id": id, "order": ids}))
}

pub(crate) async fn resource_view_list(c: &Catalog, ctx: &Ctx, p: Params) -> Result<Value> {
    let mut tx = c.store().read().await?;
    let (r, d) = load(tx.as_mut(), &p, plain_not_found).await?;
    if !can_read(c, tx.as_mut(), ctx, &d).await? {
        return Err(not_authorized_on(
            ctx,
            "User %{user} not authorized to read resource %{id}",
            &r.id,
        ));
    }
    Ok(json!([]))
}

/// The files of `before`'s uploaded resources that `after` no longer has as uploads
/// (removed, deleted, or made links): their rows go in this transaction, and the keys
/// are returned, to remove after the commit.
pub(crate) async fn drop_files(
    tx: &mut dyn Tx,
    before: &Dataset,
    after: &Dataset,
) -> Result<Vec<String>> {
    let mut keys = Vec::new();
    for r in &before.resources {
        if r.url_type.as_deref() != Some("upload") {
            continue;
        }
        let kept = after.resources.iter().any(|x| {
            x.id == r.id
                && x.state == kho_core::model::STATE_ACTIVE
                && x.url_type.as_deref() == Some("upload")
        });
        if !kept {
            if let Some(f) = tx.resource_file_delete(&r.id).await? {
                keys.push(f.file_key);
            }
        }
    }
    Ok(keys)
}
