//! Solr's standard query parser (`defType=lucene`, CKAN's `q.op=AND`, `df=text`), rewritten
//! after Solr's `QueryParser.jj` so that CKAN queries mean in kho what they meant in Solr.
//!
//! The shape follows the JavaCC original on purpose: a lexer with the same three lexical
//! states (default, inside a range, after `^`) and the same longest-match token rules, then
//! an LL(2) recursive descent with the same productions and the same `addClause`. Where
//! Solr's behaviour is surprising (`a OR b c` makes `c` required, `a OR +b` makes `b`
//! optional, `&&x` is a term) that is kept, because existing CKAN clients depend on what
//! Solr did, not on what looks reasonable.
//!
//! Deliberate differences from Solr, each noted where it happens: limits on size, depth,
//! clause count, regex length and fuzzy distance; whitespace of any kind separates range
//! bounds; local parameters and `^=` are refused rather than executed.

use std::ops::Bound;

use super::ast::{Clause, Occur, Query, WildPart};
use super::{
    shorten, too_long, ParseError, ParseErrorKind, MAX_CLAUSES, MAX_DEPTH, MAX_FUZZY_DISTANCE,
    MAX_INPUT_BYTES, MAX_REGEX_BYTES,
};

/// Parses `input` as Solr's standard query parser would with `q.op=AND`.
///
/// The result keeps field names and values raw (escapes removed): which fields exist, how
/// their text is analysed and how date math resolves is the compiler's business. A query
/// that is a single required or optional clause comes back as that clause's query, not as
/// a one-clause [`Query::Bool`].
///
/// Blank input is a syntax error, as in Lucene; Solr's callers (and kho's) treat a blank
/// `q` as "no query" and skip a blank `fq` before ever parsing.
pub fn parse_lucene(input: &str) -> Result<Query, ParseError> {
    if input.len() > MAX_INPUT_BYTES {
        return Err(too_long("query"));
    }
    let tokens = Lexer::new(input).run()?;
    Parser {
        input,
        tokens,
        pos: 0,
        clauses: 0,
        depth: 0,
    }
    .top()
}

// ---------------------------------------------------------------------------------------
// Character classes (Solr's `_WHITESPACE`, `_TERM_START_CHAR`, `_TERM_CHAR`); also used by
// `ast`'s renderer to know what must be escaped.

/// Whitespace between tokens. Other Unicode spaces (U+00A0, ...) are term characters in
/// Solr and stay so here.
pub(super) fn is_ws(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\u{3000}')
}

/// A character that may start a term unescaped.
pub(super) fn is_term_start(c: char) -> bool {
    !is_ws(c)
        && !matches!(
            c,
            '+' | '-'
                | '!'
                | '('
                | ')'
                | ':'
                | '^'
                | '['
                | ']'
                | '"'
                | '{'
                | '}'
                | '~'
                | '*'
                | '?'
                | '\\'
                | '/'
        )
}

/// A character that may continue a term unescaped: also `-`, `+`, `/` and `!`, so that
/// `wi-fi`, `c++`, `a/b` are single terms.
pub(super) fn is_term_char(c: char) -> bool {
    is_term_start(c) || matches!(c, '-' | '+' | '/' | '!')
}

// ---------------------------------------------------------------------------------------
// Lexer

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    And,
    Or,
    Not,
    Plus,
    Minus,
    /// `+`, `-` or `!` followed by whitespace: Solr makes it a term of that one character.
    BareOper,
    LParen,
    RParen,
    Colon,
    Star,
    Caret,
    Quoted,
    Term,
    FuzzySlop,
    PrefixTerm,
    WildTerm,
    Regex,
    RangeInStart,
    RangeExStart,
    /// Solr's `filter(...)`: a group that is cached and does not score.
    Filter,
    Number,
    RangeTo,
    RangeInEnd,
    RangeExEnd,
    RangeQuoted,
    RangeGoop,
    Eof,
}

#[derive(Debug, Clone, Copy)]
struct Token<'a> {
    kind: Kind,
    /// The token's full image (quotes, slashes and `~` included).
    text: &'a str,
    /// Byte offset in the input.
    start: usize,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Default,
    Range,
    Boost,
}

struct Lexer<'a> {
    input: &'a str,
    pos: usize,
    mode: Mode,
}

impl<'a> Lexer<'a> {
    fn new(input: &'a str) -> Self {
        Self {
            input,
            pos: 0,
            mode: Mode::Default,
        }
    }

