//! Configuration: defaults, then `kho.toml` (or `--config FILE`), then `KHO_*` environment
//! variables, then command-line flags. Every key is documented here and in the README.

use std::fmt;
use std::path::{Path, PathBuf};

use anyhow::Context;
use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use serde::{Deserialize, Serialize};

/// A value that must never reach logs: `Debug` and `Display` print `***`.
#[derive(Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct Secret(pub String);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"***\"")
    }
}

/// Every configuration key. In `kho.toml` keys are written as here; as environment
/// variables they are upper-cased with a `KHO_` prefix (`KHO_LISTEN`, `KHO_DATA_DIR`, ...).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Config {
    /// Address to listen on. Default `127.0.0.1:5000`.
    pub listen: String,
    /// Data directory: the SQLite database, the search index (and later files). Default
    /// `./kho-data`.
    pub data_dir: PathBuf,
    /// The search index's directory. Default: `index` in `data_dir`.
    pub index_dir: Option<PathBuf>,
    /// Longest time, in seconds, between two looks at the change log for writes of other
    /// processes (and at a rebuilt index). Default 2.
    pub index_poll_interval: f64,
    /// On Postgres, be woken at once by other processes' writes (LISTEN/NOTIFY) instead of
    /// only polling. Default true; false behind a connection pooler that cannot LISTEN.
    pub index_listen: bool,
    /// `postgres://user:pass@host/db` selects Postgres; empty selects SQLite in `data_dir`.
    pub database_url: Option<Secret>,
    /// Public base URL, used in `help` links and resource URLs. Default: derived from `listen`.
    pub site_url: Option<String>,
    /// `status_show` site title. Default `kho`.
    pub site_title: String,
    /// `status_show` site description.
    pub site_description: String,
    /// Contact address shown by `status_show`.
    pub error_emails_to: String,
    /// Default language of messages: `en` (CKAN's default) or `vi`.
    pub locale_default: String,
    /// Log format: `pretty` or `json`.
    pub log_format: String,
    /// Log filter in `tracing` syntax, e.g. `info` or `kho=debug,info`. `RUST_LOG` wins.
    pub log_level: String,
    /// Origins allowed by CORS (`["*"]` for all). Default none.
    pub cors_origins: Vec<String>,
    /// Largest Action API request body, in bytes (413 beyond). Default 10 MiB.
    pub max_body_bytes: usize,
    /// Most parameters in one request. Default 1000.
    pub max_params: usize,
    /// Largest uploaded file, in bytes (413 beyond). Default 100 MB.
    pub max_upload_bytes: u64,
    /// Where uploaded files are kept: `local` (a directory) or `s3`. Default `local`.
    pub files_backend: String,
    /// The directory of uploaded files with `files_backend = "local"`. Default: `files`
    /// in `data_dir`.
    pub files_dir: Option<PathBuf>,
    /// The S3 bucket of uploaded files (`files_backend = "s3"`).
    pub s3_bucket: String,
    /// A prefix for every file key in the bucket (`kho/`). Default none.
    pub s3_prefix: String,
    /// The bucket's region. Default `us-east-1`.
    pub s3_region: String,
    /// An S3-compatible server's URL (`http://minio:9000`); unset for AWS.
    pub s3_endpoint: Option<String>,
    /// Path-style addressing (`endpoint/bucket/key`), as most S3-compatible servers want.
    pub s3_path_style: bool,
    /// Static credentials; unset: the standard AWS chain (environment, profile, role).
    pub s3_access_key_id: Option<String>,
    pub s3_secret_access_key: Option<Secret>,
    /// Bytes per multipart part (at least 5 MiB), also what an upload holds in memory.
    /// Default 8 MiB.
    pub s3_part_size: u64,
    /// Anyone may register through `user_create`. Default false (sysadmins only).
    pub create_user_via_api: bool,
    /// Any logged-in user may create organizations. Default true (CKAN's default).
    pub user_create_organizations: bool,
    /// Any logged-in user may create groups. Default true.
    pub user_create_groups: bool,
    /// User details are public (`user_show`, `user_list`, members). Default true.
    pub public_user_details: bool,
    /// Cap of `organization_list`/`group_list`. Default 1000.
    pub group_list_max: i64,
    /// Cap of those lists with `all_fields`. Default 25.
    pub group_list_all_fields_max: i64,
    /// `package_search` never returns more rows than this. Default 1000.
    pub search_rows_max: i64,
    /// `package_search` answers kept until the next write; 0 turns the cache off. Default 512.
    pub search_cache_entries: usize,
    /// Searches computed at once; the others wait their turn. 0 (default): one per core.
    pub search_concurrency: usize,
    /// Dataset collaborators (CKAN's `ckan.auth.allow_dataset_collaborators`). Default false.
    pub allow_dataset_collaborators: bool,
    /// Collaborators may have the `admin` capacity. Default false.
    pub allow_admin_collaborators: bool,
    /// Editor collaborators may move a dataset to another organization. Default false.
    pub allow_collaborators_to_change_owner_org: bool,
    /// Create a sysadmin and print a one-time token on the first `serve` of an empty store.
    pub bootstrap_admin: bool,
    /// The dataset profile: a ckanext-scheming dataset schema file (JSON or YAML). Empty:
    /// the shipped provincial profile; `none`: no profile (CKAN's plain schema).
    pub dataset_schema: String,
    /// The organization profile: a ckanext-scheming organization schema file. Empty: the
    /// shipped one (focal point, agency code); `none`: no profile.
    pub organization_schema: String,
    /// The data-sharing service profile (datasets of type `service`). Empty: the shipped
    /// one; `none`: no profile for services.
    pub service_schema: String,
    /// Working days allowed between a service's `ready_at` and its publication. Default 1.
    pub service_publication_working_days: u32,
    /// Public holidays as `YYYY-MM-DD` dates, not counted as working days (nor are
    /// Saturdays and Sundays). Default none.
    pub public_holidays: Vec<String>,
    /// A licenses file in CKAN's format (a JSON list of license objects, or an object of
    /// them: what `licenses_group_url` points to). Empty: CKAN's default list.
    pub licenses_file: String,
    /// The base of DCAT URIs (ckanext-dcat's `ckanext.dcat.base_uri`). Empty: `site_url`.
    pub dcat_base_uri: String,
    /// Datasets per `/catalog.{fmt}` page. Default 100.
    pub dcat_datasets_per_page: u64,
    /// The catalogue's publisher in DCAT. Empty: `site_title`.
    pub dcat_publisher_name: String,
    /// The publisher's URI. Empty: none (a blank node).
    pub dcat_publisher_uri: String,
    /// Anonymous error reports accepted per hour per e-mail and per client address; 0:
    /// anonymous reports are refused. Default 5.
    pub issue_reports_per_hour: u32,
    /// Screen uploaded files for personal data (default true).
    pub personal_data_screening: bool,
    /// Days after a period ends that an update is on time, by `update_frequency`
    /// (`[update_grace_days]` table, e.g. `monthly = 15`); frequencies left out keep their
    /// defaults (regulation: monthly 15, quarterly 30, annual 90).
    pub update_grace_days: std::collections::BTreeMap<String, u32>,
    /// A deadline this many days away, once its period has ended, is `due_soon`. Default 7.
    pub update_due_soon_days: u32,
    /// Days the sharing log keeps an entry; older ones are purged daily by `kho serve`
    /// and by `kho sharing-log purge`. 0: keep forever. Default 1825 (five years).
    pub sharing_log_retention_days: u32,
    /// Record reads of non-open data by accounts in the sharing log. Default true; only
    /// the benchmark turns it off (the regulations require the log).
    pub sharing_log_enabled: bool,
    /// Catalogues `kho serve` harvests on a schedule (`[[harvest_sources]]` tables).
    pub harvest_sources: Vec<HarvestSourceConfig>,
    /// Default limit of one harvest run: seconds, or `"90s"`, `"30m"`, `"1h"`, `"1d"`.
    /// Default 1 hour.
    pub harvest_timeout: DurationValue,
    /// Limit of each HTTP request of a harvest. Default 60 s.
    pub harvest_request_timeout: DurationValue,
    /// Run the background link checker in `kho serve`. Default true.
    pub linkcheck_enabled: bool,
    /// Seconds between two passes of the link checker. Default 300.
    pub linkcheck_interval_seconds: u64,
    /// A link checked longer ago than this many hours is checked again. Default 168.
    pub linkcheck_recheck_hours: u64,
    /// Links checked per pass at most. Default 200.
    pub linkcheck_batch: usize,
    /// Links checked at once. Default 4.
    pub linkcheck_concurrency: usize,
    /// Checks per host and minute at most. Default 30.
    pub linkcheck_per_host_per_minute: u32,
    /// Seconds one check may take. Default 15.
    pub linkcheck_timeout_seconds: u64,
    /// Redirects followed at most. Default 5.
    pub linkcheck_max_redirects: usize,
    /// `User-Agent` of the checks. Empty: `kho-linkcheck/<version>`.
    pub linkcheck_user_agent: String,
    /// Also check links to private, loopback and link-local addresses. Default false.
    pub linkcheck_allow_private: bool,
}

