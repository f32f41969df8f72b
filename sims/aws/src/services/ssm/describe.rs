//! DescribeParameters, and the parameter filters it shares with GetParametersByPath: which
//! keys and options each accepts (AWS's errors otherwise), and matching (pure).

use sim_aws_shapes::normal::Timestamp;
use sim_aws_shapes::ssm::{
    DescribeParametersRequest, DescribeParametersResult, ParameterMetadata, ParameterStringFilter,
    ParametersFilter,
};

use super::names;
use super::parameters::inline_policies;
use super::{ParameterRecord, Ssm, SsmError};
use crate::services::Ctx;

/// Checks filters; `by_path` (GetParametersByPath) refuses `Name` and `Path`.
pub(super) fn check_filters(
    filters: &[ParameterStringFilter],
    by_path: bool,
) -> Result<(), SsmError> {
    for filter in filters {
        let key = filter.key.as_str();
        if by_path && matches!(key, "Name" | "Path") {
            return Err(SsmError::validation(format!(
                "The following filter key is not valid: {key}. Valid filter keys include: [Type, KeyId]."
            )));
        }
        let option = filter.option.as_deref().unwrap_or("Equals");
        let allowed: &[&str] = match key {
            "Name" => &["BeginsWith", "Equals", "Contains"],
            "Path" => &["Recursive", "OneLevel"],
            "KeyId" => &["Equals", "BeginsWith"],
            _ => &["Equals", "BeginsWith"],
        };
        if filter.option.is_some() && !allowed.contains(&option) {
            return Err(SsmError::new(
                "InvalidFilterOption",
                format!(
                    "The filter option \"{option}\" is not valid. Valid options are Equals and BeginsWith. For Path filter, valid options are Recursive and OneLevel."
                ),
            ));
        }
        if !key.starts_with("tag:")
            && filter
                .values
                .as_ref()
                .is_none_or(|values| values.is_empty())
        {
            return Err(SsmError::new(
                "InvalidFilterValue",
                format!("The following filter values are missing : null for filter key {key}."),
            ));
        }
    }
    Ok(())
}

fn compare(option: &str, candidate: &str, value: &str) -> bool {
    match option {
        "BeginsWith" => candidate.starts_with(value),
        "Contains" => candidate.contains(value),
        _ => candidate == value,
    }
}

/// Whether a parameter's latest version passes one filter.
pub(super) fn matches_filter(record: &ParameterRecord, filter: &ParameterStringFilter) -> bool {
    let latest = record.latest();
    let option = filter.option.as_deref().unwrap_or("Equals");
    let values = filter.values.as_deref().unwrap_or_default();
    let any = |candidate: &str| values.iter().any(|v| compare(option, candidate, v));
    match filter.key.as_str() {
        "Name" => {
            let bare = |n: &str| n.trim_start_matches('/').to_string();
            values.iter().any(|v| {
                compare(option, &record.name, v) || compare(option, &bare(&record.name), &bare(v))
            })
        }
        "Path" => values
            .iter()
            .any(|path| names::under_path(&record.name, path, option == "Recursive")),
        "Type" => any(&latest.parameter_type),
        "KeyId" => latest.key_id.as_deref().is_some_and(any),
        "Tier" => any(&latest.tier),
        "DataType" => any(&latest.data_type),
        "Label" => record
            .versions
            .iter()
            .any(|v| v.labels.iter().any(|label| any(label))),
        key => {
            let tag_key = key.strip_prefix("tag:").unwrap_or(key);
            record
                .tags
                .iter()
                .any(|tag| tag.key == tag_key && (values.is_empty() || values.contains(&tag.value)))
        }
    }
}

/// The older `Filters` form: Name (prefix), Type, KeyId (equality).
fn matches_old_filter(record: &ParameterRecord, filter: &ParametersFilter) -> bool {
    let latest = record.latest();
    filter.values.iter().any(|value| match filter.key.as_str() {
        "Name" => record.name.starts_with(value.as_str()),
        "Type" => latest.parameter_type == *value,
        "KeyId" => latest.key_id.as_deref() == Some(value.as_str()),
        _ => false,
    })
}

impl Ssm {
    pub(super) async fn describe_parameters(
        &self,
        ctx: &Ctx,
        input: DescribeParametersRequest,
    ) -> Result<DescribeParametersResult, SsmError> {
        if input.filters.is_some() && input.parameter_filters.is_some() {
            return Err(SsmError::validation(
                "You can use either Filters or ParameterFilters in a single request.",
            ));
        }
        let filters = input.parameter_filters.unwrap_or_default();
        check_filters(&filters, false)?;
        let old_filters = input.filters.unwrap_or_default();
        let entries = self
            .parameters
            .scan_prefix(&ctx.scope())
            .into_iter()
            .map(|(_, record)| record)
            .filter(|record| filters.iter().all(|f| matches_filter(record, f)))
            .filter(|record| old_filters.iter().all(|f| matches_old_filter(record, f)))
            .map(|record| {
                let latest = record.latest();
                let metadata = ParameterMetadata {
                    name: Some(record.name.clone()),
                    arn: Some(names::arn(&ctx.region, &ctx.account_id, &record.name)),
                    r#type: Some(latest.parameter_type.clone()),
                    key_id: latest.key_id.clone(),
                    last_modified_date: Some(Timestamp::from_millis(latest.modified)),
                    last_modified_user: Some(latest.user.clone()),
                    description: latest.description.clone(),
                    allowed_pattern: latest.allowed_pattern.clone(),
                    version: Some(latest.version),
                    tier: Some(latest.tier.clone()),
                    policies: Some(inline_policies(latest).unwrap_or_default()),
                    data_type: Some(latest.data_type.clone()),
                };
                (record.name.clone(), metadata)
            })
            .collect();
        let page = super::page(entries, input.next_token.as_deref(), input.max_results, 50)?;
        Ok(DescribeParametersResult {
            parameters: Some(page.items),
            next_token: page.next,
        })
    }
}
