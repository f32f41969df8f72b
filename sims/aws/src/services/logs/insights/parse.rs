//! The Logs Insights query language, parsed into a [`Query`]: a pipeline of commands separated
//! by `|`. The subset the simulator runs:
//!
//! - `fields expr [as name], ...` and `display field, ...`
//! - `filter expr` with `and`, `or`, `not`, comparisons (`= != < <= > >=`), arithmetic
//!   (`+ - * / % ^`), `like` / `not like` / `=~` with a string (substring) or `/regex/`,
//!   `in [...]` / `not in [...]`, and the functions in [`Function`]
//! - `stats agg(...) [as name], ... [by expr [as name], ...]` with `count(*)`, `count(field)`,
//!   `sum`, `avg`, `min`, `max`, grouped by fields or `bin(period)`
//! - `sort expr [asc|desc], ...`, `limit n`
//! - `parse [field] "glob with *" as name, ...` and `parse [field] /regex with (?<name>...)/`
//!
//! Everything else, whether AWS supports it or not, is refused with a [`QueryError`] naming
//! it and saying where it is (AWS answers `MalformedQueryException`): the simulator never runs
//! a query it only half understands.
//!
//! The parser is pure and never panics, whatever the input: nesting is bounded and regular
//! expressions compile with size limits (a fuzz target calls [`parse_query`]).

use regex::Regex;

/// Parentheses and brackets nest at most this deep.
const MAX_DEPTH: usize = 64;

/// A regular expression in a query may compile to at most this many bytes.
const REGEX_SIZE_LIMIT: usize = 1 << 20;

/// Why a query does not compile, and where (character offsets, end exclusive).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct QueryError {
    pub message: String,
    pub start: usize,
    pub end: usize,
}

/// A parsed query.
#[derive(Debug, Clone)]
pub struct Query {
    pub commands: Vec<Command>,
}

/// One command of the pipeline.
#[derive(Debug, Clone)]
pub enum Command {
    Fields(Vec<Projection>),
    Display(Vec<Projection>),
    Filter(Expr),
    Stats {
        aggregates: Vec<Aggregate>,
        by: Vec<Projection>,
    },
    Sort(Vec<SortKey>),
    Limit(usize),
    Parse {
        source: String,
        pattern: ParsePattern,
    },
}

/// An expression and the column name it is shown under (its alias, or its text).
#[derive(Debug, Clone)]
pub struct Projection {
    pub expr: Expr,
    pub name: String,
}

/// An aggregate of `stats`.
#[derive(Debug, Clone)]
pub struct Aggregate {
    pub function: AggregateFunction,
    /// `None` for `count(*)`.
    pub argument: Option<Expr>,
    pub name: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AggregateFunction {
    Count,
    Sum,
    Avg,
    Min,
    Max,
}

#[derive(Debug, Clone)]
pub struct SortKey {
    pub expr: Expr,
    /// The key as written: after `stats`, it names a column (`bin(1m)`, `count(*)`).
    pub text: String,
    pub descending: bool,
}

/// How `parse` splits a field.
#[derive(Debug, Clone)]
pub enum ParsePattern {
    /// A glob: literal text between `*`s, each `*` captured into the next name.
    Glob {
        parts: Vec<String>,
        names: Vec<String>,
    },
    /// A regular expression whose named groups become fields.
    Regex(Regex),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Pow,
}

/// A scalar function (not an aggregate).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Function {
    Abs,
    Ceil,
    Floor,
    Sqrt,
    Log,
    Greatest,
    Least,
    IsPresent,
    Coalesce,
    IsEmpty,
    IsBlank,
    Concat,
    Ltrim,
    Rtrim,
    Trim,
    Strlen,
    ToUpper,
    ToLower,
    Substr,
    Replace,
    StrContains,
    Bin,
    DateFloor,
    DateCeil,
}

