//! Issues as records: their keys, notes (system notes say what happened), time tracking
//! durations as GitLab parses and prints them, and the issue and note events hooks receive.
//!
//! What this module must not do: speak HTTP (the API is `api::issues`), or fail a change
//! because a hook delivery could not be queued.

use serde_json::{Value, json};

use crate::error::Result;
use crate::hooks::Event;
use crate::hooks::payloads::hook_time;
use crate::model::{Issue, Note, Project, User, key};
use crate::state::{Gitlab, records_under};

pub fn issue_key(project_id: u64, iid: u64) -> String {
    format!("{}/{}", key(project_id), key(iid))
}

/// Hours in a day, days in a week and weeks in a month as GitLab's time tracking counts them
/// (`Gitlab::TimeTrackingFormatter`: 8-hour days, 5-day weeks, 4-week months).
const MINUTE: i64 = 60;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 8 * HOUR;
const WEEK: i64 = 5 * DAY;
const MONTH: i64 = 4 * WEEK;

/// A duration such as `1h30m`, `3w 2d`, `-30m` or `2` (hours, the default unit) in seconds;
/// `None` when it does not parse, as ChronicDuration answers.
pub fn parse_duration(text: &str) -> Option<i64> {
    let text = text.trim();
    let (negative, text) = match text.strip_prefix('-') {
        Some(rest) => (true, rest.trim()),
        None => (false, text),
    };
    if text.is_empty() {
        return None;
    }
    if let Ok(hours) = text.parse::<f64>() {
        let seconds = (hours * HOUR as f64).round() as i64;
        return Some(if negative { -seconds } else { seconds });
    }
    let mut total = 0i64;
    let mut rest = text;
    while !rest.is_empty() {
        rest = rest.trim_start();
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if digits == 0 {
            return None;
        }
        let amount: f64 = rest[..digits].parse().ok()?;
        rest = rest[digits..].trim_start();
        let letters = rest
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(rest.len());
        let unit = match &rest[..letters] {
            "mo" | "mos" | "month" | "months" => MONTH,
            "w" | "wk" | "wks" | "week" | "weeks" => WEEK,
            "d" | "day" | "days" => DAY,
            "h" | "hr" | "hrs" | "hour" | "hours" | "" => HOUR,
            "m" | "min" | "mins" | "minute" | "minutes" => MINUTE,
            "s" | "sec" | "secs" | "second" | "seconds" => 1,
            _ => return None,
        };
        total += (amount * unit as f64).round() as i64;
        rest = &rest[letters..];
    }
    Some(if negative { -total } else { total })
}

/// Seconds as GitLab prints them (`human_time_estimate`): `1mo 1w 2d 3h 30m`; `None` for 0.
pub fn human_duration(seconds: i64) -> Option<String> {
    if seconds == 0 {
        return None;
    }
    let sign = if seconds < 0 { "-" } else { "" };
    let mut left = seconds.abs();
    let mut parts = Vec::new();
    for (unit, name) in [
        (MONTH, "mo"),
        (WEEK, "w"),
        (DAY, "d"),
        (HOUR, "h"),
        (MINUTE, "m"),
        (1, "s"),
    ] {
        let count = left / unit;
        if count > 0 {
            parts.push(format!("{count}{name}"));
            left -= count * unit;
        }
    }
    Some(format!("{sign}{}", parts.join(" ")))
}

impl Gitlab {
    pub fn issue(&self, project_id: u64, iid: u64) -> Option<Issue> {
        self.db.issues.get(&issue_key(project_id, iid))
    }

    /// A project's issues, in `iid` order.
    pub fn project_issues(&self, project_id: u64) -> Vec<Issue> {
        records_under(&self.db.issues, &format!("{}/", key(project_id)))
    }

    /// Records a note on an issue (with the notes' own IDs, shared with merge requests').
    pub fn add_issue_note(
        &self,
        issue: &Issue,
        author: &User,
        body: &str,
        system: bool,
    ) -> Result<Note> {
        let now = self.now();
        let note = Note {
            id: self.next_id("notes")?,
            body: body.to_string(),
            author_id: author.id,
            created_at: now.clone(),
            updated_at: now,
            system,
        };
        self.db.issue_notes.insert(
            &format!(
                "{}/{}",
                issue_key(issue.project_id, issue.iid),
                key(note.id)
            ),
            note.clone(),
        )?;
        Ok(note)
    }

    pub fn issue_notes(&self, issue: &Issue) -> Vec<Note> {
        records_under(
            &self.db.issue_notes,
            &format!("{}/", issue_key(issue.project_id, issue.iid)),
        )
    }

    /// The issue as hooks describe it (`Issue#hook_attrs`).
    fn issue_hook_attrs(&self, project: &Project, issue: &Issue) -> Value {
        let labels: Vec<Value> = self.issue_label_hook_attrs(project, issue);
        json!({
            "id": issue.id,
            "iid": issue.iid,
            "title": issue.title,
            "description": issue.description,
            "state": issue.state,
            "state_id": if issue.state == "closed" { 2 } else { 1 },
            "author_id": issue.author_id,
            "assignee_ids": issue.assignee_ids,
            "assignee_id": issue.assignee_ids.first(),
            "milestone_id": issue.milestone_id,
            "project_id": project.id,
            "confidential": issue.confidential,
            "discussion_locked": issue.discussion_locked,
            "due_date": issue.due_date,
            "created_at": hook_time(&issue.created_at),
            "updated_at": hook_time(&issue.updated_at),
            "closed_at": issue.closed_at.as_deref().map(hook_time),
            "time_estimate": issue.time_estimate,
            "total_time_spent": issue.total_time_spent,
            "time_change": 0,
            "human_time_estimate": human_duration(issue.time_estimate),
            "human_total_time_spent": human_duration(issue.total_time_spent),
            "human_time_change": null,
            "labels": labels,
            "type": "Issue",
            "url": format!(
                "{}/{}/-/issues/{}",
                self.external_url(),
                project.path_with_namespace,
                issue.iid
            ),
        })
    }

