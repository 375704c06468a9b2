//! Access grants ("sharing on special request") and CKAN's dataset collaborators over
//! HTTP: who may manage them, what they open, and that expired or withdrawn access stops.

mod common;

use common::*;
use kho_catalog::CatalogConfig;
use kho_core::model::{AccessGrant, Grantee};
use serde_json::{json, Value};

both_backends!(
    grants_open_restricted_datasets_to_users_and_organizations,
    grant_input_errors_and_permissions,
    expired_and_withdrawn_grants_stop_working,
    collaborators_need_the_config_flag,
    collaborators_read_edit_and_are_listed,
    admin_collaborators_when_allowed,
    sharing_level_changes_move_the_audience,
);

/// Tokens of the cast: a sysadmin; `so-a` with admin `chu`, editor `bien`, member `thanh`;
/// `so-b` with member `khach`; `dan`, who belongs nowhere. `rieng` is a restricted dataset
/// of `so-a`, `mo` an open one.
struct Cast {
    admin: String,
    chu: String,
    bien: String,
    thanh: String,
    khach: String,
    dan: String,
    rieng: String,
}

async fn cast(app: &TestApp) -> Cast {
    let admin = app.sysadmin().await;
    let (_, chu) = app.user("chu", false).await;
    let (_, bien) = app.user("bien", false).await;
    let (_, thanh) = app.user("thanh", false).await;
    let (_, khach) = app.user("khach", false).await;
    let (_, dan) = app.user("dan", false).await;
    app.ok(
        "organization_create",
        json!({"name": "so-a", "users": [
            {"name": "chu", "capacity": "admin"},
            {"name": "bien", "capacity": "editor"},
            {"name": "thanh", "capacity": "member"},
        ]}),
        Some(&admin),
    )
    .await;
    app.ok(
        "organization_create",
        json!({"name": "so-b", "users": [{"name": "khach", "capacity": "member"}]}),
        Some(&admin),
    )
    .await;
    let rieng = app
        .ok(
            "package_create",
            json!({"name": "rieng", "owner_org": "so-a", "private": true}),
            Some(&admin),
        )
        .await["id"]
        .as_str()
        .expect("id")
        .to_owned();
    app.ok(
        "package_create",
        json!({"name": "mo", "owner_org": "so-a"}),
        Some(&admin),
    )
    .await;
    Cast {
        admin,
        chu,
        bien,
        thanh,
        khach,
        dan,
        rieng,
    }
}

