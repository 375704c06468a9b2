//! Test helpers for kho. Use only as a dev-dependency:
//!
//! ```toml
//! [dev-dependencies]
//! kho-test-support = { workspace = true }
//! ```
//!
//! - [`postgres_url`] — a fresh, empty Postgres database for one test.
//! - [`postgres_server_url`] — the URL of the server's `postgres` database.
//! - [`sqlite_url`] — a SQLite URL for a file in a (temporary) directory.
//! - [`free_port`] — a currently free TCP port on 127.0.0.1.
//! - [`s3_endpoint`] / [`s3_bucket`] — a throwaway S3-compatible server, and a fresh
//!   bucket on it.
//!
//! # Postgres
//!
//! If `KHO_TEST_POSTGRES_URL` is set (a server URL such as
//! `postgres://postgres@127.0.0.1:5432/postgres`, whose user may create
//! databases), that server is used. Otherwise the first call in a test
//! process starts one throwaway server for the whole process: `initdb` into
//! `/tmp/kho-test-pg-<euid>/<pid>-<random>/` (trust auth, UTF8, C locale),
//! then `postgres` on a free port of 127.0.0.1 with fsync off. Binaries come
//! from `PATH`, else from the highest `/usr/lib/postgresql/<version>/bin`.
//! Running as root, the server runs as the `postgres` system user (created
//! with `useradd --system` if missing). The server gets SIGKILL when the test
//! process dies in any way, is shut down and its directory removed on normal
//! exit, and directories of dead earlier processes are removed on start.
//!
//! If no Postgres binaries are found, [`postgres_url`] **panics** (tests fail,
//! they do not skip) and says to run `scripts/install-deps.sh`.
//!
//! # S3
//!
//! The first call of [`s3_endpoint`] in a test process starts one server for the
//! whole process: `python -m moto.server` from the virtualenv at `$KHO_VENV` (default
//! `$HOME/.cache/kho/venv`, made by `scripts/install-deps.sh`) on a free port of
//! 127.0.0.1. It gets SIGKILL when the test process dies in any way. If moto is
//! missing or the server does not answer, the call **panics** (tests fail, they do
//! not skip). It accepts any credentials; use [`S3_ACCESS_KEY_ID`],
//! [`S3_SECRET_ACCESS_KEY`] and [`S3_REGION`] with path-style addressing.
//!
//! Databases are never dropped: the throwaway server disappears with the
//! process; on a server given by `KHO_TEST_POSTGRES_URL`, `kho_test_*`
//! databases accumulate until that server is thrown away.

use std::net::{Ipv4Addr, TcpListener};
use std::path::Path;
use std::time::Duration;

use sqlx::{Connection, Executor, PgConnection};

mod pg;
mod s3;
mod sys;

pub use pg::SERVER_URL_ENV;
pub use s3::{S3_ACCESS_KEY_ID, S3_REGION, S3_SECRET_ACCESS_KEY};

/// `http://127.0.0.1:PORT` of the test S3 server (moto), started on the first call
/// in a process, which blocks the calling thread for a few seconds. Panics with a
/// clear message if the server cannot start.
pub async fn s3_endpoint() -> String {
    s3::endpoint()
}

/// A fresh, empty bucket on the test S3 server.
#[derive(Clone, Debug)]
pub struct S3Bucket {
    /// `http://127.0.0.1:PORT` (path-style addressing).
    pub endpoint: String,
    /// `kho-test-<24 hex>`.
    pub bucket: String,
}

/// A fresh, empty bucket `kho-test-<hex>` on the test S3 server (see
/// [`s3_endpoint`]). Panics on failure.
pub async fn s3_bucket() -> S3Bucket {
    let endpoint = s3_endpoint().await;
    let bucket = format!(
        "kho-test-{}",
        &uuid::Uuid::new_v4().simple().to_string()[..24]
    );
    if let Err(e) = s3::create_bucket(&endpoint, &bucket).await {
        panic!("kho-test-support: cannot create test bucket {bucket}: {e}");
    }
    S3Bucket { endpoint, bucket }
}

/// URL of a fresh, empty database `kho_test_<32 hex>` on the test Postgres
/// server, e.g. `postgres://postgres@127.0.0.1:PORT/kho_test_0123…`.
///
/// Async because it connects with sqlx (needs a Tokio runtime, such as the
/// one of `#[tokio::test]`). The first call in a process starts the server,
/// which blocks the calling thread for a few seconds; concurrent first calls
/// wait for the same server. Panics with a clear message on any failure.
pub async fn postgres_url() -> String {
    let server = postgres_server_url();
    let name = format!("kho_test_{}", uuid::Uuid::new_v4().simple());
    let mut attempt = 0;
    loop {
        attempt += 1;
        match create_database(&server, &name).await {
            Ok(()) => break,
            // Transient: e.g. "source database is being accessed by other users".
            Err(_) if attempt < 10 => {
                tokio::time::sleep(Duration::from_millis(100 * attempt)).await
            }
            Err(e) => panic!("kho-test-support: CREATE DATABASE {name} on {server} failed: {e}"),
        }
    }
    database_url(&server, &name)
}

/// URL of the test server's maintenance database (`postgres`): the value of
/// `KHO_TEST_POSTGRES_URL` if set, else the throwaway server of this process,
/// started on first call (blocking). Panics if no server can be had.
pub fn postgres_server_url() -> String {
    pg::server_url()
}

/// `sqlite://<dir>/kho.db?mode=rwc` — a SQLite database file in `dir`,
/// created on first connect.
pub fn sqlite_url(dir: &Path) -> String {
    format!("sqlite://{}/kho.db?mode=rwc", dir.display())
}

/// A TCP port on 127.0.0.1 that was free a moment ago (bound then released).
pub fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .expect("kho-test-support: cannot bind 127.0.0.1:0 to find a free port")
}

async fn create_database(server: &str, name: &str) -> Result<(), sqlx::Error> {
    let mut conn = PgConnection::connect(server).await?;
    let result = conn.execute(&*format!("CREATE DATABASE \"{name}\"")).await;
    let _ = conn.close().await;
    result.map(|_| ())
}

/// `server` with its database path replaced by `name`.
fn database_url(server: &str, name: &str) -> String {
    match url::Url::parse(server) {
        Ok(mut url) => {
            url.set_path(&format!("/{name}"));
            url.to_string()
        }
        Err(e) => panic!("kho-test-support: {SERVER_URL_ENV} is not a URL ({server}): {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_url_shape() {
        assert_eq!(
            sqlite_url(Path::new("/tmp/abc")),
            "sqlite:///tmp/abc/kho.db?mode=rwc"
        );
    }

    #[test]
    fn database_url_replaces_path() {
        assert_eq!(
            database_url("postgres://postgres@127.0.0.1:5432/postgres", "kho_test_x"),
            "postgres://postgres@127.0.0.1:5432/kho_test_x"
        );
        assert_eq!(
            database_url("postgres://u:p@h:1/postgres?sslmode=disable", "d"),
            "postgres://u:p@h:1/d?sslmode=disable"
        );
    }

    #[test]
    fn free_port_is_bindable() {
        let port = free_port();
        assert_ne!(port, 0);
        TcpListener::bind((Ipv4Addr::LOCALHOST, port)).expect("port is free");
    }
}
