//! Organizations, groups and memberships over HTTP (docs/ckan-api.md §2.4, §2.5, §4.3, §5;
//! transcripts 02, 07, 08, 09, x07, x13, x14).

mod common;

use common::*;
use serde_json::{json, Value};

fn names(v: &Value) -> Vec<String> {
    v.as_array()
        .expect("list")
        .iter()
        .map(|x| x.as_str().expect("name").to_string())
        .collect()
}

async fn org_names(app: &TestApp, query: &str) -> Vec<String> {
    names(
        app.get(&format!("/api/3/action/organization_list{query}"))
            .await
            .result(),
    )
}

/// `(name, capacity)` of the `users` of a show dict, sorted by name.
fn members(show: &Value) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = show["users"]
        .as_array()
        .expect("users")
        .iter()
        .map(|u| {
            (
                u["name"].as_str().expect("name").into(),
                u["capacity"].as_str().expect("capacity").into(),
            )
        })
        .collect();
    v.sort();
    v
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

async fn create_makes_the_creator_admin(backend: Backend) {
    let app = TestApp::new(backend).await;
    app.sysadmin().await;
    let (alice_user, alice) = app.user("alice", false).await;
    let r = app
        .ok(
            "organization_create",
            json!({"name": "so-y-te", "title": "Sở Y tế", "extras": [{"key": "province", "value": "Tây Ninh"}]}),
            Some(&alice),
        )
        .await;
    assert_eq!(r["name"], "so-y-te");
    assert_eq!(r["display_name"], "Sở Y tế");
    assert_eq!(r["type"], "organization");
    assert_eq!(r["is_organization"], true);
    assert_eq!(r["approval_status"], "approved");
    assert_eq!(r["state"], "active");
    assert_eq!(r["package_count"], 0);
    assert_eq!(r["num_followers"], 0);
    assert_eq!(r["image_url"], "");
    assert_eq!(
        r["extras"],
        json!([{"key": "province", "value": "Tây Ninh"}])
    );
    assert_eq!(r["groups"], json!([]));
    assert_eq!(members(&r), pairs(&[("alice", "admin")]));
    assert_eq!(r["users"][0]["id"], alice_user["id"]);
    assert!(!r["users"][0]
        .as_object()
        .expect("user")
        .contains_key("email"));
    assert!(!r["users"][0]
        .as_object()
        .expect("user")
        .contains_key("apikey"));

    let g = app
        .ok("group_create", json!({"name": "giao-thong"}), Some(&alice))
        .await;
    assert_eq!(g["type"], "group");
    assert_eq!(g["is_organization"], false);
    assert_eq!(g["display_name"], "giao-thong");
    assert!(
        !g.as_object().expect("group").contains_key("title"),
        "null title is dropped"
    );
    assert_eq!(members(&g), pairs(&[("alice", "admin")]));

    // Names are unique across organizations and groups.
    for (action, name) in [
        ("organization_create", "so-y-te"),
        ("group_create", "so-y-te"),
        ("organization_create", "giao-thong"),
    ] {
        let r = app
            .action(action, json!({"name": name}), Some(&alice))
            .await;
        assert_eq!(
            r.error(409)["name"],
            json!(["Group name already exists in database"]),
            "{action} {name}"
        );
    }
    let r = app
        .action("organization_create", json!({"name": "anon-org"}), None)
        .await;
    assert_eq!(
        r.message(403),
        "Access denied: Action organization_create requires an authenticated user"
    );
    let r = app
        .action(
            "organization_create",
            json!({"title": "no name"}),
            Some(&alice),
        )
        .await;
    assert_eq!(r.error(409)["name"], json!(["Missing value"]));
    assert_eq!(org_names(&app, "").await, ["so-y-te"]);
    assert_eq!(
        names(app.get("/api/3/action/group_list").await.result()),
        ["giao-thong"]
    );
}

async fn show_by_id_or_name_with_include_flags(backend: Backend) {
    let app = TestApp::new(backend).await;
    let t = app.sysadmin().await;
    let created = app
        .ok("organization_create", json!({"name": "org-a", "description": "Mô tả", "extras": [{"key": "k", "value": "v"}]}), Some(&t))
        .await;
    let by_id = app
        .get(&format!(
            "/api/3/action/organization_show?id={}",
            created["id"].as_str().expect("id")
        ))
        .await;
    let by_name = app.get("/api/3/action/organization_show?id=org-a").await;
    assert_eq!(by_id.result(), by_name.result());
    let mut c = created.clone();
    // created via the API equals a later show (ignoring the user's last_active).
    c["users"][0]["last_active"] = Value::Null;
    let mut s = by_name.result().clone();
    s["users"][0]["last_active"] = Value::Null;
    assert_eq!(c, s);

    let r = app.get("/api/3/action/organization_show?id=org-a&include_users=false&include_extras=false&include_groups=false").await;
    let o = r.result().as_object().expect("object");
    for k in ["users", "extras", "groups"] {
        assert!(!o.contains_key(k), "{k}");
    }
    let r = app.get("/api/3/action/organization_show?id=org-a&include_dataset_count=false&include_member_count=true").await;
    let o = r.result().as_object().expect("object");
    assert!(!o.contains_key("package_count"));
    assert_eq!(o["member_count"], 1);
    let r = app
        .get("/api/3/action/organization_show?id=org-a&include_datasets=true")
        .await;
    assert_eq!(r.result()["packages"], json!([]));
}

