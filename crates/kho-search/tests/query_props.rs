//! Properties of the query parsers: they never panic, whatever the input (huge, deeply
//! nested, binary-ish), what they return stays within the documented bounds, and
//! rendering a parsed query (`Display`) and parsing it again gives the same query.

use std::ops::Bound;

use chrono::{NaiveDate, NaiveDateTime};
use kho_search::query::{
    parse_date, parse_dismax, parse_lucene, Clause, Occur, ParseErrorKind, Query, WildPart,
    MAX_CLAUSES, MAX_DEPTH, MAX_FUZZY_DISTANCE, MAX_INPUT_BYTES, MAX_REGEX_BYTES,
};
use proptest::prelude::*;

/// Pieces of query syntax, so that random concatenations hit the interesting paths far
/// more often than random characters would.
const VOCAB: &[&str] = &[
    " ",
    " ",
    " ",
    "\n",
    "\t",
    "\u{3000}",
    "a",
    "b",
    "hà",
    "title",
    "x_y-z",
    "12",
    ":",
    ":",
    "(",
    ")",
    "\"",
    "AND",
    "OR",
    "NOT",
    "and",
    "&&",
    "||",
    "!",
    "+",
    "-",
    "*",
    "?",
    "~",
    "~1",
    "~0.5",
    "~3",
    "^2",
    "^",
    "^0.5",
    "^=1",
    "^-1",
    "[",
    "]",
    "{",
    "}",
    "TO",
    " TO ",
    "\\",
    "\\:",
    "\\ ",
    "\\u0041",
    "\\u00",
    "/",
    "/*",
    "*/",
    "NOW-1DAY",
    "2026-01-01T00:00:00Z",
    "é",
    "filter(",
    "{!",
    "=",
    ".",
    "'",
];

fn query_ish(max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(VOCAB), 0..max).prop_map(|v| v.concat())
}

/// Mostly well-formed queries: clauses (with prefixes, fields, boosts, slops) joined by
/// operators, nested in groups; then, sometimes, one piece of [`VOCAB`] spliced in.
fn query_like() -> impl Strategy<Value = String> {
    let atom = prop::sample::select(
        &[
            "a",
            "hà",
            "te*",
            "?x",
            "*x?",
            "\"a b\"",
            "\"\"",
            "\"say \\\"hi\\\"\"",
            "/re+/",
            "/a\\/b/",
            "[a TO b]",
            "{* TO 5]",
            "[\"x y\" TO *}",
            "[NOW-1DAY TO NOW]",
            "*",
            "**",
            "x\\:y",
            "\\AND",
            "c++",
            "w-f",
            "roam~",
            "roam~1",
            "12",
            "\\u0041",
            "and",
            "[* TO *]",
        ][..],
    );
    let tail = prop::sample::select(&["", "", "", "^2", "~1", "^0.5", "~", "~2^3", "^1~0"][..]);
    let field = prop::sample::select(&["", "", "", "title:", "x_y-z:", "*:", "12:"][..]);
    let prefix = prop::sample::select(&["", "", "", "+", "-", "!", "NOT "][..]);
    let clause = (prefix, field, atom, tail).prop_map(|(p, f, a, t)| format!("{p}{f}{a}{t}"));
    let conj = prop::sample::select(&[" ", " ", " AND ", " OR ", " && ", " || ", "\n"][..]);
    let inner_conj = conj.clone();
    let query = clause.prop_recursive(4, 24, 4, move |inner| {
        (
            prop::collection::vec((inner_conj.clone(), inner), 1..4),
            prop::sample::select(&["", "", "-", "+", "title:"][..]),
            prop::sample::select(&["", "", "^3"][..]),
        )
            .prop_map(|(parts, prefix, boost)| {
                let mut group = format!("{prefix}(");
                for (i, (conj, clause)) in parts.iter().enumerate() {
                    if i > 0 {
                        group.push_str(conj);
                    }
                    group.push_str(clause);
                }
                group.push(')');
                group.push_str(boost);
                group
            })
    });
    (
        prop::collection::vec((conj, query), 1..4),
        prop::option::weighted(
            0.2,
            (any::<prop::sample::Index>(), prop::sample::select(VOCAB)),
        ),
    )
        .prop_map(|(parts, splice)| {
            let mut text = String::new();
            for (i, (conj, clause)) in parts.iter().enumerate() {
                if i > 0 {
                    text.push_str(conj);
                }
                text.push_str(clause);
            }
            if let Some((at, piece)) = splice {
                let mut cut = at.index(text.len() + 1);
                while !text.is_char_boundary(cut) {
                    cut -= 1;
                }
                text.insert_str(cut, piece);
            }
            text
        })
}

