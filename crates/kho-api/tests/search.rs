//! package_search over HTTP on both backends: the transcripts of a real CKAN (15–20, 31,
//! x09), results identical to package_show, filters, facets, sorts, paging, the harvester
//! contract, and bad input (docs/ckan-api.md §3.1, §7).

mod common;

use common::*;
use serde_json::{json, Value};

/// The organization and dataset of transcripts 02/03, plus a second, unrelated dataset.
async fn catalogue(app: &TestApp) -> String {
    let admin = app.sysadmin().await;
    app.ok(
        "organization_create",
        json!({"name": "so-giao-duc-tay-ninh", "title": "Sở Giáo dục và Đào tạo tỉnh Tây Ninh",
               "description": "Cơ quan quản lý giáo dục cấp tỉnh"}),
        Some(&admin),
    )
    .await;
    app.ok(
        "organization_create",
        json!({"name": "so-y-te", "title": "Sở Y tế tỉnh Nghệ An"}),
        Some(&admin),
    )
    .await;
    app.ok("package_create", body_03(), Some(&admin)).await;
    app.ok(
        "package_create",
        json!({"name": "benh-vien-nghe-an", "title": "Danh sách bệnh viện Nghệ An",
               "owner_org": "so-y-te", "license_id": "odc-odbl",
               "tags": [{"name": "y tế"}],
               "resources": [{"url": "http://example.org/bv.xlsx", "format": "XLSX"}]}),
        Some(&admin),
    )
    .await;
    admin
}

fn names(result: &Value) -> Vec<String> {
    result["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|d| d["name"].as_str().expect("name").to_owned())
        .collect()
}

async fn search(app: &TestApp, query: &str) -> Value {
    app.get(&format!("/api/3/action/package_search?{query}"))
        .await
        .result()
        .clone()
}

async fn transcripts_15_to_20(backend: Backend) {
    let app = TestApp::new(backend).await;
    let admin = catalogue(&app).await;

    // 15: Vietnamese words; 16: the same folded. Shapes as CKAN's, results = package_show.
    let shown = app
        .ok(
            "package_show",
            json!({"id": "danh-sach-truong-hoc-tay-ninh-2023"}),
            None,
        )
        .await;
    for (query, fixture) in [
        (
            "q=tr%C6%B0%E1%BB%9Dng+h%E1%BB%8Dc",
            "15-package_search-q-vi",
        ),
        ("q=truong+hoc&rows=5", "16-package_search-q-folded"),
        (
            "q=tags%3A%22gi%C3%A1o+d%E1%BB%A5c%22",
            "18-package_search-fielded",
        ),
    ] {
        let r = app
            .get(&format!("/api/3/action/package_search?{query}"))
            .await;
        assert_same_shape(&transcript(fixture), &without_profile(&r.json), fixture);
        let res = r.result();
        assert_eq!(res["count"], 1, "{query}");
        assert_eq!(
            res["results"][0], shown,
            "{query}: a result is package_show"
        );
        assert_eq!(res["sort"], "score desc, metadata_modified desc");
        assert_eq!(res["facets"], json!({}));
        assert_eq!(res["search_facets"], json!({}));
        let keys: Vec<&String> = res.as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            ["count", "facets", "results", "sort", "search_facets"]
        );
    }

    // 17: a filter and two facets.
    let r = app
        .get("/api/3/action/package_search?fq=organization%3Aso-giao-duc-tay-ninh&facet.field=%5B%22tags%22%2C%22res_format%22%5D&rows=1")
        .await;
    assert_same_shape(
        &transcript("17-package_search-fq-facets"),
        &without_profile(&r.json),
        "17",
    );
    let res = r.result();
    assert_eq!(
        res["facets"],
        json!({"tags": {"Tay Ninh": 1, "giáo dục": 1, "trường học": 1},
               "res_format": {"CSV": 1, "JSON": 1}})
    );
    assert_eq!(
        res["search_facets"],
        transcript("17-package_search-fq-facets")["result"]["search_facets"],
        "display names, sorted by display name descending"
    );

    // 19: a sort Solr cannot read.
    let r = app.get("/api/3/action/package_search?sort=bogus").await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json["error"],
        transcript("19-package_search-bad-sort")["error"]
    );

    // 20: fl.
    let r = search(&app, "q=%2A%3A%2A&fl=name%2Ctitle&sort=name+desc").await;
    assert_eq!(
        r["results"],
        json!([{"name": "danh-sach-truong-hoc-tay-ninh-2023", "title": "Danh sách trường học tỉnh Tây Ninh năm 2023"},
               {"name": "benh-vien-nghe-an", "title": "Danh sách bệnh viện Nghệ An"}])
    );
    let r = search(
        &app,
        "fl=extras_tinh&q=name:danh-sach-truong-hoc-tay-ninh-2023",
    )
    .await;
    assert_eq!(r["results"], json!([{"tinh": "Tây Ninh"}]));

    // x09: an unknown parameter.
    let r = app.get("/api/3/action/package_search?foo=bar").await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json["error"],
        transcript("x09-package_search-bad-param")["error"]
    );

    // 31: a deleted dataset leaves the search (the write is indexed before it answers).
    app.ok(
        "package_delete",
        json!({"id": "danh-sach-truong-hoc-tay-ninh-2023"}),
        Some(&admin),
    )
    .await;
    app.ok(
        "package_delete",
        json!({"id": "benh-vien-nghe-an"}),
        Some(&admin),
    )
    .await;
    let r = app.get("/api/3/action/package_search?q=%2A%3A%2A").await;
    assert_eq!(r.json, transcript("31-package_search-after-delete"));
    // ... but sysadmins find it with include_deleted.
    let r = app
        .get_as(
            "/api/3/action/package_search?include_deleted=true&include_private=true",
            &admin,
        )
        .await;
    assert_eq!(r.result()["count"], 2);
}