    /// All tokens, ending with one `Eof`. Lexing is driven by the input alone (as JavaCC's
    /// token manager is), so doing it up front gives the same tokens as doing it lazily.
    fn run(mut self) -> Result<Vec<Token<'a>>, ParseError> {
        let mut tokens = Vec::new();
        loop {
            let token = match self.mode {
                Mode::Default => self.next_default()?,
                Mode::Range => self.next_range(),
                Mode::Boost => self.next_boost()?,
            };
            tokens.push(token);
            if token.kind == Kind::Eof {
                return Ok(tokens);
            }
        }
    }

    fn rest(&self) -> &'a str {
        &self.input[self.pos..]
    }

    fn token(&mut self, kind: Kind, end: usize) -> Token<'a> {
        let token = Token {
            kind,
            text: &self.input[self.pos..end],
            start: self.pos,
        };
        self.pos = end;
        token
    }

    fn error(&self, at: usize, reason: &str) -> ParseError {
        let (line, column) = line_column(self.input, at);
        ParseError::cannot_parse(
            ParseErrorKind::Syntax,
            self.input,
            &format!("Lexical error at line {line}, column {column}: {reason}"),
        )
    }

    /// Skips whitespace and Solr's nestable `/* comments */`. An unclosed comment runs to
    /// the end of the input, as in Solr.
    fn skip_ignored(&mut self) {
        loop {
            let rest = self.rest();
            let trimmed = rest.trim_start_matches(is_ws);
            self.pos += rest.len() - trimmed.len();
            if !trimmed.starts_with("/*") {
                return;
            }
            self.pos += 2;
            let mut depth = 1usize;
            while depth > 0 {
                let rest = self.rest();
                if rest.starts_with("/*") {
                    depth += 1;
                    self.pos += 2;
                } else if rest.starts_with("*/") {
                    depth -= 1;
                    self.pos += 2;
                } else if let Some(c) = rest.chars().next() {
                    self.pos += c.len_utf8();
                } else {
                    return;
                }
            }
        }
    }

    fn next_default(&mut self) -> Result<Token<'a>, ParseError> {
        self.skip_ignored();
        let start = self.pos;
        let mut chars = self.rest().chars();
        let Some(c) = chars.next() else {
            return Ok(self.token(Kind::Eof, start));
        };
        let next = chars.next();
        let one = start + c.len_utf8();
        let token = match c {
            '(' => self.token(Kind::LParen, one),
            ')' => self.token(Kind::RParen, one),
            ':' => self.token(Kind::Colon, one),
            '^' => {
                self.mode = Mode::Boost;
                self.token(Kind::Caret, one)
            }
            '[' => {
                self.mode = Mode::Range;
                self.token(Kind::RangeInStart, one)
            }
            '{' if next == Some('!') => {
                return Err(ParseError::cannot_parse(
                    ParseErrorKind::Unsupported,
                    self.input,
                    "Local parameters are not supported",
                ));
            }
            '{' => {
                self.mode = Mode::Range;
                self.token(Kind::RangeExStart, one)
            }
            '"' => {
                let end = self.quoted_end(start)?;
                self.token(Kind::Quoted, end)
            }
            '~' => {
                let end = one + number_len(&self.input[one..]);
                self.token(Kind::FuzzySlop, end)
            }
            '/' => match regex_end(self.input, start) {
                Some(end) => self.token(Kind::Regex, end),
                None => {
                    return Err(self.error(
                        start,
                        "a '/' starts a regular expression that is never closed \
                         (write '\\/' for a literal slash)",
                    ))
                }
            },
            '+' | '-' | '!' if next.is_some_and(is_ws) => self.token(Kind::BareOper, one),
            '+' => self.token(Kind::Plus, one),
            '-' => self.token(Kind::Minus, one),
            '!' => self.token(Kind::Not, one),
            '*' | '?' | '\\' => self.term_like(start)?,
            c if is_term_start(c) => self.term_like(start)?,
            c => {
                return Err(self.error(start, &format!("unexpected '{c}'")));
            }
        };
        Ok(token)
    }

    /// End (exclusive) of a `"phrase"` starting at `start`: backslash escapes anything.
    fn quoted_end(&self, start: usize) -> Result<usize, ParseError> {
        let mut chars = self.input[start + 1..].char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '"' => return Ok(start + 1 + i + 1),
                '\\' if chars.next().is_none() => break,
                _ => {}
            }
        }
        Err(self.error(start, "a '\"' opens a phrase that is never closed"))
    }

    /// A term, prefix term, wildcard term, `*`, an operator word or `filter(`: Solr's
    /// `TERM`, `PREFIXTERM`, `WILDTERM`, `STAR`, `AND`/`OR`/`NOT` and `FILTER`, which all
    /// compete for the same characters; the longest match wins, then the first declared.
    fn term_like(&mut self, start: usize) -> Result<Token<'a>, ParseError> {
        let mut end = start;
        let mut wildcards = 0usize;
        let mut ends_with_star = false;
        let mut chars = self.input[start..].chars();
        while let Some(c) = chars.next() {
            if c == '\\' {
                let Some(escaped) = chars.next() else { break };
                end += 1 + escaped.len_utf8();
                ends_with_star = false;
                continue;
            }
            let wild = c == '*' || c == '?';
            let ok = wild
                || if end == start {
                    is_term_start(c)
                } else {
                    is_term_char(c)
                };
            if !ok {
                break;
            }
            if wild {
                wildcards += 1;
            }
            ends_with_star = c == '*';
            end += c.len_utf8();
        }
        if end == start {
            // Only a backslash at the very end gets here.
            return Err(self.error(start, "a '\\' at the end of the query escapes nothing"));
        }
        let image = &self.input[start..end];
        let first = image.chars().next().unwrap_or(' ');
        let kind = if wildcards == 0 {
            match image {
                "AND" | "&&" => Kind::And,
                "OR" | "||" => Kind::Or,
                "NOT" => Kind::Not,
                "filter" if self.input[end..].starts_with('(') => {
                    return Ok(self.token(Kind::Filter, end + 1));
                }
                _ => Kind::Term,
            }
        } else if image == "*" {
            Kind::Star
        } else if wildcards == 1 && ends_with_star && first != '*' && first != '?' {
            Kind::PrefixTerm
        } else {
            Kind::WildTerm
        };
        Ok(self.token(kind, end))
    }

    /// Inside `[...]`/`{...}`: `TO`, the closing bracket, or a bound, quoted or not.
    ///
    /// Solr separates bounds by spaces only (a tab or newline becomes part of a bound and
    /// the range then fails to parse); kho accepts any whitespace.
    fn next_range(&mut self) -> Token<'a> {
        let rest = self.rest();
        self.pos += rest.len() - rest.trim_start_matches(is_ws).len();
        let start = self.pos;
        let rest = self.rest();
        match rest.chars().next() {
            None => self.token(Kind::Eof, start),
            Some(']') => {
                self.mode = Mode::Default;
                self.token(Kind::RangeInEnd, start + 1)
            }
            Some('}') => {
                self.mode = Mode::Default;
                self.token(Kind::RangeExEnd, start + 1)
            }
            Some(_) => {
                let goop = rest
                    .find(|c: char| is_ws(c) || c == ']' || c == '}')
                    .unwrap_or(rest.len());
                let quoted = if rest.starts_with('"') {
                    range_quoted_len(rest)
                } else {
                    None
                };
                match quoted {
                    Some(len) if len >= goop => self.token(Kind::RangeQuoted, start + len),
                    _ if &rest[..goop] == "TO" => self.token(Kind::RangeTo, start + goop),
                    _ => self.token(Kind::RangeGoop, start + goop),
                }
            }
        }
    }

    /// After `^`: a number, optionally `=` (constant score) and `-` prefixed. No whitespace
    /// is skipped here, as in Solr.
    fn next_boost(&mut self) -> Result<Token<'a>, ParseError> {
        let start = self.pos;
        let rest = self.rest();
        let mut len = 0;
        if rest[len..].starts_with('=') {
            len += 1;
        }
        if rest[len..].starts_with('-') {
            len += 1;
        }
        let digits = number_len(&rest[len..]);
        if digits == 0 {
            return Err(self.error(start, "a '^' must be followed by a number (the boost)"));
        }
        self.mode = Mode::Default;
        Ok(self.token(Kind::Number, start + len + digits))
    }
}

