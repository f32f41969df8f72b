//! `docker import`'s input: a root file system as a tar, plain or gzip-compressed, read into
//! the uncompressed layer the image stores (its digest is then its diff ID).
//!
//! Limits: bzip2 and xz archives, which Docker also takes, answer the backend's "not
//! supported". What this module must not do: unpack anything; the tar is checked entry by
//! entry and stored as it came.

use std::io::Read;
use std::path::Path;

use engine_core::EngineError;

/// The largest root file system taken, uncompressed.
const MAX_LAYER: u64 = 8 << 30;

/// The archive at `path` as an uncompressed tar whose entries all read.
pub fn layer_tar(path: &Path) -> Result<Vec<u8>, EngineError> {
    let raw = std::fs::read(path).map_err(EngineError::internal)?;
    let layer = match raw.as_slice() {
        [0x1f, 0x8b, ..] => {
            let mut out = Vec::new();
            flate2::read::GzDecoder::new(raw.as_slice())
                .take(MAX_LAYER)
                .read_to_end(&mut out)
                .map_err(|error| EngineError::InvalidParameter(format!("gzip: {error}")))?;
            out
        }
        [b'B', b'Z', b'h', ..] => {
            return Err(EngineError::not_supported("memory", "bzip2 archives"));
        }
        [0xfd, b'7', b'z', b'X', b'Z', 0x00, ..] => {
            return Err(EngineError::not_supported("memory", "xz archives"));
        }
        _ => raw,
    };
    check_tar(&layer)?;
    Ok(layer)
}

/// Reads every entry's header and data, as Docker's import does while it applies the layer.
fn check_tar(bytes: &[u8]) -> Result<(), EngineError> {
    let invalid = |error: std::io::Error| {
        EngineError::InvalidParameter(format!("archive/tar: invalid tar header: {error}"))
    };
    let mut archive = tar::Archive::new(bytes);
    for entry in archive.entries().map_err(invalid)? {
        let mut entry = entry.map_err(invalid)?;
        std::io::copy(&mut entry, &mut std::io::sink()).map_err(invalid)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tar_of(name: &str, data: &[u8]) -> Vec<u8> {
        let mut builder = tar::Builder::new(Vec::new());
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        builder.append_data(&mut header, name, data).unwrap();
        builder.into_inner().unwrap()
    }

    #[test]
    fn plain_and_gzip_archives_give_the_same_layer() {
        let dir = tempfile::tempdir().unwrap();
        let plain = tar_of("etc/motd", b"hello\n");
        std::fs::write(dir.path().join("plain.tar"), &plain).unwrap();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut gz, &plain).unwrap();
        std::fs::write(dir.path().join("rootfs.tgz"), gz.finish().unwrap()).unwrap();
        assert_eq!(layer_tar(&dir.path().join("plain.tar")).unwrap(), plain);
        assert_eq!(layer_tar(&dir.path().join("rootfs.tgz")).unwrap(), plain);
        std::fs::write(dir.path().join("bad.tar"), b"not a tar at all, clearly").unwrap();
        assert!(matches!(
            layer_tar(&dir.path().join("bad.tar")),
            Err(EngineError::InvalidParameter(_))
        ));
    }
}