/// One `[[harvest_sources]]` entry.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct HarvestSourceConfig {
    /// Unique name of the source (its handle in `harvest_source_list`).
    pub name: String,
    /// A CKAN site's base URL, or a DCAT document's URL.
    pub url: String,
    /// `ckan` or `dcat`; default: `dcat` for an RDF file extension, else `ckan`.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub source_type: Option<String>,
    /// Shown as the datasets' `harvest_source_title`; default: the name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Local organization (must exist) that gets every dataset; default: the remote's,
    /// matched by name or created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org: Option<String>,
    /// CKAN: only the datasets of these remote organizations.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub organizations: Vec<String>,
    /// CKAN: the remote's API token (sent as `Authorization`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_key: Option<Secret>,
    /// Time between the starts of two runs. Default 1 hour.
    #[serde(default = "one_hour")]
    pub interval: DurationValue,
    /// This source's run limit; default `harvest_timeout`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<DurationValue>,
}

fn one_hour() -> DurationValue {
    DurationValue::Seconds(3600.0)
}

/// A duration in seconds (`3600`) or with a unit (`"90s"`, `"30m"`, `"1h"`, `"1d"`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum DurationValue {
    Seconds(f64),
    Text(String),
}

impl DurationValue {
    pub fn to_duration(&self) -> anyhow::Result<std::time::Duration> {
        let seconds = match self {
            DurationValue::Seconds(s) => *s,
            DurationValue::Text(t) => {
                let t = t.trim();
                let split = t.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(t.len());
                let (number, unit) = t.split_at(split);
                let n: f64 = number
                    .trim()
                    .parse()
                    .map_err(|_| anyhow::anyhow!("not a duration: {t:?}"))?;
                let unit = match unit.trim() {
                    "" | "s" => 1.0,
                    "m" | "min" => 60.0,
                    "h" => 3600.0,
                    "d" => 86400.0,
                    other => anyhow::bail!("not a duration unit: {other:?} (s, m, h or d)"),
                };
                n * unit
            }
        };
        if !(seconds.is_finite() && seconds > 0.0 && seconds <= 366.0 * 86400.0) {
            anyhow::bail!("a duration must be above 0 and at most a year");
        }
        Ok(std::time::Duration::from_secs_f64(seconds))
    }
}

