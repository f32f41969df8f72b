//! CloudWatch Logs through its handlers (normal-form JSON in and out, as the dispatcher calls
//! them), with a frozen clock: paging that must return every item exactly once, tokens that
//! repeat at the end, ordering, rejections, deletion, restarts, and the internal API ECS uses.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use simkit::clock::ManualClock;
use simkit::ids::SequentialIds;
use simkit::{Kit, KitConfig};

use super::*;
use crate::services::Caller;

const NOW: i64 = 1_700_000_000_000;
const ACCOUNT: &str = "123456789012";
const REGION: &str = "us-east-1";

struct Fixture {
    logs: Logs,
    clock: Arc<ManualClock>,
    ctx: Ctx,
}

fn fixture() -> Fixture {
    fixture_in(None)
}

fn fixture_in(state_dir: Option<&std::path::Path>) -> Fixture {
    let clock = Arc::new(ManualClock::at_millis(NOW));
    let mut config = KitConfig::new("logs-test");
    config.clock = clock.clone();
    config.ids = Arc::new(SequentialIds::new(7));
    config.state_dir = state_dir.map(std::path::Path::to_path_buf);
    let kit = Kit::new(config).unwrap();
    Fixture {
        logs: Logs::new(kit).unwrap(),
        clock,
        ctx: Ctx {
            request_id: "test".into(),
            account_id: ACCOUNT.into(),
            region: REGION.into(),
            caller: Caller::root(ACCOUNT, "test"),
        },
    }
}

impl Fixture {
    async fn call(&self, operation: &str, input: Value) -> Result<Value, AwsError> {
        self.logs.call(&self.ctx, operation, input).await
    }

    async fn ok(&self, operation: &str, input: Value) -> Value {
        self.call(operation, input)
            .await
            .unwrap_or_else(|error| panic!("{operation}: {error}"))
    }

    /// The error code and message of a call that must fail.
    async fn fails(&self, operation: &str, input: Value) -> (String, String) {
        match self.call(operation, input).await {
            Ok(output) => panic!("{operation} succeeded: {output}"),
            Err(error) => (error.code, error.message),
        }
    }

    async fn group_with_stream(&self, group: &str, stream: &str) {
        self.ok("CreateLogGroup", json!({"logGroupName": group}))
            .await;
        self.ok(
            "CreateLogStream",
            json!({"logGroupName": group, "logStreamName": stream}),
        )
        .await;
    }

    async fn put(&self, group: &str, stream: &str, events: &[(i64, String)]) -> Value {
        let events: Vec<Value> = events
            .iter()
            .map(|(timestamp, message)| json!({"timestamp": timestamp, "message": message}))
            .collect();
        self.ok(
            "PutLogEvents",
            json!({"logGroupName": group, "logStreamName": stream, "logEvents": events}),
        )
        .await
    }
}

fn messages(output: &Value, list: &str) -> Vec<String> {
    output[list]
        .as_array()
        .unwrap()
        .iter()
        .map(|event| event["message"].as_str().unwrap().to_string())
        .collect()
}

/// 120 events in two batches; every third shares its timestamp with the one before, so the
/// order within a timestamp (ingestion order) matters too.
async fn put_120(fixture: &Fixture) -> Vec<String> {
    fixture.group_with_stream("g", "s").await;
    let events: Vec<(i64, String)> = (0..120)
        .map(|i| {
            (
                NOW - 10_000 + i - i64::from(i % 3 == 2),
                format!("event {i:03}"),
            )
        })
        .collect();
    fixture.put("g", "s", &events[..60]).await;
    fixture.put("g", "s", &events[60..]).await;
    events.into_iter().map(|(_, message)| message).collect()
}

#[tokio::test]
async fn get_log_events_pages_forward_until_the_token_repeats() {
    let fixture = fixture();
    let expected = put_120(&fixture).await;
    let mut seen = Vec::new();
    let mut token: Option<String> = None;
    for _ in 0..10 {
        let mut input =
            json!({"logGroupName": "g", "logStreamName": "s", "limit": 50, "startFromHead": true});
        if let Some(token) = &token {
            input["nextToken"] = json!(token);
        }
        let page = fixture.ok("GetLogEvents", input).await;
        seen.extend(messages(&page, "events"));
        let next = page["nextForwardToken"].as_str().unwrap().to_string();
        assert!(next.starts_with("f/") && next.len() == 58, "{next}");
        if token.as_deref() == Some(next.as_str()) {
            assert!(page["events"].as_array().unwrap().is_empty());
            break;
        }
        token = Some(next);
    }
    assert_eq!(seen, expected);
}

