//! The parsed form of CKAN's `q` and `fq` (Solr's standard Lucene syntax, and dismax for a
//! plain `q`). Pure data: turning it into a Tantivy query is `crate::compile`'s job, which
//! knows the fields and their analysis.

use std::ops::Bound;

/// How a clause takes part in its boolean query (Lucene's `BooleanClause.Occur`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Occur {
    Must,
    Should,
    MustNot,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Clause {
    pub occur: Occur,
    pub query: Query,
}

/// One piece of a wildcard pattern, escapes already removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WildPart {
    Literal(String),
    /// `?`
    AnyChar,
    /// `*`
    AnyString,
}

/// A query in Lucene's standard syntax. `field: None` means the default field (`text`).
/// A `field:(a OR b)` group is parsed with `field` pushed down onto its terms, as Lucene
/// does, so groups carry no field themselves.
#[derive(Debug, Clone, PartialEq)]
pub enum Query {
    /// `*:*`
    All,
    /// A list of clauses, from the top level or parentheses. A list with no `Must`/`Should`
    /// clause (only `MustNot`) means "everything except", as in Solr.
    Bool(Vec<Clause>),
    /// An unquoted term, escapes removed.
    Term { field: Option<String>, text: String },
    /// `"a phrase"`, with `~slop`.
    Phrase {
        field: Option<String>,
        text: String,
        slop: u32,
    },
    /// A term with unescaped `*` or `?` (`ti*`, `t?tle`), not `*` alone.
    Wildcard {
        field: Option<String>,
        pattern: Vec<WildPart>,
    },
    /// `/regex/`
    Regex { field: Option<String>, pattern: String },
    /// `term~` or `term~N` (edit distance, 0..=2).
    Fuzzy {
        field: Option<String>,
        text: String,
        distance: u8,
    },
    /// `[a TO b]`, `{a TO b}`, mixed brackets; `*` is unbounded. Bound values are raw
    /// (escapes removed, quotes stripped); date math is resolved by the compiler, which
    /// knows whether the field holds dates.
    Range {
        field: Option<String>,
        lower: Bound<String>,
        upper: Bound<String>,
    },
    /// `field:*`: the field has any value.
    Exists { field: String },
    /// `query^2.5`
    Boost { query: Box<Query>, boost: f32 },
}

/// A plain `q` (no `:`), parsed as Solr's dismax parser does: whitespace-separated terms
/// and quoted phrases, each optionally prefixed by `+` or `-`; every other special
/// character is literal text.
#[derive(Debug, Clone, PartialEq)]
pub struct Dismax {
    pub clauses: Vec<DismaxClause>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DismaxClause {
    /// `Must` for `+x`, `MustNot` for `-x`, otherwise `Should` (then counted by `mm`).
    pub occur: Occur,
    pub text: String,
    pub phrase: bool,
}
