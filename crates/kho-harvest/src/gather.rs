//! The gather stage: what a source holds, as items to import. CKAN sources here; DCAT in
//! `dcat.rs`.

use std::collections::HashSet;

use chrono::NaiveDateTime;
use serde_json::{Map, Value};

use crate::fetch;
use crate::{Progress, RunOptions, SourceSpec};

/// The organization a remote dataset belongs to, as the remote names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RemoteOrg {
    pub name: String,
    pub title: Option<String>,
    pub description: Option<String>,
    pub image_url: Option<String>,
}

/// A remote dataset to create or update locally.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Remote {
    /// Its identity at the source (the extra `guid`).
    pub guid: String,
    /// The parameters of `package_create`, without owner, id, name or harvest extras.
    pub dict: Map<String, Value>,
    /// The name it would like locally.
    pub name: String,
    /// The local id it would like (the remote id, or a stable id made from the guid).
    pub id: Option<String>,
    /// CKAN: the remote `metadata_modified` (kept as the local one).
    pub modified: Option<NaiveDateTime>,
    /// DCAT: a digest of `dict`, to tell an unchanged dataset.
    pub hash: Option<String>,
    pub org: Option<RemoteOrg>,
}

/// One thing the source said.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Item {
    Upsert(Box<Remote>),
    /// The dataset is deleted (or no longer public) at the source.
    Gone {
        guid: String,
    },
}

pub(crate) struct Gathered {
    pub items: Vec<Item>,
    /// Everything the source holds was seen without error: datasets of the source that
    /// were not seen are gone.
    pub complete: bool,
}

/// Rows per `package_search` page (ckanext-harvest's).
const ROWS: usize = 100;
/// A bound on the pages of one run, against a remote whose paging never ends.
const MAX_PAGES: usize = 100_000;

/// Keys of a `package_show` dict that are output only (or must be local).
const OUTPUT_KEYS: &[&str] = &[
    "organization",
    "owner_org",
    "groups",
    "num_resources",
    "num_tags",
    "isopen",
    "license_title",
    "license_url",
    "metadata_created",
    "creator_user_id",
    "revision_id",
    "relationships_as_object",
    "relationships_as_subject",
    "tracking_summary",
    "state",
    "id",
    "name",
    "display_name",
];

/// Resource keys that are the remote's own bookkeeping.
const RESOURCE_OUTPUT_KEYS: &[&str] = &[
    "package_id",
    "revision_id",
    "url_type",
    "position",
    "datastore_active",
    "tracking_summary",
    "created",
    "metadata_modified",
    "cache_url",
    "cache_last_updated",
];

/// Gather a CKAN source: `package_search` pages sorted by id, 100 rows each, until an
/// empty page (ckanext-harvest's `CKANHarvester._search_for_datasets`).
pub(crate) async fn ckan(
    client: &reqwest::Client,
    spec: &SourceSpec,
    since: Option<NaiveDateTime>,
    options: &RunOptions,
    progress: &dyn Progress,
) -> Result<Gathered, String> {
    let base = spec.url.trim().trim_end_matches('/');
    let endpoint = format!("{base}/api/3/action/package_search");
    let mut fq = Vec::new();
    if !spec.organizations.is_empty() {
        let orgs: Vec<String> = spec
            .organizations
            .iter()
            .map(|o| format!("organization:{o}"))
            .collect();
        fq.push(orgs.join(" OR "));
    }
    if let Some(t) = since {
        fq.push(format!(
            "metadata_modified:[{}Z TO *]",
            kho_core::time::isoformat(&t)
        ));
    }
    let fq = fq.join(" ");
    let mut items = Vec::new();
    let mut seen = HashSet::new();
    let mut previous: Option<Vec<u8>> = None;
    for page in 0..MAX_PAGES {
        let start = (page * ROWS).to_string();
        let rows = ROWS.to_string();
        let mut query: Vec<(&str, &str)> =
            vec![("rows", &rows), ("start", &start), ("sort", "id asc")];
        if !fq.is_empty() {
            query.push(("fq", &fq));
        }
        // Deletions since then: a kho remote answers with tombstones; CKAN ignores it.
        if since.is_some() {
            query.push(("include_deleted", "true"));
        }
        let url = reqwest::Url::parse_with_params(&endpoint, &query)
            .map_err(|e| format!("{endpoint}: not a URL: {e}"))?;
        let doc = fetch::get(
            client,
            url.as_str(),
            options.max_bytes,
            spec.api_key.as_deref(),
        )
        .await?;
        if previous.as_ref() == Some(&doc.bytes) {
            return Err(format!(
                "{endpoint}: two pages in a row are identical; the source's paging does not work"
            ));
        }
        let results = search_results(&endpoint, &doc.bytes)?;
        if results.is_empty() {
            break;
        }
        for result in results {
            let Value::Object(dict) = result else {
                return Err(format!("{endpoint}: a search result is not an object"));
            };
            if let Some(item) = ckan_item(dict) {
                let guid = match &item {
                    Item::Upsert(r) => r.guid.clone(),
                    Item::Gone { guid } => guid.clone(),
                };
                if seen.insert(guid) {
                    items.push(item);
                }
            }
        }
        progress.gathered(items.len());
        previous = Some(doc.bytes);
    }
    Ok(Gathered {
        items,
        complete: true,
    })
}

