use serde_json::{json, Map, Value};

use super::*;

fn licenses() -> LicenseRegister {
    LicenseRegister::ckan_default()
}

/// A dataset that earns every point.
fn full() -> Map<String, Value> {
    let v = json!({
        "title": "Danh sách trường học",
        "notes": "Các trường trên địa bàn tỉnh",
        "license_id": "cc-by",
        "owner_org": "org-1",
        "sharing_level": "open",
        "update_frequency": "annual",
        "contact_email": "dulieu@example.org",
        "legal_basis": "Quyết định 57/2020",
        "tags": [{"name": "giáo dục"}],
        "theme": ["giao-duc"],
        "spatial": "Tỉnh Tây Ninh",
        "temporal_start": "2023-01-01",
        "resources": [
            {"url": "https://example.org/a.csv", "format": "CSV", "size": 10,
             "link_status": "ok"},
            {"url": "a.pdf", "url_type": "upload", "format": "PDF", "size": 20}
        ]
    });
    v.as_object().cloned().unwrap_or_default()
}

fn missing_keys(q: &Quality) -> Vec<&'static str> {
    q.missing.iter().map(|m| m.indicator).collect()
}

fn res(d: &mut Map<String, Value>) -> &mut Vec<Value> {
    match d.get_mut("resources") {
        Some(Value::Array(a)) => a,
        _ => unreachable!("fixture has resources"),
    }
}

#[test]
fn weights_add_up_to_the_maximum() {
    assert_eq!(INDICATORS.iter().map(|i| i.points).sum::<u32>(), MAX_SCORE);
    for i in INDICATORS {
        assert!(DIMENSIONS.contains(&i.dimension), "{}", i.key);
    }
}

#[test]
fn a_complete_dataset_scores_the_maximum() {
    let q = assess_dict(&full(), &licenses());
    assert_eq!(q.missing, vec![]);
    assert_eq!(q.score, 100);
    assert_eq!(q.rating, "excellent");
    let dims: Vec<(&str, u32, u32)> = q
        .dimensions
        .iter()
        .map(|(n, d)| (*n, d.score, d.max))
        .collect();
    assert_eq!(
        dims,
        vec![
            ("findability", 30, 30),
            ("accessibility", 20, 20),
            ("interoperability", 25, 25),
            ("reusability", 20, 20),
            ("contextuality", 5, 5),
        ]
    );
}

/// Remove `key` from the full dataset: exactly `indicators` are missing, with `reason`.
fn without(key: &str, indicators: &[&str], reason: &str) {
    let mut d = full();
    d.remove(key);
    let q = assess_dict(&d, &licenses());
    assert_eq!(missing_keys(&q), indicators, "without {key}");
    assert_eq!(q.missing[0].reason, reason);
    let lost: u32 = q.missing.iter().map(|m| m.points).sum();
    assert_eq!(q.score, 100 - lost);
}

#[test]
fn each_metadata_indicator() {
    without("tags", &["keyword"], "The dataset has no keywords");
    without("theme", &["theme"], "The dataset has no theme");
    without(
        "spatial",
        &["spatial"],
        "The dataset does not state its spatial coverage",
    );
    without(
        "temporal_start",
        &["temporal"],
        "The dataset does not state its temporal coverage",
    );
    without(
        "contact_email",
        &["profile", "contact_point"],
        "The dataset lacks fields the provincial profile asks for",
    );
    without(
        "legal_basis",
        &["legal_basis"],
        "The dataset does not state its legal basis",
    );
    without(
        "owner_org",
        &["profile", "publisher"],
        "The dataset lacks fields the provincial profile asks for",
    );
    without(
        "sharing_level",
        &["profile", "access_rights"],
        "The dataset lacks fields the provincial profile asks for",
    );
    without(
        "update_frequency",
        &["profile", "update_frequency"],
        "The dataset lacks fields the provincial profile asks for",
    );
    without(
        "notes",
        &["profile"],
        "The dataset lacks fields the provincial profile asks for",
    );
    without(
        "license_id",
        &["profile", "license", "license_known"],
        "The dataset lacks fields the provincial profile asks for",
    );
}

#[test]
fn temporal_end_alone_is_enough_and_unknown_frequency_is_not() {
    let mut d = full();
    d.remove("temporal_start");
    d.insert("temporal_end".into(), json!("2023-12-31"));
    assert_eq!(assess_dict(&d, &licenses()).score, 100);
    d.insert("update_frequency".into(), json!("unknown"));
    let q = assess_dict(&d, &licenses());
    assert_eq!(missing_keys(&q), ["update_frequency"]);
    assert_eq!(q.score, 98);
}

