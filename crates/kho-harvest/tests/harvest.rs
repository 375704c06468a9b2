//! Harvesting end to end: a source kho served over HTTP on an ephemeral port, a DCAT
//! catalogue served by a tiny HTTP server (and read from files), and sources that fail.
//! The target catalogue runs on SQLite and on Postgres (`sqlite::…`, `postgres::…`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use kho_catalog::{Catalog, CatalogConfig, Ctx};
use kho_core::authz::ActorUser;
use kho_core::Actor;
use kho_harvest::{Harvester, NoProgress, RunOptions, SourceSpec, SourceType, Summary};
use poem::http::StatusCode;
use poem::{Endpoint, EndpointExt, Response};
use serde_json::{json, Value};

#[derive(Clone, Copy)]
enum Backend {
    Sqlite,
    Postgres,
}

macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(super::Backend::Sqlite).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(super::Backend::Postgres).await
                }
            )*
        }
    };
}

both_backends!(
    harvest_from_another_kho,
    full_run_finds_deletions_by_comparison,
    harvest_a_dcat_catalogue,
    failing_sources_are_recorded,
);

fn sysadmin() -> Ctx {
    Ctx::new(
        Actor::User(ActorUser {
            id: "harvest-test".into(),
            name: "harvest-test".into(),
            sysadmin: true,
        }),
        "en",
    )
}

fn obj(v: Value) -> serde_json::Map<String, Value> {
    match v {
        Value::Object(m) => m,
        other => panic!("not an object: {other}"),
    }
}

async fn call(c: &Catalog, action: &str, params: Value) -> Value {
    c.call(action, &sysadmin(), obj(params))
        .await
        .unwrap_or_else(|e| panic!("{action}: {e:?}"))
}

/// A migrated, indexed catalogue on `backend`, with `site_url`.
async fn catalogue(backend: Backend, site_url: &str) -> (Catalog, Option<tempfile::TempDir>) {
    let (url, dir) = match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().expect("temp dir");
            (kho_test_support::sqlite_url(dir.path()), Some(dir))
        }
        Backend::Postgres => (kho_test_support::postgres_url().await, None),
    };
    let store = kho_store::connect(&url).await.expect("connect");
    store.migrate().await.expect("migrate");
    let config = CatalogConfig {
        site_url: site_url.into(),
        ..CatalogConfig::default()
    };
    let catalog = kho_api::catalog(store, config).await.expect("catalog");
    (catalog, dir)
}

/// Serve `ep` on 127.0.0.1 at an ephemeral port; its base URL.
async fn serve<E>(listener: tokio::net::TcpListener, ep: E) -> String
where
    E: Endpoint + 'static,
{
    let addr = listener.local_addr().expect("addr");
    let acceptor = poem::listener::TcpAcceptor::from_tokio(listener).expect("acceptor");
    tokio::spawn(poem::Server::new_with_acceptor(acceptor).run(ep));
    format!("http://{addr}")
}

async fn listener() -> tokio::net::TcpListener {
    tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind")
}

/// A source kho (always SQLite) served over HTTP, with an organization and five datasets.
struct SourceKho {
    catalog: Catalog,
    url: String,
    ids: Vec<String>,
    _dir: Option<tempfile::TempDir>,
}