/// Length of `digits ("." digits)?` at the start of `s` (0 if it starts with no digit).
fn number_len(s: &str) -> usize {
    let digits = |s: &str| s.bytes().take_while(u8::is_ascii_digit).count();
    let int = digits(s);
    if int == 0 {
        return 0;
    }
    match s[int..].strip_prefix('.').map(digits) {
        Some(frac) if frac > 0 => int + 1 + frac,
        _ => int,
    }
}

/// End (exclusive) of Solr's `REGEXPTERM` starting with the `/` at `start`:
/// `"/" (~["*","/"] | "\\/") (~["/"] | "\\/")* "/"`. A `/` belongs to the body only right
/// after a backslash, and the longest match wins, so the token ends at the first `/` that
/// follows no backslash, or else at the last one that does.
fn regex_end(input: &str, start: usize) -> Option<usize> {
    let bytes = input.as_bytes();
    let body = start + 1;
    if matches!(bytes.get(body), None | Some(b'/') | Some(b'*')) {
        return None;
    }
    let mut last = None;
    for (i, &b) in bytes.iter().enumerate().skip(body + 1) {
        if b == b'/' {
            if bytes[i - 1] == b'\\' {
                last = Some(i + 1);
            } else {
                return Some(i + 1);
            }
        }
    }
    last
}

/// Length of Solr's `RANGE_QUOTED` at the start of `s` (which starts with `"`):
/// `"\"" (~["\""] | "\\\"")+ "\""`, the same longest-match story as [`regex_end`].
fn range_quoted_len(s: &str) -> Option<usize> {
    let bytes = s.as_bytes();
    let mut last = None;
    for (i, &b) in bytes.iter().enumerate().skip(1) {
        if b == b'"' {
            if i >= 2 && bytes[i - 1] == b'\\' {
                last = Some(i + 1);
            } else {
                return if i >= 2 { Some(i + 1) } else { last };
            }
        }
    }
    last
}

/// 1-based line and column (in characters) of byte offset `at`.
fn line_column(input: &str, at: usize) -> (usize, usize) {
    let before = &input[..at.min(input.len())];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

// ---------------------------------------------------------------------------------------
// Escapes

/// Lucene's `discardEscapeChar`: `\x` is `x`, `\uXXXX` is that UTF-16 unit (pairs make
/// one character; a lone surrogate becomes U+FFFD, as Java's UTF-8 encoder would).
fn unescape(raw: &str) -> Result<String, String> {
    if !raw.contains('\\') {
        return Ok(raw.to_owned());
    }
    let mut units: Vec<u16> = Vec::with_capacity(raw.len());
    let mut buf = [0u16; 2];
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        let c = if c == '\\' {
            match chars.next() {
                None => return Err("Term can not end with escape character.".to_owned()),
                Some('u') => {
                    let mut unit: u16 = 0;
                    for _ in 0..4 {
                        let Some(h) = chars.next() else {
                            return Err("Truncated unicode escape sequence.".to_owned());
                        };
                        let Some(digit) = h.to_digit(16) else {
                            return Err(format!(
                                "Non-hex character in Unicode escape sequence: {h}"
                            ));
                        };
                        unit = unit * 16 + digit as u16;
                    }
                    units.push(unit);
                    continue;
                }
                Some(escaped) => escaped,
            }
        } else {
            c
        };
        units.extend_from_slice(c.encode_utf16(&mut buf));
    }
    Ok(String::from_utf16_lossy(&units))
}

/// The pieces of a wildcard term: unescaped `*` and `?` are wildcards, the rest literal.
fn wildcard_parts(raw: &str) -> Result<Vec<WildPart>, String> {
    let mut parts = Vec::new();
    let mut literal_start = 0;
    let mut chars = raw.char_indices();
    while let Some((i, c)) = chars.next() {
        let part = match c {
            '\\' => {
                chars.next();
                continue;
            }
            '*' => WildPart::AnyString,
            '?' => WildPart::AnyChar,
            _ => continue,
        };
        if literal_start < i {
            parts.push(WildPart::Literal(unescape(&raw[literal_start..i])?));
        }
        parts.push(part);
        literal_start = i + 1;
    }
    if literal_start < raw.len() {
        parts.push(WildPart::Literal(unescape(&raw[literal_start..])?));
    }
    Ok(parts)
}

// ---------------------------------------------------------------------------------------
// Parser

#[derive(Clone, Copy, PartialEq, Eq)]
enum Conj {
    None,
    And,
    Or,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mods {
    None,
    Req,
    Not,
}

struct Parser<'a> {
    input: &'a str,
    tokens: Vec<Token<'a>>,
    pos: usize,
    /// Clauses added so far, in every group.
    clauses: usize,
    /// Parentheses open around the current position.
    depth: usize,
}

type PResult<T> = Result<T, ParseError>;

/// How much of a token an error message repeats.
const TOKEN_CHARS: usize = 40;

impl<'a> Parser<'a> {
    fn peek(&self, ahead: usize) -> Kind {
        self.tokens
            .get(self.pos + ahead)
            .map_or(Kind::Eof, |t| t.kind)
    }

