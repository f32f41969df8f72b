//! The query and ec2 protocols: form-encoded input (`Action`, `Version` and flattened member
//! paths such as `Tags.member.1.Key`) and XML output.
//!
//! | | query (IAM, STS) | ec2 |
//! |---|---|---|
//! | input names | `locationName` or member name | `queryName`, else `locationName` capitalised, else member name |
//! | input lists | `Name.member.N` (`Name.N` when flattened) | always `Name.N` |
//! | input maps | `Name.entry.N.key` / `.value` | — |
//! | output | `<OpResponse><OpResult>…</OpResult><ResponseMetadata>` | `<OpResponse><requestId>…` |
//! | errors | `<ErrorResponse><Error><Type><Code><Message>` | `<Response><Errors><Error><Code><Message>` |

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::shape::{list_member, scalar_from_text};
use super::xml::XmlWriter;
use super::{WireResponse, resolve_error};
use crate::error::{AwsError, Fault};
use crate::model::{Member, Model, Operation, ShapeType};

/// Which of the two form dialects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Query,
    Ec2,
}

/// Borrowed from the request: decoding copies only what it keeps.
type Params<'a> = BTreeMap<&'a str, &'a str>;

/// Decodes form parameters (body and URL query together) into the operation's input.
pub fn decode(
    model: &Model,
    operation: &Operation,
    params: &[(String, String)],
    dialect: Dialect,
    validation_code: &str,
) -> Result<Value, AwsError> {
    let params: Params = params
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let invalid = |message: String| AwsError::with_status(validation_code, 400, message);
    match &operation.input {
        Some(input) => read_struct(model, &input.shape, "", &params, dialect, &invalid),
        None => Ok(Value::Object(Map::new())),
    }
}

fn join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_string()
    } else {
        format!("{prefix}.{name}")
    }
}

fn has_prefix(params: &Params, prefix: &str) -> bool {
    params
        .range(prefix..)
        .next()
        .is_some_and(|(key, _)| key.starts_with(prefix))
}

fn present(params: &Params, key: &str) -> bool {
    params.contains_key(key) || has_prefix(params, &format!("{key}."))
}

fn member_name(dialect: Dialect, name: &str, member: &Member) -> String {
    match dialect {
        Dialect::Query => member
            .location_name
            .clone()
            .unwrap_or_else(|| name.to_string()),
        Dialect::Ec2 => member
            .query_name
            .clone()
            .unwrap_or_else(|| match &member.location_name {
                Some(location) => {
                    let mut chars = location.chars();
                    chars
                        .next()
                        .map(|c| c.to_uppercase().chain(chars).collect())
                        .unwrap_or_default()
                }
                None => name.to_string(),
            }),
    }
}

fn read_struct(
    model: &Model,
    shape_name: &str,
    prefix: &str,
    params: &Params,
    dialect: Dialect,
    invalid: &dyn Fn(String) -> AwsError,
) -> Result<Value, AwsError> {
    let target = model.shape(shape_name).map_err(|_| AwsError::internal())?;
    let mut out = Map::new();
    for (name, member) in &target.members {
        let key = join(prefix, &member_name(dialect, name, member));
        if let Some(value) =
            read_member(model, &member.shape, member, &key, params, dialect, invalid)?
        {
            out.insert(name.clone(), value);
        }
    }
    Ok(Value::Object(out))
}

