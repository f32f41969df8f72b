//! Protected branches and tags: the records (`ProtectedBranch`, `ProtectedTag`, patterns with
//! `*` wildcards), what they let a caller do, and the checks GitLab runs on every ref change,
//! with GitLab's messages (`Gitlab::Checks::BranchCheck` and `TagCheck`).
//!
//! The same rules apply to a git push (through `simkit::git::rules` and git's pre-receive
//! path, the message prefixed `GitLab: ` as GitLab's hooks print it) and to changes made
//! through the API, which GitLab treats as web changes: maintainers may delete protected
//! branches and create them from the API, never by a push.
//!
//! The default branch is protected (push and merge for maintainers) when it first comes to
//! exist, as GitLab's default "fully protected" setting does; unprotecting it later sticks.
//!
//! What this module must not do: speak HTTP (the REST routes are `api::protected`).

use simkit::git::rules::{self, Change, RefRule, Verdict};

use crate::error::Result;
use crate::model::{
    AccessLevelGrant, Pipeline, Project, ProtectedBranch, ProtectedTag, User, access, key,
};
use crate::state::{Gitlab, records_under};

/// GitLab's numbers for "no one" and "instance administrators" on protected refs.
pub const NO_ACCESS: i64 = 0;
pub const ADMIN: i64 = 60;

const DELETE_DEFAULT_BRANCH: &str = "The default branch of a project cannot be deleted.";
const FORCE_PUSH_PROTECTED_BRANCH: &str =
    "You are not allowed to force push code to a protected branch on this project.";
const NON_MASTER_DELETE_PROTECTED_BRANCH: &str = "You are not allowed to delete protected branches from this project. Only a project maintainer or owner can delete a protected branch.";
const NON_WEB_DELETE_PROTECTED_BRANCH: &str =
    "You can only delete protected branches using the web interface.";
const PUSH_PROTECTED_BRANCH: &str =
    "You are not allowed to push code to protected branches on this project.";
const CREATE_PROTECTED_BRANCH: &str =
    "You are not allowed to create protected branches on this project.";
const NON_WEB_CREATE_PROTECTED_BRANCH: &str =
    "You can only create protected branches using the web interface and API.";
const UPDATE_PROTECTED_TAG: &str = "Protected tags cannot be updated.";
const DELETE_PROTECTED_TAG: &str = "You are not allowed to delete protected tags from this project. Only a project maintainer or owner can delete a protected tag.";
const DELETE_PROTECTED_TAG_NON_WEB: &str =
    "You can only delete protected tags using the web interface.";
const CREATE_PROTECTED_TAG: &str = "You are not allowed to create this tag as it is protected.";

/// How GitLab describes an access level of a protected ref.
pub fn describe(level: i64) -> &'static str {
    match level {
        access::DEVELOPER => "Developers + Maintainers",
        access::MAINTAINER => "Maintainers",
        ADMIN => "Instance admins",
        _ => "No one",
    }
}

/// The access levels a protected ref may grant (Grape answers `... does not have a valid
/// value` for others).
pub fn is_grantable(level: i64) -> bool {
    matches!(
        level,
        NO_ACCESS | access::DEVELOPER | access::MAINTAINER | ADMIN
    )
}

/// Whether `user`, with `level` in the project, passes `grant`. "No one" stops
/// administrators too, as in GitLab.
fn grants(grant: &AccessLevelGrant, user: &User, level: i64) -> bool {
    match grant.access_level {
        NO_ACCESS => false,
        ADMIN => user.is_admin,
        needed => level >= needed,
    }
}

pub fn record_key(project_id: u64, name: &str) -> String {
    format!("{}/{name}", key(project_id))
}

/// Whether a change comes from a push (`Push`) or from the API and the web (`Web`): GitLab
/// lets maintainers delete protected refs only from the web and the API.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    Push,
    Web,
}

impl Gitlab {
    pub fn protected_branches(&self, project_id: u64) -> Vec<ProtectedBranch> {
        let mut found = records_under(
            &self.db.protected_branches,
            &format!("{}/", key(project_id)),
        );
        found.sort_by_key(|branch| branch.id);
        found
    }

    pub fn protected_tags(&self, project_id: u64) -> Vec<ProtectedTag> {
        let mut found = records_under(&self.db.protected_tags, &format!("{}/", key(project_id)));
        found.sort_by_key(|tag| tag.id);
        found
    }

    pub fn branch_is_protected(&self, project_id: u64, branch: &str) -> bool {
        self.protected_branches(project_id)
            .iter()
            .any(|protected| rules::matches(&protected.name, branch))
    }

    pub fn tag_is_protected(&self, project_id: u64, tag: &str) -> bool {
        self.protected_tags(project_id)
            .iter()
            .any(|protected| rules::matches(&protected.name, tag))
    }

    /// Whether `user` may push to `branch` (any matching protection granting it is enough).
    pub fn can_push_to_branch(&self, project: &Project, user: &User, branch: &str) -> bool {
        let level = self.project_access(user, project);
        let matching: Vec<ProtectedBranch> = self
            .protected_branches(project.id)
            .into_iter()
            .filter(|protected| rules::matches(&protected.name, branch))
            .collect();
        if matching.is_empty() {
            return level >= access::DEVELOPER;
        }
        matching
            .iter()
            .any(|protected| grants(&protected.push_access_level, user, level))
    }

