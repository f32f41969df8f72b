//! Cloud Run jobs driven by google-cloud-run over REST (integer enums), their output read back
//! with google-cloud-logging; the tasks really run through the simulator's process runner.
//! `gcloud run jobs` (the v1 Knative API) drives the same jobs, and `gcloud logging read` reads
//! their tasks' output.

use conformance::{
    Cell, Sandbox, Sockerless, assert_success, clients, clients_dir, gcloud_sandbox,
};

#[test]
fn run_jobs_sdk() {
    let _cell = Cell::new("cloud-sdk", "gcp", "run-jobs", "google-cloud-run");
    let python = clients::gcp_python();
    let server = Sockerless::start(&["sim", "gcp", "--port", "0"], &["gcp"]);
    let mut sandbox = Sandbox::new();
    sandbox.set("RUN_ENDPOINT", server.url("gcp"));
    let output = sandbox
        .command(python)
        .arg(clients_dir().join("gcp/run_jobs_sdk.py"))
        .output()
        .expect("run python");
    assert_success("run_jobs_sdk.py", &output);
    assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), "ok");
}

#[test]
fn run_jobs_gcloud() {
    let _cell = Cell::new("cloud-cli", "gcp", "run-jobs", "gcloud");
    let python = clients::gcp_python();
    let server = Sockerless::start(&["sim", "gcp", "--port", "0"], &["gcp"]);
    // gcloud run puts the region before the host name, so it is aimed at Google's host names
    // and reaches the simulator as its proxy, as CLIENTS.md says.
    let mut sandbox = gcloud_sandbox("RUN", "http://run.googleapis.com/");
    sandbox.set(
        "CLOUDSDK_API_ENDPOINT_OVERRIDES_LOGGING",
        "http://logging.googleapis.com/",
    );
    sandbox.set("CLOUDSDK_PROXY_TYPE", "http");
    sandbox.set("CLOUDSDK_PROXY_ADDRESS", "127.0.0.1");
    sandbox.set("CLOUDSDK_PROXY_PORT", &server.port("gcp").to_string());
    sandbox.set("PYTHON", &python.display().to_string());
    sandbox.set("RUN_V2_ENDPOINT", server.url("gcp"));
    let output = sandbox
        .command("sh")
        .arg(clients_dir().join("gcp/run_jobs_gcloud.sh"))
        .output()
        .expect("run gcloud scenario");
    assert_success("run_jobs_gcloud.sh", &output);
    assert!(
        String::from_utf8_lossy(&output.stdout)
            .trim()
            .ends_with("ok")
    );
}

/// Cloud Run jobs in their image from Artifact Registry, on runc: pushed with skopeo, run with
/// google-cloud-run, output read back with google-cloud-logging.
fn run_jobs_in_images(name: &str, workloads: &str, mode: &str) {
    let _cell = Cell::new("workloads", "gcp", name, "google-cloud-run+skopeo");
    let python = clients::gcp_python();
    let skopeo = clients::find("skopeo");
    clients::find("runc");
    let server = Sockerless::start(
        &["sim", "gcp", "--port", "0", "--workloads", workloads],
        &["gcp"],
    );
    let mut sandbox = Sandbox::new();
    let (layout, tag) = crate::aws_oci::busybox_layout(&sandbox);
    sandbox.set("RUN_ENDPOINT", server.url("gcp"));
    sandbox.set("SOCKERLESS_SKOPEO", skopeo.to_str().expect("UTF-8 path"));
    sandbox.set("SOCKERLESS_BUSYBOX_LAYOUT", &layout);
    sandbox.set("SOCKERLESS_BUSYBOX_TAG", &tag);
    let output = sandbox
        .command(python)
        .arg(clients_dir().join("gcp/run_jobs_oci.py"))
        .arg(mode)
        .output()
        .expect("run python");
    assert_success("run_jobs_oci.py", &output);
    assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), "ok");
}

#[test]
fn run_jobs_in_their_image() {
    run_jobs_in_images("run-jobs-oci-image", "oci", "oci");
}

#[test]
fn run_jobs_auto_in_image_or_on_host() {
    run_jobs_in_images("run-jobs-oci-auto", "auto", "auto");
}

