//! Secret Manager's v1 API on the wire: routed calls (global and regional secrets alike) to
//! [`crate::services::secretmanager`].

use std::sync::Arc;

use axum::body::Body;
use axum::response::Response;
use http::StatusCode;
use sim_gcp_shapes::run_v2::{
    GoogleIamV1SetIamPolicyRequest, GoogleIamV1TestIamPermissionsRequest,
};
use sim_gcp_shapes::secretmanager_v1::{
    AddSecretVersionRequest, DestroySecretVersionRequest, DisableSecretVersionRequest,
    EnableSecretVersionRequest, Secret, SecretVersionState,
};

use super::run::collect;
use crate::error::{ErrorStyle, GcpError};
use crate::protocol::{Call, json_response, render_error};
use crate::services::secretmanager::{SecretManager, canonical_name};

pub async fn handle(
    secrets: &Arc<SecretManager>,
    call: Call,
    body: Body,
    limit: usize,
) -> Response {
    match serve(secrets, &call, body, limit).await {
        Ok(response) => response,
        Err(error) => render_error(&error, ErrorStyle::Status),
    }
}

async fn serve(
    secrets: &Arc<SecretManager>,
    call: &Call,
    body: Body,
    limit: usize,
) -> Result<Response, GcpError> {
    // Secret Manager answers with the project's number, whichever the caller named.
    let name = &canonical_name(call.path("name"));
    let parent = &canonical_name(call.path("parent"));
    let resource = &canonical_name(call.path("resource"));
    let page_size = call.query_i64("pageSize");
    let page_token = call.query("pageToken");
    let filter = call.query("filter");
    let ok = |value: &dyn Json| Ok(value.respond(call));
    // Global (`projects.secrets.*`) and regional (`projects.locations.secrets.*`) methods differ
    // only in their names' shape.
    let id = call.routed.method.id;
    let method = id
        .strip_prefix("secretmanager.projects.locations.")
        .or_else(|| id.strip_prefix("secretmanager.projects."))
        .unwrap_or(id);
    match method {
        "secrets.create" => {
            let secret: Secret = call.body(&collect(body, limit).await?)?;
            let secret_id = call.query("secretId").unwrap_or_default();
            ok(&secrets.create_secret(parent, secret_id, secret)?)
        }
        "secrets.get" => ok(&secrets.get_secret(name)?),
        "secrets.list" => ok(&secrets.list_secrets(parent, page_size, page_token, filter)?),
        "secrets.patch" => {
            let secret: Secret = call.body(&collect(body, limit).await?)?;
            ok(&secrets.update_secret(name, call.query("updateMask"), secret)?)
        }
        "secrets.delete" => {
            secrets.delete_secret(name, call.query("etag"))?;
            ok(&serde_json::json!({}))
        }
        "secrets.addVersion" => {
            let request: AddSecretVersionRequest = call.body(&collect(body, limit).await?)?;
            ok(&secrets.add_version(parent, request)?)
        }
        "secrets.versions.get" => ok(&secrets.get_version(name)?),
        "secrets.versions.list" => {
            ok(&secrets.list_versions(parent, page_size, page_token, filter)?)
        }
        "secrets.versions.access" => ok(&secrets.access_version(name)?),
        "secrets.versions.enable" => {
            let request: EnableSecretVersionRequest = call.body(&collect(body, limit).await?)?;
            ok(&secrets.change_version(
                name,
                SecretVersionState::Enabled,
                request.etag.as_deref(),
            )?)
        }
        "secrets.versions.disable" => {
            let request: DisableSecretVersionRequest = call.body(&collect(body, limit).await?)?;
            ok(&secrets.change_version(
                name,
                SecretVersionState::Disabled,
                request.etag.as_deref(),
            )?)
        }
        "secrets.versions.destroy" => {
            let request: DestroySecretVersionRequest = call.body(&collect(body, limit).await?)?;
            ok(&secrets.change_version(
                name,
                SecretVersionState::Destroyed,
                request.etag.as_deref(),
            )?)
        }
        "secrets.getIamPolicy" => {
            ok(&secrets
                .get_iam_policy(resource, call.query_i64("options.requestedPolicyVersion"))?)
        }
        "secrets.setIamPolicy" => {
            let request: GoogleIamV1SetIamPolicyRequest =
                call.body(&collect(body, limit).await?)?;
            ok(&secrets.set_iam_policy(resource, request)?)
        }
        "secrets.testIamPermissions" => {
            let request: GoogleIamV1TestIamPermissionsRequest =
                call.body(&collect(body, limit).await?)?;
            ok(&secrets.test_iam_permissions(resource, request)?)
        }
        _ => Err(GcpError::unimplemented(id)),
    }
}

/// Lets one closure answer any serializable output.
trait Json {
    fn respond(&self, call: &Call) -> Response;
}

impl<T: serde::Serialize> Json for T {
    fn respond(&self, call: &Call) -> Response {
        json_response(StatusCode::OK, self, call)
    }
}
