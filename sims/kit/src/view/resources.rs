//! The resource browser's data: every collection of the store, grouped by service (the part
//! of its name before the first dot: `ecs.tasks.v2` is ECS's), its records listed and
//! filtered, and one record with its links to the records it names and that name it.
//!
//! Links are found the same way for every server, from the cloud IDs records carry: a
//! record's identity is its `arn`/`Arn`/`id`/`selfLink` member, or the ARN member named after
//! its collection (`taskArn` in `ecs.tasks`, `taskDefinitionArn` in `ecs.task-definitions`);
//! any string anywhere in another record equal to that identity links the two. So a task links
//! to its task definition, cluster and role, and the definition lists the tasks that use it.
//! Records of other collections whose key ends with the same generated ID are linked too (a
//! task and its log streams, `.../app/TASKID`).
//! A workload belongs to the record whose key ends with one of the segments of the
//! workload's name (`ecs/TASKID/web` to the task `.../TASKID`).
//!
//! Everything here reads a dump of the store: it costs time only when a page asks.
//! Secrets in records are redacted as in `/_sockerless/state`.
//!
//! What this module must not do: write to the store.

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use crate::Kit;

/// A collection's name split into its service and the rest: at the first dot
/// (`ecs.tasks.v2`), or else at the first dash or underscore (`s3-objects`).
fn split_collection(collection: &str) -> (&str, &str) {
    collection
        .split_once('.')
        .or_else(|| collection.split_once(['-', '_']))
        .unwrap_or((collection, ""))
}

/// The service a collection belongs to.
pub fn service_of(collection: &str) -> &str {
    split_collection(collection).0
}

/// The noun a collection holds records of, singular, letters and digits only:
/// `ecs.task-definitions.v2` → `taskdefinition`.
fn noun_of(collection: &str) -> String {
    let rest = split_collection(collection).1;
    let noun: String = rest
        .split('.')
        .next()
        .filter(|noun| !noun.is_empty())
        .unwrap_or(collection)
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    if let Some(stem) = noun.strip_suffix("ies") {
        format!("{stem}y")
    } else if let Some(stem) = noun.strip_suffix("ses") {
        format!("{stem}s")
    } else {
        noun.strip_suffix('s').unwrap_or(&noun).to_string()
    }
}

/// Whether `value` looks like a cloud identifier worth linking by.
fn is_cloud_id(value: &str) -> bool {
    value.starts_with("arn:")
        || value.starts_with("/subscriptions/")
        || value.starts_with("projects/")
        || value.starts_with("https://")
}

/// The objects that describe a record: itself, and the objects it holds directly (simulators
/// keep the cloud's shape inside a record of their own: `{"account_id", "task": {...}}`).
fn layers(record: &Value) -> Vec<&Map<String, Value>> {
    let Value::Object(members) = record else {
        return Vec::new();
    };
    let mut found = vec![members];
    found.extend(members.values().filter_map(Value::as_object));
    found
}

/// The identities of a record of `collection`.
fn identities(collection: &str, record: &Value) -> Vec<String> {
    let noun = noun_of(collection);
    layers(record)
        .into_iter()
        .flat_map(|members| members.iter())
        .filter_map(|(name, value)| {
            let value = value.as_str()?;
            if !is_cloud_id(value) {
                return None;
            }
            let plain = name.to_ascii_lowercase();
            let named_after = plain
                .strip_suffix("arn")
                .is_some_and(|stem| !stem.is_empty() && stem == noun);
            let own = matches!(plain.as_str(), "arn" | "id" | "selflink");
            (own || named_after).then(|| value.to_string())
        })
        .collect()
}

/// A human name for a record: its `name`-like member (an object's `key`), else the tail of its
/// identity (`family:3` of a task definition's ARN), else the last part of its key.
fn display_name(collection: &str, key: &str, record: &Value) -> String {
    let noun = noun_of(collection);
    let own_name = format!("{noun}name");
    for wanted in ["name", own_name.as_str(), "key"] {
        for members in layers(record) {
            for (name, value) in members {
                if name.eq_ignore_ascii_case(wanted)
                    && let Some(text) = value.as_str()
                {
                    return text.to_string();
                }
            }
        }
    }
    if let Some(identity) = identities(collection, record).first() {
        return identity.rsplit('/').next().unwrap_or(identity).to_string();
    }
    key.rsplit(['/', ':', '\0'])
        .next()
        .unwrap_or(key)
        .to_string()
}

/// Every string member of `value`, with the name of the member holding it.
fn strings<'a>(value: &'a Value, holder: &'a str, out: &mut Vec<(&'a str, &'a str)>) {
    match value {
        Value::String(text) => out.push((holder, text)),
        Value::Array(items) => items.iter().for_each(|item| strings(item, holder, out)),
        Value::Object(members) => members
            .iter()
            .for_each(|(name, member)| strings(member, name, out)),
        _ => {}
    }
}

fn collections(dump: &Value) -> impl Iterator<Item = (&String, &Map<String, Value>)> {
    dump.as_object()
        .into_iter()
        .flatten()
        .filter_map(|(name, records)| records.as_object().map(|records| (name, records)))
}

/// `{"services": [{"name", "collections": [{"name", "count"}], "count"}]}`.
pub fn services(kit: &Kit) -> Value {
    let dump = kit.store().dump();
    let mut services: std::collections::BTreeMap<String, (Vec<Value>, usize)> =
        std::collections::BTreeMap::new();
    for (name, records) in collections(&dump) {
        let (list, total) = services.entry(service_of(name).to_string()).or_default();
        list.push(json!({"name": name, "count": records.len()}));
        *total += records.len();
    }
    let services: Vec<Value> = services
        .into_iter()
        .map(|(name, (collections, count))| {
            json!({"name": name, "collections": collections, "count": count})
        })
        .collect();
    json!({ "services": services })
}

