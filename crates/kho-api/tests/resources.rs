//! Resources over HTTP (docs/ckan-api.md §2.3, §3.2, §4.2, §5; transcripts 10, 12).

mod common;

use common::*;
use serde_json::{json, Value};

/// Transcript 12's keys (a resource without extras), in CKAN's order.
const RESOURCE_KEYS: &[&str] = &[
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

fn keys(v: &Value) -> Vec<String> {
    v.as_object().expect("object").keys().cloned().collect()
}

/// A sysadmin, an organization with `editor` and `member`, an outsider who belongs to
/// another organization, and a public dataset `cong-khai` with one resource. Returns
/// (admin, editor, member, outsider) tokens.
async fn setup(app: &TestApp) -> (String, String, String, String) {
    let admin = app.sysadmin().await;
    let (_, editor) = app.user("editor", false).await;
    let (_, member) = app.user("member", false).await;
    let (_, outsider) = app.user("outsider", false).await;
    app.ok(
        "organization_create",
        json!({
            "name": "so-giao-duc",
            "users": [{"name": "editor", "capacity": "editor"}, {"name": "member", "capacity": "member"}],
        }),
        Some(&admin),
    )
    .await;
    app.ok(
        "organization_create",
        json!({"name": "so-khac", "users": [{"name": "outsider", "capacity": "admin"}]}),
        Some(&admin),
    )
    .await;
    app.ok(
        "package_create",
        json!({
            "name": "cong-khai",
            "owner_org": "so-giao-duc",
            "resources": [{"name": "Trường học", "url": "http://example.org/truong.csv"}],
        }),
        Some(&editor),
    )
    .await;
    (admin, editor, member, outsider)
}

async fn show_pkg(app: &TestApp, tok: &str) -> Value {
    app.ok("package_show", json!({"id": "cong-khai"}), Some(tok))
        .await
}

async fn create_show_update_patch_delete(backend: Backend) {
    let app = TestApp::new(backend).await;
    let (_, editor, ..) = setup(&app).await;
    let before = show_pkg(&app, &editor).await;
    let r = app
        .ok(
            "resource_create",
            json!({"package_id": "cong-khai", "name": "Bảng", "url": "example.org/bang.csv",
                   "format": "csv", "description": "mô tả", "ghi_chu": "thêm"}),
            Some(&editor),
        )
        .await;
    let mut want: Vec<&str> = RESOURCE_KEYS.to_vec();
    want.insert(5, "ghi_chu");
    assert_eq!(keys(&r), want);
    assert_eq!(r["format"], "CSV");
    assert_eq!(r["url"], "http://example.org/bang.csv");
    assert_eq!(r["position"], 1);
    assert_eq!(r["state"], "active");
    assert_eq!(r["package_id"], before["id"]);
    assert_eq!(r["ghi_chu"], "thêm");
    let id = r["id"].as_str().unwrap().to_string();

    // resource_show is the item of package_show.
    let shown = app
        .get(&format!("/api/3/action/resource_show?id={id}"))
        .await;
    assert_eq!(shown.result(), &r);
    let pkg = show_pkg(&app, &editor).await;
    assert_eq!(pkg["resources"][1], r);
    assert_eq!(pkg["num_resources"], 2);
    assert!(pkg["metadata_modified"].as_str() > before["metadata_modified"].as_str());

    // Full replace: omitted fields are cleared, the position is kept, created too.
    let u = app
        .ok(
            "resource_update",
            json!({"id": id, "url": "http://example.org/bang.json", "name": "Bảng mới"}),
            Some(&editor),
        )
        .await;
    assert_eq!(keys(&u), RESOURCE_KEYS);
    assert_eq!(u["name"], "Bảng mới");
    assert_eq!(u["description"], Value::Null);
    assert_eq!(u["format"], "");
    assert_eq!(u["position"], 1);
    assert_eq!(u["created"], r["created"]);
    assert!(u["metadata_modified"].as_str() > r["metadata_modified"].as_str());
    let pkg2 = show_pkg(&app, &editor).await;
    assert_eq!(pkg2["resources"][1], u);
    assert!(pkg2["metadata_modified"].as_str() > pkg["metadata_modified"].as_str());

    // Patch: only the given keys change.
    let pt = app
        .ok(
            "resource_patch",
            json!({"id": id, "format": "json", "description": "d"}),
            Some(&editor),
        )
        .await;
    assert_eq!(pt["format"], "JSON");
    assert_eq!(pt["description"], "d");
    assert_eq!(pt["name"], "Bảng mới");
    assert_eq!(pt["url"], "http://example.org/bang.json");
    let pkg3 = show_pkg(&app, &editor).await;
    assert_eq!(pkg3["resources"][1], pt);
    assert!(pkg3["metadata_modified"].as_str() > pkg2["metadata_modified"].as_str());

    // Delete: gone from package_show and resource_show.
    let d = app
        .action("resource_delete", json!({"id": id}), Some(&editor))
        .await;
    assert_eq!(d.result(), &Value::Null);
    let pkg4 = show_pkg(&app, &editor).await;
    assert_eq!(pkg4["num_resources"], 1);
    assert_eq!(pkg4["resources"].as_array().unwrap().len(), 1);
    assert!(pkg4["metadata_modified"].as_str() > pkg3["metadata_modified"].as_str());
    let r = app
        .get(&format!("/api/3/action/resource_show?id={id}"))
        .await;
    assert_eq!(r.message(404), "Not found: Resource was not found.");
    let r = app
        .action("resource_update", json!({"id": id}), Some(&editor))
        .await;
    assert_eq!(r.message(404), "Not found: Resource was not found.");

    // Each write is a "changed package" activity with the new dataset and a change-log
    // row, in the same transaction.
    let did = pkg4["id"].as_str().unwrap();
    let mut tx = app.catalog.store().read().await.unwrap();
    let acts = tx.activity_list(did, 0, 100).await.unwrap();
    assert_eq!(acts.len(), 5, "{acts:?}");
    assert_eq!(acts[0].activity_type, "changed package");
    let data: Value = serde_json::from_str(&acts[0].data).unwrap();
    assert_eq!(data["package"], pkg4);
    let changes = tx.changes_since(0, 100).await.unwrap();
    let updates = changes
        .iter()
        .filter(|c| c.entity_type == "package" && c.entity_id == did && c.op == "update")
        .count();
    assert_eq!(updates, 4);
}

async fn format_guessed_and_urls(backend: Backend) {
    let app = TestApp::new(backend).await;
    let (_, editor, ..) = setup(&app).await;
    let r = app
        .ok(
            "resource_create",
            json!({"package_id": "cong-khai", "url": "http://example.org/data/bang.xlsx"}),
            Some(&editor),
        )
        .await;
    assert_eq!(r["format"], "XLSX");
    assert_eq!(r["name"], Value::Null);
    // No url: "" (not guessed, not prefixed).
    let r = app
        .ok(
            "resource_create",
            json!({"package_id": "cong-khai", "name": "trống"}),
            Some(&editor),
        )
        .await;
    assert_eq!(r["url"], "");
    assert_eq!(r["format"], "");
    assert_eq!(r["position"], 2);
}

async fn errors(backend: Backend) {
    let app = TestApp::new(backend).await;
    let (_, editor, ..) = setup(&app).await;
    let before = show_pkg(&app, &editor).await;
    let r = app
        .action("resource_create", json!({"url": "x"}), Some(&editor))
        .await;
    assert_eq!(r.error(409)["package_id"], json!(["Missing value"]));
    let r = app
        .action(
            "resource_create",
            json!({"package_id": "khong-co"}),
            Some(&editor),
        )
        .await;
    assert_eq!(r.message(404), "Not found");
    // The resource's own errors, as CKAN re-raises them.
    let r = app
        .action(
            "resource_create",
            json!({"package_id": "cong-khai", "size": "lớn", "created": "hôm qua"}),
            Some(&editor),
        )
        .await;
    let e = r.error(409);
    assert_eq!(e["__type"], "Validation Error");
    assert!(e["size"].is_array(), "{e}");
    assert!(e["created"].is_array(), "{e}");
    assert!(e.get("resources").is_none(), "{e}");
    // An id in use (here by the dataset's own resource) is refused.
    let used = before["resources"][0]["id"].clone();
    let r = app
        .action(
            "resource_create",
            json!({"package_id": "cong-khai", "id": used}),
            Some(&editor),
        )
        .await;
    assert_eq!(r.error(409)["id"], json!(["Resource id already exists."]));
    let rid = before["resources"][0]["id"].as_str().unwrap();
    let r = app
        .action(
            "resource_update",
            json!({"id": rid, "size": "x"}),
            Some(&editor),
        )
        .await;
    assert!(r.error(409)["size"].is_array());
    let r = app
        .action(
            "resource_patch",
            json!({"id": rid, "last_modified": "x"}),
            Some(&editor),
        )
        .await;
    assert!(r.error(409)["last_modified"].is_array());
    for a in [
        "resource_show",
        "resource_update",
        "resource_patch",
        "resource_delete",
    ] {
        let r = app.action(a, json!({}), Some(&editor)).await;
        assert_eq!(r.error(409)["id"], json!(["Missing value"]), "{a}");
    }
    let r = app.get("/api/3/action/resource_show?id=khong-co").await;
    assert_eq!(r.message(404), "Not found");
    let r = app
        .action("resource_patch", json!({"id": "khong-co"}), Some(&editor))
        .await;
    assert_eq!(r.message(404), "Not found: Resource was not found.");
    // Failed writes left nothing changed.
    assert_eq!(show_pkg(&app, &editor).await, before);
    // A string `upload` is no file: CKAN's uploader ignores it (files come as multipart,
    // tests/uploads.rs), and it never becomes an extra.
    let r = app
        .ok(
            "resource_create",
            json!({"package_id": "cong-khai", "upload": "truong-hoc.csv", "url": "http://x.vn/a.csv"}),
            Some(&editor),
        )
        .await;
    assert_eq!(r["url_type"], Value::Null);
    assert!(r.get("upload").is_none());
    app.ok("resource_delete", json!({"id": r["id"]}), Some(&editor))
        .await;
}

async fn permissions(backend: Backend) {
    let app = TestApp::new(backend).await;
    let (admin, editor, member, outsider) = setup(&app).await;
    let ds = app
        .ok(
            "package_create",
            json!({"name": "rieng-tu", "owner_org": "so-giao-duc", "private": true,
                   "resources": [{"url": "http://example.org/a.csv"}]}),
            Some(&editor),
        )
        .await;
    let rid = ds["resources"][0]["id"].as_str().unwrap().to_string();
    let did = ds["id"].as_str().unwrap().to_string();
    let path = format!("/api/3/action/resource_show?id={rid}");
    for tok in [&admin, &editor, &member] {
        assert_eq!(app.get_as(&path, tok).await.result(), &ds["resources"][0]);
    }
    assert_eq!(
        app.get(&path).await.message(403),
        format!("Access denied: User  not authorized to read resource {rid}")
    );
    assert_eq!(
        app.get_as(&path, &outsider).await.message(403),
        format!("Access denied: User outsider not authorized to read resource {rid}")
    );
    let r = app
        .action("resource_view_list", json!({"id": rid}), Some(&outsider))
        .await;
    assert_eq!(
        r.message(403),
        format!("Access denied: User outsider not authorized to read resource {rid}")
    );
    let r = app
        .action("resource_view_list", json!({"id": rid}), Some(&member))
        .await;
    assert_eq!(r.result(), &json!([]));
    let r = app
        .action(
            "package_resource_reorder",
            json!({"id": "rieng-tu", "order": [rid]}),
            Some(&member),
        )
        .await;
    assert_eq!(
        r.message(403),
        format!("Access denied: User member not authorized to edit package {did}")
    );
    let r = app
        .action(
            "package_resource_reorder",
            json!({"id": "rieng-tu", "order": [rid]}),
            Some(&outsider),
        )
        .await;
    // The name asked for, not the hidden dataset's id (COMPATIBILITY.md).
    assert_eq!(
        r.message(403),
        "Access denied: User outsider not authorized to read package rieng-tu"
    );

    // Writes: the member and the outsider may not; the editor may.
    let r = app
        .action(
            "resource_create",
            json!({"package_id": "rieng-tu", "url": "u"}),
            Some(&member),
        )
        .await;
    assert_eq!(
        r.message(403),
        "Access denied: User member not authorized to create resources on dataset rieng-tu"
    );
    let r = app
        .action(
            "resource_create",
            json!({"package_id": "rieng-tu", "url": "u"}),
            Some(&outsider),
        )
        .await;
    assert_eq!(
        r.message(403),
        "Access denied: User outsider not authorized to read package rieng-tu"
    );
    let r = app
        .action(
            "resource_patch",
            json!({"id": rid, "name": "n"}),
            Some(&member),
        )
        .await;
    assert_eq!(
        r.message(403),
        format!("Access denied: User member not authorized to edit resource {rid}")
    );
    let r = app
        .action("resource_update", json!({"id": rid}), Some(&outsider))
        .await;
    assert_eq!(
        r.message(403),
        format!("Access denied: User outsider not authorized to edit resource {rid}")
    );
    let r = app
        .action("resource_delete", json!({"id": rid}), None)
        .await;
    assert_eq!(
        r.message(403),
        format!("Access denied: User  not authorized to delete resource {rid}")
    );
    let r = app
        .action("resource_delete", json!({"id": rid}), Some(&member))
        .await;
    assert_eq!(
        r.message(403),
        format!("Access denied: User member not authorized to delete resource {rid}")
    );
    // Nothing changed.
    let after = app
        .ok("package_show", json!({"id": "rieng-tu"}), Some(&admin))
        .await;
    assert_eq!(after, ds);
    let p = app
        .ok(
            "resource_patch",
            json!({"id": rid, "name": "n"}),
            Some(&editor),
        )
        .await;
    assert_eq!(p["name"], "n");
    app.ok(
        "resource_create",
        json!({"package_id": "rieng-tu", "url": "u"}),
        Some(&editor),
    )
    .await;
    app.ok("resource_delete", json!({"id": rid}), Some(&editor))
        .await;
    let after = app
        .ok("package_show", json!({"id": "rieng-tu"}), Some(&admin))
        .await;
    assert_eq!(after["num_resources"], 1);
    assert_eq!(after["resources"][0]["url"], "http://u");
    assert_eq!(after["resources"][0]["position"], 0);
}

async fn reorder_and_views(backend: Backend) {
    let app = TestApp::new(backend).await;
    let (_, editor, ..) = setup(&app).await;
    for n in ["b", "c"] {
        app.ok(
            "resource_create",
            json!({"package_id": "cong-khai", "name": n, "url": format!("http://example.org/{n}")}),
            Some(&editor),
        )
        .await;
    }
    let before = show_pkg(&app, &editor).await;
    let ids: Vec<String> = before["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect();
    // Errors, and nothing changes.
    for (order, msg) in [
        (json!("x"), "Must be a list of resource"),
        (json!([ids[0], ids[0]]), "Must supply unique resource_ids"),
        (json!(["khong-co"]), "resource_id khong-co can not be found"),
    ] {
        let r = app
            .action(
                "package_resource_reorder",
                json!({"id": "cong-khai", "order": order}),
                Some(&editor),
            )
            .await;
        assert_eq!(r.error(409)["order"], json!([msg]));
    }
    let r = app
        .action(
            "package_resource_reorder",
            json!({"id": "cong-khai"}),
            Some(&editor),
        )
        .await;
    assert_eq!(r.error(409)["order"], json!(["Missing value"]));
    let r = app
        .action(
            "package_resource_reorder",
            json!({"id": "khong-co", "order": []}),
            Some(&editor),
        )
        .await;
    assert_eq!(r.message(404), "Not found");
    let r = app
        .action(
            "package_resource_reorder",
            json!({"id": "cong-khai", "order": [ids[0]]}),
            None,
        )
        .await;
    assert_eq!(r.status.as_u16(), 403);
    assert_eq!(show_pkg(&app, &editor).await, before);

    // A partial order puts those first; the others keep their order.
    let r = app
        .ok(
            "package_resource_reorder",
            json!({"id": "cong-khai", "order": [ids[2]]}),
            Some(&editor),
        )
        .await;
    assert_eq!(
        r,
        json!({"id": "cong-khai", "order": [ids[2], ids[0], ids[1]]})
    );
    let after = show_pkg(&app, &editor).await;
    let got: Vec<(&str, i64)> = after["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["id"].as_str().unwrap(), r["position"].as_i64().unwrap()))
        .collect();
    assert_eq!(
        got,
        vec![
            (ids[2].as_str(), 0),
            (ids[0].as_str(), 1),
            (ids[1].as_str(), 2)
        ]
    );
    assert!(after["metadata_modified"].as_str() > before["metadata_modified"].as_str());
    // Updates keep the new positions.
    let u = app
        .ok(
            "resource_patch",
            json!({"id": ids[0], "name": "a2"}),
            Some(&editor),
        )
        .await;
    assert_eq!(u["position"], 1);
    assert_eq!(show_pkg(&app, &editor).await["resources"][1], u);

    // resource_view_list: [] for a visible resource, 404 for an unknown one.
    let r = app
        .get(&format!("/api/3/action/resource_view_list?id={}", ids[0]))
        .await;
    assert_eq!(r.result(), &json!([]));
    let r = app
        .get("/api/3/action/resource_view_list?id=khong-co")
        .await;
    assert_eq!(r.message(404), "Not found");
    let r = app.get("/api/3/action/resource_view_list").await;
    assert_eq!(r.error(409)["id"], json!(["Missing value"]));
}

both_backends!(
    reorder_and_views,
    create_show_update_patch_delete,
    format_guessed_and_urls,
    errors,
    permissions,
);
