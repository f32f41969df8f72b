//! A POSIX shell interpreter for the sandbox. WASI has no fork or exec, and no shell exists
//! for it, so the engine's wasm runner runs this one: [`parse`] turns source into a syntax tree
//! ([`ast`]), and [`Shell`] evaluates it over a [`Host`], which runs every command that is not a
//! builtin and answers every file access. The crate spawns no process and touches no file
//! itself, so it builds for `wasm32-wasip1` as well as natively.
//!
//! What it covers: the POSIX grammar (quoting, here-documents, `&&`/`||`, pipelines,
//! subshells, groups, `if`/`for`/`while`/`until`/`case`, functions), every parameter expansion
//! form, command substitution, arithmetic, field splitting, globbing, redirections,
//! `set -e/-u/-x/-f -o pipefail`, `trap ... EXIT`, and the usual builtins. What it does not:
//! job control, signals other than a stop request ([`Host::interrupted`]) and a `TERM` trap
//! ([`Host::take_term`]), aliases, and
//! concurrent pipeline stages (see [`eval`]).

pub mod arith;
pub mod ast;
mod builtins;
pub mod eval;
pub mod host;
pub mod parse;
pub mod pattern;
mod printf;
mod test_builtin;

pub use eval::{Config, Shell};
pub use host::{FileInfo, FileKind, Host, Input, Invocation, Output, RunError};
pub use parse::{ParseError, parse};
