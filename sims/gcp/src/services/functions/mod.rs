//! Cloud Functions (2nd gen, the v2 API): functions whose source is a zip in the simulated
//! Cloud Storage really run. As in GCF, a function is built ([`source`]: its zip fetched from
//! the bucket and unpacked, the runtime's entry file checked) and deployed as a Cloud Run
//! service of the same name (labelled `goog-managed-by: cloudfunctions`), whose container runs
//! the real Functions Framework (`functions-framework` from PyPI for `python3*`,
//! `@google-cloud/functions-framework` from npm for `nodejs*`) with `FUNCTION_TARGET` set to the
//! entry point; so the function answers at its service's `*.run.app` URL and at
//! `https://REGION-PROJECT.cloudfunctions.net/NAME`. Create, update and delete are long-running
//! operations with GCF's `OperationMetadata` (stages BUILD and SERVICE); a function that fails
//! to build or start is `FAILED` with the reason in `stateMessages`, and its operation ends
//! with that error.
//!
//! `generateUploadUrl` opens a resumable upload session in the region's `gcf-v2-uploads-…`
//! bucket and answers its session URL (a client `PUT`s the zip there, as to GCS's signed URL);
//! `generateDownloadUrl` answers a media download link of the function's source.
//! `secretEnvironmentVariables` become the service's env vars from Secret Manager, read when
//! an instance starts (a secret that cannot be read fails the deployment).
//!
//! Limitations: dependencies in `requirements.txt`/`package.json` are not installed (the
//! function runs with the Functions Framework and the standard library: an import that fails
//! fails the start, and the function is `FAILED` with Python's message); event triggers,
//! secret volumes, IAM policies, `filter`/`orderBy` on listings (INVALID_ARGUMENT naming them) and
//! sources other than Cloud Storage (`repoSource`, `gitUri`) are not simulated.
//!
//! Must not: see HTTP; start processes except through Cloud Run's serving.

pub mod source;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sim_gcp_shapes::cloudfunctions_v2::{
    BuildConfigDockerRegistry, Function, FunctionEnvironment, FunctionState,
    GenerateDownloadUrlResponse, GenerateUploadUrlResponse,
    GoogleCloudFunctionsV2OperationMetadata, GoogleCloudFunctionsV2OperationMetadataOperationType,
    GoogleCloudFunctionsV2Stage, GoogleCloudFunctionsV2StageName, GoogleCloudFunctionsV2StageState,
    GoogleCloudFunctionsV2StateMessage, GoogleCloudFunctionsV2StateMessageSeverity,
    ListFunctionsResponse, ServiceConfig, ServiceConfigIngressSettings, StorageSource,
};
use sim_gcp_shapes::run_v2::{
    GoogleCloudRunV2Container, GoogleCloudRunV2EnvVar, GoogleCloudRunV2EnvVarSource,
    GoogleCloudRunV2RevisionScaling, GoogleCloudRunV2RevisionTemplate,
    GoogleCloudRunV2SecretKeySelector, GoogleCloudRunV2Service, GoogleLongrunningOperation,
};
use simkit::Kit;
use simkit::operations::Outcome;
use simkit::store::Collection;

use crate::error::GcpError;
use crate::protocol::paging;
use crate::services::operations::render;
use crate::services::run::Run;
use crate::services::storage::{Links, Storage};

pub const FUNCTION_TYPE: &str = "type.googleapis.com/google.cloud.functions.v2.Function";
const METADATA_TYPE: &str = "type.googleapis.com/google.cloud.functions.v2.OperationMetadata";
const EMPTY_TYPE: &str = "type.googleapis.com/google.protobuf.Empty";
/// The label GCF puts on the Cloud Run service behind a function.
pub const MANAGED_BY_LABEL: (&str, &str) = ("goog-managed-by", "cloudfunctions");

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct FunctionRecord {
    pub function: Function,
    /// Deployments so far: each unpacks its source into a directory of its own.
    pub builds: u32,
}

/// Cloud Functions' state.
pub struct Functions {
    kit: Kit,
    run: Arc<Run>,
    storage: Arc<Storage>,
    functions: Arc<Collection<FunctionRecord>>,
    /// Where sources are unpacked: readable by the user workloads run as.
    sources: PathBuf,
}

