//! The policy grammar as IAM checks it, with IAM's own messages, in the order IAM reports them.
//!
//! Two grammars exist. Permission policies (identity, boundary, session and resource policies)
//! go through IAM's current validator, whose answers moto's recorded AWS cases pin down: a
//! syntax pass (`Syntax errors in policy.`), the version (`Policy document must be version
//! 2012-10-17 or greater.`), a "legacy" pass (`The policy failed legacy parsing`: effects in
//! the wrong case, dates that do not parse, ARNs with four or five parts), unique statement IDs,
//! then the presence of actions, resource formats, action prefixes and the presence of
//! resources. Trust
//! policies go through the older `AssumeRolePolicyDocument` parser, which answers in its own
//! words (`This policy contains invalid Json`, `Missing required field Principal`, `Has
//! prohibited field Resource`, `AssumeRole policy may only specify STS AssumeRole actions.`).
//!
//! What this module must not do: look anything up. Whether a principal ARN names an entity that
//! exists is IAM's business; this module only knows the shapes of principals.

use serde_json::{Map, Value};

use super::document::{
    Condition, Document, Effect, Operator, Patterns, Principal, Principals, SetQualifier,
    Statement, Version,
};
use super::pattern;
use super::{MalformedPolicy, PolicyKind};

const SYNTAX: &str = "Syntax errors in policy.";
const VERSION_TOO_OLD: &str = "Policy document must be version 2012-10-17 or greater.";
const LEGACY: &str = "The policy failed legacy parsing";
const DUPLICATE_SID: &str = "Statement IDs (SID) in a single policy must be unique.";
const NO_ACTIONS: &str = "Policy statement must contain actions.";
const NO_RESOURCES: &str = "Policy statement must contain resources.";
const NO_VENDOR: &str =
    "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.";
const TWO_COLONS: &str = "Actions/Condition can contain only one colon.";
const HAS_PRINCIPAL: &str = "Policy document should not specify a principal.";
const INVALID_JSON: &str = "This policy contains invalid Json";
const NOT_ASSUME_ROLE: &str = "AssumeRole policy may only specify STS AssumeRole actions.";

/// The actions a trust policy may name.
pub const ASSUME_ROLE_ACTIONS: [&str; 6] = [
    "sts:AssumeRole",
    "sts:AssumeRoleWithSAML",
    "sts:AssumeRoleWithWebIdentity",
    "sts:TagSession",
    "sts:SetSourceIdentity",
    "sts:SetContext",
];

const TOP_LEVEL: [&str; 3] = ["Version", "Id", "Statement"];
const STATEMENT_ELEMENTS: [&str; 9] = [
    "Sid",
    "Effect",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Principal",
    "NotPrincipal",
    "Condition",
];
const VERSIONS: [&str; 2] = ["2008-10-17", "2012-10-17"];

fn malformed(message: impl Into<String>) -> MalformedPolicy {
    MalformedPolicy(message.into())
}

/// Parses and checks a document of `kind`.
pub fn parse(text: &str, kind: PolicyKind) -> Result<Document, MalformedPolicy> {
    match kind {
        PolicyKind::Trust => parse_trust(text),
        _ => parse_permissions(text, kind),
    }
}

/// `"x"` or `["x", "y"]`: a list of strings, or `None` for any other shape.
fn strings(value: &Value) -> Option<Vec<String>> {
    match value {
        Value::String(text) => Some(vec![text.clone()]),
        Value::Array(items) => items
            .iter()
            .map(|item| item.as_str().map(str::to_string))
            .collect(),
        _ => None,
    }
}

/// A condition value: strings, numbers and booleans (IAM accepts `true` and `10` unquoted),
/// alone or in a list.
fn condition_values(value: &Value) -> Option<Vec<String>> {
    let scalar = |value: &Value| match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(flag) => Some(flag.to_string()),
        _ => None,
    };
    match value {
        Value::Array(items) => items.iter().map(scalar).collect(),
        other => scalar(other).map(|value| vec![value]),
    }
}

/// Splits `ForAnyValue:StringLikeIfExists` into its parts; `None` for an unknown operator.
fn operator(written: &str) -> Option<(Option<SetQualifier>, Operator, bool)> {
    let (qualifier, rest) = if let Some(rest) = written.strip_prefix("ForAllValues:") {
        (Some(SetQualifier::ForAllValues), rest)
    } else if let Some(rest) = written.strip_prefix("ForAnyValue:") {
        (Some(SetQualifier::ForAnyValue), rest)
    } else {
        (None, written)
    };
    let (name, if_exists) = match rest.strip_suffix("IfExists") {
        Some(name) => (name, true),
        None => (rest, false),
    };
    Operator::from_name(name).map(|operator| (qualifier, operator, if_exists))
}