fn nodes(q: &Query) -> usize {
    match q {
        Query::Bool(clauses) => 1 + clauses.iter().map(|c| nodes(&c.query)).sum::<usize>(),
        Query::Boost { query, .. } => 1 + nodes(query),
        _ => 1,
    }
}

fn depth(q: &Query) -> usize {
    match q {
        Query::Bool(clauses) => 1 + clauses.iter().map(|c| depth(&c.query)).max().unwrap_or(0),
        Query::Boost { query, .. } => 1 + depth(query),
        _ => 1,
    }
}

fn bool_clauses(q: &Query) -> usize {
    match q {
        Query::Bool(clauses) => {
            clauses.len()
                + clauses
                    .iter()
                    .map(|c| bool_clauses(&c.query))
                    .sum::<usize>()
        }
        Query::Boost { query, .. } => bool_clauses(query),
        _ => 0,
    }
}

/// The documented shape of every parser result.
fn check_invariants(q: &Query) {
    match q {
        Query::Bool(clauses) => {
            assert!(!clauses.is_empty(), "empty Bool");
            if clauses.len() == 1 {
                assert_eq!(clauses[0].occur, Occur::MustNot, "unsimplified Bool: {q:?}");
            }
            clauses.iter().for_each(|c| check_invariants(&c.query));
        }
        Query::Boost { query, boost } => {
            assert!(boost.is_finite() && *boost >= 0.0);
            check_invariants(query);
        }
        Query::Wildcard { pattern, .. } => {
            assert!(pattern.iter().any(|p| !matches!(p, WildPart::Literal(_))));
            assert!(pattern.iter().any(|p| *p != WildPart::AnyString));
            for pair in pattern.windows(2) {
                assert!(
                    !matches!(pair, [WildPart::Literal(_), WildPart::Literal(_)]),
                    "adjacent literals: {q:?}"
                );
            }
            for part in pattern {
                if let WildPart::Literal(text) = part {
                    assert!(!text.is_empty());
                }
            }
        }
        Query::Regex { pattern, .. } => {
            assert!(!pattern.is_empty() && pattern.len() <= MAX_REGEX_BYTES);
        }
        Query::Fuzzy { distance, .. } => assert!(*distance <= MAX_FUZZY_DISTANCE),
        Query::Range { lower, upper, .. } => {
            assert!(!(lower == &Bound::Unbounded && upper == &Bound::Unbounded));
        }
        Query::Exists { field } => assert_ne!(field, "*"),
        Query::Term { text, .. } => assert!(!text.is_empty()),
        Query::All | Query::Phrase { .. } => {}
    }
}

fn check_bounded(input: &str, q: &Query) {
    assert!(input.len() <= MAX_INPUT_BYTES);
    assert!(nodes(q) <= input.len(), "{} nodes from {input:?}", nodes(q));
    // Every level of parentheses adds at most a Bool and a Boost.
    assert!(depth(q) <= 2 * (MAX_DEPTH + 1) + 1, "depth {}", depth(q));
    assert!(bool_clauses(q) <= MAX_CLAUSES);
    check_invariants(q);
}

fn check_round_trip(q: &Query) {
    let text = q.to_string();
    match parse_lucene(&text) {
        Ok(again) => assert_eq!(&again, q, "rendered as {text:?}"),
        Err(e) => panic!("{q:?} rendered as {text:?}, which fails: {e}"),
    }
}

fn check_any_input(input: &str) {
    match parse_lucene(input) {
        Ok(q) => {
            check_bounded(input, &q);
            if q.renders_back() {
                check_round_trip(&q);
            }
        }
        Err(e) => assert!(!e.message().is_empty()),
    }
    let dismax = parse_dismax(input);
    assert!(dismax.clauses.len() <= MAX_CLAUSES);
    for clause in &dismax.clauses {
        assert!(!clause.text.is_empty());
        assert!(!clause.text.contains('"'));
        assert!(clause.text.len() <= MAX_INPUT_BYTES);
        if !clause.phrase {
            assert!(!clause.text.contains([' ', '\n', '\t', '\r', '\u{3000}']));
        }
    }
    let _ = parse_date(input, now());
}

fn now() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 3, 15)
        .and_then(|d| d.and_hms_milli_opt(13, 45, 30, 250))
        .unwrap()
}

// --- A generator of the queries the parser can produce, for the render/parse round trip.

fn ident() -> impl Strategy<Value = String> {
    prop_oneof!["[a-z_][a-z0-9_-]{0,8}", "\\PC{1,4}"].prop_filter("not *", |f| f != "*")
}

