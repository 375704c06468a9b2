//! DCAT sources: an RDF document (Turtle, RDF/XML, JSON-LD, N-Triples), followed along
//! `hydra:next` / `hydra:nextPage`, each `dcat:Dataset` mapped to a CKAN dataset dict as
//! ckanext-dcat's default profile maps one (the reverse of its serialization; see
//! ckan-api.md §6).

use std::collections::{BTreeMap, HashSet};

use oxrdf::{NamedOrBlankNode, Term};
use oxrdfio::{RdfFormat, RdfParser};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use crate::fetch;
use crate::gather::{Item, Remote, RemoteOrg};
use crate::{Progress, RunOptions};

const RDF_TYPE: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type";
const DCAT: &str = "http://www.w3.org/ns/dcat#";
const DCT: &str = "http://purl.org/dc/terms/";
const FOAF_NAME: &str = "http://xmlns.com/foaf/0.1/name";
const HYDRA: &str = "http://www.w3.org/ns/hydra/core#";
/// IANA media type IRIs (`dcat:mediaType <https://www.iana.org/assignments/media-types/text/csv>`).
const IANA: &[&str] = &[
    "http://www.iana.org/assignments/media-types/",
    "https://www.iana.org/assignments/media-types/",
];
/// A bound on the pages of one walk, against paging that never repeats nor ends.
const MAX_PAGES: usize = 10_000;

/// What a walk found: one entry per `dcat:Dataset`, an error for one that cannot be mapped.
pub(crate) struct Walk {
    pub items: Vec<Result<Item, String>>,
}

/// Walk the catalogue from `url`: every page until one without a next page, or a page
/// already seen (same bytes). A page that cannot be fetched or parsed ends the walk with
/// an error.
pub(crate) async fn walk(
    client: &reqwest::Client,
    url: &str,
    options: &RunOptions,
    progress: &dyn Progress,
) -> Result<Walk, String> {
    let mut url = url.trim().to_owned();
    let mut pages_seen = HashSet::new();
    let mut guids = HashSet::new();
    let mut items = Vec::new();
    for _ in 0..MAX_PAGES {
        let doc = fetch::get(client, &url, options.max_bytes, None).await?;
        if !pages_seen.insert(Sha256::digest(&doc.bytes)) {
            break;
        }
        let format = format_of(doc.media_type.as_deref(), &url)?;
        let page = map_catalogue(&doc.bytes, format, &url)?;
        for item in page.datasets {
            match item {
                Ok(remote) => {
                    if guids.insert(remote.guid.clone()) {
                        items.push(Ok(Item::Upsert(Box::new(remote))));
                    }
                }
                Err(e) => items.push(Err(e)),
            }
        }
        progress.gathered(items.len());
        match page.next {
            Some(next) if next != url => url = next,
            _ => break,
        }
    }
    Ok(Walk { items })
}

/// The RDF format of a document: from its media type, else its URL's extension.
fn format_of(media_type: Option<&str>, url: &str) -> Result<RdfFormat, String> {
    let by_type = media_type
        .filter(|t| !matches!(*t, "text/plain" | "application/octet-stream"))
        .and_then(RdfFormat::from_media_type);
    if let Some(f) = by_type {
        return Ok(f);
    }
    let path = url.split(['?', '#']).next().unwrap_or(url);
    let by_ext = path
        .rsplit_once('/')
        .map_or(path, |(_, last)| last)
        .rsplit_once('.')
        .and_then(|(_, ext)| match ext.to_ascii_lowercase().as_str() {
            // ckanext-dcat's `/catalog.xml` is RDF/XML.
            "xml" => Some(RdfFormat::RdfXml),
            other => RdfFormat::from_extension(other),
        });
    by_ext.ok_or_else(|| {
        format!(
            "{url}: cannot tell the RDF format (media type {})",
            media_type.unwrap_or("none")
        )
    })
}

/// One page of a catalogue.
pub(crate) struct Page {
    pub datasets: Vec<Result<Remote, String>>,
    /// The next page's URL (absolute).
    pub next: Option<String>,
}

