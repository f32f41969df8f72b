//! State Manager associations: CreateAssociation(Batch), DescribeAssociation, ListAssociations,
//! UpdateAssociation, DeleteAssociation, ListAssociationVersions, DescribeAssociationExecutions.
//!
//! An association binds a document to targets; every change makes a new version. With no
//! managed instances to apply it to, an association stays `Pending` and never executes.
//! Associations that name one instance (`InstanceId`) are refused as SSM refuses an instance it
//! does not manage.

use serde::{Deserialize, Serialize};
use sim_aws_shapes::normal::Timestamp;
use sim_aws_shapes::ssm::{
    Association, AssociationDescription, AssociationOverview, AssociationStatus,
    AssociationVersionInfo, CreateAssociationBatchRequest, CreateAssociationBatchRequestEntry,
    CreateAssociationBatchResult, CreateAssociationRequest, CreateAssociationResult,
    DeleteAssociationRequest, DeleteAssociationResult, DescribeAssociationExecutionsRequest,
    DescribeAssociationExecutionsResult, DescribeAssociationRequest, DescribeAssociationResult,
    FailedCreateAssociation, ListAssociationVersionsRequest, ListAssociationVersionsResult,
    ListAssociationsRequest, ListAssociationsResult, Tag, UpdateAssociationRequest,
    UpdateAssociationResult,
};

use super::{Ssm, SsmError};
use crate::services::Ctx;

/// A stored association: every version of its description, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AssociationRecord {
    pub versions: Vec<AssociationDescription>,
    pub tags: Vec<Tag>,
}

impl AssociationRecord {
    fn latest(&self) -> &AssociationDescription {
        self.versions
            .last()
            .expect("a stored association has at least one version")
    }
}

fn no_association() -> SsmError {
    SsmError::new("AssociationDoesNotExist", "")
}

/// Documents AWS owns: every account can associate them, and this simulator does not list them.
fn is_aws_document(name: &str) -> bool {
    [
        "AWS-",
        "AWSEC2-",
        "AWSSupport-",
        "AWSConfigRemediation-",
        "AWSFleetManager-",
        "Amazon",
    ]
    .iter()
    .any(|prefix| name.starts_with(prefix))
}

impl Ssm {
    fn association_key(ctx: &Ctx, id: &str) -> String {
        format!("{}{id}", ctx.scope())
    }

    /// Checks what an association names: its document (and version), its schedule, and that
    /// it does not name an instance.
    fn check_association(
        &self,
        ctx: &Ctx,
        document: &str,
        document_version: Option<&str>,
        instance_id: Option<&str>,
        schedule: Option<&str>,
    ) -> Result<(), SsmError> {
        let name = document.rsplit('/').next().unwrap_or(document);
        if !is_aws_document(name) {
            let record = self.document(ctx, name)?;
            if let Some(version) = document_version
                && !matches!(version, "$DEFAULT" | "$LATEST")
                && !record
                    .versions
                    .iter()
                    .any(|v| v.version.to_string() == version)
            {
                return Err(SsmError::new(
                    "InvalidDocumentVersion",
                    "The document version is not valid or does not exist.",
                ));
            }
        }
        if let Some(instance) = instance_id {
            return Err(SsmError::new(
                "InvalidInstanceId",
                format!("Instance id {instance} is not a managed instance."),
            ));
        }
        if let Some(schedule) = schedule {
            let formed = ["cron(", "rate(", "at("]
                .iter()
                .any(|prefix| schedule.starts_with(prefix))
                && schedule.ends_with(')');
            if !formed {
                return Err(SsmError::new(
                    "InvalidSchedule",
                    format!("Schedule expression {schedule} is not valid."),
                ));
            }
        }
        Ok(())
    }

