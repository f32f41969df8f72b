//! Image shapes: list, inspect, delete answers and the progress messages of pull and load.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One entry of `GET /images/json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ImageSummary {
    #[serde(rename = "Id")]
    pub id: String,
    #[serde(rename = "ParentId")]
    pub parent_id: String,
    #[serde(rename = "RepoTags")]
    pub repo_tags: Vec<String>,
    #[serde(rename = "RepoDigests")]
    pub repo_digests: Vec<String>,
    #[serde(rename = "Created")]
    pub created: i64,
    #[serde(rename = "Size")]
    pub size: i64,
    #[serde(rename = "SharedSize")]
    pub shared_size: i64,
    #[serde(rename = "Labels")]
    pub labels: BTreeMap<String, String>,
    #[serde(rename = "Containers")]
    pub containers: i64,
}

/// `GET /images/{name}/json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ImageInspect {
    #[serde(rename = "Id")]
    pub id: String,
    #[serde(rename = "RepoTags")]
    pub repo_tags: Vec<String>,
    #[serde(rename = "RepoDigests")]
    pub repo_digests: Vec<String>,
    #[serde(rename = "Parent")]
    pub parent: String,
    #[serde(rename = "Comment")]
    pub comment: String,
    #[serde(rename = "Created")]
    pub created: String,
    #[serde(rename = "Author")]
    pub author: String,
    #[serde(rename = "Config")]
    pub config: Value,
    #[serde(rename = "Architecture")]
    pub architecture: String,
    #[serde(rename = "Os")]
    pub os: String,
    #[serde(rename = "Size")]
    pub size: i64,
    #[serde(rename = "GraphDriver")]
    pub graph_driver: Value,
    #[serde(rename = "RootFS")]
    pub root_fs: Value,
    #[serde(rename = "Metadata")]
    pub metadata: Value,
}

/// One entry of `DELETE /images/{name}`'s answer.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub enum ImageDeleted {
    Untagged(String),
    Deleted(String),
}

/// One JSON message of a pull's or a load's progress stream.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct ProgressMessage {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream: Option<String>,
    #[serde(
        rename = "errorDetail",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub error_detail: Option<ErrorDetail>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct ErrorDetail {
    pub message: String,
}

impl ProgressMessage {
    pub fn status(text: impl Into<String>) -> Self {
        Self {
            status: Some(text.into()),
            ..Self::default()
        }
    }

    pub fn stream(text: impl Into<String>) -> Self {
        Self {
            stream: Some(text.into()),
            ..Self::default()
        }
    }

    /// The in-stream error the CLI prints and exits 1 with.
    pub fn error(message: impl Into<String>) -> Self {
        let message = message.into();
        Self {
            error_detail: Some(ErrorDetail {
                message: message.clone(),
            }),
            error: Some(message),
            ..Self::default()
        }
    }
}

/// `POST /commit`: a new image from a container's changes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CommitOptions {
    /// Repository and tag of the new image (none: an untagged image).
    pub repo: String,
    pub tag: String,
    /// `--message`.
    pub comment: String,
    pub author: String,
    /// Docker pauses the container while it commits (`pause`, default true).
    pub pause: bool,
    /// `--change` lines: Dockerfile instructions applied to the image's config.
    pub changes: Vec<String>,
    /// The body: a container `Config` replacing the container's own, as a client sent it.
    pub config: Option<serde_json::Value>,
}

/// The answer to a commit: `{"Id": "sha256:…"}`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CommitCreated {
    #[serde(rename = "Id")]
    pub id: String,
}

/// `POST /images/prune`'s answer.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct ImagePruneReport {
    #[serde(rename = "ImagesDeleted")]
    pub images_deleted: Option<Vec<ImageDeleted>>,
    #[serde(rename = "SpaceReclaimed")]
    pub space_reclaimed: u64,
}

/// One entry of `GET /images/{name}/history`, newest first.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct HistoryItem {
    /// The image's ID on the newest entry, `<missing>` below it (as Docker, whose lower
    /// entries are not images of their own here).
    #[serde(rename = "Id")]
    pub id: String,
    #[serde(rename = "Created")]
    pub created: i64,
    #[serde(rename = "CreatedBy")]
    pub created_by: String,
    #[serde(rename = "Tags")]
    pub tags: Option<Vec<String>>,
    #[serde(rename = "Size")]
    pub size: i64,
    #[serde(rename = "Comment")]
    pub comment: String,
}

/// `POST /images/create?fromSrc=-` options.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// The repository to tag the image with (empty: untagged), with its `tag` (default `latest`).
    pub repo: String,
    pub tag: String,
    /// The history entry's comment (default `Imported from -`).
    pub message: String,
    /// Dockerfile instructions applied to the image's config (`--change`).
    pub changes: Vec<String>,
}
