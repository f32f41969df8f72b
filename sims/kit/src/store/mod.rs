//! The state store: typed collections of records, in memory by default and durable with a
//! state directory.
//!
//! A [`Store`] hands out [`Collection`]s by name; each holds records of one type under string
//! keys (simulators put account and region in the key), in key order.
//!
//! - **In memory** (the default), a collection is a `BTreeMap` of typed records.
//! - **Durable** (a state directory), records live in an embedded SQLite database
//!   (`state.db`, WAL mode), one table per collection, each record JSON-encoded. Nothing is
//!   held in memory beyond SQLite's bounded page caches, so memory follows what is hot rather
//!   than all history; opening reads no records, so start time does not grow with history;
//!   and SQLite checkpoints its log a little at a time, so no write waits for a compaction.
//!
//! Writes are atomic and serialised. A single-record write ([`Collection::modify`] and its
//! shorthands) or a [`Store::transaction`] spanning any records of any collections either
//! happens entirely or not at all, and is committed before the call returns: with
//! [`Durability::Process`] the commit has reached the kernel (it survives SIGKILL of the
//! process), with [`Durability::Fsync`] the disk (it survives power loss too). A write that was
//! cut short by a crash was never acknowledged, and after restart none of it is visible.
//!
//! Reads never block on writers. Durable reads see the last committed state.
//!
//! A state directory written by the journal store of earlier releases (`snapshot.json` plus
//! `journal.jsonl`) is migrated into `state.db` on open, in one transaction.
//!
//! What this module must not do: know any simulator's types, hold a lock across an `.await`,
//! or let a write start inside another (a `modify` closure must not write: use a transaction).

mod disk;
mod legacy;

use std::any::Any;
use std::cell::Cell;
use std::collections::BTreeMap;
use std::ops::{Bound, RangeBounds};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock, Weak};

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use disk::Disk;

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
    #[error("state database {path}: {message}")]
    Database { path: PathBuf, message: String },
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
    /// Committed to the database's write-ahead log with `write` before acknowledging: survives
    /// the process being killed (the kernel holds the data), not a power cut.
    #[default]
    Process,
    /// `fsync` at every commit: survives power loss too, at the cost of a disk flush per write.
    Fsync,
}

/// Anything a collection can hold.
pub trait Record: Serialize + DeserializeOwned + Clone + Send + Sync + 'static {}
impl<T: Serialize + DeserializeOwned + Clone + Send + Sync + 'static> Record for T {}

thread_local! {
    /// Set while this thread is inside a write, to turn a nested write (which would deadlock
    /// on the writer lock) into a clear panic naming the mistake.
    static WRITING: Cell<bool> = const { Cell::new(false) };
}

/// Marks this thread as writing until dropped.
struct WriteScope;

impl WriteScope {
    fn enter() -> Self {
        WRITING.with(|writing| {
            assert!(
                !writing.replace(true),
                "a store write started inside another write on the same thread: \
                 group the writes in one Store::transaction instead"
            );
        });
        WriteScope
    }
}

impl Drop for WriteScope {
    fn drop(&mut self) {
        WRITING.with(|writing| writing.set(false));
    }
}

/// Writes to one collection staged by a memory-mode transaction: key, and the new record (a
/// boxed `V`) or `None` for a removal.
type StagedWrites = Vec<(String, Option<Box<dyn Any + Send>>)>;

trait ErasedCollection: Send + Sync {
    fn memory_dump(&self) -> BTreeMap<String, Value>;
    fn memory_clear(&self);
    /// Applies staged writes of a memory-mode transaction, all under one write lock.
    fn memory_apply(&self, writes: StagedWrites);
    fn version(&self) -> &Arc<AtomicU64>;
    fn as_any(self: Arc<Self>) -> Arc<dyn Any + Send + Sync>;
}

/// What collections share with the store.
struct Shared {
    /// Serialises writes. In durable mode it holds the one connection that writes.
    writer: Mutex<Option<rusqlite::Connection>>,
    /// The database, in durable mode.
    disk: Option<Disk>,
    collections: Mutex<BTreeMap<String, Arc<dyn ErasedCollection>>>,
}

impl Shared {
    fn writer(&self) -> MutexGuard<'_, Option<rusqlite::Connection>> {
        lock(&self.writer)
    }
}

/// Typed collections, in memory or backed by a state directory. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("durable", &self.shared.disk.is_some())
            .finish()
    }
}

