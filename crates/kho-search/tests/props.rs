//! Any input tokenizes without panicking, NFC, NFD and mixed forms of the same text give
//! identical token streams in all three analyzers, and the analyzers' shortcuts (skipped
//! normalisation passes, the per-thread spelling cache, one pass for all three streams, the
//! per-thread cache of analysed texts) change nothing: they give what the plain pipeline
//! gives, token for token, and an index of dataset documents built with them is the index
//! the plain pipeline builds, posting for posting, answering queries alike.

use kho_search::{analyze, register, Stream, ViTokenizer, VI, VI_BIGRAM, VI_FOLD};
use proptest::prelude::*;
use serde_json::{json, Map, Value};
use tantivy::collector::TopDocs;
use tantivy::postings::Postings as _;
use tantivy::query::{PhraseQuery, Query, TermQuery};
use tantivy::schema::IndexRecordOption;
use tantivy::tokenizer::{
    PreTokenizedStream, PreTokenizedString, TextAnalyzer, Token, TokenStream, Tokenizer,
};
use tantivy::{DocSet, Index, TantivyDocument, Term, TERMINATED};
use unicode_normalization::UnicodeNormalization;

const STREAMS: [Stream; 3] = [Stream::Exact, Stream::Folded, Stream::Bigram];

/// Text biased towards what breaks Vietnamese tokenizing: letters with and without
/// diacritics, loose combining marks, control characters, separators, and arbitrary chars.
fn text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        4 => prop::sample::select(vec![
            "Đà Nẵng", "hoà", "hòa", "thuỷ", "kỹ", "Nghệ An", "QUÝ", "yêu", "İ", "ß", "ﬁ",
            " ", "\t", "\n", ",", "-", "0", "\u{0}", "\u{7f}", "\u{200b}", "\u{feff}",
        ])
        .prop_map(str::to_owned),
        2 => (0x300u32..0x370).prop_map(|c| char::from_u32(c).map(String::from).unwrap_or_default()),
        3 => any::<char>().prop_map(String::from),
    ];
    prop::collection::vec(piece, 0..200).prop_map(|v| v.concat())
}

fn via_tantivy(text: &str, stream: Stream) -> Vec<String> {
    let mut tokenizer = ViTokenizer::new(stream);
    let mut tokens = tokenizer.token_stream(text);
    let mut out = Vec::new();
    while tokens.advance() {
        out.push(tokens.token().text.clone());
    }
    out
}

/// The plain pipeline the analyzers implement, without shortcuts: `(text, position,
/// offset_from, offset_to)` per token.
fn reference(text: &str, stream: Stream) -> Vec<(String, usize, usize, usize)> {
    use unicode_normalization::char::is_combining_mark;
    let normalized: String = text.nfc().flat_map(char::to_lowercase).nfc().collect();
    let mut exact = Vec::new();
    let mut start = None;
    let ends = normalized
        .char_indices()
        .chain(std::iter::once((normalized.len(), ' ')));
    for (at, c) in ends {
        let word = c.is_alphanumeric() || is_combining_mark(c);
        match (start, word) {
            (None, true) => start = Some(at),
            (Some(from), false) => {
                start = None;
                let raw = &normalized[from..at];
                if raw.len() <= kho_search::analysis::MAX_TOKEN_BYTES {
                    let n = exact.len();
                    exact.push((kho_search::syllable::normalize(raw), n, from, at));
                }
            }
            _ => {}
        }
    }
    if stream == Stream::Exact {
        return exact;
    }
    let folded: Vec<_> = exact
        .into_iter()
        .map(|(t, p, a, b)| {
            (
                kho_search::syllable::normalize(&kho_core::fold::fold(&t)),
                p,
                a,
                b,
            )
        })
        .filter(|t| !t.0.is_empty())
        .collect();
    if stream == Stream::Folded {
        return folded;
    }
    folded
        .windows(2)
        .map(|w| (format!("{} {}", w[0].0, w[1].0), w[0].1, w[0].2, w[1].3))
        .collect()
}

fn tokens_of(text: &str, stream: Stream) -> Vec<(String, usize, usize, usize)> {
    let mut tokenizer = ViTokenizer::new(stream);
    let mut tokens = tokenizer.token_stream(text);
    let mut out = Vec::new();
    while tokens.advance() {
        let t = tokens.token();
        out.push((t.text.clone(), t.position, t.offset_from, t.offset_to));
    }
    out
}

