//! Hybrid activations (CreateActivation, DescribeActivations, DeleteActivation): the code and ID
//! an on-premises machine's SSM agent registers with. No agent ever registers here, so an
//! activation's registration count stays 0.

use serde::{Deserialize, Serialize};
use sim_aws_shapes::normal::Timestamp;
use sim_aws_shapes::ssm::{
    Activation, CreateActivationRequest, CreateActivationResult, DeleteActivationRequest,
    DeleteActivationResult, DescribeActivationsRequest, DescribeActivationsResult,
};

use super::{Ssm, SsmError};
use crate::services::Ctx;

/// How long an activation lasts when its creator gives no expiration: 24 hours.
const DEFAULT_LIFETIME_MS: i64 = 24 * 60 * 60 * 1000;

/// A stored activation and its secret code.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActivationRecord {
    pub activation: Activation,
    pub code: String,
}

impl Ssm {
    pub(super) async fn create_activation(
        &self,
        ctx: &Ctx,
        input: CreateActivationRequest,
    ) -> Result<CreateActivationResult, SsmError> {
        let now = self.now();
        let expiration = input
            .expiration_date
            .map_or(now + DEFAULT_LIFETIME_MS, |t| t.0);
        if expiration <= now || expiration > now + 30 * DEFAULT_LIFETIME_MS {
            return Err(SsmError::new(
                "InvalidParameters",
                "Expiration date must be in the future and no more than 30 days away.",
            ));
        }
        let id = self.kit.ids().uuid();
        let code = self.kit.ids().random_word(
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
            20,
        );
        let activation = Activation {
            activation_id: Some(id.clone()),
            description: input.description,
            default_instance_name: input.default_instance_name,
            iam_role: Some(input.iam_role),
            registration_limit: Some(input.registration_limit.unwrap_or(1)),
            registrations_count: Some(0),
            expiration_date: Some(Timestamp(expiration)),
            expired: Some(false),
            created_date: Some(Timestamp(now)),
            tags: input.tags,
        };
        self.activations.insert(
            &format!("{}{id}", ctx.scope()),
            ActivationRecord {
                activation,
                code: code.clone(),
            },
        )?;
        Ok(CreateActivationResult {
            activation_id: Some(id),
            activation_code: Some(code),
        })
    }

    pub(super) async fn describe_activations(
        &self,
        ctx: &Ctx,
        input: DescribeActivationsRequest,
    ) -> Result<DescribeActivationsResult, SsmError> {
        let now = self.now();
        let filters = input.filters.unwrap_or_default();
        let entries = self
            .activations
            .scan_prefix(&ctx.scope())
            .into_iter()
            .map(|(_, record)| {
                let mut activation = record.activation;
                activation.expired = Some(activation.expiration_date.is_some_and(|t| t.0 <= now));
                activation
            })
            .filter(|a| {
                filters.iter().all(|f| {
                    let values = f.filter_values.as_deref().unwrap_or_default();
                    let field = match f.filter_key.as_deref() {
                        Some("ActivationIds") => a.activation_id.as_deref(),
                        Some("DefaultInstanceName") => a.default_instance_name.as_deref(),
                        Some("IamRole") => a.iam_role.as_deref(),
                        _ => return true,
                    };
                    values.is_empty() || field.is_some_and(|v| values.iter().any(|x| x == v))
                })
            })
            .map(|a| (a.activation_id.clone().unwrap_or_default(), a))
            .collect();
        let page = super::page(entries, input.next_token.as_deref(), input.max_results, 50)?;
        Ok(DescribeActivationsResult {
            activation_list: Some(page.items),
            next_token: page.next,
        })
    }

    pub(super) async fn delete_activation(
        &self,
        ctx: &Ctx,
        input: DeleteActivationRequest,
    ) -> Result<DeleteActivationResult, SsmError> {
        self.activations
            .remove(&format!("{}{}", ctx.scope(), input.activation_id))?
            .ok_or_else(|| {
                SsmError::new(
                    "InvalidActivationId",
                    format!("Activation ID {} does not exist.", input.activation_id),
                )
            })?;
        Ok(DeleteActivationResult {})
    }
}
