//! An OCI distribution (v2) registry, written once for every provider: ECR now, Artifact
//! Registry, ACR and the Docker engine's image store later. It serves the spec's HTTP API
//! ([`http`]: `/v2/`, manifests, blobs, uploads, tags, referrers) and offers the same state to
//! the provider's own API ([`Registry`]'s methods: ECR's PutImage, BatchGetImage, layer
//! uploads...), so both show exactly what was pushed.
//!
//! | module | holds |
//! |---|---|
//! | [`reference`] | names, tags, digests and request paths (pure; fuzzable) |
//! | [`blobs`] | content-addressed blob files, uploads' files, ranges |
//! | [`manifest`] | manifest media types and the descriptors a manifest references |
//! | [`error`] | the spec's error codes, statuses and body |
//! | [`http`] | the axum routes |
//! | [`upstream`] | pull-through from an upstream registry (`--registry-upstream`) into a cache namespace |
//!
//! Pull-through: a registry opened in a kit that has an upstream (`--registry-upstream`) holds
//! an [`upstream::PullThrough`]. A provider finds a workload's image in its own namespaces
//! first and hands the outcome to [`Registry::locate_or_pull`]: a reference it does not hold
//! that the upstream stands for (Docker Hub names, the upstream's own host) is pulled into
//! this registry's [`upstream::CACHE_NAMESPACE`] and run from there, every provider alike;
//! the provider only words the failure as its cloud does.
//!
//! State: blobs are files under `<data dir>/registry/blobs/sha256/ab/abcd…` (the state
//! directory, or in memory mode the kit's temporary directory, removed with it); repositories'
//! manifests, tags, blob links and uploads are store records (`registry.*` collections) keyed
//! `namespace\0name\0...`, durable like every other write. A *namespace* is one provider
//! registry (ECR: `account/region`); the provider names it from the request ([`Provider`]).
//!
//! What this module must not know: any provider's wire format, credentials or naming. The
//! provider authenticates requests, says which namespace a request addresses, whether a
//! repository exists, and whether a tag may move (immutable tags), through [`Provider`].
//! Limits: blobs no longer referenced are not garbage-collected (content-addressed files, they
//! are reused by the next push of the same content); `_catalog` is not served here (ECR lacks it); a provider
//! that has one lists [`Registry::repositories`].

pub mod blobs;
pub mod error;
pub mod http;
pub mod manifest;
pub mod reference;
pub mod upstream;

#[cfg(test)]
mod tests;

use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};

use crate::Kit;
use crate::store::{Collection, StoreError};
pub use error::{Code, RegistryError};
pub use manifest::Descriptor;
pub use reference::{Digest, Reference};

/// The body limit of registry routes: layers are streamed, so only the disk bounds them. The
/// server holds other bodies to its small limit, so a provider serving the registry admits
/// `/v2/` bodies up to this one through its `ErrorRenderer::streaming_limit`.
pub const BODY_LIMIT: usize = 64 << 30;

/// The largest manifest accepted (the spec's suggested minimum a registry must take is 4 MiB).
pub const MAX_MANIFEST_BYTES: usize = 4 << 20;

/// What a request carries that a provider authenticates.
#[derive(Debug, Clone)]
pub struct RequestHead<'a> {
    /// The host it was addressed to (Host header, absolute URI), lower-cased, without port.
    pub host: Option<&'a str>,
    pub authorization: Option<&'a str>,
    /// The query string: a provider may accept signed URLs (ECR's layer download URLs).
    pub query: Option<&'a str>,
}

/// A refusal to authenticate: the error and the `WWW-Authenticate` challenge to send.
#[derive(Debug, Clone)]
pub struct Challenge {
    pub www_authenticate: String,
    pub error: RegistryError,
}

/// What the provider decides.
pub trait Provider: Send + Sync + 'static {
    /// The namespace the request addresses, if its credentials are good for it.
    fn authenticate(&self, request: &RequestHead<'_>) -> Result<String, Box<Challenge>>;

    /// Whether repository `name` of `namespace` may be read or pushed to; the provider's
    /// NAME_UNKNOWN (or DENIED) otherwise.
    fn check_repository(&self, namespace: &str, name: &str) -> Result<(), RegistryError>;

    /// Whether `tag`, now on `current`, may be set to `digest`.
    fn check_tag(
        &self,
        namespace: &str,
        name: &str,
        tag: &str,
        current: Option<&Digest>,
        digest: &Digest,
    ) -> Result<(), RegistryError>;
}

