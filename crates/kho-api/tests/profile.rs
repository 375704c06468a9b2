//! The metadata profiles over HTTP: the shipped provincial dataset profile (scheming's
//! field rules and messages, top-level keys), `sharing_level` ↔ `private`, the
//! organization profile (focal point, agency code), the contact default, custom schema
//! files, the profile turned off, and scheming's schema actions.

mod common;

use std::sync::Arc;

use common::*;
use kho_api::ApiConfig;
use kho_catalog::{CatalogConfig, Profiles};
use kho_core::profile::DatasetSchema;
use poem::http::Method;
use serde_json::{json, Value};

/// A sysadmin and an organization `so-y-te` with a focal point; returns the admin token.
async fn setup(app: &TestApp) -> String {
    let admin = app.sysadmin().await;
    app.ok(
        "organization_create",
        json!({
            "name": "so-y-te",
            "title": "Sở Y tế",
            "agency_code": "000.00.14.H57",
            "focal_point_name": "Nguyễn Thị Lan",
            "focal_point_position": "Chuyên viên",
            "focal_point_phone": "0236 3822 000",
            "focal_point_email": "lan@syt.gov.vn",
        }),
        Some(&admin),
    )
    .await;
    admin
}

fn full_body() -> Value {
    json!({
        "name": "co-so-y-te",
        "title": "Cơ sở y tế",
        "owner_org": "so-y-te",
        "sharing_level": "shared",
        "update_frequency": "quarterly",
        "temporal_start": "2020-01-01",
        "temporal_end": "2024-12-31T23:00:00",
        "spatial": " Phường Hải Châu ",
        "theme": ["society", "health"],
        "legal_basis": "Quyết định 25/2022/QĐ-UBND",
        "contact_name": "Trần Văn Bình",
        "contact_email": "binh@syt.gov.vn",
        "extras": [{"key": "nguon", "value": "Sở Y tế"}],
    })
}

/// `POST` an action as `token` in a language (Accept-Language).
async fn action_in(app: &TestApp, lang: &str, action: &str, body: &Value, token: &str) -> Resp {
    app.request(
        Method::POST,
        &format!("/api/3/action/{action}"),
        &[
            ("authorization", token),
            ("accept-language", lang),
            ("content-type", "application/json"),
        ],
        Some(("application/json", body.to_string().into_bytes())),
    )
    .await
}

async fn stored_level(app: &TestApp, name: &str) -> String {
    let mut tx = app.catalog.store().read().await.expect("read");
    tx.package_get(name)
        .await
        .expect("get")
        .expect("dataset")
        .sharing_level
}

async fn app_with(backend: Backend, profiles: Profiles) -> TestApp {
    TestApp::with_configs(
        backend,
        CatalogConfig {
            site_url: SITE_URL.into(),
            profiles,
            ..Default::default()
        },
        ApiConfig::default(),
    )
    .await
}