#[tokio::test]
async fn get_log_events_without_a_token_answers_the_newest_and_pages_back() {
    let fixture = fixture();
    let expected = put_120(&fixture).await;
    let first = fixture
        .ok(
            "GetLogEvents",
            json!({"logGroupName": "g", "logStreamName": "s", "limit": 50}),
        )
        .await;
    assert_eq!(messages(&first, "events"), expected[70..]);
    let mut pages = vec![messages(&first, "events")];
    let mut token = first["nextBackwardToken"].as_str().unwrap().to_string();
    loop {
        let page = fixture
            .ok(
                "GetLogEvents",
                json!({"logGroupName": "g", "logStreamName": "s", "limit": 50, "nextToken": token}),
            )
            .await;
        let next = page["nextBackwardToken"].as_str().unwrap().to_string();
        if next == token {
            assert!(page["events"].as_array().unwrap().is_empty());
            break;
        }
        pages.push(messages(&page, "events"));
        token = next;
    }
    pages.reverse();
    assert_eq!(pages.concat(), expected);

    // Forward from the first answer's forward token: nothing yet, then what comes later.
    let forward = first["nextForwardToken"].as_str().unwrap();
    let input = json!({"logGroupName": "g", "logStreamName": "s", "nextToken": forward});
    let empty = fixture.ok("GetLogEvents", input.clone()).await;
    assert_eq!(empty["nextForwardToken"], json!(forward));
    fixture.put("g", "s", &[(NOW, "later".into())]).await;
    assert_eq!(
        messages(&fixture.ok("GetLogEvents", input).await, "events"),
        ["later"]
    );
}

#[tokio::test]
async fn following_an_empty_stream_sees_what_arrives() {
    let fixture = fixture();
    fixture.group_with_stream("g", "s").await;
    let input = json!({"logGroupName": "g", "logStreamName": "s"});
    let empty = fixture.ok("GetLogEvents", input).await;
    assert_eq!(empty["events"], json!([]));
    fixture.put("g", "s", &[(NOW, "one".into())]).await;
    let followed = fixture
        .ok(
            "GetLogEvents",
            json!({"logGroupName": "g", "logStreamName": "s", "nextToken": empty["nextForwardToken"]}),
        )
        .await;
    assert_eq!(messages(&followed, "events"), ["one"]);
}

#[tokio::test]
async fn get_log_events_windows_include_the_start_and_exclude_the_end() {
    let fixture = fixture();
    fixture.group_with_stream("g", "s").await;
    let events: Vec<(i64, String)> = (0..10).map(|i| (NOW + i, format!("{i}"))).collect();
    fixture.put("g", "s", &events).await;
    for (start, end, from_head, expected) in [
        (Some(NOW + 2), Some(NOW + 5), true, vec!["2", "3", "4"]),
        (Some(NOW + 8), None, false, vec!["8", "9"]),
        (None, Some(NOW + 1), true, vec!["0"]),
        (Some(NOW + 5), Some(NOW + 5), true, vec![]),
    ] {
        let mut input =
            json!({"logGroupIdentifier": "g", "logStreamName": "s", "startFromHead": from_head});
        if let Some(start) = start {
            input["startTime"] = json!(start);
        }
        if let Some(end) = end {
            input["endTime"] = json!(end);
        }
        let page = fixture.ok("GetLogEvents", input).await;
        assert_eq!(messages(&page, "events"), expected, "{start:?}..{end:?}");
    }
}

#[tokio::test]
async fn groups_and_streams_are_found_by_identifier_arn() {
    let fixture = fixture();
    fixture.group_with_stream("g", "s").await;
    fixture.put("g", "s", &[(NOW, "x".into())]).await;
    let arn = format!("arn:aws:logs:{REGION}:{ACCOUNT}:log-group:g");
    for identifier in [arn.clone(), format!("{arn}:*"), "g".to_string()] {
        let page = fixture
            .ok(
                "GetLogEvents",
                json!({"logGroupIdentifier": identifier, "logStreamName": "s"}),
            )
            .await;
        assert_eq!(messages(&page, "events"), ["x"]);
    }
    let other_account = "arn:aws:logs:us-east-1:999999999999:log-group:g";
    let (code, _) = fixture
        .fails(
            "GetLogEvents",
            json!({"logGroupIdentifier": other_account, "logStreamName": "s"}),
        )
        .await;
    assert_eq!(code, "ResourceNotFoundException");
    let (code, _) = fixture
        .fails(
            "GetLogEvents",
            json!({"logGroupName": "g", "logGroupIdentifier": "g", "logStreamName": "s"}),
        )
        .await;
    // AWS answers a name and an identifier together with a ValidationException.
    assert_eq!(code, "ValidationException");
}

#[tokio::test]
async fn bad_tokens_are_invalid_parameters_not_crashes() {
    let fixture = fixture();
    fixture.group_with_stream("g", "s").await;
    for (operation, input) in [
        (
            "GetLogEvents",
            json!({"logGroupName": "g", "logStreamName": "s", "nextToken": "x/1"}),
        ),
        (
            "FilterLogEvents",
            json!({"logGroupName": "g", "nextToken": "bm9wZQ"}),
        ),
        ("DescribeLogGroups", json!({"nextToken": "!!"})),
        (
            "DescribeLogStreams",
            json!({"logGroupName": "g", "nextToken": "abc"}),
        ),
    ] {
        let (code, message) = fixture.fails(operation, input).await;
        assert_eq!(
            (code.as_str(), message.as_str()),
            (
                "InvalidParameterException",
                "The specified nextToken is invalid."
            )
        );
    }
    // A well-formed token beyond the prefix's range reads nothing (and must not panic).
    let beyond = token::opaque("groups", "zzz");
    let page = fixture
        .ok(
            "DescribeLogGroups",
            json!({"logGroupNamePrefix": "a", "nextToken": beyond}),
        )
        .await;
    assert_eq!(page["logGroups"], json!([]));
    // A token from before the prefix's range does not skip the range.
    fixture
        .ok("CreateLogGroup", json!({"logGroupName": "b1"}))
        .await;
    let early = token::opaque("groups", "a");
    let page = fixture
        .ok(
            "DescribeLogGroups",
            json!({"logGroupNamePrefix": "b", "nextToken": early}),
        )
        .await;
    assert_eq!(page["logGroups"][0]["logGroupName"], "b1");
    let before = token::opaque("streams", "");
    let page = fixture
        .ok(
            "DescribeLogStreams",
            json!({"logGroupName": "g", "descending": true, "nextToken": before}),
        )
        .await;
    assert_eq!(page["logStreams"], json!([]));
}

