//! `package_revise` over HTTP: the examples of CKAN's docstring and of its tests
//! (ckan/tests/logic/action/test_update.py `TestDatasetRevise`), flattened keys, JSON
//! strings from forms, `include`, and the errors, each leaving the dataset unchanged.

mod common;

use common::*;
use serde_json::{json, Value};

const R1: &str = "abcde000-0000-4000-8000-000000000001";
const R2: &str = "abcde000-0000-4000-8000-000000000002";
const R3: &str = "19cfad00-0000-4000-8000-000000000003";

/// A sysadmin, an organization with `editor` as editor, an outsider, and the dataset
/// `my-data` with three resources. Returns (admin, editor, outsider) tokens.
async fn setup(app: &TestApp) -> (String, String, String) {
    let admin = app.sysadmin().await;
    let (_, editor) = app.user("editor", false).await;
    let (_, outsider) = app.user("outsider", false).await;
    app.ok(
        "organization_create",
        json!({"name": "org", "users": [{"name": "editor", "capacity": "editor"}]}),
        Some(&admin),
    )
    .await;
    app.ok(
        "package_create",
        json!({
            "name": "my-data",
            "owner_org": "org",
            "notes": "old notes",
            "tags": [{"name": "alpha"}],
            "extras": [{"key": "k", "value": "v"}],
            "resources": [
                {"id": R1, "url": "http://example.com/1", "name": "big.csv"},
                {"id": R2, "url": "http://example.com/2", "name": "two"},
                {"id": R3, "url": "http://example.com/3", "name": "three", "description": "d"},
            ],
        }),
        Some(&admin),
    )
    .await;
    (admin, editor, outsider)
}

async fn show(app: &TestApp, token: &str) -> Value {
    app.ok("package_show", json!({"id": "my-data"}), Some(token))
        .await
}

async fn activity_count(app: &TestApp, token: &str) -> usize {
    app.ok(
        "package_activity_list",
        json!({"id": "my-data"}),
        Some(token),
    )
    .await
    .as_array()
    .map_or(0, Vec::len)
}

