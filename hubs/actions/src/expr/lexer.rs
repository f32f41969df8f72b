//! Tokens of an expression, with the runner's rules for which token may follow which.
//!
//! A token that may not follow the one before it (`a b`, `== 1`, `.5.` after a name) comes
//! out as [`TokenKind::Unexpected`], so the parser reports it as GitHub does: `Unexpected
//! symbol: 'b'. Located at position 3 within expression: a b`. Positions are 1-based
//! character offsets.
//!
//! What this module must not do: decide what a name means (the parser checks named values and
//! functions against what the caller allows).

use super::value::parse_number;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenKind {
    StartGroup,
    StartIndex,
    StartParameters,
    EndGroup,
    EndIndex,
    EndParameters,
    Separator,
    Dereference,
    Wildcard,
    Operator,
    Null,
    Boolean,
    Number,
    String,
    PropertyName,
    Function,
    NamedValue,
    Unexpected,
}

#[derive(Debug, Clone)]
pub(crate) struct Token {
    pub kind: TokenKind,
    /// The text as written (a string token keeps its quotes).
    pub raw: String,
    /// Character offset of the first character, 0-based.
    pub index: usize,
    /// A string literal's value, unescaped.
    pub text: String,
    pub number: f64,
    pub boolean: bool,
}

pub(crate) fn tokenize(expression: &str) -> Vec<Token> {
    let chars: Vec<char> = expression.chars().collect();
    let mut lexer = Lexer {
        chars,
        index: 0,
        last: None,
        unclosed: Vec::new(),
        tokens: Vec::new(),
    };
    while lexer.next_token() {}
    lexer.tokens
}

struct Lexer {
    chars: Vec<char>,
    index: usize,
    last: Option<TokenKind>,
    /// Open `(`, `[` and call parentheses, innermost last: tells a call's `)` from a group's.
    unclosed: Vec<TokenKind>,
    tokens: Vec<Token>,
}

fn is_boundary(c: char) -> bool {
    matches!(
        c,
        '(' | '[' | ')' | ']' | ',' | '.' | '!' | '>' | '<' | '=' | '&' | '|'
    ) || c.is_whitespace()
}