/// A stored manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ManifestRecord {
    pub media_type: String,
    /// The manifest's bytes, base64: the digest is of these exact bytes.
    pub content: String,
    pub size: u64,
    /// When it was first pushed (milliseconds).
    pub pushed_at: i64,
    /// The blobs (config, layers) or manifests (an index's) it references.
    pub references: Vec<Descriptor>,
    pub subject: Option<String>,
    pub artifact_type: Option<String>,
    /// The config's media type (an image manifest's).
    pub config_media_type: Option<String>,
    /// The sum of the layers' sizes (an image manifest's).
    pub layers_size: u64,
    /// When it was last pulled (milliseconds).
    #[serde(default)]
    pub last_pulled_at: Option<i64>,
}

impl ManifestRecord {
    pub fn bytes(&self) -> Vec<u8> {
        STANDARD.decode(&self.content).unwrap_or_default()
    }
}

/// Where a tag points.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TagRecord {
    pub digest: String,
    pub updated_at: i64,
}

/// A blob made part of a repository (pushed to it or mounted into it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BlobLink {
    pub size: u64,
}

/// An upload in progress.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UploadRecord {
    pub namespace: String,
    pub name: String,
    /// Bytes received so far.
    pub offset: u64,
    pub started_at: i64,
}

/// A manifest as listed: its digest, record and tags.
#[derive(Debug, Clone, PartialEq)]
pub struct Image {
    pub digest: Digest,
    pub manifest: ManifestRecord,
    pub tags: Vec<String>,
}

/// One registry: blob files, metadata collections and the provider's hooks. Cheap to share.
pub struct Registry {
    kit: Kit,
    provider: Arc<dyn Provider>,
    blobs: blobs::Blobs,
    manifests: Arc<Collection<ManifestRecord>>,
    tags: Arc<Collection<TagRecord>>,
    links: Arc<Collection<BlobLink>>,
    uploads: Arc<Collection<UploadRecord>>,
    /// Pulls references this registry lacks through the kit's upstream, if it has one.
    pull_through: Option<upstream::PullThrough>,
}

#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("registry directory: {0}")]
    Io(#[from] std::io::Error),
}

fn key(namespace: &str, name: &str, item: &str) -> String {
    format!("{namespace}\0{name}\0{item}")
}

fn prefix(namespace: &str, name: &str) -> String {
    format!("{namespace}\0{name}\0")
}

impl Registry {
    /// A registry in `kit`'s data directory, answering for `provider`. Gives `/v2/` its own
    /// body limit and empties the blob files on reset.
    pub fn open(kit: Kit, provider: Arc<dyn Provider>) -> Result<Arc<Self>, OpenError> {
        let blobs = blobs::Blobs::new(&kit.files_dir().join("registry"))?;
        let store = kit.store();
        let registry = Arc::new(Self {
            manifests: store.collection("registry.manifests")?,
            tags: store.collection("registry.tags")?,
            links: store.collection("registry.links")?,
            uploads: store.collection("registry.uploads")?,
            blobs: blobs.clone(),
            provider,
            pull_through: kit
                .registry_upstream()
                .map(|config| upstream::PullThrough::new(config.clone())),
            kit: kit.clone(),
        });
        kit.on_reset(move || blobs.clear());
        Ok(registry)
    }

    pub fn provider(&self) -> &Arc<dyn Provider> {
        &self.provider
    }

    /// `image` pulled through the kit's upstream registry into this registry's cache (see
    /// [`upstream`]); `None` when the kit has no upstream or it does not stand for `image`'s
    /// registry.
    pub async fn pull_through(
        self: &Arc<Self>,
        image: &str,
    ) -> Option<Result<crate::runner::LocatedImage, upstream::PullError>> {
        self.pull_through.as_ref()?.pull(self, image).await
    }

    /// The image seeded at start (`--seed-images`) that `image` names (`localhost/NAME:TAG` or
    /// `localhost/NAME@DIGEST`), found here so a provider knows before it starts a workload
    /// that it runs in an image (an ECS task's network namespace depends on it).
    fn seeded(&self, image: &str) -> Option<crate::runner::LocatedImage> {
        let parts = reference::split_image(image);
        if parts.host != Some("localhost") {
            return None;
        }
        let repository = format!("localhost/{}:", parts.name);
        let tagged = format!("{repository}{}", parts.reference);
        self.kit
            .runner()
            .seeded_images()
            .into_iter()
            .find(|(name, located)| {
                *name == tagged
                    || (name.starts_with(&repository) && located.manifest_digest == parts.reference)
            })
            .map(|(_, located)| located)
    }

