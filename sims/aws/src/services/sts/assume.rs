//! `AssumeRole`, and what every operation that makes a role session shares: the role ARN's
//! form, session policies and their packed size, the trust policy decision, durations, tags
//! and source identity.
//!
//! The trust policy always decides (a role cannot be assumed without one allowing the caller);
//! under `--enforce-iam` the caller's own identity policies must allow `sts:AssumeRole` too
//! (unless the trust policy names the caller itself, in its own account). Passing tags needs
//! `sts:TagSession`, and a source identity `sts:SetSourceIdentity`, in the trust policy.
//!
//! One deviation: the account root may assume its own account's roles here (AWS refuses root
//! any role), because every key the simulator does not know stands for the root user, and
//! clients that never configure IAM must still be able to assume roles.

use sim_aws_shapes::sts::{
    AssumeRoleRequest, AssumeRoleResponse, AssumedRoleUser, PolicyDescriptorType, Tag,
};

use super::{Session, Sts, StsError};
use crate::access::{Connection, Loaded, PrincipalType};
use crate::policy::{Context, PolicyKind, RequestPrincipal};
use crate::services::iam::RoleFacts;
use crate::services::{Caller, Ctx};

/// The packed form of session policies and tags may use at most this many characters of
/// compact policy text and tag text; `PackedPolicySize` reports the share used, in percent.
const PACKED_LIMIT: usize = 2048;

/// A role session's longest life when the caller is itself a role session (role chaining).
const CHAINED_MAX_SECONDS: i64 = 3600;

/// What a request asks of the session it makes, beyond the role.
pub(super) struct SessionAsk<'a> {
    pub policy: Option<&'a str>,
    pub policy_arns: Option<&'a [PolicyDescriptorType]>,
    pub tags: Option<&'a [Tag]>,
    pub transitive_tag_keys: Option<&'a [String]>,
}

/// Session policies, checked, and `PackedPolicySize` when any policy or tag was passed.
pub(super) struct SessionPolicies {
    pub documents: Vec<String>,
    pub packed_size: Option<i32>,
}

/// The account and name of `arn:aws:iam::ACCOUNT:role/PATH/NAME`, or STS's refusal.
pub(super) fn role_arn_parts(arn: &str) -> Result<(&str, &str), StsError> {
    let invalid = || StsError::Validation("Request ARN is invalid".into());
    let rest = arn.strip_prefix("arn:aws:iam::").ok_or_else(invalid)?;
    let (account, resource) = rest.split_once(':').ok_or_else(invalid)?;
    let path_and_name = resource.strip_prefix("role/").ok_or_else(invalid)?;
    let name = path_and_name.rsplit('/').next().unwrap_or_default();
    if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) || name.is_empty() {
        return Err(invalid());
    }
    Ok((account, name))
}

impl Sts {
    /// Checks the session policies of a request and measures them with its tags.
    pub(super) fn session_policies(
        &self,
        ask: &SessionAsk<'_>,
    ) -> Result<SessionPolicies, StsError> {
        let mut documents = Vec::new();
        let mut packed = 0usize;
        if let Some(policy) = ask.policy {
            if serde_json::from_str::<serde_json::Value>(policy).is_err() {
                return Err(StsError::MalformedPolicyDocument(
                    "The policy is not in the valid JSON format.".into(),
                ));
            }
            crate::policy::check(policy, PolicyKind::Session)
                .map_err(|error| StsError::MalformedPolicyDocument(error.0))?;
            packed += policy.chars().filter(|c| !c.is_whitespace()).count();
            documents.push(policy.to_string());
        }
        for descriptor in ask.policy_arns.unwrap_or_default() {
            let Some(arn) = descriptor.arn.as_deref() else {
                continue;
            };
            let document = self.iam.managed_policy_document(arn).ok_or_else(|| {
                StsError::Validation(format!("Policy {arn} does not exist or is not attachable."))
            })?;
            packed += arn.len();
            documents.push(document);
        }
        for tag in ask.tags.unwrap_or_default() {
            packed += tag.key.len() + tag.value.len();
        }
        let asked = ask.policy.is_some()
            || ask.policy_arns.is_some_and(|arns| !arns.is_empty())
            || ask.tags.is_some_and(|tags| !tags.is_empty());
        let percent = (packed * 100).div_ceil(PACKED_LIMIT);
        if percent > 100 {
            return Err(StsError::PackedPolicyTooLarge(format!(
                "Packed policy consumes {percent}% of allotted space, please use smaller policy for the session."
            )));
        }
        for key in ask.transitive_tag_keys.unwrap_or_default() {
            if !ask
                .tags
                .unwrap_or_default()
                .iter()
                .any(|tag| tag.key.eq_ignore_ascii_case(key))
            {
                return Err(StsError::Validation(format!(
                    "The specified transitive tag key must be included in the requested tags: {key}"
                )));
            }
        }
        Ok(SessionPolicies {
            documents,
            packed_size: asked.then(|| i32::try_from(percent).unwrap_or(i32::MAX)),
        })
    }