/// The value of `dataset_schema` / `organization_schema` that turns a profile off.
pub const PROFILE_OFF: &str = "none";

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: "127.0.0.1:5000".into(),
            data_dir: PathBuf::from("./kho-data"),
            index_dir: None,
            index_poll_interval: 2.0,
            index_listen: true,
            database_url: None,
            site_url: None,
            site_title: "kho".into(),
            site_description: String::new(),
            error_emails_to: String::new(),
            locale_default: "en".into(),
            log_format: "pretty".into(),
            log_level: "info".into(),
            cors_origins: Vec::new(),
            max_body_bytes: 10 * 1024 * 1024,
            max_params: 1000,
            max_upload_bytes: 100 * 1000 * 1000,
            files_backend: "local".into(),
            files_dir: None,
            s3_bucket: String::new(),
            s3_prefix: String::new(),
            s3_region: kho_files::S3Config::default().region,
            s3_endpoint: None,
            s3_path_style: false,
            s3_access_key_id: None,
            s3_secret_access_key: None,
            s3_part_size: kho_files::S3Config::default().part_size,
            create_user_via_api: false,
            user_create_organizations: true,
            user_create_groups: true,
            public_user_details: true,
            group_list_max: 1000,
            search_rows_max: 1000,
            search_cache_entries: kho_catalog::CatalogConfig::default().search_cache_entries,
            search_concurrency: 0,
            group_list_all_fields_max: 25,
            allow_dataset_collaborators: false,
            allow_admin_collaborators: false,
            allow_collaborators_to_change_owner_org: false,
            bootstrap_admin: true,
            dataset_schema: String::new(),
            organization_schema: String::new(),
            service_schema: String::new(),
            service_publication_working_days: 1,
            public_holidays: Vec::new(),
            dcat_base_uri: String::new(),
            dcat_datasets_per_page: 100,
            dcat_publisher_name: String::new(),
            dcat_publisher_uri: String::new(),
            licenses_file: String::new(),
            issue_reports_per_hour: 5,
            personal_data_screening: true,
            update_grace_days: std::collections::BTreeMap::new(),
            update_due_soon_days: 7,
            sharing_log_retention_days: 1825,
            sharing_log_enabled: true,
            harvest_sources: Vec::new(),
            harvest_timeout: one_hour(),
            harvest_request_timeout: DurationValue::Seconds(60.0),
            linkcheck_enabled: true,
            linkcheck_interval_seconds: 300,
            linkcheck_recheck_hours: 24 * 7,
            linkcheck_batch: 200,
            linkcheck_concurrency: 4,
            linkcheck_per_host_per_minute: 30,
            linkcheck_timeout_seconds: 15,
            linkcheck_max_redirects: 5,
            linkcheck_user_agent: String::new(),
            linkcheck_allow_private: false,
        }
    }
}

