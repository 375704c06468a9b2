//! kho's personal-data screen (requirement 16): reads a CSV, XLSX, JSON or text file as a
//! stream and reports which columns hold Vietnamese personal identifiers (citizen identity
//! numbers, legacy identity card numbers, mobile numbers, e-mail addresses) and how many.
//!
//! Memory is bounded: CSV, JSON and text are read value by value with every value and
//! line capped; XLSX cells are streamed sheet by sheet (the workbook's shared-string
//! table is held, as the format requires). `ScreenConfig::max_cells` and `max_bytes`
//! cap the work; a report says `truncated` when a cap cut the scan short.

mod json;
pub mod provinces;
pub mod recognise;

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Seek};

use chrono::Datelike;
use serde::Serialize;

pub use recognise::{column_hint, mask, scan_value, ColumnHint, Hit, Kind};

/// What the screen looks at and how far.
#[derive(Debug, Clone)]
pub struct ScreenConfig {
    /// A column is reported once at least this many of its values match…
    pub min_count: u64,
    /// …or once this share (0–1) of its non-empty values match, if set.
    pub min_share: Option<f64>,
    /// Stop after this many values (cells, JSON scalars, lines); the report is `truncated`.
    pub max_cells: u64,
    /// Stop after this many bytes of CSV, JSON or text; an XLSX file larger than this is
    /// refused (its shared strings would be held in memory).
    pub max_bytes: u64,
    /// Only the first this-many bytes of one value or line are scanned.
    pub max_value_bytes: usize,
    /// Masked samples kept per finding.
    pub max_examples: usize,
    /// Distinct columns tracked; further ones are counted under "(other columns)".
    pub max_columns: usize,
    /// The year birth years are checked against (none: the current year).
    pub this_year: Option<i32>,
}

impl Default for ScreenConfig {
    fn default() -> Self {
        Self {
            min_count: 1,
            min_share: None,
            max_cells: 1_000_000,
            max_bytes: 512 * 1024 * 1024,
            max_value_bytes: 64 * 1024,
            max_examples: 3,
            max_columns: 4096,
            this_year: None,
        }
    }
}

/// The formats the screen reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Csv,
    Tsv,
    Xlsx,
    Json,
    Text,
}

/// The personal identifiers of one kind found in one column.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// The header (CSV), `Sheet!header` (XLSX), key path like `records[].phone` (JSON)
    /// or `line` (text).
    pub column: String,
    pub kind: Kind,
    /// Values of the column that hold this kind.
    pub count: u64,
    /// Non-empty values scanned in the column.
    pub values: u64,
    /// Masked samples, e.g. `0790******56`: the report itself must not leak the data.
    pub examples: Vec<String>,
}

/// What a scan found.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Report {
    pub format: Option<Format>,
    pub findings: Vec<Finding>,
    /// Data rows (CSV, XLSX), lines (text) or scalars (JSON) read.
    pub rows_scanned: u64,
    pub cells_scanned: u64,
    /// A cap (cells, bytes, an over-long value) cut the scan short.
    pub truncated: bool,
    /// The file is of a type the screen does not read.
    pub skipped: bool,
}

impl Report {
    /// Total values found of one kind, over all columns.
    pub fn total(&self, kind: Kind) -> u64 {
        self.findings
            .iter()
            .filter(|f| f.kind == kind)
            .map(|f| f.count)
            .sum()
    }

