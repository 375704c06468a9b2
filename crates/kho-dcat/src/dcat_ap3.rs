//! The DCAT-AP 3 mapping of CKAN dicts (ckanext-dcat's `euro_dcat_ap_3` profile, with
//! the field names of kho's provincial dataset profile).
//!
//! Every node that DCAT-AP's SHACL shapes constrain by class gets its `rdf:type` (a
//! licence is a `dct:LicenseDocument`, an access URL an `rdfs:Resource`, …): the shapes
//! check the type written in the data, they do not infer it.

use kho_core::profile::DatasetSchema;
use oxrdf::vocab::xsd;
use oxrdf::{Literal, NamedNode, NamedOrBlankNode, Term};
use serde_json::Value;

use crate::graph::{date, iri, lang_text, text, typed, Graph};
use crate::vocab::{adms, dcat, dct, foaf, rdfs, skos, spdx, vcard};
use crate::{Described, Profile, Site};

const FREQUENCY: &str = "http://publications.europa.eu/resource/authority/frequency/";
const ACCESS_RIGHT: &str = "http://publications.europa.eu/resource/authority/access-right/";
const DATA_THEME: &str = "http://publications.europa.eu/resource/authority/data-theme/";
const FILE_TYPE: &str = "http://publications.europa.eu/resource/authority/file-type/";
const LANGUAGE: &str = "http://publications.europa.eu/resource/authority/language/";
const IANA: &str = "https://www.iana.org/assignments/media-types/";
const DISTRIBUTION_STATUS: &str =
    "http://publications.europa.eu/resource/authority/distribution-status/";

/// DCAT-AP 3. The dataset profile (when one is in force) gives the vocabulary IRIs of
/// choice fields (`choices[].uri`: update frequency, theme, sharing level); without one,
/// kho's shipped values are mapped by the built-in tables below.
#[derive(Debug, Clone, Copy, Default)]
pub struct DcatAp3<'a> {
    pub schema: Option<&'a DatasetSchema>,
    /// The profile of datasets of type `service` (its `service_status` choice URIs).
    pub service: Option<&'a DatasetSchema>,
}

impl<'a> DcatAp3<'a> {
    pub fn new(schema: Option<&'a DatasetSchema>) -> Self {
        DcatAp3 {
            schema,
            service: None,
        }
    }

    /// With the service profile as well.
    pub fn with_service(mut self, service: Option<&'a DatasetSchema>) -> Self {
        self.service = service;
        self
    }

    /// The IRI of a service's `service_status`: the service profile's choice `uri`, else
    /// the EU distribution-status term kho's shipped values map to.
    fn service_status_iri(&self, value: &str) -> Option<NamedNode> {
        let from_schema = self
            .service
            .and_then(|s| s.dataset_field("service_status"))
            .and_then(|f| f.choice(value))
            .and_then(|c| c.uri.clone());
        let builtin = || {
            let code = match value {
                "active" => "COMPLETED",
                "suspended" => "WITHDRAWN",
                "retired" => "DEPRECATED",
                _ => return None,
            };
            Some(format!("{DISTRIBUTION_STATUS}{code}"))
        };
        from_schema
            .or_else(builtin)
            .as_deref()
            .and_then(iri)
            .or_else(|| iri(value))
    }

    /// The IRI of a choice value: the profile's `uri`, else a built-in table, else the
    /// value itself when it is an IRI.
    fn choice_iri(
        &self,
        field: &str,
        value: &str,
        builtin: fn(&str) -> Option<String>,
    ) -> Option<NamedNode> {
        let from_schema = self
            .schema
            .and_then(|s| s.dataset_field(field))
            .and_then(|f| f.choice(value))
            .and_then(|c| c.uri.clone());
        from_schema
            .or_else(|| builtin(value))
            .as_deref()
            .and_then(iri)
            .or_else(|| iri(value))
    }

