//! The three Vietnamese analyzers, as Tantivy tokenizers registered under stable names.
//!
//! All three start the same way: NFC-normalise (NFD text otherwise splits inside a syllable,
//! because combining marks are not alphanumeric: landscape.md §6.3 item 1), lower-case,
//! split into syllables on anything that is not a letter, digit or combining mark, and bring
//! each syllable to its canonical spelling ([`crate::syllable`]). Then:
//!
//! - [`VI`]: those syllables, diacritics kept; an exact-diacritic match scores here.
//! - [`VI_FOLD`]: the same syllables folded with [`kho_core::fold::fold`] (diacritics off,
//!   đ→d), so "da nang" finds "Đà Nẵng".
//! - [`VI_BIGRAM`]: adjacent folded syllables joined by a space ("nghe an"), standing in for
//!   word segmentation: a text where the two syllables stand side by side outranks one where
//!   they are far apart, without a dictionary.
//!
//! No stemming of any kind: English stemmers turn Vietnamese syllables into nonsense.
//!
//! Token offsets point into the normalised (NFC, lower-cased) text, not the caller's bytes:
//! normalisation can change lengths, and nothing uses offsets yet (highlighting would need
//! a mapping back).

use std::cell::{OnceCell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use kho_core::fold::fold;
use rustc_hash::FxBuildHasher;
use tantivy::tokenizer::{TextAnalyzer, Token, TokenStream, Tokenizer, TokenizerManager};
use unicode_normalization::char::is_combining_mark;
use unicode_normalization::{is_nfc_quick, IsNormalized, UnicodeNormalization};

use crate::syllable;

/// Syllables with diacritics.
pub const VI: &str = "vi";
/// Syllables folded: no diacritics, đ→d.
pub const VI_FOLD: &str = "vi_fold";
/// Adjacent folded syllables, "nghe an".
pub const VI_BIGRAM: &str = "vi_bigram";

/// Tokens longer than this are dropped. A Vietnamese syllable is at most about 20 bytes;
/// runs this long are hashes, base64 or junk nobody types, and Tantivy refuses terms over
/// 64 KiB. The cap also bounds the per-token normalisation work.
pub const MAX_TOKEN_BYTES: usize = 255;

/// Which of the three streams an [`ViTokenizer`] produces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stream {
    Exact,
    Folded,
    Bigram,
}

/// A Tantivy tokenizer for one of the three streams.
#[derive(Clone, Copy, Debug)]
pub struct ViTokenizer {
    stream: Stream,
}

impl ViTokenizer {
    pub fn new(stream: Stream) -> Self {
        Self { stream }
    }
}

/// Registers [`VI`], [`VI_FOLD`] and [`VI_BIGRAM`] with an index's tokenizer manager.
pub fn register(manager: &TokenizerManager) {
    for (name, stream) in [
        (VI, Stream::Exact),
        (VI_FOLD, Stream::Folded),
        (VI_BIGRAM, Stream::Bigram),
    ] {
        manager.register(name, TextAnalyzer::from(ViTokenizer::new(stream)));
    }
}

/// The token texts of one stream, for building queries and for tests.
pub fn analyze(text: &str, stream: Stream) -> Vec<String> {
    tokens(text, stream).into_iter().map(|t| t.text).collect()
}

/// Canonical spellings already computed on this thread: `(exact, folded)` per raw token.
/// Texts repeat the same few thousand syllables, and parsing one (NFD, the tone rules,
/// NFC, folding) costs far more than a lookup.
struct SpellingCache {
    map: HashMap<String, (String, String), FxBuildHasher>,
}

/// Entries kept before the cache starts afresh (a few MB at most).
const CACHE_ENTRIES: usize = 50_000;

thread_local! {
    static SPELLINGS: RefCell<SpellingCache> = RefCell::new(SpellingCache { map: HashMap::default() });
}

/// The exact and folded spellings of one raw (NFC, lower-case) token.
fn spellings(raw: &str) -> (String, String) {
    let compute = || {
        let exact = syllable::normalize(raw);
        // Fold, then map i/y again: a token that did not parse as a syllable with its
        // marks (say two tone marks, "quý̀") may parse once folded, and must fold to what
        // the query "quy" folds to.
        let folded = syllable::normalize(&fold(&exact));
        (exact, folded)
    };
    SPELLINGS
        .try_with(|cache| {
            let Ok(mut cache) = cache.try_borrow_mut() else {
                return compute();
            };
            if let Some(hit) = cache.map.get(raw) {
                return hit.clone();
            }
            let value = compute();
            if cache.map.len() >= CACHE_ENTRIES {
                cache.map.clear();
            }
            cache.map.insert(raw.to_owned(), value.clone());
            value
        })
        .unwrap_or_else(|_| compute())
}

