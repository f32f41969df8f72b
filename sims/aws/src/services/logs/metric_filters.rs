//! Metric filters: PutMetricFilter, DescribeMetricFilters (by group, name prefix, metric name
//! and namespace, paged), DeleteMetricFilter, and TestMetricFilter, which runs a pattern over
//! sample messages with the filter pattern engine and reports the values it extracts.
//!
//! Filters are stored as the model's `MetricFilter` under `account/region/group\0name`. They do
//! not publish metrics: the simulator has no CloudWatch metrics service to publish them to.

use sim_aws_shapes::logs::{
    DeleteMetricFilterRequest, DescribeMetricFiltersRequest, DescribeMetricFiltersResponse,
    MetricFilter, MetricFilterMatchRecord, MetricTransformation, PutMetricFilterRequest,
    TestMetricFilterRequest, TestMetricFilterResponse,
};

use super::pattern::{FilterPattern, parse_filter_pattern, parse_selector};
use super::token;
use super::{Logs, LogsError, Scope, limit_exceeded, walk};
use crate::services::Ctx;

/// Metric filters a log group can hold.
const MAX_FILTERS_PER_GROUP: usize = 100;

/// Dimensions a metric transformation can name.
const MAX_DIMENSIONS: usize = 3;

/// Describe pages hold at most this many filters, and this many by default.
const MAX_DESCRIBE: usize = 50;

/// Parses a metric filter's pattern, answering AWS's error for one that does not parse.
pub(crate) fn metric_pattern(text: &str) -> Result<FilterPattern, LogsError> {
    parse_filter_pattern(text).map_err(|error| {
        tracing::debug!(%error, "unparseable metric filter pattern");
        LogsError::InvalidParameter("Invalid metric filter pattern".into())
    })
}

/// Whether a metric value or dimension names a value the pattern can yield: a `$.path` of a
/// JSON event, or a `$name` of a space-delimited one.
fn names_a_value(text: &str) -> bool {
    match text.strip_prefix('$') {
        Some(rest) if rest.starts_with('.') || rest.starts_with('[') => {
            parse_selector(text).is_some()
        }
        Some(name) => {
            !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
        }
        None => false,
    }
}

/// Checks a transformation as AWS does beyond the model: the value is a number or names a
/// value, dimensions name values, and dimensions and a default value exclude each other.
fn check_transformation(transformation: &MetricTransformation) -> Result<(), LogsError> {
    let value = transformation.metric_value.trim();
    if value.parse::<f64>().is_err() && !names_a_value(value) {
        return Err(LogsError::InvalidParameter(format!(
            "Invalid metric value: {}",
            transformation.metric_value
        )));
    }
    if let Some(dimensions) = &transformation.dimensions {
        if dimensions.len() > MAX_DIMENSIONS {
            return Err(LogsError::InvalidParameter(format!(
                "A metric filter can have at most {MAX_DIMENSIONS} dimensions."
            )));
        }
        if let Some((key, _)) = dimensions.iter().find(|(_, value)| !names_a_value(value)) {
            return Err(LogsError::InvalidParameter(format!(
                "Invalid dimension value for dimension {key}: dimension values must be fields extracted by the filter pattern."
            )));
        }
        if !dimensions.is_empty() && transformation.default_value.is_some() {
            return Err(LogsError::InvalidParameter(
                "A metric transformation cannot have both a default value and dimensions.".into(),
            ));
        }
    }
    Ok(())
}

impl Logs {
    pub(crate) async fn put_metric_filter(
        &self,
        ctx: &Ctx,
        input: PutMetricFilterRequest,
    ) -> Result<(), LogsError> {
        let scope = Scope::of(ctx);
        self.group(&scope, &input.log_group_name)?;
        metric_pattern(&input.filter_pattern)?;
        for transformation in &input.metric_transformations {
            check_transformation(transformation)?;
        }
        let key = scope.child_key(&input.log_group_name, &input.filter_name);
        let existing = self
            .metric_filters
            .scan_prefix(&scope.group_children(&input.log_group_name));
        if !existing.iter().any(|(found, _)| *found == key)
            && existing.len() >= MAX_FILTERS_PER_GROUP
        {
            return Err(limit_exceeded());
        }
        let filter = MetricFilter {
            filter_name: Some(input.filter_name),
            filter_pattern: Some(input.filter_pattern),
            metric_transformations: Some(input.metric_transformations),
            creation_time: Some(self.now()),
            log_group_name: Some(input.log_group_name),
            apply_on_transformed_logs: Some(input.apply_on_transformed_logs.unwrap_or(false)),
            field_selection_criteria: input.field_selection_criteria,
            emit_system_field_dimensions: input.emit_system_field_dimensions,
        };
        self.metric_filters.insert(&key, filter)?;
        Ok(())
    }

