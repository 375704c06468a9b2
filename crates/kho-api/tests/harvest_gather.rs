//! Harvesters see changes and deletions: the CKAN harvester's gather stage
//! (ckanext-harvest `CKANHarvester._search_for_datasets`) reproduced over HTTP against
//! 5,000 datasets, and tombstones of datasets that stopped being open, in
//! `package_search?include_deleted=true` and `recently_changed_packages_activity_list`.

mod common;

use std::collections::BTreeSet;

use common::*;
use serde_json::{json, Value};

const DATASETS: usize = 5000;

/// The gather stage as ckanext-harvest runs it: GET `package_search` with `rows=100`,
/// `start` advancing by 100, `sort=id asc` and the fq terms joined by spaces (so they
/// arrive `+`-encoded); stop on an empty page; fail on two identical pages. Extra
/// parameters (`include_deleted`) are appended as a harvester that asks would.
async fn gather(app: &TestApp, fq: &str, extra: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut previous = String::new();
    let mut start = 0;
    loop {
        let mut query = format!("rows=100&start={start}&sort=id+asc");
        if !fq.is_empty() {
            query.push_str("&fq=");
            query.push_str(&url_encode(fq));
        }
        query.push_str(extra);
        let resp = app
            .get(&format!("/api/3/action/package_search?{query}"))
            .await;
        assert_eq!(resp.status, 200, "{}", resp.text);
        assert_ne!(resp.text, previous, "paging doesn't seem to work");
        let page = resp.result()["results"]
            .as_array()
            .expect("results")
            .clone();
        if page.is_empty() {
            return out;
        }
        previous = resp.text.clone();
        out.extend(page);
        start += 100;
    }
}

/// `urllib.parse.urlencode`'s quoting of a value (`quote_plus`).
fn url_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b' ' => out.push('+'),
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn ids(results: &[Value]) -> Vec<String> {
    results
        .iter()
        .map(|d| d["id"].as_str().expect("id").to_owned())
        .collect()
}

fn keys(d: &Value) -> Vec<String> {
    d.as_object()
        .expect("dict")
        .keys()
        .cloned()
        .collect::<Vec<_>>()
}

/// The `metadata_modified:[T TO *]` window a harvester asks for, from a moment between
/// the load and the changes.
async fn mark() -> String {
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let t = kho_core::time::isoformat(&kho_core::time::now_utc());
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    format!("metadata_modified:[{t}Z TO *]")
}

