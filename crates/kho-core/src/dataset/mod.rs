//! CKAN's default dataset schema: input validation and normalisation for
//! `package_create` / `package_update` (full replace), and the `package_show` dict.
//!
//! Checks that need the database (name uniqueness, owner organization existence and
//! permission, group permissions, id already used, vocabulary existence) are the caller's;
//! [`ValidatedDataset`] hands it what it needs.

mod dictize;

pub use dictize::{
    organization_dict, package_dict, package_dict_owned, package_dict_ser, package_dict_with,
    package_group_dict, resource_dict, resource_url, PackageDict, PackageDictOptions,
    PackageDictSer,
};

use chrono::NaiveDateTime;
use serde_json::{Map, Value};

use crate::error::{Error, ErrorDict, Errors, FieldErrors, Msg, Result};
use crate::format::{clean_format, guess_format};
use crate::model::{Dataset, DatasetExtra, GroupExtra};
use crate::params::boolean_validator;
use crate::profile::{DatasetSchema, ValueCtx};
use crate::validate;

pub const TAG_MIN: usize = 2;
pub const TAG_MAX: usize = 100;
pub const VERSION_MAX: usize = 100;

/// The top-level keys of CKAN's create package schema (what an extra key may not be).
pub const SCHEMA_KEYS: &[&str] = &[
    "__before",
    "id",
    "name",
    "title",
    "author",
    "author_email",
    "maintainer",
    "maintainer_email",
    "license_id",
    "notes",
    "url",
    "version",
    "state",
    "type",
    "owner_org",
    "private",
    "__extras",
    "__junk",
    "resources",
    "tags",
    "tag_string",
    "plugin_data",
    "extras",
    "save",
    "return_to",
    "relationships_as_object",
    "relationships_as_subject",
    "groups",
    "metadata_modified",
];

/// The keys whose value must be a list of dicts (navl subschemas).
const SUBSCHEMAS: &[&str] = &[
    "resources",
    "tags",
    "extras",
    "groups",
    "relationships_as_object",
    "relationships_as_subject",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Create,
    /// `package_update`: a full replace of the existing dataset.
    Update,
}

/// What the validation needs to know about the caller and the site.
#[derive(Debug, Clone, Copy)]
pub struct DatasetCtx<'a> {
    pub sysadmin: bool,
    /// The caller may `package_change_state` on the dataset (org editor or admin); on
    /// create only sysadmins may set `state` (`ignore_not_package_admin`).
    pub can_change_state: bool,
    /// The stored dataset on update.
    pub existing: Option<&'a Dataset>,
    /// `ckan.auth.create_unowned_dataset`.
    pub create_unowned_dataset: bool,
    /// The configured dataset profile; it applies to datasets of its `dataset_type`.
    pub profile: Option<&'a DatasetSchema>,
    /// The extras of the organization that will own the dataset (profile fields that
    /// default to one of them are not stored when equal to it).
    pub org_extras: Option<&'a [GroupExtra]>,
}

/// `owner_org` as given, for the caller to resolve (id or name) and authorise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OwnerOrg {
    /// Not given (update keeps the current organization; create: only when unowned
    /// datasets are allowed).
    Keep,
    /// Given as `""` or null with unowned datasets allowed: no organization.
    Unowned,
    /// An organization id or name.
    Given(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagInput {
    pub name: String,
    pub vocabulary_id: Option<String>,
}

/// A group reference (`{id}` or `{name}`) for the caller to resolve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupRef {
    pub id: Option<String>,
    pub name: Option<String>,
}

/// A validated resource of a create or update; `position` is its index.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceInput {
    /// A client-supplied UUID (create) or the id of an existing resource (update).
    pub id: Option<String>,
    pub url: String,
    pub format: String,
    pub name: Option<String>,
    pub description: Option<String>,
    pub hash: Option<String>,
    pub size: Option<i64>,
    pub mimetype: Option<String>,
    pub mimetype_inner: Option<String>,
    pub cache_url: Option<String>,
    pub resource_type: Option<String>,
    pub url_type: Option<String>,
    pub created: Option<NaiveDateTime>,
    pub last_modified: Option<NaiveDateTime>,
    pub cache_last_updated: Option<NaiveDateTime>,
    pub position: i64,
    /// Unknown keys, kept as resource extras.
    pub extras: Map<String, Value>,
}