/// Values given as flags; only the ones present override.
#[derive(Debug, Default, Serialize)]
pub struct Overrides {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listen: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_url: Option<String>,
}

impl Config {
    /// Load: defaults < file < environment < flags.
    pub fn load(file: Option<&Path>, overrides: &Overrides) -> anyhow::Result<Config> {
        let mut fig = Figment::from(Serialized::defaults(Config::default()));
        match file {
            Some(f) => {
                if !f.try_exists()? {
                    anyhow::bail!("config file {} does not exist", f.display());
                }
                fig = fig.merge(Toml::file(f));
            }
            None => fig = fig.merge(Toml::file("kho.toml")),
        }
        fig = fig
            .merge(
                Env::prefixed("KHO_")
                    .ignore(&["CONFIG"])
                    .map(|k| k.as_str().to_ascii_lowercase().into()),
            )
            .merge(Serialized::defaults(overrides));
        let mut cfg: Config = fig.extract()?;
        if cfg
            .database_url
            .as_ref()
            .is_some_and(|u| u.0.trim().is_empty())
        {
            cfg.database_url = None;
        }
        if !matches!(cfg.locale_default.as_str(), "en" | "vi") {
            anyhow::bail!(
                "locale_default must be en or vi, not {}",
                cfg.locale_default
            );
        }
        if !(cfg.index_poll_interval.is_finite()
            && cfg.index_poll_interval > 0.0
            && cfg.index_poll_interval <= 3600.0)
        {
            anyhow::bail!(
                "index_poll_interval must be a number of seconds above 0 and at most 3600, not {}",
                cfg.index_poll_interval
            );
        }
        if !matches!(cfg.log_format.as_str(), "pretty" | "json") {
            anyhow::bail!("log_format must be pretty or json, not {}", cfg.log_format);
        }
        // A broken schema file stops every command, `kho config` included.
        cfg.profiles()?;
        cfg.check_harvest_sources()?;
        Ok(cfg)
    }

    /// `harvest_sources`, `harvest_timeout` and `harvest_request_timeout` make sense.
    fn check_harvest_sources(&self) -> anyhow::Result<()> {
        self.harvest_timeout
            .to_duration()
            .map_err(|e| anyhow::anyhow!("harvest_timeout: {e}"))?;
        self.harvest_request_timeout
            .to_duration()
            .map_err(|e| anyhow::anyhow!("harvest_request_timeout: {e}"))?;
        let mut names = std::collections::HashSet::new();
        for s in &self.harvest_sources {
            let name = s.name.trim();
            if name.is_empty() || s.url.trim().is_empty() {
                anyhow::bail!("harvest_sources: every source needs a name and a url");
            }
            if !names.insert(name) {
                anyhow::bail!("harvest_sources: two sources are named {name}");
            }
            if let Some(t) = &s.source_type {
                if kho_harvest::SourceType::parse(t).is_none() {
                    anyhow::bail!("harvest_sources: {name}: type must be ckan or dcat, not {t}");
                }
            }
            s.interval
                .to_duration()
                .map_err(|e| anyhow::anyhow!("harvest_sources: {name}: interval: {e}"))?;
            if let Some(t) = &s.timeout {
                t.to_duration()
                    .map_err(|e| anyhow::anyhow!("harvest_sources: {name}: timeout: {e}"))?;
            }
        }
        Ok(())
    }

    /// What `kho harvest` and the schedule of `kho serve` run for a configured source.
    pub fn harvest_spec(&self, s: &HarvestSourceConfig) -> kho_harvest::SourceSpec {
        let guessed = kho_harvest::SourceSpec::for_url(&s.url);
        kho_harvest::SourceSpec {
            name: s.name.trim().to_owned(),
            title: s.title.clone(),
            source_type: s
                .source_type
                .as_deref()
                .and_then(kho_harvest::SourceType::parse)
                .unwrap_or(guessed.source_type),
            org: s.org.clone(),
            organizations: s.organizations.clone(),
            api_key: s.api_key.as_ref().map(|k| k.0.clone()),
            ..guessed
        }
    }

    /// The run options of a source (its own timeout, else `harvest_timeout`).
    pub fn harvest_options(
        &self,
        timeout: Option<&DurationValue>,
    ) -> anyhow::Result<kho_harvest::RunOptions> {
        Ok(kho_harvest::RunOptions {
            timeout: timeout.unwrap_or(&self.harvest_timeout).to_duration()?,
            request_timeout: self.harvest_request_timeout.to_duration()?,
            ..kho_harvest::RunOptions::default()
        })
    }

    /// The public base URL: configured, else derived from the listen address.
    pub fn site_url(&self) -> String {
        if let Some(u) = self.site_url.as_ref().filter(|u| !u.trim().is_empty()) {
            return u.trim_end_matches('/').to_string();
        }
        let host = self
            .listen
            .replace("0.0.0.0", "127.0.0.1")
            .replace("[::]", "localhost");
        format!("http://{host}")
    }

