//! Amazon CloudWatch Logs, every operation of the model: log groups and streams, events in and
//! out, filter patterns, metric and subscription filters, Logs Insights, policies, transformers,
//! deliveries and the newer APIs. Also the sink ECS's `awslogs` driver writes task output into
//! (see [`Logs::append`]).
//!
//! | module | holds |
//! |---|---|
//! | [`api`] | the generated `Api` trait's table: one delegating line per operation |
//! | [`groups`] | log groups: create, delete, describe, list, retention, deletion protection, KMS keys, bearer tokens, tags by name |
//! | [`streams`] | CreateLogStream, DeleteLogStream, DescribeLogStreams |
//! | [`events`] | PutLogEvents, GetLogEvents, FilterLogEvents, the shared write path; StartLiveTail and GetLogObject refusals |
//! | [`pattern`] | the filter pattern parser and matcher, and the values it extracts (pure; fuzzed) |
//! | [`metric_filters`] | metric filters and TestMetricFilter |
//! | [`subscriptions`] | subscription filters and destinations |
//! | [`insights`] | Logs Insights: the query language (parser fuzzed), queries, results, definitions, records, fields |
//! | [`policies`] | resource, data protection, account and index policies; field indexes |
//! | [`transform`] | transformer processors (pure) |
//! | [`transformers`] | PutTransformer and friends, TestTransformer |
//! | [`deliveries`] | delivery sources, destinations, policies, deliveries, configuration templates |
//! | [`anomalies`] | anomaly detectors and anomalies |
//! | [`lookup_tables`] | lookup tables |
//! | [`scheduled_queries`] | scheduled queries, their schedules and runs |
//! | [`integrations`] | OpenSearch and S3 table integrations |
//! | [`tasks`] | export and import tasks |
//! | [`tags`] | TagResource and friends over every taggable resource |
//! | [`token`] | pagination tokens (the shared pager's, tagged per listing), which encode positions and so survive restarts |
//!
//! State: collections keyed under `account/region/`. Groups by `group`; streams by
//! `group\0stream`; events one record each by `group\0stream\0<position>`, where the position
//! (32 digits: timestamp, then a per-stream sequence) sorts events by timestamp and then by
//! ingestion order. An append writes only its own events plus the stream's and group's small
//! metadata records, and reads page through key ranges. Metric and subscription filters live
//! under `group\0name`, a group's own policies and transformer under the group's key, so a
//! group's deletion takes them in the same transaction. Other resources are keyed by name or ID.
//!
//! Limits: retention is recorded but events are not expired (AWS takes up to 72 hours to do it
//! anyway); `storedBytes` counts message bytes, uncompressed; KMS keys are recorded, not used;
//! cross-account identifiers are not followed; metric filters publish no metric (there is no
//! CloudWatch metrics service); data protection policies do not mask events; transformers do
//! not rewrite events at ingestion. Export tasks write to the simulator's S3 (see [`tasks`]).
//! Where an operation needs a service the simulator lacks
//! (Kinesis, Firehose, CloudTrail, OpenSearch, S3 Tables), it answers AWS's own
//! error for that resource being missing; StartLiveTail answers `InvalidOperationException`, as
//! the protocol layer cannot stream responses.

mod anomalies;
mod api;
mod deliveries;
mod events;
mod groups;
pub mod insights;
mod integrations;
mod lookup_tables;
mod metric_filters;
pub mod pattern;
mod policies;
mod scheduled_queries;
mod streams;
mod subscriptions;
mod tags;
mod tasks;
pub mod token;
pub mod transform;
mod transformers;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, Weak};

use serde::{Deserialize, Serialize};
use sim_aws_shapes::normal::Unimplemented;
use simkit::Kit;
use simkit::store::{Collection, Record, StoreError};

use super::{Ctx, Service};
use crate::error::AwsError;
use crate::model::{self, Model};
use crate::protocol::shape::{Constraint, Validation, Violation};
use crate::services::lambda::Lambda;
use crate::services::s3::S3;

pub use pattern::{FilterPattern, FilterPatternError, parse_filter_pattern};

