//! The typed services: one module per API, each with its state in the kit's store and its
//! handlers taking typed inputs and returning typed outputs or [`crate::error::GcpError`].

pub mod artifactregistry;
pub mod functions;
pub mod iam_policy;
pub mod logging;
pub mod metadata;
pub mod operations;
pub mod run;
pub mod secretmanager;
pub mod serviceusage;
pub mod storage;