    /// The database URL in use: the configured one, else SQLite in the data directory.
    pub fn database_url(&self) -> anyhow::Result<String> {
        if let Some(u) = &self.database_url {
            return Ok(u.0.clone());
        }
        std::fs::create_dir_all(&self.data_dir)?;
        let dir = std::fs::canonicalize(&self.data_dir)?;
        Ok(format!("sqlite://{}/kho.db?mode=rwc", dir.display()))
    }

    /// The search index's directory: `index_dir`, else `index` in the data directory.
    pub fn index_dir(&self) -> PathBuf {
        match &self.index_dir {
            Some(dir) if !dir.as_os_str().is_empty() => dir.clone(),
            _ => self.data_dir.join("index"),
        }
    }

    /// `index_poll_interval` as a duration.
    pub fn index_poll_interval(&self) -> std::time::Duration {
        std::time::Duration::from_secs_f64(self.index_poll_interval)
    }

    /// The metadata profiles: the shipped ones, the files named by `dataset_schema` and
    /// `organization_schema`, or none.
    pub fn profiles(&self) -> anyhow::Result<kho_catalog::Profiles> {
        use kho_core::profile::{DatasetSchema, OrganizationSchema};
        let shipped = kho_catalog::Profiles::shipped();
        let read = |key: &str, path: &str| -> anyhow::Result<String> {
            std::fs::read_to_string(path)
                .map_err(|e| anyhow::anyhow!("{key}: cannot read {path}: {e}"))
        };
        let dataset = match self.dataset_schema.trim() {
            "" => shipped.dataset,
            PROFILE_OFF => None,
            path => Some(std::sync::Arc::new(DatasetSchema::parse(
                &read("dataset_schema", path)?,
                path,
            )?)),
        };
        let organization = match self.organization_schema.trim() {
            "" => shipped.organization,
            PROFILE_OFF => None,
            path => Some(std::sync::Arc::new(OrganizationSchema::parse(
                &read("organization_schema", path)?,
                path,
            )?)),
        };
        let service = match self.service_schema.trim() {
            "" => shipped.service,
            PROFILE_OFF => None,
            path => Some(std::sync::Arc::new(DatasetSchema::parse(
                &read("service_schema", path)?,
                path,
            )?)),
        };
        Ok(kho_catalog::Profiles {
            dataset,
            organization,
            service,
        })
    }

