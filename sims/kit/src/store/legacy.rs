//! Migration from the journal store of earlier releases: a state directory holding
//! `snapshot.json` (every collection as JSON) and `journal.jsonl` (one change per line, the
//! last possibly torn by a crash) is read once, written into the database in one transaction
//! that also records the migration, and then the old files are removed. A crash before the
//! commit leaves the old files to migrate again; a crash after it leaves files that the next
//! open only removes. A journal damaged anywhere but its last line is refused with
//! [`StoreError::Corrupt`], as the old store refused it.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{BufRead, BufReader};
use std::path::Path;

use rusqlite::{Connection, OptionalExtension};
use serde::Deserialize;
use serde_json::Value;

use super::StoreError;
use super::disk::Disk;

const SNAPSHOT: &str = "snapshot.json";
const JOURNAL: &str = "journal.jsonl";
const MIGRATED: &str = "migrated-from-journal";

#[derive(Deserialize)]
struct JournalEntry {
    c: String,
    k: String,
    #[serde(default)]
    v: Option<Value>,
}

#[derive(Deserialize, Default)]
struct Snapshot {
    #[serde(default)]
    collections: BTreeMap<String, BTreeMap<String, Value>>,
}

/// Migrates `disk`'s directory if it holds journal-format state, and removes leftovers of the
/// old store (its files, and temporary snapshots a crash during compaction left behind).
pub(super) fn migrate(disk: &Disk, writer: &mut Connection) -> Result<(), StoreError> {
    let dir = disk.dir();
    let (snapshot, journal) = (dir.join(SNAPSHOT), dir.join(JOURNAL));
    if snapshot.exists() || journal.exists() {
        let migrated = writer
            .query_row("SELECT value FROM meta WHERE key = ?1", [MIGRATED], |row| {
                row.get::<_, String>(0)
            })
            .optional()
            .map_err(|error| disk.error(error))?;
        if migrated.is_none() {
            let mut state = read_snapshot(&snapshot)?;
            replay_journal(&journal, &mut state)?;
            let transaction = writer.transaction().map_err(|error| disk.error(error))?;
            let collections = state.collections.len();
            for (collection, records) in state.collections {
                disk.load(&transaction, &collection, records)?;
            }
            transaction
                .execute(
                    "INSERT INTO meta (key, value) VALUES (?1, 'journal')",
                    [MIGRATED],
                )
                .map_err(|error| disk.error(error))?;
            transaction.commit().map_err(|error| disk.error(error))?;
            tracing::info!(
                dir = %dir.display(),
                collections,
                "migrated a journal-format state directory"
            );
        }
        for path in [&snapshot, &journal] {
            remove_if_present(path)?;
        }
    }
    remove_temporary_snapshots(dir)
}

fn remove_if_present(path: &Path) -> Result<(), StoreError> {
    match fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(source) => Err(StoreError::Io {
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// The old store wrote snapshots through `.tmp*` files; a crash mid-write left them behind.
fn remove_temporary_snapshots(dir: &Path) -> Result<(), StoreError> {
    let entries = fs::read_dir(dir).map_err(|source| StoreError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    for entry in entries.flatten() {
        let name = entry.file_name();
        if name.to_string_lossy().starts_with(".tmp") && entry.path().is_file() {
            remove_if_present(&entry.path())?;
        }
    }
    Ok(())
}

fn read_snapshot(path: &Path) -> Result<Snapshot, StoreError> {
    match fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map_err(|error| StoreError::Corrupt {
            path: path.to_path_buf(),
            line: error.line(),
            message: error.to_string(),
        }),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(Snapshot::default()),
        Err(source) => Err(StoreError::Io {
            path: path.to_path_buf(),
            source,
        }),
    }
}

fn replay_journal(path: &Path, snapshot: &mut Snapshot) -> Result<(), StoreError> {
    let file = match File::open(path) {
        Ok(file) => file,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(source) => {
            return Err(StoreError::Io {
                path: path.to_path_buf(),
                source,
            });
        }
    };
    let mut lines = BufReader::new(file).split(b'\n').enumerate().peekable();
    while let Some((index, line)) = lines.next() {
        let line = line.map_err(|source| StoreError::Io {
            path: path.to_path_buf(),
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
            // The old process was killed in the middle of its last write, which was therefore
            // never acknowledged.
            Err(_) if is_last => break,
            Err(error) => {
                return Err(StoreError::Corrupt {
                    path: path.to_path_buf(),
                    line: index + 1,
                    message: error.to_string(),
                });
            }
        }
    }
    Ok(())
}