async fn round_trip_every_profile_field(backend: Backend) {
    let app = TestApp::new(backend).await;
    let admin = setup(&app).await;
    let created = app.ok("package_create", full_body(), Some(&admin)).await;
    let expected = json!({
        "sharing_level": "shared",
        "private": true,
        "update_frequency": "quarterly",
        "temporal_start": "2020-01-01",
        "temporal_end": "2024-12-31",
        "spatial": "Phường Hải Châu",
        "theme": ["health", "society"],
        "legal_basis": "Quyết định 25/2022/QĐ-UBND",
        "contact_name": "Trần Văn Bình",
        "contact_email": "binh@syt.gov.vn",
    });
    for (k, v) in expected.as_object().unwrap() {
        assert_eq!(&created[k], v, "{k}");
    }
    // Profile fields are top-level keys, never extras.
    assert_eq!(
        created["extras"],
        json!([{"key": "nguon", "value": "Sở Y tế"}])
    );
    // Sorted with the other scalar keys, as navl orders them.
    let keys: Vec<&String> = created.as_object().unwrap().keys().collect();
    let pos = |k: &str| keys.iter().position(|x| *x == k).unwrap();
    assert!(pos("theme") < pos("title") && pos("spatial") < pos("state"));
    let shown = app
        .get_as("/api/3/action/package_show?id=co-so-y-te", &admin)
        .await;
    assert_eq!(shown.result(), &created);

    // package_patch keeps what it is not given.
    let patched = app
        .ok(
            "package_patch",
            json!({"id": "co-so-y-te", "update_frequency": "monthly"}),
            Some(&admin),
        )
        .await;
    assert_eq!(patched["update_frequency"], "monthly");
    for k in [
        "theme",
        "temporal_end",
        "contact_email",
        "sharing_level",
        "spatial",
    ] {
        assert_eq!(patched[k], created[k], "{k}");
    }

    // package_update is a full replace: omitted profile fields are cleared; the contact
    // falls back to the organization's focal point; the sharing level is kept.
    let updated = app
        .ok(
            "package_update",
            json!({"id": created["id"], "name": "co-so-y-te", "owner_org": "so-y-te"}),
            Some(&admin),
        )
        .await;
    for k in [
        "update_frequency",
        "temporal_start",
        "temporal_end",
        "spatial",
        "legal_basis",
    ] {
        assert!(updated.get(k).is_none(), "{k} should be cleared: {updated}");
    }
    // scheming stores an empty multiple choice as "[]".
    assert_eq!(updated["theme"], json!([]));
    assert_eq!(updated["contact_name"], "Nguyễn Thị Lan");
    assert_eq!(updated["contact_email"], "lan@syt.gov.vn");
    assert_eq!(updated["sharing_level"], "shared");
    assert_eq!(updated["extras"], json!([]));

    // A plain dataset shows only what scheming shows for absent optional fields.
    let plain = app
        .ok(
            "package_create",
            json!({"name": "plain", "owner_org": "so-y-te"}),
            Some(&admin),
        )
        .await;
    assert_eq!(plain["sharing_level"], "open");
    assert_eq!(plain["private"], false);
    assert_eq!(plain["theme"], json!([]));
    assert!(plain.get("update_frequency").is_none());

    // Resources keep their extras; the shipped profile declares none of its own.
    let r = app
        .ok(
            "resource_create",
            json!({"package_id": "plain", "url": "http://x.vn/a.csv", "ngon_ngu": "vi"}),
            Some(&admin),
        )
        .await;
    assert_eq!(r["ngon_ngu"], "vi");
}

async fn validation_messages_in_en_and_vi(backend: Backend) {
    let app = TestApp::new(backend).await;
    let admin = setup(&app).await;
    let cases: Vec<(Value, &str, &str, &str)> = vec![
        (
            json!({"update_frequency": "hourly"}),
            "update_frequency",
            "Value must be one of ['continuous', 'daily', 'weekly', 'monthly', 'quarterly', 'semiannual', 'annual', 'biennial', 'irregular', 'never', 'unknown']",
            "Giá trị phải là một trong ['continuous', 'daily', 'weekly', 'monthly', 'quarterly', 'semiannual', 'annual', 'biennial', 'irregular', 'never', 'unknown']",
        ),
        (
            json!({"sharing_level": "secret"}),
            "sharing_level",
            "Value must be one of ['open', 'shared', 'restricted']",
            "Giá trị phải là một trong ['open', 'shared', 'restricted']",
        ),
        (
            json!({"theme": ["health", "sports"]}),
            "theme",
            "unexpected choice \"sports\"",
            "lựa chọn không hợp lệ \"sports\"",
        ),
        (
            json!({"theme": {"a": 1}}),
            "theme",
            "expecting list of strings",
            "cần một danh sách chuỗi",
        ),
        (
            json!({"temporal_start": "31/12/2024"}),
            "temporal_start",
            "Date format incorrect",
            "Định dạng ngày không đúng",
        ),
        (
            json!({"temporal_start": "2024-06-01", "temporal_end": "2024-01-01"}),
            "temporal_end",
            "Must not be earlier than temporal_start",
            "Không được sớm hơn temporal_start",
        ),
        (
            json!({"contact_email": "lan at syt"}),
            "contact_email",
            "Email lan at syt is not a valid format",
            "",
        ),
        (
            json!({"sharing_level": "shared", "private": false}),
            "sharing_level",
            "Sharing level shared contradicts private: false",
            "Hình thức chia sẻ shared mâu thuẫn với private: false",
        ),
    ];
    for (extra, field, en, vi) in cases {
        let mut body = json!({"name": "bad", "owner_org": "so-y-te"});
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        let r = app
            .action("package_create", body.clone(), Some(&admin))
            .await;
        assert_eq!(r.error(409)[field], json!([en]), "{body}");
        let r = action_in(&app, "vi", "package_create", &body, &admin).await;
        let got = r.error(409)[field][0]
            .as_str()
            .unwrap_or_default()
            .to_string();
        if vi.is_empty() {
            assert_ne!(got, en, "translated: {body}");
        } else {
            assert_eq!(got, vi, "{body}");
        }
    }
    // An extra named like a profile field.
    let body = json!({"name": "bad", "owner_org": "so-y-te",
        "extras": [{"key": "theme", "value": "x"}, {"key": "sharing_level", "value": "open"}]});
    let r = app.action("package_create", body, Some(&admin)).await;
    assert_eq!(
        r.error(409)["extras"],
        json!([
            {"key": ["There is a schema field with the same name"]},
            {"key": ["There is a schema field with the same name"]}
        ])
    );
    // Unknown scalar keys are dropped; unknown lists of dicts are navl's junk.
    let r = app
        .action(
            "package_create",
            json!({"name": "junk", "owner_org": "so-y-te", "foo": "x", "bar": [{"a": 1}]}),
            Some(&admin),
        )
        .await;
    assert_eq!(
        r.error(409)["__junk"],
        json!(["The input field [('bar', 0, 'a')] was not expected."])
    );
    let ok = app
        .ok(
            "package_create",
            json!({"name": "junk", "owner_org": "so-y-te", "foo": "x"}),
            Some(&admin),
        )
        .await;
    assert!(ok.get("foo").is_none());
    // Nothing was written by the failures.
    let r = app
        .get_as("/api/3/action/package_show?id=bad", &admin)
        .await;
    r.error(404);
}

