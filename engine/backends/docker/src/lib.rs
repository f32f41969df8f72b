//! backend-docker: the engine's passthrough backend. Every call of the [`Backend`] trait is
//! made on a real Docker Engine API daemon (`--backend docker --upstream unix:///PATH` or
//! `tcp://HOST:PORT`; Podman's `podman system service` on these machines), and its answer is
//! brought back into the engine's API types: containers, images, logs, attach and exec
//! (hijacked both ways), wait, commit, and the upstream's events relayed into the engine's bus.
//!
//! | module | holds |
//! |---|---|
//! | [`upstream`] | the client: endpoint, connections, version prefix, upstream errors |
//! | [`files`] | `docker cp`, `export` and `diff` relayed |
//! | [`frames`] | the upstream's multiplexed or raw output read back into chunks |
//! | [`shapes`] | upstream JSON filled to Docker's shape before decoding |
//! | [`relay`] | the upstream's `/events` republished on the engine's bus |
//!
//! It is the reference the other backends are held to: what a client sees through it is what
//! the upstream daemon does. An upstream error keeps its status and message unchanged (Podman's
//! own words included); what is not relayed yet answers the engine's 501 naming this backend.
//!
//! What this crate must not do: answer for the upstream (no cached or invented state: every
//! answer is the upstream's), or keep records of its own.

pub mod files;
pub mod frames;
pub mod relay;
pub mod shapes;
pub mod upstream;

use std::path::PathBuf;
use std::sync::Arc;

use bytes::Bytes;
use engine_core::api::*;
use engine_core::backend::{AttachOptions, Attached, Backend, Logs, Progress, Result};
use engine_core::{EngineError, Events};
use futures_util::StreamExt;
use http::Method;
use serde_json::Value;
use tokio::io::AsyncWriteExt;

use upstream::{Endpoint, Upstream, path_segment, query};

/// The docker backend.
pub struct DockerBackend {
    upstream: Arc<Upstream>,
    relay: relay::Relay,
}

impl std::fmt::Debug for DockerBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DockerBackend")
            .field("upstream", self.upstream.endpoint())
            .finish()
    }
}

impl DockerBackend {
    /// The backend over the daemon at `upstream` (`unix:///PATH` or `tcp://HOST:PORT`); its
    /// events are relayed into `events`. Must be called inside the engine's runtime.
    pub fn open(upstream: &str, events: &Events) -> std::result::Result<Arc<Self>, String> {
        let endpoint = Endpoint::parse(upstream)?;
        let upstream = Arc::new(Upstream::new(endpoint));
        let relay = relay::Relay::start(upstream.clone(), events.clone());
        Ok(Arc::new(Self { upstream, relay }))
    }

    fn container_path(id: &str, action: &str) -> String {
        format!("/containers/{}{action}", path_segment(id))
    }

    fn image_path(name: &str, action: &str) -> String {
        format!("/images/{}{action}", path_segment(name))
    }

    /// Whether the container has a TTY, which decides how its output is framed.
    async fn has_tty(&self, id: &str) -> Result<bool> {
        Ok(self.container_inspect(id).await?.config.tty)
    }

    /// A call the upstream answers with no body worth reading (204, 201).
    async fn act(&self, method: Method, path: &str) -> Result<()> {
        self.relay.ready().await;
        self.upstream.call(method, path, None).await.map(|_| ())
    }
}

/// `true`/`false` as query values.
fn flag(value: bool) -> String {
    if value { "true" } else { "false" }.into()
}

/// Seconds as Docker's `since`/`until` take them: whole, or with nanoseconds.
fn timestamp(seconds: f64) -> String {
    if seconds.fract() == 0.0 {
        format!("{}", seconds as i64)
    } else {
        format!("{seconds:.9}")
    }
}

fn filters_json(filters: &Filters) -> Result<String> {
    serde_json::to_string(filters).map_err(EngineError::internal)
}

/// Relays a progress stream (pull, load): each JSON message goes to `progress` as the upstream
/// sent it, its in-stream errors included (the CLI prints them and exits 1), so the client sees
/// the upstream's stream unchanged.
async fn relay_progress(body: hyper::body::Incoming, progress: &Progress) -> Result<()> {
    relay_progress_shaped(body, progress, shapes::unchanged).await
}

