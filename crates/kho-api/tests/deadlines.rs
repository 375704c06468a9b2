//! Update deadlines and the reports (requirements 7–9) over HTTP: the status in
//! `package_show` and `package_search` moves as days pass without any write, `fq` and the
//! facet on `update_status`, `dataset_data_updated` and who may call it,
//! `compliance_report` and `catalog_export`, and that datasets a caller may not read stay
//! out of all of them.

mod common;

use chrono::NaiveDateTime;
use common::*;
use serde_json::{json, Value};

both_backends!(
    status_moves_with_the_clock_without_writes,
    data_updated_is_checked_and_kept,
    reports_show_only_what_the_caller_may_read,
);

fn at(s: &str) -> NaiveDateTime {
    kho_core::time::parse(s).expect("timestamp")
}

/// A sysadmin; `so-a` (editor `bien`, member `thanh`) with open datasets `thang`
/// (monthly), `cham` (monthly, updated late), `quy` (quarterly), `bat-ky` (irregular),
/// `moi` (monthly, never updated) and the private `rieng` (monthly); `so-b` with only the
/// private `kin` (monthly). The clock stands at noon of 20 January 2030 in Hà Nội.
struct Cast {
    admin: String,
    bien: String,
    thanh: String,
}

async fn cast(app: &TestApp) -> Cast {
    let admin = app.sysadmin().await;
    let (_, bien) = app.user("bien", false).await;
    let (_, thanh) = app.user("thanh", false).await;
    app.ok(
        "organization_create",
        json!({"name": "so-a", "title": "Sở A", "users": [
            {"name": "bien", "capacity": "editor"},
            {"name": "thanh", "capacity": "member"},
        ]}),
        Some(&admin),
    )
    .await;
    app.ok(
        "organization_create",
        json!({"name": "so-b", "title": "Sở B"}),
        Some(&admin),
    )
    .await;
    for (name, org, freq, private) in [
        ("thang", "so-a", "monthly", false),
        ("cham", "so-a", "monthly", false),
        ("quy", "so-a", "quarterly", false),
        ("bat-ky", "so-a", "irregular", false),
        ("moi", "so-a", "monthly", false),
        ("rieng", "so-a", "monthly", true),
        ("kin", "so-b", "monthly", true),
    ] {
        app.ok(
            "package_create",
            json!({"name": name, "title": name.to_uppercase(), "owner_org": org,
                   "private": private, "update_frequency": freq}),
            Some(&admin),
        )
        .await;
    }
    app.catalog.set_clock(Some(at("2030-01-20T05:00:00")));
    for (name, when) in [
        ("thang", "2030-01-10T03:00:00"),
        ("cham", "2030-01-18T03:00:00"),
        ("quy", "2030-01-05T03:00:00"),
        ("rieng", "2030-01-10T03:00:00"),
        ("kin", "2030-01-10T03:00:00"),
    ] {
        app.ok(
            "dataset_data_updated",
            json!({"id": name, "data_updated": when}),
            Some(&admin),
        )
        .await;
    }
    Cast { admin, bien, thanh }
}

fn names(v: &Value) -> Vec<String> {
    let mut n: Vec<String> = v["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| r["name"].as_str().expect("name").to_owned())
        .collect();
    n.sort();
    n
}

fn statuses(v: &Value) -> Vec<(String, String)> {
    let mut n: Vec<(String, String)> = v["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| {
            (
                r["name"].as_str().expect("name").to_owned(),
                r["update_status"].as_str().expect("status").to_owned(),
            )
        })
        .collect();
    n.sort();
    n
}

async fn status_of(app: &TestApp, name: &str, token: Option<&str>) -> String {
    app.ok("package_show", json!({"id": name}), token).await["update_status"]
        .as_str()
        .expect("update_status")
        .to_owned()
}

async fn search(app: &TestApp, fq: &str, token: Option<&str>) -> Value {
    app.ok(
        "package_search",
        json!({"fq": fq, "rows": 100, "include_private": true,
               "facet.field": ["update_status", "organization"]}),
        token,
    )
    .await
}

