//! A subset of the Kusto Query Language (KQL), as Log Analytics runs it: a table name, then
//! `| where`, `| project`, `| extend`, `| order by`/`| sort by`, `| take`/`| limit`, `| top N by`,
//! `| count`, `| summarize count() by`, `| distinct`. Expressions: `==`, `!=`, `=~`, `!~`, `<`,
//! `<=`, `>`, `>=`, `contains`, `has`, `startswith`, `endswith` (and their `!` forms), `and`,
//! `or`, `not()`, `+`/`-` on times, string, number and timespan literals (`5m`, `1h`, `2d`),
//! `ago()`, `now()`, `datetime()`, `isempty()`, `isnotempty()`, `tostring()`, `tolower()`,
//! `toupper()`.
//!
//! Pure: [`parse`] turns text into a [`Query`], [`Query::run`] evaluates it over a [`Table`] at
//! a given time. Anything outside the subset is a [`QueryError`] naming it, never a wrong
//! answer. What this module must not do: know where rows are kept or how errors are rendered.

use std::cmp::Ordering;

/// A cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Str(String),
    Long(i64),
    Real(f64),
    Bool(bool),
    /// Milliseconds since the epoch.
    DateTime(i64),
    /// Milliseconds.
    Timespan(i64),
}

/// A column's type, as the query API names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    String,
    DateTime,
    Long,
    Real,
    Bool,
    Timespan,
}

impl ColumnType {
    pub fn as_str(self) -> &'static str {
        match self {
            ColumnType::String => "string",
            ColumnType::DateTime => "datetime",
            ColumnType::Long => "long",
            ColumnType::Real => "real",
            ColumnType::Bool => "bool",
            ColumnType::Timespan => "timespan",
        }
    }
}

/// Rows under named, typed columns.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Table {
    pub columns: Vec<(String, ColumnType)>,
    pub rows: Vec<Vec<Value>>,
}

impl Table {
    fn index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|(n, _)| n == name)
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum QueryError {
    /// `SYN0002`: the text is not KQL (or not the subset).
    #[error("Query could not be parsed at '{token}' on line [1,{position}]")]
    Syntax { token: String, position: usize },
    /// `SEM0100`: a table or column that does not exist.
    #[error("'{operator}' operator: Failed to resolve table or column expression named '{name}'")]
    Unresolved { operator: String, name: String },
    /// An operator or function the simulator does not run.
    #[error("The simulator's KQL subset does not support '{0}'")]
    Unsupported(String),
    /// Operands of types an operator does not take.
    #[error("{0}")]
    Type(String),
}

// --- lexing ---

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Ident(String),
    Str(String),
    Long(i64),
    Real(f64),
    Timespan(i64),
    /// The raw text of `datetime(...)`.
    DateTimeLiteral(String),
    Symbol(&'static str),
}

const SYMBOLS: &[&str] = &[
    "==", "!=", "=~", "!~", "<=", ">=", "|", ",", "(", ")", "<", ">", "=", "+", "-", "*", "/",
];

