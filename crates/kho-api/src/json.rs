//! JSON output as CKAN writes it (Python's simplejson defaults): `", "` and `": "`
//! separators and every non-ASCII character escaped as `\uXXXX`. JSON parsers do not
//! care, but byte-level diffs against CKAN and naive clients do.

use std::io;

use serde::Serialize;
use serde_json::ser::{CharEscape, Formatter, Serializer};

struct CkanFormatter;

const HEX: &[u8; 16] = b"0123456789abcdef";

impl Formatter for CkanFormatter {
    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        if first {
            Ok(())
        } else {
            w.write_all(b", ")
        }
    }

    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        if first {
            Ok(())
        } else {
            w.write_all(b", ")
        }
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

    proptest::proptest! {
        #[test]
        fn strings_escape_like_python(s in "\\PC{0,40}|[\\x00-\\x7f\u{80}-\u{7ff}\u{800}-\u{ffff}\u{10000}-\u{10ffff}]{0,20}") {
            proptest::prop_assert_eq!(to_string(&json!(s)), escaped_like_python(&s));
        }
    }
}
