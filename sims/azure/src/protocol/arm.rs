//! Azure Resource Manager's surface: routing (case-insensitive on every literal segment, names
//! kept as sent), the `api-version` check against the versions the specifications declare for
//! each resource type, bearer-token authentication, JSON bodies decoded into the generated
//! shapes (`InvalidRequestContent` otherwise), paging with `$top`/`$skiptoken`/`nextLink`, and
//! the URLs of asynchronous operations.

use axum::response::Response;
use http::{HeaderValue, Method, StatusCode};
use serde::Serialize;
use serde_json::json;

use super::{Incoming, empty_response, json_response};
use crate::Azure;
use crate::async_ops::AsyncStatus;
use crate::error::ArmError;
use crate::services::storage::CreateOutcome;
use crate::services::{Caller, Ctx};

/// How long clients are told to wait between polls. ARM says 15 seconds for a group delete;
/// the simulator's work is done far sooner, and a client honours what it is told.
const RETRY_AFTER_SECS: &str = "1";

/// The pseudo resource type of a provider's operation URLs: any api-version of the namespace.
const OPERATION_URLS: &str = "<operation urls>";

/// `…OperationStatuses`: the `Azure-AsyncOperation` status resources.
fn is_status_kind(kind: &str) -> bool {
    kind.ends_with("operationstatuses")
}

/// `…OperationResults`: the `Location` URLs.
fn is_result_kind(kind: &str) -> bool {
    kind.ends_with("operationresults")
}

/// ARM's own resource types: refused with `InvalidApiVersionParameter`.
const ARM_NAMESPACE: &str = "Microsoft.Resources";

