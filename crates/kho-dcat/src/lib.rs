//! kho-dcat: DCAT-AP 3 and schema.org descriptions of a catalogue's datasets.
//!
//! The input is what the Action API already produces (`package_show` dicts); the output
//! is an RDF graph built with the Oxigraph term types and serialized by their writers
//! (Turtle, N3, RDF/XML, JSON-LD), or a schema.org `Dataset` JSON-LD document. The
//! endpoints, formats, content types and Hydra paging follow ckanext-dcat, so that its
//! harvesters and data.europa.eu-style harvesters read kho as they read CKAN.
//!
//! The mapping lives behind [`Profile`]: [`DcatAp3`] is the European application profile;
//! a national profile (DCAT-VN) can be added beside it. Pure: no I/O, no async.

mod accept;
mod dcat_ap3;
pub mod graph;
mod paging;
pub mod schemaorg;
#[cfg(test)]
mod tests;
pub mod vocab;

use oxrdf::{NamedNode, NamedOrBlankNode};
use serde_json::Value;

pub use accept::from_accept;
pub use dcat_ap3::DcatAp3;
pub use graph::Graph;
pub use paging::Paging;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("could not serialize the graph: {0}")]
    Serialize(String),
}

/// The serializations served, named by ckanext-dcat's URL extensions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `ttl`
    Turtle,
    /// `n3`: written as Turtle, which is valid N3.
    N3,
    /// `rdf` and `xml`
    RdfXml,
    /// `jsonld`
    JsonLd,
    /// Not served; sorted lines make exact comparisons easy in tests.
    NTriples,
}

impl Format {
    /// The format of a URL extension (`ttl`, `n3`, `rdf`, `xml`, `jsonld`).
    pub fn from_extension(ext: &str) -> Option<Format> {
        match ext {
            "ttl" => Some(Format::Turtle),
            "n3" => Some(Format::N3),
            "rdf" | "xml" => Some(Format::RdfXml),
            "jsonld" => Some(Format::JsonLd),
            _ => None,
        }
    }

    /// The `Content-Type` ckanext-dcat answers with (`utils.py:CONTENT_TYPES`).
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Turtle => "text/turtle",
            Format::N3 => "text/n3",
            Format::RdfXml => "application/rdf+xml",
            Format::JsonLd => "application/ld+json",
            Format::NTriples => "application/n-triples",
        }
    }

    /// The URL extension (`rdf` for RDF/XML).
    pub fn extension(self) -> &'static str {
        match self {
            Format::Turtle => "ttl",
            Format::N3 => "n3",
            Format::RdfXml => "rdf",
            Format::JsonLd => "jsonld",
            Format::NTriples => "nt",
        }
    }
}

/// What the catalogue says about itself (ckanext-dcat reads these from CKAN's settings).
#[derive(Debug, Clone)]
pub struct Site {
    /// The catalogue's URI and the base of dataset, resource and organization URIs
    /// (`ckanext.dcat.base_uri`, else `ckan.site_url`); no trailing slash.
    pub base_uri: String,
    /// The site's address (`ckan.site_url`): the catalogue's homepage and the base of
    /// dataset pages in the schema.org document.
    pub site_url: String,
    pub title: String,
    pub description: String,
    /// `ckan.locale_default` (`vi`, `en`).
    pub language: String,
    /// The catalogue's publisher (DCAT-AP requires one).
    pub publisher_name: String,
    /// Its URI; a blank node when unset.
    pub publisher_uri: Option<String>,
}

impl Site {
    pub(crate) fn base(&self) -> &str {
        self.base_uri.trim_end_matches('/')
    }

    /// `{base}/dataset/{id}`, or the dataset's own `uri` (field or extra) when it has one.
    pub fn dataset_uri(&self, dataset: &Value) -> Option<NamedNode> {
        let own = dataset.get("uri").and_then(Value::as_str).or_else(|| {
            dataset.get("extras")?.as_array()?.iter().find_map(|e| {
                (e.get("key")?.as_str()? == "uri")
                    .then(|| e.get("value")?.as_str())
                    .flatten()
            })
        });
        if let Some(iri) = own.filter(|u| *u != "None").and_then(graph::iri) {
            return Some(iri);
        }
        let id = dataset.get("id")?.as_str()?;
        graph::iri(&format!("{}/dataset/{}", self.base(), id))
    }
}

/// A described dataset: its node, and whether it is a `dcat:DataService`.
#[derive(Debug, Clone)]
pub struct Described {
    pub node: NamedNode,
    pub service: bool,
}

/// A mapping from CKAN dicts to a DCAT application profile.
pub trait Profile {
    /// ckanext-dcat's name for it (`euro_dcat_ap_3`).
    fn name(&self) -> &'static str;
    /// Describe one dataset (or data service) in `g`; `None` when it has no id.
    fn dataset(&self, g: &mut Graph, site: &Site, dataset: &Value) -> Option<Described>;
    /// Describe the catalogue node; `modified` is the newest `metadata_modified`.
    fn catalog(&self, g: &mut Graph, site: &Site, modified: Option<&str>) -> NamedOrBlankNode;
}

/// One dataset's graph (`/dataset/{id}.{fmt}`): no catalogue node, as ckanext-dcat.
pub fn dataset_graph(profile: &dyn Profile, site: &Site, dataset: &Value) -> Graph {
    let mut g = Graph::new();
    profile.dataset(&mut g, site, dataset);
    g
}

/// A catalogue page (`/catalog.{fmt}`): the catalogue node, its datasets and services,
/// and the Hydra paging node when `paging` has any results.
pub fn catalog_graph(
    profile: &dyn Profile,
    site: &Site,
    datasets: &[Value],
    modified: Option<&str>,
    paging: Option<&Paging>,
) -> Graph {
    let mut g = Graph::new();
    let catalog = profile.catalog(&mut g, site, modified);
    for d in datasets {
        if let Some(described) = profile.dataset(&mut g, site, d) {
            let link = if described.service {
                vocab::dcat::SERVICE
            } else {
                vocab::dcat::DATASET_PROP
            };
            g.add(catalog.clone(), link, described.node);
        }
    }
    if let Some(p) = paging {
        p.add_to(&mut g);
    }
    g
}
