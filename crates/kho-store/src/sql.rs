//! The one [`Store`] implementation: sqlx's `Any` driver over SQLite or Postgres.
//!
//! Every query is one SQL text for both backends (`$1, $2…` placeholders work on both);
//! the few places where the dialects differ branch on [`Backend`]. Ids and timestamps are
//! stored as TEXT, booleans and integers as 64-bit integers, JSON as TEXT, so that the
//! `Any` driver decodes the same Rust types from both.
//!
//! Pools:
//! - SQLite file: a write pool of exactly one connection (writers queue in the pool instead
//!   of fighting over the database lock, so no `SQLITE_BUSY` between writers) and a read
//!   pool of several connections (WAL lets them read while the writer writes).
//! - SQLite in memory (`sqlite::memory:`): one pool of one connection that is never closed
//!   (the database lives as long as that connection), used for reads and writes.
//! - Postgres: one pool for reads and writes, and, from the first
//!   [`Store::wait_for_change`], one more connection that listens for change notifications.

mod rows;
mod tx;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::any::{install_default_drivers, AnyPoolOptions};
use sqlx::migrate::Migrator;
use sqlx::postgres::PgListener;
use sqlx::{AnyConnection, AnyPool};
use tokio::sync::Notify;

use crate::{Store, StoreError, StoreResult, Tx, CHANGES_CHANNEL};
use tx::SqlTx;

static SQLITE_MIGRATOR: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATOR: Migrator = sqlx::migrate!("./migrations/postgres");

/// Connections of the SQLite read pool.
const SQLITE_READERS: u32 = 4;
/// Connections of the Postgres pool.
const POSTGRES_CONNECTIONS: u32 = 16;
/// How long SQLite waits for a lock held by another process before `SQLITE_BUSY`.
const SQLITE_BUSY_TIMEOUT_MS: u32 = 10_000;
/// How long `begin`/`read` wait for a free connection.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(30);

/// The database engine behind a [`SqlStore`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// `sqlite` or `postgres`.
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }

    /// The backend a URL selects: `postgres://` or `postgresql://` → Postgres,
    /// `sqlite:` → SQLite, anything else → [`StoreError::Url`].
    pub fn from_url(url: &str) -> StoreResult<Self> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else {
            Err(StoreError::Url(redact(url)))
        }
    }

    fn migrator(self) -> &'static Migrator {
        match self {
            Backend::Sqlite => &SQLITE_MIGRATOR,
            Backend::Postgres => &POSTGRES_MIGRATOR,
        }
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The SQL store. Cheap to clone (the pools are shared).
#[derive(Clone)]
pub struct SqlStore {
    backend: Backend,
    /// Pool for [`Store::begin`] and migrations.
    write: AnyPool,
    /// Pool for [`Store::read`]; the same pool as `write` except for SQLite files.
    read: AnyPool,
    /// Postgres: the change-log listener behind [`Store::wait_for_change`].
    changes: Option<Arc<ChangeListener>>,
}

/// The first delay before listening again after the listening connection failed; it
/// doubles up to [`LISTEN_RETRY_MAX`].
const LISTEN_RETRY_MIN: Duration = Duration::from_millis(500);
const LISTEN_RETRY_MAX: Duration = Duration::from_secs(30);

/// A task that holds a Postgres connection listening on [`CHANGES_CHANNEL`] and turns each
/// notification into a wake-up; started by the first wait, stopped when the last clone of
/// the store is dropped.
struct ChangeListener {
    url: String,
    wake: Arc<Notify>,
    task: std::sync::Mutex<Option<tokio::task::JoinHandle<()>>>,
}

impl ChangeListener {
    fn new(url: &str) -> Self {
        ChangeListener {
            url: url.to_owned(),
            wake: Arc::new(Notify::new()),
            task: std::sync::Mutex::new(None),
        }
    }

    /// Start the listening task unless it runs.
    fn ensure_started(&self) {
        let mut task = match self.task.lock() {
            Ok(t) => t,
            Err(p) => p.into_inner(),
        };
        if task.as_ref().is_some_and(|t| !t.is_finished()) {
            return;
        }
        *task = Some(tokio::spawn(listen(self.url.clone(), self.wake.clone())));
    }

