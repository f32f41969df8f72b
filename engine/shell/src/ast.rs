//! The syntax tree of a POSIX shell program, as [`crate::parse`] builds it and
//! [`crate::eval`] walks it. Words keep their quoting, so expansion can tell quoted text from
//! unquoted text (field splitting, globbing and quote removal depend on it).

use std::rc::Rc;

/// A sequence of and-or lists, each run in the foreground or (`&`) in the background.
pub type List = Vec<ListItem>;

#[derive(Debug, Clone)]
pub struct ListItem {
    pub and_or: AndOr,
    pub background: bool,
}

/// `a && b || c`.
#[derive(Debug, Clone)]
pub struct AndOr {
    pub first: Pipeline,
    pub rest: Vec<(Connector, Pipeline)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Connector {
    And,
    Or,
}

/// `! a | b | c`.
#[derive(Debug, Clone)]
pub struct Pipeline {
    pub bang: bool,
    pub commands: Vec<Command>,
}

#[derive(Debug, Clone)]
pub enum Command {
    Simple(SimpleCommand),
    Compound(Rc<Compound>, Vec<Redirect>),
    /// `name() compound-command redirections`.
    FunctionDef(String, Rc<Command>),
}

#[derive(Debug, Clone, Default)]
pub struct SimpleCommand {
    pub assignments: Vec<(String, Word)>,
    pub words: Vec<Word>,
    pub redirects: Vec<Redirect>,
    /// The line it starts on, for `$LINENO`-style messages.
    pub line: usize,
}

#[derive(Debug, Clone)]
pub enum Compound {
    Brace(List),
    Subshell(List),
    If {
        branches: Vec<(List, List)>,
        otherwise: Option<List>,
    },
    For {
        variable: String,
        /// `None` for `for x; do` and `for x do`, which iterate over `"$@"`.
        words: Option<Vec<Word>>,
        body: List,
    },
    Loop {
        /// `until` rather than `while`.
        until: bool,
        condition: List,
        body: List,
    },
    Case {
        subject: Word,
        arms: Vec<CaseArm>,
    },
}

#[derive(Debug, Clone)]
pub struct CaseArm {
    pub patterns: Vec<Word>,
    pub body: List,
}

#[derive(Debug, Clone)]
pub struct Redirect {
    /// The file descriptor written before the operator (`2>`), if any.
    pub fd: Option<u32>,
    pub op: RedirectOp,
    pub target: Word,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RedirectOp {
    /// `<`
    Input,
    /// `>` and `>|`
    Output,
    /// `>>`
    Append,
    /// `<>`
    ReadWrite,
    /// `<&`
    DupInput,
    /// `>&`
    DupOutput,
    /// `<<` and `<<-`; the body is the target word (already read from the lines that follow).
    HereDoc { expand: bool },
}

/// A word: the concatenation of its parts.
pub type Word = Vec<WordPart>;

#[derive(Debug, Clone)]
pub enum WordPart {
    /// Unquoted text (subject to field splitting only if it came from an expansion, and to
    /// globbing).
    Literal(String),
    /// Text that was quoted: single quotes, a backslash escape, or literal text inside double
    /// quotes.
    Quoted(String),
    /// `"..."`: its parts are expanded but never split or globbed.
    DoubleQuoted(Vec<WordPart>),
    Param(Box<ParamExpansion>),
    CommandSubstitution(Rc<List>),
    /// `$(( ... ))`: the expression text, expanded before it is evaluated.
    Arithmetic(Vec<WordPart>),
    /// `~` or `~user` at the start of a word.
    Tilde(String),
}

#[derive(Debug, Clone)]
pub struct ParamExpansion {
    pub name: String,
    pub op: ParamOp,
}

#[derive(Debug, Clone)]
pub enum ParamOp {
    Plain,
    /// `${#name}`
    Length,
    /// `${name:-word}` (colon: also when set but empty) and `${name-word}`.
    Default {
        colon: bool,
        word: Word,
    },
    /// `${name:=word}`
    Assign {
        colon: bool,
        word: Word,
    },
    /// `${name:?word}`
    Error {
        colon: bool,
        word: Word,
    },
    /// `${name:+word}`
    Alternative {
        colon: bool,
        word: Word,
    },
    /// `${name%word}` (`largest`: `%%`)
    RemoveSuffix {
        largest: bool,
        pattern: Word,
    },
    /// `${name#word}` (`largest`: `##`)
    RemovePrefix {
        largest: bool,
        pattern: Word,
    },
}
