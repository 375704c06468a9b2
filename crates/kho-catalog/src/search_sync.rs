//! The index follows the store: every committed change-log entry after the index's last
//! applied number is turned into index operations, applied and committed with that number.
//! A write action calls this before it answers (read-your-writes); a node following
//! another node's writes calls it when woken or on a timer; at start it catches up.

use std::collections::BTreeSet;
use std::sync::Arc;

use kho_core::dataset::PackageDictOptions;
use kho_core::{Error, Result};
use kho_search::{IndexOp, SearchIndex};
use kho_store::Tx;

use crate::actions::datasets::dataset_dict;
use crate::Catalog;

/// Change-log entries read per round.
const BATCH: i64 = 500;

fn search_err(e: kho_search::SearchError) -> Error {
    Error::Internal(format!("search index: {e}"))
}

impl Catalog {
    /// The index searches read from (swapped whole by a rebuild).
    pub fn search_index(&self) -> Arc<SearchIndex> {
        match self.inner.search.read() {
            Ok(g) => g.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }

    /// Serve searches from `index` from now on (a rebuilt generation). Call
    /// [`Catalog::sync_index`] afterwards so it catches up.
    pub fn replace_search_index(&self, index: Arc<SearchIndex>) {
        match self.inner.search.write() {
            Ok(mut g) => *g = index,
            Err(p) => *p.into_inner() = index,
        }
    }

    /// Apply every change committed after the index's last applied number. Returns the
    /// number of change-log entries applied.
    pub async fn sync_index(&self) -> Result<usize> {
        let _one_at_a_time = self.inner.sync_lock.lock().await;
        let index = self.search_index();
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
            let index = index.clone();
            tokio::task::spawn_blocking(move || index.apply(ops, Some(last)))
                .await
                .map_err(|e| Error::Internal(format!("search index: {e}")))?
                .map_err(search_err)?;
        }
        Ok(applied)
    }

    /// The index operations that bring these datasets up to date.
    pub(crate) async fn index_ops(
        &self,
        tx: &mut dyn Tx,
        ids: impl IntoIterator<Item = String>,
    ) -> Result<Vec<IndexOp>> {
        let mut ops = Vec::new();
        for id in ids {
            match tx.package_get(&id).await? {
                None => ops.push(IndexOp::Delete { id }),
                Some(d) => {
                    let dict = dataset_dict(self, tx, &d, PackageDictOptions::default()).await?;
                    let serde_json::Value::Object(dict) = dict else {
                        continue;
                    };
                    ops.push(IndexOp::Upsert {
                        dict,
                        labels: kho_core::visibility::dataset_labels(&d),
                        aliases: Vec::new(),
                    });
                }
            }
        }
        Ok(ops)
    }
}
