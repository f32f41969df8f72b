//! Content-addressed blob files: `<root>/blobs/sha256/ab/abcd…`, plus the files of uploads in
//! progress, `<root>/uploads/<id>`. A blob is written to a temporary file while its digest is
//! computed from the bytes streaming through, then renamed into place only if the digest is the
//! one expected, so a blob file always holds what its name says. Bodies stream in and out in
//! chunks: a layer is never held in memory whole.
//!
//! Must not: take a path from a client. Files are named by parsed digests (64 hex digits) and
//! upload IDs this module checked, so nothing is written outside the root.

use std::io::SeekFrom;
use std::path::{Path, PathBuf};

use axum::body::Body;
use bytes::Bytes;
use futures_util::StreamExt;
use sha2::Digest as _;
use tokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};

use super::error::{Code, RegistryError};
use super::reference::Digest;

/// The chunk size of downloads and of hashing an upload's file.
const CHUNK: usize = 256 << 10;

/// The blob files of one registry.
#[derive(Debug, Clone)]
pub struct Blobs {
    root: PathBuf,
    /// Names temporary files; unique within the process, and the directory is this registry's.
    next_temp: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl Blobs {
    /// Blobs under `root` (created if missing).
    pub fn new(root: &Path) -> std::io::Result<Self> {
        for dir in ["blobs/sha256", "uploads", "tmp"] {
            std::fs::create_dir_all(root.join(dir))?;
        }
        Ok(Self {
            root: root.to_path_buf(),
            next_temp: std::sync::Arc::default(),
        })
    }

    pub fn path(&self, digest: &Digest) -> PathBuf {
        let hex = digest.hex();
        self.root.join("blobs/sha256").join(&hex[..2]).join(hex)
    }

    /// The file of upload `id`; IDs are made by the registry (UUIDs), so anything else is
    /// refused before it can name a path.
    pub fn upload_path(&self, id: &str) -> Option<PathBuf> {
        let ok = !id.is_empty()
            && id.len() <= 64
            && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
        ok.then(|| self.root.join("uploads").join(id))
    }

    /// The size of the stored blob, if there is one.
    pub fn size(&self, digest: &Digest) -> Option<u64> {
        std::fs::metadata(self.path(digest)).ok().map(|m| m.len())
    }

    /// Stores `bytes` (a manifest pushed through an API, a small config) as a blob.
    pub async fn put_bytes(&self, bytes: &[u8]) -> Result<Digest, RegistryError> {
        let digest = Digest::of(bytes);
        if self.size(&digest).is_none() {
            let temp = self.temp_path();
            tokio::fs::write(&temp, bytes).await?;
            self.place(&temp, &digest).await?;
        }
        Ok(digest)
    }

    /// Streams `body` into a new blob and checks it is `expected`; returns its size.
    pub async fn put_stream(&self, body: Body, expected: &Digest) -> Result<u64, RegistryError> {
        let temp = self.temp_path();
        let outcome = async {
            let mut file = tokio::fs::File::create(&temp).await?;
            let (size, hasher) = copy_hashing(body, &mut file).await?;
            file.flush().await?;
            drop(file);
            if Digest::from_hasher(hasher) != *expected {
                return Err(RegistryError::new(Code::DigestInvalid)
                    .detail(serde_json::json!({"digest": expected.as_str()})));
            }
            self.place(&temp, expected).await?;
            Ok(size)
        }
        .await;
        if outcome.is_err() {
            let _ = tokio::fs::remove_file(&temp).await;
        }
        outcome
    }

    /// Appends `body` to the upload's file; returns the bytes appended.
    pub async fn append(&self, upload: &Path, body: Body) -> Result<u64, RegistryError> {
        let mut file = tokio::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(upload)
            .await?;
        let (size, _) = copy_hashing(body, &mut file).await?;
        file.flush().await?;
        Ok(size)
    }

    /// Appends `bytes` to the upload's file.
    pub async fn append_bytes(&self, upload: &Path, bytes: &[u8]) -> Result<(), RegistryError> {
        let mut file = tokio::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(upload)
            .await?;
        file.write_all(bytes).await?;
        file.flush().await?;
        Ok(())
    }

    /// Makes the upload's file the blob `expected` if its content hashes to it; returns the
    /// blob's size. The upload's file is gone afterwards either way but on a digest mismatch,
    /// where it stays so the client may retry.
    pub async fn complete(&self, upload: &Path, expected: &Digest) -> Result<u64, RegistryError> {
        let mut file = match tokio::fs::File::open(upload).await {
            Ok(file) => file,
            // A finished upload with no byte written: an empty file.
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                tokio::fs::write(upload, b"").await?;
                tokio::fs::File::open(upload).await?
            }
            Err(error) => return Err(error.into()),
        };
        let mut hasher = sha2::Sha256::new();
        let mut buffer = vec![0u8; CHUNK];
        let mut size = 0u64;
        loop {
            let read = file.read(&mut buffer).await?;
            if read == 0 {
                break;
            }
            hasher.update(&buffer[..read]);
            size += read as u64;
        }
        if Digest::from_hasher(hasher) != *expected {
            return Err(RegistryError::new(Code::DigestInvalid)
                .detail(serde_json::json!({"digest": expected.as_str()})));
        }
        self.place(upload, expected).await?;
        Ok(size)
    }

