//! The authorization matrix: every kind of caller × every kind of dataset, through every
//! read path and the dataset writes, on both backends. The expectations are written out
//! here as tables, independently of `kho_core::visibility`, so that a change to the rules
//! shows up as a failing cell.

mod common;

use std::collections::BTreeSet;

use common::*;
use kho_catalog::CatalogConfig;
use kho_core::model::{AccessGrant, Grantee};
use serde_json::{json, Value};

both_backends!(matrix);

/// The datasets, all owned by `so-a` and in the group `nhom`.
const DATASETS: [&str; 5] = ["mo", "chia-se", "han-che", "da-xoa", "nhap"];

/// Callers, in the order of the tables' columns' rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Anonymous,
    Plain,
    Member,
    Editor,
    OwnerAdmin,
    OtherAdmin,
    Sysadmin,
    Collaborator,
    Grantee,
    ExpiredGrantee,
}

const EVERYONE: [Who; 10] = [
    Who::Anonymous,
    Who::Plain,
    Who::Member,
    Who::Editor,
    Who::OwnerAdmin,
    Who::OtherAdmin,
    Who::Sysadmin,
    Who::Collaborator,
    Who::Grantee,
    Who::ExpiredGrantee,
];

impl Who {
    fn user(self) -> Option<&'static str> {
        Some(match self {
            Who::Anonymous => return None,
            Who::Plain => "dan",
            Who::Member => "thanh",
            Who::Editor => "bien",
            Who::OwnerAdmin => "chu",
            Who::OtherAdmin => "khac",
            Who::Sysadmin => "admin",
            Who::Collaborator => "cong-tac",
            Who::Grantee => "duoc-cap",
            Who::ExpiredGrantee => "het-han",
        })
    }

    /// May read (package_show), per dataset in [`DATASETS`] order: open, shared,
    /// restricted, deleted (restricted), draft (restricted).
    fn reads(self) -> [bool; 5] {
        const Y: bool = true;
        const N: bool = false;
        match self {
            Who::Anonymous | Who::Plain | Who::ExpiredGrantee => [Y, N, N, N, N],
            // Any account of a government organization reads shared data.
            Who::OtherAdmin => [Y, Y, N, N, N],
            // Grants open active datasets only.
            Who::Grantee => [Y, Y, Y, N, N],
            Who::Member | Who::Editor | Who::OwnerAdmin | Who::Sysadmin | Who::Collaborator => {
                [Y; 5]
            }
        }
    }

    /// May update and delete the datasets (all of them, or none).
    fn writes(self) -> bool {
        matches!(
            self,
            Who::Editor | Who::OwnerAdmin | Who::Sysadmin | Who::Collaborator
        )
    }

    /// May manage collaborators and grants (organization admins and sysadmins).
    fn manages(self) -> bool {
        matches!(self, Who::OwnerAdmin | Who::Sysadmin)
    }

    /// Sees reporters' addresses, closes and deletes error reports (the owning
    /// organization's editors and admins, sysadmins; not collaborators).
    fn answers_issues(self) -> bool {
        matches!(self, Who::Editor | Who::OwnerAdmin | Who::Sysadmin)
    }

    /// May list the grants (the organization's admins and editors, sysadmins).
    fn lists_grants(self) -> bool {
        matches!(self, Who::Editor | Who::OwnerAdmin | Who::Sysadmin)
    }

    fn readable(self, states: &[&str]) -> BTreeSet<&'static str> {
        DATASETS
            .iter()
            .zip(self.reads())
            .filter(|(name, r)| *r && states.contains(&state_of(name)))
            .map(|(name, _)| *name)
            .collect()
    }
}

fn state_of(name: &str) -> &'static str {
    match name {
        "da-xoa" => "deleted",
        "nhap" => "draft",
        _ => "active",
    }
}

struct World {
    app: TestApp,
    tokens: Vec<(Who, Option<String>)>,
}

impl World {
    fn token(&self, who: Who) -> Option<&str> {
        self.tokens
            .iter()
            .find(|(w, _)| *w == who)
            .and_then(|(_, t)| t.as_deref())
    }
}

