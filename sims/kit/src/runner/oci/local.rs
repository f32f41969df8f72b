//! Local images: OCI image layouts on this machine (what `scripts/images` writes) seeded into
//! the runner at start under `localhost/...` names (`sockerless up --seed-images`), so a
//! workload naming `localhost/sockerless/busybox:TAG` runs in it with no registry push.
//!
//! A layout's image is named by the `io.sockerless.image.name` annotation `scripts/images`
//! writes beside the tag (`org.opencontainers.image.ref.name`), or, for layouts made before
//! that annotation, by the `scripts/images (NAME:TAG)` entry of its config's history; a layout
//! naming neither is refused by name. Names are always under `localhost/`: an image is never
//! seeded under the name of an upstream image it is not.
//!
//! The layouts are read where they are (nothing is copied); their blobs are checked against
//! their digests when a workload's image is resolved, as any store's.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use serde_json::Value;

use super::image::{ImageStore, LayoutStore};
use crate::registry::reference::split_image;
use crate::runner::LocatedImage;

/// The annotation `scripts/images` names an image by in its layout's index.
pub const NAME_ANNOTATION: &str = "io.sockerless.image.name";
const TAG_ANNOTATION: &str = "org.opencontainers.image.ref.name";
/// Where `scripts/images` layouts are looked for when `--seed-images` names none.
pub const DEFAULT_LAYOUTS: &str = "/var/tmp/sockerless-image-cache";

/// One seeded image.
#[derive(Debug, Clone)]
struct Seeded {
    store: Arc<LayoutStore>,
    manifest_digest: String,
}

/// The images seeded so far, by repository name (`localhost/sockerless/busybox`) then tag.
#[derive(Debug, Default)]
pub struct LocalImages {
    images: RwLock<BTreeMap<String, BTreeMap<String, Seeded>>>,
}

