//! Event source mappings, capacity providers and durable executions: the parts of Lambda that
//! need services the simulator does not have. A mapping from an SQS queue, a Kinesis or
//! DynamoDB stream, an MSK cluster or an MQ broker answers Lambda's error for a source that
//! does not exist (there is none); a self-managed Kafka mapping (no ARN) is recorded. A
//! capacity provider needs EC2 subnets, which do not exist here either. Durable executions
//! exist only for durable functions, which the simulator does not run, so every execution or
//! callback named is one that does not exist.

use std::collections::BTreeMap;

use sim_aws_shapes::lambda::*;

use super::functions::page_of;
use super::{Lambda, LambdaError, invalid, names};
use crate::services::Ctx;

fn not_found() -> LambdaError {
    LambdaError::ResourceNotFound("The resource you requested does not exist.".into())
}

/// Lambda's error for an event source that does not exist, in the words of its service.
fn missing_source(arn: &str) -> LambdaError {
    let service = arn.split(':').nth(2).unwrap_or_default();
    match service {
        "sqs" => invalid(
            "Error occurred while ReceiveMessage. SQS Error Code: AWS.SimpleQueueService.NonExistentQueue. SQS Error Message: The specified queue does not exist for this wsdl version.",
        ),
        "kinesis" | "dynamodb" => invalid(format!("Stream not found: {arn}")),
        _ => invalid(format!("The provided event source {arn} does not exist.")),
    }
}

impl Lambda {
    fn mapping_key(&self, ctx: &Ctx, uuid: &str) -> String {
        format!("{}{uuid}", ctx.scope())
    }

    pub(super) fn mapping_tags<R>(
        &self,
        ctx: &Ctx,
        uuid: &str,
        change: impl FnOnce(&mut BTreeMap<String, String>) -> Result<R, LambdaError>,
    ) -> Result<R, LambdaError> {
        let key = format!("{}tags\0{uuid}", ctx.scope());
        if !self.mappings.contains(&self.mapping_key(ctx, uuid)) {
            return Err(not_found());
        }
        let mut tags: BTreeMap<String, String> = self
            .mappings
            .get(&key)
            .and_then(|m| m.self_managed_event_source)
            .and_then(|s| s.endpoints)
            .map(|e| e.into_iter().map(|(k, v)| (k, v.join(","))).collect())
            .unwrap_or_default();
        let answer = change(&mut tags)?;
        let holder = EventSourceMappingConfiguration {
            self_managed_event_source: Some(SelfManagedEventSource {
                endpoints: Some(tags.into_iter().map(|(k, v)| (k, vec![v])).collect()),
            }),
            ..Default::default()
        };
        self.mappings.insert(&key, holder)?;
        Ok(answer)
    }

    pub(crate) async fn create_event_source_mapping(
        &self,
        ctx: &Ctx,
        input: CreateEventSourceMappingRequest,
    ) -> Result<EventSourceMappingConfiguration, LambdaError> {
        let (_, version) = self.resolve(ctx, &input.function_name, None)?;
        if let Some(arn) = &input.event_source_arn {
            return Err(missing_source(arn));
        }
        if input.self_managed_event_source.is_none() {
            return Err(invalid(
                "Unrecognized event source, must be kinesis, dynamodb stream, sqs, msk, mq, documentdb or self-managed kafka.",
            ));
        }
        let uuid = self.kit.ids().uuid();
        let mapping = EventSourceMappingConfiguration {
            uuid: Some(uuid.clone()),
            starting_position: input.starting_position.clone(),
            batch_size: Some(input.batch_size.unwrap_or(100)),
            maximum_batching_window_in_seconds: input.maximum_batching_window_in_seconds,
            function_arn: version.config.function_arn.clone(),
            last_modified: Some(sim_aws_shapes::normal::Timestamp::from_millis(
                self.now_millis(),
            )),
            state: Some(
                if input.enabled == Some(false) {
                    "Disabled"
                } else {
                    "Creating"
                }
                .into(),
            ),
            state_transition_reason: Some("USER_INITIATED".into()),
            topics: input.topics.clone(),
            source_access_configurations: input.source_access_configurations.clone(),
            self_managed_event_source: input.self_managed_event_source.clone(),
            destination_config: input.destination_config.clone(),
            filter_criteria: input.filter_criteria.clone(),
            event_source_mapping_arn: Some(
                ctx.arn("lambda", &format!("event-source-mapping:{uuid}")),
            ),
            ..Default::default()
        };
        self.mappings
            .insert(&self.mapping_key(ctx, &uuid), mapping.clone())?;
        Ok(mapping)
    }

