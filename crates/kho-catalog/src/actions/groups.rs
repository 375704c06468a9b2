//! Organizations and groups: create, show, list, update, patch, delete, purge, and the
//! per-user listings. One implementation serves both kinds, as in CKAN.

use kho_core::authz::{has_permission, Capacity, Permission};
use kho_core::error::{ErrorDict, Errors, FieldErrors};
use kho_core::model::{
    Group, GroupExtra, Member, ALIAS_GROUP, STATE_ACTIVE, STATE_DELETED, STATE_PENDING,
};
use kho_core::params::{asbool, opt_list, opt_natural, opt_str, Params};
use kho_core::profile::OrganizationSchema;
use kho_core::{validate, Error, Msg, Result};
use kho_store::Tx;
use serde_json::{json, Map, Value};
use std::sync::Arc;

use super::{
    action, capacity_in, group_packages, id_param, load_group, pd, record_activity, require_user,
};
use crate::dictize::{self, UserView};
use crate::registry::{ParamDoc, Registry};
use crate::{Catalog, Ctx};

const CREATE_PARAMS: &[ParamDoc] = &[
    pd(
        "name",
        "string",
        true,
        "2-100 lowercase alphanumeric characters, - and _; unique among groups and organizations",
    ),
    pd("title", "string", false, "display title"),
    pd("description", "string", false, "description"),
    pd("image_url", "string", false, "logo URL"),
    pd("extras", "array", false, "list of {key, value}"),
    pd(
        "users",
        "array",
        false,
        "list of {name, capacity}; capacity admin, editor or member",
    ),
    pd(
        "groups",
        "array",
        false,
        "parents: list of {name, capacity}",
    ),
    pd(
        "packages",
        "array",
        false,
        "groups only: datasets, list of {id or name}",
    ),
    pd(
        "type",
        "string",
        false,
        "group type (groups only; default group)",
    ),
    pd("id", "string", false, "sysadmin only: a UUID"),
    pd("state", "string", false, "active or deleted (sysadmin)"),
    pd("approval_status", "string", false, "default approved"),
];
const SHOW_PARAMS: &[ParamDoc] = &[
    pd("id", "string", true, "id or name"),
    pd(
        "include_datasets",
        "boolean",
        false,
        "include up to 10 datasets (default false)",
    ),
    pd(
        "include_dataset_count",
        "boolean",
        false,
        "include package_count (default true)",
    ),
    pd("include_extras", "boolean", false, "default true"),
    pd("include_users", "boolean", false, "default true"),
    pd("include_groups", "boolean", false, "default true"),
    pd("include_followers", "boolean", false, "default true"),
    pd("include_member_count", "boolean", false, "default false"),
];
const LIST_PARAMS: &[ParamDoc] = &[
    pd(
        "sort",
        "string",
        false,
        "title (default), name or package_count, then asc or desc",
    ),
    pd(
        "limit",
        "integer",
        false,
        "at most 1000, or 25 with all_fields; 0 for no limit",
    ),
    pd("offset", "integer", false, "skip this many"),
    pd(
        "q",
        "string",
        false,
        "substring of name, title or description",
    ),
    pd(
        "organizations",
        "array",
        false,
        "only these names (organization_list)",
    ),
    pd("groups", "array", false, "only these names (group_list)"),
    pd("type", "string", false, "group type"),
    pd(
        "all_fields",
        "boolean",
        false,
        "dicts instead of names (default false)",
    ),
    pd(
        "include_dataset_count",
        "boolean",
        false,
        "with all_fields (default true)",
    ),
    pd(
        "include_extras",
        "boolean",
        false,
        "with all_fields (default false)",
    ),
    pd(
        "include_users",
        "boolean",
        false,
        "with all_fields (default false)",
    ),
    pd(
        "include_groups",
        "boolean",
        false,
        "with all_fields (default false)",
    ),
];
const ID_PARAM: &[ParamDoc] = &[pd("id", "string", true, "id or name")];

pub fn register(r: &mut Registry) {
    action!(r, "organization_create", false, organization_create,
        "Create a new organization; the caller becomes its admin.\n\n:param name: unique name\n:param title, description, image_url, extras, users, groups: optional\n:returns: the organization, as organization_show",
        CREATE_PARAMS, "organization");
    action!(r, "group_create", false, group_create,
        "Create a new group; the caller becomes its admin.\n\n:param name: unique name\n:param title, description, image_url, type, extras, users, groups, packages: optional\n:returns: the group, as group_show",
        CREATE_PARAMS, "group");
    action!(r, "organization_show", true, organization_show,
        "Return an organization.\n\n:param id: the id or name\n:param include_datasets: up to 10 datasets (default false)\n:param include_dataset_count, include_extras, include_users, include_groups, include_followers: default true\n:param include_member_count: default false",
        SHOW_PARAMS, "organization");
    action!(r, "group_show", true, group_show,
        "Return a group.\n\n:param id: the id or name\n:param include_datasets: up to 10 datasets (default false)\n:param include_dataset_count, include_extras, include_users, include_groups, include_followers: default true\n:param include_member_count: default false",
        SHOW_PARAMS, "group");
    action!(r, "organization_list", true, organization_list,
        "Return the names (or, with all_fields, the dicts) of the site's organizations.\n\n:param sort: title (default), name or package_count, asc or desc\n:param limit: at most 1000 (25 with all_fields); 0 for no limit\n:param offset, q, organizations, all_fields, include_*: optional",
        LIST_PARAMS, "array");
    action!(r, "group_list", true, group_list,
        "Return the names (or, with all_fields, the dicts) of the site's groups.\n\n:param sort: title (default), name or package_count, asc or desc\n:param limit: at most 1000 (25 with all_fields); 0 for no limit\n:param offset, q, groups, all_fields, include_*: optional",
        LIST_PARAMS, "array");
    action!(r, "organization_update", false, organization_update,
        "Update an organization. Keys not given keep their values; users, groups and a non-empty extras list replace the existing ones when given. Members are kept when users is absent.\n\n:param id: the id or name",
        CREATE_PARAMS, "organization");
    action!(r, "group_update", false, group_update,
        "Update a group. Keys not given keep their values; users, groups, packages and a non-empty extras list replace the existing ones when given. Members are kept when users is absent.\n\n:param id: the id or name",
        CREATE_PARAMS, "group");
    action!(
        r,
        "organization_patch",
        false,
        organization_patch,
        "Update part of an organization: keys not given are kept.\n\n:param id: the id or name",
        CREATE_PARAMS,
        "organization"
    );
    action!(
        r,
        "group_patch",
        false,
        group_patch,
        "Update part of a group: keys not given are kept.\n\n:param id: the id or name",
        CREATE_PARAMS,
        "group"
    );
    action!(r, "organization_delete", false, organization_delete,
        "Delete an organization (state deleted); refused while it still has datasets. Its memberships are removed.\n\n:param id: the id or name",
        ID_PARAM, "null");
    action!(
        r,
        "group_delete",
        false,
        group_delete,
        "Delete a group (state deleted). Its memberships are removed.\n\n:param id: the id or name",
        ID_PARAM,
        "null"
    );
    action!(
        r,
        "organization_purge",
        false,
        organization_purge,
        "Remove an organization for ever (sysadmin only).\n\n:param id: the id or name",
        ID_PARAM,
        "null"
    );
    action!(
        r,
        "group_purge",
        false,
        group_purge,
        "Remove a group for ever (sysadmin only).\n\n:param id: the id or name",
        ID_PARAM,
        "null"
    );
    action!(r, "organization_list_for_user", true, organization_list_for_user,
        "Return the organizations a user has a permission in (sysadmins: every organization, as admin).\n\n:param id: the user's id or name (default the caller)\n:param permission: default manage_group\n:param include_dataset_count: default false\n:returns: organization dicts with capacity",
        &[pd("id", "string", false, "user id or name (default the caller)"), pd("permission", "string", false, "default manage_group"),
          pd("include_dataset_count", "boolean", false, "default false"), pd("include_member_count", "boolean", false, "default false")],
        "array");
    action!(r, "group_list_authz", true, group_list_authz,
        "Return the groups the caller may add datasets to.\n\n:param am_member: only groups the caller is a member of, also for sysadmins (default false)\n:param available_only: leave out groups the dataset package_id is in (default false)",
        &[pd("am_member", "boolean", false, "default false"), pd("available_only", "boolean", false, "default false"),
          pd("package_id", "string", false, "with available_only")],
        "array");
}

