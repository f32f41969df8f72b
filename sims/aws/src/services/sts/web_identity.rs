//! `AssumeRoleWithWebIdentity`: a JWT from an OpenID Connect provider registered in the role's
//! account buys a session of the role, if the role's trust policy trusts that provider.
//!
//! The checks, in STS's order and words: the token is a JWT; its issuer is a registered
//! provider (`No OpenIDConnect provider found in your account for ...`); its audience is one of
//! the provider's client IDs (`Incorrect token audience`); it has not expired
//! (`ExpiredTokenException`); its signature verifies against the keys the issuer publishes
//! (fetched from its discovery document; `Couldn't retrieve verification key from your
//! identity provider, ...` when they cannot be had); then the trust policy, with the
//! `PROVIDER:aud` and `PROVIDER:sub` condition keys (`Not authorized to perform
//! sts:AssumeRoleWithWebIdentity`).

use sim_aws_shapes::sts::{AssumeRoleWithWebIdentityRequest, AssumeRoleWithWebIdentityResponse};

use super::assume::{SessionAsk, federated_principal, role_arn_parts};
use super::discovery::fetch_json;
use super::jwt::Token;
use super::{Session, Sts, StsError};
use crate::access::Loaded;
use crate::policy::Context;
use crate::services::Ctx;

const NOT_A_JWT: &str = "The ID token provided is not a valid JWT. (You may see this error if you sent an Access Token)";
const NO_KEY: &str = "Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements";
const BAD_SIGNATURE: &str = "The web identity token that was passed could not be validated by Amazon Web Services. Get a new identity token from the identity provider and then retry the request.";
const NOT_AUTHORIZED: &str = "Not authorized to perform sts:AssumeRoleWithWebIdentity";

impl Sts {
    pub(super) async fn assume_role_with_web_identity(
        &self,
        ctx: &Ctx,
        input: AssumeRoleWithWebIdentityRequest,
    ) -> Result<AssumeRoleWithWebIdentityResponse, StsError> {
        let (account, _) = role_arn_parts(&input.role_arn)?;
        let account = account.to_string();
        let policies = self.session_policies(&SessionAsk {
            policy: input.policy.as_deref(),
            policy_arns: input.policy_arns.as_deref(),
            tags: None,
            transitive_tag_keys: None,
        })?;
        let invalid = |message: &str| StsError::InvalidIdentityToken(message.to_string());
        let token = Token::decode(&input.web_identity_token).ok_or_else(|| invalid(NOT_A_JWT))?;
        let issuer = token
            .claim_str("iss")
            .ok_or_else(|| invalid(NOT_A_JWT))?
            .to_string();
        let url = issuer
            .strip_prefix("https://")
            .unwrap_or(&issuer)
            .trim_end_matches('/')
            .to_string();
        let provider = self.iam.oidc_provider(&account, &url).ok_or_else(|| {
            invalid(&format!(
                "No OpenIDConnect provider found in your account for {issuer}"
            ))
        })?;
        let audience = token
            .audiences()
            .into_iter()
            .find(|audience| provider.client_ids.iter().any(|id| id == audience))
            .ok_or_else(|| invalid("Incorrect token audience"))?
            .to_string();
        let now = self.kit.clock().now_millis() / 1000;
        let expires = token.seconds("exp").ok_or_else(|| invalid(NOT_A_JWT))?;
        if now >= expires {
            return Err(StsError::ExpiredToken(format!(
                "Token expired: current date/time {now} must be before the expiration date/time {expires}"
            )));
        }
        let subject = token
            .claim_str("sub")
            .ok_or_else(|| invalid(NOT_A_JWT))?
            .to_string();

        let configuration = fetch_json(
            &format!("https://{url}/.well-known/openid-configuration"),
            &provider.thumbprints,
        )
        .await
        .map_err(|error| {
            tracing::debug!(%error, issuer, "OIDC discovery failed");
            invalid(NO_KEY)
        })?;
        let jwks_uri = configuration
            .get("jwks_uri")
            .and_then(serde_json::Value::as_str)
            .ok_or_else(|| invalid(NO_KEY))?;
        let keys = fetch_json(jwks_uri, &provider.thumbprints)
            .await
            .map_err(|error| {
                tracing::debug!(%error, jwks_uri, "fetching the JWK set failed");
                invalid(NO_KEY)
            })?;
        if !token.signed_by(&keys) {
            return Err(invalid(BAD_SIGNATURE));
        }

        let denied = || StsError::AccessDenied(NOT_AUTHORIZED.into());
        let role = self.iam.role_facts(&input.role_arn).ok_or_else(denied)?;
        let mut context = Context::new();
        context.set(format!("{url}:aud"), audience.as_str());
        context.set(format!("{url}:sub"), subject.as_str());
        if let Some(authorized_party) = token.claim_str("azp") {
            context.set(format!("{url}:azp"), authorized_party);
        }
        context.set("aws:FederatedProvider", provider.arn.as_str());
        context.set("sts:RoleSessionName", input.role_session_name.as_str());
        let caller = Loaded {
            principal: federated_principal(&provider.arn, &role.account_id),
            unrestricted: true,
            identity: Vec::new(),
            boundary: None,
            session: Vec::new(),
            tags: Vec::new(),
            context,
        };
        if !self.trusted(&caller, &role, "sts:AssumeRoleWithWebIdentity") {
            return Err(denied());
        }
        let duration = self.role_duration(input.duration_seconds, &role, false)?;
        let session = Session {
            role_arn: Some(role.arn.clone()),
            policies: policies.documents,
            federated_provider: Some(provider.arn.clone()),
            ..Session::default()
        };
        let (credentials, assumed_role_user) =
            self.role_session(&role, &input.role_session_name, session, duration)?;
        let _ = ctx;
        Ok(AssumeRoleWithWebIdentityResponse {
            credentials: Some(credentials),
            subject_from_web_identity_token: Some(subject),
            assumed_role_user: Some(assumed_role_user),
            packed_policy_size: policies.packed_size,
            provider: Some(issuer),
            audience: Some(audience),
            source_identity: None,
        })
    }
}
