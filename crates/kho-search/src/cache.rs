//! What one view of the index keeps between searches, as Solr does (its `filterCache` and
//! `queryResultCache`): the documents each combination of filters lets through, per
//! segment; the documents of each value of a small facet column, per segment; whole search
//! answers (count, facets, the page's addresses); and the organization and group titles of
//! facet display names. Segments never change once written, so per-segment entries hold
//! until a merge retires the segment; answers and titles hold until the next commit or
//! reload. Every entry is keyed so that a stale one can never be read: by segment id, or
//! by the searcher generation it was computed on.

use std::collections::HashMap;
use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use lru::LruCache;
use tantivy::columnar::StrColumn;
use tantivy::index::SegmentId;
use tantivy::query::{
    BitSetDocSet, ConstScorer, EnableScoring, Explanation, Query, Scorer, Weight,
};
use tantivy::{BitSet, DocAddress, DocId, DocSet, Score, Searcher, SegmentReader, TERMINATED};

/// Answers kept by default (each a count, the facet counts and a page of addresses).
pub const DEFAULT_RESULT_ENTRIES: usize = 512;
/// Facet columns with at most this many values per segment count by bitset intersection;
/// wider ones (tags) read the column per matching document.
pub(crate) const FACET_BITSET_VALUES: usize = 64;
/// Filter combinations kept per segment before the filter cache starts afresh.
const FILTER_ENTRIES: usize = 4096;

/// A cached search answer: everything but the stored dicts, which are read per request.
#[derive(Debug)]
pub(crate) struct Answer {
    pub count: u64,
    pub facets: Vec<(String, Vec<(String, u64)>)>,
    pub page: Vec<DocAddress>,
}

type Titles = HashMap<(String, String), Option<String>>;
/// The answers of one searcher generation.
type Answers = Option<(u64, LruCache<String, Arc<Answer>>)>;
type Filters = HashMap<(SegmentId, Arc<str>), Arc<BitSet>>;
/// Per segment and column: each value ordinal's documents.
type FacetValues = HashMap<(SegmentId, String), Arc<Vec<BitSet>>>;