async fn world(backend: Backend) -> World {
    let app = TestApp::with_configs(
        backend,
        CatalogConfig {
            site_url: SITE_URL.into(),
            allow_dataset_collaborators: true,
            ..CatalogConfig::default()
        },
        Default::default(),
    )
    .await;
    let mut tokens = vec![(Who::Anonymous, None)];
    for who in EVERYONE.iter().skip(1) {
        let name = who.user().expect("user");
        let (_, tok) = app.user(name, *who == Who::Sysadmin).await;
        tokens.push((*who, Some(tok)));
    }
    let admin = tokens[6].1.clone().expect("sysadmin");
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
    app.ok(
        "organization_create",
        json!({"name": "so-b", "users": [{"name": "khac", "capacity": "admin"}]}),
        Some(&admin),
    )
    .await;
    app.group("nhom", &admin).await;
    let het_han = app
        .ok("user_show", json!({"id": "het-han"}), Some(&admin))
        .await;
    for name in DATASETS {
        let level = match name {
            "mo" => "open",
            "chia-se" => "shared",
            _ => "restricted",
        };
        let mut body = json!({
            "name": name,
            "owner_org": "so-a",
            "sharing_level": level,
            "groups": [{"name": "nhom"}],
            "tags": [{"name": format!("the-{name}")}],
            "resources": [{"url": format!("http://example.org/{name}.csv"),
                           "format": format!("F-{name}")}],
        });
        if name == "nhap" {
            body["state"] = "draft".into();
        }
        let d = app.ok("package_create", body, Some(&admin)).await;
        assert_eq!(d["sharing_level"], level, "{d}");
        let id = d["id"].as_str().expect("id").to_owned();
        app.ok(
            "package_collaborator_create",
            json!({"id": name, "user_id": "cong-tac", "capacity": "editor"}),
            Some(&admin),
        )
        .await;
        if level != "open" {
            app.ok(
                "dataset_access_grant_create",
                json!({"id": name, "user": "duoc-cap", "reason": "đề nghị số 7"}),
                Some(&admin),
            )
            .await;
            let mut tx = app.catalog.store().begin().await.expect("begin");
            let now = kho_core::time::now_utc();
            tx.grant_upsert(&AccessGrant {
                id: format!("expired-{name}"),
                package_id: id,
                grantee_type: Grantee::User,
                grantee_id: het_han["id"].as_str().expect("id").into(),
                reason: "đã hết hạn".into(),
                expires: Some(now - chrono::Duration::hours(1)),
                created: now - chrono::Duration::days(90),
                created_by: "admin".into(),
            })
            .await
            .expect("grant");
            tx.commit().await.expect("commit");
        }
    }
    app.ok("package_delete", json!({"id": "da-xoa"}), Some(&admin))
        .await;
    World { app, tokens }
}

fn names(list: &Value, key: &str) -> BTreeSet<String> {
    list.as_array()
        .unwrap_or_else(|| panic!("not a list: {list}"))
        .iter()
        .map(|x| x[key].as_str().expect(key).to_owned())
        .collect()
}

fn set(names: &BTreeSet<&str>) -> BTreeSet<String> {
    names.iter().map(|s| s.to_string()).collect()
}