/// CloudWatch Logs' documented errors, one variant per error shape its operations answer.
#[derive(Debug, thiserror::Error)]
pub enum LogsError {
    #[error(transparent)]
    Unimplemented(#[from] Unimplemented),
    #[error("{0}")]
    ResourceNotFound(String),
    #[error("{0}")]
    ResourceAlreadyExists(String),
    #[error("{0}")]
    InvalidParameter(String),
    #[error("{0}")]
    InvalidOperation(String),
    #[error("{0}")]
    LimitExceeded(String),
    #[error("{0}")]
    OperationAborted(String),
    #[error("{0}")]
    AccessDenied(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    ServiceQuotaExceeded(String),
    #[error("{message}")]
    TooManyTags {
        message: String,
        resource_name: String,
    },
    #[error("{0}")]
    Validation(String),
    /// A Logs Insights query that does not compile, with where (character offsets).
    #[error("{message}")]
    MalformedQuery {
        message: String,
        start: usize,
        end: usize,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<LogsError> for AwsError {
    fn from(error: LogsError) -> Self {
        match error {
            LogsError::Unimplemented(unimplemented) => unimplemented.into(),
            LogsError::ResourceNotFound(message) => {
                AwsError::new("ResourceNotFoundException", message)
            }
            LogsError::ResourceAlreadyExists(message) => {
                AwsError::new("ResourceAlreadyExistsException", message)
            }
            LogsError::InvalidParameter(message) => {
                AwsError::new("InvalidParameterException", message)
            }
            LogsError::InvalidOperation(message) => {
                AwsError::new("InvalidOperationException", message)
            }
            LogsError::LimitExceeded(message) => AwsError::new("LimitExceededException", message),
            LogsError::OperationAborted(message) => {
                AwsError::new("OperationAbortedException", message)
            }
            LogsError::AccessDenied(message) => AwsError::new("AccessDeniedException", message),
            LogsError::Conflict(message) => AwsError::new("ConflictException", message),
            LogsError::ServiceQuotaExceeded(message) => {
                AwsError::new("ServiceQuotaExceededException", message)
            }
            LogsError::TooManyTags {
                message,
                resource_name,
            } => {
                AwsError::new("TooManyTagsException", message).field("resourceName", resource_name)
            }
            LogsError::Validation(message) => AwsError::new("ValidationException", message),
            LogsError::MalformedQuery {
                message,
                start,
                end,
            } => AwsError::new("MalformedQueryException", message.clone()).field(
                "queryCompileError",
                serde_json::json!({
                    "location": {"startCharOffset": start, "endCharOffset": end},
                    "message": message,
                }),
            ),
            LogsError::Store(error) => error.into(),
        }
    }
}

pub(crate) fn group_not_found() -> LogsError {
    LogsError::ResourceNotFound("The specified log group does not exist.".into())
}

pub(crate) fn stream_not_found() -> LogsError {
    LogsError::ResourceNotFound("The specified log stream does not exist.".into())
}

/// What exceeding one of AWS's per-resource quotas answers.
pub(crate) fn limit_exceeded() -> LogsError {
    LogsError::LimitExceeded("Resource limit exceeded.".into())
}

/// What deleting from a group with deletion protection answers.
pub(crate) fn protected() -> LogsError {
    LogsError::Validation(
        "Cannot delete log group with deletion protection enabled. Disable deletion protection first."
            .into(),
    )
}

/// A stored log group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupRecord {
    pub name: String,
    pub creation_time: i64,
    pub retention_in_days: Option<i32>,
    pub kms_key_id: Option<String>,
    pub log_group_class: String,
    pub deletion_protection_enabled: bool,
    pub tags: BTreeMap<String, String>,
    /// Message bytes of the group's events.
    pub stored_bytes: i64,
    /// Set by PutBearerTokenAuthentication; absent until then.
    #[serde(default)]
    pub bearer_token_authentication_enabled: Option<bool>,
}

/// A stored log stream.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StreamRecord {
    pub name: String,
    /// A random number that tells this stream's event IDs from other streams'.
    pub id: u64,
    pub creation_time: i64,
    pub first_event_timestamp: Option<i64>,
    pub last_event_timestamp: Option<i64>,
    pub last_ingestion_time: Option<i64>,
    pub stored_bytes: i64,
    /// The sequence the next stored event gets; orders events of equal timestamp.
    pub next_sequence: u64,
}

impl StreamRecord {
    /// The sequence token PutLogEvents answers and DescribeLogStreams shows. AWS ignores
    /// sequence tokens now, so it only has to look like one.
    pub fn upload_sequence_token(&self) -> String {
        format!("{:020}{:036}", self.id, self.next_sequence)
    }
}

/// A stored event; its timestamp and sequence are in its key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventRecord {
    pub ingestion_time: i64,
    pub message: String,
}

/// One account and region's slice of the state, and the keys and ARNs in it.
#[derive(Debug, Clone)]
pub(crate) struct Scope {
    pub account_id: String,
    pub region: String,
    prefix: String,
}

impl Scope {
    pub fn new(account_id: &str, region: &str) -> Self {
        Self {
            account_id: account_id.to_string(),
            region: region.to_string(),
            prefix: format!("{account_id}/{region}/"),
        }
    }

