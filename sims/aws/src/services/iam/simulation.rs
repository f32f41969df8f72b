//! The policy simulator (`SimulatePrincipalPolicy`, `SimulateCustomPolicy`) and the context
//! keys a policy tests (`GetContextKeysForPrincipalPolicy`, `GetContextKeysForCustomPolicy`).
//!
//! The simulator runs the evaluator `--enforce-iam` runs ([`crate::policy::evaluate`]), for
//! each action and resource asked, and reports what IAM reports: the decision, the statements
//! that matched (with the policy they come from and their start and end positions in its text),
//! the condition keys the matching statements test that the request did not supply, and
//! whether the permissions boundary allowed.
//!
//! Principals are roles today (users and groups arrive with IAM's users).

use std::collections::BTreeMap;
use std::sync::Arc;

use sim_aws_shapes::iam::{
    ContextEntry, EvaluationResult, GetContextKeysForCustomPolicyRequest,
    GetContextKeysForPolicyResponse, GetContextKeysForPrincipalPolicyRequest,
    PermissionsBoundaryDecisionDetail, Position, SimulateCustomPolicyRequest,
    SimulatePolicyResponse, SimulatePrincipalPolicyRequest, Statement,
};

use super::principals::{HolderKind, PrincipalKind, PrincipalRef};
use super::{Iam, IamError};
use crate::policy::evaluate::{self, Denial, Policies, Request, RequestPrincipal};
use crate::policy::{Context, Document, PolicyKind};
use crate::services::Ctx;

/// A policy taking part in a simulation, with where its statements sit in its text.
struct Source {
    id: String,
    kind: &'static str,
    document: Arc<Document>,
    spans: Vec<(Position, Position)>,
}

impl Source {
    fn new(
        id: String,
        kind: &'static str,
        text: &str,
        policy: PolicyKind,
    ) -> Result<Self, IamError> {
        let document =
            crate::policy::parse(text, policy).map_err(|error| IamError::InvalidInput(error.0))?;
        Ok(Self {
            id,
            kind,
            document: Arc::new(document),
            spans: statement_spans(text),
        })
    }

    fn statement(&self, index: usize) -> Statement {
        let (start, end) = self.spans.get(index).cloned().unwrap_or_default();
        Statement {
            source_policy_id: Some(self.id.clone()),
            source_policy_type: Some(self.kind.to_string()),
            start_position: Some(start),
            end_position: Some(end),
        }
    }
}

/// What a simulation evaluates: identity policies, an optional boundary and resource policy.
struct Simulation {
    identity: Vec<Source>,
    boundary: Vec<Source>,
    resource: Option<Source>,
    resource_owner: Option<String>,
    principal: RequestPrincipal,
    context: Context,
}

impl Simulation {
    fn run(&self, actions: &[String], resources: &[String]) -> Vec<EvaluationResult> {
        let identity: Vec<Arc<Document>> =
            self.identity.iter().map(|s| s.document.clone()).collect();
        let mut results = Vec::new();
        for action in actions {
            for resource in resources {
                results.push(self.one(&identity, action, resource));
            }
        }
        results
    }

