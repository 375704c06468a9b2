//! The activity plugin's read actions over HTTP (docs/ckan-api.md §3.2): visibility by
//! permission labels, paging, type and time filters, show, data and diff.

mod common;

use common::*;
use serde_json::{json, Value};

/// CKAN 2.12's `activity_dictize` keys, in order.
const ACTIVITY_KEYS: &[&str] = &[
    "id",
    "timestamp",
    "user_id",
    "object_id",
    "activity_type",
    "data",
    "permission_labels",
];

/// A sysadmin; organization `so-a` with `member`; `outsider`, admin of `so-b`; group
/// `nhom`; the public dataset `cong-khai` and the private `rieng`, both of `so-a` and in
/// `nhom`. Returns (admin, member, outsider) tokens.
async fn setup(app: &TestApp) -> (String, String, String) {
    let admin = app.sysadmin().await;
    let (_, member) = app.user("member", false).await;
    let (_, outsider) = app.user("outsider", false).await;
    app.ok(
        "organization_create",
        json!({"name": "so-a", "users": [{"name": "member", "capacity": "member"}]}),
        Some(&admin),
    )
    .await;
    app.ok(
        "organization_create",
        json!({"name": "so-b", "users": [{"name": "outsider", "capacity": "admin"}]}),
        Some(&admin),
    )
    .await;
    app.group("nhom", &admin).await;
    for (name, private) in [("cong-khai", false), ("rieng", true)] {
        app.ok(
            "package_create",
            json!({"name": name, "owner_org": "so-a", "private": private,
                   "groups": [{"name": "nhom"}]}),
            Some(&admin),
        )
        .await;
    }
    (admin, member, outsider)
}

fn object_ids(list: &Value) -> Vec<String> {
    list.as_array()
        .expect("list")
        .iter()
        .map(|a| a["object_id"].as_str().expect("object_id").to_owned())
        .collect()
}

async fn list(app: &TestApp, action: &str, body: Value, tok: Option<&str>) -> Value {
    app.ok(action, body, tok).await
}

async fn private_activity_only_for_readers(backend: Backend) {
    let app = TestApp::new(backend).await;
    let (admin, member, outsider) = setup(&app).await;
    let shown = app
        .ok("package_show", json!({"id": "rieng"}), Some(&admin))
        .await;
    let rieng = shown["id"].as_str().unwrap().to_owned();
    let public = app
        .ok("package_show", json!({"id": "cong-khai"}), None)
        .await;
    let cong_khai = public["id"].as_str().unwrap().to_owned();
    let admin_user = app
        .ok("user_show", json!({"id": "admin"}), Some(&admin))
        .await;

    let lists = [
        ("organization_activity_list", json!({"id": "so-a"})),
        ("group_activity_list", json!({"id": "nhom"})),
        ("user_activity_list", json!({"id": admin_user["id"]})),
        ("recently_changed_packages_activity_list", json!({})),
    ];
    for (tok, readers) in [
        (None, false),
        (Some(outsider.as_str()), false),
        (Some(member.as_str()), true),
        (Some(admin.as_str()), true),
    ] {
        for (action, body) in &lists {
            let ids = object_ids(&list(&app, action, body.clone(), tok).await);
            assert!(ids.contains(&cong_khai), "{action} {tok:?}: {ids:?}");
            assert_eq!(ids.contains(&rieng), readers, "{action} {tok:?}: {ids:?}");
        }
        let r = app
            .action("package_activity_list", json!({"id": "rieng"}), tok)
            .await;
        if readers {
            let acts = r.result().clone();
            assert_eq!(object_ids(&acts), vec![rieng.clone()]);
            let a = &acts[0];
            let keys: Vec<&str> = a.as_object().unwrap().keys().map(String::as_str).collect();
            assert_eq!(keys, ACTIVITY_KEYS);
            assert_eq!(a["activity_type"], "new package");
            assert_eq!(a["data"]["package"]["name"], "rieng");
            let org = app
                .ok("organization_show", json!({"id": "so-a"}), None)
                .await;
            // CKAN's labels (the organization's members, and the dataset's collaborators
            // as with collaborators enabled) plus kho's grant label.
            assert_eq!(
                a["permission_labels"],
                json!([
                    format!("member-{rieng}"),
                    format!("member-{}", org["id"].as_str().unwrap()),
                    format!("grant-{rieng}"),
                ])
            );
            let again = app.ok("activity_show", json!({"id": a["id"]}), tok).await;
            assert_eq!(&again, a);
        } else {
            r.error(403);
            let acts = app
                .ok(
                    "package_activity_list",
                    json!({"id": "rieng"}),
                    Some(&admin),
                )
                .await;
            let r = app
                .action("activity_show", json!({"id": acts[0]["id"]}), tok)
                .await;
            assert_eq!(
                r.message(403),
                "Access denied: Unauthorized to view activity data"
            );
            let r = app
                .action("activity_data_show", json!({"id": acts[0]["id"]}), tok)
                .await;
            r.error(403);
        }
    }
    // Unknown objects and activities.
    for action in [
        "package_activity_list",
        "organization_activity_list",
        "group_activity_list",
        "user_activity_list",
        "activity_show",
    ] {
        app.action(action, json!({"id": "khong-co"}), None)
            .await
            .error(404);
    }
}

