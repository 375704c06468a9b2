//! Dataset collaborators (CKAN's `package_collaborator_*`, on with
//! `allow_dataset_collaborators`): users given `member` (read), `editor` (update) or,
//! with `allow_admin_collaborators`, `admin` (update and manage collaborators) on one
//! dataset, whatever organization they belong to.

use kho_core::authz::Permission;
use kho_core::model::{Collaborator, Dataset};
use kho_core::params::{opt_str, req_str, req_strs, Params};
use kho_core::time::isoformat;
use kho_core::{Error, Msg, Result};
use kho_store::Tx;
use serde_json::{Map, Value};

use super::action;
use super::datasets::{has_perm, is_collaborator};
use crate::registry::Registry;
use crate::{Catalog, Ctx};

pub fn register(r: &mut Registry) {
    action!(
        r,
        "package_collaborator_create",
        false,
        package_collaborator_create,
        "Make a user a collaborator in a dataset, or change their capacity if they already \
         are one. Needs `allow_dataset_collaborators`; only admins of the dataset's \
         organization (and admin collaborators, with `allow_admin_collaborators`) may manage \
         collaborators.",
        [
            ("id", "string", true, "the id or name of the dataset"),
            ("user_id", "string", true, "the id or name of the user"),
            (
                "capacity",
                "string",
                true,
                "`editor` or `member` (`admin` too with `allow_admin_collaborators`)"
            ),
        ],
        "the collaborator: `{package_id, user_id, capacity, modified}`"
    );
    action!(
        r,
        "package_collaborator_delete",
        false,
        package_collaborator_delete,
        "Remove a collaborator from a dataset.",
        [
            ("id", "string", true, "the id or name of the dataset"),
            ("user_id", "string", true, "the id or name of the user"),
        ],
        "null"
    );
    action!(
        r,
        "package_collaborator_list",
        true,
        package_collaborator_list,
        "The collaborators of a dataset (for those who may manage them).",
        [
            ("id", "string", true, "the id or name of the dataset"),
            (
                "capacity",
                "string",
                false,
                "only collaborators with this capacity"
            ),
        ],
        "a list of `{package_id, user_id, capacity, modified}`"
    );
    action!(
        r,
        "package_collaborator_list_for_user",
        true,
        package_collaborator_list_for_user,
        "The datasets a user collaborates on (only the user themselves may ask).",
        [
            ("id", "string", true, "the id or name of the user"),
            (
                "capacity",
                "string",
                false,
                "only datasets where the user has this capacity"
            ),
        ],
        "a list of `{package_id, capacity, modified}`"
    );
}

/// `authz.get_collaborator_capacities`.
fn capacities(c: &Catalog) -> &'static [&'static str] {
    if c.config().allow_admin_collaborators {
        &["admin", "editor", "member"]
    } else {
        &["editor", "member"]
    }
}

fn not_enabled() -> Error {
    Error::ValidationMessage(Msg::new("Dataset collaborators not enabled"))
}

/// CKAN's `member_dictize` / `as_dict` of a collaborator row, in column order.
fn collaborator_dict(m: &Collaborator, with_user: bool) -> Value {
    let mut out = Map::new();
    out.insert("package_id".into(), m.package_id.clone().into());
    if with_user {
        out.insert("user_id".into(), m.user_id.clone().into());
    }
    out.insert("capacity".into(), m.capacity.clone().into());
    out.insert("modified".into(), isoformat(&m.modified).into());
    Value::Object(out)
}

/// `authz.can_manage_collaborators`: admins of the owning organization (sysadmins
/// included), and admin collaborators when those are allowed.
async fn can_manage(c: &Catalog, tx: &mut dyn Tx, ctx: &Ctx, d: &Dataset) -> Result<bool> {
    if ctx.actor.user().is_none() {
        return Ok(false);
    }
    if ctx.actor.is_sysadmin() {
        return Ok(true);
    }
    if let Some(org) = &d.owner_org {
        if has_perm(tx, ctx, org, Permission::Membership).await? {
            return Ok(true);
        }
    }
    Ok(c.config().allow_admin_collaborators
        && is_collaborator(c, tx, ctx, &d.id, &["admin"]).await?)
}

/// The dataset `id`, if the caller may manage its collaborators; `not_found` and the
/// refusal `template` are the calling action's own (CKAN words them differently).
async fn managed_dataset(
    c: &Catalog,
    tx: &mut dyn Tx,
    ctx: &Ctx,
    id: &str,
    not_found: &str,
    template: &str,
) -> Result<Dataset> {
    let d = tx
        .package_get(id)
        .await?
        .ok_or_else(|| Error::not_found(not_found))?;
    if !can_manage(c, tx, ctx, &d).await? {
        return Err(Error::denied(
            Msg::new(template).arg("user", ctx.actor.display()),
        ));
    }
    Ok(d)
}

