//! ECS task containers and Lambda image functions in their real image, on runc (`--workloads
//! oci|auto`): images built offline by `scripts/images`, pushed to ECR with skopeo, run by
//! boto3's RunTask and Invoke (and the aws CLI's), their output read back from CloudWatch Logs. Each test is one cell against a fresh simulator.

use conformance::{Cell, Sandbox, Sockerless, clients};

/// Builds the busybox image layout into the sandbox: its directory and tag.
pub(crate) fn busybox_layout(sandbox: &Sandbox) -> (String, String) {
    let script = clients::conformance_dir()
        .parent()
        .expect("the repository root")
        .join("scripts/images");
    let out = sandbox.path().join("busybox-layout");
    let output = sandbox
        .command(&script)
        .arg("busybox")
        .arg(&out)
        .output()
        .expect("run scripts/images");
    conformance::assert_success("scripts/images busybox", &output);
    let printed = String::from_utf8_lossy(&output.stdout);
    let tag = printed
        .split_whitespace()
        .next()
        .and_then(|name| name.rsplit_once(':'))
        .map(|(_, tag)| tag.to_string())
        .expect("scripts/images prints NAME:TAG DIGEST");
    (out.display().to_string(), tag)
}

fn scenario(name: &str, server_args: &[&str], script: &str, args: &[&str]) {
    scenario_with(name, server_args, script, args, &[]);
}

/// [`scenario`], with more variables for the script.
fn scenario_with(
    name: &str,
    server_args: &[&str],
    script: &str,
    args: &[&str],
    variables: &[(&str, &str)],
) {
    let _cell = Cell::new("workloads", "aws", name, "boto3+skopeo");
    let skopeo = clients::find("skopeo");
    clients::find("runc");
    let mut command = vec!["sim", "aws", "--port", "0"];
    command.extend_from_slice(server_args);
    let server = Sockerless::start(&command, &["aws"]);
    let mut sandbox = Sandbox::aws(server.url("aws"));
    for (key, value) in variables {
        sandbox.set(key, value);
    }
    sandbox.set("SOCKERLESS_SKOPEO", skopeo.to_str().expect("UTF-8 path"));
    let aws_cli = clients::aws();
    sandbox.set("SOCKERLESS_AWS_CLI", aws_cli.to_str().expect("UTF-8 path"));
    sandbox.set("SOCKERLESS_WORKLOAD_PATH", &clients::workload_path());
    let (layout, tag) = busybox_layout(&sandbox);
    sandbox.set("SOCKERLESS_BUSYBOX_LAYOUT", &layout);
    sandbox.set("SOCKERLESS_BUSYBOX_TAG", &tag);
    sandbox.run_script(script, args);
}

#[test]
fn ecs_task_runs_in_its_ecr_image() {
    scenario(
        "ecs-oci-image",
        &["--workloads", "oci"],
        "aws/ecs_oci_image.py",
        &[],
    );
}

#[test]
fn ecs_auto_runs_in_the_image_or_on_the_host() {
    scenario(
        "ecs-oci-auto",
        &["--workloads", "auto"],
        "aws/ecs_oci_auto.py",
        &["runtime-present"],
    );
}

#[test]
fn ecs_auto_without_a_runtime_runs_on_the_host() {
    scenario(
        "ecs-oci-auto-no-runtime",
        &[
            "--workloads",
            "auto",
            "--oci-runtime",
            "/nonexistent/sockerless/runc",
        ],
        "aws/ecs_oci_auto.py",
        &["runtime-absent"],
    );
}

#[test]
fn ecs_oci_without_a_runtime_fails_the_task() {
    scenario(
        "ecs-oci-no-runtime",
        &[
            "--workloads",
            "oci",
            "--oci-runtime",
            "/nonexistent/sockerless/runc",
        ],
        "aws/ecs_oci_auto.py",
        &["oci-runtime-absent"],
    );
}