proptest! {
    #[test]
    fn shortcuts_change_nothing(s in text(), ascii in "[ -~]{0,80}") {
        for stream in STREAMS {
            // Twice: the second time the spellings come from the cache.
            prop_assert_eq!(tokens_of(&s, stream), reference(&s, stream));
            prop_assert_eq!(tokens_of(&s, stream), reference(&s, stream));
            prop_assert_eq!(tokens_of(&ascii, stream), reference(&ascii, stream));
        }
    }

    #[test]
    fn streams_in_any_order_and_field_change_nothing(
        texts in prop::collection::vec(text(), 1..4),
        order in Just(STREAMS.to_vec()).prop_shuffle(),
    ) {
        // As an indexing thread sees them: the texts of a document, each through several
        // fields' tokenizers in any order, the later ones answered from the text cache.
        for round in 0..2 {
            for s in &texts {
                for &stream in &order {
                    prop_assert_eq!(tokens_of(s, stream), reference(s, stream), "round {}", round);
                }
            }
        }
        for s in &texts {
            for stream in STREAMS {
                let texts: Vec<String> = reference(s, stream).into_iter().map(|t| t.0).collect();
                prop_assert_eq!(analyze(s, stream), texts);
            }
        }
    }

    #[test]
    fn nfc_and_nfd_tokenize_alike(s in text()) {
        let nfc: String = s.nfc().collect();
        let nfd: String = s.nfd().collect();
        for stream in STREAMS {
            let tokens = analyze(&s, stream);
            prop_assert_eq!(&tokens, &analyze(&nfc, stream));
            prop_assert_eq!(&tokens, &analyze(&nfd, stream));
            prop_assert_eq!(&tokens, &via_tantivy(&nfd, stream));
            prop_assert!(tokens.iter().all(|t| !t.is_empty()));
        }
    }

    #[test]
    fn arbitrary_strings_do_not_panic(s in any::<String>()) {
        for stream in STREAMS {
            let _ = via_tantivy(&s, stream);
        }
    }

    #[test]
    fn analysis_is_idempotent(s in text()) {
        // Indexed tokens re-analysed give themselves: a query copied from a result finds it.
        for stream in [Stream::Exact, Stream::Folded] {
            let once = analyze(&s, stream);
            prop_assert_eq!(&analyze(&once.join(" "), stream), &once);
        }
    }
}

#[test]
fn very_long_input() {
    let long_word = "ạ".repeat(500_000);
    let long_text = "Đà Nẵng, hoà bình; ".repeat(50_000);
    let marks = "\u{301}".repeat(100_000);
    for stream in STREAMS {
        assert!(analyze(&long_word, stream).is_empty());
        assert_eq!(
            analyze(&long_text, stream).len(),
            match stream {
                Stream::Bigram => 200_000 - 1,
                _ => 200_000,
            }
        );
        let _ = analyze(&marks, stream);
    }
}

/// The plain pipeline ([`reference`]) as a Tantivy tokenizer: what the analyzers did before
/// they shared work between streams and fields.
#[derive(Clone)]
struct Plain(Stream);

impl Tokenizer for Plain {
    type TokenStream<'a> = PreTokenizedStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> PreTokenizedStream {
        let tokens = reference(text, self.0)
            .into_iter()
            .map(|(text, position, offset_from, offset_to)| Token {
                offset_from,
                offset_to,
                position,
                text,
                position_length: 1,
            })
            .collect();
        PreTokenizedStream::from(PreTokenizedString {
            text: text.to_owned(),
            tokens,
        })
    }
}

/// One field's postings: per term, per document, the term frequency and the positions.
type Postings = Vec<(Vec<u8>, Vec<(u32, u32, Vec<u32>)>)>;

/// Everything the inverted index holds for the analysed fields: postings and field norms.
#[derive(Debug, PartialEq)]
struct Dump {
    postings: Vec<(String, Postings)>,
    norms: Vec<(String, Vec<u32>)>,
}

struct Built {
    index: Index,
    fields: kho_search::schema::Fields,
}

