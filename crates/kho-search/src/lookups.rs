//! Index lookups besides `package_search`: `package_autocomplete`, `tag_search` /
//! `tag_autocomplete` and `resource_search`. Each keeps to the documents the caller may
//! read (permission labels, open/active filters given by the catalogue) inside the query.

use chrono::NaiveDateTime;
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{
    BooleanQuery, ConstScoreQuery, Occur, Query as TQuery, RegexQuery, TermQuery,
};
use tantivy::schema::IndexRecordOption;
use tantivy::Order;

use crate::compile::regex_escape;
use crate::doc::{AC_KEY, AC_NAME, AC_TITLE, RESOURCE, SEP, TAG_KEY};
use crate::index::{SearchIndex, SearchRequest};
use crate::SearchError;

/// Longest text these lookups match on: they build regexes over the term dictionary.
pub const MAX_LOOKUP_CHARS: usize = 200;

/// A regex matching the exact-string values of `path` that contain `needle`
/// (`case_insensitive`: any case).
fn contains(
    index: &SearchIndex,
    path: &str,
    needle: &str,
    case_insensitive: bool,
) -> Box<dyn TQuery> {
    let escaped = regex_escape(needle);
    let flags = if case_insensitive { "(?i)" } else { "" };
    // The term bytes of a JSON path: the path, NUL, the type code `s`, the value.
    let pattern = format!("{}\u{0}s{flags}.*{escaped}.*", regex_escape(path));
    match RegexQuery::from_pattern(&pattern, index.fields.strings) {
        Ok(q) => Box::new(q),
        Err(_) => Box::new(tantivy::query::EmptyQuery),
    }
}

fn filtered(main: Box<dyn TQuery>, extra: Vec<Box<dyn TQuery>>) -> Box<dyn TQuery> {
    let mut clauses = vec![(Occur::Must, main)];
    for q in extra {
        clauses.push((
            Occur::Must,
            Box::new(ConstScoreQuery::new(q, 0.0)) as Box<dyn TQuery>,
        ));
    }
    Box::new(BooleanQuery::new(clauses))
}

/// A tag found by [`SearchIndex::tags`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagHit {
    pub id: String,
    pub name: String,
    pub vocabulary_id: Option<String>,
}

/// A resource found by [`SearchIndex::resources`]: its dict as JSON text.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceHits {
    pub count: u64,
    pub results: Vec<String>,
}

impl SearchIndex {
    /// `(name, title)` of the datasets whose folded name or title contains `needle` (already
    /// folded), among those `fq`/`labels` allow, sorted by name.
    pub fn autocomplete(
        &self,
        needle: &str,
        fq: &[String],
        labels: Option<&[String]>,
        now: NaiveDateTime,
    ) -> Result<Vec<(String, String)>, SearchError> {
        if needle.chars().count() > MAX_LOOKUP_CHARS {
            return Ok(Vec::new());
        }
        let main: Box<dyn TQuery> = Box::new(BooleanQuery::new(vec![
            (Occur::Should, contains(self, AC_NAME, needle, false)),
            (Occur::Should, contains(self, AC_TITLE, needle, false)),
        ]));
        let values = self.values_matching(main, AC_KEY, fq, labels, now)?;
        let mut out: Vec<(String, String)> = values
            .into_iter()
            .filter_map(|(v, _)| {
                let (name, title) = v.split_once(SEP)?;
                Some((name.to_owned(), title.to_owned()))
            })
            .collect();
        out.sort();
        Ok(out)
    }

