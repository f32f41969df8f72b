//! AWS's policy evaluation logic, for one request against the policies that apply to it.
//!
//! The order is AWS's: an explicit deny in any policy wins; then a resource-based policy that
//! names the principal itself grants access in its own account (one that names only the
//! account delegates to the account's identity policies); otherwise an identity-based policy
//! must allow, and a permissions boundary and session policies, when present, must allow too.
//! Across accounts both the identity policy and the resource policy must allow. Trust policies
//! are resource policies that must always allow (a role cannot be assumed without one).
//!
//! What this module must not do: fetch policies or know who a caller is beyond the
//! [`RequestPrincipal`] handed to it; it works on parsed documents only.

use std::sync::Arc;

use super::condition;
use super::context::Context;
use super::document::{Document, Effect, Principal, Statement, Version};
use super::pattern;
use super::variables;

/// The principal making a request, as `Principal` elements match it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestPrincipal {
    /// The principal's own ARN: a user, a role session, a federated user, an account root.
    pub arn: String,
    pub account: String,
    /// For a role session, the role's ARN (a trust or resource policy naming the role covers
    /// its sessions).
    pub role_arn: Option<String>,
    /// For web identity and SAML federation: the provider (ARN or domain) `Federated` names.
    pub federated: Option<String>,
    /// For a service acting itself: `lambda.amazonaws.com`.
    pub service: Option<String>,
}

/// What is being asked: an action on a resource, with the request's context keys.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    pub action: &'a str,
    pub resource: &'a str,
    pub principal: &'a RequestPrincipal,
    pub context: &'a Context,
}

/// How a statement's `Principal` covers the request's principal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Coverage {
    None,
    /// Through the account (`"AWS": "123456789012"` or `...:root`): delegation to the account's
    /// identity policies.
    Account,
    /// By name, or as anyone (`*`), or as a service or identity provider.
    Specific,
}

/// The statements of one document that applied to a request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DocumentOutcome {
    /// Indices of the `Deny` statements that matched.
    pub denied_by: Vec<usize>,
    /// Indices of the `Allow` statements that matched.
    pub allowed_by: Vec<usize>,
    /// How the allowing statements' principals covered the request (resource policies only).
    coverage: Option<Coverage>,
}

impl DocumentOutcome {
    pub fn denies(&self) -> bool {
        !self.denied_by.is_empty()
    }

    pub fn allows(&self) -> bool {
        !self.allowed_by.is_empty()
    }
}

/// Which kind of policy decided a denial (it names the kind in its message).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyType {
    Identity,
    Resource,
    Boundary,
    Session,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Denial {
    /// A `Deny` statement matched, as opposed to no `Allow` matching.
    pub explicit: bool,
    pub by: PolicyType,
}

impl Denial {
    /// AWS's wording: `User: ARN is not authorized to perform: ACTION on resource: ARN because
    /// no identity-based policy allows the ACTION action`, or `... with an explicit deny in an
    /// identity-based policy`.
    pub fn message(&self, principal_arn: &str, action: &str, resource: &str) -> String {
        let kind = match self.by {
            PolicyType::Identity => "identity-based policy",
            PolicyType::Resource => "resource-based policy",
            PolicyType::Boundary => "permissions boundary",
            PolicyType::Session => "session policy",
        };
        let head = format!(
            "User: {principal_arn} is not authorized to perform: {action} on resource: {resource}"
        );
        if self.explicit {
            let article = if self.by == PolicyType::Identity {
                "an"
            } else {
                "a"
            };
            format!("{head} with an explicit deny in {article} {kind}")
        } else {
            format!("{head} because no {kind} allows the {action} action")
        }
    }
}

/// The policies that apply to one request.
#[derive(Debug, Clone, Copy, Default)]
pub struct Policies<'a> {
    /// The principal's identity-based policies (a user's with its groups', or a role's).
    pub identity: &'a [Arc<Document>],
    /// The account root and configured keys: identity policies allow everything.
    pub unrestricted: bool,
    pub boundary: Option<&'a Document>,
    /// Session policies passed when the session was made; empty means none.
    pub session: &'a [Arc<Document>],
    /// A resource-based policy and the account that owns the resource.
    pub resource: Option<(&'a Document, &'a str)>,
    /// The resource policy must allow whatever the identity policies say (trust policies).
    pub resource_required: bool,
}

/// Whether `statement` applies to `request` (whatever its effect).
pub fn statement_applies(statement: &Statement, version: Version, request: &Request<'_>) -> bool {
    statement_coverage(statement, version, request) != Coverage::None
}

fn statement_coverage(statement: &Statement, version: Version, request: &Request<'_>) -> Coverage {
    let action_listed = statement
        .actions
        .values
        .iter()
        .any(|pattern| pattern::action_matches(pattern, request.action));
    if action_listed == statement.actions.negated {
        return Coverage::None;
    }
    if let Some(resources) = &statement.resources {
        let listed = resources.values.iter().any(|pattern| {
            let pattern = match version {
                Version::V2012_10_17 => variables::substitute(pattern, request.context),
                Version::V2008_10_17 => Some(std::borrow::Cow::Borrowed(pattern.as_str())),
            };
            pattern.is_some_and(|pattern| pattern::arn_matches(&pattern, request.resource))
        });
        if listed == resources.negated {
            return Coverage::None;
        }
    }
    let coverage = match &statement.principals {
        None => Coverage::Specific,
        Some(principals) => {
            let best = principals
                .entries
                .iter()
                .map(|entry| principal_coverage(entry, request.principal))
                .max()
                .unwrap_or(Coverage::None);
            match (principals.negated, best) {
                (false, best) => best,
                (true, Coverage::None) => Coverage::Specific,
                (true, _) => Coverage::None,
            }
        }
    };
    if coverage == Coverage::None {
        return Coverage::None;
    }
    let conditions_hold = statement
        .conditions
        .iter()
        .all(|condition| condition::holds(condition, request.context, version));
    if conditions_hold {
        coverage
    } else {
        Coverage::None
    }
}

