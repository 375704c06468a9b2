//! The sharing log (`sharing_log_list`) and suspensions of accounts and API tokens
//! (regulations, requirements 11 and 12). Access grants are suspended in `grants.rs`.

use chrono::{NaiveDate, NaiveDateTime};
use kho_core::authz::Capacity;
use kho_core::model::User;
use kho_core::params::{opt_natural, opt_str, Params};
use kho_core::time::{isoformat, now_utc};
use kho_core::visibility::creator_label;
use kho_core::{Error, Msg, Result};
use kho_store::{SharingEntry, SharingLogQuery, Suspension, Tx};
use serde_json::{json, Value};

use super::{action, capacity_in, load_group, pd, record_activity, require_user};
use crate::auth::token_hash;
use crate::registry::Registry;
use crate::{Catalog, Ctx};

pub fn register(r: &mut Registry) {
    action!(
        r,
        "sharing_log_list",
        true,
        sharing_log_list,
        "The sharing log: every read and download of data that is not open, by an account, \
         newest first. Sysadmins see every entry; an organization's admins see the entries \
         of the datasets it owns. No action changes or deletes an entry.",
        &[
            pd("dataset", "string", false, "the id or name of a dataset"),
            pd("organization", "string", false, "the id or name of the owning organization"),
            pd("user", "string", false, "the id or name of the account that read"),
            pd("since", "ISO 8601 date or date-time (UTC)", false, "entries at or after"),
            pd("until", "ISO 8601 date or date-time (UTC)", false, "entries before"),
            pd("limit", "int", false, "entries per page (default 100, max 1000)"),
            pd("offset", "int", false, "entries to skip"),
        ],
        "`{count, results: [{id, timestamp, user_id, user_name, user_organizations, organization_id, package_id, resource_id, action, client_address, user_agent, outcome}]}`"
    );
    action!(
        r,
        "user_suspend",
        false,
        user_suspend,
        "Suspend an account (sysadmins, and admins of an organization the account belongs \
         to; not one's own, and not a sysadmin's account unless by a sysadmin): every call \
         made with its API tokens is refused with 403 `suspended: <reason>` until the \
         suspension is lifted.",
        &[
            pd("id", "string", true, "the id or name of the user"),
            pd(
                "reason",
                "string",
                true,
                "why (shown to the account's calls)"
            ),
        ],
        "`{id, name, suspended: {reason, at, by}}`"
    );
    action!(
        r,
        "user_unsuspend",
        false,
        user_unsuspend,
        "Lift the suspension of an account (those who may suspend it; a suspension made by \
         a sysadmin is lifted by a sysadmin only).",
        &[pd("id", "string", true, "the id or name of the user")],
        "null"
    );
    action!(
        r,
        "api_token_suspend",
        false,
        api_token_suspend,
        "Suspend an API token: calls made with it are refused with 403 `suspended: \
         <reason>` until the suspension is lifted. Its owner, sysadmins and the admins of \
         an organization the owner belongs to may suspend it.",
        &[
            pd("jti", "string", false, "the token's id (or give `token`)"),
            pd("token", "string", false, "the token itself"),
            pd(
                "reason",
                "string",
                true,
                "why (shown to whoever presents the token)"
            ),
        ],
        "null"
    );
    action!(
        r,
        "api_token_unsuspend",
        false,
        api_token_unsuspend,
        "Lift the suspension of an API token. Whoever may suspend it may lift it, except \
         that only a sysadmin lifts a sysadmin's suspension.",
        &[
            pd("jti", "string", false, "the token's id (or give `token`)"),
            pd("token", "string", false, "the token itself"),
        ],
        "null"
    );
}

