//! The `impl Api for Iam` table: one delegating line per operation, in alphabetical order.
//! Handlers live in the topic modules; an operation missing here answers `NotImplemented`.

use sim_aws_shapes::iam::{self as shapes, Api};

use super::{Iam, IamError};
use crate::services::Ctx;

#[async_trait::async_trait]
impl Api for Iam {
    type Ctx = Ctx;
    type Error = IamError;

    async fn accept_delegation_request(
        &self,
        ctx: &Ctx,
        input: shapes::AcceptDelegationRequestRequest,
    ) -> Result<(), IamError> {
        Iam::accept_delegation_request(self, ctx, input).await
    }

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

    async fn associate_delegation_request(
        &self,
        ctx: &Ctx,
        input: shapes::AssociateDelegationRequestRequest,
    ) -> Result<(), IamError> {
        Iam::associate_delegation_request(self, ctx, input).await
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

    async fn create_delegation_request(
        &self,
        ctx: &Ctx,
        input: shapes::CreateDelegationRequestRequest,
    ) -> Result<shapes::CreateDelegationRequestResponse, IamError> {
        Iam::create_delegation_request(self, ctx, input).await
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

    async fn create_service_linked_role(
        &self,
        ctx: &Ctx,
        input: shapes::CreateServiceLinkedRoleRequest,
    ) -> Result<shapes::CreateServiceLinkedRoleResponse, IamError> {
        Iam::create_service_linked_role(self, ctx, input).await
    }

    async fn create_service_specific_credential(
        &self,
        ctx: &Ctx,
        input: shapes::CreateServiceSpecificCredentialRequest,
    ) -> Result<shapes::CreateServiceSpecificCredentialResponse, IamError> {
        Iam::create_service_specific_credential(self, ctx, input).await
    }

    async fn create_user(
        &self,
        ctx: &Ctx,
        input: shapes::CreateUserRequest,
    ) -> Result<shapes::CreateUserResponse, IamError> {
        Iam::create_user(self, ctx, input).await
    }

    async fn create_virtual_mfa_device(
        &self,
        ctx: &Ctx,
        input: shapes::CreateVirtualMFADeviceRequest,
    ) -> Result<shapes::CreateVirtualMFADeviceResponse, IamError> {
        Iam::create_virtual_mfa_device(self, ctx, input).await
    }

    async fn deactivate_mfa_device(
        &self,
        ctx: &Ctx,
        input: shapes::DeactivateMFADeviceRequest,
    ) -> Result<(), IamError> {
        Iam::deactivate_mfa_device(self, ctx, input).await
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

    async fn delete_server_certificate(
        &self,
        ctx: &Ctx,
        input: shapes::DeleteServerCertificateRequest,
    ) -> Result<(), IamError> {
        Iam::delete_server_certificate(self, ctx, input).await
    }

    async fn delete_service_linked_role(
        &self,
        ctx: &Ctx,
        input: shapes::DeleteServiceLinkedRoleRequest,
    ) -> Result<shapes::DeleteServiceLinkedRoleResponse, IamError> {
        Iam::delete_service_linked_role(self, ctx, input).await
    }

    async fn delete_service_specific_credential(
        &self,
        ctx: &Ctx,
        input: shapes::DeleteServiceSpecificCredentialRequest,
    ) -> Result<(), IamError> {
        Iam::delete_service_specific_credential(self, ctx, input).await
    }

    async fn delete_signing_certificate(
        &self,
        ctx: &Ctx,
        input: shapes::DeleteSigningCertificateRequest,
    ) -> Result<(), IamError> {
        Iam::delete_signing_certificate(self, ctx, input).await
    }

    async fn delete_ssh_public_key(
        &self,
        ctx: &Ctx,
        input: shapes::DeleteSSHPublicKeyRequest,
    ) -> Result<(), IamError> {
        Iam::delete_ssh_public_key(self, ctx, input).await
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

    async fn delete_virtual_mfa_device(
        &self,
        ctx: &Ctx,
        input: shapes::DeleteVirtualMFADeviceRequest,
    ) -> Result<(), IamError> {
        Iam::delete_virtual_mfa_device(self, ctx, input).await
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

    async fn disable_organizations_root_credentials_management(
        &self,
        ctx: &Ctx,
        input: shapes::DisableOrganizationsRootCredentialsManagementRequest,
    ) -> Result<shapes::DisableOrganizationsRootCredentialsManagementResponse, IamError> {
        Iam::disable_organizations_root_credentials_management(self, ctx, input).await
    }

    async fn disable_organizations_root_sessions(
        &self,
        ctx: &Ctx,
        input: shapes::DisableOrganizationsRootSessionsRequest,
    ) -> Result<shapes::DisableOrganizationsRootSessionsResponse, IamError> {
        Iam::disable_organizations_root_sessions(self, ctx, input).await
    }

    async fn disable_outbound_web_identity_federation(
        &self,
        ctx: &Ctx,
        input: (),
    ) -> Result<(), IamError> {
        Iam::disable_outbound_web_identity_federation(self, ctx, input).await
    }

    async fn enable_mfa_device(
        &self,
        ctx: &Ctx,
        input: shapes::EnableMFADeviceRequest,
    ) -> Result<(), IamError> {
        Iam::enable_mfa_device(self, ctx, input).await
    }

    async fn enable_organizations_root_credentials_management(
        &self,
        ctx: &Ctx,
        input: shapes::EnableOrganizationsRootCredentialsManagementRequest,
    ) -> Result<shapes::EnableOrganizationsRootCredentialsManagementResponse, IamError> {
        Iam::enable_organizations_root_credentials_management(self, ctx, input).await
    }

    async fn enable_organizations_root_sessions(
        &self,
        ctx: &Ctx,
        input: shapes::EnableOrganizationsRootSessionsRequest,
    ) -> Result<shapes::EnableOrganizationsRootSessionsResponse, IamError> {
        Iam::enable_organizations_root_sessions(self, ctx, input).await
    }

    async fn enable_outbound_web_identity_federation(
        &self,
        ctx: &Ctx,
        input: (),
    ) -> Result<shapes::EnableOutboundWebIdentityFederationResponse, IamError> {
        Iam::enable_outbound_web_identity_federation(self, ctx, input).await
    }

    async fn generate_credential_report(
        &self,
        ctx: &Ctx,
        input: (),
    ) -> Result<shapes::GenerateCredentialReportResponse, IamError> {
        Iam::generate_credential_report(self, ctx, input).await
    }

    async fn generate_organizations_access_report(
        &self,
        ctx: &Ctx,
        input: shapes::GenerateOrganizationsAccessReportRequest,
    ) -> Result<shapes::GenerateOrganizationsAccessReportResponse, IamError> {
        Iam::generate_organizations_access_report(self, ctx, input).await
    }

    async fn generate_service_last_accessed_details(
        &self,
        ctx: &Ctx,
        input: shapes::GenerateServiceLastAccessedDetailsRequest,
    ) -> Result<shapes::GenerateServiceLastAccessedDetailsResponse, IamError> {
        Iam::generate_service_last_accessed_details(self, ctx, input).await
    }

    async fn get_access_key_last_used(
        &self,
        ctx: &Ctx,
        input: shapes::GetAccessKeyLastUsedRequest,
    ) -> Result<shapes::GetAccessKeyLastUsedResponse, IamError> {
        Iam::get_access_key_last_used(self, ctx, input).await
    }

    async fn get_account_authorization_details(
        &self,
        ctx: &Ctx,
        input: shapes::GetAccountAuthorizationDetailsRequest,
    ) -> Result<shapes::GetAccountAuthorizationDetailsResponse, IamError> {
        Iam::get_account_authorization_details(self, ctx, input).await
    }

    async fn get_account_password_policy(
        &self,
        ctx: &Ctx,
        input: (),
    ) -> Result<shapes::GetAccountPasswordPolicyResponse, IamError> {
        Iam::get_account_password_policy(self, ctx, input).await
    }

    async fn get_account_summary(
        &self,
        ctx: &Ctx,
        input: (),
    ) -> Result<shapes::GetAccountSummaryResponse, IamError> {
        Iam::get_account_summary(self, ctx, input).await
    }

    async fn get_credential_report(
        &self,
        ctx: &Ctx,
        input: (),
    ) -> Result<shapes::GetCredentialReportResponse, IamError> {
        Iam::get_credential_report(self, ctx, input).await
    }

    async fn get_delegation_request(
        &self,
        ctx: &Ctx,
        input: shapes::GetDelegationRequestRequest,
    ) -> Result<shapes::GetDelegationRequestResponse, IamError> {
        Iam::get_delegation_request(self, ctx, input).await
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

    async fn get_human_readable_summary(
        &self,
        ctx: &Ctx,
        input: shapes::GetHumanReadableSummaryRequest,
    ) -> Result<shapes::GetHumanReadableSummaryResponse, IamError> {
        Iam::get_human_readable_summary(self, ctx, input).await
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

    async fn get_mfa_device(
        &self,
        ctx: &Ctx,
        input: shapes::GetMFADeviceRequest,
    ) -> Result<shapes::GetMFADeviceResponse, IamError> {
        Iam::get_mfa_device(self, ctx, input).await
    }

    async fn get_organizations_access_report(
        &self,
        ctx: &Ctx,
        input: shapes::GetOrganizationsAccessReportRequest,
    ) -> Result<shapes::GetOrganizationsAccessReportResponse, IamError> {
        Iam::get_organizations_access_report(self, ctx, input).await
    }

    async fn get_outbound_web_identity_federation_info(
        &self,
        ctx: &Ctx,
        input: (),
    ) -> Result<shapes::GetOutboundWebIdentityFederationInfoResponse, IamError> {
        Iam::get_outbound_web_identity_federation_info(self, ctx, input).await
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

    async fn get_server_certificate(
        &self,
        ctx: &Ctx,
        input: shapes::GetServerCertificateRequest,
    ) -> Result<shapes::GetServerCertificateResponse, IamError> {
        Iam::get_server_certificate(self, ctx, input).await
    }

    async fn get_service_last_accessed_details(
        &self,
        ctx: &Ctx,
        input: shapes::GetServiceLastAccessedDetailsRequest,
    ) -> Result<shapes::GetServiceLastAccessedDetailsResponse, IamError> {
        Iam::get_service_last_accessed_details(self, ctx, input).await
    }

    async fn get_service_last_accessed_details_with_entities(
        &self,
        ctx: &Ctx,
        input: shapes::GetServiceLastAccessedDetailsWithEntitiesRequest,
    ) -> Result<shapes::GetServiceLastAccessedDetailsWithEntitiesResponse, IamError> {
        Iam::get_service_last_accessed_details_with_entities(self, ctx, input).await
    }

    async fn get_service_linked_role_deletion_status(
        &self,
        ctx: &Ctx,
        input: shapes::GetServiceLinkedRoleDeletionStatusRequest,
    ) -> Result<shapes::GetServiceLinkedRoleDeletionStatusResponse, IamError> {
        Iam::get_service_linked_role_deletion_status(self, ctx, input).await
    }

    async fn get_ssh_public_key(
        &self,
        ctx: &Ctx,
        input: shapes::GetSSHPublicKeyRequest,
    ) -> Result<shapes::GetSSHPublicKeyResponse, IamError> {
        Iam::get_ssh_public_key(self, ctx, input).await
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

    async fn list_delegation_requests(
        &self,
        ctx: &Ctx,
        input: shapes::ListDelegationRequestsRequest,
    ) -> Result<shapes::ListDelegationRequestsResponse, IamError> {
        Iam::list_delegation_requests(self, ctx, input).await
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

    async fn list_mfa_device_tags(
        &self,
        ctx: &Ctx,
        input: shapes::ListMFADeviceTagsRequest,
    ) -> Result<shapes::ListMFADeviceTagsResponse, IamError> {
        Iam::list_mfa_device_tags(self, ctx, input).await
    }

    async fn list_mfa_devices(
        &self,
        ctx: &Ctx,
        input: shapes::ListMFADevicesRequest,
    ) -> Result<shapes::ListMFADevicesResponse, IamError> {
        Iam::list_mfa_devices(self, ctx, input).await
    }

    async fn list_organizations_features(
        &self,
        ctx: &Ctx,
        input: shapes::ListOrganizationsFeaturesRequest,
    ) -> Result<shapes::ListOrganizationsFeaturesResponse, IamError> {
        Iam::list_organizations_features(self, ctx, input).await
    }

    async fn list_policies(
        &self,
        ctx: &Ctx,
        input: shapes::ListPoliciesRequest,
    ) -> Result<shapes::ListPoliciesResponse, IamError> {
        Iam::list_policies(self, ctx, input).await
    }

    async fn list_policies_granting_service_access(
        &self,
        ctx: &Ctx,
        input: shapes::ListPoliciesGrantingServiceAccessRequest,
    ) -> Result<shapes::ListPoliciesGrantingServiceAccessResponse, IamError> {
        Iam::list_policies_granting_service_access(self, ctx, input).await
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

    async fn list_server_certificate_tags(
        &self,
        ctx: &Ctx,
        input: shapes::ListServerCertificateTagsRequest,
    ) -> Result<shapes::ListServerCertificateTagsResponse, IamError> {
        Iam::list_server_certificate_tags(self, ctx, input).await
    }

    async fn list_server_certificates(
        &self,
        ctx: &Ctx,
        input: shapes::ListServerCertificatesRequest,
    ) -> Result<shapes::ListServerCertificatesResponse, IamError> {
        Iam::list_server_certificates(self, ctx, input).await
    }

    async fn list_service_specific_credentials(
        &self,
        ctx: &Ctx,
        input: shapes::ListServiceSpecificCredentialsRequest,
    ) -> Result<shapes::ListServiceSpecificCredentialsResponse, IamError> {
        Iam::list_service_specific_credentials(self, ctx, input).await
    }

    async fn list_signing_certificates(
        &self,
        ctx: &Ctx,
        input: shapes::ListSigningCertificatesRequest,
    ) -> Result<shapes::ListSigningCertificatesResponse, IamError> {
        Iam::list_signing_certificates(self, ctx, input).await
    }

    async fn list_ssh_public_keys(
        &self,
        ctx: &Ctx,
        input: shapes::ListSSHPublicKeysRequest,
    ) -> Result<shapes::ListSSHPublicKeysResponse, IamError> {
        Iam::list_ssh_public_keys(self, ctx, input).await
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

    async fn list_virtual_mfa_devices(
        &self,
        ctx: &Ctx,
        input: shapes::ListVirtualMFADevicesRequest,
    ) -> Result<shapes::ListVirtualMFADevicesResponse, IamError> {
        Iam::list_virtual_mfa_devices(self, ctx, input).await
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

    async fn reject_delegation_request(
        &self,
        ctx: &Ctx,
        input: shapes::RejectDelegationRequestRequest,
    ) -> Result<(), IamError> {
        Iam::reject_delegation_request(self, ctx, input).await
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

    async fn reset_service_specific_credential(
        &self,
        ctx: &Ctx,
        input: shapes::ResetServiceSpecificCredentialRequest,
    ) -> Result<shapes::ResetServiceSpecificCredentialResponse, IamError> {
        Iam::reset_service_specific_credential(self, ctx, input).await
    }

    async fn resync_mfa_device(
        &self,
        ctx: &Ctx,
        input: shapes::ResyncMFADeviceRequest,
    ) -> Result<(), IamError> {
        Iam::resync_mfa_device(self, ctx, input).await
    }

    async fn send_delegation_token(
        &self,
        ctx: &Ctx,
        input: shapes::SendDelegationTokenRequest,
    ) -> Result<(), IamError> {
        Iam::send_delegation_token(self, ctx, input).await
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

    async fn tag_mfa_device(
        &self,
        ctx: &Ctx,
        input: shapes::TagMFADeviceRequest,
    ) -> Result<(), IamError> {
        Iam::tag_mfa_device(self, ctx, input).await
    }

    async fn tag_policy(&self, ctx: &Ctx, input: shapes::TagPolicyRequest) -> Result<(), IamError> {
        Iam::tag_policy(self, ctx, input).await
    }

    async fn tag_role(&self, ctx: &Ctx, input: shapes::TagRoleRequest) -> Result<(), IamError> {
        Iam::tag_role(self, ctx, input).await
    }

    async fn tag_server_certificate(
        &self,
        ctx: &Ctx,
        input: shapes::TagServerCertificateRequest,
    ) -> Result<(), IamError> {
        Iam::tag_server_certificate(self, ctx, input).await
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

    async fn untag_mfa_device(
        &self,
        ctx: &Ctx,
        input: shapes::UntagMFADeviceRequest,
    ) -> Result<(), IamError> {
        Iam::untag_mfa_device(self, ctx, input).await
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

    async fn untag_server_certificate(
        &self,
        ctx: &Ctx,
        input: shapes::UntagServerCertificateRequest,
    ) -> Result<(), IamError> {
        Iam::untag_server_certificate(self, ctx, input).await
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

    async fn update_delegation_request(
        &self,
        ctx: &Ctx,
        input: shapes::UpdateDelegationRequestRequest,
    ) -> Result<(), IamError> {
        Iam::update_delegation_request(self, ctx, input).await
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

    async fn update_server_certificate(
        &self,
        ctx: &Ctx,
        input: shapes::UpdateServerCertificateRequest,
    ) -> Result<(), IamError> {
        Iam::update_server_certificate(self, ctx, input).await
    }

    async fn update_service_specific_credential(
        &self,
        ctx: &Ctx,
        input: shapes::UpdateServiceSpecificCredentialRequest,
    ) -> Result<(), IamError> {
        Iam::update_service_specific_credential(self, ctx, input).await
    }

    async fn update_signing_certificate(
        &self,
        ctx: &Ctx,
        input: shapes::UpdateSigningCertificateRequest,
    ) -> Result<(), IamError> {
        Iam::update_signing_certificate(self, ctx, input).await
    }

    async fn update_ssh_public_key(
        &self,
        ctx: &Ctx,
        input: shapes::UpdateSSHPublicKeyRequest,
    ) -> Result<(), IamError> {
        Iam::update_ssh_public_key(self, ctx, input).await
    }

    async fn update_user(
        &self,
        ctx: &Ctx,
        input: shapes::UpdateUserRequest,
    ) -> Result<(), IamError> {
        Iam::update_user(self, ctx, input).await
    }

    async fn upload_server_certificate(
        &self,
        ctx: &Ctx,
        input: shapes::UploadServerCertificateRequest,
    ) -> Result<shapes::UploadServerCertificateResponse, IamError> {
        Iam::upload_server_certificate(self, ctx, input).await
    }

    async fn upload_signing_certificate(
        &self,
        ctx: &Ctx,
        input: shapes::UploadSigningCertificateRequest,
    ) -> Result<shapes::UploadSigningCertificateResponse, IamError> {
        Iam::upload_signing_certificate(self, ctx, input).await
    }

    async fn upload_ssh_public_key(
        &self,
        ctx: &Ctx,
        input: shapes::UploadSSHPublicKeyRequest,
    ) -> Result<shapes::UploadSSHPublicKeyResponse, IamError> {
        Iam::upload_ssh_public_key(self, ctx, input).await
    }

    // Identity providers, the policy simulator and context keys (federation.rs,
    // simulation.rs): one contiguous block, kept apart for merges.

    async fn add_client_id_to_open_id_connect_provider(
        &self,
        ctx: &Ctx,
        input: shapes::AddClientIDToOpenIDConnectProviderRequest,
    ) -> Result<(), IamError> {
        Iam::add_client_id_to_open_id_connect_provider(self, ctx, input).await
    }

    async fn create_open_id_connect_provider(
        &self,
        ctx: &Ctx,
        input: shapes::CreateOpenIDConnectProviderRequest,
    ) -> Result<shapes::CreateOpenIDConnectProviderResponse, IamError> {
        Iam::create_open_id_connect_provider(self, ctx, input).await
    }

    async fn create_saml_provider(
        &self,
        ctx: &Ctx,
        input: shapes::CreateSAMLProviderRequest,
    ) -> Result<shapes::CreateSAMLProviderResponse, IamError> {
        Iam::create_saml_provider(self, ctx, input).await
    }

    async fn delete_open_id_connect_provider(
        &self,
        ctx: &Ctx,
        input: shapes::DeleteOpenIDConnectProviderRequest,
    ) -> Result<(), IamError> {
        Iam::delete_open_id_connect_provider(self, ctx, input).await
    }

    async fn delete_saml_provider(
        &self,
        ctx: &Ctx,
        input: shapes::DeleteSAMLProviderRequest,
    ) -> Result<(), IamError> {
        Iam::delete_saml_provider(self, ctx, input).await
    }

    async fn get_context_keys_for_custom_policy(
        &self,
        ctx: &Ctx,
        input: shapes::GetContextKeysForCustomPolicyRequest,
    ) -> Result<shapes::GetContextKeysForPolicyResponse, IamError> {
        Iam::get_context_keys_for_custom_policy(self, ctx, input).await
    }

    async fn get_context_keys_for_principal_policy(
        &self,
        ctx: &Ctx,
        input: shapes::GetContextKeysForPrincipalPolicyRequest,
    ) -> Result<shapes::GetContextKeysForPolicyResponse, IamError> {
        Iam::get_context_keys_for_principal_policy(self, ctx, input).await
    }

    async fn get_open_id_connect_provider(
        &self,
        ctx: &Ctx,
        input: shapes::GetOpenIDConnectProviderRequest,
    ) -> Result<shapes::GetOpenIDConnectProviderResponse, IamError> {
        Iam::get_open_id_connect_provider(self, ctx, input).await
    }

    async fn get_saml_provider(
        &self,
        ctx: &Ctx,
        input: shapes::GetSAMLProviderRequest,
    ) -> Result<shapes::GetSAMLProviderResponse, IamError> {
        Iam::get_saml_provider(self, ctx, input).await
    }

    async fn list_open_id_connect_provider_tags(
        &self,
        ctx: &Ctx,
        input: shapes::ListOpenIDConnectProviderTagsRequest,
    ) -> Result<shapes::ListOpenIDConnectProviderTagsResponse, IamError> {
        Iam::list_open_id_connect_provider_tags(self, ctx, input).await
    }

    async fn list_open_id_connect_providers(
        &self,
        ctx: &Ctx,
        input: shapes::ListOpenIDConnectProvidersRequest,
    ) -> Result<shapes::ListOpenIDConnectProvidersResponse, IamError> {
        Iam::list_open_id_connect_providers(self, ctx, input).await
    }

    async fn list_saml_provider_tags(
        &self,
        ctx: &Ctx,
        input: shapes::ListSAMLProviderTagsRequest,
    ) -> Result<shapes::ListSAMLProviderTagsResponse, IamError> {
        Iam::list_saml_provider_tags(self, ctx, input).await
    }

    async fn list_saml_providers(
        &self,
        ctx: &Ctx,
        input: shapes::ListSAMLProvidersRequest,
    ) -> Result<shapes::ListSAMLProvidersResponse, IamError> {
        Iam::list_saml_providers(self, ctx, input).await
    }

    async fn remove_client_id_from_open_id_connect_provider(
        &self,
        ctx: &Ctx,
        input: shapes::RemoveClientIDFromOpenIDConnectProviderRequest,
    ) -> Result<(), IamError> {
        Iam::remove_client_id_from_open_id_connect_provider(self, ctx, input).await
    }

    async fn simulate_custom_policy(
        &self,
        ctx: &Ctx,
        input: shapes::SimulateCustomPolicyRequest,
    ) -> Result<shapes::SimulatePolicyResponse, IamError> {
        Iam::simulate_custom_policy(self, ctx, input).await
    }

    async fn simulate_principal_policy(
        &self,
        ctx: &Ctx,
        input: shapes::SimulatePrincipalPolicyRequest,
    ) -> Result<shapes::SimulatePolicyResponse, IamError> {
        Iam::simulate_principal_policy(self, ctx, input).await
    }

    async fn tag_open_id_connect_provider(
        &self,
        ctx: &Ctx,
        input: shapes::TagOpenIDConnectProviderRequest,
    ) -> Result<(), IamError> {
        Iam::tag_open_id_connect_provider(self, ctx, input).await
    }

    async fn tag_saml_provider(
        &self,
        ctx: &Ctx,
        input: shapes::TagSAMLProviderRequest,
    ) -> Result<(), IamError> {
        Iam::tag_saml_provider(self, ctx, input).await
    }

    async fn untag_open_id_connect_provider(
        &self,
        ctx: &Ctx,
        input: shapes::UntagOpenIDConnectProviderRequest,
    ) -> Result<(), IamError> {
        Iam::untag_open_id_connect_provider(self, ctx, input).await
    }

    async fn untag_saml_provider(
        &self,
        ctx: &Ctx,
        input: shapes::UntagSAMLProviderRequest,
    ) -> Result<(), IamError> {
        Iam::untag_saml_provider(self, ctx, input).await
    }

    async fn update_open_id_connect_provider_thumbprint(
        &self,
        ctx: &Ctx,
        input: shapes::UpdateOpenIDConnectProviderThumbprintRequest,
    ) -> Result<(), IamError> {
        Iam::update_open_id_connect_provider_thumbprint(self, ctx, input).await
    }

    async fn update_saml_provider(
        &self,
        ctx: &Ctx,
        input: shapes::UpdateSAMLProviderRequest,
    ) -> Result<shapes::UpdateSAMLProviderResponse, IamError> {
        Iam::update_saml_provider(self, ctx, input).await
    }
}
