//! Quality scores (requirement 13) over HTTP: the `quality` key of `package_show`, sort,
//! facet and filter in `package_search`, `quality_report` per organization under the
//! caller's permissions, and the link checker that feeds the accessibility points
//! (against a small HTTP server started by the test).

mod common;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::*;
use kho_catalog::{LinkCheckConfig, LinkChecker};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

both_backends!(
    quality_is_shown_sorted_faceted_and_filtered,
    the_report_counts_only_what_the_caller_may_read,
    a_pass_keeps_to_its_concurrency_and_host_quota,
);

// ---------------------------------------------------------------- a test HTTP server

#[derive(Default)]
struct Stats {
    /// `METHOD path` → requests seen.
    seen: HashMap<String, usize>,
    in_flight: usize,
    max_in_flight: usize,
}

/// A server on 127.0.0.1: `/ok.csv` 200, `/missing` 404, `/nohead` refuses HEAD (405) and
/// answers a GET with 206, `/moved` redirects to `/ok.csv`, `/loop` to itself, `/slow`
/// answers after 3 s, `/wait/*` after 300 ms.
async fn server() -> (String, Arc<Mutex<Stats>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let stats = Arc::new(Mutex::new(Stats::default()));
    let shared = stats.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                break;
            };
            let stats = shared.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 1024];
                while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                    match sock.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
                let head = String::from_utf8_lossy(&buf).to_string();
                let mut words = head.split_whitespace();
                let method = words.next().unwrap_or_default().to_owned();
                let path = words.next().unwrap_or_default().to_owned();
                {
                    let mut s = stats.lock().expect("stats");
                    *s.seen.entry(format!("{method} {path}")).or_default() += 1;
                    s.in_flight += 1;
                    s.max_in_flight = s.max_in_flight.max(s.in_flight);
                }
                if path == "/slow" {
                    tokio::time::sleep(Duration::from_secs(3)).await;
                } else if path.starts_with("/wait/") {
                    tokio::time::sleep(Duration::from_millis(300)).await;
                }
                let (status, extra, body) = match (method.as_str(), path.as_str()) {
                    (_, "/missing") => ("404 Not Found", String::new(), ""),
                    ("HEAD", "/nohead") => ("405 Method Not Allowed", String::new(), ""),
                    ("GET", "/nohead") => ("206 Partial Content", String::new(), "a"),
                    (_, "/moved") => ("302 Found", "Location: /ok.csv\r\n".into(), ""),
                    (_, "/loop") => ("302 Found", "Location: /loop\r\n".into(), ""),
                    _ => ("200 OK", String::new(), ""),
                };
                let reply = format!(
                    "HTTP/1.1 {status}\r\nContent-Type: text/csv\r\n{extra}Content-Length: {}\r\nConnection: close\r\n\r\n{}",
                    body.len(),
                    if method == "HEAD" { "" } else { body },
                );
                let _ = sock.write_all(reply.as_bytes()).await;
                let _ = sock.shutdown().await;
                stats.lock().expect("stats").in_flight -= 1;
            });
        }
    });
    (base, stats)
}

fn local_checks() -> LinkCheckConfig {
    LinkCheckConfig {
        allow_private: true,
        timeout_seconds: 1,
        max_redirects: 3,
        ..LinkCheckConfig::default()
    }
}

fn seen(stats: &Arc<Mutex<Stats>>, key: &str) -> usize {
    stats
        .lock()
        .expect("stats")
        .seen
        .get(key)
        .copied()
        .unwrap_or(0)
}

// ---------------------------------------------------------------- the checker alone