impl Store {
    /// A store that lives only as long as the process.
    pub fn memory() -> Self {
        Self {
            shared: Arc::new(Shared {
                writer: Mutex::new(None),
                disk: None,
                collections: Mutex::default(),
            }),
        }
    }

    /// A store backed by `dir`, created (mode 0700) if missing; the database file is readable
    /// by its owner only. Migrates a journal-format directory. Fails if another process holds
    /// the directory.
    pub fn open(dir: &Path, durability: Durability) -> Result<Self, StoreError> {
        let (disk, writer) = Disk::open(dir, durability)?;
        Ok(Self {
            shared: Arc::new(Shared {
                writer: Mutex::new(Some(writer)),
                disk: Some(disk),
                collections: Mutex::default(),
            }),
        })
    }

    /// Whether writes reach a state directory.
    pub fn is_durable(&self) -> bool {
        self.shared.disk.is_some()
    }

    /// The collection called `name`, holding records of type `V`, with whatever an earlier run
    /// left in it. Opening the same name again returns the same collection. In durable mode a
    /// sample of the stored records is decoded, so a type that no longer fits what is stored
    /// fails here rather than at some later read.
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
        let table = disk::table_name(name);
        if let Some(disk) = &self.shared.disk {
            let writer = self.shared.writer();
            let connection = writer.as_ref().ok_or(StoreError::Closed)?;
            disk.create_table(connection, &table)?;
            for (key, bytes) in disk.sample(connection, &table)? {
                decode::<V>(name, &key, &bytes)?;
            }
        }
        let collection = Arc::new(Collection {
            name: name.into(),
            table: table.into(),
            memory: RwLock::default(),
            version: Arc::default(),
            shared: Arc::downgrade(&self.shared),
        });
        collections.insert(name.to_string(), collection.clone());
        Ok(collection)
    }

    /// Runs `body` as one atomic write: every change it makes through the [`Txn`] is committed
    /// together when it returns `Ok`, and none is when it returns `Err` (or panics). Reads
    /// through the `Txn` see its own changes. Other writers wait until it ends; readers see the
    /// state before it until it commits (per collection, in memory mode).
    pub fn transaction<R, E: From<StoreError>>(
        &self,
        body: impl FnOnce(&mut Txn<'_>) -> Result<R, E>,
    ) -> Result<R, E> {
        self.shared.transaction(body)
    }

    /// Every collection as JSON, for `/_sockerless/state`.
    pub fn dump(&self) -> Value {
        let mut out = serde_json::Map::new();
        match &self.shared.disk {
            Some(disk) => match disk.dump() {
                Ok(collections) => {
                    for (name, records) in collections {
                        out.insert(name, Value::Object(records.into_iter().collect()));
                    }
                }
                Err(error) => tracing::error!(%error, "could not read the state for a dump"),
            },
            None => {
                for (name, collection) in lock(&self.shared.collections).iter() {
                    let records = collection.memory_dump();
                    out.insert(name.clone(), Value::Object(records.into_iter().collect()));
                }
            }
        }
        Value::Object(out)
    }

    /// Empties every collection, on disk too, in one transaction.
    pub fn reset(&self) -> Result<(), StoreError> {
        let _scope = WriteScope::enter();
        let mut writer = self.shared.writer();
        let cleared = match (&self.shared.disk, writer.as_mut()) {
            (Some(disk), Some(connection)) => disk.clear(connection),
            (Some(_), None) => Err(StoreError::Closed),
            (None, _) => {
                for collection in lock(&self.shared.collections).values() {
                    collection.memory_clear();
                }
                Ok(())
            }
        };
        for collection in lock(&self.shared.collections).values() {
            collection.version().fetch_add(1, Ordering::Release);
        }
        cleared
    }

    /// Moves the database's write-ahead log into the main file now and truncates it (SQLite
    /// also does this by itself, a little at a time). Nothing to do in memory.
    pub fn checkpoint(&self) -> Result<(), StoreError> {
        let writer = self.shared.writer();
        match (&self.shared.disk, writer.as_ref()) {
            (Some(disk), Some(connection)) => disk.checkpoint(connection),
            _ => Ok(()),
        }
    }
}