async fn queries_filters_sorts_and_facets(backend: Backend) {
    let app = TestApp::new(backend).await;
    let _admin = catalogue(&app).await;
    let n = |q: &'static str| {
        let app = &app;
        async move { search(app, q).await["count"].as_u64().unwrap() }
    };
    assert_eq!(n("q=nghe+an").await, 1);
    assert_eq!(n("q=Ngh%E1%BB%87%20An").await, 1, "NFC");
    assert_eq!(n("q=Nghe%CC%A3%CC%82%20An").await, 1, "NFD");
    assert_eq!(
        n("q=s%E1%BB%9F%20y%20t%E1%BA%BF").await,
        1,
        "organization title in text"
    );
    assert_eq!(n("q=organization:so-y-te").await, 1);
    assert_eq!(
        n("q=organization:so-y-te%20OR%20organization:so-giao-duc-tay-ninh").await,
        2
    );
    assert_eq!(n("fq=-organization:so-y-te").await, 1);
    assert_eq!(n("fq=res_format:XLSX").await, 1);
    assert_eq!(n("fq=license_id:odc-odbl").await, 1);
    assert_eq!(
        n("fq=metadata_modified:[2000-01-01T00:00:00Z%20TO%20NOW]").await,
        2
    );
    assert_eq!(n("fq=metadata_modified:[NOW%2B1DAY%20TO%20*]").await, 0);
    assert_eq!(
        n("q=title:b%E1%BB%87nh*").await,
        1,
        "wildcard on folded text"
    );
    assert_eq!(n("q=name:benh-*").await, 1);
    assert_eq!(n("q=extras_nam:2023").await, 1);
    assert_eq!(n("q=num_tags:3").await, 1);

    // Facets: limit, mincount, organization titles as display names.
    let r = search(
        &app,
        "facet.field=%5B%22organization%22%2C%22license_id%22%5D&facet.limit=1",
    )
    .await;
    assert_eq!(r["facets"]["organization"].as_object().unwrap().len(), 1);
    let r = search(
        &app,
        "facet.field=%5B%22organization%22%2C%22license_id%22%5D",
    )
    .await;
    assert_eq!(
        r["search_facets"]["organization"]["items"],
        json!([{"name": "so-y-te", "display_name": "Sở Y tế tỉnh Nghệ An", "count": 1},
               {"name": "so-giao-duc-tay-ninh", "display_name": "Sở Giáo dục và Đào tạo tỉnh Tây Ninh", "count": 1}]),
        "by display name, descending"
    );
    assert_eq!(
        r["search_facets"]["license_id"]["items"][0]["display_name"],
        "Open Data Commons Open Database License (ODbL)"
    );
    let r = search(&app, "facet.field=tags&facet.field=res_format").await;
    assert_eq!(
        r["facets"]["res_format"],
        json!({"CSV": 1, "JSON": 1, "XLSX": 1}),
        "a repeated GET key"
    );
    let r = search(&app, "facet.field=%5B%22tags%22%5D&facet=false").await;
    assert_eq!(r["facets"], json!({}));

    // Sorts.
    let r = search(&app, "sort=title_string%20asc").await;
    assert_eq!(
        names(&r),
        ["benh-vien-nghe-an", "danh-sach-truong-hoc-tay-ninh-2023"]
    );
    let r = search(&app, "sort=title_string%20desc").await;
    assert_eq!(
        names(&r),
        ["danh-sach-truong-hoc-tay-ninh-2023", "benh-vien-nghe-an"]
    );
    let r = search(&app, "sort=metadata_modified%20desc").await;
    assert_eq!(
        names(&r),
        ["benh-vien-nghe-an", "danh-sach-truong-hoc-tay-ninh-2023"]
    );
    let r = search(&app, "sort=name%20asc&rows=1&start=1").await;
    assert_eq!(names(&r), ["danh-sach-truong-hoc-tay-ninh-2023"]);
    assert_eq!(r["count"], 2);
    assert_eq!(r["sort"], "name asc");
}

