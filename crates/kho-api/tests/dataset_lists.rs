//! Dataset lists and bulk dataset changes over HTTP: current_package_list_with_resources,
//! group_package_show, package_list's include_* flags, package_owner_org_update,
//! bulk_update_* (docs/ckan-api.md §3.2, §4.1, §5).

mod common;

use common::*;
use serde_json::{json, Value};

/// The `name`s of a list of package dicts, in order.
fn names(v: &Value) -> Vec<String> {
    v.as_array()
        .expect("list")
        .iter()
        .map(|d| d["name"].as_str().expect("name").to_string())
        .collect()
}

struct World {
    app: TestApp,
    admin: String,
    alice: String,
    bob: String,
    carol: String,
    org_a: String,
}

/// org-a (admin alice, editor carol) owns a-pub and a-priv; org-b (admin bob) owns b-priv
/// and b-pub; the group `nhom` holds a-pub and a-priv. Created in that order.
async fn world(backend: Backend) -> World {
    let app = TestApp::new(backend).await;
    let admin = app.sysadmin().await;
    let (_, alice) = app.user("alice", false).await;
    let (_, bob) = app.user("bob", false).await;
    let (_, carol) = app.user("carol", false).await;
    let org_a = app.org("org-a", &alice).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    app.org("org-b", &bob).await;
    app.ok(
        "organization_member_create",
        json!({"id": "org-a", "username": "carol", "role": "editor"}),
        Some(&alice),
    )
    .await;
    app.group("nhom", &admin).await;
    for (name, org, private, tok) in [
        ("a-pub", "org-a", false, &alice),
        ("a-priv", "org-a", true, &alice),
        ("b-priv", "org-b", true, &bob),
        ("b-pub", "org-b", false, &bob),
    ] {
        app.ok(
            "package_create",
            json!({"name": name, "owner_org": org, "private": private,
                   "resources": [{"url": format!("https://example.org/{name}.csv")}]}),
            Some(tok),
        )
        .await;
    }
    for name in ["a-pub", "a-priv"] {
        app.ok(
            "member_create",
            json!({"id": "nhom", "object": name, "object_type": "package", "capacity": "public"}),
            Some(&admin),
        )
        .await;
    }
    World {
        app,
        admin,
        alice,
        bob,
        carol,
        org_a,
    }
}

async fn current_list_is_public_unless_sysadmin(backend: Backend) {
    let w = world(backend).await;
    let app = &w.app;
    let anon = app
        .get("/api/3/action/current_package_list_with_resources")
        .await;
    assert_eq!(names(anon.result()), ["b-pub", "a-pub"]);
    assert_eq!(
        anon.result()[0]["resources"][0]["url"],
        "https://example.org/b-pub.csv"
    );
    // Members of the owner organization don't see private datasets here (CKAN passes
    // include_private only for sysadmins).
    for tok in [&w.alice, &w.bob] {
        let r = app
            .ok("current_package_list_with_resources", json!({}), Some(tok))
            .await;
        assert_eq!(names(&r), ["b-pub", "a-pub"]);
    }
    let r = app
        .ok(
            "current_package_list_with_resources",
            json!({}),
            Some(&w.admin),
        )
        .await;
    assert_eq!(names(&r), ["b-pub", "b-priv", "a-priv", "a-pub"]);
    let r = app
        .ok(
            "current_package_list_with_resources",
            json!({"limit": 2, "offset": 1}),
            Some(&w.admin),
        )
        .await;
    assert_eq!(names(&r), ["b-priv", "a-priv"]);
    // Deprecated `page` (from 1), only with limit and without offset.
    let r = app
        .ok(
            "current_package_list_with_resources",
            json!({"limit": 1, "page": 3}),
            Some(&w.admin),
        )
        .await;
    assert_eq!(names(&r), ["a-priv"]);
    let r = app
        .ok(
            "current_package_list_with_resources",
            json!({"limit": 1, "page": 3, "offset": 0}),
            Some(&w.admin),
        )
        .await;
    assert_eq!(names(&r), ["b-pub"]);
    let r = app
        .action(
            "current_package_list_with_resources",
            json!({"limit": -1}),
            None,
        )
        .await;
    assert_eq!(r.error(409)["limit"], json!(["Must be a natural number"]));
    // Deleted datasets leave the list.
    app.ok("package_delete", json!({"id": "b-pub"}), Some(&w.bob))
        .await;
    let anon = app
        .get("/api/3/action/current_package_list_with_resources")
        .await;
    assert_eq!(names(anon.result()), ["a-pub"]);
}