/// The `Condition` element; `None` when its shape is not IAM's.
fn conditions(value: Option<&Value>) -> Option<Vec<Condition>> {
    let Some(value) = value else {
        return Some(Vec::new());
    };
    let blocks = value.as_object()?;
    let mut parsed = Vec::new();
    for (written, block) in blocks {
        let block = block.as_object()?;
        let mut entries = Vec::new();
        for (key, values) in block {
            entries.push((key.clone(), condition_values(values)?));
        }
        match operator(written) {
            Some((qualifier, operator, if_exists)) => {
                for (key, values) in entries {
                    parsed.push(Condition {
                        written: written.clone(),
                        operator,
                        qualifier,
                        if_exists,
                        key,
                        values,
                    });
                }
            }
            // IAM lets an unknown operator through only when its block is empty.
            None if entries.is_empty() => {}
            None => return None,
        }
    }
    Some(parsed)
}

fn principals(statement: &Map<String, Value>) -> Option<Option<Principals>> {
    let (negated, value) = match (statement.get("Principal"), statement.get("NotPrincipal")) {
        (Some(value), None) => (false, value),
        (None, Some(value)) => (true, value),
        (None, None) => return Some(None),
        (Some(_), Some(_)) => return None,
    };
    let entries = match value {
        Value::String(text) if text == "*" => vec![Principal::Anyone],
        Value::Object(kinds) => {
            let mut entries = Vec::new();
            for (kind, values) in kinds {
                for value in strings(values)? {
                    entries.push(match kind.as_str() {
                        "AWS" if value == "*" => Principal::Anyone,
                        "AWS" => Principal::Aws(value),
                        "Service" => Principal::Service(value),
                        "Federated" => Principal::Federated(value),
                        "CanonicalUser" => Principal::CanonicalUser(value),
                        _ => return None,
                    });
                }
            }
            entries
        }
        _ => return None,
    };
    Some(Some(Principals { negated, entries }))
}

/// `Action`/`NotAction` or `Resource`/`NotResource`, whichever is present; `Err` when both are
/// or the value is not a string or a list of strings.
fn patterns(
    statement: &Map<String, Value>,
    plain: &str,
    negated: &str,
) -> Result<Option<Patterns>, ()> {
    match (statement.get(plain), statement.get(negated)) {
        (Some(_), Some(_)) => Err(()),
        (Some(value), None) => strings(value)
            .map(|values| {
                Some(Patterns {
                    negated: false,
                    values,
                })
            })
            .ok_or(()),
        (None, Some(value)) => strings(value)
            .map(|values| {
                Some(Patterns {
                    negated: true,
                    values,
                })
            })
            .ok_or(()),
        (None, None) => Ok(None),
    }
}

/// A statement as the syntax pass leaves it: typed, with its effect as written.
struct Draft {
    sid: Option<String>,
    effect: String,
    actions: Option<Patterns>,
    resources: Option<Patterns>,
    principals: Option<Principals>,
    conditions: Vec<Condition>,
}

/// The document's statements, or `None` if the top level is not IAM's shape.
fn statement_objects(document: &Map<String, Value>) -> Option<Vec<&Map<String, Value>>> {
    let statements = match document.get("Statement")? {
        Value::Object(statement) => vec![statement],
        Value::Array(items) => items
            .iter()
            .map(Value::as_object)
            .collect::<Option<Vec<_>>>()?,
        _ => return None,
    };
    (!statements.is_empty()).then_some(statements)
}

fn version(document: &Map<String, Value>) -> Option<Option<Version>> {
    match document.get("Version") {
        None => Some(None),
        Some(Value::String(text)) if text == VERSIONS[0] => Some(Some(Version::V2008_10_17)),
        Some(Value::String(text)) if text == VERSIONS[1] => Some(Some(Version::V2012_10_17)),
        Some(_) => None,
    }
}

fn top_level_syntax(document: &Map<String, Value>) -> Option<()> {
    if document
        .keys()
        .any(|key| !TOP_LEVEL.contains(&key.as_str()))
    {
        return None;
    }
    if document.get("Id").is_some_and(|id| !id.is_string()) {
        return None;
    }
    Some(())
}

