//! Resource format normalisation, as CKAN's `clean_format` (`unified_resource_format`)
//! and `if_empty_guess_format` do it.
//!
//! The tables live in `data/`: `resource_formats.tsv` (canonical name, description, MIME
//! type, alternative names; every one of them a case-insensitive lookup key) and
//! `extension_mimetypes.tsv` (what Python's `mimetypes.guess_type` answers for an
//! extension).

use std::collections::HashMap;
use std::sync::OnceLock;

const FORMATS: &str = include_str!("../data/resource_formats.tsv");
const EXTENSIONS: &str = include_str!("../data/extension_mimetypes.tsv");

struct Tables {
    /// lower-cased identifier → canonical format name.
    by_key: HashMap<String, &'static str>,
    /// lower-cased extension (no dot) → MIME type.
    by_ext: HashMap<&'static str, &'static str>,
}

fn rows(text: &'static str) -> impl Iterator<Item = Vec<&'static str>> {
    text.lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| l.split('\t').collect())
}

fn tables() -> &'static Tables {
    static T: OnceLock<Tables> = OnceLock::new();
    T.get_or_init(|| {
        let mut by_key = HashMap::new();
        for r in rows(FORMATS) {
            let Some(&canonical) = r.first() else {
                continue;
            };
            for item in &r {
                if !item.is_empty() {
                    by_key.entry(item.to_lowercase()).or_insert(canonical);
                }
            }
        }
        let mut by_ext = HashMap::new();
        for r in rows(EXTENSIONS) {
            if let [ext, mime] = r[..] {
                by_ext.insert(ext, mime);
            }
        }
        Tables { by_key, by_ext }
    })
}

/// The canonical name of a known format (by name, MIME type, description or alternative
/// name, any case), e.g. `csv`/`text/csv` → `CSV`, `geojson` → `GeoJSON`.
pub fn canonical(format: &str) -> Option<&'static str> {
    // Short ASCII names (nearly all) are lower-cased on the stack: `package_show` looks up
    // the format of every resource.
    let mut buf = [0u8; 32];
    if format.is_ascii() && format.len() <= buf.len() {
        let lower = &mut buf[..format.len()];
        lower.copy_from_slice(format.as_bytes());
        lower.make_ascii_lowercase();
        if let Ok(key) = std::str::from_utf8(lower) {
            return tables().by_key.get(key).copied();
        }
    }
    tables().by_key.get(&format.to_lowercase()).copied()
}

/// CKAN's `clean_format`: the canonical name, or the input unchanged when unknown.
pub fn clean_format(format: &str) -> String {
    canonical(format)
        .map(str::to_string)
        .unwrap_or_else(|| format.to_string())
}

/// Python's `mimetypes.guess_type(url)[0]` for the extensions of the table.
pub fn guess_mimetype(url: &str) -> Option<&'static str> {
    // `urllib.parse._splittype`: a leading `scheme:` (no `/` or `:` in it) is removed.
    let rest = match url.split_once(':') {
        Some((scheme, rest)) if !scheme.is_empty() && !scheme.contains('/') => {
            if scheme.eq_ignore_ascii_case("data") {
                return None;
            }
            rest
        }
        _ => url,
    };
    let mut path = rest.to_string();
    let mut ext = splitext(&path);
    // suffix_map: `.tgz` means `.tar.gz`, ...
    loop {
        let mapped = match ext.as_str() {
            ".svgz" => ".svg.gz",
            ".tgz" | ".taz" | ".tz" => ".tar.gz",
            ".tbz2" => ".tar.bz2",
            ".txz" => ".tar.xz",
            _ => break,
        };
        path = format!("{}{mapped}", &path[..path.len() - ext.len()]);
        ext = splitext(&path);
    }
    // encodings_map: a compression suffix is dropped and the next extension decides.
    if matches!(ext.as_str(), ".gz" | ".Z" | ".bz2" | ".xz" | ".br") {
        path.truncate(path.len() - ext.len());
        ext = splitext(&path);
    }
    let e = ext.strip_prefix('.')?;
    tables().by_ext.get(e.to_lowercase().as_str()).copied()
}

/// `posixpath.splitext`: the last `.suffix` of the last path segment, leading dots of the
/// segment not counting. Empty when there is none.
fn splitext(path: &str) -> String {
    let base_start = path.rfind('/').map_or(0, |i| i + 1);
    let base = &path[base_start..];
    let lead = base.len() - base.trim_start_matches('.').len();
    match base.rfind('.') {
        Some(i) if i >= lead && i > 0 && lead < base.len() => base[i..].to_string(),
        _ => String::new(),
    }
}

/// CKAN's `if_empty_guess_format` followed by `clean_format`: the format of a new
/// resource whose `format` is empty, guessed from its URL. `None` when nothing is guessed
/// (no URL, a URL without a path such as `http://example.org`, an unknown extension).
pub fn guess_format(url: &str) -> Option<String> {
    if url.is_empty() {
        return None;
    }
    if has_scheme(url) && url_path(url).is_empty() {
        return None;
    }
    guess_mimetype(url).map(clean_format)
}

/// `urlsplit(url).scheme` is non-empty: a letter, then letters, digits, `+`, `-`, `.`,
/// then a colon.
pub fn has_scheme(url: &str) -> bool {
    match url.split_once(':') {
        Some((s, _)) => {
            s.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        }
        None => false,
    }
}

