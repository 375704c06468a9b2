//! harvest_source_list, harvest_source_show, harvest_job_list: the sources kho harvests
//! from (kho-harvest) and their runs, in ckanext-harvest's shapes and with its
//! authorization (`logic/auth/get.py`): sources are public; a source's jobs are for whoever
//! may update the source (a sysadmin, or an editor or admin of its organization).

use kho_core::authz::Capacity;
use kho_core::model::{HarvestJob, HarvestSource, STATE_ACTIVE};
use kho_core::params::{asbool, opt_natural, opt_str, req_str, Params};
use kho_core::time::isoformat;
use kho_core::{Error, Msg, Result};
use kho_store::Tx;
use serde_json::{json, Value};

use super::{action, capacity_in};
use crate::registry::Registry;
use crate::{Catalog, Ctx};

pub fn register(r: &mut Registry) {
    action!(r, "harvest_source_list", true, harvest_source_list,
        "List the harvest sources, newest first (ckanext-harvest). Anonymous callers and sysadmins see every source; other users the sources of their organizations.\n\n:param organization_id: only the sources of this organization (id or name) (optional)\n:param return_last_job_status: add `last_job_status`, the last job's dict (optional, default false)\n:returns: a list of source dicts `{id, name, title, url, type, owner_org, created, active, config (sysadmins only), status: {job_count, last_job, total_datasets, last_harvest_request}}`\n:rtype: list of dictionaries",
        [("organization_id", "string", false, "only this organization's sources"),
         ("return_last_job_status", "boolean", false, "add last_job_status (default false)")],
        "array");
    action!(r, "harvest_source_show", true, harvest_source_show,
        "Return one harvest source (ckanext-harvest), with its status.\n\n:param id: the id or name of the source\n:returns: the source dict (see harvest_source_list)\n:rtype: dictionary",
        [("id", "string", true, "id or name of the source")],
        "object");
    action!(r, "harvest_job_list", true, harvest_job_list,
        "List the jobs (runs) of a harvest source, newest first (ckanext-harvest). Needs the right to update the source: a sysadmin, or an editor or admin of its organization; without `source_id`, a sysadmin.\n\n:param source_id: the id or name of the source\n:param status: only jobs of this status: Running, Finished or Aborted (optional)\n:param limit: at most this many jobs (optional)\n:returns: a list of job dicts `{id, source_id, created, gather_started, gather_finished, finished, status, stats: {added, updated, not modified, errored, deleted}, errors}`\n:rtype: list of dictionaries",
        [("source_id", "string", false, "id or name of the source (sysadmins may omit it)"),
         ("status", "string", false, "Running, Finished or Aborted"),
         ("limit", "integer", false, "at most this many jobs")],
        "array");
}

/// ckanext-harvest's `harvest_job_dictize`, with kho's counts and messages.
pub(crate) fn job_dict(j: &HarvestJob) -> Value {
    let errors: Value = serde_json::from_str(&j.errors).unwrap_or_else(|_| json!([]));
    json!({
        "id": j.id,
        "source_id": j.source_id,
        "created": isoformat(&j.created),
        "gather_started": j.gather_started.as_ref().map(isoformat),
        "gather_finished": j.gather_finished.as_ref().map(isoformat),
        "finished": j.finished.as_ref().map(isoformat),
        "status": j.status,
        "stats": {
            "added": j.created_count,
            "updated": j.updated_count,
            "not modified": j.unchanged_count,
            "errored": j.error_count,
            "deleted": j.deleted_count,
        },
        "errors": errors,
    })
}

async fn source_dict(
    tx: &mut dyn Tx,
    ctx: &Ctx,
    s: &HarvestSource,
    last_job_status: bool,
) -> Result<Value> {
    let job_count = tx.harvest_job_count(&s.id).await?;
    let last = tx.harvest_job_list(Some(&s.id), None, Some(1)).await?;
    let last_job = last.first().map(job_dict);
    let last_finished = tx
        .harvest_job_list(Some(&s.id), Some("Finished"), Some(1))
        .await?;
    let total_datasets = tx
        .harvested_datasets(&s.id)
        .await?
        .iter()
        .filter(|d| d.state == STATE_ACTIVE)
        .count();
    let owner_org = match &s.owner_org {
        Some(org) => tx.group_get(org).await?.map(|g| g.id).or(Some(org.clone())),
        None => None,
    };
    let mut out = json!({
        "id": s.id,
        "name": s.name,
        "title": s.title,
        "url": s.url,
        "type": s.source_type,
        "owner_org": owner_org,
        "created": isoformat(&s.created),
        "active": true,
        "status": {
            "job_count": job_count,
            "last_job": last_job.clone(),
            "total_datasets": total_datasets,
            "last_harvest_request": last_finished
                .first()
                .and_then(|j| j.gather_finished.as_ref())
                .map(isoformat),
        },
    });
    if ctx.actor.is_sysadmin() {
        let config: Value = serde_json::from_str(&s.config).unwrap_or_else(|_| json!({}));
        out["config"] = config;
    }
    if last_job_status {
        out["last_job_status"] = last_job.unwrap_or(Value::Null);
    }
    Ok(out)
}

