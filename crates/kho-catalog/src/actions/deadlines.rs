//! Update deadlines and the reports of regulation requirements 7–9: `dataset_data_updated`
//! (an agency system declares when a dataset's data was last updated),
//! `compliance_report` (per organization, for a quarter) and `catalog_export` (the open
//! data list with per-organization counts). The rules are `kho_core::deadline`.

use std::collections::{BTreeMap, HashMap};

use chrono::{NaiveDate, NaiveDateTime};
use kho_core::authz::Permission;
use kho_core::deadline::{self, date_str, Status};
use kho_core::model::{Dataset, Group};
use kho_core::params::{opt_str, req_str, Params};
use kho_core::{Error, Msg, Result};
use kho_store::{DatasetFilter, Tx};
use serde_json::{json, Map, Value};

use super::datasets::{can_read, dataset_perm, read_denied};
use super::{action, caller_labels, load_group, not_authorized_on};
use crate::registry::Registry;
use crate::{Catalog, Ctx};

pub fn register(r: &mut Registry) {
    action!(r, "dataset_data_updated", false, dataset_data_updated,
        "Record when a dataset's data was last updated (for its update deadline).\n\nThe update deadline of a dataset follows from its update_frequency and the later of this time and its newest resource last_modified.\n\n:param id: the id or name of the dataset\n:param data_updated: when the data was updated, ISO 8601 (optional, default now; without a zone, UTC)\n:returns: the dataset's id, name, data_updated, update_status and update_deadline\n:rtype: dictionary",
        [("id", "string", true, "the id or name of the dataset"),
         ("data_updated", "string", false, "ISO 8601 timestamp, default now (UTC without a zone)")],
        "object");
    action!(r, "compliance_report", true, compliance_report,
        "Report on the organizations' update deadlines for a quarter.\n\nFor each organization: the datasets with a deadline, how many are on time, due soon, late, overdue and never updated, and the list of them, judged as of the quarter's last day (today for the current quarter) from each dataset's latest data update; and `services`: the data-sharing services made ready in the quarter, with those published later than `service_publication_working_days` working days (`late_services`, rows as in `service_report`). Only datasets the caller may read are included.\n\n:param quarter: the quarter, e.g. 2026Q3 (optional, default the current quarter)\n:param organization: the id or name of one organization (optional)\n:rtype: dictionary",
        [("quarter", "string", false, "YYYYQn, e.g. 2026Q3 (default: the current quarter)"),
         ("organization", "string", false, "only this organization (id or name)")],
        "object");
    action!(r, "catalog_export", true, catalog_export,
        "The open data list: every active open dataset with its key metadata, and the number of open datasets per organization.\n\n:rtype: dictionary",
        [],
        "object");
}

/// `data_updated` as a UTC timestamp: RFC 3339 with a zone, or naive (UTC, as CKAN's
/// timestamps are).
fn parse_instant(s: &str) -> Option<NaiveDateTime> {
    let s = s.trim();
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
        return Some(t.naive_utc());
    }
    kho_core::time::parse(s).or_else(|| {
        NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .ok()
            .and_then(|d| d.and_hms_opt(0, 0, 0))
    })
}

