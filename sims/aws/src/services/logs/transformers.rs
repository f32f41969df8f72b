//! Log transformers: PutTransformer, GetTransformer, DeleteTransformer and TestTransformer,
//! with the processors of [`super::transform`].
//!
//! A transformer is stored under its group's key and goes with the group. Limits: events are
//! stored as they were put; a transformer does not rewrite them at ingestion, so filters and
//! queries with `applyOnTransformedLogs` see the original events.

use sim_aws_shapes::logs::{
    DeleteTransformerRequest, GetTransformerRequest, GetTransformerResponse, PutTransformerRequest,
    TestTransformerRequest, TestTransformerResponse, TransformedLogRecord,
};

use super::transform;
use super::{Logs, LogsError, Scope};
use crate::services::Ctx;

fn transformer_not_found() -> LogsError {
    LogsError::ResourceNotFound("The specified log group has no transformer.".into())
}

impl Logs {
    pub(crate) async fn put_transformer(
        &self,
        ctx: &Ctx,
        input: PutTransformerRequest,
    ) -> Result<(), LogsError> {
        let scope = Scope::of(ctx);
        let group_name = scope.group_named(None, Some(input.log_group_identifier.clone()))?;
        let group = self.group(&scope, &group_name)?;
        if group.log_group_class != "STANDARD" {
            return Err(LogsError::InvalidOperation(
                "Transformers can only be used with log groups in the Standard log class.".into(),
            ));
        }
        transform::check(&input.transformer_config).map_err(LogsError::InvalidParameter)?;
        let now = self.now();
        let key = scope.group_key(&group_name);
        self.transformers.modify(&key, |slot| {
            let created = slot
                .as_ref()
                .and_then(|existing| existing.creation_time)
                .unwrap_or(now);
            *slot = Some(GetTransformerResponse {
                log_group_identifier: Some(input.log_group_identifier.clone()),
                creation_time: Some(created),
                last_modified_time: Some(now),
                transformer_config: Some(input.transformer_config.clone()),
            });
            Ok::<_, LogsError>(())
        })
    }

    pub(crate) async fn get_transformer(
        &self,
        ctx: &Ctx,
        input: GetTransformerRequest,
    ) -> Result<GetTransformerResponse, LogsError> {
        let scope = Scope::of(ctx);
        let group = scope.group_named(None, Some(input.log_group_identifier.clone()))?;
        self.group(&scope, &group)?;
        let stored = self
            .transformers
            .get(&scope.group_key(&group))
            .ok_or_else(transformer_not_found)?;
        Ok(GetTransformerResponse {
            log_group_identifier: Some(input.log_group_identifier),
            ..stored
        })
    }

    pub(crate) async fn delete_transformer(
        &self,
        ctx: &Ctx,
        input: DeleteTransformerRequest,
    ) -> Result<(), LogsError> {
        let scope = Scope::of(ctx);
        let group = scope.group_named(None, Some(input.log_group_identifier))?;
        self.group(&scope, &group)?;
        self.transformers
            .remove(&scope.group_key(&group))?
            .ok_or_else(transformer_not_found)?;
        Ok(())
    }

    pub(crate) async fn test_transformer(
        &self,
        _ctx: &Ctx,
        input: TestTransformerRequest,
    ) -> Result<TestTransformerResponse, LogsError> {
        transform::check(&input.transformer_config).map_err(LogsError::InvalidParameter)?;
        let transformed_logs = input
            .log_event_messages
            .into_iter()
            .enumerate()
            .map(|(number, message)| TransformedLogRecord {
                event_number: Some(number as i64),
                transformed_event_message: Some(transform::apply(
                    &input.transformer_config,
                    &message,
                )),
                event_message: Some(message),
            })
            .collect();
        Ok(TestTransformerResponse {
            transformed_logs: Some(transformed_logs),
        })
    }
}
