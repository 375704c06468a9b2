//! Backends and bodies for the FileStore suite.

use std::sync::Arc;

use bytes::Bytes;
use futures_util::StreamExt;
use kho_files::{ByteStream, FileStore, LocalFileStore};
use sha2::{Digest, Sha256};

pub enum Backend {
    Local {
        store: Arc<LocalFileStore>,
        _dir: tempfile::TempDir,
    },
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

    pub fn store(&self) -> Arc<dyn FileStore> {
        match self {
            Backend::Local { store, .. } => store.clone(),
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

pub async fn collect(mut body: ByteStream) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(chunk) = body.next().await {
        out.extend_from_slice(&chunk.unwrap());
    }
    out
}
