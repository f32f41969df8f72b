//! Typed handlers: each takes a [`Ctx`] (the hub, the caller, the time) and a typed input, and
//! returns records or a [`GitHubError`]. Access rules live here, as GitHub applies them: a
//! private repository the caller may not read is `Not Found` (GitHub never says it exists), and
//! so is one the token lacks the scope for (classic tokens need `repo` for private
//! repositories, `public_repo` or `repo` to write to public ones).
//!
//! What this module must not do: see HTTP (no headers, status codes or JSON values), or read
//! the clock (the time comes in the `Ctx`).

pub mod apps;
pub mod archives;
pub mod checks;
pub mod collaborators;
pub mod commits;
pub mod contents;
pub mod deploy_keys;
pub mod forks;
pub mod git;
pub mod gitdata;
pub mod issues;
pub mod labels;
pub mod milestones;
pub mod orgs;
pub mod pulls;
pub mod releases;
pub mod repos;
pub mod review_comments;
pub mod search;
pub mod stars;
pub mod teams;
pub mod topics;
pub mod users;

use crate::Hub;
use crate::auth::Principal;
use crate::error::GitHubError;
use crate::model::{AccountKind, Repo};
use crate::render::Permissions;

/// What every handler gets.
pub struct Ctx<'a> {
    pub hub: &'a Hub,
    pub caller: Option<Principal>,
    /// Unix milliseconds, from the kit's clock.
    pub now: i64,
}

impl Ctx<'_> {
    /// The caller, or GitHub's 401 `Requires authentication`.
    pub fn require_caller(&self) -> Result<&Principal, GitHubError> {
        self.caller
            .as_ref()
            .ok_or(GitHubError::RequiresAuthentication)
    }

    fn is_site_admin(&self) -> bool {
        self.caller.as_ref().is_some_and(|c| c.account.site_admin)
    }

    /// Whether the caller belongs to organization `org` (actively), and as what role.
    pub fn org_role(&self, org: &str) -> Option<String> {
        let caller = self.caller.as_ref()?;
        self.hub
            .state
            .membership(org, caller.login())
            .filter(|m| m.state == "active")
            .map(|m| m.role)
    }

    /// What the caller may do with `repo`, before token scopes: owners, organization admins and
    /// site administrators administer; organization members read (GitHub's default base
    /// permission); everyone reads public repositories.
    pub fn permissions(&self, repo: &Repo) -> Permissions {
        let Some(caller) = &self.caller else {
            return Permissions {
                pull: !repo.private,
                ..Permissions::default()
            };
        };
        if caller.is_integration() {
            // An installation token reaches its installation's repositories (what it may do
            // there is checked per operation); an app's JWT reaches none.
            let reaches = caller
                .installation
                .as_ref()
                .is_some_and(|grant| apps::token_reaches(self, grant, repo));
            let administer = reaches
                && caller.installation.as_ref().is_some_and(|grant| {
                    crate::apps::permissions::grants(
                        &grant.permissions,
                        "administration",
                        crate::apps::permissions::Level::Write,
                    )
                });
            return Permissions {
                admin: administer,
                push: reaches,
                pull: reaches || !repo.private,
            };
        }
        let owner_kind = self
            .hub
            .state
            .account(&repo.owner)
            .map(|a| a.kind)
            .unwrap_or(AccountKind::User);
        let admin = self.is_site_admin()
            || (owner_kind == AccountKind::User && repo.owner.eq_ignore_ascii_case(caller.login()))
            || (owner_kind == AccountKind::Organization
                && self.org_role(&repo.owner).as_deref() == Some("admin"));
        let member =
            owner_kind == AccountKind::Organization && self.org_role(&repo.owner).is_some();
        // The strongest of the caller's direct role and its teams' roles.
        let role = [
            collaborators::role_of(self, repo, caller.login()),
            teams::role_of(self, repo, caller.login()),
        ]
        .into_iter()
        .flatten()
        .max_by_key(|role| {
            collaborators::ROLES
                .iter()
                .position(|r| r == role)
                .unwrap_or(0)
        });
        let (role_pull, role_push, role_admin) = match role.as_deref() {
            Some("admin") => (true, true, true),
            Some("maintain" | "push") => (true, true, false),
            Some(_) => (true, false, false),
            None => (false, false, false),
        };
        // A fine-grained token narrowed to some repositories reaches only those (and reads
        // public ones).
        let narrowed_away = caller.pat.as_ref().is_some_and(|grant| {
            grant
                .repository_ids
                .as_ref()
                .is_some_and(|ids| !ids.contains(&repo.id))
        });
        if narrowed_away {
            return Permissions {
                pull: !repo.private,
                ..Permissions::default()
            };
        }
        Permissions {
            admin: admin || role_admin,
            push: admin || role_push,
            pull: admin || member || role_pull || !repo.private,
        }
    }

    /// Whether the caller can see `repo` at all: its permissions and, for a private one, a
    /// token with `repo`.
    pub fn can_read(&self, repo: &Repo) -> bool {
        let permissions = self.permissions(repo);
        if !permissions.pull {
            return false;
        }
        !repo.private || self.caller.as_ref().is_some_and(|c| c.has_scope("repo"))
    }

    /// Whether the token may write to `repo`: `repo` for private ones, `public_repo` for public.
    pub fn write_scope(&self, repo: &Repo) -> bool {
        let scope = if repo.private { "repo" } else { "public_repo" };
        self.caller.as_ref().is_some_and(|c| c.has_scope(scope))
    }

    /// The repository `owner/name` if the caller can see it; `Not Found` otherwise.
    pub fn readable_repo(&self, owner: &str, name: &str) -> Result<Repo, GitHubError> {
        let repo = self
            .hub
            .state
            .repo_by_name(owner, name)
            .ok_or(GitHubError::NotFound)?;
        if self.can_read(&repo) {
            Ok(repo)
        } else {
            Err(GitHubError::NotFound)
        }
    }

    /// The repository if the caller may push to it (and the token has the scope); GitHub
    /// answers `Not Found` to a caller who cannot see it, 403 to one who can but may not write.
    pub fn writable_repo(&self, owner: &str, name: &str) -> Result<Repo, GitHubError> {
        let repo = self.readable_repo(owner, name)?;
        self.require_caller()?;
        if !self.write_scope(&repo) {
            return Err(GitHubError::NotFound);
        }
        if !self.permissions(&repo).push {
            return Err(GitHubError::Forbidden(
                "Must have push access to repository".into(),
            ));
        }
        Ok(repo)
    }
}