/// [`relay_progress`], each message brought into Docker's shape by `shape` first.
async fn relay_progress_shaped(
    body: hyper::body::Incoming,
    progress: &Progress,
    shape: fn(&mut serde_json::Value),
) -> Result<()> {
    let mut messages = relay::json_values(body);
    while let Some(mut value) = messages.next().await {
        shape(&mut value);
        if let Ok(message) = serde_json::from_value::<ProgressMessage>(value) {
            let _ = progress.send(message).await;
        }
    }
    Ok(())
}

/// A file streamed as a request body, in 64 KiB pieces.
async fn file_body(path: &std::path::Path) -> Result<upstream::RequestBody> {
    use http_body_util::BodyExt;
    use tokio::io::AsyncReadExt;
    let file = tokio::fs::File::open(path)
        .await
        .map_err(EngineError::internal)?;
    let pieces = futures_util::stream::unfold(file, |mut file| async move {
        let mut buffer = vec![0u8; 64 * 1024];
        match file.read(&mut buffer).await {
            Ok(0) => None,
            Ok(read) => {
                buffer.truncate(read);
                Some((Ok(hyper::body::Frame::data(Bytes::from(buffer))), file))
            }
            Err(error) => Some((Err(error), file)),
        }
    });
    Ok(BodyExt::boxed(http_body_util::StreamBody::new(pieces)))
}

/// Docker's wait answer, with an empty `Error` (Podman sends `{"Message":""}`) read as none:
/// the CLI prints any `Error` it gets as a failure.
fn wait_answer(bytes: &[u8]) -> WaitResponse {
    match serde_json::from_slice::<WaitResponse>(bytes) {
        Ok(mut answer) => {
            if answer
                .error
                .as_ref()
                .is_some_and(|error| error.message.is_empty())
            {
                answer.error = None;
            }
            answer
        }
        Err(error) => WaitResponse {
            status_code: -1,
            error: Some(WaitError {
                message: format!("the upstream's wait answer could not be read: {error}"),
            }),
        },
    }
}

