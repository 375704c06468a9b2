//! One Vietnamese syllable brought to a canonical spelling, so that spellings which
//! Vietnamese readers treat as the same word index as the same term:
//!
//! - **tone-mark placement** (landscape.md §6.3 item 8): "hòa"/"hoà", "thủy"/"thuỷ",
//!   "ủy"/"uỷ" differ even after NFC. The tone goes where the 2018 orthography rule
//!   (the "new style") puts it: on the vowel with a quality mark if there is one, else on the
//!   last vowel of a closed syllable, else on the second vowel of an open `oa`/`oe`/`uy`
//!   and of any three-vowel nucleus, else on the first vowel.
//! - **i/y after a consonant in an open syllable** (§6.3 item 9): "kỹ"/"kĩ", "lý"/"lí",
//!   "mỹ"/"mĩ", "quý"/"quí", "sỹ"/"sĩ" become the `i` spelling. Only when `y` is the whole
//!   vowel, follows a Vietnamese initial consonant and ends the syllable: `y` in "yêu", "uy"
//!   ("thủy" is not "thỉ"), "ay" ("máy" is not "mái") and the lone "ý" stays, because there
//!   `y` and `i` spell different words.
//!
//! Anything that does not parse as a Vietnamese syllable (English words, numbers, other
//! scripts, two tone marks) is returned unchanged: guessing there would conflate words.

use unicode_normalization::UnicodeNormalization;

const GRAVE: char = '\u{300}';
const ACUTE: char = '\u{301}';
const TILDE: char = '\u{303}';
const HOOK: char = '\u{309}';
const DOT_BELOW: char = '\u{323}';
const CIRCUMFLEX: char = '\u{302}';
const BREVE: char = '\u{306}';
const HORN: char = '\u{31B}';

/// Initial consonants of Vietnamese; a `y` after one of these may be written `i`.
const INITIALS: &[&str] = &[
    "", "b", "c", "ch", "d", "đ", "g", "gh", "gi", "h", "k", "kh", "l", "m", "n", "ng", "ngh",
    "nh", "p", "ph", "qu", "r", "s", "t", "th", "tr", "v", "x",
];
const FINALS: &[&str] = &["", "c", "ch", "m", "n", "ng", "nh", "p", "t"];

#[derive(Clone, Copy)]
struct Letter {
    base: char,
    quality: Option<char>,
    tone: Option<char>,
}

fn is_vowel(c: char) -> bool {
    matches!(c, 'a' | 'e' | 'i' | 'o' | 'u' | 'y')
}

fn quality_fits(base: char, mark: char) -> bool {
    matches!(
        (base, mark),
        ('a' | 'e' | 'o', CIRCUMFLEX) | ('a', BREVE) | ('o' | 'u', HORN)
    )
}

/// Splits a lower-case token into letters with their marks; `None` if it is not made of
/// Vietnamese letters only.
fn letters(token: &str) -> Option<Vec<Letter>> {
    let mut out: Vec<Letter> = Vec::with_capacity(token.len());
    for c in token.nfd() {
        match c {
            'a'..='z' | 'đ' => out.push(Letter {
                base: c,
                quality: None,
                tone: None,
            }),
            GRAVE | ACUTE | TILDE | HOOK | DOT_BELOW => {
                let last = out.last_mut()?;
                if last.tone.is_some() || !is_vowel(last.base) {
                    return None;
                }
                last.tone = Some(c);
            }
            CIRCUMFLEX | BREVE | HORN => {
                let last = out.last_mut()?;
                if last.quality.is_some() || !quality_fits(last.base, c) {
                    return None;
                }
                last.quality = Some(c);
            }
            _ => return None,
        }
    }
    Some(out)
}

fn spell(letters: &[Letter]) -> String {
    letters.iter().map(|l| l.base).collect()
}

/// Canonical spelling of a lower-case NFC token (see the module comment).
pub fn normalize(token: &str) -> String {
    normalize_parsed(token).unwrap_or_else(|| token.to_owned())
}

