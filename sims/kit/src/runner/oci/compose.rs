//! Composing an image's root file system from its layers' directories, each unpacked once
//! ([`super::unpack::unpack_layer`]) and shared by every image that has the layer.
//!
//! The root is made of hard links: a file, symbolic link or FIFO of a layer is linked into the
//! root, so its data is on disk once however many images use it; directories are made anew.
//! Layers merge as Docker's overlay2 driver merges them, path by path, top layer winning: a
//! directory over a directory merges the two (the upper one's mode and owner); anything else
//! replaces what was below; a layer's whiteout markers remove what the layers below put there
//! (`.wh.NAME`) or empty its directory of it (`.wh..wh..opq`), before the layer's own entries
//! of that directory are added.
//!
//! Containment: every path is a directory entry's name joined under a real directory of the
//! root (a non-directory in the way is replaced, never followed), so nothing is written outside
//! the root. The linked files are shared with the layer's directory: the root must never be
//! written to (workloads write through their own overlay or copy).

use std::fs;
use std::io;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

use super::unpack::{OPAQUE, WHITEOUT_PREFIX, chown_no_follow, remove_any};

/// Adds the layer unpacked at `layer` on top of the root at `root`.
pub fn compose_layer(root: &Path, layer: &Path, as_root: bool) -> io::Result<()> {
    merge_dir(root, layer, as_root)
}

fn merge_dir(target: &Path, source: &Path, as_root: bool) -> io::Result<()> {
    let mut entries: Vec<fs::DirEntry> = fs::read_dir(source)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(fs::DirEntry::file_name);
    // The markers first: they hide only what the layers below put here.
    for entry in &entries {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name == OPAQUE {
            for child in fs::read_dir(target)? {
                remove_any(&child?.path())?;
            }
        } else if let Some(hidden) = name.strip_prefix(WHITEOUT_PREFIX) {
            remove_any(&target.join(hidden))?;
        }
    }
    for entry in &entries {
        let name = entry.file_name();
        if name.to_string_lossy().starts_with(WHITEOUT_PREFIX) {
            continue;
        }
        let from = entry.path();
        let to = target.join(&name);
        let meta = fs::symlink_metadata(&from)?;
        if meta.is_dir() {
            match fs::symlink_metadata(&to) {
                Ok(existing) if existing.is_dir() => {}
                Ok(_) => {
                    remove_any(&to)?;
                    fs::create_dir(&to)?;
                }
                Err(_) => fs::create_dir(&to)?,
            }
            merge_dir(&to, &from, as_root)?;
            if as_root {
                chown_no_follow(&to, (meta.uid(), meta.gid()))?;
            }
            // After the owner change, which clears set-user-ID bits.
            fs::set_permissions(&to, fs::Permissions::from_mode(meta.mode() & 0o7777))?;
        } else {
            remove_any(&to)?;
            // `link(2)` links a symbolic link itself, never what it points to.
            fs::hard_link(&from, &to)?;
        }
    }
    Ok(())
}
