//! The index follows the store: every committed change-log entry after the index's last
//! applied number is turned into index operations, applied and committed with that number.
//! A write action calls this before it answers (read-your-writes); a node following
//! another node's writes calls it when woken or on a timer ([`crate::Catalog::follow`]);
//! at start it catches up.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use kho_core::dataset::PackageDictOptions;
use kho_core::{Error, Result};
use kho_search::{IndexOp, SearchIndex};
use kho_store::{DatasetBundle, Tx};

use crate::actions::datasets::dict_of;
use crate::Catalog;

/// Change-log entries read per round.
const BATCH: i64 = 500;

pub(crate) fn search_err(e: kho_search::SearchError) -> Error {
    Error::Internal(format!("search index: {e}"))
}

pub(crate) fn join_err(e: tokio::task::JoinError) -> Error {
    Error::Internal(format!("search index: {e}"))
}

/// Run blocking index work (Tantivy writes, commits, merges) off the async workers.
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> std::result::Result<T, kho_search::SearchError> + Send + 'static,
) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(join_err)?
        .map_err(search_err)
}

impl Catalog {
    /// Run a search on the blocking pool, one per `search_concurrency` turn. More at once
    /// would not answer sooner (each is CPU-bound) and would hold more pages in memory:
    /// a `rows=1000` page is megabytes until it is sent.
    pub(crate) async fn searching<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> std::result::Result<T, kho_search::SearchError> + Send + 'static,
    ) -> Result<std::result::Result<T, kho_search::SearchError>> {
        // The semaphore is never closed. The turn goes with the work: a request dropped
        // while its search runs (the client went away) does not free the turn early.
        let turn = self
            .inner
            .search_permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|e| Error::Internal(format!("search: {e}")))?;
        tokio::task::spawn_blocking(move || {
            let _turn = turn;
            f()
        })
        .await
        .map_err(join_err)
    }

    /// The index searches read from (swapped whole by a rebuild).
    pub fn search_index(&self) -> Arc<SearchIndex> {
        match self.inner.search.read() {
            Ok(g) => g.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }

    /// Serve searches from `index` from now on, as it is. [`Catalog::adopt_index`] brings
    /// it up to date first.
    pub fn replace_search_index(&self, index: Arc<SearchIndex>) {
        index.set_cache_entries(self.config().search_cache_entries);
        match self.inner.search.write() {
            Ok(mut g) => *g = index,
            Err(p) => *p.into_inner() = index,
        }
    }

    /// Bring `index` (a generation just opened or rebuilt) up to date with the store, then
    /// serve searches from it. No write's index update can fall between the two, so
    /// read-your-writes holds across the swap. Returns the number of change-log entries
    /// applied.
    pub async fn adopt_index(&self, index: Arc<SearchIndex>) -> Result<usize> {
        let _one_at_a_time = self.inner.sync_lock.lock().await;
        let applied = self.sync_locked(&index).await?;
        self.replace_search_index(index);
        Ok(applied)
    }

    /// Apply every change committed after the index's last applied number. Returns the
    /// number of change-log entries applied.
    pub async fn sync_index(&self) -> Result<usize> {
        let _one_at_a_time = self.inner.sync_lock.lock().await;
        self.sync_locked(&self.search_index()).await
    }

    /// Bring the index up to date with the store. An index that has applied nothing yet
    /// (the fresh in-memory index of [`Catalog::new`]) is first filled from a full read of
    /// the store, as a rebuild does, which is far faster than replaying the whole change
    /// log; then the changes committed since are applied. Returns the number of datasets
    /// indexed and change-log entries applied.
    pub async fn catch_up_index(&self) -> Result<usize> {
        let _one_at_a_time = self.inner.sync_lock.lock().await;
        let index = self.search_index();
        let mut done = 0;
        if index.last_seq() == 0 {
            let (datasets, _) = self.fill_index(index.clone(), &|_, _| {}).await?;
            done += usize::try_from(datasets).unwrap_or(usize::MAX);
        }
        Ok(done + self.sync_locked(&index).await?)
    }

    /// Mark the index (an empty in-memory one) as having applied every change committed
    /// so far, so that syncs apply only later ones: for short-lived tools that write but
    /// never search (the command line), which would otherwise index the whole store on
    /// their first write.
    pub async fn index_from_now(&self) -> Result<()> {
        let _one_at_a_time = self.inner.sync_lock.lock().await;
        let seq = self.store().read().await?.change_max_seq().await?;
        let index = self.search_index();
        blocking(move || index.apply(Vec::new(), Some(seq))).await
    }

    /// [`Catalog::sync_index`] into `index`, the sync lock held.
    async fn sync_locked(&self, index: &Arc<SearchIndex>) -> Result<usize> {
        let mut applied = 0;
        loop {
            let after = index.last_seq();
            let mut tx = self.store().read().await?;
            let changes = tx.changes_since(after, BATCH).await?;
            let Some(last) = changes.last().map(|c| c.seq) else {
                break;
            };
            let mut packages = BTreeSet::new();
            for ch in &changes {
                match ch.entity_type.as_str() {
                    "package" => {
                        packages.insert(ch.entity_id.clone());
                    }
                    // Datasets show their organization's and groups' names and titles.
                    "organization" | "group" => {
                        packages.extend(tx.package_ids_in_group(&ch.entity_id).await?);
                    }
                    _ => {}
                }
            }
            let ops = self.index_ops(tx.as_mut(), packages).await?;
            drop(tx);
            applied += changes.len();
            let writing = index.clone();
            blocking(move || writing.apply(ops, Some(last))).await?;
        }
        if applied > 0 {
            tracing::debug!(
                applied,
                seq = index.last_seq(),
                datasets = index.num_docs(),
                "search index synced"
            );
        }
        Ok(applied)
    }

    /// The index operations that bring these datasets up to date: the stored ones
    /// upserted (loaded together, seven queries per 1,000), the others deleted.
    pub(crate) async fn index_ops(
        &self,
        tx: &mut dyn Tx,
        ids: BTreeSet<String>,
    ) -> Result<Vec<IndexOp>> {
        let ids: Vec<String> = ids.into_iter().collect();
        let mut bundles = tx.package_bundles(&ids).await?;
        crate::linkcheck::attach_all(tx, bundles.iter_mut().map(|b| &mut b.dataset)).await?;
        let found: HashSet<&str> = bundles.iter().map(|b| b.dataset.id.as_str()).collect();
        let mut ops: Vec<IndexOp> = ids
            .iter()
            .filter(|id| !found.contains(id.as_str()))
            .map(|id| IndexOp::Delete { id: id.clone() })
            .collect();
        ops.extend(bundles.iter().map(|b| self.upsert_op(b)));
        let tombstones = tx.tombstones_of(&ids).await?;
        ops.extend(tombstone_ops(&bundles, tombstones));
        Ok(ops)
    }

    /// The upsert of one dataset: its `package_show` dict (built as `package_show` builds
    /// it) and its permission labels.
    pub(crate) fn upsert_op(&self, b: &DatasetBundle) -> IndexOp {
        IndexOp::Upsert {
            dict: dict_of(
                self,
                &b.dataset,
                b.organization.as_ref(),
                &b.groups,
                b.data_updated,
                PackageDictOptions::default(),
            ),
            labels: kho_core::visibility::dataset_labels(&b.dataset),
            aliases: Vec::new(),
        }
    }
}

