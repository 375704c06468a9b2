//! The sharing log (regulations, requirement 11) over HTTP: which reads are recorded, what
//! an entry holds, who may list which entries, and that no action changes the log.

mod common;

use common::*;
use kho_catalog::CatalogConfig;
use serde_json::{json, Value};

both_backends!(
    reads_of_non_open_data_by_accounts_are_recorded,
    owners_and_sysadmins_list_their_entries_only,
    the_log_cannot_be_changed_through_the_api,
    logging_can_be_switched_off,
);

/// A sysadmin; `so-a` with admin `chu` and member `thanh`; `so-b` with admin `khach`;
/// `dan`, who belongs nowhere. `rieng` is a restricted dataset of `so-a` with a link
/// resource, `mo` an open one, `kin` a restricted dataset of `so-b`.
struct Cast {
    admin: String,
    chu: String,
    thanh: String,
    khach: String,
    dan: String,
    rieng: String,
    resource: String,
    so_a: String,
}

async fn cast(app: &TestApp) -> Cast {
    let admin = app.sysadmin().await;
    let (_, chu) = app.user("chu", false).await;
    let (_, thanh) = app.user("thanh", false).await;
    let (_, khach) = app.user("khach", false).await;
    let (_, dan) = app.user("dan", false).await;
    let so_a = app
        .ok(
            "organization_create",
            json!({"name": "so-a", "users": [
                {"name": "chu", "capacity": "admin"},
                {"name": "thanh", "capacity": "member"},
            ]}),
            Some(&admin),
        )
        .await["id"]
        .as_str()
        .expect("id")
        .to_owned();
    app.ok(
        "organization_create",
        json!({"name": "so-b", "users": [{"name": "khach", "capacity": "admin"}]}),
        Some(&admin),
    )
    .await;
    let rieng = app
        .ok(
            "package_create",
            json!({"name": "rieng", "owner_org": "so-a", "private": true,
                   "resources": [{"url": "http://example.org/data.csv", "name": "data"}]}),
            Some(&admin),
        )
        .await;
    app.ok(
        "package_create",
        json!({"name": "mo", "owner_org": "so-a"}),
        Some(&admin),
    )
    .await;
    app.ok(
        "package_create",
        json!({"name": "kin", "owner_org": "so-b", "private": true}),
        Some(&admin),
    )
    .await;
    Cast {
        admin,
        chu,
        thanh,
        khach,
        dan,
        rieng: rieng["id"].as_str().expect("id").to_owned(),
        resource: rieng["resources"][0]["id"]
            .as_str()
            .expect("resource")
            .to_owned(),
        so_a,
    }
}

async fn get(app: &TestApp, path: &str, token: Option<&str>) -> Resp {
    let mut headers = vec![("User-Agent", "kiem-thu/1.0")];
    if let Some(t) = token {
        headers.push(("Authorization", t));
    }
    app.get_with(path, &headers).await
}

async fn log(app: &TestApp, params: Value, token: &str) -> Value {
    app.ok("sharing_log_list", params, Some(token)).await
}