/// `projects/P/locations/L/functions/F` split.
#[derive(Debug, Clone)]
struct FunctionName {
    project: String,
    location: String,
    function: String,
}

impl FunctionName {
    fn parse(name: &str) -> Result<Self, GcpError> {
        let parts: Vec<&str> = name.split('/').collect();
        match parts.as_slice() {
            [
                "projects",
                project,
                "locations",
                location,
                "functions",
                function,
            ] if !project.is_empty() && !location.is_empty() && !function.is_empty() => Ok(Self {
                project: (*project).to_string(),
                location: (*location).to_string(),
                function: (*function).to_string(),
            }),
            _ => Err(GcpError::invalid(format!("Invalid function name: {name}"))),
        }
    }

    fn parent(&self) -> String {
        format!("projects/{}/locations/{}", self.project, self.location)
    }

    fn full(&self) -> String {
        format!("{}/functions/{}", self.parent(), self.function)
    }

    /// The Cloud Run service behind the function: its ID lowercased, `_` as `-`.
    fn service(&self) -> String {
        format!(
            "{}/services/{}",
            self.parent(),
            self.function.to_ascii_lowercase().replace('_', "-")
        )
    }

    /// `https://REGION-PROJECT.cloudfunctions.net/NAME`.
    fn url(&self) -> String {
        format!(
            "https://{}-{}.cloudfunctions.net/{}",
            self.location, self.project, self.function
        )
    }
}

fn parse_parent(parent: &str) -> Result<(String, String), GcpError> {
    let parts: Vec<&str> = parent.split('/').collect();
    match parts.as_slice() {
        ["projects", project, "locations", location]
            if !project.is_empty() && !location.is_empty() =>
        {
            Ok(((*project).to_string(), (*location).to_string()))
        }
        _ => Err(GcpError::invalid(format!("Invalid parent: {parent}"))),
    }
}

/// GCF's rule for function IDs.
fn check_function_id(id: &str) -> Result<(), GcpError> {
    let valid = !id.is_empty()
        && id.len() <= 63
        && id.starts_with(|c: char| c.is_ascii_alphabetic())
        && !id.ends_with(['-', '_'])
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if valid {
        Ok(())
    } else {
        // Our wording: the real message could not be checked here.
        Err(GcpError::invalid(format!(
            "Invalid function ID '{id}': it must start with a letter, contain only letters, digits, dashes and underscores, not end with a dash or underscore, and be at most 63 characters long."
        )))
    }
}

fn not_found(name: &str) -> GcpError {
    GcpError::not_found(format!("Resource '{name}' was not found"))
}

fn as_any<T: Serialize>(value: &T, type_url: &str) -> Value {
    let mut json = serde_json::to_value(value).unwrap_or(Value::Null);
    if let Value::Object(map) = &mut json {
        map.insert("@type".into(), Value::String(type_url.into()));
    }
    json
}

/// Sets or clears the field at a dotted `path` of `target` to what `source` has there.
fn copy_path(target: &mut Value, source: &Value, path: &str) {
    let mut parts = path.split('.').peekable();
    let (mut into, mut from) = (target, Some(source));
    while let Some(part) = parts.next() {
        let value = from.and_then(|f| f.get(part));
        let Value::Object(map) = into else {
            return;
        };
        if parts.peek().is_none() {
            match value {
                Some(value) => {
                    map.insert(part.to_string(), value.clone());
                }
                None => {
                    map.remove(part);
                }
            }
            return;
        }
        into = map
            .entry(part.to_string())
            .or_insert_with(|| Value::Object(Default::default()));
        from = value;
    }
}

impl Functions {
    pub fn new(kit: Kit, run: Arc<Run>, storage: Arc<Storage>) -> Result<Arc<Self>, GcpError> {
        let functions = kit
            .store()
            .collection::<FunctionRecord>("functions.functions")?;
        let sources =
            std::env::temp_dir().join(format!("sockerless-functions-{}", std::process::id()));
        let this = Arc::new(Self {
            kit,
            run,
            storage,
            functions,
            sources,
        });
        // Sources live outside the store: after a restart, unpack them again so the services'
        // next cold start finds them.
        for (_, record) in this.functions.all() {
            if record.function.state == Some(FunctionState::Active) {
                let name = record.function.name.clone().unwrap_or_default();
                if let Err(message) = this.unpack(&record.function, record.builds) {
                    tracing::warn!(function = %name, %message, "could not unpack a function's source again");
                }
            }
        }
        Ok(this)
    }