/// NFC, lower-cased, NFC again (lower-casing can decompose: U+0130 → "i\u{307}"), skipping
/// the passes that cannot change anything: ASCII text, and text the quick check already
/// finds in NFC.
fn normalized_text(text: &str) -> String {
    if text.is_ascii() {
        return text.to_ascii_lowercase();
    }
    let composed: std::borrow::Cow<'_, str> = if is_nfc_quick(text.chars()) == IsNormalized::Yes {
        std::borrow::Cow::Borrowed(text)
    } else {
        std::borrow::Cow::Owned(text.nfc().collect())
    };
    let lower: String = composed.chars().flat_map(char::to_lowercase).collect();
    if is_nfc_quick(lower.chars()) == IsNormalized::Yes {
        lower
    } else {
        lower.nfc().collect()
    }
}

/// The three streams of one text, computed in one pass: normalisation, splitting and
/// spelling are shared, and the bigrams are the folded syllables paired (built when first
/// asked for: most fields have no bigram field).
struct Analysed {
    exact: Vec<Token>,
    folded: Vec<Token>,
    bigram: OnceCell<Vec<Token>>,
}

impl Analysed {
    fn of(text: &str) -> Self {
        // NFC of an NFD string equals NFC of its NFC form, so NFD and NFC input give the
        // same tokens.
        let normalized = normalized_text(text);
        let is_word = |c: char| c.is_alphanumeric() || is_combining_mark(c);
        let mut exact = Vec::new();
        let mut folded = Vec::new();
        let mut start = None;
        let mut position = 0;
        // A sentinel space closes the last run without a second copy of the closing code.
        let ends = normalized
            .char_indices()
            .chain(std::iter::once((normalized.len(), ' ')));
        for (at, c) in ends {
            match (start, is_word(c)) {
                (None, true) => start = Some(at),
                (Some(from), false) => {
                    start = None;
                    let raw = &normalized[from..at];
                    if raw.len() > MAX_TOKEN_BYTES {
                        continue;
                    }
                    let (exact_text, folded_text) = spellings(raw);
                    let token = |text| Token {
                        offset_from: from,
                        offset_to: at,
                        position,
                        text,
                        position_length: 1,
                    };
                    // A token of stray combining marks folds to nothing; an empty term
                    // matches nothing useful. (Positions count the exact syllables.)
                    if !exact_text.is_empty() {
                        exact.push(token(exact_text));
                    }
                    if !folded_text.is_empty() {
                        folded.push(token(folded_text));
                    }
                    position += 1;
                }
                _ => {}
            }
        }
        Analysed {
            exact,
            folded,
            bigram: OnceCell::new(),
        }
    }

    fn stream(&self, stream: Stream) -> &[Token] {
        match stream {
            Stream::Exact => &self.exact,
            Stream::Folded => &self.folded,
            Stream::Bigram => self.bigram.get_or_init(|| {
                self.folded
                    .windows(2)
                    .map(|pair| {
                        let (a, b) = (&pair[0], &pair[1]);
                        let mut text = String::with_capacity(a.text.len() + 1 + b.text.len());
                        text.push_str(&a.text);
                        text.push(' ');
                        text.push_str(&b.text);
                        Token {
                            offset_from: a.offset_from,
                            offset_to: b.offset_to,
                            position: a.position,
                            text,
                            position_length: 1,
                        }
                    })
                    .collect()
            }),
        }
    }
}

/// Texts analysed lately on this thread. Every text of a dataset is indexed into several
/// fields (`notes` into notes_vi, notes_fold, text_vi, text_fold and text_bigram), each
/// field through its own tokenizer, and one indexing thread takes a whole document: the
/// first field analyses a text into all three streams, the others reuse them.
struct TextCache {
    map: HashMap<Box<str>, Rc<Analysed>, FxBuildHasher>,
    bytes: usize,
}

