//! Secret Manager driven by google-cloud-secret-manager over REST and by `gcloud secrets`:
//! payloads read back byte for byte, version states, paged listings, etags, IAM and Google's
//! errors; a Cloud Run job whose env var comes from a secret prints the secret's value.

use conformance::{
    Cell, Sandbox, Sockerless, assert_success, clients, clients_dir, gcloud_sandbox,
};

#[test]
fn secrets_sdk() {
    let _cell = Cell::new(
        "cloud-sdk",
        "gcp",
        "secret-manager",
        "google-cloud-secret-manager",
    );
    let python = clients::gcp_python();
    let server = Sockerless::start(&["sim", "gcp", "--port", "0"], &["gcp"]);
    let mut sandbox = Sandbox::new();
    sandbox.set("GCP_ENDPOINT", server.url("gcp"));
    let output = sandbox
        .command(python)
        .arg(clients_dir().join("gcp/secrets_sdk.py"))
        .output()
        .expect("run python");
    assert_success("secrets_sdk.py", &output);
    assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), "ok");
}

#[test]
fn secrets_gcloud() {
    let _cell = Cell::new("cloud-cli", "gcp", "secret-manager", "gcloud");
    let server = Sockerless::start(&["sim", "gcp", "--port", "0"], &["gcp"]);
    let sandbox = gcloud_sandbox("SECRETMANAGER", &format!("{}/", server.url("gcp")));
    let output = sandbox
        .command("sh")
        .arg(clients_dir().join("gcp/secrets_gcloud.sh"))
        .output()
        .expect("run gcloud scenario");
    assert_success("secrets_gcloud.sh", &output);
    assert!(
        String::from_utf8_lossy(&output.stdout)
            .trim()
            .ends_with("ok")
    );
}