/// A node of the graph, as a key: `<iri>` or `_:id`.
fn key(node: &NamedOrBlankNode) -> String {
    match node {
        NamedOrBlankNode::NamedNode(n) => format!("<{}>", n.as_str()),
        NamedOrBlankNode::BlankNode(b) => format!("_:{}", b.as_str()),
    }
}

fn term_key(term: &Term) -> Option<String> {
    match term {
        Term::NamedNode(n) => Some(format!("<{}>", n.as_str())),
        Term::BlankNode(b) => Some(format!("_:{}", b.as_str())),
        _ => None,
    }
}

/// The graph: subject key → (predicate IRI, object) in document order.
struct Graph {
    by_subject: BTreeMap<String, Vec<(String, Term)>>,
}

impl Graph {
    fn objects<'a>(&'a self, subject: &str, predicate: &'a str) -> impl Iterator<Item = &'a Term> {
        self.by_subject
            .get(subject)
            .into_iter()
            .flatten()
            .filter(move |(p, _)| p == predicate)
            .map(|(_, o)| o)
    }

    /// The text of the objects: literal values and IRIs.
    fn texts(&self, subject: &str, predicate: &str) -> Vec<String> {
        self.objects(subject, predicate)
            .filter_map(|o| match o {
                Term::Literal(l) => Some(l.value().trim().to_owned()),
                Term::NamedNode(n) => Some(n.as_str().to_owned()),
                _ => None,
            })
            .filter(|s| !s.is_empty())
            .collect()
    }

    /// One literal: the untagged one, else an English one, else the first in sort order
    /// (so that the choice does not depend on the document's order).
    fn literal(&self, subject: &str, predicate: &str) -> Option<String> {
        let mut found: Vec<(u8, String)> = self
            .objects(subject, predicate)
            .filter_map(|o| match o {
                Term::Literal(l) => {
                    let rank = match l.language() {
                        None => 0,
                        Some(lang) if lang.starts_with("en") => 1,
                        Some(_) => 2,
                    };
                    Some((rank, l.value().trim().to_owned()))
                }
                Term::NamedNode(n) => Some((3, n.as_str().to_owned())),
                _ => None,
            })
            .filter(|(_, s)| !s.is_empty())
            .collect();
        found.sort();
        found.into_iter().next().map(|(_, s)| s)
    }
}

/// Parse one page and map its datasets.
pub(crate) fn map_catalogue(bytes: &[u8], format: RdfFormat, base: &str) -> Result<Page, String> {
    let mut parser = RdfParser::from_format(format);
    if let Ok(p) = RdfParser::from_format(format).with_base_iri(base) {
        parser = p;
    }
    let mut by_subject: BTreeMap<String, Vec<(String, Term)>> = BTreeMap::new();
    let mut datasets = Vec::new();
    let rdf_type = RDF_TYPE;
    let dataset_class = format!("{DCAT}Dataset");
    for quad in parser.for_slice(bytes) {
        let quad = quad.map_err(|e| format!("{base}: not valid {format}: {e}"))?;
        let subject = key(&quad.subject);
        if quad.predicate.as_str() == rdf_type
            && matches!(&quad.object, Term::NamedNode(n) if n.as_str() == dataset_class)
            && !datasets.contains(&subject)
        {
            datasets.push(subject.clone());
        }
        by_subject
            .entry(subject)
            .or_default()
            .push((quad.predicate.as_str().to_owned(), quad.object));
    }
    let graph = Graph { by_subject };
    let next = graph
        .by_subject
        .keys()
        .find_map(|s| {
            graph
                .literal(s, &format!("{HYDRA}next"))
                .or_else(|| graph.literal(s, &format!("{HYDRA}nextPage")))
        })
        .and_then(|next| resolve(base, &next));
    let datasets = datasets
        .iter()
        .map(|subject| map_dataset(&graph, subject))
        .collect();
    Ok(Page { datasets, next })
}

