//! The search index follows the store (issue 4): every write is in the index before its
//! answer (read-your-writes), organization changes reach their datasets' stored dicts,
//! a rebuild stores exactly the `package_show` dicts, an index on disk is rebuilt when
//! it cannot be used and caught up when it is behind, and a follower switches to a
//! generation published by another process. Until `package_search` lands these look at
//! the index through `Catalog::search_index()`.

mod common;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use common::*;
use kho_catalog::{Catalog, CatalogConfig, Ctx, FollowOptions, IndexHome};
use kho_search::{SearchIndex, SearchRequest};
use serde_json::{json, Value};

both_backends!(
    writes_are_in_the_index_at_once,
    organization_title_reaches_its_datasets,
    rebuilt_dicts_are_package_show,
    embedded_catalogue_is_filled_at_construction,
    disk_index_is_rebuilt_when_unusable_and_caught_up_when_behind,
    follower_applies_other_writers_and_switches_generations,
);

fn config() -> CatalogConfig {
    CatalogConfig {
        site_url: SITE_URL.into(),
        ..Default::default()
    }
}

/// Every stored dict of the index (all of them: no permission labels), by id.
fn stored(index: &SearchIndex) -> BTreeMap<String, String> {
    let req = SearchRequest {
        q: String::new(),
        fq: Vec::new(),
        labels: None,
        sort: Vec::new(),
        rows: 10_000,
        start: 0,
        facet_fields: Vec::new(),
        facet_limit: None,
        facet_mincount: 1,
        now: chrono::Utc::now().naive_utc(),
        include_private: false,
    };
    index
        .search(&req)
        .expect("search")
        .results
        .into_iter()
        .map(|text| {
            let v: Value = serde_json::from_str(&text).expect("stored dict is JSON");
            (v["id"].as_str().expect("id").to_owned(), text)
        })
        .collect()
}

fn stored_dict(index: &SearchIndex, id: &str) -> Option<Value> {
    stored(index)
        .get(id)
        .map(|t| serde_json::from_str(t).expect("JSON"))
}

/// `package_show` of every dataset (any state, as a sysadmin), serialized, by id.
async fn shown(app: &TestApp, ids: impl IntoIterator<Item = String>) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for id in ids {
        let dict = app
            .call_as(operator(), "package_show", json!({ "id": id }))
            .await;
        out.insert(id, serde_json::to_string(&dict).expect("serialize"));
    }
    out
}

/// org-a with a-pub (open, two resources, tags, extras, in group nhom), a-priv
/// (restricted), a-draft (draft) and a-gone (deleted); org-b with b-pub. Returns the
/// sysadmin's token.
async fn world(app: &TestApp) -> String {
    let admin = app.sysadmin().await;
    app.org("org-a", &admin).await;
    app.org("org-b", &admin).await;
    app.group("nhom", &admin).await;
    app.ok(
        "package_create",
        json!({
            "name": "a-pub", "title": "Trường học Tây Ninh", "owner_org": "org-a",
            "notes": "Danh sách \"trường\" <học>", "tags": [{"name": "giáo dục"}, {"name": "Tây Ninh"}],
            "extras": [{"key": "nguồn", "value": "Sở GD"}], "groups": [{"name": "nhom"}],
            "resources": [{"url": "https://example.org/a.csv", "format": "CSV"},
                          {"url": "https://example.org/b.json", "name": "B"}],
            "update_frequency": "monthly", "theme": ["education"],
        }),
        Some(&admin),
    )
    .await;
    for (name, org, extra) in [
        ("a-priv", "org-a", json!({"private": true})),
        ("a-draft", "org-a", json!({"state": "draft"})),
        ("a-gone", "org-a", json!({})),
        ("b-pub", "org-b", json!({})),
    ] {
        let mut body = json!({"name": name, "owner_org": org});
        if let (Some(b), Value::Object(e)) = (body.as_object_mut(), extra) {
            b.extend(e);
        }
        app.ok("package_create", body, Some(&admin)).await;
    }
    app.ok("package_delete", json!({"id": "a-gone"}), Some(&admin))
        .await;
    admin
}

async fn all_ids(app: &TestApp) -> Vec<String> {
    let mut out = Vec::new();
    for name in ["a-pub", "a-priv", "a-draft", "a-gone", "b-pub"] {
        let d = app
            .call_as(operator(), "package_show", json!({ "id": name }))
            .await;
        out.push(d["id"].as_str().expect("id").to_owned());
    }
    out
}

