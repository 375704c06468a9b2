//! The parsed form of CKAN's `q` and `fq` (Solr's standard Lucene syntax, and dismax for a
//! plain `q`). Pure data: turning it into a Tantivy query is `crate::compile`'s job, which
//! knows the fields and their analysis.
//!
//! What [`super::parse_lucene`] produces, beyond what the types say:
//! - A [`Query::Bool`] never has zero clauses, nor a single `Must` or `Should` one: a query
//!   or parenthesised group of one required or optional clause is that clause's query
//!   (`+a`, `(a)` and `a` are all `Term a`). A single `MustNot` clause stays a `Bool`
//!   (`-a`, `(-a)`: everything except `a`).
//! - `*`, `*:*`, `**` and `[* TO *]` without a field (or with field `*`) are
//!   [`Query::All`]; with a field they are [`Query::Exists`]. A [`Query::Wildcard`] always
//!   holds at least one wildcard and something other than `*`s, and no two adjacent
//!   literals.
//! - Text is raw, escapes removed, never analysed: a term may be something the analyser
//!   turns into nothing (Solr's bare `-` in `a - b` is the term `-`); such a clause is
//!   dropped by the compiler, as Lucene drops it.
//! - The field `*` survives only where Solr would reject it later (`*:foo`), so that the
//!   compiler reports it as an unknown field.
//!
//! `Display` writes a query back in the standard syntax, so that parsing the text gives
//! the same value again. That holds for everything the parser produces; hand-built values
//! the syntax cannot express (`[Should, Must]`: a lone optional clause next to a required
//! last one, which the AND default cannot write; an empty term or bound; a regex ending in
//! `\` followed by more query) are written as closely as possible.

use std::fmt::{self, Write as _};
use std::ops::Bound;

use super::lucene::{is_term_char, is_term_start, is_ws};

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
    /// clause (only `MustNot`) means "everything except", as in Solr. Never empty, and
    /// never a single `Must`/`Should` clause (see the module documentation).
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
    /// `/regex/`: the pattern between the slashes as written, escapes kept, since it is
    /// Lucene's regular-expression syntax (matching whole terms) for the compiler to
    /// translate.
    Regex {
        field: Option<String>,
        pattern: String,
    },
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

impl Query {
    /// Can `Display` write this query so that it parses back to itself? Not with a regex
    /// ending in `\`: Solr's lexer lets `\/` continue a regex, so whatever follows would
    /// be swallowed (Lucene rejects such patterns later).
    pub fn renders_back(&self) -> bool {
        match self {
            Query::Regex { pattern, .. } => !pattern.ends_with('\\'),
            Query::Bool(clauses) => clauses.iter().all(|c| c.query.renders_back()),
            Query::Boost { query, .. } => query.renders_back(),
            _ => true,
        }
    }
}

impl fmt::Display for Query {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Query::Bool(clauses) => write_clauses(f, clauses),
            query => write_query(f, query),
        }
    }
}