/// Which kind an action works on.
#[derive(Clone, Copy)]
struct Kind {
    org: bool,
}

impl Kind {
    fn noun(self) -> &'static str {
        if self.org {
            "organization"
        } else {
            "group"
        }
    }
}

const ORG: Kind = Kind { org: true };
const GRP: Kind = Kind { org: false };

/// Python's type name of a JSON value, as it appears in navl's DataError text.
fn py_type(v: &Value) -> &'static str {
    match v {
        Value::Object(_) => "dict",
        Value::Array(_) => "list",
        Value::String(_) => "str",
        Value::Number(n) if n.is_f64() => "float",
        Value::Number(_) => "int",
        Value::Bool(_) => "bool",
        Value::Null => "NoneType",
    }
}

/// A list-of-dicts parameter, or navl's 400 "Integrity Error".
fn dict_list<'a>(p: &'a Params, key: &str) -> Result<Option<Vec<&'a Map<String, Value>>>> {
    match p.get(key) {
        None | Some(Value::Null) => Ok(None),
        // navl flattens a list only when its first item is a dict; otherwise the whole
        // list is "placed against the subschema".
        Some(Value::Array(items)) if items.first().is_none_or(Value::is_object) => {
            let mut out = Vec::new();
            for it in items {
                match it {
                    Value::Object(m) => out.push(m),
                    _ => return Err(data_error(p, "Values in lists need to be dicts".into())),
                }
            }
            Ok(Some(out))
        }
        Some(other) => Err(integrity(p, key, other)),
    }
}

/// navl's DataError text: the flattened key is a Python tuple, e.g. `('extras',)`.
fn integrity(p: &Params, key: &str, v: &Value) -> Error {
    data_error(
        p,
        format!(
            "Only lists of dicts can be placed against subschema ('{key}',), not <class '{}'>",
            py_type(v)
        ),
    )
}

fn data_error(p: &Params, message: String) -> Error {
    Error::Integrity {
        message,
        data: Value::Object(p.clone()),
    }
}

fn str_of(m: &Map<String, Value>, key: &str) -> Option<String> {
    match m.get(key) {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    }
}

/// Parsed and validated list inputs of a create or update.
#[derive(Default)]
struct Lists {
    extras: Option<Vec<(String, String, bool)>>,
    users: Option<Vec<(String, String)>>,
    parents: Option<Vec<(String, String)>>,
    /// `(id or name, capacity)` of each `packages` item, unresolved.
    packages: Option<Vec<group_packages::PackageRef>>,
}

