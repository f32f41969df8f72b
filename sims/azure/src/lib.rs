//! sim-azure: the Azure simulator (port 4568, HTTPS). It will follow the pattern sim-aws sets:
//! an ARM protocol layer (api-version handling, `CloudError` bodies, async operations), the
//! identity endpoints `az login` needs, typed services (resource groups, Container Apps jobs
//! and apps, Azure Functions, Log Analytics, Blob Storage, Container Registry) and workloads that
//! really run through `simkit::runner`.
//!
//! Nothing is served yet: `sockerless up` says so instead of starting it.