fn field() -> impl Strategy<Value = Option<String>> {
    prop_oneof![Just(None), ident().prop_map(Some)]
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zà-ỹ]{1,6}",
        "\\PC{1,6}",
        ".{1,4}",
        "[\\t\\n\\r \u{3000}]{1,2}",
        Just("AND".to_owned()),
        Just("||".to_owned()),
        Just("filter".to_owned()),
    ]
}

fn wild_pattern() -> impl Strategy<Value = Vec<WildPart>> {
    let part = prop_oneof![
        text().prop_map(WildPart::Literal),
        Just(WildPart::AnyChar),
        Just(WildPart::AnyString),
    ];
    prop::collection::vec(part, 1..5)
        .prop_map(|parts| {
            let mut merged: Vec<WildPart> = Vec::new();
            for part in parts {
                match (merged.last_mut(), part) {
                    (Some(WildPart::Literal(prev)), WildPart::Literal(next)) => {
                        prev.push_str(&next)
                    }
                    (_, part) => merged.push(part),
                }
            }
            merged
        })
        .prop_filter("a real wildcard", |p| {
            p.iter().any(|x| !matches!(x, WildPart::Literal(_)))
                && p.iter().any(|x| *x != WildPart::AnyString)
        })
}

fn bound() -> impl Strategy<Value = Bound<String>> {
    let value = prop_oneof![
        "[a-zA-Z0-9:.+-]{1,8}",
        Just("NOW-1DAY/DAY".to_owned()),
        Just("*".to_owned()),
        Just("TO".to_owned()),
        "\\PC{1,5}",
        ".{1,4}",
    ];
    prop_oneof![
        Just(Bound::Unbounded),
        value.clone().prop_map(Bound::Included),
        value.prop_map(Bound::Excluded),
    ]
}

fn leaf() -> impl Strategy<Value = Query> {
    prop_oneof![
        Just(Query::All),
        (field(), text()).prop_map(|(field, text)| Query::Term { field, text }),
        (field(), "\\PC{0,8}", 0u32..5).prop_map(|(field, text, slop)| Query::Phrase {
            field,
            text,
            slop
        }),
        (field(), wild_pattern()).prop_map(|(field, pattern)| Query::Wildcard { field, pattern }),
        (field(), "[a-z.+()|\\[\\]]{1,8}(\\\\/[a-z]{1,3})?")
            .prop_map(|(field, pattern)| Query::Regex { field, pattern }),
        (field(), text(), 0..=MAX_FUZZY_DISTANCE).prop_map(|(field, text, distance)| {
            Query::Fuzzy {
                field,
                text,
                distance,
            }
        }),
        (field(), bound(), bound())
            .prop_filter("not fully open", |(_, l, u)| {
                !(l == &Bound::Unbounded && u == &Bound::Unbounded)
            })
            .prop_map(|(field, lower, upper)| Query::Range {
                field,
                lower,
                upper
            }),
        ident().prop_map(|field| Query::Exists { field }),
    ]
}

/// The clauses Lucene's `addClause` (AND default) builds from these conjunctions
/// (0 none, 1 `AND`, 2 `OR`) and prefixes (0 none, 1 `+`, 2 `-`): exactly the occur
/// sequences the parser can produce. A single clause is made `MustNot`, as a single
/// `Must`/`Should` one would have been simplified away.
fn add_clauses(parts: Vec<(u8, u8, Query)>) -> Vec<Clause> {
    let mut clauses: Vec<Clause> = Vec::new();
    for (conj, mods, query) in parts {
        let conj = if clauses.is_empty() { 0 } else { conj };
        if let Some(last) = clauses.last_mut() {
            if last.occur != Occur::MustNot {
                match conj {
                    1 => last.occur = Occur::Must,
                    2 => last.occur = Occur::Should,
                    _ => {}
                }
            }
        }
        let occur = match (conj, mods) {
            (_, 2) => Occur::MustNot,
            (2, _) => Occur::Should,
            _ => Occur::Must,
        };
        clauses.push(Clause { occur, query });
    }
    if let [only] = clauses.as_mut_slice() {
        only.occur = Occur::MustNot;
    }
    clauses
}

