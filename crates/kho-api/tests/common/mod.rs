//! In-process test harness for the HTTP layer: a fresh catalogue behind `kho_api::routes`,
//! driven with poem's `TestClient`, on either storage backend: a SQLite file in a temporary
//! directory, or a fresh schema in the one database this test process takes from its
//! throwaway Postgres server (`kho_test_support::postgres_url`).
//!
//! Each test file includes this with `mod common;` and uses only part of it. A test that
//! touches the store is an `async fn name(backend: Backend)` listed in the file's
//! [`both_backends!`] invocation, which runs it as `sqlite::name` and `postgres::name`
//! (`cargo test -p kho-api postgres::` runs the Postgres half). Tests that never reach the
//! store (status_show, routing, CORS, methods) may run on SQLite only.
#![allow(dead_code)]

use std::sync::Arc;

use kho_api::ApiConfig;
use kho_catalog::{Catalog, CatalogConfig, Ctx};
use kho_core::authz::ActorUser;
use kho_core::Actor;
pub use kho_store::Backend;
use poem::endpoint::BoxEndpoint;
use poem::http::{HeaderMap, Method, StatusCode};
use poem::test::{TestClient, TestForm};
use poem::{Body, Endpoint, EndpointExt, Request, Response};
use serde_json::{json, Value};

pub const SITE_URL: &str = "http://127.0.0.1:5000";
pub const JSON_CT: &str = "application/json;charset=utf-8";

pub type Ep = Arc<BoxEndpoint<'static, Response>>;

/// `both_backends!(a, b, …)`: each `async fn a(backend: Backend)` of the test file becomes
/// two tests, `sqlite::a` and `postgres::a`, so that every test body is written once and
/// both stores must give the same answers. A test fn left out of the list is dead code
/// (a warning, an error under clippy's `-D warnings`).
macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    super::$name($crate::common::Backend::Sqlite).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    super::$name($crate::common::Backend::Postgres).await
                }
            )*
        }
    };
}
pub(crate) use both_backends;

/// This test process's Postgres database, created on first use.
static POSTGRES_DATABASE: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();

/// A fresh database on the test server (`kho_test_support::postgres_server_url`) whose
/// default collation is ICU's `en-US`, not the server's `C`: production databases are
/// usually created with a language locale, and the store must sort bytewise, as SQLite
/// does, whatever the locale (its sorted columns are `COLLATE "C"`). Servers without ICU
/// fall back to `kho_test_support::postgres_url` (the server's locale).
async fn postgres_database() -> String {
    use sqlx::{Connection, Executor};
    let server = kho_test_support::postgres_server_url();
    let name = format!("kho_api_{}", uuid::Uuid::new_v4().simple());
    let mut conn = sqlx::PgConnection::connect(&server)
        .await
        .expect("connect to the test server");
    let created = conn
        .execute(&*format!(
            "CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8' \
             LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C'"
        ))
        .await;
    let _ = conn.close().await;
    match created {
        Ok(_) => {
            let mut url = url::Url::parse(&server).expect("server url");
            url.set_path(&format!("/{name}"));
            url.to_string()
        }
        Err(e) => {
            eprintln!("no ICU database on the test server ({e}); using its default locale");
            kho_test_support::postgres_url().await
        }
    }
}

/// The URL of a fresh, empty schema in this process's Postgres database: a new database per
/// test costs a few tenths of a second of copying (CREATE DATABASE), a schema nothing.
/// Every table, index, sequence and sqlx's migration table is created in the schema (the
/// first and only entry of the connections' `search_path`), so tests do not see each other.
async fn postgres_schema_url() -> String {
    use sqlx::{Connection, Executor};
    let database = POSTGRES_DATABASE.get_or_init(postgres_database).await;
    let schema = format!("test_{}", uuid::Uuid::new_v4().simple());
    let mut conn = sqlx::PgConnection::connect(database)
        .await
        .expect("connect to the test database");
    conn.execute(&*format!("CREATE SCHEMA {schema}"))
        .await
        .expect("create schema");
    let _ = conn.close().await;
    let sep = if database.contains('?') { '&' } else { '?' };
    format!("{database}{sep}options[search_path]={schema}")
}

/// A running catalogue and a client for it.
pub struct TestApp {
    pub backend: Backend,
    pub catalog: Catalog,
    pub ep: Ep,
    pub cli: TestClient<Ep>,
    /// The SQLite file's directory (removed on drop); `None` on Postgres, whose schema
    /// goes away with the throwaway server.
    _dir: Option<tempfile::TempDir>,
    /// The local file store's directory (removed on drop).
    files: tempfile::TempDir,
}

