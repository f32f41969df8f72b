//! The state store: typed collections of records, in memory by default and durable with a
//! state directory.
//!
//! A [`Store`] hands out [`Collection`]s by name; each holds records of one type under string
//! keys (simulators put account and region in the key). Reads are served from memory. When the
//! store has a directory, every change is appended to `journal.jsonl` *before* the call that made
//! it returns, so a write a client saw acknowledged survives SIGKILL of the process (and, with
//! [`Durability::Fsync`], power loss). On open the snapshot and journal are replayed, a fresh
//! snapshot is written atomically (temp file, fsync, rename) and the journal starts empty; the
//! same compaction runs whenever the journal grows past [`COMPACT_AFTER_BYTES`].
//!
//! What this module must not do: know any simulator's types, or hold a lock across an `.await`.

use std::any::Any;
use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock, Weak};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The journal is folded into the snapshot once it passes this size.
pub const COMPACT_AFTER_BYTES: u64 = 64 << 20;

const SNAPSHOT: &str = "snapshot.json";
const JOURNAL: &str = "journal.jsonl";
const LOCK: &str = "lock";

/// What can go wrong with the store. Handlers map it to their provider's internal error.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("state directory {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("state directory {0} is in use by another process")]
    Locked(PathBuf),
    #[error("state file {path} is corrupt at line {line}: {message}")]
    Corrupt {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("collection {collection} holds a record that does not fit its type: {message}")]
    Schema { collection: String, message: String },
    #[error("could not encode a record of {collection}: {message}")]
    Encode { collection: String, message: String },
    #[error("the store was closed")]
    Closed,
}

/// How hard an acknowledged write is pushed towards the disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Durability {
    /// Written to the journal with one `write` call before acknowledging: survives the process
    /// being killed (the kernel holds the data), not a power cut.
    #[default]
    Process,
    /// `fsync` after every write: survives power loss too, at the cost of a disk flush per write.
    Fsync,
}

/// Anything a collection can hold.
pub trait Record: Serialize + DeserializeOwned + Clone + Send + Sync + 'static {}
impl<T: Serialize + DeserializeOwned + Clone + Send + Sync + 'static> Record for T {}

#[derive(Serialize, Deserialize)]
struct JournalEntry {
    c: String,
    k: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    v: Option<Value>,
}

#[derive(Serialize, Deserialize, Default)]
struct Snapshot {
    version: u32,
    collections: BTreeMap<String, BTreeMap<String, Value>>,
}

struct Journal {
    dir: PathBuf,
    file: File,
    bytes: u64,
    durability: Durability,
    _lock: File,
}

impl Journal {
    fn append(&mut self, line: &[u8]) -> Result<(), StoreError> {
        // One `write_all` of a whole line: a kill can lose the line being written, never tear
        // an earlier one, and a torn last line is dropped on replay.
        self.file
            .write_all(line)
            .map_err(|source| self.io(source))?;
        if self.durability == Durability::Fsync {
            self.file.sync_data().map_err(|source| self.io(source))?;
        }
        self.bytes += line.len() as u64;
        Ok(())
    }

    fn io(&self, source: std::io::Error) -> StoreError {
        StoreError::Io {
            path: self.dir.join(JOURNAL),
            source,
        }
    }

    /// Writes `snapshot` atomically and empties the journal.
    fn replace_snapshot(&mut self, snapshot: &Snapshot) -> Result<(), StoreError> {
        write_snapshot(&self.dir, snapshot)?;
        self.file.set_len(0).map_err(|source| self.io(source))?;
        self.file.sync_all().map_err(|source| self.io(source))?;
        self.bytes = 0;
        Ok(())
    }
}

trait ErasedCollection: Send + Sync {
    fn dump(&self) -> BTreeMap<String, Value>;
    fn clear(&self);
    fn as_any(self: Arc<Self>) -> Arc<dyn Any + Send + Sync>;
}

/// What collections share with the store: the journal and the gate that keeps compaction and
/// reset from interleaving with a write.
struct Shared {
    journal: Option<Mutex<Journal>>,
    /// Writers hold it shared while they change memory and journal the change; compaction and
    /// reset hold it exclusively, so a snapshot never misses a write it should contain.
    gate: RwLock<()>,
    collections: Mutex<BTreeMap<String, Arc<dyn ErasedCollection>>>,
    /// Records loaded from disk for collections nobody has opened yet.
    unopened: Mutex<BTreeMap<String, BTreeMap<String, Value>>>,
}

