//! kho-catalog: the CKAN actions.
//!
//! One async function per CKAN action, taking a [`Ctx`] (who calls, in which language) and
//! the action's parameters as a JSON object, returning the action's CKAN result. This is
//! the only crate that combines the store with the rules of kho-core. A [`Registry`] maps
//! action names to handlers; the HTTP layer only looks names up and calls them.

mod actions;
pub use actions::search::SearchPage;
pub use actions::services::{
    count_by_organization, service_rows, OrganizationCounts, ServiceFilter, ServiceRow,
};
pub mod auth;
pub mod config;
pub mod dcat;
mod dictize;
pub mod download;
pub mod linkcheck;
mod registry;
mod screening;
mod search_follow;
mod search_rebuild;
mod search_sync;
mod sharing;

use std::sync::Arc;

use kho_core::{Actor, Error, Result};
use kho_store::Store;
use serde_json::Value;

pub use config::{CatalogConfig, Profiles};
pub use dcat::CatalogQuery;
pub use kho_core::params::Params;
/// DCAT output formats and the pure mapping (for the HTTP layer).
pub use kho_dcat;
/// Where an on-disk search index lives (for [`Catalog::open_index`], [`Catalog::rebuild_index`]).
pub use kho_search::IndexHome;
pub use linkcheck::{LinkCheckConfig, LinkChecker, PassSummary};
pub use registry::{ActionDef, ParamDoc, Registry};
pub use search_follow::FollowOptions;
pub use search_rebuild::{Progress, Rebuilt};

/// Every action kho serves, without a store (for documentation such as the OpenAPI document).
pub fn action_registry() -> Registry {
    actions::registry()
}

/// Translates a message key for a locale (installed by the HTTP layer; identity by default).
pub type Translator = Arc<dyn Fn(&str, &str) -> String + Send + Sync>;

/// The call context: the caller, the language of any text the result carries, and a
/// file the transport has streamed into the file store for this call (the `upload` of
/// `resource_create`, `resource_update` and `resource_patch`).
#[derive(Debug, Clone)]
pub struct Ctx {
    pub actor: Actor,
    pub locale: String,
    pub upload: Option<Arc<Upload>>,
    /// The client's network address when the transport knows it (the rate limit of
    /// anonymous error reports counts by it).
    pub client: Option<String>,
    /// The peer address, whatever it is (the sharing log records it).
    pub peer: Option<String>,
    /// The `User-Agent` header (the sharing log records it).
    pub user_agent: Option<String>,
}

impl Ctx {
    pub fn new(actor: Actor, locale: impl Into<String>) -> Self {
        Ctx {
            actor,
            locale: locale.into(),
            upload: None,
            client: None,
            peer: None,
            user_agent: None,
        }
    }

    pub fn with_client(mut self, client: impl Into<String>) -> Self {
        self.client = Some(client.into());
        self
    }

    /// Where the call comes from, for the sharing log: the peer address and user agent.
    pub fn with_origin(mut self, peer: Option<String>, user_agent: Option<String>) -> Self {
        self.peer = peer;
        self.user_agent = user_agent.map(|ua| ua.chars().take(512).collect());
        self
    }

    pub fn with_upload(mut self, upload: Upload) -> Self {
        self.upload = Some(Arc::new(upload));
        self
    }
}

/// A file stored in the file store for one call, not yet part of the catalogue. The
/// action that takes it records it in its transaction; if the call fails, the caller
/// removes it ([`Catalog::remove_file`]).
#[derive(Debug, Clone)]
pub struct Upload {
    pub stored: kho_files::Stored,
    /// The client's file name, cleaned ([`kho_core::files::clean_file_name`]).
    pub file_name: String,
}

/// An action's result, to be serialized: a `Value`, or a `package_show` dict whose
/// resources are written straight from the stored rows. Both serialize to the bytes of
/// the result of [`Catalog::call`].
pub enum Output {
    Value(Value),
    Package(Box<kho_core::dataset::PackageDict>),
    /// A `package_search` result whose dicts are the index's stored JSON text.
    Search(Box<actions::search::SearchPage>),
}

impl Output {
    /// The result as [`Catalog::call`] returns it. A search page's dicts are read from the
    /// index here (blocking work).
    pub fn into_value(self) -> Result<Value> {
        match self {
            Output::Value(v) => Ok(v),
            Output::Package(p) => Ok(Value::Object(p.into_value())),
            Output::Search(s) => s.into_value(),
        }
    }