#[tokio::test]
async fn filter_log_events_merges_streams_by_time_and_pages_exactly_once() {
    let fixture = fixture();
    fixture
        .ok("CreateLogGroup", json!({"logGroupName": "g"}))
        .await;
    let mut expected = Vec::new();
    for (index, stream) in ["a", "b", "c"].iter().enumerate() {
        fixture
            .ok(
                "CreateLogStream",
                json!({"logGroupName": "g", "logStreamName": stream}),
            )
            .await;
        // Timestamps collide across streams (and within one), to exercise the merge order.
        let events: Vec<(i64, String)> = (0..20)
            .map(|i| {
                (
                    NOW + (i / 2) * 10 + index as i64 % 2,
                    format!("{stream}{i:02}"),
                )
            })
            .collect();
        fixture.put("g", stream, &events).await;
        expected.extend(
            events
                .into_iter()
                .enumerate()
                .map(|(sequence, (timestamp, message))| {
                    ((timestamp, stream.to_string(), sequence), message)
                }),
        );
    }
    expected.sort();
    let expected: Vec<String> = expected.into_iter().map(|(_, message)| message).collect();

    let mut seen = Vec::new();
    let mut ids = std::collections::BTreeSet::new();
    let mut token: Option<String> = None;
    loop {
        let mut input = json!({"logGroupName": "g", "limit": 7});
        if let Some(token) = &token {
            input["nextToken"] = json!(token);
        }
        let page = fixture.ok("FilterLogEvents", input).await;
        for event in page["events"].as_array().unwrap() {
            assert!(ids.insert(event["eventId"].as_str().unwrap().to_string()));
            assert_eq!(event["eventId"].as_str().unwrap().len(), 56);
        }
        seen.extend(messages(&page, "events"));
        match page["nextToken"].as_str() {
            Some(next) => token = Some(next.to_string()),
            None => break,
        }
    }
    assert_eq!(seen, expected);

    // Stream selection and an inclusive time window.
    let page = fixture
        .ok(
            "FilterLogEvents",
            json!({"logGroupName": "g", "logStreamNames": ["b"], "startTime": NOW + 11, "endTime": NOW + 21}),
        )
        .await;
    assert_eq!(messages(&page, "events"), ["b02", "b03", "b04", "b05"]);
    let page = fixture
        .ok(
            "FilterLogEvents",
            json!({"logGroupName": "g", "logStreamNames": ["b", "b", "missing"], "endTime": NOW + 1}),
        )
        .await;
    assert_eq!(messages(&page, "events"), ["b00", "b01"]);
    let page = fixture
        .ok(
            "FilterLogEvents",
            json!({"logGroupName": "g", "logStreamNamePrefix": "c", "limit": 2}),
        )
        .await;
    assert_eq!(messages(&page, "events"), ["c00", "c01"]);
}

#[tokio::test]
async fn filter_patterns_select_events() {
    let fixture = fixture();
    fixture.group_with_stream("g", "s").await;
    let lines = [
        "ERROR disk full on /dev/sda",
        "ERROR timeout talking to db",
        "WARN disk almost full",
        "INFO all good",
        r#"{"level":"error","latency":120,"user":{"id":7}}"#,
        r#"{"level":"info","latency":20,"user":{"id":8}}"#,
    ];
    let events: Vec<(i64, String)> = lines
        .iter()
        .enumerate()
        .map(|(i, line)| (NOW + i as i64, line.to_string()))
        .collect();
    fixture.put("g", "s", &events).await;
    for (pattern, expected) in [
        ("", &lines[..]),
        ("ERROR disk", &lines[..1]),
        ("\"disk almost\"", &lines[2..3]),
        ("ERROR -timeout", &lines[..1]),
        ("?WARN ?INFO", &lines[2..4]),
        ("{ $.level = \"error\" }", &lines[4..5]),
        ("{ $.latency < 100 || $.user.id = 7 }", &lines[4..6]),
    ] {
        let page = fixture
            .ok(
                "FilterLogEvents",
                json!({"logGroupName": "g", "filterPattern": pattern}),
            )
            .await;
        assert_eq!(messages(&page, "events"), expected, "{pattern}");
    }
    let (code, message) = fixture
        .fails(
            "FilterLogEvents",
            json!({"logGroupName": "g", "filterPattern": "{ $.a = "}),
        )
        .await;
    assert_eq!(
        (code.as_str(), message.as_str()),
        ("InvalidParameterException", "Invalid filter pattern")
    );
}

