//! Scheduled queries: Logs Insights queries run on a `rate(...)` or `cron(...)` schedule,
//! created, read, replaced, listed and deleted, with their trigger history.
//!
//! Triggers are computed from the schedule and the kit's clock, and a trigger that is due is
//! run when its query is next read (GetScheduledQuery, ListScheduledQueries,
//! GetScheduledQueryHistory): each run is a real query over the events of its window
//! (`startTimeOffset` seconds before the trigger), recorded as a query GetQueryResults can
//! read. A query in SQL or PPL, which the simulator does not run, is recorded as
//! `InvalidQuery`; results bound for S3 fail as `CLIENT_ERROR`, as the simulator has no S3.
//! Schedules are evaluated in UTC; another `timezone` is refused.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sim_aws_shapes::logs::{
    CreateScheduledQueryRequest, CreateScheduledQueryResponse, DeleteScheduledQueryRequest,
    DeleteScheduledQueryResponse, DestinationConfiguration, GetScheduledQueryHistoryRequest,
    GetScheduledQueryHistoryResponse, GetScheduledQueryRequest, GetScheduledQueryResponse,
    ListScheduledQueriesRequest, ListScheduledQueriesResponse, ScheduledQueryDestination,
    ScheduledQuerySummary, TriggerHistoryRecord, UpdateScheduledQueryRequest,
    UpdateScheduledQueryResponse,
};

use super::insights::parse::parse_query;
use super::tags::HasTags;
use super::token;
use super::{Logs, LogsError, Scope};
use crate::services::Ctx;

const MINUTE_MS: i64 = 60_000;

/// Triggers run per read at most, so a long-idle schedule catches up over several reads.
const MAX_TRIGGERS_PER_READ: usize = 100;

/// Minutes a cron schedule is searched ahead for its next trigger.
const CRON_HORIZON_MINUTES: i64 = 366 * 24 * 60 * 5;

/// A parsed schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Schedule {
    /// Every `period` milliseconds from the schedule's start.
    Rate(i64),
    Cron(Box<Cron>),
}

/// A six-field cron expression (minutes, hours, day of month, month, day of week, year), each
/// field the set of values it allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cron {
    minutes: Vec<bool>,
    hours: Vec<bool>,
    days: Option<Vec<bool>>,
    months: Vec<bool>,
    weekdays: Option<Vec<bool>>,
    years: Option<(i32, i32)>,
}

fn invalid_schedule(expression: &str) -> LogsError {
    LogsError::Validation(format!("Invalid schedule expression: {expression}"))
}

/// Parses `rate(5 minutes)` or `cron(0 12 * * ? *)`.
pub fn parse_schedule(expression: &str) -> Result<Schedule, LogsError> {
    let trimmed = expression.trim();
    if let Some(body) = trimmed
        .strip_prefix("rate(")
        .and_then(|rest| rest.strip_suffix(')'))
    {
        let mut words = body.split_whitespace();
        let (Some(count), Some(unit), None) = (words.next(), words.next(), words.next()) else {
            return Err(invalid_schedule(expression));
        };
        let count: i64 = count.parse().map_err(|_| invalid_schedule(expression))?;
        let unit_ms = match unit {
            "minute" | "minutes" => MINUTE_MS,
            "hour" | "hours" => 60 * MINUTE_MS,
            "day" | "days" => 24 * 60 * MINUTE_MS,
            _ => return Err(invalid_schedule(expression)),
        };
        // AWS wants the singular unit for one and the plural otherwise.
        if count < 1 || (count == 1) == unit.ends_with('s') {
            return Err(invalid_schedule(expression));
        }
        return Ok(Schedule::Rate(count * unit_ms));
    }
    let Some(body) = trimmed
        .strip_prefix("cron(")
        .and_then(|rest| rest.strip_suffix(')'))
    else {
        return Err(invalid_schedule(expression));
    };
    let fields: Vec<&str> = body.split_whitespace().collect();
    let [minutes, hours, days, months, weekdays, years] = fields.as_slice() else {
        return Err(invalid_schedule(expression));
    };
    let field = |text: &str, low: u32, high: u32| {
        cron_field(text, low, high).ok_or_else(|| invalid_schedule(expression))
    };
    // Exactly one of day-of-month and day-of-week is `?`.
    let (days, weekdays) = match (*days, *weekdays) {
        ("?", "?") => return Err(invalid_schedule(expression)),
        ("?", weekdays) => (
            None,
            Some(weekday_field(weekdays).ok_or_else(|| invalid_schedule(expression))?),
        ),
        (days, "?") => (Some(field(days, 1, 31)?), None),
        _ => return Err(invalid_schedule(expression)),
    };
    let years = match *years {
        "*" => None,
        text => {
            let allowed =
                cron_field(text, 1970, 2199).ok_or_else(|| invalid_schedule(expression))?;
            let first = allowed.iter().position(|&on| on).unwrap_or(0) as i32 + 1970;
            let last = allowed.iter().rposition(|&on| on).unwrap_or(0) as i32 + 1970;
            Some((first, last))
        }
    };
    Ok(Schedule::Cron(Box::new(Cron {
        minutes: field(minutes, 0, 59)?,
        hours: field(hours, 0, 23)?,
        days,
        months: month_field(months).ok_or_else(|| invalid_schedule(expression))?,
        weekdays,
        years,
    })))
}

