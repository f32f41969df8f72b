//! Workflow files into typed workflows (being written).
