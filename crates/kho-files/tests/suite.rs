//! One behaviour suite for every FileStore: each test runs on a local directory and on a
//! real S3-compatible server (started by kho-test-support).

mod common;

use std::time::{Duration, Instant};

use common::{
    body_of, collect, data, failing_body, sha256_hex, sized_body, stalling_body, Backend,
};
use kho_files::{ByteRange, FileError, FileKey, FileStore, HEAD_BYTES};

/// Instantiates each listed test once per backend: `local::name` and `s3::name`.
macro_rules! file_store_suite {
    ($($name:ident),* $(,)?) => {
        mod local {
            $(
                #[tokio::test]
                async fn $name() {
                    let backend = crate::common::Backend::local();
                    crate::$name(&backend).await;
                }
            )*
        }
        mod s3 {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let backend = crate::common::Backend::s3().await;
                    crate::$name(&backend).await;
                }
            )*
        }
    };
}

file_store_suite!(
    round_trip_small,
    round_trip_large,
    over_limit_leaves_nothing,
    over_limit_large_leaves_nothing,
    exactly_at_limit_is_kept,
    failed_body_leaves_nothing,
    failed_body_after_a_part_leaves_nothing,
    cancelled_upload_leaves_nothing,
    ranges,
    missing_keys,
    replace_by_new_key,
);

fn key() -> FileKey {
    FileKey::new_upload(&uuid::Uuid::new_v4().to_string()).unwrap()
}

async fn assert_round_trip(b: &Backend, bytes: &[u8], chunk: usize) {
    let store = b.store();
    let k = key();
    let stored = store
        .put(&k, body_of(bytes.to_vec(), chunk), bytes.len() as u64)
        .await
        .unwrap();
    assert_eq!(stored.key, k);
    assert_eq!(stored.size, bytes.len() as u64);
    assert_eq!(stored.sha256, sha256_hex(bytes));
    assert_eq!(stored.head, &bytes[..bytes.len().min(HEAD_BYTES)]);

    let meta = store.head(&k).await.unwrap();
    assert_eq!(meta.size, bytes.len() as u64);
    assert!(meta.modified.is_some());

    let fetched = store.get(&k, None).await.unwrap();
    assert_eq!(fetched.meta.size, bytes.len() as u64);
    assert_eq!(fetched.range, None);
    let got = collect(fetched.body).await;
    assert_eq!(got.len(), bytes.len());
    assert!(got == bytes, "downloaded bytes differ");
    b.assert_clean().await;
}

async fn round_trip_small(b: &Backend) {
    assert_round_trip(b, b"", 1).await;
    assert_round_trip(b, b"x", 1).await;
    assert_round_trip(b, &data(100), 7).await;
    assert_round_trip(b, &data(HEAD_BYTES + 1), 1000).await;
}

async fn round_trip_large(b: &Backend) {
    // Larger than the S3 part size (8 MiB), in chunks that do not divide it.
    let len = 20 * 1024 * 1024 + 12_345;
    let store = b.store();
    let k = key();
    let bytes = data(len);
    let stored = store
        .put(&k, sized_body(len, 100_003), len as u64)
        .await
        .unwrap();
    assert_eq!(stored.size, len as u64);
    assert_eq!(stored.sha256, sha256_hex(&bytes));
    assert_eq!(stored.head, &bytes[..HEAD_BYTES]);
    assert_eq!(store.head(&k).await.unwrap().size, len as u64);
    let got = collect(store.get(&k, None).await.unwrap().body).await;
    assert_eq!(got.len(), len);
    assert!(got == bytes, "downloaded bytes differ");
    let part = store
        .get(&k, Some(ByteRange::FromTo(9_000_000, 9_000_009)))
        .await
        .unwrap();
    assert_eq!(part.range, Some((9_000_000, 9_000_009)));
    assert_eq!(collect(part.body).await, &bytes[9_000_000..9_000_010]);
    b.assert_clean().await;
}

async fn over_limit_leaves_nothing(b: &Backend) {
    let store = b.store();
    let k = key();
    let err = store
        .put(&k, body_of(data(101), 10), 100)
        .await
        .unwrap_err();
    assert!(matches!(err, FileError::TooLarge { limit: 100 }), "{err:?}");
    assert!(matches!(store.head(&k).await, Err(FileError::NotFound)));
    b.assert_clean().await;
}

