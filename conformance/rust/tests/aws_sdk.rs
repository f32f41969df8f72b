//! The AWS SDK for Rust against Sockerless: the `sockerless` binary driven through STS, IAM,
//! CloudWatch Logs and ECS (paginators, waiters, typed errors, SigV4 under `--strict-auth`), and
//! `sim-aws` embedded as a library in this test process. Each test is a matrix cell.

use std::time::Duration;

use aws_sdk_ecs::client::Waiters;
use aws_sdk_ecs::types::{ContainerDefinition, LogConfiguration, LogDriver};
use conformance::{Cell, Sockerless};
use sim_aws::ServerBuilder;

const ACCOUNT: &str = "123456789012";

async fn sdk_config(endpoint: &str, key: &str, secret: &str) -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_sts::config::Credentials::new(
            key,
            secret,
            None,
            None,
            "conformance",
        ))
        // A cell must see the first answer, not a retried one.
        .retry_config(aws_config::retry::RetryConfig::disabled())
        .load()
        .await
}

fn unique(prefix: &str) -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u8(0);
    format!("{prefix}-{:08x}", hasher.finish() as u32)
}

const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sts_iam_logs_and_ecs_through_the_rust_sdk() {
    let _cell = Cell::new("cloud-sdk", "aws", "sdk-rust", "aws-sdk-rust");
    let server = Sockerless::start(&["sim", "aws", "--port", "0"], &["aws"]);
    let config = sdk_config(server.url("aws"), "test", "test").await;

    // STS: who is calling.
    let sts = aws_sdk_sts::Client::new(&config);
    let identity = sts.get_caller_identity().send().await.unwrap();
    assert_eq!(identity.account(), Some(ACCOUNT));
    assert_eq!(
        identity.arn(),
        Some(format!("arn:aws:iam::{ACCOUNT}:root").as_str())
    );

    // IAM: roles created, paged one at a time (each exactly once), tagged, typed errors.
    let iam = aws_sdk_iam::Client::new(&config);
    let prefix = unique("/sdk-rust");
    let mut created = Vec::new();
    for n in 0..3 {
        let name = unique(&format!("role{n}"));
        let role = iam
            .create_role()
            .role_name(&name)
            .path(format!("{prefix}/"))
            .assume_role_policy_document(TRUST)
            .send()
            .await
            .unwrap();
        assert_eq!(role.role().unwrap().role_name(), name);
        created.push(name);
    }
    let mut listed = Vec::new();
    let mut pages = iam
        .list_roles()
        .path_prefix(format!("{prefix}/"))
        .max_items(1)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.unwrap();
        assert!(page.roles().len() <= 1);
        listed.extend(page.roles().iter().map(|r| r.role_name().to_string()));
    }
    listed.sort();
    let mut expected = created.clone();
    expected.sort();
    assert_eq!(listed, expected, "each role exactly once across pages");
    let missing = iam
        .get_role()
        .role_name("no-such-role")
        .send()
        .await
        .unwrap_err();
    assert!(
        missing
            .as_service_error()
            .is_some_and(|e| e.is_no_such_entity_exception()),
        "{missing:?}"
    );

    // CloudWatch Logs: events in, read back, filtered.
    let logs = aws_sdk_cloudwatchlogs::Client::new(&config);
    let group = unique("/sdk-rust/logs");
    logs.create_log_group()
        .log_group_name(&group)
        .send()
        .await
        .unwrap();
    logs.create_log_stream()
        .log_group_name(&group)
        .log_stream_name("s")
        .send()
        .await
        .unwrap();
    let millis = client_time_millis();
    let events: Vec<_> = (0..5)
        .map(|i| {
            aws_sdk_cloudwatchlogs::types::InputLogEvent::builder()
                .timestamp(millis + i)
                .message(format!("event {i}"))
                .build()
                .unwrap()
        })
        .collect();
    logs.put_log_events()
        .log_group_name(&group)
        .log_stream_name("s")
        .set_log_events(Some(events))
        .send()
        .await
        .unwrap();
    let read = logs
        .get_log_events()
        .log_group_name(&group)
        .log_stream_name("s")
        .start_from_head(true)
        .send()
        .await
        .unwrap();
    let messages: Vec<_> = read.events().iter().filter_map(|e| e.message()).collect();
    assert_eq!(
        messages,
        ["event 0", "event 1", "event 2", "event 3", "event 4"]
    );
    let filtered = logs
        .filter_log_events()
        .log_group_name(&group)
        .filter_pattern("\"event 3\"")
        .send()
        .await
        .unwrap();
    assert_eq!(filtered.events().len(), 1);

    // ECS: a task that really runs, waited for with the SDK's waiter, its output in awslogs.
    let ecs = aws_sdk_ecs::Client::new(&config);
    let cluster = unique("sdk-rust");
    ecs.create_cluster()
        .cluster_name(&cluster)
        .send()
        .await
        .unwrap();
    let family = unique("sdk-rust-task");
    ecs.register_task_definition()
        .family(&family)
        .container_definitions(
            ContainerDefinition::builder()
                .name("app")
                .image("busybox")
                .memory(32)
                .command("sh")
                .command("-c")
                .command("echo hello-from-rust; echo oops >&2; exit 4")
                .log_configuration(
                    LogConfiguration::builder()
                        .log_driver(LogDriver::Awslogs)
                        .options("awslogs-group", &group)
                        .options("awslogs-region", "us-east-1")
                        .options("awslogs-stream-prefix", "rust")
                        .build()
                        .unwrap(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    let run = ecs
        .run_task()
        .cluster(&cluster)
        .task_definition(&family)
        .send()
        .await
        .unwrap();
    let task_arn = run.tasks()[0].task_arn().unwrap().to_string();
    let stopped = ecs
        .wait_until_tasks_stopped()
        .cluster(&cluster)
        .tasks(&task_arn)
        .wait(Duration::from_secs(60))
        .await
        .unwrap();
    let task = &stopped.as_result().unwrap().tasks()[0];
    assert_eq!(task.containers()[0].exit_code(), Some(4));
    assert_eq!(
        task.stop_code().map(|c| c.as_str()),
        Some("EssentialContainerExited")
    );
    let task_id = task_arn.rsplit('/').next().unwrap();
    let output = logs
        .get_log_events()
        .log_group_name(&group)
        .log_stream_name(format!("rust/app/{task_id}"))
        .start_from_head(true)
        .send()
        .await
        .unwrap();
    let lines: Vec<_> = output.events().iter().filter_map(|e| e.message()).collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines.contains(&"hello-from-rust") && lines.contains(&"oops"));
    let gone = ecs
        .describe_services()
        .cluster("no-such-cluster")
        .services("x")
        .send()
        .await
        .unwrap_err();
    assert!(
        gone.as_service_error()
            .is_some_and(|e| e.is_cluster_not_found_exception()),
        "{gone:?}"
    );
}

/// Milliseconds since the epoch, as a client stamps its log events (they must be recent to be
/// accepted).
fn client_time_millis() -> i64 {
    #[allow(clippy::disallowed_methods)] // A client's timestamp, as a real client takes it.
    let now = std::time::SystemTime::now();
    now.duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn strict_sigv4_accepts_the_rust_sdks_signatures_and_refuses_a_wrong_secret() {
    let _cell = Cell::new("auth", "aws", "strict-sigv4-rust", "aws-sdk-rust");
    let server = Sockerless::start(
        &[
            "sim",
            "aws",
            "--port",
            "0",
            "--strict-auth",
            "--access-key",
            "RUSTKEY:rustsecret",
        ],
        &["aws"],
    );
    let good = sdk_config(server.url("aws"), "RUSTKEY", "rustsecret").await;
    // Query (STS), json (ECS, Logs) and query with a body (IAM) are all signed differently.
    aws_sdk_sts::Client::new(&good)
        .get_caller_identity()
        .send()
        .await
        .unwrap();
    aws_sdk_ecs::Client::new(&good)
        .list_clusters()
        .send()
        .await
        .unwrap();
    aws_sdk_iam::Client::new(&good)
        .list_roles()
        .send()
        .await
        .unwrap();
    let bad = sdk_config(server.url("aws"), "RUSTKEY", "wrong").await;
    let refused = aws_sdk_ecs::Client::new(&bad)
        .list_clusters()
        .send()
        .await
        .unwrap_err();
    let code = refused
        .as_service_error()
        .and_then(aws_sdk_ecs::error::ProvideErrorMetadata::code);
    assert_eq!(code, Some("InvalidSignatureException"), "{refused:?}");
    assert!(
        refused
            .raw_response()
            .is_some_and(|r| r.status().as_u16() == 400)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sim_aws_embedded_as_a_library() {
    let _cell = Cell::new("embedding", "aws", "library-in-process", "aws-sdk-rust");
    let simulator = sim_aws::Simulator::builder().port(0).start().await.unwrap();
    let config = sdk_config(simulator.url(), "test", "test").await;
    let ecs = aws_sdk_ecs::Client::new(&config);
    ecs.create_cluster()
        .cluster_name("embedded")
        .send()
        .await
        .unwrap();
    ecs.register_task_definition()
        .family("embedded")
        .container_definitions(
            ContainerDefinition::builder()
                .name("app")
                .image("busybox")
                .memory(16)
                .command("sh")
                .command("-c")
                .command("exit 7")
                .build(),
        )
        .send()
        .await
        .unwrap();
    let run = ecs
        .run_task()
        .cluster("embedded")
        .task_definition("embedded")
        .send()
        .await
        .unwrap();
    let task_arn = run.tasks()[0].task_arn().unwrap().to_string();
    let stopped = ecs
        .wait_until_tasks_stopped()
        .cluster("embedded")
        .tasks(&task_arn)
        .wait(Duration::from_secs(60))
        .await
        .unwrap();
    assert_eq!(
        stopped.as_result().unwrap().tasks()[0].containers()[0].exit_code(),
        Some(7)
    );
    let clusters = ecs.list_clusters().send().await.unwrap();
    assert_eq!(
        clusters.cluster_arns(),
        [format!("arn:aws:ecs:us-east-1:{ACCOUNT}:cluster/embedded")]
    );
    simulator.shutdown().await;
}

/// A zip of one file, as a deployment package.
fn zip_of(name: &str, text: &str) -> Vec<u8> {
    use std::io::Write;
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    writer
        .start_file(name, zip::write::SimpleFileOptions::default())
        .unwrap();
    writer.write_all(text.as_bytes()).unwrap();
    writer.finish().unwrap().into_inner()
}

const LAMBDA_TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lambda_functions_run_through_the_rust_sdk() {
    use aws_sdk_lambda::client::Waiters;
    use aws_sdk_lambda::primitives::Blob;
    use aws_sdk_lambda::types::{FunctionCode, Runtime};

    let _cell = Cell::new("cloud-sdk", "aws", "lambda-sdk-rust", "aws-sdk-rust");
    let server = Sockerless::start(&["sim", "aws", "--port", "0"], &["aws"]);
    let config = sdk_config(server.url("aws"), "test", "test").await;
    let iam = aws_sdk_iam::Client::new(&config);
    let role = iam
        .create_role()
        .role_name(unique("lambda"))
        .assume_role_policy_document(LAMBDA_TRUST)
        .send()
        .await
        .unwrap();
    let role_arn = role.role().unwrap().arn().to_string();
    let lambda = aws_sdk_lambda::Client::new(&config);

    let mut names = Vec::new();
    for source in [
        "count = 0\ndef handler(event, context):\n    global count\n    count += 1\n    return {'double': event['n'] * 2, 'count': count}\n",
        "def handler(event, context):\n    raise RuntimeError('broken')\n",
    ] {
        let name = unique("sdk-fn");
        let created = lambda
            .create_function()
            .function_name(&name)
            .runtime(Runtime::Python312)
            .role(&role_arn)
            .handler("app.handler")
            .code(
                FunctionCode::builder()
                    .zip_file(Blob::new(zip_of("app.py", source)))
                    .build(),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(created.state().map(|s| s.as_str()), Some("Pending"));
        lambda
            .wait_until_function_active_v2()
            .function_name(&name)
            .wait(Duration::from_secs(30))
            .await
            .unwrap();
        names.push(name);
    }

    for expected_count in [1, 2] {
        let answer = lambda
            .invoke()
            .function_name(&names[0])
            .payload(Blob::new(br#"{"n": 21}"#.to_vec()))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status_code(), 200);
        assert_eq!(answer.function_error(), None);
        let body: serde_json::Value =
            serde_json::from_slice(answer.payload().unwrap().as_ref()).unwrap();
        assert_eq!(
            body,
            serde_json::json!({"double": 42, "count": expected_count})
        );
    }
    let failed = lambda
        .invoke()
        .function_name(&names[1])
        .send()
        .await
        .unwrap();
    assert_eq!(failed.function_error(), Some("Unhandled"));
    let document: serde_json::Value =
        serde_json::from_slice(failed.payload().unwrap().as_ref()).unwrap();
    assert_eq!(document["errorType"], "RuntimeError");
    assert_eq!(document["errorMessage"], "broken");

    // The paginator with one function per page sees each function once.
    let mut seen = Vec::new();
    let mut pages = lambda.list_functions().max_items(1).into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.unwrap();
        assert!(page.functions().len() <= 1);
        seen.extend(
            page.functions()
                .iter()
                .filter_map(|f| f.function_name().map(str::to_string)),
        );
    }
    seen.sort();
    let mut expected = names.clone();
    expected.sort();
    assert_eq!(seen, expected);

    let missing = lambda
        .get_function()
        .function_name("nope")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(missing.is_resource_not_found_exception(), "{missing:?}");
    assert_eq!(
        aws_sdk_lambda::error::ProvideErrorMetadata::message(&missing),
        Some(
            format!("Function not found: arn:aws:lambda:us-east-1:{ACCOUNT}:function:nope")
                .as_str()
        )
    );
}
