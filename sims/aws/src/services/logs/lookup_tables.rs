//! Lookup tables: CSV tables Logs Insights queries can join on (`lookup`), created, read,
//! replaced, listed and deleted by ARN. A table's fields are its header row, its record count
//! the rows after it.
//!
//! Queries do not use them yet: the `lookup` command is refused by the query parser.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sim_aws_shapes::logs::{
    CreateLookupTableRequest, CreateLookupTableResponse, DeleteLookupTableRequest,
    DescribeLookupTablesRequest, DescribeLookupTablesResponse, GetLookupTableRequest,
    GetLookupTableResponse, LookupTable, UpdateLookupTableRequest, UpdateLookupTableResponse,
};

use super::tags::HasTags;
use super::token;
use super::{Logs, LogsError, Scope};
use crate::services::Ctx;

/// A stored table: its summary, its body and its tags.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LookupTableRecord {
    pub table: LookupTable,
    pub body: String,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

impl HasTags for LookupTableRecord {
    fn tags_mut(&mut self) -> &mut BTreeMap<String, String> {
        &mut self.tags
    }
}

fn table_not_found() -> LogsError {
    LogsError::ResourceNotFound("The specified lookup table does not exist.".into())
}

/// The header fields and the number of records of a CSV body.
fn shape_of(body: &str) -> Result<(Vec<String>, i64), LogsError> {
    let mut lines = body.lines().filter(|line| !line.trim().is_empty());
    let header = lines.next().ok_or_else(|| {
        LogsError::Validation("The table body must start with a header row.".into())
    })?;
    let fields: Vec<String> = header
        .split(',')
        .map(|field| field.trim().trim_matches('"').to_string())
        .collect();
    if fields.iter().any(String::is_empty) {
        return Err(LogsError::Validation(
            "Every column of the header row must have a name.".into(),
        ));
    }
    Ok((fields, lines.count() as i64))
}

impl Logs {
    /// The table an ARN of this account and region names.
    fn lookup_table_key(&self, scope: &Scope, arn: &str) -> Result<String, LogsError> {
        match scope.tagged(arn) {
            Ok(super::tags::Tagged::LookupTable(name)) => Ok(scope.group_key(&name)),
            _ => Err(table_not_found()),
        }
    }

    pub(crate) async fn create_lookup_table(
        &self,
        ctx: &Ctx,
        input: CreateLookupTableRequest,
    ) -> Result<CreateLookupTableResponse, LogsError> {
        let scope = Scope::of(ctx);
        let (fields, records) = shape_of(&input.table_body)?;
        let now = self.now();
        let arn = ctx.arn("logs", &format!("lookup-table:{}", input.lookup_table_name));
        let record = LookupTableRecord {
            table: LookupTable {
                lookup_table_arn: Some(arn.clone()),
                lookup_table_name: Some(input.lookup_table_name.clone()),
                description: input.description,
                table_fields: Some(fields),
                records_count: Some(records),
                size_bytes: Some(input.table_body.len() as i64),
                last_updated_time: Some(now),
                kms_key_id: input.kms_key_id,
            },
            body: input.table_body,
            tags: input.tags.unwrap_or_default(),
        };
        self.lookup_tables
            .modify(&scope.group_key(&input.lookup_table_name), |slot| {
                if slot.is_some() {
                    return Err(LogsError::ResourceAlreadyExists(
                        "The specified lookup table already exists".into(),
                    ));
                }
                *slot = Some(record);
                Ok(())
            })?;
        Ok(CreateLookupTableResponse {
            lookup_table_arn: Some(arn),
            created_at: Some(now),
        })
    }

    pub(crate) async fn get_lookup_table(
        &self,
        ctx: &Ctx,
        input: GetLookupTableRequest,
    ) -> Result<GetLookupTableResponse, LogsError> {
        let scope = Scope::of(ctx);
        let key = self.lookup_table_key(&scope, &input.lookup_table_arn)?;
        let record = self.lookup_tables.get(&key).ok_or_else(table_not_found)?;
        Ok(GetLookupTableResponse {
            lookup_table_arn: record.table.lookup_table_arn,
            lookup_table_name: record.table.lookup_table_name,
            description: record.table.description,
            table_body: Some(record.body),
            size_bytes: record.table.size_bytes,
            last_updated_time: record.table.last_updated_time,
            kms_key_id: record.table.kms_key_id,
        })
    }

    pub(crate) async fn update_lookup_table(
        &self,
        ctx: &Ctx,
        input: UpdateLookupTableRequest,
    ) -> Result<UpdateLookupTableResponse, LogsError> {
        let scope = Scope::of(ctx);
        let key = self.lookup_table_key(&scope, &input.lookup_table_arn)?;
        let (fields, records) = shape_of(&input.table_body)?;
        let now = self.now();
        self.lookup_tables.modify(&key, |slot| {
            let record = slot.as_mut().ok_or_else(table_not_found)?;
            record.table.table_fields = Some(fields);
            record.table.records_count = Some(records);
            record.table.size_bytes = Some(input.table_body.len() as i64);
            record.table.last_updated_time = Some(now);
            if input.description.is_some() {
                record.table.description = input.description.clone();
            }
            if input.kms_key_id.is_some() {
                record.table.kms_key_id = input.kms_key_id.clone();
            }
            record.body = input.table_body.clone();
            Ok::<_, LogsError>(())
        })?;
        Ok(UpdateLookupTableResponse {
            lookup_table_arn: Some(input.lookup_table_arn),
            last_updated_time: Some(now),
        })
    }

    pub(crate) async fn delete_lookup_table(
        &self,
        ctx: &Ctx,
        input: DeleteLookupTableRequest,
    ) -> Result<(), LogsError> {
        let scope = Scope::of(ctx);
        let key = self.lookup_table_key(&scope, &input.lookup_table_arn)?;
        self.lookup_tables
            .remove(&key)?
            .ok_or_else(table_not_found)?;
        Ok(())
    }

    pub(crate) async fn describe_lookup_tables(
        &self,
        ctx: &Ctx,
        input: DescribeLookupTablesRequest,
    ) -> Result<DescribeLookupTablesResponse, LogsError> {
        let scope = Scope::of(ctx);
        let prefix = scope.group_key(input.lookup_table_name_prefix.as_deref().unwrap_or(""));
        let entries = self
            .lookup_tables
            .scan_prefix(&prefix)
            .into_iter()
            .map(|(key, record)| (key, record.table))
            .collect();
        let size = match input.max_results {
            Some(max) if max > 0 => max as usize,
            _ => 100,
        };
        let page = token::page("lookup-tables", entries, input.next_token.as_deref(), size)?;
        Ok(DescribeLookupTablesResponse {
            lookup_tables: Some(page.items),
            next_token: page.next,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_is_a_header_and_records() {
        assert_eq!(
            shape_of("id,name\n1,a\n2,b\n").unwrap(),
            (vec!["id".to_string(), "name".to_string()], 2)
        );
        assert_eq!(shape_of("\"k\"\n").unwrap(), (vec!["k".to_string()], 0));
        assert!(shape_of("\n\n").is_err());
        assert!(shape_of("a,,b\n").is_err());
    }
}