async fn matrix(backend: Backend) {
    let w = world(backend).await;
    let app = &w.app;
    let all_states = ["active", "draft", "deleted"];
    for who in EVERYONE {
        let tok = w.token(who);
        let reads = who.reads();

        // Per dataset: show, resource_show, activity, writes, management.
        for (name, may_read) in DATASETS.iter().zip(reads) {
            let cell = format!("{who:?} × {name}");
            let r = app.action("package_show", json!({"id": name}), tok).await;
            assert_eq!(
                r.status,
                if may_read { 200 } else { 403 },
                "{cell}: {}",
                r.text
            );
            if !may_read {
                assert_eq!(r.error(403)["__type"], "Authorization Error", "{cell}");
                assert!(
                    !r.text.contains("the-"),
                    "{cell}: nothing of it leaks: {}",
                    r.text
                );
            }
            let shown = app
                .ok("package_show", json!({"id": name}), w.token(Who::Sysadmin))
                .await;
            let res_id = shown["resources"][0]["id"].as_str().expect("resource");
            if !may_read {
                let id = shown["id"].as_str().expect("id");
                assert!(
                    !r.text.contains(id),
                    "{cell}: the hidden id leaks: {}",
                    r.text
                );
            }
            let r = app
                .action("resource_show", json!({"id": res_id}), tok)
                .await;
            assert_eq!(
                r.status,
                if may_read { 200 } else { 403 },
                "{cell} resource_show: {}",
                r.text
            );
            let r = app
                .action("package_activity_list", json!({"id": name}), tok)
                .await;
            assert_eq!(
                r.status,
                if may_read { 200 } else { 403 },
                "{cell} activity: {}",
                r.text
            );
            let r = app
                .action("resource_view_list", json!({"id": res_id}), tok)
                .await;
            assert_eq!(
                r.status,
                if may_read { 200 } else { 403 },
                "{cell} resource_view_list: {}",
                r.text
            );
            // The dataset's own activities, by id, as the sysadmin lists them.
            let acts = app
                .ok(
                    "package_activity_list",
                    json!({"id": name}),
                    w.token(Who::Sysadmin),
                )
                .await;
            let newest = acts[0]["id"].as_str().expect("activity id");
            for action in ["activity_show", "activity_data_show", "activity_diff"] {
                let r = app.action(action, json!({"id": newest}), tok).await;
                // A diff of a dataset's first activity has nothing to compare with (404).
                let status = match r.status.as_u16() {
                    404 if action == "activity_diff" => 200,
                    s => s,
                };
                assert_eq!(
                    status,
                    if may_read { 200 } else { 403 },
                    "{cell} {action}: {}",
                    r.text
                );
            }
            // Tags of non-open datasets are unknown to everyone.
            let r = app
                .action("tag_show", json!({"id": format!("the-{name}")}), tok)
                .await;
            assert_eq!(
                r.status,
                if *name == "mo" { 200 } else { 404 },
                "{cell} tag_show: {}",
                r.text
            );

            let writes = who.writes();
            let r = app
                .action(
                    "resource_create",
                    json!({"package_id": name, "url": "http://example.org/them.csv"}),
                    tok,
                )
                .await;
            assert_eq!(
                r.status,
                if writes { 200 } else { 403 },
                "{cell} resource_create: {}",
                r.text
            );
            let r = app
                .action(
                    "package_revise",
                    json!({"match": {"id": shown["id"]}, "update": {"version": "2"}}),
                    tok,
                )
                .await;
            assert_eq!(
                r.status,
                if writes { 200 } else { 403 },
                "{cell} package_revise: {}",
                r.text
            );
            if !who.manages() {
                let r = app
                    .action(
                        "package_collaborator_create",
                        json!({"id": name, "user_id": "dan", "capacity": "member"}),
                        tok,
                    )
                    .await;
                assert_eq!(r.status, 403, "{cell} collaborator_create: {}", r.text);
                let r = app
                    .action(
                        "dataset_access_grant_create",
                        json!({"id": name, "user": "dan", "reason": "x"}),
                        tok,
                    )
                    .await;
                assert_eq!(r.status, 403, "{cell} grant_create: {}", r.text);
                let r = app
                    .action(
                        "bulk_update_public",
                        json!({"datasets": [shown["id"]], "org_id": shown["owner_org"]}),
                        tok,
                    )
                    .await;
                assert_eq!(r.status, 403, "{cell} bulk_update_public: {}", r.text);
            }
            if who != Who::Sysadmin {
                let r = app
                    .action(
                        "package_owner_org_update",
                        json!({"id": name, "organization_id": "so-b"}),
                        tok,
                    )
                    .await;
                assert_eq!(r.status, 403, "{cell} owner_org_update: {}", r.text);
            }
            let r = app
                .action(
                    "package_patch",
                    json!({"id": name, "notes": format!("sửa bởi {who:?}")}),
                    tok,
                )
                .await;
            assert_eq!(
                r.status,
                if writes { 200 } else { 403 },
                "{cell} patch: {}",
                r.text
            );
            let r = app
                .action(
                    "resource_patch",
                    json!({"id": res_id, "description": "mô tả"}),
                    tok,
                )
                .await;
            assert_eq!(
                r.status,
                if writes { 200 } else { 403 },
                "{cell} resource_patch: {}",
                r.text
            );
            if !writes {
                let r = app.action("package_delete", json!({"id": name}), tok).await;
                assert_eq!(r.status, 403, "{cell} delete: {}", r.text);
                let r = app.action("dataset_purge", json!({"id": name}), tok).await;
                assert_eq!(r.status, 403, "{cell} purge: {}", r.text);
            }
            let r = app
                .action("package_collaborator_list", json!({"id": name}), tok)
                .await;
            assert_eq!(
                r.status,
                if who.manages() { 200 } else { 403 },
                "{cell} collaborators: {}",
                r.text
            );
            let r = app
                .action("dataset_access_grant_list", json!({"id": name}), tok)
                .await;
            assert_eq!(
                r.status,
                if who.lists_grants() { 200 } else { 403 },
                "{cell} grants: {}",
                r.text
            );
            // What the personal-data screen found: for those who may edit the dataset.
            let r = app
                .action("package_personal_data_show", json!({"id": name}), tok)
                .await;
            assert_eq!(
                r.status,
                if writes { 200 } else { 403 },
                "{cell} personal data: {}",
                r.text
            );
            // Overrides: the organization's admins and sysadmins only (the allowed
            // calls, which write, are in tests/personal_data.rs).
            if !who.manages() {
                let r = app
                    .action(
                        "package_personal_data_override",
                        json!({"id": name, "reason": "x"}),
                        tok,
                    )
                    .await;
                assert_eq!(r.status, 403, "{cell} personal data override: {}", r.text);
            }
        }
        // Nothing was deleted or changed state by the denied writes.
        for name in DATASETS {
            let d = app
                .ok("package_show", json!({"id": name}), w.token(Who::Sysadmin))
                .await;
            assert_eq!(d["state"], state_of(name), "{who:?} left {name} alone");
            assert_eq!(
                d["organization"]["name"], "so-a",
                "{who:?} left {name} in so-a"
            );
            let level = match name {
                "mo" => "open",
                "chia-se" => "shared",
                _ => "restricted",
            };
            assert_eq!(d["sharing_level"], level, "{who:?} left {name}'s level");
        }

        // Lists and counts.
        let org = app
            .ok(
                "organization_show",
                json!({"id": "so-a", "include_datasets": true}),
                tok,
            )
            .await;
        // Counts are what package_search (include_private) counts: active datasets.
        let counted = who.readable(&["active"]);
        assert_eq!(org["package_count"], counted.len(), "{who:?} org count");
        assert_eq!(
            names(&org["packages"], "name"),
            set(&who.readable(&["active"])),
            "{who:?} org datasets"
        );
        let grp = app
            .ok(
                "group_show",
                json!({"id": "nhom", "include_datasets": true}),
                tok,
            )
            .await;
        assert_eq!(grp["package_count"], counted.len(), "{who:?} group count");
        let orgs = app
            .ok("organization_list", json!({"all_fields": true}), tok)
            .await;
        let so_a = orgs
            .as_array()
            .expect("orgs")
            .iter()
            .find(|o| o["name"] == "so-a")
            .expect("so-a");
        assert_eq!(
            so_a["package_count"],
            counted.len(),
            "{who:?} org list count"
        );
        let mut completed = BTreeSet::new();
        for name in DATASETS {
            let hits = app
                .ok("package_autocomplete", json!({"q": name}), tok)
                .await;
            completed.extend(names(&hits, "name").into_iter().filter(|n| n == name));
        }
        assert_eq!(
            completed,
            set(&who.readable(&["active"])),
            "{who:?} autocomplete"
        );
        // package_search: visibility is a filter inside the query, so results, count and
        // facet counts all agree with the model.
        for (params, states, private) in [
            (json!({}), &["active"][..], false),
            (json!({"include_private": true}), &["active"][..], true),
            (
                json!({"include_private": true, "include_drafts": true, "include_deleted": true}),
                &["active", "draft", "deleted"][..],
                true,
            ),
        ] {
            let mut params = params;
            params["facet.field"] = json!(["organization", "groups"]);
            params["rows"] = json!(100);
            let found = app.ok("package_search", params.clone(), tok).await;
            let expected: BTreeSet<String> = who
                .readable(states)
                .into_iter()
                .filter(|n| private || *n == "mo")
                .map(str::to_owned)
                .collect();
            assert_eq!(
                names(&found["results"], "name"),
                expected,
                "{who:?} package_search {params}"
            );
            assert_eq!(found["count"], expected.len(), "{who:?} count {params}");
            let facet = &found["facets"]["organization"]["so-a"];
            let facet = facet.as_u64().unwrap_or(0) as usize;
            assert_eq!(facet, expected.len(), "{who:?} facet {params}");
        }
        let activity_of = |list: &Value| -> BTreeSet<String> {
            list.as_array()
                .expect("activities")
                .iter()
                .filter_map(|a| a["data"]["package"]["name"].as_str())
                .map(str::to_owned)
                .collect()
        };
        let expected_activity = set(&who.readable(&all_states));
        for (action, id) in [
            ("organization_activity_list", "so-a"),
            ("group_activity_list", "nhom"),
            ("user_activity_list", "admin"),
        ] {
            let acts = app.ok(action, json!({"id": id, "limit": 100}), tok).await;
            let mut expected = expected_activity.clone();
            if action == "group_activity_list" {
                // Deleting a dataset takes it out of its groups.
                expected.remove("da-xoa");
            }
            assert_eq!(activity_of(&acts), expected, "{who:?} {action}");
        }
        let recent = app
            .ok(
                "recently_changed_packages_activity_list",
                json!({"limit": 100}),
                tok,
            )
            .await;
        assert_eq!(
            activity_of(&recent),
            expected_activity,
            "{who:?} recently changed"
        );

        // Public catalogue views: open data only, whoever asks.
        let listed = app.ok("package_list", json!({}), tok).await;
        assert_eq!(listed, json!(["mo"]), "{who:?} package_list");
        let tags = app.ok("tag_list", json!({}), tok).await;
        assert_eq!(tags, json!(["the-mo"]), "{who:?} tag_list");
        let formats = app.ok("format_autocomplete", json!({"q": "f-"}), tok).await;
        assert_eq!(formats, json!(["f-mo"]), "{who:?} format_autocomplete");
        let current = app
            .ok("current_package_list_with_resources", json!({}), tok)
            .await;
        let expected_current: BTreeSet<&str> = if who == Who::Sysadmin {
            ["mo", "chia-se", "han-che"].into()
        } else {
            ["mo"].into()
        };
        assert_eq!(
            names(&current, "name"),
            set(&expected_current),
            "{who:?} current"
        );
        let in_group = app
            .ok("group_package_show", json!({"id": "nhom"}), tok)
            .await;
        assert_eq!(
            names(&in_group, "name"),
            set(&["mo"].into()),
            "{who:?} group_package_show"
        );
    }
    datarequest_cells(&w).await;
    issue_cells(&w).await;
    // Before services are added to `so-a`: these count every dataset there.
    quality_cells(&w).await;
    deadline_cells(&w).await;
    service_cells(&w).await;
    sharing_log_cells(&w).await;
    // Last: the merge changes the world.
    merge_cells(&w).await;
}

