//! Table-driven tests: GitHub's documented examples ("Evaluate expressions in workflows and
//! actions"), the runner's coercion rules, its parse errors, and random input that must give
//! errors, never panics.

use super::*;

const CONTEXTS: &[&str] = &[
    "github", "env", "matrix", "needs", "steps", "inputs", "vars", "job", "runner", "strategy",
    "secrets",
];

fn contexts() -> Contexts {
    let json = serde_json::json!({
        "github": {
            "event_name": "push",
            "ref": "refs/heads/main",
            "event": {
                "issue": { "labels": [ { "name": "bug" }, { "name": "Help Wanted" } ] },
                "issues": [
                    { "labels": [ { "name": "a" }, { "name": "b" } ] },
                    { "labels": [ { "name": "c" } ] }
                ],
                "commits": [ { "message": "one" }, { "message": "two" } ]
            }
        },
        "env": { "MY_ENV_VAR": "value", "EMPTY": "" },
        "matrix": { "os": "ubuntu-latest", "node": 20 },
        "needs": { "build": { "result": "success", "outputs": { "version": "1.2.3" } } },
        "vars": {},
        "fruits": [
            { "name": "apple", "quantity": 1 },
            { "name": "orange", "quantity": 2 },
            { "name": "pear", "quantity": 1 }
        ]
    });
    let mut contexts = Contexts::new();
    for (name, value) in json.as_object().unwrap() {
        contexts.insert(name.clone(), Value::from_json(value));
    }
    contexts
}

fn eval_with(source: &str, status: Status) -> Result<Value, String> {
    let mut names = CONTEXTS.to_vec();
    names.push("fruits");
    let expression = Expression::parse(
        source,
        &names,
        &[
            Function::HashFiles,
            Function::Success,
            Function::Failure,
            Function::Always,
            Function::Cancelled,
        ],
    )
    .map_err(|e| e.to_string())?;
    expression
        .evaluate(&contexts(), &StatusHost(status))
        .map_err(|e| e.to_string())
}

/// Evaluates and renders the result as `toJSON` would, strings unquoted for readability.
fn check(source: &str, expected: &str) {
    let got = match eval_with(source, Status::Success) {
        Ok(Value::String(s)) => s,
        Ok(v) => serde_json::to_string(&v.to_json()).unwrap(),
        Err(e) => format!("error: {e}"),
    };
    assert_eq!(got, expected, "expression: {source}");
}

#[test]
fn literals() {
    check("null", "null");
    check("false", "false");
    check("711", "711");
    check("-9.2", "-9.2");
    check("0xff", "255");
    check("-2.99e-2", "-0.0299");
    check("'Mona the Octocat'", "Mona the Octocat");
    check("'It''s open source!'", "It's open source!");
    check("NaN", "\"NaN\"");
    check("Infinity", "\"Infinity\"");
}

#[test]
fn documented_comparisons_and_coercions() {
    // "GitHub performs loose equality comparisons": null→0, booleans→1/0, strings parsed.
    check("null == 0", "true");
    check("true == 1", "true");
    check("false == 0", "true");
    check("'' == 0", "true");
    check("'  12 ' == 12", "true");
    check("'abc' == 'ABC'", "true");
    check("'abc' != 'abd'", "true");
    check("'a' < 'B'", "true");
    check("NaN == NaN", "false");
    check("NaN != NaN", "true");
    check("'abc' == 0", "false");
    check("1 < 2", "true");
    check("2 <= 2", "true");
    check("3 >= 4", "false");
    check("true > false", "true");
    check("null == false", "true");
    check("github == github", "true");
    check("fromJSON('{}') == fromJSON('{}')", "false");
    check("fromJSON('[]') == 0", "false");
    check("'1' == true", "true");
}

#[test]
fn logical_operators_return_operands() {
    check("'' || 'default'", "default");
    check("'a' && 'b'", "b");
    check("0 && 'b'", "0");
    check("!''", "true");
    check("!github", "false");
    check("env.EMPTY || env.MY_ENV_VAR", "value");
    check("github.ref == 'refs/heads/main' && 'prod' || 'dev'", "prod");
    check("!(1 == 2) && 3", "3");
}

#[test]
fn property_access_is_case_insensitive_and_missing_is_null() {
    check("github.event_name", "push");
    check("GITHUB.Event_Name", "push");
    check("github['event_name']", "push");
    check("github.nope", "null");
    check("github.nope.deeper", "null");
    check("matrix.node", "20");
    check("needs.build.outputs.version", "1.2.3");
    check("github.event.commits[1].message", "two");
    check("github.event.commits[1.9].message", "two");
    check("github.event.commits[5]", "null");
    check("github.event.commits[-1]", "null");
    check("github.event.commits['0'].message", "one");
}

