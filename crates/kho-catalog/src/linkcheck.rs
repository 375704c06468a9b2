//! The background link checker: finds resource URLs due for a check, asks each one's
//! server whether it answers (HEAD, or a one-byte ranged GET when HEAD is refused), stores
//! the result on the resource and reindexes the dataset, whose quality score reads it
//! (accessibility). It runs beside the server, never inside a request.
//!
//! Limits: at most `concurrency` checks at once, at most `per_host_per_minute` per host
//! (a host over its quota is left for a later pass, never waited for), a timeout per
//! request, a bounded number of redirects. Private, loopback and link-local addresses are
//! refused (server-side request forgery) unless `allow_private` is set, both for address
//! literals and for what a host name resolves to, at every redirect.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use kho_core::model::{Dataset, LinkCheck, LinkTarget};
use kho_core::quality::{LINK_CHECKED, LINK_ERROR, LINK_STATUS, LINK_STATUS_CODE};
use kho_core::{Error, Result};
use kho_store::Tx;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::Catalog;

/// The `[linkcheck]` settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LinkCheckConfig {
    /// Run the checker in `kho serve`.
    pub enabled: bool,
    /// Seconds between passes of the background checker.
    pub interval_seconds: u64,
    /// A result older than this many hours is checked again.
    pub recheck_hours: u64,
    /// URLs checked per pass at most.
    pub batch: usize,
    /// Checks under way at once.
    pub concurrency: usize,
    /// Checks per host and minute at most (a host's quota starts full).
    pub per_host_per_minute: u32,
    /// Seconds a check may take (connection, redirects and answer head).
    pub timeout_seconds: u64,
    /// Redirects followed at most.
    pub max_redirects: usize,
    /// The `User-Agent` sent; empty: `kho-linkcheck/<version>`.
    pub user_agent: String,
    /// Also check private, loopback and link-local addresses (tests, closed networks).
    pub allow_private: bool,
}

impl Default for LinkCheckConfig {
    fn default() -> Self {
        LinkCheckConfig {
            enabled: true,
            interval_seconds: 300,
            recheck_hours: 24 * 7,
            batch: 200,
            concurrency: 4,
            per_host_per_minute: 30,
            timeout_seconds: 15,
            max_redirects: 5,
            user_agent: String::new(),
            allow_private: false,
        }
    }
}

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct PassSummary {
    /// URLs due when the pass began (at most `batch`).
    pub due: usize,
    pub ok: usize,
    pub broken: usize,
    /// Left for a later pass: their host's quota was spent.
    pub deferred: usize,
}

/// The answer to one URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub status_code: Option<u16>,
    pub ok: bool,
    pub error: Option<String>,
    pub content_type: Option<String>,
}

impl Outcome {
    fn failed(error: impl Into<String>) -> Self {
        Outcome {
            status_code: None,
            ok: false,
            error: Some(error.into()),
            content_type: None,
        }
    }
}

/// Addresses a public catalogue must not make requests to on a publisher's say-so.
pub fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                // 100.64.0.0/10 (carrier-grade NAT) and 0.0.0.0/8.
                || (o[0] == 100 && (o[1] & 0xc0) == 64)
                || o[0] == 0
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_private(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
        }
    }
}

/// Name resolution that drops refused addresses, so that neither the first request nor a
/// redirect reaches them through a host name.
struct PublicResolver;

impl reqwest::dns::Resolve for PublicResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .filter(|a| !is_private(a.ip()))
                .collect();
            if found.is_empty() {
                return Err(format!("{host}: no public address").into());
            }
            let addrs: reqwest::dns::Addrs = Box::new(found.into_iter());
            Ok(addrs)
        })
    }
}

/// Is this URL's host an address literal that is refused (or `localhost`)? Names are
/// judged by what they resolve to ([`PublicResolver`]).
fn host_refused(url: &reqwest::Url) -> bool {
    let Some(host) = url.host_str() else {
        return true;
    };
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    match bare.parse::<IpAddr>() {
        Ok(ip) => is_private(ip),
        Err(_) => {
            let lower = bare.to_ascii_lowercase();
            lower == "localhost" || lower.ends_with(".localhost")
        }
    }
}

/// Checks URLs within the configured limits. One per pass or per server.
pub struct LinkChecker {
    client: reqwest::Client,
    limiter: DefaultKeyedRateLimiter<String>,
    cfg: LinkCheckConfig,
}

impl std::fmt::Debug for LinkChecker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LinkChecker")
            .field("cfg", &self.cfg)
            .finish_non_exhaustive()
    }
}

