//! Service Usage driven by `gcloud services`: default services, enable (one and a batch),
//! disable, listings by state, project numbers in names, and Google's error for a service it
//! does not offer.

use conformance::{Cell, Sockerless, assert_success, clients_dir, gcloud_sandbox};

#[test]
fn services_gcloud() {
    let _cell = Cell::new("cloud-cli", "gcp", "service-usage", "gcloud");
    let server = Sockerless::start(&["sim", "gcp", "--port", "0"], &["gcp"]);
    let sandbox = gcloud_sandbox("SERVICEUSAGE", &format!("{}/", server.url("gcp")));
    let output = sandbox
        .command("sh")
        .arg(clients_dir().join("gcp/services_gcloud.sh"))
        .output()
        .expect("run gcloud scenario");
    assert_success("services_gcloud.sh", &output);
    assert!(
        String::from_utf8_lossy(&output.stdout)
            .trim()
            .ends_with("ok")
    );
}