/// Update deadlines (requirements 7–9): the reports and the `update_status` facet count
/// what the caller may read; `dataset_data_updated` is a dataset write.
async fn deadline_cells(w: &World) {
    let app = &w.app;
    let admin = w.token(Who::Sysadmin);
    for name in ["mo", "chia-se", "han-che"] {
        app.ok(
            "package_patch",
            json!({"id": name, "update_frequency": "monthly"}),
            admin,
        )
        .await;
    }
    for who in EVERYONE {
        let tok = w.token(who);
        let readable = who.readable(&["active"]);
        let report = app.ok("compliance_report", json!({}), tok).await;
        let listed: BTreeSet<String> = report["organizations"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|o| o["datasets"].as_array().cloned().unwrap_or_default())
            .filter_map(|d| d["name"].as_str().map(str::to_owned))
            .collect();
        assert_eq!(listed, set(&readable), "{who:?} compliance_report");
        assert_eq!(report["totals"]["due"], readable.len(), "{who:?} due");
        let found = app
            .ok(
                "package_search",
                json!({"include_private": true, "facet.field": ["update_status"]}),
                tok,
            )
            .await;
        let faceted: u64 = found["facets"]["update_status"]
            .as_object()
            .into_iter()
            .flatten()
            .filter_map(|(_, n)| n.as_u64())
            .sum();
        assert_eq!(
            faceted,
            readable.len() as u64,
            "{who:?} update_status facet"
        );
        let export = app.ok("catalog_export", json!({}), tok).await;
        assert_eq!(
            names(&export["datasets"], "name"),
            set(&["mo"].into()),
            "{who:?} catalog_export"
        );
        for (name, may_read) in DATASETS.iter().zip(who.reads()) {
            let r = app
                .action("dataset_data_updated", json!({"id": name}), tok)
                .await;
            let status = match (*name == "da-xoa", may_read, who.writes()) {
                (true, _, _) => 404,
                (false, true, true) => 200,
                _ => 403,
            };
            assert_eq!(
                r.status, status,
                "{who:?} × {name} dataset_data_updated: {}",
                r.text
            );
        }
    }
}

