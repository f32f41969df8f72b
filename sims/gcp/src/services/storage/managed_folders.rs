//! Managed folders: named prefixes of a bucket that carry their own IAM policy in Cloud
//! Storage. Stored per bucket under `BUCKET/NAME/`; a name is kept with its trailing `/`, as
//! Cloud Storage returns it.
//!
//! What holds as in Cloud Storage: a bucket needs uniform bucket-level access for managed
//! folders; a second folder of the same name is 409; an unknown one 404; deleting a folder
//! that still has objects under it is 409 unless `allowNonEmpty`; metageneration
//! preconditions; listings by name with `prefix`, paged with opaque tokens.
//!
//! Limitations: the folders' IAM policies (`getIamPolicy`, `setIamPolicy`,
//! `testIamPermissions`) answer 501 UNIMPLEMENTED naming the method.
//!
//! Must not: see HTTP.

use serde::{Deserialize, Serialize};
use sim_gcp_shapes::storage_v1::{ManagedFolder, ManagedFolders};

use super::{Links, Preconditions, Storage, encode_name};
use crate::error::GcpError;
use crate::protocol::paging;

/// A managed folder as stored.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ManagedFolderRecord {
    pub folder: ManagedFolder,
}

fn folder_not_found() -> GcpError {
    GcpError::not_found("The specified managed folder does not exist.")
}

/// A folder name with its trailing `/`; names are object-name prefixes.
fn normalize(name: &str) -> Result<String, GcpError> {
    let trimmed = name.trim_end_matches('/');
    if trimmed.is_empty()
        || trimmed.len() > 1023
        || trimmed.contains(['\r', '\n'])
        || trimmed
            .split('/')
            .any(|part| part.is_empty() || part == "." || part == "..")
    {
        return Err(GcpError::invalid(format!(
            "The specified managed folder name is not valid: {name}"
        )));
    }
    Ok(format!("{trimmed}/"))
}

fn key(bucket: &str, name: &str) -> String {
    format!("{bucket}/{name}")
}

impl Storage {
    fn with_folder_links(&self, mut folder: ManagedFolder, links: &Links) -> ManagedFolder {
        if let (Some(bucket), Some(name)) = (&folder.bucket, &folder.name) {
            folder.self_link = Some(format!(
                "{}/storage/v1/b/{}/managedFolders/{}",
                links.base_url,
                encode_name(bucket),
                encode_name(name)
            ));
        }
        folder
    }

    /// `managedFolders.insert`.
    pub fn insert_managed_folder(
        &self,
        bucket: &str,
        input: ManagedFolder,
        links: &Links,
    ) -> Result<ManagedFolder, GcpError> {
        let name = normalize(
            input
                .name
                .as_deref()
                .ok_or_else(|| GcpError::required("name"))?,
        )?;
        let record = self.bucket_record(bucket)?;
        let uniform = record
            .bucket
            .iam_configuration
            .as_ref()
            .and_then(|c| c.uniform_bucket_level_access.as_ref())
            .and_then(|u| u.enabled)
            .unwrap_or(false);
        if !uniform {
            return Err(GcpError::bad_request(
                "Managed folders can only be created in buckets that have uniform bucket-level access enabled.",
            ));
        }
        let now = self.now();
        let folder = ManagedFolder {
            kind: Some("storage#managedFolder".into()),
            id: Some(format!("{bucket}/{name}")),
            bucket: Some(bucket.to_string()),
            name: Some(name.clone()),
            create_time: Some(now.clone()),
            update_time: Some(now),
            metageneration: Some(1),
            ..Default::default()
        };
        self.managed_folders.modify(&key(bucket, &name), |slot| {
            if slot.is_some() {
                return Err(GcpError::conflict(
                    "The managed folder you tried to create already exists.",
                ));
            }
            *slot = Some(ManagedFolderRecord {
                folder: folder.clone(),
            });
            Ok(())
        })?;
        Ok(self.with_folder_links(folder, links))
    }

