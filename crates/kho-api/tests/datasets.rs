//! Datasets over HTTP (docs/ckan-api.md §2.1, §2.2, §3.2, §4.1, §5, §7; transcripts 03-06,
//! 13, 14, 22-25, 27-30, 32, x05, x10, x12).

mod common;

use common::*;
use serde_json::{json, Value};

/// Transcript 03's request body.
fn keys(v: &Value) -> Vec<String> {
    v.as_object().expect("object").keys().cloned().collect()
}

/// A sysadmin `admin`, the organization of transcript 02 (with `editor` as editor and
/// `member` as member) and an outsider; returns the tokens (admin, editor, member, outsider).
async fn setup(app: &TestApp) -> (String, String, String, String) {
    let admin = app.sysadmin().await;
    let (_, editor) = app.user("editor", false).await;
    let (_, member) = app.user("member", false).await;
    let (_, outsider) = app.user("outsider", false).await;
    app.ok(
        "organization_create",
        json!({
            "name": "so-giao-duc-tay-ninh",
            "title": "Sở Giáo dục và Đào tạo tỉnh Tây Ninh",
            "description": "Cơ quan quản lý giáo dục cấp tỉnh",
            "users": [{"name": "editor", "capacity": "editor"}, {"name": "member", "capacity": "member"}],
        }),
        Some(&admin),
    )
    .await;
    (admin, editor, member, outsider)
}

