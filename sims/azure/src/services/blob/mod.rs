//! The blob service's data plane behind each storage account's blob endpoint: containers
//! (create, properties, metadata, access policies, delete, list) and block blobs (Put Blob,
//! Put Block, Put Block List, Get Block List, read, properties, metadata, delete, copy, list
//! with prefix and delimiter), with ETags and the conditional headers' semantics.
//!
//! Records live in the kit's store (`blob-containers`, `blobs`, `blob-blocks`), keyed by
//! `ACCOUNT/CONTAINER[/BLOB]` so a listing is a prefix scan in name order; bytes live in
//! [`files`]. A blob's file is written once and never changed: an overwrite writes a new file,
//! commits the record, then removes the old one, so a reader that opened the old file reads it
//! whole.
//!
//! Not yet served (explicit `NotImplemented`): append and page blobs, leases, snapshots,
//! versions, soft delete, tags, tiers, immutability, service properties, user delegation keys.
//! This module never sees HTTP; authentication and the wire are `protocol::blob`'s.

pub mod error;
pub mod files;

use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD as B64, URL_SAFE_NO_PAD as B64URL};
use serde::{Deserialize, Serialize};
use simkit::Kit;
use simkit::store::Collection;

pub use error::BlobError;
use files::{BlobFiles, Digests};

/// Azurite's well-known development account, served on every simulator as Azurite serves it
/// (`/devstoreaccount1/...`), so tools and tests written for Azurite work unchanged.
pub const DEV_ACCOUNT: &str = "devstoreaccount1";
/// Its well-known key, as Azurite and the storage emulator publish it.
pub const DEV_ACCOUNT_KEY: &str =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

/// How many items a listing page holds when the client sets no `maxresults`, and the most.
pub const MAX_RESULTS: usize = 5000;
/// The most blocks a blob may have, committed or not (Azure's limit).
const MAX_BLOCKS: usize = 50_000;

/// The standard properties a client sets on a blob.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlobHeaders {
    pub content_type: Option<String>,
    pub content_encoding: Option<String>,
    pub content_language: Option<String>,
    pub content_disposition: Option<String>,
    pub cache_control: Option<String>,
    /// Base64 MD5 of the whole blob: computed for Put Blob, as sent for Put Block List.
    pub content_md5: Option<String>,
}

/// A stored access policy (`<SignedIdentifier>`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedIdentifier {
    pub id: String,
    pub start: Option<String>,
    pub expiry: Option<String>,
    pub permission: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ContainerRecord {
    pub name: String,
    pub metadata: Vec<(String, String)>,
    /// `container`, `blob`, or none (private).
    pub public_access: Option<String>,
    pub etag: String,
    pub last_modified_ms: i64,
    pub identifiers: Vec<SignedIdentifier>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BlockEntry {
    pub id: String,
    pub size: u64,
}

/// What a blob copied from another says about its copy.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CopyInfo {
    pub id: String,
    pub source: String,
    pub completed_ms: i64,
    pub size: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BlobRecord {
    pub name: String,
    /// The file under `files` that holds the bytes.
    pub file: String,
    pub size: u64,
    pub headers: BlobHeaders,
    pub metadata: Vec<(String, String)>,
    pub etag: String,
    pub created_ms: i64,
    pub last_modified_ms: i64,
    /// The committed block list (empty for a blob written by Put Blob or copied).
    pub blocks: Vec<BlockEntry>,
    pub copy: Option<CopyInfo>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct BlockRecord {
    file: String,
    size: u64,
}

/// A body that arrived whole in an incoming file, digested.
#[derive(Debug, Clone)]
pub struct Staged {
    pub id: String,
    pub digests: Digests,
}

/// The conditional headers of a request, parsed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Conditions {
    pub if_match: Option<String>,
    pub if_none_match: Option<String>,
    /// Seconds since the epoch.
    pub if_modified_since: Option<i64>,
    pub if_unmodified_since: Option<i64>,
}

impl Conditions {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// Checks the conditions against the resource's current state (`None`: it does not exist).
    /// Reads fail with 304 where Azure answers it; writes with 412, or 409 for
    /// `If-None-Match: *` on something that exists.
    pub fn check(&self, current: Option<(&str, i64)>, read: bool) -> Result<(), BlobError> {
        let matches = |list: &str, etag: &str| {
            list.split(',').map(str::trim).any(|candidate| {
                candidate == "*" || candidate.trim_matches('"') == etag.trim_matches('"')
            })
        };
        if let Some(list) = &self.if_match {
            match current {
                Some((etag, _)) if matches(list, etag) => {}
                _ => return Err(BlobError::ConditionNotMet),
            }
        }
        if let Some(list) = &self.if_none_match
            && let Some((etag, _)) = current
            && matches(list, etag)
        {
            return Err(if read {
                BlobError::NotModified
            } else if list.trim() == "*" {
                BlobError::BlobAlreadyExists
            } else {
                BlobError::ConditionNotMet
            });
        }
        if let Some(since) = self.if_modified_since
            && let Some((_, modified_ms)) = current
            && modified_ms / 1000 <= since
        {
            return Err(if read {
                BlobError::NotModified
            } else {
                BlobError::ConditionNotMet
            });
        }
        if let Some(since) = self.if_unmodified_since
            && let Some((_, modified_ms)) = current
            && modified_ms / 1000 > since
        {
            return Err(BlobError::ConditionNotMet);
        }
        Ok(())
    }
}

/// Which blocks a Put Block List names, and from which list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockSource {
    Committed,
    Uncommitted,
    Latest,
}

