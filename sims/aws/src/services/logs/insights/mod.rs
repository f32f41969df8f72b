//! CloudWatch Logs Insights: StartQuery (which compiles the query, then runs it over the
//! stored events of its log groups and time range), GetQueryResults (rows, status and
//! statistics, paged), StopQuery, DescribeQueries, ListLogGroupsForQuery, GetLogRecord (the
//! event behind a row's `@ptr`), GetLogGroupFields (the fields of a group's recent events and
//! how often each appears), and saved query definitions.
//!
//! | module | holds |
//! |---|---|
//! | [`parse`] | the query language parser (pure; fuzzed) |
//! | [`eval`] | values, records and expression evaluation |
//! | [`run`] | the pipeline over records |
//!
//! A query runs to completion inside StartQuery, so every query a client can see has ended:
//! `Complete`, or `Failed` if reading the store failed. Its rows and statistics are stored with
//! it (`account/region/queryId`), so results survive a restart. Queries in the SQL and PPL
//! languages, and Logs Insights commands and functions outside [`parse`]'s subset, answer
//! `MalformedQueryException` naming what is not supported.

pub mod parse;

mod eval;
mod run;

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use sim_aws_shapes::logs::{
    DeleteQueryDefinitionRequest, DeleteQueryDefinitionResponse, DescribeQueriesRequest,
    DescribeQueriesResponse, DescribeQueryDefinitionsRequest, DescribeQueryDefinitionsResponse,
    GetLogFieldsRequest, GetLogFieldsResponse, GetLogGroupFieldsRequest, GetLogGroupFieldsResponse,
    GetLogRecordRequest, GetLogRecordResponse, GetQueryResultsRequest, GetQueryResultsResponse,
    ListLogGroupsForQueryRequest, ListLogGroupsForQueryResponse, LogGroupField,
    PutQueryDefinitionRequest, PutQueryDefinitionResponse, QueryDefinition, QueryInfo,
    QueryStatistics, ResultField, StartQueryRequest, StartQueryResponse, StopQueryRequest,
    StopQueryResponse,
};

use self::eval::{Record, Value, discover_json};
use self::parse::{QueryError, parse_query};
use self::run::Execution;
use super::token::{self, Position, digits, from_key, gap_before, split};
use super::{EventRecord, Logs, LogsError, Scope, StreamRecord, range, walk};
use crate::services::Ctx;

/// Rows a query returns at most unless its `limit` says otherwise.
const DEFAULT_ROWS: usize = 10_000;

/// GetLogGroupFields looks at the events of this period before its `time`.
const FIELDS_WINDOW_MS: i64 = 15 * 60 * 1000;

/// How many events a group scan reads from the store at a time.
const SCAN_CHUNK: usize = 512;

/// A query and what it produced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueryRecord {
    pub info: QueryInfo,
    /// The groups it ran over, as ARNs (ListLogGroupsForQuery).
    pub log_groups: Vec<String>,
    pub rows: Vec<Vec<(String, String)>>,
    pub statistics: QueryStatistics,
}

/// What a `@ptr` points at: one event of one stream.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Pointer {
    group: String,
    stream: String,
    position: Position,
}

impl Pointer {
    fn encode(&self, scope: &Scope) -> String {
        URL_SAFE_NO_PAD.encode(format!(
            "{}\0{}\0{}\0{}\0{}",
            scope.account_id,
            scope.region,
            self.group,
            self.stream,
            digits(self.position)
        ))
    }

    fn decode(scope: &Scope, text: &str) -> Option<Self> {
        let bytes = URL_SAFE_NO_PAD.decode(text).ok()?;
        let text = String::from_utf8(bytes).ok()?;
        let mut parts = text.split('\0');
        let (account, region, group, stream, position) = (
            parts.next()?,
            parts.next()?,
            parts.next()?,
            parts.next()?,
            parts.next()?,
        );
        if parts.next().is_some() || account != scope.account_id || region != scope.region {
            return None;
        }
        Some(Self {
            group: group.to_string(),
            stream: stream.to_string(),
            position: from_key(position)?,
        })
    }
}

