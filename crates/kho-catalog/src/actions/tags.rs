//! license_list, tag_list, tag_show, package_autocomplete and format_autocomplete.
//!
//! Tags and formats are those of datasets everyone may read (active, open): CKAN reads
//! them from its search index of public datasets, and a private dataset's tags or formats
//! must never reach a caller who cannot read it. `package_autocomplete` covers every
//! dataset the caller may read, as CKAN's permission labels do.

use kho_core::dataset::PackageDictOptions;
use kho_core::fold::fold;
use kho_core::model::Tag;
use kho_core::params::{asbool, opt_natural, opt_str, req_str, Params};
use kho_core::{Error, Result};
use serde_json::{json, Map, Value};

use super::{action, caller_labels, datasets, pd};
use crate::registry::Registry;
use crate::{Catalog, Ctx};

/// Most datasets `tag_show` lists with `include_datasets` (CKAN's limit).
const TAG_SHOW_DATASETS: i64 = 1000;

pub fn register(r: &mut Registry) {
    action!(r, "license_list", true, license_list,
        "Return the list of licenses available for datasets on the site.\n\n:rtype: list of dictionaries",
        &[], "array");
    action!(r, "tag_list", true, tag_list,
        "Return a list of the site's tags (those of active public datasets).\n\nBy default only free tags (tags that don't belong to a vocabulary) are returned. If the ``vocabulary_id`` argument is given then only tags belonging to that vocabulary will be returned instead.\n\n:param query: a tag name query to search for, if given only tags whose names contain this string (case-insensitive) will be returned (optional; alias ``q``)\n:type query: string\n:param vocabulary_id: the id of a vocabulary (optional)\n:type vocabulary_id: string\n:param all_fields: return full tag dictionaries instead of just names (optional, default: ``False``)\n:type all_fields: bool\n\n:rtype: list of dictionaries",
        &[pd("query", "string", false, "substring of the tag name (case-insensitive); alias q"),
          pd("q", "string", false, "alias of query"),
          pd("vocabulary_id", "string", false, "only tags of this vocabulary (default: free tags)"),
          pd("all_fields", "boolean", false, "tag dicts instead of names (default false)")],
        "array");
    action!(r, "tag_show", true, tag_show,
        "Return the details of a tag and all its datasets.\n\n:param id: the name or id of the tag\n:type id: string\n:param vocabulary_id: the id of the tag vocabulary that the tag is in - if it is not specified it will assume it is a free tag. (optional)\n:type vocabulary_id: string\n:param include_datasets: include a list of the tag's active public datasets. (Up to a limit of 1000) (optional, default: ``False``)\n:type include_datasets: bool\n\n:returns: the details of the tag\n:rtype: dictionary",
        &[pd("id", "string", true, "the name or id of the tag"),
          pd("vocabulary_id", "string", false, "the tag's vocabulary (default: free tags)"),
          pd("include_datasets", "boolean", false, "add packages: up to 1000 datasets (default false)")],
        "tag");
    action!(r, "package_autocomplete", true, package_autocomplete,
        "Return a list of datasets (packages) that match a string.\n\nDatasets with names or titles that contain the query string will be returned (case- and diacritic-insensitive), among those the caller may read.\n\n:param q: the string to search for\n:type q: string\n:param limit: the maximum number of datasets to return (optional, default: ``10``)\n:type limit: int\n\n:rtype: list of dictionaries",
        &[pd("q", "string", true, "the string to search for"),
          pd("limit", "integer", false, "at most this many (default 10)")],
        "array");
    action!(r, "format_autocomplete", true, format_autocomplete,
        "Return a list of resource formats whose names contain a string.\n\n:param q: the string to search for\n:type q: string\n:param limit: the maximum number of resource formats to return (optional, default: ``5``)\n:type limit: int\n\n:rtype: list of strings",
        &[pd("q", "string", true, "the string to search for"),
          pd("limit", "integer", false, "at most this many (default 5)")],
        "array");
}

pub(crate) async fn license_list(c: &Catalog, _ctx: &Ctx, _p: Params) -> Result<Value> {
    Ok(Value::Array(c.licenses().license_list()))
}

/// CKAN's `tag_dictize` / `tag_list_dictize`.
fn tag_dict(t: &Tag) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("display_name".into(), t.name.clone().into());
    m.insert("id".into(), t.id.clone().into());
    m.insert("name".into(), t.name.clone().into());
    m.insert(
        "vocabulary_id".into(),
        t.vocabulary_id.clone().map_or(Value::Null, Value::String),
    );
    m
}

/// A non-empty string parameter.
fn nonempty(p: &Params, key: &str) -> Result<Option<String>> {
    Ok(opt_str(p, key)?.filter(|s| !s.trim().is_empty()))
}