async fn sharing_level_and_private(backend: Backend) {
    let app = TestApp::new(backend).await;
    let admin = setup(&app).await;
    let create = |name: &str, extra: Value| {
        let mut b = json!({"name": name, "owner_org": "so-y-te"});
        b.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        b
    };
    // Create.
    for (name, extra, level) in [
        ("c-none", json!({}), "open"),
        ("c-priv", json!({"private": true}), "restricted"),
        ("c-pub", json!({"private": "false"}), "open"),
        ("c-shared", json!({"sharing_level": "shared"}), "shared"),
        (
            "c-both",
            json!({"sharing_level": "restricted", "private": true}),
            "restricted",
        ),
        (
            "c-empty",
            json!({"sharing_level": "", "private": true}),
            "restricted",
        ),
    ] {
        let d = app
            .ok("package_create", create(name, extra), Some(&admin))
            .await;
        assert_eq!(d["sharing_level"], level, "{name}");
        assert_eq!(d["private"], json!(level != "open"), "{name}");
        assert_eq!(stored_level(&app, name).await, level);
    }
    let r = app
        .action(
            "package_create",
            create("c-bad", json!({"sharing_level": "open", "private": true})),
            Some(&admin),
        )
        .await;
    assert_eq!(
        r.error(409)["sharing_level"],
        json!(["Sharing level open contradicts private: true"])
    );
    // Non-open without an organization (a sysadmin may create unowned datasets? no:
    // an organization is required, so check through owner_org "").
    let r = app
        .action(
            "package_create",
            json!({"name": "c-noorg", "owner_org": "", "sharing_level": "shared"}),
            Some(&admin),
        )
        .await;
    assert_eq!(
        r.error(409)["private"],
        json!(["Datasets with no organization can't be private."])
    );

    // Patch: whichever of the two changed wins.
    let patch = |name: &str, extra: Value| {
        let mut b = json!({"id": name});
        b.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        b
    };
    for (name, extra, level) in [
        // a CKAN client making a shared dataset public gets open
        ("c-shared", json!({"private": false}), "open"),
        // private: true on an open one → restricted
        ("c-none", json!({"private": true}), "restricted"),
        // private: true on a shared one is no change
        ("c-empty", json!({"sharing_level": "shared"}), "shared"),
        ("c-empty", json!({"private": true}), "shared"),
        // a level change with private sent back unchanged
        ("c-priv", json!({"sharing_level": "open"}), "open"),
        (
            "c-pub",
            json!({"sharing_level": "shared", "private": true}),
            "shared",
        ),
    ] {
        let d = app
            .ok("package_patch", patch(name, extra.clone()), Some(&admin))
            .await;
        assert_eq!(d["sharing_level"], level, "{name} {extra}");
        assert_eq!(d["private"], json!(level != "open"));
    }
    let r = app
        .action(
            "package_patch",
            patch(
                "c-both",
                json!({"sharing_level": "shared", "private": false}),
            ),
            Some(&admin),
        )
        .await;
    assert_eq!(
        r.error(409)["sharing_level"],
        json!(["Sharing level shared contradicts private: false"])
    );
    // Only the level changed (private sent back as shown): the level wins.
    let d = app
        .ok(
            "package_patch",
            patch("c-both", json!({"sharing_level": "open", "private": true})),
            Some(&admin),
        )
        .await;
    assert_eq!(d["sharing_level"], "open");
    app.ok(
        "package_patch",
        patch("c-both", json!({"sharing_level": "restricted"})),
        Some(&admin),
    )
    .await;

    // Update (full replace): omitted private and sharing_level keep the level.
    let both_id = app
        .ok("package_show", json!({"id": "c-both"}), Some(&admin))
        .await["id"]
        .clone();
    for (extra, level) in [
        (json!({}), "restricted"),
        (json!({"private": true}), "restricted"),
        (json!({"sharing_level": "shared"}), "shared"),
        (json!({"private": true}), "shared"),
        (json!({"private": false}), "open"),
    ] {
        let mut b = json!({"id": both_id, "name": "c-both", "owner_org": "so-y-te"});
        b.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        let d = app.ok("package_update", b, Some(&admin)).await;
        assert_eq!(d["sharing_level"], level, "{extra}");
    }

    // Bulk: private → restricted unless already non-open; public → open.
    let org = app
        .ok("organization_show", json!({"id": "so-y-te"}), Some(&admin))
        .await;
    let id_of = |d: &Value| d["id"].as_str().unwrap().to_string();
    let shared = app
        .ok("package_show", json!({"id": "c-empty"}), Some(&admin))
        .await;
    let open = app
        .ok("package_show", json!({"id": "c-shared"}), Some(&admin))
        .await;
    assert_eq!(
        (
            shared["sharing_level"].as_str(),
            open["sharing_level"].as_str()
        ),
        (Some("shared"), Some("open"))
    );
    app.ok(
        "bulk_update_private",
        json!({"datasets": [id_of(&shared), id_of(&open)], "org_id": org["id"]}),
        Some(&admin),
    )
    .await;
    assert_eq!(stored_level(&app, "c-empty").await, "shared");
    assert_eq!(stored_level(&app, "c-shared").await, "restricted");
    app.ok(
        "bulk_update_public",
        json!({"datasets": [id_of(&shared), id_of(&open)], "org_id": org["id"]}),
        Some(&admin),
    )
    .await;
    assert_eq!(stored_level(&app, "c-empty").await, "open");
    assert_eq!(stored_level(&app, "c-shared").await, "open");
}

