use super::*;
use proptest::prelude::*;
use serde_json::json;

fn obj(v: Value) -> Map<String, Value> {
    v.as_object().cloned().unwrap_or_default()
}

fn user() -> DatasetCtx<'static> {
    DatasetCtx {
        sysadmin: false,
        can_change_state: false,
        existing: None,
        create_unowned_dataset: false,
        profile: None,
        org_extras: None,
    }
}

fn create(v: Value) -> Result<ValidatedDataset> {
    validate_dataset(&obj(v), Mode::Create, &user())
}

/// The error dict rendered as CKAN's JSON (messages in English).
fn errors(r: Result<ValidatedDataset>) -> Value {
    fn render(d: &ErrorDict) -> Value {
        Value::Object(
            d.iter()
                .map(|(k, v)| {
                    let v = match v {
                        FieldErrors::Messages(ms) => {
                            ms.iter().map(|m| Value::from(m.english())).collect()
                        }
                        FieldErrors::Items(items) => items.iter().map(render).collect(),
                    };
                    (k.clone(), v)
                })
                .collect(),
        )
    }
    match r {
        Err(Error::Validation(d)) => render(&d),
        other => panic!("expected a validation error, got {other:?}"),
    }
}

fn base() -> Value {
    json!({"name": "so-lieu", "owner_org": "org"})
}

fn with(extra: Value) -> Value {
    let mut b = obj(base());
    b.extend(obj(extra));
    Value::Object(b)
}

#[test]
fn minimal_create() {
    let v = create(base()).expect("valid");
    assert_eq!(v.name.as_deref(), Some("so-lieu"));
    assert_eq!(v.title.as_deref(), Some("so-lieu"));
    assert_eq!(v.owner_org, OwnerOrg::Given("org".into()));
    assert_eq!(v.state, None);
    assert_eq!(v.private, None);
    assert!(v.tags.is_empty() && v.extras.is_empty() && v.resources.is_empty());
}

#[test]
fn name_rules() {
    assert_eq!(
        errors(create(json!({"owner_org": "o"}))),
        json!({"name": ["Missing value"]})
    );
    assert_eq!(
        errors(create(json!({"name": "", "owner_org": "o"}))),
        json!({"name": ["Missing value"]})
    );
    assert_eq!(
        errors(create(json!({"name": "a", "owner_org": "o"}))),
        json!({"name": ["Must be at least 2 characters long"]})
    );
    // Update: the name is optional.
    let v = validate_dataset(&obj(json!({"id": "x"})), Mode::Update, &user()).expect("ok");
    assert_eq!(v.name, None);
    assert_eq!(v.title, None);
}

#[test]
fn owner_org_rules() {
    assert_eq!(
        errors(create(json!({"name": "ab", "owner_org": ""}))),
        json!({"owner_org": ["An organization must be provided"]})
    );
    let unowned = DatasetCtx {
        create_unowned_dataset: true,
        ..user()
    };
    let v = validate_dataset(&obj(json!({"name": "ab"})), Mode::Create, &unowned).expect("ok");
    assert_eq!(v.owner_org, OwnerOrg::Keep);
    let r = validate_dataset(
        &obj(json!({"name": "ab", "private": true})),
        Mode::Create,
        &unowned,
    );
    assert_eq!(
        errors(r),
        json!({"private": ["Datasets with no organization can't be private."]})
    );
}

#[test]
fn private_is_lenient_boolean() {
    for (v, want) in [
        (json!(true), true),
        (json!("True"), true),
        (json!("yes"), true),
        (json!("on"), false),
        (json!("false"), false),
        (json!(0), false),
    ] {
        let got = create(with(json!({ "private": v }))).expect("ok").private;
        assert_eq!(got, Some(want), "{v}");
    }
}

#[test]
fn emails_are_stripped_and_checked() {
    let v = create(with(json!({"author_email": "  an@example.org "}))).expect("ok");
    assert_eq!(v.author_email.as_deref(), Some("an@example.org"));
    assert_eq!(
        errors(create(with(json!({"maintainer_email": "x@"})))),
        json!({"maintainer_email": ["Email x@ is not a valid format"]})
    );
    let v = create(with(json!({"author_email": ""}))).expect("empty is fine");
    assert_eq!(v.author_email.as_deref(), Some(""));
}

