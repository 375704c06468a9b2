//! ckanext-dcat's endpoints: `/catalog.{ttl,rdf,xml,jsonld,n3}`, `/dataset/{id}.{fmt}`,
//! `/dataset/{id}.jsonld?profile=schemaorg`, and `Accept` negotiation on `/catalog` and
//! `/dataset/{id}`. The documents are computed anonymously (kho-catalog's `dcat`): a
//! token changes nothing, private datasets are never described.

use std::sync::Arc;

use kho_catalog::kho_dcat::{self, Format};
use kho_catalog::CatalogQuery;
use kho_core::Error;
use poem::http::header;
use poem::{handler, Request, Response};

use crate::action::{envelope_error, locale_for, not_found_response, ApiState};
use crate::decode::parse_urlencoded;

fn state(req: &Request) -> Option<Arc<ApiState>> {
    req.data::<Arc<ApiState>>().cloned()
}

fn rdf_response(format: Format, body: Vec<u8>) -> Response {
    // ckanext-dcat's types, with the charset of the text ones spelled out: without it
    // HTTP clients read `text/*` as ISO-8859-1 and garble Vietnamese.
    let ct = format.content_type();
    let ct = if ct.starts_with("text/") {
        format!("{ct}; charset=utf-8")
    } else {
        ct.to_string()
    };
    Response::builder()
        .content_type(ct)
        .header(header::VARY, "Accept")
        .body(body)
}

fn error(req: &Request, st: &ApiState, e: &Error) -> Response {
    let locale = locale_for(req, st, None);
    envelope_error("", &locale, e)
}

/// The format of an `Accept` header, if it asks for RDF.
fn negotiated(req: &Request) -> Option<Format> {
    req.header(header::ACCEPT).and_then(kho_dcat::from_accept)
}

/// The query parameters (undecodable ones are dropped: they cannot name a filter).
fn query_pairs(req: &Request, st: &ApiState) -> Vec<(String, String)> {
    let raw = req.uri().query().unwrap_or("");
    parse_urlencoded(raw.as_bytes(), st.config.max_params).unwrap_or_default()
}

fn param(pairs: &[(String, String)], key: &str) -> Option<String> {
    pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone())
}

async fn catalog_page(req: &Request, format: Format, ext: &str) -> Response {
    let Some(st) = state(req) else {
        return not_found_response("", "Not found");
    };
    let pairs = query_pairs(req, &st);
    let query = CatalogQuery {
        page: param(&pairs, "page"),
        modified_since: param(&pairs, "modified_since"),
        q: param(&pairs, "q"),
        fq: param(&pairs, "fq"),
        profiles: param(&pairs, "profiles"),
    };
    match st.catalog.dcat_catalog(&query, format, ext).await {
        Ok(body) => rdf_response(format, body),
        Err(e) => error(req, &st, &e),
    }
}

/// `/catalog.{ext}`.
#[handler]
pub async fn catalog_ext(req: &Request) -> Response {
    let ext = req
        .uri()
        .path()
        .rsplit_once('.')
        .map(|(_, e)| e.to_string())
        .unwrap_or_default();
    match Format::from_extension(&ext) {
        Some(f) => catalog_page(req, f, &ext).await,
        None => not_found_response("", &format!("Not found: {}", req.uri().path())),
    }
}

/// `/catalog`: RDF when `Accept` asks for it, else the usual 404.
#[handler]
pub async fn catalog_negotiated(req: &Request) -> Response {
    match negotiated(req) {
        Some(f) => catalog_page(req, f, f.extension()).await,
        None => not_found_response("", &format!("Not found: {}", req.uri().path())),
    }
}

/// `/dataset/{id}` and `/dataset/{id}.{ext}`: the id or name, then the extension (names
/// and ids have no dots, so the last dot starts a known extension or nothing).
#[handler]
pub async fn dataset(req: &Request) -> Response {
    let Some(st) = state(req) else {
        return not_found_response("", "Not found");
    };
    let raw = req.raw_path_param("id").unwrap_or_default();
    let segment = percent_encoding::percent_decode_str(raw)
        .decode_utf8_lossy()
        .into_owned();
    let (id, format) = match segment.rsplit_once('.') {
        Some((id, ext)) => match Format::from_extension(ext) {
            Some(f) => (id.to_string(), Some(f)),
            None => (segment.clone(), None),
        },
        None => (segment.clone(), None),
    };
    let Some(format) = format.or_else(|| negotiated(req)) else {
        return not_found_response("", &format!("Not found: {}", req.uri().path()));
    };
    let pairs = query_pairs(req, &st);
    if format == Format::JsonLd && param(&pairs, "profile").as_deref() == Some("schemaorg") {
        return match st.catalog.schemaorg_dataset(&id).await {
            Ok(doc) => Response::builder()
                .content_type(Format::JsonLd.content_type())
                .body(kho_core::json::to_string(&doc)),
            Err(e) => error(req, &st, &e),
        };
    }
    match st.catalog.dcat_dataset(&id, format).await {
        Ok(body) => rdf_response(format, body),
        Err(e) => error(req, &st, &e),
    }
}
