//! GitLab CI/CD's expression language, as `rules:if` and `only:variables` use it:
//! `$VAR`, `$VAR == "x"`, `!=`, `=~ /re/i`, `!~`, `null`, quoted strings, `&&`, `||` (with
//! `&&` binding tighter) and parentheses. A bare variable is true when it is set and not
//! empty; comparing with `null` tests whether it is set.
//!
//! What this module must not do: read anything but the variables it is given.

use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Variable(String),
    Str(String),
    Regex(String, bool),
    Null,
    Eq,
    Ne,
    Match,
    NoMatch,
    And,
    Or,
    Open,
    Close,
}

/// An expression that does not parse; GitLab's linter reports `invalid expression syntax`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("invalid expression syntax")]
pub struct SyntaxError;

fn tokenize(source: &str) -> Result<Vec<Token>, SyntaxError> {
    let chars: Vec<char> = source.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            ' ' | '\t' | '\n' | '\r' => i += 1,
            '$' => {
                let start = i + 1;
                let mut end = start;
                // `${VAR}` as well as `$VAR`.
                if chars.get(start) == Some(&'{') {
                    end = start + 1;
                    while end < chars.len() && chars[end] != '}' {
                        end += 1;
                    }
                    if end >= chars.len() {
                        return Err(SyntaxError);
                    }
                    tokens.push(Token::Variable(chars[start + 1..end].iter().collect()));
                    i = end + 1;
                    continue;
                }
                while end < chars.len() && (chars[end].is_ascii_alphanumeric() || chars[end] == '_')
                {
                    end += 1;
                }
                if end == start {
                    return Err(SyntaxError);
                }
                tokens.push(Token::Variable(chars[start..end].iter().collect()));
                i = end;
            }
            '"' | '\'' => {
                let mut end = i + 1;
                while end < chars.len() && chars[end] != c {
                    end += 1;
                }
                if end >= chars.len() {
                    return Err(SyntaxError);
                }
                tokens.push(Token::Str(chars[i + 1..end].iter().collect()));
                i = end + 1;
            }
            '/' => {
                let mut end = i + 1;
                let mut pattern = String::new();
                while end < chars.len() && chars[end] != '/' {
                    if chars[end] == '\\' && chars.get(end + 1) == Some(&'/') {
                        pattern.push('/');
                        end += 2;
                        continue;
                    }
                    pattern.push(chars[end]);
                    end += 1;
                }
                if end >= chars.len() {
                    return Err(SyntaxError);
                }
                end += 1;
                let mut insensitive = false;
                while end < chars.len() && chars[end].is_ascii_alphabetic() {
                    if chars[end] == 'i' {
                        insensitive = true;
                    }
                    end += 1;
                }
                tokens.push(Token::Regex(pattern, insensitive));
                i = end;
            }
            '=' | '!' => {
                let next = chars.get(i + 1).copied();
                let token = match (c, next) {
                    ('=', Some('=')) => Token::Eq,
                    ('!', Some('=')) => Token::Ne,
                    ('=', Some('~')) => Token::Match,
                    ('!', Some('~')) => Token::NoMatch,
                    _ => return Err(SyntaxError),
                };
                tokens.push(token);
                i += 2;
            }
            '&' if chars.get(i + 1) == Some(&'&') => {
                tokens.push(Token::And);
                i += 2;
            }
            '|' if chars.get(i + 1) == Some(&'|') => {
                tokens.push(Token::Or);
                i += 2;
            }
            '(' => {
                tokens.push(Token::Open);
                i += 1;
            }
            ')' => {
                tokens.push(Token::Close);
                i += 1;
            }
            _ if source[source.char_indices().nth(i).map_or(0, |(b, _)| b)..]
                .starts_with("null") =>
            {
                tokens.push(Token::Null);
                i += 4;
            }
            _ => return Err(SyntaxError),
        }
    }
    Ok(tokens)
}

/// A value during evaluation: a string, or null (an unset variable, `null`).
#[derive(Debug, Clone, PartialEq)]
enum Operand {
    Text(Option<String>),
    Regex(String, bool),
}