    /// The next token; past the end, the final `Eof` again.
    fn next(&mut self) -> Token<'a> {
        let last = self.tokens.len() - 1;
        let token = self.tokens[self.pos.min(last)];
        if self.pos < last {
            self.pos += 1;
        }
        token
    }

    fn fail(&self, kind: ParseErrorKind, reason: &str) -> ParseError {
        ParseError::cannot_parse(kind, self.input, reason)
    }

    fn syntax(&self, reason: &str) -> ParseError {
        self.fail(ParseErrorKind::Syntax, reason)
    }

    fn unexpected(&self, token: Token<'_>, expecting: &str) -> ParseError {
        let (line, column) = line_column(self.input, token.start);
        let image = if token.kind == Kind::Eof {
            "<EOF>".to_owned()
        } else {
            shorten(token.text, TOKEN_CHARS)
        };
        self.syntax(&format!(
            "Encountered \"{image}\" at line {line}, column {column}. Was expecting {expecting}."
        ))
    }

    fn unescape(&self, raw: &str) -> PResult<String> {
        unescape(raw).map_err(|reason| self.syntax(&reason))
    }

    fn top(&mut self) -> PResult<Query> {
        let query = self.query(None)?;
        let token = self.next();
        if token.kind != Kind::Eof {
            return Err(self.unexpected(token, "an operator, a clause or the end of the query"));
        }
        Ok(query)
    }

    /// `Query ::= Modifiers Clause (Conjunction Modifiers Clause)*`. Solr's `MultiTerm`
    /// alternative (runs of bare terms, analysed together when `sow=false`) yields the
    /// same clauses as taking the terms one by one, so it has no production of its own.
    fn query(&mut self, field: Option<&str>) -> PResult<Query> {
        let mut clauses = Vec::new();
        let mods = self.modifiers();
        let query = self.clause(field)?;
        self.add_clause(&mut clauses, Conj::None, mods, query)?;
        while starts_clause(self.peek(0)) {
            let conj = self.conjunction();
            let mods = self.modifiers();
            let query = self.clause(field)?;
            self.add_clause(&mut clauses, conj, mods, query)?;
        }
        // One required or optional clause means its query; a lone `-x` must stay a list
        // ("everything except x").
        if clauses.len() == 1 && clauses[0].occur != Occur::MustNot {
            if let Some(clause) = clauses.pop() {
                return Ok(clause.query);
            }
        }
        Ok(Query::Bool(clauses))
    }

    fn conjunction(&mut self) -> Conj {
        match self.peek(0) {
            Kind::And => {
                self.next();
                Conj::And
            }
            Kind::Or => {
                self.next();
                Conj::Or
            }
            _ => Conj::None,
        }
    }

    fn modifiers(&mut self) -> Mods {
        match self.peek(0) {
            Kind::Plus => {
                self.next();
                Mods::Req
            }
            Kind::Minus | Kind::Not => {
                self.next();
                Mods::Not
            }
            _ => Mods::None,
        }
    }

    /// Lucene's `addClause` for the AND default operator, verbatim in effect: `AND` makes
    /// the previous clause required and `OR` makes it optional (unless it is prohibited);
    /// the new clause is prohibited after `-`/`!`/`NOT`, otherwise required unless it came
    /// after `OR`. Hence `a OR b c` is `a` and `b` optional, `c` required, and `a OR +b`
    /// leaves `b` optional.
    fn add_clause(
        &mut self,
        clauses: &mut Vec<Clause>,
        conj: Conj,
        mods: Mods,
        query: Query,
    ) -> PResult<()> {
        self.clauses += 1;
        if self.clauses > MAX_CLAUSES {
            return Err(self.fail(
                ParseErrorKind::TooManyClauses,
                &format!("too many boolean clauses (more than {MAX_CLAUSES})"),
            ));
        }
        if let Some(last) = clauses.last_mut() {
            if last.occur != Occur::MustNot {
                match conj {
                    Conj::And => last.occur = Occur::Must,
                    Conj::Or => last.occur = Occur::Should,
                    Conj::None => {}
                }
            }
        }
        let occur = if mods == Mods::Not {
            Occur::MustNot
        } else if conj == Conj::Or {
            Occur::Should
        } else {
            Occur::Must
        };
        clauses.push(Clause { occur, query });
        Ok(())
    }

    /// `Clause ::= [(TERM | "*") ":"] (Term | "(" Query ")" ["^" NUMBER] | "filter(" ...)`.
    fn clause(&mut self, field: Option<&str>) -> PResult<Query> {
        let own_field;
        let field = match (self.peek(0), self.peek(1)) {
            (Kind::Term, Kind::Colon) => {
                let name = self.next();
                self.next();
                own_field = self.unescape(name.text)?;
                Some(own_field.as_str())
            }
            (Kind::Star, Kind::Colon) => {
                self.next();
                self.next();
                Some("*")
            }
            _ => field,
        };
        let token = self.next();
        match token.kind {
            Kind::Term
            | Kind::Star
            | Kind::PrefixTerm
            | Kind::WildTerm
            | Kind::Regex
            | Kind::BareOper => self.bare_term(field, token),
            Kind::RangeInStart | Kind::RangeExStart => self.range(field, token),
            Kind::Quoted => self.phrase(field, token),
            Kind::LParen | Kind::Filter => {
                if self.depth >= MAX_DEPTH {
                    return Err(self.fail(
                        ParseErrorKind::TooDeep,
                        &format!("parentheses nested deeper than {MAX_DEPTH}"),
                    ));
                }
                self.depth += 1;
                let query = self.query(field)?;
                self.depth -= 1;
                let close = self.next();
                if close.kind != Kind::RParen {
                    return Err(self.unexpected(close, "\")\""));
                }
                let boost = self.caret_number();
                self.boost(query, boost)
            }
            _ => Err(self.unexpected(token, "a term, a phrase, a range or \"(\"")),
        }
    }

    /// `["^" NUMBER]`.
    fn caret_number(&mut self) -> Option<Token<'a>> {
        if self.peek(0) == Kind::Caret && self.peek(1) == Kind::Number {
            self.next();
            return Some(self.next());
        }
        None
    }

    /// `["^" NUMBER ["~" slop] | "~" slop ["^" NUMBER]]` after a term or phrase.
    fn term_tail(&mut self) -> (Option<Token<'a>>, Option<Token<'a>>) {
        if let Some(boost) = self.caret_number() {
            let slop = (self.peek(0) == Kind::FuzzySlop).then(|| self.next());
            (Some(boost), slop)
        } else if self.peek(0) == Kind::FuzzySlop {
            let slop = self.next();
            (self.caret_number(), Some(slop))
        } else {
            (None, None)
        }
    }

    fn bare_term(&mut self, field: Option<&str>, token: Token<'a>) -> PResult<Query> {
        let (boost, slop) = self.term_tail();
        let owned = || field.map(str::to_owned);
        let text = token.text;
        let query = match token.kind {
            Kind::Star => match_any(field),
            Kind::WildTerm => {
                let pattern = wildcard_parts(text).map_err(|r| self.syntax(&r))?;
                if pattern.iter().all(|p| *p == WildPart::AnyString) {
                    match_any(field)
                } else {
                    Query::Wildcard {
                        field: owned(),
                        pattern,
                    }
                }
            }
            Kind::PrefixTerm => Query::Wildcard {
                field: owned(),
                pattern: vec![
                    WildPart::Literal(self.unescape(&text[..text.len() - 1])?),
                    WildPart::AnyString,
                ],
            },
            Kind::Regex => {
                let pattern = &text[1..text.len() - 1];
                if pattern.len() > MAX_REGEX_BYTES {
                    return Err(self.syntax(&format!(
                        "regular expression longer than {MAX_REGEX_BYTES} bytes"
                    )));
                }
                Query::Regex {
                    field: owned(),
                    pattern: pattern.to_owned(),
                }
            }
            _ => {
                let text = self.unescape(text)?;
                match slop {
                    Some(slop) => Query::Fuzzy {
                        field: owned(),
                        distance: self.fuzzy_distance(&slop.text[1..], &text)?,
                        text,
                    },
                    None => Query::Term {
                        field: owned(),
                        text,
                    },
                }
            }
        };
        self.boost(query, boost)
    }

    /// The edit distance of `term~N`: Lucene's `handleBareFuzzy` and `floatToEdits`
    /// (`~` alone is 2; `~0.x` is the old similarity, turned into edits by term length).
    /// Lucene silently lowers a distance above 2 to 2; kho refuses it instead.
    fn fuzzy_distance(&self, slop: &str, term: &str) -> PResult<u8> {
        let similarity: f32 = slop.parse().unwrap_or(f32::from(MAX_FUZZY_DISTANCE));
        if similarity.is_finite() && similarity >= 1.0 && similarity.fract() != 0.0 {
            return Err(self.syntax("Fractional edit distances are not allowed!"));
        }
        if similarity >= 1.0 {
            if similarity > f32::from(MAX_FUZZY_DISTANCE) {
                return Err(self.syntax(&format!(
                    "fuzzy edit distance above the maximum, {MAX_FUZZY_DISTANCE}"
                )));
            }
            return Ok(similarity as u8);
        }
        if similarity == 0.0 {
            return Ok(0);
        }
        let length = term.chars().count() as f64;
        let edits = ((1.0 - f64::from(similarity)) * length) as u64;
        Ok(edits.min(u64::from(MAX_FUZZY_DISTANCE)) as u8)
    }

    fn phrase(&mut self, field: Option<&str>, token: Token<'a>) -> PResult<Query> {
        let (boost, slop) = self.term_tail();
        let text = self.unescape(&token.text[1..token.text.len() - 1])?;
        // Java's `(int) Float.parseFloat(..)`: truncated, saturating; `~` alone is 0.
        let slop = slop
            .and_then(|s| s.text[1..].parse::<f32>().ok())
            .map_or(0, |s| s.min(i32::MAX as f32) as u32);
        let query = Query::Phrase {
            field: field.map(str::to_owned),
            text,
            slop,
        };
        self.boost(query, boost)
    }

    /// `("[" | "{") bound "TO" bound ("]" | "}") ["^" NUMBER]`; `*` is open, `"*"` is a
    /// literal star. Fully open ranges mean "has a value", like `field:*`.
    fn range(&mut self, field: Option<&str>, open: Token<'a>) -> PResult<Query> {
        let lower = self.range_bound()?;
        let to = self.next();
        if to.kind != Kind::RangeTo {
            return Err(self.unexpected(to, "\"TO\""));
        }
        let upper = self.range_bound()?;
        let close = self.next();
        let upper_inclusive = match close.kind {
            Kind::RangeInEnd => true,
            Kind::RangeExEnd => false,
            _ => return Err(self.unexpected(close, "\"]\" or \"}\"")),
        };
        let boost = self.caret_number();
        let bound = |value: Option<String>, inclusive: bool| match value {
            None => Bound::Unbounded,
            Some(v) if inclusive => Bound::Included(v),
            Some(v) => Bound::Excluded(v),
        };
        let query = if lower.is_none() && upper.is_none() {
            match_any(field)
        } else {
            Query::Range {
                field: field.map(str::to_owned),
                lower: bound(lower, open.kind == Kind::RangeInStart),
                upper: bound(upper, upper_inclusive),
            }
        };
        self.boost(query, boost)
    }

    /// One range bound; `None` for an unquoted `*`.
    fn range_bound(&mut self) -> PResult<Option<String>> {
        let token = self.next();
        let raw = match token.kind {
            Kind::RangeQuoted => &token.text[1..token.text.len() - 1],
            Kind::RangeGoop if token.text == "*" => return Ok(None),
            Kind::RangeGoop | Kind::RangeTo => token.text,
            _ => return Err(self.unexpected(token, "a range bound")),
        };
        self.unescape(raw).map(Some)
    }

    /// Wraps `query` in the boost of `^N`, refusing what Lucene refuses (negative boosts)
    /// and what kho does not do (`^=N`, Solr's constant score).
    fn boost(&self, query: Query, number: Option<Token<'_>>) -> PResult<Query> {
        let Some(number) = number else {
            return Ok(query);
        };
        let text = number.text;
        if text.starts_with('=') {
            return Err(self.fail(
                ParseErrorKind::Unsupported,
                "constant score boosts (^=) are not supported",
            ));
        }
        if text.starts_with('-') {
            return Err(self.syntax(&format!(
                "boost must be a positive number, got {}",
                shorten(text, TOKEN_CHARS)
            )));
        }
        match text.parse::<f32>() {
            Ok(boost) if boost.is_finite() => Ok(Query::Boost {
                query: Box::new(query),
                boost,
            }),
            _ => Err(self.syntax("boost is too large")),
        }
    }
}

