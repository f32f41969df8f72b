//! IAM's operations that depend on AWS Organizations or on AWS's partner programmes, answered
//! as AWS answers an account in the situation every simulated account is in:
//!
//! - centralized root access (`ListOrganizationsFeatures`, `Enable`/`Disable`
//!   `OrganizationsRootCredentialsManagement` and `OrganizationsRootSessions`): the account is in
//!   no organization, so `OrganizationNotFoundException`, in the words of AWS's model;
//! - delegation requests (`CreateDelegationRequest` and the rest of their lifecycle,
//!   `GetHumanReadableSummary`): only AWS partners that went through onboarding may create
//!   them, which no simulated account is, so `CreateDelegationRequest` is denied and there is
//!   never a request for the other operations to find (`NoSuchEntity`); the listing is empty.
//!
//! Outbound web identity federation lives in `account`-level state and is implemented for
//! real (`Enable`/`Disable`/`GetOutboundWebIdentityFederationInfo`): it mints the account's
//! issuer URL once, as AWS does.
//!
//! Assumption: the wording of the refusal to a caller that is not an onboarded partner was not
//! found recorded.

use sim_aws_shapes::iam::{
    AcceptDelegationRequestRequest, AssociateDelegationRequestRequest,
    CreateDelegationRequestRequest, CreateDelegationRequestResponse,
    DisableOrganizationsRootCredentialsManagementRequest,
    DisableOrganizationsRootCredentialsManagementResponse, DisableOrganizationsRootSessionsRequest,
    DisableOrganizationsRootSessionsResponse, EnableOrganizationsRootCredentialsManagementRequest,
    EnableOrganizationsRootCredentialsManagementResponse, EnableOrganizationsRootSessionsRequest,
    EnableOrganizationsRootSessionsResponse, EnableOutboundWebIdentityFederationResponse,
    GetDelegationRequestRequest, GetDelegationRequestResponse, GetHumanReadableSummaryRequest,
    GetHumanReadableSummaryResponse, GetOutboundWebIdentityFederationInfoResponse,
    ListDelegationRequestsRequest, ListDelegationRequestsResponse,
    ListOrganizationsFeaturesRequest, ListOrganizationsFeaturesResponse,
    RejectDelegationRequestRequest, SendDelegationTokenRequest, UpdateDelegationRequestRequest,
};

use super::{Iam, IamError};
use crate::services::Ctx;

fn no_organization() -> IamError {
    IamError::OrganizationNotFound(
        "The request was rejected because no organization is associated with your account.".into(),
    )
}

fn no_such_delegation_request(id: &str) -> IamError {
    IamError::NoSuchEntity(format!("Delegation request {id} cannot be found."))
}

impl Iam {
    pub(super) async fn list_organizations_features(
        &self,
        _ctx: &Ctx,
        _input: ListOrganizationsFeaturesRequest,
    ) -> Result<ListOrganizationsFeaturesResponse, IamError> {
        Err(no_organization())
    }

    pub(super) async fn enable_organizations_root_credentials_management(
        &self,
        _ctx: &Ctx,
        _input: EnableOrganizationsRootCredentialsManagementRequest,
    ) -> Result<EnableOrganizationsRootCredentialsManagementResponse, IamError> {
        Err(no_organization())
    }

    pub(super) async fn disable_organizations_root_credentials_management(
        &self,
        _ctx: &Ctx,
        _input: DisableOrganizationsRootCredentialsManagementRequest,
    ) -> Result<DisableOrganizationsRootCredentialsManagementResponse, IamError> {
        Err(no_organization())
    }

    pub(super) async fn enable_organizations_root_sessions(
        &self,
        _ctx: &Ctx,
        _input: EnableOrganizationsRootSessionsRequest,
    ) -> Result<EnableOrganizationsRootSessionsResponse, IamError> {
        Err(no_organization())
    }

    pub(super) async fn disable_organizations_root_sessions(
        &self,
        _ctx: &Ctx,
        _input: DisableOrganizationsRootSessionsRequest,
    ) -> Result<DisableOrganizationsRootSessionsResponse, IamError> {
        Err(no_organization())
    }

    pub(super) async fn create_delegation_request(
        &self,
        ctx: &Ctx,
        _input: CreateDelegationRequestRequest,
    ) -> Result<CreateDelegationRequestResponse, IamError> {
        Err(IamError::AccessDenied(format!(
            "User: {} is not authorized to perform: iam:CreateDelegationRequest because account \
             {} is not onboarded as a delegation partner",
            ctx.caller.arn, ctx.account_id
        )))
    }

    pub(super) async fn get_delegation_request(
        &self,
        _ctx: &Ctx,
        input: GetDelegationRequestRequest,
    ) -> Result<GetDelegationRequestResponse, IamError> {
        Err(no_such_delegation_request(&input.delegation_request_id))
    }

