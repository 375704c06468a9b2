//! `kho report …` and `kho export …`: the update-deadline report of an organization or of
//! all (requirement 8) and the open data list (requirement 9) as files: the actions'
//! JSON as it is, or tables as CSV or XLSX with English or Vietnamese headers. The actions
//! (`compliance_report`, `catalog_export`) compute; this module only lays tables out.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::{Args, Subcommand, ValueEnum};
use serde_json::{json, Value};

use crate::config::Config;
use crate::StoreArgs;

/// The file format of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Csv,
    Json,
    Xlsx,
}

/// Where a report goes and in which language its headers are.
#[derive(Args, Clone, Default)]
pub struct OutputArgs {
    /// Write to this file instead of standard output.
    #[arg(long)]
    output: Option<PathBuf>,
    /// Language of headers and statuses: en or vi (default: the configuration's
    /// `locale_default`).
    #[arg(long)]
    locale: Option<String>,
}

#[derive(Subcommand)]
pub enum ReportCommand {
    /// Update deadlines per organization for a quarter (compliance_report, as the
    /// operator: every dataset). CSV: the per-organization counts, or with --datasets the
    /// dataset list; XLSX: both sheets; JSON: the action's result.
    Compliance {
        /// The quarter, e.g. 2026Q3 (default: the current quarter).
        #[arg(long)]
        quarter: Option<String>,
        /// Only this organization (id or name).
        #[arg(long)]
        organization: Option<String>,
        #[arg(long, value_enum, default_value = "csv")]
        format: Format,
        /// CSV of the datasets instead of the counts.
        #[arg(long)]
        datasets: bool,
        #[command(flatten)]
        out: OutputArgs,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Data-sharing services: ready and published dates, working days taken, late or not.
    Services(crate::report_services::ServicesArgs),
}

#[derive(Subcommand)]
pub enum ExportCommand {
    /// The open data list (catalog_export): every open dataset with its key metadata.
    /// CSV: the datasets; XLSX: the datasets and the per-organization counts; JSON: the
    /// action's result.
    Catalog {
        #[arg(long, value_enum, default_value = "csv")]
        format: Format,
        #[command(flatten)]
        out: OutputArgs,
        #[command(flatten)]
        store: StoreArgs,
    },
}

/// One cell: text or a number (XLSX keeps numbers as numbers).
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Number(f64),
}

/// A sheet: its name, headers and rows.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub name: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

/// Column and sheet labels: (key, English, Vietnamese).
const LABELS: &[(&str, &str, &str)] = &[
    ("as_of", "As of", "Tính đến ngày"),
    ("count", "Open datasets", "Số bộ dữ liệu mở"),
    ("data_updated", "Data updated", "Ngày cập nhật dữ liệu"),
    ("datasets", "Datasets", "Danh sách dữ liệu"),
    ("due", "Datasets due", "Số bộ dữ liệu phải cập nhật"),
    ("due_date", "Due date", "Hạn cập nhật"),
    ("due_soon", "Due soon", "Sắp đến hạn"),
    ("formats", "Formats", "Định dạng"),
    ("late", "Updated late", "Cập nhật muộn"),
    ("license_title", "License", "Giấy phép"),
    ("metadata_created", "Created", "Ngày tạo"),
    (
        "metadata_modified",
        "Metadata modified",
        "Ngày sửa siêu dữ liệu",
    ),
    ("name", "Name", "Tên định danh"),
    ("never_updated", "Never updated", "Chưa từng cập nhật"),
    ("on_time", "On time", "Đúng hạn"),
    ("organization", "Organization", "Cơ quan, đơn vị"),
    (
        "organization_title",
        "Organization title",
        "Tên cơ quan, đơn vị",
    ),
    ("organizations", "Organizations", "Cơ quan, đơn vị"),
    ("overdue", "Overdue", "Quá hạn"),
    ("period_end", "Period end", "Kỳ dữ liệu đến"),
    ("period_start", "Period start", "Kỳ dữ liệu từ"),
    ("quarter", "Quarter", "Quý"),
    ("summary", "Summary", "Tổng hợp"),
    ("theme", "Theme", "Lĩnh vực"),
    ("title", "Title", "Tên bộ dữ liệu"),
    ("update_frequency", "Update frequency", "Tần suất cập nhật"),
    ("update_status", "Update status", "Tình trạng cập nhật"),
    ("url", "Address", "Địa chỉ"),
    ("not_applicable", "Not applicable", "Không áp dụng"),
    ("monthly", "Monthly", "Hằng tháng"),
    ("quarterly", "Quarterly", "Hằng quý"),
    ("annual", "Annual", "Hằng năm"),
    ("semiannual", "Every six months", "Sáu tháng một lần"),
    ("weekly", "Weekly", "Hằng tuần"),
    ("daily", "Daily", "Hằng ngày"),
    ("continuous", "Continuously", "Liên tục"),
    ("biennial", "Every two years", "Hai năm một lần"),
    ("irregular", "Irregular", "Không định kỳ"),
];

