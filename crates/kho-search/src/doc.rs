//! From a `package_show` dict to an index document, following CKAN's
//! `lib/search/index.py:index_package`: exact strings for the names clients filter on, the
//! catch-all `text`, `extras_<key>`, resource fields, and every other top-level scalar as a
//! dynamic string. Organization and group **titles** go into `text` too (people type
//! agency names, not slugs).

use serde_json::{Map, Value};
use tantivy::schema::OwnedValue;
use tantivy::{DateTime, TantivyDocument};

use crate::schema::Fields;
use crate::sort::title_sort_key;

/// Top-level keys that are not indexed as dynamic strings: nested structures handled
/// below, and the internal ones.
const SKIP: &[&str] = &[
    "organization",
    "groups",
    "tags",
    "resources",
    "extras",
    "relationships_as_subject",
    "relationships_as_object",
    "tracking_summary",
    "quality",
    // Depends on the day of the query: indexed as the deadline's days instead (below).
    "update_status",
    "update_deadline",
];

/// Exact-string fields of a dataset's update deadline (`update_deadline` of
/// `package_show`): its due day, the day it becomes due soon (`YYYY-MM-DD`, so that
/// string ranges compare days), and `late`, `ok` or `na` (no deadline). The catalogue
/// turns `update_status:X` into ranges over these against the day of the query.
pub const UPDATE_DUE: &str = "update_due_date";
pub const UPDATE_SOON: &str = "update_due_soon_from";
pub const UPDATE_TRACK: &str = "update_track";

/// Core text fields CKAN copies into `text` (schema.xml copyField), beside which profile
/// fields' strings go in too.
const TEXT_SOURCES: &[&str] = &["name", "title", "notes", "maintainer", "author"];

/// Keys whose values are e-mails, URLs or identifiers: exact strings only, never `text`
/// (CKAN does not copy e-mails, `version` or `license_id` into `text`).
const NOT_TEXT: &[&str] = &[
    "id",
    "author_email",
    "maintainer_email",
    "version",
    "license_id",
    "license_url",
    "owner_org",
    "creator_user_id",
    "state",
    "type",
    "private",
    "isopen",
    "num_resources",
    "num_tags",
    "metadata_created",
    "metadata_modified",
    "url",
    "sharing_level",
    "contact_email",
];

/// Separates the parts of the internal compound values below.
pub const SEP: char = '\u{1}';
/// Internal exact-string fields (not CKAN names; `_` keeps them out of CKAN's namespace):
/// `name SEP id SEP vocabulary` of each tag (tag_search), the folded name and title, and
/// `name SEP title` (package_autocomplete).
pub const TAG_KEY: &str = "_tag";
/// `entity_type` of dataset and resource documents.
pub const PACKAGE: &str = "package";
pub const RESOURCE: &str = "resource";
pub const AC_NAME: &str = "_ac_name";
pub const AC_TITLE: &str = "_ac_title";
pub const AC_KEY: &str = "_ac";
/// The text fields a document has a value in (`field:[* TO *]` on a text field).
pub const HAS: &str = "_has";
/// The permission label of tombstone documents, which callers hold only when they ask
/// `package_search` for `include_deleted`.
pub const TOMBSTONE_LABEL: &str = "tombstone";
/// A tombstone's hidden labels: those of the dataset's own document.
pub const TOMBSTONE_OF: &str = "_tombstone_of";
/// The state of the dataset's own document (`purged` when it has none).
pub const TOMBSTONE_STATE: &str = "_tombstone_state";

/// `extras_<key>`: Solr field names keep only `[0-9A-Za-z_-]` (index.py).
pub fn clean_extra_key(key: &str) -> String {
    key.chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        .collect()
}

/// The string a scalar is indexed as (Solr receives Python values through pysolr:
/// booleans as `true`/`false`, numbers in decimal).
pub fn scalar_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A naive-UTC ISO timestamp (`2026-01-02T03:04:05.123456`, fraction optional) as a date.
pub fn parse_timestamp(s: &str) -> Option<DateTime> {
    let s = s.trim_end_matches('Z');
    let t = chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f").ok()?;
    Some(date_from_micros(t.and_utc().timestamp_micros()))
}

/// A date from microseconds since 1970, clamped to what Tantivy can hold (nanoseconds in
/// an i64: about the years 1678 to 2262), which it would otherwise overflow on.
/// Clamping keeps every comparison with a real timestamp right: `[2999-01-01 TO *]`
/// matches nothing, `[* TO 2999-01-01]` everything.
pub fn date_from_micros(micros: i64) -> DateTime {
    const LIMIT: i64 = i64::MAX / 1000 - 1;
    DateTime::from_timestamp_micros(micros.clamp(-LIMIT, LIMIT))
}