async fn dataset_data_updated(c: &Catalog, ctx: &Ctx, p: Params) -> Result<Value> {
    let id = req_str(&p, "id")?;
    let now = c.now();
    let at = match opt_str(&p, "data_updated")? {
        None => now,
        Some(s) => parse_instant(&s)
            .ok_or_else(|| Error::field("data_updated", "Date format incorrect"))?,
    };
    // A clock a little ahead on the agency's side is not an error; a date in the future is.
    if at > now + chrono::Duration::hours(1) {
        return Err(Error::field(
            "data_updated",
            "The data cannot have been updated in the future",
        ));
    }
    let mut tx = c.store().begin().await?;
    let d = tx
        .package_get(&id)
        .await?
        .filter(|d| d.state != "deleted")
        .ok_or_else(|| Error::not_found("Package was not found."))?;
    // Who may not read the dataset does not learn whether it exists beyond a denial.
    if !can_read(c, tx.as_mut(), ctx, &d).await? {
        return Err(read_denied(ctx, &id));
    }
    if !dataset_perm(c, tx.as_mut(), ctx, &d, Permission::UpdateDataset).await? {
        return Err(not_authorized_on(
            ctx,
            "User %{user} not authorized to edit package %{id}",
            &d.id,
        ));
    }
    tx.data_updated_set(&d.id, at, ctx.actor.user_id(), kho_core::time::now_utc())
        .await?;
    // Last (see `Tx::change_append`): the index takes the new deadline from the log.
    tx.change_append("package", &d.id, "update").await?;
    tx.commit().await?;
    let dl = deadline::of_dataset(&d, Some(at), c.deadline_rules());
    let data_updated = deadline::data_updated_of(&d, Some(at));
    let mut out = Map::new();
    out.insert("id".into(), d.id.clone().into());
    out.insert("name".into(), d.name.clone().into());
    out.insert(
        "data_updated".into(),
        data_updated.map_or(Value::Null, |t| kho_core::time::isoformat(&t).into()),
    );
    for (k, v) in deadline::dict_keys(dl.as_ref(), c.today()) {
        out.insert(k.into(), v);
    }
    Ok(Value::Object(out))
}

/// Every dataset matching `filter`, with its declared data update time.
async fn datasets_with_updates(
    tx: &mut dyn Tx,
    filter: &DatasetFilter,
) -> Result<Vec<(Dataset, Option<NaiveDateTime>)>> {
    const PAGE: i64 = 1000;
    let mut all = Vec::new();
    let mut offset = 0;
    loop {
        let page = tx.package_page(filter, PAGE, offset).await?;
        let n = page.len();
        let ids: Vec<String> = page.iter().map(|d| d.id.clone()).collect();
        let mut declared = tx.data_updated_of(&ids).await?;
        all.extend(page.into_iter().map(|d| {
            let at = declared.remove(&d.id);
            (d, at)
        }));
        if i64::try_from(n).unwrap_or(0) < PAGE {
            break;
        }
        offset += PAGE;
    }
    // Stable output: by organization, then name (the page order is by modification).
    all.sort_by(|(a, _), (b, _)| a.name.cmp(&b.name));
    Ok(all)
}

/// The organizations (any state) owning these datasets, by id.
async fn owners(
    tx: &mut dyn Tx,
    datasets: &[(Dataset, Option<NaiveDateTime>)],
) -> Result<HashMap<String, Group>> {
    let mut out = HashMap::new();
    for (d, _) in datasets {
        if let Some(org) = &d.owner_org {
            if !out.contains_key(org) {
                if let Some(g) = tx.group_get(org).await? {
                    out.insert(org.clone(), g);
                }
            }
        }
    }
    Ok(out)
}

fn org_json(g: Option<&Group>) -> (Value, Value, Value) {
    match g {
        Some(g) => (
            g.id.clone().into(),
            g.name.clone().into(),
            g.title.clone().unwrap_or_else(|| g.name.clone()).into(),
        ),
        None => (Value::Null, Value::Null, Value::Null),
    }
}

/// The counters of one organization in the compliance report.
#[derive(Default)]
struct Tally {
    due: u64,
    by_status: BTreeMap<Status, u64>,
    never_updated: u64,
    datasets: Vec<Value>,
}

