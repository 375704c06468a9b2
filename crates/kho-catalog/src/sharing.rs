//! The sharing log's writer (regulations, requirement 11): reads of non-open data are
//! queued and written by one background task, a batch per transaction, so that a read
//! does not wait for a write (nor, on SQLite, for the single writer's turn).
//!
//! Nothing is dropped while the process lives: when the queue is full, a read waits for
//! room (back-pressure). What a crash can lose is what sits in the queue, which the task
//! empties as fast as the store takes it; [`Catalog::flush_sharing_log`] waits until it is
//! written (the server calls it on shutdown, and `sharing_log_list` before reading).

use std::collections::HashMap;

use kho_core::Result;
use kho_store::SharingEntry;
use tokio::sync::{mpsc, oneshot};

use crate::download::RestrictedRead;
use crate::{Catalog, Ctx};

/// Entries waiting for the writer before a read has to wait for room.
const QUEUE: usize = 8192;
/// Most entries written in one transaction.
const BATCH: usize = 1024;
/// How long the writer gathers entries after the first of a batch, unless a flush is
/// asked for: a transaction per read would cost the reads more than the log itself
/// (BENCHMARKS.md). Entries are in memory this long at most before they are written.
const GATHER: std::time::Duration = std::time::Duration::from_millis(100);

enum Job {
    Entry(Box<SharingEntry>),
    Flush(oneshot::Sender<()>),
}

pub(crate) struct Writer {
    queue: mpsc::Sender<Job>,
}

impl Catalog {
    fn sharing_writer(&self) -> &Writer {
        self.inner.sharing.get_or_init(|| {
            let (queue, rx) = mpsc::channel(QUEUE);
            tokio::spawn(write_loop(self.store().clone(), rx));
            Writer { queue }
        })
    }

    /// Record one read of non-open data by an account (anonymous callers are not
    /// recorded: they never read non-open data, and a refusal to them names no one).
    pub(crate) async fn log_restricted_read(&self, ctx: &Ctx, read: &RestrictedRead<'_>) {
        let Some(user) = ctx.actor.user() else {
            return;
        };
        tracing::info!(
            target: "kho::sharing",
            actor = %user.name,
            dataset = %read.dataset.id,
            organization = read.dataset.owner_org.as_deref().unwrap_or(""),
            resource = read.resource.map(|r| r.id.as_str()).unwrap_or(""),
            action = read.action,
            outcome = read.outcome,
            "read of non-open data"
        );
        if !self.config().sharing_log_enabled {
            return;
        }
        let entry = SharingEntry {
            id: 0,
            at: kho_core::time::now_utc(),
            user_id: user.id.clone(),
            user_name: user.name.clone(),
            // Filled in by the writer (a store read the caller need not wait for).
            user_organizations: Vec::new(),
            organization_id: read.dataset.owner_org.clone(),
            dataset_id: read.dataset.id.clone(),
            resource_id: read.resource.map(|r| r.id.clone()),
            action: read.action.to_owned(),
            client_address: ctx.peer.clone().or_else(|| ctx.client.clone()),
            user_agent: ctx.user_agent.clone(),
            outcome: read.outcome.to_owned(),
        };
        if self
            .sharing_writer()
            .queue
            .send(Job::Entry(Box::new(entry)))
            .await
            .is_err()
        {
            tracing::error!(target: "kho::sharing", "the sharing log writer has stopped");
        }
    }

    /// Wait until every entry queued so far is written.
    pub async fn flush_sharing_log(&self) {
        let Some(writer) = self.inner.sharing.get() else {
            return;
        };
        let (done, wait) = oneshot::channel();
        if writer.queue.send(Job::Flush(done)).await.is_ok() {
            let _ = wait.await;
        }
    }

