//! Endpoints that workloads call back, outside the AWS APIs: the ECS task metadata endpoint
//! (v3 and v4: `ECS_CONTAINER_METADATA_URI[_V4]`, plus `/task`) and the container credentials
//! endpoint (`AWS_CONTAINER_CREDENTIALS_RELATIVE_URI`, at `/v2/credentials/ID`). Their JSON
//! follows the ECS agent's documented responses; unknown tokens get 404.

use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};
use sim_aws_shapes::ecs::Task;
use sim_aws_shapes::normal::Timestamp;

use crate::protocol::timestamp::iso8601;
use crate::services::ecs::Ecs;
use crate::services::ecs::metadata::ContainerView;

pub fn router(ecs: Arc<Ecs>) -> Router {
    Router::new()
        .route("/_sockerless/ecs/{version}/{token}", get(container))
        .route("/_sockerless/ecs/{version}/{token}/task", get(task))
        .route("/_sockerless/ecs/{version}/{token}/stats", get(stats))
        .route("/_sockerless/ecs/{version}/{token}/task/stats", get(stats))
        .route("/v2/credentials/{id}", get(credentials))
        .with_state(ecs)
}

fn not_found(what: &str) -> Response {
    (
        StatusCode::NOT_FOUND,
        Json(json!({"Code": "NotFound", "Message": format!("{what} not found")})),
    )
        .into_response()
}

fn seconds(at: Option<Timestamp>) -> Option<String> {
    at.map(|at| iso8601(at.millis() as f64 / 1000.0))
}

/// `…:task-definition/family:7` → (`family`, `7`).
fn family_and_revision(task: &Task) -> (String, String) {
    task.task_definition_arn
        .as_deref()
        .and_then(|arn| arn.rsplit('/').next())
        .and_then(|fr| fr.rsplit_once(':'))
        .map(|(family, revision)| (family.to_string(), revision.to_string()))
        .unwrap_or_default()
}

fn container_json(view: &ContainerView, name: &str) -> Option<Value> {
    let task = &view.record.task;
    let container = task
        .containers
        .iter()
        .flatten()
        .find(|c| c.name.as_deref() == Some(name))?;
    let (family, revision) = family_and_revision(task);
    let container_name = container.name.clone().unwrap_or_default();
    let mut body = json!({
        "DockerId": container.runtime_id,
        "Name": container.name,
        "DockerName": format!("ecs-{family}-{revision}-{container_name}"),
        "Image": container.image,
        "Labels": {
            "com.amazonaws.ecs.cluster": task.cluster_arn,
            "com.amazonaws.ecs.container-name": container.name,
            "com.amazonaws.ecs.task-arn": task.task_arn,
            "com.amazonaws.ecs.task-definition-family": family,
            "com.amazonaws.ecs.task-definition-version": revision,
        },
        "DesiredStatus": task.desired_status,
        "KnownStatus": container.last_status,
        "Limits": {"CPU": container.cpu.as_deref().and_then(|c| c.parse::<i64>().ok()).unwrap_or(0), "Memory": container.memory.as_deref().and_then(|m| m.parse::<i64>().ok()).unwrap_or(0)},
        "CreatedAt": seconds(task.created_at),
        "StartedAt": seconds(task.started_at),
        "Type": "NORMAL",
        "ContainerARN": container.container_arn,
    });
    if let Some(exit_code) = container.exit_code {
        body["ExitCode"] = json!(exit_code);
    }
    let interfaces = container.network_interfaces.clone().unwrap_or_default();
    if !interfaces.is_empty() {
        body["Networks"] = json!([{
            "NetworkMode": "awsvpc",
            "IPv4Addresses": interfaces.iter().map(|n| n.private_ipv4_address.clone()).collect::<Vec<_>>(),
        }]);
    }
    Some(body)
}

async fn container(
    State(ecs): State<Arc<Ecs>>,
    Path((_version, token)): Path<(String, String)>,
) -> Response {
    let Some(view) = ecs.metadata(&token) else {
        return not_found("container metadata");
    };
    match container_json(&view, &view.container_name) {
        Some(body) => Json(body).into_response(),
        None => not_found("container"),
    }
}

async fn task(
    State(ecs): State<Arc<Ecs>>,
    Path((_version, token)): Path<(String, String)>,
) -> Response {
    let Some(view) = ecs.metadata(&token) else {
        return not_found("task metadata");
    };
    let task = &view.record.task;
    let (family, revision) = family_and_revision(task);
    let containers: Vec<Value> = task
        .containers
        .iter()
        .flatten()
        .filter_map(|c| container_json(&view, c.name.as_deref().unwrap_or_default()))
        .collect();
    Json(json!({
        "Cluster": task.cluster_arn,
        "TaskARN": task.task_arn,
        "Family": family,
        "Revision": revision,
        "DesiredStatus": task.desired_status,
        "KnownStatus": task.last_status,
        "Limits": {"CPU": task.cpu.as_deref().and_then(|c| c.parse::<f64>().ok()).map_or(0.0, |c| c / 1024.0), "Memory": task.memory.as_deref().and_then(|m| m.parse::<i64>().ok()).unwrap_or(0)},
        "PullStartedAt": seconds(task.pull_started_at),
        "PullStoppedAt": seconds(task.pull_stopped_at),
        "AvailabilityZone": task.availability_zone,
        "LaunchType": task.launch_type,
        "Containers": containers,
    }))
    .into_response()
}

/// Resource statistics need cgroups the process runner does not create.
async fn stats() -> Response {
    (
        StatusCode::NOT_IMPLEMENTED,
        Json(json!({"Code": "NotImplemented", "Message": "Sockerless does not report container statistics: the process runner has no cgroup per task"})),
    )
        .into_response()
}

async fn credentials(State(ecs): State<Arc<Ecs>>, Path(id): Path<String>) -> Response {
    let Some((issued, access_key_id, role_arn)) = ecs.task_credentials(&id) else {
        return not_found("credentials");
    };
    Json(json!({
        "RoleArn": role_arn,
        "AccessKeyId": access_key_id,
        "SecretAccessKey": issued.secret_access_key,
        "Token": issued.session_token,
        "Expiration": iso8601(issued.expiration_ms as f64 / 1000.0),
    }))
    .into_response()
}
