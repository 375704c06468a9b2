//! `package_revise` (CKAN 2.9+, `ckan/logic/action/update.py`): check that the dataset
//! still matches what the caller expects, drop fields by glob patterns, deep-merge an
//! update, then save the result through `package_update` (`datasets::update_with`), so
//! that authorization, validation, activity, the change log and the one transaction are
//! those of `package_update`.
//!
//! The dict surgery itself is pure and lives in `kho_core::revise`.

use kho_core::dataset::PackageDictOptions;
use kho_core::error::Errors;
use kho_core::params::Params;
use kho_core::revise::{
    check_dict, check_string_key, filter_glob_match, join, update_merge_dict,
    update_merge_string_key, DataError,
};
use kho_core::{Error, Msg, Result};
use serde_json::{json, Map, Value};

use super::datasets::{can_read, dataset_dict, read_denied, update_with};
use super::{action, pd};
use crate::registry::{ParamDoc, Registry};
use crate::{Catalog, Ctx};

const PARAMS: &[ParamDoc] = &[
    pd(
        "match",
        "object",
        false,
        "values the dataset must have, with its id or name (a dict or a JSON string); also as flattened match__<key> parameters",
    ),
    pd(
        "filter",
        "array",
        false,
        "glob patterns of fields to remove before the update, e.g. [\"+resources\", \"-*\"] (a list, a JSON list or a comma-separated string)",
    ),
    pd(
        "update",
        "object",
        false,
        "values to merge into the dataset (a dict or a JSON string); also as flattened update__<key> parameters, e.g. update__resources__0__name, update__resources__<id prefix>, update__resources__extend",
    ),
    pd(
        "include",
        "array",
        false,
        "glob patterns of the result to return, e.g. [\"package__id\", \"-*\"]",
    ),
];

pub fn register(r: &mut Registry) {
    action!(r, "package_revise", false, package_revise,
        "Revise a dataset selectively with match, filter and update parameters.\n\nYou must be authorized to edit the dataset and the groups that it belongs to.\n\n:param match: a dict containing \"id\" or \"name\" values of the dataset to update; all values provided must match the current dataset values or a ValidationError is raised\n:param filter: a list of string patterns of fields to remove from the current dataset, e.g. \"-resources__1\" removes the second resource, [\"+title\", \"+resources\", \"-*\"] removes every field but title and resources\n:param update: a dict with values to update or create after filtering\n:param include: a list of string patterns of fields to include in the response, e.g. \"-*\" to return nothing\n\nmatch and update may also be passed as flattened keys, with an item index (negative from the end) or the start of its id (at least 5 characters): update__resources__-1__description, update__resources__19cfad={...}, update__resources__extend=[{...}].\n\n:returns: {\"package\": the updated dataset, filtered by include}",
        PARAMS, "object");
}

/// CKAN's `json_or_string`: a string that parses as JSON is that JSON.
fn json_or_string(v: Value) -> Value {
    match v {
        Value::String(s) => serde_json::from_str(&s).unwrap_or(Value::String(s)),
        other => other,
    }
}

/// CKAN's `json_list_or_string` then `list_of_strings`. A comma-separated string is
/// split, and kho trims the parts ("+title, +resources" means the two patterns).
fn string_list(v: Value) -> std::result::Result<Vec<String>, Msg> {
    let v = match v {
        Value::String(s) => match serde_json::from_str::<Value>(&s) {
            Ok(parsed) => parsed,
            Err(_) => Value::Array(
                s.split(',')
                    .map(|p| Value::String(p.trim().to_string()))
                    .collect(),
            ),
        },
        other => other,
    };
    let Value::Array(items) = v else {
        return Err(Msg::new("Not a list"));
    };
    items
        .into_iter()
        .map(|x| match x {
            Value::String(s) => Ok(s),
            other => Err(Msg::new("Not a string: %{value}").arg("value", py_repr(&other))),
        })
        .collect()
}

