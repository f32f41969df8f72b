//! Compares the embedded databases the state store could sit on, on the store's own workloads:
//! single-record commits, 500-event batches (a PutLogEvents), point reads, range scans, reopen
//! time and file size. Each candidate is configured for the store's default guarantee: an
//! acknowledged commit survives SIGKILL of the process (not a power cut).
//!
//! - SQLite (rusqlite, bundled) in WAL mode with `synchronous=OFF`: a commit is handed to the
//!   kernel with `write` and survives the process; no `fsync`.
//! - redb: a commit is visible after a crash only with `Durability::Immediate` (an `fsync` per
//!   commit); `Durability::None` is shown for reference, but its commits vanish on SIGKILL.
//!
//! `cargo run --release -p sockerless-bench --bin storebench [-- RECORDS]`

use std::path::Path;
use std::time::{Duration, Instant};

use redb::{ReadableDatabase, ReadableTable, TableDefinition};

#[allow(clippy::disallowed_methods)] // A benchmark measures wall time.
fn now() -> Instant {
    Instant::now()
}

const TABLE: TableDefinition<&[u8], &[u8]> = TableDefinition::new("records");

fn value(seq: u64, bytes: usize) -> Vec<u8> {
    let mut out = format!("{{\"seq\":{seq},\"message\":\"").into_bytes();
    while out.len() < bytes - 2 {
        out.push(b'a' + (seq % 26) as u8);
    }
    out.extend_from_slice(b"\"}");
    out
}

fn key(seq: u64) -> Vec<u8> {
    format!("123456789012/us-east-1/group/stream/{seq:016}").into_bytes()
}

trait Candidate {
    fn name(&self) -> String;
    fn commit(&mut self, records: &[(Vec<u8>, Vec<u8>)]);
    fn get(&mut self, key: &[u8]) -> Option<Vec<u8>>;
    fn scan(&mut self, from: &[u8], limit: usize) -> usize;
}

struct Sqlite {
    connection: rusqlite::Connection,
}

impl Sqlite {
    fn open(dir: &Path) -> Self {
        let connection = rusqlite::Connection::open(dir.join("state.db")).unwrap();
        connection
            .execute_batch(
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF;
                 CREATE TABLE IF NOT EXISTS records (k BLOB PRIMARY KEY, v BLOB NOT NULL) WITHOUT ROWID;",
            )
            .unwrap();
        Self { connection }
    }
}

impl Candidate for Sqlite {
    fn name(&self) -> String {
        "sqlite wal sync=off".into()
    }

    fn commit(&mut self, records: &[(Vec<u8>, Vec<u8>)]) {
        let transaction = self.connection.transaction().unwrap();
        {
            let mut insert = transaction
                .prepare_cached("INSERT OR REPLACE INTO records (k, v) VALUES (?1, ?2)")
                .unwrap();
            for (key, value) in records {
                insert.execute((key, value)).unwrap();
            }
        }
        transaction.commit().unwrap();
    }

    fn get(&mut self, key: &[u8]) -> Option<Vec<u8>> {
        let mut select = self
            .connection
            .prepare_cached("SELECT v FROM records WHERE k = ?1")
            .unwrap();
        select.query_row([key], |row| row.get(0)).ok()
    }

    fn scan(&mut self, from: &[u8], limit: usize) -> usize {
        let mut select = self
            .connection
            .prepare_cached("SELECT k, v FROM records WHERE k >= ?1 ORDER BY k LIMIT ?2")
            .unwrap();
        let rows = select
            .query_map((from, limit as i64), |row| {
                Ok(row.get::<_, Vec<u8>>(1)?.len())
            })
            .unwrap();
        rows.count()
    }
}

struct Redb {
    database: redb::Database,
    durability: redb::Durability,
}

impl Redb {
    fn open(dir: &Path, durability: redb::Durability) -> Self {
        let database = redb::Database::create(dir.join("state.redb")).unwrap();
        Self {
            database,
            durability,
        }
    }
}

impl Candidate for Redb {
    fn name(&self) -> String {
        format!("redb {:?}", self.durability)
    }

    fn commit(&mut self, records: &[(Vec<u8>, Vec<u8>)]) {
        let mut transaction = self.database.begin_write().unwrap();
        transaction.set_durability(self.durability).unwrap();
        {
            let mut table = transaction.open_table(TABLE).unwrap();
            for (key, value) in records {
                table.insert(key.as_slice(), value.as_slice()).unwrap();
            }
        }
        transaction.commit().unwrap();
    }

