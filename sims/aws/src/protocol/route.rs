//! Finding the service and operation a request is for, as AWS's single endpoint does:
//!
//! 1. `X-Amz-Target: Prefix.Operation` names a json-protocol service by its target prefix.
//! 2. A form body (or a query string) with `Action=` is a query or ec2 call; the service is the
//!    one named by the SigV4 credential scope, else the one whose `Version` matches, else the
//!    only one with that action.
//! 3. Otherwise it is a REST call: the scope names the service (else every REST service is
//!    tried) and the operation is the most specific URI template matching method and path
//!    whose required query parameters and headers the request carries (S3's `PUT
//!    /{Bucket}/{Key+}` is UploadPart with `partNumber` and `uploadId`, CopyObject with
//!    `x-amz-copy-source`, else PutObject). S3's virtual-host style (`bucket.s3.amazonaws.com`,
//!    `bucket.localhost`) is turned into its path style first ([`virtual_host_path`]).

use std::collections::HashMap;

use http::{HeaderMap, Method};

use super::rest::UriTemplate;
use super::sigv4::Scope;
use crate::model::{Model, Operation, Protocol};

/// The models a simulator serves, indexed for routing.
pub struct Catalog {
    models: Vec<&'static Model>,
    by_target: rustc_hash::FxHashMap<String, usize>,
    by_signing_name: rustc_hash::FxHashMap<String, usize>,
    templates: Vec<(usize, &'static Operation, UriTemplate, Required)>,
}

/// What a REST operation's input requires beyond its URI template: query parameters and headers
/// (lower-cased) of its required members.
#[derive(Debug, Default)]
struct Required {
    query: Vec<String>,
    headers: Vec<String>,
}

impl Required {
    fn of(model: &Model, operation: &Operation) -> Self {
        let mut required = Self::default();
        let Some(shape) = operation
            .input
            .as_ref()
            .and_then(|input| model.shape(&input.shape).ok())
        else {
            return required;
        };
        for name in &shape.required {
            let Some(member) = shape.members.get(name) else {
                continue;
            };
            let wire = member.location_name.clone().unwrap_or_else(|| name.clone());
            match member.location {
                Some(crate::model::Location::Querystring) => required.query.push(wire),
                Some(crate::model::Location::Header) => {
                    required.headers.push(wire.to_ascii_lowercase());
                }
                _ => {}
            }
        }
        required
    }

    fn met(&self, query: &[(String, String)], headers: &HeaderMap) -> bool {
        self.query
            .iter()
            .all(|key| query.iter().any(|(k, _)| k == key))
            && self
                .headers
                .iter()
                .all(|name| headers.contains_key(name.as_str()))
    }

