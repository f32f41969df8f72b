//! Generates, from every vendored discovery document in `../discovery`, into `OUT_DIR`:
//! a module per API (`storage_v1`, `logging_v2`, ...) with one Rust type per schema, and one
//! route table (`METHODS`) of every method of every document.
//!
//! Types follow Google's JSON mapping: camelCase names, every field optional, 64-bit integers
//! as strings (read from strings or numbers), enums read from names or numbers and written as
//! names (or numbers, when the request asked for `enum-encoding=int`).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::fs;
use std::path::PathBuf;

use serde_json::{Map, Value};

/// Documents whose schemas become types; every document gives routes. compute.v1 has more than
/// a thousand schemas: its types would cost more build time than they earn until Compute is
/// implemented.
const TYPED: &[&str] = &[
    "storage.v1",
    "logging.v2",
    "run.v2",
    "run.v1",
    "cloudfunctions.v2",
    "artifactregistry.v1",
    "iam.v1",
    "secretmanager.v1",
    "serviceusage.v1",
];

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let documents_dir = manifest.join("../discovery");
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets it"));
    println!("cargo:rerun-if-changed={}", documents_dir.display());
    let mut names: Vec<String> = fs::read_dir(&documents_dir)
        .expect("sims/gcp/discovery exists")
        .filter_map(|entry| {
            let name = entry.ok()?.file_name().to_string_lossy().into_owned();
            name.strip_suffix(".json").map(str::to_string)
        })
        .collect();
    names.sort();
    let mut index = String::new();
    let mut routes = String::from("pub static METHODS: &[Method] = &[\n");
    for name in &names {
        let path = documents_dir.join(format!("{name}.json"));
        println!("cargo:rerun-if-changed={}", path.display());
        let text = fs::read_to_string(&path).expect("readable document");
        let document: Value = serde_json::from_str(&text).expect("valid JSON");
        let module = name.replace('.', "_");
        if TYPED.contains(&name.as_str()) {
            let code = Types::generate(&document);
            fs::write(out.join(format!("{module}.rs")), code).expect("OUT_DIR is writable");
            let _ = writeln!(
                index,
                "/// The schemas of the `{name}` discovery document.\n#[allow(clippy::all, clippy::pedantic, non_camel_case_types)]\npub mod {module} {{ #[allow(unused_imports)] use crate::{{int64, uint64}}; include!(concat!(env!(\"OUT_DIR\"), \"/{module}.rs\")); }}"
            );
        }
        let service_path = document["servicePath"].as_str().unwrap_or("");
        let api = document["name"].as_str().unwrap_or("");
        let version = document["version"].as_str().unwrap_or("");
        collect_methods(&document, api, version, service_path, &mut routes);
    }
    routes.push_str("];\n");
    index.push_str(&routes);
    fs::write(out.join("generated.rs"), index).expect("OUT_DIR is writable");
}

fn literal(text: &str) -> String {
    format!("{text:?}")
}

