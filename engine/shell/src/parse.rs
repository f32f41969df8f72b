//! The parser: POSIX shell source into [`crate::ast`]. Lexing is done on demand by the parser
//! (the shell's tokens depend on where they stand: reserved words only in command position,
//! `)` ending a `$(` substitution, here-document bodies on the lines after their operator).
//!
//! Here-document bodies are read when their operator is: the body starts on the line after the
//! current one and is cut out of the remaining source, so several here-documents on one line
//! take their bodies in order. Nesting is bounded ([`MAX_DEPTH`]): a deeper program is a syntax
//! error, never a stack overflow.

use std::rc::Rc;

use crate::ast::*;

/// How deeply compound commands and substitutions may nest.
pub const MAX_DEPTH: usize = 100;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{line}: Syntax error: {message}")]
pub struct ParseError {
    pub line: usize,
    pub message: String,
}

/// Parses a whole program.
pub fn parse(source: &str) -> Result<List, ParseError> {
    let mut parser = Parser::new(source);
    let list = parser.list()?;
    match parser.next_token()? {
        Token::Eof => Ok(list),
        other => Err(parser.unexpected(&other)),
    }
}

#[derive(Debug, Clone)]
enum Token {
    Word(Word, Option<String>),
    Op(&'static str),
    IoNumber(u32),
    Newline,
    Eof,
}

const OPERATORS: [&str; 16] = [
    "&&", "||", ";;", "<<-", "<<", ">>", "<&", ">&", "<>", ">|", ";", "&", "|", "(", ")", "<",
];

const RESERVED_ENDINGS: [&str; 8] = ["then", "else", "elif", "fi", "do", "done", "esac", "}"];

/// Where a run of word characters stops and what is special inside it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Unquoted,
    DoubleQuoted,
    /// The word of `${name-word}`: quotes work, `}` ends it. `in_double` when the expansion
    /// is itself inside double quotes (literal text then stays quoted).
    Brace {
        in_double: bool,
    },
    HereDoc,
    Arithmetic,
}

pub(crate) struct Parser {
    src: Vec<char>,
    pos: usize,
    line: usize,
    depth: usize,
    /// The last token peeked: where it started, the token, and where it ended. Lexing a token
    /// can have an effect (a here-document inside `$(...)` cuts its body out of the source),
    /// so a peeked token is kept rather than lexed twice.
    peeked: Option<(usize, Token, usize, usize)>,
}

fn is_name_start(c: char) -> bool {
    c == '_' || c.is_ascii_alphabetic()
}

fn is_name_char(c: char) -> bool {
    c == '_' || c.is_ascii_alphanumeric()
}

pub(crate) fn is_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(is_name_start) && chars.all(is_name_char)
}

fn is_meta(c: char) -> bool {
    matches!(
        c,
        ' ' | '\t' | '\n' | ';' | '&' | '|' | '(' | ')' | '<' | '>'
    )
}

impl Parser {
    pub(crate) fn new(source: &str) -> Self {
        Self {
            src: source.chars().collect(),
            pos: 0,
            line: 1,
            depth: 0,
            peeked: None,
        }
    }

    fn peek_char(&self) -> Option<char> {
        self.src.get(self.pos).copied()
    }

    fn peek_at(&self, offset: usize) -> Option<char> {
        self.src.get(self.pos + offset).copied()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.src.get(self.pos).copied()?;
        self.pos += 1;
        if c == '\n' {
            self.line += 1;
        }
        Some(c)
    }

    fn error(&self, message: impl Into<String>) -> ParseError {
        ParseError {
            line: self.line,
            message: message.into(),
        }
    }

    fn unexpected(&self, token: &Token) -> ParseError {
        match token {
            Token::Eof => self.error("end of file unexpected"),
            Token::Newline => self.error("newline unexpected"),
            Token::Op(op) => self.error(format!("\"{op}\" unexpected")),
            Token::IoNumber(n) => self.error(format!("\"{n}\" unexpected")),
            Token::Word(_, raw) => self.error(format!(
                "\"{}\" unexpected",
                raw.clone().unwrap_or_else(|| "word".into())
            )),
        }
    }