/// `package_list` with kho's `include_private`, `include_drafts` and `include_deleted`
/// (what `ckanapi dump datasets --all --include-private ...` sends): each caller gets the
/// datasets they may read, never more; without the flags, CKAN's list.
async fn package_list_include_flags_follow_visibility(backend: Backend) {
    let w = world(backend).await;
    let app = &w.app;
    // org-a also owns a shared dataset, an open draft and a deleted one (created by the
    // sysadmin: only sysadmins may give `state` on create, as in CKAN).
    for input in [
        json!({"name": "a-shared", "owner_org": "org-a", "sharing_level": "shared"}),
        json!({"name": "a-draft", "owner_org": "org-a", "state": "draft"}),
        json!({"name": "a-gone", "owner_org": "org-a"}),
    ] {
        app.ok("package_create", input, Some(&w.admin)).await;
    }
    app.ok("package_delete", json!({"id": "a-gone"}), Some(&w.alice))
        .await;
    let list = |params: Value, tok: Option<String>| async move {
        let r = app.ok("package_list", params, tok.as_deref()).await;
        serde_json::from_value::<Vec<String>>(r).expect("names")
    };
    let (admin, bob, carol) = (
        Some(w.admin.clone()),
        Some(w.bob.clone()),
        Some(w.carol.clone()),
    );
    let every = json!({"include_private": true, "include_drafts": true, "include_deleted": true});

    // No flags: CKAN's list, whoever asks.
    for tok in [None, admin.clone(), carol.clone()] {
        assert_eq!(list(json!({}), tok).await, ["a-pub", "b-pub"]);
    }
    // include_private: anonymous gains nothing, bob (a government account, org-b) the
    // shared dataset and his own, carol (editor of org-a) org-a's, a sysadmin every
    // active one.
    let private = json!({"include_private": true});
    assert_eq!(list(private.clone(), None).await, ["a-pub", "b-pub"]);
    assert_eq!(
        list(private.clone(), bob.clone()).await,
        ["a-pub", "a-shared", "b-priv", "b-pub"]
    );
    assert_eq!(
        list(private.clone(), carol.clone()).await,
        ["a-priv", "a-pub", "a-shared", "b-pub"]
    );
    assert_eq!(
        list(private, admin.clone()).await,
        ["a-priv", "a-pub", "a-shared", "b-priv", "b-pub"]
    );
    // include_drafts alone: open drafts the caller may read.
    let drafts = json!({"include_drafts": "true"});
    assert_eq!(list(drafts.clone(), None).await, ["a-pub", "b-pub"]);
    assert_eq!(list(drafts.clone(), bob.clone()).await, ["a-pub", "b-pub"]);
    assert_eq!(
        list(drafts, carol.clone()).await,
        ["a-draft", "a-pub", "b-pub"]
    );
    // Everything: drafts and deleted datasets only for their organization and sysadmins.
    assert_eq!(list(every.clone(), None).await, ["a-pub", "b-pub"]);
    assert_eq!(
        list(every.clone(), bob).await,
        ["a-pub", "a-shared", "b-priv", "b-pub"]
    );
    assert_eq!(
        list(every.clone(), carol).await,
        ["a-draft", "a-gone", "a-priv", "a-pub", "a-shared", "b-pub"]
    );
    assert_eq!(
        list(every, admin.clone()).await,
        ["a-draft", "a-gone", "a-priv", "a-pub", "a-shared", "b-priv", "b-pub"]
    );
    // limit and offset page the selected names.
    assert_eq!(
        list(
            json!({"include_private": true, "limit": 2, "offset": 1}),
            admin
        )
        .await,
        ["a-pub", "a-shared"]
    );
    let r = app
        .get("/api/3/action/package_list?include_private=maybe")
        .await;
    assert!(
        r.error(409).get("include_private").is_some(),
        "{:?}",
        r.json
    );
}

