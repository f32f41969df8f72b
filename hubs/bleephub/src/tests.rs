//! Router tests (no socket): response bodies of every kind held to the schemas of GitHub's
//! description, and the conventions the protocol layer owns.

use std::sync::Arc;

use axum::body::Body;
use http::Request;
use serde_json::{Value, json};
use tower::ServiceExt;

use crate::{Config, Hub, spec};

const ADMIN: &str = "ghp_testadmin000000000000000000000000000";

fn hub() -> (Arc<Hub>, axum::Router) {
    let kit = simkit::Kit::new(simkit::KitConfig::new("github")).unwrap();
    let config = Config {
        admin_token: Some(ADMIN.into()),
        rate_limit: 1000,
        anonymous_rate_limit: 3,
    };
    let hub = Arc::new(Hub::new(kit, config).unwrap());
    let router = crate::admin::router(hub.clone()).merge(crate::protocol::router(hub.clone()));
    (hub, router)
}

async fn call(
    router: &axum::Router,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> (u16, http::HeaderMap, Value) {
    let mut request = Request::builder()
        .method(method)
        .uri(path)
        .header("host", "127.0.0.1:5555")
        .header("authorization", format!("token {ADMIN}"));
    if body.is_some() {
        request = request.header("content-type", "application/json");
    }
    let body = body.map_or_else(Body::empty, |b| Body::from(b.to_string()));
    let response = router
        .clone()
        .oneshot(request.body(body).unwrap())
        .await
        .unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    let value = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).unwrap()
    };
    (status, headers, value)
}

/// Checks the body of `operation_id`'s answer against GitHub's schema for it.
fn conforms(operation_id: &str, status: u16, body: &Value) {
    let schema = spec::response_schema(operation_id, status)
        .unwrap_or_else(|| panic!("{operation_id} has no {status} schema"));
    let problems = spec::check(schema, body);
    assert!(problems.is_empty(), "{operation_id}: {problems:#?}");
}

#[tokio::test]
async fn responses_follow_githubs_schemas() {
    let (_hub, router) = hub();
    let cases: Vec<(&str, &str, &str, Option<Value>, u16)> = vec![
        ("meta/root", "GET", "/", None, 200),
        ("users/get-authenticated", "GET", "/user", None, 200),
        (
            "repos/create-for-authenticated-user",
            "POST",
            "/user/repos",
            Some(json!({"name": "r", "auto_init": true})),
            201,
        ),
        ("repos/get", "GET", "/repos/sockerless-admin/r", None, 200),
        (
            "repos/list-for-authenticated-user",
            "GET",
            "/user/repos",
            None,
            200,
        ),
        (
            "repos/list-for-user",
            "GET",
            "/users/sockerless-admin/repos",
            None,
            200,
        ),
        (
            "repos/update",
            "PATCH",
            "/repos/sockerless-admin/r",
            Some(json!({"description": "d"})),
            200,
        ),
        (
            "issues/create",
            "POST",
            "/repos/sockerless-admin/r/issues",
            Some(
                json!({"title": "t", "labels": ["bug", "new"], "assignees": ["sockerless-admin"]}),
            ),
            201,
        ),
        (
            "issues/get",
            "GET",
            "/repos/sockerless-admin/r/issues/1",
            None,
            200,
        ),
        (
            "issues/list-for-repo",
            "GET",
            "/repos/sockerless-admin/r/issues",
            None,
            200,
        ),
        (
            "issues/update",
            "PATCH",
            "/repos/sockerless-admin/r/issues/1",
            Some(json!({"state": "closed"})),
            200,
        ),
        (
            "issues/create-comment",
            "POST",
            "/repos/sockerless-admin/r/issues/1/comments",
            Some(json!({"body": "b"})),
            201,
        ),
        (
            "issues/list-comments",
            "GET",
            "/repos/sockerless-admin/r/issues/1/comments",
            None,
            200,
        ),
        (
            "issues/list-labels-for-repo",
            "GET",
            "/repos/sockerless-admin/r/labels",
            None,
            200,
        ),
        (
            "issues/get-label",
            "GET",
            "/repos/sockerless-admin/r/labels/good%20first%20issue",
            None,
            200,
        ),
        ("rate-limit/get", "GET", "/rate_limit", None, 200),
    ];
    for (operation_id, method, path, body, status) in cases {
        for prefix in ["", "/api/v3"] {
            let path = format!("{prefix}{path}");
            if method != "GET" && !prefix.is_empty() {
                continue;
            }
            let (got, _, value) = call(&router, method, &path, body.clone()).await;
            assert_eq!(got, status, "{method} {path}: {value}");
            conforms(operation_id, status, &value);
        }
    }
}