async fn harvester_paging_and_changes(backend: Backend) {
    let app = TestApp::new(backend).await;
    let admin = app.sysadmin().await;
    app.org("org", &admin).await;
    for i in 0..23 {
        app.ok(
            "package_create",
            json!({"name": format!("ds-{i:02}"), "owner_org": "org"}),
            Some(&admin),
        )
        .await;
    }
    let mut seen = Vec::new();
    let mut start = 0;
    loop {
        let r = search(&app, &format!("q=*:*&rows=5&start={start}&sort=id%20asc")).await;
        let page: Vec<String> = r["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["id"].as_str().unwrap().to_owned())
            .collect();
        if page.is_empty() {
            break;
        }
        seen.extend(page);
        start += 5;
    }
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(seen, sorted, "every dataset once, in id order");
    assert_eq!(seen.len(), 23);

    // Only what changed since T.
    let t = search(&app, "sort=metadata_modified%20desc&rows=1").await["results"][0]
        ["metadata_modified"]
        .as_str()
        .unwrap()
        .to_owned();
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let since = kho_core::time::now_utc()
        .format("%Y-%m-%dT%H:%M:%S%.6fZ")
        .to_string();
    assert!(since.as_str() > t.as_str());
    for name in ["ds-03", "ds-17"] {
        app.ok(
            "package_patch",
            json!({"id": name, "notes": "mới"}),
            Some(&admin),
        )
        .await;
    }
    let r = search(
        &app,
        &format!("fq=metadata_modified:[{since}%20TO%20*]&sort=id%20asc&rows=100"),
    )
    .await;
    let mut changed = names(&r);
    changed.sort();
    assert_eq!(changed, ["ds-03", "ds-17"]);
}

async fn bad_input_gets_ckan_errors(backend: Backend) {
    let app = TestApp::new(backend).await;
    catalogue(&app).await;
    let cases: &[(&str, u16, &str)] = &[
        ("rows=-1", 409, "Validation Error"),
        ("rows=abc", 409, "Validation Error"),
        ("start=-5", 409, "Validation Error"),
        ("facet.limit=x", 409, "Validation Error"),
        ("facet.field=tags", 409, "Validation Error"),
        ("q=title:(a%20OR", 409, "Search Error"),
        ("q=title:%22open", 409, "Search Error"),
        ("fq=name:[a%20TO", 409, "Search Error"),
        (
            "fq=metadata_modified:[2026-01-01%20TO%20*]",
            409,
            "Search Error",
        ),
        ("q={!lucene}x", 409, "Search Error"),
        ("sort=name%20sideways", 400, "Search Query Error"),
        ("_=12345", 400, "Search Query Error"),
    ];
    for (query, status, kind) in cases {
        let r = app
            .get(&format!("/api/3/action/package_search?{query}"))
            .await;
        assert_eq!(r.error(*status)["__type"], *kind, "{query}: {}", r.json);
    }
    assert_eq!(
        app.get("/api/3/action/package_search?rows=abc")
            .await
            .error(409)["rows"],
        json!(["Invalid integer"])
    );
    assert_eq!(
        app.get("/api/3/action/package_search?facet.field=tags")
            .await
            .error(409)["facet.field"],
        json!(["Could not parse as valid JSON"])
    );
    // Bounded answers to hostile input.
    let r = search(&app, "start=1000000000").await;
    assert_eq!(
        (r["count"].as_u64(), r["results"].as_array().map(Vec::len)),
        (Some(2), Some(0))
    );
    let deep = format!("name:{}x{}", "(".repeat(5000), ")".repeat(5000));
    let r = app.action("package_search", json!({"q": deep}), None).await;
    assert_eq!(r.error(409)["__type"], "Search Error");
    let long = "trường ".repeat(15_000);
    let r = app.action("package_search", json!({"q": long}), None).await;
    assert!(r.status == 200 || r.status == 409, "{}", r.status);
    let many = (0..3000)
        .map(|i| format!("name:n{i}"))
        .collect::<Vec<_>>()
        .join(" OR ");
    let r = app.action("package_search", json!({"q": many}), None).await;
    assert_eq!(
        r.error(409)["__type"],
        "Search Error",
        "more clauses than Solr allows"
    );
    assert_eq!(search(&app, "q=name:*a*").await["count"], 2);
    assert_eq!(search(&app, "q=title:/.*/").await["count"], 2);
}

async fn rows_are_clamped(backend: Backend) {
    let cfg = kho_catalog::CatalogConfig {
        search_rows_max: 1,
        ..Default::default()
    };
    let app = TestApp::with_configs(backend, cfg, Default::default()).await;
    catalogue(&app).await;
    let r = search(&app, "rows=5000").await;
    assert_eq!(r["count"], 2);
    assert_eq!(r["results"].as_array().unwrap().len(), 1);
    assert_eq!(
        search(&app, "").await["results"].as_array().unwrap().len(),
        1
    );
}

async fn resource_and_tag_lookups(backend: Backend) {
    let app = TestApp::new(backend).await;
    let admin = catalogue(&app).await;
    app.ok(
        "package_create",
        json!({"name": "rieng", "owner_org": "so-y-te", "private": true,
               "tags": [{"name": "bí mật"}, {"name": "y tế"}],
               "resources": [{"url": "http://example.org/secret.csv", "format": "CSV", "name": "Bí mật"}]}),
        Some(&admin),
    )
    .await;
    // resource_search: case-insensitive substrings, AND-ed, open datasets only.
    let r = app
        .ok("resource_search", json!({"query": "format:csv"}), None)
        .await;
    assert_eq!(r["count"], 1, "{r}");
    assert_eq!(r["results"][0]["url"], "http://example.org/truong.csv");
    let r = app
        .ok(
            "resource_search",
            json!({"query": ["url:example.org", "format:JSON"]}),
            None,
        )
        .await;
    assert_eq!(r["count"], 1);
    assert_eq!(r["results"][0]["format"], "JSON");
    let r = app
        .ok("resource_search", json!({"query": "name:bí"}), None)
        .await;
    assert_eq!(r["count"], 0, "the private dataset's resource stays hidden");
    let r = app
        .ok(
            "resource_search",
            json!({"query": "url:example", "limit": 2, "offset": 1}),
            None,
        )
        .await;
    assert_eq!(
        (r["count"].as_u64(), r["results"].as_array().map(Vec::len)),
        (Some(3), Some(2))
    );
    let r = app.action("resource_search", json!({}), None).await;
    assert_eq!(r.error(409)["query"], json!(["Missing value"]));
    let r = app
        .action("resource_search", json!({"query": "nocolon"}), None)
        .await;
    assert_eq!(
        r.error(409)["query"],
        json!(["Must be <field>:<value> pair(s)"])
    );
    let r = app
        .action("resource_search", json!({"query": "id:x"}), None)
        .await;
    assert_eq!(
        r.error(409)["query"],
        json!(["Field \"id\" not recognised in resource_search."])
    );

    // tag_search / tag_autocomplete: tags of open active datasets, any case.
    let r = app.ok("tag_search", json!({"query": "TẾ"}), None).await;
    assert_eq!(r["count"], 1);
    assert_eq!(r["results"][0]["name"], "y tế");
    assert_eq!(r["results"][0]["vocabulary_id"], Value::Null);
    assert!(r["results"][0]["id"]
        .as_str()
        .is_some_and(|s| !s.is_empty()));
    let r = app.ok("tag_autocomplete", json!({"q": "t"}), None).await;
    assert_eq!(r, json!(["Tay Ninh", "trường học", "y tế"]));
    let r = app.ok("tag_autocomplete", json!({"q": "bí"}), None).await;
    assert_eq!(r, json!([]), "a private dataset's tag stays hidden");
    assert_eq!(
        app.ok("tag_search", json!({}), None).await,
        json!({"count": 0, "results": []})
    );

    // package_autocomplete: folded, within what the caller may read.
    let r = app
        .ok("package_autocomplete", json!({"q": "benh vien"}), None)
        .await;
    assert_eq!(r[0]["name"], "benh-vien-nghe-an");
    assert_eq!(r[0]["match_field"], "title");
    let r = app
        .ok("package_autocomplete", json!({"q": "rieng"}), None)
        .await;
    assert_eq!(r, json!([]));
    let r = app
        .ok("package_autocomplete", json!({"q": "rieng"}), Some(&admin))
        .await;
    assert_eq!(r[0]["name"], "rieng");
}

/// landscape.md §6.4 through package_search: each row's query finds its text, and the
/// better match ranks first.
async fn vietnamese_acceptance_rows(backend: Backend) {
    let app = TestApp::new(backend).await;
    let admin = app.sysadmin().await;
    app.org("org", &admin).await;
    for (name, title) in [
        ("da-nang", "Du lịch Đà Nẵng"),
        ("hoa-binh", "Thủy điện Hòa Bình"),
        ("ky-thuat", "Trường kỹ thuật"),
        ("dak-lak", "Cà phê Đắk Lắk"),
        ("nghe-an", "Dân số Nghệ An"),
        ("xa-nhau", "Nghề muối ở Bạc Liêu và An Giang"),
        ("viet-nam", "Bản đồ Việt Nam"),
    ] {
        app.ok(
            "package_create",
            json!({"name": name, "title": title, "owner_org": "org"}),
            Some(&admin),
        )
        .await;
    }
    let first = |q: &'static str| {
        let app = &app;
        async move {
            let r = app.ok("package_search", json!({"q": q}), None).await;
            r["results"][0]["name"]
                .as_str()
                .unwrap_or("(none)")
                .to_owned()
        }
    };
    assert_eq!(first("da nang").await, "da-nang");
    assert_eq!(
        first("Đa\u{300} Nă\u{306}\u{303}ng").await,
        "da-nang",
        "NFD"
    );
    assert_eq!(first("hoà bình").await, "hoa-binh");
    assert_eq!(first("ky thuat").await, "ky-thuat");
    assert_eq!(first("kĩ thuật").await, "ky-thuat");
    assert_eq!(first("dak lak").await, "dak-lak");
    assert_eq!(
        first("nghe an").await,
        "nghe-an",
        "adjacent syllables rank first"
    );
    assert_eq!(first("Việt Nam").await, "viet-nam");
    let r = app
        .ok("package_search", json!({"q": "nghe an"}), None)
        .await;
    assert_eq!(r["count"], 2, "both texts hold the two syllables");
}