/// The normalised input. `None` means "not given" (null after a full-replace update,
/// except where noted).
#[derive(Debug, Clone, PartialEq)]
pub struct ValidatedDataset {
    /// Create: a sysadmin's client-chosen UUID (the caller checks it is unused).
    /// Update: the given id, equal to the stored one.
    pub id: Option<String>,
    /// Create: always set. Update: `None` keeps the name.
    pub name: Option<String>,
    /// Create: falls back to the name. Update: `None` clears it (shown as the name).
    pub title: Option<String>,
    pub author: Option<String>,
    pub author_email: Option<String>,
    pub maintainer: Option<String>,
    pub maintainer_email: Option<String>,
    pub license_id: Option<String>,
    pub notes: Option<String>,
    pub url: Option<String>,
    pub version: Option<String>,
    /// Set only when the caller may set it; `None`: create → `active`, update → keep.
    pub state: Option<String>,
    /// Create: the given type (`None` → the site default). Update: the stored type.
    pub dataset_type: Option<String>,
    pub owner_org: OwnerOrg,
    /// `private` as given (`None`: not given).
    pub private: Option<bool>,
    /// The sharing level to store, from `sharing_level` and `private`
    /// ([`resolve_sharing_level`]).
    pub sharing_level: String,
    /// The profile's values to store (`Dataset.profile`): every profile field of the
    /// input, in its shown form; empty when no profile applies.
    pub profile: Map<String, Value>,
    pub tags: Vec<TagInput>,
    /// Active extras in input order (`deleted` ones and null values dropped).
    pub extras: Vec<DatasetExtra>,
    pub resources: Vec<ResourceInput>,
    pub groups: Vec<GroupRef>,
    /// Sysadmin-only `plugin_data` (dropped for others).
    pub plugin_data: Option<Map<String, Value>>,
    /// 2.12: a sysadmin may set `metadata_modified`.
    pub metadata_modified: Option<NaiveDateTime>,
    /// Which list keys were present in the input (`package_patch` callers may need it).
    pub given: Vec<String>,
}

/// Python's type name of a JSON value, as navl's DataError text shows it.
fn py_type(v: &Value) -> &'static str {
    match v {
        Value::Object(_) => "dict",
        Value::Array(_) => "list",
        Value::String(_) => "str",
        Value::Number(n) if n.is_f64() => "float",
        Value::Number(_) => "int",
        Value::Bool(_) => "bool",
        Value::Null => "NoneType",
    }
}

fn data_error(input: &Map<String, Value>, message: String) -> Error {
    Error::Integrity {
        message,
        data: Value::Object(input.clone()),
    }
}

/// navl's structural checks (400 "Integrity Error"): a subschema key must hold a list of
/// dicts (or `[]`); a list whose first item is a dict must hold only dicts.
fn structure(input: &Map<String, Value>) -> Result<()> {
    for key in SUBSCHEMAS {
        let Some(v) = input.get(*key) else { continue };
        match v {
            Value::Array(a) if a.is_empty() => {}
            Value::Array(a) if a[0].is_object() => {
                if !a.iter().all(Value::is_object) {
                    return Err(data_error(input, "Values in lists need to be dicts".into()));
                }
            }
            other => {
                return Err(data_error(
                    input,
                    format!(
                        "Only lists of dicts can be placed against subschema ('{key}',), not <class '{}'>",
                        py_type(other)
                    ),
                ))
            }
        }
    }
    Ok(())
}

fn dicts<'a>(input: &'a Map<String, Value>, key: &str) -> Vec<&'a Map<String, Value>> {
    match input.get(key) {
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_object).collect(),
        _ => Vec::new(),
    }
}

/// `unicode_safe`: a string; numbers and booleans as Python's `str()`; other JSON as text.
fn text(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(if *b { "True" } else { "False" }.into()),
        Value::Number(n) => Some(n.to_string()),
        other => Some(other.to_string()),
    }
}

fn get_text(m: &Map<String, Value>, key: &str) -> Option<String> {
    m.get(key).and_then(text)
}

