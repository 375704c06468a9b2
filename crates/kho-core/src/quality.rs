//! A per-dataset metadata quality score, modelled on the EU Metadata Quality Assessment
//! (MQA: findability, accessibility, interoperability, reusability, contextuality) and
//! adapted to the provincial profile (requirement 13: complete metadata, working links,
//! open formats, a score per dataset and per agency).
//!
//! MQA weighs 405 points; kho scores out of 100 with the same five dimensions and keeps
//! MQA's rating bands in proportion (excellent ≥ 351/405, good ≥ 221/405, sufficient ≥
//! 121/405 of the maximum). Every point not given is listed with its reason, an i18n key,
//! so an agency knows what to fix.
//!
//! The score is a pure function of the dataset dict and the link-check results shown on
//! its resources, so `package_show` and the search index always agree. Nothing here
//! depends on the clock.

use serde::Serialize;
use serde_json::{Map, Value};

use crate::format::canonical;
use crate::license::LicenseRegister;
use crate::Msg;

/// The highest possible score.
pub const MAX_SCORE: u32 = 100;

/// Resource keys under which link-check results are shown (computed, never stored as
/// resource extras).
pub const LINK_STATUS: &str = "link_status";
pub const LINK_CHECKED: &str = "link_checked";
pub const LINK_STATUS_CODE: &str = "link_status_code";
pub const LINK_ERROR: &str = "link_error";
/// Every computed resource key (dropped from resource input).
pub const LINK_KEYS: &[&str] = &[LINK_STATUS, LINK_CHECKED, LINK_STATUS_CODE, LINK_ERROR];

/// The five MQA dimensions, in MQA's order.
pub const DIMENSIONS: &[&str] = &[
    "findability",
    "accessibility",
    "interoperability",
    "reusability",
    "contextuality",
];

/// The ratings, best first (the values of the `quality_rating` facet).
pub const RATINGS: &[&str] = &["excellent", "good", "sufficient", "bad"];

/// One indicator: its dimension, key and weight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Indicator {
    pub dimension: &'static str,
    pub key: &'static str,
    pub points: u32,
}

const fn ind(dimension: &'static str, key: &'static str, points: u32) -> Indicator {
    Indicator {
        dimension,
        key,
        points,
    }
}

/// Every indicator. The weights follow MQA's proportions between dimensions
/// (findability and accessibility weigh most), scaled to 100.
pub const INDICATORS: &[Indicator] = &[
    ind("findability", "keyword", 8),
    ind("findability", "theme", 8),
    ind("findability", "spatial", 7),
    ind("findability", "temporal", 7),
    ind("accessibility", "access_url", 15),
    ind("accessibility", "download_url", 5),
    ind("interoperability", "format", 5),
    ind("interoperability", "machine_readable", 5),
    ind("interoperability", "non_proprietary", 5),
    ind("interoperability", "profile", 10),
    ind("reusability", "license", 6),
    ind("reusability", "license_known", 4),
    ind("reusability", "access_rights", 3),
    ind("reusability", "contact_point", 5),
    ind("reusability", "publisher", 2),
    ind("contextuality", "legal_basis", 2),
    ind("contextuality", "update_frequency", 2),
    ind("contextuality", "byte_size", 1),
];

/// Formats a program can read the data of (MQA's machine-readable vocabulary, on CKAN's
/// canonical format names).
const MACHINE_READABLE: &[&str] = &[
    "CSV",
    "TSV",
    "JSON",
    "JSON-LD",
    "GeoJSON",
    "XML",
    "RDF",
    "TTL",
    "N3",
    "OWL",
    "XLS",
    "XLSX",
    "XLSB",
    "XLSM",
    "ODS",
    "KML",
    "KMZ",
    "GML",
    "SHP",
    "GPKG",
    "NetCDF",
    "Parquet",
    "GTFS",
    "ICS",
    "Atom Feed",
    "RSS",
    "API",
    "SPARQL",
    "WMS",
    "WFS",
    "WCS",
    "WMTS",
    "Esri REST",
    "dBase",
];

/// Open, non-proprietary formats (MQA's non-proprietary vocabulary; Vietnamese "định dạng
/// mở", 002 Art. 3.7).
const NON_PROPRIETARY: &[&str] = &[
    "CSV",
    "TSV",
    "TXT",
    "JSON",
    "JSON-LD",
    "GeoJSON",
    "XML",
    "RDF",
    "TTL",
    "N3",
    "OWL",
    "HTML",
    "ODS",
    "ODT",
    "ODP",
    "ODG",
    "ODF",
    "KML",
    "GML",
    "GPKG",
    "NetCDF",
    "Parquet",
    "GTFS",
    "ICS",
    "Atom Feed",
    "RSS",
    "PDF",
    "PNG",
    "SVG",
    "TIFF",
    "JPEG",
    "GIF",
    "SPARQL",
    "WMS",
    "WFS",
    "WCS",
    "WMTS",
    "XSLT",
    "API",
];

