//! `Microsoft.ManagedIdentity`'s routes: user-assigned identities (PUT answers 201 when new and
//! 200 otherwise, PATCH updates tags, DELETE answers 200, or 204 when there was nothing).

use axum::response::Response;
use http::{Method, StatusCode};

use super::arm::{decode, ok, paged};
use super::{Incoming, empty_response, json_response};
use crate::Azure;
use crate::error::ArmError;
use crate::services::Ctx;

pub fn arm_route(
    azure: &Azure,
    incoming: &Incoming,
    ctx: &Ctx,
    lower: &[&str],
) -> Result<Response, ArmError> {
    let seg = |i: usize| incoming.segments[i].as_str();
    let identities = &azure.identities;
    match (incoming.method.clone(), lower) {
        (Method::GET, ["subscriptions", _, "providers", _, "userassignedidentities"]) => {
            paged(identities.list(seg(1), None)?, incoming)
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
                "userassignedidentities",
            ],
        ) => paged(identities.list(seg(1), Some(seg(3)))?, incoming),
        (
            method,
            [
                "subscriptions",
                _,
                "resourcegroups",
                _,
                "providers",
                _,
                "userassignedidentities",
                _,
            ],
        ) => match method {
            Method::PUT => {
                let (identity, created) =
                    identities.put(&ctx.caller, seg(1), seg(3), seg(7), decode(incoming)?)?;
                let status = if created {
                    StatusCode::CREATED
                } else {
                    StatusCode::OK
                };
                Ok(json_response(status, &identity, incoming))
            }
            Method::GET => ok(&identities.get(seg(1), seg(3), seg(7))?, incoming),
            Method::PATCH => ok(
                &identities.update(seg(1), seg(3), seg(7), decode(incoming)?)?,
                incoming,
            ),
            Method::DELETE => {
                let status = if identities.delete(seg(1), seg(3), seg(7))? {
                    StatusCode::OK
                } else {
                    StatusCode::NO_CONTENT
                };
                Ok(empty_response(status, incoming))
            }
            other => Err(ArmError::MethodNotAllowed(other.to_string())),
        },
        _ => Err(ArmError::NotImplemented(format!(
            "{} /{}",
            incoming.method,
            incoming.segments.join("/")
        ))),
    }
}