fn lex(text: &str) -> Result<Vec<(Token, usize)>, QueryError> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut at = 0;
    let syntax = |at: usize| QueryError::Syntax {
        token: chars
            .get(at..)
            .unwrap_or_default()
            .iter()
            .take_while(|c| !c.is_whitespace())
            .collect(),
        position: at + 1,
    };
    while at < chars.len() {
        let c = chars[at];
        let start = at;
        if c.is_whitespace() {
            at += 1;
        } else if c == '"' || c == '\'' {
            let mut value = String::new();
            at += 1;
            loop {
                match chars.get(at) {
                    None => return Err(syntax(start)),
                    Some('\\') => {
                        let escaped = chars.get(at + 1).ok_or_else(|| syntax(start))?;
                        value.push(match escaped {
                            'n' => '\n',
                            't' => '\t',
                            other => *other,
                        });
                        at += 2;
                    }
                    Some(q) if *q == c => {
                        at += 1;
                        break;
                    }
                    Some(other) => {
                        value.push(*other);
                        at += 1;
                    }
                }
            }
            tokens.push((Token::Str(value), start));
        } else if c.is_ascii_digit() {
            while at < chars.len() && (chars[at].is_ascii_digit() || chars[at] == '.') {
                at += 1;
            }
            let number: String = chars[start..at].iter().collect();
            let unit_start = at;
            while at < chars.len() && chars[at].is_ascii_alphabetic() {
                at += 1;
            }
            let unit: String = chars[unit_start..at].iter().collect();
            let value: f64 = number.parse().map_err(|_| syntax(start))?;
            let token = match unit.as_str() {
                "" if number.contains('.') => Token::Real(value),
                "" => Token::Long(number.parse().map_err(|_| syntax(start))?),
                unit => {
                    let millis = match unit {
                        "d" => 86_400_000.0,
                        "h" => 3_600_000.0,
                        "m" => 60_000.0,
                        "s" => 1_000.0,
                        "ms" => 1.0,
                        _ => return Err(syntax(start)),
                    };
                    Token::Timespan((value * millis) as i64)
                }
            };
            tokens.push((token, start));
        } else if c.is_ascii_alphabetic() || c == '_' || c == '$' {
            while at < chars.len()
                && (chars[at].is_ascii_alphanumeric() || chars[at] == '_' || chars[at] == '$')
            {
                at += 1;
            }
            let word: String = chars[start..at].iter().collect();
            // `datetime(2024-01-01T00:00:00Z)` holds raw text, not tokens.
            let mut after = at;
            while after < chars.len() && chars[after].is_whitespace() {
                after += 1;
            }
            if word == "datetime" && chars.get(after) == Some(&'(') {
                let close = chars[after..]
                    .iter()
                    .position(|c| *c == ')')
                    .ok_or_else(|| syntax(start))?;
                let raw: String = chars[after + 1..after + close].iter().collect();
                tokens.push((Token::DateTimeLiteral(raw.trim().to_string()), start));
                at = after + close + 1;
            } else {
                tokens.push((Token::Ident(word), start));
            }
        } else if c == '!' && chars.get(at + 1).is_some_and(|n| n.is_ascii_alphabetic()) {
            // `!contains`, `!has`, `!startswith`, `!endswith`.
            at += 1;
            while at < chars.len() && chars[at].is_ascii_alphanumeric() {
                at += 1;
            }
            let word: String = chars[start..at].iter().collect();
            tokens.push((Token::Ident(word), start));
        } else {
            let rest: String = chars[at..chars.len().min(at + 2)].iter().collect();
            let symbol = SYMBOLS
                .iter()
                .find(|s| rest.starts_with(**s))
                .ok_or_else(|| syntax(start))?;
            at += symbol.chars().count();
            tokens.push((Token::Symbol(symbol), start));
        }
    }
    Ok(tokens)
}