fn names(pkg: &Value) -> Vec<String> {
    pkg["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .map(|r| r["name"].as_str().unwrap_or_default().to_string())
        .collect()
}

async fn docstring_examples(backend: Backend) {
    let app = TestApp::new(backend).await;
    let (admin, ..) = setup(&app).await;
    // Change the description, checking the old one.
    let r = app
        .ok(
            "package_revise",
            json!({"match": {"notes": "old notes", "name": "my-data"}, "update": {"notes": "new notes"}}),
            Some(&admin),
        )
        .await;
    assert_eq!(r.as_object().unwrap().len(), 1, "{r}");
    assert_eq!(r["package"]["notes"], "new notes");
    assert_eq!(r["package"], show(&app, &admin).await);
    // The same with flattened keys.
    let r = app
        .ok(
            "package_revise",
            json!({"match__name": "my-data", "match__notes": "new notes", "update__notes": "newer"}),
            Some(&admin),
        )
        .await;
    assert_eq!(r["package"]["notes"], "newer");
    // A match on the first resource's name, in a list.
    let r = app
        .ok(
            "package_revise",
            json!({"match": {"name": "my-data", "resources": [{"name": "big.csv"}]},
                   "update__resources__0": {"name": "new name, first resource"}}),
            Some(&admin),
        )
        .await;
    assert_eq!(
        names(&r["package"]),
        ["new name, first resource", "two", "three"]
    );
    // Update a resource by the start of its id.
    let r = app
        .ok(
            "package_revise",
            json!({"match": {"name": "my-data"}, "update__resources__19cfad": {"description": "right one for sure"}}),
            Some(&admin),
        )
        .await;
    assert_eq!(
        r["package"]["resources"][2]["description"],
        "right one for sure"
    );
    assert_eq!(r["package"]["resources"][2]["name"], "three");
    // The last resource by a negative index.
    let r = app
        .ok(
            "package_revise",
            json!({"match__id": r["package"]["id"], "update__resources__-1__description": "guidebook"}),
            Some(&admin),
        )
        .await;
    assert_eq!(r["package"]["resources"][2]["description"], "guidebook");
    // Add a resource.
    let r = app
        .ok(
            "package_revise",
            json!({"match": {"name": "my-data"},
                   "update__resources__extend": [{"name": "new resource", "url": "http://example.com"}]}),
            Some(&admin),
        )
        .await;
    assert_eq!(
        names(&r["package"]),
        ["new name, first resource", "two", "three", "new resource"]
    );
    // `__extend` runs before the other update keys, so they can address the new item.
    let r = app
        .ok(
            "package_revise",
            json!({"match": {"name": "my-data"},
                   "update__resources__4__name": "fifth, named",
                   "update__resources__extend": [{"name": "fifth", "url": "http://example.com/5"}]}),
            Some(&admin),
        )
        .await;
    assert_eq!(names(&r["package"])[4], "fifth, named");
    // Replace every field of a resource.
    let r = app
        .ok(
            "package_revise",
            json!({"match": {"name": "my-data"},
                   "filter": ["+resources__19cfa__id", "-resources__19cfa__*"],
                   "update__resources__19cfa": {"name": "edits here", "url": "http://example.com/x"}}),
            Some(&admin),
        )
        .await;
    let res = &r["package"]["resources"][2];
    assert_eq!(res["id"], R3);
    assert_eq!(res["name"], "edits here");
    assert_eq!(res["description"], Value::Null);
    // Replace every field at dataset level, keep the resources.
    let before = show(&app, &admin).await;
    let r = app
        .ok(
            "package_revise",
            json!({"match": {"id": before["id"]}, "filter": ["+resources", "-*"],
                   "update": {"name": "fresh-start", "title": "Fresh Start"}}),
            Some(&admin),
        )
        .await;
    let pkg = &r["package"];
    assert_eq!(pkg["id"], before["id"]);
    assert_eq!(pkg["name"], "fresh-start");
    assert_eq!(pkg["title"], "Fresh Start");
    assert_eq!(pkg["notes"], Value::Null);
    assert_eq!(pkg["tags"], json!([]));
    assert_eq!(pkg["extras"], json!([]));
    // Omitted owner_org and private are kept, as in package_update.
    assert_eq!(pkg["owner_org"], before["owner_org"]);
    assert_eq!(pkg["resources"], before["resources"]);
    // Remove the second resource.
    let r = app
        .ok(
            "package_revise",
            json!({"match": {"name": "fresh-start"}, "filter": ["-resources__1"]}),
            Some(&admin),
        )
        .await;
    assert_eq!(r["package"]["num_resources"], 4);
    assert!(!r["package"]["resources"]
        .as_array()
        .unwrap()
        .iter()
        .any(|x| x["id"] == R2));
}

async fn include_filters_the_result(backend: Backend) {
    let app = TestApp::new(backend).await;
    let (admin, ..) = setup(&app).await;
    let r = app
        .ok(
            "package_revise",
            json!({"match": {"name": "my-data"}, "update": {"notes": "x"}, "include": ["-*"]}),
            Some(&admin),
        )
        .await;
    assert_eq!(r, json!({}));
    let r = app
        .ok(
            "package_revise",
            json!({"match": {"name": "my-data"}, "update": {"notes": "y"},
                   "include": ["+package__name", "+package__notes", "-package__*"]}),
            Some(&admin),
        )
        .await;
    assert_eq!(r, json!({"package": {"name": "my-data", "notes": "y"}}));
    // A comma-separated string, as forms send it.
    let r = app
        .ok(
            "package_revise",
            json!({"match": {"name": "my-data"}, "include": "+package__name, -package__*"}),
            Some(&admin),
        )
        .await;
    assert_eq!(r, json!({"package": {"name": "my-data"}}));
}

async fn form_clients_send_json_strings(backend: Backend) {
    let app = TestApp::new(backend).await;
    let (admin, ..) = setup(&app).await;
    let body = format!(
        "match={}&update={}&update__resources__0__name=from-a-form&update__resources__extend={}",
        urlencode(r#"{"name": "my-data", "notes": "old notes"}"#),
        urlencode(r#"{"notes": "form notes"}"#),
        urlencode(r#"[{"name": "added", "url": "http://example.com/a"}]"#),
    );
    let r = app
        .post_raw(
            "/api/3/action/package_revise",
            Some("application/x-www-form-urlencoded"),
            body,
            Some(&admin),
        )
        .await;
    let pkg = &r.result()["package"];
    assert_eq!(pkg["notes"], "form notes");
    assert_eq!(names(pkg), ["from-a-form", "two", "three", "added"]);
}

async fn errors_leave_the_dataset_unchanged(backend: Backend) {
    let app = TestApp::new(backend).await;
    let (admin, editor, outsider) = setup(&app).await;
    let before = show(&app, &admin).await;
    let activities = activity_count(&app, &admin).await;
    let cases: Vec<(Value, u16, Value)> = vec![
        (
            json!({"match": {"notes": "wrong notes", "name": "my-data"}, "update": {"notes": "new"}}),
            409,
            json!({"match": ["notes"], "__type": "Validation Error"}),
        ),
        (
            json!({"match": {"name": "my-data", "resources": [{"name": "no"}, {}, {}, {}], "nope": 1}}),
            409,
            json!({"match": ["nope", "resources__0__name", "resources__3"], "__type": "Validation Error"}),
        ),
        (
            json!({"match__name": "my-data", "match__notes": "other", "update__notes": "x"}),
            409,
            json!({"match": ["notes"], "__type": "Validation Error"}),
        ),
        (
            json!({"update": {"notes": "x"}}),
            409,
            json!({"match__id": ["Missing value"], "__type": "Validation Error"}),
        ),
        (
            json!({"match": "not json", "filter": [1], "update": [1], "include": {"a": 1}}),
            409,
            json!({"match": ["Must be a dict"], "filter": ["Not a string: 1"],
                   "update": ["Must be a dict"], "include": ["Not a list"],
                   "__type": "Validation Error"}),
        ),
        (
            json!({"match": {"name": "my-data"}, "update": {"resources": {"name": "x"}}}),
            409,
            json!({"update": ["Expected list for resources"], "__type": "Validation Error"}),
        ),
        (
            json!({"match": {"name": "my-data"}, "update__resources__fffff": {"name": "x"}}),
            409,
            json!({"resources__fffff": ["Unmatched key fffff"], "__type": "Validation Error"}),
        ),
        (
            json!({"match": {"name": "my-data"}, "update__resources__abcde": {"name": "x"}}),
            409,
            json!({"resources__abcde": ["Ambiguous key abcde"], "__type": "Validation Error"}),
        ),
        (
            json!({"match": {"name": "my-data"}, "update__resources__9__name": "x"}),
            409,
            json!({"resources__9__name": ["Unmatched key resources__9"], "__type": "Validation Error"}),
        ),
        (
            json!({"match": {"name": "my-data"}, "update__resources__extend": {"name": "x"}}),
            409,
            json!({"resources__extend": ["Expected list for resources"], "__type": "Validation Error"}),
        ),
        (
            json!({"match": {"name": "my-data"}, "match__resources__7__name": "x"}),
            409,
            json!({"match__resources__7__name": ["Unmatched key resources__7"], "__type": "Validation Error"}),
        ),
        // The revised dict still goes through package_update's validation.
        (
            json!({"match": {"name": "my-data"}, "update": {"name": "Bad Name"}}),
            409,
            json!({"name": ["Must be purely lowercase alphanumeric (ascii) characters and these symbols: -_"],
                   "__type": "Validation Error"}),
        ),
        (
            json!({"match": {"name": "my-data"},
                   "update__resources__extend": [{"id": "../../nope.txt", "url": "http://x"}]}),
            409,
            Value::Null,
        ),
        (
            json!({"match": {"name": "no-such-data"}, "update": {"notes": "x"}}),
            404,
            json!({"message": "Not found", "__type": "Not Found Error"}),
        ),
    ];
    for (body, status, want) in cases {
        let r = app
            .action("package_revise", body.clone(), Some(&admin))
            .await;
        let err = r.error(status).clone();
        if want.is_null() {
            assert_eq!(err["__type"], "Validation Error", "{body}: {err}");
        } else {
            assert_eq!(err, want, "{body}");
        }
    }
    // Authorization is package_update's.
    let r = app
        .action(
            "package_revise",
            json!({"match": {"name": "my-data"}, "update": {"notes": "x"}}),
            Some(&outsider),
        )
        .await;
    assert_eq!(
        r.message(403),
        format!(
            "Access denied: User outsider not authorized to edit package {}",
            before["id"].as_str().unwrap()
        )
    );
    let r = app
        .action(
            "package_revise",
            json!({"match": {"name": "my-data"}, "update": {"notes": "x"}}),
            None,
        )
        .await;
    r.error(403);
    assert_eq!(show(&app, &admin).await, before);
    assert_eq!(activity_count(&app, &admin).await, activities);
    // An editor of the organization may revise; the change is one activity.
    let r = app
        .ok(
            "package_revise",
            json!({"match": {"name": "my-data"}, "update": {"notes": "by the editor"}}),
            Some(&editor),
        )
        .await;
    assert_eq!(r["package"]["notes"], "by the editor");
    assert_eq!(activity_count(&app, &admin).await, activities + 1);
    // A revision that changes nothing writes nothing (package_update's no-op).
    let now = show(&app, &admin).await;
    let r = app
        .ok(
            "package_revise",
            json!({"match": {"name": "my-data"}, "update": {"notes": "by the editor"}}),
            Some(&editor),
        )
        .await;
    assert_eq!(r["package"], now);
    assert_eq!(activity_count(&app, &admin).await, activities + 1);
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

both_backends!(
    docstring_examples,
    include_filters_the_result,
    form_clients_send_json_strings,
    errors_leave_the_dataset_unchanged,
);