    fn count(&self) -> usize {
        self.query.len() + self.headers.len()
    }
}

impl std::fmt::Debug for Catalog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Catalog")
            .field("services", &self.by_signing_name.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// Where a request goes.
#[derive(Debug)]
pub struct Routed {
    pub model: &'static Model,
    pub operation: &'static Operation,
    /// Form parameters (query and ec2).
    pub params: Vec<(String, String)>,
    /// URI labels (rest protocols).
    pub labels: HashMap<String, String>,
}

/// Why a request could not be routed; each is answered in the shape the request implies.
#[derive(Debug)]
pub enum Unroutable {
    /// A json-protocol target naming no service or operation we know.
    UnknownTarget {
        target: String,
        model: Option<&'static Model>,
    },
    /// A query call without `Action`.
    MissingAction { model: Option<&'static Model> },
    /// A query call whose action no service has.
    UnknownAction {
        action: String,
        model: Option<&'static Model>,
    },
    /// Nothing matched at all.
    NoRoute,
}

impl Catalog {
    pub fn new(models: Vec<&'static Model>) -> Self {
        let mut by_target = rustc_hash::FxHashMap::default();
        let mut by_signing_name = rustc_hash::FxHashMap::default();
        let mut templates = Vec::new();
        for (index, model) in models.iter().enumerate() {
            if let Some(prefix) = &model.metadata.target_prefix {
                by_target.insert(prefix.clone(), index);
            }
            by_signing_name.insert(model.metadata.signing_name().to_string(), index);
            by_signing_name
                .entry(model.metadata.endpoint_prefix.clone())
                .or_insert(index);
            if matches!(
                model.metadata.protocol,
                Protocol::RestJson | Protocol::RestXml
            ) {
                for operation in model.operations.values() {
                    templates.push((
                        index,
                        operation,
                        UriTemplate::parse(&operation.http.request_uri),
                        Required::of(model, operation),
                    ));
                }
            }
        }
        // Most specific first, so the first match wins; among equals, the operation that
        // requires more of the request, then the one not deprecated, then by name.
        templates.sort_by(|left, right| {
            let rank = |(_, operation, template, required): &(
                usize,
                &'static Operation,
                UriTemplate,
                Required,
            )| {
                (
                    std::cmp::Reverse(template.specificity() + required.count() * 5),
                    operation.deprecated,
                    operation.name.clone(),
                )
            };
            rank(left).cmp(&rank(right))
        });
        Self {
            models,
            by_target,
            by_signing_name,
            templates,
        }
    }

    pub fn models(&self) -> &[&'static Model] {
        &self.models
    }

    /// The model whose SigV4 signing name (or endpoint prefix) is `name`.
    pub fn by_signing_name(&self, name: &str) -> Option<&'static Model> {
        self.by_signing_name
            .get(name)
            .map(|&index| self.models[index])
    }

    /// Routes a request. `form` is the parsed form body plus query string when the request is
    /// form-encoded (or a GET with `Action`).
    pub fn route(
        &self,
        method: &Method,
        path: &str,
        query: &[(String, String)],
        headers: &HeaderMap,
        form: Option<Vec<(String, String)>>,
        scope: Option<&Scope>,
    ) -> Result<Routed, Unroutable> {
        let scoped = scope.and_then(|s| self.by_signing_name(&s.service));
        if let Some(target) = headers.get("x-amz-target").and_then(|v| v.to_str().ok()) {
            let (prefix, operation_name) = target.rsplit_once('.').unwrap_or((target, ""));
            let model = self.by_target.get(prefix).map(|&index| self.models[index]);
            let operation = model.and_then(|m| m.operation(operation_name));
            return match (model, operation) {
                (Some(model), Some(operation)) => Ok(Routed {
                    model,
                    operation,
                    params: Vec::new(),
                    labels: HashMap::new(),
                }),
                (model, _) => Err(Unroutable::UnknownTarget {
                    target: target.to_string(),
                    model: model.or(scoped),
                }),
            };
        }
        if let Some(params) = form {
            let query_models: Vec<&'static Model> = self
                .models
                .iter()
                .copied()
                .filter(|m| matches!(m.metadata.protocol, Protocol::Query | Protocol::Ec2))
                .collect();
            let version = params
                .iter()
                .find(|(k, _)| k == "Version")
                .map(|(_, v)| v.as_str());
            let versioned = version.and_then(|v| {
                query_models
                    .iter()
                    .copied()
                    .find(|m| m.metadata.api_version == v)
            });
            let hinted = scoped
                .filter(|m| matches!(m.metadata.protocol, Protocol::Query | Protocol::Ec2))
                .or(versioned);
            let Some(action) = params
                .iter()
                .find(|(k, _)| k == "Action")
                .map(|(_, v)| v.clone())
            else {
                return Err(Unroutable::MissingAction { model: hinted });
            };
            let candidates: Vec<&'static Model> = match hinted {
                Some(model) => vec![model],
                None => query_models
                    .into_iter()
                    .filter(|m| m.operation(&action).is_some())
                    .collect(),
            };
            return match candidates.as_slice() {
                [model] => match model.operation(&action) {
                    Some(operation) => Ok(Routed {
                        model,
                        operation,
                        params,
                        labels: HashMap::new(),
                    }),
                    None => Err(Unroutable::UnknownAction {
                        action,
                        model: Some(model),
                    }),
                },
                _ => Err(Unroutable::UnknownAction {
                    action,
                    model: hinted,
                }),
            };
        }
        for (index, operation, template, required) in &self.templates {
            let model = self.models[*index];
            if scoped.is_some_and(|s| !std::ptr::eq(s, model)) {
                continue;
            }
            if !operation.http.method.eq_ignore_ascii_case(method.as_str())
                || !required.met(query, headers)
            {
                continue;
            }
            if let Some(labels) = template.matches(path, query) {
                return Ok(Routed {
                    model,
                    operation,
                    params: Vec::new(),
                    labels,
                });
            }
        }
        Err(Unroutable::NoRoute)
    }
}

/// Whether a request carries form-encoded parameters: a form body, or a GET with `Action`.
pub fn is_form(method: &Method, headers: &HeaderMap, query: &[(String, String)]) -> bool {
    let form_body = headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.to_ascii_lowercase()
                .starts_with("application/x-www-form-urlencoded")
        });
    (form_body && method == Method::POST) || query.iter().any(|(k, _)| k == "Action")
}

