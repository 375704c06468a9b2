//! Recognisers: pure functions from one value (a cell, a JSON scalar, a line of text) to
//! the personal identifiers it contains. They aim at few false alarms: a recogniser only
//! fires on a shape that ordinary statistics, dates and codes rarely take.

use serde::Serialize;
use unicode_normalization::UnicodeNormalization;

use crate::provinces::province;

/// The kinds of personal identifier the screen recognises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A 12-digit citizen identity number (số căn cước công dân / định danh cá nhân).
    CitizenId,
    /// A 9-digit legacy identity card number (chứng minh nhân dân).
    LegacyId,
    /// A Vietnamese mobile number.
    Mobile,
    /// An e-mail address.
    Email,
}

impl Kind {
    pub const ALL: [Kind; 4] = [Kind::CitizenId, Kind::LegacyId, Kind::Mobile, Kind::Email];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::CitizenId => "citizen_id",
            Kind::LegacyId => "legacy_id",
            Kind::Mobile => "mobile",
            Kind::Email => "email",
        }
    }
}

/// Current mobile prefixes (the three digits after the leading 0), by carrier:
/// Viettel 032–039, 086, 096–098; Vinaphone 081–085, 088, 091, 094; Mobifone 070,
/// 076–079, 089, 090, 093; Vietnamobile 052, 056, 058, 092; Gmobile 059, 099; Itel 087;
/// Reddi 055. Landlines (02x) and retired 11-digit prefixes are not here on purpose.
const MOBILE_PREFIXES: [u16; 36] = [
    32, 33, 34, 35, 36, 37, 38, 39, 52, 55, 56, 58, 59, 70, 76, 77, 78, 79, 81, 82, 83, 84, 85, 86,
    87, 88, 89, 90, 91, 92, 93, 94, 96, 97, 98, 99,
];

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

fn all_same(s: &str) -> bool {
    let b = s.as_bytes();
    b.first().is_none_or(|&first| b.iter().all(|&c| c == first))
}

/// Is `digits` (exactly 12 ASCII digits) a plausible citizen identity number, in
/// `this_year`? Province code from the official list, then the century-and-sex digit and
/// the two year digits must give a birth year not in the future and at most 120 years ago.
pub fn is_citizen_id(digits: &str, this_year: i32) -> bool {
    if digits.len() != 12 || !all_digits(digits) || all_same(&digits[6..]) {
        return false;
    }
    let Ok(code) = digits[..3].parse::<u16>() else {
        return false;
    };
    if province(code).is_none() {
        return false;
    }
    let century_sex = i32::from(digits.as_bytes()[3] - b'0');
    // 0/1: born 1900–1999 (male/female), 2/3: 2000–2099, 4/5: 2100s, 6/7: 2200s, 8/9: 2300s.
    let century = 1900 + 100 * (century_sex / 2);
    let Ok(yy) = digits[4..6].parse::<i32>() else {
        return false;
    };
    let year = century + yy;
    year <= this_year && year >= this_year - 120
}

/// Is `digits` a plausible 9-digit legacy identity card number? Only meaningful in a
/// column that says it holds identity numbers: nine digits alone are too common.
pub fn is_legacy_id(digits: &str) -> bool {
    digits.len() == 9 && all_digits(digits) && !all_same(digits)
}

/// The national form (`0` + 9 digits) of a mobile number written as `digits` (separators
/// and `+` already removed): `0xxxxxxxxx` or `84xxxxxxxxx`.
pub fn mobile_national(digits: &str) -> Option<String> {
    let national = match digits.len() {
        10 if digits.starts_with('0') => digits.to_string(),
        11 if digits.starts_with("84") => format!("0{}", &digits[2..]),
        _ => return None,
    };
    if !all_digits(&national) {
        return None;
    }
    let prefix: u16 = national[1..3].parse().ok()?;
    if MOBILE_PREFIXES.contains(&prefix) && !all_same(&national[3..]) {
        Some(national)
    } else {
        None
    }
}

