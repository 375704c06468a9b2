//! Datasets in groups through the `packages` list of `group_create` / `group_update`
//! (CKAN's `group_member_save(…, 'packages')`).

mod common;

use common::*;
use serde_json::{json, Value};

/// A sysadmin, `org` (with `editor` as editor) holding an open dataset `open-a`, an open
/// `open-b` and a private `secret`; and `gadmin`, a plain user. Returns (admin, editor,
/// gadmin) tokens.
async fn setup(app: &TestApp) -> (String, String, String) {
    let admin = app.sysadmin().await;
    let (_, editor) = app.user("editor", false).await;
    let (_, gadmin) = app.user("gadmin", false).await;
    app.ok(
        "organization_create",
        json!({"name": "org", "users": [{"name": "editor", "capacity": "editor"}]}),
        Some(&admin),
    )
    .await;
    for (name, private) in [("open-a", false), ("open-b", false), ("secret", true)] {
        app.ok(
            "package_create",
            json!({"name": name, "owner_org": "org", "private": private}),
            Some(&admin),
        )
        .await;
    }
    (admin, editor, gadmin)
}

/// Names of the datasets in `group`, as a sysadmin sees them.
async fn members(app: &TestApp, admin: &str, group: &str) -> Vec<String> {
    let rows = app
        .ok(
            "member_list",
            json!({"id": group, "object_type": "package"}),
            Some(admin),
        )
        .await;
    let mut out = Vec::new();
    for row in rows.as_array().expect("rows") {
        let d = app
            .ok("package_show", json!({"id": row[0]}), Some(admin))
            .await;
        out.push(d["name"].as_str().unwrap().to_string());
    }
    out.sort();
    out
}

