//! CloudWatch Logs filter patterns: the syntax `FilterLogEvents` (and metric and subscription
//! filters) use to pick log events, parsed by [`parse_filter_pattern`] into a [`FilterPattern`]
//! that answers [`FilterPattern::matches`] for one message.
//!
//! The three forms AWS documents:
//!
//! - **Terms** for unstructured text: `ERROR` (every term must appear, case-sensitively, as a
//!   substring), `"exact phrase"`, `?ERROR ?WARN` (at least one of the `?` terms), `-DEBUG` (the
//!   term must not appear), and `%regex%` terms.
//! - **JSON** for events whose message is a JSON document: `{ $.level = "error" }`,
//!   `{ $.latency > 50 && ($.user.id = 1 || $.tags[0] = "x*") }`, `{ $.a IS NULL }`,
//!   `{ $.a NOT EXISTS }`, `{ $.ok IS TRUE }`. `*` is a wildcard in string values.
//! - **Space-delimited** for fields separated by spaces (quoted or bracketed text is one field):
//!   `[ip, user, ..., status = 4*, size > 1000]`, where `...` stands for any number of fields.
//!
//! Both functions are pure and never panic, whatever the input: nesting is bounded and regular
//! expressions are compiled with size limits (a fuzz target calls [`parse_filter_pattern`]).
//!
//! Limits: JSON selectors support `.key` and `[index]` steps, not `[*]` or `.*`; conditions of a
//! space-delimited field can only test that field.

use std::collections::BTreeMap;

use regex::Regex;
use serde_json::Value;

/// Parentheses nest at most this deep, so hostile patterns cannot exhaust the stack.
const MAX_DEPTH: usize = 32;

/// A regular expression in a pattern may compile to at most this many bytes.
const REGEX_SIZE_LIMIT: usize = 1 << 20;

/// Why a filter pattern does not parse, and where (a byte offset into the trimmed pattern).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} at offset {position}")]
pub struct FilterPatternError {
    pub position: usize,
    pub message: String,
}

/// A parsed filter pattern.
#[derive(Debug, Clone)]
pub enum FilterPattern {
    /// The empty pattern, which every event matches.
    All,
    Terms(Vec<Term>),
    Json(JsonExpr),
    Spaced(Vec<SpacedField>),
}

/// How a term takes part in a terms pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TermRole {
    /// A plain term: it must appear.
    Required,
    /// `?term`: at least one optional term must appear.
    Optional,
    /// `-term`: it must not appear.
    Excluded,
}

#[derive(Debug, Clone)]
pub struct Term {
    pub role: TermRole,
    pub text: TextMatch,
}

/// Text a term looks for in a message.
#[derive(Debug, Clone)]
pub enum TextMatch {
    Literal(String),
    Regex(Regex),
}

impl TextMatch {
    fn found_in(&self, message: &str) -> bool {
        match self {
            TextMatch::Literal(literal) => message.contains(literal.as_str()),
            TextMatch::Regex(regex) => regex.is_match(message),
        }
    }
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// The right-hand side of a comparison.
#[derive(Debug, Clone)]
pub enum Operand {
    Number(f64),
    /// A string, in which `*` stands for any run of characters.
    Text(Wildcard),
    Regex(Regex),
}

/// One step of a JSON selector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Key(String),
    Index(usize),
}

/// A JSON pattern's expression. `&&` and `||` chains are flat lists, so only parentheses
/// (bounded by [`MAX_DEPTH`]) make the tree deeper, however long the pattern.
#[derive(Debug, Clone)]
pub enum JsonExpr {
    /// `a && b && ...`
    All(Vec<JsonExpr>),
    /// `a || b || ...`
    Any(Vec<JsonExpr>),
    Compare {
        selector: Vec<Step>,
        op: Op,
        operand: Operand,
    },
    IsNull(Vec<Step>),
    IsTrue(Vec<Step>),
    IsFalse(Vec<Step>),
    NotExists(Vec<Step>),
}

/// One field of a space-delimited pattern.
#[derive(Debug, Clone)]
pub enum SpacedField {
    /// `...`: any number of fields, including none.
    Ellipsis,
    Named {
        name: String,
        condition: Option<FieldCondition>,
    },
}

/// A condition on one space-delimited field; chains are flat, as in [`JsonExpr`].
#[derive(Debug, Clone)]
pub enum FieldCondition {
    All(Vec<FieldCondition>),
    Any(Vec<FieldCondition>),
    Compare { op: Op, operand: Operand },
}