#[test]
fn blank_values_count_as_missing() {
    let mut d = full();
    d.insert("spatial".into(), json!("  "));
    d.insert("theme".into(), json!([]));
    d.insert("tags".into(), json!([]));
    assert_eq!(
        missing_keys(&assess_dict(&d, &licenses())),
        ["keyword", "theme", "spatial"]
    );
}

#[test]
fn a_license_outside_the_register() {
    let mut d = full();
    d.insert("license_id".into(), json!("my-own-license"));
    let q = assess_dict(&d, &licenses());
    assert_eq!(missing_keys(&q), ["license_known"]);
    assert_eq!(q.missing[0].points, 4);
    assert_eq!(
        q.missing[0].reason,
        "The license is not in the license register"
    );
}

#[test]
fn links_not_checked_yet_earn_nothing() {
    let mut d = full();
    res(&mut d)[0]
        .as_object_mut()
        .map(|r| r.remove("link_status"));
    let q = assess_dict(&d, &licenses());
    assert_eq!(missing_keys(&q), ["access_url"]);
    assert_eq!(
        q.missing[0].reason,
        "A resource link has not been checked yet"
    );
    assert_eq!(q.score, 85);
    assert_eq!(q.rating, "good");
}

#[test]
fn a_broken_link_loses_the_access_points() {
    let mut d = full();
    res(&mut d)[0]["link_status"] = json!("broken");
    let q = assess_dict(&d, &licenses());
    assert_eq!(missing_keys(&q), ["access_url"]);
    assert_eq!(
        q.missing[0].reason,
        "A resource link was not reachable when last checked"
    );
}

#[test]
fn uploads_are_reachable_without_a_check() {
    let mut d = full();
    res(&mut d).remove(0);
    res(&mut d)[0]["format"] = json!("CSV");
    assert_eq!(assess_dict(&d, &licenses()).score, 100);
}

#[test]
fn no_resources() {
    let mut d = full();
    res(&mut d).clear();
    let q = assess_dict(&d, &licenses());
    assert_eq!(
        missing_keys(&q),
        [
            "access_url",
            "download_url",
            "format",
            "machine_readable",
            "non_proprietary",
            "byte_size"
        ]
    );
    assert_eq!(q.score, 100 - 15 - 5 - 5 - 5 - 5 - 1);
}

#[test]
fn formats_machine_readable_and_open() {
    let mut d = full();
    // Only a Word document and a PDF: open but not machine-readable.
    res(&mut d)[0]["format"] = json!("DOCX");
    assert_eq!(
        missing_keys(&assess_dict(&d, &licenses())),
        ["machine_readable"]
    );
    // Only Excel: machine-readable, proprietary.
    res(&mut d).remove(1);
    res(&mut d)[0]["format"] = json!("xlsx");
    assert_eq!(
        missing_keys(&assess_dict(&d, &licenses())),
        ["non_proprietary"]
    );
    // No format at all, but a MIME type still tells what it is.
    res(&mut d)[0]["format"] = json!("");
    res(&mut d)[0]["mimetype"] = json!("text/csv");
    assert_eq!(missing_keys(&assess_dict(&d, &licenses())), ["format"]);
}

#[test]
fn missing_url_and_size() {
    let mut d = full();
    res(&mut d)[0]["url"] = json!("");
    res(&mut d)[1].as_object_mut().map(|r| r.remove("size"));
    assert_eq!(
        missing_keys(&assess_dict(&d, &licenses())),
        ["download_url", "byte_size"]
    );
}

#[test]
fn mqa_bands_in_proportion() {
    // MQA's own scale: 351 excellent, 221 good, 121 sufficient.
    assert_eq!(rating(351, 405), "excellent");
    assert_eq!(rating(350, 405), "good");
    assert_eq!(rating(221, 405), "good");
    assert_eq!(rating(220, 405), "sufficient");
    assert_eq!(rating(121, 405), "sufficient");
    assert_eq!(rating(120, 405), "bad");
    // Out of 100.
    assert_eq!(rating(87, 100), "excellent");
    assert_eq!(rating(86, 100), "good");
    assert_eq!(rating(55, 100), "good");
    assert_eq!(rating(54, 100), "sufficient");
    assert_eq!(rating(30, 100), "sufficient");
    assert_eq!(rating(29, 100), "bad");
    assert_eq!(rating(0, 100), "bad");
}

#[test]
fn the_shown_value() {
    let mut d = full();
    d.remove("legal_basis");
    let v = assess_dict(&d, &licenses()).to_value();
    assert_eq!(v["score"], 98);
    assert_eq!(v["max"], 100);
    assert_eq!(v["rating"], "excellent");
    assert_eq!(
        v["dimensions"]["contextuality"],
        json!({"score": 3, "max": 5})
    );
    assert_eq!(
        v["missing"],
        json!([{"dimension": "contextuality", "indicator": "legal_basis", "points": 2,
                "reason": "The dataset does not state its legal basis"}])
    );
}
