//! The OpenAPI document of every action (placeholder being replaced by the full generator).

use poem::{handler, web::Data, Response};
use std::sync::Arc;

use kho_catalog::Registry;

pub fn spec_json(_registry: &Registry, _site_url: &str) -> String {
    "{}".to_string()
}

/// The whole document, as `kho openapi` prints it.
pub fn document(site_url: &str) -> String {
    let _ = site_url;
    "{}".to_string()
}

#[handler]
pub fn serve_spec(Data(spec): Data<&Arc<String>>) -> Response {
    Response::builder().content_type("application/json").body(spec.as_str().to_string())
}

#[handler]
pub fn serve_ui() -> Response {
    Response::builder().content_type("text/html").body("")
}
