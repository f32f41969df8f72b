//! Cloud Run services (the v2 API): services, the revisions each template change makes, and
//! traffic. A revision is deployed by really starting its container ([`super::serving`]) and
//! waiting for it to listen on `PORT`; the create or update operation finishes when that is
//! known, with the service as its response or Cloud Run's startup error.
//!
//! What holds as in Cloud Run: service IDs are lowercase letters, digits and dashes, starting
//! with a letter, at most 49 characters; a service needs one container with an image; a new
//! revision (`SERVICE-00001-abc`, or the template's `revision`) is made when the template
//! changes or `forceNewRevision` is set, never for labels or traffic alone; `latestCreatedRevision`
//! names the newest revision and `latestReadyRevision` the newest that started; traffic is
//! `TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST` (100 %) by default, percentages must add up to 100,
//! a `REVISION` target must name a revision of the service, tags are unique and get their own
//! `https://TAG---HOST` URL; `trafficStatuses` say where traffic goes; a revision that serves
//! traffic or carries a tag cannot be deleted; deleting a service deletes its revisions and stops
//! its instances. The service's `uri` is `https://NAME-HASH-REGIONCODE.a.run.app`, with the hash
//! made from the project.
//!
//! Limitations: one serving container per revision (sidecars are refused with
//! INVALID_ARGUMENT); `showDeleted` and deletion by `etag` of
//! revisions are not simulated.
//!
//! Must not: see HTTP; start processes except through [`super::serving`].

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use sha2::Digest;
use sim_gcp_shapes::run_v2::{
    GoogleCloudRunV2Condition, GoogleCloudRunV2ConditionReason,
    GoogleCloudRunV2ConditionRevisionReason, GoogleCloudRunV2ConditionState,
    GoogleCloudRunV2ContainerPort, GoogleCloudRunV2ListRevisionsResponse,
    GoogleCloudRunV2ListServicesResponse, GoogleCloudRunV2Revision,
    GoogleCloudRunV2RevisionLaunchStage, GoogleCloudRunV2Service, GoogleCloudRunV2ServiceIngress,
    GoogleCloudRunV2ServiceLaunchStage, GoogleCloudRunV2TrafficTarget,
    GoogleCloudRunV2TrafficTargetStatus, GoogleCloudRunV2TrafficTargetStatusType,
    GoogleCloudRunV2TrafficTargetType, GoogleLongrunningOperation,
};
use simkit::operations::Outcome;

use super::{Run, as_any, condition, parse_parent};
use crate::error::GcpError;
use crate::protocol::paging;
use crate::services::operations::render;

pub const SERVICE_TYPE: &str = "type.googleapis.com/google.cloud.run.v2.Service";
pub const REVISION_TYPE: &str = "type.googleapis.com/google.cloud.run.v2.Revision";