/// Parses `a=b&c=d` (form or query string).
pub fn parse_pairs(text: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(text)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// The path-style path of an S3 virtual-host-style request: `/bucket/key` for `Host:
/// bucket.s3.amazonaws.com` (also `bucket.s3.REGION.amazonaws.com`, `bucket.s3-REGION...`,
/// `bucket.localhost`, `bucket.s3.localhost.localstack.cloud`), or `None` when the host names no
/// bucket. The signature still covers the path as sent.
pub fn virtual_host_path(host: &str, path: &str) -> Option<String> {
    let host = host.rsplit_once(':').map_or(host, |(name, port)| {
        if port.bytes().all(|b| b.is_ascii_digit()) {
            name
        } else {
            host
        }
    });
    let host = host.to_ascii_lowercase();
    let bucket = if let Some(rest) = host.strip_suffix(".amazonaws.com") {
        // rest: `bucket.s3`, `bucket.s3.us-east-2`, `bucket.s3-us-east-2`,
        // `bucket.s3.dualstack.us-east-2`.
        let at = rest.rfind(".s3.").or_else(|| rest.rfind(".s3-"));
        match (rest.strip_suffix(".s3"), at) {
            (Some(bucket), _) => bucket.to_string(),
            (None, Some(at)) => rest[..at].to_string(),
            (None, None) => return None,
        }
    } else if let Some(bucket) = host.strip_suffix(".s3.localhost.localstack.cloud") {
        bucket.to_string()
    } else if let Some(bucket) = host.strip_suffix(".localhost") {
        bucket.to_string()
    } else {
        return None;
    };
    if bucket.is_empty() || bucket.starts_with("s3.") || bucket == "s3" {
        return None;
    }
    Some(format!(
        "/{bucket}{}",
        if path.is_empty() { "/" } else { path }
    ))
}

#[cfg(test)]
mod virtual_host_tests {
    use super::virtual_host_path;

    #[test]
    fn bucket_hosts_become_paths() {
        let check = |host: &str, path: &str, expected: Option<&str>| {
            assert_eq!(
                virtual_host_path(host, path).as_deref(),
                expected,
                "{host} {path}"
            );
        };
        check("b1.s3.amazonaws.com", "/k/x", Some("/b1/k/x"));
        check(
            "my.bucket.s3.us-west-2.amazonaws.com",
            "/",
            Some("/my.bucket/"),
        );
        check("b1.s3-us-west-2.amazonaws.com", "/k", Some("/b1/k"));
        check("b1.localhost:4566", "/k", Some("/b1/k"));
        check("s3.amazonaws.com", "/b1/k", None);
        check("s3.us-east-1.amazonaws.com", "/b1", None);
        check("sts.amazonaws.com", "/", None);
        check("localhost:4566", "/b1", None);
        check("127.0.0.1:4566", "/b1", None);
    }
}
