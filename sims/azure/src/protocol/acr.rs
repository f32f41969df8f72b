//! `Microsoft.ContainerRegistry`: the registries' ARM routes, and the parts of a login server
//! (`NAME.azurecr.io`) that are ACR's own rather than the distribution API's: the token
//! endpoints (`/oauth2/exchange`, `/oauth2/token`), the catalog (`/v2/_catalog`,
//! `/acr/v1/_catalog`) and the tag listing (`/acr/v1/REPO/_tags`), each paged with `n` and
//! `last` and a `Link` header. Everything else under `/v2/` is simkit's registry, authenticated
//! by `services::acr::access`. Errors on a login server have the registry's shape
//! (`{"errors":[{"code","message","detail"}]}`).

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use http::{HeaderValue, Method, StatusCode};
use serde_json::{Value, json};
use simkit::context::RequestContext;
use simkit::registry::RequestHead;

use super::arm::{created_with_status, decode, ok, operation_urls, paged};
use super::{Incoming, empty_response};
use crate::Azure;
use crate::error::ArmError;
use crate::services::Ctx;
use crate::services::acr::access::{TokenError, basic_credentials};
use crate::services::acr::{NAMESPACE, registry_of_host};

/// The page size when a client gives no `n` (ACR's default).
const DEFAULT_PAGE: usize = 100;

pub fn arm_route(
    azure: &Azure,
    incoming: &Incoming,
    ctx: &Ctx,
    lower: &[&str],
) -> Result<Response, ArmError> {
    let seg = |i: usize| incoming.segments[i].as_str();
    let acr = &azure.acr;
    let method = incoming.method.clone();
    match (method, lower) {
        (Method::POST, ["subscriptions", _, "providers", _, "checknameavailability"]) => ok(
            &acr.check_name_availability(seg(1), decode(incoming)?)?,
            incoming,
        ),
        (Method::GET, ["subscriptions", _, "providers", _, "registries"]) => {
            paged(acr.list(seg(1), None)?, incoming)
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
                "registries",
            ],
        ) => paged(acr.list(seg(1), Some(seg(3)))?, incoming),
        (
            method,
            [
                "subscriptions",
                _,
                "resourcegroups",
                _,
                "providers",
                _,
                "registries",
                _,
            ],
        ) => match method {
            Method::PUT => {
                let done = acr.begin_create(ctx, seg(1), seg(3), seg(7), decode(incoming)?)?;
                let (status_url, _) = operation_urls(
                    incoming,
                    seg(1),
                    NAMESPACE,
                    &done.location,
                    "registry",
                    &done.operation,
                    &ctx.api_version,
                );
                let status = if done.created {
                    StatusCode::CREATED
                } else {
                    StatusCode::OK
                };
                Ok(created_with_status(
                    status,
                    &done.registry,
                    incoming,
                    &status_url,
                ))
            }
            Method::GET => ok(&acr.get(seg(1), seg(3), seg(7))?, incoming),
            Method::PATCH => ok(
                &acr.update(ctx, seg(1), seg(3), seg(7), decode(incoming)?)?,
                incoming,
            ),
            Method::DELETE => {
                let status = if acr.delete(seg(1), seg(3), seg(7))? {
                    StatusCode::OK
                } else {
                    StatusCode::NO_CONTENT
                };
                Ok(empty_response(status, incoming))
            }
            other => Err(ArmError::MethodNotAllowed(other.to_string())),
        },
        (
            Method::POST,
            [
                "subscriptions",
                _,
                "resourcegroups",
                _,
                "providers",
                _,
                "registries",
                _,
                "listcredentials",
            ],
        ) => ok(&acr.list_credentials(seg(1), seg(3), seg(7))?, incoming),
        (
            Method::POST,
            [
                "subscriptions",
                _,
                "resourcegroups",
                _,
                "providers",
                _,
                "registries",
                _,
                "regeneratecredential",
            ],
        ) => ok(
            &acr.regenerate_credential(seg(1), seg(3), seg(7), decode(incoming)?)?,
            incoming,
        ),
        _ => Err(ArmError::NotImplemented(format!(
            "{} /{}",
            incoming.method,
            incoming.segments.join("/")
        ))),
    }
}

