//! These tests start (or use, with KHO_TEST_POSTGRES_URL) a real Postgres
//! server. They fail, not skip, when Postgres is missing.

use sqlx::{Connection, PgConnection, Row, SqliteConnection};

async fn connect(url: &str) -> PgConnection {
    PgConnection::connect(url)
        .await
        .unwrap_or_else(|e| panic!("connect {url}: {e}"))
}

#[tokio::test]
async fn two_databases_are_distinct_and_empty() {
    let url_a = kho_test_support::postgres_url().await;
    let url_b = kho_test_support::postgres_url().await;
    assert_ne!(url_a, url_b);
    assert!(url_a.starts_with("postgres://"), "{url_a}");

    let mut a = connect(&url_a).await;
    let mut b = connect(&url_b).await;
    for conn in [&mut a, &mut b] {
        let one: i32 = sqlx::query_scalar("SELECT 1")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        assert_eq!(one, 1);
        let tables: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'",
        )
        .fetch_one(&mut *conn)
        .await
        .unwrap();
        assert_eq!(tables, 0, "a fresh database has no tables");
    }

    let name_a: String = sqlx::query_scalar("SELECT current_database()")
        .fetch_one(&mut a)
        .await
        .unwrap();
    let name_b: String = sqlx::query_scalar("SELECT current_database()")
        .fetch_one(&mut b)
        .await
        .unwrap();
    assert_ne!(name_a, name_b);
    assert!(
        url_a.ends_with(&format!("/{name_a}")),
        "{url_a} vs {name_a}"
    );

    // A table made in A is not visible in B.
    sqlx::query("CREATE TABLE only_in_a (id int)")
        .execute(&mut a)
        .await
        .unwrap();
    let in_b: bool = sqlx::query("SELECT to_regclass('public.only_in_a') IS NOT NULL AS present")
        .fetch_one(&mut b)
        .await
        .unwrap()
        .get("present");
    assert!(!in_b, "databases must be distinct");

    a.close().await.unwrap();
    b.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_concurrent_databases() {
    let handles: Vec<_> = (0..8)
        .map(|_| tokio::spawn(kho_test_support::postgres_url()))
        .collect();
    let mut urls = Vec::new();
    for handle in handles {
        urls.push(handle.await.unwrap());
    }
    for url in &urls {
        let mut conn = connect(url).await;
        sqlx::query("SELECT 1").execute(&mut conn).await.unwrap();
    }
    urls.sort();
    urls.dedup();
    assert_eq!(urls.len(), 8);
}

#[tokio::test]
async fn sqlite_url_connects() {
    let dir = tempfile::tempdir().unwrap();
    let url = kho_test_support::sqlite_url(dir.path());
    let mut conn = SqliteConnection::connect(&url).await.unwrap();
    let one: i32 = sqlx::query_scalar("SELECT 1")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(one, 1);
    conn.close().await.unwrap();
    assert!(dir.path().join("kho.db").try_exists().unwrap());
}
