//! Metadata profiles: ckanext-scheming dataset and organization schema files (JSON or
//! YAML), parsed into typed fields, and the rules that validate and show their values.
//!
//! A schema lists fields. A field whose `field_name` is one of CKAN's own keys (a *core
//! field*) keeps CKAN's validation; the schema may only add `required` and labels to it.
//! Every other field is a *profile field*: validated with the field's scheming validators
//! (CKAN's and scheming's messages), stored in the dataset's `profile` object (or as group
//! extras for organizations) and shown as a top-level key, as scheming shows it.
//!
//! Parsing is pure: the caller reads the file and passes its text and name. Anything
//! kho cannot honour (an unknown validator or preset, a malformed file) is a
//! [`ProfileError`] naming the file and the field, so a server refuses to start rather
//! than silently ignoring part of the operator's schema.

mod check;

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

pub use check::{
    agency_code, frequency_uri, python_list_repr, FieldOutcome, ProfileValues, ValueCtx,
};

/// The shipped dataset profile (`profiles/dataset.yaml`): the provincial fields.
pub const DEFAULT_DATASET_SCHEMA: &str = include_str!("../../../../profiles/dataset.yaml");
/// The shipped data-sharing service profile (`profiles/service.yaml`): datasets of type
/// `service`.
pub const DEFAULT_SERVICE_SCHEMA: &str = include_str!("../../../../profiles/service.yaml");
/// The shipped organization profile (`profiles/organization.yaml`): focal point and agency
/// code.
pub const DEFAULT_ORGANIZATION_SCHEMA: &str =
    include_str!("../../../../profiles/organization.yaml");

/// The `sharing_level` values kho's visibility model knows; a schema's choices for the
/// `sharing_level` field must be among them.
pub use crate::visibility::SHARING_LEVELS;

/// The top-level keys of CKAN's dataset schema that a dataset profile may decorate but
/// not redefine (CKAN's create package schema, `SCHEMA_KEYS`, plus `sharing_level`, which
/// kho stores in its own column).
fn dataset_core_key(name: &str) -> bool {
    crate::dataset::SCHEMA_KEYS.contains(&name) || name == "sharing_level"
}

/// CKAN's resource schema keys.
fn resource_core_key(name: &str) -> bool {
    crate::dataset::RESOURCE_KEYS.contains(&name)
}

/// CKAN's group schema keys (`default_group_schema`).
pub const GROUP_CORE_KEYS: &[&str] = &[
    "id",
    "name",
    "title",
    "description",
    "image_url",
    "image_display_url",
    "type",
    "state",
    "created",
    "is_organization",
    "approval_status",
    "extras",
    "packages",
    "groups",
    "users",
    "__extras",
    "__junk",
    "__before",
];

/// A schema file that kho cannot use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProfileError {
    #[error("{file}: not valid {format}: {message}")]
    Syntax {
        file: String,
        format: &'static str,
        message: String,
    },
    #[error("{file}: {message}")]
    Schema { file: String, message: String },
    #[error("{file}: field {field}: {message}")]
    Field {
        file: String,
        field: String,
        message: String,
    },
}

/// A text in one language, or per language (`{en: .., vi: ..}`), as scheming accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Label {
    Text(String),
    Translated(BTreeMap<String, String>),
}

impl Label {
    /// The text for `lang`, else English, else any (scheming's `scheming_language_text`).
    pub fn text(&self, lang: &str) -> &str {
        match self {
            Label::Text(s) => s,
            Label::Translated(m) => m
                .get(lang)
                .or_else(|| m.get("en"))
                .or_else(|| m.values().next())
                .map_or("", String::as_str),
        }
    }
}

/// One allowed value of a choice field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub value: String,
    pub label: Label,
    /// kho's own key (scheming ignores it): the value's URI in a controlled vocabulary,
    /// e.g. the EU frequency or data-theme authority, for the DCAT output.
    pub uri: Option<String>,
}

