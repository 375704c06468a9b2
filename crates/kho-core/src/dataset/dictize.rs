//! `package_show` / `resource_show` dicts, key for key as CKAN 2.12 renders them.
//!
//! CKAN runs the dictized package through its show schema, and navl's `unflatten` orders
//! the result: scalar keys (and dict values such as `organization`) sorted by name, then
//! non-empty lists of dicts sorted by name (each item's keys sorted), then the empty lists
//! in the order `package_dictize` created them (`extras, resources, tags, groups,
//! relationships_as_subject, relationships_as_object`).

use std::borrow::{Borrow, Cow};

use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};
use serde_json::{Map, Value};

use crate::format::has_scheme;
use crate::license::LicenseRegister;
use crate::model::{Dataset, Group, Resource};
use crate::profile::{DatasetSchema, Field, ValueCtx};
use crate::quality::{link_state, ResourceFacts, LINK_STATUS};
use crate::time::isoformat;

fn opt(v: &Option<String>) -> Value {
    v.as_ref().map_or(Value::Null, |s| Value::String(s.clone()))
}

fn json_object(text: &str) -> Map<String, Value> {
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    }
}

fn is_dict_list(v: &Value) -> bool {
    matches!(v, Value::Array(a) if a.first().is_some_and(Value::is_object))
}

/// Sort the keys of each dict of a list (navl flattens list items key by key). Dicts
/// already in order (every resource dict is built so) are kept as they are: rebuilding
/// 1,000 maps was an eighth of `package_show` in a profile.
fn sorted_items(v: Value) -> Value {
    match v {
        Value::Array(items) => Value::Array(
            items
                .into_iter()
                .map(|it| match it {
                    Value::Object(m) if !m.keys().is_sorted() => {
                        let mut kv: Vec<_> = m.into_iter().collect();
                        kv.sort_by(|a, b| a.0.cmp(&b.0));
                        Value::Object(kv.into_iter().collect())
                    }
                    other => other,
                })
                .collect(),
        ),
        other => other,
    }
}

/// navl's output order for a dict built in `entries` order.
/// Profile values are flat keys to navl whatever their shown value (an empty
/// multiple-choice list is text until the output validators run), so `flat` keys sort
/// with the scalars.
fn navl_order(entries: Vec<(String, Value)>, flat: &[String]) -> Map<String, Value> {
    let mut scalars = Vec::new();
    let mut lists = Vec::new();
    let mut empties = Vec::new();
    for (k, v) in entries {
        if flat.contains(&k) {
            scalars.push((k, v));
        } else if matches!(&v, Value::Array(a) if a.is_empty()) {
            empties.push((k, v));
        } else if is_dict_list(&v) {
            lists.push((k, sorted_items(v)));
        } else {
            scalars.push((k, v));
        }
    }
    scalars.sort_by(|a, b| a.0.cmp(&b.0));
    lists.sort_by(|a, b| a.0.cmp(&b.0));
    scalars.into_iter().chain(lists).chain(empties).collect()
}

/// Options of [`package_dict_with`].
#[derive(Debug, Clone, Copy, Default)]
pub struct PackageDictOptions<'a> {
    /// Add `plugin_data` (sysadmins with `include_plugin_data=true`).
    pub include_plugin_data: bool,
    /// The configured dataset profile (it applies to datasets of its `dataset_type`).
    pub profile: Option<&'a DatasetSchema>,
    /// Add the `quality` score (when the profile applies: the score reads its fields).
    pub quality: bool,
}

/// CKAN 2.12's `package_show` result for a dataset. `org` is the active owner
/// organization (`None` renders `organization: null`), `groups` the dataset's active
/// groups.
pub fn package_dict(
    d: &Dataset,
    org: Option<&Group>,
    groups: &[Group],
    licenses: &LicenseRegister,
    site_url: &str,
) -> Map<String, Value> {
    package_dict_with(
        d,
        org,
        groups,
        licenses,
        site_url,
        PackageDictOptions::default(),
    )
}

