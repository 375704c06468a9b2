//! member_create, member_delete, member_list, member_roles_list and the
//! organization_/group_member_create/delete shorthands.

use kho_core::authz::{has_permission, Capacity, Permission};
use kho_core::error::Errors;
use kho_core::model::{Member, STATE_ACTIVE, STATE_DELETED};
use kho_core::params::{opt_str, req_str, Params};
use kho_core::{Error, Msg, Result};
use serde_json::{json, Value};

use super::{action, capacity_in, pd, require_user};
use crate::registry::{ParamDoc, Registry};
use crate::{Catalog, Ctx};

const MEMBER_PARAMS: &[ParamDoc] = &[
    pd(
        "id",
        "string",
        true,
        "the group or organization (id or name)",
    ),
    pd(
        "object",
        "string",
        true,
        "the member: a user, dataset or group (id or name)",
    ),
    pd("object_type", "string", true, "user, package or group"),
    pd(
        "capacity",
        "string",
        true,
        "for users: admin, editor (organizations only) or member",
    ),
];
const ROLE_PARAMS: &[ParamDoc] = &[
    pd(
        "id",
        "string",
        true,
        "the organization or group (id or name)",
    ),
    pd("username", "string", true, "the user (id or name)"),
    pd("role", "string", true, "admin, editor or member"),
];
const UNROLE_PARAMS: &[ParamDoc] = &[
    pd(
        "id",
        "string",
        true,
        "the organization or group (id or name)",
    ),
    pd("username", "string", false, "the user (id or name)"),
    pd("user_id", "string", false, "alternative to username"),
];

pub fn register(r: &mut Registry) {
    action!(r, "member_create", false, member_create,
        "Make an object (user, dataset or group) a member of a group or organization, or change its capacity.\n\n:param id: the group\n:param object: the object's id or name\n:param object_type: user, package or group\n:param capacity: the capacity\n:returns: the member row",
        MEMBER_PARAMS, "member");
    action!(r, "member_delete", false, member_delete,
        "Remove an object from a group or organization.\n\n:param id: the group\n:param object: the object's id or name\n:param object_type: user, package or group",
        &[pd("id", "string", true, "the group"), pd("object", "string", true, "id or name"), pd("object_type", "string", true, "user, package or group")],
        "null");
    action!(r, "member_list", true, member_list,
        "Return the members of a group or organization as [id, type, capacity] lists.\n\n:param id: the group\n:param object_type: only this type (user, package, group)\n:param capacity: only this capacity",
        &[pd("id", "string", true, "the group"), pd("object_type", "string", false, "user, package or group"), pd("capacity", "string", false, "filter")],
        "array");
    action!(r, "member_roles_list", true, member_roles_list,
        "Return the possible roles for members of groups or organizations.\n\n:param group_type: organization (default) or group",
        &[pd("group_type", "string", false, "organization (default) or group")], "array");
    action!(r, "organization_member_create", false, organization_member_create,
        "Make a user a member of an organization.\n\n:param id: the organization\n:param username: the user\n:param role: admin, editor or member", ROLE_PARAMS, "member");
    action!(r, "group_member_create", false, group_member_create,
        "Make a user a member of a group.\n\n:param id: the group\n:param username: the user\n:param role: admin or member", ROLE_PARAMS, "member");
    action!(r, "organization_member_delete", false, organization_member_delete,
        "Remove a user from an organization.\n\n:param id: the organization\n:param username: the user", UNROLE_PARAMS, "null");
    action!(
        r,
        "group_member_delete",
        false,
        group_member_delete,
        "Remove a user from a group.\n\n:param id: the group\n:param username: the user",
        UNROLE_PARAMS,
        "null"
    );
}

/// `member_dictize` (`table_dictize`): the member table's columns, in their order.
fn member_dict(m: &Member) -> Value {
    json!({
        "id": m.id,
        "table_name": m.table_name,
        "table_id": m.table_id,
        "capacity": m.capacity,
        "group_id": m.group_id,
        "state": m.state,
    })
}

async fn resolve_object(
    tx: &mut dyn kho_store::Tx,
    object: &str,
    object_type: &str,
) -> Result<String> {
    match object_type {
        "user" => tx
            .user_get(object)
            .await?
            .filter(|u| u.state != STATE_DELETED)
            .map(|u| u.id)
            .ok_or_else(|| Error::not_found("User was not found.")),
        "group" => tx
            .group_get(object)
            .await?
            .filter(|g| g.state != STATE_DELETED)
            .map(|g| g.id)
            .ok_or_else(|| Error::not_found("Group was not found.")),
        "package" => tx
            .package_get(object)
            .await?
            .filter(|d| d.state != STATE_DELETED)
            .map(|d| d.id)
            .ok_or_else(|| Error::not_found("Package was not found.")),
        other => Err(Error::field(
            "object_type",
            Msg::new("Unknown object type %{t}").arg("t", other),
        )),
    }
}

