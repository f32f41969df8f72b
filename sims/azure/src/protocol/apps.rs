//! `Microsoft.App`'s routes: managed environments, jobs and container apps (PUT answers 201/200 with an
//! `Azure-AsyncOperation` URL; DELETE, `start` and `stop` answer 202 with `Location` and
//! `Azure-AsyncOperation`), executions, `listSecrets`. The operation URLs are worded as Container
//! Apps words them: `managedEnvironmentOperationStatuses`, `containerappsjobOperationStatuses`,
//! `containerappOperationStatuses` (and `…OperationResults`). Container apps' revisions and
//! replicas are in [`containerapp_route`].

use axum::response::Response;
use http::{HeaderValue, Method, StatusCode};
use serde_json::json;

use super::arm::{accepted, created_with_status, decode, ok, operation_urls, paged};
use super::{Incoming, empty_response, json_response};
use crate::Azure;
use crate::error::ArmError;
use crate::services::Ctx;
use crate::services::apps::{Deleting, NAMESPACE, Provisioning};

const ENVIRONMENT_KIND: &str = "managedEnvironment";
const JOB_KIND: &str = "containerappsjob";
const APP_KIND: &str = "containerapp";

pub async fn route(
    azure: &Azure,
    incoming: &Incoming,
    ctx: &Ctx,
    lower: &[&str],
) -> Result<Response, ArmError> {
    let seg = |i: usize| incoming.segments[i].as_str();
    let apps = &azure.apps;
    let method = incoming.method.clone();
    if lower.get(6) == Some(&"containerapps") || lower.get(4) == Some(&"containerapps") {
        return containerapp_route(azure, incoming, ctx, lower).await;
    }
    match (method, lower) {
        (Method::GET, ["subscriptions", _, "providers", _, "managedenvironments"]) => {
            paged(apps.list_environments(seg(1), None)?, incoming)
        }
        (Method::GET, ["subscriptions", _, "providers", _, "jobs"]) => {
            paged(apps.list_jobs(seg(1), None)?, incoming)
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
                "managedenvironments",
            ],
        ) => paged(apps.list_environments(seg(1), Some(seg(3)))?, incoming),
        (
            Method::GET,
            [
                "subscriptions",
                _,
                "resourcegroups",
                _,
                "providers",
                _,
                "jobs",
            ],
        ) => paged(apps.list_jobs(seg(1), Some(seg(3)))?, incoming),
        (
            Method::PUT,
            [
                "subscriptions",
                _,
                "resourcegroups",
                _,
                "providers",
                _,
                "managedenvironments",
                _,
            ],
        ) => {
            let done = apps.create_environment(ctx, seg(1), seg(3), seg(7), decode(incoming)?)?;
            Ok(provisioning(incoming, ctx, seg(1), ENVIRONMENT_KIND, &done))
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
                "managedenvironments",
                _,
            ],
        ) => ok(&apps.get_environment(seg(1), seg(3), seg(7))?, incoming),
        (
            Method::DELETE,
            [
                "subscriptions",
                _,
                "resourcegroups",
                _,
                "providers",
                _,
                "managedenvironments",
                _,
            ],
        ) => {
            let deleting = apps.delete_environment(seg(1), seg(3), seg(7))?;
            Ok(deleted(incoming, ctx, seg(1), ENVIRONMENT_KIND, deleting))
        }
        (
            Method::PUT,
            [
                "subscriptions",
                _,
                "resourcegroups",
                _,
                "providers",
                _,
                "jobs",
                _,
            ],
        ) => {
            let done = apps.create_job(ctx, seg(1), seg(3), seg(7), decode(incoming)?)?;
            Ok(provisioning(incoming, ctx, seg(1), JOB_KIND, &done))
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
                "jobs",
                _,
            ],
        ) => ok(&apps.get_job(seg(1), seg(3), seg(7))?, incoming),
        (
            Method::DELETE,
            [
                "subscriptions",
                _,
                "resourcegroups",
                _,
                "providers",
                _,
                "jobs",
                _,
            ],
        ) => {
            let deleting = apps.delete_job(seg(1), seg(3), seg(7))?;
            Ok(deleted(incoming, ctx, seg(1), JOB_KIND, deleting))
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
                "jobs",
                _,
                "start",
            ],
        ) => {
            let overrides = if incoming.body.is_empty() {
                None
            } else {
                Some(decode(incoming)?)
            };
            let started = apps.start_job(seg(1), seg(3), seg(7), overrides)?;
            let (status_url, result_url) = operation_urls(
                incoming,
                seg(1),
                NAMESPACE,
                &started.location,
                JOB_KIND,
                &started.operation,
                &ctx.api_version,
            );
            // The body names the execution at once (az reads it from this response); the
            // SDK's poller follows `Location` to the same answer.
            let mut response = json_response(StatusCode::ACCEPTED, &started.execution, incoming);
            polling_headers(&mut response, &status_url, &result_url);
            Ok(response)
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
                "jobs",
                _,
                "stop",
            ],
        ) => {
            let stopping = apps.stop_all(seg(1), seg(3), seg(7))?;
            Ok(deleted(incoming, ctx, seg(1), JOB_KIND, Some(stopping)))
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
                "jobs",
                _,
                "listsecrets",
            ],
        ) => {
            let secrets = apps.list_secrets(seg(1), seg(3), seg(7))?;
            ok(&json!({"value": secrets}), incoming)
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
                "jobs",
                _,
                "executions",
            ],
        ) => paged(apps.list_executions(seg(1), seg(3), seg(7))?, incoming),
        (
            Method::GET,
            [
                "subscriptions",
                _,
                "resourcegroups",
                _,
                "providers",
                _,
                "jobs",
                _,
                "executions",
                _,
            ],
        ) => ok(
            &apps.get_execution(seg(1), seg(3), seg(7), seg(9))?,
            incoming,
        ),
        (
            Method::POST,
            [
                "subscriptions",
                _,
                "resourcegroups",
                _,
                "providers",
                _,
                "jobs",
                _,
                "executions",
                _,
                "stop",
            ],
        ) => {
            let stopping = apps.stop_execution(seg(1), seg(3), seg(7), seg(9))?;
            Ok(deleted(incoming, ctx, seg(1), JOB_KIND, Some(stopping)))
        }
        _ => Err(ArmError::NotImplemented(format!(
            "{} /{}",
            incoming.method,
            incoming.segments.join("/")
        ))),
    }
}

