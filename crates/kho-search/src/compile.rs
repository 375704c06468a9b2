//! The query AST ([`crate::query::ast`]) to Tantivy queries, field by field as CKAN's Solr
//! schema treats them: exact strings match whole values (case-sensitive), text fields go
//! through the Vietnamese analysis (a folded match is required, a match with the same
//! diacritics scores more), dates take Solr date math.

use std::ops::Bound;

use chrono::NaiveDateTime;
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, DisjunctionMaxQuery, EmptyQuery, ExistsQuery,
    FuzzyTermQuery, Occur as TOccur, PhraseQuery, Query as TQuery, RangeQuery, RegexQuery,
    TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DateTime, Term};

use crate::analysis::{analyze, Stream};
use crate::query::ast::{Clause, Dismax, Occur, Query, WildPart};
use crate::query::datemath;
use crate::schema::{Fields, TextField};
use crate::SearchError;

/// How much a match with the query's own diacritics adds to a folded match.
pub const EXACT_BOOST: f32 = 2.0;
/// How much a pair of adjacent query syllables found side by side adds.
pub const BIGRAM_BOOST: f32 = 3.0;
/// Dismax's `qf` (CKAN's `QUERY_FIELDS`) and `tie`.
const DISMAX_QF: &[(&str, f32)] = &[
    ("name", 4.0),
    ("title", 4.0),
    ("tags", 2.0),
    ("groups", 2.0),
    ("text", 1.0),
];
const DISMAX_TIE: f32 = 0.1;

type Q = Box<dyn TQuery>;

/// What a field name means in this index.
enum Kind {
    Text(TextField),
    /// `extras_<key>`: a path of the two JSON text fields.
    Extra(String),
    Date(Field),
    /// Any other name: an exact string (Solr's `string` fields and its `*` dynamic field).
    Str(String),
}

pub struct Compiler<'a> {
    pub fields: &'a Fields,
    pub now: NaiveDateTime,
    /// Filters (`fq`) do not score: skip the clauses that only add score.
    pub scoring: bool,
}

fn term_q(term: Term) -> Q {
    Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs))
}

fn bool_q(clauses: Vec<(TOccur, Q)>) -> Q {
    Box::new(BooleanQuery::new(clauses))
}

/// `s` as a literal in the regex dialect Tantivy's FST regex uses (every pattern the
/// index builds from user text or field paths goes through here).
pub(crate) fn regex_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if "\\.+*?()|[]{}^$#&-~".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

impl<'a> Compiler<'a> {
    fn kind(&self, field: Option<&str>) -> Kind {
        let name = field.unwrap_or("text");
        if let Some(t) = self.fields.text(name) {
            return Kind::Text(t);
        }
        if let Some(key) = name.strip_prefix("extras_") {
            return Kind::Extra(crate::doc::clean_extra_key(key));
        }
        if let Some(d) = self.fields.date(name) {
            return Kind::Date(d);
        }
        Kind::Str(name.to_owned())
    }

    fn str_term(&self, path: &str, value: &str) -> Term {
        let mut t = Term::from_field_json_path(self.fields.strings, path, false);
        t.append_type_and_str(value);
        t
    }

    fn json_text_term(&self, field: Field, path: &str, token: &str) -> Term {
        let mut t = Term::from_field_json_path(field, path, false);
        t.append_type_and_str(token);
        t
    }

    /// Tokens of `text` in one analysis, as terms of `field` (or of a JSON path of it).
    fn terms(&self, field: Field, path: Option<&str>, text: &str, stream: Stream) -> Vec<Term> {
        analyze(text, stream)
            .iter()
            .map(|tok| match path {
                Some(p) => self.json_text_term(field, p, tok),
                None => Term::from_field_text(field, tok),
            })
            .collect()
    }

    /// One run of tokens: a term, or a phrase when the text analyses into several.
    fn sequence(terms: Vec<Term>, slop: u32) -> Option<Q> {
        match terms.len() {
            0 => None,
            1 => terms.into_iter().next().map(term_q),
            _ => Some(Box::new(PhraseQuery::new_with_offset_and_slop(
                terms.into_iter().enumerate().collect(),
                slop,
            ))),
        }
    }