async fn missing_and_wrong_kind_are_404(backend: Backend) {
    let app = TestApp::new(backend).await;
    let t = app.sysadmin().await;
    let org = app.org("org-a", &t).await;
    let grp = app.group("grp-a", &t).await;
    let r = app.get("/api/3/action/organization_show?id=nope").await;
    assert_eq!(r.text, transcript_text("x07-organization_show-404"));
    let oid = org["id"].as_str().expect("id");
    let gid = grp["id"].as_str().expect("id");
    for path in [
        format!("/api/3/action/group_show?id={oid}"),
        "/api/3/action/group_show?id=org-a".to_string(),
        format!("/api/3/action/organization_show?id={gid}"),
        "/api/3/action/group_show?id=nope".to_string(),
    ] {
        let r = app.get(&path).await;
        assert_eq!(
            r.error(404),
            &json!({"__type": "Not Found Error", "message": "Not found"}),
            "{path}"
        );
    }
    let r = app
        .action(
            "group_update",
            json!({"id": "org-a", "title": "x"}),
            Some(&t),
        )
        .await;
    r.error(404);
    let r = app
        .action("organization_delete", json!({"id": "grp-a"}), Some(&t))
        .await;
    r.error(404);
    assert_eq!(
        app.get("/api/3/action/group_show?id=grp-a").await.result()["state"],
        "active"
    );
}

async fn lists_match_ckan_transcripts(backend: Backend) {
    let app = TestApp::new(backend).await;
    let t = app.sysadmin().await;
    // x14: no groups yet.
    let r = app.get("/api/3/action/group_list").await;
    assert_eq!(r.text, transcript_text("x14-group_list-empty"));
    app.ok(
        "organization_create",
        json!({"name": "so-giao-duc-tay-ninh", "title": "Sở Giáo dục và Đào tạo tỉnh Tây Ninh"}),
        Some(&t),
    )
    .await;
    // 07: names only.
    let r = app.get("/api/3/action/organization_list").await;
    assert_eq!(r.text, transcript_text("07-organization_list"));
    for i in 1..=10 {
        app.ok(
            "organization_create",
            json!({"name": format!("org-{i:02}"), "title": format!("Đơn vị {i}")}),
            Some(&t),
        )
        .await;
    }
    // x13.
    let r = app
        .get("/api/3/action/organization_list?limit=3&sort=name%20desc")
        .await;
    assert_eq!(r.text, transcript_text("x13-organization_list-limit"));
    // Default sort is by title (folded: "Đơn vị" before "Sở").
    let all = org_names(&app, "").await;
    assert_eq!(all.len(), 11);
    assert_eq!(all[0], "org-01");
    assert_eq!(all[10], "so-giao-duc-tay-ninh");
    assert_eq!(org_names(&app, "?sort=name").await[0], "org-01");
    assert_eq!(
        org_names(&app, "?sort=title%20desc").await[0],
        "so-giao-duc-tay-ninh"
    );
    assert_eq!(
        org_names(&app, "?limit=2&offset=2&sort=name").await,
        ["org-03", "org-04"]
    );
    // order_by is the deprecated spelling of sort.
    assert_eq!(org_names(&app, "?order_by=name&limit=1").await, ["org-01"]);
    assert_eq!(
        org_names(&app, "?order_by=name&sort=title%20desc&limit=1").await,
        ["so-giao-duc-tay-ninh"]
    );
    // Sort errors are CKAN's `{"message": ...}` validation errors.
    for (sort, message) in [
        ("bogus", "Cannot sort by field `bogus`"),
        ("name%20up", "Invalid sort direction `up`"),
        (
            "name%20asc,title%20desc",
            "Too many sort criteria provided only 1 allowed",
        ),
    ] {
        let r = app
            .get(&format!("/api/3/action/organization_list?sort={sort}"))
            .await;
        assert_eq!(
            r.error(409),
            &json!({"message": message, "__type": "Validation Error"}),
            "{sort}"
        );
    }
    // The direction is case-insensitive, the field is not; `packages` alone sorts descending.
    assert_eq!(
        org_names(&app, "?sort=name%20DESC&limit=1").await,
        ["so-giao-duc-tay-ninh"]
    );
    app.get("/api/3/action/organization_list?sort=NAME")
        .await
        .error(409);
    assert_eq!(org_names(&app, "?sort=packages").await.len(), 11);
}

