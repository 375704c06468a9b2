//! The mapping, triple by triple.

use kho_core::profile::DatasetSchema;
use serde_json::{json, Value};

use crate::{catalog_graph, dataset_graph, schemaorg, DcatAp3, Format, Graph, Paging, Site};

fn site() -> Site {
    Site {
        base_uri: "https://data.example.vn".into(),
        site_url: "https://data.example.vn".into(),
        title: "Cổng dữ liệu mở".into(),
        description: "Dữ liệu mở của tỉnh".into(),
        language: "vi".into(),
        publisher_name: "UBND tỉnh".into(),
        publisher_uri: Some("https://data.example.vn/organization/ubnd".into()),
    }
}

const ID: &str = "7f0c1a53-0000-4000-8000-000000000001";

fn complete() -> Value {
    json!({
        "id": ID,
        "name": "co-so-y-te",
        "title": "Cơ sở y tế",
        "notes": "Danh sách cơ sở y tế",
        "type": "dataset",
        "url": "https://syt.example.vn/co-so",
        "version": "1.0",
        "metadata_created": "2024-01-02T03:04:05.123456",
        "metadata_modified": "2024-02-03T04:05:06",
        "license_id": "cc-by",
        "license_url": "http://www.opendefinition.org/licenses/cc-by",
        "tags": [{"name": "y tế"}, {"name": "bệnh viện"}],
        "theme": ["health", "society"],
        "update_frequency": "quarterly",
        "temporal_start": "2020-01-01",
        "temporal_end": "2024-12-31",
        "spatial": "Phường Hải Châu",
        "sharing_level": "open",
        "contact_name": "Nguyễn Thị Lan",
        "contact_email": "lan@syt.gov.vn",
        "organization": {"id": "org-1", "name": "so-y-te", "title": "Sở Y tế"},
        "resources": [
            {
                "id": "res-1",
                "package_id": ID,
                "name": "Danh sách",
                "description": "Tệp CSV",
                "url": "https://data.example.vn/dataset/co-so-y-te/resource/res-1/download/ds.csv",
                "url_type": "upload",
                "format": "CSV",
                "mimetype": "text/csv",
                "size": 1234,
                "hash": "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
                "created": "2024-01-02T03:04:05",
                "last_modified": "2024-01-05T00:00:00"
            },
            {
                "id": "res-2",
                "package_id": ID,
                "name": "Trang",
                "url": "https://syt.example.vn/bang",
                "format": "HTML"
            }
        ]
    })
}

/// Sorted N-Triples lines.
fn lines(g: &Graph) -> Vec<String> {
    let nt = String::from_utf8(g.serialize(Format::NTriples).unwrap()).unwrap();
    let mut v: Vec<String> = nt.lines().map(str::to_string).collect();
    v.sort();
    v
}

fn sorted(v: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = v.iter().map(|s| s.to_string()).collect();
    v.sort();
    v
}

