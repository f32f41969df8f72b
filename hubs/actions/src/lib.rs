//! actions: GitHub Actions' languages, with no HTTP and no state.
//!
//! | module | holds |
//! |---|---|
//! | [`expr`] | the `${{ }}` expression language: lexer, parser (with the runner's error messages), values with GitHub's loose coercions, and the evaluator with its functions |
//! | [`workflow`] | `.github/workflows/*.yml` into typed [`workflow::Workflow`]s: triggers and their filters, jobs, the `needs` graph, matrices, steps; errors worded as GitHub shows them on a run |
//!
//! The GitHub fake (`bleephub`) builds runs and job messages from these; a runner evaluates
//! step-level expressions with the same evaluator.
//!
//! What this crate must not do: read the clock, the file system or the network. `hashFiles`
//! and the status functions reach their host through [`expr::Host`].

pub mod expr;
pub mod workflow;