/// A string with `*` standing for any run of characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wildcard {
    pub text: String,
}

impl Wildcard {
    fn matches(&self, candidate: &str) -> bool {
        let mut parts = self.text.split('*');
        let first = parts.next().unwrap_or_default();
        let Some(mut rest) = candidate.strip_prefix(first) else {
            return false;
        };
        let middle: Vec<&str> = parts.collect();
        let Some((last, middle)) = middle.split_last() else {
            // No `*` at all: the whole candidate must be the literal.
            return rest.is_empty();
        };
        for part in middle {
            match rest.find(part) {
                Some(at) => rest = &rest[at + part.len()..],
                None => return false,
            }
        }
        rest.len() >= last.len() && rest.ends_with(last)
    }
}

/// Parses a filter pattern. Empty (or blank) patterns match every event.
pub fn parse_filter_pattern(text: &str) -> Result<FilterPattern, FilterPatternError> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Ok(FilterPattern::All);
    }
    let mut scanner = Scanner::new(trimmed);
    let pattern = match scanner.peek() {
        Some('{') => FilterPattern::Json(parse_json(&mut scanner)?),
        Some('[') => FilterPattern::Spaced(parse_spaced(&mut scanner)?),
        _ => FilterPattern::Terms(parse_terms(&mut scanner)?),
    };
    scanner.skip_whitespace();
    if !scanner.at_end() {
        return Err(scanner.error("unexpected text after the pattern"));
    }
    Ok(pattern)
}

impl FilterPattern {
    /// Whether an event with this message matches.
    pub fn matches(&self, message: &str) -> bool {
        match self {
            FilterPattern::All => true,
            FilterPattern::Terms(terms) => terms_match(terms, message),
            FilterPattern::Json(expr) => match serde_json::from_str::<Value>(message) {
                Ok(document) => json_match(expr, &document),
                Err(_) => false,
            },
            FilterPattern::Spaced(fields) => spaced_match(fields, &split_fields(message)),
        }
    }

    /// The values a matching event yields, as metric filters see them (`TestMetricFilter`'s
    /// `extractedValues`): `$name` for each named field of a space-delimited pattern, and
    /// `$.path` for each selector a JSON pattern reads that the event has. `None` when the
    /// event does not match.
    pub fn extract(&self, message: &str) -> Option<BTreeMap<String, String>> {
        match self {
            FilterPattern::All | FilterPattern::Terms(_) => {
                self.matches(message).then(BTreeMap::new)
            }
            FilterPattern::Json(expr) => {
                let document = serde_json::from_str::<Value>(message).ok()?;
                if !json_match(expr, &document) {
                    return None;
                }
                let mut selectors = Vec::new();
                json_selectors(expr, &mut selectors);
                Some(
                    selectors
                        .into_iter()
                        .filter_map(|steps| {
                            let value = scalar_text(select(&document, steps)?)?;
                            Some((selector_text(steps), value))
                        })
                        .collect(),
                )
            }
            FilterPattern::Spaced(pattern) => {
                let fields = split_fields(message);
                let assigned = spaced_assignment(pattern, &fields)?;
                Some(
                    assigned
                        .into_iter()
                        .map(|(name, value)| (format!("${name}"), value.to_string()))
                        .collect(),
                )
            }
        }
    }

    /// The value a metric transformation's `metricValue` names for a matching event: a number
    /// written in the transformation, or `$name` / `$.path` read from the event. `None` when
    /// the event does not match, or the named value is missing or not a number.
    pub fn metric_value(&self, metric_value: &str, message: &str) -> Option<f64> {
        let extracted = self.extract(message)?;
        let text = if let Some(path) = metric_value.strip_prefix("$.") {
            let steps = parse_selector(&format!("$.{path}"))?;
            let document = serde_json::from_str::<Value>(message).ok()?;
            scalar_text(select(&document, &steps)?)?
        } else if metric_value.starts_with('$') {
            extracted.get(metric_value)?.clone()
        } else {
            metric_value.to_string()
        };
        text.trim()
            .parse::<f64>()
            .ok()
            .filter(|value| value.is_finite())
    }
}

/// Parses a JSON selector on its own (`$.a.b[0]`), as metric values and dimensions name them.
pub fn parse_selector(text: &str) -> Option<Vec<Step>> {
    let mut scanner = Scanner::new(text.trim());
    let steps = selector(&mut scanner).ok()?;
    scanner.at_end().then_some(steps)
}

