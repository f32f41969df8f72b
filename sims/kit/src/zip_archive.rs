//! Unpacking zip archives that users upload (Lambda deployment packages and layers, Cloud
//! Functions sources) into a directory a workload reads.
//!
//! What it guarantees: nothing is written outside the directory it is given (entries whose
//! names are absolute, or climb with `..`, are skipped, as are names the archive cannot make
//! safe); directories are made 0755 and files 0644, or 0755 where the archive marks them
//! executable (a `bootstrap`), so a workload running as another user can read them.
//!
//! Must not: follow links out of the directory (zip entries are written as plain files), check
//! sizes or decide what a provider says about a bad archive (each provider checks its own
//! limits and words its own errors).

use std::io::{Cursor, Read};
use std::os::unix::fs::PermissionsExt;
use std::path::{Component, Path};

/// Why an archive could not be unpacked.
#[derive(Debug, thiserror::Error)]
pub enum ExtractError {
    #[error("the archive is not a readable zip file")]
    Unreadable,
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

fn make_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755))
}

/// Unpacks `bytes` under `dir` (made if missing).
pub fn extract(bytes: &[u8], dir: &Path) -> Result<(), ExtractError> {
    let mut archive =
        zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| ExtractError::Unreadable)?;
    make_dir(dir)?;
    for index in 0..archive.len() {
        let mut entry = archive
            .by_index(index)
            .map_err(|_| ExtractError::Unreadable)?;
        let Some(relative) = entry.enclosed_name() else {
            continue;
        };
        if relative
            .components()
            .any(|c| !matches!(c, Component::Normal(_)))
        {
            continue;
        }
        let target = dir.join(&relative);
        if entry.is_dir() {
            make_dir(&target)?;
            continue;
        }
        if let Some(parent) = target.parent() {
            make_dir(parent)?;
        }
        let mut contents = Vec::with_capacity(usize::try_from(entry.size()).unwrap_or(0));
        entry.read_to_end(&mut contents)?;
        std::fs::write(&target, contents)?;
        let executable = entry.unix_mode().is_some_and(|mode| mode & 0o111 != 0);
        let mode = if executable { 0o755 } else { 0o644 };
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(mode))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::io::Write;

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
    fn files_land_under_the_directory_with_their_modes() {
        let bytes = zip_of(&[
            ("app.py", "x = 1\n", 0o600),
            ("bin/bootstrap", "#!/bin/sh\n", 0o700),
            ("../escape.txt", "no", 0o644),
            ("/etc/absolute.txt", "no", 0o644),
            ("a/../../up.txt", "no", 0o644),
        ]);
        let root = tempfile::tempdir().expect("tempdir");
        let dir = root.path().join("code");
        extract(&bytes, &dir).expect("extract");
        assert_eq!(
            std::fs::read_to_string(dir.join("app.py")).expect("read"),
            "x = 1\n"
        );
        let mode =
            |path: &Path| std::fs::metadata(path).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode(&dir.join("app.py")), 0o644);
        assert_eq!(mode(&dir.join("bin/bootstrap")), 0o755);
        assert_eq!(mode(&dir.join("bin")), 0o755);
        assert!(!root.path().join("escape.txt").exists());
        assert!(!root.path().join("up.txt").exists());
        assert!(!Path::new("/etc/absolute.txt").exists());
        let escaped: Vec<_> = walk(root.path());
        assert_eq!(escaped, ["code/app.py", "code/bin/bootstrap"]);
        assert!(matches!(
            extract(b"not a zip", &dir),
            Err(ExtractError::Unreadable)
        ));
    }

    fn walk(root: &Path) -> Vec<String> {
        let mut out = Vec::new();
        let mut stack = vec![root.to_path_buf()];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).expect("read dir") {
                let path = entry.expect("entry").path();
                if path.is_dir() {
                    stack.push(path);
                } else {
                    let relative = path.strip_prefix(root).expect("under root");
                    out.push(relative.display().to_string());
                }
            }
        }
        out.sort();
        out
    }
}
