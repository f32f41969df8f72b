//! Who may do what: the bridge between callers (from `dispatch` and STS) and the policy
//! evaluator. [`Access::load`] gathers the policies that apply to a caller (a role session's
//! role policies, boundary and session policies; the account root and configured keys are
//! unrestricted) and the global condition keys of its request; [`Access::authorize`] decides
//! one request under `--enforce-iam`, naming the action and resource from [`catalog`].
//!
//! Parsed documents are cached ([`crate::policy::Parsed`]), and so is each principal's set of
//! policies, for as long as IAM's principals are unchanged ([`Iam::principals_version`]): a
//! request costs a map lookup and matching, not reads and parsing.
//!
//! What this module must not do: read HTTP (the dispatcher hands it [`Connection`] facts) or
//! write state.

pub mod catalog;

use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use rustc_hash::FxHashMap;

use serde_json::Value;
use simkit::Kit;

use crate::error::AwsError;
use crate::model::Protocol;
use crate::policy::{
    self, Context, Denial, Document, Parsed, Policies, PolicyKind, Request, RequestPrincipal,
};
use crate::services::iam::Iam;
use crate::services::{Caller, Ctx, Service};

/// What a policy can know about the connection a request came on.
#[derive(Debug, Clone, Copy, Default)]
pub struct Connection {
    pub source_ip: Option<IpAddr>,
    pub secure: bool,
}

/// What kind of principal a caller is, from its ARN.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrincipalType {
    Account,
    User,
    AssumedRole,
    FederatedUser,
}

impl PrincipalType {
    pub fn of(arn: &str) -> PrincipalType {
        if arn.ends_with(":root") {
            PrincipalType::Account
        } else if arn.contains(":assumed-role/") {
            PrincipalType::AssumedRole
        } else if arn.contains(":federated-user/") {
            PrincipalType::FederatedUser
        } else {
            PrincipalType::User
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            PrincipalType::Account => "Account",
            PrincipalType::User => "User",
            PrincipalType::AssumedRole => "AssumedRole",
            PrincipalType::FederatedUser => "FederatedUser",
        }
    }
}

/// A caller's policies and its request's global context.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub principal: RequestPrincipal,
    pub unrestricted: bool,
    pub identity: Vec<Arc<Document>>,
    pub boundary: Option<Arc<Document>>,
    pub session: Vec<Arc<Document>>,
    /// The principal's tags (a role's, overridden by its session's).
    pub tags: Vec<(String, String)>,
    pub context: Context,
}

impl Loaded {
    /// Decides `action` on `resource`, with `resource_policy` (and its owner) if the resource
    /// has one; `required` when the resource policy must allow (trust policies).
    pub fn decide(
        &self,
        action: &str,
        resource: &str,
        resource_policy: Option<(&Document, &str)>,
        required: bool,
    ) -> Result<(), Denial> {
        policy::evaluate::authorize(
            &Policies {
                identity: &self.identity,
                unrestricted: self.unrestricted,
                boundary: self.boundary.as_deref(),
                session: &self.session,
                resource: resource_policy,
                resource_required: required,
            },
            &Request {
                action,
                resource,
                principal: &self.principal,
                context: &self.context,
            },
        )
    }
}

pub struct Access {
    kit: Kit,
    iam: Arc<Iam>,
    parsed: Parsed,
    catalog: catalog::Catalog,
    /// By user or role ARN: its policies as of an IAM principals version.
    principals: Mutex<FxHashMap<String, CachedPrincipal>>,
}

/// A principal's policies (none if it does not exist) and the IAM version they were read at.
type CachedPrincipal = (u64, Option<Arc<PrincipalPolicies>>);

/// A user's or role's own policies, parsed, and its tags.
#[derive(Debug)]
struct PrincipalPolicies {
    /// The role's ARN as IAM stores it (path included); for a user, its ARN.
    arn: String,
    identity: Vec<Arc<Document>>,
    boundary: Option<Arc<Document>>,
    tags: Vec<(String, String)>,
}

/// Past this many principals the cache starts again: enough for any test suite's principals,
/// bounded for a long-running simulator.
const PRINCIPALS_CACHED: usize = 4096;

impl Access {
    pub fn new(kit: Kit, iam: Arc<Iam>) -> Self {
        Self {
            kit,
            iam,
            parsed: Parsed::new(),
            catalog: catalog::Catalog::vendored(),
            principals: Mutex::default(),
        }
    }