    /// Streams the blob, or `range` (inclusive bounds) of it.
    pub async fn open(
        &self,
        digest: &Digest,
        range: Option<(u64, u64)>,
    ) -> Result<Body, RegistryError> {
        let mut file = tokio::fs::File::open(self.path(digest))
            .await
            .map_err(|_| RegistryError::new(Code::BlobUnknown))?;
        let length = match range {
            Some((start, end)) => {
                file.seek(SeekFrom::Start(start)).await?;
                end - start + 1
            }
            None => file.metadata().await?.len(),
        };
        let reader = file.take(length);
        let stream = futures_util::stream::unfold(reader, |mut reader| async move {
            let mut buffer = vec![0u8; CHUNK];
            match reader.read(&mut buffer).await {
                Ok(0) => None,
                Ok(read) => {
                    buffer.truncate(read);
                    Some((Ok::<_, std::io::Error>(Bytes::from(buffer)), reader))
                }
                Err(error) => Some((Err(error), reader)),
            }
        });
        Ok(Body::from_stream(stream))
    }

    /// Removes every blob and upload file (a reset of the registry's state).
    pub fn clear(&self) {
        for dir in ["blobs", "uploads", "tmp"] {
            let _ = std::fs::remove_dir_all(self.root.join(dir));
        }
        for dir in ["blobs/sha256", "uploads", "tmp"] {
            let _ = std::fs::create_dir_all(self.root.join(dir));
        }
    }

    fn temp_path(&self) -> PathBuf {
        let number = self
            .next_temp
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.root
            .join("tmp")
            .join(format!("{}-{number}", std::process::id()))
    }

    async fn place(&self, from: &Path, digest: &Digest) -> Result<(), RegistryError> {
        let target = self.path(digest);
        if let Some(parent) = target.parent() {
            tokio::fs::create_dir_all(parent).await?;
        }
        tokio::fs::rename(from, &target).await?;
        Ok(())
    }
}

/// Copies `body` into `file`, hashing it on the way; returns the size and the hasher.
async fn copy_hashing(
    body: Body,
    file: &mut tokio::fs::File,
) -> Result<(u64, sha2::Sha256), RegistryError> {
    let mut hasher = sha2::Sha256::new();
    let mut size = 0u64;
    let mut stream = body.into_data_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|error| {
            RegistryError::with_message(
                Code::BlobUploadInvalid,
                format!("reading the body: {error}"),
            )
        })?;
        hasher.update(&chunk);
        file.write_all(&chunk).await?;
        size += chunk.len() as u64;
    }
    Ok((size, hasher))
}

/// A `Range` header no part of the blob satisfies (or that does not parse).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unsatisfiable;

