//! JSON output as CKAN writes it (Python's simplejson defaults): `", "` and `": "`
//! separators and every non-ASCII character escaped as `\uXXXX`. JSON parsers do not
//! care, but byte-level diffs against CKAN and naive clients do.

use std::io;

use serde::Serialize;
use serde_json::ser::{CharEscape, Formatter, Serializer};

struct CkanFormatter;

/// `", "` before every array item and object key but the first (Python's separator).
fn separator<W: ?Sized + io::Write>(w: &mut W, first: bool) -> io::Result<()> {
    if first {
        Ok(())
    } else {
        w.write_all(b", ")
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

impl Formatter for CkanFormatter {
    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        separator(w, first)
    }

    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        separator(w, first)
    }

    fn begin_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        w.write_all(b": ")
    }

    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        // ASCII runs are copied whole; each other character becomes one or two `\uXXXX`
        // escapes written from a table, not through `write!` and the formatting
        // machinery (Vietnamese text has a non-ASCII character every few bytes).
        let bytes = fragment.as_bytes();
        let mut start = 0;
        while let Some(offset) = bytes[start..].iter().position(|b| !b.is_ascii()) {
            let at = start + offset;
            w.write_all(&bytes[start..at])?;
            let Some(ch) = fragment[at..].chars().next() else {
                break;
            };
            let (escaped, len) = escape(ch);
            w.write_all(&escaped[..len])?;
            start = at + ch.len_utf8();
        }
        w.write_all(&bytes[start..])
    }

    fn write_char_escape<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        escape: CharEscape,
    ) -> io::Result<()> {
        serde_json::ser::CompactFormatter.write_char_escape(w, escape)
    }
}

/// Serialize a value the way CKAN does.
pub fn to_string<T: Serialize + ?Sized>(v: &T) -> String {
    let mut out = Vec::with_capacity(256);
    let mut ser = Serializer::with_formatter(&mut out, CkanFormatter);
    // Writing into a Vec cannot fail, and a Value (or a dataset dict) always serializes.
    if v.serialize(&mut ser).is_err() {
        return "null".into();
    }
    String::from_utf8(out).unwrap_or_else(|_| "null".into())
}

/// Append `compact` (JSON as `serde_json::to_string` writes it: no whitespace outside
/// strings) to `out` in the bytes [`to_string`] writes for the same value. Search results
/// are stored compact and leave this way, so a page of 1,000 dicts is never parsed.
/// Input that is not compact JSON comes out garbled, never unsafely.
pub fn compact_to_ckan(compact: &str, out: &mut Vec<u8>) {
    let bytes = compact.as_bytes();
    out.reserve(bytes.len() + bytes.len() / 4);
    let mut i = 0;
    while i < bytes.len() {
        // Outside a string.
        let b = bytes[i];
        i += 1;
        match b {
            b',' => out.extend_from_slice(b", "),
            b':' => out.extend_from_slice(b": "),
            b'"' => {
                out.push(b'"');
                // Inside: copy ASCII runs whole, escape the rest, stop at the closing quote.
                while i < bytes.len() {
                    let run = bytes[i..]
                        .iter()
                        .position(|&c| c == b'"' || c == b'\\' || !c.is_ascii())
                        .unwrap_or(bytes.len() - i);
                    out.extend_from_slice(&bytes[i..i + run]);
                    i += run;
                    let Some(&c) = bytes.get(i) else { break };
                    if c == b'"' {
                        out.push(b'"');
                        i += 1;
                        break;
                    }
                    if c == b'\\' {
                        // An escape: the backslash and the character after it, as they are
                        // (`\uXXXX` keeps its hex digits in the ASCII run that follows).
                        out.push(c);
                        if let Some(&next) = bytes.get(i + 1) {
                            out.push(next);
                        }
                        i += 2;
                        continue;
                    }
                    let Some(ch) = compact.get(i..).and_then(|rest| rest.chars().next()) else {
                        break;
                    };
                    let (escaped, len) = escape(ch);
                    out.extend_from_slice(&escaped[..len]);
                    i += ch.len_utf8();
                }
            }
            other => out.push(other),
        }
    }
}

