//! Where `include:` reads from when the hub builds a pipeline or lints a configuration: the
//! pipeline's repository at its commit, and other projects' repositories as the pipeline's
//! user may read them (GitLab's `download_code`: reporters and up, or any signed-in user for
//! public and internal projects).
//!
//! What this module must not do: parse configuration (that is `ci::config`), or let an
//! include reach a project its user could not clone.

use crate::auth::Caller;
use crate::ci::config::{
    ComponentProject, ConfigError, Place, Sources, project_not_found, project_ref_not_found,
};
use crate::model::{User, access};
use crate::repository::read_text;
use crate::state::Gitlab;

/// Includes for one pipeline (or one lint): its repository and commit, and its user.
pub struct RepositorySources<'a> {
    pub gitlab: &'a Gitlab,
    pub user: Option<&'a User>,
    pub repo: &'a simkit::git::Repo,
    /// The pipeline's commit; `None` lints content against a repository with no such ref.
    pub sha: Option<&'a str>,
    /// What `include: rules: if` sees.
    pub variables: std::collections::BTreeMap<String, String>,
    /// The files the push changed, when known (`include: rules: changes`).
    pub changed_files: Option<Vec<String>>,
}

impl Sources for RepositorySources<'_> {
    fn local(&self, place: &Place, path: &str) -> Option<String> {
        match place {
            Place::Pipeline => self.sha.and_then(|sha| read_text(self.repo, sha, path)),
            Place::Project { path: project, sha } => {
                let project = self.gitlab.find_project(project)?;
                let repo = self.gitlab.repo(&project).ok()?;
                read_text(&repo, sha, path)
            }
        }
    }

    fn files(&self, place: &Place) -> Vec<String> {
        let listing = |repo: &simkit::git::Repo, sha: &str| -> Vec<String> {
            repo.tree_recursive(sha, "")
                .ok()
                .flatten()
                .unwrap_or_default()
                .into_iter()
                .filter(|entry| entry.kind == simkit::git::EntryKind::Blob)
                .map(|entry| entry.path)
                .collect()
        };
        match place {
            Place::Pipeline => self
                .sha
                .map(|sha| listing(self.repo, sha))
                .unwrap_or_default(),
            Place::Project { path: project, sha } => self
                .gitlab
                .find_project(project)
                .and_then(|project| self.gitlab.repo(&project).ok())
                .map(|repo| listing(&repo, sha))
                .unwrap_or_default(),
        }
    }

    fn variables(&self) -> std::collections::BTreeMap<String, String> {
        self.variables.clone()
    }

    fn changed_files(&self) -> Option<Vec<String>> {
        self.changed_files.clone()
    }

    fn component_project(&self, path: &str, version: &str) -> ComponentProject {
        let Some(project) = self.gitlab.find_project(path) else {
            return ComponentProject::Missing;
        };
        // GitLab's `download_code` on the component's project, for the pipeline's user.
        let readable = self.user.is_some_and(|user| {
            let caller = Caller::User(user.clone());
            self.gitlab
                .visible_project(&caller, path)
                .is_ok_and(|(project, level)| {
                    project.visibility != "private" || level >= access::REPORTER
                })
        });
        if !readable {
            return ComponentProject::Denied;
        }
        let Ok(repo) = self.gitlab.repo(&project) else {
            return ComponentProject::Missing;
        };
        let sha = match simkit::git::names::check_revision(version) {
            Ok(()) => repo.resolve(version).ok().flatten(),
            Err(_) => None,
        };
        match sha {
            Some(sha) => ComponentProject::Found(Place::Project {
                path: project.path_with_namespace,
                sha,
            }),
            None => ComponentProject::Missing,
        }
    }

    fn project(&self, path: &str, git_ref: Option<&str>) -> Result<Place, ConfigError> {
        let user = self.user.ok_or_else(|| project_not_found(path))?;
        let caller = Caller::User(user.clone());
        let (project, level) = self
            .gitlab
            .visible_project(&caller, path)
            .map_err(|_| project_not_found(path))?;
        if project.visibility == "private" && level < access::REPORTER {
            return Err(project_not_found(path));
        }
        let repo = self
            .gitlab
            .repo(&project)
            .map_err(|_| project_not_found(path))?;
        let wanted = git_ref.unwrap_or(&project.default_branch);
        let sha = match simkit::git::names::check_revision(wanted) {
            Ok(()) => repo.resolve(wanted).ok().flatten(),
            Err(_) => None,
        }
        .ok_or_else(|| project_ref_not_found(path, git_ref.unwrap_or("HEAD")))?;
        Ok(Place::Project {
            path: project.path_with_namespace,
            sha,
        })
    }
}
