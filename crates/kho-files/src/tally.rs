//! What both backends compute while a body streams in: size (against the limit),
//! SHA-256 and the first [`HEAD_BYTES`] bytes.

use sha2::{Digest, Sha256};

use crate::{FileError, FileKey, Stored, HEAD_BYTES};

pub(crate) struct Tally {
    hasher: Sha256,
    head: Vec<u8>,
    size: u64,
    limit: u64,
}

impl Tally {
    pub(crate) fn new(limit: u64) -> Tally {
        Tally {
            hasher: Sha256::new(),
            head: Vec::new(),
            size: 0,
            limit,
        }
    }

    /// Count `chunk`; `TooLarge` as soon as the running size passes the limit, so a
    /// body far over the limit is not read to its end.
    pub(crate) fn feed(&mut self, chunk: &[u8]) -> Result<(), FileError> {
        self.size = self.size.saturating_add(chunk.len() as u64);
        if self.size > self.limit {
            return Err(FileError::TooLarge { limit: self.limit });
        }
        self.hasher.update(chunk);
        if self.head.len() < HEAD_BYTES {
            let take = (HEAD_BYTES - self.head.len()).min(chunk.len());
            self.head.extend_from_slice(&chunk[..take]);
        }
        Ok(())
    }

    pub(crate) fn finish(self, key: &FileKey) -> Stored {
        Stored {
            key: key.clone(),
            size: self.size,
            sha256: hex::encode(self.hasher.finalize()),
            head: self.head,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limit_is_inclusive_and_head_is_capped() {
        let key = FileKey::parse("a/b").unwrap();
        let mut t = Tally::new(10_000);
        t.feed(&[7u8; 5000]).unwrap();
        t.feed(&[8u8; 5000]).unwrap();
        assert!(matches!(
            t.feed(&[1]),
            Err(FileError::TooLarge { limit: 10_000 })
        ));
        let mut t = Tally::new(3);
        t.feed(b"abc").unwrap();
        let s = t.finish(&key);
        assert_eq!(s.size, 3);
        assert_eq!(s.head, b"abc");
        assert_eq!(
            s.sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let mut t = Tally::new(u64::MAX);
        t.feed(&vec![1u8; HEAD_BYTES + 10]).unwrap();
        assert_eq!(t.finish(&key).head.len(), HEAD_BYTES);
    }
}
