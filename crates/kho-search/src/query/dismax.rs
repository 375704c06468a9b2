//! Solr's dismax parser, which CKAN uses for a `q` without `:`. Dismax exists to take
//! whatever a user typed into a search box, so it never fails.
//!
//! Solr gets there by mangling the text before its Lucene parser sees it: if the `"`s are
//! unbalanced it drops them all (`stripUnbalancedQuotes`); it backslash-escapes every
//! special character except `"`, `+` and `-` (`partialEscape`), so `:`, `(`, `*`, `~`,
//! `^`, `!`, `\` and `/` are literal text; and it drops runs of `+`/`-` and dangling ones
//! (`stripIllegalOperators`). What is left is whitespace-separated words and quoted
//! phrases, optionally prefixed by one `+` or `-`.
//!
//! `partialEscape` leaves the words `AND`, `OR`, `NOT` and `&&`, `||` alone, so Solr's
//! parser still reads them as operators (with dismax's default operator, OR): `a AND b`
//! makes both required, `NOT a` prohibits `a`, `a OR b` is just `a b`. That is kept. Where
//! Solr would then fail (`AND` at either end, `a AND OR b`), the word is taken as text
//! instead, to keep the never-fails promise.

use super::ast::{Dismax, DismaxClause, Occur};
use super::lucene::is_ws;
use super::{MAX_CLAUSES, MAX_INPUT_BYTES};

/// Parses a plain `q` as Solr's dismax would (with its default operator OR; `mm` is the
/// compiler's business and applies to the `Should` clauses).
///
/// Bounded like the Lucene parser, but without failing: only the first
/// [`MAX_INPUT_BYTES`] of the input are read, and clauses past [`MAX_CLAUSES`] are
/// dropped. Callers wanting an error for over-long input check the length first. No
/// clauses at all (blank input, lone operators) means there is nothing to search for.
pub fn parse_dismax(input: &str) -> Dismax {
    let mut end = input.len().min(MAX_INPUT_BYTES);
    while !input.is_char_boundary(end) {
        end -= 1;
    }
    let input = &input[..end];
    let quotes_balanced = input.matches('"').count().is_multiple_of(2);
    let owned;
    let text = if quotes_balanced {
        input
    } else {
        owned = input.replace('"', "");
        &owned
    };
    let items = tokenize(text);
    Dismax {
        clauses: combine(&items),
    }
}

/// One word or phrase, with the `+`/`-` written right before it.
#[derive(Debug)]
struct Item<'a> {
    text: &'a str,
    phrase: bool,
    prefix: Option<char>,
}

impl Item<'_> {
    /// `AND`, `OR` or `NOT` as written by Solr's grammar (`&&` and `||` included).
    fn operator(&self) -> Option<Op> {
        if self.phrase || self.prefix.is_some() {
            return None;
        }
        match self.text {
            "AND" | "&&" => Some(Op::And),
            "OR" | "||" => Some(Op::Or),
            "NOT" => Some(Op::Not),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    And,
    Or,
    Not,
}

/// Splits on whitespace and `"`. Quotes are balanced here (or gone), so every opening
/// quote has its closing one.
fn tokenize(text: &str) -> Vec<Item<'_>> {
    let mut items = Vec::new();
    let mut rest = text;
    loop {
        rest = rest.trim_start_matches(is_ws);
        if rest.is_empty() {
            return items;
        }
        // A run of `+`/`-`: one is a prefix if a word or phrase follows at once; a lone
        // one followed by whitespace is Solr's "bare operator", a term that analyses to
        // nothing; two or more are dropped by Solr's `stripIllegalOperators`.
        let ops = rest.len() - rest.trim_start_matches(['+', '-']).len();
        let after = &rest[ops..];
        let attached = after.chars().next().is_some_and(|c| !is_ws(c));
        let prefix = match (ops, attached) {
            (1, true) => rest.chars().next(),
            _ => None,
        };
        rest = after;
        if !attached {
            continue;
        }
        if let Some(body) = rest.strip_prefix('"') {
            let close = body.find('"').unwrap_or(body.len());
            let phrase = &body[..close];
            rest = body.get(close + 1..).unwrap_or("");
            if !phrase.trim_matches(is_ws).is_empty() {
                items.push(Item {
                    text: phrase,
                    phrase: true,
                    prefix,
                });
            }
        } else {
            let len = rest
                .find(|c: char| is_ws(c) || c == '"')
                .unwrap_or(rest.len());
            items.push(Item {
                text: &rest[..len],
                phrase: false,
                prefix,
            });
            rest = &rest[len..];
        }
    }
}

