//! Data requests (ckanext-datarequests' `datarequest_*` actions) over HTTP: a citizen asks,
//! the operator routes, the organization fulfils or refuses, everyone comments; private
//! datasets never show through a fulfilled request.

mod common;

use common::*;
use serde_json::{json, Value};

both_backends!(request_lifecycle, anonymous_requests_routing_and_refusal);

/// Tokens: a sysadmin; `so-a` with admin `chu`, editor `bien`, member `thanh`; `dan`, who
/// belongs nowhere. `so-a` owns the private dataset `rieng` and the open one `mo`.
struct Cast {
    admin: String,
    chu: String,
    bien: String,
    thanh: String,
    dan: String,
    org_id: String,
    rieng_id: String,
}

async fn cast(app: &TestApp) -> Cast {
    let admin = app.sysadmin().await;
    let (_, chu) = app.user("chu", false).await;
    let (_, bien) = app.user("bien", false).await;
    let (_, thanh) = app.user("thanh", false).await;
    let (_, dan) = app.user("dan", false).await;
    let org = app
        .ok(
            "organization_create",
            json!({"name": "so-a", "title": "Sở A", "users": [
                {"name": "chu", "capacity": "admin"},
                {"name": "bien", "capacity": "editor"},
                {"name": "thanh", "capacity": "member"},
            ]}),
            Some(&admin),
        )
        .await;
    let rieng = app
        .ok(
            "package_create",
            json!({"name": "rieng", "owner_org": "so-a", "private": true}),
            Some(&admin),
        )
        .await;
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
        dan,
        org_id: org["id"].as_str().expect("org id").to_owned(),
        rieng_id: rieng["id"].as_str().expect("dataset id").to_owned(),
    }
}

/// A comment without its `user` dict (whose fields depend on who asks), and the user's name.
fn bare(v: &Value) -> Value {
    let mut v = v.clone();
    let user = v
        .as_object_mut()
        .and_then(|o| o.remove("user"))
        .unwrap_or_default();
    v["user_name"] = user["name"].clone();
    v
}

fn bare_all(v: &Value) -> Vec<Value> {
    v.as_array().expect("list").iter().map(bare).collect()
}

fn id_of(v: &Value) -> String {
    v["id"].as_str().expect("id").to_owned()
}