/// Answers an ARM request.
pub async fn route(azure: &Azure, incoming: &Incoming) -> Result<Response, ArmError> {
    let lower: Vec<String> = incoming
        .segments
        .iter()
        .map(|s| s.to_ascii_lowercase())
        .collect();
    let lower: Vec<&str> = lower.iter().map(String::as_str).collect();
    let seg = |i: usize| incoming.segments[i].as_str();
    let method = &incoming.method;
    // An extension resource (a role assignment, a diagnostic setting) is addressed by the last
    // provider in its path, whatever scope comes before it.
    let extension = super::extensions::extension(&incoming.segments);
    // Which (namespace, resource type) the request addresses decides its api-versions.
    let (namespace, resource_type) = if let Some(extension) = &extension {
        let rest: Vec<String> = extension
            .rest
            .iter()
            .map(|s| s.to_ascii_lowercase())
            .collect();
        let rest: Vec<&str> = rest.iter().map(String::as_str).collect();
        (
            namespace_of(&extension.namespace, &extension.namespace)?,
            type_path(&rest),
        )
    } else {
        match lower.as_slice() {
            ["subscriptions"] | ["subscriptions", _] => {
                (ARM_NAMESPACE.to_string(), "subscriptions".to_string())
            }
            ["tenants"] => (ARM_NAMESPACE.to_string(), "tenants".to_string()),
            ["subscriptions", _, "locations"] => {
                (ARM_NAMESPACE.to_string(), "locations".to_string())
            }
            ["subscriptions", _, "providers"]
            | ["subscriptions", _, "providers", _]
            | [
                "subscriptions",
                _,
                "providers",
                _,
                "register" | "unregister",
            ] => (ARM_NAMESPACE.to_string(), "providers".to_string()),
            // A provider's own subscription-level routes: the async-operation URLs are polled with
            // the api-version of the request that started them.
            [
                "subscriptions",
                _,
                "providers",
                namespace,
                "locations",
                _,
                "asyncoperations",
                _,
            ] => (
                namespace_of(namespace, &incoming.segments[3])?,
                "storageAccounts".to_string(),
            ),
            // Any provider's operation-status and operation-result URLs
            // (`locations/{loc}/managedEnvironmentOperationStatuses/{id}` and the like).
            [
                "subscriptions",
                _,
                "providers",
                namespace,
                "locations",
                _,
                kind,
                _,
            ] if is_status_kind(kind) || is_result_kind(kind) => (
                namespace_of(namespace, &incoming.segments[3])?,
                OPERATION_URLS.to_string(),
            ),
            ["subscriptions", _, "providers", namespace, rest @ ..] => (
                namespace_of(namespace, &incoming.segments[3])?,
                type_path(rest),
            ),
            [
                "subscriptions",
                _,
                "resourcegroups",
                _,
                "providers",
                namespace,
                rest @ ..,
            ] if !rest.is_empty() => (
                namespace_of(namespace, &incoming.segments[5])?,
                type_path(rest),
            ),
            ["subscriptions", _, "resourcegroups", ..] => match lower.get(4) {
                Some(&"resources") => (ARM_NAMESPACE.to_string(), "resources".to_string()),
                _ => (ARM_NAMESPACE.to_string(), "resourceGroups".to_string()),
            },
            ["subscriptions", _, "resources"] => {
                (ARM_NAMESPACE.to_string(), "resources".to_string())
            }
            ["subscriptions", _, "operationresults", _] => {
                (ARM_NAMESPACE.to_string(), "resourceGroups".to_string())
            }
            _ => {
                return Err(ArmError::NotImplemented(format!(
                    "{} /{}",
                    method,
                    incoming.segments.join("/")
                )));
            }
        }
    };
    let location = lower
        .get(3)
        .filter(|_| lower.get(2) == Some(&"resourcegroups"))
        .and_then(|_| {
            azure
                .resources
                .get_group(&incoming.segments[1], &incoming.segments[3])
                .ok()
        })
        .and_then(|g| g.location)
        .unwrap_or_else(|| "eastus".to_string());
    let api_version = check_api_version(incoming, &namespace, &resource_type, &location)?;
    let claims = authenticate(azure, incoming)?;
    let ctx = Ctx {
        caller: Caller {
            name: claims.appid.clone(),
            kind: if claims.oid == azure.identity.managed_identity().object_id {
                "ManagedIdentity"
            } else {
                "Application"
            },
        },
        api_version: api_version.clone(),
    };
    if let Some(extension) = &extension {
        return super::extensions::route(azure, incoming, &ctx, extension);
    }
    let resources = &azure.resources;
    match (method.clone(), lower.as_slice()) {
        (Method::GET, ["subscriptions"]) => {
            let items = keyed(resources.list_subscriptions(), |s| {
                s.subscription_id.clone()
            });
            paged(items, incoming)
        }
        (Method::GET, ["subscriptions", _]) => ok(&resources.get_subscription(seg(1))?, incoming),
        (Method::GET, ["subscriptions", _, "locations"]) => {
            let items = keyed(resources.list_locations(seg(1))?, |l| l.name.clone());
            // ARM lists every region on one page.
            Ok(json_response(
                StatusCode::OK,
                &json!({"value": items.into_iter().map(|(_, l)| l).collect::<Vec<_>>()}),
                incoming,
            ))
        }
        (Method::GET, ["tenants"]) => {
            let items = keyed(resources.list_tenants(), |t| t.tenant_id.clone());
            paged(items, incoming)
        }
        (Method::GET, ["subscriptions", _, "providers"]) => {
            let items = keyed(resources.list_providers(seg(1))?, |p| p.namespace.clone());
            paged(items, incoming)
        }
        (Method::GET, ["subscriptions", _, "providers", _]) => {
            ok(&resources.get_provider(seg(1), seg(3))?, incoming)
        }
        (
            Method::POST,
            [
                "subscriptions",
                _,
                "providers",
                _,
                action @ ("register" | "unregister"),
            ],
        ) => ok(
            &resources.set_registration(seg(1), seg(3), *action == "register")?,
            incoming,
        ),
        (Method::GET, ["subscriptions", _, "resourcegroups"]) => {
            let items = resources.list_groups(seg(1))?;
            paged(items, incoming)
        }
        (Method::PUT, ["subscriptions", _, "resourcegroups", _]) => {
            let body = decode(incoming)?;
            let (group, created) = resources.create_or_update_group(&ctx, seg(1), seg(3), body)?;
            let status = if created {
                StatusCode::CREATED
            } else {
                StatusCode::OK
            };
            Ok(json_response(status, &group, incoming))
        }
        (Method::GET, ["subscriptions", _, "resourcegroups", _]) => {
            ok(&resources.get_group(seg(1), seg(3))?, incoming)
        }
        (Method::HEAD, ["subscriptions", _, "resourcegroups", _]) => {
            match resources.get_group(seg(1), seg(3)) {
                Ok(_) => Ok(empty_response(StatusCode::NO_CONTENT, incoming)),
                Err(ArmError::ResourceGroupNotFound(_)) => {
                    Ok(empty_response(StatusCode::NOT_FOUND, incoming))
                }
                Err(error) => Err(error),
            }
        }
        (Method::PATCH, ["subscriptions", _, "resourcegroups", _]) => {
            let patch = decode(incoming)?;
            ok(&resources.update_group(seg(1), seg(3), patch)?, incoming)
        }
        (Method::DELETE, ["subscriptions", _, "resourcegroups", _]) => {
            match azure.resources.begin_delete_group(seg(1), seg(3))? {
                // Deleting a group that does not exist is not an error in ARM: 204.
                None => Ok(empty_response(StatusCode::NO_CONTENT, incoming)),
                Some(operation) => {
                    let location = format!(
                        "{}/subscriptions/{}/operationresults/{}?api-version={}",
                        incoming.base_url(),
                        seg(1),
                        operation,
                        api_version
                    );
                    Ok(accepted(incoming, Some(&location), None))
                }
            }
        }
        (Method::GET, ["subscriptions", _, "resourcegroups", _, "resources"]) => {
            let items = keyed(resources.resources_in_group(seg(1), seg(3))?, |r| {
                r.id.as_ref().map(|id| id.to_ascii_lowercase())
            });
            paged(items, incoming)
        }
        (Method::GET, ["subscriptions", _, "resources"]) => {
            let items = keyed(resources.resources_in_subscription(seg(1))?, |r| {
                r.id.as_ref().map(|id| id.to_ascii_lowercase())
            });
            paged(items, incoming)
        }
        (Method::GET, ["subscriptions", _, "operationresults", _]) => {
            resources.check_subscription(seg(1))?;
            location_poll(azure, incoming, seg(3))
        }
        (Method::GET, ["subscriptions", _, "providers", _, "locations", _, kind, _])
            if is_status_kind(kind) =>
        {
            resources.check_subscription(seg(1))?;
            status_poll(azure, incoming, seg(7))
        }
        (Method::GET, ["subscriptions", _, "providers", _, "locations", _, kind, _])
            if is_result_kind(kind) =>
        {
            resources.check_subscription(seg(1))?;
            location_poll(azure, incoming, seg(7))
        }
        (_, ["subscriptions", _, "providers", "microsoft.app", ..])
        | (
            _,
            [
                "subscriptions",
                _,
                "resourcegroups",
                _,
                "providers",
                "microsoft.app",
                ..,
            ],
        ) => super::apps::route(azure, incoming, &ctx, &lower).await,
        (
            _,
            [
                "subscriptions",
                _,
                "providers",
                "microsoft.operationalinsights",
                ..,
            ],
        )
        | (
            _,
            [
                "subscriptions",
                _,
                "resourcegroups",
                _,
                "providers",
                "microsoft.operationalinsights",
                ..,
            ],
        ) => super::loganalytics::arm_route(azure, incoming, &ctx, &lower),
        (
            _,
            [
                "subscriptions",
                _,
                "providers",
                "microsoft.containerregistry",
                ..,
            ],
        )
        | (
            _,
            [
                "subscriptions",
                _,
                "resourcegroups",
                _,
                "providers",
                "microsoft.containerregistry",
                ..,
            ],
        ) => super::acr::arm_route(azure, incoming, &ctx, &lower),
        (
            _,
            [
                "subscriptions",
                _,
                "providers",
                "microsoft.managedidentity",
                ..,
            ],
        )
        | (
            _,
            [
                "subscriptions",
                _,
                "resourcegroups",
                _,
                "providers",
                "microsoft.managedidentity",
                ..,
            ],
        ) => super::msi::arm_route(azure, incoming, &ctx, &lower),
        (_, ["subscriptions", _, "providers", "microsoft.web", ..])
        | (
            _,
            [
                "subscriptions",
                _,
                "resourcegroups",
                _,
                "providers",
                "microsoft.web",
                ..,
            ],
        ) => super::web::arm_route(azure, incoming, &ctx, &lower),
        (_, ["subscriptions", _, "providers", "microsoft.storage", ..])
        | (
            _,
            [
                "subscriptions",
                _,
                "resourcegroups",
                _,
                "providers",
                "microsoft.storage",
                ..,
            ],
        ) => storage(azure, incoming, &ctx, &lower),
        (
            _,
            ["subscriptions", _, "providers", ..]
            | ["subscriptions", _, "resourcegroups", _, "providers", ..],
        ) => Err(ArmError::NotImplemented(format!(
            "{} /{}",
            incoming.method,
            incoming.segments.join("/")
        ))),
        (method, _) => Err(ArmError::MethodNotAllowed(method.to_string())),
    }
}

