//! sim-gcp: the Google Cloud simulator (port 4567). It will follow the pattern sim-aws sets:
//! a protocol layer for Google's REST/JSON conventions and `google.rpc.Status` errors, typed
//! services (Cloud Run v1 and v2, Cloud Functions, Cloud Logging, Cloud Storage, Artifact
//! Registry, IAM, the metadata server), and workloads that really run through `simkit::runner`.
//!
//! Nothing is served yet: `sockerless up` says so instead of starting it.
