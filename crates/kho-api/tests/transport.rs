//! Transport: URLs, envelope, encoding, request decoding, JSONP, CORS, methods, probes
//! (docs/ckan-api.md §1; transcripts 01, 26, x03, x04, x06, x11).
//!
//! Tests that reach the store run on both backends (`both_backends!` at the end); the plain
//! `#[tokio::test]`s never do (status_show, routing, CORS, methods) and run on SQLite only.

mod common;

use common::*;
use kho_api::ApiConfig;
use kho_catalog::CatalogConfig;
use poem::http::{Method, StatusCode};
use poem::test::TestForm;
use serde_json::{json, Value};

const HELP_STATUS: &str = "http://127.0.0.1:5000/api/3/action/help_show?name=status_show";

#[tokio::test]
async fn status_show_is_byte_identical_to_ckan() {
    let cfg = CatalogConfig {
        site_url: SITE_URL.into(),
        site_title: "CKAN".into(),
        ..Default::default()
    };
    let app = TestApp::with_configs(Backend::Sqlite, cfg, ApiConfig::default()).await;
    let r = app.get("/api/3/action/status_show").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.content_type(), JSON_CT);
    assert_eq!(r.text, transcript_text("01-status_show"));
    // The transcript's Content-Length (hyper sets the header when serving).
    assert_eq!(r.text.len(), 286);
    assert_eq!(
        r.header("cache-control"),
        Some("public, max-age=0, must-revalidate")
    );
}

async fn versioned_and_unversioned_urls_share_one_help_url(backend: Backend) {
    let app = TestApp::new(backend).await;
    for path in [
        "/api/3/action/status_show",
        "/api/action/status_show",
        "//api/3/action/status_show",
        "//api//action/status_show",
    ] {
        let r = app.get(path).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.text);
        assert_eq!(r.json["help"], HELP_STATUS, "{path}");
        assert_eq!(r.result()["site_url"], SITE_URL);
    }
    // The help URL names the action called, whatever the path.
    let r = app.get("/api/action/organization_list").await;
    assert_eq!(
        r.json["help"],
        "http://127.0.0.1:5000/api/3/action/help_show?name=organization_list"
    );
}

async fn envelope_key_order_and_content_type(backend: Backend) {
    let app = TestApp::new(backend).await;
    let r = app.get("/api/3/action/status_show").await;
    assert!(
        r.text.starts_with(&format!(
            "{{\"help\": \"{HELP_STATUS}\", \"success\": true, \"result\": {{"
        )),
        "{}",
        r.text
    );
    assert_eq!(r.content_type(), "application/json;charset=utf-8");

    let r = app.get("/api/3/action/organization_show?id=nope").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.content_type(), JSON_CT);
    let help = "http://127.0.0.1:5000/api/3/action/help_show?name=organization_show";
    assert!(
        r.text
            .starts_with(&format!("{{\"help\": \"{help}\", \"error\": {{")),
        "{}",
        r.text
    );
    assert!(r.text.ends_with("}, \"success\": false}"), "{}", r.text);
    // Exactly CKAN's bytes (x07).
    assert_eq!(r.text, transcript_text("x07-organization_show-404"));
}

async fn non_ascii_is_escaped_like_ckan(backend: Backend) {
    let app = TestApp::new(backend).await;
    let t = app.sysadmin().await;
    let body = json!({
        "name": "so-giao-duc-tay-ninh",
        "title": "Sở Giáo dục và Đào tạo tỉnh Tây Ninh",
        "description": "Cơ quan quản lý giáo dục cấp tỉnh",
        "extras": [{"key": "province", "value": "Tây Ninh"}],
    });
    let r = app.action("organization_create", body, Some(&t)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.text.is_ascii());
    let ckan = transcript_text("02-organization_create");
    for fragment in [
        r#""description": "C\u01a1 quan qu\u1ea3n l\u00fd gi\u00e1o d\u1ee5c c\u1ea5p t\u1ec9nh""#,
        r#""title": "S\u1edf Gi\u00e1o d\u1ee5c v\u00e0 \u0110\u00e0o t\u1ea1o t\u1ec9nh T\u00e2y Ninh""#,
        r#""extras": [{"key": "province", "value": "T\u00e2y Ninh"}]"#,
    ] {
        assert!(ckan.contains(fragment), "fixture lacks {fragment}");
        assert!(
            r.text.contains(fragment),
            "kho lacks {fragment}: {}",
            r.text
        );
    }
    assert_eq!(r.result()["title"], "Sở Giáo dục và Đào tạo tỉnh Tây Ninh");
}

