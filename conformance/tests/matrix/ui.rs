//! The browser view at `/_sockerless/` and the JSON under it, on the AWS simulator: pages
//! driven in headless Chromium (selenium, Debian's chromium-driver) and the request inspector's
//! JSON read while the real aws CLI calls the simulator. Scenario scripts live in
//! `conformance/clients/ui/`.

use conformance::{Cell, Sandbox, Sockerless, assert_success, clients, clients_dir};

/// An admin token for the cells that need one: any fixed string will do, the server is ours.
const TOKEN: &str = "ui-cell-admin-token-0123456789abcdef";

/// Runs `script` from `conformance/clients/ui/` with the `py` venv's python, against `url`.
fn run(sandbox: &Sandbox, script: &str) {
    let (python, chromium, driver) = clients::browser();
    let path = clients_dir().join("ui").join(script);
    let output = sandbox
        .command(python)
        .arg(&path)
        .env("SOCKERLESS_CHROMIUM", chromium)
        .env("SOCKERLESS_CHROMEDRIVER", driver)
        .output()
        .expect("run python");
    assert_success(&format!("python3 ui/{script}"), &output);
}

fn aws_sandbox(server: &Sockerless, token: Option<&str>) -> Sandbox {
    let aws_cli = clients::aws();
    let mut sandbox = Sandbox::aws(server.url("aws"));
    sandbox.set("SOCKERLESS_URL", server.url("aws"));
    sandbox.set("SOCKERLESS_AWS_CLI", aws_cli.to_str().expect("UTF-8 path"));
    if let Some(token) = token {
        sandbox.set("SOCKERLESS_ADMIN_TOKEN", token);
    }
    sandbox
}

/// Login redirect, live ECS logs, stop (143), the inspector, markup as text, faults, reset,
/// CSRF, logout: one browser session through every page.
#[test]
fn browser_view_in_chromium() {
    let _cell = Cell::new("ui", "aws", "browser-view", "selenium + chromium");
    let server = Sockerless::start(
        &["sim", "aws", "--port", "0", "--admin-token", TOKEN],
        &["aws"],
    );
    run(&aws_sandbox(&server, Some(TOKEN)), "browser_aws.py");
}

/// Redaction, filters, error codes per protocol, body cap, bad parameters.
#[test]
fn inspector_json() {
    let _cell = Cell::new("ui", "aws", "inspector-json", "aws CLI + urllib");
    let server = Sockerless::start(
        &["sim", "aws", "--port", "0", "--admin-token", TOKEN],
        &["aws"],
    );
    run(&aws_sandbox(&server, Some(TOKEN)), "inspector_json.py");
}

/// The ring holds the newest N (`--inspector-size 5`) and nothing with 0.
#[test]
fn inspector_bound() {
    let _cell = Cell::new("ui", "aws", "inspector-bound", "urllib");
    for size in ["5", "0"] {
        let server = Sockerless::start(
            &["sim", "aws", "--port", "0", "--inspector-size", size],
            &["aws"],
        );
        let mut sandbox = aws_sandbox(&server, None);
        sandbox.set("SOCKERLESS_EXPECT_CAPACITY", size);
        run(&sandbox, "bound.py");
    }
}

/// GCP and Azure name their error codes (and GCP its operations) to the inspector: a failing
/// request is held with the code its own body carries.
#[test]
fn inspector_names_gcp_and_azure_errors() {
    let _cell = Cell::new("ui", "gcp+azure", "inspector-named-errors", "urllib");
    for kind in ["gcp", "azure"] {
        let server = Sockerless::start(&["sim", kind, "--port", "0"], &[kind]);
        let mut sandbox = Sandbox::new();
        sandbox.set("SOCKERLESS_URL", server.url(kind));
        sandbox.set("SOCKERLESS_SERVER", kind);
        run(&sandbox, "named_errors.py");
    }
}