fn collect_methods(node: &Value, api: &str, version: &str, service_path: &str, out: &mut String) {
    if let Some(methods) = node.get("methods").and_then(Value::as_object) {
        for method in methods.values() {
            let mut parameters = String::new();
            if let Some(params) = method.get("parameters").and_then(Value::as_object) {
                for (name, param) in params {
                    let enums = param
                        .get("enum")
                        .and_then(Value::as_array)
                        .map(|values| {
                            values
                                .iter()
                                .filter_map(Value::as_str)
                                .map(literal)
                                .collect::<Vec<_>>()
                                .join(",")
                        })
                        .unwrap_or_default();
                    let _ = write!(
                        parameters,
                        "Param {{ name: {}, location: {}, required: {}, repeated: {}, kind: {}, format: {}, enum_values: &[{}], pattern: {} }},",
                        literal(name),
                        if param["location"] == "path" {
                            "Location::Path"
                        } else {
                            "Location::Query"
                        },
                        param["required"].as_bool().unwrap_or(false),
                        param["repeated"].as_bool().unwrap_or(false),
                        literal(param["type"].as_str().unwrap_or("string")),
                        option(param["format"].as_str()),
                        enums,
                        option(param["pattern"].as_str()),
                    );
                }
            }
            let uploads = method["mediaUpload"]["protocols"]
                .as_object()
                .map(|protocols| {
                    protocols
                        .values()
                        .filter_map(|p| p["path"].as_str())
                        .map(literal)
                        .collect::<Vec<_>>()
                        .join(",")
                })
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "    Method {{ api: {}, version: {}, id: {}, http_method: {}, service_path: {}, path: {}, flat_path: {}, parameters: &[{}], request: {}, response: {}, upload_paths: &[{}], media_download: {} }},",
                literal(api),
                literal(version),
                literal(method["id"].as_str().unwrap_or("")),
                literal(method["httpMethod"].as_str().unwrap_or("GET")),
                literal(service_path),
                literal(method["path"].as_str().unwrap_or("")),
                option(method["flatPath"].as_str()),
                parameters,
                option(method["request"]["$ref"].as_str()),
                option(method["response"]["$ref"].as_str()),
                uploads,
                method["supportsMediaDownload"].as_bool().unwrap_or(false),
            );
        }
    }
    if let Some(resources) = node.get("resources").and_then(Value::as_object) {
        for resource in resources.values() {
            collect_methods(resource, api, version, service_path, out);
        }
    }
}

fn option(text: Option<&str>) -> String {
    match text {
        Some(text) => format!("Some({})", literal(text)),
        None => "None".to_string(),
    }
}

/// One struct to generate: its Rust name and its discovery schema (a top-level schema or an
/// inline object of one).
struct Pending {
    name: String,
    schema: Value,
}

struct Types {
    code: String,
    /// Struct name -> the struct names its fields hold directly (not through Vec or maps),
    /// to find cycles that need a Box.
    edges: BTreeMap<String, BTreeSet<String>>,
    /// Every name taken in the module.
    taken: BTreeSet<String>,
    structs: Vec<Pending>,
}

const KEYWORDS: &[&str] = &[
    "as", "break", "const", "continue", "crate", "else", "enum", "extern", "false", "fn", "for",
    "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return",
    "self", "Self", "static", "struct", "super", "trait", "true", "type", "unsafe", "use", "where",
    "while", "async", "await", "dyn", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "typeof", "unsized", "virtual", "yield", "try", "gen",
];

/// `timeCreated` -> `time_created`; anything not an identifier character becomes `_`.
fn field_name(json: &str) -> String {
    let mut out = String::new();
    let mut previous_lower = false;
    for c in json.chars() {
        if c.is_ascii_uppercase() {
            if previous_lower {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
            previous_lower = false;
        } else if c.is_ascii_alphanumeric() {
            out.push(c);
            previous_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        } else {
            out.push('_');
            previous_lower = false;
        }
    }
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    if KEYWORDS.contains(&out.as_str()) {
        if matches!(out.as_str(), "self" | "Self" | "crate" | "super") {
            out.push('_');
        } else {
            out.insert_str(0, "r#");
        }
    }
    out
}

/// `STATE_UNSPECIFIED` -> `StateUnspecified`, `noAcl` -> `NoAcl`, `timeCreated` -> `TimeCreated`.
fn type_name(text: &str) -> String {
    let mut out = String::new();
    for piece in text.split(|c: char| !c.is_ascii_alphanumeric()) {
        if piece.is_empty() {
            continue;
        }
        let all_upper = !piece.chars().any(|c| c.is_ascii_lowercase());
        let mut chars = piece.chars();
        if let Some(first) = chars.next() {
            out.push(first.to_ascii_uppercase());
            for c in chars {
                out.push(if all_upper { c.to_ascii_lowercase() } else { c });
            }
        }
    }
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, 'V');
    }
    out
}

/// A schema's type name. Schemas named like the prelude's types (serviceusage.v1 has `Option`,
/// the protobuf option message) would shadow them in the generated code: they get a `_`.
fn schema_name(text: &str) -> String {
    let mut out = type_name(text);
    if PRELUDE.contains(&out.as_str()) {
        out.push('_');
    }
    out
}

