//! The Logging query language, parsed into an [`Filter`] once per request and evaluated against
//! each entry's JSON (as the API returns it: camelCase fields, severity names).
//!
//! What is understood, as Cloud Logging documents it:
//! - comparisons `FIELD OP VALUE` with `=`, `!=`, `:` (has: case-insensitive substring, `:*`
//!   for presence), `=~` and `!~` (regular expressions), `<`, `<=`, `>`, `>=`;
//! - fields as dotted paths (`jsonPayload.a.b`, `resource.labels.job_name`) with quoted
//!   segments (`labels."run.googleapis.com/execution_name"`); `severity` compares by level
//!   (names or numbers: `severity>=WARNING`, `severity>=400`), `timestamp` and
//!   `receiveTimestamp` compare as instants (RFC 3339, and the `+0000` offsets the Python
//!   client writes); numbers compare as numbers, everything else as text;
//! - `AND`, `OR`, `NOT` (and `-`), with Logging's precedence (NOT, then OR, then AND: `a OR b c`
//!   is `(a OR b) AND c`), juxtaposition as AND, parentheses, value lists `FIELD=(A OR B)`;
//! - bare words and quoted strings as global text searches, and `log_id("NAME")`.
//!
//! A filter that does not parse is an [`FilterError`], which the service answers as
//! `INVALID_ARGUMENT`; nothing here panics on any input (the tests feed it hostile text).
//!
//! Must not: know about storage or paging.

use serde_json::Value;
use time::OffsetDateTime;

/// The longest filter Cloud Logging accepts.
pub const MAX_FILTER_CHARS: usize = 20_000;

/// How deep parentheses and NOTs may nest before the filter is refused (keeps recursion bounded).
const MAX_DEPTH: usize = 64;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct FilterError(pub String);

/// The severities in level order, with their numbers (`LogSeverity`).
pub const SEVERITIES: [(&str, i64); 9] = [
    ("DEFAULT", 0),
    ("DEBUG", 100),
    ("INFO", 200),
    ("NOTICE", 300),
    ("WARNING", 400),
    ("ERROR", 500),
    ("CRITICAL", 600),
    ("ALERT", 700),
    ("EMERGENCY", 800),
];

/// A severity's level from its name (any case) or its number.
pub fn severity_level(text: &str) -> Option<i64> {
    if let Ok(number) = text.parse::<i64>() {
        return SEVERITIES
            .iter()
            .any(|(_, level)| *level == number)
            .then_some(number);
    }
    SEVERITIES
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(text))
        .map(|(_, level)| *level)
}

/// Parses Logging's timestamps: RFC 3339, and offsets written `+0000`.
pub fn parse_timestamp(text: &str) -> Option<OffsetDateTime> {
    if let Some(at) = crate::time::parse(text) {
        return Some(at);
    }
    // `2026-12-06T06:45:39.236938+0000`: put the colon into the offset.
    let bytes = text.as_bytes();
    if bytes.len() > 5 {
        let (head, offset) = text.split_at(text.len() - 5);
        let sign = offset.as_bytes()[0];
        if (sign == b'+' || sign == b'-') && offset[1..].bytes().all(|b| b.is_ascii_digit()) {
            return crate::time::parse(&format!("{head}{}:{}", &offset[..3], &offset[3..]));
        }
    }
    None
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Has,
    Matches,
    NotMatches,
    Lt,
    Le,
    Gt,
    Ge,
}

/// A value a comparison holds, prepared for the field it compares.
#[derive(Debug, Clone)]
enum Operand {
    Text(String),
    Severity(i64),
    Instant(OffsetDateTime),
    Pattern(regex_lite::Regex),
    /// `:*`.
    Present,
}

#[derive(Debug, Clone)]
enum Expr {
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Not(Box<Expr>),
    Compare {
        path: Vec<String>,
        op: Op,
        /// Several for `FIELD=(A OR B)`: any may hold.
        operands: Vec<Operand>,
    },
    /// A bare word or quoted string: some text in the entry contains it.
    Search(String),
    /// `log_id("NAME")`.
    LogId(String),
}