/// Can `tok` read `rieng` through show, the organization's count and list, autocomplete
/// and the activity list? All read paths must agree.
async fn sees_rieng(app: &TestApp, tok: &str) -> bool {
    let shown = app
        .action("package_show", json!({"id": "rieng"}), Some(tok))
        .await;
    let show = match shown.status.as_u16() {
        200 => true,
        403 => false,
        s => panic!("package_show answered {s}: {}", shown.text),
    };
    let org = app
        .ok(
            "organization_show",
            json!({"id": "so-a", "include_datasets": true}),
            Some(tok),
        )
        .await;
    let listed = org["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .any(|p| p["name"] == "rieng");
    let counted = org["package_count"] == 2;
    let auto = app
        .ok("package_autocomplete", json!({"q": "rieng"}), Some(tok))
        .await;
    let completed = auto.as_array().is_some_and(|a| !a.is_empty());
    let acts = app
        .ok(
            "organization_activity_list",
            json!({"id": "so-a"}),
            Some(tok),
        )
        .await;
    let active = acts
        .as_array()
        .expect("activities")
        .iter()
        .any(|a| a["data"]["package"]["name"] == "rieng");
    assert_eq!(
        [show, listed, counted, completed, active],
        [show; 5],
        "read paths disagree (show, list, count, autocomplete, activity)"
    );
    show
}

fn grant(user: &str, reason: &str) -> Value {
    json!({"id": "rieng", "user": user, "reason": reason})
}

async fn grants_open_restricted_datasets_to_users_and_organizations(backend: Backend) {
    let app = TestApp::new(backend).await;
    let c = cast(&app).await;
    assert!(sees_rieng(&app, &c.thanh).await, "members read");
    assert!(!sees_rieng(&app, &c.dan).await);
    assert!(!sees_rieng(&app, &c.khach).await);

    let g = app
        .ok(
            "dataset_access_grant_create",
            grant("dan", "Công văn số 12/UBND"),
            Some(&c.chu),
        )
        .await;
    let keys: Vec<&str> = g.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "id",
            "package_id",
            "grantee_type",
            "grantee_id",
            "grantee_name",
            "reason",
            "expires",
            "created",
            "created_by",
            "active",
            "suspended"
        ]
    );
    assert_eq!(g["suspended"], Value::Null);
    assert_eq!(g["package_id"], c.rieng.as_str());
    assert_eq!(g["grantee_type"], "user");
    assert_eq!(g["grantee_name"], "dan");
    assert_eq!(g["reason"], "Công văn số 12/UBND");
    assert_eq!(g["expires"], Value::Null);
    assert_eq!(g["active"], true);
    assert!(sees_rieng(&app, &c.dan).await, "the grantee reads");
    assert!(!sees_rieng(&app, &c.khach).await, "nobody else does");

    // Granting again replaces the reason and expiry, keeping the grant's id.
    let again = app
        .ok(
            "dataset_access_grant_create",
            json!({"id": c.rieng, "user": "dan", "reason": "gia hạn", "expires": "2999-01-01"}),
            Some(&c.admin),
        )
        .await;
    assert_eq!(again["id"], g["id"]);
    assert_eq!(again["expires"], "2999-01-01T00:00:00");

    // A whole organization.
    app.ok(
        "dataset_access_grant_create",
        json!({"id": "rieng", "organization": "so-b", "reason": "liên thông"}),
        Some(&c.chu),
    )
    .await;
    assert!(
        sees_rieng(&app, &c.khach).await,
        "members of a grantee org read"
    );

    let list = app
        .ok(
            "dataset_access_grant_list",
            json!({"id": "rieng"}),
            Some(&c.bien),
        )
        .await;
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["grantee_name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["dan", "so-b"]);

    // A restricted dataset that is deleted is no longer the grantees'.
    app.ok("package_delete", json!({"id": "rieng"}), Some(&c.chu))
        .await;
    let r = app
        .action("package_show", json!({"id": "rieng"}), Some(&c.dan))
        .await;
    assert_eq!(r.status, 403, "{}", r.text);
    // Members still read it (lists leave deleted datasets out, as CKAN's do).
    let r = app
        .action("package_show", json!({"id": "rieng"}), Some(&c.thanh))
        .await;
    assert_eq!(r.result()["state"], "deleted");
}

async fn grant_input_errors_and_permissions(backend: Backend) {
    let app = TestApp::new(backend).await;
    let c = cast(&app).await;
    for tok in [
        Some(&c.bien),
        Some(&c.thanh),
        Some(&c.dan),
        Some(&c.khach),
        None,
    ] {
        let r = app
            .action(
                "dataset_access_grant_create",
                grant("dan", "x"),
                tok.map(String::as_str),
            )
            .await;
        assert_eq!(r.status, 403, "{}", r.text);
        assert_eq!(r.error(403)["__type"], "Authorization Error");
    }
    for tok in [Some(&c.thanh), Some(&c.dan), None] {
        let r = app
            .action(
                "dataset_access_grant_list",
                json!({"id": "rieng"}),
                tok.map(String::as_str),
            )
            .await;
        assert_eq!(r.status, 403, "{}", r.text);
    }
    let r = app
        .action(
            "dataset_access_grant_create",
            json!({"id": "rieng", "user": "dan", "expires": "2001-01-01"}),
            Some(&c.chu),
        )
        .await;
    assert_eq!(
        r.error(409),
        &json!({"__type": "Validation Error",
                "reason": ["Missing value"],
                "expires": ["The expiry must be in the future"]})
    );
    let r = app
        .action(
            "dataset_access_grant_create",
            json!({"id": "rieng", "user": "dan", "reason": "x", "expires": "mai"}),
            Some(&c.chu),
        )
        .await;
    assert_eq!(r.error(409)["expires"], json!(["Date format incorrect"]));
    let r = app
        .action(
            "dataset_access_grant_create",
            json!({"id": "rieng", "user": "dan", "organization": "so-b", "reason": "x"}),
            Some(&c.chu),
        )
        .await;
    assert_eq!(r.message(409), "Give exactly one of user or organization");
    let r = app
        .action(
            "dataset_access_grant_create",
            grant("khong-co", "x"),
            Some(&c.chu),
        )
        .await;
    assert_eq!(r.error(409)["user"], json!(["User not found"]));
    let r = app
        .action(
            "dataset_access_grant_create",
            json!({"id": "mo", "user": "dan", "reason": "x"}),
            Some(&c.chu),
        )
        .await;
    assert_eq!(
        r.message(409),
        "This dataset is open data: everyone may read it without a grant"
    );
    let r = app
        .action(
            "dataset_access_grant_create",
            json!({"id": "khong-co", "user": "dan", "reason": "x"}),
            Some(&c.chu),
        )
        .await;
    assert_eq!(r.status, 404, "{}", r.text);
    // Vietnamese messages.
    let r = app
        .action(
            "dataset_access_grant_create?lang=vi",
            json!({"id": "rieng", "user": "dan", "reason": "x", "expires": "2001-01-01"}),
            Some(&c.chu),
        )
        .await;
    assert_eq!(
        r.error(409)["expires"],
        json!(["Thời hạn phải ở trong tương lai"])
    );
    // Nothing was granted by any of these.
    let list = app
        .ok(
            "dataset_access_grant_list",
            json!({"id": "rieng", "include_expired": true}),
            Some(&c.chu),
        )
        .await;
    assert_eq!(list, json!([]));
    assert!(!sees_rieng(&app, &c.dan).await);
}

