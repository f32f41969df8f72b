//! Arithmetic expansion `$(( ... ))`: signed 64-bit integers with C's operators and
//! precedence, variables (by name, with or without `$`), assignments (`=`, `+=`, ...), `?:`,
//! and short-circuit `&&`/`||`. Errors are messages (division by zero, a bad number, a syntax
//! error); overflow wraps, as in dash. Nesting is bounded.

/// Variables, as arithmetic reads and assigns them.
pub trait Variables {
    fn get(&mut self, name: &str) -> Option<String>;
    fn set(&mut self, name: &str, value: i64);
}

const MAX_DEPTH: usize = 200;

/// Evaluates `expression` (already expanded).
pub fn evaluate(expression: &str, variables: &mut dyn Variables) -> Result<i64, String> {
    let tokens = tokenize(expression)?;
    if tokens.is_empty() {
        return Ok(0);
    }
    let mut parser = Evaluator {
        tokens,
        pos: 0,
        variables,
        depth: 0,
    };
    let value = parser.assignment(false)?;
    if parser.pos != parser.tokens.len() {
        return Err(format!(
            "arithmetic expression: expecting EOF: \"{expression}\""
        ));
    }
    Ok(value)
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Number(i64),
    Name(String),
    Op(&'static str),
}

const OPS: [&str; 35] = [
    "<<=", ">>=", "&&", "||", "==", "!=", "<=", ">=", "<<", ">>", "+=", "-=", "*=", "/=", "%=",
    "&=", "^=", "|=", "+", "-", "*", "/", "%", "<", ">", "&", "^", "|", "!", "~", "?", ":", "=",
    "(", ")",
];

fn parse_number(text: &str) -> Result<i64, String> {
    let bad = || format!("arithmetic expression: illegal number: \"{text}\"");
    let (digits, radix) =
        if let Some(hex) = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
            (hex, 16)
        } else if text.len() > 1 && text.starts_with('0') {
            (&text[1..], 8)
        } else {
            (text, 10)
        };
    if digits.is_empty() {
        return Err(bad());
    }
    // Values past i64 wrap as dash's strtoimax would saturate; saturating is closer.
    match i64::from_str_radix(digits, radix) {
        Ok(value) => Ok(value),
        Err(error) => match error.kind() {
            std::num::IntErrorKind::PosOverflow => Ok(i64::MAX),
            _ => Err(bad()),
        },
    }
}

fn tokenize(text: &str) -> Result<Vec<Token>, String> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    'outer: while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        if c.is_ascii_digit() {
            let start = i;
            while i < chars.len() && chars[i].is_ascii_alphanumeric() {
                i += 1;
            }
            let number: String = chars[start..i].iter().collect();
            tokens.push(Token::Number(parse_number(&number)?));
            continue;
        }
        if c == '_' || c.is_ascii_alphabetic() || c == '$' {
            if c == '$' {
                i += 1;
            }
            let start = i;
            while i < chars.len() && (chars[i] == '_' || chars[i].is_ascii_alphanumeric()) {
                i += 1;
            }
            if start == i {
                return Err(format!("arithmetic expression: syntax error: \"{text}\""));
            }
            tokens.push(Token::Name(chars[start..i].iter().collect()));
            continue;
        }
        for op in OPS {
            if op
                .chars()
                .enumerate()
                .all(|(k, oc)| chars.get(i + k) == Some(&oc))
            {
                tokens.push(Token::Op(op));
                i += op.len();
                continue 'outer;
            }
        }
        return Err(format!("arithmetic expression: syntax error: \"{text}\""));
    }
    Ok(tokens)
}

struct Evaluator<'a> {
    tokens: Vec<Token>,
    pos: usize,
    variables: &'a mut dyn Variables,
    depth: usize,
}

fn binary_precedence(op: &str) -> Option<u8> {
    Some(match op {
        "||" => 1,
        "&&" => 2,
        "|" => 3,
        "^" => 4,
        "&" => 5,
        "==" | "!=" => 6,
        "<" | "<=" | ">" | ">=" => 7,
        "<<" | ">>" => 8,
        "+" | "-" => 9,
        "*" | "/" | "%" => 10,
        _ => return None,
    })
}

