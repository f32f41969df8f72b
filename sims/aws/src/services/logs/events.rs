//! Events in and out: PutLogEvents (with AWS's batch rules and per-event rejections), the
//! write path it shares with [`Logs::append`], GetLogEvents (AWS's forward and backward tokens,
//! which repeat at the end of a stream) and FilterLogEvents (a merge of the group's streams by
//! timestamp, through a filter pattern, paged by position), and the reads the simulator cannot
//! serve: StartLiveTail (an event stream) and GetLogObject (large log objects).

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::ops::Bound;

use sim_aws_shapes::logs::{
    FilterLogEventsRequest, FilterLogEventsResponse, FilteredLogEvent, GetLogEventsRequest,
    GetLogEventsResponse, GetLogObjectRequest, GetLogObjectResponse, InputLogEvent, OutputLogEvent,
    PutLogEventsRequest, PutLogEventsResponse, RejectedLogEventsInfo, StartLiveTailRequest,
    StartLiveTailResponse,
};

use super::pattern::parse_filter_pattern;
use super::token::{
    Direction, MAX_POSITION, Position, digits, from_key, gap_before, opaque, parse_opaque,
    parse_stream_token, position, split, stream_token,
};
use super::{
    EventRecord, Logs, LogsError, Scope, StreamRecord, group_not_found, range, stream_not_found,
    walk,
};
use crate::services::Ctx;

const MINUTE_MS: i64 = 60 * 1000;
const HOUR_MS: i64 = 60 * MINUTE_MS;
const DAY_MS: i64 = 24 * HOUR_MS;

/// PutLogEvents counts each event as its message's UTF-8 bytes plus this.
const EVENT_OVERHEAD: usize = 26;
/// The largest PutLogEvents batch, and the largest event, in bytes.
const MAX_BATCH_BYTES: usize = 1_048_576;
/// Reads return at most this many bytes of events (counted as PutLogEvents counts them).
const MAX_READ_BYTES: usize = 1_048_576;
/// Reads return at most this many events, and this many by default.
const MAX_READ_EVENTS: usize = 10_000;
/// How many events a FilterLogEvents stream cursor reads at a time.
const CURSOR_CHUNK: usize = 256;

/// The bytes an event counts for in batches and reads.
fn event_size(message: &str) -> usize {
    message.len() + EVENT_OVERHEAD
}

/// Checks a PutLogEvents batch as AWS does before storing any of it.
fn check_batch(events: &[InputLogEvent]) -> Result<(), LogsError> {
    let mut total = 0;
    for event in events {
        let size = event_size(&event.message);
        if size > MAX_BATCH_BYTES {
            return Err(LogsError::InvalidParameter(format!(
                "Log event too large: {size} bytes exceeds limit of {MAX_BATCH_BYTES}"
            )));
        }
        total += size;
    }
    if total > MAX_BATCH_BYTES {
        return Err(LogsError::InvalidParameter(format!(
            "Upload too large: {total} bytes exceeds limit of {MAX_BATCH_BYTES}"
        )));
    }
    if events
        .windows(2)
        .any(|pair| pair[0].timestamp > pair[1].timestamp)
    {
        return Err(LogsError::InvalidParameter(
            "Log events in a single PutLogEvents request must be in chronological order.".into(),
        ));
    }
    if let (Some(first), Some(last)) = (events.first(), events.last())
        && last.timestamp - first.timestamp > DAY_MS
    {
        return Err(LogsError::InvalidParameter(
            "Log events in a single PutLogEvents request cannot span more than 24 hours.".into(),
        ));
    }
    Ok(())
}

/// Which events of a chronological batch AWS refuses to store, relative to `now`.
fn rejections(events: &[InputLogEvent], now: i64, retention_in_days: Option<i32>) -> Rejections {
    let too_old = now - 14 * DAY_MS;
    let too_new = now + 2 * HOUR_MS;
    let expired = retention_in_days.map(|days| now - i64::from(days) * DAY_MS);
    let mut info = Rejections::default();
    for (index, event) in events.iter().enumerate() {
        let index = index as i32;
        // Each event is rejected for one reason: too old first, then past the retention.
        if event.timestamp < too_old {
            info.too_old_log_event_end_index = Some(index);
        } else if expired.is_some_and(|expired| event.timestamp < expired) {
            info.expired_log_event_end_index = Some(index);
        }
        if event.timestamp > too_new && info.too_new_log_event_start_index.is_none() {
            info.too_new_log_event_start_index = Some(index);
        }
    }
    info
}

