//! Personal-data screening (requirement 16) over HTTP on both backends: an upload with
//! personal identifiers to an open dataset is refused with a 409 naming the columns and
//! leaves nothing behind; a restricted dataset takes it but cannot be made open; an
//! organization admin's override (logged in activity) lets it open; a later file with
//! personal data blocks again; clean files pass.

mod common;

use common::*;
use serde_json::{json, Value};

both_backends!(
    open_dataset_refuses_personal_data,
    made_open_is_refused_until_an_admin_overrides,
    override_covers_only_files_screened_before_it,
    screening_can_be_switched_off,
);

/// Citizen identity numbers (valid province, century-and-sex and year digits), mobile
/// numbers and e-mail addresses in three columns; a fourth column of look-alikes.
fn people_csv() -> Vec<u8> {
    "ho_ten,so_cccd,dien_thoai,thu_dien_tu,ma_ho_so\n\
     Nguyễn Văn A,001090012345,0912345678,a.nguyen@example.vn,2024-000123\n\
     Trần Thị B,079195004321,0987 654 321,b.tran@example.vn,2024-000124\n\
     Lê Văn C,031088007777,+84 903 111 222,c.le@example.vn,2024-000125\n"
        .as_bytes()
        .to_vec()
}

/// Statistics only: no personal data.
fn stats_csv() -> Vec<u8> {
    "nam,huyen,dan_so,ty_le\n2024,Huyện A,123456789012,0.5\n2024,Huyện B,98765,1.25\n"
        .as_bytes()
        .to_vec()
}

struct Setup {
    admin: String,
    org_admin: String,
    editor: String,
}

async fn setup(app: &TestApp) -> Setup {
    let admin = app.sysadmin().await;
    app.org("so-y-te", &admin).await;
    let (_, org_admin) = app.user("quan-tri", false).await;
    let (_, editor) = app.user("bien-tap", false).await;
    for (user, role) in [("quan-tri", "admin"), ("bien-tap", "editor")] {
        app.ok(
            "organization_member_create",
            json!({"id": "so-y-te", "username": user, "role": role}),
            Some(&admin),
        )
        .await;
    }
    for (name, level) in [("mo", "open"), ("han-che", "restricted")] {
        app.ok(
            "package_create",
            json!({"name": name, "owner_org": "so-y-te", "sharing_level": level}),
            Some(&admin),
        )
        .await;
    }
    Setup {
        admin,
        org_admin,
        editor,
    }
}

async fn upload(app: &TestApp, dataset: &str, file: &str, bytes: Vec<u8>, token: &str) -> Resp {
    app.send_form(
        "/api/3/action/resource_create",
        form(&[("package_id", dataset)], Some((file, bytes))),
        Some(token),
    )
    .await
}

/// Files under `dir`, at any depth.
fn file_count(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| match e.file_type() {
                    Ok(t) if t.is_dir() => file_count(&e.path()),
                    _ => 1,
                })
                .sum()
        })
        .unwrap_or(0)
}

fn messages(err: &Value) -> Vec<String> {
    err["personal_data"]
        .as_array()
        .unwrap_or_else(|| panic!("no personal_data errors in {err}"))
        .iter()
        .map(|m| m.as_str().unwrap_or_default().to_owned())
        .collect()
}

