//! Access grants: "sharing on special request". The owning organization's admins give a
//! user, or every member of another organization, read access to one dataset that is not
//! open data, with a reason and an optional expiry. A grant past its expiry stops working
//! by itself: caller labels only include live grants (`kho_core::visibility`).

use chrono::{NaiveDate, NaiveDateTime};
use kho_core::authz::Permission;
use kho_core::error::Errors;
use kho_core::model::{AccessGrant, Dataset, Grantee, STATE_ACTIVE};
use kho_core::params::{asbool, opt_str, req_str, Params};
use kho_core::time::{isoformat, now_utc};
use kho_core::visibility::OPEN;
use kho_core::{Error, Msg, Result};
use kho_store::{Suspension, Tx};
use serde_json::{Map, Value};

use super::datasets::owner_perm;
use super::{action, load_group, pd, record_activity};
use crate::registry::{ParamDoc, Registry};
use crate::{Catalog, Ctx};

const GRANTEE_PARAMS: &[ParamDoc] = &[
    pd("id", "string", true, "the id or name of the dataset"),
    pd(
        "user",
        "string",
        false,
        "the id or name of the user (give `user` or `organization`)",
    ),
    pd(
        "organization",
        "string",
        false,
        "the id or name of an organization: every member of it may read",
    ),
];

pub fn register(r: &mut Registry) {
    action!(
        r,
        "dataset_access_grant_create",
        false,
        dataset_access_grant_create,
        "Give a user, or every member of an organization, read access to a dataset that is \
         not open data (sharing on special request). Admins of the dataset's organization and \
         sysadmins may grant. Granting again to the same grantee replaces the reason and \
         expiry.",
        &[
            pd("id", "string", true, "the id or name of the dataset"),
            pd("user", "string", false, "the id or name of the user (give `user` or `organization`)"),
            pd("organization", "string", false, "the id or name of an organization: every member of it may read"),
            pd("reason", "string", true, "why access is granted (the request, agreement or decision)"),
            pd("expires", "ISO 8601 date or date-time (UTC)", false, "when the grant stops working; none: until deleted"),
        ],
        "the grant: `{id, package_id, grantee_type, grantee_id, grantee_name, reason, expires, created, created_by, active, suspended}`"
    );
    action!(
        r,
        "dataset_access_grant_list",
        true,
        dataset_access_grant_list,
        "The access grants of a dataset (for its organization's admins and editors and \
         sysadmins).",
        &[
            pd("id", "string", true, "the id or name of the dataset"),
            pd(
                "include_expired",
                "bool",
                false,
                "also list grants past their expiry (default false)"
            ),
        ],
        "a list of grants, oldest first"
    );
    action!(
        r,
        "dataset_access_grant_suspend",
        false,
        dataset_access_grant_suspend,
        "Suspend an access grant: the dataset behaves as without it until the suspension is \
         lifted. Whoever may grant access to the dataset may suspend.",
        &[
            pd("id", "string", true, "the id or name of the dataset"),
            pd(
                "user",
                "string",
                false,
                "the id or name of the user (give `user` or `organization`)"
            ),
            pd(
                "organization",
                "string",
                false,
                "the id or name of the organization"
            ),
            pd("reason", "string", true, "why the grant is suspended"),
        ],
        "the grant"
    );
    action!(
        r,
        "dataset_access_grant_unsuspend",
        false,
        dataset_access_grant_unsuspend,
        "Lift the suspension of an access grant.",
        GRANTEE_PARAMS,
        "the grant"
    );
    action!(
        r,
        "dataset_access_grant_delete",
        false,
        dataset_access_grant_delete,
        "Withdraw an access grant.",
        GRANTEE_PARAMS,
        "null"
    );
}

