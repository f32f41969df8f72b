//! `ArmError`: every error the simulator answers on Azure Resource Manager's surface, one
//! variant per ARM error code, with ARM's status and message wording. [`ArmError::parts`] is
//! the one place that maps a variant to (status, code, message); `protocol` renders it as ARM's
//! body, `{"error":{"code","message"}}`.
//!
//! Entra ID (token endpoint) errors have another shape and live in `identity`.

use http::StatusCode;

/// How ARM lists supported locations after an api-version error.
pub(crate) fn location_list(locations: &[&str]) -> String {
    locations.join(", ")
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ArmError {
    #[error("MissingApiVersionParameter")]
    MissingApiVersionParameter,
    #[error("InvalidApiVersionParameter")]
    InvalidApiVersionParameter {
        version: String,
        supported: Vec<&'static str>,
        locations: Vec<&'static str>,
    },
    #[error("NoRegisteredProviderFound")]
    NoRegisteredProviderFound {
        location: String,
        version: String,
        resource_type: String,
        supported: Vec<&'static str>,
        locations: Vec<&'static str>,
    },
    #[error("AuthenticationFailed")]
    AuthenticationFailed(String),
    #[error("InvalidAuthenticationToken")]
    InvalidAuthenticationToken,
    #[error("ExpiredAuthenticationToken")]
    ExpiredAuthenticationToken { expired: String, now: String },
    #[error("InvalidSubscriptionId")]
    InvalidSubscriptionId(String),
    #[error("SubscriptionNotFound")]
    SubscriptionNotFound(String),
    #[error("ResourceGroupNotFound")]
    ResourceGroupNotFound(String),
    #[error("ResourceNotFound")]
    ResourceNotFound {
        resource_type: String,
        name: String,
        group: String,
    },
    #[error("InvalidResourceNamespace")]
    InvalidResourceNamespace(String),
    #[error("InvalidResourceType")]
    InvalidResourceType {
        resource_type: String,
        namespace: String,
        version: String,
    },
    #[error("MissingSubscriptionRegistration")]
    MissingSubscriptionRegistration(String),
    #[error("InvalidRequestContent")]
    InvalidRequestContent(String),
    #[error("LocationRequired")]
    LocationRequired,
    #[error("LocationNotAvailableForResourceGroup")]
    LocationNotAvailableForResourceGroup {
        location: String,
        available: Vec<&'static str>,
    },
    #[error("InvalidResourceGroup")]
    InvalidResourceGroup { name: String, invalid: String },
    #[error("InvalidResourceGroupLocation")]
    InvalidResourceGroupLocation {
        name: String,
        existing: String,
        requested: String,
    },
    #[error("ResourceGroupBeingDeleted")]
    ResourceGroupBeingDeleted(String),
    #[error("InvalidResourceLocation")]
    InvalidResourceLocation {
        resource_type: String,
        location: String,
        available: Vec<&'static str>,
    },
    #[error("AccountNameInvalid")]
    AccountNameInvalid(String),
    #[error("StorageAccountAlreadyTaken")]
    StorageAccountAlreadyTaken(String),
    #[error("StorageAccountIsNotProvisioned")]
    StorageAccountIsNotProvisioned(String),
    #[error("InvalidRegistryName")]
    InvalidRegistryName(String),
    #[error("AlreadyInUse")]
    RegistryNameInUse(String),
    #[error("UnAuthorizedForCredentialOperations")]
    AdminUserDisabled(String),
    #[error("MissingRequiredProperty")]
    MissingRequiredProperty(String),
    #[error("InvalidValue")]
    InvalidValue { property: String, value: String },
    #[error("RoleAssignmentNotFound")]
    RoleAssignmentNotFound(String),
    /// A role definition that is not one of the built-in roles; `in_request` when a role
    /// assignment named it (400) rather than the path (404).
    #[error("RoleDefinitionDoesNotExist")]
    RoleDefinitionDoesNotExist { id: String, in_request: bool },
    #[error("RoleAssignmentExists")]
    RoleAssignmentExists(String),
    #[error("InvalidRoleAssignmentId")]
    InvalidRoleAssignmentId(String),
    #[error("InvalidPrincipalId")]
    InvalidPrincipalId,
    #[error("RoleAssignmentUpdateNotPermitted")]
    RoleAssignmentUpdateNotPermitted,
    #[error("UnsupportedQuery")]
    UnsupportedRoleAssignmentFilter(String),
    #[error("InvalidResourceId")]
    InvalidScope(String),
    #[error("ResourceTypeNotSupported")]
    ResourceTypeNotSupported(String),
    #[error("BadRequest")]
    DiagnosticCategoryNotSupported(String),
    #[error("BadRequest")]
    DiagnosticSettingWithoutDestination,
    #[error("BadRequest")]
    DiagnosticWorkspaceNotFound(String),
    #[error("ResourceNotFound")]
    DiagnosticSettingNotFound(String),
    #[error("NotImplemented")]
    NotImplemented(String),
    #[error("MethodNotAllowed")]
    MethodNotAllowed(String),
    #[error("InvalidAsyncOperation")]
    AsyncOperationNotFound(String),
    #[error("ManagedEnvironmentNotFound")]
    ManagedEnvironmentNotFound(String),
    #[error("ContainerAppInvalidName")]
    ContainerAppJobInvalidName(String),
    #[error("ContainerAppSecretRefNotFound")]
    SecretRefNotFound { secret: String, container: String },
    #[error("JobExecutionNotFound")]
    JobExecutionNotFound(String),
    #[error("ContainerAppOperationError")]
    JobTriggerNotServed(String),
    #[error("InvalidCronExpression")]
    InvalidCronExpression(String),
    #[error("Conflict")]
    WebsiteNameTaken(String),
    /// The Functions host does not know the function (its name is not in the message).
    #[error("NotFound")]
    FunctionNotFound(String),
    #[error("Conflict")]
    ServerFarmInUse { plan: String, sites: String },
    #[error("Throttled")]
    Throttled,
    #[error("InternalServerError")]
    Internal,
}

impl ArmError {
    /// ARM's status, code and message for this error.
    pub fn parts(&self) -> (StatusCode, &'static str, String) {
        use ArmError::*;
        match self {
            MissingApiVersionParameter => (
                StatusCode::BAD_REQUEST,
                "MissingApiVersionParameter",
                "The api-version query parameter (?api-version=) is required for all requests."
                    .into(),
            ),
            InvalidApiVersionParameter {
                version,
                supported,
                locations,
            } => (
                StatusCode::BAD_REQUEST,
                "InvalidApiVersionParameter",
                // ARM's wording, with the leading comma of its locations list.
                format!(
                    "The api-version '{version}' is invalid. The supported versions are '{}'. The supported locations are ', {}'.",
                    supported.join(","),
                    location_list(locations)
                ),
            ),
            NoRegisteredProviderFound {
                location,
                version,
                resource_type,
                supported,
                locations,
            } => (
                StatusCode::BAD_REQUEST,
                "NoRegisteredProviderFound",
                format!(
                    "No registered resource provider found for location '{location}' and API version '{version}' for type '{resource_type}'. The supported api-versions are '{}'. The supported locations are '{}'.",
                    supported.join(", "),
                    location_list(locations)
                ),
            ),
            AuthenticationFailed(message) => (
                StatusCode::UNAUTHORIZED,
                "AuthenticationFailed",
                message.clone(),
            ),
            InvalidAuthenticationToken => (
                StatusCode::UNAUTHORIZED,
                "InvalidAuthenticationToken",
                "The access token is invalid.".into(),
            ),
            ExpiredAuthenticationToken { expired, now } => (
                StatusCode::UNAUTHORIZED,
                "ExpiredAuthenticationToken",
                format!(
                    "The access token expiry UTC time '{expired}' is earlier than current UTC time '{now}'."
                ),
            ),
            InvalidSubscriptionId(id) => (
                StatusCode::BAD_REQUEST,
                "InvalidSubscriptionId",
                format!("The provided subscription identifier '{id}' is malformed or invalid."),
            ),
            SubscriptionNotFound(id) => (
                StatusCode::NOT_FOUND,
                "SubscriptionNotFound",
                format!("The subscription '{id}' could not be found."),
            ),
            ResourceGroupNotFound(name) => (
                StatusCode::NOT_FOUND,
                "ResourceGroupNotFound",
                format!("Resource group '{name}' could not be found."),
            ),
            ResourceNotFound {
                resource_type,
                name,
                group,
            } => (
                StatusCode::NOT_FOUND,
                "ResourceNotFound",
                format!(
                    "The Resource '{resource_type}/{name}' under resource group '{group}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix"
                ),
            ),
            InvalidResourceNamespace(namespace) => (
                StatusCode::BAD_REQUEST,
                "InvalidResourceNamespace",
                format!("The resource namespace '{namespace}' is invalid."),
            ),
            InvalidResourceType {
                resource_type,
                namespace,
                version,
            } => (
                StatusCode::BAD_REQUEST,
                "InvalidResourceType",
                format!(
                    "The resource type '{resource_type}' could not be found in the namespace '{namespace}' for api version '{version}'."
                ),
            ),
            MissingSubscriptionRegistration(namespace) => (
                StatusCode::CONFLICT,
                "MissingSubscriptionRegistration",
                format!(
                    "The subscription is not registered to use namespace '{namespace}'. See https://aka.ms/rps-not-found for how to register subscriptions."
                ),
            ),
            InvalidRequestContent(detail) => (
                StatusCode::BAD_REQUEST,
                "InvalidRequestContent",
                format!("The request content was invalid and cannot be deserialized: '{detail}'."),
            ),
            LocationRequired => (
                StatusCode::BAD_REQUEST,
                "LocationRequired",
                "The location property is required for this definition.".into(),
            ),
            LocationNotAvailableForResourceGroup {
                location,
                available,
            } => (
                StatusCode::BAD_REQUEST,
                "LocationNotAvailableForResourceGroup",
                format!(
                    "The provided location '{location}' is not available for resource group. List of available regions is '{}'.",
                    available.join(",")
                ),
            ),
            InvalidResourceGroup { name, invalid } => (
                StatusCode::BAD_REQUEST,
                "InvalidResourceGroup",
                format!(
                    "The provided resource group name '{name}' has these invalid characters: '{invalid}'. The name can only be a letter, digit, '-', '.', '(', ')' or '_'. See https://aka.ms/ResourceGroupNamingRestrictions for more details."
                ),
            ),
            InvalidResourceGroupLocation {
                name,
                existing,
                requested,
            } => (
                StatusCode::CONFLICT,
                "InvalidResourceGroupLocation",
                {
                    let _ = name;
                    format!(
                        "Invalid resource group location '{requested}'. The Resource group already exists in location '{existing}'."
                    )
                },
            ),
            ResourceGroupBeingDeleted(name) => (
                StatusCode::CONFLICT,
                "ResourceGroupBeingDeleted",
                format!(
                    "The resource group '{name}' is in deprovisioning state and cannot perform this operation."
                ),
            ),
            InvalidResourceLocation {
                resource_type,
                location,
                available,
            } => (
                StatusCode::BAD_REQUEST,
                "LocationNotAvailableForResourceType",
                format!(
                    "The provided location '{location}' is not available for resource type '{resource_type}'. List of available regions for the resource type is '{}'.",
                    available.join(",")
                ),
            ),
            AccountNameInvalid(name) => (
                StatusCode::BAD_REQUEST,
                "AccountNameInvalid",
                format!(
                    "{name} is not a valid storage account name. Storage account name must be between 3 and 24 characters in length and use numbers and lower-case letters only."
                ),
            ),
            StorageAccountAlreadyTaken(name) => (
                StatusCode::CONFLICT,
                "StorageAccountAlreadyTaken",
                format!("The storage account named {name} is already taken."),
            ),
            // Reconstructed: the code and wording of an invalid registry name were not read from
            // a recorded answer.
            InvalidRegistryName(name) => (
                StatusCode::BAD_REQUEST,
                "InvalidRegistryName",
                format!(
                    "The registry name '{name}' is invalid: it must contain only alphanumeric characters and be between 5 and 50 characters long."
                ),
            ),
            RegistryNameInUse(name) => (
                StatusCode::CONFLICT,
                "AlreadyInUse",
                format!(
                    "The registry DNS name {name}.azurecr.io is already in use. You can check if the name is already claimed using following API: https://docs.microsoft.com/en-us/rest/api/containerregistry/registries/checknameavailability"
                ),
            ),
            AdminUserDisabled(id) => (
                StatusCode::BAD_REQUEST,
                "UnAuthorizedForCredentialOperations",
                format!(
                    "Cannot perform credential operations for {id} as admin user is disabled. Kindly enable admin user as per docs: https://docs.microsoft.com/en-us/azure/container-registry/container-registry-authentication#admin-account"
                ),
            ),
            StorageAccountIsNotProvisioned(name) => (
                StatusCode::CONFLICT,
                "StorageAccountIsNotProvisioned",
                format!(
                    "The storage account provisioning state must be 'Succeeded' before executing the operation. The current state of the storage account {name} is 'Creating'."
                ),
            ),
            MissingRequiredProperty(property) => (
                StatusCode::BAD_REQUEST,
                "MissingRequiredProperty",
                format!("The required property '{property}' is missing from the request."),
            ),
            InvalidValue { property, value } => (
                StatusCode::BAD_REQUEST,
                "InvalidValuesForRequestParameters",
                format!("Values for request parameters are invalid: {property}='{value}'."),
            ),
            RoleAssignmentNotFound(name) => (
                StatusCode::NOT_FOUND,
                "RoleAssignmentNotFound",
                format!("The role assignment '{name}' is not found."),
            ),
            RoleDefinitionDoesNotExist { id, in_request } => (
                if *in_request {
                    StatusCode::BAD_REQUEST
                } else {
                    StatusCode::NOT_FOUND
                },
                "RoleDefinitionDoesNotExist",
                format!("The specified role definition with ID '{id}' does not exist."),
            ),
            RoleAssignmentExists(existing) => (
                StatusCode::CONFLICT,
                "RoleAssignmentExists",
                format!("The role assignment already exists. The ID of the existing role assignment is {existing}."),
            ),
            InvalidRoleAssignmentId(name) => (
                StatusCode::BAD_REQUEST,
                "InvalidRoleAssignmentId",
                format!("The role assignment ID '{name}' is not valid. The role assignment ID must be a GUID."),
            ),
            InvalidPrincipalId => (
                StatusCode::BAD_REQUEST,
                "InvalidPrincipalId",
                "A valid principal ID must be provided for role assignment.".to_string(),
            ),
            RoleAssignmentUpdateNotPermitted => (
                StatusCode::CONFLICT,
                "RoleAssignmentUpdateNotPermitted",
                "Tenant ID, application ID, principal ID, and scope are not allowed to be updated."
                    .to_string(),
            ),
            UnsupportedRoleAssignmentFilter(filter) => (
                StatusCode::BAD_REQUEST,
                "UnsupportedQuery",
                format!("The filter '{filter}' is not supported. Supported filters are either 'atScope()' or 'principalId eq '{{value}}' or assignedTo('{{value}}')'."),
            ),
            InvalidScope(scope) => (
                StatusCode::BAD_REQUEST,
                "InvalidResourceId",
                format!("The resource ID '{scope}' is not a valid scope for a role assignment."),
            ),
            ResourceTypeNotSupported(kind) => (
                StatusCode::BAD_REQUEST,
                "ResourceTypeNotSupported",
                format!("The resource type '{kind}' does not support diagnostic settings."),
            ),
            DiagnosticCategoryNotSupported(category) => (
                StatusCode::BAD_REQUEST,
                "BadRequest",
                format!("Category '{category}' is not supported."),
            ),
            DiagnosticSettingWithoutDestination => (
                StatusCode::BAD_REQUEST,
                "BadRequest",
                "At least one of storage account, event hub, log analytics workspace or partner resource must be specified.".to_string(),
            ),
            DiagnosticWorkspaceNotFound(workspace) => (
                StatusCode::BAD_REQUEST,
                "BadRequest",
                format!("The Log Analytics workspace '{workspace}' could not be found."),
            ),
            DiagnosticSettingNotFound(name) => (
                StatusCode::NOT_FOUND,
                "ResourceNotFound",
                format!("The diagnostic setting '{name}' doesn't exist."),
            ),
            NotImplemented(what) => (
                StatusCode::NOT_IMPLEMENTED,
                "NotImplemented",
                format!("The simulator does not implement {what}."),
            ),
            MethodNotAllowed(method) => (
                StatusCode::METHOD_NOT_ALLOWED,
                "MethodNotAllowed",
                format!("The requested resource does not support http method '{method}'."),
            ),
            AsyncOperationNotFound(id) => (
                StatusCode::NOT_FOUND,
                "NotFound",
                format!("The operation '{id}' could not be found."),
            ),
            ManagedEnvironmentNotFound(id) => (
                StatusCode::BAD_REQUEST,
                "ManagedEnvironmentNotFound",
                format!("Managed Environment '{id}' was not found."),
            ),
            ContainerAppJobInvalidName(name) => (
                StatusCode::BAD_REQUEST,
                "ContainerAppInvalidName",
                format!(
                    "Invalid ContainerApp name '{name}'. A name must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character and cannot have '--'. The length must not be more than 32 characters."
                ),
            ),
            SecretRefNotFound { secret, container } => (
                StatusCode::BAD_REQUEST,
                "ContainerAppSecretRefNotFound",
                format!("SecretRef '{secret}' defined for container '{container}' not found."),
            ),
            JobExecutionNotFound(name) => (
                StatusCode::NOT_FOUND,
                "JobExecutionNotFound",
                format!("The job execution '{name}' was not found."),
            ),
            JobTriggerNotServed(trigger) => (
                StatusCode::NOT_IMPLEMENTED,
                "NotImplemented",
                format!(
                    "The simulator does not implement Container Apps jobs with triggerType '{trigger}': only 'Manual' and 'Schedule' jobs run."
                ),
            ),
            FunctionNotFound(_) => (
                StatusCode::NOT_FOUND,
                "NotFound",
                "Error retrieving function.".to_string(),
            ),
            WebsiteNameTaken(name) => (
                StatusCode::CONFLICT,
                "Conflict",
                format!("Website with given name {name} already exists."),
            ),
            ServerFarmInUse { plan, sites } => (
                StatusCode::CONFLICT,
                "Conflict",
                format!(
                    "Server farm '{plan}' cannot be deleted because it has web app(s) {sites} assigned to it."
                ),
            ),
            InvalidCronExpression(expression) => (
                StatusCode::BAD_REQUEST,
                "InvalidCronExpression",
                format!(
                    "Given CRON expression - '{expression}' is not valid, please visit https://learn.microsoft.com/en-us/rest/api/containerapps/preview/jobs/create-or-update?tabs=HTTP#scheduletriggerconfig for more information."
                ),
            ),
            Throttled => (
                StatusCode::TOO_MANY_REQUESTS,
                "TooManyRequests",
                "The request is being throttled.".into(),
            ),
            Internal => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "InternalServerError",
                "Encountered internal server error. Diagnostic information: the simulator failed while handling this request."
                    .into(),
            ),
        }
    }
}

impl From<simkit::store::StoreError> for ArmError {
    fn from(error: simkit::store::StoreError) -> Self {
        tracing::error!(%error, "store failure");
        ArmError::Internal
    }
}

impl From<simkit::operations::OperationError> for ArmError {
    fn from(error: simkit::operations::OperationError) -> Self {
        match error {
            simkit::operations::OperationError::NotFound(id) => {
                ArmError::AsyncOperationNotFound(id)
            }
            other => {
                tracing::error!(error = %other, "operation store failure");
                ArmError::Internal
            }
        }
    }
}
