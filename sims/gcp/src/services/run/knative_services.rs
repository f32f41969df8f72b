//! Cloud Run services through the v1 (Knative serving) API `gcloud run services` and
//! `gcloud run deploy` speak (`/apis/serving.knative.dev/v1/namespaces/PROJECT/services` and
//! `.../revisions`), a second front on the v2 records of [`super::service`]: a service made
//! through either API is the same record, and v1 answers are made from it. A create or replace
//! answers at once with the service still reconciling (`Ready` `"Unknown"`); gcloud polls it
//! until `status.observedGeneration` matches and `Ready` is `"True"` or `"False"`.
//!
//! Mapping: `spec.template.metadata.name` is the revision's name, `containerConcurrency` is
//! `maxInstanceRequestConcurrency`, `timeoutSeconds` the template's timeout,
//! `autoscaling.knative.dev/maxScale` and `minScale` the template's scaling; a traffic target
//! with `latestRevision: true` is v2's `LATEST`, one with `revisionName` a `REVISION` target.
//!
//! Env vars from secrets convert as for jobs. Limitations: volumes are refused with
//! INVALID_ARGUMENT; `dryRun` is refused; routes and configurations are not served.
//!
//! Must not: see HTTP, or keep any state of its own.

use std::collections::BTreeMap;
use std::sync::Arc;

use sim_gcp_shapes::run_v1 as v1;
use sim_gcp_shapes::run_v2::{
    GoogleCloudRunV2Revision, GoogleCloudRunV2RevisionScaling, GoogleCloudRunV2RevisionTemplate,
    GoogleCloudRunV2Service, GoogleCloudRunV2TrafficTarget, GoogleCloudRunV2TrafficTargetType,
};

use super::Run;
use super::knative::{
    CLIENT_NAME, CLIENT_VERSION, LAUNCH_STAGE, LOCATION_LABEL, ListOptions, Scope, deleted,
    labels_of, last_segment, page, parse_selector, project_and_location, seconds_text, selects,
    user_entries, v1_condition, v1_containers, v1_not_found, v2_containers,
};
use crate::error::GcpError;

const SERVING_API_VERSION: &str = "serving.knative.dev/v1";
const MAX_SCALE: &str = "autoscaling.knative.dev/maxScale";
const MIN_SCALE: &str = "autoscaling.knative.dev/minScale";
const SERVICE_LABEL: &str = "serving.knative.dev/service";
const CONFIGURATION_LABEL: &str = "serving.knative.dev/configuration";
const CREATOR: &str = "serving.knative.dev/creator";
const LAST_MODIFIER: &str = "serving.knative.dev/lastModifier";
const NONCE: &str = "client.knative.dev/nonce";

fn serving_link(namespace: &str, kind: &str, id: &str) -> String {
    format!("/apis/{SERVING_API_VERSION}/namespaces/{namespace}/{kind}/{id}")
}

fn scale(
    annotations: Option<&BTreeMap<String, String>>,
    key: &str,
) -> Result<Option<i32>, GcpError> {
    match annotations.and_then(|a| a.get(key)) {
        None => Ok(None),
        Some(text) => text.parse::<i32>().map(Some).map_err(|_| {
            GcpError::invalid(format!(
                "spec.template.metadata.annotations[{key}]: '{text}' is not a whole number"
            ))
        }),
    }
}