// --- syntax ---

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Literal(Value),
    Column(String),
    Call(String, Vec<Expr>),
    Binary(Box<Expr>, String, Box<Expr>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Operator {
    Where(Expr),
    Project(Vec<(String, Expr)>),
    Extend(Vec<(String, Expr)>),
    Order(Vec<(String, bool)>),
    Take(usize),
    Top(usize, Vec<(String, bool)>),
    Count,
    SummarizeCount(Vec<String>),
    Distinct(Vec<String>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    pub table: String,
    pub operators: Vec<Operator>,
}

struct Parser {
    tokens: Vec<(Token, usize)>,
    at: usize,
    length: usize,
}

/// Parses `text` into a query.
pub fn parse(text: &str) -> Result<Query, QueryError> {
    let tokens = lex(text)?;
    let mut parser = Parser {
        tokens,
        at: 0,
        length: text.chars().count(),
    };
    let table = parser.ident()?;
    let mut operators = Vec::new();
    while !parser.done() {
        parser.symbol("|")?;
        operators.push(parser.operator()?);
    }
    Ok(Query { table, operators })
}

impl Parser {
    fn done(&self) -> bool {
        self.at >= self.tokens.len()
    }

    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at).map(|(t, _)| t)
    }

    fn error(&self) -> QueryError {
        match self.tokens.get(self.at) {
            Some((token, position)) => QueryError::Syntax {
                token: match token {
                    Token::Ident(s) | Token::Str(s) | Token::DateTimeLiteral(s) => s.clone(),
                    Token::Symbol(s) => (*s).to_string(),
                    Token::Long(n) => n.to_string(),
                    Token::Real(n) => n.to_string(),
                    Token::Timespan(n) => format!("{n}ms"),
                },
                position: position + 1,
            },
            None => QueryError::Syntax {
                token: "<EOF>".into(),
                position: self.length + 1,
            },
        }
    }

    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.at).map(|(t, _)| t.clone());
        self.at += 1;
        token
    }

    fn symbol(&mut self, symbol: &str) -> Result<(), QueryError> {
        match self.peek() {
            Some(Token::Symbol(s)) if *s == symbol => {
                self.at += 1;
                Ok(())
            }
            _ => Err(self.error()),
        }
    }

    fn is_symbol(&self, symbol: &str) -> bool {
        matches!(self.peek(), Some(Token::Symbol(s)) if *s == symbol)
    }

    fn is_word(&self, word: &str) -> bool {
        matches!(self.peek(), Some(Token::Ident(w)) if w == word)
    }

    fn word(&mut self, word: &str) -> Result<(), QueryError> {
        if self.is_word(word) {
            self.at += 1;
            Ok(())
        } else {
            Err(self.error())
        }
    }

    fn ident(&mut self) -> Result<String, QueryError> {
        match self.peek() {
            Some(Token::Ident(name)) => {
                let name = name.clone();
                self.at += 1;
                Ok(name)
            }
            _ => Err(self.error()),
        }
    }

    fn count(&mut self) -> Result<usize, QueryError> {
        match self.peek() {
            Some(Token::Long(n)) if *n >= 0 => {
                let n = usize::try_from(*n).unwrap_or(usize::MAX);
                self.at += 1;
                Ok(n)
            }
            _ => Err(self.error()),
        }
    }

    fn operator(&mut self) -> Result<Operator, QueryError> {
        let name = self.ident().map_err(|_| self.error())?;
        match name.as_str() {
            "where" | "filter" => Ok(Operator::Where(self.expr()?)),
            "project" => Ok(Operator::Project(self.assignments(true)?)),
            "extend" => Ok(Operator::Extend(self.assignments(false)?)),
            "order" | "sort" => {
                self.word("by")?;
                Ok(Operator::Order(self.sort_keys()?))
            }
            "take" | "limit" => Ok(Operator::Take(self.count()?)),
            "top" => {
                let n = self.count()?;
                self.word("by")?;
                Ok(Operator::Top(n, self.sort_keys()?))
            }
            "count" => Ok(Operator::Count),
            "summarize" => {
                self.word("count")?;
                self.symbol("(")?;
                self.symbol(")")?;
                let mut by = Vec::new();
                if self.is_word("by") {
                    self.at += 1;
                    by.push(self.ident()?);
                    while self.is_symbol(",") {
                        self.at += 1;
                        by.push(self.ident()?);
                    }
                }
                if !self.done() && !self.is_symbol("|") {
                    return Err(QueryError::Unsupported(
                        "summarize with aggregations other than count()".into(),
                    ));
                }
                Ok(Operator::SummarizeCount(by))
            }
            "distinct" => {
                let mut columns = vec![self.ident()?];
                while self.is_symbol(",") {
                    self.at += 1;
                    columns.push(self.ident()?);
                }
                Ok(Operator::Distinct(columns))
            }
            other => Err(QueryError::Unsupported(format!("{other} operator"))),
        }
    }

    /// `a, b = expr, …` (`project`), or `b = expr, …` (`extend`).
    fn assignments(&mut self, bare_allowed: bool) -> Result<Vec<(String, Expr)>, QueryError> {
        let mut list = Vec::new();
        loop {
            let name = self.ident()?;
            if self.is_symbol("=") {
                self.at += 1;
                list.push((name, self.expr()?));
            } else if bare_allowed {
                list.push((name.clone(), Expr::Column(name)));
            } else {
                return Err(self.error());
            }
            if !self.is_symbol(",") {
                return Ok(list);
            }
            self.at += 1;
        }
    }

    fn sort_keys(&mut self) -> Result<Vec<(String, bool)>, QueryError> {
        let mut keys = Vec::new();
        loop {
            let column = self.ident()?;
            // KQL sorts descending unless told otherwise.
            let ascending = if self.is_word("asc") {
                self.at += 1;
                true
            } else {
                if self.is_word("desc") {
                    self.at += 1;
                }
                false
            };
            keys.push((column, ascending));
            if !self.is_symbol(",") {
                return Ok(keys);
            }
            self.at += 1;
        }
    }

    fn expr(&mut self) -> Result<Expr, QueryError> {
        let mut left = self.and_expr()?;
        while self.is_word("or") {
            self.at += 1;
            let right = self.and_expr()?;
            left = Expr::Binary(Box::new(left), "or".into(), Box::new(right));
        }
        Ok(left)
    }

    fn and_expr(&mut self) -> Result<Expr, QueryError> {
        let mut left = self.comparison()?;
        while self.is_word("and") {
            self.at += 1;
            let right = self.comparison()?;
            left = Expr::Binary(Box::new(left), "and".into(), Box::new(right));
        }
        Ok(left)
    }

    fn comparison(&mut self) -> Result<Expr, QueryError> {
        let left = self.additive()?;
        let operator = match self.peek() {
            Some(Token::Symbol(s @ ("==" | "!=" | "=~" | "!~" | "<" | "<=" | ">" | ">="))) => {
                (*s).to_string()
            }
            Some(Token::Ident(word))
                if matches!(
                    word.as_str(),
                    "contains"
                        | "!contains"
                        | "has"
                        | "!has"
                        | "startswith"
                        | "!startswith"
                        | "endswith"
                        | "!endswith"
                        | "contains_cs"
                        | "!contains_cs"
                ) =>
            {
                word.clone()
            }
            Some(Token::Ident(word))
                if matches!(word.as_str(), "in" | "!in" | "matches" | "between") =>
            {
                return Err(QueryError::Unsupported(format!("{word} operator")));
            }
            _ => return Ok(left),
        };
        self.at += 1;
        let right = self.additive()?;
        Ok(Expr::Binary(Box::new(left), operator, Box::new(right)))
    }

    fn additive(&mut self) -> Result<Expr, QueryError> {
        let mut left = self.primary()?;
        while self.is_symbol("+") || self.is_symbol("-") {
            let operator = if self.is_symbol("+") { "+" } else { "-" };
            self.at += 1;
            let right = self.primary()?;
            left = Expr::Binary(Box::new(left), operator.into(), Box::new(right));
        }
        Ok(left)
    }

    fn primary(&mut self) -> Result<Expr, QueryError> {
        let position = self.at;
        match self.next() {
            Some(Token::Str(s)) => Ok(Expr::Literal(Value::Str(s))),
            Some(Token::Long(n)) => Ok(Expr::Literal(Value::Long(n))),
            Some(Token::Real(n)) => Ok(Expr::Literal(Value::Real(n))),
            Some(Token::Timespan(n)) => Ok(Expr::Literal(Value::Timespan(n))),
            Some(Token::DateTimeLiteral(raw)) => match parse_datetime(&raw) {
                Some(millis) => Ok(Expr::Literal(Value::DateTime(millis))),
                None => {
                    self.at = position;
                    Err(self.error())
                }
            },
            Some(Token::Symbol("(")) => {
                let inner = self.expr()?;
                self.symbol(")")?;
                Ok(inner)
            }
            Some(Token::Symbol("-")) => match self.next() {
                Some(Token::Long(n)) => Ok(Expr::Literal(Value::Long(-n))),
                Some(Token::Real(n)) => Ok(Expr::Literal(Value::Real(-n))),
                Some(Token::Timespan(n)) => Ok(Expr::Literal(Value::Timespan(-n))),
                _ => {
                    self.at = position;
                    Err(self.error())
                }
            },
            Some(Token::Ident(name)) if self.is_symbol("(") => {
                self.at += 1;
                let mut args = Vec::new();
                if !self.is_symbol(")") {
                    args.push(self.expr()?);
                    while self.is_symbol(",") {
                        self.at += 1;
                        args.push(self.expr()?);
                    }
                }
                self.symbol(")")?;
                const FUNCTIONS: &[(&str, usize)] = &[
                    ("ago", 1),
                    ("now", 0),
                    ("not", 1),
                    ("isempty", 1),
                    ("isnotempty", 1),
                    ("tostring", 1),
                    ("tolower", 1),
                    ("toupper", 1),
                ];
                match FUNCTIONS.iter().find(|(n, _)| *n == name) {
                    Some((_, arity)) if *arity == args.len() => Ok(Expr::Call(name, args)),
                    Some(_) => Err(QueryError::Type(format!(
                        "function '{name}' was called with {} arguments",
                        args.len()
                    ))),
                    None => Err(QueryError::Unsupported(format!("{name}() function"))),
                }
            }
            Some(Token::Ident(word)) if word == "true" || word == "false" => {
                Ok(Expr::Literal(Value::Bool(word == "true")))
            }
            Some(Token::Ident(name)) => Ok(Expr::Column(name)),
            _ => {
                self.at = position;
                Err(self.error())
            }
        }
    }
}

