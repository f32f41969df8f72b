use super::slot::{BodyBytes, HeaderLines};
use super::*;
use crate::clock::Clock;
use serde_json::json;

fn check_json(input: &str, expected: &str) {
    assert_eq!(redact::json_text(input), expected, "{input}");
}

#[test]
fn json_secrets_are_redacted_even_when_cut_short() {
    check_json(
        r#"{"SecretId":"db","SecretString":"hunter2","Name":"x"}"#,
        r#"{"SecretId":"db","SecretString":"***redacted***","Name":"x"}"#,
    );
    check_json(
        r#"{"NextToken": "abc", "token" : "glrt-1"}"#,
        r#"{"NextToken": "abc", "token" : "***redacted***"}"#,
    );
    check_json(
        r#"{"a":"quote \" inside","password":"p\"w"}"#,
        r#"{"a":"quote \" inside","password":"***redacted***"}"#,
    );
    // Cut inside the secret's value: the rest is still hidden.
    check_json(
        r#"{"SecretString":"hunter2 and more"#,
        r#"{"SecretString":"***redacted***"#,
    );
}

#[test]
fn xml_secrets_are_redacted() {
    let input = "<Credentials><AccessKeyId>ASIA1</AccessKeyId><SecretAccessKey>s3cr3t</SecretAccessKey><SessionToken>tok</SessionToken><Expiration>2026</Expiration></Credentials>";
    let expected = "<Credentials><AccessKeyId>ASIA1</AccessKeyId><SecretAccessKey>***redacted***</SecretAccessKey><SessionToken>***redacted***</SessionToken><Expiration>2026</Expiration></Credentials>";
    assert_eq!(redact::xml(input), expected);
    assert_eq!(
        redact::xml("<a:Password xmlns:a='x'>pw</a:Password>"),
        "<a:Password xmlns:a='x'>***redacted***</a:Password>"
    );
}

#[test]
fn query_signatures_and_tokens_are_redacted() {
    assert_eq!(
        redact::query(
            "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIA%2F1&X-Amz-Signature=abc&X-Amz-Security-Token=t&x=1"
        ),
        "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIA%2F1&X-Amz-Signature=***redacted***&X-Amz-Security-Token=***redacted***&x=1"
    );
    assert_eq!(
        redact::query("sv=2024&sig=abc%3D&private_token=glpat"),
        "sv=2024&sig=***redacted***&private_token=***redacted***"
    );
}

#[test]
fn credential_headers_are_redacted() {
    let mut headers = http::HeaderMap::new();
    headers.insert(
        "authorization",
        "AWS4-HMAC-SHA256 Credential=AKIA/20260101/us-east-1/ecs/aws4_request, SignedHeaders=host, Signature=deadbeef"
            .parse()
            .unwrap(),
    );
    headers.insert("x-amz-security-token", "tok".parse().unwrap());
    headers.insert("cookie", "sockerless_session=1".parse().unwrap());
    headers.insert("private-token", "glpat-1".parse().unwrap());
    headers.insert("content-type", "application/json".parse().unwrap());
    let shown = redact::headers(HeaderLines::from_map(&headers).iter());
    let text = shown.to_string();
    assert!(!text.contains("deadbeef"), "{text}");
    assert!(text.contains("Credential=AKIA/20260101/us-east-1/ecs/aws4_request"));
    assert!(!text.contains("tok\""), "{text}");
    assert!(!text.contains("glpat"), "{text}");
    assert!(!text.contains("sockerless_session"), "{text}");
    assert!(text.contains("application/json"));
    let mut bearer = http::HeaderMap::new();
    bearer.insert("authorization", "Bearer abc".parse().unwrap());
    assert_eq!(
        redact::headers(HeaderLines::from_map(&bearer).iter()),
        json!([["authorization", "Bearer ***redacted***"]])
    );
}

#[test]
fn status_filters() {
    for (filter, status, expected) in [
        ("404", 404, true),
        ("404", 400, false),
        ("4xx", 404, true),
        ("4xx", 500, false),
        ("error", 500, true),
        ("error", 200, false),
        ("ok", 200, true),
        ("ok", 302, true),
        ("", 200, true),
        ("nonsense", 200, false),
    ] {
        assert_eq!(
            status_matches(filter, status),
            expected,
            "{filter} {status}"
        );
    }
}

fn exchange(inspector: &Inspector, status: u16, operation: &str) {
    let mut request = axum::extract::Request::new(axum::body::Body::empty());
    *request.uri_mut() = "/x".parse().unwrap();
    let now = crate::clock::SystemClock.monotonic();
    let started = inspector
        .begin(&mut request, SystemTime::UNIX_EPOCH, now)
        .expect("recording");
    Annotation::of(request.extensions())
        .expect("annotated")
        .operation("ecs", operation);
    let mut response = axum::response::Response::new(axum::body::Body::empty());
    *response.status_mut() = http::StatusCode::from_u16(status).unwrap();
    inspector.finish(started, "rid", None, &mut response, Duration::ZERO);
}

