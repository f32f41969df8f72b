//! XML for the query, ec2 and rest-xml protocols: a writer that lays a normal-form value out
//! along its shape (names from `locationName`, wrapped or flattened lists and maps, attributes,
//! namespaces), and a reader that builds a small element tree and reads a value back along a
//! shape. The reader expands no entities beyond XML's five and caps nesting depth, so hostile
//! input costs little.

use base64::Engine;
use quick_xml::events::Event;
use serde_json::{Map, Value};

use super::shape::{list_member, scalar_from_text};
use super::timestamp;
use crate::error::AwsError;
use crate::model::{Member, Model, ShapeType, TimestampFormat};

/// Elements nested deeper than this are refused.
const MAX_DEPTH: usize = 64;

/// Escapes text for element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    escape_into(&mut out, text);
    out
}

/// Appends `text` to `out`, escaped; the common case (nothing to escape) is one copy.
pub fn escape_into(out: &mut String, text: &str) {
    if !text.contains(['&', '<', '>', '"', '\'', '\r']) {
        out.push_str(text);
        return;
    }
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Kept as references so a parser does not normalise them away.
            '\r' => out.push_str("&#xD;"),
            c => out.push(c),
        }
    }
}

/// Builds an XML document.
#[derive(Debug, Default)]
pub struct XmlWriter {
    out: String,
}

impl XmlWriter {
    pub fn new() -> Self {
        Self {
            out: String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"),
        }
    }

    /// A writer for a fragment, without the XML declaration.
    pub fn fragment() -> Self {
        Self::default()
    }

    pub fn open(&mut self, name: &str, attributes: &[(String, String)]) {
        self.out.push('<');
        self.out.push_str(name);
        for (key, value) in attributes {
            self.out.push(' ');
            self.out.push_str(key);
            self.out.push_str("=\"");
            escape_into(&mut self.out, value);
            self.out.push('"');
        }
        self.out.push('>');
    }

    pub fn close(&mut self, name: &str) {
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push('>');
    }

    pub fn element(&mut self, name: &str, text: &str) {
        self.open(name, &[]);
        escape_into(&mut self.out, text);
        self.close(name);
    }

    /// Escaped text inside the element last opened.
    pub fn text(&mut self, text: &str) {
        escape_into(&mut self.out, text);
    }

    pub fn finish(self) -> String {
        self.out
    }

    /// Writes `value` (shape `shape_name`) as the element(s) `name`. `member` is the reference
    /// that led here, whose traits (flattened, namespace, timestamp format) apply.
    pub fn value(
        &mut self,
        model: &Model,
        shape_name: &str,
        member: Option<&Member>,
        name: &str,
        value: &Value,
    ) {
        let Ok(target) = model.shape(shape_name) else {
            return;
        };
        let mut attributes = Vec::new();
        if let Some(namespace) = member
            .and_then(|m| m.xml_namespace.as_ref())
            .or(target.xml_namespace.as_ref())
        {
            let key = namespace
                .prefix()
                .map_or("xmlns".to_string(), |p| format!("xmlns:{p}"));
            attributes.push((key, namespace.uri().to_string()));
        }
        match (target.kind, value) {
            (ShapeType::Structure, Value::Object(object)) => {
                for (member_name, inner_member) in &target.members {
                    if inner_member.xml_attribute
                        && let Some(inner) = object.get(member_name)
                    {
                        let key = inner_member
                            .location_name
                            .clone()
                            .unwrap_or_else(|| member_name.clone());
                        attributes.push((
                            key,
                            scalar_text(model, &inner_member.shape, Some(inner_member), inner),
                        ));
                    }
                }
                self.open(name, &attributes);
                self.members(model, shape_name, object);
                self.close(name);
            }
            (ShapeType::List, Value::Array(items)) => {
                let Ok(element) = list_member(target) else {
                    return;
                };
                let flattened = target.flattened || member.is_some_and(|m| m.flattened);
                if flattened {
                    for item in items {
                        self.value(model, &element.shape, Some(element), name, item);
                    }
                } else {
                    let item_name = element.location_name.as_deref().unwrap_or("member");
                    self.open(name, &attributes);
                    for item in items {
                        self.value(model, &element.shape, Some(element), item_name, item);
                    }
                    self.close(name);
                }
            }
            (ShapeType::Map, Value::Object(entries)) => {
                let (Some(key), Some(value_member)) = (&target.key, &target.value) else {
                    return;
                };
                let key_name = key.location_name.as_deref().unwrap_or("key");
                let value_name = value_member.location_name.as_deref().unwrap_or("value");
                let flattened = target.flattened || member.is_some_and(|m| m.flattened);
                if !flattened {
                    self.open(name, &attributes);
                }
                for (entry_key, entry_value) in entries {
                    let entry_name = if flattened { name } else { "entry" };
                    self.open(entry_name, &[]);
                    self.element(key_name, entry_key);
                    self.value(
                        model,
                        &value_member.shape,
                        Some(value_member),
                        value_name,
                        entry_value,
                    );
                    self.close(entry_name);
                }
                if !flattened {
                    self.close(name);
                }
            }
            _ => {
                self.open(name, &attributes);
                escape_into(
                    &mut self.out,
                    &scalar_text(model, shape_name, member, value),
                );
                self.close(name);
            }
        }
    }