async fn over_limit_large_leaves_nothing(b: &Backend) {
    // On S3 a multipart upload has begun (a part sent) when the limit is passed.
    let limit = 12 * 1024 * 1024;
    let store = b.store();
    let k = key();
    let err = store
        .put(&k, sized_body(limit + 1, 65_536), limit as u64)
        .await
        .unwrap_err();
    assert!(
        matches!(err, FileError::TooLarge { limit: l } if l == limit as u64),
        "{err:?}"
    );
    assert!(matches!(store.head(&k).await, Err(FileError::NotFound)));
    b.assert_clean().await;
}

async fn exactly_at_limit_is_kept(b: &Backend) {
    let store = b.store();
    let k = key();
    let stored = store.put(&k, body_of(data(100), 33), 100).await.unwrap();
    assert_eq!(stored.size, 100);
    assert_eq!(store.head(&k).await.unwrap().size, 100);
    b.assert_clean().await;
}

async fn failed_body_leaves_nothing(b: &Backend) {
    let store = b.store();
    let k = key();
    let err = store
        .put(&k, failing_body(1000, 100), 1 << 30)
        .await
        .unwrap_err();
    match err {
        FileError::Incomplete(msg) => assert!(msg.contains("client went away"), "{msg}"),
        other => panic!("expected Incomplete, got {other:?}"),
    }
    assert!(matches!(store.head(&k).await, Err(FileError::NotFound)));
    b.assert_clean().await;
}

async fn failed_body_after_a_part_leaves_nothing(b: &Backend) {
    let store = b.store();
    let k = key();
    let err = store
        .put(&k, failing_body(10 * 1024 * 1024, 65_536), 1 << 30)
        .await
        .unwrap_err();
    assert!(matches!(err, FileError::Incomplete(_)), "{err:?}");
    assert!(matches!(store.head(&k).await, Err(FileError::NotFound)));
    b.assert_clean().await;
}