async fn writes_are_in_the_index_at_once(backend: Backend) {
    let app = TestApp::new(backend).await;
    let admin = app.sysadmin().await;
    app.org("org-a", &admin).await;
    let index = app.catalog.search_index();
    assert_eq!(index.num_docs(), 0);
    let d = app
        .ok(
            "package_create",
            json!({"name": "ngay-lap-tuc", "owner_org": "org-a"}),
            Some(&admin),
        )
        .await;
    let id = d["id"].as_str().expect("id").to_owned();
    let index = app.catalog.search_index();
    assert_eq!(index.num_docs(), 1, "found right after package_create");
    assert!(index.last_seq() > 0);
    assert_eq!(
        stored_dict(&index, &id).expect("stored")["name"],
        "ngay-lap-tuc"
    );

    app.ok(
        "package_patch",
        json!({"id": id, "title": "Tiêu đề mới"}),
        Some(&admin),
    )
    .await;
    assert_eq!(
        stored_dict(&app.catalog.search_index(), &id).expect("stored")["title"],
        "Tiêu đề mới"
    );
    app.ok(
        "resource_create",
        json!({"package_id": id, "url": "https://example.org/x.csv"}),
        Some(&admin),
    )
    .await;
    assert_eq!(
        stored_dict(&app.catalog.search_index(), &id).expect("stored")["num_resources"],
        1
    );
    // Deleted datasets stay in the index (include_deleted finds them), purged ones go.
    app.ok("package_delete", json!({"id": id}), Some(&admin))
        .await;
    assert_eq!(
        stored_dict(&app.catalog.search_index(), &id).expect("kept")["state"],
        "deleted"
    );
    app.ok("dataset_purge", json!({"id": id}), Some(&admin))
        .await;
    // Only its tombstone is left (it was open), for harvesters (tests/harvest_gather.rs);
    // tombstones are no datasets.
    let tomb = stored_dict(&app.catalog.search_index(), &id).expect("tombstone");
    assert_eq!(tomb["state"], "deleted");
    assert_eq!(tomb.as_object().map(|m| m.len()), Some(4));
    assert_eq!(app.catalog.search_index().num_docs(), 0);
    // A failed write changes nothing and syncs nothing harmful.
    let r = app
        .action(
            "package_create",
            json!({"name": "x", "owner_org": "nowhere"}),
            Some(&admin),
        )
        .await;
    assert_eq!(r.status.as_u16(), 409);
    assert_eq!(app.catalog.search_index().num_docs(), 0);
}

async fn organization_title_reaches_its_datasets(backend: Backend) {
    let app = TestApp::new(backend).await;
    let admin = world(&app).await;
    app.ok(
        "organization_patch",
        json!({"id": "org-a", "title": "Sở Giáo dục và Đào tạo"}),
        Some(&admin),
    )
    .await;
    app.ok(
        "group_patch",
        json!({"id": "nhom", "title": "Nhóm Giáo dục"}),
        Some(&admin),
    )
    .await;
    let index = app.catalog.search_index();
    let ids = all_ids(&app).await;
    let dicts = stored(&index);
    for id in &ids {
        let d: Value = serde_json::from_str(&dicts[id]).expect("JSON");
        let title = d["organization"]["title"].as_str().expect("org title");
        if d["name"] == "b-pub" {
            assert_eq!(title, "ORG-B");
        } else {
            assert_eq!(title, "Sở Giáo dục và Đào tạo", "{}", d["name"]);
        }
    }
    let a_pub: Value = serde_json::from_str(&dicts[&ids[0]]).expect("JSON");
    assert_eq!(a_pub["groups"][0]["title"], "Nhóm Giáo dục");
    // The synced dicts are package_show's, byte for byte.
    assert_eq!(dicts, shown(&app, ids).await);
}

