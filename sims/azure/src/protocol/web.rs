//! `Microsoft.Web`'s routes for Azure Functions: `serverfarms` (plans) and `sites` with their
//! `config/web`, `config/appsettings` (PUT, and POST `…/list`), `host/default/listkeys` and
//! `functions`. Creates and updates answer 200 with the resource (App Service completes them
//! at once); deletes 200, or 204 when there was nothing to delete.

use axum::response::Response;
use http::{Method, StatusCode};
use serde_json::Value;

use super::arm::{decode, ok, paged};
use super::{Incoming, empty_response};
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
    let web = &azure.web;
    let deleted = |existed: bool| {
        empty_response(
            if existed {
                StatusCode::OK
            } else {
                StatusCode::NO_CONTENT
            },
            incoming,
        )
    };
    match (incoming.method.clone(), lower) {
        (Method::GET, ["subscriptions", _, "providers", _, "serverfarms"]) => {
            paged(web.list_plans(seg(1), None)?, incoming)
        }
        (Method::GET, ["subscriptions", _, "providers", _, "sites"]) => {
            paged(web.list_sites(seg(1), None)?, incoming)
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
                "serverfarms",
            ],
        ) => paged(web.list_plans(seg(1), Some(seg(3)))?, incoming),
        (
            Method::GET,
            [
                "subscriptions",
                _,
                "resourcegroups",
                _,
                "providers",
                _,
                "sites",
            ],
        ) => paged(web.list_sites(seg(1), Some(seg(3)))?, incoming),
        (
            method,
            [
                "subscriptions",
                _,
                "resourcegroups",
                _,
                "providers",
                _,
                "serverfarms",
                _,
            ],
        ) => match method {
            Method::PUT => {
                let (plan, _) = web.put_plan(seg(1), seg(3), seg(7), decode(incoming)?)?;
                ok(&plan, incoming)
            }
            Method::GET => ok(&web.get_plan(seg(1), seg(3), seg(7))?, incoming),
            Method::DELETE => Ok(deleted(web.delete_plan(seg(1), seg(3), seg(7))?)),
            other => Err(ArmError::MethodNotAllowed(other.to_string())),
        },
        (
            method,
            [
                "subscriptions",
                _,
                "resourcegroups",
                _,
                "providers",
                _,
                "sites",
                _,
            ],
        ) => match method {
            Method::PUT => {
                let (site, _) = web.put_site(ctx, seg(1), seg(3), seg(7), decode(incoming)?)?;
                ok(&site, incoming)
            }
            Method::PATCH => {
                let patch: Value = decode(incoming)?;
                ok(&web.patch_site(seg(1), seg(3), seg(7), patch)?, incoming)
            }
            Method::GET => ok(&web.get_site(seg(1), seg(3), seg(7))?, incoming),
            Method::DELETE => {
                let delete_plan = !incoming
                    .query("deleteEmptyServerFarm")
                    .is_some_and(|v| v.eq_ignore_ascii_case("false"));
                Ok(deleted(web.delete_site(
                    seg(1),
                    seg(3),
                    seg(7),
                    delete_plan,
                )?))
            }
            other => Err(ArmError::MethodNotAllowed(other.to_string())),
        },
        (
            method,
            [
                "subscriptions",
                _,
                "resourcegroups",
                _,
                "providers",
                _,
                "sites",
                _,
                "config",
                "web",
            ],
        ) => match method {
            Method::GET => ok(&web.get_config(seg(1), seg(3), seg(7))?, incoming),
            Method::PUT | Method::PATCH => {
                let request: Value = decode(incoming)?;
                let replace = method == Method::PUT;
                ok(
                    &web.update_config(seg(1), seg(3), seg(7), request, replace)?,
                    incoming,
                )
            }
            other => Err(ArmError::MethodNotAllowed(other.to_string())),
        },
        (
            Method::GET,
            [
                "subscriptions",
                _,
                "resourcegroups",
                _,
                "providers",
                _,
                "sites",
                _,
                "config",
                "slotconfignames",
            ],
        ) => ok(&web.slot_config_names(seg(1), seg(3), seg(7))?, incoming),
        (
            Method::PUT,
            [
                "subscriptions",
                _,
                "resourcegroups",
                _,
                "providers",
                _,
                "sites",
                _,
                "config",
                "appsettings",
            ],
        ) => ok(
            &web.put_app_settings(seg(1), seg(3), seg(7), decode(incoming)?)?,
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
                "sites",
                _,
                "config",
                "appsettings",
                "list",
            ],
        ) => ok(&web.list_app_settings(seg(1), seg(3), seg(7))?, incoming),
        (
            Method::POST,
            [
                "subscriptions",
                _,
                "resourcegroups",
                _,
                "providers",
                _,
                "sites",
                _,
                "host",
                "default",
                "listkeys",
            ],
        ) => ok(&web.host_keys(seg(1), seg(3), seg(7))?, incoming),
        (
            Method::GET,
            [
                "subscriptions",
                _,
                "resourcegroups",
                _,
                "providers",
                _,
                "sites",
                _,
                "functions",
            ],
        ) => paged(web.list_functions(seg(1), seg(3), seg(7))?, incoming),
        (
            Method::GET,
            [
                "subscriptions",
                _,
                "resourcegroups",
                _,
                "providers",
                _,
                "sites",
                _,
                "functions",
                _,
            ],
        )
        | (
            Method::POST,
            [
                "subscriptions",
                _,
                "resourcegroups",
                _,
                "providers",
                _,
                "sites",
                _,
                "functions",
                _,
                "listkeys",
            ],
        ) => ok(&web.get_function(seg(1), seg(3), seg(7), seg(9))?, incoming),
        _ => Err(ArmError::NotImplemented(format!(
            "{} /{}",
            incoming.method,
            incoming.segments.join("/")
        ))),
    }
}
