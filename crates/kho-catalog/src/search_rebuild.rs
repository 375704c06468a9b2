//! Building an index from the store: a new generation in an index home, published when
//! complete ([`Catalog::rebuild_index`], `kho reindex`), and opening the current one at
//! start, rebuilding it first when it cannot be used ([`Catalog::open_index`]).
//!
//! A rebuild notes the change log's last number before it reads anything, reads every
//! dataset (deleted and draft ones too: `include_deleted` and `include_drafts` search
//! them) a page at a time, and commits once with that number. Whatever was committed
//! after that number is applied by the catch-up that follows (upserts from the store's
//! state, so applying a change the pages already showed does no harm), so nothing is
//! missed although the pages are read in separate transactions while writers go on.
//!
//! The work runs in parallel: this task reads a page and builds its `package_show` dicts
//! while a blocking thread turns the previous page into Tantivy documents and hands them
//! to Tantivy's indexing thread.

use std::sync::Arc;
use std::time::{Duration, Instant};

use kho_core::model::{STATE_ACTIVE, STATE_DELETED, STATE_DRAFT};
use kho_core::{Error, Result};
use kho_search::{IndexHome, IndexOp, SearchIndex, Unusable};
use kho_store::DatasetFilter;

use crate::search_sync::{blocking, join_err, search_err, tombstone_ops};
use crate::Catalog;

/// Datasets read and indexed per page.
const REBUILD_PAGE: i64 = 500;
/// The file in a generation that records what shaped its stored dicts
/// ([`Catalog::dicts_fingerprint`]).
const DICTS_FILE: &str = "kho-dicts";
/// Pages waiting for the index writer while the next ones are read.
const PAGES_AHEAD: usize = 2;

/// How a rebuild went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rebuilt {
    /// The generation written and published.
    pub generation: String,
    /// Datasets indexed.
    pub datasets: u64,
    /// The change-log number the generation is complete up to.
    pub seq: i64,
    pub elapsed: Duration,
}

/// Reports rebuild progress: datasets indexed so far, and the total expected.
pub type Progress<'a> = &'a (dyn Fn(u64, u64) + Send + Sync);

impl Catalog {
    /// Write a new generation of the index in `home` from the store and publish it (make
    /// it `CURRENT`). A server answering from the previous generation goes on doing so
    /// until it notices (see [`Catalog::follow`]); this catalogue's own index is not
    /// touched. On failure the partial generation is removed and `CURRENT` is unchanged.
    pub async fn rebuild_index(&self, home: &IndexHome, progress: Progress<'_>) -> Result<Rebuilt> {
        let started = Instant::now();
        let index = home.create_generation().map_err(search_err)?;
        let generation = index.generation().unwrap_or_default().to_owned();
        let index = Arc::new(index);
        let filled = self.fill_index(index.clone(), progress).await;
        let index = Arc::try_unwrap(index)
            .map_err(|_| Error::internal("search index: a rebuilt generation is still shared"));
        let finished = match (filled, index) {
            // Wait for merges; the writer goes with it, which releases the generation's
            // lock for the server that will open it.
            (Ok(filled), Ok(index)) => blocking(move || index.finish()).await.map(|()| filled),
            (Err(e), _) | (_, Err(e)) => Err(e),
        };
        let published = finished.and_then(|filled| {
            std::fs::write(
                home.root().join(&generation).join(DICTS_FILE),
                self.dicts_fingerprint(),
            )
            .map_err(|e| Error::Internal(format!("search index: {e}")))?;
            home.publish(&generation).map_err(search_err)?;
            Ok(filled)
        });
        match published {
            Ok((datasets, seq)) => Ok(Rebuilt {
                generation,
                datasets,
                seq,
                elapsed: started.elapsed(),
            }),
            Err(e) => {
                home.remove(&generation);
                Err(e)
            }
        }
    }

