//! Hydra paging of catalogue pages, as ckanext-dcat's `_pagination_info` and
//! `_add_pagination_triples` write it.

use oxrdf::vocab::xsd;
use oxrdf::{Literal, NamedOrBlankNode};

use crate::graph::{iri, typed, Graph};
use crate::vocab::hydra;

/// One page of a catalogue listing.
#[derive(Debug, Clone)]
pub struct Paging {
    /// Datasets matching (`package_search` count).
    pub count: u64,
    pub items_per_page: u64,
    /// This page (from 1).
    pub page: u64,
    /// Datasets on this page.
    pub on_page: u64,
    /// `{base}{path}` of the listing, e.g. `https://data.example.vn/catalog.ttl`.
    pub url: String,
    /// The query parameters repeated in every page URL (`modified_since`, `profiles`,
    /// `q`, `fq`), already in the order to write them.
    pub params: Vec<(String, String)>,
}

impl Paging {
    /// The URL of page `n`: `{url}?{params&}page=n`, values percent-encoded.
    pub fn page_url(&self, n: u64) -> String {
        let mut out = String::with_capacity(self.url.len() + 16);
        out.push_str(&self.url);
        out.push('?');
        for (k, v) in &self.params {
            out.push_str(&encode(k));
            out.push('=');
            out.push_str(&encode(v));
            out.push('&');
        }
        out.push_str(&format!("page={n}"));
        out
    }

    pub fn last_page(&self) -> u64 {
        match self.items_per_page {
            0 => 1,
            n => self.count.div_ceil(n).max(1),
        }
    }

    /// The previous page: `page − 1`, or the last page when this one is past the end.
    pub fn previous(&self) -> Option<u64> {
        if self.page <= 1 {
            return None;
        }
        let seen = (self.page - 1)
            .saturating_mul(self.items_per_page)
            .saturating_add(self.on_page);
        Some(if seen <= self.count {
            self.page - 1
        } else {
            self.last_page()
        })
    }

    pub fn next(&self) -> Option<u64> {
        (self.page.saturating_mul(self.items_per_page) < self.count).then_some(self.page + 1)
    }

    /// Add the `hydra:PagedCollection` node (none when nothing matched).
    pub fn add_to(&self, g: &mut Graph) {
        if self.count == 0 {
            return;
        }
        let node: NamedOrBlankNode = match iri(&self.page_url(self.page)) {
            Some(n) => n.into(),
            None => g.blank().into(),
        };
        g.typed(node.clone(), hydra::PAGED_COLLECTION);
        let url = |n: u64| Literal::new_simple_literal(self.page_url(n));
        // ckanext-dcat writes the deprecated predicate and its successor for each link.
        if let Some(n) = self.next() {
            g.add(node.clone(), hydra::NEXT_PAGE, url(n));
            g.add(node.clone(), hydra::NEXT, url(n));
        }
        if let Some(n) = self.previous() {
            g.add(node.clone(), hydra::PREVIOUS_PAGE, url(n));
            g.add(node.clone(), hydra::PREVIOUS, url(n));
        }
        g.add(node.clone(), hydra::FIRST_PAGE, url(1));
        g.add(node.clone(), hydra::FIRST, url(1));
        g.add(node.clone(), hydra::LAST_PAGE, url(self.last_page()));
        g.add(node.clone(), hydra::LAST, url(self.last_page()));
        g.add(
            node.clone(),
            hydra::TOTAL_ITEMS,
            typed(self.count.to_string(), xsd::INTEGER),
        );
        if self.items_per_page > 0 {
            g.add(
                node,
                hydra::ITEMS_PER_PAGE,
                typed(self.items_per_page.to_string(), xsd::INTEGER),
            );
        }
    }
}

/// Query-string encoding of a parameter (ckanext-dcat writes the raw value; an encoded
/// one is a valid URL whatever `q` holds).
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b':') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
