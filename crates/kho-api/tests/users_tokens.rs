//! Users and API tokens over HTTP (docs/ckan-api.md §1.3, §2.6, §4.4, §5; x11, x16).

mod common;

use common::*;
use poem::http::StatusCode;
use serde_json::{json, Value};

fn names(v: &Value) -> Vec<String> {
    v.as_array()
        .expect("list")
        .iter()
        .map(|u| u.as_str().expect("name").to_string())
        .collect()
}

async fn user_names(app: &TestApp) -> Vec<String> {
    names(
        app.get("/api/3/action/user_list?all_fields=false")
            .await
            .result(),
    )
}

async fn every_token_header_form_authenticates(backend: Backend) {
    let app = TestApp::new(backend).await;
    let (_, t) = app.user("alice", false).await;
    let path = "/api/3/action/api_token_list?user_id=alice";
    let bearer = format!("Bearer {t}");
    for headers in [
        vec![("authorization", t.as_str())],
        vec![("authorization", bearer.as_str())],
        vec![("x-ckan-api-key", t.as_str())],
        // ckanapi sends both.
        vec![
            ("authorization", t.as_str()),
            ("x-ckan-api-key", t.as_str()),
        ],
        // A bad Authorization does not hide a good X-CKAN-API-Key.
        vec![
            ("authorization", "not-a-valid-token"),
            ("x-ckan-api-key", t.as_str()),
        ],
    ] {
        let r = app.get_with(path, &headers).await;
        assert_eq!(r.status, StatusCode::OK, "{headers:?}: {}", r.text);
        assert_eq!(r.result()[0]["name"], "tests");
    }
    let r = app.get(path).await;
    assert_eq!(
        r.message(403),
        "Access denied: Action api_token_list requires an authenticated user"
    );
}

async fn an_unknown_token_is_anonymous(backend: Backend) {
    let app = TestApp::new(backend).await;
    let t = app.sysadmin().await;
    app.org("org-01", &t).await;
    // x11: a read works.
    let r = app
        .get_as(
            "/api/3/action/organization_list?limit=2",
            "not-a-valid-token",
        )
        .await;
    assert_eq!(r.result(), &json!(["org-01"]));
    assert_same_shape(&transcript("x11-bad-token"), &r.json, "x11");
    // x16: a write is refused as for an anonymous caller.
    let r = app
        .action(
            "organization_create",
            json!({"name": "x-bad-token"}),
            Some("not-a-valid-token"),
        )
        .await;
    let err = r.error(403);
    assert_eq!(err["__type"], "Authorization Error");
    assert_eq!(
        err["message"],
        "Access denied: Action organization_create requires an authenticated user"
    );
    assert_same_shape(&transcript("x16-package_create-bad-token"), &r.json, "x16");
    let keys: Vec<&String> = r.json.as_object().expect("object").keys().collect();
    assert_eq!(keys, ["help", "error", "success"]);
    let r = app.get("/api/3/action/organization_list").await;
    assert_eq!(r.result(), &json!(["org-01"]));
}

async fn revoked_tokens_are_refused_with_the_reason(backend: Backend) {
    let app = TestApp::new(backend).await;
    let (_, t) = app.user("alice", false).await;
    let laptop = app
        .ok(
            "api_token_create",
            json!({"user": "alice", "name": "laptop"}),
            Some(&t),
        )
        .await;
    let laptop = laptop["token"].as_str().expect("token").to_string();
    assert!(app
        .get_as("/api/3/action/api_token_list?user_id=alice", &laptop)
        .await
        .status
        .is_success());

    let r = app
        .action(
            "api_token_revoke",
            json!({"token": laptop, "reason": "leaked on a pastebin"}),
            Some(&t),
        )
        .await;
    assert_eq!(r.result(), &Value::Null);
    for r in [
        app.get_as("/api/3/action/api_token_list?user_id=alice", &laptop)
            .await,
        app.action(
            "organization_create",
            json!({"name": "by-revoked"}),
            Some(&laptop),
        )
        .await,
    ] {
        let err = r.error(403);
        assert_eq!(err["__type"], "Authorization Error");
        let msg = err["message"].as_str().expect("message");
        assert!(msg.starts_with("Access denied"), "{msg}");
        assert!(msg.contains("leaked on a pastebin"), "{msg}");
    }
    assert_eq!(
        app.get("/api/3/action/organization_list").await.result(),
        &json!([])
    );
    // The other token still works.
    assert!(app
        .get_as("/api/3/action/api_token_list?user_id=alice", &t)
        .await
        .status
        .is_success());
}

