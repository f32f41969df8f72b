//! Applying image layers to a root file system: tar entries (gzip-compressed or not) written
//! under a root directory, with the OCI whiteouts (`.wh.NAME` removes `NAME` from the layers
//! below, `.wh..wh..opq` empties its directory of what the layers below put there).
//!
//! Containment: every path is resolved as if `root` were `/` ([`resolve_in_root`]): `..` never
//! climbs above it, absolute paths start at it, and a symbolic link met on the way (one the
//! image made, pointing anywhere) is followed inside it, never on the host. The entry's own
//! last component is never followed: a file replaces a symbolic link rather than writing
//! through it, and a hard link links the named entry inside the root. So a hostile layer
//! (`../x`, `/etc/passwd`, a symlink to `/` then a file under it, a hard link to a host path)
//! writes only under `root`. Symbolic links are stored as they are: their targets are only
//! data here, and the runtime resolves them inside the container's root.
//!
//! Device nodes are skipped (the runtime gives the container its `/dev`); ownership is applied
//! only when the simulator runs as root. What this module must not do: follow a link out of the
//! root, or read anything but the layer it is given.

use std::collections::HashSet;
use std::ffi::OsString;
use std::fs;
use std::io::{self, BufRead, BufReader, Read};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::{Component, Path, PathBuf};

/// How many symbolic links one path may pass through, as Linux's `MAXSYMLINKS`.
const MAX_LINKS: usize = 40;

pub(super) const WHITEOUT_PREFIX: &str = ".wh.";
pub(super) const OPAQUE: &str = ".wh..wh..opq";

#[derive(Debug, thiserror::Error)]
pub enum UnpackError {
    #[error("layer is compressed with zstd, which the simulator does not unpack")]
    Zstd,
    #[error("reading the layer: {0}")]
    Read(io::Error),
    #[error("too many levels of symbolic links resolving {0}")]
    Loop(String),
    #[error("writing {path}: {error}")]
    Write { path: String, error: io::Error },
}

/// The components of `path` below the root: `/` and `.` dropped, `..` popping one (never above
/// the root).
pub fn clean(path: &Path) -> Vec<OsString> {
    let mut parts: Vec<OsString> = Vec::new();
    for component in path.components() {
        match component {
            Component::Normal(part) => parts.push(part.to_os_string()),
            Component::ParentDir => {
                parts.pop();
            }
            Component::RootDir | Component::CurDir | Component::Prefix(_) => {}
        }
    }
    parts
}

/// Where `parts` lead inside `root` when every symbolic link on the way, the last component's
/// included, is followed as if `root` were `/`. Components that do not exist are taken as
/// they are.
pub fn resolve_in_root(root: &Path, parts: &[OsString]) -> Result<PathBuf, UnpackError> {
    let mut resolved: Vec<OsString> = Vec::new();
    let mut pending: Vec<OsString> = parts.iter().rev().cloned().collect();
    let mut links = 0;
    while let Some(part) = pending.pop() {
        if part == ".." {
            resolved.pop();
            continue;
        }
        if part == "." || part.is_empty() {
            continue;
        }
        let candidate = host_path(root, &resolved).join(&part);
        match fs::symlink_metadata(&candidate) {
            Ok(meta) if meta.file_type().is_symlink() => {
                links += 1;
                if links > MAX_LINKS {
                    return Err(UnpackError::Loop(
                        PathBuf::from_iter(parts).display().to_string(),
                    ));
                }
                let target = fs::read_link(&candidate).map_err(UnpackError::Read)?;
                if target.is_absolute() {
                    resolved.clear();
                }
                // The target's components go first, raw, so `..` in them is applied in order.
                for component in target.components().rev() {
                    match component {
                        Component::Normal(name) => pending.push(name.to_os_string()),
                        Component::ParentDir => pending.push("..".into()),
                        _ => {}
                    }
                }
            }
            _ => resolved.push(part),
        }
    }
    Ok(host_path(root, &resolved))
}

fn host_path(root: &Path, parts: &[OsString]) -> PathBuf {
    let mut path = root.to_path_buf();
    path.extend(parts);
    path
}

/// What to do with a layer's whiteout entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Whiteouts {
    /// Remove what they name from the tree below (the layer is applied onto its parents).
    Apply,
    /// Keep them as empty marker files of the same name (the layer is unpacked alone, into its
    /// own directory, and its markers are applied when layers are composed: [`super::compose`]).
    Keep,
}

