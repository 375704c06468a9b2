//! kho-api: the HTTP face of a kho catalogue.
//!
//! [`routes`] turns a built [`Catalog`] into a poem [`Route`] that answers CKAN's Action
//! API exactly as CKAN 2.12 does (URLs, envelope, errors, tokens, JSONP, CORS), plus the
//! version documents, health probes and the OpenAPI document. Integrators mount it where
//! they like: `Route::new().nest("/data", kho_api::routes(catalog, ApiConfig::default()))`.

mod action;
mod dcat;
mod decode;
mod download;
pub mod i18n;
/// CKAN's JSON output (kept here for embedders that write envelopes themselves).
pub use kho_core::json;
mod middleware;
pub mod openapi;

use std::sync::Arc;

use kho_catalog::Catalog;
use poem::{get, handler, web::Data, EndpointExt, IntoResponse, Response, Route};
use serde::{Deserialize, Serialize};

pub use action::ApiState;

rust_i18n::i18n!("../../i18n", fallback = "en");

/// HTTP-level settings.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct ApiConfig {
    /// Origins allowed by CORS; `["*"]` allows every origin. Empty: no CORS headers.
    pub cors_origins: Vec<String>,
    /// Largest request body accepted on the Action API, in bytes (413 beyond).
    pub max_body_bytes: usize,
    /// Most parameters one request may carry.
    pub max_params: usize,
    /// Largest uploaded file (`upload` of `resource_create`, `resource_update`,
    /// `resource_patch`), in bytes (413 beyond). Default 100 MB.
    pub max_upload_bytes: u64,
}

impl Default for ApiConfig {
    fn default() -> Self {
        ApiConfig {
            cors_origins: Vec::new(),
            max_body_bytes: 10 * 1024 * 1024,
            max_params: 1000,
            max_upload_bytes: 100 * 1000 * 1000,
        }
    }
}

/// A catalogue over a migrated store, with kho's messages (English and Vietnamese) and
/// its search index filled from the store before this returns: what an embedding service
/// builds before [`routes`]. The index is in memory and follows this catalogue's own
/// writes; to follow other processes' writes too, spawn [`Catalog::follow`] (with
/// `home: None`). `kho serve` keeps its index on disk instead ([`Catalog::open_index`]).
pub async fn catalog(
    store: Arc<dyn kho_store::Store>,
    config: kho_catalog::CatalogConfig,
) -> Result<Catalog, kho_core::Error> {
    let catalog = Catalog::with_translator(store, config, Arc::new(i18n::translate));
    catalog.catch_up_index().await?;
    Ok(catalog)
}

/// Every route of the catalogue, ready to serve or to nest under a prefix.
pub fn routes(catalog: Catalog, config: ApiConfig) -> impl poem::Endpoint<Output = Response> {
    let state = Arc::new(ApiState::new(catalog, config));
    let spec = openapi::spec_json(state.catalog.registry(), &state.catalog.config().site_url);
    let api = Route::new()
        .at("/api", get(version_1))
        .at("/api/", get(version_1))
        .at("/api/:ver", get(version_n))
        .at("/api/:ver/", get(version_n))
        .at("/api/action/:name", action::action_endpoint())
        .at(
            "/api/:ver/action/:name",
            action::versioned_action_endpoint(),
        )
        .at("/api/action/:name/", action::trailing_slash())
        .at("/api/:ver/action/:name/", action::trailing_slash())
        .at(
            "/api/openapi.json",
            get(openapi::serve_spec).data(Arc::new(spec)),
        )
        .at("/api/docs", get(openapi::serve_ui))
        .at(
            "/:type/:id/resource/:rid/download",
            download::download_endpoint(),
        )
        .at(
            "/:type/:id/resource/:rid/download/:filename",
            download::download_endpoint(),
        )
        .at("/healthz", get(healthz))
        .at("/readyz", get(readyz))
        // ckanext-dcat's endpoints (one segment each: deeper dataset paths are other routes).
        .at("/catalog", get(dcat::catalog_negotiated))
        .at("/catalog.ttl", get(dcat::catalog_ext))
        .at("/catalog.rdf", get(dcat::catalog_ext))
        .at("/catalog.xml", get(dcat::catalog_ext))
        .at("/catalog.jsonld", get(dcat::catalog_ext))
        .at("/catalog.n3", get(dcat::catalog_ext))
        .at("/dataset/:id", get(dcat::dataset))
        .at("/*path", action::not_found());
    middleware::Normalize::new(middleware::Observe::new(api.data(state.clone())), state)
        .map_to_response()
}

#[handler]
fn version_1() -> Response {
    json_response(&serde_json::json!({ "version": 1 }))
}

#[handler]
fn version_n(poem::web::Path(ver): poem::web::Path<String>) -> Response {
    match ver.parse::<u8>() {
        Ok(n @ 1..=3) => json_response(&serde_json::json!({ "version": n })),
        _ => action::not_found_response("", "Not found"),
    }
}

#[handler]
fn healthz() -> Response {
    json_response(&serde_json::json!({ "status": "ok" }))
}

#[handler]
async fn readyz(Data(state): Data<&Arc<ApiState>>) -> Response {
    match state.catalog.store().ping().await {
        Ok(()) => json_response(&serde_json::json!({ "status": "ok" })),
        Err(e) => {
            tracing::warn!(error = %e, "store not reachable");
            json_response(&serde_json::json!({ "status": "unavailable" }))
                .with_status(poem::http::StatusCode::SERVICE_UNAVAILABLE)
                .into_response()
        }
    }
}

pub(crate) fn json_response(v: &serde_json::Value) -> Response {
    Response::builder()
        .content_type("application/json;charset=utf-8")
        .body(json::to_string(v))
}
