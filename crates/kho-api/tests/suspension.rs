//! Suspension (regulations, requirement 12) over HTTP: accounts, API tokens and access
//! grants are suspended with a reason, refused on every call, and restored when lifted;
//! each step is in the activity stream with its actor and reason.

mod common;

use common::*;
use serde_json::{json, Value};

both_backends!(
    an_organization_admin_suspends_its_members,
    a_suspended_account_is_refused_on_every_call,
    suspended_tokens_and_who_may_lift_them,
    a_suspended_grant_stops_granting,
);

async fn token_id(app: &TestApp, user: &str, admin: &str) -> String {
    let list = app
        .ok("api_token_list", json!({"user_id": user}), Some(admin))
        .await;
    list[0]["id"].as_str().expect("token id").to_owned()
}

fn refused(r: &Resp, reason: &str) {
    let err = r.error(403);
    assert_eq!(err["__type"], "Authorization Error");
    assert_eq!(
        err["message"],
        json!(format!("Access denied: suspended: {reason}"))
    );
}

fn types(activities: &Value) -> Vec<String> {
    activities
        .as_array()
        .expect("list")
        .iter()
        .map(|a| a["activity_type"].as_str().unwrap_or("").to_owned())
        .collect()
}

/// The owning agency: an organization's admins suspend and reinstate its members, never a
/// sysadmin, and never lift a sysadmin's suspension.
async fn an_organization_admin_suspends_its_members(backend: Backend) {
    let app = TestApp::new(backend).await;
    let admin = app.sysadmin().await;
    app.org("so-a", &admin).await;
    let (_, chu) = app.user("chu", false).await;
    let (_, t) = app.user("thanh", false).await;
    let (_, ngoai) = app.user("ngoai", false).await;
    for (user, role) in [("chu", "admin"), ("thanh", "member")] {
        app.ok(
            "organization_member_create",
            json!({"id": "so-a", "username": user, "role": role}),
            Some(&admin),
        )
        .await;
    }
    // Not a member's account of theirs, not a sysadmin's.
    for (id, token) in [("ngoai", &chu), ("admin", &chu), ("thanh", &ngoai)] {
        let r = app
            .action(
                "user_suspend",
                json!({"id": id, "reason": "x"}),
                Some(token),
            )
            .await;
        assert_eq!(r.status, 403, "{id}: {}", r.text);
    }
    app.ok(
        "user_suspend",
        json!({"id": "thanh", "reason": "nghỉ việc"}),
        Some(&chu),
    )
    .await;
    refused(
        &app.get_as("/api/3/action/status_show", &t).await,
        "nghỉ việc",
    );
    app.ok("user_unsuspend", json!({"id": "thanh"}), Some(&chu))
        .await;
    assert_eq!(
        app.get_as("/api/3/action/status_show", &t).await.status,
        200
    );
    // A sysadmin's suspension stays until a sysadmin lifts it.
    app.ok(
        "user_suspend",
        json!({"id": "thanh", "reason": "điều tra"}),
        Some(&admin),
    )
    .await;
    for action in ["user_unsuspend", "user_suspend"] {
        let r = app
            .action(action, json!({"id": "thanh", "reason": "khác"}), Some(&chu))
            .await;
        assert_eq!(r.status, 403, "{action}: {}", r.text);
    }
    refused(
        &app.get_as("/api/3/action/status_show", &t).await,
        "điều tra",
    );
    app.ok("user_unsuspend", json!({"id": "thanh"}), Some(&admin))
        .await;
}