/// A parsed filter; the empty filter matches every entry.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    root: Option<Expr>,
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    LParen,
    RParen,
    Op(Op),
    And,
    Or,
    Not,
    /// A word (`jsonPayload.a`, `ERROR`, `*`), split at dots into segments, with quoted
    /// segments joined in (`labels."k.j"`): the text as written and the path it names.
    Word {
        text: String,
        segments: Vec<String>,
        /// Directly followed by `(` (a function call).
        call: bool,
    },
    /// A quoted string.
    Text(String),
}

struct Lexed {
    token: Token,
    column: usize,
}

fn syntax_error(column: usize, near: &str) -> FilterError {
    FilterError(format!(
        "Unparseable filter: syntax error at line 1, column {column}, token '{near}'"
    ))
}

fn is_word_char(c: char) -> bool {
    !c.is_whitespace() && !matches!(c, '(' | ')' | '"' | '=' | '!' | '<' | '>' | ':' | '~')
}

/// Reads a quoted string starting after its opening quote; returns the text and the index after
/// the closing quote.
fn read_quoted(
    chars: &[char],
    mut at: usize,
    column: usize,
) -> Result<(String, usize), FilterError> {
    let mut text = String::new();
    loop {
        match chars.get(at) {
            None => {
                return Err(FilterError(format!(
                    "Unparseable filter: unterminated string starting at line 1, column {column}"
                )));
            }
            Some('"') => return Ok((text, at + 1)),
            Some('\\') => {
                let escaped = chars.get(at + 1).copied().ok_or_else(|| {
                    FilterError(format!(
                        "Unparseable filter: unterminated string starting at line 1, column {column}"
                    ))
                })?;
                text.push(match escaped {
                    'n' => '\n',
                    't' => '\t',
                    'r' => '\r',
                    other => other,
                });
                at += 2;
            }
            Some(c) => {
                text.push(*c);
                at += 1;
            }
        }
    }
}

fn lex(filter: &str) -> Result<Vec<Lexed>, FilterError> {
    let chars: Vec<char> = filter.chars().collect();
    let mut tokens: Vec<Lexed> = Vec::new();
    let mut at = 0;
    while at < chars.len() {
        let c = chars[at];
        let column = at + 1;
        if c.is_whitespace() {
            at += 1;
            continue;
        }
        let two: String = chars[at..chars.len().min(at + 2)].iter().collect();
        let op = match two.as_str() {
            "!=" => Some((Op::Ne, 2)),
            "=~" => Some((Op::Matches, 2)),
            "!~" => Some((Op::NotMatches, 2)),
            "<=" => Some((Op::Le, 2)),
            ">=" => Some((Op::Ge, 2)),
            _ => match c {
                '=' => Some((Op::Eq, 1)),
                ':' => Some((Op::Has, 1)),
                '<' => Some((Op::Lt, 1)),
                '>' => Some((Op::Gt, 1)),
                _ => None,
            },
        };
        if let Some((op, width)) = op {
            tokens.push(Lexed {
                token: Token::Op(op),
                column,
            });
            at += width;
            continue;
        }
        match c {
            '(' => {
                tokens.push(Lexed {
                    token: Token::LParen,
                    column,
                });
                at += 1;
            }
            ')' => {
                tokens.push(Lexed {
                    token: Token::RParen,
                    column,
                });
                at += 1;
            }
            '"' => {
                let (text, next) = read_quoted(&chars, at + 1, column)?;
                tokens.push(Lexed {
                    token: Token::Text(text),
                    column,
                });
                at = next;
            }
            '!' | '~' => return Err(syntax_error(column, &c.to_string())),
            // `-` before a term, where an operator is not expected, is NOT.
            '-' if !matches!(tokens.last().map(|t| &t.token), Some(Token::Op(_)))
                && chars
                    .get(at + 1)
                    .is_some_and(|n| n.is_alphabetic() || *n == '(' || *n == '"') =>
            {
                tokens.push(Lexed {
                    token: Token::Not,
                    column,
                });
                at += 1;
            }
            _ => {
                let mut text = String::new();
                let mut segments = Vec::new();
                let mut segment = String::new();
                loop {
                    match chars.get(at) {
                        Some('.') => {
                            text.push('.');
                            segments.push(std::mem::take(&mut segment));
                            at += 1;
                            // A quoted segment: `labels."k.j"`.
                            if chars.get(at) == Some(&'"') {
                                let (quoted, next) = read_quoted(&chars, at + 1, at + 1)?;
                                text.push('"');
                                text.push_str(&quoted);
                                text.push('"');
                                segment = quoted;
                                at = next;
                            }
                        }
                        Some(c) if is_word_char(*c) => {
                            text.push(*c);
                            segment.push(*c);
                            at += 1;
                        }
                        _ => break,
                    }
                }
                segments.push(segment);
                let call = chars.get(at) == Some(&'(');
                let token = match text.as_str() {
                    "AND" => Token::And,
                    "OR" => Token::Or,
                    "NOT" => Token::Not,
                    _ => Token::Word {
                        text,
                        segments,
                        call,
                    },
                };
                tokens.push(Lexed { token, column });
            }
        }
    }
    Ok(tokens)
}