async fn gather_sees_changes_and_deletions(backend: Backend) {
    let app = TestApp::new(backend).await;
    let admin = app.sysadmin().await;
    app.org("so-tai-nguyen", &admin).await;
    // The load goes to the store; the index is built once at the end, as `kho import` does.
    app.catalog.defer_index_writes(true);
    let mut created = Vec::new();
    for i in 0..DATASETS {
        let d = app
            .call_as(
                operator(),
                "package_create",
                json!({"name": format!("du-lieu-{i:05}"), "title": format!("Dữ liệu số {i}"),
                       "owner_org": "so-tai-nguyen"}),
            )
            .await;
        created.push(d["id"].as_str().expect("id").to_owned());
    }
    // Datasets never open: they appear nowhere, not even as tombstones.
    let mut private = Vec::new();
    for i in 0..20 {
        let d = app
            .call_as(
                operator(),
                "package_create",
                json!({"name": format!("noi-bo-{i:02}"), "owner_org": "so-tai-nguyen",
                       "private": true}),
            )
            .await;
        private.push(d["id"].as_str().expect("id").to_owned());
    }
    app.catalog.defer_index_writes(false);
    app.catalog.sync_index().await.expect("index");

    // A full gather: every open dataset once, in id order, each a complete package_show.
    let full = gather(&app, "", "").await;
    let mut sorted = created.clone();
    sorted.sort();
    assert_eq!(ids(&full), sorted);
    let shown = app
        .ok("package_show", json!({"id": created[7]}), None)
        .await;
    let seven = full.iter().find(|d| d["id"] == shown["id"]).expect("found");
    assert_eq!(seven, &shown);

    let since = mark().await;
    let changed: BTreeSet<String> = created.iter().step_by(500).cloned().collect();
    assert_eq!(changed.len(), 10);
    for id in &changed {
        app.ok(
            "package_patch",
            json!({"id": id, "notes": "Cập nhật quý IV"}),
            Some(&admin),
        )
        .await;
    }
    let deleted: BTreeSet<String> = created[1..4].iter().cloned().collect();
    for id in &deleted {
        app.ok("package_delete", json!({"id": id}), Some(&admin))
            .await;
    }
    for id in &private {
        app.ok(
            "package_patch",
            json!({"id": id, "notes": "đổi"}),
            Some(&admin),
        )
        .await;
    }

    // The incremental run returns exactly the 10 changed datasets.
    let incremental = gather(&app, &since, "").await;
    assert_eq!(
        ids(&incremental).into_iter().collect::<BTreeSet<_>>(),
        changed
    );
    assert!(incremental.iter().all(|d| d["notes"] == "Cập nhật quý IV"));

    // Asking for deleted datasets adds exactly the 3 tombstones, to anyone, and nothing
    // but their id, name, state and the time they left.
    let with_deleted = gather(&app, &since, "&include_deleted=true").await;
    let (tombs, live): (Vec<Value>, Vec<Value>) = with_deleted
        .into_iter()
        .partition(|d| d["state"] == "deleted");
    assert_eq!(ids(&live).into_iter().collect::<BTreeSet<_>>(), changed);
    assert_eq!(ids(&tombs).into_iter().collect::<BTreeSet<_>>(), deleted);
    for t in &tombs {
        assert_eq!(keys(t), ["id", "metadata_modified", "name", "state"]);
        let window = since.trim_start_matches("metadata_modified:[");
        let t_since = &window[..window.find('Z').expect("Z")];
        assert!(t["metadata_modified"].as_str().expect("ts") > t_since);
        assert!(t["name"]
            .as_str()
            .expect("name")
            .starts_with("du-lieu-0000"));
    }
    // The tombstone query alone, as a harvester would ask for deletions.
    let only = gather(
        &app,
        &format!("{since} state:deleted"),
        "&include_deleted=true",
    )
    .await;
    assert_eq!(ids(&only).into_iter().collect::<BTreeSet<_>>(), deleted);
    // Without include_deleted, deleted datasets are simply gone.
    let count = app
        .get("/api/3/action/package_search?rows=0")
        .await
        .result()["count"]
        .clone();
    assert_eq!(count, json!(DATASETS - 3));

    // Whoever may read the deleted datasets sees them whole, once, not their tombstones.
    let one = &created[1];
    let mine = app
        .get_as(
            &format!("/api/3/action/package_search?fq=id:{one}&include_deleted=true"),
            &admin,
        )
        .await;
    let results = mine.result()["results"]
        .as_array()
        .expect("results")
        .clone();
    assert_eq!(results.len(), 1, "{results:?}");
    assert_eq!(results[0]["state"], "deleted");
    assert!(results[0]["title"].is_string());

    // The never-open datasets appear in no anonymous answer.
    let everything = gather(&app, "", "&include_deleted=true").await;
    let all_ids: BTreeSet<String> = ids(&everything).into_iter().collect();
    assert!(private.iter().all(|p| !all_ids.contains(p)));
    assert_eq!(all_ids.len(), DATASETS);

    // recently_changed_packages_activity_list: the deletions, as tombstones, to anyone.
    let acts = app
        .get("/api/3/action/recently_changed_packages_activity_list?limit=20")
        .await;
    let acts = acts.result().as_array().expect("list").clone();
    let gone: BTreeSet<String> = acts
        .iter()
        .filter(|a| a["activity_type"] == "deleted package")
        .map(|a| {
            assert_eq!(
                keys(&a["data"]["package"]),
                ["id", "metadata_modified", "name", "state"]
            );
            a["object_id"].as_str().expect("object").to_owned()
        })
        .collect();
    assert_eq!(gone, deleted);
    assert!(acts
        .iter()
        .all(|a| !private.contains(&a["object_id"].as_str().unwrap_or("").to_owned())));
    let newest_first: Vec<&str> = acts
        .iter()
        .map(|a| a["timestamp"].as_str().expect("ts"))
        .collect();
    let mut sorted = newest_first.clone();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    assert_eq!(newest_first, sorted);
}

