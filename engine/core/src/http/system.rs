//! `/_ping`, `/version`, `/info`, `/events`, `/auth`.

use std::sync::Arc;

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;

use super::query::Query;
use super::{Daemon, HandlerResult, MAX_API_VERSION, MIN_API_VERSION, json};
use crate::api::{ComponentVersion, PlatformName, Version};
use crate::error::EngineError;

fn api_version() -> String {
    format!("{}.{}", MAX_API_VERSION.0, MAX_API_VERSION.1)
}

/// The engine's version: Sockerless's own, never a Docker release it is not.
pub const ENGINE_VERSION: &str = env!("CARGO_PKG_VERSION");

fn architecture() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => other,
    }
}

fn kernel_version() -> String {
    std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map(|text| text.trim().to_string())
        .unwrap_or_default()
}

/// `GET`/`HEAD /_ping`: the headers the CLI negotiates with.
pub fn ping(head: bool) -> Response {
    let body = if head {
        Body::empty()
    } else {
        Body::from("OK")
    };
    Response::builder()
        .status(http::StatusCode::OK)
        .header("Api-Version", api_version())
        .header("Docker-Experimental", "false")
        .header("Ostype", "linux")
        .header("Swarm", "inactive")
        .header("Builder-Version", "1")
        .header(
            http::header::CACHE_CONTROL,
            "no-cache, no-store, must-revalidate",
        )
        .header(http::header::PRAGMA, "no-cache")
        .header(http::header::CONTENT_TYPE, "text/plain; charset=utf-8")
        .body(body)
        .unwrap_or_else(|_| Response::new(Body::empty()))
}

pub async fn version(daemon: &Arc<Daemon>) -> HandlerResult {
    let min = format!("{}.{}", MIN_API_VERSION.0, MIN_API_VERSION.1);
    let details = serde_json::json!({
        "ApiVersion": api_version(),
        "Arch": architecture(),
        "BuildTime": "",
        "Experimental": "false",
        "GitCommit": "",
        "GoVersion": "",
        "KernelVersion": kernel_version(),
        "MinAPIVersion": min,
        "Os": "linux",
        "Backend": daemon.backend.name(),
    });
    let version = Version {
        platform: PlatformName {
            name: "Sockerless Engine".into(),
        },
        components: vec![ComponentVersion {
            name: "Engine".into(),
            version: ENGINE_VERSION.into(),
            details: Some(details),
        }],
        version: ENGINE_VERSION.into(),
        api_version: api_version(),
        min_api_version: min,
        git_commit: String::new(),
        go_version: String::new(),
        os: "linux".into(),
        arch: architecture().into(),
        kernel_version: kernel_version(),
        build_time: String::new(),
    };
    Ok(json(http::StatusCode::OK, &version))
}

fn memory_total() -> u64 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find(|line| line.starts_with("MemTotal:"))
                .and_then(|line| line.split_whitespace().nth(1))
                .and_then(|kib| kib.parse::<u64>().ok())
        })
        .map_or(0, |kib| kib * 1024)
}

fn cgroup_version() -> &'static str {
    if std::path::Path::new("/sys/fs/cgroup/cgroup.controllers").exists() {
        "2"
    } else {
        "1"
    }
}

pub async fn info(daemon: &Arc<Daemon>) -> HandlerResult {
    let backend = daemon.backend.info().await;
    let runtimes: serde_json::Map<String, serde_json::Value> = backend
        .runtimes
        .iter()
        .map(|(name, path)| (name.clone(), serde_json::json!({ "path": path })))
        .collect();
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    let info = serde_json::json!({
        "ID": daemon.id,
        "Containers": backend.containers,
        "ContainersRunning": backend.running,
        "ContainersPaused": backend.paused,
        "ContainersStopped": backend.stopped,
        "Images": backend.images,
        "Driver": backend.driver,
        "DriverStatus": backend.driver_status,
        "Plugins": {
            "Volume": ["local"],
            "Network": ["bridge", "host", "null"],
            "Authorization": null,
            "Log": ["json-file"],
        },
        "MemoryLimit": false,
        "SwapLimit": false,
        "CpuCfsPeriod": false,
        "CpuCfsQuota": false,
        "CPUShares": false,
        "CPUSet": false,
        "PidsLimit": false,
        "IPv4Forwarding": false,
        "Debug": false,
        "NFd": 0,
        "OomKillDisable": false,
        "NGoroutines": 0,
        "SystemTime": crate::api::rfc3339_nanos(daemon.clock.now()),
        "LoggingDriver": "json-file",
        "CgroupDriver": "cgroupfs",
        "CgroupVersion": cgroup_version(),
        "NEventsListener": 0,
        "KernelVersion": kernel_version(),
        "OperatingSystem": "Sockerless",
        "OSVersion": ENGINE_VERSION,
        "OSType": "linux",
        "Architecture": std::env::consts::ARCH,
        "IndexServerAddress": "https://index.docker.io/v1/",
        "RegistryConfig": {
            "InsecureRegistryCIDRs": ["127.0.0.0/8"],
            "IndexConfigs": {},
            "Mirrors": [],
        },
        "NCPU": cpus,
        "MemTotal": memory_total(),
        "GenericResources": null,
        "DockerRootDir": backend.root_dir,
        "HttpProxy": "",
        "HttpsProxy": "",
        "NoProxy": "",
        "Name": daemon.name,
        "Labels": [format!("sockerless.backend={}", daemon.backend.name())],
        "ExperimentalBuild": false,
        "ServerVersion": ENGINE_VERSION,
        "Runtimes": runtimes,
        "DefaultRuntime": backend.default_runtime,
        "Swarm": {
            "NodeID": "",
            "NodeAddr": "",
            "LocalNodeState": "inactive",
            "ControlAvailable": false,
            "Error": "",
            "RemoteManagers": null,
        },
        "LiveRestoreEnabled": false,
        "Isolation": "",
        "InitBinary": "",
        "ContainerdCommit": { "ID": "" },
        "RuncCommit": { "ID": "" },
        "InitCommit": { "ID": "" },
        "SecurityOptions": [],
        "Warnings": null,
    });
    // The system time is the host's wall clock, as Docker reports it; everything the
    // backends record comes from the kit's clock.
    Ok(json(http::StatusCode::OK, &info))
}