    /// `public_holidays` as dates; a value that is not `YYYY-MM-DD` stops the server.
    pub fn public_holidays(&self) -> anyhow::Result<Vec<chrono::NaiveDate>> {
        self.public_holidays
            .iter()
            .map(|s| {
                chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| {
                    anyhow::anyhow!("public_holidays: {s:?} is not a date (YYYY-MM-DD)")
                })
            })
            .collect()
    }

    /// The license register: CKAN's default list, or the one in `licenses_file`.
    pub fn licenses(&self) -> anyhow::Result<kho_core::license::LicenseRegister> {
        let path = self.licenses_file.trim();
        if path.is_empty() {
            return Ok(kho_core::license::LicenseRegister::ckan_default());
        }
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("licenses_file: cannot read {path}: {e}"))?;
        kho_core::license::LicenseRegister::from_json(&text)
            .map_err(|e| anyhow::anyhow!("licenses_file: {path}: {e}"))
    }

    pub fn catalog(&self) -> anyhow::Result<kho_catalog::CatalogConfig> {
        Ok(kho_catalog::CatalogConfig {
            site_url: self.site_url(),
            site_title: self.site_title.clone(),
            site_description: self.site_description.clone(),
            error_emails_to: self.error_emails_to.clone(),
            locale_default: self.locale_default.clone(),
            create_user_via_api: self.create_user_via_api,
            user_create_organizations: self.user_create_organizations,
            user_create_groups: self.user_create_groups,
            public_user_details: self.public_user_details,
            group_list_max: self.group_list_max,
            search_rows_max: self.search_rows_max,
            search_cache_entries: self.search_cache_entries,
            search_concurrency: self.search_concurrency,
            group_list_all_fields_max: self.group_list_all_fields_max,
            allow_dataset_collaborators: self.allow_dataset_collaborators,
            allow_admin_collaborators: self.allow_admin_collaborators,
            allow_collaborators_to_change_owner_org: self.allow_collaborators_to_change_owner_org,
            profiles: self.profiles()?,
            licenses: self.licenses()?,
            dcat_base_uri: self.dcat_base_uri.clone(),
            dcat_datasets_per_page: self.dcat_datasets_per_page,
            dcat_publisher_name: self.dcat_publisher_name.clone(),
            dcat_publisher_uri: self.dcat_publisher_uri.clone(),
            issue_reports_per_hour: self.issue_reports_per_hour,
            personal_data_screening: self.personal_data_screening,
            service_publication_working_days: self.service_publication_working_days,
            public_holidays: self.public_holidays()?,
            linkcheck: self.linkcheck(),
            update_grace_days: {
                let mut grace = kho_catalog::CatalogConfig::default().update_grace_days;
                grace.extend(self.update_grace_days.clone());
                grace
            },
            update_due_soon_days: self.update_due_soon_days,
            sharing_log_retention_days: self.sharing_log_retention_days,
            sharing_log_enabled: self.sharing_log_enabled,
            ..kho_catalog::CatalogConfig::default()
        })
    }

    /// The link checker's settings.
    pub fn linkcheck(&self) -> kho_catalog::LinkCheckConfig {
        kho_catalog::LinkCheckConfig {
            enabled: self.linkcheck_enabled,
            interval_seconds: self.linkcheck_interval_seconds,
            recheck_hours: self.linkcheck_recheck_hours,
            batch: self.linkcheck_batch,
            concurrency: self.linkcheck_concurrency,
            per_host_per_minute: self.linkcheck_per_host_per_minute,
            timeout_seconds: self.linkcheck_timeout_seconds,
            max_redirects: self.linkcheck_max_redirects,
            user_agent: self.linkcheck_user_agent.clone(),
            allow_private: self.linkcheck_allow_private,
        }
    }

    pub fn api(&self) -> kho_api::ApiConfig {
        kho_api::ApiConfig {
            cors_origins: self.cors_origins.clone(),
            max_body_bytes: self.max_body_bytes,
            max_params: self.max_params,
            max_upload_bytes: self.max_upload_bytes,
        }
    }

    /// The directory of uploaded files (local backend).
    pub fn files_dir(&self) -> PathBuf {
        match &self.files_dir {
            Some(dir) if !dir.as_os_str().is_empty() => dir.clone(),
            _ => self.data_dir.join("files"),
        }
    }

    /// The file store this configuration names.
    pub async fn file_store(&self) -> anyhow::Result<std::sync::Arc<dyn kho_files::FileStore>> {
        let backend = match self.files_backend.as_str() {
            "local" => kho_files::Backend::Local,
            "s3" => kho_files::Backend::S3,
            other => anyhow::bail!("files_backend must be local or s3, not {other}"),
        };
        let files = kho_files::FilesConfig {
            backend,
            dir: Some(self.files_dir()),
            s3: kho_files::S3Config {
                bucket: self.s3_bucket.clone(),
                prefix: self.s3_prefix.clone(),
                region: self.s3_region.clone(),
                endpoint: self.s3_endpoint.clone().filter(|e| !e.trim().is_empty()),
                path_style: self.s3_path_style,
                access_key_id: self.s3_access_key_id.clone().filter(|k| !k.is_empty()),
                secret_access_key: self
                    .s3_secret_access_key
                    .as_ref()
                    .filter(|k| !k.0.is_empty())
                    .map(|k| kho_files::Secret::new(k.0.clone())),
                part_size: self.s3_part_size,
            },
        };
        kho_files::open(&files, &self.data_dir)
            .await
            .with_context(|| format!("opening the file store ({})", self.files_backend))
    }

    /// The effective configuration as TOML, with secrets redacted.
    pub fn redacted_toml(&self) -> anyhow::Result<String> {
        let mut shown = self.clone();
        shown.database_url = self.database_url.as_ref().map(|u| Secret(redact_url(&u.0)));
        if shown.s3_secret_access_key.is_some() {
            shown.s3_secret_access_key = Some(Secret("***".into()));
        }
        for s in &mut shown.harvest_sources {
            if s.api_key.is_some() {
                s.api_key = Some(Secret("***".into()));
            }
        }
        if shown.site_url.is_none() {
            shown.site_url = Some(self.site_url());
        }
        Ok(toml::to_string_pretty(&shown)?)
    }
}