    /// Labels of a theme concept (skos:Concept needs a skos:prefLabel): the EU label for
    /// an EU data theme, else the labels of the profile's first choice with that IRI.
    fn theme_labels(&self, concept: &NamedNode) -> Vec<Literal> {
        if let Some(code) = concept.as_str().strip_prefix(DATA_THEME) {
            if let Some(label) = eu_theme_label(code) {
                return lang_text(label, "en").into_iter().collect();
            }
        }
        let Some(choice) = self
            .schema
            .and_then(|s| s.dataset_field("theme"))
            .and_then(|f| f.choices.as_ref())
            .and_then(|cs| {
                cs.iter()
                    .find(|c| c.uri.as_deref() == Some(concept.as_str()))
            })
        else {
            return Vec::new();
        };
        ["en", "vi"]
            .iter()
            .filter_map(|l| lang_text(choice.label.text(l), l))
            .collect()
    }
}

/// A non-blank string field of a dict, trimmed (shared with the schema.org document).
pub(crate) fn s<'v>(d: &'v Value, key: &str) -> Option<&'v str> {
    d.get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

/// The first present of `keys`.
pub(crate) fn first<'v>(d: &'v Value, keys: &[&str]) -> Option<&'v str> {
    keys.iter().find_map(|k| s(d, k))
}

/// A list field: a JSON list, or a string (one value, or a JSON list in a string as
/// ckanext-scheming stores multiple choices).
fn list(d: &Value, key: &str) -> Vec<String> {
    match d.get(key) {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        Some(Value::String(v)) if v.trim_start().starts_with('[') => {
            serde_json::from_str::<Vec<String>>(v).unwrap_or_default()
        }
        Some(Value::String(v)) if !v.trim().is_empty() => vec![v.trim().to_string()],
        _ => Vec::new(),
    }
}

/// `{base}/organization/{id}` (ckanext-dcat's `publisher_uri_organization_fallback`).
fn organization_uri(site: &Site, org: &Value) -> Option<NamedNode> {
    iri(&format!("{}/organization/{}", site.base(), s(org, "id")?))
}

fn builtin_frequency(v: &str) -> Option<String> {
    let code = match v {
        "continuous" => "CONT",
        "daily" => "DAILY",
        "weekly" => "WEEKLY",
        "monthly" => "MONTHLY",
        "quarterly" => "QUARTERLY",
        "semiannual" => "ANNUAL_2",
        "annual" => "ANNUAL",
        "biennial" => "BIENNIAL",
        "irregular" => "IRREG",
        "never" => "NEVER",
        "unknown" => "UNKNOWN",
        _ => return None,
    };
    Some(format!("{FREQUENCY}{code}"))
}

fn builtin_access_right(v: &str) -> Option<String> {
    let code = match v {
        "open" => "PUBLIC",
        "shared" => "RESTRICTED",
        "restricted" => "NON_PUBLIC",
        _ => return None,
    };
    Some(format!("{ACCESS_RIGHT}{code}"))
}

fn builtin_theme(v: &str) -> Option<String> {
    let code = match v {
        "health" => "HEAL",
        "labour" | "society" => "SOCI",
        "technology" => "TECH",
        "agriculture" => "AGRI",
        "economy-trade" | "finance" => "ECON",
        "infrastructure" => "TRAN",
        "energy" => "ENER",
        "education" => "EDUC",
        "environment" => "ENVI",
        "local" => "REGI",
        _ => return None,
    };
    Some(format!("{DATA_THEME}{code}"))
}

/// The English labels of the EU data-theme vocabulary.
fn eu_theme_label(code: &str) -> Option<&'static str> {
    Some(match code {
        "AGRI" => "Agriculture, fisheries, forestry and food",
        "ECON" => "Economy and finance",
        "EDUC" => "Education, culture and sport",
        "ENER" => "Energy",
        "ENVI" => "Environment",
        "GOVE" => "Government and public sector",
        "HEAL" => "Health",
        "INTR" => "International issues",
        "JUST" => "Justice, legal system and public safety",
        "REGI" => "Regions and cities",
        "SOCI" => "Population and society",
        "TECH" => "Science and technology",
        "TRAN" => "Transport",
        _ => return None,
    })
}