/// `next` made absolute against the page's URL.
fn resolve(base: &str, next: &str) -> Option<String> {
    match url::Url::parse(base) {
        Ok(b) => b.join(next).ok().map(|u| u.to_string()),
        Err(_) => url::Url::parse(next).ok().map(|u| u.to_string()),
    }
}

/// One `dcat:Dataset` as a CKAN dataset dict.
fn map_dataset(g: &Graph, subject: &str) -> Result<Remote, String> {
    let iri = subject
        .strip_prefix('<')
        .and_then(|s| s.strip_suffix('>'))
        .map(str::to_owned);
    let guid = g
        .literal(subject, &format!("{DCT}identifier"))
        .or_else(|| iri.clone())
        .ok_or_else(|| "a dcat:Dataset without dct:identifier nor IRI was skipped".to_owned())?;
    let title = g.literal(subject, &format!("{DCT}title"));
    let mut dict = Map::new();
    dict.insert(
        "title".into(),
        Value::String(title.clone().unwrap_or_else(|| guid.clone())),
    );
    if let Some(notes) = g.literal(subject, &format!("{DCT}description")) {
        dict.insert("notes".into(), Value::String(notes));
    }
    if let Some(url) = g
        .texts(subject, &format!("{DCAT}landingPage"))
        .into_iter()
        .next()
    {
        dict.insert("url".into(), Value::String(url));
    }
    let mut keywords: Vec<String> = g
        .texts(subject, &format!("{DCAT}keyword"))
        .iter()
        .filter_map(|k| clean_tag(k))
        .collect();
    keywords.sort();
    keywords.dedup();
    dict.insert(
        "tags".into(),
        Value::Array(keywords.into_iter().map(|k| json!({ "name": k })).collect()),
    );
    let mut extras = vec![json!({"key": "guid", "value": guid})];
    if let Some(iri) = &iri {
        extras.push(json!({"key": "uri", "value": iri}));
    }
    for (key, predicate) in [("issued", "issued"), ("modified", "modified")] {
        if let Some(v) = g.literal(subject, &format!("{DCT}{predicate}")) {
            extras.push(json!({"key": key, "value": v}));
        }
    }
    dict.insert("extras".into(), Value::Array(extras));
    let mut resources: Vec<Value> = g
        .objects(subject, &format!("{DCAT}distribution"))
        .filter_map(term_key)
        .map(|d| map_distribution(g, &d))
        .collect();
    // The graph has no order: a stable one, so that an unchanged catalogue maps the same.
    resources.sort_by_key(|r| r.to_string());
    dict.insert("resources".into(), Value::Array(resources));
    let org = g
        .objects(subject, &format!("{DCT}publisher"))
        .filter_map(term_key)
        .find_map(|p| g.literal(&p, FOAF_NAME))
        .map(|name| RemoteOrg {
            name: crate::import::slug(&name),
            title: Some(name),
            description: None,
            image_url: None,
        })
        .filter(|o| o.name.len() >= 2);
    let hash = hex::encode(Sha256::digest(
        format!(
            "{}\n{}",
            Value::Object(dict.clone()),
            org.as_ref().map_or("", |o| o.name.as_str())
        )
        .as_bytes(),
    ));
    Ok(Remote {
        name: title
            .as_deref()
            .map_or_else(|| crate::import::slug(&guid), crate::import::slug),
        guid,
        dict,
        id: None,
        modified: None,
        hash: Some(hash),
        org,
    })
}

