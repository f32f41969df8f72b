//! Access points: an application's entry into a file system, with the POSIX user its calls
//! act as and the directory it sees as root (made with its creation info on first use).

use sim_aws_shapes::efs::{
    AccessPointDescription, CreateAccessPointRequest, DeleteAccessPointRequest,
    DescribeAccessPointsRequest, DescribeAccessPointsResponse, RootDirectory,
};

use super::{Ctx, Efs, EfsError, key};
use crate::services::paging;

const ACCESS_POINTS_PER_FILE_SYSTEM: usize = 10_000;

pub(super) fn access_point_not_found(id: &str) -> EfsError {
    EfsError::AccessPointNotFound(format!("Access point '{id}' does not exist."))
}

/// A root directory path EFS accepts: absolute, without `.` or `..` segments.
pub fn safe_path(path: &str) -> bool {
    path.starts_with('/')
        && path
            .split('/')
            .all(|segment| segment != ".." && segment != ".")
}

impl Efs {
    pub(super) async fn create_access_point(
        &self,
        ctx: &Ctx,
        input: CreateAccessPointRequest,
    ) -> Result<AccessPointDescription, EfsError> {
        self.find_file_system(ctx, &input.file_system_id)?;
        let existing: Vec<AccessPointDescription> = self
            .access_points
            .scan_prefix(&ctx.scope())
            .into_iter()
            .map(|(_, ap)| ap)
            .collect();
        if let Some(same) = existing
            .iter()
            .find(|ap| ap.client_token.as_deref() == Some(input.client_token.as_str()))
        {
            return Err(EfsError::AccessPointAlreadyExists(format!(
                "Access point with client token '{}' already exists: {}",
                input.client_token,
                same.access_point_id.clone().unwrap_or_default()
            )));
        }
        let count = existing
            .iter()
            .filter(|ap| ap.file_system_id.as_deref() == Some(input.file_system_id.as_str()))
            .count();
        if count >= ACCESS_POINTS_PER_FILE_SYSTEM {
            return Err(EfsError::BadRequest(format!(
                "The file system '{}' has reached its limit of access points.",
                input.file_system_id
            )));
        }
        let root = input.root_directory.unwrap_or(RootDirectory {
            path: Some("/".into()),
            creation_info: None,
        });
        let path = root.path.clone().unwrap_or_else(|| "/".into());
        if !safe_path(&path) {
            return Err(EfsError::BadRequest(format!(
                "Root directory path '{path}' is invalid: it must be absolute and contain no '.' or '..' segments."
            )));
        }
        if let Some(info) = &root.creation_info
            && (info.permissions.len() < 3
                || info.permissions.len() > 4
                || !info.permissions.chars().all(|c| ('0'..='7').contains(&c)))
        {
            return Err(EfsError::BadRequest(format!(
                "Invalid permissions '{}': permissions must be octal.",
                info.permissions
            )));
        }
        let id = format!("fsap-{}", self.kit.ids().hex(17));
        let tags = input.tags.unwrap_or_default();
        let point = AccessPointDescription {
            client_token: Some(input.client_token),
            name: tags
                .iter()
                .find(|t| t.key == "Name")
                .map(|t| t.value.clone()),
            tags: Some(tags),
            access_point_id: Some(id.clone()),
            access_point_arn: Some(ctx.arn("elasticfilesystem", &format!("access-point/{id}"))),
            file_system_id: Some(input.file_system_id),
            posix_user: input.posix_user,
            root_directory: Some(RootDirectory {
                path: Some(path),
                creation_info: root.creation_info,
            }),
            owner_id: Some(ctx.account_id.clone()),
            life_cycle_state: Some("creating".into()),
        };
        let mut stored = point.clone();
        stored.life_cycle_state = Some("available".into());
        self.access_points.insert(&key(ctx, &id), stored)?;
        Ok(point)
    }

    pub(super) async fn describe_access_points(
        &self,
        ctx: &Ctx,
        input: DescribeAccessPointsRequest,
    ) -> Result<DescribeAccessPointsResponse, EfsError> {
        if input.access_point_id.is_some() && input.file_system_id.is_some() {
            return Err(EfsError::BadRequest(
                "Request cannot contain both an access point ID and a file system ID.".into(),
            ));
        }
        if let Some(id) = &input.access_point_id {
            self.access_point(ctx, id)
                .ok_or_else(|| access_point_not_found(id))?;
        }
        if let Some(id) = &input.file_system_id {
            self.find_file_system(ctx, id)?;
        }
        let entries = self
            .access_points
            .scan_prefix(&ctx.scope())
            .into_iter()
            .map(|(_, ap)| ap)
            .filter(|ap| {
                input
                    .access_point_id
                    .as_ref()
                    .is_none_or(|id| ap.access_point_id.as_ref() == Some(id))
                    && input
                        .file_system_id
                        .as_ref()
                        .is_none_or(|id| ap.file_system_id.as_ref() == Some(id))
            })
            .map(|ap| (ap.access_point_id.clone().unwrap_or_default(), ap))
            .collect();
        let size = input.max_results.unwrap_or(100).max(1) as usize;
        let page = paging::page(entries, input.next_token.as_deref(), size)
            .map_err(|_| EfsError::BadRequest("Invalid NextToken".into()))?;
        Ok(DescribeAccessPointsResponse {
            access_points: Some(page.items),
            next_token: page.next,
        })
    }

    pub(super) async fn delete_access_point(
        &self,
        ctx: &Ctx,
        input: DeleteAccessPointRequest,
    ) -> Result<(), EfsError> {
        let id = input.access_point_id;
        self.access_point(ctx, &id)
            .ok_or_else(|| access_point_not_found(&id))?;
        self.access_points.remove(&key(ctx, &id))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::safe_path;

    #[test]
    fn root_directories_stay_inside() {
        assert!(safe_path("/"));
        assert!(safe_path("/data/app"));
        assert!(!safe_path("data"));
        assert!(!safe_path("/data/../etc"));
        assert!(!safe_path("/./x"));
    }
}
