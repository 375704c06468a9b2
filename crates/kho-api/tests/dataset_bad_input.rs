//! Bad input on datasets and resources (issue 3 "Bad input"): each case gets CKAN's answer
//! and leaves the store as it was; NUL characters round-trip on both backends; concurrent
//! `package_update`s of one dataset through the HTTP layer end with exactly one writer's
//! dataset and one activity per successful write.

mod common;

use common::*;
use serde_json::{json, Value};

/// A sysadmin, organizations `org-a` (with `editor` as editor) and `org-b`, and the dataset
/// `ds` in `org-a`. Returns (admin, editor) tokens.
async fn setup(app: &TestApp) -> (String, String) {
    let admin = app.sysadmin().await;
    let (_, editor) = app.user("editor", false).await;
    app.ok(
        "organization_create",
        json!({"name": "org-a", "users": [{"name": "editor", "capacity": "editor"}]}),
        Some(&admin),
    )
    .await;
    app.ok(
        "organization_create",
        json!({"name": "org-b"}),
        Some(&admin),
    )
    .await;
    app.ok(
        "package_create",
        json!({
            "name": "ds", "owner_org": "org-a", "notes": "original",
            "tags": [{"name": "alpha"}], "extras": [{"key": "k", "value": "v"}],
            "resources": [{"url": "http://example.com/r0", "name": "r0"}],
        }),
        Some(&admin),
    )
    .await;
    (admin, editor)
}

/// Everything a reader sees of the store's datasets: `ds` and the list of names.
async fn snapshot(app: &TestApp, admin: &str) -> (Value, Value, Value) {
    let ds = app
        .ok("package_show", json!({"id": "ds"}), Some(admin))
        .await;
    let list = app.ok("package_list", json!({}), Some(admin)).await;
    let acts = app
        .ok("package_activity_list", json!({"id": "ds"}), Some(admin))
        .await;
    (ds, list, json!(acts.as_array().map_or(0, Vec::len)))
}

async fn structural_errors_are_integrity_errors(backend: Backend) {
    let app = TestApp::new(backend).await;
    let (admin, _) = setup(&app).await;
    let before = snapshot(&app, &admin).await;
    for (field, value, class) in [
        ("tags", json!(["alpha", "beta"]), "list"),
        ("extras", json!({"a": "b"}), "dict"),
        ("resources", json!("http://example.com"), "str"),
    ] {
        for (action, mut body) in [
            (
                "package_create",
                json!({"name": "new-ds", "owner_org": "org-a"}),
            ),
            ("package_update", json!({"id": "ds"})),
            ("package_patch", json!({"id": "ds"})),
        ] {
            body[field] = value.clone();
            let r = app.action(action, body.clone(), Some(&admin)).await;
            let err = r.error(400);
            assert_eq!(err["__type"], "Integrity Error", "{action} {body}");
            assert_eq!(
                err["message"],
                format!(
                    "Only lists of dicts can be placed against subschema ('{field}',), not <class '{class}'>"
                ),
                "{action} {body}"
            );
        }
    }
    assert_eq!(snapshot(&app, &admin).await, before);
}

async fn extras_errors(backend: Backend) {
    let app = TestApp::new(backend).await;
    let (admin, _) = setup(&app).await;
    let before = snapshot(&app, &admin).await;
    // package_update needs the id: CKAN refuses a name there ("This key is read-only").
    let id = before.0["id"].clone();
    let dup = json!([{"key": "a", "value": "1"}, {"key": "a", "value": "2"}]);
    let core = json!([{"key": "title", "value": "x"}]);
    for action in ["package_create", "package_update"] {
        let base = if action == "package_create" {
            json!({"name": "new-ds", "owner_org": "org-a"})
        } else {
            json!({"id": id})
        };
        let mut body = base.clone();
        body["extras"] = dup.clone();
        let r = app.action(action, body, Some(&admin)).await;
        assert_eq!(
            r.error(409),
            &json!({"extras_validation": ["Duplicate key \"a\""], "__type": "Validation Error"}),
            "{action}"
        );
        let mut body = base.clone();
        body["extras"] = core.clone();
        let r = app.action(action, body, Some(&admin)).await;
        assert_eq!(
            r.error(409),
            &json!({"extras": [{"key": ["There is a schema field with the same name"]}],
                    "__type": "Validation Error"}),
            "{action}"
        );
    }
    assert_eq!(snapshot(&app, &admin).await, before);
}