impl Shared {
    fn transaction<R, E: From<StoreError>>(
        &self,
        body: impl FnOnce(&mut Txn<'_>) -> Result<R, E>,
    ) -> Result<R, E> {
        let _scope = WriteScope::enter();
        let mut writer = self.writer();
        match (&self.disk, writer.as_mut()) {
            (Some(disk), Some(connection)) => {
                let sql = connection
                    .transaction()
                    .map_err(|error| disk.error(error))?;
                let mut txn = Txn {
                    shared: self,
                    inner: TxnInner::Disk { disk, sql },
                    touched: Vec::new(),
                };
                let result = body(&mut txn)?;
                let TxnInner::Disk { disk, sql } = txn.inner else {
                    unreachable!("a durable transaction stays durable")
                };
                sql.commit().map_err(|error| disk.error(error))?;
                advance(&txn.touched);
                Ok(result)
            }
            (Some(_), None) => Err(StoreError::Closed.into()),
            (None, _) => {
                let mut txn = Txn {
                    shared: self,
                    inner: TxnInner::Memory { staged: Vec::new() },
                    touched: Vec::new(),
                };
                let result = body(&mut txn)?;
                let TxnInner::Memory { staged } = txn.inner else {
                    unreachable!("a memory transaction stays in memory")
                };
                self.apply_staged(staged);
                advance(&txn.touched);
                Ok(result)
            }
        }
    }

    /// Applies a memory transaction's writes, grouped by collection, in the order made.
    fn apply_staged(&self, staged: Vec<Staged>) {
        let mut by_collection: BTreeMap<Arc<str>, StagedWrites> = BTreeMap::new();
        for write in staged {
            by_collection
                .entry(write.collection)
                .or_default()
                .push((write.key, write.value));
        }
        let collections = lock(&self.collections);
        for (name, writes) in by_collection {
            if let Some(collection) = collections.get(&*name) {
                collection.memory_apply(writes);
            }
        }
    }
}

/// Advances the versions of the collections a committed write touched. After the commit, so a
/// reader that saw the old version before reading records learns they may have changed.
fn advance(touched: &[Arc<AtomicU64>]) {
    for version in touched {
        version.fetch_add(1, Ordering::Release);
    }
}

/// A write staged by a memory-mode transaction.
struct Staged {
    collection: Arc<str>,
    key: String,
    value: Option<Box<dyn Any + Send>>,
}

enum TxnInner<'a> {
    Memory {
        staged: Vec<Staged>,
    },
    Disk {
        disk: &'a Disk,
        sql: rusqlite::Transaction<'a>,
    },
}

/// One atomic write across collections, handed to the body of [`Store::transaction`].
pub struct Txn<'a> {
    shared: &'a Shared,
    inner: TxnInner<'a>,
    /// The versions of the collections written, advanced once the transaction commits.
    touched: Vec<Arc<AtomicU64>>,
}

impl std::fmt::Debug for Txn<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Txn")
    }
}

