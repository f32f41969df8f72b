//! The image store: blobs content-addressed on disk (simkit's registry `Blobs`, under the kit's
//! files directory) and one record per image (its ID is its config's digest, as Docker's) with
//! its tags. It is the runner's [`ImageStore`], so containers run from exactly what was loaded
//! or pulled.
//!
//! Images arrive by `docker load` (a `docker save` tar, with `manifest.json`, or an OCI layout
//! tar, with `index.json`) or by a pull from a registry ([`crate::pull`]). Nothing invents an
//! image: an unknown name is Docker's `No such image`.
//!
//! What this module must not do: take a path from an archive. Archive entries are data: each
//! is read by name into memory or a blob, and blobs are named only by their verified digests.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use engine_core::EngineError;
use engine_core::api::{ImageDeleted, ImageInspect, ImageSummary, ProgressMessage};
use engine_core::backend::Progress;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use simkit::registry::Digest;
use simkit::registry::blobs::Blobs;
use simkit::runner::oci::image::ImageStore;
use simkit::store::Collection;

use crate::reference::{ImageRef, familiar};

pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub const OCI_CONFIG: &str = "application/vnd.oci.image.config.v1+json";
pub const OCI_LAYER_GZIP: &str = "application/vnd.oci.image.layer.v1.tar+gzip";
pub const OCI_LAYER: &str = "application/vnd.oci.image.layer.v1.tar";

/// The largest archive entry read into memory (manifests, configs and layers of a `docker
/// save` tar); larger entries are refused with a message, not held.
const MAX_ENTRY: u64 = 2 << 30;

/// One image.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ImageRecord {
    /// `sha256:` + the config's digest.
    pub id: String,
    /// The platform manifest the runner resolves.
    pub manifest_digest: String,
    /// Full references (`docker.io/library/busybox:latest`).
    pub repo_tags: Vec<String>,
    /// `repository@digest` of the manifest as a registry served it (pulls only).
    pub repo_digests: Vec<String>,
    /// The sum of the layers' sizes.
    pub size: i64,
    /// When it was loaded or pulled (milliseconds), for listings without a config time.
    pub added_at: i64,
}

/// What `docker commit` makes an image of.
#[derive(Debug, Clone, Default)]
pub struct Commit {
    pub layer: Option<Vec<u8>>,
    /// The image's `config` (the container's, with the changes applied).
    pub run_config: Value,
    /// The container's command, as Docker records it in the history.
    pub created_by: String,
    pub author: String,
    pub comment: String,
    /// A full reference to tag the image with.
    pub tag: Option<String>,
}

/// The store. Cheap to share.
pub struct Images {
    blobs: Blobs,
    records: Arc<Collection<ImageRecord>>,
    clock: Arc<dyn simkit::clock::Clock>,
}

impl std::fmt::Debug for Images {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Images")
    }
}

/// The runner's view of the store: manifests and blobs by digest.
pub struct BlobImages(pub Blobs);

impl ImageStore for BlobImages {
    fn manifest(&self, digest: &str) -> Option<Vec<u8>> {
        let digest = Digest::parse(digest).ok()?;
        std::fs::read(self.0.path(&digest)).ok()
    }

    fn blob_path(&self, digest: &str) -> Option<PathBuf> {
        let digest = Digest::parse(digest).ok()?;
        let path = self.0.path(&digest);
        path.is_file().then_some(path)
    }
}

fn short_id(id: &str) -> &str {
    let hex = id.strip_prefix("sha256:").unwrap_or(id);
    &hex[..hex.len().min(12)]
}

impl Images {
    pub fn open(kit: &simkit::Kit) -> Result<Self, String> {
        let blobs = Blobs::new(&kit.files_dir().join("engine").join("images"))
            .map_err(|error| format!("image directory: {error}"))?;
        let records = kit
            .store()
            .collection("engine.images")
            .map_err(|error| error.to_string())?;
        let cleared = blobs.clone();
        kit.on_reset(move || cleared.clear());
        Ok(Self {
            blobs,
            records,
            clock: kit.clock().clone(),
        })
    }

    pub fn blobs(&self) -> &Blobs {
        &self.blobs
    }

    pub fn count(&self) -> usize {
        self.records.len()
    }