/// The EU language IRI of a locale.
pub(crate) fn language_iri(locale: &str) -> Option<NamedNode> {
    let code = match locale
        .split(['-', '_'])
        .next()?
        .to_ascii_lowercase()
        .as_str()
    {
        "vi" | "vie" => "VIE",
        "en" | "eng" => "ENG",
        "fr" | "fra" => "FRA",
        "de" | "deu" => "DEU",
        "zh" | "zho" => "ZHO",
        "ja" | "jpn" => "JPN",
        "ko" | "kor" => "KOR",
        _ => return None,
    };
    iri(&format!("{LANGUAGE}{code}"))
}

/// The EU file-type code of a CKAN format name.
fn file_type(format: &str) -> Option<&'static str> {
    let canonical = kho_core::format::canonical(format).unwrap_or(format);
    Some(match canonical.to_ascii_uppercase().as_str() {
        "CSV" => "CSV",
        "JSON" => "JSON",
        "XML" => "XML",
        "PDF" => "PDF",
        "XLS" => "XLS",
        "XLSX" => "XLSX",
        "ODS" => "ODS",
        "DOC" => "DOC",
        "DOCX" => "DOCX",
        "ODT" => "ODT",
        "ZIP" => "ZIP",
        "HTML" => "HTML",
        "TXT" => "TXT",
        "GEOJSON" => "GEOJSON",
        "SHP" => "SHP",
        "KML" => "KML",
        "KMZ" => "KMZ",
        "GML" => "GML",
        "RDF" | "RDF/XML" => "RDF_XML",
        "TTL" | "TURTLE" => "RDF_TURTLE",
        "JSON-LD" | "JSONLD" => "JSON_LD",
        "N3" => "RDF_N3",
        "WMS" => "WMS_SRVC",
        "WFS" => "WFS_SRVC",
        "TIFF" | "GEOTIFF" => "TIFF",
        "PNG" => "PNG",
        "JPEG" | "JPG" => "JPEG",
        "PPTX" => "PPTX",
        "PPT" => "PPT",
        "RSS" => "RSS",
        "ATOM" => "ATOM",
        "SQL" => "SQL",
        "GZIP" | "GZ" => "GZIP",
        "7Z" => "7Z",
        "RAR" => "RAR",
        "TAR" => "TAR",
        "PARQUET" => "PARQUET",
        _ => return None,
    })
}

/// `type/subtype` with the characters of RFC 6838 names only.
fn is_media_type(v: &str) -> bool {
    let ok = |p: &str| {
        !p.is_empty()
            && p.len() <= 127
            && p.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$&-^_.+".contains(&b))
    };
    matches!(v.split_once('/'), Some((t, sub)) if ok(t) && ok(sub))
}

/// A sha256 checksum: 64 hex digits (optionally `sha256:`-prefixed), lower-cased.
fn sha256(hash: &str) -> Option<String> {
    let h = hash.trim();
    let h = h
        .strip_prefix("sha256:")
        .or_else(|| h.strip_prefix("SHA256:"))
        .unwrap_or(h);
    (h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit())).then(|| h.to_ascii_lowercase())
}

/// A resource URL that is a file, not a page: an upload, or a path ending in a known
/// file extension.
fn is_download(resource: &Value, url: &str) -> bool {
    if s(resource, "url_type") == Some("upload") {
        return true;
    }
    let path = url.split(['?', '#']).next().unwrap_or("");
    let last = path.rsplit('/').next().unwrap_or("");
    last.contains('.') && kho_core::format::guess_mimetype(last).is_some()
}