/// The input validators kho implements, by their scheming/CKAN names.
#[derive(Debug, Clone, PartialEq)]
pub enum Validator {
    IgnoreMissing,
    NotEmpty,
    /// `not_empty` when the field is required, else `ignore_missing`.
    SchemingRequired,
    UnicodeSafe,
    StripValue,
    EmailValidator,
    UrlValidator,
    IntValidator,
    Isodate,
    SchemingIsodatetime,
    ConvertToJsonIfDate,
    ConvertToJsonIfDatetime,
    SchemingChoices,
    SchemingMultipleChoice,
    /// `default(value)`: a missing, null or empty value becomes `value`.
    Default(Value),
    /// kho's own: the electronic agency code of Decision 20/2020/QĐ-TTg.
    AgencyCode,
    /// A validator of CKAN's core schema, allowed on core fields only, where kho's
    /// implementation of CKAN's schema already runs it.
    Core(&'static str),
}

/// The output validators kho implements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputValidator {
    IgnoreMissing,
    UnicodeSafe,
    /// Stored JSON list text → a list.
    SchemingMultipleChoiceOutput,
    /// Stored JSON text → its value.
    SchemingLoadJson,
}

/// Core validators kho accepts on core fields (those of scheming's presets and
/// `ckan_dataset.yaml`, and CKAN's default schemas).
const CORE_VALIDATORS: &[&str] = &[
    "if_empty_same_as",
    "name_validator",
    "package_name_validator",
    "group_name_validator",
    "package_version_validator",
    "tag_string_convert",
    "owner_org_validator",
    "remove_whitespace",
    "if_empty_guess_format",
    "clean_format",
    "boolean_validator",
    "natural_number_validator",
    "ignore_not_package_admin",
    "ignore_not_sysadmin",
    "unicode_only",
    "ignore_empty",
];

/// Core presets of scheming, and the only core field each may decorate.
const CORE_PRESETS: &[(&str, &str)] = &[
    ("title", "title"),
    ("dataset_slug", "name"),
    ("tag_string_autocomplete", "tag_string"),
    ("dataset_organization", "owner_org"),
    ("resource_url_upload", "url"),
    ("resource_format_autocomplete", "format"),
    ("organization_url_upload", "image_url"),
];

/// scheming's `presets.json` values for the presets kho supports (what `_expand` merges
/// under a field's own keys).
fn preset_values(name: &str) -> Option<Value> {
    let v = match name {
        "title" => json!({
            "validators": "if_empty_same_as(name) unicode_safe",
            "form_snippet": "large_text.html",
            "form_attrs": {"data-module": "slug-preview-target"}
        }),
        "dataset_slug" => json!({
            "validators": "not_empty unicode_safe name_validator package_name_validator",
            "form_snippet": "slug.html"
        }),
        "tag_string_autocomplete" => json!({
            "validators": "ignore_missing tag_string_convert",
            "classes": ["control-full"],
            "form_attrs": {
                "data-module": "autocomplete",
                "data-module-tags": "",
                "data-module-source": "/api/2/util/tag/autocomplete?incomplete=?",
                "class": ""
            }
        }),
        "dataset_organization" => json!({
            "validators": "owner_org_validator unicode_safe",
            "form_snippet": "organization.html"
        }),
        "resource_url_upload" => json!({
            "validators": "ignore_missing unicode_safe remove_whitespace",
            "form_snippet": "upload.html",
            "form_placeholder": "http://example.com/my-data.csv",
            "upload_field": "upload",
            "upload_clear": "clear_upload",
            "upload_label": "File"
        }),
        "organization_url_upload" => json!({
            "validators": "ignore_missing unicode_safe remove_whitespace",
            "form_snippet": "organization_upload.html",
            "form_placeholder": "http://example.com/my-data.csv"
        }),
        "resource_format_autocomplete" => json!({
            "validators": "if_empty_guess_format ignore_missing clean_format unicode_safe",
            "form_placeholder": "eg. CSV, XML or JSON",
            "form_attrs": {
                "data-module": "autocomplete",
                "data-module-source": "/api/2/util/resource/format_autocomplete?incomplete=?"
            }
        }),
        "select" => json!({
            "form_snippet": "select.html",
            "display_snippet": "select.html",
            "validators": "scheming_required scheming_choices"
        }),
        "multiple_checkbox" => json!({
            "form_snippet": "multiple_checkbox.html",
            "display_snippet": "multiple_choice.html",
            "validators": "scheming_multiple_choice",
            "output_validators": "scheming_multiple_choice_output"
        }),
        "multiple_select" => json!({
            "form_snippet": "multiple_select.html",
            "display_snippet": "multiple_choice.html",
            "validators": "scheming_multiple_choice",
            "output_validators": "scheming_multiple_choice_output"
        }),
        "date" => json!({
            "form_snippet": "date.html",
            "display_snippet": "date.html",
            "validators": "scheming_required isodate convert_to_json_if_date"
        }),
        "datetime" => json!({
            "form_snippet": "datetime.html",
            "display_snippet": "datetime.html",
            "validators": "scheming_isodatetime convert_to_json_if_datetime"
        }),
        "markdown" => json!({
            "form_snippet": "markdown.html",
            "display_snippet": "markdown.html"
        }),
        "radio" => json!({
            "form_snippet": "radio.html",
            "display_snippet": "select.html",
            "validators": "scheming_required scheming_choices"
        }),
        _ => return None,
    };
    Some(v)
}

