//! Message translation (rust-i18n over `i18n/en.yml` and `i18n/vi.yml`) and locale choice.

use kho_core::{Error, ErrorDict, FieldErrors, Msg};
use serde_json::{Map, Value};

pub const LOCALES: &[&str] = &["en", "vi"];

// rust-i18n reads `i18n/*.yml` inside a proc macro, which cargo does not track; including
// the files here makes an edit of either rebuild this crate.
const _: &str = include_str!("../../../i18n/en.yml");
const _: &str = include_str!("../../../i18n/vi.yml");

/// Translate a message key. English keys are CKAN's own wording, so an untranslated key
/// renders as CKAN's English text.
///
/// The locale files are rust-i18n's flat (version 1) format, whose keys are looked up
/// whole: dots, colons, quotes and `%{x}` placeholders in a key are fine (see the tests).
pub fn translate(locale: &str, key: &str) -> String {
    let t = rust_i18n::t!(key, locale = locale).to_string();
    if t.is_empty() || t == format!("{locale}.{key}") {
        key.to_string()
    } else {
        t
    }
}

pub fn render(locale: &str, msg: &Msg) -> String {
    msg.fill(&translate(locale, &msg.key))
}

/// Pick a supported locale from `?lang=`, then `Accept-Language` (q-ordered), then default.
pub fn choose(lang_param: Option<&str>, accept_language: Option<&str>, default: &str) -> String {
    if let Some(l) = lang_param.and_then(supported) {
        return l.to_string();
    }
    if let Some(header) = accept_language {
        let mut prefs: Vec<(f32, &str)> = header
            .split(',')
            .filter_map(|part| {
                let mut it = part.trim().split(';');
                let tag = it.next()?.trim();
                let q = it
                    .find_map(|p| {
                        p.trim()
                            .strip_prefix("q=")
                            .and_then(|q| q.parse::<f32>().ok())
                    })
                    .unwrap_or(1.0);
                Some((q, tag))
            })
            .collect();
        prefs.sort_by(|a, b| b.0.partial_cmp(&a.0).unwrap_or(std::cmp::Ordering::Equal));
        for (q, tag) in prefs {
            if q > 0.0 {
                if let Some(l) = supported(tag) {
                    return l.to_string();
                }
            }
        }
    }
    supported(default).unwrap_or("en").to_string()
}

fn supported(tag: &str) -> Option<&'static str> {
    let primary = tag
        .split(['-', '_'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    LOCALES.iter().copied().find(|l| *l == primary)
}

/// The `error` object of a failed call, with `__type`, messages in `locale`.
pub fn error_body(locale: &str, err: &Error) -> Value {
    let mut m = Map::new();
    match err {
        Error::Validation(dict) => {
            render_dict(locale, dict, &mut m);
            m.insert("__type".into(), "Validation Error".into());
        }
        Error::ValidationMessage(msg) => {
            m.insert("message".into(), render(locale, msg).into());
            m.insert("__type".into(), "Validation Error".into());
        }
        Error::NotAuthorized(msg) => {
            m.insert("__type".into(), "Authorization Error".into());
            m.insert(
                "message".into(),
                prefixed(locale, "Access denied", msg.as_ref()).into(),
            );
        }
        Error::NotFound(msg) => {
            m.insert("__type".into(), "Not Found Error".into());
            m.insert(
                "message".into(),
                prefixed(locale, "Not found", msg.as_ref()).into(),
            );
        }
        Error::Integrity { message, data } => {
            m.insert("__type".into(), "Integrity Error".into());
            m.insert("message".into(), message.clone().into());
            m.insert("data".into(), data.clone());
        }
        Error::BadRequest(msg) => {
            m.insert("__type".into(), "Bad Request".into());
            m.insert("message".into(), render(locale, msg).into());
        }
        Error::SearchQuery(msg) => {
            m.insert("__type".into(), "Search Query Error".into());
            let head = translate(locale, "Search Query is invalid");
            let text = format!("{head}: {}", kho_core::error::py_repr(&render(locale, msg)));
            m.insert("message".into(), text.into());
        }
        Error::Search(msg) => {
            m.insert("__type".into(), "Search Error".into());
            let head = translate(locale, "Search error");
            let text = format!("{head}: {}", kho_core::error::py_repr(&render(locale, msg)));
            m.insert("message".into(), text.into());
        }
        Error::Internal(_) => {
            m.insert("__type".into(), "Internal Server Error".into());
            m.insert(
                "message".into(),
                translate(locale, "Internal Server Error").into(),
            );
        }
    }
    Value::Object(m)
}

fn prefixed(locale: &str, head: &str, msg: Option<&Msg>) -> String {
    let head = translate(locale, head);
    match msg {
        Some(m) => format!("{head}: {}", render(locale, m)),
        None => head,
    }
}

fn render_dict(locale: &str, dict: &ErrorDict, out: &mut Map<String, Value>) {
    for (field, errs) in dict {
        let v = match errs {
            FieldErrors::Messages(msgs) => Value::Array(
                msgs.iter()
                    .map(|m| Value::String(render(locale, m)))
                    .collect(),
            ),
            FieldErrors::Items(items) => Value::Array(
                items
                    .iter()
                    .map(|d| {
                        let mut inner = Map::new();
                        render_dict(locale, d, &mut inner);
                        Value::Object(inner)
                    })
                    .collect(),
            ),
        };
        out.insert(field.clone(), v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locale_choice() {
        assert_eq!(choose(Some("vi"), None, "en"), "vi");
        assert_eq!(
            choose(None, Some("fr;q=0.9, vi-VN;q=0.8, en;q=0.1"), "en"),
            "vi"
        );
        assert_eq!(choose(None, Some("de"), "vi"), "vi");
        assert_eq!(choose(Some("xx"), None, "en"), "en");
    }

    #[test]
    fn english_keeps_ckan_wording_and_vietnamese_translates() {
        assert_eq!(translate("en", "Missing value"), "Missing value");
        assert_ne!(translate("vi", "Missing value"), "Missing value");
        let m = Msg::new("Must be at least %{n} characters long").arg("n", 2);
        assert_eq!(render("en", &m), "Must be at least 2 characters long");
        assert!(render("vi", &m).contains('2'));
    }

    #[test]
    fn keys_with_dots_colons_quotes_and_placeholders_are_looked_up_whole() {
        for key in [
            "That URL is already in use.",
            "Action name not known: %{name}",
            "Duplicate key \"%{key}\"",
            "The email address '%{email}' belongs to a registered user.",
            "Cannot sort by field `%{field}`",
            "Must be purely lowercase alphanumeric (ascii) characters and these symbols: -_",
        ] {
            assert_eq!(translate("en", key), key);
            let vi = translate("vi", key);
            assert_ne!(vi, key);
            assert_eq!(key.contains("%{"), vi.contains("%{"), "{vi}");
        }
        assert_eq!(translate("vi", "No key. %{x}"), "No key. %{x}");
        assert_eq!(translate("fr", "Missing value"), "Missing value");
        assert_eq!(translate("vi", "Access denied"), "Truy cập bị từ chối");
    }
}