    pub(crate) async fn describe_metric_filters(
        &self,
        ctx: &Ctx,
        input: DescribeMetricFiltersRequest,
    ) -> Result<DescribeMetricFiltersResponse, LogsError> {
        let scope = Scope::of(ctx);
        if input.metric_name.is_some() != input.metric_namespace.is_some() {
            return Err(LogsError::InvalidParameter(
                "metricName and metricNamespace must be specified together.".into(),
            ));
        }
        // With a group, the name prefix narrows the walk; without one, every group's filters
        // are walked and the prefix tested on each.
        let prefix = match &input.log_group_name {
            Some(group) => {
                self.group(&scope, group)?;
                format!(
                    "{}{}",
                    scope.group_children(group),
                    input.filter_name_prefix.as_deref().unwrap_or("")
                )
            }
            None => scope.group_key(""),
        };
        let limit = input.limit.map_or(MAX_DESCRIBE, |limit| limit as usize);
        let resume = input
            .next_token
            .as_deref()
            .map(|next| token::parse_opaque("metric-filters", next))
            .transpose()?
            .map(|position| scope.group_key(&position));
        let wanted = |filter: &MetricFilter| {
            let named = input.filter_name_prefix.as_deref().is_none_or(|prefix| {
                filter
                    .filter_name
                    .as_deref()
                    .is_some_and(|name| name.starts_with(prefix))
            });
            let measured = match (&input.metric_name, &input.metric_namespace) {
                (Some(name), Some(namespace)) => filter
                    .metric_transformations
                    .iter()
                    .flatten()
                    .any(|t| t.metric_name == *name && t.metric_namespace == *namespace),
                _ => true,
            };
            named && measured
        };
        let mut page = Vec::new();
        let mut last_key = None;
        let mut more = false;
        walk(
            &self.metric_filters,
            &prefix,
            resume,
            false,
            |key, filter| {
                if !wanted(&filter) {
                    return true;
                }
                if page.len() == limit {
                    more = true;
                    return false;
                }
                last_key = Some(key);
                page.push(filter);
                true
            },
        );
        let next_token = match last_key {
            Some(key) if more => Some(token::opaque(
                "metric-filters",
                key.strip_prefix(&scope.group_key("")).unwrap_or(&key),
            )),
            _ => None,
        };
        Ok(DescribeMetricFiltersResponse {
            metric_filters: Some(page),
            next_token,
        })
    }

    pub(crate) async fn delete_metric_filter(
        &self,
        ctx: &Ctx,
        input: DeleteMetricFilterRequest,
    ) -> Result<(), LogsError> {
        let scope = Scope::of(ctx);
        self.group(&scope, &input.log_group_name)?;
        self.metric_filters
            .remove(&scope.child_key(&input.log_group_name, &input.filter_name))?
            .ok_or_else(|| {
                LogsError::ResourceNotFound("The specified metric filter does not exist.".into())
            })?;
        Ok(())
    }

    pub(crate) async fn test_metric_filter(
        &self,
        _ctx: &Ctx,
        input: TestMetricFilterRequest,
    ) -> Result<TestMetricFilterResponse, LogsError> {
        let pattern = metric_pattern(&input.filter_pattern)?;
        let matches = input
            .log_event_messages
            .into_iter()
            .enumerate()
            .filter_map(|(number, message)| {
                let extracted = pattern.extract(&message)?;
                Some(MetricFilterMatchRecord {
                    event_number: Some(number as i64),
                    event_message: Some(message),
                    extracted_values: Some(extracted),
                })
            })
            .collect();
        Ok(TestMetricFilterResponse {
            matches: Some(matches),
        })
    }

    /// How many metric filters a group holds (`metricFilterCount`).
    pub(crate) fn metric_filter_count(&self, scope: &Scope, group: &str) -> i32 {
        let mut count = 0;
        walk(
            &self.metric_filters,
            &scope.group_children(group),
            None,
            false,
            |_, _| {
                count += 1;
                true
            },
        );
        count
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn transformation(value: &str) -> MetricTransformation {
        MetricTransformation {
            metric_name: "m".into(),
            metric_namespace: "n".into(),
            metric_value: value.into(),
            ..MetricTransformation::default()
        }
    }

    #[test]
    fn metric_values_are_numbers_or_name_extracted_values() {
        for good in [
            "1",
            "2.5",
            "$.latency",
            "$.a[0].b",
            "$bytes",
            "$status_code",
        ] {
            assert!(
                check_transformation(&transformation(good)).is_ok(),
                "{good}"
            );
        }
        for bad in ["abc", "$", "$.", "$a b", ""] {
            assert!(check_transformation(&transformation(bad)).is_err(), "{bad}");
        }
        let mut both = transformation("1");
        both.default_value = Some(0.0);
        both.dimensions = Some([("k".to_string(), "$.k".to_string())].into());
        assert!(check_transformation(&both).is_err());
        both.default_value = None;
        assert!(check_transformation(&both).is_ok());
        both.dimensions = Some([("k".to_string(), "literal".to_string())].into());
        assert!(check_transformation(&both).is_err());
    }
}