/// Texts, and bytes of them, kept before the cache starts afresh: a few documents' worth.
/// Texts come back within one document, so a small cache hits as well as a large one.
const TEXT_CACHE_ENTRIES: usize = 2_048;
const TEXT_CACHE_BYTES: usize = 4 << 20;

thread_local! {
    static TEXTS: RefCell<TextCache> = RefCell::new(TextCache {
        map: HashMap::default(),
        bytes: 0,
    });
}

/// The streams of `text`, from this thread's cache when it was analysed lately.
fn analysed(text: &str) -> Rc<Analysed> {
    TEXTS
        .try_with(|cache| {
            let Ok(mut cache) = cache.try_borrow_mut() else {
                return Rc::new(Analysed::of(text));
            };
            if let Some(hit) = cache.map.get(text) {
                return hit.clone();
            }
            let value = Rc::new(Analysed::of(text));
            if cache.map.len() >= TEXT_CACHE_ENTRIES || cache.bytes >= TEXT_CACHE_BYTES {
                cache.map.clear();
                cache.bytes = 0;
            }
            cache.bytes += text.len();
            cache.map.insert(text.into(), value.clone());
            value
        })
        .unwrap_or_else(|_| Rc::new(Analysed::of(text)))
}

fn tokens(text: &str, stream: Stream) -> Vec<Token> {
    Analysed::of(text).stream(stream).to_vec()
}

impl Tokenizer for ViTokenizer {
    type TokenStream<'a> = ViTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> ViTokenStream {
        ViTokenStream {
            analysed: analysed(text),
            stream: self.stream,
            next: 0,
            current: Token::default(),
        }
    }
}

/// Tokens computed up front (normalisation needs the whole text, and bigrams need the
/// next syllable), shared with the other streams of the same text.
pub struct ViTokenStream {
    analysed: Rc<Analysed>,
    stream: Stream,
    next: usize,
    current: Token,
}

impl TokenStream for ViTokenStream {
    fn advance(&mut self) -> bool {
        let Some(t) = self.analysed.stream(self.stream).get(self.next) else {
            return false;
        };
        self.next += 1;
        // Copied into the one current token, reusing its buffer: no allocation per token.
        self.current.offset_from = t.offset_from;
        self.current.offset_to = t.offset_to;
        self.current.position = t.position;
        self.current.position_length = t.position_length;
        self.current.text.clone_from(&t.text);
        true
    }

    fn token(&self) -> &Token {
        &self.current
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.current
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams() {
        let text = "Sở Kế hoạch và Đầu tư tỉnh Nghệ An";
        assert_eq!(
            analyze(text, Stream::Exact),
            ["sở", "kế", "hoạch", "và", "đầu", "tư", "tỉnh", "nghệ", "an"]
        );
        assert_eq!(
            analyze(text, Stream::Folded),
            ["so", "ke", "hoach", "va", "dau", "tu", "tinh", "nghe", "an"]
        );
        assert_eq!(
            analyze("Nghệ An, 2024", Stream::Bigram),
            ["nghe an", "an 2024"]
        );
        assert!(analyze("Nghệ", Stream::Bigram).is_empty());
    }

    #[test]
    fn nfd_splits_nowhere() {
        let nfd: String = "Việt Nam".nfd().collect();
        assert_eq!(analyze(&nfd, Stream::Exact), ["việt", "nam"]);
    }

    #[test]
    fn variants_meet_in_the_exact_stream() {
        assert_eq!(
            analyze("Hòa Bình", Stream::Exact),
            analyze("hoà bình", Stream::Exact)
        );
        assert_eq!(
            analyze("kỹ thuật", Stream::Exact),
            analyze("Kĩ thuật", Stream::Exact)
        );
        assert_eq!(analyze("kỹ thuật", Stream::Folded), ["ki", "thuat"]);
    }

    #[test]
    fn long_runs_are_dropped() {
        let long = "a".repeat(MAX_TOKEN_BYTES + 1);
        assert_eq!(analyze(&format!("x {long} y"), Stream::Exact), ["x", "y"]);
    }

    #[test]
    fn tokenizer_stream_matches_analyze() {
        let mut t = ViTokenizer::new(Stream::Folded);
        let mut s = t.token_stream("Đà Nẵng");
        let mut seen = Vec::new();
        while s.advance() {
            seen.push((s.token().text.clone(), s.token().position));
        }
        assert_eq!(seen, [("da".to_owned(), 0), ("nang".to_owned(), 1)]);
    }
}