#[test]
fn the_ring_keeps_the_last_n() {
    let inspector = Inspector::new(3);
    for index in 0..5 {
        exchange(&inspector, 200, &format!("Op{index}"));
    }
    assert_eq!(inspector.len(), 3);
    let listed = inspector.list(&Filter::default());
    let names: Vec<String> = listed.iter().map(|e| e.display_operation()).collect();
    assert_eq!(names, ["ecs:Op4", "ecs:Op3", "ecs:Op2"]);
    assert!(inspector.get(listed[0].id).is_some());
    assert!(inspector.get(1).is_none(), "the oldest are gone");
}

#[test]
fn listings_filter_by_status_and_operation() {
    let inspector = Inspector::new(10);
    exchange(&inspector, 200, "RunTask");
    exchange(&inspector, 400, "RunTask");
    exchange(&inspector, 400, "ListTasks");
    let filter = Filter {
        status: Some("4xx".into()),
        operation: Some("runtask".into()),
        ..Filter::default()
    };
    let found = inspector.list(&filter);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].status, 400);
    assert_eq!(found[0].display_operation(), "ecs:RunTask");
}

#[test]
fn admin_requests_and_a_disabled_inspector_record_nothing() {
    let off = Inspector::new(0);
    let mut request = axum::extract::Request::new(axum::body::Body::empty());
    assert!(
        off.begin(
            &mut request,
            SystemTime::UNIX_EPOCH,
            crate::clock::SystemClock.monotonic()
        )
        .is_none()
    );
    let on = Inspector::new(5);
    *request.uri_mut() = "/_sockerless/requests".parse().unwrap();
    assert!(
        on.begin(
            &mut request,
            SystemTime::UNIX_EPOCH,
            crate::clock::SystemClock.monotonic()
        )
        .is_none()
    );
}

#[test]
fn a_paused_inspector_keeps_what_it_holds_and_records_nothing_new() {
    let inspector = Inspector::new(3);
    exchange(&inspector, 200, "Kept");
    inspector.set_recording(false);
    assert!(!inspector.recording());
    let mut request = axum::extract::Request::new(axum::body::Body::empty());
    *request.uri_mut() = "/x".parse().unwrap();
    let now = crate::clock::SystemClock.monotonic();
    assert!(
        inspector
            .begin(&mut request, SystemTime::UNIX_EPOCH, now)
            .is_none()
    );
    assert!(Annotation::of(request.extensions()).is_none());
    let names: Vec<String> = inspector
        .list(&Filter::default())
        .iter()
        .map(|e| e.display_operation())
        .collect();
    assert_eq!(names, ["ecs:Kept"]);
    inspector.set_recording(true);
    exchange(&inspector, 200, "After");
    assert_eq!(inspector.len(), 2);
    // A disabled inspector stays off whatever it is told.
    let off = Inspector::new(0);
    off.set_recording(true);
    assert!(!off.recording());
}

#[test]
fn bodies_are_kept_up_to_the_cap() {
    let mut captured = BodyBytes::default();
    captured.append(&vec![b'a'; BODY_CAP - 1]);
    captured.append(b"bcd");
    assert_eq!(captured.kept.len(), BODY_CAP);
    assert_eq!(
        captured.kept.capacity(),
        BODY_CAP,
        "never more than the cap"
    );
    assert_eq!(captured.total, BODY_CAP as u64 + 2);
    let shown = redact::body(&captured, &HeaderLines::default());
    assert_eq!(shown["truncated"], true);
}

#[test]
fn a_large_body_gives_its_memory_back_when_its_slot_is_reused() {
    let inspector = Inspector::new(1);
    let mut request = axum::extract::Request::new(axum::body::Body::empty());
    *request.uri_mut() = "/big".parse().unwrap();
    let now = crate::clock::SystemClock.monotonic();
    let started = inspector
        .begin(&mut request, SystemTime::UNIX_EPOCH, now)
        .expect("recording");
    inspector
        .ring
        .write(1, |slot| slot.request_body.append(&vec![b'x'; BODY_CAP]));
    let mut response = axum::response::Response::new(axum::body::Body::empty());
    inspector.finish(started, "rid", None, &mut response, Duration::ZERO);
    assert_eq!(
        inspector.get(1).expect("held").request_body.total,
        BODY_CAP as u64
    );
    exchange(&inspector, 200, "Small");
    let capacity = lock(&inspector.ring.slots[0]).request_body.kept.capacity();
    assert_eq!(capacity, 0, "the large buffer was freed");
}

