//! A policy document after the grammar accepted it: statements with their effect, actions,
//! resources, principals and conditions, in the forms the evaluator matches against.
//!
//! Values keep the spelling of the document (patterns, principals, condition values); matching
//! rules (case, wildcards, variables) belong to the evaluator. Nothing here parses JSON: see
//! `grammar`.

/// `Version`: which policy language the document speaks. Policy variables (`${aws:username}`)
/// are substituted only in `2012-10-17` documents; older ones take them literally.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    V2008_10_17,
    V2012_10_17,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    Allow,
    Deny,
}

/// `Action`/`NotAction` or `Resource`/`NotResource`: the patterns, and whether the element was
/// the negated one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Patterns {
    pub negated: bool,
    pub values: Vec<String>,
}

/// One entry of `Principal`/`NotPrincipal`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// `"Principal": "*"` or `{"AWS": "*"}`: everyone, authenticated or not.
    Anyone,
    /// An account ID, an account root ARN, or an IAM/STS principal ARN.
    Aws(String),
    /// A service principal such as `lambda.amazonaws.com`.
    Service(String),
    /// An identity provider: an OIDC or SAML provider ARN, or a well-known web identity domain.
    Federated(String),
    CanonicalUser(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principals {
    pub negated: bool,
    pub entries: Vec<Principal>,
}

/// The comparison a condition operator makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    StringEquals,
    StringNotEquals,
    StringEqualsIgnoreCase,
    StringNotEqualsIgnoreCase,
    StringLike,
    StringNotLike,
    NumericEquals,
    NumericNotEquals,
    NumericLessThan,
    NumericLessThanEquals,
    NumericGreaterThan,
    NumericGreaterThanEquals,
    DateEquals,
    DateNotEquals,
    DateLessThan,
    DateLessThanEquals,
    DateGreaterThan,
    DateGreaterThanEquals,
    Bool,
    BinaryEquals,
    IpAddress,
    NotIpAddress,
    ArnEquals,
    ArnLike,
    ArnNotEquals,
    ArnNotLike,
    Null,
}

impl Operator {
    pub const ALL: [(&'static str, Operator); 27] = [
        ("StringEquals", Operator::StringEquals),
        ("StringNotEquals", Operator::StringNotEquals),
        ("StringEqualsIgnoreCase", Operator::StringEqualsIgnoreCase),
        (
            "StringNotEqualsIgnoreCase",
            Operator::StringNotEqualsIgnoreCase,
        ),
        ("StringLike", Operator::StringLike),
        ("StringNotLike", Operator::StringNotLike),
        ("NumericEquals", Operator::NumericEquals),
        ("NumericNotEquals", Operator::NumericNotEquals),
        ("NumericLessThan", Operator::NumericLessThan),
        ("NumericLessThanEquals", Operator::NumericLessThanEquals),
        ("NumericGreaterThan", Operator::NumericGreaterThan),
        (
            "NumericGreaterThanEquals",
            Operator::NumericGreaterThanEquals,
        ),
        ("DateEquals", Operator::DateEquals),
        ("DateNotEquals", Operator::DateNotEquals),
        ("DateLessThan", Operator::DateLessThan),
        ("DateLessThanEquals", Operator::DateLessThanEquals),
        ("DateGreaterThan", Operator::DateGreaterThan),
        ("DateGreaterThanEquals", Operator::DateGreaterThanEquals),
        ("Bool", Operator::Bool),
        ("BinaryEquals", Operator::BinaryEquals),
        ("IpAddress", Operator::IpAddress),
        ("NotIpAddress", Operator::NotIpAddress),
        ("ArnEquals", Operator::ArnEquals),
        ("ArnLike", Operator::ArnLike),
        ("ArnNotEquals", Operator::ArnNotEquals),
        ("ArnNotLike", Operator::ArnNotLike),
        ("Null", Operator::Null),
    ];

    pub fn from_name(name: &str) -> Option<Operator> {
        Self::ALL
            .iter()
            .find(|(known, _)| *known == name)
            .map(|(_, operator)| *operator)
    }

    /// Negated operators are true when the key is absent from the request.
    pub fn is_negated(self) -> bool {
        matches!(
            self,
            Operator::StringNotEquals
                | Operator::StringNotEqualsIgnoreCase
                | Operator::StringNotLike
                | Operator::NumericNotEquals
                | Operator::DateNotEquals
                | Operator::NotIpAddress
                | Operator::ArnNotEquals
                | Operator::ArnNotLike
        )
    }

    pub fn is_date(self) -> bool {
        matches!(
            self,
            Operator::DateEquals
                | Operator::DateNotEquals
                | Operator::DateLessThan
                | Operator::DateLessThanEquals
                | Operator::DateGreaterThan
                | Operator::DateGreaterThanEquals
        )
    }
}

/// `ForAllValues:` / `ForAnyValue:`: how a multivalued key is compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetQualifier {
    ForAllValues,
    ForAnyValue,
}

/// One key of one condition operator block: `"StringEquals": {"aws:username": ["a", "b"]}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    /// The operator as written (`ForAnyValue:StringLikeIfExists`), for reports.
    pub written: String,
    pub operator: Operator,
    pub qualifier: Option<SetQualifier>,
    pub if_exists: bool,
    pub key: String,
    pub values: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    pub sid: Option<String>,
    pub effect: Effect,
    pub actions: Patterns,
    /// Absent in trust policies.
    pub resources: Option<Patterns>,
    /// Present in trust and resource policies only.
    pub principals: Option<Principals>,
    pub conditions: Vec<Condition>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    pub version: Version,
    pub statements: Vec<Statement>,
}

impl Document {
    /// Every condition key the document's conditions name, in order of first appearance
    /// (lower-cased duplicates removed), as `GetContextKeysFor*Policy` report them.
    pub fn context_keys(&self) -> Vec<String> {
        let mut keys: Vec<String> = Vec::new();
        let mut push = |key: &str| {
            if !keys.iter().any(|known| known.eq_ignore_ascii_case(key)) {
                keys.push(key.to_string());
            }
        };
        for statement in &self.statements {
            for condition in &statement.conditions {
                push(&condition.key);
            }
            if self.version == Version::V2012_10_17 {
                let resources = statement.resources.iter().flat_map(|r| r.values.iter());
                let values = statement.conditions.iter().flat_map(|c| c.values.iter());
                for text in resources.chain(values) {
                    for variable in super::variables::names(text) {
                        push(variable);
                    }
                }
            }
        }
        keys
    }
}
