//! Object bytes on disk under the kit's files directory (`storage/`): one file per object
//! generation, named by a random hex ID under `objects/`, written once and never changed
//! (copies are hard links); uploads in progress under `uploads/`, appended to as chunks arrive.
//! Object names never name files, so no name can reach outside the directory.
//!
//! Must not: read a whole object into memory, or build a path from anything a client sent.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use base64::Engine;
use md5::Digest;

/// CRC32C (Castagnoli), as Cloud Storage reports it.
pub const CRC32C: crc::Crc<u32> = crc::Crc::<u32>::new(&crc::CRC_32_ISCSI);

/// A body's length and digests, as Cloud Storage reports them (base64 of the big-endian bytes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Digests {
    pub size: u64,
    pub md5: String,
    pub crc32c: String,
}

/// Digests a body as it is written.
pub struct Digester {
    md5: md5::Md5,
    crc: crc::Digest<'static, u32>,
    size: u64,
}

impl Default for Digester {
    fn default() -> Self {
        Self {
            md5: md5::Md5::new(),
            crc: CRC32C.digest(),
            size: 0,
        }
    }
}

impl Digester {
    pub fn update(&mut self, bytes: &[u8]) {
        self.md5.update(bytes);
        self.crc.update(bytes);
        self.size += bytes.len() as u64;
    }

    /// The bytes digested so far.
    pub fn len(&self) -> u64 {
        self.size
    }

    pub fn is_empty(&self) -> bool {
        self.size == 0
    }

    pub fn finish(self) -> Digests {
        let b64 = base64::engine::general_purpose::STANDARD;
        Digests {
            size: self.size,
            md5: b64.encode(self.md5.finalize()),
            crc32c: b64.encode(self.crc.finalize().to_be_bytes()),
        }
    }
}

/// An object file being written from a stream: bytes go to disk through a buffer and into the
/// digests as they arrive, so no body is ever whole in memory.
pub struct ObjectWriter {
    id: String,
    file: tokio::io::BufWriter<tokio::fs::File>,
    digester: Digester,
}

impl ObjectWriter {
    /// The object file's ID (for [`ObjectFiles::remove_object`] when the write is abandoned).
    pub fn id(&self) -> &str {
        &self.id
    }

    pub async fn write(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        use tokio::io::AsyncWriteExt;
        self.digester.update(bytes);
        self.file.write_all(bytes).await
    }

    pub fn written(&self) -> u64 {
        self.digester.size
    }

    /// Flushes the file and gives back its ID and digests.
    pub async fn finish(mut self) -> std::io::Result<(String, Digests)> {
        use tokio::io::AsyncWriteExt;
        self.file.flush().await?;
        Ok((self.id, self.digester.finish()))
    }
}

/// The files of one simulator's Cloud Storage.
#[derive(Debug, Clone)]
pub struct ObjectFiles {
    objects: PathBuf,
    uploads: PathBuf,
}

fn checked(id: &str) -> &str {
    debug_assert!(id.bytes().all(|b| b.is_ascii_alphanumeric()));
    id
}

impl ObjectFiles {
    pub fn new(root: &Path) -> Self {
        Self {
            objects: root.join("objects"),
            uploads: root.join("uploads"),
        }
    }

    pub fn object_path(&self, id: &str) -> PathBuf {
        self.objects.join(checked(id))
    }

    pub fn upload_path(&self, id: &str) -> PathBuf {
        self.uploads.join(checked(id))
    }

    /// Starts an empty upload file.
    pub fn create_upload(&self, id: &str) -> std::io::Result<()> {
        std::fs::create_dir_all(&self.uploads)?;
        std::fs::File::create(self.upload_path(id)).map(drop)
    }

    /// Opens an upload file for appending.
    pub async fn append_upload(&self, id: &str) -> std::io::Result<tokio::fs::File> {
        tokio::fs::OpenOptions::new()
            .append(true)
            .open(self.upload_path(id))
            .await
    }