fn malformed(error: QueryError) -> LogsError {
    LogsError::MalformedQuery {
        message: error.message,
        start: error.start,
        end: error.end,
    }
}

fn query_not_found() -> LogsError {
    LogsError::ResourceNotFound("The specified query does not exist.".into())
}

/// The record Logs Insights sees for an event.
fn record_of(
    scope: &Scope,
    group: &str,
    stream: &StreamRecord,
    position: Position,
    event: EventRecord,
) -> Record {
    let mut record = Record::default();
    let (timestamp, _) = split(position);
    record.set("@timestamp", Some(Value::Time(timestamp)));
    record.set("@ingestionTime", Some(Value::Time(event.ingestion_time)));
    record.set("@logStream", Some(Value::Text(stream.name.clone())));
    record.set(
        "@log",
        Some(Value::Text(format!("{}:{group}", scope.account_id))),
    );
    for (name, value) in discover_json(&event.message) {
        record.set(&name, Some(value));
    }
    record.set("@message", Some(Value::Text(event.message)));
    let pointer = Pointer {
        group: group.to_string(),
        stream: stream.name.clone(),
        position,
    };
    record.set("@ptr", Some(Value::Text(pointer.encode(scope))));
    record
}

impl Logs {
    /// Visits every event of a group with a timestamp in `[from, to]` (milliseconds), stream by
    /// stream, oldest first within a stream.
    pub(crate) fn scan_group(
        &self,
        scope: &Scope,
        group: &str,
        from: i64,
        to: i64,
        mut visit: impl FnMut(&StreamRecord, Position, EventRecord),
    ) {
        let mut streams = Vec::new();
        walk(
            &self.streams,
            &scope.group_children(group),
            None,
            false,
            |_, stream| {
                streams.push(stream);
                true
            },
        );
        let low = gap_before(from);
        let high = gap_before(to.saturating_add(1));
        for stream in streams {
            // Streams whose events all fall outside the window are skipped unread.
            let outside = stream.last_event_timestamp.is_none_or(|last| last < from)
                || stream.first_event_timestamp.is_some_and(|first| first > to);
            if outside {
                continue;
            }
            let prefix = scope.events_prefix(group, &stream.name);
            let mut after = low;
            loop {
                let chunk = range(
                    &self.events,
                    std::ops::Bound::Excluded(format!("{prefix}{}", digits(after))),
                    std::ops::Bound::Excluded(format!("{prefix}{}", digits(high))),
                    SCAN_CHUNK,
                    false,
                );
                let full = chunk.len() == SCAN_CHUNK;
                for (key, event) in chunk {
                    if let Some(position) = from_key(&key) {
                        after = position;
                        visit(&stream, position, event);
                    }
                }
                if !full {
                    break;
                }
            }
        }
    }

    /// The groups a StartQuery names, by name (checked to exist, in this account and region).
    fn query_groups(&self, ctx: &Ctx, input: &StartQueryRequest) -> Result<Vec<String>, LogsError> {
        let scope = Scope::of(ctx);
        let given = [
            input.log_group_name.is_some(),
            input.log_group_names.is_some(),
            input.log_group_identifiers.is_some(),
        ]
        .into_iter()
        .filter(|given| *given)
        .count();
        if given != 1 {
            return Err(LogsError::InvalidParameter(
                "Exactly one of logGroupName, logGroupNames and logGroupIdentifiers must be specified."
                    .into(),
            ));
        }
        let names: Vec<String> = match (
            &input.log_group_name,
            &input.log_group_names,
            &input.log_group_identifiers,
        ) {
            (Some(name), _, _) => vec![name.clone()],
            (_, Some(names), _) => names.clone(),
            (_, _, Some(identifiers)) => identifiers
                .iter()
                .map(|identifier| {
                    scope
                        .group_named(None, Some(identifier.clone()))
                        .map_err(|_| group_missing(ctx, identifier))
                })
                .collect::<Result<_, _>>()?,
            _ => Vec::new(),
        };
        let mut unique = Vec::new();
        for name in names {
            if !self.groups.contains(&scope.group_key(&name)) {
                return Err(group_missing(ctx, &name));
            }
            if !unique.contains(&name) {
                unique.push(name);
            }
        }
        Ok(unique)
    }

