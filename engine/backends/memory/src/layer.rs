//! A container's writable layer: the directory (`containers/<id>/layer`) the runner keeps the
//! container's own writes in, from its creation to `docker rm`, so an exited container that is
//! started again keeps its files, and `docker cp`, `docker diff` and `docker export` work on a
//! container that is created or exited.
//!
//! While no process runs, the container's files are seen through [`with_stopped_root`]: a
//! thread of its own unshares its mount namespace, mounts the overlay of the image's tree and
//! the layer (with the container's binds and volumes over it, as the container sees them),
//! runs the work, and ends; the namespace and its mounts go with it, so nothing shows on the
//! host and nothing is left mounted if the work fails. Where overlayfs is missing the runner
//! keeps a full copy of the image in `layer/rootfs`, used as it is.
//!
//! [`diff_tar`] turns the layer's upper directory into an image layer for `docker commit`:
//! overlay whiteouts (0/0 character devices) become OCI `.wh.NAME` entries and opaque
//! directories `.wh..wh..opq`, as Docker's layer store writes them.
//!
//! What this module must not do: mount anything in the engine's own mount namespace, or let a
//! path of the container resolve outside the container's root.

use std::ffi::OsString;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};

use engine_core::EngineError;
use engine_core::api::FilesystemChange as Change;
use nix::mount::{MsFlags, mount};
use simkit::runner::WorkloadMount;
use simkit::runner::oci::unpack::{clean, copy_tree, resolve_in_root};

/// Where the overlay's upper directory is inside a layer directory (as the runner makes it).
pub fn upper(layer: &Path) -> PathBuf {
    layer.join("upper")
}

fn overlayfs_available() -> bool {
    std::fs::read_to_string("/proc/filesystems")
        .map(|list| list.lines().any(|line| line.ends_with("\toverlay")))
        .unwrap_or(false)
}

/// Runs `work` with the root of a container whose process is not running: the merged view of
/// `lower` (the image's unpacked tree) and `layer`, with `mounts` bound in; with `copied`
/// (the wasm runtime's scheme, and where overlayfs is missing), the copy of the image kept in
/// `layer/rootfs`. Blocking: call it from a blocking task.
pub fn with_stopped_root<T: Send + 'static>(
    layer: PathBuf,
    lower: PathBuf,
    mounts: Vec<WorkloadMount>,
    copied: bool,
    work: impl FnOnce(&Path) -> Result<T, EngineError> + Send + 'static,
) -> Result<T, EngineError> {
    if copied || !overlayfs_available() {
        let kept = layer.join("rootfs");
        if !kept.is_dir() {
            // The runner's own scheme: a copy made once, under a temporary name.
            let partial = layer.join("rootfs.partial");
            let _ = std::fs::remove_dir_all(&partial);
            std::fs::create_dir_all(&layer).map_err(EngineError::internal)?;
            copy_tree(&lower, &partial, true).map_err(EngineError::internal)?;
            std::fs::rename(&partial, &kept).map_err(EngineError::internal)?;
        }
        return in_private_namespace(move || {
            bind_mounts(&kept, &mounts)?;
            work(&kept)
        });
    }
    for dir in [upper(&layer), layer.join("work"), layer.join("view")] {
        std::fs::create_dir_all(&dir).map_err(EngineError::internal)?;
    }
    in_private_namespace(move || {
        let view = layer.join("view");
        let options = format!(
            "lowerdir={},upperdir={},workdir={}",
            lower.display(),
            upper(&layer).display(),
            layer.join("work").display()
        );
        mount(
            Some("overlay"),
            &view,
            Some("overlay"),
            MsFlags::empty(),
            Some(options.as_str()),
        )
        .map_err(|errno| {
            EngineError::internal(format!("mounting the container's layer: {errno}"))
        })?;
        bind_mounts(&view, &mounts)?;
        work(&view)
    })
}

/// Runs `work` on a new thread in a mount namespace of its own, whose mounts end with it.
fn in_private_namespace<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, EngineError> + Send + 'static,
) -> Result<T, EngineError> {
    let thread = std::thread::Builder::new()
        .name("container-layer".into())
        .spawn(move || {
            nix::sched::unshare(nix::sched::CloneFlags::CLONE_NEWNS).map_err(|errno| {
                EngineError::internal(format!("a mount namespace for the layer: {errno}"))
            })?;
            // Nothing mounted here may reach the host's namespace.
            mount(
                None::<&str>,
                "/",
                None::<&str>,
                MsFlags::MS_REC | MsFlags::MS_PRIVATE,
                None::<&str>,
            )
            .map_err(|errno| EngineError::internal(format!("making mounts private: {errno}")))?;
            work()
        })
        .map_err(EngineError::internal)?;
    thread
        .join()
        .unwrap_or_else(|_| Err(EngineError::internal("the layer's thread panicked")))
}

