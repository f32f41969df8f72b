//! The cache of unpacked images: one directory per distinct list of layers (named by
//! [`ResolvedImage::chain_id`]), made once, by one unpacker at a time, and never changed
//! afterwards: workloads see it only through their own overlay or copy.
//!
//! A tree is unpacked into a temporary directory beside its final place and renamed there
//! when complete, so a crash mid-unpack leaves no half tree under a real name (the temporary
//! ones are removed when the cache opens). Each layer blob is checked against its digest as it
//! is read. The cache is not pruned: it grows with the distinct images run.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use super::image::{ResolvedImage, verify_file};
use super::unpack::apply_layer;

#[derive(Debug)]
pub struct RootfsCache {
    dir: PathBuf,
    as_root: bool,
    /// One lock per tree being made, so concurrent workloads of one image unpack it once.
    making: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

impl RootfsCache {
    pub fn new(dir: PathBuf, as_root: bool) -> Self {
        if let Ok(entries) = std::fs::read_dir(&dir) {
            for entry in entries.flatten() {
                if entry.file_name().to_string_lossy().starts_with("tmp-") {
                    let _ = std::fs::remove_dir_all(entry.path());
                }
            }
        }
        Self {
            dir,
            as_root,
            making: Mutex::default(),
        }
    }

    /// The directory of the tree for `chain_id`.
    pub fn path(&self, chain_id: &str) -> PathBuf {
        self.dir.join(chain_id)
    }

    /// The names of the trees made so far.
    pub fn entries(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(&self.dir)
            .into_iter()
            .flatten()
            .flatten()
            .map(|entry| entry.file_name().to_string_lossy().into_owned())
            .filter(|name| !name.starts_with("tmp-"))
            .collect();
        names.sort();
        names
    }

    /// The unpacked tree of `image`, made now if it is not there yet.
    pub async fn ensure(&self, image: &ResolvedImage) -> Result<PathBuf, String> {
        let chain_id = image.chain_id();
        let target = self.path(&chain_id);
        if target.is_dir() {
            return Ok(target);
        }
        let lock = self
            .making
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(chain_id.clone())
            .or_default()
            .clone();
        let _guard = lock.lock().await;
        if target.is_dir() {
            return Ok(target);
        }
        let layers = image.layers.clone();
        let dir = self.dir.clone();
        let as_root = self.as_root;
        let made = tokio::task::spawn_blocking(move || -> Result<PathBuf, String> {
            std::fs::create_dir_all(&dir).map_err(|e| format!("image cache: {e}"))?;
            let temporary = dir.join(format!("tmp-{chain_id}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&temporary);
            std::fs::create_dir(&temporary).map_err(|e| format!("image cache: {e}"))?;
            let result = unpack_all(&temporary, &layers, as_root);
            if let Err(message) = result {
                let _ = std::fs::remove_dir_all(&temporary);
                return Err(message);
            }
            let target = dir.join(&chain_id);
            if let Err(error) = std::fs::rename(&temporary, &target) {
                let _ = std::fs::remove_dir_all(&temporary);
                // Another simulator sharing the cache made the same tree first.
                if !target.is_dir() {
                    return Err(format!("image cache: {error}"));
                }
            }
            Ok(target)
        })
        .await
        .map_err(|join| format!("unpacking failed: {join}"))?;
        self.making
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&image.chain_id());
        made
    }
}

fn unpack_all(root: &Path, layers: &[super::image::Layer], as_root: bool) -> Result<(), String> {
    // The root directory of an image is 0755, whatever the temporary directory was made with.
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(root, std::fs::Permissions::from_mode(0o755))
        .map_err(|e| format!("image cache: {e}"))?;
    for layer in layers {
        verify_file(&layer.path, &layer.digest).map_err(|e| e.to_string())?;
        let file =
            std::fs::File::open(&layer.path).map_err(|e| format!("layer {}: {e}", layer.digest))?;
        apply_layer(root, file, as_root).map_err(|e| format!("layer {}: {e}", layer.digest))?;
    }
    Ok(())
}