impl Txn<'_> {
    fn check<V>(&self, collection: &Collection<V>) {
        assert!(
            std::ptr::eq(collection.shared.as_ptr(), self.shared),
            "collection {} used in a transaction of another store",
            collection.name
        );
    }

    fn touch<V>(&mut self, collection: &Collection<V>) {
        if !self
            .touched
            .iter()
            .any(|version| Arc::ptr_eq(version, &collection.version))
        {
            self.touched.push(collection.version.clone());
        }
    }

    /// The record under `key`, as this transaction has left it so far.
    pub fn get<V: Record>(
        &self,
        collection: &Collection<V>,
        key: &str,
    ) -> Result<Option<V>, StoreError> {
        self.check(collection);
        match &self.inner {
            TxnInner::Memory { staged } => {
                let latest = staged
                    .iter()
                    .rev()
                    .find(|write| *write.collection == *collection.name && write.key == key);
                match latest {
                    Some(write) => Ok(write
                        .value
                        .as_ref()
                        .and_then(|value| value.downcast_ref::<V>())
                        .cloned()),
                    None => Ok(collection.read_memory().get(key).cloned()),
                }
            }
            TxnInner::Disk { disk, sql } => disk
                .get(sql, &collection.table, key)?
                .map(|bytes| decode(&collection.name, key, &bytes))
                .transpose(),
        }
    }

    /// Whether a record is under `key`, as this transaction has left it so far.
    pub fn contains<V: Record>(
        &self,
        collection: &Collection<V>,
        key: &str,
    ) -> Result<bool, StoreError> {
        Ok(self.get(collection, key)?.is_some())
    }

    /// Stores `value` under `key`.
    pub fn insert<V: Record>(
        &mut self,
        collection: &Collection<V>,
        key: &str,
        value: V,
    ) -> Result<(), StoreError> {
        self.put(collection, key, Some(value))
    }

    /// Removes the record under `key`, returning it.
    pub fn remove<V: Record>(
        &mut self,
        collection: &Collection<V>,
        key: &str,
    ) -> Result<Option<V>, StoreError> {
        let old = self.get(collection, key)?;
        if old.is_some() {
            self.put(collection, key, None)?;
        }
        Ok(old)
    }

    /// Changes the record under `key` in place if it exists; returns what `change` returned.
    pub fn update<V: Record, R>(
        &mut self,
        collection: &Collection<V>,
        key: &str,
        change: impl FnOnce(&mut V) -> R,
    ) -> Result<Option<R>, StoreError> {
        let Some(mut record) = self.get(collection, key)? else {
            return Ok(None);
        };
        let result = change(&mut record);
        self.put(collection, key, Some(record))?;
        Ok(Some(result))
    }

    /// Like [`Collection::modify`], inside this transaction.
    pub fn modify<V: Record, R, E: From<StoreError>>(
        &mut self,
        collection: &Collection<V>,
        key: &str,
        change: impl FnOnce(&mut Option<V>) -> Result<R, E>,
    ) -> Result<R, E> {
        let before = self.get(collection, key)?;
        let had = before.is_some();
        let mut slot = before;
        let result = change(&mut slot)?;
        if had || slot.is_some() {
            self.put(collection, key, slot)?;
        }
        Ok(result)
    }

    /// Records whose keys start with `prefix`, in key order, as this transaction has left them.
    pub fn scan_prefix<V: Record>(
        &self,
        collection: &Collection<V>,
        prefix: &str,
    ) -> Result<Vec<(String, V)>, StoreError> {
        self.check(collection);
        match &self.inner {
            TxnInner::Memory { staged } => {
                let mut records: BTreeMap<String, V> =
                    collection.scan_prefix(prefix).into_iter().collect();
                for write in staged {
                    if *write.collection == *collection.name && write.key.starts_with(prefix) {
                        match write.value.as_ref().and_then(|v| v.downcast_ref::<V>()) {
                            Some(value) => records.insert(write.key.clone(), value.clone()),
                            None => records.remove(&write.key),
                        };
                    }
                }
                Ok(records.into_iter().collect())
            }
            TxnInner::Disk { disk, sql } => {
                let (lower, upper) = disk::prefix_bounds(prefix);
                disk.range(sql, &collection.table, lower, upper, usize::MAX, false)?
                    .into_iter()
                    .map(|(key, bytes)| {
                        let value = decode(&collection.name, &key, &bytes)?;
                        Ok((key, value))
                    })
                    .collect()
            }
        }
    }

    /// Removes every record whose key starts with `prefix`; returns how many there were.
    pub fn remove_prefix<V: Record>(
        &mut self,
        collection: &Collection<V>,
        prefix: &str,
    ) -> Result<usize, StoreError> {
        self.check(collection);
        self.touch(collection);
        match &mut self.inner {
            TxnInner::Memory { .. } => {
                let keys: Vec<String> = self
                    .scan_prefix(collection, prefix)?
                    .into_iter()
                    .map(|(key, _)| key)
                    .collect();
                for key in &keys {
                    self.put(collection, key, None)?;
                }
                Ok(keys.len())
            }
            TxnInner::Disk { disk, sql } => {
                let (lower, upper) = disk::prefix_bounds(prefix);
                disk.delete_range(sql, &collection.table, lower, upper)
            }
        }
    }

    fn put<V: Record>(
        &mut self,
        collection: &Collection<V>,
        key: &str,
        value: Option<V>,
    ) -> Result<(), StoreError> {
        self.check(collection);
        self.touch(collection);
        match &mut self.inner {
            TxnInner::Memory { staged } => {
                staged.push(Staged {
                    collection: collection.name.clone(),
                    key: key.to_string(),
                    value: value.map(|value| Box::new(value) as Box<dyn Any + Send>),
                });
                Ok(())
            }
            TxnInner::Disk { disk, sql } => match value {
                Some(value) => {
                    let bytes = encode(&collection.name, &value)?;
                    disk.put(sql, &collection.table, key, &bytes)
                }
                None => disk.delete(sql, &collection.table, key),
            },
        }
    }
}

