//! Log Analytics on the wire: the workspaces' ARM routes (`Microsoft.OperationalInsights`), and
//! the query API (`POST /v1/workspaces/{customerId}/query` with `{"query","timespan"}`, or GET
//! with `?query=&timespan=`), served on the simulator's port: `azure-monitor-query`'s
//! `LogsQueryClient(credential, endpoint=<simulator>/v1)` reaches it there.
//!
//! The query API's errors have their own shape, not ARM's: `{"error":{"message","code",
//! "correlationId","innererror":{"code","message","innererror":{…}}}}` with `BadArgumentError`
//! over `SyntaxError` (`SYN0002`) or `SemanticError` (`SEM0100`).

use axum::response::Response;
use http::{Method, StatusCode};
use serde_json::{Value, json};

use super::arm::{decode, ok, paged};
use super::{Incoming, empty_response, json_response};
use crate::Azure;
use crate::error::ArmError;
use crate::services::Ctx;
use crate::services::loganalytics::kql::QueryError;
use crate::services::loganalytics::{parse_timespan, table_json};

/// `Microsoft.OperationalInsights`' ARM routes.
pub fn arm_route(
    azure: &Azure,
    incoming: &Incoming,
    ctx: &Ctx,
    lower: &[&str],
) -> Result<Response, ArmError> {
    let seg = |i: usize| incoming.segments[i].as_str();
    let workspaces = &azure.log_analytics;
    match (incoming.method.clone(), lower) {
        (Method::GET, ["subscriptions", _, "providers", _, "workspaces"]) => {
            paged(workspaces.list(seg(1), None)?, incoming)
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
                "workspaces",
            ],
        ) => paged(workspaces.list(seg(1), Some(seg(3)))?, incoming),
        (
            Method::PUT,
            [
                "subscriptions",
                _,
                "resourcegroups",
                _,
                "providers",
                _,
                "workspaces",
                _,
            ],
        ) => {
            let (workspace, created) =
                workspaces.create_or_update(ctx, seg(1), seg(3), seg(7), decode(incoming)?)?;
            let status = if created {
                StatusCode::CREATED
            } else {
                StatusCode::OK
            };
            Ok(json_response(status, &workspace, incoming))
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
                "workspaces",
                _,
            ],
        ) => ok(&workspaces.get(seg(1), seg(3), seg(7))?, incoming),
        (
            Method::DELETE,
            [
                "subscriptions",
                _,
                "resourcegroups",
                _,
                "providers",
                _,
                "workspaces",
                _,
            ],
        ) => {
            let status = if workspaces.delete(seg(1), seg(3), seg(7))? {
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
                "workspaces",
                _,
                "sharedkeys",
            ],
        ) => {
            let [primary, secondary] = workspaces.shared_keys(seg(1), seg(3), seg(7))?;
            ok(
                &json!({"primarySharedKey": primary, "secondarySharedKey": secondary}),
                incoming,
            )
        }
        _ => Err(ArmError::NotImplemented(format!(
            "{} /{}",
            incoming.method,
            incoming.segments.join("/")
        ))),
    }
}

/// Whether the request is the query API's.
pub fn is_query_api(incoming: &Incoming) -> bool {
    incoming.lower(0).as_deref() == Some("v1")
        && matches!(incoming.lower(1).as_deref(), Some("workspaces"))
}