/// A selector written back as text: `$.a.b[0]`.
fn selector_text(steps: &[Step]) -> String {
    let mut text = String::from("$");
    for step in steps {
        match step {
            Step::Key(key) => {
                text.push('.');
                text.push_str(key);
            }
            Step::Index(index) => text.push_str(&format!("[{index}]")),
        }
    }
    text
}

/// A scalar's text (strings without quotes); objects, arrays and null have none.
fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(_) | Value::Bool(_) => Some(value.to_string()),
        _ => None,
    }
}

/// The selectors a JSON expression reads, each once, in the order they appear.
fn json_selectors<'e>(expr: &'e JsonExpr, out: &mut Vec<&'e [Step]>) {
    let mut push = |steps: &'e [Step]| {
        if !out.contains(&steps) {
            out.push(steps);
        }
    };
    match expr {
        JsonExpr::All(items) | JsonExpr::Any(items) => {
            for item in items {
                json_selectors(item, out);
            }
        }
        JsonExpr::Compare { selector, .. }
        | JsonExpr::IsNull(selector)
        | JsonExpr::IsTrue(selector)
        | JsonExpr::IsFalse(selector)
        | JsonExpr::NotExists(selector) => push(selector),
    }
}

fn terms_match(terms: &[Term], message: &str) -> bool {
    let mut any_optional = false;
    let mut optional_found = false;
    for term in terms {
        let found = term.text.found_in(message);
        match term.role {
            TermRole::Required if !found => return false,
            TermRole::Excluded if found => return false,
            TermRole::Optional => {
                any_optional = true;
                optional_found |= found;
            }
            _ => {}
        }
    }
    !any_optional || optional_found
}

fn select<'v>(document: &'v Value, selector: &[Step]) -> Option<&'v Value> {
    selector
        .iter()
        .try_fold(document, |value, step| match (step, value) {
            (Step::Key(key), Value::Object(object)) => object.get(key),
            (Step::Index(index), Value::Array(items)) => items.get(*index),
            _ => None,
        })
}

fn json_match(expr: &JsonExpr, document: &Value) -> bool {
    match expr {
        JsonExpr::All(all) => all.iter().all(|expr| json_match(expr, document)),
        JsonExpr::Any(any) => any.iter().any(|expr| json_match(expr, document)),
        JsonExpr::IsNull(selector) => select(document, selector).is_some_and(Value::is_null),
        JsonExpr::IsTrue(selector) => select(document, selector) == Some(&Value::Bool(true)),
        JsonExpr::IsFalse(selector) => select(document, selector) == Some(&Value::Bool(false)),
        JsonExpr::NotExists(selector) => select(document, selector).is_none(),
        JsonExpr::Compare {
            selector,
            op,
            operand,
        } => match select(document, selector) {
            // Numbers and booleans compare through their JSON text, so `= 200` and `= "200"`
            // both find a numeric 200 (and a string "200"). Objects, arrays and null never do.
            Some(Value::String(text)) => compare(text, *op, operand),
            Some(value @ (Value::Number(_) | Value::Bool(_))) => {
                compare(&value.to_string(), *op, operand)
            }
            _ => false,
        },
    }
}

/// Compares a field's text with an operand: numerically when both are numbers, else as text.
fn compare(field: &str, op: Op, operand: &Operand) -> bool {
    match operand {
        Operand::Number(number) => match field.trim().parse::<f64>() {
            Ok(value) => match op {
                Op::Eq => value == *number,
                Op::Ne => value != *number,
                Op::Lt => value < *number,
                Op::Le => value <= *number,
                Op::Gt => value > *number,
                Op::Ge => value >= *number,
            },
            Err(_) => false,
        },
        Operand::Text(wildcard) => match op {
            Op::Eq => wildcard.matches(field),
            Op::Ne => !wildcard.matches(field),
            _ => false,
        },
        Operand::Regex(regex) => match op {
            Op::Eq => regex.is_match(field),
            Op::Ne => !regex.is_match(field),
            _ => false,
        },
    }
}

fn condition_match(condition: &FieldCondition, field: &str) -> bool {
    match condition {
        FieldCondition::All(all) => all
            .iter()
            .all(|condition| condition_match(condition, field)),
        FieldCondition::Any(any) => any
            .iter()
            .any(|condition| condition_match(condition, field)),
        FieldCondition::Compare { op, operand } => compare(field, *op, operand),
    }
}

