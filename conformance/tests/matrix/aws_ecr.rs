//! ECR and its OCI registry, driven by real clients: skopeo pushes an OCI layout built offline
//! and copies it back, oras pushes and pulls an artifact, raw HTTP checks the distribution
//! API's errors, uploads, mounts, ranges and paging, and boto3 drives ECR's own API. Each test
//! is one cell: a scenario script from `conformance/clients/aws/` against a fresh simulator.

use conformance::{Cell, Sandbox, Sockerless, clients};

fn scenario(suite: &str, name: &str, client: &str, script: &str) {
    let _cell = Cell::new(suite, "aws", name, client);
    let skopeo = clients::find("skopeo");
    let curl = clients::curl();
    let server = Sockerless::start(&["sim", "aws", "--port", "0"], &["aws"]);
    let mut sandbox = Sandbox::aws(server.url("aws"));
    sandbox.set("SOCKERLESS_SKOPEO", skopeo.to_str().expect("UTF-8 path"));
    sandbox.set("SOCKERLESS_CURL", curl.to_str().expect("UTF-8 path"));
    sandbox.run_script(script, &[]);
}

#[test]
fn ecr_skopeo() {
    scenario("registry", "ecr-skopeo", "skopeo", "aws/ecr_skopeo.py");
}

#[test]
fn ecr_oras() {
    // oras is a Python package: the scenario's interpreter must import it.
    clients::python_with(&["boto3", "oras"]);
    scenario("registry", "ecr-oras", "oras", "aws/ecr_oras.py");
}

#[test]
fn ecr_registry_http() {
    scenario(
        "registry",
        "ecr-registry-http",
        "python",
        "aws/ecr_registry_http.py",
    );
}

#[test]
fn ecr_api_sdk() {
    scenario("cloud-sdk", "ecr-api", "boto3", "aws/ecr_api.py");
}