/// 202 with both polling URLs, or 204 when there was nothing to do.
/// A create or replace: 201 (or 200 when it replaced) with the resource and the
/// `Azure-AsyncOperation` URL its provisioning is polled at.
fn provisioning<T: serde::Serialize>(
    incoming: &Incoming,
    ctx: &Ctx,
    subscription: &str,
    kind: &str,
    done: &Provisioning<T>,
) -> Response {
    let (status_url, _) = operation_urls(
        incoming,
        subscription,
        NAMESPACE,
        &done.location,
        kind,
        &done.operation,
        &ctx.api_version,
    );
    let status = if done.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    created_with_status(status, &done.resource, incoming, &status_url)
}

fn deleted(
    incoming: &Incoming,
    ctx: &Ctx,
    subscription: &str,
    kind: &str,
    deleting: Option<Deleting>,
) -> Response {
    let Some(deleting) = deleting else {
        return empty_response(StatusCode::NO_CONTENT, incoming);
    };
    let (status_url, result_url) = operation_urls(
        incoming,
        subscription,
        NAMESPACE,
        &deleting.location,
        kind,
        &deleting.operation,
        &ctx.api_version,
    );
    let mut response = accepted(incoming, Some(&result_url), Some(&status_url));
    polling_headers(&mut response, &status_url, &result_url);
    response
}

fn polling_headers(response: &mut Response, status_url: &str, result_url: &str) {
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(status_url) {
        headers.insert("azure-asyncoperation", value);
    }
    if let Ok(value) = HeaderValue::from_str(result_url) {
        headers.insert(http::header::LOCATION, value);
    }
    headers.insert(http::header::RETRY_AFTER, HeaderValue::from_static("1"));
}

