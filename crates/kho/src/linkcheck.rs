//! `kho linkcheck`: one pass of the link checker from the command line, with a progress
//! bar and a summary. Hosts over their per-minute quota are waited for here (the server's
//! background checker leaves them for its next pass instead).

use std::time::Duration;

use anyhow::Context as _;
use kho_catalog::{Catalog, LinkCheckConfig, LinkChecker, PassSummary};

/// Check every due link (of `dataset` only, when given) and print what was found.
pub async fn run(
    catalog: &Catalog,
    cfg: LinkCheckConfig,
    dataset: Option<&str>,
) -> anyhow::Result<()> {
    let checker = LinkChecker::new(&cfg).map_err(|e| anyhow::anyhow!("{e}"))?;
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} links  {per_sec}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let mut total = PassSummary::default();
    let batch = cfg.batch.max(1);
    loop {
        let shown = bar.clone();
        let progress = move |done: u64, all: u64| {
            shown.set_length(all);
            shown.set_position(done);
        };
        let pass = catalog
            .linkcheck_pass(&checker, dataset, &progress)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))
            .context("link check")?;
        total.ok += pass.ok;
        total.broken += pass.broken;
        total.deferred = pass.deferred;
        // Done when nothing is due, or when this pass took every due link (fewer than a
        // batch) and none waits for its host's quota.
        if pass.due == 0 || (pass.deferred == 0 && pass.due < batch) {
            break;
        }
        if pass.deferred > 0 {
            // A host's quota refills one check every 60/per_host_per_minute seconds.
            let per_minute = u64::from(cfg.per_host_per_minute.max(1));
            tokio::time::sleep(Duration::from_millis(60_000 / per_minute + 50)).await;
        }
    }
    total.due = total.ok + total.broken + total.deferred;
    bar.finish_and_clear();
    println!(
        "{} links due: {} reachable, {} broken{}",
        total.due,
        total.ok,
        total.broken,
        if total.deferred > 0 {
            format!(", {} left for a later pass", total.deferred)
        } else {
            String::new()
        }
    );
    Ok(())
}
