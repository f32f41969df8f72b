//! Object bytes on disk: one file per object version or part, named by a random ID under
//! `<dir>/objects/`, written once and never changed (copies are hard links). Keys never name
//! files, so no key can reach outside the directory.
//!
//! Must not: read a whole file into memory, or build a path from anything a client sent.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use md5::Digest;

/// The object files of one simulator.
#[derive(Debug, Clone)]
pub struct ObjectFiles {
    dir: PathBuf,
}

impl ObjectFiles {
    pub fn new(root: PathBuf) -> Self {
        Self {
            dir: root.join("objects"),
        }
    }

    /// The path of file `id` (an ID this module or the spooler made: hex only).
    pub fn path(&self, id: &str) -> PathBuf {
        debug_assert!(id.bytes().all(|b| b.is_ascii_alphanumeric()));
        self.dir.join(id)
    }

    /// Moves a spooled file in as `id`.
    pub fn adopt(&self, spooled: &Path, id: &str) -> std::io::Result<()> {
        std::fs::create_dir_all(&self.dir)?;
        std::fs::rename(spooled, self.path(id))
    }

    /// Makes `to` a second name of `from` (objects never change, so sharing is safe), falling
    /// back to a copy where links are not possible.
    pub fn link(&self, from: &str, to: &str) -> std::io::Result<()> {
        std::fs::create_dir_all(&self.dir)?;
        if std::fs::hard_link(self.path(from), self.path(to)).is_err() {
            std::fs::copy(self.path(from), self.path(to))?;
        }
        Ok(())
    }

    /// Writes `bytes` as `id`.
    pub fn write(&self, id: &str, bytes: &[u8]) -> std::io::Result<()> {
        std::fs::create_dir_all(&self.dir)?;
        std::fs::write(self.path(id), bytes)
    }

    /// Writes the `range` of each source file, in order, into `id`; returns its length and
    /// MD5. Streams through a fixed buffer.
    pub fn concatenate(
        &self,
        sources: &[(String, u64, u64)],
        id: &str,
    ) -> std::io::Result<(u64, [u8; 16])> {
        std::fs::create_dir_all(&self.dir)?;
        let mut out = std::io::BufWriter::new(std::fs::File::create(self.path(id))?);
        let mut md5 = md5::Md5::new();
        let mut buffer = vec![0u8; 256 * 1024];
        let mut total = 0u64;
        for (source, offset, len) in sources {
            let mut file = std::fs::File::open(self.path(source))?;
            std::io::Seek::seek(&mut file, std::io::SeekFrom::Start(*offset))?;
            let mut reader = file.take(*len);
            loop {
                let read = reader.read(&mut buffer)?;
                if read == 0 {
                    break;
                }
                md5.update(&buffer[..read]);
                out.write_all(&buffer[..read])?;
                total += read as u64;
            }
        }
        out.flush()?;
        Ok((total, md5.finalize().into()))
    }

    pub fn open(&self, id: &str) -> std::io::Result<std::fs::File> {
        std::fs::File::open(self.path(id))
    }

    /// Removes `id`; a file already gone is fine.
    pub fn remove(&self, id: &str) {
        if let Err(error) = std::fs::remove_file(self.path(id))
            && error.kind() != std::io::ErrorKind::NotFound
        {
            tracing::warn!(%error, id, "removing an object file failed");
        }
    }
}
