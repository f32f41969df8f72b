//! The `impl Api for Iam` table: one delegating line per operation, in alphabetical order.
//! Handlers live in the topic modules; an operation missing here answers `NotImplemented`.

use sim_aws_shapes::iam::{self as shapes, Api};

use super::{Iam, IamError};
use crate::services::Ctx;

#[async_trait::async_trait]
impl Api for Iam {
    type Ctx = Ctx;
    type Error = IamError;

    async fn add_role_to_instance_profile(
        &self,
        ctx: &Ctx,
        input: shapes::AddRoleToInstanceProfileRequest,
    ) -> Result<(), IamError> {
        Iam::add_role_to_instance_profile(self, ctx, input).await
    }

    async fn add_user_to_group(
        &self,
        ctx: &Ctx,
        input: shapes::AddUserToGroupRequest,
    ) -> Result<(), IamError> {
        Iam::add_user_to_group(self, ctx, input).await
    }

    async fn attach_group_policy(
        &self,
        ctx: &Ctx,
        input: shapes::AttachGroupPolicyRequest,
    ) -> Result<(), IamError> {
        Iam::attach_group_policy(self, ctx, input).await
    }

    async fn attach_role_policy(
        &self,
        ctx: &Ctx,
        input: shapes::AttachRolePolicyRequest,
    ) -> Result<(), IamError> {
        Iam::attach_role_policy(self, ctx, input).await
    }

    async fn attach_user_policy(
        &self,
        ctx: &Ctx,
        input: shapes::AttachUserPolicyRequest,
    ) -> Result<(), IamError> {
        Iam::attach_user_policy(self, ctx, input).await
    }

    async fn change_password(
        &self,
        ctx: &Ctx,
        input: shapes::ChangePasswordRequest,
    ) -> Result<(), IamError> {
        Iam::change_password(self, ctx, input).await
    }

    async fn create_access_key(
        &self,
        ctx: &Ctx,
        input: shapes::CreateAccessKeyRequest,
    ) -> Result<shapes::CreateAccessKeyResponse, IamError> {
        Iam::create_access_key(self, ctx, input).await
    }

    async fn create_account_alias(
        &self,
        ctx: &Ctx,
        input: shapes::CreateAccountAliasRequest,
    ) -> Result<(), IamError> {
        Iam::create_account_alias(self, ctx, input).await
    }

    async fn create_group(
        &self,
        ctx: &Ctx,
        input: shapes::CreateGroupRequest,
    ) -> Result<shapes::CreateGroupResponse, IamError> {
        Iam::create_group(self, ctx, input).await
    }

    async fn create_instance_profile(
        &self,
        ctx: &Ctx,
        input: shapes::CreateInstanceProfileRequest,
    ) -> Result<shapes::CreateInstanceProfileResponse, IamError> {
        Iam::create_instance_profile(self, ctx, input).await
    }

    async fn create_login_profile(
        &self,
        ctx: &Ctx,
        input: shapes::CreateLoginProfileRequest,
    ) -> Result<shapes::CreateLoginProfileResponse, IamError> {
        Iam::create_login_profile(self, ctx, input).await
    }

    async fn create_policy(
        &self,
        ctx: &Ctx,
        input: shapes::CreatePolicyRequest,
    ) -> Result<shapes::CreatePolicyResponse, IamError> {
        Iam::create_policy(self, ctx, input).await
    }

    async fn create_policy_version(
        &self,
        ctx: &Ctx,
        input: shapes::CreatePolicyVersionRequest,
    ) -> Result<shapes::CreatePolicyVersionResponse, IamError> {
        Iam::create_policy_version(self, ctx, input).await
    }

    async fn create_role(
        &self,
        ctx: &Ctx,
        input: shapes::CreateRoleRequest,
    ) -> Result<shapes::CreateRoleResponse, IamError> {
        Iam::create_role(self, ctx, input).await
    }

    async fn create_user(
        &self,
        ctx: &Ctx,
        input: shapes::CreateUserRequest,
    ) -> Result<shapes::CreateUserResponse, IamError> {
        Iam::create_user(self, ctx, input).await
    }

    async fn delete_access_key(
        &self,
        ctx: &Ctx,
        input: shapes::DeleteAccessKeyRequest,
    ) -> Result<(), IamError> {
        Iam::delete_access_key(self, ctx, input).await
    }

    async fn delete_account_alias(
        &self,
        ctx: &Ctx,
        input: shapes::DeleteAccountAliasRequest,
    ) -> Result<(), IamError> {
        Iam::delete_account_alias(self, ctx, input).await
    }

