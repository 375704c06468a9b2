//! ckanext-dcat's endpoints over HTTP: every format parses back (with Oxigraph's
//! parsers) to the expected triples; Hydra paging over 250 datasets; `modified_since`,
//! `q`, `fq`; content negotiation; 409s for bad parameters; and private datasets, which
//! never appear anywhere, whoever asks.

mod common;

use common::*;
use oxrdf::{NamedNode, NamedOrBlankNode, Term, Triple};
use oxrdfio::{JsonLdProfileSet, RdfFormat, RdfParser};
use serde_json::{json, Value};

const DCAT: &str = "http://www.w3.org/ns/dcat#";
const DCT: &str = "http://purl.org/dc/terms/";
const HYDRA: &str = "http://www.w3.org/ns/hydra/core#";
const RDF_TYPE: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type";

const FORMATS: &[(&str, &str)] = &[
    ("ttl", "text/turtle; charset=utf-8"),
    ("n3", "text/n3; charset=utf-8"),
    ("rdf", "application/rdf+xml"),
    ("xml", "application/rdf+xml"),
    ("jsonld", "application/ld+json"),
];

fn rdf_format(ext: &str) -> RdfFormat {
    match ext {
        "ttl" | "n3" => RdfFormat::Turtle,
        "rdf" | "xml" => RdfFormat::RdfXml,
        _ => RdfFormat::JsonLd {
            profile: JsonLdProfileSet::empty(),
        },
    }
}

struct Rdf(Vec<Triple>);

impl Rdf {
    fn parse(ext: &str, text: &str) -> Rdf {
        let triples = RdfParser::from_format(rdf_format(ext))
            .for_slice(text.as_bytes())
            .map(|q| {
                Triple::from(q.unwrap_or_else(|e| panic!("{ext} does not parse: {e}\n{text}")))
            })
            .collect();
        Rdf(triples)
    }

    fn objects(&self, subject: &str, predicate: &str) -> Vec<Term> {
        self.0
            .iter()
            .filter(|t| {
                matches!(&t.subject, NamedOrBlankNode::NamedNode(n) if n.as_str() == subject)
                    && t.predicate.as_str() == predicate
            })
            .map(|t| t.object.clone())
            .collect()
    }

    /// The single literal value of `subject predicate`.
    fn value(&self, subject: &str, predicate: &str) -> String {
        match self.objects(subject, predicate).as_slice() {
            [Term::Literal(l)] => l.value().to_string(),
            other => panic!("{subject} {predicate}: {other:?}"),
        }
    }

    fn subjects_of_type(&self, class: &str) -> Vec<String> {
        let mut v: Vec<String> = self
            .0
            .iter()
            .filter(|t| {
                t.predicate.as_str() == RDF_TYPE
                    && matches!(&t.object, Term::NamedNode(n) if n.as_str() == class)
            })
            .filter_map(|t| match &t.subject {
                NamedOrBlankNode::NamedNode(n) => Some(n.as_str().to_string()),
                _ => None,
            })
            .collect();
        v.sort();
        v
    }

    fn paging_node(&self) -> Option<String> {
        self.subjects_of_type(&format!("{HYDRA}PagedCollection"))
            .pop()
    }
}

fn iri(s: &str) -> Term {
    Term::NamedNode(NamedNode::new(s).unwrap())
}

