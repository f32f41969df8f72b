//! Cloud Logging: log entries written with `entries.write`, read back with `entries.list`
//! (the query language in [`filter`], ordering by timestamp, paging), the logs they form
//! (`logs.list`, `logs.delete`), and [`Logging::append`], through which workloads' output lands
//! here as Cloud Run's does.
//!
//! What holds as in Cloud Logging: the request's `logName`, `resource` and `labels` fill in what
//! an entry leaves out (the entry's labels win); an entry needs a log name and a resource, and
//! at most one payload; log IDs are percent-encoded in names (`run.googleapis.com%2Fstdout`,
//! written either way); an entry without a timestamp gets its receive time and one without an
//! `insertId` gets a unique one; entries with the same project, timestamp and `insertId` are one
//! entry; a request with an invalid entry writes nothing, unless `partialSuccess` is set, when
//! the valid entries are written and the error's `details` carry a `WriteLogEntriesPartialErrors`
//! naming each invalid entry's index; `dryRun` writes nothing.
//!
//! Entries are kept under `PROJECT/TIMESTAMP-NANOS/INSERT-ID`, so one project's entries are one
//! key range in timestamp order. Limitations: only `projects/P` resource names (and log views
//! under a project, read as the project) are served; organizations, folders and billing
//! accounts answer `INVALID_ARGUMENT`; retention is unlimited; sinks, metrics and exclusions
//! are not implemented.
//!
//! Must not: see HTTP; read the wall clock (time comes from the kit).

pub mod filter;

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use sim_gcp_shapes::logging_v2::{
    ListLogEntriesRequest, ListLogEntriesResponse, ListLogsResponse, LogEntry,
    WriteLogEntriesRequest, WriteLogEntriesResponse,
};
use simkit::Kit;
use simkit::store::Collection;
use time::OffsetDateTime;

use crate::error::GcpError;
use crate::protocol::paging;
use filter::{Filter, parse_timestamp};

/// The longest log ID Cloud Logging accepts.
const MAX_LOG_ID: usize = 512;
const DEFAULT_PAGE: usize = 50;
const MAX_PAGE: usize = 1000;

/// A stored entry.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct EntryRecord {
    entry: LogEntry,
}

/// Cloud Logging's state.
pub struct Logging {
    kit: Kit,
    entries: Arc<Collection<EntryRecord>>,
}

/// `google.rpc.Code` numbers, for statuses inside `details`.
const INVALID_ARGUMENT_CODE: i32 = 3;

/// A log name, split: the project and the log ID as stored (percent-encoded).
struct LogName {
    project: String,
    encoded_id: String,
}

impl LogName {
    fn full(&self) -> String {
        format!("projects/{}/logs/{}", self.project, self.encoded_id)
    }
}

/// Characters a log ID may hold besides alphanumerics (after decoding).
fn log_id_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '/' | '_' | '-' | '.')
}

fn parse_log_name(name: &str) -> Result<LogName, String> {
    let rest = name.strip_prefix("projects/").ok_or_else(|| {
        format!("Invalid log name \"{name}\": must be projects/[PROJECT_ID]/logs/[LOG_ID]")
    })?;
    let (project, id) = rest.split_once("/logs/").ok_or_else(|| {
        format!("Invalid log name \"{name}\": must be projects/[PROJECT_ID]/logs/[LOG_ID]")
    })?;
    if project.is_empty() || project.contains('/') {
        return Err(format!("Invalid log name \"{name}\": invalid project ID"));
    }
    let decoded = percent_encoding::percent_decode_str(id)
        .decode_utf8()
        .map_err(|_| format!("Invalid log name \"{name}\": the log ID is not valid UTF-8"))?;
    if decoded.is_empty() || decoded.len() > MAX_LOG_ID {
        return Err(format!(
            "Invalid log name \"{name}\": the log ID must be 1 to {MAX_LOG_ID} characters"
        ));
    }
    if let Some(bad) = decoded.chars().find(|c| !log_id_char(*c)) {
        return Err(format!(
            "Invalid log name \"{name}\": the log ID contains the illegal character '{bad}'"
        ));
    }
    Ok(LogName {
        project: project.to_string(),
        encoded_id: decoded.replace('/', "%2F"),
    })
}