async fn list_limits_and_all_fields(backend: Backend) {
    let app = TestApp::new(backend).await;
    let t = app.sysadmin().await;
    for i in 0..27 {
        app.call_as(
            operator(),
            "organization_create",
            json!({"name": format!("org-{i:02}")}),
        )
        .await;
    }
    let count = |v: &Value| v.as_array().expect("list").len();
    assert_eq!(
        count(app.get("/api/3/action/organization_list").await.result()),
        27
    );
    assert_eq!(
        count(
            app.get("/api/3/action/organization_list?limit=0")
                .await
                .result()
        ),
        27
    );
    let r = app
        .get("/api/3/action/organization_list?all_fields=true")
        .await;
    assert_eq!(count(r.result()), 25, "all_fields caps at 25");
    assert!(r.result()[0].is_object());
    assert_eq!(
        count(
            app.get("/api/3/action/organization_list?all_fields=true&limit=100")
                .await
                .result()
        ),
        25
    );
    assert_eq!(
        count(
            app.get("/api/3/action/organization_list?all_fields=true&limit=0")
                .await
                .result()
        ),
        27
    );
    assert_eq!(
        count(
            app.get("/api/3/action/organization_list?all_fields=true&limit=5&offset=25")
                .await
                .result()
        ),
        2
    );
    // all_fields: no users, extras or groups unless asked.
    let r = app
        .get("/api/3/action/organization_list?all_fields=true&limit=1")
        .await;
    let o = r.result()[0].as_object().expect("object");
    for k in ["users", "extras", "groups"] {
        assert!(!o.contains_key(k), "{k}");
    }
    assert_eq!(o["package_count"], 0);
    let r = app.get("/api/3/action/organization_list?all_fields=true&limit=1&include_extras=true&include_users=true").await;
    let o = r.result()[0].as_object().expect("object");
    assert!(o["extras"].is_array() && o["users"].is_array());
    let _ = t;
}

async fn list_q_filters_names_titles_and_descriptions(backend: Backend) {
    let app = TestApp::new(backend).await;
    let t = app.sysadmin().await;
    app.ok(
        "organization_create",
        json!({"name": "so-giao-duc", "title": "Sở Giáo dục"}),
        Some(&t),
    )
    .await;
    app.ok(
        "organization_create",
        json!({"name": "so-y-te", "title": "Sở Y tế", "description": "bệnh viện"}),
        Some(&t),
    )
    .await;
    app.ok(
        "organization_create",
        json!({"name": "cuc-thong-ke", "title": "Cục Thống kê"}),
        Some(&t),
    )
    .await;
    assert_eq!(org_names(&app, "?q=giao").await, ["so-giao-duc"]);
    assert_eq!(
        org_names(&app, "?q=Gi%C3%A1o").await,
        ["so-giao-duc"],
        "accents fold"
    );
    assert_eq!(
        org_names(&app, "?q=SO-&sort=name").await,
        ["so-giao-duc", "so-y-te"]
    );
    assert_eq!(org_names(&app, "?q=benh").await, ["so-y-te"]);
    assert!(org_names(&app, "?q=nothing-matches").await.is_empty());
}

