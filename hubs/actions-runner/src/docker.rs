//! The Docker Engine API as the runner uses it for job `container:` and `services:`: the
//! engine named by `DOCKER_HOST` (`unix://PATH` or `tcp://HOST:PORT`), else
//! `/var/run/docker.sock`, spoken over plain HTTP/1.1, one connection per call (the engine of
//! this project or any real daemon).
//!
//! The official runner drives the same operations through the docker CLI (`network create`,
//! `pull`, `create`, `start`, `exec`, `rm --force`, `network rm`); this client sends the Engine
//! API requests those commands send, so the runner needs no CLI and no socket permissions for
//! the step's user.
//!
//! What this module must not do: retry, or guess: every refusal comes back as the engine's own
//! `message`.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use bytes::{Buf, Bytes, BytesMut};
use http::{Method, Request};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tokio::sync::watch;

use crate::process::Ended;

/// Where the engine listens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    Unix(PathBuf),
    Tcp(String),
}

/// A Docker Engine API.
#[derive(Debug, Clone)]
pub struct Engine {
    pub endpoint: Endpoint,
}

/// The default socket, as the docker CLI uses it when `DOCKER_HOST` is not set.
const DEFAULT_SOCKET: &str = "/var/run/docker.sock";

impl Engine {
    /// The engine `docker_host` names (the value of `DOCKER_HOST`), else the default socket;
    /// an error naming why when there is none.
    pub fn locate(docker_host: Option<&str>) -> Result<Engine, String> {
        let endpoint = match docker_host.map(str::trim).filter(|h| !h.is_empty()) {
            Some(host) => {
                if let Some(path) = host.strip_prefix("unix://") {
                    Endpoint::Unix(PathBuf::from(path))
                } else if let Some(address) = host.strip_prefix("tcp://") {
                    Endpoint::Tcp(address.trim_end_matches('/').to_string())
                } else {
                    return Err(format!(
                        "DOCKER_HOST={host}: this runner reaches Docker Engine APIs at unix:// or tcp:// addresses only"
                    ));
                }
            }
            None if std::path::Path::new(DEFAULT_SOCKET).exists() => {
                Endpoint::Unix(PathBuf::from(DEFAULT_SOCKET))
            }
            None => {
                return Err(format!(
                    "no Docker Engine API: DOCKER_HOST is not set and {DEFAULT_SOCKET} does not exist (job containers and services run through one)"
                ));
            }
        };
        Ok(Engine { endpoint })
    }

    fn shown(&self) -> String {
        match &self.endpoint {
            Endpoint::Unix(path) => format!("unix://{}", path.display()),
            Endpoint::Tcp(address) => format!("tcp://{address}"),
        }
    }

    async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<http::Response<hyper::body::Incoming>, String> {
        let unreachable = |e: &dyn std::fmt::Display| {
            format!(
                "the Docker Engine API at {} cannot be reached: {e}",
                self.shown()
            )
        };
        let bytes = body
            .map(|b| Bytes::from(serde_json::to_vec(b).unwrap_or_default()))
            .unwrap_or_default();
        let request = Request::builder()
            .method(method)
            .uri(path)
            .header(http::header::HOST, "docker")
            .header(http::header::CONTENT_TYPE, "application/json")
            .body(Full::new(bytes))
            .map_err(|e| unreachable(&e))?;
        macro_rules! over {
            ($stream:expr) => {{
                let (mut sender, connection) =
                    hyper::client::conn::http1::handshake(TokioIo::new($stream))
                        .await
                        .map_err(|e| unreachable(&e))?;
                tokio::spawn(connection);
                sender
                    .send_request(request)
                    .await
                    .map_err(|e| unreachable(&e))
            }};
        }
        match &self.endpoint {
            Endpoint::Unix(socket) => over!(
                tokio::net::UnixStream::connect(socket)
                    .await
                    .map_err(|e| unreachable(&e))?
            ),
            Endpoint::Tcp(address) => over!(
                tokio::net::TcpStream::connect(address)
                    .await
                    .map_err(|e| unreachable(&e))?
            ),
        }
    }

