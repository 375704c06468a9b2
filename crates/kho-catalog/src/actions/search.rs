//! `package_search` on the search index (docs/ckan-api.md §3.1, §7): CKAN's parameters,
//! defaults, limits, filters and result shape, with visibility as a filter inside the
//! query so that counts and facets never include a dataset the caller cannot read.

use std::collections::{BTreeSet, HashMap};

use kho_core::params::{asbool, opt_int, opt_natural, opt_str, Params};
use kho_core::{Error, Msg, Result};
use kho_search::{parse_sort, Facets, Match, SearchError, SearchRequest, TagHit};
use serde_json::{Map, Value};

use super::{action, caller_labels, pd, update_status};
use crate::registry::{ParamDoc, Registry};
use crate::{Catalog, Ctx};
use kho_core::deadline::Status;

/// The parameters Solr accepts (`lib/search/query.py:VALID_SOLR_PARAMETERS`).
const VALID_SOLR_PARAMETERS: &[&str] = &[
    "q",
    "fl",
    "fq",
    "rows",
    "sort",
    "start",
    "wt",
    "qf",
    "bf",
    "boost",
    "facet",
    "facet.mincount",
    "facet.limit",
    "facet.field",
    "extras",
    "fq_list",
    "tie",
    "defType",
    "mm",
    "df",
];
/// Read by `package_search` itself before the query reaches Solr.
const OWN_PARAMETERS: &[&str] = &[
    "include_private",
    "include_drafts",
    "include_deleted",
    "use_default_schema",
    "callback",
];

const SEARCH_PARAMS: &[ParamDoc] = &[
    pd("q", "string", false, "the query: words (dismax over name, title, tags, groups and all text) or Solr syntax with field:value (default *:*)"),
    pd("fq", "string", false, "a filter query in Solr syntax, e.g. organization:so-y-te"),
    pd("fq_list", "array", false, "more filter queries"),
    pd("sort", "string", false, "comma-separated 'field asc|desc' (default 'score desc, metadata_modified desc')"),
    pd("rows", "integer", false, "at most this many results (default 10, at most 1000)"),
    pd("start", "integer", false, "skip this many results"),
    pd("facet", "string", false, "'false' turns facets off (default 'true')"),
    pd("facet.field", "array", false, "fields to facet on, as a JSON list"),
    pd("facet.limit", "integer", false, "at most this many values per facet (default 50, negative for all)"),
    pd("facet.mincount", "integer", false, "leave out values with fewer datasets (default 1)"),
    pd("fl", "string", false, "return only these fields (comma or space separated) instead of whole datasets"),
    pd("include_private", "boolean", false, "also datasets that are not open, where the caller may read them"),
    pd("include_drafts", "boolean", false, "also draft datasets the caller may read"),
    pd("include_deleted", "boolean", false, "also deleted datasets the caller may read, and, for anyone, the tombstones ({id, name, state: deleted, metadata_modified}) of datasets that were open and no longer are"),
    pd("use_default_schema", "boolean", false, "accepted for compatibility; results are always package_show dicts"),
];

