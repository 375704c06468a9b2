//! Feeds arbitrary UTF-8 to every query parser of kho-search. Besides "never panics",
//! checks that a parsed Lucene query written back with `Display` parses to itself.

#![no_main]

use chrono::NaiveDate;
use kho_search::query::{parse_date, parse_dismax, parse_lucene, Query};
use libfuzzer_sys::fuzz_target;

/// A regex ending in `\` cannot be written back (documented in `ast.rs`).
fn renderable(q: &Query) -> bool {
    match q {
        Query::Regex { pattern, .. } => !pattern.ends_with('\\'),
        Query::Bool(clauses) => clauses.iter().all(|c| renderable(&c.query)),
        Query::Boost { query, .. } => renderable(query),
        _ => true,
    }
}

fuzz_target!(|input: &str| {
    if let Ok(query) = parse_lucene(input) {
        if renderable(&query) {
            let text = query.to_string();
            match parse_lucene(&text) {
                Ok(again) => assert_eq!(again, query, "{input:?} rendered as {text:?}"),
                Err(e) => panic!("{input:?} rendered as {text:?}, which fails: {e}"),
            }
        }
    }
    let _ = parse_dismax(input);
    let now = NaiveDate::from_ymd_opt(2026, 3, 15)
        .and_then(|d| d.and_hms_milli_opt(13, 45, 30, 250))
        .expect("a valid date");
    let _ = parse_date(input, now);
});