/// Tokens that may begin `Conjunction Modifiers Clause`, i.e. that continue a query.
fn starts_clause(kind: Kind) -> bool {
    matches!(
        kind,
        Kind::And
            | Kind::Or
            | Kind::Not
            | Kind::Plus
            | Kind::Minus
            | Kind::BareOper
            | Kind::LParen
            | Kind::Star
            | Kind::Quoted
            | Kind::Term
            | Kind::PrefixTerm
            | Kind::WildTerm
            | Kind::Regex
            | Kind::RangeInStart
            | Kind::RangeExStart
            | Kind::Filter
    )
}

/// `*` (or `[* TO *]`): every document with no field or with field `*`, as in Solr;
/// otherwise "the field has a value".
fn match_any(field: Option<&str>) -> Query {
    match field {
        None | Some("*") => Query::All,
        Some(field) => Query::Exists {
            field: field.to_owned(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Occur::{Must, MustNot, Should};

    fn parse(q: &str) -> Query {
        parse_lucene(q).unwrap_or_else(|e| panic!("{q:?}: {e}"))
    }

    fn err(q: &str) -> ParseError {
        match parse_lucene(q) {
            Ok(parsed) => panic!("{q:?} parsed as {parsed:?}"),
            Err(e) => e,
        }
    }

    fn term(text: &str) -> Query {
        Query::Term {
            field: None,
            text: text.into(),
        }
    }

    fn fterm(field: &str, text: &str) -> Query {
        Query::Term {
            field: Some(field.into()),
            text: text.into(),
        }
    }

    fn bool_(clauses: &[(Occur, Query)]) -> Query {
        Query::Bool(
            clauses
                .iter()
                .map(|(occur, query)| Clause {
                    occur: *occur,
                    query: query.clone(),
                })
                .collect(),
        )
    }

    fn occurs(q: &str) -> Vec<Occur> {
        match parse(q) {
            Query::Bool(clauses) => clauses.iter().map(|c| c.occur).collect(),
            other => panic!("{q:?} is not a list: {other:?}"),
        }
    }

    #[test]
    fn terms_and_fields() {
        assert_eq!(parse("water"), term("water"));
        assert_eq!(parse("  water\n"), term("water"));
        assert_eq!(parse("tags:economy"), fterm("tags", "economy"));
        assert_eq!(parse("tags : economy"), fterm("tags", "economy"));
        assert_eq!(parse("extras_my-key:v"), fterm("extras_my-key", "v"));
        assert_eq!(parse("12:30"), fterm("12", "30"));
        assert_eq!(parse("url:http\\://x/y"), fterm("url", "http://x/y"));
        assert_eq!(parse("wi-fi"), term("wi-fi"));
        assert_eq!(parse("c++"), term("c++"));
        assert_eq!(parse("a!b"), term("a!b"));
        assert_eq!(parse("hà_nội"), term("hà_nội"));
    }

    #[test]
    fn lowercase_operators_are_terms() {
        assert_eq!(
            parse("a and b"),
            bool_(&[(Must, term("a")), (Must, term("and")), (Must, term("b"))])
        );
        assert_eq!(parse("ANDROID"), term("ANDROID"));
        assert_eq!(parse("&&x"), term("&&x"));
    }

    #[test]
    fn default_operator_is_and() {
        assert_eq!(parse("a b"), bool_(&[(Must, term("a")), (Must, term("b"))]));
    }

    #[test]
    fn add_clause_semantics() {
        assert_eq!(occurs("a OR b c"), [Should, Should, Must]);
        assert_eq!(occurs("a AND b OR c"), [Must, Should, Should]);
        assert_eq!(occurs("-a b"), [MustNot, Must]);
        assert_eq!(occurs("a OR b"), [Should, Should]);
        assert_eq!(occurs("a || b && c"), [Should, Must, Must]);
        assert_eq!(occurs("a OR +b"), [Should, Should]);
        assert_eq!(occurs("+a OR b"), [Should, Should]);
        assert_eq!(occurs("-a OR b"), [MustNot, Should]);
        assert_eq!(occurs("a OR -b"), [Should, MustNot]);
        assert_eq!(occurs("a NOT b"), [Must, MustNot]);
        assert_eq!(occurs("a AND NOT b"), [Must, MustNot]);
        assert_eq!(occurs("a !b"), [Must, MustNot]);
        assert_eq!(occurs("-a AND b"), [MustNot, Must]);
        assert_eq!(
            parse("organization:x OR organization:y metadata_modified:[2026-01-01T00:00:00Z TO *]"),
            bool_(&[
                (Should, fterm("organization", "x")),
                (Should, fterm("organization", "y")),
                (
                    Must,
                    Query::Range {
                        field: Some("metadata_modified".into()),
                        lower: Bound::Included("2026-01-01T00:00:00Z".into()),
                        upper: Bound::Unbounded,
                    }
                ),
            ])
        );
    }

    #[test]
    fn single_clauses_simplify_except_prohibited_ones() {
        assert_eq!(parse("+a"), term("a"));
        assert_eq!(parse("(a)"), term("a"));
        assert_eq!(parse("((a))"), term("a"));
        assert_eq!(parse("-a"), bool_(&[(MustNot, term("a"))]));
        assert_eq!(parse("(-a)"), bool_(&[(MustNot, term("a"))]));
        assert_eq!(
            parse("b (-a)"),
            bool_(&[(Must, term("b")), (Must, bool_(&[(MustNot, term("a"))]))])
        );
    }

    #[test]
    fn groups_push_their_field_down() {
        assert_eq!(
            parse("state:(active OR draft)"),
            bool_(&[
                (Should, fterm("state", "active")),
                (Should, fterm("state", "draft"))
            ])
        );
        assert_eq!(
            parse("title:(a other:b \"c d\")"),
            bool_(&[
                (Must, fterm("title", "a")),
                (Must, fterm("other", "b")),
                (
                    Must,
                    Query::Phrase {
                        field: Some("title".into()),
                        text: "c d".into(),
                        slop: 0
                    }
                ),
            ])
        );
        assert_eq!(
            parse("+permission_labels:(\"public\" OR \"creator-1\")"),
            bool_(&[
                (
                    Should,
                    Query::Phrase {
                        field: Some("permission_labels".into()),
                        text: "public".into(),
                        slop: 0
                    }
                ),
                (
                    Should,
                    Query::Phrase {
                        field: Some("permission_labels".into()),
                        text: "creator-1".into(),
                        slop: 0
                    }
                ),
            ])
        );
    }

    #[test]
    fn match_all_and_exists() {
        assert_eq!(parse("*:*"), Query::All);
        assert_eq!(parse("*"), Query::All);
        assert_eq!(parse("**"), Query::All);
        assert_eq!(parse("[* TO *]"), Query::All);
        assert_eq!(
            parse("res_format:*"),
            Query::Exists {
                field: "res_format".into()
            }
        );
        assert_eq!(
            parse("res_format:***"),
            Query::Exists {
                field: "res_format".into()
            }
        );
        assert_eq!(parse("f:[* TO *]"), Query::Exists { field: "f".into() });
        assert_eq!(
            parse("-f:[* TO *]"),
            bool_(&[(MustNot, Query::Exists { field: "f".into() })])
        );
        assert_eq!(
            parse("*:* -capacity:private"),
            bool_(&[(Must, Query::All), (MustNot, fterm("capacity", "private"))])
        );
        assert_eq!(parse("f:(*)"), Query::Exists { field: "f".into() });
    }

    #[test]
    fn phrases() {
        assert_eq!(
            parse("title:\"hà nội\""),
            Query::Phrase {
                field: Some("title".into()),
                text: "hà nội".into(),
                slop: 0
            }
        );
        assert_eq!(
            parse(r#""say \"hi\"""#),
            Query::Phrase {
                field: None,
                text: "say \"hi\"".into(),
                slop: 0
            }
        );
        assert_eq!(
            parse("\"a b\"~3"),
            Query::Phrase {
                field: None,
                text: "a b".into(),
                slop: 3
            }
        );
        assert_eq!(
            parse("\"a b\"~2.7^2"),
            Query::Boost {
                query: Box::new(Query::Phrase {
                    field: None,
                    text: "a b".into(),
                    slop: 2
                }),
                boost: 2.0
            }
        );
        assert_eq!(
            parse("\"a b\"~"),
            Query::Phrase {
                field: None,
                text: "a b".into(),
                slop: 0
            }
        );
        assert_eq!(
            parse("\"a\nb\""),
            Query::Phrase {
                field: None,
                text: "a\nb".into(),
                slop: 0
            }
        );
    }

    #[test]
    fn fuzzy() {
        let fuzzy = |text: &str, distance| Query::Fuzzy {
            field: None,
            text: text.into(),
            distance,
        };
        assert_eq!(parse("roam~"), fuzzy("roam", 2));
        assert_eq!(parse("roam~1"), fuzzy("roam", 1));
        assert_eq!(parse("roam~0"), fuzzy("roam", 0));
        assert_eq!(parse("roam ~1"), fuzzy("roam", 1));
        assert_eq!(parse("roam~0.5"), fuzzy("roam", 2));
        assert_eq!(parse("roam~0.8"), fuzzy("roam", 0));
        assert_eq!(parse("roam~2.0"), fuzzy("roam", 2));
        assert_eq!(
            parse("roam~1^3"),
            Query::Boost {
                query: Box::new(fuzzy("roam", 1)),
                boost: 3.0
            }
        );
        assert_eq!(
            parse("roam^3~1"),
            Query::Boost {
                query: Box::new(fuzzy("roam", 1)),
                boost: 3.0
            }
        );
        assert!(err("roam~3").message().contains("maximum"));
        assert!(err("roam~1.5").message().contains("Fractional"));
        assert!(err("roam~99999999999999999999999999999999999999999")
            .message()
            .contains("maximum"));
    }

    #[test]
    fn wildcards() {
        use WildPart::{AnyChar, AnyString, Literal};
        let wild = |pattern: Vec<WildPart>| Query::Wildcard {
            field: None,
            pattern,
        };
        assert_eq!(parse("te*"), wild(vec![Literal("te".into()), AnyString]));
        assert_eq!(
            parse("te?t*"),
            wild(vec![
                Literal("te".into()),
                AnyChar,
                Literal("t".into()),
                AnyString
            ])
        );
        assert_eq!(parse("*ing"), wild(vec![AnyString, Literal("ing".into())]));
        assert_eq!(parse("?"), wild(vec![AnyChar]));
        assert_eq!(
            parse("a\\*b*"),
            wild(vec![Literal("a*b".into()), AnyString])
        );
        assert_eq!(parse("a\\*"), term("a*"));
        assert_eq!(
            parse("name:*data*"),
            Query::Wildcard {
                field: Some("name".into()),
                pattern: vec![AnyString, Literal("data".into()), AnyString]
            }
        );
        // A fuzzy slop on a wildcard is ignored, as in Lucene.
        assert_eq!(parse("te*~2"), wild(vec![Literal("te".into()), AnyString]));
    }

    #[test]
    fn regexes() {
        assert_eq!(
            parse("/ab+c/"),
            Query::Regex {
                field: None,
                pattern: "ab+c".into()
            }
        );
        assert_eq!(
            parse("name:/a\\/b/"),
            Query::Regex {
                field: Some("name".into()),
                pattern: "a\\/b".into()
            }
        );
        assert_eq!(
            parse("a/b/"),
            term("a/b/"),
            "a slash inside a term is a term character"
        );
        assert!(err(&format!("/{}/", "a".repeat(257)))
            .message()
            .contains("regular expression"));
        parse(&format!("/{}/", "a".repeat(256)));
        assert!(err("a / b").message().contains("'/'"));
    }

    #[test]
    fn ranges() {
        let range = |lower: Bound<&str>, upper: Bound<&str>| Query::Range {
            field: Some("f".into()),
            lower: lower.map(str::to_owned),
            upper: upper.map(str::to_owned),
        };
        use Bound::{Excluded, Included, Unbounded};
        assert_eq!(parse("f:[a TO b]"), range(Included("a"), Included("b")));
        assert_eq!(parse("f:{a TO b}"), range(Excluded("a"), Excluded("b")));
        assert_eq!(parse("f:[a TO b}"), range(Included("a"), Excluded("b")));
        assert_eq!(parse("f:{* TO b]"), range(Unbounded, Included("b")));
        assert_eq!(
            parse("f:[NOW-1DAY TO NOW]"),
            range(Included("NOW-1DAY"), Included("NOW"))
        );
        assert_eq!(
            parse("f:[NOW/DAY-7DAYS TO NOW/DAY+1DAY}"),
            range(Included("NOW/DAY-7DAYS"), Excluded("NOW/DAY+1DAY"))
        );
        assert_eq!(
            parse("f:[\"a b\" TO \"*\"]"),
            range(Included("a b"), Included("*"))
        );
        assert_eq!(
            parse("f:[\"a\\\"b\" TO c]"),
            range(Included("a\"b"), Included("c"))
        );
        assert_eq!(parse("f:[TO TO TO]"), range(Included("TO"), Included("TO")));
        assert_eq!(
            parse("f:[\na\tTO\nb\n]"),
            range(Included("a"), Included("b"))
        );
        assert_eq!(
            parse("f:[1 TO 5]^2"),
            Query::Boost {
                query: Box::new(range(Included("1"), Included("5"))),
                boost: 2.0
            }
        );
        assert_eq!(
            parse("[a TO b]"),
            Query::Range {
                field: None,
                lower: Included("a".into()),
                upper: Included("b".into())
            }
        );
        assert!(err("f:[a TO").message().contains("<EOF>"));
        assert!(err("f:[a b]").message().contains("TO"));
        assert!(err("f:[a TO b TO c]").message().contains("Encountered"));
    }

    #[test]
    fn boosts() {
        assert_eq!(
            parse("a^2.5"),
            Query::Boost {
                query: Box::new(term("a")),
                boost: 2.5
            }
        );
        assert_eq!(
            parse("(a b)^2"),
            Query::Boost {
                query: Box::new(bool_(&[(Must, term("a")), (Must, term("b"))])),
                boost: 2.0
            }
        );
        assert_eq!(
            parse("(a^2)^3"),
            Query::Boost {
                query: Box::new(Query::Boost {
                    query: Box::new(term("a")),
                    boost: 2.0
                }),
                boost: 3.0
            }
        );
        assert!(err("a^").message().contains("number"));
        assert!(err("a^ 2").message().contains("number"));
        assert!(err("^2").message().contains("Encountered"));
        assert!(err("^").message().contains("number"));
        assert!(err("a^-1").message().contains("positive"));
        assert_eq!(err("a^=2").kind(), ParseErrorKind::Unsupported);
        assert!(err(&format!("a^{}", "9".repeat(60)))
            .message()
            .contains("too large"));
    }

    #[test]
    fn escapes() {
        assert_eq!(parse("a\\ b"), term("a b"));
        assert_eq!(parse("\\(1\\+1\\)\\:2"), term("(1+1):2"));
        assert_eq!(parse("\\u0041b"), term("Ab"));
        assert_eq!(parse("\\uD83D\\uDE00"), term("😀"));
        assert_eq!(parse("\\uD83D"), term("\u{FFFD}"));
        assert_eq!(parse("\\AND"), term("AND"));
        assert_eq!(parse("\\-a"), term("-a"));
        assert!(err("\\u00").message().contains("Truncated"));
        assert!(err("\\u00zz").message().contains("Non-hex"));
        assert!(err("a\\").message().contains("escapes nothing"));
    }

    #[test]
    fn bare_operators_are_terms() {
        assert_eq!(
            parse("a - b"),
            bool_(&[(Must, term("a")), (Must, term("-")), (Must, term("b"))])
        );
    }

    #[test]
    fn comments_and_filter() {
        assert_eq!(parse("a /* b /* nested */ c */ d").to_string(), "+a +d");
        assert_eq!(parse("a /* never closed"), term("a"));
        assert_eq!(
            parse("filter(a b)"),
            bool_(&[(Must, term("a")), (Must, term("b"))])
        );
        assert_eq!(
            parse("filter (a)"),
            bool_(&[(Must, term("filter")), (Must, term("a"))])
        );
    }

    #[test]
    fn syntax_errors() {
        for q in [
            "",
            "   ",
            "a AND (b",
            "a)",
            "(a",
            "\"a",
            "a AND",
            "AND a",
            "OR",
            "a AND AND b",
            "a OR OR b",
            "NOT",
            "a NOT",
            "a -",
            "title:",
            "title: ",
            "a:b:c",
            "]",
            "a }",
            "()",
            "-",
            "+",
            "!",
            ":a",
        ] {
            assert_eq!(err(q).kind(), ParseErrorKind::Syntax, "{q:?}");
        }
        let message = err("a AND (b").to_string();
        assert_eq!(
            message,
            "Cannot parse 'a AND (b': Encountered \"<EOF>\" at line 1, column 9. Was expecting \")\"."
        );
    }

    #[test]
    fn local_params_are_refused() {
        for q in ["{!lucene}a", "{!func}x", "a {!term f=x}y"] {
            let e = err(q);
            assert_eq!(e.kind(), ParseErrorKind::Unsupported);
            assert!(e.message().contains("Local parameters are not supported"));
        }
        // Inside a range, `{!` is just text.
        parse("f:[{!a TO b]");
    }

    #[test]
    fn limits() {
        assert_eq!(
            err(&"a ".repeat(MAX_INPUT_BYTES)).kind(),
            ParseErrorKind::TooLong
        );
        let nested = |n: usize| format!("{}a{}", "(".repeat(n), ")".repeat(n));
        assert_eq!(parse(&nested(MAX_DEPTH)), term("a"));
        assert_eq!(err(&nested(MAX_DEPTH + 1)).kind(), ParseErrorKind::TooDeep);
        assert_eq!(err(&"(".repeat(10_000)).kind(), ParseErrorKind::TooDeep);
        parse(&"a ".repeat(MAX_CLAUSES));
        let e = err(&"a ".repeat(MAX_CLAUSES + 1));
        assert_eq!(e.kind(), ParseErrorKind::TooManyClauses);
        assert!(e.message().contains("too many boolean clauses"));
        // Groups count too.
        assert_eq!(
            err(&"(a b) ".repeat(400)).kind(),
            ParseErrorKind::TooManyClauses
        );
    }

    #[test]
    fn ckan_filter_queries() {
        for q in [
            "+site_id:\"default\" +state:active",
            "+capacity:public  +state:(active OR draft)",
            "+dataset_type:dataset -organization:x",
            "groups:economy",
            "+creator_user_id:0b6d3b0a-6a6d-4b5a-9b47-1b0b9b1b9b1b",
            "metadata_modified:[NOW-1YEAR TO NOW]",
            "res_format:\"CSV\" OR res_format:\"XLSX\"",
            "name:hanoi-* AND -tags:draft",
            "title:\"Hà Nội\"^4 OR notes:hanoi",
            "*:*",
        ] {
            parse(q);
        }
    }
}