/// `Microsoft.Storage`'s routes.
fn storage(
    azure: &Azure,
    incoming: &Incoming,
    ctx: &Ctx,
    lower: &[&str],
) -> Result<Response, ArmError> {
    let seg = |i: usize| incoming.segments[i].as_str();
    let storage = &azure.storage;
    match (incoming.method.clone(), lower) {
        (Method::POST, ["subscriptions", _, "providers", _, "checknameavailability"]) => ok(
            &storage.check_name_availability(seg(1), decode(incoming)?)?,
            incoming,
        ),
        (Method::GET, ["subscriptions", _, "providers", _, "storageaccounts"]) => {
            paged(storage.list(seg(1))?, incoming)
        }
        (
            Method::GET,
            [
                "subscriptions",
                _,
                "providers",
                _,
                "locations",
                _,
                "asyncoperations",
                _,
            ],
        ) => {
            azure.resources.check_subscription(seg(1))?;
            location_poll(azure, incoming, seg(7))
        }
        (
            Method::GET,
            [
                "subscriptions",
                _,
                "resourcegroups",
                _,
                "providers",
                _,
                "storageaccounts",
            ],
        ) => paged(storage.list_by_group(seg(1), seg(3))?, incoming),
        (
            Method::PUT,
            [
                "subscriptions",
                _,
                "resourcegroups",
                _,
                "providers",
                _,
                "storageaccounts",
                _,
            ],
        ) => {
            let request = decode(incoming)?;
            match storage.begin_create(ctx, seg(1), seg(3), seg(7), request)? {
                CreateOutcome::Updated(account) => ok(&account, incoming),
                CreateOutcome::Accepted {
                    operation,
                    location,
                } => {
                    let url = format!(
                        "{}/subscriptions/{}/providers/Microsoft.Storage/locations/{}/asyncoperations/{}?monitor=true&api-version={}",
                        incoming.base_url(),
                        seg(1),
                        location,
                        operation,
                        ctx.api_version
                    );
                    Ok(accepted(incoming, Some(&url), None))
                }
            }
        }
        (
            Method::GET,
            [
                "subscriptions",
                _,
                "resourcegroups",
                _,
                "providers",
                _,
                "storageaccounts",
                _,
            ],
        ) => ok(&storage.get_properties(seg(1), seg(3), seg(7))?, incoming),
        (
            Method::PATCH,
            [
                "subscriptions",
                _,
                "resourcegroups",
                _,
                "providers",
                _,
                "storageaccounts",
                _,
            ],
        ) => ok(
            &storage.update(seg(1), seg(3), seg(7), decode(incoming)?)?,
            incoming,
        ),
        (
            Method::DELETE,
            [
                "subscriptions",
                _,
                "resourcegroups",
                _,
                "providers",
                _,
                "storageaccounts",
                _,
            ],
        ) => {
            let status = if storage.delete(seg(1), seg(3), seg(7))? {
                StatusCode::OK
            } else {
                StatusCode::NO_CONTENT
            };
            Ok(empty_response(status, incoming))
        }
        (
            Method::POST,
            [
                "subscriptions",
                _,
                "resourcegroups",
                _,
                "providers",
                _,
                "storageaccounts",
                _,
                "listkeys",
            ],
        ) => ok(&storage.list_keys(seg(1), seg(3), seg(7))?, incoming),
        (
            Method::POST,
            [
                "subscriptions",
                _,
                "resourcegroups",
                _,
                "providers",
                _,
                "storageaccounts",
                _,
                "regeneratekey",
            ],
        ) => ok(
            &storage.regenerate_key(seg(1), seg(3), seg(7), decode(incoming)?)?,
            incoming,
        ),
        _ => Err(ArmError::NotImplemented(format!(
            "{} /{}",
            incoming.method,
            incoming.segments.join("/")
        ))),
    }
}

