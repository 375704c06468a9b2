//! `cargo bench -p kho-catalog --bench catalog`: the big-dataset paths of issue 3 through
//! `Catalog::call`, as the HTTP layer calls them, on a SQLite file store.
//!
//! - `status_show` (baseline: the registry and a call, no store),
//! - `package_show` of a dataset with 1 resource (baseline for the store path),
//! - `package_show` of a dataset with 1,000 resources,
//! - the store's `package_get` of it alone (the share of the read in `package_show`),
//! - `resource_create` into that dataset (each new resource is deleted again outside the
//!   timed section, so the dataset stays at 1,000 resources for every sample).
//!
//! Under `cargo test --all-targets` criterion runs each benchmark once (test mode), so
//! this file only has to set up its store quickly there.

use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use kho_catalog::{Catalog, CatalogConfig, Ctx};
use kho_core::authz::ActorUser;
use kho_core::Actor;
use serde_json::{json, Map, Value};

const RESOURCES: usize = 1000;

fn operator() -> Ctx {
    Ctx::new(
        Actor::User(ActorUser {
            id: "bench-operator".into(),
            name: "bench-operator".into(),
            sysadmin: true,
        }),
        "en",
    )
}

fn params(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

async fn call(c: &Catalog, ctx: &Ctx, action: &str, p: Value) -> Value {
    c.call(action, ctx, params(p))
        .await
        .unwrap_or_else(|e| panic!("{action}: {e:?}"))
}

/// A resource as a harvester would send it: a link with the usual fields filled.
fn resource(i: usize) -> Value {
    json!({
        "name": format!("Tệp dữ liệu số {i}"),
        "url": format!("https://example.gov.vn/data/file-{i}.csv"),
        "format": "CSV",
        "description": format!("Dữ liệu thống kê tháng {} của tỉnh, bản số {i}", i % 12 + 1),
        "mimetype": "text/csv",
        "size": 1024 * i,
    })
}

struct Fixture {
    _dir: tempfile::TempDir,
    catalog: Catalog,
    big_id: String,
    store: Arc<dyn kho_store::Store>,
}

async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = kho_store::connect(&kho_test_support::sqlite_url(dir.path()))
        .await
        .expect("connect");
    store.migrate().await.expect("migrate");
    let catalog = Catalog::new(
        store.clone(),
        CatalogConfig {
            site_url: "http://127.0.0.1:5000".into(),
            ..Default::default()
        },
    );
    let ctx = operator();
    call(
        &catalog,
        &ctx,
        "organization_create",
        json!({"name": "so-tai-chinh"}),
    )
    .await;
    call(
        &catalog,
        &ctx,
        "package_create",
        json!({"name": "small", "owner_org": "so-tai-chinh", "resources": [resource(0)]}),
    )
    .await;
    let big = call(
        &catalog,
        &ctx,
        "package_create",
        json!({
            "name": "big",
            "owner_org": "so-tai-chinh",
            "notes": "Một bộ dữ liệu có một nghìn tài nguyên",
            "tags": [{"name": "tài chính"}, {"name": "ngân sách"}],
            "extras": [{"key": "nguon", "value": "Sở Tài chính"}],
            "resources": (0..RESOURCES).map(resource).collect::<Vec<_>>(),
        }),
    )
    .await;
    assert_eq!(big["num_resources"], json!(RESOURCES));
    Fixture {
        _dir: dir,
        catalog,
        big_id: big["id"].as_str().unwrap_or_default().to_string(),
        store,
    }
}

fn benches(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let f = Arc::new(rt.block_on(fixture()));
    let ctx = Arc::new(operator());

    let mut g = c.benchmark_group("catalog");
    g.sample_size(30);
    g.measurement_time(Duration::from_secs(4));
    g.warm_up_time(Duration::from_secs(1));

    g.bench_function("status_show (baseline)", |b| {
        b.to_async(&rt)
            .iter(|| async { call(&f.catalog, &ctx, "status_show", json!({})).await })
    });
    g.bench_function("package_show, 1 resource", |b| {
        b.to_async(&rt)
            .iter(|| async { call(&f.catalog, &ctx, "package_show", json!({"id": "small"})).await })
    });
    g.bench_function("package_show, 1000 resources", |b| {
        b.to_async(&rt)
            .iter(|| async { call(&f.catalog, &ctx, "package_show", json!({"id": "big"})).await })
    });
    g.bench_function("store package_get alone, 1000 resources", |b| {
        b.to_async(&rt).iter(|| async {
            let mut tx = f.store.read().await.unwrap();
            tx.package_get("big").await.unwrap()
        })
    });
    g.bench_function("resource_create into 1000 resources", |b| {
        b.to_async(&rt).iter_custom(|iters| {
            let f = f.clone();
            let ctx = ctx.clone();
            async move {
                let mut timed = Duration::ZERO;
                for i in 0..iters {
                    let mut r = resource(RESOURCES + usize::try_from(i).unwrap_or(0));
                    r["package_id"] = json!(f.big_id);
                    let start = Instant::now();
                    let created = call(&f.catalog, &ctx, "resource_create", r).await;
                    timed += start.elapsed();
                    call(
                        &f.catalog,
                        &ctx,
                        "resource_delete",
                        json!({"id": created["id"]}),
                    )
                    .await;
                }
                timed
            }
        })
    });
    g.finish();
}

criterion_group!(catalog, benches);
criterion_main!(catalog);