    /// Append the result as CKAN writes it ([`kho_core::json::to_string`]): the same bytes
    /// as serializing it, but a search page's stored dicts are copied, not parsed (they
    /// are read from the index here: blocking work; see [`SearchPage::write_results`] to
    /// write a large page a part at a time).
    pub fn write_ckan(&self, out: &mut Vec<u8>) -> Result<()> {
        match self {
            Output::Search(s) => s.write_ckan(out),
            Output::Value(v) => {
                out.extend_from_slice(kho_core::json::to_string(v).as_bytes());
                Ok(())
            }
            Output::Package(p) => {
                out.extend_from_slice(kho_core::json::to_string(p).as_bytes());
                Ok(())
            }
        }
    }
}

impl serde::Serialize for Output {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match self {
            Output::Value(v) => v.serialize(s),
            Output::Package(p) => p.serialize(s),
            Output::Search(page) => page
                .to_value()
                .map_err(serde::ser::Error::custom)?
                .serialize(s),
        }
    }
}

/// A built catalogue: the store, the configuration and the action registry.
#[derive(Clone)]
pub struct Catalog {
    inner: Arc<Inner>,
}

struct Inner {
    store: Arc<dyn Store>,
    config: CatalogConfig,
    registry: Registry,
    translator: Translator,
    /// The search index, replaced whole when a rebuilt generation is published.
    search: std::sync::RwLock<Arc<kho_search::SearchIndex>>,
    /// Writes leave the index alone (a bulk import that rebuilds it at the end).
    index_deferred: std::sync::atomic::AtomicBool,
    /// One index synchronisation at a time (they would apply the same changes).
    sync_lock: tokio::sync::Mutex<()>,
    /// Turns to compute a search (`search_concurrency`).
    search_permits: Arc<tokio::sync::Semaphore>,
    /// Where uploaded files are; without one, uploads are refused.
    files: std::sync::OnceLock<Arc<dyn kho_files::FileStore>>,
    /// A fixed "now" for update deadlines ([`Catalog::set_clock`]); `None`: the system clock.
    clock: std::sync::RwLock<Option<chrono::NaiveDateTime>>,
    /// [`CatalogConfig::deadline_rules`], built once.
    deadline_rules: kho_core::deadline::DeadlineRules,
    /// The queue of the sharing log's writer task (started by the first entry).
    sharing: std::sync::OnceLock<sharing::Writer>,
}

impl Catalog {
    /// Build a catalogue over a migrated store, with an empty in-memory search index:
    /// call [`Catalog::catch_up_index`] to fill it from the store (or
    /// [`Catalog::open_index`] to use an index on disk instead).
    pub fn new(store: Arc<dyn Store>, config: CatalogConfig) -> Self {
        Self::with_translator(store, config, Arc::new(|_, key| key.to_string()))
    }

    pub fn with_translator(
        store: Arc<dyn Store>,
        config: CatalogConfig,
        translator: Translator,
    ) -> Self {
        let index =
            kho_search::SearchIndex::in_memory().expect("an empty in-memory index needs no I/O");
        Self::with_index(store, config, translator, Arc::new(index))
    }

    /// Build a catalogue searching `index` (an on-disk generation, say).
    pub fn with_index(
        store: Arc<dyn Store>,
        config: CatalogConfig,
        translator: Translator,
        index: Arc<kho_search::SearchIndex>,
    ) -> Self {
        index.set_cache_entries(config.search_cache_entries);
        let permits = match config.search_concurrency {
            0 => std::thread::available_parallelism().map_or(2, |n| n.get()),
            n => n,
        };
        let deadline_rules = config.deadline_rules();
        Catalog {
            inner: Arc::new(Inner {
                store,
                deadline_rules,
                clock: std::sync::RwLock::new(None),
                config,
                registry: actions::registry(),
                translator,
                search: std::sync::RwLock::new(index),
                index_deferred: std::sync::atomic::AtomicBool::new(false),
                sync_lock: tokio::sync::Mutex::new(()),
                search_permits: Arc::new(tokio::sync::Semaphore::new(permits)),
                files: std::sync::OnceLock::new(),
                sharing: std::sync::OnceLock::new(),
            }),
        }
    }

    /// "Now" (UTC) as update deadlines see it: the system clock unless [`Catalog::set_clock`]
    /// fixed it.
    pub fn now(&self) -> chrono::NaiveDateTime {
        let fixed = self.inner.clock.read().map(|c| *c).unwrap_or(None);
        fixed.unwrap_or_else(kho_core::time::now_utc)
    }