    /// Runs a compiled query over `groups` (names, known to exist) in the window `[from, to]`
    /// (milliseconds), and records what it produced under a new query ID.
    pub(crate) fn run_query(
        &self,
        scope: &Scope,
        query: &parse::Query,
        text: &str,
        groups: &[String],
        (from, to): (i64, i64),
        cap: usize,
    ) -> QueryRecord {
        let started = self.now();
        let mut execution = Execution::new(query);
        let (mut scanned, mut bytes) = (0u64, 0u64);
        for group in groups {
            self.scan_group(scope, group, from, to, |stream, position, event| {
                scanned += 1;
                bytes += event.message.len() as u64;
                execution.accept(record_of(scope, group, stream, position, event));
            });
        }
        let outcome = execution.finish(cap);
        let sources: Vec<String> = groups.iter().map(|group| format!("\"{group}\"")).collect();
        let info = QueryInfo {
            query_language: Some("CWLI".into()),
            query_id: Some(self.kit.ids().uuid()),
            // AWS records the query with its sources and window spelled out.
            query_string: Some(format!(
                "SOURCE {} START={from} END={to} | {text}",
                sources.join(" ")
            )),
            status: Some("Complete".into()),
            create_time: Some(started),
            log_group_name: groups.first().cloned(),
            ..QueryInfo::default()
        };
        QueryRecord {
            info,
            log_groups: groups.iter().map(|group| scope.group_arn(group)).collect(),
            rows: outcome.rows,
            statistics: QueryStatistics {
                records_matched: Some(outcome.matched as f64),
                records_scanned: Some(scanned as f64),
                estimated_records_skipped: Some(0.0),
                bytes_scanned: Some(bytes as f64),
                estimated_bytes_skipped: Some(0.0),
                log_groups_scanned: Some(groups.len() as f64),
            },
        }
    }

    pub(crate) async fn start_query(
        &self,
        ctx: &Ctx,
        input: StartQueryRequest,
    ) -> Result<StartQueryResponse, LogsError> {
        let scope = Scope::of(ctx);
        let language = input
            .query_language
            .clone()
            .unwrap_or_else(|| "CWLI".into());
        if language != "CWLI" {
            return Err(LogsError::MalformedQuery {
                message: format!(
                    "Sockerless runs Logs Insights (CWLI) queries only, not {language}"
                ),
                start: 0,
                end: input.query_string.chars().count(),
            });
        }
        let query = parse_query(&input.query_string).map_err(malformed)?;
        if input.end_time < input.start_time {
            return Err(LogsError::InvalidParameter(
                "The endTime must be greater than or equal to the startTime.".into(),
            ));
        }
        let groups = self.query_groups(ctx, &input)?;
        // Times are whole seconds; the window takes every millisecond of the last one.
        let from = input.start_time.saturating_mul(1000);
        let to = input.end_time.saturating_mul(1000).saturating_add(999);
        let cap = input.limit.map_or(DEFAULT_ROWS, |limit| limit as usize);
        let record = self.run_query(
            &scope,
            &query,
            &input.query_string,
            &groups,
            (from, to),
            cap,
        );
        let query_id = record.info.query_id.clone().unwrap_or_default();
        self.queries.insert(&scope.group_key(&query_id), record)?;
        Ok(StartQueryResponse {
            query_id: Some(query_id),
        })
    }

    fn query(&self, ctx: &Ctx, query_id: &str) -> Result<QueryRecord, LogsError> {
        self.queries
            .get(&Scope::of(ctx).group_key(query_id))
            .ok_or_else(query_not_found)
    }

