//! Files in an S3 bucket (AWS or any S3-compatible server).
//!
//! Uploads hold at most one part in memory: a body that fits in one part is one
//! PutObject, a larger one a multipart upload that is aborted on any failure.

use std::time::{Duration, SystemTime};

use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::config::retry::RetryConfig;
use aws_sdk_s3::config::timeout::TimeoutConfig;
use aws_sdk_s3::config::{
    BehaviorVersion, Credentials, Region, RequestChecksumCalculation, ResponseChecksumValidation,
};
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::operation::get_object::GetObjectError;
use aws_sdk_s3::operation::head_object::HeadObjectError;
use aws_sdk_s3::primitives::ByteStream as S3Body;
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};
use aws_sdk_s3::Client;
use aws_smithy_http_client::tls;
use bytes::{Bytes, BytesMut};
use futures_util::StreamExt;
use tokio_util::io::ReaderStream;

use crate::config::S3Config;
use crate::tally::Tally;
use crate::{ByteRange, ByteStream, Fetched, FileError, FileKey, FileMeta, FileStore, Stored};

/// S3's smallest part (except the last one).
pub const MIN_PART_SIZE: u64 = 5 * 1024 * 1024;
/// S3's largest part.
const MAX_PART_SIZE: u64 = 5 * 1024 * 1024 * 1024;
/// S3 allows at most this many parts in one upload.
const MAX_PARTS: i32 = 10_000;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// One attempt of one request, a part upload included (8 MiB at a slow 1 Mbit/s is
/// about 70 s).
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(120);
/// A few quick retries: a server that is down fails in seconds, not minutes.
const MAX_ATTEMPTS: u32 = 3;
const CHUNK: usize = 64 * 1024;

/// Uploaded files in an S3 bucket, under an optional key prefix.
#[derive(Debug, Clone)]
pub struct S3FileStore {
    client: Client,
    bucket: String,
    /// Empty, or ends with `/`.
    prefix: String,
    part_size: usize,
}

impl S3FileStore {
    /// A store for `cfg`. Credentials are `access_key_id`/`secret_access_key` when both
    /// are set, else the standard AWS chain (environment, profile, web identity,
    /// container or instance role). Nothing is sent to the server yet.
    pub async fn new(cfg: &S3Config) -> Result<Self, FileError> {
        if cfg.bucket.trim().is_empty() {
            return Err(FileError::Backend("files.s3.bucket is not set".into()));
        }
        if !(MIN_PART_SIZE..=MAX_PART_SIZE).contains(&cfg.part_size) {
            return Err(FileError::Backend(format!(
                "files.s3.part_size must be between {MIN_PART_SIZE} and {MAX_PART_SIZE} bytes, not {}",
                cfg.part_size
            )));
        }
        // rustls with ring, which the workspace builds already (no C toolchain for aws-lc).
        let http = aws_smithy_http_client::Builder::new()
            .tls_provider(tls::Provider::Rustls(
                tls::rustls_provider::CryptoMode::Ring,
            ))
            .build_https();
        let timeouts = TimeoutConfig::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .operation_attempt_timeout(ATTEMPT_TIMEOUT)
            .build();
        let retries = RetryConfig::standard()
            .with_max_attempts(MAX_ATTEMPTS)
            .with_initial_backoff(Duration::from_millis(100))
            .with_max_backoff(Duration::from_secs(1));
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .http_client(http)
            .region(Region::new(cfg.region.clone()))
            .timeout_config(timeouts)
            .retry_config(retries);
        match (&cfg.access_key_id, &cfg.secret_access_key) {
            (Some(id), Some(secret)) => {
                loader = loader.credentials_provider(Credentials::new(
                    id.clone(),
                    secret.expose().to_string(),
                    None,
                    None,
                    "kho-config",
                ));
            }
            (None, None) => {}
            _ => {
                return Err(FileError::Backend(
                    "files.s3: set both access_key_id and secret_access_key, or neither".into(),
                ))
            }
        }
        if let Some(endpoint) = cfg.endpoint.as_deref().filter(|e| !e.trim().is_empty()) {
            loader = loader.endpoint_url(endpoint.trim());
        }
        let shared = loader.load().await;
        let conf = aws_sdk_s3::config::Builder::from(&shared)
            .force_path_style(cfg.path_style)
            // Many S3-compatible servers reject the newer default checksum headers;
            // the bytes are checked by their SHA-256 anyway.
            .request_checksum_calculation(RequestChecksumCalculation::WhenRequired)
            .response_checksum_validation(ResponseChecksumValidation::WhenRequired)
            .build();
        let prefix = cfg.prefix.trim_matches('/');
        Ok(S3FileStore {
            client: Client::from_conf(conf),
            bucket: cfg.bucket.trim().to_string(),
            prefix: if prefix.is_empty() {
                String::new()
            } else {
                format!("{prefix}/")
            },
            part_size: cfg.part_size as usize,
        })
    }

    /// The SDK client (for tests and tools that inspect the bucket).
    pub fn client(&self) -> &Client {
        &self.client
    }

    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// The object key of `key`: the prefix, then the key.
    pub fn object_key(&self, key: &FileKey) -> String {
        format!("{}{}", self.prefix, key.as_str())
    }