#[test]
fn object_filters() {
    // The documented example: `fruits.*.name` is ["apple", "orange", "pear"].
    check("fruits.*.name", r#"["apple","orange","pear"]"#);
    check("github.event.issues.*.labels.*.name", r#"["a","b","c"]"#);
    check("contains(github.event.issue.labels.*.name, 'bug')", "true");
    check(
        "contains(github.event.issue.labels.*.name, 'help wanted')",
        "true",
    );
    check("join(fruits.*.name, ', ')", "apple, orange, pear");
    check("github.event_name.*", "[]");
    check("matrix.*", r#"["ubuntu-latest",20]"#);
    check("fruits[*].quantity", "[1,2,1]");
}

#[test]
fn documented_functions() {
    check("contains('Hello world', 'llo')", "true");
    check("contains('Hello world', 'LLO')", "true");
    check(
        "contains(fromJSON('[\"push\", \"pull_request\"]'), github.event_name)",
        "true",
    );
    check("contains(fromJSON('[1, 2]'), '2')", "true");
    check("startsWith('Hello world', 'he')", "true");
    check("endsWith('Hello world', 'ld')", "true");
    check("startsWith(github, 'O')", "false");
    check(
        "format('Hello {0} {1} {2}', 'Mona', 'the', 'Octocat')",
        "Hello Mona the Octocat",
    );
    check(
        "format('{{Hello {0} {1} {2}!}}', 'Mona', 'the', 'Octocat')",
        "{Hello Mona the Octocat!}",
    );
    check("format('{0}{0}', 1.5)", "1.51.5");
    check(
        "format('{1}', 'a')",
        "error: The following format string references more arguments than were supplied: {1}",
    );
    check(
        "format('{0', 'a')",
        "error: The following format string is invalid: {0",
    );
    check(
        "format('}', 'a')",
        "error: The following format string is invalid: }",
    );
    check("join(github.event.commits.*.message)", "one,two");
    check("join('x', '-')", "x");
    check("join(github)", "");
    check(
        "toJSON(matrix)",
        "{\n  \"os\": \"ubuntu-latest\",\n  \"node\": 20\n}",
    );
    check("toJSON('a')", "\"a\"");
    check("toJSON(null)", "null");
    check(
        "fromJSON('{\"include\":[{\"project\":\"foo\",\"config\":\"Debug\"}]}').include[0].config",
        "Debug",
    );
    check("fromJSON('true')", "true");
    check(
        "fromJSON('30') * 1",
        "error: Unexpected symbol: '*'. Located at position 16 within expression: fromJSON('30') * 1",
    );
    check(
        "fromJSON('{') ",
        "error: Error parsing fromJson: EOF while parsing an object at line 1 column 1",
    );
    check(
        "toJSON(github.event.commits[0])",
        "{\n  \"message\": \"one\"\n}",
    );
    check("1 == 1.0", "true");
    check("format('{0}', 0.1)", "0.1");
    check("format('{0}', github)", "Object");
    check("format('{0}', fruits)", "Array");
    check("format('{0}', true)", "true");
    check("format('{0}', null)", "");
}

#[test]
fn function_names_are_case_insensitive() {
    check("CONTAINS('abc', 'B')", "true");
    check("tojson(1)", "1");
    check("FromJson('[1]')[0]", "1");
}

#[test]
fn status_functions() {
    for (status, success, failure, cancelled) in [
        (Status::Success, true, false, false),
        (Status::Failure, false, true, false),
        (Status::Cancelled, false, false, true),
    ] {
        assert_eq!(eval_with("success()", status).unwrap().is_truthy(), success);
        assert_eq!(eval_with("failure()", status).unwrap().is_truthy(), failure);
        assert_eq!(
            eval_with("cancelled()", status).unwrap().is_truthy(),
            cancelled
        );
        assert!(eval_with("always()", status).unwrap().is_truthy());
    }
    let names = CONTEXTS;
    let functions = STATUS_FUNCTIONS;
    let plain = Expression::parse("github.event_name == 'push'", names, functions).unwrap();
    assert!(!plain.uses_status_function());
    // Without a status function a condition is `success() && (...)`.
    assert!(
        plain
            .evaluate_condition(&contexts(), &StatusHost(Status::Success))
            .unwrap()
    );
    assert!(
        !plain
            .evaluate_condition(&contexts(), &StatusHost(Status::Failure))
            .unwrap()
    );
    let explicit =
        Expression::parse("always() && github.event_name == 'push'", names, functions).unwrap();
    assert!(
        explicit
            .evaluate_condition(&contexts(), &StatusHost(Status::Failure))
            .unwrap()
    );
    assert_eq!(
        eval_with("hashFiles('**/x')", Status::Success).unwrap_err(),
        "hashFiles is evaluated by the runner, not the server"
    );
}

fn parse_error(source: &str, names: &[&str], functions: &[Function]) -> String {
    Expression::parse(source, names, functions)
        .unwrap_err()
        .to_string()
}

#[test]
fn parse_errors_are_worded_as_the_runner_words_them() {
    let names = CONTEXTS;
    for (source, message) in [
        (
            "foo.bar",
            "Unrecognized named-value: 'foo'. Located at position 1 within expression: foo.bar",
        ),
        ("github.x == ", "Unexpected end of expression"),
        (
            "a b",
            "Unrecognized named-value: 'a'. Located at position 1 within expression: a b",
        ),
        (
            "github github",
            "Unexpected symbol: 'github'. Located at position 8 within expression: github github",
        ),
        (
            "nope()",
            "Unrecognized function: 'nope'. Located at position 1 within expression: nope()",
        ),
        (
            "contains('a')",
            "Too few parameters supplied: 'contains'. Located at position 1 within expression: contains('a')",
        ),
        (
            "toJSON(1, 2)",
            "Too many parameters supplied: 'toJSON'. Located at position 1 within expression: toJSON(1, 2)",
        ),
        (
            "'abc",
            "Unexpected symbol: ''abc'. Located at position 1 within expression: 'abc",
        ),
        (
            "1 = 2",
            "Unexpected symbol: '='. Located at position 3 within expression: 1 = 2",
        ),
        ("(1", "Unexpected end of expression"),
        (
            "1)",
            "Unexpected symbol: ')'. Located at position 2 within expression: 1)",
        ),
        ("github.", "Unexpected end of expression"),
        (
            "12abc",
            "Unexpected symbol: '12abc'. Located at position 1 within expression: 12abc",
        ),
        (
            "success()",
            "Unrecognized function: 'success'. Located at position 1 within expression: success()",
        ),
        ("", "An expression was expected"),
    ] {
        assert_eq!(
            parse_error(source, names, &[]),
            message,
            "expression: {source:?}"
        );
    }
    let deep = format!("{}1{}", "(".repeat(60), ")".repeat(60));
    assert!(parse_error(&deep, names, &[]).starts_with("Exceeded max expression depth 50"));
    let long = format!("'{}'", "a".repeat(MAX_LENGTH));
    assert_eq!(
        parse_error(&long, names, &[]),
        "Exceeded max expression length 21000"
    );
}

/// A small deterministic generator (no `rand`: xorshift), so failures replay.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

#[test]
fn random_input_gives_errors_never_panics() {
    let pieces = [
        "github",
        "env",
        ".",
        "*",
        "[",
        "]",
        "(",
        ")",
        ",",
        "'",
        "''",
        "'x'",
        "==",
        "!=",
        "<",
        "<=",
        ">",
        ">=",
        "&&",
        "||",
        "!",
        "1",
        "-1.5",
        "0x1f",
        "null",
        "true",
        "NaN",
        "contains",
        "format",
        "join",
        "toJSON",
        "fromJSON",
        "success",
        "'{0}'",
        "'{'",
        "'}'",
        "'[1,{\"a\":2}]'",
        " ",
        "event",
        "fruits",
        "matrix",
        "{",
        "}",
        "$",
        "é",
    ];
    let mut rng = XorShift(0x5eed_cafe_f00d_u64);
    let mut parsed = 0;
    for _ in 0..20_000 {
        let len = 1 + (rng.next() % 14) as usize;
        let source: String = (0..len)
            .map(|_| rng.pick(&pieces))
            .collect::<Vec<_>>()
            .join("");
        if let Ok(expression) = Expression::parse(
            &source,
            &["github", "env", "fruits", "matrix"],
            STATUS_FUNCTIONS,
        ) {
            parsed += 1;
            let _ = expression.evaluate(&contexts(), &StatusHost(Status::Success));
        }
        // Random characters too, including multi-byte ones.
        let raw: String = (0..len)
            .map(|_| char::from_u32((rng.next() % 0x2FF) as u32).unwrap_or('?'))
            .collect();
        let _ = Expression::parse(&raw, &["github"], &[])
            .map(|e| e.evaluate(&contexts(), &StatusHost(Status::Failure)));
    }
    assert!(
        parsed > 100,
        "the generator should produce some valid expressions, got {parsed}"
    );
}
