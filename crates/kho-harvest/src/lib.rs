//! kho-harvest: datasets harvested into a kho catalogue from other catalogues.
//!
//! Two kinds of source:
//! - **CKAN** (any CKAN Action API, kho included), gathered as ckanext-harvest's
//!   `CKANHarvester` does: `package_search` pages sorted by id, whose results are complete
//!   `package_show` dicts; incremental runs ask only for what changed since the last good run.
//! - **DCAT** (a Turtle, RDF/XML, JSON-LD or N-Triples document, paged with Hydra), each
//!   `dcat:Dataset` mapped to a CKAN dataset dict as ckanext-dcat maps it.
//!
//! Every write goes through the catalogue's actions (`package_create`, `package_update`,
//! `package_delete`, `organization_create`) as a sysadmin, so validation, activity, the
//! change log and the search index stay right. Each run is recorded as a job of its
//! source in the store ([`kho_store::Tx::harvest_job_insert`]).

mod dcat;
mod fetch;
mod gather;
mod import;

use std::time::Duration;

use chrono::NaiveDateTime;
use kho_catalog::{Catalog, Ctx};
use kho_core::model::{HarvestJob, HarvestSource};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What kind of catalogue a source is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceType {
    Ckan,
    Dcat,
}

impl SourceType {
    pub fn as_str(self) -> &'static str {
        match self {
            SourceType::Ckan => "ckan",
            SourceType::Dcat => "dcat",
        }
    }

    /// `ckan` or `dcat`.
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "ckan" => Some(SourceType::Ckan),
            "dcat" => Some(SourceType::Dcat),
            _ => None,
        }
    }

    /// The type a URL most likely is: DCAT for an RDF document (by extension), else CKAN.
    pub fn guess(url: &str) -> Self {
        let path = url.split(['?', '#']).next().unwrap_or(url);
        let ext = path.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
        match ext.as_deref() {
            Some("ttl" | "rdf" | "xml" | "jsonld" | "nt" | "n3" | "owl") => SourceType::Dcat,
            _ => SourceType::Ckan,
        }
    }
}

/// A source to harvest: what `kho harvest` and `[[harvest_sources]]` describe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceSpec {
    /// The source's unique name (its handle in the store).
    pub name: String,
    /// Shown as `harvest_source_title`; default: the name.
    pub title: Option<String>,
    /// A CKAN site's base URL, or a DCAT document's URL (`http(s)://` or `file://`).
    pub url: String,
    pub source_type: SourceType,
    /// The local organization (name or id, must exist) every dataset goes to; `None`:
    /// each dataset's remote organization, matched by name or created.
    pub org: Option<String>,
    /// CKAN only: harvest only the datasets of these remote organizations.
    pub organizations: Vec<String>,
    /// CKAN only: an API token of the remote, sent as `Authorization` (ckanext-harvest's
    /// `api_key`). Never stored.
    pub api_key: Option<String>,
}

impl SourceSpec {
    /// A spec with the defaults: type guessed from the URL, name derived from the host.
    pub fn for_url(url: &str) -> Self {
        SourceSpec {
            name: default_name(url),
            title: None,
            url: url.trim().to_owned(),
            source_type: SourceType::guess(url),
            org: None,
            organizations: Vec::new(),
            api_key: None,
        }
    }
}

/// A source name made from a URL: host and path, lowercased, other characters as `-`.
pub fn default_name(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let mut name = import::slug(rest);
    if name.len() < 2 {
        name = "harvest-source".into();
    }
    name
}

/// How one run goes.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// CKAN: ask only for datasets modified since then (UTC). `None`: since the start of
    /// the last error-free run, less an hour (as ckanext-harvest), or everything.
    pub since: Option<NaiveDateTime>,
    /// Ignore the last run: a full harvest (which also finds deletions by comparison).
    pub full: bool,
    /// The whole run's limit; past it the run is recorded as `Aborted`.
    pub timeout: Duration,
    /// Each HTTP request's limit.
    pub request_timeout: Duration,
    /// Largest document accepted, in bytes (ckanext-dcat's default: 50 MB).
    pub max_bytes: u64,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            since: None,
            full: false,
            timeout: Duration::from_secs(3600),
            request_timeout: Duration::from_secs(60),
            max_bytes: 50 * 1024 * 1024,
        }
    }
}

/// What a run did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub source_id: String,
    pub job_id: String,
    /// `Finished` or `Aborted`.
    pub status: String,
    /// The run could not complete (the source failed, or the time ran out).
    pub failed: bool,
    /// Whether this was an incremental run, and since when.
    pub since: Option<String>,
    pub created: u64,
    pub updated: u64,
    pub deleted: u64,
    pub unchanged: u64,
    /// One message per failed dataset, and the message that ended a failed run.
    pub errors: Vec<String>,
}