    async fn put_single(&self, object: &str, bytes: Bytes) -> Result<(), FileError> {
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(object)
            .content_length(bytes.len() as i64)
            .body(S3Body::from(bytes))
            .send()
            .await
            .map_err(|e| backend("PutObject", object, e))?;
        Ok(())
    }

    async fn put_multipart(
        &self,
        object: &str,
        first: Bytes,
        buf: &mut BytesMut,
        body: &mut ByteStream,
        tally: &mut Tally,
    ) -> Result<(), FileError> {
        let created = self
            .client
            .create_multipart_upload()
            .bucket(&self.bucket)
            .key(object)
            .send()
            .await
            .map_err(|e| backend("CreateMultipartUpload", object, e))?;
        let upload_id = created.upload_id().unwrap_or_default().to_string();
        if upload_id.is_empty() {
            return Err(FileError::Backend(format!(
                "CreateMultipartUpload {object}: the server sent no upload id"
            )));
        }
        let mut guard = AbortGuard {
            client: self.client.clone(),
            bucket: self.bucket.clone(),
            object: object.to_string(),
            upload_id: Some(upload_id.clone()),
        };
        let result = self
            .upload_parts(object, &upload_id, first, buf, body, tally)
            .await;
        match result {
            Ok(()) => {
                guard.upload_id = None;
                Ok(())
            }
            Err(e) => {
                self.abort(object, &upload_id).await;
                guard.upload_id = None;
                Err(e)
            }
        }
    }

    async fn upload_parts(
        &self,
        object: &str,
        upload_id: &str,
        first: Bytes,
        buf: &mut BytesMut,
        body: &mut ByteStream,
        tally: &mut Tally,
    ) -> Result<(), FileError> {
        let mut parts = Vec::new();
        let mut next = Some(first);
        let mut ended = false;
        while let Some(part) = next.take() {
            let number = parts.len() as i32 + 1;
            if number > MAX_PARTS {
                return Err(FileError::Backend(format!(
                    "{object}: more than {MAX_PARTS} parts; raise files.s3.part_size"
                )));
            }
            let sent = self
                .client
                .upload_part()
                .bucket(&self.bucket)
                .key(object)
                .upload_id(upload_id)
                .part_number(number)
                .content_length(part.len() as i64)
                .body(S3Body::from(part))
                .send()
                .await
                .map_err(|e| backend("UploadPart", object, e))?;
            parts.push(
                CompletedPart::builder()
                    .part_number(number)
                    .set_e_tag(sent.e_tag().map(str::to_string))
                    .build(),
            );
            // The next part: a full one while more may follow, else the rest.
            while !ended && buf.len() <= self.part_size {
                match body.next().await {
                    Some(chunk) => {
                        let chunk = chunk.map_err(|e| FileError::Incomplete(e.to_string()))?;
                        tally.feed(&chunk)?;
                        buf.extend_from_slice(&chunk);
                    }
                    None => ended = true,
                }
            }
            if buf.len() > self.part_size {
                next = Some(buf.split_to(self.part_size).freeze());
            } else if !buf.is_empty() {
                next = Some(buf.split().freeze());
            }
        }
        self.client
            .complete_multipart_upload()
            .bucket(&self.bucket)
            .key(object)
            .upload_id(upload_id)
            .multipart_upload(
                CompletedMultipartUpload::builder()
                    .set_parts(Some(parts))
                    .build(),
            )
            .send()
            .await
            .map_err(|e| backend("CompleteMultipartUpload", object, e))?;
        Ok(())
    }

    async fn abort(&self, object: &str, upload_id: &str) {
        abort_upload(&self.client, &self.bucket, object, upload_id).await
    }

    async fn head_object(&self, object: &str) -> Result<FileMeta, FileError> {
        match self
            .client
            .head_object()
            .bucket(&self.bucket)
            .key(object)
            .send()
            .await
        {
            Ok(out) => Ok(FileMeta {
                size: out.content_length().unwrap_or(0).max(0) as u64,
                modified: out.last_modified().and_then(to_system_time),
            }),
            Err(SdkError::ServiceError(e)) if matches!(e.err(), HeadObjectError::NotFound(_)) => {
                Err(FileError::NotFound)
            }
            Err(e) if status_of(&e) == Some(404) => Err(FileError::NotFound),
            Err(e) => Err(backend("HeadObject", object, e)),
        }
    }
}

async fn abort_upload(client: &Client, bucket: &str, object: &str, upload_id: &str) {
    if let Err(e) = client
        .abort_multipart_upload()
        .bucket(bucket)
        .key(object)
        .upload_id(upload_id)
        .send()
        .await
    {
        // The bucket's lifecycle rule for incomplete multipart uploads is the fallback.
        tracing::warn!(bucket, object, error = %error_chain(&e), "cannot abort a multipart upload");
    }
}

/// Aborts the multipart upload when the upload's future is dropped midway (the
/// request was cancelled), where no `.await` is possible.
struct AbortGuard {
    client: Client,
    bucket: String,
    object: String,
    upload_id: Option<String>,
}