    /// One call; the answer's body as JSON (`null` when empty). A status of 400 or more is the
    /// engine's `message`.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Value, EngineRefusal> {
        let response = self
            .send(method, path, body)
            .await
            .map_err(|message| EngineRefusal { status: 0, message })?;
        let status = response.status().as_u16();
        let bytes = response
            .into_body()
            .collect()
            .await
            .map(|c| c.to_bytes())
            .unwrap_or_default();
        let value: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        if status >= 400 {
            let message = value["message"]
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| String::from_utf8_lossy(&bytes).trim().to_string());
            return Err(EngineRefusal { status, message });
        }
        Ok(value)
    }

    /// `GET /_ping`: whether the engine answers.
    pub async fn ping(&self) -> Result<(), String> {
        self.call(Method::GET, "/_ping", None)
            .await
            .map(|_| ())
            .map_err(|e| e.message)
    }

    /// The image, pulled when the engine does not have it (`docker pull`). Pull progress is
    /// streamed JSON whose `error` field is a failed pull.
    pub async fn ensure_image(&self, image: &str, lines: &mut Vec<String>) -> Result<(), String> {
        // Docker routes image names with their slashes as they are (`/images/a/b:1/json`).
        let inspect = format!("/images/{image}/json");
        match self.call(Method::GET, &inspect, None).await {
            Ok(_) => return Ok(()),
            Err(refusal) if refusal.status == 404 => {}
            Err(refusal) => return Err(refusal.message),
        }
        lines.push(format!("##[command]docker pull {image}"));
        let (name, tag) = split_tag(image);
        let path = format!(
            "/images/create?fromImage={}&tag={}",
            encode(name),
            encode(tag)
        );
        let response = self.send(Method::POST, &path, None).await?;
        let status = response.status().as_u16();
        let bytes = response
            .into_body()
            .collect()
            .await
            .map(|c| c.to_bytes())
            .unwrap_or_default();
        let text = String::from_utf8_lossy(&bytes);
        if status >= 400 {
            let value: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
            return Err(value["message"]
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| text.trim().to_string()));
        }
        for line in text.lines() {
            let value: Value = serde_json::from_str(line).unwrap_or(Value::Null);
            if let Some(error) = value["error"].as_str() {
                return Err(error.to_string());
            }
            if let Some(status) = value["status"].as_str() {
                lines.push(status.to_string());
            }
        }
        Ok(())
    }

    /// Runs `argv` in a running container (`docker exec`), its output lines to `on_line` as
    /// they come; stopped waiting for on cancellation or timeout.
    #[allow(clippy::too_many_arguments)] // What `docker exec` takes, each once.
    pub async fn exec(
        &self,
        container: &str,
        argv: Vec<String>,
        env: &BTreeMap<String, String>,
        working_directory: &str,
        timeout: Option<Duration>,
        mut cancel: watch::Receiver<bool>,
        on_line: Arc<dyn Fn(String) + Send + Sync>,
    ) -> Ended {
        let create = json!({
            "AttachStdout": true,
            "AttachStderr": true,
            "Cmd": argv,
            "Env": env.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>(),
            "WorkingDir": working_directory,
        });
        let exec = match self
            .call(
                Method::POST,
                &format!("/containers/{container}/exec"),
                Some(&create),
            )
            .await
        {
            Ok(answer) => answer["Id"].as_str().unwrap_or_default().to_string(),
            Err(refusal) => return Ended::NotStarted(refusal.message),
        };
        let started = self
            .send(
                Method::POST,
                &format!("/exec/{exec}/start"),
                Some(&json!({"Detach": false, "Tty": false})),
            )
            .await;
        let response = match started {
            Ok(response) if response.status().is_success() => response,
            Ok(response) => {
                let bytes = response
                    .into_body()
                    .collect()
                    .await
                    .map(|c| c.to_bytes())
                    .unwrap_or_default();
                let value: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
                return Ended::NotStarted(
                    value["message"]
                        .as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| String::from_utf8_lossy(&bytes).to_string()),
                );
            }
            Err(message) => return Ended::NotStarted(message),
        };
        let mut body = response.into_body();
        let mut frames = Frames::default();
        cancel.borrow_and_update();
        let read = async {
            while let Some(frame) = body.frame().await {
                let Ok(frame) = frame else { break };
                if let Ok(data) = frame.into_data() {
                    for line in frames.push(&data) {
                        on_line(line);
                    }
                }
            }
            for line in frames.finish() {
                on_line(line);
            }
        };
        let cancelled = async {
            while cancel.changed().await.is_ok() {
                if *cancel.borrow() {
                    return;
                }
            }
            std::future::pending::<()>().await;
        };
        let limit = async {
            match timeout {
                Some(t) => tokio::time::sleep(t).await,
                None => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            _ = read => {}
            _ = cancelled => return Ended::Cancelled,
            _ = limit => return Ended::TimedOut,
        }
        match self
            .call(Method::GET, &format!("/exec/{exec}/json"), None)
            .await
        {
            Ok(answer) => Ended::Exited(answer["ExitCode"].as_i64().unwrap_or(-1) as i32),
            Err(refusal) => Ended::NotStarted(refusal.message),
        }
    }
}