/// `2024-01-02T03:04:05Z`, `2024-01-02 03:04:05`, `2024-01-02`: milliseconds, UTC.
pub fn parse_datetime(raw: &str) -> Option<i64> {
    use time::format_description::well_known::Rfc3339;
    let raw = raw.trim().trim_matches(|c| c == '"' || c == '\'');
    let candidates = [
        raw.to_string(),
        format!("{}Z", raw.replace(' ', "T")),
        format!("{raw}T00:00:00Z"),
    ];
    candidates.iter().find_map(|text| {
        time::OffsetDateTime::parse(text, &Rfc3339)
            .ok()
            .map(|at| (at.unix_timestamp_nanos() / 1_000_000) as i64)
    })
}

// --- evaluation ---

fn type_of(value: &Value) -> Option<ColumnType> {
    match value {
        Value::Null => None,
        Value::Str(_) => Some(ColumnType::String),
        Value::Long(_) => Some(ColumnType::Long),
        Value::Real(_) => Some(ColumnType::Real),
        Value::Bool(_) => Some(ColumnType::Bool),
        Value::DateTime(_) => Some(ColumnType::DateTime),
        Value::Timespan(_) => Some(ColumnType::Timespan),
    }
}

fn text(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::Str(s) => s.clone(),
        Value::Long(n) => n.to_string(),
        Value::Real(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::DateTime(ms) => crate::time::arm_timestamp(*ms),
        Value::Timespan(ms) => format!("{ms}ms"),
    }
}