#[test]
fn complete_dataset_exact_triples() {
    let schema = DatasetSchema::shipped();
    let g = dataset_graph(&DcatAp3::new(Some(&schema)), &site(), &complete());
    let d = format!("<https://data.example.vn/dataset/{ID}>");
    let r1 = format!("<https://data.example.vn/dataset/{ID}/resource/res-1>");
    let r2 = format!("<https://data.example.vn/dataset/{ID}/resource/res-2>");
    let dl = "<https://data.example.vn/dataset/co-so-y-te/resource/res-1/download/ds.csv>";
    let lic = "<http://www.opendefinition.org/licenses/cc-by>";
    let ty = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>";
    let dcat = |l: &str| format!("<http://www.w3.org/ns/dcat#{l}>");
    let dct = |l: &str| format!("<http://purl.org/dc/terms/{l}>");
    let xsd = |l: &str| format!("<http://www.w3.org/2001/XMLSchema#{l}>");
    let eu = |l: &str| format!("<http://publications.europa.eu/resource/authority/{l}>");
    let expected: Vec<String> = vec![
        format!("{d} {ty} {} .", dcat("Dataset")),
        format!("{d} {} \"Cơ sở y tế\" .", dct("title")),
        format!("{d} {} \"Danh sách cơ sở y tế\" .", dct("description")),
        format!("{d} {} \"y tế\" .", dcat("keyword")),
        format!("{d} {} \"bệnh viện\" .", dcat("keyword")),
        format!("{d} {} {} .", dcat("theme"), eu("data-theme/HEAL")),
        format!("{} {ty} <http://www.w3.org/2004/02/skos/core#Concept> .", eu("data-theme/HEAL")),
        format!("{} <http://www.w3.org/2004/02/skos/core#prefLabel> \"Health\"@en .", eu("data-theme/HEAL")),
        format!("{d} {} {} .", dcat("theme"), eu("data-theme/SOCI")),
        format!("{} {ty} <http://www.w3.org/2004/02/skos/core#Concept> .", eu("data-theme/SOCI")),
        format!("{} <http://www.w3.org/2004/02/skos/core#prefLabel> \"Population and society\"@en .", eu("data-theme/SOCI")),
        format!("{d} {} \"{ID}\" .", dct("identifier")),
        format!("{d} {} <https://syt.example.vn/co-so> .", dcat("landingPage")),
        format!("<https://syt.example.vn/co-so> {ty} <http://xmlns.com/foaf/0.1/Document> ."),
        format!("{d} {} \"1.0\" .", dcat("version")),
        format!("{d} {} \"2024-01-02T03:04:05.123456\"^^{} .", dct("issued"), xsd("dateTime")),
        format!("{d} {} \"2024-02-03T04:05:06\"^^{} .", dct("modified"), xsd("dateTime")),
        format!("{d} {} <https://data.example.vn/organization/org-1> .", dct("publisher")),
        format!("<https://data.example.vn/organization/org-1> {ty} <http://xmlns.com/foaf/0.1/Agent> ."),
        "<https://data.example.vn/organization/org-1> <http://xmlns.com/foaf/0.1/name> \"Sở Y tế\" .".into(),
        format!("{d} {} _:b0 .", dcat("contactPoint")),
        format!("_:b0 {ty} <http://www.w3.org/2006/vcard/ns#Kind> ."),
        "_:b0 <http://www.w3.org/2006/vcard/ns#fn> \"Nguyễn Thị Lan\" .".into(),
        "_:b0 <http://www.w3.org/2006/vcard/ns#hasEmail> <mailto:lan@syt.gov.vn> .".into(),
        format!("{d} {} {lic} .", dct("license")),
        format!("{lic} {ty} {} .", dct("LicenseDocument")),
        format!("{d} {} {} .", dct("accessRights"), eu("access-right/PUBLIC")),
        format!("{} {ty} {} .", eu("access-right/PUBLIC"), dct("RightsStatement")),
        format!("{d} {} {} .", dct("accrualPeriodicity"), eu("frequency/QUARTERLY")),
        format!("{} {ty} {} .", eu("frequency/QUARTERLY"), dct("Frequency")),
        format!("{d} {} _:b1 .", dct("temporal")),
        format!("_:b1 {ty} {} .", dct("PeriodOfTime")),
        format!("_:b1 {} \"2020-01-01\"^^{} .", dcat("startDate"), xsd("date")),
        format!("_:b1 {} \"2024-12-31\"^^{} .", dcat("endDate"), xsd("date")),
        format!("{d} {} _:b2 .", dct("spatial")),
        format!("_:b2 {ty} {} .", dct("Location")),
        "_:b2 <http://www.w3.org/2004/02/skos/core#prefLabel> \"Phường Hải Châu\" .".into(),
        // First resource: an upload.
        format!("{d} {} {r1} .", dcat("distribution")),
        format!("{r1} {ty} {} .", dcat("Distribution")),
        format!("{r1} {} \"Danh sách\" .", dct("title")),
        format!("{r1} {} \"Tệp CSV\" .", dct("description")),
        format!("{r1} {} {dl} .", dcat("accessURL")),
        format!("{r1} {} {dl} .", dcat("downloadURL")),
        format!("{dl} {ty} <http://www.w3.org/2000/01/rdf-schema#Resource> ."),
        format!("{r1} {} <https://www.iana.org/assignments/media-types/text/csv> .", dcat("mediaType")),
        format!("<https://www.iana.org/assignments/media-types/text/csv> {ty} {} .", dct("MediaType")),
        format!("{r1} {} {} .", dct("format"), eu("file-type/CSV")),
        format!("{} {ty} {} .", eu("file-type/CSV"), dct("MediaTypeOrExtent")),
        format!("{r1} {} \"1234\"^^{} .", dcat("byteSize"), xsd("nonNegativeInteger")),
        format!("{r1} <http://spdx.org/rdf/terms#checksum> _:b3 ."),
        format!("_:b3 {ty} <http://spdx.org/rdf/terms#Checksum> ."),
        "_:b3 <http://spdx.org/rdf/terms#algorithm> <http://spdx.org/rdf/terms#checksumAlgorithm_sha256> .".into(),
        format!("<http://spdx.org/rdf/terms#checksumAlgorithm_sha256> {ty} <http://spdx.org/rdf/terms#ChecksumAlgorithm> ."),
        format!("_:b3 <http://spdx.org/rdf/terms#checksumValue> \"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\"^^{} .", xsd("hexBinary")),
        format!("{r1} {} \"2024-01-02T03:04:05\"^^{} .", dct("issued"), xsd("dateTime")),
        format!("{r1} {} \"2024-01-05T00:00:00\"^^{} .", dct("modified"), xsd("dateTime")),
        format!("{r1} {} {lic} .", dct("license")),
        // Second resource: a web page (no download URL); HTML's media type is guessed.
        format!("{d} {} {r2} .", dcat("distribution")),
        format!("{r2} {ty} {} .", dcat("Distribution")),
        format!("{r2} {} \"Trang\" .", dct("title")),
        format!("{r2} {} <https://syt.example.vn/bang> .", dcat("accessURL")),
        format!("<https://syt.example.vn/bang> {ty} <http://www.w3.org/2000/01/rdf-schema#Resource> ."),
        format!("{r2} {} <https://www.iana.org/assignments/media-types/text/html> .", dcat("mediaType")),
        format!("<https://www.iana.org/assignments/media-types/text/html> {ty} {} .", dct("MediaType")),
        format!("{r2} {} {} .", dct("format"), eu("file-type/HTML")),
        format!("{} {ty} {} .", eu("file-type/HTML"), dct("MediaTypeOrExtent")),
        format!("{r2} {} {lic} .", dct("license")),
    ];
    let mut expected = expected;
    expected.sort();
    assert_eq!(lines(&g), expected);
}