/// Records of one type under string keys, in key order.
pub struct Collection<V> {
    name: Arc<str>,
    /// The collection's table, quoted for SQL (durable mode).
    table: Arc<str>,
    /// The records, in memory mode.
    memory: RwLock<BTreeMap<String, V>>,
    /// Advanced after every committed write (see [`Collection::version`]).
    version: Arc<AtomicU64>,
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
    fn memory_dump(&self) -> BTreeMap<String, Value> {
        self.read_memory()
            .iter()
            .map(|(key, value)| {
                (
                    key.clone(),
                    serde_json::to_value(value).unwrap_or(Value::Null),
                )
            })
            .collect()
    }

    fn memory_clear(&self) {
        self.write_memory().clear();
    }

    fn memory_apply(&self, writes: StagedWrites) {
        let mut records = self.write_memory();
        for (key, value) in writes {
            match value.and_then(|value| value.downcast::<V>().ok()) {
                Some(value) => records.insert(key, *value),
                None => records.remove(&key),
            };
        }
    }

    fn version(&self) -> &Arc<AtomicU64> {
        &self.version
    }

    fn as_any(self: Arc<Self>) -> Arc<dyn Any + Send + Sync> {
        self
    }
}

/// How reads answer a failed database read: logged as our fault and treated as no record, so
/// a client gets an answer (these reads have no error to return; the disk is local and the
/// types were checked when the collection opened).
fn log_read_failure(collection: &str, error: &StoreError) {
    tracing::error!(collection, %error, "state read failed");
}

