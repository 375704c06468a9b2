//! The registry of data-sharing services (requirement 10): datasets of type `service`
//! (profile `profiles/service.yaml`), the server-set `published_at`, and
//! `service_report`, which says which services were published later than the allowed
//! number of working days after `ready_at`.
//!
//! The rows are computed by [`service_rows`], public so that other reports (the
//! compliance report) count services the same way.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use kho_core::model::{Dataset, STATE_ACTIVE};
use kho_core::params::{opt_str, Params};
use kho_core::workdays::{
    parse_quarter, publication_lateness, vietnam_date, vietnam_time, Calendar,
};
use kho_core::{Error, Msg, Result};
use serde::Serialize;
use serde_json::{json, Map, Value};

use super::{action, load_group};
use crate::registry::Registry;
use crate::{Catalog, Ctx};

/// The dataset type of services.
pub const SERVICE_TYPE: &str = "service";

pub fn register(r: &mut Registry) {
    action!(r, "service_report", true, service_report,
        "Report on the data-sharing services the caller may read (datasets of type `service`): when each was ready (`ready_at`) and published (`published_at`), the working days taken (Vietnam time; Saturdays, Sundays and the configured `public_holidays` excluded), the number allowed (`service_publication_working_days`) and whether it was late. A service not yet published counts up to today and is late once past its deadline.\n\n:param organization: only this organization's services, by id or name (optional)\n:param quarter: only services ready in this quarter, e.g. `2026Q3` (optional)\n:param since: only services ready on or after this date, `YYYY-MM-DD` (optional)\n:param until: only services ready on or before this date (optional)\n:returns: `{allowed_working_days, since, until, count, late, services, organizations}`; `services` a list of `{id, name, title, organization, service_status, sharing_level, ready_at, published_at, deadline, working_days, allowed_working_days, published, late}`, `organizations` a list of `{name, title, count, late, on_time, unpublished}`\n:rtype: dictionary",
        [("organization", "string", false, "only this organization's services (id or name)"),
         ("quarter", "string", false, "only services ready in this quarter, e.g. 2026Q3"),
         ("since", "string", false, "only services ready on or after this date (YYYY-MM-DD)"),
         ("until", "string", false, "only services ready on or before this date (YYYY-MM-DD)")],
        "object");
}

/// Which services a report covers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServiceFilter {
    /// An organization's id or name.
    pub organization: Option<String>,
    /// Only services whose `ready_at` falls on or after this day (Vietnam time).
    pub since: Option<NaiveDate>,
    /// ... and on or before this day.
    pub until: Option<NaiveDate>,
}

impl ServiceFilter {
    /// The filter of `service_report`'s parameters (`organization`, `quarter`, `since`,
    /// `until`); a bad date or quarter is a Validation Error on that key.
    pub fn from_params(p: &Params) -> Result<Self> {
        let organization = opt_str(p, "organization")?.filter(|s| !s.trim().is_empty());
        let date = |key: &str| -> Result<Option<NaiveDate>> {
            match opt_str(p, key)?.filter(|s| !s.trim().is_empty()) {
                None => Ok(None),
                Some(s) => NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
                    .map(Some)
                    .map_err(|_| Error::field(key, "Date format incorrect")),
            }
        };
        let since = date("since")?;
        let until = date("until")?;
        let quarter = opt_str(p, "quarter")?.filter(|s| !s.trim().is_empty());
        let (since, until) = match quarter {
            None => (since, until),
            Some(_) if since.is_some() || until.is_some() => {
                return Err(Error::field(
                    "quarter",
                    "Give either a quarter or since and until, not both",
                ))
            }
            Some(q) => match parse_quarter(&q) {
                Some((a, b)) => (Some(a), Some(b)),
                None => {
                    return Err(Error::field(
                        "quarter",
                        Msg::new("Quarter format incorrect: %{quarter} (e.g. 2026Q3)")
                            .arg("quarter", &q),
                    ))
                }
            },
        };
        Ok(ServiceFilter {
            organization,
            since,
            until,
        })
    }
}

/// One service in a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServiceRow {
    pub id: String,
    pub name: String,
    pub title: String,
    /// The owning organization's name.
    pub organization: Option<String>,
    #[serde(skip)]
    pub organization_title: Option<String>,
    pub service_status: Option<String>,
    pub sharing_level: Option<String>,
    /// As stored (Vietnam time).
    pub ready_at: Option<String>,
    pub published_at: Option<String>,
    /// The last day on which publication is on time; `None` without `ready_at`.
    pub deadline: Option<NaiveDate>,
    /// Working days from `ready_at` to `published_at` (to today while unpublished).
    pub working_days: Option<i64>,
    pub allowed_working_days: u32,
    pub published: bool,
    /// `None` without `ready_at` (nothing to measure against).
    pub late: Option<bool>,
}