/// A sysadmin, an organization with a focal point, a complete open dataset and a
/// private one. Returns (admin token, open dataset, private dataset).
async fn setup(app: &TestApp) -> (String, Value, Value) {
    let admin = app.sysadmin().await;
    app.ok(
        "organization_create",
        json!({"name": "so-y-te", "title": "Sở Y tế", "focal_point_name": "Nguyễn Thị Lan",
               "focal_point_email": "lan@syt.gov.vn"}),
        Some(&admin),
    )
    .await;
    let open = app
        .ok(
            "package_create",
            json!({
                "name": "co-so-y-te", "title": "Cơ sở y tế", "notes": "Danh sách cơ sở y tế",
                "owner_org": "so-y-te", "sharing_level": "open", "license_id": "cc-by",
                "update_frequency": "quarterly", "temporal_start": "2020-01-01",
                "temporal_end": "2024-12-31", "spatial": "Phường Hải Châu",
                "theme": ["health"], "tags": [{"name": "y tế"}], "version": "1.0",
                "resources": [
                    {"name": "Danh sách", "url": "https://syt.example.vn/ds.csv", "format": "CSV",
                     "mimetype": "text/csv", "size": 1234,
                     "hash": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
                    {"name": "Trang", "url": "https://syt.example.vn/trang", "format": "HTML"}
                ]
            }),
            Some(&admin),
        )
        .await;
    let private = app
        .ok(
            "package_create",
            json!({"name": "bi-mat-noi-bo", "title": "Tài liệu mật nội bộ", "owner_org": "so-y-te",
                   "sharing_level": "restricted",
                   "resources": [{"name": "x", "url": "https://syt.example.vn/secret.csv"}]}),
            Some(&admin),
        )
        .await;
    (admin, open, private)
}

fn assert_no_private(text: &str, private: &Value) {
    for key in ["id", "name", "title"] {
        let v = private[key].as_str().unwrap();
        assert!(!text.contains(v), "private {key} {v} leaked:\n{text}");
    }
}

async fn every_format_parses(backend: Backend) {
    let app = TestApp::new(backend).await;
    let (admin, open, private) = setup(&app).await;
    let id = open["id"].as_str().unwrap();
    let ds = format!("{SITE_URL}/dataset/{id}");
    for (ext, ct) in FORMATS {
        for token in [None, Some(admin.as_str())] {
            let r = match token {
                None => app.get(&format!("/catalog.{ext}")).await,
                Some(t) => app.get_as(&format!("/catalog.{ext}"), t).await,
            };
            assert_eq!(r.status.as_u16(), 200, "{ext}: {}", r.text);
            assert_eq!(r.content_type(), *ct);
            assert_no_private(&r.text, &private);
            let g = Rdf::parse(ext, &r.text);
            assert_eq!(
                g.subjects_of_type(&format!("{DCAT}Catalog")),
                vec![SITE_URL.to_string()]
            );
            assert_eq!(
                g.objects(SITE_URL, &format!("{DCAT}dataset")),
                vec![iri(&ds)]
            );
            assert_eq!(g.value(SITE_URL, &format!("{DCT}title")), "kho");
            assert_eq!(g.value(&ds, &format!("{DCT}title")), "Cơ sở y tế");
            assert_eq!(g.objects(&ds, &format!("{DCAT}distribution")).len(), 2);
            let org = format!(
                "{SITE_URL}/organization/{}",
                open["owner_org"].as_str().unwrap()
            );
            assert_eq!(g.objects(&ds, &format!("{DCT}publisher")), vec![iri(&org)]);
            assert_eq!(g.value(&org, "http://xmlns.com/foaf/0.1/name"), "Sở Y tế");
            let page = g.paging_node().expect("paging node");
            assert_eq!(page, format!("{SITE_URL}/catalog.{ext}?page=1"));
            assert_eq!(g.value(&page, &format!("{HYDRA}totalItems")), "1");
            assert_eq!(g.value(&page, &format!("{HYDRA}itemsPerPage")), "100");
            assert_eq!(g.value(&page, &format!("{HYDRA}last")), page);
            assert!(g.objects(&page, &format!("{HYDRA}next")).is_empty());
        }
        // One dataset, by id and by name.
        for key in [id, "co-so-y-te"] {
            let r = app.get(&format!("/dataset/{key}.{ext}")).await;
            assert_eq!(r.status.as_u16(), 200, "{ext}: {}", r.text);
            assert_eq!(r.content_type(), *ct);
            let g = Rdf::parse(ext, &r.text);
            assert_eq!(
                g.subjects_of_type(&format!("{DCAT}Dataset")),
                vec![ds.clone()]
            );
            assert_eq!(g.subjects_of_type(&format!("{DCAT}Distribution")).len(), 2);
            assert!(g.subjects_of_type(&format!("{DCAT}Catalog")).is_empty());
            // The organization's focal point is the contact point.
            assert!(r.text.contains("lan@syt.gov.vn"));
            assert!(r.text.contains("Nguyễn Thị Lan"));
            assert!(r
                .text
                .contains("http://publications.europa.eu/resource/authority/frequency/QUARTERLY"));
        }
        // The private dataset: 404 for everybody, sysadmin included.
        for key in [private["id"].as_str().unwrap(), "bi-mat-noi-bo"] {
            let anon = app.get(&format!("/dataset/{key}.{ext}")).await;
            assert_eq!(anon.message(404), "Not found: Dataset not found");
            let admin_r = app.get_as(&format!("/dataset/{key}.{ext}"), &admin).await;
            assert_eq!(admin_r.message(404), "Not found: Dataset not found");
        }
        assert_eq!(
            app.get(&format!("/dataset/nope.{ext}"))
                .await
                .status
                .as_u16(),
            404
        );
    }
    // The schema.org document.
    let r = app
        .get("/dataset/co-so-y-te.jsonld?profile=schemaorg")
        .await;
    assert_eq!(r.status.as_u16(), 200);
    assert_eq!(r.content_type(), "application/ld+json");
    assert_eq!(r.json["@type"], "Dataset");
    assert_eq!(r.json["name"], "Cơ sở y tế");
    assert_eq!(r.json["url"], format!("{SITE_URL}/dataset/co-so-y-te"));
    assert_eq!(r.json["publisher"]["name"], "Sở Y tế");
    assert_eq!(r.json["distribution"].as_array().unwrap().len(), 2);
    assert_eq!(
        r.json["distribution"][0]["contentUrl"],
        "https://syt.example.vn/ds.csv"
    );
    let r = app
        .get_as("/dataset/bi-mat-noi-bo.jsonld?profile=schemaorg", &admin)
        .await;
    assert_eq!(r.status.as_u16(), 404);
    assert_no_private(&r.text, &private);
}

async fn bulk(app: &TestApp, n: usize) {
    let op = operator();
    app.call_as(
        op.clone(),
        "organization_create",
        json!({"name": "org-a", "title": "Org A"}),
    )
    .await;
    for i in 0..n {
        let org = if i % 10 == 0 { "org-b" } else { "org-a" };
        if i == 0 {
            app.call_as(
                op.clone(),
                "organization_create",
                json!({"name": "org-b", "title": "Org B"}),
            )
            .await;
        }
        app.call_as(
            op.clone(),
            "package_create",
            json!({"name": format!("ds-{i:03}"), "title": format!("Bộ dữ liệu {i}"), "owner_org": org,
                   "sharing_level": "open"}),
        )
        .await;
    }
    // Private ones must not count.
    for i in 0..5 {
        app.call_as(
            op.clone(),
            "package_create",
            json!({"name": format!("private-{i}"), "title": "Riêng", "owner_org": "org-a",
                   "sharing_level": "shared"}),
        )
        .await;
    }
}

async fn paging_over_250(backend: Backend) {
    let app = TestApp::new(backend).await;
    bulk(&app, 250).await;
    let url = |n: u64| format!("{SITE_URL}/catalog.ttl?page={n}");
    let mut seen = std::collections::BTreeSet::new();
    for (page, on_page) in [(1u64, 100usize), (2, 100), (3, 50)] {
        let r = app.get(&format!("/catalog.ttl?page={page}")).await;
        assert_eq!(r.status.as_u16(), 200, "{}", r.text);
        assert!(!r.text.contains("private-"));
        let g = Rdf::parse("ttl", &r.text);
        let datasets = g.objects(SITE_URL, &format!("{DCAT}dataset"));
        assert_eq!(datasets.len(), on_page);
        seen.extend(datasets.into_iter().map(|t| t.to_string()));
        let node = g.paging_node().unwrap();
        assert_eq!(node, url(page));
        assert_eq!(g.value(&node, &format!("{HYDRA}totalItems")), "250");
        assert_eq!(g.value(&node, &format!("{HYDRA}first")), url(1));
        assert_eq!(g.value(&node, &format!("{HYDRA}firstPage")), url(1));
        assert_eq!(g.value(&node, &format!("{HYDRA}last")), url(3));
        assert_eq!(g.value(&node, &format!("{HYDRA}lastPage")), url(3));
        let next: Vec<String> = g
            .objects(&node, &format!("{HYDRA}next"))
            .iter()
            .map(|t| match t {
                Term::Literal(l) => l.value().to_string(),
                o => o.to_string(),
            })
            .collect();
        let prev: Vec<String> = g
            .objects(&node, &format!("{HYDRA}previous"))
            .iter()
            .map(|t| match t {
                Term::Literal(l) => l.value().to_string(),
                o => o.to_string(),
            })
            .collect();
        let expected_next: Vec<String> = if page < 3 {
            vec![url(page + 1)]
        } else {
            vec![]
        };
        let expected_prev: Vec<String> = if page > 1 {
            vec![url(page - 1)]
        } else {
            vec![]
        };
        assert_eq!(next, expected_next, "page {page}");
        assert_eq!(prev, expected_prev, "page {page}");
        assert_eq!(
            g.objects(&node, &format!("{HYDRA}nextPage")).len(),
            expected_next.len()
        );
    }
    assert_eq!(seen.len(), 250, "pages overlap or miss datasets");
    // Past the end: no datasets, previous is the last page.
    let g = Rdf::parse("ttl", &app.get("/catalog.ttl?page=5").await.text);
    assert!(g.objects(SITE_URL, &format!("{DCAT}dataset")).is_empty());
    let node = g.paging_node().unwrap();
    assert_eq!(g.value(&node, &format!("{HYDRA}previous")), url(3));

    // q and fq filter and are repeated in the page links.
    let r = app.get("/catalog.ttl?fq=organization:org-b").await;
    let g = Rdf::parse("ttl", &r.text);
    let node = g.paging_node().unwrap();
    assert_eq!(g.value(&node, &format!("{HYDRA}totalItems")), "25");
    assert_eq!(
        node,
        format!("{SITE_URL}/catalog.ttl?fq=organization:org-b&page=1")
    );
    let r = app.get("/catalog.ttl?q=name:ds-007").await;
    let g = Rdf::parse("ttl", &r.text);
    assert_eq!(g.objects(SITE_URL, &format!("{DCAT}dataset")).len(), 1);
    assert_eq!(
        g.value(&g.paging_node().unwrap(), &format!("{HYDRA}totalItems")),
        "1"
    );

    // modified_since: everything is newer than 2000, nothing newer than 2999.
    let r = app.get("/catalog.ttl?modified_since=2000-01-01").await;
    let g = Rdf::parse("ttl", &r.text);
    let node = g.paging_node().unwrap();
    assert_eq!(g.value(&node, &format!("{HYDRA}totalItems")), "250");
    assert_eq!(
        node,
        format!("{SITE_URL}/catalog.ttl?modified_since=2000-01-01&page=1")
    );
    let r = app
        .get("/catalog.ttl?modified_since=2999-01-01T00:00:00")
        .await;
    assert_eq!(r.status.as_u16(), 200);
    let g = Rdf::parse("ttl", &r.text);
    assert!(g.objects(SITE_URL, &format!("{DCAT}dataset")).is_empty());
    assert!(g.paging_node().is_none(), "no paging when nothing matched");
}

async fn bad_parameters(backend: Backend) {
    let app = TestApp::new(backend).await;
    for q in ["page=0", "page=-1", "page=abc", "page=1.5"] {
        let r = app.get(&format!("/catalog.ttl?{q}")).await;
        let e = r.error(409);
        assert_eq!(e["__type"], "Validation Error");
        assert_eq!(
            e["page"],
            json!(["Page param must be a positive integer starting in 1"])
        );
        assert_eq!(r.content_type(), JSON_CT);
    }
    for q in ["modified_since=yesterday", "modified_since=2024-13-45"] {
        let r = app.get(&format!("/catalog.rdf?{q}")).await;
        let e = r.error(409);
        assert_eq!(
            e["modified_since"],
            json!(["Wrong modified date format. Use ISO-8601 format"])
        );
    }
    // In Vietnamese too.
    let r = app.get("/vi/catalog.ttl?page=0").await;
    assert_eq!(
        r.error(409)["page"],
        json!(["Tham số page phải là số nguyên dương, bắt đầu từ 1"])
    );
    // An unparseable fq is the search's own error, not a 500.
    let r = app.get("/catalog.ttl?fq=title:(unclosed").await;
    assert!(matches!(r.status.as_u16(), 400 | 409), "{r:?}");
}

async fn content_negotiation(backend: Backend) {
    let app = TestApp::new(backend).await;
    let (_, open, private) = setup(&app).await;
    for (accept, ct) in [
        ("text/turtle", "text/turtle; charset=utf-8"),
        ("application/rdf+xml", "application/rdf+xml"),
        ("application/ld+json", "application/ld+json"),
        ("text/n3", "text/n3; charset=utf-8"),
        (
            "text/html;q=0.5, text/turtle;q=0.9",
            "text/turtle; charset=utf-8",
        ),
        ("application/*", "application/rdf+xml"),
    ] {
        let r = app.get_with("/catalog", &[("accept", accept)]).await;
        assert_eq!(r.status.as_u16(), 200, "{accept}");
        assert_eq!(r.content_type(), ct, "{accept}");
        assert_no_private(&r.text, &private);
        let r = app
            .get_with("/dataset/co-so-y-te", &[("accept", accept)])
            .await;
        assert_eq!(r.status.as_u16(), 200, "{accept}");
        assert_eq!(r.content_type(), ct, "{accept}");
        assert!(r.text.contains(open["id"].as_str().unwrap()));
        let r = app
            .get_with("/dataset/bi-mat-noi-bo", &[("accept", accept)])
            .await;
        assert_eq!(r.status.as_u16(), 404);
    }
    // No RDF asked for: the usual JSON 404.
    for accept in ["text/html", "*/*", "application/json"] {
        let r = app.get_with("/catalog", &[("accept", accept)]).await;
        assert_eq!(r.status.as_u16(), 404);
        assert_eq!(r.json["error"]["__type"], "Not Found Error");
        let r = app
            .get_with("/dataset/co-so-y-te", &[("accept", accept)])
            .await;
        assert_eq!(r.status.as_u16(), 404);
    }
    assert_eq!(app.get("/catalog.html").await.status.as_u16(), 404);
    // Locale prefixes.
    let r = app.get("/vi/catalog.ttl").await;
    assert_eq!(r.status.as_u16(), 200);
    assert_eq!(r.content_type(), "text/turtle; charset=utf-8");
    let r = app.get("/vi/dataset/co-so-y-te.rdf").await;
    assert_eq!(r.status.as_u16(), 200);
    // Deeper dataset paths are not taken by the DCAT route.
    let r = app.get("/dataset/co-so-y-te/other.ttl").await;
    assert_eq!(r.json["error"]["__type"], "Not Found Error");
}

async fn base_uri_and_publisher(backend: Backend) {
    let app = TestApp::with_configs(
        backend,
        kho_catalog::CatalogConfig {
            site_url: SITE_URL.into(),
            site_title: "Cổng dữ liệu".into(),
            dcat_base_uri: "https://data.example.vn/".into(),
            dcat_publisher_name: "UBND tỉnh".into(),
            dcat_publisher_uri: "https://example.vn/ubnd".into(),
            dcat_datasets_per_page: 2,
            ..Default::default()
        },
        kho_api::ApiConfig::default(),
    )
    .await;
    bulk(&app, 3).await;
    let g = Rdf::parse("ttl", &app.get("/catalog.ttl?page=2").await.text);
    let cat = "https://data.example.vn";
    assert_eq!(
        g.objects(cat, &format!("{DCT}publisher")),
        vec![iri("https://example.vn/ubnd")]
    );
    assert_eq!(
        g.value("https://example.vn/ubnd", "http://xmlns.com/foaf/0.1/name"),
        "UBND tỉnh"
    );
    assert_eq!(g.objects(cat, &format!("{DCAT}dataset")).len(), 1);
    let node = g.paging_node().unwrap();
    assert_eq!(node, "https://data.example.vn/catalog.ttl?page=2");
    assert_eq!(g.value(&node, &format!("{HYDRA}itemsPerPage")), "2");
    assert_eq!(
        g.value(&node, &format!("{HYDRA}previous")),
        "https://data.example.vn/catalog.ttl?page=1"
    );
    for d in g.objects(cat, &format!("{DCAT}dataset")) {
        assert!(d
            .to_string()
            .starts_with("<https://data.example.vn/dataset/"));
    }
}

both_backends!(
    every_format_parses,
    paging_over_250,
    bad_parameters,
    content_negotiation,
    base_uri_and_publisher,
);