struct Parser {
    tokens: Vec<Lexed>,
    at: usize,
    depth: usize,
    length: usize,
}

fn describe(token: &Token) -> String {
    match token {
        Token::LParen => "(".into(),
        Token::RParen => ")".into(),
        Token::Op(op) => match op {
            Op::Eq => "=",
            Op::Ne => "!=",
            Op::Has => ":",
            Op::Matches => "=~",
            Op::NotMatches => "!~",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
        }
        .into(),
        Token::And => "AND".into(),
        Token::Or => "OR".into(),
        Token::Not => "NOT".into(),
        Token::Word { text, .. } => text.clone(),
        Token::Text(text) => format!("\"{text}\""),
    }
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at).map(|l| &l.token)
    }

    fn unexpected(&self) -> FilterError {
        match self.tokens.get(self.at) {
            Some(lexed) => syntax_error(lexed.column, &describe(&lexed.token)),
            None => FilterError(format!(
                "Unparseable filter: unexpected end of input at line 1, column {}",
                self.length + 1
            )),
        }
    }

    fn descend(&mut self) -> Result<(), FilterError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(FilterError(
                "Unparseable filter: expression nested too deeply".into(),
            ));
        }
        Ok(())
    }

    /// `and := or (["AND"] or)*`, up to `)` or the end.
    fn conjunction(&mut self) -> Result<Expr, FilterError> {
        let mut terms = vec![self.disjunction()?];
        loop {
            match self.peek() {
                None | Some(Token::RParen) => break,
                Some(Token::And) => {
                    self.at += 1;
                    terms.push(self.disjunction()?);
                }
                Some(_) => terms.push(self.disjunction()?),
            }
        }
        Ok(if terms.len() == 1 {
            terms.remove(0)
        } else {
            Expr::And(terms)
        })
    }

    /// `or := unary ("OR" unary)*`.
    fn disjunction(&mut self) -> Result<Expr, FilterError> {
        let mut terms = vec![self.unary()?];
        while self.peek() == Some(&Token::Or) {
            self.at += 1;
            terms.push(self.unary()?);
        }
        Ok(if terms.len() == 1 {
            terms.remove(0)
        } else {
            Expr::Or(terms)
        })
    }

    fn unary(&mut self) -> Result<Expr, FilterError> {
        match self.peek() {
            Some(Token::Not) => {
                self.at += 1;
                self.descend()?;
                let inner = self.unary()?;
                self.depth -= 1;
                Ok(Expr::Not(Box::new(inner)))
            }
            Some(Token::LParen) => {
                self.at += 1;
                self.descend()?;
                let inner = self.conjunction()?;
                self.depth -= 1;
                if self.peek() != Some(&Token::RParen) {
                    return Err(self.unexpected());
                }
                self.at += 1;
                Ok(inner)
            }
            Some(Token::Text(text)) => {
                let text = text.clone();
                self.at += 1;
                Ok(Expr::Search(text))
            }
            Some(Token::Word {
                text,
                segments,
                call,
            }) => {
                let (text, segments, call) = (text.clone(), segments.clone(), *call);
                self.at += 1;
                if call {
                    return self.function(&text);
                }
                match self.peek() {
                    Some(Token::Op(op)) => {
                        let op = *op;
                        self.at += 1;
                        self.comparison(segments, op)
                    }
                    _ => Ok(Expr::Search(text)),
                }
            }
            _ => Err(self.unexpected()),
        }
    }

    fn function(&mut self, name: &str) -> Result<Expr, FilterError> {
        // The word was directly followed by `(`.
        self.at += 1;
        let argument = match self.peek() {
            Some(Token::Text(text)) => text.clone(),
            Some(Token::Word { text, .. }) => text.clone(),
            _ => return Err(self.unexpected()),
        };
        self.at += 1;
        if self.peek() != Some(&Token::RParen) {
            return Err(self.unexpected());
        }
        self.at += 1;
        match name {
            "log_id" => Ok(Expr::LogId(argument)),
            other => Err(FilterError(format!(
                "Unparseable filter: unsupported function '{other}'"
            ))),
        }
    }

    fn value(&mut self) -> Result<String, FilterError> {
        let value = match self.peek() {
            Some(Token::Text(text)) => text.clone(),
            Some(Token::Word { text, .. }) => text.clone(),
            _ => return Err(self.unexpected()),
        };
        self.at += 1;
        Ok(value)
    }

    fn comparison(&mut self, path: Vec<String>, op: Op) -> Result<Expr, FilterError> {
        if path.iter().any(String::is_empty) {
            return Err(FilterError(format!(
                "Unparseable filter: invalid field name '{}'",
                path.join(".")
            )));
        }
        // `FIELD=(A OR B)`: any of the values.
        let values = if self.peek() == Some(&Token::LParen) {
            self.at += 1;
            let mut values = vec![self.value()?];
            while self.peek() == Some(&Token::Or) {
                self.at += 1;
                values.push(self.value()?);
            }
            if self.peek() != Some(&Token::RParen) {
                return Err(self.unexpected());
            }
            self.at += 1;
            values
        } else {
            vec![self.value()?]
        };
        let operands = values
            .iter()
            .map(|value| operand(&path, op, value))
            .collect::<Result<_, _>>()?;
        Ok(Expr::Compare { path, op, operands })
    }
}