async fn parse_lists(
    tx: &mut dyn Tx,
    p: &Params,
    kind: Kind,
    errors: &mut Errors,
    profile: Option<&OrganizationSchema>,
) -> Result<Lists> {
    let mut out = Lists::default();
    if let Some(extras) = dict_list(p, "extras")? {
        let mut items = Vec::new();
        let mut parsed = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for e in extras {
            let mut d = ErrorDict::new();
            let key = str_of(e, "key").filter(|k| !k.trim().is_empty());
            if key.is_none() {
                d.insert(
                    "key".into(),
                    FieldErrors::Messages(vec![Msg::new("Missing value")]),
                );
            }
            // scheming adds the profile's fields to the group schema, so CKAN's
            // `extra_key_not_in_root_schema` refuses extras named like one.
            if key
                .as_deref()
                .is_some_and(|k| profile.is_some_and(|s| s.is_profile_field(k)))
            {
                d.insert(
                    "key".into(),
                    FieldErrors::Messages(vec![Msg::new(
                        "There is a schema field with the same name",
                    )]),
                );
            }
            let value = match e.get("value") {
                None => {
                    d.insert(
                        "value".into(),
                        FieldErrors::Messages(vec![Msg::new("Missing value")]),
                    );
                    String::new()
                }
                Some(Value::String(s)) => s.clone(),
                Some(Value::Null) => String::new(),
                Some(other) => other.to_string(),
            };
            let deleted = e
                .get("deleted")
                .is_some_and(kho_core::params::boolean_validator);
            if let Some(k) = &key {
                if !seen.insert(k.clone()) && !errors.has("extras") {
                    errors.add("extras", Msg::new("Duplicate key \"%{key}\"").arg("key", k));
                }
                parsed.push((k.clone(), value, deleted));
            }
            items.push(d);
        }
        if !errors.has("extras") {
            errors.set_items("extras", items);
        }
        out.extras = Some(parsed);
    }
    if let Some(users) = dict_list(p, "users")? {
        let mut items = Vec::new();
        let mut parsed = Vec::new();
        for u in users {
            let mut d = ErrorDict::new();
            let name = str_of(u, "name").or_else(|| str_of(u, "id"));
            let capacity = str_of(u, "capacity").unwrap_or_else(|| "member".into());
            match &name {
                None => {
                    d.insert(
                        "name".into(),
                        FieldErrors::Messages(vec![Msg::new("Missing value")]),
                    );
                }
                Some(n) => match tx.user_get(n).await?.filter(|x| x.state != STATE_DELETED) {
                    None => {
                        d.insert(
                            "name".into(),
                            FieldErrors::Messages(vec![
                                Msg::new("User not found: %{user}").arg("user", n)
                            ]),
                        );
                    }
                    Some(user) => {
                        let ok = Capacity::parse(&capacity)
                            .is_some_and(|c| kind.org || c != Capacity::Editor);
                        if ok {
                            parsed.push((user.id, capacity));
                        } else {
                            d.insert(
                                "capacity".into(),
                                FieldErrors::Messages(vec![Msg::new("role does not exist.")]),
                            );
                        }
                    }
                },
            }
            items.push(d);
        }
        errors.set_items("users", items);
        out.users = Some(parsed);
    }
    if let Some(groups) = dict_list(p, "groups")? {
        let mut items = Vec::new();
        let mut parsed = Vec::new();
        for g in groups {
            let mut d = ErrorDict::new();
            let name = str_of(g, "name").or_else(|| str_of(g, "id"));
            let capacity = str_of(g, "capacity").unwrap_or_else(|| "parent".into());
            match &name {
                None => {
                    d.insert(
                        "name".into(),
                        FieldErrors::Messages(vec![Msg::new("Missing value")]),
                    );
                }
                Some(n) => match load_group(tx, n, kind.org)
                    .await?
                    .filter(|x| x.state == STATE_ACTIVE)
                {
                    None => {
                        d.insert(
                            "name".into(),
                            FieldErrors::Messages(vec![Msg::new(
                                "That group name or ID does not exist.",
                            )]),
                        );
                    }
                    Some(parent) => parsed.push((parent.id, capacity)),
                },
            }
            items.push(d);
        }
        errors.set_items("groups", items);
        out.parents = Some(parsed);
    }
    if !kind.org {
        // Resolved against the caller's visibility in `group_packages::resolve`.
        if let Some(pkgs) = dict_list(p, "packages")? {
            out.packages = Some(
                pkgs.into_iter()
                    .map(|pk| {
                        (
                            str_of(pk, "id").or_else(|| str_of(pk, "name")),
                            str_of(pk, "capacity").unwrap_or_else(|| "public".into()),
                        )
                    })
                    .collect(),
            );
        }
    }
    Ok(out)
}

async fn check_name(
    tx: &mut dyn Tx,
    name: &str,
    errors: &mut Errors,
    own_id: Option<&str>,
) -> Result<()> {
    if let Err(m) = validate::name(name) {
        errors.add("name", m);
    } else if let Some(g) = tx.group_get(name).await? {
        if own_id.is_none_or(|id| id != g.id) {
            errors.add("name", "Group name already exists in database");
        }
    }
    Ok(())
}

fn new_member(group_id: &str, table_id: &str, table_name: &str, capacity: &str) -> Member {
    Member {
        id: uuid::Uuid::new_v4().to_string(),
        group_id: group_id.into(),
        table_id: table_id.into(),
        table_name: table_name.into(),
        capacity: capacity.into(),
        state: STATE_ACTIVE.into(),
    }
}

/// Replace the rows of one table in a group by exactly `wanted`.
async fn replace_members(
    tx: &mut dyn Tx,
    group_id: &str,
    table: &str,
    wanted: &[(String, String)],
) -> Result<()> {
    for m in tx.member_list(group_id, Some(table)).await? {
        if !wanted.iter().any(|(id, _)| *id == m.table_id) {
            tx.member_delete(group_id, &m.table_id, table).await?;
        }
    }
    for (id, cap) in wanted {
        tx.member_upsert(&new_member(group_id, id, table, cap))
            .await?;
    }
    Ok(())
}

/// Replace the parents of a group (rows where it is the member of type `group`).
async fn replace_parents(
    tx: &mut dyn Tx,
    group_id: &str,
    wanted: &[(String, String)],
) -> Result<()> {
    for m in tx.member_of(group_id, "group").await? {
        if !wanted.iter().any(|(id, _)| *id == m.group_id) {
            tx.member_delete(&m.group_id, group_id, "group").await?;
        }
    }
    for (parent, cap) in wanted {
        if parent != group_id {
            tx.member_upsert(&new_member(parent, group_id, "group", cap))
                .await?;
        }
    }
    Ok(())
}

fn activity_labels() -> Vec<String> {
    vec!["public".into()]
}

/// The organization profile, when it applies to this kind and type (groups never have
/// one).
fn org_profile(c: &Catalog, kind: Kind, group_type: &str) -> Option<Arc<OrganizationSchema>> {
    if !kind.org {
        return None;
    }
    c.config()
        .profiles
        .organization
        .clone()
        .filter(|s| s.applies_to(group_type))
}

/// Store validated profile values as the group's extras (`None` removes one).
fn apply_profile_values(group: &mut Group, values: Vec<(String, Option<String>)>) {
    for (key, value) in values {
        match value {
            None => group.extras.retain(|e| e.key != key),
            Some(v) => match group.extras.iter_mut().find(|e| e.key == key) {
                Some(e) => {
                    e.value = v;
                    e.state = STATE_ACTIVE.into();
                }
                None => group.extras.push(GroupExtra {
                    id: uuid::Uuid::new_v4().to_string(),
                    group_id: group.id.clone(),
                    key,
                    value: v,
                    state: STATE_ACTIVE.into(),
                }),
            },
        }
    }
}

