//! `cargo bench -p kho-catalog --bench reindex`: `Catalog::rebuild_index` (what
//! `kho reindex` and a server start without a usable index run) over a store of many
//! datasets, each with 1 to 10 resources, tags, extras, profile fields, an organization
//! and up to two groups.
//!
//! - `KHO_BENCH_DATASETS` (default 10,000): how many datasets.
//! - `KHO_BENCH_DATABASE_URL`: a Postgres database to fill (it should be empty), or
//!   `postgres` for a fresh database on the throwaway server of `kho-test-support`;
//!   default: a SQLite file in a temporary directory.
//!
//! The datasets are written straight through the store (a thousand per transaction), not
//! through actions, so that setting up 100,000 takes a minute or two, not an hour. Under
//! `cargo test --all-targets` (no `--bench` argument) it runs on 200 datasets, so that it
//! stays compiled and working.

use std::sync::Arc;
use std::time::Instant;

use kho_catalog::{Catalog, CatalogConfig, IndexHome};
use kho_core::model::{Dataset, DatasetExtra, Group, Member, Resource, Tag};
use kho_store::Store;

const ORGANIZATIONS: usize = 20;
const GROUPS: usize = 10;
const PER_TRANSACTION: usize = 1000;

fn at(s: &str) -> chrono::NaiveDateTime {
    kho_core::time::parse(s).expect("timestamp")
}

fn id(kind: &str, i: usize) -> String {
    // UUID-shaped, as kho's ids are, and spread over the key space.
    let h = (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        h >> 32,
        (h >> 16) & 0xffff,
        (h >> 4) & 0xfff,
        kind.len() & 0xfff,
        i
    )
}

fn group(i: usize, is_organization: bool) -> Group {
    let kind = if is_organization {
        "organization"
    } else {
        "group"
    };
    Group {
        id: id(kind, i),
        name: format!("{kind}-{i}"),
        title: Some(format!("Sở ban ngành số {i}")),
        description: Some("Mô tả đơn vị".into()),
        image_url: None,
        group_type: kind.into(),
        is_organization,
        approval_status: "approved".into(),
        state: "active".into(),
        created: at("2026-01-01T00:00:00"),
        extras: Vec::new(),
    }
}

fn dataset(i: usize) -> Dataset {
    let id = id("dataset", i);
    let resources = (0..1 + i % 10)
        .map(|r| Resource {
            id: format!("{id}-r{r}"),
            package_id: id.clone(),
            url: format!("https://data.example.gov.vn/{i}/tep-{r}.csv"),
            format: ["CSV", "XLSX", "JSON", "PDF"][r % 4].into(),
            name: Some(format!("Bảng số liệu {r} năm {}", 2015 + r)),
            description: Some(format!(
                "Số liệu thống kê về giáo dục, y tế và dân số của tỉnh, phần {r}"
            )),
            hash: String::new(),
            size: Some(1024 * (r as i64 + 1)),
            mimetype: Some("text/csv".into()),
            mimetype_inner: None,
            cache_url: None,
            cache_last_updated: None,
            last_modified: None,
            created: at("2026-02-01T00:00:00"),
            metadata_modified: at("2026-02-01T00:00:00"),
            resource_type: None,
            url_type: None,
            position: r as i64,
            state: "active".into(),
            extras: "{}".into(),
        })
        .collect();
    Dataset {
        id: id.clone(),
        name: format!("bo-du-lieu-{i}"),
        title: Some(format!(
            "Danh sách trường học và cơ sở y tế tỉnh Tây Ninh, bộ số {i}"
        )),
        author: Some("Nguyễn Văn An".into()),
        author_email: Some("an@example.gov.vn".into()),
        maintainer: Some("Trần Thị Bình".into()),
        maintainer_email: None,
        license_id: Some("cc-by".into()),
        notes: Some(
            "Dữ liệu mở về hạ tầng giáo dục: **trường học**, lớp học, giáo viên và học sinh \
             theo từng xã, phường, cập nhật hằng năm."
                .into(),
        ),
        url: None,
        version: Some("1.0".into()),
        state: if i.is_multiple_of(50) {
            "deleted"
        } else {
            "active"
        }
        .into(),
        dataset_type: "dataset".into(),
        owner_org: Some(group(i % ORGANIZATIONS, true).id),
        sharing_level: ["open", "open", "shared", "restricted"][i % 4].into(),
        creator_user_id: None,
        metadata_created: at("2026-01-15T08:00:00"),
        metadata_modified: at(&format!("2026-03-{:02}T08:00:00", 1 + i % 28)),
        profile: r#"{"update_frequency":"annual","theme":["education","society"]}"#.into(),
        plugin_data: None,
        extras: vec![DatasetExtra {
            key: "nguon".into(),
            value: "Sở Giáo dục".into(),
        }],
        tags: ["giáo dục", "tây ninh", "thống kê", "y tế"][..1 + i % 4]
            .iter()
            .map(|t| Tag {
                id: format!("tag-{t}"),
                name: (*t).into(),
                vocabulary_id: None,
            })
            .collect(),
        resources,
    }
}

