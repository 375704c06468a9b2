//! A throwaway in-memory index for the analysis tests: one text field analysed three ways
//! and the query shape issue 4 plans for free text (every syllable must match, exactly or
//! folded; exact matches and adjacent-syllable bigrams add score). The real index and
//! query layer will replace this; it lives under tests/ so nothing ships with it.

use kho_search::{analyze, register, Stream, VI, VI_BIGRAM, VI_FOLD};
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::{
    Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, Value, STORED, STRING,
};
use tantivy::{doc, Index, IndexReader, TantivyDocument, Term};

/// Boosts: an exact-diacritic syllable counts double a folded one, and a matching pair of
/// adjacent syllables more again, so "Nghệ An" beats "nghe … an".
const EXACT_BOOST: f32 = 2.0;
const BIGRAM_BOOST: f32 = 3.0;

pub struct RamIndex {
    reader: IndexReader,
    id: Field,
    exact: Field,
    folded: Field,
    bigram: Field,
}

fn analysed(tokenizer: &str) -> TextOptions {
    TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(tokenizer)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    )
}

impl RamIndex {
    /// One document per text; search results name documents by their text.
    pub fn with(texts: &[&str]) -> Self {
        let mut builder = Schema::builder();
        let id = builder.add_text_field("id", STRING | STORED);
        let exact = builder.add_text_field("text_vi", analysed(VI));
        let folded = builder.add_text_field("text_fold", analysed(VI_FOLD));
        let bigram = builder.add_text_field("text_bigram", analysed(VI_BIGRAM));
        let index = Index::create_in_ram(builder.build());
        register(index.tokenizers());
        let mut writer = index
            .writer_with_num_threads::<TantivyDocument>(1, 15_000_000)
            .expect("writer");
        for text in texts {
            writer
                .add_document(doc!(id => *text, exact => *text, folded => *text, bigram => *text))
                .expect("add");
        }
        writer.commit().expect("commit");
        let reader = index.reader().expect("reader");
        Self {
            reader,
            id,
            exact,
            folded,
            bigram,
        }
    }

    fn query(&self, q: &str) -> BooleanQuery {
        let term = |field, text: &str| -> Box<dyn Query> {
            Box::new(TermQuery::new(
                Term::from_field_text(field, text),
                IndexRecordOption::WithFreqs,
            ))
        };
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for syllable in analyze(q, Stream::Exact) {
            let mut either: Vec<(Occur, Box<dyn Query>)> = vec![(
                Occur::Should,
                Box::new(BoostQuery::new(term(self.exact, &syllable), EXACT_BOOST)),
            )];
            for f in analyze(&syllable, Stream::Folded) {
                either.push((Occur::Should, term(self.folded, &f)));
            }
            clauses.push((Occur::Must, Box::new(BooleanQuery::new(either))));
        }
        for pair in analyze(q, Stream::Bigram) {
            clauses.push((
                Occur::Should,
                Box::new(BoostQuery::new(term(self.bigram, &pair), BIGRAM_BOOST)),
            ));
        }
        BooleanQuery::new(clauses)
    }

    /// The texts of the matching documents, best first.
    pub fn search(&self, q: &str) -> Vec<String> {
        let searcher = self.reader.searcher();
        let hits = searcher
            .search(&self.query(q), &TopDocs::with_limit(100).order_by_score())
            .expect("search");
        hits.into_iter()
            .map(|(_, address)| {
                let doc: TantivyDocument = searcher.doc(address).expect("doc");
                doc.get_first(self.id)
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .to_owned()
            })
            .collect()
    }
}