/// Which events of a batch are refused, as `RejectedLogEventsInfo` reports them.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Rejections {
    too_new_log_event_start_index: Option<i32>,
    too_old_log_event_end_index: Option<i32>,
    expired_log_event_end_index: Option<i32>,
}

impl Rejections {
    fn info(self) -> Option<RejectedLogEventsInfo> {
        (!self.is_empty()).then_some(RejectedLogEventsInfo {
            too_new_log_event_start_index: self.too_new_log_event_start_index,
            too_old_log_event_end_index: self.too_old_log_event_end_index,
            expired_log_event_end_index: self.expired_log_event_end_index,
        })
    }

    fn is_empty(&self) -> bool {
        self.too_new_log_event_start_index.is_none()
            && self.too_old_log_event_end_index.is_none()
            && self.expired_log_event_end_index.is_none()
    }

    fn rejects(&self, index: usize) -> bool {
        let index = index as i32;
        self.too_old_log_event_end_index
            .is_some_and(|end| index <= end)
            || self
                .expired_log_event_end_index
                .is_some_and(|end| index <= end)
            || self
                .too_new_log_event_start_index
                .is_some_and(|start| index >= start)
    }
}

/// Events of one stream in `(after, up_to]`, oldest first, at most `limit` of them and
/// `MAX_READ_BYTES`; from the newest end of the window when `newest`.
fn read_window(
    logs: &Logs,
    prefix: &str,
    after: Position,
    up_to: Position,
    limit: usize,
    newest: bool,
) -> Vec<(Position, EventRecord)> {
    if after >= up_to {
        return Vec::new();
    }
    let found = range(
        &logs.events,
        Bound::Excluded(format!("{prefix}{}", digits(after))),
        Bound::Included(format!("{prefix}{}", digits(up_to))),
        limit,
        newest,
    );
    let mut bytes = 0;
    let mut events = Vec::new();
    for (key, event) in found {
        let Some(position) = from_key(&key) else {
            continue;
        };
        bytes += event_size(&event.message);
        // The first event always comes back, so a reader can get past any event.
        if bytes > MAX_READ_BYTES && !events.is_empty() {
            break;
        }
        events.push((position, event));
    }
    if newest {
        events.reverse();
    }
    events
}

/// One stream's events in position order, read a chunk at a time, for FilterLogEvents' merge.
struct Cursor {
    stream: StreamRecord,
    prefix: String,
    /// The last position read from the store (exclusive lower bound of the next chunk).
    after: Position,
    up_to: Position,
    buffer: VecDeque<(Position, EventRecord)>,
    exhausted: bool,
}

impl Cursor {
    fn next(&mut self, logs: &Logs) -> Option<(Position, EventRecord)> {
        if self.buffer.is_empty() && !self.exhausted {
            let chunk = range(
                &logs.events,
                Bound::Excluded(format!("{}{}", self.prefix, digits(self.after))),
                Bound::Included(format!("{}{}", self.prefix, digits(self.up_to))),
                CURSOR_CHUNK,
                false,
            );
            self.exhausted = chunk.len() < CURSOR_CHUNK;
            for (key, event) in chunk {
                if let Some(position) = from_key(&key) {
                    self.after = position;
                    self.buffer.push_back((position, event));
                }
            }
        }
        self.buffer.pop_front()
    }
}

/// Where a FilterLogEvents page ended: the last event it returned.
#[derive(Debug, Clone, PartialEq, Eq)]
struct FilterMark {
    timestamp: i64,
    sequence: u64,
    stream: String,
}

impl FilterMark {
    fn token(&self) -> String {
        opaque(
            "events",
            &format!("{}:{}:{}", self.timestamp, self.sequence, self.stream),
        )
    }