fn principal_coverage(entry: &Principal, principal: &RequestPrincipal) -> Coverage {
    match entry {
        Principal::Anyone => Coverage::Specific,
        Principal::Aws(value) => {
            let root = format!("arn:aws:iam::{}:root", principal.account);
            if value == &principal.account || value == &root {
                if principal.arn == root {
                    Coverage::Specific
                } else {
                    Coverage::Account
                }
            } else if value == &principal.arn || Some(value) == principal.role_arn.as_ref() {
                Coverage::Specific
            } else {
                Coverage::None
            }
        }
        Principal::Service(value) => {
            if principal
                .service
                .as_deref()
                .is_some_and(|service| service.eq_ignore_ascii_case(value))
            {
                Coverage::Specific
            } else {
                Coverage::None
            }
        }
        Principal::Federated(value) => {
            if principal.federated.as_deref() == Some(value.as_str()) {
                Coverage::Specific
            } else {
                Coverage::None
            }
        }
        Principal::CanonicalUser(_) => Coverage::None,
    }
}

/// The statements of `document` that apply to `request`.
pub fn evaluate_document(document: &Document, request: &Request<'_>) -> DocumentOutcome {
    let mut outcome = DocumentOutcome::default();
    for (index, statement) in document.statements.iter().enumerate() {
        let coverage = statement_coverage(statement, document.version, request);
        if coverage == Coverage::None {
            continue;
        }
        match statement.effect {
            Effect::Deny => outcome.denied_by.push(index),
            Effect::Allow => {
                outcome.allowed_by.push(index);
                outcome.coverage = outcome.coverage.max(Some(coverage));
            }
        }
    }
    outcome
}

/// Decides a request: `Ok` when allowed, or the denial AWS would report.
pub fn authorize(policies: &Policies<'_>, request: &Request<'_>) -> Result<(), Denial> {
    let identity: Vec<DocumentOutcome> = policies
        .identity
        .iter()
        .map(|document| evaluate_document(document, request))
        .collect();
    let resource = policies
        .resource
        .map(|(document, owner)| (evaluate_document(document, request), owner));
    let boundary = policies
        .boundary
        .map(|document| evaluate_document(document, request));
    let session: Vec<DocumentOutcome> = policies
        .session
        .iter()
        .map(|document| evaluate_document(document, request))
        .collect();

    let explicit = |by| Err(Denial { explicit: true, by });
    let implicit = |by| {
        Err(Denial {
            explicit: false,
            by,
        })
    };
    if identity.iter().any(DocumentOutcome::denies) {
        return explicit(PolicyType::Identity);
    }
    if resource
        .as_ref()
        .is_some_and(|(outcome, _)| outcome.denies())
    {
        return explicit(PolicyType::Resource);
    }
    if boundary.as_ref().is_some_and(DocumentOutcome::denies) {
        return explicit(PolicyType::Boundary);
    }
    if session.iter().any(DocumentOutcome::denies) {
        return explicit(PolicyType::Session);
    }

    let identity_allows = policies.unrestricted || identity.iter().any(DocumentOutcome::allows);
    let resource_grant = resource.as_ref().and_then(|(outcome, _)| outcome.coverage);
    let cross_account = resource
        .as_ref()
        .is_some_and(|(_, owner)| *owner != request.principal.account);

    if (cross_account || policies.resource_required) && resource_grant.is_none() {
        return implicit(PolicyType::Resource);
    }
    // In its own account, a resource policy naming the principal grants on its own.
    let granted_by_resource = !cross_account && resource_grant == Some(Coverage::Specific);
    if !granted_by_resource {
        if !identity_allows {
            return implicit(PolicyType::Identity);
        }
        if boundary.as_ref().is_some_and(|outcome| !outcome.allows()) {
            return implicit(PolicyType::Boundary);
        }
        if !session.is_empty() && !session.iter().any(DocumentOutcome::allows) {
            return implicit(PolicyType::Session);
        }
    }
    Ok(())
}

/// Whether a resource policy lets an AWS service acting for itself (CloudWatch Logs writing an
/// export, Secrets Manager invoking a rotation function) do `action` on `resource`. A service
/// has no identity policies: the resource policy must name it, by any of `services` (its
/// regional and global names), and nothing in it may deny. `context` carries the request's
/// keys (`aws:SourceAccount`, `aws:SourceArn`, ...); the service keys are added here.
pub fn service_allowed(
    document: &Document,
    owner_account: &str,
    services: &[&str],
    action: &str,
    resource: &str,
    context: &Context,
) -> bool {
    services.iter().any(|service| {
        let mut context = context.clone();
        context.set("aws:PrincipalIsAWSService", "true");
        context.set("aws:PrincipalServiceName", *service);
        let principal = RequestPrincipal {
            arn: (*service).to_string(),
            service: Some((*service).to_string()),
            ..RequestPrincipal::default()
        };
        authorize(
            &Policies {
                unrestricted: true,
                resource: Some((document, owner_account)),
                resource_required: true,
                ..Policies::default()
            },
            &Request {
                action,
                resource,
                principal: &principal,
                context: &context,
            },
        )
        .is_ok()
    })
}
