//! Service Usage (v1): which Google APIs a project has enabled. gcloud asks it before `run
//! deploy` and for `services enable/disable/list`; terraform's `google_project_service` reads
//! and writes it.
//!
//! What holds as in Service Usage: services are named `projects/NUMBER/services/NAME` in every
//! answer (a request may name the project by ID or number; both are one consumer); a new
//! project has Google's default set enabled (BigQuery, Cloud Logging, Cloud Storage, Service
//! Usage, ...: [`DEFAULT_ENABLED`]); every other known service starts `DISABLED`; a service
//! Google does not offer is 403 `PERMISSION_DENIED` "Not found or permission denied for
//! service(s): NAME." with an `ErrorInfo` of reason
//! `SERVICE_CONFIG_NOT_FOUND_OR_PERMISSION_DENIED`; `batchEnable` takes at most 20 services and
//! changes nothing when one of them is refused; `batchGet` takes at most 30 names; listings
//! page with `pageSize` (default 50, at most 200) and filter on `state:ENABLED` or
//! `state:DISABLED`. Enable, disable and batchEnable return a long-running operation named
//! `operations/acf.p2-NUMBER-UUID` (`acat.` for disable) whose `response` is the service's new
//! state; `operations.get` and `operations.list` read them.
//!
//! Limitations: the catalogue is the services below, not Google's thousands; enabling a
//! service is bookkeeping only (the simulator serves its APIs whether or not they are
//! enabled, and serves only the ones it implements); the operation is done when it is returned
//! (there is no work to wait for); disabling never finds dependent services or recent usage,
//! so `disableDependentServices` and `checkIfServiceHasUsage` change nothing; folders and
//! organizations are not consumers here (INVALID_ARGUMENT).
//!
//! Must not: see HTTP; read the wall clock except through the kit.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sim_gcp_shapes::run_v2::{GoogleLongrunningListOperationsResponse, GoogleLongrunningOperation};
use sim_gcp_shapes::serviceusage_v1::{
    BatchEnableServicesRequest, BatchEnableServicesResponse, BatchGetServicesResponse,
    DisableServiceResponse, EnableServiceResponse, GoogleApiServiceusageV1Service,
    GoogleApiServiceusageV1ServiceConfig, GoogleApiServiceusageV1ServiceState,
    ListServicesResponse, OperationMetadata,
};
use simkit::Kit;
use simkit::operations::{Operations, Outcome};
use simkit::store::Collection;

use crate::error::GcpError;
use crate::project;
use crate::protocol::paging;
use crate::services::operations::{LongRunning, render};

/// Enabled in every new project, as Google's "Services enabled by default" lists them.
pub const DEFAULT_ENABLED: &[(&str, &str)] = &[
    ("analyticshub.googleapis.com", "Analytics Hub API"),
    ("bigquery.googleapis.com", "BigQuery API"),
    (
        "bigqueryconnection.googleapis.com",
        "BigQuery Connection API",
    ),
    (
        "bigquerydatapolicy.googleapis.com",
        "BigQuery Data Policy API",
    ),
    ("bigquerymigration.googleapis.com", "BigQuery Migration API"),
    (
        "bigqueryreservation.googleapis.com",
        "BigQuery Reservation API",
    ),
    ("bigquerystorage.googleapis.com", "BigQuery Storage API"),
    ("cloudapis.googleapis.com", "Google Cloud APIs"),
    ("cloudtrace.googleapis.com", "Cloud Trace API"),
    ("dataform.googleapis.com", "Dataform API"),
    ("dataplex.googleapis.com", "Cloud Dataplex API"),
    ("datastore.googleapis.com", "Cloud Datastore API"),
    ("logging.googleapis.com", "Cloud Logging API"),
    ("monitoring.googleapis.com", "Cloud Monitoring API"),
    ("servicemanagement.googleapis.com", "Service Management API"),
    ("serviceusage.googleapis.com", "Service Usage API"),
    ("sql-component.googleapis.com", "Cloud SQL"),
    (
        "storage-api.googleapis.com",
        "Google Cloud Storage JSON API",
    ),
    ("storage-component.googleapis.com", "Cloud Storage"),
    ("storage.googleapis.com", "Cloud Storage API"),
];

