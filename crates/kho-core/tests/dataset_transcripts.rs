//! The dataset schema and `package_show` dict against CKAN 2.12 transcripts (copies in
//! `tests/fixtures/`).

use chrono::NaiveDateTime;
use kho_core::dataset::{
    package_dict, resource_dict, validate_dataset, DatasetCtx, Mode, OwnerOrg,
};
use kho_core::error::{Error, FieldErrors};
use kho_core::license::LicenseRegister;
use kho_core::model::{Dataset, Group, Resource, Tag};
use serde_json::{Map, Value};

const SITE: &str = "http://127.0.0.1:5000";

fn fixture(name: &str) -> String {
    let p = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
}

fn result_of(name: &str) -> Map<String, Value> {
    let v: Value = serde_json::from_str(&fixture(name)).expect("json");
    v["result"].as_object().cloned().expect("result object")
}

/// The JSON body of a recorded request.
fn request_body(name: &str) -> Map<String, Value> {
    let text = fixture(name);
    let start = text.find("\n{").expect("body");
    let end = text.find("# Response").expect("response");
    serde_json::from_str(&text[start..end]).expect("body json")
}

fn ts(v: &Value) -> NaiveDateTime {
    kho_core::time::parse(v.as_str().expect("timestamp")).expect("iso")
}

fn s(v: &Value) -> String {
    v.as_str().expect("string").to_string()
}

fn ctx() -> DatasetCtx<'static> {
    DatasetCtx {
        sysadmin: false,
        can_change_state: false,
        existing: None,
        create_unowned_dataset: false,
        profile: None,
        org_extras: None,
    }
}

fn org_of(o: &Value) -> Group {
    Group {
        id: s(&o["id"]),
        name: s(&o["name"]),
        title: o["title"].as_str().map(str::to_string),
        description: o["description"].as_str().map(str::to_string),
        image_url: o["image_url"].as_str().map(str::to_string),
        group_type: s(&o["type"]),
        is_organization: true,
        approval_status: s(&o["approval_status"]),
        state: s(&o["state"]),
        created: ts(&o["created"]),
        extras: vec![],
    }
}

/// Build what the catalog would store for transcript 03's request, with the ids and
/// timestamps CKAN chose, and render it.
#[test]
fn create_request_renders_as_package_show() {
    let want = result_of("04-package_show.json");
    let input = request_body("03-package_create.request.txt");
    let v = validate_dataset(&input, Mode::Create, &ctx()).expect("valid");
    assert_eq!(v.owner_org, OwnerOrg::Given("so-giao-duc-tay-ninh".into()));
    assert_eq!(v.private, None);
    let mut tags: Vec<Tag> = v
        .tags
        .iter()
        .map(|t| {
            let id = want["tags"]
                .as_array()
                .and_then(|a| a.iter().find(|w| w["name"] == t.name.as_str()))
                .map(|w| s(&w["id"]))
                .expect("tag in transcript");
            Tag {
                id,
                name: t.name.clone(),
                vocabulary_id: t.vocabulary_id.clone(),
            }
        })
        .collect();
    tags.sort_by(|a, b| a.name.cmp(&b.name));
    let wres = want["resources"].as_array().expect("resources");
    let resources = v
        .resources
        .iter()
        .zip(wres)
        .map(|(r, w)| Resource {
            id: s(&w["id"]),
            package_id: s(&want["id"]),
            url: r.url.clone(),
            format: r.format.clone(),
            name: r.name.clone(),
            description: r.description.clone(),
            hash: r.hash.clone().unwrap_or_default(),
            size: r.size,
            mimetype: r.mimetype.clone(),
            mimetype_inner: r.mimetype_inner.clone(),
            cache_url: r.cache_url.clone(),
            cache_last_updated: r.cache_last_updated,
            last_modified: r.last_modified,
            created: ts(&w["created"]),
            metadata_modified: ts(&w["metadata_modified"]),
            resource_type: r.resource_type.clone(),
            url_type: r.url_type.clone(),
            position: r.position,
            state: "active".into(),
            extras: Value::Object(r.extras.clone()).to_string(),
        })
        .collect();
    let org = org_of(&want["organization"]);
    let d = Dataset {
        id: s(&want["id"]),
        name: v.name.clone().expect("name"),
        title: v.title.clone(),
        author: v.author.clone(),
        author_email: v.author_email.clone(),
        maintainer: v.maintainer.clone(),
        maintainer_email: v.maintainer_email.clone(),
        license_id: v.license_id.clone(),
        notes: v.notes.clone(),
        url: v.url.clone(),
        version: v.version.clone(),
        state: v.state.clone().unwrap_or_else(|| "active".into()),
        dataset_type: v.dataset_type.clone().unwrap_or_else(|| "dataset".into()),
        owner_org: Some(org.id.clone()),
        sharing_level: if v.private == Some(true) {
            "restricted"
        } else {
            "open"
        }
        .into(),
        creator_user_id: Some(s(&want["creator_user_id"])),
        metadata_created: ts(&want["metadata_created"]),
        metadata_modified: ts(&want["metadata_modified"]),
        profile: "{}".into(),
        plugin_data: None,
        extras: v.extras.clone(),
        tags,
        resources,
    };
    let got = package_dict(&d, Some(&org), &[], &LicenseRegister::ckan_default(), SITE);
    let got_keys: Vec<_> = got.keys().collect();
    let want_keys: Vec<_> = want.keys().collect();
    assert_eq!(got_keys, want_keys, "top-level key order");
    for (k, w) in &want {
        assert_eq!(&got[k], w, "{k}");
    }
    // Byte-for-byte, key order included everywhere.
    assert_eq!(
        serde_json::to_string(&got).expect("json"),
        serde_json::to_string(&want).expect("json")
    );
}