async fn request_lifecycle(backend: Backend) {
    let app = TestApp::new(backend).await;
    let c = cast(&app).await;

    // A logged-in user asks, addressed to an organization.
    let r = app
        .ok(
            "datarequest_create",
            json!({"title": "Điểm dừng xe buýt", "description": "Tọa độ các trạm",
                   "organization_id": "so-a"}),
            Some(&c.dan),
        )
        .await;
    let rid = id_of(&r);
    assert_eq!(r["title"], "Điểm dừng xe buýt");
    assert_eq!(r["description"], "Tọa độ các trạm");
    assert_eq!(r["organization_id"], json!(c.org_id));
    assert_eq!(r["organization"]["name"], "so-a");
    assert_eq!(r["user"]["name"], "dan");
    assert_eq!(r["closed"], json!(false));
    assert_eq!(r["close_time"], Value::Null);
    assert_eq!(r["accepted_dataset_id"], Value::Null);
    assert_eq!(r["accepted_dataset"], Value::Null);
    assert_eq!(r["followers"], json!(0));
    assert_eq!(r["comments_count"], json!(0));
    assert!(r.get("email").is_none());
    let keys: Vec<&str> = r
        .as_object()
        .expect("dict")
        .keys()
        .map(String::as_str)
        .collect();
    let mut expected = vec![
        "accepted_dataset",
        "accepted_dataset_id",
        "close_reason",
        "close_time",
        "closed",
        "comments_count",
        "description",
        "followers",
        "id",
        "open_time",
        "organization",
        "organization_id",
        "title",
        "user",
        "user_id",
    ];
    expected.sort_unstable();
    let mut keys_sorted = keys.clone();
    keys_sorted.sort_unstable();
    assert_eq!(keys_sorted, expected);

    // Validation, as the extension words it.
    let dup = app
        .action(
            "datarequest_create",
            json!({"title": "Điểm dừng xe buýt"}),
            Some(&c.thanh),
        )
        .await;
    assert_eq!(
        dup.error(409)["Title"],
        json!(["That title is already in use"])
    );
    let bad = app
        .action(
            "datarequest_create",
            json!({"title": "", "description": "x".repeat(1001), "organization_id": "khong-co"}),
            Some(&c.thanh),
        )
        .await;
    let e = bad.error(409);
    assert_eq!(e["Title"], json!(["Title cannot be empty"]));
    assert_eq!(
        e["Description"],
        json!(["Description must be a maximum of 1000 characters long"])
    );
    assert_eq!(e["Organization"], json!(["Organization is not valid"]));

    // Only the requester (or a sysadmin) edits it.
    let denied = app
        .action(
            "datarequest_update",
            json!({"id": rid, "title": "x"}),
            Some(&c.bien),
        )
        .await;
    assert_eq!(
        denied.message(403),
        "Access denied: User bien not authorized to update this data request"
    );
    let edited = app
        .ok(
            "datarequest_update",
            json!({"id": rid, "description": "Tọa độ và tên các trạm"}),
            Some(&c.dan),
        )
        .await;
    assert_eq!(edited["description"], "Tọa độ và tên các trạm");
    assert_eq!(edited["title"], "Điểm dừng xe buýt");
    assert_eq!(edited["organization_id"], json!(c.org_id));

    // Comments: logged-in users only; authors edit their own.
    let anon = app
        .action(
            "datarequest_comment",
            json!({"datarequest_id": rid, "comment": "?"}),
            None,
        )
        .await;
    assert_eq!(
        anon.message(403),
        "Access denied: Action datarequest_comment requires an authenticated user"
    );
    let c1 = app
        .ok(
            "datarequest_comment",
            json!({"datarequest_id": rid, "comment": "Cần gấp"}),
            Some(&c.dan),
        )
        .await;
    let c2 = app
        .ok(
            "datarequest_comment",
            json!({"datarequest_id": rid, "comment": "Đang chuẩn bị"}),
            Some(&c.bien),
        )
        .await;
    assert_eq!(c1["datarequest_id"], json!(rid));
    assert_eq!(c1["comment"], "Cần gấp");
    assert_eq!(c1["user"]["name"], "dan");
    let empty = app
        .action(
            "datarequest_comment",
            json!({"datarequest_id": rid, "comment": " "}),
            Some(&c.dan),
        )
        .await;
    assert_eq!(
        empty.error(409)["Comment"],
        json!(["Comments must be a minimum of 1 character long"])
    );
    let not_mine = app
        .action(
            "datarequest_comment_update",
            json!({"id": id_of(&c1), "comment": "x"}),
            Some(&c.thanh),
        )
        .await;
    assert_eq!(
        not_mine.message(403),
        "Access denied: User thanh not authorized to update this comment"
    );
    let c1b = app
        .ok(
            "datarequest_comment_update",
            json!({"id": id_of(&c1), "comment": "Cần gấp, trước tháng 6"}),
            Some(&c.dan),
        )
        .await;
    assert_eq!(c1b["comment"], "Cần gấp, trước tháng 6");
    let shown = app
        .get(&format!(
            "/api/3/action/datarequest_comment_show?id={}",
            id_of(&c1)
        ))
        .await;
    assert_eq!(bare(shown.result()), bare(&c1b));
    let list = app
        .ok(
            "datarequest_comment_list",
            json!({"datarequest_id": rid}),
            None,
        )
        .await;
    assert_eq!(bare_all(&list), [bare(&c1b), bare(&c2)]);
    let desc = app
        .ok(
            "datarequest_comment_list",
            json!({"datarequest_id": rid, "sort": "desc"}),
            None,
        )
        .await;
    assert_eq!(bare_all(&desc), [bare(&c2), bare(&c1b)]);
    let del = app
        .action(
            "datarequest_comment_delete",
            json!({"id": id_of(&c2)}),
            Some(&c.dan),
        )
        .await;
    assert_eq!(
        del.message(403),
        "Access denied: User dan not authorized to delete this comment"
    );
    let gone = app
        .ok(
            "datarequest_comment_delete",
            json!({"id": id_of(&c2)}),
            Some(&c.admin),
        )
        .await;
    assert_eq!(bare(&gone), bare(&c2));
    let missing = app
        .action("datarequest_comment_show", json!({"id": id_of(&c2)}), None)
        .await;
    assert_eq!(
        missing.message(404),
        format!(
            "Not found: Comment {} not found in the data base",
            id_of(&c2)
        )
    );

    // Following.
    assert_eq!(
        app.ok("datarequest_follow", json!({"id": rid}), Some(&c.thanh))
            .await,
        json!(true)
    );
    let again = app
        .action("datarequest_follow", json!({"id": rid}), Some(&c.thanh))
        .await;
    assert_eq!(
        again.error(409)["message"],
        "The user is already following the given Data Request"
    );
    let r = app.ok("datarequest_show", json!({"id": rid}), None).await;
    assert_eq!(r["followers"], json!(1));
    assert_eq!(r["comments_count"], json!(1));
    assert_eq!(
        app.ok("datarequest_unfollow", json!({"id": rid}), Some(&c.thanh))
            .await,
        json!(true)
    );
    let not_following = app
        .action("datarequest_unfollow", json!({"id": rid}), Some(&c.thanh))
        .await;
    assert_eq!(
        not_following.message(404),
        "Not found: The user is not following the given Data Request"
    );

    // Fulfilment: members may not close; the editor links a private dataset.
    let member = app
        .action(
            "datarequest_close",
            json!({"id": rid, "accepted_dataset_id": "mo"}),
            Some(&c.thanh),
        )
        .await;
    assert_eq!(
        member.message(403),
        "Access denied: User thanh not authorized to close this data request"
    );
    let closed = app
        .ok(
            "datarequest_close",
            json!({"id": rid, "accepted_dataset_id": "rieng"}),
            Some(&c.bien),
        )
        .await;
    assert_eq!(closed["closed"], json!(true));
    assert!(closed["close_time"].is_string());
    assert_eq!(closed["accepted_dataset_id"], json!(c.rieng_id));
    assert_eq!(closed["accepted_dataset"]["name"], "rieng");
    // The private dataset shows to its organization, not to the requester nor the public.
    for token in [None, Some(c.dan.as_str())] {
        let seen = app.ok("datarequest_show", json!({"id": rid}), token).await;
        assert_eq!(seen["closed"], json!(true));
        assert_eq!(seen["accepted_dataset"], Value::Null);
        assert_eq!(seen["accepted_dataset_id"], Value::Null);
    }
    let chu_sees = app
        .ok("datarequest_show", json!({"id": rid}), Some(&c.chu))
        .await;
    assert_eq!(chu_sees["accepted_dataset"]["name"], "rieng");
    let twice = app
        .action(
            "datarequest_close",
            json!({"id": rid, "close_reason": "x"}),
            Some(&c.chu),
        )
        .await;
    assert_eq!(
        twice.error(409)["message"],
        "This Data Request is already closed"
    );
    let vi = app
        .request(
            poem::http::Method::POST,
            "/api/3/action/datarequest_close",
            &[("authorization", &c.chu), ("accept-language", "vi")],
            Some((
                "application/json",
                json!({"id": rid, "close_reason": "x"})
                    .to_string()
                    .into_bytes(),
            )),
        )
        .await;
    assert_eq!(vi.error(409)["message"], "Yêu cầu dữ liệu này đã được đóng");

    // Deleting: the requester only.
    let denied = app
        .action("datarequest_delete", json!({"id": rid}), Some(&c.chu))
        .await;
    assert_eq!(
        denied.message(403),
        "Access denied: User chu not authorized to delete this data request"
    );
    let deleted = app
        .ok("datarequest_delete", json!({"id": rid}), Some(&c.dan))
        .await;
    assert_eq!(deleted["id"], json!(rid));
    let gone = app
        .action("datarequest_show", json!({"id": rid}), None)
        .await;
    assert_eq!(
        gone.message(404),
        format!("Not found: Data Request {rid} not found in the data base")
    );
    let no_id = app.action("datarequest_show", json!({}), None).await;
    assert_eq!(
        no_id.error(409)["message"],
        "Data Request ID has not been included"
    );
}