/// Fields the provincial profile asks every dataset to fill (beyond what it marks
/// `required`): what "conforms to the provincial profile" checks, in place of MQA's
/// DCAT-AP compliance.
pub const PROFILE_FIELDS: &[&str] = &[
    "title",
    "notes",
    "license_id",
    "owner_org",
    "sharing_level",
    "update_frequency",
    "contact_email",
];

/// What the link checker last found for a resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkState {
    Ok,
    Broken,
}

/// What the score reads of one resource.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResourceFacts {
    pub url: String,
    pub url_type: Option<String>,
    pub format: String,
    pub mimetype: Option<String>,
    pub size: Option<i64>,
    /// `None`: not checked yet.
    pub link: Option<LinkState>,
}

impl ResourceFacts {
    /// The facts of a resource dict as `package_show` shows it.
    pub fn of(r: &Map<String, Value>) -> Self {
        let s = |k: &str| r.get(k).and_then(Value::as_str).map(str::to_owned);
        ResourceFacts {
            url: s("url").unwrap_or_default(),
            url_type: s("url_type").filter(|t| !t.is_empty()),
            format: s("format").unwrap_or_default(),
            mimetype: s("mimetype").filter(|t| !t.is_empty()),
            size: r.get("size").and_then(Value::as_i64),
            link: link_state(r.get(LINK_STATUS).and_then(Value::as_str)),
        }
    }

    /// An uploaded file is served by the catalogue itself: reachable without a check.
    pub fn is_upload(&self) -> bool {
        self.url_type.as_deref() == Some("upload")
    }

    fn canonical_format(&self) -> Option<&'static str> {
        canonical(self.format.trim()).or_else(|| self.mimetype.as_deref().and_then(canonical))
    }
}

/// `link_status` as shown → the state.
pub fn link_state(shown: Option<&str>) -> Option<LinkState> {
    match shown {
        Some("ok") => Some(LinkState::Ok),
        Some("broken") => Some(LinkState::Broken),
        _ => None,
    }
}

/// Points of one dimension.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DimensionScore {
    pub score: u32,
    pub max: u32,
}

/// A point not given, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Missing {
    pub dimension: &'static str,
    pub indicator: &'static str,
    pub points: u32,
    /// An i18n key (English text).
    pub reason: String,
}

/// A dataset's score.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Quality {
    pub score: u32,
    pub max: u32,
    pub rating: &'static str,
    /// By dimension, in [`DIMENSIONS`] order.
    pub dimensions: Vec<(&'static str, DimensionScore)>,
    pub missing: Vec<Missing>,
}

impl Quality {
    /// The `quality` value of `package_show`.
    pub fn to_value(&self) -> Value {
        let mut dims = Map::new();
        for (name, d) in &self.dimensions {
            dims.insert(
                (*name).into(),
                serde_json::json!({"score": d.score, "max": d.max}),
            );
        }
        serde_json::json!({
            "score": self.score,
            "max": self.max,
            "rating": self.rating,
            "dimensions": dims,
            "missing": self.missing,
        })
    }
}

/// The MQA rating of `score` out of `max`, MQA's bands kept in proportion.
pub fn rating(score: u32, max: u32) -> &'static str {
    let (s, m) = (u64::from(score) * 405, u64::from(max));
    if s >= 351 * m {
        "excellent"
    } else if s >= 221 * m {
        "good"
    } else if s >= 121 * m {
        "sufficient"
    } else {
        "bad"
    }
}

fn filled(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => false,
        Some(Value::String(s)) => !s.trim().is_empty(),
        Some(Value::Array(a)) => !a.is_empty(),
        Some(Value::Object(o)) => !o.is_empty(),
        Some(_) => true,
    }
}

/// Score a `package_show` dict whose `resources` carry their link-check keys.
pub fn assess_dict(dict: &Map<String, Value>, licenses: &LicenseRegister) -> Quality {
    let resources: Vec<ResourceFacts> = dict
        .get("resources")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
        .map(ResourceFacts::of)
        .collect();
    assess(dict, &resources, licenses)
}

