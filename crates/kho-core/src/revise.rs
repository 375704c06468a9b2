//! The dict surgery behind `package_revise`: CKAN's `check_dict`, `check_string_key`,
//! `filter_glob_match`, `update_merge_dict` and `update_merge_string_key`
//! (`ckan/lib/navl/dictization_functions.py`), on JSON values.
//!
//! A "string key" is a path joined with `__`: `resources__0__name`. Inside a list a part
//! is an index (negative from the end, as in Python) or, with five or more characters, a
//! prefix of the `id` of one of the list's dicts.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use crate::error::Msg;

/// CKAN's navl `DataError`: the path does not fit the data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataError(pub Msg);

/// One step of a path: a dict key or a list index (possibly negative, as given).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Key(String),
    Index(i64),
}

impl std::fmt::Display for Step {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Step::Key(k) => f.write_str(k),
            Step::Index(i) => write!(f, "{i}"),
        }
    }
}

/// A path as CKAN prints it: its steps joined with `__`.
pub fn join(path: &[Step]) -> String {
    path.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("__")
}

fn unmatched(path: &[Step], last: &str) -> DataError {
    let mut p = join(path);
    if !p.is_empty() {
        p.push_str("__");
    }
    p.push_str(last);
    DataError(Msg::new("Unmatched key %{key}").arg("key", p))
}

/// Python's `==` on JSON scalars: numbers compare by value and booleans equal 1 and 0.
fn py_eq(a: &Value, b: &Value) -> bool {
    fn num(v: &Value) -> Option<f64> {
        match v {
            Value::Number(n) => n.as_f64(),
            Value::Bool(b) => Some(if *b { 1.0 } else { 0.0 }),
            _ => None,
        }
    }
    match (a, b) {
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Number(_) | Value::Bool(_), Value::Number(_) | Value::Bool(_)) => num(a) == num(b),
        _ => a == b,
    }
}

/// Python's `list[i]` for a possibly negative index.
fn py_index(len: usize, i: i64) -> Option<usize> {
    let len = i64::try_from(len).ok()?;
    let j = if i < 0 { len + i } else { i };
    if (0..len).contains(&j) {
        usize::try_from(j).ok()
    } else {
        None
    }
}

/// Python's `int(k)` on a path part (surrounding spaces and a sign allowed).
fn py_int(k: &str) -> Option<i64> {
    k.trim().parse::<i64>().ok()
}

/// The paths under `select` whose values differ from `data` (`check_dict`).
pub fn check_dict(data: &Value, select: &Map<String, Value>, parent: &[Step]) -> Vec<Vec<Step>> {
    let Value::Object(data) = data else {
        return vec![parent.to_vec()];
    };
    let mut keys: Vec<&String> = select.keys().collect();
    keys.sort();
    let mut out = Vec::new();
    for k in keys {
        let v = &select[k];
        let mut path = parent.to_vec();
        path.push(Step::Key(k.clone()));
        match data.get(k) {
            None => out.push(path),
            Some(have) => match v {
                Value::Object(m) => out.extend(check_dict(have, m, &path)),
                Value::Array(a) => out.extend(check_list(have, a, &path)),
                _ if !py_eq(have, v) => out.push(path),
                _ => {}
            },
        }
    }
    out
}

/// The paths under `select` whose values differ from `data` (`check_list`).
pub fn check_list(data: &Value, select: &[Value], parent: &[Step]) -> Vec<Vec<Step>> {
    let Value::Array(data) = data else {
        return vec![parent.to_vec()];
    };
    let mut out = Vec::new();
    for (i, v) in select.iter().enumerate() {
        let mut path = parent.to_vec();
        path.push(Step::Index(i64::try_from(i).unwrap_or(i64::MAX)));
        match data.get(i) {
            None => out.push(path),
            Some(have) => match v {
                Value::Object(m) => out.extend(check_dict(have, m, &path)),
                Value::Array(a) => out.extend(check_list(have, a, &path)),
                _ if !py_eq(have, v) => out.push(path),
                _ => {}
            },
        }
    }
    out
}