async fn group_package_show_lists_public_datasets(backend: Backend) {
    let w = world(backend).await;
    let app = &w.app;
    let anon = app.get("/api/3/action/group_package_show?id=nhom").await;
    assert_eq!(names(anon.result()), ["a-pub"]);
    for tok in [&w.bob, &w.alice, &w.admin] {
        let r = app
            .ok("group_package_show", json!({"id": "nhom"}), Some(tok))
            .await;
        assert_eq!(names(&r), ["a-pub"]);
    }
    let r = app
        .ok("group_package_show", json!({"id": "org-b"}), None)
        .await;
    assert_eq!(names(&r), ["b-pub"]);
    let r = app
        .ok(
            "group_package_show",
            json!({"id": "org-a", "limit": 0}),
            None,
        )
        .await;
    assert_eq!(names(&r), ["a-pub"]);
    let r = app
        .action("group_package_show", json!({"id": "khong-co"}), None)
        .await;
    r.error(404);
    let r = app.action("group_package_show", json!({}), None).await;
    assert_eq!(r.error(409)["id"], json!(["Missing value"]));
    for bad in [json!(-1), json!("abc")] {
        let r = app
            .action(
                "group_package_show",
                json!({"id": "nhom", "limit": bad}),
                None,
            )
            .await;
        assert_eq!(
            r.error(409)["message"],
            json!(["Limit must be a positive integer"])
        );
    }
}

async fn owner_org_update_is_sysadmin_only(backend: Backend) {
    let w = world(backend).await;
    let app = &w.app;
    let before = app
        .ok("package_show", json!({"id": "a-priv"}), Some(&w.admin))
        .await;
    let r = app
        .action(
            "package_owner_org_update",
            json!({"id": "a-priv", "organization_id": "org-b"}),
            None,
        )
        .await;
    assert_eq!(
        r.message(403),
        "Access denied: Action package_owner_org_update requires an authenticated user"
    );
    let r = app
        .action(
            "package_owner_org_update",
            json!({"id": "a-priv", "organization_id": "org-b"}),
            Some(&w.alice),
        )
        .await;
    assert_eq!(r.message(403), "Access denied");
    let r = app
        .action(
            "package_owner_org_update",
            json!({"id": "khong-co", "organization_id": "org-b"}),
            Some(&w.admin),
        )
        .await;
    assert_eq!(r.message(404), "Not found: Package was not found.");
    let r = app
        .action(
            "package_owner_org_update",
            json!({"id": "a-priv", "organization_id": "nhom"}),
            Some(&w.admin),
        )
        .await;
    assert_eq!(r.message(404), "Not found: Organization was not found.");
    let r = app
        .ok(
            "package_owner_org_update",
            json!({"id": "a-priv", "organization_id": "org-b"}),
            Some(&w.admin),
        )
        .await;
    assert_eq!(r, Value::Null);
    let after = app
        .ok("package_show", json!({"id": "a-priv"}), Some(&w.bob))
        .await;
    assert_eq!(after["organization"]["name"], "org-b");
    assert!(
        after["metadata_modified"].as_str().unwrap()
            > before["metadata_modified"].as_str().unwrap()
    );
    // alice no longer reads it.
    let r = app
        .action("package_show", json!({"id": "a-priv"}), Some(&w.alice))
        .await;
    r.error(403);
    let acts = app
        .ok(
            "package_activity_list",
            json!({"id": "a-priv"}),
            Some(&w.admin),
        )
        .await;
    assert_eq!(acts[0]["activity_type"], "changed package");
    assert_eq!(acts[0]["data"]["package"]["owner_org"], after["owner_org"]);
    // Empty organization_id: unowned.
    app.ok(
        "package_owner_org_update",
        json!({"id": "a-priv", "organization_id": ""}),
        Some(&w.admin),
    )
    .await;
    let after = app
        .ok("package_show", json!({"id": "a-priv"}), Some(&w.admin))
        .await;
    assert_eq!(after["owner_org"], Value::Null);
}

