//! The index itself: where it lives, how it is written, and how it is searched.
//!
//! On disk an index home (`<data dir>/index`) holds generations (`gen-<n>/`, each a Tantivy
//! index) and a `CURRENT` file naming the one in use. A rebuild writes a new generation and
//! then replaces `CURRENT` atomically (write and rename), so a server that is answering
//! from the old generation can switch when it notices, and a crash mid-rebuild leaves the
//! old one in place. Each commit carries the last change-log number it applied and the
//! schema version, so a node knows where to catch up from and when to rebuild.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, Ordering as AtomicOrdering};
use std::sync::{Arc, Mutex};

use chrono::NaiveDateTime;
use serde_json::{Map, Value};
use tantivy::collector::sort_key::SortByErasedType;
use tantivy::collector::{Collector, Count, SegmentCollector, TopDocs};
use tantivy::columnar::StrColumn;
use tantivy::query::{
    AllQuery, BooleanQuery, ConstScoreQuery, EmptyQuery, Occur as TOccur, Query as TQuery,
    TermSetQuery,
};
use tantivy::schema::Value as _;
use tantivy::{
    DocAddress, DocId, DocSet, Index, IndexReader, IndexWriter, Order, ReloadPolicy, Score,
    SegmentReader, TantivyDocument, Term,
};

use crate::cache::{intersection_len, Answer, CachedFilter, Caches};
use crate::compile::Compiler;
use crate::query::{parse_dismax, parse_lucene};
use crate::schema::{self, Fields, SCHEMA_VERSION};
use crate::SearchError;

/// Memory the writer may buffer before it flushes a segment.
const WRITER_MEMORY: usize = 64 * 1024 * 1024;
/// The same for a generation being built (shared by its threads). Small segments get
/// merged, and a merge builds the term dictionaries again, those of the long raw strings
/// (notes, URLs, ids) being most of a rebuild's work; segments this big are few enough
/// (six or seven for 100,000 datasets and their resources) that none is merged.
const BUILD_MEMORY: usize = 768 * 1024 * 1024;
/// Indexing threads of a generation being built: a rebuild feeds documents faster than one
/// thread analyses them (the tokenizers are most of the work); a served index takes a
/// write's few documents at a time and keeps one.
const BUILD_THREADS: usize = 2;
/// Sort keys beyond this many are ignored (CKAN's default uses two).
const MAX_SORT_KEYS: usize = 3;

/// One change to the index.
#[derive(Debug, Clone)]
pub enum IndexOp {
    /// Add or replace the dataset with this dict (`package_show`), permission labels and
    /// free-text aliases (former names of its organization).
    Upsert {
        dict: Map<String, Value>,
        labels: Vec<String>,
        aliases: Vec<String>,
    },
    /// Remove the dataset with this id.
    Delete { id: String },
    /// Add the tombstone twin of a dataset that was open and no longer is, after the
    /// `Upsert` or `Delete` of that dataset (which removes any earlier twin): `dict` is
    /// what anyone asking for `include_deleted` is shown (`{id, name, state,
    /// metadata_modified}`), `hidden_labels` the labels of the dataset's own document
    /// (whoever holds one of them sees that document instead).
    Tombstone {
        dict: Map<String, Value>,
        hidden_labels: Vec<String>,
        /// The state of the dataset's own document (`None`: purged, it has none).
        own_state: Option<String>,
    },
}

/// One sort criterion of `sort`.
#[derive(Debug, Clone, PartialEq)]
pub struct SortKey {
    pub field: String,
    pub descending: bool,
}

/// A parsed `package_search`, after the catalogue has applied CKAN's defaults.
#[derive(Debug, Clone)]
pub struct SearchRequest {
    /// `q`; empty means `*:*`.
    pub q: String,
    /// Every filter query (`fq` with CKAN's additions, then `fq_list`), in Lucene syntax.
    pub fq: Vec<String>,
    /// The caller's permission labels; `None` reads everything (sysadmin).
    pub labels: Option<Vec<String>>,
    pub sort: Vec<SortKey>,
    pub rows: usize,
    pub start: usize,
    pub facet_fields: Vec<String>,
    /// `None`: unlimited.
    pub facet_limit: Option<usize>,
    pub facet_mincount: u64,
    /// `NOW` of date math.
    pub now: NaiveDateTime,
    /// The caller asked for the non-open datasets it may read (`include_private`): their
    /// own documents then stand for them, and their tombstones are not shown as well.
    pub include_private: bool,
}