async fn token_list_shows_active_tokens_and_never_secrets(backend: Backend) {
    let app = TestApp::new(backend).await;
    let (_, t) = app.user("alice", false).await;
    let mut secrets = vec![t.clone()];
    for name in ["laptop", "ci"] {
        let r = app
            .ok(
                "api_token_create",
                json!({"user": "alice", "name": name}),
                Some(&t),
            )
            .await;
        let obj = r.as_object().expect("object");
        assert_eq!(obj.keys().collect::<Vec<_>>(), ["token"]);
        secrets.push(r["token"].as_str().expect("token").to_string());
    }
    let list = app
        .get_as("/api/3/action/api_token_list?user_id=alice", &t)
        .await;
    let tokens = list.result().as_array().expect("list").clone();
    assert_eq!(tokens.len(), 3);
    // Revoke "laptop" by its id (jti).
    let laptop = tokens
        .iter()
        .find(|x| x["name"] == "laptop")
        .expect("laptop");
    app.ok("api_token_revoke", json!({"jti": laptop["id"]}), Some(&t))
        .await;

    let list = app
        .get_as("/api/3/action/api_token_list?user_id=alice", &t)
        .await;
    let tokens = list.result().as_array().expect("list");
    let listed: Vec<&str> = tokens
        .iter()
        .map(|x| x["name"].as_str().expect("name"))
        .collect();
    assert_eq!(listed, ["tests", "ci"]);
    for tok in tokens {
        let keys: Vec<&String> = tok.as_object().expect("object").keys().collect();
        assert_eq!(keys, ["created_at", "id", "last_access", "name", "user_id"]);
        assert_eq!(
            tok["user_id"],
            app.get("/api/3/action/user_show?id=alice").await.result()["id"]
        );
    }
    for s in &secrets {
        assert!(!list.text.contains(s.as_str()), "a token secret leaked");
        assert!(!list.text.contains(&s[4..]), "a token secret leaked");
    }
    assert!(!list.text.contains("token_hash"));
    // The "tests" token has been used, so it has a last_access; "ci" not.
    assert!(tokens[0]["last_access"].is_string());
    assert!(tokens[1]["last_access"].is_null());
}

async fn tokens_for_other_users_need_a_sysadmin(backend: Backend) {
    let app = TestApp::new(backend).await;
    let admin = app.sysadmin().await;
    let (_, alice) = app.user("alice", false).await;
    let (_, bob) = app.user("bob", false).await;

    let r = app
        .action(
            "api_token_create",
            json!({"user": "bob", "name": "x"}),
            Some(&alice),
        )
        .await;
    assert_eq!(
        r.message(403),
        "Access denied: User alice not authorized to create API tokens for bob"
    );
    let r = app
        .get_as("/api/3/action/api_token_list?user_id=bob", &alice)
        .await;
    assert_eq!(r.error(403)["__type"], "Authorization Error");
    let bob_tokens = app
        .get_as("/api/3/action/api_token_list?user_id=bob", &bob)
        .await;
    let bob_jti = bob_tokens.result()[0]["id"].clone();
    let r = app
        .action("api_token_revoke", json!({"jti": bob_jti}), Some(&alice))
        .await;
    r.error(403);
    // Bob's token still works.
    assert!(app
        .get_as("/api/3/action/api_token_list?user_id=bob", &bob)
        .await
        .status
        .is_success());
    let r = app
        .action(
            "api_token_create",
            json!({"user": "bob", "name": "x"}),
            None,
        )
        .await;
    assert_eq!(
        r.message(403),
        "Access denied: Action api_token_create requires an authenticated user"
    );

    let r = app
        .ok(
            "api_token_create",
            json!({"user": "bob", "name": "issued"}),
            Some(&admin),
        )
        .await;
    let issued = r["token"].as_str().expect("token");
    let r = app
        .get_as("/api/3/action/api_token_list?user_id=bob", issued)
        .await;
    assert_eq!(r.result().as_array().map(Vec::len), Some(2));
    let r = app
        .action(
            "api_token_create",
            json!({"user": "nobody", "name": "x"}),
            Some(&admin),
        )
        .await;
    r.error(404);
}