/// Told how a run progresses (`kho harvest` draws it).
pub trait Progress: Send + Sync {
    /// `found` remote records gathered so far.
    fn gathered(&self, found: usize) {
        let _ = found;
    }
    /// The import of `total` records starts.
    fn importing(&self, total: usize) {
        let _ = total;
    }
    /// `done` records of the import are through.
    fn imported(&self, done: usize) {
        let _ = done;
    }
}

/// A [`Progress`] that ignores everything.
pub struct NoProgress;
impl Progress for NoProgress {}

/// What stops a run before it could be recorded: the store.
#[derive(Debug, thiserror::Error)]
pub enum HarvestError {
    #[error("store: {0}")]
    Store(#[from] kho_store::StoreError),
    #[error("{0}")]
    Spec(String),
}

/// Job statuses, in ckanext-harvest's words.
pub const STATUS_RUNNING: &str = "Running";
pub const STATUS_FINISHED: &str = "Finished";
pub const STATUS_ABORTED: &str = "Aborted";

/// Harvests into one catalogue as one (sysadmin) caller.
#[derive(Clone)]
pub struct Harvester {
    catalog: Catalog,
    ctx: Ctx,
}

/// Counts and messages of a run as it goes (kept outside the timed future, so that a run
/// that times out still reports what it did).
#[derive(Debug, Default)]
pub(crate) struct Tally {
    pub created: u64,
    pub updated: u64,
    pub deleted: u64,
    pub unchanged: u64,
    pub errors: Vec<String>,
    pub gather_finished: Option<NaiveDateTime>,
}

impl Harvester {
    /// `ctx` must be a sysadmin's: harvested datasets keep the remote ids and timestamps,
    /// which only sysadmins may set.
    pub fn new(catalog: Catalog, ctx: Ctx) -> Self {
        Harvester { catalog, ctx }
    }

    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// Store (or update) the source described by `spec`.
    pub async fn register(&self, spec: &SourceSpec) -> Result<HarvestSource, HarvestError> {
        if spec.name.trim().is_empty() {
            return Err(HarvestError::Spec("a harvest source needs a name".into()));
        }
        let config = serde_json::json!({ "organizations": spec.organizations });
        let source = HarvestSource {
            id: uuid::Uuid::new_v4().to_string(),
            name: spec.name.clone(),
            title: spec.title.clone().unwrap_or_else(|| spec.name.clone()),
            url: spec.url.clone(),
            source_type: spec.source_type.as_str().to_owned(),
            owner_org: spec.org.clone(),
            config: config.to_string(),
            created: kho_core::time::now_utc(),
        };
        let mut tx = self.catalog.store().begin().await?;
        let stored = tx.harvest_source_upsert(&source).await?;
        tx.commit().await?;
        Ok(stored)
    }

    /// One run of `spec`: gather, import, delete, recorded as a job. A failing source
    /// ends the run with an error in the summary (and `failed`), never an `Err`: only a
    /// store that cannot record the run is one.
    pub async fn run(
        &self,
        spec: &SourceSpec,
        options: &RunOptions,
        progress: &dyn Progress,
    ) -> Result<Summary, HarvestError> {
        let source = self.register(spec).await?;
        let since = match (spec.source_type, options.full, options.since) {
            (SourceType::Dcat, _, _) | (_, true, _) => None,
            (_, false, Some(t)) => Some(t),
            (_, false, None) => self.last_good_start(&source.id).await?,
        };
        let now = kho_core::time::now_utc();
        let mut job = HarvestJob {
            id: uuid::Uuid::new_v4().to_string(),
            source_id: source.id.clone(),
            status: STATUS_RUNNING.into(),
            created: now,
            gather_started: Some(now),
            gather_finished: None,
            finished: None,
            created_count: 0,
            updated_count: 0,
            deleted_count: 0,
            unchanged_count: 0,
            error_count: 0,
            errors: "[]".into(),
        };
        {
            let mut tx = self.catalog.store().begin().await?;
            tx.harvest_job_insert(&job).await?;
            tx.commit().await?;
        }
        tracing::info!(source = %source.name, url = %source.url, job = %job.id,
            since = ?since, "harvest started");
        let mut tally = Tally::default();
        let body = self.body(spec, &source, since, options, &mut tally, progress);
        let failure = match tokio::time::timeout(options.timeout, body).await {
            Ok(Ok(())) => None,
            Ok(Err(fatal)) => Some(fatal),
            Err(_) => Some(format!(
                "the run did not finish within {:.1} s and was stopped",
                options.timeout.as_secs_f64()
            )),
        };
        if let Some(message) = &failure {
            tally.errors.push(message.clone());
        }
        let status = if failure.is_some() {
            STATUS_ABORTED
        } else {
            STATUS_FINISHED
        };
        job.status = status.into();
        job.gather_finished = tally.gather_finished;
        job.finished = Some(kho_core::time::now_utc());
        job.created_count = count(tally.created);
        job.updated_count = count(tally.updated);
        job.deleted_count = count(tally.deleted);
        job.unchanged_count = count(tally.unchanged);
        job.error_count = count(tally.errors.len() as u64);
        job.errors = Value::from(tally.errors.clone()).to_string();
        {
            let mut tx = self.catalog.store().begin().await?;
            tx.harvest_job_update(&job).await?;
            tx.commit().await?;
        }
        let summary = Summary {
            source_id: source.id,
            job_id: job.id,
            status: status.into(),
            failed: failure.is_some(),
            since: since.map(|t| kho_core::time::isoformat(&t)),
            created: tally.created,
            updated: tally.updated,
            deleted: tally.deleted,
            unchanged: tally.unchanged,
            errors: tally.errors,
        };
        if summary.failed {
            tracing::warn!(source = %source.name, errors = ?summary.errors, "harvest failed");
        } else {
            tracing::info!(source = %source.name, created = summary.created,
                updated = summary.updated, deleted = summary.deleted,
                unchanged = summary.unchanged, errors = summary.errors.len(), "harvest finished");
        }
        Ok(summary)
    }