async fn profile_off_is_plain_ckan(backend: Backend) {
    let app = app_with(backend, Profiles::off()).await;
    let admin = setup(&app).await;
    let mut body = full_body();
    body["sharing_level"] = json!("open");
    body["private"] = json!(true);
    let created = app.ok("package_create", body, Some(&admin)).await;
    for k in profile_keys() {
        assert!(created.get(&k).is_none(), "{k} shown with the profile off");
    }
    // sharing_level is an unknown key and dropped; private maps as before.
    assert_eq!(created["private"], true);
    assert_eq!(stored_level(&app, "co-so-y-te").await, "restricted");
    let d = app
        .ok(
            "package_patch",
            json!({"id": "co-so-y-te", "private": false}),
            Some(&admin),
        )
        .await;
    assert_eq!(d["private"], false);
    // The exact key set of CKAN's transcript.
    let r = app
        .action(
            "package_create",
            json!({"name": "xyz", "owner_org": "so-y-te"}),
            Some(&admin),
        )
        .await;
    let keys: Vec<&String> = r.result().as_object().unwrap().keys().collect();
    let ckan = transcript("03-package_create");
    let ckan_keys: Vec<&String> = ckan["result"].as_object().unwrap().keys().collect();
    let missing: Vec<_> = ckan_keys.iter().filter(|k| !keys.contains(k)).collect();
    let extra: Vec<_> = keys.iter().filter(|k| !ckan_keys.contains(k)).collect();
    assert!(extra.is_empty(), "unexpected keys {extra:?}");
    // The transcript's dataset has a license (license_url) that this one has not.
    assert!(
        missing.iter().all(|k| k.as_str() == "license_url"),
        "{missing:?}"
    );
    // Organizations: the focal-point keys are plain unknown keys, dropped.
    let org = app
        .ok("organization_show", json!({"id": "so-y-te"}), Some(&admin))
        .await;
    assert!(org.get("focal_point_name").is_none());
    assert_eq!(org["extras"], json!([]));
    // Schema actions answer "none".
    assert_eq!(
        app.ok("scheming_dataset_schema_list", json!({}), None)
            .await,
        json!([])
    );
    app.action(
        "scheming_dataset_schema_show",
        json!({"type": "dataset"}),
        None,
    )
    .await
    .error(404);
}

