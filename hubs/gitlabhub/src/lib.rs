//! gitlabhub: the GitLab fake (port 5556). It will serve REST v4 under `/api/v4`, git over smart
//! HTTP, the CI runner API (`/api/v4/runners`, `/api/v4/jobs/request`, traces) and a pipeline
//! engine, all on simkit.
//!
//! Nothing is served yet: `sockerless up` says so instead of starting it.