/// Splits a message into space-delimited fields: runs of non-blank text, or text in double
/// quotes or square brackets (without them).
fn split_fields(message: &str) -> Vec<&str> {
    let mut fields = Vec::new();
    let mut rest = message;
    loop {
        rest = rest.trim_start();
        let Some(first) = rest.chars().next() else {
            return fields;
        };
        let closing = match first {
            '"' => Some('"'),
            '[' => Some(']'),
            _ => None,
        };
        match closing {
            Some(closing) => {
                let inner = &rest[1..];
                match inner.find(closing) {
                    Some(end) => {
                        fields.push(&inner[..end]);
                        rest = &inner[end + 1..];
                    }
                    None => {
                        fields.push(inner);
                        return fields;
                    }
                }
            }
            None => {
                let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
                fields.push(&rest[..end]);
                rest = &rest[end..];
            }
        }
    }
}

/// Whether the fields fit the pattern, `...` taking any number of them.
fn spaced_match(pattern: &[SpacedField], fields: &[&str]) -> bool {
    // reachable[j]: the first i pattern fields can consume exactly the first j message fields.
    let mut reachable = vec![false; fields.len() + 1];
    reachable[0] = true;
    for field in pattern {
        let mut next = vec![false; fields.len() + 1];
        match field {
            SpacedField::Ellipsis => {
                let mut any = false;
                for (j, slot) in next.iter_mut().enumerate() {
                    any |= reachable[j];
                    *slot = any;
                }
            }
            SpacedField::Named { condition, .. } => {
                for j in 0..fields.len() {
                    if reachable[j]
                        && condition
                            .as_ref()
                            .is_none_or(|condition| condition_match(condition, fields[j]))
                    {
                        next[j + 1] = true;
                    }
                }
            }
        }
        reachable = next;
    }
    reachable[fields.len()]
}

/// The named fields' values of one way the fields fit the pattern (`...` taking as few fields
/// as it can), or `None` when they do not fit.
fn spaced_assignment<'m>(
    pattern: &[SpacedField],
    fields: &[&'m str],
) -> Option<Vec<(String, &'m str)>> {
    // reachable[i][j]: the first i pattern fields can consume exactly the first j message fields.
    let mut reachable = vec![vec![false; fields.len() + 1]; pattern.len() + 1];
    reachable[0][0] = true;
    for (i, field) in pattern.iter().enumerate() {
        for j in 0..=fields.len() {
            reachable[i + 1][j] = match field {
                SpacedField::Ellipsis => (0..=j).any(|k| reachable[i][k]),
                SpacedField::Named { condition, .. } => {
                    j > 0
                        && reachable[i][j - 1]
                        && condition
                            .as_ref()
                            .is_none_or(|condition| condition_match(condition, fields[j - 1]))
                }
            };
        }
    }
    if !reachable[pattern.len()][fields.len()] {
        return None;
    }
    let mut assigned = Vec::new();
    let mut j = fields.len();
    for (i, field) in pattern.iter().enumerate().rev() {
        match field {
            SpacedField::Ellipsis => {
                // The latest start the earlier fields can reach leaves `...` the fewest fields.
                j = (0..=j).rev().find(|&k| reachable[i][k])?;
            }
            SpacedField::Named { name, .. } => {
                j -= 1;
                assigned.push((name.clone(), fields[j]));
            }
        }
    }
    assigned.reverse();
    Some(assigned)
}

/// A cursor over the pattern's text.
struct Scanner<'a> {
    text: &'a str,
    position: usize,
}

impl<'a> Scanner<'a> {
    fn new(text: &'a str) -> Self {
        Self { text, position: 0 }
    }

    fn rest(&self) -> &'a str {
        &self.text[self.position..]
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn at_end(&self) -> bool {
        self.position >= self.text.len()
    }

    fn bump(&mut self) -> Option<char> {
        let next = self.peek()?;
        self.position += next.len_utf8();
        Some(next)
    }

    fn skip_whitespace(&mut self) {
        let rest = self.rest();
        self.position += rest.len() - rest.trim_start().len();
    }

    /// Consumes `token` if the text continues with it.
    fn eat(&mut self, token: &str) -> bool {
        if self.rest().starts_with(token) {
            self.position += token.len();
            true
        } else {
            false
        }
    }