/// The port Cloud Run tells a container to listen on when it declares none.
pub const DEFAULT_CONTAINER_PORT: i32 = 8080;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct ServiceRecord {
    pub service: GoogleCloudRunV2Service,
    /// Revisions made so far: the next one is numbered one more.
    pub revisions_made: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct RevisionRecord {
    pub revision: GoogleCloudRunV2Revision,
}

/// `projects/P/locations/L/services/S` split.
#[derive(Debug, Clone)]
pub(crate) struct ServiceName {
    pub project: String,
    pub location: String,
    pub service: String,
}

impl ServiceName {
    pub fn parse(name: &str) -> Result<Self, GcpError> {
        let parts: Vec<&str> = name.split('/').collect();
        match parts.as_slice() {
            [
                "projects",
                project,
                "locations",
                location,
                "services",
                service,
            ] if !project.is_empty() && !location.is_empty() && !service.is_empty() => Ok(Self {
                project: (*project).to_string(),
                location: (*location).to_string(),
                service: (*service).to_string(),
            }),
            _ => Err(GcpError::invalid(format!("Invalid service name: {name}"))),
        }
    }

    pub fn parent(&self) -> String {
        format!("projects/{}/locations/{}", self.project, self.location)
    }

    pub fn full(&self) -> String {
        format!("{}/services/{}", self.parent(), self.service)
    }

    /// The service's host name: `NAME-HASH-REGIONCODE.a.run.app`.
    pub fn host(&self) -> String {
        format!(
            "{}-{}-{}.a.run.app",
            self.service,
            project_hash(&self.project),
            region_code(&self.location)
        )
    }
}

/// Ten base-36 characters made from the project, as stable as Cloud Run's project hash.
fn project_hash(project: &str) -> String {
    let digest = sha2::Sha256::digest(project.as_bytes());
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    digest
        .iter()
        .take(10)
        .map(|byte| char::from(ALPHABET[usize::from(*byte) % ALPHABET.len()]))
        .collect()
}

/// Cloud Run's short code for a region in `a.run.app` host names.
fn region_code(region: &str) -> String {
    let known = [
        ("us-central1", "uc"),
        ("us-east1", "ue"),
        ("us-east4", "uk"),
        ("us-west1", "uw"),
        ("us-west2", "wl"),
        ("europe-west1", "ew"),
        ("europe-west2", "nw"),
        ("europe-west3", "ey"),
        ("europe-west4", "ez"),
        ("europe-north1", "lz"),
        ("asia-east1", "de"),
        ("asia-northeast1", "an"),
        ("asia-southeast1", "as"),
        ("australia-southeast1", "ts"),
    ];
    match known.iter().find(|(name, _)| *name == region) {
        Some((_, code)) => (*code).to_string(),
        // Regions outside the table: the initials of the region's words, which keeps host
        // names distinct per region.
        None => region
            .split('-')
            .filter_map(|word| word.chars().next())
            .collect::<String>()
            .to_ascii_lowercase(),
    }
}

/// Cloud Run's rule for service IDs.
fn check_service_id(id: &str) -> Result<(), GcpError> {
    let valid = !id.is_empty()
        && id.len() <= 49
        && id.starts_with(|c: char| c.is_ascii_lowercase())
        && !id.ends_with('-')
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if valid {
        Ok(())
    } else {
        // Our wording: the real message could not be checked here.
        Err(GcpError::invalid(format!(
            "Invalid service ID '{id}'. Service IDs must use only lowercase alphanumeric characters and dashes, begin with a letter, not end with a dash, and be at most 49 characters long."
        )))
    }
}

fn not_found(name: &str) -> GcpError {
    GcpError::not_found(format!("Resource '{name}' was not found"))
}

/// The revision a template names, or the next numbered one.
fn revision_id(service: &str, requested: Option<&str>, number: u32, suffix: &str) -> String {
    match requested.filter(|r| !r.is_empty()) {
        Some(revision) => revision.to_string(),
        None => format!("{service}-{number:05}-{suffix}"),
    }
}

/// Checks a template and fills Cloud Run's defaults in.
fn complete_template(
    template: &mut sim_gcp_shapes::run_v2::GoogleCloudRunV2RevisionTemplate,
    name: &ServiceName,
) -> Result<(), GcpError> {
    let containers = template.containers.get_or_insert_with(Vec::new);
    if containers.is_empty() {
        return Err(GcpError::invalid(
            "template.containers: at least one container must be specified",
        ));
    }
    if containers.len() > 1 {
        return Err(GcpError::invalid(
            "template.containers: sidecar containers are not supported by the simulator",
        ));
    }
    for container in containers.iter_mut() {
        if container.image.as_deref().is_none_or(str::is_empty) {
            return Err(GcpError::invalid(
                "template.containers[0].image: must be specified",
            ));
        }
        super::env::check_env(container.env.as_ref(), "template.containers[0]")?;
        let ports = container.ports.get_or_insert_with(Vec::new);
        if ports.len() > 1 {
            return Err(GcpError::invalid(
                "template.containers[0].ports: at most one port may be specified",
            ));
        }
        if ports.is_empty() {
            ports.push(GoogleCloudRunV2ContainerPort {
                name: Some("http1".into()),
                container_port: Some(DEFAULT_CONTAINER_PORT),
            });
        }
    }
    template.timeout.get_or_insert_with(|| "300s".into());
    template.max_instance_request_concurrency.get_or_insert(80);
    template
        .service_account
        .get_or_insert_with(|| crate::project::default_service_account(&name.project));
    template
        .scaling
        .get_or_insert_with(Default::default)
        .max_instance_count
        .get_or_insert(100);
    Ok(())
}

/// The port a template's container declares.
pub(crate) fn declared_port(revision: &GoogleCloudRunV2Revision) -> i32 {
    revision
        .containers
        .iter()
        .flatten()
        .flat_map(|c| c.ports.iter().flatten())
        .find_map(|p| p.container_port)
        .unwrap_or(DEFAULT_CONTAINER_PORT)
}

/// Checks traffic targets against the service's revisions (`known`, short names).
fn check_traffic(
    traffic: &[GoogleCloudRunV2TrafficTarget],
    known: &[String],
) -> Result<(), GcpError> {
    let mut total = 0;
    let mut tags: Vec<&str> = Vec::new();
    for target in traffic {
        let percent = target.percent.unwrap_or(0);
        if !(0..=100).contains(&percent) {
            return Err(GcpError::invalid(format!(
                "spec.traffic: percent must be between 0 and 100, got {percent}"
            )));
        }
        total += percent;
        match target.r#type {
            Some(GoogleCloudRunV2TrafficTargetType::TrafficTargetAllocationTypeRevision) => {
                let revision = target.revision.as_deref().unwrap_or_default();
                if revision.is_empty() {
                    return Err(GcpError::invalid(
                        "spec.traffic: a target of type REVISION must name a revision",
                    ));
                }
                if !known.iter().any(|k| k == revision) {
                    return Err(GcpError::not_found(format!(
                        "Revision named '{revision}' does not exist"
                    )));
                }
            }
            Some(GoogleCloudRunV2TrafficTargetType::TrafficTargetAllocationTypeLatest) => {}
            _ => {
                return Err(GcpError::invalid(
                    "spec.traffic: a target's type must be TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST or TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION",
                ));
            }
        }
        if let Some(tag) = target.tag.as_deref().filter(|t| !t.is_empty()) {
            let valid = tag.len() <= 46
                && tag.starts_with(|c: char| c.is_ascii_lowercase())
                && tag
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
            if !valid {
                return Err(GcpError::invalid(format!(
                    "spec.traffic: tag '{tag}' must use only lowercase letters, digits and dashes and begin with a letter"
                )));
            }
            if tags.contains(&tag) {
                return Err(GcpError::invalid(format!(
                    "spec.traffic: tag '{tag}' is used more than once"
                )));
            }
            tags.push(tag);
        }
    }
    if !traffic.is_empty() && total != 100 {
        return Err(GcpError::invalid(format!(
            "spec.traffic: the traffic percentages must add up to 100, got {total}"
        )));
    }
    Ok(())
}