#[async_trait::async_trait]
impl Backend for DockerBackend {
    fn name(&self) -> &'static str {
        "docker"
    }

    async fn info(&self) -> BackendInfo {
        let info: Value = match self
            .upstream
            .json(Method::GET, "/info", None, shapes::unchanged)
            .await
        {
            Ok(info) => info,
            Err(error) => {
                return BackendInfo {
                    driver_status: vec![["Upstream".into(), error.to_string()]],
                    ..BackendInfo::default()
                };
            }
        };
        let count = |key: &str| info.get(key).and_then(Value::as_u64).unwrap_or(0);
        let text = |key: &str| {
            info.get(key)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        let mut driver_status: Vec<[String; 2]> = info
            .get("DriverStatus")
            .and_then(Value::as_array)
            .map(|pairs| {
                pairs
                    .iter()
                    .filter_map(|pair| {
                        let pair = pair.as_array()?;
                        Some([
                            pair.first()?.as_str()?.to_string(),
                            pair.get(1)?.as_str()?.to_string(),
                        ])
                    })
                    .collect()
            })
            .unwrap_or_default();
        driver_status.push(["Upstream".into(), self.upstream.endpoint().to_string()]);
        let runtimes = info
            .get("Runtimes")
            .and_then(Value::as_object)
            .map(|runtimes| {
                runtimes
                    .iter()
                    .map(|(name, runtime)| {
                        let path = runtime.get("path").and_then(Value::as_str).unwrap_or(name);
                        (name.clone(), path.to_string())
                    })
                    .collect()
            })
            .unwrap_or_default();
        BackendInfo {
            containers: count("Containers"),
            running: count("ContainersRunning"),
            paused: count("ContainersPaused"),
            stopped: count("ContainersStopped"),
            images: count("Images"),
            driver: text("Driver"),
            driver_status,
            runtimes,
            default_runtime: text("DefaultRuntime"),
            root_dir: text("DockerRootDir"),
        }
    }

    async fn images(&self, all: bool, filters: &Filters) -> Result<Vec<ImageSummary>> {
        let mut pairs = vec![("all", flag(all))];
        if !filters.is_empty() {
            pairs.push(("filters", filters_json(filters)?));
        }
        let path = format!("/images/json{}", query(&pairs));
        self.upstream
            .json(Method::GET, &path, None, shapes::image_summaries)
            .await
    }

    async fn image_inspect(&self, name: &str) -> Result<ImageInspect> {
        self.upstream
            .json(
                Method::GET,
                &Self::image_path(name, "/json"),
                None,
                shapes::image_inspect,
            )
            .await
    }

    async fn image_tag(&self, name: &str, repository: &str, tag: &str) -> Result<()> {
        let path = Self::image_path(
            name,
            &format!(
                "/tag{}",
                query(&[("repo", repository.into()), ("tag", tag.into())])
            ),
        );
        self.act(Method::POST, &path).await
    }

    async fn image_remove(
        &self,
        name: &str,
        force: bool,
        prune: bool,
    ) -> Result<Vec<ImageDeleted>> {
        self.relay.ready().await;
        let path = Self::image_path(
            name,
            &query(&[("force", flag(force)), ("noprune", flag(!prune))]),
        );
        let items: Vec<Value> = self
            .upstream
            .json(Method::DELETE, &path, None, shapes::unchanged)
            .await?;
        let mut deleted = Vec::new();
        for item in items {
            let field = |key: &str| {
                item.get(key)
                    .and_then(Value::as_str)
                    .filter(|text| !text.is_empty())
                    .map(String::from)
            };
            if let Some(untagged) = field("Untagged") {
                deleted.push(ImageDeleted::Untagged(untagged));
            }
            if let Some(id) = field("Deleted") {
                deleted.push(ImageDeleted::Deleted(id));
            }
        }
        Ok(deleted)
    }

    async fn image_load(&self, archive: PathBuf, progress: Progress) -> Result<()> {
        self.relay.ready().await;
        let body = file_body(&archive).await?;
        let response = self
            .upstream
            .open(
                Method::POST,
                "/images/load",
                body,
                &[("Content-Type", "application/x-tar".into())],
            )
            .await?;
        relay_progress(response.into_body(), &progress).await
    }

    async fn image_import(
        &self,
        archive: PathBuf,
        options: ImportOptions,
        progress: Progress,
    ) -> Result<()> {
        let mut pairs = vec![("fromSrc", "-".to_string())];
        for (name, value) in [
            ("repo", options.repo),
            ("tag", options.tag),
            ("message", options.message),
        ] {
            if !value.is_empty() {
                pairs.push((name, value));
            }
        }
        for change in options.changes {
            pairs.push(("changes", change));
        }
        self.relay.ready().await;
        let body = file_body(&archive).await?;
        let response = self
            .upstream
            .open(
                Method::POST,
                &format!("/images/create{}", query(&pairs)),
                body,
                &[("Content-Type", "application/x-tar".into())],
            )
            .await?;
        relay_progress_shaped(response.into_body(), &progress, shapes::import_message).await
    }

    async fn image_pull(
        &self,
        image: &str,
        tag: &str,
        auth: Option<String>,
        progress: Progress,
    ) -> Result<()> {
        self.relay.ready().await;
        let mut pairs = vec![("fromImage", image.to_string())];
        if !tag.is_empty() {
            pairs.push(("tag", tag.to_string()));
        }
        let headers: Vec<(&str, String)> = auth
            .into_iter()
            .map(|auth| ("X-Registry-Auth", auth))
            .collect();
        let response = self
            .upstream
            .open(
                Method::POST,
                &format!("/images/create{}", query(&pairs)),
                upstream::empty(),
                &headers,
            )
            .await?;
        relay_progress(response.into_body(), &progress).await
    }

    async fn container_create(
        &self,
        name: Option<String>,
        body: ContainerCreate,
    ) -> Result<ContainerCreated> {
        self.relay.ready().await;
        let pairs: Vec<(&str, String)> = name.into_iter().map(|name| ("name", name)).collect();
        let body = serde_json::to_value(&body).map_err(EngineError::internal)?;
        self.upstream
            .json(
                Method::POST,
                &format!("/containers/create{}", query(&pairs)),
                Some(body),
                shapes::container_created,
            )
            .await
    }

    async fn container_start(&self, id: &str) -> Result<()> {
        self.act(Method::POST, &Self::container_path(id, "/start"))
            .await
    }

    async fn container_stop(
        &self,
        id: &str,
        signal: Option<String>,
        timeout: Option<i64>,
    ) -> Result<()> {
        let mut pairs = Vec::new();
        if let Some(timeout) = timeout {
            pairs.push(("t", timeout.to_string()));
        }
        if let Some(signal) = signal {
            pairs.push(("signal", signal));
        }
        self.act(
            Method::POST,
            &Self::container_path(id, &format!("/stop{}", query(&pairs))),
        )
        .await
    }

    async fn container_restart(
        &self,
        id: &str,
        signal: Option<String>,
        timeout: Option<i64>,
    ) -> Result<()> {
        let mut pairs = Vec::new();
        if let Some(timeout) = timeout {
            pairs.push(("t", timeout.to_string()));
        }
        if let Some(signal) = signal {
            pairs.push(("signal", signal));
        }
        self.act(
            Method::POST,
            &Self::container_path(id, &format!("/restart{}", query(&pairs))),
        )
        .await
    }

    async fn container_kill(&self, id: &str, signal: Option<String>) -> Result<()> {
        let pairs: Vec<(&str, String)> = signal.into_iter().map(|s| ("signal", s)).collect();
        self.act(
            Method::POST,
            &Self::container_path(id, &format!("/kill{}", query(&pairs))),
        )
        .await
    }

    async fn container_wait(
        &self,
        id: &str,
        condition: WaitCondition,
    ) -> Result<futures_util::future::BoxFuture<'static, WaitResponse>> {
        let condition = match condition {
            WaitCondition::NotRunning => "not-running",
            WaitCondition::NextExit => "next-exit",
            WaitCondition::Removed => "removed",
        };
        // The upstream sends the answer's head at once (an unknown container is its 404 now)
        // and the body when the condition is met.
        let response = self
            .upstream
            .open(
                Method::POST,
                &Self::container_path(
                    id,
                    &format!("/wait{}", query(&[("condition", condition.into())])),
                ),
                upstream::empty(),
                &[],
            )
            .await?;
        Ok(Box::pin(async move {
            match upstream::read_all(response.into_body()).await {
                Ok(bytes) => wait_answer(&bytes),
                Err(error) => WaitResponse {
                    status_code: -1,
                    error: Some(WaitError {
                        message: error.to_string(),
                    }),
                },
            }
        }))
    }

    async fn container_remove(&self, id: &str, force: bool, volumes: bool) -> Result<()> {
        let path =
            Self::container_path(id, &query(&[("force", flag(force)), ("v", flag(volumes))]));
        let mut attempts = 0;
        loop {
            match self.act(Method::DELETE, &path).await {
                // Podman's forced removal races its own restart policy: a container
                // between two runs answers "container state improper" to the SIGKILL
                // it sends first. Docker removes such a container, so ask again.
                Err(EngineError::Internal(message))
                    if force && message.contains("container state improper") && attempts < 50 =>
                {
                    attempts += 1;
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                }
                answer => return answer,
            }
        }
    }

    async fn container_rename(&self, id: &str, name: &str) -> Result<()> {
        self.act(
            Method::POST,
            &Self::container_path(id, &format!("/rename{}", query(&[("name", name.into())]))),
        )
        .await
    }

    async fn system_df(&self) -> Result<SystemDf> {
        self.relay.ready().await;
        self.upstream
            .json(Method::GET, "/system/df", None, shapes::system_df)
            .await
    }

    async fn container_pause(&self, id: &str) -> Result<()> {
        self.act(Method::POST, &Self::container_path(id, "/pause"))
            .await
    }

    async fn container_unpause(&self, id: &str) -> Result<()> {
        self.act(Method::POST, &Self::container_path(id, "/unpause"))
            .await
    }

    async fn container_top(&self, id: &str, ps_args: &str) -> Result<ContainerTop> {
        let mut pairs = Vec::new();
        if !ps_args.is_empty() {
            pairs.push(("ps_args", ps_args.to_string()));
        }
        self.upstream
            .json(
                Method::GET,
                &Self::container_path(id, &format!("/top{}", query(&pairs))),
                None,
                |value| {
                    // An upstream may answer `null` for a container with no rows.
                    if value
                        .get("Processes")
                        .is_some_and(serde_json::Value::is_null)
                    {
                        value["Processes"] = serde_json::json!([]);
                    }
                },
            )
            .await
    }

    async fn container_stats(
        &self,
        id: &str,
        stream: bool,
        one_shot: bool,
    ) -> Result<futures_util::stream::BoxStream<'static, ContainerStats>> {
        let mut pairs = vec![("stream", flag(stream))];
        if one_shot {
            pairs.push(("one-shot", flag(true)));
        }
        let response = self
            .upstream
            .open(
                Method::GET,
                &Self::container_path(id, &format!("/stats{}", query(&pairs))),
                upstream::empty(),
                &[],
            )
            .await?;
        // Each sample in Docker's shape: the name with its slash, fields the upstream leaves
        // out zero, as Docker's own empty sample has them.
        let samples = relay::json_values(response.into_body()).filter_map(|mut value| async move {
            shapes::stats_sample(&mut value);
            serde_json::from_value(value).ok()
        });
        Ok(Box::pin(samples))
    }

    async fn container_update(
        &self,
        id: &str,
        update: ContainerUpdate,
    ) -> Result<ContainerUpdateResponse> {
        let body = serde_json::to_value(&update).map_err(EngineError::internal)?;
        self.upstream
            .json(
                Method::POST,
                &Self::container_path(id, "/update"),
                Some(body),
                |value| {
                    if value
                        .get("Warnings")
                        .is_some_and(serde_json::Value::is_null)
                    {
                        value["Warnings"] = serde_json::json!([]);
                    }
                },
            )
            .await
    }

    async fn container_inspect(&self, id: &str) -> Result<ContainerInspect> {
        self.upstream
            .json(
                Method::GET,
                &Self::container_path(id, "/json"),
                None,
                shapes::container_inspect,
            )
            .await
    }

    async fn containers(&self, options: ListOptions) -> Result<Vec<ContainerSummary>> {
        let mut pairs = vec![("all", flag(options.all))];
        if let Some(limit) = options.limit {
            pairs.push(("limit", limit.to_string()));
        }
        if !options.filters.is_empty() {
            pairs.push(("filters", filters_json(&options.filters)?));
        }
        let mut summaries: Vec<ContainerSummary> = self
            .upstream
            .json(
                Method::GET,
                &format!("/containers/json{}", query(&pairs)),
                None,
                shapes::container_summaries,
            )
            .await?;
        // Docker's listing carries each container's `HostConfig.NetworkMode` (testcontainers
        // reads it there); Podman leaves `HostConfig` out, so it is taken from the upstream's
        // own inspect of the container.
        for summary in &mut summaries {
            if summary.host_config.get("NetworkMode").is_some() {
                continue;
            }
            if let Ok(inspect) = self.container_inspect(&summary.id).await {
                let mode = inspect.host_config.network_mode.clone();
                match summary.host_config.as_object_mut() {
                    Some(host_config) => {
                        host_config.insert("NetworkMode".into(), Value::String(mode));
                    }
                    None => summary.host_config = serde_json::json!({ "NetworkMode": mode }),
                }
            }
        }
        Ok(summaries)
    }

    async fn container_logs(&self, id: &str, options: LogOptions) -> Result<Logs> {
        let tty = self.has_tty(id).await?;
        let mut pairs = vec![
            ("stdout", flag(options.stdout)),
            ("stderr", flag(options.stderr)),
            ("follow", flag(options.follow)),
            ("timestamps", flag(options.timestamps)),
        ];
        if let Some(since) = options.since {
            pairs.push(("since", timestamp(since)));
        }
        if let Some(until) = options.until {
            pairs.push(("until", timestamp(until)));
        }
        if let Some(tail) = options.tail {
            pairs.push(("tail", tail.to_string()));
        }
        let response = self
            .upstream
            .open(
                Method::GET,
                &Self::container_path(id, &format!("/logs{}", query(&pairs))),
                upstream::empty(),
                &[],
            )
            .await?;
        Ok(Logs {
            tty,
            output: frames::from_body(response.into_body(), tty),
        })
    }

    async fn container_attach(&self, id: &str, options: AttachOptions) -> Result<Attached> {
        let tty = self.has_tty(id).await?;
        let pairs = [
            ("stream", flag(options.stream)),
            ("logs", flag(options.logs)),
            ("stdin", flag(options.stdin)),
            ("stdout", flag(options.stdout)),
            ("stderr", flag(options.stderr)),
        ];
        let (upgraded, _content_type) = self
            .upstream
            .hijack(&Self::container_path(
                id,
                &format!("/attach{}", query(&pairs)),
            ))
            .await?;
        let (reader, writer) = tokio::io::split(hyper_util::rt::TokioIo::new(upgraded));
        let stdin = if options.stdin {
            Some(relay_stdin(writer))
        } else {
            None
        };
        Ok(Attached {
            tty,
            output: frames::from_reader(reader, tty),
            stdin,
        })
    }

    async fn exec_create(&self, container: &str, config: ExecConfig) -> Result<String> {
        let body = serde_json::to_value(&config).map_err(EngineError::internal)?;
        self.relay.ready().await;
        let created: ExecCreated = self
            .upstream
            .json(
                Method::POST,
                &Self::container_path(container, "/exec"),
                Some(body),
                shapes::unchanged,
            )
            .await?;
        Ok(created.id)
    }

    async fn exec_start(&self, id: &str, start: ExecStartConfig) -> Result<Option<Attached>> {
        let path = format!("/exec/{}/start", path_segment(id));
        let body = serde_json::to_value(&start).map_err(EngineError::internal)?;
        if start.detach {
            self.upstream.call(Method::POST, &path, Some(body)).await?;
            return Ok(None);
        }
        // The stream is raw when the exec was made with a TTY, whatever the start says.
        let made = self.exec_inspect(id).await?;
        let tty = made.process_config.tty;
        let (upgraded, _content_type) = self.upstream.hijack_with(&path, Some(body)).await?;
        let (reader, writer) = tokio::io::split(hyper_util::rt::TokioIo::new(upgraded));
        let stdin = if made.open_stdin {
            Some(relay_stdin(writer))
        } else {
            None
        };
        Ok(Some(Attached {
            tty,
            output: frames::from_reader(reader, tty),
            stdin,
        }))
    }

    async fn exec_inspect(&self, id: &str) -> Result<ExecInspect> {
        self.upstream
            .json(
                Method::GET,
                &format!("/exec/{}/json", path_segment(id)),
                None,
                shapes::exec_inspect,
            )
            .await
    }

    async fn container_resize(&self, id: &str, height: u32, width: u32) -> Result<()> {
        let pairs = [("h", height.to_string()), ("w", width.to_string())];
        self.upstream
            .call(
                Method::POST,
                &Self::container_path(id, &format!("/resize{}", query(&pairs))),
                None,
            )
            .await
            .map(|_| ())
    }

    async fn exec_resize(&self, id: &str, height: u32, width: u32) -> Result<()> {
        let pairs = [("h", height.to_string()), ("w", width.to_string())];
        self.upstream
            .call(
                Method::POST,
                &format!("/exec/{}/resize{}", path_segment(id), query(&pairs)),
                None,
            )
            .await
            .map(|_| ())
    }

    async fn volume_create(&self, create: VolumeCreate) -> Result<Volume> {
        let body = serde_json::to_value(&create).map_err(EngineError::internal)?;
        self.relay.ready().await;
        self.upstream
            .json(Method::POST, "/volumes/create", Some(body), shapes::volume)
            .await
    }

    async fn volumes(&self, filters: &Filters) -> Result<VolumeList> {
        let mut pairs = Vec::new();
        if !filters.is_empty() {
            pairs.push(("filters", filters_json(filters)?));
        }
        self.upstream
            .json(
                Method::GET,
                &format!("/volumes{}", query(&pairs)),
                None,
                shapes::volume_list,
            )
            .await
    }

    async fn volume_inspect(&self, name: &str) -> Result<Volume> {
        self.upstream
            .json(
                Method::GET,
                &format!("/volumes/{}", path_segment(name)),
                None,
                shapes::volume,
            )
            .await
    }

    async fn volume_remove(&self, name: &str, force: bool) -> Result<()> {
        self.act(
            Method::DELETE,
            &format!(
                "/volumes/{}{}",
                path_segment(name),
                query(&[("force", flag(force))])
            ),
        )
        .await
    }

    async fn volume_prune(&self, filters: &Filters) -> Result<VolumePruneReport> {
        let mut pairs = Vec::new();
        if !filters.is_empty() {
            pairs.push(("filters", filters_json(filters)?));
        }
        self.relay.ready().await;
        self.upstream
            .json(
                Method::POST,
                &format!("/volumes/prune{}", query(&pairs)),
                None,
                |_| {},
            )
            .await
    }

    async fn network_create(&self, create: NetworkCreate) -> Result<NetworkCreated> {
        let body = serde_json::to_value(&create).map_err(EngineError::internal)?;
        self.relay.ready().await;
        self.upstream
            .json(Method::POST, "/networks/create", Some(body), |_| {})
            .await
    }

    async fn networks(&self, filters: &Filters) -> Result<Vec<Network>> {
        let mut pairs = Vec::new();
        if !filters.is_empty() {
            pairs.push(("filters", filters_json(filters)?));
        }
        self.upstream
            .json(
                Method::GET,
                &format!("/networks{}", query(&pairs)),
                None,
                shapes::network_list,
            )
            .await
    }

    async fn network_inspect(&self, reference: &str) -> Result<Network> {
        self.upstream
            .json(
                Method::GET,
                &format!("/networks/{}", path_segment(reference)),
                None,
                shapes::network,
            )
            .await
    }

    async fn network_remove(&self, reference: &str) -> Result<()> {
        self.act(
            Method::DELETE,
            &format!("/networks/{}", path_segment(reference)),
        )
        .await
    }

    async fn network_connect(&self, reference: &str, connect: NetworkConnect) -> Result<()> {
        let body = serde_json::to_value(&connect).map_err(EngineError::internal)?;
        self.relay.ready().await;
        self.upstream
            .call(
                Method::POST,
                &format!("/networks/{}/connect", path_segment(reference)),
                Some(body),
            )
            .await
            .map(|_| ())
    }

    async fn network_disconnect(
        &self,
        reference: &str,
        disconnect: NetworkDisconnect,
    ) -> Result<()> {
        let body = serde_json::to_value(&disconnect).map_err(EngineError::internal)?;
        self.relay.ready().await;
        self.upstream
            .call(
                Method::POST,
                &format!("/networks/{}/disconnect", path_segment(reference)),
                Some(body),
            )
            .await
            .map(|_| ())
    }

    async fn network_prune(&self, filters: &Filters) -> Result<NetworkPruneReport> {
        let mut pairs = Vec::new();
        if !filters.is_empty() {
            pairs.push(("filters", filters_json(filters)?));
        }
        self.relay.ready().await;
        self.upstream
            .json(
                Method::POST,
                &format!("/networks/prune{}", query(&pairs)),
                None,
                |_| {},
            )
            .await
    }

    async fn container_changes(&self, id: &str) -> Result<Vec<FilesystemChange>> {
        let (_, bytes) = self
            .upstream
            .call(Method::GET, &Self::container_path(id, "/changes"), None)
            .await?;
        let changes: Option<Vec<FilesystemChange>> =
            serde_json::from_slice(&bytes).map_err(EngineError::internal)?;
        Ok(changes.unwrap_or_default())
    }

    async fn container_export(&self, id: &str, into: std::fs::File) -> Result<()> {
        files::export(&self.upstream, id, into).await
    }

    async fn container_prune(&self, filters: &Filters) -> Result<ContainerPruneReport> {
        let mut pairs = Vec::new();
        if !filters.is_empty() {
            pairs.push(("filters", filters_json(filters)?));
        }
        self.relay.ready().await;
        self.upstream
            .json(
                Method::POST,
                &format!("/containers/prune{}", query(&pairs)),
                None,
                shapes::unchanged,
            )
            .await
    }

    async fn image_prune(&self, filters: &Filters) -> Result<ImagePruneReport> {
        let mut pairs = Vec::new();
        if !filters.is_empty() {
            pairs.push(("filters", filters_json(filters)?));
        }
        self.relay.ready().await;
        self.upstream
            .json(
                Method::POST,
                &format!("/images/prune{}", query(&pairs)),
                None,
                shapes::unchanged,
            )
            .await
    }

    async fn auth(&self, config: AuthConfig) -> Result<AuthResponse> {
        let body = serde_json::to_value(&config).map_err(EngineError::internal)?;
        self.upstream
            .json(Method::POST, "/auth", Some(body), shapes::unchanged)
            .await
    }

    async fn image_save(&self, names: Vec<String>, into: std::fs::File) -> Result<()> {
        files::save(&self.upstream, &names, into).await
    }

    async fn image_history(&self, name: &str) -> Result<Vec<HistoryItem>> {
        self.upstream
            .json(
                Method::GET,
                &Self::image_path(name, "/history"),
                None,
                shapes::history,
            )
            .await
    }

    async fn container_commit(&self, id: &str, options: CommitOptions) -> Result<String> {
        let mut pairs: Vec<(&str, String)> = vec![("container", id.to_string())];
        for (name, value) in [
            ("repo", &options.repo),
            ("tag", &options.tag),
            ("comment", &options.comment),
            ("author", &options.author),
        ] {
            if !value.is_empty() {
                pairs.push((name, value.clone()));
            }
        }
        pairs.push(("pause", flag(options.pause)));
        pairs.extend(
            options
                .changes
                .iter()
                .map(|change| ("changes", change.clone())),
        );
        // Docker takes no body as "the container's config"; Podman needs one, and `{}` means
        // the same to both.
        let body = options.config.unwrap_or_else(|| serde_json::json!({}));
        self.relay.ready().await;
        let created: CommitCreated = self
            .upstream
            .json(
                Method::POST,
                &format!("/commit{}", query(&pairs)),
                Some(body),
                shapes::unchanged,
            )
            .await?;
        Ok(created.id)
    }

    async fn archive_stat(&self, id: &str, path: &str) -> Result<PathStat> {
        files::stat(&self.upstream, id, path).await
    }

    async fn archive_get(&self, id: &str, path: &str, into: std::fs::File) -> Result<PathStat> {
        files::get(&self.upstream, id, path, into).await
    }

    async fn archive_put(
        &self,
        id: &str,
        path: &str,
        archive: PathBuf,
        options: ArchivePutOptions,
    ) -> Result<()> {
        files::put(&self.upstream, id, path, archive, options).await
    }
}

