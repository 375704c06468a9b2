//! Validating and showing profile values with scheming's validators and messages.
//!
//! A field's validators run in order as navl runs them: `ignore_missing` and `not_empty`
//! stop the chain, a validator that finds the value invalid adds its message and the
//! chain goes on (navl's `Invalid`). What survives is stored as scheming stores it (text,
//! via `convert_to_extras`'s `unicode_safe`) and shown through the output validators.

use chrono::NaiveDateTime;
use serde_json::{Map, Value};

use super::{DatasetSchema, Field, OrganizationSchema, OutputValidator, Validator};
use crate::error::{Errors, Msg};
use crate::model::GroupExtra;

/// The result of one field's validation.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldOutcome {
    /// Not stored (missing, and `ignore_missing` stopped the chain).
    Absent,
    /// The text scheming would store.
    Stored(String),
    /// The field's messages.
    Invalid(Vec<Msg>),
}

/// What a profile validation produced: the values to store (in their shown form) and the
/// errors by field name.
#[derive(Debug, Default)]
pub struct ProfileValues {
    pub values: Map<String, Value>,
    pub errors: Errors,
}

/// What validation needs besides the input: the owning organization's extras (for fields
/// that default to one of them).
#[derive(Debug, Clone, Copy, Default)]
pub struct ValueCtx<'a> {
    pub org_extras: Option<&'a [GroupExtra]>,
}

impl ValueCtx<'_> {
    /// The owning organization's active, non-empty extra `key`.
    pub fn org_value(&self, key: &str) -> Option<&str> {
        self.org_extras?
            .iter()
            .find(|e| e.key == key && e.state == "active" && !e.value.is_empty())
            .map(|e| e.value.as_str())
    }
}

/// navl's value while the chain runs.
#[derive(Debug, Clone)]
enum Cur {
    Missing,
    Val(Value),
    Date(NaiveDateTime),
}

fn is_empty(v: &Cur) -> bool {
    match v {
        Cur::Missing | Cur::Val(Value::Null) => true,
        Cur::Val(Value::String(s)) => s.is_empty(),
        Cur::Val(Value::Array(a)) => a.is_empty(),
        Cur::Val(Value::Object(o)) => o.is_empty(),
        _ => false,
    }
}

/// Python's truthiness (`if value:`).
fn truthy(v: &Cur) -> bool {
    match v {
        Cur::Val(Value::Bool(b)) => *b,
        Cur::Val(Value::Number(n)) => n.as_f64().is_some_and(|f| f != 0.0),
        other => !is_empty(other),
    }
}

/// Python's `repr` of a list of strings: `['a', 'b']` (the text of CKAN's `OneOf`
/// message).
pub fn python_list_repr(items: &[String]) -> String {
    let inner: Vec<String> = items.iter().map(|s| crate::error::py_repr(s)).collect();
    format!("[{}]", inner.join(", "))
}

/// Python's `json.dumps(v, sort_keys=True, ensure_ascii=False)` (CKAN's `unicode_safe`
/// for lists and dicts): `", "` and `": "` separators.
fn py_json(v: &Value) -> String {
    match v {
        Value::Array(a) => format!("[{}]", a.iter().map(py_json).collect::<Vec<_>>().join(", ")),
        Value::Object(m) => {
            let mut kv: Vec<_> = m.iter().collect();
            kv.sort_by(|a, b| a.0.cmp(b.0));
            let parts: Vec<String> = kv
                .into_iter()
                .map(|(k, v)| format!("{}: {}", Value::String(k.clone()), py_json(v)))
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
        other => other.to_string(),
    }
}

/// `unicode_safe`: text as is, missing and null as `""`, anything else as JSON.
fn unicode_safe(v: &Cur) -> String {
    match v {
        Cur::Missing | Cur::Val(Value::Null) => String::new(),
        Cur::Val(Value::String(s)) => s.clone(),
        Cur::Val(other) => py_json(other),
        // `str(datetime)`: a space between date and time.
        Cur::Date(d) => crate::time::isoformat(d).replacen('T', " ", 1),
    }
}

/// Python's `"%s" % value` of a JSON value (the text of `unexpected choice "%s"`).
fn py_str(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Null => "None".into(),
        other => other.to_string(),
    }
}