impl LocalImages {
    /// Seeds every image of the layout at `dir`; the names seeded (`NAME:TAG`).
    pub fn seed_layout(&self, dir: &Path) -> Result<Vec<String>, String> {
        let index_path = dir.join("index.json");
        let index: Value = std::fs::read(&index_path)
            .map_err(|e| format!("{}: {e}", index_path.display()))
            .and_then(|bytes| {
                serde_json::from_slice(&bytes).map_err(|e| format!("{}: {e}", index_path.display()))
            })?;
        let store = Arc::new(LayoutStore {
            dir: dir.to_path_buf(),
        });
        let mut seeded = Vec::new();
        for descriptor in index
            .get("manifests")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let (Some(digest), Some(tag)) = (
                descriptor.get("digest").and_then(Value::as_str),
                descriptor
                    .pointer(&format!(
                        "/annotations/{}",
                        TAG_ANNOTATION.replace('/', "~1")
                    ))
                    .and_then(Value::as_str),
            ) else {
                continue;
            };
            let name = descriptor
                .pointer(&format!("/annotations/{}", NAME_ANNOTATION.replace('/', "~1")))
                .and_then(Value::as_str)
                .map(String::from)
                .or_else(|| name_from_history(store.as_ref(), digest, tag))
                .ok_or_else(|| {
                    format!(
                        "{}: image {tag} is not named (no {NAME_ANNOTATION} annotation, no scripts/images history)",
                        dir.display()
                    )
                })?;
            let name = localhost_name(&name);
            self.images
                .write()
                .unwrap_or_else(|p| p.into_inner())
                .entry(name.clone())
                .or_default()
                .insert(
                    tag.to_string(),
                    Seeded {
                        store: store.clone(),
                        manifest_digest: digest.to_string(),
                    },
                );
            seeded.push(format!("{name}:{tag}"));
        }
        Ok(seeded)
    }

    /// Seeds the layouts at `dirs`, or, when there are none, each layout directly under
    /// [`DEFAULT_LAYOUTS`]; the names seeded, and why each layout that could not be was not.
    pub fn seed(&self, dirs: &[PathBuf]) -> (Vec<String>, Vec<String>) {
        let found: Vec<PathBuf> = if dirs.is_empty() {
            let mut found: Vec<PathBuf> = std::fs::read_dir(DEFAULT_LAYOUTS)
                .into_iter()
                .flatten()
                .flatten()
                .map(|entry| entry.path())
                .filter(|dir| dir.join("index.json").is_file())
                .collect();
            found.sort();
            found
        } else {
            dirs.to_vec()
        };
        let mut names = Vec::new();
        let mut problems = Vec::new();
        for dir in found {
            match self.seed_layout(&dir) {
                Ok(seeded) => names.extend(seeded),
                Err(problem) => problems.push(problem),
            }
        }
        (names, problems)
    }

    /// The seeded image `reference` names (`localhost/NAME:TAG` or `localhost/NAME@DIGEST`).
    pub fn locate(&self, reference: &str) -> Option<LocatedImage> {
        let parts = split_image(reference);
        if parts.host != Some("localhost") {
            return None;
        }
        let images = self.images.read().unwrap_or_else(|p| p.into_inner());
        let tags = images.get(&format!("localhost/{}", parts.name))?;
        let seeded = if parts.reference.starts_with("sha256:") {
            tags.values()
                .find(|seeded| seeded.manifest_digest == parts.reference)?
        } else {
            tags.get(parts.reference)?
        };
        Some(located(seeded))
    }

    /// The newest-tagged (last in order) seeded image of repository `name`
    /// (`localhost/sockerless/bookworm-runtimes`), whatever its tag.
    pub fn any_tag(&self, name: &str) -> Option<(String, LocatedImage)> {
        let images = self.images.read().unwrap_or_else(|p| p.into_inner());
        let (tag, seeded) = images.get(name)?.iter().next_back()?;
        Some((format!("{name}:{tag}"), located(seeded)))
    }

    /// Every seeded image: its `NAME:TAG` and where it is.
    pub fn all(&self) -> Vec<(String, LocatedImage)> {
        let images = self.images.read().unwrap_or_else(|p| p.into_inner());
        images
            .iter()
            .flat_map(|(name, tags)| {
                tags.iter()
                    .map(move |(tag, seeded)| (format!("{name}:{tag}"), located(seeded)))
            })
            .collect()
    }

    /// Every seeded `NAME:TAG`.
    pub fn names(&self) -> Vec<String> {
        let images = self.images.read().unwrap_or_else(|p| p.into_inner());
        images
            .iter()
            .flat_map(|(name, tags)| tags.keys().map(move |tag| format!("{name}:{tag}")))
            .collect()
    }
}

fn located(seeded: &Seeded) -> LocatedImage {
    LocatedImage {
        store: seeded.store.clone(),
        manifest_digest: seeded.manifest_digest.clone(),
    }
}

/// `sockerless/busybox` → `localhost/sockerless/busybox`; a name already under `localhost/`
/// is kept; any other registry host is replaced by `localhost` (never claimed).
fn localhost_name(name: &str) -> String {
    let parts = split_image(name);
    format!("localhost/{}", parts.name)
}

/// The image name the `scripts/images (NAME:TAG)` history entry of the image's config gives
/// (an entry naming `tag`, else any: earlier versions of the script wrote tags differently).
fn name_from_history(store: &LayoutStore, digest: &str, tag: &str) -> Option<String> {
    let manifest: Value = serde_json::from_slice(&store.manifest(digest)?).ok()?;
    let config_digest = manifest.pointer("/config/digest")?.as_str()?;
    let config: Value =
        serde_json::from_slice(&std::fs::read(store.blob_path(config_digest)?).ok()?).ok()?;
    let named: Vec<(&str, &str)> = config
        .get("history")?
        .as_array()?
        .iter()
        .filter_map(|entry| entry.get("created_by")?.as_str())
        .filter_map(|created| {
            let inner = created
                .strip_prefix("scripts/images (")?
                .strip_suffix(')')?;
            inner.rsplit_once(':')
        })
        .collect();
    named
        .iter()
        .find(|(_, named_tag)| *named_tag == tag)
        .or(named.first())
        .map(|(name, _)| name.to_string())
}