    /// Tags of the readable datasets whose name contains every one of `terms` (any case),
    /// of one vocabulary (`None`: free tags), sorted by name.
    pub fn tags(
        &self,
        terms: &[String],
        vocabulary_id: Option<&str>,
        fq: &[String],
        labels: Option<&[String]>,
        now: NaiveDateTime,
    ) -> Result<Vec<TagHit>, SearchError> {
        if terms.iter().any(|t| t.chars().count() > MAX_LOOKUP_CHARS) {
            return Ok(Vec::new());
        }
        let main: Box<dyn TQuery> = Box::new(BooleanQuery::new(
            terms
                .iter()
                .map(|t| (Occur::Must, contains(self, TAG_KEY, t, true)))
                .collect(),
        ));
        let values = self.values_matching(main, TAG_KEY, fq, labels, now)?;
        let mut out: Vec<TagHit> = values
            .into_iter()
            .filter_map(|(v, _)| {
                let mut parts = v.split(SEP);
                let (name, id, vocab) = (parts.next()?, parts.next()?, parts.next()?);
                let lower = name.to_lowercase();
                let all = terms.iter().all(|t| lower.contains(&t.to_lowercase()));
                let same_vocab = vocabulary_id.unwrap_or_default() == vocab;
                (all && same_vocab).then(|| TagHit {
                    id: id.to_owned(),
                    name: name.to_owned(),
                    vocabulary_id: (!vocab.is_empty()).then(|| vocab.to_owned()),
                })
            })
            .collect();
        out.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.id.cmp(&b.id)));
        out.dedup_by(|a, b| a.id == b.id);
        Ok(out)
    }

    /// Values of `field` over the documents matching `main` and the filters.
    fn values_matching(
        &self,
        main: Box<dyn TQuery>,
        field: &str,
        fq: &[String],
        labels: Option<&[String]>,
        now: NaiveDateTime,
    ) -> Result<Vec<(String, u64)>, SearchError> {
        let req = SearchRequest {
            q: String::new(),
            fq: fq.to_vec(),
            labels: labels.map(<[String]>::to_vec),
            sort: Vec::new(),
            rows: 0,
            start: 0,
            facet_fields: vec![field.to_owned()],
            facet_limit: None,
            facet_mincount: 1,
            now,
            include_private: false,
        };
        let query = filtered(self.full_query(&req)?, vec![main]);
        let searcher = self.reader.searcher();
        let counter = crate::index::FacetCounter {
            columns: vec![format!("s.{field}")],
            caches: self.caches.clone(),
        };
        let mut facets = searcher
            .search(&query, &counter)
            .map_err(SearchError::index)?;
        Ok(facets.pop().unwrap_or_default().into_iter().collect())
    }

    /// `resource_search`: active resources of active open datasets whose fields match
    /// every `(field, value, mode)`, `offset`/`limit`, ordered by `order_by` when it is
    /// the resource's `id` or `name`, otherwise by id.
    pub fn resources(
        &self,
        conditions: &[(String, String, Match)],
        order_by: Option<&str>,
        offset: usize,
        limit: Option<usize>,
    ) -> Result<ResourceHits, SearchError> {
        let mut must: Vec<(Occur, Box<dyn TQuery>)> = vec![
            (Occur::Must, Box::new(self.entity(RESOURCE))),
            (Occur::Must, self.term("package_state", "active")),
            (Occur::Must, self.term("package_capacity", "public")),
            (Occur::Must, self.term("state", "active")),
        ];
        for (field, value, mode) in conditions {
            if value.chars().count() > MAX_LOOKUP_CHARS {
                return Ok(ResourceHits {
                    count: 0,
                    results: Vec::new(),
                });
            }
            let q: Box<dyn TQuery> = match mode {
                Match::Equal => self.term(field, value),
                Match::Contains => contains(self, field, value, true),
                Match::Prefix => {
                    let escaped = regex_escape(value);
                    let pattern = format!("{}\u{0}s(?i){escaped}.*", regex_escape(field));
                    match RegexQuery::from_pattern(&pattern, self.fields.strings) {
                        Ok(q) => Box::new(q),
                        Err(_) => Box::new(tantivy::query::EmptyQuery),
                    }
                }
            };
            must.push((Occur::Must, q));
        }
        let query = BooleanQuery::new(must);
        let searcher = self.reader.searcher();
        let count = searcher
            .search(&query, &Count)
            .map_err(SearchError::index)?;
        let want = limit.unwrap_or(count).min(count.saturating_sub(offset));
        let mut results = Vec::new();
        if want > 0 {
            let column = match order_by {
                Some("name") => "sort_name",
                _ => "sort_id",
            };
            let top = TopDocs::with_limit(want)
                .and_offset(offset)
                .order_by_string_fast_field(column, Order::Asc);
            for (_, addr) in searcher.search(&query, &top).map_err(SearchError::index)? {
                results.push(self.stored_dict(&searcher, addr)?);
            }
        }
        Ok(ResourceHits {
            count: count as u64,
            results,
        })
    }

    fn term(&self, path: &str, value: &str) -> Box<dyn TQuery> {
        Box::new(TermQuery::new(
            self.str_term(path, value),
            IndexRecordOption::Basic,
        ))
    }
}

/// How a `resource_search` condition compares (CKAN: text columns by case-insensitive
/// substring, `hash` by prefix, other columns by equality).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Match {
    Contains,
    Prefix,
    Equal,
}