    fn parse(token: &str) -> Result<Self, LogsError> {
        let body = parse_opaque("events", token)?;
        let mut parts = body.splitn(3, ':');
        let mark = (|| {
            Some(Self {
                timestamp: parts.next()?.parse().ok()?,
                sequence: parts.next()?.parse().ok()?,
                stream: parts.next()?.to_string(),
            })
        })();
        mark.ok_or_else(|| {
            LogsError::InvalidParameter("The specified nextToken is invalid.".into())
        })
    }

    /// The gap after which `stream` resumes: events merge by (timestamp, stream, sequence).
    fn resume_gap(&self, stream: &str) -> Position {
        match stream.cmp(self.stream.as_str()) {
            std::cmp::Ordering::Less => gap_before(self.timestamp.saturating_add(1)),
            std::cmp::Ordering::Equal => position(self.timestamp, self.sequence),
            std::cmp::Ordering::Greater => gap_before(self.timestamp),
        }
    }
}

impl Logs {
    /// Stores events (already in timestamp order) in a stream, as PutLogEvents does; answers
    /// the stream as it is afterwards.
    pub(crate) fn store_events(
        &self,
        scope: &Scope,
        group: &str,
        stream: &str,
        events: Vec<(i64, String)>,
    ) -> Result<StreamRecord, LogsError> {
        let _writer = self.write_lock();
        if !self.groups.contains(&scope.group_key(group)) {
            return Err(group_not_found());
        }
        let stream_key = scope.stream_key(group, stream);
        let (Some(first), Some(last)) = (events.first(), events.last()) else {
            return self.streams.get(&stream_key).ok_or_else(stream_not_found);
        };
        let (first_timestamp, last_timestamp) = (first.0, last.0);
        let now = self.now();
        let count = events.len() as u64;
        let bytes: i64 = events.iter().map(|(_, message)| message.len() as i64).sum();
        let prefix = scope.events_prefix(group, stream);
        // Subscribed functions get the stored events afterwards; copied only when one exists.
        let delivered = self
            .has_lambda_subscribers(scope, group)
            .then(|| events.clone());
        // One transaction: a batch is stored entirely or, if the process dies first, not at
        // all, so a client's retry of an unacknowledged batch never duplicates events.
        let updated = self.kit.store().transaction(|txn| {
            let updated = txn.modify(&self.streams, &stream_key, |slot| {
                let record = slot.as_mut().ok_or_else(stream_not_found)?;
                record.first_event_timestamp = Some(
                    record
                        .first_event_timestamp
                        .map_or(first_timestamp, |t| t.min(first_timestamp)),
                );
                record.last_event_timestamp = Some(
                    record
                        .last_event_timestamp
                        .map_or(last_timestamp, |t| t.max(last_timestamp)),
                );
                record.last_ingestion_time = Some(now);
                record.stored_bytes += bytes;
                record.next_sequence += count;
                Ok::<_, LogsError>(record.clone())
            })?;
            let first_sequence = updated.next_sequence - count;
            for (offset, (timestamp, message)) in events.into_iter().enumerate() {
                let key = format!(
                    "{prefix}{}",
                    digits(position(timestamp, first_sequence + offset as u64))
                );
                txn.insert(
                    &self.events,
                    &key,
                    EventRecord {
                        ingestion_time: now,
                        message,
                    },
                )?;
            }
            txn.update(&self.groups, &scope.group_key(group), |record| {
                record.stored_bytes += bytes;
            })?;
            Ok::<_, LogsError>(updated)
        })?;
        if let Some(events) = delivered {
            let first_sequence = updated.next_sequence - count;
            let stored = events
                .into_iter()
                .enumerate()
                .map(|(offset, (timestamp, message))| {
                    let sequence = first_sequence + offset as u64;
                    let id = format!("{timestamp:020}{:020}{sequence:016}", updated.id);
                    (id, timestamp, message)
                })
                .collect();
            self.deliver_to_subscribers(scope, group, stream, stored);
        }
        Ok(updated)
    }

