//! Shape walking: decoding, validation messages, patterns.

use super::*;
use crate::model::Model;

fn model() -> Model {
    Model::parse(
        r#"{
        "metadata": {"apiVersion": "2020-01-01", "endpointPrefix": "test", "protocol": "json", "jsonVersion": "1.1", "targetPrefix": "Test"},
        "operations": {},
        "shapes": {
            "Input": {"type": "structure", "required": ["name"], "members": {
                "name": {"shape": "Name"}, "count": {"shape": "Count"}, "kind": {"shape": "Kind"},
                "items": {"shape": "Items"}, "when": {"shape": "When"}, "data": {"shape": "Data"},
                "labels": {"shape": "Labels"}, "nested": {"shape": "Input"}, "flag": {"shape": "Flag"}}},
            "Name": {"type": "string", "min": 1, "max": 5, "pattern": "[\\w+=,.@-]+"},
            "Count": {"type": "integer", "min": 1, "max": 10},
            "Kind": {"type": "string", "enum": ["A", "B"]},
            "Items": {"type": "list", "member": {"shape": "Name"}, "max": 2},
            "When": {"type": "timestamp"},
            "Data": {"type": "blob"},
            "Labels": {"type": "map", "key": {"shape": "Name"}, "value": {"shape": "Count"}},
            "Flag": {"type": "boolean"}
        }}"#,
    )
    .unwrap()
}

#[test]
fn json_decoding_keeps_known_members_and_normalizes_timestamps() {
    let model = model();
    let input = serde_json::json!({"name": "a", "unknown": 1, "when": "2024-01-02T03:04:05Z", "count": null, "data": "aGk="});
    let decoded = from_json(&model, "Input", input).unwrap();
    assert_eq!(
        decoded,
        serde_json::json!({"name": "a", "when": 1704164645, "data": "aGk="})
    );
}

#[test]
fn json_type_mismatches_are_serialization_errors() {
    let model = model();
    for (input, message) in [
        (
            serde_json::json!({"name": 5}),
            "NUMBER_VALUE can not be converted to a String",
        ),
        (
            serde_json::json!({"count": "abc"}),
            "STRING_VALUE can not be converted to an Integer",
        ),
        (
            serde_json::json!({"count": 1.5}),
            "NUMBER_VALUE can not be converted to an Integer",
        ),
        (
            serde_json::json!({"count": 4_000_000_000_i64}),
            "NUMBER_VALUE can not be converted to an Integer",
        ),
        (
            serde_json::json!({"items": "x"}),
            "STRING_VALUE can not be converted to a List",
        ),
        (
            serde_json::json!({"flag": "true"}),
            "STRING_VALUE can not be converted to a Boolean",
        ),
        (
            serde_json::json!({"data": "!!"}),
            "Base64 encoded blob is malformed",
        ),
        (
            serde_json::json!([]),
            "START_ARRAY can not be converted to a Structure",
        ),
    ] {
        let error = from_json(&model, "Input", input.clone()).unwrap_err();
        assert_eq!(error.code, "SerializationException");
        assert_eq!(error.message, message, "{input}");
    }
}

fn violations(value: serde_json::Value) -> String {
    validate(
        &model(),
        "Input",
        &value,
        &Validation::standard("ValidationException"),
    )
    .map_or_else(|e| e.message, |()| String::new())
}

#[test]
fn validation_messages_read_like_corals() {
    assert_eq!(
        violations(serde_json::json!({})),
        "1 validation error detected: Value null at 'name' failed to satisfy constraint: Member must not be null"
    );
    assert_eq!(
        violations(serde_json::json!({"name": "toolong", "count": 0})),
        "2 validation errors detected: Value 'toolong' at 'name' failed to satisfy constraint: Member must have length less than or equal to 5; Value '0' at 'count' failed to satisfy constraint: Member must have value greater than or equal to 1"
    );
    assert!(
        violations(serde_json::json!({"name": "a", "kind": "C"}))
            .contains("Member must satisfy enum value set: [A, B]")
    );
    assert!(
        violations(serde_json::json!({"name": "a", "items": ["a", "b", "c"]}))
            .contains("Value '[a, b, c]' at 'items'")
    );
    assert!(
        violations(serde_json::json!({"name": "a", "nested": {}})).contains("at 'nested.name'")
    );
    assert!(
        violations(serde_json::json!({"name": "a", "items": ["", "b"]}))
            .contains("at 'items.1.member'")
    );
    assert_eq!(
        violations(serde_json::json!({"name": "a.b@c", "labels": {"k": 3}})),
        ""
    );
}

#[test]
fn patterns_use_javas_ascii_classes() {
    assert!(violations(serde_json::json!({"name": "é"})).contains("regular expression pattern"));
    assert!(violations(serde_json::json!({"name": "a b"})).contains("regular expression pattern"));
    assert_eq!(
        java_classes_as_ascii(r"[\w+=]+\d\s"),
        r"[0-9A-Za-z_+=]+[0-9][\t\n\x0B\x0C\r ]"
    );
    assert_eq!(java_classes_as_ascii(r"\\w"), r"\\w");
}

#[test]
fn scalars_from_text() {
    let model = model();
    let invalid = |m: String| AwsError::with_status("V", 400, m);
    let count = model.shape("Count").unwrap();
    assert_eq!(
        scalar_from_text(count, "7", &invalid).unwrap(),
        serde_json::json!(7)
    );
    assert_eq!(
        scalar_from_text(count, "x", &invalid).unwrap_err().message,
        "Value 'x' can not be converted to an Integer"
    );
    let when = model.shape("When").unwrap();
    assert_eq!(
        scalar_from_text(when, "1970-01-01T00:00:01.5Z", &invalid).unwrap(),
        serde_json::json!(1.5)
    );
    let flag = model.shape("Flag").unwrap();
    assert_eq!(
        scalar_from_text(flag, "true", &invalid).unwrap(),
        serde_json::json!(true)
    );
    assert!(scalar_from_text(flag, "yes", &invalid).is_err());
}