/// Is `s` a sane e-mail address (not RFC-complete): a local part of letters, digits and
/// `._%+-`, an `@`, and a domain of at least two labels whose last one is alphabetic.
pub fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    if local.is_empty()
        || local.len() > 64
        || local.starts_with('.')
        || local.ends_with('.')
        || local.contains("..")
        || !local.bytes().all(is_local_byte)
    {
        return false;
    }
    let labels: Vec<&str> = domain.split('.').collect();
    if labels.len() < 2 || domain.len() > 253 {
        return false;
    }
    let label_ok = |l: &&str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    };
    let tld = labels[labels.len() - 1];
    labels.iter().all(label_ok) && tld.len() >= 2 && tld.bytes().all(|b| b.is_ascii_alphabetic())
}

fn is_local_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'%' | b'+' | b'-')
}

/// What a column's header says about its values.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ColumnHint {
    /// The header names an identity document number (CMND, CCCD, …).
    pub identity: bool,
    /// The header names a telephone number.
    pub phone: bool,
    /// The header names an amount or a tax code: phone-shaped numbers there are not phones.
    pub not_phone: bool,
}

/// Fold a header: no diacritics, `đ` → `d`, lower case, words separated by one space.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = true;
    for c in s.nfd() {
        let c = match c {
            'đ' | 'Đ' => 'd',
            c if unicode_normalization::char::is_combining_mark(c) => continue,
            c => c,
        };
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
            space = false;
        } else if !space {
            out.push(' ');
            space = true;
        }
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

fn has_word(folded: &str, words: &[&str]) -> bool {
    let padded = format!(" {folded} ");
    words.iter().any(|w| padded.contains(&format!(" {w} ")))
}

/// The hint a header gives, folded without diacritics so "Số CMND", "so_cmnd" and
/// "SO CMND" all read the same.
pub fn column_hint(header: &str) -> ColumnHint {
    let f = fold(header);
    // Glued spellings ("socmnd", "idcard") are common in exported spreadsheets.
    let glued = f.replace(' ', "");
    let identity = has_word(
        &f,
        &[
            "cmnd",
            "cmt",
            "cccd",
            "chung minh",
            "can cuoc",
            "dinh danh",
            "id card",
            "identity",
            "national id",
            "citizen id",
            "personal id",
        ],
    ) || ["socmnd", "socccd", "idcard", "nationalid", "citizenid"]
        .iter()
        .any(|g| glued.contains(g));
    let phone = has_word(
        &f,
        &[
            "sdt",
            "dt",
            "dien thoai",
            "so dien thoai",
            "phone",
            "mobile",
            "tel",
            "telephone",
            "di dong",
            "hotline",
        ],
    ) || glued.contains("dienthoai")
        || glued.contains("phone");
    let not_phone = has_word(
        &f,
        &[
            "mst",
            "ma so thue",
            "tax",
            "so tien",
            "amount",
            "gia tri",
            "thanh tien",
            "don gia",
            "price",
            "vnd",
            "dong",
        ],
    ) || glued.contains("masothue");
    ColumnHint {
        identity,
        phone,
        not_phone: not_phone && !phone,
    }
}

/// One identifier found in a value, in normal form (digits only, or the address).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    pub kind: Kind,
    pub value: String,
}