/// `postgres://user:secret@host/db` → `postgres://user:***@host/db`.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let Some((creds, host)) = rest.rsplit_once('@') else {
        return url.to_string();
    };
    match creds.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let cfg = Config {
            database_url: Some(Secret("postgres://u:pw@h/db".into())),
            ..Config::default()
        };
        assert!(!format!("{cfg:?}").contains("pw"));
        assert!(!cfg.redacted_toml().expect("toml").contains("pw@"));
        assert_eq!(
            redact_url("postgres://u:pw@h:5432/db"),
            "postgres://u:***@h:5432/db"
        );
    }

    #[test]
    fn linkcheck_settings_reach_the_catalogue() {
        assert_eq!(
            Config::default().catalog().expect("catalog").linkcheck,
            kho_catalog::LinkCheckConfig::default()
        );
        let dir = tempfile::tempdir().expect("dir");
        let file = dir.path().join("kho.toml");
        std::fs::write(
            &file,
            "linkcheck_enabled = false\nlinkcheck_concurrency = 2\nlinkcheck_per_host_per_minute = 6\nlinkcheck_allow_private = true\n",
        )
        .expect("write");
        let cfg = Config::load(Some(&file), &Overrides::default()).expect("load");
        let l = cfg.catalog().expect("catalog").linkcheck;
        assert!(!l.enabled);
        assert!(l.allow_private);
        assert_eq!((l.concurrency, l.per_host_per_minute, l.batch), (2, 6, 200));
    }

    #[test]
    fn issue_rate_limit_reaches_the_catalogue() {
        let default = Config::default().catalog().expect("catalog");
        assert_eq!(default.issue_reports_per_hour, 5);
        let dir = tempfile::tempdir().expect("dir");
        let file = dir.path().join("kho.toml");
        std::fs::write(&file, "issue_reports_per_hour = 2\n").expect("write");
        let cfg = Config::load(Some(&file), &Overrides::default()).expect("load");
        assert_eq!(cfg.catalog().expect("catalog").issue_reports_per_hour, 2);
    }

    #[test]
    fn service_settings_reach_the_catalogue() {
        let default = Config::default().catalog().expect("catalog");
        assert_eq!(default.service_publication_working_days, 1);
        assert!(default.public_holidays.is_empty());
        assert_eq!(
            default
                .profiles
                .service
                .as_ref()
                .map(|s| s.dataset_type.as_str()),
            Some("service")
        );
        let dir = tempfile::tempdir().expect("dir");
        let file = dir.path().join("kho.toml");
        std::fs::write(
            &file,
            "service_publication_working_days = 2\npublic_holidays = [\"2026-09-02\", \"2026-09-01\"]\nservice_schema = \"none\"\n",
        )
        .expect("write");
        let cfg = Config::load(Some(&file), &Overrides::default())
            .expect("load")
            .catalog()
            .expect("catalog");
        assert_eq!(cfg.service_publication_working_days, 2);
        let days: Vec<String> = cfg.public_holidays.iter().map(|d| d.to_string()).collect();
        assert_eq!(days, ["2026-09-02", "2026-09-01"]);
        assert!(cfg.profiles.service.is_none());
        let err = Config {
            public_holidays: vec!["02/09/2026".into()],
            ..Config::default()
        }
        .catalog()
        .expect_err("bad date");
        assert!(err.to_string().contains("public_holidays"), "{err}");
    }

    #[test]
    fn licenses_from_a_file() {
        let dir = tempfile::tempdir().expect("dir");
        assert_eq!(
            Config::default().licenses().expect("default"),
            kho_core::license::LicenseRegister::ckan_default()
        );
        let file = dir.path().join("licenses.json");
        std::fs::write(
            &file,
            r#"[{"id": "vn-odl", "title": "Giấy phép dữ liệu mở", "url": "https://example.gov.vn/odl", "od_conformance": "approved"}]"#,
        )
        .expect("write");
        let register = Config {
            licenses_file: file.display().to_string(),
            ..Config::default()
        }
        .licenses()
        .expect("file");
        let ids: Vec<&str> = register.licenses().iter().filter_map(|l| l.id()).collect();
        assert_eq!(ids, ["vn-odl"]);
        std::fs::write(&file, "{not json").expect("write");
        let err = Config {
            licenses_file: file.display().to_string(),
            ..Config::default()
        }
        .licenses()
        .expect_err("bad file");
        assert!(err.to_string().contains("licenses_file"), "{err}");
    }

    #[test]
    fn profiles_from_config() {
        let dir = tempfile::tempdir().expect("dir");
        let shipped = Config::default().profiles().expect("shipped");
        assert_eq!(
            shipped.dataset.as_ref().map(|s| s.dataset_type.as_str()),
            Some("dataset")
        );
        let off = Config {
            dataset_schema: PROFILE_OFF.into(),
            organization_schema: PROFILE_OFF.into(),
            ..Config::default()
        }
        .profiles()
        .expect("off");
        assert!(off.dataset.is_none() && off.organization.is_none());
        let bad = dir.path().join("bad.yaml");
        std::fs::write(
            &bad,
            "dataset_type: dataset\ndataset_fields:\n- field_name: x\n  validators: frob\n",
        )
        .expect("write");
        let err = Config {
            dataset_schema: bad.display().to_string(),
            ..Config::default()
        }
        .profiles()
        .expect_err("bad file");
        assert!(
            err.to_string()
                .contains("bad.yaml: field x: unknown validator"),
            "{err}"
        );
        let missing = Config {
            organization_schema: "/nonexistent/org.yaml".into(),
            ..Config::default()
        }
        .profiles()
        .expect_err("missing file");
        assert!(missing
            .to_string()
            .starts_with("organization_schema: cannot read"));
    }

    #[test]
    fn index_settings() {
        let cfg = Config::default();
        assert_eq!(cfg.index_dir(), PathBuf::from("./kho-data/index"));
        assert_eq!(cfg.index_poll_interval(), std::time::Duration::from_secs(2));
        let cfg = Config {
            data_dir: PathBuf::from("/srv/kho"),
            index_dir: Some(PathBuf::from("/fast/index")),
            index_poll_interval: 0.25,
            ..Config::default()
        };
        assert_eq!(cfg.index_dir(), PathBuf::from("/fast/index"));
        assert_eq!(
            cfg.index_poll_interval(),
            std::time::Duration::from_millis(250)
        );
    }

    #[test]
    fn harvest_sources_from_toml() {
        let dir = tempfile::tempdir().expect("dir");
        let file = dir.path().join("kho.toml");
        std::fs::write(
            &file,
            r#"
harvest_timeout = "30m"

[[harvest_sources]]
name = "tinh-a"
url = "https://data.tinh-a.gov.vn"
org = "so-tnmt"
interval = "6h"
api_key = "bi-mat"
organizations = ["so-a"]

[[harvest_sources]]
name = "dcat-b"
url = "https://b.example.org/catalog.ttl"
interval = 900
timeout = "10m"
"#,
        )
        .expect("write");
        let cfg = Config::load(Some(&file), &Overrides::default()).expect("load");
        assert_eq!(cfg.harvest_sources.len(), 2);
        let a = cfg.harvest_spec(&cfg.harvest_sources[0]);
        assert_eq!(a.source_type, kho_harvest::SourceType::Ckan);
        assert_eq!(a.org.as_deref(), Some("so-tnmt"));
        assert_eq!(a.api_key.as_deref(), Some("bi-mat"));
        assert_eq!(a.organizations, ["so-a"]);
        let b = cfg.harvest_spec(&cfg.harvest_sources[1]);
        assert_eq!(b.source_type, kho_harvest::SourceType::Dcat);
        let secs = |d: &DurationValue| d.to_duration().expect("duration").as_secs();
        assert_eq!(secs(&cfg.harvest_sources[0].interval), 6 * 3600);
        assert_eq!(secs(&cfg.harvest_sources[1].interval), 900);
        let options = cfg.harvest_options(None).expect("options");
        assert_eq!(options.timeout.as_secs(), 1800);
        let options = cfg
            .harvest_options(cfg.harvest_sources[1].timeout.as_ref())
            .expect("options");
        assert_eq!(options.timeout.as_secs(), 600);
        assert_eq!(options.request_timeout.as_secs(), 60);
        // The token never prints.
        let shown = cfg.redacted_toml().expect("toml");
        assert!(!shown.contains("bi-mat"), "{shown}");

        for (bad, message) in [
            ("[[harvest_sources]]\nname = \"x\"\nurl = \"u\"\ninterval = \"soon\"\n", "interval"),
            ("[[harvest_sources]]\nname = \"x\"\nurl = \"u\"\ntype = \"csw\"\n", "type must be ckan or dcat"),
            ("[[harvest_sources]]\nname = \"x\"\nurl = \"u\"\n[[harvest_sources]]\nname = \"x\"\nurl = \"v\"\n", "two sources are named x"),
            ("harvest_timeout = -1\n", "harvest_timeout"),
        ] {
            std::fs::write(&file, bad).expect("write");
            let err = Config::load(Some(&file), &Overrides::default()).expect_err(bad);
            assert!(err.to_string().contains(message), "{bad}: {err}");
        }
    }

    #[test]
    fn durations() {
        let d = |s: &str| {
            DurationValue::Text(s.into())
                .to_duration()
                .map(|d| d.as_secs_f64())
                .ok()
        };
        assert_eq!(d("90s"), Some(90.0));
        assert_eq!(d("1.5h"), Some(5400.0));
        assert_eq!(d("2d"), Some(172800.0));
        assert_eq!(d("45"), Some(45.0));
        assert_eq!(d("0"), None);
        assert_eq!(d("1w"), None);
        assert_eq!(
            DurationValue::Seconds(0.5).to_duration().ok(),
            Some(std::time::Duration::from_millis(500))
        );
    }

    #[test]
    fn site_url_from_listen() {
        let cfg = Config {
            listen: "0.0.0.0:8080".into(),
            ..Config::default()
        };
        assert_eq!(cfg.site_url(), "http://127.0.0.1:8080");
        assert_eq!(Config::default().site_url(), "http://127.0.0.1:5000");
    }
}