    fn now(&self) -> String {
        crate::time::rfc3339_nanos(time::OffsetDateTime::from(self.kit.clock().now()))
    }

    fn source_dir(&self, function: &Function, build: u32) -> PathBuf {
        let uid = function
            .name
            .as_deref()
            .map(|n| n.replace('/', "_"))
            .unwrap_or_default();
        self.sources.join(format!("{uid}-{build}"))
    }

    /// Fetches and unpacks the function's source; the error is GCF's build failure.
    fn unpack(&self, function: &Function, build: u32) -> Result<PathBuf, String> {
        let build_config = function.build_config.clone().unwrap_or_default();
        let storage_source = build_config
            .source
            .and_then(|s| s.storage_source)
            .unwrap_or_default();
        let bucket = storage_source.bucket.unwrap_or_default();
        let object = storage_source.object.unwrap_or_default();
        let (_, path) = self
            .storage
            .get_object(
                &bucket,
                &object,
                storage_source.generation.filter(|g| *g > 0),
                &Default::default(),
                &Links {
                    base_url: String::new(),
                },
            )
            .map_err(|_| {
                format!("Build failed: the source archive gs://{bucket}/{object} could not be read: it does not exist.")
            })?;
        let bytes = std::fs::read(&path)
            .map_err(|error| format!("Build failed: reading the source archive: {error}"))?;
        let dir = self.source_dir(function, build);
        source::unpack(&bytes, &dir)?;
        let runtime = build_config.runtime.unwrap_or_default();
        source::check_entry(&runtime, &dir)?;
        Ok(dir)
    }

    fn metadata(
        &self,
        name: &str,
        verb: &str,
        kind: GoogleCloudFunctionsV2OperationMetadataOperationType,
        request: &Function,
        stage: GoogleCloudFunctionsV2StageState,
    ) -> Value {
        let parsed = FunctionName::parse(name).ok();
        let stages = [
            (GoogleCloudFunctionsV2StageName::Build, None),
            (
                GoogleCloudFunctionsV2StageName::Service,
                parsed.as_ref().map(FunctionName::service),
            ),
        ]
        .into_iter()
        .map(|(stage_name, resource)| GoogleCloudFunctionsV2Stage {
            name: Some(stage_name),
            state: Some(stage),
            resource,
            ..Default::default()
        })
        .collect();
        as_any(
            &GoogleCloudFunctionsV2OperationMetadata {
                create_time: Some(self.now()),
                target: Some(name.to_string()),
                verb: Some(verb.to_string()),
                api_version: Some("v2".into()),
                operation_type: Some(kind),
                request_resource: serde_json::to_value(request)
                    .ok()
                    .and_then(|v| v.as_object().cloned())
                    .map(|m| {
                        let mut m: BTreeMap<String, Value> = m.into_iter().collect();
                        m.insert("@type".into(), Value::String(FUNCTION_TYPE.into()));
                        m
                    }),
                stages: Some(stages),
                ..Default::default()
            },
            METADATA_TYPE,
        )
    }