/// `since` / `until`: an ISO date (midnight UTC) or date-time.
fn when(p: &Params, key: &str) -> Result<Option<NaiveDateTime>> {
    let Some(s) = opt_str(p, key)?.filter(|s| !s.trim().is_empty()) else {
        return Ok(None);
    };
    let s = s.trim();
    let s = s.strip_suffix('Z').unwrap_or(s);
    kho_core::time::parse(s)
        .or_else(|| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").ok())
        .or_else(|| {
            NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
        })
        .map(Some)
        .ok_or_else(|| Error::field(key, "Date format incorrect"))
}

/// The organizations whose sharing log the user may read: where they are admin, and
/// every organization below one of them.
async fn administered(tx: &mut dyn Tx, user_id: &str) -> Result<Vec<String>> {
    let mut out = std::collections::BTreeSet::new();
    let mut frontier: Vec<String> = tx
        .member_of(user_id, "user")
        .await?
        .into_iter()
        .filter(|m| m.state == kho_core::model::STATE_ACTIVE && m.capacity == "admin")
        .map(|m| m.group_id)
        .collect();
    while let Some(g) = frontier.pop() {
        if !out.insert(g.clone()) || out.len() > 10_000 {
            continue;
        }
        for child in tx.member_list(&g, Some("group")).await? {
            frontier.push(child.table_id);
        }
    }
    Ok(out.into_iter().collect())
}

fn entry_dict(e: &SharingEntry) -> Value {
    json!({
        "id": e.id,
        "timestamp": isoformat(&e.at),
        "user_id": e.user_id,
        "user_name": e.user_name,
        "user_organizations": e.user_organizations,
        "organization_id": e.organization_id,
        "package_id": e.dataset_id,
        "resource_id": e.resource_id,
        "action": e.action,
        "client_address": e.client_address,
        "user_agent": e.user_agent,
        "outcome": e.outcome,
    })
}

/// The query `sharing_log_list` runs for this caller, or why they may not.
pub(crate) async fn sharing_query(
    tx: &mut dyn Tx,
    ctx: &Ctx,
    p: &Params,
) -> Result<SharingLogQuery> {
    let me = require_user(ctx, "sharing_log_list")?;
    let denied = || {
        Error::denied(
            Msg::new("User %{user} not authorized to read the sharing log").arg("user", &me.name),
        )
    };
    let mut q = SharingLogQuery {
        since: when(p, "since")?,
        until: when(p, "until")?,
        ..SharingLogQuery::default()
    };
    let allowed = if me.sysadmin {
        None
    } else {
        let orgs = administered(tx, &me.id).await?;
        if orgs.is_empty() {
            return Err(denied());
        }
        Some(orgs)
    };
    if let Some(o) = opt_str(p, "organization")?.filter(|s| !s.is_empty()) {
        let org = load_group(tx, &o, true)
            .await?
            .ok_or_else(|| Error::not_found("Organization not found"))?;
        if allowed.as_ref().is_some_and(|a| !a.contains(&org.id)) {
            return Err(denied());
        }
        q.organization_ids = Some(vec![org.id]);
    } else {
        q.organization_ids = allowed;
    }
    // Unknown names filter by themselves (nothing matches): an answer that is the same
    // whether or not a dataset the caller may not see exists.
    if let Some(d) = opt_str(p, "dataset")?.filter(|s| !s.is_empty()) {
        q.dataset_id = Some(tx.package_get(&d).await?.map_or(d, |d| d.id));
    }
    if let Some(u) = opt_str(p, "user")?.filter(|s| !s.is_empty()) {
        q.user_id = Some(tx.user_get(&u).await?.map_or(u, |u| u.id));
    }
    Ok(q)
}

async fn sharing_log_list(c: &Catalog, ctx: &Ctx, p: Params) -> Result<Value> {
    let limit = opt_natural(&p, "limit")?.unwrap_or(100).clamp(1, 1000);
    let offset = opt_natural(&p, "offset")?.unwrap_or(0);
    // What was read a moment ago is in the answer (before any transaction is open: the
    // writer needs the store).
    c.flush_sharing_log().await;
    let mut tx = c.store().read().await?;
    let mut q = sharing_query(tx.as_mut(), ctx, &p).await?;
    q.limit = Some(limit);
    q.offset = offset;
    let (count, entries) = tx.sharing_log_query(&q).await?;
    Ok(json!({
        "count": count,
        "results": entries.iter().map(entry_dict).collect::<Vec<_>>(),
    }))
}

/// The required, non-blank `reason`.
pub(crate) fn reason_param(p: &Params) -> Result<String> {
    match opt_str(p, "reason")?.map(|r| r.trim().to_owned()) {
        Some(r) if !r.is_empty() => Ok(r),
        _ => Err(Error::missing("reason")),
    }
}

pub(crate) fn suspension_dict(s: &Suspension, by: Option<&str>) -> Value {
    json!({"reason": s.reason, "at": isoformat(&s.at), "by": by.unwrap_or(&s.actor_id)})
}

async fn load_user(tx: &mut dyn Tx, id: &str) -> Result<User> {
    tx.user_get(id)
        .await?
        .ok_or_else(|| Error::not_found("User not found"))
}

async fn user_suspend(c: &Catalog, ctx: &Ctx, p: Params) -> Result<Value> {
    let id = kho_core::params::req_str(&p, "id")?;
    let me = require_user(ctx, "user_suspend")?.clone();
    let mut tx = c.store().begin().await?;
    let user = load_user(tx.as_mut(), &id).await?;
    if !may_suspend_account(tx.as_mut(), &me, &user).await? {
        return Err(suspend_denied(&me, &id));
    }
    let reason = reason_param(&p)?;
    if user.id == me.id {
        return Err(Error::ValidationMessage(Msg::new(
            "You cannot suspend your own account",
        )));
    }
    // An organization admin does not reword a sysadmin's suspension.
    if let Some(prev) = tx.suspension_get("user", &user.id).await? {
        if !me.sysadmin && made_by_sysadmin(tx.as_mut(), &prev).await? {
            return Err(suspend_denied(&me, &id));
        }
    }
    let s = Suspension {
        kind: "user".into(),
        target_id: user.id.clone(),
        reason: reason.clone(),
        actor_id: me.id.clone(),
        at: now_utc(),
    };
    tx.suspension_put(&s).await?;
    record_activity(
        tx.as_mut(),
        &me.id,
        &user.id,
        "suspended user",
        json!({"user": {"id": user.id, "name": user.name}, "reason": reason, "actor": me.name}),
        vec![creator_label(&user.id)],
    )
    .await?;
    tx.commit().await?;
    Ok(json!({"id": user.id, "name": user.name, "suspended": suspension_dict(&s, Some(&me.name))}))
}

fn suspend_denied(me: &kho_core::authz::ActorUser, id: &str) -> Error {
    Error::denied(
        Msg::new("User %{user} not authorized to suspend user %{id}")
            .arg("user", &me.name)
            .arg("id", id),
    )
}

/// May the caller suspend (and lift a suspension of) this account: sysadmins, and the
/// admins of an organization the account belongs to (requirement 12: the operator or the
/// owning agency), never a sysadmin's account.
async fn may_suspend_account(
    tx: &mut dyn Tx,
    me: &kho_core::authz::ActorUser,
    user: &User,
) -> Result<bool> {
    if me.sysadmin {
        return Ok(true);
    }
    if me.id == user.id {
        return Ok(false);
    }
    may_suspend_tokens_of(tx, me, user).await
}

/// Was this suspension made by a sysadmin (or by an account no longer there)?
async fn made_by_sysadmin(tx: &mut dyn Tx, s: &Suspension) -> Result<bool> {
    Ok(match tx.user_get(&s.actor_id).await? {
        Some(u) => u.sysadmin,
        None => true,
    })
}

async fn user_unsuspend(c: &Catalog, ctx: &Ctx, p: Params) -> Result<Value> {
    let id = kho_core::params::req_str(&p, "id")?;
    let me = require_user(ctx, "user_unsuspend")?.clone();
    let mut tx = c.store().begin().await?;
    let user = load_user(tx.as_mut(), &id).await?;
    if !may_suspend_account(tx.as_mut(), &me, &user).await? {
        return Err(suspend_denied(&me, &id));
    }
    let Some(was) = tx.suspension_get("user", &user.id).await? else {
        return Err(Error::not_found("Suspension not found"));
    };
    // A sysadmin's suspension is lifted by a sysadmin only.
    if !me.sysadmin && made_by_sysadmin(tx.as_mut(), &was).await? {
        return Err(suspend_denied(&me, &id));
    }
    tx.suspension_delete("user", &user.id).await?;
    record_activity(
        tx.as_mut(),
        &me.id,
        &user.id,
        "unsuspended user",
        json!({"user": {"id": user.id, "name": user.name}, "reason": was.reason, "actor": me.name}),
        vec![creator_label(&user.id)],
    )
    .await?;
    tx.commit().await?;
    Ok(Value::Null)
}

/// May the caller suspend tokens of `owner`: themself, a sysadmin, or an admin of an
/// organization the owner belongs to (not for a sysadmin's tokens).
async fn may_suspend_tokens_of(
    tx: &mut dyn Tx,
    me: &kho_core::authz::ActorUser,
    owner: &User,
) -> Result<bool> {
    if me.sysadmin || me.id == owner.id {
        return Ok(true);
    }
    if owner.sysadmin {
        return Ok(false);
    }
    for m in tx.member_of(&owner.id, "user").await? {
        if m.state != kho_core::model::STATE_ACTIVE {
            continue;
        }
        let is_org = tx
            .group_get(&m.group_id)
            .await?
            .is_some_and(|g| g.is_organization);
        if is_org && capacity_in(tx, &me.id, &m.group_id).await? == Some(Capacity::Admin) {
            return Ok(true);
        }
    }
    Ok(false)
}

async fn token_of(tx: &mut dyn Tx, p: &Params) -> Result<kho_core::model::ApiToken> {
    let token = match (opt_str(p, "jti")?, opt_str(p, "token")?) {
        (Some(jti), _) => tx.token_get(&jti).await?,
        (None, Some(t)) => tx.token_by_hash(&token_hash(t.trim())).await?,
        (None, None) => return Err(Error::missing("jti")),
    };
    token.ok_or_else(|| Error::not_found("API token not found"))
}

async fn token_step(c: &Catalog, ctx: &Ctx, p: Params, suspend: bool) -> Result<Value> {
    let name = if suspend {
        "api_token_suspend"
    } else {
        "api_token_unsuspend"
    };
    let me = require_user(ctx, name)?.clone();
    let reason = if suspend {
        Some(reason_param(&p)?)
    } else {
        None
    };
    let mut tx = c.store().begin().await?;
    let token = token_of(tx.as_mut(), &p).await?;
    let owner = load_user(tx.as_mut(), &token.user_id).await?;
    let denied = || {
        Error::denied(
            Msg::new("User %{user} not authorized to suspend this API token").arg("user", &me.name),
        )
    };
    if !may_suspend_tokens_of(tx.as_mut(), &me, &owner).await? {
        return Err(denied());
    }
    let previous = tx.suspension_get("token", &token.id).await?;
    if let Some(prev) = &previous {
        // A sysadmin's suspension is lifted (or reworded) by a sysadmin only.
        let by_sysadmin = made_by_sysadmin(tx.as_mut(), prev).await?;
        // The owner lifts only a suspension of their own making.
        let owner_overrides = me.id == owner.id && prev.actor_id != owner.id;
        if !me.sysadmin && (by_sysadmin || owner_overrides) {
            return Err(denied());
        }
    }
    match (&reason, token.state.as_str()) {
        (_, "revoked") => {
            return Err(Error::ValidationMessage(Msg::new(
                "This API token is revoked",
            )))
        }
        (None, "suspended") => {}
        (None, _) => return Err(Error::not_found("Suspension not found")),
        _ => {}
    }
    let activity = if let Some(reason) = &reason {
        tx.token_set_state(&token.id, "suspended", Some(reason))
            .await?;
        tx.suspension_put(&Suspension {
            kind: "token".into(),
            target_id: token.id.clone(),
            reason: reason.clone(),
            actor_id: me.id.clone(),
            at: now_utc(),
        })
        .await?;
        "suspended api token"
    } else {
        tx.token_set_state(&token.id, kho_core::model::STATE_ACTIVE, None)
            .await?;
        tx.suspension_delete("token", &token.id).await?;
        "unsuspended api token"
    };
    let reason = reason.or_else(|| previous.map(|p| p.reason));
    record_activity(
        tx.as_mut(),
        &me.id,
        &owner.id,
        activity,
        json!({
            "token": {"id": token.id, "name": token.name, "user_id": owner.id},
            "reason": reason,
            "actor": me.name,
        }),
        vec![creator_label(&owner.id)],
    )
    .await?;
    tx.commit().await?;
    Ok(Value::Null)
}

async fn api_token_suspend(c: &Catalog, ctx: &Ctx, p: Params) -> Result<Value> {
    token_step(c, ctx, p, true).await
}

async fn api_token_unsuspend(c: &Catalog, ctx: &Ctx, p: Params) -> Result<Value> {
    token_step(c, ctx, p, false).await
}