/// The syntax pass over one statement of a permission policy.
fn draft(statement: &Map<String, Value>) -> Option<Draft> {
    if statement
        .keys()
        .any(|key| !STATEMENT_ELEMENTS.contains(&key.as_str()))
    {
        return None;
    }
    let effect = statement.get("Effect")?.as_str()?;
    if !effect.eq_ignore_ascii_case("Allow") && !effect.eq_ignore_ascii_case("Deny") {
        return None;
    }
    let sid = match statement.get("Sid") {
        None => None,
        Some(Value::String(sid)) => Some(sid.clone()),
        Some(_) => return None,
    };
    Some(Draft {
        sid,
        effect: effect.to_string(),
        actions: patterns(statement, "Action", "NotAction").ok()?,
        resources: patterns(statement, "Resource", "NotResource").ok()?,
        principals: principals(statement)?,
        conditions: conditions(statement.get("Condition"))?,
    })
}

fn parse_permissions(text: &str, kind: PolicyKind) -> Result<Document, MalformedPolicy> {
    let syntax = || malformed(SYNTAX);
    let value: Value = serde_json::from_str(text).map_err(|_| syntax())?;
    let document = value.as_object().ok_or_else(syntax)?;
    top_level_syntax(document).ok_or_else(syntax)?;
    let written_version = version(document).ok_or_else(syntax)?;
    let drafts = statement_objects(document)
        .ok_or_else(syntax)?
        .into_iter()
        .map(draft)
        .collect::<Option<Vec<_>>>()
        .ok_or_else(syntax)?;

    let version = match (written_version, kind) {
        (Some(Version::V2012_10_17), _) => Version::V2012_10_17,
        // Resource policies (bucket policies and the like) still accept the old language.
        (Some(Version::V2008_10_17) | None, PolicyKind::Resource) => Version::V2008_10_17,
        _ => return Err(malformed(VERSION_TOO_OLD)),
    };

    match kind {
        PolicyKind::Resource => {
            if drafts.iter().any(|draft| draft.principals.is_none()) {
                return Err(malformed("Missing required field Principal"));
            }
        }
        _ => {
            if drafts.iter().any(|draft| draft.principals.is_some()) {
                return Err(malformed(HAS_PRINCIPAL));
            }
        }
    }

    legacy_statements(&drafts)?;
    let resource_error = resource_formats(&drafts)?;
    unique_sids(&drafts)?;
    if drafts
        .iter()
        .any(|draft| draft.actions.as_ref().is_none_or(|a| a.values.is_empty()))
    {
        return Err(malformed(NO_ACTIONS));
    }
    if let Some(message) = resource_error {
        return Err(malformed(message));
    }
    for negated in [false, true] {
        for draft in &drafts {
            let Some(actions) = &draft.actions else {
                continue;
            };
            if actions.negated == negated {
                for action in &actions.values {
                    action_prefix(action)?;
                }
            }
        }
    }
    if drafts
        .iter()
        .any(|draft| draft.resources.as_ref().is_none_or(|r| r.values.is_empty()))
    {
        return Err(malformed(NO_RESOURCES));
    }
    Ok(Document {
        version,
        statements: drafts.into_iter().map(finish).collect(),
    })
}

fn finish(draft: Draft) -> Statement {
    Statement {
        sid: draft.sid,
        effect: if draft.effect == "Deny" {
            Effect::Deny
        } else {
            Effect::Allow
        },
        actions: draft.actions.unwrap_or(Patterns {
            negated: false,
            values: Vec::new(),
        }),
        resources: draft.resources,
        principals: draft.principals,
        conditions: draft.conditions,
    }
}

/// IAM's first legacy pass: effects spelled exactly, and dates in date conditions that parse.
fn legacy_statements(drafts: &[Draft]) -> Result<(), MalformedPolicy> {
    for draft in drafts {
        if draft.effect != "Allow" && draft.effect != "Deny" {
            return Err(malformed(LEGACY));
        }
        for condition in &draft.conditions {
            if condition.operator.is_date()
                && !condition.values.iter().all(|value| legacy_date(value))
            {
                return Err(malformed(LEGACY));
            }
        }
    }
    Ok(())
}