async fn compliance_report(c: &Catalog, ctx: &Ctx, p: Params) -> Result<Value> {
    let today = c.today();
    let quarter = opt_str(&p, "quarter")?.unwrap_or_else(|| deadline::quarter_of(today));
    let (q_start, q_end) = deadline::parse_quarter(&quarter).ok_or_else(|| {
        Error::field(
            "quarter",
            Msg::new("Not a quarter such as 2026Q3: %{value}").arg("value", &quarter),
        )
    })?;
    let quarter = deadline::quarter_of(q_start);
    let as_of = today.min(q_end);
    let mut tx = c.store().read().await?;
    let labels = caller_labels(c, tx.as_mut(), ctx).await?;
    let owner_org = match opt_str(&p, "organization")? {
        None => None,
        Some(o) => Some(
            load_group(tx.as_mut(), &o, true)
                .await?
                .filter(|g| g.state != "deleted")
                .ok_or_else(|| Error::not_found("Organization not found"))?
                .id,
        ),
    };
    let filter = DatasetFilter {
        owner_org,
        states: vec!["active".into()],
        readable_by: labels,
        ..DatasetFilter::default()
    };
    let datasets = datasets_with_updates(tx.as_mut(), &filter).await?;
    let orgs = owners(tx.as_mut(), &datasets).await?;
    let rules = c.deadline_rules();
    let mut tallies: BTreeMap<Option<String>, Tally> = BTreeMap::new();
    for (d, declared) in &datasets {
        // Datasets that did not exist yet owed nothing in the quarter.
        if deadline::vn_date(d.metadata_created) > as_of {
            continue;
        }
        let Some(dl) = deadline::of_dataset(d, *declared, rules) else {
            continue;
        };
        let status = dl.status_on(as_of);
        let key = d
            .owner_org
            .as_ref()
            .and_then(|o| orgs.get(o))
            .map(|g| g.name.clone());
        let t = tallies.entry(key).or_default();
        t.due += 1;
        *t.by_status.entry(status).or_default() += 1;
        if dl.data_updated.is_none() {
            t.never_updated += 1;
        }
        t.datasets.push(json!({
            "id": d.id,
            "name": d.name,
            "title": d.title.clone().unwrap_or_else(|| d.name.clone()),
            "update_frequency": dl.frequency.key(),
            "period_start": date_str(dl.period_start),
            "period_end": date_str(dl.period_end),
            "due_date": date_str(dl.due),
            "data_updated": dl.data_updated.map(|t| kho_core::time::isoformat(&t)),
            "update_status": status.key(),
        }));
    }
    let by_name: HashMap<&str, &Group> = orgs.values().map(|g| (g.name.as_str(), g)).collect();
    let mut totals = Tally::default();
    let mut organizations = Vec::new();
    for (name, t) in tallies {
        let (id, name, title) = org_json(name.as_deref().and_then(|n| by_name.get(n).copied()));
        totals.due += t.due;
        totals.never_updated += t.never_updated;
        for (s, n) in &t.by_status {
            *totals.by_status.entry(*s).or_default() += n;
        }
        let mut o = Map::new();
        o.insert("id".into(), id);
        o.insert("name".into(), name);
        o.insert("title".into(), title);
        counts_into(&mut o, &t);
        o.insert("datasets".into(), Value::Array(t.datasets));
        organizations.push(Value::Object(o));
    }
    let mut totals_json = Map::new();
    counts_into(&mut totals_json, &totals);
    drop(tx);
    // Requirement 10 in the same report: the services made ready in the quarter, and
    // those published later than the allowed working days (`service_report` in full).
    let services = super::services::service_rows(
        c,
        ctx,
        &super::services::ServiceFilter {
            organization: opt_str(&p, "organization")?.filter(|o| !o.trim().is_empty()),
            since: Some(q_start),
            until: Some(q_end),
        },
    )
    .await?;
    let late: Vec<&super::services::ServiceRow> =
        services.iter().filter(|r| r.late == Some(true)).collect();
    Ok(json!({
        "quarter": quarter,
        "period_start": date_str(q_start),
        "period_end": date_str(q_end),
        "as_of": date_str(as_of),
        "totals": totals_json,
        "organizations": organizations,
        "services": {
            "allowed_working_days": c.config().service_publication_working_days,
            "count": services.len(),
            "late": late.len(),
            "late_services": late,
        },
    }))
}