#[test]
fn minimal_dataset() {
    let d = json!({"id": "abc", "title": "T", "resources": []});
    let g = dataset_graph(&DcatAp3::new(None), &site(), &d);
    assert_eq!(
        lines(&g),
        sorted(&[
            "<https://data.example.vn/dataset/abc> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://www.w3.org/ns/dcat#Dataset> .",
            "<https://data.example.vn/dataset/abc> <http://purl.org/dc/terms/title> \"T\" .",
            "<https://data.example.vn/dataset/abc> <http://purl.org/dc/terms/identifier> \"abc\" .",
        ])
    );
    // No id: nothing at all.
    assert!(dataset_graph(&DcatAp3::new(None), &site(), &json!({"title": "x"})).is_empty());
}

#[test]
fn service() {
    let d = json!({
        "id": "svc", "type": "service", "title": "API tra cứu",
        "endpoint_description": "https://api.example.vn/openapi.json",
        "resources": [{"id": "r", "url": "https://api.example.vn/v1"}]
    });
    let g = dataset_graph(&DcatAp3::new(None), &site(), &d);
    let s = "<https://data.example.vn/dataset/svc>";
    let ty = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>";
    let res = "<http://www.w3.org/2000/01/rdf-schema#Resource>";
    assert_eq!(
        lines(&g),
        sorted(&[
            &format!("{s} {ty} <http://www.w3.org/ns/dcat#DataService> ."),
            &format!("{s} <http://purl.org/dc/terms/title> \"API tra cứu\" ."),
            &format!("{s} <http://purl.org/dc/terms/identifier> \"svc\" ."),
            &format!("{s} <http://www.w3.org/ns/dcat#endpointURL> <https://api.example.vn/v1> ."),
            &format!("<https://api.example.vn/v1> {ty} {res} ."),
            &format!("{s} <http://www.w3.org/ns/dcat#endpointDescription> <https://api.example.vn/openapi.json> ."),
            &format!("<https://api.example.vn/openapi.json> {ty} {res} ."),
        ])
    );
    // In a catalogue, a service is linked with dcat:service.
    let g = catalog_graph(&DcatAp3::new(None), &site(), &[d], None, None);
    assert!(lines(&g).contains(&format!(
        "<https://data.example.vn> <http://www.w3.org/ns/dcat#service> {s} ."
    )));
    // The endpoint field wins over the first resource.
    let d = json!({"id": "svc", "type": "service", "title": "x", "endpoint_url": "https://e.example.vn/",
        "resources": [{"id": "r", "url": "https://api.example.vn/v1"}]});
    let got = lines(&dataset_graph(&DcatAp3::new(None), &site(), &d));
    assert!(got.contains(&format!(
        "{s} <http://www.w3.org/ns/dcat#endpointURL> <https://e.example.vn/> ."
    )));
    assert!(!got.iter().any(|l| l.contains("api.example.vn")));
}