#[derive(Default)]
pub(crate) struct Caches {
    entries: AtomicUsize,
    answers: Mutex<Answers>,
    titles: Mutex<(u64, Titles)>,
    filters: Mutex<Filters>,
    facet_values: Mutex<FacetValues>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic while holding a cache lock leaves at worst a partial cache entry.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Caches {
    pub(crate) fn new() -> Self {
        let c = Caches::default();
        c.entries.store(DEFAULT_RESULT_ENTRIES, Ordering::Relaxed);
        c
    }

    pub(crate) fn set_answer_entries(&self, n: usize) {
        self.entries.store(n, Ordering::Relaxed);
        *lock(&self.answers) = None;
    }

    pub(crate) fn answer(&self, generation: u64, key: &str) -> Option<Arc<Answer>> {
        let mut guard = lock(&self.answers);
        match guard.as_mut() {
            Some((g, map)) if *g == generation => map.get(key).cloned(),
            _ => None,
        }
    }

    pub(crate) fn keep_answer(&self, generation: u64, key: String, answer: Arc<Answer>) {
        let Some(cap) = NonZeroUsize::new(self.entries.load(Ordering::Relaxed)) else {
            return;
        };
        let mut guard = lock(&self.answers);
        match guard.as_mut() {
            Some((g, map)) if *g == generation => {
                map.put(key, answer);
            }
            // A newer view than the cached one: start afresh. (An older one, from a
            // search that began before a commit, is not kept.)
            Some((g, _)) if *g > generation => {}
            _ => {
                let mut map = LruCache::new(cap);
                map.put(key, answer);
                *guard = Some((generation, map));
            }
        }
    }

    pub(crate) fn title(&self, generation: u64, key: &(String, String)) -> Option<Option<String>> {
        let guard = lock(&self.titles);
        (guard.0 == generation)
            .then(|| guard.1.get(key).cloned())
            .flatten()
    }

    pub(crate) fn keep_title(&self, generation: u64, key: (String, String), title: Option<String>) {
        let mut guard = lock(&self.titles);
        if guard.0 != generation {
            if guard.0 > generation {
                return;
            }
            *guard = (generation, HashMap::new());
        }
        guard.1.insert(key, title);
    }

    /// After a reload: drop what belongs to segments that are gone.
    pub(crate) fn retain_segments(&self, searcher: &Searcher) {
        let live: Vec<SegmentId> = searcher
            .segment_readers()
            .iter()
            .map(SegmentReader::segment_id)
            .collect();
        lock(&self.filters).retain(|(s, _), _| live.contains(s));
        lock(&self.facet_values).retain(|(s, _), _| live.contains(s));
    }

    fn filter(&self, segment: SegmentId, key: &Arc<str>) -> Option<Arc<BitSet>> {
        lock(&self.filters).get(&(segment, key.clone())).cloned()
    }

    fn keep_filter(&self, segment: SegmentId, key: Arc<str>, bits: Arc<BitSet>) {
        let mut guard = lock(&self.filters);
        if guard.len() >= FILTER_ENTRIES {
            guard.clear();
        }
        guard.insert((segment, key), bits);
    }

    /// Per value ordinal of the string column `col` (named `column`) of a segment, the
    /// documents that hold it; `None` when it has more than [`FACET_BITSET_VALUES`] values.
    pub(crate) fn facet_values(
        &self,
        reader: &SegmentReader,
        column: &str,
        col: &StrColumn,
    ) -> Option<Arc<Vec<BitSet>>> {
        if col.num_terms() > FACET_BITSET_VALUES {
            return None;
        }
        let key = (reader.segment_id(), column.to_owned());
        if let Some(found) = lock(&self.facet_values).get(&key) {
            return Some(found.clone());
        }
        let max = reader.max_doc();
        let mut sets: Vec<BitSet> = (0..col.num_terms())
            .map(|_| BitSet::with_max_value(max))
            .collect();
        for doc in 0..max {
            for ord in col.term_ords(doc) {
                if let Some(set) = usize::try_from(ord).ok().and_then(|i| sets.get_mut(i)) {
                    set.insert(doc);
                }
            }
        }
        let sets = Arc::new(sets);
        lock(&self.facet_values).insert(key, sets.clone());
        Some(sets)
    }
}

/// Documents in both sets.
pub(crate) fn intersection_len(a: &BitSet, b: &BitSet) -> u64 {
    let buckets = a.max_value().min(b.max_value()).div_ceil(64);
    (0..buckets)
        .map(|i| u64::from(a.tinyset(i).intersect(b.tinyset(i)).len()))
        .sum()
}

/// A filter (non-scoring) whose matching documents are computed once per segment and kept
/// in [`Caches`] under `key`, which must name the filter exactly.
pub(crate) struct CachedFilter {
    pub key: Arc<str>,
    pub inner: Box<dyn Query>,
    pub caches: Arc<Caches>,
}

impl Clone for CachedFilter {
    fn clone(&self) -> Self {
        CachedFilter {
            key: self.key.clone(),
            inner: self.inner.box_clone(),
            caches: self.caches.clone(),
        }
    }
}

impl std::fmt::Debug for CachedFilter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CachedFilter({:?})", self.key)
    }
}

impl Query for CachedFilter {
    fn weight(&self, scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        let inner = self
            .inner
            .weight(EnableScoring::disabled_from_schema(scoring.schema()))?;
        Ok(Box::new(CachedFilterWeight {
            key: self.key.clone(),
            inner,
            caches: self.caches.clone(),
        }))
    }
}

struct CachedFilterWeight {
    key: Arc<str>,
    inner: Box<dyn Weight>,
    caches: Arc<Caches>,
}

impl CachedFilterWeight {
    fn bits(&self, reader: &SegmentReader) -> tantivy::Result<Arc<BitSet>> {
        let segment = reader.segment_id();
        if let Some(bits) = self.caches.filter(segment, &self.key) {
            return Ok(bits);
        }
        // Deleted documents stay in: collectors skip them, and the entry outlives deletes.
        let mut bits = BitSet::with_max_value(reader.max_doc());
        let mut scorer = self.inner.scorer(reader, 1.0)?;
        let mut doc = scorer.doc();
        while doc != TERMINATED {
            bits.insert(doc);
            doc = scorer.advance();
        }
        let bits = Arc::new(bits);
        self.caches
            .keep_filter(segment, self.key.clone(), bits.clone());
        Ok(bits)
    }
}

impl Weight for CachedFilterWeight {
    fn scorer(&self, reader: &SegmentReader, _boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let bits = self.bits(reader)?;
        Ok(Box::new(ConstScorer::new(
            BitSetDocSet::from(BitSet::clone(&bits)),
            0.0,
        )))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        if self.bits(reader)?.contains(doc) {
            Ok(Explanation::new("filter", 0.0))
        } else {
            Err(tantivy::TantivyError::InvalidArgument(format!(
                "document {doc} does not match the filter"
            )))
        }
    }
}