/// Score a dataset dict (its `resources` are not read) with the facts of its shown
/// resources.
pub fn assess(
    dict: &Map<String, Value>,
    resources: &[ResourceFacts],
    licenses: &LicenseRegister,
) -> Quality {
    let mut missing: Vec<(&'static str, Msg)> = Vec::new();
    let mut miss = |key: &'static str, msg: Msg| missing.push((key, msg));
    let has = |k: &str| filled(dict.get(k));

    // Findability.
    if !has("tags") {
        miss("keyword", Msg::new("The dataset has no keywords"));
    }
    if !has("theme") {
        miss("theme", Msg::new("The dataset has no theme"));
    }
    if !has("spatial") {
        miss(
            "spatial",
            Msg::new("The dataset does not state its spatial coverage"),
        );
    }
    if !has("temporal_start") && !has("temporal_end") {
        miss(
            "temporal",
            Msg::new("The dataset does not state its temporal coverage"),
        );
    }

    // Accessibility.
    if resources.is_empty() {
        miss("access_url", Msg::new("The dataset has no resources"));
        miss("download_url", Msg::new("The dataset has no resources"));
    } else {
        let broken = resources
            .iter()
            .any(|r| !r.is_upload() && r.link == Some(LinkState::Broken));
        let unchecked = resources.iter().any(|r| !r.is_upload() && r.link.is_none());
        if broken {
            miss(
                "access_url",
                Msg::new("A resource link was not reachable when last checked"),
            );
        } else if unchecked {
            miss(
                "access_url",
                Msg::new("A resource link has not been checked yet"),
            );
        }
        if resources.iter().any(|r| r.url.trim().is_empty()) {
            miss("download_url", Msg::new("A resource has no URL"));
        }
    }

    // Interoperability.
    if resources.is_empty() || resources.iter().any(|r| r.format.trim().is_empty()) {
        miss("format", Msg::new("A resource does not state its format"));
    }
    let formats: Vec<Option<&str>> = resources.iter().map(|r| r.canonical_format()).collect();
    if !formats
        .iter()
        .any(|f| f.is_some_and(|f| MACHINE_READABLE.contains(&f)))
    {
        miss(
            "machine_readable",
            Msg::new("No resource is in a machine-readable format"),
        );
    }
    if !formats
        .iter()
        .any(|f| f.is_some_and(|f| NON_PROPRIETARY.contains(&f)))
    {
        miss(
            "non_proprietary",
            Msg::new("No resource is in an open, non-proprietary format"),
        );
    }
    if PROFILE_FIELDS.iter().any(|k| !has(k)) {
        miss(
            "profile",
            Msg::new("The dataset lacks fields the provincial profile asks for"),
        );
    }

    // Reusability.
    let license_id = dict
        .get("license_id")
        .and_then(Value::as_str)
        .filter(|l| !l.trim().is_empty());
    match license_id {
        None => {
            miss("license", Msg::new("The dataset has no license"));
            miss("license_known", Msg::new("The dataset has no license"));
        }
        Some(l) if licenses.get(l).is_none() => miss(
            "license_known",
            Msg::new("The license is not in the license register"),
        ),
        Some(_) => {}
    }
    if !has("sharing_level") {
        miss(
            "access_rights",
            Msg::new("The dataset does not state its sharing level"),
        );
    }
    if !has("contact_email") {
        miss(
            "contact_point",
            Msg::new("The dataset has no contact e-mail"),
        );
    }
    if !has("owner_org") {
        miss(
            "publisher",
            Msg::new("The dataset has no owning organization"),
        );
    }

    // Contextuality.
    if !has("legal_basis") {
        miss(
            "legal_basis",
            Msg::new("The dataset does not state its legal basis"),
        );
    }
    let frequency = dict.get("update_frequency").and_then(Value::as_str);
    if frequency.is_none_or(|f| f.trim().is_empty() || f == "unknown") {
        miss(
            "update_frequency",
            Msg::new("The dataset does not state how often it is updated"),
        );
    }
    if resources.is_empty() || resources.iter().any(|r| r.size.is_none()) {
        miss("byte_size", Msg::new("A resource does not state its size"));
    }

    let missing: Vec<Missing> = missing
        .into_iter()
        .filter_map(|(key, msg)| {
            let i = INDICATORS.iter().find(|i| i.key == key)?;
            Some(Missing {
                dimension: i.dimension,
                indicator: i.key,
                points: i.points,
                reason: msg.english(),
            })
        })
        .collect();
    let dimensions: Vec<(&'static str, DimensionScore)> = DIMENSIONS
        .iter()
        .map(|&dim| {
            let max: u32 = INDICATORS
                .iter()
                .filter(|i| i.dimension == dim)
                .map(|i| i.points)
                .sum();
            let lost: u32 = missing
                .iter()
                .filter(|m| m.dimension == dim)
                .map(|m| m.points)
                .sum();
            (
                dim,
                DimensionScore {
                    score: max.saturating_sub(lost),
                    max,
                },
            )
        })
        .collect();
    let score = dimensions.iter().map(|(_, d)| d.score).sum();
    Quality {
        score,
        max: MAX_SCORE,
        rating: rating(score, MAX_SCORE),
        dimensions,
        missing,
    }
}

#[cfg(test)]
mod tests;