    fn one(&self, identity: &[Arc<Document>], action: &str, resource: &str) -> EvaluationResult {
        let request = Request {
            action,
            resource,
            principal: &self.principal,
            context: &self.context,
        };
        let owner = self
            .resource_owner
            .clone()
            .unwrap_or_else(|| self.principal.account.clone());
        let boundary = self.boundary.first().map(|source| source.document.as_ref());
        let resource_policy = self
            .resource
            .as_ref()
            .map(|s| (s.document.as_ref(), owner.as_str()));
        let decision = evaluate::authorize(
            &Policies {
                identity,
                boundary,
                resource: resource_policy,
                ..Policies::default()
            },
            &request,
        );
        let mut matched = Vec::new();
        let mut missing: Vec<String> = Vec::new();
        let sources = self
            .identity
            .iter()
            .chain(&self.boundary)
            .chain(&self.resource);
        for source in sources {
            let outcome = evaluate::evaluate_document(&source.document, &request);
            let relevant: Vec<usize> = match decision {
                Err(Denial { explicit: true, .. }) => outcome.denied_by.clone(),
                Ok(()) => outcome.allowed_by.clone(),
                Err(_) => Vec::new(),
            };
            matched.extend(relevant.into_iter().map(|index| source.statement(index)));
            for key in missing_keys(&source.document, &request) {
                if !missing.iter().any(|known| known.eq_ignore_ascii_case(&key)) {
                    missing.push(key);
                }
            }
        }
        let eval_decision = match decision {
            Ok(()) => "allowed",
            Err(Denial { explicit: true, .. }) => "explicitDeny",
            Err(_) => "implicitDeny",
        };
        let boundary_detail = boundary.map(|boundary| PermissionsBoundaryDecisionDetail {
            allowed_by_permissions_boundary: Some(
                evaluate::evaluate_document(boundary, &request).allows(),
            ),
        });
        let details = self.resource.as_ref().map(|resource| {
            let mut details = BTreeMap::new();
            let outcome = evaluate::evaluate_document(&resource.document, &request);
            let verdict = if outcome.denies() {
                "explicitDeny"
            } else if outcome.allows() {
                "allowed"
            } else {
                "implicitDeny"
            };
            details.insert("Resource Policy".to_string(), verdict.to_string());
            details
        });
        EvaluationResult {
            eval_action_name: action.to_string(),
            eval_resource_name: Some(resource.to_string()),
            eval_decision: eval_decision.to_string(),
            matched_statements: Some(matched),
            missing_context_values: Some(missing),
            organizations_decision_detail: None,
            permissions_boundary_decision_detail: boundary_detail,
            eval_decision_details: details,
            resource_specific_results: None,
        }
    }
}

/// Condition keys of the statements that name the action and resource, absent from the request.
fn missing_keys(document: &Document, request: &Request<'_>) -> Vec<String> {
    let mut keys = Vec::new();
    for statement in &document.statements {
        let unconditional = crate::policy::document::Statement {
            conditions: Vec::new(),
            principals: None,
            ..statement.clone()
        };
        if !evaluate::statement_applies(&unconditional, document.version, request) {
            continue;
        }
        for condition in &statement.conditions {
            if request.context.get(&condition.key).is_none() {
                keys.push(condition.key.clone());
            }
        }
    }
    keys
}

/// `ContextEntries` as a request context.
fn context(entries: Option<Vec<ContextEntry>>) -> Context {
    let mut context = Context::new();
    for entry in entries.unwrap_or_default() {
        if let Some(key) = entry.context_key_name {
            context.set_all(key, entry.context_key_values.unwrap_or_default());
        }
    }
    context
}

/// One page of results.
fn page(
    results: Vec<EvaluationResult>,
    marker: Option<&str>,
    max_items: Option<i32>,
) -> Result<SimulatePolicyResponse, IamError> {
    let entries = results
        .into_iter()
        .enumerate()
        .map(|(index, result)| (format!("{index:08}"), result))
        .collect();
    let page = super::paging::paginate(entries, marker, max_items)?;
    Ok(SimulatePolicyResponse {
        is_truncated: Some(page.is_truncated),
        marker: page.marker,
        evaluation_results: Some(page.items),
    })
}

fn custom_sources(
    texts: &[String],
    prefix: &str,
    kind: &'static str,
) -> Result<Vec<Source>, IamError> {
    texts
        .iter()
        .enumerate()
        .map(|(index, text)| {
            Source::new(
                format!("{prefix}.{}", index + 1),
                kind,
                text,
                PolicyKind::Identity,
            )
        })
        .collect()
}