    /// Whether `user` may merge into `branch` (any matching protection granting it is enough).
    pub fn can_merge_to_branch(&self, project: &Project, user: &User, branch: &str) -> bool {
        let level = self.project_access(user, project);
        let matching: Vec<ProtectedBranch> = self
            .protected_branches(project.id)
            .into_iter()
            .filter(|protected| rules::matches(&protected.name, branch))
            .collect();
        if matching.is_empty() {
            return level >= access::DEVELOPER;
        }
        matching
            .iter()
            .any(|protected| grants(&protected.merge_access_level, user, level))
    }

    /// `CI_COMMIT_REF_PROTECTED`: the pipeline's branch or tag is protected. Merge request
    /// pipelines run on `refs/merge-requests/…`, which no protection covers.
    pub fn pipeline_ref_protected(&self, pipeline: &Pipeline) -> bool {
        if pipeline.merge_request_iid.is_some() {
            return false;
        }
        if pipeline.tag {
            self.tag_is_protected(pipeline.project_id, &pipeline.git_ref)
        } else {
            self.branch_is_protected(pipeline.project_id, &pipeline.git_ref)
        }
    }

    /// The rules every change of this project's refs by `user` must pass.
    pub fn ref_rules(&self, project: &Project, user: &User, origin: Origin) -> Vec<RefRule> {
        let level = self.project_access(user, project);
        let say = |message: &str| match origin {
            Origin::Push => Verdict::Refuse(format!("GitLab: {message}")),
            Origin::Web => Verdict::Refuse(message.to_string()),
        };
        let mut out = vec![RefRule {
            pattern: format!("refs/heads/{}", project.default_branch),
            create: Verdict::Abstain,
            update: Verdict::Abstain,
            force: Verdict::Abstain,
            delete: say(DELETE_DEFAULT_BRANCH),
        }];
        for protected in self.protected_branches(project.id) {
            let can_push = grants(&protected.push_access_level, user, level);
            let can_merge = grants(&protected.merge_access_level, user, level);
            let can_delete = level >= access::MAINTAINER;
            out.push(RefRule {
                pattern: format!("refs/heads/{}", protected.name),
                create: match (can_push, can_merge, origin) {
                    (true, _, _) | (false, true, Origin::Web) => Verdict::Allow,
                    (false, true, Origin::Push) => say(NON_WEB_CREATE_PROTECTED_BRANCH),
                    (false, false, _) => say(CREATE_PROTECTED_BRANCH),
                },
                update: if can_push {
                    Verdict::Allow
                } else {
                    say(PUSH_PROTECTED_BRANCH)
                },
                force: if protected.allow_force_push {
                    Verdict::Abstain
                } else {
                    say(FORCE_PUSH_PROTECTED_BRANCH)
                },
                delete: match (can_delete, origin) {
                    (false, _) => say(NON_MASTER_DELETE_PROTECTED_BRANCH),
                    (true, Origin::Push) => say(NON_WEB_DELETE_PROTECTED_BRANCH),
                    (true, Origin::Web) => Verdict::Allow,
                },
            });
        }
        for protected in self.protected_tags(project.id) {
            let can_create = grants(&protected.create_access_level, user, level);
            out.push(RefRule {
                pattern: format!("refs/tags/{}", protected.name),
                create: if can_create {
                    Verdict::Allow
                } else {
                    say(CREATE_PROTECTED_TAG)
                },
                update: say(UPDATE_PROTECTED_TAG),
                force: Verdict::Abstain,
                delete: match (level >= access::MAINTAINER, origin) {
                    (false, _) => say(DELETE_PROTECTED_TAG),
                    (true, Origin::Push) => say(DELETE_PROTECTED_TAG_NON_WEB),
                    (true, Origin::Web) => Verdict::Allow,
                },
            });
        }
        out
    }

    /// Checks a change made through the API: `Err` carries GitLab's message.
    pub fn check_web_change(
        &self,
        project: &Project,
        user: &User,
        ref_name: &str,
        change: Change,
    ) -> std::result::Result<(), String> {
        rules::check(
            &self.ref_rules(project, user, Origin::Web),
            ref_name,
            change,
        )
    }

    /// Protects the default branch the first time it comes to exist (a push, an API commit,
    /// or `initialize_with_readme`), as GitLab's initial default branch protection does.
    pub fn protect_default_branch_once(
        &self,
        project: &Project,
        created_branch: &str,
    ) -> Result<()> {
        if project.default_branch_protection_applied || created_branch != project.default_branch {
            return Ok(());
        }
        let id = self.next_id("protected_branches")?;
        let push_id = self.next_id("protected_branch_push_levels")?;
        let merge_id = self.next_id("protected_branch_merge_levels")?;
        let record = ProtectedBranch {
            id,
            name: project.default_branch.clone(),
            push_access_level: AccessLevelGrant {
                id: push_id,
                access_level: access::MAINTAINER,
            },
            merge_access_level: AccessLevelGrant {
                id: merge_id,
                access_level: access::MAINTAINER,
            },
            allow_force_push: false,
            code_owner_approval_required: false,
        };
        self.kit.store().transaction(|txn| {
            let applied = txn
                .update(&self.db.projects, &key(project.id), |stored| {
                    let first = !stored.default_branch_protection_applied;
                    stored.default_branch_protection_applied = true;
                    first
                })?
                .unwrap_or(false);
            let record_key = record_key(project.id, &record.name);
            if applied && !txn.contains(&self.db.protected_branches, &record_key)? {
                txn.insert(&self.db.protected_branches, &record_key, record.clone())?;
            }
            Ok::<_, crate::error::GitlabError>(())
        })
    }
}