/// Parses a `Range: bytes=START-END` request header against a blob of `size` bytes: the
/// inclusive bounds, or [`Unsatisfiable`].
pub fn parse_range(header: &str, size: u64) -> Result<(u64, u64), Unsatisfiable> {
    let spec = header.trim().strip_prefix("bytes=").ok_or(Unsatisfiable)?;
    let (start, end) = spec.split_once('-').ok_or(Unsatisfiable)?;
    let (start, end) = match (start.trim(), end.trim()) {
        ("", suffix) => {
            let suffix: u64 = suffix.parse().map_err(|_| Unsatisfiable)?;
            if suffix == 0 {
                return Err(Unsatisfiable);
            }
            (
                size.saturating_sub(suffix),
                size.checked_sub(1).ok_or(Unsatisfiable)?,
            )
        }
        (start, "") => (
            start.parse().map_err(|_| Unsatisfiable)?,
            size.checked_sub(1).ok_or(Unsatisfiable)?,
        ),
        (start, end) => {
            let end: u64 = end.parse().map_err(|_| Unsatisfiable)?;
            (
                start.parse().map_err(|_| Unsatisfiable)?,
                end.min(size.saturating_sub(1)),
            )
        }
    };
    if start > end || start >= size {
        return Err(Unsatisfiable);
    }
    Ok((start, end))
}

/// Parses an upload's `Content-Range: START-END` (no unit, as the spec has it; `bytes ` is
/// tolerated): the inclusive bounds.
pub fn parse_content_range(header: &str) -> Option<(u64, u64)> {
    let spec = header.trim();
    let spec = spec.strip_prefix("bytes ").unwrap_or(spec);
    let spec = spec.split('/').next()?;
    let (start, end) = spec.split_once('-')?;
    let (start, end) = (start.trim().parse().ok()?, end.trim().parse().ok()?);
    (start <= end).then_some((start, end))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        type Case = (&'static str, u64, Result<(u64, u64), Unsatisfiable>);
        let cases: [Case; 9] = [
            ("bytes=0-9", 100, Ok((0, 9))),
            ("bytes=90-", 100, Ok((90, 99))),
            ("bytes=-10", 100, Ok((90, 99))),
            ("bytes=50-500", 100, Ok((50, 99))),
            ("bytes=100-", 100, Err(Unsatisfiable)),
            ("bytes=5-4", 100, Err(Unsatisfiable)),
            ("items=0-1", 100, Err(Unsatisfiable)),
            ("bytes=-0", 100, Err(Unsatisfiable)),
            ("bytes=0-0", 0, Err(Unsatisfiable)),
        ];
        for (header, size, expected) in cases {
            assert_eq!(parse_range(header, size), expected, "{header}");
        }
    }

    #[test]
    fn content_ranges() {
        assert_eq!(parse_content_range("0-99"), Some((0, 99)));
        assert_eq!(parse_content_range("bytes 100-199/*"), Some((100, 199)));
        assert_eq!(parse_content_range("9-1"), None);
        assert_eq!(parse_content_range("x"), None);
    }

    #[tokio::test]
    async fn blobs_are_checked_and_placed() {
        let dir = tempfile::tempdir().expect("temp dir");
        let blobs = Blobs::new(dir.path()).expect("blobs");
        let digest = Digest::of(b"hello");
        let wrong = Digest::of(b"other");
        let refused = blobs.put_stream(Body::from("hello"), &wrong).await;
        assert_eq!(refused.map_err(|e| e.code), Err(Code::DigestInvalid));
        assert_eq!(blobs.size(&wrong), None);
        assert_eq!(blobs.put_stream(Body::from("hello"), &digest).await, Ok(5));
        assert_eq!(blobs.size(&digest), Some(5));
        let upload = blobs.upload_path("u-1").expect("upload path");
        blobs
            .append(&upload, Body::from("hel"))
            .await
            .expect("append");
        blobs
            .append(&upload, Body::from("lo"))
            .await
            .expect("append");
        assert_eq!(blobs.complete(&upload, &digest).await, Ok(5));
        assert!(blobs.upload_path("../x").is_none());
        let body = blobs.open(&digest, Some((1, 3))).await.expect("open");
        let bytes = http_body_util::BodyExt::collect(body)
            .await
            .expect("read")
            .to_bytes();
        assert_eq!(&bytes[..], b"ell");
    }
}