    /// The image `name` names: a reference with a tag or digest, a full or short ID.
    pub fn find(&self, name: &str) -> Result<ImageRecord, EngineError> {
        let all = self.records.all();
        if let Ok(parsed) = ImageRef::parse(name) {
            if let Some(full) = parsed.full_tagged()
                && parsed.digest.is_none()
                && let Some((_, record)) = all.iter().find(|(_, r)| r.repo_tags.contains(&full))
            {
                return Ok(record.clone());
            }
            if let Some(digest) = &parsed.digest {
                let wanted = format!("{}@{digest}", parsed.repository());
                if let Some((_, record)) = all
                    .iter()
                    .find(|(_, r)| r.repo_digests.contains(&wanted) || r.manifest_digest == *digest)
                {
                    return Ok(record.clone());
                }
            }
        }
        let hex = name.strip_prefix("sha256:").unwrap_or(name);
        if !hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            let matching: Vec<_> = all
                .iter()
                .filter(|(id, _)| id.trim_start_matches("sha256:").starts_with(hex))
                .collect();
            if matching.len() == 1 {
                return Ok(matching[0].1.clone());
            }
        }
        Err(EngineError::no_such_image(name))
    }

    fn config(&self, record: &ImageRecord) -> Value {
        Digest::parse(&record.id)
            .ok()
            .and_then(|digest| std::fs::read(self.blobs.path(&digest)).ok())
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or(Value::Null)
    }

    fn created(&self, record: &ImageRecord, config: &Value) -> String {
        config
            .get("created")
            .and_then(Value::as_str)
            .map(String::from)
            .unwrap_or_else(|| {
                engine_core::api::rfc3339_nanos(simkit::clock::from_millis(record.added_at))
            })
    }

    pub fn summary(&self, record: &ImageRecord) -> ImageSummary {
        let config = self.config(record);
        let created = time::OffsetDateTime::parse(
            &self.created(record, &config),
            &time::format_description::well_known::Rfc3339,
        )
        .map(|t| t.unix_timestamp())
        .unwrap_or(record.added_at / 1000);
        ImageSummary {
            id: record.id.clone(),
            parent_id: String::new(),
            repo_tags: record.repo_tags.iter().map(|t| familiar(t)).collect(),
            repo_digests: record.repo_digests.iter().map(|t| familiar(t)).collect(),
            created,
            size: record.size,
            shared_size: -1,
            labels: labels(&config),
            containers: -1,
        }
    }

    pub fn list(
        &self,
        filters: &engine_core::api::Filters,
    ) -> Result<Vec<ImageSummary>, EngineError> {
        let mut out = Vec::new();
        for (_, record) in self.records.all() {
            let summary = self.summary(&record);
            let keep = filters.iter().all(|(key, values)| {
                values.is_empty()
                    || values.iter().any(|value| match key.as_str() {
                        "reference" => summary.repo_tags.iter().any(|tag| {
                            let repository = tag.rsplit_once(':').map_or(tag.as_str(), |(r, _)| r);
                            glob(value, tag) || glob(value, repository)
                        }),
                        "dangling" => (value == "true") == record.repo_tags.is_empty(),
                        "label" => match value.split_once('=') {
                            Some((k, v)) => summary.labels.get(k).map(String::as_str) == Some(v),
                            None => summary.labels.contains_key(value),
                        },
                        _ => true,
                    })
            });
            if keep {
                out.push(summary);
            }
        }
        out.sort_by(|a, b| b.created.cmp(&a.created).then(a.id.cmp(&b.id)));
        Ok(out)
    }

    pub fn inspect(&self, name: &str) -> Result<ImageInspect, EngineError> {
        let record = self.find(name)?;
        let config = self.config(&record);
        Ok(ImageInspect {
            id: record.id.clone(),
            repo_tags: record.repo_tags.iter().map(|t| familiar(t)).collect(),
            repo_digests: record.repo_digests.iter().map(|t| familiar(t)).collect(),
            parent: String::new(),
            comment: config
                .get("comment")
                .and_then(Value::as_str)
                .unwrap_or("")
                .into(),
            created: self.created(&record, &config),
            author: config
                .get("author")
                .and_then(Value::as_str)
                .unwrap_or("")
                .into(),
            config: config.get("config").cloned().unwrap_or(Value::Null),
            architecture: config
                .get("architecture")
                .and_then(Value::as_str)
                .unwrap_or("")
                .into(),
            os: config
                .get("os")
                .and_then(Value::as_str)
                .unwrap_or("")
                .into(),
            size: record.size,
            graph_driver: serde_json::json!({ "Name": "overlay2", "Data": null }),
            root_fs: serde_json::json!({
                "Type": "layers",
                "Layers": config.pointer("/rootfs/diff_ids").cloned().unwrap_or(Value::Array(vec![])),
            }),
            metadata: serde_json::json!({ "LastTagTime": engine_core::api::ZERO_TIME }),
        })
    }

    /// `docker save`: the images `names` name as an OCI image layout (`oci-layout`,
    /// `index.json`, `blobs/sha256/…`) with Docker's `manifest.json`, written to `into`; each
    /// blob once. Blocking.
    pub fn save(&self, names: &[String], into: std::fs::File) -> Result<(), EngineError> {
        let mut chosen: Vec<(ImageRecord, Vec<String>)> = Vec::new();
        for name in names {
            let record = self.find(name)?;
            let tag = ImageRef::parse(name)
                .ok()
                .and_then(|parsed| parsed.full_tagged())
                .filter(|full| record.repo_tags.contains(full));
            match chosen.iter_mut().find(|(r, _)| r.id == record.id) {
                Some((_, tags)) => tags.extend(tag),
                None => chosen.push((record, tag.into_iter().collect())),
            }
        }
        let mut builder = tar::Builder::new(std::io::BufWriter::new(into));
        let mut written: std::collections::BTreeSet<String> = Default::default();
        let mut index_entries = Vec::new();
        let mut manifest_entries = Vec::new();
        for (record, tags) in &chosen {
            let manifest_bytes = self.blob_bytes(&record.manifest_digest)?;
            let manifest: Value =
                serde_json::from_slice(&manifest_bytes).map_err(EngineError::internal)?;
            let layers: Vec<String> = manifest
                .get("layers")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|l| l.get("digest").and_then(Value::as_str).map(String::from))
                .collect();
            for digest in std::iter::once(&record.manifest_digest)
                .chain(std::iter::once(&record.id))
                .chain(&layers)
            {
                if written.insert(digest.clone()) {
                    self.append_blob(&mut builder, digest)?;
                }
            }
            let blob_name =
                |digest: &str| format!("blobs/sha256/{}", digest.trim_start_matches("sha256:"));
            let descriptor = |annotations: Value| {
                let mut entry = serde_json::json!({
                    "mediaType": manifest.get("mediaType").and_then(Value::as_str).unwrap_or(OCI_MANIFEST),
                    "digest": record.manifest_digest,
                    "size": manifest_bytes.len(),
                });
                if !annotations.is_null() {
                    entry["annotations"] = annotations;
                }
                entry
            };
            if tags.is_empty() {
                index_entries.push(descriptor(Value::Null));
            }
            for tag in tags {
                let short = tag.rsplit_once(':').map_or("latest", |(_, t)| t);
                index_entries.push(descriptor(serde_json::json!({
                    "io.containerd.image.name": tag,
                    "org.opencontainers.image.ref.name": short,
                })));
            }
            manifest_entries.push(serde_json::json!({
                "Config": blob_name(&record.id),
                "RepoTags": if tags.is_empty() { Value::Null } else { serde_json::json!(tags.iter().map(|t| familiar(t)).collect::<Vec<_>>()) },
                "Layers": layers.iter().map(|l| blob_name(l)).collect::<Vec<_>>(),
            }));
        }
        let index = serde_json::json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "manifests": index_entries,
        });
        for (name, value) in [
            ("index.json", index),
            ("manifest.json", Value::Array(manifest_entries)),
            (
                "oci-layout",
                serde_json::json!({ "imageLayoutVersion": "1.0.0" }),
            ),
        ] {
            let bytes = serde_json::to_vec(&value).map_err(EngineError::internal)?;
            let mut header = tar::Header::new_ustar();
            header.set_size(bytes.len() as u64);
            header.set_mode(0o644);
            builder
                .append_data(&mut header, name, bytes.as_slice())
                .map_err(EngineError::internal)?;
        }
        let mut out = builder.into_inner().map_err(EngineError::internal)?;
        std::io::Write::flush(&mut out).map_err(EngineError::internal)
    }

    fn blob_bytes(&self, digest: &str) -> Result<Vec<u8>, EngineError> {
        let parsed = Digest::parse(digest)
            .map_err(|_| EngineError::internal(format!("bad digest {digest}")))?;
        std::fs::read(self.blobs.path(&parsed))
            .map_err(|error| EngineError::internal(format!("blob {digest}: {error}")))
    }

    fn append_blob<W: std::io::Write>(
        &self,
        builder: &mut tar::Builder<W>,
        digest: &str,
    ) -> Result<(), EngineError> {
        let parsed = Digest::parse(digest)
            .map_err(|_| EngineError::internal(format!("bad digest {digest}")))?;
        let mut file = std::fs::File::open(self.blobs.path(&parsed))
            .map_err(|error| EngineError::internal(format!("blob {digest}: {error}")))?;
        let size = file.metadata().map_err(EngineError::internal)?.len();
        let mut header = tar::Header::new_ustar();
        header.set_size(size);
        header.set_mode(0o644);
        let name = format!("blobs/sha256/{}", digest.trim_start_matches("sha256:"));
        builder
            .append_data(&mut header, name, &mut file)
            .map_err(EngineError::internal)
    }

    /// Every image.
    pub fn all(&self) -> Vec<ImageRecord> {
        self.records
            .all()
            .into_iter()
            .map(|(_, record)| record)
            .collect()
    }

    /// The image's labels (`config.Labels`).
    pub fn labels_of(&self, record: &ImageRecord) -> BTreeMap<String, String> {
        labels(&self.config(record))
    }

    /// `docker history`: the config's history, newest first, each entry that made a layer
    /// given that layer's size (from the manifest); the newest carries the image's ID and tags.
    pub fn history(&self, name: &str) -> Result<Vec<engine_core::api::HistoryItem>, EngineError> {
        let record = self.find(name)?;
        let config = self.config(&record);
        let manifest: Value = Digest::parse(&record.manifest_digest)
            .ok()
            .and_then(|digest| std::fs::read(self.blobs.path(&digest)).ok())
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or(Value::Null);
        let mut sizes = manifest
            .get("layers")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|layer| layer.get("size").and_then(Value::as_i64).unwrap_or(0));
        let text = |entry: &Value, key: &str| {
            entry
                .get(key)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        let mut items: Vec<engine_core::api::HistoryItem> = config
            .get("history")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|entry| {
                let empty = entry
                    .get("empty_layer")
                    .and_then(Value::as_bool)
                    .unwrap_or(false);
                let created = time::OffsetDateTime::parse(
                    &text(entry, "created"),
                    &time::format_description::well_known::Rfc3339,
                )
                .map(|t| t.unix_timestamp())
                .unwrap_or(0);
                engine_core::api::HistoryItem {
                    id: "<missing>".into(),
                    created,
                    created_by: text(entry, "created_by"),
                    tags: None,
                    size: if empty { 0 } else { sizes.next().unwrap_or(0) },
                    comment: text(entry, "comment"),
                }
            })
            .collect();
        items.reverse();
        if let Some(newest) = items.first_mut() {
            newest.id = record.id.clone();
            newest.tags = Some(record.repo_tags.iter().map(|t| familiar(t)).collect());
        }
        Ok(items)
    }

    /// The image's `config` object (entrypoint, command, environment...).
    pub fn run_config(&self, record: &ImageRecord) -> Value {
        self.config(record)
            .get("config")
            .cloned()
            .unwrap_or(Value::Null)
    }

    /// Points `full` (a full reference) at `id`, taking it from any other image.
    fn set_tag(&self, full: &str, id: &str) -> Result<(), EngineError> {
        for (other_id, record) in self.records.all() {
            if other_id != id && record.repo_tags.iter().any(|t| t == full) {
                self.records.update(&other_id, |record| {
                    record.repo_tags.retain(|t| t != full);
                })?;
            }
        }
        self.records.update(id, |record| {
            if !record.repo_tags.iter().any(|t| t == full) {
                record.repo_tags.push(full.to_string());
            }
        })?;
        Ok(())
    }

    pub fn tag(&self, name: &str, repository: &str, tag: &str) -> Result<String, EngineError> {
        let record = self.find(name)?;
        let text = if tag.is_empty() {
            repository.to_string()
        } else {
            format!("{repository}:{tag}")
        };
        let parsed = ImageRef::parse(&text)?;
        if parsed.digest.is_some() {
            return Err(EngineError::InvalidParameter(
                "refusing to create a tag with a digest reference".into(),
            ));
        }
        let full = parsed
            .full_tagged()
            .ok_or_else(|| EngineError::InvalidParameter("invalid reference format".into()))?;
        self.set_tag(&full, &record.id)?;
        Ok(record.id)
    }

    /// Removes a tag, or the image when `name` is its ID or its last tag. `in_use` says
    /// whether a container uses the image (Docker refuses unless forced).
    pub fn remove(
        &self,
        name: &str,
        force: bool,
        in_use: impl Fn(&str) -> Option<String>,
    ) -> Result<Vec<ImageDeleted>, EngineError> {
        let record = self.find(name)?;
        let by_tag = ImageRef::parse(name)
            .ok()
            .and_then(|parsed| parsed.full_tagged())
            .filter(|full| record.repo_tags.contains(full));
        let mut answer = Vec::new();
        if let Some(full) = &by_tag
            && record.repo_tags.len() > 1
        {
            self.records
                .update(&record.id, |r| r.repo_tags.retain(|t| t != full))?;
            answer.push(ImageDeleted::Untagged(familiar(full)));
            return Ok(answer);
        }
        if by_tag.is_none() && record.repo_tags.len() > 1 && !force {
            return Err(EngineError::Conflict(format!(
                "conflict: unable to delete {} (must be forced) - image is referenced in multiple repositories",
                short_id(&record.id)
            )));
        }
        if let Some(container) = in_use(&record.id)
            && !force
        {
            let what = by_tag
                .as_deref()
                .map(familiar)
                .unwrap_or_else(|| short_id(&record.id).to_string());
            return Err(EngineError::Conflict(format!(
                "conflict: unable to remove repository reference \"{what}\" (must force) - container {} is using its referenced image {}",
                &container[..container.len().min(12)],
                short_id(&record.id)
            )));
        }
        for tag in &record.repo_tags {
            answer.push(ImageDeleted::Untagged(familiar(tag)));
        }
        for digest in &record.repo_digests {
            answer.push(ImageDeleted::Untagged(familiar(digest)));
        }
        self.records.remove(&record.id)?;
        answer.push(ImageDeleted::Deleted(record.id.clone()));
        Ok(answer)
    }

    /// Stores an image whose manifest, config and layers are blobs already; tags it with
    /// `tags` (full references). Returns its ID.
    pub fn record(
        &self,
        manifest_digest: &str,
        config_digest: &str,
        size: i64,
        tags: &[String],
        repo_digest: Option<String>,
    ) -> Result<String, EngineError> {
        let id = config_digest.to_string();
        let now = self.clock.now_millis();
        self.records.modify(&id, |slot| {
            let record = slot.get_or_insert_with(|| ImageRecord {
                id: id.clone(),
                manifest_digest: manifest_digest.to_string(),
                repo_tags: Vec::new(),
                repo_digests: Vec::new(),
                size,
                added_at: now,
            });
            record.manifest_digest = manifest_digest.to_string();
            if let Some(digest) = &repo_digest
                && !record.repo_digests.contains(digest)
            {
                record.repo_digests.push(digest.clone());
            }
            Ok::<_, EngineError>(())
        })?;
        for tag in tags {
            self.set_tag(tag, &id)?;
        }
        Ok(id)
    }

    /// Records an image seeded at start (`--seed-images`) under its `localhost/NAME:TAG`, its
    /// blobs hard-linked from the layout (simkit's `import_into`).
    pub fn import_seeded(
        &self,
        reference: &str,
        located: &simkit::runner::LocatedImage,
    ) -> Result<String, String> {
        let imported = simkit::runner::oci::local::import_into(located, &self.blobs)?;
        let size = i64::try_from(imported.size).unwrap_or(i64::MAX);
        self.record(
            &imported.manifest_digest,
            &imported.config_digest,
            size,
            &[reference.to_string()],
            None,
        )
        .map_err(|error| error.to_string())
    }

    /// `docker commit`: a new image of `parent`'s layers and `layer` (an uncompressed layer
    /// tar; none when the container changed nothing), with `run_config` as its config and
    /// `history` added to its history, tagged `tag` (a full reference) when given.
    pub async fn commit(
        &self,
        parent: &ImageRecord,
        commit: Commit,
    ) -> Result<String, EngineError> {
        let bad = || EngineError::internal(format!("image {} is unreadable", parent.id));
        let mut config = self.config(parent);
        if !config.is_object() {
            return Err(bad());
        }
        let manifest_digest = Digest::parse(&parent.manifest_digest).map_err(|_| bad())?;
        let manifest: Value = std::fs::read(self.blobs.path(&manifest_digest))
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .ok_or_else(bad)?;
        let mut layers: Vec<Value> = manifest
            .get("layers")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let mut size = parent.size;
        let created = engine_core::api::rfc3339_nanos(self.clock.now());
        let mut entry = serde_json::json!({ "created": created, "created_by": commit.created_by });
        if !commit.author.is_empty() {
            entry["author"] = Value::String(commit.author.clone());
        }
        if !commit.comment.is_empty() {
            entry["comment"] = Value::String(commit.comment.clone());
        }
        match &commit.layer {
            Some(bytes) => {
                let digest = self.put(bytes).await?;
                size += bytes.len() as i64;
                layers.push(serde_json::json!({
                    "mediaType": OCI_LAYER, "digest": digest.as_str(), "size": bytes.len(),
                }));
                let diff_ids = config
                    .pointer_mut("/rootfs/diff_ids")
                    .and_then(Value::as_array_mut)
                    .ok_or_else(bad)?;
                diff_ids.push(Value::String(digest.as_str().to_string()));
            }
            None => entry["empty_layer"] = Value::Bool(true),
        }
        match config.get_mut("history").and_then(Value::as_array_mut) {
            Some(history) => history.push(entry),
            None => config["history"] = Value::Array(vec![entry]),
        }
        config["config"] = commit.run_config;
        config["created"] = Value::String(created);
        if let Some(fields) = config.as_object_mut() {
            for (key, value) in [("author", &commit.author), ("comment", &commit.comment)] {
                if value.is_empty() {
                    fields.remove(key);
                } else {
                    fields.insert(key.into(), Value::String(value.clone()));
                }
            }
        }
        let config_bytes = serde_json::to_vec(&config).map_err(EngineError::internal)?;
        let config_digest = self.put(&config_bytes).await?;
        let manifest = serde_json::json!({
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": { "mediaType": OCI_CONFIG, "digest": config_digest.as_str(), "size": config_bytes.len() },
            "layers": layers,
        });
        let manifest_bytes = serde_json::to_vec(&manifest).map_err(EngineError::internal)?;
        let manifest_digest = self.put(&manifest_bytes).await?;
        let tags: Vec<String> = commit.tag.into_iter().collect();
        self.record(
            manifest_digest.as_str(),
            config_digest.as_str(),
            size,
            &tags,
            None,
        )
    }

    /// `docker import`: a one-layer image of `layer` (an uncompressed tar of a root file
    /// system) with `run_config` as its config, the history entry Docker writes
    /// (`comment` only), tagged `tag` (a full reference) when given. Returns its ID.
    pub async fn import(
        &self,
        layer: &[u8],
        run_config: Value,
        comment: &str,
        tag: Option<String>,
    ) -> Result<String, EngineError> {
        let digest = self.put(layer).await?;
        let created = engine_core::api::rfc3339_nanos(self.clock.now());
        let config = serde_json::json!({
            "architecture": crate::platform_architecture(),
            "os": "linux",
            "created": created,
            "config": run_config,
            "rootfs": { "type": "layers", "diff_ids": [digest.as_str()] },
            "history": [{ "created": created, "comment": comment }],
        });
        let config_bytes = serde_json::to_vec(&config).map_err(EngineError::internal)?;
        let config_digest = self.put(&config_bytes).await?;
        let manifest = serde_json::json!({
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": { "mediaType": OCI_CONFIG, "digest": config_digest.as_str(), "size": config_bytes.len() },
            "layers": [{ "mediaType": OCI_LAYER, "digest": digest.as_str(), "size": layer.len() }],
        });
        let manifest_bytes = serde_json::to_vec(&manifest).map_err(EngineError::internal)?;
        let manifest_digest = self.put(&manifest_bytes).await?;
        let tags: Vec<String> = tag.into_iter().collect();
        self.record(
            manifest_digest.as_str(),
            config_digest.as_str(),
            layer.len() as i64,
            &tags,
            None,
        )
    }

    /// `docker load`: reads the archive's entries, stores its blobs and records its images.
    pub async fn load(&self, archive: &Path, progress: &Progress) -> Result<(), EngineError> {
        let path = archive.to_path_buf();
        let entries = tokio::task::spawn_blocking(move || read_archive(&path))
            .await
            .map_err(EngineError::internal)??;
        let loaded = if entries.contains_key("manifest.json") {
            self.load_docker_save(&entries).await?
        } else if entries.contains_key("index.json") {
            self.load_oci_layout(&entries).await?
        } else {
            return Err(EngineError::InvalidParameter(
                "invalid archive: does not contain a manifest.json or an index.json".into(),
            ));
        };
        for (id, tags) in loaded {
            let message = if tags.is_empty() {
                format!("Loaded image ID: {id}\n")
            } else {
                tags.iter()
                    .map(|tag| format!("Loaded image: {}\n", familiar(tag)))
                    .collect()
            };
            let _ = progress.send(ProgressMessage::stream(message)).await;
        }
        Ok(())
    }

    async fn put(&self, bytes: &[u8]) -> Result<Digest, EngineError> {
        self.blobs
            .put_bytes(bytes)
            .await
            .map_err(EngineError::internal)
    }

    /// A `docker save` archive: `manifest.json` lists each image's config, tags and layers
    /// (uncompressed tars, or gzip ones), by path inside the archive.
    async fn load_docker_save(
        &self,
        entries: &BTreeMap<String, Vec<u8>>,
    ) -> Result<Vec<(String, Vec<String>)>, EngineError> {
        #[derive(Deserialize)]
        struct Entry {
            #[serde(rename = "Config")]
            config: String,
            #[serde(rename = "RepoTags", default)]
            repo_tags: Option<Vec<String>>,
            #[serde(rename = "Layers", default)]
            layers: Vec<String>,
        }
        let bad = |why: String| EngineError::InvalidParameter(format!("invalid archive: {why}"));
        let manifest: Vec<Entry> = serde_json::from_slice(&entries["manifest.json"])
            .map_err(|error| bad(format!("manifest.json: {error}")))?;
        let mut loaded = Vec::new();
        for entry in manifest {
            let config = entries
                .get(&normalize(&entry.config))
                .ok_or_else(|| bad(format!("{} is missing", entry.config)))?;
            let config_digest = self.put(config).await?;
            let mut layers = Vec::new();
            let mut size = 0i64;
            for layer in &entry.layers {
                let bytes = entries
                    .get(&normalize(layer))
                    .ok_or_else(|| bad(format!("{layer} is missing")))?;
                let digest = self.put(bytes).await?;
                size += bytes.len() as i64;
                let media_type = if bytes.starts_with(&[0x1f, 0x8b]) {
                    OCI_LAYER_GZIP
                } else {
                    OCI_LAYER
                };
                layers.push(serde_json::json!({
                    "mediaType": media_type, "digest": digest.as_str(), "size": bytes.len(),
                }));
            }
            let manifest = serde_json::json!({
                "schemaVersion": 2,
                "mediaType": OCI_MANIFEST,
                "config": { "mediaType": OCI_CONFIG, "digest": config_digest.as_str(), "size": config.len() },
                "layers": layers,
            });
            let manifest_bytes = serde_json::to_vec(&manifest).map_err(EngineError::internal)?;
            let manifest_digest = self.put(&manifest_bytes).await?;
            let mut tags = Vec::new();
            for tag in entry.repo_tags.unwrap_or_default() {
                let parsed = ImageRef::parse(&tag)?;
                if let Some(full) = parsed.full_tagged() {
                    tags.push(full);
                }
            }
            let id = self.record(
                manifest_digest.as_str(),
                config_digest.as_str(),
                size,
                &tags,
                None,
            )?;
            loaded.push((id, tags));
        }
        Ok(loaded)
    }

    /// An OCI image layout archive: `index.json` names manifests (or indexes) by digest, each
    /// blob at `blobs/sha256/HEX`. Names come from `io.containerd.image.name`, else from
    /// `org.opencontainers.image.ref.name` when it is a whole reference.
    async fn load_oci_layout(
        &self,
        entries: &BTreeMap<String, Vec<u8>>,
    ) -> Result<Vec<(String, Vec<String>)>, EngineError> {
        let bad = |why: String| EngineError::InvalidParameter(format!("invalid archive: {why}"));
        let blob = |digest: &str| -> Result<&Vec<u8>, EngineError> {
            let hex = digest
                .strip_prefix("sha256:")
                .filter(|hex| hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
                .ok_or_else(|| bad(format!("bad digest {digest}")))?;
            let bytes = entries
                .get(&format!("blobs/sha256/{hex}"))
                .ok_or_else(|| bad(format!("blob {digest} is missing")))?;
            if Digest::of(bytes).as_str() != digest {
                return Err(bad(format!("blob {digest} does not match its digest")));
            }
            Ok(bytes)
        };
        let index: Value = serde_json::from_slice(&entries["index.json"])
            .map_err(|error| bad(format!("index.json: {error}")))?;
        let mut loaded = Vec::new();
        for descriptor in index
            .get("manifests")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let annotations = descriptor.get("annotations");
            let name = annotations
                .and_then(|a| a.get("io.containerd.image.name"))
                .and_then(Value::as_str)
                .or_else(|| {
                    annotations
                        .and_then(|a| a.get("org.opencontainers.image.ref.name"))
                        .and_then(Value::as_str)
                        .filter(|name| name.contains(':') || name.contains('/'))
                });
            let mut digest = descriptor
                .get("digest")
                .and_then(Value::as_str)
                .ok_or_else(|| bad("index entry without a digest".into()))?
                .to_string();
            // Follow an index to this platform's manifest, storing what is passed through.
            let mut manifest: Value;
            let mut depth = 0;
            loop {
                let bytes = blob(&digest)?;
                self.put(bytes).await?;
                manifest = serde_json::from_slice(bytes)
                    .map_err(|error| bad(format!("manifest {digest}: {error}")))?;
                let Some(manifests) = manifest.get("manifests").and_then(Value::as_array) else {
                    break;
                };
                depth += 1;
                if depth > 4 {
                    return Err(bad("indexes nested too deep".into()));
                }
                let arch = crate::platform_architecture();
                let chosen = manifests
                    .iter()
                    .find(|m| {
                        m.pointer("/platform/architecture").and_then(Value::as_str) == Some(arch)
                            && m.pointer("/platform/os").and_then(Value::as_str) == Some("linux")
                    })
                    .or_else(|| manifests.first())
                    .ok_or_else(|| bad("empty index".into()))?;
                digest = chosen
                    .get("digest")
                    .and_then(Value::as_str)
                    .ok_or_else(|| bad("index entry without a digest".into()))?
                    .to_string();
            }
            let config_digest = manifest
                .pointer("/config/digest")
                .and_then(Value::as_str)
                .ok_or_else(|| bad(format!("manifest {digest} has no config")))?
                .to_string();
            self.put(blob(&config_digest)?).await?;
            let mut size = 0i64;
            for layer in manifest
                .get("layers")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let layer_digest = layer
                    .get("digest")
                    .and_then(Value::as_str)
                    .ok_or_else(|| bad("layer without a digest".into()))?;
                let bytes = blob(layer_digest)?;
                size += bytes.len() as i64;
                self.put(bytes).await?;
            }
            let mut tags = Vec::new();
            if let Some(name) = name {
                let parsed = ImageRef::parse(name)?;
                if let Some(full) = parsed.full_tagged() {
                    tags.push(full);
                }
            }
            let id = self.record(&digest, &config_digest, size, &tags, None)?;
            loaded.push((id, tags));
        }
        Ok(loaded)
    }
}

