//! The Action API endpoint: `/api/action/{name}` and `/api/3/action/{name}`.

use std::sync::Arc;

use kho_catalog::auth::TokenOutcome;
use kho_catalog::{Catalog, Ctx, Output, Params};
use kho_core::{Actor, Error, Msg};
use poem::http::{header, Method, StatusCode};
use poem::web::Multipart;
use poem::{handler, Body, Endpoint, FromRequest, Request, RequestBody, Response};
use serde_json::{Map, Value};

use crate::decode::{self, DecodeError};
use crate::{i18n, json, ApiConfig};

/// Shared by every route.
pub struct ApiState {
    pub catalog: Catalog,
    pub config: ApiConfig,
}

impl ApiState {
    pub fn new(catalog: Catalog, config: ApiConfig) -> Self {
        ApiState { catalog, config }
    }
}

/// The locale prefix stripped from a path (`/vi/api/...`), if any.
#[derive(Clone, Debug)]
pub struct PathLocale(pub String);

pub fn action_endpoint() -> impl Endpoint<Output = Response> {
    action_unversioned
}

pub fn versioned_action_endpoint() -> impl Endpoint<Output = Response> {
    action_versioned
}

pub fn trailing_slash() -> impl Endpoint<Output = Response> {
    trailing
}

pub fn not_found() -> impl Endpoint<Output = Response> {
    fallback
}

#[handler]
async fn action_unversioned(req: &Request, body: Body) -> Response {
    let name = req.raw_path_param("name").unwrap_or_default().to_string();
    dispatch(req, body, &name).await
}

#[handler]
async fn action_versioned(req: &Request, body: Body) -> Response {
    // Only version 3 has actions (CKAN's `<int(min=3,max=3):ver>`).
    if req.raw_path_param("ver") != Some("3") {
        return not_found_response("", "Not found");
    }
    let name = req.raw_path_param("name").unwrap_or_default().to_string();
    dispatch(req, body, &name).await
}

#[handler]
fn trailing() -> Response {
    not_found_response("", "Not found: action URLs have no trailing slash")
}

#[handler]
fn fallback(req: &Request) -> Response {
    not_found_response("", &format!("Not found: {}", req.uri().path()))
}

/// A 404 in the error envelope (CKAN answers these with an HTML page).
pub fn not_found_response(help: &str, message: &str) -> Response {
    let body = serde_json::json!({
        "help": help,
        "error": {"__type": "Not Found Error", "message": message},
        "success": false,
    });
    with_status(crate::json_response(&body), StatusCode::NOT_FOUND)
}

fn with_status(mut r: Response, s: StatusCode) -> Response {
    r.set_status(s);
    r
}

fn state(req: &Request) -> Option<Arc<ApiState>> {
    req.data::<Arc<ApiState>>().cloned()
}

pub(crate) fn locale_for(req: &Request, st: &ApiState, lang_param: Option<&str>) -> String {
    let path_locale = req.extensions().get::<PathLocale>().map(|l| l.0.clone());
    let accept = req
        .headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok());
    i18n::choose(
        lang_param.or(path_locale.as_deref()),
        accept,
        &st.catalog.config().locale_default,
    )
}

/// A bare JSON string with 400, as CKAN's `_finish_bad_request`.
fn bad_request(text: &str) -> Response {
    with_status(
        crate::json_response(&Value::String(format!("Bad request: {text}"))),
        StatusCode::BAD_REQUEST,
    )
}

pub(crate) fn envelope_error(help: &str, locale: &str, err: &Error) -> Response {
    let status = match err {
        Error::Validation(_) | Error::ValidationMessage(_) | Error::Search(_) => {
            StatusCode::CONFLICT
        }
        Error::SearchQuery(_) => StatusCode::BAD_REQUEST,
        Error::NotAuthorized(_) => StatusCode::FORBIDDEN,
        Error::NotFound(_) => StatusCode::NOT_FOUND,
        Error::Integrity { .. } | Error::BadRequest(_) => StatusCode::BAD_REQUEST,
        Error::Internal(e) => {
            tracing::error!(error = %e, "internal error");
            StatusCode::INTERNAL_SERVER_ERROR
        }
    };
    let body = serde_json::json!({
        "help": help,
        "error": i18n::error_body(locale, err),
        "success": false,
    });
    with_status(crate::json_response(&body), status)
}