/// `not_empty`: missing, null, `""` and empty containers are empty.
fn is_empty(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) => s.is_empty(),
        Some(Value::Array(a)) => a.is_empty(),
        Some(Value::Object(o)) => o.is_empty(),
        Some(_) => false,
    }
}

/// CKAN's `tag_length_validator` and `tag_name_validator` (`[\w \-.]*`, unicode).
pub fn tag_errors(name: &str) -> Vec<Msg> {
    let mut out = Vec::new();
    let len = name.chars().count();
    if len < TAG_MIN {
        out.push(
            Msg::new("Tag \"%{tag}\" length is less than minimum %{min}")
                .arg("tag", name)
                .arg("min", TAG_MIN),
        );
    }
    if len > TAG_MAX {
        out.push(
            Msg::new("Tag \"%{tag}\" length is more than maximum %{max}")
                .arg("tag", name)
                .arg("max", TAG_MAX),
        );
    }
    if !name
        .chars()
        .all(|c| c.is_alphanumeric() || c == '_' || c == ' ' || c == '-' || c == '.' || is_mark(c))
    {
        out.push(
            Msg::new("Tag \"%{tag}\" can only contain alphanumeric characters, spaces (\" \"), hyphens (\"-\"), underscores (\"_\") or dots (\".\")")
                .arg("tag", name),
        );
    }
    out
}

/// Combining marks count as `\w` in Python (decomposed Vietnamese input).
fn is_mark(c: char) -> bool {
    matches!(c as u32, 0x0300..=0x036F | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF | 0x20D0..=0x20FF)
}

/// CKAN's `isodate`: `""` is null; otherwise a date or an ISO datetime.
fn isodate(v: &Value) -> std::result::Result<Option<NaiveDateTime>, Msg> {
    let bad = || Msg::new("Date format incorrect");
    match v {
        Value::Null => Ok(None),
        Value::String(s) if s.is_empty() => Ok(None),
        Value::String(s) => {
            let s = s.trim();
            let s = s.strip_suffix('Z').unwrap_or(s);
            if let Some(dt) = crate::time::parse(s) {
                return Ok(Some(dt));
            }
            if let Ok(dt) = NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M") {
                return Ok(Some(dt));
            }
            chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(Some)
                .ok_or_else(bad)
        }
        _ => Err(bad()),
    }
}

/// CKAN's `int_validator`.
fn int_value(v: &Value) -> std::result::Result<Option<i64>, Msg> {
    match v {
        Value::Null => Ok(None),
        Value::String(s) if s.trim().is_empty() => Ok(None),
        Value::String(s) => s
            .trim()
            .parse::<i64>()
            .map(Some)
            .map_err(|_| Msg::new("Invalid integer")),
        Value::Number(n) => n
            .as_i64()
            .or_else(|| {
                n.as_f64()
                    .filter(|f| f.fract() == 0.0 && f.abs() < 9.2e18)
                    .map(|f| f as i64)
            })
            .map(Some)
            .ok_or_else(|| Msg::new("Invalid integer")),
        Value::Bool(b) => Ok(Some(i64::from(*b))),
        _ => Err(Msg::new("Invalid integer")),
    }
}

fn not_expected(name: &str) -> Msg {
    Msg::new("The input field %{name} was not expected.").arg("name", name)
}

/// The sharing level a write stores, from the input's `sharing_level` (already checked
/// against the profile's choices; `None` when not given or empty) and `private`, and the
/// stored level on update. CKAN's `private` is `sharing_level != "open"`:
///
/// - create: a given level wins; else `private: true` → `restricted`, otherwise `open`;
/// - update (and patch, which sends both keys back): whichever of the two differs from the
///   stored dataset wins; `private: true` on an open dataset → `restricted`, `private:
///   false` → `open`; neither changed → the stored level;
/// - both given (create) or both changed (update) and disagreeing → an error for
///   `sharing_level`.
pub fn resolve_sharing_level(
    level: Option<&str>,
    private: Option<bool>,
    existing: Option<&str>,
) -> std::result::Result<String, Msg> {
    let conflict = |l: &str, p: bool| {
        Msg::new("Sharing level %{level} contradicts private: %{private}")
            .arg("level", l)
            .arg("private", p)
    };
    use crate::visibility::{OPEN, RESTRICTED};
    let private_level = |p: bool| if p { RESTRICTED } else { OPEN };
    match existing {
        None => match (level, private) {
            (Some(l), Some(p)) if (l != OPEN) != p => Err(conflict(l, p)),
            (Some(l), _) => Ok(l.to_string()),
            (None, Some(p)) => Ok(private_level(p).to_string()),
            (None, None) => Ok(OPEN.to_string()),
        },
        Some(old) => {
            let level_changed = level.filter(|l| *l != old);
            let private_changed = private.filter(|p| *p != (old != OPEN));
            match (level_changed, private_changed) {
                (Some(l), Some(p)) if (l != OPEN) != p => Err(conflict(l, p)),
                (Some(l), _) => Ok(l.to_string()),
                (None, Some(p)) => Ok(private_level(p).to_string()),
                (None, None) => Ok(old.to_string()),
            }
        }
    }
}