    pub(crate) async fn get_query_results(
        &self,
        ctx: &Ctx,
        input: GetQueryResultsRequest,
    ) -> Result<GetQueryResultsResponse, LogsError> {
        let record = self.query(ctx, &input.query_id)?;
        let rows: Vec<(String, Vec<ResultField>)> = record
            .rows
            .into_iter()
            .enumerate()
            .map(|(index, row)| {
                let fields = row
                    .into_iter()
                    .map(|(field, value)| ResultField {
                        field: Some(field),
                        value: Some(value),
                    })
                    .collect();
                (format!("{index:010}"), fields)
            })
            .collect();
        // Without maxItems every row comes back at once, as before AWS paged results.
        let size = match input.max_items {
            Some(items) if items > 0 => items as usize,
            _ => rows.len().max(1),
        };
        let page = token::page("query-results", rows, input.next_token.as_deref(), size)?;
        Ok(GetQueryResultsResponse {
            query_language: record.info.query_language,
            results: Some(page.items),
            statistics: Some(record.statistics),
            status: record.info.status,
            encryption_key: self
                .settings
                .get(&Scope::of(ctx).group_key(super::groups::QUERY_RESULTS_KEY)),
            next_token: page.next,
        })
    }

    pub(crate) async fn stop_query(
        &self,
        ctx: &Ctx,
        input: StopQueryRequest,
    ) -> Result<StopQueryResponse, LogsError> {
        let record = self.query(ctx, &input.query_id)?;
        // Queries run to completion inside StartQuery: none is ever running to be stopped.
        Err(LogsError::InvalidParameter(format!(
            "Query {} is not running: its status is {}.",
            input.query_id,
            record.info.status.unwrap_or_default()
        )))
    }

    pub(crate) async fn describe_queries(
        &self,
        ctx: &Ctx,
        input: DescribeQueriesRequest,
    ) -> Result<DescribeQueriesResponse, LogsError> {
        let scope = Scope::of(ctx);
        let entries: Vec<(String, QueryInfo)> = self
            .queries
            .scan_prefix(&scope.group_key(""))
            .into_iter()
            .map(|(_, record)| record.info)
            .filter(|info| {
                input
                    .log_group_name
                    .as_ref()
                    .is_none_or(|group| info.log_group_name.as_ref() == Some(group))
                    && input
                        .status
                        .as_ref()
                        .is_none_or(|status| info.status.as_ref() == Some(status))
                    && input
                        .query_language
                        .as_ref()
                        .is_none_or(|language| info.query_language.as_ref() == Some(language))
            })
            .map(|info| {
                // Newest first: the position key counts down from the largest time.
                let create = info.create_time.unwrap_or(0);
                let key = format!(
                    "{:020}:{}",
                    i64::MAX - create,
                    info.query_id.clone().unwrap_or_default()
                );
                (key, info)
            })
            .collect();
        let page = token::page(
            "queries",
            entries,
            input.next_token.as_deref(),
            input.max_results.map_or(1000, |max| max as usize),
        )?;
        Ok(DescribeQueriesResponse {
            queries: Some(page.items),
            next_token: page.next,
        })
    }

    pub(crate) async fn list_log_groups_for_query(
        &self,
        ctx: &Ctx,
        input: ListLogGroupsForQueryRequest,
    ) -> Result<ListLogGroupsForQueryResponse, LogsError> {
        let record = self.query(ctx, &input.query_id)?;
        let entries = record
            .log_groups
            .into_iter()
            .map(|arn| (arn.clone(), arn))
            .collect();
        let page = token::page(
            "query-groups",
            entries,
            input.next_token.as_deref(),
            input.max_results.map_or(50, |max| max as usize),
        )?;
        Ok(ListLogGroupsForQueryResponse {
            log_group_identifiers: Some(page.items),
            next_token: page.next,
        })
    }

