//! Uploads and downloads over HTTP on both backends, with the local file store: CKAN's
//! transcripts 10–12 (resource_create with a multipart `upload`, the download, and
//! resource_show), replacing and removing files, byte ranges and caching headers,
//! private datasets, and bad input that must leave nothing behind.

mod common;

use common::*;
use serde_json::{json, Value};
use sha2::Digest;

/// The 118 bytes of transcript 11.
fn csv() -> Vec<u8> {
    let path = format!(
        "{}/tests/fixtures/11-resource_download.csv",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn sha256(bytes: &[u8]) -> String {
    hex::encode(sha2::Sha256::digest(bytes))
}

/// Every file the store holds (its temporary directory included).
fn stored_files(app: &TestApp) -> Vec<std::path::PathBuf> {
    fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let path = e.path();
            if path.is_dir() {
                walk(&path, out);
            } else {
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    walk(app.files_dir(), &mut out);
    out.sort();
    out
}

/// Removal of replaced files happens after the answer, in the background.
async fn settle_files(app: &TestApp, expected: usize) -> Vec<std::path::PathBuf> {
    for _ in 0..100 {
        let files = stored_files(app);
        if files.len() == expected {
            return files;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    stored_files(app)
}

async fn setup(app: &TestApp) -> (String, String) {
    let admin = app.sysadmin().await;
    app.org("so-giao-duc", &admin).await;
    let d = app
        .ok(
            "package_create",
            json!({"name": "truong-hoc", "owner_org": "so-giao-duc"}),
            Some(&admin),
        )
        .await;
    (admin, d["id"].as_str().expect("id").to_owned())
}

fn path_of(url: &str) -> String {
    url.strip_prefix(SITE_URL).expect("site url").to_owned()
}

async fn upload_and_download_as_ckan(backend: Backend) {
    let app = TestApp::new(backend).await;
    let (admin, dataset_id) = setup(&app).await;
    let bytes = csv();
    let r = app
        .send_form(
            "/api/3/action/resource_create",
            form(
                &[
                    ("package_id", "truong-hoc"),
                    ("name", "Tệp tải lên"),
                    ("format", "CSV"),
                    ("description", "upload multipart"),
                ],
                Some(("truong-hoc.csv", bytes.clone())),
            ),
            Some(&admin),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let res = r.result().clone();
    // Transcript 10's shape; `hash` is the file's SHA-256 where CKAN leaves "".
    let mut expected = transcript("10-resource_create-upload")["result"].clone();
    expected["hash"] = json!(sha256(&bytes));
    assert_same_shape(&expected, &res, "result");
    let rid = res["id"].as_str().expect("id");
    assert_eq!(
        res["url"],
        json!(format!(
            "{SITE_URL}/dataset/{dataset_id}/resource/{rid}/download/truong-hoc.csv"
        ))
    );
    assert_eq!(res["url_type"], "upload");
    assert_eq!(res["size"], 118);
    assert_eq!(res["mimetype"], "text/csv");
    assert_eq!(res["hash"], json!(sha256(&bytes)));
    assert_eq!(res["format"], "CSV");
    assert!(res["last_modified"].is_string());
    assert!(res.get("upload").is_none());
    // Transcript 12: resource_show says the same.
    let shown = app.ok("resource_show", json!({"id": rid}), None).await;
    assert_eq!(shown, res);

    // Transcript 11: the download.
    let path = path_of(res["url"].as_str().expect("url"));
    let dl = app.cli.get(&path).send().await;
    dl.assert_status_is_ok();
    let headers = dl.0.headers().clone();
    let body = dl.0.into_body().into_vec().await.expect("body");
    assert_eq!(body, bytes);
    assert_eq!(headers["content-type"], "text/csv");
    assert_eq!(headers["content-length"], "118");
    assert_eq!(
        headers["content-disposition"],
        "inline; filename=truong-hoc.csv"
    );
    assert_eq!(headers["accept-ranges"], "bytes");
    let etag = headers["etag"].to_str().expect("etag").to_owned();
    assert_eq!(etag, format!("\"{}\"", sha256(&bytes)));
    assert!(headers["last-modified"]
        .to_str()
        .expect("date")
        .ends_with(" GMT"));
    // Without the file name, and by dataset name, as CKAN's routes allow.
    let bare = app
        .cli
        .get(format!("/dataset/truong-hoc/resource/{rid}/download"))
        .send()
        .await;
    bare.assert_status_is_ok();
    // HEAD: the headers only.
    let head = app.cli.head(&path).send().await;
    head.assert_status_is_ok();
    head.assert_header("content-length", "118");

    // Ranges: a part, a suffix, past the end.
    let part = app.cli.get(&path).header("range", "bytes=0-9").send().await;
    part.assert_status(poem::http::StatusCode::PARTIAL_CONTENT);
    part.assert_header("content-range", "bytes 0-9/118");
    part.assert_header("content-length", "10");
    part.assert_bytes(bytes[..10].to_vec()).await;
    let tail = app.cli.get(&path).header("range", "bytes=-5").send().await;
    tail.assert_status(poem::http::StatusCode::PARTIAL_CONTENT);
    tail.assert_bytes(bytes[113..].to_vec()).await;
    let past = app
        .cli
        .get(&path)
        .header("range", "bytes=500-")
        .send()
        .await;
    past.assert_status(poem::http::StatusCode::RANGE_NOT_SATISFIABLE);
    past.assert_header("content-range", "bytes */118");
    let past: Value =
        serde_json::from_slice(&past.0.into_body().into_vec().await.expect("b")).expect("json");
    assert_eq!(past["success"], false);
    // A cached copy is still good.
    let cached = app
        .cli
        .get(&path)
        .header("if-none-match", etag.as_str())
        .send()
        .await;
    cached.assert_status(poem::http::StatusCode::NOT_MODIFIED);
    assert_eq!(settle_files(&app, 1).await.len(), 1);
}

async fn vietnamese_names_and_replacing_files(backend: Backend) {
    let app = TestApp::new(backend).await;
    let (admin, dataset_id) = setup(&app).await;
    let first = "mã,tên\n1,Trường A\n".as_bytes().to_vec();
    let r = app
        .send_form(
            "/api/3/action/resource_create",
            form(
                &[("package_id", &dataset_id)],
                Some(("Danh sách trường.csv", first.clone())),
            ),
            Some(&admin),
        )
        .await;
    let res = r.result().clone();
    // The format is guessed from the file name, as CKAN guesses it from the URL.
    assert_eq!(res["format"], "CSV");
    let rid = res["id"].as_str().expect("id").to_owned();
    let url = res["url"].as_str().expect("url").to_owned();
    assert!(
        url.ends_with("/download/Danh-s%C3%A1ch-tr%C6%B0%E1%BB%9Dng.csv"),
        "{url}"
    );
    let dl = app.cli.get(path_of(&url)).send().await;
    dl.assert_status_is_ok();
    dl.assert_header(
        "content-disposition",
        "inline; filename=\"Danh sach truong.csv\"; \
         filename*=UTF-8''Danh%20s%C3%A1ch%20tr%C6%B0%E1%BB%9Dng.csv",
    );
    dl.assert_bytes(first.clone()).await;
    let old_files = settle_files(&app, 1).await;
    assert_eq!(old_files.len(), 1);

    // resource_patch with a new file (the documented way to upload a new version): the
    // new bytes are served and the old file is gone.
    let second = "mã,tên\n1,Trường A\n2,Trường B\n".as_bytes().to_vec();
    let r = app
        .send_form(
            "/api/3/action/resource_patch",
            form(
                &[("id", &rid)],
                Some(("Danh sách trường.csv", second.clone())),
            ),
            Some(&admin),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.result()["size"], json!(second.len()));
    assert_eq!(r.result()["hash"], json!(sha256(&second)));
    let dl = app.cli.get(path_of(&url)).send().await;
    dl.assert_bytes(second.clone()).await;
    let now = settle_files(&app, 1).await;
    assert_eq!(now.len(), 1);
    assert_ne!(now, old_files);

    // A patch without a file keeps it (the stored url round-trips).
    let r = app
        .ok(
            "resource_patch",
            json!({"id": rid, "description": "Cập nhật"}),
            Some(&admin),
        )
        .await;
    assert_eq!(r["url"], json!(url));
    app.cli
        .get(path_of(&url))
        .send()
        .await
        .assert_bytes(second.clone())
        .await;

    // Made a link: the file goes, and the download redirects as CKAN's does.
    app.ok(
        "resource_update",
        json!({"id": rid, "url": "https://data.example.vn/truong.csv"}),
        Some(&admin),
    )
    .await;
    assert!(settle_files(&app, 0).await.is_empty());
    let link = app
        .cli
        .get(format!("/dataset/{dataset_id}/resource/{rid}/download"))
        .send()
        .await;
    link.assert_status(poem::http::StatusCode::FOUND);
    link.assert_header("location", "https://data.example.vn/truong.csv");

    // Deleting a resource and purging a dataset remove their files.
    let r = app
        .send_form(
            "/api/3/action/resource_create",
            form(
                &[("package_id", &dataset_id)],
                Some(("a.csv", first.clone())),
            ),
            Some(&admin),
        )
        .await;
    let gone = r.result()["id"].as_str().expect("id").to_owned();
    app.send_form(
        "/api/3/action/resource_create",
        form(
            &[("package_id", &dataset_id)],
            Some(("b.csv", first.clone())),
        ),
        Some(&admin),
    )
    .await;
    assert_eq!(settle_files(&app, 2).await.len(), 2);
    app.ok("resource_delete", json!({"id": gone}), Some(&admin))
        .await;
    assert_eq!(settle_files(&app, 1).await.len(), 1);
    let r = app
        .cli
        .get(format!("/dataset/{dataset_id}/resource/{gone}/download"))
        .send()
        .await;
    r.assert_status(poem::http::StatusCode::NOT_FOUND);
    app.ok("dataset_purge", json!({"id": dataset_id}), Some(&admin))
        .await;
    assert!(settle_files(&app, 0).await.is_empty());
}

async fn private_files_stay_private(backend: Backend) {
    let app = TestApp::new(backend).await;
    let (admin, _) = setup(&app).await;
    app.ok(
        "package_create",
        json!({"name": "noi-bo", "owner_org": "so-giao-duc", "private": true}),
        Some(&admin),
    )
    .await;
    let r = app
        .send_form(
            "/api/3/action/resource_create",
            form(
                &[("package_id", "noi-bo")],
                Some(("mat.csv", b"a,b\n".to_vec())),
            ),
            Some(&admin),
        )
        .await;
    let url = r.result()["url"].as_str().expect("url").to_owned();
    let path = path_of(&url);
    // Anonymous callers and strangers: not found, whatever they ask for.
    let anon = app.get(&path).await;
    assert_eq!(anon.status, 404);
    assert!(!anon.text.contains("a,b"));
    let (_, stranger) = app.user("nguoi-la", false).await;
    assert_eq!(app.get_as(&path, &stranger).await.status, 404);
    // The organization's own people may fetch it, and nobody may cache it.
    let own = app
        .cli
        .get(&path)
        .header("authorization", &admin)
        .send()
        .await;
    own.assert_status_is_ok();
    own.assert_header(
        "cache-control",
        "private, no-cache, max-age=0, must-revalidate",
    );
    own.assert_bytes(b"a,b\n".to_vec()).await;
}

async fn bad_uploads_leave_nothing(backend: Backend) {
    let app = TestApp::with_config(
        backend,
        kho_api::ApiConfig {
            max_upload_bytes: 1000,
            ..Default::default()
        },
    )
    .await;
    let (admin, dataset_id) = setup(&app).await;
    // Over the limit: 413, no file, no resource.
    let r = app
        .send_form(
            "/api/3/action/resource_create",
            form(
                &[("package_id", &dataset_id)],
                Some(("big.csv", vec![b'x'; 1001])),
            ),
            Some(&admin),
        )
        .await;
    assert_eq!(r.status, 413, "{}", r.text);
    assert!(r.text.contains("1000"));
    // Exactly at the limit is fine.
    let r = app
        .send_form(
            "/api/3/action/resource_create",
            form(
                &[("package_id", &dataset_id)],
                Some(("ok.csv", vec![b'x'; 1000])),
            ),
            Some(&admin),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(settle_files(&app, 1).await.len(), 1);
    assert_eq!(num_resources(&app, &dataset_id).await, 1);

    // Path tricks, NUL bytes and very long names: the name is cleaned, never a path.
    for (raw, expected) in [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\windows\\win.ini", "win.ini"),
        ("a\tb.csv", "ab.csv"),
    ] {
        let r = app
            .send_form(
                "/api/3/action/resource_create",
                form(&[("package_id", &dataset_id)], Some((raw, b"1".to_vec()))),
                Some(&admin),
            )
            .await;
        assert_eq!(r.status, 200, "{raw:?}: {}", r.text);
        let url = r.result()["url"].as_str().expect("url").to_owned();
        assert!(url.ends_with(&format!("/download/{expected}")), "{url}");
    }
    // A NUL byte in a part's header is no valid multipart body: 400, nothing kept.
    let r = app
        .send_form(
            "/api/3/action/resource_create",
            form(
                &[("package_id", &dataset_id)],
                Some(("a\u{0}b.csv", b"1".to_vec())),
            ),
            Some(&admin),
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.text);
    let long = format!("{}.csv", "đ".repeat(5000));
    let r = app
        .send_form(
            "/api/3/action/resource_create",
            form(&[("package_id", &dataset_id)], Some((&long, b"1".to_vec()))),
            Some(&admin),
        )
        .await;
    assert_eq!(r.status, 200);
    let url = r.result()["url"].as_str().expect("url");
    assert!(url.len() < 2000 && url.ends_with(".csv"), "{}", url.len());
    assert_eq!(settle_files(&app, 5).await.len(), 5);
    // Every stored file is inside the store, named by kho.
    for f in stored_files(&app) {
        assert!(f.starts_with(app.files_dir()));
        let name = f.file_name().and_then(|n| n.to_str()).unwrap_or("");
        assert!(uuid::Uuid::parse_str(name).is_ok(), "{name}");
    }

    // Refused calls leave no file: no right to the dataset, a bad field, an unknown
    // dataset.
    let (_, stranger) = app.user("nguoi-la", false).await;
    let r = app
        .send_form(
            "/api/3/action/resource_create",
            form(
                &[("package_id", &dataset_id)],
                Some(("x.csv", b"1".to_vec())),
            ),
            Some(&stranger),
        )
        .await;
    assert_eq!(r.status, 403);
    let r = app
        .send_form(
            "/api/3/action/resource_create",
            form(
                &[("package_id", &dataset_id), ("size", "không phải số")],
                Some(("x.csv", b"1".to_vec())),
            ),
            Some(&admin),
        )
        .await;
    assert_eq!(r.status, 200, "size is the file's own: {}", r.text);
    let r = app
        .send_form(
            "/api/3/action/resource_create",
            form(
                &[("package_id", "khong-co")],
                Some(("x.csv", b"1".to_vec())),
            ),
            Some(&admin),
        )
        .await;
    assert_eq!(r.status, 404);
    assert_eq!(settle_files(&app, 6).await.len(), 6);

    // A multipart body cut short: 400, nothing kept.
    let boundary = "XyZ";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"package_id\"\r\n\r\n{dataset_id}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"upload\"; filename=\"cut.csv\"\r\n\
         Content-Type: text/csv\r\n\r\nmột phần"
    );
    let r = app
        .post_raw(
            "/api/3/action/resource_create",
            Some(&format!("multipart/form-data; boundary={boundary}")),
            body,
            Some(&admin),
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.text);
    assert_eq!(settle_files(&app, 6).await.len(), 6);

    // A client that goes away midway through the file: nothing kept either.
    let head = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"package_id\"\r\n\r\n{dataset_id}\r\n\
         --{BOUNDARY}\r\nContent-Disposition: form-data; name=\"upload\"; filename=\"gone.csv\"\r\n\r\n"
    );
    let parts: Vec<std::io::Result<Vec<u8>>> = vec![
        Ok(head.into_bytes()),
        Ok(vec![b'x'; 300]),
        Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "client went away",
        )),
    ];
    let resp = app
        .cli
        .post("/api/3/action/resource_create")
        .content_type(format!("multipart/form-data; boundary={BOUNDARY}"))
        .header("authorization", admin.as_str())
        .body(poem::Body::from_bytes_stream(futures_util::stream::iter(
            parts,
        )))
        .send()
        .await;
    assert_eq!(resp.0.status(), 400);
    assert_eq!(settle_files(&app, 6).await.len(), 6);
    assert_eq!(num_resources(&app, &dataset_id).await, 6);
}

async fn num_resources(app: &TestApp, id: &str) -> Value {
    app.ok("package_show", json!({"id": id}), None).await["num_resources"].clone()
}

async fn uploads_need_a_file_store(backend: Backend) {
    let app = TestApp::without_files(backend).await;
    let (admin, dataset_id) = setup(&app).await;
    let r = app
        .send_form(
            "/api/3/action/resource_create",
            form(
                &[("package_id", &dataset_id)],
                Some(("x.csv", b"1".to_vec())),
            ),
            Some(&admin),
        )
        .await;
    assert_eq!(
        r.error(409)["upload"],
        json!(["File uploads are not enabled on this site"])
    );
}

/// A file store whose storage has failed (an S3 server down or answering 500): it reads
/// part of what it is given, then fails.
struct BrokenStore;

#[async_trait::async_trait]
impl kho_files::FileStore for BrokenStore {
    async fn put(
        &self,
        _key: &kho_files::FileKey,
        mut body: kho_files::ByteStream,
        _limit: u64,
    ) -> Result<kho_files::Stored, kho_files::FileError> {
        use futures_util::StreamExt;
        let _ = body.next().await;
        Err(kho_files::FileError::Backend("503 Slow Down".into()))
    }
    async fn get(
        &self,
        _key: &kho_files::FileKey,
        _range: Option<kho_files::ByteRange>,
    ) -> Result<kho_files::Fetched, kho_files::FileError> {
        Err(kho_files::FileError::Backend("connection refused".into()))
    }
    async fn head(
        &self,
        _key: &kho_files::FileKey,
    ) -> Result<kho_files::FileMeta, kho_files::FileError> {
        Err(kho_files::FileError::Backend("connection refused".into()))
    }
    async fn delete(&self, _key: &kho_files::FileKey) -> Result<(), kho_files::FileError> {
        Err(kho_files::FileError::Backend("connection refused".into()))
    }
    fn describe(&self) -> String {
        "broken".into()
    }
}

async fn failed_storage_is_a_clear_error(backend: Backend) {
    let app = TestApp::without_files(backend).await;
    app.catalog.set_file_store(std::sync::Arc::new(BrokenStore));
    let (admin, dataset_id) = setup(&app).await;
    let r = app
        .send_form(
            "/api/3/action/resource_create",
            form(
                &[("package_id", &dataset_id)],
                Some(("x.csv", vec![b'x'; 100_000])),
            ),
            Some(&admin),
        )
        .await;
    assert_eq!(r.status, 503, "{}", r.text);
    assert_eq!(r.json["success"], false);
    assert_eq!(r.json["error"]["__type"], "Service Unavailable");
    // Nothing in the catalogue points at a file that is not there.
    assert_eq!(num_resources(&app, &dataset_id).await, 0);
}

/// The same upload, download and replacement with the files on a real S3-compatible
/// server (a throwaway moto server): 9 MiB, more than one multipart part.
async fn files_on_s3(backend: Backend) {
    let app = TestApp::without_files(backend).await;
    let bucket = kho_test_support::s3_bucket().await;
    let s3 = kho_files::S3FileStore::new(&kho_files::S3Config {
        bucket: bucket.bucket.clone(),
        prefix: "kho/".into(),
        region: kho_test_support::S3_REGION.into(),
        endpoint: Some(bucket.endpoint.clone()),
        path_style: true,
        access_key_id: Some(kho_test_support::S3_ACCESS_KEY_ID.into()),
        secret_access_key: Some(kho_files::Secret::new(
            kho_test_support::S3_SECRET_ACCESS_KEY,
        )),
        part_size: kho_files::MIN_PART_SIZE,
    })
    .await
    .expect("s3 store");
    app.catalog.set_file_store(std::sync::Arc::new(s3));
    let (admin, dataset_id) = setup(&app).await;
    let big: Vec<u8> = (0..9 * 1024 * 1024u32).map(|i| (i % 251) as u8).collect();
    let r = app
        .send_form(
            "/api/3/action/resource_create",
            form(
                &[("package_id", &dataset_id)],
                Some(("lớn.bin", big.clone())),
            ),
            Some(&admin),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.result()["hash"], json!(sha256(&big)));
    let rid = r.result()["id"].as_str().expect("id").to_owned();
    let path = path_of(r.result()["url"].as_str().expect("url"));
    let dl = app.cli.get(&path).send().await;
    dl.assert_status_is_ok();
    dl.assert_bytes(big.clone()).await;
    let part = app
        .cli
        .get(&path)
        .header("range", "bytes=5242870-5242889")
        .send()
        .await;
    part.assert_status(poem::http::StatusCode::PARTIAL_CONTENT);
    part.assert_bytes(big[5_242_870..5_242_890].to_vec()).await;
    let r = app
        .send_form(
            "/api/3/action/resource_patch",
            form(&[("id", &rid)], Some(("nhỏ.csv", b"a,b\n".to_vec()))),
            Some(&admin),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let path = path_of(r.result()["url"].as_str().expect("url"));
    app.cli
        .get(&path)
        .send()
        .await
        .assert_bytes(b"a,b\n".to_vec())
        .await;
    app.ok("dataset_purge", json!({"id": dataset_id}), Some(&admin))
        .await;
}

both_backends!(
    files_on_s3,
    failed_storage_is_a_clear_error,
    upload_and_download_as_ckan,
    vietnamese_names_and_replacing_files,
    private_files_stay_private,
    bad_uploads_leave_nothing,
    uploads_need_a_file_store,
);