/// The services the caller may read (through `package_search`, so exactly what search
/// shows them: anonymous callers see open services only), with their lateness.
pub async fn service_rows(c: &Catalog, ctx: &Ctx, f: &ServiceFilter) -> Result<Vec<ServiceRow>> {
    let mut fq = format!("+dataset_type:{SERVICE_TYPE}");
    if let Some(o) = &f.organization {
        let mut tx = c.store().read().await?;
        let org = load_group(tx.as_mut(), o, true)
            .await?
            .filter(|g| g.state == STATE_ACTIVE)
            .ok_or_else(|| Error::not_found(Msg::new("Organization not found")))?;
        fq.push_str(&format!(" +owner_org:\"{}\"", org.id));
    }
    let cfg = c.config();
    let cal = Calendar::new(cfg.public_holidays.iter().copied());
    let allowed = cfg.service_publication_working_days;
    let today = vietnam_date(kho_core::time::now_utc());
    let rows_max = cfg.search_rows_max.max(1);
    let mut out = Vec::new();
    let mut start = 0i64;
    loop {
        let mut p = Map::new();
        p.insert("fq".into(), json!(fq));
        p.insert("include_private".into(), json!(true));
        p.insert("rows".into(), json!(rows_max));
        p.insert("start".into(), json!(start));
        p.insert("sort".into(), json!("name asc"));
        let page = c.call("package_search", ctx, p).await?;
        let results = page["results"].as_array().cloned().unwrap_or_default();
        let n = results.len() as i64;
        for d in &results {
            if let Some(row) = row_of(d, &cal, allowed, today, f) {
                out.push(row);
            }
        }
        start += n;
        if n == 0 || start >= page["count"].as_i64().unwrap_or(0) {
            break;
        }
    }
    Ok(out)
}

fn text(d: &Value, key: &str) -> Option<String> {
    d.get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
        .map(str::to_string)
}

/// The calendar day (Vietnam time) of a stored `ready_at`/`published_at`.
fn day_of(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    s.get(..10)
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
}

fn row_of(
    d: &Value,
    cal: &Calendar,
    allowed: u32,
    today: NaiveDate,
    f: &ServiceFilter,
) -> Option<ServiceRow> {
    let ready_at = text(d, "ready_at");
    let ready = ready_at.as_deref().and_then(day_of);
    if f.since.is_some() || f.until.is_some() {
        let r = ready?;
        if f.since.is_some_and(|s| r < s) || f.until.is_some_and(|u| r > u) {
            return None;
        }
    }
    let published_at = text(d, "published_at");
    let published = published_at.as_deref().and_then(day_of);
    let lateness = ready.map(|r| publication_lateness(cal, r, published, today, allowed));
    Some(ServiceRow {
        id: text(d, "id").unwrap_or_default(),
        name: text(d, "name").unwrap_or_default(),
        title: text(d, "title").unwrap_or_default(),
        organization: d.get("organization").and_then(|o| text(o, "name")),
        organization_title: d.get("organization").and_then(|o| text(o, "title")),
        service_status: text(d, "service_status"),
        sharing_level: text(d, "sharing_level"),
        ready_at,
        published_at,
        deadline: lateness.map(|l| l.deadline),
        working_days: lateness.map(|l| l.working_days),
        allowed_working_days: allowed,
        published: published.is_some(),
        late: lateness.map(|l| l.late),
    })
}

/// Per-organization counts of a report's rows.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct OrganizationCounts {
    pub name: String,
    pub title: String,
    pub count: u64,
    pub late: u64,
    pub on_time: u64,
    pub unpublished: u64,
}

/// The rows counted per organization (services without one under `""`), by name.
pub fn count_by_organization(rows: &[ServiceRow]) -> Vec<OrganizationCounts> {
    let mut by: BTreeMap<String, OrganizationCounts> = BTreeMap::new();
    for r in rows {
        let name = r.organization.clone().unwrap_or_default();
        let e = by
            .entry(name.clone())
            .or_insert_with(|| OrganizationCounts {
                name,
                title: r.organization_title.clone().unwrap_or_default(),
                ..OrganizationCounts::default()
            });
        e.count += 1;
        match r.late {
            Some(true) => e.late += 1,
            Some(false) if r.published => e.on_time += 1,
            _ => {}
        }
        if !r.published {
            e.unpublished += 1;
        }
    }
    by.into_values().collect()
}

pub(crate) async fn service_report(c: &Catalog, ctx: &Ctx, p: Params) -> Result<Value> {
    let f = ServiceFilter::from_params(&p)?;
    let rows = service_rows(c, ctx, &f).await?;
    let orgs = count_by_organization(&rows);
    let late = rows.iter().filter(|r| r.late == Some(true)).count();
    Ok(json!({
        "allowed_working_days": c.config().service_publication_working_days,
        "since": f.since,
        "until": f.until,
        "count": rows.len(),
        "late": late,
        "services": rows,
        "organizations": orgs,
    }))
}

