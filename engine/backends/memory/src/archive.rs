//! `docker cp` and `docker export`: stat, tar and untar paths of a container's file system,
//! with binds and the container's own writes seen as the container sees them.
//!
//! Every path is resolved as the container would resolve it, symbolic links included, with
//! the container's root as `/` ([`resolve_in_root`]); extraction goes through the kit's layer
//! applier with the extraction point as its root, so `../` entries and absolute symbolic links
//! in an uploaded tar stay inside it.
//!
//! The root is the running container's first process's root, or, for a created or exited
//! container, its image and writable layer seen through [`crate::layer`].

use std::ffi::OsString;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use engine_core::EngineError;
use engine_core::api::{ArchivePutOptions, PathStat};
use simkit::runner::oci::unpack::{apply_layer, clean, resolve_in_root};

/// Go's `os.FileMode` type bits, which the stat header carries.
const MODE_DIR: u32 = 1 << 31;
const MODE_SYMLINK: u32 = 1 << 27;
const MODE_DEVICE: u32 = 1 << 26;
const MODE_NAMED_PIPE: u32 = 1 << 25;
const MODE_SOCKET: u32 = 1 << 24;
const MODE_SETUID: u32 = 1 << 23;
const MODE_SETGID: u32 = 1 << 22;
const MODE_CHAR_DEVICE: u32 = 1 << 21;
const MODE_STICKY: u32 = 1 << 20;

fn not_found(path: &str, container: &str) -> EngineError {
    EngineError::NotFound(format!(
        "Could not find the file {path} in container {container}"
    ))
}

/// Where `path` is on the host, under `root`: every link on the way followed inside the root,
/// the last component's too when `follow_last`.
pub fn locate(root: &Path, path: &str, follow_last: bool) -> Result<PathBuf, EngineError> {
    let mut parts = clean(Path::new(path));
    let last = if follow_last { None } else { parts.pop() };
    let parent = resolve_in_root(root, &parts)
        .map_err(|error| EngineError::InvalidParameter(error.to_string()))?;
    Ok(match last {
        Some(last) => parent.join(last),
        None => parent,
    })
}

/// Go's `os.FileMode` of `meta`.
fn go_mode(meta: &std::fs::Metadata) -> u32 {
    use std::os::unix::fs::FileTypeExt;
    let mode = meta.permissions().mode();
    let mut go = mode & 0o777;
    let kind = meta.file_type();
    if kind.is_dir() {
        go |= MODE_DIR;
    } else if kind.is_symlink() {
        go |= MODE_SYMLINK;
    } else if kind.is_fifo() {
        go |= MODE_NAMED_PIPE;
    } else if kind.is_socket() {
        go |= MODE_SOCKET;
    } else if kind.is_char_device() {
        go |= MODE_DEVICE | MODE_CHAR_DEVICE;
    } else if kind.is_block_device() {
        go |= MODE_DEVICE;
    }
    if mode & 0o4000 != 0 {
        go |= MODE_SETUID;
    }
    if mode & 0o2000 != 0 {
        go |= MODE_SETGID;
    }
    if mode & 0o1000 != 0 {
        go |= MODE_STICKY;
    }
    go
}

/// Go's `time.Time` in JSON: RFC 3339 with the fraction's trailing zeros dropped.
fn go_time(seconds: i64, nanos: i64) -> String {
    let Ok(time) = time::OffsetDateTime::from_unix_timestamp(seconds) else {
        return engine_core::api::ZERO_TIME.to_string();
    };
    let base = time
        .format(&time::macros::format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second]"
        ))
        .unwrap_or_default();
    if nanos == 0 {
        return format!("{base}Z");
    }
    let fraction = format!("{nanos:09}");
    format!("{base}.{}Z", fraction.trim_end_matches('0'))
}