    /// Whether `loaded` (a caller, or a federated principal) may perform `action` on `role`
    /// under the role's trust policy.
    pub(super) fn trusted(&self, loaded: &Loaded, role: &RoleFacts, action: &str) -> bool {
        let Some(trust) = self.access.document(&role.trust_policy, PolicyKind::Trust) else {
            return false;
        };
        loaded
            .decide(action, &role.arn, Some((&trust, &role.account_id)), true)
            .is_ok()
    }

    /// The caller's policies and context for a trust decision, with the request's own keys.
    pub(super) fn caller_for_trust(&self, ctx: &Ctx, extra: Context) -> Loaded {
        let mut loaded = self
            .access
            .load(&ctx.caller, &ctx.region, &Connection::default());
        if !self.enforce {
            loaded.unrestricted = true;
        }
        for key in extra.keys().map(str::to_string).collect::<Vec<_>>() {
            if let Some(values) = extra.get(&key) {
                loaded.context.set_all(key, values.to_vec());
            }
        }
        loaded
    }

    pub(super) fn assume_role(
        &self,
        ctx: &Ctx,
        input: AssumeRoleRequest,
    ) -> Result<AssumeRoleResponse, StsError> {
        role_arn_parts(&input.role_arn)?;
        if input.serial_number.is_some() || input.token_code.is_some() {
            return Err(StsError::AccessDenied(
                "MultiFactorAuthentication failed with invalid MFA one time pass code.".into(),
            ));
        }
        let ask = SessionAsk {
            policy: input.policy.as_deref(),
            policy_arns: input.policy_arns.as_deref(),
            tags: input.tags.as_deref(),
            transitive_tag_keys: input.transitive_tag_keys.as_deref(),
        };
        let policies = self.session_policies(&ask)?;
        let denied = |action: &str| {
            StsError::AccessDenied(format!(
                "User: {} is not authorized to perform: {action} on resource: {}",
                ctx.caller.arn, input.role_arn
            ))
        };
        let role = self
            .iam
            .role_facts(&input.role_arn)
            .ok_or_else(|| denied("sts:AssumeRole"))?;

        let inherited = ctx.caller.session.as_ref();
        let mut tags = inherited_tags(inherited);
        for tag in input.tags.as_deref().unwrap_or_default() {
            if tags
                .iter()
                .any(|(key, _)| key.eq_ignore_ascii_case(&tag.key))
            {
                return Err(StsError::Validation(
                    "One or more of the specified transitive tag keys can't be set because it conflicts with a transitive tag key from the calling session.".into(),
                ));
            }
            tags.push((tag.key.clone(), tag.value.clone()));
        }
        let source_identity = match (
            inherited.and_then(|s| s.source_identity.clone()),
            input.source_identity.clone(),
        ) {
            (Some(existing), Some(asked)) if existing != asked => {
                return Err(StsError::AccessDenied(
                    "The source identity of a role session cannot be changed once set.".into(),
                ));
            }
            (existing, asked) => existing.or(asked),
        };

        let mut extra = Context::new();
        extra.set("sts:RoleSessionName", input.role_session_name.as_str());
        if let Some(external_id) = &input.external_id {
            extra.set("sts:ExternalId", external_id.as_str());
        }
        if let Some(source_identity) = &input.source_identity {
            extra.set("sts:SourceIdentity", source_identity.as_str());
        }
        if let Some(tags) = &input.tags {
            for tag in tags {
                extra.set(format!("aws:RequestTag/{}", tag.key), tag.value.as_str());
            }
            extra.set_all("aws:TagKeys", tags.iter().map(|t| t.key.clone()).collect());
        }
        if let Some(keys) = &input.transitive_tag_keys {
            extra.set_all("sts:TransitiveTagKeys", keys.clone());
        }
        let root_of_own_account = ctx.caller.session.is_none()
            && PrincipalType::of(&ctx.caller.arn) == PrincipalType::Account
            && ctx.caller.account_id == role.account_id;
        if !root_of_own_account {
            let loaded = self.caller_for_trust(ctx, extra);
            if !self.trusted(&loaded, &role, "sts:AssumeRole") {
                return Err(denied("sts:AssumeRole"));
            }
            if input.tags.as_ref().is_some_and(|tags| !tags.is_empty())
                && !self.trusted(&loaded, &role, "sts:TagSession")
            {
                return Err(denied("sts:TagSession"));
            }
            if input.source_identity.is_some()
                && !self.trusted(&loaded, &role, "sts:SetSourceIdentity")
            {
                return Err(denied("sts:SetSourceIdentity"));
            }
        }

        let chained = PrincipalType::of(&ctx.caller.arn) == PrincipalType::AssumedRole;
        let duration = self.role_duration(input.duration_seconds, &role, chained)?;
        let mut transitive: Vec<String> = inherited
            .map(|s| s.transitive_tag_keys.clone())
            .unwrap_or_default();
        transitive.extend(input.transitive_tag_keys.clone().unwrap_or_default());
        let session = Session {
            role_arn: Some(role.arn.clone()),
            policies: policies.documents,
            tags,
            transitive_tag_keys: transitive,
            source_identity: source_identity.clone(),
            ..Session::default()
        };
        let (credentials, assumed_role_user) =
            self.role_session(&role, &input.role_session_name, session, duration)?;
        Ok(AssumeRoleResponse {
            credentials: Some(credentials),
            assumed_role_user: Some(assumed_role_user),
            packed_policy_size: policies.packed_size,
            source_identity,
        })
    }

