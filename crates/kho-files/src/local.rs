//! Files in a local directory: `root/<key>`, written through `root/.tmp/` and renamed
//! into place, so a file appears whole or not at all.

use std::io::{ErrorKind, SeekFrom};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use futures_util::StreamExt;
use tokio::io::{AsyncSeekExt, AsyncWriteExt};

use crate::tally::Tally;
use crate::{ByteRange, ByteStream, Fetched, FileError, FileKey, FileMeta, FileStore, Stored};

/// Temporary files live here, under the root, so the final rename stays on one
/// filesystem (atomic). Keys cannot name it: they have no dots.
const TMP_DIR: &str = ".tmp";
/// A temporary file this old is left from a crash mid-upload.
const STALE_TMP: Duration = Duration::from_secs(3600);
const CHUNK: usize = 64 * 1024;
/// Bytes read per step of a download: each read is a hand-off to a blocking thread, so
/// large ones keep a download near the speed of reading the file (BENCHMARKS.md), and a
/// download holds about one of them in memory.
const READ_CHUNK: usize = 1024 * 1024;

/// Uploaded files in a directory of the local filesystem.
#[derive(Debug)]
pub struct LocalFileStore {
    root: PathBuf,
}

impl LocalFileStore {
    /// Use (and create) the directory `root`; remove temporary files that crashed
    /// uploads left behind more than an hour ago.
    pub fn new(root: PathBuf) -> Result<Self, FileError> {
        let tmp = root.join(TMP_DIR);
        std::fs::create_dir_all(&tmp).map_err(|e| io_error("create", &tmp, e))?;
        let store = LocalFileStore { root };
        store.remove_stale_tmp(STALE_TMP);
        Ok(store)
    }

    /// The directory the files are in.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn path_of(&self, key: &FileKey) -> PathBuf {
        // Segments are checked by FileKey (no empty, `.`, `..` or other characters).
        let mut path = self.root.clone();
        path.extend(key.as_str().split('/'));
        path
    }

    fn remove_stale_tmp(&self, older_than: Duration) {
        let tmp = self.root.join(TMP_DIR);
        let Ok(entries) = std::fs::read_dir(&tmp) else {
            return;
        };
        let now = SystemTime::now();
        for entry in entries.flatten() {
            let old = entry
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| now.duration_since(t).ok())
                .is_some_and(|age| age > older_than);
            if old {
                if let Err(e) = std::fs::remove_file(entry.path()) {
                    tracing::warn!(path = %entry.path().display(), error = %e, "cannot remove a stale temporary upload");
                }
            }
        }
    }

    async fn write_tmp(
        &self,
        tmp: &Path,
        body: &mut ByteStream,
        limit: u64,
    ) -> Result<Tally, FileError> {
        let file = tokio::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(tmp)
            .await
            .map_err(|e| io_error("create", tmp, e))?;
        let mut out = tokio::io::BufWriter::with_capacity(CHUNK, file);
        let mut tally = Tally::new(limit);
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(|e| FileError::Incomplete(e.to_string()))?;
            tally.feed(&chunk)?;
            out.write_all(&chunk)
                .await
                .map_err(|e| io_error("write", tmp, e))?;
        }
        out.flush().await.map_err(|e| io_error("write", tmp, e))?;
        out.into_inner()
            .sync_all()
            .await
            .map_err(|e| io_error("sync", tmp, e))?;
        Ok(tally)
    }
}

/// Removes the temporary file unless disarmed, also when the upload's future is
/// dropped midway (the request was cancelled).
struct TmpGuard(Option<PathBuf>);

impl Drop for TmpGuard {
    fn drop(&mut self) {
        if let Some(path) = self.0.take() {
            if let Err(e) = std::fs::remove_file(&path) {
                if e.kind() != ErrorKind::NotFound {
                    tracing::warn!(path = %path.display(), error = %e, "cannot remove a temporary upload");
                }
            }
        }
    }
}

fn io_error(what: &str, path: &Path, e: std::io::Error) -> FileError {
    FileError::Backend(format!("{what} {}: {e}", path.display()))
}

fn not_found_or(what: &str, path: &Path, e: std::io::Error) -> FileError {
    if e.kind() == ErrorKind::NotFound {
        FileError::NotFound
    } else {
        io_error(what, path, e)
    }
}

fn meta_of(m: &std::fs::Metadata) -> FileMeta {
    FileMeta {
        size: m.len(),
        modified: m.modified().ok(),
    }
}

#[async_trait::async_trait]
impl FileStore for LocalFileStore {
    async fn put(
        &self,
        key: &FileKey,
        mut body: ByteStream,
        limit: u64,
    ) -> Result<Stored, FileError> {
        let dest = self.path_of(key);
        let tmp = self
            .root
            .join(TMP_DIR)
            .join(format!("{}.part", uuid::Uuid::new_v4().simple()));
        let mut guard = TmpGuard(Some(tmp.clone()));
        let tally = self.write_tmp(&tmp, &mut body, limit).await?;
        let parent = dest
            .parent()
            .ok_or_else(|| FileError::InvalidKey(key.to_string()))?;
        tokio::fs::create_dir_all(parent)
            .await
            .map_err(|e| io_error("create", parent, e))?;
        tokio::fs::rename(&tmp, &dest)
            .await
            .map_err(|e| io_error("rename into", &dest, e))?;
        guard.0 = None;
        // Make the rename itself durable.
        if let Ok(dir) = tokio::fs::File::open(parent).await {
            if let Err(e) = dir.sync_all().await {
                tracing::warn!(path = %parent.display(), error = %e, "cannot sync a directory");
            }
        }
        Ok(tally.finish(key))
    }

