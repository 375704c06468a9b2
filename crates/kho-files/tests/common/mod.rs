//! Backends and bodies for the FileStore suite.

use std::sync::Arc;

use bytes::Bytes;
use futures_util::StreamExt;
use kho_files::{ByteStream, FileStore, LocalFileStore, S3Config, S3FileStore, Secret};
use sha2::{Digest, Sha256};

pub enum Backend {
    Local {
        store: Arc<LocalFileStore>,
        _dir: tempfile::TempDir,
    },
    S3 {
        store: Arc<S3FileStore>,
    },
}

/// A store on the S3 server at `endpoint`, in `bucket`, with the test credentials.
pub async fn s3_store_at(endpoint: &str, bucket: &str) -> S3FileStore {
    let cfg = S3Config {
        bucket: bucket.to_string(),
        prefix: "kho/".into(),
        region: kho_test_support::S3_REGION.into(),
        endpoint: Some(endpoint.to_string()),
        path_style: true,
        access_key_id: Some(kho_test_support::S3_ACCESS_KEY_ID.into()),
        secret_access_key: Some(Secret::new(kho_test_support::S3_SECRET_ACCESS_KEY)),
        ..S3Config::default()
    };
    S3FileStore::new(&cfg).await.unwrap()
}

/// `http://127.0.0.1:PORT` of a server that answers every request with a 500.
pub async fn always_500_server() -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut conn, _)) = listener.accept().await {
            tokio::spawn(async move {
                // Read what arrives for a moment (not necessarily the whole request),
                // then answer and close.
                let mut buf = vec![0u8; 64 * 1024];
                let _ =
                    tokio::time::timeout(std::time::Duration::from_millis(50), conn.read(&mut buf))
                        .await;
                let body = "<Error><Code>InternalError</Code><Message>broken</Message></Error>";
                let answer = format!(
                    "HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = conn.write_all(answer.as_bytes()).await;
                let _ = conn.shutdown().await;
            });
        }
    });
    format!("http://{addr}")
}

impl Backend {
    pub fn local() -> Backend {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalFileStore::new(dir.path().join("files")).unwrap();
        Backend::Local {
            store: Arc::new(store),
            _dir: dir,
        }
    }

    /// A fresh bucket on the test S3 server (kho-test-support starts it).
    pub async fn s3() -> Backend {
        let b = kho_test_support::s3_bucket().await;
        Backend::S3 {
            store: Arc::new(s3_store_at(&b.endpoint, &b.bucket).await),
        }
    }

    pub fn store(&self) -> Arc<dyn FileStore> {
        match self {
            Backend::Local { store, .. } => store.clone(),
            Backend::S3 { store } => store.clone(),
        }
    }

    /// How many half-written uploads there are: temporary files (local), unfinished
    /// multipart uploads (S3).
    pub async fn unfinished(&self) -> usize {
        match self {
            Backend::Local { store, .. } => std::fs::read_dir(store.root().join(".tmp"))
                .unwrap()
                .count(),
            Backend::S3 { store } => store
                .client()
                .list_multipart_uploads()
                .bucket(store.bucket())
                .send()
                .await
                .unwrap()
                .uploads()
                .len(),
        }
    }

    /// Nothing half-written is left: no temporary file (local), no unfinished
    /// multipart upload (S3).
    pub async fn assert_clean(&self) {
        match self {
            Backend::Local { store, .. } => {
                let left: Vec<_> = std::fs::read_dir(store.root().join(".tmp"))
                    .unwrap()
                    .map(|e| e.unwrap().path())
                    .collect();
                assert!(left.is_empty(), "temporary files left: {left:?}");
            }
            Backend::S3 { store } => {
                let uploads = store
                    .client()
                    .list_multipart_uploads()
                    .bucket(store.bucket())
                    .send()
                    .await
                    .unwrap();
                let left: Vec<_> = uploads
                    .uploads()
                    .iter()
                    .map(|u| u.key().unwrap_or_default().to_string())
                    .collect();
                assert!(left.is_empty(), "unfinished multipart uploads: {left:?}");
            }
        }
    }
}

/// `len` bytes of a pattern that does not repeat with any small period.
pub fn data(len: usize) -> Vec<u8> {
    data_range(0, len)
}

/// Bytes `start..end` of the pattern of [`data`].
fn data_range(start: usize, end: usize) -> Vec<u8> {
    (start..end)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8 ^ (i / 251) as u8)
        .collect()
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// `bytes` as a body of `chunk`-sized pieces.
pub fn body_of(bytes: Vec<u8>, chunk: usize) -> ByteStream {
    let chunks: Vec<std::io::Result<Bytes>> = bytes
        .chunks(chunk.max(1))
        .map(|c| Ok(Bytes::copy_from_slice(c)))
        .collect();
    Box::pin(futures_util::stream::iter(chunks))
}

/// `data(len)` made chunk by chunk as it is read, without holding the whole body.
pub fn sized_body(len: usize, chunk: usize) -> ByteStream {
    Box::pin(futures_util::stream::unfold(0usize, move |at| async move {
        if at >= len {
            return None;
        }
        let end = (at + chunk).min(len);
        Some((Ok(Bytes::from(data_range(at, end))), end))
    }))
}

/// `ok_len` bytes, then an error: a client that went away midway.
pub fn failing_body(ok_len: usize, chunk: usize) -> ByteStream {
    let good = sized_body(ok_len, chunk);
    let bad = futures_util::stream::once(async {
        Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "client went away",
        ))
    });
    Box::pin(good.chain(bad))
}

/// `ok_len` bytes, then nothing ever again: a client that stalls.
pub fn stalling_body(ok_len: usize, chunk: usize) -> ByteStream {
    Box::pin(sized_body(ok_len, chunk).chain(futures_util::stream::pending()))
}

pub async fn collect(mut body: ByteStream) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(chunk) = body.next().await {
        out.extend_from_slice(&chunk.unwrap());
    }
    out
}