/// `/v1/workspaces/{customerId}/query`.
pub fn query_route(azure: &Azure, incoming: &Incoming) -> Response {
    let lower: Vec<String> = (0..incoming.segments.len())
        .filter_map(|i| incoming.lower(i))
        .collect();
    let lower: Vec<&str> = lower.iter().map(String::as_str).collect();
    let (customer_id, get) = match (incoming.method.clone(), lower.as_slice()) {
        (Method::POST, ["v1", "workspaces", _, "query"]) => (&incoming.segments[2], false),
        (Method::GET, ["v1", "workspaces", _, "query"]) => (&incoming.segments[2], true),
        _ => {
            return query_error(
                incoming,
                StatusCode::NOT_FOUND,
                "PathNotFoundError",
                &format!(
                    "The requested path does not exist: /{}",
                    incoming.segments.join("/")
                ),
                None,
            );
        }
    };
    if let Err(error) = authenticate(azure, incoming) {
        let (_, _, message) = error.parts();
        return query_error(
            incoming,
            StatusCode::UNAUTHORIZED,
            "InvalidTokenError",
            &message,
            None,
        );
    }
    if !azure.log_analytics.knows_customer(customer_id) {
        return query_error(
            incoming,
            StatusCode::NOT_FOUND,
            "WorkspaceNotFoundError",
            &format!("Workspace {customer_id} could not be found"),
            None,
        );
    }
    let (query, timespan) = if get {
        (
            incoming.query("query").map(str::to_string),
            incoming.query("timespan").map(str::to_string),
        )
    } else {
        let body: Value = match serde_json::from_slice(&incoming.body) {
            Ok(body) => body,
            Err(error) => {
                return bad_argument(incoming, "InvalidBodyError", &error.to_string(), None);
            }
        };
        (
            body.get("query")
                .and_then(Value::as_str)
                .map(str::to_string),
            body.get("timespan")
                .and_then(Value::as_str)
                .map(str::to_string),
        )
    };
    let Some(query) = query.filter(|q| !q.trim().is_empty()) else {
        return bad_argument(incoming, "QueryValidationError", "Query is required", None);
    };
    let now = azure.kit.clock().now_millis();
    let window = match timespan.as_deref() {
        None => None,
        Some(text) => match parse_timespan(text, now) {
            Some(window) => Some(window),
            None => {
                return bad_argument(
                    incoming,
                    "InvalidTimespanError",
                    &format!("The timespan '{text}' is not an ISO 8601 duration or interval"),
                    None,
                );
            }
        },
    };
    match azure.log_analytics.query(customer_id, &query, window) {
        Ok(table) => json_response(
            StatusCode::OK,
            &json!({"tables": [table_json(&table)]}),
            incoming,
        ),
        Err(error) => {
            let message = error.to_string();
            let (code, summary, detail) = match &error {
                QueryError::Syntax { token, position } => (
                    "SyntaxError",
                    "A recognition error occurred in the query.",
                    json!({"code": "SYN0002", "message": message, "line": 1, "pos": position, "token": token}),
                ),
                QueryError::Unresolved { .. } => (
                    "SemanticError",
                    "A semantic error occurred.",
                    json!({"code": "SEM0100", "message": message}),
                ),
                QueryError::Type(_) => (
                    "SemanticError",
                    "A semantic error occurred.",
                    json!({"code": "SEM0001", "message": message}),
                ),
                QueryError::Unsupported(_) => (
                    "SemanticError",
                    "A semantic error occurred.",
                    json!({"code": "SEM0002", "message": message}),
                ),
            };
            bad_argument(incoming, code, summary, Some(detail))
        }
    }
}

fn authenticate(azure: &Azure, incoming: &Incoming) -> Result<(), ArmError> {
    let token = incoming
        .header("authorization")
        .and_then(|h| {
            h.strip_prefix("Bearer ")
                .or_else(|| h.strip_prefix("bearer "))
        })
        .ok_or_else(|| {
            ArmError::AuthenticationFailed("Valid authentication was not provided".into())
        })?;
    azure.identity.verify(token.trim()).map(|_| ())
}

fn bad_argument(incoming: &Incoming, code: &str, message: &str, detail: Option<Value>) -> Response {
    let mut inner = json!({"code": code, "message": message});
    if let Some(detail) = detail {
        inner["innererror"] = detail;
    }
    query_error(
        incoming,
        StatusCode::BAD_REQUEST,
        "BadArgumentError",
        "The request had some invalid properties",
        Some(inner),
    )
}

fn query_error(
    incoming: &Incoming,
    status: StatusCode,
    code: &str,
    message: &str,
    inner: Option<Value>,
) -> Response {
    let mut error = json!({
        "message": message,
        "code": code,
        "correlationId": incoming.context.id,
    });
    if let Some(inner) = inner {
        error["innererror"] = inner;
    }
    json_response(status, &json!({"error": error}), incoming)
}