async fn tombstones_follow_openness(backend: Backend) {
    let app = TestApp::new(backend).await;
    let admin = app.sysadmin().await;
    app.org("so-noi-vu", &admin).await;
    let open = app
        .ok(
            "package_create",
            json!({"name": "can-bo", "owner_org": "so-noi-vu"}),
            Some(&admin),
        )
        .await;
    let id = open["id"].as_str().expect("id").to_owned();
    assert!(anon_deleted(&app).await.is_empty());

    // Made non-open: a tombstone for anyone, the dataset itself for its organization.
    app.ok(
        "package_patch",
        json!({"id": id, "private": true}),
        Some(&admin),
    )
    .await;
    let tombs = anon_deleted(&app).await;
    assert_eq!(ids(&tombs), std::slice::from_ref(&id));
    assert_eq!(tombs[0]["name"], "can-bo");
    let admin_view = app
        .get_as(
            "/api/3/action/package_search?include_deleted=true&include_private=true",
            &admin,
        )
        .await;
    let admin_results = admin_view.result()["results"]
        .as_array()
        .expect("r")
        .clone();
    assert_eq!(admin_results.len(), 1);
    assert_eq!(admin_results[0]["private"], true);
    // A harvester with a token that could read it, asking only for open data, learns
    // that it left, as anyone does.
    let token_view = app
        .get_as("/api/3/action/package_search?include_deleted=true", &admin)
        .await;
    assert_eq!(token_view.result()["results"], json!(tombs));

    // Open again: the tombstone is gone.
    app.ok(
        "package_patch",
        json!({"id": id, "private": false}),
        Some(&admin),
    )
    .await;
    assert!(anon_deleted(&app).await.is_empty());

    // Deleted, then purged: the tombstone outlives the dataset, and a catalogue rebuilt
    // from the store shows the same.
    app.ok("package_delete", json!({"id": id}), Some(&admin))
        .await;
    app.ok("dataset_purge", json!({"id": id}), Some(&admin))
        .await;
    let tombs = anon_deleted(&app).await;
    assert_eq!(ids(&tombs), std::slice::from_ref(&id));
    assert_eq!(
        keys(&tombs[0]),
        ["id", "metadata_modified", "name", "state"]
    );
    let rebuilt =
        kho_catalog::Catalog::new(app.catalog.store().clone(), app.catalog.config().clone());
    rebuilt.catch_up_index().await.expect("rebuild");
    let again = rebuilt
        .call(
            "package_search",
            &kho_catalog::Ctx::new(kho_core::Actor::Anonymous, "en"),
            json!({"include_deleted": true, "fq": "state:deleted"})
                .as_object()
                .cloned()
                .expect("params"),
        )
        .await
        .expect("search");
    assert_eq!(again["results"], json!(tombs));

    // A sysadmin is shown the purged dataset's tombstone too (nothing else stands for it).
    let sys = app
        .get_as("/api/3/action/package_search?include_deleted=true", &admin)
        .await;
    assert_eq!(sys.result()["results"], json!(tombs));
    // Without include_deleted nobody sees tombstones.
    let sys = app.get_as("/api/3/action/package_search", &admin).await;
    assert_eq!(sys.result()["count"], 0);
    // Nor do autocomplete or the plain listing.
    let ac = app.get("/api/3/action/package_autocomplete?q=can").await;
    assert_eq!(ac.result(), &json!([]));
}

/// What anyone sees of deleted datasets.
async fn anon_deleted(app: &TestApp) -> Vec<Value> {
    app.get("/api/3/action/package_search?include_deleted=true&fq=state:deleted")
        .await
        .result()["results"]
        .as_array()
        .expect("results")
        .clone()
}

both_backends!(
    gather_sees_changes_and_deletions,
    tombstones_follow_openness
);