async fn expired_and_withdrawn_grants_stop_working(backend: Backend) {
    let app = TestApp::new(backend).await;
    let c = cast(&app).await;
    // An expired grant, as time would leave it (the API refuses past expiries).
    let (dan, _) = (
        app.ok("user_show", json!({"id": "dan"}), Some(&c.admin))
            .await,
        (),
    );
    let mut tx = app.catalog.store().begin().await.expect("begin");
    let now = kho_core::time::now_utc();
    tx.grant_upsert(&AccessGrant {
        id: "g-old".into(),
        package_id: c.rieng.clone(),
        grantee_type: Grantee::User,
        grantee_id: dan["id"].as_str().unwrap().into(),
        reason: "hết hạn".into(),
        expires: Some(now - chrono::Duration::seconds(1)),
        created: now - chrono::Duration::days(30),
        created_by: "someone".into(),
    })
    .await
    .expect("grant");
    tx.commit().await.expect("commit");
    assert!(
        !sees_rieng(&app, &c.dan).await,
        "an expired grant opens nothing"
    );
    let live = app
        .ok(
            "dataset_access_grant_list",
            json!({"id": "rieng"}),
            Some(&c.chu),
        )
        .await;
    assert_eq!(live, json!([]));
    let all = app
        .ok(
            "dataset_access_grant_list",
            json!({"id": "rieng", "include_expired": "true"}),
            Some(&c.chu),
        )
        .await;
    assert_eq!(all[0]["active"], false);
    assert_eq!(all[0]["grantee_name"], "dan");

    // Renewed, then withdrawn.
    app.ok(
        "dataset_access_grant_create",
        grant("dan", "gia hạn"),
        Some(&c.chu),
    )
    .await;
    assert!(sees_rieng(&app, &c.dan).await);
    let r = app
        .action(
            "dataset_access_grant_delete",
            json!({"id": "rieng", "user": "dan"}),
            Some(&c.bien),
        )
        .await;
    assert_eq!(r.status, 403, "editors may not withdraw: {}", r.text);
    assert_eq!(
        app.ok(
            "dataset_access_grant_delete",
            json!({"id": "rieng", "user": "dan"}),
            Some(&c.chu)
        )
        .await,
        Value::Null
    );
    assert!(!sees_rieng(&app, &c.dan).await);
    let r = app
        .action(
            "dataset_access_grant_delete",
            json!({"id": "rieng", "user": "dan"}),
            Some(&c.chu),
        )
        .await;
    assert_eq!(r.status, 404, "{}", r.text);
    assert_eq!(r.message(404), "Not found: Access grant not found");

    // A grant to an account deleted since can still be withdrawn, but a deleted account
    // gets no new grant.
    app.ok(
        "dataset_access_grant_create",
        grant("dan", "lần ba"),
        Some(&c.chu),
    )
    .await;
    app.ok("user_delete", json!({"id": "dan"}), Some(&c.admin))
        .await;
    let r = app
        .action(
            "dataset_access_grant_create",
            grant("dan", "x"),
            Some(&c.chu),
        )
        .await;
    assert_eq!(r.error(409)["user"], json!(["User not found"]));
    assert_eq!(
        app.ok(
            "dataset_access_grant_delete",
            json!({"id": "rieng", "user": "dan"}),
            Some(&c.chu)
        )
        .await,
        Value::Null
    );
}