/// CKAN's `h.date_str_to_datetime`: `YYYY-MM-DD`, optionally `THH:MM[:SS[.ffffff]]`, a
/// trailing `Z` or offset ignored.
pub(crate) fn parse_date(s: &str) -> Option<NaiveDateTime> {
    let s = s.trim();
    let s = s.strip_suffix('Z').unwrap_or(s);
    // Drop a numeric UTC offset after the time (`+07:00`), as CKAN does.
    let s = match s.rfind(['+', '-']) {
        Some(i) if i > 10 && s[..i].contains('T') => &s[..i],
        _ => s,
    };
    if let Some(dt) = crate::time::parse(s) {
        return Some(dt);
    }
    for f in [
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%dT%H",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(dt) = NaiveDateTime::parse_from_str(s, f) {
            return Some(dt);
        }
    }
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
}

/// CKAN's `url_validator`: http(s), a host of letters, digits, `-` and `.`, an optional
/// numeric port.
fn url_ok(url: &str) -> bool {
    let Some((scheme, rest)) = url.split_once("://") else {
        return false;
    };
    if !matches!(scheme, "http" | "https") {
        return false;
    }
    let netloc = rest.split(['/', '?', '#']).next().unwrap_or("");
    let netloc = netloc.rsplit_once('@').map_or(netloc, |(_, h)| h);
    if netloc.is_empty() {
        return false;
    }
    let (host, port) = match netloc.split_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (netloc, None),
    };
    !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
        && port.is_none_or(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
}

/// Decision 20/2020/QĐ-TTg's electronic agency code: `ddd.dd.dd.Xdd`, e.g.
/// `000.00.14.H57` (levels 4, 3 and 2, then the level-1 unit: a letter and two digits).
pub fn agency_code(code: &str) -> Result<(), Msg> {
    let parts: Vec<&str> = code.split('.').collect();
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    let ok = parts.len() == 4
        && digits(parts[0], 3)
        && digits(parts[1], 2)
        && digits(parts[2], 2)
        && parts[3].len() == 3
        && parts[3].as_bytes()[0].is_ascii_uppercase()
        && digits(&parts[3][1..], 2);
    if ok {
        Ok(())
    } else {
        Err(
            Msg::new("Agency code %{code} does not have the form 000.00.00.X00 of Decision 20/2020/QĐ-TTg (e.g. 000.00.14.H57)")
                .arg("code", code),
        )
    }
}

/// The EU frequency authority URI of an `update_frequency` value of the shipped profile
/// (the DCAT `dct:accrualPeriodicity`).
pub fn frequency_uri(value: &str) -> Option<&'static str> {
    Some(match value {
        "continuous" => "http://publications.europa.eu/resource/authority/frequency/CONT",
        "daily" => "http://publications.europa.eu/resource/authority/frequency/DAILY",
        "weekly" => "http://publications.europa.eu/resource/authority/frequency/WEEKLY",
        "monthly" => "http://publications.europa.eu/resource/authority/frequency/MONTHLY",
        "quarterly" => "http://publications.europa.eu/resource/authority/frequency/QUARTERLY",
        "semiannual" => "http://publications.europa.eu/resource/authority/frequency/ANNUAL_2",
        "annual" => "http://publications.europa.eu/resource/authority/frequency/ANNUAL",
        "biennial" => "http://publications.europa.eu/resource/authority/frequency/BIENNIAL",
        "irregular" => "http://publications.europa.eu/resource/authority/frequency/IRREG",
        "never" => "http://publications.europa.eu/resource/authority/frequency/NEVER",
        "unknown" => "http://publications.europa.eu/resource/authority/frequency/UNKNOWN",
        _ => return None,
    })
}