#[test]
fn upload_resource_renders_as_resource_show() {
    let want = result_of("12-resource_show.json");
    let r = Resource {
        id: s(&want["id"]),
        package_id: s(&want["package_id"]),
        url: "truong-hoc.csv".into(),
        format: "csv".into(),
        name: Some(s(&want["name"])),
        description: Some(s(&want["description"])),
        hash: String::new(),
        size: Some(118),
        mimetype: Some("text/csv".into()),
        mimetype_inner: None,
        cache_url: None,
        cache_last_updated: None,
        last_modified: Some(ts(&want["last_modified"])),
        created: ts(&want["created"]),
        metadata_modified: ts(&want["metadata_modified"]),
        resource_type: None,
        url_type: Some("upload".into()),
        position: 2,
        state: "active".into(),
        extras: "{}".into(),
    };
    let got = resource_dict(&r, "dataset", SITE);
    assert_eq!(
        serde_json::to_string(&got).expect("json"),
        serde_json::to_string(&want).expect("json")
    );
}

fn error_json(e: Error) -> Value {
    let Error::Validation(d) = e else {
        panic!("not a validation error: {e:?}")
    };
    let mut m = Map::new();
    for (k, v) in d {
        let v = match v {
            FieldErrors::Messages(ms) => ms.iter().map(|m| Value::from(m.english())).collect(),
            FieldErrors::Items(_) => Value::Null,
        };
        m.insert(k, v);
    }
    Value::Object(m)
}

fn error_of(name: &str) -> Value {
    let v: Value = serde_json::from_str(&fixture(name)).expect("json");
    let mut e = v["error"].as_object().cloned().expect("error");
    e.remove("__type");
    Value::Object(e)
}

#[test]
fn invalid_name_error_as_ckan() {
    let input: Map<String, Value> =
        serde_json::from_str(r#"{"name": "Bad Name!", "owner_org": "so-giao-duc-tay-ninh"}"#)
            .expect("json");
    let e = validate_dataset(&input, Mode::Create, &ctx()).expect_err("invalid");
    assert_eq!(
        error_json(e),
        error_of("24-package_create-409-invalid.json")
    );
}

#[test]
fn missing_org_error_as_ckan() {
    let input: Map<String, Value> =
        serde_json::from_str(r#"{"name": "no-org-ds", "title": "x"}"#).expect("json");
    let e = validate_dataset(&input, Mode::Create, &ctx()).expect_err("invalid");
    assert_eq!(error_json(e), error_of("x10-package_create-no-org.json"));
}