/// One field of a schema, presets expanded.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub field_name: String,
    pub label: Label,
    pub required: bool,
    /// `None`: not a choice field.
    pub choices: Option<Vec<Choice>>,
    pub preset: Option<String>,
    /// The validators that run on input (scheming: the field's `validators`, else
    /// `not_empty` when required, else `ignore_missing`).
    pub validators: Vec<Validator>,
    pub output_validators: Vec<OutputValidator>,
    pub help_text: Option<Label>,
    pub form_placeholder: Option<Label>,
    /// kho's own key: a dataset field shown with this extra of the owning organization
    /// when the dataset has no value (e.g. `focal_point_email`).
    pub organization_default: Option<String>,
    /// kho's own key: a date field that must not be earlier than this other field.
    pub not_before: Option<String>,
    /// A CKAN core key: CKAN's rules apply; the profile adds only `required` and labels.
    pub core: bool,
}

impl Field {
    /// The choice with this value.
    pub fn choice(&self, value: &str) -> Option<&Choice> {
        self.choices.as_ref()?.iter().find(|c| c.value == value)
    }
}

/// A ckanext-scheming dataset schema.
#[derive(Debug, Clone, PartialEq)]
pub struct DatasetSchema {
    pub scheming_version: Option<i64>,
    pub dataset_type: String,
    pub about: Option<String>,
    pub dataset_fields: Vec<Field>,
    pub resource_fields: Vec<Field>,
    /// The file as written (`scheming_dataset_schema_show` with `expanded=false`).
    pub raw: Map<String, Value>,
    /// The file with presets merged into fields (the default of `..._schema_show`).
    pub expanded: Map<String, Value>,
}

impl DatasetSchema {
    /// Parse a dataset schema; `file` names it in errors and decides the syntax
    /// (`.json` → JSON, anything else → YAML, a superset of JSON).
    pub fn parse(text: &str, file: &str) -> Result<Self, ProfileError> {
        let raw = load(text, file)?;
        let p = Parser { file };
        let dataset_type = p.required_str(&raw, "dataset_type")?;
        let dataset_fields = p.fields(&raw, "dataset_fields", dataset_core_key, true)?;
        let resource_fields = p.fields(&raw, "resource_fields", resource_core_key, false)?;
        if let Some(f) = dataset_fields
            .iter()
            .find(|f| f.field_name == "sharing_level")
        {
            match &f.choices {
                Some(cs) => {
                    if let Some(c) = cs
                        .iter()
                        .find(|c| !SHARING_LEVELS.contains(&c.value.as_str()))
                    {
                        return Err(p.field_err(
                            &f.field_name,
                            format!(
                                "choice {:?} is not a sharing level (open, shared, restricted)",
                                c.value
                            ),
                        ));
                    }
                }
                None => {
                    return Err(p.field_err(
                        &f.field_name,
                        "needs choices among open, shared and restricted".into(),
                    ))
                }
            }
        }
        for f in &dataset_fields {
            if let Some(other) = &f.not_before {
                if !dataset_fields.iter().any(|g| &g.field_name == other) {
                    return Err(p.field_err(
                        &f.field_name,
                        format!("not_before names no field of this schema: {other:?}"),
                    ));
                }
            }
        }
        let expanded = expand(&raw, &["dataset_fields", "resource_fields"]);
        Ok(DatasetSchema {
            scheming_version: raw.get("scheming_version").and_then(Value::as_i64),
            dataset_type,
            about: raw.get("about").and_then(Value::as_str).map(str::to_string),
            dataset_fields,
            resource_fields,
            raw,
            expanded,
        })
    }