    /// Writes the members of a structure (not the structure's own element).
    pub fn members(&mut self, model: &Model, shape_name: &str, object: &Map<String, Value>) {
        let Ok(target) = model.shape(shape_name) else {
            return;
        };
        for (member_name, member) in &target.members {
            if member.xml_attribute || member.location.is_some() {
                continue;
            }
            if let Some(inner) = object.get(member_name).filter(|v| !v.is_null()) {
                let element_name = member.location_name.as_deref().unwrap_or(member_name);
                self.value(model, &member.shape, Some(member), element_name, inner);
            }
        }
    }
}

/// The text of a scalar in XML (and in query strings and headers, with another default format).
pub fn scalar_text(
    model: &Model,
    shape_name: &str,
    member: Option<&Member>,
    value: &Value,
) -> String {
    scalar_text_as(model, shape_name, member, value, TimestampFormat::Iso8601)
}

pub fn scalar_text_as(
    model: &Model,
    shape_name: &str,
    member: Option<&Member>,
    value: &Value,
    default_format: TimestampFormat,
) -> String {
    let is_timestamp = model
        .shape(shape_name)
        .is_ok_and(|s| s.kind == ShapeType::Timestamp);
    match value {
        Value::Number(number) if is_timestamp => {
            let format = member
                .and_then(|m| m.timestamp_format)
                .or_else(|| {
                    model
                        .shape(shape_name)
                        .ok()
                        .and_then(|s| s.timestamp_format)
                })
                .unwrap_or(default_format);
            timestamp::text(number.as_f64().unwrap_or(0.0), format)
        }
        Value::String(text) => text.clone(),
        Value::Bool(flag) => flag.to_string(),
        Value::Number(number) => number.to_string(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// A parsed XML element: local name (namespace prefix dropped), attributes, children, and the
/// concatenated text directly inside it.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Element {
    pub name: String,
    pub attributes: Vec<(String, String)>,
    pub children: Vec<Element>,
    pub text: String,
}

impl Element {
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(k, _)| k == name || k.rsplit(':').next() == Some(name))
            .map(|(_, v)| v.as_str())
    }
}

fn local(name: &str) -> String {
    name.rsplit(':').next().unwrap_or(name).to_string()
}

/// Parses a document into its root element.
pub fn parse(bytes: &[u8]) -> Result<Element, String> {
    let text = std::str::from_utf8(bytes).map_err(|_| "the XML is not valid UTF-8".to_string())?;
    let mut reader = quick_xml::Reader::from_str(text);
    reader.config_mut().trim_text(false);
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    loop {
        match reader.read_event().map_err(|e| e.to_string())? {
            Event::Start(start) => {
                if root.is_some() {
                    return Err("content after the root element".into());
                }
                if stack.len() >= MAX_DEPTH {
                    return Err("the XML is nested too deeply".into());
                }
                stack.push(start_element(&start)?);
            }
            Event::Empty(start) => {
                let element = start_element(&start)?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(element),
                    None if root.is_none() => root = Some(element),
                    None => return Err("content after the root element".into()),
                }
            }
            Event::End(_) => {
                let element = stack.pop().ok_or("unbalanced end tag")?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(element),
                    None => root = Some(element),
                }
            }
            Event::Text(content) => {
                if let Some(current) = stack.last_mut() {
                    current.text.push_str(&content.xml10_content());
                } else if !content.xml10_content().trim().is_empty() {
                    return Err("text outside the root element".into());
                }
            }
            Event::CData(content) => {
                if let Some(current) = stack.last_mut() {
                    current.text.push_str(&content.xml10_content());
                }
            }
            Event::GeneralRef(reference) => {
                let current = stack
                    .last_mut()
                    .ok_or("a reference outside the root element")?;
                let name = reference.xml10_content().into_owned();
                let resolved = match name.as_str() {
                    "amp" => "&".to_string(),
                    "lt" => "<".to_string(),
                    "gt" => ">".to_string(),
                    "quot" => "\"".to_string(),
                    "apos" => "'".to_string(),
                    _ => match reference.resolve_char_ref().map_err(|e| e.to_string())? {
                        Some(c) => c.to_string(),
                        None => return Err(format!("unknown entity &{name};")),
                    },
                };
                current.text.push_str(&resolved);
            }
            Event::Eof => break,
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
            Event::DocType(_) => return Err("document type declarations are not accepted".into()),
        }
    }
    if !stack.is_empty() {
        return Err("the XML ends before its elements close".into());
    }
    root.ok_or_else(|| "the XML has no root element".into())
}