#[test]
fn ecs_container_past_its_memory_is_oom_killed() {
    scenario(
        "ecs-oci-limits",
        &["--workloads", "oci"],
        "aws/ecs_oci_limits.py",
        &[],
    );
}

#[test]
fn ecs_task_memory_bounds_its_containers_together() {
    scenario(
        "ecs-oci-task-limits",
        &["--workloads", "oci"],
        "aws/ecs_oci_task_limits.py",
        &[],
    );
}

#[test]
fn ecs_awsvpc_task_has_its_own_network() {
    scenario(
        "ecs-oci-network",
        &["--workloads", "oci"],
        "aws/ecs_oci_network.py",
        &[],
    );
}

#[test]
fn lambda_image_function_runs_in_its_image() {
    scenario(
        "lambda-oci-image",
        &["--workloads", "oci"],
        "aws/lambda_oci_image.py",
        &["oci"],
    );
}

#[test]
fn lambda_image_function_needs_the_oci_runtime() {
    scenario(
        "lambda-oci-image-process",
        &["--workloads", "process"],
        "aws/lambda_oci_image.py",
        &["process"],
    );
}

#[test]
fn ecs_bridge_ports_reach_their_containers() {
    scenario(
        "ecs-oci-bridge",
        &["--workloads", "oci"],
        "aws/ecs_oci_bridge.py",
        &[],
    );
}

#[test]
fn ecs_taken_host_ports_fail_placement() {
    scenario(
        "ecs-oci-ports",
        &["--workloads", "oci"],
        "aws/ecs_oci_ports.py",
        &[],
    );
}

#[test]
fn ecs_fifty_concurrent_tasks_share_one_unpacked_image() {
    // A state directory of the cell's own, so the image cache starts empty and can be counted.
    let state = tempfile::tempdir().expect("a state directory");
    let state_dir = state.path().display().to_string();
    let cache = state.path().join("oci-cache").display().to_string();
    scenario_with(
        "ecs-oci-fifty",
        &["--workloads", "oci", "--state-dir", &state_dir],
        "aws/ecs_oci_fifty.py",
        &[],
        &[("SOCKERLESS_OCI_CACHE", &cache)],
    );
}

/// The runtimes image's layout: built once by `scripts/images runtimes` (mmdebstrap, a few
/// minutes) into a cache shared by runs, since it depends only on the mirror.
fn runtimes_layout(sandbox: &Sandbox) -> String {
    let cached = std::path::Path::new("/var/tmp/sockerless-image-cache/runtimes");
    if !cached.join("index.json").is_file() {
        let script = clients::conformance_dir()
            .parent()
            .expect("the repository root")
            .join("scripts/images");
        let output = sandbox
            .command(&script)
            .arg("runtimes")
            .arg(cached)
            .output()
            .expect("run scripts/images");
        conformance::assert_success("scripts/images runtimes", &output);
    }
    cached.display().to_string()
}

#[test]
fn ecs_task_runs_python_node_and_git_in_the_runtimes_image() {
    let sandbox = Sandbox::new();
    let layout = runtimes_layout(&sandbox);
    scenario_with(
        "ecs-oci-runtimes",
        &["--workloads", "oci"],
        "aws/ecs_oci_runtimes.py",
        &[],
        &[("SOCKERLESS_RUNTIMES_LAYOUT", &layout)],
    );
}

#[test]
fn ecs_task_runs_in_an_image_seeded_at_start() {
    let _cell = Cell::new("workloads", "aws", "ecs-oci-seeded", "boto3");
    clients::find("runc");
    let sandbox = Sandbox::new();
    let (layout, tag) = busybox_layout(&sandbox);
    let server = Sockerless::start(
        &[
            "sim",
            "aws",
            "--port",
            "0",
            "--workloads",
            "oci",
            "--seed-images",
            &layout,
        ],
        &["aws"],
    );
    let mut sandbox = Sandbox::aws(server.url("aws"));
    sandbox.set("SOCKERLESS_BUSYBOX_TAG", &tag);
    sandbox.run_script("aws/ecs_oci_seeded.py", &[]);
}