#[tokio::test]
async fn unknown_action_is_a_bare_string() {
    let app = TestApp::new(Backend::Sqlite).await;
    let r = app.get("/api/3/action/no_such_action").await;
    assert_eq!(
        r.bare_string(400),
        "Bad request: Action name not known: no_such_action"
    );
    assert_eq!(r.text, transcript_text("26-unknown-action"));
    let r = app
        .post_json("/api/action/no_such_action", &json!({}), None)
        .await;
    assert_eq!(
        r.bare_string(400),
        "Bad request: Action name not known: no_such_action"
    );
}

async fn get_on_a_write_action_is_a_bare_string(backend: Backend) {
    let app = TestApp::new(backend).await;
    let t = app.sysadmin().await;
    let r = app
        .get_as("/api/3/action/organization_create?name=via-get", &t)
        .await;
    assert_eq!(
        r.bare_string(400),
        "Bad request: JSON Error: Invalid request. Please use POST method for your request"
    );
    let list = app.get("/api/3/action/organization_list").await;
    assert_eq!(list.result(), &json!([]));
}

#[tokio::test]
async fn wrong_versions_and_trailing_slashes_are_json_404s() {
    let app = TestApp::new(Backend::Sqlite).await;
    for path in [
        "/api/2/action/status_show",
        "/api/4/action/status_show",
        "/api/1/action/package_list?limit=2",
        "/api/3/action/status_show/",
        "/api/action/status_show/",
        "/no/such/page",
    ] {
        let r = app.get(path).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}: {}", r.text);
        assert_eq!(r.content_type(), JSON_CT, "{path}");
        assert_eq!(r.json["success"], json!(false), "{path}");
        assert_eq!(r.json["error"]["__type"], "Not Found Error", "{path}");
        let keys: Vec<&String> = r.json.as_object().expect("object").keys().collect();
        assert_eq!(keys, ["help", "error", "success"], "{path}");
    }
}

async fn locale_prefix_routes_and_translates(backend: Backend) {
    let app = TestApp::new(backend).await;
    let r = app.get("/vi/api/3/action/status_show").await;
    assert_eq!(r.json["help"], HELP_STATUS);
    r.result();
    let r = app.get("/vi/api/3/action/organization_show").await;
    let vi = kho_api::i18n::translate("vi", "Missing value");
    assert_ne!(vi, "Missing value", "vi.yml translates 'Missing value'");
    assert_eq!(r.error(409)["id"], json!([vi]));
    assert!(r.text.is_ascii(), "Vietnamese is \\u-escaped too");
    // English without a prefix; ?lang=vi and Accept-Language work as well.
    let r = app.get("/api/3/action/organization_show").await;
    assert_eq!(r.error(409)["id"], json!(["Missing value"]));
    let r = app.get("/api/3/action/organization_show?lang=vi").await;
    assert_eq!(r.error(409)["id"], json!([vi]));
    let r = app
        .get_with(
            "/api/3/action/organization_show",
            &[("accept-language", "vi-VN,vi;q=0.9")],
        )
        .await;
    assert_eq!(r.error(409)["id"], json!([vi]));
    // An unsupported prefix is not a locale.
    let r = app.get("/xx/api/3/action/status_show").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // ?lang= also chooses the language of a POST to a write action, whose query string
    // CKAN's precedence rules otherwise leave undecoded.
    let token = app.sysadmin().await;
    let r = app
        .post_json(
            "/api/3/action/organization_create?lang=vi",
            &json!({"title": "Sở Y tế"}),
            Some(&token),
        )
        .await;
    assert_eq!(r.error(409)["name"], json!([vi]));
}

