//! Feeds arbitrary UTF-8 to every query parser of kho-search. Besides "never panics",
//! checks that a parsed Lucene query written back with `Display` parses to itself.

#![no_main]

use chrono::NaiveDate;
use kho_search::query::{parse_date, parse_dismax, parse_lucene};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &str| {
    if let Ok(query) = parse_lucene(input) {
        if query.renders_back() {
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