#[test]
fn ecs_oci_tasks_share_an_efs_volume_but_not_their_roots() {
    scenario(
        "ecs-oci-efs",
        &["--workloads", "oci"],
        "aws/ecs_oci_efs.py",
        &[],
    );
}

#[test]
fn ecs_hostile_layer_from_ecr_is_contained() {
    scenario(
        "ecs-oci-hostile-layer",
        &["--workloads", "oci"],
        "aws/ecs_oci_hostile_layer.py",
        &[],
    );
}

/// The runtimes image with a layer holding a file only it has, as a layout to seed, made from
/// the cached runtimes layout.
fn marked_runtimes_layout(sandbox: &Sandbox) -> String {
    let layout = runtimes_layout(sandbox);
    let out = sandbox.path().join("runtimes-marked");
    let out_text = out.display().to_string();
    sandbox.run_script(
        "aws/lambda_oci_runtimes.py",
        &["prepare", &layout, &out_text],
    );
    out_text
}

fn lambda_runtimes_scenario(name: &str, workloads: &str) {
    let _cell = Cell::new("workloads", "aws", name, "boto3");
    clients::find("runc");
    let sandbox = Sandbox::new();
    let layout = marked_runtimes_layout(&sandbox);
    let server = Sockerless::start(
        &[
            "sim",
            "aws",
            "--port",
            "0",
            "--workloads",
            workloads,
            "--seed-images",
            &layout,
        ],
        &["aws"],
    );
    let sandbox_aws = Sandbox::aws(server.url("aws"));
    sandbox_aws.run_script("aws/lambda_oci_runtimes.py", &[workloads]);
    drop(sandbox);
}

#[test]
fn lambda_zip_function_runs_in_the_seeded_runtimes_image() {
    lambda_runtimes_scenario("lambda-oci-runtimes", "oci");
}

#[test]
fn lambda_zip_function_runs_on_the_host_under_process() {
    lambda_runtimes_scenario("lambda-oci-runtimes-process", "process");
}

#[test]
fn ecs_oci_as_an_unprivileged_user_fails_the_task_saying_why() {
    let _cell = Cell::new("workloads", "aws", "ecs-oci-unprivileged", "boto3+skopeo");
    let skopeo = clients::find("skopeo");
    clients::find("runc");
    let server = Sockerless::start_as_nobody(
        &["sim", "aws", "--port", "0", "--workloads", "oci"],
        &["aws"],
    );
    let mut sandbox = Sandbox::aws(server.url("aws"));
    sandbox.set("SOCKERLESS_SKOPEO", skopeo.to_str().expect("UTF-8 path"));
    sandbox.set("SOCKERLESS_WORKLOAD_PATH", &clients::workload_path());
    sandbox.run_script("aws/ecs_oci_auto.py", &["oci-unprivileged"]);
}

