//! Bad input: each case gets the right status, a CKAN-shaped body with a clear message,
//! and writes nothing (checked with a follow-up list). Never a 500.

mod common;

use common::*;
use kho_api::ApiConfig;
use poem::http::{Method, StatusCode};
use poem::test::TestForm;
use serde_json::{json, Value};

const CREATE: &str = "/api/3/action/organization_create";

/// An app with a sysadmin token and one organization, `org-a`.
async fn setup(backend: Backend, api: ApiConfig) -> (TestApp, String) {
    let app = TestApp::with_config(backend, api).await;
    let t = app.sysadmin().await;
    app.org("org-a", &t).await;
    (app, t)
}

/// Nothing but `org-a` exists, and the users are unchanged.
async fn nothing_written(app: &TestApp) {
    let r = app.get("/api/3/action/organization_list?limit=0").await;
    assert_eq!(r.result(), &json!(["org-a"]), "an organization was written");
    let r = app.get("/api/3/action/group_list").await;
    assert_eq!(r.result(), &json!([]), "a group was written");
    let r = app.get("/api/3/action/user_list?all_fields=false").await;
    assert_eq!(r.result(), &json!(["admin"]), "a user was written");
}

async fn malformed_json(backend: Backend) {
    let (app, t) = setup(backend, ApiConfig::default()).await;
    let ckan = match transcript("x02-package_create-malformed-json") {
        Value::String(s) => s,
        other => panic!("{other}"),
    };
    assert!(ckan.starts_with("Bad request: JSON Error: Error decoding JSON data. Error: "));
    for body in [
        r#"{"name": "x","#,
        "{name: 'x'}",
        "{\"name\": \"x\"} trailing",
        "\u{feff}{}",
    ] {
        let r = app
            .post_raw(CREATE, Some("application/json"), body, Some(&t))
            .await;
        let msg = r.bare_string(400);
        assert!(
            msg.starts_with("Bad request: JSON Error: Error decoding JSON data. Error: "),
            "{body}: {msg}"
        );
        assert!(
            msg.contains("JSON data extracted from the request: "),
            "{msg}"
        );
    }
    // Nesting deeper than the parser allows is a decoding error, not a crash.
    let deep = format!(
        "{{\"name\": \"deep\", \"extras\": {}{}}}",
        "[".repeat(5000),
        "]".repeat(5000)
    );
    let r = app
        .post_raw(CREATE, Some("application/json"), deep, Some(&t))
        .await;
    assert!(r.bare_string(400).starts_with("Bad request: JSON Error: "));
    nothing_written(&app).await;
}

async fn json_that_is_not_an_object(backend: Backend) {
    let (app, t) = setup(backend, ApiConfig::default()).await;
    for body in [r#"[{"name": "x"}]"#, r#""x""#, "5", "null", "true"] {
        let r = app
            .post_raw(CREATE, Some("application/json"), body, Some(&t))
            .await;
        let msg = r.bare_string(400);
        assert!(
            msg.starts_with("Bad request: JSON Error: Request data JSON decoded to "),
            "{body}: {msg}"
        );
        assert!(
            msg.ends_with("but it needs to be a dictionary."),
            "{body}: {msg}"
        );
    }
    // The same through the legacy form-key path.
    let r = app
        .post_raw(
            CREATE,
            Some("application/x-www-form-urlencoded"),
            "%7B%22name%22%3A",
            Some(&t),
        )
        .await;
    assert!(
        r.bare_string(400)
            .starts_with("Bad request: JSON Error: Error decoding JSON data"),
        "{}",
        r.text
    );
    let r = app
        .post_raw(
            CREATE,
            Some("application/x-www-form-urlencoded"),
            "%5B1%5D=",
            Some(&t),
        )
        .await;
    assert!(r.status.is_client_error(), "{}", r.text);
    nothing_written(&app).await;
}

