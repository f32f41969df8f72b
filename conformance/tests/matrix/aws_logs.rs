//! CloudWatch Logs beyond groups, streams and events, driven by boto3 and the aws CLI: Logs
//! Insights, metric and subscription filters, and the service's other resources (policies,
//! transformers, deliveries, anomaly detectors, lookup tables, scheduled queries). Each test is
//! one cell: a scenario script from `conformance/clients/aws/` against a fresh simulator.

use conformance::{Cell, Sandbox, Sockerless, clients};

fn scenario(suite: &str, name: &str, client: &str, script: &str) {
    let _cell = Cell::new(suite, "aws", name, client);
    let aws_cli = clients::aws();
    let server = Sockerless::start(&["sim", "aws", "--port", "0"], &["aws"]);
    let mut sandbox = Sandbox::aws(server.url("aws"));
    sandbox.set("SOCKERLESS_AWS_CLI", aws_cli.to_str().expect("UTF-8 path"));
    sandbox.run_script(script, &[]);
}

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