/// Images in no ECR registry pulled through `--registry-upstream`: the upstream is a second
/// Sockerless serving Artifact Registry (Bearer token flow); once it is stopped, the image
/// pinned by digest still runs from the cache and its tag fails to resolve.
#[test]
fn ecs_task_pulls_its_image_through_the_upstream_registry() {
    let _cell = Cell::new("workloads", "aws", "ecs-oci-upstream", "boto3+skopeo");
    let skopeo = clients::find("skopeo");
    clients::find("runc");
    let upstream = Sockerless::start(&["sim", "gcp", "--port", "0"], &["gcp"]);
    let upstream_url = upstream.url("gcp").trim_end_matches('/').to_string();
    let address = upstream_url
        .split_once("://")
        .map_or(upstream_url.as_str(), |(_, address)| address)
        .to_string();
    let server = Sockerless::start(
        &[
            "sim",
            "aws",
            "--port",
            "0",
            "--workloads",
            "oci",
            "--registry-upstream",
            &format!("http://{address}/us-central1-docker.pkg.dev/p/images"),
            "--registry-upstream-credentials",
            "oauth2accesstoken:ya29.sockerless-upstream",
        ],
        &["aws"],
    );
    let mut sandbox = Sandbox::aws(server.url("aws"));
    sandbox.set("SOCKERLESS_SKOPEO", skopeo.to_str().expect("UTF-8 path"));
    sandbox.set("SOCKERLESS_UPSTREAM", &upstream_url);
    let digest_file = sandbox.path().join("upstream-digest");
    sandbox.set(
        "SOCKERLESS_UPSTREAM_DIGEST_FILE",
        digest_file.to_str().expect("UTF-8 path"),
    );
    let (layout, tag) = busybox_layout(&sandbox);
    sandbox.set("SOCKERLESS_BUSYBOX_LAYOUT", &layout);
    sandbox.set("SOCKERLESS_BUSYBOX_TAG", &tag);
    sandbox.run_script("aws/ecs_oci_upstream.py", &["pull"]);
    drop(upstream);
    sandbox.run_script("aws/ecs_oci_upstream.py", &["cached"]);
}

/// A second Sockerless serving Artifact Registry as an upstream registry, seeded by
/// `aws/upstream_seed.py` with `sockerless-test/probe:v1` under its prefix
/// `us-central1-docker.pkg.dev/p/images` (an image whose file `/opt/probe/marker.txt` only it
/// has, and `cat` of it as its command).
pub(crate) struct SeededUpstream {
    _server: Sockerless,
    address: String,
    ca: String,
    /// What the image's file holds.
    pub marker: String,
}

impl SeededUpstream {
    pub(crate) fn start(sandbox: &mut Sandbox) -> Self {
        let skopeo = clients::find("skopeo");
        let ca = sandbox.path().join("upstream-ca.pem").display().to_string();
        let server = Sockerless::start(&["sim", "gcp", "--port", "0", "--ca-out", &ca], &["gcp"]);
        let url = server.url("gcp").trim_end_matches('/').to_string();
        let address = url
            .split_once("://")
            .map_or(url.as_str(), |(_, address)| address)
            .to_string();
        sandbox.set("SOCKERLESS_UPSTREAM", &url);
        sandbox.set("SOCKERLESS_SKOPEO", skopeo.to_str().expect("UTF-8 path"));
        let (layout, tag) = busybox_layout(sandbox);
        sandbox.set("SOCKERLESS_BUSYBOX_LAYOUT", &layout);
        sandbox.set("SOCKERLESS_BUSYBOX_TAG", &tag);
        let seeded = sandbox.run_script("aws/upstream_seed.py", &[]);
        let marker = String::from_utf8_lossy(&seeded.stdout).trim().to_string();
        Self {
            _server: server,
            address,
            ca,
            marker,
        }
    }

    /// The flags that make a server pull through it over HTTPS, trusting its CA.
    pub(crate) fn flags(&self) -> Vec<String> {
        vec![
            "--registry-upstream".into(),
            format!(
                "https://{}/us-central1-docker.pkg.dev/p/images",
                self.address
            ),
            "--registry-upstream-ca".into(),
            self.ca.clone(),
            "--registry-upstream-credentials".into(),
            "oauth2accesstoken:ya29.sockerless-upstream".into(),
        ]
    }
}