async fn wrong_types_are_validation_errors(backend: Backend) {
    let (app, t) = setup(backend, ApiConfig::default()).await;
    app.org("org-b", &t).await;
    let list = "/api/3/action/organization_list";
    for (body, field, msg) in [
        (json!({"limit": "abc"}), "limit", "Invalid integer"),
        (json!({"limit": 1.5}), "limit", "Invalid integer"),
        (json!({"limit": [1]}), "limit", "Invalid integer"),
        (json!({"limit": -1}), "limit", "Must be a natural number"),
        (json!({"offset": "x"}), "offset", "Invalid integer"),
    ] {
        let r = app.post_json(list, &body, None).await;
        assert_eq!(r.error(409)[field], json!([msg]), "{body}");
        assert_eq!(r.json["error"]["__type"], "Validation Error");
    }
    let r = app.get(&format!("{list}?limit=abc")).await;
    assert_eq!(r.error(409)["limit"], json!(["Invalid integer"]));
    // Numeric strings are integers.
    let r = app
        .post_json(list, &json!({"limit": "1", "sort": "name"}), None)
        .await;
    assert_eq!(r.result(), &json!(["org-a"]));
    let r = app.post_json(list, &json!({"limit": " 5 "}), None).await;
    assert_eq!(r.result().as_array().map(Vec::len), Some(2));

    // Booleans: CKAN's asbool spellings pass; anything else is a 4xx (CKAN: 500).
    for ok in ["true", "True", "yes", "on", "1", "f", "OFF"] {
        let r = app.get(&format!("{list}?all_fields={ok}")).await;
        assert_eq!(r.status, StatusCode::OK, "{ok}");
    }
    for bad in ["maybe", "", "2"] {
        let r = app.get(&format!("{list}?all_fields={bad}")).await;
        assert!(r.status.is_client_error(), "{bad}: {}", r.text);
        assert_eq!(r.error(409)["__type"], "Validation Error");
        assert!(
            r.json["error"]["all_fields"].is_array(),
            "{bad}: {}",
            r.text
        );
    }
    let r = app
        .get("/api/3/action/organization_show?id=org-a&include_users=perhaps")
        .await;
    assert!(r.error(409)["include_users"].is_array());

    // Strings where strings are expected.
    for body in [
        json!({"name": {"a": 1}}),
        json!({"name": ["x"]}),
        json!({"name": "typed", "title": ["x"]}),
        json!({"name": "typed", "description": {"x": 1}}),
    ] {
        let r = app
            .action("organization_create", body.clone(), Some(&t))
            .await;
        assert_eq!(r.error(409)["__type"], "Validation Error", "{body}");
    }
    let r = app.get("/api/3/action/organization_list?limit=0").await;
    assert_eq!(r.result(), &json!(["org-a", "org-b"]));
}

async fn structurally_bad_lists_are_integrity_errors(backend: Backend) {
    let (app, t) = setup(backend, ApiConfig::default()).await;
    for (body, message) in [
        (
            json!({"name": "x-extras", "extras": {"province": "Tây Ninh"}}),
            "Only lists of dicts can be placed against subschema ('extras',), not <class 'dict'>",
        ),
        (
            json!({"name": "x-extras", "extras": ["a", "b"]}),
            "Only lists of dicts can be placed against subschema ('extras',), not <class 'list'>",
        ),
        (
            json!({"name": "x-extras", "extras": "province=x"}),
            "Only lists of dicts can be placed against subschema ('extras',), not <class 'str'>",
        ),
        (
            json!({"name": "x-extras", "extras": [{"key": "a", "value": "b"}, "c"]}),
            "Values in lists need to be dicts",
        ),
        (
            json!({"name": "x-users", "users": "admin"}),
            "Only lists of dicts can be placed against subschema ('users',), not <class 'str'>",
        ),
        (
            json!({"name": "x-groups", "groups": 5}),
            "Only lists of dicts can be placed against subschema ('groups',), not <class 'int'>",
        ),
    ] {
        let r = app
            .action("organization_create", body.clone(), Some(&t))
            .await;
        let err = r.error(400);
        let keys: Vec<&String> = err.as_object().expect("object").keys().collect();
        assert_eq!(keys, ["__type", "message", "data"], "{body}");
        assert_eq!(err["__type"], "Integrity Error");
        assert_eq!(err["message"], message, "{body}");
        assert_eq!(err["data"], body, "the request is echoed");
    }
    // On update too, and the organization is unchanged.
    let r = app
        .action(
            "organization_update",
            json!({"id": "org-a", "title": "changed", "extras": {"k": "v"}}),
            Some(&t),
        )
        .await;
    assert_eq!(r.error(400)["__type"], "Integrity Error");
    let r = app
        .action(
            "organization_patch",
            json!({"id": "org-a", "title": "changed", "users": "x"}),
            Some(&t),
        )
        .await;
    assert_eq!(r.error(400)["__type"], "Integrity Error");
    assert_eq!(
        app.get("/api/3/action/organization_show?id=org-a")
            .await
            .result()["title"],
        "ORG-A"
    );
    nothing_written(&app).await;
}

