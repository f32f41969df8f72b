//! Merge requests as records: their diff refs and mergeability computed from the project's
//! repository (`git merge-base` and `git merge-tree`, nothing moves), kept current when a push
//! or an API commit moves their source or target branch, the `refs/merge-requests/:iid/head`
//! ref GitLab keeps for each, merging (a merge commit, or fast-forward when the project's
//! `merge_method` is `ff`), and the pipelines GitLab runs for them (`merge_request_event`).
//!
//! What this module must not do: speak HTTP (`api::merge_requests` does) or decide who may act.

use simkit::git::{MergeMethod, RefUpdate, Repo};

use crate::engine::NewPipeline;
use crate::error::{GitlabError, Result};
use crate::model::{DiffRefs, MergeRequest, Note, Pipeline, Project, User, key};
use crate::state::{Gitlab, records_under};

/// The store key of merge request `iid` of `project_id`.
pub fn merge_request_key(project_id: u64, iid: u64) -> String {
    format!("{}/{}", key(project_id), key(iid))
}

/// Whether a title marks the merge request as a draft, as GitLab reads it: `Draft:`,
/// `[Draft]` or `(Draft)` at the start, any case.
pub fn is_draft(title: &str) -> bool {
    let lower = title.trim_start().to_ascii_lowercase();
    lower.starts_with("draft:") || lower.starts_with("[draft]") || lower.starts_with("(draft)")
}

/// What a merge did.
pub struct Merged {
    pub merge_commit_sha: Option<String>,
    pub squash_commit_sha: Option<String>,
}

impl Gitlab {
    pub fn merge_request(&self, project_id: u64, iid: u64) -> Option<MergeRequest> {
        self.db
            .merge_requests
            .get(&merge_request_key(project_id, iid))
    }

    pub fn project_merge_requests(&self, project_id: u64) -> Vec<MergeRequest> {
        records_under(&self.db.merge_requests, &format!("{}/", key(project_id)))
    }

    /// The merge request's diff refs and merge status as the branches stand now, and the
    /// `refs/merge-requests/:iid/head` ref at its source head. A merge request that is not
    /// open keeps what it had.
    pub fn refreshed(&self, repo: &Repo, mut merge_request: MergeRequest) -> MergeRequest {
        if merge_request.state != "opened" {
            return merge_request;
        }
        let head = repo
            .resolve(&format!("refs/heads/{}", merge_request.source_branch))
            .ok()
            .flatten();
        let start = repo
            .resolve(&format!("refs/heads/{}", merge_request.target_branch))
            .ok()
            .flatten();
        let (Some(head), Some(start)) = (head, start) else {
            merge_request.merge_status = "cannot_be_merged".into();
            return merge_request;
        };
        let base = repo
            .compare(&start, &head)
            .ok()
            .and_then(|comparison| comparison.merge_base)
            .unwrap_or_else(|| start.clone());
        let mergeable = repo
            .merge_tree(&start, &head, None)
            .ok()
            .flatten()
            .is_some();
        merge_request.merge_status = if mergeable {
            "can_be_merged"
        } else {
            "cannot_be_merged"
        }
        .into();
        let head_ref = format!("refs/merge-requests/{}/head", merge_request.iid);
        if repo.resolve(&head_ref).ok().flatten().as_deref() != Some(head.as_str())
            && let Err(error) = repo.update_ref(&head_ref, Some(&head), None)
        {
            tracing::error!(%error, "moving a merge request's head ref");
        }
        merge_request.diff = Some(DiffRefs {
            base_sha: base,
            head_sha: head,
            start_sha: start,
        });
        merge_request
    }

    /// Stores a refreshed merge request if its computed fields changed.
    pub fn refresh_merge_request(
        &self,
        repo: &Repo,
        merge_request: MergeRequest,
    ) -> Result<MergeRequest> {
        let fresh = self.refreshed(repo, merge_request.clone());
        if fresh.diff != merge_request.diff || fresh.merge_status != merge_request.merge_status {
            let record_key = merge_request_key(fresh.project_id, fresh.iid);
            let stored = fresh.clone();
            self.db.merge_requests.update(&record_key, move |record| {
                record.diff = stored.diff.clone();
                record.merge_status = stored.merge_status.clone();
            })?;
        }
        Ok(fresh)
    }