    pub(crate) async fn get_event_source_mapping(
        &self,
        ctx: &Ctx,
        input: GetEventSourceMappingRequest,
    ) -> Result<EventSourceMappingConfiguration, LambdaError> {
        self.mappings
            .get(&self.mapping_key(ctx, &input.uuid))
            .ok_or_else(not_found)
    }

    pub(crate) async fn update_event_source_mapping(
        &self,
        ctx: &Ctx,
        input: UpdateEventSourceMappingRequest,
    ) -> Result<EventSourceMappingConfiguration, LambdaError> {
        let function_arn = match &input.function_name {
            Some(name) => self.resolve(ctx, name, None)?.1.config.function_arn,
            None => None,
        };
        let now = self.now_millis();
        self.mappings
            .update(&self.mapping_key(ctx, &input.uuid), |mapping| {
                if let Some(arn) = function_arn {
                    mapping.function_arn = Some(arn);
                }
                if let Some(enabled) = input.enabled {
                    mapping.state = Some(if enabled { "Enabling" } else { "Disabling" }.into());
                }
                if let Some(size) = input.batch_size {
                    mapping.batch_size = Some(size);
                }
                if let Some(window) = input.maximum_batching_window_in_seconds {
                    mapping.maximum_batching_window_in_seconds = Some(window);
                }
                if let Some(filter) = input.filter_criteria.clone() {
                    mapping.filter_criteria = Some(filter);
                }
                if let Some(destination) = input.destination_config.clone() {
                    mapping.destination_config = Some(destination);
                }
                mapping.last_modified = Some(sim_aws_shapes::normal::Timestamp::from_millis(now));
                mapping.clone()
            })?
            .ok_or_else(not_found)
    }

    pub(crate) async fn delete_event_source_mapping(
        &self,
        ctx: &Ctx,
        input: DeleteEventSourceMappingRequest,
    ) -> Result<EventSourceMappingConfiguration, LambdaError> {
        let mut mapping = self
            .mappings
            .remove(&self.mapping_key(ctx, &input.uuid))?
            .ok_or_else(not_found)?;
        self.mappings
            .remove(&format!("{}tags\0{}", ctx.scope(), input.uuid))?;
        mapping.state = Some("Deleting".into());
        Ok(mapping)
    }

    pub(crate) async fn list_event_source_mappings(
        &self,
        ctx: &Ctx,
        input: ListEventSourceMappingsRequest,
    ) -> Result<ListEventSourceMappingsResponse, LambdaError> {
        let function_arn = match &input.function_name {
            Some(name) => {
                let function = names::parse(ctx, name, None)?;
                Some(names::function_arn(ctx, &function.name))
            }
            None => None,
        };
        let entries = self
            .mappings
            .scan_prefix(&ctx.scope())
            .into_iter()
            .filter(|(key, _)| !key[ctx.scope().len()..].starts_with("tags\0"))
            .filter(|(_, m)| function_arn.is_none() || m.function_arn == function_arn)
            .filter(|(_, m)| {
                input.event_source_arn.is_none() || m.event_source_arn == input.event_source_arn
            })
            .collect();
        let page = page_of(entries, input.marker.as_deref(), input.max_items)?;
        Ok(ListEventSourceMappingsResponse {
            event_source_mappings: Some(page.items),
            next_marker: page.next,
        })
    }

    pub(crate) async fn create_capacity_provider(
        &self,
        _ctx: &Ctx,
        input: CreateCapacityProviderRequest,
    ) -> Result<CreateCapacityProviderResponse, LambdaError> {
        let subnet = input
            .vpc_config
            .subnet_ids
            .first()
            .cloned()
            .unwrap_or_default();
        Err(invalid(format!("The subnet ID '{subnet}' does not exist")))
    }

    pub(crate) async fn get_capacity_provider(
        &self,
        ctx: &Ctx,
        input: GetCapacityProviderRequest,
    ) -> Result<GetCapacityProviderResponse, LambdaError> {
        let provider = self
            .capacity_providers
            .get(&format!("{}{}", ctx.scope(), input.capacity_provider_name))
            .ok_or_else(not_found)?;
        Ok(GetCapacityProviderResponse {
            capacity_provider: provider,
        })
    }

    pub(crate) async fn update_capacity_provider(
        &self,
        ctx: &Ctx,
        input: UpdateCapacityProviderRequest,
    ) -> Result<UpdateCapacityProviderResponse, LambdaError> {
        let provider = self
            .capacity_providers
            .get(&format!("{}{}", ctx.scope(), input.capacity_provider_name))
            .ok_or_else(not_found)?;
        Ok(UpdateCapacityProviderResponse {
            capacity_provider: provider,
        })
    }

