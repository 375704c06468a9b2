//! A graph under construction, the term constructors that refuse bad input, and the
//! serializers.

use std::collections::{HashMap, HashSet};

use oxrdf::vocab::{rdf, xsd};
use oxrdf::{BlankNode, Literal, NamedNode, NamedNodeRef, NamedOrBlankNode, Term, Triple};
use oxrdfio::{JsonLdProfileSet, RdfFormat, RdfSerializer};
use unicode_normalization::UnicodeNormalization;

use crate::{vocab, Error, Format};

/// Triples in the order they were added, without duplicates. Blank nodes are numbered
/// in order, so the same input gives the same bytes (cacheable, comparable in tests).
#[derive(Debug, Default, Clone)]
pub struct Graph {
    triples: Vec<Triple>,
    seen: HashSet<Triple>,
    blanks: usize,
}

impl Graph {
    pub fn new() -> Self {
        Self::default()
    }

    /// A fresh blank node (`b0`, `b1`, …).
    pub fn blank(&mut self) -> BlankNode {
        let n = self.blanks;
        self.blanks += 1;
        BlankNode::new_unchecked(format!("b{n}"))
    }

    pub fn add(
        &mut self,
        subject: impl Into<NamedOrBlankNode>,
        predicate: NamedNodeRef<'_>,
        object: impl Into<Term>,
    ) {
        let t = Triple::new(subject, predicate, object);
        if self.seen.insert(t.clone()) {
            self.triples.push(t);
        }
    }

    /// `subject rdf:type class`.
    pub fn typed(&mut self, subject: impl Into<NamedOrBlankNode>, class: NamedNodeRef<'_>) {
        self.add(subject, rdf::TYPE, class.into_owned());
    }

    pub fn triples(&self) -> &[Triple] {
        &self.triples
    }

    pub fn len(&self) -> usize {
        self.triples.len()
    }

    pub fn is_empty(&self) -> bool {
        self.triples.is_empty()
    }

    /// The triples grouped by subject (in order of each subject's first triple), so that
    /// Turtle writes each node once.
    fn grouped(&self) -> Vec<&Triple> {
        let mut order: HashMap<&NamedOrBlankNode, usize> = HashMap::new();
        let mut groups: Vec<Vec<&Triple>> = Vec::new();
        for t in &self.triples {
            let i = *order.entry(&t.subject).or_insert_with(|| {
                groups.push(Vec::new());
                groups.len() - 1
            });
            groups[i].push(t);
        }
        groups.into_iter().flatten().collect()
    }

    /// The graph in a serialization format.
    pub fn serialize(&self, format: Format) -> Result<Vec<u8>, Error> {
        let rdf_format = match format {
            Format::Turtle => RdfFormat::Turtle,
            Format::N3 => RdfFormat::N3,
            Format::RdfXml => RdfFormat::RdfXml,
            Format::JsonLd => RdfFormat::JsonLd {
                profile: JsonLdProfileSet::empty(),
            },
            Format::NTriples => RdfFormat::NTriples,
        };
        let mut ser = RdfSerializer::from_format(rdf_format);
        for (prefix, ns) in vocab::PREFIXES {
            ser = ser
                .with_prefix(*prefix, *ns)
                .map_err(|e| Error::Serialize(e.to_string()))?;
        }
        let mut w = ser.for_writer(Vec::new());
        for t in self.grouped() {
            w.serialize_triple(t)
                .map_err(|e| Error::Serialize(e.to_string()))?;
        }
        w.finish().map_err(|e| Error::Serialize(e.to_string()))
    }
}

/// URL schemes accepted as IRIs: anything else (a bare `example.com/x`, `javascript:`)
/// is left out rather than published as a link.
const SCHEMES: &[&str] = &["http", "https", "ftp", "ftps", "mailto", "urn", "tag"];

/// `s` as an IRI, or `None` when it is not an absolute IRI of a known scheme.
pub fn iri(s: &str) -> Option<NamedNode> {
    let s = s.trim();
    let (scheme, _) = s.split_once(':')?;
    if !SCHEMES.iter().any(|k| scheme.eq_ignore_ascii_case(k)) {
        return None;
    }
    // Only a few characters are ever needed for that: a space in a URL is common enough.
    let s = s.replace(' ', "%20");
    NamedNode::new(s).ok()
}

/// Text fit for every serialization: NFC (Vietnamese keeps one code point per letter)
/// and no control characters, which XML 1.0 cannot carry. `None` when nothing is left.
pub fn clean_text(s: &str) -> Option<String> {
    let t: String = s
        .nfc()
        .filter(|c| !c.is_control() || matches!(c, '\t' | '\n' | '\r'))
        .collect();
    if t.trim().is_empty() {
        None
    } else {
        Some(t)
    }
}

/// A plain string literal of cleaned text.
pub fn text(s: &str) -> Option<Literal> {
    clean_text(s).map(Literal::new_simple_literal)
}

/// A language-tagged literal (falls back to a plain one for a malformed tag).
pub fn lang_text(s: &str, lang: &str) -> Option<Literal> {
    let t = clean_text(s)?;
    Some(
        match Literal::new_language_tagged_literal(t.clone(), lang) {
            Ok(l) => l,
            Err(_) => Literal::new_simple_literal(t),
        },
    )
}

/// A date or timestamp as ckanext-dcat types it: `YYYY` → xsd:gYear, `YYYY-MM` →
/// xsd:gYearMonth, `YYYY-MM-DD` → xsd:date, a CKAN timestamp (UTC, no zone) →
/// xsd:dateTime; anything else a plain literal.
pub fn date(s: &str) -> Option<Literal> {
    let s = s.trim();
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    let typed = |dt: NamedNodeRef<'_>| Some(Literal::new_typed_literal(s, dt));
    match b.len() {
        0 => None,
        4 if digits(0..4) => typed(xsd::G_YEAR),
        7 if digits(0..4) && b[4] == b'-' && digits(5..7) => typed(xsd::G_YEAR_MONTH),
        10 if is_date(s) => typed(xsd::DATE),
        _ => match kho_core::time::parse(s) {
            Some(dt) => Some(Literal::new_typed_literal(
                kho_core::time::isoformat(&dt),
                xsd::DATE_TIME,
            )),
            None => text(s),
        },
    }
}

fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let part = b.get(r)?;
        if !part.iter().all(u8::is_ascii_digit) {
            return None;
        }
        part.iter().try_fold(0u32, |n, c| {
            n.checked_mul(10)?.checked_add(u32::from(c - b'0'))
        })
    };
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    match (num(0..4), num(5..7), num(8..10)) {
        (Some(y), Some(m), Some(d)) => is_valid_ymd(y, m, d),
        _ => false,
    }
}

fn is_valid_ymd(y: u32, m: u32, d: u32) -> bool {
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400) => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&d)
}

/// A typed literal.
pub fn typed(value: impl Into<String>, datatype: NamedNodeRef<'_>) -> Literal {
    Literal::new_typed_literal(value, datatype)
}
