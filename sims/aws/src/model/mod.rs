//! botocore service models, read as data. Each implemented service vendors its
//! `service-2.json` under `models/` (documentation stripped; `scripts/refresh-aws-models`
//! refreshes them from a pinned botocore). A model is parsed on first use, so a service nobody
//! calls costs no start-up time and no memory.
//!
//! The protocol layer reads everything about the wire from here: operation names and HTTP
//! bindings, member names and locations, list and map encodings, timestamp formats, validation
//! constraints, and each error's code and status.

use rustc_hash::FxHashMap;
use std::sync::OnceLock;

use indexmap::IndexMap;
use serde::Deserialize;

/// A whole service model.
#[derive(Debug, Deserialize)]
pub struct Model {
    pub metadata: Metadata,
    pub operations: FxHashMap<String, Operation>,
    pub shapes: FxHashMap<String, Shape>,
    /// Shapes whose values need rewriting between the normal form and a JSON body (computed on
    /// first use; see [`Model::json_body_differs`]).
    #[serde(skip)]
    json_rewritten: OnceLock<rustc_hash::FxHashSet<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Metadata {
    pub api_version: String,
    pub endpoint_prefix: String,
    #[serde(default)]
    pub json_version: Option<String>,
    pub protocol: Protocol,
    #[serde(default)]
    pub service_id: String,
    #[serde(default)]
    pub signing_name: Option<String>,
    #[serde(default)]
    pub target_prefix: Option<String>,
    #[serde(default)]
    pub xml_namespace: Option<String>,
    #[serde(default)]
    pub global_endpoint: Option<String>,
}

impl Metadata {
    /// The service name in SigV4 credential scopes.
    pub fn signing_name(&self) -> &str {
        self.signing_name
            .as_deref()
            .unwrap_or(&self.endpoint_prefix)
    }
}

/// The five AWS wire protocols.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum Protocol {
    #[serde(rename = "json")]
    Json,
    #[serde(rename = "query")]
    Query,
    #[serde(rename = "ec2")]
    Ec2,
    #[serde(rename = "rest-json")]
    RestJson,
    #[serde(rename = "rest-xml")]
    RestXml,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Operation {
    pub name: String,
    pub http: Http,
    #[serde(default)]
    pub input: Option<ShapeRef>,
    #[serde(default)]
    pub output: Option<ShapeRef>,
    #[serde(default)]
    pub errors: Vec<ShapeRef>,
    /// `none` for operations callers make without credentials (`AssumeRoleWithWebIdentity`).
    #[serde(default)]
    pub authtype: Option<String>,
    /// Superseded by another operation on the same URI (S3's `GetBucketLifecycle`); routing
    /// prefers the newer one.
    #[serde(default)]
    pub deprecated: bool,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Http {
    pub method: String,
    pub request_uri: String,
    #[serde(default)]
    pub response_code: Option<u16>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ShapeRef {
    pub shape: String,
    #[serde(default)]
    pub result_wrapper: Option<String>,
    #[serde(default)]
    pub location_name: Option<String>,
    #[serde(default)]
    pub xml_namespace: Option<XmlNamespace>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ShapeType {
    Structure,
    List,
    Map,
    String,
    Integer,
    Long,
    Float,
    Double,
    Boolean,
    Timestamp,
    Blob,
    #[serde(rename = "bigdecimal")]
    BigDecimal,
    #[serde(rename = "biginteger")]
    BigInteger,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum XmlNamespace {
    Uri(String),
    Full {
        #[serde(default)]
        prefix: Option<String>,
        uri: String,
    },
}

impl XmlNamespace {
    pub fn uri(&self) -> &str {
        match self {
            XmlNamespace::Uri(uri) | XmlNamespace::Full { uri, .. } => uri,
        }
    }

    pub fn prefix(&self) -> Option<&str> {
        match self {
            XmlNamespace::Uri(_) => None,
            XmlNamespace::Full { prefix, .. } => prefix.as_deref(),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorTrait {
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub http_status_code: Option<u16>,
    #[serde(default)]
    pub sender_fault: bool,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Shape {
    #[serde(rename = "type")]
    pub kind: ShapeType,
    #[serde(default)]
    pub members: IndexMap<String, Member>,
    #[serde(default)]
    pub required: Vec<String>,
    /// The element of a list.
    #[serde(default)]
    pub member: Option<Member>,
    #[serde(default)]
    pub key: Option<Member>,
    #[serde(default)]
    pub value: Option<Member>,
    #[serde(default, rename = "enum")]
    pub enum_values: Option<Vec<String>>,
    #[serde(default)]
    pub min: Option<f64>,
    #[serde(default)]
    pub max: Option<f64>,
    #[serde(default)]
    pub pattern: Option<String>,
    #[serde(default)]
    pub timestamp_format: Option<TimestampFormat>,
    #[serde(default)]
    pub flattened: bool,
    #[serde(default)]
    pub location_name: Option<String>,
    #[serde(default)]
    pub payload: Option<String>,
    #[serde(default)]
    pub error: Option<ErrorTrait>,
    #[serde(default)]
    pub exception: bool,
    #[serde(default)]
    pub fault: bool,
    #[serde(default)]
    pub streaming: bool,
    #[serde(default)]
    pub xml_namespace: Option<XmlNamespace>,
    #[serde(default)]
    pub union: bool,
    #[serde(default)]
    pub document: bool,
    #[serde(default)]
    pub eventstream: bool,
}

/// Where a member travels in a REST request or response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Location {
    Uri,
    Querystring,
    Header,
    Headers,
    StatusCode,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum TimestampFormat {
    #[serde(rename = "iso8601")]
    Iso8601,
    #[serde(rename = "rfc822")]
    Rfc822,
    #[serde(rename = "unixTimestamp")]
    UnixTimestamp,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Member {
    pub shape: String,
    #[serde(default)]
    pub location: Option<Location>,
    #[serde(default)]
    pub location_name: Option<String>,
    #[serde(default)]
    pub query_name: Option<String>,
    #[serde(default)]
    pub flattened: bool,
    #[serde(default)]
    pub xml_attribute: bool,
    #[serde(default)]
    pub xml_namespace: Option<XmlNamespace>,
    #[serde(default)]
    pub timestamp_format: Option<TimestampFormat>,
    #[serde(default)]
    pub jsonvalue: bool,
    #[serde(default)]
    pub idempotency_token: bool,
    #[serde(default)]
    pub host_label: bool,
    /// A payload sent or answered as a stream (S3 object bodies), never held whole.
    #[serde(default)]
    pub streaming: bool,
}

/// A model was asked for a shape it does not have: the vendored file is broken.
#[derive(Debug, thiserror::Error)]
#[error("model {service} has no shape {shape}")]
pub struct MissingShape {
    pub service: String,
    pub shape: String,
}

impl Model {
    /// Parses a model. The vendored models are checked by a test, so this only fails for a
    /// model a test wrote by hand.
    pub fn parse(json: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(json)
    }

    pub fn shape(&self, name: &str) -> Result<&Shape, MissingShape> {
        self.shapes.get(name).ok_or_else(|| MissingShape {
            service: self.metadata.endpoint_prefix.clone(),
            shape: name.to_string(),
        })
    }

    /// The operation named `name` exactly.
    pub fn operation(&self, name: &str) -> Option<&Operation> {
        self.operations.get(name)
    }

    /// Whether a value of shape `name` in the normal form differs from its JSON body: it
    /// contains (at any depth) a timestamp whose format is not epoch seconds, the form both
    /// share. Outputs of shapes that do not can be written as they are.
    pub fn json_body_differs(&self, name: &str) -> bool {
        self.json_rewritten
            .get_or_init(|| {
                let mut differs = rustc_hash::FxHashSet::default();
                let mut visiting = rustc_hash::FxHashSet::default();
                for shape in self.shapes.keys() {
                    if self.differs(shape, &mut visiting, &mut differs) {
                        differs.insert(shape.clone());
                    }
                }
                differs
            })
            .contains(name)
    }

    fn differs(
        &self,
        name: &str,
        visiting: &mut rustc_hash::FxHashSet<String>,
        known: &mut rustc_hash::FxHashSet<String>,
    ) -> bool {
        if known.contains(name) {
            return true;
        }
        // A shape being visited further up refers back to itself: its answer is decided there.
        if !visiting.insert(name.to_string()) {
            return false;
        }
        let Some(shape) = self.shapes.get(name) else {
            visiting.remove(name);
            return false;
        };
        let non_epoch = |format: Option<TimestampFormat>| {
            format.is_some_and(|f| f != TimestampFormat::UnixTimestamp)
        };
        let member_differs = |member: &Member, visiting: &mut _, known: &mut _| {
            non_epoch(member.timestamp_format) || self.differs(&member.shape, visiting, known)
        };
        let result = match shape.kind {
            ShapeType::Timestamp => non_epoch(shape.timestamp_format),
            ShapeType::Structure => {
                non_epoch(shape.timestamp_format)
                    || shape
                        .members
                        .values()
                        .any(|member| member_differs(member, visiting, known))
            }
            ShapeType::List => shape
                .member
                .as_ref()
                .is_some_and(|member| member_differs(member, visiting, known)),
            ShapeType::Map => shape
                .value
                .as_ref()
                .is_some_and(|member| member_differs(member, visiting, known)),
            _ => false,
        };
        visiting.remove(name);
        if result {
            known.insert(name.to_string());
        }
        result
    }

    /// The wire code and HTTP status of the error shape `name`, if the model declares it.
    pub fn error_code(&self, name: &str) -> Option<(String, u16, bool)> {
        let shape = self.shapes.get(name)?;
        if !shape.exception {
            return None;
        }
        let error = shape.error.as_ref();
        let code = error
            .and_then(|e| e.code.clone())
            .unwrap_or_else(|| name.to_string());
        // A fault without a declared status is the service's own failure: 500.
        let status = error
            .and_then(|e| e.http_status_code)
            .unwrap_or(if shape.fault { 500 } else { 400 });
        let sender = error.is_none_or(|e| e.sender_fault) && !shape.fault;
        Some((code, status, sender))
    }
}

macro_rules! vendored {
    ($($fn_name:ident => $file:literal),* $(,)?) => {
        $(
            #[doc = concat!("The vendored `", $file, "` model, parsed on first use.")]
            pub fn $fn_name() -> &'static Model {
                static MODEL: OnceLock<Model> = OnceLock::new();
                MODEL.get_or_init(|| {
                    // A vendored model that does not parse is a build defect that the
                    // `vendored_models_parse` test catches before any release.
                    Model::parse(include_str!(concat!("../../models/", $file)))
                        .unwrap_or_else(|error| panic!("vendored model {}: {error}", $file))
                })
            }
        )*

        /// Every vendored model, for tests and routing tables.
        pub fn all() -> Vec<&'static Model> {
            vec![$($fn_name()),*]
        }
    };
}

vendored! {
    sts => "sts.json",
    iam => "iam.json",
    logs => "logs.json",
    ecs => "ecs.json",
    ecr => "ecr.json",
    lambda => "lambda.json",
    ec2 => "ec2.json",
    efs => "efs.json",
    servicediscovery => "servicediscovery.json",
    s3 => "s3.json",
    secretsmanager => "secretsmanager.json",
    ssm => "ssm.json",
    kms => "kms.json",
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vendored_models_parse_and_reference_only_known_shapes() {
        for model in all() {
            for operation in model.operations.values() {
                for shape in operation
                    .input
                    .iter()
                    .chain(&operation.output)
                    .chain(&operation.errors)
                {
                    model.shape(&shape.shape).unwrap();
                }
            }
            for shape in model.shapes.values() {
                let refs = shape
                    .members
                    .values()
                    .chain(&shape.member)
                    .chain(&shape.key)
                    .chain(&shape.value);
                for member in refs {
                    model.shape(&member.shape).unwrap();
                }
            }
        }
        assert_eq!(sts().metadata.protocol, Protocol::Query);
        assert_eq!(
            ecs().metadata.target_prefix.as_deref(),
            Some("AmazonEC2ContainerServiceV20141113")
        );
    }

    #[test]
    fn json_bodies_differ_only_where_timestamps_are_not_epoch_seconds() {
        let model = Model::parse(
            r#"{"metadata":{"apiVersion":"1","endpointPrefix":"t","protocol":"json"},
                "operations":{},
                "shapes":{
                  "Plain":{"type":"structure","members":{"When":{"shape":"Epoch"},"Items":{"shape":"Plains"}}},
                  "Plains":{"type":"list","member":{"shape":"Plain"}},
                  "Epoch":{"type":"timestamp"},
                  "Iso":{"type":"timestamp","timestampFormat":"iso8601"},
                  "Deep":{"type":"structure","members":{"Inner":{"shape":"Holder"}}},
                  "Holder":{"type":"structure","members":{"At":{"shape":"Iso"},"Back":{"shape":"Deep"}}},
                  "Override":{"type":"structure","members":{"At":{"shape":"Epoch","timestampFormat":"rfc822"}}}
                }}"#,
        )
        .unwrap();
        assert!(
            !model.json_body_differs("Plain"),
            "self-referencing through a list"
        );
        assert!(model.json_body_differs("Deep") && model.json_body_differs("Holder"));
        assert!(model.json_body_differs("Override"));
        assert!(!model.json_body_differs("Epoch"));
    }

    #[test]
    fn error_codes_come_from_the_model() {
        assert_eq!(
            iam().error_code("NoSuchEntityException"),
            Some(("NoSuchEntity".into(), 404, true))
        );
        assert_eq!(
            logs().error_code("ResourceNotFoundException"),
            Some(("ResourceNotFoundException".into(), 400, true))
        );
        assert_eq!(logs().error_code("LogGroup"), None);
    }
}