/// One entry of a blob listing.
#[derive(Debug, Clone)]
pub enum Listed {
    Blob(Box<BlobRecord>),
    Prefix(String),
}

/// A page of a listing and the marker of the next one.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_marker: Option<String>,
}

/// Azure's container name rule: 3 to 63 characters, lower-case letters, digits and single
/// hyphens, starting and ending with a letter or digit; `$root`, `$logs` and `$web` too.
pub fn valid_container_name(name: &str) -> bool {
    if matches!(name, "$root" | "$logs" | "$web") {
        return true;
    }
    (3..=63).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !name.starts_with('-')
        && !name.ends_with('-')
        && !name.contains("--")
}

/// Blob names: 1 to 1024 characters.
pub fn valid_blob_name(name: &str) -> bool {
    !name.is_empty() && name.chars().count() <= 1024
}

/// Metadata names are C# identifiers.
fn valid_metadata(metadata: &[(String, String)]) -> bool {
    metadata.iter().all(|(name, _)| {
        let mut chars = name.chars();
        chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
    })
}

pub struct Blobs {
    kit: Kit,
    files: BlobFiles,
    containers: Arc<Collection<ContainerRecord>>,
    blobs: Arc<Collection<BlobRecord>>,
    blocks: Arc<Collection<BlockRecord>>,
}

impl std::fmt::Debug for Blobs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Blobs").finish_non_exhaustive()
    }
}

fn container_key(account: &str, container: &str) -> String {
    format!("{account}/{container}/")
}

fn blob_key(account: &str, container: &str, blob: &str) -> String {
    format!("{account}/{container}/{blob}")
}

/// Blocks are keyed by the blob's name in base64, so no blob name can run into another's.
fn block_prefix(account: &str, container: &str, blob: &str) -> String {
    format!("{account}/{container}/{}/", B64URL.encode(blob))
}

impl Blobs {
    pub fn new(kit: Kit) -> Result<Self, simkit::store::StoreError> {
        Ok(Self {
            files: BlobFiles::new(kit.files_dir().join("storage")),
            containers: kit.store().collection("blob-containers")?,
            blobs: kit.store().collection("blobs")?,
            blocks: kit.store().collection("blob-blocks")?,
            kit,
        })
    }

    pub fn files(&self) -> &BlobFiles {
        &self.files
    }

    /// A fresh file ID.
    pub fn new_file_id(&self) -> String {
        self.kit.ids().hex(32)
    }

    fn now_ms(&self) -> i64 {
        self.kit.clock().now_millis()
    }