/// Type names the generated code uses unqualified.
const PRELUDE: &[&str] = &[
    "Option",
    "Some",
    "None",
    "Result",
    "Ok",
    "Err",
    "Box",
    "Vec",
    "String",
    "Default",
    "Clone",
    "Copy",
    "Debug",
    "PartialEq",
    "Serialize",
    "Deserialize",
];

impl Types {
    fn generate(document: &Value) -> String {
        let empty = Map::new();
        let schemas = document["schemas"].as_object().unwrap_or(&empty);
        let mut types = Types {
            code: String::from("use serde::{Deserialize, Serialize};\n\n"),
            edges: BTreeMap::new(),
            taken: schemas.keys().map(|name| schema_name(name)).collect(),
            structs: Vec::new(),
        };
        // Type aliases for schemas that are not objects with properties; structs for the rest.
        for (name, schema) in schemas {
            let rust = schema_name(name);
            if schema.get("properties").is_some()
                || schema["type"] == "object" && schema.get("additionalProperties").is_none()
            {
                types.structs.push(Pending {
                    name: rust,
                    schema: schema.clone(),
                });
            } else {
                let alias = types.field_type(&rust, "value", schema, &mut Vec::new());
                let _ = writeln!(types.code, "pub type {rust} = {alias};");
            }
        }
        // Generating a struct may queue inline structs; their fields go through the same path.
        let mut generated = Vec::new();
        while let Some(pending) = types.structs.pop() {
            let fields = types.fields(&pending);
            generated.push((pending.name, fields));
        }
        let reach = types.reachability();
        for (name, fields) in generated {
            let _ = writeln!(
                types.code,
                "#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]\npub struct {name} {{"
            );
            for field in fields {
                let mut rust_type = field.rust_type.clone();
                if let Some(target) = &field.direct
                    && reach.get(target).is_some_and(|set| set.contains(&name))
                {
                    rust_type = format!("Box<{rust_type}>");
                }
                let with = match field.with {
                    Some(module) => format!(", with = \"{module}::option\""),
                    None => String::new(),
                };
                let _ = writeln!(
                    types.code,
                    "    #[serde(rename = {}, default, skip_serializing_if = \"Option::is_none\"{with})]\n    pub {}: Option<{rust_type}>,",
                    literal(&field.json),
                    field.rust,
                );
            }
            types.code.push_str("}\n\n");
        }
        types.code
    }

    /// Which struct names each struct reaches through direct fields.
    fn reachability(&self) -> BTreeMap<String, BTreeSet<String>> {
        let mut reach = BTreeMap::new();
        for start in self.edges.keys() {
            let mut seen = BTreeSet::new();
            let mut stack: Vec<&String> = self.edges[start].iter().collect();
            while let Some(next) = stack.pop() {
                if seen.insert(next.clone())
                    && let Some(more) = self.edges.get(next)
                {
                    stack.extend(more.iter());
                }
            }
            reach.insert(start.clone(), seen);
        }
        reach
    }

    fn fields(&mut self, pending: &Pending) -> Vec<Field> {
        let mut fields = Vec::new();
        let mut used = BTreeSet::new();
        let empty = Map::new();
        let properties = pending.schema["properties"].as_object().unwrap_or(&empty);
        self.edges.entry(pending.name.clone()).or_default();
        for (json, schema) in properties {
            let mut rust = field_name(json);
            while !used.insert(rust.clone()) {
                rust.push('_');
            }
            let mut direct = Vec::new();
            let rust_type = self.field_type(&pending.name, json, schema, &mut direct);
            let direct = direct.pop();
            if let Some(target) = &direct {
                self.edges
                    .entry(pending.name.clone())
                    .or_default()
                    .insert(target.clone());
            }
            let with = match (schema["type"].as_str(), schema["format"].as_str()) {
                (Some("string"), Some("int64")) => Some("int64"),
                (Some("string"), Some("uint64")) => Some("uint64"),
                _ => None,
            };
            fields.push(Field {
                json: json.clone(),
                rust,
                rust_type,
                direct,
                with,
            });
        }
        fields
    }

    /// A name for an inline type of `parent.field`, not yet taken.
    fn fresh_name(&mut self, parent: &str, field: &str) -> String {
        let mut name = format!("{parent}{}", type_name(field));
        while !self.taken.insert(name.clone()) {
            name.push('_');
        }
        name
    }