/// `organization_merge`: sysadmins only. After `so-b` (admin `khac`) merges into `so-a`,
/// searching by the old name `so-b` shows each caller only what they may read.
async fn merge_cells(w: &World) {
    let app = &w.app;
    let merge = json!({"id": "so-b", "into": "so-a"});
    for who in EVERYONE {
        if who == Who::Sysadmin {
            continue;
        }
        let r = app
            .action("organization_merge", merge.clone(), w.token(who))
            .await;
        assert_eq!(r.status, 403, "{who:?} organization_merge: {}", r.text);
    }
    let r = app
        .action("organization_merge", merge, w.token(Who::Sysadmin))
        .await;
    assert_eq!(r.status, 200, "Sysadmin organization_merge: {}", r.text);
    for who in EVERYONE {
        let found = app
            .ok(
                "package_search",
                json!({"fq": "organization:so-b", "include_private": true}),
                w.token(who),
            )
            .await;
        // Active datasets only; `khac` now administers the datasets' organization.
        let reads = if who == Who::OtherAdmin {
            [true; 5]
        } else {
            who.reads()
        };
        let expected: BTreeSet<&str> = DATASETS
            .iter()
            .zip(reads)
            .filter(|(n, r)| *r && !matches!(**n, "da-xoa" | "nhap"))
            .map(|(n, _)| *n)
            .collect();
        // The services `service_cells` added to `so-a` are checked there.
        let got: BTreeSet<String> = names(&found["results"], "name")
            .into_iter()
            .filter(|n| DATASETS.contains(&n.as_str()))
            .collect();
        assert_eq!(got, set(&expected), "{who:?} fq=organization:so-b");
    }
}