/// What a search found.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchResult {
    pub count: u64,
    /// The stored `package_show` dicts of the page, as JSON text.
    pub results: Vec<String>,
    pub facets: Facets,
}

/// Per requested facet field: `(value, count)` in Solr's order (count descending, then
/// value, or by value when the limit is unlimited).
pub type Facets = Vec<(String, Vec<(String, u64)>)>;

/// A search's count, facets and page, whose stored dicts are read on demand
/// ([`SearchIndex::search_page`]). It keeps the view of the index it was found in, so the
/// dicts are those of the search even after later commits.
pub struct Page {
    searcher: tantivy::Searcher,
    answer: Arc<Answer>,
    dict: tantivy::schema::Field,
}

impl Page {
    pub fn count(&self) -> u64 {
        self.answer.count
    }

    pub fn facets(&self) -> &Facets {
        &self.answer.facets
    }

    /// Number of results on the page.
    pub fn len(&self) -> usize {
        self.answer.page.len()
    }

    pub fn is_empty(&self) -> bool {
        self.answer.page.is_empty()
    }

    /// Hand the stored `package_show` dicts of the results in `range` (clamped to the
    /// page) to `each`, in order.
    pub fn dicts(
        &self,
        range: std::ops::Range<usize>,
        mut each: impl FnMut(&str),
    ) -> Result<(), SearchError> {
        let page = &self.answer.page;
        let end = range.end.min(page.len());
        for addr in &page[range.start.min(end)..end] {
            let doc: TantivyDocument = self.searcher.doc(*addr).map_err(SearchError::index)?;
            each(doc_dict(&doc, self.dict));
        }
        Ok(())
    }
}

impl std::fmt::Debug for Page {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Page")
            .field("count", &self.answer.count)
            .field("len", &self.answer.page.len())
            .finish_non_exhaustive()
    }
}

/// `sort` as Solr reads it: comma-separated `field asc|desc`; `rank` (or empty) is the
/// default. Anything else is CKAN's `Invalid "sort" parameter`.
pub fn parse_sort(sort: &str, default: &str) -> Result<Vec<SortKey>, SearchError> {
    let spec = sort.trim();
    let spec = if spec.is_empty() || spec == "rank" {
        default
    } else {
        spec
    };
    let mut keys = Vec::new();
    for part in spec.split(',') {
        let mut words = part.split_whitespace();
        let (Some(field), Some(dir), None) = (words.next(), words.next(), words.next()) else {
            return Err(SearchError::BadSort);
        };
        let descending = match dir.to_ascii_lowercase().as_str() {
            "asc" => false,
            "desc" => true,
            _ => return Err(SearchError::BadSort),
        };
        keys.push(SortKey {
            field: field.to_owned(),
            descending,
        });
    }
    Ok(keys)
}

/// The payload kho writes with every commit.
fn payload(seq: i64) -> String {
    serde_json::json!({"seq": seq, "schema": SCHEMA_VERSION}).to_string()
}

/// Why an on-disk index cannot be used as it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unusable {
    Missing,
    OtherSchema,
    Unreadable(String),
}

impl std::fmt::Display for Unusable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Unusable::Missing => write!(f, "no index yet"),
            Unusable::OtherSchema => write!(f, "the index was written by another schema version"),
            Unusable::Unreadable(e) => write!(f, "the index cannot be read: {e}"),
        }
    }
}

/// A directory of index generations with a `CURRENT` pointer.
#[derive(Debug, Clone)]
pub struct IndexHome {
    root: PathBuf,
}

impl IndexHome {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        IndexHome { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The generation `CURRENT` names, if any.
    pub fn current(&self) -> Option<String> {
        let name = std::fs::read_to_string(self.root.join("CURRENT")).ok()?;
        let name = name.trim();
        (!name.is_empty()).then(|| name.to_owned())
    }

    /// Open the current generation for reading and writing.
    pub fn open_current(&self) -> Result<SearchIndex, Unusable> {
        let name = self.current().ok_or(Unusable::Missing)?;
        let dir = self.root.join(&name);
        if !dir.join("meta.json").try_exists().unwrap_or(false) {
            return Err(Unusable::Missing);
        }
        SearchIndex::open_dir(&dir, Some(name))
    }

