//! Log streams: create, delete (with their events), describe (by name or by last event time,
//! either way round, paged).

use sim_aws_shapes::logs::{
    CreateLogStreamRequest, DeleteLogStreamRequest, DescribeLogStreamsRequest,
    DescribeLogStreamsResponse, LogStream,
};

use super::token::{opaque, parse_opaque};
use super::{
    Logs, LogsError, Scope, StreamRecord, check_stream_name, group_not_found, protected,
    stream_not_found, walk,
};
use crate::services::Ctx;

/// Describe pages hold at most this many streams, and this many by default.
const MAX_DESCRIBE: usize = 50;

impl StreamRecord {
    pub(crate) fn output(&self, scope: &Scope, group: &str) -> LogStream {
        let has_events = self.last_ingestion_time.is_some();
        LogStream {
            log_stream_name: Some(self.name.clone()),
            creation_time: Some(self.creation_time),
            first_event_timestamp: self.first_event_timestamp,
            last_event_timestamp: self.last_event_timestamp,
            last_ingestion_time: self.last_ingestion_time,
            upload_sequence_token: has_events.then(|| self.upload_sequence_token()),
            arn: Some(scope.stream_arn(group, &self.name)),
            // Deprecated for streams in 2019: AWS reports zero (groups still count bytes).
            stored_bytes: Some(0),
        }
    }

    /// The `LastEventTime` order: streams without events first, then by name.
    fn time_order(&self) -> (i64, &str) {
        (self.last_event_timestamp.unwrap_or(-1), &self.name)
    }
}

impl Logs {
    pub(crate) fn create_stream(
        &self,
        scope: &Scope,
        group: &str,
        stream: &str,
    ) -> Result<(), LogsError> {
        // Held so that a group being deleted cannot gain a stream after its streams are swept.
        let _writer = self.write_lock();
        if !self.groups.contains(&scope.group_key(group)) {
            return Err(group_not_found());
        }
        let record = StreamRecord {
            name: stream.to_string(),
            id: self.kit.ids().next_u64(),
            creation_time: self.now(),
            first_event_timestamp: None,
            last_event_timestamp: None,
            last_ingestion_time: None,
            stored_bytes: 0,
            next_sequence: 1,
        };
        self.streams
            .modify(&scope.stream_key(group, stream), |slot| {
                if slot.is_some() {
                    return Err(LogsError::ResourceAlreadyExists(
                        "The specified log stream already exists".into(),
                    ));
                }
                *slot = Some(record);
                Ok(())
            })
    }

    pub(crate) async fn create_log_stream(
        &self,
        ctx: &Ctx,
        input: CreateLogStreamRequest,
    ) -> Result<(), LogsError> {
        check_stream_name(&input.log_stream_name)?;
        self.create_stream(
            &Scope::of(ctx),
            &input.log_group_name,
            &input.log_stream_name,
        )
    }

    pub(crate) async fn delete_log_stream(
        &self,
        ctx: &Ctx,
        input: DeleteLogStreamRequest,
    ) -> Result<(), LogsError> {
        let scope = Scope::of(ctx);
        let group = &input.log_group_name;
        let _writer = self.write_lock();
        if self.group(&scope, group)?.deletion_protection_enabled {
            return Err(protected());
        }
        let stream_key = scope.stream_key(group, &input.log_stream_name);
        if !self.streams.contains(&stream_key) {
            return Err(stream_not_found());
        }
        // One transaction, as DeleteLogGroup: all of the stream goes, or none of it.
        self.kit.store().transaction(|txn| {
            txn.remove_prefix(
                &self.events,
                &scope.events_prefix(group, &input.log_stream_name),
            )?;
            let removed = txn
                .remove(&self.streams, &stream_key)?
                .ok_or_else(stream_not_found)?;
            txn.update(&self.groups, &scope.group_key(group), |record| {
                record.stored_bytes = (record.stored_bytes - removed.stored_bytes).max(0);
            })?;
            Ok(())
        })
    }

    pub(crate) async fn describe_log_streams(
        &self,
        ctx: &Ctx,
        input: DescribeLogStreamsRequest,
    ) -> Result<DescribeLogStreamsResponse, LogsError> {
        let scope = Scope::of(ctx);
        let group = scope.group_named(input.log_group_name, input.log_group_identifier)?;
        self.group(&scope, &group)?;
        let by_time = input.order_by.as_deref() == Some("LastEventTime");
        if by_time && input.log_stream_name_prefix.is_some() {
            return Err(LogsError::InvalidParameter(
                "Cannot order by LastEventTime with a logStreamNamePrefix.".into(),
            ));
        }
        let descending = input.descending.unwrap_or(false);
        let limit = input
            .limit
            .map_or(MAX_DESCRIBE, |limit| limit.clamp(1, 50) as usize);
        let children = scope.group_children(&group);
        let (page, more) = if by_time {
            let resume = match &input.next_token {
                Some(token) => Some(time_position(&parse_opaque("streams-by-time", token)?)?),
                None => None,
            };
            let mut all = Vec::new();
            walk(&self.streams, &children, None, false, |_, stream| {
                all.push(stream);
                true
            });
            all.sort_by(|a, b| a.time_order().cmp(&b.time_order()));
            if descending {
                all.reverse();
            }
            let mut rest = all.into_iter().filter(|stream| match &resume {
                None => true,
                Some((time, name)) => {
                    let (here, mark) = (stream.time_order(), (*time, name.as_str()));
                    if descending { here < mark } else { here > mark }
                }
            });
            let page: Vec<StreamRecord> = rest.by_ref().take(limit).collect();
            let more = rest.next().is_some();
            (page, more)
        } else {
            let resume = match &input.next_token {
                Some(token) => Some(scope.stream_key(&group, &parse_opaque("streams", token)?)),
                None => None,
            };
            let prefix = format!(
                "{children}{}",
                input.log_stream_name_prefix.as_deref().unwrap_or("")
            );
            let mut page = Vec::new();
            let mut more = false;
            walk(&self.streams, &prefix, resume, descending, |_, stream| {
                if page.len() == limit {
                    more = true;
                    return false;
                }
                page.push(stream);
                true
            });
            (page, more)
        };
        let next_token = match page.last() {
            Some(last) if more && by_time => {
                let (time, name) = last.time_order();
                Some(opaque("streams-by-time", &format!("{time}:{name}")))
            }
            Some(last) if more => Some(opaque("streams", &last.name)),
            _ => None,
        };
        Ok(DescribeLogStreamsResponse {
            log_streams: Some(
                page.iter()
                    .map(|stream| stream.output(&scope, &group))
                    .collect(),
            ),
            next_token,
        })
    }
}

/// Reads the `time:name` body of a by-time token.
fn time_position(body: &str) -> Result<(i64, String), LogsError> {
    body.split_once(':')
        .and_then(|(time, name)| Some((time.parse().ok()?, name.to_string())))
        .ok_or_else(|| LogsError::InvalidParameter("The specified nextToken is invalid.".into()))
}
