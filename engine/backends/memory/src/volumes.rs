//! Volumes of the `local` driver: records in the kit's store (`engine.volumes`, durable with a
//! state directory), their data under the engine's files (`volumes/<name>/_data`), Docker's
//! names, errors and filters, and the `create`/`destroy` events.
//!
//! Which containers use a volume is not stored here: the caller passes the users it finds in
//! the container records, so the two can never disagree.
//!
//! What this module must not do: remove a volume a container uses (unless forced), or take a
//! volume name as a path (names are checked before they reach the file system).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use engine_core::api::*;
use engine_core::{EngineError, Events};
use serde::{Deserialize, Serialize};
use simkit::Kit;
use simkit::store::Collection;

/// The label Docker puts on the volumes it makes for a container (`-v /data`, an image's
/// `VOLUME`), which prune removes by default.
pub const ANONYMOUS_LABEL: &str = "com.docker.volume.anonymous";

/// One volume, as stored.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct VolumeRecord {
    pub name: String,
    pub created_seconds: i64,
    pub labels: Option<BTreeMap<String, String>>,
    pub options: Option<BTreeMap<String, String>>,
}

impl VolumeRecord {
    pub fn anonymous(&self) -> bool {
        self.labels
            .as_ref()
            .is_some_and(|labels| labels.contains_key(ANONYMOUS_LABEL))
    }
}

pub struct Volumes {
    kit: Kit,
    events: Events,
    records: Arc<Collection<VolumeRecord>>,
    dir: PathBuf,
    /// Held while a name is checked and taken.
    naming: std::sync::Mutex<()>,
}

impl std::fmt::Debug for Volumes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Volumes")
    }
}

/// Docker's rule for local volume names (`[a-zA-Z0-9][a-zA-Z0-9_.-]+`), with its messages.
pub fn validate_name(name: &str) -> Result<(), EngineError> {
    if name.len() == 1 {
        return Err(EngineError::InvalidParameter(format!(
            "create {name}: volume name is too short, names should be at least two alphanumeric characters"
        )));
    }
    let mut chars = name.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphanumeric());
    if !first_ok || !chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')) {
        return Err(EngineError::InvalidParameter(format!(
            "create {name}: \"{name}\" includes invalid characters for a local volume name, only \"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you intended to pass a host directory, use absolute path"
        )));
    }
    Ok(())
}

fn no_such_volume(name: &str) -> EngineError {
    EngineError::NotFound(format!("get {name}: no such volume"))
}

/// `true`/`false` (or `1`/`0`) of a boolean filter, with Docker's error for anything else.
fn bool_filter(key: &str, value: &str) -> Result<bool, EngineError> {
    match value {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        _ => Err(EngineError::InvalidParameter(format!(
            "invalid filter '{key}={value}'"
        ))),
    }
}

fn label_matches(labels: &BTreeMap<String, String>, filter: &str) -> bool {
    match filter.split_once('=') {
        Some((key, value)) => labels.get(key).map(String::as_str) == Some(value),
        None => labels.contains_key(filter),
    }
}

impl Volumes {
    pub fn open(kit: &Kit, events: &Events) -> Result<Self, String> {
        let records = kit
            .store()
            .collection("engine.volumes")
            .map_err(|error| error.to_string())?;
        let dir = kit.files_dir().join("engine").join("volumes");
        Ok(Self {
            kit: kit.clone(),
            events: events.clone(),
            records,
            dir,
            naming: Default::default(),
        })
    }

    /// Where a volume's files are on the host.
    pub fn data_dir(&self, name: &str) -> PathBuf {
        self.dir.join(name).join("_data")
    }

    pub fn view(&self, record: &VolumeRecord) -> Volume {
        let created = time::OffsetDateTime::from_unix_timestamp(record.created_seconds)
            .ok()
            .and_then(|t| {
                t.format(&time::format_description::well_known::Rfc3339)
                    .ok()
            })
            .unwrap_or_else(|| ZERO_TIME.to_string());
        Volume {
            created_at: created,
            driver: "local".into(),
            labels: record.labels.clone(),
            mountpoint: self.data_dir(&record.name).display().to_string(),
            name: record.name.clone(),
            options: record.options.clone(),
            scope: "local".into(),
        }
    }