fn read_member(
    model: &Model,
    shape_name: &str,
    member: &Member,
    key: &str,
    params: &Params,
    dialect: Dialect,
    invalid: &dyn Fn(String) -> AwsError,
) -> Result<Option<Value>, AwsError> {
    let target = model.shape(shape_name).map_err(|_| AwsError::internal())?;
    match target.kind {
        ShapeType::Structure => {
            if !has_prefix(params, &format!("{key}.")) {
                return Ok(None);
            }
            read_struct(model, shape_name, key, params, dialect, invalid).map(Some)
        }
        ShapeType::List => {
            if !present(params, key) {
                return Ok(None);
            }
            let element = list_member(target)?;
            let flattened = dialect == Dialect::Ec2 || target.flattened || member.flattened;
            let base = if flattened {
                key.to_string()
            } else {
                join(key, element.location_name.as_deref().unwrap_or("member"))
            };
            let mut items = Vec::new();
            for index in 1.. {
                let item_key = format!("{base}.{index}");
                if !present(params, &item_key) {
                    break;
                }
                if let Some(item) = read_member(
                    model,
                    &element.shape,
                    element,
                    &item_key,
                    params,
                    dialect,
                    invalid,
                )? {
                    items.push(item);
                }
            }
            Ok(Some(Value::Array(items)))
        }
        ShapeType::Map => {
            if !present(params, key) {
                return Ok(None);
            }
            let (Some(key_member), Some(value_member)) = (&target.key, &target.value) else {
                return Err(AwsError::internal());
            };
            let flattened = target.flattened || member.flattened;
            let base = if flattened {
                key.to_string()
            } else {
                join(key, "entry")
            };
            let key_name = key_member.location_name.as_deref().unwrap_or("key");
            let value_name = value_member.location_name.as_deref().unwrap_or("value");
            let mut entries = Map::new();
            for index in 1.. {
                let entry = format!("{base}.{index}");
                if !has_prefix(params, &format!("{entry}.")) {
                    break;
                }
                let Some(entry_key) = params.get(join(&entry, key_name).as_str()) else {
                    continue;
                };
                let entry_value = read_member(
                    model,
                    &value_member.shape,
                    value_member,
                    &join(&entry, value_name),
                    params,
                    dialect,
                    invalid,
                )?;
                entries.insert(entry_key.to_string(), entry_value.unwrap_or(Value::Null));
            }
            Ok(Some(Value::Object(entries)))
        }
        _ => match params.get(key) {
            Some(text) => scalar_from_text(target, text, invalid).map(Some),
            None => Ok(None),
        },
    }
}

pub const CONTENT_TYPE: &str = "text/xml";

pub fn encode(
    model: &Model,
    operation: &Operation,
    output: &Value,
    request_id: &str,
    dialect: Dialect,
) -> WireResponse {
    let mut writer = XmlWriter::new();
    let root = format!("{}Response", operation.name);
    let namespace = model.metadata.xml_namespace.clone().unwrap_or_default();
    writer.open(&root, &[("xmlns".to_string(), namespace)]);
    let empty = Map::new();
    let object = output.as_object().unwrap_or(&empty);
    match dialect {
        Dialect::Query => {
            if let Some(output_ref) = &operation.output {
                let wrapper = output_ref
                    .result_wrapper
                    .clone()
                    .unwrap_or_else(|| format!("{}Result", operation.name));
                writer.open(&wrapper, &[]);
                writer.members(model, &output_ref.shape, object);
                writer.close(&wrapper);
            }
            writer.open("ResponseMetadata", &[]);
            writer.element("RequestId", request_id);
            writer.close("ResponseMetadata");
        }
        Dialect::Ec2 => {
            writer.element("requestId", request_id);
            if let Some(output_ref) = &operation.output {
                writer.members(model, &output_ref.shape, object);
            }
        }
    }
    writer.close(&root);
    WireResponse::new(200, CONTENT_TYPE.into(), writer.finish().into_bytes())
}

pub fn error(model: &Model, error: &AwsError, request_id: &str, dialect: Dialect) -> WireResponse {
    let (code, status, fault) = resolve_error(model, error);
    let mut writer = XmlWriter::new();
    match dialect {
        Dialect::Query => {
            let namespace = model.metadata.xml_namespace.clone().unwrap_or_default();
            writer.open("ErrorResponse", &[("xmlns".to_string(), namespace)]);
            writer.open("Error", &[]);
            writer.element(
                "Type",
                if fault == Fault::Sender {
                    "Sender"
                } else {
                    "Receiver"
                },
            );
            writer.element("Code", &code);
            writer.element("Message", &error.message);
            for (key, value) in &error.fields {
                writer.element(
                    key,
                    &value
                        .as_str()
                        .map_or_else(|| value.to_string(), str::to_string),
                );
            }
            writer.close("Error");
            writer.element("RequestId", request_id);
            writer.close("ErrorResponse");
        }
        Dialect::Ec2 => {
            writer.open("Response", &[]);
            writer.open("Errors", &[]);
            writer.open("Error", &[]);
            writer.element("Code", &code);
            writer.element("Message", &error.message);
            writer.close("Error");
            writer.close("Errors");
            writer.element("RequestID", request_id);
            writer.close("Response");
        }
    }
    WireResponse::new(status, CONTENT_TYPE.into(), writer.finish().into_bytes())
}