/// Whether the legacy parser takes `value` as a date: an ISO 8601 form (year, month, day, and
/// a time of day whose parts are in range) or a non-negative count of epoch seconds.
fn legacy_date(value: &str) -> bool {
    let lower = value.to_ascii_lowercase();
    if !lower.contains('t') && !lower.contains('-') {
        return lower.parse::<u64>().is_ok_and(|n| n <= i64::MAX as u64);
    }
    let in_range = |text: &str, low: i64, high: i64| {
        text.parse::<i64>()
            .is_ok_and(|number| (low..=high).contains(&number))
    };
    let (date, time) = lower.split_once('t').unwrap_or((&lower, ""));
    let (negative, date) = match date.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, date),
    };
    let parts: Vec<&str> = date.split('-').collect();
    let year = if negative {
        format!("-{}", parts[0])
    } else {
        parts[0].to_string()
    };
    if parts.len() > 3
        || !in_range(&year, -292_275_054, 292_278_993)
        || parts.get(1).is_some_and(|month| !in_range(month, 1, 12))
        || parts.get(2).is_some_and(|day| !in_range(day, 1, 31))
    {
        return false;
    }
    let pieces: Vec<&str> = time.split(':').collect();
    if !pieces[0].is_empty() && !in_range(pieces[0], 0, 23) {
        return false;
    }
    if pieces
        .get(1)
        .is_some_and(|minutes| !in_range(minutes, 0, 59))
    {
        return false;
    }
    let Some(rest) = pieces.get(2) else {
        return true;
    };
    // Seconds, then an optional zone: `z`, or `+hh` / `+hh:mm` (the zone's minutes are the
    // fourth piece of the split).
    let seconds = if let Some((seconds, after)) = rest.split_once('z') {
        if !after.is_empty() {
            return false;
        }
        seconds
    } else if let Some((seconds, hours)) = rest.split_once('+') {
        if hours.len() != 2 || !in_range(hours, 0, 23) {
            return false;
        }
        if let Some(minutes) = pieces.get(3)
            && (minutes.len() != 2 || !in_range(minutes, 0, 59))
        {
            return false;
        }
        seconds
    } else {
        rest
    };
    let (whole, fraction) = seconds.split_once('.').unwrap_or((seconds, ""));
    in_range(whole, 0, 59) && (fraction.is_empty() || in_range(fraction, 0, 999_999_999))
}

/// Checks the formats of every `Resource`/`NotResource` value. A resource the legacy parser
/// cannot read fails at once (while no other resource error was seen, as IAM orders it); any
/// other format error is returned to be reported after the presence checks.
fn resource_formats(drafts: &[Draft]) -> Result<Option<String>, MalformedPolicy> {
    let mut first_error: Option<String> = None;
    for negated in [false, true] {
        for draft in drafts {
            let Some(resources) = &draft.resources else {
                continue;
            };
            if resources.negated != negated {
                continue;
            }
            for resource in &resources.values {
                if first_error.is_none() {
                    first_error = resource_error(resource);
                }
            }
            if first_error.is_none() && resources.values.iter().any(|r| !legacy_resource(r)) {
                return Err(malformed(LEGACY));
            }
        }
    }
    Ok(first_error)
}

/// The legacy parser reads an ARN of six parts, or of three without an empty part; its vendor
/// may not be empty.
fn legacy_resource(resource: &str) -> bool {
    if resource == "*" {
        return true;
    }
    let colons = resource.matches(':').count();
    let vendor_present = resource.split(':').nth(2).is_none_or(|v| !v.is_empty());
    (colons >= 5 || !resource.contains("::")) && vendor_present
}

const IAM_RESOURCE_TYPES: [&str; 13] = [
    "user/",
    "federated-user/",
    "role/",
    "group/",
    "instance-profile/",
    "mfa/",
    "server-certificate/",
    "policy/",
    "sms-mfa/",
    "saml-provider/",
    "oidc-provider/",
    "report/",
    "access-report/",
];