/// Whether a request is addressed to a login server (`NAME.azurecr.io`).
pub fn is_login_server(context: &RequestContext) -> bool {
    context
        .host
        .as_deref()
        .is_some_and(|host| registry_of_host(host).is_some())
}

/// The registry's error body.
fn registry_error(status: StatusCode, code: &str, message: &str, detail: Value) -> Response {
    let body = json!({"errors": [{"code": code, "message": message, "detail": detail}]});
    let mut response = (status, body.to_string()).into_response();
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    response
}

fn token_error(error: TokenError) -> Response {
    let status = StatusCode::from_u16(error.status).unwrap_or(StatusCode::BAD_REQUEST);
    registry_error(status, error.code, &error.message, Value::Null)
}

fn json_ok(body: &Value) -> Response {
    let mut response = (StatusCode::OK, body.to_string()).into_response();
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    response
}

/// A login server's own routes (not `/v2/`, which simkit's registry serves).
pub fn data_plane(azure: &Azure, incoming: &Incoming) -> Response {
    let lower: Vec<String> = incoming
        .segments
        .iter()
        .map(|s| s.to_ascii_lowercase())
        .collect();
    let lower: Vec<&str> = lower.iter().map(String::as_str).collect();
    let mut response = match (&incoming.method, lower.as_slice()) {
        (&Method::POST, ["oauth2", "exchange"]) => {
            let form = form_of(incoming);
            match azure.acr.access().exchange(&form) {
                Ok(body) => json_ok(&body),
                Err(error) => token_error(error),
            }
        }
        (&Method::POST | &Method::GET, ["oauth2", "token"]) => {
            let mut form = form_of(incoming);
            form.extend(incoming.query.iter().cloned());
            let basic = incoming.header("authorization").and_then(basic_credentials);
            match azure.acr.access().token(&form, basic) {
                Ok(body) => json_ok(&body),
                Err(error) => token_error(error),
            }
        }
        (&Method::GET, ["acr", "v1", "_catalog"]) => catalog(azure, incoming),
        (&Method::GET, ["acr", "v1", .., "_tags"]) if incoming.segments.len() > 3 => {
            let repository = incoming.segments[2..incoming.segments.len() - 1].join("/");
            tags(azure, incoming, &repository)
        }
        _ => registry_error(
            StatusCode::NOT_FOUND,
            "UNSUPPORTED",
            "The operation is unsupported.",
            json!({"path": format!("/{}", incoming.segments.join("/"))}),
        ),
    };
    super::arm_headers(&mut response, &incoming.headers, &incoming.context.id);
    response
}

fn form_of(incoming: &Incoming) -> Vec<(String, String)> {
    form_urlencoded::parse(&incoming.body)
        .into_owned()
        .collect()
}

/// The registry (namespace) a request may read, or the challenge to answer.
fn authorized(azure: &Azure, incoming: &Incoming) -> Result<String, Box<Response>> {
    let head = RequestHead {
        host: incoming.context.host.as_deref(),
        authorization: incoming.header("authorization"),
        query: None,
    };
    use simkit::registry::Provider as _;
    azure.acr.access().authenticate(&head).map_err(|challenge| {
        let mut response = registry_error(
            challenge.error.code.status(),
            challenge.error.code.as_str(),
            &challenge.error.message,
            Value::Null,
        );
        if let Ok(value) = HeaderValue::from_str(&challenge.www_authenticate) {
            response
                .headers_mut()
                .insert(http::header::WWW_AUTHENTICATE, value);
        }
        Box::new(response)
    })
}

/// The range of sorted `names` after `last`, at most `n` long.
fn page_after(
    names: &[String],
    incoming: &Incoming,
) -> Result<std::ops::Range<usize>, Box<Response>> {
    let size = match incoming.query("n") {
        Some(text) => match text.parse::<usize>() {
            Ok(size) if size > 0 => size,
            _ => {
                return Err(Box::new(registry_error(
                    StatusCode::BAD_REQUEST,
                    "PAGINATION_NUMBER_INVALID",
                    "invalid number of results requested",
                    json!({"n": text}),
                )));
            }
        },
        None => DEFAULT_PAGE,
    };
    let start = match incoming.query("last") {
        Some(last) => names.partition_point(|name| name.as_str() <= last),
        None => 0,
    };
    let end = start.saturating_add(size).min(names.len());
    Ok(start..end)
}

