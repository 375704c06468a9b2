//! Dataset lists and bulk dataset changes: `current_package_list_with_resources`,
//! `group_package_show`, `package_owner_org_update` and `bulk_update_*`
//! (docs/ckan-api.md §3.2, §4.1, §5).

use kho_core::authz::{has_permission, Permission};
use kho_core::dataset::PackageDictOptions;
use kho_core::model::{Dataset, STATE_ACTIVE, STATE_DELETED};
use kho_core::params::{opt_int, opt_list, opt_natural, Params};
use kho_core::{Error, Msg, Result};
use kho_store::{DatasetFilter, Tx};
use serde_json::Value;

use super::datasets::{dataset_dict, dataset_dict_ser, has_perm, text_of, OPEN, RESTRICTED};
use super::{action, capacity_in, id_param, pd, record_package_activity, require_user};
use crate::registry::{ParamDoc, Registry};
use crate::{Catalog, Ctx};

/// CKAN's `ckan.search.rows_max`: `package_search` never returns more rows than this.
const ROWS_MAX: i64 = 1000;

const CURRENT_PARAMS: &[ParamDoc] = &[
    pd(
        "limit",
        "integer",
        false,
        "at most this many datasets (default 10, at most 1000)",
    ),
    pd("offset", "integer", false, "skip this many datasets"),
    pd(
        "page",
        "integer",
        false,
        "deprecated: with limit and without offset, the page to return (from 1)",
    ),
];
const GROUP_PACKAGE_PARAMS: &[ParamDoc] = &[
    pd(
        "id",
        "string",
        true,
        "id or name of the group or organization",
    ),
    pd(
        "limit",
        "integer",
        false,
        "at most this many datasets (default 10, at most 1000)",
    ),
];
const OWNER_ORG_PARAMS: &[ParamDoc] = &[
    pd("id", "string", true, "id or name of the dataset"),
    pd(
        "organization_id",
        "string",
        false,
        "id or name of the new owner organization (empty: unowned)",
    ),
];
const BULK_PARAMS: &[ParamDoc] = &[
    pd("datasets", "array", true, "ids of the datasets to update"),
    pd("org_id", "string", true, "id of the owner organization"),
];

pub fn register(r: &mut Registry) {
    action!(r, "current_package_list_with_resources", true, current_package_list_with_resources,
        "Return a list of the site's datasets and their resources, most recently modified first. Only sysadmins see private datasets.\n\n:param limit: at most this many datasets (optional, default 10)\n:param offset: skip this many datasets (optional)\n:param page: deprecated, use offset: with limit, the page to return (optional)\n:rtype: list of dictionaries",
        CURRENT_PARAMS, "array");
    action!(r, "group_package_show", true, group_package_show,
        "Return the public datasets of a group (or organization), most recently modified first.\n\n:param id: the id or name of the group\n:param limit: the maximum number of datasets to return (optional, default 10)\n:rtype: list of dictionaries",
        GROUP_PACKAGE_PARAMS, "array");
    action!(r, "package_owner_org_update", false, package_owner_org_update,
        "Update the owning organization of a dataset (sysadmin only).\n\n:param id: the name or id of the dataset to update\n:param organization_id: the name or id of the owning organization (empty: unowned)",
        OWNER_ORG_PARAMS, "null");
    action!(r, "bulk_update_private", false, bulk_update_private,
        "Make a list of datasets private (organization admins). Datasets not owned by org_id are ignored.\n\n:param datasets: list of ids of the datasets to update\n:param org_id: id of the owning organization",
        BULK_PARAMS, "null");
    action!(r, "bulk_update_public", false, bulk_update_public,
        "Make a list of datasets public (organization admins). Datasets not owned by org_id are ignored.\n\n:param datasets: list of ids of the datasets to update\n:param org_id: id of the owning organization",
        BULK_PARAMS, "null");
    action!(r, "bulk_update_delete", false, bulk_update_delete,
        "Delete a list of datasets (organization admins). Datasets not owned by org_id are ignored.\n\n:param datasets: list of ids of the datasets to update\n:param org_id: id of the owning organization",
        BULK_PARAMS, "null");
}