    async fn delete_account_password_policy(&self, ctx: &Ctx, input: ()) -> Result<(), IamError> {
        Iam::delete_account_password_policy(self, ctx, input).await
    }

    async fn delete_group(
        &self,
        ctx: &Ctx,
        input: shapes::DeleteGroupRequest,
    ) -> Result<(), IamError> {
        Iam::delete_group(self, ctx, input).await
    }

    async fn delete_group_policy(
        &self,
        ctx: &Ctx,
        input: shapes::DeleteGroupPolicyRequest,
    ) -> Result<(), IamError> {
        Iam::delete_group_policy(self, ctx, input).await
    }

    async fn delete_instance_profile(
        &self,
        ctx: &Ctx,
        input: shapes::DeleteInstanceProfileRequest,
    ) -> Result<(), IamError> {
        Iam::delete_instance_profile(self, ctx, input).await
    }

    async fn delete_login_profile(
        &self,
        ctx: &Ctx,
        input: shapes::DeleteLoginProfileRequest,
    ) -> Result<(), IamError> {
        Iam::delete_login_profile(self, ctx, input).await
    }

    async fn delete_policy(
        &self,
        ctx: &Ctx,
        input: shapes::DeletePolicyRequest,
    ) -> Result<(), IamError> {
        Iam::delete_policy(self, ctx, input).await
    }

    async fn delete_policy_version(
        &self,
        ctx: &Ctx,
        input: shapes::DeletePolicyVersionRequest,
    ) -> Result<(), IamError> {
        Iam::delete_policy_version(self, ctx, input).await
    }

    async fn delete_role(
        &self,
        ctx: &Ctx,
        input: shapes::DeleteRoleRequest,
    ) -> Result<(), IamError> {
        Iam::delete_role(self, ctx, input).await
    }

    async fn delete_role_permissions_boundary(
        &self,
        ctx: &Ctx,
        input: shapes::DeleteRolePermissionsBoundaryRequest,
    ) -> Result<(), IamError> {
        Iam::delete_role_permissions_boundary(self, ctx, input).await
    }

    async fn delete_role_policy(
        &self,
        ctx: &Ctx,
        input: shapes::DeleteRolePolicyRequest,
    ) -> Result<(), IamError> {
        Iam::delete_role_policy(self, ctx, input).await
    }

    async fn delete_user(
        &self,
        ctx: &Ctx,
        input: shapes::DeleteUserRequest,
    ) -> Result<(), IamError> {
        Iam::delete_user(self, ctx, input).await
    }

    async fn delete_user_permissions_boundary(
        &self,
        ctx: &Ctx,
        input: shapes::DeleteUserPermissionsBoundaryRequest,
    ) -> Result<(), IamError> {
        Iam::delete_user_permissions_boundary(self, ctx, input).await
    }

    async fn delete_user_policy(
        &self,
        ctx: &Ctx,
        input: shapes::DeleteUserPolicyRequest,
    ) -> Result<(), IamError> {
        Iam::delete_user_policy(self, ctx, input).await
    }

    async fn detach_group_policy(
        &self,
        ctx: &Ctx,
        input: shapes::DetachGroupPolicyRequest,
    ) -> Result<(), IamError> {
        Iam::detach_group_policy(self, ctx, input).await
    }

    async fn detach_role_policy(
        &self,
        ctx: &Ctx,
        input: shapes::DetachRolePolicyRequest,
    ) -> Result<(), IamError> {
        Iam::detach_role_policy(self, ctx, input).await
    }

    async fn detach_user_policy(
        &self,
        ctx: &Ctx,
        input: shapes::DetachUserPolicyRequest,
    ) -> Result<(), IamError> {
        Iam::detach_user_policy(self, ctx, input).await
    }

    async fn get_access_key_last_used(
        &self,
        ctx: &Ctx,
        input: shapes::GetAccessKeyLastUsedRequest,
    ) -> Result<shapes::GetAccessKeyLastUsedResponse, IamError> {
        Iam::get_access_key_last_used(self, ctx, input).await
    }

    async fn get_account_password_policy(
        &self,
        ctx: &Ctx,
        input: (),
    ) -> Result<shapes::GetAccountPasswordPolicyResponse, IamError> {
        Iam::get_account_password_policy(self, ctx, input).await
    }

    async fn get_group(
        &self,
        ctx: &Ctx,
        input: shapes::GetGroupRequest,
    ) -> Result<shapes::GetGroupResponse, IamError> {
        Iam::get_group(self, ctx, input).await
    }