/// A v1 Service as the v2 service a create or replace makes.
fn v2_service(service: &v1::Service) -> Result<GoogleCloudRunV2Service, GcpError> {
    let metadata = service.metadata.clone().unwrap_or_default();
    let spec = service.spec.clone().unwrap_or_default();
    let template = spec.template.unwrap_or_default();
    let template_metadata = template.metadata.unwrap_or_default();
    let revision_spec = template.spec.unwrap_or_default();
    if revision_spec
        .volumes
        .as_ref()
        .is_some_and(|v| !v.is_empty())
    {
        return Err(GcpError::invalid(
            "spec.template.spec.volumes: volumes are not supported by the simulator",
        ));
    }
    let timeout = match revision_spec.timeout_seconds {
        Some(seconds) if seconds <= 0 => {
            return Err(GcpError::invalid(format!(
                "spec.template.spec.timeoutSeconds: must be positive, not {seconds}"
            )));
        }
        Some(seconds) => Some(format!("{seconds}s")),
        None => None,
    };
    let template_annotations = template_metadata.annotations.as_ref();
    let max = scale(template_annotations, MAX_SCALE)?;
    let min = scale(template_annotations, MIN_SCALE)?;
    let traffic: Vec<GoogleCloudRunV2TrafficTarget> = spec
        .traffic
        .iter()
        .flatten()
        .map(|target| GoogleCloudRunV2TrafficTarget {
            r#type: Some(if target.latest_revision.unwrap_or(false) {
                GoogleCloudRunV2TrafficTargetType::TrafficTargetAllocationTypeLatest
            } else {
                GoogleCloudRunV2TrafficTargetType::TrafficTargetAllocationTypeRevision
            }),
            revision: target.revision_name.clone().filter(|r| !r.is_empty()),
            percent: target.percent,
            tag: target.tag.clone().filter(|t| !t.is_empty()),
        })
        .collect();
    let annotations = metadata.annotations.as_ref();
    Ok(GoogleCloudRunV2Service {
        labels: user_entries(metadata.labels.as_ref()),
        annotations: user_entries(annotations),
        client: annotations.and_then(|a| a.get(CLIENT_NAME)).cloned(),
        client_version: annotations.and_then(|a| a.get(CLIENT_VERSION)).cloned(),
        template: Some(GoogleCloudRunV2RevisionTemplate {
            revision: template_metadata.name.clone().filter(|n| !n.is_empty()),
            labels: template_labels(template_metadata.labels.as_ref()),
            annotations: user_entries(template_annotations),
            containers: Some(v2_containers(revision_spec.containers.as_ref())?),
            max_instance_request_concurrency: revision_spec.container_concurrency,
            timeout,
            service_account: revision_spec.service_account_name.clone(),
            scaling: (max.is_some() || min.is_some()).then_some(GoogleCloudRunV2RevisionScaling {
                max_instance_count: max,
                min_instance_count: min,
                ..Default::default()
            }),
            ..Default::default()
        }),
        traffic: (!traffic.is_empty()).then_some(traffic),
        ..Default::default()
    })
}

/// A template's labels as the revision keeps them: the user's, and gcloud's nonce
/// (`client.knative.dev/nonce`), which `gcloud run deploy` changes to force a new revision and
/// then finds that revision by (a label selector on the revisions).
fn template_labels(labels: Option<&BTreeMap<String, String>>) -> Option<BTreeMap<String, String>> {
    let mut kept = user_entries(labels).unwrap_or_default();
    if let Some(nonce) = labels.and_then(|l| l.get(NONCE)) {
        kept.insert(NONCE.into(), nonce.clone());
    }
    (!kept.is_empty()).then_some(kept)
}

fn generation(value: Option<i64>) -> Option<i32> {
    value.and_then(|g| i32::try_from(g).ok())
}

fn revision_spec(revision_like: RevisionView<'_>) -> v1::RevisionSpec {
    v1::RevisionSpec {
        containers: Some(v1_containers(revision_like.containers)),
        container_concurrency: revision_like.concurrency,
        timeout_seconds: seconds_text(revision_like.timeout).and_then(|s| i32::try_from(s).ok()),
        service_account_name: revision_like.service_account.cloned(),
        ..Default::default()
    }
}

/// The fields a v1 RevisionSpec is made from, shared by a template and a revision.
struct RevisionView<'a> {
    containers: Option<&'a Vec<sim_gcp_shapes::run_v2::GoogleCloudRunV2Container>>,
    concurrency: Option<i32>,
    timeout: Option<&'a str>,
    service_account: Option<&'a String>,
}

fn scale_annotations(
    annotations: Option<&BTreeMap<String, String>>,
    scaling: Option<&GoogleCloudRunV2RevisionScaling>,
) -> BTreeMap<String, String> {
    let mut out = annotations.cloned().unwrap_or_default();
    if let Some(max) = scaling.and_then(|s| s.max_instance_count) {
        out.insert(MAX_SCALE.into(), max.to_string());
    }
    if let Some(min) = scaling
        .and_then(|s| s.min_instance_count)
        .filter(|m| *m > 0)
    {
        out.insert(MIN_SCALE.into(), min.to_string());
    }
    out
}