async fn create(c: &Catalog, ctx: &Ctx, p: Params, kind: Kind) -> Result<Value> {
    let action = if kind.org {
        "organization_create"
    } else {
        "group_create"
    };
    let me = require_user(ctx, action)?.clone();
    let allowed = me.sysadmin
        || if kind.org {
            c.config().user_create_organizations
        } else {
            c.config().user_create_groups
        };
    if !allowed {
        return Err(Error::denied(
            Msg::new(if kind.org {
                "User %{user} not authorized to create organizations"
            } else {
                "User %{user} not authorized to create groups"
            })
            .arg("user", &me.name),
        ));
    }
    let group_type = if kind.org {
        opt_str(&p, "type")?.unwrap_or_else(|| "organization".into())
    } else {
        let t = opt_str(&p, "type")?.unwrap_or_else(|| "group".into());
        if t == "organization" {
            return Err(Error::field(
                "type",
                "Trying to create an organization as a group",
            ));
        }
        t
    };
    let mut tx = c.store().begin().await?;
    let mut errors = Errors::new();
    let name = opt_str(&p, "name")?.filter(|n| !n.is_empty());
    match &name {
        None => errors.add("name", "Missing value"),
        Some(n) => check_name(tx.as_mut(), n, &mut errors, None).await?,
    }
    let id = match opt_str(&p, "id")?.filter(|_| me.sysadmin) {
        Some(id) => {
            if !validate::uuid(&id) {
                errors.add("id", "Invalid id provided");
            } else if tx.group_get(&id).await?.is_some() {
                errors.add("id", "Id already exists");
            }
            id
        }
        None => uuid::Uuid::new_v4().to_string(),
    };
    let profile = org_profile(c, kind, &group_type);
    let lists = parse_lists(tx.as_mut(), &p, kind, &mut errors, profile.as_deref()).await?;
    let mut profile_values = Vec::new();
    if let Some(s) = &profile {
        let (values, errs) = s.validate_group(&p, false);
        profile_values = values;
        errors.0.extend(errs.0);
    }
    let packages =
        group_packages::resolve(c, tx.as_mut(), ctx, lists.packages.as_deref(), &mut errors)
            .await?;
    errors.into_result()?;
    let mut group = Group {
        extras: lists
            .extras
            .unwrap_or_default()
            .into_iter()
            .filter(|(_, _, deleted)| !deleted)
            .map(|(key, value, _)| GroupExtra {
                id: uuid::Uuid::new_v4().to_string(),
                group_id: id.clone(),
                key,
                value,
                state: STATE_ACTIVE.into(),
            })
            .collect(),
        id,
        name: name.unwrap_or_default(),
        title: opt_str(&p, "title")?,
        description: opt_str(&p, "description")?,
        image_url: Some(opt_str(&p, "image_url")?.unwrap_or_default()),
        group_type,
        is_organization: kind.org,
        approval_status: opt_str(&p, "approval_status")?.unwrap_or_else(|| "approved".into()),
        state: opt_str(&p, "state")?
            .filter(|_| me.sysadmin)
            .unwrap_or_else(|| STATE_ACTIVE.into()),
        created: kho_core::time::now_local(),
    };
    apply_profile_values(&mut group, profile_values);
    tx.group_insert(&group).await.map_err(|e| match e {
        kho_store::StoreError::Conflict(_) => {
            Error::field("name", "Group name already exists in database")
        }
        other => other.into(),
    })?;
    let mut users = lists.users.unwrap_or_default();
    // The creator becomes admin (an operator acting from the CLI is not a stored user).
    if tx.user_get(&me.id).await?.is_some() {
        users.retain(|(id, _)| *id != me.id);
        users.push((me.id.clone(), "admin".into()));
    }
    replace_members(tx.as_mut(), &group.id, "user", &users).await?;
    if let Some(parents) = &lists.parents {
        replace_parents(tx.as_mut(), &group.id, parents).await?;
    }
    if let Some(packages) = &packages {
        group_packages::save(c, tx.as_mut(), ctx, &group.id, packages).await?;
    }
    let dict = show_dict(c, tx.as_mut(), ctx, &group, &ShowOpts::default()).await?;
    record_activity(
        tx.as_mut(),
        &me.id,
        &group.id,
        &format!("new {}", kind.noun()),
        json!({"group": dict, "actor": me.name}),
        activity_labels(),
    )
    .await?;
    tx.change_append(kind.noun(), &group.id, "create").await?;
    tx.commit().await?;
    fresh_count(c, ctx, &group, dict).await
}

/// The dataset count of a group just written, as `group_show` after the commit would give
/// it (CKAN shows the group after committing): the index first takes in the write, since
/// a `packages` list may have changed the count.
async fn fresh_count(c: &Catalog, ctx: &Ctx, group: &Group, mut dict: Value) -> Result<Value> {
    if dict.get("package_count").is_none() {
        return Ok(dict);
    }
    c.sync_index().await?;
    let mut tx = c.store().read().await?;
    let (n, _) = c.group_datasets(tx.as_mut(), ctx, group, 0).await?;
    if let Some(slot) = dict.get_mut("package_count") {
        *slot = Value::from(n);
    }
    Ok(dict)
}

pub(crate) async fn organization_create(c: &Catalog, ctx: &Ctx, p: Params) -> Result<Value> {
    create(c, ctx, p, ORG).await
}
pub(crate) async fn group_create(c: &Catalog, ctx: &Ctx, p: Params) -> Result<Value> {
    create(c, ctx, p, GRP).await
}

struct ShowOpts {
    datasets: bool,
    dataset_count: bool,
    extras: bool,
    users: bool,
    groups: bool,
    followers: bool,
    member_count: bool,
}

impl Default for ShowOpts {
    fn default() -> Self {
        ShowOpts {
            datasets: false,
            dataset_count: true,
            extras: true,
            users: true,
            groups: true,
            followers: true,
            member_count: false,
        }
    }
}

impl ShowOpts {
    fn parse(c: &Catalog, p: &Params) -> Result<Self> {
        Ok(ShowOpts {
            datasets: asbool(p, "include_datasets", false)?,
            dataset_count: asbool(p, "include_dataset_count", true)?,
            extras: asbool(p, "include_extras", true)?,
            users: asbool(p, "include_users", c.config().public_user_details)?,
            groups: asbool(p, "include_groups", true)?,
            followers: asbool(p, "include_followers", true)?,
            member_count: asbool(p, "include_member_count", false)?,
        })
    }
}