fn is_form(ct: &str) -> bool {
    ct.starts_with("application/x-www-form-urlencoded")
}

fn is_multipart(ct: &str) -> bool {
    ct.starts_with("multipart/form-data")
}

fn is_json(ct: &str) -> bool {
    let essence = ct.split(';').next().unwrap_or("").trim();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

async fn read_limited(body: Body, limit: usize) -> Result<Vec<u8>, Response> {
    use futures_util::StreamExt;
    let mut stream = body.into_bytes_stream();
    let mut out = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|_| bad_request("could not read the request body"))?;
        if out.len() + chunk.len() > limit {
            return Err(too_large(limit));
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

fn upload_too_large(limit: u64) -> Response {
    let body = serde_json::json!({
        "help": "",
        "error": {"__type": "Bad Request", "message": format!("File too large: the limit is {limit} bytes")},
        "success": false,
    });
    with_status(crate::json_response(&body), StatusCode::PAYLOAD_TOO_LARGE)
}

/// Stream one file part into the file store, under a key of kho's own making. On any
/// failure nothing is left in the store.
async fn store_upload(
    st: &ApiState,
    field: poem::web::Field,
    raw_name: &str,
    help: &str,
) -> Result<kho_catalog::Upload, Response> {
    let Some(files) = st.catalog.file_store().cloned() else {
        let body = serde_json::json!({
            "help": help,
            "error": {"__type": "Validation Error", "upload": ["File uploads are not enabled on this site"]},
            "success": false,
        });
        return Err(with_status(
            crate::json_response(&body),
            StatusCode::CONFLICT,
        ));
    };
    let key = kho_files::FileKey::new_upload(&uuid::Uuid::new_v4().to_string())
        .map_err(|e| file_error(e, st.config.max_upload_bytes, help))?;
    let stream = tokio_util::io::ReaderStream::new(field.into_async_read());
    let stored = files
        .put(&key, Box::pin(stream), st.config.max_upload_bytes)
        .await
        .map_err(|e| file_error(e, st.config.max_upload_bytes, help))?;
    Ok(kho_catalog::Upload {
        stored,
        file_name: kho_core::files::clean_file_name(raw_name),
    })
}

/// A file store failure as an answer: 413 past the limit, 400 for a body cut short, 503
/// when the storage itself fails (a disk error, an S3 server down).
pub(crate) fn file_error(e: kho_files::FileError, limit: u64, help: &str) -> Response {
    use kho_files::FileError;
    match e {
        FileError::TooLarge { .. } => upload_too_large(limit),
        FileError::Incomplete(_) => bad_request("the upload was cut short"),
        FileError::Backend(msg) => {
            tracing::error!(error = %msg, "file storage failed");
            let body = serde_json::json!({
                "help": help,
                "error": {"__type": "Service Unavailable", "message": "File storage is unavailable; try again later"},
                "success": false,
            });
            with_status(crate::json_response(&body), StatusCode::SERVICE_UNAVAILABLE)
        }
        other => {
            tracing::error!(error = %other, "file storage failed");
            not_found_response(help, "Not found: the file")
        }
    }
}

fn too_large(limit: usize) -> Response {
    let body = serde_json::json!({
        "help": "",
        "error": {"__type": "Bad Request", "message": format!("Request body too large: the limit is {limit} bytes")},
        "success": false,
    });
    with_status(crate::json_response(&body), StatusCode::PAYLOAD_TOO_LARGE)
}

fn decode_error(e: DecodeError, help: &str) -> Response {
    match e {
        DecodeError::Json(text) => bad_request(&text),
        DecodeError::MediaType(ct) => {
            let body = serde_json::json!({
                "help": help,
                "error": {"__type": "Bad Request", "message": format!("Unsupported Media Type: send JSON with Content-Type: application/json, or a form (got {ct})")},
                "success": false,
            });
            with_status(
                crate::json_response(&body),
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
            )
        }
        DecodeError::TooMany(n) => bad_request(&format!("too many parameters (at most {n})")),
        DecodeError::Utf8(what) => bad_request(what),
    }
}

/// Actions whose multipart `upload` part is a file for the file store.
const UPLOAD_ACTIONS: &[&str] = &["resource_create", "resource_update", "resource_patch"];

/// Read the parameters of one call, in CKAN's order of precedence.
async fn read_params(
    req: &Request,
    body: Body,
    st: &ApiState,
    def: &kho_catalog::ActionDef,
    help: &str,
    upload: &mut Option<kho_catalog::Upload>,
) -> Result<Params, Response> {
    let max = st.config.max_params;
    let ct = req
        .header(header::CONTENT_TYPE)
        .unwrap_or("")
        .to_ascii_lowercase();
    let query = req.uri().query().unwrap_or("");
    let is_post = req.method() == Method::POST;
    let takes_file = is_post && is_multipart(&ct) && UPLOAD_ACTIONS.contains(&def.name);
    // A file is streamed to the file store under its own limit; the other fields keep
    // the body limit.
    let body_limit = if takes_file {
        u64::try_from(st.config.max_body_bytes)
            .unwrap_or(u64::MAX)
            .saturating_add(st.config.max_upload_bytes)
    } else {
        u64::try_from(st.config.max_body_bytes).unwrap_or(u64::MAX)
    };
    if let Some(len) = req
        .header(header::CONTENT_LENGTH)
        .and_then(|l| l.parse::<u64>().ok())
    {
        if len > body_limit {
            return Err(if takes_file {
                upload_too_large(st.config.max_upload_bytes)
            } else {
                too_large(st.config.max_body_bytes)
            });
        }
    }
    if is_post && is_multipart(&ct) {
        let mut rb = RequestBody::new(body);
        let mut mp = Multipart::from_request(req, &mut rb)
            .await
            .map_err(|_| bad_request("malformed multipart body"))?;
        let mut pairs = Vec::new();
        let mut total = 0usize;
        loop {
            let field = match mp.next_field().await {
                Ok(Some(f)) => f,
                Ok(None) => break,
                Err(_) => return Err(bad_request("malformed multipart body")),
            };
            if pairs.len() >= max {
                return Err(decode_error(DecodeError::TooMany(max), help));
            }
            let name = field.name().unwrap_or("").to_string();
            // File parts keep their file name as the value: actions without files see
            // what CKAN would, and the upload actions find their file in the context.
            let file_name = field.file_name().map(str::to_string);
            if let (Some(raw_name), true, "upload") = (&file_name, takes_file, name.as_str()) {
                if upload.is_some() {
                    return Err(bad_request("more than one file in `upload`"));
                }
                *upload = Some(store_upload(st, field, raw_name, help).await?);
                pairs.push((name, raw_name.clone()));
                continue;
            }
            let bytes = field
                .bytes()
                .await
                .map_err(|_| bad_request("malformed multipart body"))?;
            total += bytes.len();
            if total > st.config.max_body_bytes {
                return Err(too_large(st.config.max_body_bytes));
            }
            let value = match file_name {
                Some(f) => f,
                None => String::from_utf8(bytes).map_err(|_| {
                    decode_error(DecodeError::Utf8("a form field is not valid UTF-8"), help)
                })?,
            };
            pairs.push((name, value));
        }
        if pairs.is_empty() {
            return Ok(Map::new());
        }
        return decode::form_to_params(pairs, max).map_err(|e| decode_error(e, help));
    }
    let raw = if is_post {
        read_limited(body, st.config.max_body_bytes).await?
    } else {
        Vec::new()
    };
    if is_post && is_form(&ct) && !raw.is_empty() {
        let pairs = decode::parse_urlencoded(&raw, max).map_err(|e| decode_error(e, help))?;
        if !pairs.is_empty() {
            return decode::form_to_params(pairs, max).map_err(|e| decode_error(e, help));
        }
    }
    if !query.is_empty() && def.side_effect_free {
        let pairs =
            decode::parse_urlencoded(query.as_bytes(), max).map_err(|e| decode_error(e, help))?;
        if !pairs.is_empty() {
            return Ok(decode::pairs_to_dict(pairs));
        }
    }
    if raw.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    if !(is_json(&ct) || ct.is_empty() || is_form(&ct)) {
        return Err(decode_error(DecodeError::MediaType(ct), help));
    }
    decode::json_object(&raw, max).map_err(|e| decode_error(e, help))
}

fn header_token(req: &Request) -> Vec<String> {
    let mut out = Vec::new();
    for h in ["authorization", "x-ckan-api-key"] {
        if let Some(v) = req.header(h) {
            if !v.trim().is_empty() && !out.iter().any(|x: &String| x == v) {
                out.push(v.to_string());
            }
        }
    }
    out
}

/// JSONP callbacks are JavaScript identifiers (dotted paths allowed); anything else is refused.
fn valid_callback(cb: &str) -> bool {
    !cb.is_empty()
        && cb.len() <= 128
        && cb
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '$' | '.'))
        && !cb.starts_with(|c: char| c.is_ascii_digit())
}