/// Applies the layer read from `source` to `root`.
pub fn apply_layer(root: &Path, source: impl Read, as_root: bool) -> Result<(), UnpackError> {
    unpack_entries(root, source, as_root, Whiteouts::Apply)
}

/// Unpacks the layer read from `source` alone into the empty directory `dir`, as Docker's
/// overlay2 driver unpacks a layer into its own diff directory: paths resolve inside this layer
/// only, and whiteouts (`.wh.NAME`, `.wh..wh..opq`) stay as empty marker files, which
/// [`super::compose`] applies to the layers below.
pub fn unpack_layer(dir: &Path, source: impl Read, as_root: bool) -> Result<(), UnpackError> {
    unpack_entries(dir, source, as_root, Whiteouts::Keep)
}

fn unpack_entries(
    root: &Path,
    source: impl Read,
    as_root: bool,
    whiteouts: Whiteouts,
) -> Result<(), UnpackError> {
    let mut buffered = BufReader::with_capacity(64 * 1024, source);
    let head = buffered.fill_buf().map_err(UnpackError::Read)?;
    let reader: Box<dyn Read> = if head.starts_with(&[0x1f, 0x8b]) {
        Box::new(flate2::read::MultiGzDecoder::new(buffered))
    } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        return Err(UnpackError::Zstd);
    } else {
        Box::new(buffered)
    };
    let mut archive = tar::Archive::new(reader);
    // What this layer wrote, which an opaque whiteout later in the same layer must keep.
    let mut written: HashSet<PathBuf> = HashSet::new();
    for entry in archive.entries().map_err(UnpackError::Read)? {
        let mut entry = entry.map_err(UnpackError::Read)?;
        let raw_path = PathBuf::from(std::ffi::OsStr::from_bytes(&entry.path_bytes()));
        let mut parts = clean(&raw_path);
        let Some(name) = parts.pop() else {
            continue; // The root itself.
        };
        let parent = resolve_in_root(root, &parts)?;
        let write_error = |error: io::Error| UnpackError::Write {
            path: raw_path.display().to_string(),
            error,
        };
        let name_text = name.to_string_lossy();
        if whiteouts == Whiteouts::Keep && name_text.starts_with(WHITEOUT_PREFIX) {
            if name_text != OPAQUE && matches!(&name_text[WHITEOUT_PREFIX.len()..], "" | "." | "..")
            {
                continue;
            }
            if !parent.is_dir() {
                make_dirs(root, &parent).map_err(write_error)?;
            }
            let marker = parent.join(&name);
            remove_any(&marker).map_err(write_error)?;
            fs::File::create(&marker).map_err(write_error)?;
            continue;
        }
        if name_text == OPAQUE {
            if let Ok(children) = fs::read_dir(&parent) {
                for child in children.flatten() {
                    if !written.contains(&child.path()) {
                        remove_any(&child.path()).map_err(write_error)?;
                    }
                }
            }
            continue;
        }
        if let Some(hidden) = name_text.strip_prefix(WHITEOUT_PREFIX) {
            if !hidden.is_empty() && hidden != "." && hidden != ".." {
                remove_any(&parent.join(hidden)).map_err(write_error)?;
            }
            continue;
        }
        if !parent.is_dir() {
            // Parents missing from the layer are made as Docker does, owned by root, 0755.
            make_dirs(root, &parent).map_err(write_error)?;
        }
        let target = parent.join(&name);
        let header = entry.header();
        let mode = header.mode().unwrap_or(0o644) & 0o7777;
        let owner = (
            header.uid().unwrap_or(0) as u32,
            header.gid().unwrap_or(0) as u32,
        );
        let kind = header.entry_type();
        match kind {
            tar::EntryType::Directory => {
                match fs::symlink_metadata(&target) {
                    Ok(meta) if meta.is_dir() => {}
                    Ok(_) => {
                        remove_any(&target).map_err(write_error)?;
                        fs::create_dir(&target).map_err(write_error)?;
                    }
                    Err(_) => fs::create_dir(&target).map_err(write_error)?,
                }
                fs::set_permissions(&target, fs::Permissions::from_mode(mode))
                    .map_err(write_error)?;
            }
            tar::EntryType::Regular | tar::EntryType::Continuous => {
                remove_any(&target).map_err(write_error)?;
                let mut file = fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .open(&target)
                    .map_err(write_error)?;
                io::copy(&mut entry, &mut file).map_err(write_error)?;
                if let Ok(Some(mtime)) = entry.header().mtime().map(|secs| {
                    std::time::UNIX_EPOCH.checked_add(std::time::Duration::from_secs(secs))
                }) {
                    let _ = file.set_modified(mtime);
                }
                drop(file);
                if as_root {
                    chown_no_follow(&target, owner).map_err(write_error)?;
                }
                // After the owner change, which clears set-user-ID bits.
                fs::set_permissions(&target, fs::Permissions::from_mode(mode))
                    .map_err(write_error)?;
            }
            tar::EntryType::Symlink => {
                let Some(link) = entry.link_name_bytes() else {
                    continue;
                };
                remove_any(&target).map_err(write_error)?;
                symlink(std::ffi::OsStr::from_bytes(&link), &target).map_err(write_error)?;
            }
            tar::EntryType::Link => {
                let Some(link) = entry.link_name_bytes() else {
                    continue;
                };
                let mut link_parts = clean(Path::new(std::ffi::OsStr::from_bytes(&link)));
                let Some(link_name) = link_parts.pop() else {
                    continue;
                };
                let source = resolve_in_root(root, &link_parts)?.join(link_name);
                if fs::symlink_metadata(&source).is_err() {
                    return Err(write_error(io::Error::new(
                        io::ErrorKind::NotFound,
                        format!("hard link to {} which the image lacks", link_display(&link)),
                    )));
                }
                remove_any(&target).map_err(write_error)?;
                // `link(2)` does not follow a symbolic link `source` names: the link itself
                // is linked, inside the root.
                fs::hard_link(&source, &target).map_err(write_error)?;
            }
            tar::EntryType::Fifo => {
                remove_any(&target).map_err(write_error)?;
                nix::unistd::mkfifo(&target, nix::sys::stat::Mode::from_bits_truncate(mode))
                    .map_err(|errno| write_error(errno.into()))?;
            }
            other => {
                tracing::debug!(path = %raw_path.display(), kind = ?other, "layer entry skipped");
                continue;
            }
        }
        if as_root && matches!(kind, tar::EntryType::Directory | tar::EntryType::Symlink) {
            chown_no_follow(&target, owner).map_err(write_error)?;
        }
        written.insert(target);
    }
    Ok(())
}