impl Who {
    /// May read the sharing log: sysadmins (all of it), organization admins (their own
    /// organization's part: `khac`'s organization owns no dataset here).
    fn reads_sharing_log(self) -> bool {
        matches!(self, Who::OwnerAdmin | Who::OtherAdmin | Who::Sysadmin)
    }
}

/// The sharing log, after every caller has read every dataset above: who may list it,
/// what each sees, and that every entry is a read of non-open data by an account, allowed
/// exactly when the matrix says that account may read that dataset.
async fn sharing_log_cells(w: &World) {
    let app = &w.app;
    let mut names_by_id = std::collections::HashMap::new();
    for name in DATASETS {
        let d = app
            .call_as(operator(), "package_show", json!({"id": name}))
            .await;
        names_by_id.insert(d["id"].as_str().expect("id").to_owned(), name);
    }
    let all = app
        .ok(
            "sharing_log_list",
            json!({"limit": 1000}),
            w.token(Who::Sysadmin),
        )
        .await;
    let entries = all["results"].as_array().expect("results");
    assert!(!entries.is_empty());
    assert_eq!(all["count"], json!(entries.len()));
    // (The lookup above, by the harness's own operator, is logged too.)
    for e in entries.iter().filter(|e| e["user_name"] != "test-operator") {
        let name = names_by_id[e["package_id"].as_str().expect("package")];
        assert_ne!(name, "mo", "open data is not logged: {e}");
        let who = EVERYONE
            .iter()
            .find(|w| w.user() == e["user_name"].as_str())
            .unwrap_or_else(|| panic!("an entry by an unknown caller: {e}"));
        let index = DATASETS.iter().position(|d| *d == name).expect("dataset");
        let expected = if who.reads()[index] {
            "allowed"
        } else {
            "denied"
        };
        assert_eq!(e["outcome"], expected, "{who:?} × {name}: {e}");
    }
    for who in EVERYONE {
        let r = app
            .action("sharing_log_list", json!({"limit": 1000}), w.token(who))
            .await;
        if !who.reads_sharing_log() {
            assert_eq!(r.status, 403, "{who:?} sharing_log_list");
            assert!(!r.text.contains("package_id"), "{who:?}: leaks {}", r.text);
            continue;
        }
        let expected = if who == Who::OtherAdmin {
            json!(0)
        } else {
            all["count"].clone()
        };
        assert_eq!(r.result()["count"], expected, "{who:?} sharing_log_list");
    }
}

impl Who {
    /// May close a data request of `dan` addressed to `so-a`: the requester, the
    /// organization's editors and admins, sysadmins.
    fn closes_requests(self) -> bool {
        matches!(
            self,
            Who::Plain | Who::Editor | Who::OwnerAdmin | Who::Sysadmin
        )
    }

    /// May update or delete such a request: the requester and sysadmins.
    fn edits_requests(self) -> bool {
        matches!(self, Who::Plain | Who::Sysadmin)
    }
}