async fn fill(store: &dyn Store, n: usize) {
    let mut tx = store.begin().await.expect("begin");
    for i in 0..ORGANIZATIONS {
        tx.group_insert(&group(i, true))
            .await
            .expect("organization");
    }
    for i in 0..GROUPS {
        tx.group_insert(&group(i, false)).await.expect("group");
    }
    tx.commit().await.expect("commit");
    for start in (0..n).step_by(PER_TRANSACTION) {
        let mut tx = store.begin().await.expect("begin");
        for i in start..n.min(start + PER_TRANSACTION) {
            let d = dataset(i);
            tx.package_insert(&d).await.expect("insert");
            for g in 0..i % 3 {
                tx.member_upsert(&Member {
                    id: format!("{}-m{g}", d.id),
                    group_id: group((i + g) % GROUPS, false).id,
                    table_id: d.id.clone(),
                    table_name: "package".into(),
                    capacity: "public".into(),
                    state: "active".into(),
                })
                .await
                .expect("member");
            }
            tx.change_append("package", &d.id, "create")
                .await
                .expect("change");
        }
        tx.commit().await.expect("commit");
    }
}

#[tokio::main]
async fn main() {
    let bench = std::env::args().any(|a| a == "--bench");
    let n: usize = match std::env::var("KHO_BENCH_DATASETS") {
        Ok(v) if bench => v.parse().expect("KHO_BENCH_DATASETS is a number"),
        _ if bench => 10_000,
        _ => 200,
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let url = match std::env::var("KHO_BENCH_DATABASE_URL") {
        Ok(url) if bench && url == "postgres" => kho_test_support::postgres_url().await,
        Ok(url) if bench => url,
        _ => kho_test_support::sqlite_url(dir.path()),
    };
    let store: Arc<dyn Store> = kho_store::connect(&url).await.expect("connect");
    store.migrate().await.expect("migrate");
    let backend = store.backend();
    let started = Instant::now();
    fill(&*store, n).await;
    println!(
        "reindex: wrote {n} datasets to {backend} in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let catalog = Catalog::new(
        store,
        CatalogConfig {
            site_url: "http://127.0.0.1:5000".into(),
            ..Default::default()
        },
    );
    let home = IndexHome::new(dir.path().join("index"));
    let rebuilt = catalog
        .rebuild_index(&home, &|_, _| {})
        .await
        .expect("rebuild");
    assert_eq!(rebuilt.datasets, n as u64);
    let index = home.open_current().expect("open");
    assert_eq!(index.num_docs(), n as u64);
    println!(
        "reindex: {} datasets ({backend}) indexed in {:.1} s ({:.0} datasets/s)",
        rebuilt.datasets,
        rebuilt.elapsed.as_secs_f64(),
        rebuilt.datasets as f64 / rebuilt.elapsed.as_secs_f64()
    );
}