/// One cron field of numbers in `low..=high`: `*`, `n`, `a-b`, `a/s`, `*/s`, `a-b/s`, and
/// comma-separated lists of them. `L`, `W` and `#` are refused.
fn cron_field(text: &str, low: u32, high: u32) -> Option<Vec<bool>> {
    let mut allowed = vec![false; (high - low + 1) as usize];
    for part in text.split(',') {
        let (range, step) = match part.split_once('/') {
            Some((range, step)) => (range, step.parse::<u32>().ok().filter(|s| *s > 0)?),
            None => (part, 1),
        };
        let (start, end) = match range {
            "*" => (low, high),
            _ => match range.split_once('-') {
                Some((a, b)) => (a.parse().ok()?, b.parse().ok()?),
                None => {
                    let value: u32 = range.parse().ok()?;
                    (value, if part.contains('/') { high } else { value })
                }
            },
        };
        if start < low || end > high || start > end {
            return None;
        }
        let mut value = start;
        while value <= end {
            allowed[(value - low) as usize] = true;
            let Some(next) = value.checked_add(step) else {
                break;
            };
            value = next;
        }
    }
    Some(allowed)
}

fn month_field(text: &str) -> Option<Vec<bool>> {
    let names = [
        "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
    ];
    cron_field(&named(text, &names, 1), 1, 12)
}

/// Day of week: 1 (SUN) to 7 (SAT), as EventBridge numbers them.
fn weekday_field(text: &str) -> Option<Vec<bool>> {
    let names = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];
    cron_field(&named(text, &names, 1), 1, 7)
}

/// Replaces names (`JAN`, `MON`) by their numbers, counting from `first`.
fn named(text: &str, names: &[&str], first: usize) -> String {
    let mut out = text.to_ascii_uppercase();
    for (index, name) in names.iter().enumerate() {
        out = out.replace(name, &(index + first).to_string());
    }
    out
}

impl Cron {
    fn matches(&self, at: time::OffsetDateTime) -> bool {
        let weekday = at.weekday().number_days_from_sunday() as usize;
        self.minutes[at.minute() as usize]
            && self.hours[at.hour() as usize]
            && self.months[u8::from(at.month()) as usize - 1]
            && self
                .days
                .as_ref()
                .is_none_or(|days| days[at.day() as usize - 1])
            && self.weekdays.as_ref().is_none_or(|days| days[weekday])
            && self
                .years
                .is_none_or(|(first, last)| (first..=last).contains(&at.year()))
    }
}

impl Schedule {
    /// The first trigger strictly after `after` (milliseconds), the schedule having started at
    /// `start`.
    pub fn next_after(&self, start: i64, after: i64) -> Option<i64> {
        match self {
            Schedule::Rate(period) => {
                if after < start {
                    return Some(start);
                }
                let elapsed = after - start;
                Some(start + (elapsed / period + 1) * period)
            }
            Schedule::Cron(cron) => {
                let from = after.max(start - 1);
                let first = from.div_euclid(MINUTE_MS) + 1;
                for minute in first..first + CRON_HORIZON_MINUTES {
                    let at = time::OffsetDateTime::from_unix_timestamp(minute * 60).ok()?;
                    if cron.matches(at) {
                        return Some(minute * MINUTE_MS);
                    }
                }
                None
            }
        }
    }

    /// The window a run looks back over when no offset is given: one period (an hour for cron).
    fn default_offset_seconds(&self) -> i64 {
        match self {
            Schedule::Rate(period) => period / 1000,
            Schedule::Cron(_) => 3600,
        }
    }
}

