//! Error reports on datasets (requirement 14) over HTTP, in ckanext-issues' action names
//! and shapes: anonymous and logged-in reports, the follow token, the owning
//! organization's answers and closing, what non-readers see, and the rate limit.

mod common;

use common::*;
use kho_catalog::CatalogConfig;
use kho_core::params::Params;
use serde_json::{json, Value};

both_backends!(
    a_report_is_answered_closed_and_followed,
    reports_on_restricted_datasets_stay_with_their_readers,
    anonymous_reports_are_rate_limited,
    bad_input_is_refused,
);

/// A sysadmin; `so-a` with admin `chu`, editor `bien`, member `thanh`; `dan`, who belongs
/// nowhere. `mo` is an open dataset of `so-a`, `rieng` a private one.
struct Cast {
    chu: String,
    bien: String,
    thanh: String,
    dan: String,
}

async fn cast(app: &TestApp) -> Cast {
    let admin = app.sysadmin().await;
    let (_, chu) = app.user("chu", false).await;
    let (_, bien) = app.user("bien", false).await;
    let (_, thanh) = app.user("thanh", false).await;
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
    for (name, private) in [("mo", false), ("rieng", true)] {
        app.ok(
            "package_create",
            json!({"name": name, "owner_org": "so-a", "private": private}),
            Some(&admin),
        )
        .await;
    }
    Cast {
        chu,
        bien,
        thanh,
        dan,
    }
}