/// Data requests: a fulfilled request shows its accepted dataset exactly to those who may
/// read the dataset; closing, updating and deleting follow their own rules.
async fn datarequest_cells(w: &World) {
    let app = &w.app;
    let admin = w.token(Who::Sysadmin);
    let dan = w.token(Who::Plain);
    let active: Vec<(usize, &str)> = DATASETS
        .iter()
        .enumerate()
        .filter(|(_, n)| state_of(n) == "active")
        .map(|(i, n)| (i, *n))
        .collect();
    let mut fulfilled = Vec::new();
    for (i, name) in &active {
        let r = app
            .ok(
                "datarequest_create",
                json!({"title": format!("cần {name}"), "organization_id": "so-a"}),
                dan,
            )
            .await;
        let closed = app
            .ok(
                "datarequest_close",
                json!({"id": r["id"], "accepted_dataset_id": name}),
                admin,
            )
            .await;
        assert_eq!(closed["accepted_dataset"]["name"], *name);
        fulfilled.push((*i, *name, r["id"].clone()));
    }
    // Deleted and draft datasets fulfil nothing.
    let r = app
        .ok("datarequest_create", json!({"title": "cần nháp"}), dan)
        .await;
    for name in ["da-xoa", "nhap"] {
        let e = app
            .action(
                "datarequest_close",
                json!({"id": r["id"], "accepted_dataset_id": name}),
                admin,
            )
            .await;
        assert_eq!(
            e.error(409)["Accepted Dataset"],
            json!(["Dataset not found"])
        );
    }
    app.ok("datarequest_delete", json!({"id": r["id"]}), dan)
        .await;

    for who in EVERYONE {
        let tok = w.token(who);
        let reads = who.reads();
        for (i, name, id) in &fulfilled {
            let cell = format!("{who:?} × request for {name}");
            let shown = app.ok("datarequest_show", json!({"id": id}), tok).await;
            assert_eq!(
                !shown["accepted_dataset"].is_null(),
                reads[*i],
                "{cell}: {shown}"
            );
            assert_eq!(
                !shown["accepted_dataset_id"].is_null(),
                reads[*i],
                "{cell}: {shown}"
            );
            if !reads[*i] {
                assert!(!shown.to_string().contains("the-"), "{cell} leaks: {shown}");
            }
        }
        let listed = app
            .ok(
                "datarequest_index",
                json!({"closed": true, "limit": 100}),
                tok,
            )
            .await;
        let seen: BTreeSet<String> = listed["result"]
            .as_array()
            .expect("list")
            .iter()
            .filter_map(|r| r["accepted_dataset"]["name"].as_str().map(str::to_owned))
            .collect();
        let expected: BTreeSet<String> = fulfilled
            .iter()
            .filter(|(i, _, _)| reads[*i])
            .map(|(_, n, _)| (*n).to_owned())
            .collect();
        assert_eq!(seen, expected, "{who:?} datarequest_index");

        // Writes on a fresh open request of dan's, addressed to so-a.
        let r = app
            .ok(
                "datarequest_create",
                json!({"title": format!("mở {who:?}"), "organization_id": "so-a"}),
                dan,
            )
            .await;
        let cell = format!("{who:?} × open request");
        let up = app
            .action(
                "datarequest_update",
                json!({"id": r["id"], "description": "sửa"}),
                tok,
            )
            .await;
        let status = if who.edits_requests() { 200 } else { 403 };
        assert_eq!(up.status.as_u16(), status, "{cell} update: {}", up.text);
        let close = app
            .action(
                "datarequest_close",
                json!({"id": r["id"], "close_reason": "không có"}),
                tok,
            )
            .await;
        let status = if who.closes_requests() { 200 } else { 403 };
        assert_eq!(
            close.status.as_u16(),
            status,
            "{cell} close: {}",
            close.text
        );
        let del = app
            .action("datarequest_delete", json!({"id": r["id"]}), tok)
            .await;
        let status = if who.edits_requests() { 200 } else { 403 };
        assert_eq!(del.status.as_u16(), status, "{cell} delete: {}", del.text);
    }
}

/// `quality_report` counts the active datasets each caller may read, and nothing else.
async fn quality_cells(w: &World) {
    let app = &w.app;
    for who in EVERYONE {
        let tok = w.token(who);
        // mo, chia-se and han-che are the active ones.
        let expected = who.reads()[..3].iter().filter(|r| **r).count();
        let r = app
            .ok("quality_report", json!({"organization": "so-a"}), tok)
            .await;
        assert_eq!(r["total"]["datasets"], expected, "{who:?} quality_report");
        let orgs = r["organizations"].as_array().map(Vec::len).unwrap_or(0);
        assert_eq!(
            orgs,
            usize::from(expected > 0),
            "{who:?} quality_report orgs"
        );
    }
}