/// A stored scheduled query, its history and its tags.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScheduledQueryRecord {
    pub query: GetScheduledQueryResponse,
    #[serde(default)]
    pub history: Vec<TriggerHistoryRecord>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

impl HasTags for ScheduledQueryRecord {
    fn tags_mut(&mut self) -> &mut BTreeMap<String, String> {
        &mut self.tags
    }
}

fn scheduled_query_not_found() -> LogsError {
    LogsError::ResourceNotFound("The specified scheduled query does not exist.".into())
}

fn check_timezone(timezone: Option<&str>) -> Result<(), LogsError> {
    match timezone {
        None | Some("UTC" | "Etc/UTC" | "GMT" | "Etc/GMT" | "Z") => Ok(()),
        Some(other) => Err(LogsError::Validation(format!(
            "Sockerless evaluates schedules in UTC only, not {other}"
        ))),
    }
}

/// The parts of a create or update that define the query.
struct Definition {
    description: Option<String>,
    language: String,
    query_string: String,
    groups: Option<Vec<String>>,
    expression: String,
    timezone: Option<String>,
    offset: Option<i64>,
    destination: Option<DestinationConfiguration>,
    start: Option<i64>,
    end: Option<i64>,
    role: String,
    state: Option<String>,
}

impl Logs {
    fn scheduled_query_key(&self, scope: &Scope, identifier: &str) -> String {
        let name = match scope.tagged(identifier) {
            Ok(super::tags::Tagged::ScheduledQuery(name)) => name,
            _ => identifier.to_string(),
        };
        scope.group_key(&name)
    }

    fn check_definition(&self, scope: &Scope, definition: &Definition) -> Result<(), LogsError> {
        parse_schedule(&definition.expression)?;
        check_timezone(definition.timezone.as_deref())?;
        if definition.language == "CWLI" {
            parse_query(&definition.query_string).map_err(|error| {
                LogsError::Validation(format!("Invalid query string: {}", error.message))
            })?;
        }
        for identifier in definition.groups.iter().flatten() {
            let group = scope.group_named(None, Some(identifier.clone()))?;
            self.group(scope, &group)?;
        }
        if let (Some(start), Some(end)) = (definition.start, definition.end)
            && end <= start
        {
            return Err(LogsError::Validation(
                "scheduleEndTime must be after scheduleStartTime.".into(),
            ));
        }
        Ok(())
    }

    pub(crate) async fn create_scheduled_query(
        &self,
        ctx: &Ctx,
        input: CreateScheduledQueryRequest,
    ) -> Result<CreateScheduledQueryResponse, LogsError> {
        let scope = Scope::of(ctx);
        let definition = Definition {
            description: input.description,
            language: input.query_language,
            query_string: input.query_string,
            groups: input.log_group_identifiers,
            expression: input.schedule_expression,
            timezone: input.timezone,
            offset: input.start_time_offset,
            destination: input.destination_configuration,
            start: input.schedule_start_time,
            end: input.schedule_end_time,
            role: input.execution_role_arn,
            state: input.state,
        };
        self.check_definition(&scope, &definition)?;
        let now = self.now();
        let arn = ctx.arn("logs", &format!("scheduled-query:{}", input.name));
        let state = definition.state.clone().unwrap_or_else(|| "ENABLED".into());
        let record = ScheduledQueryRecord {
            query: GetScheduledQueryResponse {
                scheduled_query_arn: Some(arn.clone()),
                name: Some(input.name.clone()),
                creation_time: Some(now),
                last_updated_time: Some(now),
                ..apply(GetScheduledQueryResponse::default(), definition)
            },
            history: Vec::new(),
            tags: input.tags.unwrap_or_default(),
        };
        self.scheduled_queries
            .modify(&scope.group_key(&input.name), |slot| {
                if slot.is_some() {
                    return Err(LogsError::Conflict(
                        "A scheduled query with this name already exists.".into(),
                    ));
                }
                *slot = Some(record);
                Ok(())
            })?;
        Ok(CreateScheduledQueryResponse {
            scheduled_query_arn: Some(arn),
            state: Some(state),
        })
    }

