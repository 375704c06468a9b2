//! `GET /{type}/{id}/resource/{rid}/download[/{filename}]`: a resource's file, streamed
//! from the file store with `Content-Type`, `Content-Length`, `ETag`, `Last-Modified`,
//! single byte ranges (206/416) and a `Content-Disposition` that carries the uploaded
//! file's own name (RFC 6266, RFC 8187 `filename*`); link resources redirect to their URL
//! (CKAN's `views/resource.py:download`).

use std::sync::Arc;

use kho_catalog::download::{Download, FileDownload};
use kho_catalog::Ctx;
use kho_files::{ByteRange, FileError, FileKey};
use poem::http::{header, Method, StatusCode};
use poem::{handler, Body, Endpoint, Request, Response};

use crate::action::{actor_of, file_error, not_found_response, peer_of, user_agent_of, ApiState};

pub fn download_endpoint() -> impl Endpoint<Output = Response> {
    download
}

#[handler]
async fn download(req: &Request) -> Response {
    let Some(st) = req.data::<Arc<ApiState>>().cloned() else {
        return Response::builder()
            .status(StatusCode::INTERNAL_SERVER_ERROR)
            .finish();
    };
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return Response::builder()
            .status(StatusCode::METHOD_NOT_ALLOWED)
            .header(header::ALLOW, "GET, HEAD")
            .finish();
    }
    let locale = st.catalog.config().locale_default.clone();
    let (Some(dataset), Some(rid)) = (req.raw_path_param("id"), req.raw_path_param("rid")) else {
        return not_found_response("", "Resource not found");
    };
    let actor = match actor_of(req, &st, "", &locale).await {
        Ok(a) => a,
        Err(resp) => return resp,
    };
    let ctx = Ctx::new(actor, locale).with_origin(peer_of(req), user_agent_of(req));
    let found = match st.catalog.resource_download(&ctx, dataset, rid).await {
        Ok(d) => d,
        Err(kho_core::Error::NotFound(_)) => return not_found_response("", "Resource not found"),
        Err(e) => {
            tracing::error!(error = %e, "download failed");
            return Response::builder()
                .status(StatusCode::INTERNAL_SERVER_ERROR)
                .finish();
        }
    };
    match found {
        Download::Redirect(url) => Response::builder()
            .status(StatusCode::FOUND)
            .header(header::LOCATION, url)
            .finish(),
        Download::File(file) => serve(req, &st, file).await,
    }
}

async fn serve(req: &Request, st: &ApiState, f: FileDownload) -> Response {
    let Some(files) = st.catalog.file_store().cloned() else {
        return not_found_response("", "Resource not found");
    };
    let size = u64::try_from(f.file.size).unwrap_or(0);
    // The file's bytes name it: a new upload is a new file with a new hash.
    let etag = format!("\"{}\"", f.file.sha256);
    let last_modified = http_date(&f.last_modified);
    let mut range = req.header(header::RANGE).and_then(parse_range);
    if let Some(if_range) = req.header(header::IF_RANGE) {
        if if_range != etag && if_range != last_modified {
            range = None;
        }
    }
    let not_modified = req
        .header(header::IF_NONE_MATCH)
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    let mut builder = Response::builder()
        .header(header::ETAG, etag.as_str())
        .header(header::LAST_MODIFIED, last_modified.as_str())
        .header(header::ACCEPT_RANGES, "bytes")
        .header(
            header::CACHE_CONTROL,
            if f.open {
                "no-cache, public, max-age=0, must-revalidate"
            } else {
                "private, no-cache, max-age=0, must-revalidate"
            },
        );
    if not_modified {
        return builder.status(StatusCode::NOT_MODIFIED).finish();
    }
    if let Some(r) = range {
        if let Err(FileError::RangeNotSatisfiable { size }) = r.resolve(size) {
            let body = serde_json::json!({
                "help": "",
                "error": {"__type": "Bad Request", "message": format!("Range not satisfiable: the file has {size} bytes")},
                "success": false,
            });
            let mut resp = crate::json_response(&body);
            resp.set_status(StatusCode::RANGE_NOT_SATISFIABLE);
            resp.headers_mut().insert(
                header::CONTENT_RANGE,
                format!("bytes */{size}")
                    .parse()
                    .unwrap_or_else(|_| poem::http::HeaderValue::from_static("bytes */0")),
            );
            return resp;
        }
    }
    let key = match FileKey::parse(&f.file.file_key) {
        Ok(k) => k,
        Err(e) => return file_error(e, st.config.max_upload_bytes, ""),
    };
    let fetched = match files.get(&key, range).await {
        Ok(x) => x,
        Err(FileError::NotFound) => {
            tracing::error!(key = %key, "a resource's file is missing from the file store");
            return not_found_response("", "Resource not found");
        }
        Err(e) => return file_error(e, st.config.max_upload_bytes, ""),
    };
    builder = builder.content_type(f.mimetype.as_str()).header(
        header::CONTENT_DISPOSITION,
        content_disposition(&f.file.file_name),
    );
    let length = match fetched.range {
        Some((first, last)) => {
            builder = builder.status(StatusCode::PARTIAL_CONTENT).header(
                header::CONTENT_RANGE,
                format!("bytes {first}-{last}/{}", fetched.meta.size),
            );
            last - first + 1
        }
        None => fetched.meta.size,
    };
    builder = builder.header(header::CONTENT_LENGTH, length);
    if req.method() == Method::HEAD {
        return builder.finish();
    }
    builder.body(Body::from_bytes_stream(fetched.body))
}