    async fn get_group_policy(
        &self,
        ctx: &Ctx,
        input: shapes::GetGroupPolicyRequest,
    ) -> Result<shapes::GetGroupPolicyResponse, IamError> {
        Iam::get_group_policy(self, ctx, input).await
    }

    async fn get_instance_profile(
        &self,
        ctx: &Ctx,
        input: shapes::GetInstanceProfileRequest,
    ) -> Result<shapes::GetInstanceProfileResponse, IamError> {
        Iam::get_instance_profile(self, ctx, input).await
    }

    async fn get_login_profile(
        &self,
        ctx: &Ctx,
        input: shapes::GetLoginProfileRequest,
    ) -> Result<shapes::GetLoginProfileResponse, IamError> {
        Iam::get_login_profile(self, ctx, input).await
    }

    async fn get_policy(
        &self,
        ctx: &Ctx,
        input: shapes::GetPolicyRequest,
    ) -> Result<shapes::GetPolicyResponse, IamError> {
        Iam::get_policy(self, ctx, input).await
    }

    async fn get_policy_version(
        &self,
        ctx: &Ctx,
        input: shapes::GetPolicyVersionRequest,
    ) -> Result<shapes::GetPolicyVersionResponse, IamError> {
        Iam::get_policy_version(self, ctx, input).await
    }

    async fn get_role(
        &self,
        ctx: &Ctx,
        input: shapes::GetRoleRequest,
    ) -> Result<shapes::GetRoleResponse, IamError> {
        Iam::get_role(self, ctx, input).await
    }

    async fn get_role_policy(
        &self,
        ctx: &Ctx,
        input: shapes::GetRolePolicyRequest,
    ) -> Result<shapes::GetRolePolicyResponse, IamError> {
        Iam::get_role_policy(self, ctx, input).await
    }

    async fn get_user(
        &self,
        ctx: &Ctx,
        input: shapes::GetUserRequest,
    ) -> Result<shapes::GetUserResponse, IamError> {
        Iam::get_user(self, ctx, input).await
    }

    async fn get_user_policy(
        &self,
        ctx: &Ctx,
        input: shapes::GetUserPolicyRequest,
    ) -> Result<shapes::GetUserPolicyResponse, IamError> {
        Iam::get_user_policy(self, ctx, input).await
    }

    async fn list_access_keys(
        &self,
        ctx: &Ctx,
        input: shapes::ListAccessKeysRequest,
    ) -> Result<shapes::ListAccessKeysResponse, IamError> {
        Iam::list_access_keys(self, ctx, input).await
    }

    async fn list_account_aliases(
        &self,
        ctx: &Ctx,
        input: shapes::ListAccountAliasesRequest,
    ) -> Result<shapes::ListAccountAliasesResponse, IamError> {
        Iam::list_account_aliases(self, ctx, input).await
    }

    async fn list_attached_group_policies(
        &self,
        ctx: &Ctx,
        input: shapes::ListAttachedGroupPoliciesRequest,
    ) -> Result<shapes::ListAttachedGroupPoliciesResponse, IamError> {
        Iam::list_attached_group_policies(self, ctx, input).await
    }

    async fn list_attached_role_policies(
        &self,
        ctx: &Ctx,
        input: shapes::ListAttachedRolePoliciesRequest,
    ) -> Result<shapes::ListAttachedRolePoliciesResponse, IamError> {
        Iam::list_attached_role_policies(self, ctx, input).await
    }

    async fn list_attached_user_policies(
        &self,
        ctx: &Ctx,
        input: shapes::ListAttachedUserPoliciesRequest,
    ) -> Result<shapes::ListAttachedUserPoliciesResponse, IamError> {
        Iam::list_attached_user_policies(self, ctx, input).await
    }

    async fn list_entities_for_policy(
        &self,
        ctx: &Ctx,
        input: shapes::ListEntitiesForPolicyRequest,
    ) -> Result<shapes::ListEntitiesForPolicyResponse, IamError> {
        Iam::list_entities_for_policy(self, ctx, input).await
    }

    async fn list_group_policies(
        &self,
        ctx: &Ctx,
        input: shapes::ListGroupPoliciesRequest,
    ) -> Result<shapes::ListGroupPoliciesResponse, IamError> {
        Iam::list_group_policies(self, ctx, input).await
    }

    async fn list_groups(
        &self,
        ctx: &Ctx,
        input: shapes::ListGroupsRequest,
    ) -> Result<shapes::ListGroupsResponse, IamError> {
        Iam::list_groups(self, ctx, input).await
    }