    /// Where a workload's `image` is: `own`, what the provider found in its own namespaces,
    /// or, when that failed, an image seeded at start of that name, or the image pulled through
    /// the upstream, with a failure worded by
    /// `word` (the provider's message for a pull that failed). Nothing is pulled for a runner
    /// that runs host processes (it uses no image), nor for a registry the upstream does not
    /// stand for: the provider's own reason stands then.
    pub async fn locate_or_pull(
        self: &Arc<Self>,
        image: &str,
        own: Result<crate::runner::LocatedImage, String>,
        word: impl FnOnce(upstream::PullError) -> String,
    ) -> Result<crate::runner::LocatedImage, String> {
        let why = match own {
            Ok(located) => return Ok(located),
            Err(why) => why,
        };
        if self.kit.runner().isolation().runner == "process" {
            return Err(why);
        }
        if let Some(located) = self.seeded(image) {
            return Ok(located);
        }
        match self.pull_through(image).await {
            None => Err(why),
            Some(Ok(located)) => Ok(located),
            Some(Err(error)) => {
                tracing::info!(image, %error, "the upstream registry could not give the image");
                Err(word(error))
            }
        }
    }

    pub fn blobs(&self) -> &blobs::Blobs {
        &self.blobs
    }

    fn now(&self) -> i64 {
        self.kit.clock().now_millis()
    }

    /// The size of blob `digest` if repository `name` holds it.
    pub fn blob_size(&self, namespace: &str, name: &str, digest: &Digest) -> Option<u64> {
        self.links
            .get(&key(namespace, name, digest.as_str()))
            .map(|link| link.size)
            .filter(|_| self.blobs.size(digest).is_some())
    }

    /// Makes blob `digest` (stored already) part of repository `name`.
    pub fn link_blob(
        &self,
        namespace: &str,
        name: &str,
        digest: &Digest,
        size: u64,
    ) -> Result<(), RegistryError> {
        self.links
            .insert(&key(namespace, name, digest.as_str()), BlobLink { size })?;
        Ok(())
    }

    pub fn unlink_blob(
        &self,
        namespace: &str,
        name: &str,
        digest: &Digest,
    ) -> Result<bool, RegistryError> {
        Ok(self
            .links
            .remove(&key(namespace, name, digest.as_str()))?
            .is_some())
    }

    /// The digest `reference` names in repository `name`, if it names a stored manifest.
    pub fn resolve(&self, namespace: &str, name: &str, reference: &Reference) -> Option<Digest> {
        let digest = match reference {
            Reference::Digest(digest) => digest.clone(),
            Reference::Tag(tag) => {
                let record = self.tags.get(&key(namespace, name, tag))?;
                Digest::parse(&record.digest).ok()?
            }
        };
        self.manifests
            .contains(&key(namespace, name, digest.as_str()))
            .then_some(digest)
    }

    pub fn manifest(&self, namespace: &str, name: &str, digest: &Digest) -> Option<ManifestRecord> {
        self.manifests.get(&key(namespace, name, digest.as_str()))
    }

    /// Records that the manifest was pulled now.
    pub fn record_pull(
        &self,
        namespace: &str,
        name: &str,
        digest: &Digest,
    ) -> Result<(), RegistryError> {
        let now = self.now();
        self.manifests
            .update(&key(namespace, name, digest.as_str()), |record| {
                record.last_pulled_at = Some(now)
            })?;
        Ok(())
    }

    /// Every manifest of repository `name` with its tags, by digest.
    pub fn images(&self, namespace: &str, name: &str) -> Vec<Image> {
        let start = prefix(namespace, name);
        let mut tags: std::collections::BTreeMap<String, Vec<String>> = Default::default();
        for (tag_key, record) in self.tags.scan_prefix(&start) {
            tags.entry(record.digest)
                .or_default()
                .push(tag_key[start.len()..].to_string());
        }
        self.manifests
            .scan_prefix(&start)
            .into_iter()
            .filter_map(|(manifest_key, manifest)| {
                let digest = Digest::parse(&manifest_key[start.len()..]).ok()?;
                let tags = tags.remove(digest.as_str()).unwrap_or_default();
                Some(Image {
                    digest,
                    manifest,
                    tags,
                })
            })
            .collect()
    }

    /// The repositories of `namespace` that hold a manifest, sorted (a registry's catalog).
    pub fn repositories(&self, namespace: &str) -> Vec<String> {
        let start = format!("{namespace}\0");
        let mut names: Vec<String> = self
            .manifests
            .scan_prefix(&start)
            .into_iter()
            .filter_map(|(manifest_key, _)| {
                let rest = &manifest_key[start.len()..];
                rest.split_once('\0').map(|(name, _)| name.to_string())
            })
            .collect();
        names.dedup();
        names
    }