#[test]
fn version_max_length() {
    assert!(create(with(json!({"version": "v".repeat(100)}))).is_ok());
    assert_eq!(
        errors(create(with(json!({"version": "v".repeat(101)})))),
        json!({"version": ["Version must be a maximum of 100 characters long"]})
    );
}

#[test]
fn id_rules() {
    let id = "7ad17d0c-8a9c-4db6-9eec-111c9f997033";
    assert_eq!(
        errors(create(with(json!({ "id": id })))),
        json!({"id": ["The input field id was not expected."]})
    );
    let admin = DatasetCtx {
        sysadmin: true,
        ..user()
    };
    let v = validate_dataset(&obj(with(json!({ "id": id }))), Mode::Create, &admin).expect("ok");
    assert_eq!(v.id.as_deref(), Some(id));
    let r = validate_dataset(&obj(with(json!({"id": "nope"}))), Mode::Create, &admin);
    assert_eq!(errors(r), json!({"id": ["Invalid id provided"]}));
}

#[test]
fn state_only_for_admins() {
    assert_eq!(
        create(with(json!({"state": "draft"}))).expect("ok").state,
        None
    );
    let admin = DatasetCtx {
        sysadmin: true,
        ..user()
    };
    let v = validate_dataset(&obj(with(json!({"state": "draft"}))), Mode::Create, &admin);
    assert_eq!(v.expect("ok").state.as_deref(), Some("draft"));
    let editor = DatasetCtx {
        can_change_state: true,
        ..user()
    };
    let v = validate_dataset(&obj(json!({"state": "deleted"})), Mode::Update, &editor);
    assert_eq!(v.expect("ok").state.as_deref(), Some("deleted"));
}

#[test]
fn tags_as_dicts_and_tag_string() {
    let v = create(with(json!({
        "tags": [{"name": "giáo dục"}, {"name": "Tay Ninh"}, {"name": "y-te_2.0"}],
        "tag_string": "môi trường, nông nghiệp ,"
    })))
    .expect("ok");
    let names: Vec<_> = v.tags.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "giáo dục",
            "Tay Ninh",
            "y-te_2.0",
            "môi trường",
            "nông nghiệp"
        ]
    );
}

#[test]
fn tag_errors_are_flattened_strings() {
    let r = create(with(json!({
        "tags": [{"name": "ok tag"}, {"name": "a"}, {"name": "x!y"}, {"name": "t".repeat(101)}]
    })));
    assert_eq!(
        errors(r),
        json!({"tags": [
            "Tag \"a\" length is less than minimum 2",
            "Tag \"x!y\" can only contain alphanumeric characters, spaces (\" \"), hyphens (\"-\"), underscores (\"_\") or dots (\".\")",
            format!("Tag \"{}\" length is more than maximum 100", "t".repeat(101)),
        ]})
    );
    // Length counts characters, not bytes.
    assert!(create(with(json!({"tags": [{"name": "ờ".repeat(100)}]}))).is_ok());
    assert_eq!(
        errors(create(with(json!({"tags": [{"vocabulary_id": "v"}]})))),
        json!({"tags": ["Missing value"]})
    );
    assert_eq!(
        errors(create(with(json!({"tag_string": "ok,b"})))),
        json!({"tag_string": ["Tag \"b\" length is less than minimum 2"]})
    );
}

#[test]
fn non_dict_lists_are_integrity_errors() {
    let input = obj(with(json!({"tags": ["a", "b"]})));
    match validate_dataset(&input, Mode::Create, &user()) {
        Err(Error::Integrity { message, data }) => {
            assert_eq!(
                message,
                "Only lists of dicts can be placed against subschema ('tags',), not <class 'list'>"
            );
            assert_eq!(data, Value::Object(input));
        }
        other => panic!("{other:?}"),
    }
    match create(with(json!({"extras": {"k": "v"}}))) {
        Err(Error::Integrity { message, .. }) => assert_eq!(
            message,
            "Only lists of dicts can be placed against subschema ('extras',), not <class 'dict'>"
        ),
        other => panic!("{other:?}"),
    }
    match create(with(json!({"resources": [{"url": "x"}, "y"]}))) {
        Err(Error::Integrity { message, .. }) => {
            assert_eq!(message, "Values in lists need to be dicts")
        }
        other => panic!("{other:?}"),
    }
    // Empty lists are fine.
    assert!(create(with(json!({"tags": [], "groups": []}))).is_ok());
}