fn with_collaborators(admin_collaborators: bool) -> CatalogConfig {
    CatalogConfig {
        site_url: SITE_URL.into(),
        allow_dataset_collaborators: true,
        allow_admin_collaborators: admin_collaborators,
        ..CatalogConfig::default()
    }
}

async fn collaborators_need_the_config_flag(backend: Backend) {
    let app = TestApp::new(backend).await;
    let c = cast(&app).await;
    let body = json!({"id": "rieng", "user_id": "dan", "capacity": "editor"});
    let r = app
        .action("package_collaborator_create", body.clone(), Some(&c.chu))
        .await;
    assert_eq!(
        r.error(409),
        &json!({"__type": "Validation Error", "message": "Dataset collaborators not enabled"})
    );
    let r = app
        .action("package_collaborator_create", body, Some(&c.bien))
        .await;
    assert_eq!(r.status, 403, "{}", r.text);
    assert_eq!(
        r.message(403),
        "Access denied: User bien not authorized to add collaborators to this dataset"
    );
    let r = app
        .action(
            "package_collaborator_list",
            json!({"id": "rieng"}),
            Some(&c.chu),
        )
        .await;
    assert_eq!(r.message(409), "Dataset collaborators not enabled");
    let r = app
        .action(
            "package_collaborator_create",
            json!({"id": "rieng"}),
            Some(&c.chu),
        )
        .await;
    assert_eq!(
        r.error(409),
        &json!({"__type": "Validation Error", "user_id": ["Missing value"],
                "capacity": ["Missing value"]})
    );
}

async fn collaborators_read_edit_and_are_listed(backend: Backend) {
    let app = TestApp::with_configs(backend, with_collaborators(false), Default::default()).await;
    let c = cast(&app).await;
    let r = app
        .action(
            "package_collaborator_create",
            json!({"id": "rieng", "user_id": "dan", "capacity": "admin"}),
            Some(&c.chu),
        )
        .await;
    assert_eq!(r.message(409), "Role must be one of \"editor, member\"");

    let m = app
        .ok(
            "package_collaborator_create",
            json!({"id": "rieng", "user_id": "dan", "capacity": "member"}),
            Some(&c.chu),
        )
        .await;
    let keys: Vec<&str> = m.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["package_id", "user_id", "capacity", "modified"]);
    assert_eq!(m["package_id"], c.rieng.as_str());
    assert_eq!(m["capacity"], "member");
    assert!(sees_rieng(&app, &c.dan).await, "member collaborators read");
    let r = app
        .action(
            "package_patch",
            json!({"id": "rieng", "notes": "x"}),
            Some(&c.dan),
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.text);

    // Editors edit, but may not move the dataset away.
    app.ok(
        "package_collaborator_create",
        json!({"id": "rieng", "user_id": "dan", "capacity": "editor"}),
        Some(&c.chu),
    )
    .await;
    let patched = app
        .ok(
            "package_patch",
            json!({"id": "rieng", "notes": "sửa"}),
            Some(&c.dan),
        )
        .await;
    assert_eq!(patched["notes"], "sửa");
    app.ok(
        "organization_member_create",
        json!({"id": "so-b", "username": "dan", "role": "editor"}),
        Some(&c.admin),
    )
    .await;
    let r = app
        .action(
            "package_patch",
            json!({"id": "rieng", "owner_org": "so-b"}),
            Some(&c.dan),
        )
        .await;
    assert_eq!(
        r.error(409)["owner_org"],
        json!(["You cannot move this dataset to another organization"])
    );
    // Only organization admins manage collaborators.
    let r = app
        .action(
            "package_collaborator_list",
            json!({"id": "rieng"}),
            Some(&c.dan),
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.text);

    let list = app
        .ok(
            "package_collaborator_list",
            json!({"id": "rieng"}),
            Some(&c.chu),
        )
        .await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["capacity"], "editor");
    let only_members = app
        .ok(
            "package_collaborator_list",
            json!({"id": "rieng", "capacity": "member"}),
            Some(&c.chu),
        )
        .await;
    assert_eq!(only_members, json!([]));
    let mine = app
        .ok(
            "package_collaborator_list_for_user",
            json!({"id": "dan"}),
            Some(&c.dan),
        )
        .await;
    let keys: Vec<&str> = mine[0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["package_id", "capacity", "modified"]);
    let r = app
        .action(
            "package_collaborator_list_for_user",
            json!({"id": "dan"}),
            Some(&c.khach),
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.text);

    // Removed: nothing left.
    app.ok(
        "package_collaborator_delete",
        json!({"id": "rieng", "user_id": "dan"}),
        Some(&c.chu),
    )
    .await;
    assert!(!sees_rieng(&app, &c.dan).await);
    let r = app
        .action(
            "package_collaborator_delete",
            json!({"id": "rieng", "user_id": "dan"}),
            Some(&c.chu),
        )
        .await;
    assert_eq!(
        r.message(404),
        "Not found: User dan is not a collaborator on this package"
    );
}