impl Drop for AbortGuard {
    fn drop(&mut self) {
        let Some(upload_id) = self.upload_id.take() else {
            return;
        };
        if let Ok(rt) = tokio::runtime::Handle::try_current() {
            let (client, bucket, object) = (
                self.client.clone(),
                std::mem::take(&mut self.bucket),
                std::mem::take(&mut self.object),
            );
            rt.spawn(async move { abort_upload(&client, &bucket, &object, &upload_id).await });
        }
    }
}

fn to_system_time(t: &aws_sdk_s3::primitives::DateTime) -> Option<SystemTime> {
    SystemTime::try_from(*t).ok()
}

fn status_of<E>(e: &SdkError<E, HttpResponse>) -> Option<u16> {
    e.raw_response().map(|r| r.status().as_u16())
}

/// An error and its sources, by their `Display` only (their `Debug` is noisy).
fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.ends_with(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}

/// A readable message: the operation, the object, the server's error code and
/// message or the transport failure. Requests are signed, so no secret is in it.
fn backend<E>(op: &str, object: &str, e: SdkError<E, HttpResponse>) -> FileError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let detail = match &e {
        SdkError::ServiceError(se) => {
            let status = se.raw().status().as_u16();
            match (se.err().code(), se.err().message()) {
                (Some(code), Some(msg)) => format!("HTTP {status} {code}: {msg}"),
                (Some(code), None) => format!("HTTP {status} {code}"),
                _ => format!("HTTP {status}"),
            }
        }
        other => error_chain(other),
    };
    FileError::Backend(format!("S3 {op} {object}: {detail}"))
}

#[async_trait::async_trait]
impl FileStore for S3FileStore {
    async fn put(
        &self,
        key: &FileKey,
        mut body: ByteStream,
        limit: u64,
    ) -> Result<Stored, FileError> {
        let object = self.object_key(key);
        let mut tally = Tally::new(limit);
        let mut buf = BytesMut::with_capacity(self.part_size.min(limit as usize) + 1);
        // Fill one part; a body that ends before it is more than a part is one PutObject.
        while buf.len() <= self.part_size {
            match body.next().await {
                Some(chunk) => {
                    let chunk = chunk.map_err(|e| FileError::Incomplete(e.to_string()))?;
                    tally.feed(&chunk)?;
                    buf.extend_from_slice(&chunk);
                }
                None => {
                    self.put_single(&object, buf.freeze()).await?;
                    return Ok(tally.finish(key));
                }
            }
        }
        let first = buf.split_to(self.part_size).freeze();
        self.put_multipart(&object, first, &mut buf, &mut body, &mut tally)
            .await?;
        Ok(tally.finish(key))
    }

    async fn get(&self, key: &FileKey, range: Option<ByteRange>) -> Result<Fetched, FileError> {
        let object = self.object_key(key);
        let mut request = self.client.get_object().bucket(&self.bucket).key(&object);
        // Keys are never overwritten (each upload has a new one), so a HEAD then a GET
        // of the exact range sees one object.
        let (meta, resolved) = match range {
            Some(r) => {
                let meta = self.head_object(&object).await?;
                let (first, last) = r.resolve(meta.size)?;
                request = request.range(format!("bytes={first}-{last}"));
                (Some(meta), Some((first, last)))
            }
            None => (None, None),
        };
        let out = match request.send().await {
            Ok(out) => out,
            Err(SdkError::ServiceError(e)) if matches!(e.err(), GetObjectError::NoSuchKey(_)) => {
                return Err(FileError::NotFound)
            }
            Err(e) if status_of(&e) == Some(404) => return Err(FileError::NotFound),
            Err(e) if status_of(&e) == Some(416) => {
                let size = match &meta {
                    Some(m) => m.size,
                    None => self.head_object(&object).await?.size,
                };
                return Err(FileError::RangeNotSatisfiable { size });
            }
            Err(e) => return Err(backend("GetObject", &object, e)),
        };
        let meta = match meta {
            Some(m) => m,
            None => FileMeta {
                size: out.content_length().unwrap_or(0).max(0) as u64,
                modified: out.last_modified().and_then(to_system_time),
            },
        };
        let reader = out.body.into_async_read();
        let body: ByteStream = Box::pin(ReaderStream::with_capacity(reader, CHUNK));
        Ok(Fetched {
            meta,
            range: resolved,
            body,
        })
    }

    async fn head(&self, key: &FileKey) -> Result<FileMeta, FileError> {
        self.head_object(&self.object_key(key)).await
    }

    async fn delete(&self, key: &FileKey) -> Result<(), FileError> {
        let object = self.object_key(key);
        match self
            .client
            .delete_object()
            .bucket(&self.bucket)
            .key(&object)
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if status_of(&e) == Some(404) && e.code() == Some("NoSuchKey") => Ok(()),
            Err(e) => Err(backend("DeleteObject", &object, e)),
        }
    }

    fn describe(&self) -> String {
        format!("s3://{}/{}", self.bucket, self.prefix)
    }
}
