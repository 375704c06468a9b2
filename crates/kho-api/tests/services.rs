//! The registry of data-sharing services (requirement 10) over HTTP: datasets of type
//! `service` with the service profile, their validation errors, search by
//! `dataset_type:service`, the server-set `published_at`, `service_report`'s working days
//! (weekends and holidays excluded), DCAT's dcat:DataService, and what callers who may
//! not read a service never see.

mod common;

use common::*;
use kho_catalog::CatalogConfig;
use poem::http::Method;
use serde_json::{json, Value};

both_backends!(
    a_service_with_every_field,
    bad_services_are_refused_field_by_field,
    search_lists_services_by_type,
    published_at_is_set_when_a_service_first_goes_open,
    the_report_counts_working_days,
    services_in_dcat,
);

/// A service of `so-a` with every field; `extra` overrides.
fn service(name: &str, extra: Value) -> Value {
    let mut v = json!({
        "name": name,
        "type": "service",
        "title": format!("Dịch vụ {name}"),
        "owner_org": "so-a",
        "sharing_level": "open",
        "endpoint_url": "https://api.so-a.gov.vn/v1",
        "protocol": "rest",
        "structure_document": "https://api.so-a.gov.vn/openapi.json",
        "authentication": "api-key",
        "service_status": "active",
        "ready_at": "2026-08-28T09:30:00+07:00",
    });
    if let (Some(m), Some(e)) = (v.as_object_mut(), extra.as_object()) {
        for (k, x) in e {
            m.insert(k.clone(), x.clone());
        }
    }
    v
}

/// A sysadmin token; `so-a` with editor `bien`; `so-b`; `dan`, who belongs nowhere.
async fn setup(app: &TestApp) -> (String, String, String) {
    let admin = app.sysadmin().await;
    let (_, bien) = app.user("bien", false).await;
    let (_, dan) = app.user("dan", false).await;
    app.ok(
        "organization_create",
        json!({"name": "so-a", "title": "Sở A", "users": [{"name": "bien", "capacity": "editor"}]}),
        Some(&admin),
    )
    .await;
    app.ok(
        "organization_create",
        json!({"name": "so-b", "title": "Sở B"}),
        Some(&admin),
    )
    .await;
    (admin, bien, dan)
}