/// The group (not deleted) and the object's id, once the
/// caller is known to hold the permission a membership change needs.
async fn authorize_change(
    tx: &mut dyn kho_store::Tx,
    ctx: &Ctx,
    me: &kho_core::authz::ActorUser,
    group_ref: &str,
    object: &str,
    object_type: &str,
    denied: Msg,
) -> Result<(kho_core::model::Group, String)> {
    let group = tx
        .group_get(group_ref)
        .await?
        .filter(|g| g.state != STATE_DELETED)
        .ok_or_else(|| Error::not_found("Group was not found."))?;
    let object_id = resolve_object(tx, object, object_type).await?;
    let my_cap = capacity_in(tx, &me.id, &group.id).await?;
    // Adding datasets to a group needs `manage_group`; everything else needs admin.
    let needed = if object_type == "package" && !group.is_organization {
        Permission::ManageGroup
    } else {
        Permission::Admin
    };
    if !has_permission(&ctx.actor, my_cap, needed) {
        return Err(Error::denied(denied.arg("id", &group.id)));
    }
    Ok((group, object_id))
}

async fn add(
    c: &Catalog,
    ctx: &Ctx,
    group_ref: &str,
    object: &str,
    object_type: &str,
    capacity: &str,
) -> Result<Value> {
    let me = require_user(ctx, "member_create")?.clone();
    let mut tx = c.store().begin().await?;
    let denied = Msg::new("User %{user} not authorized to edit group %{id}").arg("user", &me.name);
    let (group, object_id) = authorize_change(
        tx.as_mut(),
        ctx,
        &me,
        group_ref,
        object,
        object_type,
        denied,
    )
    .await?;
    if object_type == "user" {
        let ok = Capacity::parse(capacity)
            .is_some_and(|c| group.is_organization || c != Capacity::Editor);
        if !ok {
            return Err(Error::field("role", "role does not exist."));
        }
    }
    let member = match tx.member_get(&group.id, &object_id, object_type).await? {
        Some(existing)
            if object_type == "user"
                && existing.table_id == me.id
                && existing.capacity == "admin"
                && capacity != "admin" =>
        {
            // CKAN refuses this to everyone, sysadmins included.
            return Err(Error::denied(Msg::new(
                "Administrators cannot revoke their own admin status",
            )));
        }
        Some(mut existing) => {
            existing.capacity = capacity.to_string();
            existing.state = STATE_ACTIVE.into();
            existing
        }
        None => Member {
            id: uuid::Uuid::new_v4().to_string(),
            group_id: group.id.clone(),
            table_id: object_id,
            table_name: object_type.to_string(),
            capacity: capacity.to_string(),
            state: STATE_ACTIVE.into(),
        },
    };
    tx.member_upsert(&member).await?;
    let stored = tx
        .member_get(&group.id, &member.table_id, object_type)
        .await?
        .unwrap_or(member);
    let kind = if group.is_organization {
        "organization"
    } else {
        "group"
    };
    tx.change_append(kind, &group.id, "update").await?;
    tx.commit().await?;
    Ok(member_dict(&stored))
}

async fn remove(
    c: &Catalog,
    ctx: &Ctx,
    group_ref: &str,
    object: &str,
    object_type: &str,
    action: &str,
) -> Result<Value> {
    let me = require_user(ctx, action)?.clone();
    let mut tx = c.store().begin().await?;
    let denied = Msg::new("User %{user} not authorized to delete member %{object} of group %{id}")
        .arg("user", &me.name)
        .arg("object", object);
    let (group, object_id) = authorize_change(
        tx.as_mut(),
        ctx,
        &me,
        group_ref,
        object,
        object_type,
        denied,
    )
    .await?;
    if tx
        .member_get(&group.id, &object_id, object_type)
        .await?
        .is_none()
    {
        return Err(Error::not_found("Member not found"));
    }
    tx.member_delete(&group.id, &object_id, object_type).await?;
    let kind = if group.is_organization {
        "organization"
    } else {
        "group"
    };
    tx.change_append(kind, &group.id, "update").await?;
    tx.commit().await?;
    Ok(Value::Null)
}

pub(crate) async fn member_create(c: &Catalog, ctx: &Ctx, p: Params) -> Result<Value> {
    let id = req_str(&p, "id")?;
    let object = req_str(&p, "object")?;
    let object_type = req_str(&p, "object_type")?;
    let capacity = req_str(&p, "capacity")?;
    add(c, ctx, &id, &object, &object_type, &capacity).await
}

pub(crate) async fn member_delete(c: &Catalog, ctx: &Ctx, p: Params) -> Result<Value> {
    let id = req_str(&p, "id")?;
    let object = req_str(&p, "object")?;
    let object_type = req_str(&p, "object_type")?;
    remove(c, ctx, &id, &object, &object_type, "member_delete").await
}