async fn source_kho() -> SourceKho {
    let l = listener().await;
    let url = format!("http://{}", l.local_addr().expect("addr"));
    let (catalog, dir) = catalogue(Backend::Sqlite, &url).await;
    call(
        &catalog,
        "organization_create",
        json!({"name": "so-tnmt", "title": "Sở Tài nguyên và Môi trường", "description": "Cơ quan quản lý"}),
    )
    .await;
    let mut ids = Vec::new();
    for i in 0..5 {
        let d = call(
            &catalog,
            "package_create",
            json!({
                "name": format!("du-lieu-{i}"),
                "title": format!("Dữ liệu số {i}"),
                "notes": format!("Mô tả {i}"),
                "owner_org": "so-tnmt",
                "tags": [{"name": "môi trường"}, {"name": format!("nhóm {i}")}],
                "extras": [{"key": "nguon_goc", "value": format!("khảo sát {i}")}],
                "resources": [
                    {"url": format!("https://files.example.org/{i}.csv"), "format": "CSV", "name": "Bảng số liệu"},
                    {"url": format!("https://files.example.org/{i}.json"), "format": "JSON"},
                ],
            }),
        )
        .await;
        ids.push(d["id"].as_str().expect("id").to_owned());
    }
    let served = serve(
        l,
        kho_api::routes(catalog.clone(), kho_api::ApiConfig::default()),
    )
    .await;
    assert_eq!(served, url);
    SourceKho {
        catalog,
        url,
        ids,
        _dir: dir,
    }
}

fn counts(s: &Summary) -> (u64, u64, u64, u64) {
    (s.created, s.updated, s.deleted, s.unchanged)
}

async fn jobs(target: &Catalog, source_id: &str) -> Vec<kho_core::model::HarvestJob> {
    let mut tx = target.store().read().await.expect("read");
    tx.harvest_job_list(Some(source_id), None, None)
        .await
        .expect("jobs")
}

/// What of a dataset must come across unchanged.
fn essentials(d: &Value) -> Value {
    let resources: Vec<Value> = d["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .map(|r| json!([r["id"], r["url"], r["format"], r["name"]]))
        .collect();
    let mut tags: Vec<&str> = d["tags"]
        .as_array()
        .expect("tags")
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    tags.sort();
    json!({
        "id": d["id"], "name": d["name"], "title": d["title"], "notes": d["notes"],
        "state": d["state"], "metadata_modified": d["metadata_modified"],
        "organization": d["organization"]["name"], "tags": tags, "resources": resources,
    })
}

fn extra<'a>(d: &'a Value, key: &str) -> Option<&'a str> {
    d["extras"]
        .as_array()?
        .iter()
        .find(|e| e["key"] == key)
        .and_then(|e| e["value"].as_str())
}

