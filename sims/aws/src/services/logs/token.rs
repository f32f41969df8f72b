//! Pagination tokens. Every token encodes a *position* (the last item a page returned), never an
//! in-memory cursor, so a token stays valid across restarts of a durable simulator.
//!
//! - `Describe*`, `List*` and `FilterLogEvents` tokens are the shared pager's
//!   ([`crate::services::paging`]) position tokens over a key tagged with the listing's kind
//!   (`groups:NAME`), so a token of one listing is refused by another.
//! - `GetLogEvents` tokens are AWS's `f/<56 digits>` and `b/<56 digits>`: the digits are a gap
//!   between two events of a stream (see [`Position`]).

use super::LogsError;
use crate::services::paging::{self, Page};

/// Where an event sits in its stream: `timestamp * 10^12 + sequence`. Event keys end with it in
/// 32 zero-padded digits, so numeric order is key order. Sequences start at 1, so the gap just
/// before the first event of timestamp `t` is `t * 10^12`.
pub type Position = u128;

/// Sequences per timestamp that a position can hold.
pub const SEQUENCE_SPAN: u128 = 1_000_000_000_000;

/// The largest position a 32-digit key suffix can hold.
pub const MAX_POSITION: Position = 10u128.pow(32) - 1;

/// The position of the event with this timestamp (never negative) and sequence.
pub fn position(timestamp: i64, sequence: u64) -> Position {
    timestamp.max(0) as u128 * SEQUENCE_SPAN + u128::from(sequence) % SEQUENCE_SPAN
}

/// The gap just before every event of `timestamp`.
pub fn gap_before(timestamp: i64) -> Position {
    position(timestamp, 0)
}

/// `(timestamp, sequence)` of a position.
pub fn split(position: Position) -> (i64, u64) {
    let timestamp = i64::try_from(position / SEQUENCE_SPAN).unwrap_or(i64::MAX);
    (timestamp, (position % SEQUENCE_SPAN) as u64)
}

/// A position as the 32 digits event keys end with.
pub fn digits(position: Position) -> String {
    format!("{:032}", position.min(MAX_POSITION))
}

/// The position at the end of an event key, if it ends with 32 digits.
pub fn from_key(key: &str) -> Option<Position> {
    let tail = key.get(key.len().checked_sub(32)?..)?;
    tail.bytes()
        .all(|b| b.is_ascii_digit())
        .then(|| tail.parse().ok())
        .flatten()
}

/// The direction a `GetLogEvents` token reads in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// `f/G`: the events after gap `G`, oldest first.
    Forward,
    /// `b/G`: the events up to gap `G`, the newest of them.
    Backward,
}

/// A `GetLogEvents` token.
pub fn stream_token(direction: Direction, gap: Position) -> String {
    let letter = match direction {
        Direction::Forward => 'f',
        Direction::Backward => 'b',
    };
    format!("{letter}/{:056}", gap.min(MAX_POSITION))
}

/// Reads a `GetLogEvents` token.
pub fn parse_stream_token(token: &str) -> Result<(Direction, Position), LogsError> {
    let (direction, digits) = match token.split_once('/') {
        Some(("f", digits)) => (Direction::Forward, digits),
        Some(("b", digits)) => (Direction::Backward, digits),
        _ => return Err(invalid()),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid());
    }
    let gap = digits.parse::<Position>().map_err(|_| invalid())?;
    Ok((direction, gap.min(MAX_POSITION)))
}

/// An opaque token for `kind` (a short tag naming the listing) resuming after `body`.
pub fn opaque(kind: &str, body: &str) -> String {
    paging::token_after(&format!("{kind}:{body}"))
}

/// The position (body) of an opaque token of `kind`.
pub fn parse_opaque(kind: &str, token: &str) -> Result<String, LogsError> {
    let key = paging::key_of(token).map_err(|_| invalid())?;
    key.strip_prefix(kind)
        .and_then(|rest| rest.strip_prefix(':'))
        .map(str::to_string)
        .ok_or_else(invalid)
}

/// The page of `entries` (position key, item) of listing `kind` that follows `token`, at most
/// `size` items: the shared pager, with tokens tagged by `kind`.
pub fn page<T>(
    kind: &str,
    entries: Vec<(String, T)>,
    token: Option<&str>,
    size: usize,
) -> Result<Page<T>, LogsError> {
    if let Some(token) = token {
        parse_opaque(kind, token)?;
    }
    let tagged = entries
        .into_iter()
        .map(|(key, item)| (format!("{kind}:{key}"), item))
        .collect();
    paging::page(tagged, token, size).map_err(|_| invalid())
}

/// AWS's answer to a token it did not make.
pub(crate) fn invalid() -> LogsError {
    LogsError::InvalidParameter("The specified nextToken is invalid.".into())
}

#[cfg(test)]
mod tests;