async fn package_collaborator_create(c: &Catalog, ctx: &Ctx, p: Params) -> Result<Value> {
    let [id, user_id, capacity] = req_strs(&p, ["id", "user_id", "capacity"])?;
    let allowed = capacities(c);
    if !allowed.contains(&capacity.as_str()) {
        return Err(Error::ValidationMessage(
            Msg::new("Role must be one of \"%{roles}\"").arg("roles", allowed.join(", ")),
        ));
    }
    let mut tx = c.store().begin().await?;
    let d = managed_dataset(
        c,
        tx.as_mut(),
        ctx,
        &id,
        "Dataset not found",
        "User %{user} not authorized to add collaborators to this dataset",
    )
    .await?;
    let user = tx
        .user_get(&user_id)
        .await?
        .ok_or_else(|| Error::not_found("User not found"))?;
    if !c.config().allow_dataset_collaborators {
        return Err(not_enabled());
    }
    let m = Collaborator {
        package_id: d.id.clone(),
        user_id: user.id,
        capacity,
        modified: kho_core::time::now_utc(),
    };
    // No change-log row: the dataset's own labels do not change, only the caller labels
    // that are read from the store on every request.
    tx.collaborator_upsert(&m).await?;
    tx.commit().await?;
    Ok(collaborator_dict(&m, true))
}

async fn package_collaborator_delete(c: &Catalog, ctx: &Ctx, p: Params) -> Result<Value> {
    let [id, user_id] = req_strs(&p, ["id", "user_id"])?;
    let mut tx = c.store().begin().await?;
    let d = managed_dataset(
        c,
        tx.as_mut(),
        ctx,
        &id,
        "Package not found",
        "User %{user} not authorized to remove collaborators from this dataset",
    )
    .await?;
    if !c.config().allow_dataset_collaborators {
        return Err(not_enabled());
    }
    let user = tx
        .user_get(&user_id)
        .await?
        .ok_or_else(|| Error::not_found("User not found"))?;
    if !tx.collaborator_delete(&d.id, &user.id).await? {
        return Err(Error::not_found(
            Msg::new("User %{user} is not a collaborator on this package").arg("user", &user_id),
        ));
    }
    tx.commit().await?;
    Ok(Value::Null)
}

/// The optional `capacity` filter, checked against the allowed capacities.
fn capacity_filter(c: &Catalog, p: &Params) -> Result<Option<String>> {
    let capacity = opt_str(p, "capacity")?.filter(|s| !s.is_empty());
    let allowed = capacities(c);
    match capacity {
        Some(cap) if !allowed.contains(&cap.as_str()) => Err(Error::ValidationMessage(
            Msg::new("Capacity must be one of \"%{roles}\"").arg("roles", allowed.join(", ")),
        )),
        other => Ok(other),
    }
}

async fn package_collaborator_list(c: &Catalog, ctx: &Ctx, p: Params) -> Result<Value> {
    let id = req_str(&p, "id")?;
    let mut tx = c.store().read().await?;
    let d = managed_dataset(
        c,
        tx.as_mut(),
        ctx,
        &id,
        "Package not found",
        "User %{user} not authorized to list collaborators from this dataset",
    )
    .await?;
    if !c.config().allow_dataset_collaborators {
        return Err(not_enabled());
    }
    let capacity = capacity_filter(c, &p)?;
    let list = tx.collaborators_of_package(&d.id).await?;
    Ok(Value::Array(
        list.iter()
            .filter(|m| capacity.as_deref().is_none_or(|cap| m.capacity == cap))
            .map(|m| collaborator_dict(m, true))
            .collect(),
    ))
}

async fn package_collaborator_list_for_user(c: &Catalog, ctx: &Ctx, p: Params) -> Result<Value> {
    let id = req_str(&p, "id")?;
    if !c.config().allow_dataset_collaborators {
        return Err(not_enabled());
    }
    // Only the user themselves (CKAN: not even sysadmins are special-cased).
    let own = ctx.actor.user().is_some_and(|u| u.id == id || u.name == id);
    if !own && !ctx.actor.is_sysadmin() {
        return Err(Error::NotAuthorized(None));
    }
    let mut tx = c.store().read().await?;
    let user = tx
        .user_get(&id)
        .await?
        .ok_or_else(|| Error::denied("Not allowed to retrieve collaborators"))?;
    let capacity = capacity_filter(c, &p)?;
    let list = tx.collaborations_of_user(&user.id).await?;
    Ok(Value::Array(
        list.iter()
            .filter(|m| capacity.as_deref().is_none_or(|cap| m.capacity == cap))
            .map(|m| collaborator_dict(m, false))
            .collect(),
    ))
}