    async fn list_groups_for_user(
        &self,
        ctx: &Ctx,
        input: shapes::ListGroupsForUserRequest,
    ) -> Result<shapes::ListGroupsForUserResponse, IamError> {
        Iam::list_groups_for_user(self, ctx, input).await
    }

    async fn list_instance_profile_tags(
        &self,
        ctx: &Ctx,
        input: shapes::ListInstanceProfileTagsRequest,
    ) -> Result<shapes::ListInstanceProfileTagsResponse, IamError> {
        Iam::list_instance_profile_tags(self, ctx, input).await
    }

    async fn list_instance_profiles(
        &self,
        ctx: &Ctx,
        input: shapes::ListInstanceProfilesRequest,
    ) -> Result<shapes::ListInstanceProfilesResponse, IamError> {
        Iam::list_instance_profiles(self, ctx, input).await
    }

    async fn list_instance_profiles_for_role(
        &self,
        ctx: &Ctx,
        input: shapes::ListInstanceProfilesForRoleRequest,
    ) -> Result<shapes::ListInstanceProfilesForRoleResponse, IamError> {
        Iam::list_instance_profiles_for_role(self, ctx, input).await
    }

    async fn list_policies(
        &self,
        ctx: &Ctx,
        input: shapes::ListPoliciesRequest,
    ) -> Result<shapes::ListPoliciesResponse, IamError> {
        Iam::list_policies(self, ctx, input).await
    }

    async fn list_policy_tags(
        &self,
        ctx: &Ctx,
        input: shapes::ListPolicyTagsRequest,
    ) -> Result<shapes::ListPolicyTagsResponse, IamError> {
        Iam::list_policy_tags(self, ctx, input).await
    }

    async fn list_policy_versions(
        &self,
        ctx: &Ctx,
        input: shapes::ListPolicyVersionsRequest,
    ) -> Result<shapes::ListPolicyVersionsResponse, IamError> {
        Iam::list_policy_versions(self, ctx, input).await
    }

    async fn list_role_policies(
        &self,
        ctx: &Ctx,
        input: shapes::ListRolePoliciesRequest,
    ) -> Result<shapes::ListRolePoliciesResponse, IamError> {
        Iam::list_role_policies(self, ctx, input).await
    }

    async fn list_role_tags(
        &self,
        ctx: &Ctx,
        input: shapes::ListRoleTagsRequest,
    ) -> Result<shapes::ListRoleTagsResponse, IamError> {
        Iam::list_role_tags(self, ctx, input).await
    }

    async fn list_roles(
        &self,
        ctx: &Ctx,
        input: shapes::ListRolesRequest,
    ) -> Result<shapes::ListRolesResponse, IamError> {
        Iam::list_roles(self, ctx, input).await
    }

    async fn list_user_policies(
        &self,
        ctx: &Ctx,
        input: shapes::ListUserPoliciesRequest,
    ) -> Result<shapes::ListUserPoliciesResponse, IamError> {
        Iam::list_user_policies(self, ctx, input).await
    }

    async fn list_user_tags(
        &self,
        ctx: &Ctx,
        input: shapes::ListUserTagsRequest,
    ) -> Result<shapes::ListUserTagsResponse, IamError> {
        Iam::list_user_tags(self, ctx, input).await
    }

    async fn list_users(
        &self,
        ctx: &Ctx,
        input: shapes::ListUsersRequest,
    ) -> Result<shapes::ListUsersResponse, IamError> {
        Iam::list_users(self, ctx, input).await
    }

    async fn put_group_policy(
        &self,
        ctx: &Ctx,
        input: shapes::PutGroupPolicyRequest,
    ) -> Result<(), IamError> {
        Iam::put_group_policy(self, ctx, input).await
    }

    async fn put_role_permissions_boundary(
        &self,
        ctx: &Ctx,
        input: shapes::PutRolePermissionsBoundaryRequest,
    ) -> Result<(), IamError> {
        Iam::put_role_permissions_boundary(self, ctx, input).await
    }

    async fn put_role_policy(
        &self,
        ctx: &Ctx,
        input: shapes::PutRolePolicyRequest,
    ) -> Result<(), IamError> {
        Iam::put_role_policy(self, ctx, input).await
    }

    async fn put_user_permissions_boundary(
        &self,
        ctx: &Ctx,
        input: shapes::PutUserPermissionsBoundaryRequest,
    ) -> Result<(), IamError> {
        Iam::put_user_permissions_boundary(self, ctx, input).await
    }

    async fn put_user_policy(
        &self,
        ctx: &Ctx,
        input: shapes::PutUserPolicyRequest,
    ) -> Result<(), IamError> {
        Iam::put_user_policy(self, ctx, input).await
    }