/// `docker pull` of a Docker Hub name through the engine reaches the server's upstream registry
/// (HTTPS, trusted through `--registry-upstream-ca`) as a mirror, and the pulled image runs;
/// a tag the upstream lacks is Docker's `manifest … not found`, and a registry the upstream
/// does not stand for is not reached (`pull access denied`).
#[test]
fn engine_pulls_docker_hub_names_through_the_upstream_registry() {
    let _cell = Cell::new(
        "workloads",
        "engine-memory",
        "engine-oci-upstream",
        "docker",
    );
    let docker = clients::find("docker");
    clients::find("runc");
    let mut sandbox = Sandbox::new();
    let upstream = SeededUpstream::start(&mut sandbox);
    let socket = sandbox.path().join("docker.sock").display().to_string();
    let host = format!("unix://{socket}");
    let flags = upstream.flags();
    let mut args = vec!["engine", "-H", &host];
    args.extend(flags.iter().map(String::as_str));
    let _server = Sockerless::start(&args, &["engine"]);
    sandbox.set("DOCKER_HOST", &host);
    let config = sandbox.path().join("docker-config").display().to_string();
    sandbox.set("DOCKER_CONFIG", &config);
    let docker = |args: &[&str]| {
        sandbox
            .command(&docker)
            .args(args)
            .output()
            .expect("run docker")
    };
    let pulled = docker(&["pull", "sockerless-test/probe:v1"]);
    conformance::assert_success("docker pull", &pulled);
    let ran = docker(&["run", "--rm", "sockerless-test/probe:v1"]);
    conformance::assert_success("docker run", &ran);
    assert_eq!(
        String::from_utf8_lossy(&ran.stdout),
        format!("{}\n", upstream.marker)
    );
    let missing = docker(&["pull", "sockerless-test/probe:never-pushed"]);
    assert!(!missing.status.success());
    let stderr = String::from_utf8_lossy(&missing.stderr);
    assert!(
        stderr.contains("manifest for sockerless-test/probe:never-pushed not found"),
        "{stderr}"
    );
    let elsewhere = docker(&["pull", "quay.io/sockerless-test/probe:v1"]);
    assert!(!elsewhere.status.success());
    let stderr = String::from_utf8_lossy(&elsewhere.stderr);
    assert!(stderr.contains("pull access denied"), "{stderr}");
}

/// The engine's memory backend lists and runs the images seeded at start under their
/// `localhost/` names (docker CLI): no load, no push, no pull.
#[test]
fn engine_runs_images_seeded_at_start() {
    let _cell = Cell::new("workloads", "engine-memory", "engine-oci-seeded", "docker");
    let docker = clients::find("docker");
    clients::find("runc");
    let mut sandbox = Sandbox::new();
    let (layout, tag) = busybox_layout(&sandbox);
    let socket = sandbox.path().join("docker.sock").display().to_string();
    let host = format!("unix://{socket}");
    let _server = Sockerless::start(
        &["engine", "-H", &host, "--seed-images", &layout],
        &["engine"],
    );
    sandbox.set("DOCKER_HOST", &host);
    let config = sandbox.path().join("docker-config").display().to_string();
    sandbox.set("DOCKER_CONFIG", &config);
    let image = format!("localhost/sockerless/busybox:{tag}");
    let docker = |args: &[&str]| {
        sandbox
            .command(&docker)
            .args(args)
            .output()
            .expect("run docker")
    };
    let listed = docker(&["images", "--format", "{{.Repository}}:{{.Tag}}"]);
    conformance::assert_success("docker images", &listed);
    assert_eq!(String::from_utf8_lossy(&listed.stdout).trim(), image);
    let ran = docker(&["run", "--rm", &image, "grep", "^ID=", "/etc/os-release"]);
    conformance::assert_success("docker run", &ran);
    assert_eq!(
        String::from_utf8_lossy(&ran.stdout),
        "ID=sockerless-busybox\n"
    );
    let missing = docker(&[
        "run",
        "--rm",
        "localhost/sockerless/busybox:never-seeded",
        "true",
    ]);
    assert!(!missing.status.success(), "an unseeded tag ran");
    assert!(
        String::from_utf8_lossy(&missing.stderr)
            .contains("Unable to find image 'localhost/sockerless/busybox:never-seeded' locally"),
        "{}",
        String::from_utf8_lossy(&missing.stderr)
    );
}
