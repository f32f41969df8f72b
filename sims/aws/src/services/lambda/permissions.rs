//! Resource policies: AddPermission, RemovePermission and GetPolicy on functions (per
//! qualifier), and the same three on layer versions. Statements are built as Lambda builds
//! them (principal forms, `AWS:SourceAccount`/`AWS:SourceArn`/`aws:PrincipalOrgID`
//! conditions, function URL auth type) and read back in a `{"Version","Id","Statement"}`
//! document.

use serde_json::{Map, Value, json};
use sim_aws_shapes::lambda::{
    AddLayerVersionPermissionRequest, AddLayerVersionPermissionResponse, AddPermissionRequest,
    AddPermissionResponse, GetLayerVersionPolicyRequest, GetLayerVersionPolicyResponse,
    GetPolicyRequest, GetPolicyResponse, RemoveLayerVersionPermissionRequest,
    RemovePermissionRequest,
};

use super::{Lambda, LambdaError, PolicyRecord, names};
use crate::services::Ctx;

/// Lambda's limit on a resource policy document.
const MAX_POLICY_BYTES: usize = 20_480;

/// The `Principal` of a statement: a service, an account, an ARN or everyone.
fn principal(given: &str) -> Value {
    if given == "*" {
        Value::String("*".into())
    } else if given.len() == 12 && given.bytes().all(|b| b.is_ascii_digit()) {
        json!({"AWS": format!("arn:aws:iam::{given}:root")})
    } else if given.starts_with("arn:") {
        json!({"AWS": given})
    } else {
        json!({"Service": given})
    }
}

fn document(statements: &[Value]) -> String {
    json!({"Version": "2012-10-17", "Id": "default", "Statement": statements}).to_string()
}

fn sid_exists() -> LambdaError {
    LambdaError::ResourceConflict(
        "The statement id (sid) provided already exists. Please provide a new statement id, or remove the existing statement.".into(),
    )
}

fn no_policy() -> LambdaError {
    LambdaError::ResourceNotFound("The resource you requested does not exist.".into())
}

impl Lambda {
    pub(crate) async fn add_permission(
        &self,
        ctx: &Ctx,
        input: AddPermissionRequest,
    ) -> Result<AddPermissionResponse, LambdaError> {
        let function = names::parse(ctx, &input.function_name, input.qualifier.as_deref())?;
        // The qualifier must exist.
        self.resolve(ctx, &input.function_name, input.qualifier.as_deref())?;
        let action = if input.action.starts_with("lambda:") || input.action == "*" {
            input.action.clone()
        } else {
            format!("lambda:{}", input.action)
        };
        let mut conditions = Map::new();
        if let Some(account) = &input.source_account {
            conditions.insert("StringEquals".into(), json!({"AWS:SourceAccount": account}));
        }
        if let Some(org) = &input.principal_org_id {
            conditions
                .entry("StringEquals")
                .or_insert_with(|| json!({}))
                .as_object_mut()
                .map(|m| m.insert("aws:PrincipalOrgID".into(), json!(org)));
        }
        if let Some(auth) = &input.function_url_auth_type {
            conditions
                .entry("StringEquals")
                .or_insert_with(|| json!({}))
                .as_object_mut()
                .map(|m| m.insert("lambda:FunctionUrlAuthType".into(), json!(auth)));
        }
        if let Some(token) = &input.event_source_token {
            conditions
                .entry("StringEquals")
                .or_insert_with(|| json!({}))
                .as_object_mut()
                .map(|m| m.insert("lambda:EventSourceToken".into(), json!(token)));
        }
        if input.invoked_via_function_url == Some(true) {
            conditions.insert(
                "Bool".into(),
                json!({"lambda:InvokedViaFunctionUrl": "true"}),
            );
        }
        if let Some(source) = &input.source_arn {
            conditions.insert("ArnLike".into(), json!({"AWS:SourceArn": source}));
        }
        let mut statement = json!({
            "Sid": input.statement_id,
            "Effect": "Allow",
            "Principal": principal(&input.principal),
            "Action": action,
            "Resource": names::qualified_arn(ctx, &function.name, function.qualifier.as_deref()),
        });
        if !conditions.is_empty() {
            statement["Condition"] = Value::Object(conditions);
        }
        let qualifier = function.qualifier.clone().unwrap_or_default();
        let revision = self.revision();
        let key = self.function_key(ctx, &function.name);
        self.functions.modify(&key, |slot| {
            let record = slot
                .as_mut()
                .ok_or_else(|| names::function_not_found(ctx, &function.name, None))?;
            super::functions::check_revision(record, input.revision_id.as_deref())?;
            let policy = record.policies.entry(qualifier.clone()).or_default();
            if policy
                .statements
                .iter()
                .any(|s| s["Sid"] == json!(input.statement_id))
            {
                return Err(sid_exists());
            }
            policy.statements.push(statement.clone());
            if document(&policy.statements).len() > MAX_POLICY_BYTES {
                return Err(LambdaError::PolicyLengthExceeded(
                    "The final policy size (bytes) is bigger than the limit.".into(),
                ));
            }
            policy.revision_id = revision.clone();
            record.config.revision_id = Some(revision.clone());
            Ok(())
        })?;
        Ok(AddPermissionResponse {
            statement: Some(statement.to_string()),
        })
    }