/// Typed collections, in memory or backed by a state directory. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("durable", &self.shared.journal.is_some())
            .finish()
    }
}

impl Store {
    /// A store that lives only as long as the process.
    pub fn memory() -> Self {
        Self::with(None, BTreeMap::new())
    }

    /// A store backed by `dir`, created if missing. Replays what an earlier run left, then
    /// compacts it. Fails if another process holds the directory.
    pub fn open(dir: &Path, durability: Durability) -> Result<Self, StoreError> {
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| StoreError::Io { path, source }
        };
        fs::create_dir_all(dir).map_err(io(dir))?;
        let lock_path = dir.join(LOCK);
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(io(&lock_path))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) => return Err(StoreError::Locked(dir.to_path_buf())),
            Err(fs::TryLockError::Error(source)) => return Err(io(&lock_path)(source)),
        }

        let mut snapshot = read_snapshot(dir)?;
        replay_journal(dir, &mut snapshot)?;
        write_snapshot(dir, &snapshot)?;
        let journal_path = dir.join(JOURNAL);
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&journal_path)
            .map_err(io(&journal_path))?;
        file.set_len(0).map_err(io(&journal_path))?;
        let journal = Journal {
            dir: dir.to_path_buf(),
            file,
            bytes: 0,
            durability,
            _lock: lock,
        };
        Ok(Self::with(Some(journal), snapshot.collections))
    }

    fn with(journal: Option<Journal>, loaded: BTreeMap<String, BTreeMap<String, Value>>) -> Self {
        Self {
            shared: Arc::new(Shared {
                journal: journal.map(Mutex::new),
                gate: RwLock::new(()),
                collections: Mutex::new(BTreeMap::new()),
                unopened: Mutex::new(loaded),
            }),
        }
    }

    /// Whether writes reach a state directory.
    pub fn is_durable(&self) -> bool {
        self.shared.journal.is_some()
    }

    /// The collection called `name`, holding records of type `V`, with whatever an earlier run
    /// left in it. Opening the same name again returns the same collection.
    ///
    /// # Panics
    /// If `name` was already opened with a different record type: that is a programming error
    /// in the simulator, found by its first test.
    pub fn collection<V: Record>(&self, name: &str) -> Result<Arc<Collection<V>>, StoreError> {
        let mut collections = lock(&self.shared.collections);
        if let Some(existing) = collections.get(name) {
            return Ok(Arc::clone(existing)
                .as_any()
                .downcast::<Collection<V>>()
                .unwrap_or_else(|_| panic!("collection {name} opened with two record types")));
        }
        let raw = lock(&self.shared.unopened).remove(name).unwrap_or_default();
        let mut records = BTreeMap::new();
        for (key, value) in raw {
            let record = serde_json::from_value(value).map_err(|error| StoreError::Schema {
                collection: name.to_string(),
                message: format!("key {key}: {error}"),
            })?;
            records.insert(key, record);
        }
        let collection = Arc::new(Collection {
            name: name.into(),
            records: RwLock::new(records),
            shared: Arc::downgrade(&self.shared),
        });
        collections.insert(name.to_string(), collection.clone());
        Ok(collection)
    }

    /// Every collection as JSON, for `/_sockerless/state`.
    pub fn dump(&self) -> Value {
        let mut out = serde_json::Map::new();
        for (name, records) in lock(&self.shared.unopened).iter() {
            out.insert(
                name.clone(),
                serde_json::to_value(records).unwrap_or(Value::Null),
            );
        }
        for (name, collection) in lock(&self.shared.collections).iter() {
            let records = collection.dump();
            out.insert(
                name.clone(),
                serde_json::to_value(records).unwrap_or(Value::Null),
            );
        }
        Value::Object(out)
    }

    /// Empties every collection, on disk too.
    pub fn reset(&self) -> Result<(), StoreError> {
        let _exclusive = self.shared.gate.write().unwrap_or_else(|p| p.into_inner());
        lock(&self.shared.unopened).clear();
        for collection in lock(&self.shared.collections).values() {
            collection.clear();
        }
        if let Some(journal) = &self.shared.journal {
            lock(journal).replace_snapshot(&Snapshot {
                version: 1,
                ..Snapshot::default()
            })?;
        }
        Ok(())
    }

    /// Folds the journal into a new snapshot now.
    pub fn compact(&self) -> Result<(), StoreError> {
        self.shared.compact()
    }
}