/// `package_search` rows, as its schema reads them (default 10, clamped to the maximum).
fn clamp_rows(n: Option<i64>) -> i64 {
    n.unwrap_or(10).min(ROWS_MAX)
}

/// The package dicts of one page of datasets.
async fn page_dicts(
    c: &Catalog,
    tx: &mut dyn Tx,
    filter: &DatasetFilter,
    limit: i64,
    offset: i64,
) -> Result<Value> {
    let mut out = Vec::new();
    if limit <= 0 {
        return Ok(Value::Array(out));
    }
    for d in tx.package_page(filter, limit, offset).await? {
        out.push(dataset_dict(c, tx, &d, PackageDictOptions::default()).await?);
    }
    Ok(Value::Array(out))
}

/// Active public datasets only (`package_search` without `include_private`).
fn public_only() -> Option<Vec<String>> {
    kho_core::visibility::caller_labels(false, None)
}

pub(crate) async fn current_package_list_with_resources(
    c: &Catalog,
    ctx: &Ctx,
    p: Params,
) -> Result<Value> {
    let limit = opt_natural(&p, "limit")?;
    let mut offset = opt_natural(&p, "offset")?.unwrap_or(0);
    if !p.contains_key("offset") && p.contains_key("page") {
        // Deprecated: `page` counts from 1 and needs `limit`.
        let page = opt_int(&p, "page")?.unwrap_or(1);
        offset = match limit {
            Some(l) if l > 0 => (page - 1).max(0).saturating_mul(l),
            _ => 0,
        };
    }
    let filter = DatasetFilter {
        states: vec![STATE_ACTIVE.to_owned()],
        // CKAN passes include_private only for sysadmins.
        readable_by: if ctx.actor.is_sysadmin() {
            None
        } else {
            public_only()
        },
        ..DatasetFilter::default()
    };
    let mut tx = c.store().read().await?;
    page_dicts(c, tx.as_mut(), &filter, clamp_rows(limit), offset).await
}

pub(crate) async fn group_package_show(c: &Catalog, ctx: &Ctx, p: Params) -> Result<Value> {
    let id = id_param(&p, "id")?;
    let bad_limit = || Error::field("message", "Limit must be a positive integer");
    let limit = match p.get("limit") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.is_empty() => None,
        Some(_) => match opt_int(&p, "limit") {
            Ok(Some(n)) if n < 0 => return Err(bad_limit()),
            Ok(n) => n.filter(|n| *n > 0),
            Err(_) => return Err(bad_limit()),
        },
    };
    let mut tx = c.store().read().await?;
    let group = tx.group_get(&id).await?.ok_or(Error::NotFound(None))?;
    // group_show's auth: active groups are public, others need `read`.
    if group.state != STATE_ACTIVE && !ctx.actor.is_sysadmin() {
        let cap = match ctx.actor.user_id() {
            Some(uid) => capacity_in(tx.as_mut(), uid, &group.id).await?,
            None => None,
        };
        if !has_permission(&ctx.actor, cap, Permission::Read) {
            return Err(Error::denied(
                Msg::new("User %{user} not authorized to read group %{id}")
                    .arg("user", ctx.actor.display())
                    .arg("id", &group.id),
            ));
        }
    }
    let mut filter = DatasetFilter {
        states: vec![STATE_ACTIVE.to_owned()],
        readable_by: public_only(),
        ..DatasetFilter::default()
    };
    if group.is_organization {
        filter.owner_org = Some(group.id.clone());
    } else {
        filter.group_id = Some(group.id.clone());
    }
    page_dicts(c, tx.as_mut(), &filter, clamp_rows(limit), 0).await
}

/// Save a changed dataset with its activity row; the caller appends the change-log row
/// (last, see `Tx::change_append`) and commits.
async fn save_changed(
    c: &Catalog,
    ctx: &Ctx,
    tx: &mut dyn Tx,
    d: &mut Dataset,
    activity_type: &str,
) -> Result<()> {
    d.metadata_modified = kho_core::time::now_utc();
    tx.package_update(d).await?;
    let shown = dataset_dict_ser(c, tx, d).await?;
    record_package_activity(tx, ctx, &shown, activity_type, d).await?;
    Ok(())
}

