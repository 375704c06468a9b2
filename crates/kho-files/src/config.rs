//! `[files]` configuration and [`open`].

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::{FileError, FileStore, LocalFileStore, S3FileStore};

/// Which backend holds the files.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    /// A directory of the local filesystem (the default).
    #[default]
    Local,
    /// An S3 bucket, on AWS or an S3-compatible server.
    S3,
}

/// The `[files]` section of kho's configuration.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct FilesConfig {
    pub backend: Backend,
    /// The local directory; default `files` under the data directory.
    pub dir: Option<PathBuf>,
    pub s3: S3Config,
}

/// `[files.s3]`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct S3Config {
    pub bucket: String,
    /// Put every key under this prefix (`kho/` → `kho/resources/…`); empty for none.
    pub prefix: String,
    pub region: String,
    /// An S3-compatible server's URL (`http://minio:9000`); unset for AWS.
    pub endpoint: Option<String>,
    /// Address buckets as `endpoint/bucket/key` rather than `bucket.endpoint/key`, as
    /// most S3-compatible servers want.
    pub path_style: bool,
    /// Static credentials; when unset, the standard AWS credential chain.
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<Secret>,
    /// Bytes per multipart part, also the most an upload holds in memory; at least
    /// 5 MiB. Bodies up to this size are one PutObject.
    pub part_size: u64,
}

impl Default for S3Config {
    fn default() -> Self {
        S3Config {
            bucket: String::new(),
            prefix: String::new(),
            region: "us-east-1".into(),
            endpoint: None,
            path_style: false,
            access_key_id: None,
            secret_access_key: None,
            part_size: 8 * 1024 * 1024,
        }
    }
}

/// A secret from the configuration: its `Debug` prints `***`, so logging a config
/// does not leak it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Secret {
        Secret(s.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

/// The store `cfg` describes; `data_dir` is where the local default (`files`) goes.
pub async fn open(cfg: &FilesConfig, data_dir: &Path) -> Result<Arc<dyn FileStore>, FileError> {
    Ok(match cfg.backend {
        Backend::Local => {
            let root = cfg.dir.clone().unwrap_or_else(|| data_dir.join("files"));
            // Creating a directory and scanning `.tmp` is blocking work.
            let store = tokio::task::spawn_blocking(move || LocalFileStore::new(root))
                .await
                .map_err(|e| FileError::Backend(format!("opening the file directory: {e}")))??;
            Arc::new(store)
        }
        Backend::S3 => Arc::new(S3FileStore::new(&cfg.s3).await?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_do_not_show_in_debug() {
        let cfg = S3Config {
            access_key_id: Some("AKIDEXAMPLE".into()),
            secret_access_key: Some(Secret::new("wJalrXUtnFEMI")),
            ..S3Config::default()
        };
        let shown = format!("{cfg:?}");
        assert!(shown.contains("secret_access_key: Some(***)"), "{shown}");
        assert!(!shown.contains("wJalrXUtnFEMI"), "{shown}");
    }

    #[test]
    fn defaults_and_partial_sections() {
        let cfg: FilesConfig = serde_json::from_str(r#"{"s3": {"bucket": "b"}}"#).unwrap();
        assert_eq!(cfg.backend, Backend::Local);
        assert_eq!(cfg.dir, None);
        assert_eq!(cfg.s3.bucket, "b");
        assert_eq!(cfg.s3.region, "us-east-1");
        assert_eq!(cfg.s3.part_size, 8 * 1024 * 1024);
        let cfg: FilesConfig = serde_json::from_str(
            r#"{"backend": "s3", "s3": {"bucket": "b", "secret_access_key": "x", "path_style": true}}"#,
        )
        .unwrap();
        assert_eq!(cfg.backend, Backend::S3);
        assert_eq!(cfg.s3.secret_access_key, Some(Secret::new("x")));
        assert!(cfg.s3.path_style);
        assert!(serde_json::from_str::<FilesConfig>(r#"{"backend": "ftp"}"#).is_err());
        assert_eq!(
            serde_json::to_value(FilesConfig::default()).unwrap()["backend"],
            "local"
        );
    }

    #[tokio::test]
    async fn open_local_defaults_to_files_under_the_data_dir() {
        let dir = tempfile::tempdir().unwrap();
        let store = open(&FilesConfig::default(), dir.path()).await.unwrap();
        assert_eq!(
            store.describe(),
            format!("local:{}", dir.path().join("files").display())
        );
        assert!(std::fs::metadata(dir.path().join("files").join(".tmp"))
            .unwrap()
            .is_dir());
    }

    #[tokio::test]
    async fn open_s3_checks_the_config() {
        let dir = tempfile::tempdir().unwrap();
        let mut cfg = FilesConfig {
            backend: Backend::S3,
            ..FilesConfig::default()
        };
        let err = open(&cfg, dir.path()).await.err().unwrap();
        assert_eq!(
            err.to_string(),
            "file storage failed: files.s3.bucket is not set"
        );
        cfg.s3.bucket = "b".into();
        cfg.s3.part_size = 1024;
        let err = open(&cfg, dir.path()).await.err().unwrap();
        assert!(err.to_string().contains("part_size"), "{err}");
        cfg.s3.part_size = 5 * 1024 * 1024;
        cfg.s3.access_key_id = Some("id".into());
        let err = open(&cfg, dir.path()).await.err().unwrap();
        assert!(err.to_string().contains("both"), "{err}");
        cfg.s3.secret_access_key = Some(Secret::new("s"));
        cfg.s3.prefix = "/kho/".into();
        let store = open(&cfg, dir.path()).await.unwrap();
        assert_eq!(store.describe(), "s3://b/kho/");
    }
}