    /// A new ETag in Azure's form (`"0x8DE…"`).
    fn new_etag(&self) -> String {
        format!(
            "\"0x8D{:013X}\"",
            self.kit.ids().next_u64() & 0x000F_FFFF_FFFF_FFFF
        )
    }

    // --- containers ---

    pub fn create_container(
        &self,
        account: &str,
        name: &str,
        metadata: Vec<(String, String)>,
        public_access: Option<String>,
    ) -> Result<ContainerRecord, BlobError> {
        if !valid_container_name(name) {
            return Err(BlobError::InvalidResourceName);
        }
        if !valid_metadata(&metadata) {
            return Err(BlobError::InvalidMetadata);
        }
        let record = ContainerRecord {
            name: name.to_string(),
            metadata,
            public_access,
            etag: self.new_etag(),
            last_modified_ms: self.now_ms(),
            identifiers: Vec::new(),
        };
        self.containers
            .modify(&container_key(account, name), |slot| match slot {
                Some(_) => Err(BlobError::ContainerAlreadyExists),
                None => {
                    *slot = Some(record.clone());
                    Ok(())
                }
            })?;
        Ok(record)
    }

    pub fn get_container(&self, account: &str, name: &str) -> Result<ContainerRecord, BlobError> {
        if !valid_container_name(name) {
            return Err(BlobError::ContainerNotFound);
        }
        self.containers
            .get(&container_key(account, name))
            .ok_or(BlobError::ContainerNotFound)
    }

    fn update_container<R>(
        &self,
        account: &str,
        name: &str,
        conditions: &Conditions,
        change: impl FnOnce(&mut ContainerRecord) -> R,
    ) -> Result<R, BlobError> {
        let etag = self.new_etag();
        let now = self.now_ms();
        self.containers
            .modify(&container_key(account, name), |slot| {
                let record = slot.as_mut().ok_or(BlobError::ContainerNotFound)?;
                conditions.check(Some((&record.etag, record.last_modified_ms)), false)?;
                let result = change(record);
                record.etag = etag;
                record.last_modified_ms = now;
                Ok(result)
            })
    }

    pub fn set_container_metadata(
        &self,
        account: &str,
        name: &str,
        metadata: Vec<(String, String)>,
        conditions: &Conditions,
    ) -> Result<ContainerRecord, BlobError> {
        if !valid_metadata(&metadata) {
            return Err(BlobError::InvalidMetadata);
        }
        self.update_container(account, name, conditions, |record| {
            record.metadata = metadata;
            record.clone()
        })
    }

    pub fn set_container_acl(
        &self,
        account: &str,
        name: &str,
        public_access: Option<String>,
        identifiers: Vec<SignedIdentifier>,
        conditions: &Conditions,
    ) -> Result<ContainerRecord, BlobError> {
        // Azure keeps at most five stored access policies per container.
        if identifiers.len() > 5
            || identifiers
                .iter()
                .any(|i| i.id.is_empty() || i.id.len() > 64)
        {
            return Err(BlobError::InvalidXmlDocument);
        }
        self.update_container(account, name, conditions, |record| {
            record.public_access = public_access;
            record.identifiers = identifiers;
            record.clone()
        })
    }

    /// Deletes a container and everything in it.
    pub fn delete_container(
        &self,
        account: &str,
        name: &str,
        conditions: &Conditions,
    ) -> Result<(), BlobError> {
        self.containers
            .modify(&container_key(account, name), |slot| {
                let record = slot.as_ref().ok_or(BlobError::ContainerNotFound)?;
                conditions.check(Some((&record.etag, record.last_modified_ms)), false)?;
                *slot = None;
                Ok::<_, BlobError>(())
            })?;
        let prefix = container_key(account, name);
        for (key, blob) in self.blobs.scan_prefix(&prefix) {
            self.blobs.remove(&key)?;
            self.files.remove(account, &blob.file);
        }
        for (key, block) in self.blocks.scan_prefix(&prefix) {
            self.blocks.remove(&key)?;
            self.files.remove(account, &block.file);
        }
        Ok(())
    }