    pub(crate) async fn put_log_events(
        &self,
        ctx: &Ctx,
        input: PutLogEventsRequest,
    ) -> Result<PutLogEventsResponse, LogsError> {
        let scope = Scope::of(ctx);
        check_batch(&input.log_events)?;
        let group = self.group(&scope, &input.log_group_name)?;
        let rejected = rejections(&input.log_events, self.now(), group.retention_in_days);
        let accepted = input
            .log_events
            .into_iter()
            .enumerate()
            .filter(|(index, _)| !rejected.rejects(*index))
            .map(|(_, event)| (event.timestamp, event.message))
            .collect();
        let stream = self.store_events(
            &scope,
            &input.log_group_name,
            &input.log_stream_name,
            accepted,
        )?;
        Ok(PutLogEventsResponse {
            next_sequence_token: Some(stream.upload_sequence_token()),
            rejected_log_events_info: rejected.info(),
            rejected_entity_info: None,
        })
    }

    pub(crate) async fn get_log_events(
        &self,
        ctx: &Ctx,
        input: GetLogEventsRequest,
    ) -> Result<GetLogEventsResponse, LogsError> {
        let scope = Scope::of(ctx);
        let group = scope.group_named(input.log_group_name, input.log_group_identifier)?;
        self.group(&scope, &group)?;
        if !self
            .streams
            .contains(&scope.stream_key(&group, &input.log_stream_name))
        {
            return Err(stream_not_found());
        }
        let limit = input
            .limit
            .map_or(MAX_READ_EVENTS, |limit| limit.clamp(1, 10_000) as usize);
        // The window, as gaps: startTime is inclusive, endTime exclusive.
        let low = input.start_time.map_or(0, gap_before);
        let high = input.end_time.map_or(MAX_POSITION, gap_before);
        let (direction, gap) = match &input.next_token {
            Some(token) => parse_stream_token(token)?,
            None if input.start_from_head.unwrap_or(false) => (Direction::Forward, low),
            // Without a token the newest events come back, and an empty answer leaves the
            // reader at the start of the window, so following it forward sees later events.
            None => (Direction::Backward, high),
        };
        let prefix = scope.events_prefix(&group, &input.log_stream_name);
        let events = match direction {
            Direction::Forward => read_window(self, &prefix, gap.max(low), high, limit, false),
            Direction::Backward => read_window(self, &prefix, low, gap.min(high), limit, true),
        };
        let (forward, backward) = match (events.first(), events.last()) {
            (Some((first, _)), Some((last, _))) => (*last, first - 1),
            // At either end of the stream the token read from comes back unchanged, which is
            // how clients know to stop.
            _ if input.next_token.is_some() => (gap, gap),
            _ => (low, low),
        };
        Ok(GetLogEventsResponse {
            events: Some(
                events
                    .into_iter()
                    .map(|(position, event)| OutputLogEvent {
                        timestamp: Some(split(position).0),
                        message: Some(event.message),
                        ingestion_time: Some(event.ingestion_time),
                    })
                    .collect(),
            ),
            next_forward_token: Some(stream_token(Direction::Forward, forward)),
            next_backward_token: Some(stream_token(Direction::Backward, backward)),
        })
    }