impl Shared {
    fn compact(&self) -> Result<(), StoreError> {
        let Some(journal) = &self.journal else {
            return Ok(());
        };
        let _exclusive = self.gate.write().unwrap_or_else(|p| p.into_inner());
        let mut snapshot = Snapshot {
            version: 1,
            collections: lock(&self.unopened).clone(),
        };
        for (name, collection) in lock(&self.collections).iter() {
            snapshot.collections.insert(name.clone(), collection.dump());
        }
        lock(journal).replace_snapshot(&snapshot)
    }

    fn journal_len(&self) -> u64 {
        self.journal
            .as_ref()
            .map_or(0, |journal| lock(journal).bytes)
    }
}

/// Records of one type under string keys. Every change is journalled before it returns.
pub struct Collection<V> {
    name: Arc<str>,
    records: RwLock<BTreeMap<String, V>>,
    shared: Weak<Shared>,
}

impl<V> std::fmt::Debug for Collection<V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Collection")
            .field("name", &self.name)
            .finish()
    }
}

impl<V: Record> ErasedCollection for Collection<V> {
    fn dump(&self) -> BTreeMap<String, Value> {
        self.read()
            .iter()
            .map(|(key, value)| {
                (
                    key.clone(),
                    serde_json::to_value(value).unwrap_or(Value::Null),
                )
            })
            .collect()
    }

    fn clear(&self) {
        self.records
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }

    fn as_any(self: Arc<Self>) -> Arc<dyn Any + Send + Sync> {
        self
    }
}

impl<V: Record> Collection<V> {
    fn read(&self) -> std::sync::RwLockReadGuard<'_, BTreeMap<String, V>> {
        self.records.read().unwrap_or_else(|p| p.into_inner())
    }

    /// The record under `key`.
    pub fn get(&self, key: &str) -> Option<V> {
        self.read().get(key).cloned()
    }

    pub fn contains(&self, key: &str) -> bool {
        self.read().contains_key(key)
    }

    pub fn len(&self) -> usize {
        self.read().len()
    }

    pub fn is_empty(&self) -> bool {
        self.read().is_empty()
    }

    /// Every record whose key starts with `prefix`, in key order.
    pub fn scan_prefix(&self, prefix: &str) -> Vec<(String, V)> {
        self.read()
            .range(prefix.to_string()..)
            .take_while(|(key, _)| key.starts_with(prefix))
            .map(|(key, value)| (key.clone(), value.clone()))
            .collect()
    }

    /// Records with keys in `range`, in key order, at most `limit` of them (from the end when
    /// `reverse`). For paging through large collections without copying all of them.
    pub fn range(
        &self,
        range: impl std::ops::RangeBounds<String>,
        limit: usize,
        reverse: bool,
    ) -> Vec<(String, V)> {
        let records = self.read();
        let selected = records.range(range);
        let clone = |(key, value): (&String, &V)| (key.clone(), value.clone());
        if reverse {
            selected.rev().take(limit).map(clone).collect()
        } else {
            selected.take(limit).map(clone).collect()
        }
    }

    /// Every record, in key order.
    pub fn all(&self) -> Vec<(String, V)> {
        self.read()
            .iter()
            .map(|(key, value)| (key.clone(), value.clone()))
            .collect()
    }

    /// Stores `value` under `key`, replacing what was there; returns the old record.
    pub fn insert(&self, key: &str, value: V) -> Result<Option<V>, StoreError> {
        self.modify(key, |slot| Ok::<_, StoreError>(slot.replace(value)))
    }

    /// Removes the record under `key`, returning it.
    pub fn remove(&self, key: &str) -> Result<Option<V>, StoreError> {
        self.modify(key, |slot| Ok::<_, StoreError>(slot.take()))
    }

    /// Changes the record under `key` in place if it exists; returns what `change` returned.
    pub fn update<R>(
        &self,
        key: &str,
        change: impl FnOnce(&mut V) -> R,
    ) -> Result<Option<R>, StoreError> {
        self.modify(key, |slot| Ok::<_, StoreError>(slot.as_mut().map(change)))
    }

    /// The one way records change: `change` sees the slot (`None` if absent) and may fill,
    /// edit or empty it. If it returns `Err`, nothing changes; if `Ok`, the new state is
    /// journalled and applied atomically with respect to other writers of this collection.
    pub fn modify<R, E: From<StoreError>>(
        &self,
        key: &str,
        change: impl FnOnce(&mut Option<V>) -> Result<R, E>,
    ) -> Result<R, E> {
        let shared = self.shared.upgrade().ok_or(StoreError::Closed)?;
        let result = {
            let _writer = shared.gate.read().unwrap_or_else(|p| p.into_inner());
            let mut records = self.records.write().unwrap_or_else(|p| p.into_inner());
            let before = records.get(key);
            let mut slot = before.cloned();
            let had = before.is_some();
            let result = change(&mut slot)?;
            if !had && slot.is_none() {
                return Ok(result);
            }
            if let Some(journal) = &shared.journal {
                let entry = JournalEntry {
                    c: self.name.to_string(),
                    k: key.to_string(),
                    v: match &slot {
                        Some(value) => Some(serde_json::to_value(value).map_err(|error| {
                            StoreError::Encode {
                                collection: self.name.to_string(),
                                message: error.to_string(),
                            }
                        })?),
                        None => None,
                    },
                };
                let mut line = serde_json::to_vec(&entry).map_err(|error| StoreError::Encode {
                    collection: self.name.to_string(),
                    message: error.to_string(),
                })?;
                line.push(b'\n');
                lock(journal).append(&line)?;
            }
            match slot {
                Some(value) => records.insert(key.to_string(), value),
                None => records.remove(key),
            };
            result
        };
        if shared.journal_len() > COMPACT_AFTER_BYTES {
            // A failed compaction leaves the journal as it was, which is still complete.
            if let Err(error) = shared.compact() {
                tracing::error!(%error, "state compaction failed; the journal keeps growing");
            }
        }
        Ok(result)
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn read_snapshot(dir: &Path) -> Result<Snapshot, StoreError> {
    let path = dir.join(SNAPSHOT);
    match fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map_err(|error| StoreError::Corrupt {
            path,
            line: error.line(),
            message: error.to_string(),
        }),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(Snapshot {
            version: 1,
            ..Snapshot::default()
        }),
        Err(source) => Err(StoreError::Io { path, source }),
    }
}