async fn admin_collaborators_when_allowed(backend: Backend) {
    let app = TestApp::with_configs(backend, with_collaborators(true), Default::default()).await;
    let c = cast(&app).await;
    app.ok(
        "package_collaborator_create",
        json!({"id": "rieng", "user_id": "dan", "capacity": "admin"}),
        Some(&c.chu),
    )
    .await;
    // An admin collaborator manages the other collaborators.
    app.ok(
        "package_collaborator_create",
        json!({"id": "rieng", "user_id": "khach", "capacity": "member"}),
        Some(&c.dan),
    )
    .await;
    assert!(sees_rieng(&app, &c.khach).await);
    let list = app
        .ok(
            "package_collaborator_list",
            json!({"id": "rieng"}),
            Some(&c.dan),
        )
        .await;
    assert_eq!(list.as_array().unwrap().len(), 2);
    let _ = &c.thanh;
}

/// What `tok` sees of `rieng`: (package_show answers, so-a's package_count, in
/// package_list).
async fn audience(app: &TestApp, tok: Option<String>) -> (bool, i64, bool) {
    let org = app
        .ok("organization_show", json!({"id": "so-a"}), tok.as_deref())
        .await;
    let listed = app.ok("package_list", json!({}), tok.as_deref()).await;
    let shown = app
        .action("package_show", json!({"id": "rieng"}), tok.as_deref())
        .await
        .status
        == 200;
    (
        shown,
        org["package_count"].as_i64().expect("count"),
        listed
            .as_array()
            .expect("list")
            .iter()
            .any(|n| n == "rieng"),
    )
}

/// Every way of changing a dataset's sharing level (patch with `sharing_level`, patch with
/// CKAN's `private`, update, the bulk actions) moves who sees it in every list at once.
async fn sharing_level_changes_move_the_audience(backend: Backend) {
    let app = TestApp::new(backend).await;
    let c = cast(&app).await;
    // khach belongs to so-b: a government account, not of the owning organization.
    let khach = Some(c.khach.clone());
    // The bulk actions take the organization's id (CKAN compares it with `owner_org`).
    let org_id = app
        .ok("organization_show", json!({"id": "so-a"}), None)
        .await["id"]
        .clone();
    assert_eq!(audience(&app, None).await, (false, 1, false));
    assert_eq!(audience(&app, khach.clone()).await, (false, 1, false));

    let d = app
        .ok(
            "package_patch",
            json!({"id": "rieng", "sharing_level": "shared"}),
            Some(&c.chu),
        )
        .await;
    assert_eq!(
        (d["sharing_level"].as_str(), d["private"].as_bool()),
        (Some("shared"), Some(true))
    );
    assert_eq!(audience(&app, None).await, (false, 1, false));
    assert_eq!(audience(&app, khach.clone()).await, (true, 2, false));

    let d = app
        .ok(
            "package_patch",
            json!({"id": "rieng", "private": false}),
            Some(&c.chu),
        )
        .await;
    assert_eq!(d["sharing_level"], "open");
    assert_eq!(audience(&app, None).await, (true, 2, true));

    app.ok(
        "bulk_update_private",
        json!({"datasets": [c.rieng], "org_id": org_id}),
        Some(&c.chu),
    )
    .await;
    assert_eq!(audience(&app, None).await, (false, 1, false));
    assert_eq!(audience(&app, khach.clone()).await, (false, 1, false));

    app.ok(
        "bulk_update_public",
        json!({"datasets": [c.rieng], "org_id": org_id}),
        Some(&c.chu),
    )
    .await;
    assert_eq!(audience(&app, None).await, (true, 2, true));

    // A full update that says restricted.
    let mut full = app
        .ok("package_show", json!({"id": "rieng"}), Some(&c.chu))
        .await;
    full["sharing_level"] = "restricted".into();
    full["private"] = true.into();
    app.ok("package_update", full, Some(&c.chu)).await;
    assert_eq!(audience(&app, None).await, (false, 1, false));
    assert_eq!(audience(&app, khach).await, (false, 1, false));
    let _ = (&c.admin, &c.bien, &c.thanh, &c.dan);
}