/// [`package_dict`] with options.
pub fn package_dict_with(
    d: &Dataset,
    org: Option<&Group>,
    groups: &[Group],
    licenses: &LicenseRegister,
    site_url: &str,
    opts: PackageDictOptions<'_>,
) -> Map<String, Value> {
    package_map(d, org, groups, licenses, site_url, opts, |res| {
        res.into_iter()
            .map(|r| Value::Object(resource_dict(r, &d.dataset_type, site_url)))
            .collect()
    })
}

/// [`package_dict_with`] as a [`Serialize`] value whose resources are written straight
/// from the stored rows, in the same bytes as the `Value`: for the activity, which holds
/// the whole dataset dict, building and then dropping a map per resource was a quarter
/// of `resource_create` into a dataset of 1,000 resources.
pub fn package_dict_ser<'a>(
    d: &'a Dataset,
    org: Option<&Group>,
    groups: &[Group],
    licenses: &LicenseRegister,
    site_url: &'a str,
    opts: PackageDictOptions<'_>,
) -> PackageDictSer<'a, &'a Resource> {
    let mut resources = Vec::new();
    let head = package_map(d, org, groups, licenses, site_url, opts, |res| {
        let stand_in = stand_in(&res);
        resources = res;
        stand_in
    });
    PackageDictSer {
        head,
        resources,
        dataset_type: Cow::Borrowed(&d.dataset_type),
        site_url: Cow::Borrowed(site_url),
    }
}

/// [`package_dict_ser`] owning the dataset's resources: a `package_show` result that the
/// HTTP layer serializes without building a map per resource, or turns into the `Value`
/// with [`PackageDictSer::into_value`].
pub fn package_dict_owned(
    d: Dataset,
    org: Option<&Group>,
    groups: &[Group],
    licenses: &LicenseRegister,
    site_url: &str,
    opts: PackageDictOptions<'_>,
) -> PackageDict {
    let head = package_map(&d, org, groups, licenses, site_url, opts, |res| {
        stand_in(&res)
    });
    PackageDictSer {
        head,
        dataset_type: Cow::Owned(d.dataset_type),
        site_url: Cow::Owned(site_url.to_owned()),
        resources: shown_resources(d.resources),
    }
}

/// A `package_show` dict that owns its data (see [`package_dict_owned`]).
pub type PackageDict = PackageDictSer<'static, Resource>;

/// In place of the resource dicts, a list that `navl_order` places as any non-empty list
/// of dicts (or the empty list); [`PackageDictSer`] writes the resources there.
fn stand_in(resources: &[&Resource]) -> Vec<Value> {
    if resources.is_empty() {
        Vec::new()
    } else {
        vec![Value::Object(Map::new())]
    }
}

/// The resources a dict shows: not deleted, by position (stable, so ties keep the
/// stored order).
fn shown_resources<R: Borrow<Resource>>(resources: impl IntoIterator<Item = R>) -> Vec<R> {
    let mut shown: Vec<R> = resources
        .into_iter()
        .filter(|r| r.borrow().state != "deleted")
        .collect();
    shown.sort_by_key(|r| r.borrow().position);
    shown
}

/// See [`package_dict_ser`] and [`package_dict_owned`].
pub struct PackageDictSer<'a, R> {
    /// The dict with a stand-in under `resources`.
    head: Map<String, Value>,
    /// The shown resources, in order.
    resources: Vec<R>,
    dataset_type: Cow<'a, str>,
    site_url: Cow<'a, str>,
}

impl<R> PackageDictSer<'_, R> {
    /// Add (or replace) a computed top-level key; a new key goes last.
    pub fn insert(&mut self, key: impl Into<String>, value: Value) {
        self.head.insert(key.into(), value);
    }
}

impl<R: Borrow<Resource>> PackageDictSer<'_, R> {
    /// The dict as [`package_dict_with`] returns it.
    pub fn into_value(self) -> Map<String, Value> {
        let mut head = self.head;
        if !self.resources.is_empty() {
            let dicts = self
                .resources
                .iter()
                .map(|r| {
                    Value::Object(resource_dict(
                        r.borrow(),
                        &self.dataset_type,
                        &self.site_url,
                    ))
                })
                .collect();
            // Replacing a key's value keeps its place.
            head.insert("resources".into(), Value::Array(dicts));
        }
        head
    }
}

