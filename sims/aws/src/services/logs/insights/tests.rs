//! The pipeline over hand-made records: filters, fields, parse, stats by bin, sort and limit,
//! and the columns each kind of query shows.

use super::eval::{Record, Value};
use super::parse::parse_query;
use super::run::Execution;

const MINUTE: i64 = 60_000;
const BASE: i64 = 1_700_000_040_000 - 1_700_000_040_000 % MINUTE;

fn event(timestamp: i64, message: &str) -> Record {
    let mut record = Record::default();
    record.set("@timestamp", Some(Value::Time(timestamp)));
    for (name, value) in super::eval::discover_json(message) {
        record.set(&name, Some(value));
    }
    record.set("@message", Some(Value::Text(message.into())));
    record.set("@logStream", Some(Value::Text("s".into())));
    record.set("@ptr", Some(Value::Text(format!("p{timestamp}"))));
    record
}

fn run(query: &str, events: &[(i64, &str)]) -> Vec<Vec<(String, String)>> {
    let parsed = parse_query(query).unwrap();
    let mut execution = Execution::new(&parsed);
    for (timestamp, message) in events {
        execution.accept(event(*timestamp, message));
    }
    execution.finish(10_000).rows
}

fn column(rows: &[Vec<(String, String)>], name: &str) -> Vec<String> {
    rows.iter()
        .filter_map(|row| {
            row.iter()
                .find(|(field, _)| field == name)
                .map(|(_, value)| value.clone())
        })
        .collect()
}

fn sample() -> Vec<(i64, &'static str)> {
    vec![
        (
            BASE + 1_000,
            r#"{"level":"info","latency":10,"user":{"id":"a"}}"#,
        ),
        (
            BASE + 2_000,
            r#"{"level":"error","latency":30,"user":{"id":"b"}}"#,
        ),
        (
            BASE + MINUTE,
            r#"{"level":"info","latency":20,"user":{"id":"a"}}"#,
        ),
        (BASE + MINUTE + 5, "plain text ERROR line"),
        (
            BASE + 3 * MINUTE,
            r#"{"level":"info","latency":5,"tags":["x","y"]}"#,
        ),
    ]
}

#[test]
fn a_query_without_fields_shows_timestamp_message_and_pointer_newest_first() {
    let rows = run("filter level = \"info\"", &sample());
    assert_eq!(rows.len(), 3);
    let names: Vec<&str> = rows[0].iter().map(|(f, _)| f.as_str()).collect();
    assert_eq!(names, ["@timestamp", "@message", "@ptr"]);
    assert_eq!(column(&rows, "@timestamp")[0], "2023-11-14 22:17:00.000");
    assert_eq!(
        column(&rows, "@ptr"),
        [
            format!("p{}", BASE + 3 * MINUTE),
            format!("p{}", BASE + MINUTE),
            format!("p{}", BASE + 1_000)
        ]
    );
}

#[test]
fn stats_count_by_bin_counts_each_minute() {
    let rows = run("stats count(*) by bin(1m)", &sample());
    let bins = column(&rows, "bin(1m)");
    let counts = column(&rows, "count(*)");
    assert_eq!(
        bins,
        [
            "2023-11-14 22:17:00.000",
            "2023-11-14 22:15:00.000",
            "2023-11-14 22:14:00.000"
        ]
    );
    assert_eq!(counts, ["1", "2", "2"]);
    let names: Vec<&str> = rows[0].iter().map(|(f, _)| f.as_str()).collect();
    assert_eq!(names, ["bin(1m)", "count(*)"]);
}

#[test]
fn aggregates_sum_average_and_extremes_per_group() {
    let rows = run(
        "filter ispresent(latency) | stats sum(latency) as total, avg(latency) as mean, min(latency), max(latency), count(user.id) as users by level | sort level asc",
        &sample(),
    );
    assert_eq!(column(&rows, "level"), ["error", "info"]);
    assert_eq!(column(&rows, "total"), ["30", "35"]);
    assert_eq!(column(&rows, "mean"), ["30", "11.666666666666666"]);
    assert_eq!(column(&rows, "min(latency)"), ["30", "5"]);
    assert_eq!(column(&rows, "max(latency)"), ["30", "20"]);
    assert_eq!(column(&rows, "users"), ["1", "2"]);
    let empty = run("filter level = 'none' | stats count(*)", &sample());
    assert_eq!(column(&empty, "count(*)"), ["0"]);
}

#[test]
fn fields_parse_sort_and_limit() {
    let rows = run(
        "fields latency * 2 as double, user.id | filter ispresent(double) | sort double asc | limit 2",
        &sample(),
    );
    assert_eq!(column(&rows, "double"), ["10", "20"]);
    assert_eq!(column(&rows, "user.id"), ["a"]);
    let names: Vec<&str> = rows[0].iter().map(|(f, _)| f.as_str()).collect();
    assert_eq!(names, ["double", "@ptr"]);

    let rows = run(
        "parse @message \"plain * *\" as kind, rest | filter ispresent(kind) | display kind, rest",
        &sample(),
    );
    assert_eq!(column(&rows, "kind"), ["text"]);
    assert_eq!(column(&rows, "rest"), ["ERROR line"]);
    let rows = run(
        "parse @message /\"level\":\"(?<lvl>[a-z]+)\"/ | stats count(*) by lvl | sort lvl desc",
        &sample(),
    );
    assert_eq!(column(&rows, "lvl"), ["info", "error"]);
    assert_eq!(column(&rows, "count(*)"), ["3", "1", "1"]);
}

#[test]
fn filters_compare_match_and_test_membership() {
    let count = |query: &str| run(query, &sample()).len();
    assert_eq!(count("filter latency > 10"), 2);
    assert_eq!(count("filter latency >= 10 and latency <= 20"), 2);
    assert_eq!(count("filter @message like /(?i)error/"), 2);
    assert_eq!(count("filter @message like 'ERROR'"), 1);
    assert_eq!(count("filter @message not like 'ERROR'"), 4);
    assert_eq!(count("filter @message =~ /^plain/"), 1);
    assert_eq!(count("filter level in ['error', 'warn']"), 1);
    assert_eq!(count("filter level not in ['error']"), 4);
    assert_eq!(count("filter tags.1 = 'y'"), 1);
    assert_eq!(count("filter not ispresent(level)"), 1);
    assert_eq!(count("filter missing = 1 or missing != 1"), 0);
    assert_eq!(
        count("filter strlen(level) = 5 and toupper(level) = 'ERROR'"),
        1
    );
}

#[test]
fn natural_sort_puts_numbers_last_and_compares_digit_runs_by_length() {
    use super::eval::natural_cmp;
    let mut values: Vec<Value> = [
        "a12345hfh",
        "3",
        "5A",
        "@",
        "111A",
        "A",
        "01",
        "2345_",
        "*%04",
    ]
    .iter()
    .map(|text| Value::Text((*text).into()))
    .collect();
    values.sort_by(natural_cmp);
    let sorted: Vec<String> = values.iter().map(Value::render).collect();
    assert_eq!(
        sorted,
        [
            "*%04",
            "5A",
            "111A",
            "2345_",
            "@",
            "A",
            "a12345hfh",
            "01",
            "3"
        ]
    );
}