/// Clauses separated by spaces, with the conjunctions and prefixes that make Lucene's
/// `addClause` (AND default) give back exactly these occurs; see [`plan`].
fn write_clauses(f: &mut fmt::Formatter<'_>, clauses: &[Clause]) -> fmt::Result {
    if clauses.is_empty() {
        // Not producible by the parser; the closest thing that parses.
        return f.write_str("(-*:*)");
    }
    let occurs: Vec<Occur> = clauses.iter().map(|c| c.occur).collect();
    let conjs = plan(&occurs).unwrap_or_else(|| vec![Conj::None; clauses.len()]);
    for (i, (clause, conj)) in clauses.iter().zip(conjs).enumerate() {
        if i > 0 {
            f.write_char(' ')?;
        }
        match conj {
            Conj::None => {}
            Conj::And => f.write_str("AND ")?,
            Conj::Or => f.write_str("OR ")?,
        }
        match clause.occur {
            // After `OR`, `+` would be ignored anyway.
            Occur::Must if conj != Conj::Or => f.write_char('+')?,
            Occur::MustNot => f.write_char('-')?,
            _ => {}
        }
        write_query(f, &clause.query)?;
    }
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Conj {
    None,
    And,
    Or,
}

/// The conjunction to write before each clause so that parsing gives `occurs` back.
///
/// Under the AND default, a clause starts `MustNot` after `-`, `Should` after `OR` and
/// `Must` otherwise, and the next clause's `AND`/`OR` then turns it `Must`/`Should`
/// (unless it is `MustNot`). So the occur of clause `i` is settled by the conjunctions
/// before `i` and before `i + 1`: a search over "did clause `i` start `Must` or
/// `Should`". `None` when no choice works (`[Should, Must]`: a lone optional clause
/// beside required ones cannot be written).
fn plan(occurs: &[Occur]) -> Option<Vec<Conj>> {
    // How clause `i` starts: 0 = Must, 1 = Should (a `MustNot` clause's start is unused).
    let start =
        |target: Occur, conj: Conj| usize::from(target != Occur::MustNot && conj == Conj::Or);
    let settled = |started: usize, next: Conj| match next {
        Conj::And => Occur::Must,
        Conj::Or => Occur::Should,
        Conj::None if started == 1 => Occur::Should,
        Conj::None => Occur::Must,
    };
    let n = occurs.len();
    // `from[i][s]`: clause `i` can start as `s`, reached from (state of `i - 1`, conj `i`).
    let mut from: Vec<[Option<(usize, Conj)>; 2]> = vec![[None; 2]; n];
    from[0][start(occurs[0], Conj::None)] = Some((0, Conj::None));
    for i in 0..n.saturating_sub(1) {
        for state in 0..2 {
            if from[i][state].is_none() {
                continue;
            }
            for conj in [Conj::None, Conj::Or, Conj::And] {
                let fits = occurs[i] == Occur::MustNot || settled(state, conj) == occurs[i];
                let next = start(occurs[i + 1], conj);
                if fits && from[i + 1][next].is_none() {
                    from[i + 1][next] = Some((state, conj));
                }
            }
        }
    }
    let last = occurs[n - 1];
    let mut state = (0..2).find(|&s| {
        from[n - 1][s].is_some() && (last == Occur::MustNot || settled(s, Conj::None) == last)
    })?;
    let mut conjs = vec![Conj::None; n];
    for i in (1..n).rev() {
        let (prev, conj) = from[i][state]?;
        conjs[i] = conj;
        state = prev;
    }
    Some(conjs)
}

/// One query in clause position: lists in parentheses.
fn write_query(f: &mut fmt::Formatter<'_>, query: &Query) -> fmt::Result {
    match query {
        Query::All => f.write_str("*:*"),
        Query::Bool(clauses) => {
            f.write_char('(')?;
            write_clauses(f, clauses)?;
            f.write_char(')')
        }
        Query::Term { field, text } => {
            write_field(f, field)?;
            write_term(f, text)
        }
        Query::Phrase { field, text, slop } => {
            write_field(f, field)?;
            write_phrase(f, text)?;
            if *slop > 0 {
                write!(f, "~{slop}")?;
            }
            Ok(())
        }
        Query::Wildcard { field, pattern } => {
            write_field(f, field)?;
            let mut first = true;
            for part in pattern {
                match part {
                    WildPart::Literal(text) => {
                        for c in text.chars() {
                            write_term_char(f, c, first)?;
                            first = false;
                        }
                    }
                    WildPart::AnyChar => f.write_char('?')?,
                    WildPart::AnyString => f.write_char('*')?,
                }
                first = false;
            }
            Ok(())
        }
        Query::Regex { field, pattern } => {
            write_field(f, field)?;
            write!(f, "/{pattern}/")
        }
        Query::Fuzzy {
            field,
            text,
            distance,
        } => {
            write_field(f, field)?;
            write_term(f, text)?;
            write!(f, "~{distance}")
        }
        Query::Range {
            field,
            lower,
            upper,
        } => {
            write_field(f, field)?;
            f.write_char(if matches!(lower, Bound::Excluded(_)) {
                '{'
            } else {
                '['
            })?;
            write_bound(f, lower)?;
            f.write_str(" TO ")?;
            write_bound(f, upper)?;
            f.write_char(if matches!(upper, Bound::Excluded(_)) {
                '}'
            } else {
                ']'
            })
        }
        Query::Exists { field } => {
            write_term(f, field)?;
            f.write_str(":*")
        }
        Query::Boost { query, boost } => {
            // `^` follows a term, phrase, range or group; a boosted boost needs a group.
            if matches!(**query, Query::Boost { .. }) {
                f.write_char('(')?;
                write_query(f, query)?;
                f.write_char(')')?;
            } else {
                write_query(f, query)?;
            }
            write!(f, "^{boost}")
        }
    }
}

fn write_field(f: &mut fmt::Formatter<'_>, field: &Option<String>) -> fmt::Result {
    match field.as_deref() {
        None => Ok(()),
        Some("*") => f.write_str("*:"),
        Some(field) => {
            write_term(f, field)?;
            f.write_char(':')
        }
    }
}

/// A term with every character the lexer would not take as part of it escaped, and the
/// operator words escaped so they stay words.
fn write_term(f: &mut fmt::Formatter<'_>, text: &str) -> fmt::Result {
    if text.is_empty() {
        return f.write_str("\"\"");
    }
    if matches!(text, "AND" | "OR" | "NOT" | "&&" | "||") {
        f.write_char('\\')?;
    }
    for (i, c) in text.chars().enumerate() {
        write_term_char(f, c, i == 0)?;
    }
    Ok(())
}

fn write_term_char(f: &mut fmt::Formatter<'_>, c: char, first: bool) -> fmt::Result {
    let plain = if first {
        is_term_start(c)
    } else {
        is_term_char(c)
    };
    if !plain {
        f.write_char('\\')?;
    }
    f.write_char(c)
}

fn write_phrase(f: &mut fmt::Formatter<'_>, text: &str) -> fmt::Result {
    f.write_char('"')?;
    for c in text.chars() {
        if c == '"' || c == '\\' {
            f.write_char('\\')?;
        }
        f.write_char(c)?;
    }
    f.write_char('"')
}

/// A range bound: bare when it can be, quoted when that is unambiguous (no `\` or `"`),
/// otherwise bare with escapes: `\uXXXX` for the characters that would end it, and a
/// leading `!` escaped, since `{!` would read as local parameters.
fn write_bound(f: &mut fmt::Formatter<'_>, bound: &Bound<String>) -> fmt::Result {
    let value = match bound {
        Bound::Unbounded => return f.write_char('*'),
        Bound::Included(v) | Bound::Excluded(v) => v,
    };
    let ends_bare = |c: char| is_ws(c) || matches!(c, ']' | '}' | '"' | '\\');
    if value.is_empty() {
        return f.write_str("\"\"");
    }
    if value != "*" && !value.starts_with('!') && !value.contains(ends_bare) {
        return f.write_str(value);
    }
    if !value.contains(['"', '\\']) {
        return write!(f, "\"{value}\"");
    }
    for (i, c) in value.chars().enumerate() {
        match c {
            '\\' => f.write_str("\\\\")?,
            '!' if i == 0 => f.write_str("\\!")?,
            c if ends_bare(c) => write!(f, "\\u{:04X}", u32::from(c))?,
            c => f.write_char(c)?,
        }
    }
    Ok(())
}
