//! The expression grammar, by precedence from loosest: `||`, `&&`, `==` `!=`, `<` `<=` `>`
//! `>=`, `!`, then dereference `.name`, `.*`, `[index]`, `[*]`; operands are literals, named
//! values (contexts), calls and parenthesised groups.
//!
//! Errors carry the runner's wording (`Unexpected symbol`, `Unrecognized named-value`,
//! `Unrecognized function`, `Too few parameters supplied`, `Exceeded max expression depth 50`)
//! and the 1-based position of the offending token.
//!
//! What this module must not do: evaluate anything, or accept a context or function the caller
//! did not allow.

use super::lexer::{Token, TokenKind, tokenize};
use super::value::Value;
use super::{Function, ParseError, ParseErrorKind};

/// The runner's limits: deeper or longer expressions are refused when parsed.
pub const MAX_DEPTH: usize = 50;
pub const MAX_LENGTH: usize = 21000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// A parsed expression.
#[derive(Debug, Clone)]
pub enum Node {
    Literal(Value),
    /// A context (`github`, `env`, ...), lower-cased.
    NamedValue(String),
    /// `left.name`, `left[expr]`; `None` is the wildcard `*`.
    Index(Box<Node>, Option<Box<Node>>),
    Not(Box<Node>),
    And(Vec<Node>),
    Or(Vec<Node>),
    Compare(Comparison, Box<Node>, Box<Node>),
    Call(Function, Vec<Node>),
}

pub(crate) struct Parser<'a> {
    expression: &'a str,
    tokens: Vec<Token>,
    position: usize,
    depth: usize,
    named_values: &'a [&'a str],
    extra_functions: &'a [Function],
}