/// The HTTP answer copies the stored dicts (no parse); its bytes are those of serializing
/// the `Value` that `Catalog::call` returns, with CKAN's separators and `\uXXXX` escapes.
/// `package_search` through `Catalog::call`, anonymously, with the parameters of `query`
/// (`k=v&k=v`, not encoded).
async fn anonymous_search(app: &TestApp, query: &str) -> Value {
    let params: serde_json::Map<String, Value> = query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (k.to_owned(), Value::String(v.to_owned())))
        .collect();
    app.call_as(
        kho_core::Actor::Anonymous,
        "package_search",
        Value::Object(params),
    )
    .await
}

async fn results_leave_as_stored(backend: Backend) {
    let app = TestApp::new(backend).await;
    catalogue(&app).await;
    for query in [
        "q=nghệ an&facet.field=[\"organization\",\"res_format\",\"tags\"]",
        "q=*:*&rows=1000&sort=id asc",
        "q=benh&fl=name,title,extras_x",
        "fq=res_format:CSV&rows=1",
    ] {
        let encoded: String = query
            .bytes()
            .map(|b| match b {
                b'=' | b'&' => (b as char).to_string(),
                b if b.is_ascii_alphanumeric() || b"-_.*".contains(&b) => (b as char).to_string(),
                b => format!("%{b:02X}"),
            })
            .collect();
        let resp = app
            .get(&format!("/api/3/action/package_search?{encoded}"))
            .await;
        assert_eq!(resp.status.as_u16(), 200, "{query}");
        let value = anonymous_search(&app, query).await;
        let expected = kho_api::json::to_string(&json!({
            "help": resp.json["help"],
            "success": true,
            "result": value,
        }));
        assert_eq!(resp.text, expected, "{query}");
        assert!(resp.text.is_ascii(), "{query}");
    }
}

