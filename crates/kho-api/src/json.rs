//! JSON output as CKAN writes it (Python's simplejson defaults): `", "` and `": "`
//! separators and every non-ASCII character escaped as `\uXXXX`. JSON parsers do not
//! care, but byte-level diffs against CKAN and naive clients do.

use std::io;

use serde::Serialize;
use serde_json::ser::{CharEscape, Formatter, Serializer};
use serde_json::Value;

struct CkanFormatter;

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
        let mut start = 0;
        for (i, ch) in fragment.char_indices() {
            if !ch.is_ascii() {
                w.write_all(&fragment.as_bytes()[start..i])?;
                let mut buf = [0u16; 2];
                for unit in ch.encode_utf16(&mut buf) {
                    write!(w, "\\u{unit:04x}")?;
                }
                start = i + ch.len_utf8();
            }
        }
        w.write_all(&fragment.as_bytes()[start..])
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
pub fn to_string(v: &Value) -> String {
    let mut out = Vec::with_capacity(256);
    let mut ser = Serializer::with_formatter(&mut out, CkanFormatter);
    // Writing into a Vec cannot fail, and a Value is always serializable.
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
}
