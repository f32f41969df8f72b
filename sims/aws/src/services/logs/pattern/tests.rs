//! Filter patterns: what each form matches, and what does not parse.

use super::*;

/// Asserts that `pattern` parses and matches exactly the messages marked `true`.
fn check(pattern: &str, cases: &[(&str, bool)]) {
    let parsed = parse_filter_pattern(pattern)
        .unwrap_or_else(|error| panic!("{pattern:?} does not parse: {error}"));
    for (message, expected) in cases {
        assert_eq!(
            parsed.matches(message),
            *expected,
            "pattern {pattern:?} on message {message:?}"
        );
    }
}

#[test]
fn empty_patterns_match_everything() {
    for pattern in ["", "   ", "\t\n"] {
        check(pattern, &[("anything", true), ("", true)]);
    }
}

#[test]
fn terms() {
    let table: &[(&str, &[(&str, bool)])] = &[
        (
            "ERROR",
            &[
                ("an ERROR here", true),
                ("ERRORS", true),
                ("error", false),
                ("", false),
            ],
        ),
        (
            "ERROR disk",
            &[
                ("ERROR: disk full", true),
                ("disk ERROR", true),
                ("ERROR net", false),
            ],
        ),
        (
            "\"disk full\"",
            &[
                ("ERROR disk full", true),
                ("disk  full", false),
                ("full disk", false),
            ],
        ),
        (
            "\"say \\\"hi\\\"\"",
            &[("they say \"hi\"", true), ("say hi", false)],
        ),
        (
            "?ERROR ?WARN",
            &[("ERROR x", true), ("WARN y", true), ("INFO z", false)],
        ),
        (
            "ERROR -timeout",
            &[
                ("ERROR disk", true),
                ("ERROR timeout", false),
                ("INFO", false),
            ],
        ),
        ("-DEBUG", &[("INFO x", true), ("DEBUG x", false)]),
        (
            "ERROR ?disk ?net -retry",
            &[
                ("ERROR disk", true),
                ("ERROR net", true),
                ("ERROR cpu", false),
                ("ERROR net retry", false),
            ],
        ),
        (
            "%[0-9]{3} ms%",
            &[("took 250 ms", true), ("took 25 ms", false)],
        ),
        ("user=42", &[("login user=42 ok", true), ("user=4", false)]),
        ("é", &[("café", true), ("cafe", false)]),
    ];
    for (pattern, cases) in table {
        check(pattern, cases);
    }
}

