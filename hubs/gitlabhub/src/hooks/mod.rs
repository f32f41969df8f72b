//! Webhooks: project and group hooks, which events reach them, and their deliveries (over
//! `simkit::webhook`, which queues, sends and records).
//!
//! | module | holds |
//! |---|---|
//! | this one | [`Hook`] records, the event kinds, [`Gitlab::emit_hook_event`] and auto-disabling |
//! | [`payloads`] | the payloads of push, tag push, merge request, note, pipeline, job and deployment events |
//!
//! A delivery carries GitLab's headers: `X-Gitlab-Event` (`Push Hook`…), `X-Gitlab-Token` when
//! the hook has a secret token, `X-Gitlab-Event-UUID` (one per event, shared by every hook it
//! reaches), `X-Gitlab-Webhook-UUID` (one per delivery), `X-Gitlab-Instance`, `Idempotency-Key`
//! and `User-Agent: GitLab/<version>`. A project's events reach its own hooks and the hooks of
//! every group above it.
//!
//! Auto-disabling follows GitLab's `WebHooks::AutoDisabling`: each failed delivery (no answer,
//! or not 2xx) counts; after more than 3 in a row the hook is `temporarily_disabled` for a
//! backoff that starts at one minute and doubles up to a day; after more than 39 it is
//! `disabled` until it is edited; a delivery that succeeds resets the count. A hook that is not
//! executable is skipped (its test trigger still sends).
//!
//! GitLab refuses receivers on the local network unless the administrator allows them
//! (`allow_local_requests_from_web_hooks_and_services`); a fake runs next to its receivers, so
//! this one behaves as with that setting on.
//!
//! What this module must not do: echo a hook's token, or let a failed delivery fail the
//! request that caused the event.

pub mod payloads;

use std::collections::BTreeSet;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use simkit::git::RefUpdate;
use simkit::webhook::{DeliveryState, Outgoing, WebhookConfig};

use crate::model::{Owner, Project, key};
use crate::state::Gitlab;

/// Failures in a row a hook takes before it backs off (GitLab's `FAILURE_THRESHOLD`).
pub const FAILURE_THRESHOLD: u32 = 3;
/// Failures in a row after which it stays disabled until edited.
pub const PERMANENT_FAILURE_THRESHOLD: u32 = 39;
const INITIAL_BACKOFF: Duration = Duration::from_secs(60);
const MAX_BACKOFF: Duration = Duration::from_secs(24 * 3600);

/// The settings GitLab's hook deliveries use: a 10 s timeout (`WebHookService` default), and
/// no retries (GitLab never re-sends a failed delivery by itself).
pub fn webhook_config() -> WebhookConfig {
    WebhookConfig::default()
}

/// Whose hook it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum HookOwner {
    Project(u64),
    Group(u64),
}

impl HookOwner {
    fn prefix(self) -> String {
        match self {
            Self::Project(id) => format!("project/{}/", key(id)),
            Self::Group(id) => format!("group/{}/", key(id)),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hook {
    pub id: u64,
    pub owner: HookOwner,
    pub url: String,
    pub name: String,
    pub description: String,
    /// Sent as `X-Gitlab-Token`; never shown.
    pub token: Option<String>,
    /// The event flags that are on (`push_events`, `pipeline_events`…).
    pub events: BTreeSet<String>,
    pub enable_ssl_verification: bool,
    pub push_events_branch_filter: String,
    /// `wildcard`, `regex` or `all_branches`.
    pub branch_filter_strategy: String,
    pub created_at: String,
    pub recent_failures: u32,
    pub backoff_count: u32,
    /// Unix milliseconds until which a backed-off hook is skipped.
    pub disabled_until: Option<i64>,
}

impl Hook {
    /// The store key, which is also the kit's name for the hook's deliveries.
    pub fn key(&self) -> String {
        hook_key(self.owner, self.id)
    }

    /// `executable`, `temporarily_disabled` or `disabled`, as the API shows it.
    pub fn alert_status(&self, now_millis: i64) -> &'static str {
        if self.recent_failures > PERMANENT_FAILURE_THRESHOLD {
            "disabled"
        } else if self.disabled_until.is_some_and(|until| until > now_millis) {
            "temporarily_disabled"
        } else {
            "executable"
        }
    }

    /// Whether the hook's branch filter lets a push to `branch` through.
    pub fn branch_matches(&self, branch: &str) -> bool {
        let filter = self.push_events_branch_filter.trim();
        match self.branch_filter_strategy.as_str() {
            "all_branches" => true,
            "regex" => {
                filter.is_empty()
                    || regex_lite::Regex::new(filter).is_ok_and(|regex| regex.is_match(branch))
            }
            _ => filter.is_empty() || simkit::git::rules::matches(filter, branch),
        }
    }

    /// The hook after a delivery that succeeded (`true`) or failed.
    fn after_delivery(&mut self, succeeded: bool, now_millis: i64) {
        if succeeded {
            self.recent_failures = 0;
            self.backoff_count = 0;
            self.disabled_until = None;
            return;
        }
        self.recent_failures = self.recent_failures.saturating_add(1);
        if self.recent_failures > FAILURE_THRESHOLD {
            self.backoff_count = self.backoff_count.saturating_add(1);
            let doublings = self.backoff_count.saturating_sub(1).min(16);
            let backoff = INITIAL_BACKOFF
                .saturating_mul(1 << doublings)
                .min(MAX_BACKOFF);
            self.disabled_until =
                Some(now_millis + i64::try_from(backoff.as_millis()).unwrap_or(i64::MAX / 4));
        }
    }
}

pub fn hook_key(owner: HookOwner, id: u64) -> String {
    format!("{}{}", owner.prefix(), key(id))
}

/// The events this fake sends hooks: the flag that enables each and its `X-Gitlab-Event`.
/// (Wiki pages and releases do not exist here, so their events never happen.)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    Push,
    TagPush,
    Issue,
    ConfidentialIssue,
    Note,
    ConfidentialNote,
    MergeRequest,
    Pipeline,
    Job,
    Deployment,
}

impl Event {
    pub fn flag(self) -> &'static str {
        match self {
            Self::Push => "push_events",
            Self::TagPush => "tag_push_events",
            Self::Issue => "issues_events",
            Self::ConfidentialIssue => "confidential_issues_events",
            Self::Note => "note_events",
            Self::ConfidentialNote => "confidential_note_events",
            Self::MergeRequest => "merge_requests_events",
            Self::Pipeline => "pipeline_events",
            Self::Job => "job_events",
            Self::Deployment => "deployment_events",
        }
    }

