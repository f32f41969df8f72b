//! The instances that serve Cloud Run services: a revision's container started through the
//! kit's runner with `PORT` set to a free port on this machine, ready once something accepts
//! connections there, as Cloud Run's default TCP startup probe checks. A revision keeps at most
//! one instance; one that is not running is started again by the next request (Cloud Run's
//! cold start after scaling to zero); instances of revisions that serve no traffic are stopped.
//! Output lands in Cloud Logging under `cloud_run_revision` (`run.googleapis.com/stdout` and
//! `stderr`), and each proxied request under `run.googleapis.com/requests`.
//!
//! `PORT` is a free host port, not the container's declared port: every instance shares the
//! machine's network, so two services cannot both listen on 8080.
//!
//! Must not: see HTTP (the proxy is in `dispatch::run_app`); keep records (they are the
//! revisions').

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use sim_gcp_shapes::logging_v2::{HttpRequest, LogEntry, LogEntrySeverity, MonitoredResource};
use simkit::logs::{FnSink, LogLine, Stream};
use simkit::runner::{Workload, WorkloadImage, WorkloadSpec};

use super::Run;
use super::service::{RevisionRecord, ServiceName, declared_port, serving_revisions};
use crate::services::metadata::WorkloadIdentity;

/// How long a container gets to listen when its template sets no startup probe: Cloud Run's
/// default TCP probe allows 240 s.
const DEFAULT_STARTUP_TIMEOUT: Duration = Duration::from_secs(240);
/// How often the port is tried while an instance starts.
const PROBE_INTERVAL: Duration = Duration::from_millis(50);

/// A running instance of a revision.
#[derive(Clone)]
pub(crate) struct Instance {
    pub port: u16,
    pub id: String,
    workload: Workload,
}

/// Every revision's instance, and the turn counter that splits traffic.
#[derive(Default)]
pub(crate) struct Serving {
    instances: tokio::sync::Mutex<HashMap<String, Instance>>,
    /// Smooth weighted round robin per service (the revisions and their running credit): each
    /// request credits every revision its percent and goes to the one with most credit, which
    /// then pays 100; so shares interleave (50/50 alternates) and every hundred requests split
    /// exactly as the percentages say.
    credits: std::sync::Mutex<HashMap<String, Vec<Credit>>>,
    /// Instances by revision, readable without waiting on a start in progress.
    stoppable: std::sync::Mutex<HashMap<String, Workload>>,
}

/// A revision of a split, its percent and its running credit.
type Credit = (String, i64, i64);

/// Where a request to a service goes.
pub(crate) struct Target {
    pub instance: Instance,
    pub service: ServiceName,
    pub revision: String,
}

/// Why a request found nothing to serve it.
pub(crate) enum NoTarget {
    /// No service has this host name.
    UnknownHost,
    /// The service has no revision that can serve (none ready, or its instance would not start).
    Unavailable(String),
}

fn free_port() -> std::io::Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

impl Serving {
    /// Stops `revision`'s instance, if it has one.
    pub(crate) fn stop(&self, revision: &str) {
        let workload = self
            .stoppable
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(revision);
        if let Some(workload) = workload {
            workload.stop(Duration::from_secs(10));
        }
    }

    /// Starts `revision` afresh (a deployment): any old instance is stopped first.
    pub(crate) async fn restart(&self, run: &Arc<Run>, revision: &str) -> Result<Instance, String> {
        let mut instances = self.instances.lock().await;
        if let Some(old) = instances.remove(revision) {
            old.workload.stop(Duration::from_secs(10));
        }
        let instance = self.start(run, revision).await?;
        instances.insert(revision.to_string(), instance.clone());
        Ok(instance)
    }

    /// The running instance of `revision`, started if there is none.
    async fn ensure(&self, run: &Arc<Run>, revision: &str) -> Result<Instance, String> {
        let mut instances = self.instances.lock().await;
        if let Some(instance) = instances.get(revision)
            && instance.workload.exit_status().is_none()
        {
            return Ok(instance.clone());
        }
        let instance = self.start(run, revision).await?;
        instances.insert(revision.to_string(), instance.clone());
        Ok(instance)
    }