impl LinkChecker {
    pub fn new(cfg: &LinkCheckConfig) -> Result<Self> {
        let max_redirects = cfg.max_redirects;
        let allow_private = cfg.allow_private;
        let policy = reqwest::redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() > max_redirects {
                attempt.error("too many redirects")
            } else if !allow_private && host_refused(attempt.url()) {
                attempt.error("redirected to a private address")
            } else {
                attempt.follow()
            }
        });
        let agent = if cfg.user_agent.is_empty() {
            format!("kho-linkcheck/{}", env!("CARGO_PKG_VERSION"))
        } else {
            cfg.user_agent.clone()
        };
        let mut builder = reqwest::Client::builder()
            .user_agent(agent)
            .redirect(policy)
            .timeout(Duration::from_secs(cfg.timeout_seconds.max(1)))
            .connect_timeout(Duration::from_secs(cfg.timeout_seconds.max(1)));
        if !allow_private {
            builder = builder.dns_resolver(Arc::new(PublicResolver));
        }
        let client = builder
            .build()
            .map_err(|e| Error::Internal(format!("link checker: {e}")))?;
        let per_minute = NonZeroU32::new(cfg.per_host_per_minute).unwrap_or(NonZeroU32::MIN);
        Ok(LinkChecker {
            client,
            limiter: RateLimiter::keyed(Quota::per_minute(per_minute)),
            cfg: cfg.clone(),
        })
    }

    /// May this URL's host be asked now? Spends one of its quota when it may.
    fn take_turn(&self, url: &reqwest::Url) -> bool {
        let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
        self.limiter.check_key(&host).is_ok()
    }

    /// Ask a URL's server whether it answers.
    pub async fn check(&self, url: &str) -> Outcome {
        let Ok(parsed) = reqwest::Url::parse(url.trim()) else {
            return Outcome::failed("not a valid URL");
        };
        self.check_parsed(parsed).await
    }

    async fn check_parsed(&self, url: reqwest::Url) -> Outcome {
        if !matches!(url.scheme(), "http" | "https") {
            return Outcome::failed("only http and https links are checked");
        }
        if !self.cfg.allow_private && host_refused(&url) {
            return Outcome::failed("refused: a private address");
        }
        let head = self.client.head(url.clone()).send().await;
        let answer = match head {
            // Servers that refuse or do not implement HEAD are asked for one byte.
            Ok(r) if matches!(r.status().as_u16(), 403 | 405 | 501) => {
                self.client
                    .get(url)
                    .header(reqwest::header::RANGE, "bytes=0-0")
                    .send()
                    .await
            }
            other => other,
        };
        match answer {
            Ok(r) => {
                let status = r.status();
                let content_type = r
                    .headers()
                    .get(reqwest::header::CONTENT_TYPE)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned);
                // The body is not read: dropping the answer closes it.
                Outcome {
                    status_code: Some(status.as_u16()),
                    ok: status.is_success(),
                    error: (!status.is_success()).then(|| format!("HTTP {}", status.as_u16())),
                    content_type,
                }
            }
            Err(e) => Outcome::failed(describe(&e)),
        }
    }
}

fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        return "timed out".into();
    }
    if e.is_redirect() {
        let mut text = e.to_string();
        let mut source = std::error::Error::source(e);
        while let Some(s) = source {
            text = s.to_string();
            source = s.source();
        }
        return text;
    }
    if e.is_connect() {
        let mut text = "could not connect".to_owned();
        let mut source = std::error::Error::source(e);
        while let Some(s) = source {
            text = format!("could not connect: {s}");
            source = s.source();
        }
        return text;
    }
    e.to_string()
}

/// Show a dataset's stored link-check results on its resources (`link_status`,
/// `link_checked`, `link_status_code`, `link_error`), as resource extras of the loaded
/// copy: package_show, resource_show and the index read them from there. A result for
/// another URL than the resource's current one is stale and not shown.
pub fn attach(d: &mut Dataset, checks: &[LinkCheck]) {
    if checks.is_empty() {
        return;
    }
    let by_resource: HashMap<&str, &LinkCheck> =
        checks.iter().map(|c| (c.resource_id.as_str(), c)).collect();
    for r in &mut d.resources {
        let Some(c) = by_resource.get(r.id.as_str()) else {
            continue;
        };
        if c.url != r.url {
            continue;
        }
        let mut extras: Map<String, Value> = match serde_json::from_str(&r.extras) {
            Ok(Value::Object(m)) => m,
            _ => Map::new(),
        };
        extras.insert(
            LINK_STATUS.into(),
            if c.ok { "ok" } else { "broken" }.into(),
        );
        extras.insert(
            LINK_CHECKED.into(),
            kho_core::time::isoformat(&c.checked_at).into(),
        );
        extras.insert(
            LINK_STATUS_CODE.into(),
            c.status_code.map_or(Value::Null, Value::from),
        );
        extras.insert(
            LINK_ERROR.into(),
            c.error.clone().map_or(Value::Null, Value::from),
        );
        r.extras = Value::Object(extras).to_string();
    }
}

