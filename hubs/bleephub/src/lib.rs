//! bleephub: the GitHub fake (port 5555). It will serve the REST API (as api.github.com at `/`
//! and as Enterprise under `/api/v3`), GraphQL, git over smart HTTP, the Actions runner service
//! and a workflow engine, all on simkit.
//!
//! Nothing is served yet: `sockerless up` says so instead of starting it.