async fn create_and_show_match_transcripts_03_04(backend: Backend) {
    let app = TestApp::new(backend).await;
    let (admin, ..) = setup(&app).await;
    let r = app.action("package_create", body_03(), Some(&admin)).await;
    let created = r.result().clone();
    let ckan = transcript("03-package_create");
    assert_same_shape(&ckan, &without_profile(&r.json), "03");
    assert_eq!(
        keys(&without_profile(&created)),
        keys(&ckan["result"]),
        "key order"
    );
    assert_eq!(
        keys(&created["resources"][0]),
        keys(&ckan["result"]["resources"][0])
    );
    assert_eq!(
        keys(&created["organization"]),
        keys(&ckan["result"]["organization"])
    );
    for k in [
        "name",
        "title",
        "notes",
        "author",
        "author_email",
        "license_id",
        "license_title",
        "license_url",
        "isopen",
        "num_resources",
        "num_tags",
        "private",
        "state",
        "type",
        "url",
        "version",
        "maintainer",
    ] {
        assert_eq!(created[k], ckan["result"][k], "{k}");
    }
    let tag_names: Vec<&str> = created["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(tag_names, ["Tay Ninh", "giáo dục", "trường học"]);
    assert_eq!(created["organization"]["name"], "so-giao-duc-tay-ninh");
    assert_eq!(created["owner_org"], created["organization"]["id"]);
    assert_eq!(created["resources"][1]["position"], 1);
    assert_eq!(created["resources"][0]["package_id"], created["id"]);
    let admin_id = app
        .ok("user_show", json!({"id": "admin"}), Some(&admin))
        .await["id"]
        .clone();
    assert_eq!(created["creator_user_id"], admin_id);
    let ts = created["metadata_created"].as_str().unwrap();
    assert!(!ts.ends_with('Z') && ts.contains('T'), "{ts}");

    // 04: package_show by name, 05: by id (anonymous) give the same dict.
    let shown = app
        .get_as(
            "/api/3/action/package_show?id=danh-sach-truong-hoc-tay-ninh-2023",
            &admin,
        )
        .await;
    assert_same_shape(
        &transcript("04-package_show"),
        &without_profile(&shown.json),
        "04",
    );
    assert_eq!(shown.result(), &created);
    let by_id = app
        .get(&format!(
            "/api/3/action/package_show?id={}",
            created["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(by_id.result(), &created);
    // x06: POST works too; `name` is accepted in place of `id`.
    let r = app
        .action(
            "package_show",
            json!({"name": "danh-sach-truong-hoc-tay-ninh-2023"}),
            None,
        )
        .await;
    assert_eq!(r.result(), &created);
    // 06: package_list.
    let r = app.get("/api/3/action/package_list").await;
    assert_eq!(r.result(), &json!(["danh-sach-truong-hoc-tay-ninh-2023"]));
}

async fn show_errors_match_transcripts(backend: Backend) {
    let app = TestApp::new(backend).await;
    let (admin, ..) = setup(&app).await;
    app.ok("package_create", body_03(), Some(&admin)).await;
    // 22: unknown → 404.
    let r = app
        .get("/api/3/action/package_show?id=no-such-dataset")
        .await;
    r.error(404);
    assert_eq!(r.json, transcript("22-package_show-404"));
    // x12: names are case-sensitive.
    let r = app
        .get("/api/3/action/package_show?id=DANH-SACH-TRUONG-HOC-TAY-NINH-2023")
        .await;
    assert_eq!(r.json, transcript("x12-package_show-by-name-case"));
    // x01: no id → name_or_id.
    let r = app.get("/api/3/action/package_show").await;
    assert_eq!(r.json, transcript("x01-package_show-missing-id"));
}

async fn create_errors_match_transcripts(backend: Backend) {
    let app = TestApp::new(backend).await;
    let (admin, editor, member, outsider) = setup(&app).await;
    app.ok("package_create", body_03(), Some(&admin)).await;
    // 23: duplicate name.
    let r = app
        .action(
            "package_create",
            json!({"name": "danh-sach-truong-hoc-tay-ninh-2023", "owner_org": "so-giao-duc-tay-ninh"}),
            Some(&editor),
        )
        .await;
    assert_eq!(r.json, transcript("23-package_create-409-duplicate"));
    // 24: invalid name.
    let r = app
        .action(
            "package_create",
            json!({"name": "Bad Name!", "owner_org": "so-giao-duc-tay-ninh"}),
            Some(&admin),
        )
        .await;
    assert_eq!(r.json, transcript("24-package_create-409-invalid"));
    // 25: anonymous.
    let r = app
        .action("package_create", json!({"name": "anon-ds"}), None)
        .await;
    assert_eq!(r.json, transcript("25-package_create-403-anon"));
    // x16: a bad token is anonymous.
    let r = app
        .action(
            "package_create",
            json!({"name": "x-bad-token", "owner_org": "so-giao-duc-tay-ninh"}),
            Some("not-a-valid-token"),
        )
        .await;
    assert_eq!(r.json, transcript("25-package_create-403-anon"));
    // x10: no organization.
    let r = app
        .action(
            "package_create",
            json!({"name": "no-org-ds", "title": "x"}),
            Some(&admin),
        )
        .await;
    assert_eq!(r.json, transcript("x10-package_create-no-org"));
    // Unknown organization, with the schema's errors.
    let r = app
        .action(
            "package_create",
            json!({"name": "x", "owner_org": "no-such-org"}),
            Some(&admin),
        )
        .await;
    let err = r.error(409);
    assert_eq!(err["owner_org"], json!(["Organization does not exist"]));
    assert_eq!(err["name"].as_array().map(Vec::len), Some(1));
    // A member (no create_dataset anywhere) and an outsider may not create.
    for tok in [&member, &outsider] {
        let r = app
            .action(
                "package_create",
                json!({"name": "ds-x", "owner_org": "so-giao-duc-tay-ninh"}),
                Some(tok),
            )
            .await;
        assert!(
            r.message(403)
                .ends_with("not authorized to create packages"),
            "{}",
            r.text
        );
    }
    // An editor elsewhere may not add to this organization.
    app.ok(
        "organization_create",
        json!({"name": "org-b"}),
        Some(&outsider),
    )
    .await;
    let r = app
        .action(
            "package_create",
            json!({"name": "ds-x", "owner_org": "so-giao-duc-tay-ninh"}),
            Some(&outsider),
        )
        .await;
    assert_eq!(
        r.message(403),
        "Access denied: User outsider not authorized to add dataset to this organization"
    );
    // Non-sysadmins may not choose the id; sysadmins may, once.
    let id = "9c1b6a4e-2f49-4d6b-9a53-2a0d8f6f2a11";
    let r = app
        .action(
            "package_create",
            json!({"name": "ds-id", "id": id, "owner_org": "so-giao-duc-tay-ninh"}),
            Some(&editor),
        )
        .await;
    assert_eq!(
        r.error(409)["id"],
        json!(["The input field id was not expected."])
    );
    let r = app
        .ok(
            "package_create",
            json!({"name": "ds-id", "id": id, "owner_org": "so-giao-duc-tay-ninh"}),
            Some(&admin),
        )
        .await;
    assert_eq!(r["id"], id);
    let r = app
        .action(
            "package_create",
            json!({"name": "ds-id2", "id": id, "owner_org": "so-giao-duc-tay-ninh"}),
            Some(&admin),
        )
        .await;
    assert_eq!(r.error(409)["id"], json!(["Dataset id already exists"]));
}

async fn private_datasets_are_visible_to_members_only(backend: Backend) {
    let app = TestApp::new(backend).await;
    let (admin, editor, member, outsider) = setup(&app).await;
    let ds = app
        .ok(
            "package_create",
            json!({"name": "rieng-tu", "owner_org": "so-giao-duc-tay-ninh", "private": true}),
            Some(&editor),
        )
        .await;
    assert_eq!(ds["private"], true);
    let id = ds["id"].as_str().unwrap();
    let path = "/api/3/action/package_show?id=rieng-tu";
    for tok in [&admin, &editor, &member] {
        assert_eq!(app.get_as(path, tok).await.result(), &ds);
    }
    let r = app.get(path).await;
    assert_eq!(
        r.message(403),
        "Access denied: User  not authorized to read package rieng-tu",
        "the name asked for, not the hidden dataset's id"
    );
    let r = app.get_as(path, &outsider).await;
    assert_eq!(
        r.message(403),
        "Access denied: User outsider not authorized to read package rieng-tu"
    );
    // Asked by id, the id (as CKAN).
    let r = app
        .get_as(&format!("/api/3/action/package_show?id={id}"), &outsider)
        .await;
    assert_eq!(
        r.message(403),
        format!("Access denied: User outsider not authorized to read package {id}")
    );
    // `private: "on"` is false (boolean_validator); public datasets are listed.
    let r = app
        .ok(
            "package_create",
            json!({"name": "cong-khai", "owner_org": "so-giao-duc-tay-ninh", "private": "on"}),
            Some(&editor),
        )
        .await;
    assert_eq!(r["private"], false);
    assert_eq!(
        app.get("/api/3/action/package_list").await.result(),
        &json!(["cong-khai"])
    );
}

async fn groups_need_manage_group(backend: Backend) {
    let app = TestApp::new(backend).await;
    let (admin, editor, ..) = setup(&app).await;
    app.ok(
        "group_create",
        json!({"name": "giao-duc", "title": "Giáo dục", "users": [{"name": "editor", "capacity": "member"}]}),
        Some(&admin),
    )
    .await;
    app.group("khac", &admin).await;
    let r = app
        .action(
            "package_create",
            json!({"name": "ds-g", "owner_org": "so-giao-duc-tay-ninh", "groups": [{"name": "khac"}]}),
            Some(&editor),
        )
        .await;
    assert_eq!(
        r.message(403),
        "Access denied: User editor not authorized to edit these groups"
    );
    let r = app
        .action(
            "package_create",
            json!({"name": "ds-g", "owner_org": "so-giao-duc-tay-ninh", "groups": [{"name": "nope"}]}),
            Some(&editor),
        )
        .await;
    assert_eq!(r.message(404), "Not found: Group was not found.");
    let ds = app
        .ok(
            "package_create",
            json!({"name": "ds-g", "owner_org": "so-giao-duc-tay-ninh", "groups": [{"name": "giao-duc"}]}),
            Some(&editor),
        )
        .await;
    let g = &ds["groups"][0];
    assert_eq!(
        keys(g),
        ["display_name", "id", "image_display_url", "name", "title"]
    );
    assert_eq!(g["display_name"], "Giáo dục");
    let r = app
        .get("/api/3/action/group_show?id=giao-duc&include_datasets=true")
        .await;
    assert_eq!(r.result()["package_count"], 1);
    assert_eq!(r.result()["packages"][0]["name"], "ds-g");
    // member_create adds a dataset to a group.
    let r = app
        .action(
            "member_create",
            json!({"id": "khac", "object": "ds-g", "object_type": "package", "capacity": "public"}),
            Some(&admin),
        )
        .await;
    r.result();
    let ds = app.get("/api/3/action/package_show?id=ds-g").await;
    assert_eq!(ds.result()["groups"].as_array().unwrap().len(), 2);
    let r = app.get("/api/3/action/group_show?id=khac").await;
    assert_eq!(r.result()["package_count"], 1);
    let r = app
        .action(
            "member_create",
            json!({"id": "khac", "object": "nope", "object_type": "package", "capacity": "public"}),
            Some(&admin),
        )
        .await;
    assert_eq!(r.message(404), "Not found: Package was not found.");
}

async fn organization_counts_follow_visibility(backend: Backend) {
    let app = TestApp::new(backend).await;
    let (admin, editor, member, outsider) = setup(&app).await;
    app.ok(
        "package_create",
        json!({"name": "cong-khai", "owner_org": "so-giao-duc-tay-ninh"}),
        Some(&editor),
    )
    .await;
    app.ok(
        "package_create",
        json!({"name": "rieng-tu", "owner_org": "so-giao-duc-tay-ninh", "private": true}),
        Some(&editor),
    )
    .await;
    let path = "/api/3/action/organization_show?id=so-giao-duc-tay-ninh&include_datasets=true";
    let count = |r: &Resp| r.result()["package_count"].clone();
    assert_eq!(count(&app.get(path).await), 1);
    assert_eq!(count(&app.get_as(path, &outsider).await), 1);
    for tok in [&admin, &editor, &member] {
        let r = app.get_as(path, tok).await;
        assert_eq!(count(&r), 2);
        assert_eq!(r.result()["packages"].as_array().unwrap().len(), 2);
        // Newest first.
        assert_eq!(r.result()["packages"][0]["name"], "rieng-tu");
    }
    let r = app.get(path).await;
    let pk = &r.result()["packages"];
    assert_eq!(pk.as_array().unwrap().len(), 1);
    assert_eq!(pk[0]["name"], "cong-khai");
    assert_same_shape(
        &transcript("04-package_show")["result"]["organization"],
        &pk[0]["organization"],
        "packages[0].organization",
    );
    // organization_list with counts, and the delete refusal.
    let r = app
        .get("/api/3/action/organization_list?all_fields=true")
        .await;
    assert_eq!(r.result()[0]["package_count"], 1);
    let r = app
        .action(
            "organization_delete",
            json!({"id": "so-giao-duc-tay-ninh"}),
            Some(&admin),
        )
        .await;
    assert_eq!(
        r.error(409)["message"],
        "Organization cannot be deleted while it still has datasets"
    );
}

fn ts(v: &Value, k: &str) -> String {
    v[k].as_str().expect("timestamp").to_string()
}

async fn patch_and_update_match_transcripts_13_14(backend: Backend) {
    let app = TestApp::new(backend).await;
    let (admin, editor, member, _) = setup(&app).await;
    let before = app.ok("package_create", body_03(), Some(&admin)).await;
    let name = "danh-sach-truong-hoc-tay-ninh-2023";
    let r = app
        .action(
            "package_patch",
            json!({"id": name, "notes": "Đã cập nhật", "extras": [
                {"key": "tinh", "value": "Tây Ninh"}, {"key": "cap_nhat", "value": "2024"}]}),
            Some(&editor),
        )
        .await;
    assert_same_shape(
        &transcript("13-package_patch"),
        &without_profile(&r.json),
        "13",
    );
    let patched = r.result().clone();
    assert_eq!(patched["notes"], "Đã cập nhật");
    let mut extras: Vec<String> = patched["extras"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{}={}",
                e["key"].as_str().unwrap(),
                e["value"].as_str().unwrap()
            )
        })
        .collect();
    extras.sort();
    assert_eq!(extras, ["cap_nhat=2024", "tinh=Tây Ninh"]);
    for k in [
        "id",
        "metadata_created",
        "tags",
        "resources",
        "title",
        "author",
        "owner_org",
    ] {
        assert_eq!(patched[k], before[k], "{k}");
    }
    assert!(ts(&patched, "metadata_modified") > ts(&before, "metadata_modified"));
    // 14: package_show afterwards is the patch result.
    let shown = app
        .get(&format!("/api/3/action/package_show?id={name}"))
        .await;
    assert_same_shape(
        &transcript("14-package_show-after-patch"),
        &without_profile(&shown.json),
        "14",
    );
    assert_eq!(shown.result(), &patched);
    // A patch that changes nothing writes nothing (2.12).
    let again = app
        .ok(
            "package_patch",
            json!({"id": name, "notes": "Đã cập nhật"}),
            Some(&editor),
        )
        .await;
    assert_eq!(again, patched);
    // Members may read but not edit; anonymous callers neither.
    let id = patched["id"].as_str().unwrap();
    let r = app
        .action(
            "package_patch",
            json!({"id": name, "notes": "x"}),
            Some(&member),
        )
        .await;
    assert_eq!(
        r.message(403),
        format!("Access denied: User member not authorized to edit package {id}")
    );
    let r = app
        .action("package_update", json!({"id": name, "notes": "x"}), None)
        .await;
    assert_eq!(
        r.message(403),
        format!("Access denied: User  not authorized to edit package {id}")
    );
    // package_update is a full replace; type is immutable; private and owner are kept.
    let up = app
        .ok(
            "package_update",
            json!({"id": id, "title": "Mới", "type": "other", "tags": [{"name": "moi"}]}),
            Some(&editor),
        )
        .await;
    assert_eq!(up["name"], name);
    assert_eq!(up["title"], "Mới");
    assert_eq!(up["type"], "dataset");
    assert_eq!(up["notes"], Value::Null);
    assert_eq!(up["author"], Value::Null);
    assert_eq!(up["num_resources"], 0);
    assert_eq!(up["resources"], json!([]));
    assert_eq!(up["extras"], json!([]));
    assert_eq!(up["num_tags"], 1);
    assert_eq!(up["owner_org"], before["owner_org"]);
    assert_eq!(up["private"], false);
    // Errors.
    let r = app
        .action("package_update", json!({"title": "x"}), Some(&admin))
        .await;
    assert_eq!(r.error(409)["id"], json!(["Missing value"]));
    let r = app
        .action("package_update", json!({"id": "nope"}), Some(&admin))
        .await;
    assert_eq!(r.message(404), "Not found: Package was not found.");
    let r = app
        .action("package_patch", json!({"notes": "x"}), Some(&admin))
        .await;
    assert_eq!(r.error(409)["id"], json!(["Missing value"]));
    app.ok(
        "package_create",
        json!({"name": "khac", "owner_org": "so-giao-duc-tay-ninh"}),
        Some(&editor),
    )
    .await;
    let r = app
        .action(
            "package_patch",
            json!({"id": name, "name": "khac"}),
            Some(&editor),
        )
        .await;
    assert_eq!(r.error(409)["name"], json!(["That URL is already in use."]));
    // Moving to another organization needs create_dataset there too.
    let (_, boss) = app.user("boss", false).await;
    app.ok("organization_create", json!({"name": "org-b"}), Some(&boss))
        .await;
    let r = app
        .action(
            "package_patch",
            json!({"id": name, "owner_org": "org-b"}),
            Some(&editor),
        )
        .await;
    assert_eq!(
        r.error(409)["owner_org"],
        json!(["You cannot add a dataset to this organization"])
    );
    let moved = app
        .ok(
            "package_patch",
            json!({"id": name, "owner_org": "org-b"}),
            Some(&admin),
        )
        .await;
    assert_eq!(moved["organization"]["name"], "org-b");
    // Privacy can be switched by an editor of the new owner.
    let private = app
        .ok(
            "package_patch",
            json!({"id": name, "private": true}),
            Some(&boss),
        )
        .await;
    assert_eq!(private["private"], true);
    assert_eq!(
        app.get("/api/3/action/package_list").await.result(),
        &json!(["khac"])
    );
}

async fn delete_matches_transcripts_27_to_32(backend: Backend) {
    let app = TestApp::new(backend).await;
    let (admin, editor, member, _) = setup(&app).await;
    app.ok(
        "group_create",
        json!({"name": "giao-duc", "users": [{"name": "editor", "capacity": "member"}]}),
        Some(&admin),
    )
    .await;
    let mut body = body_03();
    body["groups"] = json!([{"name": "giao-duc"}]);
    let before = app.ok("package_create", body, Some(&editor)).await;
    let id = before["id"].as_str().unwrap().to_string();
    let name = "danh-sach-truong-hoc-tay-ninh-2023";
    let r = app
        .action("package_delete", json!({"id": name}), Some(&member))
        .await;
    assert_eq!(
        r.message(403),
        format!("Access denied: User member not authorized to delete package {id}")
    );
    let r = app
        .action("package_delete", json!({"id": name}), Some(&editor))
        .await;
    assert_eq!(r.json, transcript("27-package_delete"));
    // 28: a sysadmin (or any member) still sees it, as deleted; kho bumps the timestamp.
    let r = app
        .get_as(&format!("/api/3/action/package_show?id={name}"), &admin)
        .await;
    assert_same_shape(
        &transcript("28-package_show-deleted-sysadmin"),
        &without_profile(&r.json),
        "28",
    );
    let shown = r.result().clone();
    assert_eq!(shown["state"], "deleted");
    assert_eq!(shown["groups"], json!([]));
    assert!(ts(&shown, "metadata_modified") > ts(&before, "metadata_modified"));
    let r = app
        .get_as(&format!("/api/3/action/package_show?id={name}"), &member)
        .await;
    assert_eq!(r.result()["state"], "deleted");
    // 29: anonymous callers get 403. CKAN names the dataset's id; kho names what was
    // asked for (COMPATIBILITY.md), here the name.
    let r = app
        .get(&format!("/api/3/action/package_show?id={name}"))
        .await;
    let ckan = transcript_text("29-package_show-deleted-anon")
        .replace("7ad17d0c-8a9c-4db6-9eec-111c9f997033", name);
    assert_eq!(r.json, serde_json::from_str::<Value>(&ckan).unwrap());
    // 30: gone from package_list; 32: not counted.
    assert_eq!(r_list(&app).await, json!([]));
    let r = app
        .get("/api/3/action/organization_show?id=so-giao-duc-tay-ninh&include_datasets=true")
        .await;
    assert_same_shape(
        &transcript("32-organization_show-after-delete"),
        &without_profile(&r.json),
        "32",
    );
    assert_eq!(r.result()["package_count"], 0);
    assert_eq!(r.result()["packages"], json!([]));
    let r = app
        .get_as(
            "/api/3/action/organization_show?id=so-giao-duc-tay-ninh",
            &member,
        )
        .await;
    assert_eq!(r.result()["package_count"], 0);
    let r = app.get("/api/3/action/group_show?id=giao-duc").await;
    assert_eq!(r.result()["package_count"], 0);
    // The name can be reused; the deleted dataset is renamed to its id.
    let again = app
        .ok(
            "package_create",
            json!({"name": name, "owner_org": "so-giao-duc-tay-ninh"}),
            Some(&editor),
        )
        .await;
    assert_ne!(again["id"], before["id"]);
    let old = app
        .get_as(&format!("/api/3/action/package_show?id={id}"), &admin)
        .await;
    assert_eq!(old.result()["name"], id.as_str());
    // Purge: sysadmins only.
    let r = app
        .action("dataset_purge", json!({"id": id}), Some(&editor))
        .await;
    assert_eq!(r.message(403), "Access denied");
    let r = app
        .action("dataset_purge", json!({"id": id}), Some(&admin))
        .await;
    assert_eq!(r.result(), &Value::Null);
    let r = app
        .get_as(&format!("/api/3/action/package_show?id={id}"), &admin)
        .await;
    r.error(404);
    let r = app
        .action("dataset_purge", json!({"id": id}), Some(&admin))
        .await;
    assert_eq!(r.message(404), "Not found: Dataset was not found");
    // The organization can go once its datasets are deleted.
    app.ok("package_delete", json!({"id": name}), Some(&editor))
        .await;
    app.ok(
        "organization_delete",
        json!({"id": "so-giao-duc-tay-ninh"}),
        Some(&admin),
    )
    .await;
}

async fn r_list(app: &TestApp) -> Value {
    app.get("/api/3/action/package_list").await.result().clone()
}

async fn package_list_pages_like_x05(backend: Backend) {
    let app = TestApp::new(backend).await;
    let (_, editor, ..) = setup(&app).await;
    for n in ["e-ds", "a-ds", "d-ds", "c-ds", "b-ds"] {
        app.ok(
            "package_create",
            json!({"name": n, "owner_org": "so-giao-duc-tay-ninh"}),
            Some(&editor),
        )
        .await;
    }
    let r = app.get("/api/3/action/package_list?limit=3&offset=1").await;
    assert_same_shape(&transcript("x05-package_list-limit-offset"), &r.json, "x05");
    assert_eq!(r.result(), &json!(["b-ds", "c-ds", "d-ds"]));
    let r = app
        .get("/api/3/action/package_list?limit=0&include_private=true")
        .await;
    assert_eq!(r.result().as_array().unwrap().len(), 5);
    let r = app.get("/api/3/action/package_list?offset=4").await;
    assert_eq!(r.result(), &json!(["e-ds"]));
    let r = app.get("/api/3/action/package_list?limit=-1").await;
    assert_eq!(r.error(409)["limit"], json!(["Must be a natural number"]));
    let r = app.get("/api/3/action/package_list?offset=x").await;
    assert_eq!(r.error(409)["offset"], json!(["Invalid integer"]));
}

both_backends!(
    create_and_show_match_transcripts_03_04,
    show_errors_match_transcripts,
    create_errors_match_transcripts,
    private_datasets_are_visible_to_members_only,
    groups_need_manage_group,
    organization_counts_follow_visibility,
    patch_and_update_match_transcripts_13_14,
    delete_matches_transcripts_27_to_32,
    package_list_pages_like_x05,
);