async fn item_errors_are_per_item(backend: Backend) {
    let (app, t) = setup(backend, ApiConfig::default()).await;
    let r = app
        .action(
            "organization_create",
            json!({"name": "x-items", "extras": [{"key": "ok", "value": "1"}, {"value": "no key"}, {"key": "no value"}]}),
            Some(&t),
        )
        .await;
    assert_eq!(
        r.error(409)["extras"],
        json!([{}, {"key": ["Missing value"]}, {"value": ["Missing value"]}])
    );
    nothing_written(&app).await;
}

async fn bodies_over_the_limit_are_413(backend: Backend) {
    let (app, t) = setup(
        backend,
        ApiConfig {
            max_body_bytes: 1024,
            ..Default::default()
        },
    )
    .await;
    let body = json!({"name": "too-big", "description": "x".repeat(2000)});
    let text = body.to_string();
    // Streamed without Content-Length.
    let r = app
        .post_raw(CREATE, Some("application/json"), text.clone(), Some(&t))
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.text);
    assert_eq!(r.content_type(), JSON_CT);
    assert_eq!(r.json["success"], json!(false));
    assert!(
        r.json["error"]["message"]
            .as_str()
            .expect("message")
            .contains("1024"),
        "{}",
        r.text
    );
    // Announced by Content-Length.
    let len = text.len().to_string();
    let r = app
        .request(
            Method::POST,
            CREATE,
            &[
                ("authorization", t.as_str()),
                ("content-length", len.as_str()),
            ],
            Some(("application/json", text.into_bytes())),
        )
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    // As a form and as multipart.
    let form = format!("name=too-big&description={}", "y".repeat(2000));
    let r = app
        .post_raw(
            CREATE,
            Some("application/x-www-form-urlencoded"),
            form,
            Some(&t),
        )
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    let mp = TestForm::new()
        .text("name", "too-big")
        .text("description", "z".repeat(2000));
    let r = app.post_multipart(CREATE, mp, Some(&t)).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.text);
    // Just under the limit is fine.
    let r = app
        .action(
            "organization_create",
            json!({"name": "small", "description": "x".repeat(500)}),
            Some(&t),
        )
        .await;
    assert_eq!(r.result()["name"], "small");
    app.ok("organization_purge", json!({"id": "small"}), Some(&t))
        .await;
    nothing_written(&app).await;
}

async fn too_many_parameters(backend: Backend) {
    let (app, t) = setup(backend, ApiConfig::default()).await;
    let query: Vec<String> = (0..2000).map(|i| format!("k{i}=v")).collect();
    let r = app
        .get(&format!(
            "/api/3/action/organization_list?{}",
            query.join("&")
        ))
        .await;
    let msg = r.bare_string(400);
    assert!(
        msg.starts_with("Bad request: ") && msg.contains("too many parameters"),
        "{msg}"
    );
    // The same number of form fields or JSON keys.
    let r = app
        .post_raw(
            CREATE,
            Some("application/x-www-form-urlencoded"),
            format!("name=many&{}", query.join("&")),
            Some(&t),
        )
        .await;
    assert!(r.bare_string(400).contains("too many parameters"));
    let mut body = serde_json::Map::new();
    body.insert("name".into(), json!("many"));
    for i in 0..2000 {
        body.insert(format!("k{i}"), json!("v"));
    }
    let r = app
        .action("organization_create", Value::Object(body), Some(&t))
        .await;
    assert!(r.bare_string(400).contains("too many parameters"));
    let mut mp = TestForm::new().text("name", "many");
    for i in 0..1100 {
        mp = mp.text(format!("k{i}"), "v");
    }
    let r = app.post_multipart(CREATE, mp, Some(&t)).await;
    assert!(r.bare_string(400).contains("too many parameters"));
    nothing_written(&app).await;
}