    /// Consumes `word` if the text continues with it as a whole word.
    fn eat_word(&mut self, word: &str) -> bool {
        let Some(after) = self.rest().strip_prefix(word) else {
            return false;
        };
        let boundary = after
            .chars()
            .next()
            .is_none_or(|next| !next.is_alphanumeric() && next != '_');
        if boundary {
            self.position += word.len();
            true
        } else {
            false
        }
    }

    fn expect(&mut self, token: &str) -> Result<(), FilterPatternError> {
        if self.eat(token) {
            Ok(())
        } else {
            Err(self.error(&format!("expected `{token}`")))
        }
    }

    /// Consumes characters while `keep` holds; returns them.
    fn take_while(&mut self, keep: impl Fn(char) -> bool) -> &'a str {
        let rest = self.rest();
        let end = rest.find(|c: char| !keep(c)).unwrap_or(rest.len());
        self.position += end;
        &rest[..end]
    }

    fn error(&self, message: &str) -> FilterPatternError {
        FilterPatternError {
            position: self.position,
            message: message.to_string(),
        }
    }

    /// A double-quoted string, the opening quote next; `\"` and `\\` are escapes.
    fn quoted(&mut self) -> Result<String, FilterPatternError> {
        let start = self.position;
        self.expect("\"")?;
        let mut out = String::new();
        loop {
            match self.bump() {
                Some('"') => return Ok(out),
                Some('\\') => match self.bump() {
                    Some(escaped) => out.push(escaped),
                    None => break,
                },
                Some(other) => out.push(other),
                None => break,
            }
        }
        Err(FilterPatternError {
            position: start,
            message: "unterminated quoted string".into(),
        })
    }

    /// A `%regex%`, the opening `%` next; `\%` stands for a literal percent sign.
    fn regex(&mut self) -> Result<Regex, FilterPatternError> {
        let start = self.position;
        self.expect("%")?;
        let mut source = String::new();
        loop {
            match self.bump() {
                Some('%') => break,
                Some('\\') if self.peek() == Some('%') => {
                    self.bump();
                    source.push('%');
                }
                Some(other) => source.push(other),
                None => {
                    return Err(FilterPatternError {
                        position: start,
                        message: "unterminated regular expression".into(),
                    });
                }
            }
        }
        if source.is_empty() {
            return Err(FilterPatternError {
                position: start,
                message: "empty regular expression".into(),
            });
        }
        regex::RegexBuilder::new(&source)
            .size_limit(REGEX_SIZE_LIMIT)
            .dfa_size_limit(REGEX_SIZE_LIMIT)
            .build()
            .map_err(|_| FilterPatternError {
                position: start,
                message: "invalid regular expression".into(),
            })
    }
}

fn parse_terms(scanner: &mut Scanner<'_>) -> Result<Vec<Term>, FilterPatternError> {
    let mut terms = Vec::new();
    loop {
        scanner.skip_whitespace();
        if scanner.at_end() {
            return Ok(terms);
        }
        let role = if scanner.eat("?") {
            TermRole::Optional
        } else if scanner.eat("-") {
            TermRole::Excluded
        } else {
            TermRole::Required
        };
        let text = match scanner.peek() {
            Some('"') => TextMatch::Literal(scanner.quoted()?),
            Some('%') => TextMatch::Regex(scanner.regex()?),
            Some(c) if !c.is_whitespace() => {
                let word = scanner.take_while(|c| !c.is_whitespace() && c != '"');
                if scanner.peek() == Some('"') {
                    return Err(scanner.error("a quote inside a term"));
                }
                TextMatch::Literal(word.to_string())
            }
            _ => return Err(scanner.error("a `?` or `-` without a term")),
        };
        terms.push(Term { role, text });
    }
}

fn parse_json(scanner: &mut Scanner<'_>) -> Result<JsonExpr, FilterPatternError> {
    scanner.expect("{")?;
    let expr = json_or(scanner, 0)?;
    scanner.skip_whitespace();
    scanner.expect("}")?;
    Ok(expr)
}