impl Field {
    /// Run the field's input validators on `input` (`None`: the key is absent).
    pub fn check(&self, input: Option<&Value>) -> FieldOutcome {
        let mut cur = match input {
            None => Cur::Missing,
            Some(v) => Cur::Val(v.clone()),
        };
        let mut errs: Vec<Msg> = Vec::new();
        for v in &self.validators {
            let v = match v {
                Validator::SchemingRequired if self.required => &Validator::NotEmpty,
                Validator::SchemingRequired => &Validator::IgnoreMissing,
                other => other,
            };
            match v {
                Validator::IgnoreMissing => {
                    if matches!(cur, Cur::Missing | Cur::Val(Value::Null)) {
                        return if errs.is_empty() {
                            FieldOutcome::Absent
                        } else {
                            FieldOutcome::Invalid(errs)
                        };
                    }
                }
                Validator::NotEmpty => {
                    if is_empty(&cur) {
                        errs.push(Msg::new("Missing value"));
                        return FieldOutcome::Invalid(errs);
                    }
                }
                Validator::SchemingRequired => {}
                Validator::UnicodeSafe => cur = Cur::Val(Value::String(unicode_safe(&cur))),
                Validator::StripValue => {
                    if let Cur::Val(Value::String(s)) = &cur {
                        cur = Cur::Val(Value::String(s.trim().to_string()));
                    }
                }
                Validator::EmailValidator => {
                    if let Cur::Val(Value::String(s)) = &cur {
                        if !s.is_empty() {
                            if let Err(m) = crate::validate::email(s) {
                                errs.push(m);
                            }
                        }
                    }
                }
                Validator::UrlValidator => {
                    if let Cur::Val(Value::String(s)) = &cur {
                        if !s.is_empty() && !url_ok(s) {
                            errs.push(Msg::new("Please provide a valid URL"));
                        }
                    }
                }
                Validator::IntValidator => match &cur {
                    Cur::Missing | Cur::Val(Value::Null) => cur = Cur::Val(Value::Null),
                    Cur::Val(Value::String(s)) if s.trim().is_empty() => {
                        cur = Cur::Val(Value::Null)
                    }
                    Cur::Val(Value::String(s)) => match s.trim().parse::<i64>() {
                        Ok(n) => cur = Cur::Val(Value::from(n)),
                        Err(_) => errs.push(Msg::new("Invalid integer")),
                    },
                    Cur::Val(Value::Number(n)) => {
                        match n.as_i64().or_else(|| {
                            n.as_f64()
                                .filter(|f| f.fract() == 0.0 && f.abs() < 9.2e18)
                                .map(|f| f as i64)
                        }) {
                            Some(i) => cur = Cur::Val(Value::from(i)),
                            None => errs.push(Msg::new("Invalid integer")),
                        }
                    }
                    Cur::Val(Value::Bool(b)) => cur = Cur::Val(Value::from(i64::from(*b))),
                    _ => errs.push(Msg::new("Invalid integer")),
                },
                Validator::Isodate => match &cur {
                    Cur::Date(_) => {}
                    Cur::Val(Value::String(s)) if s.is_empty() => cur = Cur::Val(Value::Null),
                    Cur::Val(Value::String(s)) => match parse_date(s) {
                        Some(d) => cur = Cur::Date(d),
                        None => errs.push(Msg::new("Date format incorrect")),
                    },
                    _ => errs.push(Msg::new("Date format incorrect")),
                },
                Validator::SchemingIsodatetime => {
                    if truthy(&cur) {
                        match &cur {
                            Cur::Date(_) => {}
                            Cur::Val(Value::String(s)) => match parse_date(s) {
                                Some(d) => cur = Cur::Date(d),
                                None => {
                                    // scheming raises Invalid: the value stays unset.
                                    errs.push(Msg::new("Date format incorrect"));
                                    return FieldOutcome::Invalid(errs);
                                }
                            },
                            _ => {
                                errs.push(Msg::new("Date format incorrect"));
                                return FieldOutcome::Invalid(errs);
                            }
                        }
                    } else {
                        if self.required {
                            errs.push(Msg::new("Missing value"));
                            return FieldOutcome::Invalid(errs);
                        }
                        cur = Cur::Val(Value::Null);
                    }
                }
                Validator::ConvertToJsonIfDate => {
                    if let Cur::Date(d) = &cur {
                        cur = Cur::Val(Value::String(d.date().format("%Y-%m-%d").to_string()));
                    }
                }
                Validator::ConvertToJsonIfDatetime => {
                    if let Cur::Date(d) = &cur {
                        cur = Cur::Val(Value::String(crate::time::isoformat(d)));
                    }
                }
                Validator::SchemingChoices => {
                    // CKAN 2.12's `OneOf` (`one_of`): "" passes.
                    let values: Vec<String> = self
                        .choices
                        .iter()
                        .flatten()
                        .map(|c| c.value.clone())
                        .collect();
                    let ok = match &cur {
                        Cur::Val(Value::String(s)) => s.is_empty() || values.contains(s),
                        _ => false,
                    };
                    if !ok {
                        errs.push(
                            Msg::new("Value must be one of %{choices}")
                                .arg("choices", python_list_repr(&values)),
                        );
                    }
                }
                Validator::SchemingMultipleChoice => {
                    // Errors from an earlier validator: scheming leaves the value alone.
                    if !errs.is_empty() {
                        continue;
                    }
                    let items: Vec<Value> = match &cur {
                        Cur::Missing => vec![],
                        Cur::Val(Value::String(s)) => vec![Value::String(s.clone())],
                        Cur::Val(Value::Array(a)) => a.clone(),
                        _ => {
                            errs.push(Msg::new("expecting list of strings"));
                            continue;
                        }
                    };
                    let choices = self.choices.as_deref().unwrap_or_default();
                    let mut selected = Vec::new();
                    for it in &items {
                        match it {
                            Value::String(s) if choices.iter().any(|c| &c.value == s) => {
                                selected.push(s.clone())
                            }
                            other => errs.push(
                                Msg::new("unexpected choice \"%{choice}\"")
                                    .arg("choice", py_str(other)),
                            ),
                        }
                    }
                    if errs.is_empty() {
                        // Stored in the order of the choices, without duplicates.
                        let ordered: Vec<Value> = choices
                            .iter()
                            .filter(|c| selected.contains(&c.value))
                            .map(|c| Value::String(c.value.clone()))
                            .collect();
                        if ordered.is_empty() && self.required {
                            errs.push(Msg::new("Select at least one"));
                        }
                        cur = Cur::Val(Value::String(py_json(&Value::Array(ordered))));
                    }
                }
                Validator::Default(d) => {
                    if matches!(cur, Cur::Missing | Cur::Val(Value::Null))
                        || matches!(&cur, Cur::Val(Value::String(s)) if s.is_empty())
                    {
                        cur = Cur::Val(d.clone());
                    }
                }
                Validator::AgencyCode => {
                    if let Cur::Val(Value::String(s)) = &cur {
                        if !s.is_empty() {
                            if let Err(m) = agency_code(s) {
                                errs.push(m);
                            }
                        }
                    }
                }
                Validator::Core(_) => {}
            }
        }
        if !errs.is_empty() {
            return FieldOutcome::Invalid(errs);
        }
        match cur {
            // navl drops a key whose value is still `missing` at the end.
            Cur::Missing => FieldOutcome::Absent,
            other => FieldOutcome::Stored(unicode_safe(&other)),
        }
    }