fn map_distribution(g: &Graph, d: &str) -> Value {
    let mut r = Map::new();
    let url = g
        .texts(d, &format!("{DCAT}downloadURL"))
        .into_iter()
        .next()
        .or_else(|| g.texts(d, &format!("{DCAT}accessURL")).into_iter().next())
        .unwrap_or_default();
    r.insert("url".into(), Value::String(url));
    if let Some(name) = g.literal(d, &format!("{DCT}title")) {
        r.insert("name".into(), Value::String(name));
    }
    if let Some(description) = g.literal(d, &format!("{DCT}description")) {
        r.insert("description".into(), Value::String(description));
    }
    let format = g
        .objects(d, &format!("{DCT}format"))
        .find_map(|o| match o {
            Term::Literal(l) => Some(l.value().trim().to_owned()),
            // An EU file-type IRI (…/file-type/CSV) or a node with a label.
            Term::NamedNode(n) => n.as_str().rsplit('/').next().map(str::to_owned),
            // A node with a label; `term_key` is `None` only for a quoted triple.
            _ => term_key(o).and_then(|k| {
                g.literal(&k, "http://www.w3.org/2000/01/rdf-schema#label")
                    .or_else(|| g.literal(&k, "http://www.w3.org/1999/02/22-rdf-syntax-ns#value"))
            }),
        })
        .filter(|f| !f.is_empty());
    if let Some(format) = format {
        r.insert("format".into(), Value::String(format));
    }
    if let Some(mime) = g.literal(d, &format!("{DCAT}mediaType")) {
        let mime = IANA
            .iter()
            .find_map(|p| mime.strip_prefix(p))
            .map_or(mime.clone(), str::to_owned);
        r.insert("mimetype".into(), Value::String(mime));
    }
    if let Some(size) = g.literal(d, &format!("{DCAT}byteSize")).and_then(|s| {
        s.split('.')
            .next()
            .and_then(|n| n.trim().parse::<i64>().ok())
    }) {
        r.insert("size".into(), Value::from(size));
    }
    Value::Object(r)
}

/// A keyword as a CKAN tag: letters, digits, spaces, `-`, `_` and `.` (others become
/// spaces), at most 100 characters; `None` if under 2 characters remain.
fn clean_tag(k: &str) -> Option<String> {
    let cleaned: String = k
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, ' ' | '-' | '_' | '.') {
                c
            } else {
                ' '
            }
        })
        .collect();
    let cleaned = cleaned.split_whitespace().collect::<Vec<_>>().join(" ");
    let cleaned: String = cleaned.chars().take(100).collect();
    (cleaned.chars().count() >= 2).then_some(cleaned)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TTL: &str = r#"
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix hydra: <http://www.w3.org/ns/hydra/core#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

<https://data.example.org/catalog.ttl?page=1> a hydra:PagedCollection ;
    hydra:next "https://data.example.org/catalog.ttl?page=2" .

<https://data.example.org/dataset/a> a dcat:Dataset ;
    dct:title "Chất lượng không khí"@vi, "Air quality" ;
    dct:description "Đo hằng giờ." ;
    dct:identifier "aq-2026" ;
    dct:issued "2026-01-01"^^xsd:date ;
    dct:modified "2026-02-01T10:00:00"^^xsd:dateTime ;
    dcat:keyword "không khí", "môi trường", "x" ;
    dcat:landingPage <https://data.example.org/aq> ;
    dct:publisher [ foaf:name "Sở Tài nguyên và Môi trường" ] ;
    dcat:distribution <https://data.example.org/dist/1>, [
        dcat:accessURL <https://data.example.org/api/aq> ;
        dct:title "API"
    ] .

<https://data.example.org/dist/1> a dcat:Distribution ;
    dct:title "CSV" ;
    dcat:downloadURL <https://data.example.org/aq.csv> ;
    dcat:accessURL <https://data.example.org/aq> ;
    dct:format "CSV" ;
    dcat:mediaType <https://www.iana.org/assignments/media-types/text/csv> ;
    dcat:byteSize "2048"^^xsd:decimal .

