//! Blob bytes on disk, under the storage account's directory in the kit's files directory
//! (`storage/ACCOUNT/blobs/ID` for committed blobs and staged blocks, `storage/ACCOUNT/incoming/ID`
//! while a body arrives). IDs are hex made by the kit's ID generator; account names passed
//! `valid_account_name` (digits and lower-case letters). Blob and container names never name
//! files, so no client input reaches the file system as a path.
//!
//! Bodies move between the network and the disk on one blocking thread per transfer: an upload
//! hands the body's chunks over as they arrive (no copy) and the thread digests and writes each
//! once ([`BlobFiles::write_incoming`]); a download reads the file in large chunks on a thread
//! and hands them to the response ([`BlobFiles::read_chunks`]). The async runtime never waits
//! on the disk, and nothing is copied into an intermediate buffer.
//!
//! Must not: hold a body in memory, or write a file any other module names.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use base64::Engine as _;
use md5::Digest as _;

/// How much a download reads at once: large enough that a multi-megabyte blob is a few reads,
/// small enough that a slow client holds little memory (the channel holds four).
pub const CHUNK_BYTES: usize = 1 << 20;

/// A body's length and MD5 (base64, as Azure reports `Content-MD5`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Digests {
    pub size: u64,
    pub md5: String,
}

/// Digests a body as it is written.
#[derive(Default)]
pub struct Digester {
    md5: md5::Md5,
    size: u64,
}

impl Digester {
    pub fn update(&mut self, bytes: &[u8]) {
        self.md5.update(bytes);
        self.size += bytes.len() as u64;
    }

    pub fn finish(self) -> Digests {
        Digests {
            size: self.size,
            md5: base64::engine::general_purpose::STANDARD.encode(self.md5.finalize()),
        }
    }
}

/// The files of one simulator's blob service.
#[derive(Debug, Clone)]
pub struct BlobFiles {
    root: PathBuf,
}

fn checked(id: &str) -> &str {
    debug_assert!(id.bytes().all(|b| b.is_ascii_alphanumeric()));
    id
}

impl BlobFiles {
    /// `root` is `files_dir()/storage`.
    pub fn new(root: PathBuf) -> Self {
        Self { root }
    }

    fn blobs(&self, account: &str) -> PathBuf {
        self.root.join(checked(account)).join("blobs")
    }

    fn incoming(&self, account: &str) -> PathBuf {
        self.root.join(checked(account)).join("incoming")
    }

    pub fn path(&self, account: &str, id: &str) -> PathBuf {
        self.blobs(account).join(checked(id))
    }

    pub fn incoming_path(&self, account: &str, id: &str) -> PathBuf {
        self.incoming(account).join(checked(id))
    }

    /// Moves a body that arrived whole in as file `id`.
    pub fn adopt(&self, account: &str, incoming: &str, id: &str) -> std::io::Result<()> {
        std::fs::create_dir_all(self.blobs(account))?;
        std::fs::rename(
            self.incoming_path(account, incoming),
            self.path(account, id),
        )
    }