async fn cancelled_upload_leaves_nothing(b: &Backend) {
    // The request's future is dropped while the body stalls after more than a part.
    let store = b.store();
    let k = key();
    let task = {
        let (store, k) = (store.clone(), k.clone());
        tokio::spawn(async move {
            store
                .put(&k, stalling_body(9 * 1024 * 1024, 65_536), 1 << 30)
                .await
        })
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    while b.unfinished().await == 0 {
        assert!(Instant::now() < deadline, "the upload never started");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    task.abort();
    assert!(task.await.unwrap_err().is_cancelled());
    // The S3 abort runs in a task of its own: give it a moment.
    let deadline = Instant::now() + Duration::from_secs(10);
    while b.unfinished().await > 0 {
        assert!(
            Instant::now() < deadline,
            "a cancelled upload was left behind"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(matches!(store.head(&k).await, Err(FileError::NotFound)));
    b.assert_clean().await;
}

async fn ranges(b: &Backend) {
    let store = b.store();
    let k = key();
    let bytes = data(1000);
    store
        .put(&k, body_of(bytes.clone(), 64), 1000)
        .await
        .unwrap();

    let cases = [
        (ByteRange::From(0), (0, 999)),
        (ByteRange::From(990), (990, 999)),
        (ByteRange::From(999), (999, 999)),
        (ByteRange::FromTo(10, 19), (10, 19)),
        (ByteRange::FromTo(5, 5), (5, 5)),
        (ByteRange::FromTo(500, 5000), (500, 999)),
        (ByteRange::Last(1), (999, 999)),
        (ByteRange::Last(10), (990, 999)),
        (ByteRange::Last(5000), (0, 999)),
    ];
    for (range, (first, last)) in cases {
        let fetched = store.get(&k, Some(range)).await.unwrap();
        assert_eq!(fetched.meta.size, 1000, "{range:?}");
        assert_eq!(fetched.range, Some((first, last)), "{range:?}");
        let got = collect(fetched.body).await;
        assert_eq!(got, &bytes[first as usize..=last as usize], "{range:?}");
    }
    for range in [
        ByteRange::From(1000),
        ByteRange::From(5000),
        ByteRange::FromTo(1000, 1001),
        ByteRange::FromTo(20, 10),
        ByteRange::Last(0),
    ] {
        match store.get(&k, Some(range)).await {
            Err(FileError::RangeNotSatisfiable { size }) => assert_eq!(size, 1000, "{range:?}"),
            Err(e) => panic!("{range:?}: expected RangeNotSatisfiable, got {e:?}"),
            Ok(f) => panic!("{range:?}: expected RangeNotSatisfiable, got {:?}", f.range),
        }
    }

    // Every range of an empty file is unsatisfiable; the whole file is fine.
    let empty = key();
    store.put(&empty, body_of(Vec::new(), 1), 10).await.unwrap();
    for range in [ByteRange::From(0), ByteRange::Last(1)] {
        assert!(matches!(
            store.get(&empty, Some(range)).await,
            Err(FileError::RangeNotSatisfiable { size: 0 })
        ));
    }
    assert_eq!(
        collect(store.get(&empty, None).await.unwrap().body).await,
        b""
    );
}

async fn missing_keys(b: &Backend) {
    let store = b.store();
    let k = key();
    assert!(matches!(
        store.get(&k, None).await,
        Err(FileError::NotFound)
    ));
    assert!(matches!(
        store.get(&k, Some(ByteRange::From(0))).await,
        Err(FileError::NotFound)
    ));
    assert!(matches!(store.head(&k).await, Err(FileError::NotFound)));
    store.delete(&k).await.unwrap();

    store.put(&k, body_of(data(10), 4), 10).await.unwrap();
    store.delete(&k).await.unwrap();
    store.delete(&k).await.unwrap();
    assert!(matches!(store.head(&k).await, Err(FileError::NotFound)));
    assert!(matches!(
        store.get(&k, None).await,
        Err(FileError::NotFound)
    ));
    // A prefix of a key is not a file.
    let prefix = FileKey::parse("resources").unwrap();
    store.put(&key(), body_of(data(3), 3), 3).await.unwrap();
    assert!(matches!(
        store.head(&prefix).await,
        Err(FileError::NotFound)
    ));
    assert!(matches!(
        store.get(&prefix, None).await,
        Err(FileError::NotFound)
    ));
    assert!(!store.describe().is_empty());
}

async fn replace_by_new_key(b: &Backend) {
    // How the catalogue replaces a file: a new key, then the old one deleted.
    let store = b.store();
    let rid = uuid::Uuid::new_v4().to_string();
    let old = FileKey::new_upload(&rid).unwrap();
    let new = FileKey::new_upload(&rid).unwrap();
    assert_ne!(old, new);
    store
        .put(&old, body_of(b"old".to_vec(), 3), 10)
        .await
        .unwrap();
    store
        .put(&new, body_of(b"newer".to_vec(), 2), 10)
        .await
        .unwrap();
    store.delete(&old).await.unwrap();
    assert!(matches!(store.head(&old).await, Err(FileError::NotFound)));
    assert_eq!(
        collect(store.get(&new, None).await.unwrap().body).await,
        b"newer"
    );
}

/// Local only: files sit at `root/<key>`, and deleting the last file of a resource
/// removes its now-empty directories (not the root).
#[tokio::test]
async fn local_layout_and_tidy_delete() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("files");
    let store = kho_files::LocalFileStore::new(root.clone()).unwrap();
    assert_eq!(store.describe(), format!("local:{}", root.display()));
    let rid = uuid::Uuid::new_v4().to_string();
    let a = FileKey::new_upload(&rid).unwrap();
    let b = FileKey::new_upload(&rid).unwrap();
    store.put(&a, body_of(b"a".to_vec(), 1), 1).await.unwrap();
    store.put(&b, body_of(b"b".to_vec(), 1), 1).await.unwrap();
    assert_eq!(std::fs::read(root.join(a.as_str())).unwrap(), b"a");
    store.delete(&a).await.unwrap();
    assert!(std::fs::metadata(root.join("resources").join(&rid[..3]).join(&rid)).is_ok());
    store.delete(&b).await.unwrap();
    let mut left: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    left.sort();
    assert_eq!(left, vec![".tmp".to_string()]);
}

/// A down server must fail fast, not after minutes of retries.
#[tokio::test]
async fn s3_down_fails_within_seconds() {
    let port = kho_test_support::free_port();
    let store = common::s3_store_at(&format!("http://127.0.0.1:{port}"), "down").await;
    let started = Instant::now();
    let err = store
        .put(&key(), body_of(data(10), 10), 100)
        .await
        .unwrap_err();
    match &err {
        FileError::Backend(msg) => {
            assert!(msg.starts_with("S3 PutObject kho/resources/"), "{msg}");
            assert!(msg.contains("Connection refused"), "{msg}");
            assert!(!msg.contains("DispatchFailure"), "{msg}");
        }
        other => panic!("expected Backend, got {other:?}"),
    }
    let err = store.head(&key()).await.unwrap_err();
    assert!(matches!(err, FileError::Backend(_)), "{err:?}");
    let err = store.get(&key(), None).await.unwrap_err();
    assert!(matches!(err, FileError::Backend(_)), "{err:?}");
    let err = store.delete(&key()).await.unwrap_err();
    assert!(matches!(err, FileError::Backend(_)), "{err:?}");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
}

/// A server that answers 500 to everything: Backend errors, no panic, no hang.
#[tokio::test]
async fn s3_answering_500_is_a_backend_error() {
    let endpoint = common::always_500_server().await;
    let store = common::s3_store_at(&endpoint, "broken").await;
    let started = Instant::now();
    let small = store
        .put(&key(), body_of(data(10), 10), 100)
        .await
        .unwrap_err();
    let large = store
        .put(&key(), sized_body(9 * 1024 * 1024, 65_536), 1 << 30)
        .await
        .unwrap_err();
    let head = store.head(&key()).await.unwrap_err();
    let get = store.get(&key(), None).await.unwrap_err();
    let delete = store.delete(&key()).await.unwrap_err();
    for err in [small, large, head, get, delete] {
        match err {
            FileError::Backend(msg) => {
                assert!(msg.starts_with("S3 "), "{msg}");
                assert!(msg.contains(": HTTP 500"), "{msg}");
                assert!(
                    !msg.contains(kho_test_support::S3_SECRET_ACCESS_KEY),
                    "{msg}"
                );
            }
            other => panic!("expected Backend, got {other:?}"),
        }
    }
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "took {:?}",
        started.elapsed()
    );
}

/// The S3 "nothing left" check can see an unfinished multipart upload (so its
/// emptiness elsewhere means something), and large bodies are stored in parts.
#[tokio::test]
async fn s3_clean_check_sees_unfinished_uploads_and_large_files_are_multipart() {
    let backend = Backend::s3().await;
    let Backend::S3 { store } = &backend else {
        unreachable!()
    };
    let started = store
        .client()
        .create_multipart_upload()
        .bucket(store.bucket())
        .key("kho/left-over")
        .send()
        .await
        .unwrap();
    let listed = store
        .client()
        .list_multipart_uploads()
        .bucket(store.bucket())
        .send()
        .await
        .unwrap();
    assert_eq!(listed.uploads().len(), 1);
    assert_eq!(listed.uploads()[0].key(), Some("kho/left-over"));
    store
        .client()
        .abort_multipart_upload()
        .bucket(store.bucket())
        .key("kho/left-over")
        .upload_id(started.upload_id().unwrap())
        .send()
        .await
        .unwrap();
    backend.assert_clean().await;

    // 8 MiB parts: 8 + 8 + 1 MiB, and the object's ETag says 3 parts; at most one
    // part's size is one PutObject.
    let k = key();
    let len = 17 * 1024 * 1024;
    store
        .put(&k, sized_body(len, 1 << 20), len as u64)
        .await
        .unwrap();
    let head = store
        .client()
        .head_object()
        .bucket(store.bucket())
        .key(store.object_key(&k))
        .send()
        .await
        .unwrap();
    assert_eq!(head.content_length(), Some(len as i64));
    assert!(
        head.e_tag().unwrap_or_default().ends_with("-3\""),
        "{:?}",
        head.e_tag()
    );
    let single = key();
    let part = 8 * 1024 * 1024;
    store
        .put(&single, sized_body(part, 1 << 20), part as u64)
        .await
        .unwrap();
    let head = store
        .client()
        .head_object()
        .bucket(store.bucket())
        .key(store.object_key(&single))
        .send()
        .await
        .unwrap();
    assert!(
        !head.e_tag().unwrap_or_default().contains('-'),
        "{:?}",
        head.e_tag()
    );
    assert!(single.as_str().starts_with("resources/"));
    assert_eq!(store.object_key(&single), format!("kho/{single}"));
}