/// The index of `dicts` (dataset and resource documents, one segment), with the real
/// analyzers or with the plain pipeline.
fn build_index(dicts: &[Map<String, Value>], plain: bool) -> Built {
    let (schema, fields) = kho_search::schema::build();
    let index = Index::create_in_ram(schema);
    if plain {
        for (name, stream) in [
            (VI, Stream::Exact),
            (VI_FOLD, Stream::Folded),
            (VI_BIGRAM, Stream::Bigram),
        ] {
            index
                .tokenizers()
                .register(name, TextAnalyzer::from(Plain(stream)));
        }
    } else {
        register(index.tokenizers());
    }
    let mut writer = index
        .writer_with_num_threads::<TantivyDocument>(1, 50_000_000)
        .expect("writer");
    let labels = vec!["public".to_owned()];
    let aliases = vec!["Sở Tài nguyên và Môi trường cũ".to_owned()];
    for dict in dicts {
        for doc in kho_search::doc::resource_docs(&fields, dict, &labels) {
            writer.add_document(doc).expect("add");
        }
        let doc = kho_search::doc::build(&fields, dict, &labels, &aliases);
        writer.add_document(doc).expect("add");
    }
    writer.commit().expect("commit");
    Built { index, fields }
}

fn dump(built: &Built) -> Dump {
    let schema = built.index.schema();
    let searcher = built.index.reader().expect("reader").searcher();
    let segments = searcher.segment_readers();
    assert!(segments.len() <= 1, "one segment, so doc ids line up");
    let mut out = Dump {
        postings: Vec::new(),
        norms: Vec::new(),
    };
    let Some(segment) = segments.first() else {
        return out;
    };
    for (field, entry) in schema.fields() {
        if !entry.is_indexed() {
            continue;
        }
        let inverted = segment.inverted_index(field).expect("inverted index");
        let with_positions = entry.field_type().get_index_record_option()
            == Some(IndexRecordOption::WithFreqsAndPositions);
        let option = if with_positions {
            IndexRecordOption::WithFreqsAndPositions
        } else {
            IndexRecordOption::Basic
        };
        let mut terms = Vec::new();
        let mut stream = inverted.terms().stream().expect("terms");
        while stream.advance() {
            let mut postings = inverted
                .read_postings_from_terminfo(stream.value(), option)
                .expect("postings");
            let mut docs = Vec::new();
            while postings.doc() != TERMINATED {
                let mut positions = Vec::new();
                if with_positions {
                    postings.positions(&mut positions);
                }
                docs.push((postings.doc(), postings.term_freq(), positions));
                postings.advance();
            }
            terms.push((stream.key().to_vec(), docs));
        }
        out.postings.push((entry.name().to_owned(), terms));
        if with_positions {
            if let Ok(norms) = segment.get_fieldnorms_reader(field) {
                let ids = 0..segment.max_doc();
                out.norms.push((
                    entry.name().to_owned(),
                    ids.map(|d| norms.fieldnorm_id(d).into()).collect(),
                ));
            }
        }
    }
    out
}

/// Queries of the shapes the compiler builds, on both indexes: single syllables, phrases
/// with and without slop (in `text`, across the boundaries of its concatenated values), bigrams and
/// folded terms. `(doc, score)` of every hit.
fn answers(built: &Built, queries: &[&str]) -> Vec<Vec<(u32, u32)>> {
    let searcher = built.index.reader().expect("reader").searcher();
    let mut out = Vec::new();
    for q in queries {
        for name in ["text", "title", "notes", "res_name"] {
            let Some(f) = built.fields.text(name) else {
                continue;
            };
            let mut fields = vec![(f.exact, Stream::Exact), (f.folded, Stream::Folded)];
            fields.extend(f.bigram.map(|b| (b, Stream::Bigram)));
            for (field, stream) in fields {
                let terms: Vec<Term> = analyze(q, stream)
                    .iter()
                    .map(|t| Term::from_field_text(field, t))
                    .collect();
                let mut queries: Vec<Box<dyn Query>> = Vec::new();
                match terms.len() {
                    0 => continue,
                    1 => queries.push(Box::new(TermQuery::new(
                        terms[0].clone(),
                        IndexRecordOption::WithFreqs,
                    ))),
                    _ => {
                        for slop in [0, 1, 3] {
                            let mut phrase = PhraseQuery::new(terms.clone());
                            phrase.set_slop(slop);
                            queries.push(Box::new(phrase));
                        }
                    }
                }
                for query in queries {
                    let hits = searcher
                        .search(&query, &TopDocs::with_limit(1_000).order_by_score())
                        .expect("search");
                    out.push(
                        hits.into_iter()
                            .map(|(score, at)| (at.doc_id, score.to_bits()))
                            .collect(),
                    );
                }
            }
        }
    }
    out
}