    async fn get(&self, key: &FileKey, range: Option<ByteRange>) -> Result<Fetched, FileError> {
        let path = self.path_of(key);
        let mut file = tokio::fs::File::open(&path)
            .await
            .map_err(|e| not_found_or("open", &path, e))?;
        let m = file
            .metadata()
            .await
            .map_err(|e| io_error("stat", &path, e))?;
        if !m.is_file() {
            return Err(FileError::NotFound);
        }
        let meta = meta_of(&m);
        let (resolved, start, len) = match range {
            None => (None, 0, meta.size),
            Some(r) => {
                let (first, last) = r.resolve(meta.size)?;
                (Some((first, last)), first, last - first + 1)
            }
        };
        if start > 0 {
            file.seek(SeekFrom::Start(start))
                .await
                .map_err(|e| io_error("seek", &path, e))?;
        }
        let body = read_in_background(file.into_std().await, len);
        Ok(Fetched {
            meta,
            range: resolved,
            body,
        })
    }

    async fn head(&self, key: &FileKey) -> Result<FileMeta, FileError> {
        let path = self.path_of(key);
        let m = tokio::fs::metadata(&path)
            .await
            .map_err(|e| not_found_or("stat", &path, e))?;
        if !m.is_file() {
            return Err(FileError::NotFound);
        }
        Ok(meta_of(&m))
    }

    async fn delete(&self, key: &FileKey) -> Result<(), FileError> {
        let path = self.path_of(key);
        match tokio::fs::remove_file(&path).await {
            Ok(()) => {}
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(io_error("remove", &path, e)),
        }
        // Tidy now-empty directories up to the root; a non-empty one (or a race with a
        // concurrent put) simply stops the walk.
        let mut dir = path.parent();
        while let Some(d) = dir {
            if d == self.root || !d.starts_with(&self.root) {
                break;
            }
            if tokio::fs::remove_dir(d).await.is_err() {
                break;
            }
            dir = d.parent();
        }
        Ok(())
    }

    fn describe(&self) -> String {
        format!("local:{}", self.root.display())
    }
}

/// Up to `len` bytes of `file` from where it stands, read by one blocking thread a
/// [`READ_CHUNK`] at a time and handed over through a channel of two: a download holds at
/// most three chunks, and the thread stops as soon as the receiver is gone (the client
/// went away).
fn read_in_background(mut file: std::fs::File, len: u64) -> ByteStream {
    use std::io::Read;
    let (send, recv) = tokio::sync::mpsc::channel::<std::io::Result<bytes::Bytes>>(2);
    tokio::task::spawn_blocking(move || {
        let mut left = len;
        while left > 0 {
            let want = usize::try_from(left).map_or(READ_CHUNK, |l| l.min(READ_CHUNK));
            let mut buf = vec![0u8; want];
            let mut filled = 0;
            while filled < want {
                match file.read(&mut buf[filled..]) {
                    Ok(0) => break,
                    Ok(n) => filled += n,
                    Err(e) if e.kind() == ErrorKind::Interrupted => {}
                    Err(e) => {
                        let _ = send.blocking_send(Err(e));
                        return;
                    }
                }
            }
            if filled == 0 {
                // The file is shorter than it was: end the body short (Content-Length
                // tells the client).
                let _ = send.blocking_send(Err(std::io::Error::new(
                    ErrorKind::UnexpectedEof,
                    "the file ended early",
                )));
                return;
            }
            buf.truncate(filled);
            left -= filled as u64;
            if send.blocking_send(Ok(bytes::Bytes::from(buf))).is_err() {
                return;
            }
        }
    });
    Box::pin(futures_util::stream::unfold(recv, |mut recv| async move {
        recv.recv().await.map(|item| (item, recv))
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stale_temp_files_are_removed_fresh_ones_kept() {
        let dir = tempfile::tempdir().unwrap();
        LocalFileStore::new(dir.path().to_path_buf()).unwrap();
        let tmp = dir.path().join(TMP_DIR);
        std::fs::write(tmp.join("new.part"), b"y").unwrap();
        let old = std::fs::File::create(tmp.join("old.part")).unwrap();
        old.set_modified(SystemTime::now() - Duration::from_secs(2 * 3600))
            .unwrap();
        drop(old);
        LocalFileStore::new(dir.path().to_path_buf()).unwrap();
        let left: Vec<_> = std::fs::read_dir(&tmp)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(left, vec!["new.part".to_string()]);
    }

    #[test]
    fn paths_stay_under_the_root() {
        let store = LocalFileStore {
            root: PathBuf::from("/srv/files"),
        };
        let key = FileKey::parse("resources/abc/abc-1/f00").unwrap();
        assert_eq!(
            store.path_of(&key),
            PathBuf::from("/srv/files/resources/abc/abc-1/f00")
        );
    }
}