async fn dispatch(req: &Request, body: Body, name: &str) -> Response {
    let Some(st) = state(req) else {
        return with_status(Response::default(), StatusCode::INTERNAL_SERVER_ERROR);
    };
    tracing::Span::current().record("action", name);
    let catalog = &st.catalog;
    let help = catalog.help_url(name);
    // `?lang=` chooses the language on every method, also where CKAN's precedence rules
    // leave the query string undecoded (POST to a write action), so look for it directly.
    let lang_q = req.uri().query().and_then(|q| {
        q.split('&')
            .find_map(|pair| pair.strip_prefix("lang="))
            .filter(|v| {
                v.chars()
                    .all(|c| c.is_ascii_alphabetic() || c == '-' || c == '_')
            })
    });
    let locale = locale_for(req, &st, lang_q);
    let method = req.method().clone();
    if method == Method::OPTIONS {
        return Response::builder()
            .header(header::ALLOW, "HEAD, GET, POST, OPTIONS")
            .status(StatusCode::OK)
            .body("");
    }
    if !(method == Method::GET || method == Method::POST || method == Method::HEAD) {
        let body = serde_json::json!({
            "help": help,
            "error": {"__type": "Bad Request", "message": format!("Method {method} not allowed: use GET or POST")},
            "success": false,
        });
        let mut r = with_status(crate::json_response(&body), StatusCode::METHOD_NOT_ALLOWED);
        r.headers_mut().insert(
            header::ALLOW,
            poem::http::HeaderValue::from_static("HEAD, GET, POST, OPTIONS"),
        );
        return r;
    }
    let Some(def) = catalog.registry().get(name) else {
        return bad_request(&i18n::render(
            &locale,
            &Msg::new("Action name not known: %{name}").arg("name", name),
        ));
    };
    let is_get = method != Method::POST;
    if is_get && !def.side_effect_free {
        return bad_request("JSON Error: Invalid request. Please use POST method for your request");
    }
    let mut upload = None;
    let read = read_params(req, body, &st, def, &help, &mut upload).await;
    // A stored upload belongs to the catalogue only once an action has saved it.
    let upload_key = upload.as_ref().map(|u| u.stored.key.as_str().to_owned());
    let mut saved = false;
    let response = match read {
        Ok(params) => run(req, &st, (def, &help, &locale), params, upload, &mut saved).await,
        Err(resp) => resp,
    };
    if let Some(key) = upload_key {
        if !saved {
            st.catalog.remove_file(&key);
        }
    }
    response
}