fn start_element(start: &quick_xml::events::BytesStart<'_>) -> Result<Element, String> {
    let mut element = Element {
        name: local(start.name().as_ref()),
        ..Element::default()
    };
    for attribute in start.attributes() {
        let attribute = attribute.map_err(|e| e.to_string())?;
        let value = attribute
            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .map_err(|e| e.to_string())?
            .into_owned();
        element
            .attributes
            .push((attribute.key.as_ref().to_string(), value));
    }
    Ok(element)
}

/// Reads `element` as a value of shape `shape_name` (its members, for a structure).
pub fn from_element(
    model: &Model,
    shape_name: &str,
    member: Option<&Member>,
    element: &Element,
    invalid: &dyn Fn(String) -> AwsError,
) -> Result<Value, AwsError> {
    let target = model.shape(shape_name).map_err(|_| AwsError::internal())?;
    match target.kind {
        ShapeType::Structure => {
            let mut out = Map::new();
            for (member_name, inner) in &target.members {
                if inner.location.is_some() {
                    continue;
                }
                let name = inner.location_name.as_deref().unwrap_or(member_name);
                if inner.xml_attribute {
                    if let Some(text) = element.attribute(name) {
                        let inner_shape = model
                            .shape(&inner.shape)
                            .map_err(|_| AwsError::internal())?;
                        out.insert(
                            member_name.clone(),
                            scalar_from_text(inner_shape, text, invalid)?,
                        );
                    }
                    continue;
                }
                let inner_shape = model
                    .shape(&inner.shape)
                    .map_err(|_| AwsError::internal())?;
                let flattened = inner.flattened || inner_shape.flattened;
                if flattened && matches!(inner_shape.kind, ShapeType::List | ShapeType::Map) {
                    let items: Vec<&Element> = element.children_named(name).collect();
                    if !items.is_empty() {
                        out.insert(
                            member_name.clone(),
                            flattened_collection(model, &inner.shape, &items, invalid)?,
                        );
                    }
                } else if let Some(child) = element.child(name) {
                    out.insert(
                        member_name.clone(),
                        from_element(model, &inner.shape, Some(inner), child, invalid)?,
                    );
                }
            }
            Ok(Value::Object(out))
        }
        ShapeType::List => {
            let items: Vec<&Element> = element.children.iter().collect();
            let element_member = list_member(target)?;
            items
                .into_iter()
                .map(|item| {
                    from_element(
                        model,
                        &element_member.shape,
                        Some(element_member),
                        item,
                        invalid,
                    )
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Array)
        }
        ShapeType::Map => {
            let entries: Vec<&Element> = element.children.iter().collect();
            map_entries(model, shape_name, &entries, invalid)
        }
        _ => {
            let _ = member;
            scalar_from_text(target, &element.text, invalid)
        }
    }
}

fn flattened_collection(
    model: &Model,
    shape_name: &str,
    items: &[&Element],
    invalid: &dyn Fn(String) -> AwsError,
) -> Result<Value, AwsError> {
    let target = model.shape(shape_name).map_err(|_| AwsError::internal())?;
    if target.kind == ShapeType::Map {
        return map_entries(model, shape_name, items, invalid);
    }
    let element_member = list_member(target)?;
    items
        .iter()
        .map(|item| {
            from_element(
                model,
                &element_member.shape,
                Some(element_member),
                item,
                invalid,
            )
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Value::Array)
}

fn map_entries(
    model: &Model,
    shape_name: &str,
    entries: &[&Element],
    invalid: &dyn Fn(String) -> AwsError,
) -> Result<Value, AwsError> {
    let target = model.shape(shape_name).map_err(|_| AwsError::internal())?;
    let (Some(key), Some(value_member)) = (&target.key, &target.value) else {
        return Err(AwsError::internal());
    };
    let key_name = key.location_name.as_deref().unwrap_or("key");
    let value_name = value_member.location_name.as_deref().unwrap_or("value");
    let mut out = Map::new();
    for entry in entries {
        let Some(key_element) = entry.child(key_name) else {
            continue;
        };
        let inner = match entry.child(value_name) {
            Some(value_element) => from_element(
                model,
                &value_member.shape,
                Some(value_member),
                value_element,
                invalid,
            )?,
            None => Value::Null,
        };
        out.insert(key_element.text.clone(), inner);
    }
    Ok(Value::Object(out))
}

/// Base64 for blobs in XML and query strings.
pub fn blob_text(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}
