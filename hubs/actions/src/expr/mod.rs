//! GitHub Actions' expression language (`${{ }}`).
//!
//! [`Expression::parse`] checks an expression against the contexts and functions allowed where
//! it appears (a job's `if` may read `needs` but not `steps`); [`Expression::evaluate`] runs it
//! over a [`Contexts`] object with a [`Host`] for what only the runner knows (the job's status,
//! `hashFiles`). [`template`] splits strings with embedded `${{ }}` into the parts the runner
//! receives as expression tokens.
//!
//! Semantics follow the runner's `Expressions2` SDK: values and coercions in [`value`], `&&`
//! and `||` return an operand (not a boolean), names of contexts, properties and functions are
//! case-insensitive, `*` filters collections, and errors carry the runner's messages.
//!
//! What this module must not do: panic on any input (a property test feeds it random text),
//! or touch the file system (`hashFiles` is the host's).

mod eval;
mod lexer;
mod parser;
pub mod template;
pub mod value;

#[cfg(test)]
mod tests;

pub use parser::{Comparison, MAX_DEPTH, MAX_LENGTH, Node};
pub use value::{Object, Value};

/// Every function of the language. The status functions and `hashFiles` are contextual:
/// only allowed where GitHub allows them (see [`Function::is_contextual`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Function {
    Contains,
    StartsWith,
    EndsWith,
    Format,
    Join,
    ToJson,
    FromJson,
    HashFiles,
    Success,
    Failure,
    Always,
    Cancelled,
}

impl Function {
    /// Looks a function up by name, ignoring case.
    pub fn lookup(name: &str) -> Option<Function> {
        let all = [
            ("contains", Function::Contains),
            ("startsWith", Function::StartsWith),
            ("endsWith", Function::EndsWith),
            ("format", Function::Format),
            ("join", Function::Join),
            ("toJSON", Function::ToJson),
            ("fromJSON", Function::FromJson),
            ("hashFiles", Function::HashFiles),
            ("success", Function::Success),
            ("failure", Function::Failure),
            ("always", Function::Always),
            ("cancelled", Function::Cancelled),
        ];
        all.iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, f)| *f)
    }

    /// The least and most arguments it takes.
    pub fn arity(self) -> (usize, usize) {
        match self {
            Function::Contains | Function::StartsWith | Function::EndsWith => (2, 2),
            Function::Format => (1, usize::from(u8::MAX)),
            Function::Join => (1, 2),
            Function::ToJson | Function::FromJson => (1, 1),
            Function::HashFiles => (1, usize::from(u8::MAX)),
            Function::Success | Function::Failure | Function::Always | Function::Cancelled => {
                (0, 0)
            }
        }
    }

    /// Status functions and `hashFiles` exist only in some places (a job's `if`, a step's).
    pub fn is_contextual(self) -> bool {
        matches!(
            self,
            Function::HashFiles
                | Function::Success
                | Function::Failure
                | Function::Always
                | Function::Cancelled
        )
    }

    pub fn is_status(self) -> bool {
        matches!(
            self,
            Function::Success | Function::Failure | Function::Always | Function::Cancelled
        )
    }
}

/// The status functions, as the host answers them.
pub const STATUS_FUNCTIONS: &[Function] = &[
    Function::Success,
    Function::Failure,
    Function::Always,
    Function::Cancelled,
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParseErrorKind {
    Empty,
    ExceededMaxDepth,
    ExceededMaxLength,
    TooFewParameters,
    TooManyParameters,
    UnexpectedEndOfExpression,
    UnexpectedSymbol,
    UnrecognizedFunction,
    UnrecognizedNamedValue,
}

/// An expression that does not parse, worded as the runner words it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}", self.message())]
pub struct ParseError {
    pub kind: ParseErrorKind,
    /// The offending token as written, when there is one.
    pub token: Option<String>,
    /// Its 1-based position.
    pub position: usize,
    pub expression: String,
}

impl ParseError {
    pub fn message(&self) -> String {
        let description = match self.kind {
            ParseErrorKind::Empty => return "An expression was expected".to_string(),
            ParseErrorKind::ExceededMaxDepth => {
                format!("Exceeded max expression depth {MAX_DEPTH}")
            }
            ParseErrorKind::ExceededMaxLength => {
                format!("Exceeded max expression length {MAX_LENGTH}")
            }
            ParseErrorKind::TooFewParameters => "Too few parameters supplied".to_string(),
            ParseErrorKind::TooManyParameters => "Too many parameters supplied".to_string(),
            ParseErrorKind::UnexpectedEndOfExpression => "Unexpected end of expression".to_string(),
            ParseErrorKind::UnexpectedSymbol => "Unexpected symbol".to_string(),
            ParseErrorKind::UnrecognizedFunction => "Unrecognized function".to_string(),
            ParseErrorKind::UnrecognizedNamedValue => "Unrecognized named-value".to_string(),
        };
        match &self.token {
            Some(token) => format!(
                "{description}: '{token}'. Located at position {} within expression: {}",
                self.position, self.expression
            ),
            None => description,
        }
    }
}

/// An expression that parsed but failed while evaluated (`fromJSON` of bad JSON, a bad
/// `format` string, a host failure in `hashFiles`).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct EvalError {
    pub message: String,
}

