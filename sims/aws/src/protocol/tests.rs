//! Protocol corners, with small hand-written models: XML escaping, wrapped and flattened lists,
//! maps, empty results, timestamps, blobs and unicode, for each of the five protocols; routing
//! by target, action and URI template.

use std::collections::HashMap;

use http::{HeaderMap, Method};
use serde_json::json;

use super::route::Catalog;
use super::shape::Validation;
use super::*;
use crate::model::Model;

fn leak(json: serde_json::Value) -> &'static Model {
    Box::leak(Box::new(
        Model::parse(&json.to_string()).expect("test model parses"),
    ))
}

/// A model with one operation `Op` whose input and output share rich shapes.
fn model(
    protocol: &str,
    extra_metadata: serde_json::Value,
    http: serde_json::Value,
) -> &'static Model {
    let mut metadata = json!({
        "apiVersion": "2020-01-01", "endpointPrefix": "demo", "protocol": protocol,
        "xmlNamespace": "https://demo.amazonaws.com/doc/2020-01-01/", "jsonVersion": "1.1", "targetPrefix": "Demo_20200101"
    });
    metadata
        .as_object_mut()
        .unwrap()
        .extend(extra_metadata.as_object().unwrap().clone());
    leak(json!({
        "metadata": metadata,
        "operations": {
            "Op": {"name": "Op", "http": http, "input": {"shape": "OpInput"},
                   "output": {"shape": "OpOutput", "resultWrapper": "OpResult"}, "errors": [{"shape": "Missing"}]},
            "Empty": {"name": "Empty", "http": {"method": "POST", "requestUri": "/empty"}}
        },
        "shapes": {
            "OpInput": {"type": "structure", "required": ["Name"], "members": {
                "Name": {"shape": "Str"}, "Count": {"shape": "Int"}, "Items": {"shape": "StrList"},
                "Flat": {"shape": "FlatList"}, "Labels": {"shape": "StrMap"}, "When": {"shape": "Time"},
                "Data": {"shape": "Bin"}, "On": {"shape": "Bool"}, "Nested": {"shape": "Inner"}
            }},
            "OpOutput": {"type": "structure", "members": {
                "Name": {"shape": "Str"}, "Items": {"shape": "StrList"}, "Flat": {"shape": "FlatList", "locationName": "flatItem"},
                "Labels": {"shape": "StrMap"}, "When": {"shape": "Time"}, "Data": {"shape": "Bin"},
                "Nested": {"shape": "Inner"}, "Nothing": {"shape": "StrList"}
            }},
            "Inner": {"type": "structure", "members": {"Value": {"shape": "Str", "locationName": "value"}}},
            "Str": {"type": "string"},
            "Int": {"type": "integer", "min": 0},
            "Bool": {"type": "boolean"},
            "Time": {"type": "timestamp"},
            "Bin": {"type": "blob"},
            "StrList": {"type": "list", "member": {"shape": "Str", "locationName": "item"}},
            "FlatList": {"type": "list", "member": {"shape": "Str"}, "flattened": true},
            "StrMap": {"type": "map", "key": {"shape": "Str"}, "value": {"shape": "Str"}},
            "Missing": {"type": "structure", "members": {"message": {"shape": "Str"}}, "exception": true,
                        "error": {"code": "NoSuchThing", "httpStatusCode": 404, "senderFault": true}}
        }
    }))
}

fn output() -> serde_json::Value {
    json!({
        "Name": "a<b>&\"c\" é ☃", "Items": ["x", "y"], "Flat": ["f1", "f2"], "Labels": {"k": "v"},
        "When": 1704164645.5, "Data": "aGVsbG8=", "Nested": {"Value": "in"}, "Nothing": []
    })
}

fn body(response: &WireResponse) -> String {
    String::from_utf8(response.body.clone()).unwrap()
}