fn truthy(value: &Value) -> bool {
    matches!(value, Value::Bool(true))
}

fn compare(left: &Value, right: &Value) -> Option<Ordering> {
    match (left, right) {
        (Value::Str(a), Value::Str(b)) => Some(a.cmp(b)),
        (Value::Long(a), Value::Long(b)) => Some(a.cmp(b)),
        (Value::Long(a), Value::Real(b)) => (*a as f64).partial_cmp(b),
        (Value::Real(a), Value::Long(b)) => a.partial_cmp(&(*b as f64)),
        (Value::Real(a), Value::Real(b)) => a.partial_cmp(b),
        (Value::DateTime(a), Value::DateTime(b)) | (Value::Timespan(a), Value::Timespan(b)) => {
            Some(a.cmp(b))
        }
        (Value::Bool(a), Value::Bool(b)) => Some(a.cmp(b)),
        _ => None,
    }
}

/// Whole terms: runs of letters and digits, as `has` matches them.
fn has_term(haystack: &str, term: &str) -> bool {
    let term = term.to_lowercase();
    if term.is_empty() {
        return true;
    }
    let haystack = haystack.to_lowercase();
    haystack.match_indices(&term).any(|(at, _)| {
        let before = haystack[..at].chars().next_back();
        let after = haystack[at + term.len()..].chars().next();
        before.is_none_or(|c| !c.is_alphanumeric()) && after.is_none_or(|c| !c.is_alphanumeric())
    })
}

struct Scope<'a> {
    table: &'a Table,
    row: &'a [Value],
    now_ms: i64,
    operator: &'a str,
}

fn eval(expr: &Expr, scope: &Scope) -> Result<Value, QueryError> {
    match expr {
        Expr::Literal(value) => Ok(value.clone()),
        Expr::Column(name) => scope
            .table
            .index(name)
            .map(|i| scope.row[i].clone())
            .ok_or_else(|| QueryError::Unresolved {
                operator: scope.operator.to_string(),
                name: name.clone(),
            }),
        Expr::Call(name, args) => {
            let values = args
                .iter()
                .map(|a| eval(a, scope))
                .collect::<Result<Vec<_>, _>>()?;
            let first = values.first().cloned().unwrap_or(Value::Null);
            match (name.as_str(), &first) {
                ("now", _) => Ok(Value::DateTime(scope.now_ms)),
                ("ago", Value::Timespan(ms)) => Ok(Value::DateTime(scope.now_ms - ms)),
                ("ago", _) => Err(QueryError::Type(
                    "ago(): argument #1 must be a timespan".into(),
                )),
                ("not", value) => Ok(Value::Bool(!truthy(value))),
                ("isempty", value) => Ok(Value::Bool(text(value).is_empty())),
                ("isnotempty", value) => Ok(Value::Bool(!text(value).is_empty())),
                ("tostring", value) => Ok(Value::Str(text(value))),
                ("tolower", value) => Ok(Value::Str(text(value).to_lowercase())),
                ("toupper", value) => Ok(Value::Str(text(value).to_uppercase())),
                _ => Err(QueryError::Unsupported(format!("{name}() function"))),
            }
        }
        Expr::Binary(left, operator, right) => {
            let left = eval(left, scope)?;
            if operator == "and" && !truthy(&left) {
                return Ok(Value::Bool(false));
            }
            if operator == "or" && truthy(&left) {
                return Ok(Value::Bool(true));
            }
            let right = eval(right, scope)?;
            binary(&left, operator, &right)
        }
    }
}

