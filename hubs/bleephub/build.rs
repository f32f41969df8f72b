//! Generates the route table from the vendored REST description (`api/rest.json`, refreshed by
//! `scripts/refresh-github-rest`): one `Op` variant per operation, with its method, path
//! template, operationId and documentation URL. The dispatcher matches on `Op` exhaustively, so
//! an operation listed in the description without a handler does not compile.

use std::fmt::Write;

fn variant(operation_id: &str) -> String {
    operation_id
        .split(['/', '-'])
        .map(|word| {
            let mut chars = word.chars();
            match chars.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

fn main() {
    println!("cargo:rerun-if-changed=api/rest.json");
    let text = std::fs::read_to_string("api/rest.json").expect("api/rest.json is vendored");
    let spec: serde_json::Value = serde_json::from_str(&text).expect("api/rest.json is JSON");
    let operations = spec["operations"].as_array().expect("operations");
    let mut out = String::new();
    out.push_str("/// Every REST operation bleephub serves, from GitHub's description.\n");
    out.push_str("#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]\npub enum Op {\n");
    for op in operations {
        let id = op["operationId"].as_str().expect("operationId");
        writeln!(out, "    /// `{id}`\n    {},", variant(id)).unwrap();
    }
    out.push_str("}\n\n/// (operation, method, path template, operationId, documentation URL)\n");
    out.push_str("pub const OPERATIONS: &[(Op, &str, &str, &str, &str)] = &[\n");
    for op in operations {
        let id = op["operationId"].as_str().expect("operationId");
        writeln!(
            out,
            "    (Op::{}, {:?}, {:?}, {:?}, {:?}),",
            variant(id),
            op["method"].as_str().expect("method"),
            op["path"].as_str().expect("path"),
            id,
            op["documentation_url"]
                .as_str()
                .unwrap_or("https://docs.github.com/rest"),
        )
        .unwrap();
    }
    out.push_str("];\n");
    let dir = std::env::var("OUT_DIR").expect("OUT_DIR");
    std::fs::write(format!("{dir}/operations.rs"), out).expect("writing operations.rs");
}