async fn rebuilt_dicts_are_package_show(backend: Backend) {
    let app = TestApp::new(backend).await;
    world(&app).await;
    let ids = all_ids(&app).await;
    let expected = shown(&app, ids.clone()).await;
    assert_eq!(expected.len(), 5);

    let dir = tempfile::tempdir().expect("dir");
    let home = IndexHome::new(dir.path().join("index"));
    let seen = std::sync::Mutex::new(Vec::new());
    let progress = |done: u64, total: u64| seen.lock().expect("lock").push((done, total));
    let rebuilt = app
        .catalog
        .rebuild_index(&home, &progress)
        .await
        .expect("rebuild");
    assert_eq!(rebuilt.datasets, 5);
    assert_eq!(rebuilt.generation, "gen-000001");
    assert_eq!(home.current().as_deref(), Some("gen-000001"));
    assert_eq!(seen.lock().expect("lock").last(), Some(&(5, 5)));
    let index = home.open_current().expect("open the published generation");
    assert_eq!(index.last_seq(), rebuilt.seq);
    assert_eq!(
        rebuilt.seq,
        app.catalog.search_index().last_seq(),
        "the rebuild is complete up to the last change"
    );
    assert_eq!(stored(&index), expected, "rebuilt dicts are package_show's");
    assert_eq!(
        stored(&app.catalog.search_index()),
        expected,
        "synced dicts too"
    );
}

async fn embedded_catalogue_is_filled_at_construction(backend: Backend) {
    let app = TestApp::new(backend).await;
    world(&app).await;
    let ids = all_ids(&app).await;
    let expected = shown(&app, ids).await;
    let embedded = kho_api::catalog(app.catalog.store().clone(), config())
        .await
        .expect("catalog");
    let index = embedded.search_index();
    assert_eq!(index.last_seq(), app.catalog.search_index().last_seq());
    assert_eq!(stored(&index), expected);
    // And it follows its own writes.
    embedded
        .call(
            "package_patch",
            &Ctx::new(operator(), "en"),
            json!({"id": "b-pub", "title": "Mới"})
                .as_object()
                .cloned()
                .expect("object"),
        )
        .await
        .expect("patch");
    let b_pub = stored(&embedded.search_index())
        .into_values()
        .map(|t| serde_json::from_str::<Value>(&t).expect("JSON"))
        .find(|d| d["name"] == "b-pub")
        .expect("b-pub");
    assert_eq!(b_pub["title"], "Mới");
}

/// Open `home` with a fresh catalogue over the app's store; the catalogue (and so the
/// generation's writer) is dropped before returning.
async fn open_fresh(app: &TestApp, home: &IndexHome) -> (String, BTreeMap<String, String>, i64) {
    let catalog = Catalog::new(app.catalog.store().clone(), config());
    catalog.open_index(home).await.expect("open_index");
    let index = catalog.search_index();
    let generation = index.generation().expect("on disk").to_owned();
    (generation, stored(&index), index.last_seq())
}

async fn disk_index_is_rebuilt_when_unusable_and_caught_up_when_behind(backend: Backend) {
    let app = TestApp::new(backend).await;
    let admin = world(&app).await;
    let dir = tempfile::tempdir().expect("dir");
    let home = IndexHome::new(dir.path().join("index"));

    // Missing: built.
    let (generation, dicts, seq) = open_fresh(&app, &home).await;
    assert_eq!(generation, "gen-000001");
    assert_eq!(dicts, shown(&app, all_ids(&app).await).await);
    assert_eq!(seq, app.catalog.search_index().last_seq());

    // Behind: the same generation, caught up from the change log.
    app.ok(
        "package_create",
        json!({"name": "sau-nay", "owner_org": "org-b"}),
        Some(&admin),
    )
    .await;
    app.ok("package_delete", json!({"id": "b-pub"}), Some(&admin))
        .await;
    let (generation, dicts, seq) = open_fresh(&app, &home).await;
    assert_eq!(generation, "gen-000001", "caught up, not rebuilt");
    assert_eq!(seq, app.catalog.search_index().last_seq());
    assert_eq!(dicts, stored(&app.catalog.search_index()));
    assert_eq!(dicts.len(), 6);

    // Another schema version: the payload of its last commit says schema 0.
    let meta = home.root().join("gen-000001").join("meta.json");
    let text = std::fs::read_to_string(&meta).expect("meta.json");
    let payload = format!("\\\"schema\\\":{}", kho_search::schema::SCHEMA_VERSION);
    assert!(text.contains(&payload), "{text}");
    std::fs::write(&meta, text.replace(&payload, "\\\"schema\\\":0")).expect("write");
    assert!(matches!(
        home.open_current(),
        Err(kho_search::Unusable::OtherSchema)
    ));
    let (generation, dicts, _) = open_fresh(&app, &home).await;
    assert_eq!(generation, "gen-000002", "rebuilt");
    assert_eq!(dicts, stored(&app.catalog.search_index()));
    assert_eq!(home.generations(), ["gen-000002"], "the old one removed");

    // Garbage.
    std::fs::write(
        home.root().join("gen-000002").join("meta.json"),
        "{not json",
    )
    .expect("write");
    let (generation, dicts, _) = open_fresh(&app, &home).await;
    assert_eq!(generation, "gen-000003");
    assert_eq!(dicts, stored(&app.catalog.search_index()));
    std::fs::write(home.root().join("CURRENT"), "gen-000042").expect("write");
    let (generation, dicts, _) = open_fresh(&app, &home).await;
    assert_eq!(generation, "gen-000004");
    assert_eq!(dicts.len(), 6);

    // Built with other settings (or by another kho version): the dicts would differ.
    let other_site = Catalog::new(
        app.catalog.store().clone(),
        CatalogConfig {
            site_url: "https://data.example.gov.vn".into(),
            ..Default::default()
        },
    );
    other_site.open_index(&home).await.expect("open");
    assert_eq!(
        other_site.search_index().generation(),
        Some("gen-000005"),
        "rebuilt for the other site_url"
    );
    drop(other_site);
    let (generation, dicts, _) = open_fresh(&app, &home).await;
    assert_eq!(generation, "gen-000006", "and back");
    assert_eq!(dicts, stored(&app.catalog.search_index()));
    let (generation, _, _) = open_fresh(&app, &home).await;
    assert_eq!(generation, "gen-000006", "the same settings: kept");

    // In use by another catalogue: an error, not a second writer or a rebuild.
    let holder = Catalog::new(app.catalog.store().clone(), config());
    holder.open_index(&home).await.expect("open");
    let other = Catalog::new(app.catalog.store().clone(), config());
    let err = other.open_index(&home).await.expect_err("in use");
    assert!(
        err.to_string().contains("in use by another process"),
        "{err}"
    );
    assert_eq!(home.current().as_deref(), Some("gen-000006"));
}

