//! Hooks through the router against a receiver on 127.0.0.1: what GitHub's hook operations
//! answer (held to the description's schemas), and the deliveries the events cause (their
//! headers, signatures and payloads, held to the description's webhook schemas).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::http::HeaderMap;
use axum::routing::post;
use serde_json::{Value, json};

use crate::spec;
use crate::tests::{call, conforms, hub};

type Seen = Arc<Mutex<Vec<(HeaderMap, String)>>>;

async fn receiver() -> (String, Seen) {
    let seen: Seen = Arc::default();
    let app = Router::new().route(
        "/hook",
        post({
            let seen = seen.clone();
            move |headers: HeaderMap, body: String| {
                let seen = seen.clone();
                async move {
                    seen.lock().unwrap().push((headers, body));
                    "ok"
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, seen)
}

/// Waits until the receiver has seen `count` deliveries; answers them.
async fn received(seen: &Seen, count: usize) -> Vec<(HeaderMap, String)> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let now = seen.lock().unwrap().clone();
        if now.len() >= count {
            return now;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{} deliveries, wanted {count}: {:?}",
            now.len(),
            now.iter()
                .map(|(h, _)| h["x-github-event"].clone())
                .collect::<Vec<_>>()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Checks one delivery's headers and signature, and its payload against the webhook schema
/// of its event and action; answers the payload.
fn check_delivery(headers: &HeaderMap, body: &str, secret: &str) -> Value {
    let event = headers["x-github-event"].to_str().unwrap();
    assert!(
        headers["user-agent"]
            .to_str()
            .unwrap()
            .starts_with("GitHub-Hookshot/")
    );
    assert_eq!(headers["content-type"], "application/json");
    assert_eq!(
        headers["x-github-hook-installation-target-type"],
        "repository"
    );
    assert_eq!(headers["x-github-delivery"].len(), 36);
    let expected = format!(
        "sha256={}",
        simkit::webhook::sign::hmac_sha256_hex(secret.as_bytes(), body.as_bytes())
    );
    assert_eq!(headers["x-hub-signature-256"], expected.as_str());
    let payload: Value = serde_json::from_str(body).unwrap();
    let name = match payload["action"].as_str() {
        Some(action) => format!("{}-{action}", event.replace('_', "-")),
        None => event.to_string(),
    };
    let schema = spec::webhook_schema(&name).unwrap_or_else(|| panic!("no schema for {name}"));
    let problems = spec::check(schema, &payload);
    assert!(problems.is_empty(), "{name}: {problems:#?}");
    payload
}

#[tokio::test]
async fn events_reach_a_hook_signed_and_in_githubs_shapes() {
    let (hub, router) = hub();
    // The server installs the push hook at start; the router alone does not.
    super::install(&hub);
    let (url, seen) = receiver().await;
    let base = "/repos/sockerless-admin/r";
    let (status, _, _) = call(
        &router,
        "POST",
        "/user/repos",
        Some(json!({"name": "r", "auto_init": true})),
    )
    .await;
    assert_eq!(status, 201);

    let secret = "It's a Secret to Everybody";
    let (status, _, hook) = call(
        &router,
        "POST",
        &format!("{base}/hooks"),
        Some(json!({"config": {"url": url, "content_type": "json", "secret": secret}, "events": ["*"]})),
    )
    .await;
    assert_eq!(status, 201, "{hook}");
    conforms("repos/create-webhook", 201, &hook);
    assert_eq!(hook["config"]["secret"], "********");
    assert_eq!(hook["last_response"]["status"], "unused");
    let hook_id = hook["id"].as_u64().unwrap();

    let ping = received(&seen, 1).await;
    let payload = check_delivery(&ping[0].0, &ping[0].1, secret);
    assert_eq!(ping[0].0["x-github-event"], "ping");
    assert_eq!(payload["hook_id"], hook_id);
    assert_eq!(payload["hook"]["config"]["secret"], "********");

    // An issue opened, labeled and closed; a comment on it.
    let (status, _, _) = call(
        &router,
        "POST",
        &format!("{base}/issues"),
        Some(json!({"title": "broken"})),
    )
    .await;
    assert_eq!(status, 201);
    call(
        &router,
        "PATCH",
        &format!("{base}/issues/1"),
        Some(json!({"state": "closed", "labels": ["bug"]})),
    )
    .await;
    call(
        &router,
        "POST",
        &format!("{base}/issues/1/comments"),
        Some(json!({"body": "done"})),
    )
    .await;
    // A push through the API, a new branch, a pull request, a review and its merge.
    let (_, _, main) = call(&router, "GET", &format!("{base}/git/ref/heads/main"), None).await;
    let (status, _, _) = call(
        &router,
        "POST",
        &format!("{base}/git/refs"),
        Some(json!({"ref": "refs/heads/topic", "sha": main["object"]["sha"]})),
    )
    .await;
    assert_eq!(status, 201);
    let (status, _, _) = call(
        &router,
        "PUT",
        &format!("{base}/contents/notes.txt"),
        Some(json!({"message": "add notes", "content": "aGVsbG8K", "branch": "topic"})),
    )
    .await;
    assert_eq!(status, 201);
    let (status, _, _) = call(
        &router,
        "POST",
        &format!("{base}/pulls"),
        Some(json!({"title": "notes", "head": "topic", "base": "main"})),
    )
    .await;
    assert_eq!(status, 201);
    let (status, _, review) = call(
        &router,
        "POST",
        &format!("{base}/pulls/2/reviews"),
        Some(json!({"event": "COMMENT", "body": "fine"})),
    )
    .await;
    assert_eq!(status, 200, "{review}");
    let (status, _, merged) = call(&router, "PUT", &format!("{base}/pulls/2/merge"), None).await;
    assert_eq!(status, 200, "{merged}");

    // ping, issues opened/labeled/closed, issue_comment, create + push (new branch), push
    // (contents), pull_request opened, review submitted, push (merge), pull_request closed.
    let all = received(&seen, 12).await;
    let mut names = Vec::new();
    for (headers, body) in &all {
        let payload = check_delivery(headers, body, secret);
        let event = headers["x-github-event"].to_str().unwrap().to_string();
        names.push(match payload["action"].as_str() {
            Some(action) => format!("{event}.{action}"),
            None => event,
        });
        if headers["x-github-event"] == "push"
            && payload["ref"] == "refs/heads/topic"
            && !payload["created"].as_bool().unwrap()
        {
            assert_eq!(payload["commits"][0]["added"], json!(["notes.txt"]));
            assert_eq!(payload["commits"][0]["message"], "add notes");
        }
        if payload["action"] == "closed" && headers["x-github-event"] == "pull_request" {
            assert_eq!(payload["pull_request"]["merged"], true);
        }
    }
    names.sort();
    let mut expected = vec![
        "ping",
        "issues.opened",
        "issues.labeled",
        "issues.closed",
        "issue_comment.created",
        "create",
        "push",
        "push",
        "pull_request.opened",
        "pull_request_review.submitted",
        "push",
        "pull_request.closed",
    ];
    expected.sort();
    assert_eq!(names, expected);

    // The deliveries log, paged by cursor, and one delivery in full.
    let (status, headers, page) = call(
        &router,
        "GET",
        &format!("{base}/hooks/{hook_id}/deliveries?per_page=5"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    conforms("repos/list-webhook-deliveries", 200, &page);
    assert_eq!(page.as_array().unwrap().len(), 5);
    let link = headers["link"].to_str().unwrap().to_string();
    assert!(
        link.contains("rel=\"next\"") && link.contains("cursor=v1_"),
        "{link}"
    );
    let mut ids: Vec<u64> = Vec::new();
    let mut next = Some(format!("{base}/hooks/{hook_id}/deliveries?per_page=5"));
    while let Some(path) = next.take() {
        let (_, headers, page) = call(&router, "GET", &path, None).await;
        ids.extend(
            page.as_array()
                .unwrap()
                .iter()
                .map(|d| d["id"].as_u64().unwrap()),
        );
        next = headers.get("link").and_then(|l| {
            let l = l.to_str().unwrap();
            let start = l.find('<')? + 1;
            let end = l.find(">; rel=\"next\"")?;
            let url = &l[start..end];
            Some(url[url.find("/repos/")?..].to_string())
        });
    }
    let mut unique = ids.clone();
    unique.dedup();
    assert_eq!(ids.len(), 12, "{ids:?}");
    assert_eq!(unique.len(), 12);
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "newest first: {ids:?}");

    let first = ids.last().unwrap();
    let (status, _, delivery) = call(
        &router,
        "GET",
        &format!("{base}/hooks/{hook_id}/deliveries/{first}"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    conforms("repos/get-webhook-delivery", 200, &delivery);
    assert_eq!(delivery["event"], "ping");
    assert_eq!(delivery["status"], "OK");
    assert_eq!(delivery["status_code"], 200);
    assert_eq!(delivery["response"]["payload"], "ok");
    assert_eq!(delivery["request"]["payload"]["hook_id"], hook_id);

    let (status, _, _) = call(
        &router,
        "POST",
        &format!("{base}/hooks/{hook_id}/deliveries/{first}/attempts"),
        None,
    )
    .await;
    assert_eq!(status, 202);
    let again = received(&seen, 13).await;
    assert_eq!(again[12].1, again[0].1, "a redelivery sends the same body");
    assert_eq!(
        again[12].0["x-github-delivery"], again[0].0["x-github-delivery"],
        "with the same GUID"
    );

    let (status, _, hook) = call(&router, "GET", &format!("{base}/hooks/{hook_id}"), None).await;
    assert_eq!(status, 200);
    conforms("repos/get-webhook", 200, &hook);
    assert_eq!(hook["last_response"]["message"], "OK");
    let (status, _, _) = call(&router, "DELETE", &format!("{base}/hooks/{hook_id}"), None).await;
    assert_eq!(status, 204);
    let (status, _, _) = call(&router, "GET", &format!("{base}/hooks/{hook_id}"), None).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn bad_hooks_get_githubs_errors() {
    let (_hub, router) = hub();
    call(&router, "POST", "/user/repos", Some(json!({"name": "r"}))).await;
    let base = "/repos/sockerless-admin/r/hooks";
    let cases = [
        (json!({"config": {}}), "Config must contain URL"),
        (
            json!({"config": {"url": "ftp://x"}}),
            "Config url is not a valid URL",
        ),
        (
            json!({"config": {"url": "http://127.0.0.1:9/h", "content_type": "xml"}}),
            "Config content_type must be json or form",
        ),
        (
            json!({"name": "travis", "config": {"url": "http://127.0.0.1:9/h"}}),
            "Name travis is not a valid hook name",
        ),
    ];
    for (body, message) in cases {
        let (status, _, answer) = call(&router, "POST", base, Some(body)).await;
        assert_eq!(status, 422, "{answer}");
        assert_eq!(answer["errors"][0]["message"], message);
    }
    let hook = json!({"config": {"url": "http://127.0.0.1:9/h"}});
    let (status, _, _) = call(&router, "POST", base, Some(hook.clone())).await;
    assert_eq!(status, 201);
    let (status, _, answer) = call(&router, "POST", base, Some(hook)).await;
    assert_eq!(status, 422);
    assert_eq!(
        answer["errors"][0]["message"],
        "Hook already exists on this repository"
    );
    let (status, _, _) = call(&router, "GET", &format!("{base}/99"), None).await;
    assert_eq!(status, 404);
}

/// Uploads through the router: the body is the file, the query names it.
async fn upload(router: &Router, path: &str, bytes: &[u8]) -> (u16, Value) {
    use tower::ServiceExt;
    let request = http::Request::builder()
        .method("POST")
        .uri(path)
        .header("host", "127.0.0.1:5555")
        .header("authorization", format!("token {}", crate::tests::ADMIN))
        .header("content-type", "application/octet-stream")
        .body(axum::body::Body::from(bytes.to_vec()))
        .unwrap();
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status().as_u16();
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

#[tokio::test]
async fn releases_follow_githubs_schemas_and_send_release_events() {
    let (_hub, router) = hub();
    let (url, seen) = receiver().await;
    let base = "/repos/sockerless-admin/r";
    call(
        &router,
        "POST",
        "/user/repos",
        Some(json!({"name": "r", "auto_init": true})),
    )
    .await;
    let secret = "s";
    call(
        &router,
        "POST",
        &format!("{base}/hooks"),
        Some(json!({"config": {"url": url, "content_type": "json", "secret": secret}, "events": ["release"]})),
    )
    .await;
    received(&seen, 1).await;

    let (status, _, draft) = call(
        &router,
        "POST",
        &format!("{base}/releases"),
        Some(json!({"tag_name": "v1", "name": "One", "draft": true})),
    )
    .await;
    assert_eq!(status, 201, "{draft}");
    conforms("repos/create-release", 201, &draft);
    assert_eq!(
        draft["upload_url"],
        format!("http://127.0.0.1:5555{base}/releases/1/assets{{?name,label}}")
    );
    // A draft makes no tag.
    let (status, _, _) = call(&router, "GET", &format!("{base}/git/ref/tags/v1"), None).await;
    assert_eq!(status, 404);
    let (status, asset) = upload(
        &router,
        &format!("{base}/releases/1/assets?name=tool%20v1.bin"),
        b"\x00\x01binary\xff",
    )
    .await;
    assert_eq!(status, 201, "{asset}");
    conforms("repos/upload-release-asset", 201, &asset);
    assert_eq!(asset["name"], "tool.v1.bin");
    assert_eq!(asset["size"], 9);
    let (status, again) = upload(
        &router,
        &format!("{base}/releases/1/assets?name=tool%20v1.bin"),
        b"x",
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(again["errors"][0]["code"], "already_exists");

    let (status, _, published) = call(
        &router,
        "PATCH",
        &format!("{base}/releases/1"),
        Some(json!({"draft": false})),
    )
    .await;
    assert_eq!(status, 200);
    conforms("repos/update-release", 200, &published);
    let (status, _, tag) = call(&router, "GET", &format!("{base}/git/ref/tags/v1"), None).await;
    assert_eq!(status, 200, "publishing made the tag");
    let (_, _, main) = call(&router, "GET", &format!("{base}/git/ref/heads/main"), None).await;
    assert_eq!(tag["object"]["sha"], main["object"]["sha"]);
    let (status, _, latest) = call(&router, "GET", &format!("{base}/releases/latest"), None).await;
    assert_eq!(status, 200);
    conforms("repos/get-latest-release", 200, &latest);
    assert_eq!(latest["assets"][0]["name"], "tool.v1.bin");

    let (status, _, duplicate) = call(
        &router,
        "POST",
        &format!("{base}/releases"),
        Some(json!({"tag_name": "v1"})),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(
        duplicate["errors"],
        json!([{"resource": "Release", "code": "already_exists", "field": "tag_name"}])
    );
    let (status, _, bad) = call(
        &router,
        "POST",
        &format!("{base}/releases"),
        Some(json!({"tag_name": "v2", "target_commitish": "nowhere"})),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(bad["errors"][0]["field"], "target_commitish");

    let events = received(&seen, 3).await;
    let actions: Vec<String> = events[1..]
        .iter()
        .map(|(headers, body)| {
            let payload: Value = serde_json::from_str(body).unwrap();
            let schema =
                spec::webhook_schema(&format!("release-{}", payload["action"].as_str().unwrap()))
                    .unwrap();
            let problems = spec::check(schema, &payload);
            assert!(problems.is_empty(), "{problems:#?}");
            assert_eq!(headers["x-github-event"], "release");
            payload["action"].as_str().unwrap().to_string()
        })
        .collect();
    assert_eq!(actions, ["created", "published"]);
    let _ = secret;
}