/// The position in `list` that the path part `k` names: an index, or the one dict whose
/// `id` starts with `k` (five characters or more).
///
/// CKAN takes the first dict whose id starts with the prefix; kho refuses a prefix that
/// more than one id starts with, so that a short prefix never edits the wrong resource
/// (COMPATIBILITY.md).
fn list_position(list: &[Value], k: &str, parent: &[Step]) -> Result<(usize, i64), DataError> {
    if k.chars().count() >= 5 {
        let mut found: Option<usize> = None;
        for (i, rec) in list.iter().enumerate() {
            let id = match rec.as_object().and_then(|m| m.get("id")) {
                Some(id) => id,
                // CKAN stops at the first item that has no id.
                None if found.is_none() => return Err(unmatched(parent, k)),
                None => continue,
            };
            if id.as_str().is_some_and(|s| s.starts_with(k)) {
                if found.is_some() {
                    let mut p = join(parent);
                    if !p.is_empty() {
                        p.push_str("__");
                    }
                    p.push_str(k);
                    return Err(DataError(Msg::new("Ambiguous key %{key}").arg("key", p)));
                }
                found = Some(i);
            }
        }
        let i = found.ok_or_else(|| unmatched(parent, k))?;
        return Ok((i, i64::try_from(i).unwrap_or(i64::MAX)));
    }
    let index = py_int(k).ok_or_else(|| unmatched(parent, k))?;
    let pos = py_index(list.len(), index).ok_or_else(|| unmatched(parent, k))?;
    Ok((pos, index))
}

/// Follow a string key through `data` (`resolve_string_key`): the path as CKAN reports
/// it (indexes as given, ids resolved to positions) and the position of every step.
fn resolve_positions(data: &Value, key: &str) -> Result<(Vec<Step>, Vec<Pos>), DataError> {
    let mut path = Vec::new();
    let mut positions = Vec::new();
    let mut current = data;
    for k in key.split("__") {
        match current {
            Value::Object(m) => {
                let Some(next) = m.get(k) else {
                    return Err(unmatched(&path, k));
                };
                path.push(Step::Key(k.to_string()));
                positions.push(Pos::Key(k.to_string()));
                current = next;
            }
            Value::Array(list) => {
                let (pos, shown) = list_position(list, k, &path)?;
                path.push(Step::Index(shown));
                positions.push(Pos::At(pos));
                current = &list[pos];
            }
            _ => return Err(unmatched(&path, k)),
        }
    }
    Ok((path, positions))
}

#[derive(Debug, Clone)]
enum Pos {
    Key(String),
    At(usize),
}

fn walk_mut<'a>(data: &'a mut Value, positions: &[Pos]) -> Option<&'a mut Value> {
    let mut current = data;
    for p in positions {
        current = match (p, current) {
            (Pos::Key(k), Value::Object(m)) => m.get_mut(k)?,
            (Pos::At(i), Value::Array(a)) => a.get_mut(*i)?,
            _ => return None,
        };
    }
    Some(current)
}

/// The paths that differ between `data` at `key` and `value` (`check_string_key`).
pub fn check_string_key(
    data: &Value,
    key: &str,
    value: &Value,
) -> Result<Vec<Vec<Step>>, DataError> {
    let (path, positions) = resolve_positions(data, key)?;
    let mut current = data;
    for p in &positions {
        current = match (p, current) {
            (Pos::Key(k), Value::Object(m)) => &m[k],
            (Pos::At(i), Value::Array(a)) => &a[*i],
            _ => return Err(unmatched(&[], key)),
        };
    }
    Ok(match value {
        Value::Object(m) => check_dict(current, m, &path),
        Value::Array(a) => check_list(current, a, &path),
        _ if !py_eq(current, value) => vec![path],
        _ => Vec::new(),
    })
}

/// One parsed glob: keep (`+`) or remove (`-` or nothing), and its path parts.
type Glob = (bool, Vec<String>);

