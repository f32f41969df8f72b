//! Lifecycle policies: their grammar (what PutLifecyclePolicy refuses) and which images a
//! policy expires (what a preview shows). Pure: images in, decisions out.

use serde_json::Value;

/// A rule of a lifecycle policy.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub priority: i64,
    pub tag_status: TagStatus,
    pub tag_prefixes: Vec<String>,
    pub tag_patterns: Vec<String>,
    pub count: Count,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TagStatus {
    Tagged,
    Untagged,
    Any,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Count {
    /// Keep the N most recently pushed.
    MoreThan(i64),
    /// Expire those pushed more than N days ago.
    SincePushedDays(i64),
}

/// An image the policy looks at.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub digest: String,
    pub tags: Vec<String>,
    pub pushed_at: i64,
}

/// An image the policy expires, and by which rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Expiry {
    pub digest: String,
    pub priority: i64,
}

fn failure(detail: &str) -> String {
    format!(
        "Invalid parameter at 'LifecyclePolicyText' failed to satisfy constraint: 'Lifecycle policy validation failure: {detail}'"
    )
}

fn strings(value: Option<&Value>) -> Result<Vec<String>, String> {
    match value {
        None => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| {
                item.as_str()
                    .map(String::from)
                    .ok_or_else(|| failure("string expected"))
            })
            .collect(),
        Some(_) => Err(failure("array expected")),
    }
}

/// Parses a policy, refusing it with ECR's message (the text after `failure:` says why).
pub fn parse(text: &str) -> Result<Vec<Rule>, String> {
    let value: Value = serde_json::from_str(text).map_err(|_| failure("could not parse JSON"))?;
    let rules = value
        .get("rules")
        .and_then(Value::as_array)
        .ok_or_else(|| failure("object has missing required properties ([\"rules\"])"))?;
    if rules.is_empty() {
        return Err(failure(
            "array is too short: must have at least 1 elements but instance has 0 elements",
        ));
    }
    let mut parsed = Vec::new();
    for rule in rules {
        let priority = rule
            .get("rulePriority")
            .and_then(Value::as_i64)
            .ok_or_else(|| {
                failure("object has missing required properties ([\"rulePriority\"])")
            })?;
        let selection = rule
            .get("selection")
            .ok_or_else(|| failure("object has missing required properties ([\"selection\"])"))?;
        let action = rule
            .get("action")
            .and_then(|a| a.get("type"))
            .and_then(Value::as_str);
        if action != Some("expire") {
            return Err(failure(
                "instance value not found in enum (possible values: [\"expire\"])",
            ));
        }
        let tag_status = match selection.get("tagStatus").and_then(Value::as_str) {
            Some("tagged") => TagStatus::Tagged,
            Some("untagged") => TagStatus::Untagged,
            Some("any") => TagStatus::Any,
            _ => {
                return Err(failure(
                    "instance value not found in enum (possible values: [\"tagged\",\"untagged\",\"any\"])",
                ));
            }
        };
        let tag_prefixes = strings(selection.get("tagPrefixList"))?;
        let tag_patterns = strings(selection.get("tagPatternList"))?;
        if tag_status == TagStatus::Tagged && tag_prefixes.is_empty() && tag_patterns.is_empty() {
            return Err(failure(
                "'tagPrefixList' or 'tagPatternList' is required when 'tagStatus' is 'tagged'",
            ));
        }
        let number = selection
            .get("countNumber")
            .and_then(Value::as_i64)
            .filter(|n| *n >= 1)
            .ok_or_else(|| failure("'countNumber' must be an integer of at least 1"))?;
        let count = match selection.get("countType").and_then(Value::as_str) {
            Some("imageCountMoreThan") => Count::MoreThan(number),
            Some("sinceImagePushed") => {
                if selection.get("countUnit").and_then(Value::as_str) != Some("days") {
                    return Err(failure(
                        "'countUnit' must be 'days' when 'countType' is 'sinceImagePushed'",
                    ));
                }
                Count::SincePushedDays(number)
            }
            _ => {
                return Err(failure(
                    "instance value not found in enum (possible values: [\"imageCountMoreThan\",\"sinceImagePushed\"])",
                ));
            }
        };
        if parsed.iter().any(|r: &Rule| r.priority == priority) {
            return Err(failure("rulePriority must be unique"));
        }
        parsed.push(Rule {
            priority,
            tag_status,
            tag_prefixes,
            tag_patterns,
            count,
        });
    }
    parsed.sort_by_key(|rule| rule.priority);
    Ok(parsed)
}