/// Binds the container's mounts into `root`, as the runtime does when it starts it.
fn bind_mounts(root: &Path, mounts: &[WorkloadMount]) -> Result<(), EngineError> {
    for bound in mounts {
        let target = resolve_in_root(root, &clean(Path::new(&bound.destination)))
            .map_err(|error| EngineError::InvalidParameter(error.to_string()))?;
        if !target.exists() {
            if bound.source.is_dir() {
                std::fs::create_dir_all(&target).map_err(EngineError::internal)?;
            } else {
                if let Some(parent) = target.parent() {
                    std::fs::create_dir_all(parent).map_err(EngineError::internal)?;
                }
                std::fs::write(&target, b"").map_err(EngineError::internal)?;
            }
        }
        let flags = MsFlags::MS_BIND | MsFlags::MS_REC;
        mount(
            Some(&bound.source),
            &target,
            None::<&str>,
            flags,
            None::<&str>,
        )
        .map_err(|errno| EngineError::internal(format!("binding a mount: {errno}")))?;
        if bound.read_only {
            let _ = mount(
                None::<&str>,
                &target,
                None::<&str>,
                flags | MsFlags::MS_REMOUNT | MsFlags::MS_RDONLY,
                None::<&str>,
            );
        }
    }
    Ok(())
}