fn label(key: &str, vi: bool) -> String {
    LABELS
        .iter()
        .find(|(k, _, _)| *k == key)
        .map(|(_, en, v)| if vi { *v } else { *en })
        .unwrap_or(key)
        .to_owned()
}

fn text(v: &Value) -> Cell {
    Cell::Text(match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(items) => items
            .iter()
            .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_owned))
            .collect::<Vec<_>>()
            .join(";"),
        other => other.to_string(),
    })
}

fn number(v: &Value) -> Cell {
    Cell::Number(v.as_f64().unwrap_or(0.0))
}

/// A value translated when it is one of the labelled words (statuses, frequencies).
fn word(v: &Value, vi: bool) -> Cell {
    match v.as_str() {
        Some(s) => Cell::Text(label(s, vi)),
        None => text(v),
    }
}

const COUNT_KEYS: &[&str] = &[
    "due",
    "on_time",
    "due_soon",
    "late",
    "overdue",
    "never_updated",
];

/// The compliance report as a summary (one row per organization) and a dataset list.
pub fn compliance_tables(report: &Value, vi: bool) -> (Table, Table) {
    let orgs = report["organizations"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mut headers: Vec<String> = ["quarter", "organization", "organization_title"]
        .iter()
        .map(|k| label(k, vi))
        .collect();
    headers.extend(COUNT_KEYS.iter().map(|k| label(k, vi)));
    let mut summary = Table {
        name: label("summary", vi),
        headers,
        rows: Vec::new(),
    };
    let dataset_keys = [
        "name",
        "title",
        "update_frequency",
        "period_start",
        "period_end",
        "due_date",
        "data_updated",
        "update_status",
    ];
    let mut headers: Vec<String> = ["organization", "organization_title"]
        .iter()
        .map(|k| label(k, vi))
        .collect();
    headers.extend(dataset_keys.iter().map(|k| label(k, vi)));
    let mut datasets = Table {
        name: label("datasets", vi),
        headers,
        rows: Vec::new(),
    };
    for o in &orgs {
        let mut row = vec![
            text(&report["quarter"]),
            text(&o["name"]),
            text(&o["title"]),
        ];
        row.extend(COUNT_KEYS.iter().map(|k| number(&o[*k])));
        summary.rows.push(row);
        for d in o["datasets"].as_array().into_iter().flatten() {
            let mut row = vec![text(&o["name"]), text(&o["title"])];
            row.extend(dataset_keys.iter().map(|k| match *k {
                "update_frequency" | "update_status" => word(&d[*k], vi),
                _ => text(&d[*k]),
            }));
            datasets.rows.push(row);
        }
    }
    (summary, datasets)
}

/// The open data list as a dataset table and a per-organization table.
pub fn catalog_tables(export: &Value, vi: bool) -> (Table, Table) {
    let keys = [
        "name",
        "title",
        "organization",
        "organization_title",
        "theme",
        "license_title",
        "update_frequency",
        "formats",
        "metadata_created",
        "metadata_modified",
        "data_updated",
        "update_status",
        "url",
    ];
    let datasets = Table {
        name: label("datasets", vi),
        headers: keys.iter().map(|k| label(k, vi)).collect(),
        rows: export["datasets"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|d| {
                keys.iter()
                    .map(|k| match *k {
                        "update_frequency" | "update_status" => word(&d[*k], vi),
                        _ => text(&d[*k]),
                    })
                    .collect()
            })
            .collect(),
    };
    let organizations = Table {
        name: label("organizations", vi),
        headers: ["organization", "organization_title", "count"]
            .iter()
            .map(|k| label(k, vi))
            .collect(),
        rows: export["organizations"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|o| vec![text(&o["name"]), text(&o["title"]), number(&o["count"])])
            .collect(),
    };
    (datasets, organizations)
}

/// RFC 4180 CSV, UTF-8 with a byte order mark (without it, spreadsheet programs read
/// Vietnamese text as Latin-1).
pub fn to_csv(t: &Table) -> Vec<u8> {
    fn field(out: &mut String, s: &str) {
        if s.contains([',', '"', '\n', '\r']) {
            out.push('"');
            out.push_str(&s.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(s);
        }
    }
    let mut out = String::from('\u{feff}');
    let mut line = |cells: Vec<String>| {
        for (i, c) in cells.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            field(&mut out, c);
        }
        out.push_str("\r\n");
    };
    line(t.headers.clone());
    for row in &t.rows {
        line(
            row.iter()
                .map(|c| match c {
                    Cell::Text(s) => s.clone(),
                    Cell::Number(n) => n.to_string(),
                })
                .collect(),
        );
    }
    out.into_bytes()
}

/// A workbook with one sheet per table, bold headers.
pub fn to_xlsx(tables: &[&Table]) -> anyhow::Result<Vec<u8>> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    for t in tables {
        let sheet = book.add_worksheet();
        sheet.set_name(&t.name)?;
        for (c, h) in t.headers.iter().enumerate() {
            sheet.write_string_with_format(0, u16::try_from(c)?, h, &bold)?;
        }
        for (r, row) in t.rows.iter().enumerate() {
            let r = u32::try_from(r + 1)?;
            for (c, cell) in row.iter().enumerate() {
                let c = u16::try_from(c)?;
                match cell {
                    Cell::Text(s) => sheet.write_string(r, c, s)?,
                    Cell::Number(n) => sheet.write_number(r, c, *n)?,
                };
            }
        }
        sheet.autofit();
    }
    Ok(book.save_to_buffer()?)
}