async fn open_dataset_refuses_personal_data(backend: Backend) {
    let app = TestApp::new(backend).await;
    let s = setup(&app).await;
    let r = upload(&app, "mo", "nguoi-dan.csv", people_csv(), &s.editor).await;
    let err = r.error(409);
    assert_eq!(err["__type"], "Validation Error");
    let m = messages(err);
    assert!(m[0].starts_with("Personal data found"), "{m:?}");
    assert_eq!(
        m[1..].to_vec(),
        vec![
            "nguoi-dan.csv, column so_cccd: 3 citizen identity numbers",
            "nguoi-dan.csv, column dien_thoai: 3 mobile phone numbers",
            "nguoi-dan.csv, column thu_dien_tu: 3 e-mail addresses",
        ]
    );
    // Nothing half-written: no resource, no file left in the store.
    let d = app.ok("package_show", json!({"id": "mo"}), None).await;
    assert_eq!(d["num_resources"], 0);
    for _ in 0..100 {
        if file_count(app.files_dir()) == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(file_count(app.files_dir()), 0);
    // In Vietnamese.
    let r = app
        .send_form(
            "/api/3/action/resource_create?lang=vi",
            form(
                &[("package_id", "mo")],
                Some(("nguoi-dan.csv", people_csv())),
            ),
            Some(&s.editor),
        )
        .await;
    assert!(messages(r.error(409))
        .contains(&"nguoi-dan.csv, cột so_cccd: 3 số căn cước công dân".to_owned()));
    // A clean file passes.
    let r = upload(&app, "mo", "dan-so.csv", stats_csv(), &s.editor).await;
    assert_eq!(r.result()["url_type"], "upload");
    let shown = app
        .ok(
            "package_personal_data_show",
            json!({"id": "mo"}),
            Some(&s.editor),
        )
        .await;
    assert_eq!(shown["blocking"], false);
    assert_eq!(shown["files"][0]["screened"], true);
    assert_eq!(shown["files"][0]["findings"], json!([]));
    let _ = s.admin;
}

async fn made_open_is_refused_until_an_admin_overrides(backend: Backend) {
    let app = TestApp::new(backend).await;
    let s = setup(&app).await;
    let r = upload(&app, "han-che", "nguoi-dan.csv", people_csv(), &s.editor).await;
    let rid = r.result()["id"].as_str().expect("id").to_owned();
    // What was found, for those who may edit; masked examples only.
    let shown = app
        .ok(
            "package_personal_data_show",
            json!({"id": "han-che"}),
            Some(&s.editor),
        )
        .await;
    assert_eq!(shown["blocking"], true);
    assert_eq!(shown["files"][0]["resource_id"], rid.as_str());
    let findings = shown["files"][0]["findings"].as_array().expect("findings");
    let kinds: Vec<(&str, &str, u64)> = findings
        .iter()
        .map(|f| {
            (
                f["column"].as_str().unwrap_or_default(),
                f["kind"].as_str().unwrap_or_default(),
                f["count"].as_u64().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        vec![
            ("so_cccd", "citizen_id", 3),
            ("dien_thoai", "mobile", 3),
            ("thu_dien_tu", "email", 3)
        ]
    );
    assert!(!shown.to_string().contains("001090012345"), "{shown}");
    // Outsiders learn nothing: the dataset is not theirs to read.
    let (_, outsider) = app.user("nguoi-ngoai", false).await;
    app.action(
        "package_personal_data_show",
        json!({"id": "han-che"}),
        Some(&outsider),
    )
    .await
    .error(403);
    app.action("package_personal_data_show", json!({"id": "han-che"}), None)
        .await
        .error(403);

    // Making it open is refused, for everyone, and the dataset stays as it was.
    for token in [&s.editor, &s.org_admin, &s.admin] {
        let r = app
            .action(
                "package_patch",
                json!({"id": "han-che", "sharing_level": "open"}),
                Some(token),
            )
            .await;
        let m = messages(r.error(409));
        assert!(m.contains(&"nguoi-dan.csv, column so_cccd: 3 citizen identity numbers".to_owned()));
    }
    let d = app
        .ok("package_show", json!({"id": "han-che"}), Some(&s.admin))
        .await;
    assert_eq!(d["sharing_level"], "restricted");
    app.action("package_show", json!({"id": "han-che"}), None)
        .await
        .error(403);

    // Only the organization's admins (and sysadmins) may override, with a reason.
    let r = app
        .action(
            "package_personal_data_override",
            json!({"id": "han-che", "reason": "công khai theo luật"}),
            Some(&s.editor),
        )
        .await;
    assert_eq!(r.error(403)["__type"], "Authorization Error");
    let r = app
        .action(
            "package_personal_data_override",
            json!({"id": "han-che", "reason": "  "}),
            Some(&s.org_admin),
        )
        .await;
    assert_eq!(r.error(409)["reason"], json!(["Missing value"]));
    let o = app
        .ok(
            "package_personal_data_override",
            json!({"id": "han-che", "reason": "Số điện thoại công vụ, công khai theo quy định"}),
            Some(&s.org_admin),
        )
        .await;
    assert_eq!(
        o["reason"],
        "Số điện thoại công vụ, công khai theo quy định"
    );
    let d = app
        .ok(
            "package_patch",
            json!({"id": "han-che", "sharing_level": "open"}),
            Some(&s.editor),
        )
        .await;
    assert_eq!(d["sharing_level"], "open");
    assert_eq!(
        app.ok("package_show", json!({"id": "han-che"}), None).await["num_resources"],
        1
    );

    // The override is in the dataset's activity, with the reason and the actor.
    let acts = app
        .ok(
            "package_activity_list",
            json!({"id": "han-che"}),
            Some(&s.admin),
        )
        .await;
    let logged = acts
        .as_array()
        .expect("list")
        .iter()
        .find(|a| a["data"].get("personal_data_override").is_some())
        .unwrap_or_else(|| panic!("no override activity in {acts}"));
    assert_eq!(logged["activity_type"], "changed package");
    assert_eq!(
        logged["data"]["personal_data_override"]["reason"],
        "Số điện thoại công vụ, công khai theo quy định"
    );
    assert_eq!(logged["data"]["actor"], "quan-tri");
    assert_eq!(
        logged["data"]["personal_data_override"]["files"][0]["resource_id"],
        rid.as_str()
    );
}

async fn override_covers_only_files_screened_before_it(backend: Backend) {
    let app = TestApp::new(backend).await;
    let s = setup(&app).await;
    upload(&app, "han-che", "dot-1.csv", people_csv(), &s.editor)
        .await
        .result();
    app.ok(
        "package_personal_data_override",
        json!({"id": "han-che", "reason": "đã được phép"}),
        Some(&s.org_admin),
    )
    .await;
    app.ok(
        "package_patch",
        json!({"id": "han-che", "sharing_level": "open"}),
        Some(&s.editor),
    )
    .await;
    // A new file with personal data is refused on the now open dataset.
    let r = upload(&app, "han-che", "dot-2.csv", people_csv(), &s.editor).await;
    let m = messages(r.error(409));
    assert!(
        m.iter().any(|x| x.starts_with("dot-2.csv, column so_cccd")),
        "{m:?}"
    );
    assert!(!m.iter().any(|x| x.starts_with("dot-1.csv")), "{m:?}");
    // Editing the open dataset otherwise still works.
    let d = app
        .ok(
            "package_patch",
            json!({"id": "han-che", "title": "Hồ sơ"}),
            Some(&s.editor),
        )
        .await;
    assert_eq!(d["title"], "Hồ sơ");
    assert_eq!(d["num_resources"], 1);
}

async fn screening_can_be_switched_off(backend: Backend) {
    let cfg = kho_catalog::CatalogConfig {
        site_url: SITE_URL.into(),
        personal_data_screening: false,
        ..Default::default()
    };
    let app = TestApp::with_configs(backend, cfg, kho_api::ApiConfig::default()).await;
    let s = setup(&app).await;
    let r = upload(&app, "mo", "nguoi-dan.csv", people_csv(), &s.editor).await;
    assert_eq!(r.result()["url_type"], "upload");
    let shown = app
        .ok(
            "package_personal_data_show",
            json!({"id": "mo"}),
            Some(&s.editor),
        )
        .await;
    assert_eq!(shown["files"][0]["screened"], false);
    assert_eq!(shown["blocking"], false);
}