#[tokio::test]
async fn describe_log_groups_pages_exactly_once_in_name_order() {
    let fixture = fixture();
    let names = ["/app/e", "/app/a", "/app/c", "/app/b", "/app/d", "/other"];
    for name in names {
        fixture
            .ok("CreateLogGroup", json!({"logGroupName": name}))
            .await;
    }
    let mut seen = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut input = json!({"logGroupNamePrefix": "/app/", "limit": 2});
        if let Some(token) = &token {
            input["nextToken"] = json!(token);
        }
        let page = fixture.ok("DescribeLogGroups", input).await;
        assert!(page["logGroups"].as_array().unwrap().len() <= 2);
        seen.extend(
            page["logGroups"]
                .as_array()
                .unwrap()
                .iter()
                .map(|group| group["logGroupName"].as_str().unwrap().to_string()),
        );
        match page["nextToken"].as_str() {
            Some(next) => token = Some(next.to_string()),
            None => break,
        }
    }
    assert_eq!(seen, ["/app/a", "/app/b", "/app/c", "/app/d", "/app/e"]);

    // A listing by pattern leaves out storedBytes and deletionProtectionEnabled, as AWS does.
    let page = fixture
        .ok("DescribeLogGroups", json!({"logGroupNamePattern": "pp/c"}))
        .await;
    let group = &page["logGroups"][0];
    assert_eq!(page["logGroups"].as_array().unwrap().len(), 1);
    assert_eq!(
        group,
        &json!({
            "logGroupName": "/app/c",
            "creationTime": NOW,
            "metricFilterCount": 0,
            "arn": format!("arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/app/c:*"),
            "logGroupClass": "STANDARD",
            "logGroupArn": format!("arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/app/c"),
        })
    );
    let (code, _) = fixture
        .fails(
            "DescribeLogGroups",
            json!({"logGroupNamePrefix": "/a", "logGroupNamePattern": "a"}),
        )
        .await;
    assert_eq!(code, "InvalidParameterException");
    let (code, message) = fixture
        .fails("CreateLogGroup", json!({"logGroupName": "/app/a"}))
        .await;
    assert_eq!(
        (code.as_str(), message.as_str()),
        (
            "ResourceAlreadyExistsException",
            "The specified log group already exists"
        )
    );
}

#[tokio::test]
async fn describe_log_streams_orders_by_name_or_last_event_time() {
    let fixture = fixture();
    fixture
        .ok("CreateLogGroup", json!({"logGroupName": "g"}))
        .await;
    for (stream, offset) in [("s1", 30), ("s2", 10), ("s3", 20), ("t1", 0)] {
        fixture
            .ok(
                "CreateLogStream",
                json!({"logGroupName": "g", "logStreamName": stream}),
            )
            .await;
        if offset > 0 {
            fixture
                .put("g", stream, &[(NOW - offset, "m".into())])
                .await;
        }
    }
    let names = |page: &Value| -> Vec<String> {
        page["logStreams"]
            .as_array()
            .unwrap()
            .iter()
            .map(|stream| stream["logStreamName"].as_str().unwrap().to_string())
            .collect()
    };
    let mut all = Vec::new();
    for (order, descending, prefix, expected) in [
        ("LogStreamName", false, None, vec!["s1", "s2", "s3", "t1"]),
        ("LogStreamName", true, None, vec!["t1", "s3", "s2", "s1"]),
        ("LogStreamName", true, Some("s"), vec!["s3", "s2", "s1"]),
        ("LastEventTime", false, None, vec!["t1", "s1", "s3", "s2"]),
        ("LastEventTime", true, None, vec!["s2", "s3", "s1", "t1"]),
    ] {
        // Pages of one, to exercise every token.
        let mut seen = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut input = json!({"logGroupName": "g", "orderBy": order, "descending": descending, "limit": 1});
            if let Some(prefix) = prefix {
                input["logStreamNamePrefix"] = json!(prefix);
            }
            if let Some(token) = &token {
                input["nextToken"] = json!(token);
            }
            let page = fixture.ok("DescribeLogStreams", input).await;
            seen.extend(names(&page));
            all.push(page.clone());
            match page["nextToken"].as_str() {
                Some(next) => token = Some(next.to_string()),
                None => break,
            }
        }
        assert_eq!(
            seen, expected,
            "{order} descending={descending} prefix={prefix:?}"
        );
    }
    let s2 = &all[1]["logStreams"][0];
    assert_eq!(s2["logStreamName"], "s2");
    assert_eq!(s2["firstEventTimestamp"], NOW - 10);
    assert_eq!(s2["lastEventTimestamp"], NOW - 10);
    assert_eq!(s2["lastIngestionTime"], NOW);
    assert_eq!(s2["storedBytes"], 0);
    assert_eq!(
        s2["arn"],
        format!("arn:aws:logs:{REGION}:{ACCOUNT}:log-group:g:log-stream:s2")
    );
    let (code, message) = fixture
        .fails(
            "DescribeLogStreams",
            json!({"logGroupName": "g", "orderBy": "LastEventTime", "logStreamNamePrefix": "s"}),
        )
        .await;
    assert_eq!(
        (code.as_str(), message.as_str()),
        (
            "InvalidParameterException",
            "Cannot order by LastEventTime with a logStreamNamePrefix."
        )
    );
}