/// Offered but disabled until enabled: the APIs the simulator serves, and the ones the
/// workflows around them enable beside them (Cloud Build for Functions, Pub/Sub, DNS, ...).
pub const OFFERED: &[(&str, &str)] = &[
    ("artifactregistry.googleapis.com", "Artifact Registry API"),
    ("cloudbuild.googleapis.com", "Cloud Build API"),
    ("cloudfunctions.googleapis.com", "Cloud Functions API"),
    (
        "cloudresourcemanager.googleapis.com",
        "Cloud Resource Manager API",
    ),
    ("compute.googleapis.com", "Compute Engine API"),
    ("containerregistry.googleapis.com", "Container Registry API"),
    ("dns.googleapis.com", "Cloud DNS API"),
    ("eventarc.googleapis.com", "Eventarc API"),
    (
        "iam.googleapis.com",
        "Identity and Access Management (IAM) API",
    ),
    (
        "iamcredentials.googleapis.com",
        "IAM Service Account Credentials API",
    ),
    ("pubsub.googleapis.com", "Cloud Pub/Sub API"),
    ("run.googleapis.com", "Cloud Run Admin API"),
    ("secretmanager.googleapis.com", "Secret Manager API"),
    ("vpcaccess.googleapis.com", "Serverless VPC Access API"),
];

const MAX_BATCH_ENABLE: usize = 20;
const MAX_BATCH_GET: usize = 30;

/// A service's state in one project, once a call changed it from the default.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct ServiceRecord {
    pub enabled: bool,
}

/// Service Usage's state.
pub struct ServiceUsage {
    kit: Kit,
    /// Keyed `projects/NUMBER/services/NAME`.
    services: Arc<Collection<ServiceRecord>>,
    long_running: LongRunning,
}

fn title_of(service: &str) -> Option<&'static str> {
    DEFAULT_ENABLED
        .iter()
        .chain(OFFERED)
        .find(|(name, _)| *name == service)
        .map(|(_, title)| *title)
}

fn enabled_by_default(service: &str) -> bool {
    DEFAULT_ENABLED.iter().any(|(name, _)| *name == service)
}

/// The 403 Service Usage answers for services it does not offer (or may not show).
fn not_offered(services: &[&str]) -> GcpError {
    let list = services.join(",");
    GcpError::permission_denied(format!(
        "Not found or permission denied for service(s): {list}."
    ))
    .with_details(vec![json!({
        "@type": "type.googleapis.com/google.rpc.ErrorInfo",
        "reason": "SERVICE_CONFIG_NOT_FOUND_OR_PERMISSION_DENIED",
        "domain": "serviceusage.googleapis.com",
        "metadata": {"services": list},
    })])
}

/// `projects/P` as its number: a request names the project by ID or number.
fn consumer_number(parent: &str) -> Result<u64, GcpError> {
    let invalid = || {
        GcpError::invalid(format!(
            "Invalid resource name: {parent}; the consumer must be projects/PROJECT (folders and organizations are not simulated)."
        ))
    };
    let project = parent.strip_prefix("projects/").ok_or_else(invalid)?;
    if project.is_empty() || project.contains('/') {
        return Err(invalid());
    }
    Ok(match project.parse::<u64>() {
        Ok(number) => number,
        Err(_) => project::number(project),
    })
}

/// `projects/P/services/NAME` split into the consumer's number and the service's name.
fn parse_service_name(name: &str) -> Result<(u64, String), GcpError> {
    let (parent, service) = name.rsplit_once("/services/").ok_or_else(|| {
        GcpError::invalid(format!(
            "Invalid resource name: {name}; expected projects/PROJECT/services/SERVICE."
        ))
    })?;
    if service.is_empty() || service.contains('/') {
        return Err(GcpError::invalid(format!(
            "Invalid resource name: {name}; expected projects/PROJECT/services/SERVICE."
        )));
    }
    Ok((consumer_number(parent)?, service.to_string()))
}

/// The state a listing keeps: `state:ENABLED`, `state:DISABLED`, or every state.
fn parse_filter(filter: Option<&str>) -> Result<Option<bool>, GcpError> {
    let Some(filter) = filter.map(str::trim).filter(|f| !f.is_empty()) else {
        return Ok(None);
    };
    let value = filter
        .strip_prefix("state:")
        .or_else(|| filter.strip_prefix("state="))
        .map(|v| v.trim().trim_matches('"'));
    match value {
        Some("ENABLED") => Ok(Some(true)),
        Some("DISABLED") => Ok(Some(false)),
        _ => Err(GcpError::invalid(format!(
            "Invalid filter: '{filter}'. Only state:ENABLED and state:DISABLED are supported."
        ))),
    }
}

fn any_of(type_name: &str, value: &impl Serialize) -> Option<BTreeMap<String, Value>> {
    let mut object = match serde_json::to_value(value) {
        Ok(Value::Object(map)) => map,
        _ => serde_json::Map::new(),
    };
    object.insert(
        "@type".into(),
        Value::String(format!("type.googleapis.com/{type_name}")),
    );
    Some(object.into_iter().collect())
}

