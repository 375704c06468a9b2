//! kho-files: the bytes of uploaded resource files (see README.md).
//!
//! One [`FileStore`] trait with two implementations: a local directory (the default, in
//! the data directory) and S3 (or any S3-compatible server). Both stream in both
//! directions, so memory stays bounded whatever the size of a file.
//!
//! Keys are made here ([`FileKey::new_upload`]) from the resource id and a fresh UUID,
//! never from a client's file name. Each upload gets a new key: the catalogue swaps the
//! key a resource points at inside its transaction and deletes the old file after the
//! commit, so replacing a file is atomic and a failed write leaves the old file in place.

mod config;
mod local;
mod mime;
mod s3;
mod tally;

pub use config::{open, Backend, FilesConfig, S3Config, Secret};
pub use local::LocalFileStore;
pub use mime::guess_mimetype;
pub use s3::{S3FileStore, MIN_PART_SIZE};

use std::pin::Pin;
use std::time::SystemTime;

use bytes::Bytes;
use futures_util::Stream;

/// A stream of file bytes (an upload's body, or a download).
pub type ByteStream = Pin<Box<dyn Stream<Item = std::io::Result<Bytes>> + Send>>;

/// How many leading bytes [`Stored::head`] keeps, for content sniffing.
pub const HEAD_BYTES: usize = 8192;

#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// The body went past the limit given to [`FileStore::put`]; nothing was kept.
    #[error("the file is larger than the limit of {limit} bytes")]
    TooLarge { limit: u64 },
    /// The body stream failed (the client went away, the multipart body was cut short);
    /// nothing was kept.
    #[error("the upload was cut short: {0}")]
    Incomplete(String),
    #[error("no such file")]
    NotFound,
    /// A range that starts past the end of a file of `size` bytes.
    #[error("the range is not satisfiable: the file has {size} bytes")]
    RangeNotSatisfiable { size: u64 },
    /// A key that kho could not have made (read back from a damaged store, say).
    #[error("not a valid file key: {0:?}")]
    InvalidKey(String),
    /// The storage itself failed: disk I/O, or an S3 server that is down or answers 5xx.
    #[error("file storage failed: {0}")]
    Backend(String),
}

/// Where a file lives in a [`FileStore`]. Only ever made by kho: lowercase ASCII letters,
/// digits, `-` and `/` separators, no empty or dot segments.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FileKey(String);

impl FileKey {
    /// A fresh key for a new upload to the resource `resource_id` (a UUID):
    /// `resources/{first 3 characters}/{resource_id}/{new UUID}`.
    pub fn new_upload(resource_id: &str) -> Result<FileKey, FileError> {
        let rid = resource_id.to_ascii_lowercase();
        if rid.len() < 3
            || rid.len() > 64
            || !rid.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        {
            return Err(FileError::InvalidKey(resource_id.to_string()));
        }
        FileKey::parse(&format!(
            "resources/{}/{}/{}",
            &rid[..3],
            rid,
            uuid::Uuid::new_v4()
        ))
    }

    /// A key read back from the catalogue, checked.
    pub fn parse(s: &str) -> Result<FileKey, FileError> {
        let ok = !s.is_empty()
            && s.len() <= 512
            && s.split('/').all(|seg| {
                !seg.is_empty()
                    && seg != "."
                    && seg != ".."
                    && seg
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            });
        if ok {
            Ok(FileKey(s.to_string()))
        } else {
            Err(FileError::InvalidKey(s.to_string()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for FileKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// What [`FileStore::put`] stored.
#[derive(Clone, Debug)]
pub struct Stored {
    pub key: FileKey,
    /// Bytes stored.
    pub size: u64,
    /// SHA-256 of the bytes, lowercase hex.
    pub sha256: String,
    /// The first [`HEAD_BYTES`] bytes (fewer for a smaller file), for content sniffing.
    pub head: Vec<u8>,
}

/// A stored file's size and last modification.
#[derive(Clone, Debug)]
pub struct FileMeta {
    pub size: u64,
    pub modified: Option<SystemTime>,
}

/// A byte range as an HTTP `Range` header asks for it (RFC 9110 §14.1.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ByteRange {
    /// `start-`: from `start` to the end.
    From(u64),
    /// `start-end`, both inclusive (an `end` past the file is cut to the file).
    FromTo(u64, u64),
    /// `-n`: the last `n` bytes.
    Last(u64),
}

impl ByteRange {
    /// The inclusive `(first, last)` byte positions this range selects in a file of
    /// `size` bytes, or `RangeNotSatisfiable`.
    pub fn resolve(self, size: u64) -> Result<(u64, u64), FileError> {
        let unsatisfiable = FileError::RangeNotSatisfiable { size };
        match self {
            ByteRange::From(s) if s < size => Ok((s, size - 1)),
            ByteRange::FromTo(s, e) if s <= e && s < size => Ok((s, e.min(size - 1))),
            ByteRange::Last(n) if n > 0 && size > 0 => Ok((size - n.min(size), size - 1)),
            _ => Err(unsatisfiable),
        }
    }
}

/// A download: the whole file's metadata, the inclusive byte range being sent (when a
/// range was asked for), and the bytes.
pub struct Fetched {
    pub meta: FileMeta,
    pub range: Option<(u64, u64)>,
    pub body: ByteStream,
}

impl std::fmt::Debug for Fetched {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fetched")
            .field("meta", &self.meta)
            .field("range", &self.range)
            .finish_non_exhaustive()
    }
}

/// Where uploaded files live.
#[async_trait::async_trait]
pub trait FileStore: Send + Sync + 'static {
    /// Stream `body` into a new file at `key`. The file appears at `key` whole or not at
    /// all: past `limit` bytes, on a failed body stream or a failed backend, nothing is
    /// left behind (no partial file, no temporary file, no unfinished multipart upload).
    async fn put(&self, key: &FileKey, body: ByteStream, limit: u64) -> Result<Stored, FileError>;

    /// Read the file at `key`, or the part of it `range` selects.
    async fn get(&self, key: &FileKey, range: Option<ByteRange>) -> Result<Fetched, FileError>;

    /// The file's metadata, without its bytes.
    async fn head(&self, key: &FileKey) -> Result<FileMeta, FileError>;

    /// Remove the file at `key`. A missing file is not an error.
    async fn delete(&self, key: &FileKey) -> Result<(), FileError>;

    /// Where the files are, for logs (`local:DIR`, `s3://bucket/prefix`); no secrets.
    fn describe(&self) -> String;
}