impl Function {
    fn named(name: &str) -> Option<(Self, usize, usize)> {
        // (function, least arguments, most arguments)
        let found = match name {
            "abs" => (Self::Abs, 1, 1),
            "ceil" => (Self::Ceil, 1, 1),
            "floor" => (Self::Floor, 1, 1),
            "sqrt" => (Self::Sqrt, 1, 1),
            "log" => (Self::Log, 1, 1),
            "greatest" => (Self::Greatest, 1, usize::MAX),
            "least" => (Self::Least, 1, usize::MAX),
            "ispresent" => (Self::IsPresent, 1, 1),
            "coalesce" => (Self::Coalesce, 1, usize::MAX),
            "isempty" => (Self::IsEmpty, 1, 1),
            "isblank" => (Self::IsBlank, 1, 1),
            "concat" => (Self::Concat, 1, usize::MAX),
            "ltrim" => (Self::Ltrim, 1, 2),
            "rtrim" => (Self::Rtrim, 1, 2),
            "trim" => (Self::Trim, 1, 2),
            "strlen" => (Self::Strlen, 1, 1),
            "toupper" => (Self::ToUpper, 1, 1),
            "tolower" => (Self::ToLower, 1, 1),
            "substr" => (Self::Substr, 2, 3),
            "replace" => (Self::Replace, 3, 3),
            "strcontains" => (Self::StrContains, 2, 2),
            "bin" => (Self::Bin, 1, 1),
            "datefloor" => (Self::DateFloor, 2, 2),
            "dateceil" => (Self::DateCeil, 2, 2),
            _ => return None,
        };
        Some(found)
    }
}

/// An expression.
#[derive(Debug, Clone)]
pub enum Expr {
    Field(String),
    Number(f64),
    Text(String),
    /// A time period (`5m`), in milliseconds.
    Period(i64),
    Regex(Regex),
    List(Vec<Expr>),
    Not(Box<Expr>),
    Negate(Box<Expr>),
    Binary(BinaryOp, Box<Expr>, Box<Expr>),
    /// `like`, `not like` and `=~`: the pattern is a `Text` (substring) or a `Regex`.
    Like {
        subject: Box<Expr>,
        pattern: Box<Expr>,
        negated: bool,
    },
    In {
        subject: Box<Expr>,
        list: Vec<Expr>,
        negated: bool,
    },
    Call(Function, Vec<Expr>),
}

/// Commands AWS has that the simulator does not run, refused by name.
const UNSUPPORTED_COMMANDS: [&str; 10] = [
    "dedup",
    "unmask",
    "pattern",
    "diff",
    "anomaly",
    "unnest",
    "lookup",
    "head",
    "tail",
    "filterIndex",
];

/// Aggregates AWS has that the simulator does not compute, refused by name.
const UNSUPPORTED_AGGREGATES: [&str; 8] = [
    "count_distinct",
    "pct",
    "stddev",
    "earliest",
    "latest",
    "sortsFirst",
    "sortsLast",
    "percentile",
];

/// Parses a query.
pub fn parse_query(text: &str) -> Result<Query, QueryError> {
    let mut parser = Parser::new(text);
    let mut commands = Vec::new();
    loop {
        parser.skip_blank();
        if parser.at_end() {
            if commands.is_empty() {
                return Err(parser.error_here("the query has no command"));
            }
            return Err(parser.error_here("a `|` must be followed by a command"));
        }
        commands.push(parser.command()?);
        parser.skip_blank();
        if parser.at_end() {
            break;
        }
        if !parser.eat("|") {
            return Err(parser.unexpected());
        }
    }
    let stats = commands
        .iter()
        .filter(|command| matches!(command, Command::Stats { .. }))
        .count();
    if stats > 1 {
        return Err(QueryError {
            message: "Sockerless runs one stats command per query".into(),
            start: 0,
            end: text.chars().count(),
        });
    }
    Ok(Query { commands })
}

/// Splits a period literal (`5m`, `1h`, `30s`, `100ms`, `1d`, `1w`) into milliseconds.
fn period(word: &str) -> Option<i64> {
    let digits = word.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let unit = &word[digits.len()..];
    let count: i64 = digits.parse().ok()?;
    let unit_ms = match unit {
        "ms" => 1,
        "s" | "sec" | "second" | "seconds" => 1_000,
        "m" | "min" | "minute" | "minutes" => 60_000,
        "h" | "hr" | "hour" | "hours" => 3_600_000,
        "d" | "day" | "days" => 86_400_000,
        "w" | "week" | "weeks" => 7 * 86_400_000,
        _ => return None,
    };
    count.checked_mul(unit_ms).filter(|ms| *ms > 0)
}