    /// A session's duration: the request's (one hour by default) within the role's maximum, or
    /// within one hour when roles are chained.
    pub(super) fn role_duration(
        &self,
        asked: Option<i32>,
        role: &RoleFacts,
        chained: bool,
    ) -> Result<i64, StsError> {
        let duration = i64::from(asked.unwrap_or(3600));
        if chained && duration > CHAINED_MAX_SECONDS {
            return Err(StsError::Validation(
                "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.".into(),
            ));
        }
        if duration > role.max_session_duration {
            return Err(StsError::Validation(
                "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."
                    .into(),
            ));
        }
        Ok(duration)
    }

    /// Issues a session of `role` named `session_name`.
    pub(super) fn role_session(
        &self,
        role: &RoleFacts,
        session_name: &str,
        session: Session,
        duration: i64,
    ) -> Result<(sim_aws_shapes::sts::Credentials, AssumedRoleUser), StsError> {
        let assumed_role_id = format!("{}:{session_name}", role.role_id);
        let arn = format!(
            "arn:aws:sts::{}:assumed-role/{}/{session_name}",
            role.account_id, role.role_name
        );
        let caller = Caller {
            access_key_id: String::new(),
            account_id: role.account_id.clone(),
            arn: arn.clone(),
            user_id: assumed_role_id.clone(),
            session: Some(session),
        };
        let credentials = self.issue(caller, duration)?;
        Ok((
            credentials,
            AssumedRoleUser {
                assumed_role_id,
                arn,
            },
        ))
    }
}

/// The calling session's transitive tags, which pass to the sessions it makes.
fn inherited_tags(session: Option<&Session>) -> Vec<(String, String)> {
    let Some(session) = session else {
        return Vec::new();
    };
    session
        .tags
        .iter()
        .filter(|(key, _)| {
            session
                .transitive_tag_keys
                .iter()
                .any(|transitive| transitive.eq_ignore_ascii_case(key))
        })
        .cloned()
        .collect()
}

/// A principal vouched for by an identity provider, as a trust policy sees it.
pub(super) fn federated_principal(provider: &str, account: &str) -> RequestPrincipal {
    RequestPrincipal {
        arn: provider.to_string(),
        account: account.to_string(),
        federated: Some(provider.to_string()),
        ..RequestPrincipal::default()
    }
}