    /// The upload's length so far.
    pub fn upload_len(&self, id: &str) -> std::io::Result<u64> {
        Ok(std::fs::metadata(self.upload_path(id))?.len())
    }

    /// Cuts an upload back to `len` bytes (a chunk that failed half-way is not kept).
    pub fn truncate_upload(&self, id: &str, len: u64) -> std::io::Result<()> {
        std::fs::OpenOptions::new()
            .write(true)
            .open(self.upload_path(id))?
            .set_len(len)
    }

    /// Moves a finished upload in as object file `id`, with its digests: those taken while its
    /// chunks arrived, or (after a restart, or a chunk cut back) read once from the file.
    pub fn adopt_upload(
        &self,
        upload: &str,
        id: &str,
        known: Option<Digests>,
    ) -> std::io::Result<Digests> {
        std::fs::create_dir_all(&self.objects)?;
        let digests = match known {
            Some(digests) if digests.size == self.upload_len(upload)? => digests,
            _ => self.digest(&self.upload_path(upload))?,
        };
        std::fs::rename(self.upload_path(upload), self.object_path(id))?;
        Ok(digests)
    }

    fn digest(&self, path: &Path) -> std::io::Result<Digests> {
        let mut file = std::fs::File::open(path)?;
        let mut digester = Digester::default();
        let mut buffer = vec![0u8; 256 * 1024];
        loop {
            let read = file.read(&mut buffer)?;
            if read == 0 {
                return Ok(digester.finish());
            }
            digester.update(&buffer[..read]);
        }
    }

    /// Starts writing object file `id` from a stream.
    pub async fn writer(&self, id: &str) -> std::io::Result<ObjectWriter> {
        tokio::fs::create_dir_all(&self.objects).await?;
        let file = tokio::fs::File::create(self.object_path(id)).await?;
        Ok(ObjectWriter {
            id: id.to_string(),
            file: tokio::io::BufWriter::with_capacity(256 * 1024, file),
            digester: Digester::default(),
        })
    }

    /// Makes `to` a second name of `from` (object files never change), or a copy.
    pub fn link(&self, from: &str, to: &str) -> std::io::Result<()> {
        std::fs::create_dir_all(&self.objects)?;
        if std::fs::hard_link(self.object_path(from), self.object_path(to)).is_err() {
            std::fs::copy(self.object_path(from), self.object_path(to))?;
        }
        Ok(())
    }

    /// Writes the sources, in order, into `id`; returns its digests. Streams through a buffer.
    pub fn concatenate(&self, sources: &[String], id: &str) -> std::io::Result<Digests> {
        std::fs::create_dir_all(&self.objects)?;
        let mut out = std::io::BufWriter::new(std::fs::File::create(self.object_path(id))?);
        let mut digester = Digester::default();
        let mut buffer = vec![0u8; 256 * 1024];
        for source in sources {
            let mut file = std::fs::File::open(self.object_path(source))?;
            loop {
                let read = file.read(&mut buffer)?;
                if read == 0 {
                    break;
                }
                digester.update(&buffer[..read]);
                out.write_all(&buffer[..read])?;
            }
        }
        out.flush()?;
        Ok(digester.finish())
    }

    /// Removes a file; one already gone is fine.
    pub fn remove_object(&self, id: &str) {
        remove(&self.object_path(id));
    }

    pub fn remove_upload(&self, id: &str) {
        remove(&self.upload_path(id));
    }
}

fn remove(path: &Path) {
    if let Err(error) = std::fs::remove_file(path)
        && error.kind() != std::io::ErrorKind::NotFound
    {
        tracing::warn!(%error, path = %path.display(), "removing an object file failed");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_are_what_cloud_storage_reports() {
        let mut digester = Digester::default();
        digester.update(b"hello world");
        let digests = digester.finish();
        // gsutil hash of "hello world".
        assert_eq!(digests.md5, "XrY7u+Ae7tCTyyK7j1rNww==");
        assert_eq!(digests.crc32c, "yZRlqg==");
        assert_eq!(digests.size, 11);
    }
}
