//! The foundation every server shares, proven with curl and the aws CLI against the real
//! binary: READY lines and health, TLS verified against the CA the server wrote, requests in
//! proxy form, injected faults, the body limit, graceful shutdown, and durability under SIGKILL.

use std::time::Duration;

use conformance::{Cell, Sandbox, Sockerless, assert_success, clients, sockerless_bin};

const SUITE: &str = "foundation";
const TARGET: &str = "sockerless";

fn curl(sandbox: &Sandbox, args: &[&str]) -> std::process::Output {
    sandbox
        .command(clients::curl())
        .args(["-sS", "--max-time", "30"])
        .args(args)
        .output()
        .expect("run curl")
}

fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn up_announces_every_server_and_answers_health() {
    let _cell = Cell::new(SUITE, TARGET, "up-ready-and-health", "curl");
    let server = Sockerless::start(
        &["up", "--port-base", "0"],
        &["aws", "gcp", "azure", "github", "gitlab", "engine"],
    );
    let sandbox = Sandbox::new();
    let health = curl(
        &sandbox,
        &[&format!("{}/_sockerless/health", server.url("aws"))],
    );
    assert_success("curl health", &health);
    let body: serde_json::Value = serde_json::from_slice(&health.stdout).expect("health is JSON");
    assert_eq!(body["status"], "ok");
    assert_eq!(body["server"], "aws");
    let printed = conformance::wait_until(Duration::from_secs(10), || {
        let lines = server.stdout();
        lines
            .iter()
            .any(|l| l.starts_with("# HTTPS on the same ports"))
            .then_some(lines)
    })
    .expect("up prints how to reach its servers");
    assert!(
        printed
            .iter()
            .any(|l| l == &format!("export AWS_ENDPOINT_URL={}", server.url("aws"))),
        "{printed:?}"
    );
    assert!(
        printed
            .iter()
            .any(|l| l.starts_with("export SOCKERLESS_CA=")),
        "{printed:?}"
    );
    assert_eq!(
        printed.iter().filter(|l| l.starts_with("READY ")).count(),
        6,
        "one READY line per server: {printed:?}"
    );
}

#[test]
fn tls_on_the_same_port_verifies_with_curl_cacert() {
    let _cell = Cell::new(SUITE, TARGET, "tls-curl-cacert", "curl");
    let sandbox = Sandbox::new();
    let ca = sandbox.path().join("ca.pem");
    let server = Sockerless::start(
        &[
            "sim",
            "aws",
            "--port",
            "0",
            "--ca-out",
            ca.to_str().unwrap(),
        ],
        &["aws"],
    );
    let port = server.port("aws");
    for host in ["localhost", "127.0.0.1", "sts.localhost"] {
        let url = format!("https://{host}:{port}/_sockerless/health");
        let resolve = format!("sts.localhost:{port}:127.0.0.1");
        let output = curl(
            &sandbox,
            &[
                "--cacert",
                ca.to_str().unwrap(),
                "--resolve",
                &resolve,
                &url,
            ],
        );
        assert_success(&format!("curl --cacert {url}"), &output);
        assert!(
            stdout(&output).contains("\"status\":\"ok\""),
            "{}",
            stdout(&output)
        );
    }
    // Without the CA, verification must fail (curl's exit code 60): the certificate is real.
    let untrusted = sandbox
        .command(clients::curl())
        .env("CURL_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt")
        .args([
            "-sS",
            "--max-time",
            "30",
            &format!("https://localhost:{port}/_sockerless/health"),
        ])
        .output()
        .expect("curl");
    assert_eq!(
        untrusted.status.code(),
        Some(60),
        "untrusted CA must fail verification"
    );
    // HTTP/2 over TLS negotiates by ALPN.
    let http2 = curl(
        &sandbox,
        &[
            "--http2",
            "-o",
            "/dev/null",
            "-w",
            "%{http_version}",
            "--cacert",
            ca.to_str().unwrap(),
            &format!("https://localhost:{port}/_sockerless/health"),
        ],
    );
    assert_eq!(stdout(&http2), "2");
}

