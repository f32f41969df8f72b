//! The query parser: what parses into which commands, and what is refused, with where.

use super::*;

fn commands(text: &str) -> Vec<Command> {
    parse_query(text)
        .unwrap_or_else(|error| panic!("{text:?} does not parse: {error:?}"))
        .commands
}

fn refused(text: &str) -> QueryError {
    match parse_query(text) {
        Ok(query) => panic!("{text:?} parsed: {query:?}"),
        Err(error) => error,
    }
}

#[test]
fn pipelines_of_the_supported_commands_parse() {
    for text in [
        "fields @timestamp, @message | sort @timestamp desc | limit 20",
        "filter @message like /ERROR/",
        "filter @message like \"ERROR\" and not (level = 'debug' or x != 2)",
        "fields f1, f2 | filter (f1=10 or f3>25)",
        "fields `foo-bar`, action, abs(f3-f4) as d",
        "stats count(*) by bin(1m)",
        "stats count(*) as n, avg(latency), max(latency) by @logStream, bin(5m) as t | sort t asc",
        "parse @message \"user=*, method:*, latency := *\" as @user, @method, @latency | stats avg(@latency) by @method, @user",
        "parse @message /(?<time>[0-9]{10}) (?<code>[A-Z]+)/ | display time, code",
        "filter status in [200, 201] and method not in ['PUT'] | filter x =~ /a+/",
        "fields 2 ^ 3 as eight, 10 % 3 as one, -x as neg, concat(a, \"-\", b) as ab",
        "# a comment\nfields @message # trailing\n| limit 5",
        "filter ispresent(a) and not isempty(b) and strlen(c) > 3",
        "FIELDS @message | SORT @timestamp ASC",
        "stats count(*) by bin(1m) | sort count(*) desc, bin(1m) asc | filter count(*) > 1",
    ] {
        assert!(!commands(text).is_empty(), "{text}");
    }
}

#[test]
fn names_are_aliases_or_the_text_as_written() {
    let parsed = commands("stats count(*), sum(bytes) as total by bin(1m)");
    let Command::Stats { aggregates, by } = &parsed[0] else {
        panic!("{parsed:?}");
    };
    let names: Vec<&str> = aggregates.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["count(*)", "total"]);
    assert_eq!(by[0].name, "bin(1m)");
    assert!(matches!(by[0].expr, Expr::Call(Function::Bin, _)));
    let Command::Fields(fields) = &commands("fields a.b, abs(x - y)")[0] else {
        panic!();
    };
    assert_eq!(fields[0].name, "a.b");
    assert_eq!(fields[1].name, "abs(x - y)");
}

#[test]
fn sort_is_descending_unless_asked_otherwise() {
    let Command::Sort(keys) = &commands("sort a, b asc, c desc")[0] else {
        panic!();
    };
    let order: Vec<bool> = keys.iter().map(|key| key.descending).collect();
    assert_eq!(order, [true, false, true]);
}

#[test]
fn periods_read_in_milliseconds() {
    for (text, ms) in [
        ("1m", 60_000),
        ("5m", 300_000),
        ("30s", 30_000),
        ("2h", 7_200_000),
        ("1d", 86_400_000),
        ("100ms", 100),
    ] {
        let Command::Stats { by, .. } = &commands(&format!("stats count(*) by bin({text})"))[0]
        else {
            panic!();
        };
        let Expr::Call(Function::Bin, arguments) = &by[0].expr else {
            panic!();
        };
        assert!(matches!(arguments[0], Expr::Period(p) if p == ms), "{text}");
    }
}

#[test]
fn unsupported_commands_and_functions_are_named() {
    for (text, named) in [
        ("fields @message | dedup @logStream", "dedup"),
        ("pattern @message", "pattern"),
        ("stats pct(latency, 95)", "pct"),
        ("stats count_distinct(user)", "count_distinct"),
        ("fields datediff(a, b)", "datediff"),
        ("fields @message | unmask(@message)", "unmask"),
    ] {
        let error = refused(text);
        assert!(error.message.contains(named), "{text}: {error:?}");
    }
    let error = parse_query("stats count(*) | stats count(*)").unwrap_err();
    assert!(error.message.contains("one stats"), "{error:?}");
}

#[test]
fn syntax_errors_say_where() {
    let error = refused("fields @message | foo");
    assert_eq!(
        error.message,
        "unexpected symbol found foo at line 1 and position 19"
    );
    assert_eq!((error.start, error.end), (18, 21));
    let error = refused("fields @message\n| filter x = ");
    assert!(error.message.contains("line 2"), "{error:?}");
    for text in [
        "",
        "   ",
        "fields",
        "fields @message |",
        "filter (a = 1",
        "filter a like",
        "filter a like /unterminated",
        "filter a like /(/",
        "limit 0",
        "limit x",
        "stats count(",
        "stats bogus(*)",
        "parse @message \"* *\" as a",
        "parse @message /no names/",
        "fields bin(x)",
        "sort",
        "fields `unterminated",
        "filter a in [1, 2",
    ] {
        let _ = refused(text);
    }
}

#[test]
fn offsets_count_characters_not_bytes() {
    let error = refused("filter x = \"é\" | nope");
    assert_eq!(error.start, 17);
}

#[test]
fn hostile_input_never_panics() {
    let deep = format!("filter {}a{}", "(".repeat(10_000), ")".repeat(10_000));
    assert!(parse_query(&deep).is_err());
    let negations = format!("filter {}a", "not ".repeat(10_000));
    assert!(parse_query(&negations).is_err());
    let soup = "fields @a.b, `x y` | filter (a = 1 or b like /c+/) and d in [1,'2'] | stats count(*) by bin(1m) | sort x desc | limit 3 | parse m \"*:*\" as p, q é";
    for end in 0..=soup.len() {
        if let Some(prefix) = soup.get(..end) {
            let _ = parse_query(prefix);
        }
    }
}