/// Parses `item (separator item)*`, flattening the chain into one list.
fn chain<T>(
    scanner: &mut Scanner<'_>,
    separator: &str,
    mut item: impl FnMut(&mut Scanner<'_>) -> Result<T, FilterPatternError>,
    wrap: impl FnOnce(Vec<T>) -> T,
) -> Result<T, FilterPatternError> {
    let mut items = vec![item(scanner)?];
    loop {
        scanner.skip_whitespace();
        if !scanner.eat(separator) {
            break;
        }
        items.push(item(scanner)?);
    }
    Ok(match items.len() {
        1 => items.remove(0),
        _ => wrap(items),
    })
}

fn json_or(scanner: &mut Scanner<'_>, depth: usize) -> Result<JsonExpr, FilterPatternError> {
    chain(scanner, "||", |s| json_and(s, depth), JsonExpr::Any)
}

fn json_and(scanner: &mut Scanner<'_>, depth: usize) -> Result<JsonExpr, FilterPatternError> {
    chain(scanner, "&&", |s| json_atom(s, depth), JsonExpr::All)
}

fn json_atom(scanner: &mut Scanner<'_>, depth: usize) -> Result<JsonExpr, FilterPatternError> {
    scanner.skip_whitespace();
    if scanner.eat("(") {
        if depth >= MAX_DEPTH {
            return Err(scanner.error("parentheses nest too deeply"));
        }
        let inner = json_or(scanner, depth + 1)?;
        scanner.skip_whitespace();
        scanner.expect(")")?;
        return Ok(inner);
    }
    let selector = selector(scanner)?;
    scanner.skip_whitespace();
    if scanner.eat_word("IS") {
        scanner.skip_whitespace();
        if scanner.eat_word("NULL") {
            return Ok(JsonExpr::IsNull(selector));
        }
        if scanner.eat_word("TRUE") {
            return Ok(JsonExpr::IsTrue(selector));
        }
        if scanner.eat_word("FALSE") {
            return Ok(JsonExpr::IsFalse(selector));
        }
        return Err(scanner.error("expected NULL, TRUE or FALSE after IS"));
    }
    if scanner.eat_word("NOT") {
        scanner.skip_whitespace();
        if scanner.eat_word("EXISTS") {
            return Ok(JsonExpr::NotExists(selector));
        }
        return Err(scanner.error("expected EXISTS after NOT"));
    }
    let op = operator(scanner)?;
    let operand = operand(scanner, op, |c| matches!(c, ')' | '}'))?;
    Ok(JsonExpr::Compare {
        selector,
        op,
        operand,
    })
}

/// A selector: `$` followed by `.key` and `[index]` steps, at least one.
fn selector(scanner: &mut Scanner<'_>) -> Result<Vec<Step>, FilterPatternError> {
    scanner.expect("$")?;
    let mut steps = Vec::new();
    loop {
        if scanner.eat(".") {
            let key =
                scanner.take_while(|c| !c.is_whitespace() && !"$.[](){}=!<>&|\"%*".contains(c));
            if key.is_empty() {
                return Err(scanner.error("expected a key after `.`"));
            }
            steps.push(Step::Key(key.to_string()));
        } else if scanner.eat("[") {
            let digits = scanner.take_while(|c| c.is_ascii_digit());
            let index = digits
                .parse::<usize>()
                .map_err(|_| scanner.error("expected an array index"))?;
            scanner.expect("]")?;
            steps.push(Step::Index(index));
        } else if steps.is_empty() {
            return Err(scanner.error("expected `.` or `[` after `$`"));
        } else {
            return Ok(steps);
        }
    }
}

fn operator(scanner: &mut Scanner<'_>) -> Result<Op, FilterPatternError> {
    scanner.skip_whitespace();
    for (token, op) in [
        ("!=", Op::Ne),
        ("<=", Op::Le),
        (">=", Op::Ge),
        ("=", Op::Eq),
        ("<", Op::Lt),
        (">", Op::Gt),
    ] {
        if scanner.eat(token) {
            return Ok(op);
        }
    }
    Err(scanner.error("expected a comparison operator"))
}

/// Whether a bare word is a number, as patterns write them (`-1`, `2.5`, `1e3`).
fn number(word: &str) -> Option<f64> {
    let digits = word.strip_prefix('-').unwrap_or(word);
    let starts_with_digit = digits.chars().next().is_some_and(|c| c.is_ascii_digit());
    let plain = digits
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-'));
    if starts_with_digit && plain {
        word.parse::<f64>().ok().filter(|n| n.is_finite())
    } else {
        None
    }
}

/// The value after an operator: a quoted string, a `%regex%`, a number, or a bare word (which
/// may hold `*` wildcards). Bare words end at blanks or at a character `stop` accepts.
fn operand(
    scanner: &mut Scanner<'_>,
    op: Op,
    stop: impl Fn(char) -> bool,
) -> Result<Operand, FilterPatternError> {
    scanner.skip_whitespace();
    let start = scanner.position;
    let operand = match scanner.peek() {
        Some('"') => Operand::Text(Wildcard {
            text: scanner.quoted()?,
        }),
        Some('%') => Operand::Regex(scanner.regex()?),
        _ => {
            // `&` and `|` end a bare word so that `$.a=1&&$.b=2` reads as two comparisons.
            let word = scanner
                .take_while(|c| !c.is_whitespace() && !stop(c) && !matches!(c, '"' | '&' | '|'));
            if word.is_empty() {
                return Err(scanner.error("expected a value"));
            }
            match number(word) {
                Some(n) => Operand::Number(n),
                None => Operand::Text(Wildcard {
                    text: word.to_string(),
                }),
            }
        }
    };
    let ordering = matches!(op, Op::Lt | Op::Le | Op::Gt | Op::Ge);
    if ordering && !matches!(operand, Operand::Number(_)) {
        return Err(FilterPatternError {
            position: start,
            message: "only numbers can be compared with <, <=, > or >=".into(),
        });
    }
    Ok(operand)
}

fn parse_spaced(scanner: &mut Scanner<'_>) -> Result<Vec<SpacedField>, FilterPatternError> {
    scanner.expect("[")?;
    let mut fields = Vec::new();
    scanner.skip_whitespace();
    // `[]` names no field: every event matches it, as `...` alone would.
    if scanner.eat("]") {
        return Ok(vec![SpacedField::Ellipsis]);
    }
    loop {
        scanner.skip_whitespace();
        if scanner.eat("...") {
            fields.push(SpacedField::Ellipsis);
        } else {
            let name = field_name(scanner)?;
            scanner.skip_whitespace();
            let condition = if matches!(scanner.peek(), Some('=' | '!' | '<' | '>')) {
                Some(field_or(scanner, name, 0)?)
            } else {
                None
            };
            fields.push(SpacedField::Named {
                name: name.to_string(),
                condition,
            });
        }
        scanner.skip_whitespace();
        if scanner.eat(",") {
            continue;
        }
        scanner.expect("]")?;
        return Ok(fields);
    }
}

fn field_name<'a>(scanner: &mut Scanner<'a>) -> Result<&'a str, FilterPatternError> {
    let name = scanner.take_while(|c| c.is_alphanumeric() || c == '_' || c == '-');
    if name.is_empty() {
        return Err(scanner.error("expected a field name or `...`"));
    }
    Ok(name)
}