    fn enter(&mut self) -> Result<(), ParseError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error("nesting too deep"));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    /// Skips blanks, line continuations and a comment.
    fn skip_blanks(&mut self) {
        loop {
            match self.peek_char() {
                Some(' ' | '\t') => {
                    self.bump();
                }
                Some('\\') if self.peek_at(1) == Some('\n') => {
                    self.bump();
                    self.bump();
                }
                Some('#') => {
                    while self.peek_char().is_some_and(|c| c != '\n') {
                        self.bump();
                    }
                }
                _ => return,
            }
        }
    }

    fn peek_token(&mut self) -> Result<Token, ParseError> {
        if let Some((start, token, _, _)) = &self.peeked
            && *start == self.pos
        {
            return Ok(token.clone());
        }
        let (pos, line) = (self.pos, self.line);
        let token = self.lex_token()?;
        self.peeked = Some((pos, token.clone(), self.pos, self.line));
        self.pos = pos;
        self.line = line;
        Ok(token)
    }

    fn next_token(&mut self) -> Result<Token, ParseError> {
        if let Some((start, token, end, end_line)) = self.peeked.take()
            && start == self.pos
        {
            self.pos = end;
            self.line = end_line;
            return Ok(token);
        }
        self.lex_token()
    }

    fn lex_token(&mut self) -> Result<Token, ParseError> {
        self.skip_blanks();
        let Some(c) = self.peek_char() else {
            return Ok(Token::Eof);
        };
        if c == '\n' {
            self.bump();
            return Ok(Token::Newline);
        }
        for op in OPERATORS.iter().chain([">"].iter()) {
            let matches = op
                .chars()
                .enumerate()
                .all(|(i, oc)| self.peek_at(i) == Some(oc));
            if matches {
                for _ in 0..op.chars().count() {
                    self.bump();
                }
                return Ok(Token::Op(op));
            }
        }
        // An IO number: digits directly followed by `<` or `>`.
        let digits = self.src[self.pos..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count();
        if digits > 0
            && matches!(self.peek_at(digits), Some('<' | '>'))
            && let Ok(n) = self.src[self.pos..self.pos + digits]
                .iter()
                .collect::<String>()
                .parse::<u32>()
        {
            for _ in 0..digits {
                self.bump();
            }
            return Ok(Token::IoNumber(n));
        }
        let word = self.word(Mode::Unquoted)?;
        let raw = match word.as_slice() {
            [WordPart::Literal(text)] => Some(text.clone()),
            _ => None,
        };
        Ok(Token::Word(word, raw))
    }

    /// Newlines (and the here-documents they end) between tokens where the grammar allows them.
    fn linebreak(&mut self) -> Result<(), ParseError> {
        while matches!(self.peek_token()?, Token::Newline) {
            self.next_token()?;
        }
        Ok(())
    }

    fn is_terminator(token: &Token) -> bool {
        match token {
            Token::Eof | Token::Op(")") | Token::Op(";;") => true,
            Token::Word(_, Some(raw)) => RESERVED_ENDINGS.contains(&raw.as_str()),
            _ => false,
        }
    }

    /// A list, up to a terminator (end of input, `)`, `;;` or a closing reserved word), which is
    /// left unread.
    pub(crate) fn list(&mut self) -> Result<List, ParseError> {
        let mut items = Vec::new();
        loop {
            self.linebreak()?;
            let token = self.peek_token()?;
            if Self::is_terminator(&token) {
                return Ok(items);
            }
            let and_or = self.and_or()?;
            let background = match self.peek_token()? {
                Token::Op(";") => {
                    self.next_token()?;
                    false
                }
                Token::Op("&") => {
                    self.next_token()?;
                    true
                }
                Token::Newline => false,
                other if Self::is_terminator(&other) => false,
                other => return Err(self.unexpected(&other)),
            };
            items.push(ListItem { and_or, background });
        }
    }

    fn and_or(&mut self) -> Result<AndOr, ParseError> {
        let first = self.pipeline()?;
        let mut rest = Vec::new();
        loop {
            let connector = match self.peek_token()? {
                Token::Op("&&") => Connector::And,
                Token::Op("||") => Connector::Or,
                _ => return Ok(AndOr { first, rest }),
            };
            self.next_token()?;
            self.linebreak()?;
            rest.push((connector, self.pipeline()?));
        }
    }

    fn pipeline(&mut self) -> Result<Pipeline, ParseError> {
        let mut bang = false;
        if let Token::Word(_, Some(raw)) = self.peek_token()?
            && raw == "!"
        {
            self.next_token()?;
            bang = true;
        }
        let mut commands = vec![self.command()?];
        while let Token::Op("|") = self.peek_token()? {
            self.next_token()?;
            self.linebreak()?;
            commands.push(self.command()?);
        }
        Ok(Pipeline { bang, commands })
    }

    fn expect_word(&mut self, reserved: &str) -> Result<(), ParseError> {
        self.linebreak()?;
        match self.next_token()? {
            Token::Word(_, Some(raw)) if raw == reserved => Ok(()),
            Token::Eof => {
                Err(self.error(format!("end of file unexpected (expecting \"{reserved}\")")))
            }
            other => {
                let mut error = self.unexpected(&other);
                error.message = format!("{} (expecting \"{reserved}\")", error.message);
                Err(error)
            }
        }
    }

    fn command(&mut self) -> Result<Command, ParseError> {
        self.enter()?;
        let command = self.command_inner();
        self.leave();
        command
    }

    fn command_inner(&mut self) -> Result<Command, ParseError> {
        let token = self.peek_token()?;
        let compound = match &token {
            Token::Op("(") => {
                self.next_token()?;
                let body = self.list()?;
                match self.next_token()? {
                    Token::Op(")") => {}
                    other => {
                        let mut error = self.unexpected(&other);
                        error.message = format!("{} (expecting \")\")", error.message);
                        return Err(error);
                    }
                }
                Some(Compound::Subshell(body))
            }
            Token::Word(_, Some(raw)) => match raw.as_str() {
                "{" => {
                    self.next_token()?;
                    let body = self.list()?;
                    self.expect_word("}")?;
                    Some(Compound::Brace(body))
                }
                "if" => Some(self.if_clause()?),
                "while" | "until" => {
                    let until = raw == "until";
                    self.next_token()?;
                    let condition = self.list()?;
                    self.expect_word("do")?;
                    let body = self.list()?;
                    self.expect_word("done")?;
                    Some(Compound::Loop {
                        until,
                        condition,
                        body,
                    })
                }
                "for" => Some(self.for_clause()?),
                "case" => Some(self.case_clause()?),
                _ => None,
            },
            Token::Word(..) | Token::IoNumber(_) | Token::Op(_) => None,
            Token::Newline | Token::Eof => return Err(self.unexpected(&token)),
        };
        if let Some(compound) = compound {
            let redirects = self.redirects_after_compound()?;
            return Ok(Command::Compound(Rc::new(compound), redirects));
        }
        self.simple_command()
    }

    fn redirects_after_compound(&mut self) -> Result<Vec<Redirect>, ParseError> {
        let mut redirects = Vec::new();
        loop {
            match self.peek_token()? {
                Token::IoNumber(n) => {
                    self.next_token()?;
                    let Token::Op(op) = self.next_token()? else {
                        return Err(self.error("redirection expected"));
                    };
                    redirects.push(self.redirect(Some(n), op)?);
                }
                Token::Op(op) if is_redirect_op(op) => {
                    self.next_token()?;
                    redirects.push(self.redirect(None, op)?);
                }
                _ => return Ok(redirects),
            }
        }
    }

    fn if_clause(&mut self) -> Result<Compound, ParseError> {
        self.next_token()?;
        let mut branches = Vec::new();
        let mut otherwise = None;
        let condition = self.list()?;
        self.expect_word("then")?;
        let body = self.list()?;
        branches.push((condition, body));
        loop {
            match self.next_token()? {
                Token::Word(_, Some(raw)) if raw == "elif" => {
                    let condition = self.list()?;
                    self.expect_word("then")?;
                    let body = self.list()?;
                    branches.push((condition, body));
                }
                Token::Word(_, Some(raw)) if raw == "else" => {
                    otherwise = Some(self.list()?);
                    self.expect_word("fi")?;
                    break;
                }
                Token::Word(_, Some(raw)) if raw == "fi" => break,
                Token::Eof => {
                    return Err(self.error("end of file unexpected (expecting \"fi\")"));
                }
                other => {
                    let mut error = self.unexpected(&other);
                    error.message = format!("{} (expecting \"fi\")", error.message);
                    return Err(error);
                }
            }
        }
        Ok(Compound::If {
            branches,
            otherwise,
        })
    }

    fn for_clause(&mut self) -> Result<Compound, ParseError> {
        self.next_token()?;
        let variable = match self.next_token()? {
            Token::Word(_, Some(raw)) if is_name(&raw) => raw,
            other => {
                let mut error = self.unexpected(&other);
                error.message = format!("Bad for loop variable ({})", error.message);
                return Err(error);
            }
        };
        self.skip_blanks();
        let mut words = None;
        // `for x in a b c` (the `in` may follow newlines), `for x; do`, or `for x do`.
        let (pos, line) = (self.pos, self.line);
        self.linebreak()?;
        match self.peek_token()? {
            Token::Word(_, Some(raw)) if raw == "in" => {
                self.next_token()?;
                let mut list = Vec::new();
                loop {
                    match self.peek_token()? {
                        Token::Word(word, _) => {
                            self.next_token()?;
                            list.push(word);
                        }
                        Token::Op(";") | Token::Newline => {
                            self.next_token()?;
                            break;
                        }
                        other => return Err(self.unexpected(&other)),
                    }
                }
                words = Some(list);
            }
            Token::Op(";") => {
                self.next_token()?;
            }
            _ => {
                self.pos = pos;
                self.line = line;
                self.peeked = None;
            }
        }
        self.expect_word("do")?;
        let body = self.list()?;
        self.expect_word("done")?;
        Ok(Compound::For {
            variable,
            words,
            body,
        })
    }

    fn case_clause(&mut self) -> Result<Compound, ParseError> {
        self.next_token()?;
        let subject = match self.next_token()? {
            Token::Word(word, _) => word,
            other => return Err(self.unexpected(&other)),
        };
        self.expect_word("in")?;
        let mut arms = Vec::new();
        loop {
            self.linebreak()?;
            match self.peek_token()? {
                Token::Word(_, Some(raw)) if raw == "esac" => {
                    self.next_token()?;
                    break;
                }
                Token::Eof => {
                    return Err(self.error("end of file unexpected (expecting \"esac\")"));
                }
                Token::Op("(") => {
                    self.next_token()?;
                }
                _ => {}
            }
            let mut patterns = Vec::new();
            loop {
                match self.next_token()? {
                    Token::Word(word, _) => patterns.push(word),
                    other => return Err(self.unexpected(&other)),
                }
                match self.next_token()? {
                    Token::Op("|") => continue,
                    Token::Op(")") => break,
                    other => {
                        let mut error = self.unexpected(&other);
                        error.message = format!("{} (expecting \")\")", error.message);
                        return Err(error);
                    }
                }
            }
            let body = self.list()?;
            arms.push(CaseArm { patterns, body });
            match self.peek_token()? {
                Token::Op(";;") => {
                    self.next_token()?;
                }
                Token::Word(_, Some(raw)) if raw == "esac" => {}
                other => return Err(self.unexpected(&other)),
            }
        }
        Ok(Compound::Case { subject, arms })
    }

    fn simple_command(&mut self) -> Result<Command, ParseError> {
        let mut command = SimpleCommand {
            line: self.line,
            ..SimpleCommand::default()
        };
        loop {
            match self.peek_token()? {
                Token::IoNumber(n) => {
                    self.next_token()?;
                    let Token::Op(op) = self.next_token()? else {
                        return Err(self.error("redirection expected"));
                    };
                    command.redirects.push(self.redirect(Some(n), op)?);
                }
                Token::Op(op) if is_redirect_op(op) => {
                    self.next_token()?;
                    command.redirects.push(self.redirect(None, op)?);
                }
                Token::Op("(")
                    if command.words.len() == 1
                        && command.assignments.is_empty()
                        && command.redirects.is_empty() =>
                {
                    let name = match &command.words[0][..] {
                        [WordPart::Literal(name)] if is_name(name) || !name.is_empty() => {
                            name.clone()
                        }
                        _ => return Err(self.error("\"(\" unexpected")),
                    };
                    self.next_token()?;
                    match self.next_token()? {
                        Token::Op(")") => {}
                        other => {
                            let mut error = self.unexpected(&other);
                            error.message = format!("{} (expecting \")\")", error.message);
                            return Err(error);
                        }
                    }
                    self.linebreak()?;
                    let body = self.command()?;
                    if !matches!(body, Command::Compound(..)) {
                        return Err(self.error("function body must be a compound command"));
                    }
                    return Ok(Command::FunctionDef(name, Rc::new(body)));
                }
                Token::Word(word, raw) => {
                    if command.words.is_empty()
                        && let Some((name, value)) = split_assignment(&word)
                    {
                        self.next_token()?;
                        command.assignments.push((name, value));
                        continue;
                    }
                    let _ = raw;
                    self.next_token()?;
                    command.words.push(word);
                }
                other => {
                    if command.words.is_empty()
                        && command.assignments.is_empty()
                        && command.redirects.is_empty()
                    {
                        return Err(self.unexpected(&other));
                    }
                    return Ok(Command::Simple(command));
                }
            }
        }
    }

    fn redirect(&mut self, fd: Option<u32>, op: &str) -> Result<Redirect, ParseError> {
        if op == "<<" || op == "<<-" {
            return self.here_document(fd, op == "<<-");
        }
        let op = match op {
            "<" => RedirectOp::Input,
            ">" | ">|" => RedirectOp::Output,
            ">>" => RedirectOp::Append,
            "<>" => RedirectOp::ReadWrite,
            "<&" => RedirectOp::DupInput,
            ">&" => RedirectOp::DupOutput,
            _ => return Err(self.error(format!("\"{op}\" unexpected"))),
        };
        match self.next_token()? {
            Token::Word(target, _) => Ok(Redirect { fd, op, target }),
            other => {
                let mut error = self.unexpected(&other);
                error.message = format!("{} (expecting word)", error.message);
                Err(error)
            }
        }
    }

    fn here_document(&mut self, fd: Option<u32>, strip_tabs: bool) -> Result<Redirect, ParseError> {
        let Token::Word(delimiter_word, _) = self.next_token()? else {
            return Err(self.error("missing here-document delimiter"));
        };
        let mut expand = true;
        let mut delimiter = String::new();
        for part in &delimiter_word {
            match part {
                WordPart::Literal(text) => delimiter.push_str(text),
                WordPart::Quoted(text) => {
                    expand = false;
                    delimiter.push_str(text);
                }
                WordPart::DoubleQuoted(parts) => {
                    expand = false;
                    for inner in parts {
                        if let WordPart::Quoted(text) | WordPart::Literal(text) = inner {
                            delimiter.push_str(text);
                        }
                    }
                }
                WordPart::Tilde(user) => {
                    delimiter.push('~');
                    delimiter.push_str(user);
                }
                _ => return Err(self.error("unsupported here-document delimiter")),
            }
        }
        // The body starts after the end of the current line.
        let mut start = self.pos;
        while start < self.src.len() && self.src[start] != '\n' {
            start += 1;
        }
        if start < self.src.len() {
            start += 1;
        }
        let mut body = String::new();
        let mut cursor = start;
        let mut found = false;
        while cursor < self.src.len() {
            let mut end = cursor;
            while end < self.src.len() && self.src[end] != '\n' {
                end += 1;
            }
            let mut line: String = self.src[cursor..end].iter().collect();
            if strip_tabs {
                line = line.trim_start_matches('\t').to_string();
            }
            cursor = (end + 1).min(self.src.len());
            if line == delimiter {
                found = true;
                break;
            }
            body.push_str(&line);
            body.push('\n');
        }
        // Dash accepts a here-document ended by the end of input.
        let _ = found;
        self.src.drain(start..cursor);
        let target = if expand {
            let mut sub = Parser::new(&body);
            sub.depth = self.depth;
            sub.word(Mode::HereDoc)?
        } else {
            vec![WordPart::Quoted(body)]
        };
        Ok(Redirect {
            fd,
            op: RedirectOp::HereDoc { expand },
            target,
        })
    }

    /// A run of word characters in `mode`.
    fn word(&mut self, mode: Mode) -> Result<Word, ParseError> {
        let mut parts: Word = Vec::new();
        let mut literal = String::new();
        let literal_part = |text: String| match mode {
            Mode::DoubleQuoted | Mode::Brace { in_double: true } => WordPart::Quoted(text),
            _ => WordPart::Literal(text),
        };
        let flush = |literal: &mut String, parts: &mut Word| {
            if !literal.is_empty() {
                parts.push(literal_part(std::mem::take(literal)));
            }
        };
        let start = self.pos;
        while let Some(c) = self.peek_char() {
            match mode {
                Mode::Unquoted if is_meta(c) => break,
                Mode::DoubleQuoted if c == '"' => break,
                Mode::Brace { .. } if c == '}' => break,
                Mode::Arithmetic if c == ')' => break,
                _ => {}
            }
            match c {
                '\\' => {
                    self.bump();
                    let Some(next) = self.peek_char() else {
                        literal.push('\\');
                        break;
                    };
                    if next == '\n' {
                        self.bump();
                        continue;
                    }
                    let escapes_all =
                        matches!(mode, Mode::Unquoted | Mode::Brace { in_double: false });
                    let special = match mode {
                        Mode::HereDoc | Mode::Arithmetic => matches!(next, '$' | '`' | '\\'),
                        _ => matches!(next, '$' | '`' | '"' | '\\'),
                    };
                    if escapes_all || special {
                        flush(&mut literal, &mut parts);
                        self.bump();
                        parts.push(WordPart::Quoted(next.to_string()));
                    } else {
                        literal.push('\\');
                    }
                }
                '\'' if matches!(mode, Mode::Unquoted | Mode::Brace { in_double: false }) => {
                    flush(&mut literal, &mut parts);
                    self.bump();
                    let mut text = String::new();
                    loop {
                        match self.bump() {
                            Some('\'') => break,
                            Some(c) => text.push(c),
                            None => return Err(self.error("Unterminated quoted string")),
                        }
                    }
                    parts.push(WordPart::Quoted(text));
                }
                '"' if matches!(mode, Mode::Unquoted | Mode::Brace { .. }) => {
                    flush(&mut literal, &mut parts);
                    self.bump();
                    let inner = self.word(Mode::DoubleQuoted)?;
                    if self.bump() != Some('"') {
                        return Err(self.error("Unterminated quoted string"));
                    }
                    parts.push(WordPart::DoubleQuoted(inner));
                }
                '$' => {
                    flush(&mut literal, &mut parts);
                    let in_double = matches!(
                        mode,
                        Mode::DoubleQuoted | Mode::HereDoc | Mode::Brace { in_double: true }
                    );
                    parts.push(self.dollar(in_double)?);
                }
                '`' => {
                    flush(&mut literal, &mut parts);
                    parts.push(self.backquote(mode)?);
                }
                '~' if mode == Mode::Unquoted && self.pos == start => {
                    self.bump();
                    let mut user = String::new();
                    while let Some(c) = self.peek_char() {
                        if is_meta(c) || c == '/' || !(is_name_char(c) || c == '-' || c == '.') {
                            break;
                        }
                        user.push(c);
                        self.bump();
                    }
                    parts.push(WordPart::Tilde(user));
                }
                '(' if mode == Mode::Arithmetic => {
                    // Parentheses inside arithmetic nest; the closing one is read below.
                    self.bump();
                    literal.push('(');
                    flush(&mut literal, &mut parts);
                    let inner = self.word(Mode::Arithmetic)?;
                    parts.extend(inner);
                    if self.bump() != Some(')') {
                        return Err(self.error("missing ')' in arithmetic expression"));
                    }
                    literal.push(')');
                }
                _ => {
                    self.bump();
                    literal.push(c);
                }
            }
        }
        flush(&mut literal, &mut parts);
        if mode == Mode::Unquoted && parts.is_empty() {
            let c = self.peek_char().unwrap_or(' ');
            return Err(self.error(format!("\"{c}\" unexpected")));
        }
        Ok(parts)
    }

    fn backquote(&mut self, mode: Mode) -> Result<WordPart, ParseError> {
        self.bump();
        let mut text = String::new();
        loop {
            match self.bump() {
                Some('`') => break,
                Some('\\') => match self.peek_char() {
                    Some(c @ ('$' | '`' | '\\')) => {
                        self.bump();
                        text.push(c);
                    }
                    Some('"') if mode == Mode::DoubleQuoted => {
                        self.bump();
                        text.push('"');
                    }
                    _ => text.push('\\'),
                },
                Some(c) => text.push(c),
                None => return Err(self.error("EOF in backquote substitution")),
            }
        }
        let mut sub = Parser::new(&text);
        sub.depth = self.depth;
        sub.enter()?;
        let list = sub.list()?;
        match sub.next_token()? {
            Token::Eof => {}
            other => return Err(sub.unexpected(&other)),
        }
        Ok(WordPart::CommandSubstitution(Rc::new(list)))
    }

    fn dollar(&mut self, in_double: bool) -> Result<WordPart, ParseError> {
        self.bump();
        match self.peek_char() {
            Some('(') if self.peek_at(1) == Some('(') && self.arithmetic_closes() => {
                self.bump();
                self.bump();
                self.enter()?;
                let parts = self.word(Mode::Arithmetic)?;
                self.leave();
                if self.bump() != Some(')') || self.bump() != Some(')') {
                    return Err(self.error("missing '))'"));
                }
                Ok(WordPart::Arithmetic(parts))
            }
            Some('(') => {
                self.bump();
                self.enter()?;
                let list = self.list()?;
                self.leave();
                match self.next_token()? {
                    Token::Op(")") => Ok(WordPart::CommandSubstitution(Rc::new(list))),
                    other => {
                        let mut error = self.unexpected(&other);
                        error.message = format!("{} (expecting \")\")", error.message);
                        Err(error)
                    }
                }
            }
            Some('{') => {
                self.bump();
                self.enter()?;
                let part = self.braced_parameter(in_double);
                self.leave();
                part
            }
            Some(c) if is_name_start(c) => {
                let mut name = String::new();
                while let Some(c) = self.peek_char().filter(|c| is_name_char(*c)) {
                    name.push(c);
                    self.bump();
                }
                Ok(param(name, ParamOp::Plain))
            }
            Some(c) if c.is_ascii_digit() || "@*#?-$!".contains(c) => {
                self.bump();
                Ok(param(c.to_string(), ParamOp::Plain))
            }
            _ => Ok(if in_double {
                WordPart::Quoted("$".into())
            } else {
                WordPart::Literal("$".into())
            }),
        }
    }

    /// Whether `$((` at the cursor is arithmetic (its parentheses close with `))`) rather than
    /// a command substitution starting with a subshell.
    fn arithmetic_closes(&self) -> bool {
        let mut depth = 0usize;
        let mut i = self.pos + 2;
        while i < self.src.len() {
            match self.src[i] {
                '(' => depth += 1,
                ')' if depth > 0 => depth -= 1,
                ')' => return self.src.get(i + 1) == Some(&')'),
                _ => {}
            }
            i += 1;
        }
        false
    }

    fn braced_parameter(&mut self, in_double: bool) -> Result<WordPart, ParseError> {
        let mut length = false;
        if self.peek_char() == Some('#') && !matches!(self.peek_at(1), Some('}') | None) {
            // `${#name}` rather than `${#}`, `${#-default}` is `$#` with an operator.
            let next = self.peek_at(1);
            if next.is_some_and(|c| is_name_char(c) || "@*?-$!".contains(c))
                && !(next == Some('-') && self.peek_at(2) != Some('}'))
            {
                self.bump();
                length = true;
            }
        }
        let mut name = String::new();
        match self.peek_char() {
            Some(c) if is_name_start(c) => {
                while let Some(c) = self.peek_char().filter(|c| is_name_char(*c)) {
                    name.push(c);
                    self.bump();
                }
            }
            Some(c) if c.is_ascii_digit() => {
                while let Some(c) = self.peek_char().filter(|c| c.is_ascii_digit()) {
                    name.push(c);
                    self.bump();
                }
            }
            Some(c) if "@*#?-$!".contains(c) => {
                name.push(c);
                self.bump();
            }
            _ => return Err(self.error("Bad substitution")),
        }
        if length {
            if self.bump() != Some('}') {
                return Err(self.error("Bad substitution"));
            }
            return Ok(param(name, ParamOp::Length));
        }
        let colon = if self.peek_char() == Some(':') {
            self.bump();
            true
        } else {
            false
        };
        let Some(op) = self.bump() else {
            return Err(self.error("Missing '}'"));
        };
        let word_op = |parser: &mut Self, make: &dyn Fn(Word) -> ParamOp| {
            let word = parser.word(Mode::Brace { in_double })?;
            if parser.bump() != Some('}') {
                return Err(parser.error("Missing '}'"));
            }
            Ok(param(name.clone(), make(word)))
        };
        match op {
            '}' if !colon => Ok(param(name, ParamOp::Plain)),
            '-' => word_op(self, &|word| ParamOp::Default { colon, word }),
            '=' => word_op(self, &|word| ParamOp::Assign { colon, word }),
            '?' => word_op(self, &|word| ParamOp::Error { colon, word }),
            '+' => word_op(self, &|word| ParamOp::Alternative { colon, word }),
            '%' if !colon => {
                let largest = self.peek_char() == Some('%');
                if largest {
                    self.bump();
                }
                word_op(self, &|pattern| ParamOp::RemoveSuffix { largest, pattern })
            }
            '#' if !colon => {
                let largest = self.peek_char() == Some('#');
                if largest {
                    self.bump();
                }
                word_op(self, &|pattern| ParamOp::RemovePrefix { largest, pattern })
            }
            _ => Err(self.error("Bad substitution")),
        }
    }
}