    pub fn list_containers(
        &self,
        account: &str,
        prefix: &str,
        marker: Option<&str>,
        max_results: usize,
    ) -> Page<ContainerRecord> {
        let after = marker.and_then(decode_marker);
        // Keys end in '/', which sorts after '-': order by name as Azure lists.
        let mut records: Vec<ContainerRecord> = self
            .containers
            .scan_prefix(&format!("{account}/{prefix}"))
            .into_iter()
            .map(|(_, record)| record)
            .filter(|record| after.as_ref().is_none_or(|after| record.name >= *after))
            .collect();
        records.sort_by(|a, b| a.name.cmp(&b.name));
        page(records.into_iter(), max_results, |record| {
            record.name.clone()
        })
    }

    /// Removes every container and blob of an account (the account is being deleted).
    pub fn remove_account(&self, account: &str) -> Result<(), BlobError> {
        let prefix = format!("{account}/");
        for (key, _) in self.containers.scan_prefix(&prefix) {
            self.containers.remove(&key)?;
        }
        for (key, _) in self.blobs.scan_prefix(&prefix) {
            self.blobs.remove(&key)?;
        }
        for (key, _) in self.blocks.scan_prefix(&prefix) {
            self.blocks.remove(&key)?;
        }
        self.files.remove_account(account);
        Ok(())
    }

    // --- blobs ---

    fn require_container(&self, account: &str, container: &str) -> Result<(), BlobError> {
        self.get_container(account, container).map(drop)
    }

    pub fn get_blob(
        &self,
        account: &str,
        container: &str,
        blob: &str,
        conditions: &Conditions,
    ) -> Result<BlobRecord, BlobError> {
        self.require_container(account, container)?;
        let record = self
            .blobs
            .get(&blob_key(account, container, blob))
            .ok_or(BlobError::BlobNotFound)?;
        conditions.check(Some((&record.etag, record.last_modified_ms)), true)?;
        Ok(record)
    }

    /// Commits `record` as the blob, after the write conditions; removes the file it replaces.
    fn commit(
        &self,
        account: &str,
        container: &str,
        mut record: BlobRecord,
        conditions: &Conditions,
    ) -> Result<BlobRecord, BlobError> {
        let key = blob_key(account, container, &record.name);
        let replaced = self.blobs.modify(&key, |slot| {
            conditions.check(
                slot.as_ref()
                    .map(|old| (old.etag.as_str(), old.last_modified_ms)),
                false,
            )?;
            if let Some(old) = slot.as_ref() {
                record.created_ms = old.created_ms;
            }
            Ok::<_, BlobError>(slot.replace(record.clone()))
        })?;
        if let Some(old) = replaced
            && old.file != record.file
        {
            self.files.remove(account, &old.file);
        }
        Ok(record)
    }

    /// Put Blob: `staged` becomes the blob's whole content.
    #[allow(clippy::too_many_arguments)]
    pub fn put_blob(
        &self,
        account: &str,
        container: &str,
        blob: &str,
        staged: Staged,
        mut headers: BlobHeaders,
        metadata: Vec<(String, String)>,
        conditions: &Conditions,
    ) -> Result<BlobRecord, BlobError> {
        let checked = self.check_new_blob(account, container, blob, &metadata);
        if let Err(error) = checked {
            self.files.remove_incoming(account, &staged.id);
            return Err(error);
        }
        if headers.content_md5.is_none() {
            headers.content_md5 = Some(staged.digests.md5.clone());
        }
        let file = self.new_file_id();
        self.files.adopt(account, &staged.id, &file)?;
        let now = self.now_ms();
        let record = BlobRecord {
            name: blob.to_string(),
            file: file.clone(),
            size: staged.digests.size,
            headers,
            metadata,
            etag: self.new_etag(),
            created_ms: now,
            last_modified_ms: now,
            blocks: Vec::new(),
            copy: None,
        };
        let committed = self.commit(account, container, record, conditions);
        if committed.is_err() {
            self.files.remove(account, &file);
        } else {
            // Put Blob discards the blob's uncommitted blocks.
            self.drop_blocks(account, container, blob)?;
        }
        committed
    }