pub fn register(r: &mut Registry) {
    action!(r, "package_search", true, package_search,
        "Search for datasets.\n\n:param q: the search query (optional, default *:*)\n:param fq: a filter query (optional)\n:param fq_list: more filter queries (optional)\n:param sort: sorting of the results (optional, default 'score desc, metadata_modified desc')\n:param rows: the maximum number of matching rows to return (optional, default 10, at most 1000)\n:param start: the offset in the complete result (optional)\n:param facet.field: the fields to facet upon (optional)\n:param facet.limit: the maximum number of values per facet (optional, default 50)\n:param facet.mincount: the minimum count a facet value needs (optional, default 1)\n:param include_private: include private datasets the user may read (optional, default false)\n:param include_drafts: include draft datasets the user may read (optional, default false)\n:param include_deleted: include deleted datasets the user may read, and the tombstones of datasets that stopped being open (optional, default false)\n:returns: a dictionary with count, results, facets, search_facets and sort\n:rtype: dictionary",
        SEARCH_PARAMS, "object");
    r.set_output("package_search", |c, x, p| {
        Box::pin(async move { Ok(crate::Output::Search(Box::new(search_page(c, x, p).await?))) })
    });
    action!(r, "resource_search", true, resource_search,
        "Search for resources of active public datasets.\n\n:param query: a 'field:term' string, or a list of them (all must match). Fields: url, format, description, hash, name, resource_type, mimetype, mimetype_inner, size, created, last_modified, metadata_modified, cache_url, cache_last_updated, url_type. Text fields match a case-insensitive substring, hash a prefix, the others exactly\n:param order_by: a resource field to order by: id or name (optional)\n:param offset: skip this many results (optional)\n:param limit: at most this many results (optional)\n:returns: a dictionary with count and results\n:rtype: dictionary",
        &[pd("query", "array", true, "'field:term' strings, all of which must match"),
          pd("order_by", "string", false, "id or name"),
          pd("offset", "integer", false, "skip this many results"),
          pd("limit", "integer", false, "at most this many results")],
        "object");
    action!(r, "tag_search", true, tag_search,
        "Return a list of tags whose names contain the given strings (tags of active public datasets).\n\n:param query: the string(s) to search for (alias q)\n:param vocabulary_id: the id or name of the vocabulary (optional; default free tags)\n:param limit: at most this many tags (optional)\n:param offset: skip this many tags (optional)\n:returns: a dictionary with count and results\n:rtype: dictionary",
        TAG_SEARCH_PARAMS, "object");
    action!(r, "tag_autocomplete", true, tag_autocomplete,
        "Return a list of tag names that contain a given string (tags of active public datasets).\n\n:param query: the string to search for (alias q)\n:param vocabulary_id: the vocabulary (optional; default free tags)\n:param limit: at most this many tags (optional, default 10)\n:param offset: skip this many tags (optional)\n:rtype: list of strings",
        TAG_SEARCH_PARAMS, "array");
}

const TAG_SEARCH_PARAMS: &[ParamDoc] = &[
    pd(
        "query",
        "string",
        false,
        "substring(s) of the tag name, any case; alias q",
    ),
    pd("q", "string", false, "alias of query"),
    pd(
        "vocabulary_id",
        "string",
        false,
        "only tags of this vocabulary (default: free tags)",
    ),
    pd("limit", "integer", false, "at most this many tags"),
    pd("offset", "integer", false, "skip this many tags"),
];

fn search_error(e: SearchError) -> Error {
    match e {
        SearchError::BadSort => Error::SearchQuery(Msg::new("Invalid \"sort\" parameter")),
        SearchError::Query(m) => {
            Error::Search(Msg::new("Cannot parse the query: %{reason}").arg("reason", m))
        }
        other => Error::Internal(other.to_string()),
    }
}

/// `facet.field`: a list, or a JSON list in a string (`convert_to_json_if_string`).
fn facet_fields(p: &Params) -> Result<Vec<String>> {
    let key = "facet.field";
    let list = match p.get(key) {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::String(s)) => match serde_json::from_str::<Value>(s) {
            Ok(v) => v,
            Err(_) => return Err(Error::field(key, "Could not parse as valid JSON")),
        },
        Some(v) => v.clone(),
    };
    match list {
        Value::Array(items) => items
            .into_iter()
            .map(|v| match v {
                Value::String(s) => Ok(s),
                _ => Err(Error::field(key, "Not a list of strings")),
            })
            .collect(),
        Value::String(s) => Ok(vec![s]),
        _ => Err(Error::field(key, "Not a list")),
    }
}

/// `fq_list`: a list of filters. CKAN extends its filters with a string character by
/// character (a bug); a single string here is one filter.
fn fq_list(p: &Params) -> Result<Vec<String>> {
    match p.get("fq_list") {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::String(s)) => Ok(vec![s.clone()]),
        Some(Value::Array(items)) => Ok(items
            .iter()
            .filter_map(|v| match v {
                Value::String(s) => Some(s.clone()),
                Value::Null => None,
                other => Some(other.to_string()),
            })
            .collect()),
        Some(_) => Err(Error::field("fq_list", "Not a list")),
    }
}