#[tokio::test]
async fn urls_point_back_at_the_prefix_used() {
    let (_hub, router) = hub();
    call(&router, "POST", "/user/repos", Some(json!({"name": "r"}))).await;
    let (_, _, enterprise) = call(&router, "GET", "/api/v3/repos/sockerless-admin/r", None).await;
    assert_eq!(
        enterprise["url"],
        "http://127.0.0.1:5555/api/v3/repos/sockerless-admin/r"
    );
    assert_eq!(
        enterprise["html_url"],
        "http://127.0.0.1:5555/sockerless-admin/r"
    );
    assert_eq!(
        enterprise["clone_url"],
        "http://127.0.0.1:5555/sockerless-admin/r.git"
    );
    let (_, _, plain) = call(&router, "GET", "/repos/sockerless-admin/r", None).await;
    assert_eq!(
        plain["url"],
        "http://127.0.0.1:5555/repos/sockerless-admin/r"
    );
}

#[tokio::test]
async fn bad_input_gets_githubs_errors() {
    let (_hub, router) = hub();
    let cases = [
        (
            "POST",
            "/user/repos",
            json!([1]),
            400,
            "Body should be a JSON object",
        ),
        (
            "POST",
            "/user/repos",
            json!({}),
            422,
            "Invalid request.\n\n\"name\" wasn't supplied.",
        ),
        (
            "POST",
            "/user/repos",
            json!({"name": ".."}),
            422,
            "Validation Failed",
        ),
        (
            "GET",
            "/repos/a/..%2F..%2Fetc",
            Value::Null,
            404,
            "Not Found",
        ),
        (
            "GET",
            "/repos/sockerless-admin/r/issues/abc",
            Value::Null,
            404,
            "Not Found",
        ),
    ];
    for (method, path, body, status, message) in cases {
        let body = (!body.is_null()).then_some(body);
        let (got, _, value) = call(&router, method, path, body).await;
        assert_eq!(
            (got, value["message"].as_str().unwrap_or("")),
            (status, message),
            "{method} {path}"
        );
    }
}

#[tokio::test]
async fn graphql_answers_what_gh_asks_first() {
    let (_hub, router) = hub();
    call(
        &router,
        "POST",
        "/user/repos",
        Some(json!({"name": "r", "auto_init": true})),
    )
    .await;
    let query = json!({"query": "query { viewer { login } __type(name: \"Repository\") { fields { name } } repository(owner: \"sockerless-admin\", name: \"r\") { nameWithOwner defaultBranchRef { name target { oid } } issues(first: 1) { totalCount pageInfo { hasNextPage } } } }"});
    let (status, _, value) = call(&router, "POST", "/graphql", Some(query)).await;
    assert_eq!(status, 200, "{value}");
    assert_eq!(value["data"]["viewer"]["login"], "sockerless-admin");
    assert_eq!(
        value["data"]["repository"]["defaultBranchRef"]["name"],
        "main"
    );
    assert_eq!(
        value["data"]["repository"]["defaultBranchRef"]["target"]["oid"]
            .as_str()
            .unwrap()
            .len(),
        40
    );
    assert!(
        value["data"]["__type"]["fields"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["name"] == "nameWithOwner")
    );
    let missing = json!({"query": "{ repository(owner: \"x\", name: \"y\") { id } }"});
    let (_, _, value) = call(&router, "POST", "/graphql", Some(missing)).await;
    assert_eq!(
        value["errors"][0]["message"],
        "Could not resolve to a Repository with the name 'x/y'."
    );
    assert_eq!(
        value["errors"][0]["type"]
            .as_str()
            .or(value["errors"][0]["extensions"]["type"].as_str()),
        Some("NOT_FOUND")
    );
    let unknown = json!({"query": "{ viewer { nope } }"});
    let (_, _, value) = call(&router, "POST", "/graphql", Some(unknown)).await;
    assert!(
        value["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("nope"),
        "{value}"
    );
}