impl<R: Borrow<Resource>> Serialize for PackageDictSer<'_, R> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.head.len()))?;
        for (k, v) in &self.head {
            if k == "resources" {
                map.serialize_entry(k, &ResourceListSer(self))?;
            } else {
                map.serialize_entry(k, v)?;
            }
        }
        map.end()
    }
}

struct ResourceListSer<'p, 'a, R>(&'p PackageDictSer<'a, R>);

impl<R: Borrow<Resource>> Serialize for ResourceListSer<'_, '_, R> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let p = self.0;
        let mut seq = s.serialize_seq(Some(p.resources.len()))?;
        for r in &p.resources {
            let (columns, extras) = resource_fields(r.borrow(), &p.dataset_type, &p.site_url);
            seq.serialize_element(&ResourceSer { columns, extras })?;
        }
        seq.end()
    }
}

struct ResourceSer<'a> {
    columns: [Shown<'a>; 19],
    extras: Vec<(String, Value)>,
}

impl Serialize for ResourceSer<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(RESOURCE_KEYS.len() + self.extras.len()))?;
        let mut extras = self.extras.iter().peekable();
        for (key, value) in RESOURCE_KEYS.into_iter().zip(&self.columns) {
            while let Some((k, v)) = extras.next_if(|(k, _)| k.as_str() < key) {
                map.serialize_entry(k, v)?;
            }
            map.serialize_entry(key, value)?;
        }
        for (k, v) in extras {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

/// The shared body of [`package_dict_with`] and [`package_dict_ser`]; `resources` renders
/// the shown resources (sorted by position) as the list's items.
fn package_map<'a>(
    d: &'a Dataset,
    org: Option<&Group>,
    groups: &[Group],
    licenses: &LicenseRegister,
    site_url: &str,
    opts: PackageDictOptions<'_>,
    resources: impl FnOnce(Vec<&'a Resource>) -> Vec<Value>,
) -> Map<String, Value> {
    let license_id = d.license_id.as_deref();
    let title = match d.title.as_deref() {
        Some(t) if !t.is_empty() => t.to_string(),
        _ => d.name.clone(),
    };
    let mut e: Vec<(String, Value)> = vec![
        ("author".into(), opt(&d.author)),
        ("author_email".into(), opt(&d.author_email)),
        ("creator_user_id".into(), opt(&d.creator_user_id)),
        ("id".into(), d.id.clone().into()),
        ("isopen".into(), licenses.isopen(license_id).into()),
        ("license_id".into(), opt(&d.license_id)),
        ("license_title".into(), licenses.license_title(license_id)),
        ("maintainer".into(), opt(&d.maintainer)),
        ("maintainer_email".into(), opt(&d.maintainer_email)),
        (
            "metadata_created".into(),
            isoformat(&d.metadata_created).into(),
        ),
        (
            "metadata_modified".into(),
            isoformat(&d.metadata_modified).into(),
        ),
        ("name".into(), d.name.clone().into()),
        ("notes".into(), opt(&d.notes)),
        (
            "num_resources".into(),
            d.resources
                .iter()
                .filter(|r| r.state != "deleted")
                .count()
                .into(),
        ),
        ("num_tags".into(), d.tags.len().into()),
        (
            "organization".into(),
            org.map_or(Value::Null, |o| Value::Object(organization_dict(o))),
        ),
        ("owner_org".into(), opt(&d.owner_org)),
        ("private".into(), (d.sharing_level != "open").into()),
        ("state".into(), d.state.clone().into()),
        ("title".into(), title.into()),
        (
            "type".into(),
            if d.dataset_type.is_empty() {
                "dataset".into()
            } else {
                d.dataset_type.clone().into()
            },
        ),
        ("url".into(), opt(&d.url)),
        ("version".into(), opt(&d.version)),
    ];
    if let Some(u) = licenses.license_url(license_id) {
        e.push(("license_url".into(), u.into()));
    }
    if opts.include_plugin_data {
        let pd = d
            .plugin_data
            .as_deref()
            .map_or(Value::Null, |t| Value::Object(json_object(t)));
        e.push(("plugin_data".into(), pd));
    }
    let profile = opts.profile.filter(|p| p.applies_to(&d.dataset_type));
    let mut shown = json_object(&d.profile);
    let mut extras: Vec<(String, String)> = Vec::new();
    let mut flat: Vec<String> = Vec::new();
    for x in &d.extras {
        match profile.and_then(|p| p.profile_fields().find(|f| f.field_name == x.key)) {
            // An extra named like a profile field is that field (scheming's
            // `convert_from_extras`), e.g. stored while the profile was off.
            Some(f) => {
                shown
                    .entry(x.key.clone())
                    .or_insert_with(|| f.show(&x.value));
            }
            None => extras.push((x.key.clone(), x.value.clone())),
        }
    }
    match profile {
        Some(p) => {
            if p.shows_sharing_level() {
                e.push(("sharing_level".into(), d.sharing_level.clone().into()));
            }
            // Fields that default to the owning organization's value when empty (shown,
            // never stored, so a changed focal point is reflected).
            let vctx = ValueCtx {
                org_extras: org.map(|o| o.extras.as_slice()),
            };
            for f in p.profile_fields() {
                let Some(key) = &f.organization_default else {
                    continue;
                };
                let empty = shown
                    .get(&f.field_name)
                    .is_none_or(|v| v.is_null() || v.as_str() == Some(""));
                if let (true, Some(v)) = (empty, vctx.org_value(key)) {
                    shown.insert(f.field_name.clone(), f.show(v));
                }
            }
            for (k, v) in shown {
                if !e.iter().any(|(ek, _)| *ek == k) {
                    flat.push(k.clone());
                    e.push((k, v));
                }
            }
        }
        // Without the profile, stored profile values are plain extras, as CKAN shows
        // what scheming stored once scheming is gone.
        None => {
            for (k, v) in shown {
                if !extras.iter().any(|(ek, _)| *ek == k) {
                    extras.push((k, Field::stored_text(&v)));
                }
            }
        }
    }
    e.push((
        "extras".into(),
        extras
            .into_iter()
            .map(|(k, v)| {
                let mut m = Map::new();
                m.insert("key".into(), k.into());
                m.insert("value".into(), v.into());
                Value::Object(m)
            })
            .collect(),
    ));
    let res = shown_resources(&d.resources);
    let facts: Option<Vec<ResourceFacts>> = (opts.quality && profile.is_some())
        .then(|| res.iter().map(|r| resource_facts(r)).collect());
    e.push(("resources".into(), Value::Array(resources(res))));
    let mut tags = d.tags.clone();
    tags.sort_by(|a, b| a.name.cmp(&b.name));
    e.push((
        "tags".into(),
        tags.iter()
            .map(|t| {
                let mut m = Map::new();
                m.insert("display_name".into(), t.name.clone().into());
                m.insert("id".into(), t.id.clone().into());
                m.insert("name".into(), t.name.clone().into());
                m.insert("state".into(), "active".into());
                m.insert("vocabulary_id".into(), opt(&t.vocabulary_id));
                Value::Object(m)
            })
            .collect(),
    ));
    let mut gs: Vec<&Group> = groups.iter().collect();
    gs.sort_by_key(|g| g.display_name());
    e.push((
        "groups".into(),
        gs.into_iter()
            .map(|g| Value::Object(package_group_dict(g, site_url)))
            .collect(),
    ));
    e.push(("relationships_as_subject".into(), Value::Array(vec![])));
    e.push(("relationships_as_object".into(), Value::Array(vec![])));
    if let Some(facts) = facts {
        // Scored on everything above but the resources, which `facts` stand for.
        let head: Map<String, Value> = e
            .iter()
            .filter(|(k, _)| k != "resources")
            .cloned()
            .collect();
        let q = crate::quality::assess(&head, &facts, licenses);
        e.push(("quality".into(), q.to_value()));
    }
    navl_order(e, &flat)
}

/// What the quality score reads of a stored resource (link-check keys are among the
/// extras the catalogue attached when it loaded the dataset).
fn resource_facts(r: &Resource) -> ResourceFacts {
    let extras = json_object(&r.extras);
    ResourceFacts {
        url: r.url.clone(),
        url_type: r.url_type.clone().filter(|t| !t.is_empty()),
        format: r.format.clone(),
        mimetype: r.mimetype.clone().filter(|t| !t.is_empty()),
        size: r.size,
        link: link_state(extras.get(LINK_STATUS).and_then(Value::as_str)),
    }
}

/// The `organization` object inside `package_show`: the group row's columns in table
/// order, nulls kept, no `display_name`.
pub fn organization_dict(o: &Group) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("id".into(), o.id.clone().into());
    m.insert("name".into(), o.name.clone().into());
    m.insert("title".into(), opt(&o.title));
    m.insert("type".into(), o.group_type.clone().into());
    m.insert("description".into(), opt(&o.description));
    m.insert("image_url".into(), opt(&o.image_url));
    m.insert("created".into(), isoformat(&o.created).into());
    m.insert("is_organization".into(), o.is_organization.into());
    m.insert("approval_status".into(), o.approval_status.clone().into());
    m.insert("state".into(), o.state.clone().into());
    m
}

