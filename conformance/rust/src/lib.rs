//! Nothing to export: this crate holds the matrix cells that drive Sockerless with the AWS SDK
//! for Rust (`tests/`) and the example of embedding `sim-aws` (`examples/embedded_ecs.rs`). It
//! stands apart from `conformance` so that the SDK's build (a couple of minutes cold) delays
//! only these cells.