/// A Cloud Run job whose image is a Docker Hub name runs in it, pulled through the server's
/// upstream registry over HTTPS (a second Sockerless serving Artifact Registry, trusted through
/// `--registry-upstream-ca`); a tag the upstream lacks fails with Cloud Run's message.
#[test]
fn run_jobs_pull_their_image_through_the_upstream_registry() {
    let _cell = Cell::new(
        "workloads",
        "gcp",
        "run-jobs-oci-upstream",
        "google-cloud-run+skopeo",
    );
    let python = clients::gcp_python();
    clients::find("runc");
    let mut sandbox = Sandbox::new();
    let upstream = crate::aws_oci::SeededUpstream::start(&mut sandbox);
    let flags = upstream.flags();
    let mut args = vec!["sim", "gcp", "--port", "0", "--workloads", "oci"];
    args.extend(flags.iter().map(String::as_str));
    let server = Sockerless::start(&args, &["gcp"]);
    sandbox.set("RUN_ENDPOINT", server.url("gcp"));
    sandbox.set("SOCKERLESS_MARKER", &upstream.marker);
    let output = sandbox
        .command(python)
        .arg(clients_dir().join("gcp/run_jobs_upstream.py"))
        .output()
        .expect("run python");
    assert_success("run_jobs_upstream.py", &output);
    assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), "ok");
}

/// Cloud Run services driven by google-cloud-run over REST: the user's HTTP server answers at
/// the service's URL through the simulator as a proxy; revisions, traffic, startup failures,
/// and the requests and output read back with google-cloud-logging.
#[test]
fn run_services_sdk() {
    let _cell = Cell::new("cloud-sdk", "gcp", "run-services", "google-cloud-run");
    let python = clients::gcp_python();
    let server = Sockerless::start(&["sim", "gcp", "--port", "0"], &["gcp"]);
    let mut sandbox = Sandbox::new();
    sandbox.set("RUN_ENDPOINT", server.url("gcp"));
    let output = sandbox
        .command(python)
        .arg(clients_dir().join("gcp/run_services_sdk.py"))
        .output()
        .expect("run python");
    assert_success("run_services_sdk.py", &output);
    assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), "ok");
}

/// `gcloud run deploy/services describe/list/delete` and `gcloud run revisions list` through
/// the v1 Knative serving API, with the simulator as gcloud's proxy; the deployed server
/// answers at the service's URL; `--allow-unauthenticated` and `gcloud run services
/// get-iam-policy/add-iam-policy-binding/remove-iam-policy-binding/set-iam-policy` through v1
/// `services:getIamPolicy/setIamPolicy/testIamPermissions`.
#[test]
fn run_services_gcloud() {
    let _cell = Cell::new("cloud-cli", "gcp", "run-services", "gcloud");
    let python = clients::gcp_python();
    let server = Sockerless::start(&["sim", "gcp", "--port", "0"], &["gcp"]);
    let mut sandbox = gcloud_sandbox("RUN", "http://run.googleapis.com/");
    sandbox.set("CLOUDSDK_PROXY_TYPE", "http");
    sandbox.set("CLOUDSDK_PROXY_ADDRESS", "127.0.0.1");
    sandbox.set("CLOUDSDK_PROXY_PORT", &server.port("gcp").to_string());
    sandbox.set("PYTHON", &python.display().to_string());
    sandbox.set("RUN_V2_ENDPOINT", server.url("gcp"));
    sandbox.set("PROXY", server.url("gcp"));
    // gcloud run deploy first asks Service Usage whether the API is enabled; the simulator
    // does not serve Service Usage yet.
    sandbox.set("CLOUDSDK_CORE_SHOULD_PROMPT_TO_ENABLE_API", "false");
    let output = sandbox
        .command("sh")
        .arg(clients_dir().join("gcp/run_services_gcloud.sh"))
        .output()
        .expect("run gcloud scenario");
    assert_success("run_services_gcloud.sh", &output);
    assert!(
        String::from_utf8_lossy(&output.stdout)
            .trim()
            .ends_with("ok")
    );
}

/// Code inside a Cloud Run job finds its project, service account and an access token on the
/// metadata server (`GCE_METADATA_HOST`) with google-auth's default credentials, and writes to
/// Cloud Storage with google-cloud-storage; the token is checked with `tokeninfo`.
#[test]
fn run_jobs_default_credentials() {
    let _cell = Cell::new("cloud-sdk", "gcp", "run-metadata-server", "google-auth");
    let python = clients::gcp_python();
    // The job's Python: readable by the user workloads run as, with google-cloud-storage.
    let workload_python = clients::root().join("workload-python/bin/python3");
    let usable = std::process::Command::new(&workload_python)
        .args(["-c", "import google.cloud.storage, google.auth"])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        usable,
        "client workload-python with google-cloud-storage missing: run scripts/setup"
    );
    let server = Sockerless::start(&["sim", "gcp", "--port", "0"], &["gcp"]);
    let mut sandbox = Sandbox::new();
    sandbox.set("GCP_ENDPOINT", server.url("gcp"));
    sandbox.set("PYTHON", &workload_python.display().to_string());
    let output = sandbox
        .command(&python)
        .arg(clients_dir().join("gcp/run_metadata.py"))
        .output()
        .expect("run python");
    assert_success("run_metadata.py", &output);
    assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), "ok");
}