async fn custom_schema_file_adds_a_field(backend: Backend) {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("camel.yaml");
    std::fs::write(
        &path,
        "scheming_version: 2\n\
         dataset_type: dataset\n\
         dataset_fields:\n\
         - field_name: notes\n  label: Notes\n  required: true\n\
         - field_name: department_code\n  label: {en: Department, vi: Phòng}\n  required: true\n  validators: scheming_required unicode_safe strip_value\n\
         - field_name: homepage\n  validators: ignore_missing url_validator\n\
         - field_name: count\n  validators: ignore_missing int_validator\n\
         resource_fields:\n\
         - field_name: language\n  preset: select\n  required: true\n  choices:\n  - {value: vi, label: Tiếng Việt}\n  - {value: en, label: English}\n",
    )
    .expect("write");
    let text = std::fs::read_to_string(&path).expect("read");
    let schema = DatasetSchema::parse(&text, &path.display().to_string()).expect("schema");
    let app = app_with(
        backend,
        Profiles {
            dataset: Some(Arc::new(schema)),
            organization: None,
            service: None,
        },
    )
    .await;
    let admin = app.sysadmin().await;
    app.org("so-y-te", &admin).await;
    let r = app
        .action(
            "package_create",
            json!({"name": "camel", "owner_org": "so-y-te", "homepage": "ftp://x", "count": "many",
                   "resources": [{"url": "http://x.vn/a.csv", "language": "fr"}]}),
            Some(&admin),
        )
        .await;
    let e = r.error(409);
    assert_eq!(e["notes"], json!(["Missing value"]));
    assert_eq!(e["department_code"], json!(["Missing value"]));
    assert_eq!(e["homepage"], json!(["Please provide a valid URL"]));
    assert_eq!(e["count"], json!(["Invalid integer"]));
    assert_eq!(
        e["resources"],
        json!([{"language": ["Value must be one of ['vi', 'en']"]}])
    );
    let d = app
        .ok(
            "package_create",
            json!({"name": "camel", "owner_org": "so-y-te", "notes": "n", "department_code": " KH-01 ",
                   "count": 7, "private": true,
                   "resources": [{"url": "http://x.vn/a.csv", "language": "vi"}]}),
            Some(&admin),
        )
        .await;
    assert_eq!(d["department_code"], "KH-01");
    assert_eq!(d["count"], "7");
    assert_eq!(d["resources"][0]["language"], "vi");
    // This schema has no sharing_level field: not shown, private still maps.
    assert!(d.get("sharing_level").is_none());
    assert_eq!(stored_level(&app, "camel").await, "restricted");
    let rid = d["resources"][0]["id"].as_str().unwrap().to_string();
    let r = app
        .action(
            "resource_patch",
            json!({"id": rid, "language": ""}),
            Some(&admin),
        )
        .await;
    assert_eq!(r.error(409)["language"], json!(["Missing value"]));
    // Another dataset type is not this profile's.
    let other = app
        .ok(
            "package_create",
            json!({"name": "svc", "owner_org": "so-y-te", "type": "service"}),
            Some(&admin),
        )
        .await;
    assert!(other.get("department_code").is_none());
    let types = app
        .ok("scheming_dataset_schema_list", json!({}), None)
        .await;
    assert_eq!(types, json!(["dataset"]));
}

