//! The pipeline engine's pure part: `.gitlab-ci.yml` into a typed configuration (`config`),
//! the CI/CD expression language (`expr`), and which jobs a pipeline gets (`plan`). The
//! stateful part (pipelines and jobs as records, statuses as jobs finish) is `crate::engine`.
//!
//! What this module must not do: touch the store, the clock or the repository.

pub mod config;
pub mod expr;
pub mod inputs;
pub mod plan;