#[test]
fn extras_rules() {
    let v = create(with(json!({"extras": [
        {"key": "tinh", "value": "Tây Ninh"},
        {"key": "nam", "value": 2023},
        {"key": "old", "value": "x", "deleted": true}
    ]})))
    .expect("ok");
    assert_eq!(
        v.extras,
        vec![
            DatasetExtra {
                key: "tinh".into(),
                value: "Tây Ninh".into()
            },
            DatasetExtra {
                key: "nam".into(),
                value: "2023".into()
            },
        ]
    );
    assert_eq!(
        errors(create(with(json!({"extras": [
            {"key": "a", "value": "1"}, {"key": "a", "value": "2"}
        ]})))),
        json!({"extras_validation": ["Duplicate key \"a\""]})
    );
    assert_eq!(
        errors(create(with(json!({"extras": [
            {"key": "ok", "value": "1"}, {"value": "2"}, {"key": "title", "value": "t"},
            {"key": "nv"}
        ]})))),
        json!({"extras": [
            {},
            {"key": ["Missing value"]},
            {"key": ["There is a schema field with the same name"]},
            {"value": ["Missing value"]}
        ]})
    );
}

#[test]
fn resources_rules() {
    let v = create(with(json!({"resources": [
        {"url": "  http://example.org/truong.csv  "},
        {"url": "http://example.org/a.xlsx", "format": "xlsx", "size": "118", "datastore_active": false, "nguon": "Sở"},
        {"format": "text/csv"},
        {"url": "http://example.org/x", "format": "Bảng tính"}
    ]})))
    .expect("ok");
    let r = &v.resources;
    assert_eq!(r[0].url, "http://example.org/truong.csv");
    assert_eq!(r[0].format, "CSV");
    assert_eq!(r[1].format, "XLSX");
    assert_eq!(r[1].size, Some(118));
    assert_eq!(
        r[1].extras,
        obj(json!({"datastore_active": false, "nguon": "Sở"}))
    );
    assert_eq!(r[2].url, "");
    assert_eq!(r[2].format, "CSV");
    assert_eq!(r[3].format, "Bảng tính");
    assert_eq!(
        r.iter().map(|x| x.position).collect::<Vec<_>>(),
        [0, 1, 2, 3]
    );
    assert_eq!(
        errors(create(with(json!({"resources": [
            {"url": "a"}, {"url": "b", "size": "big", "id": "x", "last_modified": "hôm qua"}
        ]})))),
        json!({"resources": [
            {},
            {"id": ["Invalid id provided"], "last_modified": ["Date format incorrect"], "size": ["Invalid integer"]}
        ]})
    );
}

#[test]
fn groups_and_unknown_keys() {
    let v = create(with(json!({
        "groups": [{"name": "giao-duc"}, {"id": "g1"}],
        "unknown": "dropped",
        "custom_list": ["a", "b"],
        "custom_dict": {"a": 1}
    })))
    .expect("ok");
    // A list of dicts under an unknown key is navl's junk.
    assert_eq!(
        errors(create(with(
            json!({"custom_list": [{"a": 1, "b": [{"c": 2}]}]})
        ))),
        json!({"__junk": ["The input field [('custom_list', 0, 'a'), ('custom_list', 0, 'b', 0, 'c')] was not expected."]})
    );
    assert_eq!(
        v.groups,
        vec![
            GroupRef {
                id: None,
                name: Some("giao-duc".into())
            },
            GroupRef {
                id: Some("g1".into()),
                name: None
            }
        ]
    );
}