async fn organization_focal_point_and_agency_code(backend: Backend) {
    let app = TestApp::new(backend).await;
    let admin = setup(&app).await;
    let org = app
        .get("/api/3/action/organization_show?id=so-y-te")
        .await
        .result()
        .clone();
    assert_eq!(org["agency_code"], "000.00.14.H57");
    assert_eq!(org["focal_point_name"], "Nguyễn Thị Lan");
    assert_eq!(org["focal_point_position"], "Chuyên viên");
    assert_eq!(org["focal_point_phone"], "0236 3822 000");
    assert_eq!(org["focal_point_email"], "lan@syt.gov.vn");
    assert_eq!(org["extras"], json!([]));
    let keys: Vec<&String> = org.as_object().unwrap().keys().collect();
    let pos = |k: &str| keys.iter().position(|x| *x == k).unwrap();
    assert!(pos("agency_code") < pos("approval_status"));
    assert!(pos("focal_point_phone") < pos("id"));
    // organization_list with all_fields.
    let list = app
        .get("/api/3/action/organization_list?all_fields=true")
        .await
        .result()
        .clone();
    assert_eq!(list[0]["focal_point_email"], "lan@syt.gov.vn");
    // Validation.
    for (body, field, en, vi) in [
        (
            json!({"agency_code": "H57-14"}),
            "agency_code",
            "Agency code H57-14 does not have the form 000.00.00.X00 of Decision 20/2020/QĐ-TTg (e.g. 000.00.14.H57)",
            "Mã định danh H57-14 không đúng dạng 000.00.00.X00 của Quyết định 20/2020/QĐ-TTg (vd. 000.00.14.H57)",
        ),
        (
            json!({"focal_point_email": "lan"}),
            "focal_point_email",
            "Email lan is not a valid format",
            "",
        ),
    ] {
        let mut b = body.clone();
        b["id"] = json!("so-y-te");
        let r = app.action("organization_patch", b.clone(), Some(&admin)).await;
        assert_eq!(r.error(409)[field], json!([en]));
        let r = action_in(&app, "vi", "organization_patch", &b, &admin).await;
        let got = r.error(409)[field][0].as_str().unwrap_or_default().to_string();
        if vi.is_empty() {
            assert_ne!(got, en);
        } else {
            assert_eq!(got, vi);
        }
    }
    let r = app
        .action(
            "organization_create",
            json!({"name": "so-x", "extras": [{"key": "agency_code", "value": "1"}]}),
            Some(&admin),
        )
        .await;
    assert_eq!(
        r.error(409)["extras"],
        json!([{"key": ["There is a schema field with the same name"]}])
    );
    // Update keeps what is not given; a plain extras list leaves the profile alone.
    let u = app
        .ok(
            "organization_update",
            json!({"id": "so-y-te", "title": "Sở Y tế tỉnh", "focal_point_phone": "0905 000 000",
                   "extras": [{"key": "website", "value": "https://syt.gov.vn"}]}),
            Some(&admin),
        )
        .await;
    assert_eq!(u["focal_point_phone"], "0905 000 000");
    assert_eq!(u["agency_code"], "000.00.14.H57");
    assert_eq!(
        u["extras"],
        json!([{"key": "website", "value": "https://syt.gov.vn"}])
    );
    // Patch with an empty value clears... to "" as scheming stores it; null removes it.
    let p = app
        .ok(
            "organization_patch",
            json!({"id": "so-y-te", "focal_point_position": null}),
            Some(&admin),
        )
        .await;
    assert!(p.get("focal_point_position").is_none());
    assert_eq!(p["focal_point_name"], "Nguyễn Thị Lan");
    // Groups are unchanged: no profile.
    let g = app
        .ok(
            "group_create",
            json!({"name": "nhom", "focal_point_name": "X", "agency_code": "bad"}),
            Some(&admin),
        )
        .await;
    assert!(g.get("focal_point_name").is_none());
    assert!(g.get("agency_code").is_none());
}

