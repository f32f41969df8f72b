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