#[test]
fn json() {
    let event = r#"{"level":"error","latency":75,"user":{"id":1,"email":"a@example.com"},
        "tags":["blue","green"],"ok":true,"gone":null,"code":"200","path":"/api/v1/items"}"#;
    let table: &[(&str, bool)] = &[
        (r#"{ $.level = "error" }"#, true),
        (r#"{ $.level = "ERROR" }"#, false),
        (r#"{ $.level != "info" }"#, true),
        (r#"{ $.level = err* }"#, true),
        (r#"{ $.path = "*/v1/*" }"#, true),
        (r#"{ $.path = "/api/*/users" }"#, false),
        ("{ $.latency > 50 }", true),
        ("{ $.latency >= 75 }", true),
        ("{ $.latency < 75 }", false),
        ("{ $.latency <= 75.0 }", true),
        ("{ $.latency = 75 }", true),
        ("{ $.latency != 75 }", false),
        ("{ $.code = 200 }", true),
        (r#"{ $.latency = "75" }"#, true),
        ("{ $.user.id = 1 }", true),
        (r#"{ $.user.email = "*@example.com" }"#, true),
        (r#"{ $.tags[1] = "green" }"#, true),
        (r#"{ $.tags[2] = "green" }"#, false),
        (r#"{ $.level = "error" && $.latency > 100 }"#, false),
        (r#"{ $.level = "error" || $.latency > 100 }"#, true),
        (
            r#"{ ($.level = "info" || $.latency > 70) && $.user.id = 1 }"#,
            true,
        ),
        (
            r#"{ $.level = "info" || $.latency > 70 && $.user.id = 2 }"#,
            false,
        ),
        (r#"{$.level="error"&&$.user.id=1}"#, true),
        ("{ $.gone IS NULL }", true),
        ("{ $.level IS NULL }", false),
        ("{ $.missing NOT EXISTS }", true),
        ("{ $.gone NOT EXISTS }", false),
        ("{ $.ok IS TRUE }", true),
        ("{ $.ok IS FALSE }", false),
        ("{ $.missing = 1 }", false),
        ("{ $.missing != 1 }", false),
        ("{ $.user = 1 }", false),
        (r#"{ $.level = %^err.r$% }"#, true),
        (r#"{ $.level != %warn% }"#, true),
    ];
    for (pattern, expected) in table {
        check(pattern, &[(event, *expected)]);
    }
    // A JSON pattern never matches a message that is not JSON.
    check(
        r#"{ $.level = "error" }"#,
        &[("level=error", false), ("", false)],
    );
}

#[test]
fn space_delimited() {
    let access =
        r#"127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /apache_pb.gif HTTP/1.0" 404 1534"#;
    let table: &[(&str, bool)] = &[
        (
            "[ip, user, username, timestamp, request, status, bytes]",
            true,
        ),
        ("[ip, user, username, timestamp, request, status]", false),
        (
            "[ip, user, username, timestamp, request, status = 404, bytes]",
            true,
        ),
        (
            "[ip, user, username, timestamp, request, status = 4*, bytes > 1000]",
            true,
        ),
        (
            "[ip, user, username, timestamp, request, status = 200, bytes]",
            false,
        ),
        ("[..., status = 404 || status = 410, bytes]", true),
        ("[..., status = 500 || status = 410, bytes]", false),
        ("[ip = 127.0.0.1, ...]", true),
        ("[..., request = \"GET *\", ...]", true),
        ("[..., timestamp = *Oct*, ..., bytes < 2000]", true),
        ("[...]", true),
        ("[..., bytes >= 1534 && bytes <= 1534]", true),
    ];
    for (pattern, expected) in table {
        check(pattern, &[(access, *expected)]);
    }
}

#[test]
fn unparseable_patterns_are_errors() {
    for pattern in [
        "\"unterminated",
        "abc\"def\"",
        "?",
        "ERROR ?",
        "-",
        "%unterminated",
        "%%",
        "%[%",
        "{",
        "{}",
        "{ level = 1 }",
        "{ $ = 1 }",
        "{ $. = 1 }",
        "{ $.a }",
        "{ $.a = }",
        "{ $.a == 1 }",
        "{ $.a > \"x\" }",
        "{ $.a > abc }",
        "{ $.a IS MAYBE }",
        "{ $.a NOT THERE }",
        "{ $.a = 1 && }",
        "{ ($.a = 1 }",
        "{ $.a = 1 } trailing",
        "{ $.a[x] = 1 }",
        "[a,]",
        "[a, b = ]",
        "[a, b = 1 || c = 2]",
        "[a b]",
        "[a",
    ] {
        assert!(
            parse_filter_pattern(pattern).is_err(),
            "{pattern:?} should not parse"
        );
    }
}

#[test]
fn deep_nesting_is_refused_rather_than_overflowing() {
    let deep = format!("{{ {}$.a = 1{} }}", "(".repeat(10_000), ")".repeat(10_000));
    assert!(parse_filter_pattern(&deep).is_err());
    let fine = format!("{{ {}$.a = 1{} }}", "(".repeat(10), ")".repeat(10));
    check(&fine, &[(r#"{"a":1}"#, true)]);
}

#[test]
fn long_chains_stay_shallow() {
    // A hundred thousand conditions must neither overflow the stack when matched nor when
    // dropped.
    let conditions = vec!["$.a = 1"; 100_000];
    let all = format!("{{ {} }}", conditions.join(" && "));
    check(&all, &[(r#"{"a":1}"#, true), (r#"{"a":2}"#, false)]);
    let any = format!("[a = 2 {}]", " || a = 1".repeat(100_000));
    check(&any, &[("1", true), ("3", false)]);
}

#[test]
fn arbitrary_bytes_never_panic() {
    // A poor man's fuzz pass: every prefix of a mix of the syntax's characters.
    let soup = "{[( $.a[0] = \"x*\" && ?-%a% || ... , IS NOT NULL EXISTS > 1e3 )]} é\\\"";
    for end in 0..=soup.len() {
        if let Some(prefix) = soup.get(..end)
            && let Ok(pattern) = parse_filter_pattern(prefix)
        {
            pattern.matches(r#"{"a":["x1"]} [b c] "d e""#);
        }
    }
}

#[test]
fn wildcards() {
    for (wildcard, candidate, expected) in [
        ("abc", "abc", true),
        ("abc", "abcd", false),
        ("*", "", true),
        ("a*", "abc", true),
        ("*c", "abc", true),
        ("a*c", "ac", true),
        ("a*a", "a", false),
        ("*ab*b", "ab", false),
        ("a*b*c", "axxbyyc", true),
        ("a*b*c", "axxcyyb", false),
    ] {
        let pattern = Wildcard {
            text: wildcard.to_string(),
        };
        assert_eq!(
            pattern.matches(candidate),
            expected,
            "{wildcard:?} on {candidate:?}"
        );
    }
}

#[test]
fn empty_brackets_match_every_event() {
    // AWS accepts `[]` (a subscription filter of LocalStack's recorded tests uses it).
    check("[]", &[("", true), ("a b c", true)]);
}

#[test]
fn extracted_values_name_each_field_as_metric_filters_do() {
    // The API reference's TestMetricFilter example.
    let pattern =
        parse_filter_pattern("[ip, identity, user_id, timestamp, request, status_code, size]")
            .unwrap();
    let message =
        r#"127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /apache_pb.gif HTTP/1.0" 200 1534"#;
    let values = pattern.extract(message).unwrap();
    let expected: BTreeMap<String, String> = [
        ("$ip", "127.0.0.1"),
        ("$identity", "-"),
        ("$user_id", "frank"),
        ("$timestamp", "10/Oct/2000:13:25:15 -0700"),
        ("$request", "GET /apache_pb.gif HTTP/1.0"),
        ("$status_code", "200"),
        ("$size", "1534"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    assert_eq!(values, expected);
    assert_eq!(pattern.extract("too few fields"), None);

    // `...` takes what the named fields leave.
    let pattern = parse_filter_pattern("[first, ..., last = 5*]").unwrap();
    let values = pattern.extract("a b c d 57").unwrap();
    assert_eq!(values["$first"], "a");
    assert_eq!(values["$last"], "57");
    assert_eq!(values.len(), 2);

    let json = parse_filter_pattern(r#"{ $.status = 200 && $.latency > 10 }"#).unwrap();
    let values = json
        .extract(r#"{"status": 200, "latency": 12.5, "other": 1}"#)
        .unwrap();
    assert_eq!(values.len(), 2);
    assert_eq!(values["$.status"], "200");
    assert_eq!(values["$.latency"], "12.5");
    assert!(json.extract(r#"{"status": 500, "latency": 12}"#).is_none());

    let terms = parse_filter_pattern("ERROR").unwrap();
    assert_eq!(terms.extract("an ERROR here"), Some(BTreeMap::new()));
    assert_eq!(terms.extract("fine"), None);
}

#[test]
fn metric_values_are_literals_or_read_from_the_event() {
    let spaced = parse_filter_pattern("[ip, status, bytes]").unwrap();
    assert_eq!(spaced.metric_value("1", "a 200 512"), Some(1.0));
    assert_eq!(spaced.metric_value("$bytes", "a 200 512"), Some(512.0));
    assert_eq!(spaced.metric_value("$ip", "a 200 512"), None);
    assert_eq!(spaced.metric_value("$bytes", "too short"), None);
    let json = parse_filter_pattern("{ $.ok IS TRUE }").unwrap();
    assert_eq!(
        json.metric_value("$.timing.ms", r#"{"ok": true, "timing": {"ms": 7}}"#),
        Some(7.0)
    );
    assert_eq!(json.metric_value("$.missing", r#"{"ok": true}"#), None);
    assert_eq!(
        parse_selector("$.a[1].b"),
        Some(vec![
            Step::Key("a".into()),
            Step::Index(1),
            Step::Key("b".into()),
        ])
    );
    assert_eq!(parse_selector("$.a b"), None);
}
