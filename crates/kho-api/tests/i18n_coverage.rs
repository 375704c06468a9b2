//! Every message key the code can produce has an English and a Vietnamese translation.
//!
//! The sources of kho-core, kho-catalog and kho-api are scanned for string literals in the
//! positions where they become message keys (`Msg::new("…")`, `Error::field(_, "…")`,
//! `Error::denied("…")`, `Error::not_found("…")`, `errors.add(_, "…")`,
//! `not_authorized(ctx, "…")`, `require_sysadmin(ctx, "…")`, `translate(locale, "…")`, …,
//! plus any literal holding a `%{placeholder}`), and each key must be in `i18n/en.yml`
//! (as itself: English keys are CKAN's wording) and in `i18n/vi.yml` (translated, with the
//! same placeholders). Both files keep one `"key": "value"` line per message, with
//! JSON-style double-quoted strings, sorted by key.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const CRATES: &[&str] = &["kho-core", "kho-catalog", "kho-api"];

/// Keys whose Vietnamese text is legitimately the same as the English key.
const SAME_IN_VI: &[&str] = &[];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

// ---------------------------------------------------------------- a small Rust lexer

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Str(String),
    Word(String),
    Punct(char),
}

fn lex(src: &str) -> Vec<Tok> {
    let c: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < c.len() {
        let ch = c[i];
        if ch.is_whitespace() {
            i += 1;
        } else if ch == '/' && c.get(i + 1) == Some(&'/') {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if ch == '/' && c.get(i + 1) == Some(&'*') {
            let mut depth = 0;
            while i < c.len() {
                if c[i] == '/' && c.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if c[i] == '*' && c.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else if ch == '"' {
            let (s, next) = cooked_string(&c, i + 1);
            out.push(Tok::Str(s));
            i = next;
        } else if ch == '\'' {
            // A char literal ('x', '\n', '\u{..}') or a lifetime ('a).
            if c.get(i + 1) == Some(&'\\') {
                i += 2;
                while i < c.len() && c[i] != '\'' {
                    i += 1;
                }
                i += 1;
            } else if c.get(i + 2) == Some(&'\'') {
                i += 3;
            } else {
                out.push(Tok::Punct('\''));
                i += 1;
            }
        } else if ch.is_alphanumeric() || ch == '_' {
            let start = i;
            while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_') {
                i += 1;
            }
            let word: String = c[start..i].iter().collect();
            let next = c.get(i).copied();
            if (word == "r" || word == "br") && matches!(next, Some('"') | Some('#')) {
                let mut hashes = 0;
                while c.get(i) == Some(&'#') {
                    hashes += 1;
                    i += 1;
                }
                i += 1; // the opening quote
                let start = i;
                loop {
                    if c[i] == '"' && (0..hashes).all(|h| c.get(i + 1 + h) == Some(&'#')) {
                        break;
                    }
                    i += 1;
                }
                out.push(Tok::Str(c[start..i].iter().collect()));
                i += 1 + hashes;
            } else if word == "b" && next == Some('"') {
                let (s, n) = cooked_string(&c, i + 1);
                out.push(Tok::Str(s));
                i = n;
            } else {
                out.push(Tok::Word(word));
            }
        } else {
            out.push(Tok::Punct(ch));
            i += 1;
        }
    }
    out
}

/// A `"…"` literal's value (from just after the opening quote); returns the index after it.
fn cooked_string(c: &[char], mut i: usize) -> (String, usize) {
    let mut s = String::new();
    while i < c.len() {
        match c[i] {
            '"' => return (s, i + 1),
            '\\' => {
                i += 1;
                match c[i] {
                    'n' => s.push('\n'),
                    't' => s.push('\t'),
                    'r' => s.push('\r'),
                    '0' => s.push('\0'),
                    'u' => {
                        let end = (i..c.len()).find(|&j| c[j] == '}').expect("\\u{…}");
                        let hex: String = c[i + 2..end].iter().collect();
                        s.push(char::from_u32(u32::from_str_radix(&hex, 16).unwrap()).unwrap());
                        i = end;
                    }
                    'x' => {
                        let hex: String = c[i + 1..i + 3].iter().collect();
                        s.push(u8::from_str_radix(&hex, 16).unwrap() as char);
                        i += 2;
                    }
                    '\n' => {
                        while i + 1 < c.len() && c[i + 1].is_whitespace() {
                            i += 1;
                        }
                    }
                    other => s.push(other),
                }
                i += 1;
            }
            other => {
                s.push(other);
                i += 1;
            }
        }
    }
    panic!("unterminated string literal");
}

// ---------------------------------------------------------------- finding the keys

fn is_word(t: Option<&Tok>, w: &str) -> bool {
    matches!(t, Some(Tok::Word(x)) if x == w)
}

fn is_punct(t: Option<&Tok>, p: char) -> bool {
    t == Some(&Tok::Punct(p))
}

/// Index of the `)` (or `}`) matching the opener at `open`.
fn matching(toks: &[Tok], open: usize) -> usize {
    let mut depth = 0i32;
    for (j, t) in toks.iter().enumerate().skip(open) {
        match t {
            Tok::Punct('(') | Tok::Punct('[') | Tok::Punct('{') => depth += 1,
            Tok::Punct(')') | Tok::Punct(']') | Tok::Punct('}') => {
                depth -= 1;
                if depth == 0 {
                    return j;
                }
            }
            _ => {}
        }
    }
    panic!("unbalanced brackets");
}

/// String literals of the call's arguments `toks[open+1..close]`, from argument `skip` on,
/// that are not inside a nested call (`.arg(…)`, `format!(…)`, a nested `Msg::new(…)`,
/// which is found on its own); literals in `if … { "a" } else { "b" }` count.
fn message_literals(toks: &[Tok], open: usize, skip: usize) -> Vec<String> {
    let close = matching(toks, open);
    let mut out = Vec::new();
    let mut arg = 0;
    let mut parens = 0;
    let mut braces = 0;
    for t in &toks[open + 1..close] {
        match t {
            Tok::Punct('(') | Tok::Punct('[') => parens += 1,
            Tok::Punct(')') | Tok::Punct(']') => parens -= 1,
            Tok::Punct('{') => braces += 1,
            Tok::Punct('}') => braces -= 1,
            Tok::Punct(',') if parens == 0 && braces == 0 => arg += 1,
            Tok::Str(s) if parens == 0 && arg >= skip => out.push(s.clone()),
            _ => {}
        }
    }
    out
}

/// The tokens without `#[cfg(test)]` items (test code checks messages, it makes none).
fn without_tests(toks: Vec<Tok>) -> Vec<Tok> {
    let attr = [
        Tok::Punct('#'),
        Tok::Punct('['),
        Tok::Word("cfg".into()),
        Tok::Punct('('),
        Tok::Word("test".into()),
        Tok::Punct(')'),
        Tok::Punct(']'),
    ];
    let mut out = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        if toks[i..].starts_with(&attr) {
            // Skip to the end of the item: its `{ … }` body, or a `;`.
            let mut j = i + attr.len();
            while j < toks.len() && !matches!(toks[j], Tok::Punct('{') | Tok::Punct(';')) {
                j += 1;
            }
            i = if is_punct(toks.get(j), '{') {
                matching(&toks, j) + 1
            } else {
                j + 1
            };
        } else {
            out.push(toks[i].clone());
            i += 1;
        }
    }
    out
}

/// Every message key the given source can produce.
fn keys_in(src: &str) -> BTreeSet<String> {
    let toks = without_tests(lex(src));
    let mut keys = BTreeSet::new();
    for i in 0..toks.len() {
        let path2 = |a: &str, b: &str| {
            is_word(toks.get(i), a)
                && is_punct(toks.get(i + 1), ':')
                && is_punct(toks.get(i + 2), ':')
                && is_word(toks.get(i + 3), b)
                && is_punct(toks.get(i + 4), '(')
        };
        // Whole argument is the message.
        for (a, b) in [
            ("Msg", "new"),
            ("Msg", "from"),
            ("Error", "denied"),
            ("Error", "not_found"),
            ("Error", "ValidationMessage"),
            ("Error", "BadRequest"),
        ] {
            if path2(a, b) {
                keys.extend(message_literals(&toks, i + 4, 0));
            }
        }
        // The message follows a first argument (a field name, a context, a locale).
        if path2("Error", "field") {
            keys.extend(message_literals(&toks, i + 4, 1));
        }
        let call = |name: &str| {
            is_word(toks.get(i), name)
                && is_punct(toks.get(i + 1), '(')
                && !(i > 0 && is_word(toks.get(i - 1), "fn"))
        };
        for f in [
            "not_authorized",
            "require_sysadmin",
            "translate",
            "prefixed",
        ] {
            if call(f) {
                keys.extend(message_literals(&toks, i + 1, 1));
            }
        }
        // `errors.add(field, msg)` on an `Errors` collector.
        if call("add")
            && is_punct(toks.get(i.wrapping_sub(1)), '.')
            && matches!(toks.get(i.wrapping_sub(2)), Some(Tok::Word(w)) if w.contains("err"))
        {
            keys.extend(message_literals(&toks, i + 1, 1));
        }
        // `reasoned("API token revoked", reason)` gives the key and `"…: %{reason}"`.
        if call("reasoned") {
            for k in message_literals(&toks, i + 1, 0).into_iter().take(1) {
                keys.insert(format!("{k}: %{{reason}}"));
                keys.insert(k);
            }
        }
        // Capacity labels (`Capacity::label`), translated for `member_roles_list`.
        if is_word(toks.get(i), "fn") && is_word(toks.get(i + 1), "label") {
            let open = (i..toks.len())
                .find(|&j| is_punct(toks.get(j), '{'))
                .unwrap();
            let close = matching(&toks, open);
            for j in open..close {
                if is_punct(toks.get(j), '=') && is_punct(toks.get(j + 1), '>') {
                    if let Some(Tok::Str(s)) = toks.get(j + 2) {
                        keys.insert(s.clone());
                    }
                }
            }
        }
        // Any template with a placeholder (`let template = if … { "…%{user}…" } …`);
        // `%{{` is a `format!` string that builds one.
        if let Tok::Str(s) = &toks[i] {
            if s.contains("%{") && !s.contains("%{{") {
                keys.insert(s.clone());
            }
        }
    }
    keys.remove("");
    keys
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// Key → the files it comes from.
fn source_keys() -> BTreeMap<String, BTreeSet<String>> {
    let mut files = Vec::new();
    for c in CRATES {
        rust_files(&root().join("crates").join(c).join("src"), &mut files);
    }
    assert!(
        files.len() > 10,
        "no sources found under {}",
        root().display()
    );
    let mut keys: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in files {
        let src = std::fs::read_to_string(&f).unwrap();
        let name = f.strip_prefix(root()).unwrap_or(&f).display().to_string();
        for k in keys_in(&src) {
            keys.entry(k).or_default().insert(name.clone());
        }
    }
    keys
}

// ---------------------------------------------------------------- the locale files

/// `"key": "value"` lines (JSON-style strings, a strict subset of YAML), in file order.
fn locale_file(locale: &str) -> Vec<(String, String)> {
    let path = root().join("i18n").join(format!("{locale}.yml"));
    let text = std::fs::read_to_string(&path).unwrap();
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let bad = || {
            panic!(
                "{}:{}: not a `\"key\": \"value\"` line: {line}",
                path.display(),
                n + 1
            )
        };
        let mut it = serde_json::Deserializer::from_str(line).into_iter::<String>();
        let Some(Ok(key)) = it.next() else { bad() };
        let rest = &line[it.byte_offset()..];
        let Some(value) = rest.strip_prefix(": ") else {
            bad()
        };
        let Ok(value) = serde_json::from_str::<String>(value) else {
            bad()
        };
        out.push((key, value));
    }
    out
}

fn placeholders(s: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = s;
    while let Some(start) = rest.find("%{") {
        let Some(len) = rest[start..].find('}') else {
            break;
        };
        out.insert(rest[start..start + len + 1].to_string());
        rest = &rest[start + len + 1..];
    }
    out
}

fn checked_locale(locale: &str) -> BTreeMap<String, String> {
    let entries = locale_file(locale);
    let keys: Vec<&String> = entries.iter().map(|(k, _)| k).collect();
    let mut sorted = keys.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(
        keys, sorted,
        "i18n/{locale}.yml must be sorted by key, without duplicates"
    );
    let map: BTreeMap<String, String> = entries.into_iter().collect();
    for (k, v) in &map {
        assert_eq!(
            placeholders(k),
            placeholders(v),
            "i18n/{locale}.yml: placeholders of {k:?} differ in {v:?}"
        );
        // What rust-i18n loaded is what this test read.
        assert_eq!(
            &kho_api::i18n::translate(locale, k),
            v,
            "i18n/{locale}.yml: rust-i18n disagrees on {k:?}"
        );
    }
    map
}

// ---------------------------------------------------------------- the tests

#[test]
fn the_scanner_finds_keys_in_every_call_form() {
    let src = r##"
        fn label(self) -> &'static str { match self { A => "Admin", B => "Editor" } }
        fn f(ctx: &Ctx, errors: &mut Errors) {
            let _ = Msg::new("Plain %{x}").arg("x", 1); // Msg::new("commented out")
            let _ = kho_core::Msg::new(
                "Wrapped",
            );
            errors.add("email", "Missing value");
            errors.add("extras", Msg::new("Duplicate key \"%{key}\"").arg("key", k));
            let _ = Error::field("sort", Msg::new(format!("{what}: %{{reason}}")));
            let _ = Error::field(key, "Must be a string");
            let _ = Error::denied("Denied");
            let _ = Error::not_found(Msg::new("User not found: %{user}").arg("user", &u));
            let _ = not_authorized(ctx, "User %{user} not authorized");
            let _ = require_sysadmin(ctx, if org { "Org %{user}" } else { "Group %{user}" });
            let template = if org { "T1 %{id}" } else { "T2 %{id}" };
            let _ = translate(locale, "Internal Server Error");
            let _ = reasoned("API token revoked", reason);
            let c = 'x'; let d = '\''; let s = r#"raw %{r}"#;
        }
        #[cfg(test)]
        mod tests {
            fn t() { let _ = Msg::new("Only in a test %{x}"); }
        }
    "##;
    let keys: Vec<String> = keys_in(src).into_iter().collect();
    let expect = [
        "API token revoked",
        "API token revoked: %{reason}",
        "Admin",
        "Denied",
        "Duplicate key \"%{key}\"",
        "Editor",
        "Group %{user}",
        "Internal Server Error",
        "Missing value",
        "Must be a string",
        "Org %{user}",
        "Plain %{x}",
        "T1 %{id}",
        "T2 %{id}",
        "User %{user} not authorized",
        "User not found: %{user}",
        "Wrapped",
        "raw %{r}",
    ];
    assert_eq!(keys, expect);
}

#[test]
fn english_and_vietnamese_have_the_same_keys() {
    let en = checked_locale("en");
    let vi = checked_locale("vi");
    let en_keys: BTreeSet<_> = en.keys().collect();
    let vi_keys: BTreeSet<_> = vi.keys().collect();
    assert_eq!(
        en_keys.difference(&vi_keys).collect::<Vec<_>>(),
        Vec::<&&String>::new(),
        "keys in en.yml but not in vi.yml"
    );
    assert_eq!(
        vi_keys.difference(&en_keys).collect::<Vec<_>>(),
        Vec::<&&String>::new(),
        "keys in vi.yml but not in en.yml"
    );
    for (k, v) in &en {
        assert_eq!(
            k, v,
            "i18n/en.yml: English is CKAN's wording, the key itself"
        );
    }
}

#[test]
fn every_message_key_in_the_code_is_translated() {
    let en = checked_locale("en");
    let vi = checked_locale("vi");
    let keys = source_keys();
    assert!(keys.len() > 40, "the scanner found too few keys: {keys:?}");
    let mut problems = Vec::new();
    for (k, files) in &keys {
        let from = files.iter().cloned().collect::<Vec<_>>().join(", ");
        if !en.contains_key(k) {
            problems.push(format!("missing in i18n/en.yml: {k:?} (from {from})"));
        }
        match vi.get(k) {
            None => problems.push(format!("missing in i18n/vi.yml: {k:?} (from {from})")),
            Some(v) if v == k && !SAME_IN_VI.contains(&k.as_str()) => {
                problems.push(format!("untranslated in i18n/vi.yml: {k:?} (from {from})"))
            }
            Some(_) => {}
        }
        if !kho_api::i18n::translate("vi", k).is_empty() && kho_api::i18n::translate("en", k) != *k
        {
            problems.push(format!("English rendering of {k:?} is not the key itself"));
        }
    }
    let unused: Vec<_> = en.keys().filter(|k| !keys.contains_key(*k)).collect();
    if !unused.is_empty() {
        eprintln!("note: keys in i18n/*.yml that the code no longer uses: {unused:?}");
    }
    assert!(
        problems.is_empty(),
        "{} problem(s):\n{}",
        problems.len(),
        problems.join("\n")
    );
}
