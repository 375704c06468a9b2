//! harvest_source_list, harvest_source_show and harvest_job_list over HTTP, with
//! ckanext-harvest's authorization: sources are public (a logged-in non-sysadmin sees only
//! their organizations' sources), a source's jobs need the right to update the source.

mod common;

use common::{both_backends, Backend, TestApp};
use kho_core::model::{HarvestJob, HarvestSource};
use serde_json::{json, Value};

both_backends!(sources_and_jobs_over_http);

fn at(s: &str) -> chrono::NaiveDateTime {
    kho_core::time::parse(s).expect("timestamp")
}

fn source(name: &str, org: Option<&str>, created: &str) -> HarvestSource {
    HarvestSource {
        id: uuid::Uuid::new_v4().to_string(),
        name: name.into(),
        title: format!("Nguồn {name}"),
        url: format!("https://{name}.example.org"),
        source_type: "ckan".into(),
        owner_org: org.map(str::to_owned),
        config: r#"{"organizations":["x"]}"#.into(),
        created: at(created),
    }
}

fn job(source_id: &str, status: &str, created: &str) -> HarvestJob {
    HarvestJob {
        id: uuid::Uuid::new_v4().to_string(),
        source_id: source_id.into(),
        status: status.into(),
        created: at(created),
        gather_started: Some(at(created)),
        gather_finished: Some(at(created)),
        finished: Some(at(created)),
        created_count: 5,
        updated_count: 2,
        deleted_count: 1,
        unchanged_count: 7,
        error_count: 1,
        errors: r#"["x: Lỗi"]"#.into(),
    }
}

fn names(list: &Value) -> Vec<&str> {
    list.as_array()
        .expect("list")
        .iter()
        .filter_map(|s| s["name"].as_str())
        .collect()
}

