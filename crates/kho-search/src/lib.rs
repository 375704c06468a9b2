//! kho-search: kho's Tantivy index. Vietnamese analysis ([`analysis`]), the fields and
//! documents ([`schema`], [`doc`]), CKAN's query syntax ([`query`], [`compile`]), and the
//! index with its generations, writes, searches, facets and sorts ([`index`]).

pub mod analysis;
mod cache;
pub mod compile;
pub mod doc;
pub mod index;
pub mod lookups;
pub mod query;
pub mod schema;
pub mod sort;
pub mod syllable;

pub use analysis::{analyze, register, Stream, ViTokenizer, VI, VI_BIGRAM, VI_FOLD};
pub use cache::DEFAULT_RESULT_ENTRIES;
pub use index::{
    parse_sort, Facets, IndexHome, IndexOp, Page, SearchIndex, SearchRequest, SearchResult,
    SortKey, Unusable,
};
pub use lookups::{Match, ResourceHits, TagHit};
pub use sort::title_sort_key;

/// A search that could not run. The catalogue maps these to CKAN's error types.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// The query or a filter cannot be parsed or compiled (CKAN: `Search Error`, 409).
    #[error("{0}")]
    Query(String),
    /// `sort` is not `field asc|desc, …` (CKAN: `Search Query Error`, 400).
    #[error("Invalid \"sort\" parameter")]
    BadSort,
    /// The index failed underneath (I/O, corruption).
    #[error("search index error: {0}")]
    Index(String),
    #[error("the search index writer is unavailable after a failed write")]
    Poisoned,
}

impl SearchError {
    pub(crate) fn index(e: tantivy::TantivyError) -> Self {
        SearchError::Index(e.to_string())
    }

    pub(crate) fn io(e: std::io::Error) -> Self {
        SearchError::Index(e.to_string())
    }
}