pub(crate) async fn member_list(c: &Catalog, ctx: &Ctx, p: Params) -> Result<Value> {
    let id = req_str(&p, "id")?;
    let object_type = opt_str(&p, "object_type")?;
    let capacity = opt_str(&p, "capacity")?;
    let mut tx = c.store().read().await?;
    // CKAN: `Group.get` (any state), a bare NotFound, then the group_show auth check.
    let group = tx.group_get(&id).await?.ok_or(Error::NotFound(None))?;
    if object_type.as_deref() == Some("user")
        && !c.config().public_user_details
        && ctx.actor.user().is_none()
    {
        return Err(Error::denied(
            "Not authorized to see the members of this group",
        ));
    }
    if group.state != STATE_ACTIVE {
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
    let mut rows = Vec::new();
    for m in tx.member_list(&group.id, object_type.as_deref()).await? {
        if capacity.as_ref().is_some_and(|cap| *cap != m.capacity) {
            continue;
        }
        let label = if m.table_name == "user" {
            match Capacity::parse(&m.capacity) {
                Some(cap) => c.tr(ctx, cap.label()),
                None => m.capacity.clone(),
            }
        } else {
            m.capacity.clone()
        };
        rows.push(json!([m.table_id, m.table_name, label]));
    }
    Ok(Value::Array(rows))
}

pub(crate) async fn member_roles_list(c: &Catalog, ctx: &Ctx, p: Params) -> Result<Value> {
    let group_type = opt_str(&p, "group_type")?.unwrap_or_else(|| "organization".into());
    let mut roles = vec![Capacity::Admin];
    if group_type != "group" {
        roles.push(Capacity::Editor);
    }
    roles.push(Capacity::Member);
    Ok(Value::Array(
        roles
            .into_iter()
            .map(|r| json!({"text": c.tr(ctx, r.label()), "value": r.as_str()}))
            .collect(),
    ))
}

/// CKAN's `member_schema`: every field is validated before anything else (409 with all
/// field errors); only then is the kind checked and `member_create` called.
async fn role_create(c: &Catalog, ctx: &Ctx, p: Params, org: bool) -> Result<Value> {
    let id = opt_str(&p, "id")?.filter(|s| !s.is_empty());
    let username = opt_str(&p, "username")?
        .or(opt_str(&p, "user_id")?)
        .filter(|s| !s.is_empty());
    let role = opt_str(&p, "role")?.filter(|s| !s.is_empty());
    let mut errors = Errors::new();
    let mut is_org = None;
    {
        let mut tx = c.store().read().await?;
        match &id {
            None => errors.add("id", "Missing value"),
            Some(id) => match tx.group_get(id).await? {
                Some(g) => is_org = Some(g.is_organization),
                None => errors.add("id", "That group name or ID does not exist."),
            },
        }
        match &username {
            None => errors.add("username", "Missing value"),
            Some(u) => {
                if tx.user_get(u).await?.is_none() {
                    errors.add(
                        "username",
                        Msg::new("User not found: %{user}").arg("user", u),
                    );
                }
            }
        }
    }
    match &role {
        None => errors.add("role", "Missing value"),
        Some(r) if Capacity::parse(r).is_none_or(|r| !org && r == Capacity::Editor) => {
            errors.add("role", "role does not exist.")
        }
        Some(_) => {}
    }
    errors.into_result()?;
    let (Some(id), Some(username), Some(role)) = (id, username, role) else {
        return Err(Error::internal("member fields validated but absent"));
    };
    if is_org != Some(org) {
        return Err(Error::not_found("Group was not found."));
    }
    add(c, ctx, &id, &username, "user", &role).await
}

async fn role_delete(c: &Catalog, ctx: &Ctx, p: Params, org: bool) -> Result<Value> {
    let id = req_str(&p, "id")?;
    let username = match opt_str(&p, "username")?.or(opt_str(&p, "user_id")?) {
        Some(u) => u,
        None => return Err(Error::missing("username")),
    };
    {
        let mut tx = c.store().read().await?;
        let g = tx
            .group_get(&id)
            .await?
            .ok_or_else(|| Error::not_found("Group was not found."))?;
        if g.is_organization != org {
            return Err(Error::not_found("Group was not found."));
        }
    }
    let action = if org {
        "organization_member_delete"
    } else {
        "group_member_delete"
    };
    remove(c, ctx, &id, &username, "user", action).await
}

pub(crate) async fn organization_member_create(c: &Catalog, ctx: &Ctx, p: Params) -> Result<Value> {
    role_create(c, ctx, p, true).await
}
pub(crate) async fn group_member_create(c: &Catalog, ctx: &Ctx, p: Params) -> Result<Value> {
    role_create(c, ctx, p, false).await
}
pub(crate) async fn organization_member_delete(c: &Catalog, ctx: &Ctx, p: Params) -> Result<Value> {
    role_delete(c, ctx, p, true).await
}
pub(crate) async fn group_member_delete(c: &Catalog, ctx: &Ctx, p: Params) -> Result<Value> {
    role_delete(c, ctx, p, false).await
}
