//! Vietnamese-aware folding for sorting and matching: NFC/NFD-insensitive, diacritics
//! removed (đ → d), lower-cased. "Đà Nẵng", "da nang" and an NFD "Đà Nẵng" fold alike.

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

pub fn fold(s: &str) -> String {
    s.nfd()
        .filter(|c| !is_combining_mark(*c))
        .map(|c| match c {
            'đ' | 'Đ' => 'd',
            other => other,
        })
        .flat_map(char::to_lowercase)
        .collect()
}

/// `s` without its diacritics (đ → d, Đ → D), case kept: an ASCII stand-in for
/// Vietnamese text where only ASCII may go (a header's fallback file name).
pub fn strip_marks(s: &str) -> String {
    s.nfd()
        .filter(|c| !is_combining_mark(*c))
        .map(|c| match c {
            'đ' => 'd',
            'Đ' => 'D',
            other => other,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::fold;

    #[test]
    fn folds_vietnamese() {
        assert_eq!(fold("Sở Giáo dục và Đào tạo"), "so giao duc va dao tao");
        assert_eq!(fold("Đà Nẵng"), fold("Da\u{300} Na\u{306}\u{303}ng"));
        assert_eq!(fold("ĐỒNG"), "dong");
    }
}