    /// The count for one column and kind (0 if not reported).
    pub fn count(&self, column: &str, kind: Kind) -> u64 {
        self.findings
            .iter()
            .find(|f| f.column == column && f.kind == kind)
            .map_or(0, |f| f.count)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ScreenError {
    #[error("reading the file: {0}")]
    Io(#[from] std::io::Error),
    #[error("malformed CSV: {0}")]
    Csv(String),
    #[error("malformed JSON at byte {offset}: {reason}")]
    Json { offset: u64, reason: String },
    #[error("unreadable XLSX: {0}")]
    Xlsx(String),
    #[error("file too large to screen ({size} bytes, limit {limit})")]
    TooLarge { size: u64, limit: u64 },
}

/// The format of a file from its name, then its media type (a `.csv` is often served as
/// `text/plain`, so the name wins).
pub fn detect_format(file_name: &str, media_type: Option<&str>) -> Option<Format> {
    let ext = file_name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    let by_ext = match ext.as_str() {
        "csv" => Some(Format::Csv),
        "tsv" | "tab" => Some(Format::Tsv),
        "xlsx" | "xlsm" => Some(Format::Xlsx),
        "json" | "geojson" | "jsonld" | "jsonl" | "ndjson" => Some(Format::Json),
        "txt" | "text" | "md" => Some(Format::Text),
        _ => None,
    };
    if by_ext.is_some() {
        return by_ext;
    }
    let mt = media_type?
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    match mt.as_str() {
        "text/csv" | "application/csv" => Some(Format::Csv),
        "text/tab-separated-values" => Some(Format::Tsv),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" => Some(Format::Xlsx),
        "application/json"
        | "application/geo+json"
        | "application/ld+json"
        | "text/json"
        | "application/x-ndjson" => Some(Format::Json),
        "text/plain" | "text/markdown" => Some(Format::Text),
        _ => None,
    }
}

/// The screen. Cheap to build; one per configuration.
#[derive(Debug, Clone, Default)]
pub struct Screener {
    config: ScreenConfig,
}

impl Screener {
    pub fn new(config: ScreenConfig) -> Self {
        Self { config }
    }

    pub fn config(&self) -> &ScreenConfig {
        &self.config
    }

    fn this_year(&self) -> i32 {
        self.config
            .this_year
            .unwrap_or_else(|| chrono::Utc::now().year())
    }

    /// Screen a file that can be read again from the start (a stored file). XLSX needs it:
    /// a ZIP archive is read from its end.
    pub fn scan<R: Read + Seek>(
        &self,
        mut reader: R,
        file_name: &str,
        media_type: Option<&str>,
    ) -> Result<Report, ScreenError> {
        match detect_format(file_name, media_type) {
            Some(Format::Xlsx) => {
                let size = reader.seek(std::io::SeekFrom::End(0))?;
                reader.seek(std::io::SeekFrom::Start(0))?;
                if size > self.config.max_bytes {
                    return Err(ScreenError::TooLarge {
                        size,
                        limit: self.config.max_bytes,
                    });
                }
                self.scan_xlsx(reader)
            }
            _ => self.scan_stream(reader, file_name, media_type),
        }
    }

    /// Screen a file read once from start to end (an upload in flight). An XLSX file is
    /// first copied to a temporary file (up to `max_bytes`), never to memory.
    pub fn scan_stream<R: Read>(
        &self,
        reader: R,
        file_name: &str,
        media_type: Option<&str>,
    ) -> Result<Report, ScreenError> {
        let Some(format) = detect_format(file_name, media_type) else {
            return Ok(Report {
                skipped: true,
                ..Report::default()
            });
        };
        let mut limited = reader.take(self.config.max_bytes);
        let mut report = match format {
            Format::Csv | Format::Tsv => {
                self.scan_csv(BufReader::new(&mut limited), format == Format::Tsv)?
            }
            Format::Json => self.scan_json(BufReader::new(&mut limited))?,
            Format::Text => self.scan_text(BufReader::new(&mut limited))?,
            Format::Xlsx => {
                let mut spool = tempfile::tempfile()?;
                std::io::copy(&mut limited, &mut spool)?;
                if limited.limit() == 0 && limited.get_mut().read(&mut [0u8])? > 0 {
                    return Err(ScreenError::TooLarge {
                        size: self.config.max_bytes + 1,
                        limit: self.config.max_bytes,
                    });
                }
                spool.seek(std::io::SeekFrom::Start(0))?;
                return self.scan_xlsx(BufReader::new(spool));
            }
        };
        if limited.limit() == 0 {
            report.truncated = true;
        }
        report.format = Some(format);
        Ok(report)
    }

    fn scan_csv<R: BufRead>(&self, mut r: R, tsv: bool) -> Result<Report, ScreenError> {
        let delimiter = if tsv {
            b'\t'
        } else {
            sniff_delimiter(r.fill_buf()?)
        };
        let capped = LineCap::new(r, self.config.max_value_bytes.max(4096) * 16);
        let mut rdr = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .flexible(true)
            .has_headers(false)
            .from_reader(capped);
        let mut tally = Tally::new(&self.config, self.this_year());
        let mut headers: Vec<(String, ColumnHint)> = Vec::new();
        let mut record = csv::ByteRecord::new();
        let mut first = true;
        loop {
            match rdr.read_byte_record(&mut record) {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => {
                    // An over-long line ends the scan as a cap, not as bad CSV.
                    if rdr.get_ref().overlong {
                        break;
                    }
                    return Err(ScreenError::Csv(e.to_string()));
                }
            }
            if first {
                first = false;
                headers = record
                    .iter()
                    .enumerate()
                    .map(|(i, h)| {
                        let h = String::from_utf8_lossy(h);
                        let h = h.trim_start_matches('\u{feff}').trim();
                        let name = if h.is_empty() {
                            format!("column {}", i + 1)
                        } else {
                            h.to_string()
                        };
                        let hint = column_hint(&name);
                        (name, hint)
                    })
                    .collect();
                // A first row holding identifiers is data, not a header: a file
                // without a header must not hide its first row.
                let year = self.this_year();
                if headers.iter().any(|(h, _)| looks_like_data(h, year)) {
                    headers.clear();
                } else {
                    continue;
                }
            }
            tally.rows += 1;
            for (i, field) in record.iter().enumerate() {
                let cut = field.len() > self.config.max_value_bytes;
                let field = &field[..field.len().min(self.config.max_value_bytes)];
                tally.truncated |= cut;
                let value = String::from_utf8_lossy(field);
                let (name, hint) = match headers.get(i) {
                    Some((n, h)) => (n.as_str(), *h),
                    None => ("", ColumnHint::default()),
                };
                let extra;
                let name = if name.is_empty() {
                    extra = format!("column {}", i + 1);
                    extra.as_str()
                } else {
                    name
                };
                if !tally.value(name, hint, &value, false) {
                    return Ok(tally.finish());
                }
            }
        }
        tally.truncated |= rdr.get_ref().overlong;
        Ok(tally.finish())
    }

    fn scan_text<R: BufRead>(&self, mut r: R) -> Result<Report, ScreenError> {
        let mut tally = Tally::new(&self.config, self.this_year());
        let mut line = Vec::new();
        loop {
            line.clear();
            let (more, cut) = read_line_capped(&mut r, &mut line, self.config.max_value_bytes)?;
            if !more && line.is_empty() {
                break;
            }
            tally.truncated |= cut;
            tally.rows += 1;
            let text = String::from_utf8_lossy(&line);
            if !tally.value("line", ColumnHint::default(), &text, false) {
                break;
            }
            if !more {
                break;
            }
        }
        Ok(tally.finish())
    }

    fn scan_json<R: BufRead>(&self, r: R) -> Result<Report, ScreenError> {
        let mut tally = Tally::new(&self.config, self.this_year());
        let mut walker = json::JsonWalker::new(r, self.config.max_value_bytes);
        let mut hints: HashMap<String, ColumnHint> = HashMap::new();
        walker.walk(&mut |path, value, numeric| {
            tally.rows += 1;
            let last_key = path.rsplit(['.', '[']).find(|s| !s.is_empty() && *s != "]");
            let hint = match hints.get(path) {
                Some(h) => *h,
                None => {
                    let h = column_hint(last_key.unwrap_or(path));
                    if hints.len() < self.config.max_columns {
                        hints.insert(path.to_string(), h);
                    }
                    h
                }
            };
            if tally.value(path, hint, value, numeric) {
                json::Flow::Go
            } else {
                json::Flow::Stop
            }
        })?;
        tally.truncated |= walker.cut;
        Ok(tally.finish())
    }

    fn scan_xlsx<R: Read + Seek>(&self, reader: R) -> Result<Report, ScreenError> {
        use calamine::{DataRef, Reader, Xlsx};
        let mut book: Xlsx<R> = Xlsx::new(reader).map_err(|e| ScreenError::Xlsx(e.to_string()))?;
        let mut tally = Tally::new(&self.config, self.this_year());
        'sheets: for sheet in book.sheet_names() {
            let mut cells = book
                .worksheet_cells_reader(&sheet)
                .map_err(|e| ScreenError::Xlsx(e.to_string()))?;
            let mut header_row: Option<u32> = None;
            let mut headers: HashMap<u32, (String, ColumnHint)> = HashMap::new();
            let mut last_row: Option<u32> = None;
            while let Some(cell) = cells
                .next_cell()
                .map_err(|e| ScreenError::Xlsx(e.to_string()))?
            {
                let (row, col) = cell.get_position();
                let (text, numeric) = match cell.get_value() {
                    DataRef::String(s) | DataRef::DateTimeIso(s) => (s.clone(), false),
                    DataRef::SharedString(s) => ((*s).to_string(), false),
                    DataRef::Int(i) => (i.to_string(), true),
                    DataRef::Float(f) => {
                        if f.fract() == 0.0 && f.abs() < 1e15 {
                            (format!("{}", *f as i64), true)
                        } else {
                            continue;
                        }
                    }
                    _ => continue,
                };
                if text.trim().is_empty() {
                    continue;
                }
                // The first row with a value is the header row.
                let hr = *header_row.get_or_insert(row);
                if row == hr && !looks_like_data(&text, tally.this_year) {
                    if headers.len() < self.config.max_columns {
                        let name = text.trim().to_string();
                        let hint = column_hint(&name);
                        headers.insert(col, (name, hint));
                    }
                    continue;
                }
                if last_row != Some(row) {
                    last_row = Some(row);
                    tally.rows += 1;
                }
                let (name, hint) = match headers.get(&col) {
                    Some((n, h)) => (format!("{sheet}!{n}"), *h),
                    None => (format!("{sheet}!column {}", col + 1), ColumnHint::default()),
                };
                let cut = text.len() > self.config.max_value_bytes;
                tally.truncated |= cut;
                let mut end = text.len().min(self.config.max_value_bytes);
                while !text.is_char_boundary(end) {
                    end -= 1;
                }
                if !tally.value(&name, hint, &text[..end], numeric) {
                    break 'sheets;
                }
            }
        }
        let mut report = tally.finish();
        report.format = Some(Format::Xlsx);
        Ok(report)
    }
}

/// Does a would-be header cell hold an identifier (the file has no header row)?
fn looks_like_data(cell: &str, this_year: i32) -> bool {
    !scan_value(cell, ColumnHint::default(), false, this_year).is_empty()
}

/// Pick the CSV delimiter from the first line: the most frequent of `,` `;` tab `|`
/// outside quotes (Vietnamese Excel exports often use `;`).
fn sniff_delimiter(head: &[u8]) -> u8 {
    let line = head.split(|&b| b == b'\n').next().unwrap_or_default();
    let mut counts = [0usize; 4];
    let cands = [b',', b';', b'\t', b'|'];
    let mut quoted = false;
    for &b in line {
        if b == b'"' {
            quoted = !quoted;
        } else if !quoted {
            if let Some(i) = cands.iter().position(|&c| c == b) {
                counts[i] += 1;
            }
        }
    }
    let (best, n) = counts
        .iter()
        .enumerate()
        .max_by_key(|&(i, n)| (*n, std::cmp::Reverse(i)))
        .unwrap_or((0, &0));
    if *n == 0 {
        b','
    } else {
        cands[best]
    }
}

/// Read one line into `buf`, keeping at most `cap` bytes of it (the rest is skipped).
/// Returns (more lines may follow, the line was cut).
fn read_line_capped<R: BufRead>(
    r: &mut R,
    buf: &mut Vec<u8>,
    cap: usize,
) -> std::io::Result<(bool, bool)> {
    let mut cut = false;
    loop {
        let chunk = r.fill_buf()?;
        if chunk.is_empty() {
            return Ok((false, cut));
        }
        let (take, done) = match chunk.iter().position(|&b| b == b'\n') {
            Some(i) => (i + 1, true),
            None => (chunk.len(), false),
        };
        let room = cap.saturating_sub(buf.len());
        let keep = if done { take - 1 } else { take };
        if keep > room {
            cut = true;
        }
        buf.extend_from_slice(&chunk[..keep.min(room)]);
        r.consume(take);
        if done {
            if buf.last() == Some(&b'\r') {
                buf.pop();
            }
            return Ok((true, cut));
        }
    }
}

/// A reader that ends the input at a physical line longer than `cap`: the CSV reader
/// would otherwise grow one record without bound.
struct LineCap<R> {
    inner: R,
    cap: usize,
    since_newline: usize,
    overlong: bool,
}

impl<R> LineCap<R> {
    fn new(inner: R, cap: usize) -> Self {
        Self {
            inner,
            cap,
            since_newline: 0,
            overlong: false,
        }
    }
}

impl<R: Read> Read for LineCap<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.overlong {
            return Ok(0);
        }
        let n = self.inner.read(buf)?;
        for (i, &b) in buf[..n].iter().enumerate() {
            if b == b'\n' {
                self.since_newline = 0;
            } else {
                self.since_newline += 1;
                if self.since_newline > self.cap {
                    self.overlong = true;
                    return Ok(i);
                }
            }
        }
        Ok(n)
    }
}