fn counts_into(o: &mut Map<String, Value>, t: &Tally) {
    o.insert("due".into(), t.due.into());
    for s in [
        Status::OnTime,
        Status::DueSoon,
        Status::Late,
        Status::Overdue,
    ] {
        o.insert(
            s.key().into(),
            t.by_status.get(&s).copied().unwrap_or(0).into(),
        );
    }
    o.insert("never_updated".into(), t.never_updated.into());
}

/// A profile value as one line of text (lists joined by `;`).
fn profile_text(d: &Dataset, key: &str) -> Value {
    let profile: Map<String, Value> = serde_json::from_str(&d.profile).unwrap_or_default();
    match profile.get(key) {
        Some(Value::String(s)) if !s.is_empty() => s.clone().into(),
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|v| v.as_str())
            .collect::<Vec<_>>()
            .join(";")
            .into(),
        _ => Value::Null,
    }
}

async fn catalog_export(c: &Catalog, _ctx: &Ctx, _p: Params) -> Result<Value> {
    // The published list: what anyone may see, whoever asks.
    let filter = DatasetFilter {
        states: vec!["active".into()],
        open_only: true,
        ..DatasetFilter::default()
    };
    let mut tx = c.store().read().await?;
    let datasets = datasets_with_updates(tx.as_mut(), &filter).await?;
    let orgs = owners(tx.as_mut(), &datasets).await?;
    let today = c.today();
    let site = &c.config().site_url;
    let mut per_org: BTreeMap<Option<String>, u64> = BTreeMap::new();
    let mut rows = Vec::with_capacity(datasets.len());
    for (d, declared) in &datasets {
        let org = d.owner_org.as_ref().and_then(|o| orgs.get(o));
        let dl = deadline::of_dataset(d, *declared, c.deadline_rules());
        let status = dl
            .as_ref()
            .map_or(Status::NotApplicable, |x| x.status_on(today));
        let mut formats: Vec<String> = d
            .resources
            .iter()
            .filter(|r| r.state != "deleted" && !r.format.is_empty())
            .map(|r| r.format.clone())
            .collect();
        formats.sort();
        formats.dedup();
        *per_org.entry(org.map(|g| g.name.clone())).or_default() += 1;
        rows.push(json!({
            "id": d.id,
            "name": d.name,
            "title": d.title.clone().unwrap_or_else(|| d.name.clone()),
            "organization": org.map(|g| g.name.clone()),
            "organization_title": org.map(|g| g.title.clone().unwrap_or_else(|| g.name.clone())),
            "theme": profile_text(d, "theme"),
            "license_id": d.license_id,
            "license_title": c.licenses().license_title(d.license_id.as_deref()),
            "update_frequency": deadline::frequency_of(d),
            "formats": formats,
            "metadata_created": kho_core::time::isoformat(&d.metadata_created),
            "metadata_modified": kho_core::time::isoformat(&d.metadata_modified),
            "data_updated": deadline::data_updated_of(d, *declared).map(|t| kho_core::time::isoformat(&t)),
            "update_status": status.key(),
            "url": format!("{site}/dataset/{}", d.name),
        }));
    }
    let by_name: HashMap<&str, &Group> = orgs.values().map(|g| (g.name.as_str(), g)).collect();
    let organizations: Vec<Value> = per_org
        .into_iter()
        .map(|(name, n)| {
            let (id, name, title) = org_json(name.as_deref().and_then(|n| by_name.get(n).copied()));
            json!({"id": id, "name": name, "title": title, "count": n})
        })
        .collect();
    Ok(json!({
        "count": rows.len(),
        "generated": kho_core::time::isoformat(&c.now()),
        "organizations": organizations,
        "datasets": rows,
    }))
}