    pub fn header(self) -> &'static str {
        match self {
            Self::Push => "Push Hook",
            Self::TagPush => "Tag Push Hook",
            Self::Issue => "Issue Hook",
            Self::ConfidentialIssue => "Confidential Issue Hook",
            Self::Note => "Note Hook",
            Self::ConfidentialNote => "Confidential Note Hook",
            Self::MergeRequest => "Merge Request Hook",
            Self::Pipeline => "Pipeline Hook",
            Self::Job => "Job Hook",
            Self::Deployment => "Deployment Hook",
        }
    }
}

/// Every event flag of a project hook, in the order GitLab's entity shows them.
pub const PROJECT_EVENT_FLAGS: &[&str] = &[
    "push_events",
    "tag_push_events",
    "merge_requests_events",
    "repository_update_events",
    "issues_events",
    "confidential_issues_events",
    "note_events",
    "confidential_note_events",
    "pipeline_events",
    "wiki_page_events",
    "deployment_events",
    "feature_flag_events",
    "job_events",
    "releases_events",
    "emoji_events",
    "resource_access_token_events",
];

/// Every event flag of a group hook.
pub const GROUP_EVENT_FLAGS: &[&str] = &[
    "push_events",
    "tag_push_events",
    "merge_requests_events",
    "repository_update_events",
    "issues_events",
    "confidential_issues_events",
    "note_events",
    "confidential_note_events",
    "pipeline_events",
    "wiki_page_events",
    "job_events",
    "deployment_events",
    "feature_flag_events",
    "releases_events",
    "subgroup_events",
    "member_events",
    "emoji_events",
    "resource_access_token_events",
];

impl Gitlab {
    /// The hooks of one owner, in ID order.
    pub fn hooks_of(&self, owner: HookOwner) -> Vec<Hook> {
        crate::state::records_under(&self.db.hooks, &owner.prefix())
    }

    /// The hooks an event of `project` reaches: its own and its groups'.
    fn hooks_for_project(&self, project: &Project) -> Vec<Hook> {
        let mut hooks = self.hooks_of(HookOwner::Project(project.id));
        if let Owner::Group(group) = project.owner {
            for group in self.group_ancestry(group) {
                hooks.extend(self.hooks_of(HookOwner::Group(group.id)));
            }
        }
        hooks
    }

    /// Whether any hook would hear of `event` in `project` (so callers can skip building a
    /// payload nobody receives).
    pub fn hooks_listen(&self, project: &Project, event: Event) -> bool {
        self.hooks_for_project(project)
            .iter()
            .any(|hook| hook.events.contains(event.flag()))
    }

