//! kho-search: kho's Tantivy search. For now only the Vietnamese analysis (the `vi`,
//! `vi_fold` and `vi_bigram` tokenizers) and the `title_string` sort key; the index, CKAN's
//! query syntax, facets and visibility come next (issue 4).

pub mod analysis;
pub mod query;
pub mod sort;
pub mod syllable;

pub use analysis::{analyze, register, Stream, ViTokenizer, VI, VI_BIGRAM, VI_FOLD};
pub use sort::title_sort_key;