/// What came back: status, headers and the body (text and, when it parses, JSON).
#[derive(Debug)]
pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub text: String,
    pub json: Value,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn content_type(&self) -> &str {
        self.header("content-type").unwrap_or("")
    }

    /// `result` of a successful envelope; panics with the whole response otherwise.
    pub fn result(&self) -> &Value {
        assert_eq!(self.status, StatusCode::OK, "expected 200, got {self:#?}");
        assert_eq!(
            self.json["success"],
            json!(true),
            "not a success envelope: {}",
            self.text
        );
        &self.json["result"]
    }

    /// `error` of a failed envelope, after checking the status.
    pub fn error(&self, status: u16) -> &Value {
        assert_eq!(self.status.as_u16(), status, "unexpected status: {self:#?}");
        assert_eq!(
            self.json["success"],
            json!(false),
            "not an error envelope: {}",
            self.text
        );
        &self.json["error"]
    }

    /// The `error.message` of a failed envelope.
    pub fn message(&self, status: u16) -> String {
        self.error(status)["message"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// A bare JSON string body (CKAN's `_finish_bad_request`).
    pub fn bare_string(&self, status: u16) -> String {
        assert_eq!(self.status.as_u16(), status, "unexpected status: {self:#?}");
        assert_eq!(self.content_type(), JSON_CT);
        match &self.json {
            Value::String(s) => s.clone(),
            other => panic!("expected a bare JSON string, got {other}"),
        }
    }
}

/// The synthetic operator used to bootstrap users without HTTP.
pub fn operator() -> Actor {
    Actor::User(ActorUser {
        id: "test-operator".into(),
        name: "test-operator".into(),
        sysadmin: true,
    })
}

async fn read(resp: Response) -> Resp {
    let status = resp.status();
    let headers = resp.headers().clone();
    let bytes = resp.into_body().into_vec().await.expect("read body");
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let json = serde_json::from_str(&text).unwrap_or(Value::Null);
    Resp {
        status,
        headers,
        text,
        json,
    }
}

impl TestApp {
    pub async fn new(backend: Backend) -> TestApp {
        Self::with_config(backend, ApiConfig::default()).await
    }

    pub async fn with_config(backend: Backend, api: ApiConfig) -> TestApp {
        Self::with_configs(
            backend,
            CatalogConfig {
                site_url: SITE_URL.into(),
                ..Default::default()
            },
            api,
        )
        .await
    }

    pub async fn with_configs(backend: Backend, cfg: CatalogConfig, api: ApiConfig) -> TestApp {
        Self::build(backend, cfg, api, true).await
    }

    async fn build(
        backend: Backend,
        cfg: CatalogConfig,
        api: ApiConfig,
        with_files: bool,
    ) -> TestApp {
        let (url, dir) = match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                (kho_test_support::sqlite_url(dir.path()), Some(dir))
            }
            Backend::Postgres => (postgres_schema_url().await, None),
        };
        let store = kho_store::connect(&url).await.expect("connect");
        assert_eq!(store.backend(), backend, "{url}");
        store.migrate().await.expect("migrate");
        let catalog = Catalog::with_translator(store, cfg, Arc::new(kho_api::i18n::translate));
        let files = tempfile::tempdir().expect("files dir");
        if with_files {
            let local = kho_files::LocalFileStore::new(files.path().to_path_buf())
                .expect("local file store");
            catalog.set_file_store(Arc::new(local));
        }
        let ep: Ep = Arc::new(kho_api::routes(catalog.clone(), api).boxed());
        let cli = TestClient::new(ep.clone());
        TestApp {
            backend,
            catalog,
            ep,
            cli,
            _dir: dir,
            files,
        }
    }

    /// A catalogue without a file store (uploads refused).
    pub async fn without_files(backend: Backend) -> TestApp {
        Self::build(
            backend,
            CatalogConfig {
                site_url: SITE_URL.into(),
                ..Default::default()
            },
            ApiConfig::default(),
            false,
        )
        .await
    }

    /// Where the local file store keeps its files.
    pub fn files_dir(&self) -> &std::path::Path {
        self.files.path()
    }

    /// Call an action directly on the catalogue as `actor`.
    pub async fn call_as(&self, actor: Actor, action: &str, params: Value) -> Value {
        let p = params
            .as_object()
            .cloned()
            .expect("params must be an object");
        self.catalog
            .call(action, &Ctx::new(actor, "en"), p)
            .await
            .unwrap_or_else(|e| panic!("{action} failed: {e:?}"))
    }

    /// Create a user (through the catalogue, as the synthetic operator) and a token for it.
    /// Returns `(user dict, token)`.
    pub async fn user(&self, name: &str, sysadmin: bool) -> (Value, String) {
        let user = self
            .call_as(
                operator(),
                "user_create",
                json!({
                    "name": name,
                    "email": format!("{name}@example.org"),
                    "password": "correct horse battery",
                    "sysadmin": sysadmin,
                }),
            )
            .await;
        let tok = self
            .call_as(
                operator(),
                "api_token_create",
                json!({"user": name, "name": "tests"}),
            )
            .await;
        let token = tok["token"].as_str().expect("token").to_string();
        (user, token)
    }

    /// A sysadmin named `admin` with a token.
    pub async fn sysadmin(&self) -> String {
        self.user("admin", true).await.1
    }

    /// Send a raw request (for URIs or bodies the builder does not cover).
    pub async fn send(&self, req: Request) -> Resp {
        read(self.ep.get_response(req).await).await
    }

    pub async fn request(
        &self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<(&str, Vec<u8>)>,
    ) -> Resp {
        let mut b = Request::builder()
            .method(method)
            .uri(path.parse().expect("uri"));
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        let req = match body {
            Some((ct, bytes)) => b.header("content-type", ct).body(Body::from(bytes)),
            None => b.finish(),
        };
        self.send(req).await
    }

    pub async fn get(&self, path: &str) -> Resp {
        read(self.cli.get(path).send().await.0).await
    }

    pub async fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> Resp {
        self.request(Method::GET, path, headers, None).await
    }

    pub async fn get_as(&self, path: &str, token: &str) -> Resp {
        self.get_with(path, &[("authorization", token)]).await
    }

    /// POST a JSON body, with a raw `Authorization` token when given.
    pub async fn post_json(&self, path: &str, body: &Value, token: Option<&str>) -> Resp {
        let mut r = self.cli.post(path).body_json(body);
        if let Some(t) = token {
            r = r.header("authorization", t);
        }
        read(r.send().await.0).await
    }

    /// POST raw bytes with a content type (or none).
    pub async fn post_raw(
        &self,
        path: &str,
        content_type: Option<&str>,
        body: impl Into<Vec<u8>>,
        token: Option<&str>,
    ) -> Resp {
        let mut r = self.cli.post(path).body(Body::from(body.into()));
        if let Some(ct) = content_type {
            r = r.content_type(ct);
        }
        if let Some(t) = token {
            r = r.header("authorization", t);
        }
        read(r.send().await.0).await
    }

    pub async fn post_multipart(&self, path: &str, form: TestForm, token: Option<&str>) -> Resp {
        let mut r = self.cli.post(path).multipart(form);
        if let Some(t) = token {
            r = r.header("authorization", t);
        }
        read(r.send().await.0).await
    }

    /// `POST /api/3/action/<action>` with a JSON body.
    pub async fn action(&self, action: &str, body: Value, token: Option<&str>) -> Resp {
        self.post_json(&format!("/api/3/action/{action}"), &body, token)
            .await
    }

    /// `POST` an action and return its `result`, panicking on failure.
    pub async fn ok(&self, action: &str, body: Value, token: Option<&str>) -> Value {
        let r = self.action(action, body, token).await;
        r.result().clone()
    }

    /// Create an organization (as `token`'s user) and return the result dict.
    pub async fn org(&self, name: &str, token: &str) -> Value {
        self.ok(
            "organization_create",
            json!({"name": name, "title": name.to_uppercase()}),
            Some(token),
        )
        .await
    }

    pub async fn group(&self, name: &str, token: &str) -> Value {
        self.ok(
            "group_create",
            json!({"name": name, "title": name.to_uppercase()}),
            Some(token),
        )
        .await
    }
}