async fn invalid_utf8_is_400(backend: Backend) {
    let (app, t) = setup(backend, ApiConfig::default()).await;
    for path in [
        "/api/3/action/organization_show?id=%FF",
        "/api/3/action/organization_list?q=%C3%28",
        "/api/3/action/organization_list?%FF=1",
    ] {
        let r = app.get(path).await;
        assert!(r.bare_string(400).starts_with("Bad request: "), "{path}");
    }
    let mut body = br#"{"name": "bad-utf8", "title": ""#.to_vec();
    body.extend_from_slice(&[0xff, 0xfe]);
    body.extend_from_slice(br#""}"#);
    let r = app
        .post_raw(CREATE, Some("application/json"), body, Some(&t))
        .await;
    assert!(
        r.bare_string(400).starts_with("Bad request: "),
        "{}",
        r.text
    );
    let r = app
        .post_raw(
            CREATE,
            Some("application/x-www-form-urlencoded"),
            "name=bad-utf8&title=%FF",
            Some(&t),
        )
        .await;
    assert!(r.bare_string(400).starts_with("Bad request: "));
    let mp = TestForm::new()
        .text("name", "bad-utf8")
        .bytes("title", vec![0xff, 0xfe]);
    let r = app.post_multipart(CREATE, mp, Some(&t)).await;
    assert!(
        r.bare_string(400).starts_with("Bad request: "),
        "{}",
        r.text
    );
    nothing_written(&app).await;
}

async fn unsupported_content_types_are_415(backend: Backend) {
    let (app, t) = setup(backend, ApiConfig::default()).await;
    for ct in ["text/plain", "application/xml", "text/csv; charset=utf-8"] {
        let r = app
            .post_raw(CREATE, Some(ct), r#"{"name": "plain"}"#, Some(&t))
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "{ct}: {}",
            r.text
        );
        assert_eq!(r.content_type(), JSON_CT);
        let keys: Vec<&String> = r.json.as_object().expect("envelope").keys().collect();
        assert_eq!(keys, ["help", "error", "success"]);
        assert_eq!(
            r.json["help"],
            "http://127.0.0.1:5000/api/3/action/help_show?name=organization_create"
        );
        assert!(r.json["error"]["message"]
            .as_str()
            .expect("message")
            .contains("application/json"));
    }
    // No body: nothing to refuse.
    let r = app
        .post_raw("/api/3/action/status_show", Some("text/plain"), "", None)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    // A JSON variant is JSON.
    let r = app
        .post_raw(
            CREATE,
            Some("application/vnd.api+json"),
            r#"{"name": "vnd"}"#,
            Some(&t),
        )
        .await;
    assert_eq!(r.result()["name"], "vnd");
    app.ok("organization_purge", json!({"id": "vnd"}), Some(&t))
        .await;
    nothing_written(&app).await;
}

async fn hostile_strings_are_validation_errors(backend: Backend) {
    let (app, t) = setup(backend, ApiConfig::default()).await;
    let lower = "Must be purely lowercase alphanumeric (ascii) characters and these symbols: -_";
    for name in [
        "x'; DROP TABLE \"group\"; --",
        "x' OR '1'='1",
        "../../etc/passwd",
        "a\u{0}b",
        "<script>alert(1)</script>",
        "org-a%00",
        "sở-y-tế",
        "ｏｒｇ",
        "org\u{202e}a",
    ] {
        for action in ["organization_create", "group_create"] {
            let r = app.action(action, json!({"name": name}), Some(&t)).await;
            assert_eq!(
                r.error(409)["name"],
                json!([lower]),
                "{action} {name:?}: {}",
                r.text
            );
        }
        let r = app
            .action(
                "user_create",
                json!({"name": name, "email": "h@example.org", "password": "long enough pw"}),
                Some(&t),
            )
            .await;
        assert_eq!(r.error(409)["name"], json!([lower]), "user {name:?}");
        // Looking them up is a plain 404.
        let r = app
            .post_json(
                "/api/3/action/organization_show",
                &json!({"id": name}),
                None,
            )
            .await;
        assert_eq!(r.error(404)["__type"], "Not Found Error", "{name:?}");
        let r = app
            .post_json("/api/3/action/user_show", &json!({"id": name}), None)
            .await;
        r.error(404);
        let r = app
            .post_json("/api/3/action/organization_list", &json!({"q": name}), None)
            .await;
        assert_eq!(r.result(), &json!([]), "{name:?}");
    }
    for (name, msg) in [
        ("new", "That name cannot be used"),
        ("x", "Must be at least 2 characters long"),
    ] {
        let r = app
            .action("organization_create", json!({"name": name}), Some(&t))
            .await;
        assert_eq!(r.error(409)["name"], json!([msg]));
    }
    let r = app
        .action(
            "organization_create",
            json!({"name": "a".repeat(10_000)}),
            Some(&t),
        )
        .await;
    assert_eq!(
        r.error(409)["name"],
        json!(["Name must be a maximum of 100 characters long"])
    );
    // Hostile values elsewhere are stored as given, not interpreted.
    let r = app.ok("organization_update", json!({"id": "org-a", "title": "x'; DROP TABLE \"group\"; --", "description": "a\u{0}b"}), Some(&t)).await;
    assert_eq!(r["title"], "x'; DROP TABLE \"group\"; --");
    let shown = app.get("/api/3/action/organization_show?id=org-a").await;
    assert_eq!(shown.result()["title"], "x'; DROP TABLE \"group\"; --");
    assert_eq!(shown.result()["description"], "a\u{0}b");
    assert!(shown.text.contains(r#"a\u0000b"#));
    app.ok(
        "organization_update",
        json!({"id": "org-a", "title": "ORG-A"}),
        Some(&t),
    )
    .await;
    nothing_written(&app).await;
}

async fn huge_queries_are_answered(backend: Backend) {
    let (app, t) = setup(backend, ApiConfig::default()).await;
    let q = "đ".repeat(200_000);
    let r = app
        .post_json("/api/3/action/organization_list", &json!({"q": q}), None)
        .await;
    assert_eq!(r.result(), &json!([]));
    let r = app
        .post_json(
            "/api/3/action/user_list",
            &json!({"q": "%' OR 1=1 --"}),
            None,
        )
        .await;
    assert_eq!(r.result(), &json!([]));
    let r = app
        .get("/api/3/action/organization_list?sort=name%3B%20DROP%20TABLE%20x")
        .await;
    assert_eq!(r.error(409)["message"], "Cannot sort by field `name;`");
    let r = app
        .get(&format!(
            "/api/3/action/organization_list?limit={}",
            "9".repeat(40)
        ))
        .await;
    assert!(
        r.status.is_client_error() || r.status == StatusCode::OK,
        "{}",
        r.text
    );
    assert_ne!(r.status, StatusCode::INTERNAL_SERVER_ERROR);
    let r = app
        .get(&format!(
            "/api/3/action/organization_list?offset={}",
            i64::MAX
        ))
        .await;
    assert_eq!(r.result(), &json!([]));
    let r = app
        .get(&format!(
            "/api/3/action/organization_list?limit={}",
            i64::MAX
        ))
        .await;
    assert_eq!(r.result(), &json!(["org-a"]));
    let _ = t;
    nothing_written(&app).await;
}

both_backends!(
    malformed_json,
    json_that_is_not_an_object,
    wrong_types_are_validation_errors,
    structurally_bad_lists_are_integrity_errors,
    item_errors_are_per_item,
    bodies_over_the_limit_are_413,
    too_many_parameters,
    invalid_utf8_is_400,
    unsupported_content_types_are_415,
    hostile_strings_are_validation_errors,
    huge_queries_are_answered,
);