async fn bulk_updates_need_org_admin(backend: Backend) {
    let w = world(backend).await;
    let app = &w.app;
    for action in [
        "bulk_update_private",
        "bulk_update_public",
        "bulk_update_delete",
    ] {
        let body = json!({"datasets": ["a-pub"], "org_id": w.org_a});
        let r = app.action(action, body.clone(), None).await;
        assert_eq!(
            r.message(403),
            format!("Access denied: Action {action} requires an authenticated user")
        );
        for tok in [&w.carol, &w.bob] {
            let r = app.action(action, body.clone(), Some(tok)).await;
            assert_eq!(r.message(403), "Access denied");
        }
    }
    let id = |n: &str| {
        let app = &w.app;
        let admin = w.admin.clone();
        let n = n.to_string();
        async move { app.ok("package_show", json!({"id": n}), Some(&admin)).await }
    };
    let a_pub = id("a-pub").await;
    let b_pub = id("b-pub").await;
    let a_pub_id = a_pub["id"].as_str().unwrap().to_string();
    let b_pub_id = b_pub["id"].as_str().unwrap().to_string();
    // b-pub is not org-a's: ignored. A name is not an id: ignored.
    app.ok(
        "bulk_update_private",
        json!({"datasets": [a_pub_id, b_pub_id, "a-priv"], "org_id": w.org_a}),
        Some(&w.alice),
    )
    .await;
    let r = app.get("/api/3/action/package_show?id=a-pub").await;
    r.error(403);
    let r = app.get("/api/3/action/package_show?id=b-pub").await;
    assert_eq!(r.result()["private"], false);
    let now = id("a-pub").await;
    assert_eq!(now["private"], true);
    assert!(
        now["metadata_modified"].as_str().unwrap() > a_pub["metadata_modified"].as_str().unwrap()
    );
    assert_eq!(
        id("b-pub").await["metadata_modified"],
        b_pub["metadata_modified"]
    );
    let acts = app
        .ok(
            "package_activity_list",
            json!({"id": "a-pub"}),
            Some(&w.admin),
        )
        .await;
    assert_eq!(acts[0]["activity_type"], "changed package");
    assert_eq!(acts[0]["data"]["package"]["private"], true);
    let anon = app
        .get("/api/3/action/current_package_list_with_resources")
        .await;
    assert_eq!(names(anon.result()), ["b-pub"]);

    app.ok(
        "bulk_update_public",
        json!({"datasets": [a_pub_id], "org_id": w.org_a}),
        Some(&w.alice),
    )
    .await;
    let r = app.get("/api/3/action/package_show?id=a-pub").await;
    assert_eq!(r.result()["private"], false);

    app.ok(
        "bulk_update_delete",
        json!({"datasets": [a_pub_id], "org_id": w.org_a}),
        Some(&w.alice),
    )
    .await;
    let r = app.get("/api/3/action/package_list").await;
    assert_eq!(r.result(), &json!(["b-pub"]));
    assert_eq!(id("a-pub").await["state"], "deleted");
    let acts = app
        .ok(
            "package_activity_list",
            json!({"id": "a-pub"}),
            Some(&w.admin),
        )
        .await;
    assert_eq!(acts[0]["activity_type"], "deleted package");
    // A sysadmin may do it too.
    app.ok(
        "bulk_update_private",
        json!({"datasets": [b_pub_id], "org_id": "org-b"}),
        Some(&w.admin),
    )
    .await;
    // org_id given as a name matches no dataset (CKAN compares owner_org with it).
    let r = app.get("/api/3/action/package_show?id=b-pub").await;
    assert_eq!(r.result()["private"], false);
}

both_backends!(
    current_list_is_public_unless_sysadmin,
    package_list_include_flags_follow_visibility,
    group_package_show_lists_public_datasets,
    owner_org_update_is_sysadmin_only,
    bulk_updates_need_org_admin,
);