#[test]
fn update_keeps_type_and_checks_id() {
    let existing = Dataset {
        id: "7ad17d0c-8a9c-4db6-9eec-111c9f997033".into(),
        name: "ds".into(),
        title: None,
        author: None,
        author_email: None,
        maintainer: None,
        maintainer_email: None,
        license_id: None,
        notes: None,
        url: None,
        version: None,
        state: "active".into(),
        dataset_type: "service".into(),
        owner_org: Some("o".into()),
        sharing_level: "open".into(),
        creator_user_id: None,
        metadata_created: crate::time::now_utc(),
        metadata_modified: crate::time::now_utc(),
        profile: "{}".into(),
        plugin_data: None,
        extras: vec![],
        tags: vec![],
        resources: vec![],
    };
    let ctx = DatasetCtx {
        existing: Some(&existing),
        ..user()
    };
    let v = validate_dataset(
        &obj(json!({"id": existing.id, "type": "dataset", "private": true})),
        Mode::Update,
        &ctx,
    )
    .expect("ok");
    assert_eq!(v.dataset_type.as_deref(), Some("service"));
    assert_eq!(v.owner_org, OwnerOrg::Keep);
    assert_eq!(v.private, Some(true));
    let r = validate_dataset(&obj(json!({"id": "other"})), Mode::Update, &ctx);
    assert_eq!(
        errors(r),
        json!({"id": ["Cannot change value of key from 7ad17d0c-8a9c-4db6-9eec-111c9f997033 to other. This key is read-only"]})
    );
}

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        "\\PC{0,12}".prop_map(Value::String),
        prop_oneof![
            Just("name"),
            Just("tags"),
            Just("http://x/a.csv"),
            Just("ab")
        ]
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..5)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "id",
            "name",
            "title",
            "tags",
            "tag_string",
            "extras",
            "resources",
            "groups",
            "owner_org",
            "private",
            "state",
            "url",
            "format",
            "size",
            "key",
            "value",
            "deleted",
            "version",
            "author_email",
            "plugin_data",
            "metadata_modified",
            "created",
            "last_modified",
            "vocabulary_id",
        ])
        .prop_map(str::to_string),
        "\\PC{0,6}",
    ]
}

proptest! {
    #[test]
    fn validate_never_panics(
        kv in prop::collection::vec((key(), arb_json()), 0..10),
        sysadmin in any::<bool>(),
        update in any::<bool>(),
    ) {
        let input: Map<String, Value> = kv.into_iter().collect();
        let ctx = DatasetCtx { sysadmin, ..user() };
        let mode = if update { Mode::Update } else { Mode::Create };
        let _ = validate_dataset(&input, mode, &ctx);
    }
}

#[test]
fn package_dict_derived_fields() {
    use crate::model::{Group, Resource};
    let now = crate::time::parse("2026-01-02T03:04:05").expect("ts");
    let res = |id: &str, pos: i64, url: &str, state: &str| Resource {
        id: id.into(),
        package_id: "p".into(),
        url: url.into(),
        format: "csv".into(),
        name: None,
        description: None,
        hash: String::new(),
        size: None,
        mimetype: None,
        mimetype_inner: None,
        cache_url: None,
        cache_last_updated: None,
        last_modified: None,
        created: now,
        metadata_modified: now,
        resource_type: None,
        url_type: None,
        position: pos,
        state: state.into(),
        extras: r#"{"datastore_active": false}"#.into(),
    };
    let d = Dataset {
        id: "p".into(),
        name: "ds".into(),
        title: Some(String::new()),
        author: None,
        author_email: None,
        maintainer: None,
        maintainer_email: None,
        license_id: Some("other-open".into()),
        notes: None,
        url: None,
        version: None,
        state: "active".into(),
        dataset_type: "dataset".into(),
        owner_org: None,
        sharing_level: "restricted".into(),
        creator_user_id: None,
        metadata_created: now,
        metadata_modified: now,
        profile: r#"{"update_frequency": "monthly"}"#.into(),
        plugin_data: None,
        extras: vec![],
        tags: vec![],
        resources: vec![
            res("r2", 1, "example.org/b.csv", "active"),
            res("r1", 0, "http://x/a.csv", "active"),
            res("r3", 2, "http://x/gone", "deleted"),
        ],
    };
    let g = |name: &str, title: Option<&str>| Group {
        id: format!("id-{name}"),
        name: name.into(),
        title: title.map(str::to_string),
        description: None,
        image_url: Some("logo.png".into()),
        group_type: "group".into(),
        is_organization: false,
        approval_status: "approved".into(),
        state: "active".into(),
        created: now,
        extras: vec![],
    };
    let groups = [g("zeta", Some("Alpha")), g("beta", None)];
    let lic = crate::license::LicenseRegister::ckan_default();
    // Without a profile, stored profile values are plain extras.
    let plain = package_dict(&d, None, &groups, &lic, "https://k.vn");
    assert!(!plain.contains_key("update_frequency"));
    assert_eq!(
        plain["extras"],
        json!([{"key": "update_frequency", "value": "monthly"}])
    );
    let schema = crate::profile::DatasetSchema::shipped();
    let m = package_dict_with(
        &d,
        None,
        &groups,
        &lic,
        "https://k.vn",
        PackageDictOptions {
            profile: Some(&schema),
            ..Default::default()
        },
    );
    assert_eq!(m["title"], "ds");
    assert_eq!(m["private"], true);
    assert_eq!(m["isopen"], true);
    assert_eq!(m["license_title"], "Other (Open)");
    assert!(!m.contains_key("license_url"));
    assert_eq!(m["organization"], Value::Null);
    assert_eq!(m["num_resources"], 2);
    assert_eq!(m["update_frequency"], "monthly");
    let rs = m["resources"].as_array().expect("list");
    assert_eq!(rs[0]["id"], "r1");
    assert_eq!(rs[1]["url"], "http://example.org/b.csv");
    assert_eq!(rs[1]["format"], "CSV");
    assert_eq!(rs[1]["datastore_active"], false);
    assert_eq!(
        m["groups"],
        json!([
            {"display_name": "Alpha", "id": "id-zeta", "image_display_url": "https://k.vn/uploads/group/logo.png", "name": "zeta", "title": "Alpha"},
            {"display_name": "beta", "id": "id-beta", "image_display_url": "https://k.vn/uploads/group/logo.png", "name": "beta"}
        ])
    );
    // Scalars sorted, then non-empty lists of dicts, then the empty lists.
    let keys: Vec<_> = m.keys().map(String::as_str).collect();
    let tail = &keys[keys.len() - 6..];
    assert_eq!(
        tail,
        [
            "groups",
            "resources",
            "extras",
            "tags",
            "relationships_as_subject",
            "relationships_as_object"
        ]
    );
    assert!(keys.contains(&"update_frequency"));
}