/// The stat of `path` in the container whose root is `root` (`container` names it in errors).
pub fn stat(root: &Path, path: &str, container: &str) -> Result<PathStat, EngineError> {
    let host = locate(root, path, false)?;
    let meta = std::fs::symlink_metadata(&host).map_err(|_| not_found(path, container))?;
    let link_target = if meta.file_type().is_symlink() {
        // As Docker reports it: the path the link leads to, inside the container.
        let resolved = locate(root, path, true)?;
        let inside = resolved.strip_prefix(root).unwrap_or(&resolved);
        format!("/{}", inside.display())
    } else {
        String::new()
    };
    let name = clean(Path::new(path))
        .last()
        .map_or_else(|| "/".to_string(), |n| n.to_string_lossy().into_owned());
    Ok(PathStat {
        name,
        size: meta.len() as i64,
        mode: go_mode(&meta),
        mtime: go_time(meta.mtime(), meta.mtime_nsec()),
        link_target,
    })
}

/// Writes a tar of `path` to `into`: a directory with its contents under its own name, a
/// file or link as itself. Links are archived as links, never followed.
pub fn tar_path(
    root: &Path,
    path: &str,
    container: &str,
    into: std::fs::File,
) -> Result<PathStat, EngineError> {
    let stat = stat(root, path, container)?;
    let host = locate(root, path, false)?;
    let name: OsString = clean(Path::new(path))
        .last()
        .cloned()
        .unwrap_or_else(|| ".".into());
    let mut builder = tar::Builder::new(into);
    builder.follow_symlinks(false);
    let written = if stat.mode & MODE_DIR != 0 {
        builder.append_dir_all(&name, &host)
    } else {
        builder.append_path_with_name(&host, &name)
    };
    written
        .and_then(|()| builder.finish())
        .map_err(EngineError::internal)?;
    Ok(stat)
}

/// Writes a tar of the container's whole file system to `into` (`docker export`): names
/// relative to its root, links as links. What is mounted over a directory (the kernel's
/// `/proc` and `/sys`, volumes and binds) is left out, as Docker leaves volumes out: only the
/// directory itself is archived.
pub fn export(root: &Path, container: &str, into: std::fs::File) -> Result<(), EngineError> {
    let root_meta = std::fs::metadata(root).map_err(|_| not_found("/", container))?;
    let mut builder = tar::Builder::new(into);
    builder.follow_symlinks(false);
    export_dir(&mut builder, root, Path::new(""), root_meta.dev())
        .and_then(|()| builder.finish())
        .map_err(EngineError::internal)
}

fn export_dir(
    builder: &mut tar::Builder<std::fs::File>,
    dir: &Path,
    name: &Path,
    device: u64,
) -> std::io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.flatten().collect();
    entries.sort_by_key(|entry| entry.file_name());
    for entry in entries {
        let path = entry.path();
        let entry_name = name.join(entry.file_name());
        let Ok(meta) = path.symlink_metadata() else {
            continue;
        };
        if meta.is_dir() {
            builder.append_dir(&entry_name, &path)?;
            if meta.dev() == device {
                export_dir(builder, &path, &entry_name, device)?;
            }
        } else {
            use std::os::unix::fs::FileTypeExt;
            let kind = meta.file_type();
            if kind.is_socket() {
                continue;
            }
            builder.append_path_with_name(&path, &entry_name)?;
        }
    }
    Ok(())
}