async fn user_create_is_sysadmin_only(backend: Backend) {
    let app = TestApp::new(backend).await;
    let admin = app.sysadmin().await;
    let (_, alice) = app.user("alice", false).await;
    let body = json!({"name": "carol", "email": "carol@example.org", "password": "long enough pw"});
    let r = app.action("user_create", body.clone(), None).await;
    let err = r.error(403);
    assert_eq!(
        err["message"],
        "Access denied: User  not authorized to create users via the API"
    );
    let r = app.action("user_create", body.clone(), Some(&alice)).await;
    assert_eq!(
        r.message(403),
        "Access denied: User alice not authorized to create users via the API"
    );
    assert_eq!(user_names(&app).await, ["admin", "alice"]);

    let r = app.ok("user_create", body, Some(&admin)).await;
    assert_eq!(r["name"], "carol");
    assert_eq!(r["email"], "carol@example.org");
    assert!(r.as_object().expect("object").contains_key("apikey"));
    assert!(!r.as_object().expect("object").contains_key("password"));
    assert!(!r.as_object().expect("object").contains_key("password_hash"));
    assert_eq!(r["sysadmin"], false);
    assert_eq!(r["state"], "active");
    assert_eq!(user_names(&app).await, ["admin", "alice", "carol"]);

    // with_apitoken returns a working token.
    let r = app
        .ok("user_create", json!({"name": "dave", "email": "dave@example.org", "password": "long enough pw", "with_apitoken": true}), Some(&admin))
        .await;
    let tok = r["token"].as_str().expect("token");
    assert!(app
        .get_as("/api/3/action/api_token_list?user_id=dave", tok)
        .await
        .status
        .is_success());
}