/// A `groups` entry of `package_show`: `{description, display_name, id,
/// image_display_url, name, title}` with null values dropped.
pub fn package_group_dict(g: &Group, site_url: &str) -> Map<String, Value> {
    let image_display_url = match g.image_url.as_deref() {
        None => None,
        Some(u) if u.is_empty() || u.starts_with("http") => Some(u.to_string()),
        Some(u) => Some(format!("{site_url}/uploads/group/{u}")),
    };
    let mut m = Map::new();
    if let Some(d) = &g.description {
        m.insert("description".into(), d.clone().into());
    }
    m.insert("display_name".into(), g.display_name().into());
    m.insert("id".into(), g.id.clone().into());
    if let Some(u) = image_display_url {
        m.insert("image_display_url".into(), u.into());
    }
    m.insert("name".into(), g.name.clone().into());
    if let Some(t) = &g.title {
        m.insert("title".into(), t.clone().into());
    }
    m
}

/// The output URL of a resource: uploads get their download URL, link URLs without a
/// scheme get `http://`.
pub fn resource_url(r: &Resource, dataset_type: &str, site_url: &str) -> String {
    resource_url_cow(r, dataset_type, site_url).into_owned()
}

/// [`resource_url`], borrowed when it is the stored URL (most links).
fn resource_url_cow<'a>(r: &'a Resource, dataset_type: &str, site_url: &str) -> Cow<'a, str> {
    if r.url_type.as_deref() == Some("upload") {
        let last = crate::files::decode_path_segment(r.url.rsplit('/').next().unwrap_or(""));
        let file = crate::files::encode_path_segment(&crate::files::url_file_name(&last));
        let t = if dataset_type.is_empty() {
            "dataset"
        } else {
            dataset_type
        };
        Cow::Owned(format!(
            "{site_url}/{t}/{}/resource/{}/download/{file}",
            r.package_id, r.id
        ))
    } else if !r.url.is_empty() && !has_scheme(&r.url) {
        Cow::Owned(format!("http://{}", r.url.trim_start_matches('/')))
    } else {
        Cow::Borrowed(&r.url)
    }
}

