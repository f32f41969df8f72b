//! The GCP simulator's typed shapes and route table, generated at build time (`build.rs`) from
//! the vendored discovery documents in `sims/gcp/discovery`:
//!
//! - a module per API (`storage_v1`, `logging_v2`, `run_v2`, ...) with one type per schema:
//!   camelCase JSON names, every field optional, 64-bit integers written as strings and read
//!   from strings or numbers ([`int64`], [`uint64`]), enums read from names or numbers and
//!   written as names, or as numbers while [`enums::as_numbers`] is set ([`enums`]);
//! - [`METHODS`]: every method of every document (HTTP method, path templates, parameters,
//!   request and response schemas, media upload paths), which the protocol layer routes on.
//!
//! Must not: hold behaviour. Generated code is never edited or committed; this crate is apart
//! from `sim-gcp` so that editing a handler does not recompile the generated types.

pub mod enums;
pub mod int64;
pub mod uint64;

/// Where a method parameter travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
    Path,
    Query,
}

/// One parameter of a method, as its discovery document declares it.
#[derive(Debug)]
pub struct Param {
    pub name: &'static str,
    pub location: Location,
    pub required: bool,
    pub repeated: bool,
    /// `string`, `integer`, `boolean`, `number`.
    pub kind: &'static str,
    pub format: Option<&'static str>,
    pub enum_values: &'static [&'static str],
    /// The regular expression a path parameter's value must match (`^projects/[^/]+$`).
    pub pattern: Option<&'static str>,
}

/// One method of a discovery document.
#[derive(Debug)]
pub struct Method {
    /// The API's name and version (`storage`, `v1`).
    pub api: &'static str,
    pub version: &'static str,
    /// `storage.objects.insert`, `run.projects.locations.jobs.run`.
    pub id: &'static str,
    pub http_method: &'static str,
    /// Prefix of `path` on the wire: `storage/v1/`, or empty.
    pub service_path: &'static str,
    /// RFC 6570 template relative to `service_path`: `b/{bucket}/o`, `v2/{+parent}/jobs`.
    pub path: &'static str,
    /// The same with one simple variable per segment, where `path` has reserved expansions.
    pub flat_path: Option<&'static str>,
    pub parameters: &'static [Param],
    pub request: Option<&'static str>,
    pub response: Option<&'static str>,
    /// Absolute upload templates (`/upload/storage/v1/b/{bucket}/o`).
    pub upload_paths: &'static [&'static str],
    pub media_download: bool,
}

impl Method {
    pub fn param(&self, name: &str) -> Option<&'static Param> {
        self.parameters.iter().find(|param| param.name == name)
    }
}

include!(concat!(env!("OUT_DIR"), "/generated.rs"));

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn int64_fields_are_strings_on_the_wire_and_read_from_either() {
        let bucket: storage_v1::Bucket =
            serde_json::from_value(serde_json::json!({"name": "b", "metageneration": 7}))
                .expect("a number is accepted");
        assert_eq!(bucket.metageneration, Some(7));
        let bucket: storage_v1::Bucket =
            serde_json::from_value(serde_json::json!({"metageneration": "8"}))
                .expect("a string is accepted");
        let written = serde_json::to_value(&bucket).expect("serializes");
        assert_eq!(written, serde_json::json!({"metageneration": "8"}));
    }

    #[test]
    fn enums_read_names_or_numbers_and_write_what_was_asked() {
        let entry: logging_v2::LogEntry =
            serde_json::from_value(serde_json::json!({"severity": "ERROR"})).expect("name");
        assert_eq!(entry.severity.map(|s| s.name()), Some("ERROR"));
        let index = logging_v2::LogEntrySeverity::NAMES
            .iter()
            .position(|n| *n == "WARNING")
            .expect("WARNING is a severity");
        let entry: logging_v2::LogEntry =
            serde_json::from_value(serde_json::json!({"severity": index})).expect("number");
        assert_eq!(entry.severity.map(|s| s.name()), Some("WARNING"));
        let bad =
            serde_json::from_value::<logging_v2::LogEntry>(serde_json::json!({"severity": "LOUD"}));
        assert!(bad.is_err());
        let as_number = enums::as_numbers(true, || serde_json::to_value(&entry));
        assert_eq!(
            as_number.expect("serializes"),
            serde_json::json!({"severity": index})
        );
    }

    #[test]
    fn every_document_has_routes() {
        for api in [
            "storage",
            "logging",
            "run",
            "cloudfunctions",
            "artifactregistry",
            "iam",
        ] {
            assert!(METHODS.iter().any(|m| m.api == api), "{api}");
        }
        let insert = METHODS
            .iter()
            .find(|m| m.id == "storage.objects.insert")
            .expect("objects.insert");
        assert!(
            insert
                .upload_paths
                .contains(&"/upload/storage/v1/b/{bucket}/o")
        );
    }
}