impl Iam {
    /// The policies of the user or role an ARN names, as simulation sources: identity
    /// policies (a user's groups' included), and its permissions boundary.
    fn principal_sources(
        &self,
        arn: &str,
    ) -> Result<(RequestPrincipal, Vec<Source>, Vec<Source>), IamError> {
        let principal = PrincipalRef::from_arn(arn)
            .filter(|_| arn.starts_with("arn:aws:iam::"))
            .ok_or_else(|| IamError::InvalidInput(format!("Invalid ARN: {arn}")))?;
        let facts = self.principal_facts(arn).ok_or_else(|| {
            let kind = match principal.kind {
                PrincipalKind::User => "user",
                PrincipalKind::Role => "role",
            };
            IamError::NoSuchEntity(format!(
                "The {kind} with name {} cannot be found.",
                principal.name
            ))
        })?;
        let managed_kind = |arn: &str| {
            if arn.starts_with("arn:aws:iam::aws:") {
                "aws-managed"
            } else {
                "user-managed"
            }
        };
        let mut identity = Vec::new();
        for policy in self.identity_policies(&principal).unwrap_or_default() {
            let (id, kind) = match &policy.arn {
                Some(arn) => (arn.clone(), managed_kind(arn)),
                None => (
                    policy.name.clone(),
                    match policy.holder_kind {
                        HolderKind::User => "user",
                        HolderKind::Group => "group",
                        HolderKind::Role => "role",
                    },
                ),
            };
            identity.push(Source::new(
                id,
                kind,
                &policy.document,
                PolicyKind::Identity,
            )?);
        }
        let mut boundary = Vec::new();
        if let Some(found) = self.permissions_boundary(&principal) {
            boundary.push(Source::new(
                found.arn.clone(),
                managed_kind(&found.arn),
                &found.document,
                PolicyKind::Identity,
            )?);
        }
        let request = RequestPrincipal {
            arn: facts.arn.clone(),
            account: facts.account_id,
            role_arn: (principal.kind == PrincipalKind::Role).then_some(facts.arn),
            ..RequestPrincipal::default()
        };
        Ok((request, identity, boundary))
    }

    pub(crate) async fn simulate_principal_policy(
        &self,
        _ctx: &Ctx,
        input: SimulatePrincipalPolicyRequest,
    ) -> Result<SimulatePolicyResponse, IamError> {
        let (principal, mut identity, mut boundary) =
            self.principal_sources(&input.policy_source_arn)?;
        identity.extend(custom_sources(
            input.policy_input_list.as_deref().unwrap_or_default(),
            "PolicyInputList",
            "none",
        )?);
        if let Some(texts) = &input.permissions_boundary_policy_input_list {
            boundary = custom_sources(texts, "PermissionsBoundaryPolicyInputList", "none")?;
        }
        let mut context = context(input.context_entries);
        context.set("aws:PrincipalArn", principal.arn.as_str());
        if principal.role_arn.is_none() {
            let name = principal.arn.rsplit('/').next().unwrap_or_default();
            context.set("aws:username", name);
        }
        let simulation = Simulation {
            identity,
            boundary,
            resource: input
                .resource_policy
                .as_deref()
                .map(|text| {
                    Source::new(
                        "ResourcePolicy".into(),
                        "resource",
                        text,
                        PolicyKind::Resource,
                    )
                })
                .transpose()?,
            resource_owner: input.resource_owner,
            principal,
            context,
        };
        let resources = input.resource_arns.unwrap_or_else(|| vec!["*".into()]);
        page(
            simulation.run(&input.action_names, &resources),
            input.marker.as_deref(),
            input.max_items,
        )
    }

    pub(crate) async fn simulate_custom_policy(
        &self,
        ctx: &Ctx,
        input: SimulateCustomPolicyRequest,
    ) -> Result<SimulatePolicyResponse, IamError> {
        let identity = custom_sources(&input.policy_input_list, "PolicyInputList", "none")?;
        let boundary = custom_sources(
            input
                .permissions_boundary_policy_input_list
                .as_deref()
                .unwrap_or_default(),
            "PermissionsBoundaryPolicyInputList",
            "none",
        )?;
        let caller = input
            .caller_arn
            .clone()
            .unwrap_or_else(|| format!("arn:aws:iam::{}:user/simulated", ctx.account_id));
        let simulation = Simulation {
            identity,
            boundary,
            resource: input
                .resource_policy
                .as_deref()
                .map(|text| {
                    Source::new(
                        "ResourcePolicy".into(),
                        "resource",
                        text,
                        PolicyKind::Resource,
                    )
                })
                .transpose()?,
            resource_owner: input.resource_owner,
            principal: RequestPrincipal {
                arn: caller,
                account: ctx.account_id.clone(),
                ..RequestPrincipal::default()
            },
            context: context(input.context_entries),
        };
        let resources = input.resource_arns.unwrap_or_else(|| vec!["*".into()]);
        page(
            simulation.run(&input.action_names, &resources),
            input.marker.as_deref(),
            input.max_items,
        )
    }