async fn update_keeps_members_without_users_and_replaces_with_users(backend: Backend) {
    let app = TestApp::new(backend).await;
    let admin = app.sysadmin().await;
    let (_, alice) = app.user("alice", false).await;
    app.user("bob", false).await;
    app.user("carol", false).await;
    app.ok(
        "organization_create",
        json!({"name": "org-a", "title": "A", "description": "first", "extras": [{"key": "k1", "value": "v1"}, {"key": "k2", "value": "v2"}]}),
        Some(&alice),
    )
    .await;
    app.ok(
        "organization_member_create",
        json!({"id": "org-a", "username": "bob", "role": "member"}),
        Some(&alice),
    )
    .await;

    // Without users: members kept (kho's documented choice), other keys kept.
    let r = app
        .ok(
            "organization_update",
            json!({"id": "org-a", "title": "A2"}),
            Some(&alice),
        )
        .await;
    assert_eq!(r["title"], "A2");
    assert_eq!(r["description"], "first");
    assert_eq!(members(&r), pairs(&[("alice", "admin"), ("bob", "member")]));
    // Empty extras leave extras unchanged.
    let r = app
        .ok(
            "organization_update",
            json!({"id": "org-a", "extras": []}),
            Some(&alice),
        )
        .await;
    assert_eq!(
        r["extras"],
        json!([{"key": "k1", "value": "v1"}, {"key": "k2", "value": "v2"}])
    );
    // A non-empty list replaces them; deleted: true drops a key.
    let r = app
        .ok(
            "organization_update",
            json!({"id": "org-a", "extras": [{"key": "k2", "value": "v2b"}, {"key": "k3", "value": "v3"}, {"key": "k1", "value": "x", "deleted": true}]}),
            Some(&alice),
        )
        .await;
    assert_eq!(
        r["extras"],
        json!([{"key": "k2", "value": "v2b"}, {"key": "k3", "value": "v3"}])
    );
    // With users: a full replace.
    let r = app
        .ok(
            "organization_update",
            json!({"id": "org-a", "users": [{"name": "alice", "capacity": "admin"}, {"name": "carol", "capacity": "editor"}]}),
            Some(&alice),
        )
        .await;
    assert_eq!(
        members(&r),
        pairs(&[("alice", "admin"), ("carol", "editor")])
    );
    let shown = app.get("/api/3/action/organization_show?id=org-a").await;
    assert_eq!(
        members(shown.result()),
        pairs(&[("alice", "admin"), ("carol", "editor")])
    );
    // Bad users are validation errors, and nothing changes.
    let r = app
        .action(
            "organization_update",
            json!({"id": "org-a", "users": [{"name": "nobody", "capacity": "admin"}]}),
            Some(&alice),
        )
        .await;
    assert_eq!(
        r.error(409)["users"],
        json!([{"name": ["User not found: nobody"]}])
    );
    let r = app
        .action(
            "organization_update",
            json!({"id": "org-a", "title": "T", "users": [{"name": "bob", "capacity": "owner"}]}),
            Some(&alice),
        )
        .await;
    assert_eq!(
        r.error(409)["users"],
        json!([{"capacity": ["role does not exist."]}])
    );
    let shown = app.get("/api/3/action/organization_show?id=org-a").await;
    assert_eq!(
        members(shown.result()),
        pairs(&[("alice", "admin"), ("carol", "editor")])
    );
    assert_eq!(shown.result()["title"], "A2");
    // Renaming works and keeps the id; the type cannot change.
    let r = app
        .ok(
            "organization_update",
            json!({"id": "org-a", "name": "org-b"}),
            Some(&admin),
        )
        .await;
    assert_eq!(r["name"], "org-b");
    let r = app
        .action(
            "organization_update",
            json!({"id": "org-b", "type": "other"}),
            Some(&admin),
        )
        .await;
    assert_eq!(r.error(409)["type"], json!(["Type cannot be updated"]));
}

async fn patch_keeps_everything_not_given(backend: Backend) {
    let app = TestApp::new(backend).await;
    let (_, alice) = app.user("alice", false).await;
    app.user("bob", false).await;
    app.ok(
        "group_create",
        json!({"name": "grp", "title": "Nhóm", "description": "d", "extras": [{"key": "k", "value": "v"}], "users": [{"name": "bob", "capacity": "member"}]}),
        Some(&alice),
    )
    .await;
    let r = app
        .ok(
            "group_patch",
            json!({"id": "grp", "description": "mới"}),
            Some(&alice),
        )
        .await;
    assert_eq!(r["description"], "mới");
    assert_eq!(r["title"], "Nhóm");
    assert_eq!(r["extras"], json!([{"key": "k", "value": "v"}]));
    assert_eq!(members(&r), pairs(&[("alice", "admin"), ("bob", "member")]));
    let r = app
        .action("group_patch", json!({"id": "grp", "title": "x"}), None)
        .await;
    r.error(403);
    let r = app
        .action(
            "group_patch",
            json!({"id": "nope", "title": "x"}),
            Some(&alice),
        )
        .await;
    r.error(404);
}

async fn editors_and_members_cannot_update_but_admins_can(backend: Backend) {
    let app = TestApp::new(backend).await;
    let (_, alice) = app.user("alice", false).await;
    let (_, bob) = app.user("bob", false).await;
    let (_, carol) = app.user("carol", false).await;
    let (_, dave) = app.user("dave", false).await;
    app.org("org-a", &alice).await;
    app.ok(
        "organization_member_create",
        json!({"id": "org-a", "username": "bob", "role": "editor"}),
        Some(&alice),
    )
    .await;
    app.ok(
        "organization_member_create",
        json!({"id": "org-a", "username": "carol", "role": "member"}),
        Some(&alice),
    )
    .await;
    for (who, tok) in [("bob", &bob), ("carol", &carol), ("dave", &dave)] {
        let r = app
            .action(
                "organization_update",
                json!({"id": "org-a", "title": who}),
                Some(tok),
            )
            .await;
        let msg = r.message(403);
        assert!(
            msg.starts_with(&format!(
                "Access denied: User {who} not authorized to edit organization"
            )),
            "{msg}"
        );
        let r = app
            .action(
                "organization_patch",
                json!({"id": "org-a", "title": who}),
                Some(tok),
            )
            .await;
        r.error(403);
        let r = app
            .action(
                "organization_member_create",
                json!({"id": "org-a", "username": "dave", "role": "admin"}),
                Some(tok),
            )
            .await;
        r.error(403);
        let r = app
            .action("organization_delete", json!({"id": "org-a"}), Some(tok))
            .await;
        r.error(403);
    }
    let shown = app.get("/api/3/action/organization_show?id=org-a").await;
    assert_eq!(shown.result()["title"], "ORG-A");
    assert_eq!(
        members(shown.result()),
        pairs(&[("alice", "admin"), ("bob", "editor"), ("carol", "member")])
    );
    let r = app
        .ok(
            "organization_update",
            json!({"id": "org-a", "title": "by admin"}),
            Some(&alice),
        )
        .await;
    assert_eq!(r["title"], "by admin");
}