/// Feeds what the client sends on stdin to an upgraded upstream stream (an attach or an exec),
/// one write and flush per chunk; when the client closes its stdin, the upstream's is closed
/// too, as the docker CLI does.
fn relay_stdin(
    mut writer: impl tokio::io::AsyncWrite + Unpin + Send + 'static,
) -> tokio::sync::mpsc::Sender<Bytes> {
    let (sender, mut receiver) = tokio::sync::mpsc::channel::<Bytes>(16);
    tokio::spawn(async move {
        while let Some(bytes) = receiver.recv().await {
            if writer.write_all(&bytes).await.is_err() {
                return;
            }
            let _ = writer.flush().await;
        }
        let _ = writer.shutdown().await;
    });
    sender
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wait_answers() {
        let answer = wait_answer(br#"{"StatusCode":7,"Error":{"Message":""}}"#);
        assert_eq!(answer.status_code, 7);
        assert!(answer.error.is_none());
        let failed = wait_answer(br#"{"StatusCode":-1,"Error":{"Message":"boom"}}"#);
        assert_eq!(failed.error.map(|e| e.message).as_deref(), Some("boom"));
        assert_eq!(wait_answer(b"garbage").status_code, -1);
    }

    #[test]
    fn timestamps() {
        assert_eq!(timestamp(1700000000.0), "1700000000");
        assert_eq!(timestamp(1.5), "1.500000000");
    }
}