fn short(revision_name: &str) -> &str {
    revision_name.rsplit('/').next().unwrap_or(revision_name)
}

/// Where a service's traffic goes now: its targets with `LATEST` resolved to the latest ready
/// revision, and a URL per tag.
fn traffic_statuses(service: &GoogleCloudRunV2Service) -> Vec<GoogleCloudRunV2TrafficTargetStatus> {
    let host = service
        .uri
        .as_deref()
        .and_then(|uri| uri.strip_prefix("https://"))
        .unwrap_or_default()
        .to_string();
    service
        .traffic
        .iter()
        .flatten()
        .map(|target| {
            let latest = target.r#type
                == Some(GoogleCloudRunV2TrafficTargetType::TrafficTargetAllocationTypeLatest);
            GoogleCloudRunV2TrafficTargetStatus {
                r#type: Some(if latest {
                    GoogleCloudRunV2TrafficTargetStatusType::TrafficTargetAllocationTypeLatest
                } else {
                    GoogleCloudRunV2TrafficTargetStatusType::TrafficTargetAllocationTypeRevision
                }),
                revision: if latest {
                    None
                } else {
                    target.revision.clone()
                },
                percent: target.percent.filter(|p| *p > 0),
                tag: target.tag.clone().filter(|t| !t.is_empty()),
                uri: target
                    .tag
                    .as_deref()
                    .filter(|t| !t.is_empty())
                    .map(|tag| format!("https://{tag}---{host}")),
            }
        })
        .collect()
}

/// The revisions (short names) that serve a service's traffic or carry a tag, with their
/// share; `LATEST` is the latest ready revision.
pub(crate) fn serving_revisions(
    service: &GoogleCloudRunV2Service,
) -> Vec<(String, i32, Option<String>)> {
    let latest = service.latest_ready_revision.as_deref().map(short);
    service
        .traffic
        .iter()
        .flatten()
        .filter_map(|target| {
            let revision = match target.r#type {
                Some(GoogleCloudRunV2TrafficTargetType::TrafficTargetAllocationTypeLatest) => {
                    latest?.to_string()
                }
                _ => target.revision.clone()?,
            };
            Some((
                revision,
                target.percent.unwrap_or(0),
                target.tag.clone().filter(|t| !t.is_empty()),
            ))
        })
        .collect()
}

/// Marks a service as rolling out its current generation, as Knative serving reports it from
/// the moment the new spec is observed: `Ready`, `ConfigurationsReady` and `RoutesReady` are
/// `Unknown` (v2 `CONDITION_RECONCILING`) until the deploy settles. The previous revision keeps
/// serving meanwhile (`latestReadyRevision` moves only when the new one is ready), and gcloud
/// waits for `Ready` to leave `Unknown` before it reports which revision serves.
fn start_reconciling(service: &mut GoogleCloudRunV2Service, now: &str) {
    service.reconciling = Some(true);
    service.terminal_condition = Some(condition(
        "Ready",
        GoogleCloudRunV2ConditionState::ConditionReconciling,
        now,
    ));
    service.conditions = Some(vec![
        condition(
            "RoutesReady",
            GoogleCloudRunV2ConditionState::ConditionReconciling,
            now,
        ),
        condition(
            "ConfigurationsReady",
            GoogleCloudRunV2ConditionState::ConditionReconciling,
            now,
        ),
    ]);
}