/// `Microsoft.App/containerApps` and its revisions and replicas.
async fn containerapp_route(
    azure: &Azure,
    incoming: &Incoming,
    ctx: &Ctx,
    lower: &[&str],
) -> Result<Response, ArmError> {
    let seg = |i: usize| incoming.segments[i].as_str();
    let apps = &azure.apps;
    let method = incoming.method.clone();
    match (method, lower) {
        (Method::GET, ["subscriptions", _, "providers", _, "containerapps"]) => {
            paged(apps.list_apps(seg(1), None)?, incoming)
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
                "containerapps",
            ],
        ) => paged(apps.list_apps(seg(1), Some(seg(3)))?, incoming),
        (
            Method::PUT,
            [
                "subscriptions",
                _,
                "resourcegroups",
                _,
                "providers",
                _,
                "containerapps",
                _,
            ],
        ) => {
            let done = apps.create_app(ctx, seg(1), seg(3), seg(7), decode(incoming)?)?;
            Ok(provisioning(incoming, ctx, seg(1), APP_KIND, &done))
        }
        (
            Method::PATCH,
            [
                "subscriptions",
                _,
                "resourcegroups",
                _,
                "providers",
                _,
                "containerapps",
                _,
            ],
        ) => {
            let done = apps.update_app(ctx, seg(1), seg(3), seg(7), decode(incoming)?)?;
            // PATCH answers 202 with both polling URLs; the result is the app.
            let (status_url, result_url) = operation_urls(
                incoming,
                seg(1),
                NAMESPACE,
                &done.location,
                APP_KIND,
                &done.operation,
                &ctx.api_version,
            );
            let mut response = accepted(incoming, Some(&result_url), Some(&status_url));
            polling_headers(&mut response, &status_url, &result_url);
            Ok(response)
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
                "containerapps",
                _,
            ],
        ) => ok(&apps.get_app(seg(1), seg(3), seg(7))?, incoming),
        (
            Method::DELETE,
            [
                "subscriptions",
                _,
                "resourcegroups",
                _,
                "providers",
                _,
                "containerapps",
                _,
            ],
        ) => {
            let deleting = apps.delete_app(seg(1), seg(3), seg(7))?;
            Ok(deleted(incoming, ctx, seg(1), APP_KIND, deleting))
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
                "containerapps",
                _,
                "listsecrets",
            ],
        ) => {
            let secrets = apps.list_app_secrets(seg(1), seg(3), seg(7))?;
            ok(&json!({"value": secrets}), incoming)
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
                "containerapps",
                _,
                "revisions",
            ],
        ) => paged(apps.list_revisions(seg(1), seg(3), seg(7))?, incoming),
        (
            Method::GET,
            [
                "subscriptions",
                _,
                "resourcegroups",
                _,
                "providers",
                _,
                "containerapps",
                _,
                "revisions",
                _,
            ],
        ) => ok(
            &apps.get_revision(seg(1), seg(3), seg(7), seg(9))?,
            incoming,
        ),
        (
            Method::POST,
            [
                "subscriptions",
                _,
                "resourcegroups",
                _,
                "providers",
                _,
                "containerapps",
                _,
                "revisions",
                _,
                action,
            ],
        ) if matches!(*action, "activate" | "deactivate" | "restart") => {
            match *action {
                "activate" => {
                    apps.activate_revision(seg(1), seg(3), seg(7), seg(9))
                        .await?
                }
                "deactivate" => {
                    apps.deactivate_revision(seg(1), seg(3), seg(7), seg(9))
                        .await?
                }
                _ => {
                    apps.restart_revision(seg(1), seg(3), seg(7), seg(9))
                        .await?
                }
            }
            Ok(empty_response(StatusCode::OK, incoming))
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
                "containerapps",
                _,
                "revisions",
                _,
                "replicas",
            ],
        ) => paged(
            apps.list_replicas(seg(1), seg(3), seg(7), seg(9))?,
            incoming,
        ),
        (
            Method::GET,
            [
                "subscriptions",
                _,
                "resourcegroups",
                _,
                "providers",
                _,
                "containerapps",
                _,
                "revisions",
                _,
                "replicas",
                _,
            ],
        ) => ok(
            &apps.get_replica(seg(1), seg(3), seg(7), seg(9), seg(11))?,
            incoming,
        ),
        _ => Err(ArmError::NotImplemented(format!(
            "{} /{}",
            incoming.method,
            incoming.segments.join("/")
        ))),
    }
}