    async fn remove_role_from_instance_profile(
        &self,
        ctx: &Ctx,
        input: shapes::RemoveRoleFromInstanceProfileRequest,
    ) -> Result<(), IamError> {
        Iam::remove_role_from_instance_profile(self, ctx, input).await
    }

    async fn remove_user_from_group(
        &self,
        ctx: &Ctx,
        input: shapes::RemoveUserFromGroupRequest,
    ) -> Result<(), IamError> {
        Iam::remove_user_from_group(self, ctx, input).await
    }

    async fn set_default_policy_version(
        &self,
        ctx: &Ctx,
        input: shapes::SetDefaultPolicyVersionRequest,
    ) -> Result<(), IamError> {
        Iam::set_default_policy_version(self, ctx, input).await
    }

    async fn set_security_token_service_preferences(
        &self,
        ctx: &Ctx,
        input: shapes::SetSecurityTokenServicePreferencesRequest,
    ) -> Result<(), IamError> {
        Iam::set_security_token_service_preferences(self, ctx, input).await
    }

    async fn tag_instance_profile(
        &self,
        ctx: &Ctx,
        input: shapes::TagInstanceProfileRequest,
    ) -> Result<(), IamError> {
        Iam::tag_instance_profile(self, ctx, input).await
    }

    async fn tag_policy(&self, ctx: &Ctx, input: shapes::TagPolicyRequest) -> Result<(), IamError> {
        Iam::tag_policy(self, ctx, input).await
    }

    async fn tag_role(&self, ctx: &Ctx, input: shapes::TagRoleRequest) -> Result<(), IamError> {
        Iam::tag_role(self, ctx, input).await
    }

    async fn tag_user(&self, ctx: &Ctx, input: shapes::TagUserRequest) -> Result<(), IamError> {
        Iam::tag_user(self, ctx, input).await
    }

    async fn untag_instance_profile(
        &self,
        ctx: &Ctx,
        input: shapes::UntagInstanceProfileRequest,
    ) -> Result<(), IamError> {
        Iam::untag_instance_profile(self, ctx, input).await
    }

    async fn untag_policy(
        &self,
        ctx: &Ctx,
        input: shapes::UntagPolicyRequest,
    ) -> Result<(), IamError> {
        Iam::untag_policy(self, ctx, input).await
    }

    async fn untag_role(&self, ctx: &Ctx, input: shapes::UntagRoleRequest) -> Result<(), IamError> {
        Iam::untag_role(self, ctx, input).await
    }

    async fn untag_user(&self, ctx: &Ctx, input: shapes::UntagUserRequest) -> Result<(), IamError> {
        Iam::untag_user(self, ctx, input).await
    }

    async fn update_access_key(
        &self,
        ctx: &Ctx,
        input: shapes::UpdateAccessKeyRequest,
    ) -> Result<(), IamError> {
        Iam::update_access_key(self, ctx, input).await
    }

    async fn update_account_password_policy(
        &self,
        ctx: &Ctx,
        input: shapes::UpdateAccountPasswordPolicyRequest,
    ) -> Result<(), IamError> {
        Iam::update_account_password_policy(self, ctx, input).await
    }

    async fn update_assume_role_policy(
        &self,
        ctx: &Ctx,
        input: shapes::UpdateAssumeRolePolicyRequest,
    ) -> Result<(), IamError> {
        Iam::update_assume_role_policy(self, ctx, input).await
    }

    async fn update_group(
        &self,
        ctx: &Ctx,
        input: shapes::UpdateGroupRequest,
    ) -> Result<(), IamError> {
        Iam::update_group(self, ctx, input).await
    }

    async fn update_login_profile(
        &self,
        ctx: &Ctx,
        input: shapes::UpdateLoginProfileRequest,
    ) -> Result<(), IamError> {
        Iam::update_login_profile(self, ctx, input).await
    }

    async fn update_role(
        &self,
        ctx: &Ctx,
        input: shapes::UpdateRoleRequest,
    ) -> Result<shapes::UpdateRoleResponse, IamError> {
        Iam::update_role(self, ctx, input).await
    }

    async fn update_role_description(
        &self,
        ctx: &Ctx,
        input: shapes::UpdateRoleDescriptionRequest,
    ) -> Result<shapes::UpdateRoleDescriptionResponse, IamError> {
        Iam::update_role_description(self, ctx, input).await
    }

    async fn update_user(
        &self,
        ctx: &Ctx,
        input: shapes::UpdateUserRequest,
    ) -> Result<(), IamError> {
        Iam::update_user(self, ctx, input).await
    }
}