#[tokio::test]
async fn put_log_events_rejects_out_of_range_events_and_bad_batches() {
    let fixture = fixture();
    fixture.group_with_stream("g", "s").await;
    let day = 24 * 3600 * 1000;
    let output = fixture
        .put(
            "g",
            "s",
            &[
                (NOW - 15 * day, "old".into()),
                (NOW - 15 * day + 1, "old".into()),
            ],
        )
        .await;
    assert_eq!(
        output["rejectedLogEventsInfo"],
        json!({"tooOldLogEventEndIndex": 1})
    );
    let output = fixture
        .put(
            "g",
            "s",
            &[
                (NOW - 1, "kept".into()),
                (NOW + 3 * 3600 * 1000, "new".into()),
            ],
        )
        .await;
    assert_eq!(
        output["rejectedLogEventsInfo"],
        json!({"tooNewLogEventStartIndex": 1})
    );
    assert!(output["nextSequenceToken"].as_str().unwrap().len() == 56);
    let page = fixture
        .ok(
            "GetLogEvents",
            json!({"logGroupName": "g", "logStreamName": "s"}),
        )
        .await;
    assert_eq!(messages(&page, "events"), ["kept"]);

    fixture
        .ok(
            "PutRetentionPolicy",
            json!({"logGroupName": "g", "retentionInDays": 1}),
        )
        .await;
    let output = fixture
        .put(
            "g",
            "s",
            &[(NOW - day - 1, "expired".into()), (NOW - 1, "fresh".into())],
        )
        .await;
    assert_eq!(
        output["rejectedLogEventsInfo"],
        json!({"expiredLogEventEndIndex": 0})
    );

    let put = |group: &str, stream: &str, timestamps: &[i64]| {
        let events: Vec<Value> = timestamps
            .iter()
            .map(|timestamp| json!({"timestamp": timestamp, "message": "m"}))
            .collect();
        json!({"logGroupName": group, "logStreamName": stream, "logEvents": events, "sequenceToken": "whatever"})
    };
    for (input, code, message) in [
        (
            put("g", "s", &[NOW, NOW - 1]),
            "InvalidParameterException",
            "Log events in a single PutLogEvents request must be in chronological order.",
        ),
        (
            put("g", "s", &[NOW - day - 1, NOW]),
            "InvalidParameterException",
            "Log events in a single PutLogEvents request cannot span more than 24 hours.",
        ),
        (
            put("g", "nope", &[NOW]),
            "ResourceNotFoundException",
            "The specified log stream does not exist.",
        ),
        (
            put("nope", "s", &[NOW]),
            "ResourceNotFoundException",
            "The specified log group does not exist.",
        ),
    ] {
        assert_eq!(
            fixture.fails("PutLogEvents", input).await,
            (code.to_string(), message.to_string())
        );
    }
    // Group bytes count what was stored.
    let group = fixture
        .ok("DescribeLogGroups", json!({"logGroupNamePrefix": "g"}))
        .await;
    assert_eq!(
        group["logGroups"][0]["storedBytes"],
        "kept".len() + "fresh".len()
    );
    assert_eq!(group["logGroups"][0]["retentionInDays"], 1);
}

#[tokio::test]
async fn retention_takes_only_aws_periods() {
    let fixture = fixture();
    fixture
        .ok("CreateLogGroup", json!({"logGroupName": "g"}))
        .await;
    let (code, message) = fixture
        .fails(
            "PutRetentionPolicy",
            json!({"logGroupName": "g", "retentionInDays": 4}),
        )
        .await;
    assert_eq!(code, "InvalidParameterException");
    assert!(
        message.contains("Member must satisfy enum value set: [1, 3, 5, 7, 14,"),
        "{message}"
    );
    fixture
        .ok(
            "PutRetentionPolicy",
            json!({"logGroupName": "g", "retentionInDays": 3653}),
        )
        .await;
    fixture
        .ok("DeleteRetentionPolicy", json!({"logGroupName": "g"}))
        .await;
    let group = fixture.ok("DescribeLogGroups", json!({})).await;
    assert!(group["logGroups"][0].get("retentionInDays").is_none());
    let (code, _) = fixture
        .fails(
            "PutRetentionPolicy",
            json!({"logGroupName": "nope", "retentionInDays": 1}),
        )
        .await;
    assert_eq!(code, "ResourceNotFoundException");
}