/// A cursor over the query's characters (offsets are in characters, as AWS reports them).
struct Parser<'a> {
    text: &'a str,
    /// Byte position.
    position: usize,
    depth: usize,
    /// Whether a `stats` command came before: later commands may name its columns, including
    /// aggregates written as calls (`sort count(*) desc`).
    after_stats: bool,
}

impl<'a> Parser<'a> {
    fn new(text: &'a str) -> Self {
        Self {
            text,
            position: 0,
            depth: 0,
            after_stats: false,
        }
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

    /// Skips blanks and `#` comments (to the end of the line).
    fn skip_blank(&mut self) {
        loop {
            let rest = self.rest();
            let trimmed = rest.trim_start();
            self.position += rest.len() - trimmed.len();
            if trimmed.starts_with('#') {
                let line = trimmed.find('\n').unwrap_or(trimmed.len());
                self.position += line;
            } else {
                return;
            }
        }
    }

    fn eat(&mut self, token: &str) -> bool {
        self.skip_blank();
        if self.rest().starts_with(token) {
            self.position += token.len();
            true
        } else {
            false
        }
    }

    /// The character offset of a byte position.
    fn offset(&self, byte: usize) -> usize {
        self.text[..byte.min(self.text.len())].chars().count()
    }

    fn error_at(&self, start: usize, end: usize, message: String) -> QueryError {
        QueryError {
            message,
            start: self.offset(start),
            end: self.offset(end),
        }
    }

    fn error_here(&self, message: &str) -> QueryError {
        self.error_at(self.position, self.position, message.to_string())
    }

    /// AWS's wording for a symbol it did not expect, with its line and position.
    fn unexpected(&mut self) -> QueryError {
        self.skip_blank();
        let start = self.position;
        let symbol = self.peek_word().unwrap_or_else(|| {
            self.peek()
                .map_or_else(|| "<EOF>".to_string(), |c| c.to_string())
        });
        let before = &self.text[..start];
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
        let end = start + if self.at_end() { 0 } else { symbol.len() };
        self.error_at(
            start,
            end,
            format!("unexpected symbol found {symbol} at line {line} and position {column}"),
        )
    }

    /// The word (identifier characters) at the cursor, without consuming it.
    fn peek_word(&self) -> Option<String> {
        let rest = self.rest();
        let end = rest.find(|c: char| !is_word_char(c)).unwrap_or(rest.len());
        (end > 0).then(|| rest[..end].to_string())
    }

    fn word(&mut self) -> Option<String> {
        self.skip_blank();
        let word = self.peek_word()?;
        self.position += word.len();
        Some(word)
    }

    /// Consumes `keyword` (any case) if it is the next whole word.
    fn eat_keyword(&mut self, keyword: &str) -> bool {
        self.skip_blank();
        match self.peek_word() {
            Some(word) if word.eq_ignore_ascii_case(keyword) => {
                self.position += word.len();
                true
            }
            _ => false,
        }
    }

    fn enter(&mut self) -> Result<(), QueryError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error_here("the query nests too deeply"));
        }
        Ok(())
    }

    fn command(&mut self) -> Result<Command, QueryError> {
        self.skip_blank();
        let start = self.position;
        let Some(name) = self.word() else {
            return Err(self.unexpected());
        };
        match name.to_ascii_lowercase().as_str() {
            "fields" => Ok(Command::Fields(self.projections(true)?)),
            "display" => Ok(Command::Display(self.projections(false)?)),
            "filter" => Ok(Command::Filter(self.expr()?)),
            "stats" => {
                let stats = self.stats();
                self.after_stats = true;
                stats
            }
            "sort" => self.sort(),
            "limit" => self.limit(),
            "parse" => self.parse_command(),
            _ => {
                let known = UNSUPPORTED_COMMANDS
                    .iter()
                    .any(|command| command.eq_ignore_ascii_case(&name))
                    || name.eq_ignore_ascii_case("source");
                let message = if known {
                    format!("Sockerless does not support the {name} command of Logs Insights")
                } else {
                    let before = &self.text[..start];
                    let line = before.matches('\n').count() + 1;
                    let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
                    format!("unexpected symbol found {name} at line {line} and position {column}")
                };
                Err(self.error_at(start, self.position, message))
            }
        }
    }

    /// `expr [as name], ...`; with `expressions` false, only field names (`display`).
    fn projections(&mut self, expressions: bool) -> Result<Vec<Projection>, QueryError> {
        let mut projections = Vec::new();
        loop {
            self.skip_blank();
            let start = self.position;
            let expr = if expressions {
                self.expr()?
            } else {
                Expr::Field(self.field_name()?)
            };
            let text = self.text[start..self.position].trim().to_string();
            let name = if self.eat_keyword("as") {
                self.field_name()?
            } else {
                match &expr {
                    Expr::Field(name) => name.clone(),
                    _ => text,
                }
            };
            projections.push(Projection { expr, name });
            if !self.eat(",") {
                return Ok(projections);
            }
        }
    }

    fn stats(&mut self) -> Result<Command, QueryError> {
        let mut aggregates = Vec::new();
        loop {
            self.skip_blank();
            let start = self.position;
            let Some(name) = self.word() else {
                return Err(self.unexpected());
            };
            let lower = name.to_ascii_lowercase();
            let function = match lower.as_str() {
                "count" => AggregateFunction::Count,
                "sum" => AggregateFunction::Sum,
                "avg" => AggregateFunction::Avg,
                "min" => AggregateFunction::Min,
                "max" => AggregateFunction::Max,
                _ if UNSUPPORTED_AGGREGATES
                    .iter()
                    .any(|known| known.eq_ignore_ascii_case(&name)) =>
                {
                    return Err(self.error_at(
                        start,
                        self.position,
                        format!(
                            "Sockerless does not support the {name} aggregate of Logs Insights"
                        ),
                    ));
                }
                _ => {
                    self.position = start;
                    return Err(self.unexpected());
                }
            };
            if !self.eat("(") {
                return Err(self.unexpected());
            }
            let argument = if function == AggregateFunction::Count && self.eat("*") {
                None
            } else {
                Some(self.expr()?)
            };
            if !self.eat(")") {
                return Err(self.unexpected());
            }
            let text = self.text[start..self.position].trim().to_string();
            let name = if self.eat_keyword("as") {
                self.field_name()?
            } else {
                text
            };
            aggregates.push(Aggregate {
                function,
                argument,
                name,
            });
            if !self.eat(",") {
                break;
            }
        }
        let by = if self.eat_keyword("by") {
            self.projections(true)?
        } else {
            Vec::new()
        };
        Ok(Command::Stats { aggregates, by })
    }

    fn sort(&mut self) -> Result<Command, QueryError> {
        let mut keys = Vec::new();
        loop {
            self.skip_blank();
            let start = self.position;
            let expr = self.expr()?;
            let text = self.text[start..self.position].trim().to_string();
            // AWS sorts in descending order unless told otherwise.
            let descending = if self.eat_keyword("asc") {
                false
            } else {
                self.eat_keyword("desc");
                true
            };
            keys.push(SortKey {
                expr,
                text,
                descending,
            });
            if !self.eat(",") {
                return Ok(Command::Sort(keys));
            }
        }
    }

    fn limit(&mut self) -> Result<Command, QueryError> {
        self.skip_blank();
        let start = self.position;
        let word = self.word().unwrap_or_default();
        match word.parse::<usize>() {
            Ok(count) if count > 0 => Ok(Command::Limit(count)),
            _ => {
                self.position = start;
                Err(self.unexpected())
            }
        }
    }

    fn parse_command(&mut self) -> Result<Command, QueryError> {
        self.skip_blank();
        let source = match self.peek() {
            Some('"' | '\'' | '/') => "@message".to_string(),
            _ => self.field_name()?,
        };
        self.skip_blank();
        let start = self.position;
        match self.peek() {
            Some('/') => {
                let regex = self.regex()?;
                let named = regex.capture_names().flatten().count();
                if named == 0 {
                    return Err(self.error_at(
                        start,
                        self.position,
                        "a parse regular expression must name its groups: (?<name>...)".into(),
                    ));
                }
                Ok(Command::Parse {
                    source,
                    pattern: ParsePattern::Regex(regex),
                })
            }
            Some('"' | '\'') => {
                let glob = self.quoted()?;
                if !self.eat_keyword("as") {
                    return Err(self.unexpected());
                }
                let mut names = vec![self.field_name()?];
                while self.eat(",") {
                    names.push(self.field_name()?);
                }
                let parts: Vec<String> = glob.split('*').map(str::to_string).collect();
                if parts.len() - 1 != names.len() {
                    return Err(self.error_at(
                        start,
                        self.position,
                        format!(
                            "the parse pattern has {} wildcards but {} names",
                            parts.len() - 1,
                            names.len()
                        ),
                    ));
                }
                Ok(Command::Parse {
                    source,
                    pattern: ParsePattern::Glob { parts, names },
                })
            }
            _ => Err(self.unexpected()),
        }
    }

    /// A field name: a word, or any text in backticks.
    fn field_name(&mut self) -> Result<String, QueryError> {
        self.skip_blank();
        if self.peek() == Some('`') {
            let start = self.position;
            self.bump();
            let rest = self.rest();
            let Some(end) = rest.find('`') else {
                return Err(self.error_at(start, self.text.len(), "unterminated `".into()));
            };
            let name = rest[..end].to_string();
            self.position += end + 1;
            return Ok(name);
        }
        match self.peek_word() {
            Some(word)
                if !is_reserved(&word) && !word.starts_with(|c: char| c.is_ascii_digit()) =>
            {
                self.position += word.len();
                Ok(word)
            }
            _ => Err(self.unexpected()),
        }
    }

    fn expr(&mut self) -> Result<Expr, QueryError> {
        self.enter()?;
        let result = self.or();
        self.depth -= 1;
        result
    }

    fn or(&mut self) -> Result<Expr, QueryError> {
        let mut left = self.and()?;
        while self.eat_keyword("or") || self.eat("||") {
            let right = self.and()?;
            left = Expr::Binary(BinaryOp::Or, Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, QueryError> {
        let mut left = self.not()?;
        while self.eat_keyword("and") || self.eat("&&") {
            let right = self.not()?;
            left = Expr::Binary(BinaryOp::And, Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn not(&mut self) -> Result<Expr, QueryError> {
        if self.eat_keyword("not") || self.eat_not_sign() {
            self.enter()?;
            let inner = self.not();
            self.depth -= 1;
            return Ok(Expr::Not(Box::new(inner?)));
        }
        self.comparison()
    }

    /// `!` as a prefix (but not the `!=` operator).
    fn eat_not_sign(&mut self) -> bool {
        self.skip_blank();
        if self.rest().starts_with('!') && !self.rest().starts_with("!=") {
            self.position += 1;
            true
        } else {
            false
        }
    }

    fn comparison(&mut self) -> Result<Expr, QueryError> {
        let left = self.additive()?;
        self.skip_blank();
        // `not like` and `not in`.
        let save = self.position;
        let negated = self.eat_keyword("not");
        if self.eat_keyword("like") {
            let pattern = self.like_pattern()?;
            return Ok(Expr::Like {
                subject: Box::new(left),
                pattern: Box::new(pattern),
                negated,
            });
        }
        if self.eat_keyword("in") {
            let list = self.list()?;
            return Ok(Expr::In {
                subject: Box::new(left),
                list,
                negated,
            });
        }
        if negated {
            self.position = save;
            return Ok(left);
        }
        if self.eat("=~") {
            let pattern = self.like_pattern()?;
            return Ok(Expr::Like {
                subject: Box::new(left),
                pattern: Box::new(pattern),
                negated: false,
            });
        }
        for (token, op) in [
            ("!=", BinaryOp::Ne),
            ("<=", BinaryOp::Le),
            (">=", BinaryOp::Ge),
            ("==", BinaryOp::Eq),
            ("=", BinaryOp::Eq),
            ("<", BinaryOp::Lt),
            (">", BinaryOp::Gt),
        ] {
            if self.eat(token) {
                let right = self.additive()?;
                return Ok(Expr::Binary(op, Box::new(left), Box::new(right)));
            }
        }
        Ok(left)
    }

    /// The right side of `like` / `=~`: a string or a regular expression.
    fn like_pattern(&mut self) -> Result<Expr, QueryError> {
        self.skip_blank();
        match self.peek() {
            Some('/') => Ok(Expr::Regex(self.regex()?)),
            Some('"' | '\'') => Ok(Expr::Text(self.quoted()?)),
            _ => Err(self.unexpected()),
        }
    }

    fn list(&mut self) -> Result<Vec<Expr>, QueryError> {
        if !self.eat("[") {
            return Err(self.unexpected());
        }
        let mut items = Vec::new();
        if self.eat("]") {
            return Ok(items);
        }
        loop {
            items.push(self.additive()?);
            if self.eat("]") {
                return Ok(items);
            }
            if !self.eat(",") {
                return Err(self.unexpected());
            }
        }
    }

    fn additive(&mut self) -> Result<Expr, QueryError> {
        let mut left = self.multiplicative()?;
        loop {
            let op = if self.eat("+") {
                BinaryOp::Add
            } else if self.eat_minus() {
                BinaryOp::Sub
            } else {
                return Ok(left);
            };
            let right = self.multiplicative()?;
            left = Expr::Binary(op, Box::new(left), Box::new(right));
        }
    }

    /// A `-` operator (not the start of a `->` or of a word).
    fn eat_minus(&mut self) -> bool {
        self.eat("-")
    }

    fn multiplicative(&mut self) -> Result<Expr, QueryError> {
        let mut left = self.power()?;
        loop {
            self.skip_blank();
            let op = if self.eat("*") {
                BinaryOp::Mul
            } else if self.rest().starts_with('/') {
                self.position += 1;
                BinaryOp::Div
            } else if self.eat("%") {
                BinaryOp::Mod
            } else {
                return Ok(left);
            };
            let right = self.power()?;
            left = Expr::Binary(op, Box::new(left), Box::new(right));
        }
    }

    fn power(&mut self) -> Result<Expr, QueryError> {
        let base = self.unary()?;
        if self.eat("^") {
            self.enter()?;
            let exponent = self.power();
            self.depth -= 1;
            return Ok(Expr::Binary(
                BinaryOp::Pow,
                Box::new(base),
                Box::new(exponent?),
            ));
        }
        Ok(base)
    }

    fn unary(&mut self) -> Result<Expr, QueryError> {
        if self.eat("-") {
            self.enter()?;
            let inner = self.unary();
            self.depth -= 1;
            return Ok(Expr::Negate(Box::new(inner?)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Expr, QueryError> {
        self.skip_blank();
        match self.peek() {
            Some('(') => {
                self.bump();
                let inner = self.expr()?;
                if !self.eat(")") {
                    return Err(self.unexpected());
                }
                Ok(inner)
            }
            Some('"' | '\'') => Ok(Expr::Text(self.quoted()?)),
            Some('/') => Ok(Expr::Regex(self.regex()?)),
            Some('[') => Ok(Expr::List(self.list()?)),
            Some('`') => Ok(Expr::Field(self.field_name()?)),
            Some(c) if is_word_char(c) => self.word_expr(),
            _ => Err(self.unexpected()),
        }
    }

    /// A number, a period, a function call or a field.
    fn word_expr(&mut self) -> Result<Expr, QueryError> {
        let start = self.position;
        let word = self.peek_word().unwrap_or_default();
        if word.starts_with(|c: char| c.is_ascii_digit()) {
            self.position += word.len();
            if let Ok(number) = word.parse::<f64>()
                && number.is_finite()
            {
                return Ok(Expr::Number(number));
            }
            if let Some(ms) = period(&word) {
                return Ok(Expr::Period(ms));
            }
            self.position = start;
            return Err(self.unexpected());
        }
        if is_reserved(&word) {
            return Err(self.unexpected());
        }
        self.position += word.len();
        self.skip_blank();
        if self.peek() != Some('(') {
            return Ok(Expr::Field(word));
        }
        let lower = word.to_ascii_lowercase();
        let aggregate_name = matches!(lower.as_str(), "count" | "sum" | "avg" | "min" | "max");
        if aggregate_name && self.after_stats {
            // A column of the stats before: its name is the call as written.
            return self.column_reference(start);
        }
        let Some((function, least, most)) = Function::named(&lower) else {
            let aggregate = matches!(lower.as_str(), "count" | "sum" | "avg" | "min" | "max")
                || UNSUPPORTED_AGGREGATES
                    .iter()
                    .any(|known| known.eq_ignore_ascii_case(&word));
            let message = if aggregate {
                format!("{word} is an aggregate: it is only allowed directly in stats")
            } else {
                format!("Sockerless does not support the function {word} of Logs Insights")
            };
            return Err(self.error_at(start, self.position, message));
        };
        self.bump();
        let mut arguments = Vec::new();
        if !self.eat(")") {
            loop {
                arguments.push(self.expr()?);
                if self.eat(")") {
                    break;
                }
                if !self.eat(",") {
                    return Err(self.unexpected());
                }
            }
        }
        if arguments.len() < least || arguments.len() > most {
            return Err(self.error_at(
                start,
                self.position,
                format!("wrong number of arguments to {word}"),
            ));
        }
        if matches!(function, Function::Bin) && !matches!(arguments[0], Expr::Period(_)) {
            return Err(self.error_at(
                start,
                self.position,
                "bin takes a time period, such as 5m".into(),
            ));
        }
        if matches!(function, Function::DateFloor | Function::DateCeil)
            && !matches!(arguments[1], Expr::Period(_))
        {
            return Err(self.error_at(
                start,
                self.position,
                format!("{word} takes a time period as its second argument"),
            ));
        }
        Ok(Expr::Call(function, arguments))
    }

    /// A call written as text up to its closing parenthesis, naming a stats column.
    fn column_reference(&mut self, start: usize) -> Result<Expr, QueryError> {
        let mut depth = 0usize;
        while let Some(c) = self.bump() {
            match c {
                '(' => depth += 1,
                ')' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        return Ok(Expr::Field(self.text[start..self.position].to_string()));
                    }
                }
                _ => {}
            }
        }
        Err(self.error_at(start, self.position, "unbalanced parentheses".into()))
    }

    /// A string in single or double quotes; a backslash escapes the next character.
    fn quoted(&mut self) -> Result<String, QueryError> {
        self.skip_blank();
        let start = self.position;
        let Some(quote) = self.bump() else {
            return Err(self.unexpected());
        };
        let mut out = String::new();
        loop {
            match self.bump() {
                Some(c) if c == quote => return Ok(out),
                Some('\\') => match self.bump() {
                    Some(escaped) => out.push(escaped),
                    None => break,
                },
                Some(c) => out.push(c),
                None => break,
            }
        }
        Err(self.error_at(start, self.text.len(), "unterminated string".into()))
    }

    /// A `/regex/`; `\/` stands for a slash.
    fn regex(&mut self) -> Result<Regex, QueryError> {
        self.skip_blank();
        let start = self.position;
        self.bump();
        let mut source = String::new();
        loop {
            match self.bump() {
                Some('/') => break,
                Some('\\') if self.peek() == Some('/') => {
                    self.bump();
                    source.push('/');
                }
                Some('\\') => {
                    source.push('\\');
                    if let Some(next) = self.bump() {
                        source.push(next);
                    }
                }
                Some(c) => source.push(c),
                None => {
                    return Err(self.error_at(
                        start,
                        self.text.len(),
                        "unterminated regular expression".into(),
                    ));
                }
            }
        }
        regex::RegexBuilder::new(&source)
            .size_limit(REGEX_SIZE_LIMIT)
            .dfa_size_limit(REGEX_SIZE_LIMIT)
            .build()
            .map_err(|_| {
                self.error_at(
                    start,
                    self.position,
                    format!("invalid regular expression /{source}/"),
                )
            })
    }
}

/// Characters of a bare field name or keyword: letters, digits, `_`, `@` and `.`.
fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '@' | '.')
}

/// Words that cannot be field names without backticks.
fn is_reserved(word: &str) -> bool {
    ["and", "or", "not", "like", "in", "as", "by", "asc", "desc"]
        .iter()
        .any(|reserved| reserved.eq_ignore_ascii_case(word))
}

#[cfg(test)]
mod tests;
