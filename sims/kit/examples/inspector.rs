//! inspector: the server time the request inspector adds to one request, measured on the
//! library. Each round builds the request an aws CLI `ecs describe-clusters` call sends (its
//! real headers and body), lets a handler read the body and answer, and reads the answer, once
//! with the inspector recording (a ring of N=1,000, full, so every request also evicts one) and
//! once without. The difference per request is what the inspector costs; the loop runs on two
//! threads at once so evictions free memory another thread allocated, as on the server.
//!
//!     cargo run --release -p simkit --example inspector [-- ITERATIONS]
//!
//! Prints one JSON line: nanoseconds per request with and without, and the difference.
//! The budget is 2 µs per request.
//!
//!     inspector count on|off ITERATIONS
//!
//! runs ITERATIONS requests on one thread after filling the ring, and prints nothing: for a
//! counting tool (valgrind's cachegrind), whose instruction counts do not depend on what else
//! the machine is doing. `scripts/bench` runs it at two lengths and takes the difference, so
//! what happens once (starting, filling the ring) cancels out.

// A benchmark measures wall time.
#![allow(clippy::disallowed_methods)]

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use axum::body::Body;
use bytes::Bytes;
use http_body_util::BodyExt;
use simkit::inspector::{Annotation, Inspector};

// The allocator the `sockerless` binary runs on: what recording costs depends on it (glibc's
// malloc spent about 2,000 instructions per request here on the inspector's few allocations).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const REQUEST_BODY: &str = r#"{"clusters":["bench"]}"#;
const RESPONSE_BODY: &str = r#"{"clusters":[{"clusterArn":"arn:aws:ecs:us-east-1:123456789012:cluster/bench","clusterName":"bench","status":"ACTIVE","registeredContainerInstancesCount":0,"runningTasksCount":0,"pendingTasksCount":0,"activeServicesCount":0,"statistics":[],"tags":[],"settings":[{"name":"containerInsights","value":"disabled"}],"capacityProviders":[],"defaultCapacityProviderStrategy":[]}],"failures":[]}"#;

fn request() -> axum::extract::Request {
    http::Request::builder()
        .method("POST")
        .uri("/")
        .header("host", "127.0.0.1:4566")
        .header("accept-encoding", "identity")
        .header("x-amz-target", "AmazonEC2ContainerServiceV20141113.DescribeClusters")
        .header("content-type", "application/x-amz-json-1.1")
        .header("user-agent", "aws-cli/2.27.0 md/awscrt#0.26.1 ua/2.1 os/linux#6.1.0 md/arch#x86_64 lang/python#3.13.3 md/pyimpl#CPython exec-env/bench m/b,Z cfg/retry-mode#standard md/installer#exe md/distrib#debian.12 md/prompt#off md/command#ecs.describe-clusters")
        .header("x-amz-date", "20261207T093000Z")
        .header("authorization", "AWS4-HMAC-SHA256 Credential=test/20261207/us-east-1/ecs/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=2b2a7a5f61e6ed8d3e3c3b7d31fbbfa3b5d6c3d55c0b9e39f0b76a6c9f0f6a3d")
        .header("content-length", REQUEST_BODY.len())
        .body(Body::from(Bytes::from_static(REQUEST_BODY.as_bytes())))
        .expect("a valid request")
}

fn response() -> axum::response::Response {
    http::Response::builder()
        .status(200)
        .header("content-type", "application/x-amz-json-1.1")
        .header("x-amzn-requestid", "0f3c2a8e-4d57-4b0c-9a53-1f2b7c9d8e61")
        .header("content-length", RESPONSE_BODY.len())
        .body(Body::from(Bytes::from_static(RESPONSE_BODY.as_bytes())))
        .expect("a valid response")
}

/// One request through the handler's and the client's reads, recorded when `inspector` is on.
async fn one(inspector: &Inspector, client: std::net::SocketAddr) {
    let mut request = request();
    let started = inspector.begin(&mut request, SystemTime::now(), Instant::now());
    if let Some(annotation) = Annotation::of(request.extensions()) {
        annotation.operation("ecs", "DescribeClusters");
    }
    let body = request
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    black_box(body);
    let mut answer = response();
    if let Some(started) = started {
        inspector.finish(
            started,
            "0f3c2a8e-4d57-4b0c-9a53-1f2b7c9d8e61",
            Some(client),
            &mut answer,
            Duration::from_micros(20),
        );
    }
    let read = answer.into_body().collect().await.expect("body").to_bytes();
    black_box(read);
}

/// The CPU time (user and system) the calling thread has used so far.
fn thread_cpu() -> Duration {
    use nix::sys::resource::{UsageWho, getrusage};
    let usage = getrusage(UsageWho::RUSAGE_THREAD).expect("getrusage of this thread");
    let micros = |time: nix::sys::time::TimeVal| {
        Duration::from_secs(time.tv_sec() as u64) + Duration::from_micros(time.tv_usec() as u64)
    };
    micros(usage.user_time()) + micros(usage.system_time())
}

/// CPU nanoseconds per request over `iterations`, on two threads sharing one inspector. CPU
/// time, not wall time: the machine is shared, and a thread waiting for a core costs nothing.
fn measure(inspector: Arc<Inspector>, iterations: u32) -> f64 {
    let threads: Vec<_> = (0..2)
        .map(|_| {
            let inspector = inspector.clone();
            std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .build()
                    .expect("a runtime");
                let client = "127.0.0.1:50000".parse().expect("an address");
                let before = thread_cpu();
                runtime.block_on(async {
                    for _ in 0..iterations / 2 {
                        one(&inspector, client).await;
                    }
                });
                thread_cpu() - before
            })
        })
        .collect();
    let spent: Duration = threads
        .into_iter()
        .map(|thread| thread.join().expect("the thread finished"))
        .sum();
    spent.as_nanos() as f64 / f64::from(iterations)
}

/// `count on|off ITERATIONS`: requests on this thread only, for an instruction counter.
fn count(recording: bool, iterations: u32) {
    let inspector = Inspector::new(if recording {
        simkit::inspector::DEFAULT_SIZE
    } else {
        0
    });
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime");
    let client = "127.0.0.1:50000".parse().expect("an address");
    runtime.block_on(async {
        // Fill the ring, so every counted request also evicts one.
        for _ in 0..2 * simkit::inspector::DEFAULT_SIZE + iterations as usize {
            one(&inspector, client).await;
        }
    });
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("count") {
        let recording = args.get(2).map(String::as_str) == Some("on");
        let iterations = args.get(3).and_then(|n| n.parse().ok()).unwrap_or(10_000);
        return count(recording, iterations);
    }
    let iterations: u32 = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(400_000);
    let on = Arc::new(Inspector::new(simkit::inspector::DEFAULT_SIZE));
    let off = Arc::new(Inspector::new(0));
    // Fill the ring first, so every measured request also evicts one.
    measure(on.clone(), 4_000);
    let mut rounds = Vec::new();
    for _ in 0..5 {
        let with = measure(on.clone(), iterations);
        let without = measure(off.clone(), iterations);
        rounds.push((with, without));
    }
    // The median round by difference: the machine is shared and noisy.
    rounds.sort_by(|a, b| (a.0 - a.1).total_cmp(&(b.0 - b.1)));
    let (with, without) = rounds[rounds.len() / 2];
    println!(
        "{}",
        serde_json::json!({
            "ns_on": with.round(),
            "ns_off": without.round(),
            "ns_added": (with - without).round(),
            "rounds": rounds.iter().map(|(a, b)| (a - b).round()).collect::<Vec<_>>(),
            "held": on.len(),
        })
    );
}