/// Public dicts of the group's user members with their capacity, sorted by name.
async fn member_users(c: &Catalog, tx: &mut dyn Tx, group: &Group) -> Result<Vec<Value>> {
    let mut out = Vec::new();
    for m in tx.member_list(&group.id, Some("user")).await? {
        if let Some(u) = tx
            .user_get(&m.table_id)
            .await?
            .filter(|u| u.state != STATE_DELETED)
        {
            let mut d = dictize::user(c.config(), &u, 0, UserView::default());
            d.insert("capacity".into(), Value::String(m.capacity.clone()));
            let mut sorted = Map::new();
            let mut keys: Vec<_> = d.keys().cloned().collect();
            keys.sort();
            for k in keys {
                if let Some(v) = d.remove(&k) {
                    sorted.insert(k, v);
                }
            }
            out.push((u.name.clone(), Value::Object(sorted)));
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out.into_iter().map(|(_, v)| v).collect())
}

async fn show_dict(
    c: &Catalog,
    tx: &mut dyn Tx,
    ctx: &Ctx,
    group: &Group,
    o: &ShowOpts,
) -> Result<Value> {
    let wanted = if o.datasets { 10 } else { 0 };
    let (count, rows) = c.group_datasets(tx, ctx, group, wanted).await?;
    let mut m = dictize::group_base(c.config(), group, o.dataset_count.then_some(count));
    if !o.followers {
        m.insert("num_followers".into(), json!(0));
    }
    let profile = org_profile(
        c,
        Kind {
            org: group.is_organization,
        },
        &group.group_type,
    );
    if let Some(s) = &profile {
        // scheming's `convert_from_extras_group`: profile fields are top-level keys,
        // among the other columns in the show schema's alphabetical order.
        for f in s.profile_fields() {
            if let Some(e) = group
                .extras
                .iter()
                .find(|e| e.key == f.field_name && e.state == STATE_ACTIVE)
            {
                m.insert(f.field_name.clone(), f.show(&e.value));
            }
        }
        let mut kv: Vec<(String, Value)> = std::mem::take(&mut m).into_iter().collect();
        kv.sort_by(|a, b| a.0.cmp(&b.0));
        m = kv.into_iter().collect();
    }
    if o.extras {
        let mut extras = dictize::group_extras(group);
        if let (Some(s), Value::Array(items)) = (&profile, &mut extras) {
            items.retain(|x| !x["key"].as_str().is_some_and(|k| s.is_profile_field(k)));
        }
        m.insert("extras".into(), extras);
    }
    if o.datasets {
        m.insert("packages".into(), Value::Array(rows));
    }
    if o.users {
        m.insert(
            "users".into(),
            Value::Array(member_users(c, tx, group).await?),
        );
    }
    if o.groups {
        let mut parents = Vec::new();
        for mem in tx.member_of(&group.id, "group").await? {
            if let Some(pg) = tx
                .group_get(&mem.group_id)
                .await?
                .filter(|g| g.state == STATE_ACTIVE)
            {
                parents.push(json!({"capacity": mem.capacity, "name": pg.name}));
            }
        }
        m.insert("groups".into(), Value::Array(parents));
    }
    if o.member_count {
        let n = tx.member_list(&group.id, Some("user")).await?.len();
        m.insert("member_count".into(), json!(n));
    }
    Ok(Value::Object(m))
}

/// May the caller see this group at all? Active groups are public; others need `read`.
async fn check_visible(tx: &mut dyn Tx, ctx: &Ctx, group: &Group, _kind: Kind) -> Result<()> {
    if group.state == STATE_ACTIVE || ctx.actor.is_sysadmin() {
        return Ok(());
    }
    let cap = match ctx.actor.user_id() {
        Some(uid) => capacity_in(tx, uid, &group.id).await?,
        None => None,
    };
    if has_permission(&ctx.actor, cap, Permission::Read) {
        Ok(())
    } else {
        // CKAN's organization_show auth delegates to group_show, so the text says "group".
        Err(Error::denied(
            Msg::new("User %{user} not authorized to read group %{id}")
                .arg("user", ctx.actor.display())
                .arg("id", &group.id),
        ))
    }
}

async fn show(c: &Catalog, ctx: &Ctx, p: Params, kind: Kind) -> Result<Value> {
    let id = id_param(&p, "id")?;
    let opts = ShowOpts::parse(c, &p)?;
    let mut tx = c.store().read().await?;
    let group = load_group(tx.as_mut(), &id, kind.org)
        .await?
        .ok_or(Error::NotFound(None))?;
    check_visible(tx.as_mut(), ctx, &group, kind).await?;
    show_dict(c, tx.as_mut(), ctx, &group, &opts).await
}

pub(crate) async fn organization_show(c: &Catalog, ctx: &Ctx, p: Params) -> Result<Value> {
    show(c, ctx, p, ORG).await
}
pub(crate) async fn group_show(c: &Catalog, ctx: &Ctx, p: Params) -> Result<Value> {
    show(c, ctx, p, GRP).await
}

async fn list(c: &Catalog, ctx: &Ctx, p: Params, kind: Kind) -> Result<Value> {
    let all_fields = asbool(&p, "all_fields", false)?;
    let max = if all_fields {
        c.config().group_list_all_fields_max
    } else {
        c.config().group_list_max
    };
    let limit = match opt_natural(&p, "limit")? {
        Some(0) => None,
        Some(n) => Some(n.min(max)),
        None => Some(max),
    };
    let offset = opt_natural(&p, "offset")?.unwrap_or(0);
    let q = opt_str(&p, "q")?.map(|s| kho_core::fold::fold(&s));
    let only = opt_list(&p, if kind.org { "organizations" } else { "groups" }, true)?;
    // CKAN lists only the default type (`group` / `organization`) unless `type` is given.
    let type_filter = Some(opt_str(&p, "type")?.unwrap_or_else(|| kind.noun().to_string()));
    // `order_by` is CKAN's deprecated spelling of `sort`, used when `sort` is absent.
    let sort = opt_str(&p, "sort")?
        .filter(|s| !s.is_empty())
        .or(opt_str(&p, "order_by")?.filter(|s| !s.is_empty()))
        .unwrap_or_else(|| c.config().default_group_sort.clone());
    let (field, desc) = parse_sort(&sort)?;
    let opts = ShowOpts {
        datasets: false,
        dataset_count: asbool(&p, "include_dataset_count", true)?,
        extras: asbool(&p, "include_extras", false)?,
        users: asbool(&p, "include_users", false)?,
        groups: asbool(&p, "include_groups", false)?,
        followers: true,
        member_count: asbool(&p, "include_member_count", false)?,
    };
    let mut tx = c.store().read().await?;
    let mut groups: Vec<Group> = tx
        .group_list(kind.org)
        .await?
        .into_iter()
        .filter(|g| g.state == STATE_ACTIVE)
        .filter(|g| type_filter.as_ref().is_none_or(|t| &g.group_type == t))
        .filter(|g| only.as_ref().is_none_or(|names| names.contains(&g.name)))
        .filter(|g| {
            q.as_ref().is_none_or(|q| {
                kho_core::fold::fold(&g.name).contains(q.as_str())
                    || kho_core::fold::fold(g.title.as_deref().unwrap_or("")).contains(q.as_str())
                    || kho_core::fold::fold(g.description.as_deref().unwrap_or(""))
                        .contains(q.as_str())
            })
        })
        .collect();
    let mut counts = std::collections::HashMap::new();
    if field == SortField::PackageCount || (all_fields && opts.dataset_count) {
        for g in &groups {
            let (n, _) = c.group_datasets(tx.as_mut(), ctx, g, 0).await?;
            counts.insert(g.id.clone(), n);
        }
    }
    match field {
        SortField::Name => groups.sort_by(|a, b| a.name.cmp(&b.name)),
        // Fold each title once, not once per comparison.
        SortField::Title => groups.sort_by_cached_key(|g| {
            (
                kho_core::fold::fold(g.title.as_deref().unwrap_or("")),
                g.name.clone(),
            )
        }),
        SortField::PackageCount => groups.sort_by(|a, b| {
            counts
                .get(&a.id)
                .cmp(&counts.get(&b.id))
                .then_with(|| a.name.cmp(&b.name))
        }),
    }
    if desc {
        groups.reverse();
    }
    let start = usize::try_from(offset).unwrap_or(usize::MAX);
    let page: Vec<Group> = groups
        .into_iter()
        .skip(start)
        .take(
            limit
                .map(|l| usize::try_from(l).unwrap_or(usize::MAX))
                .unwrap_or(usize::MAX),
        )
        .collect();
    if !all_fields {
        return Ok(Value::Array(
            page.into_iter().map(|g| Value::String(g.name)).collect(),
        ));
    }
    let mut out = Vec::with_capacity(page.len());
    for g in &page {
        out.push(show_dict(c, tx.as_mut(), ctx, g, &opts).await?);
    }
    Ok(Value::Array(out))
}

#[derive(PartialEq, Eq)]
enum SortField {
    Name,
    Title,
    PackageCount,
}

/// CKAN's `_unpick_search(sort, allowed_fields=[name, packages, package_count, title],
/// total=1)`: the errors are `{"message": ...}` validation errors, untranslated in CKAN.
fn parse_sort(sort: &str) -> Result<(SortField, bool)> {
    // An exact `packages`/`package_count` sorts descending, as CKAN always did.
    let sort = if matches!(sort.trim(), "packages" | "package_count") {
        "package_count desc"
    } else {
        sort
    };
    let mut sorts = Vec::new();
    for part in sort.split(',') {
        let mut words = part.split_whitespace();
        let field = words.next().unwrap_or("");
        let order = words
            .next()
            .map(str::to_lowercase)
            .unwrap_or_else(|| "asc".into());
        let f = match field {
            "name" => SortField::Name,
            "title" => SortField::Title,
            "package_count" | "packages" => SortField::PackageCount,
            _ => {
                return Err(Error::ValidationMessage(
                    Msg::new("Cannot sort by field `%{field}`").arg("field", field),
                ))
            }
        };
        let desc = match order.as_str() {
            "asc" => false,
            "desc" => true,
            _ => {
                return Err(Error::ValidationMessage(
                    Msg::new("Invalid sort direction `%{order}`").arg("order", &order),
                ))
            }
        };
        sorts.push((f, desc));
    }
    if sorts.len() > 1 {
        return Err(Error::ValidationMessage(
            Msg::new("Too many sort criteria provided only %{n} allowed").arg("n", 1),
        ));
    }
    sorts.pop().ok_or_else(|| {
        Error::ValidationMessage(Msg::new("Cannot sort by field `%{field}`").arg("field", ""))
    })
}

pub(crate) async fn organization_list(c: &Catalog, ctx: &Ctx, p: Params) -> Result<Value> {
    list(c, ctx, p, ORG).await
}
pub(crate) async fn group_list(c: &Catalog, ctx: &Ctx, p: Params) -> Result<Value> {
    list(c, ctx, p, GRP).await
}

/// The caller must hold `perm` in the group, or fail with `template`.
async fn require_perm(
    tx: &mut dyn Tx,
    ctx: &Ctx,
    group: &Group,
    perm: Permission,
    template: &str,
) -> Result<()> {
    let cap = match ctx.actor.user_id() {
        Some(uid) => capacity_in(tx, uid, &group.id).await?,
        None => None,
    };
    if has_permission(&ctx.actor, cap, perm) {
        Ok(())
    } else {
        Err(Error::denied(
            Msg::new(template)
                .arg("user", ctx.actor.display())
                .arg("id", &group.id),
        ))
    }
}

async fn update(c: &Catalog, ctx: &Ctx, p: Params, kind: Kind) -> Result<Value> {
    let id = id_param(&p, "id")?;
    let mut tx = c.store().begin().await?;
    let existing = load_group(tx.as_mut(), &id, kind.org)
        .await?
        .ok_or(Error::NotFound(None))?;
    let action = if kind.org {
        "organization_update"
    } else {
        "group_update"
    };
    require_user(ctx, action)?;
    require_perm(
        tx.as_mut(),
        ctx,
        &existing,
        Permission::Admin,
        if kind.org {
            "User %{user} not authorized to edit organization %{id}"
        } else {
            "User %{user} not authorized to edit group %{id}"
        },
    )
    .await?;
    let mut errors = Errors::new();
    let mut group = existing.clone();
    if let Some(n) = opt_str(&p, "name")? {
        if n != existing.name {
            check_name(tx.as_mut(), &n, &mut errors, Some(&existing.id)).await?;
            group.name = n;
        }
    }
    if let Some(t) = opt_str(&p, "type")? {
        if t != existing.group_type {
            errors.add("type", "Type cannot be updated");
        }
    }
    let profile = org_profile(c, kind, &existing.group_type);
    let lists = parse_lists(tx.as_mut(), &p, kind, &mut errors, profile.as_deref()).await?;
    let mut profile_values = Vec::new();
    if let Some(s) = &profile {
        // kho's organization_update keeps what is not given, profile fields included.
        let (values, errs) = s.validate_group(&p, true);
        profile_values = values;
        errors.0.extend(errs.0);
    }
    let packages =
        group_packages::resolve(c, tx.as_mut(), ctx, lists.packages.as_deref(), &mut errors)
            .await?;
    errors.into_result()?;
    for (key, slot) in [
        ("title", &mut group.title),
        ("description", &mut group.description),
        ("image_url", &mut group.image_url),
    ] {
        if p.contains_key(key) {
            *slot = opt_str(&p, key)?;
        }
    }
    if let Some(s) = opt_str(&p, "approval_status")? {
        group.approval_status = s;
    }
    if let Some(s) = opt_str(&p, "state")? {
        if s == STATE_ACTIVE || s == STATE_DELETED {
            group.state = s;
        }
    }
    // CKAN: an omitted or empty extras list leaves extras unchanged. A given list
    // replaces the plain extras; profile fields (also stored as extras) stay.
    if let Some(extras) = lists.extras.filter(|e| !e.is_empty()) {
        let kept: Vec<GroupExtra> = existing
            .extras
            .iter()
            .filter(|e| profile.as_ref().is_some_and(|s| s.is_profile_field(&e.key)))
            .cloned()
            .collect();
        group.extras = kept;
        group
            .extras
            .extend(extras.into_iter().filter(|(_, _, deleted)| !deleted).map(
                |(key, value, _)| {
                    let id = existing
                        .extras
                        .iter()
                        .find(|e| e.key == key)
                        .map(|e| e.id.clone());
                    GroupExtra {
                        id: id.unwrap_or_else(|| uuid::Uuid::new_v4().to_string()),
                        group_id: group.id.clone(),
                        key,
                        value,
                        state: STATE_ACTIVE.into(),
                    }
                },
            ));
    }
    apply_profile_values(&mut group, profile_values);
    tx.group_update(&group).await.map_err(|e| match e {
        kho_store::StoreError::Conflict(_) => {
            Error::field("name", "Group name already exists in database")
        }
        other => other.into(),
    })?;
    if group.name != existing.name {
        super::merges::record_rename(
            tx.as_mut(),
            ALIAS_GROUP,
            &existing.name,
            &group.name,
            &group.id,
            ctx.actor.user_id().unwrap_or_default(),
        )
        .await?;
    }
    if let Some(users) = &lists.users {
        replace_members(tx.as_mut(), &group.id, "user", users).await?;
    }
    if let Some(parents) = &lists.parents {
        replace_parents(tx.as_mut(), &group.id, parents).await?;
    }
    if let Some(packages) = &packages {
        group_packages::save(c, tx.as_mut(), ctx, &group.id, packages).await?;
    }
    let dict = show_dict(c, tx.as_mut(), ctx, &group, &ShowOpts::default()).await?;
    let actor_id = ctx.actor.user_id().unwrap_or_default().to_string();
    record_activity(
        tx.as_mut(),
        &actor_id,
        &group.id,
        &format!("changed {}", kind.noun()),
        json!({"group": dict, "actor": ctx.actor.display()}),
        activity_labels(),
    )
    .await?;
    tx.change_append(kind.noun(), &group.id, "update").await?;
    tx.commit().await?;
    fresh_count(c, ctx, &group, dict).await
}

pub(crate) async fn organization_update(c: &Catalog, ctx: &Ctx, p: Params) -> Result<Value> {
    update(c, ctx, p, ORG).await
}
pub(crate) async fn group_update(c: &Catalog, ctx: &Ctx, p: Params) -> Result<Value> {
    update(c, ctx, p, GRP).await
}

async fn patch(c: &Catalog, ctx: &Ctx, p: Params, kind: Kind) -> Result<Value> {
    let id = id_param(&p, "id")?;
    let current = {
        let mut tx = c.store().read().await?;
        let g = load_group(tx.as_mut(), &id, kind.org)
            .await?
            .ok_or(Error::NotFound(None))?;
        check_visible(tx.as_mut(), ctx, &g, kind).await?;
        show_dict(
            c,
            tx.as_mut(),
            ctx,
            &g,
            &ShowOpts {
                dataset_count: false,
                ..ShowOpts::default()
            },
        )
        .await?
    };
    let mut merged = match current {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    // Show-only keys are not inputs.
    for k in [
        "display_name",
        "image_display_url",
        "num_followers",
        "created",
        "is_organization",
        "package_count",
    ] {
        merged.remove(k);
    }
    for (k, v) in p {
        merged.insert(k, v);
    }
    merged.insert("id".into(), Value::String(id));
    update(c, ctx, merged, kind).await
}

pub(crate) async fn organization_patch(c: &Catalog, ctx: &Ctx, p: Params) -> Result<Value> {
    patch(c, ctx, p, ORG).await
}
pub(crate) async fn group_patch(c: &Catalog, ctx: &Ctx, p: Params) -> Result<Value> {
    patch(c, ctx, p, GRP).await
}

async fn delete(c: &Catalog, ctx: &Ctx, p: Params, kind: Kind) -> Result<Value> {
    let id = id_param(&p, "id")?;
    let action = if kind.org {
        "organization_delete"
    } else {
        "group_delete"
    };
    require_user(ctx, action)?;
    let mut tx = c.store().begin().await?;
    let mut group = load_group(tx.as_mut(), &id, kind.org)
        .await?
        .ok_or(Error::NotFound(None))?;
    let allowed = if kind.org {
        c.config().user_delete_organizations
    } else {
        c.config().user_delete_groups
    };
    let template = if kind.org {
        "User %{user} not authorized to delete organization %{id}"
    } else {
        "User %{user} not authorized to delete group %{id}"
    };
    if !allowed && !ctx.actor.is_sysadmin() {
        return Err(Error::denied(
            Msg::new(template)
                .arg("user", ctx.actor.display())
                .arg("id", &group.id),
        ));
    }
    require_perm(tx.as_mut(), ctx, &group, Permission::Admin, template).await?;
    if kind.org {
        // Every dataset that is not deleted counts, whoever may see it.
        let n = tx
            .package_count_of_org(&group.id, &[STATE_ACTIVE, "draft", STATE_PENDING])
            .await?;
        if n > 0 {
            return Err(Error::ValidationMessage(Msg::new(
                "Organization cannot be deleted while it still has datasets",
            )));
        }
    }
    group.state = STATE_DELETED.into();
    tx.group_update(&group).await?;
    for m in tx.member_list(&group.id, None).await? {
        tx.member_delete(&group.id, &m.table_id, &m.table_name)
            .await?;
    }
    for m in tx.member_of(&group.id, "group").await? {
        tx.member_delete(&m.group_id, &group.id, "group").await?;
    }
    let actor_id = ctx.actor.user_id().unwrap_or_default().to_string();
    let dict = Value::Object(dictize::group_base(c.config(), &group, None));
    record_activity(
        tx.as_mut(),
        &actor_id,
        &group.id,
        &format!("deleted {}", kind.noun()),
        json!({"group": dict, "actor": ctx.actor.display()}),
        activity_labels(),
    )
    .await?;
    tx.change_append(kind.noun(), &group.id, "delete").await?;
    tx.commit().await?;
    Ok(Value::Null)
}

pub(crate) async fn organization_delete(c: &Catalog, ctx: &Ctx, p: Params) -> Result<Value> {
    delete(c, ctx, p, ORG).await
}
pub(crate) async fn group_delete(c: &Catalog, ctx: &Ctx, p: Params) -> Result<Value> {
    delete(c, ctx, p, GRP).await
}

async fn purge(c: &Catalog, ctx: &Ctx, p: Params, kind: Kind) -> Result<Value> {
    let id = id_param(&p, "id")?;
    let action = if kind.org {
        "organization_purge"
    } else {
        "group_purge"
    };
    require_user(ctx, action)?;
    super::require_sysadmin(
        ctx,
        if kind.org {
            "User %{user} not authorized to purge organizations"
        } else {
            "User %{user} not authorized to purge groups"
        },
    )?;
    let mut tx = c.store().begin().await?;
    let group = load_group(tx.as_mut(), &id, kind.org)
        .await?
        .ok_or(Error::NotFound(None))?;
    tx.group_purge(&group.id).await?;
    tx.change_append(kind.noun(), &group.id, "purge").await?;
    tx.commit().await?;
    Ok(Value::Null)
}

pub(crate) async fn organization_purge(c: &Catalog, ctx: &Ctx, p: Params) -> Result<Value> {
    purge(c, ctx, p, ORG).await
}
pub(crate) async fn group_purge(c: &Catalog, ctx: &Ctx, p: Params) -> Result<Value> {
    purge(c, ctx, p, GRP).await
}

fn permission_of(name: &str) -> Option<Permission> {
    Some(match name {
        "read" => Permission::Read,
        "create_dataset" => Permission::CreateDataset,
        "update_dataset" => Permission::UpdateDataset,
        "delete_dataset" => Permission::DeleteDataset,
        "manage_group" => Permission::ManageGroup,
        "admin" => Permission::Admin,
        "membership" => Permission::Membership,
        _ => return None,
    })
}

/// Groups of `kind` where the user's effective capacity holds every listed permission.
async fn groups_for_user(
    c: &Catalog,
    tx: &mut dyn Tx,
    user_id: &str,
    sysadmin: bool,
    perms: &[Permission],
    org: bool,
    am_member: bool,
) -> Result<Vec<(Group, String)>> {
    let mut out = Vec::new();
    for g in tx
        .group_list(org)
        .await?
        .into_iter()
        .filter(|g| g.state == STATE_ACTIVE)
    {
        let cap = capacity_in(tx, user_id, &g.id).await?;
        if sysadmin && !am_member {
            out.push((g, "admin".to_string()));
            continue;
        }
        if let Some(cap) = cap {
            if perms.iter().all(|p| cap.allows(*p)) {
                out.push((g, cap.as_str().to_string()));
            }
        }
    }
    let _ = c;
    out.sort_by_key(|(g, _)| (kho_core::fold::fold(&g.display_name()), g.name.clone()));
    Ok(out)
}

pub(crate) async fn organization_list_for_user(c: &Catalog, ctx: &Ctx, p: Params) -> Result<Value> {
    let mut tx = c.store().read().await?;
    let user = match opt_str(&p, "id")? {
        // CKAN: a bare NotFound for an unknown user.
        Some(id) => Some(tx.user_get(&id).await?.ok_or(Error::NotFound(None))?),
        None => match ctx.actor.user_id() {
            Some(me) => tx.user_get(me).await?,
            None => None,
        },
    };
    let Some(user) = user else {
        return Ok(json!([]));
    };
    let perm_names =
        opt_list(&p, "permission", false)?.unwrap_or_else(|| vec!["manage_group".into()]);
    // CKAN's get_roles_with_permission always includes admin, so an unknown permission
    // lists the organizations where the user is admin.
    let perms: Vec<Permission> = perm_names
        .iter()
        .map(|n| permission_of(n).unwrap_or(Permission::Admin))
        .collect();
    let with_count = asbool(&p, "include_dataset_count", false)?;
    let with_members = asbool(&p, "include_member_count", false)?;
    let groups =
        groups_for_user(c, tx.as_mut(), &user.id, user.sysadmin, &perms, true, false).await?;
    list_entries(c, tx.as_mut(), ctx, groups, true, with_count, with_members).await
}

/// `group_list_dictize` over `(group, capacity)` pairs, with the optional counts.
async fn list_entries(
    c: &Catalog,
    tx: &mut dyn Tx,
    ctx: &Ctx,
    groups: Vec<(Group, String)>,
    with_capacity: bool,
    with_count: bool,
    with_members: bool,
) -> Result<Value> {
    let mut out = Vec::new();
    for (g, cap) in groups {
        let package_count = if with_count {
            Some(c.group_datasets(tx, ctx, &g, 0).await?.0)
        } else {
            None
        };
        let member_count = if with_members {
            Some(tx.member_list(&g.id, Some("user")).await?.len() as i64)
        } else {
            None
        };
        let capacity = with_capacity.then_some(cap.as_str());
        out.push(Value::Object(dictize::group_columns(
            c.config(),
            &g,
            capacity,
            package_count,
            member_count,
        )));
    }
    Ok(Value::Array(out))
}

pub(crate) async fn group_list_authz(c: &Catalog, ctx: &Ctx, p: Params) -> Result<Value> {
    let Some(me) = ctx.actor.user() else {
        return Ok(json!([]));
    };
    let am_member = asbool(&p, "am_member", false)?;
    let _available_only = asbool(&p, "available_only", false)?;
    // CKAN: no capacity here, and counts only on request.
    let with_count = asbool(&p, "include_dataset_count", false)?;
    let with_members = asbool(&p, "include_member_count", false)?;
    let mut tx = c.store().read().await?;
    let groups = groups_for_user(
        c,
        tx.as_mut(),
        &me.id,
        me.sysadmin,
        &[Permission::ManageGroup],
        false,
        am_member,
    )
    .await?;
    list_entries(c, tx.as_mut(), ctx, groups, false, with_count, with_members).await
}