/// IAM's message for a resource value it refuses, if it refuses it.
fn resource_error(resource: &str) -> Option<String> {
    if resource == "*" {
        return None;
    }
    let Some((_, rest)) = resource.split_once(':') else {
        return Some(format!(
            "Resource {resource} must be in ARN format or \"*\"."
        ));
    };
    let (partition, after) = match rest.split_once(':') {
        Some((partition, after)) => (partition, Some(after)),
        None => (rest, None),
    };
    // AWS's partitions, and wildcards over them (AWS's own managed policies write `arn:*:`).
    let known_partition = matches!(
        partition,
        "aws"
            | "aws-cn"
            | "aws-us-gov"
            | "aws-iso"
            | "aws-iso-b"
            | "aws-iso-e"
            | "aws-iso-f"
            | "aws-eusc"
    ) || partition.contains(['*', '?']);
    if !known_partition {
        // IAM rebuilds the value as a six-part ARN to name it, filling missing parts with `*`.
        let parts: Vec<&str> = after.map_or_else(|| vec![""], |a| a.split(':').collect());
        let part = |index: usize| parts.get(index).copied().unwrap_or("*");
        let first = if parts[0].is_empty() && parts.len() == 1 {
            "*"
        } else {
            parts[0]
        };
        let last = if parts.len() > 3 {
            parts[3..].join(":")
        } else {
            "*".to_string()
        };
        return Some(format!(
            "Partition \"{partition}\" is not valid for resource \"arn:{partition}:{first}:{}:{}:{last}\".",
            part(1),
            part(2)
        ));
    }
    let Some(after) = after else {
        return Some("Resource vendor must be fully qualified and cannot contain regexes.".into());
    };
    let (service, after_service) = after.split_once(':').unwrap_or((after, ""));
    let region_given = !after_service.is_empty() && !after_service.starts_with(':')
        || after_service.is_empty() && !after.contains(':');
    match service {
        "iam" if region_given => {
            return Some(format!(
                "IAM resource {resource} cannot contain region information."
            ));
        }
        // Buckets and objects have no region (nor account); access points, access grants and
        // batch jobs are regional and carry both.
        "s3" if region_given && after_service.split(':').nth(1).unwrap_or("").is_empty() => {
            return Some(format!(
                "Resource {resource} can not contain region information."
            ));
        }
        _ => {}
    }
    if service == "iam" {
        let resource_part = after_service.splitn(3, ':').nth(2).unwrap_or("");
        // The account's root user is a resource too (AWS's own managed policies name it).
        if resource_part != "*"
            && resource_part != "root"
            && !IAM_RESOURCE_TYPES
                .iter()
                .any(|prefix| resource_part.starts_with(prefix))
        {
            return Some(format!(
                "IAM resource path must either be \"*\" or start with {}.",
                IAM_RESOURCE_TYPES.join(", ")
            ));
        }
    }
    None
}

fn unique_sids(drafts: &[Draft]) -> Result<(), MalformedPolicy> {
    let mut seen: Vec<&str> = Vec::new();
    for sid in drafts.iter().filter_map(|d| d.sid.as_deref()) {
        if sid.is_empty() {
            continue;
        }
        if seen.contains(&sid) {
            return Err(malformed(DUPLICATE_SID));
        }
        seen.push(sid);
    }
    Ok(())
}

/// `service:Action`, with a vendor of letters, digits, `-` and `.`.
fn action_prefix(action: &str) -> Result<(), MalformedPolicy> {
    if action == "*" {
        return Ok(());
    }
    let mut parts = action.split(':');
    let vendor = parts.next().unwrap_or_default();
    match (parts.next(), parts.next()) {
        (None, _) => return Err(malformed(NO_VENDOR)),
        (Some(_), Some(_)) => return Err(malformed(TWO_COLONS)),
        (Some(_), None) => {}
    }
    if vendor != "*"
        && !vendor
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
    {
        return Err(malformed(format!("Vendor {vendor} is not valid")));
    }
    Ok(())
}