async fn status_moves_with_the_clock_without_writes(backend: Backend) {
    let app = TestApp::new(backend).await;
    let c = cast(&app).await;

    let thang = app.ok("package_show", json!({"id": "thang"}), None).await;
    assert_eq!(thang["update_status"], "on_time");
    assert_eq!(
        thang["update_deadline"],
        json!({"frequency": "monthly", "period_start": "2030-01-01",
               "period_end": "2030-01-31", "due_date": "2030-02-15",
               "due_soon_from": "2030-02-08", "data_updated": "2030-01-10T03:00:00",
               "last_update_late": false})
    );
    assert_eq!(status_of(&app, "cham", None).await, "late");
    assert_eq!(status_of(&app, "quy", None).await, "on_time");
    assert_eq!(status_of(&app, "bat-ky", None).await, "not_applicable");
    let bat_ky = app.ok("package_show", json!({"id": "bat-ky"}), None).await;
    assert_eq!(bat_ky["update_deadline"], Value::Null);

    // Anonymous: the facet counts only open datasets.
    let all = search(&app, "", None).await;
    assert_eq!(
        all["facets"]["update_status"],
        json!({"on_time": 2, "late": 1, "overdue": 1, "not_applicable": 1})
    );
    let items = &all["search_facets"]["update_status"]["items"];
    assert_eq!(items.as_array().map(Vec::len), Some(4));
    assert_eq!(all["facets"]["organization"], json!({"so-a": 5}));
    // `moi`, never updated, owed November 2026's data by 15 December 2026.
    assert_eq!(
        statuses(&search(&app, "update_status:overdue", None).await),
        vec![("moi".to_owned(), "overdue".to_owned())]
    );
    let on_time = search(&app, "update_status:on_time", None).await;
    assert_eq!(names(&on_time), ["quy", "thang"]);
    assert_eq!(on_time["count"], 2);
    // The sysadmin also sees the private ones.
    let admin_all = search(&app, "", Some(&c.admin)).await;
    assert_eq!(admin_all["facets"]["update_status"]["on_time"], 4);
    assert_eq!(
        names(
            &search(
                &app,
                "update_status:\"on_time\" organization:so-b",
                Some(&c.admin)
            )
            .await
        ),
        ["kin"]
    );
    assert_eq!(
        names(&search(&app, "-update_status:on_time", None).await),
        ["bat-ky", "cham", "moi"]
    );
    assert_eq!(search(&app, "update_status:bogus", None).await["count"], 0);

    // Days pass; nothing is written.
    app.catalog.set_clock(Some(at("2030-02-10T05:00:00")));
    assert_eq!(status_of(&app, "thang", None).await, "due_soon");
    assert_eq!(status_of(&app, "cham", None).await, "due_soon");
    assert_eq!(status_of(&app, "quy", None).await, "on_time");
    let soon = search(&app, "update_status:due_soon", None).await;
    assert_eq!(
        statuses(&soon),
        vec![
            ("cham".to_owned(), "due_soon".to_owned()),
            ("thang".to_owned(), "due_soon".to_owned())
        ]
    );
    // `fl` projections carry today's status too.
    let fl = app
        .ok(
            "package_search",
            json!({"fq": "name:thang", "fl": "name,update_status"}),
            None,
        )
        .await;
    assert_eq!(
        fl["results"],
        json!([{"name": "thang", "update_status": "due_soon"}])
    );

    app.catalog.set_clock(Some(at("2030-02-16T05:00:00")));
    assert_eq!(status_of(&app, "thang", None).await, "overdue");
    let overdue = search(&app, "update_status:overdue", None).await;
    assert_eq!(names(&overdue), ["cham", "moi", "thang"]);
    assert_eq!(
        search(&app, "update_status:overdue", Some(&c.admin)).await["count"],
        5
    );
    // 15 February ends at midnight in Hà Nội, 17:00 UTC.
    app.catalog.set_clock(Some(at("2030-02-15T16:59:00")));
    assert_eq!(status_of(&app, "thang", None).await, "due_soon");
    app.catalog.set_clock(Some(at("2030-02-15T17:00:00")));
    assert_eq!(status_of(&app, "thang", None).await, "overdue");

    // A new update moves the deadline (and the index) on.
    app.ok(
        "dataset_data_updated",
        json!({"id": "thang", "data_updated": "2030-02-15T10:00:00+07:00"}),
        Some(&c.bien),
    )
    .await;
    assert_eq!(status_of(&app, "thang", None).await, "on_time");
    assert_eq!(
        names(&search(&app, "update_status:on_time", None).await),
        ["quy", "thang"]
    );
}

