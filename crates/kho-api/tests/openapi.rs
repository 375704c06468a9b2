//! The OpenAPI document: one operation per action, and the checked-in copy is current.

use kho_catalog::{Catalog, CatalogConfig};
use serde_json::Value;

const SITE_URL: &str = "http://127.0.0.1:5000";
const CHECKED_IN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../openapi/kho.json");

/// The registry of a real catalogue (over a throwaway SQLite store).
fn with_catalog(f: impl FnOnce(&Catalog)) {
    let dir = tempfile::tempdir().unwrap();
    let url = kho_test_support::sqlite_url(dir.path());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let store = rt.block_on(kho_store::connect(&url)).unwrap();
    let catalog = Catalog::new(
        store,
        CatalogConfig {
            site_url: SITE_URL.into(),
            ..CatalogConfig::default()
        },
    );
    f(&catalog);
}

fn doc() -> Value {
    let text = kho_api::openapi::document(SITE_URL);
    assert!(text.ends_with("}\n"), "the document ends with a newline");
    serde_json::from_str(&text).expect("the document is JSON")
}

#[test]
fn every_action_is_an_operation() {
    let doc = doc();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    assert_eq!(doc["info"]["title"], "kho");
    assert_eq!(doc["info"]["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(doc["servers"][0]["url"], SITE_URL);
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(schemes["ApiToken"]["in"], "header");
    assert_eq!(schemes["ApiToken"]["name"], "Authorization");
    assert_eq!(schemes["CkanApiKey"]["name"], "X-CKAN-API-Key");

    let paths = doc["paths"].as_object().unwrap();
    with_catalog(|catalog| {
        let mut n = 0;
        for def in catalog.registry().iter() {
            n += 1;
            let path = format!("/api/3/action/{}", def.name);
            let item = paths.get(&path).unwrap_or_else(|| panic!("no path {path}"));
            let post = &item["post"];
            assert!(post.is_object(), "{path}: no POST");
            assert_eq!(post["operationId"], def.name);
            assert_eq!(
                post["description"], def.doc,
                "{path}: the docstring is the description"
            );
            assert_eq!(
                item.get("get").is_some(),
                def.side_effect_free,
                "{path}: GET iff side-effect free"
            );

            let body = &post["requestBody"]["content"]["application/json"]["schema"];
            let required: Vec<&str> = body["required"]
                .as_array()
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            for p in def.params {
                assert!(
                    body["properties"].get(p.name).is_some(),
                    "{path}: body lacks {}",
                    p.name
                );
                assert_eq!(
                    required.contains(&p.name),
                    p.required,
                    "{path}: {} required?",
                    p.name
                );
            }
            if let Some(get) = item.get("get") {
                let names: Vec<&str> = get["parameters"]
                    .as_array()
                    .map(|a| a.iter().filter_map(|p| p["name"].as_str()).collect())
                    .unwrap_or_default();
                assert_eq!(
                    names,
                    def.params.iter().map(|p| p.name).collect::<Vec<_>>(),
                    "{path}: query parameters"
                );
            }
            for op in item.as_object().unwrap().values() {
                for status in ["200", "400", "403", "404", "409"] {
                    assert!(
                        op["responses"].get(status).is_some(),
                        "{path}: no {status} response"
                    );
                }
                let ok = op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
                    .as_str()
                    .unwrap();
                let name = ok.trim_start_matches("#/components/schemas/");
                let envelope = &doc["components"]["schemas"][name];
                assert_eq!(
                    envelope["properties"]["success"]["enum"][0], true,
                    "{path}: {name}"
                );
                assert!(
                    envelope["properties"]["result"].is_object(),
                    "{path}: {name}"
                );
                let err = &op["responses"]["403"]["content"]["application/json"]["schema"]["$ref"];
                assert_eq!(err, "#/components/schemas/ErrorResponse");
            }
        }
        assert_eq!(paths.len(), n, "one path per action, no others");
        assert!(n >= 30);
    });
}

#[test]
fn the_served_document_is_the_same_for_the_same_site() {
    with_catalog(|catalog| {
        assert_eq!(
            kho_api::openapi::spec_json(catalog.registry(), SITE_URL),
            kho_api::openapi::document(SITE_URL)
        );
    });
}

#[test]
fn the_checked_in_document_is_current() {
    let current = kho_api::openapi::document(SITE_URL);
    let checked_in = std::fs::read_to_string(CHECKED_IN).unwrap_or_default();
    assert!(
        current == checked_in,
        "openapi/kho.json is stale; regenerate it from the workspace root with\n    \
         cargo run -q -p kho -- openapi > openapi/kho.json\n(with no kho.toml or KHO_* settings, so site_url is {SITE_URL})"
    );
}