    fn check_new_blob(
        &self,
        account: &str,
        container: &str,
        blob: &str,
        metadata: &[(String, String)],
    ) -> Result<(), BlobError> {
        self.require_container(account, container)?;
        if !valid_blob_name(blob) {
            return Err(BlobError::InvalidResourceName);
        }
        if !valid_metadata(metadata) {
            return Err(BlobError::InvalidMetadata);
        }
        Ok(())
    }

    fn drop_blocks(&self, account: &str, container: &str, blob: &str) -> Result<(), BlobError> {
        for (key, block) in self
            .blocks
            .scan_prefix(&block_prefix(account, container, blob))
        {
            self.blocks.remove(&key)?;
            self.files.remove(account, &block.file);
        }
        Ok(())
    }

    /// Put Block: stages `staged` as block `block_id` of the blob.
    pub fn stage_block(
        &self,
        account: &str,
        container: &str,
        blob: &str,
        block_id: &str,
        staged: Staged,
    ) -> Result<(), BlobError> {
        let checked = self
            .check_new_blob(account, container, blob, &[])
            .and_then(|()| check_block_id(block_id))
            .and_then(|()| {
                let prefix = block_prefix(account, container, blob);
                let existing = self.blocks.scan_prefix(&prefix);
                // Every block ID of a blob has the same length.
                if existing
                    .first()
                    .is_some_and(|(key, _)| key.len() - prefix.len() != block_id.len())
                {
                    return Err(BlobError::InvalidBlockId);
                }
                if existing.len() >= MAX_BLOCKS {
                    return Err(BlobError::InvalidBlockList);
                }
                Ok(())
            });
        if let Err(error) = checked {
            self.files.remove_incoming(account, &staged.id);
            return Err(error);
        }
        let file = self.new_file_id();
        self.files.adopt(account, &staged.id, &file)?;
        let key = format!("{}{block_id}", block_prefix(account, container, blob));
        let replaced = self.blocks.insert(
            &key,
            BlockRecord {
                file,
                size: staged.digests.size,
            },
        )?;
        if let Some(old) = replaced {
            self.files.remove(account, &old.file);
        }
        Ok(())
    }