/// `fl`: fields separated by commas or spaces.
fn fl(p: &Params) -> Result<Option<Vec<String>>> {
    let raw: Vec<String> = match p.get("fl") {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
        Some(_) => opt_str(p, "fl")?.into_iter().collect(),
    };
    let fields: Vec<String> = raw
        .iter()
        .flat_map(|s| s.split([',', ' ']))
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    Ok((!fields.is_empty()).then_some(fields))
}

/// The filters CKAN sends to Solr (get.py:package_search, query.py:run).
fn filters(p: &Params, fq: String) -> Result<Vec<String>> {
    let include_private = asbool(p, "include_private", false)?;
    let include_drafts = asbool(p, "include_drafts", false)?;
    let include_deleted = asbool(p, "include_deleted", false)?;
    let mut fq = fq;
    if !include_private {
        fq = format!("+capacity:public {fq}");
    }
    if !fq.contains("+state") {
        let mut states = vec!["active"];
        if include_drafts {
            states.push("draft");
        }
        if include_deleted {
            states.push("deleted");
        }
        fq.push_str(&format!(" +state:({})", states.join(" OR ")));
    }
    let mut all = vec![fq];
    all.extend(fq_list(p)?);
    if !all.iter().any(|f| f.contains("+state:")) {
        all.push("+state:active".into());
    }
    Ok(all)
}

/// The top-level value of one `fl` field, as Solr would return it.
fn project(dict: &Map<String, Value>, field: &str) -> Option<Value> {
    let names = |key: &str| -> Value {
        Value::Array(
            dict.get(key)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|t| t.get("name").cloned())
                .collect(),
        )
    };
    match field {
        "tags" | "groups" => Some(names(field)),
        "organization" => dict
            .get("organization")
            .and_then(|o| o.get("name"))
            .cloned(),
        f if f.starts_with("res_") => {
            let key = &f[4..];
            Some(Value::Array(
                dict.get("resources")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(|r| r.get(key).cloned())
                    .collect(),
            ))
        }
        f => dict.get(f).cloned(),
    }
}

/// One result reduced to the `fl` fields; `extras_x` come back as `x` (query.py:run).
fn projected(dict: &Map<String, Value>, fields: &[String]) -> Value {
    let mut out = Map::new();
    for f in fields {
        if let Some(key) = f.strip_prefix("extras_") {
            let value = dict
                .get("extras")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .find(|e| e.get("key").and_then(Value::as_str) == Some(key))
                .and_then(|e| e.get("value").cloned());
            if let Some(v) = value {
                out.insert(key.to_owned(), v);
            }
        } else if let Some(v) = project(dict, f) {
            out.insert(f.clone(), v);
        }
    }
    Value::Object(out)
}

pub(crate) async fn package_search(c: &Catalog, ctx: &Ctx, p: Params) -> Result<Value> {
    let page = search_page(c, ctx, p).await?;
    // Reading the page's dicts is blocking work.
    c.searching(move || page.value())
        .await?
        .map_err(search_error)
}