    pub(crate) async fn get_context_keys_for_custom_policy(
        &self,
        _ctx: &Ctx,
        input: GetContextKeysForCustomPolicyRequest,
    ) -> Result<GetContextKeysForPolicyResponse, IamError> {
        let sources = custom_sources(&input.policy_input_list, "PolicyInputList", "none")?;
        Ok(context_keys(&sources))
    }

    pub(crate) async fn get_context_keys_for_principal_policy(
        &self,
        _ctx: &Ctx,
        input: GetContextKeysForPrincipalPolicyRequest,
    ) -> Result<GetContextKeysForPolicyResponse, IamError> {
        let (_, mut sources, _) = self.principal_sources(&input.policy_source_arn)?;
        sources.extend(custom_sources(
            input.policy_input_list.as_deref().unwrap_or_default(),
            "PolicyInputList",
            "none",
        )?);
        Ok(context_keys(&sources))
    }
}

fn context_keys(sources: &[Source]) -> GetContextKeysForPolicyResponse {
    let mut keys: Vec<String> = Vec::new();
    for source in sources {
        for key in source.document.context_keys() {
            if !keys.iter().any(|known| known.eq_ignore_ascii_case(&key)) {
                keys.push(key);
            }
        }
    }
    GetContextKeysForPolicyResponse {
        context_key_names: Some(keys),
    }
}

/// Where each statement object of a policy text starts and ends (1-based line and column,
/// the end just past the closing brace).
pub fn statement_spans(text: &str) -> Vec<(Position, Position)> {
    #[derive(PartialEq)]
    enum State {
        Searching,
        InObject,
        InArray,
        Done,
    }
    let mut spans = Vec::new();
    let (mut line, mut column) = (1i32, 1i32);
    let mut depth = 0usize;
    let (mut in_string, mut escaped) = (false, false);
    let mut current = String::new();
    let mut top_level_key = String::new();
    let mut state = State::Searching;
    let mut start = Position::default();
    for character in text.chars() {
        let here = Position {
            line: Some(line),
            column: Some(column),
        };
        if in_string {
            match character {
                _ if escaped => {
                    escaped = false;
                    current.push(character);
                }
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => current.push(character),
            }
        } else {
            match character {
                '"' => {
                    in_string = true;
                    current.clear();
                }
                ':' if depth == 1 => top_level_key = current.clone(),
                '{' | '[' => {
                    depth += 1;
                    if state == State::Searching && depth == 2 && top_level_key == "Statement" {
                        if character == '{' {
                            state = State::InObject;
                            start = here;
                        } else {
                            state = State::InArray;
                        }
                    } else if state == State::InArray && depth == 3 && character == '{' {
                        start = here;
                    }
                }
                '}' | ']' => {
                    let end = Position {
                        line: Some(line),
                        column: Some(column + 1),
                    };
                    if state == State::InObject && depth == 2 {
                        spans.push((start.clone(), end));
                        state = State::Done;
                    } else if state == State::InArray && depth == 3 && character == '}' {
                        spans.push((start.clone(), end));
                    } else if state == State::InArray && depth == 2 {
                        state = State::Done;
                    }
                    depth = depth.saturating_sub(1);
                }
                _ => {}
            }
        }
        if character == '\n' {
            line += 1;
            column = 1;
        } else {
            column += 1;
        }
    }
    spans
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statement_spans_follow_the_text() {
        let text = "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\"Effect\": \"Allow\", \"Action\": \"s3:*\", \"Resource\": \"*\"},\n    {\"Effect\": \"Deny\", \"Action\": \"s3:Delete*\", \"Resource\": {\"x\": \"}\"}}\n  ]\n}";
        let spans = statement_spans(text);
        assert_eq!(spans.len(), 2);
        assert_eq!(spans[0].0.line, Some(4));
        assert_eq!(spans[0].0.column, Some(5));
        assert_eq!(spans[1].0.line, Some(5));
        let single = "{\"Version\":\"2012-10-17\",\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"}}";
        let spans = statement_spans(single);
        assert_eq!(spans.len(), 1);
        assert_eq!(spans[0].0.column, Some(37));
        assert_eq!(spans[0].1.column, Some(83));
    }
}