    pub(crate) fn issue_label_hook_attrs(&self, project: &Project, issue: &Issue) -> Vec<Value> {
        let parent = crate::api::labels::Parent::Project(project.clone());
        issue
            .labels
            .iter()
            .filter_map(|name| self.find_label(&parent, name, true).ok())
            .map(|owned| {
                let (project_id, group_id, kind) = match &owned.owner {
                    crate::api::labels::Parent::Project(p) => (Some(p.id), None, "ProjectLabel"),
                    crate::api::labels::Parent::Group(g) => (None, Some(g.id), "GroupLabel"),
                };
                json!({
                    "id": owned.label.id,
                    "title": owned.label.name,
                    "color": owned.label.color,
                    "project_id": project_id,
                    "group_id": group_id,
                    "created_at": hook_time(&owned.label.created_at),
                    "updated_at": hook_time(&owned.label.created_at),
                    "template": false,
                    "description": owned.label.description,
                    "type": kind,
                })
            })
            .collect()
    }

    /// An issue event (`Gitlab::DataBuilder::Issuable`) with its action (`open`, `close`,
    /// `reopen`, `update`) and the changed fields as `{previous, current}`.
    pub fn issue_hooks(
        &self,
        project: &Project,
        issue: &Issue,
        user: &User,
        action: &str,
        changes: Value,
    ) {
        let event = if issue.confidential {
            Event::ConfidentialIssue
        } else {
            Event::Issue
        };
        if self.hooks_listen(project, event) {
            let payload = self.issue_payload(project, issue, user, action, changes);
            self.emit_hook_event(project, event, None, &payload);
        }
    }

    /// The payload of an issue event.
    pub fn issue_payload(
        &self,
        project: &Project,
        issue: &Issue,
        user: &User,
        action: &str,
        changes: Value,
    ) -> Value {
        let mut attributes = self.issue_hook_attrs(project, issue);
        attributes["action"] = json!(action);
        let assignees: Vec<Value> = issue
            .assignee_ids
            .iter()
            .filter_map(|id| self.user(*id))
            .map(|user| self.hook_user(&user))
            .collect();
        let labels = attributes["labels"].clone();
        json!({
            "object_kind": "issue",
            "event_type": if issue.confidential { "confidential_issue" } else { "issue" },
            "user": self.hook_user(user),
            "project": self.hook_project(project),
            "object_attributes": attributes,
            "labels": labels,
            "changes": changes,
            "repository": {
                "name": project.name,
                "url": self.ssh_url(project),
                "description": project.description,
                "homepage": format!("{}/{}", self.external_url(), project.path_with_namespace),
            },
            "assignees": assignees,
        })
    }

    /// A note event for a comment on an issue (`Gitlab::DataBuilder::Note`).
    pub fn issue_note_hooks(&self, project: &Project, issue: &Issue, note: &Note, user: &User) {
        let event = if issue.confidential {
            Event::ConfidentialNote
        } else {
            Event::Note
        };
        if !self.hooks_listen(project, event) {
            return;
        }
        let issue_url = format!(
            "{}/{}/-/issues/{}",
            self.external_url(),
            project.path_with_namespace,
            issue.iid
        );
        let payload = json!({
            "object_kind": "note",
            "event_type": if issue.confidential { "confidential_note" } else { "note" },
            "user": self.hook_user(user),
            "project_id": project.id,
            "project": self.hook_project(project),
            "object_attributes": {
                "id": note.id,
                "note": note.body,
                "noteable_type": "Issue",
                "author_id": note.author_id,
                "created_at": hook_time(&note.created_at),
                "updated_at": hook_time(&note.updated_at),
                "project_id": project.id,
                "attachment": null,
                "line_code": null,
                "commit_id": null,
                "noteable_id": issue.id,
                "system": note.system,
                "st_diff": null,
                "action": "create",
                "url": format!("{issue_url}#note_{}", note.id),
            },
            "repository": {
                "name": project.name,
                "url": self.ssh_url(project),
                "description": project.description,
                "homepage": format!("{}/{}", self.external_url(), project.path_with_namespace),
            },
            "issue": self.issue_hook_attrs(project, issue),
        });
        self.emit_hook_event(project, event, None, &payload);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_and_print_as_gitlab_does() {
        let cases = [
            ("1h30m", Some(5400)),
            ("3h 30m", Some(12600)),
            ("1d", Some(8 * 3600)),
            ("1w", Some(5 * 8 * 3600)),
            ("1mo", Some(4 * 5 * 8 * 3600)),
            ("2", Some(7200)),
            ("-30m", Some(-1800)),
            ("1x", None),
            ("", None),
            ("h", None),
        ];
        for (text, seconds) in cases {
            assert_eq!(parse_duration(text), seconds, "{text}");
        }
        assert_eq!(human_duration(5400).as_deref(), Some("1h 30m"));
        assert_eq!(human_duration(8 * 3600 * 6).as_deref(), Some("1w 1d"));
        assert_eq!(human_duration(0), None);
        assert_eq!(human_duration(-1800).as_deref(), Some("-30m"));
    }
}