#[tokio::test]
async fn the_checker_answers_status_redirects_and_timeouts() {
    let (base, stats) = server().await;
    let checker = LinkChecker::new(&local_checks()).expect("checker");

    let ok = checker.check(&format!("{base}/ok.csv")).await;
    assert_eq!(
        (ok.status_code, ok.ok, ok.error.as_deref()),
        (Some(200), true, None)
    );
    assert_eq!(ok.content_type.as_deref(), Some("text/csv"));
    assert_eq!(seen(&stats, "HEAD /ok.csv"), 1);
    assert_eq!(seen(&stats, "GET /ok.csv"), 0);

    let missing = checker.check(&format!("{base}/missing")).await;
    assert_eq!(
        (missing.status_code, missing.ok, missing.error.as_deref()),
        (Some(404), false, Some("HTTP 404"))
    );

    // HEAD refused: one ranged GET.
    let nohead = checker.check(&format!("{base}/nohead")).await;
    assert_eq!((nohead.status_code, nohead.ok), (Some(206), true));
    assert_eq!(seen(&stats, "HEAD /nohead"), 1);
    assert_eq!(seen(&stats, "GET /nohead"), 1);

    let moved = checker.check(&format!("{base}/moved")).await;
    assert_eq!((moved.status_code, moved.ok), (Some(200), true));
    assert_eq!(
        seen(&stats, "HEAD /ok.csv") + seen(&stats, "GET /ok.csv"),
        2
    );

    let looping = checker.check(&format!("{base}/loop")).await;
    assert_eq!((looping.status_code, looping.ok), (None, false));
    assert_eq!(looping.error.as_deref(), Some("too many redirects"));
    // The first request and three redirects followed.
    assert_eq!(seen(&stats, "HEAD /loop"), 4);

    let slow = checker.check(&format!("{base}/slow")).await;
    assert_eq!(
        (slow.status_code, slow.ok, slow.error.as_deref()),
        (None, false, Some("timed out"))
    );

    let ftp = checker.check("ftp://example.org/a.csv").await;
    assert_eq!(
        ftp.error.as_deref(),
        Some("only http and https links are checked")
    );
}

#[tokio::test]
async fn private_addresses_are_refused_by_default() {
    let (base, stats) = server().await;
    let checker = LinkChecker::new(&LinkCheckConfig {
        timeout_seconds: 1,
        ..LinkCheckConfig::default()
    })
    .expect("checker");
    for url in [
        format!("{base}/ok.csv"),
        "http://localhost/a.csv".to_owned(),
        "http://[::1]/a.csv".to_owned(),
        "http://10.1.2.3/a.csv".to_owned(),
        "http://169.254.169.254/latest/meta-data".to_owned(),
    ] {
        let o = checker.check(&url).await;
        assert_eq!(
            (o.ok, o.error.as_deref()),
            (false, Some("refused: a private address")),
            "{url}"
        );
    }
    assert_eq!(stats.lock().expect("stats").seen.len(), 0);
    assert!(kho_catalog::linkcheck::is_private(
        "100.64.0.1".parse().expect("ip")
    ));
    assert!(kho_catalog::linkcheck::is_private(
        "::ffff:192.168.1.1".parse().expect("ip")
    ));
    assert!(kho_catalog::linkcheck::is_private(
        "fd00::1".parse().expect("ip")
    ));
    assert!(!kho_catalog::linkcheck::is_private(
        "203.113.131.1".parse().expect("ip")
    ));
}

// ---------------------------------------------------------------- through the API

/// Profile fields that earn every metadata point.
fn complete(name: &str, org: &str, sharing: &str, urls: &[String]) -> Value {
    json!({
        "name": name, "title": format!("Bộ {name}"), "notes": "Mô tả đầy đủ",
        "owner_org": org, "license_id": "cc-by", "sharing_level": sharing,
        "update_frequency": "annual", "contact_email": "dulieu@example.org",
        "legal_basis": "Quyết định 25/2022/QĐ-UBND", "theme": ["education"],
        "spatial": "Tỉnh Tây Ninh", "temporal_start": "2023-01-01",
        "tags": [{"name": "giáo dục"}],
        "resources": urls.iter().map(|u| json!({"url": u, "format": "CSV", "size": 10}))
            .collect::<Vec<_>>(),
    })
}