fn titles(v: &Value) -> Vec<&str> {
    v["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|i| i["title"].as_str().expect("title"))
        .collect()
}

async fn a_report_is_answered_closed_and_followed(backend: Backend) {
    let app = TestApp::new(backend).await;
    let c = cast(&app).await;
    let mo_id = app.ok("package_show", json!({"id": "mo"}), None).await["id"].clone();

    // An anonymous report: the address comes back to its writer with a follow token.
    let created = app
        .ok(
            "issue_create",
            json!({"dataset_id": "mo", "title": "Sai dân số", "description": "Cột 3 lệch",
                   "email": " Nguoi.Dan@Example.VN "}),
            None,
        )
        .await;
    assert_eq!(created["number"], 1);
    assert_eq!(created["dataset_id"], mo_id);
    assert_eq!(created["title"], "Sai dân số");
    assert_eq!(created["description"], "Cột 3 lệch");
    assert_eq!(created["status"], "open");
    assert_eq!(created["resolved"], Value::Null);
    assert_eq!(created["user_id"], Value::Null);
    assert_eq!(created["comment_count"], 0);
    assert_eq!(created["reporter_email"], "nguoi.dan@example.vn");
    let token = created["follow_token"].as_str().expect("follow_token");
    assert_eq!(token.len(), 48);

    // Others see the issue, not the address; the organization's editor sees both.
    let shown = app
        .ok(
            "issue_show",
            json!({"dataset_id": "mo", "issue_number": 1}),
            None,
        )
        .await;
    assert_eq!(shown["id"], created["id"]);
    assert_eq!(shown["comments"], json!([]));
    assert!(shown.get("reporter_email").is_none(), "{shown}");
    assert!(shown.get("follow_token").is_none(), "{shown}");
    let by_dan = app
        .ok(
            "issue_show",
            json!({"dataset_id": "mo", "issue_number": "1"}),
            Some(&c.dan),
        )
        .await;
    assert!(by_dan.get("reporter_email").is_none(), "{by_dan}");
    let by_bien = app
        .ok(
            "issue_show",
            json!({"dataset_id": mo_id, "issue_number": 1}),
            Some(&c.bien),
        )
        .await;
    assert_eq!(by_bien["reporter_email"], "nguoi.dan@example.vn");

    // Without the token an anonymous caller may not write in the thread.
    let refused = app
        .action(
            "issue_comment_create",
            json!({"dataset_id": "mo", "issue_number": 1, "comment": "Còn sai"}),
            None,
        )
        .await;
    assert_eq!(
        refused.message(403),
        "Access denied: User  not authorized to comment on this issue"
    );
    let wrong = app
        .action(
            "issue_comment_create",
            json!({"dataset_id": "mo", "issue_number": 1, "comment": "x", "follow_token": "00"}),
            None,
        )
        .await;
    wrong.error(403);

    // The editor answers, the reporter answers back with the token.
    let answer = app
        .ok(
            "issue_comment_create",
            json!({"dataset_id": "mo", "issue_number": 1, "comment": "Đang kiểm tra"}),
            Some(&c.bien),
        )
        .await;
    assert_eq!(answer["comment"], "Đang kiểm tra");
    assert_eq!(answer["user"]["name"], "bien");
    assert_eq!(answer["by_reporter"], false);
    let back = app
        .ok(
            "issue_comment_create",
            json!({"dataset_id": "mo", "issue_number": 1, "comment": "Cảm ơn",
                   "follow_token": token}),
            None,
        )
        .await;
    assert_eq!(back["user_id"], Value::Null);
    assert_eq!(back["by_reporter"], true);
    let followed = app
        .ok(
            "issue_show",
            json!({"dataset_id": "mo", "issue_number": 1, "follow_token": token}),
            None,
        )
        .await;
    assert_eq!(followed["reporter_email"], "nguoi.dan@example.vn");
    assert_eq!(followed["comment_count"], 2);
    let thread: Vec<&Value> = followed["comments"]
        .as_array()
        .expect("comments")
        .iter()
        .map(|c| &c["comment"])
        .collect();
    assert_eq!(thread, vec!["Đang kiểm tra", "Cảm ơn"]);

    // Only the organization closes.
    let denied = app
        .action(
            "issue_update",
            json!({"dataset_id": "mo", "issue_number": 1, "status": "closed"}),
            Some(&c.dan),
        )
        .await;
    assert_eq!(
        denied.message(403),
        "Access denied: User dan not authorized to update this issue"
    );
    let closed = app
        .ok(
            "issue_update",
            json!({"dataset_id": "mo", "issue_number": 1, "status": "closed"}),
            Some(&c.bien),
        )
        .await;
    assert_eq!(closed["status"], "closed");
    assert!(closed["resolved"].is_string(), "{closed}");

    // A logged-in report is its writer's; they may edit its text, not close it.
    let mine = app
        .ok(
            "issue_create",
            json!({"dataset_id": "mo", "title": "Thiếu năm 2024", "email": "ignored@example.org"}),
            Some(&c.dan),
        )
        .await;
    assert_eq!(mine["number"], 2);
    assert_eq!(mine["user"]["name"], "dan");
    assert_eq!(mine["reporter_email"], Value::Null);
    assert!(mine.get("follow_token").is_none(), "{mine}");
    let edited = app
        .ok(
            "issue_update",
            json!({"dataset_id": "mo", "issue_number": 2, "title": "Thiếu năm 2023"}),
            Some(&c.dan),
        )
        .await;
    assert_eq!(edited["title"], "Thiếu năm 2023");
    app.action(
        "issue_update",
        json!({"dataset_id": "mo", "issue_number": 2, "status": "closed"}),
        Some(&c.dan),
    )
    .await
    .error(403);

    // Search: by dataset, status, words, organization; addresses only for the organization.
    let all = app
        .ok("issue_search", json!({"dataset_id": "mo"}), None)
        .await;
    assert_eq!(all["count"], 2);
    assert_eq!(titles(&all), vec!["Thiếu năm 2023", "Sai dân số"]);
    let open = app
        .ok(
            "issue_search",
            json!({"dataset_id": "mo", "status": "open"}),
            None,
        )
        .await;
    assert_eq!(titles(&open), vec!["Thiếu năm 2023"]);
    let words = app
        .ok("issue_search", json!({"q": "dân"}), Some(&c.dan))
        .await;
    assert_eq!(titles(&words), vec!["Sai dân số"]);
    let oldest = app
        .ok(
            "issue_search",
            json!({"organization_id": "so-a", "sort": "oldest", "limit": 1}),
            None,
        )
        .await;
    assert_eq!(oldest["count"], 2);
    assert_eq!(titles(&oldest), vec!["Sai dân số"]);
    assert!(oldest["results"][0].get("reporter_email").is_none());
    let staff = app
        .ok(
            "issue_search",
            json!({"organization_id": "so-a", "sort": "most_commented"}),
            Some(&c.chu),
        )
        .await;
    assert_eq!(
        staff["results"][0]["reporter_email"],
        "nguoi.dan@example.vn"
    );
    assert_eq!(staff["results"][0]["comment_count"], 2);

    // Deleting is the organization's.
    app.action(
        "issue_delete",
        json!({"dataset_id": "mo", "issue_number": 2}),
        Some(&c.dan),
    )
    .await
    .error(403);
    let gone = app
        .ok(
            "issue_delete",
            json!({"dataset_id": "mo", "issue_number": 2}),
            Some(&c.chu),
        )
        .await;
    assert_eq!(gone, Value::Null);
    let missing = app
        .action(
            "issue_show",
            json!({"dataset_id": "mo", "issue_number": 2}),
            None,
        )
        .await;
    assert_eq!(missing.message(404), "Not found: Issue not found");
}

async fn reports_on_restricted_datasets_stay_with_their_readers(backend: Backend) {
    let app = TestApp::new(backend).await;
    let c = cast(&app).await;
    let anon = app
        .action(
            "issue_create",
            json!({"dataset_id": "rieng", "title": "x", "email": "a@example.org"}),
            None,
        )
        .await;
    assert_eq!(
        anon.message(403),
        "Access denied: User  not authorized to read package rieng"
    );
    app.action(
        "issue_create",
        json!({"dataset_id": "rieng", "title": "x"}),
        Some(&c.dan),
    )
    .await
    .error(403);
    let by_member = app
        .ok(
            "issue_create",
            json!({"dataset_id": "rieng", "title": "Lỗi nội bộ"}),
            Some(&c.thanh),
        )
        .await;
    assert_eq!(by_member["number"], 1);
    // Nothing of it reaches those who may not read the dataset.
    for tok in [None, Some(c.dan.as_str())] {
        app.action(
            "issue_show",
            json!({"dataset_id": "rieng", "issue_number": 1}),
            tok,
        )
        .await
        .error(403);
        app.action("issue_search", json!({"dataset_id": "rieng"}), tok)
            .await
            .error(403);
        let org = app
            .ok("issue_search", json!({"organization_id": "so-a"}), tok)
            .await;
        assert_eq!(org, json!({"count": 0, "results": []}));
    }
    let member = app
        .ok(
            "issue_search",
            json!({"organization_id": "so-a"}),
            Some(&c.thanh),
        )
        .await;
    assert_eq!(titles(&member), vec!["Lỗi nội bộ"]);
    // A dataset that is not there.
    app.action(
        "issue_search",
        json!({"dataset_id": "khong-co"}),
        Some(&c.thanh),
    )
    .await
    .error(404);
    app.action("issue_search", json!({"organization_id": "khong-co"}), None)
        .await
        .error(404);
}

async fn anonymous_reports_are_rate_limited(backend: Backend) {
    let cfg = CatalogConfig {
        issue_reports_per_hour: 2,
        ..CatalogConfig::default()
    };
    let app = TestApp::with_configs(backend, cfg, Default::default()).await;
    let c = cast(&app).await;
    for email in ["Dan@Example.org", "dan@example.org"] {
        app.ok(
            "issue_create",
            json!({"dataset_id": "mo", "title": "t", "email": email}),
            None,
        )
        .await;
    }
    let third = app
        .action(
            "issue_create",
            json!({"dataset_id": "mo", "title": "t", "email": "DAN@example.org"}),
            None,
        )
        .await;
    let err = third.error(409);
    assert_eq!(err["__type"], "Validation Error");
    assert_eq!(
        err["email"],
        json!(["Too many reports: at most 2 an hour; try again later"])
    );
    let vi = app
        .get("/api/3/action/issue_search?dataset_id=mo&lang=vi")
        .await;
    assert_eq!(vi.result()["count"], 2);
    let in_vi = app
        .post_json(
            "/vi/api/3/action/issue_create",
            &json!({"dataset_id": "mo", "title": "t", "email": "dan@example.org"}),
            None,
        )
        .await;
    assert_eq!(
        in_vi.error(409)["email"],
        json!(["Quá nhiều báo lỗi: tối đa 2 báo lỗi mỗi giờ; vui lòng thử lại sau"])
    );
    // Another address, and logged-in reporters, are not held back.
    app.ok(
        "issue_create",
        json!({"dataset_id": "mo", "title": "t", "email": "khac@example.org"}),
        None,
    )
    .await;
    app.ok(
        "issue_create",
        json!({"dataset_id": "mo", "title": "t"}),
        Some(&c.dan),
    )
    .await;

    // Limit 0: anonymous reports are off, logged-in ones still go.
    let off = CatalogConfig {
        issue_reports_per_hour: 0,
        ..CatalogConfig::default()
    };
    let app = TestApp::with_configs(backend, off, Default::default()).await;
    let c = cast(&app).await;
    let refused = app
        .action(
            "issue_create",
            json!({"dataset_id": "mo", "title": "t", "email": "a@example.org"}),
            None,
        )
        .await;
    assert_eq!(
        refused.message(403),
        "Access denied: Anonymous error reports are turned off; log in to report"
    );
    app.ok(
        "issue_create",
        json!({"dataset_id": "mo", "title": "t"}),
        Some(&c.thanh),
    )
    .await;
}

async fn bad_input_is_refused(backend: Backend) {
    let app = TestApp::new(backend).await;
    let c = cast(&app).await;
    let cases: [(Value, &str, Value); 6] = [
        (
            json!({"dataset_id": "mo", "title": "t"}),
            "email",
            json!(["Missing value"]),
        ),
        (
            json!({"dataset_id": "mo", "title": "t", "email": "khong-phai-email"}),
            "email",
            json!(["Email khong-phai-email is not a valid format"]),
        ),
        (
            json!({"dataset_id": "mo", "title": "  ", "email": "a@example.org"}),
            "title",
            json!(["Missing value"]),
        ),
        (
            json!({"dataset_id": "mo", "title": "x".repeat(201), "email": "a@example.org"}),
            "title",
            json!(["Must be a maximum of 200 characters long"]),
        ),
        (
            json!({"title": "t", "email": "a@example.org"}),
            "dataset_id",
            json!(["Missing value"]),
        ),
        (
            json!({"dataset_id": "mo", "title": ["t"], "email": "a@example.org"}),
            "title",
            Value::Null,
        ),
    ];
    for (body, field, expected) in cases {
        let r = app.action("issue_create", body.clone(), None).await;
        assert_eq!(r.status.as_u16(), 409, "{body}: {}", r.text);
        if !expected.is_null() {
            assert_eq!(r.json["error"][field], expected, "{body}");
        }
    }
    app.ok(
        "issue_create",
        json!({"dataset_id": "mo", "title": "t"}),
        Some(&c.dan),
    )
    .await;
    for (action, body, field) in [
        (
            "issue_show",
            json!({"dataset_id": "mo", "issue_number": "abc"}),
            "issue_number",
        ),
        ("issue_show", json!({"dataset_id": "mo"}), "issue_number"),
        (
            "issue_update",
            json!({"dataset_id": "mo", "issue_number": 1, "status": "fixed"}),
            "status",
        ),
        ("issue_search", json!({"sort": "best"}), "sort"),
        ("issue_search", json!({"status": "all"}), "status"),
        (
            "issue_comment_create",
            json!({"dataset_id": "mo", "issue_number": 1}),
            "comment",
        ),
    ] {
        let r = app.action(action, body.clone(), Some(&c.bien)).await;
        assert!(
            r.error(409).get(field).is_some(),
            "{action} {body}: {}",
            r.text
        );
    }
    // The call layer answers the same as HTTP.
    let direct = app
        .catalog
        .call(
            "issue_search",
            &kho_catalog::Ctx::new(kho_core::Actor::Anonymous, "en"),
            Params::new(),
        )
        .await
        .expect("issue_search");
    assert_eq!(direct["count"], 1);
}