/// Remove keys and list items from `data` by glob patterns (`filter_glob_match`): `*`
/// matches everything at its level, a `+` pattern protects what it matches from removal,
/// and for each item the first matching pattern wins.
pub fn filter_glob_match(data: &mut Value, patterns: &[String]) {
    let globs: Vec<Glob> = patterns
        .iter()
        .map(|p| {
            (
                p.starts_with('+'),
                p.trim_start_matches(['-', '+'])
                    .split("__")
                    .map(str::to_string)
                    .collect(),
            )
        })
        .collect();
    filter_globs(data, &globs);
}

fn filter_globs(data: &mut Value, globs: &[Glob]) {
    match data {
        Value::Object(m) => filter_dict(m, globs),
        Value::Array(a) => filter_list(a, globs),
        _ => {}
    }
}

fn filter_dict(data: &mut Map<String, Value>, globs: &[Glob]) {
    let mut protected = Map::new();
    let mut children: Vec<(String, Vec<Glob>)> = Vec::new();
    for (keep, parts) in globs {
        let head = &parts[0];
        if head == "*" {
            if *keep {
                for (k, v) in data.iter() {
                    protected.insert(k.clone(), v.clone());
                }
            } else {
                data.clear();
            }
            continue;
        }
        if !data.contains_key(head) {
            continue;
        }
        if parts.len() > 1 {
            let rest = (*keep, parts[1..].to_vec());
            match children.iter_mut().find(|(h, _)| h == head) {
                Some((_, g)) => g.push(rest),
                None => children.push((head.clone(), vec![rest])),
            }
        } else if *keep {
            protected.insert(head.clone(), data[head].clone());
        } else {
            data.remove(head);
        }
    }
    for (k, v) in protected {
        data.insert(k, v);
    }
    for (head, g) in children {
        if let Some(child) = data.get_mut(&head) {
            filter_globs(child, &g);
        }
    }
}

fn filter_list(data: &mut Vec<Value>, globs: &[Glob]) {
    let len = i64::try_from(data.len()).unwrap_or(i64::MAX);
    let all: BTreeSet<i64> = (0..len).collect();
    let mut protected: BTreeSet<i64> = BTreeSet::new();
    let mut removed: BTreeSet<i64> = BTreeSet::new();
    let mut children: BTreeMap<i64, Vec<Glob>> = BTreeMap::new();
    for (keep, parts) in globs {
        let head = &parts[0];
        if head == "*" {
            if *keep {
                protected.extend(all.difference(&removed).copied().collect::<Vec<_>>());
            } else {
                removed.extend(all.difference(&protected).copied().collect::<Vec<_>>());
            }
            continue;
        }
        // The index as CKAN's `resolve_string_key` reports it: negative indexes stay
        // negative, so `-resources__-1` removes nothing (as in CKAN).
        let index = match list_position(data, head, &[]) {
            Ok((pos, shown)) => {
                if head.chars().count() >= 5 {
                    i64::try_from(pos).unwrap_or(i64::MAX)
                } else {
                    shown
                }
            }
            Err(_) => continue,
        };
        if parts.len() > 1 {
            children
                .entry(index)
                .or_default()
                .push((*keep, parts[1..].to_vec()));
        } else if *keep {
            if !removed.contains(&index) {
                protected.insert(index);
            }
        } else if !protected.contains(&index) {
            removed.insert(index);
        }
        // CKAN filters the children inside this loop, after every pattern.
        let gone: BTreeSet<i64> = removed.difference(&protected).copied().collect();
        for (head, g) in &children {
            if !gone.contains(head) {
                if let Some(pos) = py_index(data.len(), *head) {
                    filter_globs(&mut data[pos], g);
                }
            }
        }
    }
    let gone: BTreeSet<i64> = removed.difference(&protected).copied().collect();
    let mut i = 0i64;
    data.retain(|_| {
        let keep = !gone.contains(&i);
        i += 1;
        keep
    });
}

fn expected(what: &str, path: &[Step]) -> DataError {
    DataError(Msg::new(what).arg("key", join(path)))
}