    /// The tags of repository `name`, sorted.
    pub fn tag_names(&self, namespace: &str, name: &str) -> Vec<String> {
        let start = prefix(namespace, name);
        self.tags
            .scan_prefix(&start)
            .into_iter()
            .map(|(tag_key, _)| tag_key[start.len()..].to_string())
            .collect()
    }

    /// Stores manifest `bytes` in repository `name`, tagged if `reference` is a tag; checks
    /// its digest (when `reference` is one), its media type and that everything it references
    /// is in the repository. Returns its digest and whether the tag changed anything.
    pub async fn put_manifest(
        &self,
        namespace: &str,
        name: &str,
        reference: &Reference,
        content_type: Option<&str>,
        bytes: &[u8],
    ) -> Result<Digest, RegistryError> {
        if bytes.len() > MAX_MANIFEST_BYTES {
            return Err(RegistryError::with_message(
                Code::SizeInvalid,
                format!("manifest larger than {MAX_MANIFEST_BYTES} bytes"),
            ));
        }
        let digest = Digest::of(bytes);
        if let Reference::Digest(expected) = reference
            && *expected != digest
        {
            return Err(RegistryError::new(Code::DigestInvalid)
                .detail(serde_json::json!({"digest": expected.as_str()})));
        }
        let parsed = manifest::parse(bytes, content_type)?;
        for descriptor in &parsed.references {
            let present = match parsed.kind {
                manifest::Kind::Index => {
                    self.manifests
                        .contains(&key(namespace, name, &descriptor.digest))
                }
                manifest::Kind::Image => {
                    descriptor.has_urls()
                        || Digest::parse(&descriptor.digest)
                            .ok()
                            .and_then(|d| self.blob_size(namespace, name, &d))
                            .is_some()
                }
            };
            if !present {
                return Err(RegistryError::new(Code::ManifestBlobUnknown)
                    .detail(serde_json::json!({"digest": descriptor.digest})));
            }
        }
        let tag = match reference {
            Reference::Tag(tag) => {
                let current = self
                    .tags
                    .get(&key(namespace, name, tag))
                    .and_then(|record| Digest::parse(&record.digest).ok());
                self.provider
                    .check_tag(namespace, name, tag, current.as_ref(), &digest)?;
                Some(tag.clone())
            }
            Reference::Digest(_) => None,
        };
        let now = self.now();
        let manifest_key = key(namespace, name, digest.as_str());
        let record = ManifestRecord {
            media_type: parsed.media_type,
            content: STANDARD.encode(bytes),
            size: bytes.len() as u64,
            pushed_at: now,
            layers_size: parsed.layers_size,
            references: parsed.references,
            subject: parsed.subject,
            artifact_type: parsed.artifact_type,
            config_media_type: parsed.config_media_type,
            last_pulled_at: None,
        };
        let (manifests, tags) = (&self.manifests, &self.tags);
        self.kit.store().transaction(|txn| {
            if !txn.contains(manifests, &manifest_key)? {
                txn.insert(manifests, &manifest_key, record)?;
            }
            if let Some(tag) = &tag {
                let tag_key = key(namespace, name, tag);
                let unchanged = txn
                    .get(tags, &tag_key)?
                    .is_some_and(|current| current.digest == digest.as_str());
                if !unchanged {
                    txn.insert(
                        tags,
                        &tag_key,
                        TagRecord {
                            digest: digest.to_string(),
                            updated_at: now,
                        },
                    )?;
                }
            }
            Ok::<_, RegistryError>(())
        })?;
        Ok(digest)
    }

    /// Removes a tag; whether it existed.
    pub fn untag(&self, namespace: &str, name: &str, tag: &str) -> Result<bool, RegistryError> {
        Ok(self.tags.remove(&key(namespace, name, tag))?.is_some())
    }

    /// Removes a manifest and every tag on it; the tags it had, or `None` if it was absent.
    pub fn delete_manifest(
        &self,
        namespace: &str,
        name: &str,
        digest: &Digest,
    ) -> Result<Option<Vec<String>>, RegistryError> {
        let start = prefix(namespace, name);
        let tag_keys: Vec<String> = self
            .tags
            .scan_prefix(&start)
            .into_iter()
            .filter(|(_, record)| record.digest == digest.as_str())
            .map(|(tag_key, _)| tag_key)
            .collect();
        let (manifests, tags) = (&self.manifests, &self.tags);
        self.kit.store().transaction(|txn| {
            if txn
                .remove(manifests, &key(namespace, name, digest.as_str()))?
                .is_none()
            {
                return Ok(None);
            }
            for tag_key in &tag_keys {
                txn.remove(tags, tag_key)?;
            }
            Ok::<_, RegistryError>(Some(
                tag_keys
                    .iter()
                    .map(|tag_key| tag_key[start.len()..].to_string())
                    .collect(),
            ))
        })
    }

