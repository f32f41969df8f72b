//! Finding the service and operation a request is for, as AWS's single endpoint does:
//!
//! 1. `X-Amz-Target: Prefix.Operation` names a json-protocol service by its target prefix.
//! 2. A form body (or a query string) with `Action=` is a query or ec2 call; the service is the
//!    one named by the SigV4 credential scope, else the one whose `Version` matches, else the
//!    only one with that action.
//! 3. Otherwise it is a REST call: the scope names the service (else every REST service is
//!    tried) and the operation is the most specific URI template matching method and path.

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
    templates: Vec<(usize, &'static Operation, UriTemplate)>,
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
                    ));
                }
            }
        }
        // Most specific first, so the first match wins.
        templates.sort_by_key(|(_, _, template)| std::cmp::Reverse(template.specificity()));
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
        for (index, operation, template) in &self.templates {
            let model = self.models[*index];
            if scoped.is_some_and(|s| !std::ptr::eq(s, model)) {
                continue;
            }
            if !operation.http.method.eq_ignore_ascii_case(method.as_str()) {
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
