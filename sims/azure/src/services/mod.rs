//! The services: typed handlers over the kit's store, one module per resource provider.
//! Handlers take and return the generated wire types (`crate::shapes`) or an [`ArmError`];
//! they never see HTTP, format JSON, or read the clock except through the kit.
//!
//! | module | serves |
//! |---|---|
//! | [`resources`] | subscriptions, tenants, providers, resource groups, generic resource listings |
//! | [`storage`] | `Microsoft.Storage` storage accounts |
//! | [`apps`] | `Microsoft.App` managed environments, jobs and their executions |
//! | [`loganalytics`] | `Microsoft.OperationalInsights` workspaces, their tables, KQL |
//! | [`blob`] | the blob service's data plane: containers and block blobs |
//! | [`msi`] | `Microsoft.ManagedIdentity` user-assigned identities |
//! | [`insights`] | `Microsoft.Insights` diagnostic settings, routing a function app's output to Log Analytics |
//! | [`authorization`] | `Microsoft.Authorization` built-in role definitions and role assignments at any scope |
//! | [`web`] | `Microsoft.Web` App Service plans and function apps, whose custom containers run |
//! | [`acr`] | `Microsoft.ContainerRegistry` registries, their login servers' auth and tokens |
//!
//! A resource provider joins resource groups through [`ResourceProvider`]: listing what a group
//! holds and deleting it with its group.

pub mod acr;
pub mod apps;
pub mod authorization;
pub mod blob;
pub mod insights;
pub mod loganalytics;
pub mod msi;
pub mod resources;
pub mod storage;
pub mod web;

use crate::error::ArmError;
use crate::shapes::resources::GenericResourceExpanded;

/// What every resource provider module gives resource groups.
pub trait ResourceProvider: Send + Sync + 'static {
    /// The namespace as Azure spells it (`Microsoft.Storage`).
    fn namespace(&self) -> &'static str;
    /// Every resource of this provider in `group` of `subscription`.
    fn resources_in_group(&self, subscription: &str, group: &str) -> Vec<GenericResourceExpanded>;
    /// Deletes every resource of this provider in the group (the group is being deleted).
    fn delete_group_contents(&self, subscription: &str, group: &str) -> Result<(), ArmError>;
}

/// Who made a request, for `systemData` and `createdBy`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The principal's application or object ID.
    pub name: String,
    /// `Application`, `ManagedIdentity`, `User`.
    pub kind: &'static str,
}

/// The request's context as handlers see it.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub caller: Caller,
    pub api_version: String,
}
