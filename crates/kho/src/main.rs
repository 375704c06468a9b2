//! The `kho` binary: configuration, CLI, tracing, serving with graceful shutdown.

mod config;
mod linkcheck;
mod report;
mod report_services;
mod sharing;

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{bail, Context as _};
use clap::{Args, Parser, Subcommand};
use kho_catalog::{Catalog, Ctx, FollowOptions, IndexHome, Params};
use kho_core::authz::ActorUser;
use kho_core::Actor;
use serde_json::{json, Value};

use crate::config::{Config, Overrides};

#[derive(Parser)]
#[command(
    name = "kho",
    version,
    about = "kho: a CKAN-compatible open-data catalogue server"
)]
struct Cli {
    /// Configuration file (default: ./kho.toml when it exists). Also KHO_CONFIG.
    #[arg(long, global = true, env = "KHO_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

/// Where the store is; every command that touches it takes these.
#[derive(Args, Clone, Default)]
struct StoreArgs {
    /// Data directory (SQLite database and files). Also KHO_DATA_DIR.
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Database URL: postgres://… selects Postgres, none selects SQLite in the data directory.
    /// Also KHO_DATABASE_URL.
    #[arg(long)]
    database_url: Option<String>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server.
    Serve {
        /// Address to listen on (default 127.0.0.1:5000). Also KHO_LISTEN.
        #[arg(long)]
        listen: Option<String>,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Check the links of resources once (those never checked or not checked for
    /// `linkcheck_recheck_hours`), store the results and reindex their datasets.
    Linkcheck {
        /// Only this dataset (id or name).
        #[arg(long)]
        dataset: Option<String>,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Rebuild the search index from the store into a new generation and make it current.
    /// A running server keeps answering from the old one and switches when it is ready.
    Reindex {
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Load a catalogue from JSON Lines: one object per line, the parameters of
    /// `organization_create`, `group_create` or `package_create` (a `ckanapi dump` file, or
    /// lines with `"kind": "organization" | "group" | "dataset"`; without `kind`, a dataset).
    /// Runs as the sysadmin --user, indexes once at the end, stops at the first error.
    Import {
        /// The JSON Lines file (`-` for standard input).
        file: PathBuf,
        /// The sysadmin the records are created as (default: the first sysadmin, `admin`).
        #[arg(long, default_value = "admin")]
        user: String,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Harvest datasets from another catalogue once: a CKAN site (its Action API) or a
    /// DCAT document (Turtle, RDF/XML, JSON-LD, N-Triples; Hydra paging followed). Creates,
    /// updates and deletes datasets through the catalogue's actions, records the run as a
    /// job of the source, prints the summary; exits non-zero when the run failed.
    Harvest {
        #[command(flatten)]
        args: HarvestArgs,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Apply database migrations and exit.
    Migrate {
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Print the effective configuration (secrets redacted).
    Config {
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Print the OpenAPI document of the API (the one checked in as openapi/kho.json).
    Openapi,
    /// Manage user accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Manage API tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Reports as files (CSV, JSON, XLSX).
    Report {
        #[command(subcommand)]
        command: report::ReportCommand,
    },
    /// Catalogue lists as files (CSV, JSON, XLSX).
    Export {
        #[command(subcommand)]
        command: report::ExportCommand,
    },
    /// The sharing log: export it as CSV, or apply the retention period.
    SharingLog {
        #[command(subcommand)]
        command: sharing::SharingCommand,
        #[command(flatten)]
        store: StoreArgs,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a user.
    Create {
        name: String,
        #[arg(long)]
        email: String,
        /// Password (at least 8 characters). Generated and printed when omitted.
        #[arg(long)]
        password: Option<String>,
        /// Make the user a sysadmin.
        #[arg(long)]
        sysadmin: bool,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// List users.
    List {
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Show one user as JSON.
    Show {
        name: String,
        #[command(flatten)]
        store: StoreArgs,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create an API token for a user; the token alone is the last line of output.
    Create {
        user: String,
        /// A label for the token.
        #[arg(long, default_value = "cli")]
        name: String,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// List a user's active tokens.
    List {
        user: String,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Revoke a token by its id.
    Revoke {
        token_id: String,
        /// Why it is revoked (shown to whoever presents it).
        #[arg(long)]
        reason: Option<String>,
        #[command(flatten)]
        store: StoreArgs,
    },
}

fn overrides(store: &StoreArgs, listen: Option<String>) -> Overrides {
    Overrides {
        listen,
        data_dir: store.data_dir.clone(),
        database_url: store.database_url.clone(),
    }
}

/// The CLI acts as the operator: a sysadmin that exists only for the command's duration.
fn operator() -> Ctx {
    Ctx::new(
        Actor::User(ActorUser {
            id: "kho-cli".into(),
            name: "kho-cli".into(),
            sysadmin: true,
        }),
        "en",
    )
}

/// The catalogue of a command-line command: the store, migrated, and an in-memory
/// search index that only ever sees the command's own writes (commands never search).
async fn open(cfg: &Config) -> anyhow::Result<Catalog> {
    let catalog = open_catalog(cfg).await?;
    catalog
        .index_from_now()
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(catalog)
}

/// The catalogue over the migrated store, with an empty in-memory index.
async fn open_catalog(cfg: &Config) -> anyhow::Result<Catalog> {
    let url = cfg.database_url()?;
    let store = kho_store::connect(&url)
        .await
        .with_context(|| format!("opening the store at {}", config::redact_url(&url)))?;
    store.migrate().await.context("applying migrations")?;
    let catalog = Catalog::with_translator(
        store,
        cfg.catalog()?,
        Arc::new(|l: &str, k: &str| kho_api::i18n::translate(l, k)),
    );
    catalog.set_file_store(cfg.file_store().await?);
    Ok(catalog)
}

fn params(v: Value) -> Params {
    match v {
        Value::Object(m) => m,
        _ => Params::new(),
    }
}

/// Run a catalog action as the operator, turning CKAN errors into readable text.
async fn run(catalog: &Catalog, action: &str, p: Value) -> anyhow::Result<Value> {
    catalog
        .call(action, &operator(), params(p))
        .await
        .map_err(|e| {
            let body = kho_api::i18n::error_body("en", &e);
            anyhow::anyhow!("{action} failed: {}", kho_api::json::to_string(&body))
        })
}

fn init_tracing(cfg: &Config) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(&cfg.log_level));
    // Colours only for a terminal: logs redirected to a file or a collector stay plain text.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi)
        .with_writer(std::io::stderr);
    let _ = if cfg.log_format == "json" {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}

fn random_password() -> String {
    let (t, _) = kho_catalog::auth::new_token();
    t.trim_start_matches(kho_catalog::auth::TOKEN_PREFIX)
        .chars()
        .take(20)
        .collect()
}

async fn bootstrap(catalog: &Catalog, cfg: &Config) -> anyhow::Result<()> {
    let mut tx = catalog.store().read().await?;
    if tx.user_count().await? > 0 {
        return Ok(());
    }
    drop(tx);
    let password = random_password();
    run(catalog, "user_create", json!({"name": "admin", "email": "admin@localhost", "password": password, "sysadmin": true})).await?;
    let token = run(
        catalog,
        "api_token_create",
        json!({"user": "admin", "name": "bootstrap"}),
    )
    .await?;
    let token = token
        .get("token")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let url = cfg.site_url();
    println!("kho: new store, created the sysadmin \"admin\" (password: {password}).");
    println!("kho: one-time API token, shown only now; keep it safe:");
    println!("{token}");
    println!("kho: use it in the Authorization header, for example:");
    println!("  curl -H 'Authorization: {token}' -H 'Content-Type: application/json' -d '{{\"name\": \"my-agency\"}}' {url}/api/3/action/organization_create");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down");
}

async fn serve(cfg: Config) -> anyhow::Result<()> {
    init_tracing(&cfg);
    let catalog = open_catalog(&cfg).await?;
    // The index first (rebuilt if need be, then caught up), so that every write from
    // here on, the bootstrap's too, goes into it.
    let home = IndexHome::new(cfg.index_dir());
    catalog
        .open_index(&home)
        .await
        .map_err(|e| anyhow::anyhow!("opening the search index: {e}"))?;
    if cfg.bootstrap_admin {
        bootstrap(&catalog, &cfg).await?;
    }
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let stopped_harvests = stopped.clone();
    let follower = tokio::spawn({
        let catalog = catalog.clone();
        let options = FollowOptions {
            home: Some(home),
            poll_interval: cfg.index_poll_interval(),
            listen: cfg.index_listen,
        };
        let mut stopped = stopped;
        async move {
            catalog
                .follow(options, async move {
                    let _ = stopped.wait_for(|stop| *stop).await;
                })
                .await;
        }
    });
    let harvests = spawn_harvests(&catalog, &cfg, &stopped_harvests)?;
    // The link checker runs beside the server and stops with it.
    let link_checker = cfg.linkcheck_enabled.then(|| {
        let catalog = catalog.clone();
        let mut stopped = stopped_harvests.clone();
        let settings = cfg.linkcheck();
        tokio::spawn(async move {
            catalog
                .run_link_checker(settings, async move {
                    let _ = stopped.wait_for(|stop| *stop).await;
                })
                .await;
        })
    });
    let retention = spawn_sharing_retention(&catalog, &stopped_harvests);
    let app = kho_api::routes(catalog.clone(), cfg.api());
    let listener = tokio::net::TcpListener::bind(&cfg.listen)
        .await
        .with_context(|| format!("cannot listen on {}", cfg.listen))?;
    let acceptor = NoDelay(poem::listener::TcpAcceptor::from_tokio(listener)?);
    tracing::info!(listen = %cfg.listen, site_url = %cfg.site_url(), backend = catalog.store().backend().as_str(), "kho serving");
    println!(
        "kho: listening on http://{} (site_url {})",
        cfg.listen,
        cfg.site_url()
    );
    poem::Server::new_with_acceptor(acceptor)
        .run_with_graceful_shutdown(
            app,
            shutdown_signal(),
            Some(std::time::Duration::from_secs(10)),
        )
        .await
        .context("server error")?;
    let _ = stop.send(true);
    let _ = follower.await;
    if let Some(task) = link_checker {
        let _ = task.await;
    }
    let _ = retention.await;
    // Every read answered is in the sharing log before the process ends.
    catalog.flush_sharing_log().await;
    // A run under way is not waited for: its job stays `Running`.
    for task in harvests {
        task.abort();
    }
    Ok(())
}

/// `kho reindex`: a new generation of the search index, published when complete.
async fn reindex(cfg: Config) -> anyhow::Result<()> {
    let catalog = open(&cfg).await?;
    let home = IndexHome::new(cfg.index_dir());
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{bar:40} {pos}/{len} datasets  {per_sec}  eta {eta}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let shown = bar.clone();
    let progress = move |done: u64, total: u64| {
        shown.set_length(total);
        shown.set_position(done);
    };
    let rebuilt = catalog
        .rebuild_index(&home, &progress)
        .await
        .map_err(|e| anyhow::anyhow!("rebuilding the search index: {e}"))?;
    bar.finish_and_clear();
    // Generations a server still has open are left for it to remove once it has switched.
    home.remove_stale(None);
    println!(
        "indexed {} datasets in {:.1} s into {} (up to change {}); it is now the current index",
        rebuilt.datasets,
        rebuilt.elapsed.as_secs_f64(),
        home.root().join(&rebuilt.generation).display(),
        rebuilt.seq
    );
    Ok(())
}

/// `kho import`: create every record through the catalogue's own actions (the same
/// validation, activity and change log as the API), without indexing each write, then
/// rebuild the index once.
async fn import(cfg: Config, input: &std::path::Path, user: &str) -> anyhow::Result<()> {
    use std::io::BufRead as _;
    let catalog = open(&cfg).await?;
    let who = catalog
        .store()
        .read()
        .await?
        .user_get(user)
        .await?
        .filter(|u| u.sysadmin && u.state == "active")
        .with_context(|| format!("{user} is not an active sysadmin"))?;
    let ctx = Ctx::new(
        Actor::User(ActorUser {
            id: who.id.clone(),
            name: who.name.clone(),
            sysadmin: true,
        }),
        "en",
    );
    let reader: Box<dyn std::io::BufRead> = if input.as_os_str() == "-" {
        Box::new(std::io::BufReader::new(std::io::stdin()))
    } else {
        Box::new(std::io::BufReader::new(
            std::fs::File::open(input).with_context(|| format!("{}", input.display()))?,
        ))
    };
    catalog.defer_index_writes(true);
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} {pos} records  {per_sec}  {elapsed}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
    );
    let started = std::time::Instant::now();
    let mut count = 0u64;
    for (n, line) in reader.lines().enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let mut params: Params = serde_json::from_str(&line)
            .with_context(|| format!("line {}: not a JSON object", n + 1))?;
        let action = match params.remove("kind").as_ref().and_then(Value::as_str) {
            Some("organization") => "organization_create",
            Some("group") => "group_create",
            None | Some("dataset") | Some("package") => "package_create",
            Some(other) => bail!("line {}: unknown kind {other:?}", n + 1),
        };
        if let Err(e) = catalog.call(action, &ctx, params).await {
            bar.finish_and_clear();
            bail!("line {}: {action} failed: {e:?}", n + 1);
        }
        count += 1;
        bar.set_position(count);
    }
    bar.finish_and_clear();
    let loaded = started.elapsed();
    let home = IndexHome::new(cfg.index_dir());
    let rebuilt = catalog
        .rebuild_index(&home, &|_, _| {})
        .await
        .map_err(|e| anyhow::anyhow!("rebuilding the search index: {e}"))?;
    home.remove_stale(None);
    println!(
        "imported {count} records in {:.1} s; indexed {} datasets in {:.1} s",
        loaded.as_secs_f64(),
        rebuilt.datasets,
        rebuilt.elapsed.as_secs_f64()
    );
    Ok(())
}

/// What to harvest (`kho harvest`).
#[derive(clap::Args, Debug)]
struct HarvestArgs {
    /// The source's URL: a CKAN site's base URL, or a DCAT document's (`file://` too).
    /// The name of a configured `[[harvest_sources]]` entry works as well.
    source: String,
    /// Local organization (must exist) that gets every dataset; default: the remote's,
    /// matched by name or created.
    #[arg(long)]
    org: Option<String>,
    /// Only datasets modified since then (UTC; `2026-03-01` or `2026-03-01T10:00:00`).
    /// Default: since the last error-free run of this source, less an hour.
    #[arg(long)]
    since: Option<String>,
    /// `ckan` or `dcat` (default: `dcat` for an RDF file extension, else `ckan`).
    #[arg(long = "type", value_parser = ["ckan", "dcat"])]
    source_type: Option<String>,
    /// The source's name (default: made from the URL).
    #[arg(long)]
    name: Option<String>,
    /// The source's title (the datasets' `harvest_source_title`).
    #[arg(long)]
    title: Option<String>,
    /// Ignore the last run: harvest everything, and delete what the source no longer has.
    #[arg(long)]
    full: bool,
    /// CKAN: only the datasets of this remote organization (repeatable).
    #[arg(long = "remote-org")]
    remote_orgs: Vec<String>,
    /// CKAN: an API token of the remote (sent as `Authorization`).
    #[arg(long)]
    api_key: Option<String>,
    /// The run's limit (seconds, or `30m`, `1h`); default `harvest_timeout`.
    #[arg(long)]
    timeout: Option<String>,
    /// The sysadmin the datasets are written as (default: the first active sysadmin).
    #[arg(long)]
    user: Option<String>,
}

/// The sysadmin harvests write as: `user`, else the first active sysadmin by name.
async fn harvest_ctx(catalog: &Catalog, user: Option<&str>) -> anyhow::Result<Ctx> {
    let mut tx = catalog.store().read().await?;
    let who = match user {
        Some(name) => tx
            .user_get(name)
            .await?
            .filter(|u| u.sysadmin && u.state == "active")
            .with_context(|| format!("{name} is not an active sysadmin"))?,
        None => tx
            .user_list()
            .await?
            .into_iter()
            .find(|u| u.sysadmin && u.state == "active")
            .context(
                "no active sysadmin to harvest as (create one with kho user create --sysadmin)",
            )?,
    };
    Ok(Ctx::new(
        Actor::User(ActorUser {
            id: who.id,
            name: who.name,
            sysadmin: true,
        }),
        "en",
    ))
}

/// `kho harvest`'s progress: a spinner while gathering, a bar while importing.
struct HarvestBar(indicatif::ProgressBar);

impl kho_harvest::Progress for HarvestBar {
    fn gathered(&self, found: usize) {
        self.0.set_position(found as u64);
    }

    fn importing(&self, total: usize) {
        self.0.set_style(
            indicatif::ProgressStyle::with_template("importing {bar:40} {pos}/{len}  {elapsed}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        self.0.set_length(total as u64);
        self.0.set_position(0);
    }

    fn imported(&self, done: usize) {
        self.0.set_position(done as u64);
    }
}

/// `kho harvest`: one run, recorded as a job of the source.
async fn harvest(cfg: Config, args: HarvestArgs) -> anyhow::Result<()> {
    let catalog = open(&cfg).await?;
    let configured = cfg
        .harvest_sources
        .iter()
        .find(|s| s.name == args.source)
        .cloned();
    let mut spec = match &configured {
        Some(s) => cfg.harvest_spec(s),
        None => kho_harvest::SourceSpec::for_url(&args.source),
    };
    if let Some(n) = args.name {
        spec.name = n;
    }
    if args.title.is_some() {
        spec.title = args.title;
    }
    if let Some(t) = args
        .source_type
        .as_deref()
        .and_then(kho_harvest::SourceType::parse)
    {
        spec.source_type = t;
    }
    if args.org.is_some() {
        spec.org = args.org;
    }
    if !args.remote_orgs.is_empty() {
        spec.organizations = args.remote_orgs;
    }
    if args.api_key.is_some() {
        spec.api_key = args.api_key;
    }
    let mut options = cfg.harvest_options(configured.as_ref().and_then(|s| s.timeout.as_ref()))?;
    if let Some(t) = args.timeout {
        options.timeout = config::DurationValue::Text(t).to_duration()?;
    }
    options.full = args.full;
    if let Some(since) = &args.since {
        options.since = Some(
            kho_harvest::parse_since(since)
                .with_context(|| format!("--since {since}: not a date or an ISO timestamp"))?,
        );
    }
    let ctx = harvest_ctx(&catalog, args.user.as_deref()).await?;
    let harvester = kho_harvest::Harvester::new(catalog, ctx);
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} gathering: {pos} datasets found  {elapsed}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
    );
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    let progress = HarvestBar(bar.clone());
    let summary = harvester.run(&spec, &options, &progress).await;
    bar.finish_and_clear();
    let summary = summary.map_err(|e| anyhow::anyhow!("harvest of {}: {e}", spec.url))?;
    println!(
        "harvest of {} ({}, {}): {}{}",
        spec.url,
        spec.name,
        spec.source_type.as_str(),
        summary.status,
        summary
            .since
            .as_ref()
            .map_or(String::new(), |t| format!(", changes since {t}Z"))
    );
    println!(
        "created {}, updated {}, deleted {}, unchanged {}, errors {}",
        summary.created,
        summary.updated,
        summary.deleted,
        summary.unchanged,
        summary.errors.len()
    );
    for e in &summary.errors {
        println!("error: {e}");
    }
    println!("job {}", summary.job_id);
    if summary.failed {
        bail!("the harvest of {} failed", spec.url);
    }
    Ok(())
}

/// `kho serve`'s harvest schedule: one task per configured source, each running its
/// source every `interval` (the first run at start). A failing (or panicking) run is
/// logged and recorded, and the next one comes at its time: no source stops the server
/// or another source.
/// The sharing log's retention: old entries purged at start and once a day.
fn spawn_sharing_retention(
    catalog: &Catalog,
    stopped: &tokio::sync::watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    let catalog = catalog.clone();
    let mut stopped = stopped.clone();
    tokio::spawn(async move {
        loop {
            if let Err(e) = catalog.purge_sharing_log().await {
                tracing::error!(error = %e, "sharing log retention failed");
            }
            tokio::select! {
                _ = stopped.wait_for(|stop| *stop) => return,
                _ = tokio::time::sleep(std::time::Duration::from_secs(86_400)) => {}
            }
        }
    })
}

fn spawn_harvests(
    catalog: &Catalog,
    cfg: &Config,
    stopped: &tokio::sync::watch::Receiver<bool>,
) -> anyhow::Result<Vec<tokio::task::JoinHandle<()>>> {
    let mut tasks = Vec::new();
    for source in &cfg.harvest_sources {
        let spec = cfg.harvest_spec(source);
        let options = cfg.harvest_options(source.timeout.as_ref())?;
        let interval = source.interval.to_duration()?;
        let catalog = catalog.clone();
        let mut stopped = stopped.clone();
        tasks.push(tokio::spawn(async move {
            loop {
                let run = tokio::spawn({
                    let (catalog, spec, options) = (catalog.clone(), spec.clone(), options.clone());
                    async move {
                        let ctx = harvest_ctx(&catalog, None).await?;
                        let h = kho_harvest::Harvester::new(catalog, ctx);
                        Ok::<_, anyhow::Error>(
                            h.run(&spec, &options, &kho_harvest::NoProgress).await?,
                        )
                    }
                });
                match run.await {
                    Ok(Ok(_)) => {}
                    Ok(Err(e)) => {
                        tracing::error!(source = %spec.name, error = %e, "harvest not run")
                    }
                    Err(e) => {
                        tracing::error!(source = %spec.name, error = %e, "harvest run crashed")
                    }
                }
                tokio::select! {
                    _ = tokio::time::sleep(interval) => {}
                    _ = stopped.wait_for(|stop| *stop) => break,
                }
            }
        }));
    }
    Ok(tasks)
}

fn print_table(rows: &[Vec<String>]) {
    let cols = rows.first().map(Vec::len).unwrap_or(0);
    let widths: Vec<usize> = (0..cols)
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    for r in rows {
        let line: Vec<String> = r
            .iter()
            .zip(&widths)
            .map(|(v, w)| format!("{v:<w$}"))
            .collect();
        println!("{}", line.join("  ").trim_end());
    }
}

fn s(v: &Value, k: &str) -> String {
    match v.get(k) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

/// TCP connections with Nagle's algorithm off: a large search page is sent in parts as
/// it is read, and with Nagle on a part can wait for the client's delayed ACK (40 ms on
/// Linux), which doubled a harvester's page time.
struct NoDelay(poem::listener::TcpAcceptor);

impl poem::listener::Acceptor for NoDelay {
    type Io = tokio::net::TcpStream;

    fn local_addr(&self) -> Vec<poem::web::LocalAddr> {
        self.0.local_addr()
    }

    async fn accept(
        &mut self,
    ) -> std::io::Result<(
        Self::Io,
        poem::web::LocalAddr,
        poem::web::RemoteAddr,
        poem::http::uri::Scheme,
    )> {
        let (io, local, remote, scheme) = self.0.accept().await?;
        // Best effort: a connection without it still works, only slower.
        let _ = io.set_nodelay(true);
        Ok((io, local, remote, scheme))
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let file = cli.config.as_deref();
    match cli.command {
        Command::Serve { listen, store } => {
            serve(Config::load(file, &overrides(&store, listen))?).await
        }
        Command::Reindex { store } => reindex(Config::load(file, &overrides(&store, None))?).await,
        Command::Linkcheck { dataset, store } => {
            let cfg = Config::load(file, &overrides(&store, None))?;
            let catalog = open(&cfg).await?;
            linkcheck::run(&catalog, cfg.linkcheck(), dataset.as_deref()).await
        }
        Command::Import {
            file: input,
            user,
            store,
        } => import(Config::load(file, &overrides(&store, None))?, &input, &user).await,
        Command::Harvest { args, store } => {
            harvest(Config::load(file, &overrides(&store, None))?, args).await
        }
        Command::Migrate { store } => {
            let cfg = Config::load(file, &overrides(&store, None))?;
            open(&cfg).await?;
            println!("migrations applied");
            Ok(())
        }
        Command::Config { store } => {
            let cfg = Config::load(file, &overrides(&store, None))?;
            print!("{}", cfg.redacted_toml()?);
            Ok(())
        }
        Command::Openapi => {
            // The checked-in document must not depend on local settings: it always names
            // the default server; a running server serves its own site_url.
            print!(
                "{}",
                kho_api::openapi::document(&Config::default().site_url())
            );
            Ok(())
        }
        Command::User { command } => user_cmd(file, command).await,
        Command::Token { command } => token_cmd(file, command).await,
        Command::Report { command } => report::report_cmd(file, command).await,
        Command::Export { command } => report::export_cmd(file, command).await,
        Command::SharingLog { command, store } => {
            let cfg = Config::load(file, &overrides(&store, None))?;
            sharing::run(&open_catalog(&cfg).await?, command).await
        }
    }
}

async fn user_cmd(file: Option<&std::path::Path>, command: UserCommand) -> anyhow::Result<()> {
    match command {
        UserCommand::Create {
            name,
            email,
            password,
            sysadmin,
            store,
        } => {
            let cfg = Config::load(file, &overrides(&store, None))?;
            let catalog = open(&cfg).await?;
            let generated = password.is_none();
            let password = password.unwrap_or_else(random_password);
            let u = run(
                &catalog,
                "user_create",
                json!({"name": name, "email": email, "password": password, "sysadmin": sysadmin}),
            )
            .await?;
            println!(
                "created user {} ({}){}",
                s(&u, "name"),
                s(&u, "id"),
                if sysadmin { ", sysadmin" } else { "" }
            );
            if generated {
                println!("password: {password}");
            }
            Ok(())
        }
        UserCommand::List { store } => {
            let cfg = Config::load(file, &overrides(&store, None))?;
            let catalog = open(&cfg).await?;
            let users = run(&catalog, "user_list", json!({"order_by": "name"})).await?;
            let mut rows = vec![vec![
                "NAME".to_string(),
                "EMAIL".into(),
                "SYSADMIN".into(),
                "STATE".into(),
                "ID".into(),
            ]];
            for u in users.as_array().into_iter().flatten() {
                rows.push(vec![
                    s(u, "name"),
                    s(u, "email"),
                    s(u, "sysadmin"),
                    s(u, "state"),
                    s(u, "id"),
                ]);
            }
            print_table(&rows);
            Ok(())
        }
        UserCommand::Show { name, store } => {
            let cfg = Config::load(file, &overrides(&store, None))?;
            let catalog = open(&cfg).await?;
            let u = run(&catalog, "user_show", json!({"id": name})).await?;
            println!("{}", serde_json::to_string_pretty(&u)?);
            Ok(())
        }
    }
}

async fn token_cmd(file: Option<&std::path::Path>, command: TokenCommand) -> anyhow::Result<()> {
    match command {
        TokenCommand::Create { user, name, store } => {
            let cfg = Config::load(file, &overrides(&store, None))?;
            let catalog = open(&cfg).await?;
            let t = run(
                &catalog,
                "api_token_create",
                json!({"user": user, "name": name}),
            )
            .await?;
            let token = t.get("token").and_then(Value::as_str).unwrap_or_default();
            if token.is_empty() {
                bail!("no token returned");
            }
            println!("{token}");
            Ok(())
        }
        TokenCommand::List { user, store } => {
            let cfg = Config::load(file, &overrides(&store, None))?;
            let catalog = open(&cfg).await?;
            let list = run(&catalog, "api_token_list", json!({"user_id": user})).await?;
            let mut rows = vec![vec![
                "ID".to_string(),
                "NAME".into(),
                "CREATED".into(),
                "LAST ACCESS".into(),
            ]];
            for t in list.as_array().into_iter().flatten() {
                rows.push(vec![
                    s(t, "id"),
                    s(t, "name"),
                    s(t, "created_at"),
                    s(t, "last_access"),
                ]);
            }
            print_table(&rows);
            Ok(())
        }
        TokenCommand::Revoke {
            token_id,
            reason,
            store,
        } => {
            let cfg = Config::load(file, &overrides(&store, None))?;
            let catalog = open(&cfg).await?;
            run(
                &catalog,
                "api_token_revoke",
                json!({"jti": token_id, "reason": reason}),
            )
            .await?;
            println!("revoked {token_id}");
            Ok(())
        }
    }
}