    pub(crate) async fn remove_permission(
        &self,
        ctx: &Ctx,
        input: RemovePermissionRequest,
    ) -> Result<(), LambdaError> {
        let function = names::parse(ctx, &input.function_name, input.qualifier.as_deref())?;
        let qualifier = function.qualifier.clone().unwrap_or_default();
        let revision = self.revision();
        self.functions
            .modify(&self.function_key(ctx, &function.name), |slot| {
                let record = slot
                    .as_mut()
                    .ok_or_else(|| names::function_not_found(ctx, &function.name, None))?;
                super::functions::check_revision(record, input.revision_id.as_deref())?;
                let policy = record.policies.get_mut(&qualifier).ok_or_else(no_policy)?;
                let before = policy.statements.len();
                policy
                    .statements
                    .retain(|s| s["Sid"] != json!(input.statement_id));
                if policy.statements.len() == before {
                    return Err(LambdaError::ResourceNotFound(format!(
                        "Statement {} is not found in resource policy.",
                        input.statement_id
                    )));
                }
                if policy.statements.is_empty() {
                    record.policies.remove(&qualifier);
                }
                record.config.revision_id = Some(revision.clone());
                Ok(())
            })
    }

    pub(crate) async fn get_policy(
        &self,
        ctx: &Ctx,
        input: GetPolicyRequest,
    ) -> Result<GetPolicyResponse, LambdaError> {
        let function = names::parse(ctx, &input.function_name, input.qualifier.as_deref())?;
        let (record, _) = self.resolve(ctx, &input.function_name, input.qualifier.as_deref())?;
        let policy = record
            .policies
            .get(&function.qualifier.unwrap_or_default())
            .filter(|p| !p.statements.is_empty())
            .ok_or_else(no_policy)?;
        Ok(GetPolicyResponse {
            policy: Some(document(&policy.statements)),
            revision_id: Some(policy.revision_id.clone()),
        })
    }

    pub(crate) async fn add_layer_version_permission(
        &self,
        ctx: &Ctx,
        input: AddLayerVersionPermissionRequest,
    ) -> Result<AddLayerVersionPermissionResponse, LambdaError> {
        let key = self.layer_key(ctx, &input.layer_name, input.version_number);
        let arn = self.layer_version_arn(ctx, &input.layer_name, input.version_number);
        let mut statement = json!({
            "Sid": input.statement_id,
            "Effect": "Allow",
            "Principal": principal(&input.principal),
            "Action": input.action,
            "Resource": arn,
        });
        if let Some(org) = &input.organization_id {
            statement["Condition"] = json!({"StringEquals": {"aws:PrincipalOrgID": org}});
        }
        let revision = self.revision();
        self.layers.modify(&key, |slot| {
            let layer = slot.as_mut().ok_or_else(super::layers::layer_not_found)?;
            if let Some(given) = &input.revision_id
                && *given != layer.policy.revision_id
            {
                return Err(LambdaError::PreconditionFailed(
                    "The Revision Id provided does not match the latest Revision Id.".into(),
                ));
            }
            if layer
                .policy
                .statements
                .iter()
                .any(|s| s["Sid"] == json!(input.statement_id))
            {
                return Err(sid_exists());
            }
            layer.policy.statements.push(statement.clone());
            layer.policy.revision_id = revision.clone();
            Ok(())
        })?;
        Ok(AddLayerVersionPermissionResponse {
            statement: Some(statement.to_string()),
            revision_id: Some(revision),
        })
    }

    pub(crate) async fn remove_layer_version_permission(
        &self,
        ctx: &Ctx,
        input: RemoveLayerVersionPermissionRequest,
    ) -> Result<(), LambdaError> {
        let key = self.layer_key(ctx, &input.layer_name, input.version_number);
        let revision = self.revision();
        self.layers.modify(&key, |slot| {
            let layer = slot.as_mut().ok_or_else(super::layers::layer_not_found)?;
            let before = layer.policy.statements.len();
            layer
                .policy
                .statements
                .retain(|s| s["Sid"] != json!(input.statement_id));
            if layer.policy.statements.len() == before {
                return Err(LambdaError::ResourceNotFound(format!(
                    "Statement {} is not found in resource policy.",
                    input.statement_id
                )));
            }
            layer.policy.revision_id = revision.clone();
            Ok(())
        })
    }

    pub(crate) async fn get_layer_version_policy(
        &self,
        ctx: &Ctx,
        input: GetLayerVersionPolicyRequest,
    ) -> Result<GetLayerVersionPolicyResponse, LambdaError> {
        let layer = self
            .layers
            .get(&self.layer_key(ctx, &input.layer_name, input.version_number))
            .ok_or_else(super::layers::layer_not_found)?;
        if layer.policy.statements.is_empty() {
            return Err(no_policy());
        }
        let PolicyRecord {
            statements,
            revision_id,
        } = layer.policy;
        Ok(GetLayerVersionPolicyResponse {
            policy: Some(document(&statements)),
            revision_id: Some(revision_id),
        })
    }
}