/// The caller of a request: the first token of `Authorization` / `X-CKAN-API-Key` that
/// names one, else anonymous. A refused token (expired, revoked) is an error answer.
pub(crate) async fn actor_of(
    req: &Request,
    st: &ApiState,
    help: &str,
    locale: &str,
) -> Result<Actor, Response> {
    for raw in header_token(req) {
        match st.catalog.authenticate(&raw).await {
            Ok(TokenOutcome::Actor(a)) => return Ok(a),
            Ok(TokenOutcome::Unknown) => {}
            Ok(TokenOutcome::Refused(msg)) => {
                return Err(envelope_error(
                    help,
                    locale,
                    &Error::NotAuthorized(Some(msg)),
                ))
            }
            Err(e) => return Err(envelope_error(help, locale, &e)),
        }
    }
    Ok(Actor::Anonymous)
}

/// The peer's address, whatever it is (the sharing log records it).
pub(crate) fn peer_of(req: &Request) -> Option<String> {
    req.remote_addr()
        .as_socket_addr()
        .map(|a| a.ip().to_canonical().to_string())
}

/// The `User-Agent` header (the sharing log records it).
pub(crate) fn user_agent_of(req: &Request) -> Option<String> {
    req.header(header::USER_AGENT).map(str::to_owned)
}