async fn harvest_from_another_kho(backend: Backend) {
    let src = source_kho().await;
    let (target, _dir) = catalogue(backend, "http://target.example.org").await;
    let h = Harvester::new(target.clone(), sysadmin());
    let spec = SourceSpec {
        name: "kho-nguon".into(),
        title: Some("Kho nguồn".into()),
        // Anonymous, as the national portal harvests: deletions since the last run are
        // seen through the tombstones a kho answers `include_deleted` with.
        ..SourceSpec::for_url(&src.url)
    };
    assert_eq!(spec.source_type, SourceType::Ckan);
    let options = RunOptions::default();

    // First run: everything is new.
    let first = h.run(&spec, &options, &NoProgress).await.expect("run 1");
    assert_eq!(first.errors, Vec::<String>::new());
    assert_eq!(counts(&first), (5, 0, 0, 0));
    assert_eq!((first.status.as_str(), first.failed), ("Finished", false));
    assert_eq!(first.since, None);
    for id in &src.ids {
        let remote = call(&src.catalog, "package_show", json!({"id": id})).await;
        let local = call(&target, "package_show", json!({"id": id})).await;
        assert_eq!(essentials(&local), essentials(&remote));
        assert_eq!(
            extra(&local, "harvest_source_id"),
            Some(first.source_id.as_str())
        );
        assert_eq!(extra(&local, "harvest_source_title"), Some("Kho nguồn"));
        assert_eq!(extra(&local, "guid"), Some(id.as_str()));
        assert_eq!(extra(&local, "nguon_goc"), extra(&remote, "nguon_goc"));
        assert!(extra(&local, "harvest_object_id").is_some());
    }
    // The remote organization was created locally, with its title.
    let org = call(&target, "organization_show", json!({"id": "so-tnmt"})).await;
    assert_eq!(org["title"], "Sở Tài nguyên và Môi trường");
    // The harvested datasets are in the target's search index.
    let found = call(&target, "package_search", json!({"q": "*:*", "rows": 10})).await;
    assert_eq!(found["count"], 5);

    // Two changed and one deleted at the source.
    call(
        &src.catalog,
        "package_patch",
        json!({"id": src.ids[0], "title": "Dữ liệu đã sửa"}),
    )
    .await;
    call(
        &src.catalog,
        "package_patch",
        json!({"id": src.ids[1], "resources": [{"url": "https://files.example.org/new.csv", "format": "CSV"}]}),
    )
    .await;
    call(&src.catalog, "package_delete", json!({"id": src.ids[2]})).await;
    // One made non-open: gone from the open catalogue, so gone here too.
    call(
        &src.catalog,
        "package_patch",
        json!({"id": src.ids[3], "private": true}),
    )
    .await;

    // Second run: incremental (since the first run's start, less an hour).
    let second = h.run(&spec, &options, &NoProgress).await.expect("run 2");
    assert_eq!(second.errors, Vec::<String>::new());
    assert!(second.since.is_some(), "{second:?}");
    assert_eq!(counts(&second), (0, 2, 2, 1));
    let local0 = call(&target, "package_show", json!({"id": src.ids[0]})).await;
    assert_eq!(local0["title"], "Dữ liệu đã sửa");
    let remote1 = call(&src.catalog, "package_show", json!({"id": src.ids[1]})).await;
    let local1 = call(&target, "package_show", json!({"id": src.ids[1]})).await;
    assert_eq!(essentials(&local1), essentials(&remote1));
    let local2 = call(&target, "package_show", json!({"id": src.ids[2]})).await;
    assert_eq!(local2["state"], "deleted");
    let local3 = call(&target, "package_show", json!({"id": src.ids[3]})).await;
    assert_eq!(local3["state"], "deleted");

    // Third run: nothing changed anywhere.
    let third = h.run(&spec, &options, &NoProgress).await.expect("run 3");
    assert_eq!(third.errors, Vec::<String>::new());
    // The tombstones of what is already deleted here change nothing.
    assert_eq!(counts(&third), (0, 0, 0, 3));

    // Every run is a job of the source, newest first.
    let recorded = jobs(&target, &first.source_id).await;
    let got: Vec<(&str, &str, i64, i64, i64, i64, i64)> = recorded
        .iter()
        .map(|j| {
            (
                j.id.as_str(),
                j.status.as_str(),
                j.created_count,
                j.updated_count,
                j.deleted_count,
                j.unchanged_count,
                j.error_count,
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (third.job_id.as_str(), "Finished", 0, 0, 0, 3, 0),
            (second.job_id.as_str(), "Finished", 0, 2, 2, 1, 0),
            (first.job_id.as_str(), "Finished", 5, 0, 0, 0, 0),
        ]
    );
    assert!(recorded
        .iter()
        .all(|j| j.finished.is_some() && j.gather_finished.is_some()));
}

async fn full_run_finds_deletions_by_comparison(backend: Backend) {
    let src = source_kho().await;
    let (target, _dir) = catalogue(backend, "http://target.example.org").await;
    call(
        &target,
        "organization_create",
        json!({"name": "dia-phuong"}),
    )
    .await;
    let h = Harvester::new(target.clone(), sysadmin());
    // Anonymous, into a fixed local organization.
    let spec = SourceSpec {
        name: "kho-nguon".into(),
        org: Some("dia-phuong".into()),
        ..SourceSpec::for_url(&format!("{}/", src.url))
    };
    let full = RunOptions {
        full: true,
        ..RunOptions::default()
    };
    let first = h.run(&spec, &full, &NoProgress).await.expect("run 1");
    assert_eq!(counts(&first), (5, 0, 0, 0), "{first:?}");
    let local = call(&target, "package_show", json!({"id": src.ids[4]})).await;
    assert_eq!(local["organization"]["name"], "dia-phuong");
    // The remote organization was not created.
    let orgs = call(&target, "organization_list", json!({})).await;
    assert_eq!(orgs, json!(["dia-phuong"]));

    call(&src.catalog, "package_delete", json!({"id": src.ids[3]})).await;
    let second = h.run(&spec, &full, &NoProgress).await.expect("run 2");
    assert_eq!(second.since, None);
    assert_eq!(counts(&second), (0, 0, 1, 4), "{second:?}");
    let local3 = call(&target, "package_show", json!({"id": src.ids[3]})).await;
    assert_eq!(local3["state"], "deleted");

    // A local organization that does not exist ends the run.
    let missing = SourceSpec {
        org: Some("khong-co".into()),
        ..spec.clone()
    };
    let failed = h.run(&missing, &full, &NoProgress).await.expect("run 3");
    assert!(failed.failed);
    assert_eq!(failed.errors, ["the organization khong-co does not exist"]);
    assert_eq!(counts(&failed), (0, 0, 0, 0));
}

/// A tiny HTTP server for files held in memory; `http://BASE` in them becomes its URL.
struct FileServer {
    url: String,
    files: Arc<Mutex<HashMap<String, String>>>,
}

impl FileServer {
    async fn start() -> FileServer {
        let files: Arc<Mutex<HashMap<String, String>>> = Arc::default();
        let l = listener().await;
        let base = format!("http://{}", l.local_addr().expect("addr"));
        let shared = files.clone();
        let prefix = base.clone();
        let ep = poem::endpoint::make_sync(move |req| {
            let path = req.uri().path().trim_start_matches('/').to_owned();
            let body = shared.lock().expect("lock").get(&path).cloned();
            match body {
                Some(text) => Response::builder()
                    .content_type("text/turtle; charset=utf-8")
                    .body(text.replace("http://BASE", &prefix)),
                None => Response::builder().status(StatusCode::NOT_FOUND).finish(),
            }
        });
        let url = serve(l, ep).await;
        FileServer { url, files }
    }

    fn put(&self, path: &str, fixture: &str) {
        let text = std::fs::read_to_string(format!(
            "{}/tests/fixtures/dcat/{fixture}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .expect("fixture");
        self.files
            .lock()
            .expect("lock")
            .insert(path.to_owned(), text);
    }
}

async fn harvest_a_dcat_catalogue(backend: Backend) {
    let server = FileServer::start().await;
    server.put("catalog.ttl", "page1.ttl");
    server.put("page2.ttl", "page2.ttl");
    let (target, _dir) = catalogue(backend, "http://target.example.org").await;
    call(&target, "organization_create", json!({"name": "so-tnmt"})).await;
    let h = Harvester::new(target.clone(), sysadmin());
    let spec = SourceSpec {
        name: "dcat-tinh".into(),
        org: Some("so-tnmt".into()),
        ..SourceSpec::for_url(&format!("{}/catalog.ttl", server.url))
    };
    assert_eq!(spec.source_type, SourceType::Dcat);
    let options = RunOptions::default();
    let first = h.run(&spec, &options, &NoProgress).await.expect("run 1");
    assert_eq!(first.errors, Vec::<String>::new());
    assert_eq!(counts(&first), (4, 0, 0, 0));

    let base = &server.url;
    let water = call(
        &target,
        "package_show",
        json!({"id": "chat-luong-nuoc-mat"}),
    )
    .await;
    assert_eq!(water["title"], "Chất lượng nước mặt");
    assert_eq!(water["notes"], "Kết quả quan trắc nước mặt hằng quý.");
    assert_eq!(water["url"], format!("{base}/nuoc-mat"));
    assert_eq!(water["organization"]["name"], "so-tnmt");
    assert_eq!(extra(&water, "guid"), Some("nuoc-mat-2026"));
    assert_eq!(
        extra(&water, "uri"),
        Some(format!("{base}/dataset/chat-luong-nuoc").as_str())
    );
    assert_eq!(extra(&water, "issued"), Some("2026-01-05T08:00:00"));
    assert_eq!(extra(&water, "modified"), Some("2026-03-01T08:00:00"));
    let mut tags: Vec<&str> = water["tags"]
        .as_array()
        .expect("tags")
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    tags.sort();
    assert_eq!(tags, ["môi trường", "nước"]);
    let r = &water["resources"][0];
    assert_eq!(
        json!([r["url"], r["name"], r["format"], r["mimetype"], r["size"]]),
        json!([
            format!("{base}/files/nuoc-mat.csv"),
            "Số liệu quan trắc (CSV)",
            "CSV",
            "text/csv",
            10240
        ])
    );
    // downloadURL wins over accessURL; a distribution with only accessURL uses it.
    let people = call(&target, "package_show", json!({"id": "dan-so-theo-xa"})).await;
    let mut urls: Vec<&str> = people["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .filter_map(|r| r["url"].as_str())
        .collect();
    urls.sort();
    let want_urls = [
        format!("{base}/api/dan-so"),
        format!("{base}/files/dan-so.xlsx"),
    ];
    assert_eq!(urls, want_urls);
    // Without dct:identifier the guid is the dataset's IRI.
    assert_eq!(
        extra(&people, "guid"),
        Some(format!("{base}/dataset/dan-so").as_str())
    );
    let school = call(
        &target,
        "package_show",
        json!({"id": "danh-sach-truong-hoc"}),
    )
    .await;
    assert_eq!(school["resources"][0]["mimetype"], "application/json");
    let hospital = call(&target, "package_show", json!({"id": "co-so-y-te"})).await;
    // Local ids are stable: made from the source and the guid.
    let again = call(&target, "package_show", json!({"id": hospital["id"]})).await;
    assert_eq!(again["name"], "co-so-y-te");

    // Nothing changed: nothing written.
    let second = h.run(&spec, &options, &NoProgress).await.expect("run 2");
    assert_eq!(counts(&second), (0, 0, 0, 4), "{second:?}");
    assert_eq!(
        call(&target, "package_show", json!({"id": "co-so-y-te"})).await["metadata_modified"],
        hospital["metadata_modified"]
    );

    // One dataset gone from the catalogue: deleted locally.
    server.put("page2.ttl", "page2-removed.ttl");
    let third = h.run(&spec, &options, &NoProgress).await.expect("run 3");
    assert_eq!(counts(&third), (0, 0, 1, 3), "{third:?}");
    let gone = call(&target, "package_show", json!({"id": hospital["id"]})).await;
    assert_eq!(gone["state"], "deleted");

    // A walk that fails half-way deletes nothing.
    server.files.lock().expect("lock").remove("page2.ttl");
    let broken = h.run(&spec, &options, &NoProgress).await.expect("run 4");
    assert!(broken.failed);
    assert_eq!(counts(&broken), (0, 0, 0, 0));
    assert_eq!(
        broken.errors,
        [format!("GET {base}/page2.ttl: HTTP 404 Not Found")]
    );
    let water_after = call(
        &target,
        "package_show",
        json!({"id": "chat-luong-nuoc-mat"}),
    )
    .await;
    assert_eq!(water_after["state"], "active");

    // The same catalogue from files: relative next pages and the format from the extension.
    let dir = tempfile::tempdir().expect("dir");
    let page1 = std::fs::read_to_string(format!(
        "{}/tests/fixtures/dcat/page1.ttl",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("fixture")
    .replace("\"http://BASE/page2.ttl\"", "\"page2.ttl\"");
    let page2 = std::fs::read_to_string(format!(
        "{}/tests/fixtures/dcat/page2.ttl",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("fixture");
    std::fs::write(dir.path().join("catalog.ttl"), page1).expect("write");
    std::fs::write(dir.path().join("page2.ttl"), page2).expect("write");
    let files = SourceSpec {
        name: "dcat-tep".into(),
        org: Some("so-tnmt".into()),
        ..SourceSpec::for_url(&format!("file://{}/catalog.ttl", dir.path().display()))
    };
    let from_files = h.run(&files, &options, &NoProgress).await.expect("files");
    assert_eq!(from_files.errors, Vec::<String>::new());
    assert_eq!(counts(&from_files), (4, 0, 0, 0));
    // Names taken by the other source's datasets got a suffix.
    let copy = call(
        &target,
        "package_show",
        json!({"id": "chat-luong-nuoc-mat-1"}),
    )
    .await;
    assert_eq!(copy["title"], "Chất lượng nước mặt");
}

/// A server that answers every request with `status` and `body`, after `delay`.
async fn answering(status: StatusCode, body: &'static str, delay: Duration) -> String {
    let ep = poem::endpoint::make(move |_req| async move {
        tokio::time::sleep(delay).await;
        Response::builder().status(status).body(body)
    });
    serve(listener().await, ep.map_to_response()).await
}

async fn failing_sources_are_recorded(backend: Backend) {
    let (target, _dir) = catalogue(backend, "http://target.example.org").await;
    let h = Harvester::new(target.clone(), sysadmin());
    let quick = RunOptions {
        request_timeout: Duration::from_millis(500),
        ..RunOptions::default()
    };
    let closed = format!("http://127.0.0.1:{}", kho_test_support::free_port());
    let error500 = answering(StatusCode::INTERNAL_SERVER_ERROR, "oops", Duration::ZERO).await;
    let garbage = answering(StatusCode::OK, "<html>not an API</html>", Duration::ZERO).await;
    let slow = answering(StatusCode::OK, "{}", Duration::from_secs(5)).await;
    let cases = [
        (
            "closed-port",
            closed.clone(),
            SourceType::Ckan,
            "error sending request",
        ),
        (
            "error-500",
            error500.clone(),
            SourceType::Ckan,
            "HTTP 500 Internal Server Error",
        ),
        (
            "garbage",
            garbage.clone(),
            SourceType::Ckan,
            "the answer is not JSON",
        ),
        ("slow", slow.clone(), SourceType::Ckan, "timed out"),
        (
            "garbage-dcat",
            format!("{garbage}/c.ttl"),
            SourceType::Dcat,
            "not valid Turtle",
        ),
    ];
    for (name, url, source_type, expected) in cases {
        let spec = SourceSpec {
            name: name.into(),
            source_type,
            ..SourceSpec::for_url(&url)
        };
        let summary = h.run(&spec, &quick, &NoProgress).await.expect("run");
        assert!(summary.failed, "{name}: {summary:?}");
        assert_eq!(summary.status, "Aborted", "{name}");
        assert_eq!(summary.errors.len(), 1, "{name}: {summary:?}");
        assert!(
            summary.errors[0].contains(expected),
            "{name}: {:?} should contain {expected:?}",
            summary.errors
        );
        let recorded = jobs(&target, &summary.source_id).await;
        assert_eq!(recorded.len(), 1, "{name}");
        assert_eq!(recorded[0].status, "Aborted");
        assert_eq!(recorded[0].error_count, 1);
        let errors: Vec<String> = serde_json::from_str(&recorded[0].errors).expect("errors");
        assert_eq!(errors, summary.errors);
    }
    // The whole run's own limit.
    let spec = SourceSpec {
        name: "too-slow".into(),
        ..SourceSpec::for_url(&slow)
    };
    let limited = RunOptions {
        timeout: Duration::from_millis(300),
        ..RunOptions::default()
    };
    let summary = h.run(&spec, &limited, &NoProgress).await.expect("run");
    assert_eq!(
        (summary.status.as_str(), summary.errors.clone()),
        (
            "Aborted",
            vec!["the run did not finish within 0.3 s and was stopped".to_owned()]
        )
    );
    // After all that, the catalogue still works, and the sources are listed.
    let mut tx = target.store().read().await.expect("read");
    let names: Vec<String> = tx
        .harvest_source_list()
        .await
        .expect("sources")
        .into_iter()
        .map(|s| s.name)
        .collect();
    assert_eq!(names.len(), 6);
    drop(tx);
    let status = call(&target, "status_show", json!({})).await;
    assert_eq!(status["site_url"], "http://target.example.org");
}