/// The namespace a path names, as the specifications spell it, if the simulator knows it.
fn namespace_of(lower: &str, original: &str) -> Result<String, ArmError> {
    let _ = lower;
    crate::api_versions::namespace_spelling(original)
        .map(str::to_string)
        .ok_or_else(|| ArmError::NotImplemented(format!("the resource provider '{original}'")))
}

/// `storageaccounts/NAME/blobservices/default/containers/C` → `storageaccounts/blobservices/containers`:
/// the types of a path below a namespace (every other segment).
fn type_path(rest: &[&str]) -> String {
    rest.iter()
        .step_by(2)
        .copied()
        .collect::<Vec<_>>()
        .join("/")
}

/// The `api-version` the request names, if `namespace`/`resource_type` accepts it.
fn check_api_version(
    incoming: &Incoming,
    namespace: &str,
    resource_type: &str,
    location: &str,
) -> Result<String, ArmError> {
    let version = incoming
        .query("api-version")
        .filter(|v| !v.is_empty())
        .ok_or(ArmError::MissingApiVersionParameter)?;
    if crate::api_versions::accepts(namespace, resource_type, version)
        || (resource_type == OPERATION_URLS
            && crate::api_versions::namespace_accepts(namespace, version))
    {
        return Ok(version.to_string());
    }
    let supported = crate::api_versions::supported(namespace, resource_type);
    let locations = crate::services::resources::LOCATIONS.to_vec();
    if namespace == ARM_NAMESPACE {
        Err(ArmError::InvalidApiVersionParameter {
            version: version.to_string(),
            supported,
            locations,
        })
    } else {
        Err(ArmError::NoRegisteredProviderFound {
            location: location.to_string(),
            version: version.to_string(),
            resource_type: format!(
                "{namespace}/{}",
                crate::api_versions::type_spelling(namespace, resource_type)
                    .unwrap_or(resource_type)
            ),
            supported,
            locations,
        })
    }
}