/// Deep-merge `update` into `data` (`update_merge_dict`): new keys are added, dicts and
/// lists are merged item by item, other values replaced.
pub fn update_merge_dict(
    data: &mut Map<String, Value>,
    update: &Value,
    parent: &[Step],
) -> Result<(), DataError> {
    let Value::Object(update) = update else {
        return Err(expected("Expected dict for %{key}", parent));
    };
    for (k, v) in update {
        let mut path = parent.to_vec();
        path.push(Step::Key(k.clone()));
        match data.get_mut(k) {
            None => {
                data.insert(k.clone(), v.clone());
            }
            Some(Value::Object(m)) => update_merge_dict(m, v, &path)?,
            Some(Value::Array(a)) => update_merge_list(a, v, &path)?,
            Some(slot) => *slot = v.clone(),
        }
    }
    Ok(())
}

/// Merge `update` into `data` item by item (`update_merge_list`); extra items are appended.
pub fn update_merge_list(
    data: &mut Vec<Value>,
    update: &Value,
    parent: &[Step],
) -> Result<(), DataError> {
    let Value::Array(update) = update else {
        return Err(expected("Expected list for %{key}", parent));
    };
    for (i, v) in update.iter().enumerate() {
        let mut path = parent.to_vec();
        path.push(Step::Index(i64::try_from(i).unwrap_or(i64::MAX)));
        match data.get_mut(i) {
            None => data.push(v.clone()),
            Some(Value::Object(m)) => update_merge_dict(m, v, &path)?,
            Some(Value::Array(a)) => update_merge_list(a, v, &path)?,
            Some(slot) => *slot = v.clone(),
        }
    }
    Ok(())
}