/// The project a resource name (`projects/P`, or a log view under it) reads.
fn project_of_resource(name: &str) -> Result<String, GcpError> {
    let rest = name.strip_prefix("projects/").ok_or_else(|| {
        GcpError::invalid(format!(
            "Invalid resource name \"{name}\": only projects/[PROJECT_ID] is supported by the Sockerless simulator"
        ))
    })?;
    let project = rest.split('/').next().unwrap_or_default();
    let tail: Vec<&str> = rest.split('/').skip(1).collect();
    let view = tail.is_empty()
        || (tail.len() == 6
            && tail[0] == "locations"
            && tail[2] == "buckets"
            && tail[4] == "views");
    if project.is_empty() || !view {
        return Err(GcpError::invalid(format!(
            "Invalid resource name \"{name}\""
        )));
    }
    Ok(project.to_string())
}

/// Sortable nanoseconds since the epoch.
fn nanos(at: OffsetDateTime) -> Option<u64> {
    u64::try_from(at.unix_timestamp_nanos()).ok()
}

fn entry_key(project: &str, at_nanos: u64, insert_id: &str) -> String {
    format!("{project}/{at_nanos:020}/{insert_id}")
}

/// How `entries.list` orders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Order {
    Ascending,
    Descending,
}

fn parse_order(text: Option<&str>) -> Result<Order, GcpError> {
    let normalized: Vec<String> = text
        .unwrap_or("")
        .split_whitespace()
        .map(str::to_ascii_lowercase)
        .collect();
    match normalized
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        [] | ["timestamp"] | ["timestamp", "asc"] => Ok(Order::Ascending),
        ["timestamp", "desc"] => Ok(Order::Descending),
        _ => Err(GcpError::invalid(format!(
            "Invalid orderBy: \"{}\". Only \"timestamp asc\" and \"timestamp desc\" are supported.",
            text.unwrap_or("")
        ))),
    }
}

impl Logging {
    pub fn new(kit: Kit) -> Result<Arc<Self>, GcpError> {
        Ok(Arc::new(Self {
            entries: kit.store().collection("logging.entries")?,
            kit,
        }))
    }