    /// `functions.create`.
    pub fn create(
        self: &Arc<Self>,
        parent: &str,
        function_id: &str,
        mut function: Function,
    ) -> Result<GoogleLongrunningOperation, GcpError> {
        let (project, location) = parse_parent(parent)?;
        check_function_id(function_id)?;
        let name = FunctionName {
            project,
            location,
            function: function_id.to_string(),
        };
        check_build_config(&function)?;
        let now = self.now();
        function.name = Some(name.full());
        function
            .environment
            .get_or_insert(FunctionEnvironment::Gen2);
        function.create_time = Some(now.clone());
        function.update_time = Some(now);
        function.state = Some(FunctionState::Deploying);
        function.state_messages = None;
        function.url = Some(name.url());
        let build = function.build_config.get_or_insert_with(Default::default);
        build
            .entry_point
            .get_or_insert_with(|| function_id.to_string());
        build
            .docker_registry
            .get_or_insert(BuildConfigDockerRegistry::ArtifactRegistry);
        build.docker_repository.get_or_insert_with(|| {
            format!(
                "projects/{}/locations/{}/repositories/gcf-artifacts",
                name.project, name.location
            )
        });
        build.service_account.get_or_insert_with(|| {
            format!(
                "projects/{}/serviceAccounts/{}",
                name.project,
                crate::project::default_service_account(&name.project)
            )
        });
        let service = function.service_config.get_or_insert_with(Default::default);
        service.timeout_seconds.get_or_insert(60);
        service
            .available_memory
            .get_or_insert_with(|| "256M".into());
        service.available_cpu.get_or_insert_with(|| "0.1666".into());
        service.max_instance_count.get_or_insert(100);
        service.max_instance_request_concurrency.get_or_insert(1);
        service
            .ingress_settings
            .get_or_insert(ServiceConfigIngressSettings::AllowAll);
        service.all_traffic_on_latest_revision.get_or_insert(true);
        service
            .service_account_email
            .get_or_insert_with(|| crate::project::default_service_account(&name.project));
        service.service = Some(name.service());
        let full = name.full();
        self.functions.modify(&full, |slot| {
            if slot.is_some() {
                return Err(GcpError::conflict(format!(
                    "Function {function_id} in region {} in project {} already exists",
                    name.location, name.project
                )));
            }
            *slot = Some(FunctionRecord {
                function: function.clone(),
                builds: 1,
            });
            Ok(())
        })?;
        self.deploy(
            &name,
            function,
            1,
            "create",
            GoogleCloudFunctionsV2OperationMetadataOperationType::CreateFunction,
        )
    }

    /// Builds and deploys `function` as its Cloud Run service, in an operation.
    fn deploy(
        self: &Arc<Self>,
        name: &FunctionName,
        function: Function,
        build: u32,
        verb: &str,
        kind: GoogleCloudFunctionsV2OperationMetadataOperationType,
    ) -> Result<GoogleLongrunningOperation, GcpError> {
        let operation_name = format!(
            "{}/operations/operation-{}",
            name.parent(),
            self.kit.ids().uuid()
        );
        let full = name.full();
        let metadata = self.metadata(
            &full,
            verb,
            kind,
            &function,
            GoogleCloudFunctionsV2StageState::InProgress,
        );
        let this = Arc::clone(self);
        let name = name.clone();
        let operation = self
            .run
            .long_running
            .operations
            .run(&operation_name, metadata, async move {
                let outcome = this.build_and_serve(&name, &function, build).await;
                let now = this.now();
                let settled = this.functions.modify(&name.full(), |slot| {
                    let Some(record) = slot.as_mut() else {
                        return Err(not_found(&name.full()));
                    };
                    let function = &mut record.function;
                    function.update_time = Some(now.clone());
                    match &outcome {
                        Ok((uri, revision)) => {
                            function.state = Some(FunctionState::Active);
                            function.state_messages = None;
                            let service =
                                function.service_config.get_or_insert_with(Default::default);
                            service.uri = Some(uri.clone());
                            service.revision = Some(revision.clone());
                        }
                        Err(message) => {
                            function.state = Some(FunctionState::Failed);
                            function.state_messages =
                                Some(vec![GoogleCloudFunctionsV2StateMessage {
                                    severity: Some(
                                        GoogleCloudFunctionsV2StateMessageSeverity::Error,
                                    ),
                                    r#type: Some("CloudRunServiceNotReady".into()),
                                    message: Some(message.clone()),
                                }]);
                        }
                    }
                    Ok(function.clone())
                });
                match (settled, outcome) {
                    (Ok(function), Ok(_)) => Outcome::Response(as_any(&function, FUNCTION_TYPE)),
                    // Our choice of code: GCF's for a function that does not start could not
                    // be checked here.
                    (Ok(_), Err(message)) => Outcome::Error {
                        code: "FAILED_PRECONDITION".into(),
                        message,
                    },
                    (Err(error), _) => Outcome::Error {
                        code: error.status.to_string(),
                        message: error.message,
                    },
                }
            })
            .map_err(|_| GcpError::internal())?;
        Ok(render(operation))
    }