fn names(v: &Value) -> Vec<&str> {
    v["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|d| d["name"].as_str().expect("name"))
        .collect()
}

/// `so-a` (member `thanh`), `so-b`; open `day-du` (complete, one web link), open
/// `thieu` (bare), `rieng` of `so-a` (complete, special-request sharing), open `b-mo` of
/// `so-b` (complete, a broken link).
async fn catalogue(app: &TestApp, base: &str) -> (String, String) {
    let admin = app.sysadmin().await;
    let (_, thanh) = app.user("thanh", false).await;
    app.ok(
        "organization_create",
        json!({"name": "so-a", "title": "Sở A", "users": [{"name": "thanh", "capacity": "member"}]}),
        Some(&admin),
    )
    .await;
    app.ok(
        "organization_create",
        json!({"name": "so-b", "title": "Sở B"}),
        Some(&admin),
    )
    .await;
    for body in [
        complete("day-du", "so-a", "open", &[format!("{base}/ok.csv")]),
        json!({"name": "thieu", "owner_org": "so-a"}),
        complete("rieng", "so-a", "restricted", &[format!("{base}/moved")]),
        complete("b-mo", "so-b", "open", &[format!("{base}/missing")]),
    ] {
        app.ok("package_create", body, Some(&admin)).await;
    }
    (admin, thanh)
}

async fn quality_is_shown_sorted_faceted_and_filtered(backend: Backend) {
    let app = TestApp::new(backend).await;
    let (base, _stats) = server().await;
    let (admin, thanh) = catalogue(&app, &base).await;

    // Before any check: every point but the reachable link.
    let shown = app.ok("package_show", json!({"id": "day-du"}), None).await;
    let q = &shown["quality"];
    assert_eq!(q["score"], 85, "{q}");
    assert_eq!(q["max"], 100);
    assert_eq!(q["rating"], "good");
    assert_eq!(
        q["missing"],
        json!([{"dimension": "accessibility", "indicator": "access_url", "points": 15,
                "reason": "A resource link has not been checked yet"}])
    );
    assert_eq!(
        q["dimensions"]["accessibility"],
        json!({"score": 5, "max": 20})
    );
    assert!(shown["resources"][0].get("link_status").is_none());
    let bare = app.ok("package_show", json!({"id": "thieu"}), None).await;
    assert_eq!(bare["quality"]["score"], 5, "{}", bare["quality"]);
    assert_eq!(bare["quality"]["rating"], "bad");

    // One pass of the checker: results on the resources, scores and index follow.
    let checker = LinkChecker::new(&local_checks()).expect("checker");
    let summary = app
        .catalog
        .linkcheck_pass(&checker, None, &|_, _| {})
        .await
        .expect("pass");
    assert_eq!((summary.due, summary.ok, summary.broken), (3, 2, 1));
    let shown = app.ok("package_show", json!({"id": "day-du"}), None).await;
    assert_eq!(shown["quality"]["score"], 100);
    assert_eq!(shown["quality"]["rating"], "excellent");
    let r = &shown["resources"][0];
    assert_eq!(r["link_status"], "ok");
    assert_eq!(r["link_status_code"], 200);
    assert_eq!(r["link_error"], Value::Null);
    assert!(r["link_checked"].as_str().is_some_and(|t| t.len() >= 19));
    let res = app.ok("resource_show", json!({"id": r["id"]}), None).await;
    assert_eq!(res["link_status"], "ok");
    let broken = app.ok("package_show", json!({"id": "b-mo"}), None).await;
    assert_eq!(broken["resources"][0]["link_status"], "broken");
    assert_eq!(broken["resources"][0]["link_status_code"], 404);
    assert_eq!(broken["resources"][0]["link_error"], "HTTP 404");
    assert_eq!(broken["quality"]["score"], 85);
    assert_eq!(
        broken["quality"]["missing"][0]["reason"],
        "A resource link was not reachable when last checked"
    );

    // The index holds what package_show shows.
    let found = app
        .ok("package_search", json!({"q": "name:day-du"}), None)
        .await;
    assert_eq!(found["results"][0]["quality"], shown["quality"]);

    // Sort both ways; anonymous callers see open datasets only.
    let desc = app
        .ok(
            "package_search",
            json!({"sort": "quality desc, name asc"}),
            None,
        )
        .await;
    assert_eq!(names(&desc), ["day-du", "b-mo", "thieu"]);
    let asc = app
        .ok("package_search", json!({"sort": "quality asc"}), None)
        .await;
    assert_eq!(names(&asc), ["thieu", "b-mo", "day-du"]);
    let member = app
        .ok(
            "package_search",
            json!({"sort": "quality desc, name asc", "include_private": true}),
            Some(&thanh),
        )
        .await;
    assert_eq!(names(&member), ["day-du", "rieng", "b-mo", "thieu"]);

    // Facet and filter.
    let facets = app
        .ok(
            "package_search",
            json!({"facet.field": ["quality_rating"], "rows": 0}),
            None,
        )
        .await;
    assert_eq!(
        facets["facets"]["quality_rating"],
        json!({"bad": 1, "excellent": 1, "good": 1})
    );
    let all = app
        .ok(
            "package_search",
            json!({"facet.field": ["quality_rating"], "rows": 0, "include_private": true}),
            Some(&admin),
        )
        .await;
    assert_eq!(
        all["facets"]["quality_rating"],
        json!({"bad": 1, "excellent": 2, "good": 1})
    );
    let excellent = app
        .ok(
            "package_search",
            json!({"fq": "quality_rating:excellent"}),
            None,
        )
        .await;
    assert_eq!(names(&excellent), ["day-du"]);
    assert_eq!(excellent["count"], 1);

    // Sent back as package_show answered it, nothing computed is stored.
    let mut again = shown.clone();
    again["notes"] = json!("Mô tả mới");
    let updated = app.ok("package_update", again, Some(&admin)).await;
    assert_eq!(updated["resources"][0]["link_status"], "ok");
    let mut tx = app.catalog.store().read().await.expect("read");
    let d = tx
        .package_get("day-du")
        .await
        .expect("get")
        .expect("dataset");
    assert!(
        !d.resources[0].extras.contains("link_status"),
        "{}",
        d.resources[0].extras
    );
}

async fn the_report_counts_only_what_the_caller_may_read(backend: Backend) {
    let app = TestApp::new(backend).await;
    let (base, _stats) = server().await;
    let (admin, thanh) = catalogue(&app, &base).await;
    let checker = LinkChecker::new(&local_checks()).expect("checker");
    app.catalog
        .linkcheck_pass(&checker, None, &|_, _| {})
        .await
        .expect("pass");

    let anon = app.ok("quality_report", json!({}), None).await;
    let orgs: Vec<(&str, u64, u64)> = anon["organizations"]
        .as_array()
        .expect("organizations")
        .iter()
        .map(|o| {
            (
                o["organization"].as_str().expect("name"),
                o["datasets"].as_u64().expect("datasets"),
                o["score"].as_u64().expect("score"),
            )
        })
        .collect();
    // so-a: day-du 100 + thieu 5 (rieng is not open); so-b: b-mo 85.
    assert_eq!(orgs, [("so-a", 2, 105), ("so-b", 1, 85)]);
    let so_a = &anon["organizations"][0];
    assert_eq!(so_a["title"], "Sở A");
    assert_eq!(so_a["max"], 200);
    assert_eq!(so_a["average"], 52.5);
    assert_eq!(
        so_a["ratings"],
        json!({"excellent": 1, "good": 0, "sufficient": 0, "bad": 1})
    );
    assert_eq!(
        so_a["dimensions"]["findability"],
        json!({"score": 30, "max": 60})
    );
    assert_eq!(so_a["missing"][0]["datasets"], 1);
    assert_eq!(anon["total"]["datasets"], 3);
    assert_eq!(anon["total"]["score"], 190);
    assert!(anon["total"].get("organization").is_none());

    // A member of so-a also counts its special-request dataset.
    let member = app
        .ok(
            "quality_report",
            json!({"organization": "so-a"}),
            Some(&thanh),
        )
        .await;
    assert_eq!(member["organizations"][0]["datasets"], 3);
    assert_eq!(member["organizations"][0]["score"], 205);
    assert_eq!(member["organizations"].as_array().map(Vec::len), Some(1));
    let anon_a = app
        .ok("quality_report", json!({"organization": "so-a"}), None)
        .await;
    assert_eq!(anon_a["organizations"][0]["datasets"], 2);
    let all = app.ok("quality_report", json!({}), Some(&admin)).await;
    assert_eq!(all["total"]["datasets"], 4);

    // Reasons in the request's language.
    let vi = app
        .get_with(
            "/api/3/action/quality_report?organization=so-b",
            &[("Accept-Language", "vi")],
        )
        .await;
    let missing = &vi.result()["organizations"][0]["missing"];
    assert_eq!(
        missing[0]["reason"],
        "Đường dẫn của một tài nguyên không truy cập được ở lần kiểm tra gần nhất",
        "{missing}"
    );

    // An unknown organization is not found (and names no dataset).
    let r = app
        .action("quality_report", json!({"organization": "khong-co"}), None)
        .await;
    assert_eq!(r.status, 404, "{}", r.text);
}

async fn a_pass_keeps_to_its_concurrency_and_host_quota(backend: Backend) {
    let app = TestApp::new(backend).await;
    let (base, stats) = server().await;
    let admin = app.sysadmin().await;
    app.ok("organization_create", json!({"name": "so-a"}), Some(&admin))
        .await;
    let urls: Vec<String> = (0..6).map(|i| format!("{base}/wait/{i}")).collect();
    app.ok(
        "package_create",
        complete("nhieu", "so-a", "open", &urls),
        Some(&admin),
    )
    .await;

    // Four per host and minute: four checked now, two left for later.
    let cfg = LinkCheckConfig {
        concurrency: 2,
        per_host_per_minute: 4,
        ..local_checks()
    };
    let checker = LinkChecker::new(&cfg).expect("checker");
    let progress = Mutex::new(Vec::new());
    let summary = app
        .catalog
        .linkcheck_pass(&checker, Some("nhieu"), &|done, total| {
            progress.lock().expect("progress").push((done, total))
        })
        .await
        .expect("pass");
    assert_eq!(
        (summary.due, summary.ok, summary.broken, summary.deferred),
        (6, 4, 0, 2)
    );
    assert_eq!(
        *progress.lock().expect("progress"),
        [(1, 4), (2, 4), (3, 4), (4, 4)]
    );
    let (requests, max_in_flight) = {
        let s = stats.lock().expect("stats");
        (s.seen.values().sum::<usize>(), s.max_in_flight)
    };
    assert_eq!(requests, 4);
    assert_eq!(max_in_flight, 2);

    // The same quota still spent: the two left wait again, nothing is re-asked.
    let again = app
        .catalog
        .linkcheck_pass(&checker, Some("nhieu"), &|_, _| {})
        .await
        .expect("pass");
    assert_eq!((again.due, again.deferred), (2, 2));
    assert_eq!(stats.lock().expect("stats").seen.values().sum::<usize>(), 4);

    // A fresh checker (a new quota): the two left are checked; the rest are recent.
    let fresh = LinkChecker::new(&cfg).expect("checker");
    let last = app
        .catalog
        .linkcheck_pass(&fresh, None, &|_, _| {})
        .await
        .expect("pass");
    assert_eq!((last.due, last.ok, last.deferred), (2, 2, 0));
    let shown = app.ok("package_show", json!({"id": "nhieu"}), None).await;
    assert_eq!(shown["quality"]["score"], 100);
}