pub(crate) async fn package_owner_org_update(c: &Catalog, ctx: &Ctx, p: Params) -> Result<Value> {
    require_user(ctx, "package_owner_org_update")?;
    if !ctx.actor.is_sysadmin() {
        return Err(Error::NotAuthorized(None));
    }
    let name_or_id = text_of(p.get("id")).unwrap_or_default();
    let org_ref = text_of(p.get("organization_id"));
    let mut tx = c.store().begin().await?;
    let mut d = match name_or_id.as_str() {
        "" => None,
        s => tx.package_get(s).await?,
    }
    .ok_or_else(|| Error::not_found("Package was not found."))?;
    let new_owner = match org_ref {
        Some(r) => Some(
            tx.group_get(&r)
                .await?
                .filter(|g| g.is_organization)
                .ok_or_else(|| Error::not_found("Organization was not found."))?
                .id,
        ),
        None => None,
    };
    if d.owner_org == new_owner {
        return Ok(Value::Null);
    }
    d.owner_org = new_owner;
    save_changed(c, ctx, tx.as_mut(), &mut d, "changed package").await?;
    tx.change_append("package", &d.id, "update").await?;
    tx.commit().await?;
    Ok(Value::Null)
}

#[derive(Clone, Copy)]
enum Bulk {
    Private,
    Public,
    Delete,
}

async fn bulk_update(c: &Catalog, ctx: &Ctx, p: Params, action: &str, what: Bulk) -> Result<Value> {
    require_user(ctx, action)?;
    let org_id = text_of(p.get("org_id")).unwrap_or_default();
    let ids = opt_list(&p, "datasets", false)?.unwrap_or_default();
    let mut tx = c.store().begin().await?;
    // CKAN's has_user_permission_for_group_or_org(org_id, user, 'update'): org admins.
    let authorized = ctx.actor.is_sysadmin()
        || match tx.group_get(&org_id).await? {
            Some(g) if !org_id.is_empty() => {
                has_perm(tx.as_mut(), ctx, &g.id, Permission::Admin).await?
            }
            _ => false,
        };
    if !authorized {
        return Err(Error::NotAuthorized(None));
    }
    let mut seen = std::collections::HashSet::new();
    let mut changes: Vec<(String, &str)> = Vec::new();
    for id in ids {
        if !seen.insert(id.clone()) {
            continue;
        }
        // Only datasets given by id and owned by org_id, compared as stored (CKAN's query).
        let Some(mut d) = tx
            .package_get(&id)
            .await?
            .filter(|d| d.id == id && d.owner_org.as_deref() == Some(org_id.as_str()))
        else {
            continue;
        };
        let (activity_type, op) = match what {
            Bulk::Private => {
                if d.sharing_level != OPEN {
                    continue;
                }
                d.sharing_level = RESTRICTED.into();
                ("changed package", "update")
            }
            Bulk::Public => {
                if d.sharing_level == OPEN {
                    continue;
                }
                d.sharing_level = OPEN.into();
                ("changed package", "update")
            }
            Bulk::Delete => {
                if d.state == STATE_DELETED {
                    continue;
                }
                d.state = STATE_DELETED.into();
                ("deleted package", "delete")
            }
        };
        save_changed(c, ctx, tx.as_mut(), &mut d, activity_type).await?;
        changes.push((d.id, op));
    }
    for (id, op) in &changes {
        tx.change_append("package", id, op).await?;
    }
    tx.commit().await?;
    Ok(Value::Null)
}

pub(crate) async fn bulk_update_private(c: &Catalog, ctx: &Ctx, p: Params) -> Result<Value> {
    bulk_update(c, ctx, p, "bulk_update_private", Bulk::Private).await
}

pub(crate) async fn bulk_update_public(c: &Catalog, ctx: &Ctx, p: Params) -> Result<Value> {
    bulk_update(c, ctx, p, "bulk_update_public", Bulk::Public).await
}

pub(crate) async fn bulk_update_delete(c: &Catalog, ctx: &Ctx, p: Params) -> Result<Value> {
    bulk_update(c, ctx, p, "bulk_update_delete", Bulk::Delete).await
}
