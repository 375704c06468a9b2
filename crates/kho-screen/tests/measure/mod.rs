//! Precision and recall of the screen on the fixture set (tests/fixtures), against the
//! ground truth written by the fixtures' generator (truth.csv). Shared by the
//! `screening` test and the `measure` example.

use std::collections::BTreeMap;
use std::io::Cursor;
use std::path::{Path, PathBuf};

use kho_screen::{Kind, Report, ScreenConfig, Screener};

pub const FILES: [&str; 5] = [
    "people.csv",
    "statistics.csv",
    "records.json",
    "notes.txt",
    "workbook.xlsx",
];

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// The screen as measured: defaults, with the year fixed so the figures do not drift.
pub fn screener() -> Screener {
    Screener::new(ScreenConfig {
        this_year: Some(2026),
        ..ScreenConfig::default()
    })
}

/// The XLSX fixture, written from workbook.json (numbers stay number cells).
pub fn workbook_bytes() -> Vec<u8> {
    let spec: serde_json::Value = serde_json::from_slice(
        &std::fs::read(fixtures().join("workbook.json")).expect("workbook.json"),
    )
    .expect("workbook.json is JSON");
    let mut book = rust_xlsxwriter::Workbook::new();
    for sheet in spec["sheets"].as_array().expect("sheets") {
        let ws = book.add_worksheet();
        ws.set_name(sheet["name"].as_str().expect("name"))
            .expect("sheet name");
        for (r, row) in sheet["rows"].as_array().expect("rows").iter().enumerate() {
            for (c, cell) in row.as_array().expect("row").iter().enumerate() {
                let (r, c) = (r as u32, c as u16);
                match cell {
                    serde_json::Value::String(s) => {
                        ws.write_string(r, c, s).expect("write");
                    }
                    serde_json::Value::Number(n) => {
                        ws.write_number(r, c, n.as_f64().expect("f64"))
                            .expect("write");
                    }
                    _ => {}
                }
            }
        }
    }
    book.save_to_buffer().expect("xlsx")
}

pub fn scan(file: &str) -> Report {
    let s = screener();
    if file == "workbook.xlsx" {
        s.scan(Cursor::new(workbook_bytes()), file, None)
            .expect("scan xlsx")
    } else {
        let f = std::fs::File::open(fixtures().join(file)).expect("fixture");
        s.scan(f, file, None).expect("scan")
    }
}

/// (file, column, kind) → values, from truth.csv.
pub fn truth() -> BTreeMap<(String, String, Kind), u64> {
    let mut rdr = csv::Reader::from_path(fixtures().join("truth.csv")).expect("truth.csv");
    let mut out = BTreeMap::new();
    for rec in rdr.records() {
        let rec = rec.expect("truth row");
        let kind = Kind::ALL
            .into_iter()
            .find(|k| k.as_str() == &rec[2])
            .expect("kind");
        out.insert(
            (rec[0].to_string(), rec[1].to_string(), kind),
            rec[3].parse().expect("count"),
        );
    }
    out
}

#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct Score {
    pub tp: u64,
    pub fp: u64,
    pub fn_: u64,
}

impl Score {
    pub fn precision(&self) -> f64 {
        if self.tp + self.fp == 0 {
            1.0
        } else {
            self.tp as f64 / (self.tp + self.fp) as f64
        }
    }
    pub fn recall(&self) -> f64 {
        if self.tp + self.fn_ == 0 {
            1.0
        } else {
            self.tp as f64 / (self.tp + self.fn_) as f64
        }
    }
    fn add(&mut self, o: Score) {
        self.tp += o.tp;
        self.fp += o.fp;
        self.fn_ += o.fn_;
    }
}

pub struct Measurement {
    /// Per kind, in `Kind::ALL` order, then overall.
    pub per_kind: Vec<(Kind, Score)>,
    pub overall: Score,
    /// Columns reported that the truth does not list (false alarms at column level).
    pub false_columns: Vec<(String, String, Kind, u64)>,
    /// Columns of the truth that were not reported at all.
    pub missed_columns: Vec<(String, String, Kind, u64)>,
}

/// Value-level scores: within a (file, column, kind), found values up to the true count
/// are true positives, the excess false positives, the shortfall false negatives.
pub fn measure() -> Measurement {
    let truth = truth();
    let mut found: BTreeMap<(String, String, Kind), u64> = BTreeMap::new();
    for file in FILES {
        for f in scan(file).findings {
            found.insert((file.to_string(), f.column, f.kind), f.count);
        }
    }
    let mut per: BTreeMap<Kind, Score> = BTreeMap::new();
    let mut false_columns = Vec::new();
    let mut missed_columns = Vec::new();
    let keys: std::collections::BTreeSet<_> = truth.keys().chain(found.keys()).cloned().collect();
    for key in keys {
        let t = truth.get(&key).copied().unwrap_or(0);
        let f = found.get(&key).copied().unwrap_or(0);
        let tp = t.min(f);
        per.entry(key.2).or_default().add(Score {
            tp,
            fp: f - tp,
            fn_: t - tp,
        });
        if t == 0 {
            false_columns.push((key.0.clone(), key.1.clone(), key.2, f));
        }
        if f == 0 {
            missed_columns.push((key.0, key.1, key.2, t));
        }
    }
    let mut overall = Score::default();
    let per_kind = Kind::ALL
        .into_iter()
        .map(|k| {
            let s = per.get(&k).copied().unwrap_or_default();
            overall.add(s);
            (k, s)
        })
        .collect();
    Measurement {
        per_kind,
        overall,
        false_columns,
        missed_columns,
    }
}

/// The table printed by the example and the test, in Markdown.
pub fn table(m: &Measurement) -> String {
    let mut out = String::from(
        "| kind | true pos. | false pos. | false neg. | precision | recall |\n|---|---:|---:|---:|---:|---:|\n",
    );
    let row = |name: &str, s: &Score| {
        format!(
            "| {name} | {} | {} | {} | {:.3} | {:.3} |\n",
            s.tp,
            s.fp,
            s.fn_,
            s.precision(),
            s.recall()
        )
    };
    for (k, s) in &m.per_kind {
        out.push_str(&row(k.as_str(), s));
    }
    out.push_str(&row("**all**", &m.overall));
    for (file, col, kind, n) in &m.false_columns {
        out.push_str(&format!(
            "\nfalse alarm: {file} / {col}: {n} × {}",
            kind.as_str()
        ));
    }
    for (file, col, kind, n) in &m.missed_columns {
        out.push_str(&format!(
            "\nmissed: {file} / {col}: {n} × {}",
            kind.as_str()
        ));
    }
    out.push('\n');
    out
}