/// Wait until `check` holds, for at most `secs` seconds.
async fn eventually(secs: u64, what: &str, mut check: impl FnMut() -> bool) {
    let started = Instant::now();
    while !check() {
        assert!(
            started.elapsed() < Duration::from_secs(secs),
            "not within {secs} s: {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn follower_applies_other_writers_and_switches_generations(backend: Backend) {
    let app = TestApp::new(backend).await;
    world(&app).await;
    let dir = tempfile::tempdir().expect("dir");
    let home = IndexHome::new(dir.path().join("index"));
    // The follower: another process, as far as the index goes.
    let follower = Catalog::new(app.catalog.store().clone(), config());
    follower.open_index(&home).await.expect("open");
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let task = tokio::spawn({
        let follower = follower.clone();
        let options = FollowOptions {
            home: Some(home.clone()),
            poll_interval: Duration::from_millis(200),
            listen: true,
        };
        let mut stopped = stopped;
        async move {
            follower
                .follow(options, async move {
                    let _ = stopped.wait_for(|s| *s).await;
                })
                .await
        }
    });

    // A write through the app reaches the follower's index.
    assert_eq!(follower.search_index().num_docs(), 5);
    app.call_as(
        operator(),
        "package_create",
        json!({"name": "tu-noi-khac", "owner_org": "org-b"}),
    )
    .await;
    eventually(5, "the follower applies the write", || {
        follower.search_index().num_docs() == 6
    })
    .await;

    // A rebuild published by "kho reindex" (here: the app's catalogue) is switched to,
    // caught up and the old generation removed.
    let rebuilt = app
        .catalog
        .rebuild_index(&home, &|_, _| {})
        .await
        .expect("rebuild");
    assert_eq!(rebuilt.generation, "gen-000002");
    app.call_as(
        operator(),
        "package_create",
        json!({"name": "sau-khi-dung-lai", "owner_org": "org-b"}),
    )
    .await;
    eventually(5, "the follower switches", || {
        follower.search_index().generation() == Some("gen-000002")
    })
    .await;
    eventually(5, "and catches up", || {
        follower.search_index().num_docs() == 7
    })
    .await;
    eventually(5, "the old generation is removed", || {
        home.generations() == ["gen-000002"]
    })
    .await;
    assert_eq!(
        stored(&follower.search_index()),
        stored(&app.catalog.search_index())
    );

    let _ = stop.send(true);
    tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .expect("the follower stops on shutdown")
        .expect("join");
}