/// How Python's `%s` prints a decoded JSON value (close enough for messages).
fn py_repr(v: &Value) -> String {
    match v {
        Value::Null => "None".into(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        other => other.to_string(),
    }
}

/// The parsed parameters (`package_revise_schema`).
struct Input {
    matches: Option<Map<String, Value>>,
    filter: Option<Vec<String>>,
    update: Option<Value>,
    include: Option<Vec<String>>,
    match_keys: Vec<(String, Value)>,
    update_keys: Vec<(String, Value)>,
}

fn parse(p: Params) -> Result<Input> {
    let mut errors = Errors::new();
    let mut input = Input {
        matches: None,
        filter: None,
        update: None,
        include: None,
        match_keys: Vec::new(),
        update_keys: Vec::new(),
    };
    for (k, v) in p {
        if v.is_null() && matches!(k.as_str(), "match" | "filter" | "update" | "include") {
            // `ignore_missing`: null is absent.
            continue;
        }
        match k.as_str() {
            "match" => match json_or_string(v) {
                Value::Object(m) => input.matches = Some(m),
                _ => errors.add("match", "Must be a dict"),
            },
            "update" => match json_or_string(v) {
                v @ Value::Object(_) => input.update = Some(v),
                _ => errors.add("update", "Must be a dict"),
            },
            "filter" => match string_list(v) {
                Ok(l) => input.filter = Some(l),
                Err(m) => errors.add("filter", m),
            },
            "include" => match string_list(v) {
                Ok(l) => input.include = Some(l),
                Err(m) => errors.add("include", m),
            },
            _ => {
                if let Some(rest) = k.strip_prefix("match__") {
                    input.match_keys.push((rest.to_string(), json_or_string(v)));
                } else if let Some(rest) = k.strip_prefix("update__") {
                    input
                        .update_keys
                        .push((rest.to_string(), json_or_string(v)));
                }
                // Any other key is ignored, as CKAN's schema leaves it in `__extras`.
            }
        }
    }
    errors.into_result()?;
    Ok(input)
}

/// A non-empty id or name (Python's `x or y` skips empty strings and null).
fn truthy_ref(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn data_error(field: &str, e: DataError) -> Error {
    let mut errors = Errors::new();
    errors.add(field, e.0);
    Error::Validation(errors.0)
}

pub(crate) async fn package_revise(c: &Catalog, ctx: &Ctx, p: Params) -> Result<Value> {
    let input = parse(p)?;
    let find = |key: &str| {
        input
            .match_keys
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    };
    let from_match = |key: &str| input.matches.as_ref().and_then(|m| m.get(key));
    let name_or_id = truthy_ref(find("id"))
        .or_else(|| truthy_ref(from_match("id")))
        .or_else(|| truthy_ref(find("name")))
        .or_else(|| truthy_ref(from_match("name")))
        .ok_or_else(|| Error::missing("match__id"))?;

    let mut tx = c.store().begin().await?;
    // `package_show` of the dataset, with its permission check.
    let existing = tx
        .package_get(&name_or_id)
        .await?
        .ok_or(Error::NotFound(None))?;
    if !can_read(c, tx.as_mut(), ctx, &existing).await? {
        return Err(read_denied(ctx, &name_or_id));
    }
    let orig = dataset_dict(c, tx.as_mut(), &existing, PackageDictOptions::default()).await?;

    let mut unmatched = Vec::new();
    if let Some(m) = &input.matches {
        unmatched.extend(check_dict(&orig, m, &[]));
    }
    let mut match_keys: Vec<&(String, Value)> = input.match_keys.iter().collect();
    match_keys.sort_by(|a, b| a.0.cmp(&b.0));
    for (k, v) in match_keys {
        // CKAN lets this DataError escape as a 500; kho reports it on the parameter.
        unmatched.extend(
            check_string_key(&orig, k, v).map_err(|e| data_error(&format!("match__{k}"), e))?,
        );
    }
    if !unmatched.is_empty() {
        let mut errors = Errors::new();
        for path in unmatched {
            // The paths are data, not messages: they pass through translation unchanged.
            errors.add("match", Msg::new(join(&path)));
        }
        return Err(Error::Validation(errors.0));
    }

    let mut revised = orig.clone();
    if let Value::Object(m) = &mut revised {
        // Let package_update bump metadata_modified if anything changed.
        m.remove("metadata_modified");
    }
    if let Some(f) = &input.filter {
        filter_glob_match(&mut revised, f);
        if let Value::Object(m) = &mut revised {
            m.insert("id".into(), orig["id"].clone());
        }
    }
    if let Some(u) = &input.update {
        if let Value::Object(m) = &mut revised {
            update_merge_dict(m, u, &[]).map_err(|e| data_error("update", e))?;
        }
    }
    // CKAN applies `__extend` keys first (sorting them by the `_` before "extend") so
    // that later keys may address the items they add.
    let mut update_keys: Vec<&(String, Value)> = input.update_keys.iter().collect();
    update_keys.sort_by(|a, b| sort_key(&a.0).cmp(sort_key(&b.0)));
    for (k, v) in update_keys {
        update_merge_string_key(&mut revised, k, v).map_err(|e| data_error(k, e))?;
    }

    let revised = match revised {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    let package = update_with(c, ctx, tx, existing, revised).await?;
    let mut out = json!({ "package": package });
    if let Some(include) = &input.include {
        filter_glob_match(&mut out, include);
    }
    Ok(out)
}

/// CKAN's sort key for `update__` keys: `s[-6]` for keys ending in `extend`, else `s`.
fn sort_key(k: &str) -> &str {
    if k.ends_with("extend") {
        let start = k.len() - "extend".len();
        match k[..start].char_indices().last() {
            Some((i, _)) => &k[i..start],
            None => &k[start..start + 1],
        }
    } else {
        k
    }
}