impl ServiceUsage {
    pub fn new(kit: Kit) -> Result<Arc<Self>, GcpError> {
        let operations =
            Operations::open(kit.store(), "serviceusage.operations", kit.clock().clone())?;
        Ok(Arc::new(Self {
            services: kit.store().collection("serviceusage.services")?,
            long_running: LongRunning { operations },
            kit,
        }))
    }

    fn is_enabled(&self, number: u64, service: &str) -> bool {
        self.services
            .get(&format!("projects/{number}/services/{service}"))
            .map_or_else(|| enabled_by_default(service), |record| record.enabled)
    }

    fn render_service(&self, number: u64, service: &str) -> GoogleApiServiceusageV1Service {
        let state = if self.is_enabled(number, service) {
            GoogleApiServiceusageV1ServiceState::Enabled
        } else {
            GoogleApiServiceusageV1ServiceState::Disabled
        };
        GoogleApiServiceusageV1Service {
            name: Some(format!("projects/{number}/services/{service}")),
            parent: Some(format!("projects/{number}")),
            state: Some(state),
            config: Some(GoogleApiServiceusageV1ServiceConfig {
                name: Some(service.to_string()),
                title: title_of(service).map(str::to_string),
                ..Default::default()
            }),
        }
    }

    fn set_enabled(&self, number: u64, services: &[String], enabled: bool) -> Result<(), GcpError> {
        for service in services {
            self.services.insert(
                &format!("projects/{number}/services/{service}"),
                ServiceRecord { enabled },
            )?;
        }
        Ok(())
    }

    /// Records a finished operation; the state change it reports has already happened.
    fn finished(
        &self,
        kind: &str,
        number: u64,
        resource_names: Vec<String>,
        response: Option<BTreeMap<String, Value>>,
    ) -> Result<GoogleLongrunningOperation, GcpError> {
        let name = format!("operations/{kind}.p2-{number}-{}", self.kit.ids().uuid());
        let metadata = any_of(
            "google.api.serviceusage.v1.OperationMetadata",
            &OperationMetadata {
                resource_names: Some(resource_names),
            },
        );
        let metadata = Value::Object(metadata.unwrap_or_default().into_iter().collect());
        let response = Value::Object(response.unwrap_or_default().into_iter().collect());
        self.long_running
            .operations
            .begin(&name, metadata)
            .map_err(|_| GcpError::internal())?;
        let operation = self
            .long_running
            .operations
            .finish(&name, Outcome::Response(response))
            .map_err(|_| GcpError::internal())?;
        Ok(render(operation))
    }

    /// `services.get`.
    pub fn get_service(&self, name: &str) -> Result<GoogleApiServiceusageV1Service, GcpError> {
        let (number, service) = parse_service_name(name)?;
        if title_of(&service).is_none() {
            return Err(not_offered(&[&service]));
        }
        Ok(self.render_service(number, &service))
    }

    /// `services.batchGet`.
    pub fn batch_get_services(
        &self,
        parent: &str,
        names: &[String],
    ) -> Result<BatchGetServicesResponse, GcpError> {
        let number = consumer_number(parent)?;
        if names.len() > MAX_BATCH_GET {
            return Err(GcpError::invalid(format!(
                "Too many services requested: {}; at most {MAX_BATCH_GET} may be requested at once.",
                names.len()
            )));
        }
        let mut services = Vec::with_capacity(names.len());
        for name in names {
            let (named, service) = parse_service_name(name)?;
            if named != number {
                return Err(GcpError::invalid(format!(
                    "Service {name} does not belong to {parent}."
                )));
            }
            if title_of(&service).is_none() {
                return Err(not_offered(&[&service]));
            }
            services.push(self.render_service(number, &service));
        }
        Ok(BatchGetServicesResponse {
            services: Some(services),
        })
    }