    fn folder(
        &self,
        bucket: &str,
        name: &str,
        preconditions: &Preconditions,
    ) -> Result<(String, ManagedFolder), GcpError> {
        self.bucket_record(bucket)?;
        let name = normalize(name)?;
        let folder = self
            .managed_folders
            .get(&key(bucket, &name))
            .ok_or_else(folder_not_found)?
            .folder;
        check_metageneration(preconditions, folder.metageneration)?;
        Ok((name, folder))
    }

    /// `managedFolders.get`.
    pub fn get_managed_folder(
        &self,
        bucket: &str,
        name: &str,
        preconditions: &Preconditions,
        links: &Links,
    ) -> Result<ManagedFolder, GcpError> {
        let (_, folder) = self.folder(bucket, name, preconditions)?;
        Ok(self.with_folder_links(folder, links))
    }

    /// `managedFolders.list`: by name, under `prefix`.
    pub fn list_managed_folders(
        &self,
        bucket: &str,
        prefix: Option<&str>,
        page_size: Option<i64>,
        page_token: Option<&str>,
        links: &Links,
    ) -> Result<ManagedFolders, GcpError> {
        self.bucket_record(bucket)?;
        let size = paging::page_size(page_size, 1000, 1000)?;
        let after = paging::resume_after(page_token)?;
        let start = key(bucket, prefix.unwrap_or_default());
        let mut folders: Vec<(String, ManagedFolder)> = self
            .managed_folders
            .scan_prefix(&start)
            .into_iter()
            .filter(|(folder_key, _)| after.as_ref().is_none_or(|last| folder_key > last))
            .map(|(folder_key, record)| (folder_key, record.folder))
            .collect();
        let more = folders.len() > size;
        folders.truncate(size);
        let next_page_token = more
            .then(|| {
                folders
                    .last()
                    .map(|(folder_key, _)| paging::token(folder_key))
            })
            .flatten();
        let items: Vec<ManagedFolder> = folders
            .into_iter()
            .map(|(_, folder)| self.with_folder_links(folder, links))
            .collect();
        Ok(ManagedFolders {
            kind: Some("storage#managedFolders".into()),
            items: (!items.is_empty()).then_some(items),
            next_page_token,
        })
    }

    /// `managedFolders.delete`: refused while objects lie under it, unless `allow_non_empty`.
    pub fn delete_managed_folder(
        &self,
        bucket: &str,
        name: &str,
        allow_non_empty: bool,
        preconditions: &Preconditions,
    ) -> Result<(), GcpError> {
        let (name, _) = self.folder(bucket, name, preconditions)?;
        let folder_prefix = key(bucket, &name);
        let holds_objects = self
            .objects
            .range(
                (
                    std::ops::Bound::Included(folder_prefix.clone()),
                    std::ops::Bound::Unbounded,
                ),
                1,
                false,
            )
            .first()
            .is_some_and(|(object_key, _)| object_key.starts_with(&folder_prefix));
        if !allow_non_empty && holds_objects {
            return Err(GcpError::conflict_state(
                "The managed folder you tried to delete is not empty.",
            ));
        }
        self.managed_folders
            .remove(&key(bucket, &name))?
            .ok_or_else(folder_not_found)?;
        Ok(())
    }
}

fn check_metageneration(
    preconditions: &Preconditions,
    metageneration: Option<i64>,
) -> Result<(), GcpError> {
    if let Some(expected) = preconditions.if_metageneration_match
        && metageneration != Some(expected)
    {
        return Err(GcpError::precondition_failed());
    }
    if let Some(unexpected) = preconditions.if_metageneration_not_match
        && metageneration == Some(unexpected)
    {
        return Err(GcpError::not_modified());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folder_names_end_with_a_slash() {
        assert_eq!(normalize("a").expect("a"), "a/");
        assert_eq!(normalize("a/b/").expect("a/b"), "a/b/");
        for bad in ["", "/", "a//b", "../x", "a/./b"] {
            assert!(normalize(bad).is_err(), "{bad}");
        }
    }
}
