//! CKAN's `q` and `fq`, parsed as Solr would: the standard Lucene syntax
//! ([`parse_lucene`]), the dismax syntax of a plain `q` ([`parse_dismax`]) and Solr's date
//! math ([`parse_date`]). Pure functions over strings; the Tantivy side lives elsewhere.
//!
//! Every parser here is fed untrusted input straight from API callers, so each one is
//! bounded: input longer than [`MAX_INPUT_BYTES`] is refused up front, nesting and clause
//! counts are capped, nothing recurses without a depth limit, and nothing panics.

pub mod ast;
pub mod datemath;

mod dismax;
mod lucene;

pub use ast::{Clause, Dismax, DismaxClause, Occur, Query, WildPart};
pub use datemath::parse_date;
pub use dismax::parse_dismax;
pub use lucene::parse_lucene;

/// Longest `q`, `fq` or date value accepted, in bytes. Solr has no such limit of its own
/// (Jetty's request size does the job); 32 KiB is far beyond any hand-written query.
pub const MAX_INPUT_BYTES: usize = 32 * 1024;

/// Deepest nesting of parentheses accepted. It bounds the parser's recursion, so that no
/// input can overflow the stack.
pub const MAX_DEPTH: usize = 32;

/// Most clauses accepted in one query, counting those of every group: Solr's default
/// `maxBooleanClauses`.
pub const MAX_CLAUSES: usize = 1024;

/// Longest `/regex/` accepted, in bytes (its automaton is built per query).
pub const MAX_REGEX_BYTES: usize = 256;

/// Largest fuzzy edit distance (`term~2`): Lucene's Levenshtein automata stop at 2.
pub const MAX_FUZZY_DISTANCE: u8 = 2;

/// What kind of refusal a [`ParseError`] is, for callers that treat some differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParseErrorKind {
    /// The input is not in the syntax (unbalanced parenthesis, dangling operator, ...).
    Syntax,
    /// Longer than [`MAX_INPUT_BYTES`].
    TooLong,
    /// Parentheses nested deeper than [`MAX_DEPTH`].
    TooDeep,
    /// More than [`MAX_CLAUSES`] clauses.
    TooManyClauses,
    /// Valid Solr syntax that kho does not support (local parameters, `^=`).
    Unsupported,
    /// A date or date-math expression Solr would refuse.
    InvalidDate,
}

/// Why a query or date was refused. `Display` is the whole message, phrased like Solr's
/// (`Cannot parse 'a AND (b': Encountered "<EOF>" ...`), since it ends up in CKAN's
/// `Search Error` envelope in front of API users; long inputs are cut short in it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ParseError {
    kind: ParseErrorKind,
    message: String,
}

impl ParseError {
    /// An error with a complete, user-facing message.
    pub fn new(kind: ParseErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }

    /// `Cannot parse '<input>': <reason>`, Solr's wording, with the input cut short.
    pub(crate) fn cannot_parse(kind: ParseErrorKind, input: &str, reason: &str) -> Self {
        Self::new(kind, format!("Cannot parse '{}': {reason}", excerpt(input)))
    }

    pub fn kind(&self) -> ParseErrorKind {
        self.kind
    }

    pub fn message(&self) -> &str {
        &self.message
    }
}

/// The input as quoted in messages: at most [`EXCERPT_CHARS`] characters.
pub(crate) fn excerpt(input: &str) -> String {
    shorten(input, EXCERPT_CHARS)
}

/// `text` cut to at most `chars` characters, with `…` if anything was cut.
pub(crate) fn shorten(text: &str, chars: usize) -> String {
    match text.char_indices().nth(chars) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

/// How much of an input an error message repeats.
const EXCERPT_CHARS: usize = 200;

/// The error for input over [`MAX_INPUT_BYTES`] (never echoed: it is long by definition).
pub(crate) fn too_long(what: &str) -> ParseError {
    ParseError::new(
        ParseErrorKind::TooLong,
        format!("Cannot parse {what}: longer than {MAX_INPUT_BYTES} bytes"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpt_cuts_long_input_on_a_char_boundary() {
        let long = "ệ".repeat(EXCERPT_CHARS + 10);
        let cut = excerpt(&long);
        assert_eq!(cut.chars().count(), EXCERPT_CHARS + 1);
        assert!(cut.ends_with('…'));
        assert_eq!(excerpt("short"), "short");
    }

    #[test]
    fn message_is_the_display() {
        let e = ParseError::cannot_parse(ParseErrorKind::Syntax, "a AND", "oops");
        assert_eq!(e.to_string(), "Cannot parse 'a AND': oops");
        assert_eq!(e.kind(), ParseErrorKind::Syntax);
        assert_eq!(e.message(), e.to_string());
    }
}