async fn delete_hides_and_purge_removes(backend: Backend) {
    let app = TestApp::new(backend).await;
    let admin = app.sysadmin().await;
    let (_, alice) = app.user("alice", false).await;
    app.org("org-a", &alice).await;
    app.org("org-b", &alice).await;
    let r = app
        .action("organization_delete", json!({"id": "org-a"}), None)
        .await;
    r.error(403);
    let r = app
        .ok("organization_delete", json!({"id": "org-a"}), Some(&alice))
        .await;
    assert_eq!(r, Value::Null);
    assert_eq!(org_names(&app, "").await, ["org-b"]);
    assert_eq!(
        app.get("/api/3/action/organization_list?all_fields=true")
            .await
            .result()
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    let r = app
        .get_as("/api/3/action/organization_show?id=org-a", &admin)
        .await;
    assert_eq!(r.result()["state"], "deleted");
    assert_eq!(r.result()["users"], json!([]), "memberships are removed");
    let oid = r.result()["id"].as_str().expect("id").to_string();
    // CKAN's organization_show auth is group_show's, hence "group".
    let r = app.get("/api/3/action/organization_show?id=org-a").await;
    assert_eq!(r.error(403)["__type"], "Authorization Error");
    assert_eq!(
        r.message(403),
        format!("Access denied: User  not authorized to read group {oid}")
    );
    let r = app
        .get_as("/api/3/action/organization_show?id=org-a", &alice)
        .await;
    assert_eq!(
        r.message(403),
        format!("Access denied: User alice not authorized to read group {oid}")
    );
    let r = app
        .get(&format!("/api/3/action/member_list?id={oid}"))
        .await;
    r.error(403);
    let r = app
        .get_as(&format!("/api/3/action/member_list?id={oid}"), &admin)
        .await;
    assert_eq!(r.result(), &json!([]));

    // Purge: sysadmins only.
    let r = app
        .action("organization_purge", json!({"id": "org-b"}), Some(&alice))
        .await;
    assert_eq!(
        r.message(403),
        "Access denied: User alice not authorized to purge organizations"
    );
    let r = app
        .action("organization_purge", json!({"id": "org-b"}), None)
        .await;
    r.error(403);
    assert_eq!(org_names(&app, "").await, ["org-b"]);
    for id in ["org-a", "org-b"] {
        let r = app
            .ok("organization_purge", json!({"id": id}), Some(&admin))
            .await;
        assert_eq!(r, Value::Null);
        let r = app
            .get_as(&format!("/api/3/action/organization_show?id={id}"), &admin)
            .await;
        r.error(404);
    }
    assert!(org_names(&app, "").await.is_empty());
    // The name is free again.
    app.org("org-a", &alice).await;

    let g = app.group("grp", &alice).await;
    app.ok("group_delete", json!({"id": g["id"]}), Some(&alice))
        .await;
    assert_eq!(
        app.get("/api/3/action/group_list").await.result(),
        &json!([])
    );
    let r = app
        .action("group_purge", json!({"id": "grp"}), Some(&alice))
        .await;
    r.error(403);
    app.ok("group_purge", json!({"id": "grp"}), Some(&admin))
        .await;
    app.get_as("/api/3/action/group_show?id=grp", &admin)
        .await
        .error(404);
}

async fn organization_list_for_user_reports_capacity(backend: Backend) {
    let app = TestApp::new(backend).await;
    let admin = app.sysadmin().await;
    let (_, alice) = app.user("alice", false).await;
    let (_, bob) = app.user("bob", false).await;
    let (_, carol) = app.user("carol", false).await;
    app.org("org-a", &alice).await;
    app.org("org-b", &alice).await;
    app.ok(
        "organization_member_create",
        json!({"id": "org-a", "username": "bob", "role": "member"}),
        Some(&alice),
    )
    .await;
    app.ok(
        "organization_member_create",
        json!({"id": "org-b", "username": "bob", "role": "editor"}),
        Some(&alice),
    )
    .await;
    let caps = |v: &Value| -> Vec<(String, String)> {
        v.as_array()
            .expect("list")
            .iter()
            .map(|o| {
                (
                    o["name"].as_str().expect("name").into(),
                    o["capacity"].as_str().expect("capacity").into(),
                )
            })
            .collect()
    };
    let path = "/api/3/action/organization_list_for_user";
    assert_eq!(
        caps(app.get_as(path, &admin).await.result()),
        pairs(&[("org-a", "admin"), ("org-b", "admin")])
    );
    assert_eq!(
        caps(app.get_as(path, &alice).await.result()),
        pairs(&[("org-a", "admin"), ("org-b", "admin")])
    );
    assert_eq!(
        caps(app.get_as(path, &bob).await.result()),
        pairs(&[("org-a", "member"), ("org-b", "editor")])
    );
    assert_eq!(caps(app.get_as(path, &carol).await.result()), pairs(&[]));
    assert_eq!(app.get(path).await.result(), &json!([]));
    let r = app
        .get_as(&format!("{path}?permission=create_dataset"), &bob)
        .await;
    assert_eq!(caps(r.result()), pairs(&[("org-b", "editor")]));
    let r = app
        .get_as(&format!("{path}?id=bob&permission=admin"), &admin)
        .await;
    assert_eq!(caps(r.result()), pairs(&[]));
    let r = app
        .get_as(&format!("{path}?include_dataset_count=true"), &bob)
        .await;
    assert_eq!(r.result()[0]["package_count"], 0);
    // CKAN's get_roles_with_permission always includes admin: an unknown permission
    // lists the organizations where the user is admin.
    let r = app.get_as(&format!("{path}?permission=fly"), &bob).await;
    assert_eq!(caps(r.result()), pairs(&[]));
    let r = app.get_as(&format!("{path}?permission=fly"), &alice).await;
    assert_eq!(
        caps(r.result()),
        pairs(&[("org-a", "admin"), ("org-b", "admin")])
    );
    // group_list_dictize's keys, in CKAN's order.
    let r = app
        .get_as(
            &format!("{path}?include_dataset_count=true&include_member_count=true"),
            &alice,
        )
        .await;
    let keys: Vec<&String> = r.result()[0].as_object().expect("object").keys().collect();
    assert_eq!(
        keys,
        [
            "id",
            "name",
            "title",
            "type",
            "description",
            "image_url",
            "created",
            "is_organization",
            "approval_status",
            "state",
            "capacity",
            "display_name",
            "package_count",
            "member_count",
            "image_display_url",
        ]
    );
    assert_eq!(r.result()[0]["member_count"], 2);
    let r = app.get(&format!("{path}?id=nobody")).await;
    assert_eq!(r.error(404)["message"], "Not found");
}

async fn member_create_list_delete(backend: Backend) {
    let app = TestApp::new(backend).await;
    let (alice_user, alice) = app.user("alice", false).await;
    let (bob_user, bob) = app.user("bob", false).await;
    let org = app.org("org-a", &alice).await;
    let oid = org["id"].as_str().expect("id").to_string();

    let m = app
        .ok(
            "member_create",
            json!({"id": "org-a", "object": "bob", "object_type": "user", "capacity": "editor"}),
            Some(&alice),
        )
        .await;
    let keys: Vec<&String> = m.as_object().expect("object").keys().collect();
    // member_dictize is table_dictize: the member table's column order.
    assert_eq!(
        keys,
        [
            "id",
            "table_name",
            "table_id",
            "capacity",
            "group_id",
            "state"
        ]
    );
    assert_eq!(m["capacity"], "editor");
    assert_eq!(m["group_id"], oid.as_str());
    assert_eq!(m["table_id"], bob_user["id"]);
    assert_eq!(m["table_name"], "user");
    assert_eq!(m["state"], "active");

    let list_path = format!("/api/3/action/member_list?id={oid}&object_type=user");
    let mut rows = app
        .get(&list_path)
        .await
        .result()
        .as_array()
        .expect("list")
        .clone();
    rows.sort_by_key(|r| r[2].as_str().map(str::to_string));
    assert_eq!(
        rows,
        vec![
            json!([alice_user["id"], "user", "Admin"]),
            json!([bob_user["id"], "user", "Editor"])
        ]
    );
    // Labels are translated.
    let r = app.get(&format!("{list_path}&lang=vi")).await;
    let mut labels: Vec<String> = r
        .result()
        .as_array()
        .expect("list")
        .iter()
        .map(|x| x[2].as_str().expect("label").into())
        .collect();
    labels.sort();
    assert_ne!(
        kho_api::i18n::translate("vi", "Admin"),
        "Admin",
        "vi.yml translates the role labels"
    );
    let mut want = vec![
        kho_api::i18n::translate("vi", "Admin"),
        kho_api::i18n::translate("vi", "Editor"),
    ];
    want.sort();
    assert_eq!(labels, want);
    let r = app.get(&format!("{list_path}&capacity=editor")).await;
    assert_eq!(r.result().as_array().map(Vec::len), Some(1));

    // Upsert: a second member_create changes the capacity.
    let m2 = app
        .ok("member_create", json!({"id": oid, "object": bob_user["id"], "object_type": "user", "capacity": "member"}), Some(&alice))
        .await;
    assert_eq!(m2["id"], m["id"]);
    assert_eq!(m2["capacity"], "member");
    // Bob (a member) cannot manage members.
    let r = app
        .action(
            "member_delete",
            json!({"id": "org-a", "object": "alice", "object_type": "user"}),
            Some(&bob),
        )
        .await;
    r.error(403);
    let r = app
        .action(
            "member_create",
            json!({"id": "org-a", "object": "bob", "object_type": "user", "capacity": "admin"}),
            Some(&bob),
        )
        .await;
    r.error(403);
    let r = app
        .action(
            "member_create",
            json!({"id": "org-a", "object": "nobody", "object_type": "user", "capacity": "member"}),
            Some(&alice),
        )
        .await;
    r.error(404);
    // An admin cannot demote themselves.
    let r = app
        .action(
            "member_create",
            json!({"id": "org-a", "object": "alice", "object_type": "user", "capacity": "member"}),
            Some(&alice),
        )
        .await;
    r.error(403);

    let r = app
        .ok(
            "member_delete",
            json!({"id": "org-a", "object": "bob", "object_type": "user"}),
            Some(&alice),
        )
        .await;
    assert_eq!(r, Value::Null);
    let rows = app.get(&list_path).await;
    assert_eq!(rows.result(), &json!([[alice_user["id"], "user", "Admin"]]));
    let r = app
        .action(
            "member_delete",
            json!({"id": "org-a", "object": "bob", "object_type": "user"}),
            Some(&alice),
        )
        .await;
    r.error(404);
    let r = app.get("/api/3/action/member_list?id=nope").await;
    assert_eq!(
        r.error(404),
        &json!({"__type": "Not Found Error", "message": "Not found"})
    );
}

async fn member_roles_list_by_group_type(backend: Backend) {
    let app = TestApp::new(backend).await;
    let r = app.get("/api/3/action/member_roles_list").await;
    assert_eq!(
        r.result(),
        &json!([{"text": "Admin", "value": "admin"}, {"text": "Editor", "value": "editor"}, {"text": "Member", "value": "member"}])
    );
    let r = app
        .get("/api/3/action/member_roles_list?group_type=organization")
        .await;
    assert_eq!(r.result().as_array().map(Vec::len), Some(3));
    let r = app
        .get("/api/3/action/member_roles_list?group_type=group")
        .await;
    assert_eq!(
        r.result(),
        &json!([{"text": "Admin", "value": "admin"}, {"text": "Member", "value": "member"}])
    );
    // Only `group` drops the editor role (CKAN filters on group_type == "group").
    let r = app
        .get("/api/3/action/member_roles_list?group_type=custom")
        .await;
    assert_eq!(r.result().as_array().map(Vec::len), Some(3));
    let r = app
        .get("/api/3/action/member_roles_list?group_type=group&lang=vi")
        .await;
    assert_eq!(
        r.result()[0]["text"],
        kho_api::i18n::translate("vi", "Admin").as_str()
    );
    assert_eq!(r.result()[0]["value"], "admin");
}

async fn role_shorthands_validate_the_role(backend: Backend) {
    let app = TestApp::new(backend).await;
    let (_, alice) = app.user("alice", false).await;
    app.user("bob", false).await;
    let org = app.org("org-a", &alice).await;
    app.group("grp-a", &alice).await;
    let r = app
        .action(
            "organization_member_create",
            json!({"id": "org-a", "username": "bob", "role": "owner"}),
            Some(&alice),
        )
        .await;
    assert_eq!(
        r.error(409),
        &json!({"role": ["role does not exist."], "__type": "Validation Error"})
    );
    // No editors in groups.
    let r = app
        .action(
            "group_member_create",
            json!({"id": "grp-a", "username": "bob", "role": "editor"}),
            Some(&alice),
        )
        .await;
    assert_eq!(
        r.error(409),
        &json!({"role": ["role does not exist."], "__type": "Validation Error"})
    );
    let list = app
        .get(&format!(
            "/api/3/action/member_list?id={}",
            org["id"].as_str().expect("id")
        ))
        .await;
    assert_eq!(
        list.result().as_array().map(Vec::len),
        Some(1),
        "nothing written"
    );
    // CKAN validates member_schema first: 409s naming each bad field.
    let r = app
        .action(
            "organization_member_create",
            json!({"id": "org-a", "username": "nobody", "role": "member"}),
            Some(&alice),
        )
        .await;
    assert_eq!(
        r.error(409),
        &json!({"username": ["User not found: nobody"], "__type": "Validation Error"})
    );
    let r = app
        .action(
            "organization_member_create",
            json!({"id": "org-a", "username": "bob"}),
            Some(&alice),
        )
        .await;
    assert_eq!(
        r.error(409),
        &json!({"role": ["Missing value"], "__type": "Validation Error"})
    );
    let r = app
        .action(
            "organization_member_create",
            json!({"id": "nope", "username": "nobody", "role": "boss"}),
            None,
        )
        .await;
    assert_eq!(
        r.error(409),
        &json!({
            "id": ["That group name or ID does not exist."],
            "role": ["role does not exist."],
            "username": ["User not found: nobody"],
            "__type": "Validation Error",
        })
    );
    let r = app
        .action("organization_member_create", json!({}), Some(&alice))
        .await;
    let err = r.error(409);
    for f in ["id", "username", "role"] {
        assert_eq!(err[f], json!(["Missing value"]), "{f}");
    }
    // Valid input from a caller who is not an admin is refused.
    let r = app
        .action(
            "organization_member_create",
            json!({"id": "org-a", "username": "bob", "role": "member"}),
            None,
        )
        .await;
    r.error(403);
    // The shorthands check the kind.
    let r = app
        .action(
            "organization_member_create",
            json!({"id": "grp-a", "username": "bob", "role": "member"}),
            Some(&alice),
        )
        .await;
    r.error(404);
    let m = app
        .ok(
            "group_member_create",
            json!({"id": "grp-a", "username": "bob", "role": "member"}),
            Some(&alice),
        )
        .await;
    assert_eq!(m["capacity"], "member");
    let r = app
        .ok(
            "group_member_delete",
            json!({"id": "grp-a", "username": "bob"}),
            Some(&alice),
        )
        .await;
    assert_eq!(r, Value::Null);
    let g = app.get("/api/3/action/group_show?id=grp-a").await;
    assert_eq!(members(g.result()), pairs(&[("alice", "admin")]));
}

async fn group_list_authz_lists_groups_the_caller_can_add_to(backend: Backend) {
    let app = TestApp::new(backend).await;
    let admin = app.sysadmin().await;
    let (_, alice) = app.user("alice", false).await;
    let (_, bob) = app.user("bob", false).await;
    let (_, carol) = app.user("carol", false).await;
    app.group("grp-a", &alice).await;
    app.group("grp-b", &alice).await;
    app.org("org-a", &alice).await;
    app.ok(
        "group_member_create",
        json!({"id": "grp-b", "username": "bob", "role": "member"}),
        Some(&alice),
    )
    .await;
    let listed = |v: &Value| -> Vec<String> {
        v.as_array()
            .expect("list")
            .iter()
            .map(|g| g["name"].as_str().expect("name").to_string())
            .collect()
    };
    let path = "/api/3/action/group_list_authz";
    assert_eq!(
        listed(app.get_as(path, &alice).await.result()),
        ["grp-a", "grp-b"]
    );
    let r = app.get_as(path, &bob).await;
    assert_eq!(listed(r.result()), ["grp-b"]);
    // CKAN lists plain group dicts here: no capacity, counts only on request.
    let o = r.result()[0].as_object().expect("object");
    assert!(
        !o.contains_key("capacity") && !o.contains_key("package_count"),
        "{o:?}"
    );
    let r = app
        .get_as(
            &format!("{path}?include_dataset_count=true&include_member_count=true"),
            &bob,
        )
        .await;
    assert_eq!(r.result()[0]["package_count"], 0);
    assert_eq!(r.result()[0]["member_count"], 2);
    assert!(listed(app.get_as(path, &carol).await.result()).is_empty());
    assert!(listed(app.get(path).await.result()).is_empty());
    assert_eq!(
        listed(app.get_as(path, &admin).await.result()),
        ["grp-a", "grp-b"]
    );
    assert!(listed(
        app.get_as(&format!("{path}?am_member=true"), &admin)
            .await
            .result()
    )
    .is_empty());
}

async fn lists_default_to_the_plain_type(backend: Backend) {
    let app = TestApp::new(backend).await;
    let t = app.sysadmin().await;
    app.group("plain", &t).await;
    app.ok(
        "group_create",
        json!({"name": "themed", "type": "theme"}),
        Some(&t),
    )
    .await;
    app.org("org-a", &t).await;
    // CKAN: group_list lists type `group` unless `type` says otherwise; never organizations.
    assert_eq!(
        names(app.get("/api/3/action/group_list").await.result()),
        ["plain"]
    );
    assert_eq!(
        names(
            app.get("/api/3/action/group_list?type=theme")
                .await
                .result()
        ),
        ["themed"]
    );
    assert_eq!(
        names(
            app.get("/api/3/action/group_list?type=organization")
                .await
                .result()
        ),
        Vec::<String>::new()
    );
    assert_eq!(org_names(&app, "").await, ["org-a"]);
    assert_eq!(
        app.get("/api/3/action/group_show?id=themed").await.result()["type"],
        "theme"
    );
}

both_backends!(
    create_makes_the_creator_admin,
    show_by_id_or_name_with_include_flags,
    missing_and_wrong_kind_are_404,
    lists_match_ckan_transcripts,
    list_limits_and_all_fields,
    list_q_filters_names_titles_and_descriptions,
    update_keeps_members_without_users_and_replaces_with_users,
    patch_keeps_everything_not_given,
    editors_and_members_cannot_update_but_admins_can,
    delete_hides_and_purge_removes,
    organization_list_for_user_reports_capacity,
    member_create_list_delete,
    member_roles_list_by_group_type,
    role_shorthands_validate_the_role,
    group_list_authz_lists_groups_the_caller_can_add_to,
    lists_default_to_the_plain_type,
);