/// The identifiers in one value. `numeric` says the value was a number in its file
/// (an XLSX number cell, a JSON number): leading zeros are lost there, so a number is
/// padded back only in a column whose header names identity numbers or phones.
pub fn scan_value(value: &str, hint: ColumnHint, numeric: bool, this_year: i32) -> Vec<Hit> {
    let mut hits = Vec::new();
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return hits;
    }
    if numeric {
        scan_number(trimmed, hint, this_year, &mut hits);
        return hits;
    }
    let mut masked: Option<String> = None;
    if trimmed.contains('@') {
        let emails = find_emails(trimmed);
        if !emails.is_empty() {
            // Blank the addresses out so "0912345678@example.com" is not also a phone.
            let mut m = trimmed.as_bytes().to_vec();
            for &(start, end) in &emails {
                hits.push(Hit {
                    kind: Kind::Email,
                    value: trimmed[start..end].to_ascii_lowercase(),
                });
                m[start..end].fill(b' ');
            }
            masked = Some(String::from_utf8_lossy(&m).into_owned());
        }
    }
    let text = masked.as_deref().unwrap_or(trimmed);
    for run in digit_runs(text) {
        let whole = masked.is_none() && run.start == 0 && run.end == trimmed.len();
        if let Some(hit) = classify_run(&run, whole, hint, this_year) {
            hits.push(hit);
        } else if run.groups.len() > 1 && run.sep == Some(b' ') {
            // "0912345678 2024": numbers side by side in prose; try each alone.
            for g in &run.groups {
                let single = Run {
                    start: 0,
                    end: 0,
                    plus: false,
                    groups: vec![g.clone()],
                    sep: None,
                };
                if let Some(hit) = classify_run(&single, false, hint, this_year) {
                    hits.push(hit);
                }
            }
        }
    }
    hits
}

fn scan_number(s: &str, hint: ColumnHint, this_year: i32, hits: &mut Vec<Hit>) {
    // Only integers: "1.5e3" or "12.5" are measurements.
    let digits = s.strip_suffix(".0").unwrap_or(s);
    if !all_digits(digits) {
        return;
    }
    if is_citizen_id(digits, this_year) {
        hits.push(hit(Kind::CitizenId, digits));
    } else if hint.identity {
        // Province codes run 001–096, so a number lost one or two leading zeros; a
        // legacy number of the northern provinces (01…) lost one.
        let padded12 = format!("{digits:0>12}");
        let padded9 = format!("{digits:0>9}");
        if (10..=11).contains(&digits.len()) && is_citizen_id(&padded12, this_year) {
            hits.push(hit(Kind::CitizenId, &padded12));
        } else if (8..=9).contains(&digits.len()) && is_legacy_id(&padded9) {
            hits.push(hit(Kind::LegacyId, &padded9));
        }
    } else if hint.phone {
        let candidate = if digits.len() == 9 {
            format!("0{digits}")
        } else {
            digits.to_string()
        };
        if let Some(n) = mobile_national(&candidate) {
            hits.push(hit(Kind::Mobile, &n));
        }
    }
}

fn hit(kind: Kind, value: &str) -> Hit {
    Hit {
        kind,
        value: value.to_string(),
    }
}

/// A run of digits, possibly in groups joined by one separator character.
#[derive(Debug)]
struct Run {
    start: usize,
    end: usize,
    plus: bool,
    groups: Vec<String>,
    /// The separator, if the run has more than one group and uses only one kind.
    sep: Option<u8>,
}

fn classify_run(run: &Run, whole: bool, hint: ColumnHint, this_year: i32) -> Option<Hit> {
    let digits: String = run.groups.concat();
    let grouped = run.groups.len() > 1;
    // "0.912345678" is a fraction, not a phone: every group of a grouped number has at
    // least two digits.
    if grouped && run.groups.iter().any(|g| g.len() < 2) {
        return None;
    }
    if grouped && run.sep.is_none() {
        return None;
    }
    if !run.plus && digits.len() == 12 && (!grouped || whole) && is_citizen_id(&digits, this_year) {
        return Some(hit(Kind::CitizenId, &digits));
    }
    if hint.identity && !run.plus && whole && is_legacy_id(&digits) {
        return Some(hit(Kind::LegacyId, &digits));
    }
    if hint.not_phone {
        return None;
    }
    if run.plus && !digits.starts_with("84") {
        return None;
    }
    // "+84 0912 345 678": the trunk 0 kept after the country code.
    let digits = match digits.strip_prefix("840") {
        Some(rest) if run.plus && rest.len() == 9 => format!("84{rest}"),
        _ => digits,
    };
    mobile_national(&digits).map(|n| hit(Kind::Mobile, &n))
}