#[test]
fn sharing_level_from_private() {
    let r = |l: Option<&str>, p: Option<bool>, e: Option<&str>| {
        resolve_sharing_level(l, p, e).map_err(|m| m.english())
    };
    // create
    assert_eq!(r(None, None, None), Ok("open".into()));
    assert_eq!(r(None, Some(true), None), Ok("restricted".into()));
    assert_eq!(r(None, Some(false), None), Ok("open".into()));
    assert_eq!(r(Some("shared"), None, None), Ok("shared".into()));
    assert_eq!(r(Some("shared"), Some(true), None), Ok("shared".into()));
    assert_eq!(
        r(Some("shared"), Some(false), None),
        Err("Sharing level shared contradicts private: false".into())
    );
    // update / patch: whichever changed wins
    assert_eq!(
        r(Some("shared"), Some(false), Some("shared")),
        Ok("open".into())
    );
    assert_eq!(
        r(Some("open"), Some(true), Some("open")),
        Ok("restricted".into())
    );
    assert_eq!(
        r(Some("shared"), Some(true), Some("shared")),
        Ok("shared".into())
    );
    assert_eq!(r(None, Some(true), Some("shared")), Ok("shared".into()));
    assert_eq!(
        r(Some("open"), Some(true), Some("shared")),
        Ok("open".into())
    );
    assert_eq!(
        r(Some("shared"), Some(true), Some("open")),
        Ok("shared".into())
    );
    assert_eq!(r(None, None, Some("restricted")), Ok("restricted".into()));
    assert_eq!(
        r(Some("shared"), Some(false), Some("restricted")),
        Err("Sharing level shared contradicts private: false".into())
    );
}

#[test]
fn profile_fields_in_validation() {
    let schema = crate::profile::DatasetSchema::shipped();
    let ctx = DatasetCtx {
        profile: Some(&schema),
        ..user()
    };
    let v = validate_dataset(
        &obj(with(json!({"theme": "health", "sharing_level": "shared"}))),
        Mode::Create,
        &ctx,
    )
    .expect("ok");
    assert_eq!(v.sharing_level, "shared");
    assert_eq!(Value::Object(v.profile), json!({"theme": ["health"]}));
    // Another dataset type: the profile does not apply, its keys are unknown scalars.
    let v = validate_dataset(
        &obj(with(
            json!({"type": "service", "theme": "x", "sharing_level": "shared"}),
        )),
        Mode::Create,
        &ctx,
    )
    .expect("ok");
    assert_eq!(v.sharing_level, "open");
    assert!(v.profile.is_empty());
}