impl DcatAp3<'_> {
    fn add_text(
        g: &mut Graph,
        node: &NamedOrBlankNode,
        p: oxrdf::NamedNodeRef<'_>,
        v: Option<&str>,
    ) {
        if let Some(l) = v.and_then(text) {
            g.add(node.clone(), p, l);
        }
    }

    fn add_date(
        g: &mut Graph,
        node: &NamedOrBlankNode,
        p: oxrdf::NamedNodeRef<'_>,
        v: Option<&str>,
    ) {
        if let Some(l) = v.and_then(date) {
            g.add(node.clone(), p, l);
        }
    }

    /// `node p iri` and `iri a class`.
    fn add_typed_iri(
        g: &mut Graph,
        node: &NamedOrBlankNode,
        p: oxrdf::NamedNodeRef<'_>,
        value: NamedNode,
        class: oxrdf::NamedNodeRef<'_>,
    ) {
        g.add(node.clone(), p, value.clone());
        g.typed(value, class);
    }

    /// The dataset's licence IRI: `license_url`, else `license_id` when it is an IRI.
    fn license(d: &Value) -> Option<NamedNode> {
        s(d, "license_url")
            .and_then(iri)
            .or_else(|| s(d, "license_id").and_then(iri))
    }

    fn publisher(g: &mut Graph, site: &Site, node: &NamedOrBlankNode, d: &Value) {
        let Some(org) = d.get("organization").filter(|o| o.is_object()) else {
            return;
        };
        let Some(name) = first(org, &["title", "name"]).and_then(text) else {
            return;
        };
        let Some(agent) = organization_uri(site, org) else {
            return;
        };
        g.add(node.clone(), dct::PUBLISHER, agent.clone());
        g.typed(agent.clone(), foaf::AGENT);
        g.add(agent, foaf::NAME, name);
    }

    fn contact_point(g: &mut Graph, node: &NamedOrBlankNode, d: &Value) {
        let name = first(d, &["contact_name", "maintainer", "author"]);
        let email = first(d, &["contact_email", "maintainer_email", "author_email"]);
        let email = email.and_then(|e| {
            let addr = e.strip_prefix("mailto:").unwrap_or(e);
            // An address, not text: one `@`, no spaces.
            let plausible = addr.matches('@').count() == 1 && !addr.contains(char::is_whitespace);
            plausible.then(|| iri(&format!("mailto:{addr}"))).flatten()
        });
        if name.is_none() && email.is_none() {
            return;
        }
        let kind: NamedOrBlankNode = match s(d, "contact_uri").and_then(iri) {
            Some(u) => u.into(),
            None => g.blank().into(),
        };
        g.add(node.clone(), dcat::CONTACT_POINT, kind.clone());
        g.typed(kind.clone(), vcard::KIND);
        Self::add_text(g, &kind, vcard::FN, name);
        if let Some(e) = email {
            g.add(kind, vcard::HAS_EMAIL, e);
        }
    }

    fn themes(&self, g: &mut Graph, node: &NamedOrBlankNode, d: &Value) {
        for value in list(d, "theme") {
            let Some(concept) = self.choice_iri("theme", &value, builtin_theme) else {
                continue;
            };
            g.add(node.clone(), dcat::THEME, concept.clone());
            let labels = self.theme_labels(&concept);
            // A skos:Concept must carry a prefLabel: a bare IRI stays untyped.
            if !labels.is_empty() {
                g.typed(concept.clone(), skos::CONCEPT);
                for l in labels {
                    g.add(concept.clone(), skos::PREF_LABEL, l);
                }
            }
        }
    }

    /// What datasets and data services share.
    fn common(&self, g: &mut Graph, site: &Site, node: &NamedOrBlankNode, d: &Value) {
        Self::add_text(g, node, dct::TITLE, s(d, "title"));
        Self::add_text(g, node, dct::DESCRIPTION, s(d, "notes"));
        if let Some(tags) = d.get("tags").and_then(Value::as_array) {
            for t in tags {
                Self::add_text(g, node, dcat::KEYWORD, s(t, "name"));
            }
        }
        self.themes(g, node, d);
        let identifier = first(d, &["identifier", "guid", "id"]);
        Self::add_text(g, node, dct::IDENTIFIER, identifier);
        if let Some(page) = s(d, "url").and_then(iri) {
            Self::add_typed_iri(g, node, dcat::LANDING_PAGE, page, foaf::DOCUMENT);
        }
        // DCAT-AP 3 replaced owl:versionInfo with dcat:version (as ckanext-dcat does).
        Self::add_text(
            g,
            node,
            dcat::VERSION,
            first(d, &["version", "dcat_version"]),
        );
        Self::add_date(
            g,
            node,
            dct::ISSUED,
            first(d, &["issued", "metadata_created"]),
        );
        Self::add_date(
            g,
            node,
            dct::MODIFIED,
            first(d, &["modified", "metadata_modified"]),
        );
        Self::publisher(g, site, node, d);
        Self::contact_point(g, node, d);
        if let Some(license) = Self::license(d) {
            Self::add_typed_iri(g, node, dct::LICENSE, license, dct::LICENSE_DOCUMENT);
        }
        let rights = s(d, "sharing_level")
            .and_then(|v| self.choice_iri("sharing_level", v, builtin_access_right))
            .or_else(|| s(d, "access_rights").and_then(iri));
        if let Some(r) = rights {
            Self::add_typed_iri(g, node, dct::ACCESS_RIGHTS, r, dct::RIGHTS_STATEMENT);
        }
    }

    fn temporal_and_spatial(&self, g: &mut Graph, node: &NamedOrBlankNode, d: &Value) {
        let frequency = s(d, "update_frequency")
            .and_then(|v| self.choice_iri("update_frequency", v, builtin_frequency))
            .or_else(|| s(d, "frequency").and_then(iri));
        if let Some(f) = frequency {
            Self::add_typed_iri(g, node, dct::ACCRUAL_PERIODICITY, f, dct::FREQUENCY);
        }
        let start = s(d, "temporal_start").and_then(date);
        let end = s(d, "temporal_end").and_then(date);
        if start.is_some() || end.is_some() {
            let period: NamedOrBlankNode = g.blank().into();
            g.add(node.clone(), dct::TEMPORAL, period.clone());
            g.typed(period.clone(), dct::PERIOD_OF_TIME);
            if let Some(l) = start {
                g.add(period.clone(), dcat::START_DATE, l);
            }
            if let Some(l) = end {
                g.add(period, dcat::END_DATE, l);
            }
        }
        if let Some(spatial) = s(d, "spatial_uri").or_else(|| s(d, "spatial")) {
            if let Some(place) = iri(spatial) {
                Self::add_typed_iri(g, node, dct::SPATIAL, place, dct::LOCATION);
            } else if !spatial.starts_with('{') {
                // A place name (kho's profile); a GeoJSON geometry needs a
                // locn:Geometry node, which kho does not write yet.
                if let Some(label) = text(spatial) {
                    let place: NamedOrBlankNode = g.blank().into();
                    g.add(node.clone(), dct::SPATIAL, place.clone());
                    g.typed(place.clone(), dct::LOCATION);
                    g.add(place, skos::PREF_LABEL, label);
                }
            }
        }
    }

    fn distribution(
        &self,
        g: &mut Graph,
        site: &Site,
        dataset: &Value,
        r: &Value,
    ) -> Option<NamedNode> {
        let dataset_id = s(dataset, "id").or_else(|| s(r, "package_id"))?;
        let uri = s(r, "uri")
            .filter(|u| *u != "None")
            .and_then(iri)
            .or_else(|| {
                iri(&format!(
                    "{}/dataset/{}/resource/{}",
                    site.base(),
                    dataset_id,
                    s(r, "id")?
                ))
            })?;
        let node: NamedOrBlankNode = uri.clone().into();
        g.typed(node.clone(), dcat::DISTRIBUTION);
        Self::add_text(g, &node, dct::TITLE, s(r, "name"));
        Self::add_text(g, &node, dct::DESCRIPTION, s(r, "description"));
        let url = s(r, "url");
        // DCAT-AP requires an access URL, even when it is the download URL.
        if let Some(access) = first(r, &["access_url", "url"]).and_then(iri) {
            Self::add_typed_iri(g, &node, dcat::ACCESS_URL, access, rdfs::RESOURCE);
        }
        let download = s(r, "download_url")
            .and_then(iri)
            .or_else(|| url.filter(|u| is_download(r, u)).and_then(iri));
        if let Some(dl) = download {
            Self::add_typed_iri(g, &node, dcat::DOWNLOAD_URL, dl, rdfs::RESOURCE);
        }
        // Format and media type, as ckanext-dcat: a format that is a MIME type is the
        // media type. The media type falls back to the one of the format's extension.
        let mut format = s(r, "format");
        let mut mimetype = s(r, "mimetype").map(str::to_string);
        if let Some(f) = format {
            if mimetype.as_deref().is_none_or(|m| m == f) && is_media_type(f) {
                mimetype = Some(f.to_string());
                format = None;
            }
        }
        if mimetype.is_none() {
            mimetype = format
                .and_then(|f| {
                    kho_core::format::guess_mimetype(&format!("f.{}", f.to_ascii_lowercase()))
                })
                .map(str::to_string);
        }
        if let Some(m) = mimetype.map(|m| m.trim().to_ascii_lowercase()) {
            if let Some(media) = is_media_type(&m)
                .then(|| iri(&format!("{IANA}{m}")))
                .flatten()
            {
                Self::add_typed_iri(g, &node, dcat::MEDIA_TYPE, media, dct::MEDIA_TYPE);
            }
        }
        if let Some(f) = format {
            match file_type(f)
                .and_then(|code| iri(&format!("{FILE_TYPE}{code}")))
                .or_else(|| iri(f))
            {
                Some(ft) => {
                    Self::add_typed_iri(g, &node, dct::FORMAT, ft, dct::MEDIA_TYPE_OR_EXTENT)
                }
                None => {
                    // DCAT-AP wants a node, not a literal: an unknown format is a
                    // labelled blank node.
                    if let Some(label) = text(f) {
                        let b: NamedOrBlankNode = g.blank().into();
                        g.add(node.clone(), dct::FORMAT, b.clone());
                        g.typed(b.clone(), dct::MEDIA_TYPE_OR_EXTENT);
                        g.add(b, rdfs::LABEL, label);
                    }
                }
            }
        }
        let size = match r.get("size") {
            Some(Value::Number(n)) => n.as_u64(),
            Some(Value::String(v)) => v.trim().parse::<u64>().ok(),
            _ => None,
        };
        if let Some(n) = size {
            g.add(
                node.clone(),
                dcat::BYTE_SIZE,
                typed(n.to_string(), xsd::NON_NEGATIVE_INTEGER),
            );
        }
        if let Some(h) = s(r, "hash").and_then(sha256) {
            let checksum: NamedOrBlankNode = g.blank().into();
            g.add(node.clone(), spdx::CHECKSUM, checksum.clone());
            g.typed(checksum.clone(), spdx::CHECKSUM_CLASS);
            Self::add_typed_iri(
                g,
                &checksum,
                spdx::ALGORITHM,
                spdx::SHA256.into_owned(),
                spdx::CHECKSUM_ALGORITHM,
            );
            g.add(checksum, spdx::CHECKSUM_VALUE, typed(h, xsd::HEX_BINARY));
        }
        Self::add_date(g, &node, dct::ISSUED, first(r, &["issued", "created"]));
        Self::add_date(
            g,
            &node,
            dct::MODIFIED,
            first(r, &["modified", "last_modified", "metadata_modified"]),
        );
        // A distribution's own licence, else the dataset's (DCAT-AP puts licences on
        // distributions; ckanext-dcat does this only when configured to).
        if let Some(license) = s(r, "license")
            .and_then(iri)
            .or_else(|| Self::license(dataset))
        {
            Self::add_typed_iri(g, &node, dct::LICENSE, license, dct::LICENSE_DOCUMENT);
        }
        Some(uri)
    }
}

