//! The cache of unpacked images, in two parts under its directory:
//! - `layers/HEX`: each layer blob unpacked alone, once, named by its digest, whatever images
//!   share it ([`super::unpack::unpack_layer`]);
//! - `roots/CHAIN`: one root file system per distinct list of layers (named by
//!   [`ResolvedImage::chain_id`]), composed from the layers' directories by hard links
//!   ([`super::compose`]), so a layer's files are on disk once however many images use it.
//!
//! Each is made once, by one maker at a time, and never changed afterwards: workloads see a root
//! only through their own overlay or copy. It is made in a temporary directory beside its final
//! place and renamed there when complete, so a crash mid-way leaves nothing half made under a
//! real name (a temporary one whose maker process is gone is removed when the cache opens).
//! Each layer blob is checked against its digest as it is unpacked. The cache is not pruned: it
//! grows with the distinct layers and images run.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use super::compose::compose_layer;
use super::image::{Layer, ResolvedImage, verify_file};
use super::unpack::unpack_layer;

const LAYERS: &str = "layers";
const ROOTS: &str = "roots";

#[derive(Debug)]
pub struct RootfsCache {
    dir: PathBuf,
    as_root: bool,
    /// One lock per tree being made, so concurrent workloads of one image unpack it once.
    making: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

impl RootfsCache {
    pub fn new(dir: PathBuf, as_root: bool) -> Self {
        for part in [LAYERS, ROOTS] {
            if let Ok(entries) = std::fs::read_dir(dir.join(part)) {
                for entry in entries.flatten() {
                    if abandoned(&entry.file_name().to_string_lossy()) {
                        let _ = std::fs::remove_dir_all(entry.path());
                    }
                }
            }
        }
        Self {
            dir,
            as_root,
            making: Mutex::default(),
        }
    }

    /// The directory of the root file system for `chain_id`.
    pub fn path(&self, chain_id: &str) -> PathBuf {
        self.dir.join(ROOTS).join(chain_id)
    }

    /// The directory layer `digest` is unpacked in.
    pub fn layer_path(&self, digest: &str) -> PathBuf {
        self.dir
            .join(LAYERS)
            .join(digest.rsplit(':').next().unwrap_or(digest))
    }

    /// The names of the root file systems made so far.
    pub fn entries(&self) -> Vec<String> {
        list(&self.dir.join(ROOTS))
    }

    /// The hex digests of the layers unpacked so far.
    pub fn layers(&self) -> Vec<String> {
        list(&self.dir.join(LAYERS))
    }

    /// The root file system of `image`, made now (with any of its layers not unpacked yet) if it
    /// is not there yet.
    pub async fn ensure(&self, image: &ResolvedImage) -> Result<PathBuf, String> {
        let chain_id = image.chain_id();
        let target = self.path(&chain_id);
        if target.is_dir() {
            return Ok(target);
        }
        let mut layer_dirs = Vec::with_capacity(image.layers.len());
        for layer in &image.layers {
            layer_dirs.push(self.ensure_layer(layer).await?);
        }
        let as_root = self.as_root;
        self.make_once(target, move |temporary| {
            for dir in &layer_dirs {
                compose_layer(temporary, dir, as_root).map_err(|e| format!("image cache: {e}"))?;
            }
            Ok(())
        })
        .await
    }

    async fn ensure_layer(&self, layer: &Layer) -> Result<PathBuf, String> {
        let well_formed = layer
            .digest
            .strip_prefix("sha256:")
            .is_some_and(|hex| hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()));
        if !well_formed {
            return Err(format!(
                "layer digest {:?} is not a sha256 digest",
                layer.digest
            ));
        }
        let target = self.layer_path(&layer.digest);
        if target.is_dir() {
            return Ok(target);
        }
        let layer = layer.clone();
        let as_root = self.as_root;
        self.make_once(target, move |temporary| {
            verify_file(&layer.path, &layer.digest).map_err(|e| e.to_string())?;
            let file = std::fs::File::open(&layer.path)
                .map_err(|e| format!("layer {}: {e}", layer.digest))?;
            unpack_layer(temporary, file, as_root)
                .map_err(|e| format!("layer {}: {e}", layer.digest))
        })
        .await
    }

    /// Makes the directory `target` with `make` (given an empty temporary directory, 0755,
    /// renamed to `target` when `make` succeeds), unless it is there; one maker per target.
    async fn make_once(
        &self,
        target: PathBuf,
        make: impl FnOnce(&Path) -> Result<(), String> + Send + 'static,
    ) -> Result<PathBuf, String> {
        let key = target.display().to_string();
        let lock = self
            .making
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(key.clone())
            .or_default()
            .clone();
        let _guard = lock.lock().await;
        if target.is_dir() {
            return Ok(target);
        }
        let made = tokio::task::spawn_blocking(move || -> Result<PathBuf, String> {
            let (Some(parent), Some(name)) = (target.parent(), target.file_name()) else {
                return Err(format!("image cache: no place for {}", target.display()));
            };
            std::fs::create_dir_all(parent).map_err(|e| format!("image cache: {e}"))?;
            let temporary = parent.join(format!(
                "tmp-{}-{}",
                name.to_string_lossy(),
                std::process::id()
            ));
            let _ = std::fs::remove_dir_all(&temporary);
            std::fs::create_dir(&temporary).map_err(|e| format!("image cache: {e}"))?;
            // The root directory of an image is 0755, whatever the temporary one was made with.
            use std::os::unix::fs::PermissionsExt;
            let made = std::fs::set_permissions(&temporary, std::fs::Permissions::from_mode(0o755))
                .map_err(|e| format!("image cache: {e}"))
                .and_then(|()| make(&temporary));
            if let Err(message) = made {
                let _ = std::fs::remove_dir_all(&temporary);
                return Err(message);
            }
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
            .remove(&key);
        made
    }
}

/// Whether `name` is a temporary tree whose maker is gone. A temporary is named
/// `tmp-NAME-PID`; while process PID lives it may still be writing there (several simulators,
/// or the test cells' many servers, share one cache), so only a dead maker's is removed.
fn abandoned(name: &str) -> bool {
    let Some(rest) = name.strip_prefix("tmp-") else {
        return false;
    };
    match rest
        .rsplit('-')
        .next()
        .and_then(|pid| pid.parse::<u32>().ok())
    {
        Some(pid) => pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists(),
        None => true,
    }
}

fn list(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| !name.starts_with("tmp-"))
        .collect();
    names.sort();
    names
}

#[cfg(test)]
mod tests {
    use super::abandoned;

    #[test]
    fn only_a_dead_makers_temporary_is_abandoned() {
        assert!(!abandoned("0123abcd"), "a finished tree is kept");
        assert!(!abandoned(&format!("tmp-0123abcd-{}", std::process::id())));
        // PID 1 is always alive.
        assert!(!abandoned("tmp-0123abcd-1"));
        assert!(abandoned("tmp-0123abcd-4294967295"));
        assert!(abandoned("tmp-without-a-pid"));
    }
}
