//! Deployment packages: the digest and size Lambda reports (`CodeSha256` is the base64 SHA-256
//! of the zip as uploaded, `CodeSize` its length), the check that a zip can be unpacked, and
//! unpacking into a directory that the workload's user can read (through simkit's
//! `zip_archive`). Pure except for [`extract`], which writes only under the directory it is given.

use std::io::Cursor;
use std::path::Path;

use base64::Engine;
use sha2::{Digest, Sha256};

/// Lambda's limit on an unzipped deployment package (with its layers): 250 MB.
pub const MAX_UNZIPPED_BYTES: u64 = 262_144_000;

/// `CodeSha256`: base64 of the SHA-256 of the bytes.
pub fn sha256_base64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(Sha256::digest(bytes))
}

/// Lower-case hex of the SHA-256 of the bytes (directory names, runtime version ARNs).
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ZipError {
    /// What Lambda answers for an archive it cannot unzip.
    #[error("Could not unzip uploaded file. Please check your file, then try to upload again.")]
    Unreadable,
    #[error("Unzipped size must be smaller than {MAX_UNZIPPED_BYTES} bytes")]
    TooLarge,
}

/// Checks that `bytes` is a zip Lambda can unpack, and returns its unzipped size.
pub fn check(bytes: &[u8]) -> Result<u64, ZipError> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| ZipError::Unreadable)?;
    let mut total: u64 = 0;
    for index in 0..archive.len() {
        let entry = archive.by_index(index).map_err(|_| ZipError::Unreadable)?;
        if entry.enclosed_name().is_none() {
            return Err(ZipError::Unreadable);
        }
        total = total.saturating_add(entry.size());
    }
    if total > MAX_UNZIPPED_BYTES {
        return Err(ZipError::TooLarge);
    }
    Ok(total)
}

/// Unpacks `bytes` under `dir`: files readable by everyone (the workload runs as another user),
/// executable where the archive says so (a `bootstrap`, say). Entries that would land outside
/// `dir` are refused (simkit's [`simkit::zip_archive::extract`]).
pub fn extract(bytes: &[u8], dir: &Path) -> std::io::Result<()> {
    simkit::zip_archive::extract(bytes, dir).map_err(|error| match error {
        simkit::zip_archive::ExtractError::Io(error) => error,
        unreadable => std::io::Error::new(std::io::ErrorKind::InvalidData, unreadable.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn zip_of(files: &[(&str, &str, u32)]) -> Vec<u8> {
        let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, body, mode) in files {
            let options = zip::write::SimpleFileOptions::default().unix_permissions(*mode);
            writer.start_file(*name, options).expect("start");
            writer.write_all(body.as_bytes()).expect("write");
        }
        writer.finish().expect("finish").into_inner()
    }

    #[test]
    fn digest_is_base64_sha256() {
        assert_eq!(
            sha256_base64(b"abc"),
            "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0="
        );
    }

    #[test]
    fn a_zip_is_checked_and_unpacked_with_its_modes() {
        let bytes = zip_of(&[
            ("app.py", "x = 1\n", 0o644),
            ("bin/bootstrap", "#!/bin/sh\n", 0o755),
        ]);
        assert_eq!(check(&bytes), Ok(16));
        assert_eq!(check(b"not a zip"), Err(ZipError::Unreadable));
        let dir = tempfile::tempdir().expect("tempdir");
        extract(&bytes, dir.path()).expect("extract");
        assert_eq!(
            std::fs::read_to_string(dir.path().join("app.py")).expect("read"),
            "x = 1\n"
        );
        let mode = std::fs::metadata(dir.path().join("bin/bootstrap"))
            .expect("meta")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o755);
    }
}