/// One `bytes=` range (RFC 9110 §14.1.2). Anything else, several ranges included, is
/// ignored and the whole file is sent, as the RFC allows.
fn parse_range(v: &str) -> Option<ByteRange> {
    let spec = v.trim().strip_prefix("bytes=")?.trim();
    if spec.contains(',') {
        return None;
    }
    let (a, b) = spec.split_once('-')?;
    let (a, b) = (a.trim(), b.trim());
    match (a.is_empty(), b.is_empty()) {
        (true, false) => b.parse().ok().map(ByteRange::Last),
        (false, true) => a.parse().ok().map(ByteRange::From),
        (false, false) => {
            let (first, last) = (a.parse().ok()?, b.parse().ok()?);
            (first <= last).then_some(ByteRange::FromTo(first, last))
        }
        (true, true) => None,
    }
}

/// An IMF-fixdate (`Mon, 23 Nov 2026 19:04:29 GMT`).
fn http_date(t: &chrono::NaiveDateTime) -> String {
    t.and_utc().format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

/// `inline; filename=…` as CKAN sends it for plain ASCII names; other names get an ASCII
/// stand-in and the real name in `filename*` (RFC 6266 §4.3).
fn content_disposition(name: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
    if !name.is_empty() && name.chars().all(plain) {
        return format!("inline; filename={name}");
    }
    let ascii: String = kho_core::fold::strip_marks(name)
        .chars()
        .map(|c| match c {
            c if c.is_ascii() && !c.is_ascii_control() && c != '"' && c != '\\' => c,
            _ => '_',
        })
        .collect();
    format!(
        "inline; filename=\"{ascii}\"; filename*=UTF-8''{}",
        kho_core::files::encode_path_segment(name)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert_eq!(parse_range("bytes=0-99"), Some(ByteRange::FromTo(0, 99)));
        assert_eq!(parse_range("bytes=100-"), Some(ByteRange::From(100)));
        assert_eq!(parse_range("bytes=-5"), Some(ByteRange::Last(5)));
        assert_eq!(parse_range("bytes=5-1"), None);
        assert_eq!(parse_range("bytes=0-1,4-5"), None);
        assert_eq!(parse_range("items=0-1"), None);
        assert_eq!(parse_range("bytes=x-"), None);
    }

    #[test]
    fn dispositions() {
        assert_eq!(
            content_disposition("truong-hoc.csv"),
            "inline; filename=truong-hoc.csv"
        );
        assert_eq!(
            content_disposition("Danh sách đường.csv"),
            "inline; filename=\"Danh sach duong.csv\"; \
             filename*=UTF-8''Danh%20s%C3%A1ch%20%C4%91%C6%B0%E1%BB%9Dng.csv"
        );
    }
}