/// Pages of more than 100 results are sent as they are read from the index: the same
/// bytes as the value, with `fl` and JSONP too, and private datasets left out.
async fn large_pages_stream_the_same_bytes(backend: Backend) {
    let app = TestApp::new(backend).await;
    let admin = app.sysadmin().await;
    app.ok(
        "organization_create",
        json!({"name": "so-tai-chinh"}),
        Some(&admin),
    )
    .await;
    for i in 0..230 {
        let private = i % 10 == 0;
        app.call_as(
            common::operator(),
            "package_create",
            json!({"name": format!("ngan-sach-{i:03}"), "title": format!("Ngân sách {i}"),
                   "owner_org": "so-tai-chinh", "private": private,
                   "resources": [{"url": format!("http://example.org/{i}.csv"), "format": "CSV"}]}),
        )
        .await;
    }
    let public = 230 - 23;
    for (query, results) in [
        ("q=*:*&rows=1000&sort=id asc", public),
        ("q=*:*&rows=1000&sort=name desc&fl=name,title", public),
        ("q=*:*&rows=150&start=30&sort=name asc", 150),
        ("q=*:*&rows=1000&start=100&sort=name asc", public - 100),
        ("q=*:*&rows=101&sort=name asc", 101),
    ] {
        let resp = app
            .get(&format!(
                "/api/3/action/package_search?{}",
                query.replace(' ', "%20").replace(":*", "%3A*")
            ))
            .await;
        assert_eq!(resp.status.as_u16(), 200, "{query}");
        assert_eq!(resp.content_type(), "application/json;charset=utf-8");
        let value = anonymous_search(&app, query).await;
        assert_eq!(value["count"], json!(public), "{query}");
        assert_eq!(
            value["results"].as_array().map(Vec::len),
            Some(results),
            "{query}"
        );
        let expected = kho_api::json::to_string(&json!({
            "help": resp.json["help"],
            "success": true,
            "result": value,
        }));
        assert_eq!(resp.text, expected, "{query}");
        let shown = names(&resp.json["result"]);
        assert!(
            shown.iter().all(|n| n["ngan-sach-".len()..]
                .parse::<u32>()
                .is_ok_and(|i| i % 10 != 0)),
            "{query}: a private dataset was sent"
        );
    }
    // JSONP around a streamed page.
    let resp = app
        .get("/api/3/action/package_search?q=%2A%3A%2A&rows=1000&sort=id%20asc&callback=cb")
        .await;
    assert_eq!(resp.status.as_u16(), 200);
    assert_eq!(resp.content_type(), "application/javascript;charset=utf-8");
    let inner = resp
        .text
        .strip_prefix("cb(")
        .and_then(|t| t.strip_suffix(");"))
        .expect("wrapped in cb(…);");
    let parsed: Value = serde_json::from_str(inner).expect("JSON inside");
    assert_eq!(
        parsed["result"]["results"].as_array().map(Vec::len),
        Some(public)
    );
}