    /// The build (unpack and check) and the service (create or update, then wait for it); the
    /// service's URI and ready revision, or the message the function's state carries.
    async fn build_and_serve(
        &self,
        name: &FunctionName,
        function: &Function,
        build: u32,
    ) -> Result<(String, String), String> {
        let dir = self.unpack(function, build)?;
        let template = self.revision_template(name, function, &dir)?;
        let service_key = name.service();
        let (service_parent, service_id) = service_key
            .rsplit_once("/services/")
            .map(|(p, s)| (p.to_string(), s.to_string()))
            .unwrap_or_default();
        let labels = BTreeMap::from([(
            MANAGED_BY_LABEL.0.to_string(),
            MANAGED_BY_LABEL.1.to_string(),
        )]);
        let service = GoogleCloudRunV2Service {
            labels: Some(labels),
            template: Some(template),
            ..Default::default()
        };
        let started = if self.run.services.contains(&service_key) {
            self.run
                .update_service(&service_key, service, false, true, false)
        } else {
            self.run
                .create_service(&service_parent, &service_id, service, false)
        };
        let operation = started.map_err(|error| {
            format!(
                "Could not create or update Cloud Run service {service_id}, {}",
                error.message
            )
        })?;
        let finished = self
            .run
            .long_running
            .wait(operation.name.as_deref().unwrap_or_default(), None)
            .await
            .map_err(|error| error.message)?;
        if let Some(error) = finished.error {
            return Err(format!(
                "Could not create or update Cloud Run service {service_id}, Container Healthcheck failed. {}",
                error.message.unwrap_or_default()
            ));
        }
        let service = self.run.get_service(&service_key).map_err(|e| e.message)?;
        Ok((
            service.uri.unwrap_or_default(),
            service
                .latest_ready_revision
                .as_deref()
                .and_then(|r| r.rsplit('/').next())
                .unwrap_or_default()
                .to_string(),
        ))
    }

    /// The Cloud Run revision template that runs the function through the Functions Framework.
    fn revision_template(
        &self,
        name: &FunctionName,
        function: &Function,
        dir: &std::path::Path,
    ) -> Result<GoogleCloudRunV2RevisionTemplate, String> {
        let build = function.build_config.clone().unwrap_or_default();
        let service = function.service_config.clone().unwrap_or_default();
        let runtime = build.runtime.clone().unwrap_or_default();
        let entry_point = build
            .entry_point
            .clone()
            .unwrap_or_else(|| name.function.clone());
        let command = source::framework_command(&runtime, dir)?;
        let mut env: BTreeMap<String, String> = BTreeMap::new();
        env.extend(build.environment_variables.clone().unwrap_or_default());
        env.extend(service.environment_variables.clone().unwrap_or_default());
        env.insert("FUNCTION_TARGET".into(), entry_point);
        env.insert("FUNCTION_SIGNATURE_TYPE".into(), "http".into());
        env.insert("LOG_EXECUTION_ID".into(), "true".into());
        env.extend(source::framework_env(&runtime, dir));
        Ok(GoogleCloudRunV2RevisionTemplate {
            containers: Some(vec![GoogleCloudRunV2Container {
                name: Some("worker".into()),
                image: Some(format!(
                    "{}-docker.pkg.dev/{}/gcf-artifacts/{}__{}__{}:version_1",
                    name.location,
                    name.project,
                    name.project,
                    name.location.replace('-', "_"),
                    name.function.to_ascii_lowercase()
                )),
                command: Some(command),
                env: Some(
                    env.into_iter()
                        .map(|(name, value)| GoogleCloudRunV2EnvVar {
                            name: Some(name),
                            value: Some(value),
                            value_source: None,
                        })
                        .chain(secret_env(&service, &name.project))
                        .collect(),
                ),
                ..Default::default()
            }]),
            timeout: service.timeout_seconds.map(|s| format!("{s}s")),
            max_instance_request_concurrency: service.max_instance_request_concurrency,
            service_account: service.service_account_email.clone(),
            scaling: Some(GoogleCloudRunV2RevisionScaling {
                max_instance_count: service.max_instance_count,
                min_instance_count: service.min_instance_count,
                ..Default::default()
            }),
            ..Default::default()
        })
    }

