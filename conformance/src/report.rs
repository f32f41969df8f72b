//! The matrix report. Each conformance test holds a [`Cell`]; when the test ends (passing, or
//! panicking) the cell is written to `target/nextest/matrix/cells/` and the readable table
//! (`matrix.md`) and its JSON (`matrix.json`) are regenerated from every cell there, under a file
//! lock so concurrent tests never lose each other's rows. scripts/test empties the directory
//! before a run.

use std::fs::{self, OpenOptions};
use std::path::PathBuf;
use std::time::Instant;

use serde::{Deserialize, Serialize};

/// One recorded result.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Record {
    /// The kind of check: `foundation`, `cloud-cli`, `cloud-sdk`, ...
    pub suite: String,
    /// What was certified: `aws`, `sockerless`, an engine backend...
    pub target: String,
    /// The scenario.
    pub name: String,
    /// The real client that drove it.
    pub client: String,
    /// `pass` or `fail`.
    pub result: String,
    pub seconds: f64,
}

/// Where the matrix lives: `$SOCKERLESS_MATRIX_DIR`, else `target/nextest/matrix` at the root
/// of the workspace.
pub fn matrix_dir() -> PathBuf {
    std::env::var_os("SOCKERLESS_MATRIX_DIR").map_or_else(
        || {
            crate::clients::conformance_dir()
                .join("..")
                .join("target")
                .join("nextest")
                .join("matrix")
        },
        PathBuf::from,
    )
}

/// A cell being run; records itself when dropped.
pub struct Cell {
    record: Record,
    started: Instant,
}

impl Cell {
    /// Starts the cell `name` of `suite` against `target`, driven by `client`.
    #[allow(clippy::disallowed_methods)] // Wall time of a test run, not simulator time.
    pub fn new(suite: &str, target: &str, name: &str, client: &str) -> Self {
        Self {
            record: Record {
                suite: suite.into(),
                target: target.into(),
                name: name.into(),
                client: client.into(),
                result: String::new(),
                seconds: 0.0,
            },
            started: Instant::now(),
        }
    }
}

impl Drop for Cell {
    fn drop(&mut self) {
        self.record.result = if std::thread::panicking() {
            "fail"
        } else {
            "pass"
        }
        .into();
        self.record.seconds = (self.started.elapsed().as_secs_f64() * 10.0).round() / 10.0;
        if let Err(error) = write(&self.record) {
            eprintln!("could not record the matrix cell: {error}");
        }
    }
}

fn write(record: &Record) -> std::io::Result<()> {
    let dir = matrix_dir();
    let cells = dir.join("cells");
    fs::create_dir_all(&cells)?;
    let file_name = format!("{}--{}--{}.json", record.suite, record.target, record.name)
        .replace(['/', ' '], "_");
    fs::write(cells.join(file_name), serde_json::to_vec_pretty(record)?)?;

    // Held until the end of this function: the table is rebuilt by one test at a time.
    let guard = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(dir.join(".lock"))?;
    guard.lock()?;
    let mut records: Vec<Record> = Vec::new();
    for entry in fs::read_dir(&cells)?.flatten() {
        if let Ok(bytes) = fs::read(entry.path())
            && let Ok(record) = serde_json::from_slice(&bytes)
        {
            records.push(record);
        }
    }
    records.sort_by(|a, b| (&a.suite, &a.target, &a.name).cmp(&(&b.suite, &b.target, &b.name)));
    fs::write(
        dir.join("matrix.json"),
        serde_json::to_vec_pretty(&records)?,
    )?;
    fs::write(dir.join("matrix.md"), markdown(&records))?;
    drop(guard);
    Ok(())
}

/// The readable table.
pub fn markdown(records: &[Record]) -> String {
    let passed = records.iter().filter(|r| r.result == "pass").count();
    let mut out = format!(
        "# Sockerless conformance matrix\n\n{passed} of {} cells pass.\n\n| suite | target | cell | client | result | seconds |\n|---|---|---|---|---|---|\n",
        records.len()
    );
    for r in records {
        let mark = if r.result == "pass" {
            "pass"
        } else {
            "**FAIL**"
        };
        out.push_str(&format!(
            "| {} | {} | {} | {} | {mark} | {} |\n",
            r.suite, r.target, r.name, r.client, r.seconds
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_counts_and_marks_failures() {
        let record = |name: &str, result: &str| Record {
            suite: "cloud-cli".into(),
            target: "aws".into(),
            name: name.into(),
            client: "aws".into(),
            result: result.into(),
            seconds: 1.5,
        };
        let table = markdown(&[record("a", "pass"), record("b", "fail")]);
        assert!(table.contains("1 of 2 cells pass"));
        assert!(table.contains("| cloud-cli | aws | b | aws | **FAIL** | 1.5 |"));
    }
}