    /// The stored text as `package_show` / `organization_show` shows it (the output
    /// validators).
    pub fn show(&self, stored: &str) -> Value {
        let mut v = Value::String(stored.to_string());
        for o in &self.output_validators {
            v = match (o, v) {
                (OutputValidator::IgnoreMissing | OutputValidator::UnicodeSafe, v) => v,
                (OutputValidator::SchemingMultipleChoiceOutput, Value::String(s)) => {
                    match serde_json::from_str::<Value>(&s) {
                        Ok(Value::Array(a)) => Value::Array(a),
                        Ok(other) => other,
                        Err(_) => Value::Array(vec![Value::String(s)]),
                    }
                }
                (OutputValidator::SchemingLoadJson, Value::String(s)) => {
                    serde_json::from_str(&s).unwrap_or(Value::String(s))
                }
                (_, v) => v,
            };
        }
        v
    }

    /// A stored value (any JSON) back as the text scheming stores, for [`Field::show`].
    pub fn stored_text(v: &Value) -> String {
        match v {
            Value::String(s) => s.clone(),
            Value::Null => String::new(),
            other => py_json(other),
        }
    }
}

/// Is `v` a value a CKAN client means as "no value"?
fn blank(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

impl DatasetSchema {
    /// Validate the profile fields of a dataset dict; required core fields get "Missing
    /// value" here too (CKAN's rules for them run elsewhere). Values equal to the owning
    /// organization's default are not stored, so a changed default shows through.
    pub fn validate_dataset(
        &self,
        input: &Map<String, Value>,
        vctx: &ValueCtx<'_>,
    ) -> ProfileValues {
        let mut out = ProfileValues::default();
        for f in &self.dataset_fields {
            if f.field_name == "sharing_level" {
                continue;
            }
            if f.core {
                let empty = match input.get(&f.field_name) {
                    None => true,
                    Some(v) => blank(v),
                };
                // `title` falls back to the name (`if_empty_same_as`).
                let falls_back = f.field_name == "title";
                if f.required && empty && !falls_back {
                    out.errors.add(&f.field_name, "Missing value");
                }
                continue;
            }
            match f.check(input.get(&f.field_name)) {
                FieldOutcome::Absent => {}
                FieldOutcome::Invalid(ms) => {
                    for m in ms {
                        out.errors.add(&f.field_name, m);
                    }
                }
                FieldOutcome::Stored(s) => {
                    let default = f
                        .organization_default
                        .as_deref()
                        .and_then(|k| vctx.org_value(k));
                    if default.is_some_and(|d| d == s) {
                        continue;
                    }
                    out.values.insert(f.field_name.clone(), f.show(&s));
                }
            }
        }
        // kho's `not_before`: e.g. the end of the temporal coverage after its start.
        for f in self.profile_fields() {
            let Some(other) = &f.not_before else { continue };
            if out.errors.has(&f.field_name) || out.errors.has(other) {
                continue;
            }
            let date = |k: &str| {
                out.values
                    .get(k)
                    .and_then(Value::as_str)
                    .filter(|s| !s.is_empty())
                    .and_then(parse_date)
            };
            if let (Some(mine), Some(theirs)) = (date(&f.field_name), date(other)) {
                if mine < theirs {
                    out.errors.add(
                        &f.field_name,
                        Msg::new("Must not be earlier than %{field}").arg("field", other),
                    );
                }
            }
        }
        out
    }

    /// Validate the declared fields of one resource dict: required core fields, and the
    /// profile fields (whose stored form replaces the input's value among the resource's
    /// extras).
    pub fn validate_resource(&self, r: &Map<String, Value>) -> ProfileValues {
        let mut out = ProfileValues::default();
        for f in &self.resource_fields {
            if f.core {
                let empty = r.get(&f.field_name).is_none_or(blank);
                if f.required && empty {
                    out.errors.add(&f.field_name, "Missing value");
                }
                continue;
            }
            match f.check(r.get(&f.field_name)) {
                FieldOutcome::Absent => {}
                FieldOutcome::Invalid(ms) => {
                    for m in ms {
                        out.errors.add(&f.field_name, m);
                    }
                }
                FieldOutcome::Stored(s) => {
                    out.values.insert(f.field_name.clone(), f.show(&s));
                }
            }
        }
        out
    }
}

impl OrganizationSchema {
    /// Validate the profile fields of an organization dict. `keep_missing` (updates):
    /// fields not in the input are neither checked nor changed. Values are the text to
    /// store as group extras.
    pub fn validate_group(
        &self,
        input: &Map<String, Value>,
        keep_missing: bool,
    ) -> (Vec<(String, Option<String>)>, Errors) {
        let mut values = Vec::new();
        let mut errors = Errors::new();
        for f in &self.fields {
            if keep_missing && !input.contains_key(&f.field_name) {
                continue;
            }
            if f.core {
                if f.required && input.get(&f.field_name).is_none_or(blank) {
                    errors.add(&f.field_name, "Missing value");
                }
                continue;
            }
            match f.check(input.get(&f.field_name)) {
                FieldOutcome::Absent => values.push((f.field_name.clone(), None)),
                FieldOutcome::Invalid(ms) => {
                    for m in ms {
                        errors.add(&f.field_name, m);
                    }
                }
                FieldOutcome::Stored(s) => values.push((f.field_name.clone(), Some(s))),
            }
        }
        (values, errors)
    }
}