    /// Analysed text against a (folded, exact) pair: the folded run must match, the exact
    /// one adds score. `None` when the text has no tokens (Lucene drops such clauses).
    fn analysed(
        &self,
        exact: Field,
        folded: Field,
        path: Option<&str>,
        text: &str,
        slop: u32,
    ) -> Option<Q> {
        let fold = Self::sequence(self.terms(folded, path, text, Stream::Folded), slop)?;
        if !self.scoring {
            return Some(fold);
        }
        match Self::sequence(self.terms(exact, path, text, Stream::Exact), slop) {
            Some(ex) => Some(bool_q(vec![
                (TOccur::Must, fold),
                (TOccur::Should, Box::new(BoostQuery::new(ex, EXACT_BOOST))),
            ])),
            None => Some(fold),
        }
    }

    fn text_match(&self, kind: &Kind, text: &str, slop: u32) -> Result<Option<Q>, SearchError> {
        Ok(match kind {
            Kind::Text(t) => self.analysed(t.exact, t.folded, None, text, slop),
            Kind::Extra(key) => self.analysed(
                self.fields.extras_exact,
                self.fields.extras_folded,
                Some(key),
                text,
                slop,
            ),
            Kind::Date(f) => {
                // The inverted index keeps dates to the second; the fast column keeps the
                // millisecond Solr compares at, so equality is a one-instant range.
                let t = Term::from_field_date(*f, self.date(text)?);
                Some(Box::new(RangeQuery::new(
                    Bound::Included(t.clone()),
                    Bound::Included(t),
                )))
            }
            Kind::Str(path) => Some(term_q(self.str_term(path, text))),
        })
    }

    fn date(&self, value: &str) -> Result<DateTime, SearchError> {
        let t =
            datemath::parse_date(value, self.now).map_err(|e| SearchError::Query(e.to_string()))?;
        Ok(crate::doc::date_from_micros(t.and_utc().timestamp_micros()))
    }

    /// A regex over the terms of `kind` (`pattern` in the analysed, folded form for text).
    fn regex(&self, kind: &Kind, pattern: &str) -> Result<Option<Q>, SearchError> {
        let (field, full) = match kind {
            Kind::Text(t) => (t.folded, pattern.to_owned()),
            Kind::Extra(key) => (
                self.fields.extras_folded,
                format!("{}\u{0}s{pattern}", regex_escape(key)),
            ),
            Kind::Str(path) => (
                self.fields.strings,
                format!("{}\u{0}s{pattern}", regex_escape(path)),
            ),
            Kind::Date(_) => {
                return Err(SearchError::Query(
                    "wildcards and regular expressions are not supported on dates".into(),
                ))
            }
        };
        RegexQuery::from_pattern(&full, field)
            .map(|q| Some(Box::new(q) as Q))
            .map_err(|e| SearchError::Query(format!("invalid regular expression: {e}")))
    }

    fn wildcard(&self, kind: &Kind, parts: &[WildPart]) -> Result<Option<Q>, SearchError> {
        let text = matches!(kind, Kind::Text(_) | Kind::Extra(_));
        let mut pattern = String::new();
        for p in parts {
            match p {
                WildPart::AnyChar => pattern.push('.'),
                WildPart::AnyString => pattern.push_str(".*"),
                WildPart::Literal(l) => {
                    // Text terms are stored folded and lower-cased: fold the literal the
                    // same way (character by character, so no syllable splitting).
                    let lit = if text {
                        kho_core::fold::fold(&l.to_lowercase())
                    } else {
                        l.clone()
                    };
                    pattern.push_str(&regex_escape(&lit));
                }
            }
        }
        self.regex(kind, &pattern)
    }