#[test]
fn service_structure_and_status() {
    let d = json!({"id": "svc", "type": "service", "title": "x",
        "endpoint_url": "https://e.example.vn/v1",
        "structure_document": "https://e.example.vn/openapi.json",
        "service_status": "suspended", "protocol": "rest"});
    let s = "<https://data.example.vn/dataset/svc>";
    let ty = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>";
    let status = "<http://publications.europa.eu/resource/authority/distribution-status/WITHDRAWN>";
    let expect = [
        format!("{s} <http://purl.org/dc/terms/conformsTo> <https://e.example.vn/openapi.json> ."),
        format!("<https://e.example.vn/openapi.json> {ty} <http://purl.org/dc/terms/Standard> ."),
        format!("{s} <http://www.w3.org/ns/adms#status> {status} ."),
        format!("{status} {ty} <http://www.w3.org/2004/02/skos/core#Concept> ."),
    ];
    // Without a profile the shipped values map by the built-in table; the shipped
    // service profile gives the same URIs.
    let schema = DatasetSchema::shipped_service();
    for p in [
        DcatAp3::new(None),
        DcatAp3::new(None).with_service(Some(&schema)),
    ] {
        let got = lines(&dataset_graph(&p, &site(), &d));
        for e in &expect {
            assert!(got.contains(e), "{e} not in {got:#?}");
        }
    }
    // A status outside the vocabulary that is not an IRI is left out.
    let d = json!({"id": "svc", "type": "service", "title": "x", "service_status": "paused"});
    let got = lines(&dataset_graph(&DcatAp3::new(None), &site(), &d));
    assert!(!got.iter().any(|l| l.contains("adms#status")));
}

#[test]
fn vietnamese_text_is_nfc_in_every_format() {
    // "Hải Châu" typed decomposed (base letters and combining marks, as some keyboards
    // and PDF copies give it) comes out precomposed.
    let decomposed = "Ha\u{309}i Cha\u{302}u";
    let d = json!({"id": "v", "title": decomposed, "notes": "Phường Hải Châu"});
    let g = dataset_graph(&DcatAp3::new(None), &site(), &d);
    for f in [
        Format::Turtle,
        Format::N3,
        Format::RdfXml,
        Format::JsonLd,
        Format::NTriples,
    ] {
        let out = String::from_utf8(g.serialize(f).unwrap()).unwrap();
        assert!(
            out.contains("Hải Châu</") || out.contains("\"Hải Châu\""),
            "{f:?}: {out}"
        );
        assert!(out.contains("Phường Hải Châu"), "{f:?}: {out}");
        assert!(!out.contains('\u{309}'), "{f:?}");
    }
}

#[test]
fn bad_iris_are_skipped_never_invalid() {
    let d = json!({
        "id": "has space",
        "title": "bad \u{1} control",
        "url": "not a url",
        "license_url": "javascript:alert(1)",
        "contact_email": "a b@c",
        "organization": {"id": "o\"rg", "title": "Org"},
        "resources": [{"id": "r>", "url": "ftp//broken", "format": "Weird Format", "mimetype": "not a mime",
            "hash": "xyz", "size": "-3"}],
        "temporal_start": "someday",
        "spatial": "{\"type\":\"Point\"}",
        "theme": ["http://example.com/theme/x", "unknown"],
    });
    let g = dataset_graph(&DcatAp3::new(None), &site(), &d);
    for f in [
        Format::Turtle,
        Format::RdfXml,
        Format::JsonLd,
        Format::NTriples,
    ] {
        let out = g.serialize(f).unwrap();
        assert!(!out.is_empty());
        assert!(!String::from_utf8(out).unwrap().contains('\u{1}'));
    }
    let got = lines(&g).join("\n");
    // A space in a URI is escaped; `"` makes an IRI invalid: the publisher is left out.
    assert!(got.contains("<https://data.example.vn/dataset/has%20space> <http://purl.org/dc/terms/identifier> \"has space\" ."), "{got}");
    assert!(!got.contains("javascript"));
    assert!(!got.contains("mailto"));
    assert!(!got.contains("organization"));
    assert!(got.contains("\"bad  control\""), "{got}");
    assert!(got.contains("\"someday\""));
    assert!(got.contains("<http://example.com/theme/x>"));
    // An unknown format is a labelled node, not a literal object of dct:format.
    assert!(!got.contains("byteSize"));
    assert!(!got.contains("checksum"));
}

