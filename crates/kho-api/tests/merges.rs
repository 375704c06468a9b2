//! Agency merges and renames (requirement 19) over HTTP: former names keep working in
//! `*_show`, in `fq=organization:` and in addresses; `organization_merge` moves datasets,
//! members and grants; non-open datasets stay hidden from whoever could not see them.

mod common;

use common::*;
use serde_json::{json, Value};

both_backends!(
    renamed_dataset_answers_to_its_old_name,
    renamed_organization_answers_to_its_old_name,
    former_names_stay_reserved,
    merge_moves_datasets_members_and_grants,
    merge_keeps_private_datasets_private,
    merge_refusals,
);

fn names(r: &Value) -> Vec<String> {
    let mut v: Vec<String> = r["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|d| d["name"].as_str().expect("name").to_owned())
        .collect();
    v.sort();
    v
}

async fn search(app: &TestApp, params: Value, token: Option<&str>) -> Value {
    app.ok("package_search", params, token).await
}

async fn renamed_dataset_answers_to_its_old_name(backend: Backend) {
    let app = TestApp::new(backend).await;
    let admin = app.sysadmin().await;
    app.org("so-xay-dung", &admin).await;
    let d = app
        .ok(
            "package_create",
            json!({"name": "quy-hoach-cu", "owner_org": "so-xay-dung",
                   "resources": [{"url": "https://example.org/qh.csv", "name": "QH"}]}),
            Some(&admin),
        )
        .await;
    let id = d["id"].as_str().expect("id").to_owned();
    let rid = d["resources"][0]["id"].as_str().expect("rid").to_owned();
    app.ok(
        "package_patch",
        json!({"id": "quy-hoach-cu", "name": "quy-hoach-2025"}),
        Some(&admin),
    )
    .await;

    // package_show by the old name answers with the dataset as it is now.
    let shown = app
        .ok("package_show", json!({"id": "quy-hoach-cu"}), None)
        .await;
    assert_eq!(
        (shown["id"].as_str(), shown["name"].as_str()),
        (Some(id.as_str()), Some("quy-hoach-2025"))
    );
    // Actions that take a dataset by name resolve it too.
    let res = app
        .ok(
            "resource_create",
            json!({"package_id": "quy-hoach-cu", "url": "https://example.org/b.csv"}),
            Some(&admin),
        )
        .await;
    assert_eq!(res["package_id"], json!(id));
    // Addresses: DCAT and downloads.
    let ttl = app.get("/dataset/quy-hoach-cu.ttl").await;
    assert_eq!(ttl.status.as_u16(), 200, "{}", ttl.text);
    assert!(
        ttl.text.contains(&format!("dct:identifier \"{id}\"")),
        "{}",
        ttl.text
    );
    let dl = app
        .get(&format!(
            "/dataset/quy-hoach-cu/resource/{rid}/download/qh.csv"
        ))
        .await;
    assert_eq!(dl.status.as_u16(), 302, "{}", dl.text);
    assert_eq!(dl.header("location"), Some("https://example.org/qh.csv"));
    let dl = app
        .get(&format!("/dataset/khong-co/resource/{rid}/download/qh.csv"))
        .await;
    assert_eq!(dl.status.as_u16(), 404);
    // A name never used stays unknown.
    app.action("package_show", json!({"id": "quy-hoach-khac"}), None)
        .await
        .error(404);

    // Renaming back takes the old name again; the newer one becomes the former name.
    app.ok(
        "package_patch",
        json!({"id": id, "name": "quy-hoach-cu"}),
        Some(&admin),
    )
    .await;
    let shown = app
        .ok("package_show", json!({"id": "quy-hoach-2025"}), None)
        .await;
    assert_eq!(shown["name"], "quy-hoach-cu");

    // A private dataset's old name does not open it to an outsider.
    app.ok(
        "package_create",
        json!({"name": "noi-bo-cu", "owner_org": "so-xay-dung", "private": true}),
        Some(&admin),
    )
    .await;
    app.ok(
        "package_patch",
        json!({"id": "noi-bo-cu", "name": "noi-bo-moi"}),
        Some(&admin),
    )
    .await;
    let (_, dan) = app.user("dan", false).await;
    app.action("package_show", json!({"id": "noi-bo-cu"}), Some(&dan))
        .await
        .error(403);
    app.action("package_show", json!({"id": "noi-bo-cu"}), None)
        .await
        .error(403);
}

async fn renamed_organization_answers_to_its_old_name(backend: Backend) {
    let app = TestApp::new(backend).await;
    let admin = app.sysadmin().await;
    let org = app.org("so-tn-mt", &admin).await;
    app.ok(
        "package_create",
        json!({"name": "dat-dai", "owner_org": "so-tn-mt"}),
        Some(&admin),
    )
    .await;
    app.ok(
        "package_create",
        json!({"name": "mat", "owner_org": "so-tn-mt", "private": true}),
        Some(&admin),
    )
    .await;
    app.ok(
        "organization_patch",
        json!({"id": "so-tn-mt", "name": "so-nn-mt"}),
        Some(&admin),
    )
    .await;

    let shown = app
        .ok("organization_show", json!({"id": "so-tn-mt"}), None)
        .await;
    assert_eq!(
        (shown["id"].clone(), shown["name"].as_str()),
        (org["id"].clone(), Some("so-nn-mt"))
    );
    // The outsider's count holds only the open dataset.
    assert_eq!(shown["package_count"], 1);

    // fq by the old name finds the organization's datasets; facets show the new name.
    let r = search(
        &app,
        json!({"fq": "organization:so-tn-mt", "facet.field": ["organization"]}),
        None,
    )
    .await;
    assert_eq!(names(&r), ["dat-dai"]);
    assert_eq!(r["facets"]["organization"], json!({"so-nn-mt": 1}));
    let r = search(
        &app,
        json!({"fq": "+organization:\"so-tn-mt\"", "include_private": true}),
        Some(&admin),
    )
    .await;
    assert_eq!(names(&r), ["dat-dai", "mat"]);
    // The same term on another field, or inside another word, is not rewritten.
    let r = search(&app, json!({"fq": "tags:so-tn-mt"}), None).await;
    assert_eq!(r["count"], 0);
    // Members by the old name.
    let members = app
        .ok(
            "member_list",
            json!({"id": "so-tn-mt", "object_type": "user"}),
            Some(&admin),
        )
        .await;
    assert_eq!(members.as_array().map(Vec::len), Some(1));

    // The history says what happened: the changed organization shows its new name.
    let acts = app
        .ok(
            "organization_activity_list",
            json!({"id": "so-tn-mt"}),
            Some(&admin),
        )
        .await;
    assert_eq!(acts[0]["activity_type"], "changed organization");
    assert_eq!(acts[0]["data"]["group"]["name"], "so-nn-mt");
}

async fn former_names_stay_reserved(backend: Backend) {
    let app = TestApp::new(backend).await;
    let admin = app.sysadmin().await;
    app.org("so-cu", &admin).await;
    app.ok(
        "package_create",
        json!({"name": "bo-cu", "owner_org": "so-cu"}),
        Some(&admin),
    )
    .await;
    app.ok(
        "package_patch",
        json!({"id": "bo-cu", "name": "bo-moi"}),
        Some(&admin),
    )
    .await;
    app.ok(
        "organization_patch",
        json!({"id": "so-cu", "name": "so-moi"}),
        Some(&admin),
    )
    .await;

    let r = app
        .action(
            "package_create",
            json!({"name": "bo-cu", "owner_org": "so-moi"}),
            Some(&admin),
        )
        .await;
    assert_eq!(r.error(409)["name"], json!(["That URL is already in use."]));
    let r = app
        .action(
            "organization_create",
            json!({"name": "so-cu"}),
            Some(&admin),
        )
        .await;
    assert_eq!(
        r.error(409)["name"],
        json!(["Group name already exists in database"])
    );
    let r = app
        .action("group_create", json!({"name": "so-cu"}), Some(&admin))
        .await;
    assert_eq!(
        r.error(409)["name"],
        json!(["Group name already exists in database"])
    );

    // Purging frees the former names.
    app.ok("dataset_purge", json!({"id": "bo-cu"}), Some(&admin))
        .await;
    app.ok(
        "package_create",
        json!({"name": "bo-cu", "owner_org": "so-moi"}),
        Some(&admin),
    )
    .await;
    app.ok("dataset_purge", json!({"id": "bo-cu"}), Some(&admin))
        .await;
    app.ok("organization_purge", json!({"id": "so-cu"}), Some(&admin))
        .await;
    app.action("organization_show", json!({"id": "so-cu"}), None)
        .await
        .error(404);
    app.org("so-cu", &admin).await;
}

/// `so-long-an` (admin `chu`, member `thanh`; open `mo-la`, private `rieng-la`) merges into
/// `so-tay-ninh` (editor `thanh`, member `moi`; open `mo-tn`). `so-khac`'s private `khac`
/// is granted to `so-long-an`.
async fn merged_cast(app: &TestApp) -> (String, Value, Value) {
    let admin = app.sysadmin().await;
    for u in ["chu", "thanh", "moi", "dan"] {
        app.user(u, false).await;
    }
    let from = app
        .ok(
            "organization_create",
            json!({"name": "so-long-an", "users": [
                {"name": "chu", "capacity": "admin"},
                {"name": "thanh", "capacity": "member"},
            ]}),
            Some(&admin),
        )
        .await;
    let into = app
        .ok(
            "organization_create",
            json!({"name": "so-tay-ninh", "users": [
                {"name": "thanh", "capacity": "editor"},
                {"name": "moi", "capacity": "member"},
            ]}),
            Some(&admin),
        )
        .await;
    app.org("so-khac", &admin).await;
    for (name, org, private) in [
        ("mo-la", "so-long-an", false),
        ("rieng-la", "so-long-an", true),
        ("mo-tn", "so-tay-ninh", false),
        ("khac", "so-khac", true),
    ] {
        app.ok(
            "package_create",
            json!({"name": name, "owner_org": org, "private": private}),
            Some(&admin),
        )
        .await;
    }
    app.ok(
        "dataset_access_grant_create",
        json!({"id": "khac", "organization": "so-long-an", "reason": "Công văn 12/UBND"}),
        Some(&admin),
    )
    .await;
    (admin, from, into)
}

async fn merge_moves_datasets_members_and_grants(backend: Backend) {
    let app = TestApp::new(backend).await;
    let (admin, from, into) = merged_cast(&app).await;
    // Before: a member of so-tay-ninh cannot read so-khac's private dataset.
    let moi_token = app
        .ok(
            "api_token_create",
            json!({"user": "moi", "name": "t"}),
            Some(&admin),
        )
        .await["token"]
        .as_str()
        .expect("token")
        .to_owned();
    app.action("package_show", json!({"id": "khac"}), Some(&moi_token))
        .await
        .error(403);

    let r = app
        .ok(
            "organization_merge",
            json!({"id": "so-long-an", "into": "so-tay-ninh"}),
            Some(&admin),
        )
        .await;
    assert_eq!(
        r,
        json!({"id": into["id"], "name": "so-tay-ninh", "merged_id": from["id"],
               "merged_name": "so-long-an", "datasets": 2, "members": 3, "grants": 1})
    );

    // Datasets moved, with their new organization.
    for name in ["mo-la", "rieng-la"] {
        let d = app
            .ok("package_show", json!({"id": name}), Some(&admin))
            .await;
        assert_eq!(d["owner_org"], into["id"], "{name}");
        assert_eq!(d["organization"]["name"], "so-tay-ninh", "{name}");
    }
    // The old name shows the organization that took it in.
    let shown = app
        .ok(
            "organization_show",
            json!({"id": "so-long-an"}),
            Some(&admin),
        )
        .await;
    assert_eq!(shown["id"], into["id"]);
    assert_eq!(shown["package_count"], 3);
    // The old organization is deleted and no longer holds its name.
    let old = app
        .ok("organization_show", json!({"id": from["id"]}), Some(&admin))
        .await;
    assert_eq!(old["state"], "deleted");
    assert_eq!(old["name"], from["id"]);
    let listed = app
        .ok("organization_list", json!({"sort": "name"}), None)
        .await;
    assert_eq!(listed, json!(["so-khac", "so-tay-ninh"]));

    // Members (the creating sysadmin `admin` is an admin of both, and counts among the
    // three moved): chu comes as admin; thanh keeps the higher capacity (editor).
    let members = app
        .ok(
            "member_list",
            json!({"id": "so-long-an", "object_type": "user"}),
            Some(&admin),
        )
        .await;
    let mut caps: Vec<(String, String)> = Vec::new();
    for m in members.as_array().expect("members") {
        let user = app.ok("user_show", json!({"id": m[0]}), Some(&admin)).await;
        caps.push((
            user["name"].as_str().expect("n").to_owned(),
            m[2].as_str().expect("c").to_lowercase(),
        ));
    }
    caps.sort();
    let want: Vec<(String, String)> = [
        ("admin", "admin"),
        ("chu", "admin"),
        ("moi", "member"),
        ("thanh", "editor"),
    ]
    .iter()
    .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
    .collect();
    assert_eq!(caps, want);
    let chu_token = app
        .ok(
            "api_token_create",
            json!({"user": "chu", "name": "t"}),
            Some(&admin),
        )
        .await["token"]
        .as_str()
        .expect("token")
        .to_owned();
    app.ok(
        "package_patch",
        json!({"id": "mo-tn", "title": "Sửa bởi chu"}),
        Some(&chu_token),
    )
    .await;

    // Grants: so-khac's grant now reaches so-tay-ninh's members.
    let grants = app
        .ok(
            "dataset_access_grant_list",
            json!({"id": "khac"}),
            Some(&admin),
        )
        .await;
    assert_eq!(grants[0]["grantee_id"], into["id"]);
    assert_eq!(grants.as_array().map(Vec::len), Some(1));
    let seen = app
        .ok("package_show", json!({"id": "khac"}), Some(&moi_token))
        .await;
    assert_eq!(seen["name"], "khac");

    // Activity on both sides, and on each moved dataset.
    for side in [&from["id"], &into["id"]] {
        let acts = app
            .ok(
                "organization_activity_list",
                json!({"id": side}),
                Some(&admin),
            )
            .await;
        let merge = acts
            .as_array()
            .expect("acts")
            .iter()
            .find(|a| a["data"].get("merge").is_some())
            .unwrap_or_else(|| panic!("no merge activity: {acts}"));
        assert_eq!(merge["activity_type"], "changed organization");
        assert_eq!(merge["data"]["merge"]["datasets"], 2);
        assert_eq!(merge["data"]["merge"]["from"]["name"], "so-long-an");
        assert_eq!(merge["data"]["merge"]["into"]["name"], "so-tay-ninh");
    }
    let acts = app
        .ok(
            "package_activity_list",
            json!({"id": "mo-la"}),
            Some(&admin),
        )
        .await;
    assert_eq!(acts[0]["activity_type"], "changed package");
    assert_eq!(
        acts[0]["data"]["package"]["organization"]["name"],
        "so-tay-ninh"
    );

    // A former name of the merged organization (a rename before the merge) follows too.
    app.ok(
        "organization_patch",
        json!({"id": "so-khac", "name": "so-khac-2"}),
        Some(&admin),
    )
    .await;
    app.ok(
        "organization_merge",
        json!({"id": "so-khac-2", "into": "so-long-an"}),
        Some(&admin),
    )
    .await;
    for old in ["so-khac", "so-khac-2"] {
        let shown = app
            .ok("organization_show", json!({"id": old}), Some(&admin))
            .await;
        assert_eq!(shown["name"], "so-tay-ninh", "{old}");
    }
}

async fn merge_keeps_private_datasets_private(backend: Backend) {
    let app = TestApp::new(backend).await;
    let (admin, _, _) = merged_cast(&app).await;
    app.ok(
        "organization_merge",
        json!({"id": "so-long-an", "into": "so-tay-ninh"}),
        Some(&admin),
    )
    .await;
    let dan = app
        .ok(
            "api_token_create",
            json!({"user": "dan", "name": "t"}),
            Some(&admin),
        )
        .await["token"]
        .as_str()
        .expect("token")
        .to_owned();
    for token in [None, Some(dan.as_str())] {
        let r = search(
            &app,
            json!({"fq": "organization:so-long-an", "include_private": true, "facet.field": ["organization"]}),
            token,
        )
        .await;
        assert_eq!(names(&r), ["mo-la", "mo-tn"]);
        assert_eq!(r["count"], 2);
        assert_eq!(r["facets"]["organization"], json!({"so-tay-ninh": 2}));
        let shown = app
            .ok(
                "organization_show",
                json!({"id": "so-long-an", "include_datasets": true}),
                token,
            )
            .await;
        assert_eq!(shown["package_count"], 2);
        let mut shown_names: Vec<&str> = shown["packages"]
            .as_array()
            .expect("packages")
            .iter()
            .filter_map(|d| d["name"].as_str())
            .collect();
        shown_names.sort_unstable();
        assert_eq!(shown_names, ["mo-la", "mo-tn"]);
        let r = app
            .action("package_show", json!({"id": "rieng-la"}), token)
            .await;
        r.error(403);
    }
    // The old organization's activity names only the open dataset it moved.
    let acts = app
        .ok(
            "organization_activity_list",
            json!({"id": "so-long-an"}),
            None,
        )
        .await;
    let text = acts.to_string();
    assert!(!text.contains("rieng-la"), "{text}");
    let merge = acts
        .as_array()
        .expect("acts")
        .iter()
        .find(|a| a["data"].get("merge").is_some())
        .expect("merge activity");
    assert_eq!(
        merge["data"]["merge"]["open_dataset_ids"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    // Its former member `thanh` (a member, now an editor of so-tay-ninh) still reads it.
    let thanh = app
        .ok(
            "api_token_create",
            json!({"user": "thanh", "name": "t"}),
            Some(&admin),
        )
        .await["token"]
        .as_str()
        .expect("token")
        .to_owned();
    let d = app
        .ok("package_show", json!({"id": "rieng-la"}), Some(&thanh))
        .await;
    assert_eq!(d["private"], true);
}

async fn merge_refusals(backend: Backend) {
    let app = TestApp::new(backend).await;
    let (admin, _, _) = merged_cast(&app).await;
    app.group("nhom", &admin).await;
    let chu = app
        .ok(
            "api_token_create",
            json!({"user": "chu", "name": "t"}),
            Some(&admin),
        )
        .await["token"]
        .as_str()
        .expect("token")
        .to_owned();
    let merge = json!({"id": "so-long-an", "into": "so-tay-ninh"});
    // Only sysadmins, not even an admin of both sides.
    let r = app
        .action("organization_merge", merge.clone(), Some(&chu))
        .await;
    assert_eq!(
        r.message(403),
        "Access denied: User chu not authorized to merge organizations"
    );
    let r = app.action("organization_merge", merge.clone(), None).await;
    assert_eq!(
        r.message(403),
        "Access denied: Action organization_merge requires an authenticated user"
    );

    let r = app
        .action(
            "organization_merge",
            json!({"id": "so-long-an", "into": "so-long-an"}),
            Some(&admin),
        )
        .await;
    assert_eq!(
        r.error(409)["into"],
        json!(["An organization cannot be merged into itself"])
    );
    let r = app
        .action(
            "organization_merge",
            json!({"id": "so-long-an", "into": "nhom"}),
            Some(&admin),
        )
        .await;
    assert_eq!(r.error(409)["into"], json!(["Organization does not exist"]));
    let r = app
        .action(
            "organization_merge",
            json!({"id": "nhom", "into": "so-tay-ninh"}),
            Some(&admin),
        )
        .await;
    r.error(404);
    let r = app
        .action(
            "organization_merge",
            json!({"id": "so-long-an"}),
            Some(&admin),
        )
        .await;
    assert_eq!(r.error(409)["into"], json!(["Missing value"]));
    app.ok(
        "organization_create",
        json!({"name": "so-bo"}),
        Some(&admin),
    )
    .await;
    app.ok("organization_delete", json!({"id": "so-bo"}), Some(&admin))
        .await;
    let r = app
        .action(
            "organization_merge",
            json!({"id": "so-long-an", "into": "so-bo"}),
            Some(&admin),
        )
        .await;
    assert_eq!(r.error(409)["into"], json!(["Organization is deleted"]));
    // Nothing moved.
    let d = app
        .ok("package_show", json!({"id": "mo-la"}), Some(&admin))
        .await;
    assert_eq!(d["organization"]["name"], "so-long-an");
}