#[test]
fn proxy_form_requests_reach_the_server() {
    let _cell = Cell::new(SUITE, TARGET, "proxy-curl-x", "curl + aws CLI");
    let server = Sockerless::start(&["sim", "aws", "--port", "0"], &["aws"]);
    let sandbox = Sandbox::aws("http://sts.amazonaws.com");
    let output = curl(
        &sandbox,
        &[
            "-x",
            server.url("aws"),
            "http://sts.amazonaws.com/_sockerless/health",
        ],
    );
    assert_success("curl -x", &output);
    assert!(stdout(&output).contains("\"server\":\"aws\""));
    // A real client with a real host name, sent through the simulator as its proxy.
    let identity = sandbox
        .command(clients::aws())
        .env("HTTP_PROXY", server.url("aws"))
        .args(["sts", "get-caller-identity", "--output", "json"])
        .output()
        .expect("aws");
    assert_success("aws sts get-caller-identity through HTTP_PROXY", &identity);
    assert!(stdout(&identity).contains("123456789012"));
}

#[test]
fn injected_faults_answer_the_registered_error() {
    let _cell = Cell::new(SUITE, TARGET, "faults", "curl + aws CLI");
    let server = Sockerless::start(&["sim", "aws", "--port", "0"], &["aws"]);
    let mut sandbox = Sandbox::aws(server.url("aws"));
    sandbox.set("AWS_MAX_ATTEMPTS", "1");
    let faults = format!("{}/_sockerless/faults", server.url("aws"));
    let register = |rule: &str| {
        let output = curl(
            &sandbox,
            &[
                "-X",
                "POST",
                "-H",
                "content-type: application/json",
                "-d",
                rule,
                &faults,
            ],
        );
        assert_success("register fault", &output);
        serde_json::from_slice::<serde_json::Value>(&output.stdout).expect("fault JSON")
    };
    let identity = || {
        sandbox
            .command(clients::aws())
            .args(["sts", "get-caller-identity"])
            .output()
            .expect("aws")
    };

    let rule = register(
        r#"{"service":"sts","operation":"GetCallerIdentity","kind":"error","status":409,"code":"SomethingOdd","message":"injected","count":1}"#,
    );
    assert!(rule["id"].as_str().unwrap().starts_with("fault-"));
    let failed = identity();
    assert!(!failed.status.success());
    let stderr = String::from_utf8_lossy(&failed.stderr);
    assert!(
        stderr.contains("(SomethingOdd)") && stderr.contains("injected"),
        "{stderr}"
    );
    assert_success("after the counted fault is used up", &identity());

    register(r#"{"service":"sts","kind":"throttle","count":1}"#);
    let throttled = identity();
    assert!(
        String::from_utf8_lossy(&throttled.stderr).contains("(Throttling)"),
        "{:?}",
        throttled
    );

    register(r#"{"operation":"GetCallerIdentity","kind":"unavailable"}"#);
    let unavailable = identity();
    assert!(
        String::from_utf8_lossy(&unavailable.stderr).contains("(ServiceUnavailable)"),
        "{:?}",
        unavailable
    );
    let listed = curl(&sandbox, &[&faults]);
    assert!(stdout(&listed).contains("unavailable"));
    assert_success("clear faults", &curl(&sandbox, &["-X", "DELETE", &faults]));
    assert_success("after clearing", &identity());

    let bad = curl(
        &sandbox,
        &[
            "-X",
            "POST",
            "-d",
            r#"{"kind":"error","status":200,"code":"X"}"#,
            "-w",
            "%{http_code}",
            &faults,
        ],
    );
    assert!(
        stdout(&bad).ends_with("400"),
        "an invalid rule is refused: {}",
        stdout(&bad)
    );
}

#[test]
fn oversize_bodies_get_413() {
    let _cell = Cell::new(SUITE, TARGET, "body-limit-413", "curl");
    let server = Sockerless::start(
        &["sim", "aws", "--port", "0", "--body-limit", "1024"],
        &["aws"],
    );
    let sandbox = Sandbox::new();
    let body = "Action=GetCallerIdentity&Version=2011-06-15&Pad=".to_string() + &"x".repeat(4096);
    let output = curl(
        &sandbox,
        &["-w", "\n%{http_code}", "-d", &body, server.url("aws")],
    );
    let text = stdout(&output);
    assert!(text.ends_with("413"), "{text}");
    assert!(text.contains("RequestEntityTooLarge"), "{text}");
    let small = curl(
        &sandbox,
        &[
            "-w",
            "\n%{http_code}",
            "-d",
            "Action=GetCallerIdentity&Version=2011-06-15",
            server.url("aws"),
        ],
    );
    assert!(stdout(&small).ends_with("200"), "{}", stdout(&small));
}

#[test]
fn sigterm_shuts_down_gracefully() {
    let _cell = Cell::new(SUITE, TARGET, "graceful-shutdown", "signal");
    let mut server = Sockerless::start(&["sim", "aws", "--port", "0"], &["aws"]);
    let status = server
        .signal_and_wait(nix::sys::signal::Signal::SIGTERM, Duration::from_secs(15))
        .expect("exits after SIGTERM");
    assert!(
        status.success(),
        "clean exit after SIGTERM: {status:?}; stderr: {}",
        server.stderr()
    );
}

#[test]
fn acknowledged_writes_survive_sigkill() {
    let _cell = Cell::new(
        SUITE,
        TARGET,
        "state-survives-sigkill",
        "python http.client",
    );
    let sandbox = Sandbox::new();
    let state = sandbox.path().join("state");
    let bin = sockerless_bin();
    sandbox.run_script(
        "aws/durability.py",
        &[bin.to_str().unwrap(), state.to_str().unwrap()],
    );
}

#[test]
fn strict_auth_guards_the_admin_api_with_a_token_and_redacts_secrets() {
    let _cell = Cell::new(SUITE, TARGET, "admin-token-and-redaction", "curl + aws CLI");
    let server = Sockerless::start(
        &[
            "sim",
            "aws",
            "--port",
            "0",
            "--strict-auth",
            "--access-key",
            "ADMINTESTKEY:admintestsecret",
        ],
        &["aws"],
    );
    let url = server.url("aws");
    let token = conformance::wait_until(Duration::from_secs(10), || {
        server.stdout().iter().find_map(|line| {
            line.strip_prefix("# admin API token: export SOCKERLESS_ADMIN_TOKEN=")
                .map(String::from)
        })
    })
    .expect("a generated admin token is printed");
    let mut sandbox = Sandbox::aws(url);
    sandbox.set("AWS_ACCESS_KEY_ID", "ADMINTESTKEY");
    sandbox.set("AWS_SECRET_ACCESS_KEY", "admintestsecret");
    // Issue temporary credentials, whose secret the state then holds.
    let issued = sandbox
        .command(clients::aws())
        .args(["sts", "get-session-token", "--output", "json"])
        .output()
        .expect("run aws");
    assert_success("aws sts get-session-token", &issued);
    let issued: serde_json::Value = serde_json::from_slice(&issued.stdout).unwrap();
    let secret = issued["Credentials"]["SecretAccessKey"].as_str().unwrap();

    let status = |args: &[&str]| {
        let output = curl(
            &sandbox,
            &[&["-o", "/dev/null", "-w", "%{http_code}"], args].concat(),
        );
        stdout(&output)
    };
    let bearer = format!("Authorization: Bearer {token}");
    assert_eq!(status(&[&format!("{url}/_sockerless/health")]), "200");
    for (method, path) in [
        ("GET", "/_sockerless/state"),
        ("POST", "/_sockerless/reset"),
        ("GET", "/_sockerless/faults"),
        ("DELETE", "/_sockerless/faults"),
    ] {
        let target = format!("{url}{path}");
        assert_eq!(
            status(&["-X", method, &target]),
            "401",
            "{method} {path} without the token"
        );
        assert_eq!(
            status(&[
                "-X",
                method,
                &target,
                "-H",
                "Authorization: Bearer wrong-token"
            ]),
            "401",
            "{method} {path} with a wrong token"
        );
    }
    let state = stdout(&curl(
        &sandbox,
        &[&format!("{url}/_sockerless/state"), "-H", &bearer],
    ));
    assert!(state.contains("***redacted***"), "{state}");
    assert!(!state.contains(secret), "the secret leaked: {state}");
    let revealed = stdout(&curl(
        &sandbox,
        &[
            &format!("{url}/_sockerless/state?secrets=true"),
            "-H",
            &bearer,
        ],
    ));
    assert!(
        revealed.contains(secret),
        "asked with the token: {revealed}"
    );
}
