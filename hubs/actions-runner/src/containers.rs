//! Job `container:` and `services:`, as the official runner's `ContainerOperationProvider`
//! runs them, through the Docker Engine API of [`crate::docker`]:
//!
//! - "Initialize containers": a network `github_network_ID`; each image pulled when the engine
//!   lacks it; service containers created on the network with their label as network alias
//!   (so steps reach `redis:6379` by name), their `env`, `ports` (published, the host ports
//!   in `job.services.LABEL.ports`) and `volumes`; the job container created with
//!   `tail -f /dev/null` as its process, the runner's work directory bound at `/__w` (so the
//!   workspace is `/__w/REPO/REPO` and temporary files `/__w/_temp`), then everything started;
//! - steps of a container job run inside it ([`ContainerTarget::exec_script`]: `docker exec`
//!   with the step's env, its host paths translated under `/__w`);
//! - "Stop containers": every container removed by force with its anonymous volumes, then the
//!   network.
//!
//! `options:` (docker CLI flags) and registry `credentials:` are refused naming them: this
//! runner speaks the Engine API, not the CLI. JavaScript actions in a container job still run
//! with the host's node (the official runner mounts its own node into the container).
//!
//! What this module must not do: leave a container or network behind when the job ends, or
//! start any container when no engine answers (the job fails naming why).

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use http::Method;
use serde_json::{Map, Value, json};
use tokio::sync::watch;

use crate::docker::Engine;
use crate::process::Ended;

/// Where the runner's work directory appears inside the job container.
pub const CONTAINER_WORK: &str = "/__w";

/// One `container:` or `services:` entry, evaluated.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Spec {
    pub image: String,
    pub env: BTreeMap<String, String>,
    pub ports: Vec<String>,
    pub volumes: Vec<String>,
}

/// Reads an evaluated `container:` value (an image name or a mapping); `Ok(None)` for an
/// empty image, which the runner takes as no container.
pub fn spec_of(value: &Value, what: &str) -> Result<Option<Spec>, String> {
    let text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    };
    let map = match value {
        Value::Null => return Ok(None),
        Value::String(image) if image.trim().is_empty() => return Ok(None),
        Value::String(image) => {
            return Ok(Some(Spec {
                image: image.trim().to_string(),
                ..Spec::default()
            }));
        }
        Value::Object(map) => map,
        other => {
            return Err(format!(
                "{what}: expected an image or a mapping, found {other}"
            ));
        }
    };
    let image = text(map.get("image").unwrap_or(&Value::Null));
    if image.trim().is_empty() {
        return Ok(None);
    }
    for refused in ["options", "credentials"] {
        if map.get(refused).is_some_and(|v| !v.is_null() && *v != "") {
            return Err(format!(
                "{what}: `{refused}:` is not supported by this runner (it speaks the Docker Engine API, not the docker CLI)"
            ));
        }
    }
    let list = |key: &str| -> Result<Vec<String>, String> {
        match map.get(key) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Array(items)) => Ok(items.iter().map(text).collect()),
            Some(other) => Err(format!(
                "{what}: `{key}:` must be a sequence, found {other}"
            )),
        }
    };
    let env = match map.get("env") {
        None | Some(Value::Null) => BTreeMap::new(),
        Some(Value::Object(env)) => env.iter().map(|(k, v)| (k.clone(), text(v))).collect(),
        Some(other) => return Err(format!("{what}: `env:` must be a mapping, found {other}")),
    };
    Ok(Some(Spec {
        image: image.trim().to_string(),
        env,
        ports: list("ports")?,
        volumes: list("volumes")?,
    }))
}

/// `ports:` entries as the Engine API's `ExposedPorts` and `PortBindings` (`HOST:CONTAINER`,
/// or `CONTAINER` for a port the engine picks).
fn port_config(ports: &[String]) -> Result<(Value, Value), String> {
    let mut exposed = Map::new();
    let mut bindings = Map::new();
    for entry in ports {
        let (host, container) = match entry.rsplit_once(':') {
            Some((host, container)) => (host.to_string(), container.to_string()),
            None => (String::new(), entry.clone()),
        };
        let key = if container.contains('/') {
            container.clone()
        } else {
            format!("{container}/tcp")
        };
        let number = key.split('/').next().unwrap_or_default();
        if number.parse::<u16>().is_err() || (!host.is_empty() && host.parse::<u16>().is_err()) {
            return Err(format!(
                "ports: `{entry}` is not HOST:CONTAINER or CONTAINER"
            ));
        }
        exposed.insert(key.clone(), json!({}));
        bindings.insert(key, json!([{"HostIp": "", "HostPort": host}]));
    }
    Ok((Value::Object(exposed), Value::Object(bindings)))
}