    /// The policies of the user (`role == false`) or role an ARN names, from the cache while
    /// IAM's principals are unchanged.
    fn principal_policies(&self, arn: &str, role: bool) -> Option<Arc<PrincipalPolicies>> {
        let version = self.iam.principals_version();
        let cache = self.principals.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((cached, policies)) = cache.get(arn)
            && *cached == version
        {
            return policies.clone();
        }
        drop(cache);
        let policies = if role {
            self.iam.role_facts(arn).map(|role| PrincipalPolicies {
                identity: self.documents(&role.policies),
                boundary: self.boundary(role.boundary.as_deref()),
                tags: role.tags,
                arn: role.arn,
            })
        } else {
            self.iam.principal_facts(arn).map(|user| PrincipalPolicies {
                identity: self.documents(&user.policies),
                boundary: self.boundary(user.boundary.as_deref()),
                tags: user.tags,
                arn: user.arn,
            })
        }
        .map(Arc::new);
        let mut cache = self.principals.lock().unwrap_or_else(|p| p.into_inner());
        if cache.len() >= PRINCIPALS_CACHED {
            cache.clear();
        }
        cache.insert(arn.to_string(), (version, policies.clone()));
        policies
    }

    fn boundary(&self, text: Option<&str>) -> Option<Arc<Document>> {
        text.and_then(|text| self.document(text, PolicyKind::Identity))
    }

    pub fn catalog(&self) -> &catalog::Catalog {
        &self.catalog
    }

    /// A stored document, parsed (from the cache). Stored documents passed the grammar when
    /// they were written; one that no longer does is left out, and logged.
    pub fn document(&self, text: &str, kind: PolicyKind) -> Option<Arc<Document>> {
        match self.parsed.get(text, kind) {
            Ok(document) => Some(document),
            Err(error) => {
                tracing::warn!(%error, "a stored policy no longer parses; it is ignored");
                None
            }
        }
    }