/// Extracts the tar at `archive` into directory `path` of the container.
pub fn untar_into(
    root: &Path,
    path: &str,
    container: &str,
    archive: &Path,
    options: &ArchivePutOptions,
) -> Result<(), EngineError> {
    let destination = locate(root, path, true)?;
    let meta = std::fs::metadata(&destination).map_err(|_| not_found(path, container))?;
    if !meta.is_dir() {
        return Err(EngineError::InvalidParameter(
            "extraction point is not a directory".into(),
        ));
    }
    let _ = options.no_overwrite_dir_non_dir;
    let file = std::fs::File::open(archive).map_err(EngineError::internal)?;
    apply_layer(&destination, file, true).map_err(|error| {
        EngineError::InvalidParameter(format!("extracting the archive failed: {error}"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tar_of(entries: &[(&str, tar::EntryType, &[u8], Option<&str>)]) -> Vec<u8> {
        let mut builder = tar::Builder::new(Vec::new());
        for (name, kind, data, link) in entries {
            let mut header = tar::Header::new_gnu();
            header.set_entry_type(*kind);
            header.set_mode(0o644);
            header.set_size(data.len() as u64);
            if let Some(link) = link {
                header.set_link_name(link).unwrap();
            }
            // Names set raw, so `../` survives as a hostile client would send it.
            let raw = name.as_bytes();
            header.as_old_mut().name[..raw.len()].copy_from_slice(raw);
            header.set_cksum();
            builder.append(&header, *data).unwrap();
        }
        builder.into_inner().unwrap()
    }

    fn put(root: &Path, path: &str, tar: &[u8]) -> Result<(), EngineError> {
        let archive = root.parent().unwrap().join("upload.tar");
        std::fs::write(&archive, tar).unwrap();
        untar_into(root, path, "box", &archive, &ArchivePutOptions::default())
    }

    #[test]
    fn hostile_tars_stay_inside_the_root() {
        let outer = tempfile::tempdir().unwrap();
        let root = outer.path().join("root");
        std::fs::create_dir_all(root.join("dest")).unwrap();
        // A link in the container pointing at `/` resolves to the container's root.
        std::os::unix::fs::symlink("/", root.join("dest/up")).unwrap();
        let tar = tar_of(&[
            ("../../escape", tar::EntryType::Regular, b"x", None),
            ("abs", tar::EntryType::Symlink, b"", Some("/")),
            ("abs/through-abs", tar::EntryType::Regular, b"y", None),
            ("up/through-up", tar::EntryType::Regular, b"z", None),
        ]);
        put(&root, "/dest", &tar).unwrap();
        assert!(!outer.path().join("escape").exists());
        assert!(!outer.path().join("through-abs").exists());
        assert_eq!(std::fs::read(root.join("dest/escape")).unwrap(), b"x");
        assert_eq!(std::fs::read(root.join("dest/through-abs")).unwrap(), b"y");
        assert!(root.join("dest/through-up").exists() || root.join("through-up").exists());
        // Nothing was written above the container's root.
        let mut above: Vec<_> = std::fs::read_dir(outer.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        above.sort();
        assert_eq!(above, vec![OsString::from("root"), "upload.tar".into()]);
    }

    #[test]
    fn extraction_point_must_exist_and_be_a_directory() {
        let outer = tempfile::tempdir().unwrap();
        let root = outer.path().join("root");
        std::fs::create_dir_all(&root).unwrap();
        std::fs::write(root.join("file"), b"f").unwrap();
        let tar = tar_of(&[("a", tar::EntryType::Regular, b"a", None)]);
        assert_eq!(
            put(&root, "/nope", &tar).unwrap_err().to_string(),
            "Could not find the file /nope in container box"
        );
        assert_eq!(
            put(&root, "/file", &tar).unwrap_err().to_string(),
            "extraction point is not a directory"
        );
    }

    #[test]
    fn stat_reports_go_modes_and_link_targets() {
        let outer = tempfile::tempdir().unwrap();
        let root = outer.path().to_path_buf();
        std::fs::create_dir_all(root.join("etc")).unwrap();
        std::fs::write(root.join("etc/data"), b"12345").unwrap();
        std::fs::set_permissions(root.join("etc/data"), PermissionsExt::from_mode(0o640)).unwrap();
        std::os::unix::fs::symlink("/etc/data", root.join("link")).unwrap();
        let file = stat(&root, "/etc/data", "box").unwrap();
        assert_eq!(
            (file.name.as_str(), file.size, file.mode),
            ("data", 5, 0o640)
        );
        let dir = stat(&root, "/etc", "box").unwrap();
        assert_eq!(dir.mode & MODE_DIR, MODE_DIR);
        let link = stat(&root, "/link", "box").unwrap();
        assert_eq!(link.mode & MODE_SYMLINK, MODE_SYMLINK);
        assert_eq!(link.link_target, "/etc/data");
        assert_eq!(go_time(0, 120_000_000), "1970-01-01T00:00:00.12Z");
    }
}