/// The job container, as steps run in it.
#[derive(Debug, Clone)]
pub struct ContainerTarget {
    pub engine: Engine,
    pub id: String,
    /// The runner's work directory on the host, bound at [`CONTAINER_WORK`].
    pub host_work: std::path::PathBuf,
    /// The image's `PATH`, which steps' `GITHUB_PATH` additions go before.
    pub path: String,
}

impl ContainerTarget {
    /// A host path under the work directory as the container sees it; other text unchanged.
    pub fn translate(&self, text: &str) -> String {
        let prefix = self.host_work.display().to_string();
        match text.strip_prefix(&prefix) {
            Some(rest) if rest.is_empty() || rest.starts_with('/') => {
                format!("{CONTAINER_WORK}{rest}")
            }
            _ => text.to_string(),
        }
    }

    /// Runs a step's script file (a host path under the work directory) in the container with
    /// the step's shell, env and working directory.
    #[allow(clippy::too_many_arguments)] // A step's pieces, as `process::run` takes them.
    pub async fn exec_script(
        &self,
        shell: Option<&str>,
        script: &Path,
        env: &BTreeMap<String, String>,
        path_additions: &[String],
        working_directory: &str,
        timeout: Option<Duration>,
        cancel: watch::Receiver<bool>,
        on_line: Arc<dyn Fn(String) + Send + Sync>,
    ) -> Ended {
        let script = self.translate(&script.display().to_string());
        let argv = match container_shell(shell, &script) {
            Ok(argv) => argv,
            Err(message) => return Ended::NotStarted(message),
        };
        let mut env: BTreeMap<String, String> = env
            .iter()
            .filter(|(k, _)| k.as_str() != "PATH")
            .map(|(k, v)| (k.clone(), self.translate(v)))
            .collect();
        if !path_additions.is_empty() {
            let mut path: Vec<String> = path_additions
                .iter()
                .rev()
                .map(|p| self.translate(p))
                .collect();
            path.push(self.path.clone());
            env.insert("PATH".into(), path.join(":"));
        }
        self.engine
            .exec(
                &self.id,
                argv,
                &env,
                &self.translate(working_directory),
                timeout,
                cancel,
                on_line,
            )
            .await
    }
}

/// A step's `shell:` as the container runs it (resolved by the container's own `PATH`): bash
/// when it has one and sh otherwise for the default, as GitHub documents.
pub fn container_shell(shell: Option<&str>, script: &str) -> Result<Vec<String>, String> {
    let words = |s: &str| s.split_whitespace().map(str::to_string).collect::<Vec<_>>();
    let with_script = |argv: Vec<&str>| {
        argv.into_iter()
            .map(|a| a.replace("{0}", script))
            .collect::<Vec<_>>()
    };
    Ok(match shell.map(str::trim) {
        None | Some("") => with_script(vec![
            "sh",
            "-c",
            "if command -v bash >/dev/null 2>&1; then exec bash -e \"$1\"; else exec sh -e \"$1\"; fi",
            "sh",
            "{0}",
        ]),
        Some("bash") => with_script(vec![
            "bash",
            "--noprofile",
            "--norc",
            "-eo",
            "pipefail",
            "{0}",
        ]),
        Some("sh") => with_script(vec!["sh", "-e", "{0}"]),
        Some("python") => with_script(vec!["python", "{0}"]),
        Some(name @ ("pwsh" | "powershell" | "cmd")) => {
            return Err(format!(
                "{name}: this runner does not run {name} steps in job containers"
            ));
        }
        Some(custom) if custom.contains("{0}") => words(custom)
            .into_iter()
            .map(|w| w.replace("{0}", script))
            .collect::<Vec<String>>(),
        Some(other) => {
            let mut argv = words(other);
            argv.push(script.to_string());
            argv
        }
    })
}

/// What "Initialize containers" made, so "Stop containers" can remove it.
#[derive(Debug)]
pub struct JobContainers {
    pub engine: Engine,
    pub network: Option<String>,
    /// Every container made, by id, in creation order.
    pub created: Vec<String>,
    pub target: Option<ContainerTarget>,
    /// `job.container` and `job.services` for the `job` context.
    pub context: Map<String, Value>,
}

/// What "Initialize containers" is asked to start.
pub struct Request<'a> {
    pub job: Option<Spec>,
    pub services: Vec<(String, Spec)>,
    pub work: &'a Path,
    pub workspace: &'a Path,
    pub runner_name: &'a str,
    /// A fresh hexadecimal id for names.
    pub id: String,
}

