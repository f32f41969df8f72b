//! The replica of each active container app revision: its init containers run one after
//! another (each must exit 0), then its containers run together through the kit's runner, and
//! one that exits is started again after a back-off (1 s, doubling to 30 s), counting
//! `restartCount`, as Container Apps restarts containers. When the app has ingress, the
//! replica is ready once its target port accepts connections (Container Apps' default TCP
//! readiness probe), which is when the create or update operation finishes.
//!
//! Each container sees what Container Apps gives it: its `env` (secret references resolved),
//! and `CONTAINER_APP_NAME`, `CONTAINER_APP_REVISION`, `CONTAINER_APP_REPLICA_NAME`,
//! `CONTAINER_APP_HOSTNAME`, `CONTAINER_APP_ENV_DNS_SUFFIX` and `CONTAINER_APP_PORT`. Every
//! line it prints goes to `ContainerAppConsoleLogs_CL` with the app and revision names.
//!
//! Networking: replicas run on the host's network (the process runner's, and the oci runner's
//! when no namespace is given), so the target port is a port on the host, and the ingress
//! proxies to `127.0.0.1:targetPort`. Two revisions (or apps) on one port cannot both listen;
//! in `Single` mode the old revision's replica is stopped before the new one starts.
//! What this module must not do: keep replica state in the store (it lives as long as the
//! process does; active revisions are started again after a restart).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use simkit::logs::{FnSink, LogLine, Stream};
use simkit::runner::{WorkloadImage, WorkloadSpec};
use tokio::sync::watch;

use super::ContainerApps;
use super::executions::ConsoleLine;
use crate::error::ArmError;
use crate::services::acr::ContainerRegistries;
use crate::services::acr::pull::find_image;
use crate::shapes::app_common::{EnvironmentVar, Secret};

/// One container of a template, as the replica runs it.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TemplateContainer {
    pub name: Option<String>,
    pub image: Option<String>,
    pub command: Option<Vec<String>>,
    pub args: Option<Vec<String>>,
    pub env: Option<Vec<EnvironmentVar>>,
}

/// A template's init containers and containers.
#[derive(Debug, Clone, Default)]
pub struct TemplateContainers {
    pub init: Vec<TemplateContainer>,
    pub main: Vec<TemplateContainer>,
}

/// Reads a template's containers (an error naming the property when they are malformed).
pub fn template_containers(template: &Value) -> Result<TemplateContainers, ArmError> {
    let read = |field: &str| -> Result<Vec<TemplateContainer>, ArmError> {
        match template.get(field) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(list) => serde_json::from_value(list.clone()).map_err(|error| {
                ArmError::InvalidRequestContent(format!("properties.template.{field}: {error}"))
            }),
        }
    };
    Ok(TemplateContainers {
        init: read("initContainers")?,
        main: read("containers")?,
    })
}

/// The state of one container of a running replica.
#[derive(Debug, Clone, Default)]
struct ContainerState {
    name: String,
    container_id: String,
    running: bool,
    started: bool,
    restart_count: u32,
    details: String,
}

/// A running replica.
pub(super) struct ReplicaHandle {
    name: String,
    created: String,
    containers: Arc<Mutex<Vec<ContainerState>>>,
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

/// What a revision's replica looks like now.
#[derive(Debug, Clone)]
pub(super) struct ReplicaView {
    pub name: String,
    pub created: String,
    /// Every container is running.
    pub running: bool,
    containers: Vec<ContainerState>,
}

impl ReplicaView {
    /// The replica's `properties`, as the revisions API shows them.
    pub fn properties(&self) -> Value {
        json!({
            "createdTime": self.created,
            "runningState": if self.running { "Running" } else { "NotRunning" },
            "runningStateDetails": if self.running { "" } else { "A container is not running" },
            "containers": self.containers.iter().map(|c| json!({
                "name": c.name,
                "containerId": c.container_id,
                "ready": c.running,
                "started": c.started,
                "restartCount": c.restart_count,
                "runningState": if c.running { "Running" } else { "Waiting" },
                "runningStateDetails": c.details,
            })).collect::<Vec<_>>(),
            "initContainers": [],
        })
    }
}

/// Everything a replica's containers need, read once when it starts.
struct ReplicaPlan {
    app: String,
    revision: String,
    replica: String,
    environment: String,
    environment_id: String,
    domain: String,
    customer_id: Option<String>,
    target_port: Option<u16>,
    secrets: Vec<Secret>,
}

pub(super) type Replicas = Mutex<BTreeMap<String, ReplicaHandle>>;

impl ContainerApps {
    pub(super) fn replica_state(&self, revision_key: &str) -> Option<ReplicaView> {
        let replicas = self.replicas.lock().unwrap_or_else(|p| p.into_inner());
        let handle = replicas.get(revision_key)?;
        let containers = handle
            .containers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        Some(ReplicaView {
            name: handle.name.clone(),
            created: handle.created.clone(),
            running: !containers.is_empty() && containers.iter().all(|c| c.running),
            containers,
        })
    }