/// Is this peer address a client of its own, for per-client rate limits? Loopback,
/// private and link-local peers are most often a reverse proxy in front of kho, through
/// which every client would count as one.
fn counts_as_client(ip: &std::net::IpAddr) -> bool {
    match ip {
        std::net::IpAddr::V4(v4) => {
            !(v4.is_loopback() || v4.is_private() || v4.is_link_local() || v4.is_unspecified())
        }
        std::net::IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => counts_as_client(&std::net::IpAddr::V4(v4)),
            None => {
                !(v6.is_loopback()
                    || v6.is_unique_local()
                    || v6.is_unicast_link_local()
                    || v6.is_unspecified())
            }
        },
    }
}

/// One call once its parameters are read.
/// `saved` is set once the action has succeeded: from then on an uploaded file belongs
/// to the catalogue, whatever happens to the answer.
async fn run(
    req: &Request,
    st: &ApiState,
    (def, help, locale): (&kho_catalog::ActionDef, &str, &str),
    mut params: Params,
    upload: Option<kho_catalog::Upload>,
    saved: &mut bool,
) -> Response {
    let (catalog, name, help, locale) = (&st.catalog, def.name, help.to_owned(), locale.to_owned());
    let is_get = req.method() != Method::POST;
    params.remove("lang");
    let callback = match params.remove("callback") {
        Some(Value::String(s)) => Some(s),
        Some(_) => return bad_request("callback must be a string"),
        None => None,
    };
    if let Some(cb) = &callback {
        if !valid_callback(cb) {
            return bad_request("callback must be a JavaScript identifier");
        }
    }
    // A JSONP call runs anonymously (CKAN clears the user), so no token is read.
    let actor = if callback.is_some() {
        Actor::Anonymous
    } else {
        match actor_of(req, st, &help, &locale).await {
            Ok(a) => a,
            Err(resp) => return resp,
        }
    };
    let mut ctx = Ctx::new(actor, locale.clone()).with_origin(peer_of(req), user_agent_of(req));
    if let Some(ip) = req
        .remote_addr()
        .as_socket_addr()
        .map(|a| a.ip())
        .filter(counts_as_client)
    {
        ctx = ctx.with_client(ip.to_string());
    }
    if let Some(u) = upload {
        ctx = ctx.with_upload(u);
    }
    let result = match catalog.call_output(name, &ctx, params).await {
        Ok(result) => {
            *saved = true;
            result
        }
        Err(Error::BadRequest(msg)) => return bad_request(&i18n::render(&locale, &msg)),
        Err(e) => return envelope_error(&help, &locale, &e),
    };
    // CKAN's envelope, keys in CKAN's order, around the result written from a borrow
    // (`json!` would copy the whole dict of a dataset with 1,000 resources first; a
    // search page's dicts are copied as stored). ASCII by construction (every other
    // character is escaped): no UTF-8 check of a page that can be megabytes.
    let jsonp = callback.filter(|_| is_get);
    let mut head = Vec::with_capacity(4096);
    if let Some(cb) = &jsonp {
        head.extend_from_slice(cb.as_bytes());
        head.push(b'(');
    }
    head.extend_from_slice(b"{\"help\": ");
    head.extend_from_slice(json::to_string(&help).as_bytes());
    head.extend_from_slice(b", \"success\": true, \"result\": ");
    let tail: &'static [u8] = if jsonp.is_some() { b"});" } else { b"}" };
    let content_type = if jsonp.is_some() {
        "application/javascript;charset=utf-8"
    } else {
        "application/json;charset=utf-8"
    };
    let written = match result {
        Output::Search(page) if page.len() > STREAM_RESULTS => {
            let body = streamed_page(head, Arc::new(*page), tail);
            return Response::builder().content_type(content_type).body(body);
        }
        // Off the async workers: a search page's dicts are read from the index here.
        Output::Search(page) => tokio::task::spawn_blocking(move || {
            let mut out = head;
            page.write_ckan(&mut out)?;
            out.extend_from_slice(tail);
            Ok::<_, Error>(out)
        })
        .await
        .unwrap_or_else(|e| Err(Error::Internal(format!("writing the answer: {e}")))),
        result => {
            let mut out = head;
            result.write_ckan(&mut out).map(|()| {
                out.extend_from_slice(tail);
                out
            })
        }
    };
    let body = match written {
        Ok(out) => Body::from_vec(out),
        Err(e) => return envelope_error(&help, &locale, &e),
    };
    Response::builder().content_type(content_type).body(body)
}