/// The v1 view of a v2 service.
pub fn v1_service(service: &GoogleCloudRunV2Service) -> v1::Service {
    let name = service.name.clone().unwrap_or_default();
    let (project, location) = project_and_location(&name);
    let id = last_segment(&name);
    let mut labels = service.labels.clone().unwrap_or_default();
    labels.insert(LOCATION_LABEL.into(), location);
    let mut annotations = service.annotations.clone().unwrap_or_default();
    if let Some(stage) = service.launch_stage {
        annotations.insert(LAUNCH_STAGE.into(), stage.name().into());
    }
    if let Some(client) = &service.client {
        annotations.insert(CLIENT_NAME.into(), client.clone());
    }
    if let Some(version) = &service.client_version {
        annotations.insert(CLIENT_VERSION.into(), version.clone());
    }
    if let Some(creator) = &service.creator {
        annotations.insert(CREATOR.into(), creator.clone());
    }
    if let Some(modifier) = &service.last_modifier {
        annotations.insert(LAST_MODIFIER.into(), modifier.clone());
    }
    if let Some(urls) = &service.urls {
        annotations.insert(
            "run.googleapis.com/urls".into(),
            serde_json::to_string(urls).unwrap_or_default(),
        );
    }
    annotations.insert("run.googleapis.com/ingress".into(), "all".into());
    annotations.insert("run.googleapis.com/ingress-status".into(), "all".into());
    let template = service.template.clone().unwrap_or_default();
    let url = service.uri.clone();
    let host = url
        .as_deref()
        .and_then(|u| u.strip_prefix("https://"))
        .unwrap_or_default()
        .to_string();
    let mut conditions = Vec::new();
    conditions.extend(service.terminal_condition.iter().map(v1_condition));
    conditions.extend(service.conditions.iter().flatten().map(v1_condition));
    let latest_ready = service.latest_ready_revision.as_deref().map(last_segment);
    let spec_traffic: Vec<v1::TrafficTarget> = service
        .traffic
        .iter()
        .flatten()
        .map(|target| {
            let latest = target.r#type
                == Some(GoogleCloudRunV2TrafficTargetType::TrafficTargetAllocationTypeLatest);
            v1::TrafficTarget {
                latest_revision: latest.then_some(true),
                revision_name: if latest {
                    None
                } else {
                    target.revision.clone()
                },
                percent: target.percent.filter(|p| *p > 0),
                tag: target.tag.clone(),
                ..Default::default()
            }
        })
        .collect();
    let status_traffic: Option<Vec<v1::TrafficTarget>> =
        service.traffic_statuses.as_ref().map(|_| {
            service
                .traffic
                .iter()
                .flatten()
                .map(|target| {
                    let latest = target.r#type
                        == Some(
                            GoogleCloudRunV2TrafficTargetType::TrafficTargetAllocationTypeLatest,
                        );
                    v1::TrafficTarget {
                        latest_revision: latest.then_some(true),
                        revision_name: if latest {
                            latest_ready.clone()
                        } else {
                            target.revision.clone()
                        },
                        percent: target.percent.filter(|p| *p > 0),
                        tag: target.tag.clone(),
                        url: target
                            .tag
                            .as_ref()
                            .map(|tag| format!("https://{tag}---{host}")),
                        ..Default::default()
                    }
                })
                .collect()
        });
    v1::Service {
        api_version: Some(SERVING_API_VERSION.into()),
        kind: Some("Service".into()),
        metadata: Some(v1::ObjectMeta {
            name: Some(id.clone()),
            namespace: Some(project.clone()),
            self_link: Some(serving_link(&project, "services", &id)),
            uid: service.uid.clone(),
            resource_version: service
                .etag
                .as_deref()
                .map(|e| e.trim_matches('"').to_string()),
            generation: generation(service.generation),
            creation_timestamp: service.create_time.clone(),
            labels: Some(labels),
            annotations: Some(annotations),
            ..Default::default()
        }),
        spec: Some(v1::ServiceSpec {
            template: Some(v1::RevisionTemplate {
                metadata: Some(v1::ObjectMeta {
                    name: template.revision.clone(),
                    labels: template.labels.clone(),
                    annotations: Some(scale_annotations(
                        template.annotations.as_ref(),
                        template.scaling.as_ref(),
                    )),
                    ..Default::default()
                }),
                spec: Some(revision_spec(RevisionView {
                    containers: template.containers.as_ref(),
                    concurrency: template.max_instance_request_concurrency,
                    timeout: template.timeout.as_deref(),
                    service_account: template.service_account.as_ref(),
                })),
            }),
            traffic: Some(spec_traffic),
        }),
        status: Some(v1::ServiceStatus {
            observed_generation: generation(service.observed_generation),
            conditions: Some(conditions),
            latest_created_revision_name: service
                .latest_created_revision
                .as_deref()
                .map(last_segment),
            latest_ready_revision_name: latest_ready,
            traffic: status_traffic,
            url: url.clone(),
            address: url.map(|url| v1::Addressable { url: Some(url) }),
        }),
    }
}