    pub(super) async fn list_delegation_requests(
        &self,
        _ctx: &Ctx,
        _input: ListDelegationRequestsRequest,
    ) -> Result<ListDelegationRequestsResponse, IamError> {
        // No request can exist (see the module docs), so every listing is empty.
        Ok(ListDelegationRequestsResponse {
            delegation_requests: Some(Vec::new()),
            marker: None,
            is_truncated: Some(false),
        })
    }

    pub(super) async fn associate_delegation_request(
        &self,
        _ctx: &Ctx,
        input: AssociateDelegationRequestRequest,
    ) -> Result<(), IamError> {
        Err(no_such_delegation_request(&input.delegation_request_id))
    }

    pub(super) async fn update_delegation_request(
        &self,
        _ctx: &Ctx,
        input: UpdateDelegationRequestRequest,
    ) -> Result<(), IamError> {
        Err(no_such_delegation_request(&input.delegation_request_id))
    }

    pub(super) async fn accept_delegation_request(
        &self,
        _ctx: &Ctx,
        input: AcceptDelegationRequestRequest,
    ) -> Result<(), IamError> {
        Err(no_such_delegation_request(&input.delegation_request_id))
    }

    pub(super) async fn reject_delegation_request(
        &self,
        _ctx: &Ctx,
        input: RejectDelegationRequestRequest,
    ) -> Result<(), IamError> {
        Err(no_such_delegation_request(&input.delegation_request_id))
    }

    pub(super) async fn send_delegation_token(
        &self,
        _ctx: &Ctx,
        input: SendDelegationTokenRequest,
    ) -> Result<(), IamError> {
        Err(no_such_delegation_request(&input.delegation_request_id))
    }

    pub(super) async fn get_human_readable_summary(
        &self,
        _ctx: &Ctx,
        input: GetHumanReadableSummaryRequest,
    ) -> Result<GetHumanReadableSummaryResponse, IamError> {
        // Delegation requests are the only entities AWS summarises.
        match input.entity_arn.split_once(":delegation-request/") {
            Some((_, id)) => Err(no_such_delegation_request(id)),
            None => Err(IamError::InvalidInput(format!(
                "Entity {} is not supported. The only supported entity type is \
                 delegation-request.",
                input.entity_arn
            ))),
        }
    }

    pub(super) async fn enable_outbound_web_identity_federation(
        &self,
        ctx: &Ctx,
        _input: (),
    ) -> Result<EnableOutboundWebIdentityFederationResponse, IamError> {
        let fresh_issuer = format!(
            "https://{}.tokens.sts.global.api.aws",
            self.kit.ids().uuid()
        );
        let issuer = self.transaction(|txn| {
            self.modify_account(txn, ctx, |settings| {
                if settings.outbound_federation_enabled {
                    return Err(IamError::FeatureEnabled(
                        "The request failed because outbound identity federation is already \
                         enabled for your Amazon Web Services account. You cannot enable the \
                         feature multiple times. To fetch the current configuration (including \
                         the unique issuer URL), use the GetOutboundWebIdentityFederationInfo \
                         operation."
                            .into(),
                    ));
                }
                settings.outbound_federation_enabled = true;
                // The issuer is the account's for good: re-enabling keeps it.
                Ok(settings
                    .outbound_federation_issuer
                    .get_or_insert(fresh_issuer)
                    .clone())
            })
        })?;
        Ok(EnableOutboundWebIdentityFederationResponse {
            issuer_identifier: Some(issuer),
        })
    }

    pub(super) async fn disable_outbound_web_identity_federation(
        &self,
        ctx: &Ctx,
        _input: (),
    ) -> Result<(), IamError> {
        self.transaction(|txn| {
            self.modify_account(txn, ctx, |settings| {
                if !settings.outbound_federation_enabled {
                    return Err(federation_disabled());
                }
                settings.outbound_federation_enabled = false;
                Ok(())
            })
        })
    }

    pub(super) async fn get_outbound_web_identity_federation_info(
        &self,
        ctx: &Ctx,
        _input: (),
    ) -> Result<GetOutboundWebIdentityFederationInfoResponse, IamError> {
        let settings = self.account_settings(ctx);
        if !settings.outbound_federation_enabled {
            return Err(IamError::FeatureDisabled(
                "The request failed because outbound identity federation is disabled for your \
                 Amazon Web Services account."
                    .into(),
            ));
        }
        Ok(GetOutboundWebIdentityFederationInfoResponse {
            issuer_identifier: settings.outbound_federation_issuer,
            jwt_vending_enabled: Some(true),
        })
    }
}

fn federation_disabled() -> IamError {
    IamError::FeatureDisabled(
        "The request failed because outbound identity federation is already disabled for your \
         Amazon Web Services account. You cannot disable the feature multiple times"
            .into(),
    )
}
