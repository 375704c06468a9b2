//! The schema.org `Dataset` document of a dataset (ckanext-dcat's `schemaorg` profile,
//! which its `structured_data` plugin embeds in dataset pages for Google Dataset Search).
//! Plain JSON: the document is JSON-LD with schema.org as its only context.

use serde_json::{json, Map, Value};

use crate::dcat_ap3::{first, s};
use crate::graph::{clean_text, iri};
use crate::Site;

fn put_text(m: &mut Map<String, Value>, key: &str, v: Option<&str>) {
    if let Some(t) = v.and_then(clean_text) {
        m.insert(key.into(), Value::String(t));
    }
}

fn put_url(m: &mut Map<String, Value>, key: &str, v: Option<&str>) {
    if let Some(u) = v.and_then(iri) {
        m.insert(key.into(), Value::String(u.into_string()));
    }
}

/// The schema.org document of a `package_show` dict. `open` says whether it may be
/// read without an account (`isAccessibleForFree`).
pub fn dataset(site: &Site, d: &Value, open: bool) -> Value {
    let mut m = Map::new();
    m.insert("@context".into(), json!("https://schema.org/"));
    m.insert("@type".into(), json!("Dataset"));
    if let Some(uri) = site.dataset_uri(d) {
        m.insert("@id".into(), Value::String(uri.into_string()));
    }
    put_text(&mut m, "name", s(d, "title"));
    put_text(&mut m, "description", s(d, "notes"));
    let page = first(d, &["name", "id"])
        .map(|n| format!("{}/dataset/{}", site.site_url.trim_end_matches('/'), n));
    put_url(&mut m, "url", page.as_deref());
    put_url(&mut m, "sameAs", s(d, "url"));
    put_text(
        &mut m,
        "identifier",
        first(d, &["identifier", "guid", "id"]),
    );
    put_text(&mut m, "version", s(d, "version"));
    let keywords: Vec<Value> = d
        .get("tags")
        .and_then(Value::as_array)
        .map(|tags| {
            tags.iter()
                .filter_map(|t| s(t, "name").and_then(clean_text))
                .map(Value::String)
                .collect()
        })
        .unwrap_or_default();
    if !keywords.is_empty() {
        m.insert("keywords".into(), Value::Array(keywords));
    }
    let license = s(d, "license_url")
        .and_then(iri)
        .map(|u| u.into_string())
        .or_else(|| s(d, "license_title").and_then(clean_text));
    if let Some(l) = license {
        m.insert("license".into(), Value::String(l));
    }
    put_text(
        &mut m,
        "dateCreated",
        first(d, &["issued", "metadata_created"]),
    );
    put_text(
        &mut m,
        "datePublished",
        first(d, &["issued", "metadata_created"]),
    );
    put_text(
        &mut m,
        "dateModified",
        first(d, &["modified", "metadata_modified"]),
    );
    if let Some(org) = organization(site, d) {
        m.insert("publisher".into(), org.clone());
        m.insert("creator".into(), org);
    }
    let start = s(d, "temporal_start");
    let end = s(d, "temporal_end");
    if start.is_some() || end.is_some() {
        // ISO 8601 intervals; `..` leaves an end open (schema.org's convention).
        let t = format!("{}/{}", start.unwrap_or(".."), end.unwrap_or(".."));
        m.insert("temporalCoverage".into(), Value::String(t));
    }
    if let Some(place) = s(d, "spatial")
        .filter(|v| !v.starts_with('{'))
        .and_then(clean_text)
    {
        m.insert(
            "spatialCoverage".into(),
            json!({"@type": "Place", "name": place}),
        );
    }
    m.insert("isAccessibleForFree".into(), Value::Bool(open));
    let mut catalog = Map::new();
    catalog.insert("@type".into(), json!("DataCatalog"));
    put_text(&mut catalog, "name", Some(&site.title));
    put_url(&mut catalog, "url", Some(&site.site_url));
    m.insert("includedInDataCatalog".into(), Value::Object(catalog));
    let distributions: Vec<Value> = d
        .get("resources")
        .and_then(Value::as_array)
        .map(|rs| rs.iter().map(distribution).collect())
        .unwrap_or_default();
    if !distributions.is_empty() {
        m.insert("distribution".into(), Value::Array(distributions));
    }
    Value::Object(m)
}

fn organization(site: &Site, d: &Value) -> Option<Value> {
    let org = d.get("organization").filter(|o| o.is_object())?;
    let name = first(org, &["title", "name"]).and_then(clean_text)?;
    let mut m = Map::new();
    m.insert("@type".into(), json!("Organization"));
    m.insert("name".into(), Value::String(name));
    let page = s(org, "name")
        .map(|n| format!("{}/organization/{}", site.site_url.trim_end_matches('/'), n));
    put_url(&mut m, "url", page.as_deref());
    let email = s(d, "contact_email");
    let contact = s(d, "contact_name");
    if email.is_some() || contact.is_some() {
        let mut cp = Map::new();
        cp.insert("@type".into(), json!("ContactPoint"));
        cp.insert("contactType".into(), json!("customer service"));
        put_text(&mut cp, "name", contact);
        put_text(&mut cp, "email", email);
        m.insert("contactPoint".into(), Value::Object(cp));
    }
    Some(Value::Object(m))
}

fn distribution(r: &Value) -> Value {
    let mut m = Map::new();
    m.insert("@type".into(), json!("DataDownload"));
    put_text(&mut m, "name", s(r, "name"));
    put_text(&mut m, "description", s(r, "description"));
    put_url(&mut m, "contentUrl", first(r, &["download_url", "url"]));
    let encoding = s(r, "mimetype").or_else(|| s(r, "format"));
    put_text(&mut m, "encodingFormat", encoding);
    match r.get("size") {
        Some(Value::Number(n)) => {
            m.insert("contentSize".into(), Value::String(n.to_string()));
        }
        Some(Value::String(v)) if !v.trim().is_empty() => {
            m.insert("contentSize".into(), Value::String(v.trim().to_string()));
        }
        _ => {}
    }
    put_text(
        &mut m,
        "dateModified",
        first(r, &["last_modified", "metadata_modified"]),
    );
    Value::Object(m)
}