fn replay_journal(dir: &Path, snapshot: &mut Snapshot) -> Result<(), StoreError> {
    let path = dir.join(JOURNAL);
    let file = match File::open(&path) {
        Ok(file) => file,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(source) => return Err(StoreError::Io { path, source }),
    };
    let mut lines = BufReader::new(file).split(b'\n').enumerate().peekable();
    while let Some((index, line)) = lines.next() {
        let line = line.map_err(|source| StoreError::Io {
            path: path.clone(),
            source,
        })?;
        let is_last = lines.peek().is_none();
        match serde_json::from_slice::<JournalEntry>(&line) {
            Ok(entry) => {
                let records = snapshot.collections.entry(entry.c).or_default();
                match entry.v {
                    Some(value) => records.insert(entry.k, value),
                    None => records.remove(&entry.k),
                };
            }
            // The process was killed in the middle of its last write: that write was never
            // acknowledged, so dropping it loses nothing a client saw.
            Err(_) if is_last => break,
            Err(error) => {
                return Err(StoreError::Corrupt {
                    path,
                    line: index + 1,
                    message: error.to_string(),
                });
            }
        }
    }
    Ok(())
}

fn write_snapshot(dir: &Path, snapshot: &Snapshot) -> Result<(), StoreError> {
    let path = dir.join(SNAPSHOT);
    let io = |source| StoreError::Io {
        path: path.clone(),
        source,
    };
    let bytes = serde_json::to_vec(snapshot).map_err(|error| StoreError::Encode {
        collection: "*".into(),
        message: error.to_string(),
    })?;
    let mut temp = tempfile::NamedTempFile::new_in(dir).map_err(io)?;
    temp.write_all(&bytes).map_err(io)?;
    temp.as_file().sync_all().map_err(io)?;
    temp.persist(&path).map_err(|error| io(error.error))?;
    File::open(dir)
        .and_then(|directory| directory.sync_all())
        .map_err(io)?;
    Ok(())
}

#[cfg(test)]
mod tests;