async fn user_create_validation_messages_are_ckans(backend: Backend) {
    let app = TestApp::new(backend).await;
    let admin = app.sysadmin().await;
    app.user("alice", false).await;
    let lower = "Must be purely lowercase alphanumeric (ascii) characters and these symbols: -_";
    let cases: Vec<(Value, &str, String)> = vec![
        (json!({"name": "Alice2"}), "name", lower.into()),
        (json!({"name": "has space"}), "name", lower.into()),
        (json!({"name": "x"}), "name", "Must be at least 2 characters long".into()),
        (json!({"name": "a".repeat(101)}), "name", "Name must be a maximum of 100 characters long".into()),
        (
            json!({"name": "alice"}),
            "name",
            "The username is already associated with another account. Please use a different username.".into(),
        ),
        (json!({"email": "not-an-email"}), "email", "Email not-an-email is not a valid format".into()),
        (
            json!({"email": "alice@example.org"}),
            "email",
            "The email address 'alice@example.org' belongs to a registered user.".into(),
        ),
        (json!({"email": "ALICE@example.org"}), "email", "The email address 'alice@example.org' belongs to a registered user.".into()),
        (json!({"password": "short"}), "password", "Your password must be 8 characters or longer".into()),
        (json!({"password": null}), "password", "Missing value".into()),
        (json!({"email": null}), "email", "Missing value".into()),
        (json!({"name": ""}), "name", "Missing value".into()),
        (
            json!({"about": "see https://spam.example"}),
            "about",
            "Edit not allowed as it looks like spam. Please avoid links in your description.".into(),
        ),
    ];
    for (patch, field, msg) in cases {
        let mut body =
            json!({"name": "newuser", "email": "new@example.org", "password": "long enough pw"});
        for (k, v) in patch.as_object().expect("object") {
            if v.is_null() {
                body.as_object_mut().expect("object").remove(k);
            } else {
                body[k] = v.clone();
            }
        }
        let r = app.action("user_create", body.clone(), Some(&admin)).await;
        let err = r.error(409);
        assert_eq!(err["__type"], "Validation Error", "{body}");
        assert_eq!(err[field], json!([msg]), "{body}: {}", r.text);
    }
    // Several errors at once, each under its field.
    let r = app
        .action(
            "user_create",
            json!({"name": "A", "email": "x", "password": "1"}),
            Some(&admin),
        )
        .await;
    let err = r.error(409);
    for f in ["name", "email", "password"] {
        assert!(err[f].is_array(), "{f}: {}", r.text);
    }
    assert_eq!(user_names(&app).await, ["admin", "alice"]);
}

async fn user_show_reveals_private_fields_only_to_self_and_sysadmins(backend: Backend) {
    let app = TestApp::new(backend).await;
    let admin = app.sysadmin().await;
    let (_, alice) = app.user("alice", false).await;
    let (_, bob) = app.user("bob", false).await;
    let path = "/api/3/action/user_show?id=alice";
    for (who, r) in [
        ("anonymous", app.get(path).await),
        ("bob", app.get_as(path, &bob).await),
    ] {
        let u = r.result().as_object().expect("object");
        assert_eq!(u["name"], "alice", "{who}");
        assert!(!u.contains_key("email"), "{who} sees the email");
        assert!(!u.contains_key("apikey"), "{who} sees the apikey");
        assert!(!u.contains_key("password_hash"), "{who}");
        assert!(u["email_hash"].is_string(), "{who}");
    }
    for (who, r) in [
        ("alice", app.get_as(path, &alice).await),
        ("admin", app.get_as(path, &admin).await),
    ] {
        let u = r.result().as_object().expect("object");
        assert_eq!(u["email"], "alice@example.org", "{who}");
        assert!(u.contains_key("apikey"), "{who}");
        assert!(!u.contains_key("password_hash"), "{who}");
    }
    // user_dictize's key order: the table's columns, then the derived and private keys.
    let r = app
        .get_as(&format!("{path}&include_password_hash=true"), &admin)
        .await;
    let keys: Vec<&String> = r.result().as_object().expect("object").keys().collect();
    assert_eq!(
        keys,
        [
            "id",
            "name",
            "fullname",
            "created",
            "about",
            "last_active",
            "activity_streams_email_notifications",
            "sysadmin",
            "state",
            "image_url",
            "display_name",
            "email_hash",
            "number_created_packages",
            "apikey",
            "email",
            "password_hash",
            "image_display_url",
        ]
    );
    // The id works as well as the name.
    let id = app.get(path).await.result()["id"].clone();
    let r = app
        .get(&format!(
            "/api/3/action/user_show?id={}",
            id.as_str().expect("id")
        ))
        .await;
    assert_eq!(r.result()["name"], "alice");

    let with_hash = format!("{path}&include_password_hash=true");
    let r = app.get_as(&with_hash, &admin).await;
    let hash = r.result()["password_hash"]
        .as_str()
        .expect("hash for a sysadmin");
    assert!(hash.starts_with("$argon2"), "{hash}");
    for tok in [&alice, &bob] {
        let r = app.get_as(&with_hash, tok).await;
        assert!(!r
            .result()
            .as_object()
            .expect("object")
            .contains_key("password_hash"));
    }
    assert!(!app
        .get(&with_hash)
        .await
        .result()
        .as_object()
        .expect("object")
        .contains_key("password_hash"));
    let r = app.get("/api/3/action/user_show?id=nobody").await;
    assert_eq!(r.error(404)["__type"], "Not Found Error");
}