    fn new_association(&self, entry: CreateAssociationBatchRequestEntry) -> AssociationDescription {
        let now = Timestamp(self.now());
        AssociationDescription {
            name: Some(entry.name.clone()),
            instance_id: None,
            association_version: Some("1".to_owned()),
            date: Some(now),
            last_update_association_date: Some(now),
            status: Some(AssociationStatus {
                date: now,
                name: "Pending".to_owned(),
                message: format!("Associated with {}", entry.name),
                additional_info: None,
            }),
            overview: Some(AssociationOverview {
                status: Some("Pending".to_owned()),
                detailed_status: Some("Creating".to_owned()),
                association_status_aggregated_count: None,
            }),
            document_version: Some(
                entry
                    .document_version
                    .unwrap_or_else(|| "$DEFAULT".to_owned()),
            ),
            automation_target_parameter_name: entry.automation_target_parameter_name,
            parameters: entry.parameters,
            association_id: Some(self.kit.ids().uuid()),
            targets: entry.targets,
            schedule_expression: entry.schedule_expression,
            output_location: entry.output_location,
            association_name: entry.association_name,
            max_errors: entry.max_errors,
            max_concurrency: entry.max_concurrency,
            compliance_severity: entry.compliance_severity,
            sync_compliance: entry.sync_compliance,
            apply_only_at_cron_interval: Some(entry.apply_only_at_cron_interval.unwrap_or(false)),
            calendar_names: entry.calendar_names,
            target_locations: entry.target_locations,
            schedule_offset: entry.schedule_offset,
            duration: entry.duration,
            target_maps: entry.target_maps,
            alarm_configuration: entry.alarm_configuration,
            ..Default::default()
        }
    }

    /// Creates one association from a batch-shaped entry.
    fn create_one(
        &self,
        ctx: &Ctx,
        entry: CreateAssociationBatchRequestEntry,
        tags: Vec<Tag>,
    ) -> Result<AssociationDescription, SsmError> {
        self.check_association(
            ctx,
            &entry.name,
            entry.document_version.as_deref(),
            entry.instance_id.as_deref(),
            entry.schedule_expression.as_deref(),
        )?;
        if let Some(name) = &entry.association_name
            && self
                .associations
                .scan_prefix(&ctx.scope())
                .iter()
                .any(|(_, r)| r.latest().association_name.as_ref() == Some(name))
        {
            return Err(SsmError::new("AssociationAlreadyExists", ""));
        }
        let description = self.new_association(entry);
        let id = description.association_id.clone().unwrap_or_default();
        self.associations.insert(
            &Self::association_key(ctx, &id),
            AssociationRecord {
                versions: vec![description.clone()],
                tags,
            },
        )?;
        Ok(description)
    }

    pub(super) async fn create_association(
        &self,
        ctx: &Ctx,
        input: CreateAssociationRequest,
    ) -> Result<CreateAssociationResult, SsmError> {
        let entry = CreateAssociationBatchRequestEntry {
            name: input.name,
            instance_id: input.instance_id,
            parameters: input.parameters,
            automation_target_parameter_name: input.automation_target_parameter_name,
            document_version: input.document_version,
            targets: input.targets,
            schedule_expression: input.schedule_expression,
            output_location: input.output_location,
            association_name: input.association_name,
            max_errors: input.max_errors,
            max_concurrency: input.max_concurrency,
            compliance_severity: input.compliance_severity,
            sync_compliance: input.sync_compliance,
            apply_only_at_cron_interval: input.apply_only_at_cron_interval,
            calendar_names: input.calendar_names,
            target_locations: input.target_locations,
            schedule_offset: input.schedule_offset,
            duration: input.duration,
            target_maps: input.target_maps,
            alarm_configuration: input.alarm_configuration,
        };
        let description = self.create_one(ctx, entry, input.tags.unwrap_or_default())?;
        Ok(CreateAssociationResult {
            association_description: Some(description),
        })
    }

    pub(super) async fn create_association_batch(
        &self,
        ctx: &Ctx,
        input: CreateAssociationBatchRequest,
    ) -> Result<CreateAssociationBatchResult, SsmError> {
        let mut successful = Vec::new();
        let mut failed = Vec::new();
        for entry in input.entries {
            match self.create_one(ctx, entry.clone(), Vec::new()) {
                Ok(description) => successful.push(description),
                // Every refusal here is the caller's: SSM reports it as a client fault.
                Err(SsmError::Coded { message, .. }) => failed.push(FailedCreateAssociation {
                    entry: Some(entry),
                    message: Some(message),
                    fault: Some("Client".to_owned()),
                }),
                Err(other) => return Err(other),
            }
        }
        Ok(CreateAssociationBatchResult {
            successful: Some(successful),
            failed: Some(failed),
        })
    }