async fn resource_without_url_gets_an_empty_one(backend: Backend) {
    let app = TestApp::new(backend).await;
    let (admin, _) = setup(&app).await;
    // CKAN's resource schema: `url` is optional and defaults to "".
    let d = app
        .ok(
            "package_create",
            json!({"name": "no-url", "owner_org": "org-a", "resources": [{"name": "no link"}]}),
            Some(&admin),
        )
        .await;
    assert_eq!(d["resources"][0]["url"], "");
    assert_eq!(d["resources"][0]["format"], "");
    let r = app
        .ok(
            "resource_create",
            json!({"package_id": "no-url", "name": "second"}),
            Some(&admin),
        )
        .await;
    assert_eq!(r["url"], "");
    assert_eq!(r["position"], 1);
}

async fn big_notes_fit_the_body_limit_or_get_413(backend: Backend) {
    let app = TestApp::new(backend).await;
    let (admin, _) = setup(&app).await;
    let before = snapshot(&app, &admin).await;
    // The body limit is 10 MiB (`max_body_bytes`): 10 MB of notes fit and round-trip...
    let notes = "Dữ liệu ".repeat(10_000_000 / "Dữ liệu ".len());
    let r = app
        .action(
            "package_create",
            json!({"name": "big-notes", "owner_org": "org-a", "notes": notes}),
            Some(&admin),
        )
        .await;
    assert_eq!(
        r.result()["notes"].as_str().map(str::len),
        Some(notes.len())
    );
    let shown = app
        .ok("package_show", json!({"id": "big-notes"}), Some(&admin))
        .await;
    assert!(shown["notes"] == json!(notes), "notes round-trip");
    // ...10 MiB of notes do not: 413 with the JSON envelope, and nothing is written.
    let notes = "x".repeat(10 * 1024 * 1024);
    let r = app
        .action(
            "package_update",
            json!({"id": "ds", "notes": notes}),
            Some(&admin),
        )
        .await;
    assert_eq!(
        r.status.as_u16(),
        413,
        "{}",
        &r.text[..r.text.len().min(300)]
    );
    assert_eq!(r.json["success"], false);
    let mut after = snapshot(&app, &admin).await;
    after.1 = before.1.clone(); // package_list now also holds big-notes
    assert_eq!(after, before);
}

/// Every free-text field of a dataset and a resource, with U+0000 (and U+0001, which the
/// Postgres encoding uses) inside.
async fn nul_characters_round_trip(backend: Backend) {
    let app = TestApp::new(backend).await;
    let (admin, _) = setup(&app).await;
    let t = |s: &str| format!("{s}\u{0}mid\u{1}dle\u{0}");
    let body = json!({
        "name": "nul-ds",
        "owner_org": "org-a",
        "title": t("title"),
        "notes": t("notes"),
        "author": t("author"),
        "maintainer": t("maintainer"),
        "url": t("http://example.com/"),
        "version": t("v"),
        "extras": [{"key": t("key"), "value": t("value")}],
        "resources": [{
            "url": t("http://example.com/r"),
            "name": t("name"),
            "description": t("description"),
            "hash": t("hash"),
            "mimetype": t("text/csv"),
            "mimetype_inner": t("inner"),
            "cache_url": t("http://cache"),
            "resource_type": t("type"),
            "custom": t("custom"),
        }],
    });
    let created = app.ok("package_create", body.clone(), Some(&admin)).await;
    let shown = app
        .ok("package_show", json!({"id": "nul-ds"}), Some(&admin))
        .await;
    assert_eq!(created, shown);
    for k in ["title", "notes", "author", "maintainer", "url", "version"] {
        assert_eq!(shown[k], body[k], "{k}");
    }
    assert_eq!(shown["extras"], body["extras"]);
    let res = &shown["resources"][0];
    for (k, v) in body["resources"][0].as_object().unwrap() {
        assert_eq!(&res[k], v, "resource {k}");
    }
    // And through a resource update and the activity snapshot.
    let r = app
        .ok(
            "resource_patch",
            json!({"id": res["id"], "description": t("patched")}),
            Some(&admin),
        )
        .await;
    assert_eq!(r["description"], json!(t("patched")));
    assert_eq!(r["name"], json!(t("name")));
    let acts = app
        .ok(
            "package_activity_list",
            json!({"id": "nul-ds"}),
            Some(&admin),
        )
        .await;
    let newest = app
        .ok(
            "activity_data_show",
            json!({"id": acts[0]["id"]}),
            Some(&admin),
        )
        .await;
    assert_eq!(newest["package"]["notes"], json!(t("notes")));
}