/// The tombstone twins of these datasets (after their upserts or deletes): the dict anyone
/// asking for `include_deleted` sees, hiding from whoever can read the dataset's own
/// document (`bundles` holds those still stored; purged ones have none).
pub(crate) fn tombstone_ops(
    bundles: &[DatasetBundle],
    tombstones: Vec<kho_core::model::Tombstone>,
) -> Vec<IndexOp> {
    let own: HashMap<&str, (Vec<String>, &str)> = bundles
        .iter()
        .map(|b| {
            (
                b.dataset.id.as_str(),
                (
                    kho_core::visibility::dataset_labels(&b.dataset),
                    b.dataset.state.as_str(),
                ),
            )
        })
        .collect();
    tombstones
        .into_iter()
        .filter_map(|t| {
            let (hidden_labels, own_state) = match own.get(t.package_id.as_str()) {
                Some((labels, state)) => (labels.clone(), Some((*state).to_owned())),
                None => (Vec::new(), None),
            };
            // The store removes a tombstone when its dataset is open again; never show
            // one beside an open dataset whatever the order of events.
            if hidden_labels
                .iter()
                .any(|l| l == kho_core::visibility::PUBLIC_LABEL)
            {
                return None;
            }
            Some(IndexOp::Tombstone {
                dict: tombstone_dict(&t),
                hidden_labels,
                own_state,
            })
        })
        .collect()
}

/// What a harvester is shown of a dataset that was open and no longer is.
pub(crate) fn tombstone_dict(
    t: &kho_core::model::Tombstone,
) -> serde_json::Map<String, serde_json::Value> {
    let mut m = serde_json::Map::new();
    m.insert("id".into(), t.package_id.clone().into());
    m.insert(
        "metadata_modified".into(),
        kho_core::time::isoformat(&t.left_at).into(),
    );
    m.insert("name".into(), t.name.clone().into());
    m.insert("state".into(), kho_core::model::STATE_DELETED.into());
    m
}