/// The records of `collection` whose key or name contains `filter`, up to `limit`.
pub fn list(kit: &Kit, collection: &str, filter: Option<&str>, limit: usize) -> Option<Value> {
    let dump = kit.store().dump();
    let records = dump.get(collection)?.as_object()?;
    let filter = filter.map(str::to_lowercase).filter(|f| !f.is_empty());
    let mut matched = 0usize;
    let items: Vec<Value> = records
        .iter()
        .map(|(key, record)| (key, display_name(collection, key, record)))
        .filter(|(key, name)| {
            filter.as_ref().is_none_or(|filter| {
                key.to_lowercase().contains(filter) || name.to_lowercase().contains(filter)
            })
        })
        .inspect(|_| matched += 1)
        .take(limit)
        .map(|(key, name)| json!({"key": key, "name": name}))
        .collect();
    Some(json!({
        "collection": collection,
        "service": service_of(collection),
        "total": records.len(),
        "matched": matched,
        "items": items,
    }))
}

/// One record, redacted, with its links and workloads.
pub fn inspect(kit: &Kit, collection: &str, key: &str) -> Option<Value> {
    let dump = kit.store().dump();
    let record = dump.get(collection)?.get(key)?.clone();
    let mut identity_index: HashMap<String, (String, String)> = HashMap::new();
    for (name, records) in collections(&dump) {
        for (record_key, other) in records {
            for identity in identities(name, other) {
                identity_index.insert(identity, (name.clone(), record_key.clone()));
            }
        }
    }
    let mut named = Vec::new();
    strings(&record, "", &mut named);
    let mut links: Vec<Value> = Vec::new();
    for (holder, text) in named {
        if let Some((other_collection, other_key)) = identity_index.get(text)
            && !(other_collection == collection && other_key == key)
        {
            let link = json!({
                "rel": holder,
                "collection": other_collection,
                "key": other_key,
                "id": text,
            });
            if !links.contains(&link) {
                links.push(link);
            }
        }
    }
    let own = identities(collection, &record);
    let mut referenced_by: Vec<Value> = Vec::new();
    if !own.is_empty() {
        for (name, records) in collections(&dump) {
            for (record_key, other) in records {
                if name == collection && record_key == key {
                    continue;
                }
                let mut held = Vec::new();
                strings(other, "", &mut held);
                if let Some((holder, _)) = held
                    .iter()
                    .find(|(_, text)| own.iter().any(|id| id == text))
                {
                    referenced_by.push(json!({
                        "rel": holder,
                        "collection": name,
                        "key": record_key,
                        "name": display_name(name, record_key, other),
                    }));
                }
            }
        }
    }
    let last_segment = key.rsplit(['/', ':']).next().unwrap_or(key);
    // Records of other collections named by the same generated ID (a task's log streams end
    // with its task ID): long enough IDs only, so that names like `default` do not match.
    if last_segment.len() >= 16 {
        for (name, records) in collections(&dump) {
            if name == collection {
                continue;
            }
            for (record_key, other) in records {
                if record_key.rsplit(['/', ':']).next() == Some(last_segment) {
                    let link = json!({
                        "rel": "same ID",
                        "collection": name,
                        "key": record_key,
                        "name": display_name(name, record_key, other),
                    });
                    if !links.contains(&link) {
                        links.push(link);
                    }
                }
            }
        }
    }
    let workloads: Vec<Value> = kit
        .workloads()
        .list()
        .iter()
        .filter(|tracked| {
            last_segment.len() >= 8 && tracked.name.split('/').any(|part| part == last_segment)
        })
        .map(|tracked| tracked.to_json())
        .collect();
    let mut shown = record;
    crate::admin::redact(&mut shown);
    Some(json!({
        "collection": collection,
        "service": service_of(collection),
        "key": key,
        "name": display_name(collection, key, &shown),
        "record": shown,
        "links": links,
        "referencedBy": referenced_by,
        "workloads": workloads,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nouns_are_singular() {
        for (collection, noun) in [
            ("ecs.task-definitions.v2", "taskdefinition"),
            ("ecs.tasks.v2", "task"),
            ("ecs.clusters.v2", "cluster"),
            ("iam.policies", "policy"),
            ("ec2.addresses", "address"),
            ("s3-objects", "object"),
            ("s3", "s3"),
        ] {
            assert_eq!(noun_of(collection), noun, "{collection}");
        }
    }

    #[test]
    fn identities_are_the_own_arn_only() {
        let task = json!({
            "taskArn": "arn:aws:ecs:r:1:task/c/abc",
            "clusterArn": "arn:aws:ecs:r:1:cluster/c",
            "taskDefinitionArn": "arn:aws:ecs:r:1:task-definition/f:1",
        });
        assert_eq!(
            identities("ecs.tasks.v2", &task),
            ["arn:aws:ecs:r:1:task/c/abc"]
        );
        let role = json!({"Arn": "arn:aws:iam::1:role/r", "RoleName": "r"});
        assert_eq!(identities("iam.roles", &role), ["arn:aws:iam::1:role/r"]);
        let wrapped = json!({"account_id": "1", "definition": {
            "taskDefinitionArn": "arn:aws:ecs:r:1:task-definition/f:3", "family": "f"}});
        assert_eq!(
            identities("ecs.task-definitions.v2", &wrapped),
            ["arn:aws:ecs:r:1:task-definition/f:3"]
        );
        assert_eq!(
            display_name("ecs.task-definitions.v2", "1/r/f:0000000003", &wrapped),
            "f:3"
        );
    }
}
