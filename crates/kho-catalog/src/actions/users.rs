//! user_create, user_show, user_list, user_update, user_patch, user_delete.

use kho_core::error::Errors;
use kho_core::model::{User, STATE_ACTIVE, STATE_DELETED};
use kho_core::params::{asbool, boolean_validator, opt_str, Params};
use kho_core::{validate, Error, Msg, Result};
use kho_store::Tx;
use serde_json::{json, Value};

use super::{action, id_param, not_authorized, record_activity, require_user};
use crate::auth::{hash_password, new_token};
use crate::dictize::{self, UserView};
use crate::registry::Registry;
use crate::{Catalog, Ctx};

pub fn register(r: &mut Registry) {
    action!(r, "user_create", false, user_create,
        "Create a new user. Only sysadmins may do this through the API unless `create_user_via_api` is set.\n\n:param name: the name of the new user (2-100 lowercase alphanumeric characters, `-` and `_`)\n:param email: the email address\n:param password: at least 8 characters\n:param fullname: optional\n:param about: optional, no links\n:param image_url: optional\n:param id: (sysadmin) a UUID\n:param sysadmin: (sysadmin)\n:param state: (sysadmin)\n:param with_apitoken: also create an API token and return it as `token`\n:returns: the new user (with email)",
        [("name", "string", true, "user name"), ("email", "string", true, "e-mail address"),
         ("password", "string", true, "at least 8 characters"), ("fullname", "string", false, "full name"),
         ("about", "string", false, "about text, no links"), ("image_url", "string", false, "avatar URL"),
         ("id", "string", false, "sysadmin only: the new user's UUID"), ("sysadmin", "boolean", false, "sysadmin only"),
         ("state", "string", false, "sysadmin only"), ("with_apitoken", "boolean", false, "return a new API token as `token`")],
        "user");
    action!(r, "user_show", true, user_show,
        "Return a user account.\n\n:param id: the id or name of the user (default: the caller)\n:param include_datasets: include up to 50 datasets the user created\n:param include_num_followers: include the number of followers\n:param include_password_hash: (sysadmin) include the stored password hash\n:param include_plugin_extras: (sysadmin) include plugin_extras\n:returns: the user dict",
        [("id", "string", false, "id or name; default the caller"), ("include_datasets", "boolean", false, "include created datasets"),
         ("include_num_followers", "boolean", false, "include num_followers"),
         ("include_password_hash", "boolean", false, "sysadmin only"), ("include_plugin_extras", "boolean", false, "sysadmin only")],
        "user");
    action!(r, "user_list", true, user_list,
        "Return a list of the site's user accounts.\n\n:param q: filter by names containing this string\n:param email: (sysadmin) filter by e-mail\n:param order_by: `display_name` (default), `name`, `created`, `sysadmin`, `number_created_packages`\n:param all_fields: return full user dicts (default true) or names\n:returns: a list of user dicts or names",
        [("q", "string", false, "substring of name or full name"), ("email", "string", false, "sysadmin only"),
         ("order_by", "string", false, "display_name, name, created, sysadmin, number_created_packages"),
         ("all_fields", "boolean", false, "full dicts (default true) or names")],
        "array");
    action!(r, "user_update", false, user_update,
        "Update a user account (a full replace: `email` is required again).\n\n:param id: the id or name of the user\n:param email: the email address\n:param name: (sysadmin) a new name\n:param password: optional new password\n:param fullname: full name\n:param about: about text\n:param image_url: avatar URL\n:returns: the updated user",
        [("id", "string", true, "id or name"), ("email", "string", true, "e-mail address"),
         ("name", "string", false, "new name (sysadmin)"), ("password", "string", false, "new password"),
         ("fullname", "string", false, "full name"), ("about", "string", false, "about text"),
         ("image_url", "string", false, "avatar URL"), ("sysadmin", "boolean", false, "sysadmin only")],
        "user");
    action!(r, "user_patch", false, user_patch,
        "Update part of a user account: keys not given are kept.\n\n:param id: the id or name of the user\n:returns: the updated user",
        [("id", "string", true, "id or name")], "user");
    action!(r, "user_delete", false, user_delete,
        "Delete a user (sysadmin only). The account is kept in state `deleted`; its memberships are removed.\n\n:param id: the id or name of the user",
        [("id", "string", true, "id or name")], "null");
}