fn pretty_json(v: &Value) -> anyhow::Result<Vec<u8>> {
    let mut out = serde_json::to_vec_pretty(v)?;
    out.push(b'\n');
    Ok(out)
}

/// The compliance report in `format`.
pub fn render_compliance(
    report: &Value,
    format: Format,
    vi: bool,
    datasets: bool,
) -> anyhow::Result<Vec<u8>> {
    let (summary, list) = compliance_tables(report, vi);
    match format {
        Format::Json => pretty_json(report),
        Format::Csv if datasets => Ok(to_csv(&list)),
        Format::Csv => Ok(to_csv(&summary)),
        Format::Xlsx => to_xlsx(&[&summary, &list]),
    }
}

/// The open data list in `format`.
pub fn render_catalog(export: &Value, format: Format, vi: bool) -> anyhow::Result<Vec<u8>> {
    let (datasets, organizations) = catalog_tables(export, vi);
    match format {
        Format::Json => pretty_json(export),
        Format::Csv => Ok(to_csv(&datasets)),
        Format::Xlsx => to_xlsx(&[&datasets, &organizations]),
    }
}

impl OutputArgs {
    fn vietnamese(&self, cfg: &Config) -> anyhow::Result<bool> {
        match self.locale.as_deref().unwrap_or(&cfg.locale_default) {
            "vi" => Ok(true),
            "en" => Ok(false),
            other => anyhow::bail!("--locale must be en or vi, not {other}"),
        }
    }