    pub fn find(&self, name: &str) -> Result<VolumeRecord, EngineError> {
        self.records.get(name).ok_or_else(|| no_such_volume(name))
    }

    /// Creates the volume, or answers the one of that name (Docker's create is idempotent).
    pub fn create(&self, create: VolumeCreate) -> Result<VolumeRecord, EngineError> {
        let driver = if create.driver.is_empty() {
            "local"
        } else {
            create.driver.as_str()
        };
        let name = if create.name.is_empty() {
            self.kit.ids().hex(64)
        } else {
            create.name.clone()
        };
        if driver != "local" {
            return Err(EngineError::NotFound(format!(
                "create {name}: error looking up volume plugin {driver}: plugin \"{driver}\" not found"
            )));
        }
        validate_name(&name)?;
        let record = {
            let _naming = self.naming.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(existing) = self.records.get(&name) {
                return Ok(existing);
            }
            std::fs::create_dir_all(self.data_dir(&name)).map_err(EngineError::internal)?;
            let record = VolumeRecord {
                name: name.clone(),
                created_seconds: unix_seconds(self.kit.clock().now()),
                labels: create.labels,
                options: create.driver_opts,
            };
            self.records.insert(&name, record.clone())?;
            record
        };
        let mut attributes = BTreeMap::new();
        attributes.insert("driver".into(), "local".into());
        self.events.publish("volume", "create", &name, attributes);
        Ok(record)
    }

    /// A new anonymous volume for a container's `-v /path` or its image's `VOLUME`.
    pub fn create_anonymous(&self) -> Result<VolumeRecord, EngineError> {
        let mut labels = BTreeMap::new();
        labels.insert(ANONYMOUS_LABEL.to_string(), String::new());
        self.create(VolumeCreate {
            labels: Some(labels),
            ..VolumeCreate::default()
        })
    }

    /// `users(name)`: the IDs of the containers that use volume `name`.
    pub fn list(
        &self,
        filters: &Filters,
        users: &dyn Fn(&str) -> Vec<String>,
    ) -> Result<VolumeList, EngineError> {
        for key in filters.keys() {
            if !matches!(key.as_str(), "dangling" | "name" | "driver" | "label") {
                return Err(EngineError::InvalidParameter(format!(
                    "invalid filter '{key}'"
                )));
            }
        }
        let mut volumes = Vec::new();
        let mut records: Vec<_> = self.records.all().into_iter().map(|(_, r)| r).collect();
        records.sort_by(|a, b| a.name.cmp(&b.name));
        for record in records {
            if self.matches(&record, filters, users)? {
                volumes.push(self.view(&record));
            }
        }
        Ok(VolumeList {
            volumes,
            warnings: None,
        })
    }

    fn matches(
        &self,
        record: &VolumeRecord,
        filters: &Filters,
        users: &dyn Fn(&str) -> Vec<String>,
    ) -> Result<bool, EngineError> {
        let labels = record.labels.clone().unwrap_or_default();
        for (key, values) in filters {
            if values.is_empty() {
                continue;
            }
            let keep = match key.as_str() {
                "name" => values.iter().any(|v| record.name.contains(v.as_str())),
                "driver" => values.iter().any(|v| v == "local"),
                // Every label filter must hold.
                "label" => values.iter().all(|v| label_matches(&labels, v)),
                "label!" => values.iter().all(|v| !label_matches(&labels, v)),
                "dangling" => {
                    let dangling = users(&record.name).is_empty();
                    let mut any = false;
                    for value in values {
                        any |= bool_filter(key, value)? == dangling;
                    }
                    any
                }
                "all" => true,
                _ => true,
            };
            if !keep {
                return Ok(false);
            }
        }
        Ok(true)
    }

