//! Response shapes against CKAN's own answers: same keys, same JSON types (recursively, and
//! the first element of lists), same key order. Values such as ids and timestamps are
//! ignored (transcripts 01, 02, 07, 08, 09, x01, x07, x13, x14).

mod common;

use common::*;
use serde_json::{json, Value};

/// Same key order as CKAN, recursively (byte-level diffs and naive clients see it).
fn assert_same_key_order(expected: &Value, actual: &Value, path: &str) {
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            let ek: Vec<&String> = e.keys().collect();
            let ak: Vec<&String> = a.keys().collect();
            assert_eq!(ek, ak, "key order differs at {path}");
            for (k, ev) in e {
                assert_same_key_order(ev, &a[k], &format!("{path}.{k}"));
            }
        }
        (Value::Array(e), Value::Array(a)) => {
            if let (Some(ef), Some(af)) = (e.first(), a.first()) {
                assert_same_key_order(ef, af, &format!("{path}[0]"));
            }
        }
        _ => {}
    }
}

fn assert_like_ckan(expected: &Value, actual: &Value, what: &str) {
    assert_same_shape(expected, actual, what);
    assert_same_key_order(expected, actual, what);
}

/// The transcripts' organization, created the way the reference run created it.
async fn reference_org(app: &TestApp, token: &str) -> kho_catalog::Params {
    let body = json!({
        "name": "so-giao-duc-tay-ninh",
        "title": "Sở Giáo dục và Đào tạo tỉnh Tây Ninh",
        "description": "Cơ quan quản lý giáo dục cấp tỉnh",
        "extras": [{"key": "province", "value": "Tây Ninh"}],
    });
    let r = app.action("organization_create", body, Some(token)).await;
    assert_like_ckan(&transcript("02-organization_create"), &r.json, "02");
    r.result().as_object().cloned().expect("object")
}

#[test]
fn shape_helper_catches_differences() {
    let a = json!({"a": 1, "b": [{"c": "x"}], "d": null});
    assert_same_shape(
        &a,
        &json!({"a": 2, "b": [{"c": "y"}, {"z": 1}], "d": null}),
        "ok",
    );
    assert_same_shape(&a, &json!({"a": 2, "b": [], "d": null}), "empty list");
    for bad in [
        json!({"a": "1", "b": [{"c": "x"}], "d": null}),
        json!({"a": 1, "b": [{"c": 1}], "d": null}),
        json!({"a": 1, "b": [{"c": "x"}]}),
        json!({"a": 1, "b": [{"c": "x"}], "d": null, "e": 0}),
        json!({"a": 1, "b": {"c": "x"}, "d": null}),
        json!({"a": 1, "b": [{"c": "x"}], "d": false}),
    ] {
        let r = std::panic::catch_unwind(|| assert_same_shape(&a, &bad, "bad"));
        assert!(r.is_err(), "not caught: {bad}");
    }
}

#[tokio::test]
async fn status_show_shape() {
    let app = TestApp::new(Backend::Sqlite).await;
    let r = app.get("/api/3/action/status_show").await;
    assert_like_ckan(&transcript("01-status_show"), &r.json, "01");
}

async fn organization_shapes(backend: Backend) {
    let app = TestApp::new(backend).await;
    let t = app.sysadmin().await;
    let created = reference_org(&app, &t).await;
    assert_eq!(created["users"][0]["capacity"], "admin");
    assert_eq!(created["users"][0]["sysadmin"], true);

    let r = app
        .get("/api/3/action/organization_show?id=so-giao-duc-tay-ninh")
        .await;
    assert_like_ckan(&transcript("09-organization_show"), &r.json, "09");
    // The values CKAN shows that do not depend on ids or clocks.
    let ckan = transcript("09-organization_show");
    for k in [
        "approval_status",
        "description",
        "display_name",
        "image_display_url",
        "image_url",
        "is_organization",
        "name",
        "num_followers",
        "state",
        "title",
        "type",
        "extras",
        "groups",
    ] {
        assert_eq!(r.json["result"][k], ckan["result"][k], "{k}");
    }

    let r = app.get("/api/3/action/organization_list").await;
    assert_like_ckan(&transcript("07-organization_list"), &r.json, "07");
    let r = app
        .get("/api/3/action/organization_list?all_fields=true")
        .await;
    assert_like_ckan(
        &transcript("08-organization_list-all_fields"),
        &r.json,
        "08",
    );
    let r = app
        .get("/api/3/action/organization_list?limit=3&sort=name%20desc")
        .await;
    assert_like_ckan(&transcript("x13-organization_list-limit"), &r.json, "x13");
    let r = app.get("/api/3/action/organization_show?id=nope").await;
    assert_like_ckan(&transcript("x07-organization_show-404"), &r.json, "x07");
    let r = app.get("/api/3/action/group_list").await;
    assert_like_ckan(&transcript("x14-group_list-empty"), &r.json, "x14");
}

async fn group_shapes_follow_the_organization_ones(backend: Backend) {
    let app = TestApp::new(backend).await;
    let t = app.sysadmin().await;
    let r = app
        .action(
            "group_create",
            json!({"name": "giao-duc", "title": "Giáo dục", "description": "Nhóm", "extras": [{"key": "k", "value": "v"}]}),
            Some(&t),
        )
        .await;
    // A group dict has the same keys and types as an organization dict.
    assert_like_ckan(
        &transcript("02-organization_create"),
        &r.json,
        "group_create",
    );
    assert_eq!(r.result()["is_organization"], false);
    let r = app.get("/api/3/action/group_show?id=giao-duc").await;
    assert_like_ckan(&transcript("09-organization_show"), &r.json, "group_show");
    let r = app.get("/api/3/action/group_list?all_fields=true").await;
    assert_like_ckan(
        &transcript("08-organization_list-all_fields"),
        &r.json,
        "group_list",
    );
}

async fn missing_id_error_is_x01_shaped(backend: Backend) {
    let app = TestApp::new(backend).await;
    // x01 is package_show (key `name_or_id`); the same error from organization_show uses `id`.
    let ckan = transcript_text("x01-package_show-missing-id")
        .replace("package_show", "organization_show")
        .replace("name_or_id", "id");
    let r = app.get("/api/3/action/organization_show").await;
    assert_eq!(r.status.as_u16(), 409);
    assert_eq!(r.text, ckan);
    let want: Value = serde_json::from_str(&ckan).expect("json");
    assert_like_ckan(&want, &r.json, "x01");
    for action in ["group_show", "member_list", "help_show"] {
        let r = app.get(&format!("/api/3/action/{action}")).await;
        let err = r.error(409);
        let keys: Vec<&String> = err.as_object().expect("object").keys().collect();
        assert_eq!(keys.last().map(|k| k.as_str()), Some("__type"), "{action}");
        assert_eq!(keys.len(), 2, "{action}: {}", r.text);
        assert_eq!(err[keys[0].as_str()], json!(["Missing value"]), "{action}");
    }
}

async fn authorization_error_is_x16_shaped(backend: Backend) {
    let app = TestApp::new(backend).await;
    let r = app
        .action(
            "group_create",
            json!({"name": "g"}),
            Some("not-a-valid-token"),
        )
        .await;
    assert_like_ckan(&transcript("x16-package_create-bad-token"), &r.json, "x16");
    assert_eq!(r.status.as_u16(), 403);
}

both_backends!(
    organization_shapes,
    group_shapes_follow_the_organization_ones,
    missing_id_error_is_x01_shaped,
    authorization_error_is_x16_shaped,
);