async fn a_suspended_account_is_refused_on_every_call(backend: Backend) {
    let app = TestApp::new(backend).await;
    let admin = app.sysadmin().await;
    let (thanh, t) = app.user("thanh", false).await;
    let (_, other) = app.user("other", false).await;
    assert_eq!(
        app.get_as("/api/3/action/status_show", &t).await.status,
        200
    );
    // Reason required; sysadmins only; not oneself.
    let r = app
        .action(
            "user_suspend",
            json!({"id": "thanh", "reason": "  "}),
            Some(&admin),
        )
        .await;
    assert_eq!(r.error(409)["reason"], json!(["Missing value"]));
    let r = app
        .action(
            "user_suspend",
            json!({"id": "thanh", "reason": "x"}),
            Some(&other),
        )
        .await;
    assert_eq!(r.status, 403);
    let r = app
        .action(
            "user_suspend",
            json!({"id": "admin", "reason": "x"}),
            Some(&admin),
        )
        .await;
    assert_eq!(r.status, 409);

    let s = app
        .ok(
            "user_suspend",
            json!({"id": "thanh", "reason": "vi phạm quy chế"}),
            Some(&admin),
        )
        .await;
    assert_eq!(s["id"], thanh["id"]);
    assert_eq!(s["suspended"]["reason"], "vi phạm quy chế");
    assert_eq!(s["suspended"]["by"], "admin");
    // Every call with the account's tokens, even one anyone may make anonymously.
    refused(
        &app.get_as("/api/3/action/status_show", &t).await,
        "vi phạm quy chế",
    );
    refused(
        &app.action("package_search", json!({}), Some(&t)).await,
        "vi phạm quy chế",
    );
    refused(
        &app.action(
            "api_token_create",
            json!({"user": "thanh", "name": "n"}),
            Some(&t),
        )
        .await,
        "vi phạm quy chế",
    );
    // Sysadmins see the state in user_show; others do not.
    let shown = app
        .ok("user_show", json!({"id": "thanh"}), Some(&admin))
        .await;
    assert_eq!(shown["suspended"]["reason"], "vi phạm quy chế");
    let public = app
        .ok("user_show", json!({"id": "thanh"}), Some(&other))
        .await;
    assert_eq!(public.get("suspended"), None);
    let stream = app
        .ok("user_activity_list", json!({"id": "thanh"}), Some(&admin))
        .await;
    assert_eq!(stream[0]["activity_type"], "suspended user");
    assert_eq!(
        stream[0]["user_id"],
        json!(token_owner(&app, "admin").await)
    );
    assert_eq!(stream[0]["data"]["reason"], "vi phạm quy chế");
    let hidden = app
        .ok("user_activity_list", json!({"id": "thanh"}), Some(&other))
        .await;
    assert!(!types(&hidden).contains(&"suspended user".to_owned()));

    let r = app
        .action("user_unsuspend", json!({"id": "thanh"}), Some(&other))
        .await;
    assert_eq!(r.status, 403);
    app.ok("user_unsuspend", json!({"id": "thanh"}), Some(&admin))
        .await;
    assert_eq!(
        app.get_as("/api/3/action/status_show", &t).await.status,
        200
    );
    let shown = app.ok("user_show", json!({"id": "thanh"}), Some(&t)).await;
    assert_eq!(shown.get("suspended"), None);
    let stream = app
        .ok("user_activity_list", json!({"id": "thanh"}), Some(&t))
        .await;
    assert_eq!(
        types(&stream)[..2],
        ["unsuspended user".to_owned(), "suspended user".to_owned()]
    );
    let r = app
        .action("user_unsuspend", json!({"id": "thanh"}), Some(&admin))
        .await;
    assert_eq!(r.status, 404);
}

async fn token_owner(app: &TestApp, name: &str) -> String {
    app.call_as(operator(), "user_show", json!({"id": name}))
        .await["id"]
        .as_str()
        .expect("id")
        .to_owned()
}

async fn suspended_tokens_and_who_may_lift_them(backend: Backend) {
    let app = TestApp::new(backend).await;
    let admin = app.sysadmin().await;
    let (_, chu) = app.user("chu", false).await;
    let (_, t) = app.user("thanh", false).await;
    let (_, dan) = app.user("dan", false).await;
    app.ok(
        "organization_create",
        json!({"name": "so-a", "users": [
            {"name": "chu", "capacity": "admin"},
            {"name": "thanh", "capacity": "member"},
        ]}),
        Some(&admin),
    )
    .await;
    let jti = token_id(&app, "thanh", &admin).await;
    let spare = app
        .ok(
            "api_token_create",
            json!({"user": "thanh", "name": "spare"}),
            Some(&t),
        )
        .await["token"]
        .as_str()
        .expect("token")
        .to_owned();
    // Outsiders may not; a missing reason is a validation error.
    let r = app
        .action(
            "api_token_suspend",
            json!({"jti": jti, "reason": "x"}),
            Some(&dan),
        )
        .await;
    assert_eq!(r.status, 403);
    let r = app
        .action("api_token_suspend", json!({"jti": jti}), Some(&admin))
        .await;
    assert_eq!(r.error(409)["reason"], json!(["Missing value"]));

    // A sysadmin's suspension: only a sysadmin lifts it, not the owner.
    app.ok(
        "api_token_suspend",
        json!({"jti": jti, "reason": "lộ token"}),
        Some(&admin),
    )
    .await;
    refused(
        &app.get_as("/api/3/action/status_show", &t).await,
        "lộ token",
    );
    assert_eq!(
        app.get_as("/api/3/action/status_show", &spare).await.status,
        200
    );
    let r = app
        .action("api_token_unsuspend", json!({"jti": jti}), Some(&spare))
        .await;
    assert_eq!(r.status, 403);
    app.ok("api_token_unsuspend", json!({"jti": jti}), Some(&admin))
        .await;
    assert_eq!(
        app.get_as("/api/3/action/status_show", &t).await.status,
        200
    );

    // The owner's organization admin suspends; the owner may not lift it, the admin may.
    app.ok(
        "api_token_suspend",
        json!({"token": t, "reason": "kiểm tra"}),
        Some(&chu),
    )
    .await;
    refused(
        &app.get_as("/api/3/action/status_show", &t).await,
        "kiểm tra",
    );
    let r = app
        .action("api_token_unsuspend", json!({"jti": jti}), Some(&spare))
        .await;
    assert_eq!(r.status, 403);
    app.ok("api_token_unsuspend", json!({"jti": jti}), Some(&chu))
        .await;

    // The owner suspends and lifts their own.
    app.ok(
        "api_token_suspend",
        json!({"jti": jti, "reason": "tạm nghỉ"}),
        Some(&spare),
    )
    .await;
    refused(
        &app.get_as("/api/3/action/status_show", &t).await,
        "tạm nghỉ",
    );
    app.ok("api_token_unsuspend", json!({"jti": jti}), Some(&spare))
        .await;
    assert_eq!(
        app.get_as("/api/3/action/status_show", &t).await.status,
        200
    );
    let r = app
        .action("api_token_unsuspend", json!({"jti": jti}), Some(&spare))
        .await;
    assert_eq!(r.status, 404);
    let stream = app
        .ok("user_activity_list", json!({"id": "thanh"}), Some(&admin))
        .await;
    let kinds = types(&stream);
    assert_eq!(
        kinds.iter().filter(|k| *k == "suspended api token").count(),
        3
    );
    assert_eq!(stream[0]["data"]["reason"], "tạm nghỉ");
    assert_eq!(stream[0]["data"]["token"]["id"], json!(jti));
}