    /// The association a request names by ID.
    fn association(&self, ctx: &Ctx, id: Option<&str>) -> Result<AssociationRecord, SsmError> {
        let id = id.ok_or_else(no_association)?;
        self.associations
            .get(&Self::association_key(ctx, id))
            .ok_or_else(no_association)
    }

    pub(super) async fn describe_association(
        &self,
        ctx: &Ctx,
        input: DescribeAssociationRequest,
    ) -> Result<DescribeAssociationResult, SsmError> {
        if let Some(instance) = input.instance_id.as_deref() {
            return Err(SsmError::new(
                "InvalidInstanceId",
                format!("Instance id {instance} is not a managed instance."),
            ));
        }
        let record = self.association(ctx, input.association_id.as_deref())?;
        let description = match input.association_version.as_deref() {
            None | Some("$LATEST") => record.latest().clone(),
            Some(version) => record
                .versions
                .iter()
                .find(|v| v.association_version.as_deref() == Some(version))
                .cloned()
                .ok_or_else(|| {
                    SsmError::new(
                        "InvalidAssociationVersion",
                        format!("Association version {version} does not exist."),
                    )
                })?,
        };
        Ok(DescribeAssociationResult {
            association_description: Some(description),
        })
    }

    pub(super) async fn list_associations(
        &self,
        ctx: &Ctx,
        input: ListAssociationsRequest,
    ) -> Result<ListAssociationsResult, SsmError> {
        let filters = input.association_filter_list.unwrap_or_default();
        let entries = self
            .associations
            .scan_prefix(&ctx.scope())
            .into_iter()
            .map(|(_, record)| record.latest().clone())
            .filter(|a| {
                filters.iter().all(|f| {
                    let value = f.value.as_str();
                    match f.key.as_str() {
                        "Name" => a.name.as_deref() == Some(value),
                        "AssociationId" => a.association_id.as_deref() == Some(value),
                        "AssociationName" => a.association_name.as_deref() == Some(value),
                        "AssociationStatusName" => {
                            a.overview.as_ref().and_then(|o| o.status.as_deref()) == Some(value)
                        }
                        "InstanceId" => false,
                        _ => true,
                    }
                })
            })
            .map(|a| {
                let summary = Association {
                    name: a.name,
                    instance_id: None,
                    association_id: a.association_id.clone(),
                    association_version: a.association_version,
                    document_version: a.document_version,
                    targets: a.targets,
                    last_execution_date: None,
                    overview: a.overview,
                    schedule_expression: a.schedule_expression,
                    association_name: a.association_name,
                    schedule_offset: a.schedule_offset,
                    duration: a.duration,
                    target_maps: a.target_maps,
                };
                (a.association_id.unwrap_or_default(), summary)
            })
            .collect();
        let page = super::page(entries, input.next_token.as_deref(), input.max_results, 50)?;
        Ok(ListAssociationsResult {
            associations: Some(page.items),
            next_token: page.next,
        })
    }

