//! CloudWatch Logs beyond groups, streams and events, driven by boto3 and the aws CLI: Logs
//! Insights, metric and subscription filters, and the service's other resources (policies,
//! transformers, deliveries, anomaly detectors, lookup tables, scheduled queries). Each test is
//! one cell: a scenario script from `conformance/clients/aws/` against a fresh simulator.

use super::aws::scenario;

#[test]
fn logs_insights_sdk() {
    scenario(
        "cloud-sdk",
        "logs-insights",
        "boto3",
        "aws/logs_insights.py",
    );
}

#[test]
fn logs_insights_cli() {
    scenario(
        "cloud-cli",
        "logs-insights",
        "aws CLI",
        "aws/logs_insights_cli.py",
    );
}

#[test]
fn logs_filters_sdk() {
    scenario("cloud-sdk", "logs-filters", "boto3", "aws/logs_filters.py");
}

#[test]
fn logs_resources_sdk() {
    scenario(
        "cloud-sdk",
        "logs-resources",
        "boto3",
        "aws/logs_resources.py",
    );
}