    pub(crate) async fn get_log_record(
        &self,
        ctx: &Ctx,
        input: GetLogRecordRequest,
    ) -> Result<GetLogRecordResponse, LogsError> {
        let scope = Scope::of(ctx);
        let invalid = || {
            LogsError::InvalidParameter(format!(
                "The log record pointer {} is invalid.",
                input.log_record_pointer
            ))
        };
        let pointer = Pointer::decode(&scope, &input.log_record_pointer).ok_or_else(invalid)?;
        let stream = self
            .streams
            .get(&scope.stream_key(&pointer.group, &pointer.stream))
            .ok_or_else(|| {
                LogsError::ResourceNotFound("The specified log record does not exist.".into())
            })?;
        let key = format!(
            "{}{}",
            scope.events_prefix(&pointer.group, &pointer.stream),
            digits(pointer.position)
        );
        let event = self.events.get(&key).ok_or_else(|| {
            LogsError::ResourceNotFound("The specified log record does not exist.".into())
        })?;
        let record = record_of(&scope, &pointer.group, &stream, pointer.position, event);
        let log_record: BTreeMap<String, String> = record
            .fields
            .into_iter()
            .map(|(name, value)| (name, value.render()))
            .collect();
        Ok(GetLogRecordResponse {
            log_record: Some(log_record),
        })
    }

    pub(crate) async fn get_log_group_fields(
        &self,
        ctx: &Ctx,
        input: GetLogGroupFieldsRequest,
    ) -> Result<GetLogGroupFieldsResponse, LogsError> {
        let scope = Scope::of(ctx);
        let group = scope.group_named(input.log_group_name, input.log_group_identifier)?;
        self.group(&scope, &group)?;
        let end = input
            .time
            .map_or_else(|| self.now(), |seconds| seconds.saturating_mul(1000));
        let mut total = 0u64;
        let mut counts: indexmap::IndexMap<String, u64> = indexmap::IndexMap::new();
        self.scan_group(
            &scope,
            &group,
            end - FIELDS_WINDOW_MS,
            end,
            |stream, position, event| {
                total += 1;
                let record = record_of(&scope, &group, stream, position, event);
                for name in record.fields.keys() {
                    if name != "@ptr" {
                        *counts.entry(name.clone()).or_default() += 1;
                    }
                }
            },
        );
        let mut fields: Vec<LogGroupField> = counts
            .into_iter()
            .map(|(name, count)| LogGroupField {
                name: Some(name),
                percent: Some(((count * 100) / total.max(1)) as i32),
            })
            .collect();
        fields.sort_by(|a, b| b.percent.cmp(&a.percent).then_with(|| a.name.cmp(&b.name)));
        Ok(GetLogGroupFieldsResponse {
            log_group_fields: Some(fields),
        })
    }

    pub(crate) async fn get_log_fields(
        &self,
        _ctx: &Ctx,
        input: GetLogFieldsRequest,
    ) -> Result<GetLogFieldsResponse, LogsError> {
        // Data sources are vended log types (`amazon_vpc.flow`, ...) with known schemas; no
        // log group of the simulator holds one.
        Err(LogsError::ResourceNotFound(format!(
            "The data source {} of type {} does not exist.",
            input.data_source_name, input.data_source_type
        )))
    }

    pub(crate) async fn put_query_definition(
        &self,
        ctx: &Ctx,
        input: PutQueryDefinitionRequest,
    ) -> Result<PutQueryDefinitionResponse, LogsError> {
        let scope = Scope::of(ctx);
        let id = match &input.query_definition_id {
            Some(id) => {
                if !self.query_definitions.contains(&scope.group_key(id)) {
                    return Err(LogsError::ResourceNotFound(
                        "The specified query definition does not exist.".into(),
                    ));
                }
                id.clone()
            }
            None => self.kit.ids().uuid(),
        };
        let definition = QueryDefinition {
            query_language: Some(input.query_language.unwrap_or_else(|| "CWLI".into())),
            query_definition_id: Some(id.clone()),
            name: Some(input.name),
            query_string: Some(input.query_string),
            last_modified: Some(self.now()),
            log_group_names: input.log_group_names,
            parameters: input.parameters,
        };
        self.query_definitions
            .insert(&scope.group_key(&id), definition)?;
        Ok(PutQueryDefinitionResponse {
            query_definition_id: Some(id),
        })
    }