    /// Writes `sources`, in order, into the new file `id`; returns its digests.
    pub fn concatenate(
        &self,
        account: &str,
        sources: &[String],
        id: &str,
    ) -> std::io::Result<Digests> {
        std::fs::create_dir_all(self.blobs(account))?;
        let mut out = std::io::BufWriter::new(std::fs::File::create(self.path(account, id))?);
        let mut digester = Digester::default();
        let mut buffer = vec![0u8; 256 * 1024];
        for source in sources {
            let mut file = std::fs::File::open(self.path(account, source))?;
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

    /// Makes `to` a second name of `from` (blob files never change once written), or a copy.
    pub fn link(
        &self,
        from_account: &str,
        from: &str,
        to_account: &str,
        to: &str,
    ) -> std::io::Result<()> {
        std::fs::create_dir_all(self.blobs(to_account))?;
        let (source, target) = (self.path(from_account, from), self.path(to_account, to));
        if std::fs::hard_link(&source, &target).is_err() {
            std::fs::copy(&source, &target)?;
        }
        Ok(())
    }

    /// The MD5 of `length` bytes at `offset` of file `id` (for `x-ms-range-get-content-md5`).
    pub fn md5_of_range(
        &self,
        account: &str,
        id: &str,
        offset: u64,
        length: u64,
    ) -> std::io::Result<String> {
        use std::io::Seek;
        let mut file = std::fs::File::open(self.path(account, id))?;
        file.seek(std::io::SeekFrom::Start(offset))?;
        let mut limited = file.take(length);
        let mut digester = Digester::default();
        let mut buffer = vec![0u8; 256 * 1024];
        loop {
            let read = limited.read(&mut buffer)?;
            if read == 0 {
                return Ok(digester.finish().md5);
            }
            digester.update(&buffer[..read]);
        }
    }

    /// Writes the chunks `chunks` yields into the new incoming file `id`, digesting them, on a
    /// blocking thread; the digests once the sender is dropped, or the first I/O error. The
    /// sender drops the channel early to abandon the upload (the caller removes the file).
    pub fn write_incoming(
        &self,
        account: &str,
        id: &str,
        mut chunks: tokio::sync::mpsc::Receiver<bytes::Bytes>,
    ) -> tokio::task::JoinHandle<std::io::Result<Digests>> {
        let directory = self.incoming(account);
        let path = self.incoming_path(account, id);
        tokio::task::spawn_blocking(move || {
            std::fs::create_dir_all(&directory)?;
            let mut file = std::fs::File::create(&path)?;
            let mut digester = Digester::default();
            while let Some(chunk) = chunks.blocking_recv() {
                digester.update(&chunk);
                file.write_all(&chunk)?;
            }
            Ok(digester.finish())
        })
    }

    /// `length` bytes at `offset` of file `id`, read on a blocking thread in chunks of
    /// `CHUNK_BYTES` and handed over as they are read; a read error ends the stream with it.
    pub fn read_chunks(
        &self,
        account: &str,
        id: &str,
        offset: u64,
        length: u64,
    ) -> std::io::Result<tokio::sync::mpsc::Receiver<std::io::Result<bytes::Bytes>>> {
        use std::io::Seek;
        let mut file = std::fs::File::open(self.path(account, id))?;
        if offset > 0 {
            file.seek(std::io::SeekFrom::Start(offset))?;
        }
        let (sender, receiver) = tokio::sync::mpsc::channel(4);
        tokio::task::spawn_blocking(move || {
            let mut left = length;
            while left > 0 {
                let want = left.min(CHUNK_BYTES as u64) as usize;
                let mut chunk = vec![0u8; want];
                let outcome = file
                    .read_exact(&mut chunk)
                    .map(|()| bytes::Bytes::from(chunk));
                let failed = outcome.is_err();
                // The client went away: stop reading.
                if sender.blocking_send(outcome).is_err() || failed {
                    return;
                }
                left -= want as u64;
            }
        });
        Ok(receiver)
    }

    pub fn remove(&self, account: &str, id: &str) {
        remove(&self.path(account, id));
    }

    pub fn remove_incoming(&self, account: &str, id: &str) {
        remove(&self.incoming_path(account, id));
    }

    /// Removes every file of `account` (the account is gone).
    pub fn remove_account(&self, account: &str) {
        for dir in [self.blobs(account), self.incoming(account)] {
            if let Err(error) = std::fs::remove_dir_all(&dir)
                && error.kind() != std::io::ErrorKind::NotFound
            {
                tracing::warn!(%error, path = %dir.display(), "removing blob files failed");
            }
        }
    }
}

fn remove(path: &Path) {
    if let Err(error) = std::fs::remove_file(path)
        && error.kind() != std::io::ErrorKind::NotFound
    {
        tracing::warn!(%error, path = %path.display(), "removing a blob file failed");
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn md5_as_azure_reports_it() {
        let mut digester = super::Digester::default();
        digester.update(b"hello world");
        let digests = digester.finish();
        assert_eq!(digests.md5, "XrY7u+Ae7tCTyyK7j1rNww==");
        assert_eq!(digests.size, 11);
    }
}