async fn owner_org_the_caller_does_not_belong_to(backend: Backend) {
    let app = TestApp::new(backend).await;
    let (admin, editor) = setup(&app).await;
    let before = snapshot(&app, &admin).await;
    let id = before.0["id"].clone();
    let r = app
        .action(
            "package_create",
            json!({"name": "elsewhere", "owner_org": "org-b"}),
            Some(&editor),
        )
        .await;
    assert_eq!(
        r.message(403),
        "Access denied: User editor not authorized to add dataset to this organization"
    );
    for action in ["package_update", "package_patch"] {
        let r = app
            .action(
                action,
                json!({"id": id, "owner_org": "org-b", "notes": "moved"}),
                Some(&editor),
            )
            .await;
        assert_eq!(
            r.error(409),
            &json!({"owner_org": ["You cannot add a dataset to this organization"],
                    "__type": "Validation Error"}),
            "{action}"
        );
    }
    assert_eq!(snapshot(&app, &admin).await, before);
}

/// `writers` concurrent `package_update`s through the HTTP layer, each with its own
/// resources, tags and extras: each succeeds or fails cleanly, the dataset ends as
/// exactly one writer's input, and there is one activity per successful write.
async fn concurrent_updates(app: &TestApp, admin: &str, writers: usize) {
    let acts_before = snapshot(app, admin).await.2.as_u64().unwrap_or(0);
    let id = app
        .ok("package_show", json!({"id": "ds"}), Some(admin))
        .await["id"]
        .clone();
    let body = |w: usize| {
        json!({
            "id": id,
            "notes": format!("writer {w}"),
            "tags": [{"name": format!("tag-{w}")}, {"name": format!("tag-{w}-b")}],
            "extras": [{"key": format!("k{w}"), "value": format!("v{w}")}],
            "resources": (0..3).map(|i| json!({"url": format!("http://example.com/{w}/{i}"), "name": format!("w{w}-r{i}")})).collect::<Vec<_>>(),
        })
    };
    let calls = (0..writers).map(|w| app.action("package_update", body(w), Some(admin)));
    let results = futures_util::future::join_all(calls).await;
    let mut ok = 0u64;
    for r in &results {
        if r.status.as_u16() == 200 {
            ok += 1;
        } else {
            assert!(
                r.status.is_client_error() || r.status.as_u16() == 503,
                "unclean failure: {}",
                r.text
            );
            assert_eq!(r.json["success"], false, "{}", r.text);
        }
    }
    assert!(ok >= 1, "no writer succeeded");
    let d = app
        .ok("package_show", json!({"id": "ds"}), Some(admin))
        .await;
    let w: usize = d["notes"]
        .as_str()
        .and_then(|n| n.strip_prefix("writer "))
        .and_then(|n| n.parse().ok())
        .expect("notes of one writer");
    let tags: Vec<&str> = d["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        tags,
        [format!("tag-{w}"), format!("tag-{w}-b")],
        "tags of writer {w}"
    );
    assert_eq!(
        d["extras"],
        json!([{"key": format!("k{w}"), "value": format!("v{w}")}])
    );
    let names: Vec<&str> = d["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [format!("w{w}-r0"), format!("w{w}-r1"), format!("w{w}-r2")]
    );
    let acts_after = snapshot(app, admin).await.2.as_u64().unwrap_or(0);
    assert_eq!(
        acts_after - acts_before,
        ok,
        "one activity per successful write"
    );
}

async fn two_and_ten_concurrent_package_updates(backend: Backend) {
    let app = TestApp::new(backend).await;
    let (admin, _) = setup(&app).await;
    concurrent_updates(&app, &admin, 2).await;
    concurrent_updates(&app, &admin, 10).await;
}