/// Error reports (`issue_*`): one report by the sysadmin on every dataset that takes
/// them (active ones), and an anonymous one on `mo`. Reads first, then writes, so that
/// every caller reads the same reports.
async fn issue_cells(w: &World) {
    let app = &w.app;
    let admin = w.token(Who::Sysadmin);
    let active = ["mo", "chia-se", "han-che"];
    for name in active {
        app.ok(
            "issue_create",
            json!({"dataset_id": name, "title": format!("Lỗi {name}")}),
            admin,
        )
        .await;
    }
    app.ok(
        "issue_create",
        json!({"dataset_id": "mo", "title": "Lỗi ẩn danh", "email": "an@example.org"}),
        None,
    )
    .await;
    for who in EVERYONE {
        let tok = w.token(who);
        let mut readable = 0;
        for (name, may_read) in DATASETS.iter().zip(who.reads()) {
            let cell = format!("{who:?} × {name} issues");
            let taken = active.contains(name);
            let status = match (taken, may_read) {
                (false, _) => 404,
                (true, true) => 200,
                (true, false) => 403,
            };
            let number = if *name == "mo" { 2 } else { 1 };
            let r = app
                .action(
                    "issue_show",
                    json!({"dataset_id": name, "issue_number": number}),
                    tok,
                )
                .await;
            assert_eq!(r.status, status, "{cell} show: {}", r.text);
            if status != 200 {
                assert!(!r.text.contains("Lỗi"), "{cell}: leaks {}", r.text);
                let r = app
                    .action("issue_search", json!({"dataset_id": name}), tok)
                    .await;
                assert_eq!(r.status, status, "{cell} search: {}", r.text);
                continue;
            }
            readable += 1;
            assert_eq!(
                r.result().get("reporter_email").is_some(),
                who.answers_issues(),
                "{cell} address"
            );
            let found = app
                .ok("issue_search", json!({"dataset_id": name}), tok)
                .await;
            assert_eq!(found["count"], number, "{cell} search");
        }
        let org = app
            .ok(
                "issue_search",
                json!({"organization_id": "so-a", "limit": 100}),
                tok,
            )
            .await;
        // Each readable active dataset has one report, `mo` a second.
        assert_eq!(org["count"], readable + 1, "{who:?} organization issues");
        let addresses = org["results"]
            .as_array()
            .expect("results")
            .iter()
            .filter(|i| i.get("reporter_email").is_some())
            .count();
        let expected = if who.answers_issues() {
            readable + 1
        } else {
            0
        };
        assert_eq!(addresses, expected, "{who:?} addresses");
    }
    for who in EVERYONE {
        let tok = w.token(who);
        for (name, may_read) in DATASETS.iter().zip(who.reads()) {
            let cell = format!("{who:?} × {name} issue writes");
            if !active.contains(name) {
                continue;
            }
            let comment = app
                .action(
                    "issue_comment_create",
                    json!({"dataset_id": name, "issue_number": 1, "comment": "?"}),
                    tok,
                )
                .await;
            let may_comment = may_read && who != Who::Anonymous;
            assert_eq!(
                comment.status,
                if may_comment { 200 } else { 403 },
                "{cell} comment: {}",
                comment.text
            );
            for status in ["closed", "open"] {
                let r = app
                    .action(
                        "issue_update",
                        json!({"dataset_id": name, "issue_number": 1, "status": status}),
                        tok,
                    )
                    .await;
                let ok = may_read && who.answers_issues();
                assert_eq!(
                    r.status,
                    if ok { 200 } else { 403 },
                    "{cell} {status}: {}",
                    r.text
                );
            }
            let mut body = json!({"dataset_id": name, "title": "Thêm"});
            if who == Who::Anonymous {
                body["email"] = json!("khach@example.org");
            }
            let r = app.action("issue_create", body, tok).await;
            assert_eq!(
                r.status,
                if may_read { 200 } else { 403 },
                "{cell} create: {}",
                r.text
            );
        }
    }
}

/// Services (datasets of type `service`) as open, shared and restricted as the first
/// three datasets, with the same collaborator and grant: `service_report` and the
/// `dataset_type:service` search list exactly those each caller may read.
async fn service_cells(w: &World) {
    let app = &w.app;
    let admin = w.token(Who::Sysadmin);
    let services = [
        ("dv-mo", "open"),
        ("dv-chia-se", "shared"),
        ("dv-han-che", "restricted"),
    ];
    for (name, level) in services {
        app.ok(
            "package_create",
            json!({"name": name, "type": "service", "owner_org": "so-a",
                   "sharing_level": level, "endpoint_url": format!("https://{name}.example.vn/"),
                   "protocol": "rest", "authentication": "none",
                   "ready_at": "2026-09-04T08:00:00"}),
            admin,
        )
        .await;
        app.ok(
            "package_collaborator_create",
            json!({"id": name, "user_id": "cong-tac", "capacity": "editor"}),
            admin,
        )
        .await;
        if level != "open" {
            app.ok(
                "dataset_access_grant_create",
                json!({"id": name, "user": "duoc-cap", "reason": "đề nghị số 8"}),
                admin,
            )
            .await;
        }
    }
    for who in EVERYONE {
        let tok = w.token(who);
        let expected: BTreeSet<String> = services
            .iter()
            .zip(who.reads())
            .filter(|(_, r)| *r)
            .map(|((n, _), _)| n.to_string())
            .collect();
        let report = app.ok("service_report", json!({}), tok).await;
        assert_eq!(
            names(&report["services"], "name"),
            expected,
            "{who:?} service_report"
        );
        assert_eq!(report["count"], expected.len(), "{who:?} count");
        assert_eq!(
            report["organizations"][0]["count"],
            expected.len(),
            "{who:?} organization count"
        );
        let found = app
            .ok(
                "package_search",
                json!({"fq": "dataset_type:service", "include_private": true,
                       "facet.field": ["dataset_type"]}),
                tok,
            )
            .await;
        assert_eq!(names(&found["results"], "name"), expected, "{who:?} search");
        assert_eq!(
            found["facets"]["dataset_type"]["service"],
            expected.len(),
            "{who:?} facet"
        );
    }
}