fn binary(left: &Value, operator: &str, right: &Value) -> Result<Value, QueryError> {
    let negated = operator.starts_with('!') && operator != "!=" && operator != "!~";
    let base = if negated { &operator[1..] } else { operator };
    let (l, r) = (text(left), text(right));
    let result = match base {
        "and" | "or" => truthy(right),
        "==" => compare(left, right) == Some(Ordering::Equal),
        "!=" => compare(left, right).is_some_and(|o| o != Ordering::Equal),
        "=~" => l.to_lowercase() == r.to_lowercase(),
        "!~" => l.to_lowercase() != r.to_lowercase(),
        "<" | "<=" | ">" | ">=" => {
            let Some(order) = compare(left, right) else {
                if matches!(left, Value::Null) || matches!(right, Value::Null) {
                    return Ok(Value::Bool(false));
                }
                return Err(QueryError::Type(format!(
                    "Cannot compare values of types {} and {}",
                    type_of(left).map_or("null", ColumnType::as_str),
                    type_of(right).map_or("null", ColumnType::as_str)
                )));
            };
            match base {
                "<" => order == Ordering::Less,
                "<=" => order != Ordering::Greater,
                ">" => order == Ordering::Greater,
                _ => order != Ordering::Less,
            }
        }
        "contains" => l.to_lowercase().contains(&r.to_lowercase()),
        "contains_cs" => l.contains(&r),
        "has" => has_term(&l, &r),
        "startswith" => l.to_lowercase().starts_with(&r.to_lowercase()),
        "endswith" => l.to_lowercase().ends_with(&r.to_lowercase()),
        "+" | "-" => {
            let sign = if base == "+" { 1 } else { -1 };
            return match (left, right) {
                (Value::DateTime(a), Value::Timespan(b)) => Ok(Value::DateTime(a + sign * b)),
                (Value::Timespan(a), Value::Timespan(b)) => Ok(Value::Timespan(a + sign * b)),
                (Value::DateTime(a), Value::DateTime(b)) if sign < 0 => Ok(Value::Timespan(a - b)),
                (Value::Long(a), Value::Long(b)) => Ok(Value::Long(a + sign * b)),
                _ => Err(QueryError::Type(format!(
                    "Operator '{base}' does not take operands of types {} and {}",
                    type_of(left).map_or("null", ColumnType::as_str),
                    type_of(right).map_or("null", ColumnType::as_str)
                ))),
            };
        }
        other => return Err(QueryError::Unsupported(format!("{other} operator"))),
    };
    Ok(Value::Bool(result != negated))
}

fn sort(table: &mut Table, keys: &[(String, bool)], operator: &str) -> Result<(), QueryError> {
    let indexes = keys
        .iter()
        .map(|(name, ascending)| {
            table
                .index(name)
                .map(|i| (i, *ascending))
                .ok_or_else(|| QueryError::Unresolved {
                    operator: operator.to_string(),
                    name: name.clone(),
                })
        })
        .collect::<Result<Vec<_>, _>>()?;
    table.rows.sort_by(|a, b| {
        for (index, ascending) in &indexes {
            let order = compare(&a[*index], &b[*index]).unwrap_or(Ordering::Equal);
            let order = if *ascending { order } else { order.reverse() };
            if order != Ordering::Equal {
                return order;
            }
        }
        Ordering::Equal
    });
    Ok(())
}

