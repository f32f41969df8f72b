//! The conformance matrix: one test binary, one module per area. Every test is a cell.
//! `cargo nextest run --profile matrix` runs them all and leaves the table under
//! `target/nextest/matrix/`.

mod aws;
mod aws_access;
mod aws_ecr;
mod aws_ecs;
mod aws_iam;
mod aws_integration;
mod aws_lambda;
mod aws_logs;
mod aws_net;
mod aws_oci;
mod aws_s3;
mod aws_secrets;
mod azure;
mod engine;
mod engine_clients;
mod engine_io;
mod engine_network;
mod engine_runtime;
mod engine_storage;
mod foundation;
mod gcp_artifacts;
mod gcp_functions;
mod gcp_logging;
mod gcp_run;
mod gcp_secrets;
mod gcp_services;
mod gcp_storage;
mod github;
mod github_actions;
mod github_runner;
mod github_runner_uses;
mod gitlab;
mod terraform;
mod ui;