/// An engine's refusal: its status (0 when it could not be reached) and `message`.
#[derive(Debug, Clone)]
pub struct EngineRefusal {
    pub status: u16,
    pub message: String,
}

/// `NAME[:TAG]` apart (`latest` when untagged; a registry's port is not a tag; a digest stays
/// with the name).
fn split_tag(image: &str) -> (&str, &str) {
    if image.contains('@') {
        return (image, "");
    }
    let last_slash = image.rfind('/').map_or(0, |i| i + 1);
    match image[last_slash..].rfind(':') {
        Some(colon) => (
            &image[..last_slash + colon],
            &image[last_slash + colon + 1..],
        ),
        None => (image, "latest"),
    }
}

/// Percent-encodes a path segment or query value.
fn encode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// Docker's multiplexed stream (an 8-byte header: stream, three zeros, a big-endian length)
/// cut into lines per stream.
#[derive(Default)]
struct Frames {
    pending: BytesMut,
    partial: [Vec<u8>; 2],
}

impl Frames {
    fn push(&mut self, data: &[u8]) -> Vec<String> {
        self.pending.extend_from_slice(data);
        let mut lines = Vec::new();
        while self.pending.len() >= 8 {
            let stream = usize::from(self.pending[0] == 2);
            let size = u32::from_be_bytes([
                self.pending[4],
                self.pending[5],
                self.pending[6],
                self.pending[7],
            ]) as usize;
            if self.pending.len() < 8 + size {
                break;
            }
            self.pending.advance(8);
            let payload = self.pending.split_to(size);
            let partial = &mut self.partial[stream];
            partial.extend_from_slice(&payload);
            while let Some(newline) = partial.iter().position(|b| *b == b'\n') {
                let line: Vec<u8> = partial.drain(..=newline).collect();
                lines.push(
                    String::from_utf8_lossy(&line[..line.len() - 1])
                        .trim_end_matches('\r')
                        .to_string(),
                );
            }
        }
        lines
    }

    fn finish(&mut self) -> Vec<String> {
        self.partial
            .iter_mut()
            .filter(|p| !p.is_empty())
            .map(|p| String::from_utf8_lossy(&std::mem::take(p)).to_string())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_become_lines_per_stream() {
        let mut frames = Frames::default();
        let frame = |stream: u8, text: &str| {
            let mut bytes = vec![stream, 0, 0, 0];
            bytes.extend_from_slice(&(text.len() as u32).to_be_bytes());
            bytes.extend_from_slice(text.as_bytes());
            bytes
        };
        let mut data = frame(1, "one\ntw");
        data.extend(frame(2, "err\n"));
        let (first, rest) = data.split_at(10);
        assert!(frames.push(first).is_empty());
        assert_eq!(frames.push(rest), ["one", "err"]);
        assert_eq!(frames.push(&frame(1, "o\nthree")), ["two"]);
        assert_eq!(frames.finish(), ["three"]);
    }

    #[test]
    fn images_split_into_name_and_tag() {
        assert_eq!(split_tag("busybox"), ("busybox", "latest"));
        assert_eq!(
            split_tag("localhost/busybox:1.2"),
            ("localhost/busybox", "1.2")
        );
        assert_eq!(
            split_tag("127.0.0.1:5000/team/app"),
            ("127.0.0.1:5000/team/app", "latest")
        );
        assert_eq!(split_tag("a@sha256:00"), ("a@sha256:00", ""));
    }

    #[test]
    fn engines_are_located_from_docker_host() {
        assert_eq!(
            Engine::locate(Some("unix:///tmp/d.sock")).unwrap().endpoint,
            Endpoint::Unix("/tmp/d.sock".into())
        );
        assert_eq!(
            Engine::locate(Some("tcp://127.0.0.1:2375"))
                .unwrap()
                .endpoint,
            Endpoint::Tcp("127.0.0.1:2375".into())
        );
        assert!(
            Engine::locate(Some("ssh://host"))
                .unwrap_err()
                .contains("unix:// or tcp://")
        );
    }
}