#[tokio::test]
async fn api_version_documents() {
    let app = TestApp::new(Backend::Sqlite).await;
    for (path, v) in [
        ("/api", 1),
        ("/api/", 1),
        ("/api/1", 1),
        ("/api/2", 2),
        ("/api/3", 3),
        ("/api/3/", 3),
    ] {
        let r = app.get(path).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        assert_eq!(r.content_type(), JSON_CT, "{path}");
        assert_eq!(r.text, format!("{{\"version\": {v}}}"), "{path}");
    }
    let r = app.get("/api/4").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

async fn post_to_a_read_action_prefers_the_query_string(backend: Backend) {
    let app = TestApp::new(backend).await;
    let t = app.sysadmin().await;
    app.org("org-a", &t).await;
    app.org("org-b", &t).await;
    // x06: a read action over POST with a JSON body.
    let r = app
        .post_json(
            "/api/3/action/organization_show",
            &json!({"id": "org-b"}),
            None,
        )
        .await;
    assert_eq!(r.result()["name"], "org-b");
    // The query string wins over the body.
    let r = app
        .post_json(
            "/api/3/action/organization_show?id=org-a",
            &json!({"id": "org-b"}),
            None,
        )
        .await;
    assert_eq!(r.result()["name"], "org-a");
    // A write action ignores the query string and reads the body.
    let r = app
        .post_json(
            "/api/3/action/organization_create?name=from-query",
            &json!({"name": "from-body"}),
            Some(&t),
        )
        .await;
    assert_eq!(r.result()["name"], "from-body");
}

async fn form_encoded_and_multipart_posts(backend: Backend) {
    let app = TestApp::new(backend).await;
    let t = app.sysadmin().await;
    let r = app
        .post_raw(
            "/api/3/action/organization_create",
            Some("application/x-www-form-urlencoded"),
            "name=form-org&title=S%E1%BB%9F+Y+t%E1%BA%BF",
            Some(&t),
        )
        .await;
    assert_eq!(r.result()["name"], "form-org");
    assert_eq!(r.result()["title"], "Sở Y tế");

    let form = TestForm::new()
        .text("name", "multipart-org")
        .text("description", "từ multipart");
    let r = app
        .post_multipart("/api/3/action/organization_create", form, Some(&t))
        .await;
    assert_eq!(r.result()["name"], "multipart-org");
    assert_eq!(r.result()["description"], "từ multipart");

    // Form values are strings; numeric parameters go through int_validator.
    let r = app
        .post_raw(
            "/api/3/action/organization_list",
            Some("application/x-www-form-urlencoded"),
            "limit=1&sort=name",
            None,
        )
        .await;
    assert_eq!(r.result(), &json!(["form-org"]));
    let form = TestForm::new().text("limit", "1").text("sort", "name desc");
    let r = app
        .post_multipart("/api/3/action/organization_list", form, None)
        .await;
    assert_eq!(r.result(), &json!(["multipart-org"]));
}

async fn legacy_json_as_a_form_key(backend: Backend) {
    let app = TestApp::new(backend).await;
    let t = app.sysadmin().await;
    // `curl -d '{"name": ...}'` sends JSON as form data.
    let r = app
        .post_raw(
            "/api/3/action/organization_create",
            Some("application/x-www-form-urlencoded"),
            r#"{"name": "legacy-org", "title": "Legacy"}"#,
            Some(&t),
        )
        .await;
    assert_eq!(r.result()["name"], "legacy-org");
    assert_eq!(r.result()["title"], "Legacy");
    // The same with `=1`.
    let r = app
        .post_raw(
            "/api/3/action/organization_show",
            Some("application/x-www-form-urlencoded"),
            "%7B%22id%22%3A%22legacy-org%22%7D=1",
            None,
        )
        .await;
    assert_eq!(r.result()["name"], "legacy-org");
}

async fn repeated_get_keys_are_lists(backend: Backend) {
    let app = TestApp::new(backend).await;
    let t = app.sysadmin().await;
    for n in ["org-a", "org-b", "org-c"] {
        app.org(n, &t).await;
    }
    let r = app
        .get("/api/3/action/organization_list?organizations=org-a&organizations=org-c&sort=name")
        .await;
    assert_eq!(r.result(), &json!(["org-a", "org-c"]));
    let r = app
        .get("/api/3/action/organization_list?organizations=org-b")
        .await;
    assert_eq!(r.result(), &json!(["org-b"]));
}

async fn jsonp_wraps_runs_anonymously_and_checks_the_callback(backend: Backend) {
    let app = TestApp::new(backend).await;
    let t = app.sysadmin().await;
    app.org("org-a", &t).await;
    let r = app
        .get("/api/3/action/status_show?callback=jQuery.cb_1")
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.content_type(), "application/javascript;charset=utf-8");
    assert!(
        r.text.starts_with(&format!(
            "jQuery.cb_1({{\"help\": \"{HELP_STATUS}\", \"success\": true,"
        )),
        "{}",
        r.text
    );
    assert!(r.text.ends_with("});"));

    // With a token the call sees the sysadmin; with a callback it is anonymous.
    let r = app
        .get_as("/api/3/action/organization_list_for_user", &t)
        .await;
    assert_eq!(r.result().as_array().map(Vec::len), Some(1));
    let r = app
        .get_as("/api/3/action/organization_list_for_user?callback=cb", &t)
        .await;
    assert_eq!(r.content_type(), "application/javascript;charset=utf-8");
    let inner = r
        .text
        .strip_prefix("cb(")
        .and_then(|s| s.strip_suffix(");"))
        .expect("wrapped");
    let v: Value = serde_json::from_str(inner).expect("json");
    assert_eq!(v["result"], json!([]));

    // Errors are plain JSON.
    let r = app
        .get("/api/3/action/organization_show?id=nope&callback=cb")
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.content_type(), JSON_CT);
    assert_eq!(r.json["error"]["__type"], "Not Found Error");

    for bad in ["alert(1)", "a%3Cscript%3E", "1abc", "a-b"] {
        let r = app
            .get(&format!("/api/3/action/status_show?callback={bad}"))
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}: {}", r.text);
        assert_eq!(r.content_type(), JSON_CT);
        assert!(r.bare_string(400).starts_with("Bad request: "), "{bad}");
    }
}