fn field_or(
    scanner: &mut Scanner<'_>,
    name: &str,
    depth: usize,
) -> Result<FieldCondition, FilterPatternError> {
    chain(
        scanner,
        "||",
        |s| field_and(s, name, depth),
        FieldCondition::Any,
    )
}

fn field_and(
    scanner: &mut Scanner<'_>,
    name: &str,
    depth: usize,
) -> Result<FieldCondition, FilterPatternError> {
    chain(
        scanner,
        "&&",
        |s| field_atom(s, name, depth),
        FieldCondition::All,
    )
}

/// `(condition)`, or `[name] op value` where a repeated name must be the field's own.
fn field_atom(
    scanner: &mut Scanner<'_>,
    name: &str,
    depth: usize,
) -> Result<FieldCondition, FilterPatternError> {
    scanner.skip_whitespace();
    if scanner.eat("(") {
        if depth >= MAX_DEPTH {
            return Err(scanner.error("parentheses nest too deeply"));
        }
        let inner = field_or(scanner, name, depth + 1)?;
        scanner.skip_whitespace();
        scanner.expect(")")?;
        return Ok(inner);
    }
    if !matches!(scanner.peek(), Some('=' | '!' | '<' | '>')) {
        let start = scanner.position;
        let repeated = field_name(scanner)?;
        if repeated != name {
            return Err(FilterPatternError {
                position: start,
                message: format!("a condition of field `{name}` can only test `{name}`"),
            });
        }
    }
    let op = operator(scanner)?;
    let operand = operand(scanner, op, |c| matches!(c, ',' | ']' | ')'))?;
    Ok(FieldCondition::Compare { op, operand })
}

#[cfg(test)]
mod tests;