    pub fn of(ctx: &Ctx) -> Self {
        Self::new(&ctx.account_id, &ctx.region)
    }

    pub fn group_key(&self, group: &str) -> String {
        format!("{}{group}", self.prefix)
    }

    /// The key prefix of a group's streams, and of its events.
    pub fn group_children(&self, group: &str) -> String {
        format!("{}{group}\0", self.prefix)
    }

    pub fn stream_key(&self, group: &str, stream: &str) -> String {
        format!("{}{group}\0{stream}", self.prefix)
    }

    /// The key of a group's named child (a metric or subscription filter) in its collection.
    pub fn child_key(&self, group: &str, name: &str) -> String {
        self.stream_key(group, name)
    }

    /// The key prefix of a stream's events.
    pub fn events_prefix(&self, group: &str, stream: &str) -> String {
        format!("{}{group}\0{stream}\0", self.prefix)
    }

    /// `arn:aws:logs:REGION:ACCOUNT:log-group:NAME` (the `logGroupArn` form, without `:*`).
    pub fn group_arn(&self, group: &str) -> String {
        format!(
            "arn:aws:logs:{}:{}:log-group:{group}",
            self.region, self.account_id
        )
    }

    pub fn stream_arn(&self, group: &str, stream: &str) -> String {
        format!("{}:log-stream:{stream}", self.group_arn(group))
    }

    /// The group a log-group ARN names (with or without the trailing `:*`). A logs ARN of
    /// another account or region, or of another kind of resource, names nothing here.
    pub fn group_in_arn(&self, arn: &str) -> Result<String, LogsError> {
        let parts: Vec<&str> = arn.splitn(7, ':').collect();
        let [
            "arn",
            _partition,
            "logs",
            region,
            account_id,
            resource_type,
            resource,
        ] = parts.as_slice()
        else {
            return Err(LogsError::InvalidParameter(format!("Invalid ARN: {arn}")));
        };
        if *resource_type != "log-group" {
            return Err(LogsError::ResourceNotFound(
                "The specified resource does not exist.".into(),
            ));
        }
        let name = match resource.split_once(':') {
            None => *resource,
            Some((name, "*")) => name,
            Some(_) => {
                return Err(LogsError::ResourceNotFound(
                    "The specified resource does not exist.".into(),
                ));
            }
        };
        if *region != self.region || *account_id != self.account_id || name.is_empty() {
            return Err(group_not_found());
        }
        Ok(name.to_string())
    }

    /// The group a request names by `logGroupName` or `logGroupIdentifier` (a name or an ARN):
    /// exactly one of them, as AWS requires.
    pub fn group_named(
        &self,
        name: Option<String>,
        identifier: Option<String>,
    ) -> Result<String, LogsError> {
        match (name, identifier) {
            (Some(name), None) => Ok(name),
            (None, Some(identifier)) if identifier.starts_with("arn:") => {
                self.group_in_arn(&identifier)
            }
            (None, Some(identifier)) => Ok(identifier),
            (Some(_), Some(_)) => Err(LogsError::Validation(
                "LogGroup name and LogGroup ARN are mutually exclusive parameters.".into(),
            )),
            (None, None) => Err(LogsError::InvalidParameter(
                "Exactly one of logGroupName and logGroupIdentifier must be specified.".into(),
            )),
        }
    }
}

/// Checks a group name as the model's constraints would (for the internal API).
fn check_group_name(group: &str) -> Result<(), LogsError> {
    let valid = !group.is_empty()
        && group.len() <= 512
        && group
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b".-_/#".contains(&b));
    if valid {
        Ok(())
    } else {
        Err(LogsError::InvalidParameter(format!(
            "1 validation error detected: Value '{group}' at 'logGroupName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+"
        )))
    }
}