async fn search_page(c: &Catalog, ctx: &Ctx, p: Params) -> Result<SearchPage> {
    // Schema validation first (409s), as CKAN validates before it builds the query.
    let rows = opt_natural(&p, "rows")?
        .unwrap_or(10)
        .min(c.config().search_rows_max);
    let start = opt_natural(&p, "start")?.unwrap_or(0);
    let facet_mincount = opt_natural(&p, "facet.mincount")?.unwrap_or(1);
    let facet_limit = opt_int(&p, "facet.limit")?.unwrap_or(c.config().search_facets_limit);
    let mut facet_fields = facet_fields(&p)?;
    let q = opt_str(&p, "q")?.unwrap_or_default();
    let fq = opt_str(&p, "fq")?.unwrap_or_default();
    let sort = match opt_str(&p, "sort")? {
        Some(s) if s != "rank" => s,
        _ => c.config().default_package_sort.clone(),
    };
    let fl = fl(&p)?;
    let mut unknown: Vec<&str> = p
        .keys()
        .map(String::as_str)
        .filter(|k| {
            !VALID_SOLR_PARAMETERS.contains(k)
                && !OWN_PARAMETERS.contains(k)
                && !k.starts_with("ext_")
        })
        .collect();
    if !unknown.is_empty() {
        unknown.sort_unstable();
        let list = unknown
            .iter()
            .map(|k| format!("'{}'", k.replace('\\', "\\\\").replace('\'', "\\'")))
            .collect::<Vec<_>>()
            .join(", ");
        return Err(Error::SearchQuery(
            Msg::new("Invalid search parameters: %{params}").arg("params", format!("[{list}]")),
        ));
    }
    for (key, value) in &p {
        let local = match value {
            Value::String(s) => s.trim_start().starts_with("{!"),
            Value::Array(items) => items
                .iter()
                .any(|v| v.as_str().is_some_and(|s| s.trim_start().starts_with("{!"))),
            _ => false,
        };
        if local {
            return Err(Error::Search(
                Msg::new("Local parameters are not supported in param '%{param}'.")
                    .arg("param", key),
            ));
        }
    }
    let facet_on = opt_str(&p, "facet")?
        .map(|f| {
            !matches!(
                f.trim().to_ascii_lowercase().as_str(),
                "false" | "off" | "no" | "0"
            )
        })
        .unwrap_or(true);
    if !facet_on {
        facet_fields.clear();
    }
    let sort_keys = parse_sort(&sort, &c.config().default_package_sort).map_err(search_error)?;
    let fq = filters(&p, fq)?;
    // Former organization and group names filter as the current ones.
    let fq = c.resolve_name_aliases(fq).await?;
    // `update_status` depends on the day: its filters and facet are computed from the
    // deadline days in the index against today (update_status.rs).
    let today = c.today();
    let fq: Vec<String> = fq
        .iter()
        .map(|f| update_status::rewrite(f, today))
        .collect();
    let status_facet = facet_fields.iter().any(|f| f == update_status::FIELD);
    facet_fields.retain(|f| f != update_status::FIELD);

    // No store transaction for anonymous callers: the public portal's busiest path.
    let mut labels = match super::labels_without_store(ctx) {
        Some(labels) => labels,
        None => {
            let mut tx = c.store().read().await?;
            caller_labels(c, tx.as_mut(), ctx).await?
        }
    };
    // Harvesters learn of datasets that stopped being open through their tombstones,
    // which anyone asking for deleted datasets is shown (README, "For harvesters").
    if asbool(&p, "include_deleted", false)? {
        if let Some(labels) = labels.as_mut() {
            labels.push(kho_search::doc::TOMBSTONE_LABEL.to_owned());
        }
    }
    let req = SearchRequest {
        q,
        fq,
        labels,
        sort: sort_keys,
        rows: usize::try_from(rows).unwrap_or(0),
        start: usize::try_from(start).unwrap_or(usize::MAX),
        facet_fields: facet_fields.clone(),
        facet_limit: usize::try_from(facet_limit).ok(),
        facet_mincount: u64::try_from(facet_mincount).unwrap_or(1),
        now: kho_core::time::now_utc(),
        include_private: asbool(&p, "include_private", false)?,
    };
    let status_limit = usize::try_from(facet_limit).ok();
    let status_mincount = u64::try_from(facet_mincount).unwrap_or(1);
    let index = c.search_index();
    // The page's dicts are not read here: they are written out as they are read
    // (`SearchPage::write_results`), so a page of 1,000 is never in memory whole.
    let (page, titles, status_counts) = c
        .searching(move || {
            let page = index.search_page(&req)?;
            let titles = facet_titles(&index, page.facets())?;
            let mut status_counts = None;
            if status_facet {
                let mut counts = Vec::new();
                for status in Status::ALL {
                    let mut one = req.clone();
                    one.rows = 0;
                    one.start = 0;
                    one.facet_fields.clear();
                    one.fq.push(update_status::query(status, today));
                    let n = index.search_page(&one)?.count();
                    if n >= status_mincount {
                        counts.push((status.key().to_owned(), n));
                    }
                }
                // Solr's facet order: count descending, then value.
                counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
                counts.truncate(status_limit.unwrap_or(usize::MAX));
                status_counts = Some(counts);
            }
            Ok::<_, SearchError>((page, titles, status_counts))
        })
        .await?
        .map_err(search_error)?;
    Ok(result_page(
        c,
        page,
        fl,
        titles,
        &sort,
        status_counts,
        today,
    ))
}