    fn documents<'a>(&self, texts: impl IntoIterator<Item = &'a String>) -> Vec<Arc<Document>> {
        texts
            .into_iter()
            .filter_map(|text| self.document(text, PolicyKind::Identity))
            .collect()
    }

    /// The policies that apply to `caller` and its request's global condition keys.
    pub fn load(&self, caller: &Caller, region: &str, connection: &Connection) -> Loaded {
        let kind = PrincipalType::of(&caller.arn);
        let mut principal = RequestPrincipal {
            arn: caller.arn.clone(),
            account: caller.account_id.clone(),
            ..RequestPrincipal::default()
        };
        let mut loaded = Loaded {
            principal: RequestPrincipal::default(),
            unrestricted: kind == PrincipalType::Account,
            identity: Vec::new(),
            boundary: None,
            session: Vec::new(),
            tags: Vec::new(),
            context: Context::new(),
        };
        let session = caller.session.as_ref();
        if let Some(session) = session {
            loaded.session = session
                .policies
                .iter()
                .filter_map(|text| self.document(text, PolicyKind::Session))
                .collect();
            principal.federated = session.federated_provider.clone();
        }
        match kind {
            PrincipalType::AssumedRole => {
                let role = session
                    .and_then(|s| s.role_arn.as_deref())
                    .and_then(|arn| self.principal_policies(arn, true));
                if let Some(role) = role {
                    loaded.identity = role.identity.clone();
                    loaded.boundary = role.boundary.clone();
                    loaded.tags = role.tags.clone();
                    principal.role_arn = Some(role.arn.clone());
                }
            }
            PrincipalType::User => {
                if let Some(user) = self.principal_policies(&caller.arn, false) {
                    loaded.identity = user.identity.clone();
                    loaded.boundary = user.boundary.clone();
                    loaded.tags = user.tags.clone();
                }
            }
            // A federated user's permissions are its session policies cut from those of the
            // IAM user that asked for it (the account root's: everything); with no session
            // policy it may do nothing.
            PrincipalType::FederatedUser => {
                let parent = session.and_then(|s| s.parent_user_arn.as_deref());
                if parent.is_some_and(|arn| arn.ends_with(":root")) {
                    loaded.unrestricted = true;
                } else if let Some(user) =
                    parent.and_then(|arn| self.principal_policies(arn, false))
                {
                    loaded.identity = user.identity.clone();
                    loaded.boundary = user.boundary.clone();
                }
                if loaded.session.is_empty() {
                    loaded.unrestricted = false;
                    loaded.identity.clear();
                }
            }
            PrincipalType::Account => {}
        }
        if let Some(session) = session {
            for (key, value) in &session.tags {
                match loaded
                    .tags
                    .iter_mut()
                    .find(|(known, _)| known.eq_ignore_ascii_case(key))
                {
                    Some(tag) => *tag = (key.clone(), value.clone()),
                    None => loaded.tags.push((key.clone(), value.clone())),
                }
            }
        }
        loaded.context =
            self.global_context(caller, kind, &principal, &loaded.tags, region, connection);
        loaded.principal = principal;
        loaded
    }

    fn global_context(
        &self,
        caller: &Caller,
        kind: PrincipalType,
        principal: &RequestPrincipal,
        tags: &[(String, String)],
        region: &str,
        connection: &Connection,
    ) -> Context {
        let mut context = Context::new();
        let principal_arn = principal.role_arn.as_deref().unwrap_or(&caller.arn);
        context.set("aws:PrincipalArn", principal_arn);
        context.set("aws:PrincipalAccount", caller.account_id.as_str());
        context.set("aws:PrincipalType", kind.as_str());
        context.set("aws:userid", caller.user_id.as_str());
        if kind == PrincipalType::User {
            let name = caller.arn.rsplit('/').next().unwrap_or_default();
            context.set("aws:username", name);
        }
        for (key, value) in tags {
            context.set(format!("aws:PrincipalTag/{key}"), value.as_str());
        }
        context.set("aws:RequestedRegion", region);
        if let Some(ip) = connection.source_ip {
            context.set("aws:SourceIp", ip.to_string());
        }
        context.set("aws:SecureTransport", connection.secure.to_string());
        context.set("aws:PrincipalIsAWSService", "false");
        context.set("aws:ViaAWSService", "false");
        let now = self.kit.clock().now_millis();
        context.set("aws:EpochTime", (now / 1000).to_string());
        context.set("aws:CurrentTime", iso8601(now));
        if let Some(session) = &caller.session {
            context.set("aws:TokenIssueTime", iso8601(session.issued_ms));
            context.set("aws:MultiFactorAuthPresent", "false");
            if let Some(source_identity) = &session.source_identity {
                context.set("aws:SourceIdentity", source_identity.as_str());
            }
            if let Some(provider) = &session.federated_provider {
                context.set("aws:FederatedProvider", provider.as_str());
            }
        }
        context
    }

    /// Decides one request under `--enforce-iam`: the operation's action on its resource, with
    /// the request's tags in the context, under the caller's policies and the resource's own
    /// policy as `holder` (the service that holds the resource) reports it. AWS's logic: an
    /// explicit deny anywhere wins; in the resource's account a resource policy naming the
    /// caller grants by itself, one naming the account delegates to the identity policies;
    /// a required policy (a KMS key's) must allow. The account root is allowed everything its
    /// resources' policies do not deny.
    #[allow(clippy::too_many_arguments)]
    pub fn authorize(
        &self,
        ctx: &Ctx,
        service: &str,
        protocol: Protocol,
        operation: &str,
        input: &Value,
        connection: &Connection,
        holder: &dyn Service,
    ) -> Result<(), AwsError> {
        // AWS documents that asking who one is, and asking for a session token, need no
        // permission. The AssumeRole family is decided by its handler, which weighs the trust
        // policy and the caller's own policies together (a trust policy naming the caller
        // grants without an identity policy).
        if service == "sts"
            && matches!(
                operation,
                "GetCallerIdentity"
                    | "GetSessionToken"
                    | "AssumeRole"
                    | "AssumeRoleWithWebIdentity"
                    | "AssumeRoleWithSAML"
            )
        {
            return Ok(());
        }
        let (action, named_resource) =
            self.catalog
                .resolve(service, operation, input, &ctx.region, &ctx.account_id);
        let attached = holder.resource_policy(&named_resource);
        let root = PrincipalType::of(&ctx.caller.arn) == PrincipalType::Account
            && ctx.caller.session.is_none();
        if root
            && attached
                .as_ref()
                .is_none_or(|policy| policy.document.is_none())
        {
            return Ok(());
        }
        let resource = attached
            .as_ref()
            .and_then(|policy| policy.resource_arn.clone())
            .unwrap_or(named_resource);
        let document = attached
            .as_ref()
            .and_then(|policy| policy.document.as_deref())
            .and_then(|text| self.document(text, PolicyKind::Resource));
        let mut loaded = self.load(&ctx.caller, &ctx.region, connection);
        request_tags(input, &mut loaded.context);
        let resource_policy = document.as_deref().zip(
            attached
                .as_ref()
                .map(|policy| policy.owner_account.as_str()),
        );
        let required = attached.as_ref().is_some_and(|policy| policy.required);
        loaded
            .decide(&action, &resource, resource_policy, required)
            .map_err(|denial| {
                // S3 quotes the resource in its message; the JSON and query services do not.
                let shown = if protocol == Protocol::RestXml {
                    format!("\"{resource}\"")
                } else {
                    resource.clone()
                };
                access_denied(protocol, &denial.message(&ctx.caller.arn, &action, &shown))
            })
    }
}