    async fn wait(&self, timeout: Duration) -> bool {
        self.ensure_started();
        tokio::time::timeout(timeout, self.wake.notified())
            .await
            .is_ok()
    }
}

impl Drop for ChangeListener {
    fn drop(&mut self) {
        let task = match self.task.get_mut() {
            Ok(t) => t.take(),
            Err(p) => p.into_inner().take(),
        };
        if let Some(task) = task {
            task.abort();
        }
    }
}

/// Listen for ever: connect, `LISTEN`, wake on every notification; on any failure log,
/// wait (growing delays) and start again. Each (re)connection wakes the waiter once, since
/// notifications sent while not listening are lost.
async fn listen(url: String, wake: Arc<Notify>) {
    let mut delay = LISTEN_RETRY_MIN;
    let mut failing = false;
    loop {
        let connected = async {
            let mut listener = PgListener::connect(&url).await?;
            listener.listen(CHANGES_CHANNEL).await?;
            Ok::<_, sqlx::Error>(listener)
        }
        .await;
        match connected {
            Ok(mut listener) => {
                if failing {
                    tracing::info!("listening for changes again");
                } else {
                    tracing::debug!(channel = CHANGES_CHANNEL, "listening for changes");
                }
                delay = LISTEN_RETRY_MIN;
                wake.notify_one();
                // Only a failure ends this loop.
                loop {
                    match listener.try_recv().await {
                        Ok(Some(_)) => wake.notify_one(),
                        // The connection dropped and was re-established: anything sent in
                        // between is lost, so wake the waiter to look for itself.
                        Ok(None) => wake.notify_one(),
                        Err(e) => {
                            tracing::warn!(error = %e, "lost the change notifications; polling until they are back");
                            failing = true;
                            break;
                        }
                    }
                }
            }
            Err(e) => {
                if !failing {
                    tracing::warn!(error = %e, "cannot listen for change notifications; polling until it can");
                }
                failing = true;
            }
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(LISTEN_RETRY_MAX);
    }
}

impl fmt::Debug for SqlStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqlStore")
            .field("backend", &self.backend)
            .finish_non_exhaustive()
    }
}

impl SqlStore {
    /// Open the database at `url` (see [`Backend::from_url`]). Does not migrate.
    ///
    /// SQLite URLs: `sqlite:///abs/path/kho.db?mode=rwc`, `sqlite://rel/kho.db?mode=rwc`
    /// (`mode=rwc` creates the file if missing), or `sqlite::memory:`.
    pub async fn connect(url: &str) -> StoreResult<Self> {
        install_default_drivers();
        let backend = Backend::from_url(url)?;
        match backend {
            Backend::Postgres => {
                let pool = AnyPoolOptions::new()
                    .max_connections(POSTGRES_CONNECTIONS)
                    .acquire_timeout(ACQUIRE_TIMEOUT)
                    .connect(url)
                    .await?;
                Ok(SqlStore {
                    backend,
                    write: pool.clone(),
                    read: pool,
                    changes: Some(Arc::new(ChangeListener::new(url))),
                })
            }
            Backend::Sqlite if is_sqlite_memory(url) => {
                let pool = sqlite_pool_options(1, false, false)
                    .min_connections(1)
                    .idle_timeout(None)
                    .max_lifetime(None)
                    .connect(url)
                    .await?;
                Ok(SqlStore {
                    backend,
                    write: pool.clone(),
                    read: pool,
                    changes: None,
                })
            }
            Backend::Sqlite => {
                // The writer first: it creates the file and switches it to WAL.
                let write = sqlite_pool_options(1, true, false).connect(url).await?;
                let read = sqlite_pool_options(SQLITE_READERS, true, true)
                    .connect(url)
                    .await?;
                Ok(SqlStore {
                    backend,
                    write,
                    read,
                    changes: None,
                })
            }
        }
    }

    /// Close every connection (waits for connections in use to be returned).
    pub async fn close(&self) {
        self.write.close().await;
        self.read.close().await;
    }
}

fn is_sqlite_memory(url: &str) -> bool {
    url.contains(":memory:") || url.contains("mode=memory")
}

