//! Any input tokenizes without panicking, NFC, NFD and mixed forms of the same text give
//! identical token streams in all three analyzers, and the analyzers' shortcuts (skipped
//! normalisation passes, the per-thread spelling cache) change nothing: they give what the
//! plain pipeline gives.

use kho_search::{analyze, Stream, ViTokenizer};
use proptest::prelude::*;
use tantivy::tokenizer::{TokenStream, Tokenizer};
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