#[tokio::test]
async fn cors_only_for_configured_origins() {
    let plain = TestApp::new(Backend::Sqlite).await;
    let r = plain
        .get_with(
            "/api/3/action/status_show",
            &[("origin", "https://a.example")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.header("access-control-allow-origin"), None);

    let app = TestApp::with_config(
        Backend::Sqlite,
        ApiConfig {
            cors_origins: vec!["https://a.example".into()],
            ..Default::default()
        },
    )
    .await;
    let r = app
        .get_with(
            "/api/3/action/status_show",
            &[("origin", "https://a.example")],
        )
        .await;
    assert_eq!(
        r.header("access-control-allow-origin"),
        Some("https://a.example")
    );
    assert_eq!(
        r.header("access-control-allow-methods"),
        Some("POST, PUT, GET, DELETE, OPTIONS")
    );
    let allow = r
        .header("access-control-allow-headers")
        .expect("allow-headers");
    assert!(
        allow.contains("Authorization")
            && allow.contains("X-CKAN-API-Key")
            && allow.contains("Content-Type"),
        "{allow}"
    );
    assert_eq!(r.header("access-control-allow-credentials"), None);

    let r = app
        .get_with(
            "/api/3/action/status_show",
            &[("origin", "https://b.example")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.header("access-control-allow-origin"), None);
    let r = app.get("/api/3/action/status_show").await;
    assert_eq!(r.header("access-control-allow-origin"), None);

    // The preflight gets the headers too.
    let r = app
        .request(
            Method::OPTIONS,
            "/api/3/action/organization_create",
            &[
                ("origin", "https://a.example"),
                ("access-control-request-method", "POST"),
            ],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.header("access-control-allow-origin"),
        Some("https://a.example")
    );

    let star = TestApp::with_config(
        Backend::Sqlite,
        ApiConfig {
            cors_origins: vec!["*".into()],
            ..Default::default()
        },
    )
    .await;
    let r = star
        .get_with(
            "/api/3/action/status_show",
            &[("origin", "https://z.example")],
        )
        .await;
    assert_eq!(r.header("access-control-allow-origin"), Some("*"));
}

#[tokio::test]
async fn options_and_other_methods() {
    let app = TestApp::new(Backend::Sqlite).await;
    let r = app
        .request(Method::OPTIONS, "/api/3/action/status_show", &[], None)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.header("allow"), Some("HEAD, GET, POST, OPTIONS"));
    assert!(r.text.is_empty());

    for m in [Method::PUT, Method::DELETE, Method::PATCH] {
        let r = app
            .request(
                m.clone(),
                "/api/3/action/status_show",
                &[],
                Some(("application/json", b"{}".to_vec())),
            )
            .await;
        assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED, "{m}");
        assert_eq!(r.content_type(), JSON_CT, "{m}");
        assert_eq!(r.json["success"], json!(false), "{m}");
        assert_eq!(r.header("allow"), Some("HEAD, GET, POST, OPTIONS"), "{m}");
    }
}

