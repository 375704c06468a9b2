//! Content negotiation as ckanext-dcat's `parse_accept_header`: the media types of the
//! `Accept` header by descending q (ties in header order); `text/html` first means "the
//! HTML page" (no RDF); a `type/*` wildcard picks that type's first RDF format
//! (`application/*` → RDF/XML, `text/*` → N3, as ckanext-dcat's table order gives).

use crate::Format;

const TYPES: &[(&str, Format)] = &[
    ("application/rdf+xml", Format::RdfXml),
    ("text/n3", Format::N3),
    ("text/turtle", Format::Turtle),
    ("application/ld+json", Format::JsonLd),
];

/// The RDF format an `Accept` header asks for, if any.
pub fn from_accept(header: &str) -> Option<Format> {
    let mut ranges: Vec<(String, f64)> = Vec::new();
    for part in header.split(',') {
        let mut pieces = part.split(';');
        let media = pieces.next().unwrap_or("").trim().to_ascii_lowercase();
        if media.is_empty() {
            continue;
        }
        let mut q = 1.0;
        for param in pieces {
            if let Some((k, v)) = param.split_once('=') {
                if k.trim().eq_ignore_ascii_case("q") {
                    q = v.trim().parse::<f64>().unwrap_or(0.0);
                }
            }
        }
        ranges.push((media, q));
    }
    // Stable: equal q keeps the header's order.
    ranges.sort_by(|a, b| b.1.total_cmp(&a.1));
    for (media, q) in ranges {
        if q <= 0.0 {
            break;
        }
        if media == "text/html" {
            return None;
        }
        if let Some((_, f)) = TYPES.iter().find(|(t, _)| *t == media) {
            return Some(*f);
        }
        if let Some(kind) = media.strip_suffix("/*") {
            if let Some((_, f)) = TYPES
                .iter()
                .find(|(t, _)| t.split('/').next() == Some(kind))
            {
                return Some(*f);
            }
        }
    }
    None
}