async fn sources_and_jobs_over_http(backend: Backend) {
    let app = TestApp::new(backend).await;
    let admin = app.sysadmin().await;
    let org = app.org("so-a", &admin).await;
    let org_id = org["id"].as_str().expect("id").to_owned();
    let (_, editor) = app.user("bien-tap", false).await;
    let (_, member) = app.user("thanh-vien", false).await;
    let (_, outsider) = app.user("nguoi-ngoai", false).await;
    app.ok(
        "organization_member_create",
        json!({"id": "so-a", "username": "bien-tap", "role": "editor"}),
        Some(&admin),
    )
    .await;
    app.ok(
        "organization_member_create",
        json!({"id": "so-a", "username": "thanh-vien", "role": "member"}),
        Some(&admin),
    )
    .await;
    let s1 = source("nguon-a", Some("so-a"), "2026-03-01T00:00:00");
    let s2 = source("nguon-b", None, "2026-03-02T00:00:00");
    let j1 = job(&s1.id, "Finished", "2026-03-03T00:00:00");
    let j2 = job(&s1.id, "Aborted", "2026-03-04T00:00:00");
    {
        let mut tx = app.catalog.store().begin().await.expect("begin");
        tx.harvest_source_upsert(&s1).await.expect("s1");
        tx.harvest_source_upsert(&s2).await.expect("s2");
        tx.harvest_job_insert(&j1).await.expect("j1");
        tx.harvest_job_insert(&j2).await.expect("j2");
        tx.commit().await.expect("commit");
    }
    let j2_dict = json!({
        "id": j2.id, "source_id": s1.id, "created": "2026-03-04T00:00:00",
        "gather_started": "2026-03-04T00:00:00", "gather_finished": "2026-03-04T00:00:00",
        "finished": "2026-03-04T00:00:00", "status": "Aborted",
        "stats": {"added": 5, "updated": 2, "not modified": 7, "errored": 1, "deleted": 1},
        "errors": ["x: Lỗi"],
    });

    // Sources: anonymous callers see all of them (ckanext-harvest), newest first, without
    // their config.
    let anonymous = app.get("/api/3/action/harvest_source_list").await;
    let list = anonymous.result();
    assert_eq!(names(list), ["nguon-b", "nguon-a"]);
    let a = &list[1];
    assert_eq!(
        a,
        &json!({
            "id": s1.id, "name": "nguon-a", "title": "Nguồn nguon-a",
            "url": "https://nguon-a.example.org", "type": "ckan", "owner_org": org_id,
            "created": "2026-03-01T00:00:00", "active": true,
            "status": {"job_count": 2, "last_job": j2_dict, "total_datasets": 0,
                       "last_harvest_request": "2026-03-03T00:00:00"},
        })
    );
    assert_eq!(list[0]["status"]["job_count"], 0);
    assert_eq!(list[0]["status"]["last_job"], Value::Null);
    // Sysadmins see the config too.
    let as_admin = app
        .get_as("/api/3/action/harvest_source_list", &admin)
        .await;
    assert_eq!(names(as_admin.result()), ["nguon-b", "nguon-a"]);
    assert_eq!(
        as_admin.result()[1]["config"],
        json!({"organizations": ["x"]})
    );
    // Other users see their organizations' sources only.
    let as_editor = app
        .get_as("/api/3/action/harvest_source_list", &editor)
        .await;
    assert_eq!(names(as_editor.result()), ["nguon-a"]);
    let as_outsider = app
        .get_as("/api/3/action/harvest_source_list", &outsider)
        .await;
    assert_eq!(as_outsider.result(), &json!([]));
    let of_org = app
        .get("/api/3/action/harvest_source_list?organization_id=so-a&return_last_job_status=true")
        .await;
    assert_eq!(names(of_org.result()), ["nguon-a"]);
    assert_eq!(of_org.result()[0]["last_job_status"], j2_dict);

    // One source, by name or id, for anyone.
    let shown = app
        .get("/api/3/action/harvest_source_show?id=nguon-a")
        .await;
    assert_eq!(shown.result(), a);
    let by_id = app
        .get(&format!("/api/3/action/harvest_source_show?id={}", s1.id))
        .await;
    assert_eq!(by_id.result(), a);
    let missing = app
        .get("/api/3/action/harvest_source_show?id=khong-co")
        .await;
    assert_eq!(missing.message(404), "Not found: Harvest source not found");

    // Jobs: for whoever may update the source.
    let path = format!("/api/3/action/harvest_job_list?source_id={}", s1.id);
    let anonymous = app.get(&path).await;
    assert_eq!(
        anonymous.message(403),
        format!(
            "Access denied: User  not authorized to list jobs for source {}",
            s1.id
        )
    );
    for token in [&member, &outsider] {
        let denied = app.get_as(&path, token).await;
        denied.error(403);
    }
    let as_editor = app.get_as(&path, &editor).await;
    let jobs = as_editor.result();
    assert_eq!(jobs.as_array().map(Vec::len), Some(2));
    assert_eq!(jobs[0], j2_dict);
    assert_eq!(jobs[1]["id"], j1.id.as_str());
    let finished = app
        .get_as(
            "/api/3/action/harvest_job_list?source_id=nguon-a&status=Finished",
            &editor,
        )
        .await;
    let ids: Vec<&str> = finished
        .result()
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|j| j["id"].as_str())
        .collect();
    assert_eq!(ids, [j1.id.as_str()]);
    // The jobs of every source: sysadmins only.
    let all = app
        .get_as("/api/3/action/harvest_job_list?limit=1", &admin)
        .await;
    assert_eq!(all.result(), &json!([j2_dict]));
    let not_all = app.get_as("/api/3/action/harvest_job_list", &editor).await;
    assert_eq!(
        not_all.message(403),
        "Access denied: Only sysadmins can list the jobs of every harvest source"
    );
    // In Vietnamese.
    let vi = app
        .get_with(
            "/api/3/action/harvest_job_list",
            &[("authorization", &editor), ("accept-language", "vi")],
        )
        .await;
    assert_eq!(
        vi.message(403),
        "Truy cập bị từ chối: Chỉ quản trị viên hệ thống mới xem được các lần thu thập của mọi nguồn"
    );
    let unknown = app
        .get_as("/api/3/action/harvest_job_list?source_id=khong-co", &admin)
        .await;
    assert_eq!(unknown.message(404), "Not found: Harvest source not found");
}