/// ARM's bearer-token check.
fn authenticate(azure: &Azure, incoming: &Incoming) -> Result<crate::identity::Claims, ArmError> {
    let header = incoming.header("authorization").ok_or_else(|| {
        ArmError::AuthenticationFailed(
            "Authentication failed. The 'Authorization' header is missing.".into(),
        )
    })?;
    let token = header
        .strip_prefix("Bearer ")
        .or_else(|| header.strip_prefix("bearer "))
        .ok_or_else(|| {
            ArmError::AuthenticationFailed(
                "Authentication failed. The 'Authorization' header is provided in an invalid format."
                    .into(),
            )
        })?;
    azure.identity.verify(token.trim())
}

pub(super) fn decode<T: serde::de::DeserializeOwned>(incoming: &Incoming) -> Result<T, ArmError> {
    let body: &[u8] = if incoming.body.is_empty() {
        b"{}"
    } else {
        &incoming.body
    };
    serde_json::from_slice(body).map_err(|error| ArmError::InvalidRequestContent(error.to_string()))
}

pub(super) fn ok(body: &impl Serialize, incoming: &Incoming) -> Result<Response, ArmError> {
    Ok(json_response(StatusCode::OK, body, incoming))
}

pub(super) fn keyed<T>(items: Vec<T>, key: impl Fn(&T) -> Option<String>) -> Vec<(String, T)> {
    let mut keyed: Vec<(String, T)> = items
        .into_iter()
        .map(|item| (key(&item).unwrap_or_default(), item))
        .collect();
    keyed.sort_by(|a, b| a.0.cmp(&b.0));
    keyed
}

/// `{"value":[...],"nextLink":...}` for one page of `items`.
pub(super) fn paged<T: Serialize>(
    items: Vec<(String, T)>,
    incoming: &Incoming,
) -> Result<Response, ArmError> {
    let top = match incoming.query("$top") {
        Some(text) => Some(text.parse::<usize>().map_err(|_| ArmError::InvalidValue {
            property: "$top".into(),
            value: text.to_string(),
        })?),
        None => None,
    };
    let (page, next) = crate::paging::page(items, top, incoming.query("$skiptoken"));
    let mut body = json!({"value": page});
    if let Some(token) = next {
        let mut query: Vec<(String, String)> = incoming
            .query
            .iter()
            .filter(|(k, _)| !k.eq_ignore_ascii_case("$skiptoken"))
            .cloned()
            .collect();
        query.push(("$skiptoken".into(), token));
        let query: String = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(query)
            .finish();
        body["nextLink"] = json!(format!(
            "{}/{}?{}",
            incoming.base_url(),
            incoming.segments.join("/"),
            query
        ));
    }
    Ok(json_response(StatusCode::OK, &body, incoming))
}

/// 202 Accepted with the polling headers.
pub(super) fn accepted(
    incoming: &Incoming,
    location: Option<&str>,
    async_operation: Option<&str>,
) -> Response {
    let mut response = empty_response(StatusCode::ACCEPTED, incoming);
    let headers = response.headers_mut();
    if let Some(location) = location.and_then(|l| HeaderValue::from_str(l).ok()) {
        headers.insert(http::header::LOCATION, location);
    }
    if let Some(url) = async_operation.and_then(|l| HeaderValue::from_str(l).ok()) {
        headers.insert("azure-asyncoperation", url);
    }
    headers.insert(
        http::header::RETRY_AFTER,
        HeaderValue::from_static(RETRY_AFTER_SECS),
    );
    response
}

