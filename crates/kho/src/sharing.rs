//! `kho sharing-log export|purge`: the sharing log (regulations, requirement 11) for the
//! operator, through the catalogue's operator reads (no account needed on the machine
//! that runs kho).

use std::io::Write;
use std::path::PathBuf;

use anyhow::{bail, Context as _};
use clap::Subcommand;
use kho_catalog::Catalog;
use kho_store::{SharingEntry, SharingLogQuery};

/// Entries read from the store at a time.
const PAGE: i64 = 5000;

#[derive(Subcommand)]
pub enum SharingCommand {
    /// Write the sharing log, oldest entry first, as CSV (a header line, then one line per
    /// entry).
    Export {
        /// Output format; only `csv`.
        #[arg(long, default_value = "csv")]
        format: String,
        /// Entries at or after this date or date-time (UTC, ISO 8601).
        #[arg(long)]
        since: Option<String>,
        /// Entries before this date or date-time (UTC, ISO 8601).
        #[arg(long)]
        until: Option<String>,
        /// Only entries of datasets owned by this organization (id or name).
        #[arg(long)]
        organization: Option<String>,
        /// Write to this file instead of standard output.
        #[arg(long)]
        output: Option<PathBuf>,
    },
    /// Delete the entries older than `sharing_log_retention_days` (0: keeps everything).
    /// `kho serve` does this once a day by itself.
    Purge,
}

pub const CSV_HEADER: &str = "id,timestamp,user_id,user_name,user_organizations,organization_id,\
package_id,resource_id,action,client_address,user_agent,outcome";

/// A CSV field (RFC 4180): quoted when it holds a comma, quote or line break. A leading
/// `=`, `+`, `-` or `@` is prefixed with `'` so that a spreadsheet does not run it.
fn field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_owned()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

pub fn csv_line(e: &SharingEntry) -> String {
    let opt = |o: &Option<String>| field(o.as_deref().unwrap_or(""));
    [
        e.id.to_string(),
        kho_core::time::isoformat(&e.at),
        field(&e.user_id),
        field(&e.user_name),
        field(&e.user_organizations.join(" ")),
        opt(&e.organization_id),
        field(&e.dataset_id),
        opt(&e.resource_id),
        field(&e.action),
        opt(&e.client_address),
        opt(&e.user_agent),
        field(&e.outcome),
    ]
    .join(",")
}

fn when(s: Option<String>, what: &str) -> anyhow::Result<Option<chrono::NaiveDateTime>> {
    let Some(s) = s else { return Ok(None) };
    let t = s.trim().trim_end_matches('Z');
    kho_core::time::parse(t)
        .or_else(|| {
            chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
        })
        .map(Some)
        .with_context(|| format!("--{what}: not an ISO 8601 date or date-time: {s}"))
}

pub async fn run(catalog: &Catalog, command: SharingCommand) -> anyhow::Result<()> {
    match command {
        SharingCommand::Export {
            format,
            since,
            until,
            organization,
            output,
        } => {
            if format != "csv" {
                bail!("unknown format {format:?}: only csv");
            }
            let mut query = SharingLogQuery {
                since: when(since, "since")?,
                until: when(until, "until")?,
                oldest_first: true,
                limit: Some(PAGE),
                ..SharingLogQuery::default()
            };
            let mut out: Box<dyn Write> = match &output {
                Some(path) => Box::new(std::io::BufWriter::new(
                    std::fs::File::create(path)
                        .with_context(|| format!("cannot create {}", path.display()))?,
                )),
                None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
            };
            writeln!(out, "{CSV_HEADER}")?;
            let mut written = 0usize;
            // Oldest first: entries appended meanwhile come after the pages already read.
            loop {
                let (_, page) = catalog
                    .sharing_log_read(organization.as_deref(), query.clone())
                    .await
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
                for e in &page {
                    writeln!(out, "{}", csv_line(e))?;
                }
                written += page.len();
                if i64::try_from(page.len()).unwrap_or(0) < PAGE {
                    break;
                }
                query.offset += PAGE;
            }
            out.flush()?;
            if let Some(path) = output {
                eprintln!("{written} entries written to {}", path.display());
            }
            Ok(())
        }
        SharingCommand::Purge => {
            let n = catalog
                .purge_sharing_log()
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!(
                "{n} entries older than {} days deleted",
                catalog.config().sharing_log_retention_days
            );
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_and_defused() {
        assert_eq!(field("plain"), "plain");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("=cmd()"), "'=cmd()");
        let e = SharingEntry {
            id: 7,
            at: kho_core::time::parse("2026-03-01T10:00:00").expect("time"),
            user_id: "u1".into(),
            user_name: "an".into(),
            user_organizations: vec!["so-a".into(), "so-b".into()],
            organization_id: Some("o1".into()),
            dataset_id: "d1".into(),
            resource_id: None,
            action: "download".into(),
            client_address: Some("203.0.113.7".into()),
            user_agent: Some("Mozilla/5.0 (X11, Linux)".into()),
            outcome: "allowed".into(),
        };
        assert_eq!(
            csv_line(&e),
            "7,2026-03-01T10:00:00,u1,an,so-a so-b,o1,d1,,download,203.0.113.7,\
             \"Mozilla/5.0 (X11, Linux)\",allowed"
        );
        assert_eq!(
            CSV_HEADER.split(',').count(),
            csv_line(&e).split(',').count() - 1
        );
    }
}