/// The column keys of a resource dict, sorted (CKAN sorts every key of a resource).
const RESOURCE_KEYS: [&str; 19] = [
    "cache_last_updated",
    "cache_url",
    "created",
    "description",
    "format",
    "hash",
    "id",
    "last_modified",
    "metadata_modified",
    "mimetype",
    "mimetype_inner",
    "name",
    "package_id",
    "position",
    "resource_type",
    "size",
    "state",
    "url",
    "url_type",
];

/// One value of a resource dict column: borrowed where the stored row has it as shown.
enum Shown<'a> {
    Null,
    Str(Cow<'a, str>),
    Int(i64),
}

impl<'a> Shown<'a> {
    fn opt(v: &'a Option<String>) -> Self {
        v.as_deref()
            .map_or(Shown::Null, |s| Shown::Str(Cow::Borrowed(s)))
    }

    fn str(v: &'a str) -> Self {
        Shown::Str(Cow::Borrowed(v))
    }

    fn ts(v: Option<&chrono::NaiveDateTime>) -> Self {
        v.map_or(Shown::Null, |t| Shown::Str(Cow::Owned(isoformat(t))))
    }

    fn into_value(self) -> Value {
        match self {
            Shown::Null => Value::Null,
            Shown::Str(s) => Value::String(s.into_owned()),
            Shown::Int(n) => Value::from(n),
        }
    }
}