    /// The shipped default profile.
    pub fn shipped() -> Self {
        // The embedded file is checked by the tests; a broken build would fail them.
        Self::parse(DEFAULT_DATASET_SCHEMA, "profiles/dataset.yaml").unwrap_or_else(|_| {
            Self::parse("dataset_type: dataset\n", "empty").unwrap_or_else(|_| DatasetSchema {
                scheming_version: None,
                dataset_type: "dataset".into(),
                about: None,
                dataset_fields: vec![],
                resource_fields: vec![],
                raw: Map::new(),
                expanded: Map::new(),
            })
        })
    }

    /// The shipped service profile (`dataset_type: service`).
    pub fn shipped_service() -> Self {
        // Checked by the tests, as `shipped`.
        Self::parse(DEFAULT_SERVICE_SCHEMA, "profiles/service.yaml").unwrap_or_else(|_| {
            DatasetSchema {
                scheming_version: None,
                dataset_type: "service".into(),
                about: None,
                dataset_fields: vec![],
                resource_fields: vec![],
                raw: Map::new(),
                expanded: Map::new(),
            }
        })
    }

    /// Does this schema apply to datasets of `dataset_type` (`""` is `dataset`)?
    pub fn applies_to(&self, dataset_type: &str) -> bool {
        let t = if dataset_type.is_empty() {
            "dataset"
        } else {
            dataset_type
        };
        self.dataset_type == t
    }

    /// The dataset field with this name.
    pub fn dataset_field(&self, name: &str) -> Option<&Field> {
        self.dataset_fields.iter().find(|f| f.field_name == name)
    }

    /// Profile (non-core) dataset fields.
    pub fn profile_fields(&self) -> impl Iterator<Item = &Field> {
        self.dataset_fields.iter().filter(|f| !f.core)
    }

    /// Is `name` a field of this schema that CKAN's extras may not use? (scheming adds
    /// every field to the validation schema, so `extra_key_not_in_root_schema` refuses
    /// extras named like one.)
    pub fn has_field(&self, name: &str) -> bool {
        self.dataset_field(name).is_some()
    }

    /// Does the schema show `sharing_level`?
    pub fn shows_sharing_level(&self) -> bool {
        self.has_field("sharing_level")
    }
}

/// A ckanext-scheming organization schema.
#[derive(Debug, Clone, PartialEq)]
pub struct OrganizationSchema {
    pub scheming_version: Option<i64>,
    pub organization_type: String,
    pub about: Option<String>,
    pub fields: Vec<Field>,
    pub raw: Map<String, Value>,
    pub expanded: Map<String, Value>,
}

impl OrganizationSchema {
    pub fn parse(text: &str, file: &str) -> Result<Self, ProfileError> {
        let raw = load(text, file)?;
        let p = Parser { file };
        let organization_type = p.required_str(&raw, "organization_type")?;
        let fields = p.fields(&raw, "fields", |k| GROUP_CORE_KEYS.contains(&k), true)?;
        if let Some(f) = fields.iter().find(|f| f.organization_default.is_some()) {
            return Err(p.field_err(
                &f.field_name,
                "organization_default applies to dataset fields only".into(),
            ));
        }
        let expanded = expand(&raw, &["fields"]);
        Ok(OrganizationSchema {
            scheming_version: raw.get("scheming_version").and_then(Value::as_i64),
            organization_type,
            about: raw.get("about").and_then(Value::as_str).map(str::to_string),
            fields,
            raw,
            expanded,
        })
    }

    pub fn shipped() -> Self {
        Self::parse(DEFAULT_ORGANIZATION_SCHEMA, "profiles/organization.yaml").unwrap_or_else(
            |_| OrganizationSchema {
                scheming_version: None,
                organization_type: "organization".into(),
                about: None,
                fields: vec![],
                raw: Map::new(),
                expanded: Map::new(),
            },
        )
    }

    pub fn applies_to(&self, group_type: &str) -> bool {
        self.organization_type == group_type
    }

    /// Profile (non-core) fields: stored as group extras, shown top-level.
    pub fn profile_fields(&self) -> impl Iterator<Item = &Field> {
        self.fields.iter().filter(|f| !f.core)
    }