/// `result.results` of a `package_search` answer.
fn search_results(endpoint: &str, body: &[u8]) -> Result<Vec<Value>, String> {
    let v: Value = serde_json::from_slice(body)
        .map_err(|e| format!("{endpoint}: the answer is not JSON ({e})"))?;
    if v.get("success") != Some(&Value::Bool(true)) {
        let message = v
            .pointer("/error/message")
            .and_then(Value::as_str)
            .unwrap_or("no success");
        return Err(format!("{endpoint}: the search failed: {message}"));
    }
    match v.pointer("/result/results") {
        Some(Value::Array(list)) => Ok(list.clone()),
        _ => Err(format!("{endpoint}: the answer has no result.results list")),
    }
}

/// A search result as an item; `None` for what is never harvested (harvest sources of
/// the remote, results without an id).
fn ckan_item(mut dict: Map<String, Value>) -> Option<Item> {
    let guid = dict.get("id").and_then(Value::as_str)?.to_owned();
    if dict.get("type").and_then(Value::as_str) == Some("harvest") {
        return None;
    }
    let active = dict
        .get("state")
        .and_then(Value::as_str)
        .unwrap_or("active")
        == "active";
    let private = dict.get("private").and_then(Value::as_bool) == Some(true);
    if !active || private {
        return Some(Item::Gone { guid });
    }
    let name = dict
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or(&guid)
        .to_owned();
    let modified = dict
        .get("metadata_modified")
        .and_then(Value::as_str)
        .and_then(crate::parse_since);
    let org = match dict.get("organization") {
        Some(Value::Object(o)) => o.get("name").and_then(Value::as_str).map(|n| RemoteOrg {
            name: n.to_owned(),
            title: text(o, "title"),
            description: text(o, "description"),
            image_url: text(o, "image_url"),
        }),
        _ => None,
    };
    for key in OUTPUT_KEYS {
        dict.remove(*key);
    }
    // Vocabulary tags name vocabularies of the remote: only free tags come along.
    if let Some(Value::Array(tags)) = dict.get_mut("tags") {
        let free: Vec<Value> = tags
            .iter()
            .filter(|t| t.get("vocabulary_id").is_none_or(Value::is_null))
            .filter_map(|t| t.get("name").cloned())
            .map(|name| serde_json::json!({ "name": name }))
            .collect();
        *tags = free;
    }
    if let Some(Value::Array(resources)) = dict.get_mut("resources") {
        for r in resources.iter_mut() {
            if let Value::Object(r) = r {
                for key in RESOURCE_OUTPUT_KEYS {
                    r.remove(*key);
                }
            }
        }
    }
    let id = kho_core::validate::uuid(&guid).then(|| guid.clone());
    Some(Item::Upsert(Box::new(Remote {
        guid,
        dict,
        name,
        id,
        modified,
        hash: None,
        org,
    })))
}

fn text(o: &Map<String, Value>, key: &str) -> Option<String> {
    o.get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    }

    #[test]
    fn search_results_are_cleaned() {
        let item = ckan_item(obj(json!({
            "id": "6b1c2f4e-9d3a-4f7e-8a1b-2c3d4e5f6a7b",
            "name": "du-lieu",
            "title": "Dữ liệu",
            "state": "active",
            "private": false,
            "metadata_modified": "2026-03-01T10:00:00.123456",
            "num_resources": 1,
            "organization": {"name": "so-tnmt", "title": "Sở TN&MT", "description": ""},
            "groups": [{"name": "g"}],
            "tags": [{"name": "đất", "id": "x"}, {"name": "v", "vocabulary_id": "voc"}],
            "resources": [{"id": "r1", "url": "https://x.org/a.csv", "package_id": "p", "url_type": "upload", "position": 0}],
        })));
        let Some(Item::Upsert(r)) = item else {
            panic!("expected an upsert: {item:?}");
        };
        assert_eq!(r.guid, "6b1c2f4e-9d3a-4f7e-8a1b-2c3d4e5f6a7b");
        assert_eq!(r.id.as_deref(), Some(r.guid.as_str()));
        assert_eq!(r.name, "du-lieu");
        assert_eq!(
            r.modified,
            kho_core::time::parse("2026-03-01T10:00:00.123456")
        );
        assert_eq!(
            r.org,
            Some(RemoteOrg {
                name: "so-tnmt".into(),
                title: Some("Sở TN&MT".into()),
                description: None,
                image_url: None
            })
        );
        assert_eq!(
            Value::Object(r.dict.clone()),
            json!({
                "title": "Dữ liệu",
                "private": false,
                "metadata_modified": "2026-03-01T10:00:00.123456",
                "tags": [{"name": "đất"}],
                "resources": [{"id": "r1", "url": "https://x.org/a.csv"}],
            })
        );
    }

    #[test]
    fn tombstones_and_skipped_results() {
        assert_eq!(
            ckan_item(obj(json!({"id": "a", "name": "a", "state": "deleted"}))),
            Some(Item::Gone { guid: "a".into() })
        );
        assert_eq!(
            ckan_item(obj(json!({"id": "b", "state": "active", "private": true}))),
            Some(Item::Gone { guid: "b".into() })
        );
        assert_eq!(ckan_item(obj(json!({"id": "c", "type": "harvest"}))), None);
        assert_eq!(ckan_item(obj(json!({"name": "no-id"}))), None);
    }

    #[test]
    fn answers_that_are_not_searches() {
        assert!(search_results("e", b"<html>")
            .unwrap_err()
            .contains("not JSON"));
        assert!(
            search_results("e", br#"{"success": false, "error": {"message": "Bad"}}"#)
                .unwrap_err()
                .ends_with("the search failed: Bad")
        );
        assert!(search_results("e", br#"{"success": true, "result": {}}"#).is_err());
        assert_eq!(
            search_results("e", br#"{"success": true, "result": {"results": [1]}}"#),
            Ok(vec![json!(1)])
        );
    }
}
