//! api_token_create, api_token_list, api_token_revoke.

use kho_core::model::{ApiToken, STATE_ACTIVE};
use kho_core::params::{opt_int, opt_str, req_str, Params};
use kho_core::time::isoformat;
use kho_core::{Error, Msg, Result};
use serde_json::{json, Value};

use super::{action, require_user};
use crate::auth::{new_token, token_hash};
use crate::registry::Registry;
use crate::{Catalog, Ctx};

pub fn register(r: &mut Registry) {
    action!(r, "api_token_create", false, api_token_create,
        "Create a new API token for a user. The token is returned once and never stored in clear.\n\n:param user: the id or name of the user (yourself, unless you are a sysadmin)\n:param name: a label for the token\n:param expires_in: optional lifetime, in units of `unit`\n:param unit: seconds per unit of `expires_in` (default 86400, a day)\n:returns: `{\"token\": ...}`",
        [("user", "string", true, "id or name of the user"), ("name", "string", true, "label"),
         ("expires_in", "integer", false, "lifetime in units"), ("unit", "integer", false, "seconds per unit (default 86400)")],
        "object");
    action!(r, "api_token_list", true, api_token_list,
        "List the active API tokens of a user (yourself, unless you are a sysadmin).\n\n:param user_id: the id or name of the user (alias `user`)\n:returns: a list of `{id, name, user_id, created_at, last_access}`",
        [("user_id", "string", false, "id or name (alias: user)"), ("user", "string", false, "id or name")],
        "array");
    action!(r, "api_token_revoke", false, api_token_revoke,
        "Revoke an API token. A revoked token is refused with 403 and the reason.\n\n:param token: the token itself, or\n:param jti: the token's id\n:param reason: optional reason shown to whoever presents the token",
        [("token", "string", false, "the token"), ("jti", "string", false, "the token id"),
         ("reason", "string", false, "why it is revoked")],
        "null");
}

fn token_dict(t: &ApiToken) -> Value {
    json!({
        "created_at": isoformat(&t.created_at),
        "id": t.id,
        "last_access": t.last_access.map(|a| isoformat(&a)),
        "name": t.name,
        "user_id": t.user_id,
    })
}

/// The user named by `user_ref`, when the caller is that user or a sysadmin.
async fn own_user(
    tx: &mut dyn kho_store::Tx,
    me: &kho_core::authz::ActorUser,
    user_ref: &str,
    denied: &str,
) -> Result<kho_core::model::User> {
    let user = tx
        .user_get(user_ref)
        .await?
        .ok_or_else(|| Error::not_found("User not found"))?;
    if me.sysadmin || me.id == user.id {
        Ok(user)
    } else {
        Err(Error::denied(
            Msg::new(denied)
                .arg("user", &me.name)
                .arg("other", &user.name),
        ))
    }
}

pub(crate) async fn api_token_create(c: &Catalog, ctx: &Ctx, p: Params) -> Result<Value> {
    let me = require_user(ctx, "api_token_create")?.clone();
    let user_ref = req_str(&p, "user")?;
    let name = req_str(&p, "name")?;
    if name.trim().is_empty() {
        return Err(Error::missing("name"));
    }
    let expires_in = opt_int(&p, "expires_in")?;
    let unit = opt_int(&p, "unit")?.unwrap_or(86_400);
    let mut tx = c.store().begin().await?;
    let user = own_user(
        tx.as_mut(),
        &me,
        &user_ref,
        "User %{user} not authorized to create API tokens for %{other}",
    )
    .await?;
    let now = kho_core::time::now_utc();
    let expires_at = match expires_in {
        Some(n) if n > 0 && unit > 0 => {
            Some(now + chrono::Duration::seconds(n.saturating_mul(unit).min(100 * 365 * 86_400)))
        }
        Some(_) => return Err(Error::field("expires_in", "Must be a positive integer")),
        None => None,
    };
    let (token, hash) = new_token();
    let row = ApiToken {
        id: uuid::Uuid::new_v4().to_string(),
        user_id: user.id.clone(),
        name,
        token_hash: hash,
        created_at: now,
        last_access: None,
        expires_at,
        state: STATE_ACTIVE.into(),
        state_reason: None,
    };
    tx.token_insert(&row).await?;
    tx.commit().await?;
    Ok(json!({ "token": token }))
}

pub(crate) async fn api_token_list(c: &Catalog, ctx: &Ctx, p: Params) -> Result<Value> {
    let me = require_user(ctx, "api_token_list")?.clone();
    let user_ref = match opt_str(&p, "user_id")?.or(opt_str(&p, "user")?) {
        Some(u) => u,
        None => return Err(Error::missing("user_id")),
    };
    let mut tx = c.store().read().await?;
    let user = own_user(
        tx.as_mut(),
        &me,
        &user_ref,
        "User %{user} not authorized to list API tokens of %{other}",
    )
    .await?;
    let tokens = tx.token_list(&user.id).await?;
    Ok(Value::Array(
        tokens
            .iter()
            .filter(|t| t.state == STATE_ACTIVE)
            .map(token_dict)
            .collect(),
    ))
}

pub(crate) async fn api_token_revoke(c: &Catalog, ctx: &Ctx, p: Params) -> Result<Value> {
    let me = require_user(ctx, "api_token_revoke")?.clone();
    let mut tx = c.store().begin().await?;
    let token = match (opt_str(&p, "jti")?, opt_str(&p, "token")?) {
        (Some(jti), _) => tx.token_get(&jti).await?,
        (None, Some(t)) => tx.token_by_hash(&token_hash(t.trim())).await?,
        (None, None) => return Err(Error::missing("jti")),
    };
    let token = token.ok_or_else(|| Error::not_found("API token not found"))?;
    if !(me.sysadmin || me.id == token.user_id) {
        return Err(Error::denied(
            Msg::new("User %{user} not authorized to revoke this API token").arg("user", &me.name),
        ));
    }
    let reason = opt_str(&p, "reason")?;
    tx.token_set_state(&token.id, "revoked", reason.as_deref())
        .await?;
    tx.commit().await?;
    Ok(Value::Null)
}