    pub(crate) async fn describe_query_definitions(
        &self,
        ctx: &Ctx,
        input: DescribeQueryDefinitionsRequest,
    ) -> Result<DescribeQueryDefinitionsResponse, LogsError> {
        let scope = Scope::of(ctx);
        let entries =
            self.query_definitions
                .scan_prefix(&scope.group_key(""))
                .into_iter()
                .map(|(_, definition)| definition)
                .filter(|definition| {
                    input
                        .query_definition_name_prefix
                        .as_ref()
                        .is_none_or(|prefix| {
                            definition
                                .name
                                .as_deref()
                                .is_some_and(|name| name.starts_with(prefix.as_str()))
                        })
                        && input.query_language.as_ref().is_none_or(|language| {
                            definition.query_language.as_ref() == Some(language)
                        })
                })
                .map(|definition| {
                    let key = format!(
                        "{}\0{}",
                        definition.name.clone().unwrap_or_default(),
                        definition.query_definition_id.clone().unwrap_or_default()
                    );
                    (key, definition)
                })
                .collect();
        let page = token::page(
            "query-definitions",
            entries,
            input.next_token.as_deref(),
            input.max_results.map_or(1000, |max| max as usize),
        )?;
        Ok(DescribeQueryDefinitionsResponse {
            query_definitions: Some(page.items),
            next_token: page.next,
        })
    }

    pub(crate) async fn delete_query_definition(
        &self,
        ctx: &Ctx,
        input: DeleteQueryDefinitionRequest,
    ) -> Result<DeleteQueryDefinitionResponse, LogsError> {
        let scope = Scope::of(ctx);
        self.query_definitions
            .remove(&scope.group_key(&input.query_definition_id))?
            .ok_or_else(|| {
                LogsError::ResourceNotFound("The specified query definition does not exist.".into())
            })?;
        Ok(DeleteQueryDefinitionResponse {
            success: Some(true),
        })
    }
}

/// Runs a parsed query over a few fixed records, as the fuzz target does: whatever the query,
/// this must not panic. Answers how many rows came out.
pub(crate) fn run_on_samples(query: &parse::Query) -> usize {
    let mut execution = Execution::new(query);
    for (offset, message) in [
        r#"{"level":"info","latency":12.5,"user":{"id":"a"},"tags":["x","y"]}"#,
        r#"{"level":"error","latency":-3,"@odd":true}"#,
        "plain text 127.0.0.1 GET /index.html 200 1534",
        "",
    ]
    .into_iter()
    .enumerate()
    {
        let mut record = Record::default();
        record.set(
            "@timestamp",
            Some(Value::Time(1_700_000_000_000 + offset as i64 * 61_000)),
        );
        for (name, value) in discover_json(message) {
            record.set(&name, Some(value));
        }
        record.set("@message", Some(Value::Text(message.into())));
        record.set("@ptr", Some(Value::Text(offset.to_string())));
        execution.accept(record);
    }
    execution.finish(100).rows.len()
}

/// StartQuery's answer for a group that does not exist, worded as AWS words it (with the
/// request ID of its own internal call).
fn group_missing(ctx: &Ctx, group: &str) -> LogsError {
    LogsError::ResourceNotFound(format!(
        "Log group '{group}' does not exist for account ID '{}' (Service: AWSLogs; Status Code: 400; Error Code: ResourceNotFoundException; Request ID: {}; Proxy: null)",
        ctx.account_id, ctx.request_id
    ))
}

#[cfg(test)]
mod tests;