fn is_timestamp_field(path: &[String]) -> bool {
    path.len() == 1 && (path[0] == "timestamp" || path[0] == "receiveTimestamp")
}

fn is_severity_field(path: &[String]) -> bool {
    path.len() == 1 && path[0] == "severity"
}

fn operand(path: &[String], op: Op, value: &str) -> Result<Operand, FilterError> {
    if op == Op::Has && value == "*" {
        return Ok(Operand::Present);
    }
    if matches!(op, Op::Matches | Op::NotMatches) {
        return regex_lite::RegexBuilder::new(value)
            .size_limit(1 << 20)
            .build()
            .map(Operand::Pattern)
            .map_err(|error| {
                FilterError(format!(
                    "Unparseable filter: invalid regular expression '{value}': {error}"
                ))
            });
    }
    if is_severity_field(path) {
        return severity_level(value)
            .map(Operand::Severity)
            .ok_or_else(|| FilterError(format!("Invalid severity value: {value}")));
    }
    if is_timestamp_field(path) {
        return parse_timestamp(value)
            .map(Operand::Instant)
            .ok_or_else(|| FilterError(format!("Invalid timestamp value: \"{value}\"")));
    }
    Ok(Operand::Text(value.to_string()))
}

impl Filter {
    /// Parses a filter; empty or blank text matches everything.
    pub fn parse(text: &str) -> Result<Self, FilterError> {
        if text.chars().count() > MAX_FILTER_CHARS {
            return Err(FilterError(format!(
                "Filter is longer than the maximum of {MAX_FILTER_CHARS} characters"
            )));
        }
        let tokens = lex(text)?;
        if tokens.is_empty() {
            return Ok(Self { root: None });
        }
        let mut parser = Parser {
            tokens,
            at: 0,
            depth: 0,
            length: text.chars().count(),
        };
        let root = parser.conjunction()?;
        if parser.at != parser.tokens.len() {
            return Err(parser.unexpected());
        }
        Ok(Self { root: Some(root) })
    }