/// Titles of the organizations and groups named in the facets, for `display_name`.
fn facet_titles(
    index: &kho_search::SearchIndex,
    facets: &Facets,
) -> std::result::Result<HashMap<String, String>, SearchError> {
    let mut names = BTreeSet::new();
    for (field, items) in facets {
        if field == "organization" || field == "groups" {
            names.extend(items.iter().map(|(n, _)| (field.clone(), n.clone())));
        }
    }
    let mut titles = HashMap::new();
    for (field, name) in names {
        if let Some(t) = index.group_title(&field, &name)? {
            titles.insert(name, t);
        }
    }
    Ok(titles)
}

/// A `package_search` result. Its dicts are read from the index when it is written out
/// or turned into a value: blocking work, for a blocking thread.
pub struct SearchPage {
    page: kho_search::Page,
    fl: Option<Vec<String>>,
    facets: Value,
    sort: String,
    search_facets: Value,
    /// The day `update_status` is judged on (the index stores the deadline, not it).
    today: chrono::NaiveDate,
}

impl SearchPage {
    /// Number of results on the page.
    pub fn len(&self) -> usize {
        self.page.len()
    }

    pub fn is_empty(&self) -> bool {
        self.page.is_empty()
    }

    /// The result dict, keys in CKAN's order.
    pub fn to_value(&self) -> Result<Value> {
        self.value().map_err(search_error)
    }

    pub fn into_value(self) -> Result<Value> {
        self.to_value()
    }

    fn value(&self) -> std::result::Result<Value, SearchError> {
        use std::io::Read;
        let mut results = Vec::new();
        self.results_into(0..self.len(), &mut results)?;
        let list = b"[".chain(&results[..]).chain(&b"]"[..]);
        let results = serde_json::from_reader(list).unwrap_or_else(|_| Value::Array(Vec::new()));
        let mut out = Map::new();
        out.insert("count".into(), Value::from(self.page.count()));
        out.insert("facets".into(), self.facets.clone());
        out.insert("results".into(), results);
        out.insert("sort".into(), Value::String(self.sort.clone()));
        out.insert("search_facets".into(), self.search_facets.clone());
        Ok(Value::Object(out))
    }

    /// The bytes `kho_core::json::to_string(&self.to_value()?)` would give: the head,
    /// every result, the tail.
    pub fn write_ckan(&self, out: &mut Vec<u8>) -> Result<()> {
        self.write_head(out);
        self.write_results(0..self.len(), out)?;
        self.write_tail(out);
        Ok(())
    }

    /// What comes before the results: `{"count": …, "facets": …, "results": [`.
    pub fn write_head(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"{\"count\": ");
        out.extend_from_slice(self.page.count().to_string().as_bytes());
        out.extend_from_slice(b", \"facets\": ");
        out.extend_from_slice(kho_core::json::to_string(&self.facets).as_bytes());
        out.extend_from_slice(b", \"results\": [");
    }

    /// The results in `range` (clamped to the page) in CKAN's bytes, each but the page's
    /// first preceded by `, `: the stored dicts as they are, or their `fl` projections.
    pub fn write_results(&self, range: std::ops::Range<usize>, out: &mut Vec<u8>) -> Result<()> {
        self.results_into(range, out).map_err(search_error)
    }

    fn results_into(
        &self,
        range: std::ops::Range<usize>,
        out: &mut Vec<u8>,
    ) -> std::result::Result<(), SearchError> {
        let mut i = range.start;
        self.page.dicts(range, |dict| {
            if i > 0 {
                out.extend_from_slice(b", ");
            }
            i += 1;
            match &self.fl {
                None => match update_status::restamped_bytes(dict, self.today) {
                    Some(restamped) => kho_core::json::compact_to_ckan(&restamped, out),
                    None => kho_core::json::compact_to_ckan(dict, out),
                },
                Some(fields) => {
                    // The index writes every dict; one that did not parse would show as {}.
                    let mut d: Map<String, Value> = serde_json::from_str(dict).unwrap_or_default();
                    update_status::restamp(&mut d, self.today);
                    let projected = kho_core::json::to_string(&projected(&d, fields));
                    out.extend_from_slice(projected.as_bytes());
                }
            }
        })
    }

    /// What comes after the results: `], "sort": …, "search_facets": …}`.
    pub fn write_tail(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"], \"sort\": ");
        out.extend_from_slice(kho_core::json::to_string(&self.sort).as_bytes());
        out.extend_from_slice(b", \"search_facets\": ");
        out.extend_from_slice(kho_core::json::to_string(&self.search_facets).as_bytes());
        out.push(b'}');
    }
}