    /// Runs the triggers of a scheduled query that are due, and answers it as it is then.
    fn catch_up(&self, scope: &Scope, key: &str) -> Result<ScheduledQueryRecord, LogsError> {
        let now = self.now();
        let record = self
            .scheduled_queries
            .get(key)
            .ok_or_else(scheduled_query_not_found)?;
        let query = &record.query;
        if query.state.as_deref() != Some("ENABLED") {
            return Ok(record);
        }
        let Ok(schedule) = parse_schedule(query.schedule_expression.as_deref().unwrap_or(""))
        else {
            return Ok(record);
        };
        let start = query
            .schedule_start_time
            .or(query.creation_time)
            .unwrap_or(now);
        let end = query.schedule_end_time.unwrap_or(i64::MAX).min(now);
        let mut after = query.last_triggered_time.unwrap_or(start - 1);
        let mut runs = Vec::new();
        while runs.len() < MAX_TRIGGERS_PER_READ {
            let Some(trigger) = schedule.next_after(start, after) else {
                break;
            };
            if trigger > end {
                break;
            }
            runs.push(self.trigger(scope, &record, &schedule, trigger));
            after = trigger;
        }
        if runs.is_empty() {
            return Ok(record);
        }
        self.scheduled_queries.modify(key, |slot| {
            let stored = slot.as_mut().ok_or_else(scheduled_query_not_found)?;
            if let Some(last) = runs.last() {
                stored.query.last_triggered_time = last.triggered_timestamp;
                stored.query.last_execution_status = last.execution_status.clone();
            }
            stored.history.extend(runs);
            Ok::<_, LogsError>(stored.clone())
        })
    }

    /// One run of a scheduled query at `trigger`.
    fn trigger(
        &self,
        scope: &Scope,
        record: &ScheduledQueryRecord,
        schedule: &Schedule,
        trigger: i64,
    ) -> TriggerHistoryRecord {
        let query = &record.query;
        let failed = |status: &str, message: String| TriggerHistoryRecord {
            query_id: None,
            execution_status: Some(status.into()),
            triggered_timestamp: Some(trigger),
            error_message: Some(message),
            destinations: None,
        };
        let language = query.query_language.clone().unwrap_or_default();
        if language != "CWLI" {
            return failed(
                "InvalidQuery",
                format!("Sockerless runs Logs Insights (CWLI) queries only, not {language}"),
            );
        }
        let text = query.query_string.clone().unwrap_or_default();
        let parsed = match parse_query(&text) {
            Ok(parsed) => parsed,
            Err(error) => return failed("InvalidQuery", error.message),
        };
        let groups: Vec<String> = query
            .log_group_identifiers
            .iter()
            .flatten()
            .filter_map(|identifier| scope.group_named(None, Some(identifier.clone())).ok())
            .filter(|group| self.groups.contains(&scope.group_key(group)))
            .collect();
        let offset = query
            .start_time_offset
            .unwrap_or_else(|| schedule.default_offset_seconds());
        let ran = self.run_query(
            scope,
            &parsed,
            &text,
            &groups,
            (trigger.saturating_sub(offset.saturating_mul(1000)), trigger),
            10_000,
        );
        let query_id = ran.info.query_id.clone().unwrap_or_default();
        if let Err(error) = self.queries.insert(&scope.group_key(&query_id), ran) {
            return failed("Failed", error.to_string());
        }
        let destinations = query
            .destination_configuration
            .as_ref()
            .map(|configuration| {
                let bucket = &configuration.s3_configuration.destination_identifier;
                vec![ScheduledQueryDestination {
                    destination_type: Some("S3".into()),
                    destination_identifier: Some(bucket.clone()),
                    status: Some("CLIENT_ERROR".into()),
                    processed_identifier: None,
                    error_message: Some(format!(
                        "The S3 destination {bucket} does not exist (Sockerless has no S3)."
                    )),
                }]
            });
        TriggerHistoryRecord {
            query_id: Some(query_id),
            execution_status: Some("Complete".into()),
            triggered_timestamp: Some(trigger),
            error_message: None,
            destinations,
        }
    }

    pub(crate) async fn get_scheduled_query(
        &self,
        ctx: &Ctx,
        input: GetScheduledQueryRequest,
    ) -> Result<GetScheduledQueryResponse, LogsError> {
        let scope = Scope::of(ctx);
        let key = self.scheduled_query_key(&scope, &input.identifier);
        Ok(self.catch_up(&scope, &key)?.query)
    }