fn arb_resource() -> impl Strategy<Value = crate::model::Resource> {
    let text = "\\PC{0,8}";
    let opt_text = prop::option::of(text);
    let url = prop_oneof![
        Just("http://x/a.csv".to_string()),
        Just("example.org/b.csv".to_string()),
        Just(String::new()),
        Just("/a b/Tệp số 1.csv".to_string()),
        text.prop_map(String::from),
    ];
    let extras = prop_oneof![
        Just("{}".to_string()),
        Just("not json".to_string()),
        prop::collection::vec((key(), arb_json()), 0..5)
            .prop_map(|kv| Value::Object(kv.into_iter().collect()).to_string()),
    ];
    let ts = prop::option::of(prop_oneof![
        Just("2026-01-02T03:04:05"),
        Just("2026-01-02T03:04:05.000100"),
    ]);
    (
        (
            text,
            url,
            prop_oneof![
                Just("csv"),
                Just("CSV"),
                Just("text/csv"),
                Just("Định dạng"),
                Just("")
            ],
        ),
        (
            opt_text.clone(),
            opt_text.clone(),
            any::<Option<i64>>(),
            -2i64..4,
        ),
        (
            prop::option::of(prop_oneof![Just("upload"), Just("")]),
            prop_oneof![Just("active"), Just("deleted")],
            extras,
            ts.clone(),
            ts,
        ),
    )
        .prop_map(
            |(
                (id, url, format),
                (name, description, size, position),
                (url_type, state, extras, last_modified, cache_last_updated),
            )| {
                let now = crate::time::parse("2026-01-02T03:04:05.5").unwrap_or_default();
                crate::model::Resource {
                    id,
                    package_id: "p".into(),
                    url,
                    format: format.into(),
                    name,
                    description,
                    hash: "h".into(),
                    size,
                    mimetype: Some("text/csv".into()),
                    mimetype_inner: None,
                    cache_url: None,
                    cache_last_updated: cache_last_updated.and_then(crate::time::parse),
                    last_modified: last_modified.and_then(crate::time::parse),
                    created: now,
                    metadata_modified: now,
                    resource_type: None,
                    url_type: url_type.map(str::to_string),
                    position,
                    state: state.into(),
                    extras,
                }
            },
        )
}

proptest! {
    /// The streamed dicts (of the activity, of `package_show` over HTTP) write exactly the
    /// bytes of the `Value` dict, and the owned one turns into that `Value`.
    #[test]
    fn package_dict_ser_matches_the_value(
        resources in prop::collection::vec(arb_resource(), 0..5),
        with_profile in any::<bool>(),
    ) {
        let now = crate::time::parse("2026-01-02T03:04:05").unwrap_or_default();
        let d = Dataset {
            id: "p".into(),
            name: "ds".into(),
            title: Some("Tiêu đề".into()),
            author: None,
            author_email: None,
            maintainer: None,
            maintainer_email: None,
            license_id: Some("cc-by".into()),
            notes: Some("ghi chú".into()),
            url: None,
            version: None,
            state: "active".into(),
            dataset_type: "dataset".into(),
            owner_org: None,
            sharing_level: "open".into(),
            creator_user_id: None,
            metadata_created: now,
            metadata_modified: now,
            profile: r#"{"update_frequency": "monthly"}"#.into(),
            plugin_data: None,
            extras: vec![DatasetExtra { key: "a".into(), value: "b".into() }],
            tags: vec![],
            resources,
        };
        let lic = crate::license::LicenseRegister::ckan_default();
        let schema = crate::profile::DatasetSchema::shipped();
        let opts = PackageDictOptions {
            profile: with_profile.then_some(&schema),
            ..Default::default()
        };
        let value = Value::Object(package_dict_with(&d, None, &[], &lic, "https://k.vn", opts));
        let streamed = package_dict_ser(&d, None, &[], &lic, "https://k.vn", opts);
        prop_assert_eq!(serde_json::to_string(&streamed).ok(), Some(value.to_string()));
        let owned = package_dict_owned(d.clone(), None, &[], &lic, "https://k.vn", opts);
        prop_assert_eq!(serde_json::to_string(&owned).ok(), Some(value.to_string()));
        // Same keys, same order, same values.
        let back = Value::Object(owned.into_value());
        prop_assert_eq!(back.to_string(), value.to_string());
    }
}