    /// Put Block List: the named blocks, in order, become the blob; uncommitted blocks not
    /// named are discarded, as Azure does.
    #[allow(clippy::too_many_arguments)]
    pub fn commit_block_list(
        &self,
        account: &str,
        container: &str,
        blob: &str,
        list: &[(BlockSource, String)],
        headers: BlobHeaders,
        metadata: Vec<(String, String)>,
        conditions: &Conditions,
    ) -> Result<BlobRecord, BlobError> {
        self.check_new_blob(account, container, blob, &metadata)?;
        if list.len() > MAX_BLOCKS {
            return Err(BlobError::InvalidBlockList);
        }
        let prefix = block_prefix(account, container, blob);
        let uncommitted: std::collections::HashMap<String, BlockRecord> = self
            .blocks
            .scan_prefix(&prefix)
            .into_iter()
            .map(|(key, block)| (key[prefix.len()..].to_string(), block))
            .collect();
        let current = self.blobs.get(&blob_key(account, container, blob));
        // The committed blocks' bytes are the current blob's, at their offsets.
        let mut committed_offsets = std::collections::HashMap::new();
        if let Some(current) = &current {
            let mut offset = 0;
            for block in &current.blocks {
                committed_offsets.insert(block.id.clone(), (offset, block.size));
                offset += block.size;
            }
        }
        enum Part {
            Staged(String),
            Committed(u64, u64),
        }
        let mut parts = Vec::new();
        let mut entries = Vec::new();
        for (source, id) in list {
            let staged = matches!(source, BlockSource::Uncommitted | BlockSource::Latest)
                .then(|| uncommitted.get(id))
                .flatten();
            let committed = matches!(source, BlockSource::Committed | BlockSource::Latest)
                .then(|| committed_offsets.get(id))
                .flatten();
            match (staged, committed) {
                (Some(block), _) => {
                    parts.push(Part::Staged(block.file.clone()));
                    entries.push(BlockEntry {
                        id: id.clone(),
                        size: block.size,
                    });
                }
                (None, Some(&(offset, size))) => {
                    parts.push(Part::Committed(offset, size));
                    entries.push(BlockEntry {
                        id: id.clone(),
                        size,
                    });
                }
                (None, None) => return Err(BlobError::InvalidBlockList),
            }
        }
        // Committed blocks reused from the current blob are cut out of its file first.
        let mut sources = Vec::new();
        let mut temporary = Vec::new();
        for part in parts {
            match part {
                Part::Staged(file) => sources.push(file),
                Part::Committed(offset, size) => {
                    let Some(current) = &current else {
                        return Err(BlobError::InvalidBlockList);
                    };
                    let piece = self.new_file_id();
                    self.copy_range(account, &current.file, offset, size, &piece)?;
                    sources.push(piece.clone());
                    temporary.push(piece);
                }
            }
        }
        let file = self.new_file_id();
        let digests = self.files.concatenate(account, &sources, &file);
        for piece in &temporary {
            self.files.remove(account, piece);
        }
        let digests = digests?;
        let now = self.now_ms();
        let record = BlobRecord {
            name: blob.to_string(),
            file: file.clone(),
            size: digests.size,
            headers,
            metadata,
            etag: self.new_etag(),
            created_ms: now,
            last_modified_ms: now,
            blocks: entries,
            copy: None,
        };
        match self.commit(account, container, record, conditions) {
            Ok(record) => {
                self.drop_blocks(account, container, blob)?;
                Ok(record)
            }
            Err(error) => {
                self.files.remove(account, &file);
                Err(error)
            }
        }
    }

    fn copy_range(
        &self,
        account: &str,
        from: &str,
        offset: u64,
        size: u64,
        to: &str,
    ) -> Result<(), BlobError> {
        use std::io::{Read, Seek};
        let mut source = std::fs::File::open(self.files.path(account, from))?;
        source.seek(std::io::SeekFrom::Start(offset))?;
        let mut target = std::fs::File::create(self.files.path(account, to))?;
        std::io::copy(&mut source.take(size), &mut target)?;
        Ok(())
    }

    /// Get Block List: the committed list and the uncommitted blocks (by ID, with sizes).
    pub fn get_block_list(
        &self,
        account: &str,
        container: &str,
        blob: &str,
    ) -> Result<(Option<BlobRecord>, Vec<BlockEntry>), BlobError> {
        self.require_container(account, container)?;
        let prefix = block_prefix(account, container, blob);
        let uncommitted: Vec<BlockEntry> = self
            .blocks
            .scan_prefix(&prefix)
            .into_iter()
            .map(|(key, block)| BlockEntry {
                id: key[prefix.len()..].to_string(),
                size: block.size,
            })
            .collect();
        let current = self.blobs.get(&blob_key(account, container, blob));
        if current.is_none() && uncommitted.is_empty() {
            return Err(BlobError::BlobNotFound);
        }
        Ok((current, uncommitted))
    }

    pub fn delete_blob(
        &self,
        account: &str,
        container: &str,
        blob: &str,
        conditions: &Conditions,
    ) -> Result<(), BlobError> {
        self.require_container(account, container)?;
        let removed = self
            .blobs
            .modify(&blob_key(account, container, blob), |slot| {
                let record = slot.as_ref().ok_or(BlobError::BlobNotFound)?;
                conditions.check(Some((&record.etag, record.last_modified_ms)), false)?;
                Ok::<_, BlobError>(slot.take())
            })?;
        if let Some(record) = removed {
            self.files.remove(account, &record.file);
        }
        self.drop_blocks(account, container, blob)
    }