    pub fn get(&self, name: &str) -> Result<Function, GcpError> {
        FunctionName::parse(name)?;
        self.functions
            .get(name)
            .map(|record| record.function)
            .ok_or_else(|| not_found(name))
    }

    pub fn list(
        &self,
        parent: &str,
        page_size: Option<i64>,
        page_token: Option<&str>,
        filter: Option<&str>,
        order_by: Option<&str>,
    ) -> Result<ListFunctionsResponse, GcpError> {
        parse_parent(parent)?;
        for (parameter, value) in [("filter", filter), ("orderBy", order_by)] {
            if value.is_some_and(|v| !v.is_empty()) {
                return Err(GcpError::invalid(format!(
                    "{parameter} is not supported by the simulator"
                ))
                .with_location("parameter", parameter));
            }
        }
        let size = paging::page_size(page_size, 100, 1000)?;
        let resume = paging::resume_after(page_token)?;
        // `locations/-` lists every region.
        let prefix = match parent.strip_suffix("/locations/-") {
            Some(project) => format!("{project}/locations/"),
            None => format!("{parent}/functions/"),
        };
        let functions: Vec<Function> = self
            .functions
            .scan_prefix(&prefix)
            .into_iter()
            .filter(|(key, _)| resume.as_ref().is_none_or(|last| key > last))
            .map(|(_, record)| record.function)
            .collect();
        let (functions, next_page_token) = paging::cut(functions, size, |f| f.name.clone());
        Ok(ListFunctionsResponse {
            next_page_token,
            functions: (!functions.is_empty()).then_some(functions),
            unreachable: None,
        })
    }

    /// `functions.patch`: the fields the mask names (or every field sent) replaced, then built
    /// and deployed again.
    pub fn update(
        self: &Arc<Self>,
        name: &str,
        patch: Function,
        update_mask: Option<&str>,
    ) -> Result<GoogleLongrunningOperation, GcpError> {
        let parsed = FunctionName::parse(name)?;
        let patch_json = serde_json::to_value(&patch).map_err(|_| GcpError::internal())?;
        let paths: Vec<String> = match update_mask.filter(|m| !m.is_empty()) {
            Some(mask) => mask.split(',').map(|p| p.trim().to_string()).collect(),
            None => patch_json
                .as_object()
                .map(|m| m.keys().cloned().collect())
                .unwrap_or_default(),
        };
        const OUTPUT_ONLY: [&str; 7] = [
            "name",
            "state",
            "stateMessages",
            "updateTime",
            "createTime",
            "url",
            "environment",
        ];
        let now = self.now();
        let (function, build) = self.functions.modify(name, |slot| {
            let Some(record) = slot.as_mut() else {
                return Err(not_found(name));
            };
            let mut current =
                serde_json::to_value(&record.function).map_err(|_| GcpError::internal())?;
            for path in &paths {
                if OUTPUT_ONLY.contains(&path.as_str()) {
                    continue;
                }
                copy_path(&mut current, &patch_json, path);
            }
            let mut function: Function = serde_json::from_value(current)
                .map_err(|error| GcpError::invalid(format!("Invalid update: {error}")))?;
            check_build_config(&function)?;
            function.state = Some(FunctionState::Deploying);
            function.update_time = Some(now.clone());
            record.function = function.clone();
            record.builds += 1;
            Ok((function, record.builds))
        })?;
        self.deploy(
            &parsed,
            function,
            build,
            "update",
            GoogleCloudFunctionsV2OperationMetadataOperationType::UpdateFunction,
        )
    }