    fn get(&mut self, key: &[u8]) -> Option<Vec<u8>> {
        let transaction = self.database.begin_read().unwrap();
        let table = transaction.open_table(TABLE).unwrap();
        table.get(key).unwrap().map(|v| v.value().to_vec())
    }

    fn scan(&mut self, from: &[u8], limit: usize) -> usize {
        let transaction = self.database.begin_read().unwrap();
        let table = transaction.open_table(TABLE).unwrap();
        table
            .range(from..)
            .unwrap()
            .take(limit)
            .filter(|entry| !entry.as_ref().unwrap().1.value().is_empty())
            .count()
    }
}

fn percentile(samples: &mut [Duration], fraction: f64) -> Duration {
    samples.sort();
    samples[((samples.len() as f64 - 1.0) * fraction) as usize]
}

fn dir_size(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|entry| entry.ok()?.metadata().ok())
        .map(|metadata| metadata.len())
        .sum()
}

fn measure(candidate: &mut dyn Candidate, dir: &Path, history: u64) -> Vec<String> {
    let mut row = vec![candidate.name()];
    // Single-record commits (an ECS task update, a CreateRole).
    let mut latencies = Vec::new();
    let started = now();
    let singles = 2_000u64;
    for seq in 0..singles {
        let began = now();
        candidate.commit(&[(key(1_000_000_000 + seq), value(seq, 300))]);
        latencies.push(began.elapsed());
    }
    let elapsed = started.elapsed();
    row.push(format!("{:.0}", singles as f64 / elapsed.as_secs_f64()));
    row.push(format!("{:?}", percentile(&mut latencies, 0.99)));
    // History: batches of 500 events (PutLogEvents).
    let mut batch_latencies = Vec::new();
    let started = now();
    let mut seq = 0;
    while seq < history {
        let batch: Vec<_> = (seq..seq + 500).map(|s| (key(s), value(s, 120))).collect();
        let began = now();
        candidate.commit(&batch);
        batch_latencies.push(began.elapsed());
        seq += 500;
    }
    let elapsed = started.elapsed();
    row.push(format!("{:.0}", history as f64 / elapsed.as_secs_f64()));
    row.push(format!("{:?}", percentile(&mut batch_latencies, 0.99)));
    row.push(format!("{:?}", batch_latencies.iter().max().unwrap()));
    // Point reads spread over the history.
    let started = now();
    let reads = 20_000u64;
    for i in 0..reads {
        let target = (i * 7_919) % history;
        assert!(candidate.get(&key(target)).is_some());
    }
    row.push(format!(
        "{:.1}",
        started.elapsed().as_secs_f64() * 1e6 / reads as f64
    ));
    // Range scans of 1,000 records (a GetLogEvents page).
    let started = now();
    for i in 0..50u64 {
        let from = (i * 104_729) % (history - 1_000);
        assert_eq!(candidate.scan(&key(from), 1_000), 1_000);
    }
    row.push(format!(
        "{:.2}",
        started.elapsed().as_secs_f64() * 1e3 / 50.0
    ));
    row.push(format!("{:.0}", dir_size(dir) as f64 / 1e6));
    row
}

fn main() {
    let history: u64 = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(1_000_000);
    let header = [
        "candidate",
        "single commits/s",
        "single p99",
        "batched records/s",
        "batch p99",
        "batch max",
        "point read µs",
        "scan 1k ms",
        "MB on disk",
        "reopen ms",
    ];
    println!("| {} |", header.join(" | "));
    println!("|{}", "---|".repeat(header.len()));
    type Open = Box<dyn Fn(&Path) -> Box<dyn Candidate>>;
    let candidates: Vec<Open> = vec![
        Box::new(|dir| Box::new(Sqlite::open(dir))),
        Box::new(|dir| Box::new(Redb::open(dir, redb::Durability::Immediate))),
        Box::new(|dir| Box::new(Redb::open(dir, redb::Durability::None))),
    ];
    for open in candidates {
        let dir = tempfile::tempdir_in("/var/tmp").unwrap();
        let mut row = {
            let mut candidate = open(dir.path());
            measure(candidate.as_mut(), dir.path(), history)
        };
        let started = now();
        let mut reopened = open(dir.path());
        assert!(reopened.get(&key(history / 2)).is_some());
        row.push(format!("{:.1}", started.elapsed().as_secs_f64() * 1e3));
        println!("| {} |", row.join(" | "));
    }
}