impl EvalError {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }
}

/// What evaluation asks of the place it runs in.
pub trait Host {
    /// The answer of a status function (`success()`, `failure()`, `always()`, `cancelled()`).
    fn status(&self, function: Function) -> bool;
    /// `hashFiles(patterns...)`: a SHA-256 over the matching files, or empty when none match.
    fn hash_files(&self, patterns: &[String]) -> Result<String, EvalError>;
}

/// The status of what came before, as a job's or step's `if` sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Success,
    Failure,
    Cancelled,
}

/// A host that knows only a status; `hashFiles` is refused (the server side has no workspace).
#[derive(Debug, Clone, Copy)]
pub struct StatusHost(pub Status);

impl Host for StatusHost {
    fn status(&self, function: Function) -> bool {
        match function {
            Function::Always => true,
            Function::Success => self.0 == Status::Success,
            Function::Failure => self.0 == Status::Failure,
            Function::Cancelled => self.0 == Status::Cancelled,
            _ => false,
        }
    }

    fn hash_files(&self, _patterns: &[String]) -> Result<String, EvalError> {
        Err(EvalError::new(
            "hashFiles is evaluated by the runner, not the server",
        ))
    }
}

/// The contexts an expression reads (`github`, `env`, `matrix`, ...), by lower-case name.
pub type Contexts = Object;

/// A parsed expression, ready to evaluate any number of times.
#[derive(Debug, Clone)]
pub struct Expression {
    pub source: String,
    pub root: Node,
}

impl Expression {
    /// Parses `source`, allowing the named contexts and contextual functions given.
    pub fn parse(
        source: &str,
        named_values: &[&str],
        functions: &[Function],
    ) -> Result<Expression, ParseError> {
        let root = parser::Parser::new(source, named_values, functions).parse()?;
        Ok(Expression {
            source: source.to_string(),
            root,
        })
    }

    pub fn evaluate(&self, contexts: &Contexts, host: &dyn Host) -> Result<Value, EvalError> {
        eval::evaluate(&self.root, contexts, host)
    }

    /// Whether it calls a status function; a condition that does not is run as
    /// `success() && (condition)`, as GitHub does.
    pub fn uses_status_function(&self) -> bool {
        fn walk(node: &Node) -> bool {
            match node {
                Node::Call(f, args) => f.is_status() || args.iter().any(walk),
                Node::Index(l, r) => walk(l) || r.as_deref().is_some_and(walk),
                Node::Not(n) => walk(n),
                Node::And(ns) | Node::Or(ns) => ns.iter().any(walk),
                Node::Compare(_, l, r) => walk(l) || walk(r),
                Node::Literal(_) | Node::NamedValue(_) => false,
            }
        }
        walk(&self.root)
    }

    /// Evaluates a condition (`if:`) with GitHub's implicit `success() &&` when no status
    /// function appears, and returns its truthiness.
    pub fn evaluate_condition(
        &self,
        contexts: &Contexts,
        host: &dyn Host,
    ) -> Result<bool, EvalError> {
        if !self.uses_status_function() && !host.status(Function::Success) {
            return Ok(false);
        }
        Ok(self.evaluate(contexts, host)?.is_truthy())
    }
}