/// An image copied into a blob store by [`import_into`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedImage {
    /// The platform manifest's digest.
    pub manifest_digest: String,
    pub config_digest: String,
    /// The sum of the layers' sizes.
    pub size: u64,
}

/// Copies image `located` (its platform manifest, config and layers) into `blobs`, a store of
/// another service (the engine's images), each blob checked against its digest first and
/// hard-linked where the file systems allow (a seeded layout is then on disk once); blobs the
/// store holds already are kept.
pub fn import_into(
    located: &LocatedImage,
    blobs: &crate::registry::blobs::Blobs,
) -> Result<ImportedImage, String> {
    let store = located.store.as_ref();
    let resolved = super::image::resolve(store, &located.manifest_digest)
        .map_err(|error| error.to_string())?;
    let manifest = store
        .manifest(&resolved.manifest_digest)
        .ok_or_else(|| format!("manifest {} not found", resolved.manifest_digest))?;
    let parsed: Value = serde_json::from_slice(&manifest).map_err(|error| error.to_string())?;
    let config_digest = parsed
        .pointer("/config/digest")
        .and_then(Value::as_str)
        .ok_or("the manifest names no config")?
        .to_string();
    let config_path = store
        .blob_path(&config_digest)
        .ok_or_else(|| format!("blob {config_digest} not found"))?;
    let mut size = 0;
    for (digest, path) in std::iter::once((config_digest.as_str(), config_path.as_path())).chain(
        resolved
            .layers
            .iter()
            .map(|layer| (layer.digest.as_str(), layer.path.as_path())),
    ) {
        let copied = link_blob(blobs, path, digest)?;
        if digest != config_digest {
            size += copied;
        }
    }
    // Resolving checked the manifest's bytes against its digest.
    let manifest_digest = crate::registry::Digest::parse(&resolved.manifest_digest)
        .map_err(|_| format!("bad digest {}", resolved.manifest_digest))?;
    let target = blobs.path(&manifest_digest);
    if !target.is_file() {
        write_new(&target, |partial| std::fs::write(partial, &manifest))?;
    }
    Ok(ImportedImage {
        manifest_digest: resolved.manifest_digest,
        config_digest,
        size,
    })
}

/// Puts the file at `source` into `blobs` as `digest` (checked), by a hard link or a copy; its
/// size.
fn link_blob(
    blobs: &crate::registry::blobs::Blobs,
    source: &Path,
    digest: &str,
) -> Result<u64, String> {
    let parsed =
        crate::registry::Digest::parse(digest).map_err(|_| format!("bad digest {digest}"))?;
    let target = blobs.path(&parsed);
    if let Ok(meta) = std::fs::metadata(&target) {
        return Ok(meta.len());
    }
    super::image::verify_file(source, digest).map_err(|error| error.to_string())?;
    write_new(&target, |partial| {
        std::fs::hard_link(source, partial).or_else(|_| std::fs::copy(source, partial).map(drop))
    })?;
    std::fs::metadata(&target)
        .map(|meta| meta.len())
        .map_err(|error| error.to_string())
}

/// Makes `target` by `make` on a temporary name beside it, then renames it into place, so a
/// half-made blob is never seen under its digest.
fn write_new(target: &Path, make: impl FnOnce(&Path) -> std::io::Result<()>) -> Result<(), String> {
    let parent = target.parent().ok_or("a blob path without a directory")?;
    std::fs::create_dir_all(parent).map_err(|error| error.to_string())?;
    let partial = parent.join(format!(
        ".import-{}-{}",
        std::process::id(),
        target
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default()
    ));
    let _ = std::fs::remove_file(&partial);
    make(&partial)
        .and_then(|()| std::fs::rename(&partial, target))
        .map_err(|error| {
            let _ = std::fs::remove_file(&partial);
            format!("cannot store blob {}: {error}", target.display())
        })
}

#[cfg(test)]
#[path = "local_tests.rs"]
mod tests;