fn link_display(link: &[u8]) -> String {
    String::from_utf8_lossy(link).into_owned()
}

/// Removes whatever is at `path` (a directory with its contents), never following a link.
pub(super) fn remove_any(path: &Path) -> io::Result<()> {
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.is_dir() => fs::remove_dir_all(path),
        Ok(_) => fs::remove_file(path),
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(error) => Err(error),
    }
}

/// Makes `dir` and its missing parents, each checked to be under `root` and no link.
fn make_dirs(root: &Path, dir: &Path) -> io::Result<()> {
    let relative = dir
        .strip_prefix(root)
        .map_err(|_| io::Error::other("path outside the root"))?;
    let mut current = root.to_path_buf();
    for component in relative.components() {
        current.push(component);
        match fs::symlink_metadata(&current) {
            Ok(meta) if meta.is_dir() => {}
            Ok(_) => {
                remove_any(&current)?;
                fs::create_dir(&current)?;
            }
            Err(_) => fs::create_dir(&current)?,
        }
    }
    Ok(())
}

pub(super) fn chown_no_follow(path: &Path, (uid, gid): (u32, u32)) -> io::Result<()> {
    std::os::unix::fs::lchown(path, Some(uid), Some(gid))
}

/// Copies the tree at `from` to `to` (which must not exist): directories, files, links and
/// modes, and owners when `as_root`. Hard links become separate files. For machines without
/// overlayfs.
pub fn copy_tree(from: &Path, to: &Path, as_root: bool) -> io::Result<()> {
    let meta = fs::symlink_metadata(from)?;
    let file_type = meta.file_type();
    if file_type.is_symlink() {
        symlink(fs::read_link(from)?, to)?;
    } else if file_type.is_dir() {
        fs::create_dir(to)?;
        for entry in fs::read_dir(from)? {
            let entry = entry?;
            copy_tree(&entry.path(), &to.join(entry.file_name()), as_root)?;
        }
        fs::set_permissions(to, meta.permissions())?;
    } else if file_type.is_file() {
        fs::copy(from, to)?;
    } else {
        return Ok(());
    }
    if as_root {
        use std::os::unix::fs::MetadataExt;
        chown_no_follow(to, (meta.uid(), meta.gid()))?;
        if file_type.is_file() {
            fs::set_permissions(to, meta.permissions())?;
        }
    }
    Ok(())
}
