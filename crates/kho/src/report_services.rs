//! `kho report services`: the data-sharing service report (`service_report`) for the
//! operator, as CSV (one row per service) or JSON (the action's result).

use std::io::Write;

use anyhow::Context as _;
use clap::{Args, ValueEnum};
use kho_catalog::{count_by_organization, service_rows, ServiceFilter, ServiceRow};

use crate::config::Config;
use crate::StoreArgs;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Csv,
    Json,
}

#[derive(Args)]
pub struct ServicesArgs {
    /// Only services ready in this quarter, e.g. 2026Q3.
    #[arg(long)]
    quarter: Option<String>,
    /// Only services ready on or after this date (YYYY-MM-DD).
    #[arg(long)]
    since: Option<String>,
    /// Only services ready on or before this date (YYYY-MM-DD).
    #[arg(long)]
    until: Option<String>,
    /// Only this organization's services (id or name).
    #[arg(long)]
    organization: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "csv")]
    format: Format,
    #[command(flatten)]
    store: StoreArgs,
}

pub async fn run(file: Option<&std::path::Path>, args: ServicesArgs) -> anyhow::Result<()> {
    let cfg = Config::load(file, &crate::overrides(&args.store, None))?;
    let catalog = crate::open_catalog(&cfg).await?;
    // The report reads through search: index the store in memory (a running server's
    // index directory belongs to it).
    catalog
        .catch_up_index()
        .await
        .map_err(|e| anyhow::anyhow!("indexing the store: {e}"))?;
    let mut p = kho_catalog::Params::new();
    for (k, v) in [
        ("quarter", &args.quarter),
        ("since", &args.since),
        ("until", &args.until),
        ("organization", &args.organization),
    ] {
        if let Some(v) = v {
            p.insert(k.into(), v.clone().into());
        }
    }
    let ctx = crate::operator();
    let filter = ServiceFilter::from_params(&p).map_err(readable)?;
    let rows = service_rows(&catalog, &ctx, &filter)
        .await
        .map_err(readable)?;
    let mut out = std::io::stdout().lock();
    match args.format {
        Format::Json => {
            let late = rows.iter().filter(|r| r.late == Some(true)).count();
            let v = serde_json::json!({
                "allowed_working_days": catalog.config().service_publication_working_days,
                "since": filter.since,
                "until": filter.until,
                "count": rows.len(),
                "late": late,
                "organizations": count_by_organization(&rows),
                "services": rows,
            });
            serde_json::to_writer_pretty(&mut out, &v)?;
            writeln!(out)?;
        }
        Format::Csv => write_csv(&mut out, &rows).context("writing the report")?,
    }
    Ok(())
}

/// An action error as one line of English per field (`--quarter: ...`).
fn readable(e: kho_core::Error) -> anyhow::Error {
    match e {
        kho_core::Error::Validation(dict) => {
            let lines: Vec<String> = dict
                .iter()
                .map(|(field, errs)| match errs {
                    kho_core::FieldErrors::Messages(ms) => {
                        let texts: Vec<String> = ms.iter().map(|m| m.english()).collect();
                        format!("--{field}: {}", texts.join("; "))
                    }
                    kho_core::FieldErrors::Items(_) => format!("--{field}: invalid"),
                })
                .collect();
            anyhow::anyhow!("{}", lines.join("\n"))
        }
        kho_core::Error::NotFound(_) => anyhow::anyhow!("--organization: not found"),
        other => anyhow::anyhow!("{other}"),
    }
}

/// The CSV header.
const COLUMNS: [&str; 12] = [
    "organization",
    "name",
    "title",
    "service_status",
    "sharing_level",
    "ready_at",
    "published_at",
    "deadline",
    "working_days",
    "allowed_working_days",
    "published",
    "late",
];

fn write_csv(out: &mut impl Write, rows: &[ServiceRow]) -> std::io::Result<()> {
    writeln!(out, "{}", COLUMNS.join(","))?;
    for r in rows {
        let opt = |v: &Option<String>| v.clone().unwrap_or_default();
        let fields = [
            opt(&r.organization),
            r.name.clone(),
            r.title.clone(),
            opt(&r.service_status),
            opt(&r.sharing_level),
            opt(&r.ready_at),
            opt(&r.published_at),
            r.deadline.map(|d| d.to_string()).unwrap_or_default(),
            r.working_days.map(|d| d.to_string()).unwrap_or_default(),
            r.allowed_working_days.to_string(),
            r.published.to_string(),
            r.late.map(|l| l.to_string()).unwrap_or_default(),
        ];
        let line: Vec<String> = fields.iter().map(|f| quote(f)).collect();
        writeln!(out, "{}", line.join(","))?;
    }
    Ok(())
}

/// RFC 4180 quoting: fields with a comma, quote or line break are quoted, quotes doubled.
fn quote(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_rows() {
        let row = ServiceRow {
            id: "1".into(),
            name: "tra-cuu".into(),
            title: "Tra cứu, \"đất\"".into(),
            organization: Some("so-a".into()),
            organization_title: None,
            service_status: Some("active".into()),
            sharing_level: Some("open".into()),
            ready_at: Some("2026-08-28T16:00:00".into()),
            published_at: None,
            deadline: chrono::NaiveDate::from_ymd_opt(2026, 8, 31),
            working_days: Some(2),
            allowed_working_days: 1,
            published: false,
            late: Some(true),
        };
        let mut out = Vec::new();
        write_csv(&mut out, &[row]).expect("write");
        assert_eq!(
            String::from_utf8(out).expect("utf-8"),
            "organization,name,title,service_status,sharing_level,ready_at,published_at,deadline,working_days,allowed_working_days,published,late\n\
             so-a,tra-cuu,\"Tra cứu, \"\"đất\"\"\",active,open,2026-08-28T16:00:00,,2026-08-31,2,1,false,true\n"
        );
    }
}