#[test]
fn bad_iri_dataset_id_gives_no_node() {
    let d = json!({"id": "a<b", "title": "x"});
    assert!(dataset_graph(&DcatAp3::new(None), &site(), &d).is_empty());
    let d = json!({"id": "ok", "title": "x", "resources": [{"id": "r", "url": "x y", "format": "Weird Format"}]});
    let got = lines(&dataset_graph(&DcatAp3::new(None), &site(), &d)).join("\n");
    assert!(
        got.contains("<http://www.w3.org/2000/01/rdf-schema#label> \"Weird Format\""),
        "{got}"
    );
    assert!(!got.contains("accessURL"));
}

fn paging(count: u64, page: u64, on_page: u64) -> Paging {
    Paging {
        count,
        items_per_page: 100,
        page,
        on_page,
        url: "https://data.example.vn/catalog.ttl".into(),
        params: vec![("q".into(), "y tế".into())],
    }
}

#[test]
fn paging_triples() {
    let p = paging(250, 2, 100);
    let g = catalog_graph(
        &DcatAp3::new(None),
        &site(),
        &[],
        Some("2024-02-03T04:05:06"),
        Some(&p),
    );
    let got = lines(&g);
    let node = "<https://data.example.vn/catalog.ttl?q=y%20t%E1%BA%BF&page=2>";
    let h = |l: &str| format!("<http://www.w3.org/ns/hydra/core#{l}>");
    let url = |n: u64| format!("\"https://data.example.vn/catalog.ttl?q=y%20t%E1%BA%BF&page={n}\"");
    for (pred, val) in [
        ("next", url(3)),
        ("nextPage", url(3)),
        ("previous", url(1)),
        ("previousPage", url(1)),
        ("first", url(1)),
        ("firstPage", url(1)),
        ("last", url(3)),
        ("lastPage", url(3)),
        (
            "totalItems",
            "\"250\"^^<http://www.w3.org/2001/XMLSchema#integer>".into(),
        ),
        (
            "itemsPerPage",
            "\"100\"^^<http://www.w3.org/2001/XMLSchema#integer>".into(),
        ),
    ] {
        let line = format!("{node} {} {val} .", h(pred));
        assert!(got.contains(&line), "missing {line}\n{}", got.join("\n"));
    }
    assert!(got.contains(&format!(
        "{node} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> {} .",
        h("PagedCollection")
    )));
    // Last page: no next; first page: no previous; past the end: previous is the last.
    assert_eq!(paging(250, 3, 50).next(), None);
    assert_eq!(paging(250, 3, 50).previous(), Some(2));
    assert_eq!(paging(250, 1, 100).previous(), None);
    assert_eq!(paging(250, 7, 0).previous(), Some(3));
    assert_eq!(paging(250, 9, 50).previous(), Some(3));
    assert_eq!(paging(200, 2, 100).next(), None);
    assert_eq!(paging(200, 2, 100).last_page(), 2);
    // Nothing matched: no paging node.
    let g = catalog_graph(
        &DcatAp3::new(None),
        &site(),
        &[],
        None,
        Some(&paging(0, 1, 0)),
    );
    assert!(!lines(&g).join("\n").contains("hydra"));
}

