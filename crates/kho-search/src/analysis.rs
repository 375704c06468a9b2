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

use kho_core::fold::fold;
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
/// NFC, folding) costs far more than a lookup; an index build analyses every text three
/// times (one per stream) on the same indexing thread.
struct SpellingCache {
    map: HashMap<String, (String, String)>,
}

/// Entries kept before the cache starts afresh (a few MB at most).
const CACHE_ENTRIES: usize = 50_000;

thread_local! {
    static SPELLINGS: RefCell<SpellingCache> = RefCell::new(SpellingCache { map: HashMap::new() });
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

/// Syllables of `normalized` with their exact spellings; with `folded`, the folded ones
/// (empty ones dropped).
fn syllables(normalized: &str, folded: bool) -> Vec<Token> {
    let is_word = |c: char| c.is_alphanumeric() || is_combining_mark(c);
    let mut out = Vec::new();
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
                let (exact, fold) = spellings(raw);
                let text = if folded { fold } else { exact };
                // A token of stray combining marks folds to nothing; an empty term matches
                // nothing useful. (Positions count the exact syllables.)
                if text.is_empty() {
                    position += 1;
                    continue;
                }
                out.push(Token {
                    offset_from: from,
                    offset_to: at,
                    position,
                    text,
                    position_length: 1,
                });
                position += 1;
            }
            _ => {}
        }
    }
    out
}

fn tokens(text: &str, stream: Stream) -> Vec<Token> {
    // NFC of an NFD string equals NFC of its NFC form, so NFD and NFC input give the same
    // tokens.
    let normalized = normalized_text(text);
    if stream == Stream::Exact {
        return syllables(&normalized, false);
    }
    let folded = syllables(&normalized, true);
    if stream == Stream::Folded {
        return folded;
    }
    folded
        .windows(2)
        .map(|pair| {
            let (a, b) = (&pair[0], &pair[1]);
            Token {
                offset_from: a.offset_from,
                offset_to: b.offset_to,
                position: a.position,
                text: format!("{} {}", a.text, b.text),
                position_length: 1,
            }
        })
        .collect()
}

impl Tokenizer for ViTokenizer {
    type TokenStream<'a> = VecTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecTokenStream {
        VecTokenStream {
            tokens: tokens(text, self.stream).into_iter(),
            current: Token::default(),
        }
    }
}

/// Tokens computed up front: normalisation needs the whole text, and bigrams need the
/// next syllable.
pub struct VecTokenStream {
    tokens: std::vec::IntoIter<Token>,
    current: Token,
}

impl TokenStream for VecTokenStream {
    fn advance(&mut self) -> bool {
        match self.tokens.next() {
            Some(t) => {
                self.current = t;
                true
            }
            None => false,
        }
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
