//! `AssumeRoleWithSAML`.
//!
//! STS accepts an assertion only if its XML signature verifies with the IdP certificate in the
//! SAML provider's metadata. Verifying XML signatures means exclusive XML canonicalization,
//! which the simulator does not implement; rather than accept assertions it cannot verify, it
//! checks what it can (the role ARN, the session policies, that the provider exists, that the
//! assertion is base64 XML) and then refuses the assertion as STS refuses one whose signature
//! does not verify (`InvalidIdentityToken: Response signature invalid`).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sim_aws_shapes::sts::{AssumeRoleWithSAMLRequest, AssumeRoleWithSAMLResponse};

use super::assume::{SessionAsk, role_arn_parts};
use super::{Sts, StsError};
use crate::services::Ctx;

impl Sts {
    pub(super) fn assume_role_with_saml(
        &self,
        _ctx: &Ctx,
        input: AssumeRoleWithSAMLRequest,
    ) -> Result<AssumeRoleWithSAMLResponse, StsError> {
        role_arn_parts(&input.role_arn)?;
        self.session_policies(&SessionAsk {
            policy: input.policy.as_deref(),
            policy_arns: input.policy_arns.as_deref(),
            tags: None,
            transitive_tag_keys: None,
        })?;
        let compact: String = input.saml_assertion.split_whitespace().collect();
        let xml = STANDARD
            .decode(compact)
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .ok_or_else(|| {
                StsError::Validation(
                    "Invalid base64 SAMLResponse (contains invalid characters)".into(),
                )
            })?;
        if self.iam.saml_provider(&input.principal_arn).is_none() {
            return Err(StsError::InvalidIdentityToken(format!(
                "SAML Provider {} not found",
                input.principal_arn
            )));
        }
        if !xml.contains("Assertion") {
            return Err(StsError::InvalidIdentityToken(
                "Invalid SAML response: no assertion found".into(),
            ));
        }
        Err(StsError::InvalidIdentityToken(
            "Response signature invalid".into(),
        ))
    }
}
