//! Tags, licenses and autocompletion over HTTP (docs/ckan-api.md §2.5, §2.7, §3.2;
//! transcript 21). Every read path is checked against a private dataset: its tags, name and
//! formats never reach anonymous callers or members of another organization.

mod common;

use common::*;
use serde_json::{json, Value};

/// Tokens of the callers: a sysadmin, a member of the owning organization and a member of
/// another organization.
struct Callers {
    admin: String,
    member: String,
    outsider: String,
}

/// Transcript 03's public dataset, a second public dataset and a private one, all owned by
/// `so-giao-duc-tay-ninh`.
async fn setup(app: &TestApp) -> Callers {
    let admin = app.sysadmin().await;
    let (_, member) = app.user("member", false).await;
    let (_, outsider) = app.user("outsider", false).await;
    app.ok(
        "organization_create",
        json!({
            "name": "so-giao-duc-tay-ninh",
            "title": "Sở Giáo dục và Đào tạo tỉnh Tây Ninh",
            "users": [{"name": "member", "capacity": "member"}],
        }),
        Some(&admin),
    )
    .await;
    app.ok(
        "organization_create",
        json!({"name": "org-khac", "users": [{"name": "outsider", "capacity": "editor"}]}),
        Some(&admin),
    )
    .await;
    app.ok(
        "package_create",
        json!({
            "name": "danh-sach-truong-hoc-tay-ninh-2023",
            "title": "Danh sách trường học tỉnh Tây Ninh năm 2023",
            "owner_org": "so-giao-duc-tay-ninh",
            "tags": [{"name": "giáo dục"}, {"name": "trường học"}, {"name": "Tay Ninh"}],
            "resources": [
                {"url": "http://example.org/truong.csv", "format": "CSV"},
                {"url": "http://example.org/truong.json", "format": "JSON"}
            ]
        }),
        Some(&admin),
    )
    .await;
    app.ok(
        "package_create",
        json!({
            "name": "diem-thi-2024",
            "owner_org": "so-giao-duc-tay-ninh",
            "tags": [{"name": "giáo dục"}],
            "resources": [{"url": "http://example.org/diem.csv", "format": "csv"}]
        }),
        Some(&admin),
    )
    .await;
    app.ok(
        "package_create",
        json!({
            "name": "du-lieu-bi-mat",
            "title": "Dữ liệu bí mật Đà Nẵng",
            "owner_org": "so-giao-duc-tay-ninh",
            "private": true,
            "tags": [{"name": "bí mật"}, {"name": "giáo dục"}],
            "resources": [{"url": "http://example.org/ban-do.geojson", "format": "GeoJSON"}]
        }),
        Some(&admin),
    )
    .await;
    Callers {
        admin,
        member,
        outsider,
    }
}

/// `action` called by every kind of caller (anonymous, owner-org member, other-org member,
/// sysadmin); the results.
async fn as_everyone(app: &TestApp, c: &Callers, action: &str, body: Value) -> Vec<Value> {
    let mut out = vec![app.ok(action, body.clone(), None).await];
    for token in [&c.member, &c.outsider, &c.admin] {
        out.push(app.ok(action, body.clone(), Some(token)).await);
    }
    out
}

async fn tag_list_matches_transcript_21(backend: Backend) {
    let app = TestApp::new(backend).await;
    let c = setup(&app).await;
    let expected = transcript("21-tag_list");
    let r = app.get("/api/3/action/tag_list").await;
    assert_eq!(r.json, expected, "{}", r.text);
    // Tags of the private dataset reach nobody, not even its organization's members.
    for result in as_everyone(&app, &c, "tag_list", json!({})).await {
        assert_eq!(result, expected["result"]);
    }
    for result in as_everyone(&app, &c, "tag_list", json!({"query": "mật"})).await {
        assert_eq!(result, json!([]));
    }
    let r = app.ok("tag_list", json!({"q": "TAY"}), None).await;
    assert_eq!(r, json!(["Tay Ninh"]));
    let r = app
        .ok(
            "tag_list",
            json!({"query": "học", "all_fields": true}),
            None,
        )
        .await;
    let list = r.as_array().expect("list");
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["name"], "trường học");
    assert_eq!(list[0]["display_name"], "trường học");
    assert_eq!(list[0]["vocabulary_id"], Value::Null);
    assert!(list[0]["id"].is_string());
    assert_eq!(list[0].as_object().expect("dict").len(), 4);
    let r = app
        .ok("tag_list", json!({"vocabulary_id": "khac"}), None)
        .await;
    assert_eq!(r, json!([]));
}

async fn tag_show_hides_private_datasets(backend: Backend) {
    let app = TestApp::new(backend).await;
    let c = setup(&app).await;
    let r = app
        .get("/api/3/action/tag_show?id=gi%C3%A1o%20d%E1%BB%A5c")
        .await;
    let tag = r.result();
    assert_eq!(tag["name"], "giáo dục");
    assert!(tag.get("packages").is_none());
    let by_id = app.ok("tag_show", json!({"id": tag["id"]}), None).await;
    assert_eq!(&by_id, tag);
    for result in as_everyone(
        &app,
        &c,
        "tag_show",
        json!({"id": "giáo dục", "include_datasets": true}),
    )
    .await
    {
        let names: Vec<&str> = result["packages"]
            .as_array()
            .expect("packages")
            .iter()
            .map(|p| p["name"].as_str().expect("name"))
            .collect();
        assert_eq!(
            names,
            ["danh-sach-truong-hoc-tay-ninh-2023", "diem-thi-2024"]
        );
        assert_eq!(result["packages"][0]["num_resources"], 2);
    }
    for token in [None, Some(&c.member), Some(&c.outsider), Some(&c.admin)] {
        let r = app
            .action(
                "tag_show",
                json!({"id": "bí mật"}),
                token.map(String::as_str),
            )
            .await;
        assert_eq!(r.message(404), "Not found");
    }
    app.action("tag_show", json!({"id": "khong-co"}), None)
        .await
        .error(404);
    let r = app.action("tag_show", json!({}), None).await;
    assert_eq!(r.error(409)["id"], json!(["Missing value"]));
}