    /// Completes and checks one entry against the request's defaults; returns its key and the
    /// entry as stored.
    fn prepare(
        &self,
        entry: LogEntry,
        request: &WriteLogEntriesRequest,
        received: OffsetDateTime,
    ) -> Result<(String, LogEntry), String> {
        let mut entry = entry;
        let log_name = entry
            .log_name
            .clone()
            .or_else(|| request.log_name.clone())
            .filter(|name| !name.is_empty())
            .ok_or("Log entry must have a logName: set it in the entry or in the request")?;
        let log_name = parse_log_name(&log_name)?;
        entry.log_name = Some(log_name.full());
        if entry.resource.as_ref().is_none_or(|r| r.r#type.is_none()) {
            entry.resource = request.resource.clone();
        }
        if entry
            .resource
            .as_ref()
            .and_then(|r| r.r#type.as_deref())
            .is_none_or(str::is_empty)
        {
            return Err(
                "Log entry must have a resource with a type: set it in the entry or in the request"
                    .into(),
            );
        }
        if let Some(defaults) = &request.labels {
            let mut labels: BTreeMap<String, String> = defaults.clone();
            labels.extend(entry.labels.take().unwrap_or_default());
            entry.labels = Some(labels);
        }
        let payloads = usize::from(entry.text_payload.is_some())
            + usize::from(entry.json_payload.is_some())
            + usize::from(entry.proto_payload.is_some());
        if payloads > 1 {
            return Err(
                "Log entry may have only one of textPayload, jsonPayload and protoPayload".into(),
            );
        }
        if let Some(proto) = &entry.proto_payload
            && !proto.get("@type").is_some_and(serde_json::Value::is_string)
        {
            return Err("protoPayload must name its message type in \"@type\"".into());
        }
        let at = match entry.timestamp.as_deref() {
            Some(text) => {
                parse_timestamp(text).ok_or_else(|| format!("Invalid timestamp \"{text}\""))?
            }
            None => received,
        };
        let at_nanos = nanos(at).ok_or("Log entry timestamp is before 1970-01-01")?;
        entry.timestamp = Some(crate::time::rfc3339_nanos(at));
        entry.receive_timestamp = Some(crate::time::rfc3339_nanos(received));
        let insert_id = match entry.insert_id.take().filter(|id| !id.is_empty()) {
            Some(id) => id,
            None => self.kit.ids().hex(16),
        };
        entry.insert_id = Some(insert_id.clone());
        Ok((entry_key(&log_name.project, at_nanos, &insert_id), entry))
    }

    /// `entries.write`.
    pub fn write(
        &self,
        request: WriteLogEntriesRequest,
    ) -> Result<WriteLogEntriesResponse, GcpError> {
        let received = OffsetDateTime::from(self.kit.clock().now());
        let mut prepared = Vec::new();
        let mut failures: Vec<(usize, String)> = Vec::new();
        for (index, entry) in request
            .entries
            .clone()
            .unwrap_or_default()
            .into_iter()
            .enumerate()
        {
            match self.prepare(entry, &request, received) {
                Ok(ready) => prepared.push(ready),
                Err(message) => failures.push((index, message)),
            }
        }
        let partial = request.partial_success.unwrap_or(false);
        if !failures.is_empty() && !partial {
            let (index, message) = &failures[0];
            return Err(GcpError::invalid(format!(
                "Log entry with index {index} is invalid: {message}"
            )));
        }
        if !request.dry_run.unwrap_or(false) {
            self.store(prepared)?;
        }
        if failures.is_empty() {
            return Ok(WriteLogEntriesResponse::default());
        }
        let errors: serde_json::Map<String, serde_json::Value> = failures
            .iter()
            .map(|(index, message)| {
                (
                    index.to_string(),
                    serde_json::json!({"code": INVALID_ARGUMENT_CODE, "message": message}),
                )
            })
            .collect();
        Err(GcpError::invalid(format!(
            "{} of {} log entries are invalid; the others were written.",
            failures.len(),
            request.entries.as_ref().map_or(0, Vec::len)
        ))
        .with_details(vec![serde_json::json!({
            "@type": "type.googleapis.com/google.logging.v2.WriteLogEntriesPartialErrors",
            "logEntryErrors": errors,
        })]))
    }

    /// Stores prepared entries in one write; an entry with the key of one already stored (same
    /// project, timestamp and insertId) is a duplicate and is dropped.
    fn store(&self, prepared: Vec<(String, LogEntry)>) -> Result<(), GcpError> {
        if prepared.is_empty() {
            return Ok(());
        }
        let entries = self.entries.clone();
        self.kit.store().transaction(|txn| {
            for (key, entry) in prepared {
                if !txn.contains(&entries, &key)? {
                    txn.insert(&entries, &key, EntryRecord { entry })?;
                }
            }
            Ok::<_, GcpError>(())
        })
    }

    /// Writes entries produced inside the simulator (a workload's output): each must carry
    /// its log name, resource and timestamp.
    pub fn append(&self, entries: Vec<LogEntry>) -> Result<(), GcpError> {
        let request = WriteLogEntriesRequest {
            entries: Some(entries),
            ..Default::default()
        };
        self.write(request).map(|_| ())
    }

    /// `entries.list`.
    pub fn list(&self, request: ListLogEntriesRequest) -> Result<ListLogEntriesResponse, GcpError> {
        let mut projects: Vec<String> = Vec::new();
        for name in request.resource_names.iter().flatten() {
            projects.push(project_of_resource(name)?);
        }
        for project in request.project_ids.iter().flatten() {
            projects.push(project.clone());
        }
        if projects.is_empty() {
            return Err(GcpError::invalid(
                "resourceNames: at least one resource name must be given",
            ));
        }
        projects.sort();
        projects.dedup();
        let order = parse_order(request.order_by.as_deref())?;
        let filter = Filter::parse(request.filter.as_deref().unwrap_or(""))
            .map_err(|error| GcpError::invalid(error.0))?;
        let page_size =
            paging::page_size(request.page_size.map(i64::from), DEFAULT_PAGE, MAX_PAGE)?;
        let resume = paging::resume_after(request.page_token.as_deref())?;
        // Sort key: timestamp, then insertId, then project: the key without its project first.
        let mut matching: Vec<(String, LogEntry)> = Vec::new();
        for project in &projects {
            for (key, record) in self.entries.scan_prefix(&format!("{project}/")) {
                let sort_key = format!("{}/{project}", &key[project.len() + 1..]);
                let after_resume = match (&resume, order) {
                    (None, _) => true,
                    (Some(last), Order::Ascending) => sort_key > *last,
                    (Some(last), Order::Descending) => sort_key < *last,
                };
                if !after_resume {
                    continue;
                }
                let json = serde_json::to_value(&record.entry).map_err(|error| {
                    tracing::error!(%error, "serializing a stored log entry failed");
                    GcpError::internal()
                })?;
                if filter.matches(&json) {
                    matching.push((sort_key, record.entry));
                }
            }
        }
        matching.sort_by(|a, b| a.0.cmp(&b.0));
        if order == Order::Descending {
            matching.reverse();
        }
        let more = matching.len() > page_size;
        matching.truncate(page_size);
        let next_page_token = if more {
            matching.last().map(|(key, _)| paging::token(key))
        } else {
            None
        };
        let entries: Vec<LogEntry> = matching.into_iter().map(|(_, entry)| entry).collect();
        Ok(ListLogEntriesResponse {
            entries: (!entries.is_empty()).then_some(entries),
            next_page_token,
        })
    }

    /// `logs.list`: the names of the logs that hold entries, in name order.
    pub fn list_logs(
        &self,
        parent: &str,
        resource_names: &[String],
        page_size: Option<i64>,
        page_token: Option<&str>,
    ) -> Result<ListLogsResponse, GcpError> {
        let mut projects = vec![project_of_resource(parent)?];
        for name in resource_names {
            projects.push(project_of_resource(name)?);
        }
        projects.sort();
        projects.dedup();
        let page_size = paging::page_size(page_size, DEFAULT_PAGE, MAX_PAGE)?;
        let resume = paging::resume_after(page_token)?;
        let mut names: Vec<String> = projects
            .iter()
            .flat_map(|project| self.entries.scan_prefix(&format!("{project}/")))
            .filter_map(|(_, record)| record.entry.log_name)
            .filter(|name| resume.as_ref().is_none_or(|last| name > last))
            .collect();
        names.sort();
        names.dedup();
        let more = names.len() > page_size;
        names.truncate(page_size);
        Ok(ListLogsResponse {
            next_page_token: if more {
                names.last().map(|n| paging::token(n))
            } else {
                None
            },
            log_names: (!names.is_empty()).then_some(names),
        })
    }

    /// `logs.delete`: every entry of the log; a log with no entries is NOT_FOUND.
    pub fn delete_log(&self, log_name: &str) -> Result<(), GcpError> {
        let name = parse_log_name(log_name).map_err(GcpError::invalid)?;
        let full = name.full();
        let doomed: Vec<String> = self
            .entries
            .scan_prefix(&format!("{}/", name.project))
            .into_iter()
            .filter(|(_, record)| record.entry.log_name.as_deref() == Some(full.as_str()))
            .map(|(key, _)| key)
            .collect();
        if doomed.is_empty() {
            return Err(GcpError::not_found(format!("Log {full} does not exist")));
        }
        let entries = self.entries.clone();
        self.kit.store().transaction(|txn| {
            for key in &doomed {
                txn.remove(&entries, key)?;
            }
            Ok::<_, GcpError>(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_names_are_checked_and_normalized() {
        let name = parse_log_name("projects/p/logs/run.googleapis.com/stdout").expect("valid");
        assert_eq!(name.full(), "projects/p/logs/run.googleapis.com%2Fstdout");
        let name = parse_log_name("projects/p/logs/run.googleapis.com%2Fstdout").expect("valid");
        assert_eq!(name.full(), "projects/p/logs/run.googleapis.com%2Fstdout");
        for bad in [
            "p/logs/x",
            "projects/p/x",
            "projects//logs/x",
            "projects/p/logs/",
            "projects/p/logs/a b",
            "projects/p/logs/%FF",
        ] {
            assert!(parse_log_name(bad).is_err(), "{bad}");
        }
        assert!(parse_log_name(&format!("projects/p/logs/{}", "a".repeat(513))).is_err());
    }

    #[test]
    fn orders_and_resource_names() {
        assert_eq!(parse_order(None).expect("default"), Order::Ascending);
        assert_eq!(
            parse_order(Some("timestamp desc")).expect("desc"),
            Order::Descending
        );
        assert_eq!(
            parse_order(Some("TIMESTAMP  ASC")).expect("asc"),
            Order::Ascending
        );
        assert!(parse_order(Some("severity desc")).is_err());
        assert_eq!(project_of_resource("projects/p").expect("project"), "p");
        assert_eq!(
            project_of_resource("projects/p/locations/global/buckets/_Default/views/_AllLogs")
                .expect("view"),
            "p"
        );
        assert!(project_of_resource("organizations/1").is_err());
        assert!(project_of_resource("projects/p/zones/z").is_err());
    }
}