    /// A new, empty generation (not yet current).
    pub fn create_generation(&self) -> Result<SearchIndex, SearchError> {
        std::fs::create_dir_all(&self.root).map_err(SearchError::io)?;
        let next = self
            .generations()
            .iter()
            .filter_map(|g| g.strip_prefix("gen-")?.parse::<u64>().ok())
            .max()
            .unwrap_or(0)
            + 1;
        let name = format!("gen-{next:06}");
        let dir = self.root.join(&name);
        std::fs::create_dir_all(&dir).map_err(SearchError::io)?;
        let (schema, fields) = schema::build();
        let index = Index::create_in_dir(&dir, schema).map_err(SearchError::index)?;
        SearchIndex::from_index(index, fields, Some(name), BUILD_THREADS)
    }

    /// Make `generation` the current one (atomically: a reader sees the old or the new
    /// name, never a torn file).
    pub fn publish(&self, generation: &str) -> Result<(), SearchError> {
        let tmp = self.root.join("CURRENT.tmp");
        std::fs::write(&tmp, generation).map_err(SearchError::io)?;
        std::fs::rename(&tmp, self.root.join("CURRENT")).map_err(SearchError::io)
    }

    /// The generations on disk (`gen-<n>` directories), sorted.
    pub fn generations(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(&self.root)
            .map(|rd| {
                rd.filter_map(|e| e.ok())
                    .filter(|e| e.path().is_dir())
                    .filter_map(|e| e.file_name().into_string().ok())
                    .filter(|n| n.starts_with("gen-"))
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
    }

    /// Does a live writer (this process or another) hold `generation`?
    pub fn in_use(&self, generation: &str) -> bool {
        let dir = self.root.join(generation);
        dir.join(".tantivy-writer.lock")
            .try_exists()
            .unwrap_or(false)
            && is_locked(&dir)
    }

    /// Delete one generation unless it is the current one or in use; true if it is gone.
    pub fn remove(&self, generation: &str) -> bool {
        let dir = self.root.join(generation);
        if !generation.starts_with("gen-") || !dir.try_exists().unwrap_or(true) {
            return true;
        }
        if self.current().as_deref() == Some(generation) || self.in_use(generation) {
            return false;
        }
        std::fs::remove_dir_all(dir).is_ok()
    }

    /// Delete every generation but the current one and `keep` (best effort: a generation
    /// another process still writes is left for next time).
    pub fn remove_stale(&self, keep: Option<&str>) {
        let current = self.current();
        for g in self.generations() {
            if Some(g.as_str()) == current.as_deref() || Some(g.as_str()) == keep {
                continue;
            }
            let dir = self.root.join(&g);
            // A generation being written holds Tantivy's writer lock file.
            if self.in_use(&g) {
                continue;
            }
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// Is the Tantivy writer lock of `dir` held by a live writer?
fn is_locked(dir: &Path) -> bool {
    match Index::open_in_dir(dir) {
        Ok(index) => index
            .writer_with_num_threads::<TantivyDocument>(1, 15_000_000)
            .is_err(),
        Err(_) => false,
    }
}

/// A searchable, writable index (one generation, or in memory).
pub struct SearchIndex {
    pub(crate) fields: Fields,
    pub(crate) reader: IndexReader,
    writer: Mutex<IndexWriter>,
    seq: AtomicI64,
    generation: Option<String>,
    pub(crate) caches: Arc<Caches>,
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndex")
            .field("generation", &self.generation)
            .field("seq", &self.last_seq())
            .finish()
    }
}

impl SearchIndex {
    /// An empty index in memory (tests, and a catalogue built without a data directory).
    pub fn in_memory() -> Result<Self, SearchError> {
        let (schema, fields) = schema::build();
        Self::from_index(Index::create_in_ram(schema), fields, None, 1)
    }

    fn open_dir(dir: &Path, generation: Option<String>) -> Result<Self, Unusable> {
        let index = Index::open_in_dir(dir).map_err(|e| Unusable::Unreadable(e.to_string()))?;
        let metas = index
            .load_metas()
            .map_err(|e| Unusable::Unreadable(e.to_string()))?;
        let version = metas
            .payload
            .as_deref()
            .and_then(|p| serde_json::from_str::<Value>(p).ok())
            .and_then(|p| p.get("schema").and_then(Value::as_u64));
        if version != Some(u64::from(SCHEMA_VERSION)) {
            return Err(Unusable::OtherSchema);
        }
        let fields = schema::fields_of(&index.schema()).ok_or(Unusable::OtherSchema)?;
        Self::from_index(index, fields, generation, 1)
            .map_err(|e| Unusable::Unreadable(e.to_string()))
    }

    fn from_index(
        index: Index,
        fields: Fields,
        generation: Option<String>,
        threads: usize,
    ) -> Result<Self, SearchError> {
        crate::analysis::register(index.tokenizers());
        let seq = index
            .load_metas()
            .ok()
            .and_then(|m| m.payload)
            .and_then(|p| serde_json::from_str::<Value>(&p).ok())
            .and_then(|p| p.get("seq").and_then(Value::as_i64))
            .unwrap_or(0);
        let memory = if threads > 1 {
            BUILD_MEMORY
        } else {
            WRITER_MEMORY
        };
        let writer = index
            .writer_with_num_threads(threads, memory)
            .map_err(SearchError::index)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(SearchError::index)?;
        Ok(SearchIndex {
            fields,
            reader,
            writer: Mutex::new(writer),
            seq: AtomicI64::new(seq),
            generation,
            caches: Arc::new(Caches::new()),
        })
    }

    /// The generation this index is (`None` in memory).
    pub fn generation(&self) -> Option<&str> {
        self.generation.as_deref()
    }

    /// The last change-log number applied and committed.
    pub fn last_seq(&self) -> i64 {
        self.seq.load(AtomicOrdering::SeqCst)
    }

    /// Datasets visible to searches.
    /// Datasets in the index (tombstones of datasets that left are not counted).
    pub fn num_docs(&self) -> u64 {
        let tombstone = self.str_term("permission_labels", crate::doc::TOMBSTONE_LABEL);
        let query = BooleanQuery::new(vec![
            (
                TOccur::Must,
                Box::new(self.entity(crate::doc::PACKAGE)) as Box<dyn TQuery>,
            ),
            (
                TOccur::MustNot,
                Box::new(tantivy::query::TermQuery::new(
                    tombstone,
                    tantivy::schema::IndexRecordOption::Basic,
                )),
            ),
        ]);
        self.reader
            .searcher()
            .search(&query, &Count)
            .map_or(0, |n| n as u64)
    }

    pub(crate) fn str_term(&self, path: &str, value: &str) -> Term {
        let mut t = Term::from_field_json_path(self.fields.strings, path, false);
        t.append_type_and_str(value);
        t
    }

    /// Documents of one `entity_type`.
    pub(crate) fn entity(&self, kind: &str) -> tantivy::query::TermQuery {
        tantivy::query::TermQuery::new(
            self.str_term("entity_type", kind),
            tantivy::schema::IndexRecordOption::Basic,
        )
    }

    /// Apply `ops`; with `commit`, commit them as having applied the change log up to that
    /// number and make them visible to searches before returning (read-your-writes).
    /// Blocking: call from a blocking thread.
    pub fn apply(&self, ops: Vec<IndexOp>, commit: Option<i64>) -> Result<(), SearchError> {
        let mut writer = self.writer.lock().map_err(|_| SearchError::Poisoned)?;
        let owner = self.fields.owner;
        for op in ops {
            match op {
                IndexOp::Upsert {
                    dict,
                    labels,
                    aliases,
                } => {
                    let Some(id) = dict.get("id").and_then(Value::as_str) else {
                        continue;
                    };
                    writer.delete_term(Term::from_field_text(owner, id));
                    for doc in crate::doc::resource_docs(&self.fields, &dict, &labels) {
                        writer.add_document(doc).map_err(SearchError::index)?;
                    }
                    let doc = crate::doc::build(&self.fields, &dict, &labels, &aliases);
                    writer.add_document(doc).map_err(SearchError::index)?;
                }
                IndexOp::Delete { id } => {
                    writer.delete_term(Term::from_field_text(owner, &id));
                }
                IndexOp::Tombstone {
                    dict,
                    hidden_labels,
                    own_state,
                } => {
                    let doc = crate::doc::tombstone(
                        &self.fields,
                        &dict,
                        &hidden_labels,
                        own_state.as_deref(),
                    );
                    writer.add_document(doc).map_err(SearchError::index)?;
                }
            }
        }
        if let Some(seq) = commit {
            let seq = seq.max(self.last_seq());
            let mut prepared = writer.prepare_commit().map_err(SearchError::index)?;
            prepared.set_payload(&payload(seq));
            prepared.commit().map_err(SearchError::index)?;
            self.reader.reload().map_err(SearchError::index)?;
            self.caches.retain_segments(&self.reader.searcher());
            self.seq.store(seq, AtomicOrdering::SeqCst);
        }
        Ok(())
    }

    /// Remove every document (a rebuild into the same index, for tests and in-memory use).
    pub fn clear(&self) -> Result<(), SearchError> {
        let writer = self.writer.lock().map_err(|_| SearchError::Poisoned)?;
        writer.delete_all_documents().map_err(SearchError::index)?;
        Ok(())
    }

    /// Wait for background merges (a rebuilt generation is merged before it is published).
    pub fn finish(self) -> Result<(), SearchError> {
        let writer = self
            .writer
            .into_inner()
            .map_err(|_| SearchError::Poisoned)?;
        writer.wait_merging_threads().map_err(SearchError::index)
    }

    fn compiler(&self, now: NaiveDateTime, scoring: bool) -> Compiler<'_> {
        Compiler {
            fields: &self.fields,
            now,
            scoring,
        }
    }

    /// The query `q` asks for: dismax without a `:`, the standard syntax with one.
    fn main_query(&self, q: &str, now: NaiveDateTime) -> Result<Box<dyn TQuery>, SearchError> {
        let q = q.trim();
        if q.is_empty() || q == "\"\"" || q == "''" || q == "*:*" {
            return Ok(Box::new(AllQuery));
        }
        let c = self.compiler(now, true);
        if !q.contains(':') {
            return c.dismax(&parse_dismax(q));
        }
        let ast = parse_lucene(q).map_err(|e| SearchError::Query(e.to_string()))?;
        Ok(c.compile(&ast)?.unwrap_or_else(|| Box::new(EmptyQuery)))
    }

    /// The filters of a search (`entity_type`, every `fq`, the permission labels) as one
    /// cached, non-scoring document set. Filters that use `NOW` are not cached: their
    /// documents change with the clock.
    fn filter_query(&self, req: &SearchRequest) -> Result<Box<dyn TQuery>, SearchError> {
        let mut clauses: Vec<(TOccur, Box<dyn TQuery>)> =
            vec![(TOccur::Must, Box::new(self.entity(crate::doc::PACKAGE)))];
        let filter = self.compiler(req.now, false);
        let mut key = String::from("package");
        for fq in &req.fq {
            if fq.trim().is_empty() {
                continue;
            }
            let ast = parse_lucene(fq).map_err(|e| SearchError::Query(e.to_string()))?;
            if let Some(q) = filter.compile(&ast)? {
                clauses.push((TOccur::Must, q));
                key.push('\u{0}');
                key.push_str(fq);
            }
        }
        let strings = |path: &str, values: &mut dyn Iterator<Item = &String>| {
            let terms: Vec<Term> = values
                .map(|l| {
                    let mut t = Term::from_field_json_path(self.fields.strings, path, false);
                    t.append_type_and_str(l);
                    t
                })
                .collect();
            Box::new(TermSetQuery::new(terms)) as Box<dyn TQuery>
        };
        // A tombstone is not shown beside the dataset's own document: to a caller who
        // can read that document when it is deleted (it is in the answer), or in any state
        // when the caller asked for non-open datasets too.
        let tombstone = crate::doc::TOMBSTONE_LABEL.to_owned();
        let own_states: Vec<String> = if req.include_private {
            ["active", "draft", "deleted"].map(str::to_owned).to_vec()
        } else {
            vec!["deleted".to_owned()]
        };
        let hidden_twins = |readable: Box<dyn TQuery>| -> Box<dyn TQuery> {
            Box::new(BooleanQuery::new(vec![
                (TOccur::Must, readable),
                (
                    TOccur::Must,
                    strings(crate::doc::TOMBSTONE_STATE, &mut own_states.iter()),
                ),
            ]))
        };
        match &req.labels {
            Some(labels) => {
                clauses.push((
                    TOccur::Must,
                    strings("permission_labels", &mut labels.iter()),
                ));
                if labels.contains(&tombstone) {
                    let readable = strings(
                        crate::doc::TOMBSTONE_OF,
                        &mut labels.iter().filter(|l| **l != tombstone),
                    );
                    clauses.push((TOccur::MustNot, hidden_twins(readable)));
                }
                key.push_str("\u{0}labels");
                for l in labels {
                    key.push('\u{0}');
                    key.push_str(l);
                }
            }
            // A sysadmin reads every dataset's own document.
            None => clauses.push((
                TOccur::MustNot,
                hidden_twins(strings(
                    "permission_labels",
                    &mut std::iter::once(&tombstone),
                )),
            )),
        }
        if req.include_private {
            key.push_str("\u{0}private");
        }
        let inner: Box<dyn TQuery> = Box::new(BooleanQuery::new(clauses));
        if uses_now(&key) {
            return Ok(Box::new(ConstScoreQuery::new(inner, 0.0)));
        }
        Ok(Box::new(CachedFilter {
            key: key.into(),
            inner,
            caches: self.caches.clone(),
        }))
    }

    /// The whole query: `q`, the filters (not scoring), the permission labels.
    pub(crate) fn full_query(&self, req: &SearchRequest) -> Result<Box<dyn TQuery>, SearchError> {
        Ok(Box::new(BooleanQuery::new(vec![
            (TOccur::Must, self.main_query(&req.q, req.now)?),
            (TOccur::Must, self.filter_query(req)?),
        ])))
    }

    /// How many answers the search cache keeps (0: none).
    pub fn set_cache_entries(&self, entries: usize) {
        self.caches.set_answer_entries(entries);
    }

    /// Run a search. Answers are cached per view of the index (until the next commit),
    /// except for queries with `NOW`, whose answers change with the clock.
    pub fn search(&self, req: &SearchRequest) -> Result<SearchResult, SearchError> {
        let page = self.search_page(req)?;
        let mut results = Vec::with_capacity(page.len());
        page.dicts(0..page.len(), |dict| results.push(dict.to_owned()))?;
        Ok(SearchResult {
            count: page.count(),
            results,
            facets: page.facets().clone(),
        })
    }

    /// [`SearchIndex::search`] without reading the page's dicts yet: the [`Page`] reads
    /// them when asked, a few at a time, from the view of the index the search ran on. A
    /// page of 1,000 dicts is megabytes; written out as it is read, it never has to be in
    /// memory whole.
    pub fn search_page(&self, req: &SearchRequest) -> Result<Page, SearchError> {
        let searcher = self.reader.searcher();
        let generation = searcher.generation().generation_id();
        let key = answer_key(req);
        let cached = key
            .as_deref()
            .and_then(|k| self.caches.answer(generation, k));
        let answer = match cached {
            Some(a) => a,
            None => {
                let a = Arc::new(self.answer(&searcher, req)?);
                if let Some(k) = key {
                    self.caches.keep_answer(generation, k, a.clone());
                }
                a
            }
        };
        Ok(Page {
            searcher,
            answer,
            dict: self.fields.dict,
        })
    }

    fn answer(
        &self,
        searcher: &tantivy::Searcher,
        req: &SearchRequest,
    ) -> Result<Answer, SearchError> {
        let query = self.full_query(req)?;
        let facet_collector = FacetCounter {
            columns: req.facet_fields.iter().map(|f| format!("s.{f}")).collect(),
            caches: self.caches.clone(),
        };
        let total_docs = searcher.num_docs() as usize;
        // Past the end there is nothing to rank: do not ask for a huge top-N.
        let want = if req.rows == 0 || req.start >= total_docs {
            0
        } else {
            req.rows.min(total_docs - req.start)
        };
        let (count, facets, page) = if want == 0 {
            let (count, facets) = searcher
                .search(&query, &(Count, facet_collector))
                .map_err(SearchError::index)?;
            (count, facets, Vec::new())
        } else {
            let top = TopDocs::with_limit(want).and_offset(req.start);
            let keys = self.sort_keys(&req.sort);
            let (count, facets, page) = searcher
                .search(&query, &(Count, facet_collector, top.order_by(keys)))
                .map_err(SearchError::index)?;
            (
                count,
                facets,
                page.into_iter().map(|(_, addr)| addr).collect::<Vec<_>>(),
            )
        };
        let facets = req
            .facet_fields
            .iter()
            .zip(facets)
            .map(|(name, counts)| {
                (
                    name.clone(),
                    order_facet(counts, req.facet_limit, req.facet_mincount),
                )
            })
            .collect();
        Ok(Answer {
            count: count as u64,
            facets,
            page,
        })
    }

    pub(crate) fn stored_dict(
        &self,
        searcher: &tantivy::Searcher,
        addr: DocAddress,
    ) -> Result<String, SearchError> {
        let doc: TantivyDocument = searcher.doc(addr).map_err(SearchError::index)?;
        Ok(doc_dict(&doc, self.fields.dict).to_owned())
    }

    /// Three sort criteria for Tantivy (padded with a constant): `score`, a date, one of the
    /// string sort columns; any other field sorts as "no value" (Solr's `*` field).
    fn sort_keys(
        &self,
        sort: &[SortKey],
    ) -> (
        (SortByErasedType, Order),
        (SortByErasedType, Order),
        (SortByErasedType, Order),
    ) {
        let mut keys: Vec<(SortByErasedType, Order)> = sort
            .iter()
            .filter_map(|k| {
                let order = if k.descending {
                    Order::Desc
                } else {
                    Order::Asc
                };
                let by = if k.field == "score" {
                    SortByErasedType::for_score()
                } else if k.field == schema::QUALITY {
                    SortByErasedType::for_field(schema::QUALITY)
                } else if self.fields.date(&k.field).is_some() {
                    SortByErasedType::for_field(&k.field)
                } else if self.fields.sort(&k.field).is_some() {
                    SortByErasedType::for_field(format!("sort_{}", k.field))
                } else {
                    return None;
                };
                Some((by, order))
            })
            .take(MAX_SORT_KEYS)
            .collect();
        while keys.len() < MAX_SORT_KEYS {
            keys.push((SortByErasedType::for_field(schema::ZERO), Order::Asc));
        }
        let mut it = keys.into_iter();
        let mut next = || {
            it.next()
                .unwrap_or((SortByErasedType::for_field(schema::ZERO), Order::Asc))
        };
        (next(), next(), next())
    }

    /// The title of the organization (`field` = `organization`) or group (`groups`) with
    /// this name, as the newest indexed dataset that shows it has it (facet display names,
    /// without reading the store).
    pub fn group_title(&self, field: &str, name: &str) -> Result<Option<String>, SearchError> {
        let searcher = self.reader.searcher();
        let generation = searcher.generation().generation_id();
        let key = (field.to_owned(), name.to_owned());
        if let Some(title) = self.caches.title(generation, &key) {
            return Ok(title);
        }
        let title = self.find_group_title(&searcher, field, name)?;
        self.caches.keep_title(generation, key, title.clone());
        Ok(title)
    }

    fn find_group_title(
        &self,
        searcher: &tantivy::Searcher,
        field: &str,
        name: &str,
    ) -> Result<Option<String>, SearchError> {
        let mut t = Term::from_field_json_path(self.fields.strings, field, false);
        t.append_type_and_str(name);
        let query = tantivy::query::TermQuery::new(t, tantivy::schema::IndexRecordOption::Basic);
        let top = TopDocs::with_limit(1)
            .order_by_fast_field::<tantivy::DateTime>("metadata_modified", Order::Desc);
        let hits = searcher.search(&query, &top).map_err(SearchError::index)?;
        let Some((_, addr)) = hits.into_iter().next() else {
            return Ok(None);
        };
        let dict: Value =
            serde_json::from_str(&self.stored_dict(searcher, addr)?).unwrap_or(Value::Null);
        let title = match field {
            "organization" => dict
                .get("organization")
                .and_then(|o| o.get("title"))
                .cloned(),
            _ => dict
                .get("groups")
                .and_then(Value::as_array)
                .and_then(|gs| {
                    gs.iter()
                        .find(|g| g.get("name").and_then(Value::as_str) == Some(name))
                })
                .and_then(|g| g.get("title"))
                .cloned(),
        };
        Ok(title.and_then(|t| t.as_str().map(str::to_owned)))
    }
}

/// The stored `package_show` dict of a document (`{}` for one without, which the index
/// never writes).
fn doc_dict(doc: &TantivyDocument, field: tantivy::schema::Field) -> &str {
    doc.get_first(field)
        .and_then(|v| v.as_str())
        .unwrap_or("{}")
}

/// Solr's facet order: by count descending then value when limited, by value when not;
/// values under `mincount` dropped, at most `limit`.
fn order_facet(
    counts: HashMap<String, u64>,
    limit: Option<usize>,
    mincount: u64,
) -> Vec<(String, u64)> {
    let mut items: Vec<(String, u64)> =
        counts.into_iter().filter(|(_, c)| *c >= mincount).collect();
    match limit {
        Some(n) => {
            items.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            items.truncate(n);
        }
        None => items.sort_by(|a, b| a.0.cmp(&b.0)),
    }
    items
}

/// The key of a search's answer in the cache, `None` for a search that depends on the
/// clock (date math with `NOW` in `q` or a filter).
fn answer_key(req: &SearchRequest) -> Option<String> {
    let mut key = String::new();
    let sep = '\u{0}';
    key.push_str(&req.q);
    for fq in &req.fq {
        key.push(sep);
        key.push_str(fq);
    }
    key.push(sep);
    if uses_now(&key) {
        return None;
    }
    match &req.labels {
        None => key.push('*'),
        Some(labels) => {
            for l in labels {
                key.push_str(l);
                key.push(',');
            }
        }
    }
    key.push(sep);
    for k in &req.sort {
        key.push_str(&k.field);
        key.push(if k.descending { '-' } else { '+' });
    }
    for f in &req.facet_fields {
        key.push(sep);
        key.push_str(f);
    }
    key.push_str(&format!(
        "{sep}{}{sep}{}{sep}{:?}{sep}{}",
        req.rows, req.start, req.facet_limit, req.facet_mincount
    ));
    Some(key)
}

/// Does this query text (possibly) use date math's `NOW`?
fn uses_now(text: &str) -> bool {
    text.to_ascii_uppercase().contains("NOW")
}

/// Counts documents per value of exact-string columns (`s.<field>`), each document once
/// per value. The matching documents of a segment are gathered first; a column with few
/// values (organizations, formats) then counts by intersecting them with each value's
/// documents, a wider one reads the column per matching document.
pub(crate) struct FacetCounter {
    pub(crate) columns: Vec<String>,
    pub(crate) caches: Arc<Caches>,
}

/// One facet column of a segment: per value's documents, or the column itself.
enum FacetSource {
    Bits(Arc<Vec<tantivy::BitSet>>, StrColumn),
    Column(StrColumn),
    Missing,
}

pub(crate) struct SegmentFacets {
    matched: Option<tantivy::BitSet>,
    columns: Vec<FacetSource>,
}

impl Collector for FacetCounter {
    type Fruit = Vec<HashMap<String, u64>>;
    type Child = SegmentFacets;

    fn for_segment(&self, _ord: u32, segment: &SegmentReader) -> tantivy::Result<Self::Child> {
        let mut columns = Vec::with_capacity(self.columns.len());
        for name in &self.columns {
            let col = segment.fast_fields().str(name).ok().flatten();
            columns.push(match col {
                None => FacetSource::Missing,
                Some(c) => match self.caches.facet_values(segment, name, &c) {
                    Some(bits) => FacetSource::Bits(bits, c),
                    None => FacetSource::Column(c),
                },
            });
        }
        let matched =
            (!columns.is_empty()).then(|| tantivy::BitSet::with_max_value(segment.max_doc()));
        Ok(SegmentFacets { matched, columns })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Vec<HashMap<String, u64>>>) -> tantivy::Result<Self::Fruit> {
        let mut out: Vec<HashMap<String, u64>> = vec![HashMap::new(); self.columns.len()];
        for fruit in fruits {
            for (i, map) in fruit.into_iter().enumerate() {
                if let Some(slot) = out.get_mut(i) {
                    for (k, v) in map {
                        *slot.entry(k).or_insert(0) += v;
                    }
                }
            }
        }
        Ok(out)
    }
}

impl SegmentCollector for SegmentFacets {
    type Fruit = Vec<HashMap<String, u64>>;

    fn collect(&mut self, doc: DocId, _score: Score) {
        if let Some(m) = self.matched.as_mut() {
            m.insert(doc);
        }
    }

    fn harvest(self) -> Self::Fruit {
        let Some(matched) = self.matched else {
            return Vec::new();
        };
        self.columns
            .into_iter()
            .map(|source| {
                let mut map = HashMap::new();
                match source {
                    FacetSource::Missing => {}
                    FacetSource::Bits(sets, col) => {
                        let counts = sets
                            .iter()
                            .map(|set| intersection_len(&matched, set))
                            .collect();
                        name_counts(&col, counts, &mut map);
                    }
                    FacetSource::Column(col) => {
                        let n = col.num_terms();
                        let mut counts = vec![0u64; n];
                        // The last document counted per value: a document counts once per
                        // value however often it holds it.
                        let mut last = vec![DocId::MAX; n];
                        let mut docs = tantivy::query::BitSetDocSet::from(matched.clone());
                        let mut doc = docs.doc();
                        while doc != tantivy::TERMINATED {
                            for ord in col.term_ords(doc) {
                                let i = usize::try_from(ord).unwrap_or(usize::MAX);
                                if let (Some(c), Some(l)) = (counts.get_mut(i), last.get_mut(i)) {
                                    if *l != doc {
                                        *l = doc;
                                        *c += 1;
                                    }
                                }
                            }
                            doc = docs.advance();
                        }
                        name_counts(&col, counts, &mut map);
                    }
                }
                map
            })
            .collect()
    }
}

/// `(value, count)` of the values counted at least once.
fn name_counts(col: &StrColumn, counts: Vec<u64>, map: &mut HashMap<String, u64>) {
    let mut s = String::new();
    for (ord, n) in counts.into_iter().enumerate() {
        if n == 0 {
            continue;
        }
        s.clear();
        if col.ord_to_str(ord as u64, &mut s).unwrap_or(false) {
            map.insert(s.clone(), n);
        }
    }
}