/// Load and attach the link-check results of these datasets.
pub(crate) async fn attach_all<'a>(
    tx: &mut dyn Tx,
    datasets: impl IntoIterator<Item = &'a mut Dataset>,
) -> Result<()> {
    let mut all: Vec<&mut Dataset> = datasets.into_iter().collect();
    let ids: Vec<String> = all
        .iter()
        .filter(|d| !d.resources.is_empty())
        .map(|d| d.id.clone())
        .collect();
    if ids.is_empty() {
        return Ok(());
    }
    let checks = tx.link_checks_of(&ids).await?;
    let mut by_dataset: HashMap<&str, Vec<LinkCheck>> = HashMap::new();
    for c in &checks {
        by_dataset
            .entry(c.dataset_id.as_str())
            .or_default()
            .push(c.clone());
    }
    for d in &mut all {
        if let Some(cs) = by_dataset.get(d.id.as_str()) {
            attach(d, cs);
        }
    }
    Ok(())
}

impl Catalog {
    /// One pass of the link checker: up to `batch` due URLs (of one dataset, id or name,
    /// when given), checked within the limits, each result stored with a change-log entry
    /// of its dataset, then the index brought up to date. `progress(done, total)` is
    /// called as checks finish.
    pub async fn linkcheck_pass(
        &self,
        checker: &LinkChecker,
        dataset: Option<&str>,
        progress: &(dyn Fn(u64, u64) + Sync),
    ) -> Result<PassSummary> {
        let cfg = &checker.cfg;
        let now = kho_core::time::now_utc();
        let hours = i64::try_from(cfg.recheck_hours).unwrap_or(i64::MAX / 3600);
        let before = now - chrono::Duration::hours(hours.min(24 * 365 * 100));
        let targets = {
            let mut tx = self.store().read().await?;
            let dataset_id = match dataset {
                Some(name_or_id) => Some(
                    tx.package_get(name_or_id)
                        .await?
                        .ok_or(Error::NotFound(None))?
                        .id,
                ),
                None => None,
            };
            let limit = i64::try_from(cfg.batch.max(1)).unwrap_or(i64::MAX);
            tx.link_targets(dataset_id.as_deref(), &before, limit)
                .await?
        };
        let mut summary = PassSummary {
            due: targets.len(),
            ..PassSummary::default()
        };
        // Hosts over quota are decided before any request goes out, in order, so that
        // which URLs wait does not depend on timing.
        let mut now_due: Vec<(LinkTarget, Option<reqwest::Url>)> = Vec::new();
        for t in targets {
            match reqwest::Url::parse(t.url.trim()) {
                Ok(u) if !checker.take_turn(&u) => summary.deferred += 1,
                Ok(u) => now_due.push((t, Some(u))),
                Err(_) => now_due.push((t, None)),
            }
        }
        let total = now_due.len() as u64;
        let mut done = 0u64;
        let mut touched: HashSet<String> = HashSet::new();
        let concurrency = cfg.concurrency.max(1);
        use futures_util::StreamExt;
        let mut results =
            futures_util::stream::iter(now_due.into_iter().map(|(t, u)| async move {
                let outcome = match u {
                    Some(u) => checker.check_parsed(u).await,
                    None => Outcome::failed("not a valid URL"),
                };
                (t, outcome)
            }))
            .buffer_unordered(concurrency);
        while let Some((t, outcome)) = results.next().await {
            let check = LinkCheck {
                resource_id: t.resource_id,
                dataset_id: t.dataset_id.clone(),
                url: t.url,
                checked_at: kho_core::time::now_utc(),
                status_code: outcome.status_code.map(i64::from),
                ok: outcome.ok,
                error: outcome.error,
                content_type: outcome.content_type,
            };
            let mut tx = self.store().begin().await?;
            tx.link_check_put(&check).await?;
            // The dataset's score reads the result: reindex it as any write would.
            tx.change_append("package", &t.dataset_id, "update").await?;
            tx.commit().await?;
            touched.insert(t.dataset_id);
            if check.ok {
                summary.ok += 1;
            } else {
                summary.broken += 1;
            }
            done += 1;
            progress(done, total);
        }
        if !touched.is_empty() {
            self.sync_index().await?;
        }
        Ok(summary)
    }

    /// The background checker of `kho serve`: a pass every `interval_seconds` until
    /// `shutdown` completes (a pass under way is dropped then: its stored results stay).
    pub async fn run_link_checker(&self, cfg: LinkCheckConfig, shutdown: impl Future<Output = ()>) {
        let mut shutdown = std::pin::pin!(shutdown);
        let checker = match LinkChecker::new(&cfg) {
            Ok(c) => c,
            Err(e) => {
                tracing::error!(error = %e, "link checker not started");
                return;
            }
        };
        let interval = Duration::from_secs(cfg.interval_seconds.max(1));
        loop {
            tokio::select! {
                biased;
                _ = &mut shutdown => break,
                r = self.linkcheck_pass(&checker, None, &|_, _| {}) => match r {
                    Ok(s) if s.due > 0 => tracing::info!(
                        ok = s.ok, broken = s.broken, deferred = s.deferred, "link check pass"
                    ),
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "link check pass failed"),
                },
            }
            tokio::select! {
                biased;
                _ = &mut shutdown => break,
                _ = tokio::time::sleep(interval) => {}
            }
        }
    }
}