#[test]
fn json_protocol_round_trip() {
    let model = model(
        "json",
        json!({}),
        json!({"method": "POST", "requestUri": "/"}),
    );
    let operation = model.operation("Op").unwrap();
    let input = decode(
        model,
        operation,
        Input::Json {
            body: br#"{"Name":"n","When":"2024-01-02T03:04:05Z","Items":[]}"#,
        },
        &Validation::standard("V"),
    )
    .unwrap();
    assert_eq!(input, json!({"Name": "n", "Items": [], "When": 1704164645}));
    let response = encode(model, operation, output(), "rid");
    assert_eq!(response.content_type, "application/x-amz-json-1.1");
    let parsed: serde_json::Value = serde_json::from_slice(&response.body).unwrap();
    assert_eq!(parsed["When"], json!(1704164645.5));
    assert_eq!(parsed["Name"], "a<b>&\"c\" é ☃");
    assert_eq!(parsed["Nothing"], json!([]), "empty lists are kept");
    let error = encode_error(model, &AwsError::new("Missing", "gone"), "rid");
    assert_eq!(error.status, 404);
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&error.body).unwrap(),
        json!({"__type": "NoSuchThing", "message": "gone"})
    );
    let empty = encode(model, model.operation("Empty").unwrap(), json!({}), "rid");
    assert_eq!(body(&empty), "{}");
}