fn normalize_parsed(token: &str) -> Option<String> {
    // Cheap exit for the common ASCII word with no `y`: nothing to move or map.
    if token.is_ascii() && !token.contains('y') {
        return None;
    }
    let mut letters = letters(token)?;
    let is_v = |l: &Letter| is_vowel(l.base);

    // "qu" and "gi" before another vowel are consonants: "quý" has the vowel "y",
    // "giá" the vowel "a", but "gì" has the vowel "i".
    let starts = |a: char, b: char| {
        letters.len() > 2
            && letters[0].base == a
            && letters[1].base == b
            && letters[1].quality.is_none()
            && is_v(&letters[2])
    };
    let initial_len = if starts('q', 'u') || starts('g', 'i') {
        2
    } else {
        letters.iter().take_while(|l| !is_v(l)).count()
    };
    let nucleus_len = letters[initial_len..]
        .iter()
        .take_while(|l| is_v(l))
        .count();
    let nucleus_end = initial_len + nucleus_len;
    let initial = spell(&letters[..initial_len]);
    let coda = spell(&letters[nucleus_end..]);
    if nucleus_len == 0 || !INITIALS.contains(&initial.as_str()) || !FINALS.contains(&coda.as_str())
    {
        return None;
    }

    let mut tone = None;
    for l in &mut letters {
        if let Some(t) = l.tone.take() {
            if tone.replace(t).is_some() {
                return None; // two tone marks: not a syllable
            }
        }
    }

    let nucleus = &mut letters[initial_len..nucleus_end];
    if !initial.is_empty() && coda.is_empty() && nucleus_len == 1 && nucleus[0].base == 'y' {
        nucleus[0].base = 'i';
    }

    if let Some(tone) = tone {
        let bases: String = spell(nucleus);
        let at = if let Some(i) = nucleus.iter().rposition(|l| l.quality.is_some()) {
            i
        } else if nucleus_len == 1 {
            0
        } else if !coda.is_empty() {
            nucleus_len - 1
        } else if nucleus_len == 3 || matches!(bases.as_str(), "oa" | "oe" | "uy") {
            1
        } else if nucleus_len == 2 {
            0
        } else {
            return None; // four vowels in a row: not Vietnamese
        };
        nucleus[at].tone = Some(tone);
    }

    let mut out = String::with_capacity(token.len());
    for l in &letters {
        out.push(l.base);
        out.extend(l.quality);
        out.extend(l.tone);
    }
    Some(out.nfc().collect())
}

#[cfg(test)]
mod tests {
    use super::normalize;

    #[test]
    fn tone_placement_old_and_new_style_meet() {
        for (a, b) in [
            ("hòa", "hoà"),
            ("thủy", "thuỷ"),
            ("ủy", "uỷ"),
            ("hòe", "hoè"),
            ("khỏe", "khoẻ"),
        ] {
            assert_eq!(normalize(a), normalize(b), "{a} / {b}");
            assert_eq!(normalize(a), b, "new style is canonical");
        }
    }

    #[test]
    fn tone_stays_where_only_one_place_is_right() {
        for w in [
            "hoàn", "toán", "người", "của", "kìa", "máy", "quốc", "giá", "gì", "huỳnh", "ngoài",
            "khuỷu", "việt", "nghệ", "đắk", "lắk", "mưa", "cừu", "thuở", "quyền", "hoặc",
        ] {
            assert_eq!(normalize(w), w);
        }
    }

    #[test]
    fn misplaced_tone_moves() {
        assert_eq!(normalize("qúa"), "quá");
        assert_eq!(normalize("hóan"), "hoán");
        assert_eq!(normalize("ngừơi"), "người");
    }

    #[test]
    fn y_after_consonant_in_open_syllable_becomes_i() {
        for (y, i) in [
            ("kỹ", "kĩ"),
            ("lý", "lí"),
            ("mỹ", "mĩ"),
            ("quý", "quí"),
            ("sỹ", "sĩ"),
            ("ky", "ki"),
            ("hy", "hi"),
        ] {
            assert_eq!(normalize(y), i);
            assert_eq!(normalize(i), i);
        }
    }

    #[test]
    fn other_y_stays() {
        for w in [
            "yêu", "ý", "y", "thủy", "huy", "máy", "tay", "quyết", "quýt", "khuya", "uyên",
        ] {
            let n = normalize(w);
            assert!(kho_core::fold::fold(&n).contains('y'), "{w} -> {n}");
        }
    }

    #[test]
    fn non_vietnamese_is_untouched() {
        for w in [
            "data", "python3", "sky", "fly", "café", "naïve", "ё", "2024", "yyyy",
        ] {
            assert_eq!(normalize(w), w);
        }
    }
}