/// A JSON object of strings (or lists of strings) as Tantivy's value, built by hand:
/// Tantivy's `From<serde_json::Value>` turns date-like strings into dates and would make
/// `extras_x:2026-01-01T00:00:00Z` an unmatchable term.
fn owned_strings(map: Map<String, Value>) -> OwnedValue {
    fn one(v: Value) -> OwnedValue {
        match v {
            Value::Array(items) => OwnedValue::Array(items.into_iter().map(one).collect()),
            Value::String(s) => OwnedValue::Str(s),
            other => OwnedValue::Str(other.to_string()),
        }
    }
    OwnedValue::Object(map.into_iter().map(|(k, v)| (k, one(v))).collect())
}

struct Builder {
    strings: Map<String, Value>,
    text: Vec<String>,
}

impl Builder {
    fn string(&mut self, key: &str, value: String) {
        match self.strings.get_mut(key) {
            None => {
                self.strings.insert(key.to_owned(), Value::String(value));
            }
            Some(Value::Array(a)) => a.push(Value::String(value)),
            Some(old) => {
                let first = old.take();
                *old = Value::Array(vec![first, Value::String(value)]);
            }
        }
    }
}

/// The document for one dataset. `labels` are its permission labels
/// (`kho_core::visibility::dataset_labels`); `aliases` are extra names it should be found
/// by in free text (former names of its organization).
pub fn build(
    fields: &Fields,
    dict: &Map<String, Value>,
    labels: &[String],
    aliases: &[String],
) -> TantivyDocument {
    build_with(fields, dict, labels, aliases, Map::new())
}

/// The tombstone twin of a dataset that was open and no longer is (`dict` is
/// `{id, name, state, metadata_modified}`). It carries the label [`TOMBSTONE_LABEL`] only,
/// and in [`TOMBSTONE_OF`] and [`TOMBSTONE_STATE`] the labels and state of the dataset's
/// own document, so that a caller shown that document is not shown the twin as well.
pub fn tombstone(
    fields: &Fields,
    dict: &Map<String, Value>,
    hidden_labels: &[String],
    own_state: Option<&str>,
) -> TantivyDocument {
    let mut extra = Map::new();
    extra.insert(
        TOMBSTONE_OF.into(),
        Value::Array(hidden_labels.iter().cloned().map(Value::String).collect()),
    );
    extra.insert(
        TOMBSTONE_STATE.into(),
        Value::String(own_state.unwrap_or("purged").to_owned()),
    );
    build_with(fields, dict, &[TOMBSTONE_LABEL.to_owned()], &[], extra)
}