#[test]
fn a_request_evicted_while_in_flight_writes_nothing_into_its_successor() {
    let inspector = Inspector::new(1);
    let mut request = axum::extract::Request::new(axum::body::Body::empty());
    *request.uri_mut() = "/slow".parse().unwrap();
    let now = crate::clock::SystemClock.monotonic();
    let slow = inspector
        .begin(&mut request, SystemTime::UNIX_EPOCH, now)
        .expect("recording");
    let late = Annotation::of(request.extensions())
        .expect("annotated")
        .clone();
    exchange(&inspector, 201, "Fast");
    late.operation("ecs", "Slow");
    late.error_code("Late");
    let mut response = axum::response::Response::new(axum::body::Body::empty());
    inspector.finish(slow, "rid", None, &mut response, Duration::ZERO);
    let listed = inspector.list(&Filter::default());
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].display_operation(), "ecs:Fast");
    assert_eq!(listed[0].status, 201);
    assert_eq!(listed[0].error_code, None);
}

#[test]
fn header_lines_keep_order_and_repeats() {
    let mut map = http::HeaderMap::new();
    map.append("x-a", "1".parse().unwrap());
    map.append("x-b", "2".parse().unwrap());
    map.append("x-a", "3".parse().unwrap());
    let lines = HeaderLines::from_map(&map);
    let seen: Vec<(String, Vec<u8>)> = lines
        .iter()
        .map(|(name, value)| (name.to_string(), value.to_vec()))
        .collect();
    assert_eq!(seen.len(), 3);
    assert_eq!(lines.get("x-b"), Some(&b"2"[..]));
    assert_eq!(lines.get("x-c"), None);
    let mut huge = http::HeaderMap::new();
    huge.insert("x-big", "v".repeat(slot::HEADER_CAP + 1).parse().unwrap());
    huge.insert("x-small", "s".parse().unwrap());
    let capped = HeaderLines::from_map(&huge);
    assert_eq!(capped.get("x-small"), Some(&b"s"[..]));
    assert!(capped.get("x-big").is_none());
    assert!(capped.dropped > slot::HEADER_CAP);
}

#[test]
fn a_response_note_names_what_the_annotation_did_not() {
    let inspector = Inspector::new(4);
    let mut request = axum::extract::Request::new(axum::body::Body::empty());
    *request.uri_mut() = "/storage/v1/b/missing".parse().unwrap();
    let now = crate::clock::SystemClock.monotonic();
    let started = inspector
        .begin(&mut request, SystemTime::UNIX_EPOCH, now)
        .expect("recording");
    let mut response = axum::response::Response::new(axum::body::Body::empty());
    *response.status_mut() = http::StatusCode::NOT_FOUND;
    ResponseNote {
        service: Some("storage".into()),
        operation: Some("buckets.get".into()),
        error_code: Some("notFound".into()),
    }
    .attach(&mut response);
    inspector.finish(started, "rid", None, &mut response, Duration::ZERO);
    let shown = inspector.list(&Filter::default());
    assert_eq!(shown[0].display_operation(), "storage:buckets.get");
    assert_eq!(shown[0].error_code.as_deref(), Some("notFound"));
}

#[tokio::test]
async fn the_route_that_matched_is_shown_when_no_operation_is_named() {
    use tower::ServiceExt;
    let inspector = Arc::new(Inspector::new(4));
    let recorder = inspector.clone();
    let router = axum::Router::new()
        .route(
            "/repos/{owner}/{repo}",
            axum::routing::get(|| async { "ok" }),
        )
        .layer(axum::middleware::from_fn(
            move |mut request: axum::extract::Request, next: axum::middleware::Next| {
                let inspector = recorder.clone();
                async move {
                    let now = crate::clock::SystemClock.monotonic();
                    let started = inspector.begin(&mut request, SystemTime::UNIX_EPOCH, now);
                    let mut response = next.run(request).await;
                    if let Some(started) = started {
                        inspector.finish(started, "rid", None, &mut response, Duration::ZERO);
                    }
                    response
                }
            },
        ));
    let request = axum::extract::Request::get("/repos/octo/hello?per_page=1")
        .body(axum::body::Body::empty())
        .unwrap();
    let response = router.oneshot(request).await.unwrap();
    assert_eq!(response.status(), 200);
    let shown = inspector.list(&Filter::default());
    assert_eq!(shown.len(), 1);
    assert_eq!(shown[0].route.as_deref(), Some("/repos/{owner}/{repo}"));
    assert_eq!(shown[0].display_operation(), "GET /repos/{owner}/{repo}");
    assert_eq!(shown[0].target, "/repos/octo/hello?per_page=1");
    assert_eq!(shown[0].request_id, "rid");
}