fn column(entries: &Value, key: &str) -> Vec<String> {
    entries["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|e| e[key].as_str().unwrap_or("").to_owned())
        .collect()
}

async fn reads_of_non_open_data_by_accounts_are_recorded(backend: Backend) {
    let app = TestApp::new(backend).await;
    let c = cast(&app).await;
    let show = "/api/3/action/package_show?id=rieng";
    assert_eq!(get(&app, show, Some(&c.thanh)).await.status, 200);
    // Not recorded: open data, anonymous callers, search result lists.
    assert_eq!(
        get(&app, "/api/3/action/package_show?id=mo", Some(&c.thanh))
            .await
            .status,
        200
    );
    assert_eq!(get(&app, show, None).await.status, 403);
    let found = get(
        &app,
        "/api/3/action/package_search?include_private=true",
        Some(&c.thanh),
    )
    .await;
    assert_eq!(found.result()["count"], 2);
    // A refusal to an account is recorded as denied.
    assert_eq!(get(&app, show, Some(&c.dan)).await.status, 403);
    let rs = format!("/api/3/action/resource_show?id={}", c.resource);
    assert_eq!(get(&app, &rs, Some(&c.thanh)).await.status, 200);
    let dl = format!("/dataset/rieng/resource/{}/download/data.csv", c.resource);
    let resp = get(&app, &dl, Some(&c.thanh)).await;
    assert_eq!(resp.status, 302);
    assert_eq!(get(&app, &dl, Some(&c.dan)).await.status, 404);

    let all = log(&app, json!({}), &c.chu).await;
    assert_eq!(all["count"], 5);
    assert_eq!(
        column(&all, "action"),
        [
            "download",
            "download",
            "resource_show",
            "package_show",
            "package_show"
        ]
    );
    assert_eq!(
        column(&all, "user_name"),
        ["dan", "thanh", "thanh", "dan", "thanh"]
    );
    assert_eq!(
        column(&all, "outcome"),
        ["denied", "allowed", "allowed", "denied", "allowed"]
    );
    let first = &all["results"][4];
    assert_eq!(first["package_id"], json!(c.rieng));
    assert_eq!(first["organization_id"], json!(c.so_a));
    assert_eq!(first["user_organizations"], json!(["so-a"]));
    assert_eq!(first["user_agent"], "kiem-thu/1.0");
    assert_eq!(first["resource_id"], Value::Null);
    assert_eq!(all["results"][1]["resource_id"], json!(c.resource));
    assert_eq!(all["results"][0]["user_organizations"], json!([]));
    assert!(first["timestamp"].as_str().expect("ts").starts_with("20"));

    // Filters and paging.
    let dan = log(&app, json!({"user": "dan"}), &c.admin).await;
    assert_eq!(column(&dan, "outcome"), ["denied", "denied"]);
    let page = log(
        &app,
        json!({"dataset": "rieng", "limit": 2, "offset": 1}),
        &c.chu,
    )
    .await;
    assert_eq!(page["count"], 5);
    assert_eq!(column(&page, "action"), ["download", "resource_show"]);
    let later = log(&app, json!({"since": "2999-01-01"}), &c.chu).await;
    assert_eq!(later["count"], 0);
    let earlier = log(&app, json!({"until": "2000-01-01T00:00:00"}), &c.chu).await;
    assert_eq!(earlier["count"], 0);
    let bad = app
        .action(
            "sharing_log_list",
            json!({"since": "hôm qua"}),
            Some(&c.chu),
        )
        .await;
    assert_eq!(bad.status, 409);
    assert_eq!(bad.error(409)["since"], json!(["Date format incorrect"]));
}

async fn owners_and_sysadmins_list_their_entries_only(backend: Backend) {
    let app = TestApp::new(backend).await;
    let c = cast(&app).await;
    assert_eq!(
        get(&app, "/api/3/action/package_show?id=rieng", Some(&c.thanh))
            .await
            .status,
        200
    );
    assert_eq!(
        get(&app, "/api/3/action/package_show?id=kin", Some(&c.khach))
            .await
            .status,
        200
    );
    let everything = log(&app, json!({}), &c.admin).await;
    assert_eq!(everything["count"], 2);
    // Each organization's admin sees the reads of its own datasets only.
    let a = log(&app, json!({}), &c.chu).await;
    assert_eq!(column(&a, "user_name"), ["thanh"]);
    let b = log(&app, json!({}), &c.khach).await;
    assert_eq!(column(&b, "user_name"), ["khach"]);
    // Asking for another organization's dataset finds nothing, as for one that is not there.
    let other = log(&app, json!({"dataset": "kin"}), &c.chu).await;
    assert_eq!(other["count"], 0);
    let none = log(&app, json!({"dataset": "khong-co"}), &c.chu).await;
    assert_eq!(none, json!({"count": 0, "results": []}));
    // Another organization's log, members, outsiders and anonymous callers: refused.
    let r = app
        .action(
            "sharing_log_list",
            json!({"organization": "so-b"}),
            Some(&c.chu),
        )
        .await;
    assert_eq!(
        r.error(403)["message"],
        "Access denied: User chu not authorized to read the sharing log"
    );
    for token in [Some(c.thanh.as_str()), Some(c.dan.as_str())] {
        let r = app.action("sharing_log_list", json!({}), token).await;
        assert_eq!(r.status, 403);
    }
    let r = app.action("sharing_log_list", json!({}), None).await;
    assert_eq!(r.error(403)["__type"], "Authorization Error");
    // Sysadmins filter by organization.
    let a = log(&app, json!({"organization": "so-a"}), &c.admin).await;
    assert_eq!(column(&a, "user_name"), ["thanh"]);
}

async fn the_log_cannot_be_changed_through_the_api(backend: Backend) {
    let app = TestApp::new(backend).await;
    let c = cast(&app).await;
    for name in [
        "sharing_log_update",
        "sharing_log_delete",
        "sharing_log_purge",
        "sharing_log_create",
    ] {
        let r = app.action(name, json!({}), Some(&c.admin)).await;
        assert_eq!(r.status, 400, "{name}");
    }
    let names: Vec<&str> = app
        .catalog
        .registry()
        .iter()
        .map(|d| d.name)
        .filter(|n| n.starts_with("sharing_log"))
        .collect();
    assert_eq!(names, ["sharing_log_list"]);
}

async fn logging_can_be_switched_off(backend: Backend) {
    let app = TestApp::with_configs(
        backend,
        CatalogConfig {
            site_url: SITE_URL.into(),
            sharing_log_enabled: false,
            ..Default::default()
        },
        kho_api::ApiConfig::default(),
    )
    .await;
    let c = cast(&app).await;
    assert_eq!(
        get(&app, "/api/3/action/package_show?id=rieng", Some(&c.thanh))
            .await
            .status,
        200
    );
    assert_eq!(log(&app, json!({}), &c.admin).await["count"], 0);
}
