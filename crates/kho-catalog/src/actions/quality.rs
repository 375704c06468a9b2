//! `quality_report` (requirement 13: a score per dataset and per agency): the quality
//! scores of the active datasets the caller may read, summed per organization, with the
//! indicators most often missing. It reads the search index, whose dicts carry the same
//! `quality` as `package_show`, under the caller's permission labels: an anonymous caller
//! is reported on open data only.

use std::collections::{BTreeMap, HashMap};

use kho_core::params::{opt_str, Params};
use kho_core::quality::{DIMENSIONS, RATINGS};
use kho_core::{Error, Result};
use kho_search::{SearchError, SearchRequest, SortKey};
use serde_json::{json, Map, Value};

use super::{action, caller_labels, load_group};
use crate::registry::Registry;
use crate::{Catalog, Ctx};

/// Dicts read from the index per page.
const PAGE: usize = 1000;
/// Missing indicators listed per organization.
const TOP_MISSING: usize = 5;

pub fn register(r: &mut Registry) {
    action!(r, "quality_report", true, quality_report,
        "Return the metadata quality scores of the active datasets the caller may read, per organization (an anonymous caller: open data only). The score of one dataset is the `quality` key of `package_show`.\n\n:param organization: the id or name of one organization (optional; default: every organization)\n:returns: `{organizations: [...], total: {...}}`; each entry `{organization, title, datasets, score, max, average, dimensions: {findability: {score, max}, ...}, ratings: {excellent, good, sufficient, bad}, missing: [{dimension, indicator, datasets, points, reason}]}` (`missing`: the most common missing indicators, in the request's language); `organization` is null for datasets without one\n:rtype: dictionary",
        [("organization", "string", false, "id or name of an organization")],
        "object");
}

#[derive(Default)]
struct Tally {
    title: Option<String>,
    datasets: u64,
    score: u64,
    max: u64,
    dims: BTreeMap<&'static str, (u64, u64)>,
    ratings: HashMap<String, u64>,
    /// By indicator key.
    missing: BTreeMap<String, MissingTally>,
}

/// One indicator over many datasets.
#[derive(Clone)]
struct MissingTally {
    dimension: String,
    /// Datasets missing it.
    datasets: u64,
    /// Points they lost.
    points: u64,
    /// The message key.
    reason: String,
}

impl Tally {
    fn add(&mut self, q: &Map<String, Value>) {
        let n = |v: Option<&Value>| v.and_then(Value::as_u64).unwrap_or(0);
        self.datasets += 1;
        self.score += n(q.get("score"));
        self.max += n(q.get("max"));
        for dim in DIMENSIONS {
            let d = q.get("dimensions").and_then(|d| d.get(*dim));
            let e = self.dims.entry(dim).or_default();
            e.0 += n(d.and_then(|d| d.get("score")));
            e.1 += n(d.and_then(|d| d.get("max")));
        }
        if let Some(r) = q.get("rating").and_then(Value::as_str) {
            *self.ratings.entry(r.to_owned()).or_default() += 1;
        }
        for m in q
            .get("missing")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let s = |k: &str| m.get(k).and_then(Value::as_str).unwrap_or_default();
            let e = self
                .missing
                .entry(s("indicator").to_owned())
                .or_insert_with(|| MissingTally {
                    dimension: s("dimension").to_owned(),
                    datasets: 0,
                    points: 0,
                    reason: s("reason").to_owned(),
                });
            e.datasets += 1;
            e.points += n(m.get("points"));
        }
    }

    fn merge(&mut self, o: &Tally) {
        self.datasets += o.datasets;
        self.score += o.score;
        self.max += o.max;
        for (k, (s, m)) in &o.dims {
            let e = self.dims.entry(k).or_default();
            e.0 += s;
            e.1 += m;
        }
        for (k, v) in &o.ratings {
            *self.ratings.entry(k.clone()).or_default() += v;
        }
        for (k, m) in &o.missing {
            let e = self
                .missing
                .entry(k.clone())
                .or_insert_with(|| MissingTally {
                    datasets: 0,
                    points: 0,
                    ..m.clone()
                });
            e.datasets += m.datasets;
            e.points += m.points;
        }
    }

    fn value(&self, c: &Catalog, ctx: &Ctx, name: Option<&str>) -> Value {
        let average = if self.datasets == 0 {
            0.0
        } else {
            (self.score as f64 / self.datasets as f64 * 10.0).round() / 10.0
        };
        let mut dims = Map::new();
        for dim in DIMENSIONS {
            let (s, m) = self.dims.get(dim).copied().unwrap_or_default();
            dims.insert((*dim).into(), json!({"score": s, "max": m}));
        }
        let mut ratings = Map::new();
        for r in RATINGS {
            ratings.insert(
                (*r).into(),
                json!(self.ratings.get(*r).copied().unwrap_or(0)),
            );
        }
        let mut missing: Vec<(&String, &MissingTally)> = self.missing.iter().collect();
        // Most datasets missing it first, then most points lost, then by key.
        missing.sort_by(|a, b| {
            b.1.datasets
                .cmp(&a.1.datasets)
                .then(b.1.points.cmp(&a.1.points))
        });
        let missing: Vec<Value> = missing
            .into_iter()
            .take(TOP_MISSING)
            .map(|(k, m)| {
                json!({"dimension": m.dimension, "indicator": k, "datasets": m.datasets,
                       "points": m.points, "reason": c.tr(ctx, &m.reason)})
            })
            .collect();
        let mut m = Map::new();
        if let Some(name) = name {
            m.insert("organization".into(), json!(name));
            m.insert("title".into(), json!(self.title));
        }
        m.insert("datasets".into(), json!(self.datasets));
        m.insert("score".into(), json!(self.score));
        m.insert("max".into(), json!(self.max));
        m.insert("average".into(), json!(average));
        m.insert("dimensions".into(), Value::Object(dims));
        m.insert("ratings".into(), Value::Object(ratings));
        m.insert("missing".into(), Value::Array(missing));
        Value::Object(m)
    }
}