    /// After a branch moved (a push, an API commit, a branch created or deleted): open merge
    /// requests from or into it are refreshed, and those whose source moved get a merge
    /// request pipeline.
    pub fn merge_requests_after_push(&self, project: &Project, user: &User, update: &RefUpdate) {
        let Some(branch) = update.name.strip_prefix("refs/heads/") else {
            return;
        };
        let Ok(repo) = self.repo(project) else { return };
        for merge_request in self.project_merge_requests(project.id) {
            if merge_request.state != "opened"
                || (merge_request.source_branch != branch && merge_request.target_branch != branch)
            {
                continue;
            }
            let source_moved = merge_request.source_branch == branch && update.new.is_some();
            match self.refresh_merge_request(&repo, merge_request) {
                Ok(fresh) if source_moved => {
                    if let Err(error) = self.merge_request_pipeline(project, user, &fresh) {
                        tracing::debug!(%error, "no merge request pipeline");
                    }
                }
                Ok(_) => {}
                Err(error) => tracing::error!(%error, "refreshing a merge request"),
            }
        }
    }

    /// A pipeline for the merge request's source head with `CI_PIPELINE_SOURCE` set to
    /// `merge_request_event`, on `refs/merge-requests/:iid/head` (a "detached" merge request
    /// pipeline). `Err` when the configuration gives it no jobs, as GitLab then creates none.
    pub fn merge_request_pipeline(
        &self,
        project: &Project,
        user: &User,
        merge_request: &MergeRequest,
    ) -> Result<Pipeline> {
        let diff = merge_request
            .diff
            .as_ref()
            .ok_or_else(|| GitlabError::not_found("Branch"))?;
        let repo = self.repo(project)?;
        let config_path = project
            .ci_config_path
            .clone()
            .unwrap_or_else(|| ".gitlab-ci.yml".into());
        if crate::repository::read_text(&repo, &diff.head_sha, &config_path).is_none() {
            return Err(GitlabError::Validation(vec![(
                "base".into(),
                "Missing CI config file".into(),
            )]));
        }
        let changed_files = repo
            .diff(&diff.base_sha, &diff.head_sha)
            .ok()
            .map(|files| files.into_iter().map(|file| file.path).collect());
        let pipeline = self.create_pipeline(
            project,
            user,
            NewPipeline {
                git_ref: format!("refs/merge-requests/{}/head", merge_request.iid),
                tag: false,
                sha: diff.head_sha.clone(),
                before_sha: crate::engine::ZERO_SHA.into(),
                source: "merge_request_event".into(),
                variables: Vec::new(),
                changed_files,
                merge_request_iid: Some(merge_request.iid),
                config_source: None,
                upstream: None,
            },
        )?;
        // GitLab keeps a ref per pipeline so a runner can fetch exactly its commit.
        if let Err(error) = repo.update_ref(
            &format!("refs/pipelines/{}", pipeline.id),
            Some(&pipeline.sha),
            None,
        ) {
            tracing::error!(%error, "writing a pipeline ref");
        }
        Ok(pipeline)
    }

    /// The variables GitLab adds to a merge request pipeline.
    pub fn merge_request_variables(
        &self,
        project: &Project,
        merge_request: &MergeRequest,
    ) -> Vec<(String, String)> {
        let base = self.external_url();
        let project_url = format!("{base}/{}", project.path_with_namespace);
        let names = |ids: &[u64]| {
            ids.iter()
                .filter_map(|id| self.user(*id).map(|user| user.username))
                .collect::<Vec<_>>()
                .join(",")
        };
        let mut out = vec![
            ("CI_MERGE_REQUEST_ID", merge_request.id.to_string()),
            ("CI_MERGE_REQUEST_IID", merge_request.iid.to_string()),
            ("CI_MERGE_REQUEST_PROJECT_ID", project.id.to_string()),
            (
                "CI_MERGE_REQUEST_PROJECT_PATH",
                project.path_with_namespace.clone(),
            ),
            ("CI_MERGE_REQUEST_PROJECT_URL", project_url.clone()),
            (
                "CI_MERGE_REQUEST_REF_PATH",
                format!("refs/merge-requests/{}/head", merge_request.iid),
            ),
            (
                "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME",
                merge_request.source_branch.clone(),
            ),
            ("CI_MERGE_REQUEST_SOURCE_PROJECT_ID", project.id.to_string()),
            (
                "CI_MERGE_REQUEST_SOURCE_PROJECT_PATH",
                project.path_with_namespace.clone(),
            ),
            ("CI_MERGE_REQUEST_SOURCE_PROJECT_URL", project_url),
            (
                "CI_MERGE_REQUEST_TARGET_BRANCH_NAME",
                merge_request.target_branch.clone(),
            ),
            (
                "CI_MERGE_REQUEST_TARGET_BRANCH_PROTECTED",
                (merge_request.target_branch == project.default_branch).to_string(),
            ),
            ("CI_MERGE_REQUEST_TITLE", merge_request.title.clone()),
            (
                "CI_MERGE_REQUEST_DESCRIPTION",
                merge_request.description.clone(),
            ),
            ("CI_MERGE_REQUEST_EVENT_TYPE", "detached".into()),
            (
                "CI_MERGE_REQUEST_DRAFT",
                is_draft(&merge_request.title).to_string(),
            ),
            (
                "CI_MERGE_REQUEST_SQUASH_ON_MERGE",
                merge_request.squash.to_string(),
            ),
            (
                "CI_MERGE_REQUEST_APPROVED",
                (!merge_request.approved_by.is_empty()).to_string(),
            ),
        ];
        if let Some(diff) = &merge_request.diff {
            out.push(("CI_MERGE_REQUEST_DIFF_BASE_SHA", diff.base_sha.clone()));
        }
        let assignees = names(&merge_request.assignee_ids);
        if !assignees.is_empty() {
            out.push(("CI_MERGE_REQUEST_ASSIGNEES", assignees));
        }
        if !merge_request.labels.is_empty() {
            out.push(("CI_MERGE_REQUEST_LABELS", merge_request.labels.join(",")));
        }
        out.into_iter()
            .map(|(name, value)| (name.to_string(), value))
            .collect()
    }