pub(crate) async fn tag_list(c: &Catalog, _ctx: &Ctx, p: Params) -> Result<Value> {
    let query = match nonempty(&p, "query")? {
        Some(q) => Some(q),
        None => nonempty(&p, "q")?,
    }
    .map(|q| q.trim().to_lowercase());
    let vocabulary_id = nonempty(&p, "vocabulary_id")?;
    let all_fields = asbool(&p, "all_fields", false)?;
    let mut tx = c.store().read().await?;
    let mut tags = tx.tags_public(vocabulary_id.as_deref()).await?;
    if let Some(q) = &query {
        tags.retain(|t| t.name.to_lowercase().contains(q.as_str()));
    }
    // Vietnamese-aware order: "giáo dục", "Tay Ninh", "trường học" (transcript 21).
    tags.sort_by_cached_key(|t| (fold(&t.name), t.name.clone()));
    Ok(Value::Array(
        tags.iter()
            .map(|t| {
                if all_fields {
                    Value::Object(tag_dict(t))
                } else {
                    Value::String(t.name.clone())
                }
            })
            .collect(),
    ))
}

pub(crate) async fn tag_show(c: &Catalog, _ctx: &Ctx, p: Params) -> Result<Value> {
    let id = req_str(&p, "id")?;
    let vocabulary_id = nonempty(&p, "vocabulary_id")?;
    let include_datasets = asbool(&p, "include_datasets", false)?;
    let mut tx = c.store().read().await?;
    let tags = tx.tags_public(vocabulary_id.as_deref()).await?;
    let tag = tags
        .iter()
        .find(|t| t.id == id)
        .or_else(|| tags.iter().find(|t| t.name == id))
        .ok_or(Error::NotFound(None))?;
    let mut m = tag_dict(tag);
    if include_datasets {
        let mut packages = Vec::new();
        for d in tx.tag_datasets_public(&tag.id, TAG_SHOW_DATASETS).await? {
            packages.push(
                datasets::dataset_dict(c, tx.as_mut(), &d, PackageDictOptions::default()).await?,
            );
        }
        m.insert("packages".into(), Value::Array(packages));
    }
    Ok(Value::Object(m))
}

/// A `limit` parameter: a natural number, `default` when absent.
fn limit(p: &Params, default: i64) -> Result<usize> {
    let n = opt_natural(p, "limit")?.unwrap_or(default);
    Ok(usize::try_from(n).unwrap_or(usize::MAX))
}

pub(crate) async fn package_autocomplete(c: &Catalog, ctx: &Ctx, p: Params) -> Result<Value> {
    let q = req_str(&p, "q")?;
    let limit = limit(&p, 10)?;
    let needle = fold(q.trim());
    let q_lower = q.to_lowercase();
    let labels = {
        let mut tx = c.store().read().await?;
        caller_labels(c, tx.as_mut(), ctx).await?
    };
    // Active datasets the caller may read, from the index (folded name/title contain q).
    let index = c.search_index();
    let fq = vec!["+state:active".to_owned()];
    let wanted = needle.clone();
    let candidates = c
        .searching(move || {
            index.autocomplete(&wanted, &fq, labels.as_deref(), kho_core::time::now_utc())
        })
        .await?
        .map_err(|e| Error::Internal(format!("search: {e}")))?;
    // Name matches first, then title matches, each by name.
    let mut by_name = Vec::new();
    let mut by_title = Vec::new();
    for (name, title) in candidates {
        if fold(&name).contains(&needle) {
            by_name.push((name, title));
        } else if fold(&title).contains(&needle) {
            by_title.push((name, title));
        }
    }
    let out = by_name
        .into_iter()
        .chain(by_title)
        .take(limit)
        .map(|(name, title)| {
            // CKAN: a name containing the lower-cased query is the match, else the title.
            let (field, displayed) = if name.contains(&q_lower) {
                ("name", name.clone())
            } else {
                ("title", format!("{title} ({name})"))
            };
            json!({"name": name, "title": title, "match_field": field, "match_displayed": displayed})
        })
        .collect();
    Ok(Value::Array(out))
}

pub(crate) async fn format_autocomplete(c: &Catalog, _ctx: &Ctx, p: Params) -> Result<Value> {
    let q = req_str(&p, "q")?.to_lowercase();
    let limit = limit(&p, 5)?;
    let mut tx = c.store().read().await?;
    let mut counts: std::collections::BTreeMap<String, i64> = Default::default();
    for (format, n) in tx.resource_formats_public().await? {
        let format = format.to_lowercase();
        if format.contains(&q) {
            *counts.entry(format).or_default() += n;
        }
    }
    let mut formats: Vec<(String, i64)> = counts.into_iter().collect();
    // Most used first, then by name (stable over the sorted map).
    formats.sort_by_key(|f| std::cmp::Reverse(f.1));
    Ok(Value::Array(
        formats
            .into_iter()
            .take(limit)
            .map(|(f, _)| Value::String(f))
            .collect(),
    ))
}