    /// The start of the last run that finished without any error, less an hour: the
    /// `since` of an incremental run (ckanext-harvest's margin for clock differences).
    async fn last_good_start(
        &self,
        source_id: &str,
    ) -> Result<Option<NaiveDateTime>, HarvestError> {
        let mut tx = self.catalog.store().read().await?;
        let jobs = tx
            .harvest_job_list(Some(source_id), Some(STATUS_FINISHED), None)
            .await?;
        Ok(jobs
            .iter()
            .find(|j| j.error_count == 0)
            .and_then(|j| j.gather_started)
            .map(|t| t - chrono::Duration::hours(1)))
    }

    async fn body(
        &self,
        spec: &SourceSpec,
        source: &HarvestSource,
        since: Option<NaiveDateTime>,
        options: &RunOptions,
        tally: &mut Tally,
        progress: &dyn Progress,
    ) -> Result<(), String> {
        let client = fetch::client(options)?;
        let mut importer = import::Importer::new(self, source).await?;
        if let Some(org) = &spec.org {
            importer.fix_organization(org).await?;
        }
        let gathered = match spec.source_type {
            SourceType::Ckan => gather::ckan(&client, spec, since, options, progress).await?,
            SourceType::Dcat => {
                let walk = dcat::walk(&client, &spec.url, options, progress).await?;
                let mut items = Vec::new();
                for item in walk.items {
                    match item {
                        Ok(item) => items.push(item),
                        Err(e) => tally.errors.push(e),
                    }
                }
                gather::Gathered {
                    items,
                    // Only a walk without errors proves what is gone.
                    complete: tally.errors.is_empty(),
                }
            }
        };
        tally.gather_finished = Some(kho_core::time::now_utc());
        importer
            .import(gathered, since.is_none(), tally, progress)
            .await
    }
}

fn count(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// `--since` values: an ISO timestamp (optionally with `Z`), or a date.
pub fn parse_since(s: &str) -> Option<NaiveDateTime> {
    let s = s.trim().trim_end_matches('Z');
    kho_core::time::parse(s).or_else(|| {
        chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .ok()
            .and_then(|d| d.and_hms_opt(0, 0, 0))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_types() {
        assert_eq!(
            SourceType::guess("https://data.example.org"),
            SourceType::Ckan
        );
        assert_eq!(
            SourceType::guess("https://x.org/catalog.ttl?page=2"),
            SourceType::Dcat
        );
        assert_eq!(SourceType::guess("file:///srv/cat.rdf"), SourceType::Dcat);
        assert_eq!(SourceType::parse(" DCAT "), Some(SourceType::Dcat));
        assert_eq!(SourceType::parse("csw"), None);
    }

    #[test]
    fn names_and_times() {
        assert_eq!(
            default_name("https://Data.Example.org/catalog.ttl"),
            "data-example-org-catalog-ttl"
        );
        assert_eq!(default_name("http://"), "harvest-source");
        assert_eq!(
            parse_since("2026-03-01"),
            kho_core::time::parse("2026-03-01T00:00:00")
        );
        assert_eq!(
            parse_since("2026-03-01T10:00:00.5Z"),
            kho_core::time::parse("2026-03-01T10:00:00.5")
        );
        assert_eq!(parse_since("yesterday"), None);
    }
}