#[test]
fn query_protocol_decodes_flattened_paths_and_encodes_xml() {
    let model = model(
        "query",
        json!({}),
        json!({"method": "POST", "requestUri": "/"}),
    );
    let operation = model.operation("Op").unwrap();
    let params: Vec<(String, String)> = [
        ("Action", "Op"),
        ("Name", "n"),
        ("Count", "3"),
        ("On", "true"),
        ("Items.item.1", "a"),
        ("Items.item.2", "b"),
        ("Flat.1", "f"),
        ("Labels.entry.1.key", "k1"),
        ("Labels.entry.1.value", "v1"),
        ("Labels.entry.2.key", "k2"),
        ("Labels.entry.2.value", "v2"),
        ("When", "2024-01-02T03:04:05Z"),
        ("Data", "aGk="),
        ("Nested.value", "deep"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let input = decode(
        model,
        operation,
        Input::Query { params: &params },
        &Validation::standard("ValidationError"),
    )
    .unwrap();
    assert_eq!(
        input,
        json!({"Name": "n", "Count": 3, "Items": ["a", "b"], "Flat": ["f"], "Labels": {"k1": "v1", "k2": "v2"},
               "When": 1704164645, "Data": "aGk=", "On": true, "Nested": {"Value": "deep"}})
    );
    let empty_list: Vec<(String, String)> =
        vec![("Name".into(), "n".into()), ("Items".into(), String::new())];
    assert_eq!(
        decode(
            model,
            operation,
            Input::Query {
                params: &empty_list
            },
            &Validation::standard("V"),
        )
        .unwrap()["Items"],
        json!([])
    );
    let bad: Vec<(String, String)> = vec![
        ("Name".into(), "n".into()),
        ("Count".into(), "three".into()),
    ];
    let error = decode(
        model,
        operation,
        Input::Query { params: &bad },
        &Validation::standard("ValidationError"),
    )
    .unwrap_err();
    assert_eq!(
        (error.code.as_str(), error.status),
        ("ValidationError", Some(400))
    );
    let negative: Vec<(String, String)> =
        vec![("Name".into(), "n".into()), ("Count".into(), "-1".into())];
    assert!(
        decode(
            model,
            operation,
            Input::Query { params: &negative },
            &Validation::standard("V")
        )
        .unwrap_err()
        .message
        .contains("greater than or equal to 0")
    );

    let xml = body(&encode(model, operation, output(), "rid-1"));
    assert!(xml.starts_with(r#"<?xml version="1.0" encoding="UTF-8"?><OpResponse xmlns="https://demo.amazonaws.com/doc/2020-01-01/"><OpResult>"#), "{xml}");
    assert!(
        xml.contains("<Name>a&lt;b&gt;&amp;&quot;c&quot; é ☃</Name>"),
        "{xml}"
    );
    assert!(
        xml.contains("<Items><item>x</item><item>y</item></Items>"),
        "wrapped list: {xml}"
    );
    assert!(
        xml.contains("<flatItem>f1</flatItem><flatItem>f2</flatItem>"),
        "flattened list: {xml}"
    );
    assert!(
        xml.contains("<Labels><entry><key>k</key><value>v</value></entry></Labels>"),
        "map: {xml}"
    );
    assert!(
        xml.contains("<When>2024-01-02T03:04:05.500Z</When>"),
        "timestamp: {xml}"
    );
    assert!(
        xml.contains("<Data>aGVsbG8=</Data>") && xml.contains("<Nested><value>in</value></Nested>"),
        "{xml}"
    );
    assert!(xml.contains("<Nothing></Nothing>"), "empty list: {xml}");
    assert!(xml.ends_with("</OpResult><ResponseMetadata><RequestId>rid-1</RequestId></ResponseMetadata></OpResponse>"), "{xml}");
    let parsed = xml::parse(xml.as_bytes()).unwrap();
    assert_eq!(
        parsed
            .child("OpResult")
            .unwrap()
            .child("Name")
            .unwrap()
            .text,
        "a<b>&\"c\" é ☃"
    );

    let error = encode_error(model, &AwsError::new("Missing", "no <thing>"), "rid-2");
    assert_eq!(error.status, 404);
    assert_eq!(
        body(&error),
        r#"<?xml version="1.0" encoding="UTF-8"?><ErrorResponse xmlns="https://demo.amazonaws.com/doc/2020-01-01/"><Error><Type>Sender</Type><Code>NoSuchThing</Code><Message>no &lt;thing&gt;</Message></Error><RequestId>rid-2</RequestId></ErrorResponse>"#
    );
}

#[test]
fn ec2_protocol_names_and_shapes() {
    let model = leak(json!({
        "metadata": {"apiVersion": "2016-11-15", "endpointPrefix": "ec2", "protocol": "ec2", "xmlNamespace": "http://ec2.amazonaws.com/doc/2016-11-15/"},
        "operations": {"DescribeThings": {"name": "DescribeThings", "http": {"method": "POST", "requestUri": "/"},
            "input": {"shape": "In"}, "output": {"shape": "Out"}}},
        "shapes": {
            "In": {"type": "structure", "members": {
                "ThingIds": {"shape": "Ids", "locationName": "ThingId"},
                "DryRun": {"shape": "Bool", "locationName": "dryRun"},
                "Filters": {"shape": "Filters", "locationName": "Filter"}}},
            "Ids": {"type": "list", "member": {"shape": "Str", "locationName": "ThingId"}},
            "Filters": {"type": "list", "member": {"shape": "Filter", "locationName": "Filter"}},
            "Filter": {"type": "structure", "members": {"Name": {"shape": "Str"}, "Values": {"shape": "Ids", "locationName": "Value"}}},
            "Out": {"type": "structure", "members": {"Things": {"shape": "Things", "locationName": "thingSet"}}},
            "Things": {"type": "list", "member": {"shape": "Thing", "locationName": "item"}},
            "Thing": {"type": "structure", "members": {"ThingId": {"shape": "Str", "locationName": "thingId"}}},
            "Str": {"type": "string"}, "Bool": {"type": "boolean"}
        }
    }));
    let operation = model.operation("DescribeThings").unwrap();
    let params: Vec<(String, String)> = [
        ("ThingId.1", "t-1"),
        ("ThingId.2", "t-2"),
        ("DryRun", "false"),
        ("Filter.1.Name", "state"),
        ("Filter.1.Value.1", "on"),
        ("Filter.1.Value.2", "off"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let input = decode(
        model,
        operation,
        Input::Query { params: &params },
        &Validation::standard("InvalidParameterValue"),
    )
    .unwrap();
    assert_eq!(
        input,
        json!({"ThingIds": ["t-1", "t-2"], "DryRun": false, "Filters": [{"Name": "state", "Values": ["on", "off"]}]})
    );
    let xml = body(&encode(
        model,
        operation,
        json!({"Things": [{"ThingId": "t-1"}]}),
        "rid",
    ));
    assert_eq!(
        xml,
        r#"<?xml version="1.0" encoding="UTF-8"?><DescribeThingsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>rid</requestId><thingSet><item><thingId>t-1</thingId></item></thingSet></DescribeThingsResponse>"#
    );
    let error = body(&encode_error(
        model,
        &AwsError::with_status("InvalidThingID.NotFound", 400, "nope"),
        "rid",
    ));
    assert_eq!(
        error,
        r#"<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>InvalidThingID.NotFound</Code><Message>nope</Message></Error></Errors><RequestID>rid</RequestID></Response>"#
    );
}

fn rest_model(protocol: &str) -> &'static Model {
    leak(json!({
        "metadata": {"apiVersion": "2015-03-31", "endpointPrefix": if protocol == "rest-xml" { "s3" } else { "lambda" }, "protocol": protocol},
        "operations": {
            "GetThing": {"name": "GetThing", "http": {"method": "GET", "requestUri": "/2015-03-31/things/{Name}"},
                "input": {"shape": "GetIn"}, "output": {"shape": "Thing"}},
            "PutObject": {"name": "PutObject", "http": {"method": "PUT", "requestUri": "/{Bucket}/{Key+}"},
                "input": {"shape": "PutIn"}, "output": {"shape": "PutOut"}},
            "PutTagging": {"name": "PutTagging", "http": {"method": "PUT", "requestUri": "/{Bucket}/{Key+}?tagging"},
                "input": {"shape": "TagIn"}},
            "ListThings": {"name": "ListThings", "http": {"method": "GET", "requestUri": "/2015-03-31/things/"},
                "input": {"shape": "ListIn"}, "output": {"shape": "ListOut"}}
        },
        "shapes": {
            "GetIn": {"type": "structure", "required": ["Name"], "members": {
                "Name": {"shape": "Str", "location": "uri", "locationName": "Name"},
                "Version": {"shape": "Str", "location": "querystring", "locationName": "Qualifier"},
                "Since": {"shape": "Time", "location": "header", "locationName": "If-Modified-Since"}}},
            "Thing": {"type": "structure", "members": {
                "Name": {"shape": "Str"}, "Tags": {"shape": "StrList"}, "Updated": {"shape": "Time"},
                "ETag": {"shape": "Str", "location": "header", "locationName": "ETag"},
                "Meta": {"shape": "StrMap", "location": "headers", "locationName": "x-amz-meta-"}}},
            "PutIn": {"type": "structure", "required": ["Bucket", "Key"], "payload": "Body", "members": {
                "Bucket": {"shape": "Str", "location": "uri", "locationName": "Bucket"},
                "Key": {"shape": "Str", "location": "uri", "locationName": "Key"},
                "Body": {"shape": "Blob"},
                "Meta": {"shape": "StrMap", "location": "headers", "locationName": "x-amz-meta-"}}},
            "PutOut": {"type": "structure", "members": {"ETag": {"shape": "Str", "location": "header", "locationName": "ETag"}}},
            "TagIn": {"type": "structure", "required": ["Bucket", "Key", "Tagging"], "payload": "Tagging", "members": {
                "Bucket": {"shape": "Str", "location": "uri", "locationName": "Bucket"},
                "Key": {"shape": "Str", "location": "uri", "locationName": "Key"},
                "Tagging": {"shape": "Tagging", "locationName": "Tagging"}}},
            "Tagging": {"type": "structure", "members": {"TagSet": {"shape": "TagSet"}}},
            "TagSet": {"type": "list", "member": {"shape": "Tag", "locationName": "Tag"}},
            "Tag": {"type": "structure", "members": {"Key": {"shape": "Str"}, "Value": {"shape": "Str"}}},
            "ListIn": {"type": "structure", "members": {"Max": {"shape": "Int", "location": "querystring", "locationName": "MaxItems"}}},
            "ListOut": {"type": "structure", "members": {"Things": {"shape": "Things"}}},
            "Things": {"type": "list", "member": {"shape": "Thing"}, "flattened": true},
            "Str": {"type": "string"}, "Int": {"type": "integer"}, "Time": {"type": "timestamp"}, "Blob": {"type": "blob"},
            "StrList": {"type": "list", "member": {"shape": "Str"}},
            "StrMap": {"type": "map", "key": {"shape": "Str"}, "value": {"shape": "Str"}}
        }
    }))
}

fn route(
    model: &'static Model,
    method: Method,
    path: &str,
    query: &[(String, String)],
) -> Option<(&'static str, HashMap<String, String>)> {
    let catalog = Catalog::new(vec![model]);
    catalog
        .route(&method, path, query, &HeaderMap::new(), None, None)
        .ok()
        .map(|routed| (routed.operation.name.as_str(), routed.labels))
}

#[test]
fn rest_routing_by_template_specificity() {
    let model = rest_model("rest-xml");
    let tagging = vec![("tagging".to_string(), String::new())];
    assert_eq!(
        route(model, Method::PUT, "/b/dir/a%20b.txt", &[])
            .unwrap()
            .1["Key"],
        "dir/a b.txt"
    );
    assert_eq!(
        route(model, Method::PUT, "/b/k", &tagging).unwrap().0,
        "PutTagging"
    );
    assert_eq!(
        route(model, Method::PUT, "/b/k", &[]).unwrap().0,
        "PutObject"
    );
    assert_eq!(
        route(model, Method::GET, "/2015-03-31/things/abc", &[])
            .unwrap()
            .0,
        "GetThing"
    );
    assert_eq!(
        route(model, Method::GET, "/2015-03-31/things/", &[])
            .unwrap()
            .0,
        "ListThings"
    );
    assert!(route(model, Method::DELETE, "/b/k", &[]).is_none());
    assert!(
        route(model, Method::PUT, "/b", &[]).is_none(),
        "a greedy label needs a segment"
    );
}

#[test]
fn rest_json_binds_uri_query_headers_and_body() {
    let model = rest_model("rest-json");
    let operation = model.operation("GetThing").unwrap();
    let labels = HashMap::from([("Name".to_string(), "fn-1".to_string())]);
    let query = vec![("Qualifier".to_string(), "v2".to_string())];
    let mut headers = HeaderMap::new();
    headers.insert(
        "if-modified-since",
        "Tue, 02 Jan 2024 03:04:05 GMT".parse().unwrap(),
    );
    let input = decode(
        model,
        operation,
        Input::Rest {
            labels: &labels,
            query: &query,
            headers: &headers,
            body: b"",
        },
        &Validation::standard("V"),
    )
    .unwrap();
    assert_eq!(
        input,
        json!({"Name": "fn-1", "Version": "v2", "Since": 1704164645})
    );
    let response = encode(
        model,
        operation,
        json!({"Name": "fn-1", "Tags": ["a"], "Updated": 1704164645, "ETag": "\"abc\"", "Meta": {"color": "blue"}}),
        "rid",
    );
    assert_eq!(response.status, 200);
    assert_eq!(response.content_type, "application/json");
    assert!(
        response
            .headers
            .contains(&("ETag".to_string(), "\"abc\"".to_string()))
    );
    assert!(
        response
            .headers
            .contains(&("x-amz-meta-color".to_string(), "blue".to_string()))
    );
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&response.body).unwrap(),
        json!({"Name": "fn-1", "Tags": ["a"], "Updated": 1704164645})
    );
    let error = encode_error(
        model,
        &AwsError::with_status("ResourceNotFoundException", 404, "Function not found"),
        "rid",
    );
    assert_eq!(error.status, 404);
    assert!(error.headers.contains(&(
        "x-amzn-ErrorType".to_string(),
        "ResourceNotFoundException".to_string()
    )));
}

#[test]
fn rest_xml_payloads_and_errors() {
    let model = rest_model("rest-xml");
    let put = model.operation("PutObject").unwrap();
    let labels = HashMap::from([
        ("Bucket".to_string(), "b".to_string()),
        ("Key".to_string(), "k".to_string()),
    ]);
    let mut headers = HeaderMap::new();
    headers.insert("x-amz-meta-owner", "me".parse().unwrap());
    let input = decode(
        model,
        put,
        Input::Rest {
            labels: &labels,
            query: &[],
            headers: &headers,
            body: b"\x00\x01binary",
        },
        &Validation::standard("V"),
    )
    .unwrap();
    assert_eq!(input["Body"], "AAFiaW5hcnk=");
    assert_eq!(input["Meta"], json!({"owner": "me"}));

    let tagging = model.operation("PutTagging").unwrap();
    let document = br#"<?xml version="1.0" encoding="UTF-8"?><Tagging xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><TagSet><Tag><Key>a&amp;b</Key><Value>&#233;</Value></Tag><Tag><Key>k2</Key><Value></Value></Tag></TagSet></Tagging>"#;
    let input = decode(
        model,
        tagging,
        Input::Rest {
            labels: &labels,
            query: &[],
            headers: &HeaderMap::new(),
            body: document,
        },
        &Validation::standard("V"),
    )
    .unwrap();
    assert_eq!(
        input["Tagging"],
        json!({"TagSet": [{"Key": "a&b", "Value": "é"}, {"Key": "k2", "Value": ""}]})
    );
    let malformed = decode(
        model,
        tagging,
        Input::Rest {
            labels: &labels,
            query: &[],
            headers: &HeaderMap::new(),
            body: b"<Tagging><TagSet>",
        },
        &Validation::standard("V"),
    )
    .unwrap_err();
    assert_eq!(malformed.code, "MalformedXML");
    let doctype = b"<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><Tagging>&e;</Tagging>";
    assert_eq!(
        decode(
            model,
            tagging,
            Input::Rest {
                labels: &labels,
                query: &[],
                headers: &HeaderMap::new(),
                body: doctype
            },
            &Validation::standard("V"),
        )
        .unwrap_err()
        .code,
        "MalformedXML"
    );

    let list = model.operation("ListThings").unwrap();
    let xml = body(&encode(
        model,
        list,
        json!({"Things": [{"Name": "one"}, {"Name": "two"}]}),
        "rid",
    ));
    assert_eq!(
        xml,
        r#"<?xml version="1.0" encoding="UTF-8"?><ListOut><Things><Name>one</Name></Things><Things><Name>two</Name></Things></ListOut>"#
    );
    let error = body(&encode_error(
        model,
        &AwsError::with_status("NoSuchKey", 404, "The specified key does not exist."),
        "rid",
    ));
    assert_eq!(
        error,
        r#"<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message><RequestId>rid</RequestId></Error>"#
    );
}

#[test]
fn routing_by_target_and_action() {
    let json_model = model(
        "json",
        json!({}),
        json!({"method": "POST", "requestUri": "/"}),
    );
    let query_model = leak(json!({
        "metadata": {"apiVersion": "2011-06-15", "endpointPrefix": "sts", "protocol": "query"},
        "operations": {"Op": {"name": "Op", "http": {"method": "POST", "requestUri": "/"}}},
        "shapes": {}
    }));
    let catalog = Catalog::new(vec![json_model, query_model]);
    let mut headers = HeaderMap::new();
    headers.insert("x-amz-target", "Demo_20200101.Op".parse().unwrap());
    let routed = catalog
        .route(&Method::POST, "/", &[], &headers, None, None)
        .unwrap();
    assert!(std::ptr::eq(routed.model, json_model));
    headers.insert("x-amz-target", "Demo_20200101.Nope".parse().unwrap());
    assert!(matches!(
        catalog.route(&Method::POST, "/", &[], &headers, None, None),
        Err(route::Unroutable::UnknownTarget { .. })
    ));
    let form = vec![
        ("Action".to_string(), "Op".to_string()),
        ("Version".to_string(), "2011-06-15".to_string()),
    ];
    let routed = catalog
        .route(&Method::POST, "/", &[], &HeaderMap::new(), Some(form), None)
        .unwrap();
    assert!(std::ptr::eq(routed.model, query_model));
    let missing = vec![("Version".to_string(), "2011-06-15".to_string())];
    assert!(matches!(
        catalog.route(
            &Method::POST,
            "/",
            &[],
            &HeaderMap::new(),
            Some(missing),
            None
        ),
        Err(route::Unroutable::MissingAction { .. })
    ));
}
