//! The durable store's database: SQLite (bundled) in WAL mode, one `WITHOUT ROWID` table per
//! collection with the key as a BLOB primary key (so byte order, which is `String` order, is
//! the table's order) and the record as JSON.
//!
//! Connections: one writer, owned by the store's writer lock, and a small pool of read-only
//! connections that readers borrow, so reads never wait for a writer. With
//! [`Durability::Process`] commits are written to the log without `fsync`
//! (`synchronous=OFF`): SQLite documents that a commit then survives the process crashing, and
//! only an operating-system crash or power cut can lose it. With [`Durability::Fsync`]
//! (`synchronous=FULL`) every commit is flushed.
//!
//! Chosen over redb by `bench/src/bin/storebench.rs`: redb makes a commit survive a crash only
//! with an `fsync` per commit, which made single-record writes 13 times slower here.
//!
//! What this module must not do: decode records (the store does, with its types) or build SQL
//! from anything but collection names chosen by simulator code.

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::ops::Bound;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rusqlite::{Connection, OpenFlags, OptionalExtension, params_from_iter};
use serde_json::Value;

use super::{Durability, StoreError, legacy, lock};

pub(super) const DATABASE: &str = "state.db";
const LOCK: &str = "lock";
/// Collection tables are named `col:NAME`; nothing else in the database starts so.
const TABLE_PREFIX: &str = "col:";
/// How many idle read connections are kept.
const MAX_IDLE_READERS: usize = 8;
/// Records decoded when a collection opens, from each end, to catch a type that no longer fits.
const SAMPLE: usize = 32;

/// The quoted SQL name of a collection's table.
pub(super) fn table_name(collection: &str) -> String {
    format!("\"{TABLE_PREFIX}{}\"", collection.replace('"', "\"\""))
}

/// Key bounds selecting exactly the keys that start with `prefix`: no key of valid UTF-8
/// contains the byte 0xFF, so `prefix + 0xFF` is above all of them and below every other key
/// that sorts after `prefix`.
pub(super) fn prefix_bounds(prefix: &str) -> (Bound<Vec<u8>>, Bound<Vec<u8>>) {
    let mut upper = prefix.as_bytes().to_vec();
    upper.push(0xFF);
    (
        Bound::Included(prefix.as_bytes().to_vec()),
        Bound::Excluded(upper),
    )
}

pub(super) struct Disk {
    dir: PathBuf,
    path: PathBuf,
    readers: Mutex<Vec<Connection>>,
    _lock: File,
}