    pub fn is_profile_field(&self, name: &str) -> bool {
        self.profile_fields().any(|f| f.field_name == name)
    }
}

/// The text of a schema file as a JSON object.
fn load(text: &str, file: &str) -> Result<Map<String, Value>, ProfileError> {
    let is_json = file.to_ascii_lowercase().ends_with(".json");
    let v: Value = if is_json {
        serde_json::from_str(text).map_err(|e| ProfileError::Syntax {
            file: file.into(),
            format: "JSON",
            message: e.to_string(),
        })?
    } else {
        serde_norway::from_str(text).map_err(|e| ProfileError::Syntax {
            file: file.into(),
            format: "YAML",
            message: e.to_string(),
        })?
    };
    match v {
        Value::Object(m) => Ok(m),
        _ => Err(ProfileError::Schema {
            file: file.into(),
            message: "the schema must be a mapping (an object) at the top level".into(),
        }),
    }
}

/// scheming's `_expand`: each field with a preset becomes the preset's values with the
/// field's own keys over them.
fn expand(raw: &Map<String, Value>, groupings: &[&str]) -> Map<String, Value> {
    let mut out = raw.clone();
    for g in groupings {
        if let Some(Value::Array(fields)) = out.get_mut(*g) {
            for f in fields.iter_mut() {
                let Some(obj) = f.as_object() else { continue };
                let Some(values) = obj
                    .get("preset")
                    .and_then(Value::as_str)
                    .and_then(preset_values)
                else {
                    continue;
                };
                let mut merged = values.as_object().cloned().unwrap_or_default();
                for (k, v) in obj {
                    merged.insert(k.clone(), v.clone());
                }
                *f = Value::Object(merged);
            }
        }
    }
    out
}

struct Parser<'a> {
    file: &'a str,
}