/// Parses `since`/`until` (seconds, possibly fractional, or RFC 3339) into nanoseconds.
fn event_time(text: Option<&str>, name: &str) -> Result<Option<i64>, EngineError> {
    let Some(text) = text.filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    if let Ok(seconds) = text.parse::<f64>() {
        return Ok(Some((seconds * 1e9) as i64));
    }
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .map(|time| Some(time.unix_timestamp_nanos() as i64))
        .map_err(|_| EngineError::InvalidParameter(format!("invalid value for {name}: {text:?}")))
}

/// `GET /events`: past events since `since`, then live ones until `until` (or forever).
pub fn events(daemon: &Arc<Daemon>, query: &Query) -> HandlerResult {
    let since = event_time(query.get("since"), "since")?;
    let until = event_time(query.get("until"), "until")?;
    let filters = query.filters()?;
    let (past, mut live) = daemon.events.subscribe(since);
    let now = daemon.events.now_nanos();
    let until_passed = until.is_some_and(|until| until <= now);
    let stream = async_stream(
        move |sender: tokio::sync::mpsc::Sender<bytes::Bytes>| async move {
            let send = |event: &crate::api::Event| {
                let mut line = serde_json::to_vec(event).unwrap_or_default();
                line.push(b'\n');
                bytes::Bytes::from(line)
            };
            for event in past.iter().filter(|e| crate::events::matches(e, &filters)) {
                if until.is_some_and(|until| event.time_nano > until) {
                    continue;
                }
                if sender.send(send(event)).await.is_err() {
                    return;
                }
            }
            if until_passed {
                return;
            }
            let deadline = until.map(|until| {
                let wait = (until - now).max(0) as u64;
                tokio::time::Instant::now() + std::time::Duration::from_nanos(wait)
            });
            loop {
                let next = async {
                    match deadline {
                        Some(deadline) => tokio::time::timeout_at(deadline, live.recv()).await.ok(),
                        None => Some(live.recv().await),
                    }
                };
                match next.await {
                    None => return,
                    Some(Ok(event)) => {
                        if crate::events::matches(&event, &filters)
                            && sender.send(send(&event)).await.is_err()
                        {
                            return;
                        }
                    }
                    Some(Err(tokio::sync::broadcast::error::RecvError::Lagged(_))) => continue,
                    Some(Err(tokio::sync::broadcast::error::RecvError::Closed)) => return,
                }
            }
        },
    );
    Ok((
        [(http::header::CONTENT_TYPE, "application/json")],
        Body::from_stream(stream.map(Ok::<_, std::io::Error>)),
    )
        .into_response())
}

/// A stream fed by a task: `produce` sends items until it returns or the receiver is gone.
pub fn async_stream<T, F, Fut>(produce: F) -> futures_util::stream::BoxStream<'static, T>
where
    T: Send + 'static,
    F: FnOnce(tokio::sync::mpsc::Sender<T>) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let (sender, receiver) = tokio::sync::mpsc::channel(64);
    tokio::spawn(produce(sender));
    futures_util::stream::unfold(receiver, |mut receiver| async move {
        receiver.recv().await.map(|item| (item, receiver))
    })
    .boxed()
}

/// `POST /auth`: the backend checks the credentials with the registry.
pub async fn auth(
    daemon: &Arc<Daemon>,
    parts: &http::request::Parts,
    body: axum::body::Body,
) -> HandlerResult {
    let limit = parts
        .extensions
        .get::<simkit::body::BodyLimit>()
        .map_or(simkit::DEFAULT_BODY_LIMIT, |limit| limit.0);
    let config: crate::api::AuthConfig = super::json_body(body, limit).await?.unwrap_or_default();
    let answer = daemon.backend.auth(config).await?;
    Ok(super::json(http::StatusCode::OK, &answer))
}

/// `GET /system/df`.
pub async fn df(daemon: &Arc<Daemon>) -> HandlerResult {
    let usage = daemon.backend.system_df().await?;
    Ok(json(http::StatusCode::OK, &usage))
}