fn names(v: &Value) -> Vec<String> {
    let mut out: Vec<String> = v["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|d| d["name"].as_str().expect("name").to_string())
        .collect();
    out.sort();
    out
}

/// Now in Vietnam time, as the server writes `published_at`.
fn vietnam_now() -> chrono::NaiveDateTime {
    chrono::Utc::now().naive_utc() + chrono::Duration::hours(7)
}

async fn a_service_with_every_field(backend: Backend) {
    let app = TestApp::new(backend).await;
    let (_, bien, _) = setup(&app).await;
    let created = app
        .ok(
            "package_create",
            service("tra-cuu", json!({"notes": "Tra cứu thửa đất"})),
            Some(&bien),
        )
        .await;
    let shown = app.ok("package_show", json!({"id": "tra-cuu"}), None).await;
    assert_eq!(created, shown);
    assert_eq!(shown["type"], "service");
    assert_eq!(shown["private"], false);
    for (k, v) in [
        ("endpoint_url", "https://api.so-a.gov.vn/v1"),
        ("protocol", "rest"),
        ("structure_document", "https://api.so-a.gov.vn/openapi.json"),
        ("authentication", "api-key"),
        ("service_status", "active"),
        // The written offset is dropped (CKAN's rule); the value is Vietnam time.
        ("ready_at", "2026-08-28T09:30:00"),
    ] {
        assert_eq!(shown[k], v, "{k}");
    }
    // Open and active on creation: the server stamped the publication, in Vietnam time.
    let published = shown["published_at"].as_str().expect("published_at");
    let at = chrono::NaiveDateTime::parse_from_str(published, "%Y-%m-%dT%H:%M:%S")
        .expect("a datetime without fraction");
    assert!(
        (vietnam_now() - at).num_seconds().abs() < 120,
        "{published}"
    );
    // Dataset-only profile fields are not service fields.
    assert!(shown.get("update_frequency").is_none());
    // scheming lists both types and shows the service schema.
    assert_eq!(
        app.ok("scheming_dataset_schema_list", json!({}), None)
            .await,
        json!(["dataset", "service"])
    );
    let schema = app
        .ok(
            "scheming_dataset_schema_show",
            json!({"type": "service"}),
            None,
        )
        .await;
    assert_eq!(schema["dataset_type"], "service");
    // The service status defaults to active.
    let d = app
        .ok(
            "package_create",
            service("mac-dinh", json!({"service_status": null})),
            Some(&bien),
        )
        .await;
    assert_eq!(d["service_status"], "active");
    // A plain dataset still takes the dataset profile, without service fields.
    let ds = app
        .ok(
            "package_create",
            json!({"name": "bo-du-lieu", "owner_org": "so-a", "update_frequency": "monthly"}),
            Some(&bien),
        )
        .await;
    assert_eq!(ds["type"], "dataset");
    assert_eq!(ds["update_frequency"], "monthly");
    assert!(ds.get("endpoint_url").is_none());
}

async fn bad_services_are_refused_field_by_field(backend: Backend) {
    let app = TestApp::new(backend).await;
    let (_, bien, _) = setup(&app).await;
    let r = app
        .action(
            "package_create",
            service(
                "hong",
                json!({"protocol": "bo-cau", "authentication": "phep-thuat",
                       "endpoint_url": "api.so-a", "structure_document": "ftp:/x",
                       "service_status": "paused", "ready_at": "28/08/2026"}),
            ),
            Some(&bien),
        )
        .await;
    let err = r.error(409);
    assert_eq!(err["__type"], "Validation Error");
    assert_eq!(
        err["protocol"],
        json!(["Value must be one of ['rest', 'soap', 'graphql', 'file-transfer', 'message-queue', 'other']"])
    );
    assert_eq!(
        err["authentication"],
        json!(["Value must be one of ['none', 'api-key', 'oauth2', 'mtls', 'basic', 'other']"])
    );
    assert_eq!(err["endpoint_url"], json!(["Please provide a valid URL"]));
    assert_eq!(
        err["structure_document"],
        json!(["Please provide a valid URL"])
    );
    assert_eq!(
        err["service_status"],
        json!(["Value must be one of ['active', 'suspended', 'retired']"])
    );
    assert_eq!(err["ready_at"], json!(["Date format incorrect"]));
    // Required fields left out.
    let r = app
        .action(
            "package_create",
            json!({"name": "thieu", "type": "service", "owner_org": "so-a"}),
            Some(&bien),
        )
        .await;
    let err = r.error(409);
    for k in ["endpoint_url", "protocol", "authentication", "ready_at"] {
        assert_eq!(err[k], json!(["Missing value"]), "{k}");
    }
    // In Vietnamese.
    let body = service("hong", json!({"endpoint_url": "khong-phai-url"})).to_string();
    let r = app
        .request(
            Method::POST,
            "/api/3/action/package_create",
            &[("Accept-Language", "vi"), ("Authorization", &bien)],
            Some(("application/json", body.into_bytes())),
        )
        .await;
    assert_eq!(
        r.error(409)["endpoint_url"],
        json!(["Vui lòng nhập một URL hợp lệ"])
    );
    // Nothing was created.
    let found = app
        .ok(
            "package_search",
            json!({"fq": "dataset_type:service"}),
            None,
        )
        .await;
    assert_eq!(found["count"], 0);
}

async fn search_lists_services_by_type(backend: Backend) {
    let app = TestApp::new(backend).await;
    let (admin, bien, _) = setup(&app).await;
    app.ok("package_create", service("mo", json!({})), Some(&bien))
        .await;
    app.ok(
        "package_create",
        service("rieng", json!({"sharing_level": "restricted"})),
        Some(&bien),
    )
    .await;
    app.ok(
        "package_create",
        json!({"name": "bo-du-lieu", "owner_org": "so-a"}),
        Some(&bien),
    )
    .await;
    // Anonymous: the open service only.
    let anon = app
        .ok(
            "package_search",
            json!({"fq": "dataset_type:service", "facet.field": ["dataset_type", "protocol"]}),
            None,
        )
        .await;
    assert_eq!(names(&anon), ["mo"]);
    assert_eq!(anon["count"], 1);
    assert_eq!(anon["facets"]["dataset_type"], json!({"service": 1}));
    assert_eq!(
        anon["results"][0]["endpoint_url"],
        "https://api.so-a.gov.vn/v1"
    );
    // The owning organization's editor also sees the restricted one.
    let own = app
        .ok(
            "package_search",
            json!({"fq": "dataset_type:service", "include_private": true}),
            Some(&bien),
        )
        .await;
    assert_eq!(names(&own), ["mo", "rieng"]);
    // The type facet over everything an anonymous caller may see.
    let all = app
        .ok(
            "package_search",
            json!({"fq": "dataset_type:*", "facet.field": ["dataset_type"]}),
            None,
        )
        .await;
    assert_eq!(
        all["facets"]["dataset_type"],
        json!({"dataset": 1, "service": 1})
    );
    // The Action API searches every type (CKAN adds `+dataset_type:dataset` only in
    // its web search page).
    let plain = app.ok("package_search", json!({}), Some(&admin)).await;
    assert_eq!(names(&plain), ["bo-du-lieu", "mo"]);
}

async fn published_at_is_set_when_a_service_first_goes_open(backend: Backend) {
    let app = TestApp::new(backend).await;
    let (_, bien, _) = setup(&app).await;
    // Restricted: not published.
    let d = app
        .ok(
            "package_create",
            service("sau", json!({"sharing_level": "restricted"})),
            Some(&bien),
        )
        .await;
    assert_eq!(d["published_at"], "", "{d}");
    // Open but suspended: not published either.
    let d = app
        .ok(
            "package_patch",
            json!({"id": "sau", "sharing_level": "open", "service_status": "suspended"}),
            Some(&bien),
        )
        .await;
    assert_eq!(d["published_at"], "", "{d}");
    // Active and open: stamped now.
    let d = app
        .ok(
            "package_patch",
            json!({"id": "sau", "service_status": "active"}),
            Some(&bien),
        )
        .await;
    let first = d["published_at"].as_str().expect("stamped").to_string();
    let at = chrono::NaiveDateTime::parse_from_str(&first, "%Y-%m-%dT%H:%M:%S").expect("datetime");
    assert!((vietnam_now() - at).num_seconds().abs() < 120, "{first}");
    // Closing and reopening, or a full update that leaves the field out, keeps it.
    app.ok(
        "package_patch",
        json!({"id": "sau", "sharing_level": "shared"}),
        Some(&bien),
    )
    .await;
    app.ok(
        "package_patch",
        json!({"id": "sau", "sharing_level": "open"}),
        Some(&bien),
    )
    .await;
    let d = app
        .ok(
            "package_update",
            service("sau", json!({"title": "Đổi tên"})),
            Some(&bien),
        )
        .await;
    assert_eq!(d["published_at"], first.as_str());
    assert_eq!(d["title"], "Đổi tên");
    // A date given by the agency wins.
    let d = app
        .ok(
            "package_create",
            service("cu", json!({"published_at": "2026-08-31T08:00:00"})),
            Some(&bien),
        )
        .await;
    assert_eq!(d["published_at"], "2026-08-31T08:00:00");
}

async fn the_report_counts_working_days(backend: Backend) {
    let cfg = CatalogConfig {
        public_holidays: vec![chrono::NaiveDate::from_ymd_opt(2026, 9, 2).expect("date")],
        ..CatalogConfig::default()
    };
    let app = TestApp::with_configs(backend, cfg, Default::default()).await;
    let (admin, bien, dan) = setup(&app).await;
    // Ready Friday 28 August, published Tuesday 1 September: Monday and Tuesday, late.
    app.ok(
        "package_create",
        service(
            "tre",
            json!({"ready_at": "2026-08-28T16:00:00", "published_at": "2026-09-01T08:00:00"}),
        ),
        Some(&bien),
    )
    .await;
    // Ready Tuesday 1 September, published Thursday 3: the 2nd is National Day, on time.
    app.ok(
        "package_create",
        service(
            "dung-han",
            json!({"ready_at": "2026-09-01T10:00:00", "published_at": "2026-09-03T09:00:00"}),
        ),
        Some(&bien),
    )
    .await;
    // Ready Friday, published Monday: one working day over the weekend, on time.
    app.ok(
        "package_create",
        json!({"name": "cuoi-tuan", "type": "service", "owner_org": "so-b",
               "endpoint_url": "https://so-b.gov.vn/sftp", "protocol": "file-transfer",
               "authentication": "mtls", "ready_at": "2026-09-04",
               "published_at": "2026-09-07T07:00:00"}),
        Some(&admin),
    )
    .await;
    // A restricted service of so-a, never published, ready long ago: late.
    app.ok(
        "package_create",
        service(
            "kin",
            json!({"sharing_level": "restricted", "ready_at": "2026-07-01T08:00:00"}),
        ),
        Some(&bien),
    )
    .await;

    let report = app
        .ok("service_report", json!({"quarter": "2026Q3"}), Some(&bien))
        .await;
    assert_eq!(report["allowed_working_days"], 1);
    assert_eq!(report["since"], "2026-07-01");
    assert_eq!(report["until"], "2026-09-30");
    assert_eq!(report["count"], 4);
    assert_eq!(report["late"], 2);
    let by_name = |r: &Value, n: &str| -> Value {
        r["services"]
            .as_array()
            .expect("services")
            .iter()
            .find(|s| s["name"] == n)
            .cloned()
            .unwrap_or(Value::Null)
    };
    let tre = by_name(&report, "tre");
    assert_eq!(
        (
            &tre["working_days"],
            &tre["late"],
            &tre["deadline"],
            &tre["published"]
        ),
        (&json!(2), &json!(true), &json!("2026-08-31"), &json!(true))
    );
    assert_eq!(tre["organization"], "so-a");
    assert_eq!(tre["ready_at"], "2026-08-28T16:00:00");
    assert_eq!(tre["published_at"], "2026-09-01T08:00:00");
    assert_eq!(tre["allowed_working_days"], 1);
    let dung = by_name(&report, "dung-han");
    assert_eq!(
        (&dung["working_days"], &dung["late"]),
        (&json!(1), &json!(false))
    );
    assert_eq!(dung["deadline"], "2026-09-03");
    let cuoi = by_name(&report, "cuoi-tuan");
    assert_eq!(
        (&cuoi["working_days"], &cuoi["late"]),
        (&json!(1), &json!(false))
    );
    let kin = by_name(&report, "kin");
    assert_eq!(
        (&kin["published"], &kin["late"]),
        (&json!(false), &json!(true))
    );
    assert_eq!(kin["published_at"], Value::Null);
    assert_eq!(
        report["organizations"],
        json!([
            {"name": "so-a", "title": "Sở A", "count": 3, "late": 2, "on_time": 1, "unpublished": 1},
            {"name": "so-b", "title": "Sở B", "count": 1, "late": 0, "on_time": 1, "unpublished": 0},
        ])
    );

    // The quarterly compliance report names the late ones too.
    let compliance = app
        .ok(
            "compliance_report",
            json!({"quarter": "2026Q3"}),
            Some(&bien),
        )
        .await;
    let services = &compliance["services"];
    assert_eq!(
        (
            &services["allowed_working_days"],
            &services["count"],
            &services["late"]
        ),
        (&json!(1), &json!(4), &json!(2))
    );
    let mut late: Vec<&str> = services["late_services"]
        .as_array()
        .expect("late services")
        .iter()
        .map(|s| s["name"].as_str().expect("name"))
        .collect();
    late.sort();
    assert_eq!(late, ["kin", "tre"]);
    let anonymous = app
        .ok("compliance_report", json!({"quarter": "2026Q3"}), None)
        .await;
    assert_eq!(anonymous["services"]["late"], 1);
    assert!(!anonymous.to_string().contains("\"kin\""), "{anonymous}");

    // Anonymous callers and outsiders: open services only, and counts to match.
    for token in [None, Some(dan.as_str())] {
        let r = app.ok("service_report", json!({}), token).await;
        let mut seen: Vec<&str> = r["services"]
            .as_array()
            .expect("services")
            .iter()
            .map(|s| s["name"].as_str().expect("name"))
            .collect();
        seen.sort();
        assert_eq!(seen, ["cuoi-tuan", "dung-han", "tre"], "{token:?}");
        assert_eq!(r["late"], 1);
        assert_eq!(r["organizations"][0]["count"], 2);
        assert!(!r.to_string().contains("\"kin\""), "{r}");
    }

    // Filters: an organization, a period with nothing in it, since/until.
    let b = app
        .ok(
            "service_report",
            json!({"organization": "so-b"}),
            Some(&admin),
        )
        .await;
    assert_eq!(b["count"], 1);
    assert_eq!(b["services"][0]["name"], "cuoi-tuan");
    let q4 = app
        .ok("service_report", json!({"quarter": "2026Q4"}), Some(&admin))
        .await;
    assert_eq!((&q4["count"], &q4["services"]), (&json!(0), &json!([])));
    let sept = app
        .ok(
            "service_report",
            json!({"since": "2026-09-01", "until": "2026-09-30"}),
            Some(&admin),
        )
        .await;
    assert_eq!(sept["count"], 2);

    // Bad parameters are field errors.
    let r = app
        .action("service_report", json!({"quarter": "2026Q5"}), None)
        .await;
    assert_eq!(
        r.error(409)["quarter"],
        json!(["Quarter format incorrect: 2026Q5 (e.g. 2026Q3)"])
    );
    let r = app
        .action("service_report", json!({"since": "1/9/2026"}), None)
        .await;
    assert_eq!(r.error(409)["since"], json!(["Date format incorrect"]));
    let r = app
        .action(
            "service_report",
            json!({"quarter": "2026Q3", "since": "2026-09-01"}),
            None,
        )
        .await;
    assert_eq!(
        r.error(409)["quarter"],
        json!(["Give either a quarter or since and until, not both"])
    );
    let r = app
        .action("service_report", json!({"organization": "khong-co"}), None)
        .await;
    assert_eq!(r.status.as_u16(), 404);
}

async fn services_in_dcat(backend: Backend) {
    let app = TestApp::new(backend).await;
    let (_, bien, _) = setup(&app).await;
    let d = app
        .ok(
            "package_create",
            service("api-dat-dai", json!({"service_status": "suspended"})),
            Some(&bien),
        )
        .await;
    let hidden = app
        .ok(
            "package_create",
            service("an", json!({"sharing_level": "shared"})),
            Some(&bien),
        )
        .await;
    let id = d["id"].as_str().expect("id");
    let r = app.get(&format!("/dataset/{id}.ttl")).await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.text);
    let ttl = r.text;
    for needle in [
        "dcat:DataService",
        "<https://api.so-a.gov.vn/v1>",
        "dcat:endpointURL",
        "dct:conformsTo <https://api.so-a.gov.vn/openapi.json>",
        "distribution-status/WITHDRAWN",
    ] {
        assert!(ttl.contains(needle), "{needle} not in {ttl}");
    }
    // The catalogue links it with dcat:service; the shared service stays out.
    let cat = app.get("/catalog.ttl").await.text;
    assert!(cat.contains("dcat:service"), "{cat}");
    assert!(cat.contains("api-dat-dai") || cat.contains(id), "{cat}");
    let hidden_id = hidden["id"].as_str().expect("id");
    assert!(!cat.contains(hidden_id) && !cat.contains("/an>"), "{cat}");
    let r = app.get(&format!("/dataset/{hidden_id}.ttl")).await;
    assert_eq!(r.status.as_u16(), 404);
}