    async fn start(&self, run: &Arc<Run>, revision_key: &str) -> Result<Instance, String> {
        let record: RevisionRecord = run
            .revisions
            .get(revision_key)
            .ok_or_else(|| format!("Revision '{revision_key}' was not found."))?;
        let revision = &record.revision;
        let service_key = revision_key.split("/revisions/").next().unwrap_or_default();
        let service = ServiceName::parse(service_key).map_err(|e| e.message)?;
        let revision_id = revision_key
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_string();
        let container = revision
            .containers
            .as_ref()
            .and_then(|c| c.first().cloned())
            .ok_or_else(|| "The revision has no container.".to_string())?;
        let port = free_port().map_err(|e| format!("No free port for the instance: {e}"))?;
        let instance_id = run.kit.ids().hex(32);
        // Env vars from secrets are read now; one that cannot be read fails the start.
        let identity = WorkloadIdentity {
            project: service.project.clone(),
            region: service.location.clone(),
            service_account: revision.service_account.clone().unwrap_or_default(),
            workload: revision_key.to_string(),
        };
        let mut env = run.container_env(identity, container.env.as_ref())?;
        env.insert("PORT".into(), port.to_string());
        env.insert("K_SERVICE".into(), service.service.clone());
        env.insert("K_REVISION".into(), revision_id.clone());
        env.insert("K_CONFIGURATION".into(), service.service.clone());
        let mut argv: Vec<String> = container.command.clone().unwrap_or_default();
        argv.extend(container.args.clone().unwrap_or_default());
        let image = container.image.clone().unwrap_or_default();
        // A function's service runs the Functions Framework on this machine: its image is
        // one GCF would have built, which does not exist here.
        let managed_by_functions = revision.labels.as_ref().is_some_and(|labels| {
            labels
                .get(crate::services::functions::MANAGED_BY_LABEL.0)
                .map(String::as_str)
                == Some(crate::services::functions::MANAGED_BY_LABEL.1)
        });
        let located = if managed_by_functions {
            None
        } else {
            Some(run.locate_image(&image).await)
        };
        let spec = WorkloadSpec {
            name: format!("run/{}/{revision_id}", service.service),
            argv,
            env,
            stop_grace: Duration::from_secs(10),
            image: located.map(|located| WorkloadImage {
                reference: image.clone(),
                located,
                entrypoint: container.command.clone(),
                command: container.args.clone(),
                working_dir: container.working_dir.clone(),
            }),
            ..Default::default()
        };
        let resource = revision_resource(&service, &revision_id);
        let logging = Arc::clone(&run.logging);
        let project = service.project.clone();
        let labels = BTreeMap::from([("instanceId".to_string(), instance_id.clone())]);
        let sink = Arc::new(FnSink(move |line: LogLine| {
            let stream = match line.stream {
                Stream::Stdout => "stdout",
                Stream::Stderr => "stderr",
            };
            let entry = LogEntry {
                log_name: Some(format!(
                    "projects/{project}/logs/run.googleapis.com%2F{stream}"
                )),
                resource: Some(resource.clone()),
                labels: Some(labels.clone()),
                text_payload: Some(line.text),
                timestamp: Some(crate::time::rfc3339_nanos(time::OffsetDateTime::from(
                    line.time,
                ))),
                severity: (line.stream == Stream::Stderr).then_some(LogEntrySeverity::Error),
                ..Default::default()
            };
            if let Err(error) = logging.append(vec![entry]) {
                tracing::error!(%error, "could not write an instance's output to Cloud Logging");
            }
        }));
        let workload = run
            .kit
            .runner()
            .start(spec, sink)
            .await
            .map_err(|error| error.to_string())?;
        let timeout = container
            .startup_probe
            .as_ref()
            .filter(|probe| probe.http_get.is_none() && probe.grpc.is_none())
            .map(|probe| {
                let period = u64::try_from(probe.period_seconds.unwrap_or(240)).unwrap_or(240);
                let threshold = u64::try_from(probe.failure_threshold.unwrap_or(1)).unwrap_or(1);
                let delay = u64::try_from(probe.initial_delay_seconds.unwrap_or(0)).unwrap_or(0);
                Duration::from_secs(delay + period * threshold.max(1))
            })
            .unwrap_or(DEFAULT_STARTUP_TIMEOUT);
        let failure = format!(
            "The user-provided container failed to start and listen on the port defined provided by the PORT={port} environment variable within the allocated timeout. This can happen when the container port is misconfigured or if the timeout is too short. The health check timeout can be extended. Logs for this revision might contain more information.\n\nLogs URL: {}\nFor more troubleshooting guidance, see https://cloud.google.com/run/docs/troubleshooting#container-failed-to-start",
            revision.log_uri.clone().unwrap_or_default()
        );
        let listening = tokio::time::timeout(timeout, async {
            loop {
                if workload.exit_status().is_some() {
                    return false;
                }
                if tokio::net::TcpStream::connect(("127.0.0.1", port))
                    .await
                    .is_ok()
                {
                    return true;
                }
                tokio::time::sleep(PROBE_INTERVAL).await;
            }
        })
        .await
        .unwrap_or(false);
        if !listening {
            workload.stop(Duration::from_secs(1));
            run.system_log(
                &service,
                &revision_id,
                &format!(
                    "Default STARTUP TCP probe failed 1 time consecutively for container \"{}\" on port {}. The instance was not started.",
                    container.name.as_deref().unwrap_or("ctr"),
                    declared_port(revision)
                ),
            );
            return Err(failure);
        }
        self.stoppable
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(revision_key.to_string(), workload.clone());
        Ok(Instance {
            port,
            id: instance_id,
            workload,
        })
    }