    /// The Rust type of a property. A type held directly (not through a collection) is pushed
    /// onto `direct`.
    fn field_type(
        &mut self,
        parent: &str,
        field: &str,
        schema: &Value,
        direct: &mut Vec<String>,
    ) -> String {
        if let Some(reference) = schema["$ref"].as_str() {
            let name = schema_name(reference);
            direct.push(name.clone());
            return name;
        }
        match schema["type"].as_str().unwrap_or("any") {
            "string" => {
                if let Some(values) = schema["enum"].as_array() {
                    let name = self.fresh_name(parent, field);
                    self.enumeration(&name, values);
                    return name;
                }
                match schema["format"].as_str() {
                    Some("int64") => "i64".to_string(),
                    Some("uint64") => "u64".to_string(),
                    _ => "String".to_string(),
                }
            }
            "integer" => match schema["format"].as_str() {
                Some("uint32") => "u32".to_string(),
                Some("int32") => "i32".to_string(),
                _ => "i64".to_string(),
            },
            "number" => "f64".to_string(),
            "boolean" => "bool".to_string(),
            "array" => {
                let items = &schema["items"];
                let inner = match (items["type"].as_str(), items["format"].as_str()) {
                    // 64-bit integers in collections stay strings, as they are on the wire.
                    (Some("string"), Some("int64" | "uint64")) => "String".to_string(),
                    _ => self.field_type(parent, field, items, &mut Vec::new()),
                };
                format!("Vec<{inner}>")
            }
            "object" => {
                if let Some(values) = schema.get("additionalProperties") {
                    let inner = match (values["type"].as_str(), values["format"].as_str()) {
                        (Some("string"), Some("int64" | "uint64")) => "String".to_string(),
                        _ => self.field_type(parent, field, values, &mut Vec::new()),
                    };
                    format!("std::collections::BTreeMap<String, {inner}>")
                } else if schema.get("properties").is_some() {
                    let name = self.fresh_name(parent, field);
                    direct.push(name.clone());
                    self.structs.push(Pending {
                        name: name.clone(),
                        schema: schema.clone(),
                    });
                    name
                } else {
                    "serde_json::Map<String, serde_json::Value>".to_string()
                }
            }
            _ => "serde_json::Value".to_string(),
        }
    }

    fn enumeration(&mut self, name: &str, values: &[Value]) {
        let names: Vec<&str> = values.iter().filter_map(Value::as_str).collect();
        let mut variants = Vec::new();
        let mut used = BTreeSet::new();
        for value in &names {
            let mut variant = type_name(value);
            while !used.insert(variant.clone()) {
                variant.push('_');
            }
            variants.push(variant);
        }
        let _ = writeln!(
            self.code,
            "#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]\npub enum {name} {{ {} }}",
            variants.join(", ")
        );
        let _ = writeln!(
            self.code,
            "impl {name} {{\n    pub const ALL: &'static [Self] = &[{}];\n    pub const NAMES: &'static [&'static str] = &[{}];\n    pub fn name(self) -> &'static str {{ Self::NAMES[self as usize] }}\n    pub fn from_name(name: &str) -> Option<Self> {{ Self::NAMES.iter().position(|n| *n == name).map(|i| Self::ALL[i]) }}\n}}",
            variants
                .iter()
                .map(|v| format!("Self::{v}"))
                .collect::<Vec<_>>()
                .join(", "),
            names
                .iter()
                .map(|n| literal(n))
                .collect::<Vec<_>>()
                .join(", "),
        );
        let _ = writeln!(
            self.code,
            "impl Default for {name} {{ fn default() -> Self {{ Self::ALL[0] }} }}\nimpl Serialize for {name} {{ fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {{ crate::enums::serialize(*self as usize, Self::NAMES, s) }} }}\nimpl<'de> Deserialize<'de> for {name} {{ fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {{ crate::enums::deserialize(d, Self::NAMES).map(|i| Self::ALL[i]) }} }}\n"
        );
    }
}

struct Field {
    json: String,
    rust: String,
    rust_type: String,
    direct: Option<String>,
    with: Option<&'static str>,
}