/// The `AssumeRolePolicyDocument` parser.
fn parse_trust(text: &str) -> Result<Document, MalformedPolicy> {
    let syntax = || malformed(SYNTAX);
    let value: Value = serde_json::from_str(text).map_err(|_| malformed(INVALID_JSON))?;
    let document = value.as_object().ok_or_else(|| malformed(INVALID_JSON))?;
    top_level_syntax(document).ok_or_else(syntax)?;
    let version = version(document)
        .ok_or_else(syntax)?
        .unwrap_or(Version::V2008_10_17);
    if !document.contains_key("Statement") {
        return Err(malformed("Missing required field Statement"));
    }
    let objects = statement_objects(document).ok_or_else(syntax)?;
    let mut statements = Vec::with_capacity(objects.len());
    for statement in objects {
        if statement
            .keys()
            .any(|key| !STATEMENT_ELEMENTS.contains(&key.as_str()))
        {
            return Err(syntax());
        }
        for prohibited in ["Resource", "NotResource"] {
            if statement.contains_key(prohibited) {
                return Err(malformed(format!("Has prohibited field {prohibited}")));
            }
        }
        let effect = match statement.get("Effect") {
            None => return Err(malformed("Missing required field Effect")),
            Some(Value::String(effect)) if effect == "Allow" => Effect::Allow,
            Some(Value::String(effect)) if effect == "Deny" => Effect::Deny,
            Some(_) => return Err(syntax()),
        };
        let principals = principals(statement).ok_or_else(syntax)?;
        let Some(principals) = principals else {
            return Err(malformed("Missing required field Principal"));
        };
        if principals.entries.is_empty() {
            return Err(malformed("Missing required field Principal"));
        }
        let actions = patterns(statement, "Action", "NotAction")
            .map_err(|()| syntax())?
            .filter(|actions| !actions.values.is_empty())
            .ok_or_else(|| malformed("Missing required field Action"))?;
        if !actions.negated
            && !actions
                .values
                .iter()
                .all(|action| assume_role_action(action))
        {
            return Err(malformed(NOT_ASSUME_ROLE));
        }
        for principal in &principals.entries {
            trust_principal(principal)?;
        }
        let sid = match statement.get("Sid") {
            None => None,
            Some(Value::String(sid)) => Some(sid.clone()),
            Some(_) => return Err(syntax()),
        };
        statements.push(Statement {
            sid,
            effect,
            actions,
            resources: None,
            principals: Some(principals),
            conditions: conditions(statement.get("Condition")).ok_or_else(syntax)?,
        });
    }
    Ok(Document {
        version,
        statements,
    })
}

/// `sts:AssumeRole*` and the session actions, possibly as a wildcard naming some of them.
fn assume_role_action(action: &str) -> bool {
    action
        .get(..4)
        .is_some_and(|prefix| prefix.eq_ignore_ascii_case("sts:"))
        && ASSUME_ROLE_ACTIONS
            .iter()
            .any(|known| pattern::action_matches(action, known))
}

/// Whether a principal is written as IAM accepts it in a trust policy.
fn trust_principal(principal: &Principal) -> Result<(), MalformedPolicy> {
    let invalid = |kind: &str, value: &str| {
        malformed(format!(
            "Invalid principal in policy: \"{kind}\":\"{value}\""
        ))
    };
    match principal {
        Principal::Anyone | Principal::CanonicalUser(_) => Ok(()),
        Principal::Aws(value) if aws_principal(value) => Ok(()),
        Principal::Aws(value) => Err(invalid("AWS", value)),
        Principal::Service(value) if service_principal(value) => Ok(()),
        Principal::Service(value) => Err(invalid("SERVICE", value)),
        Principal::Federated(value) if federated_principal(value) => Ok(()),
        Principal::Federated(_) => Err(malformed(
            "Federated principals must be valid domain names or SAML metadata ARNs",
        )),
    }
}

fn is_account(text: &str) -> bool {
    text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit())
}

fn name_characters(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-/".contains(c))
}

/// An account ID, or the ARN of an account root, user, role, role session or federated user.
pub fn aws_principal(value: &str) -> bool {
    if is_account(value) {
        return true;
    }
    let (service, rest) = if let Some(rest) = value.strip_prefix("arn:aws:iam::") {
        ("iam", rest)
    } else if let Some(rest) = value.strip_prefix("arn:aws:sts::") {
        ("sts", rest)
    } else {
        return false;
    };
    let Some((account, resource)) = rest.split_once(':') else {
        return false;
    };
    if !is_account(account) {
        return false;
    }
    match service {
        "iam" => {
            resource == "root"
                || ["user/", "role/"].iter().any(|prefix| {
                    resource
                        .strip_prefix(prefix)
                        .is_some_and(|name| name_characters(name) && !name.ends_with('/'))
                })
        }
        _ => ["assumed-role/", "federated-user/"]
            .iter()
            .any(|prefix| resource.strip_prefix(prefix).is_some_and(name_characters)),
    }
}

/// `lambda.amazonaws.com`, `ecs-tasks.amazonaws.com`: a host name.
fn service_principal(value: &str) -> bool {
    value.contains('.')
        && !value.starts_with('.')
        && !value.ends_with('.')
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
}

/// An OIDC or SAML provider ARN, or a web identity provider's domain.
fn federated_principal(value: &str) -> bool {
    if let Some(rest) = value.strip_prefix("arn:aws:iam::") {
        return rest.split_once(':').is_some_and(|(account, resource)| {
            is_account(account)
                && (resource.starts_with("oidc-provider/")
                    || resource.starts_with("saml-provider/"))
        });
    }
    service_principal(value)
}
