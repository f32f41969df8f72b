//! IAM policy documents: the grammar AWS checks when a policy is created or attached
//! ([`check`], [`parse`]), and the policy evaluation logic AWS applies to each request
//! ([`evaluate`]), shared by `--enforce-iam`, STS's trust policies and IAM's policy simulator.
//!
//! | module | holds |
//! |---|---|
//! | `grammar` | the two parsers (permission policies, trust policies) and IAM's messages |
//! | [`document`] | the parsed form: statements, patterns, principals, conditions |
//! | `pattern` | `*`/`?` wildcards for actions, ARNs and `StringLike` |
//! | `variables` | `${aws:username}` and friends |
//! | [`context`] | the request's condition keys |
//! | `condition` | condition operators, `...IfExists`, `ForAllValues:`/`ForAnyValue:` |
//! | [`evaluate`] | explicit deny, identity, resource, boundary and session policies |
//! | [`Parsed`] | a cache of parsed documents, so a request never parses the same text twice |
//!
//! Every service that takes a policy document (IAM's identity, trust and boundary policies,
//! STS's session policies, later S3 bucket, Lambda, ECR and Secrets Manager resource policies)
//! checks it here, so a document is accepted or refused with the same message everywhere.
//!
//! What this module must not do: know HTTP or any service's storage; it works on documents and
//! request facts handed to it.

pub mod condition;
pub mod context;
pub mod document;
pub mod evaluate;
mod grammar;
pub mod pattern;
pub mod variables;

use std::sync::{Arc, Mutex};

use rustc_hash::FxHashMap;

pub use context::Context;
pub use document::Document;
pub use evaluate::{Denial, Policies, PolicyType, Request, RequestPrincipal};
pub use grammar::{ASSUME_ROLE_ACTIONS, aws_principal};

/// What a policy document is for: the grammar differs (a trust policy must name principals and
/// may only allow `sts:AssumeRole*`; an identity policy may not name principals).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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
pub fn check(document: &str, kind: PolicyKind) -> Result<(), MalformedPolicy> {
    grammar::parse(document, kind).map(|_| ())
}

/// Parses a policy document of `kind`, refusing it as IAM would.
pub fn parse(document: &str, kind: PolicyKind) -> Result<Document, MalformedPolicy> {
    grammar::parse(document, kind)
}

/// The most documents [`Parsed`] keeps before it starts over. Policies are few and reused
/// (an account's managed and inline policies); this only bounds a pathological workload.
const CACHE_LIMIT: usize = 4096;

/// Parsed documents by kind and text. Stored policies are checked when written, so parsing one
/// again only fails if the grammar changed since.
#[derive(Debug, Default)]
pub struct Parsed {
    /// One map per [`PolicyKind`], so a lookup borrows the text instead of building a key.
    documents: Mutex<[FxHashMap<String, Arc<Document>>; 4]>,
}

impl Parsed {
    pub fn new() -> Self {
        Self::default()
    }

    /// The parsed form of `text`, from the cache when it was parsed before.
    pub fn get(&self, text: &str, kind: PolicyKind) -> Result<Arc<Document>, MalformedPolicy> {
        let slot = match kind {
            PolicyKind::Identity => 0,
            PolicyKind::Trust => 1,
            PolicyKind::Resource => 2,
            PolicyKind::Session => 3,
        };
        let mut documents = self
            .documents
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(document) = documents[slot].get(text) {
            return Ok(document.clone());
        }
        let document = Arc::new(parse(text, kind)?);
        if documents[slot].len() >= CACHE_LIMIT {
            documents[slot].clear();
        }
        documents[slot].insert(text.to_string(), document.clone());
        Ok(document)
    }
}

#[cfg(test)]
mod tests;