/// The organizations (ids) of a logged-in non-sysadmin, for ckanext-harvest's rule that
/// such a user sees only their publishers' sources.
async fn orgs_of(tx: &mut dyn Tx, user_id: &str) -> Result<Vec<String>> {
    Ok(tx
        .member_of(user_id, "user")
        .await?
        .into_iter()
        .map(|m| m.group_id)
        .collect())
}

/// The id of the organization a source names (by id or name), if it exists.
async fn org_id(tx: &mut dyn Tx, s: &HarvestSource) -> Result<Option<String>> {
    Ok(match &s.owner_org {
        Some(org) => tx
            .group_get(org)
            .await?
            .filter(|g| g.is_organization)
            .map(|g| g.id),
        None => None,
    })
}

pub(crate) async fn harvest_source_list(c: &Catalog, ctx: &Ctx, p: Params) -> Result<Value> {
    let organization = opt_str(&p, "organization_id")?;
    let last_job_status = asbool(&p, "return_last_job_status", false)?;
    let mut tx = c.store().read().await?;
    let sources = tx.harvest_source_list().await?;
    let visible: Option<Vec<String>> = match ctx.actor.user() {
        Some(u) if !u.sysadmin => Some(orgs_of(tx.as_mut(), &u.id).await?),
        _ => None,
    };
    let wanted_org = match &organization {
        Some(o) => Some(tx.group_get(o).await?.map_or_else(|| o.clone(), |g| g.id)),
        None => None,
    };
    let mut out = Vec::new();
    for s in &sources {
        let org = org_id(tx.as_mut(), s).await?;
        if wanted_org.as_ref().is_some_and(|w| org.as_ref() != Some(w)) {
            continue;
        }
        if let Some(orgs) = &visible {
            if !org.as_ref().is_some_and(|o| orgs.contains(o)) {
                continue;
            }
        }
        out.push(source_dict(tx.as_mut(), ctx, s, last_job_status).await?);
    }
    Ok(Value::Array(out))
}

pub(crate) async fn harvest_source_show(c: &Catalog, ctx: &Ctx, p: Params) -> Result<Value> {
    let id = req_str(&p, "id")?;
    let mut tx = c.store().read().await?;
    let s = tx
        .harvest_source_get(&id)
        .await?
        .ok_or_else(|| Error::not_found("Harvest source not found"))?;
    source_dict(tx.as_mut(), ctx, &s, false).await
}

pub(crate) async fn harvest_job_list(c: &Catalog, ctx: &Ctx, p: Params) -> Result<Value> {
    let source_ref = opt_str(&p, "source_id")?;
    let status = opt_str(&p, "status")?;
    let limit = opt_natural(&p, "limit")?;
    let mut tx = c.store().read().await?;
    let source = match &source_ref {
        Some(r) => Some(
            tx.harvest_source_get(r)
                .await?
                .ok_or_else(|| Error::not_found("Harvest source not found"))?,
        ),
        None => None,
    };
    let allowed = match (&source, ctx.actor.user()) {
        (_, None) => false,
        (_, Some(u)) if u.sysadmin => true,
        (None, Some(_)) => false,
        (Some(s), Some(u)) => match org_id(tx.as_mut(), s).await? {
            Some(org) => matches!(
                capacity_in(tx.as_mut(), &u.id, &org).await?,
                Some(Capacity::Editor | Capacity::Admin)
            ),
            None => false,
        },
    };
    if !allowed {
        let msg = match &source {
            Some(s) => Msg::new("User %{user} not authorized to list jobs for source %{source}")
                .arg("user", ctx.actor.display())
                .arg("source", &s.id),
            None => Msg::new("Only sysadmins can list the jobs of every harvest source"),
        };
        return Err(Error::denied(msg));
    }
    let jobs = tx
        .harvest_job_list(
            source.as_ref().map(|s| s.id.as_str()),
            status.as_deref(),
            limit,
        )
        .await?;
    Ok(Value::Array(jobs.iter().map(job_dict).collect()))
}