impl std::fmt::Debug for SearchPage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchPage")
            .field("page", &self.page)
            .finish_non_exhaustive()
    }
}

fn result_page(
    c: &Catalog,
    page: kho_search::Page,
    fl: Option<Vec<String>>,
    titles: HashMap<String, String>,
    sort: &str,
    status_counts: Option<Vec<(String, u64)>>,
    today: chrono::NaiveDate,
) -> SearchPage {
    let mut facets = Map::new();
    let mut search_facets = Map::new();
    let status = status_counts.map(|c| (update_status::FIELD.to_owned(), c));
    for (field, items) in page.facets().iter().chain(status.as_ref()) {
        let mut counts = Map::new();
        let mut shown = Vec::with_capacity(items.len());
        for (name, n) in items {
            counts.insert(name.clone(), Value::from(*n));
            let display = match field.as_str() {
                "organization" | "groups" => titles
                    .get(name)
                    .filter(|t| !t.trim().is_empty())
                    .cloned()
                    .unwrap_or_else(|| name.clone()),
                "license_id" => c
                    .licenses()
                    .get(name)
                    .and_then(|l| l.title().map(str::to_owned))
                    .unwrap_or_else(|| name.clone()),
                _ => name.clone(),
            };
            shown.push((display, name.clone(), *n));
        }
        // Sorted by display name, descending (get.py, after the plugins ran).
        shown.sort_by(|a, b| b.0.cmp(&a.0));
        let items: Vec<Value> = shown
            .into_iter()
            .map(|(display, name, n)| {
                serde_json::json!({"name": name, "display_name": display, "count": n})
            })
            .collect();
        facets.insert(field.clone(), Value::Object(counts));
        search_facets.insert(
            field.clone(),
            serde_json::json!({"title": field, "items": items}),
        );
    }
    SearchPage {
        page,
        fl,
        facets: Value::Object(facets),
        sort: sort.to_owned(),
        search_facets: Value::Object(search_facets),
        today,
    }
}

// ---- resource_search, tag_search, tag_autocomplete

/// The resource columns `resource_search` accepts (CKAN: `Resource.get_columns()`), and how
/// each compares: text by case-insensitive substring, `hash` by prefix, the rest equal.
const RESOURCE_FIELDS: &[(&str, Match)] = &[
    ("url", Match::Contains),
    ("format", Match::Contains),
    ("description", Match::Contains),
    ("hash", Match::Prefix),
    ("name", Match::Contains),
    ("resource_type", Match::Contains),
    ("mimetype", Match::Contains),
    ("mimetype_inner", Match::Contains),
    ("size", Match::Equal),
    ("created", Match::Equal),
    ("last_modified", Match::Equal),
    ("metadata_modified", Match::Equal),
    ("cache_url", Match::Contains),
    ("cache_last_updated", Match::Equal),
    ("url_type", Match::Contains),
];

/// A string or a list of strings (`query` of resource_search and tag_search).
fn strings(p: &Params, key: &str) -> Result<Option<Vec<String>>> {
    match p.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(items)) => Ok(Some(
            items
                .iter()
                .map(|v| match v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect(),
        )),
        Some(_) => Ok(opt_str(p, key)?.map(|s| vec![s])),
    }
}

async fn blocking<T: Send + 'static>(
    c: &Catalog,
    f: impl FnOnce() -> std::result::Result<T, SearchError> + Send + 'static,
) -> Result<T> {
    c.searching(f).await?.map_err(search_error)
}