/// Dates Tantivy cannot hold (past about 2262) are clamped, not overflowed: no 500.
async fn far_dates_are_answered(backend: Backend) {
    let app = TestApp::new(backend).await;
    catalogue(&app).await;
    for (range, count) in [
        ("[2999-01-01T00:00:00Z TO *]", 0),
        ("[* TO 2999-01-01T00:00:00Z]", 2),
        ("[0001-01-01T00:00:00Z TO 9999-12-31T23:59:59Z]", 2),
        ("[1000-01-01T00:00:00Z TO 1500-01-01T00:00:00Z]", 0),
    ] {
        let r = app
            .get(&format!(
                "/api/3/action/package_search?fq=metadata_modified:{}",
                range.replace(' ', "+")
            ))
            .await;
        assert_eq!(r.status, 200, "{range}: {}", r.text);
        assert_eq!(r.result()["count"], count, "{range}");
    }
}

both_backends!(
    far_dates_are_answered,
    large_pages_stream_the_same_bytes,
    results_leave_as_stored,
    vietnamese_acceptance_rows,
    resource_and_tag_lookups,
    transcripts_15_to_20,
    queries_filters_sorts_and_facets,
    harvester_paging_and_changes,
    bad_input_gets_ckan_errors,
    rows_are_clamped,
);