async fn contact_defaults_to_the_focal_point(backend: Backend) {
    let app = TestApp::new(backend).await;
    let admin = setup(&app).await;
    let d = app
        .ok(
            "package_create",
            json!({"name": "dd", "owner_org": "so-y-te"}),
            Some(&admin),
        )
        .await;
    assert_eq!(d["contact_name"], "Nguyễn Thị Lan");
    assert_eq!(d["contact_email"], "lan@syt.gov.vn");
    // A patch sends the shown default back; it is not frozen into the dataset.
    app.ok(
        "package_patch",
        json!({"id": "dd", "notes": "x"}),
        Some(&admin),
    )
    .await;
    app.ok(
        "organization_patch",
        json!({"id": "so-y-te", "focal_point_name": "Lê Minh", "focal_point_email": "minh@syt.gov.vn"}),
        Some(&admin),
    )
    .await;
    let d = app
        .ok("package_show", json!({"id": "dd"}), Some(&admin))
        .await;
    assert_eq!(d["contact_name"], "Lê Minh");
    assert_eq!(d["contact_email"], "minh@syt.gov.vn");
    // An own contact sticks whatever the focal point.
    let d = app
        .ok(
            "package_patch",
            json!({"id": "dd", "contact_email": "rieng@syt.gov.vn"}),
            Some(&admin),
        )
        .await;
    assert_eq!(d["contact_email"], "rieng@syt.gov.vn");
    assert_eq!(d["contact_name"], "Lê Minh");
    app.ok(
        "organization_patch",
        json!({"id": "so-y-te", "focal_point_email": "khac@syt.gov.vn", "focal_point_name": null}),
        Some(&admin),
    )
    .await;
    let d = app
        .ok("package_show", json!({"id": "dd"}), Some(&admin))
        .await;
    assert_eq!(d["contact_email"], "rieng@syt.gov.vn");
    // No focal point name any more: nothing to show.
    assert!(d.get("contact_name").is_none());
}

async fn scheming_schema_actions(backend: Backend) {
    let app = TestApp::new(backend).await;
    assert_eq!(
        app.get("/api/3/action/scheming_dataset_schema_list")
            .await
            .result(),
        &json!(["dataset", "service"])
    );
    let s = app
        .get("/api/3/action/scheming_dataset_schema_show?type=dataset")
        .await
        .result()
        .clone();
    assert_eq!(s["dataset_type"], "dataset");
    assert_eq!(s["scheming_version"], 2);
    let theme = s["dataset_fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["field_name"] == "theme")
        .unwrap()
        .clone();
    assert_eq!(theme["validators"], "scheming_multiple_choice");
    assert_eq!(theme["label"], json!({"en": "Theme", "vi": "Lĩnh vực"}));
    assert_eq!(
        theme["choices"][0]["uri"],
        "http://publications.europa.eu/resource/authority/data-theme/HEAL"
    );
    assert_eq!(s["resource_fields"][0]["field_name"], "url");
    let raw = app
        .get("/api/3/action/scheming_dataset_schema_show?type=dataset&expanded=false")
        .await
        .result()
        .clone();
    let raw_theme = raw["dataset_fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["field_name"] == "theme")
        .unwrap()
        .clone();
    assert!(raw_theme.get("validators").is_none());
    assert_eq!(raw_theme["preset"], "multiple_select");
    app.get("/api/3/action/scheming_dataset_schema_show?type=camel")
        .await
        .error(404);
    let r = app.get("/api/3/action/scheming_dataset_schema_show").await;
    assert_eq!(r.error(409)["type"], json!(["Missing value"]));
    assert_eq!(
        app.get("/api/3/action/scheming_organization_schema_list")
            .await
            .result(),
        &json!(["organization"])
    );
    let o = app
        .get("/api/3/action/scheming_organization_schema_show?type=organization")
        .await
        .result()
        .clone();
    let names: Vec<&str> = o["fields"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["field_name"].as_str())
        .collect();
    assert!(names.contains(&"agency_code") && names.contains(&"focal_point_email"));
}

both_backends!(
    round_trip_every_profile_field,
    validation_messages_in_en_and_vi,
    sharing_level_and_private,
    profile_off_is_plain_ckan,
    custom_schema_file_adds_a_field,
    organization_focal_point_and_agency_code,
    contact_defaults_to_the_focal_point,
    scheming_schema_actions,
);