fn build_with(
    fields: &Fields,
    dict: &Map<String, Value>,
    labels: &[String],
    aliases: &[String],
    strings: Map<String, Value>,
) -> TantivyDocument {
    let mut doc = TantivyDocument::default();
    let mut b = Builder {
        strings,
        text: Vec::new(),
    };
    let str_of = |k: &str| dict.get(k).and_then(Value::as_str);

    // Every top-level scalar (and list of scalars) is a dynamic exact string, except the
    // keys that are text fields in CKAN's schema (`title`, `notes`, …): Solr matches those
    // through their analysis only, and their whole values as terms (every `notes` a term
    // of its own) were most of the index's term dictionary and of a rebuild's time. `_has`
    // records that such a field has a value, for `field:[* TO *]`.
    for (key, value) in dict {
        if SKIP.contains(&key.as_str()) {
            continue;
        }
        if crate::schema::TEXT_FIELDS.contains(&key.as_str()) {
            if value.as_str().is_some_and(|v| !v.trim().is_empty()) {
                b.string(HAS, key.clone());
            }
            continue;
        }
        match value {
            Value::Array(items) => {
                for item in items {
                    if let Some(s) = scalar_string(item) {
                        b.string(key, s.clone());
                        if !NOT_TEXT.contains(&key.as_str()) {
                            b.text.push(s);
                        }
                    }
                }
            }
            other => {
                if let Some(s) = scalar_string(other) {
                    let is_profile_text = other.is_string()
                        && !NOT_TEXT.contains(&key.as_str())
                        && !TEXT_SOURCES.contains(&key.as_str())
                        && !key.ends_with("_email");
                    if is_profile_text {
                        b.text.push(s.clone());
                    }
                    b.string(key, s);
                }
            }
        }
    }
    if let Some(deadline) = dict.get("update_deadline") {
        let day = |k: &str| deadline.get(k).and_then(Value::as_str).map(str::to_owned);
        match (day("due_date"), day("due_soon_from")) {
            (Some(due), Some(soon)) => {
                b.string(UPDATE_DUE, due);
                b.string(UPDATE_SOON, soon);
                let late = deadline.get("last_update_late").and_then(Value::as_bool);
                b.string(
                    UPDATE_TRACK,
                    if late == Some(true) { "late" } else { "ok" }.into(),
                );
            }
            _ => b.string(UPDATE_TRACK, "na".into()),
        }
    }
    for key in TEXT_SOURCES {
        if let Some(s) = str_of(key) {
            b.text.push(s.to_owned());
        }
    }

    let private = dict
        .get("private")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    b.string(
        "capacity",
        if private { "private" } else { "public" }.into(),
    );
    if let Some(t) = str_of("type") {
        b.string("dataset_type", t.to_owned());
    }
    b.string("entity_type", PACKAGE.into());
    for label in labels {
        b.string("permission_labels", label.clone());
    }
    if let Some(l) = str_of("license_title") {
        b.text.push(l.to_owned());
    }

    // The organization: its name is the `organization` field, name and title are text.
    if let Some(org) = dict.get("organization").and_then(Value::as_object) {
        if let Some(name) = org.get("name").and_then(Value::as_str) {
            b.string("organization", name.to_owned());
            b.text.push(name.to_owned());
        }
        if let Some(title) = org.get("title").and_then(Value::as_str) {
            b.text.push(title.to_owned());
        }
    }
    b.text.extend(aliases.iter().cloned());
    for g in dict
        .get("groups")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(name) = g.get("name").and_then(Value::as_str) {
            b.string("groups", name.to_owned());
            b.text.push(name.to_owned());
        }
        if let Some(title) = g.get("title").and_then(Value::as_str) {
            b.text.push(title.to_owned());
        }
    }
    for t in dict
        .get("tags")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(name) = t.get("name").and_then(Value::as_str) else {
            continue;
        };
        let tag_id = t.get("id").and_then(Value::as_str).unwrap_or_default();
        let vocab = t
            .get("vocabulary_id")
            .and_then(Value::as_str)
            .unwrap_or_default();
        b.string(TAG_KEY, format!("{name}{SEP}{tag_id}{SEP}{vocab}"));
        match t.get("vocabulary_id").and_then(Value::as_str) {
            Some(vocab) => b.string(&format!("vocab_{vocab}"), name.to_owned()),
            None => b.string("tags", name.to_owned()),
        }
        b.text.push(name.to_owned());
    }

    let mut urls: Vec<String> = str_of("url").map(str::to_owned).into_iter().collect();
    let mut res_names = Vec::new();
    let mut res_descriptions = Vec::new();
    for r in dict
        .get("resources")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let rs = |k: &str| r.get(k).and_then(Value::as_str).filter(|s| !s.is_empty());
        if let Some(f) = rs("format") {
            b.string("res_format", f.to_owned());
        }
        if let Some(u) = rs("url") {
            b.string("res_url", u.to_owned());
            urls.push(u.to_owned());
        }
        if let Some(t) = rs("resource_type") {
            b.string("res_type", t.to_owned());
        }
        if let Some(n) = rs("name") {
            res_names.push(n.to_owned());
            b.text.push(n.to_owned());
        }
        if let Some(d) = rs("description") {
            res_descriptions.push(d.to_owned());
            b.text.push(d.to_owned());
        }
    }
    b.text.extend(urls.iter().cloned());
    for (field, values) in [
        ("res_name", &res_names),
        ("res_description", &res_descriptions),
        ("urls", &urls),
    ] {
        if values.iter().any(|v| !v.trim().is_empty()) {
            b.string(HAS, field.to_owned());
        }
    }

    let mut extras_exact = Map::new();
    for e in dict
        .get("extras")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let (Some(key), Some(value)) = (
            e.get("key").and_then(Value::as_str),
            e.get("value").and_then(scalar_string),
        ) else {
            continue;
        };
        let clean = clean_extra_key(key);
        if clean.is_empty() {
            continue;
        }
        // The plain key too, unless it clashes with a field the dict already has.
        if !dict.contains_key(key) && !b.strings.contains_key(key) {
            b.string(key, value.clone());
        }
        extras_exact.insert(clean, Value::String(value.clone()));
        b.text.push(value);
    }
    if !extras_exact.is_empty() {
        let json = owned_strings(extras_exact);
        doc.add_field_value(fields.extras_exact, &json);
        doc.add_field_value(fields.extras_folded, &json);
    }

    // Analysed text fields.
    let mut add_text = |name: &str, values: &[String]| {
        if let Some(f) = fields.text(name) {
            for v in values {
                doc.add_text(f.exact, v);
                doc.add_text(f.folded, v);
                if let Some(bg) = f.bigram {
                    doc.add_text(bg, v);
                }
            }
        }
    };
    let one = |k: &str| -> Vec<String> { str_of(k).map(str::to_owned).into_iter().collect() };
    add_text("title", &one("title"));
    add_text("notes", &one("notes"));
    add_text("author", &one("author"));
    add_text("maintainer", &one("maintainer"));
    add_text("author_email", &one("author_email"));
    add_text("maintainer_email", &one("maintainer_email"));
    add_text("res_name", &res_names);
    add_text("res_description", &res_descriptions);
    add_text("urls", &urls);
    add_text("text", &b.text);

    for (name, field) in fields.dates() {
        if let Some(t) = str_of(name).and_then(parse_timestamp) {
            doc.add_date(field, t);
        }
    }
    let title = str_of("title")
        .filter(|t| !t.is_empty())
        .or_else(|| str_of("name"))
        .unwrap_or_default();
    for (name, field) in fields.sorts() {
        let value = match name {
            "title_string" => title_sort_key(title),
            other => str_of(other).unwrap_or_default().to_owned(),
        };
        doc.add_text(field, value);
    }
    b.string("title_string", title_sort_key(title));
    // package_autocomplete: folded name and title to match, both to show.
    let name = str_of("name").unwrap_or_default();
    b.string(AC_NAME, kho_core::fold::fold(name));
    b.string(AC_TITLE, kho_core::fold::fold(title));
    b.string(AC_KEY, format!("{name}{SEP}{title}"));
    doc.add_u64(fields.zero, 0);
    doc.add_text(fields.owner, str_of("id").unwrap_or_default());
    // The quality score: a number to sort on, its rating a facetable string.
    if let Some(q) = dict.get("quality").and_then(Value::as_object) {
        if let Some(score) = q.get("score").and_then(Value::as_u64) {
            doc.add_u64(fields.quality, score);
        }
        if let Some(rating) = q.get("rating").and_then(Value::as_str) {
            b.string("quality_rating", rating.to_owned());
        }
    }

    doc.add_field_value(fields.strings, &owned_strings(b.strings));
    doc.add_text(
        fields.dict,
        serde_json::to_string(dict).unwrap_or_else(|_| "{}".into()),
    );
    doc
}