    pub fn remove(
        &self,
        name: &str,
        force: bool,
        users: &dyn Fn(&str) -> Vec<String>,
    ) -> Result<(), EngineError> {
        let Some(record) = self.records.get(name) else {
            // `docker volume rm -f` of a missing volume succeeds, as on Docker.
            return if force {
                Ok(())
            } else {
                Err(no_such_volume(name))
            };
        };
        let using = users(name);
        if !using.is_empty() {
            return Err(EngineError::Conflict(format!(
                "remove {name}: volume is in use - [{}]",
                using.join(", ")
            )));
        }
        self.destroy(&record)
    }

    fn destroy(&self, record: &VolumeRecord) -> Result<(), EngineError> {
        if self.records.remove(&record.name)?.is_none() {
            return Ok(());
        }
        let _ = std::fs::remove_dir_all(self.dir.join(&record.name));
        let mut attributes = BTreeMap::new();
        attributes.insert("driver".into(), "local".into());
        self.events
            .publish("volume", "destroy", &record.name, attributes);
        Ok(())
    }

    /// Removes a container's anonymous volume when nothing else uses it (`rm -v`, `--rm`).
    pub fn remove_anonymous(&self, name: &str, users: &dyn Fn(&str) -> Vec<String>) {
        if let Some(record) = self.records.get(name)
            && record.anonymous()
            && users(name).is_empty()
        {
            let _ = self.destroy(&record);
        }
    }

    /// Removes unused volumes: anonymous ones only, unless the `all` filter says otherwise
    /// (Docker's behaviour since API 1.42), narrowed by `label`/`label!`.
    pub fn prune(
        &self,
        filters: &Filters,
        users: &dyn Fn(&str) -> Vec<String>,
    ) -> Result<VolumePruneReport, EngineError> {
        for key in filters.keys() {
            if !matches!(key.as_str(), "label" | "label!" | "all") {
                return Err(EngineError::InvalidParameter(format!(
                    "invalid filter '{key}'"
                )));
            }
        }
        let mut all = false;
        for value in filters.get("all").into_iter().flatten() {
            all |= bool_filter("all", value)?;
        }
        let mut deleted = Vec::new();
        let mut reclaimed = 0;
        let mut records: Vec<_> = self.records.all().into_iter().map(|(_, r)| r).collect();
        records.sort_by(|a, b| a.name.cmp(&b.name));
        for record in records {
            if !all && !record.anonymous() {
                continue;
            }
            if !users(&record.name).is_empty() || !self.matches(&record, filters, users)? {
                continue;
            }
            reclaimed += tree_size(&self.data_dir(&record.name));
            self.destroy(&record)?;
            deleted.push(record.name.clone());
        }
        Ok(VolumePruneReport {
            volumes_deleted: (!deleted.is_empty()).then_some(deleted),
            space_reclaimed: reclaimed,
        })
    }
}

/// The bytes of the files under `dir`.
fn tree_size(dir: &std::path::Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|entry| match entry.path().symlink_metadata() {
            Ok(meta) if meta.is_dir() => tree_size(&entry.path()),
            Ok(meta) => meta.len(),
            Err(_) => 0,
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_dockers_rule() {
        assert!(validate_name("data").is_ok());
        assert!(validate_name("a.b-c_d9").is_ok());
        assert_eq!(
            validate_name("x").unwrap_err().to_string(),
            "create x: volume name is too short, names should be at least two alphanumeric characters"
        );
        assert_eq!(
            validate_name("../etc").unwrap_err().to_string(),
            "create ../etc: \"../etc\" includes invalid characters for a local volume name, only \"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you intended to pass a host directory, use absolute path"
        );
        assert!(validate_name("a/b").is_err());
        assert!(validate_name("-ab").is_err());
    }

    #[test]
    fn label_filters() {
        let mut labels = BTreeMap::new();
        labels.insert("team".to_string(), "a".to_string());
        assert!(label_matches(&labels, "team"));
        assert!(label_matches(&labels, "team=a"));
        assert!(!label_matches(&labels, "team=b"));
        assert!(!label_matches(&labels, "other"));
    }
}
