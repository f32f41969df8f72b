//! IAM policy documents: the grammar AWS checks when a policy is created or attached
//! ([`check`]), and, with `--enforce-iam`, the policy evaluation logic AWS applies to each
//! request.
//!
//! Every service that takes a policy document (IAM's identity, trust and boundary policies,
//! STS's session policies, later S3 bucket, Lambda, ECR and Secrets Manager resource policies)
//! checks it here, so a document is accepted or refused with the same message everywhere.
//!
//! What this module must not do: know HTTP or any service's storage; it works on documents and
//! request facts handed to it.

/// What a policy document is for: the grammar differs (a trust policy must name principals and
/// may only allow `sts:AssumeRole*`; an identity policy may not name principals).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyKind {
    /// Attached to a user, group or role (inline or managed), or a permissions boundary.
    Identity,
    /// A role's trust policy (`AssumeRolePolicyDocument`).
    Trust,
    /// Attached to a resource (a bucket, a repository, a secret, a function).
    Resource,
    /// Passed to AssumeRole and friends to narrow a session.
    Session,
}

/// A document AWS would refuse, with the message IAM gives (`MalformedPolicyDocument`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct MalformedPolicy(pub String);

/// Checks a policy document of `kind` as IAM does before storing it.
///
/// Today this checks only that the document is a JSON object; the grammar (`Version`,
/// `Statement`, `Effect`, actions, resources, principals, conditions, sizes) comes with the
/// policy grammar work of "AWS simulator, part 2".
pub fn check(document: &str, kind: PolicyKind) -> Result<(), MalformedPolicy> {
    let _ = kind;
    match serde_json::from_str::<serde_json::Value>(document) {
        Ok(serde_json::Value::Object(_)) => Ok(()),
        _ => Err(MalformedPolicy("This policy contains invalid Json".into())),
    }
}