impl<V: Record> Collection<V> {
    fn read_memory(&self) -> std::sync::RwLockReadGuard<'_, BTreeMap<String, V>> {
        self.memory.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write_memory(&self) -> std::sync::RwLockWriteGuard<'_, BTreeMap<String, V>> {
        self.memory.write().unwrap_or_else(|p| p.into_inner())
    }

    /// Reads from the database (durable mode), or `None` in memory mode.
    fn disk_read<R>(
        &self,
        read: impl FnOnce(&Disk, &rusqlite::Connection) -> Result<R, StoreError>,
    ) -> Option<Result<R, StoreError>> {
        let shared = self.shared.upgrade()?;
        let disk = shared.disk.as_ref()?;
        Some(disk.read(|connection| read(disk, connection)))
    }

    fn decoded(&self, rows: Vec<(String, Vec<u8>)>) -> Vec<(String, V)> {
        rows.into_iter()
            .filter_map(|(key, bytes)| match decode(&self.name, &key, &bytes) {
                Ok(value) => Some((key, value)),
                Err(error) => {
                    log_read_failure(&self.name, &error);
                    None
                }
            })
            .collect()
    }

    /// The record under `key`.
    pub fn get(&self, key: &str) -> Option<V> {
        let read = self.disk_read(|disk, connection| disk.get(connection, &self.table, key));
        match read {
            None => self.read_memory().get(key).cloned(),
            Some(Ok(bytes)) => bytes.and_then(|bytes| match decode(&self.name, key, &bytes) {
                Ok(value) => Some(value),
                Err(error) => {
                    log_read_failure(&self.name, &error);
                    None
                }
            }),
            Some(Err(error)) => {
                log_read_failure(&self.name, &error);
                None
            }
        }
    }

    pub fn contains(&self, key: &str) -> bool {
        let read = self.disk_read(|disk, connection| disk.contains(connection, &self.table, key));
        match read {
            None => self.read_memory().contains_key(key),
            Some(Ok(found)) => found,
            Some(Err(error)) => {
                log_read_failure(&self.name, &error);
                false
            }
        }
    }

    /// How many records there are. Durable collections count their table: cheap for small
    /// collections, linear for large ones.
    pub fn len(&self) -> usize {
        let read = self.disk_read(|disk, connection| disk.count(connection, &self.table));
        match read {
            None => self.read_memory().len(),
            Some(Ok(count)) => count,
            Some(Err(error)) => {
                log_read_failure(&self.name, &error);
                0
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.range(.., 1, false).is_empty()
    }

    /// Every record whose key starts with `prefix`, in key order.
    pub fn scan_prefix(&self, prefix: &str) -> Vec<(String, V)> {
        let read = self.disk_read(|disk, connection| {
            let (lower, upper) = disk::prefix_bounds(prefix);
            disk.range(connection, &self.table, lower, upper, usize::MAX, false)
        });
        match read {
            None => self
                .read_memory()
                .range::<str, _>((Bound::Included(prefix), Bound::Unbounded))
                .take_while(|(key, _)| key.starts_with(prefix))
                .map(|(key, value)| (key.clone(), value.clone()))
                .collect(),
            Some(Ok(rows)) => self.decoded(rows),
            Some(Err(error)) => {
                log_read_failure(&self.name, &error);
                Vec::new()
            }
        }
    }

    /// Records with keys in `range`, in key order, at most `limit` of them (from the end when
    /// `reverse`). For paging through large collections without copying all of them. An empty
    /// or inverted range has no records.
    pub fn range(
        &self,
        range: impl RangeBounds<String>,
        limit: usize,
        reverse: bool,
    ) -> Vec<(String, V)> {
        let lower = range.start_bound().cloned();
        let upper = range.end_bound().cloned();
        if limit == 0 || bounds_are_empty(&lower, &upper) {
            return Vec::new();
        }
        let read = self.disk_read(|disk, connection| {
            disk.range(
                connection,
                &self.table,
                bytes_bound(&lower),
                bytes_bound(&upper),
                limit,
                reverse,
            )
        });
        match read {
            None => {
                let records = self.read_memory();
                let selected = records.range((lower, upper));
                let clone = |(key, value): (&String, &V)| (key.clone(), value.clone());
                if reverse {
                    selected.rev().take(limit).map(clone).collect()
                } else {
                    selected.take(limit).map(clone).collect()
                }
            }
            Some(Ok(rows)) => self.decoded(rows),
            Some(Err(error)) => {
                log_read_failure(&self.name, &error);
                Vec::new()
            }
        }
    }

    /// Every record, in key order.
    pub fn all(&self) -> Vec<(String, V)> {
        self.range(.., usize::MAX, false)
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

    /// The one way a single record changes: `change` sees the slot (`None` if absent) and may
    /// fill, edit or empty it. If it returns `Err`, nothing changes; if `Ok`, the new state is
    /// committed atomically with respect to every other writer. `change` must not write to the
    /// store itself (use [`Store::transaction`] for several records).
    pub fn modify<R, E: From<StoreError>>(
        &self,
        key: &str,
        change: impl FnOnce(&mut Option<V>) -> Result<R, E>,
    ) -> Result<R, E> {
        let shared = self.shared.upgrade().ok_or(StoreError::Closed)?;
        if shared.disk.is_some() {
            return shared.transaction(|txn| txn.modify(self, key, change));
        }
        // Memory mode: the writer lock orders this write with transactions; the collection's
        // lock makes it atomic for readers.
        let _scope = WriteScope::enter();
        let _writer = shared.writer();
        let mut records = self.write_memory();
        let mut slot = records.get(key).cloned();
        let had = slot.is_some();
        let result = change(&mut slot)?;
        match slot {
            Some(value) => {
                records.insert(key.to_string(), value);
            }
            None if had => {
                records.remove(key);
            }
            None => {}
        }
        self.version.fetch_add(1, Ordering::Release);
        Ok(result)
    }

    /// A number that changes after every committed write to this collection (and on reset).
    /// Read it before reading records: if it is the same later, what was read still holds, so
    /// a reader can keep what it derived from them (as IAM enforcement keeps a principal's
    /// policies) instead of reading again.
    pub fn version(&self) -> u64 {
        self.version.load(Ordering::Acquire)
    }
}

fn bounds_are_empty(lower: &Bound<String>, upper: &Bound<String>) -> bool {
    match (lower, upper) {
        (Bound::Unbounded, _) | (_, Bound::Unbounded) => false,
        (Bound::Included(low), Bound::Included(high)) => low > high,
        (Bound::Included(low) | Bound::Excluded(low), Bound::Excluded(high))
        | (Bound::Excluded(low), Bound::Included(high)) => low >= high,
    }
}

fn bytes_bound(bound: &Bound<String>) -> Bound<Vec<u8>> {
    match bound {
        Bound::Included(key) => Bound::Included(key.as_bytes().to_vec()),
        Bound::Excluded(key) => Bound::Excluded(key.as_bytes().to_vec()),
        Bound::Unbounded => Bound::Unbounded,
    }
}

fn encode<V: Record>(collection: &str, value: &V) -> Result<Vec<u8>, StoreError> {
    serde_json::to_vec(value).map_err(|error| StoreError::Encode {
        collection: collection.to_string(),
        message: error.to_string(),
    })
}

fn decode<V: Record>(collection: &str, key: &str, bytes: &[u8]) -> Result<V, StoreError> {
    serde_json::from_slice(bytes).map_err(|error| StoreError::Schema {
        collection: collection.to_string(),
        message: format!("key {key}: {error}"),
    })
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests;