    fn update_blob(
        &self,
        account: &str,
        container: &str,
        blob: &str,
        conditions: &Conditions,
        change: impl FnOnce(&mut BlobRecord),
    ) -> Result<BlobRecord, BlobError> {
        self.require_container(account, container)?;
        let etag = self.new_etag();
        let now = self.now_ms();
        self.blobs
            .modify(&blob_key(account, container, blob), |slot| {
                let record = slot.as_mut().ok_or(BlobError::BlobNotFound)?;
                conditions.check(Some((&record.etag, record.last_modified_ms)), false)?;
                change(record);
                record.etag = etag;
                record.last_modified_ms = now;
                Ok(record.clone())
            })
    }

    pub fn set_blob_metadata(
        &self,
        account: &str,
        container: &str,
        blob: &str,
        metadata: Vec<(String, String)>,
        conditions: &Conditions,
    ) -> Result<BlobRecord, BlobError> {
        if !valid_metadata(&metadata) {
            return Err(BlobError::InvalidMetadata);
        }
        self.update_blob(account, container, blob, conditions, |record| {
            record.metadata = metadata;
        })
    }

    /// Set Blob Properties replaces every standard property with what the request sent.
    pub fn set_blob_properties(
        &self,
        account: &str,
        container: &str,
        blob: &str,
        headers: BlobHeaders,
        conditions: &Conditions,
    ) -> Result<BlobRecord, BlobError> {
        self.update_blob(account, container, blob, conditions, |record| {
            record.headers = headers;
        })
    }

    /// Copy Blob within the simulator: the copy completes before the answer, so its status is
    /// `success` at once. `metadata` replaces the source's when the request sent any.
    #[allow(clippy::too_many_arguments)]
    pub fn copy_blob(
        &self,
        source: (&str, &str, &str),
        source_url: &str,
        account: &str,
        container: &str,
        blob: &str,
        metadata: Option<Vec<(String, String)>>,
        conditions: &Conditions,
    ) -> Result<BlobRecord, BlobError> {
        let (source_account, source_container, source_blob) = source;
        self.check_new_blob(account, container, blob, metadata.as_deref().unwrap_or(&[]))?;
        let original = self
            .blobs
            .get(&blob_key(source_account, source_container, source_blob))
            .ok_or(BlobError::CannotVerifyCopySource)?;
        let file = self.new_file_id();
        self.files
            .link(source_account, &original.file, account, &file)?;
        let now = self.now_ms();
        let record = BlobRecord {
            name: blob.to_string(),
            file: file.clone(),
            size: original.size,
            headers: original.headers.clone(),
            metadata: metadata.unwrap_or(original.metadata.clone()),
            etag: self.new_etag(),
            created_ms: now,
            last_modified_ms: now,
            blocks: original.blocks.clone(),
            copy: Some(CopyInfo {
                id: self.kit.ids().uuid(),
                source: source_url.to_string(),
                completed_ms: now,
                size: original.size,
            }),
        };
        self.commit(account, container, record, conditions)
            .inspect_err(|_| self.files.remove(account, &file))
    }

    /// List Blobs: names under `prefix` after `marker`, with names that share a part up to
    /// `delimiter` folded into one prefix entry.
    pub fn list_blobs(
        &self,
        account: &str,
        container: &str,
        prefix: &str,
        delimiter: Option<&str>,
        marker: Option<&str>,
        max_results: usize,
    ) -> Result<Page<Listed>, BlobError> {
        self.require_container(account, container)?;
        let after = marker.and_then(decode_marker);
        let base = container_key(account, container);
        let mut entries: Vec<(String, Listed)> = Vec::new();
        for (_, record) in self.blobs.scan_prefix(&format!("{base}{prefix}")) {
            if after.as_ref().is_some_and(|after| record.name < *after) {
                continue;
            }
            let folded = delimiter.filter(|d| !d.is_empty()).and_then(|delimiter| {
                record.name[prefix.len()..]
                    .find(delimiter)
                    .map(|at| record.name[..prefix.len() + at + delimiter.len()].to_string())
            });
            match folded {
                Some(folded) => {
                    let same = matches!(entries.last(), Some((_, Listed::Prefix(last))) if *last == folded);
                    // A prefix the marker points into was served on an earlier page.
                    let served = after.as_ref().is_some_and(|after| folded < *after);
                    if !same && !served {
                        entries.push((folded.clone(), Listed::Prefix(folded)));
                    }
                }
                None => entries.push((record.name.clone(), Listed::Blob(Box::new(record)))),
            }
        }
        let mut page_items = Vec::new();
        let mut next_marker = None;
        for (name, item) in entries {
            if page_items.len() == max_results {
                next_marker = Some(encode_marker(&name));
                break;
            }
            page_items.push(item);
        }
        Ok(Page {
            items: page_items,
            next_marker,
        })
    }
}