    pub(crate) async fn filter_log_events(
        &self,
        ctx: &Ctx,
        input: FilterLogEventsRequest,
    ) -> Result<FilterLogEventsResponse, LogsError> {
        let scope = Scope::of(ctx);
        let group = scope.group_named(input.log_group_name, input.log_group_identifier)?;
        self.group(&scope, &group)?;
        if input.log_stream_names.is_some() && input.log_stream_name_prefix.is_some() {
            return Err(LogsError::InvalidParameter(
                "logStreamNames and logStreamNamePrefix are mutually exclusive parameters.".into(),
            ));
        }
        let pattern = parse_filter_pattern(input.filter_pattern.as_deref().unwrap_or("")).map_err(
            |error| {
                tracing::debug!(%error, "unparseable filter pattern");
                LogsError::InvalidParameter("Invalid filter pattern".into())
            },
        )?;
        let resume = input
            .next_token
            .as_deref()
            .map(FilterMark::parse)
            .transpose()?;
        let limit = input
            .limit
            .map_or(MAX_READ_EVENTS, |limit| limit.clamp(1, 10_000) as usize);
        // startTime and endTime are both inclusive here.
        let low = input.start_time.map_or(0, gap_before);
        let high = input
            .end_time
            .map_or(MAX_POSITION, |end| gap_before(end.saturating_add(1)));

        let streams: Vec<StreamRecord> = match &input.log_stream_names {
            // A name given twice is searched once; names of missing streams find nothing.
            Some(names) => names
                .iter()
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .filter_map(|name| self.streams.get(&scope.stream_key(&group, name)))
                .collect(),
            None => {
                let prefix = format!(
                    "{}{}",
                    scope.group_children(&group),
                    input.log_stream_name_prefix.as_deref().unwrap_or("")
                );
                let mut found = Vec::new();
                walk(&self.streams, &prefix, None, false, |_, stream| {
                    found.push(stream);
                    true
                });
                found
            }
        };
        let mut cursors: Vec<Cursor> = streams
            .into_iter()
            .map(|stream| Cursor {
                prefix: scope.events_prefix(&group, &stream.name),
                after: resume
                    .as_ref()
                    .map_or(low, |mark| mark.resume_gap(&stream.name).max(low)),
                up_to: high,
                stream,
                buffer: VecDeque::new(),
                exhausted: false,
            })
            .collect();

        // Merge by (timestamp, stream name, sequence): the order pages and tokens follow.
        let mut heads: Vec<Option<EventRecord>> = Vec::with_capacity(cursors.len());
        let mut heap = BinaryHeap::new();
        for (index, cursor) in cursors.iter_mut().enumerate() {
            let head = cursor.next(self).map(|(position, event)| {
                let (timestamp, sequence) = split(position);
                heap.push(Reverse((
                    timestamp,
                    cursor.stream.name.clone(),
                    sequence,
                    index,
                )));
                event
            });
            heads.push(head);
        }
        let mut page = Vec::new();
        let mut last_mark = None;
        let mut bytes = 0;
        let mut more = false;
        while let Some(Reverse((timestamp, name, sequence, index))) = heap.pop() {
            let Some(event) = heads[index].take() else {
                continue;
            };
            if let Some((position, next)) = cursors[index].next(self) {
                let (next_timestamp, next_sequence) = split(position);
                heap.push(Reverse((
                    next_timestamp,
                    name.clone(),
                    next_sequence,
                    index,
                )));
                heads[index] = Some(next);
            }
            if !pattern.matches(&event.message) {
                continue;
            }
            bytes += event_size(&event.message);
            if bytes > MAX_READ_BYTES && !page.is_empty() {
                more = true;
                break;
            }
            let stream_id = cursors[index].stream.id;
            last_mark = Some(FilterMark {
                timestamp,
                sequence,
                stream: name.clone(),
            });
            page.push(FilteredLogEvent {
                event_id: Some(format!("{timestamp:020}{stream_id:020}{sequence:016}")),
                log_stream_name: Some(name),
                timestamp: Some(timestamp),
                message: Some(event.message),
                ingestion_time: Some(event.ingestion_time),
            });
            if page.len() == limit {
                more = !heap.is_empty();
                break;
            }
        }
        let next_token = last_mark.filter(|_| more).map(|mark| mark.token());
        // `searchedLogStreams` is deprecated and left out, as AWS now does.
        Ok(FilterLogEventsResponse {
            events: Some(page),
            searched_log_streams: None,
            next_token,
        })
    }
}

impl Logs {
    pub(crate) async fn start_live_tail(
        &self,
        ctx: &Ctx,
        input: StartLiveTailRequest,
    ) -> Result<StartLiveTailResponse, LogsError> {
        let scope = Scope::of(ctx);
        let names = input
            .log_stream_names
            .as_ref()
            .filter(|names| !names.is_empty());
        let prefixes = input
            .log_stream_name_prefixes
            .as_ref()
            .filter(|prefixes| !prefixes.is_empty());
        if input.log_stream_names.is_some() && input.log_stream_name_prefixes.is_some() {
            return Err(LogsError::InvalidParameter(
                "Only one of logStreamNames or logStreamNamePrefixes can be provided.".into(),
            ));
        }
        if (names.is_some() || prefixes.is_some()) && input.log_group_identifiers.len() > 1 {
            return Err(LogsError::InvalidParameter(
                "logStreamNames and logStreamNamePrefixes can only be used with a single log group."
                    .into(),
            ));
        }
        for identifier in &input.log_group_identifiers {
            let group = scope.group_named(None, Some(identifier.clone()))?;
            self.group(&scope, &group)?;
        }
        parse_filter_pattern(input.log_event_filter_pattern.as_deref().unwrap_or("")).map_err(
            |error| {
                tracing::debug!(%error, "unparseable live tail filter pattern");
                LogsError::InvalidParameter("Invalid filter pattern".into())
            },
        )?;
        // A live tail session is an event stream that stays open for up to three hours; the
        // protocol layer answers whole responses only, so no session can be opened.
        Err(LogsError::InvalidOperation(
            "Sockerless cannot stream responses yet: StartLiveTail sessions are not available. Use FilterLogEvents or GetLogEvents to follow a log group."
                .into(),
        ))
    }