/// Checks a stream name: the model forbids `:` and `*`; a NUL would break the key layout.
fn check_stream_name(stream: &str) -> Result<(), LogsError> {
    let valid =
        !stream.is_empty() && stream.chars().count() <= 512 && !stream.contains([':', '*', '\0']);
    if valid {
        Ok(())
    } else {
        Err(LogsError::InvalidParameter(format!(
            "1 validation error detected: Value '{stream}' at 'logStreamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [^:*]*"
        )))
    }
}

/// How many records a walk reads from a collection at a time.
const WALK_CHUNK: usize = 256;

/// Visits the records whose keys start with `prefix`, in key order (reversed when `reverse`),
/// strictly after (before, when reversed) `resume` if given, until `visit` returns false. Reads
/// in chunks, so a walk that stops early copies little.
fn walk<V: Record>(
    collection: &Collection<V>,
    prefix: &str,
    resume: Option<String>,
    reverse: bool,
    mut visit: impl FnMut(String, V) -> bool,
) {
    let end = prefix_end(prefix);
    let mut lower = Bound::Included(prefix.to_string());
    let mut upper = end.clone().map_or(Bound::Unbounded, Bound::Excluded);
    // A resume key outside the prefix's range (a token from another listing) must not widen
    // the walk: it only narrows it from inside.
    if let Some(key) = resume {
        if !reverse && key.as_str() >= prefix {
            lower = Bound::Excluded(key);
        } else if reverse && end.is_none_or(|end| key < end) {
            upper = Bound::Excluded(key);
        }
    }
    loop {
        let chunk = range(
            collection,
            lower.clone(),
            upper.clone(),
            WALK_CHUNK,
            reverse,
        );
        let full = chunk.len() == WALK_CHUNK;
        let mut last = None;
        for (key, value) in chunk {
            // Keys with the prefix are contiguous: the first one without it ends the walk.
            if !key.starts_with(prefix) {
                return;
            }
            last = Some(key.clone());
            if !visit(key, value) {
                return;
            }
        }
        match last {
            Some(key) if full => {
                if reverse {
                    upper = Bound::Excluded(key);
                } else {
                    lower = Bound::Excluded(key);
                }
            }
            _ => return,
        }
    }
}

/// [`Collection::range`] that answers nothing for an empty or inverted range (which a forged
/// token can ask for) instead of panicking as `BTreeMap::range` does.
fn range<V: Record>(
    collection: &Collection<V>,
    lower: Bound<String>,
    upper: Bound<String>,
    limit: usize,
    reverse: bool,
) -> Vec<(String, V)> {
    let empty = match (&lower, &upper) {
        (Bound::Unbounded, _) | (_, Bound::Unbounded) => false,
        (Bound::Included(low), Bound::Included(high)) => low > high,
        (Bound::Included(low) | Bound::Excluded(low), Bound::Excluded(high))
        | (Bound::Excluded(low), Bound::Included(high)) => low >= high,
    };
    if empty || limit == 0 {
        return Vec::new();
    }
    collection.range((lower, upper), limit, reverse)
}

