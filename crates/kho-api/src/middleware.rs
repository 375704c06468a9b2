//! Request plumbing around every route: path normalisation (doubled slashes, locale
//! prefixes), CORS, caching headers, request ids and one tracing span per request.

use std::sync::Arc;
use std::time::Instant;

use poem::http::{header, HeaderValue, Method, StatusCode, Uri};
use poem::{Endpoint, IntoResponse, Request, Response};
use tracing::Instrument;

use crate::action::{ApiState, PathLocale};

/// Collapses `//` in paths (the CKAN harvester joins URLs without trimming slashes),
/// strips a `/vi` or `/en` locale prefix, and adds CORS and cache headers.
pub struct Normalize<E> {
    inner: E,
    state: Arc<ApiState>,
}

impl<E> Normalize<E> {
    pub fn new(inner: E, state: Arc<ApiState>) -> Self {
        Normalize { inner, state }
    }
}

/// The paths a locale prefix may stand before (CKAN's i18n middleware takes it off any
/// path; kho's pages are these).
const LOCALISED: &[&str] = &["/api", "/catalog", "/dataset"];

fn normalize_path(path: &str) -> (String, Option<String>) {
    let mut p = String::with_capacity(path.len());
    let mut prev_slash = false;
    for c in path.chars() {
        if c == '/' {
            if prev_slash {
                continue;
            }
            prev_slash = true;
        } else {
            prev_slash = false;
        }
        p.push(c);
    }
    for loc in crate::i18n::LOCALES {
        for area in LOCALISED {
            let prefix = format!("/{loc}{area}");
            if p.starts_with(&prefix) && p[prefix.len()..].starts_with(['/', '.', '?'])
                || p == prefix
            {
                return (p[loc.len() + 1..].to_string(), Some((*loc).to_string()));
            }
        }
    }
    (p, None)
}

impl<E: Endpoint> Endpoint for Normalize<E> {
    type Output = Response;

    async fn call(&self, mut req: Request) -> poem::Result<Self::Output> {
        let (path, locale) = normalize_path(req.uri().path());
        if path != req.uri().path() {
            let pq = match req.uri().query() {
                Some(q) => format!("{path}?{q}"),
                None => path,
            };
            if let Ok(uri) = pq.parse::<Uri>() {
                *req.uri_mut() = uri;
            }
        }
        if let Some(l) = locale {
            req.extensions_mut().insert(PathLocale(l));
        }
        let origin = req.header(header::ORIGIN).map(str::to_string);
        let authenticated =
            req.header(header::AUTHORIZATION).is_some() || req.header("x-ckan-api-key").is_some();
        let is_options = req.method() == Method::OPTIONS;
        let mut resp = match self.inner.call(req).await {
            Ok(r) => r.into_response(),
            Err(e) => e.into_response(),
        };
        let h = resp.headers_mut();
        if !h.contains_key(header::CACHE_CONTROL) {
            // Never let a shared cache keep an answer computed for a token holder.
            let cc = if authenticated {
                "private, max-age=0, must-revalidate"
            } else {
                "public, max-age=0, must-revalidate"
            };
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cc));
        }
        if let Some(origin) = origin {
            let allowed = &self.state.config.cors_origins;
            let allow_value = if allowed.iter().any(|o| o == "*") {
                Some("*".to_string())
            } else if allowed
                .iter()
                .any(|o| o.trim_end_matches('/') == origin.trim_end_matches('/'))
            {
                Some(origin.clone())
            } else {
                None
            };
            if let Some(v) = allow_value.and_then(|v| HeaderValue::from_str(&v).ok()) {
                h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, v);
                h.insert(
                    header::ACCESS_CONTROL_ALLOW_METHODS,
                    HeaderValue::from_static("POST, PUT, GET, DELETE, OPTIONS"),
                );
                h.insert(
                    header::ACCESS_CONTROL_ALLOW_HEADERS,
                    HeaderValue::from_static("Authorization, X-CKAN-API-Key, Content-Type"),
                );
                h.insert(header::VARY, HeaderValue::from_static("Origin"));
            }
        }
        if is_options && resp.status() == StatusCode::METHOD_NOT_ALLOWED {
            resp.set_status(StatusCode::OK);
        }
        Ok(resp)
    }
}

/// One span per request with a request id (taken from `X-Request-Id` when sane, else new),
/// the action (recorded by the action endpoint), the status and the latency.
pub struct Observe<E> {
    inner: E,
}

impl<E> Observe<E> {
    pub fn new(inner: E) -> Self {
        Observe { inner }
    }
}

fn request_id(req: &Request) -> String {
    req.header("x-request-id")
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 128
                && v.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        })
        .map(str::to_string)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string())
}

impl<E: Endpoint> Endpoint for Observe<E> {
    type Output = Response;

    async fn call(&self, req: Request) -> poem::Result<Self::Output> {
        let id = request_id(&req);
        let span = tracing::info_span!(
            "request",
            request_id = %id,
            method = %req.method(),
            path = %req.uri().path(),
            action = tracing::field::Empty,
            status = tracing::field::Empty,
            latency_ms = tracing::field::Empty,
        );
        let started = Instant::now();
        let fut = self.inner.call(req);
        let mut resp = async move {
            match fut.await {
                Ok(r) => r.into_response(),
                Err(e) => e.into_response(),
            }
        }
        .instrument(span.clone())
        .await;
        let latency = started.elapsed().as_secs_f64() * 1000.0;
        span.record("status", resp.status().as_u16());
        span.record("latency_ms", latency);
        span.in_scope(|| {
            tracing::info!(
                status = resp.status().as_u16(),
                latency_ms = latency,
                "request finished"
            )
        });
        if let Ok(v) = HeaderValue::from_str(&id) {
            resp.headers_mut().insert("x-request-id", v);
        }
        Ok(resp)
    }
}

#[cfg(test)]
mod tests {
    use super::normalize_path;

    #[test]
    fn paths() {
        assert_eq!(
            normalize_path("//api/3/action/x"),
            ("/api/3/action/x".into(), None)
        );
        assert_eq!(
            normalize_path("/vi/api/3/action/x"),
            ("/api/3/action/x".into(), Some("vi".into()))
        );
        assert_eq!(normalize_path("/video"), ("/video".into(), None));
        assert_eq!(
            normalize_path("/vi/catalog.ttl"),
            ("/catalog.ttl".into(), Some("vi".into()))
        );
        assert_eq!(
            normalize_path("/en/dataset/x.rdf"),
            ("/dataset/x.rdf".into(), Some("en".into()))
        );
        assert_eq!(
            normalize_path("/vi/catalogue"),
            ("/vi/catalogue".into(), None)
        );
    }
}