    /// Asks a revision's replica to stop without waiting for it (a group delete).
    pub(super) fn stop_replica_now(&self, revision_key: &str) {
        let handle = self
            .replicas
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(revision_key);
        if let Some(handle) = handle {
            let _ = handle.stop.send(true);
        }
    }

    /// Stops a revision's replica (SIGTERM, then SIGKILL after the grace period) and waits for
    /// its containers to end.
    pub(super) async fn stop_replica(&self, revision_key: &str) {
        let handle = self
            .replicas
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(revision_key);
        if let Some(handle) = handle {
            let _ = handle.stop.send(true);
            if tokio::time::timeout(Duration::from_secs(45), handle.task)
                .await
                .is_err()
            {
                tracing::error!(replica = handle.name, "a replica did not stop in time");
            }
        }
    }

    /// Starts a replica of the revision at `revision_key` and waits until it is ready (its
    /// target port accepts connections, when the app has ingress), at most 60 seconds.
    pub(super) async fn start_replica(self: &ContainerApps, app_key: &str, revision_key: &str) {
        let (Some(app), Some(revision)) = (
            self.container_apps.get(app_key),
            self.revisions.get(revision_key),
        ) else {
            return;
        };
        let template = revision
            .revision
            .properties
            .as_ref()
            .and_then(|p| p.get("template"))
            .cloned()
            .unwrap_or_default();
        let Ok(containers) = template_containers(&template) else {
            return;
        };
        let revision_name = revision.revision.name.clone().unwrap_or_default();
        let target_port = app
            .app
            .properties
            .as_ref()
            .and_then(|p| p.get("configuration"))
            .and_then(|c| c.get("ingress"))
            .and_then(|i| i.get("targetPort"))
            .and_then(Value::as_u64)
            .and_then(|p| u16::try_from(p).ok());
        let replica = format!(
            "{revision_name}-{}-{}",
            self.kit.ids().hex(9).to_ascii_lowercase(),
            self.kit
                .ids()
                .random_word(b"abcdefghijklmnopqrstuvwxyz0123456789", 5)
        );
        let plan = Arc::new(ReplicaPlan {
            app: app.app.name.clone().unwrap_or_default(),
            revision: revision_name,
            replica: replica.clone(),
            environment: app.environment_name.clone(),
            environment_id: app
                .app
                .properties
                .as_ref()
                .and_then(|p| {
                    p.get("managedEnvironmentId")
                        .or_else(|| p.get("environmentId"))
                })
                .and_then(serde_json::Value::as_str)
                .unwrap_or_default()
                .to_string(),
            domain: app.domain.clone(),
            customer_id: app.log_analytics_customer_id.clone(),
            target_port,
            secrets: app.secrets.clone(),
        });
        let states = Arc::new(Mutex::new(
            containers
                .main
                .iter()
                .map(|c| ContainerState {
                    name: c.name.clone().unwrap_or_default(),
                    ..Default::default()
                })
                .collect::<Vec<_>>(),
        ));
        let (stop, stopped) = watch::channel(false);
        let kit = self.kit.clone();
        let console = self.console.get().cloned();
        let registry = self.registry.get().cloned();
        let task_states = states.clone();
        let task_plan = plan.clone();
        let task = tokio::spawn(async move {
            run_replica(
                kit,
                registry,
                console,
                task_plan,
                containers,
                task_states,
                stopped,
            )
            .await;
        });
        self.replicas
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(
                revision_key.to_string(),
                ReplicaHandle {
                    name: replica,
                    created: self.now(),
                    containers: states.clone(),
                    stop,
                    task,
                },
            );
        // Ready: every container running and, with ingress, the port accepting connections.
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        let mut probe = tokio::time::interval(Duration::from_millis(50));
        while tokio::time::Instant::now() < deadline {
            probe.tick().await;
            let running = {
                let states = states.lock().unwrap_or_else(|p| p.into_inner());
                !states.is_empty() && states.iter().all(|c| c.running)
            };
            if !running {
                continue;
            }
            match plan.target_port {
                None => break,
                Some(port) => {
                    if tokio::net::TcpStream::connect(("127.0.0.1", port))
                        .await
                        .is_ok()
                    {
                        break;
                    }
                }
            }
        }
    }
}

/// Runs a replica until `stopped` says so.
async fn run_replica(
    kit: simkit::Kit,
    registry: Option<Arc<ContainerRegistries>>,
    console: Option<Arc<dyn super::ConsoleLogs>>,
    plan: Arc<ReplicaPlan>,
    containers: TemplateContainers,
    states: Arc<Mutex<Vec<ContainerState>>>,
    stopped: watch::Receiver<bool>,
) {
    for init in &containers.init {
        let located = find_image(
            registry.as_deref(),
            init.image.as_deref().unwrap_or_default(),
        )
        .await;
        let spec = container_spec(located, &plan, init);
        let sink = console_sink(console.clone(), &plan, init);
        let Ok(workload) = kit.runner().start(spec, sink).await else {
            return;
        };
        let mut stop = stopped.clone();
        let status = tokio::select! {
            status = workload.wait() => status,
            () = until_stopped(&mut stop) => {
                workload.stop(Duration::from_secs(30));
                return;
            }
        };
        if status.code != 0 {
            if let Ok(mut states) = states.lock() {
                for state in states.iter_mut() {
                    state.details = format!(
                        "init container '{}' exited with code {}",
                        init.name.clone().unwrap_or_default(),
                        status.code
                    );
                }
            }
            return;
        }
    }
    let mut running = tokio::task::JoinSet::new();
    for (index, container) in containers.main.into_iter().enumerate() {
        let kit = kit.clone();
        let registry = registry.clone();
        let console = console.clone();
        let plan = plan.clone();
        let states = states.clone();
        let stopped = stopped.clone();
        running.spawn(async move {
            supervise(
                kit, registry, console, plan, container, index, states, stopped,
            )
            .await;
        });
    }
    while running.join_next().await.is_some() {}
}

/// One container: started, and started again whenever it exits, until the replica stops.
#[allow(clippy::too_many_arguments)]
async fn supervise(
    kit: simkit::Kit,
    registry: Option<Arc<ContainerRegistries>>,
    console: Option<Arc<dyn super::ConsoleLogs>>,
    plan: Arc<ReplicaPlan>,
    container: TemplateContainer,
    index: usize,
    states: Arc<Mutex<Vec<ContainerState>>>,
    mut stopped: watch::Receiver<bool>,
) {
    let mut backoff = Duration::from_secs(1);
    let update = |change: &dyn Fn(&mut ContainerState)| {
        if let Some(state) = states
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get_mut(index)
        {
            change(state);
        }
    };
    loop {
        if *stopped.borrow() {
            return;
        }
        let located = find_image(
            registry.as_deref(),
            container.image.as_deref().unwrap_or_default(),
        )
        .await;
        let spec = container_spec(located, &plan, &container);
        let sink = console_sink(console.clone(), &plan, &container);
        let workload = match kit.runner().start(spec, sink).await {
            Ok(workload) => workload,
            Err(error) => {
                let details = error.to_string();
                update(&|state| state.details = details.clone());
                return;
            }
        };
        let container_id = format!("containerd://{}", kit.ids().hex(64).to_ascii_lowercase());
        update(&|state| {
            state.running = true;
            state.started = true;
            state.container_id = container_id.clone();
            state.details = String::new();
        });
        let status = tokio::select! {
            status = workload.wait() => status,
            () = until_stopped(&mut stopped) => {
                workload.stop(Duration::from_secs(30));
                let _ = workload.wait().await;
                update(&|state| state.running = false);
                return;
            }
        };
        let details = format!("Container exited with code {}", status.code);
        update(&|state| {
            state.running = false;
            state.restart_count += 1;
            state.details = details.clone();
        });
        tokio::select! {
            _ = tokio::time::sleep(backoff) => {}
            () = until_stopped(&mut stopped) => return,
        }
        backoff = (backoff * 2).min(Duration::from_secs(30));
    }
}

/// Resolves once the replica is asked to stop (or its handle is gone).
async fn until_stopped(stopped: &mut watch::Receiver<bool>) {
    let _ = stopped.wait_for(|s| *s).await;
}

fn container_spec(
    located: Result<simkit::runner::LocatedImage, String>,
    plan: &ReplicaPlan,
    container: &TemplateContainer,
) -> WorkloadSpec {
    let name = container.name.clone().unwrap_or_default();
    let image = container.image.clone().unwrap_or_default();
    let mut env: BTreeMap<String, String> = BTreeMap::new();
    for variable in container.env.iter().flatten() {
        let Some(variable_name) = &variable.name else {
            continue;
        };
        let value = match &variable.secret_ref {
            Some(secret) => plan
                .secrets
                .iter()
                .find(|s| s.name.as_deref() == Some(secret.as_str()))
                .and_then(|s| s.value.clone())
                .unwrap_or_default(),
            None => variable.value.clone().unwrap_or_default(),
        };
        env.insert(variable_name.clone(), value);
    }
    env.insert("CONTAINER_APP_NAME".into(), plan.app.clone());
    env.insert("CONTAINER_APP_REVISION".into(), plan.revision.clone());
    env.insert("CONTAINER_APP_REPLICA_NAME".into(), plan.replica.clone());
    env.insert(
        "CONTAINER_APP_HOSTNAME".into(),
        format!("{}.{}", plan.revision, plan.domain),
    );
    env.insert("CONTAINER_APP_ENV_DNS_SUFFIX".into(), plan.domain.clone());
    if let Some(port) = plan.target_port {
        env.insert("CONTAINER_APP_PORT".into(), port.to_string());
    }
    let mut argv = container.command.clone().unwrap_or_default();
    argv.extend(container.args.clone().unwrap_or_default());
    WorkloadSpec {
        name: format!("containerapp/{}/{}/{name}", plan.app, plan.replica),
        argv,
        env,
        timeout: None,
        stop_grace: Duration::from_secs(30),
        hostname: Some(plan.replica.clone()),
        image: Some(WorkloadImage {
            reference: image.clone(),
            located,
            entrypoint: container.command.clone(),
            command: container.args.clone(),
            working_dir: None,
        }),
        ..Default::default()
    }
}

fn console_sink(
    console: Option<Arc<dyn super::ConsoleLogs>>,
    plan: &Arc<ReplicaPlan>,
    container: &TemplateContainer,
) -> Arc<FnSink<impl Fn(LogLine) + Send + Sync + 'static>> {
    let plan = plan.clone();
    let container_name = container.name.clone().unwrap_or_default();
    let image = container.image.clone().unwrap_or_default();
    Arc::new(FnSink(move |line: LogLine| {
        let Some(sink) = &console else {
            return;
        };
        sink.append(ConsoleLine {
            customer_id: plan.customer_id.clone(),
            environment_id: plan.environment_id.clone(),
            time_ms: simkit::clock::millis_since_epoch(line.time),
            stream: match line.stream {
                Stream::Stdout => "stdout",
                Stream::Stderr => "stderr",
            },
            log: line.text,
            environment: plan.environment.clone(),
            app: plan.app.clone(),
            revision: plan.revision.clone(),
            job: String::new(),
            execution: String::new(),
            replica: plan.replica.clone(),
            container: container_name.clone(),
            image: image.clone(),
        });
    }))
}