    /// `services.list`, ordered by name.
    pub fn list_services(
        &self,
        parent: &str,
        filter: Option<&str>,
        page_size: Option<i64>,
        page_token: Option<&str>,
    ) -> Result<ListServicesResponse, GcpError> {
        let number = consumer_number(parent)?;
        let state = parse_filter(filter)?;
        let size = paging::page_size(page_size, 50, 200)?;
        let resume = paging::resume_after(page_token)?;
        let mut names: Vec<&str> = DEFAULT_ENABLED
            .iter()
            .chain(OFFERED)
            .map(|(name, _)| *name)
            .collect();
        names.sort_unstable();
        let selected: Vec<GoogleApiServiceusageV1Service> = names
            .into_iter()
            .filter(|name| resume.as_deref().is_none_or(|last| *name > last))
            .filter(|name| state.is_none_or(|enabled| self.is_enabled(number, name) == enabled))
            .map(|name| self.render_service(number, name))
            .collect();
        let (services, next_page_token) = paging::cut(selected, size, |service| {
            service
                .config
                .as_ref()
                .and_then(|config| config.name.clone())
        });
        Ok(ListServicesResponse {
            services: (!services.is_empty()).then_some(services),
            next_page_token,
        })
    }

    /// `services.enable`.
    pub fn enable_service(&self, name: &str) -> Result<GoogleLongrunningOperation, GcpError> {
        let (number, service) = parse_service_name(name)?;
        if title_of(&service).is_none() {
            return Err(not_offered(&[&service]));
        }
        self.set_enabled(number, std::slice::from_ref(&service), true)?;
        let response = any_of(
            "google.api.serviceusage.v1.EnableServiceResponse",
            &EnableServiceResponse {
                service: Some(self.render_service(number, &service)),
            },
        );
        self.finished(
            "acf",
            number,
            vec![format!("projects/{number}/services/{service}")],
            response,
        )
    }

    /// `services.disable`.
    pub fn disable_service(&self, name: &str) -> Result<GoogleLongrunningOperation, GcpError> {
        let (number, service) = parse_service_name(name)?;
        if title_of(&service).is_none() {
            return Err(not_offered(&[&service]));
        }
        self.set_enabled(number, std::slice::from_ref(&service), false)?;
        let response = any_of(
            "google.api.serviceusage.v1.DisableServiceResponse",
            &DisableServiceResponse {
                service: Some(self.render_service(number, &service)),
            },
        );
        self.finished(
            "acat",
            number,
            vec![format!("projects/{number}/services/{service}")],
            response,
        )
    }

    /// `services.batchEnable`: all or nothing.
    pub fn batch_enable_services(
        &self,
        parent: &str,
        request: BatchEnableServicesRequest,
    ) -> Result<GoogleLongrunningOperation, GcpError> {
        let number = consumer_number(parent)?;
        let ids = request.service_ids.unwrap_or_default();
        if ids.is_empty() {
            return Err(GcpError::invalid(
                "serviceIds: at least one service is required.",
            ));
        }
        if ids.len() > MAX_BATCH_ENABLE {
            return Err(GcpError::invalid(format!(
                "Too many services to enable: {}; at most {MAX_BATCH_ENABLE} may be enabled at once.",
                ids.len()
            )));
        }
        let refused: Vec<&str> = ids
            .iter()
            .map(String::as_str)
            .filter(|id| title_of(id).is_none())
            .collect();
        if !refused.is_empty() {
            return Err(not_offered(&refused));
        }
        self.set_enabled(number, &ids, true)?;
        let services: Vec<GoogleApiServiceusageV1Service> = ids
            .iter()
            .map(|id| self.render_service(number, id))
            .collect();
        let response = any_of(
            "google.api.serviceusage.v1.BatchEnableServicesResponse",
            &BatchEnableServicesResponse {
                services: Some(services),
                failures: None,
            },
        );
        self.finished(
            "acf",
            number,
            ids.iter()
                .map(|id| format!("projects/{number}/services/{id}"))
                .collect(),
            response,
        )
    }

    /// `operations.get`.
    pub fn get_operation(&self, name: &str) -> Result<GoogleLongrunningOperation, GcpError> {
        self.long_running.get(name)
    }

    /// `operations.list`, ordered by name.
    pub fn list_operations(
        &self,
        page_size: Option<i64>,
        page_token: Option<&str>,
    ) -> Result<GoogleLongrunningListOperationsResponse, GcpError> {
        let size = paging::page_size(page_size, 50, 1000)?;
        let resume = paging::resume_after(page_token)?;
        let operations: Vec<GoogleLongrunningOperation> = self
            .long_running
            .operations
            .list("operations/")
            .into_iter()
            .filter(|op| resume.as_deref().is_none_or(|last| op.name.as_str() > last))
            .map(render)
            .collect();
        let (operations, next_page_token) =
            paging::cut(operations, size, |operation| operation.name.clone());
        Ok(GoogleLongrunningListOperationsResponse {
            operations: (!operations.is_empty()).then_some(operations),
            next_page_token,
            unreachable: None,
        })
    }
}

#[cfg(test)]
mod tests;