/// (name, non-empty values, per kind in `Kind::ALL` order: (count, masked examples)).
type ColumnStats = (String, u64, [(u64, Vec<String>); 4]);

/// Counts per (column, kind), bounded in columns and examples.
struct Tally<'a> {
    config: &'a ScreenConfig,
    this_year: i32,
    columns: HashMap<String, usize>,
    stats: Vec<ColumnStats>,
    rows: u64,
    cells: u64,
    truncated: bool,
}

impl<'a> Tally<'a> {
    fn new(config: &'a ScreenConfig, this_year: i32) -> Self {
        Self {
            config,
            this_year,
            columns: HashMap::new(),
            stats: Vec::new(),
            rows: 0,
            cells: 0,
            truncated: false,
        }
    }

    /// Count one value; false when the cell cap is reached.
    fn value(&mut self, column: &str, hint: ColumnHint, value: &str, numeric: bool) -> bool {
        if self.cells >= self.config.max_cells {
            self.truncated = true;
            return false;
        }
        self.cells += 1;
        if value.trim().is_empty() {
            return true;
        }
        let idx = match self.columns.get(column) {
            Some(&i) => i,
            None => {
                let name = if self.columns.len() < self.config.max_columns {
                    column.to_string()
                } else {
                    "(other columns)".to_string()
                };
                let i = *self.columns.entry(name.clone()).or_insert_with(|| {
                    self.stats.push((name, 0, Default::default()));
                    self.stats.len() - 1
                });
                if self.columns.len() < self.config.max_columns {
                    self.columns.insert(column.to_string(), i);
                }
                i
            }
        };
        let entry = &mut self.stats[idx];
        entry.1 += 1;
        let hits = scan_value(value, hint, numeric, self.this_year);
        // A value counts once per kind, however many identifiers of that kind it holds.
        let mut seen = [false; 4];
        for h in hits {
            let k = h.kind as usize;
            if seen[k] {
                continue;
            }
            seen[k] = true;
            let slot = &mut entry.2[k];
            slot.0 += 1;
            if slot.1.len() < self.config.max_examples {
                slot.1.push(mask(h.kind, &h.value));
            }
        }
        true
    }

    fn finish(self) -> Report {
        let mut findings = Vec::new();
        for (name, values, kinds) in self.stats {
            for (k, (count, examples)) in kinds.into_iter().enumerate() {
                if count == 0 {
                    continue;
                }
                let share_ok = self
                    .config
                    .min_share
                    .is_some_and(|s| values > 0 && count as f64 / values as f64 >= s);
                if count >= self.config.min_count || share_ok {
                    findings.push(Finding {
                        column: name.clone(),
                        kind: Kind::ALL[k],
                        count,
                        values,
                        examples,
                    });
                }
            }
        }
        Report {
            format: None,
            findings,
            rows_scanned: self.rows,
            cells_scanned: self.cells,
            truncated: self.truncated,
            skipped: false,
        }
    }
}