    /// Sends `payload` to every executable hook of `project` that listens to `event` (and
    /// whose branch filter lets `branch` through, for pushes).
    pub fn emit_hook_event(
        &self,
        project: &Project,
        event: Event,
        branch: Option<&str>,
        payload: &Value,
    ) {
        let now = self.kit.clock().now_millis();
        let hooks: Vec<Hook> = self
            .hooks_for_project(project)
            .into_iter()
            .filter(|hook| hook.events.contains(event.flag()))
            .filter(|hook| hook.alert_status(now) == "executable")
            .filter(|hook| match (event, branch) {
                (Event::Push, Some(branch)) => hook.branch_matches(branch),
                _ => true,
            })
            .collect();
        if hooks.is_empty() {
            return;
        }
        let event_uuid = self.kit.ids().uuid();
        let body = payload.to_string();
        for hook in hooks {
            if let Err(error) = self.deliver(&hook, event, &event_uuid, body.clone()) {
                tracing::error!(%error, hook = hook.id, "queueing a webhook delivery");
            }
        }
    }

    /// Queues one delivery of `body` to `hook`, and follows it to count failures. Answers the
    /// delivery's ID.
    pub fn deliver(
        &self,
        hook: &Hook,
        event: Event,
        event_uuid: &str,
        body: String,
    ) -> Result<u64, simkit::store::StoreError> {
        let webhook_uuid = self.kit.ids().uuid();
        let mut headers = vec![
            ("Content-Type".to_string(), "application/json".to_string()),
            (
                "User-Agent".to_string(),
                format!("GitLab/{}", crate::GITLAB_VERSION),
            ),
            ("X-Gitlab-Event".to_string(), event.header().to_string()),
            ("X-Gitlab-Webhook-UUID".to_string(), webhook_uuid.clone()),
            ("X-Gitlab-Instance".to_string(), self.external_url()),
            ("X-Gitlab-Event-UUID".to_string(), event_uuid.to_string()),
            ("Idempotency-Key".to_string(), webhook_uuid),
        ];
        if let Some(token) = hook.token.as_ref().filter(|token| !token.is_empty()) {
            headers.push(("X-Gitlab-Token".to_string(), token.clone()));
        }
        let delivery = self.webhooks.enqueue(Outgoing {
            hook: hook.key(),
            guid: event_uuid.to_string(),
            event: event.header().to_string(),
            action: None,
            url: hook.url.clone(),
            headers,
            body,
            verify_tls: hook.enable_ssl_verification,
            extra: Value::Null,
        })?;
        self.follow_delivery(hook.key(), delivery.id);
        Ok(delivery.id)
    }

    /// Waits (on a task) for a delivery to settle, then counts it on its hook.
    fn follow_delivery(&self, hook_key: String, delivery_id: u64) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let webhooks = self.webhooks.clone();
        let hooks = self.db.hooks.clone();
        let clock = self.kit.clock().clone();
        let wait = webhook_config().timeout + Duration::from_secs(5);
        runtime.spawn(async move {
            let Some(delivery) = webhooks.settled(&hook_key, delivery_id, wait).await else {
                return;
            };
            if delivery.state == DeliveryState::Pending {
                return;
            }
            let succeeded = delivery.state == DeliveryState::Delivered;
            let now = clock.now_millis();
            if let Err(error) = hooks.update(&hook_key, |hook| hook.after_delivery(succeeded, now))
            {
                tracing::error!(%error, hook = hook_key, "counting a webhook delivery");
            }
        });
    }

    /// Waits until delivery `id` of `hook` is settled; answers whether it succeeded and what
    /// GitLab reports otherwise (the receiver's body, or why there was no answer).
    pub async fn delivery_result(&self, hook: &Hook, id: u64) -> std::result::Result<(), String> {
        let wait = webhook_config().timeout + Duration::from_secs(5);
        let Some(delivery) = self.webhooks.settled(&hook.key(), id, wait).await else {
            return Err("Webhook delivery was not recorded".into());
        };
        match (&delivery.state, &delivery.outcome) {
            (DeliveryState::Delivered, _) => Ok(()),
            (_, Some(simkit::webhook::Outcome::Response { .. })) => {
                Err(delivery.response_body.clone().unwrap_or_default())
            }
            (_, Some(simkit::webhook::Outcome::TimedOut)) => Err("Net::ReadTimeout".into()),
            (_, Some(simkit::webhook::Outcome::ConnectFailed { reason })) => Err(format!(
                "Failed to open TCP connection to {}: {reason}",
                authority(&hook.url)
            )),
            (_, Some(simkit::webhook::Outcome::Unsupported { reason })) => Err(reason.clone()),
            (_, None) => Err("Webhook delivery timed out".into()),
        }
    }

    /// A push or tag push event for a ref a push (or an API commit) changed.
    pub fn push_hooks(&self, project: &Project, user: &crate::model::User, update: &RefUpdate) {
        let event = if update.name.starts_with("refs/tags/") {
            Event::TagPush
        } else if update.name.starts_with("refs/heads/") {
            Event::Push
        } else {
            return;
        };
        if !self.hooks_listen(project, event) {
            return;
        }
        let payload = self.push_payload(project, user, update);
        let branch = update.name.strip_prefix("refs/heads/");
        self.emit_hook_event(project, event, branch, &payload);
    }

    /// A deployment event, when a deployment starts or ends.
    pub fn deployment_hooks(&self, deployment: &crate::model::Deployment) {
        if !matches!(
            deployment.status.as_str(),
            "running" | "success" | "failed" | "canceled"
        ) {
            return;
        }
        let Some(project) = self.project(deployment.project_id) else {
            return;
        };
        if self.hooks_listen(&project, Event::Deployment) {
            let payload = self.deployment_payload(deployment);
            self.emit_hook_event(&project, Event::Deployment, None, &payload);
        }
    }

    /// A merge request event with its action.
    pub fn merge_request_hooks(
        &self,
        project: &Project,
        merge_request: &crate::model::MergeRequest,
        user: &crate::model::User,
        action: &str,
    ) {
        if self.hooks_listen(project, Event::MergeRequest) {
            let payload = self.merge_request_payload(project, merge_request, user, action);
            self.emit_hook_event(project, Event::MergeRequest, None, &payload);
        }
    }

    /// A note event for a comment on a merge request.
    pub fn note_hooks(
        &self,
        project: &Project,
        merge_request: &crate::model::MergeRequest,
        note: &crate::model::Note,
        user: &crate::model::User,
    ) {
        if self.hooks_listen(project, Event::Note) {
            let payload = self.note_payload(project, merge_request, note, user);
            self.emit_hook_event(project, Event::Note, None, &payload);
        }
    }

    /// Forgets a deleted hook's deliveries.
    pub fn forget_hook_deliveries(&self, hook: &Hook) {
        if let Err(error) = self.webhooks.forget_hook(&hook.key()) {
            tracing::error!(%error, hook = hook.id, "forgetting webhook deliveries");
        }
    }
}