async fn data_updated_is_checked_and_kept(backend: Backend) {
    let app = TestApp::new(backend).await;
    let c = cast(&app).await;
    let call = |id: &str, when: Value, token: Option<String>| {
        let body = json!({"id": id, "data_updated": when});
        let app = &app;
        async move {
            app.action("dataset_data_updated", body, token.as_deref())
                .await
        }
    };
    let r = call("thang", json!("2030-01-19T00:00:00"), None).await;
    assert_eq!(r.status, 403);
    let r = call("thang", json!("2030-01-19T00:00:00"), Some(c.thanh.clone())).await;
    assert_eq!(r.status, 403);
    let r = call("thang", json!("hôm qua"), Some(c.bien.clone())).await;
    assert_eq!(r.status, 409);
    assert_eq!(
        r.error(409)["data_updated"],
        json!(["Date format incorrect"])
    );
    let r = call("thang", json!("2030-03-01T00:00:00"), Some(c.bien.clone())).await;
    assert_eq!(
        r.error(409)["data_updated"],
        json!(["The data cannot have been updated in the future"])
    );
    let r = call(
        "khong-co",
        json!("2030-01-19T00:00:00"),
        Some(c.bien.clone()),
    )
    .await;
    assert_eq!(r.status, 404);
    // Who may not read `kin` is denied, as for package_show.
    let r = call("kin", json!("2030-01-19T00:00:00"), Some(c.bien.clone())).await;
    assert_eq!(r.status, 403);

    // Without a time: now (the catalogue's clock). December's data was due on 15 January.
    let out = app
        .ok("dataset_data_updated", json!({"id": "moi"}), Some(&c.bien))
        .await;
    assert_eq!(out["data_updated"], "2030-01-20T05:00:00");
    assert_eq!(out["update_status"], "late");
    assert_eq!(out["update_deadline"]["last_update_late"], true);
    assert_eq!(out["update_deadline"]["due_date"], "2030-02-15");

    // Dataset writes keep it; package_patch round-trips the computed keys away.
    app.ok(
        "package_patch",
        json!({"id": "moi", "notes": "Đã sửa"}),
        Some(&c.bien),
    )
    .await;
    let shown = app.ok("package_show", json!({"id": "moi"}), None).await;
    assert_eq!(
        shown["update_deadline"]["data_updated"],
        "2030-01-20T05:00:00"
    );
    assert_eq!(shown["notes"], "Đã sửa");
    assert_eq!(shown["extras"], json!([]));
    let mut full = shown.clone();
    full["notes"] = json!("Lần hai");
    app.ok("package_update", full, Some(&c.bien)).await;
    let shown = app.ok("package_show", json!({"id": "moi"}), None).await;
    assert_eq!(shown["update_status"], "late");
    assert_eq!(shown["notes"], "Lần hai");
    assert_eq!(shown["extras"], json!([]));
}