#[tokio::test]
async fn deleting_a_group_deletes_its_streams_and_events_only() {
    let fixture = fixture();
    for group in ["a", "ab"] {
        fixture.group_with_stream(group, "s").await;
        fixture
            .put(group, "s", &[(NOW, "x".into()), (NOW, "y".into())])
            .await;
    }
    fixture
        .ok("DeleteLogGroup", json!({"logGroupName": "a"}))
        .await;
    assert_eq!(fixture.logs.streams.len(), 1);
    assert_eq!(fixture.logs.events.len(), 2);
    let (code, message) = fixture
        .fails("DeleteLogGroup", json!({"logGroupName": "a"}))
        .await;
    assert_eq!(
        (code.as_str(), message.as_str()),
        (
            "ResourceNotFoundException",
            "The specified log group does not exist."
        )
    );
    // Re-creating the group starts empty.
    fixture.group_with_stream("a", "s").await;
    let page = fixture
        .ok(
            "GetLogEvents",
            json!({"logGroupName": "a", "logStreamName": "s"}),
        )
        .await;
    assert_eq!(page["events"], json!([]));

    fixture
        .ok(
            "DeleteLogStream",
            json!({"logGroupName": "ab", "logStreamName": "s"}),
        )
        .await;
    assert_eq!(fixture.logs.events.len(), 0);
    let group = fixture
        .ok("DescribeLogGroups", json!({"logGroupNamePrefix": "ab"}))
        .await;
    assert_eq!(group["logGroups"][0]["storedBytes"], 0);
    let (code, _) = fixture
        .fails(
            "DeleteLogStream",
            json!({"logGroupName": "ab", "logStreamName": "s"}),
        )
        .await;
    assert_eq!(code, "ResourceNotFoundException");
}

#[tokio::test]
async fn deletion_protection_blocks_deletes_until_lifted() {
    let fixture = fixture();
    fixture
        .ok(
            "CreateLogGroup",
            json!({"logGroupName": "g", "deletionProtectionEnabled": true}),
        )
        .await;
    fixture
        .ok(
            "CreateLogStream",
            json!({"logGroupName": "g", "logStreamName": "s"}),
        )
        .await;
    for (operation, input) in [
        ("DeleteLogGroup", json!({"logGroupName": "g"})),
        (
            "DeleteLogStream",
            json!({"logGroupName": "g", "logStreamName": "s"}),
        ),
    ] {
        let (code, _) = fixture.fails(operation, input).await;
        assert_eq!(code, "ValidationException");
    }
    fixture
        .ok(
            "PutLogGroupDeletionProtection",
            json!({"logGroupIdentifier": "g", "deletionProtectionEnabled": false}),
        )
        .await;
    fixture
        .ok("DeleteLogGroup", json!({"logGroupName": "g"}))
        .await;
}

#[tokio::test]
async fn tags_by_arn_and_by_name() {
    let fixture = fixture();
    fixture
        .ok(
            "CreateLogGroup",
            json!({"logGroupName": "g", "tags": {"team": "a"}}),
        )
        .await;
    let arn = format!("arn:aws:logs:{REGION}:{ACCOUNT}:log-group:g");
    fixture
        .ok(
            "TagResource",
            json!({"resourceArn": format!("{arn}:*"), "tags": {"env": "dev"}}),
        )
        .await;
    fixture
        .ok(
            "TagLogGroup",
            json!({"logGroupName": "g", "tags": {"cost": "1"}}),
        )
        .await;
    let tags = fixture
        .ok("ListTagsForResource", json!({"resourceArn": arn}))
        .await;
    assert_eq!(
        tags,
        json!({"tags": {"cost": "1", "env": "dev", "team": "a"}})
    );
    fixture
        .ok(
            "UntagResource",
            json!({"resourceArn": arn, "tagKeys": ["team"]}),
        )
        .await;
    fixture
        .ok(
            "UntagLogGroup",
            json!({"logGroupName": "g", "tags": ["cost"]}),
        )
        .await;
    let tags = fixture
        .ok("ListTagsLogGroup", json!({"logGroupName": "g"}))
        .await;
    assert_eq!(tags, json!({"tags": {"env": "dev"}}));

    let many: serde_json::Map<String, Value> =
        (0..50).map(|i| (format!("k{i}"), json!("v"))).collect();
    let error = fixture
        .call("TagResource", json!({"resourceArn": arn, "tags": many}))
        .await
        .unwrap_err();
    assert_eq!(error.code, "TooManyTagsException");
    assert!(
        error
            .fields
            .contains(&("resourceName".to_string(), json!(arn)))
    );
    for (resource_arn, code) in [
        (
            format!("arn:aws:logs:{REGION}:{ACCOUNT}:log-group:nope"),
            "ResourceNotFoundException",
        ),
        ("not-an-arn".to_string(), "InvalidParameterException"),
    ] {
        let (found, _) = fixture
            .fails("ListTagsForResource", json!({"resourceArn": resource_arn}))
            .await;
        assert_eq!(found, code);
    }
}

#[tokio::test]
async fn tokens_and_events_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let token = {
        let fixture = fixture_in(Some(dir.path()));
        let expected = put_120(&fixture).await;
        let page = fixture
            .ok("GetLogEvents", json!({"logGroupName": "g", "logStreamName": "s", "startFromHead": true, "limit": 100}))
            .await;
        assert_eq!(messages(&page, "events"), expected[..100]);
        page["nextForwardToken"].as_str().unwrap().to_string()
    };
    let fixture = fixture_in(Some(dir.path()));
    let page = fixture
        .ok(
            "GetLogEvents",
            json!({"logGroupName": "g", "logStreamName": "s", "nextToken": token}),
        )
        .await;
    assert_eq!(messages(&page, "events").len(), 20);
    assert_eq!(messages(&page, "events")[19], "event 119");
}