/// The v1 view of a v2 revision.
pub fn v1_revision(
    revision: &GoogleCloudRunV2Revision,
    service_uid: Option<String>,
) -> v1::Revision {
    let name = revision.name.clone().unwrap_or_default();
    let (project, location) = project_and_location(&name);
    let id = last_segment(&name);
    let service = revision.service.clone().unwrap_or_default();
    let mut labels = revision.labels.clone().unwrap_or_default();
    labels.insert(LOCATION_LABEL.into(), location);
    labels.insert(SERVICE_LABEL.into(), service.clone());
    labels.insert(CONFIGURATION_LABEL.into(), service.clone());
    let annotations = scale_annotations(revision.annotations.as_ref(), revision.scaling.as_ref());
    v1::Revision {
        api_version: Some(SERVING_API_VERSION.into()),
        kind: Some("Revision".into()),
        metadata: Some(v1::ObjectMeta {
            name: Some(id.clone()),
            namespace: Some(project.clone()),
            self_link: Some(serving_link(&project, "revisions", &id)),
            uid: revision.uid.clone(),
            resource_version: revision
                .etag
                .as_deref()
                .map(|e| e.trim_matches('"').to_string()),
            generation: generation(revision.generation),
            creation_timestamp: revision.create_time.clone(),
            labels: Some(labels),
            annotations: Some(annotations),
            owner_references: Some(vec![v1::OwnerReference {
                api_version: Some(SERVING_API_VERSION.into()),
                kind: Some("Configuration".into()),
                name: Some(service.clone()),
                uid: service_uid,
                controller: Some(true),
                block_owner_deletion: Some(true),
            }]),
            ..Default::default()
        }),
        spec: Some(revision_spec(RevisionView {
            containers: revision.containers.as_ref(),
            concurrency: revision.max_instance_request_concurrency,
            timeout: revision.timeout.as_deref(),
            service_account: revision.service_account.as_ref(),
        })),
        status: Some(v1::RevisionStatus {
            observed_generation: generation(revision.observed_generation),
            conditions: Some(
                revision
                    .conditions
                    .iter()
                    .flatten()
                    .map(v1_condition)
                    .collect(),
            ),
            log_url: revision.log_uri.clone(),
            service_name: Some(service),
            ..Default::default()
        }),
    }
}

impl Run {
    fn v1_service_name(&self, scope: &Scope, id: &str) -> Result<String, GcpError> {
        let suffix = format!("/services/{id}");
        let prefix = scope.prefix();
        self.services
            .scan_prefix(&prefix)
            .into_iter()
            .map(|(key, _)| key)
            .find(|key| key.ends_with(&suffix))
            .ok_or_else(|| v1_not_found("SERVICE", id, scope))
    }

    fn v1_revision_name(&self, scope: &Scope, id: &str) -> Result<String, GcpError> {
        let suffix = format!("/revisions/{id}");
        let prefix = scope.prefix();
        self.revisions
            .scan_prefix(&prefix)
            .into_iter()
            .map(|(key, _)| key)
            .find(|key| key.ends_with(&suffix))
            .ok_or_else(|| v1_not_found("REVISION", id, scope))
    }

    /// `namespaces.services.create`: answered at once, reconciling.
    pub fn v1_create_service(
        self: &Arc<Self>,
        scope: &Scope,
        service: v1::Service,
        dry_run: bool,
    ) -> Result<v1::Service, GcpError> {
        if dry_run {
            return Err(GcpError::invalid(
                "dryRun is not supported by the simulator",
            ));
        }
        let metadata = service.metadata.clone().unwrap_or_default();
        let (id, parent) = scope.place(&metadata, "service")?;
        let full = format!("{parent}/services/{id}");
        if self.services.contains(&full) {
            return Err(GcpError::conflict(format!(
                "Resource '{id}' already exists."
            )));
        }
        self.create_service(&parent, &id, v2_service(&service)?, false)?;
        Ok(v1_service(&self.get_service(&full)?))
    }

    pub fn v1_get_service(&self, scope: &Scope, id: &str) -> Result<v1::Service, GcpError> {
        Ok(v1_service(
            &self.get_service(&self.v1_service_name(scope, id)?)?,
        ))
    }