    /// Fix the time update deadlines are judged at (`None`: back to the system clock), to
    /// replay a report as of a past day or to test how statuses move as days pass.
    pub fn set_clock(&self, now: Option<chrono::NaiveDateTime>) {
        if let Ok(mut c) = self.inner.clock.write() {
            *c = now;
        }
    }

    /// Today in Vietnam ([`kho_core::deadline::vn_date`] of [`Catalog::now`]).
    pub fn today(&self) -> chrono::NaiveDate {
        kho_core::deadline::vn_date(self.now())
    }

    pub(crate) fn deadline_rules(&self) -> &kho_core::deadline::DeadlineRules {
        &self.inner.deadline_rules
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.inner.store
    }

    pub fn config(&self) -> &CatalogConfig {
        &self.inner.config
    }

    /// Keep uploaded files in `files` (once; false if a file store was already set).
    pub fn set_file_store(&self, files: Arc<dyn kho_files::FileStore>) -> bool {
        self.inner.files.set(files).is_ok()
    }

    /// Where uploaded files are kept, if anywhere.
    pub fn file_store(&self) -> Option<&Arc<dyn kho_files::FileStore>> {
        self.inner.files.get()
    }

    /// Remove a stored file no longer (or never) part of the catalogue, after the
    /// transaction that let go of it: in the background, logged if it fails (the file is
    /// then an orphan that nothing points to).
    pub fn remove_file(&self, key: &str) {
        let Some(files) = self.file_store().cloned() else {
            return;
        };
        let key = match kho_files::FileKey::parse(key) {
            Ok(k) => k,
            Err(e) => {
                tracing::warn!(error = %e, "not removing a file with an invalid key");
                return;
            }
        };
        tokio::spawn(async move {
            if let Err(e) = files.delete(&key).await {
                tracing::warn!(key = %key, error = %e, "could not remove a replaced file");
            }
        });
    }

    /// The license register (`license_list`, `isopen`, `license_title` of datasets).
    pub fn licenses(&self) -> &kho_core::license::LicenseRegister {
        &self.inner.config.licenses
    }

    pub fn registry(&self) -> &Registry {
        &self.inner.registry
    }

    pub(crate) fn tr(&self, ctx: &Ctx, key: &str) -> String {
        (self.inner.translator)(&ctx.locale, key)
    }

    /// Call an action by name. Unknown names give `Error::BadRequest` with CKAN's text.
    pub async fn call(&self, name: &str, ctx: &Ctx, params: Params) -> Result<Value> {
        let def = self.action(name)?;
        let out = (def.handler)(self, ctx, params).await;
        self.after_write(def, out.is_ok()).await;
        out
    }

    /// A write is in the index before its answer leaves (read-your-writes). A failing
    /// index does not fail a write the store has committed: it is logged, and the next
    /// sync or a rebuild picks the change up from the change log.
    async fn after_write(&self, def: &ActionDef, ok: bool) {
        let deferred = self
            .inner
            .index_deferred
            .load(std::sync::atomic::Ordering::Relaxed);
        if def.side_effect_free || !ok || deferred {
            return;
        }
        if let Err(e) = self.sync_index().await {
            tracing::error!(action = def.name, error = %e, "search index not updated");
        }
    }

    /// Stop (or resume) bringing the index up to date after each write: a bulk load that
    /// rebuilds the index once at the end (`kho import`) is many times faster so. Searches
    /// do not see deferred writes until the next sync or rebuild.
    pub fn defer_index_writes(&self, deferred: bool) {
        self.inner
            .index_deferred
            .store(deferred, std::sync::atomic::Ordering::Relaxed);
    }

    /// [`Catalog::call`] for a caller that serializes the result (the HTTP layer): the
    /// same result, as an [`Output`] that may skip building the `Value`.
    pub async fn call_output(&self, name: &str, ctx: &Ctx, params: Params) -> Result<Output> {
        let def = self.action(name)?;
        let out = match def.output {
            Some(output) => output(self, ctx, params).await,
            None => (def.handler)(self, ctx, params).await.map(Output::Value),
        };
        self.after_write(def, out.is_ok()).await;
        out
    }

    fn action(&self, name: &str) -> Result<&ActionDef> {
        self.inner.registry.get(name).ok_or_else(|| {
            Error::BadRequest(
                kho_core::Msg::new("Action name not known: %{name}").arg("name", name),
            )
        })
    }

    /// The `/api/3/action/help_show?name=X` URL CKAN puts in every envelope.
    pub fn help_url(&self, action: &str) -> String {
        format!(
            "{}/api/3/action/help_show?name={}",
            self.inner.config.site_url, action
        )
    }
}