pub(crate) async fn quality_report(c: &Catalog, ctx: &Ctx, p: Params) -> Result<Value> {
    let org = opt_str(&p, "organization")?.filter(|s| !s.trim().is_empty());
    let (labels, org_name) = {
        let mut tx = c.store().read().await?;
        let org_name = match &org {
            Some(id) => Some(
                load_group(tx.as_mut(), id, true)
                    .await?
                    .filter(|g| g.state == kho_core::model::STATE_ACTIVE)
                    .ok_or_else(|| Error::not_found("Organization not found"))?
                    .name,
            ),
            None => None,
        };
        (caller_labels(c, tx.as_mut(), ctx).await?, org_name)
    };
    let mut fq = vec!["+state:active".to_owned()];
    if let Some(name) = &org_name {
        // Organization names are `[a-z0-9_-]`: quoting is enough.
        fq.push(format!("+organization:\"{name}\""));
    }
    let mut by_org: BTreeMap<Option<String>, Tally> = BTreeMap::new();
    let mut start = 0usize;
    loop {
        let req = SearchRequest {
            q: String::new(),
            fq: fq.clone(),
            labels: labels.clone(),
            sort: vec![SortKey {
                field: "id".into(),
                descending: false,
            }],
            rows: PAGE,
            start,
            facet_fields: Vec::new(),
            facet_limit: None,
            facet_mincount: 1,
            now: kho_core::time::now_utc(),
            include_private: true,
        };
        let index = c.search_index();
        let (count, dicts) = c
            .searching(move || {
                let page = index.search_page(&req)?;
                let mut dicts: Vec<Map<String, Value>> = Vec::with_capacity(page.len());
                page.dicts(0..page.len(), |text| {
                    if let Ok(Value::Object(m)) = serde_json::from_str(text) {
                        dicts.push(m);
                    }
                })?;
                Ok::<_, SearchError>((page.count(), dicts))
            })
            .await?
            .map_err(|e| Error::Internal(format!("search index: {e}")))?;
        let got = dicts.len();
        for d in dicts {
            let Some(q) = d.get("quality").and_then(Value::as_object) else {
                continue;
            };
            let org = d.get("organization").and_then(Value::as_object);
            let name = org
                .and_then(|o| o.get("name"))
                .and_then(Value::as_str)
                .map(str::to_owned);
            let t = by_org.entry(name).or_default();
            if t.title.is_none() {
                t.title = org
                    .and_then(|o| o.get("title"))
                    .and_then(Value::as_str)
                    .map(str::to_owned);
            }
            t.add(q);
        }
        start += got;
        if got == 0 || start as u64 >= count {
            break;
        }
    }
    let mut total = Tally::default();
    let organizations: Vec<Value> = by_org
        .iter()
        .map(|(name, t)| {
            total.merge(t);
            let mut v = t.value(c, ctx, Some(name.as_deref().unwrap_or_default()));
            if name.is_none() {
                v["organization"] = Value::Null;
                v["title"] = Value::Null;
            }
            v
        })
        .collect();
    Ok(json!({
        "organizations": organizations,
        "total": total.value(c, ctx, None),
    }))
}