/// Pool options for SQLite with the connection PRAGMAs; `wal` is false for in-memory
/// databases (which cannot use WAL), `query_only` true for the read pool.
fn sqlite_pool_options(max_connections: u32, wal: bool, query_only: bool) -> AnyPoolOptions {
    AnyPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(ACQUIRE_TIMEOUT)
        // A connection to a local file does not go stale; the ping would be one more
        // hand-off to the driver's thread on every request.
        .test_before_acquire(false)
        .after_connect(move |conn, _meta| Box::pin(sqlite_pragmas(conn, wal, query_only)))
}

async fn sqlite_pragmas(
    conn: &mut AnyConnection,
    wal: bool,
    query_only: bool,
) -> Result<(), sqlx::Error> {
    let busy_timeout = format!("PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}");
    sqlx::query(&busy_timeout).execute(&mut *conn).await?;
    sqlx::query("PRAGMA foreign_keys = ON")
        .execute(&mut *conn)
        .await?;
    if wal {
        sqlx::query("PRAGMA journal_mode = WAL")
            .execute(&mut *conn)
            .await?;
    }
    if query_only {
        sqlx::query("PRAGMA query_only = ON")
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// The URL without its password, for error messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            match userinfo.find(':') {
                Some(colon) => format!(
                    "{}{}:***{}",
                    &url[..scheme_end + 3],
                    &userinfo[..colon],
                    &url[at..]
                ),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[async_trait]
impl Store for SqlStore {
    fn backend(&self) -> Backend {
        self.backend
    }

    async fn migrate(&self) -> StoreResult<()> {
        self.backend.migrator().run(&self.write).await?;
        Ok(())
    }

    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.read).await?;
        Ok(())
    }

    async fn begin(&self) -> StoreResult<Box<dyn Tx>> {
        let tx = match self.backend {
            // Take the write lock up front: a deferred transaction that reads and then
            // writes fails at once with SQLITE_BUSY if another process (a CLI run, say)
            // wrote in between; IMMEDIATE waits for the lock under `busy_timeout` instead.
            Backend::Sqlite => self.write.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.write.begin().await?,
        };
        Ok(Box::new(SqlTx::new(self.backend, tx)))
    }

    async fn read(&self) -> StoreResult<Box<dyn Tx>> {
        let tx = match self.backend {
            // The read pool's connections are `query_only` (except in memory).
            Backend::Sqlite => self.read.begin().await?,
            // A snapshot, as a SQLite read transaction is, and writes refused.
            Backend::Postgres => {
                self.read
                    .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                    .await?
            }
        };
        Ok(Box::new(SqlTx::new(self.backend, tx)))
    }

    async fn wait_for_change(&self, timeout: Duration) -> bool {
        match &self.changes {
            Some(listener) => listener.wait(timeout).await,
            None => {
                tokio::time::sleep(timeout).await;
                false
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backend_from_url() {
        assert_eq!(
            Backend::from_url("postgres://u@h/db").ok(),
            Some(Backend::Postgres)
        );
        assert_eq!(
            Backend::from_url("postgresql://u@h/db").ok(),
            Some(Backend::Postgres)
        );
        assert_eq!(
            Backend::from_url("sqlite:///tmp/kho.db?mode=rwc").ok(),
            Some(Backend::Sqlite)
        );
        assert_eq!(
            Backend::from_url("sqlite::memory:").ok(),
            Some(Backend::Sqlite)
        );
        assert!(matches!(
            Backend::from_url("mysql://u:secret@h/db"),
            Err(StoreError::Url(u)) if u == "mysql://u:***@h/db"
        ));
        assert_eq!(Backend::Sqlite.as_str(), "sqlite");
        assert_eq!(Backend::Postgres.to_string(), "postgres");
    }

    #[test]
    fn memory_urls() {
        assert!(is_sqlite_memory("sqlite::memory:"));
        assert!(is_sqlite_memory("sqlite://file:x?mode=memory&cache=shared"));
        assert!(!is_sqlite_memory("sqlite:///tmp/kho.db?mode=rwc"));
    }

    #[test]
    fn redacts_password() {
        assert_eq!(
            redact("postgres://kho:pw@db:5432/kho"),
            "postgres://kho:***@db:5432/kho"
        );
        assert_eq!(redact("postgres://kho@db/kho"), "postgres://kho@db/kho");
        assert_eq!(redact("nonsense"), "nonsense");
    }
}