/// A `Location` URL: 202 while the work runs, then its result (200 with a body, or 204), or
/// the operation's error.
pub(super) fn location_poll(
    azure: &Azure,
    incoming: &Incoming,
    id: &str,
) -> Result<Response, ArmError> {
    let operation = azure.operations.get(id)?;
    match operation.status {
        AsyncStatus::InProgress => {
            let location = format!(
                "{}/{}?{}",
                incoming.base_url(),
                incoming.segments.join("/"),
                form_urlencoded::Serializer::new(String::new())
                    .extend_pairs(incoming.query.iter())
                    .finish()
            );
            Ok(accepted(incoming, Some(&location), None))
        }
        AsyncStatus::Succeeded(serde_json::Value::Null) => {
            Ok(empty_response(StatusCode::OK, incoming))
        }
        AsyncStatus::Succeeded(body) => ok(&body, incoming),
        AsyncStatus::Failed { code, message } | AsyncStatus::Canceled { code, message } => {
            let body = json!({"error": {"code": code, "message": message}});
            Ok(json_response(StatusCode::BAD_REQUEST, &body, incoming))
        }
    }
}

/// An `Azure-AsyncOperation` URL: the status resource, always 200 once the operation is known:
/// `InProgress` (with `Retry-After`), then `Succeeded`, `Failed` or `Canceled` with `error`.
fn status_poll(azure: &Azure, incoming: &Incoming, id: &str) -> Result<Response, ArmError> {
    let operation = azure.operations.get(id)?;
    let mut body = json!({
        "id": format!("/{}", incoming.segments.join("/")),
        "name": operation.id,
        "startTime": crate::time::arm_timestamp(operation.started_ms),
    });
    if let Some(finished) = operation.finished_ms {
        body["endTime"] = json!(crate::time::arm_timestamp(finished));
    }
    let in_progress = matches!(operation.status, AsyncStatus::InProgress);
    match operation.status {
        AsyncStatus::InProgress => body["status"] = json!("InProgress"),
        AsyncStatus::Succeeded(_) => body["status"] = json!("Succeeded"),
        AsyncStatus::Failed { code, message } => {
            body["status"] = json!("Failed");
            body["error"] = json!({"code": code, "message": message});
        }
        AsyncStatus::Canceled { code, message } => {
            body["status"] = json!("Canceled");
            body["error"] = json!({"code": code, "message": message});
        }
    }
    let mut response = json_response(StatusCode::OK, &body, incoming);
    if in_progress {
        response.headers_mut().insert(
            http::header::RETRY_AFTER,
            HeaderValue::from_static(RETRY_AFTER_SECS),
        );
    }
    Ok(response)
}

/// The two URLs an asynchronous operation of `namespace` is polled at, as that provider words
/// them: `…/locations/{location}/{kind}OperationStatuses/{id}` (`Azure-AsyncOperation`) and
/// `…/{kind}OperationResults/{id}` (`Location`), with the starting request's api-version.
pub(super) fn operation_urls(
    incoming: &Incoming,
    subscription: &str,
    namespace: &str,
    location: &str,
    kind: &str,
    operation: &str,
    api_version: &str,
) -> (String, String) {
    let base = format!(
        "{}/subscriptions/{subscription}/providers/{namespace}/locations/{location}",
        incoming.base_url()
    );
    (
        format!("{base}/{kind}OperationStatuses/{operation}?api-version={api_version}"),
        format!("{base}/{kind}OperationResults/{operation}?api-version={api_version}"),
    )
}

/// 201 Created (or 200) with the resource and its `Azure-AsyncOperation` URL: how a provider
/// answers a PUT whose provisioning continues.
pub(super) fn created_with_status(
    status: StatusCode,
    body: &impl Serialize,
    incoming: &Incoming,
    status_url: &str,
) -> Response {
    let mut response = json_response(status, body, incoming);
    if let Ok(url) = HeaderValue::from_str(status_url) {
        response.headers_mut().insert("azure-asyncoperation", url);
    }
    response.headers_mut().insert(
        http::header::RETRY_AFTER,
        HeaderValue::from_static(RETRY_AFTER_SECS),
    );
    response
}
