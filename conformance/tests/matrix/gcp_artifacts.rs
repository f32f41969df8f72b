//! Artifact Registry driven by `gcloud artifacts` (through
//! `CLOUDSDK_API_ENDPOINT_OVERRIDES_ARTIFACTREGISTRY`): repositories and their operations.

use conformance::{Cell, Sockerless, assert_success, clients_dir, gcloud_sandbox};

#[test]
fn artifacts_repositories_gcloud() {
    let _cell = Cell::new("cloud-cli", "gcp", "artifact-registry", "gcloud");
    let server = Sockerless::start(&["sim", "gcp", "--port", "0"], &["gcp"]);
    let sandbox = gcloud_sandbox("ARTIFACTREGISTRY", &format!("{}/", server.url("gcp")));
    let output = sandbox
        .command("sh")
        .arg(clients_dir().join("gcp/artifacts_gcloud.sh"))
        .output()
        .expect("run gcloud scenario");
    assert_success("artifacts_gcloud.sh", &output);
    assert!(
        String::from_utf8_lossy(&output.stdout)
            .trim()
            .ends_with("ok")
    );
}

/// The docker registry behind Artifact Registry: skopeo pushes the offline busybox image in the
/// path form, google-cloud-artifact-registry lists and deletes what was pushed.
#[test]
fn artifacts_docker_registry() {
    let _cell = Cell::new(
        "registry",
        "gcp",
        "artifact-registry-docker",
        "skopeo+google-cloud-artifact-registry",
    );
    let skopeo = conformance::clients::find("skopeo");
    let python = conformance::clients::gcp_python();
    let has_client = std::process::Command::new(&python)
        .args(["-c", "import google.cloud.artifactregistry_v1"])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        has_client,
        "client google-cloud-artifact-registry (py venv) missing: run scripts/setup"
    );
    let server = Sockerless::start(&["sim", "gcp", "--port", "0"], &["gcp"]);
    let mut sandbox = conformance::Sandbox::new();
    let (layout, tag) = crate::aws_oci::busybox_layout(&sandbox);
    sandbox.set("AR_ENDPOINT", server.url("gcp"));
    sandbox.set("SOCKERLESS_SKOPEO", skopeo.to_str().expect("UTF-8 path"));
    sandbox.set("SOCKERLESS_BUSYBOX_LAYOUT", &layout);
    sandbox.set("SOCKERLESS_BUSYBOX_TAG", &tag);
    let output = sandbox
        .command(python)
        .arg(clients_dir().join("gcp/artifacts_docker.py"))
        .output()
        .expect("run python");
    assert_success("artifacts_docker.py", &output);
    assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), "ok");
}
