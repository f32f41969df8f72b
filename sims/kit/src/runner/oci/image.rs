//! Finding an image: its manifest (through an index, for this machine's platform), its config
//! (entrypoint, command, environment, working directory, user) and its layers' blob files, from
//! an [`ImageStore`]: the simulators' shared registry ([`RegistryImages`]) or an OCI image
//! layout on disk ([`LayoutStore`], what `scripts/images` writes).
//!
//! What this module must not do: fetch anything over the network, or trust a blob it has not
//! checked: every blob read is hashed and compared with its digest.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::Value;
use sha2::{Digest as _, Sha256};

use crate::registry::{Digest, Registry};

/// Where an image's manifests and blobs are.
pub trait ImageStore: Send + Sync + 'static {
    /// The bytes of manifest `digest`.
    fn manifest(&self, digest: &str) -> Option<Vec<u8>>;
    /// The file holding blob `digest`.
    fn blob_path(&self, digest: &str) -> Option<PathBuf>;
}

/// One repository of the shared registry, as a provider names it.
pub struct RegistryImages {
    pub registry: Arc<Registry>,
    pub namespace: String,
    pub name: String,
}

impl ImageStore for RegistryImages {
    fn manifest(&self, digest: &str) -> Option<Vec<u8>> {
        let digest = Digest::parse(digest).ok()?;
        self.registry
            .manifest(&self.namespace, &self.name, &digest)
            .map(|record| record.bytes())
    }

    fn blob_path(&self, digest: &str) -> Option<PathBuf> {
        let digest = Digest::parse(digest).ok()?;
        self.registry
            .blob_size(&self.namespace, &self.name, &digest)?;
        Some(self.registry.blobs().path(&digest))
    }
}

/// An OCI image layout directory (`oci-layout`, `index.json`, `blobs/sha256/…`).
#[derive(Debug, Clone)]
pub struct LayoutStore {
    pub dir: PathBuf,
}

impl LayoutStore {
    /// The digest of the manifest the layout's index names `reference` (its
    /// `org.opencontainers.image.ref.name` annotation, the tag), or its only one when
    /// `reference` is empty.
    pub fn find(&self, reference: &str) -> Option<String> {
        let index: Value =
            serde_json::from_slice(&std::fs::read(self.dir.join("index.json")).ok()?).ok()?;
        let manifests = index.get("manifests")?.as_array()?;
        let named = manifests.iter().find(|m| {
            m.pointer("/annotations/org.opencontainers.image.ref.name")
                .and_then(Value::as_str)
                == Some(reference)
        });
        let chosen = match named {
            Some(found) => found,
            None if reference.is_empty() && manifests.len() == 1 => &manifests[0],
            None => return None,
        };
        chosen.get("digest")?.as_str().map(String::from)
    }

    fn path(&self, digest: &str) -> Option<PathBuf> {
        let (algorithm, hex) = digest.split_once(':')?;
        if algorithm != "sha256" || hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let path = self.dir.join("blobs").join(algorithm).join(hex);
        path.is_file().then_some(path)
    }
}

impl ImageStore for LayoutStore {
    fn manifest(&self, digest: &str) -> Option<Vec<u8>> {
        std::fs::read(self.path(digest)?).ok()
    }

    fn blob_path(&self, digest: &str) -> Option<PathBuf> {
        self.path(digest)
    }
}

/// The parts of an image config a container runs with.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ImageConfig {
    pub entrypoint: Option<Vec<String>>,
    pub cmd: Option<Vec<String>>,
    pub env: Vec<String>,
    pub working_dir: Option<String>,
    pub user: Option<String>,
}

/// An image found in a store: its config and layers, bottom first.
#[derive(Debug, Clone)]
pub struct ResolvedImage {
    pub manifest_digest: String,
    pub config: ImageConfig,
    pub layers: Vec<Layer>,
}

#[derive(Debug, Clone)]
pub struct Layer {
    pub digest: String,
    pub path: PathBuf,
}

impl ResolvedImage {
    /// The name of the unpacked root file system: the SHA-256 of the layers' digests in order
    /// (as a chain ID, over the compressed digests), so two images with the same layers share
    /// one.
    pub fn chain_id(&self) -> String {
        let mut hasher = Sha256::new();
        for layer in &self.layers {
            hasher.update(layer.digest.as_bytes());
            hasher.update(b"\n");
        }
        hex::encode(hasher.finalize())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    #[error("manifest {0} not found")]
    ManifestMissing(String),
    #[error("blob {0} not found")]
    BlobMissing(String),
    #[error("blob {0} does not match its digest")]
    Corrupt(String),
    #[error("manifest {digest} is not usable: {reason}")]
    Invalid { digest: String, reason: String },
    #[error("no manifest for platform {0} in the image index")]
    NoPlatform(String),
}

/// This machine's platform, as an index names it.
fn platform() -> (&'static str, &'static str) {
    let architecture = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => other,
    };
    ("linux", architecture)
}

