//! Router tests (no socket): response bodies of every kind held to the schemas of GitHub's
//! description, and the conventions the protocol layer owns.

use std::sync::Arc;

use axum::body::Body;
use http::Request;
use serde_json::{Value, json};
use tower::ServiceExt;

use crate::{Config, Hub, spec};

pub(crate) const ADMIN: &str = "ghp_testadmin000000000000000000000000000";

pub(crate) fn hub() -> (Arc<Hub>, axum::Router) {
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

pub(crate) async fn call(
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
pub(crate) fn conforms(operation_id: &str, status: u16, body: &Value) {
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

/// Calls `path` and checks the answer's status and its body against the operation's schema.
async fn expect(
    router: &axum::Router,
    operation_id: &str,
    method: &str,
    path: &str,
    body: Option<Value>,
    status: u16,
) -> Value {
    let (got, _, value) = call(router, method, path, body).await;
    assert_eq!(got, status, "{method} {path}: {value}");
    if (200..300).contains(&status) && status != 204 {
        conforms(operation_id, status, &value);
    }
    value
}

#[tokio::test]
async fn git_data_and_contents_follow_githubs_schemas() {
    let (_hub, router) = hub();
    let r = "/repos/sockerless-admin/g";
    expect(
        &router,
        "repos/create-for-authenticated-user",
        "POST",
        "/user/repos",
        Some(json!({"name": "g", "auto_init": true})),
        201,
    )
    .await;
    let readme = expect(
        &router,
        "repos/get-content",
        "GET",
        &format!("{r}/contents/README.md"),
        None,
        200,
    )
    .await;
    assert_eq!(readme["content"], "IyBnCg==\n");
    let created = expect(
        &router,
        "repos/create-or-update-file-contents",
        "PUT",
        &format!("{r}/contents/docs/a.txt"),
        Some(json!({"message": "add a", "content": "YQo="})),
        201,
    )
    .await;
    let blob = created["content"]["sha"].as_str().unwrap().to_string();
    // An update must name the blob it replaces: missing is 422, stale is 409.
    let (status, _, missing) = call(
        &router,
        "PUT",
        &format!("{r}/contents/docs/a.txt"),
        Some(json!({"message": "m", "content": "Yg=="})),
    )
    .await;
    assert_eq!(
        (status, missing["message"].as_str().unwrap()),
        (422, "Invalid request.\n\n\"sha\" wasn't supplied.")
    );
    let stale = "0123456789012345678901234567890123456789";
    let (status, _, conflict) = call(
        &router,
        "PUT",
        &format!("{r}/contents/docs/a.txt"),
        Some(json!({"message": "m", "content": "Yg==", "sha": stale})),
    )
    .await;
    assert_eq!(
        (status, conflict["message"].as_str().unwrap().to_string()),
        (409, format!("docs/a.txt does not match {stale}"))
    );
    let updated = expect(
        &router,
        "repos/create-or-update-file-contents",
        "PUT",
        &format!("{r}/contents/docs/a.txt"),
        Some(json!({"message": "b", "content": "Ygo=", "sha": blob})),
        200,
    )
    .await;
    let head = updated["commit"]["sha"].as_str().unwrap().to_string();
    expect(
        &router,
        "repos/get-content",
        "GET",
        &format!("{r}/contents/docs"),
        None,
        200,
    )
    .await;
    expect(
        &router,
        "repos/get-content",
        "GET",
        &format!("{r}/contents"),
        None,
        200,
    )
    .await;
    expect(
        &router,
        "repos/get-readme",
        "GET",
        &format!("{r}/readme"),
        None,
        200,
    )
    .await;
    expect(
        &router,
        "repos/list-commits",
        "GET",
        &format!("{r}/commits?path=docs/a.txt"),
        None,
        200,
    )
    .await;
    let commit = expect(
        &router,
        "repos/get-commit",
        "GET",
        &format!("{r}/commits/{head}"),
        None,
        200,
    )
    .await;
    assert_eq!(commit["files"][0]["patch"], "@@ -1 +1 @@\n-a\n+b");
    assert_eq!(
        commit["stats"],
        json!({"total": 2, "additions": 1, "deletions": 1})
    );
    expect(
        &router,
        "repos/list-branches",
        "GET",
        &format!("{r}/branches"),
        None,
        200,
    )
    .await;
    expect(
        &router,
        "repos/get-branch",
        "GET",
        &format!("{r}/branches/main"),
        None,
        200,
    )
    .await;
    // Git Data: a blob, a tree over the head's, a commit, a branch pointed at it.
    let blob = expect(
        &router,
        "git/create-blob",
        "POST",
        &format!("{r}/git/blobs"),
        Some(json!({"content": "hello", "encoding": "utf-8"})),
        201,
    )
    .await;
    let blob_sha = blob["sha"].as_str().unwrap().to_string();
    expect(
        &router,
        "git/get-blob",
        "GET",
        &format!("{r}/git/blobs/{blob_sha}"),
        None,
        200,
    )
    .await;
    let head_commit = expect(
        &router,
        "git/get-commit",
        "GET",
        &format!("{r}/git/commits/{head}"),
        None,
        200,
    )
    .await;
    let base_tree = head_commit["tree"]["sha"].as_str().unwrap().to_string();
    let tree = expect(&router, "git/create-tree", "POST", &format!("{r}/git/trees"), Some(json!({"base_tree": base_tree, "tree": [{"path": "x/hello.txt", "mode": "100644", "type": "blob", "sha": blob_sha}]})), 201).await;
    let tree_sha = tree["sha"].as_str().unwrap().to_string();
    expect(
        &router,
        "git/get-tree",
        "GET",
        &format!("{r}/git/trees/{tree_sha}?recursive=1"),
        None,
        200,
    )
    .await;
    let new_commit = expect(
        &router,
        "git/create-commit",
        "POST",
        &format!("{r}/git/commits"),
        Some(json!({"message": "by the API", "tree": tree_sha, "parents": [head]})),
        201,
    )
    .await;
    let new_sha = new_commit["sha"].as_str().unwrap().to_string();
    expect(
        &router,
        "git/create-ref",
        "POST",
        &format!("{r}/git/refs"),
        Some(json!({"ref": "refs/heads/feature/x", "sha": new_sha})),
        201,
    )
    .await;
    let (status, _, exists) = call(
        &router,
        "POST",
        &format!("{r}/git/refs"),
        Some(json!({"ref": "refs/heads/feature/x", "sha": new_sha})),
    )
    .await;
    assert_eq!(
        (status, exists["message"].as_str().unwrap()),
        (422, "Reference already exists")
    );
    expect(
        &router,
        "git/get-ref",
        "GET",
        &format!("{r}/git/ref/heads/feature/x"),
        None,
        200,
    )
    .await;
    expect(
        &router,
        "git/list-matching-refs",
        "GET",
        &format!("{r}/git/matching-refs/heads/feat"),
        None,
        200,
    )
    .await;
    expect(
        &router,
        "git/list-matching-refs",
        "GET",
        &format!("{r}/git/refs"),
        None,
        200,
    )
    .await;
    let compare = expect(
        &router,
        "repos/compare-commits",
        "GET",
        &format!("{r}/compare/main...feature/x"),
        None,
        200,
    )
    .await;
    assert_eq!(
        (compare["status"].as_str(), compare["ahead_by"].as_u64()),
        (Some("ahead"), Some(1))
    );
    // Moving main back is not a fast forward without force.
    let first = commit["parents"][0]["sha"].as_str().unwrap().to_string();
    let (status, _, refused) = call(
        &router,
        "PATCH",
        &format!("{r}/git/refs/heads/main"),
        Some(json!({"sha": first})),
    )
    .await;
    assert_eq!(
        (status, refused["message"].as_str().unwrap()),
        (422, "Update is not a fast forward")
    );
    expect(
        &router,
        "git/update-ref",
        "PATCH",
        &format!("{r}/git/refs/heads/main"),
        Some(json!({"sha": first, "force": true})),
        200,
    )
    .await;
    let tag = expect(
        &router,
        "git/create-tag",
        "POST",
        &format!("{r}/git/tags"),
        Some(json!({"tag": "v1", "message": "one", "object": new_sha, "type": "commit"})),
        201,
    )
    .await;
    let tag_sha = tag["sha"].as_str().unwrap().to_string();
    expect(
        &router,
        "git/get-tag",
        "GET",
        &format!("{r}/git/tags/{tag_sha}"),
        None,
        200,
    )
    .await;
    expect(
        &router,
        "git/create-ref",
        "POST",
        &format!("{r}/git/refs"),
        Some(json!({"ref": "refs/tags/v1", "sha": tag_sha})),
        201,
    )
    .await;
    let tags = expect(
        &router,
        "repos/list-tags",
        "GET",
        &format!("{r}/tags"),
        None,
        200,
    )
    .await;
    assert_eq!(tags[0]["commit"]["sha"], new_sha.as_str());
    expect(&router, "repos/update-branch-protection", "PUT", &format!("{r}/branches/main/protection"), Some(json!({"required_status_checks": null, "enforce_admins": true, "required_pull_request_reviews": null, "restrictions": null})), 200).await;
    expect(
        &router,
        "repos/get-branch-protection",
        "GET",
        &format!("{r}/branches/main/protection"),
        None,
        200,
    )
    .await;
    let (status, _, protected) =
        call(&router, "DELETE", &format!("{r}/git/refs/heads/main"), None).await;
    assert_eq!(
        (status, protected["message"].as_str().unwrap()),
        (422, "Cannot delete this protected branch.")
    );
    expect(
        &router,
        "git/delete-ref",
        "DELETE",
        &format!("{r}/git/refs/heads/feature/x"),
        None,
        204,
    )
    .await;
    let deleted = expect(
        &router,
        "repos/delete-file",
        "DELETE",
        &format!("{r}/contents/README.md"),
        Some(json!({"message": "rm", "sha": readme["sha"]})),
        200,
    )
    .await;
    assert!(deleted["content"].is_null());
    // Hostile paths and refs are data: never found, never a file outside the repository.
    for path in [
        "contents/../../etc/passwd",
        "contents/.git/config",
        "git/ref/heads/..",
        "commits/--all",
    ] {
        let (status, _, _) = call(&router, "GET", &format!("{r}/{path}"), None).await;
        assert!(matches!(status, 404 | 422), "{path}: {status}");
    }
    // Writes through hostile names are refused with GitHub's errors and leave the repository
    // as it was.
    let before = call(&router, "GET", &format!("{r}/git/refs"), None).await.2;
    let content = json!({"message": "m", "content": "eA=="});
    for (method, path, body) in [
        ("PUT", "contents/../escape.txt", content.clone()),
        ("PUT", "contents/.git/hooks/pre-receive", content.clone()),
        ("PUT", "contents/a//b.txt", content.clone()),
        (
            "POST",
            "git/refs",
            json!({"ref": "refs/heads/../../escape", "sha": readme["sha"]}),
        ),
        (
            "POST",
            "git/refs",
            json!({"ref": "refs/heads/bad..name", "sha": readme["sha"]}),
        ),
        (
            "POST",
            "git/refs",
            json!({"ref": "heads/no-refs-prefix", "sha": readme["sha"]}),
        ),
        ("POST", "git/refs", json!({"ref": 7, "sha": "x"})),
        ("PATCH", "git/refs/heads/main", json!({"sha": "not-a-sha"})),
    ] {
        let (status, _, value) = call(&router, method, &format!("{r}/{path}"), Some(body)).await;
        assert!(
            matches!(status, 404 | 422),
            "{method} {path}: {status} {value}"
        );
        assert!(value["message"].is_string(), "{method} {path}: {value}");
    }
    let after = call(&router, "GET", &format!("{r}/git/refs"), None).await.2;
    assert_eq!(before, after);
}

#[tokio::test]
async fn pull_requests_follow_githubs_schemas_and_merge_for_real() {
    let (_hub, router) = hub();
    let r = "/repos/sockerless-admin/p";
    expect(
        &router,
        "repos/create-for-authenticated-user",
        "POST",
        "/user/repos",
        Some(json!({"name": "p", "auto_init": true})),
        201,
    )
    .await;
    expect(
        &router,
        "issues/create",
        "POST",
        &format!("{r}/issues"),
        Some(json!({"title": "an issue first"})),
        201,
    )
    .await;
    let main = expect(
        &router,
        "git/get-ref",
        "GET",
        &format!("{r}/git/ref/heads/main"),
        None,
        200,
    )
    .await;
    let main_sha = main["object"]["sha"].as_str().unwrap().to_string();
    expect(
        &router,
        "git/create-ref",
        "POST",
        &format!("{r}/git/refs"),
        Some(json!({"ref": "refs/heads/topic", "sha": main_sha})),
        201,
    )
    .await;
    // No commits between the branches yet: GitHub's 422.
    let (status, _, none) = call(
        &router,
        "POST",
        &format!("{r}/pulls"),
        Some(json!({"title": "t", "head": "topic", "base": "main"})),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(
        none["errors"],
        json!([{"resource": "PullRequest", "code": "custom", "message": "No commits between main and topic"}])
    );
    expect(
        &router,
        "repos/create-or-update-file-contents",
        "PUT",
        &format!("{r}/contents/f.txt"),
        Some(json!({"message": "f", "content": "Zgo=", "branch": "topic"})),
        201,
    )
    .await;
    let pull = expect(&router, "pulls/create", "POST", &format!("{r}/pulls"), Some(json!({"title": "Add f", "head": "sockerless-admin:topic", "base": "main", "body": "b"})), 201).await;
    // Issues and pull requests share numbers; the pull request is an issue too.
    assert_eq!(pull["number"], 2);
    assert_eq!(
        (
            pull["mergeable"].as_bool(),
            pull["commits"].as_u64(),
            pull["changed_files"].as_u64()
        ),
        (Some(true), Some(1), Some(1))
    );
    let as_issue = expect(
        &router,
        "issues/get",
        "GET",
        &format!("{r}/issues/2"),
        None,
        200,
    )
    .await;
    assert!(
        as_issue["pull_request"]["url"]
            .as_str()
            .unwrap()
            .ends_with("/pulls/2")
    );
    let (status, _, again) = call(
        &router,
        "POST",
        &format!("{r}/pulls"),
        Some(json!({"title": "t", "head": "topic", "base": "main"})),
    )
    .await;
    assert_eq!(
        (status, again["errors"][0]["message"].as_str().unwrap()),
        (
            422,
            "A pull request already exists for sockerless-admin:topic."
        )
    );
    expect(
        &router,
        "pulls/list",
        "GET",
        &format!("{r}/pulls?head=sockerless-admin:topic"),
        None,
        200,
    )
    .await;
    expect(
        &router,
        "pulls/get",
        "GET",
        &format!("{r}/pulls/2"),
        None,
        200,
    )
    .await;
    expect(
        &router,
        "pulls/update",
        "PATCH",
        &format!("{r}/pulls/2"),
        Some(json!({"title": "Add f!"})),
        200,
    )
    .await;
    expect(
        &router,
        "pulls/list-commits",
        "GET",
        &format!("{r}/pulls/2/commits"),
        None,
        200,
    )
    .await;
    let files = expect(
        &router,
        "pulls/list-files",
        "GET",
        &format!("{r}/pulls/2/files"),
        None,
        200,
    )
    .await;
    assert_eq!(files[0]["filename"], "f.txt");
    expect(
        &router,
        "pulls/create-review",
        "POST",
        &format!("{r}/pulls/2/reviews"),
        Some(json!({"body": "looks fine", "event": "COMMENT"})),
        200,
    )
    .await;
    let (status, _, own) = call(
        &router,
        "POST",
        &format!("{r}/pulls/2/reviews"),
        Some(json!({"event": "APPROVE"})),
    )
    .await;
    assert_eq!(
        (status, own["errors"][0].as_str().unwrap()),
        (422, "Can not approve your own pull request")
    );
    expect(
        &router,
        "pulls/list-reviews",
        "GET",
        &format!("{r}/pulls/2/reviews"),
        None,
        200,
    )
    .await;
    expect(
        &router,
        "pulls/list-requested-reviewers",
        "GET",
        &format!("{r}/pulls/2/requested_reviewers"),
        None,
        200,
    )
    .await;
    let (status, _, _) = call(&router, "GET", &format!("{r}/pulls/2/merge"), None).await;
    assert_eq!(status, 404);
    let (status, _, stale) = call(
        &router,
        "PUT",
        &format!("{r}/pulls/2/merge"),
        Some(json!({"sha": main_sha})),
    )
    .await;
    assert_eq!(
        (status, stale["message"].as_str().unwrap()),
        (
            409,
            "Head branch was modified. Review and try the merge again."
        )
    );
    let merged = expect(
        &router,
        "pulls/merge",
        "PUT",
        &format!("{r}/pulls/2/merge"),
        Some(json!({"merge_method": "merge"})),
        200,
    )
    .await;
    let commit = expect(
        &router,
        "repos/get-commit",
        "GET",
        &format!("{r}/commits/main"),
        None,
        200,
    )
    .await;
    assert_eq!(commit["sha"], merged["sha"]);
    assert_eq!(commit["parents"].as_array().unwrap().len(), 2);
    let (status, _, _) = call(&router, "GET", &format!("{r}/pulls/2/merge"), None).await;
    assert_eq!(status, 204);
    let (status, _, again) = call(&router, "PUT", &format!("{r}/pulls/2/merge"), None).await;
    assert_eq!(
        (status, again["message"].as_str().unwrap()),
        (405, "Pull Request is not mergeable")
    );
    let after = expect(
        &router,
        "pulls/get",
        "GET",
        &format!("{r}/pulls/2"),
        None,
        200,
    )
    .await;
    assert_eq!(
        (after["merged"].as_bool(), after["state"].as_str()),
        (Some(true), Some("closed"))
    );
}

#[tokio::test]
async fn statuses_and_check_runs_follow_githubs_schemas() {
    let (hub, router) = hub();
    let r = "/repos/sockerless-admin/c";
    expect(
        &router,
        "repos/create-for-authenticated-user",
        "POST",
        "/user/repos",
        Some(json!({"name": "c", "auto_init": true})),
        201,
    )
    .await;
    let (_, _, branch) = call(&router, "GET", &format!("{r}/branches/main"), None).await;
    let sha = branch["commit"]["sha"].as_str().unwrap().to_string();
    let empty = expect(
        &router,
        "repos/get-combined-status-for-ref",
        "GET",
        &format!("{r}/commits/main/status"),
        None,
        200,
    )
    .await;
    assert_eq!(
        (empty["state"].as_str(), empty["total_count"].as_u64()),
        (Some("pending"), Some(0))
    );
    for (context, state) in [
        ("ci/a", "pending"),
        ("ci/b", "success"),
        ("ci/a", "success"),
    ] {
        let status = expect(
            &router,
            "repos/create-commit-status",
            "POST",
            &format!("{r}/statuses/{sha}"),
            Some(json!({"state": state, "context": context, "target_url": "http://ci.example/1"})),
            201,
        )
        .await;
        assert_eq!(status["creator"]["login"], "sockerless-admin");
    }
    let combined = expect(
        &router,
        "repos/get-combined-status-for-ref",
        "GET",
        &format!("{r}/commits/main/status?per_page=1"),
        None,
        200,
    )
    .await;
    assert_eq!(combined["state"], "success");
    assert_eq!(combined["total_count"], 2);
    assert_eq!(combined["statuses"].as_array().unwrap().len(), 1);
    assert_eq!(combined["sha"], sha.as_str());
    let listed = expect(
        &router,
        "repos/list-commit-statuses-for-ref",
        "GET",
        &format!("{r}/commits/{sha}/statuses"),
        None,
        200,
    )
    .await;
    assert_eq!(listed.as_array().unwrap().len(), 3);
    // GitHub's answers to bad statuses: an unknown commit, a bad state, a long description.
    let (status, _, value) = call(
        &router,
        "POST",
        &format!("{r}/statuses/{}", "1".repeat(40)),
        Some(json!({"state": "success"})),
    )
    .await;
    assert_eq!(
        (status, value["message"].as_str()),
        (
            422,
            Some(format!("No commit found for SHA: {}", "1".repeat(40)).as_str())
        )
    );
    let (status, _, value) = call(
        &router,
        "POST",
        &format!("{r}/statuses/{sha}"),
        Some(json!({"state": "done"})),
    )
    .await;
    assert_eq!(
        (status, value["message"].as_str()),
        (
            422,
            Some(
                "Invalid request.\n\nFor 'properties/state', \"done\" is not a member of [\"error\", \"failure\", \"pending\", \"success\"]."
            )
        )
    );
    let (status, _, value) = call(
        &router,
        "POST",
        &format!("{r}/statuses/{sha}"),
        Some(json!({"state": "success", "description": "x".repeat(141)})),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(
        value["errors"][0]["message"],
        "description is too long (maximum is 140 characters)"
    );
    // Check runs: only apps write them over REST; the Actions engine records them in process.
    let (status, _, value) = call(
        &router,
        "POST",
        &format!("{r}/check-runs"),
        Some(json!({"name": "build", "head_sha": sha})),
    )
    .await;
    assert_eq!(
        (status, value["message"].as_str()),
        (403, Some("You must authenticate via a GitHub App."))
    );
    let repo = hub.state.repo_by_name("sockerless-admin", "c").unwrap();
    let ctx = crate::services::Ctx {
        hub: &hub,
        caller: None,
        now: 1_700_000_000_000,
    };
    let input = |status: &str| crate::services::checks::CheckRunInput {
        name: Some("build".into()),
        head_sha: Some(sha.clone()),
        status: Some(status.into()),
        ..Default::default()
    };
    let first =
        crate::services::checks::create_run(&ctx, &repo, "github-actions", input("in_progress"))
            .unwrap();
    crate::services::checks::update_run(
        &ctx,
        &repo,
        first.id,
        crate::services::checks::CheckRunInput {
            conclusion: Some("failure".into()),
            ..Default::default()
        },
    )
    .unwrap();
    let second =
        crate::services::checks::create_run(&ctx, &repo, "github-actions", input("queued"))
            .unwrap();
    assert_eq!(first.suite_id, second.suite_id);
    let runs = expect(
        &router,
        "checks/list-for-ref",
        "GET",
        &format!("{r}/commits/main/check-runs"),
        None,
        200,
    )
    .await;
    assert_eq!(runs["total_count"], 1, "latest of each name: {runs}");
    let all = expect(
        &router,
        "checks/list-for-ref",
        "GET",
        &format!("{r}/commits/main/check-runs?filter=all&per_page=1&page=2"),
        None,
        200,
    )
    .await;
    assert_eq!(all["total_count"], 2);
    assert_eq!(all["check_runs"][0]["conclusion"], "failure");
    expect(
        &router,
        "checks/get",
        "GET",
        &format!("{r}/check-runs/{}", first.id),
        None,
        200,
    )
    .await;
    let suite = expect(
        &router,
        "checks/get-suite",
        "GET",
        &format!("{r}/check-suites/{}", first.suite_id),
        None,
        200,
    )
    .await;
    assert_eq!(
        (suite["status"].as_str(), suite["head_branch"].as_str()),
        (Some("in_progress"), Some("main"))
    );
    expect(
        &router,
        "checks/list-suites-for-ref",
        "GET",
        &format!("{r}/commits/{sha}/check-suites"),
        None,
        200,
    )
    .await;
    expect(
        &router,
        "checks/list-for-suite",
        "GET",
        &format!("{r}/check-suites/{}/check-runs", first.suite_id),
        None,
        200,
    )
    .await;
    // The rollup gh reads: the run still queued keeps it pending.
    let query = json!({"query": "{ repository(owner: \"sockerless-admin\", name: \"c\") { defaultBranchRef { target { ... on Commit { statusCheckRollup { state contexts(first: 10) { totalCount nodes { __typename ... on StatusContext { context state } ... on CheckRun { name status conclusion } } } } } } } } }"});
    let (status, _, value) = call(&router, "POST", "/graphql", Some(query)).await;
    assert_eq!(status, 200, "{value}");
    let rollup = &value["data"]["repository"]["defaultBranchRef"]["target"]["statusCheckRollup"];
    assert_eq!(rollup["state"], "PENDING", "{value}");
    assert_eq!(rollup["contexts"]["totalCount"], 3, "{value}");
}
