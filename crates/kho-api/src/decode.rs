//! Turning an HTTP request into action parameters, in CKAN's order of precedence
//! (ckan/views/api.py `_get_request_data`): a form body, else the query string of a read
//! action, else a JSON body.

use percent_encoding::percent_decode;
use serde_json::{Map, Value};

/// Why a request could not be decoded. Each maps to a 4xx answer.
#[derive(Debug)]
pub enum DecodeError {
    /// CKAN's bare-string 400 ("Bad request: JSON Error: ...").
    Json(String),
    /// A body with a content type CKAN cannot read (415).
    MediaType(String),
    /// Too many parameters (400).
    TooMany(usize),
    /// Bytes that are not UTF-8 (400).
    Utf8(&'static str),
}

/// Parse an `application/x-www-form-urlencoded` string (also a query string). Repeated keys
/// become lists, as in CKAN; invalid UTF-8 is an error, not a silent replacement.
pub fn parse_urlencoded(
    raw: &[u8],
    max_params: usize,
) -> Result<Vec<(String, String)>, DecodeError> {
    let mut out = Vec::new();
    for pair in raw.split(|b| *b == b'&') {
        if pair.is_empty() {
            continue;
        }
        if out.len() >= max_params {
            return Err(DecodeError::TooMany(max_params));
        }
        let (k, v) = match pair.iter().position(|b| *b == b'=') {
            Some(i) => (&pair[..i], &pair[i + 1..]),
            None => (pair, &b""[..]),
        };
        out.push((decode_component(k)?, decode_component(v)?));
    }
    Ok(out)
}

fn decode_component(raw: &[u8]) -> Result<String, DecodeError> {
    let plus: Vec<u8> = raw
        .iter()
        .map(|b| if *b == b'+' { b' ' } else { *b })
        .collect();
    percent_decode(&plus)
        .decode_utf8()
        .map(|c| c.into_owned())
        .map_err(|_| DecodeError::Utf8("the query string or form is not valid UTF-8"))
}

/// Pairs → dict: a key given once is a string, a repeated key a list of strings.
pub fn pairs_to_dict(pairs: Vec<(String, String)>) -> Map<String, Value> {
    let mut m: Map<String, Value> = Map::new();
    for (k, v) in pairs {
        match m.get_mut(&k) {
            None => {
                m.insert(k, Value::String(v));
            }
            Some(Value::Array(list)) => list.push(Value::String(v)),
            Some(existing) => {
                let first = existing.take();
                *existing = Value::Array(vec![first, Value::String(v)]);
            }
        }
    }
    m
}

/// A decoded JSON body must be an object (CKAN's message otherwise).
pub fn json_object(body: &[u8], max_params: usize) -> Result<Map<String, Value>, DecodeError> {
    let text = std::str::from_utf8(body)
        .map_err(|_| DecodeError::Utf8("the request body is not valid UTF-8"))?;
    let value: Value = serde_json::from_str(text).map_err(|e| {
        DecodeError::Json(format!(
            "JSON Error: Error decoding JSON data. Error: {e} JSON data extracted from the request: {}",
            truncate(text, 200)
        ))
    })?;
    match value {
        Value::Object(m) => {
            if m.len() > max_params {
                return Err(DecodeError::TooMany(max_params));
            }
            Ok(m)
        }
        other => Err(DecodeError::Json(format!(
            "JSON Error: Request data JSON decoded to {} but it needs to be a dictionary.",
            truncate(&other.to_string(), 200)
        ))),
    }
}

/// CKAN's legacy case: a form with one field whose value is "" or "1" carries JSON in its name.
pub fn form_to_params(
    pairs: Vec<(String, String)>,
    max_params: usize,
) -> Result<Map<String, Value>, DecodeError> {
    if pairs.len() == 1
        && (pairs[0].1.is_empty() || pairs[0].1 == "1")
        && pairs[0].0.trim_start().starts_with('{')
    {
        return json_object(pairs[0].0.as_bytes(), max_params);
    }
    Ok(pairs_to_dict(pairs))
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        s.chars().take(n).collect::<String>() + "..."
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_keys_are_lists() {
        let pairs = parse_urlencoded(b"a=1&b=x+y&a=2&c=%C3%A1", 100).expect("ok");
        let d = pairs_to_dict(pairs);
        assert_eq!(d["a"], serde_json::json!(["1", "2"]));
        assert_eq!(d["b"], "x y");
        assert_eq!(d["c"], "á");
    }

    #[test]
    fn invalid_utf8_and_too_many() {
        assert!(matches!(
            parse_urlencoded(b"a=%FF", 10),
            Err(DecodeError::Utf8(_))
        ));
        let many: String = (0..20).map(|i| format!("k{i}=v&")).collect();
        assert!(matches!(
            parse_urlencoded(many.as_bytes(), 10),
            Err(DecodeError::TooMany(10))
        ));
    }

    #[test]
    fn json_must_be_object() {
        assert!(json_object(b"{\"a\": 1}", 10).is_ok());
        match json_object(b"[1]", 10) {
            Err(DecodeError::Json(m)) => assert!(m.contains("needs to be a dictionary")),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            json_object(b"{\"name\": \"x\",", 10),
            Err(DecodeError::Json(_))
        ));
    }

    proptest::proptest! {
        #[test]
        fn urlencoded_never_panics_and_round_trips(pairs in proptest::collection::vec(("\\PC{0,12}", "\\PC{0,12}"), 0..8)) {
            let enc: String = pairs
                .iter()
                .map(|(k, v)| format!(
                    "{}={}",
                    percent_encoding::utf8_percent_encode(k, percent_encoding::NON_ALPHANUMERIC),
                    percent_encoding::utf8_percent_encode(v, percent_encoding::NON_ALPHANUMERIC)
                ))
                .collect::<Vec<_>>()
                .join("&");
            let back = parse_urlencoded(enc.as_bytes(), 100).expect("valid encoding");
            proptest::prop_assert_eq!(back, pairs);
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..256)) {
            let _ = parse_urlencoded(&bytes, 50);
            let _ = json_object(&bytes, 50);
        }
    }

    #[test]
    fn legacy_json_form_key() {
        let pairs = parse_urlencoded(b"%7B%22id%22%3A%22x%22%7D=", 10).expect("ok");
        let d = form_to_params(pairs, 10).expect("ok");
        assert_eq!(d["id"], "x");
    }
}