impl Parser<'_> {
    fn schema_err(&self, message: String) -> ProfileError {
        ProfileError::Schema {
            file: self.file.into(),
            message,
        }
    }

    fn field_err(&self, field: &str, message: String) -> ProfileError {
        ProfileError::Field {
            file: self.file.into(),
            field: field.into(),
            message,
        }
    }

    fn required_str(&self, m: &Map<String, Value>, key: &str) -> Result<String, ProfileError> {
        match m.get(key) {
            Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.clone()),
            _ => Err(self.schema_err(format!("{key} is missing or not a string"))),
        }
    }

    fn fields(
        &self,
        m: &Map<String, Value>,
        key: &str,
        is_core: impl Fn(&str) -> bool,
        needed: bool,
    ) -> Result<Vec<Field>, ProfileError> {
        let items = match m.get(key) {
            None | Some(Value::Null) if !needed => return Ok(Vec::new()),
            Some(Value::Array(a)) => a,
            _ => return Err(self.schema_err(format!("{key} must be a list of fields"))),
        };
        let mut out: Vec<Field> = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let obj = item
                .as_object()
                .ok_or_else(|| self.schema_err(format!("{key}[{i}] is not a mapping")))?;
            let name = match obj.get("field_name") {
                Some(Value::String(s)) if !s.trim().is_empty() => s.clone(),
                _ => {
                    return Err(self
                        .schema_err(format!("{key}[{i}] has no field_name (a non-empty string)")))
                }
            };
            if out.iter().any(|f| f.field_name == name) {
                return Err(self.field_err(&name, format!("appears twice in {key}")));
            }
            out.push(self.field(&name, obj, is_core(&name))?);
        }
        Ok(out)
    }

    fn label(
        &self,
        field: &str,
        key: &str,
        v: Option<&Value>,
    ) -> Result<Option<Label>, ProfileError> {
        match v {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(Label::Text(s.clone()))),
            Some(Value::Object(m)) if !m.is_empty() => {
                let mut out = BTreeMap::new();
                for (lang, t) in m {
                    match t {
                        Value::String(s) => {
                            out.insert(lang.clone(), s.clone());
                        }
                        _ => {
                            return Err(
                                self.field_err(field, format!("{key}.{lang} must be a string"))
                            )
                        }
                    }
                }
                Ok(Some(Label::Translated(out)))
            }
            Some(_) => Err(self.field_err(
                field,
                format!("{key} must be a string or a mapping of language to string"),
            )),
        }
    }

    fn field(
        &self,
        name: &str,
        obj: &Map<String, Value>,
        core: bool,
    ) -> Result<Field, ProfileError> {
        let preset = match obj.get("preset") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(_) => return Err(self.field_err(name, "preset must be a string".into())),
        };
        let preset_vals = match &preset {
            None => None,
            Some(p) => {
                let vals = preset_values(p).ok_or_else(|| {
                    self.field_err(name, format!("preset {p:?} is not supported"))
                })?;
                if let Some((_, only)) = CORE_PRESETS.iter().find(|(cp, _)| cp == p) {
                    if *only != name {
                        return Err(self.field_err(
                            name,
                            format!("preset {p:?} applies only to the core field {only:?}"),
                        ));
                    }
                }
                Some(vals)
            }
        };
        // The field's own keys win over the preset's (scheming's `_expand`).
        let get = |k: &str| -> Option<&Value> {
            obj.get(k)
                .or_else(|| preset_vals.as_ref().and_then(|v| v.get(k)))
        };
        let label = self
            .label(name, "label", get("label"))?
            .unwrap_or_else(|| Label::Text(name.to_string()));
        let validators_text = match get("validators") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(_) => return Err(self.field_err(name, "validators must be a string".into())),
        };
        // scheming_field_required: `required`, else guessed from `not_empty`. Core
        // fields keep CKAN's own rules: only an explicit `required` adds to them.
        let required = match obj.get("required") {
            Some(Value::Bool(b)) => *b,
            None | Some(Value::Null) if core => false,
            None | Some(Value::Null) => validators_text
                .as_deref()
                .is_some_and(|v| v.split_whitespace().any(|x| x == "not_empty")),
            Some(_) => return Err(self.field_err(name, "required must be true or false".into())),
        };
        let validators = match &validators_text {
            Some(t) => self.validators(name, t, core)?,
            None if required => vec![Validator::NotEmpty],
            None => vec![Validator::IgnoreMissing],
        };
        let output_validators = match get("output_validators") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::String(s)) => s
                .split_whitespace()
                .map(|v| match v {
                    "ignore_missing" => Ok(OutputValidator::IgnoreMissing),
                    "unicode_safe" => Ok(OutputValidator::UnicodeSafe),
                    "scheming_multiple_choice_output" => {
                        Ok(OutputValidator::SchemingMultipleChoiceOutput)
                    }
                    "scheming_load_json" => Ok(OutputValidator::SchemingLoadJson),
                    other => {
                        Err(self.field_err(name, format!("unknown output validator {other:?}")))
                    }
                })
                .collect::<Result<_, _>>()?,
            Some(_) => {
                return Err(self.field_err(name, "output_validators must be a string".into()))
            }
        };
        let choices = match obj.get("choices") {
            None | Some(Value::Null) => None,
            Some(Value::Array(items)) => {
                let mut out = Vec::new();
                for c in items {
                    let co = c.as_object().ok_or_else(|| {
                        self.field_err(
                            name,
                            "each choice must be a mapping with value and label".into(),
                        )
                    })?;
                    let value = match co.get("value") {
                        Some(Value::String(s)) => s.clone(),
                        // YAML reads `2020` as a number; scheming compares text.
                        Some(Value::Number(n)) => n.to_string(),
                        _ => {
                            return Err(
                                self.field_err(name, "each choice needs a value (a string)".into())
                            )
                        }
                    };
                    if out.iter().any(|x: &Choice| x.value == value) {
                        return Err(self.field_err(name, format!("choice {value:?} appears twice")));
                    }
                    let label = self
                        .label(name, "choices.label", co.get("label"))?
                        .unwrap_or_else(|| Label::Text(value.clone()));
                    let uri = match co.get("uri") {
                        None | Some(Value::Null) => None,
                        Some(Value::String(s)) => Some(s.clone()),
                        Some(_) => {
                            return Err(self.field_err(name, "choices.uri must be a string".into()))
                        }
                    };
                    out.push(Choice { value, label, uri });
                }
                Some(out)
            }
            Some(_) => return Err(self.field_err(name, "choices must be a list".into())),
        };
        if choices.is_none()
            && validators.iter().any(|v| {
                matches!(
                    v,
                    Validator::SchemingChoices | Validator::SchemingMultipleChoice
                )
            })
        {
            // scheming would call `choices_helper`, which kho does not support.
            return Err(self.field_err(
                name,
                "scheming_choices and scheming_multiple_choice need a choices list".into(),
            ));
        }
        let string_key = |k: &str| -> Result<Option<String>, ProfileError> {
            match obj.get(k) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(_) => Err(self.field_err(name, format!("{k} must be a string"))),
            }
        };
        let organization_default = string_key("organization_default")?;
        let not_before = string_key("not_before")?;
        if core && (organization_default.is_some() || not_before.is_some()) {
            return Err(self.field_err(
                name,
                "organization_default and not_before apply to profile fields only".into(),
            ));
        }
        Ok(Field {
            field_name: name.to_string(),
            label,
            required,
            choices,
            preset,
            validators,
            output_validators,
            help_text: self.label(name, "help_text", get("help_text"))?,
            form_placeholder: self.label(name, "form_placeholder", get("form_placeholder"))?,
            organization_default,
            not_before,
            core,
        })
    }

    /// scheming's `validators_from_string`: names separated by spaces, `name(args)` calls.
    fn validators(
        &self,
        field: &str,
        text: &str,
        core: bool,
    ) -> Result<Vec<Validator>, ProfileError> {
        let mut out = Vec::new();
        for part in text.split_whitespace() {
            let (name, args) = match part.split_once('(') {
                Some((n, rest)) if rest.ends_with(')') => (n, Some(&rest[..rest.len() - 1])),
                _ => (part, None),
            };
            let v = match (name, args) {
                ("ignore_missing", None) => Validator::IgnoreMissing,
                ("not_empty", None) => Validator::NotEmpty,
                ("scheming_required", None) => Validator::SchemingRequired,
                ("unicode_safe", None) => Validator::UnicodeSafe,
                ("strip_value", None) => Validator::StripValue,
                ("email_validator", None) => Validator::EmailValidator,
                ("url_validator", None) => Validator::UrlValidator,
                ("int_validator", None) => Validator::IntValidator,
                ("isodate", None) => Validator::Isodate,
                ("scheming_isodatetime", None) => Validator::SchemingIsodatetime,
                ("convert_to_json_if_date", None) => Validator::ConvertToJsonIfDate,
                ("convert_to_json_if_datetime", None) => Validator::ConvertToJsonIfDatetime,
                ("scheming_choices", None) => Validator::SchemingChoices,
                ("scheming_multiple_choice", None) => Validator::SchemingMultipleChoice,
                ("agency_code_validator", None) => Validator::AgencyCode,
                ("default", Some(a)) => Validator::Default(literal(a)),
                (n, _) if core => match CORE_VALIDATORS.iter().find(|c| **c == n) {
                    Some(c) => Validator::Core(c),
                    None => {
                        return Err(self.field_err(field, format!("unknown validator {part:?}")))
                    }
                },
                (n, _) if CORE_VALIDATORS.contains(&n) => {
                    return Err(self.field_err(
                        field,
                        format!("validator {n:?} applies only to CKAN's core fields"),
                    ))
                }
                _ => return Err(self.field_err(field, format!("unknown validator {part:?}"))),
            };
            out.push(v);
        }
        Ok(out)
    }
}

/// A Python literal argument of `default(...)`, as `ast.literal_eval` reads the simple
/// ones: quoted strings, numbers, `True`/`False`/`None`, `[]`/`()`/`{}`; anything else is
/// taken as text (scheming's fallback).
fn literal(a: &str) -> Value {
    let a = a.trim();
    let unquoted = a
        .strip_prefix('\'')
        .and_then(|s| s.strip_suffix('\''))
        .or_else(|| a.strip_prefix('"').and_then(|s| s.strip_suffix('"')));
    if let Some(s) = unquoted {
        return Value::String(s.to_string());
    }
    match a {
        "True" => Value::Bool(true),
        "False" => Value::Bool(false),
        "None" => Value::Null,
        "[]" | "()" => Value::Array(vec![]),
        "{}" => Value::Object(Map::new()),
        _ => {
            if let Ok(n) = a.parse::<i64>() {
                Value::from(n)
            } else if let Some(n) = a.parse::<f64>().ok().and_then(serde_json::Number::from_f64) {
                Value::Number(n)
            } else {
                Value::String(a.to_string())
            }
        }
    }
}

#[cfg(test)]
mod tests;