/// The JSON kind of a value, for shape comparison.
pub fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Same keys and JSON types, recursively through objects and the first element of lists.
/// Values (ids, timestamps, text) are ignored. Empty lists on either side only match kinds.
pub fn assert_same_shape(expected: &Value, actual: &Value, path: &str) {
    assert_eq!(
        kind(expected),
        kind(actual),
        "type differs at {path}: expected {expected}, got {actual}"
    );
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            let ek: Vec<&String> = e.keys().collect();
            let ak: Vec<&String> = a.keys().collect();
            let missing: Vec<_> = ek.iter().filter(|k| !a.contains_key(k.as_str())).collect();
            let extra: Vec<_> = ak.iter().filter(|k| !e.contains_key(k.as_str())).collect();
            assert!(
                missing.is_empty() && extra.is_empty(),
                "keys differ at {path}: missing {missing:?}, unexpected {extra:?}"
            );
            for (k, ev) in e {
                assert_same_shape(ev, &a[k], &format!("{path}.{k}"));
            }
        }
        (Value::Array(e), Value::Array(a)) => {
            if let (Some(ef), Some(af)) = (e.first(), a.first()) {
                assert_same_shape(ef, af, &format!("{path}[0]"));
            }
        }
        _ => {}
    }
}

/// A response body recorded from a real CKAN 2.12 server, kept in `tests/fixtures`.
pub fn transcript(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/{name}.json", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The raw text of a transcript body.
pub fn transcript_text(name: &str) -> String {
    let path = format!("{}/tests/fixtures/{name}.json", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The keys the shipped profiles add to CKAN's dicts (dataset and organization profile
/// fields, `sharing_level` and `quality`).
/// fields, `sharing_level`, and the update deadline keys).
pub fn profile_keys() -> Vec<String> {
    let p = kho_catalog::Profiles::shipped();
    let mut keys: Vec<String> = Vec::new();
    if let Some(d) = &p.dataset {
        keys.extend(
            d.dataset_fields
                .iter()
                .filter(|f| !f.core || f.field_name == "sharing_level")
                .map(|f| f.field_name.clone()),
        );
    }
    if let Some(o) = &p.organization {
        keys.extend(o.profile_fields().map(|f| f.field_name.clone()));
    }
    // The quality score is computed from the profile's fields.
    keys.push("quality".into());
    // Computed from the profile's `update_frequency` (README, "Update deadlines").
    keys.extend(["update_deadline".to_owned(), "update_status".to_owned()]);
    keys
}

/// `v` with the shipped profiles' keys removed at every depth: CKAN transcripts were
/// recorded without a profile, so shape comparisons with the default profile on look at
/// the rest (COMPATIBILITY.md, "Metadata profile").
pub fn without_profile(v: &Value) -> Value {
    fn strip(v: &Value, keys: &[String]) -> Value {
        match v {
            Value::Object(m) => Value::Object(
                m.iter()
                    .filter(|(k, _)| !keys.contains(k))
                    .map(|(k, v)| (k.clone(), strip(v, keys)))
                    .collect(),
            ),
            Value::Array(a) => Value::Array(a.iter().map(|x| strip(x, keys)).collect()),
            other => other.clone(),
        }
    }
    strip(v, &profile_keys())
}

/// The `package_create` body of transcript 03 (organization `so-giao-duc-tay-ninh`).
pub fn body_03() -> Value {
    json!({
        "name": "danh-sach-truong-hoc-tay-ninh-2023",
        "title": "Danh sách trường học tỉnh Tây Ninh năm 2023",
        "notes": "Danh sách các trường **tiểu học**, THCS và THPT trên địa bàn tỉnh.",
        "owner_org": "so-giao-duc-tay-ninh",
        "license_id": "cc-by",
        "author": "Nguyễn Văn An",
        "author_email": "an@example.org",
        "version": "1.0",
        "url": "http://example.org/truong-hoc",
        "tags": [{"name": "giáo dục"}, {"name": "trường học"}, {"name": "Tay Ninh"}],
        "extras": [{"key": "tinh", "value": "Tây Ninh"}, {"key": "nam", "value": "2023"}],
        "resources": [
            {"name": "Danh sách trường (CSV)", "url": "http://example.org/truong.csv",
             "format": "CSV", "description": "Bảng dữ liệu"},
            {"name": "Danh sách trường (JSON)", "url": "http://example.org/truong.json",
             "format": "JSON"}
        ]
    })
}

/// A multipart body as `requests` (ckanapi) writes it: the fields, then the file in
/// `upload`, its name raw UTF-8 in the header (poem's test form cannot carry one).
pub struct Form {
    pub body: Vec<u8>,
}

pub const BOUNDARY: &str = "kho-test-boundary-3f1c";

pub fn form(fields: &[(&str, &str)], file: Option<(&str, Vec<u8>)>) -> Form {
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    if let Some((name, bytes)) = file {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"upload\"; \
                 filename=\"{name}\"\r\nContent-Type: text/csv\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(&bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    Form { body }
}

pub trait PostForm {
    async fn send_form(&self, path: &str, form: Form, token: Option<&str>) -> Resp;
}

impl PostForm for TestApp {
    async fn send_form(&self, path: &str, form: Form, token: Option<&str>) -> Resp {
        self.post_raw(
            path,
            Some(&format!("multipart/form-data; boundary={BOUNDARY}")),
            form.body,
            token,
        )
        .await
    }
}