async fn package_autocomplete_follows_read_permission(backend: Backend) {
    let app = TestApp::new(backend).await;
    let c = setup(&app).await;
    // The private dataset: by title, diacritic-insensitive, only for those who may read it.
    let q = json!({"q": "da nang"});
    assert_eq!(
        app.ok("package_autocomplete", q.clone(), None).await,
        json!([])
    );
    assert_eq!(
        app.ok("package_autocomplete", q.clone(), Some(&c.outsider))
            .await,
        json!([])
    );
    let hit = json!([{
        "name": "du-lieu-bi-mat",
        "title": "Dữ liệu bí mật Đà Nẵng",
        "match_field": "title",
        "match_displayed": "Dữ liệu bí mật Đà Nẵng (du-lieu-bi-mat)",
    }]);
    assert_eq!(
        app.ok("package_autocomplete", q.clone(), Some(&c.member))
            .await,
        hit
    );
    assert_eq!(app.ok("package_autocomplete", q, Some(&c.admin)).await, hit);
    let r = app
        .ok(
            "package_autocomplete",
            json!({"q": "bi-mat"}),
            Some(&c.member),
        )
        .await;
    assert_eq!(r[0]["match_field"], "name");
    assert_eq!(r[0]["match_displayed"], "du-lieu-bi-mat");
    assert_eq!(
        app.ok("package_autocomplete", json!({"q": "bi-mat"}), None)
            .await,
        json!([])
    );

    // Public datasets: names match before titles; titles fall back to the name.
    let r = app
        .get("/api/3/action/package_autocomplete?q=TR%C6%AF%E1%BB%9CNG")
        .await;
    assert_eq!(
        r.result(),
        &json!([{
            "name": "danh-sach-truong-hoc-tay-ninh-2023",
            "title": "Danh sách trường học tỉnh Tây Ninh năm 2023",
            "match_field": "title",
            "match_displayed": "Danh sách trường học tỉnh Tây Ninh năm 2023 (danh-sach-truong-hoc-tay-ninh-2023)",
        }])
    );
    let r = app
        .ok("package_autocomplete", json!({"q": "2"}), Some(&c.member))
        .await;
    let names: Vec<&str> = r
        .as_array()
        .expect("list")
        .iter()
        .map(|p| p["name"].as_str().expect("name"))
        .collect();
    assert_eq!(
        names,
        ["danh-sach-truong-hoc-tay-ninh-2023", "diem-thi-2024"]
    );
    let r = app
        .ok(
            "package_autocomplete",
            json!({"q": "i", "limit": 1}),
            Some(&c.member),
        )
        .await;
    assert_eq!(r.as_array().expect("list").len(), 1);
    let r = app
        .ok("package_autocomplete", json!({"q": "thi"}), None)
        .await;
    assert_eq!(r[0]["title"], "diem-thi-2024");
    let r = app.action("package_autocomplete", json!({}), None).await;
    assert_eq!(r.error(409)["q"], json!(["Missing value"]));
}

async fn format_autocomplete_counts_public_formats(backend: Backend) {
    let app = TestApp::new(backend).await;
    let c = setup(&app).await;
    // csv twice (CSV and csv merge), json once; the private dataset's GeoJSON nowhere.
    for result in as_everyone(&app, &c, "format_autocomplete", json!({"q": ""})).await {
        assert_eq!(result, json!(["csv", "json"]));
    }
    for result in as_everyone(&app, &c, "format_autocomplete", json!({"q": "geo"})).await {
        assert_eq!(result, json!([]));
    }
    let r = app.get("/api/3/action/format_autocomplete?q=JS").await;
    assert_eq!(r.result(), &json!(["json"]));
    let r = app
        .ok("format_autocomplete", json!({"q": "", "limit": 1}), None)
        .await;
    assert_eq!(r, json!(["csv"]));
    let r = app.action("format_autocomplete", json!({}), None).await;
    assert_eq!(r.error(409)["q"], json!(["Missing value"]));
}

async fn license_list_is_the_register(backend: Backend) {
    let app = TestApp::new(backend).await;
    let r = app.get("/api/3/action/license_list").await;
    let list = r.result().as_array().expect("list");
    let ids: Vec<&str> = list.iter().map(|l| l["id"].as_str().expect("id")).collect();
    assert_eq!(
        ids,
        [
            "notspecified",
            "odc-pddl",
            "odc-odbl",
            "odc-by",
            "cc-zero",
            "cc-by",
            "cc-by-sa",
            "gfdl",
            "other-open",
            "other-pd",
            "other-at",
            "uk-ogl",
            "cc-nc",
            "other-nc",
            "other-closed"
        ]
    );
    let cc_by = &list[5];
    assert_eq!(cc_by["title"], "Creative Commons Attribution");
    assert_eq!(cc_by["domain_content"], "False");
    assert_eq!(cc_by["od_conformance"], "approved");
}

both_backends!(
    tag_list_matches_transcript_21,
    tag_show_hides_private_datasets,
    package_autocomplete_follows_read_permission,
    format_autocomplete_counts_public_formats,
    license_list_is_the_register,
);