    /// Index every dataset of the store into `index` and commit with the change-log
    /// number read before the first page. Returns the datasets indexed and that number.
    pub(crate) async fn fill_index(
        &self,
        index: Arc<SearchIndex>,
        progress: Progress<'_>,
    ) -> Result<(u64, i64)> {
        let (seq, total) = {
            let mut tx = self.store().read().await?;
            let seq = tx.change_max_seq().await?;
            let every_state = DatasetFilter {
                states: [STATE_ACTIVE, STATE_DRAFT, STATE_DELETED]
                    .map(str::to_owned)
                    .to_vec(),
                ..DatasetFilter::default()
            };
            (seq, tx.package_count(&every_state).await?)
        };
        let total = u64::try_from(total).unwrap_or(0);
        let (send, mut pages) = tokio::sync::mpsc::channel::<Vec<IndexOp>>(PAGES_AHEAD);
        let writer = tokio::task::spawn_blocking(move || {
            while let Some(ops) = pages.blocking_recv() {
                index.apply(ops, None)?;
            }
            index.apply(Vec::new(), Some(seq))
        });
        // The sender goes with this block, whichever way it ends, so the writer stops.
        let read = async move {
            let mut after: Option<String> = None;
            let mut done = 0u64;
            loop {
                let page = {
                    let mut tx = self.store().read().await?;
                    let mut page = tx
                        .package_bundles_after(after.as_deref(), REBUILD_PAGE)
                        .await?;
                    crate::linkcheck::attach_all(
                        tx.as_mut(),
                        page.iter_mut().map(|b| &mut b.dataset),
                    )
                    .await?;
                    page
                };
                let Some(last) = page.last() else {
                    break;
                };
                after = Some(last.dataset.id.clone());
                done += page.len() as u64;
                let mut ops: Vec<IndexOp> = page.iter().map(|b| self.upsert_op(b)).collect();
                let ids: Vec<String> = page.iter().map(|b| b.dataset.id.clone()).collect();
                let tombstones = self.store().read().await?.tombstones_of(&ids).await?;
                ops.extend(tombstone_ops(&page, tombstones));
                if send.send(ops).await.is_err() {
                    // The writer failed; its error is the one to report.
                    break;
                }
                progress(done, total.max(done));
            }
            // Purged datasets have only their tombstones left.
            let orphaned = self.store().read().await?.tombstones_orphaned().await?;
            if !orphaned.is_empty() {
                let _ = send.send(tombstone_ops(&[], orphaned)).await;
            }
            Ok::<u64, Error>(done)
        }
        .await;
        let written = writer.await.map_err(join_err)?.map_err(search_err);
        let done = read?;
        written?;
        Ok((done, seq))
    }

    /// Serve searches from the current generation in `home`, first rebuilding it when
    /// there is none that this version can use (missing, written by another schema
    /// version, unreadable), and bring it up to date with the store. Stale generations
    /// are removed. Fails when another process holds the current generation (two servers
    /// cannot share one index directory).
    pub async fn open_index(&self, home: &IndexHome) -> Result<()> {
        let opened = match home.open_current() {
            // Usable, but are its dicts what this server would build?
            Ok(index) if self.dicts_match(home, index.generation().unwrap_or_default()) => {
                Ok(index)
            }
            Ok(_) => Err(
                "its dataset dicts were built by another kho version or with other \
                 site_url, profiles or licenses"
                    .to_owned(),
            ),
            Err(Unusable::Missing) => Err(String::new()),
            Err(why) => {
                if let (Unusable::Unreadable(_), Some(current)) = (&why, home.current()) {
                    if home.in_use(&current) {
                        return Err(Error::Internal(format!(
                            "the search index {} is in use by another process; \
                             give each server its own index directory",
                            home.root().join(current).display()
                        )));
                    }
                }
                Err(why.to_string())
            }
        };
        let index = match opened {
            Ok(index) => index,
            Err(why) => {
                if why.is_empty() {
                    tracing::info!(
                        dir = %home.root().display(),
                        "no search index yet: building it from the store"
                    );
                } else {
                    tracing::warn!(
                        dir = %home.root().display(),
                        reason = %why,
                        "the search index cannot be used: rebuilding it from the store"
                    );
                }
                let rebuilt = self.rebuild_index(home, &log_progress()).await?;
                tracing::info!(
                    generation = %rebuilt.generation,
                    datasets = rebuilt.datasets,
                    seconds = rebuilt.elapsed.as_secs_f64(),
                    "search index rebuilt"
                );
                home.open_current()
                    .map_err(|e| Error::Internal(format!("search index: {e}")))?
            }
        };
        let generation = index.generation().unwrap_or_default().to_owned();
        let applied = self.adopt_index(Arc::new(index)).await?;
        let index = self.search_index();
        tracing::info!(
            %generation,
            datasets = index.num_docs(),
            seq = index.last_seq(),
            caught_up = applied,
            "search index ready"
        );
        home.remove_stale(None);
        Ok(())
    }
}

impl Catalog {
    /// What the stored `package_show` dicts depend on besides the data: this kho's
    /// version and the settings that shape a dict (`site_url`, the profiles, the licenses).
    /// A generation built under another fingerprint is rebuilt at start.
    pub(crate) fn dicts_fingerprint(&self) -> String {
        use sha2::Digest;
        let c = self.config();
        let shaping = format!(
            "{}\n{}\n{:?}\n{:?}",
            env!("CARGO_PKG_VERSION"),
            c.site_url,
            c.profiles,
            c.licenses
        );
        hex::encode(sha2::Sha256::digest(shaping.as_bytes()))
    }

    /// Were the dicts of `generation` built under this catalogue's fingerprint?
    pub(crate) fn dicts_match(&self, home: &IndexHome, generation: &str) -> bool {
        std::fs::read_to_string(home.root().join(generation).join(DICTS_FILE))
            .is_ok_and(|f| f.trim() == self.dicts_fingerprint())
    }
}

/// Progress for the log: a line at every tenth of the way.
fn log_progress() -> impl Fn(u64, u64) + Send + Sync {
    let logged = std::sync::atomic::AtomicU64::new(0);
    move |done, total| {
        let tenth = (done * 10).checked_div(total).unwrap_or(10);
        if tenth > logged.swap(tenth, std::sync::atomic::Ordering::Relaxed) && tenth < 10 {
            tracing::info!(done, total, "rebuilding the search index");
        }
    }
}