fn set_condition(
    conditions: &mut Vec<GoogleCloudRunV2Condition>,
    kind: &str,
    state: GoogleCloudRunV2ConditionState,
    at: &str,
    message: Option<String>,
) {
    conditions.retain(|c| c.r#type.as_deref() != Some(kind));
    let mut added = condition(kind, state, at);
    added.message = message;
    conditions.push(added);
}

impl Run {
    fn revision_names(&self, service: &str) -> Vec<String> {
        self.revisions
            .scan_prefix(&format!("{service}/revisions/"))
            .into_iter()
            .map(|(key, _)| short(&key).to_string())
            .collect()
    }

    /// A new revision record from a service's template, not yet deployed.
    fn new_revision(
        &self,
        name: &ServiceName,
        service: &GoogleCloudRunV2Service,
        number: u32,
    ) -> Result<(String, RevisionRecord), GcpError> {
        let template = service.template.clone().unwrap_or_default();
        let suffix = self
            .kit
            .ids()
            .random_word(b"abcdefghijklmnopqrstuvwxyz0123456789", 3);
        let id = revision_id(&name.service, template.revision.as_deref(), number, &suffix);
        if !id.starts_with(&format!("{}-", name.service)) {
            return Err(GcpError::invalid(format!(
                "template.revision: revision name '{id}' must be prefixed by the service name '{}-'",
                name.service
            )));
        }
        let full = format!("{}/revisions/{id}", name.full());
        if self.revisions.contains(&full) {
            return Err(GcpError::conflict(format!(
                "Revision named '{id}' with different configuration already exists."
            )));
        }
        let now = self.now();
        let mut labels = template.labels.clone().unwrap_or_default();
        labels.extend(service.labels.clone().unwrap_or_default());
        let revision = GoogleCloudRunV2Revision {
            name: Some(full.clone()),
            uid: Some(self.kit.ids().uuid()),
            generation: Some(1),
            labels: (!labels.is_empty()).then_some(labels),
            annotations: template.annotations.clone(),
            create_time: Some(now.clone()),
            update_time: Some(now.clone()),
            launch_stage: Some(GoogleCloudRunV2RevisionLaunchStage::Ga),
            service: Some(name.service.clone()),
            scaling: template.scaling.clone(),
            containers: template.containers.clone(),
            timeout: template.timeout.clone(),
            service_account: template.service_account.clone(),
            max_instance_request_concurrency: template.max_instance_request_concurrency,
            execution_environment: template.execution_environment.map(|e| {
                serde_json::from_value(serde_json::to_value(e).unwrap_or_default())
                    .unwrap_or_default()
            }),
            reconciling: Some(true),
            observed_generation: Some(1),
            conditions: Some(vec![
                condition(
                    "ResourcesAvailable",
                    GoogleCloudRunV2ConditionState::ConditionReconciling,
                    &now,
                ),
                condition(
                    "ContainerHealthy",
                    GoogleCloudRunV2ConditionState::ConditionReconciling,
                    &now,
                ),
                condition(
                    "Ready",
                    GoogleCloudRunV2ConditionState::ConditionReconciling,
                    &now,
                ),
            ]),
            log_uri: Some(format!(
                "https://console.cloud.google.com/logs/viewer?project={}&resource=cloud_run_revision/service_name/{}/revision_name/{id}",
                name.project, name.service
            )),
            etag: Some(self.etag()),
            ..Default::default()
        };
        Ok((full, RevisionRecord { revision }))
    }

    /// `services.create`.
    pub fn create_service(
        self: &Arc<Self>,
        parent: &str,
        service_id: &str,
        mut service: GoogleCloudRunV2Service,
        validate_only: bool,
    ) -> Result<GoogleLongrunningOperation, GcpError> {
        let (project, location) = parse_parent(parent)?;
        check_service_id(service_id)?;
        let name = ServiceName {
            project,
            location,
            service: service_id.to_string(),
        };
        let template = service
            .template
            .as_mut()
            .ok_or_else(|| GcpError::invalid("template: must be specified"))?;
        complete_template(template, &name)?;
        let full = name.full();
        let now = self.now();
        let host = name.host();
        service.name = Some(full.clone());
        service.uid = Some(self.kit.ids().uuid());
        service.generation = Some(1);
        service.observed_generation = Some(1);
        service.create_time = Some(now.clone());
        service.update_time = Some(now.clone());
        service.creator.get_or_insert_with(|| "anonymous".into());
        service.last_modifier = service.creator.clone();
        service.etag = Some(self.etag());
        service.uri = Some(format!("https://{host}"));
        service.urls = Some(vec![format!("https://{host}")]);
        service
            .launch_stage
            .get_or_insert(GoogleCloudRunV2ServiceLaunchStage::Ga);
        service
            .ingress
            .get_or_insert(GoogleCloudRunV2ServiceIngress::IngressTrafficAll);
        if service.traffic.as_ref().is_none_or(Vec::is_empty) {
            service.traffic = Some(vec![GoogleCloudRunV2TrafficTarget {
                r#type: Some(GoogleCloudRunV2TrafficTargetType::TrafficTargetAllocationTypeLatest),
                percent: Some(100),
                ..Default::default()
            }]);
        }
        let first = revision_id(
            service_id,
            service
                .template
                .as_ref()
                .and_then(|t| t.revision.as_deref()),
            1,
            "",
        );
        // On create only the revision being made can be named.
        check_traffic(service.traffic.as_deref().unwrap_or_default(), &[first])?;
        start_reconciling(&mut service, &now);
        if validate_only {
            let metadata = as_any(&service, SERVICE_TYPE);
            return Ok(GoogleLongrunningOperation {
                metadata: metadata
                    .as_object()
                    .map(|m| m.clone().into_iter().collect()),
                done: Some(false),
                ..Default::default()
            });
        }
        let (revision_key, revision) = self.new_revision(&name, &service, 1)?;
        service.latest_created_revision = Some(revision_key.clone());
        let (services, revisions) = (self.services.clone(), self.revisions.clone());
        let record = ServiceRecord {
            service: service.clone(),
            revisions_made: 1,
        };
        self.kit.store().transaction(|txn| {
            if txn.get(&services, &full)?.is_some() {
                return Err(GcpError::conflict(format!(
                    "Resource '{service_id}' already exists."
                )));
            }
            txn.insert(&services, &full, record.clone())?;
            txn.insert(&revisions, &revision_key, revision.clone())?;
            Ok(())
        })?;
        self.deploy_operation(&name, &service, Some(revision_key))
    }

    /// An operation that deploys `revision` (if any) and then settles the service.
    fn deploy_operation(
        self: &Arc<Self>,
        name: &ServiceName,
        service: &GoogleCloudRunV2Service,
        revision: Option<String>,
    ) -> Result<GoogleLongrunningOperation, GcpError> {
        let operation_name = format!("{}/operations/{}", name.parent(), self.kit.ids().uuid());
        let run = Arc::clone(self);
        let service_key = name.full();
        let operation = self
            .long_running
            .operations
            .run(&operation_name, as_any(service, SERVICE_TYPE), async move {
                let failure = match &revision {
                    Some(revision) => run.deploy_revision(&service_key, revision).await.err(),
                    None => None,
                };
                let settled = run.settle_service(&service_key, failure.as_deref());
                match (settled, failure) {
                    (Ok(_), Some(message)) => Outcome::Error {
                        code: "FAILED_PRECONDITION".into(),
                        message,
                    },
                    (Ok(service), None) => Outcome::Response(as_any(&service, SERVICE_TYPE)),
                    (Err(error), _) => Outcome::Error {
                        code: error.status.to_string(),
                        message: error.message,
                    },
                }
            })
            .map_err(|_| GcpError::internal())?;
        Ok(render(operation))
    }

    /// Starts a revision's first instance and records whether it became ready; the error is
    /// the service's message for a revision that did not.
    async fn deploy_revision(
        self: &Arc<Self>,
        service_key: &str,
        revision_key: &str,
    ) -> Result<(), String> {
        let started = self.serving.restart(self, revision_key).await;
        let now = self.now();
        let id = short(revision_key).to_string();
        let failure = started.err();
        let update = self.revisions.update(revision_key, |record| {
            let revision = &mut record.revision;
            revision.reconciling = Some(false);
            revision.update_time = Some(now.clone());
            let conditions = revision.conditions.get_or_insert_with(Vec::new);
            let state = if failure.is_some() {
                GoogleCloudRunV2ConditionState::ConditionFailed
            } else {
                GoogleCloudRunV2ConditionState::ConditionSucceeded
            };
            set_condition(
                conditions,
                "ResourcesAvailable",
                GoogleCloudRunV2ConditionState::ConditionSucceeded,
                &now,
                None,
            );
            set_condition(conditions, "ContainerHealthy", state, &now, failure.clone());
            set_condition(conditions, "Ready", state, &now, failure.clone());
            if failure.is_some() {
                for c in conditions
                    .iter_mut()
                    .filter(|c| c.r#type.as_deref() != Some("ResourcesAvailable"))
                {
                    c.revision_reason =
                        Some(GoogleCloudRunV2ConditionRevisionReason::HealthCheckContainerError);
                }
            }
        });
        if let Err(error) = update {
            tracing::error!(%error, "could not record a revision's deployment");
        }
        match failure {
            None => {
                if let Err(error) = self.services.update(service_key, |record| {
                    record.service.latest_ready_revision = Some(revision_key.to_string());
                }) {
                    tracing::error!(%error, "could not record a service's ready revision");
                }
                Ok(())
            }
            Some(message) => Err(format!(
                "Revision '{id}' is not ready and cannot serve traffic. {message}"
            )),
        }
    }

    /// Records where traffic goes now and the service's conditions; stops instances of
    /// revisions that no longer serve (Cloud Run scales them to zero).
    fn settle_service(
        &self,
        service_key: &str,
        failure: Option<&str>,
    ) -> Result<GoogleCloudRunV2Service, GcpError> {
        let now = self.now();
        let service = self.services.modify(service_key, |slot| {
            let Some(record) = slot.as_mut() else {
                return Err(not_found(service_key));
            };
            let service = &mut record.service;
            service.traffic_statuses = Some(traffic_statuses(service));
            service.reconciling = Some(false);
            service.update_time = Some(now.clone());
            let (state, message) = match failure {
                Some(message) => (
                    GoogleCloudRunV2ConditionState::ConditionFailed,
                    Some(message.to_string()),
                ),
                None => (GoogleCloudRunV2ConditionState::ConditionSucceeded, None),
            };
            let mut ready = condition("Ready", state, &now);
            ready.message = message.clone();
            if failure.is_some() {
                ready.reason = Some(GoogleCloudRunV2ConditionReason::RevisionFailed);
            }
            service.terminal_condition = Some(ready);
            // A route with a ready revision keeps serving it; one with none fails with
            // Knative's message. The configuration comes first, as Knative lists them (gcloud
            // fails its stages in this order and reports the first).
            let has_ready = service.latest_ready_revision.is_some();
            let (route_state, route_message) = if has_ready {
                (GoogleCloudRunV2ConditionState::ConditionSucceeded, None)
            } else {
                let id = short(service_key);
                (
                    state,
                    failure
                        .map(|_| format!("Configuration '{id}' does not have any ready Revision.")),
                )
            };
            let conditions = service.conditions.get_or_insert_with(Vec::new);
            set_condition(conditions, "ConfigurationsReady", state, &now, message);
            set_condition(conditions, "RoutesReady", route_state, &now, route_message);
            Ok(service.clone())
        })?;
        let serving: Vec<String> = serving_revisions(&service)
            .into_iter()
            .map(|(revision, _, _)| format!("{service_key}/revisions/{revision}"))
            .collect();
        for revision in self.revision_names(service_key) {
            let key = format!("{service_key}/revisions/{revision}");
            if !serving.contains(&key) {
                self.serving.stop(&key);
            }
        }
        Ok(service)
    }

    pub fn get_service(&self, name: &str) -> Result<GoogleCloudRunV2Service, GcpError> {
        ServiceName::parse(name)?;
        self.services
            .get(name)
            .map(|record| record.service)
            .ok_or_else(|| not_found(name))
    }

    pub fn list_services(
        &self,
        parent: &str,
        page_size: Option<i64>,
        page_token: Option<&str>,
    ) -> Result<GoogleCloudRunV2ListServicesResponse, GcpError> {
        parse_parent(parent)?;
        let size = paging::page_size(page_size, 100, 1000)?;
        let resume = paging::resume_after(page_token)?;
        let services: Vec<GoogleCloudRunV2Service> = self
            .services
            .scan_prefix(&format!("{parent}/services/"))
            .into_iter()
            .filter(|(key, _)| resume.as_ref().is_none_or(|last| key > last))
            .map(|(_, record)| record.service)
            .collect();
        let (services, next_page_token) = paging::cut(services, size, |s| s.name.clone());
        Ok(GoogleCloudRunV2ListServicesResponse {
            next_page_token,
            services: (!services.is_empty()).then_some(services),
            unreachable: None,
        })
    }

    /// `services.patch`: a template change (or `forceNewRevision`) makes a new revision;
    /// traffic, labels and the rest change the service only.
    pub fn update_service(
        self: &Arc<Self>,
        name: &str,
        mut patch: GoogleCloudRunV2Service,
        allow_missing: bool,
        force_new_revision: bool,
        validate_only: bool,
    ) -> Result<GoogleLongrunningOperation, GcpError> {
        let parsed = ServiceName::parse(name)?;
        if !self.services.contains(name) {
            if allow_missing {
                return self.create_service(
                    &parsed.parent(),
                    &parsed.service,
                    patch,
                    validate_only,
                );
            }
            return Err(not_found(name));
        }
        if let Some(template) = patch.template.as_mut() {
            complete_template(template, &parsed)?;
        }
        let known = self.revision_names(name);
        let mut record = self.services.get(name).ok_or_else(|| not_found(name))?;
        let read_etag = record.service.etag.clone();
        let service = &mut record.service;
        if let Some(expected) = patch.etag.as_deref().filter(|e| !e.is_empty())
            && service.etag.as_deref() != Some(expected)
        {
            return Err(GcpError::aborted(
                "The etag provided does not match the current etag of the resource.",
            ));
        }
        let template_changed = match &patch.template {
            Some(template) => {
                let mut current = service.template.clone().unwrap_or_default();
                // The revision name alone is no change unless it names a new revision.
                if template.revision.is_none() {
                    current.revision = None;
                }
                serde_json::to_value(&current).ok() != serde_json::to_value(template).ok()
            }
            None => false,
        };
        if let Some(template) = patch.template.take() {
            service.template = Some(template);
        }
        if patch.labels.is_some() {
            service.labels = patch.labels.take();
        }
        if patch.annotations.is_some() {
            service.annotations = patch.annotations.take();
        }
        if patch.description.is_some() {
            service.description = patch.description.take();
        }
        if patch.ingress.is_some() {
            service.ingress = patch.ingress;
        }
        if patch.scaling.is_some() {
            service.scaling = patch.scaling.take();
        }
        let mut revisions = known;
        let mut new_revision: Option<(String, RevisionRecord)> = None;
        if template_changed || force_new_revision {
            let number = record.revisions_made + 1;
            let made = self.new_revision(&parsed, &record.service, number)?;
            revisions.push(short(&made.0).to_string());
            record.service.latest_created_revision = Some(made.0.clone());
            record.revisions_made = number;
            new_revision = Some(made);
        }
        let service = &mut record.service;
        if let Some(traffic) = patch.traffic.take() {
            check_traffic(&traffic, &revisions)?;
            service.traffic = Some(if traffic.is_empty() {
                vec![GoogleCloudRunV2TrafficTarget {
                    r#type: Some(
                        GoogleCloudRunV2TrafficTargetType::TrafficTargetAllocationTypeLatest,
                    ),
                    percent: Some(100),
                    ..Default::default()
                }]
            } else {
                traffic
            });
        }
        let generation = service.generation.unwrap_or(1) + 1;
        service.generation = Some(generation);
        service.observed_generation = Some(generation);
        let now = self.now();
        service.update_time = Some(now.clone());
        service.etag = Some(self.etag());
        start_reconciling(service, &now);
        if validate_only {
            let metadata = as_any(&record.service, SERVICE_TYPE);
            return Ok(GoogleLongrunningOperation {
                metadata: metadata
                    .as_object()
                    .map(|m| m.clone().into_iter().collect()),
                done: Some(false),
                ..Default::default()
            });
        }
        let service = record.service.clone();
        let (services, revisions_collection) = (self.services.clone(), self.revisions.clone());
        let revision_key = new_revision.as_ref().map(|(key, _)| key.clone());
        self.kit.store().transaction(|txn| {
            // Another update in between: this one was made from a stale read.
            let current = txn.get(&services, name)?.ok_or_else(|| not_found(name))?;
            if current.service.etag != read_etag {
                return Err(GcpError::aborted(
                    "The service was changed concurrently; retry the update.",
                ));
            }
            txn.insert(&services, name, record.clone())?;
            if let Some((key, revision)) = &new_revision {
                txn.insert(&revisions_collection, key, revision.clone())?;
            }
            Ok(())
        })?;
        self.deploy_operation(&parsed, &service, revision_key)
    }

    /// `services.delete`: the service, its revisions, and their instances.
    pub fn delete_service(
        &self,
        name: &str,
        etag: Option<&str>,
    ) -> Result<GoogleLongrunningOperation, GcpError> {
        let parsed = ServiceName::parse(name)?;
        let mut service = self.get_service(name)?;
        if let Some(expected) = etag.filter(|e| !e.is_empty())
            && service.etag.as_deref() != Some(expected)
        {
            return Err(GcpError::aborted(
                "The etag provided does not match the current etag of the resource.",
            ));
        }
        for revision in self.revision_names(name) {
            self.serving.stop(&format!("{name}/revisions/{revision}"));
        }
        let (services, revisions) = (self.services.clone(), self.revisions.clone());
        let prefix = format!("{name}/revisions/");
        self.kit.store().transaction(|txn| {
            txn.remove(&services, name)?;
            txn.remove_prefix(&revisions, &prefix)?;
            Ok::<_, GcpError>(())
        })?;
        self.policies.forget(name)?;
        service.delete_time = Some(self.now());
        self.finished_operation(
            &parsed.parent(),
            as_any(&service, SERVICE_TYPE),
            as_any(&service, SERVICE_TYPE),
        )
    }

    pub fn get_revision(&self, name: &str) -> Result<GoogleCloudRunV2Revision, GcpError> {
        self.revisions
            .get(name)
            .map(|record| record.revision)
            .ok_or_else(|| not_found(name))
    }

    /// `revisions.list`: newest first.
    pub fn list_revisions(
        &self,
        parent: &str,
        page_size: Option<i64>,
        page_token: Option<&str>,
    ) -> Result<GoogleCloudRunV2ListRevisionsResponse, GcpError> {
        ServiceName::parse(parent)?;
        if !self.services.contains(parent) {
            return Err(not_found(parent));
        }
        let size = paging::page_size(page_size, 100, 1000)?;
        let resume = paging::resume_after(page_token)?;
        let key = |r: &GoogleCloudRunV2Revision| {
            format!(
                "{}|{}",
                r.create_time.as_deref().unwrap_or(""),
                r.name.as_deref().unwrap_or("")
            )
        };
        let mut revisions: Vec<GoogleCloudRunV2Revision> = self
            .revisions
            .scan_prefix(&format!("{parent}/revisions/"))
            .into_iter()
            .map(|(_, record)| record.revision)
            .collect();
        revisions.sort_by_key(|r| std::cmp::Reverse(key(r)));
        let revisions: Vec<GoogleCloudRunV2Revision> = revisions
            .into_iter()
            .filter(|r| resume.as_ref().is_none_or(|last| key(r) < *last))
            .collect();
        let (revisions, next_page_token) = paging::cut(revisions, size, |r| Some(key(r)));
        Ok(GoogleCloudRunV2ListRevisionsResponse {
            next_page_token,
            revisions: (!revisions.is_empty()).then_some(revisions),
        })
    }

    /// `revisions.delete`: only a revision that serves no traffic and carries no tag.
    pub fn delete_revision(&self, name: &str) -> Result<GoogleLongrunningOperation, GcpError> {
        let mut revision = self.get_revision(name)?;
        let service_key = name.split("/revisions/").next().unwrap_or_default();
        let parsed = ServiceName::parse(service_key)?;
        let id = short(name);
        if let Some(record) = self.services.get(service_key) {
            let serving = serving_revisions(&record.service)
                .into_iter()
                .any(|(revision, percent, tag)| revision == id && (percent > 0 || tag.is_some()));
            // Our wording: the real message could not be checked here.
            if serving {
                return Err(GcpError::failed_precondition(format!(
                    "Revision {id} is serving traffic and cannot be deleted. Move its traffic and tags to other revisions first."
                )));
            }
            if record.service.latest_created_revision.as_deref() == Some(name) {
                return Err(GcpError::failed_precondition(format!(
                    "Revision {id} is the latest created revision of service {} and cannot be deleted.",
                    parsed.service
                )));
            }
        }
        self.serving.stop(name);
        self.revisions.remove(name)?;
        revision.delete_time = Some(self.now());
        self.finished_operation(
            &parsed.parent(),
            as_any(&revision, REVISION_TYPE),
            as_any(&revision, REVISION_TYPE),
        )
    }

    /// The service a `*.run.app` host names, and the tag if the host is a tag's.
    pub(crate) fn service_for_host(
        &self,
        host: &str,
    ) -> Option<(GoogleCloudRunV2Service, Option<String>)> {
        let (tag, base) = match host.split_once("---") {
            Some((tag, base)) => (Some(tag.to_string()), base),
            None => (None, host),
        };
        self.services
            .all()
            .into_iter()
            .map(|(_, record)| record.service)
            .find(|service| {
                service
                    .urls
                    .iter()
                    .flatten()
                    .chain(service.uri.iter())
                    .any(|url| url.strip_prefix("https://") == Some(base))
            })
            .map(|service| (service, tag))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_ids_and_hosts_follow_cloud_runs_rules() {
        for good in ["a", "hello", "svc-1", &"a".repeat(49)] {
            assert!(check_service_id(good).is_ok(), "{good}");
        }
        for bad in ["", "1svc", "Svc", "svc-", "s_v", &"a".repeat(50)] {
            assert!(check_service_id(bad).is_err(), "{bad}");
        }
        let name =
            ServiceName::parse("projects/p/locations/us-central1/services/hello").expect("valid");
        let host = name.host();
        assert!(
            host.starts_with("hello-") && host.ends_with("-uc.a.run.app"),
            "{host}"
        );
        assert_eq!(host.len(), "hello-".len() + 10 + "-uc.a.run.app".len());
        assert_eq!(region_code("me-central2"), "mc");
    }

    #[test]
    fn traffic_must_add_up_and_name_known_revisions() {
        let latest = |percent| GoogleCloudRunV2TrafficTarget {
            r#type: Some(GoogleCloudRunV2TrafficTargetType::TrafficTargetAllocationTypeLatest),
            percent: Some(percent),
            ..Default::default()
        };
        let pinned = |revision: &str, percent, tag: Option<&str>| GoogleCloudRunV2TrafficTarget {
            r#type: Some(GoogleCloudRunV2TrafficTargetType::TrafficTargetAllocationTypeRevision),
            revision: Some(revision.into()),
            percent: Some(percent),
            tag: tag.map(str::to_string),
        };
        let known = vec!["s-00001-abc".to_string()];
        assert!(check_traffic(&[latest(100)], &known).is_ok());
        assert!(
            check_traffic(
                &[latest(50), pinned("s-00001-abc", 50, Some("old"))],
                &known
            )
            .is_ok()
        );
        assert!(check_traffic(&[latest(50)], &known).is_err());
        assert_eq!(
            check_traffic(&[pinned("s-00009-zzz", 100, None)], &known)
                .expect_err("unknown")
                .status,
            "NOT_FOUND"
        );
        assert!(
            check_traffic(
                &[latest(0), pinned("s-00001-abc", 100, Some("Bad"))],
                &known
            )
            .is_err()
        );
        assert!(
            check_traffic(
                &[pinned("s-00001-abc", 50, Some("t")), latest(50).clone()]
                    .iter()
                    .cloned()
                    .chain([pinned("s-00001-abc", 0, Some("t"))])
                    .collect::<Vec<_>>(),
                &known
            )
            .is_err()
        );
    }
}
