//! Entities → CKAN dicts, key for key as CKAN 2.12 renders them, keys in CKAN's order
//! (for users and list entries the table's columns first; for group dicts the show
//! schema's alphabetical order, with lists appended after the columns).

use kho_core::model::{Group, User};
use kho_core::time::isoformat;
use serde_json::{json, Map, Value};

use crate::CatalogConfig;

/// What a user dict may reveal.
#[derive(Debug, Clone, Copy, Default)]
pub struct UserView {
    /// The caller is this user or a sysadmin: include `email` and `apikey`.
    pub private: bool,
    /// Sysadmin asked for `include_password_hash`.
    pub password_hash: bool,
    /// Sysadmin asked for `include_plugin_extras`.
    pub plugin_extras: bool,
}

impl UserView {
    /// The view of the user themself or a sysadmin: e-mail included.
    pub const PRIVATE: UserView = UserView {
        private: true,
        password_hash: false,
        plugin_extras: false,
    };
}

fn opt(v: &Option<String>) -> Value {
    v.as_ref()
        .map(|s| Value::String(s.clone()))
        .unwrap_or(Value::Null)
}

pub fn image_display_url(cfg: &CatalogConfig, image_url: Option<&str>, kind: &str) -> Value {
    match image_url {
        None => Value::Null,
        Some("") => Value::String(String::new()),
        Some(u) if u.starts_with("http://") || u.starts_with("https://") => Value::String(u.into()),
        Some(u) => Value::String(format!("{}/uploads/{kind}/{u}", cfg.site_url)),
    }
}

/// `user_dictize`: the public fields, plus private ones when `view` allows, in CKAN's key
/// order (the user table's columns, then `display_name`, `email_hash`,
/// `number_created_packages`, the private keys, `image_display_url`). Member listings
/// inside group dicts go through CKAN's show schema, which sorts the keys.
pub fn user(
    cfg: &CatalogConfig,
    u: &User,
    number_created_packages: i64,
    view: UserView,
) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("id".into(), Value::String(u.id.clone()));
    m.insert("name".into(), Value::String(u.name.clone()));
    m.insert("fullname".into(), opt(&u.fullname));
    m.insert("created".into(), Value::String(isoformat(&u.created)));
    m.insert("about".into(), opt(&u.about));
    m.insert(
        "last_active".into(),
        u.last_active
            .map(|t| Value::String(isoformat(&t)))
            .unwrap_or(Value::Null),
    );
    m.insert(
        "activity_streams_email_notifications".into(),
        Value::Bool(u.activity_streams_email_notifications),
    );
    m.insert("sysadmin".into(), Value::Bool(u.sysadmin));
    m.insert("state".into(), Value::String(u.state.clone()));
    m.insert("image_url".into(), opt(&u.image_url));
    m.insert("display_name".into(), Value::String(u.display_name()));
    m.insert("email_hash".into(), Value::String(u.email_hash()));
    m.insert(
        "number_created_packages".into(),
        json!(number_created_packages),
    );
    if view.private {
        m.insert("apikey".into(), Value::Null);
        m.insert("email".into(), opt(&u.email));
    }
    if view.password_hash {
        m.insert("password_hash".into(), opt(&u.password_hash));
    }
    if view.plugin_extras {
        let pe = u
            .plugin_extras
            .as_deref()
            .and_then(|s| serde_json::from_str::<Value>(s).ok())
            .unwrap_or(Value::Null);
        m.insert("plugin_extras".into(), pe);
    }
    m.insert(
        "image_display_url".into(),
        image_display_url(cfg, u.image_url.as_deref(), "user"),
    );
    m
}

/// The group columns every group dict starts with (show schema: null title, description
/// and image_url are dropped).
pub fn group_base(
    cfg: &CatalogConfig,
    g: &Group,
    package_count: Option<i64>,
) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert(
        "approval_status".into(),
        Value::String(g.approval_status.clone()),
    );
    m.insert("created".into(), Value::String(isoformat(&g.created)));
    if let Some(d) = &g.description {
        m.insert("description".into(), Value::String(d.clone()));
    }
    m.insert("display_name".into(), Value::String(g.display_name()));
    m.insert("id".into(), Value::String(g.id.clone()));
    if g.image_url.is_some() {
        m.insert(
            "image_display_url".into(),
            image_display_url(cfg, g.image_url.as_deref(), "group"),
        );
    }
    if let Some(i) = &g.image_url {
        m.insert("image_url".into(), Value::String(i.clone()));
    }
    m.insert("is_organization".into(), Value::Bool(g.is_organization));
    m.insert("name".into(), Value::String(g.name.clone()));
    m.insert("num_followers".into(), json!(0));
    if let Some(c) = package_count {
        m.insert("package_count".into(), json!(c));
    }
    m.insert("state".into(), Value::String(g.state.clone()));
    if let Some(t) = &g.title {
        m.insert("title".into(), Value::String(t.clone()));
    }
    m.insert("type".into(), Value::String(g.group_type.clone()));
    m
}

/// The un-schema'd `group_list_dictize` form used by `organization_list_for_user` and
/// `group_list_authz`: every column present, nulls kept, in CKAN's key order (the columns,
/// `capacity` when listed with one, `display_name`, the counts, `image_display_url`).
pub fn group_columns(
    cfg: &CatalogConfig,
    g: &Group,
    capacity: Option<&str>,
    package_count: Option<i64>,
    member_count: Option<i64>,
) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("id".into(), Value::String(g.id.clone()));
    m.insert("name".into(), Value::String(g.name.clone()));
    m.insert("title".into(), opt(&g.title));
    m.insert("type".into(), Value::String(g.group_type.clone()));
    m.insert("description".into(), opt(&g.description));
    m.insert("image_url".into(), opt(&g.image_url));
    m.insert("created".into(), Value::String(isoformat(&g.created)));
    m.insert("is_organization".into(), Value::Bool(g.is_organization));
    m.insert(
        "approval_status".into(),
        Value::String(g.approval_status.clone()),
    );
    m.insert("state".into(), Value::String(g.state.clone()));
    if let Some(c) = capacity {
        m.insert("capacity".into(), Value::String(c.to_string()));
    }
    m.insert("display_name".into(), Value::String(g.display_name()));
    if let Some(n) = package_count {
        m.insert("package_count".into(), json!(n));
    }
    if let Some(n) = member_count {
        m.insert("member_count".into(), json!(n));
    }
    m.insert(
        "image_display_url".into(),
        image_display_url(cfg, g.image_url.as_deref(), "group"),
    );
    m
}

/// Extras as `organization_show` renders them in 2.12: `[{key, value}]` sorted by key.
pub fn group_extras(g: &Group) -> Value {
    Value::Array(
        g.extras
            .iter()
            .filter(|e| e.state == "active")
            .map(|e| json!({"key": e.key, "value": e.value}))
            .collect(),
    )
}