/// Merge `value` at a string key (`update_merge_string_key`); a last part `extend` on a
/// list appends the items of `value`.
pub fn update_merge_string_key(
    data: &mut Value,
    key: &str,
    value: &Value,
) -> Result<(), DataError> {
    let (head, last) = match key.rfind("__") {
        Some(i) => (&key[..i], &key[i + 2..]),
        None => ("", key),
    };
    let (path, positions) = if head.is_empty() {
        (Vec::new(), Vec::new())
    } else {
        resolve_positions(data, head)?
    };
    let current = walk_mut(data, &positions).ok_or_else(|| unmatched(&[], head))?;
    match current {
        Value::Object(m) => {
            let mut single = Map::new();
            single.insert(last.to_string(), value.clone());
            update_merge_dict(m, &Value::Object(single), &path)
        }
        Value::Array(list) => {
            if last == "extend" {
                let Value::Array(items) = value else {
                    return Err(DataError(
                        Msg::new("Expected list for %{key}").arg("key", head),
                    ));
                };
                list.extend(items.iter().cloned());
                return Ok(());
            }
            let (pos, shown) = list_position(list, last, &[])?;
            let mut child_path = path.clone();
            child_path.push(Step::Index(shown));
            match &mut list[pos] {
                Value::Object(m) => update_merge_dict(m, value, &child_path),
                Value::Array(a) => update_merge_list(a, value, &child_path),
                slot => {
                    *slot = value.clone();
                    Ok(())
                }
            }
        }
        _ => Err(DataError(
            Msg::new("Expected list or dict for %{key}").arg("key", head),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn paths(v: Vec<Vec<Step>>) -> Vec<String> {
        v.iter().map(|p| join(p)).collect()
    }

    // The cases of CKAN's ckan/tests/lib/navl/test_dictization_functions.py.

    #[test]
    fn check_dict_reports_differences() {
        let data = json!({"a": [{"b": "c"}], "d": "e"});
        let m = |v: Value| v.as_object().cloned().unwrap();
        assert!(check_dict(&data, &m(json!({"d": "e"})), &[]).is_empty());
        assert_eq!(paths(check_dict(&data, &m(json!({"d": "x"})), &[])), ["d"]);
        assert_eq!(paths(check_dict(&data, &m(json!({"q": "e"})), &[])), ["q"]);
        assert_eq!(
            paths(check_dict(&data, &m(json!({"a": [{"b": "x"}]})), &[])),
            ["a__0__b"]
        );
        assert_eq!(
            paths(check_dict(&data, &m(json!({"a": [{}, {}]})), &[])),
            ["a__1"]
        );
        assert_eq!(
            paths(check_dict(&data, &m(json!({"d": {"x": 1}})), &[])),
            ["d"]
        );
        // Python equality: 1 == 1.0 == True.
        let n = json!({"n": 1});
        assert!(check_dict(&n, &m(json!({"n": 1.0})), &[]).is_empty());
        assert!(check_dict(&n, &m(json!({"n": true})), &[]).is_empty());
    }

    #[test]
    fn check_string_key_resolves_indexes_and_ids() {
        let data = json!({"a": [{"id": "deadbeef-1", "b": "c"}, {"id": "feed0", "b": "d"}]});
        assert!(check_string_key(&data, "a__0__b", &json!("c"))
            .unwrap()
            .is_empty());
        assert_eq!(
            paths(check_string_key(&data, "a__-1__b", &json!("c")).unwrap()),
            ["a__-1__b"]
        );
        assert!(check_string_key(&data, "a__deadb", &json!({"b": "c"}))
            .unwrap()
            .is_empty());
        let e = check_string_key(&data, "a__0__c", &json!("x")).unwrap_err();
        assert_eq!(e.0.english(), "Unmatched key a__0__c");
        let e = check_string_key(&data, "a__2", &json!("x")).unwrap_err();
        assert_eq!(e.0.english(), "Unmatched key a__2");
        let e = check_string_key(&data, "a__dead0", &json!("x")).unwrap_err();
        assert_eq!(e.0.english(), "Unmatched key a__dead0");
    }

    #[test]
    fn ambiguous_id_prefix_is_refused() {
        let data = json!({"a": [{"id": "abcde-1"}, {"id": "abcde-2"}]});
        let e = check_string_key(&data, "a__abcde", &json!({})).unwrap_err();
        assert_eq!(e.0.english(), "Ambiguous key a__abcde");
        let mut d = data.clone();
        let e = update_merge_string_key(&mut d, "a__abcde__x", &json!(1)).unwrap_err();
        assert_eq!(e.0.english(), "Ambiguous key a__abcde");
        assert_eq!(d, data);
    }

    fn filtered(mut v: Value, patterns: &[&str]) -> Value {
        let p: Vec<String> = patterns.iter().map(|s| s.to_string()).collect();
        filter_glob_match(&mut v, &p);
        v
    }

    #[test]
    fn filter_glob_match_cases() {
        let data = json!({"a": [{"b": 1, "c": 2}, {"b": 3}], "d": "e", "f": "g"});
        assert_eq!(
            filtered(data.clone(), &["-d"]),
            json!({"a": [{"b": 1, "c": 2}, {"b": 3}], "f": "g"})
        );
        assert_eq!(filtered(data.clone(), &["+d", "-*"]), json!({"d": "e"}));
        assert_eq!(
            filtered(data.clone(), &["-a__1"]),
            json!({"a": [{"b": 1, "c": 2}], "d": "e", "f": "g"})
        );
        assert_eq!(
            filtered(data.clone(), &["+a__0__b", "-a__0__*"]),
            json!({"a": [{"b": 1}, {"b": 3}], "d": "e", "f": "g"})
        );
        // As in CKAN, `*` with more parts after it still matches whole items.
        assert_eq!(
            filtered(data.clone(), &["-a__*__b"]),
            json!({"a": [], "d": "e", "f": "g"})
        );
        assert_eq!(
            filtered(data.clone(), &["+a__0", "-a__*"]),
            json!({"a": [{"b": 1, "c": 2}], "d": "e", "f": "g"})
        );
        // A negative index names no position to remove, as in CKAN.
        assert_eq!(filtered(data.clone(), &["-a__-1"]), data);
        assert_eq!(
            filtered(data.clone(), &["-a__-1__b"]),
            json!({"a": [{"b": 1, "c": 2}, {}], "d": "e", "f": "g"})
        );
        assert_eq!(filtered(json!({"package": {"a": 1}}), &["-*"]), json!({}));
    }

    #[test]
    fn update_merge_cases() {
        let mut d = json!({"a": [{"b": 1}], "c": {"d": 2}, "e": 3});
        let m = d.as_object_mut().unwrap();
        update_merge_dict(
            m,
            &json!({"a": [{"x": 1}, {"y": 2}], "c": {"z": 3}, "e": [1], "n": 0}),
            &[],
        )
        .unwrap();
        assert_eq!(
            d,
            json!({"a": [{"b": 1, "x": 1}, {"y": 2}], "c": {"d": 2, "z": 3}, "e": [1], "n": 0})
        );
        let mut d = json!({"a": [{"b": 1}]});
        let e = update_merge_dict(d.as_object_mut().unwrap(), &json!({"a": {"b": 2}}), &[])
            .unwrap_err();
        assert_eq!(e.0.english(), "Expected list for a");
        let e =
            update_merge_dict(d.as_object_mut().unwrap(), &json!({"a": [[1]]}), &[]).unwrap_err();
        assert_eq!(e.0.english(), "Expected dict for a__0");
    }

    #[test]
    fn update_merge_string_key_cases() {
        let mut d = json!({"resources": [{"id": "12345678", "name": "x"}, {"id": "abcdef", "name": "y"}], "notes": "n"});
        update_merge_string_key(&mut d, "notes", &json!("new")).unwrap();
        update_merge_string_key(&mut d, "resources__-1__name", &json!("last")).unwrap();
        update_merge_string_key(&mut d, "resources__12345", &json!({"name": "first"})).unwrap();
        update_merge_string_key(&mut d, "resources__extend", &json!([{"name": "z"}])).unwrap();
        assert_eq!(
            d,
            json!({"resources": [{"id": "12345678", "name": "first"}, {"id": "abcdef", "name": "last"}, {"name": "z"}], "notes": "new"})
        );
        let e = update_merge_string_key(&mut d, "resources__extend", &json!({})).unwrap_err();
        assert_eq!(e.0.english(), "Expected list for resources");
        let e = update_merge_string_key(&mut d, "notes__x", &json!(1)).unwrap_err();
        assert_eq!(e.0.english(), "Expected list or dict for notes");
        let e = update_merge_string_key(&mut d, "resources__7", &json!({})).unwrap_err();
        assert_eq!(e.0.english(), "Unmatched key 7");
        let e = update_merge_string_key(&mut d, "nope__x", &json!(1)).unwrap_err();
        assert_eq!(e.0.english(), "Unmatched key nope");
    }

    mod properties {
        use super::super::*;
        use proptest::prelude::*;
        use serde_json::{json, Value};

        /// Small JSON trees shaped like datasets: objects of lists of objects.
        fn tree() -> impl Strategy<Value = Value> {
            let leaf = prop_oneof![
                Just(Value::Null),
                any::<bool>().prop_map(Value::Bool),
                (-3i64..30).prop_map(|n| json!(n)),
                "[a-f0-9]{0,8}".prop_map(Value::String),
            ];
            leaf.prop_recursive(4, 40, 5, |inner| {
                prop_oneof![
                    prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
                    prop::collection::btree_map(
                        "(id|name|resources|a|b|[a-f0-9]{1,6})",
                        inner,
                        0..5
                    )
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
                ]
            })
        }

        /// Flattened keys as clients write them, and some they should not.
        fn key() -> impl Strategy<Value = String> {
            prop::collection::vec(
                "(id|name|resources|extend|a|b|-1|-7|0|1|3|[a-f0-9]{1,8}|__|_|)",
                0..5,
            )
            .prop_map(|parts| parts.join("__"))
        }

        proptest! {
            /// Whatever the data, key and value, the revise helpers answer (an error at
            /// worst) and never panic.
            #[test]
            fn flattened_keys_never_panic(data in tree(), key in key(), value in tree()) {
                let _ = check_string_key(&data, &key, &value);
                let mut d = data.clone();
                let _ = update_merge_string_key(&mut d, &key, &value);
                let mut d = data.clone();
                if let (Some(m), Some(v)) = (d.as_object_mut(), value.as_object()) {
                    let _ = update_merge_dict(m, &Value::Object(v.clone()), &[]);
                }
                let mut d = data;
                filter_glob_match(&mut d, &[key.clone(), format!("+{key}"), format!("-{key}")]);
            }
        }
    }
}