impl Profile for DcatAp3<'_> {
    fn name(&self) -> &'static str {
        "euro_dcat_ap_3"
    }

    fn dataset(&self, g: &mut Graph, site: &Site, d: &Value) -> Option<Described> {
        let uri = site.dataset_uri(d)?;
        let node: NamedOrBlankNode = uri.clone().into();
        let service = s(d, "type") == Some("service");
        if service {
            g.typed(node.clone(), dcat::DATA_SERVICE);
            self.common(g, site, &node, d);
            let first_url = d
                .get("resources")
                .and_then(Value::as_array)
                .and_then(|rs| rs.iter().find_map(|r| s(r, "url").and_then(iri)));
            if let Some(endpoint) = s(d, "endpoint_url").and_then(iri).or(first_url) {
                Self::add_typed_iri(g, &node, dcat::ENDPOINT_URL, endpoint, rdfs::RESOURCE);
            }
            if let Some(desc) = s(d, "endpoint_description").and_then(iri) {
                Self::add_typed_iri(g, &node, dcat::ENDPOINT_DESCRIPTION, desc, rdfs::RESOURCE);
            }
            // The document describing the data structure the service exchanges.
            if let Some(doc) = s(d, "structure_document").and_then(iri) {
                Self::add_typed_iri(g, &node, dct::CONFORMS_TO, doc, dct::STANDARD);
            }
            if let Some(status) = s(d, "service_status").and_then(|v| self.service_status_iri(v)) {
                Self::add_typed_iri(g, &node, adms::STATUS, status, skos::CONCEPT);
            }
        } else {
            g.typed(node.clone(), dcat::DATASET);
            self.common(g, site, &node, d);
            self.temporal_and_spatial(g, &node, d);
            if let Some(resources) = d.get("resources").and_then(Value::as_array) {
                for r in resources {
                    if let Some(dist) = self.distribution(g, site, d, r) {
                        g.add(node.clone(), dcat::DISTRIBUTION_PROP, dist);
                    }
                }
            }
        }
        Some(Described { node: uri, service })
    }

    fn catalog(&self, g: &mut Graph, site: &Site, modified: Option<&str>) -> NamedOrBlankNode {
        let node: NamedOrBlankNode = match iri(site.base()) {
            Some(n) => n.into(),
            None => g.blank().into(),
        };
        g.typed(node.clone(), dcat::CATALOG);
        Self::add_text(g, &node, dct::TITLE, Some(&site.title));
        // DCAT-AP requires a description: the title stands in for an empty one.
        let description = Some(site.description.as_str())
            .filter(|v| !v.trim().is_empty())
            .unwrap_or(&site.title);
        Self::add_text(g, &node, dct::DESCRIPTION, Some(description));
        if let Some(home) = iri(&site.site_url) {
            Self::add_typed_iri(g, &node, foaf::HOMEPAGE, home, foaf::DOCUMENT);
        }
        if let Some(lang) = language_iri(&site.language) {
            Self::add_typed_iri(g, &node, dct::LANGUAGE, lang, dct::LINGUISTIC_SYSTEM);
        }
        Self::add_date(g, &node, dct::MODIFIED, modified);
        let name = text(&site.publisher_name).or_else(|| text(&site.title));
        if let Some(name) = name {
            let agent: NamedOrBlankNode = match site.publisher_uri.as_deref().and_then(iri) {
                Some(u) => u.into(),
                None => g.blank().into(),
            };
            g.add(node.clone(), dct::PUBLISHER, Term::from(agent.clone()));
            g.typed(agent.clone(), foaf::AGENT);
            g.add(agent, foaf::NAME, name);
        }
        node
    }
}