    /// `functions.delete`: the function and its Cloud Run service.
    pub fn delete(&self, name: &str) -> Result<GoogleLongrunningOperation, GcpError> {
        let parsed = FunctionName::parse(name)?;
        let function = self.get(name)?;
        let service = parsed.service();
        if self.run.services.contains(&service) {
            self.run.delete_service(&service, None)?;
        }
        self.functions.remove(name)?;
        let operation_name = format!(
            "{}/operations/operation-{}",
            parsed.parent(),
            self.kit.ids().uuid()
        );
        let operations = &self.run.long_running.operations;
        operations
            .begin(
                &operation_name,
                self.metadata(
                    name,
                    "delete",
                    GoogleCloudFunctionsV2OperationMetadataOperationType::DeleteFunction,
                    &function,
                    GoogleCloudFunctionsV2StageState::Complete,
                ),
            )
            .map_err(|_| GcpError::internal())?;
        operations
            .finish(
                &operation_name,
                Outcome::Response(as_any(&serde_json::json!({}), EMPTY_TYPE)),
            )
            .map(render)
            .map_err(|_| GcpError::internal())
    }

    /// `functions.generateUploadUrl`: a resumable upload session for the source zip.
    pub fn generate_upload_url(
        &self,
        parent: &str,
        links: &Links,
    ) -> Result<GenerateUploadUrlResponse, GcpError> {
        let (project, location) = parse_parent(parent)?;
        let bucket = format!(
            "gcf-v2-uploads-{}-{location}",
            crate::project::number(&project)
        );
        if self
            .storage
            .get_bucket(&bucket, &Default::default(), links)
            .is_err()
        {
            let request = sim_gcp_shapes::storage_v1::Bucket {
                name: Some(bucket.clone()),
                location: Some(location.to_ascii_uppercase()),
                ..Default::default()
            };
            match self.storage.insert_bucket(&project, request, links) {
                Ok(_) => {}
                // Made by a concurrent call.
                Err(error) if error.status == "ALREADY_EXISTS" || error.http == 409 => {}
                Err(error) => return Err(error),
            }
        }
        let object = format!("{}.zip", self.kit.ids().uuid());
        let metadata = sim_gcp_shapes::storage_v1::Object {
            name: Some(object.clone()),
            content_type: Some("application/zip".into()),
            ..Default::default()
        };
        let upload_id = self
            .storage
            .start_upload(&bucket, metadata, None, Default::default())?;
        Ok(GenerateUploadUrlResponse {
            upload_url: Some(format!(
                "{}/upload/storage/v1/b/{bucket}/o?uploadType=resumable&upload_id={upload_id}",
                links.base_url
            )),
            storage_source: Some(StorageSource {
                bucket: Some(bucket),
                object: Some(object),
                ..Default::default()
            }),
        })
    }

    /// `functions.generateDownloadUrl`: a media link to the function's source.
    pub fn generate_download_url(
        &self,
        name: &str,
        links: &Links,
    ) -> Result<GenerateDownloadUrlResponse, GcpError> {
        let function = self.get(name)?;
        let source = function
            .build_config
            .and_then(|b| b.source)
            .and_then(|s| s.storage_source)
            .unwrap_or_default();
        let bucket = source.bucket.unwrap_or_default();
        let object = source.object.unwrap_or_default();
        let encoded: String =
            percent_encoding::utf8_percent_encode(&object, percent_encoding::NON_ALPHANUMERIC)
                .to_string();
        Ok(GenerateDownloadUrlResponse {
            download_url: Some(format!(
                "{}/download/storage/v1/b/{bucket}/o/{encoded}?alt=media",
                links.base_url
            )),
        })
    }

    /// The Cloud Run service host a `https://REGION-PROJECT.cloudfunctions.net/NAME` URL leads
    /// to, for the proxy.
    pub fn service_host_for(&self, host: &str, function: &str) -> Option<String> {
        let url = format!("https://{host}/{function}");
        let record = self
            .functions
            .all()
            .into_iter()
            .find(|(_, record)| record.function.url.as_deref() == Some(url.as_str()))?;
        let service = record.1.function.service_config.and_then(|s| s.service)?;
        self.run
            .get_service(&service)
            .ok()?
            .uri?
            .strip_prefix("https://")
            .map(str::to_string)
    }
}