/// `ch` as Python's `\\uXXXX` escape (two for a character beyond the BMP): the bytes
/// and their length.
fn escape(ch: char) -> ([u8; 12], usize) {
    let mut units = [0u16; 2];
    let mut escaped = [0u8; 12];
    let mut len = 0;
    for unit in ch.encode_utf16(&mut units) {
        escaped[len] = b'\\';
        escaped[len + 1] = b'u';
        for (i, shift) in [12, 8, 4, 0].into_iter().enumerate() {
            escaped[len + 2 + i] = HEX[usize::from((*unit >> shift) & 0xf)];
        }
        len += 6;
    }
    (escaped, len)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn matches_simplejson() {
        let v = json!({"help": "x", "success": true, "result": ["Sở", 1, null, {"a": "Đ😀"}]});
        assert_eq!(
            to_string(&v),
            r#"{"help": "x", "success": true, "result": ["S\u1edf", 1, null, {"a": "\u0110\ud83d\ude00"}]}"#
        );
        assert_eq!(to_string(&json!("a\"b\n")), r#""a\"b\n""#);
    }

    /// Python's `\uXXXX` escaping, one character at a time.
    fn escaped_like_python(s: &str) -> String {
        let mut out = String::from("\"");
        for ch in s.chars() {
            match ch {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                '\u{8}' => out.push_str("\\b"),
                '\u{c}' => out.push_str("\\f"),
                c if c.is_ascii() && (c as u32) < 0x20 => {
                    out.push_str(&format!("\\u{:04x}", c as u32));
                }
                c if c.is_ascii() => out.push(c),
                c => {
                    let mut buf = [0u16; 2];
                    for unit in c.encode_utf16(&mut buf) {
                        out.push_str(&format!("\\u{unit:04x}"));
                    }
                }
            }
        }
        out.push('"');
        out
    }

    fn arb_value() -> impl proptest::strategy::Strategy<Value = serde_json::Value> {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            Just(serde_json::Value::Null),
            any::<bool>().prop_map(serde_json::Value::from),
            any::<i64>().prop_map(serde_json::Value::from),
            any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(serde_json::Value::from),
            "\\PC{0,12}|[\\x00-\\x7f\u{80}-\u{10ffff}]{0,8}|[,:\"\\\\ {}\\[\\]]{0,6}"
                .prop_map(serde_json::Value::from),
        ];
        leaf.prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::Array),
                proptest::collection::vec(("[a-zđ:, \"\\\\]{0,6}", inner), 0..6)
                    .prop_map(|kv| { serde_json::Value::Object(kv.into_iter().collect()) }),
            ]
        })
    }

    #[test]
    fn compact_becomes_ckan() {
        let v = json!({"a": ["Sở, Y: tế", "\"q\\", 1.5, {"đ": null}], "b": "\u{1}\n😀"});
        let mut out = Vec::new();
        compact_to_ckan(&serde_json::to_string(&v).unwrap_or_default(), &mut out);
        assert_eq!(String::from_utf8(out).unwrap_or_default(), to_string(&v));
    }

    proptest::proptest! {
        #[test]
        fn compact_to_ckan_matches_to_string(v in arb_value()) {
            let compact = serde_json::to_string(&v).unwrap_or_default();
            let mut out = Vec::new();
            compact_to_ckan(&compact, &mut out);
            proptest::prop_assert_eq!(String::from_utf8(out).unwrap_or_default(), to_string(&v));
        }

        #[test]
        fn strings_escape_like_python(s in "\\PC{0,40}|[\\x00-\\x7f\u{80}-\u{7ff}\u{800}-\u{ffff}\u{10000}-\u{10ffff}]{0,20}") {
            proptest::prop_assert_eq!(to_string(&json!(s)), escaped_like_python(&s));
        }
    }
}