fn user_view(ctx: &Ctx, user: &User) -> UserView {
    let me = ctx.actor.user_id() == Some(user.id.as_str());
    UserView {
        private: me || ctx.actor.is_sysadmin(),
        ..Default::default()
    }
}

/// Validate the editable fields shared by create and update into `errors`.
async fn check_fields(
    tx: &mut dyn Tx,
    p: &Params,
    errors: &mut Errors,
    existing: Option<&User>,
) -> Result<()> {
    // email: required, valid, unique among active users.
    match opt_str(p, "email")? {
        None => errors.add("email", "Missing value"),
        Some(e) if e.trim().is_empty() => errors.add("email", "Missing value"),
        Some(e) => {
            let e = e.trim().to_string();
            if let Err(m) = validate::email(&e) {
                errors.add("email", m);
            } else {
                let others = tx.users_by_email(&e).await?;
                let clash = others
                    .iter()
                    .any(|u| u.state != STATE_DELETED && existing.is_none_or(|x| x.id != u.id));
                if clash {
                    errors.add(
                        "email",
                        Msg::new("The email address '%{email}' belongs to a registered user.")
                            .arg("email", e.to_lowercase()),
                    );
                }
            }
        }
    }
    if let Some(pw) = opt_str(p, "password")? {
        if !pw.is_empty() {
            if let Err(m) = validate::password(&pw) {
                errors.add("password", m);
            }
        }
    }
    if let Some(about) = opt_str(p, "about")? {
        if let Err(m) = validate::user_about(&about) {
            errors.add("about", m);
        }
    }
    Ok(())
}

async fn check_name(
    tx: &mut dyn Tx,
    name: Option<String>,
    errors: &mut Errors,
    existing: Option<&User>,
) -> Result<()> {
    match name {
        None => errors.add("name", "Missing value"),
        Some(n) if n.is_empty() => errors.add("name", "Missing value"),
        Some(n) => {
            if let Err(m) = validate::name(&n) {
                errors.add("name", m);
            } else if let Some(u) = tx.user_get(&n).await? {
                if existing.is_none_or(|x| x.id != u.id) {
                    errors.add(
                        "name",
                        "The username is already associated with another account. Please use a different username.",
                    );
                }
            }
        }
    }
    Ok(())
}