    /// Joins the source into the target: a merge commit (or a squash commit and then a merge
    /// commit when `squash`), or a fast-forward when the project merges with `ff`.
    pub fn merge_branches(
        &self,
        repo: &Repo,
        project: &Project,
        merge_request: &MergeRequest,
        user: &User,
        message: Option<String>,
    ) -> Result<Merged> {
        let signature = self.signature(user);
        let head = merge_request
            .diff
            .as_ref()
            .map(|diff| diff.head_sha.clone())
            .ok_or(GitlabError::NotAllowed)?;
        let old_target = repo.resolve(&format!("refs/heads/{}", merge_request.target_branch))?;
        let merged = if project.merge_method == "ff" {
            repo.merge(
                &merge_request.target_branch,
                &head,
                "",
                &signature,
                MergeMethod::FastForward,
            )
            .map_err(|_| GitlabError::NotAllowed)?;
            Merged {
                merge_commit_sha: None,
                squash_commit_sha: None,
            }
        } else {
            let message = message.unwrap_or_else(|| {
                format!(
                    "Merge branch '{}' into '{}'\n\n{}\n\nSee merge request {}!{}",
                    merge_request.source_branch,
                    merge_request.target_branch,
                    merge_request.title,
                    project.path_with_namespace,
                    merge_request.iid
                )
            });
            let method = if merge_request.squash {
                MergeMethod::Squash
            } else {
                MergeMethod::Merge
            };
            let commit = repo
                .merge(
                    &merge_request.target_branch,
                    &head,
                    &message,
                    &signature,
                    method,
                )
                .map_err(|_| GitlabError::NotAllowed)?;
            let sha = commit.map(|commit| commit.sha);
            if merge_request.squash {
                Merged {
                    merge_commit_sha: None,
                    squash_commit_sha: sha,
                }
            } else {
                Merged {
                    merge_commit_sha: sha,
                    squash_commit_sha: None,
                }
            }
        };
        let new_target = repo.resolve(&format!("refs/heads/{}", merge_request.target_branch))?;
        if let Some(new_target) = new_target
            && old_target.as_deref() != Some(new_target.as_str())
        {
            // The target moved: its pipeline runs as after a push.
            self.pipeline_for_push(
                project,
                user,
                &RefUpdate {
                    name: format!("refs/heads/{}", merge_request.target_branch),
                    old: old_target,
                    new: Some(new_target),
                },
            );
        }
        Ok(merged)
    }

    /// Records a note on a merge request; system notes say what happened to it.
    pub fn add_note(
        &self,
        merge_request: &MergeRequest,
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
        self.db.notes.insert(
            &format!(
                "{}/{}",
                merge_request_key(merge_request.project_id, merge_request.iid),
                key(note.id)
            ),
            note.clone(),
        )?;
        Ok(note)
    }

    pub fn merge_request_notes(&self, merge_request: &MergeRequest) -> Vec<Note> {
        records_under(
            &self.db.notes,
            &format!(
                "{}/",
                merge_request_key(merge_request.project_id, merge_request.iid)
            ),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drafts_are_read_from_the_title() {
        for (title, draft) in [
            ("Draft: add login", true),
            ("draft: lower case", true),
            ("[Draft] bracketed", true),
            ("(draft) parenthesised", true),
            ("Drafting a plan", false),
            ("Add draft mode", false),
        ] {
            assert_eq!(is_draft(title), draft, "{title}");
        }
    }
}