    pub(crate) async fn update_scheduled_query(
        &self,
        ctx: &Ctx,
        input: UpdateScheduledQueryRequest,
    ) -> Result<UpdateScheduledQueryResponse, LogsError> {
        let scope = Scope::of(ctx);
        let key = self.scheduled_query_key(&scope, &input.identifier);
        let definition = Definition {
            description: input.description,
            language: input.query_language,
            query_string: input.query_string,
            groups: input.log_group_identifiers,
            expression: input.schedule_expression,
            timezone: input.timezone,
            offset: input.start_time_offset,
            destination: input.destination_configuration,
            start: input.schedule_start_time,
            end: input.schedule_end_time,
            role: input.execution_role_arn,
            state: input.state,
        };
        self.check_definition(&scope, &definition)?;
        let now = self.now();
        let updated = self.scheduled_queries.modify(&key, |slot| {
            let stored = slot.as_mut().ok_or_else(scheduled_query_not_found)?;
            let state = definition
                .state
                .clone()
                .or_else(|| stored.query.state.clone());
            stored.query = GetScheduledQueryResponse {
                scheduled_query_arn: stored.query.scheduled_query_arn.clone(),
                name: stored.query.name.clone(),
                creation_time: stored.query.creation_time,
                last_triggered_time: stored.query.last_triggered_time,
                last_execution_status: stored.query.last_execution_status.clone(),
                last_updated_time: Some(now),
                ..apply(GetScheduledQueryResponse::default(), definition)
            };
            stored.query.state = state;
            Ok::<_, LogsError>(stored.query.clone())
        })?;
        Ok(UpdateScheduledQueryResponse {
            scheduled_query_arn: updated.scheduled_query_arn,
            name: updated.name,
            description: updated.description,
            query_language: updated.query_language,
            query_string: updated.query_string,
            log_group_identifiers: updated.log_group_identifiers,
            schedule_expression: updated.schedule_expression,
            timezone: updated.timezone,
            start_time_offset: updated.start_time_offset,
            destination_configuration: updated.destination_configuration,
            state: updated.state,
            last_triggered_time: updated.last_triggered_time,
            last_execution_status: updated.last_execution_status,
            schedule_start_time: updated.schedule_start_time,
            schedule_end_time: updated.schedule_end_time,
            execution_role_arn: updated.execution_role_arn,
            creation_time: updated.creation_time,
            last_updated_time: updated.last_updated_time,
        })
    }

    pub(crate) async fn delete_scheduled_query(
        &self,
        ctx: &Ctx,
        input: DeleteScheduledQueryRequest,
    ) -> Result<DeleteScheduledQueryResponse, LogsError> {
        let scope = Scope::of(ctx);
        let key = self.scheduled_query_key(&scope, &input.identifier);
        self.scheduled_queries
            .remove(&key)?
            .ok_or_else(scheduled_query_not_found)?;
        Ok(DeleteScheduledQueryResponse {})
    }

    pub(crate) async fn list_scheduled_queries(
        &self,
        ctx: &Ctx,
        input: ListScheduledQueriesRequest,
    ) -> Result<ListScheduledQueriesResponse, LogsError> {
        let scope = Scope::of(ctx);
        let mut entries = Vec::new();
        for (key, _) in self.scheduled_queries.scan_prefix(&scope.group_key("")) {
            let query = self.catch_up(&scope, &key)?.query;
            if input
                .state
                .as_ref()
                .is_some_and(|state| query.state.as_ref() != Some(state))
            {
                continue;
            }
            entries.push((
                key,
                ScheduledQuerySummary {
                    scheduled_query_arn: query.scheduled_query_arn,
                    name: query.name,
                    state: query.state,
                    last_triggered_time: query.last_triggered_time,
                    last_execution_status: query.last_execution_status,
                    schedule_expression: query.schedule_expression,
                    timezone: query.timezone,
                    destination_configuration: query.destination_configuration,
                    creation_time: query.creation_time,
                    last_updated_time: query.last_updated_time,
                },
            ));
        }
        let page = token::page(
            "scheduled-queries",
            entries,
            input.next_token.as_deref(),
            input.max_results.map_or(1000, |max| max as usize),
        )?;
        Ok(ListScheduledQueriesResponse {
            next_token: page.next,
            scheduled_queries: Some(page.items),
        })
    }