    /// Removes everything repository `name` holds (its provider deleted it).
    pub fn delete_repository(&self, namespace: &str, name: &str) -> Result<(), RegistryError> {
        let start = prefix(namespace, name);
        let uploads: Vec<String> = self
            .uploads
            .all()
            .into_iter()
            .filter(|(_, upload)| upload.namespace == namespace && upload.name == name)
            .map(|(id, _)| id)
            .collect();
        let (manifests, tags, links, upload_records) =
            (&self.manifests, &self.tags, &self.links, &self.uploads);
        self.kit.store().transaction(|txn| {
            txn.remove_prefix(manifests, &start)?;
            txn.remove_prefix(tags, &start)?;
            txn.remove_prefix(links, &start)?;
            for id in &uploads {
                txn.remove(upload_records, id)?;
            }
            Ok::<_, RegistryError>(())
        })?;
        for id in uploads {
            if let Some(path) = self.blobs.upload_path(&id) {
                let _ = std::fs::remove_file(path);
            }
        }
        Ok(())
    }

    /// Starts an upload into repository `name`; its ID.
    pub fn start_upload(&self, namespace: &str, name: &str) -> Result<String, RegistryError> {
        let id = self.kit.ids().uuid();
        self.uploads.insert(
            &id,
            UploadRecord {
                namespace: namespace.to_string(),
                name: name.to_string(),
                offset: 0,
                started_at: self.now(),
            },
        )?;
        Ok(id)
    }

    /// The upload `id` of repository `name`.
    pub fn upload(&self, namespace: &str, name: &str, id: &str) -> Option<UploadRecord> {
        self.uploads
            .get(id)
            .filter(|upload| upload.namespace == namespace && upload.name == name)
    }

    /// Records that `added` more bytes arrived in upload `id`; its new offset.
    pub fn advance_upload(&self, id: &str, added: u64) -> Result<u64, RegistryError> {
        self.uploads
            .update(id, |upload| {
                upload.offset += added;
                upload.offset
            })?
            .ok_or_else(|| RegistryError::new(Code::BlobUploadUnknown))
    }

    /// Appends `bytes` at `offset` of upload `id` (ECR's UploadLayerPart); the new offset.
    pub async fn append_upload_bytes(
        &self,
        id: &str,
        offset: u64,
        bytes: &[u8],
    ) -> Result<u64, RegistryError> {
        let upload = self
            .uploads
            .get(id)
            .ok_or_else(|| RegistryError::new(Code::BlobUploadUnknown))?;
        if offset != upload.offset {
            return Err(RegistryError::new(Code::RangeInvalid));
        }
        let path = self
            .blobs
            .upload_path(id)
            .ok_or_else(|| RegistryError::new(Code::BlobUploadUnknown))?;
        self.blobs.append_bytes(&path, bytes).await?;
        self.advance_upload(id, bytes.len() as u64)
    }

    /// Completes upload `id` as blob `digest`, linked into the upload's repository; its size.
    pub async fn complete_upload(&self, id: &str, digest: &Digest) -> Result<u64, RegistryError> {
        let upload = self
            .uploads
            .get(id)
            .ok_or_else(|| RegistryError::new(Code::BlobUploadUnknown))?;
        let path = self
            .blobs
            .upload_path(id)
            .ok_or_else(|| RegistryError::new(Code::BlobUploadUnknown))?;
        let size = self.blobs.complete(&path, digest).await?;
        let (uploads, links) = (&self.uploads, &self.links);
        self.kit.store().transaction(|txn| {
            txn.remove(uploads, id)?;
            txn.insert(
                links,
                &key(&upload.namespace, &upload.name, digest.as_str()),
                BlobLink { size },
            )?;
            Ok::<_, RegistryError>(())
        })?;
        Ok(size)
    }

    /// Abandons upload `id`; whether it existed.
    pub fn cancel_upload(&self, id: &str) -> Result<bool, RegistryError> {
        let existed = self.uploads.remove(id)?.is_some();
        if let Some(path) = self.blobs.upload_path(id) {
            let _ = std::fs::remove_file(path);
        }
        Ok(existed)
    }

    /// The manifests of repository `name` whose subject is `digest`.
    pub fn referrers(&self, namespace: &str, name: &str, digest: &Digest) -> Vec<Image> {
        self.images(namespace, name)
            .into_iter()
            .filter(|image| image.manifest.subject.as_deref() == Some(digest.as_str()))
            .collect()
    }
}