#[tokio::test]
async fn the_internal_api_creates_on_demand_and_appends_in_time_order() {
    let fixture = fixture();
    let logs = &fixture.logs;
    assert!(!logs.group_exists(ACCOUNT, REGION, "/ecs/app"));
    let error = logs
        .ensure_stream(ACCOUNT, REGION, "/ecs/app", "task/1")
        .unwrap_err();
    assert_eq!(error.to_string(), "The specified log group does not exist.");
    logs.ensure_group(ACCOUNT, REGION, "/ecs/app").unwrap();
    logs.ensure_group(ACCOUNT, REGION, "/ecs/app").unwrap();
    assert!(logs.group_exists(ACCOUNT, REGION, "/ecs/app"));
    assert!(!logs.group_exists(ACCOUNT, "eu-west-1", "/ecs/app"));
    logs.ensure_stream(ACCOUNT, REGION, "/ecs/app", "task/1")
        .unwrap();
    logs.ensure_stream(ACCOUNT, REGION, "/ecs/app", "task/1")
        .unwrap();
    assert!(logs.ensure_group(ACCOUNT, REGION, "bad name").is_err());

    fixture.clock.advance(Duration::from_secs(1));
    logs.append(
        ACCOUNT,
        REGION,
        "/ecs/app",
        "task/1",
        vec![(NOW + 2, "second".into()), (NOW + 1, "first".into())],
    )
    .unwrap();
    logs.append(
        ACCOUNT,
        REGION,
        "/ecs/app",
        "task/1",
        vec![(NOW + 2, "third".into())],
    )
    .unwrap();
    logs.append(ACCOUNT, REGION, "/ecs/app", "task/1", Vec::new())
        .unwrap();
    let error = logs
        .append(
            ACCOUNT,
            REGION,
            "/ecs/app",
            "task/2",
            vec![(NOW, "x".into())],
        )
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "The specified log stream does not exist."
    );

    let page = fixture
        .ok(
            "GetLogEvents",
            json!({"logGroupName": "/ecs/app", "logStreamName": "task/1"}),
        )
        .await;
    assert_eq!(messages(&page, "events"), ["first", "second", "third"]);
    assert_eq!(page["events"][0]["ingestionTime"], NOW + 1000);
}