async fn paging_types_and_times(backend: Backend) {
    let app = TestApp::new(backend).await;
    let (admin, ..) = setup(&app).await;
    for i in 0..4 {
        app.ok(
            "package_patch",
            json!({"id": "cong-khai", "notes": format!("lần {i}")}),
            Some(&admin),
        )
        .await;
    }
    let all = list(
        &app,
        "package_activity_list",
        json!({"id": "cong-khai"}),
        None,
    )
    .await;
    let all = all.as_array().unwrap().clone();
    assert_eq!(all.len(), 5);
    let stamps: Vec<&str> = all
        .iter()
        .map(|a| a["timestamp"].as_str().unwrap())
        .collect();
    let mut sorted = stamps.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(stamps, sorted, "newest first");
    assert_eq!(all[4]["activity_type"], "new package");
    assert_eq!(all[0]["data"]["package"]["notes"], "lần 3");

    // limit / offset (GET, as the action is side-effect free).
    let r = app
        .get("/api/3/action/package_activity_list?id=cong-khai&limit=2&offset=1")
        .await;
    assert_eq!(r.result(), &json!([all[1], all[2]]));
    let big = list(
        &app,
        "package_activity_list",
        json!({"id": "cong-khai", "limit": 1000}),
        None,
    )
    .await;
    assert_eq!(big.as_array().unwrap().len(), 5);
    let r = app
        .action(
            "package_activity_list",
            json!({"id": "cong-khai", "limit": -1}),
            None,
        )
        .await;
    r.error(409);

    // Type filters, one or the other.
    let only = list(
        &app,
        "package_activity_list",
        json!({"id": "cong-khai", "activity_types": ["new package"]}),
        None,
    )
    .await;
    assert_eq!(only, json!([all[4]]));
    let without = list(
        &app,
        "package_activity_list",
        json!({"id": "cong-khai", "exclude_activity_types": ["new package"]}),
        None,
    )
    .await;
    assert_eq!(without.as_array().unwrap(), &all[..4].to_vec());
    let r = app
        .action(
            "package_activity_list",
            json!({"id": "cong-khai", "activity_types": ["new package"],
                   "exclude_activity_types": ["changed package"]}),
            None,
        )
        .await;
    assert_eq!(
        r.error(409)["activity_types"],
        json!(["Cannot be used together with `exclude_activity_types"])
    );

    // after alone: the oldest after it, listed newest first; before: strictly before.
    let oldest_two = list(
        &app,
        "package_activity_list",
        json!({"id": "cong-khai", "after": 0, "limit": 2}),
        None,
    )
    .await;
    assert_eq!(oldest_two, json!([all[3], all[4]]));
    let none = list(
        &app,
        "package_activity_list",
        json!({"id": "cong-khai", "after": "99999999999"}),
        None,
    )
    .await;
    assert_eq!(none, json!([]));
    let before = list(
        &app,
        "package_activity_list",
        json!({"id": "cong-khai", "before": 1, "after": 0.5}),
        None,
    )
    .await;
    assert_eq!(before, json!([]));
    let r = app
        .action(
            "package_activity_list",
            json!({"id": "cong-khai", "before": "x"}),
            None,
        )
        .await;
    assert_eq!(r.error(409)["before"], json!(["Must be a float timestamp"]));

    // Data and diff of the newest change.
    let data = app
        .ok(
            "activity_data_show",
            json!({"id": all[0]["id"], "object_type": "package"}),
            None,
        )
        .await;
    assert_eq!(data, all[0]["data"]["package"]);
    let d = app
        .ok("activity_diff", json!({"id": all[0]["id"]}), None)
        .await;
    assert_eq!(d["activities"], json!([all[1], all[0]]));
    let diff = d["diff"].as_str().unwrap();
    assert!(diff.starts_with("--- \n\n+++ \n\n@@ "), "{diff}");
    assert!(diff.contains("\n-  \"notes\": \"l\\u1ea7n 2\","), "{diff}");
    assert!(diff.contains("\n+  \"notes\": \"l\\u1ea7n 3\","), "{diff}");
    let r = app
        .action("activity_diff", json!({"id": all[4]["id"]}), None)
        .await;
    assert_eq!(
        r.message(404),
        "Not found: Previous activity for this object not found"
    );
}

both_backends!(private_activity_only_for_readers, paging_types_and_times);