    fn range(
        &self,
        kind: &Kind,
        field: Option<&str>,
        lower: &Bound<String>,
        upper: &Bound<String>,
    ) -> Result<Option<Q>, SearchError> {
        if let (Bound::Unbounded, Bound::Unbounded) = (lower, upper) {
            return Ok(Some(self.exists(field.unwrap_or("text"))));
        }
        let map = |b: &Bound<String>,
                   f: &dyn Fn(&str) -> Result<Option<Term>, SearchError>|
         -> Result<Option<Bound<Term>>, SearchError> {
            Ok(match b {
                Bound::Unbounded => Some(Bound::Unbounded),
                Bound::Included(v) => f(v)?.map(Bound::Included),
                Bound::Excluded(v) => f(v)?.map(Bound::Excluded),
            })
        };
        let to_term = |v: &str| -> Result<Option<Term>, SearchError> {
            Ok(match kind {
                Kind::Date(f) => Some(Term::from_field_date(*f, self.date(v)?)),
                Kind::Str(path) => Some(self.str_term(path, v)),
                Kind::Text(t) => analyze(v, Stream::Folded)
                    .first()
                    .map(|tok| Term::from_field_text(t.folded, tok)),
                Kind::Extra(key) => analyze(v, Stream::Folded)
                    .first()
                    .map(|tok| self.json_text_term(self.fields.extras_folded, key, tok)),
            })
        };
        let (Some(lo), Some(hi)) = (map(lower, &to_term)?, map(upper, &to_term)?) else {
            return Ok(None);
        };
        // An open end of a range over a JSON path must stay inside that path.
        let (lo, hi) = match kind {
            Kind::Str(path) => (
                match lo {
                    Bound::Unbounded => Bound::Included(self.str_term(path, "")),
                    b => b,
                },
                match hi {
                    Bound::Unbounded => {
                        Bound::Included(self.str_term(path, "\u{10FFFF}\u{10FFFF}"))
                    }
                    b => b,
                },
            ),
            Kind::Extra(key) => (
                match lo {
                    Bound::Unbounded => {
                        Bound::Included(self.json_text_term(self.fields.extras_folded, key, ""))
                    }
                    b => b,
                },
                match hi {
                    Bound::Unbounded => Bound::Included(self.json_text_term(
                        self.fields.extras_folded,
                        key,
                        "\u{10FFFF}",
                    )),
                    b => b,
                },
            ),
            _ => (lo, hi),
        };
        Ok(Some(Box::new(RangeQuery::new(lo, hi))))
    }

    fn exists(&self, field: &str) -> Q {
        if field == "text" {
            // Every dataset has a name, and the name is in `text`.
            return Box::new(AllQuery);
        }
        if self.fields.text(field).is_some() {
            return term_q(self.str_term(crate::doc::HAS, field));
        }
        match self.fields.date(field) {
            Some(_) => Box::new(ExistsQuery::new(field.to_owned(), false)),
            None => {
                let name = format!("s.{field}");
                Box::new(ExistsQuery::new(name, false))
            }
        }
    }

    /// A parsed standard-syntax query. `None` when nothing is left to match (every term
    /// analysed away): the caller decides what an empty query means.
    pub fn compile(&self, q: &Query) -> Result<Option<Q>, SearchError> {
        Ok(match q {
            Query::All => Some(Box::new(AllQuery)),
            Query::Term { field, text } => {
                let kind = self.kind(field.as_deref());
                self.text_match(&kind, text, 0)?
            }
            Query::Phrase { field, text, slop } => {
                let kind = self.kind(field.as_deref());
                self.text_match(&kind, text, *slop)?
            }
            Query::Wildcard { field, pattern } => {
                let kind = self.kind(field.as_deref());
                self.wildcard(&kind, pattern)?
            }
            Query::Regex { field, pattern } => {
                let kind = self.kind(field.as_deref());
                let pattern = match kind {
                    Kind::Text(_) | Kind::Extra(_) => pattern.to_lowercase(),
                    _ => pattern.clone(),
                };
                self.regex(&kind, &pattern)?
            }
            Query::Fuzzy {
                field,
                text,
                distance,
            } => {
                let kind = self.kind(field.as_deref());
                let term = match &kind {
                    Kind::Text(t) => analyze(text, Stream::Folded)
                        .first()
                        .map(|tok| Term::from_field_text(t.folded, tok)),
                    Kind::Extra(key) => analyze(text, Stream::Folded)
                        .first()
                        .map(|tok| self.json_text_term(self.fields.extras_folded, key, tok)),
                    Kind::Str(path) => Some(self.str_term(path, text)),
                    Kind::Date(_) => {
                        return Err(SearchError::Query(
                            "fuzzy queries are not supported on dates".into(),
                        ))
                    }
                };
                term.map(|t| Box::new(FuzzyTermQuery::new(t, *distance, true)) as Q)
            }
            Query::Range {
                field,
                lower,
                upper,
            } => {
                let kind = self.kind(field.as_deref());
                self.range(&kind, field.as_deref(), lower, upper)?
            }
            Query::Exists { field } => Some(self.exists(field)),
            Query::Boost { query, boost } => self
                .compile(query)?
                .map(|q| Box::new(BoostQuery::new(q, *boost)) as Q),
            Query::Bool(clauses) => self.boolean(clauses)?,
        })
    }