#[test]
fn catalog_node() {
    let g = catalog_graph(
        &DcatAp3::new(None),
        &site(),
        &[json!({"id": "d1", "title": "x"})],
        Some("2024-02-03T04:05:06"),
        None,
    );
    let c = "<https://data.example.vn>";
    let ty = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>";
    let got = lines(&g);
    for l in [
        format!("{c} {ty} <http://www.w3.org/ns/dcat#Catalog> ."),
        format!("{c} <http://purl.org/dc/terms/title> \"Cổng dữ liệu mở\" ."),
        format!("{c} <http://purl.org/dc/terms/description> \"Dữ liệu mở của tỉnh\" ."),
        format!("{c} <http://xmlns.com/foaf/0.1/homepage> <https://data.example.vn> ."),
        format!("{c} <http://purl.org/dc/terms/language> <http://publications.europa.eu/resource/authority/language/VIE> ."),
        format!("{c} <http://purl.org/dc/terms/modified> \"2024-02-03T04:05:06\"^^<http://www.w3.org/2001/XMLSchema#dateTime> ."),
        format!("{c} <http://purl.org/dc/terms/publisher> <https://data.example.vn/organization/ubnd> ."),
        "<https://data.example.vn/organization/ubnd> <http://xmlns.com/foaf/0.1/name> \"UBND tỉnh\" .".into(),
        format!("{c} <http://www.w3.org/ns/dcat#dataset> <https://data.example.vn/dataset/d1> ."),
    ] {
        assert!(got.contains(&l), "missing {l}\n{}", got.join("\n"));
    }
}

#[test]
fn formats_and_accept() {
    assert_eq!(Format::from_extension("xml"), Some(Format::RdfXml));
    assert_eq!(Format::from_extension("rdf"), Some(Format::RdfXml));
    assert_eq!(Format::from_extension("html"), None);
    assert_eq!(Format::N3.content_type(), "text/n3");
    use crate::from_accept;
    assert_eq!(from_accept("text/turtle"), Some(Format::Turtle));
    assert_eq!(from_accept("text/html, text/turtle"), None);
    assert_eq!(
        from_accept("text/html;q=0.5, text/turtle"),
        Some(Format::Turtle)
    );
    assert_eq!(from_accept("application/*"), Some(Format::RdfXml));
    assert_eq!(from_accept("text/*"), Some(Format::N3));
    assert_eq!(from_accept("*/*"), None);
    assert_eq!(from_accept("application/json"), None);
    assert_eq!(
        from_accept("application/ld+json;q=0.9, application/rdf+xml;q=0.8"),
        Some(Format::JsonLd)
    );
    assert_eq!(from_accept(""), None);
}

#[test]
fn schema_org_document() {
    let doc = schemaorg::dataset(&site(), &complete(), true);
    assert_eq!(doc["@context"], "https://schema.org/");
    assert_eq!(doc["@type"], "Dataset");
    assert_eq!(doc["name"], "Cơ sở y tế");
    assert_eq!(doc["url"], "https://data.example.vn/dataset/co-so-y-te");
    assert_eq!(doc["identifier"], ID);
    assert_eq!(doc["keywords"], json!(["y tế", "bệnh viện"]));
    assert_eq!(
        doc["license"],
        "http://www.opendefinition.org/licenses/cc-by"
    );
    assert_eq!(doc["publisher"]["@type"], "Organization");
    assert_eq!(doc["publisher"]["name"], "Sở Y tế");
    assert_eq!(doc["creator"], doc["publisher"]);
    assert_eq!(doc["dateCreated"], "2024-01-02T03:04:05.123456");
    assert_eq!(doc["dateModified"], "2024-02-03T04:05:06");
    assert_eq!(doc["temporalCoverage"], "2020-01-01/2024-12-31");
    assert_eq!(
        doc["spatialCoverage"],
        json!({"@type": "Place", "name": "Phường Hải Châu"})
    );
    assert_eq!(doc["isAccessibleForFree"], true);
    assert_eq!(
        doc["includedInDataCatalog"],
        json!({"@type": "DataCatalog", "name": "Cổng dữ liệu mở", "url": "https://data.example.vn"})
    );
    assert_eq!(
        doc["distribution"][0],
        json!({
            "@type": "DataDownload", "name": "Danh sách", "description": "Tệp CSV",
            "contentUrl": "https://data.example.vn/dataset/co-so-y-te/resource/res-1/download/ds.csv",
            "encodingFormat": "text/csv", "contentSize": "1234", "dateModified": "2024-01-05T00:00:00"
        })
    );
    assert_eq!(doc["distribution"].as_array().map(Vec::len), Some(2));
}
