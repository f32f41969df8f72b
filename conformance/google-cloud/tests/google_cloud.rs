//! Google's Rust client libraries (google-cloud-rust) against the GCP simulator (`sockerless
//! sim gcp`), aimed at it with `with_endpoint` and anonymous credentials as CLIENTS.md says.
//! Each test is a matrix cell.
//!
//! Cloud Storage: the `Storage` client's object data path is the JSON API (multipart uploads,
//! `alt=media` reads with ranges, generation preconditions; its resumable uploads do not finish
//! against the simulator yet). Its
//! `StorageControl` client (buckets, listing) speaks gRPC only (`google.storage.v2`), which the
//! simulator does not serve, so the bucket is made over the JSON API as gcloud would make it.
//! Secret Manager: the generated REST client (secrets, versions, access, paging, errors).

use std::io::{Read, Write};
use std::net::TcpStream;

use conformance::{Cell, Sockerless};
use google_cloud_auth::credentials::anonymous;
use google_cloud_gax::error::rpc::Code;
use google_cloud_gax::paginator::Paginator;
use google_cloud_secretmanager_v1::client::SecretManagerService;
use google_cloud_secretmanager_v1::model::{Replication, Secret, SecretPayload, replication};
use google_cloud_storage::client::Storage;
use google_cloud_storage::model_ext::ReadRange;

/// A JSON request to the simulator over plain HTTP/1.1: the status and body.
fn http_json(server: &Sockerless, method: &str, path: &str, body: &str) -> (u16, String) {
    let address = server.url("gcp").trim_start_matches("http://").to_string();
    let mut stream = TcpStream::connect(&address).expect("connect");
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .expect("write");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("read");
    let status = answer
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .expect("status line");
    let body = answer
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_string())
        .unwrap_or_default();
    (status, body)
}

async fn read_all(storage: &Storage, bucket: &str, object: &str, range: ReadRange) -> Vec<u8> {
    let mut response = storage
        .read_object(bucket, object)
        .set_read_range(range)
        .send()
        .await
        .expect("read_object");
    let mut contents = Vec::new();
    while let Some(chunk) = response.next().await.transpose().expect("chunk") {
        contents.extend_from_slice(&chunk);
    }
    contents
}

/// google-cloud-storage 1.21: a small object in one multipart upload with its content type and
/// metadata, read back whole and by ranges (checksums verified by the client); an overwrite
/// makes a new generation;
/// `ifGenerationMatch` preconditions fail with FAILED_PRECONDITION; a missing object is
/// NOT_FOUND.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn storage_objects() {
    let _cell = Cell::new("cloud-sdk", "gcp", "storage", "google-cloud-storage (Rust)");
    let server = Sockerless::start(&["sim", "gcp", "--port", "0"], &["gcp"]);
    let (status, body) = http_json(
        &server,
        "POST",
        "/storage/v1/b?project=p",
        r#"{"name":"rust-bucket"}"#,
    );
    assert_eq!(status, 200, "{body}");
    let storage = Storage::builder()
        .with_endpoint(server.url("gcp"))
        .with_credentials(anonymous::Builder::new().build())
        .build()
        .await
        .expect("storage client");
    let bucket = "projects/_/buckets/rust-bucket";

    let small = storage
        .write_object(bucket, "notes/hello.txt", "hello from rust")
        .set_content_type("text/plain")
        .set_metadata([("team", "blue")])
        .send_buffered()
        .await
        .expect("small upload");
    assert_eq!(small.size, 15);
    assert_eq!(small.content_type, "text/plain");
    assert_eq!(small.metadata.get("team").map(String::as_str), Some("blue"));
    assert!(small.generation > 0, "{small:?}");
    assert_eq!(
        read_all(&storage, bucket, "notes/hello.txt", ReadRange::all()).await,
        b"hello from rust"
    );
    assert_eq!(
        read_all(
            &storage,
            bucket,
            "notes/hello.txt",
            ReadRange::segment(6, 4)
        )
        .await,
        b"from"
    );
    assert_eq!(
        read_all(&storage, bucket, "notes/hello.txt", ReadRange::tail(4)).await,
        b"rust"
    );

    // An overwrite is a new generation; a precondition on the old one fails.
    let second = storage
        .write_object(bucket, "notes/hello.txt", "second version")
        .set_if_generation_match(small.generation)
        .send_buffered()
        .await
        .expect("overwrite");
    assert!(second.generation > small.generation, "{second:?}");
    let stale = storage
        .write_object(bucket, "notes/hello.txt", "third")
        .set_if_generation_match(small.generation)
        .send_buffered()
        .await
        .expect_err("a stale generation precondition");
    assert_eq!(stale.http_status_code(), Some(412), "{stale:?}");
    let exists = storage
        .write_object(bucket, "notes/hello.txt", "only if absent")
        .set_if_generation_match(0_i64)
        .send_buffered()
        .await
        .expect_err("ifGenerationMatch=0 on an existing object");
    assert_eq!(exists.http_status_code(), Some(412), "{exists:?}");
    let old_read = storage
        .read_object(bucket, "notes/hello.txt")
        .set_if_generation_match(small.generation)
        .send()
        .await;
    assert_eq!(old_read.err().and_then(|e| e.http_status_code()), Some(412));
    assert_eq!(
        read_all(&storage, bucket, "notes/hello.txt", ReadRange::all()).await,
        b"second version"
    );

    let Err(missing) = storage.read_object(bucket, "no/such/object").send().await else {
        panic!("a missing object was read");
    };
    assert_eq!(missing.http_status_code(), Some(404), "{missing:?}");
    let no_bucket = storage
        .write_object("projects/_/buckets/no-such-bucket", "x", "y")
        .send_buffered()
        .await
        .expect_err("a missing bucket");
    assert_eq!(no_bucket.http_status_code(), Some(404), "{no_bucket:?}");

    // The objects the client wrote, as the JSON API lists them.
    let (status, listing) = http_json(&server, "GET", "/storage/v1/b/rust-bucket/o", "");
    assert_eq!(status, 200, "{listing}");
    let listing: serde_json::Value = serde_json::from_str(&listing).expect("listing JSON");
    let names: Vec<&str> = listing["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|item| item["name"].as_str())
        .collect();
    assert_eq!(names, ["notes/hello.txt"]);
}