#[tokio::test]
async fn insights_queries_run_over_stored_events() {
    let fixture = fixture();
    fixture.group_with_stream("g", "s").await;
    let minute = 60_000;
    let base = NOW - 10 * minute - NOW % minute;
    let events: Vec<(i64, String)> = [(0, "a"), (1_000, "b"), (minute, "c"), (3 * minute, "d")]
        .iter()
        .map(|(offset, level)| {
            (
                base + offset,
                format!(r#"{{"level":"{level}","ms":{}}}"#, offset / 1000),
            )
        })
        .collect();
    fixture.put("g", "s", &events).await;
    let started = fixture
        .ok(
            "StartQuery",
            json!({"logGroupName": "g", "startTime": base / 1000, "endTime": NOW / 1000,
                   "queryString": "stats count(*) as n by bin(1m) as t | sort t asc"}),
        )
        .await;
    let id = started["queryId"].as_str().unwrap();
    let results = fixture.ok("GetQueryResults", json!({"queryId": id})).await;
    assert_eq!(results["status"], "Complete");
    let counts: Vec<&str> = results["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row[1]["value"].as_str().unwrap())
        .collect();
    assert_eq!(counts, ["2", "1", "1"]);
    assert_eq!(results["statistics"]["recordsScanned"], 4.0);
    assert_eq!(results["statistics"]["recordsMatched"], 4.0);

    // A row's pointer reads its event back.
    let started = fixture
        .ok(
            "StartQuery",
            json!({"logGroupName": "g", "startTime": base / 1000, "endTime": NOW / 1000,
                   "queryString": "filter level = 'c' | fields level"}),
        )
        .await;
    let results = fixture
        .ok("GetQueryResults", json!({"queryId": started["queryId"]}))
        .await;
    let row = results["results"][0].as_array().unwrap();
    assert_eq!(row[0], json!({"field": "level", "value": "c"}));
    let pointer = row[1]["value"].as_str().unwrap();
    let record = fixture
        .ok("GetLogRecord", json!({"logRecordPointer": pointer}))
        .await;
    assert_eq!(record["logRecord"]["level"], "c");
    assert_eq!(record["logRecord"]["@logStream"], "s");
    assert_eq!(record["logRecord"]["@log"], format!("{ACCOUNT}:g"));

    let (code, message) = fixture
        .fails(
            "StartQuery",
            json!({"logGroupName": "g", "startTime": 0, "endTime": 1,
                   "queryString": "fields @message | dedup @logStream"}),
        )
        .await;
    assert_eq!(code, "MalformedQueryException");
    assert!(message.contains("dedup"), "{message}");
    let (code, message) = fixture
        .fails(
            "StartQuery",
            json!({"logGroupName": "nope", "startTime": 0, "endTime": 1, "queryString": "fields a"}),
        )
        .await;
    assert_eq!(code, "ResourceNotFoundException");
    assert!(
        message.starts_with("Log group 'nope' does not exist for account ID"),
        "{message}"
    );

    let described = fixture
        .ok("DescribeQueries", json!({"logGroupName": "g"}))
        .await;
    assert_eq!(described["queries"].as_array().unwrap().len(), 2);
    let (code, _) = fixture.fails("StopQuery", json!({"queryId": id})).await;
    assert_eq!(code, "InvalidParameterException");
}

#[tokio::test]
async fn metric_filters_count_on_their_group_and_go_with_it() {
    let fixture = fixture();
    fixture.group_with_stream("g", "s").await;
    for name in ["b", "a"] {
        fixture
            .ok(
                "PutMetricFilter",
                json!({"logGroupName": "g", "filterName": name, "filterPattern": "[ip, status]",
                       "metricTransformations": [{"metricName": "m", "metricNamespace": "n",
                                                  "metricValue": "$status"}]}),
            )
            .await;
    }
    let groups = fixture.ok("DescribeLogGroups", json!({})).await;
    assert_eq!(groups["logGroups"][0]["metricFilterCount"], 2);
    let page = fixture
        .ok(
            "DescribeMetricFilters",
            json!({"logGroupName": "g", "limit": 1}),
        )
        .await;
    assert_eq!(page["metricFilters"][0]["filterName"], "a");
    let next = fixture
        .ok(
            "DescribeMetricFilters",
            json!({"logGroupName": "g", "limit": 1, "nextToken": page["nextToken"]}),
        )
        .await;
    assert_eq!(next["metricFilters"][0]["filterName"], "b");
    assert!(next.get("nextToken").is_none());
    let (code, message) = fixture
        .fails(
            "PutMetricFilter",
            json!({"logGroupName": "g", "filterName": "bad", "filterPattern": "{ $.a = ",
                   "metricTransformations": [{"metricName": "m", "metricNamespace": "n",
                                              "metricValue": "1"}]}),
        )
        .await;
    assert_eq!(
        (code.as_str(), message.as_str()),
        ("InvalidParameterException", "Invalid metric filter pattern")
    );
    fixture
        .ok("DeleteLogGroup", json!({"logGroupName": "g"}))
        .await;
    fixture.group_with_stream("g", "s").await;
    let page = fixture
        .ok("DescribeMetricFilters", json!({"logGroupName": "g"}))
        .await;
    assert_eq!(page["metricFilters"], json!([]));
}

#[tokio::test]
async fn subscriptions_to_services_that_do_not_exist_fail_as_aws_fails_them() {
    let fixture = fixture();
    fixture.group_with_stream("g", "s").await;
    let put = |destination: &str, role: Option<&str>| {
        let mut input = json!({"logGroupName": "g", "filterName": "f", "filterPattern": "",
                               "destinationArn": destination});
        if let Some(role) = role {
            input["roleArn"] = json!(role);
        }
        input
    };
    let stream = format!("arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/s");
    let role = format!("arn:aws:iam::{ACCOUNT}:role/r");
    for (input, code, start) in [
        (
            put(&stream, None),
            "InvalidParameterException",
            "destinationArn for vendor kinesis cannot be used without roleArn",
        ),
        (
            put(&stream, Some(&role)),
            "InvalidParameterException",
            "Could not deliver test message to specified Kinesis stream",
        ),
        (
            put("arn:aws:lambda:us-east-1:999999999999:function:f", None),
            "AccessDeniedException",
            "Cross-account lambda invocation passing is not allowed.",
        ),
        (
            put(
                &format!("arn:aws:logs:{REGION}:{ACCOUNT}:destination:none"),
                None,
            ),
            "InvalidParameterException",
            "Could not deliver test message to specified destination.",
        ),
    ] {
        let (got, message) = fixture.fails("PutSubscriptionFilter", input).await;
        assert_eq!(got, code, "{message}");
        assert!(message.starts_with(start), "{message}");
    }

    // A Logs destination that exists (seeded: its Kinesis target cannot exist here) takes
    // filters, two per group.
    let scope = Scope::new(ACCOUNT, REGION);
    fixture
        .logs
        .destinations
        .insert(
            &scope.group_key("d"),
            subscriptions::DestinationRecord {
                destination: sim_aws_shapes::logs::Destination {
                    destination_name: Some("d".into()),
                    ..Default::default()
                },
                tags: Default::default(),
            },
        )
        .unwrap();
    let destination = format!("arn:aws:logs:{REGION}:{ACCOUNT}:destination:d");
    for name in ["f1", "f2"] {
        let mut input = put(&destination, None);
        input["filterName"] = json!(name);
        fixture.ok("PutSubscriptionFilter", input).await;
    }
    let mut third = put(&destination, None);
    third["filterName"] = json!("f3");
    let (code, message) = fixture.fails("PutSubscriptionFilter", third).await;
    assert_eq!(
        (code.as_str(), message.as_str()),
        ("LimitExceededException", "Resource limit exceeded.")
    );
    let described = fixture
        .ok("DescribeSubscriptionFilters", json!({"logGroupName": "g"}))
        .await;
    assert_eq!(
        described["subscriptionFilters"][0]["distribution"],
        "ByLogStream"
    );
    assert_eq!(
        described["subscriptionFilters"].as_array().unwrap().len(),
        2
    );
}