/// The same with each writer a spawned task, as separate HTTP requests are.
async fn concurrent_package_updates_spawned(backend: Backend) {
    let app = std::sync::Arc::new(TestApp::new(backend).await);
    let (admin, _) = setup(&app).await;
    let id = app
        .ok("package_show", json!({"id": "ds"}), Some(&admin))
        .await["id"]
        .clone();
    let mut handles = Vec::new();
    for w in 0..10usize {
        let app = app.clone();
        let admin = admin.clone();
        let id = id.clone();
        handles.push(tokio::spawn(async move {
            app.action(
                "package_update",
                json!({"id": id, "notes": format!("writer {w}"),
                       "resources": (0..3).map(|i| json!({"url": format!("http://example.com/{w}/{i}"), "name": format!("w{w}-r{i}")})).collect::<Vec<_>>(),
                       "extras": [{"key": format!("k{w}"), "value": format!("v{w}")}]}),
                Some(&admin),
            )
            .await
            .status
            .as_u16()
        }));
    }
    let mut ok = 0;
    for h in handles {
        let status = h.await.expect("join");
        assert!(
            status == 200 || status == 409 || status == 503,
            "status {status}"
        );
        if status == 200 {
            ok += 1;
        }
    }
    assert!(ok >= 1);
    let d = app
        .ok("package_show", json!({"id": "ds"}), Some(&admin))
        .await;
    let w = d["notes"]
        .as_str()
        .unwrap()
        .strip_prefix("writer ")
        .unwrap()
        .to_string();
    let names: Vec<String> = d["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        names,
        [format!("w{w}-r0"), format!("w{w}-r1"), format!("w{w}-r2")]
    );
    assert_eq!(
        d["extras"],
        json!([{"key": format!("k{w}"), "value": format!("v{w}")}])
    );
}

/// `resource_create`'s own save path ends where `package_update` with the resource
/// appended ends.
async fn resource_create_matches_package_update(backend: Backend) {
    let app = TestApp::new(backend).await;
    let (admin, _) = setup(&app).await;
    app.ok(
        "package_create",
        json!({"name": "twin", "owner_org": "org-a", "notes": "original",
               "tags": [{"name": "alpha"}], "extras": [{"key": "k", "value": "v"}],
               "resources": [{"url": "http://example.com/r0", "name": "r0"}]}),
        Some(&admin),
    )
    .await;
    let new = json!({"url": "http://example.com/data.csv", "name": "new", "size": "12",
                     "custom": "x", "last_modified": "2026-01-02T03:04:05"});
    let mut via_create = new.clone();
    via_create["package_id"] = json!("ds");
    app.ok("resource_create", via_create, Some(&admin)).await;
    let twin = app
        .ok("package_show", json!({"id": "twin"}), Some(&admin))
        .await;
    let mut resources = twin["resources"].as_array().unwrap().clone();
    resources.push(new);
    app.ok(
        "package_patch",
        json!({"id": "twin", "resources": resources}),
        Some(&admin),
    )
    .await;
    let strip = |mut d: Value| {
        for k in [
            "id",
            "name",
            "title",
            "metadata_created",
            "metadata_modified",
        ] {
            d.as_object_mut().unwrap().remove(k);
        }
        for r in d["resources"].as_array_mut().unwrap() {
            for k in ["id", "package_id", "created", "metadata_modified"] {
                r.as_object_mut().unwrap().remove(k);
            }
        }
        for t in d["tags"].as_array_mut().unwrap() {
            t.as_object_mut().unwrap().remove("id");
        }
        d
    };
    let a = app
        .ok("package_show", json!({"id": "ds"}), Some(&admin))
        .await;
    let b = app
        .ok("package_show", json!({"id": "twin"}), Some(&admin))
        .await;
    assert_eq!(strip(a), strip(b));
}

both_backends!(
    structural_errors_are_integrity_errors,
    extras_errors,
    resource_without_url_gets_an_empty_one,
    big_notes_fit_the_body_limit_or_get_413,
    nul_characters_round_trip,
    owner_org_the_caller_does_not_belong_to,
    two_and_ten_concurrent_package_updates,
    concurrent_package_updates_spawned,
    resource_create_matches_package_update,
);