/// google-cloud-secretmanager-v1 1.14 over REST: a secret with automatic replication and
/// labels, versions added and accessed (by number and `latest`, with the payload's CRC32C),
/// a disabled version refused as FAILED_PRECONDITION, secrets listed a page at a time, Google's
/// errors for a duplicate and a missing secret, and deletion.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secret_manager() {
    let _cell = Cell::new(
        "cloud-sdk",
        "gcp",
        "secret-manager",
        "google-cloud-secretmanager-v1 (Rust)",
    );
    let server = Sockerless::start(&["sim", "gcp", "--port", "0"], &["gcp"]);
    let client = SecretManagerService::builder()
        .with_endpoint(server.url("gcp"))
        .with_credentials(anonymous::Builder::new().build())
        .build()
        .await
        .expect("secret manager client");
    let automatic = || {
        Secret::new()
            .set_replication(Replication::new().set_automatic(replication::Automatic::new()))
            .set_labels([("team", "blue")])
    };
    for id in ["alpha", "beta", "gamma"] {
        let secret = client
            .create_secret()
            .set_parent("projects/p")
            .set_secret_id(id)
            .set_secret(automatic())
            .send()
            .await
            .expect("create_secret");
        assert!(
            secret.name.ends_with(&format!("/secrets/{id}")),
            "{}",
            secret.name
        );
        assert_eq!(secret.labels.get("team").map(String::as_str), Some("blue"));
    }
    let duplicate = client
        .create_secret()
        .set_parent("projects/p")
        .set_secret_id("alpha")
        .set_secret(automatic())
        .send()
        .await
        .expect_err("a duplicate secret");
    assert_eq!(
        duplicate.status().map(|s| s.code),
        Some(Code::AlreadyExists),
        "{duplicate:?}"
    );

    let alpha = "projects/p/secrets/alpha";
    let first = client
        .add_secret_version()
        .set_parent(alpha)
        .set_payload(SecretPayload::new().set_data(bytes::Bytes::from_static(b"s3cr3t-1")))
        .send()
        .await
        .expect("add version 1");
    assert!(
        first.name.ends_with("/secrets/alpha/versions/1"),
        "{}",
        first.name
    );
    client
        .add_secret_version()
        .set_parent(alpha)
        .set_payload(SecretPayload::new().set_data(bytes::Bytes::from_static(b"s3cr3t-2")))
        .send()
        .await
        .expect("add version 2");
    let latest = client
        .access_secret_version()
        .set_name(format!("{alpha}/versions/latest"))
        .send()
        .await
        .expect("access latest");
    let payload = latest.payload.expect("payload");
    assert_eq!(payload.data.as_ref(), b"s3cr3t-2");
    assert!(payload.data_crc32c.is_some(), "the payload's CRC32C");
    assert!(latest.name.ends_with("/versions/2"), "{}", latest.name);

    client
        .disable_secret_version()
        .set_name(format!("{alpha}/versions/1"))
        .send()
        .await
        .expect("disable version 1");
    let disabled = client
        .access_secret_version()
        .set_name(format!("{alpha}/versions/1"))
        .send()
        .await
        .expect_err("a disabled version");
    assert_eq!(
        disabled.status().map(|s| s.code),
        Some(Code::FailedPrecondition),
        "{disabled:?}"
    );

    // Three secrets, one a page.
    let mut pages = client
        .list_secrets()
        .set_parent("projects/p")
        .set_page_size(1)
        .by_page();
    let mut listed = Vec::new();
    let mut page_count = 0;
    while let Some(page) = pages.next().await {
        let page = page.expect("page");
        page_count += 1;
        listed.extend(page.secrets.into_iter().map(|s| s.name));
    }
    assert_eq!(page_count, 3, "{listed:?}");
    let ids: Vec<&str> = listed
        .iter()
        .filter_map(|name| name.rsplit('/').next())
        .collect();
    assert_eq!(ids, ["alpha", "beta", "gamma"]);

    client
        .delete_secret()
        .set_name("projects/p/secrets/beta")
        .send()
        .await
        .expect("delete");
    let missing = client
        .get_secret()
        .set_name("projects/p/secrets/beta")
        .send()
        .await
        .expect_err("a deleted secret");
    assert_eq!(
        missing.status().map(|s| s.code),
        Some(Code::NotFound),
        "{missing:?}"
    );
}

