//! The routes of extension resources: `Microsoft.Authorization`'s role assignments and role
//! definitions, and `Microsoft.Insights`' diagnostic settings, which live under any scope (`{scope}/providers/Microsoft.Authorization/...`, where
//! the scope is `/`, a subscription, a resource group or a resource). A role assignment PUT
//! answers 201 when new and 200 when it was already there; a DELETE answers 200 with the
//! deleted assignment, or 204.
//!
//! [`extension`] recognises an extension resource's path, which `arm` checks before anything
//! else: a resource's own path names its provider first, so the extension's provider is the
//! last `providers` segment.

use axum::response::Response;
use http::{Method, StatusCode};

use super::arm::{decode, ok, paged};
use super::{Incoming, empty_response, json_response};
use crate::Azure;
use crate::error::ArmError;
use crate::services::Ctx;

/// The providers whose resources are extension resources, lower-cased.
const EXTENSION_NAMESPACES: &[&str] = &["microsoft.authorization", "microsoft.insights"];

/// An extension resource's path split at its provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extension {
    /// `/subscriptions/S/resourceGroups/G/...`, as the client spelled it (`/` for the root).
    pub scope: String,
    /// The provider's namespace as the client spelled it.
    pub namespace: String,
    /// The segments after the namespace (`roleAssignments`, `NAME`).
    pub rest: Vec<String>,
}

/// The extension resource `segments` address, if any.
pub fn extension(segments: &[String]) -> Option<Extension> {
    let at = segments
        .iter()
        .rposition(|s| s.eq_ignore_ascii_case("providers"))?;
    let namespace = segments.get(at + 1)?;
    if !EXTENSION_NAMESPACES.contains(&namespace.to_ascii_lowercase().as_str())
        || segments.len() < at + 3
    {
        return None;
    }
    Some(Extension {
        scope: format!("/{}", segments[..at].join("/")),
        namespace: namespace.clone(),
        rest: segments[at + 2..].to_vec(),
    })
}

pub fn route(
    azure: &Azure,
    incoming: &Incoming,
    ctx: &Ctx,
    extension: &Extension,
) -> Result<Response, ArmError> {
    let rest: Vec<String> = extension
        .rest
        .iter()
        .map(|s| s.to_ascii_lowercase())
        .collect();
    let rest: Vec<&str> = rest.iter().map(String::as_str).collect();
    let scope = extension.scope.as_str();
    if extension
        .namespace
        .eq_ignore_ascii_case("microsoft.insights")
    {
        return insights(azure, incoming, ctx, extension, &rest);
    }
    let authorization = &azure.authorization;
    let filter = incoming.query("$filter");
    match (incoming.method.clone(), rest.as_slice()) {
        (Method::GET, ["roleassignments"]) => {
            paged(authorization.list_assignments(scope, filter)?, incoming)
        }
        (method, ["roleassignments", _]) => {
            let name = extension.rest[1].as_str();
            match method {
                Method::PUT => {
                    let (assignment, created) = authorization.create_assignment(
                        &ctx.caller,
                        scope,
                        name,
                        decode(incoming)?,
                    )?;
                    let status = if created {
                        StatusCode::CREATED
                    } else {
                        StatusCode::OK
                    };
                    Ok(json_response(status, &assignment, incoming))
                }
                Method::GET => ok(&authorization.get_assignment(scope, name)?, incoming),
                Method::DELETE => match authorization.delete_assignment(scope, name)? {
                    Some(assignment) => ok(&assignment, incoming),
                    None => Ok(empty_response(StatusCode::NO_CONTENT, incoming)),
                },
                other => Err(ArmError::MethodNotAllowed(other.to_string())),
            }
        }
        (Method::GET, ["roledefinitions"]) => {
            paged(authorization.list_definitions(scope, filter)?, incoming)
        }
        (Method::GET, ["roledefinitions", _]) => ok(
            &authorization.get_definition(scope, &extension.rest[1])?,
            incoming,
        ),
        (Method::PUT | Method::DELETE, ["roledefinitions", _]) => Err(ArmError::NotImplemented(
            "custom role definitions (only Azure's built-in roles are served)".into(),
        )),
        _ => Err(ArmError::NotImplemented(format!(
            "{} /{}",
            incoming.method,
            incoming.segments.join("/")
        ))),
    }
}

/// `Microsoft.Insights`' diagnostic settings under a resource. A PUT answers 200 whether the
/// setting is new or not, as Azure does; a listing is one page without `nextLink`.
fn insights(
    azure: &Azure,
    incoming: &Incoming,
    ctx: &Ctx,
    extension: &Extension,
    rest: &[&str],
) -> Result<Response, ArmError> {
    let resource = extension.scope.as_str();
    let insights = &azure.insights;
    match (incoming.method.clone(), rest) {
        (Method::GET, ["diagnosticsettings"]) => ok(
            &serde_json::json!({"value": insights.list_settings(resource)?}),
            incoming,
        ),
        (method, ["diagnosticsettings", _]) => {
            let name = extension.rest[1].as_str();
            match method {
                Method::PUT => ok(
                    &insights.put_setting(&ctx.caller, resource, name, decode(incoming)?)?,
                    incoming,
                ),
                Method::GET => ok(&insights.get_setting(resource, name)?, incoming),
                Method::DELETE => {
                    let status = if insights.delete_setting(resource, name)? {
                        StatusCode::OK
                    } else {
                        StatusCode::NO_CONTENT
                    };
                    Ok(empty_response(status, incoming))
                }
                other => Err(ArmError::MethodNotAllowed(other.to_string())),
            }
        }
        _ => Err(ArmError::NotImplemented(format!(
            "{} /{}",
            incoming.method,
            incoming.segments.join("/")
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segments(path: &str) -> Vec<String> {
        path.split('/')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect()
    }

    #[test]
    fn extension_resources_split_at_their_provider() {
        let at_resource = extension(&segments(
            "/subscriptions/s/resourceGroups/g/providers/Microsoft.Storage/storageAccounts/a/providers/Microsoft.Authorization/roleAssignments/n",
        ))
        .expect("an extension");
        assert_eq!(
            at_resource.scope,
            "/subscriptions/s/resourceGroups/g/providers/Microsoft.Storage/storageAccounts/a"
        );
        assert_eq!(at_resource.rest, vec!["roleAssignments", "n"]);
        let at_root = extension(&segments(
            "/providers/Microsoft.Authorization/roleDefinitions/x",
        ))
        .expect("at the root");
        assert_eq!(at_root.scope, "/");
        assert!(
            extension(&segments(
                "/subscriptions/s/providers/Microsoft.Storage/storageAccounts"
            ))
            .is_none()
        );
        assert!(
            extension(&segments(
                "/subscriptions/s/providers/Microsoft.Authorization"
            ))
            .is_none()
        );
    }
}