impl Disk {
    /// Opens (or creates) the database in `dir`, migrating a journal-format directory, and
    /// returns it with its writer connection.
    pub(super) fn open(
        dir: &Path,
        durability: Durability,
    ) -> Result<(Self, Connection), StoreError> {
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| StoreError::Io { path, source }
        };
        if !dir.exists() {
            fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(dir)
                .map_err(io(dir))?;
        }
        let lock_path = dir.join(LOCK);
        let lock_file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .mode(0o600)
            .open(&lock_path)
            .map_err(io(&lock_path))?;
        match lock_file.try_lock() {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) => return Err(StoreError::Locked(dir.to_path_buf())),
            Err(fs::TryLockError::Error(source)) => return Err(io(&lock_path)(source)),
        }

        let path = dir.join(DATABASE);
        // Created here, owner-only, so the log files SQLite makes beside it inherit the mode
        // and no workload running as another user can read the state.
        OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .mode(0o600)
            .open(&path)
            .map_err(io(&path))?;
        fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).map_err(io(&path))?;

        let disk = Self {
            dir: dir.to_path_buf(),
            path: path.clone(),
            readers: Mutex::default(),
            _lock: lock_file,
        };
        let mut writer = Connection::open(&path).map_err(|error| disk.error(error))?;
        let synchronous = match durability {
            Durability::Process => "OFF",
            Durability::Fsync => "FULL",
        };
        writer
            .execute_batch(&format!(
                "PRAGMA journal_mode=WAL;
                 PRAGMA synchronous={synchronous};
                 PRAGMA cache_size=-16384;
                 PRAGMA journal_size_limit=67108864;
                 PRAGMA busy_timeout=5000;
                 CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
            ))
            .map_err(|error| disk.error(error))?;
        writer.set_prepared_statement_cache_capacity(256);
        legacy::migrate(&disk, &mut writer)?;
        Ok((disk, writer))
    }

    pub(super) fn dir(&self) -> &Path {
        &self.dir
    }

    pub(super) fn error(&self, error: rusqlite::Error) -> StoreError {
        StoreError::Database {
            path: self.path.clone(),
            message: error.to_string(),
        }
    }

    fn open_reader(&self) -> Result<Connection, StoreError> {
        let reader = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|error| self.error(error))?;
        reader
            .execute_batch("PRAGMA cache_size=-4096; PRAGMA busy_timeout=5000;")
            .map_err(|error| self.error(error))?;
        reader.set_prepared_statement_cache_capacity(256);
        Ok(reader)
    }

    /// Runs `read` on a pooled read-only connection.
    pub(super) fn read<R>(
        &self,
        read: impl FnOnce(&Connection) -> Result<R, StoreError>,
    ) -> Result<R, StoreError> {
        let pooled = lock(&self.readers).pop();
        let connection = match pooled {
            Some(connection) => connection,
            None => self.open_reader()?,
        };
        let result = read(&connection);
        let mut idle = lock(&self.readers);
        if idle.len() < MAX_IDLE_READERS {
            idle.push(connection);
        }
        result
    }

    pub(super) fn create_table(&self, writer: &Connection, table: &str) -> Result<(), StoreError> {
        writer
            .execute_batch(&format!(
                "CREATE TABLE IF NOT EXISTS {table} (k BLOB PRIMARY KEY, v BLOB NOT NULL) WITHOUT ROWID;"
            ))
            .map_err(|error| self.error(error))
    }

    /// Up to [`SAMPLE`] records from each end of a table.
    pub(super) fn sample(
        &self,
        connection: &Connection,
        table: &str,
    ) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        let mut rows = self.range(
            connection,
            table,
            Bound::Unbounded,
            Bound::Unbounded,
            SAMPLE,
            false,
        )?;
        rows.extend(self.range(
            connection,
            table,
            Bound::Unbounded,
            Bound::Unbounded,
            SAMPLE,
            true,
        )?);
        Ok(rows)
    }

    pub(super) fn get(
        &self,
        connection: &Connection,
        table: &str,
        key: &str,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        connection
            .prepare_cached(&format!("SELECT v FROM {table} WHERE k = ?1"))
            .and_then(|mut select| {
                select
                    .query_row([key.as_bytes()], |row| row.get(0))
                    .optional()
            })
            .map_err(|error| self.error(error))
    }

    pub(super) fn contains(
        &self,
        connection: &Connection,
        table: &str,
        key: &str,
    ) -> Result<bool, StoreError> {
        connection
            .prepare_cached(&format!("SELECT 1 FROM {table} WHERE k = ?1"))
            .and_then(|mut select| select.exists([key.as_bytes()]))
            .map_err(|error| self.error(error))
    }

    pub(super) fn count(&self, connection: &Connection, table: &str) -> Result<usize, StoreError> {
        connection
            .prepare_cached(&format!("SELECT COUNT(*) FROM {table}"))
            .and_then(|mut select| select.query_row([], |row| row.get::<_, i64>(0)))
            .map(|count| count as usize)
            .map_err(|error| self.error(error))
    }

    pub(super) fn range(
        &self,
        connection: &Connection,
        table: &str,
        lower: Bound<Vec<u8>>,
        upper: Bound<Vec<u8>>,
        limit: usize,
        reverse: bool,
    ) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        let mut sql = format!("SELECT k, v FROM {table} WHERE 1");
        let mut arguments: Vec<Vec<u8>> = Vec::new();
        for (bound, included, excluded) in [(lower, ">=", ">"), (upper, "<=", "<")] {
            let (operator, key) = match bound {
                Bound::Included(key) => (included, key),
                Bound::Excluded(key) => (excluded, key),
                Bound::Unbounded => continue,
            };
            arguments.push(key);
            sql.push_str(&format!(" AND k {operator} ?{}", arguments.len()));
        }
        sql.push_str(if reverse {
            " ORDER BY k DESC"
        } else {
            " ORDER BY k ASC"
        });
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        sql.push_str(&format!(" LIMIT {limit}"));
        let mut select = connection
            .prepare_cached(&sql)
            .map_err(|error| self.error(error))?;
        let rows = select
            .query_map(params_from_iter(arguments.iter()), |row| {
                Ok((row.get::<_, Vec<u8>>(0)?, row.get::<_, Vec<u8>>(1)?))
            })
            .map_err(|error| self.error(error))?;
        let mut out = Vec::new();
        for row in rows {
            let (key, value) = row.map_err(|error| self.error(error))?;
            // Keys are written from `&str` only.
            let key = String::from_utf8(key).map_err(|_| StoreError::Database {
                path: self.path.clone(),
                message: format!("a key in {table} is not UTF-8"),
            })?;
            out.push((key, value));
        }
        Ok(out)
    }

    pub(super) fn put(
        &self,
        connection: &Connection,
        table: &str,
        key: &str,
        value: &[u8],
    ) -> Result<(), StoreError> {
        connection
            .prepare_cached(&format!(
                "INSERT INTO {table} (k, v) VALUES (?1, ?2) ON CONFLICT(k) DO UPDATE SET v = excluded.v"
            ))
            .and_then(|mut insert| insert.execute((key.as_bytes(), value)))
            .map(|_| ())
            .map_err(|error| self.error(error))
    }

    pub(super) fn delete(
        &self,
        connection: &Connection,
        table: &str,
        key: &str,
    ) -> Result<(), StoreError> {
        connection
            .prepare_cached(&format!("DELETE FROM {table} WHERE k = ?1"))
            .and_then(|mut delete| delete.execute([key.as_bytes()]))
            .map(|_| ())
            .map_err(|error| self.error(error))
    }

    /// Deletes the records with keys between `lower` and `upper`; returns how many.
    pub(super) fn delete_range(
        &self,
        connection: &Connection,
        table: &str,
        lower: Bound<Vec<u8>>,
        upper: Bound<Vec<u8>>,
    ) -> Result<usize, StoreError> {
        let (Bound::Included(lower), Bound::Excluded(upper)) = (lower, upper) else {
            unreachable!("prefix bounds are inclusive below and exclusive above")
        };
        connection
            .prepare_cached(&format!("DELETE FROM {table} WHERE k >= ?1 AND k < ?2"))
            .and_then(|mut delete| delete.execute((lower, upper)))
            .map_err(|error| self.error(error))
    }

    /// The collection tables in the database, by collection name.
    fn tables(&self, connection: &Connection) -> Result<Vec<(String, String)>, StoreError> {
        let mut select = connection
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'col:%'")
            .map_err(|error| self.error(error))?;
        let names = select
            .query_map([], |row| row.get::<_, String>(0))
            .map_err(|error| self.error(error))?;
        let mut out = Vec::new();
        for name in names {
            let name = name.map_err(|error| self.error(error))?;
            if let Some(collection) = name.strip_prefix(TABLE_PREFIX) {
                out.push((collection.to_string(), table_name(collection)));
            }
        }
        Ok(out)
    }

    /// Every record of every collection, as JSON.
    pub(super) fn dump(&self) -> Result<BTreeMap<String, BTreeMap<String, Value>>, StoreError> {
        self.read(|connection| {
            let mut out = BTreeMap::new();
            for (collection, table) in self.tables(connection)? {
                let rows = self.range(
                    connection,
                    &table,
                    Bound::Unbounded,
                    Bound::Unbounded,
                    usize::MAX,
                    false,
                )?;
                let records = rows
                    .into_iter()
                    .map(|(key, bytes)| {
                        let value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
                        (key, value)
                    })
                    .collect();
                out.insert(collection, records);
            }
            Ok(out)
        })
    }

    /// Empties every collection table in one transaction.
    pub(super) fn clear(&self, writer: &mut Connection) -> Result<(), StoreError> {
        let tables = self.tables(writer)?;
        let transaction = writer.transaction().map_err(|error| self.error(error))?;
        for (_, table) in tables {
            transaction
                .execute(&format!("DELETE FROM {table}"), [])
                .map_err(|error| self.error(error))?;
        }
        transaction.commit().map_err(|error| self.error(error))
    }

    pub(super) fn checkpoint(&self, writer: &Connection) -> Result<(), StoreError> {
        writer
            .execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")
            .map_err(|error| self.error(error))
    }

    /// Inserts records into a collection table inside the caller's transaction (migration).
    pub(super) fn load(
        &self,
        transaction: &rusqlite::Transaction<'_>,
        collection: &str,
        records: BTreeMap<String, Value>,
    ) -> Result<(), StoreError> {
        let table = table_name(collection);
        self.create_table(transaction, &table)?;
        for (key, value) in records {
            let bytes = serde_json::to_vec(&value).map_err(|error| StoreError::Encode {
                collection: collection.to_string(),
                message: error.to_string(),
            })?;
            self.put(transaction, &table, &key, &bytes)?;
        }
        Ok(())
    }
}