async fn a_suspended_grant_stops_granting(backend: Backend) {
    let app = TestApp::new(backend).await;
    let admin = app.sysadmin().await;
    let (_, chu) = app.user("chu", false).await;
    let (_, thanh) = app.user("thanh", false).await;
    let (_, khach) = app.user("khach", false).await;
    app.ok(
        "organization_create",
        json!({"name": "so-a", "users": [
            {"name": "chu", "capacity": "admin"},
            {"name": "thanh", "capacity": "member"},
        ]}),
        Some(&admin),
    )
    .await;
    app.ok(
        "package_create",
        json!({"name": "rieng", "owner_org": "so-a", "private": true}),
        Some(&admin),
    )
    .await;
    app.ok(
        "dataset_access_grant_create",
        json!({"id": "rieng", "user": "khach", "reason": "Công văn 12"}),
        Some(&chu),
    )
    .await;
    let show = "/api/3/action/package_show?id=rieng";
    assert_eq!(app.get_as(show, &khach).await.status, 200);
    let body = json!({"id": "rieng", "user": "khach", "reason": "hết nhu cầu"});
    let r = app
        .action("dataset_access_grant_suspend", body.clone(), Some(&thanh))
        .await;
    assert_eq!(r.status, 403);
    let r = app
        .action(
            "dataset_access_grant_suspend",
            json!({"id": "rieng", "user": "khach"}),
            Some(&chu),
        )
        .await;
    assert_eq!(r.error(409)["reason"], json!(["Missing value"]));
    let g = app
        .ok("dataset_access_grant_suspend", body, Some(&chu))
        .await;
    assert_eq!(g["active"], false);
    assert_eq!(g["suspended"]["reason"], "hết nhu cầu");
    // As without the grant: refused, and not in the account's search.
    assert_eq!(app.get_as(show, &khach).await.status, 403);
    let found = app
        .ok(
            "package_search",
            json!({"include_private": true}),
            Some(&khach),
        )
        .await;
    assert_eq!(found["count"], 0);
    let listed = app
        .ok(
            "dataset_access_grant_list",
            json!({"id": "rieng"}),
            Some(&chu),
        )
        .await;
    assert_eq!(listed[0]["active"], false);
    assert_eq!(listed[0]["suspended"]["reason"], "hết nhu cầu");
    let stream = app
        .ok("package_activity_list", json!({"id": "rieng"}), Some(&chu))
        .await;
    assert_eq!(stream[0]["activity_type"], "suspended access grant");
    assert_eq!(stream[0]["data"]["reason"], "hết nhu cầu");
    assert_eq!(stream[0]["data"]["grant"]["grantee_name"], "khach");

    let g = app
        .ok(
            "dataset_access_grant_unsuspend",
            json!({"id": "rieng", "user": "khach"}),
            Some(&chu),
        )
        .await;
    assert_eq!(
        (g["active"].clone(), g["suspended"].clone()),
        (json!(true), Value::Null)
    );
    assert_eq!(app.get_as(show, &khach).await.status, 200);
    let r = app
        .action(
            "dataset_access_grant_unsuspend",
            json!({"id": "rieng", "user": "khach"}),
            Some(&chu),
        )
        .await;
    assert_eq!(r.status, 404);
}