<https://data.example.org/dataset/b> a dcat:Dataset .
"#;

    #[test]
    fn maps_a_dataset_as_ckanext_dcat_would() {
        let page = map_catalogue(
            TTL.as_bytes(),
            RdfFormat::Turtle,
            "https://data.example.org/catalog.ttl?page=1",
        )
        .expect("parse");
        assert_eq!(
            page.next.as_deref(),
            Some("https://data.example.org/catalog.ttl?page=2")
        );
        assert_eq!(page.datasets.len(), 2);
        let a = page.datasets[0].as_ref().expect("a");
        assert_eq!(a.guid, "aq-2026");
        assert_eq!(a.name, "air-quality");
        assert_eq!(
            Value::Object(a.dict.clone()),
            json!({
                "title": "Air quality",
                "notes": "Đo hằng giờ.",
                "url": "https://data.example.org/aq",
                "tags": [{"name": "không khí"}, {"name": "môi trường"}],
                "extras": [
                    {"key": "guid", "value": "aq-2026"},
                    {"key": "uri", "value": "https://data.example.org/dataset/a"},
                    {"key": "issued", "value": "2026-01-01"},
                    {"key": "modified", "value": "2026-02-01T10:00:00"},
                ],
                "resources": [
                    {"url": "https://data.example.org/api/aq", "name": "API"},
                    {"url": "https://data.example.org/aq.csv", "name": "CSV", "format": "CSV",
                     "mimetype": "text/csv", "size": 2048},
                ],
            })
        );
        assert_eq!(
            a.org.as_ref().map(|o| o.name.as_str()),
            Some("so-tai-nguyen-va-moi-truong")
        );
        // A dataset with nothing but its IRI.
        let b = page.datasets[1].as_ref().expect("b");
        assert_eq!(b.guid, "https://data.example.org/dataset/b");
        assert_eq!(b.dict["title"], json!("https://data.example.org/dataset/b"));
        assert_eq!(b.name, "https-data-example-org-dataset-b");
        // The same document maps to the same digest.
        let again = map_catalogue(TTL.as_bytes(), RdfFormat::Turtle, "https://x.org/").expect("p");
        assert_eq!(again.datasets[0].as_ref().expect("a").hash, a.hash);
    }

    #[test]
    fn formats_and_bad_documents() {
        assert_eq!(format_of(Some("text/turtle"), "x"), Ok(RdfFormat::Turtle));
        assert_eq!(
            format_of(Some("text/plain"), "https://x.org/c.rdf?page=2"),
            Ok(RdfFormat::RdfXml)
        );
        assert_eq!(format_of(None, "file:///c.xml"), Ok(RdfFormat::RdfXml));
        assert_eq!(format_of(None, "file:///c.nt"), Ok(RdfFormat::NTriples));
        assert!(format_of(Some("text/html"), "https://x.org/").is_err());
        let err = map_catalogue(b"<html>", RdfFormat::Turtle, "https://x.org/c.ttl")
            .err()
            .expect("an error");
        assert!(err.starts_with("https://x.org/c.ttl: not valid"), "{err}");
    }

    #[test]
    fn relative_next_pages_and_other_syntaxes() {
        let nt = "<https://x.org/c?page=1> <http://www.w3.org/ns/hydra/core#nextPage> \"c?page=2\" .\n\
                  <https://x.org/d> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://www.w3.org/ns/dcat#Dataset> .\n";
        let page = map_catalogue(nt.as_bytes(), RdfFormat::NTriples, "https://x.org/c?page=1")
            .expect("nt");
        assert_eq!(page.next.as_deref(), Some("https://x.org/c?page=2"));
        assert_eq!(page.datasets.len(), 1);
        let jsonld = r#"{"@id": "https://x.org/d", "@type": "http://www.w3.org/ns/dcat#Dataset",
            "http://purl.org/dc/terms/title": "Tiêu đề"}"#;
        let page = map_catalogue(
            jsonld.as_bytes(),
            RdfFormat::JsonLd {
                profile: oxrdfio::JsonLdProfileSet::empty(),
            },
            "https://x.org/c.jsonld",
        )
        .expect("json-ld");
        assert_eq!(
            page.datasets[0].as_ref().expect("d").dict["title"],
            json!("Tiêu đề")
        );
    }

    #[test]
    fn tags() {
        assert_eq!(clean_tag(" a/b  c "), Some("a b c".into()));
        assert_eq!(clean_tag("x"), None);
        assert_eq!(clean_tag("Đất đai"), Some("Đất đai".into()));
    }
}