pub(crate) async fn user_create(c: &Catalog, ctx: &Ctx, p: Params) -> Result<Value> {
    let sysadmin = ctx.actor.is_sysadmin();
    if !sysadmin && !c.config().create_user_via_api {
        return Err(Error::denied(
            Msg::new("User %{user} not authorized to create users via the API")
                .arg("user", ctx.actor.display()),
        ));
    }
    let mut tx = c.store().begin().await?;
    let mut errors = Errors::new();
    let name = opt_str(&p, "name")?;
    check_name(tx.as_mut(), name.clone(), &mut errors, None).await?;
    check_fields(tx.as_mut(), &p, &mut errors, None).await?;
    let password = opt_str(&p, "password")?.filter(|s| !s.is_empty());
    if password.is_none()
        && !errors.has("password")
        && !(sysadmin && p.contains_key("password_hash"))
    {
        errors.add("password", "Missing value");
    }
    let id = match opt_str(&p, "id")?.filter(|_| sysadmin) {
        Some(id) => {
            if !validate::uuid(&id) {
                errors.add("id", "Invalid id provided");
            } else if tx.user_get(&id).await?.is_some() {
                errors.add("id", "Id already exists");
            }
            id
        }
        None => uuid::Uuid::new_v4().to_string(),
    };
    errors.into_result()?;
    let password_hash = match (password, opt_str(&p, "password_hash")?.filter(|_| sysadmin)) {
        (_, Some(h)) => Some(h),
        (Some(pw), None) => Some(hash_password(&pw)?),
        (None, None) => None,
    };
    let state = opt_str(&p, "state")?
        .filter(|_| sysadmin)
        .unwrap_or_else(|| STATE_ACTIVE.to_string());
    let user = User {
        id,
        name: name.unwrap_or_default(),
        fullname: opt_str(&p, "fullname")?,
        email: opt_str(&p, "email")?.map(|e| e.trim().to_string()),
        password_hash,
        about: opt_str(&p, "about")?,
        image_url: opt_str(&p, "image_url")?,
        sysadmin: sysadmin && p.get("sysadmin").is_some_and(boolean_validator),
        state,
        created: kho_core::time::now_local(),
        last_active: None,
        activity_streams_email_notifications: false,
        plugin_extras: p
            .get("plugin_extras")
            .filter(|_| sysadmin)
            .filter(|v| v.is_object())
            .map(|v| v.to_string()),
    };
    tx.user_insert(&user)
        .await
        .map_err(|e| conflict_as_name(e, "name"))?;
    let actor_id = ctx.actor.user_id().unwrap_or(&user.id).to_string();
    let mut dict = dictize::user(c.config(), &user, 0, UserView::PRIVATE);
    record_activity(
        tx.as_mut(),
        &actor_id,
        &user.id,
        "new user",
        json!({"user": dict.clone()}),
        vec!["public".into()],
    )
    .await?;
    tx.change_append("user", &user.id, "create").await?;
    if asbool(&p, "with_apitoken", false)? {
        let (token, hash) = new_token();
        tx.token_insert(&kho_core::model::ApiToken {
            id: uuid::Uuid::new_v4().to_string(),
            user_id: user.id.clone(),
            name: "default".into(),
            token_hash: hash,
            created_at: kho_core::time::now_utc(),
            last_access: None,
            expires_at: None,
            state: STATE_ACTIVE.into(),
            state_reason: None,
        })
        .await?;
        dict.insert("token".into(), Value::String(token));
    }
    tx.commit().await?;
    Ok(Value::Object(dict))
}

/// A uniqueness race lost inside the transaction reads as the validation error CKAN gives.
pub(crate) fn conflict_as_name(e: kho_store::StoreError, field: &str) -> Error {
    match e {
        kho_store::StoreError::Conflict(_) => Error::field(field, "That URL is already in use."),
        other => other.into(),
    }
}

fn check_read_users(c: &Catalog, ctx: &Ctx) -> Result<()> {
    if !c.config().public_user_details && ctx.actor.user().is_none() {
        return Err(Error::denied("Not authorized to see this page"));
    }
    Ok(())
}

pub(crate) async fn user_show(c: &Catalog, ctx: &Ctx, p: Params) -> Result<Value> {
    check_read_users(c, ctx)?;
    let mut tx = c.store().read().await?;
    let id = match opt_str(&p, "id")?.or(opt_str(&p, "user_id")?) {
        Some(id) => id,
        None => match ctx.actor.user_id() {
            Some(me) => me.to_string(),
            None => return Err(Error::NotFound(None)),
        },
    };
    let user = tx.user_get(&id).await?.ok_or(Error::NotFound(None))?;
    let sysadmin = ctx.actor.is_sysadmin();
    let mut view = user_view(ctx, &user);
    view.password_hash = sysadmin && asbool(&p, "include_password_hash", false)?;
    view.plugin_extras = sysadmin && asbool(&p, "include_plugin_extras", false)?;
    let include_datasets = asbool(&p, "include_datasets", false)?;
    let include_followers = asbool(&p, "include_num_followers", false)?;
    let private = view.private;
    let mut dict = dictize::user(c.config(), &user, 0, view);
    // Only a suspended account's dict carries `suspended`, and only for itself and
    // sysadmins: every other dict keeps CKAN's shape.
    if private {
        if let Some(s) = tx.suspension_get("user", &user.id).await? {
            let by = tx.user_get(&s.actor_id).await?.map(|u| u.name);
            dict.insert(
                "suspended".into(),
                super::sharing::suspension_dict(&s, by.as_deref()),
            );
        }
    }
    if include_datasets {
        dict.insert("datasets".into(), json!([]));
    }
    if include_followers {
        dict.insert("num_followers".into(), json!(0));
    }
    Ok(Value::Object(dict))
}