/// `secretEnvironmentVariables` as the Cloud Run service's env vars from Secret Manager, which
/// are read when an instance starts.
fn secret_env(
    service: &ServiceConfig,
    project: &str,
) -> impl Iterator<Item = GoogleCloudRunV2EnvVar> {
    let project = project.to_string();
    service
        .secret_environment_variables
        .clone()
        .unwrap_or_default()
        .into_iter()
        .map(move |variable| {
            let owner = variable
                .project_id
                .clone()
                .filter(|p| !p.is_empty())
                .unwrap_or_else(|| project.clone());
            let secret = variable.secret.clone().unwrap_or_default();
            GoogleCloudRunV2EnvVar {
                name: variable.key.clone(),
                value: None,
                value_source: Some(GoogleCloudRunV2EnvVarSource {
                    secret_key_ref: Some(GoogleCloudRunV2SecretKeySelector {
                        secret: Some(format!("projects/{owner}/secrets/{secret}")),
                        version: variable.version.clone(),
                    }),
                }),
            }
        })
}

/// The runtime and source a deployment needs.
fn check_build_config(function: &Function) -> Result<(), GcpError> {
    let service = function.service_config.clone().unwrap_or_default();
    if service
        .secret_volumes
        .as_ref()
        .is_some_and(|v| !v.is_empty())
    {
        return Err(GcpError::invalid(
            "serviceConfig.secretVolumes: secrets mounted as volumes are not supported by the simulator",
        ));
    }
    for (index, variable) in service
        .secret_environment_variables
        .iter()
        .flatten()
        .enumerate()
    {
        if variable.key.as_deref().is_none_or(str::is_empty)
            || variable.secret.as_deref().is_none_or(str::is_empty)
        {
            return Err(GcpError::invalid(format!(
                "serviceConfig.secretEnvironmentVariables[{index}]: key and secret must be specified"
            )));
        }
    }
    let build = function
        .build_config
        .as_ref()
        .ok_or_else(|| GcpError::invalid("buildConfig: must be specified"))?;
    let runtime = build.runtime.as_deref().unwrap_or_default();
    if runtime.is_empty() {
        return Err(GcpError::invalid("buildConfig.runtime: must be specified"));
    }
    source::check_runtime(runtime)?;
    if function.event_trigger.is_some() {
        return Err(GcpError::invalid(
            "eventTrigger: event-driven functions are not supported by the simulator",
        ));
    }
    let source = build.source.clone().unwrap_or_default();
    if source.repo_source.is_some() || source.git_uri.is_some() {
        return Err(GcpError::invalid(
            "buildConfig.source: only storageSource is supported by the simulator",
        ));
    }
    let storage = source
        .storage_source
        .ok_or_else(|| GcpError::invalid("buildConfig.source.storageSource: must be specified"))?;
    if storage.bucket.as_deref().is_none_or(str::is_empty)
        || storage.object.as_deref().is_none_or(str::is_empty)
    {
        return Err(GcpError::invalid(
            "buildConfig.source.storageSource: bucket and object must be specified",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_urls_and_masks() {
        for good in ["f", "hello_world", "Hello-2"] {
            assert!(check_function_id(good).is_ok(), "{good}");
        }
        for bad in ["", "1f", "f-", "f_", "f.g", &"a".repeat(64)] {
            assert!(check_function_id(bad).is_err(), "{bad}");
        }
        let name = FunctionName::parse("projects/p/locations/us-central1/functions/Hello_World")
            .expect("valid");
        assert_eq!(
            name.url(),
            "https://us-central1-p.cloudfunctions.net/Hello_World"
        );
        assert_eq!(
            name.service(),
            "projects/p/locations/us-central1/services/hello-world"
        );
        let mut target = serde_json::json!({"buildConfig": {"entryPoint": "a", "runtime": "python312"}, "labels": {"x": "1"}});
        let source = serde_json::json!({"buildConfig": {"entryPoint": "b"}});
        copy_path(&mut target, &source, "buildConfig.entryPoint");
        copy_path(&mut target, &source, "labels");
        assert_eq!(
            target,
            serde_json::json!({"buildConfig": {"entryPoint": "b", "runtime": "python312"}})
        );
        assert_eq!(crate::project::number("p").to_string().len(), 12);
    }
}