    /// The instance a request to `host` goes to: the tag's revision for a tag's host, else a
    /// revision chosen by the traffic split.
    pub(crate) async fn route(&self, run: &Arc<Run>, host: &str) -> Result<Target, NoTarget> {
        let (service, tag) = run.service_for_host(host).ok_or(NoTarget::UnknownHost)?;
        let service_key = service.name.clone().unwrap_or_default();
        let name = ServiceName::parse(&service_key).map_err(|_| NoTarget::UnknownHost)?;
        let targets = serving_revisions(&service);
        let revision = match tag {
            Some(tag) => targets
                .iter()
                .find(|(_, _, t)| t.as_deref() == Some(tag.as_str()))
                .map(|(revision, _, _)| revision.clone())
                .ok_or(NoTarget::UnknownHost)?,
            None => self.pick(&service_key, &targets).ok_or_else(|| {
                NoTarget::Unavailable("The service has no revision ready to serve.".into())
            })?,
        };
        let revision_key = format!("{service_key}/revisions/{revision}");
        let instance = self
            .ensure(run, &revision_key)
            .await
            .map_err(NoTarget::Unavailable)?;
        Ok(Target {
            instance,
            service: name,
            revision,
        })
    }
}

impl Serving {
    /// The next revision of a split, by smooth weighted round robin.
    fn pick(&self, service: &str, targets: &[(String, i32, Option<String>)]) -> Option<String> {
        let shares: Vec<(String, i64)> = targets
            .iter()
            .filter(|(_, percent, _)| *percent > 0)
            .map(|(revision, percent, _)| (revision.clone(), i64::from(*percent)))
            .collect();
        let total: i64 = shares.iter().map(|(_, percent)| percent).sum();
        if total == 0 {
            return None;
        }
        let mut credits = self.credits.lock().unwrap_or_else(|p| p.into_inner());
        let entry = credits.entry(service.to_string()).or_default();
        let same_split = entry.len() == shares.len()
            && entry
                .iter()
                .zip(&shares)
                .all(|((revision, percent, _), (r, p))| revision == r && percent == p);
        if !same_split {
            *entry = shares.iter().map(|(r, p)| (r.clone(), *p, 0)).collect();
        }
        for (_, percent, credit) in entry.iter_mut() {
            *credit += *percent;
        }
        let chosen = entry.iter_mut().max_by_key(|(_, _, credit)| *credit)?;
        chosen.2 -= total;
        Some(chosen.0.clone())
    }
}

/// The monitored resource of a revision's log entries.
pub(crate) fn revision_resource(service: &ServiceName, revision: &str) -> MonitoredResource {
    MonitoredResource {
        r#type: Some("cloud_run_revision".into()),
        labels: Some(BTreeMap::from([
            ("project_id".to_string(), service.project.clone()),
            ("service_name".to_string(), service.service.clone()),
            ("revision_name".to_string(), revision.to_string()),
            ("location".to_string(), service.location.clone()),
            ("configuration_name".to_string(), service.service.clone()),
        ])),
    }
}

impl Run {
    /// A line of Cloud Run's own about a revision (`run.googleapis.com/varlog/system`).
    fn system_log(&self, service: &ServiceName, revision: &str, text: &str) {
        let entry = LogEntry {
            log_name: Some(format!(
                "projects/{}/logs/run.googleapis.com%2Fvarlog%2Fsystem",
                service.project
            )),
            resource: Some(revision_resource(service, revision)),
            text_payload: Some(text.to_string()),
            timestamp: Some(self.now()),
            severity: Some(LogEntrySeverity::Error),
            ..Default::default()
        };
        if let Err(error) = self.logging.append(vec![entry]) {
            tracing::error!(%error, "could not write a revision's system log");
        }
    }

    /// Records a request an instance answered, as Cloud Run's request log has it.
    pub(crate) fn log_request(&self, target: &Target, request: HttpRequest, trace: Option<String>) {
        let status = request.status.unwrap_or(0);
        let entry = LogEntry {
            log_name: Some(format!(
                "projects/{}/logs/run.googleapis.com%2Frequests",
                target.service.project
            )),
            resource: Some(revision_resource(&target.service, &target.revision)),
            labels: Some(BTreeMap::from([(
                "instanceId".to_string(),
                target.instance.id.clone(),
            )])),
            http_request: Some(request),
            timestamp: Some(self.now()),
            severity: Some(match status {
                500.. => LogEntrySeverity::Error,
                400..=499 => LogEntrySeverity::Warning,
                _ => LogEntrySeverity::Info,
            }),
            trace,
            ..Default::default()
        };
        if let Err(error) = self.logging.append(vec![entry]) {
            tracing::error!(%error, "could not write a request log entry");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_interleave_and_add_up_per_hundred() {
        let serving = Serving::default();
        let targets = vec![
            ("a".to_string(), 50, None),
            ("b".to_string(), 50, Some("t".to_string())),
        ];
        let picks: Vec<String> = (0..4).filter_map(|_| serving.pick("s", &targets)).collect();
        // Alternating, whichever comes first.
        assert!(
            picks[0] != picks[1] && picks[0] == picks[2] && picks[1] == picks[3],
            "{picks:?}"
        );
        let uneven = vec![("a".to_string(), 90, None), ("b".to_string(), 10, None)];
        let picks: Vec<String> = (0..100)
            .filter_map(|_| serving.pick("s", &uneven))
            .collect();
        assert_eq!(picks.iter().filter(|p| *p == "b").count(), 10);
        assert!(serving.pick("s", &[("a".to_string(), 0, None)]).is_none());
    }
}
