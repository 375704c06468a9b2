//! Any input tokenizes without panicking, and NFC, NFD and mixed forms of the same text
//! give identical token streams in all three analyzers.

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

proptest! {
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