fn selects(rule: &Rule, image: &Candidate) -> bool {
    match rule.tag_status {
        TagStatus::Untagged => image.tags.is_empty(),
        TagStatus::Any => true,
        TagStatus::Tagged => {
            !image.tags.is_empty()
                && (rule
                    .tag_prefixes
                    .iter()
                    .any(|p| image.tags.iter().any(|t| t.starts_with(p.as_str())))
                    || rule
                        .tag_patterns
                        .iter()
                        .any(|p| image.tags.iter().any(|t| super::wildcard_matches(p, t))))
        }
    }
}

/// The images `rules` expire at `now` (milliseconds), in rule order.
pub fn evaluate(rules: &[Rule], images: &[Candidate], now: i64) -> Vec<Expiry> {
    let mut claimed: Vec<&str> = Vec::new();
    let mut expiries = Vec::new();
    for rule in rules {
        let mut selected: Vec<&Candidate> = images
            .iter()
            .filter(|image| !claimed.contains(&image.digest.as_str()) && selects(rule, image))
            .collect();
        selected.sort_by_key(|image| std::cmp::Reverse(image.pushed_at));
        let expired: Vec<&Candidate> = match rule.count {
            Count::MoreThan(keep) => selected.into_iter().skip(keep as usize).collect(),
            Count::SincePushedDays(days) => selected
                .into_iter()
                .filter(|image| now - image.pushed_at > days * 86_400_000)
                .collect(),
        };
        // An image a rule selects is that rule's, whether it expires it or keeps it.
        for image in images.iter().filter(|image| selects(rule, image)) {
            claimed.push(&image.digest);
        }
        for image in expired {
            expiries.push(Expiry {
                digest: image.digest.clone(),
                priority: rule.priority,
            });
        }
    }
    expiries
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image(digest: &str, tags: &[&str], pushed_at: i64) -> Candidate {
        Candidate {
            digest: digest.into(),
            tags: tags.iter().map(|t| t.to_string()).collect(),
            pushed_at,
        }
    }

    #[test]
    fn policies_parse_or_fail() {
        let good = r#"{"rules":[{"rulePriority":1,"selection":{"tagStatus":"untagged","countType":"imageCountMoreThan","countNumber":1},"action":{"type":"expire"}}]}"#;
        assert_eq!(parse(good).map(|r| r.len()), Ok(1));
        for bad in [
            "nope",
            r#"{"rules":[]}"#,
            r#"{"rules":[{"rulePriority":1,"selection":{"tagStatus":"tagged","countType":"imageCountMoreThan","countNumber":1},"action":{"type":"expire"}}]}"#,
            r#"{"rules":[{"rulePriority":1,"selection":{"tagStatus":"any","countType":"sinceImagePushed","countNumber":1},"action":{"type":"expire"}}]}"#,
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn images_expire_by_rule() {
        let rules = parse(r#"{"rules":[
            {"rulePriority":1,"selection":{"tagStatus":"tagged","tagPrefixList":["prod"],"countType":"imageCountMoreThan","countNumber":1},"action":{"type":"expire"}},
            {"rulePriority":2,"selection":{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":1},"action":{"type":"expire"}}]}"#).expect("policy");
        let images = [
            image("a", &["prod-1"], 1),
            image("b", &["prod-2"], 2),
            image("c", &[], 3),
            image("d", &["dev"], 4),
        ];
        let expired: Vec<(String, i64)> = evaluate(&rules, &images, 10)
            .into_iter()
            .map(|e| (e.digest, e.priority))
            .collect();
        assert_eq!(expired, vec![("a".to_string(), 1), ("c".to_string(), 2)]);
    }
}