    /// The operator's read of the sharing log (`kho sharing-log export`): the entries
    /// `query` selects, of the datasets of `organization` (id or name) if given, after
    /// writing what is queued. `(number matching, the page)`.
    pub async fn sharing_log_read(
        &self,
        organization: Option<&str>,
        mut query: kho_store::SharingLogQuery,
    ) -> Result<(i64, Vec<SharingEntry>)> {
        self.flush_sharing_log().await;
        let mut tx = self.store().read().await?;
        if let Some(o) = organization {
            let org = tx
                .group_get(o)
                .await?
                .filter(|g| g.is_organization)
                .ok_or_else(|| kho_core::Error::not_found("Organization not found"))?;
            query.organization_ids = Some(vec![org.id]);
        }
        Ok(tx.sharing_log_query(&query).await?)
    }

    /// Delete the sharing log's entries older than the retention period
    /// (`sharing_log_retention_days`; 0 keeps everything). How many were deleted.
    pub async fn purge_sharing_log(&self) -> Result<u64> {
        let days = self.config().sharing_log_retention_days;
        if days == 0 {
            return Ok(0);
        }
        let before = kho_core::time::now_utc() - chrono::Duration::days(i64::from(days));
        let mut tx = self.store().begin().await?;
        let n = tx.sharing_log_purge(before).await?;
        tx.commit().await?;
        if n > 0 {
            tracing::info!(target: "kho::sharing", purged = n, days, "sharing log retention");
        }
        Ok(n)
    }
}

async fn write_loop(store: std::sync::Arc<dyn kho_store::Store>, mut rx: mpsc::Receiver<Job>) {
    let mut orgs = OrgCache::default();
    while let Some(first) = rx.recv().await {
        let mut entries = Vec::new();
        let mut flushes = Vec::new();
        let mut next = Some(first);
        let deadline = tokio::time::Instant::now() + GATHER;
        while let Some(job) = next.take() {
            match job {
                Job::Entry(e) => entries.push(*e),
                Job::Flush(done) => {
                    flushes.push(done);
                    break;
                }
            }
            if entries.len() >= BATCH {
                break;
            }
            // Until the deadline; a closed queue ends the batch (and then the loop).
            next = tokio::time::timeout_at(deadline, rx.recv())
                .await
                .ok()
                .flatten();
        }
        if !entries.is_empty() {
            if let Err(e) = write_batch(&*store, &mut orgs, &mut entries).await {
                // The entries are in the tracing log (`kho::sharing`) at least.
                tracing::error!(
                    target: "kho::sharing",
                    error = %e,
                    lost = entries.len(),
                    "sharing log entries not written"
                );
            }
        }
        for done in flushes {
            let _ = done.send(());
        }
    }
}

/// Each account's organizations, as the writer last read them: a few seconds old at
/// most, so a burst of reads by one account costs one membership read, not one a batch.
#[derive(Default)]
struct OrgCache {
    by_user: HashMap<String, (std::time::Instant, Vec<String>)>,
}

/// How long a cached membership is used.
const ORG_CACHE_TTL: std::time::Duration = std::time::Duration::from_secs(10);

impl OrgCache {
    async fn of(&mut self, tx: &mut dyn kho_store::Tx, user_id: &str) -> Result<Vec<String>> {
        if let Some((at, names)) = self.by_user.get(user_id) {
            if at.elapsed() < ORG_CACHE_TTL {
                return Ok(names.clone());
            }
        }
        let mut names = Vec::new();
        for m in tx.member_of(user_id, "user").await? {
            if m.state != kho_core::model::STATE_ACTIVE {
                continue;
            }
            if let Some(g) = tx.group_get(&m.group_id).await? {
                if g.is_organization && g.state == kho_core::model::STATE_ACTIVE {
                    names.push(g.name);
                }
            }
        }
        names.sort();
        if self.by_user.len() > 10_000 {
            self.by_user.clear();
        }
        self.by_user.insert(
            user_id.to_owned(),
            (std::time::Instant::now(), names.clone()),
        );
        Ok(names)
    }
}

async fn write_batch(
    store: &dyn kho_store::Store,
    orgs: &mut OrgCache,
    entries: &mut [SharingEntry],
) -> Result<()> {
    let mut tx = store.begin().await?;
    for e in entries.iter_mut() {
        e.user_organizations = orgs.of(tx.as_mut(), &e.user_id).await?;
    }
    tx.sharing_log_append(entries).await?;
    tx.commit().await?;
    Ok(())
}