/// `host:port` of a URL, as Ruby's `Net::HTTP` names it in connection errors.
fn authority(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split('/').next().unwrap_or(rest);
    if authority.contains(':') {
        authority.to_string()
    } else if url.starts_with("https") {
        format!("{authority}:443")
    } else {
        format!("{authority}:80")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hook(filter: &str, strategy: &str) -> Hook {
        Hook {
            id: 1,
            owner: HookOwner::Project(1),
            url: "http://127.0.0.1:1/".into(),
            name: String::new(),
            description: String::new(),
            token: None,
            events: BTreeSet::new(),
            enable_ssl_verification: true,
            push_events_branch_filter: filter.into(),
            branch_filter_strategy: strategy.into(),
            created_at: String::new(),
            recent_failures: 0,
            backoff_count: 0,
            disabled_until: None,
        }
    }

    #[test]
    fn branch_filters() {
        let cases = [
            ("", "wildcard", "main", true),
            ("main", "wildcard", "main", true),
            ("main", "wildcard", "feature", false),
            ("feature/*", "wildcard", "feature/x", true),
            ("feature/*", "wildcard", "fix/x", false),
            ("^rel-[0-9]+$", "regex", "rel-12", true),
            ("^rel-[0-9]+$", "regex", "rel-x", false),
            ("ignored", "all_branches", "anything", true),
        ];
        for (filter, strategy, branch, expected) in cases {
            assert_eq!(
                hook(filter, strategy).branch_matches(branch),
                expected,
                "{filter} {strategy} {branch}"
            );
        }
    }

    #[test]
    fn failures_back_off_then_disable() {
        let mut hook = hook("", "wildcard");
        for _ in 0..FAILURE_THRESHOLD {
            hook.after_delivery(false, 0);
        }
        assert_eq!(hook.alert_status(0), "executable");
        hook.after_delivery(false, 0);
        assert_eq!(hook.disabled_until, Some(60_000));
        assert_eq!(hook.alert_status(1), "temporarily_disabled");
        assert_eq!(hook.alert_status(60_000), "executable");
        hook.after_delivery(false, 0);
        assert_eq!(hook.disabled_until, Some(120_000));
        for _ in 0..40 {
            hook.after_delivery(false, 0);
        }
        assert_eq!(hook.disabled_until, Some(24 * 3600 * 1000));
        assert_eq!(hook.alert_status(i64::MAX), "disabled");
        hook.after_delivery(true, 0);
        assert_eq!(hook.alert_status(0), "executable");
        assert_eq!(hook.recent_failures, 0);
    }
}