pub(crate) async fn user_list(c: &Catalog, ctx: &Ctx, p: Params) -> Result<Value> {
    check_read_users(c, ctx)?;
    let q = opt_str(&p, "q")?.map(|s| s.to_lowercase());
    let email = opt_str(&p, "email")?
        .filter(|_| ctx.actor.is_sysadmin())
        .map(|s| s.to_lowercase());
    let order_by = opt_str(&p, "order_by")?.unwrap_or_else(|| "display_name".into());
    let all_fields = asbool(&p, "all_fields", true)?;
    let mut tx = c.store().read().await?;
    let mut users: Vec<User> = tx
        .user_list()
        .await?
        .into_iter()
        .filter(|u| u.state != STATE_DELETED)
        .filter(|u| {
            q.as_ref().is_none_or(|q| {
                u.name.to_lowercase().contains(q)
                    || u.fullname
                        .as_deref()
                        .unwrap_or("")
                        .to_lowercase()
                        .contains(q)
            })
        })
        .filter(|u| {
            email
                .as_ref()
                .is_none_or(|e| u.email.as_deref().unwrap_or("").to_lowercase() == *e)
        })
        .collect();
    // CKAN sorts by any user column and silently falls back to display_name otherwise.
    match order_by.as_str() {
        "name" => users.sort_by(|a, b| a.name.cmp(&b.name)),
        "created" => users.sort_by_key(|u| u.created),
        "sysadmin" => users.sort_by(|a, b| a.sysadmin.cmp(&b.sysadmin).then(a.name.cmp(&b.name))),
        "id" => users.sort_by(|a, b| a.id.cmp(&b.id)),
        // Numbers of created datasets are equal until datasets exist: stable by name.
        "number_created_packages" => users.sort_by(|a, b| a.name.cmp(&b.name)),
        _ => users.sort_by_key(|u| (kho_core::fold::fold(&u.display_name()), u.name.clone())),
    }
    if !all_fields {
        return Ok(Value::Array(
            users.into_iter().map(|u| Value::String(u.name)).collect(),
        ));
    }
    Ok(Value::Array(
        users
            .iter()
            .map(|u| Value::Object(dictize::user(c.config(), u, 0, user_view(ctx, u))))
            .collect(),
    ))
}