impl Serialize for Shown<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // The same calls as `Value::Null`, `Value::String` and `Value::from(i64)` make
        // (a non-negative i64 is a u64 there), so both paths write the same bytes.
        match self {
            Shown::Null => s.serialize_unit(),
            Shown::Str(v) => s.serialize_str(v),
            Shown::Int(n) => match u64::try_from(*n) {
                Ok(u) => s.serialize_u64(u),
                Err(_) => s.serialize_i64(*n),
            },
        }
    }
}

/// The values of a resource dict: the columns in [`RESOURCE_KEYS`] order, and the extras
/// (usually none) sorted by key. `resource.update(extras)`; kho never stores a column name
/// as an extra, and a column wins should one appear.
fn resource_fields<'a>(
    r: &'a Resource,
    dataset_type: &str,
    site_url: &str,
) -> ([Shown<'a>; 19], Vec<(String, Value)>) {
    let columns = [
        Shown::ts(r.cache_last_updated.as_ref()),
        Shown::opt(&r.cache_url),
        Shown::ts(Some(&r.created)),
        Shown::opt(&r.description),
        Shown::Str(clean_format_cow(&r.format)),
        Shown::str(&r.hash),
        Shown::str(&r.id),
        Shown::ts(r.last_modified.as_ref()),
        Shown::ts(Some(&r.metadata_modified)),
        Shown::opt(&r.mimetype),
        Shown::opt(&r.mimetype_inner),
        Shown::opt(&r.name),
        Shown::str(&r.package_id),
        Shown::Int(r.position),
        Shown::opt(&r.resource_type),
        r.size.map_or(Shown::Null, Shown::Int),
        Shown::str(&r.state),
        Shown::Str(resource_url_cow(r, dataset_type, site_url)),
        Shown::opt(&r.url_type),
    ];
    let mut extras: Vec<(String, Value)> = if r.extras == "{}" {
        Vec::new()
    } else {
        json_object(&r.extras)
            .into_iter()
            .filter(|(k, _)| !RESOURCE_KEYS.contains(&k.as_str()))
            .collect()
    };
    extras.sort_by(|a, b| a.0.cmp(&b.0));
    (columns, extras)
}

/// `clean_format`, borrowed: the canonical name or the stored format itself.
fn clean_format_cow(format: &str) -> Cow<'_, str> {
    Cow::Borrowed(crate::format::canonical(format).unwrap_or(format))
}

/// CKAN 2.12's `resource_show` result (also the items of `package_show.resources`):
/// every key sorted by name, resource extras merged flat.
///
/// Built in key order straight into the map (a dataset of 1,000 resources builds 1,000 of
/// these per `package_show`): the columns are already sorted, and extras are merged in.
pub fn resource_dict(r: &Resource, dataset_type: &str, site_url: &str) -> Map<String, Value> {
    let (columns, extras) = resource_fields(r, dataset_type, site_url);
    let mut m = Map::with_capacity(RESOURCE_KEYS.len() + extras.len());
    let mut extras = extras.into_iter().peekable();
    for (key, value) in RESOURCE_KEYS.into_iter().zip(columns) {
        while let Some((k, v)) = extras.next_if(|(k, _)| k.as_str() < key) {
            m.insert(k, v);
        }
        m.insert(key.to_owned(), value.into_value());
    }
    m.extend(extras);
    m
}