    pub(crate) async fn delete_capacity_provider(
        &self,
        ctx: &Ctx,
        input: DeleteCapacityProviderRequest,
    ) -> Result<DeleteCapacityProviderResponse, LambdaError> {
        let provider = self
            .capacity_providers
            .remove(&format!("{}{}", ctx.scope(), input.capacity_provider_name))?
            .ok_or_else(not_found)?;
        Ok(DeleteCapacityProviderResponse {
            capacity_provider: provider,
        })
    }

    pub(crate) async fn list_capacity_providers(
        &self,
        ctx: &Ctx,
        input: ListCapacityProvidersRequest,
    ) -> Result<ListCapacityProvidersResponse, LambdaError> {
        let entries = self
            .capacity_providers
            .scan_prefix(&ctx.scope())
            .into_iter()
            .filter(|(_, p)| input.state.as_ref().is_none_or(|s| *s == p.state))
            .collect();
        let page = page_of(entries, input.marker.as_deref(), input.max_items)?;
        Ok(ListCapacityProvidersResponse {
            capacity_providers: page.items,
            next_marker: page.next,
        })
    }

    pub(crate) async fn list_function_versions_by_capacity_provider(
        &self,
        ctx: &Ctx,
        input: ListFunctionVersionsByCapacityProviderRequest,
    ) -> Result<ListFunctionVersionsByCapacityProviderResponse, LambdaError> {
        let provider = self
            .capacity_providers
            .get(&format!("{}{}", ctx.scope(), input.capacity_provider_name))
            .ok_or_else(not_found)?;
        Ok(ListFunctionVersionsByCapacityProviderResponse {
            capacity_provider_arn: provider.capacity_provider_arn,
            function_versions: Vec::new(),
            next_marker: None,
        })
    }

    pub(crate) async fn list_durable_executions_by_function(
        &self,
        ctx: &Ctx,
        input: ListDurableExecutionsByFunctionRequest,
    ) -> Result<ListDurableExecutionsByFunctionResponse, LambdaError> {
        self.resolve(ctx, &input.function_name, input.qualifier.as_deref())?;
        Ok(ListDurableExecutionsByFunctionResponse {
            durable_executions: Some(Vec::new()),
            next_marker: None,
        })
    }

    pub(crate) async fn get_durable_execution(
        &self,
        _ctx: &Ctx,
        _input: GetDurableExecutionRequest,
    ) -> Result<GetDurableExecutionResponse, LambdaError> {
        Err(not_found())
    }

    pub(crate) async fn get_durable_execution_history(
        &self,
        _ctx: &Ctx,
        _input: GetDurableExecutionHistoryRequest,
    ) -> Result<GetDurableExecutionHistoryResponse, LambdaError> {
        Err(not_found())
    }

    pub(crate) async fn get_durable_execution_state(
        &self,
        _ctx: &Ctx,
        _input: GetDurableExecutionStateRequest,
    ) -> Result<GetDurableExecutionStateResponse, LambdaError> {
        Err(not_found())
    }

    pub(crate) async fn checkpoint_durable_execution(
        &self,
        _ctx: &Ctx,
        _input: CheckpointDurableExecutionRequest,
    ) -> Result<CheckpointDurableExecutionResponse, LambdaError> {
        Err(not_found())
    }

    pub(crate) async fn stop_durable_execution(
        &self,
        _ctx: &Ctx,
        _input: StopDurableExecutionRequest,
    ) -> Result<StopDurableExecutionResponse, LambdaError> {
        Err(not_found())
    }

    pub(crate) async fn send_durable_execution_callback_success(
        &self,
        _ctx: &Ctx,
        _input: SendDurableExecutionCallbackSuccessRequest,
    ) -> Result<SendDurableExecutionCallbackSuccessResponse, LambdaError> {
        Err(not_found())
    }

    pub(crate) async fn send_durable_execution_callback_failure(
        &self,
        _ctx: &Ctx,
        _input: SendDurableExecutionCallbackFailureRequest,
    ) -> Result<SendDurableExecutionCallbackFailureResponse, LambdaError> {
        Err(not_found())
    }

    pub(crate) async fn send_durable_execution_callback_heartbeat(
        &self,
        _ctx: &Ctx,
        _input: SendDurableExecutionCallbackHeartbeatRequest,
    ) -> Result<SendDurableExecutionCallbackHeartbeatResponse, LambdaError> {
        Err(not_found())
    }
}