/// The config's labels.
fn labels(config: &Value) -> BTreeMap<String, String> {
    config
        .pointer("/config/Labels")
        .and_then(Value::as_object)
        .map(|labels| {
            labels
                .iter()
                .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string())))
                .collect()
        })
        .unwrap_or_default()
}

/// Docker's `reference` filter: a glob with `*` over a familiar name.
fn glob(pattern: &str, text: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == text,
        Some((head, tail)) => {
            text.starts_with(head)
                && text.len() >= head.len()
                && (0..=text.len() - head.len()).any(|skip| glob(tail, &text[head.len() + skip..]))
        }
    }
}

/// An archive path with `./` and leading slashes removed; `..` is kept so it matches nothing.
fn normalize(name: &str) -> String {
    name.trim_start_matches("./")
        .trim_start_matches('/')
        .to_string()
}

/// Reads every regular file of the tar at `path` into memory by its normalized name; symbolic
/// links between entries (older `docker save` layers) resolve to their targets' bytes.
fn read_archive(path: &Path) -> Result<BTreeMap<String, Vec<u8>>, EngineError> {
    let bad = |why: String| EngineError::InvalidParameter(format!("invalid archive: {why}"));
    let file = std::fs::File::open(path).map_err(EngineError::internal)?;
    let mut archive = tar::Archive::new(file);
    let mut files = BTreeMap::new();
    let mut links = Vec::new();
    for entry in archive.entries().map_err(|error| bad(error.to_string()))? {
        let mut entry = entry.map_err(|error| bad(error.to_string()))?;
        let name = normalize(
            &entry
                .path()
                .map_err(|error| bad(error.to_string()))?
                .to_string_lossy(),
        );
        match entry.header().entry_type() {
            tar::EntryType::Regular | tar::EntryType::Continuous => {
                if entry.size() > MAX_ENTRY {
                    return Err(bad(format!("{name} is larger than {MAX_ENTRY} bytes")));
                }
                let mut bytes = Vec::with_capacity(entry.size() as usize);
                entry
                    .read_to_end(&mut bytes)
                    .map_err(|error| bad(error.to_string()))?;
                files.insert(name, bytes);
            }
            tar::EntryType::Symlink | tar::EntryType::Link => {
                if let Ok(Some(target)) = entry.link_name() {
                    let target = target.to_string_lossy().into_owned();
                    let resolved = if entry.header().entry_type() == tar::EntryType::Link {
                        normalize(&target)
                    } else {
                        let base = Path::new(&name).parent().unwrap_or(Path::new(""));
                        clean(&base.join(&target))
                    };
                    links.push((name, resolved));
                }
            }
            _ => {}
        }
    }
    for (name, target) in links {
        if let Some(bytes) = files.get(&target).cloned() {
            files.insert(name, bytes);
        }
    }
    Ok(files)
}

/// Resolves `.` and `..` lexically; a path that climbs above the root yields an empty name.
fn clean(path: &Path) -> String {
    let mut parts: Vec<String> = Vec::new();
    for component in path.components() {
        match component {
            std::path::Component::Normal(part) => parts.push(part.to_string_lossy().into_owned()),
            std::path::Component::ParentDir if parts.pop().is_none() => return String::new(),
            _ => {}
        }
    }
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob("busy*", "busybox"));
        assert!(glob("*box:latest", "busybox:latest"));
        assert!(!glob("busy*", "alpine"));
    }

    #[test]
    fn archive_names_stay_inside() {
        assert_eq!(clean(Path::new("a/../../etc/passwd")), "");
        assert_eq!(clean(Path::new("abc/../def/layer.tar")), "def/layer.tar");
    }
}