/// google-cloud-run-v2 and google-cloud-logging-v2 1.15 over REST: a job of three tasks whose
/// command is `echo task $CLOUD_RUN_TASK_INDEX; exit $CLOUD_RUN_TASK_INDEX`, created and run
/// through their long-running operations (the client's poller); the execution counts one
/// succeeded and two failed tasks, its `Completed` condition failed, each task its exit code;
/// Logging answers exactly the three stdout lines under the execution's label, a page at a
/// time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_job_and_logging() {
    use google_cloud_lro::Poller;
    use google_cloud_run_v2::client::{Jobs, Tasks};
    use google_cloud_run_v2::model::{
        Container, ExecutionTemplate, Job, TaskTemplate, condition::State,
    };

    let _cell = Cell::new(
        "cloud-sdk",
        "gcp",
        "run-jobs",
        "google-cloud-run-v2 + google-cloud-logging-v2 (Rust)",
    );
    let server = Sockerless::start(&["sim", "gcp", "--port", "0"], &["gcp"]);
    let jobs = Jobs::builder()
        .with_endpoint(server.url("gcp"))
        .with_credentials(anonymous::Builder::new().build())
        .build()
        .await
        .expect("jobs client");
    let tasks = Tasks::builder()
        .with_endpoint(server.url("gcp"))
        .with_credentials(anonymous::Builder::new().build())
        .build()
        .await
        .expect("tasks client");
    let parent = "projects/p/locations/us-central1";
    let job = Job::new().set_template(
        ExecutionTemplate::new().set_task_count(3).set_template(
            TaskTemplate::new()
                .set_max_retries(0)
                .set_containers([Container::new()
                    .set_image("localhost/busybox")
                    .set_command(["sh", "-c"])
                    .set_args(["echo task $CLOUD_RUN_TASK_INDEX; exit $CLOUD_RUN_TASK_INDEX"])]),
        ),
    );
    let created = jobs
        .create_job()
        .set_parent(parent)
        .set_job_id("rust-tasks")
        .set_job(job.clone())
        .poller()
        .until_done()
        .await
        .expect("create_job");
    assert_eq!(created.name, format!("{parent}/jobs/rust-tasks"));
    let duplicate = jobs
        .create_job()
        .set_parent(parent)
        .set_job_id("rust-tasks")
        .set_job(job)
        .send()
        .await
        .expect_err("a duplicate job");
    assert_eq!(
        duplicate.status().map(|s| s.code),
        Some(Code::AlreadyExists),
        "{duplicate:?}"
    );

    let execution = jobs
        .run_job()
        .set_name(&created.name)
        .poller()
        .until_done()
        .await
        .expect("run_job");
    assert_eq!(
        (
            execution.task_count,
            execution.succeeded_count,
            execution.failed_count
        ),
        (3, 1, 2),
        "{execution:?}"
    );
    let completed = execution
        .conditions
        .iter()
        .find(|c| c.r#type == "Completed")
        .expect("a Completed condition");
    assert_eq!(completed.state, State::ConditionFailed, "{completed:?}");
    let mut pages = tasks.list_tasks().set_parent(&execution.name).by_page();
    let mut exit_codes = Vec::new();
    while let Some(page) = pages.next().await {
        for task in page.expect("tasks page").tasks {
            let code = task.last_attempt_result.map(|r| r.exit_code);
            exit_codes.push((task.index, code));
        }
    }
    exit_codes.sort();
    assert_eq!(exit_codes, [(0, Some(0)), (1, Some(1)), (2, Some(2))]);

    let logging = google_cloud_logging_v2::client::LoggingServiceV2::builder()
        .with_endpoint(server.url("gcp"))
        .with_credentials(anonymous::Builder::new().build())
        .build()
        .await
        .expect("logging client");
    let execution_id = execution.name.rsplit('/').next().unwrap_or_default();
    let mut pages = logging
        .list_log_entries()
        .set_resource_names(["projects/p"])
        .set_filter(format!(
            r#"labels."run.googleapis.com/execution_name"="{execution_id}" AND logName="projects/p/logs/run.googleapis.com%2Fstdout""#
        ))
        .set_order_by("timestamp asc")
        .set_page_size(1)
        .by_page();
    let mut lines = Vec::new();
    while let Some(page) = pages.next().await {
        for entry in page.expect("entries page").entries {
            assert_eq!(
                entry.resource.as_ref().map(|r| r.r#type.as_str()),
                Some("cloud_run_job")
            );
            lines.extend(entry.text_payload().cloned());
        }
    }
    lines.sort();
    assert_eq!(lines, ["task 0", "task 1", "task 2"]);
}