async fn user_list_names_and_dicts(backend: Backend) {
    let app = TestApp::new(backend).await;
    let admin = app.sysadmin().await;
    app.user("carol", false).await;
    app.user("bob", false).await;
    assert_eq!(user_names(&app).await, ["admin", "bob", "carol"]);
    let r = app.get("/api/3/action/user_list").await;
    let all = r.result().as_array().expect("list");
    assert_eq!(all.len(), 3);
    for u in all {
        assert!(u.is_object());
        assert!(
            !u.as_object().expect("object").contains_key("email"),
            "anonymous sees emails"
        );
    }
    let r = app
        .get("/api/3/action/user_list?q=car&all_fields=false")
        .await;
    assert_eq!(r.result(), &json!(["carol"]));
    let r = app
        .get_as(
            "/api/3/action/user_list?order_by=name&all_fields=true",
            &admin,
        )
        .await;
    assert_eq!(r.result()[1]["email"], "bob@example.org");
    // An order_by CKAN cannot sort by is ignored (display_name order).
    let r = app
        .get("/api/3/action/user_list?order_by=no_such_column&all_fields=false")
        .await;
    assert_eq!(r.result(), &json!(["admin", "bob", "carol"]));
}

async fn user_update_is_a_full_replace_and_patch_keeps_fields(backend: Backend) {
    let app = TestApp::new(backend).await;
    let (_, alice) = app.user("alice", false).await;
    let (_, bob) = app.user("bob", false).await;
    // update requires the email again.
    let r = app
        .action(
            "user_update",
            json!({"id": "alice", "fullname": "Alice"}),
            Some(&alice),
        )
        .await;
    assert_eq!(r.error(409)["email"], json!(["Missing value"]));
    let r = app
        .ok("user_update", json!({"id": "alice", "email": "alice@example.org", "fullname": "Alice", "about": "Hà Nội"}), Some(&alice))
        .await;
    assert_eq!(r["fullname"], "Alice");
    assert_eq!(r["display_name"], "Alice");
    // patch keeps what it is not given.
    let r = app
        .ok(
            "user_patch",
            json!({"id": "alice", "fullname": "Alice A."}),
            Some(&alice),
        )
        .await;
    assert_eq!(r["fullname"], "Alice A.");
    assert_eq!(r["about"], "Hà Nội");
    assert_eq!(r["email"], "alice@example.org");
    // The password still works: the token does, and a later update keeps it.
    let r = app.get_as("/api/3/action/user_show?id=alice", &alice).await;
    assert_eq!(r.result()["about"], "Hà Nội");
    // Someone else may not edit.
    let r = app
        .action(
            "user_patch",
            json!({"id": "alice", "fullname": "Mallory"}),
            Some(&bob),
        )
        .await;
    assert_eq!(r.error(403)["__type"], "Authorization Error");
    let r = app
        .action(
            "user_patch",
            json!({"id": "alice", "fullname": "Mallory"}),
            None,
        )
        .await;
    r.error(403);
    assert_eq!(
        app.get("/api/3/action/user_show?id=alice").await.result()["fullname"],
        "Alice A."
    );
}