/// Block IDs are base64 of at most 64 bytes.
fn check_block_id(id: &str) -> Result<(), BlobError> {
    match B64.decode(id) {
        Ok(bytes) if !bytes.is_empty() && bytes.len() <= 64 => Ok(()),
        _ => Err(BlobError::InvalidBlockId),
    }
}

/// Markers are opaque to clients: the name the next page starts at, base64-encoded with a
/// version prefix so a stray string is not mistaken for one.
fn encode_marker(name: &str) -> String {
    format!("2!{}", B64URL.encode(name))
}

fn decode_marker(marker: &str) -> Option<String> {
    let encoded = marker.strip_prefix("2!")?;
    String::from_utf8(B64URL.decode(encoded).ok()?).ok()
}

fn page<T>(records: impl Iterator<Item = T>, max: usize, name: impl Fn(&T) -> String) -> Page<T> {
    let mut items = Vec::new();
    let mut next_marker = None;
    for record in records {
        if items.len() == max {
            next_marker = Some(encode_marker(&name(&record)));
            break;
        }
        items.push(record);
    }
    Page { items, next_marker }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn container_names() {
        for good in ["abc", "a-b-c", "container1", "$root", &"a".repeat(63)] {
            assert!(valid_container_name(good), "{good}");
        }
        for bad in ["ab", "Abc", "a--b", "-ab", "ab-", "a_b", &"a".repeat(64)] {
            assert!(!valid_container_name(bad), "{bad}");
        }
    }

    #[test]
    fn conditions_as_azure_evaluates_them() {
        let current = Some(("\"0x8D1\"", 10_000));
        let check = |c: Conditions, read| c.check(current, read);
        assert_eq!(
            check(
                Conditions {
                    if_match: Some("\"0x8D1\"".into()),
                    ..Default::default()
                },
                false
            ),
            Ok(())
        );
        assert_eq!(
            check(
                Conditions {
                    if_match: Some("\"0x8D2\"".into()),
                    ..Default::default()
                },
                false
            ),
            Err(BlobError::ConditionNotMet)
        );
        assert_eq!(
            check(
                Conditions {
                    if_none_match: Some("*".into()),
                    ..Default::default()
                },
                false
            ),
            Err(BlobError::BlobAlreadyExists)
        );
        assert_eq!(
            check(
                Conditions {
                    if_none_match: Some("\"0x8D1\"".into()),
                    ..Default::default()
                },
                true
            ),
            Err(BlobError::NotModified)
        );
        assert_eq!(
            check(
                Conditions {
                    if_modified_since: Some(10),
                    ..Default::default()
                },
                true
            ),
            Err(BlobError::NotModified)
        );
        assert_eq!(
            check(
                Conditions {
                    if_unmodified_since: Some(9),
                    ..Default::default()
                },
                false
            ),
            Err(BlobError::ConditionNotMet)
        );
        assert_eq!(
            Conditions {
                if_none_match: Some("*".into()),
                ..Default::default()
            }
            .check(None, false),
            Ok(())
        );
        assert_eq!(
            Conditions {
                if_match: Some("*".into()),
                ..Default::default()
            }
            .check(None, false),
            Err(BlobError::ConditionNotMet)
        );
    }

    #[test]
    fn markers_round_trip_and_refuse_strays() {
        assert_eq!(decode_marker(&encode_marker("a/b c")), Some("a/b c".into()));
        assert_eq!(decode_marker("nonsense"), None);
    }
}