    pub(super) async fn update_association(
        &self,
        ctx: &Ctx,
        input: UpdateAssociationRequest,
    ) -> Result<UpdateAssociationResult, SsmError> {
        let current = self.association(ctx, Some(&input.association_id))?;
        let latest = current.latest().clone();
        if let Some(version) = input.association_version.as_deref()
            && version != "$LATEST"
            && latest.association_version.as_deref() != Some(version)
        {
            return Err(SsmError::new(
                "InvalidAssociationVersion",
                format!(
                    "Association version {version} is not the latest version of association {}.",
                    input.association_id
                ),
            ));
        }
        let document = input
            .name
            .clone()
            .or(latest.name.clone())
            .unwrap_or_default();
        self.check_association(
            ctx,
            &document,
            input.document_version.as_deref(),
            None,
            input.schedule_expression.as_deref(),
        )?;
        let now = Timestamp(self.now());
        let next_version = latest
            .association_version
            .as_deref()
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
            + 1;
        let mut next = latest;
        macro_rules! set {
            ($field:ident) => {
                if input.$field.is_some() {
                    next.$field = input.$field;
                }
            };
        }
        set!(parameters);
        set!(document_version);
        set!(schedule_expression);
        set!(output_location);
        set!(name);
        set!(targets);
        set!(association_name);
        set!(automation_target_parameter_name);
        set!(max_errors);
        set!(max_concurrency);
        set!(compliance_severity);
        set!(sync_compliance);
        set!(apply_only_at_cron_interval);
        set!(calendar_names);
        set!(target_locations);
        set!(schedule_offset);
        set!(duration);
        set!(target_maps);
        set!(alarm_configuration);
        next.association_version = Some(next_version.to_string());
        next.last_update_association_date = Some(now);
        let description = next.clone();
        self.associations
            .modify(&Self::association_key(ctx, &input.association_id), |slot| {
                let record = slot.as_mut().ok_or_else(no_association)?;
                record.versions.push(next);
                Ok::<_, SsmError>(())
            })?;
        Ok(UpdateAssociationResult {
            association_description: Some(description),
        })
    }

    pub(super) async fn delete_association(
        &self,
        ctx: &Ctx,
        input: DeleteAssociationRequest,
    ) -> Result<DeleteAssociationResult, SsmError> {
        if let Some(instance) = input.instance_id.as_deref() {
            return Err(SsmError::new(
                "InvalidInstanceId",
                format!("Instance id {instance} is not a managed instance."),
            ));
        }
        let id = input.association_id.ok_or_else(no_association)?;
        self.associations
            .remove(&Self::association_key(ctx, &id))?
            .ok_or_else(no_association)?;
        Ok(DeleteAssociationResult {})
    }

    pub(super) async fn list_association_versions(
        &self,
        ctx: &Ctx,
        input: ListAssociationVersionsRequest,
    ) -> Result<ListAssociationVersionsResult, SsmError> {
        let record = self.association(ctx, Some(&input.association_id))?;
        let entries = record
            .versions
            .into_iter()
            .map(|v| {
                let number: u64 = v
                    .association_version
                    .as_deref()
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(0);
                let info = AssociationVersionInfo {
                    association_id: v.association_id,
                    association_version: v.association_version,
                    created_date: v.last_update_association_date,
                    name: v.name,
                    document_version: v.document_version,
                    parameters: v.parameters,
                    targets: v.targets,
                    schedule_expression: v.schedule_expression,
                    output_location: v.output_location,
                    association_name: v.association_name,
                    max_errors: v.max_errors,
                    max_concurrency: v.max_concurrency,
                    compliance_severity: v.compliance_severity,
                    sync_compliance: v.sync_compliance,
                    apply_only_at_cron_interval: v.apply_only_at_cron_interval,
                    calendar_names: v.calendar_names,
                    target_locations: v.target_locations,
                    schedule_offset: v.schedule_offset,
                    duration: v.duration,
                    target_maps: v.target_maps,
                    association_dispatch_assume_role: v.association_dispatch_assume_role,
                };
                (format!("{number:020}"), info)
            })
            .collect();
        let page = super::page(entries, input.next_token.as_deref(), input.max_results, 50)?;
        Ok(ListAssociationVersionsResult {
            association_versions: Some(page.items),
            next_token: page.next,
        })
    }

    pub(super) async fn describe_association_executions(
        &self,
        ctx: &Ctx,
        input: DescribeAssociationExecutionsRequest,
    ) -> Result<DescribeAssociationExecutionsResult, SsmError> {
        self.association(ctx, Some(&input.association_id))?;
        // With no managed instances, an association has never run.
        Ok(DescribeAssociationExecutionsResult {
            association_executions: Some(Vec::new()),
            next_token: None,
        })
    }
}