impl Query {
    /// Runs the query over `table` (already named `self.table`) at `now_ms`.
    pub fn run(&self, mut table: Table, now_ms: i64) -> Result<Table, QueryError> {
        for operator in &self.operators {
            table = match operator {
                Operator::Where(expr) => {
                    let mut kept = Vec::new();
                    for row in &table.rows {
                        let scope = Scope {
                            table: &table,
                            row,
                            now_ms,
                            operator: "where",
                        };
                        if truthy(&eval(expr, &scope)?) {
                            kept.push(row.clone());
                        }
                    }
                    Table {
                        columns: table.columns,
                        rows: kept,
                    }
                }
                Operator::Project(list) | Operator::Extend(list) => {
                    let extend = matches!(operator, Operator::Extend(_));
                    let name = if extend { "extend" } else { "project" };
                    let mut rows = Vec::with_capacity(table.rows.len());
                    for row in &table.rows {
                        let scope = Scope {
                            table: &table,
                            row,
                            now_ms,
                            operator: name,
                        };
                        let mut out = if extend { row.clone() } else { Vec::new() };
                        for (_, expr) in list {
                            out.push(eval(expr, &scope)?);
                        }
                        rows.push(out);
                    }
                    // Types come from the columns projected, else from the values computed.
                    let mut columns = if extend {
                        table.columns.clone()
                    } else {
                        Vec::new()
                    };
                    let base = columns.len();
                    for (position, (column, expr)) in list.iter().enumerate() {
                        let kind = match expr {
                            Expr::Column(source) => table
                                .index(source)
                                .map(|i| table.columns[i].1)
                                .ok_or_else(|| QueryError::Unresolved {
                                    operator: name.to_string(),
                                    name: source.clone(),
                                })?,
                            _ => {
                                let at = base + position;
                                rows.iter()
                                    .find_map(|r| type_of(&r[at]))
                                    .unwrap_or(ColumnType::String)
                            }
                        };
                        columns.push((column.clone(), kind));
                    }
                    Table { columns, rows }
                }
                Operator::Order(keys) => {
                    sort(&mut table, keys, "order")?;
                    table
                }
                Operator::Take(n) => {
                    table.rows.truncate(*n);
                    table
                }
                Operator::Top(n, keys) => {
                    sort(&mut table, keys, "top")?;
                    table.rows.truncate(*n);
                    table
                }
                Operator::Count => Table {
                    columns: vec![("Count".into(), ColumnType::Long)],
                    rows: vec![vec![Value::Long(table.rows.len() as i64)]],
                },
                Operator::SummarizeCount(by) | Operator::Distinct(by) => {
                    let counting = matches!(operator, Operator::SummarizeCount(_));
                    let name = if counting { "summarize" } else { "distinct" };
                    let indexes = by
                        .iter()
                        .map(|column| {
                            table.index(column).ok_or_else(|| QueryError::Unresolved {
                                operator: name.to_string(),
                                name: column.clone(),
                            })
                        })
                        .collect::<Result<Vec<_>, _>>()?;
                    let mut groups: Vec<(Vec<Value>, i64)> = Vec::new();
                    for row in &table.rows {
                        let group: Vec<Value> = indexes.iter().map(|i| row[*i].clone()).collect();
                        match groups.iter_mut().find(|(g, _)| *g == group) {
                            Some((_, count)) => *count += 1,
                            None => groups.push((group, 1)),
                        }
                    }
                    let mut columns: Vec<(String, ColumnType)> =
                        indexes.iter().map(|i| table.columns[*i].clone()).collect();
                    if counting {
                        columns.push(("count_".into(), ColumnType::Long));
                    }
                    let rows = groups
                        .into_iter()
                        .map(|(mut group, count)| {
                            if counting {
                                group.push(Value::Long(count));
                            }
                            group
                        })
                        .collect();
                    Table { columns, rows }
                }
            };
        }
        Ok(table)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000_000;

    fn table() -> Table {
        let row = |minutes_ago: i64, app: &str, stream: &str, log: &str| {
            vec![
                Value::DateTime(NOW - minutes_ago * 60_000),
                Value::Str(app.into()),
                Value::Str(stream.into()),
                Value::Str(log.into()),
            ]
        };
        Table {
            columns: vec![
                ("TimeGenerated".into(), ColumnType::DateTime),
                ("ContainerJobName_s".into(), ColumnType::String),
                ("Stream_s".into(), ColumnType::String),
                ("Log_s".into(), ColumnType::String),
            ],
            rows: vec![
                row(90, "a", "stdout", "started the job"),
                row(30, "a", "stderr", "error: disk full"),
                row(20, "b", "stdout", "hello world"),
                row(10, "a", "stdout", "Finished OK"),
            ],
        }
    }

    /// Runs `query` over the test table and returns its columns' names and rows' texts.
    fn check(query: &str) -> (Vec<String>, Vec<Vec<String>>) {
        let parsed = parse(query).unwrap_or_else(|e| panic!("{query}: {e}"));
        let result = parsed
            .run(table(), NOW)
            .unwrap_or_else(|e| panic!("{query}: {e}"));
        (
            result.columns.iter().map(|(n, _)| n.clone()).collect(),
            result
                .rows
                .iter()
                .map(|r| r.iter().map(text).collect())
                .collect(),
        )
    }

    fn logs(query: &str) -> Vec<String> {
        let (columns, rows) = check(query);
        let at = columns.iter().position(|c| c == "Log_s").expect("Log_s");
        rows.into_iter().map(|r| r[at].clone()).collect()
    }

    #[test]
    fn filters_and_orders() {
        assert_eq!(
            logs(
                "T | where ContainerJobName_s == \"a\" and Stream_s == 'stdout' | order by TimeGenerated asc"
            ),
            ["started the job", "Finished OK"]
        );
        assert_eq!(
            logs("T | where Log_s contains \"OK\" or Log_s has 'disk'"),
            ["error: disk full", "Finished OK"]
        );
        assert_eq!(logs("T | where Log_s has 'dis'"), Vec::<String>::new());
        assert_eq!(logs("T | where Log_s !contains 'o' "), Vec::<String>::new());
        assert_eq!(
            logs("T | where TimeGenerated > ago(25m) | sort by TimeGenerated"),
            ["Finished OK", "hello world"]
        );
        assert_eq!(
            logs("T | where ContainerJobName_s =~ 'A' | take 1"),
            ["started the job"]
        );
        assert_eq!(
            logs("T | top 2 by TimeGenerated desc | project Log_s"),
            ["Finished OK", "hello world"]
        );
        assert_eq!(
            logs("T | where not(Stream_s == 'stdout') | extend Upper = toupper(Log_s)"),
            ["error: disk full"]
        );
    }

    #[test]
    fn counts_and_groups() {
        assert_eq!(
            check("T | count"),
            (vec!["Count".into()], vec![vec!["4".into()]])
        );
        let (columns, mut rows) = check("T | summarize count() by ContainerJobName_s");
        rows.sort();
        assert_eq!(columns, ["ContainerJobName_s", "count_"]);
        assert_eq!(rows, [["a", "3"], ["b", "1"]]);
        let (_, rows) = check("T | distinct Stream_s");
        assert_eq!(rows.len(), 2);
        let (columns, _) = check("T | project Log_s, Job = ContainerJobName_s");
        assert_eq!(columns, ["Log_s", "Job"]);
    }

    #[test]
    fn datetime_literals() {
        let at = parse_datetime("2024-01-02T03:04:05Z").expect("rfc3339");
        assert_eq!(parse_datetime("2024-01-02 03:04:05"), Some(at));
        assert!(parse_datetime("2024-01-02").is_some());
        let query = format!(
            "T | where TimeGenerated >= datetime({}) ",
            crate::time::arm_timestamp(NOW - 15 * 60_000)
        );
        assert_eq!(logs(&query), ["Finished OK"]);
    }

    #[test]
    fn errors_name_what_is_wrong() {
        let error = |query: &str| match parse(query) {
            Err(error) => error,
            Ok(parsed) => parsed.run(table(), NOW).expect_err(query),
        };
        assert_eq!(
            error("T | where Log_s == "),
            QueryError::Syntax {
                token: "<EOF>".into(),
                position: 20
            }
        );
        assert_eq!(
            error("T | where Nope == 'x'"),
            QueryError::Unresolved {
                operator: "where".into(),
                name: "Nope".into()
            }
        );
        assert_eq!(
            error("T | join (U) on x"),
            QueryError::Unsupported("join operator".into())
        );
        assert_eq!(
            error("T | summarize max(TimeGenerated)"),
            QueryError::Syntax {
                token: "max".into(),
                position: 15
            }
        );
        assert!(matches!(
            error("T | where x in ('a')"),
            QueryError::Unresolved { .. } | QueryError::Unsupported(_)
        ));
        assert!(matches!(
            error("T | where Log_s == \"open"),
            QueryError::Syntax { .. }
        ));
        assert!(matches!(error("T | take"), QueryError::Syntax { .. }));
        assert!(matches!(error("T | where Log_s > 5"), QueryError::Type(_)));
    }

    /// Arbitrary text never panics: it parses, or names what is wrong.
    #[test]
    fn hostile_queries_do_not_panic() {
        let pieces = [
            "T",
            "|",
            "where",
            "(",
            ")",
            "'",
            "\"",
            "==",
            "!",
            "!~",
            "5m",
            "datetime(",
            "ago(",
            "and",
            "or",
            ",",
            "project",
            "x",
            "=",
            "-",
            "1.5",
            "\\",
            "summarize",
            "count()",
            "by",
            "é",
            "top",
            "take",
            "-1",
        ];
        let mut seed: u64 = 7;
        for _ in 0..5_000 {
            let mut query = String::new();
            for _ in 0..(seed % 9) {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                query.push_str(pieces[(seed >> 33) as usize % pieces.len()]);
                query.push(' ');
            }
            if let Ok(parsed) = parse(&query) {
                let _ = parsed.run(table(), NOW);
            }
        }
    }
}