/// Full-replace update of the user named by `id`.
pub(crate) async fn user_update(c: &Catalog, ctx: &Ctx, p: Params) -> Result<Value> {
    let id = id_param(&p, "id")?;
    let me = require_user(ctx, "user_update")?.clone();
    let mut tx = c.store().begin().await?;
    let existing = tx
        .user_get(&id)
        .await?
        .ok_or_else(|| Error::not_found("User not found"))?;
    if !(me.sysadmin || me.id == existing.id) {
        return Err(Error::denied(
            Msg::new("User %{user} not authorized to edit user %{id}")
                .arg("user", &me.name)
                .arg("id", &existing.id),
        ));
    }
    let mut errors = Errors::new();
    check_fields(tx.as_mut(), &p, &mut errors, Some(&existing)).await?;
    let mut name = existing.name.clone();
    if let Some(n) = opt_str(&p, "name")? {
        if n != existing.name {
            if me.sysadmin || existing.state == kho_core::model::STATE_PENDING {
                check_name(tx.as_mut(), Some(n.clone()), &mut errors, Some(&existing)).await?;
                name = n;
            } else {
                errors.add("name", "That login name can not be modified.");
            }
        }
    }
    let mut sysadmin_flag = existing.sysadmin;
    if let Some(v) = p.get("sysadmin") {
        let want = boolean_validator(v);
        if want != existing.sysadmin {
            if !me.sysadmin {
                return Err(not_authorized(
                    ctx,
                    "User %{user} not authorized to change sysadmin privileges",
                ));
            }
            if me.id == existing.id {
                errors.add("sysadmin", "Cannot modify your own sysadmin privileges");
            }
            sysadmin_flag = want;
        }
    }
    errors.into_result()?;
    let password_hash = match opt_str(&p, "password")?.filter(|s| !s.is_empty()) {
        Some(pw) => Some(hash_password(&pw)?),
        None => existing.password_hash.clone(),
    };
    let state = match opt_str(&p, "state")? {
        Some(s) if me.sysadmin => s,
        _ => existing.state.clone(),
    };
    let user = User {
        name,
        fullname: opt_str(&p, "fullname")?,
        email: opt_str(&p, "email")?.map(|e| e.trim().to_string()),
        password_hash,
        about: opt_str(&p, "about")?,
        image_url: opt_str(&p, "image_url")?,
        sysadmin: sysadmin_flag,
        state,
        plugin_extras: match p.get("plugin_extras") {
            Some(v) if me.sysadmin && v.is_object() => Some(v.to_string()),
            _ => existing.plugin_extras.clone(),
        },
        ..existing.clone()
    };
    tx.user_update(&user)
        .await
        .map_err(|e| conflict_as_name(e, "name"))?;
    let dict = dictize::user(c.config(), &user, 0, UserView::PRIVATE);
    record_activity(
        tx.as_mut(),
        &me.id,
        &user.id,
        "changed user",
        json!({"user": dict.clone()}),
        vec!["public".into()],
    )
    .await?;
    tx.change_append("user", &user.id, "update").await?;
    tx.commit().await?;
    Ok(Value::Object(dict))
}

pub(crate) async fn user_patch(c: &Catalog, ctx: &Ctx, p: Params) -> Result<Value> {
    let id = id_param(&p, "id")?;
    let existing = {
        let mut tx = c.store().read().await?;
        tx.user_get(&id)
            .await?
            .ok_or_else(|| Error::not_found("User not found"))?
    };
    let mut merged = Params::new();
    let put = |m: &mut Params, k: &str, v: &Option<String>| {
        if let Some(v) = v {
            m.insert(k.into(), Value::String(v.clone()));
        }
    };
    put(&mut merged, "fullname", &existing.fullname);
    put(&mut merged, "email", &existing.email);
    put(&mut merged, "about", &existing.about);
    put(&mut merged, "image_url", &existing.image_url);
    merged.insert("name".into(), Value::String(existing.name.clone()));
    for (k, v) in p {
        merged.insert(k, v);
    }
    merged.insert("id".into(), Value::String(existing.id.clone()));
    user_update(c, ctx, merged).await
}

pub(crate) async fn user_delete(c: &Catalog, ctx: &Ctx, p: Params) -> Result<Value> {
    let id = id_param(&p, "id")?;
    if !ctx.actor.is_sysadmin() {
        return Err(Error::denied(
            Msg::new("User %{user} not authorized to delete user %{id}")
                .arg("user", ctx.actor.display())
                .arg("id", &id),
        ));
    }
    let mut tx = c.store().begin().await?;
    let mut user = tx
        .user_get(&id)
        .await?
        .ok_or_else(|| Error::not_found("User not found"))?;
    user.state = STATE_DELETED.into();
    tx.user_update(&user).await?;
    tx.member_delete_all_of(&user.id, "user").await?;
    let actor_id = ctx.actor.user_id().unwrap_or_default().to_string();
    record_activity(
        tx.as_mut(),
        &actor_id,
        &user.id,
        "deleted user",
        json!({"user": {"id": user.id, "name": user.name}}),
        vec!["public".into()],
    )
    .await?;
    tx.change_append("user", &user.id, "delete").await?;
    tx.commit().await?;
    Ok(Value::Null)
}