/// Python's `repr` of a flattened navl key: `('foo', 0, 'a')`.
fn py_tuple(parts: &[Value]) -> String {
    let inner: Vec<String> = parts
        .iter()
        .map(|p| match p {
            Value::String(s) => crate::profile::python_list_repr(std::slice::from_ref(s))
                .trim_start_matches('[')
                .trim_end_matches(']')
                .to_string(),
            other => other.to_string(),
        })
        .collect();
    if inner.len() == 1 {
        format!("({},)", inner[0])
    } else {
        format!("({})", inner.join(", "))
    }
}

/// navl's flattening of a list of dicts under `prefix`: one key per leaf.
fn flatten_keys(prefix: Vec<Value>, items: &[Value], out: &mut Vec<String>) {
    for (i, it) in items.iter().enumerate() {
        let Some(m) = it.as_object() else { continue };
        for (k, v) in m {
            let mut key = prefix.clone();
            key.push(Value::from(i));
            key.push(Value::String(k.clone()));
            match v {
                Value::Array(a) if a.first().is_some_and(Value::is_object) => {
                    flatten_keys(key, a, out)
                }
                _ => out.push(py_tuple(&key)),
            }
        }
    }
}

/// Validate and normalise a dataset dict against CKAN's default create or update schema.
pub fn validate_dataset(
    input: &Map<String, Value>,
    mode: Mode,
    ctx: &DatasetCtx<'_>,
) -> Result<ValidatedDataset> {
    structure(input)?;
    let mut errs = Errors::new();

    // id
    let mut id = None;
    if let Some(v) = input.get("id").filter(|v| !v.is_null()) {
        let s = text(v).unwrap_or_default();
        match mode {
            Mode::Create => {
                if !ctx.sysadmin {
                    if !is_empty(Some(v)) {
                        errs.add("id", not_expected("id"));
                    }
                } else if !validate::uuid(&s) {
                    errs.add("id", "Invalid id provided");
                } else {
                    id = Some(s);
                }
            }
            Mode::Update => {
                if let Some(old) = ctx.existing.map(|d| d.id.as_str()) {
                    if s != old {
                        errs.add(
                            "id",
                            Msg::new("Cannot change value of key from %{old} to %{new}. This key is read-only")
                                .arg("old", old)
                                .arg("new", &s),
                        );
                    }
                }
                id = Some(s);
            }
        }
    }

    // name
    let name = match (mode, input.get("name")) {
        (Mode::Create, v) if is_empty(v) => {
            errs.add("name", "Missing value");
            None
        }
        (Mode::Update, None | Some(Value::Null)) => None,
        (_, Some(v)) => {
            let s = text(v).unwrap_or_default();
            if let Err(m) = validate::name(&s) {
                errs.add("name", m);
            }
            Some(s)
        }
        (_, None) => None,
    };

    // title: create falls back to the name (`if_empty_same_as`)
    let title = match get_text(input, "title") {
        Some(t) if !t.is_empty() => Some(t),
        other => match mode {
            Mode::Create => input.get("name").and_then(text).or(other),
            Mode::Update => other,
        },
    };

    let email = |key: &str, errs: &mut Errors| -> Option<String> {
        let s = get_text(input, key)?;
        let s = s.trim().to_string();
        if !s.is_empty() {
            if let Err(m) = validate::email(&s) {
                errs.add(key, m);
            }
        }
        Some(s)
    };
    let author_email = email("author_email", &mut errs);
    let maintainer_email = email("maintainer_email", &mut errs);

    let version = get_text(input, "version");
    if let Some(v) = &version {
        if v.chars().count() > VERSION_MAX {
            errs.add(
                "version",
                Msg::new("Version must be a maximum of %{n} characters long").arg("n", VERSION_MAX),
            );
        }
    }

    // state: only for those who may change it
    let state = if ctx.sysadmin || (mode == Mode::Update && ctx.can_change_state) {
        get_text(input, "state")
    } else {
        None
    };

    // owner_org
    let owner_org = match input.get("owner_org") {
        None if mode == Mode::Update => OwnerOrg::Keep,
        None | Some(Value::Null) => {
            if ctx.create_unowned_dataset {
                if input.contains_key("owner_org") {
                    OwnerOrg::Unowned
                } else {
                    OwnerOrg::Keep
                }
            } else {
                errs.add("owner_org", "An organization must be provided");
                OwnerOrg::Keep
            }
        }
        Some(v) => {
            let s = text(v).unwrap_or_default();
            if s.is_empty() {
                if !ctx.create_unowned_dataset {
                    errs.add("owner_org", "An organization must be provided");
                }
                OwnerOrg::Unowned
            } else {
                OwnerOrg::Given(s)
            }
        }
    };

    // The profile applies to datasets of its type.
    let this_type = match mode {
        Mode::Create => get_text(input, "type").filter(|t| !t.is_empty()),
        Mode::Update => ctx.existing.map(|d| d.dataset_type.clone()),
    };
    let profile = ctx
        .profile
        .filter(|p| p.applies_to(this_type.as_deref().unwrap_or("")));

    // private and sharing_level
    let private = input
        .get("private")
        .filter(|v| !v.is_null())
        .map(boolean_validator);
    let mut level_given = None;
    if let Some(f) = profile.and_then(|p| p.dataset_field("sharing_level")) {
        match f.check(input.get("sharing_level")) {
            crate::profile::FieldOutcome::Absent => {}
            crate::profile::FieldOutcome::Stored(s) => {
                level_given = Some(s).filter(|s| !s.is_empty());
            }
            crate::profile::FieldOutcome::Invalid(ms) => {
                for m in ms {
                    errs.add("sharing_level", m);
                }
            }
        }
    }
    let sharing_level = match resolve_sharing_level(
        level_given.as_deref(),
        private,
        ctx.existing.map(|d| d.sharing_level.as_str()),
    ) {
        Ok(l) => l,
        Err(m) => {
            errs.add("sharing_level", m);
            ctx.existing
                .map_or_else(|| "open".to_string(), |d| d.sharing_level.clone())
        }
    };
    if sharing_level != "open" && !errs.has("sharing_level") {
        let has_org = match &owner_org {
            OwnerOrg::Given(_) => true,
            OwnerOrg::Unowned => false,
            OwnerOrg::Keep => ctx.existing.is_some_and(|d| d.owner_org.is_some()),
        };
        if !has_org {
            errs.add("private", "Datasets with no organization can't be private.");
        }
    }

    // Unknown keys holding lists of dicts are navl's junk (`__junk: [empty]`).
    let mut junk = Vec::new();
    for (k, v) in input {
        let known = SCHEMA_KEYS.contains(&k.as_str()) || profile.is_some_and(|p| p.has_field(k));
        if let (false, Value::Array(a)) = (known, v) {
            if a.first().is_some_and(Value::is_object) {
                flatten_keys(vec![Value::String(k.clone())], a, &mut junk);
            }
        }
    }
    if !junk.is_empty() {
        errs.add(
            "__junk",
            Msg::new("The input field %{name} was not expected.")
                .arg("name", format!("[{}]", junk.join(", "))),
        );
    }

    // profile fields
    let mut profile_values = Map::new();
    if let Some(p) = profile {
        let vctx = ValueCtx {
            org_extras: ctx.org_extras,
        };
        let pv = p.validate_dataset(input, &vctx);
        profile_values = pv.values;
        for (k, v) in pv.errors.0 {
            errs.0.insert(k, v);
        }
    }

    // tags
    let mut tags = Vec::new();
    let mut tag_msgs: Vec<Msg> = Vec::new();
    for t in dicts(input, "tags") {
        match t.get("name") {
            v if is_empty(v) => tag_msgs.push(Msg::new("Missing value")),
            Some(v) => {
                let n = text(v).unwrap_or_default();
                let e = tag_errors(&n);
                if e.is_empty() {
                    tags.push(TagInput {
                        name: n,
                        vocabulary_id: get_text(t, "vocabulary_id").filter(|s| !s.is_empty()),
                    });
                } else {
                    tag_msgs.extend(e);
                }
            }
            None => {}
        }
    }
    if !tag_msgs.is_empty() {
        errs.0
            .insert("tags".into(), FieldErrors::Messages(tag_msgs));
    }
    if let Some(v) = input.get("tag_string").filter(|v| !v.is_null()) {
        let names: Vec<String> = match v {
            Value::Array(a) => a.iter().filter_map(text).collect(),
            other => text(other)
                .unwrap_or_default()
                .split(',')
                .map(|t| t.trim().to_string())
                .filter(|t| !t.is_empty())
                .collect(),
        };
        // `tag_string_convert` stops at the first bad tag.
        if let Some(m) = names.iter().find_map(|n| tag_errors(n).into_iter().next()) {
            errs.add("tag_string", m);
        }
        tags.extend(names.into_iter().map(|name| TagInput {
            name,
            vocabulary_id: None,
        }));
    }

    // extras
    let mut extras = Vec::new();
    let mut extra_items: Vec<ErrorDict> = Vec::new();
    let mut live_keys: Vec<String> = Vec::new();
    for x in dicts(input, "extras") {
        let mut e = Errors::new();
        if x.get("id").is_some_and(|v| !is_empty(Some(v))) && !ctx.sysadmin {
            e.add("id", not_expected("id"));
        }
        let key = get_text(x, "key");
        match &key {
            None => e.add("key", "Missing value"),
            Some(k) if k.is_empty() => e.add("key", "Missing value"),
            Some(k)
                if SCHEMA_KEYS.contains(&k.as_str()) || profile.is_some_and(|p| p.has_field(k)) =>
            {
                e.add("key", "There is a schema field with the same name")
            }
            _ => {}
        }
        if !x.contains_key("value") {
            e.add("value", "Missing value");
        }
        let deleted = x
            .get("deleted")
            .is_some_and(|v| !is_empty(Some(v)) && v != &Value::Bool(false));
        if !deleted {
            live_keys.push(key.clone().unwrap_or_default());
        }
        if !deleted {
            if let (Some(k), Some(v)) = (key, x.get("value").and_then(text)) {
                extras.push(DatasetExtra { key: k, value: v });
            }
        }
        extra_items.push(e.0);
    }
    errs.set_items("extras", extra_items);
    {
        let mut seen = std::collections::HashSet::new();
        if let Some(dup) = live_keys.iter().find(|k| !seen.insert(k.as_str())) {
            errs.add(
                "extras_validation",
                Msg::new("Duplicate key \"%{key}\"").arg("key", dup),
            );
        }
    }

    // resources
    let mut resources = Vec::new();
    let mut res_items: Vec<ErrorDict> = Vec::new();
    for (i, r) in dicts(input, "resources").into_iter().enumerate() {
        let (mut res, mut e) = validate_resource(r, i as i64);
        if let Some(p) = profile {
            // Declared resource fields: scheming's rules; their stored form replaces the
            // input's value among the resource's extras.
            let pv = p.validate_resource(r);
            for f in p.resource_fields.iter().filter(|f| !f.core) {
                match pv.values.get(&f.field_name) {
                    Some(v) => {
                        res.extras.insert(f.field_name.clone(), v.clone());
                    }
                    None => {
                        res.extras.remove(&f.field_name);
                    }
                }
            }
            for (k, v) in pv.errors.0 {
                e.0.insert(k, v);
            }
        }
        resources.push(res);
        res_items.push(e.0);
    }
    errs.set_items("resources", res_items);

    // groups
    let groups = dicts(input, "groups")
        .into_iter()
        .map(|g| GroupRef {
            id: get_text(g, "id").filter(|s| !s.is_empty()),
            name: get_text(g, "name").filter(|s| !s.is_empty()),
        })
        .collect();

    // plugin_data (sysadmin only)
    let plugin_data = match input.get("plugin_data") {
        Some(Value::Object(m)) if ctx.sysadmin => Some(m.clone()),
        Some(v) if ctx.sysadmin && !v.is_null() => {
            errs.add("plugin_data", "Could not parse as valid JSON");
            None
        }
        _ => None,
    };

    let metadata_modified = if ctx.sysadmin {
        match input.get("metadata_modified").map(isodate) {
            Some(Ok(d)) => d,
            Some(Err(m)) => {
                errs.add("metadata_modified", m);
                None
            }
            None => None,
        }
    } else {
        None
    };

    errs.into_result()?;
    Ok(ValidatedDataset {
        id,
        name,
        title,
        author: get_text(input, "author"),
        author_email,
        maintainer: get_text(input, "maintainer"),
        maintainer_email,
        license_id: get_text(input, "license_id"),
        notes: get_text(input, "notes"),
        url: get_text(input, "url"),
        version,
        state,
        dataset_type: this_type,
        owner_org,
        private,
        sharing_level,
        profile: profile_values,
        tags,
        extras,
        resources,
        groups,
        plugin_data,
        metadata_modified,
        given: SUBSCHEMAS
            .iter()
            .chain(&["tag_string"])
            .filter(|k| input.contains_key(**k))
            .map(|k| k.to_string())
            .collect(),
    })
}