fn with_next_link(mut response: Response, path: &str, last: &str, size: usize) -> Response {
    let query: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("last", last)
        .append_pair("n", &size.to_string())
        .finish();
    if let Ok(value) = HeaderValue::from_str(&format!("<{path}?{query}>; rel=\"next\"")) {
        response.headers_mut().insert(http::header::LINK, value);
    }
    response
}

/// `GET /v2/_catalog` and `/acr/v1/_catalog`: the repositories that hold an image.
fn catalog(azure: &Azure, incoming: &Incoming) -> Response {
    let namespace = match authorized(azure, incoming) {
        Ok(namespace) => namespace,
        Err(response) => return *response,
    };
    let names = azure.acr.oci().repositories(&namespace);
    let range = match page_after(&names, incoming) {
        Ok(range) => range,
        Err(response) => return *response,
    };
    let more = range.end < names.len();
    let page = &names[range];
    let response = json_ok(&json!({"repositories": page}));
    match page.last() {
        Some(last) if more => with_next_link(
            response,
            &format!("/{}", incoming.segments.join("/")),
            last,
            page.len(),
        ),
        _ => response,
    }
}

/// `GET /acr/v1/REPO/_tags`: the repository's tags with their digests and times.
fn tags(azure: &Azure, incoming: &Incoming, repository: &str) -> Response {
    let namespace = match authorized(azure, incoming) {
        Ok(namespace) => namespace,
        Err(response) => return *response,
    };
    let images = azure.acr.oci().images(&namespace, repository);
    if images.is_empty() {
        return registry_error(
            StatusCode::NOT_FOUND,
            "NAME_UNKNOWN",
            "repository name not known to registry",
            json!({"name": repository}),
        );
    }
    let mut tagged: Vec<(String, Value)> = images
        .iter()
        .flat_map(|image| {
            let time = crate::time::arm_timestamp(image.manifest.pushed_at);
            image.tags.iter().map(move |tag| {
                (
                    tag.clone(),
                    json!({
                        "name": tag,
                        "digest": image.digest.as_str(),
                        "createdTime": time,
                        "lastUpdateTime": time,
                        "signed": false,
                        "changeableAttributes": {
                            "deleteEnabled": true,
                            "writeEnabled": true,
                            "readEnabled": true,
                            "listEnabled": true,
                        },
                    }),
                )
            })
        })
        .collect();
    tagged.sort_by(|a, b| a.0.cmp(&b.0));
    let names: Vec<String> = tagged.iter().map(|(name, _)| name.clone()).collect();
    let range = match page_after(&names, incoming) {
        Ok(range) => range,
        Err(response) => return *response,
    };
    let more = range.end < names.len();
    let page = &names[range.clone()];
    let entries: Vec<Value> = tagged[range]
        .iter()
        .map(|(_, entry)| entry.clone())
        .collect();
    let login_server = incoming.context.host.clone().unwrap_or_default();
    let response = json_ok(&json!({
        "registry": login_server,
        "imageName": repository,
        "tags": entries,
    }));
    match page.last() {
        Some(last) if more => with_next_link(
            response,
            &format!("/{}", incoming.segments.join("/")),
            last,
            page.len(),
        ),
        _ => response,
    }
}

/// `/v2/_catalog` (routed ahead of simkit's registry, which has no catalog).
pub async fn v2_catalog(State(azure): State<Arc<Azure>>, request: Request) -> Response {
    let (parts, _body) = request.into_parts();
    let Some(context) = parts.extensions.get::<RequestContext>().cloned() else {
        return (StatusCode::INTERNAL_SERVER_ERROR, Body::empty()).into_response();
    };
    let incoming = Incoming {
        method: parts.method,
        segments: vec!["v2".into(), "_catalog".into()],
        query: parts
            .uri
            .query()
            .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
            .unwrap_or_default(),
        headers: parts.headers,
        body: bytes::Bytes::new(),
        context,
    };
    let mut response = if incoming.method == Method::GET {
        catalog(&azure, &incoming)
    } else {
        registry_error(
            StatusCode::METHOD_NOT_ALLOWED,
            "UNSUPPORTED",
            "The operation is unsupported.",
            Value::Null,
        )
    };
    response.headers_mut().insert(
        "Docker-Distribution-API-Version",
        HeaderValue::from_static("registry/2.0"),
    );
    response
}