/// What the container changed, from its layer: an overlay whiteout (a 0/0 character device)
/// is a deletion, an entry the image has is a modification, anything else an addition. As
/// Docker lists them: sorted by path, a changed directory's entries after it.
pub fn changes(layer: &Path, lower: &Path) -> Vec<Change> {
    let mut out = Vec::new();
    let top = if upper(layer).is_dir() {
        upper(layer)
    } else {
        return out;
    };
    walk(&top, lower, &mut Vec::new(), &mut out);
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

/// What a container that keeps a full copy of its image (`layer/rootfs`: the wasm runtime,
/// and runc where overlayfs is missing) changed, found by comparing the copy with the image:
/// an entry the image lacks is an addition (and everything under it), one whose type, mode,
/// size or bytes differ a modification, one the copy lacks a deletion; a directory with a
/// change below it is itself modified, as overlay's copy-up makes it. The files the runtime
/// writes over the image's at each start (`/etc/hosts`, `/etc/hostname`, `/etc/resolv.conf`)
/// are left out, as Docker leaves out its own. Sorted as [`changes`] sorts them. Blocking.
pub fn copy_changes(rootfs: &Path, lower: &Path) -> Vec<Change> {
    let mut out = Vec::new();
    compare(rootfs, lower, "", &mut out);
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

/// Compares directory `copy` with `image` (both the container path `prefix`); whether
/// anything differs below.
fn compare(copy: &Path, image: &Path, prefix: &str, out: &mut Vec<Change>) -> bool {
    let mut changed = false;
    let names = |dir: &Path| -> Vec<OsString> {
        std::fs::read_dir(dir)
            .map(|entries| entries.flatten().map(|e| e.file_name()).collect())
            .unwrap_or_default()
    };
    for name in names(copy) {
        let path = format!("{prefix}/{}", name.to_string_lossy());
        if matches!(
            path.as_str(),
            "/etc/hosts" | "/etc/hostname" | "/etc/resolv.conf"
        ) {
            continue;
        }
        let (ours, theirs) = (copy.join(&name), image.join(&name));
        let Ok(meta) = ours.symlink_metadata() else {
            continue;
        };
        match theirs.symlink_metadata() {
            Err(_) => {
                changed = true;
                added(&ours, &meta, path, out);
            }
            Ok(original) => {
                let same_kind =
                    meta.file_type() == original.file_type() && meta.mode() == original.mode();
                if same_kind && meta.is_dir() {
                    if compare(&ours, &theirs, &path, out) {
                        changed = true;
                        out.push(Change { path, kind: 0 });
                    }
                } else if !same_kind || !same_contents(&ours, &theirs, &meta, &original) {
                    changed = true;
                    out.push(Change { path, kind: 0 });
                }
            }
        }
    }
    for name in names(image) {
        if copy.join(&name).symlink_metadata().is_err() {
            changed = true;
            out.push(Change {
                path: format!("{prefix}/{}", name.to_string_lossy()),
                kind: 2,
            });
        }
    }
    changed
}

fn added(host: &Path, meta: &std::fs::Metadata, path: String, out: &mut Vec<Change>) {
    if meta.is_dir()
        && let Ok(entries) = std::fs::read_dir(host)
    {
        for entry in entries.flatten() {
            if let Ok(child) = entry.path().symlink_metadata() {
                let child_path = format!("{path}/{}", entry.file_name().to_string_lossy());
                added(&entry.path(), &child, child_path, out);
            }
        }
    }
    out.push(Change { path, kind: 1 });
}

fn same_contents(
    ours: &Path,
    theirs: &Path,
    meta: &std::fs::Metadata,
    original: &std::fs::Metadata,
) -> bool {
    if meta.file_type().is_symlink() {
        return std::fs::read_link(ours).ok() == std::fs::read_link(theirs).ok();
    }
    if !meta.is_file() {
        return meta.rdev() == original.rdev();
    }
    meta.len() == original.len()
        && matches!((std::fs::read(ours), std::fs::read(theirs)), (Ok(a), Ok(b)) if a == b)
}

/// Whether an entry of the upper directory is only the mount point the runtime made for the
/// files the engine binds over `/etc/hosts`, `/etc/hostname` and `/etc/resolv.conf` (Docker
/// keeps those in a layer of its own, so neither `diff` nor `commit` shows them).
fn is_mount_stub(parts: &[OsString], meta: &std::fs::Metadata) -> bool {
    let [etc, file] = parts else {
        return false;
    };
    etc == "etc"
        && ["hosts", "hostname", "resolv.conf"]
            .iter()
            .any(|f| file == f)
        && meta.is_file()
        && meta.len() == 0
}

/// The layer's changes as an uncompressed OCI layer tar, or `None` when the container
/// changed nothing. Blocking.
pub fn diff_tar(layer: &Path) -> Result<Option<Vec<u8>>, EngineError> {
    let top = upper(layer);
    if !top.is_dir() {
        return Ok(None);
    }
    let mut builder = tar::Builder::new(Vec::new());
    builder.follow_symlinks(false);
    let mut entries = 0usize;
    add_to_tar(&mut builder, &top, &mut Vec::new(), &mut entries)?;
    if entries == 0 {
        return Ok(None);
    }
    builder
        .into_inner()
        .map(Some)
        .map_err(EngineError::internal)
}

fn add_to_tar(
    builder: &mut tar::Builder<Vec<u8>>,
    dir: &Path,
    parts: &mut Vec<OsString>,
    entries: &mut usize,
) -> Result<(), EngineError> {
    let mut children: Vec<std::fs::DirEntry> = std::fs::read_dir(dir)
        .map_err(EngineError::internal)?
        .flatten()
        .collect();
    children.sort_by_key(|entry| entry.file_name());
    for child in children {
        parts.push(child.file_name());
        let relative: PathBuf = parts.iter().collect();
        let Ok(meta) = child.path().symlink_metadata() else {
            parts.pop();
            continue;
        };
        let kind = meta.file_type();
        if kind.is_char_device() && meta.rdev() == 0 {
            let name =
                relative.with_file_name(format!(".wh.{}", child.file_name().to_string_lossy()));
            append_marker(builder, &name, meta.mtime())?;
            *entries += 1;
        } else if kind.is_socket() || is_mount_stub(parts, &meta) {
            // Sockets cannot be archived (Docker skips them too); stubs are not changes.
        } else {
            builder
                .append_path_with_name(child.path(), &relative)
                .map_err(EngineError::internal)?;
            *entries += 1;
            if meta.is_dir() {
                if is_opaque(&child.path()) {
                    append_marker(builder, &relative.join(".wh..wh..opq"), meta.mtime())?;
                }
                add_to_tar(builder, &child.path(), parts, entries)?;
            }
        }
        parts.pop();
    }
    Ok(())
}

/// An empty whiteout entry.
fn append_marker(
    builder: &mut tar::Builder<Vec<u8>>,
    name: &Path,
    mtime: i64,
) -> Result<(), EngineError> {
    let mut header = tar::Header::new_gnu();
    header.set_entry_type(tar::EntryType::Regular);
    header.set_size(0);
    header.set_mode(0o644);
    header.set_mtime(mtime.max(0) as u64);
    builder
        .append_data(&mut header, name, std::io::empty())
        .map_err(EngineError::internal)
}

/// Whether overlayfs marked a directory opaque (it hides the image's directory of that name).
fn is_opaque(path: &Path) -> bool {
    let mut value = [0u8; 4];
    matches!(
        rustix::fs::lgetxattr(path, "trusted.overlay.opaque", &mut value[..]),
        Ok(1) if value[0] == b'y'
    )
}

fn walk(dir: &Path, lower: &Path, parts: &mut Vec<OsString>, out: &mut Vec<Change>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        parts.push(entry.file_name());
        let path = format!(
            "/{}",
            parts
                .iter()
                .map(|p| p.to_string_lossy())
                .collect::<Vec<_>>()
                .join("/")
        );
        let Ok(meta) = entry.path().symlink_metadata() else {
            parts.pop();
            continue;
        };
        if is_mount_stub(parts, &meta) {
            parts.pop();
            continue;
        }
        let in_image = resolve_in_root(lower, parts)
            .ok()
            .and_then(|p| p.symlink_metadata().ok())
            .is_some();
        let whiteout = meta.file_type().is_char_device() && meta.rdev() == 0;
        let kind = if whiteout {
            2
        } else if in_image {
            0
        } else {
            1
        };
        out.push(Change { path, kind });
        if meta.is_dir() && !whiteout {
            walk(&entry.path(), lower, parts, out);
        }
        parts.pop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_copy_of_the_image_is_compared_with_it() {
        let dir = tempfile::tempdir().unwrap();
        let (image, copy) = (dir.path().join("image"), dir.path().join("copy"));
        for root in [&image, &copy] {
            std::fs::create_dir_all(root.join("etc")).unwrap();
            std::fs::create_dir_all(root.join("bin")).unwrap();
            std::fs::write(root.join("etc/passwd"), "root\n").unwrap();
            std::fs::write(root.join("etc/hostname"), "image\n").unwrap();
            std::fs::write(root.join("bin/gone"), "x").unwrap();
        }
        std::fs::write(copy.join("etc/passwd"), "root\nme\n").unwrap();
        std::fs::write(copy.join("etc/hostname"), "written at start\n").unwrap();
        std::fs::remove_file(copy.join("bin/gone")).unwrap();
        std::fs::create_dir_all(copy.join("work")).unwrap();
        std::fs::write(copy.join("work/data.txt"), "new").unwrap();
        let listed: Vec<(String, u8)> = copy_changes(&copy, &image)
            .into_iter()
            .map(|c| (c.path, c.kind))
            .collect();
        assert_eq!(
            listed,
            [
                ("/bin".to_string(), 0),
                ("/bin/gone".to_string(), 2),
                ("/etc".to_string(), 0),
                ("/etc/passwd".to_string(), 0),
                ("/work".to_string(), 1),
                ("/work/data.txt".to_string(), 1),
            ]
        );
    }

    #[test]
    fn a_layer_tar_carries_files_and_whiteouts_as_oci_names_them() {
        let dir = tempfile::tempdir().unwrap();
        let layer = dir.path().join("layer");
        std::fs::create_dir_all(upper(&layer).join("etc")).unwrap();
        std::fs::write(upper(&layer).join("etc/motd"), "hi").unwrap();
        std::fs::write(upper(&layer).join("etc/hosts"), "").unwrap();
        // A whiteout needs mknod, which only root may do; without it the file alone is tested.
        let whiteout = nix::sys::stat::mknod(
            &upper(&layer).join("gone"),
            nix::sys::stat::SFlag::S_IFCHR,
            nix::sys::stat::Mode::from_bits_truncate(0o600),
            0,
        )
        .is_ok();
        let tar = diff_tar(&layer).unwrap().unwrap();
        let mut archive = tar::Archive::new(tar.as_slice());
        let names: Vec<String> = archive
            .entries()
            .unwrap()
            .map(|e| {
                let path = e.unwrap().path().unwrap().display().to_string();
                path.trim_end_matches('/').to_string()
            })
            .collect();
        let mut expected = vec!["etc", "etc/motd"];
        if whiteout {
            expected.push(".wh.gone");
        }
        assert_eq!(names, expected);
        assert!(diff_tar(&dir.path().join("none")).unwrap().is_none());
    }

    #[test]
    fn changes_from_an_upper_directory() {
        let dir = tempfile::tempdir().unwrap();
        let lower = dir.path().join("lower");
        let layer = dir.path().join("layer");
        std::fs::create_dir_all(lower.join("etc")).unwrap();
        std::fs::write(lower.join("etc/passwd"), "root").unwrap();
        std::fs::create_dir_all(upper(&layer).join("etc")).unwrap();
        std::fs::write(upper(&layer).join("etc/passwd"), "changed").unwrap();
        std::fs::create_dir_all(upper(&layer).join("new/dir")).unwrap();
        let found = changes(&layer, &lower);
        assert_eq!(
            found,
            vec![
                Change {
                    path: "/etc".into(),
                    kind: 0
                },
                Change {
                    path: "/etc/passwd".into(),
                    kind: 0
                },
                Change {
                    path: "/new".into(),
                    kind: 1
                },
                Change {
                    path: "/new/dir".into(),
                    kind: 1
                },
            ]
        );
    }
}
