//! Names of uploaded files: what is kept of the name a client sends, and the form of it
//! that goes in the resource's `url` and download URL.
//!
//! Names never choose where bytes are stored (kho-files makes its own keys); they are
//! shown back to people, so Vietnamese letters stay (CKAN's `munge_filename` would turn
//! "Danh sách trường.csv" into "Danh-sach-truong.csv"; kho keeps "Danh-sách-trường.csv").

use unicode_normalization::UnicodeNormalization;

/// Longest name kept, in characters (the extension is kept whole when it is short).
pub const MAX_FILE_NAME_CHARS: usize = 180;
/// The name of a file whose name had nothing left.
pub const FALLBACK_FILE_NAME: &str = "file";

/// The name as uploaded, made safe to show and to put in a header: the last path segment
/// (after `/` or `\`), NFC, without control characters (NUL included), trimmed of spaces
/// and leading dots (`..`, hidden files), at most [`MAX_FILE_NAME_CHARS`] characters.
pub fn clean_file_name(raw: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let kept: String = base.nfc().filter(|c| !c.is_control()).collect();
    let trimmed = kept.trim().trim_start_matches('.').trim();
    let name = shorten(trimmed);
    if name.is_empty() {
        FALLBACK_FILE_NAME.to_owned()
    } else {
        name
    }
}

/// At most [`MAX_FILE_NAME_CHARS`] characters, keeping an extension of up to 16.
fn shorten(name: &str) -> String {
    let count = name.chars().count();
    if count <= MAX_FILE_NAME_CHARS {
        return name.to_owned();
    }
    let ext = name
        .rfind('.')
        .map(|i| &name[i..])
        .filter(|e| e.chars().count() <= 16)
        .unwrap_or("");
    let keep = MAX_FILE_NAME_CHARS - ext.chars().count();
    let stem: String = name.chars().take(keep).collect();
    format!("{stem}{ext}")
}

/// The name as it goes in the resource's `url` and its download URL (CKAN's
/// `munge_filename`, letters of every script kept): letters, digits, `_`, `.` and `-`;
/// spaces become `-`, runs of `-` one.
pub fn url_file_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.trim().nfc() {
        let c = if c.is_whitespace() { '-' } else { c };
        if !(c.is_alphanumeric() || matches!(c, '_' | '.' | '-')) {
            continue;
        }
        if !(c == '-' && out.ends_with('-')) {
            out.push(c);
        }
    }
    out
}

/// A path segment percent-decoded, when it decodes to UTF-8 (as it is otherwise): the
/// stored `url` of an upload may be its own download URL, sent back by a client.
pub fn decode_path_segment(s: &str) -> String {
    if !s.contains('%') {
        return s.to_owned();
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (
            bytes[i],
            bytes.get(i + 1).copied(),
            bytes.get(i + 2).copied(),
        ) {
            (b'%', Some(h), Some(l)) if hex(h).is_some() && hex(l).is_some() => {
                let v = hex(h).unwrap_or(0) * 16 + hex(l).unwrap_or(0);
                out.push(u8::try_from(v).unwrap_or(b'?'));
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| s.to_owned())
}

/// A path segment with everything but unreserved ASCII percent-encoded (RFC 3986).
pub fn encode_path_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push('%');
            out.push_str(&format!("{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn names_keep_vietnamese_and_lose_paths() {
        assert_eq!(
            clean_file_name("Danh sách trường.csv"),
            "Danh sách trường.csv"
        );
        assert_eq!(clean_file_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_file_name("..\\..\\boot.ini"), "boot.ini");
        assert_eq!(clean_file_name("a\u{0}b.csv"), "ab.csv");
        assert_eq!(clean_file_name(".."), FALLBACK_FILE_NAME);
        assert_eq!(clean_file_name(".bashrc"), "bashrc");
        assert_eq!(clean_file_name(""), FALLBACK_FILE_NAME);
        // NFD in, NFC out.
        assert_eq!(
            clean_file_name("tru\u{031b}o\u{031b}\u{0300}ng.csv"),
            "trường.csv"
        );
        let long = format!("{}.xlsx", "a".repeat(5000));
        let short = clean_file_name(&long);
        assert_eq!(short.chars().count(), MAX_FILE_NAME_CHARS);
        assert!(short.ends_with(".xlsx"));
        assert_eq!(
            url_file_name("Danh sách  trường (2024).csv"),
            "Danh-sách-trường-2024.csv"
        );
        assert_eq!(url_file_name("truong-hoc.csv"), "truong-hoc.csv");
        assert_eq!(encode_path_segment("sách.csv"), "s%C3%A1ch.csv");
        assert_eq!(decode_path_segment("s%C3%A1ch.csv"), "sách.csv");
        assert_eq!(decode_path_segment("100%"), "100%");
        assert_eq!(decode_path_segment("%FF"), "%FF");
    }

    proptest! {
        #[test]
        fn cleaned_names_are_safe(raw in any::<String>()) {
            let name = clean_file_name(&raw);
            prop_assert!(!name.is_empty());
            prop_assert!(!name.contains(['/', '\\']));
            prop_assert!(!name.chars().any(char::is_control));
            prop_assert!(!name.starts_with('.'));
            prop_assert!(name.chars().count() <= MAX_FILE_NAME_CHARS);
            let url = url_file_name(&name);
            prop_assert!(!url.contains(['/', '\\', '?', '#', '%', ' ']));
            prop_assert!(encode_path_segment(&url).is_ascii());
            prop_assert_eq!(decode_path_segment(&encode_path_segment(&url)), url);
        }
    }
}