    fn write(&self, bytes: &[u8]) -> anyhow::Result<()> {
        match &self.output {
            Some(path) => {
                std::fs::write(path, bytes).with_context(|| format!("writing {}", path.display()))
            }
            None => {
                let mut out = std::io::stdout().lock();
                out.write_all(bytes)?;
                Ok(out.flush()?)
            }
        }
    }
}

pub async fn report_cmd(file: Option<&Path>, command: ReportCommand) -> anyhow::Result<()> {
    match command {
        ReportCommand::Services(args) => crate::report_services::run(file, args).await,
        ReportCommand::Compliance {
            quarter,
            organization,
            format,
            datasets,
            out,
            store,
        } => {
            let cfg = Config::load(file, &crate::overrides(&store, None))?;
            let vi = out.vietnamese(&cfg)?;
            let catalog = crate::open_catalog(&cfg).await?;
            let mut p = json!({});
            if let Some(q) = quarter {
                p["quarter"] = Value::String(q);
            }
            if let Some(o) = organization {
                p["organization"] = Value::String(o);
            }
            let report = crate::run(&catalog, "compliance_report", p).await?;
            out.write(&render_compliance(&report, format, vi, datasets)?)
        }
    }
}

pub async fn export_cmd(file: Option<&Path>, command: ExportCommand) -> anyhow::Result<()> {
    match command {
        ExportCommand::Catalog { format, out, store } => {
            let cfg = Config::load(file, &crate::overrides(&store, None))?;
            let vi = out.vietnamese(&cfg)?;
            let catalog = crate::open_catalog(&cfg).await?;
            let export = crate::run(&catalog, "catalog_export", json!({})).await?;
            out.write(&render_catalog(&export, format, vi)?)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::Reader as _;

    /// A store in a temporary directory with `so-a` and its open monthly `thang` (updated
    /// 10 January 2030) and private `rieng`, judged at noon of 16 February 2030.
    async fn fixture(dir: &Path) -> (Config, kho_catalog::Catalog) {
        let cfg = Config {
            data_dir: dir.to_path_buf(),
            ..Config::default()
        };
        let catalog = crate::open_catalog(&cfg).await.expect("catalog");
        crate::run(
            &catalog,
            "organization_create",
            json!({"name": "so-a", "title": "Sở Tài chính, \"A\""}),
        )
        .await
        .expect("org");
        for (name, private) in [("thang", false), ("rieng", true)] {
            crate::run(
                &catalog,
                "package_create",
                json!({"name": name, "title": format!("Dữ liệu {name}"), "owner_org": "so-a",
                       "private": private, "update_frequency": "monthly",
                       "resources": [{"url": "http://example.org/a.csv", "format": "CSV"}]}),
            )
            .await
            .expect("dataset");
        }
        let now = kho_core::time::parse("2030-02-16T05:00:00").expect("time");
        catalog.set_clock(Some(now));
        crate::run(
            &catalog,
            "dataset_data_updated",
            json!({"id": "thang", "data_updated": "2030-01-10T03:00:00"}),
        )
        .await
        .expect("updated");
        (cfg, catalog)
    }

    fn csv_lines(bytes: &[u8]) -> Vec<String> {
        let s = String::from_utf8(bytes.to_vec()).expect("utf-8");
        let s = s.strip_prefix('\u{feff}').expect("byte order mark");
        s.split("\r\n")
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect()
    }

    #[tokio::test]
    async fn compliance_as_csv_json_and_xlsx() {
        let dir = tempfile::tempdir().expect("dir");
        let (_cfg, catalog) = fixture(dir.path()).await;
        let report = crate::run(&catalog, "compliance_report", json!({"quarter": "2030Q1"}))
            .await
            .expect("report");

        let csv = csv_lines(&render_compliance(&report, Format::Csv, false, false).expect("csv"));
        assert_eq!(
            csv,
            [
                "Quarter,Organization,Organization title,Datasets due,On time,Due soon,\
                 Updated late,Overdue,Never updated",
                "2030Q1,so-a,\"Sở Tài chính, \"\"A\"\"\",2,0,0,0,2,1",
            ]
        );
        let csv = csv_lines(&render_compliance(&report, Format::Csv, true, true).expect("csv"));
        assert_eq!(csv.len(), 3, "{csv:?}");
        assert_eq!(
            csv[0],
            "\"Cơ quan, đơn vị\",\"Tên cơ quan, đơn vị\",Tên định danh,Tên bộ dữ liệu,\
             Tần suất cập nhật,Kỳ dữ liệu từ,Kỳ dữ liệu đến,Hạn cập nhật,\
             Ngày cập nhật dữ liệu,Tình trạng cập nhật"
        );
        // `rieng`, never updated, owes the month it was created in (long overdue).
        assert!(
            csv[1].starts_with("so-a,\"Sở Tài chính, \"\"A\"\"\",rieng,Dữ liệu rieng,Hằng tháng,")
        );
        assert!(csv[1].ends_with(",,Quá hạn"));
        assert_eq!(
            csv[2],
            "so-a,\"Sở Tài chính, \"\"A\"\"\",thang,Dữ liệu thang,Hằng tháng,2030-01-01,\
             2030-01-31,2030-02-15,2030-01-10T03:00:00,Quá hạn"
        );
        let json: Value = serde_json::from_slice(
            &render_compliance(&report, Format::Json, false, false).expect("json"),
        )
        .expect("parse");
        assert_eq!(json, report);

        let path = dir.path().join("report.xlsx");
        std::fs::write(
            &path,
            render_compliance(&report, Format::Xlsx, true, false).expect("xlsx"),
        )
        .expect("write");
        let mut book: calamine::Xlsx<_> = calamine::open_workbook(&path).expect("open");
        assert_eq!(book.sheet_names(), ["Tổng hợp", "Danh sách dữ liệu"]);
        let summary = book.worksheet_range("Tổng hợp").expect("summary");
        let rows: Vec<Vec<String>> = summary
            .rows()
            .map(|r| r.iter().map(|c| c.to_string()).collect())
            .collect();
        assert_eq!(rows[0][0], "Quý");
        assert_eq!(rows[1][..4], ["2030Q1", "so-a", "Sở Tài chính, \"A\"", "2"]);
        assert_eq!(summary.get((1, 7)), Some(&calamine::Data::Float(2.0)));
        let list = book.worksheet_range("Danh sách dữ liệu").expect("list");
        assert_eq!(list.height(), 3);
    }

    #[tokio::test]
    async fn catalog_export_lists_open_datasets_only() {
        let dir = tempfile::tempdir().expect("dir");
        let (_cfg, catalog) = fixture(dir.path()).await;
        let export = crate::run(&catalog, "catalog_export", json!({}))
            .await
            .expect("export");
        let csv = csv_lines(&render_catalog(&export, Format::Csv, false).expect("csv"));
        assert_eq!(csv.len(), 2, "{csv:?}");
        assert_eq!(
            csv[0],
            "Name,Title,Organization,Organization title,Theme,License,Update frequency,\
             Formats,Created,Metadata modified,Data updated,Update status,Address"
        );
        assert!(csv[1].starts_with("thang,Dữ liệu thang,so-a,\"Sở Tài chính, \"\"A\"\"\",,"));
        assert!(csv[1].contains(",Monthly,CSV,"));
        assert!(
            csv[1].ends_with(",2030-01-10T03:00:00,Overdue,http://127.0.0.1:5000/dataset/thang")
        );

        let path = dir.path().join("catalog.xlsx");
        std::fs::write(
            &path,
            render_catalog(&export, Format::Xlsx, false).expect("xlsx"),
        )
        .expect("write");
        let mut book: calamine::Xlsx<_> = calamine::open_workbook(&path).expect("open");
        let orgs = book
            .worksheet_range("Organizations")
            .expect("organizations");
        assert_eq!(
            orgs.get((1, 0)),
            Some(&calamine::Data::String("so-a".into()))
        );
        assert_eq!(orgs.get((1, 2)), Some(&calamine::Data::Float(1.0)));
    }
}