fn param(name: String, op: ParamOp) -> WordPart {
    WordPart::Param(Box::new(ParamExpansion { name, op }))
}

fn is_redirect_op(op: &str) -> bool {
    matches!(
        op,
        "<" | ">" | ">>" | ">|" | "<>" | "<&" | ">&" | "<<" | "<<-"
    )
}

/// `NAME=value` as an assignment: the name and the value's word.
fn split_assignment(word: &Word) -> Option<(String, Word)> {
    let WordPart::Literal(first) = word.first()? else {
        return None;
    };
    let (name, rest) = first.split_once('=')?;
    if !is_name(name) {
        return None;
    }
    let mut value = Vec::new();
    if !rest.is_empty() {
        value.push(WordPart::Literal(rest.to_string()));
    }
    value.extend(word[1..].iter().cloned());
    Some((name.to_string(), value))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parses(source: &str) -> bool {
        parse(source).is_ok()
    }

    #[test]
    fn grammar() {
        for ok in [
            "a | b && c || d; e &",
            "if a; then b; elif c; then d; else e; fi",
            "for x in a b; do :; done; for y do :; done",
            "case x in (a) ;; b|c) d ;; esac",
            "f() { :; }; g() ( : ) >/dev/null",
            "cat <<A <<-B\na\nA\n\tb\n\tB\necho",
            "echo $(( (1+2) * $(echo 3) )) ${x:-$(echo y)} `echo \\`z\\``",
        ] {
            assert!(parses(ok), "{ok}");
        }
        for bad in [
            "if a; then b",
            "a &&",
            "( a",
            "case x in a) b",
            "echo $(",
            "}",
            "for 1 in a; do :; done",
        ] {
            assert!(!parses(bad), "{bad}");
        }
    }

    #[test]
    fn here_document_inside_substitution() {
        let list = parse("a=$(cat <<EOF\nbody\nEOF\n); echo").expect("parses");
        assert_eq!(list.len(), 2);
    }
}