fn dataset(i: usize, title: &str, notes: &str, words: &[String]) -> Map<String, Value> {
    let word = |k: usize| {
        words
            .get(k % words.len().max(1))
            .cloned()
            .unwrap_or_default()
    };
    let resources: Vec<Value> = (0..1 + i % 4)
        .map(|r| {
            json!({
                "id": format!("{i}-r{r}"), "name": word(r), "description": word(r + 1),
                "format": "CSV", "url": format!("https://x.gov.vn/{i}/{}.csv", word(r + 2)),
            })
        })
        .collect();
    let d = json!({
        "id": format!("d{i}"), "name": format!("bo-du-lieu-{i}"), "title": title,
        "notes": notes, "author": word(3), "maintainer": word(4),
        "author_email": "a@x.gov.vn", "maintainer_email": word(5),
        "private": false, "state": "active", "type": "dataset", "license_title": word(6),
        "metadata_created": "2026-01-01T00:00:00", "metadata_modified": "2026-02-01T00:00:00",
        "organization": {"name": "so-gd", "title": word(7)},
        "groups": [{"name": "kinh-te", "title": word(8)}],
        "tags": [{"name": word(9)}, {"name": "giáo dục"}],
        "resources": resources,
        "extras": [{"key": "tỉnh", "value": word(10)}, {"key": "nam", "value": "2024"}],
        "chu_de": word(11),
    });
    d.as_object().cloned().unwrap_or_default()
}

const QUERIES: &[&str] = &[
    "Đà Nẵng",
    "da nang",
    "hoà bình",
    "hòa",
    "giáo dục",
    "giao duc",
    "kỹ thuật",
    "nghe an",
    // Across `text` values: the end of the title, then the start of the notes.
    "tĩnh số",
    "bo du lieu",
    "bảng 2024",
    "so gd",
    "x",
];

#[test]
fn index_equals_the_plain_pipelines() {
    let words: Vec<String> = [
        "Đà Nẵng",
        "hoà bình",
        "Hòa Bình kỹ thuật",
        "Bảng số liệu 2024",
        "Sở Giáo dục",
        "nghệ an",
        "QUÝ",
        "x",
        "",
        "\u{301}\u{301} đ",
    ]
    .map(str::to_owned)
    .to_vec();
    let dicts: Vec<_> = (0..12)
        .map(|i| {
            dataset(
                i,
                &format!("Dữ liệu {} tỉnh Hà Tĩnh", words[i % words.len()]),
                &format!(
                    "Số liệu giáo dục, y tế của tỉnh Nghệ An. {} Kĩ thuật và Đà Nẵng; da nang.",
                    words[(i + 3) % words.len()]
                ),
                &words[i % 3..],
            )
        })
        .collect();
    let (real, plain) = (build_index(&dicts, false), build_index(&dicts, true));
    let dumped = dump(&real);
    assert!(dumped
        .postings
        .iter()
        .any(|(f, t)| f == "text_bigram" && !t.is_empty()));
    assert_eq!(dumped, dump(&plain));
    let answered = answers(&real, QUERIES);
    assert!(answered.iter().filter(|hits| !hits.is_empty()).count() > 20);
    assert_eq!(answered, answers(&plain, QUERIES));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn any_index_equals_the_plain_pipelines(
        docs in prop::collection::vec((text(), text(), prop::collection::vec(text(), 1..6)), 1..4),
    ) {
        let dicts: Vec<_> = docs
            .iter()
            .enumerate()
            .map(|(i, (title, notes, words))| dataset(i, title, notes, words))
            .collect();
        let (real, plain) = (build_index(&dicts, false), build_index(&dicts, true));
        prop_assert_eq!(dump(&real), dump(&plain));
        let queries: Vec<&str> = docs.iter().map(|d| d.0.as_str()).chain(QUERIES.iter().copied()).collect();
        prop_assert_eq!(answers(&real, &queries), answers(&plain, &queries));
    }
}