async fn only_sysadmins_rename_users(backend: Backend) {
    let app = TestApp::new(backend).await;
    let admin = app.sysadmin().await;
    let (_, alice) = app.user("alice", false).await;
    app.user("bob", false).await;
    let r = app
        .action(
            "user_patch",
            json!({"id": "alice", "name": "alice2"}),
            Some(&alice),
        )
        .await;
    assert_eq!(
        r.error(409)["name"],
        json!(["That login name can not be modified."])
    );
    assert_eq!(user_names(&app).await, ["admin", "alice", "bob"]);
    // A sysadmin may, but not onto a taken name.
    let r = app
        .action(
            "user_patch",
            json!({"id": "alice", "name": "bob"}),
            Some(&admin),
        )
        .await;
    assert!(r.error(409)["name"].is_array());
    let r = app
        .ok(
            "user_patch",
            json!({"id": "alice", "name": "alice2"}),
            Some(&admin),
        )
        .await;
    assert_eq!(r["name"], "alice2");
    assert_eq!(user_names(&app).await, ["admin", "alice2", "bob"]);
    // The token follows the account, not the name.
    assert!(app
        .get_as("/api/3/action/api_token_list?user_id=alice2", &alice)
        .await
        .status
        .is_success());
    // Nobody can make themselves sysadmin.
    let r = app
        .action(
            "user_patch",
            json!({"id": "alice2", "sysadmin": true}),
            Some(&alice),
        )
        .await;
    r.error(403);
    assert_eq!(
        app.get("/api/3/action/user_show?id=alice2").await.result()["sysadmin"],
        false
    );
}

async fn user_delete_is_sysadmin_only_and_kills_tokens(backend: Backend) {
    let app = TestApp::new(backend).await;
    let admin = app.sysadmin().await;
    let (_, alice) = app.user("alice", false).await;
    let (_, bob) = app.user("bob", false).await;
    let org = app.org("org-a", &admin).await;
    app.ok(
        "organization_member_create",
        json!({"id": "org-a", "username": "bob", "role": "editor"}),
        Some(&admin),
    )
    .await;

    let r = app
        .action("user_delete", json!({"id": "bob"}), Some(&alice))
        .await;
    assert_eq!(r.error(403)["__type"], "Authorization Error");
    let r = app
        .action("user_delete", json!({"id": "bob"}), Some(&bob))
        .await;
    r.error(403);
    let r = app.action("user_delete", json!({"id": "bob"}), None).await;
    r.error(403);
    assert_eq!(user_names(&app).await, ["admin", "alice", "bob"]);

    let r = app
        .action("user_delete", json!({"id": "bob"}), Some(&admin))
        .await;
    assert_eq!(r.result(), &Value::Null);
    assert_eq!(user_names(&app).await, ["admin", "alice"]);
    let r = app
        .get_as("/api/3/action/api_token_list?user_id=bob", &bob)
        .await;
    assert_eq!(r.error(403)["__type"], "Authorization Error");
    let r = app
        .action(
            "organization_create",
            json!({"name": "by-deleted"}),
            Some(&bob),
        )
        .await;
    r.error(403);
    // Memberships are gone; the account stays, deleted.
    let r = app
        .get(&format!(
            "/api/3/action/member_list?id={}&object_type=user",
            org["id"].as_str().expect("id")
        ))
        .await;
    assert_eq!(r.result().as_array().map(Vec::len), Some(1));
    let r = app.get_as("/api/3/action/user_show?id=bob", &admin).await;
    assert_eq!(r.result()["state"], "deleted");
    let r = app
        .action("user_delete", json!({"id": "nobody"}), Some(&admin))
        .await;
    r.error(404);
}

both_backends!(
    every_token_header_form_authenticates,
    an_unknown_token_is_anonymous,
    revoked_tokens_are_refused_with_the_reason,
    token_list_shows_active_tokens_and_never_secrets,
    tokens_for_other_users_need_a_sysadmin,
    user_create_is_sysadmin_only,
    user_create_validation_messages_are_ckans,
    user_show_reveals_private_fields_only_to_self_and_sysadmins,
    user_list_names_and_dicts,
    user_update_is_a_full_replace_and_patch_keeps_fields,
    only_sysadmins_rename_users,
    user_delete_is_sysadmin_only_and_kills_tokens,
);