/// The smallest string greater than every string starting with `prefix`, if there is one.
fn prefix_end(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        let next = match last as u32 + 1 {
            0xD800 => Some('\u{E000}'),
            code => char::from_u32(code),
        };
        if let Some(next) = next {
            chars.push(next);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

/// The services Logs reaches from the inside. Lambda holds Logs (functions log into it), so
/// Logs holds Lambda weakly.
struct Peers {
    logs: Weak<Logs>,
    s3: Arc<S3>,
    lambda: Weak<Lambda>,
}

pub struct Logs {
    kit: Kit,
    groups: Arc<Collection<GroupRecord>>,
    streams: Arc<Collection<StreamRecord>>,
    events: Arc<Collection<EventRecord>>,
    metric_filters: Arc<Collection<sim_aws_shapes::logs::MetricFilter>>,
    subscription_filters: Arc<Collection<sim_aws_shapes::logs::SubscriptionFilter>>,
    destinations: Arc<Collection<subscriptions::DestinationRecord>>,
    queries: Arc<Collection<insights::QueryRecord>>,
    query_definitions: Arc<Collection<sim_aws_shapes::logs::QueryDefinition>>,
    delivery_sources: Arc<Collection<sim_aws_shapes::logs::DeliverySource>>,
    delivery_destinations: Arc<Collection<sim_aws_shapes::logs::DeliveryDestination>>,
    delivery_destination_policies: Arc<Collection<String>>,
    deliveries: Arc<Collection<sim_aws_shapes::logs::Delivery>>,
    anomaly_detectors: Arc<Collection<anomalies::DetectorRecord>>,
    lookup_tables: Arc<Collection<lookup_tables::LookupTableRecord>>,
    scheduled_queries: Arc<Collection<scheduled_queries::ScheduledQueryRecord>>,
    resource_policies: Arc<Collection<sim_aws_shapes::logs::ResourcePolicy>>,
    data_protection_policies:
        Arc<Collection<sim_aws_shapes::logs::GetDataProtectionPolicyResponse>>,
    account_policies: Arc<Collection<sim_aws_shapes::logs::AccountPolicy>>,
    index_policies: Arc<Collection<sim_aws_shapes::logs::IndexPolicy>>,
    transformers: Arc<Collection<sim_aws_shapes::logs::GetTransformerResponse>>,
    integrations: Arc<Collection<sim_aws_shapes::logs::GetIntegrationResponse>>,
    /// Export tasks by `account/region/taskId`.
    export_tasks: Arc<Collection<sim_aws_shapes::logs::ExportTask>>,
    /// The services Logs delivers to, and itself (for work that outlives a request); set once
    /// by [`Logs::connect`].
    peers: OnceLock<Peers>,
    /// Account settings (the KMS key of query results), by `account/region/\0name`.
    settings: Arc<Collection<String>>,
    /// Held while events are written or a stream's events deleted, so a deletion never races
    /// an append into leaving orphaned events, and sequences are stored in the order they were
    /// handed out (a reader following a stream never skips an event being written).
    writer: Mutex<()>,
}

impl Logs {
    pub fn new(kit: Kit) -> Result<Self, StoreError> {
        let store = kit.store();
        Ok(Self {
            groups: store.collection("logs.groups")?,
            streams: store.collection("logs.streams")?,
            events: store.collection("logs.events")?,
            metric_filters: store.collection("logs.metric_filters")?,
            subscription_filters: store.collection("logs.subscription_filters")?,
            export_tasks: store.collection("logs.export_tasks")?,
            peers: OnceLock::new(),
            destinations: store.collection("logs.destinations")?,
            queries: store.collection("logs.queries")?,
            query_definitions: store.collection("logs.query_definitions")?,
            delivery_sources: store.collection("logs.delivery_sources")?,
            delivery_destinations: store.collection("logs.delivery_destinations")?,
            delivery_destination_policies: store
                .collection("logs.delivery_destination_policies")?,
            deliveries: store.collection("logs.deliveries")?,
            anomaly_detectors: store.collection("logs.anomaly_detectors")?,
            lookup_tables: store.collection("logs.lookup_tables")?,
            scheduled_queries: store.collection("logs.scheduled_queries")?,
            resource_policies: store.collection("logs.resource_policies")?,
            data_protection_policies: store.collection("logs.data_protection_policies")?,
            account_policies: store.collection("logs.account_policies")?,
            index_policies: store.collection("logs.index_policies")?,
            transformers: store.collection("logs.transformers")?,
            integrations: store.collection("logs.integrations")?,
            settings: store.collection("logs.settings")?,
            writer: Mutex::new(()),
            kit,
        })
    }

    /// Connects Logs to the services it delivers to: S3 (export tasks) and Lambda
    /// (subscription filters). Export tasks a stopped simulator left active run again.
    pub fn connect(self: &Arc<Self>, s3: Arc<S3>, lambda: &Arc<Lambda>) {
        let peers = Peers {
            logs: Arc::downgrade(self),
            s3,
            lambda: Arc::downgrade(lambda),
        };
        if self.peers.set(peers).is_ok() {
            self.resume_exports();
        }
    }

    fn peers(&self) -> Option<&Peers> {
        self.peers.get()
    }

    fn write_lock(&self) -> MutexGuard<'_, ()> {
        self.writer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn now(&self) -> i64 {
        self.kit.clock().now_millis()
    }

    fn group(&self, scope: &Scope, group: &str) -> Result<GroupRecord, LogsError> {
        self.groups
            .get(&scope.group_key(group))
            .ok_or_else(group_not_found)
    }

    /// Whether the log group exists.
    pub fn group_exists(&self, account_id: &str, region: &str, group: &str) -> bool {
        self.groups
            .contains(&Scope::new(account_id, region).group_key(group))
    }

    /// Creates the group if it is missing (the `awslogs-create-group` option).
    pub fn ensure_group(
        &self,
        account_id: &str,
        region: &str,
        group: &str,
    ) -> Result<(), LogsError> {
        check_group_name(group)?;
        let scope = Scope::new(account_id, region);
        match self.create_group(&scope, groups::NewGroup::named(group)) {
            Ok(()) | Err(LogsError::ResourceAlreadyExists(_)) => Ok(()),
            Err(error) => Err(error),
        }
    }

    /// Creates the stream if it is missing; `ResourceNotFound` if the group is missing.
    pub fn ensure_stream(
        &self,
        account_id: &str,
        region: &str,
        group: &str,
        stream: &str,
    ) -> Result<(), LogsError> {
        check_stream_name(stream)?;
        let scope = Scope::new(account_id, region);
        match self.create_stream(&scope, group, stream) {
            Ok(()) | Err(LogsError::ResourceAlreadyExists(_)) => Ok(()),
            Err(error) => Err(error),
        }
    }

    /// Appends events `(timestamp in ms, message)` to a stream, as PutLogEvents stores them.
    /// Unlike PutLogEvents it takes events in any order (they are sorted) and of any age: the
    /// caller is the simulator itself, reporting what a workload printed.
    pub fn append(
        &self,
        account_id: &str,
        region: &str,
        group: &str,
        stream: &str,
        mut events: Vec<(i64, String)>,
    ) -> Result<(), LogsError> {
        events.sort_by_key(|(timestamp, _)| *timestamp);
        let scope = Scope::new(account_id, region);
        self.store_events(&scope, group, stream, events)?;
        Ok(())
    }
}

/// CloudWatch Logs words an over-long group or stream name itself, and leaves the value out
/// of a log group identifier that breaks its pattern and of a list that breaks its length (as
/// its recorded answers show).
fn logs_validation_message(violation: &Violation) -> Option<String> {
    let member = violation.member();
    let name = matches!(member, "logGroupName" | "logStreamName");
    if name && matches!(violation.constraint, Constraint::MaxLength(_)) {
        return Some(
            "Invalid LogGroup or LogStream, both must have length less than or equal to 512."
                .into(),
        );
    }
    let identifier_pattern = member.starts_with("logGroupIdentifier")
        && matches!(violation.constraint, Constraint::Pattern(_));
    let list_length = matches!(
        violation.constraint,
        Constraint::MinLength(_) | Constraint::MaxLength(_)
    ) && violation
        .value
        .as_deref()
        .is_some_and(|value| value.starts_with('[') && value.ends_with(']'));
    (identifier_pattern || list_length)
        .then(|| format!("1 validation error detected: {}", violation.render(false)))
}

#[async_trait::async_trait]
impl Service for Logs {
    fn model(&self) -> &'static Model {
        model::logs()
    }

    fn validation(&self) -> Validation {
        Validation {
            code: "InvalidParameterException",
            echo_values: true,
            special: logs_validation_message,
        }
    }

    /// The newer operations (deliveries, scheduled queries, integrations) declare no
    /// `InvalidParameterException`: their invalid input is a `ValidationException`.
    fn validation_for(&self, operation: &str) -> Validation {
        let declares_invalid_parameter = self.model().operation(operation).is_none_or(|op| {
            op.errors
                .iter()
                .any(|error| error.shape == "InvalidParameterException")
        });
        let code = if declares_invalid_parameter {
            "InvalidParameterException"
        } else {
            "ValidationException"
        };
        Validation {
            code,
            ..self.validation()
        }
    }

    async fn call(
        &self,
        ctx: &Ctx,
        operation: &str,
        input: serde_json::Value,
    ) -> Result<serde_json::Value, AwsError> {
        super::dispatched(
            "logs",
            operation,
            sim_aws_shapes::logs::dispatch(self, ctx, operation, input).await,
        )
    }
}
