//! Reading CKAN action parameters.
//!
//! Parameters arrive as a JSON object: typed values from a JSON body, strings from a query
//! string or a form. Each reader applies the coercion that CKAN's validator for that
//! parameter applies (`asbool`, `int_validator`, ...), so `"true"` and `true` mean the same.

use serde_json::{Map, Value};

use crate::error::{Error, Msg, Result};

pub type Params = Map<String, Value>;

/// A string parameter; numbers and booleans are rendered as text, null is absent.
pub fn opt_str(p: &Params, key: &str) -> Result<Option<String>> {
    match p.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(Value::Bool(b)) => Ok(Some(if *b { "True" } else { "False" }.to_string())),
        Some(_) => Err(Error::field(key, "Must be a string")),
    }
}

/// A required string parameter: absent → `{key: ["Missing value"]}` (CKAN's `get_or_bust`).
pub fn req_str(p: &Params, key: &str) -> Result<String> {
    opt_str(p, key)?.ok_or_else(|| Error::missing(key))
}

/// Several required string parameters at once: every missing one is reported together, as
/// CKAN's `_get_or_bust` with a list of keys does.
pub fn req_strs<const N: usize>(p: &Params, keys: [&str; N]) -> Result<[String; N]> {
    let mut missing = crate::error::Errors::new();
    let mut out: [String; N] = std::array::from_fn(|_| String::new());
    for (slot, key) in out.iter_mut().zip(keys) {
        match opt_str(p, key)? {
            Some(v) => *slot = v,
            None => missing.add(key, "Missing value"),
        }
    }
    missing.into_result()?;
    Ok(out)
}

/// Like [`req_str`] but reporting the missing key under another name (e.g. `name_or_id`).
pub fn req_str_as(p: &Params, key: &str, report_as: &str) -> Result<String> {
    opt_str(p, key)?.ok_or_else(|| Error::missing(report_as))
}

/// CKAN's `asbool`: true/yes/on/y/t/1 and false/no/off/n/f/0, any case. CKAN answers
/// anything else with a 500; kho answers with a 409 naming the parameter.
pub fn asbool(p: &Params, key: &str, default: bool) -> Result<bool> {
    match p.get(key) {
        None => Ok(default),
        Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(Value::Number(n)) => match n.as_i64() {
            Some(0) => Ok(false),
            Some(1) => Ok(true),
            _ => Err(bad_bool(key)),
        },
        Some(Value::String(s)) => parse_asbool(s).ok_or_else(|| bad_bool(key)),
        Some(_) => Err(bad_bool(key)),
    }
}

pub fn parse_asbool(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "on" | "y" | "t" | "1" => Some(true),
        "false" | "no" | "off" | "n" | "f" | "0" => Some(false),
        _ => None,
    }
}

fn bad_bool(key: &str) -> Error {
    Error::field(key, Msg::new("Value must be a boolean (true or false)"))
}

/// CKAN's lenient `boolean_validator`: true/yes/t/y/1 are true, anything else false.
pub fn boolean_validator(v: &Value) -> bool {
    match v {
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_i64() == Some(1),
        Value::String(s) => {
            matches!(
                s.to_ascii_lowercase().as_str(),
                "true" | "yes" | "t" | "y" | "1"
            )
        }
        _ => false,
    }
}

fn parse_int(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64().or_else(|| {
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && f.abs() < 9e15)
                .map(|f| f as i64)
        }),
        Value::String(s) => s.trim().parse::<i64>().ok(),
        _ => None,
    }
}

/// `int_validator`: an integer or a string of one, else "Invalid integer".
pub fn opt_int(p: &Params, key: &str) -> Result<Option<i64>> {
    match p.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.is_empty() => Ok(None),
        Some(v) => parse_int(v)
            .map(Some)
            .ok_or_else(|| Error::field(key, "Invalid integer")),
    }
}

/// `natural_number_validator`: an integer ≥ 0, else "Must be a natural number".
pub fn opt_natural(p: &Params, key: &str) -> Result<Option<i64>> {
    match opt_int(p, key)? {
        Some(n) if n < 0 => Err(Error::field(key, "Must be a natural number")),
        other => Ok(other),
    }
}

/// A list parameter: a JSON list, a single string (one item, or a JSON list in a string
/// when `json_string` is set, as `convert_to_json_if_string` does), or a comma list.
pub fn opt_list(p: &Params, key: &str, comma: bool) -> Result<Option<Vec<String>>> {
    match p.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(items)) => {
            let mut out = Vec::with_capacity(items.len());
            for it in items {
                match it {
                    Value::String(s) => out.push(s.clone()),
                    Value::Number(n) => out.push(n.to_string()),
                    _ => {
                        return Err(Error::field(
                            key,
                            Msg::new("Not a string: %{value}").arg("value", it),
                        ))
                    }
                }
            }
            Ok(Some(out))
        }
        Some(Value::String(s)) => {
            if s.trim_start().starts_with('[') {
                if let Ok(Value::Array(items)) = serde_json::from_str::<Value>(s) {
                    let mut m = Params::new();
                    m.insert(key.to_string(), Value::Array(items));
                    return opt_list(&m, key, comma);
                }
            }
            if comma {
                Ok(Some(
                    s.split(',')
                        .map(|x| x.trim().to_string())
                        .filter(|x| !x.is_empty())
                        .collect(),
                ))
            } else {
                Ok(Some(vec![s.clone()]))
            }
        }
        Some(_) => Err(Error::field(key, "Not a list")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn p(v: Value) -> Params {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn asbool_accepts_ckan_spellings() {
        for t in ["true", "True", "YES", "on", "y", "t", "1"] {
            assert!(asbool(&p(json!({ "x": t })), "x", false).expect("valid"));
        }
        for f in ["false", "No", "off", "n", "F", "0"] {
            assert!(!asbool(&p(json!({ "x": f })), "x", true).expect("valid"));
        }
        assert!(asbool(&p(json!({ "x": "maybe" })), "x", true).is_err());
        assert!(asbool(&p(json!({ "x": "" })), "x", true).is_err());
        assert!(asbool(&p(json!({})), "x", true).expect("default"));
    }

    #[test]
    fn ints_from_strings() {
        assert_eq!(opt_int(&p(json!({"l": "25"})), "l").expect("ok"), Some(25));
        assert_eq!(opt_int(&p(json!({"l": 7})), "l").expect("ok"), Some(7));
        assert!(opt_int(&p(json!({"l": "x"})), "l").is_err());
        assert!(opt_natural(&p(json!({"l": "-1"})), "l").is_err());
    }

    #[test]
    fn lists_in_every_form() {
        let l = |v| opt_list(&p(v), "k", true).expect("ok");
        assert_eq!(
            l(json!({"k": ["a", "b"]})),
            Some(vec!["a".into(), "b".into()])
        );
        assert_eq!(l(json!({"k": "[\"a\"]"})), Some(vec!["a".into()]));
        assert_eq!(l(json!({"k": "a, b"})), Some(vec!["a".into(), "b".into()]));
    }
}
