//! Following the store from a long-running process: [`Catalog::follow`] applies the
//! changes other processes commit (woken by the store, else on a timer) and switches to a
//! generation that `kho reindex` publishes.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use kho_search::{IndexHome, Unusable};

use crate::Catalog;

/// How long a published generation may stay unopenable (its writer still held by the
/// process that built it) before that is logged as a warning.
const SWITCH_PATIENCE: Duration = Duration::from_secs(10);

/// What [`Catalog::follow`] follows.
#[derive(Debug, Clone)]
pub struct FollowOptions {
    /// The index home whose `CURRENT` to watch for rebuilt generations; `None` for an
    /// in-memory index.
    pub home: Option<IndexHome>,
    /// The longest wait between two syncs (and two looks at `CURRENT`).
    pub poll_interval: Duration,
    /// Let the store wake the follower when a change commits (Postgres LISTEN/NOTIFY);
    /// false: poll only.
    pub listen: bool,
}

/// The follower's memory between wake-ups.
#[derive(Default)]
struct Following {
    /// Generations switched away from, to delete once nothing holds them.
    retired: Vec<String>,
    /// A published generation that could not be opened yet, and since when.
    pending: Option<(String, Instant, bool)>,
    /// A published generation of another schema version (warned about once).
    foreign: Option<String>,
    /// The last sync failed (logged once until it works again).
    sync_failing: bool,
}

impl Catalog {
    /// Keep the index up to date until `shutdown` completes: wait for a change (see
    /// [`kho_store::Store::wait_for_change`]; at most `poll_interval`), switch to a newly
    /// published generation of `home` if there is one (opened, brought up to date, then
    /// swapped in, the old one deleted once unused), and apply the changes committed
    /// since the last sync. Failures are logged and retried at the next wake-up; this
    /// never returns early.
    pub async fn follow(&self, options: FollowOptions, shutdown: impl Future<Output = ()>) {
        let mut shutdown = std::pin::pin!(shutdown);
        let mut state = Following::default();
        loop {
            let wait = async {
                if options.listen {
                    self.store().wait_for_change(options.poll_interval).await;
                } else {
                    tokio::time::sleep(options.poll_interval).await;
                }
            };
            tokio::select! {
                biased;
                _ = &mut shutdown => break,
                _ = wait => {}
            }
            if let Some(home) = &options.home {
                self.follow_home(home, &mut state).await;
            }
            match self.sync_index().await {
                Ok(_) if state.sync_failing => {
                    tracing::info!("search index up to date again");
                    state.sync_failing = false;
                }
                Ok(_) => {}
                Err(e) if !state.sync_failing => {
                    tracing::warn!(error = %e, "cannot bring the search index up to date; retrying");
                    state.sync_failing = true;
                }
                Err(e) => tracing::debug!(error = %e, "search index still not up to date"),
            }
        }
    }

    /// Switch to the generation `CURRENT` names if it is not the one served, and delete
    /// the generations switched away from.
    async fn follow_home(&self, home: &IndexHome, state: &mut Following) {
        let serving = self.search_index().generation().map(str::to_owned);
        if let Some(current) = home.current().filter(|c| Some(c) != serving.as_ref()) {
            if state.foreign.as_ref() != Some(&current) {
                self.switch_to(home, current, serving, state).await;
            }
        }
        state.retired.retain(|g| !home.remove(g));
    }

    async fn switch_to(
        &self,
        home: &IndexHome,
        current: String,
        serving: Option<String>,
        state: &mut Following,
    ) {
        match home.open_current() {
            Ok(index) => {
                let opened = index.generation().unwrap_or_default().to_owned();
                if !self.dicts_match(home, &opened) {
                    tracing::warn!(generation = %opened,
                        "the published search index was built by another kho version or with \
                         other site_url, profiles or licenses than this server's; switching to \
                         it, but it will be rebuilt at the next start");
                }
                match self.adopt_index(Arc::new(index)).await {
                    Ok(applied) => {
                        let index = self.search_index();
                        tracing::info!(
                            generation = %opened,
                            previous = serving.as_deref().unwrap_or("none"),
                            datasets = index.num_docs(),
                            seq = index.last_seq(),
                            caught_up = applied,
                            "serving a rebuilt search index"
                        );
                        state.retired.extend(serving);
                        state.pending = None;
                    }
                    // Not swapped in; opened again at the next wake-up.
                    Err(e) => tracing::warn!(generation = %opened, error = %e,
                        "cannot bring the rebuilt search index up to date; retrying"),
                }
            }
            Err(Unusable::OtherSchema) => {
                tracing::warn!(
                    generation = %current,
                    serving = serving.as_deref().unwrap_or("none"),
                    "the published search index was written by another schema version; \
                     not switching to it"
                );
                state.foreign = Some(current);
            }
            // Most likely the process that built it still holds its writer for a moment.
            Err(e) => match &mut state.pending {
                Some((name, since, warned)) if *name == current => {
                    if !*warned && since.elapsed() > SWITCH_PATIENCE {
                        tracing::warn!(generation = %current, error = %e,
                            "cannot open the published search index yet; retrying");
                        *warned = true;
                    }
                }
                _ => {
                    tracing::debug!(generation = %current, error = %e,
                        "cannot open the published search index yet; retrying");
                    state.pending = Some((current, Instant::now(), false));
                }
            },
        }
    }
}