/// `expires`: an ISO date (midnight UTC) or date-time, in the future.
fn parse_expiry(s: &str, now: NaiveDateTime) -> std::result::Result<NaiveDateTime, Msg> {
    let s = s.trim();
    let s = s.strip_suffix('Z').unwrap_or(s);
    let at = kho_core::time::parse(s)
        .or_else(|| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").ok())
        .or_else(|| {
            NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
        })
        .ok_or_else(|| Msg::new("Date format incorrect"))?;
    if at <= now {
        return Err(Msg::new("The expiry must be in the future"));
    }
    Ok(at)
}

/// Load the dataset and check the caller holds `perm` in its organization.
async fn load_dataset(
    tx: &mut dyn Tx,
    ctx: &Ctx,
    id: &str,
    perm: Permission,
    template: &str,
) -> Result<Dataset> {
    let d = tx
        .package_get(id)
        .await?
        .ok_or_else(|| Error::not_found("Dataset not found"))?;
    if !owner_perm(tx, ctx, &d, perm).await? {
        return Err(Error::denied(
            Msg::new(template)
                .arg("user", ctx.actor.display())
                .arg("id", &d.id),
        ));
    }
    Ok(d)
}

/// The grantee named by `user` or `organization` (exactly one): `(type, id, name)`. New
/// grants go to active users and organizations only; an existing grant of a user or an
/// organization deleted since can still be withdrawn.
async fn grantee(
    tx: &mut dyn Tx,
    p: &Params,
    active_only: bool,
) -> Result<(Grantee, String, String)> {
    let user = opt_str(p, "user")?.filter(|s| !s.is_empty());
    let org = opt_str(p, "organization")?.filter(|s| !s.is_empty());
    match (user, org) {
        (Some(u), None) => {
            let found = tx
                .user_get(&u)
                .await?
                .filter(|u| !active_only || u.state == STATE_ACTIVE)
                .ok_or_else(|| Error::field("user", "User not found"))?;
            Ok((Grantee::User, found.id, found.name))
        }
        (None, Some(o)) => {
            let found = load_group(tx, &o, true)
                .await?
                .filter(|g| !active_only || g.state == STATE_ACTIVE)
                .ok_or_else(|| Error::field("organization", "Organization does not exist"))?;
            Ok((Grantee::Organization, found.id, found.name))
        }
        _ => Err(Error::ValidationMessage(Msg::new(
            "Give exactly one of user or organization",
        ))),
    }
}

async fn grantee_name(tx: &mut dyn Tx, g: &AccessGrant) -> Result<Value> {
    let name = match g.grantee_type {
        Grantee::User => tx.user_get(&g.grantee_id).await?.map(|u| u.name),
        Grantee::Organization => tx.group_get(&g.grantee_id).await?.map(|o| o.name),
    };
    Ok(name.map_or(Value::Null, Value::String))
}

fn grant_dict(
    g: &AccessGrant,
    name: Value,
    now: NaiveDateTime,
    suspended: Option<&Suspension>,
) -> Value {
    let mut m = Map::new();
    m.insert("id".into(), g.id.clone().into());
    m.insert("package_id".into(), g.package_id.clone().into());
    m.insert("grantee_type".into(), g.grantee_type.as_str().into());
    m.insert("grantee_id".into(), g.grantee_id.clone().into());
    m.insert("grantee_name".into(), name);
    m.insert("reason".into(), g.reason.clone().into());
    m.insert(
        "expires".into(),
        g.expires
            .as_ref()
            .map_or(Value::Null, |e| isoformat(e).into()),
    );
    m.insert("created".into(), isoformat(&g.created).into());
    m.insert("created_by".into(), g.created_by.clone().into());
    m.insert(
        "active".into(),
        (g.is_live(now) && suspended.is_none()).into(),
    );
    m.insert(
        "suspended".into(),
        suspended.map_or(Value::Null, |s| super::sharing::suspension_dict(s, None)),
    );
    Value::Object(m)
}

async fn dataset_access_grant_create(c: &Catalog, ctx: &Ctx, p: Params) -> Result<Value> {
    let id = req_str(&p, "id")?;
    let Some(actor) = ctx.actor.user() else {
        return Err(Error::denied(
            Msg::new("User %{user} not authorized to grant access to dataset %{id}")
                .arg("user", "")
                .arg("id", &id),
        ));
    };
    let now = now_utc();
    let mut tx = c.store().begin().await?;
    let d = load_dataset(
        tx.as_mut(),
        ctx,
        &id,
        Permission::Membership,
        "User %{user} not authorized to grant access to dataset %{id}",
    )
    .await?;
    let mut errs = Errors::new();
    let reason = opt_str(&p, "reason")?.map(|r| r.trim().to_owned());
    if reason.as_deref().is_none_or(str::is_empty) {
        errs.add("reason", "Missing value");
    }
    let expires = match opt_str(&p, "expires")?.filter(|s| !s.trim().is_empty()) {
        Some(s) => match parse_expiry(&s, now) {
            Ok(at) => Some(at),
            Err(m) => {
                errs.add("expires", m);
                None
            }
        },
        None => None,
    };
    errs.into_result()?;
    if d.sharing_level == OPEN {
        return Err(Error::ValidationMessage(Msg::new(
            "This dataset is open data: everyone may read it without a grant",
        )));
    }
    let (grantee_type, grantee_id, name) = grantee(tx.as_mut(), &p, true).await?;
    let existing = tx
        .grants_of_package(&d.id)
        .await?
        .into_iter()
        .find(|g| g.grantee_type == grantee_type && g.grantee_id == grantee_id);
    let grant = AccessGrant {
        id: existing
            .map(|g| g.id)
            .unwrap_or_else(|| uuid::Uuid::new_v4().to_string()),
        package_id: d.id.clone(),
        grantee_type,
        grantee_id,
        reason: reason.unwrap_or_default(),
        expires,
        created: now,
        created_by: actor.id.clone(),
    };
    tx.grant_upsert(&grant).await?;
    let suspended = tx.suspension_get("grant", &grant.id).await?;
    tx.commit().await?;
    Ok(grant_dict(&grant, name.into(), now, suspended.as_ref()))
}

async fn dataset_access_grant_list(c: &Catalog, ctx: &Ctx, p: Params) -> Result<Value> {
    let id = req_str(&p, "id")?;
    let include_expired = asbool(&p, "include_expired", false)?;
    let now = now_utc();
    let mut tx = c.store().read().await?;
    let d = load_dataset(
        tx.as_mut(),
        ctx,
        &id,
        Permission::UpdateDataset,
        "User %{user} not authorized to list the access grants of dataset %{id}",
    )
    .await?;
    let mut out = Vec::new();
    for g in tx.grants_of_package(&d.id).await? {
        if include_expired || g.is_live(now) {
            let name = grantee_name(tx.as_mut(), &g).await?;
            let suspended = tx.suspension_get("grant", &g.id).await?;
            out.push(grant_dict(&g, name, now, suspended.as_ref()));
        }
    }
    Ok(Value::Array(out))
}

async fn dataset_access_grant_delete(c: &Catalog, ctx: &Ctx, p: Params) -> Result<Value> {
    let id = req_str(&p, "id")?;
    let mut tx = c.store().begin().await?;
    let d = load_dataset(
        tx.as_mut(),
        ctx,
        &id,
        Permission::Membership,
        "User %{user} not authorized to grant access to dataset %{id}",
    )
    .await?;
    let (grantee_type, grantee_id, _) = grantee(tx.as_mut(), &p, false).await?;
    if !tx.grant_delete(&d.id, grantee_type, &grantee_id).await? {
        return Err(Error::not_found("Access grant not found"));
    }
    tx.commit().await?;
    Ok(Value::Null)
}

async fn grant_step(c: &Catalog, ctx: &Ctx, p: Params, suspend: bool) -> Result<Value> {
    let id = req_str(&p, "id")?;
    let Some(actor) = ctx.actor.user().cloned() else {
        return Err(Error::denied(
            Msg::new("User %{user} not authorized to grant access to dataset %{id}")
                .arg("user", "")
                .arg("id", &id),
        ));
    };
    let reason = if suspend {
        Some(super::sharing::reason_param(&p)?)
    } else {
        None
    };
    let now = now_utc();
    let mut tx = c.store().begin().await?;
    let d = load_dataset(
        tx.as_mut(),
        ctx,
        &id,
        Permission::Membership,
        "User %{user} not authorized to grant access to dataset %{id}",
    )
    .await?;
    let (grantee_type, grantee_id, name) = grantee(tx.as_mut(), &p, false).await?;
    let grant = tx
        .grants_of_package(&d.id)
        .await?
        .into_iter()
        .find(|g| g.grantee_type == grantee_type && g.grantee_id == grantee_id)
        .ok_or_else(|| Error::not_found("Access grant not found"))?;
    let previous = tx.suspension_get("grant", &grant.id).await?;
    let (activity, suspended, reason) = match reason {
        Some(reason) => {
            let s = Suspension {
                kind: "grant".into(),
                target_id: grant.id.clone(),
                reason: reason.clone(),
                actor_id: actor.id.clone(),
                at: now,
            };
            tx.suspension_put(&s).await?;
            ("suspended access grant", Some(s), reason)
        }
        None => {
            let Some(previous) = previous else {
                return Err(Error::not_found("Suspension not found"));
            };
            tx.suspension_delete("grant", &grant.id).await?;
            ("unsuspended access grant", None, previous.reason)
        }
    };
    record_activity(
        tx.as_mut(),
        &actor.id,
        &d.id,
        activity,
        serde_json::json!({
            "grant": {"id": grant.id, "package_id": d.id, "grantee_type": grant.grantee_type.as_str(),
                      "grantee_id": grant.grantee_id, "grantee_name": name},
            "reason": reason,
            "actor": actor.name,
        }),
        kho_core::visibility::dataset_labels(&d),
    )
    .await?;
    tx.commit().await?;
    Ok(grant_dict(&grant, name.into(), now, suspended.as_ref()))
}

async fn dataset_access_grant_suspend(c: &Catalog, ctx: &Ctx, p: Params) -> Result<Value> {
    grant_step(c, ctx, p, true).await
}

async fn dataset_access_grant_unsuspend(c: &Catalog, ctx: &Ctx, p: Params) -> Result<Value> {
    grant_step(c, ctx, p, false).await
}