    /// Whether `entry` (a LogEntry as JSON) matches.
    pub fn matches(&self, entry: &Value) -> bool {
        self.root.as_ref().is_none_or(|root| evaluate(root, entry))
    }
}

fn evaluate(expr: &Expr, entry: &Value) -> bool {
    match expr {
        Expr::And(terms) => terms.iter().all(|term| evaluate(term, entry)),
        Expr::Or(terms) => terms.iter().any(|term| evaluate(term, entry)),
        Expr::Not(inner) => !evaluate(inner, entry),
        Expr::Search(text) => contains_text(entry, &text.to_lowercase()),
        Expr::LogId(id) => entry
            .get("logName")
            .and_then(Value::as_str)
            .and_then(|name| name.rsplit_once("/logs/"))
            .is_some_and(|(_, log)| {
                percent_encoding::percent_decode_str(log).decode_utf8_lossy() == id.as_str()
            }),
        Expr::Compare { path, op, operands } => {
            let negated = matches!(op, Op::Ne | Op::NotMatches);
            let positive = match op {
                Op::Ne => Op::Eq,
                Op::NotMatches => Op::Matches,
                other => *other,
            };
            let field = resolve(entry, path);
            let holds = operands
                .iter()
                .any(|operand| compare(path, field, positive, operand));
            holds != negated
        }
    }
}

fn contains_text(value: &Value, needle: &str) -> bool {
    match value {
        Value::String(text) => text.to_lowercase().contains(needle),
        Value::Number(number) => number.to_string().contains(needle),
        Value::Bool(flag) => flag.to_string() == needle,
        Value::Array(items) => items.iter().any(|item| contains_text(item, needle)),
        Value::Object(map) => map.values().any(|item| contains_text(item, needle)),
        Value::Null => false,
    }
}

fn resolve<'a>(entry: &'a Value, path: &[String]) -> Option<&'a Value> {
    let mut current = entry;
    for segment in path {
        current = match current {
            Value::Object(map) => map.get(segment)?,
            _ => return None,
        };
    }
    (!current.is_null()).then_some(current)
}

fn compare(path: &[String], field: Option<&Value>, op: Op, operand: &Operand) -> bool {
    match operand {
        Operand::Present => field.is_some(),
        Operand::Severity(wanted) => {
            // An entry without a severity is DEFAULT.
            let level = field
                .and_then(Value::as_str)
                .and_then(severity_level)
                .unwrap_or(0);
            ordered(op, level.cmp(wanted))
        }
        Operand::Instant(wanted) => {
            let Some(at) = field.and_then(Value::as_str).and_then(parse_timestamp) else {
                return false;
            };
            ordered(op, at.cmp(wanted))
        }
        Operand::Pattern(pattern) => {
            field.is_some_and(|value| scalars(value).iter().any(|text| pattern.is_match(text)))
        }
        Operand::Text(wanted) => {
            let Some(value) = field else {
                return false;
            };
            let _ = path;
            scalars(value)
                .iter()
                .any(|text| compare_text(op, text, wanted))
        }
    }
}

fn ordered(op: Op, ordering: std::cmp::Ordering) -> bool {
    use std::cmp::Ordering::*;
    match op {
        Op::Eq | Op::Has => ordering == Equal,
        Op::Lt => ordering == Less,
        Op::Le => ordering != Greater,
        Op::Gt => ordering == Greater,
        Op::Ge => ordering != Less,
        Op::Ne | Op::Matches | Op::NotMatches => false,
    }
}

