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

use std::cell::RefCell;
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

/// Appends the exact and folded spellings of one raw (NFC, lower-case) token to `buf`, and
/// returns their lengths. Copied from the cache straight into `buf`: this runs once per
/// syllable, and a `String` per spelling would be an allocation each.
fn push_spellings(raw: &str, buf: &mut String) -> (usize, usize) {
    let compute = || {
        let exact = syllable::normalize(raw);
        // Fold, then map i/y again: a token that did not parse as a syllable with its
        // marks (say two tone marks, "quý̀") may parse once folded, and must fold to what
        // the query "quy" folds to.
        let folded = syllable::normalize(&fold(&exact));
        (exact, folded)
    };
    let mut push = |exact: &str, folded: &str| {
        buf.push_str(exact);
        buf.push_str(folded);
        (exact.len(), folded.len())
    };
    let cached = SPELLINGS.try_with(|cache| {
        let Ok(mut cache) = cache.try_borrow_mut() else {
            return None;
        };
        if let Some((exact, folded)) = cache.map.get(raw) {
            return Some(push(exact, folded));
        }
        let (exact, folded) = compute();
        let lengths = push(&exact, &folded);
        if cache.map.len() >= CACHE_ENTRIES {
            cache.map.clear();
        }
        cache.map.insert(raw.to_owned(), (exact, folded));
        Some(lengths)
    });
    match cached {
        Ok(Some(lengths)) => lengths,
        _ => {
            let (exact, folded) = compute();
            push(&exact, &folded)
        }
    }
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

/// One token of a stream, its text a range of [`Analysed::texts`].
#[derive(Clone, Copy)]
struct Span {
    text: (usize, usize),
    offset_from: usize,
    offset_to: usize,
    position: usize,
}

/// The three streams of one text, computed in one pass: normalisation, splitting and
/// spelling are shared. The token texts sit in one buffer (one allocation, not one per
/// token); a bigram is two adjacent folded syllables, written out when it is read.
struct Analysed {
    texts: String,
    exact: Vec<Span>,
    folded: Vec<Span>,
}

impl Analysed {
    fn of(text: &str) -> Self {
        // NFC of an NFD string equals NFC of its NFC form, so NFD and NFC input give the
        // same tokens.
        let normalized = normalized_text(text);
        let is_word = |c: char| c.is_alphanumeric() || is_combining_mark(c);
        // Spellings are about as long as the raw syllables; one of each.
        let mut texts = String::with_capacity(2 * normalized.len());
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
                    let exact_at = texts.len();
                    let (exact_len, folded_len) = push_spellings(raw, &mut texts);
                    let span = |from_byte: usize, len: usize| Span {
                        text: (from_byte, from_byte + len),
                        offset_from: from,
                        offset_to: at,
                        position,
                    };
                    // A token of stray combining marks folds to nothing; an empty term
                    // matches nothing useful. (Positions count the exact syllables.)
                    if exact_len > 0 {
                        exact.push(span(exact_at, exact_len));
                    }
                    if folded_len > 0 {
                        folded.push(span(exact_at + exact_len, folded_len));
                    }
                    position += 1;
                }
                _ => {}
            }
        }
        Analysed {
            texts,
            exact,
            folded,
        }
    }

    fn len(&self, stream: Stream) -> usize {
        match stream {
            Stream::Exact => self.exact.len(),
            Stream::Folded => self.folded.len(),
            Stream::Bigram => self.folded.len().saturating_sub(1),
        }
    }

    /// Writes token `i` of `stream` into `token` (reusing its text's buffer); false past
    /// the end.
    fn write(&self, stream: Stream, i: usize, token: &mut Token) -> bool {
        let text = |span: &Span| self.texts.get(span.text.0..span.text.1).unwrap_or_default();
        let (first, last) = match stream {
            Stream::Exact => (self.exact.get(i), None),
            Stream::Folded => (self.folded.get(i), None),
            Stream::Bigram => match (self.folded.get(i), self.folded.get(i + 1)) {
                (Some(a), Some(b)) => (Some(a), Some(b)),
                _ => (None, None),
            },
        };
        let Some(first) = first else {
            return false;
        };
        token.offset_from = first.offset_from;
        token.offset_to = last.unwrap_or(first).offset_to;
        token.position = first.position;
        token.position_length = 1;
        token.text.clear();
        token.text.push_str(text(first));
        if let Some(last) = last {
            token.text.push(' ');
            token.text.push_str(text(last));
        }
        true
    }

    fn tokens(&self, stream: Stream) -> Vec<Token> {
        (0..self.len(stream))
            .map(|i| {
                let mut token = Token::default();
                self.write(stream, i, &mut token);
                token
            })
            .collect()
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
    Analysed::of(text).tokens(stream)
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
        let written = self
            .analysed
            .write(self.stream, self.next, &mut self.current);
        self.next += usize::from(written);
        written
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