/// Resource keys of CKAN's resource schema; anything else is a resource extra.
pub const RESOURCE_KEYS: &[&str] = &[
    "id",
    "package_id",
    "url",
    "description",
    "format",
    "hash",
    "state",
    "position",
    "name",
    "resource_type",
    "url_type",
    "mimetype",
    "mimetype_inner",
    "cache_url",
    "size",
    "created",
    "last_modified",
    "cache_last_updated",
    "metadata_modified",
];

/// CKAN's `default_resource_schema` for one resource of a dataset (also usable by
/// `resource_create`/`resource_update`, with `position` chosen by the caller).
pub fn validate_resource(r: &Map<String, Value>, position: i64) -> (ResourceInput, Errors) {
    let mut e = Errors::new();
    let id = match r.get("id") {
        v if is_empty(v) => None,
        Some(v) => {
            let s = text(v).unwrap_or_default();
            if !validate::uuid(&s) {
                e.add("id", "Invalid id provided");
            }
            Some(s)
        }
        None => None,
    };
    let url: String = get_text(r, "url")
        .map(|u| u.trim().to_string())
        .unwrap_or_default();
    let given_format = get_text(r, "format").unwrap_or_default();
    let format = if given_format.is_empty() {
        // `if_empty_guess_format` runs only for new resources (no id).
        if id.is_none() {
            guess_format(&url).unwrap_or_default()
        } else {
            String::new()
        }
    } else {
        clean_format(&given_format)
    };
    let size = match r.get("size").map(int_value) {
        Some(Ok(n)) => n,
        Some(Err(m)) => {
            e.add("size", m);
            None
        }
        None => None,
    };
    let mut date = |k: &str| match r.get(k).map(isodate) {
        Some(Ok(d)) => d,
        Some(Err(m)) => {
            e.add(k, m);
            None
        }
        None => None,
    };
    let created = date("created");
    let last_modified = date("last_modified");
    let cache_last_updated = date("cache_last_updated");
    let extras = r
        .iter()
        // Link-check keys are shown, never stored: a client sending back what
        // `package_show` answered must not freeze them into extras.
        .filter(|(k, _)| {
            !RESOURCE_KEYS.contains(&k.as_str()) && !crate::quality::LINK_KEYS.contains(&k.as_str())
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let res = ResourceInput {
        id,
        url,
        format,
        name: get_text(r, "name"),
        description: get_text(r, "description"),
        hash: get_text(r, "hash"),
        size,
        mimetype: get_text(r, "mimetype"),
        mimetype_inner: get_text(r, "mimetype_inner"),
        cache_url: get_text(r, "cache_url"),
        resource_type: get_text(r, "resource_type"),
        url_type: get_text(r, "url_type"),
        created,
        last_modified,
        cache_last_updated,
        position,
        extras,
    };
    (res, e)
}

#[cfg(test)]
mod tests;