    pub(crate) async fn get_log_object(
        &self,
        _ctx: &Ctx,
        input: GetLogObjectRequest,
    ) -> Result<GetLogObjectResponse, LogsError> {
        // Log object pointers name large log objects of vended logs; the simulator stores no
        // such object and issues no pointer, so none names anything.
        Err(LogsError::InvalidParameter(format!(
            "The log object pointer {} is not valid.",
            input.log_object_pointer
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch(timestamps: &[i64]) -> Vec<InputLogEvent> {
        timestamps
            .iter()
            .map(|&timestamp| InputLogEvent {
                timestamp,
                message: "m".into(),
            })
            .collect()
    }

    #[test]
    fn rejections_mark_the_old_prefix_and_the_new_suffix() {
        let now = 100 * DAY_MS;
        for (timestamps, retention, (old, expired, new)) in [
            (vec![now], None, (None, None, None)),
            (
                vec![now - 15 * DAY_MS, now - 15 * DAY_MS, now],
                None,
                (Some(1), None, None),
            ),
            (
                vec![now, now + 3 * HOUR_MS, now + 4 * HOUR_MS],
                None,
                (None, None, Some(1)),
            ),
            (
                vec![now - 2 * DAY_MS, now - 1],
                Some(1),
                (None, Some(0), None),
            ),
            (
                vec![now - 20 * DAY_MS, now - 2 * DAY_MS, now],
                Some(1),
                (Some(0), Some(1), None),
            ),
        ] {
            let info = rejections(&batch(&timestamps), now, retention);
            assert_eq!(
                (
                    info.too_old_log_event_end_index,
                    info.expired_log_event_end_index,
                    info.too_new_log_event_start_index
                ),
                (old, expired, new),
                "{timestamps:?}"
            );
        }
    }

    #[test]
    fn batches_are_checked_for_order_span_and_size() {
        for (events, message) in [
            (batch(&[2, 1]), "must be in chronological order"),
            (batch(&[0, DAY_MS + 1]), "cannot span more than 24 hours"),
            (
                vec![InputLogEvent {
                    timestamp: 0,
                    message: "x".repeat(MAX_BATCH_BYTES),
                }],
                "Log event too large: 1048602 bytes exceeds limit of 1048576",
            ),
            (
                (0..2)
                    .map(|_| InputLogEvent {
                        timestamp: 0,
                        message: "x".repeat(600_000),
                    })
                    .collect(),
                "Upload too large: 1200052 bytes exceeds limit of 1048576",
            ),
        ] {
            let error = check_batch(&events).unwrap_err();
            assert!(error.to_string().contains(message), "{error}");
        }
        assert!(check_batch(&batch(&[1, 1, DAY_MS + 1])).is_ok());
    }

    #[test]
    fn filter_marks_resume_each_stream_after_the_mark() {
        let mark = FilterMark {
            timestamp: 10,
            sequence: 5,
            stream: "b".into(),
        };
        assert_eq!(FilterMark::parse(&mark.token()).unwrap(), mark);
        // Earlier streams already gave their events of timestamp 10; later ones did not.
        assert_eq!(mark.resume_gap("a"), gap_before(11));
        assert_eq!(mark.resume_gap("b"), position(10, 5));
        assert_eq!(mark.resume_gap("c"), gap_before(10));
        assert!(FilterMark::parse(&opaque("events", "x:y")).is_err());
    }
}