impl Evaluator<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn syntax_error(&self) -> String {
        "arithmetic expression: syntax error".to_string()
    }

    fn variable(&mut self, name: &str) -> Result<i64, String> {
        match self.variables.get(name) {
            None => Ok(0),
            Some(value) if value.trim().is_empty() => Ok(0),
            Some(value) => {
                let trimmed = value.trim();
                let (negative, digits) = match trimmed.strip_prefix('-') {
                    Some(rest) => (true, rest),
                    None => (false, trimmed.strip_prefix('+').unwrap_or(trimmed)),
                };
                let number = parse_number(digits)
                    .map_err(|_| format!("arithmetic expression: illegal number: \"{value}\""))?;
                Ok(if negative {
                    number.wrapping_neg()
                } else {
                    number
                })
            }
        }
    }

    fn assignment(&mut self, skip: bool) -> Result<i64, String> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err("arithmetic expression: nesting too deep".into());
        }
        let result = self.assignment_inner(skip);
        self.depth -= 1;
        result
    }

    fn assignment_inner(&mut self, skip: bool) -> Result<i64, String> {
        if let (Some(Token::Name(name)), Some(Token::Op(op))) = (
            self.tokens.get(self.pos).cloned(),
            self.tokens.get(self.pos + 1).cloned(),
        ) && op.ends_with('=')
            && !matches!(op, "==" | "!=" | "<=" | ">=")
        {
            self.pos += 2;
            let right = self.assignment(skip)?;
            if skip {
                return Ok(0);
            }
            let value = if op == "=" {
                right
            } else {
                let current = self.variable(&name)?;
                apply(&op[..op.len() - 1], current, right)?
            };
            self.variables.set(&name, value);
            return Ok(value);
        }
        self.conditional(skip)
    }

    fn conditional(&mut self, skip: bool) -> Result<i64, String> {
        let condition = self.binary(1, skip)?;
        if self.peek() == Some(&Token::Op("?")) {
            self.pos += 1;
            let yes = self.assignment(skip || condition == 0)?;
            if self.peek() != Some(&Token::Op(":")) {
                return Err(self.syntax_error());
            }
            self.pos += 1;
            let no = self.conditional(skip || condition != 0)?;
            return Ok(if condition != 0 { yes } else { no });
        }
        Ok(condition)
    }

    fn binary(&mut self, min: u8, skip: bool) -> Result<i64, String> {
        let mut left = self.unary(skip)?;
        loop {
            let Some(Token::Op(op)) = self.peek().cloned() else {
                return Ok(left);
            };
            let Some(precedence) = binary_precedence(op) else {
                return Ok(left);
            };
            if precedence < min {
                return Ok(left);
            }
            self.pos += 1;
            left = match op {
                "&&" => {
                    let right = self.binary(precedence + 1, skip || left == 0)?;
                    i64::from(left != 0 && right != 0)
                }
                "||" => {
                    let right = self.binary(precedence + 1, skip || left != 0)?;
                    i64::from(left != 0 || right != 0)
                }
                _ => {
                    let right = self.binary(precedence + 1, skip)?;
                    if skip { 0 } else { apply(op, left, right)? }
                }
            };
        }
    }

    fn unary(&mut self, skip: bool) -> Result<i64, String> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err("arithmetic expression: nesting too deep".into());
        }
        let result = self.unary_inner(skip);
        self.depth -= 1;
        result
    }

    fn unary_inner(&mut self, skip: bool) -> Result<i64, String> {
        let Some(token) = self.peek().cloned() else {
            return Err(self.syntax_error());
        };
        self.pos += 1;
        match token {
            Token::Number(n) => Ok(n),
            Token::Name(name) => {
                if skip {
                    Ok(0)
                } else {
                    self.variable(&name)
                }
            }
            Token::Op("(") => {
                let value = self.assignment(skip)?;
                if self.peek() != Some(&Token::Op(")")) {
                    return Err(self.syntax_error());
                }
                self.pos += 1;
                Ok(value)
            }
            Token::Op("-") => Ok(self.unary(skip)?.wrapping_neg()),
            Token::Op("+") => self.unary(skip),
            Token::Op("!") => Ok(i64::from(self.unary(skip)? == 0)),
            Token::Op("~") => Ok(!self.unary(skip)?),
            _ => Err(self.syntax_error()),
        }
    }
}

fn apply(op: &str, left: i64, right: i64) -> Result<i64, String> {
    Ok(match op {
        "+" => left.wrapping_add(right),
        "-" => left.wrapping_sub(right),
        "*" => left.wrapping_mul(right),
        "/" | "%" if right == 0 => return Err("arithmetic expression: division by zero".into()),
        "/" => left.wrapping_div(right),
        "%" => left.wrapping_rem(right),
        "<<" => left.wrapping_shl(right as u32),
        ">>" => left.wrapping_shr(right as u32),
        "<" => i64::from(left < right),
        "<=" => i64::from(left <= right),
        ">" => i64::from(left > right),
        ">=" => i64::from(left >= right),
        "==" => i64::from(left == right),
        "!=" => i64::from(left != right),
        "&" => left & right,
        "^" => left ^ right,
        "|" => left | right,
        _ => return Err("arithmetic expression: syntax error".into()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    struct Vars(HashMap<String, String>);
    impl Variables for Vars {
        fn get(&mut self, name: &str) -> Option<String> {
            self.0.get(name).cloned()
        }
        fn set(&mut self, name: &str, value: i64) {
            self.0.insert(name.into(), value.to_string());
        }
    }

    #[test]
    fn expressions() {
        let mut vars = Vars(HashMap::from([("x".to_string(), "7".to_string())]));
        let table = [
            ("1 + 2 * 3", Ok(7)),
            ("(1 + 2) * 3", Ok(9)),
            ("x % 4", Ok(3)),
            ("x > 3 && x < 10", Ok(1)),
            ("0 || 0", Ok(0)),
            ("x ? 10 : 20", Ok(10)),
            ("010 + 0x10", Ok(24)),
            ("-x + ~0", Ok(-8)),
            (
                "1 / 0",
                Err("arithmetic expression: division by zero".to_string()),
            ),
            ("0 && 1 / 0", Ok(0)),
            ("y = x += 1", Ok(8)),
        ];
        for (expression, expected) in table {
            assert_eq!(evaluate(expression, &mut vars), expected, "{expression}");
        }
        assert_eq!(vars.0["y"], "8");
        assert!(evaluate("1 +", &mut vars).is_err());
        assert!(evaluate(&"(".repeat(10_000), &mut vars).is_err());
    }
}