fn producible() -> impl Strategy<Value = Query> {
    leaf().prop_recursive(4, 40, 5, |inner| {
        prop_oneof![
            (inner.clone(), 0u32..100_000).prop_map(|(query, b)| Query::Boost {
                query: Box::new(query),
                boost: b as f32 / 100.0,
            }),
            prop::collection::vec((0u8..3, 0u8..3, inner), 1..6)
                .prop_map(|parts| Query::Bool(add_clauses(parts))),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn syntax_soup_never_panics(input in query_ish(40)) {
        check_any_input(&input);
    }

    #[test]
    fn query_like_strings_round_trip(input in query_like()) {
        check_any_input(&input);
    }

    #[test]
    fn arbitrary_strings_never_panic(input in any::<String>()) {
        check_any_input(&input);
    }

    #[test]
    fn printable_strings_never_panic(input in "\\PC{0,60}") {
        check_any_input(&input);
    }

    #[test]
    fn producible_queries_round_trip(q in producible()) {
        check_invariants(&q);
        check_round_trip(&q);
    }

    #[test]
    fn instants_round_trip(
        secs in 0i64..(8000 * 365 * 86_400),
        millis in 0u32..1000,
    ) {
        let base = NaiveDate::from_ymd_opt(1000, 1, 1).unwrap().and_hms_opt(0, 0, 0).unwrap();
        let t = base + chrono::TimeDelta::seconds(secs) + chrono::TimeDelta::milliseconds(millis.into());
        let text = t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string();
        prop_assert_eq!(parse_date(&text, now()).unwrap(), t);
        let whole = t.format("%Y-%m-%dT%H:%M:%SZ").to_string();
        prop_assert_eq!(
            parse_date(&format!("{whole}/SECOND"), now()).unwrap(),
            parse_date(&whole, now()).unwrap()
        );
    }

    #[test]
    fn date_math_never_panics(
        math in prop::collection::vec(
            prop::sample::select(&["+", "-", "/", "1", "99999", "2147483647", "DAY", "MONTHS",
                "YEAR", "MILLI", "HOURS", "X", " ", "Z", "NOW", "."][..]),
            0..12,
        ),
        now_first in any::<bool>(),
    ) {
        let math = math.concat();
        let value = if now_first { format!("NOW{math}") } else { format!("2026-01-31T00:00:00Z{math}") };
        let _ = parse_date(&value, now());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(40))]

    #[test]
    fn long_syntax_soup_never_panics(input in query_ish(6000)) {
        check_any_input(&input);
    }
}

#[test]
fn huge_and_deep_inputs_are_refused_quickly() {
    let cases = [
        ("(".repeat(1_000_000), ParseErrorKind::TooLong),
        ("(".repeat(MAX_INPUT_BYTES), ParseErrorKind::TooDeep),
        (
            format!("{}a{}", "(".repeat(5000), ")".repeat(5000)),
            ParseErrorKind::TooDeep,
        ),
        ("((a)^2)^3 ".repeat(2000), ParseErrorKind::TooManyClauses),
        ("a AND ".repeat(5000) + "a", ParseErrorKind::TooManyClauses),
        ("-".repeat(MAX_INPUT_BYTES), ParseErrorKind::Syntax),
        ("\"".repeat(MAX_INPUT_BYTES - 1), ParseErrorKind::Syntax),
        (
            format!("{}a", "title:(".repeat(MAX_DEPTH + 1)),
            ParseErrorKind::TooDeep,
        ),
    ];
    for (input, kind) in cases {
        let e = parse_lucene(&input).unwrap_err();
        assert_eq!(e.kind(), kind, "{}", e);
        assert!(
            e.message().len() < 400,
            "message too long: {}",
            e.message().len()
        );
        let _ = parse_dismax(&input);
        let _ = parse_date(&input, now());
    }
}

#[test]
fn adversarial_inputs_at_the_size_limit_finish() {
    // Shapes that would be quadratic with naive longest-match lexing.
    let unit = [
        "/a\\/ ",
        "[\"a\\\" TO ",
        "a\\",
        "te?t*",
        "\"a\\\"",
        "/* ",
        "{! ",
        "f:[a TO b] ",
        "\\u0041",
    ];
    for piece in unit {
        let input = piece.repeat(MAX_INPUT_BYTES / piece.len());
        let started = std::time::Instant::now();
        check_any_input(&input);
        assert!(
            started.elapsed() < std::time::Duration::from_secs(5),
            "{piece:?} took {:?}",
            started.elapsed()
        );
    }
}

#[test]
fn round_trip_examples() {
    for input in [
        "a OR b c",
        "organization:x OR organization:y metadata_modified:[2026-01-01T00:00:00Z TO *]",
        "-a OR b",
        "a OR -b c",
        "title:(\"Hà Nội\"^2 OR ha*noi~) -state:draft",
        "f:{\"a b\" TO c\\\\d]",
        "f:[\"x\\\"y\" TO *}",
        "(+a -b)^0.25 /x\\/y/ \\AND te\\*st?",
        "url:http\\://example.com/a\\ b",
        "name:hanoi~1^3",
        "-(-a)",
        "f:{\\!a TO b]",
        "f:{\"!a\\\"\" TO b]",
        "a OR b AND c",
        "a AND b OR c d",
    ] {
        let q = parse_lucene(input).unwrap();
        check_round_trip(&q);
    }
}