#[tokio::test]
async fn request_ids_are_echoed_or_generated() {
    let app = TestApp::new(Backend::Sqlite).await;
    let r = app
        .get_with(
            "/api/3/action/status_show",
            &[("x-request-id", "abc-123_X")],
        )
        .await;
    assert_eq!(r.header("x-request-id"), Some("abc-123_X"));
    let a = app.get("/api/3/action/status_show").await;
    let b = app.get("/api/3/action/status_show").await;
    let (a, b) = (
        a.header("x-request-id").expect("generated"),
        b.header("x-request-id").expect("generated"),
    );
    assert_eq!(a.len(), 36);
    assert_ne!(a, b);
    // A hostile id is replaced, not echoed.
    let r = app
        .get_with(
            "/api/3/action/status_show",
            &[("x-request-id", "a b<script>")],
        )
        .await;
    let id = r.header("x-request-id").expect("generated");
    assert_ne!(id, "a b<script>");
    assert_eq!(id.len(), 36);
    // Errors and 404s carry one too.
    let r = app.get("/api/3/action/no_such_action").await;
    assert!(r.header("x-request-id").is_some());
}

async fn health_probes(backend: Backend) {
    let app = TestApp::new(backend).await;
    let r = app.get("/healthz").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json, json!({"status": "ok"}));
    let r = app.get("/readyz").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json, json!({"status": "ok"}));
}

async fn caching_headers_depend_on_authentication(backend: Backend) {
    let app = TestApp::new(backend).await;
    let t = app.sysadmin().await;
    let r = app.get("/api/3/action/status_show").await;
    assert_eq!(
        r.header("cache-control"),
        Some("public, max-age=0, must-revalidate")
    );
    let r = app.get_as("/api/3/action/status_show", &t).await;
    assert_eq!(
        r.header("cache-control"),
        Some("private, max-age=0, must-revalidate")
    );
}

async fn empty_post_body_is_an_empty_dict(backend: Backend) {
    let app = TestApp::new(backend).await;
    let r = app
        .post_raw("/api/3/action/status_show", None, "", None)
        .await;
    assert_eq!(r.result()["site_url"], SITE_URL);
    let r = app
        .post_raw(
            "/api/3/action/organization_show",
            Some("application/json"),
            "",
            None,
        )
        .await;
    assert_eq!(r.error(409)["id"], json!(["Missing value"]));
}

both_backends!(
    versioned_and_unversioned_urls_share_one_help_url,
    envelope_key_order_and_content_type,
    non_ascii_is_escaped_like_ckan,
    get_on_a_write_action_is_a_bare_string,
    locale_prefix_routes_and_translates,
    post_to_a_read_action_prefers_the_query_string,
    form_encoded_and_multipart_posts,
    legacy_json_as_a_form_key,
    repeated_get_keys_are_lists,
    jsonp_wraps_runs_anonymously_and_checks_the_callback,
    health_probes,
    caching_headers_depend_on_authentication,
    empty_post_body_is_an_empty_dict,
);