pub(crate) async fn resource_search(c: &Catalog, _ctx: &Ctx, p: Params) -> Result<Value> {
    let query = strings(&p, "query")?.ok_or_else(|| Error::missing("query"))?;
    let order_by = opt_str(&p, "order_by")?;
    let offset = opt_natural(&p, "offset")?.unwrap_or(0);
    let limit = opt_natural(&p, "limit")?;
    let mut conditions = Vec::new();
    for pair in &query {
        let Some((field, term)) = pair.split_once(':') else {
            return Err(Error::field("query", "Must be <field>:<value> pair(s)"));
        };
        let Some((_, mode)) = RESOURCE_FIELDS.iter().find(|(f, _)| *f == field) else {
            return Err(Error::field(
                "query",
                Msg::new("Field \"%{field}\" not recognised in resource_search.")
                    .arg("field", field),
            ));
        };
        // CKAN keeps the last value of a repeated field (a dict of the pairs).
        conditions.retain(|(f, _, _): &(String, String, Match)| f != field);
        conditions.push((field.to_owned(), term.to_owned(), *mode));
    }
    let index = c.search_index();
    let offset = usize::try_from(offset).unwrap_or(usize::MAX);
    let limit = limit.map(|l| usize::try_from(l).unwrap_or(usize::MAX));
    let hits = blocking(c, move || {
        index.resources(&conditions, order_by.as_deref(), offset, limit)
    })
    .await?;
    let mut results: Vec<Value> = hits
        .results
        .iter()
        .filter_map(|s| serde_json::from_str(s).ok())
        .collect();
    // CKAN re-sorts the page by position.
    results.sort_by_key(|r: &Value| r.get("position").and_then(Value::as_i64).unwrap_or(0));
    Ok(serde_json::json!({"count": hits.count, "results": results}))
}

/// Tags of active open datasets whose name contains every query term (CKAN's
/// `_tag_search`), sorted by name: `(count, page)`.
async fn tags_matching(
    c: &Catalog,
    p: &Params,
    default_limit: Option<i64>,
) -> Result<(usize, Vec<TagHit>)> {
    let mut terms = match strings(p, "query")? {
        Some(t) => t,
        None => strings(p, "q")?.unwrap_or_default(),
    };
    if let Some(Value::Object(fields)) = p.get("fields") {
        for key in ["tag", "tags"] {
            if let Some(Value::String(v)) = fields.get(key) {
                terms.push(v.clone());
            }
        }
    }
    let terms: Vec<String> = terms
        .iter()
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
        .collect();
    let offset = usize::try_from(opt_natural(p, "offset")?.unwrap_or(0)).unwrap_or(usize::MAX);
    let limit = opt_natural(p, "limit")?
        .or(default_limit)
        .map(|l| usize::try_from(l).unwrap_or(usize::MAX));
    if terms.is_empty() {
        return Ok((0, Vec::new()));
    }
    let vocabulary = opt_str(p, "vocabulary_id")?;
    let index = c.search_index();
    let fq = vec!["+capacity:public +state:active".to_owned()];
    let all = blocking(c, move || {
        index.tags(
            &terms,
            vocabulary.as_deref(),
            &fq,
            None,
            kho_core::time::now_utc(),
        )
    })
    .await?;
    let count = all.len();
    let page = all
        .into_iter()
        .skip(offset)
        .take(limit.unwrap_or(usize::MAX))
        .collect();
    Ok((count, page))
}

pub(crate) async fn tag_search(c: &Catalog, _ctx: &Ctx, p: Params) -> Result<Value> {
    let (count, tags) = tags_matching(c, &p, None).await?;
    let results: Vec<Value> = tags
        .into_iter()
        .map(|t| serde_json::json!({"id": t.id, "name": t.name, "vocabulary_id": t.vocabulary_id}))
        .collect();
    Ok(serde_json::json!({"count": count, "results": results}))
}

pub(crate) async fn tag_autocomplete(c: &Catalog, _ctx: &Ctx, p: Params) -> Result<Value> {
    let (_, tags) = tags_matching(c, &p, Some(10)).await?;
    Ok(Value::Array(
        tags.into_iter().map(|t| Value::String(t.name)).collect(),
    ))
}