impl<'a> Parser<'a> {
    pub(crate) fn new(
        expression: &'a str,
        named_values: &'a [&'a str],
        extra_functions: &'a [Function],
    ) -> Self {
        Self {
            expression,
            tokens: Vec::new(),
            position: 0,
            depth: 0,
            named_values,
            extra_functions,
        }
    }

    pub(crate) fn parse(mut self) -> Result<Node, ParseError> {
        if self.expression.chars().count() > MAX_LENGTH {
            return Err(self.error(ParseErrorKind::ExceededMaxLength, None));
        }
        self.tokens = tokenize(self.expression);
        if self.tokens.is_empty() {
            return Err(self.error(ParseErrorKind::Empty, None));
        }
        let node = self.or()?;
        if let Some(token) = self.tokens.get(self.position) {
            return Err(self.error(ParseErrorKind::UnexpectedSymbol, Some(token.clone())));
        }
        Ok(node)
    }

    fn error(&self, kind: ParseErrorKind, token: Option<Token>) -> ParseError {
        ParseError {
            kind,
            token: token.as_ref().map(|t| t.raw.clone()),
            position: token.as_ref().map_or(0, |t| t.index + 1),
            expression: self.expression.to_string(),
        }
    }

    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.position)
    }

    fn next(&mut self) -> Result<Token, ParseError> {
        match self.tokens.get(self.position) {
            Some(token) => {
                self.position += 1;
                if token.kind == TokenKind::Unexpected {
                    return Err(self.error(ParseErrorKind::UnexpectedSymbol, Some(token.clone())));
                }
                Ok(token.clone())
            }
            None => Err(self.error(ParseErrorKind::UnexpectedEndOfExpression, None)),
        }
    }

    fn peek_operator(&self, operators: &[&str]) -> Option<Token> {
        self.peek()
            .filter(|t| t.kind == TokenKind::Operator && operators.contains(&t.raw.as_str()))
            .cloned()
    }

    fn enter(&mut self, token: Option<&Token>) -> Result<(), ParseError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error(ParseErrorKind::ExceededMaxDepth, token.cloned()));
        }
        Ok(())
    }

    fn or(&mut self) -> Result<Node, ParseError> {
        let first = self.and()?;
        let mut operands = vec![first];
        while let Some(token) = self.peek_operator(&["||"]) {
            self.position += 1;
            self.enter(Some(&token))?;
            operands.push(self.and()?);
            self.depth -= 1;
        }
        Ok(if operands.len() == 1 {
            operands.remove(0)
        } else {
            Node::Or(operands)
        })
    }

    fn and(&mut self) -> Result<Node, ParseError> {
        let first = self.equality()?;
        let mut operands = vec![first];
        while let Some(token) = self.peek_operator(&["&&"]) {
            self.position += 1;
            self.enter(Some(&token))?;
            operands.push(self.equality()?);
            self.depth -= 1;
        }
        Ok(if operands.len() == 1 {
            operands.remove(0)
        } else {
            Node::And(operands)
        })
    }

    fn equality(&mut self) -> Result<Node, ParseError> {
        let mut left = self.comparison()?;
        while let Some(token) = self.peek_operator(&["==", "!="]) {
            self.position += 1;
            self.enter(Some(&token))?;
            let right = self.comparison()?;
            self.depth -= 1;
            let op = if token.raw == "==" {
                Comparison::Eq
            } else {
                Comparison::Ne
            };
            left = Node::Compare(op, Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn comparison(&mut self) -> Result<Node, ParseError> {
        let mut left = self.unary()?;
        while let Some(token) = self.peek_operator(&["<", "<=", ">", ">="]) {
            self.position += 1;
            self.enter(Some(&token))?;
            let right = self.unary()?;
            self.depth -= 1;
            let op = match token.raw.as_str() {
                "<" => Comparison::Lt,
                "<=" => Comparison::Le,
                ">" => Comparison::Gt,
                _ => Comparison::Ge,
            };
            left = Node::Compare(op, Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Node, ParseError> {
        if let Some(token) = self.peek_operator(&["!"]) {
            self.position += 1;
            self.enter(Some(&token))?;
            let operand = self.unary()?;
            self.depth -= 1;
            return Ok(Node::Not(Box::new(operand)));
        }
        self.postfix()
    }

    fn postfix(&mut self) -> Result<Node, ParseError> {
        let mut node = self.primary()?;
        let mut levels = 0;
        while let Some(token) = self.peek().cloned() {
            match token.kind {
                TokenKind::Dereference => {
                    self.position += 1;
                    self.enter(Some(&token))?;
                    levels += 1;
                    let name = self.next()?;
                    let index = match name.kind {
                        TokenKind::PropertyName => {
                            Some(Box::new(Node::Literal(Value::String(name.raw))))
                        }
                        TokenKind::Wildcard => None,
                        _ => return Err(self.error(ParseErrorKind::UnexpectedSymbol, Some(name))),
                    };
                    node = Node::Index(Box::new(node), index);
                }
                TokenKind::StartIndex => {
                    self.position += 1;
                    self.enter(Some(&token))?;
                    levels += 1;
                    let index = if self.peek().is_some_and(|t| t.kind == TokenKind::Wildcard) {
                        self.position += 1;
                        None
                    } else {
                        Some(Box::new(self.or()?))
                    };
                    let close = self.next()?;
                    if close.kind != TokenKind::EndIndex {
                        return Err(self.error(ParseErrorKind::UnexpectedSymbol, Some(close)));
                    }
                    node = Node::Index(Box::new(node), index);
                }
                _ => break,
            }
        }
        self.depth -= levels;
        Ok(node)
    }

    fn primary(&mut self) -> Result<Node, ParseError> {
        let token = self.next()?;
        match token.kind {
            TokenKind::Null => Ok(Node::Literal(Value::Null)),
            TokenKind::Boolean => Ok(Node::Literal(Value::Bool(token.boolean))),
            TokenKind::Number => Ok(Node::Literal(Value::Number(token.number))),
            TokenKind::String => Ok(Node::Literal(Value::String(token.text))),
            TokenKind::NamedValue => {
                let name = token.raw.to_ascii_lowercase();
                if !self
                    .named_values
                    .iter()
                    .any(|n| n.eq_ignore_ascii_case(&name))
                {
                    return Err(self.error(ParseErrorKind::UnrecognizedNamedValue, Some(token)));
                }
                Ok(Node::NamedValue(name))
            }
            TokenKind::StartGroup => {
                self.enter(Some(&token))?;
                let inner = self.or()?;
                self.depth -= 1;
                let close = self.next()?;
                if close.kind != TokenKind::EndGroup {
                    return Err(self.error(ParseErrorKind::UnexpectedSymbol, Some(close)));
                }
                Ok(inner)
            }
            TokenKind::Function => self.call(token),
            _ => Err(self.error(ParseErrorKind::UnexpectedSymbol, Some(token))),
        }
    }

    fn call(&mut self, name: Token) -> Result<Node, ParseError> {
        let function = Function::lookup(&name.raw)
            .filter(|f| !f.is_contextual() || self.extra_functions.contains(f))
            .ok_or_else(|| self.error(ParseErrorKind::UnrecognizedFunction, Some(name.clone())))?;
        self.enter(Some(&name))?;
        let open = self.next()?;
        if open.kind != TokenKind::StartParameters {
            return Err(self.error(ParseErrorKind::UnexpectedSymbol, Some(open)));
        }
        let mut arguments = Vec::new();
        if self
            .peek()
            .is_some_and(|t| t.kind == TokenKind::EndParameters)
        {
            self.position += 1;
        } else {
            loop {
                arguments.push(self.or()?);
                let separator = self.next()?;
                match separator.kind {
                    TokenKind::Separator => {}
                    TokenKind::EndParameters => break,
                    _ => return Err(self.error(ParseErrorKind::UnexpectedSymbol, Some(separator))),
                }
            }
        }
        self.depth -= 1;
        let (min, max) = function.arity();
        if arguments.len() < min {
            return Err(self.error(ParseErrorKind::TooFewParameters, Some(name)));
        }
        if arguments.len() > max {
            return Err(self.error(ParseErrorKind::TooManyParameters, Some(name)));
        }
        Ok(Node::Call(function, arguments))
    }
}