async fn reports_show_only_what_the_caller_may_read(backend: Backend) {
    let app = TestApp::new(backend).await;
    let c = cast(&app).await;
    app.catalog.set_clock(Some(at("2030-02-16T05:00:00")));

    let anon = app
        .ok("compliance_report", json!({"quarter": "2030Q1"}), None)
        .await;
    assert_eq!(anon["quarter"], "2030Q1");
    assert_eq!(anon["as_of"], "2030-02-16");
    assert_eq!(
        anon["totals"],
        json!({"due": 4, "on_time": 1, "due_soon": 0, "late": 0, "overdue": 3,
               "never_updated": 1})
    );
    let orgs = anon["organizations"].as_array().expect("organizations");
    assert_eq!(orgs.len(), 1, "so-b has only private datasets: {orgs:?}");
    assert_eq!(orgs[0]["name"], "so-a");
    assert_eq!(orgs[0]["title"], "Sở A");
    let listed: Vec<(&str, &str)> = orgs[0]["datasets"]
        .as_array()
        .expect("datasets")
        .iter()
        .map(|d| {
            (
                d["name"].as_str().unwrap_or(""),
                d["update_status"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        listed,
        [
            ("cham", "overdue"),
            ("moi", "overdue"),
            ("quy", "on_time"),
            ("thang", "overdue")
        ]
    );
    assert_eq!(orgs[0]["datasets"][1]["data_updated"], Value::Null);
    assert_eq!(orgs[0]["datasets"][2]["due_date"], "2030-04-30");

    // A member of so-a reads its private dataset, not so-b's.
    let member = app
        .ok(
            "compliance_report",
            json!({"quarter": "2030Q1"}),
            Some(&c.thanh),
        )
        .await;
    assert_eq!(member["totals"]["due"], 5);
    assert_eq!(member["organizations"].as_array().map(Vec::len), Some(1));
    let admin = app
        .ok(
            "compliance_report",
            json!({"quarter": "2030q1", "organization": "so-b"}),
            Some(&c.admin),
        )
        .await;
    assert_eq!(admin["totals"]["overdue"], 1);
    assert_eq!(admin["organizations"][0]["name"], "so-b");
    // Asked about so-b, an anonymous caller learns nothing of `kin`.
    let hidden = app
        .ok(
            "compliance_report",
            json!({"quarter": "2030Q1", "organization": "so-b"}),
            None,
        )
        .await;
    assert_eq!(hidden["totals"]["due"], 0);
    assert_eq!(hidden["organizations"], json!([]));
    // A past quarter is judged as of its last day.
    let past = app
        .ok("compliance_report", json!({"quarter": "2029Q4"}), None)
        .await;
    assert_eq!(past["as_of"], "2029-12-31");
    let r = app
        .action("compliance_report", json!({"quarter": "2030Q5"}), None)
        .await;
    assert_eq!(
        r.error(409)["quarter"],
        json!(["Not a quarter such as 2026Q3: 2030Q5"])
    );
    let r = app
        .action(
            "compliance_report",
            json!({"organization": "khong-co"}),
            None,
        )
        .await;
    assert_eq!(r.status, 404);
    // Side-effect free: GET works.
    let got = app
        .get("/api/3/action/compliance_report?quarter=2030Q1")
        .await;
    assert_eq!(got.result()["totals"]["due"], 4);

    // The open data list: the same for everyone, open datasets only.
    for token in [None, Some(c.admin.as_str())] {
        let export = app.ok("catalog_export", json!({}), token).await;
        assert_eq!(export["count"], 5);
        assert_eq!(
            export["organizations"],
            json!([{"id": orgs[0]["id"], "name": "so-a", "title": "Sở A", "count": 5}])
        );
        let rows: Vec<&str> = export["datasets"]
            .as_array()
            .expect("datasets")
            .iter()
            .map(|d| d["name"].as_str().unwrap_or(""))
            .collect();
        assert_eq!(rows, ["bat-ky", "cham", "moi", "quy", "thang"]);
        let thang = &export["datasets"][4];
        assert_eq!(thang["update_frequency"], "monthly");
        assert_eq!(thang["update_status"], "overdue");
        assert_eq!(thang["data_updated"], "2030-01-10T03:00:00");
        assert_eq!(thang["organization"], "so-a");
        assert_eq!(thang["url"], "http://127.0.0.1:5000/dataset/thang");
    }
}