    pub fn v1_list_services(
        &self,
        scope: &Scope,
        options: &ListOptions,
    ) -> Result<v1::ListServicesResponse, GcpError> {
        let selector = parse_selector(options.label_selector.as_deref().unwrap_or(""))?;
        let prefix = scope.prefix();
        let services: Vec<(String, v1::Service)> = self
            .services
            .scan_prefix(&prefix)
            .into_iter()
            .map(|(key, record)| (key, v1_service(&record.service)))
            .filter(|(_, service)| selects(&selector, &labels_of(service, |s| s.metadata.as_ref())))
            .collect();
        let (items, next) = page(services, options)?;
        Ok(v1::ListServicesResponse {
            api_version: Some(SERVING_API_VERSION.into()),
            kind: Some("ServiceList".into()),
            items: Some(items),
            metadata: Some(v1::ListMeta {
                r#continue: next,
                ..Default::default()
            }),
            unreachable: None,
        })
    }

    /// `namespaces.services.replaceService`: the whole service replaced; a template change
    /// makes a new revision, as through v2.
    pub fn v1_replace_service(
        self: &Arc<Self>,
        scope: &Scope,
        id: &str,
        service: v1::Service,
        dry_run: bool,
    ) -> Result<v1::Service, GcpError> {
        if dry_run {
            return Err(GcpError::invalid(
                "dryRun is not supported by the simulator",
            ));
        }
        let name = self.v1_service_name(scope, id)?;
        if service
            .metadata
            .as_ref()
            .and_then(|m| m.name.as_deref())
            .is_some_and(|n| n != id)
        {
            return Err(GcpError::invalid(
                "metadata.name: must match the name in the request path",
            ));
        }
        let mut patch = v2_service(&service)?;
        // v1 replaces: absent labels, annotations and traffic mean the defaults.
        patch.labels.get_or_insert_with(BTreeMap::new);
        patch.annotations.get_or_insert_with(BTreeMap::new);
        patch.traffic.get_or_insert_with(Vec::new);
        // A resourceVersion is v1's etag.
        patch.etag = service
            .metadata
            .as_ref()
            .and_then(|m| m.resource_version.as_deref())
            .filter(|v| !v.is_empty())
            .map(|v| format!("\"{v}\""));
        self.update_service(&name, patch, false, false, false)?;
        Ok(v1_service(&self.get_service(&name)?))
    }

    pub fn v1_delete_service(&self, scope: &Scope, id: &str) -> Result<v1::Status, GcpError> {
        let name = self.v1_service_name(scope, id)?;
        let service = self.get_service(&name)?;
        self.delete_service(&name, None)?;
        Ok(deleted("services", id, service.uid))
    }

    pub fn v1_get_revision(&self, scope: &Scope, id: &str) -> Result<v1::Revision, GcpError> {
        let name = self.v1_revision_name(scope, id)?;
        let revision = self.get_revision(&name)?;
        let service_uid = self.service_uid(&name);
        Ok(v1_revision(&revision, service_uid))
    }

    fn service_uid(&self, revision: &str) -> Option<String> {
        let service = revision.split("/revisions/").next()?;
        self.services
            .get(service)
            .and_then(|record| record.service.uid)
    }

    pub fn v1_list_revisions(
        &self,
        scope: &Scope,
        options: &ListOptions,
    ) -> Result<v1::ListRevisionsResponse, GcpError> {
        let selector = parse_selector(options.label_selector.as_deref().unwrap_or(""))?;
        let prefix = scope.prefix();
        let revisions: Vec<(String, v1::Revision)> = self
            .revisions
            .scan_prefix(&prefix)
            .into_iter()
            .map(|(key, record)| {
                let uid = self.service_uid(&key);
                (key, v1_revision(&record.revision, uid))
            })
            .filter(|(_, revision)| {
                selects(&selector, &labels_of(revision, |r| r.metadata.as_ref()))
            })
            .collect();
        let (items, next) = page(revisions, options)?;
        Ok(v1::ListRevisionsResponse {
            api_version: Some(SERVING_API_VERSION.into()),
            kind: Some("RevisionList".into()),
            items: Some(items),
            metadata: Some(v1::ListMeta {
                r#continue: next,
                ..Default::default()
            }),
            unreachable: None,
        })
    }

    pub fn v1_delete_revision(&self, scope: &Scope, id: &str) -> Result<v1::Status, GcpError> {
        let name = self.v1_revision_name(scope, id)?;
        let revision = self.get_revision(&name)?;
        self.delete_revision(&name)?;
        Ok(deleted("revisions", id, revision.uid))
    }
}