fn checked(bytes: Vec<u8>, digest: &str) -> Result<Vec<u8>, ImageError> {
    let actual = format!("sha256:{}", hex::encode(Sha256::digest(&bytes)));
    if actual == digest {
        Ok(bytes)
    } else {
        Err(ImageError::Corrupt(digest.to_string()))
    }
}

fn read_blob(store: &dyn ImageStore, digest: &str) -> Result<Vec<u8>, ImageError> {
    let path = store
        .blob_path(digest)
        .ok_or_else(|| ImageError::BlobMissing(digest.to_string()))?;
    let mut bytes = Vec::new();
    std::fs::File::open(&path)
        .and_then(|mut file| file.read_to_end(&mut bytes))
        .map_err(|_| ImageError::BlobMissing(digest.to_string()))?;
    checked(bytes, digest)
}

fn strings(value: Option<&Value>) -> Option<Vec<String>> {
    value?.as_array().map(|items| {
        items
            .iter()
            .filter_map(Value::as_str)
            .map(String::from)
            .collect()
    })
}

fn non_empty(value: Option<&Value>) -> Option<String> {
    value
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(String::from)
}

/// Parses an image config's `config` object.
pub fn parse_config(bytes: &[u8]) -> Result<ImageConfig, String> {
    let value: Value = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
    let config = value.get("config").cloned().unwrap_or(Value::Null);
    Ok(ImageConfig {
        entrypoint: strings(config.get("Entrypoint")),
        cmd: strings(config.get("Cmd")),
        env: strings(config.get("Env")).unwrap_or_default(),
        working_dir: non_empty(config.get("WorkingDir")),
        user: non_empty(config.get("User")),
    })
}

/// Resolves manifest `digest` of `store` (following an index to this platform's manifest).
pub fn resolve(store: &dyn ImageStore, digest: &str) -> Result<ResolvedImage, ImageError> {
    let mut digest = digest.to_string();
    for _ in 0..4 {
        let bytes = store
            .manifest(&digest)
            .ok_or_else(|| ImageError::ManifestMissing(digest.clone()))?;
        let bytes = checked(bytes, &digest)?;
        let invalid = |reason: &str| ImageError::Invalid {
            digest: digest.clone(),
            reason: reason.to_string(),
        };
        let manifest: Value =
            serde_json::from_slice(&bytes).map_err(|e| invalid(&e.to_string()))?;
        if let Some(manifests) = manifest.get("manifests").and_then(Value::as_array) {
            let (os, architecture) = platform();
            let chosen = manifests
                .iter()
                .find(|m| {
                    m.pointer("/platform/os").and_then(Value::as_str) == Some(os)
                        && m.pointer("/platform/architecture").and_then(Value::as_str)
                            == Some(architecture)
                })
                .or_else(|| manifests.iter().find(|m| m.get("platform").is_none()))
                .ok_or_else(|| ImageError::NoPlatform(format!("{os}/{architecture}")))?;
            digest = chosen
                .get("digest")
                .and_then(Value::as_str)
                .ok_or_else(|| invalid("index entry without a digest"))?
                .to_string();
            continue;
        }
        let config_digest = manifest
            .pointer("/config/digest")
            .and_then(Value::as_str)
            .ok_or_else(|| invalid("no config"))?;
        let config = parse_config(&read_blob(store, config_digest)?)
            .map_err(|reason| invalid(&format!("config: {reason}")))?;
        let mut layers = Vec::new();
        for layer in manifest
            .get("layers")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let layer_digest = layer
                .get("digest")
                .and_then(Value::as_str)
                .ok_or_else(|| invalid("layer without a digest"))?;
            let path = store
                .blob_path(layer_digest)
                .ok_or_else(|| ImageError::BlobMissing(layer_digest.to_string()))?;
            layers.push(Layer {
                digest: layer_digest.to_string(),
                path,
            });
        }
        return Ok(ResolvedImage {
            manifest_digest: digest,
            config,
            layers,
        });
    }
    Err(ImageError::Invalid {
        digest,
        reason: "indexes nested too deep".into(),
    })
}

/// Hashes the file at `path` and compares it with `digest` (layers are checked once, when
/// unpacked).
pub fn verify_file(path: &Path, digest: &str) -> Result<(), ImageError> {
    let mut file =
        std::fs::File::open(path).map_err(|_| ImageError::BlobMissing(digest.to_string()))?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        let read = file
            .read(&mut buffer)
            .map_err(|_| ImageError::BlobMissing(digest.to_string()))?;
        if read == 0 {
            break;
        }
        hasher.update(&buffer[..read]);
    }
    if format!("sha256:{}", hex::encode(hasher.finalize())) == digest {
        Ok(())
    } else {
        Err(ImageError::Corrupt(digest.to_string()))
    }
}