async fn anonymous_requests_routing_and_refusal(backend: Backend) {
    let app = TestApp::new(backend).await;
    let c = cast(&app).await;

    // Without a login, an e-mail is required, and it shows to nobody but those concerned.
    let missing = app
        .action("datarequest_create", json!({"title": "Giá đất"}), None)
        .await;
    assert_eq!(missing.error(409)["email"], json!(["Missing value"]));
    let bad = app
        .action(
            "datarequest_create",
            json!({"title": "Giá đất", "email": "khong"}),
            None,
        )
        .await;
    assert_eq!(bad.error(409)["email"], json!(["Email is not valid"]));
    let r = app
        .ok(
            "datarequest_create",
            json!({"title": "Giá đất", "description": "Bảng giá đất 2026",
                   "email": "dan.thuong@example.vn"}),
            None,
        )
        .await;
    let rid = id_of(&r);
    assert_eq!(r["user_id"], Value::Null);
    assert_eq!(r["user"], Value::Null);
    assert_eq!(r["organization"], Value::Null);
    assert!(r.get("email").is_none());
    let other = app
        .ok(
            "datarequest_create",
            json!({"title": "Bus data"}),
            Some(&c.dan),
        )
        .await;

    // The operator routes it; the organization's editor then sees the e-mail, a member not.
    let not_operator = app
        .action(
            "datarequest_update",
            json!({"id": rid, "organization_id": "so-a"}),
            Some(&c.bien),
        )
        .await;
    assert_eq!(not_operator.status.as_u16(), 403);
    let routed = app
        .ok(
            "datarequest_update",
            json!({"id": rid, "organization_id": "so-a"}),
            Some(&c.admin),
        )
        .await;
    assert_eq!(routed["organization_id"], json!(c.org_id));
    assert_eq!(routed["email"], "dan.thuong@example.vn");
    assert_eq!(routed["title"], "Giá đất");
    let bien_sees = app
        .ok("datarequest_show", json!({"id": rid}), Some(&c.bien))
        .await;
    assert_eq!(bien_sees["email"], "dan.thuong@example.vn");
    for token in [None, Some(c.thanh.as_str()), Some(c.dan.as_str())] {
        let seen = app.ok("datarequest_show", json!({"id": rid}), token).await;
        assert!(seen.get("email").is_none(), "email shown to {token:?}");
    }

    // Index: filters, facets, paging.
    let all = app.ok("datarequest_index", json!({}), None).await;
    assert_eq!(all["count"], json!(2));
    let ids: Vec<&Value> = all["result"]
        .as_array()
        .expect("list")
        .iter()
        .map(|r| &r["id"])
        .collect();
    assert_eq!(ids, [&json!(rid), &other["id"]]);
    assert_eq!(
        all["facets"],
        json!({
            "organization": {"items": [{"name": "so-a", "display_name": "Sở A", "count": 1}]},
            "state": {"items": [{"name": "open", "display_name": "Open", "count": 2}]},
        })
    );
    let page = app
        .get("/api/3/action/datarequest_index?sort=desc&offset=1&limit=1")
        .await;
    assert_eq!(page.result()["count"], json!(2));
    assert_eq!(page.result()["result"][0]["id"], json!(rid));
    let by_org = app
        .ok(
            "datarequest_index",
            json!({"organization_id": "so-a"}),
            None,
        )
        .await;
    assert_eq!(by_org["count"], json!(1));
    assert_eq!(by_org["result"][0]["id"], json!(rid));
    let by_user = app
        .ok("datarequest_index", json!({"user_id": "dan"}), None)
        .await;
    assert_eq!(by_user["count"], json!(1));
    assert_eq!(by_user["result"][0]["id"], other["id"]);
    let by_q = app.ok("datarequest_index", json!({"q": "bus"}), None).await;
    assert_eq!(by_q["count"], json!(1));
    assert_eq!(by_q["result"][0]["id"], other["id"]);

    // Refusing needs a reason; a dataset that does not exist is reported.
    let no_reason = app
        .action("datarequest_close", json!({"id": rid}), Some(&c.bien))
        .await;
    assert_eq!(
        no_reason.error(409)["close_reason"],
        json!(["A reason is required to refuse a data request"])
    );
    let no_dataset = app
        .action(
            "datarequest_close",
            json!({"id": rid, "accepted_dataset_id": "khong-co"}),
            Some(&c.bien),
        )
        .await;
    assert_eq!(
        no_dataset.error(409)["Accepted Dataset"],
        json!(["Dataset not found"])
    );
    let refused = app
        .ok(
            "datarequest_close",
            json!({"id": rid, "close_reason": "Dữ liệu mật"}),
            Some(&c.bien),
        )
        .await;
    assert_eq!(refused["closed"], json!(true));
    assert_eq!(refused["close_reason"], "Dữ liệu mật");
    assert_eq!(refused["accepted_dataset"], Value::Null);
    // The requester may withdraw their own request without a reason.
    let withdrawn = app
        .ok(
            "datarequest_close",
            json!({"id": other["id"]}),
            Some(&c.dan),
        )
        .await;
    assert_eq!(withdrawn["closed"], json!(true));
    assert_eq!(withdrawn["close_reason"], Value::Null);
    let closed = app
        .ok("datarequest_index", json!({"closed": true}), None)
        .await;
    assert_eq!(closed["count"], json!(2));
    let open = app
        .ok("datarequest_index", json!({"closed": "false"}), None)
        .await;
    assert_eq!(open["count"], json!(0));
    assert_eq!(open["facets"], json!({}));
}