/// The texts a field holds: itself, or each element of an array.
fn scalars(value: &Value) -> Vec<String> {
    match value {
        Value::String(text) => vec![text.clone()],
        Value::Number(number) => vec![number.to_string()],
        Value::Bool(flag) => vec![flag.to_string()],
        Value::Array(items) => items.iter().flat_map(scalars).collect(),
        Value::Object(_) | Value::Null => Vec::new(),
    }
}

fn compare_text(op: Op, actual: &str, wanted: &str) -> bool {
    if op == Op::Has {
        return actual.to_lowercase().contains(&wanted.to_lowercase());
    }
    let ordering = match (actual.parse::<f64>(), wanted.parse::<f64>()) {
        (Ok(a), Ok(b)) => match a.partial_cmp(&b) {
            Some(ordering) => ordering,
            None => return false,
        },
        _ => actual.cmp(wanted),
    };
    ordered(op, ordering)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn entry() -> Value {
        json!({
            "logName": "projects/p/logs/run.googleapis.com%2Fstdout",
            "resource": {"type": "cloud_run_job", "labels": {"job_name": "job-a", "location": "us-central1"}},
            "labels": {"run.googleapis.com/execution_name": "job-a-x1y2z", "n": "12"},
            "severity": "WARNING",
            "timestamp": "2026-01-02T03:04:05.123456789Z",
            "textPayload": "Hello World from task 2",
            "jsonPayload": {"a": {"b": 7, "c": "deep Value"}, "list": ["x", "y"]},
            "insertId": "abc"
        })
    }

    /// Parses `filter` and says whether the sample entry matches.
    fn check(filter: &str, expected: bool) {
        let parsed = Filter::parse(filter).unwrap_or_else(|e| panic!("{filter}: {e}"));
        assert_eq!(parsed.matches(&entry()), expected, "{filter}");
    }

    fn refused(filter: &str) -> String {
        Filter::parse(filter)
            .err()
            .unwrap_or_else(|| panic!("{filter} should not parse"))
            .0
    }

    #[test]
    fn comparisons() {
        let table: &[(&str, bool)] = &[
            ("", true),
            ("resource.type=cloud_run_job", true),
            ("resource.type=\"cloud_run_job\"", true),
            ("resource.type = cloud_run_job", true),
            ("resource.type!=cloud_run_job", false),
            ("resource.type:run_job", true),
            ("resource.type:RUN", true),
            ("resource.type=CLOUD_RUN_JOB", false),
            ("resource.labels.job_name=job-a", true),
            (
                "labels.\"run.googleapis.com/execution_name\"=\"job-a-x1y2z\"",
                true,
            ),
            (
                "labels.\"run.googleapis.com/execution_name\"=job-a-other",
                false,
            ),
            ("jsonPayload.a.b=7", true),
            ("jsonPayload.a.b>6", true),
            ("jsonPayload.a.b<7", false),
            ("jsonPayload.a.b>=7 jsonPayload.a.b<=7", true),
            ("labels.n>9", true),
            ("jsonPayload.a.c:value", true),
            ("jsonPayload.list=y", true),
            ("jsonPayload.missing:*", false),
            ("jsonPayload.a:*", true),
            ("jsonPayload.missing!=x", true),
            ("textPayload=~\"task [0-9]$\"", true),
            ("textPayload=~\"^task\"", false),
            ("textPayload!~\"^task\"", true),
            (
                "logName=\"projects/p/logs/run.googleapis.com%2Fstdout\"",
                true,
            ),
            ("logName:stdout", true),
            ("log_id(\"run.googleapis.com/stdout\")", true),
            ("log_id(\"run.googleapis.com/stderr\")", false),
            ("insertId=abc", true),
        ];
        for (filter, expected) in table {
            check(filter, *expected);
        }
    }

    #[test]
    fn severities_compare_by_level() {
        for (filter, expected) in [
            ("severity>=WARNING", true),
            ("severity>warning", false),
            ("severity=WARNING", true),
            ("severity>=400", true),
            ("severity<ERROR", true),
            ("severity>=ERROR", false),
            ("severity=(ERROR OR WARNING)", true),
            ("severity=(ERROR OR INFO)", false),
        ] {
            check(filter, expected);
        }
        assert!(Filter::parse("severity>=x").is_err());
        // An entry with no severity is DEFAULT.
        let bare = Filter::parse("severity=DEFAULT").expect("parses");
        assert!(bare.matches(&json!({})));
        assert!(
            !Filter::parse("severity>=DEBUG")
                .expect("parses")
                .matches(&json!({}))
        );
    }

    #[test]
    fn timestamps_compare_as_instants() {
        for (filter, expected) in [
            ("timestamp>=\"2026-01-02T03:04:05Z\"", true),
            ("timestamp>\"2026-01-02T03:04:05.2Z\"", false),
            ("timestamp<\"2026-01-02T04:05:00+01:00\"", true),
            ("timestamp>=\"2026-01-01T06:45:39.236938+0000\"", true),
            ("timestamp<=\"2026-01-01T00:00:00Z\"", false),
        ] {
            check(filter, expected);
        }
        assert!(refused("timestamp>=\"yesterday\"").starts_with("Invalid timestamp"));
    }

    #[test]
    fn boolean_structure_and_precedence() {
        for (filter, expected) in [
            ("severity=WARNING AND resource.type=cloud_run_job", true),
            ("severity=WARNING resource.type=gce_instance", false),
            ("severity=ERROR OR resource.type=cloud_run_job", true),
            ("NOT severity=ERROR", true),
            ("-severity=WARNING", false),
            ("NOT (severity=WARNING OR insertId=zzz)", false),
            // OR binds tighter than AND: (ERROR OR WARNING) AND abc.
            ("severity=ERROR OR severity=WARNING insertId=abc", true),
            (
                "severity=ERROR OR severity=WARNING AND insertId=nope",
                false,
            ),
            ("((insertId=abc))", true),
            ("hello", true),
            ("\"from task\"", true),
            ("nowhere-to-be-found", false),
        ] {
            check(filter, expected);
        }
    }

    #[test]
    fn malformed_filters_are_refused_with_a_position() {
        assert_eq!(
            refused("severity>=ERROR)"),
            "Unparseable filter: syntax error at line 1, column 16, token ')'"
        );
        assert!(refused("(severity=ERROR").contains("unexpected end of input"));
        assert!(refused("a=").contains("unexpected end of input"));
        assert!(refused("a=\"open").contains("unterminated string"));
        assert!(refused("AND").contains("syntax error"));
        assert!(refused("a=~\"(\"").contains("invalid regular expression"));
        assert!(
            refused("sample(insertId, 0.5)").contains("syntax error")
                || refused("sample(insertId, 0.5)").contains("unsupported")
        );
        assert!(refused(&"(".repeat(200)).contains("nested too deeply"));
        assert!(refused(&"a ".repeat(MAX_FILTER_CHARS)).contains("longer"));
    }

    /// Random and hostile input: every filter either parses or is refused; none panics.
    #[test]
    fn hostile_filters_never_panic() {
        let pieces = [
            "(",
            ")",
            "\"",
            "\\",
            "=",
            "!=",
            ":",
            "=~",
            "!~",
            "<",
            ">=",
            "AND",
            "OR",
            "NOT",
            "-",
            "severity",
            "timestamp",
            "labels.",
            ".\"",
            "jsonPayload.a.b",
            "*",
            "é",
            "\u{0}",
            "log_id(",
            "x",
            "ERROR",
            "\"2026-01-01T00:00:00Z\"",
            " ",
            "[",
            "{",
            "..",
            "!",
            "~",
            "(?",
            "a{99999}",
            "9999999999999999999999",
        ];
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let sample = entry();
        for _ in 0..20_000 {
            let mut text = String::new();
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let count = (state % 9) as usize;
            for _ in 0..count {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                text.push_str(pieces[(state % pieces.len() as u64) as usize]);
                if state & 1 == 0 {
                    text.push(' ');
                }
            }
            if let Ok(filter) = Filter::parse(&text) {
                let _ = filter.matches(&sample);
            }
        }
    }
}