struct Parser<'a> {
    tokens: Vec<Token>,
    position: usize,
    variables: &'a BTreeMap<String, String>,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.position)
    }

    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.position).cloned();
        self.position += 1;
        token
    }

    fn or(&mut self) -> Result<bool, SyntaxError> {
        let mut value = self.and()?;
        while self.peek() == Some(&Token::Or) {
            self.position += 1;
            let right = self.and()?;
            value = value || right;
        }
        Ok(value)
    }

    fn and(&mut self) -> Result<bool, SyntaxError> {
        let mut value = self.comparison()?;
        while self.peek() == Some(&Token::And) {
            self.position += 1;
            let right = self.comparison()?;
            value = value && right;
        }
        Ok(value)
    }

    fn operand(&mut self) -> Result<Operand, SyntaxError> {
        match self.next() {
            Some(Token::Variable(name)) => Ok(Operand::Text(self.variables.get(&name).cloned())),
            Some(Token::Str(text)) => Ok(Operand::Text(Some(text))),
            Some(Token::Null) => Ok(Operand::Text(None)),
            Some(Token::Regex(pattern, insensitive)) => Ok(Operand::Regex(pattern, insensitive)),
            _ => Err(SyntaxError),
        }
    }

    fn comparison(&mut self) -> Result<bool, SyntaxError> {
        if self.peek() == Some(&Token::Open) {
            self.position += 1;
            let value = self.or()?;
            if self.next() != Some(Token::Close) {
                return Err(SyntaxError);
            }
            return Ok(value);
        }
        let left = self.operand()?;
        let operator = match self.peek() {
            Some(Token::Eq | Token::Ne | Token::Match | Token::NoMatch) => self.next(),
            _ => None,
        };
        let Some(operator) = operator else {
            return Ok(match left {
                Operand::Text(Some(text)) => !text.is_empty(),
                Operand::Text(None) => false,
                Operand::Regex(..) => return Err(SyntaxError),
            });
        };
        let right = self.operand()?;
        match operator {
            Token::Eq => Ok(left == right),
            Token::Ne => Ok(left != right),
            Token::Match | Token::NoMatch => {
                let matched = regex_match(&left, &right)?;
                Ok(if operator == Token::Match {
                    matched
                } else {
                    !matched
                })
            }
            _ => Err(SyntaxError),
        }
    }
}

fn regex_match(left: &Operand, right: &Operand) -> Result<bool, SyntaxError> {
    let text = match left {
        Operand::Text(text) => text.clone().unwrap_or_default(),
        Operand::Regex(..) => return Err(SyntaxError),
    };
    let (pattern, insensitive) = match right {
        Operand::Regex(pattern, insensitive) => (pattern.clone(), *insensitive),
        // A variable holding `/pattern/` is a regular expression too.
        Operand::Text(Some(value)) if value.len() >= 2 && value.starts_with('/') => {
            let end = value.rfind('/').unwrap_or(0);
            if end == 0 {
                return Err(SyntaxError);
            }
            (value[1..end].to_string(), value[end + 1..].contains('i'))
        }
        _ => return Ok(false),
    };
    let pattern = if insensitive {
        format!("(?i){pattern}")
    } else {
        pattern
    };
    let regex = regex_lite::Regex::new(&pattern).map_err(|_| SyntaxError)?;
    Ok(regex.is_match(&text))
}

/// Evaluates `source` over `variables`.
pub fn evaluate(source: &str, variables: &BTreeMap<String, String>) -> Result<bool, SyntaxError> {
    let tokens = tokenize(source)?;
    let mut parser = Parser {
        tokens,
        position: 0,
        variables,
    };
    let value = parser.or()?;
    if parser.position != parser.tokens.len() {
        return Err(SyntaxError);
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(source: &str, expected: Result<bool, SyntaxError>) {
        let variables: BTreeMap<String, String> = [
            ("CI_PIPELINE_SOURCE", "push"),
            ("CI_COMMIT_BRANCH", "main"),
            ("EMPTY", ""),
            ("PATTERN", "/^ma/"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        assert_eq!(evaluate(source, &variables), expected, "{source}");
    }

    #[test]
    fn expressions() {
        check("$CI_PIPELINE_SOURCE == \"push\"", Ok(true));
        check("$CI_PIPELINE_SOURCE == 'web'", Ok(false));
        check("$CI_COMMIT_BRANCH", Ok(true));
        check("$EMPTY", Ok(false));
        check("$UNSET", Ok(false));
        check("$UNSET == null", Ok(true));
        check("$EMPTY == null", Ok(false));
        check("$CI_COMMIT_BRANCH =~ /^MA/i", Ok(true));
        check("$CI_COMMIT_BRANCH !~ /^feat/", Ok(true));
        check("$CI_COMMIT_BRANCH =~ $PATTERN", Ok(true));
        check(
            "$CI_PIPELINE_SOURCE == \"web\" || $CI_COMMIT_BRANCH == \"main\" && $EMPTY",
            Ok(false),
        );
        check(
            "($CI_PIPELINE_SOURCE == \"web\" || $CI_COMMIT_BRANCH == \"main\") && $CI_PIPELINE_SOURCE",
            Ok(true),
        );
        check("$CI_COMMIT_BRANCH == ", Err(SyntaxError));
        check("$CI_COMMIT_BRANCH = \"x\"", Err(SyntaxError));
        check("(", Err(SyntaxError));
    }
}