/// Stamp `published_at` on a service the first time it is open: active `state`, open
/// `sharing_level` and active `service_status`, unless the input gave one. A value
/// stored before is kept when an update leaves the field out (a full `package_update`
/// from a client that does not know the field must not move the publication date).
pub(crate) fn stamp_publication(d: &mut Dataset, existing: Option<&Dataset>) {
    if d.dataset_type != SERVICE_TYPE {
        return;
    }
    let Ok(Value::Object(mut profile)) = serde_json::from_str::<Value>(&d.profile) else {
        return;
    };
    let given = |m: &Map<String, Value>| {
        m.get("published_at")
            .and_then(Value::as_str)
            .filter(|s| !s.trim().is_empty())
            .map(str::to_string)
    };
    if given(&profile).is_some() {
        return;
    }
    let before = existing
        .and_then(|e| serde_json::from_str::<Value>(&e.profile).ok())
        .and_then(|v| v.as_object().and_then(given));
    let stamp = match before {
        Some(b) => Some(b),
        None => {
            let open = d.state == STATE_ACTIVE
                && d.sharing_level == "open"
                && profile.get("service_status").and_then(Value::as_str) == Some("active");
            // Seconds are enough for a date counted in working days.
            open.then(|| {
                let now = vietnam_time(kho_core::time::now_utc());
                now.format("%Y-%m-%dT%H:%M:%S").to_string()
            })
        }
    };
    if let Some(s) = stamp {
        profile.insert("published_at".into(), Value::String(s));
        d.profile = Value::Object(profile).to_string();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    fn params(v: Value) -> Params {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn filters_from_params() {
        let f = ServiceFilter::from_params(&params(json!({"quarter": "2026Q3"}))).expect("ok");
        assert_eq!(
            (f.since, f.until),
            (Some(day("2026-07-01")), Some(day("2026-09-30")))
        );
        let f = ServiceFilter::from_params(&params(json!({"since": "2026-08-01"}))).expect("ok");
        assert_eq!((f.since, f.until), (Some(day("2026-08-01")), None));
        for bad in [
            json!({"quarter": "2026Q7"}),
            json!({"since": "01/08/2026"}),
            json!({"quarter": "2026Q3", "until": "2026-08-01"}),
        ] {
            assert!(
                matches!(
                    ServiceFilter::from_params(&params(bad.clone())),
                    Err(Error::Validation(_))
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn rows_and_counts() {
        let cal = Calendar::new([day("2026-09-02")]);
        let f = ServiceFilter::default();
        let today = day("2026-09-10");
        let d = json!({"id": "a", "name": "a", "title": "A", "ready_at": "2026-08-28T10:00:00",
            "published_at": "2026-09-03T08:00:00", "organization": {"name": "so-a", "title": "Sở A"}});
        let r = row_of(&d, &cal, 1, today, &f).expect("row");
        // Fri 28 → Thu 3: Mon 31, Tue 1, Thu 3 (Wed 2 is a holiday).
        assert_eq!(r.working_days, Some(3));
        assert_eq!(r.deadline, Some(day("2026-08-31")));
        assert_eq!(r.late, Some(true));
        let on_time = json!({"id": "b", "name": "b", "ready_at": "2026-09-01",
            "published_at": "2026-09-03T08:00:00", "organization": {"name": "so-a"}});
        let r2 = row_of(&on_time, &cal, 1, today, &f).expect("row");
        assert_eq!((r2.working_days, r2.late), (Some(1), Some(false)));
        let waiting = json!({"id": "c", "name": "c", "ready_at": "2026-09-09T00:00:00"});
        let r3 = row_of(&waiting, &cal, 1, today, &f).expect("row");
        assert_eq!(
            (r3.working_days, r3.late, r3.published),
            (Some(1), Some(false), false)
        );
        let counts = count_by_organization(&[r, r2, r3]);
        assert_eq!(counts.len(), 2);
        assert_eq!(
            (
                counts[1].name.as_str(),
                counts[1].count,
                counts[1].late,
                counts[1].on_time
            ),
            ("so-a", 2, 1, 1)
        );
        assert_eq!((counts[0].name.as_str(), counts[0].unpublished), ("", 1));
        // The period filter reads the ready day.
        let q3 = ServiceFilter {
            since: Some(day("2026-09-01")),
            until: Some(day("2026-09-30")),
            ..ServiceFilter::default()
        };
        assert!(row_of(&d, &cal, 1, today, &q3).is_none());
        assert!(row_of(&on_time, &cal, 1, today, &q3).is_some());
    }
}