/// One document per resource of a dataset, for `resource_search`: the resource's scalar
/// fields as exact strings, the stored resource dict, and the dataset's state, capacity and
/// permission labels (prefixed `package_`) so the search can keep to readable datasets.
pub fn resource_docs(
    fields: &Fields,
    dict: &Map<String, Value>,
    labels: &[String],
) -> Vec<TantivyDocument> {
    let str_of = |k: &str| dict.get(k).and_then(Value::as_str).unwrap_or_default();
    let private = dict
        .get("private")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let mut out = Vec::new();
    for r in dict
        .get("resources")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(res) = r.as_object() else { continue };
        let mut b = Builder {
            strings: Map::new(),
            text: Vec::new(),
        };
        for (key, value) in res {
            if let Some(s) = scalar_string(value) {
                b.string(key, s);
            }
        }
        b.string("entity_type", RESOURCE.into());
        b.string("package_state", str_of("state").to_owned());
        b.string(
            "package_capacity",
            if private { "private" } else { "public" }.into(),
        );
        for label in labels {
            b.string("permission_labels", label.clone());
        }
        let mut doc = TantivyDocument::default();
        for (name, field) in fields.sorts() {
            let value = match name {
                "id" | "name" => res.get(name).and_then(Value::as_str).unwrap_or_default(),
                _ => "",
            };
            doc.add_text(field, value);
        }
        doc.add_u64(fields.zero, 0);
        doc.add_text(fields.owner, str_of("id"));
        doc.add_field_value(fields.strings, &owned_strings(b.strings));
        doc.add_text(
            fields.dict,
            serde_json::to_string(res).unwrap_or_else(|_| "{}".into()),
        );
        out.push(doc);
    }
    out
}