/// A keyword starts with a letter or `_` and continues with letters, digits, `_` and `-`.
fn is_legal_keyword(word: &str) -> bool {
    let mut chars = word.chars();
    match chars.next() {
        Some(c) if c.is_ascii_alphabetic() || c == '_' => {}
        _ => return false,
    }
    chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

const AFTER_VALUE: &[TokenKind] = &[
    TokenKind::EndGroup,
    TokenKind::EndParameters,
    TokenKind::EndIndex,
    TokenKind::Wildcard,
    TokenKind::Null,
    TokenKind::Boolean,
    TokenKind::Number,
    TokenKind::String,
    TokenKind::PropertyName,
    TokenKind::NamedValue,
];

const AFTER_REFERENCE: &[TokenKind] = &[
    TokenKind::EndGroup,
    TokenKind::EndParameters,
    TokenKind::EndIndex,
    TokenKind::Wildcard,
    TokenKind::PropertyName,
    TokenKind::NamedValue,
];

/// Where an operand may start: first, or after `,` `(` `[` or an operator.
const OPERAND_START: &[TokenKind] = &[
    TokenKind::Separator,
    TokenKind::StartGroup,
    TokenKind::StartParameters,
    TokenKind::StartIndex,
    TokenKind::Operator,
];

impl Lexer {
    fn next_token(&mut self) -> bool {
        while self.index < self.chars.len() && self.chars[self.index].is_whitespace() {
            self.index += 1;
        }
        if self.index >= self.chars.len() {
            return false;
        }
        let c = self.chars[self.index];
        let start = self.index;
        match c {
            '(' => {
                self.index += 1;
                let kind = if self.last == Some(TokenKind::Function) {
                    TokenKind::StartParameters
                } else {
                    TokenKind::StartGroup
                };
                self.push(kind, "(", start);
            }
            '[' => {
                self.index += 1;
                self.push(TokenKind::StartIndex, "[", start);
            }
            ')' => {
                self.index += 1;
                let kind = if self.unclosed.last() == Some(&TokenKind::StartParameters) {
                    TokenKind::EndParameters
                } else {
                    TokenKind::EndGroup
                };
                self.push(kind, ")", start);
            }
            ']' => {
                self.index += 1;
                self.push(TokenKind::EndIndex, "]", start);
            }
            ',' => {
                self.index += 1;
                self.push(TokenKind::Separator, ",", start);
            }
            '*' => {
                self.index += 1;
                self.push(TokenKind::Wildcard, "*", start);
            }
            '\'' => self.read_string(),
            '!' | '>' | '<' | '=' | '&' | '|' => self.read_operator(),
            '.' => {
                if self.last.is_none()
                    || OPERAND_START.contains(&self.last.unwrap_or(TokenKind::Unexpected))
                {
                    self.read_number();
                } else {
                    self.index += 1;
                    self.push(TokenKind::Dereference, ".", start);
                }
            }
            '-' | '+' | '0'..='9' => self.read_number(),
            _ => self.read_keyword(),
        }
        true
    }

    fn read_number(&mut self) {
        let start = self.index;
        self.index += 1;
        while self.index < self.chars.len()
            && (!is_boundary(self.chars[self.index]) || self.chars[self.index] == '.')
        {
            self.index += 1;
        }
        let raw: String = self.chars[start..self.index].iter().collect();
        let number = parse_number(&raw);
        if number.is_nan() {
            self.push(TokenKind::Unexpected, &raw, start);
        } else {
            let token = self.make(TokenKind::Number, &raw, start);
            self.tokens.push(Token { number, ..token });
        }
    }

    fn read_keyword(&mut self) {
        let start = self.index;
        self.index += 1;
        while self.index < self.chars.len() && !is_boundary(self.chars[self.index]) {
            self.index += 1;
        }
        let raw: String = self.chars[start..self.index].iter().collect();
        if !is_legal_keyword(&raw) {
            self.push(TokenKind::Unexpected, &raw, start);
            return;
        }
        if self.last == Some(TokenKind::Dereference) {
            self.push(TokenKind::PropertyName, &raw, start);
            return;
        }
        match raw.as_str() {
            "null" => self.push(TokenKind::Null, &raw, start),
            "true" | "false" => {
                let token = self.make(TokenKind::Boolean, &raw, start);
                self.tokens.push(Token {
                    boolean: raw == "true",
                    ..token
                });
            }
            "NaN" | "Infinity" => {
                let token = self.make(TokenKind::Number, &raw, start);
                let number = if raw == "NaN" {
                    f64::NAN
                } else {
                    f64::INFINITY
                };
                self.tokens.push(Token { number, ..token });
            }
            _ => {
                let mut ahead = self.index;
                while ahead < self.chars.len() && self.chars[ahead].is_whitespace() {
                    ahead += 1;
                }
                if self.chars.get(ahead) == Some(&'(') {
                    self.push(TokenKind::Function, &raw, start);
                } else {
                    self.push(TokenKind::NamedValue, &raw, start);
                }
            }
        }
    }

    fn read_string(&mut self) {
        let start = self.index;
        self.index += 1;
        let mut text = String::new();
        let mut closed = false;
        while self.index < self.chars.len() {
            let c = self.chars[self.index];
            self.index += 1;
            if c == '\'' {
                if self.chars.get(self.index) != Some(&'\'') {
                    closed = true;
                    break;
                }
                // `''` inside a string is one quote.
                self.index += 1;
            }
            text.push(c);
        }
        let raw: String = self.chars[start..self.index].iter().collect();
        if closed {
            let token = self.make(TokenKind::String, &raw, start);
            self.tokens.push(Token { text, ..token });
        } else {
            self.push(TokenKind::Unexpected, &raw, start);
        }
    }

    fn read_operator(&mut self) {
        let start = self.index;
        if self.index + 1 < self.chars.len() {
            let two: String = self.chars[start..start + 2].iter().collect();
            if matches!(two.as_str(), "!=" | ">=" | "<=" | "==" | "&&" | "||") {
                self.index += 2;
                self.push(TokenKind::Operator, &two, start);
                return;
            }
        }
        let one = self.chars[start];
        self.index += 1;
        if matches!(one, '!' | '>' | '<') {
            self.push(TokenKind::Operator, &one.to_string(), start);
            return;
        }
        while self.index < self.chars.len() && !is_boundary(self.chars[self.index]) {
            self.index += 1;
        }
        let raw: String = self.chars[start..self.index].iter().collect();
        self.push(TokenKind::Unexpected, &raw, start);
    }

    fn make(&mut self, kind: TokenKind, raw: &str, index: usize) -> Token {
        let kind = if self.is_legal(kind, raw) {
            kind
        } else {
            TokenKind::Unexpected
        };
        match kind {
            TokenKind::StartGroup | TokenKind::StartIndex | TokenKind::StartParameters => {
                self.unclosed.push(kind)
            }
            TokenKind::EndGroup | TokenKind::EndIndex | TokenKind::EndParameters => {
                self.unclosed.pop();
            }
            _ => {}
        }
        self.last = Some(kind);
        Token {
            kind,
            raw: raw.to_string(),
            index,
            text: String::new(),
            number: 0.0,
            boolean: false,
        }
    }

    fn push(&mut self, kind: TokenKind, raw: &str, index: usize) {
        let token = self.make(kind, raw, index);
        self.tokens.push(token);
    }

    /// The runner's rule for which token kinds may follow the previous one.
    fn is_legal(&self, kind: TokenKind, raw: &str) -> bool {
        let last = self.last;
        let first_or = |allowed: &[TokenKind]| last.is_none_or(|l| allowed.contains(&l));
        let after = |allowed: &[TokenKind]| last.is_some_and(|l| allowed.contains(&l));
        match kind {
            TokenKind::StartGroup => first_or(OPERAND_START),
            TokenKind::StartIndex | TokenKind::Dereference => after(AFTER_REFERENCE),
            TokenKind::StartParameters => after(&[TokenKind::Function]),
            TokenKind::EndGroup | TokenKind::EndIndex | TokenKind::Separator => after(AFTER_VALUE),
            TokenKind::EndParameters => {
                last == Some(TokenKind::StartParameters) || after(AFTER_VALUE)
            }
            TokenKind::Wildcard => after(&[TokenKind::StartIndex, TokenKind::Dereference]),
            TokenKind::Operator if raw == "!" => first_or(OPERAND_START),
            TokenKind::Operator => after(AFTER_VALUE),
            TokenKind::Null
            | TokenKind::Boolean
            | TokenKind::Number
            | TokenKind::String
            | TokenKind::Function
            | TokenKind::NamedValue => first_or(OPERAND_START),
            TokenKind::PropertyName => after(&[TokenKind::Dereference]),
            TokenKind::Unexpected => false,
        }
    }
}