/// Starts the job's containers, logging what it does into `lines`. The engine's refusal fails
/// it; what was made before is in the answer either way, for [`stop`].
pub async fn start(
    engine: Engine,
    request: Request<'_>,
    lines: &mut Vec<String>,
) -> (JobContainers, Result<(), String>) {
    let mut made = JobContainers {
        engine: engine.clone(),
        network: None,
        created: Vec::new(),
        target: None,
        context: Map::new(),
    };
    let outcome = start_into(&mut made, request, lines).await;
    (made, outcome)
}

async fn start_into(
    made: &mut JobContainers,
    request: Request<'_>,
    lines: &mut Vec<String>,
) -> Result<(), String> {
    let engine = made.engine.clone();
    engine
        .ping()
        .await
        .map_err(|why| format!("Docker Engine API: {why}"))?;
    let refused =
        |what: &str, refusal: crate::docker::EngineRefusal| format!("{what}: {}", refusal.message);
    let network = format!("github_network_{}", request.id);
    lines.push("Create local container network".into());
    lines.push(format!(
        "##[command]docker network create --label {} {network}",
        request.runner_name
    ));
    let created = engine
        .call(
            Method::POST,
            "/networks/create",
            Some(&json!({
                "Name": network,
                "Driver": "bridge",
                "CheckDuplicate": true,
                "Labels": {"sockerless.runner": request.runner_name},
            })),
        )
        .await
        .map_err(|r| refused("docker network create", r))?;
    lines.push(created["Id"].as_str().unwrap_or_default().to_string());
    made.network = Some(network.clone());

    let mut services_context = Map::new();
    let mut to_start = Vec::new();
    let work = request.work.display().to_string();
    let mut all: Vec<(Option<String>, Spec)> = Vec::new();
    if let Some(job) = request.job {
        all.push((None, job));
    }
    all.extend(request.services.into_iter().map(|(l, s)| (Some(l), s)));
    for (index, (label, spec)) in all.into_iter().enumerate() {
        match &label {
            None => lines.push("Starting job container".into()),
            Some(label) => lines.push(format!("Starting {label} service container")),
        }
        engine.ensure_image(&spec.image, lines).await?;
        let (exposed, bindings) = port_config(&spec.ports)?;
        let mut binds = spec.volumes.clone();
        let mut body = json!({
            "Image": spec.image,
            "Env": spec.env.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>(),
            "Labels": {"sockerless.runner": request.runner_name},
            "ExposedPorts": exposed,
            "HostConfig": {"NetworkMode": network, "PortBindings": bindings},
            "NetworkingConfig": {"EndpointsConfig": {network.clone(): {
                "Aliases": label.iter().cloned().collect::<Vec<_>>(),
            }}},
        });
        if label.is_none() {
            binds.insert(0, format!("{work}:{CONTAINER_WORK}"));
            body["Entrypoint"] = json!(["tail"]);
            body["Cmd"] = json!(["-f", "/dev/null"]);
            let workspace = request.workspace.display().to_string();
            body["WorkingDir"] = Value::String(
                workspace
                    .strip_prefix(&work)
                    .map(|rest| format!("{CONTAINER_WORK}{rest}"))
                    .unwrap_or(workspace),
            );
        }
        body["HostConfig"]["Binds"] = json!(binds);
        let name = format!("{}_{}_{index}", request.runner_name, request.id)
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect::<String>();
        lines.push(format!(
            "##[command]docker create --name {name} --network {network}{} {}",
            label
                .as_deref()
                .map(|l| format!(" --network-alias {l}"))
                .unwrap_or_default(),
            spec.image
        ));
        let answer = engine
            .call(
                Method::POST,
                &format!("/containers/create?name={name}"),
                Some(&body),
            )
            .await
            .map_err(|r| refused("docker create", r))?;
        let id = answer["Id"].as_str().unwrap_or_default().to_string();
        lines.push(id.clone());
        made.created.push(id.clone());
        to_start.push((label, id));
    }
    for (label, id) in to_start {
        lines.push(format!("##[command]docker start {id}"));
        engine
            .call(Method::POST, &format!("/containers/{id}/start"), None)
            .await
            .map_err(|r| refused("docker start", r))?;
        let inspect = engine
            .call(Method::GET, &format!("/containers/{id}/json"), None)
            .await
            .map_err(|r| refused("docker inspect", r))?;
        if inspect["State"]["Running"] != Value::Bool(true) {
            return Err(format!(
                "container {id} is not running (it exited with {})",
                inspect["State"]["ExitCode"]
            ));
        }
        match label {
            None => {
                let path = inspect["Config"]["Env"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .find_map(|e| e.strip_prefix("PATH="))
                    .unwrap_or("/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
                    .to_string();
                made.context
                    .insert("container".into(), json!({"id": id, "network": network}));
                made.target = Some(ContainerTarget {
                    engine: engine.clone(),
                    id,
                    host_work: request.work.to_path_buf(),
                    path,
                });
            }
            Some(label) => {
                let mut ports = Map::new();
                for (key, bound) in inspect["NetworkSettings"]["Ports"]
                    .as_object()
                    .into_iter()
                    .flatten()
                {
                    if let Some(host_port) = bound[0]["HostPort"].as_str() {
                        let port = key.split('/').next().unwrap_or_default();
                        ports.insert(port.into(), Value::String(host_port.into()));
                    }
                }
                services_context
                    .insert(label, json!({"id": id, "network": network, "ports": ports}));
            }
        }
    }
    made.context
        .insert("services".into(), Value::Object(services_context));
    Ok(())
}

/// "Stop containers": every container made removed by force, then the network.
pub async fn stop(made: &JobContainers, lines: &mut Vec<String>) {
    for id in &made.created {
        lines.push(format!("##[command]docker rm --force {id}"));
        if let Err(refusal) = made
            .engine
            .call(
                Method::DELETE,
                &format!("/containers/{id}?force=true&v=true"),
                None,
            )
            .await
        {
            lines.push(format!("##[warning]docker rm: {}", refusal.message));
        }
    }
    if let Some(network) = &made.network {
        lines.push(format!("##[command]docker network rm {network}"));
        if let Err(refusal) = made
            .engine
            .call(Method::DELETE, &format!("/networks/{network}"), None)
            .await
        {
            lines.push(format!("##[warning]docker network rm: {}", refusal.message));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn container_values_read_as_the_runner_reads_them() {
        assert_eq!(spec_of(&json!(""), "container").unwrap(), None);
        assert_eq!(
            spec_of(&json!("busybox"), "container")
                .unwrap()
                .unwrap()
                .image,
            "busybox"
        );
        let full = spec_of(
            &json!({"image": "redis:7", "env": {"A": 1}, "ports": [6379, "8080:80"], "volumes": ["/d:/d"]}),
            "services.redis",
        )
        .unwrap()
        .unwrap();
        assert_eq!(full.env["A"], "1");
        assert_eq!(full.ports, ["6379", "8080:80"]);
        let options =
            spec_of(&json!({"image": "x", "options": "--cpus 1"}), "container").unwrap_err();
        assert!(options.contains("`options:` is not supported"), "{options}");
    }

    #[test]
    fn ports_publish_as_docker_run_p_does() {
        let (exposed, bindings) =
            port_config(&["6379".into(), "8080:80".into(), "53/udp".into()]).unwrap();
        assert_eq!(exposed, json!({"6379/tcp": {}, "80/tcp": {}, "53/udp": {}}));
        assert_eq!(bindings["80/tcp"][0]["HostPort"], "8080");
        assert_eq!(bindings["6379/tcp"][0]["HostPort"], "");
        assert!(port_config(&["x:y".into()]).is_err());
    }

    #[test]
    fn shells_in_a_container_are_found_by_its_path() {
        assert_eq!(
            container_shell(Some("bash"), "/__w/_temp/s.sh").unwrap(),
            [
                "bash",
                "--noprofile",
                "--norc",
                "-eo",
                "pipefail",
                "/__w/_temp/s.sh"
            ]
        );
        assert_eq!(
            container_shell(Some("sh"), "/s").unwrap(),
            ["sh", "-e", "/s"]
        );
        assert_eq!(
            container_shell(Some("perl -w {0}"), "/s").unwrap(),
            ["perl", "-w", "/s"]
        );
        assert_eq!(container_shell(None, "/s").unwrap()[4], "/s");
    }

    #[test]
    fn host_paths_under_work_translate() {
        let target = ContainerTarget {
            engine: Engine::locate(Some("tcp://127.0.0.1:1")).unwrap(),
            id: "c".into(),
            host_work: "/srv/work".into(),
            path: "/bin".into(),
        };
        assert_eq!(target.translate("/srv/work/r/r"), "/__w/r/r");
        assert_eq!(target.translate("/srv/work"), "/__w");
        assert_eq!(target.translate("/srv/workshop"), "/srv/workshop");
        assert_eq!(target.translate("plain"), "plain");
    }
}