/// Applies operators and prefixes as Lucene's `addClause` does with default operator OR.
fn combine(items: &[Item<'_>]) -> Vec<DismaxClause> {
    let mut clauses: Vec<DismaxClause> = Vec::new();
    let mut conj: Option<Op> = None;
    let mut negated = false;
    for (i, item) in items.iter().enumerate() {
        let more = i + 1 < items.len();
        match item.operator() {
            Some(op @ (Op::And | Op::Or))
                if more && conj.is_none() && !negated && !clauses.is_empty() =>
            {
                conj = Some(op);
                continue;
            }
            Some(Op::Not) if more && !negated => {
                negated = true;
                continue;
            }
            _ => {}
        }
        let and = conj.take() == Some(Op::And);
        if and {
            if let Some(last) = clauses.last_mut() {
                if last.occur != Occur::MustNot {
                    last.occur = Occur::Must;
                }
            }
        }
        let occur = if std::mem::take(&mut negated) || item.prefix == Some('-') {
            Occur::MustNot
        } else if item.prefix == Some('+') || and {
            Occur::Must
        } else {
            Occur::Should
        };
        if clauses.len() < MAX_CLAUSES {
            clauses.push(DismaxClause {
                occur,
                text: item.text.to_owned(),
                phrase: item.phrase,
            });
        }
    }
    clauses
}

#[cfg(test)]
mod tests {
    use super::*;
    use Occur::{Must, MustNot, Should};

    fn parse(q: &str) -> Vec<(Occur, &'static str, bool)> {
        parse_dismax(q)
            .clauses
            .into_iter()
            .map(|c| (c.occur, &*String::leak(c.text), c.phrase))
            .collect()
    }

    #[test]
    fn words_and_phrases() {
        assert_eq!(
            parse("water quality"),
            [(Should, "water", false), (Should, "quality", false)]
        );
        assert_eq!(
            parse("  \"hà nội\"  dân số\n"),
            [
                (Should, "hà nội", true),
                (Should, "dân", false),
                (Should, "số", false)
            ]
        );
        assert_eq!(
            parse("a\"b c\"d"),
            [
                (Should, "a", false),
                (Should, "b c", true),
                (Should, "d", false)
            ]
        );
        assert!(parse("").is_empty());
        assert!(parse(" \u{3000}\t").is_empty());
        assert!(parse("\"\" \"  \"").is_empty());
    }

    #[test]
    fn prefixes() {
        assert_eq!(
            parse("+a -b c"),
            [
                (Must, "a", false),
                (MustNot, "b", false),
                (Should, "c", false)
            ]
        );
        assert_eq!(parse("-\"x y\""), [(MustNot, "x y", true)]);
        assert_eq!(
            parse("wi-fi c++"),
            [(Should, "wi-fi", false), (Should, "c++", false)]
        );
        assert_eq!(
            parse("a - b +"),
            [(Should, "a", false), (Should, "b", false)]
        );
        assert_eq!(
            parse("+-a --b"),
            [(Should, "a", false), (Should, "b", false)]
        );
        assert!(parse("+ - +").is_empty());
    }

    #[test]
    fn special_characters_are_literal() {
        assert_eq!(
            parse("title:x (a) b* c~2 d^3 !e [f TO g] /h/ \\i"),
            [
                (Should, "title:x", false),
                (Should, "(a)", false),
                (Should, "b*", false),
                (Should, "c~2", false),
                (Should, "d^3", false),
                (Should, "!e", false),
                (Should, "[f", false),
                (Should, "TO", false),
                (Should, "g]", false),
                (Should, "/h/", false),
                (Should, "\\i", false),
            ]
        );
        assert_eq!(parse("{!lucene}x"), [(Should, "{!lucene}x", false)]);
    }

    #[test]
    fn unbalanced_quotes_are_dropped() {
        assert_eq!(parse("\"a b"), [(Should, "a", false), (Should, "b", false)]);
        assert_eq!(
            parse("\"a b\" \"c"),
            [
                (Should, "a", false),
                (Should, "b", false),
                (Should, "c", false)
            ]
        );
        assert_eq!(parse("don\"t"), [(Should, "dont", false)]);
    }

    #[test]
    fn operators_as_solr_reads_them() {
        assert_eq!(parse("a AND b"), [(Must, "a", false), (Must, "b", false)]);
        assert_eq!(parse("a && b"), [(Must, "a", false), (Must, "b", false)]);
        assert_eq!(
            parse("a OR b"),
            [(Should, "a", false), (Should, "b", false)]
        );
        assert_eq!(
            parse("NOT a b"),
            [(MustNot, "a", false), (Should, "b", false)]
        );
        assert_eq!(
            parse("a AND NOT b"),
            [(Must, "a", false), (MustNot, "b", false)]
        );
        assert_eq!(
            parse("-a AND b"),
            [(MustNot, "a", false), (Must, "b", false)]
        );
        assert_eq!(
            parse("a and b"),
            [
                (Should, "a", false),
                (Should, "and", false),
                (Should, "b", false)
            ]
        );
        // Where Solr's grammar would fail, the word is text.
        assert_eq!(parse("AND"), [(Should, "AND", false)]);
        assert_eq!(parse("a OR"), [(Should, "a", false), (Should, "OR", false)]);
        assert_eq!(parse("OR a"), [(Should, "OR", false), (Should, "a", false)]);
        assert_eq!(
            parse("a AND OR b"),
            [
                (Must, "a", false),
                (Must, "OR", false),
                (Should, "b", false)
            ]
        );
        assert_eq!(parse("NOT"), [(Should, "NOT", false)]);
    }

    #[test]
    fn bounded() {
        let many = "a ".repeat(MAX_INPUT_BYTES);
        assert_eq!(parse_dismax(&many).clauses.len(), MAX_CLAUSES);
        let wide = "ệ".repeat(MAX_INPUT_BYTES);
        let parsed = parse_dismax(&wide);
        assert_eq!(parsed.clauses.len(), 1);
        assert!(parsed.clauses[0].text.len() <= MAX_INPUT_BYTES);
    }
}