/// The path part of a URL that has a scheme (`urlparse(url).path`).
fn url_path(url: &str) -> &str {
    let rest = url.split_once(':').map_or(url, |(_, r)| r);
    let rest = match rest.strip_prefix("//") {
        Some(r) => r.find(['/', '?', '#']).map_or("", |i| &r[i..]),
        None => rest,
    };
    let end = rest.find(['?', '#']).unwrap_or(rest.len());
    let path = &rest[..end];
    // urlparse also splits `;params` off the last segment.
    match path.rfind('/') {
        Some(i) => match path[i..].find(';') {
            Some(j) => &path[..i + j],
            None => path,
        },
        None => path.split(';').next().unwrap_or(""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn canonical_names_by_any_identifier() {
        for (input, want) in [
            ("csv", "CSV"),
            ("CSV", "CSV"),
            ("text/csv", "CSV"),
            ("text/comma-separated-values", "CSV"),
            ("Comma Separated Values File", "CSV"),
            ("xls", "XLS"),
            ("application/vnd.ms-excel", "XLS"),
            ("Excel", "XLS"),
            ("xlsx", "XLSX"),
            (
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "XLSX",
            ),
            ("json", "JSON"),
            ("application/json", "JSON"),
            ("geojson", "GeoJSON"),
            ("application/geo+json", "GeoJSON"),
            ("xml", "XML"),
            ("text/xml", "XML"),
            ("pdf", "PDF"),
            ("doc", "DOC"),
            ("docx", "DOCX"),
            ("ods", "ODS"),
            ("odt", "ODT"),
            ("zip", "ZIP"),
            ("application/zip", "ZIP"),
            ("rdf", "RDF"),
            ("ttl", "TTL"),
            ("text/turtle", "TTL"),
            ("json-ld", "JSON-LD"),
            ("jsonld", "JSON-LD"),
            ("html", "HTML"),
            ("htm", "HTML"),
            ("txt", "TXT"),
            ("text/plain", "TXT"),
            ("shp", "SHP"),
            ("esri shapefile", "SHP"),
            ("kml", "KML"),
            ("kmz", "KMZ"),
            ("application/vnd.google-earth.kmz", "KMZ"),
            ("wms", "WMS"),
            ("wfs", "WFS"),
            ("api", "API"),
            ("tsv", "TSV"),
            ("text/tab-separated-values", "TSV"),
            ("gpkg", "GPKG"),
            ("parquet", "Parquet"),
            ("png", "PNG"),
            ("image/png", "PNG"),
            ("jpeg", "JPEG"),
            ("jpg", "JPEG"),
            ("image/jpeg", "JPEG"),
        ] {
            assert_eq!(clean_format(input), want, "{input}");
        }
    }

    #[test]
    fn unknown_formats_are_kept_as_given() {
        assert_eq!(clean_format("Bảng tính"), "Bảng tính");
        assert_eq!(clean_format("my-Format"), "my-Format");
        assert_eq!(clean_format(""), "");
        assert_eq!(canonical("nope"), None);
    }

    #[test]
    fn guesses_from_the_url_extension() {
        let g = |u: &str| guess_format(u);
        assert_eq!(g("http://example.org/truong.csv").as_deref(), Some("CSV"));
        assert_eq!(g("http://example.org/a/b.XLSX").as_deref(), Some("XLSX"));
        assert_eq!(g("https://x.vn/data.json").as_deref(), Some("JSON"));
        assert_eq!(g("https://x.vn/data.csv.gz").as_deref(), Some("CSV"));
        assert_eq!(g("https://x.vn/map.geojson").as_deref(), Some("GeoJSON"));
        assert_eq!(g("https://x.vn/bao-cao.pdf").as_deref(), Some("PDF"));
        assert_eq!(g("truong-hoc.csv").as_deref(), Some("CSV"));
        // Python's splitext sees the query string as part of the extension.
        assert_eq!(g("http://example.org/a.csv?x=1"), None);
        assert_eq!(g("http://example.org"), None);
        assert_eq!(g("http://example.org/"), None);
        assert_eq!(g("http://example.org/data"), None);
        assert_eq!(g("http://example.org/.csv"), None);
        assert_eq!(g(""), None);
        assert_eq!(g("http://example.org/x.unknownext"), None);
    }

    #[test]
    fn the_tables_are_well_formed() {
        assert!(rows(FORMATS).count() >= 85);
        for r in rows(FORMATS) {
            assert!(r.len() >= 3, "{r:?}");
        }
        for r in rows(EXTENSIONS) {
            assert_eq!(r.len(), 2, "{r:?}");
            assert!(canonical(r[1]).is_some(), "{r:?}");
        }
    }

    #[test]
    fn schemes() {
        assert!(has_scheme("http://x"));
        assert!(has_scheme("ftp:x"));
        assert!(!has_scheme("example.org/x"));
        assert!(!has_scheme("/x:y"));
        assert!(!has_scheme("1http://x"));
    }

    proptest! {
        #[test]
        fn never_panics(s in "\\PC{0,60}") {
            let _ = guess_format(&s);
            let _ = clean_format(&s);
        }
    }
}