/// `aws:RequestTag/KEY` and `aws:TagKeys` from the input's tags, in whichever shape the
/// service takes them (`Tags: [{Key, Value}]`, `tags: [{key, value}]`, `tags: {k: v}`).
pub fn request_tags(input: &Value, context: &mut Context) {
    let Some(tags) = input.get("Tags").or_else(|| input.get("tags")) else {
        return;
    };
    let mut pairs: Vec<(String, String)> = Vec::new();
    match tags {
        Value::Array(items) => {
            for item in items {
                let key = item.get("Key").or_else(|| item.get("key"));
                let value = item.get("Value").or_else(|| item.get("value"));
                if let Some(Value::String(key)) = key {
                    let value = value.and_then(Value::as_str).unwrap_or_default();
                    pairs.push((key.clone(), value.to_string()));
                }
            }
        }
        Value::Object(map) => {
            for (key, value) in map {
                pairs.push((key.clone(), value.as_str().unwrap_or_default().to_string()));
            }
        }
        _ => return,
    }
    for (key, value) in &pairs {
        context.set(format!("aws:RequestTag/{key}"), value.as_str());
    }
    context.set_all(
        "aws:TagKeys",
        pairs.into_iter().map(|(key, _)| key).collect(),
    );
}

/// The denial as the protocol's family words it: `AccessDenied` (403) for query services and
/// S3, `AccessDeniedException` for JSON ones (403 for the REST ones such as Lambda, 400 for
/// the others).
pub fn access_denied(protocol: Protocol, message: &str) -> AwsError {
    match protocol {
        Protocol::Query | Protocol::Ec2 | Protocol::RestXml => {
            AwsError::with_status("AccessDenied", 403, message)
        }
        Protocol::RestJson => AwsError::with_status("AccessDeniedException", 403, message),
        _ => AwsError::with_status("AccessDeniedException", 400, message),
    }
}

/// `2024-05-01T12:00:00Z`, as `aws:CurrentTime` reads.
pub fn iso8601(millis: i64) -> String {
    let format =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    time::OffsetDateTime::from_unix_timestamp(millis.div_euclid(1000))
        .ok()
        .and_then(|moment| moment.format(&format).ok())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::Service;
    use crate::services::sts::Session;
    use serde_json::json;

    const ACCOUNT: &str = "123456789012";

    async fn iam_call(iam: &Iam, ctx: &Ctx, operation: &str, input: Value) {
        iam.call(ctx, operation, input)
            .await
            .unwrap_or_else(|error| panic!("{operation}: {error}"));
    }

    fn allow(action: &str) -> String {
        json!({"Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": action, "Resource": "*"}]})
        .to_string()
    }

    #[tokio::test]
    async fn a_changed_policy_decides_the_next_request() {
        let directory = tempfile::tempdir().unwrap();
        let mut config = simkit::KitConfig::new("aws");
        config.ca_out = Some(directory.path().join("ca.pem"));
        let kit = Kit::new(config).unwrap();
        let iam = Arc::new(Iam::new(kit.clone()).unwrap());
        let access = Access::new(kit, iam.clone());
        let admin = Ctx {
            request_id: "test".into(),
            account_id: ACCOUNT.into(),
            region: "us-east-1".into(),
            caller: Caller::root(ACCOUNT, "ADMIN"),
        };
        let trust = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Principal": {"AWS": ACCOUNT}, "Action": "sts:AssumeRole"}]});
        iam_call(
            &iam,
            &admin,
            "CreateRole",
            json!({"RoleName": "r", "AssumeRolePolicyDocument": trust.to_string()}),
        )
        .await;
        let put = |action: &str| json!({"RoleName": "r", "PolicyName": "p", "PolicyDocument": allow(action)});
        iam_call(&iam, &admin, "PutRolePolicy", put("logs:Describe*")).await;
        let session = Ctx {
            caller: Caller {
                access_key_id: "ASIATEST".into(),
                account_id: ACCOUNT.into(),
                arn: format!("arn:aws:sts::{ACCOUNT}:assumed-role/r/s"),
                user_id: "AROATEST:s".into(),
                session: Some(Session {
                    role_arn: Some(format!("arn:aws:iam::{ACCOUNT}:role/r")),
                    ..Session::default()
                }),
            },
            ..admin.clone()
        };
        let create = |access: &Access| {
            access.authorize(
                &session,
                "logs",
                Protocol::Json,
                "CreateLogGroup",
                &json!({"logGroupName": "g"}),
                &Connection::default(),
                iam.as_ref(),
            )
        };
        assert!(create(&access).is_err());
        assert!(create(&access).is_err(), "again, from the cache");
        iam_call(&iam, &admin, "PutRolePolicy", put("logs:*")).await;
        assert!(
            create(&access).is_ok(),
            "the widened policy applies at once"
        );
        iam_call(
            &iam,
            &admin,
            "DeleteRolePolicy",
            json!({"RoleName": "r", "PolicyName": "p"}),
        )
        .await;
        assert!(
            create(&access).is_err(),
            "the deleted policy no longer allows"
        );
    }
}