async fn groups_of(app: &TestApp, admin: &str, dataset: &str) -> Vec<Value> {
    let d = app
        .ok("package_show", json!({"id": dataset}), Some(admin))
        .await;
    d["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["name"].clone())
        .collect()
}

async fn create_and_update_with_packages(backend: Backend) {
    let app = TestApp::new(backend).await;
    let (admin, _, gadmin) = setup(&app).await;
    let a_id = app
        .ok("package_show", json!({"id": "open-a"}), Some(&admin))
        .await["id"]
        .clone();
    // By id or by name.
    let g = app
        .ok(
            "group_create",
            json!({"name": "grp", "packages": [{"id": a_id}, {"name": "open-b"}, {"id": "open-a"}]}),
            Some(&gadmin),
        )
        .await;
    assert_eq!(g["package_count"], 2);
    assert_eq!(members(&app, &admin, "grp").await, ["open-a", "open-b"]);
    assert_eq!(groups_of(&app, &admin, "open-a").await, [json!("grp")]);
    // Update without `packages` keeps them.
    app.ok(
        "group_update",
        json!({"id": "grp", "title": "Group"}),
        Some(&gadmin),
    )
    .await;
    assert_eq!(members(&app, &admin, "grp").await, ["open-a", "open-b"]);
    // Update with `packages` makes the group hold exactly those.
    app.ok(
        "group_update",
        json!({"id": "grp", "packages": [{"name": "open-b"}]}),
        Some(&gadmin),
    )
    .await;
    assert_eq!(members(&app, &admin, "grp").await, ["open-b"]);
    assert_eq!(groups_of(&app, &admin, "open-a").await, Vec::<Value>::new());
    // group_patch reads packages back from group_show (not included there), so it keeps them.
    app.ok(
        "group_patch",
        json!({"id": "grp", "description": "patched"}),
        Some(&gadmin),
    )
    .await;
    assert_eq!(members(&app, &admin, "grp").await, ["open-b"]);
    // An empty list empties the group.
    app.ok(
        "group_update",
        json!({"id": "grp", "packages": []}),
        Some(&gadmin),
    )
    .await;
    assert!(members(&app, &admin, "grp").await.is_empty());
    // Organizations: datasets belong by owner_org; `packages` is ignored.
    let o = app
        .ok(
            "organization_update",
            json!({"id": "org", "packages": []}),
            Some(&admin),
        )
        .await;
    assert_eq!(o["package_count"], 3);
}

async fn unknown_invisible_and_deleted_datasets_are_not_found(backend: Backend) {
    let app = TestApp::new(backend).await;
    let (admin, editor, gadmin) = setup(&app).await;
    app.ok(
        "package_create",
        json!({"name": "gone", "owner_org": "org"}),
        Some(&admin),
    )
    .await;
    app.ok("package_delete", json!({"id": "gone"}), Some(&admin))
        .await;
    let r = app
        .action(
            "group_create",
            json!({"name": "grp", "packages": [{"id": "open-a"}, {"id": "nope"}, {"id": "secret"}, {"name": "gone"}, {"title": "no id"}]}),
            Some(&gadmin),
        )
        .await;
    assert_eq!(
        r.error(409),
        &json!({
            "packages": [
                {},
                {"id": ["Dataset not found"]},
                {"id": ["Dataset not found"]},
                {"id": ["Dataset not found"]},
                {"id": ["Missing value"]},
            ],
            "__type": "Validation Error"
        })
    );
    let r = app.get("/api/3/action/group_list").await;
    assert_eq!(r.result(), &json!([]), "nothing written");
    // A member of the owning organization may add its private dataset.
    app.ok(
        "group_create",
        json!({"name": "grp", "packages": [{"id": "secret"}, {"id": "open-a"}]}),
        Some(&editor),
    )
    .await;
    assert_eq!(members(&app, &admin, "grp").await, ["open-a", "secret"]);
    // Another group admin who cannot see `secret` keeps it when replacing the list.
    app.ok(
        "member_create",
        json!({"id": "grp", "object": "gadmin", "object_type": "user", "capacity": "admin"}),
        Some(&admin),
    )
    .await;
    app.ok(
        "group_update",
        json!({"id": "grp", "packages": [{"id": "open-b"}]}),
        Some(&gadmin),
    )
    .await;
    assert_eq!(members(&app, &admin, "grp").await, ["open-b", "secret"]);
    // A failed update changes nothing.
    let r = app
        .action(
            "group_update",
            json!({"id": "grp", "title": "changed", "packages": [{"id": "nope"}]}),
            Some(&gadmin),
        )
        .await;
    r.error(409);
    assert_eq!(members(&app, &admin, "grp").await, ["open-b", "secret"]);
    let g = app.ok("group_show", json!({"id": "grp"}), None).await;
    assert_ne!(g["title"], "changed");
}

async fn updating_packages_needs_group_admin(backend: Backend) {
    let app = TestApp::new(backend).await;
    let (admin, editor, gadmin) = setup(&app).await;
    let g = app
        .ok("group_create", json!({"name": "grp"}), Some(&gadmin))
        .await;
    // A plain member of the group (manage_group) may use member_create, not group_update.
    app.ok(
        "member_create",
        json!({"id": "grp", "object": "editor", "object_type": "user", "capacity": "member"}),
        Some(&gadmin),
    )
    .await;
    let r = app
        .action(
            "group_update",
            json!({"id": "grp", "packages": [{"id": "open-a"}]}),
            Some(&editor),
        )
        .await;
    assert_eq!(
        r.message(403),
        format!(
            "Access denied: User editor not authorized to edit group {}",
            g["id"].as_str().unwrap()
        )
    );
    let r = app
        .action(
            "group_create",
            json!({"name": "anon", "packages": [{"id": "open-a"}]}),
            None,
        )
        .await;
    r.error(403);
    assert!(members(&app, &admin, "grp").await.is_empty());
}

both_backends!(
    create_and_update_with_packages,
    unknown_invisible_and_deleted_datasets_are_not_found,
    updating_packages_needs_group_admin,
);
