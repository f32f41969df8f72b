//! Releases in GraphQL: `Repository.releases` (ordered by `CREATED_AT` or `NAME`, paged as
//! every connection here) and `Repository.latestRelease`, over the same service as REST. This
//! is what `gh release list` asks.

use async_graphql::{Context, Enum, ID, InputObject, Object};

use super::connection::{Page, Window, paginate};
use super::{DateTime, OrderDirection, URI, graphql_error, request};
use crate::model::Repo;
use crate::render::{node_id, timestamp};
use crate::services::releases;

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum ReleaseOrderField {
    CreatedAt,
    Name,
}

#[derive(InputObject)]
pub struct ReleaseOrder {
    pub field: ReleaseOrderField,
    pub direction: OrderDirection,
}

/// `Release`.
pub struct Release {
    repo: Repo,
    release: crate::model::Release,
    /// Whether this is the repository's latest release.
    latest: bool,
}

#[Object]
impl Release {
    async fn id(&self) -> ID {
        ID(node_id("Release", self.release.id))
    }
    async fn database_id(&self) -> i64 {
        self.release.id as i64
    }
    async fn name(&self) -> Option<&str> {
        self.release.name.as_deref()
    }
    async fn tag_name(&self) -> &str {
        &self.release.tag_name
    }
    async fn description(&self) -> Option<&str> {
        self.release.body.as_deref()
    }
    async fn is_draft(&self) -> bool {
        self.release.draft
    }
    async fn is_prerelease(&self) -> bool {
        self.release.prerelease
    }
    async fn is_latest(&self) -> bool {
        self.latest
    }
    async fn immutable(&self) -> bool {
        false
    }
    async fn created_at(&self) -> DateTime {
        DateTime(timestamp(self.release.created_at))
    }
    async fn published_at(&self) -> Option<DateTime> {
        self.release.published_at.map(|at| DateTime(timestamp(at)))
    }
    async fn updated_at(&self) -> DateTime {
        DateTime(timestamp(self.release.updated_at))
    }
    async fn url(&self, ctx: &Context<'_>) -> URI {
        URI(format!(
            "{}/{}/releases/tag/{}",
            request(ctx).urls.html,
            self.repo.full_name(),
            self.release.tag_name
        ))
    }
}

fn latest_id(ctx: &Context<'_>, repo: &Repo) -> Option<u64> {
    releases::latest(&request(ctx).ctx(), &repo.owner, &repo.name)
        .ok()
        .map(|(_, r)| r.id)
}

/// `Repository.releases`.
pub fn page(
    ctx: &Context<'_>,
    repo: &Repo,
    order: Option<ReleaseOrder>,
    window: Window,
) -> async_graphql::Result<Page<Release>> {
    let (_, mut list) = releases::list(&request(ctx).ctx(), &repo.owner, &repo.name)
        .map_err(|e| graphql_error(e, String::new))?;
    let (field, direction) = order
        .map_or((ReleaseOrderField::CreatedAt, OrderDirection::Desc), |o| {
            (o.field, o.direction)
        });
    match field {
        ReleaseOrderField::CreatedAt => list.sort_by_key(|r| (r.created_at, r.id)),
        ReleaseOrderField::Name => list.sort_by(|a, b| a.name.cmp(&b.name)),
    }
    if direction == OrderDirection::Desc {
        list.reverse();
    }
    let latest = latest_id(ctx, repo);
    paginate(
        list.into_iter()
            .map(|release| Release {
                latest: Some(release.id) == latest,
                repo: repo.clone(),
                release,
            })
            .collect(),
        window,
    )
}

/// `Repository.latestRelease`.
pub fn latest(ctx: &Context<'_>, repo: &Repo) -> Option<Release> {
    releases::latest(&request(ctx).ctx(), &repo.owner, &repo.name)
        .ok()
        .map(|(repo, release)| Release {
            repo,
            release,
            latest: true,
        })
}