fn digit_runs(s: &str) -> Vec<Run> {
    let b = s.as_bytes();
    let mut runs = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let plus = b[i] == b'+' && b.get(i + 1).is_some_and(u8::is_ascii_digit);
        if !(b[i].is_ascii_digit() || plus) {
            i += 1;
            continue;
        }
        let start = i;
        // A run glued to a letter or continuing a number ("A0912345678", "1,0912345678")
        // is part of a code or a figure, not an identifier.
        let glued_before = start > 0 && {
            let p = b[start - 1];
            p.is_ascii_alphanumeric()
                || p >= 0x80
                || (matches!(p, b'.' | b',' | b'-' | b'_')
                    && start > 1
                    && b[start - 2].is_ascii_alphanumeric())
        };
        if plus {
            i += 1;
        }
        let mut groups = vec![String::new()];
        let mut seps: Vec<u8> = Vec::new();
        while i < b.len() {
            let c = b[i];
            if c.is_ascii_digit() {
                if let Some(g) = groups.last_mut() {
                    g.push(c as char);
                }
                i += 1;
            } else if matches!(c, b' ' | b'.' | b'-')
                && b.get(i + 1).is_some_and(u8::is_ascii_digit)
                && groups.len() < 8
            {
                seps.push(c);
                groups.push(String::new());
                i += 1;
            } else {
                break;
            }
        }
        let end = i;
        let glued_after = b.get(end).is_some_and(|&c| {
            c.is_ascii_alphanumeric()
                || c >= 0x80
                || c == b'_'
                || (matches!(c, b'.' | b',' | b'-')
                    && b.get(end + 1).is_some_and(u8::is_ascii_alphanumeric))
        });
        if glued_before || glued_after {
            continue;
        }
        let sep = match seps.first() {
            None => None,
            Some(&first) if seps.iter().all(|&s| s == first) => Some(first),
            Some(_) => None,
        };
        runs.push(Run {
            start,
            end,
            plus,
            groups,
            sep,
        });
        if runs.len() >= 1024 {
            break;
        }
    }
    runs
}

/// Byte ranges of the e-mail addresses in `s`.
fn find_emails(s: &str) -> Vec<(usize, usize)> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut last_end = 0;
    for (at, _) in s.match_indices('@') {
        if at < last_end {
            continue;
        }
        let mut start = at;
        while start > last_end && is_local_byte(b[start - 1]) {
            start -= 1;
        }
        while start < at && matches!(b[start], b'.' | b'-' | b'+') {
            start += 1;
        }
        let mut end = at + 1;
        while end < b.len() && (b[end].is_ascii_alphanumeric() || matches!(b[end], b'.' | b'-')) {
            end += 1;
        }
        while end > at + 1 && matches!(b[end - 1], b'.' | b'-') {
            end -= 1;
        }
        if is_email(&s[start..end]) {
            out.push((start, end));
            last_end = end;
        }
        if out.len() >= 256 {
            break;
        }
    }
    out
}

/// A sample safe to show in a report: most of the identifier hidden.
pub fn mask(kind: Kind, value: &str) -> String {
    match kind {
        Kind::Email => match value.split_once('@') {
            Some((local, domain)) => {
                let first: String = local.chars().take(1).collect();
                format!("{first}***@{domain}")
            }
            None => "***".to_string(),
        },
        Kind::CitizenId | Kind::LegacyId | Kind::Mobile => {
            let (keep_start, keep_end) = match kind {
                Kind::CitizenId => (4, 2),
                Kind::Mobile => (3, 2),
                _ => (2, 2),
            };
            let n = value.chars().count();
            if n <= keep_start + keep_end {
                return "*".repeat(n);
            }
            value
                .chars()
                .enumerate()
                .map(|(i, c)| {
                    if i < keep_start || i >= n - keep_end {
                        c
                    } else {
                        '*'
                    }
                })
                .collect()
        }
    }
}

#[cfg(test)]
mod tests;
