//! The index's fields. CKAN's Solr schema has exact string fields, analysed text fields
//! and a `*` dynamic string field that catches every other top-level key of the dataset
//! dict; here the exact and dynamic strings share one JSON field ([`Fields::strings`]),
//! analysed text gets three Tantivy fields per CKAN field (diacritics kept, folded, and
//! for the fields that rank, folded syllable bigrams), and the two timestamps are dates.

use tantivy::schema::{
    DateOptions, DateTimePrecision, Field, IndexRecordOption, JsonObjectOptions, Schema,
    TextFieldIndexing, TextOptions, FAST, STORED, STRING,
};

use crate::analysis::{VI, VI_BIGRAM, VI_FOLD};

/// Bumped whenever the fields or their analysis change: an index written under another
/// version is rebuilt from the store at start.
pub const SCHEMA_VERSION: u32 = 3;

/// The Solr text fields (`text_general`/`text` in CKAN's schema.xml) kho analyses as
/// Vietnamese. `text` is the catch-all that `q` searches by default.
pub const TEXT_FIELDS: &[&str] = &[
    "text",
    "title",
    "notes",
    "res_name",
    "res_description",
    "author",
    "maintainer",
    "author_email",
    "maintainer_email",
    "urls",
];

/// Text fields that also get a bigram field (the ones free-text ranking reads).
const BIGRAM_FIELDS: &[&str] = &["text", "title"];

/// Date fields (Solr `date`): ranges with date math, and sort.
pub const DATE_FIELDS: &[&str] = &["metadata_created", "metadata_modified"];

/// Exact-string fields kept as their own fast columns, so that sorting on them compares
/// whole strings across segments (everything else sorts as "no value": Solr's `*` field).
pub const SORT_FIELDS: &[&str] = &["id", "name", "title_string"];

/// A constant fast field: the "no value" sort key that pads a sort to three criteria.
pub const ZERO: &str = "_zero";

/// One analysed CKAN text field.
#[derive(Debug, Clone, Copy)]
pub struct TextField {
    pub exact: Field,
    pub folded: Field,
    pub bigram: Option<Field>,
}

#[derive(Debug, Clone)]
pub struct Fields {
    /// Stored: the `package_show` dict as JSON text, returned as the search result.
    pub dict: Field,
    /// Every exact-string value by its CKAN field name: `name`, `tags`, `organization`,
    /// `res_format`, profile fields, `extras` keys, … (JSON paths; raw, case-sensitive;
    /// fast, so any of them can be a facet).
    pub strings: Field,
    /// `extras_<key>` as text: diacritics kept / folded.
    pub extras_exact: Field,
    pub extras_folded: Field,
    /// Always 0: see [`ZERO`].
    pub zero: Field,
    /// The dataset a document belongs to (its own id for a dataset, the dataset's for a
    /// resource): replacing or removing a dataset deletes by this term.
    pub owner: Field,
    text: Vec<(&'static str, TextField)>,
    dates: Vec<(&'static str, Field)>,
    sorts: Vec<(&'static str, Field)>,
}

impl Fields {
    pub fn text(&self, name: &str) -> Option<TextField> {
        self.text.iter().find(|(n, _)| *n == name).map(|(_, f)| *f)
    }

    pub fn date(&self, name: &str) -> Option<Field> {
        self.dates.iter().find(|(n, _)| *n == name).map(|(_, f)| *f)
    }

    pub fn sort(&self, name: &str) -> Option<Field> {
        self.sorts.iter().find(|(n, _)| *n == name).map(|(_, f)| *f)
    }

    pub fn texts(&self) -> impl Iterator<Item = (&'static str, TextField)> + '_ {
        self.text.iter().copied()
    }

    pub fn dates(&self) -> impl Iterator<Item = (&'static str, Field)> + '_ {
        self.dates.iter().copied()
    }

    pub fn sorts(&self) -> impl Iterator<Item = (&'static str, Field)> + '_ {
        self.sorts.iter().copied()
    }
}

fn analysed(tokenizer: &str) -> TextFieldIndexing {
    TextFieldIndexing::default()
        .set_tokenizer(tokenizer)
        .set_index_option(IndexRecordOption::WithFreqsAndPositions)
}

/// The schema and its field handles.
pub fn build() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let dict = b.add_text_field("_dict", STORED);
    let strings = b.add_json_field(
        "s",
        JsonObjectOptions::default()
            .set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer("raw")
                    .set_index_option(IndexRecordOption::Basic),
            )
            .set_fast("raw"),
    );
    let extras_exact = b.add_json_field(
        "extras_vi",
        JsonObjectOptions::default().set_indexing_options(analysed(VI)),
    );
    let extras_folded = b.add_json_field(
        "extras_fold",
        JsonObjectOptions::default().set_indexing_options(analysed(VI_FOLD)),
    );
    let text = TEXT_FIELDS
        .iter()
        .map(|&name| {
            let opts = |tok| TextOptions::default().set_indexing_options(analysed(tok));
            let exact = b.add_text_field(&format!("{name}_vi"), opts(VI));
            let folded = b.add_text_field(&format!("{name}_fold"), opts(VI_FOLD));
            let bigram = BIGRAM_FIELDS
                .contains(&name)
                .then(|| b.add_text_field(&format!("{name}_bigram"), opts(VI_BIGRAM)));
            (
                name,
                TextField {
                    exact,
                    folded,
                    bigram,
                },
            )
        })
        .collect();
    let dates = DATE_FIELDS
        .iter()
        .map(|&name| {
            let opts = DateOptions::default()
                .set_indexed()
                .set_fast()
                // Solr keeps dates to the millisecond (Java's Date); so does the column that
                // ranges and sorts read, so that `[T TO *]` includes what Solr includes.
                .set_precision(DateTimePrecision::Milliseconds);
            (name, b.add_date_field(name, opts))
        })
        .collect();
    let sorts = SORT_FIELDS
        .iter()
        .map(|&name| {
            (
                name,
                b.add_text_field(&format!("sort_{name}"), STRING | FAST),
            )
        })
        .collect();
    let zero = b.add_u64_field(ZERO, FAST);
    let owner = b.add_text_field("_owner", STRING);
    let fields = Fields {
        zero,
        owner,
        dict,
        strings,
        extras_exact,
        extras_folded,
        text,
        dates,
        sorts,
    };
    (b.build(), fields)
}

/// Field handles of an existing schema (one built by [`build`] of this version).
pub fn fields_of(schema: &Schema) -> Option<Fields> {
    let (expected, fields) = build();
    (schema == &expected).then_some(fields)
}