/// Search pages with more results than this are sent as they are read from the index, in
/// parts of this many.
const STREAM_RESULTS: usize = 100;

/// A large `package_search` page as a stream: the envelope's head, the results read and
/// written [`STREAM_RESULTS`] at a time on a blocking thread when the connection takes
/// more, then the tail. However many harvesters page at once, and however slowly they
/// read, each holds one part in memory, not a page of megabytes. A failure to read the
/// index mid-page ends the stream with an error: the client sees a cut-off answer, never
/// a well-formed wrong one.
fn streamed_page(
    mut head: Vec<u8>,
    page: Arc<kho_catalog::SearchPage>,
    tail: &'static [u8],
) -> Body {
    use futures_util::StreamExt;
    page.write_head(&mut head);
    let parts = (0..page.len()).step_by(STREAM_RESULTS).map(move |start| {
        let page = page.clone();
        async move {
            let part = tokio::task::spawn_blocking(move || {
                let mut out = Vec::new();
                page.write_results(start..start + STREAM_RESULTS, &mut out)?;
                if start + STREAM_RESULTS >= page.len() {
                    page.write_tail(&mut out);
                    out.extend_from_slice(tail);
                }
                Ok::<_, Error>(out)
            })
            .await;
            let failed = match part {
                Ok(Ok(out)) => return Ok(out),
                Ok(Err(e)) => e.to_string(),
                Err(e) => e.to_string(),
            };
            tracing::error!(error = %failed, "a search page could not be read to its end");
            Err(std::io::Error::other(failed))
        }
    });
    let stream = futures_util::stream::once(async move { Ok::<_, std::io::Error>(head) })
        .chain(futures_util::stream::iter(parts).then(|part| part));
    Body::from_bytes_stream(stream)
}

#[cfg(test)]
mod tests {
    use super::counts_as_client;

    #[test]
    fn proxies_do_not_count_as_clients() {
        let counts = |s: &str| counts_as_client(&s.parse().expect("address"));
        for own in ["203.0.113.7", "2001:db8::1", "::ffff:198.51.100.2"] {
            assert!(counts(own), "{own}");
        }
        for proxy in [
            "127.0.0.1",
            "10.0.0.2",
            "172.18.0.3",
            "192.168.1.1",
            "169.254.0.1",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:10.0.0.1",
        ] {
            assert!(!counts(proxy), "{proxy}");
        }
    }
}