    fn boolean(&self, clauses: &[Clause]) -> Result<Option<Q>, SearchError> {
        let mut out: Vec<(TOccur, Q)> = Vec::with_capacity(clauses.len() + 1);
        for c in clauses {
            if let Some(q) = self.compile(&c.query)? {
                out.push((occur(c.occur), q));
            }
        }
        if out.is_empty() {
            return Ok(None);
        }
        // Solr: a query of only prohibited clauses means "everything except".
        if out.iter().all(|(o, _)| *o == TOccur::MustNot) {
            out.push((TOccur::Must, Box::new(AllQuery)));
        }
        Ok(Some(bool_q(out)))
    }

    /// Solr's dismax over CKAN's `qf`, with `mm = "2<-1 5<80%"`; the bigrams of the whole
    /// query add score where its syllables stand side by side.
    pub fn dismax(&self, d: &Dismax) -> Result<Q, SearchError> {
        let mut should: Vec<Q> = Vec::new();
        let mut fixed: Vec<(TOccur, Q)> = Vec::new();
        let mut free_text: Vec<&str> = Vec::new();
        for c in &d.clauses {
            let slop = 0;
            let mut disjuncts: Vec<Q> = Vec::new();
            for (name, boost) in DISMAX_QF {
                let kind = self.kind(Some(name));
                let q = match kind {
                    Kind::Str(ref path) => Some(term_q(self.str_term(path, &c.text))),
                    ref k => self.text_match(k, &c.text, slop)?,
                };
                if let Some(q) = q {
                    disjuncts.push(Box::new(BoostQuery::new(q, *boost)));
                }
            }
            if disjuncts.is_empty() {
                continue;
            }
            let dm: Q = Box::new(DisjunctionMaxQuery::with_tie_breaker(disjuncts, DISMAX_TIE));
            match c.occur {
                Occur::Should => {
                    should.push(dm);
                    free_text.push(&c.text);
                }
                Occur::Must => {
                    fixed.push((TOccur::Must, dm));
                    free_text.push(&c.text);
                }
                Occur::MustNot => fixed.push((TOccur::MustNot, dm)),
            }
        }
        let n = should.len();
        let min = match n {
            0..=2 => n,
            3..=5 => n - 1,
            _ => n * 4 / 5,
        };
        let mut clauses = fixed;
        if n > 0 {
            let mut core =
                BooleanQuery::new(should.into_iter().map(|q| (TOccur::Should, q)).collect());
            core.set_minimum_number_should_match(min.max(1));
            clauses.push((TOccur::Must, Box::new(core)));
        }
        if clauses.is_empty() {
            return Ok(Box::new(EmptyQuery));
        }
        if clauses.iter().all(|(o, _)| *o == TOccur::MustNot) {
            clauses.push((TOccur::Must, Box::new(AllQuery)));
        }
        if self.scoring {
            let joined = free_text.join(" ");
            for name in ["title", "text"] {
                if let Some(bigram) = self.fields.text(name).and_then(|t| t.bigram) {
                    for pair in analyze(&joined, Stream::Bigram) {
                        clauses.push((
                            TOccur::Should,
                            Box::new(BoostQuery::new(
                                term_q(Term::from_field_text(bigram, &pair)),
                                BIGRAM_BOOST,
                            )),
                        ));
                    }
                }
            }
        }
        Ok(bool_q(clauses))
    }
}

fn occur(o: Occur) -> TOccur {
    match o {
        Occur::Must => TOccur::Must,
        Occur::Should => TOccur::Should,
        Occur::MustNot => TOccur::MustNot,
    }
}