    pub(crate) async fn get_scheduled_query_history(
        &self,
        ctx: &Ctx,
        input: GetScheduledQueryHistoryRequest,
    ) -> Result<GetScheduledQueryHistoryResponse, LogsError> {
        let scope = Scope::of(ctx);
        let key = self.scheduled_query_key(&scope, &input.identifier);
        let record = self.catch_up(&scope, &key)?;
        let entries = record
            .history
            .into_iter()
            .filter(|run| {
                let at = run.triggered_timestamp.unwrap_or(0);
                at >= input.start_time
                    && at <= input.end_time
                    && input.execution_statuses.as_ref().is_none_or(|statuses| {
                        run.execution_status
                            .as_ref()
                            .is_some_and(|status| statuses.contains(status))
                    })
            })
            .map(|run| (format!("{:020}", run.triggered_timestamp.unwrap_or(0)), run))
            .collect();
        let page = token::page(
            "scheduled-query-history",
            entries,
            input.next_token.as_deref(),
            input.max_results.map_or(1000, |max| max as usize),
        )?;
        Ok(GetScheduledQueryHistoryResponse {
            name: record.query.name,
            scheduled_query_arn: record.query.scheduled_query_arn,
            trigger_history: Some(page.items),
            next_token: page.next,
        })
    }
}

/// A query's definition written into its stored shape.
fn apply(
    mut query: GetScheduledQueryResponse,
    definition: Definition,
) -> GetScheduledQueryResponse {
    query.description = definition.description;
    query.query_language = Some(definition.language);
    query.query_string = Some(definition.query_string);
    query.log_group_identifiers = definition.groups;
    query.schedule_expression = Some(definition.expression);
    query.timezone = definition.timezone;
    query.start_time_offset = definition.offset;
    query.destination_configuration = definition.destination;
    query.schedule_start_time = definition.start;
    query.schedule_end_time = definition.end;
    query.execution_role_arn = Some(definition.role);
    query.state = Some(definition.state.unwrap_or_else(|| "ENABLED".into()));
    query
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: i64 = 60 * MINUTE_MS;
    /// 2024-01-01T00:00:00Z, a Monday.
    const NEW_YEAR: i64 = 1_704_067_200_000;

    #[test]
    fn rates_trigger_every_period_from_the_start() {
        let schedule = parse_schedule("rate(5 minutes)").unwrap();
        assert_eq!(schedule, Schedule::Rate(5 * MINUTE_MS));
        assert_eq!(schedule.next_after(1_000, 0), Some(1_000));
        assert_eq!(
            schedule.next_after(1_000, 1_000),
            Some(1_000 + 5 * MINUTE_MS)
        );
        assert_eq!(
            parse_schedule("rate(1 hour)").unwrap(),
            Schedule::Rate(HOUR)
        );
        for bad in [
            "rate(1 hours)",
            "rate(2 hour)",
            "rate(0 minutes)",
            "rate(5 weeks)",
            "rate(x)",
        ] {
            assert!(parse_schedule(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn cron_fields_select_minutes_hours_and_days() {
        let daily_noon = parse_schedule("cron(0 12 * * ? *)").unwrap();
        assert_eq!(
            daily_noon.next_after(NEW_YEAR, NEW_YEAR),
            Some(NEW_YEAR + 12 * HOUR)
        );
        assert_eq!(
            daily_noon.next_after(NEW_YEAR, NEW_YEAR + 12 * HOUR),
            Some(NEW_YEAR + 36 * HOUR)
        );
        let quarter_hours = parse_schedule("cron(0/15 * * * ? *)").unwrap();
        assert_eq!(
            quarter_hours.next_after(NEW_YEAR, NEW_YEAR + 1),
            Some(NEW_YEAR + 15 * MINUTE_MS)
        );
        // Weekdays: 2024-01-01 is a Monday, so Sunday (1) is the 7th.
        let sundays = parse_schedule("cron(30 8 ? * SUN *)").unwrap();
        assert_eq!(
            sundays.next_after(NEW_YEAR, NEW_YEAR),
            Some(NEW_YEAR + 6 * 24 * HOUR + 8 * HOUR + 30 * MINUTE_MS)
        );
        let february = parse_schedule("cron(0 0 1 FEB ? 2024)").unwrap();
        assert_eq!(
            february.next_after(NEW_YEAR, NEW_YEAR),
            Some(NEW_YEAR + 31 * 24 * HOUR)
        );
        // A step past the field's end takes the first value only, without overflowing.
        let once_an_hour = parse_schedule("cron(1/4294967295 * * * ? *)").unwrap();
        assert_eq!(
            once_an_hour.next_after(NEW_YEAR, NEW_YEAR),
            Some(NEW_YEAR + MINUTE_MS)
        );
        for bad in [
            "cron(0 12 * * * *)",
            "cron(0 12 ? * ? *)",
            "cron(0 12 * *)",
            "cron(61 * * * ? *)",
            "cron(0 12 L * ? *)",
            "cron(0 12 ? * 2#1 *)",
            "every day",
        ] {
            assert!(parse_schedule(bad).is_err(), "{bad}");
        }
    }
}
