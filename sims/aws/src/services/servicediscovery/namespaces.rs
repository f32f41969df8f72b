//! Namespaces: HTTP (named only), private DNS (in a VPC, which must exist) and public DNS (a
//! hosted zone of its own). A name is taken once per account and region for HTTP namespaces and
//! once per VPC for private ones; a namespace with services cannot be deleted. Every change is
//! an operation.

use std::collections::BTreeMap;

use sim_aws_shapes::servicediscovery::{
    CreateHttpNamespaceRequest, CreateHttpNamespaceResponse, CreatePrivateDnsNamespaceRequest,
    CreatePrivateDnsNamespaceResponse, CreatePublicDnsNamespaceRequest,
    CreatePublicDnsNamespaceResponse, DeleteNamespaceRequest, DeleteNamespaceResponse,
    DnsProperties, GetNamespaceRequest, GetNamespaceResponse, HttpProperties,
    ListNamespacesRequest, ListNamespacesResponse, Namespace, NamespaceProperties,
    NamespaceSummary, SOA, Tag, UpdateHttpNamespaceRequest, UpdateHttpNamespaceResponse,
    UpdatePrivateDnsNamespaceRequest, UpdatePrivateDnsNamespaceResponse,
    UpdatePublicDnsNamespaceRequest, UpdatePublicDnsNamespaceResponse,
};

use super::operations::{condition, passes};
use super::{CloudMap, CloudMapError, Ctx, NamespaceRecord, key};
use crate::services::paging;

pub(super) fn namespace_not_found(id: &str) -> CloudMapError {
    CloudMapError::NamespaceNotFound(format!("Namespace not found: {id}"))
}

/// What a namespace is made of.
struct NewNamespace {
    name: String,
    kind: &'static str,
    description: Option<String>,
    creator_request_id: Option<String>,
    tags: Vec<Tag>,
    vpc: Option<String>,
    ttl: Option<i64>,
}

impl CloudMap {
    pub(super) fn find_namespace(
        &self,
        ctx: &Ctx,
        id: &str,
    ) -> Result<NamespaceRecord, CloudMapError> {
        self.namespaces
            .get(&key(ctx, id))
            .ok_or_else(|| namespace_not_found(id))
    }

    /// The namespace as it reads now (its service count).
    fn live(&self, ctx: &Ctx, record: &NamespaceRecord) -> Namespace {
        let mut namespace = record.namespace.clone();
        namespace.service_count = Some(
            self.services
                .scan_prefix(&ctx.scope())
                .iter()
                .filter(|(_, s)| s.service.namespace_id == namespace.id)
                .count() as i32,
        );
        namespace
    }

    fn create_namespace(&self, ctx: &Ctx, new: NewNamespace) -> Result<String, CloudMapError> {
        let existing = self.namespaces.scan_prefix(&ctx.scope());
        if let Some(request) = &new.creator_request_id
            && let Some((_, same)) = existing
                .iter()
                .find(|(_, ns)| ns.namespace.creator_request_id.as_ref() == Some(request))
        {
            // The same request again: its operation, as Cloud Map answers a retry.
            let namespace_id = same.namespace.id.clone().unwrap_or_default();
            if let Some((_, operation)) = self
                .operations
                .scan_prefix(&ctx.scope())
                .into_iter()
                .find(|(_, op)| {
                    op.r#type.as_deref() == Some("CREATE_NAMESPACE")
                        && op.targets.as_ref().and_then(|t| t.get("NAMESPACE"))
                            == Some(&namespace_id)
                })
            {
                return Ok(operation.id.unwrap_or_default());
            }
        }
        let clash = existing.iter().find(|(_, ns)| {
            ns.namespace.name.as_deref() == Some(new.name.as_str())
                && match new.kind {
                    "DNS_PRIVATE" => {
                        ns.vpc == new.vpc || ns.namespace.r#type.as_deref() == Some("HTTP")
                    }
                    _ => true,
                }
        });
        if let Some((_, clash)) = clash {
            return Err(CloudMapError::NamespaceAlreadyExists {
                message: format!("Namespace with name {} already exists.", new.name),
                namespace_id: clash.namespace.id.clone().unwrap_or_default(),
                creator_request_id: clash.namespace.creator_request_id.clone(),
            });
        }
        let id = self.new_id("ns");
        let properties = match new.kind {
            "HTTP" => NamespaceProperties {
                dns_properties: Some(DnsProperties {
                    hosted_zone_id: None,
                    soa: None,
                }),
                http_properties: Some(HttpProperties {
                    http_name: Some(new.name.clone()),
                }),
            },
            _ => NamespaceProperties {
                dns_properties: Some(DnsProperties {
                    hosted_zone_id: Some(format!(
                        "Z{}",
                        self.kit
                            .ids()
                            .random_word(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 20)
                    )),
                    soa: Some(SOA {
                        ttl: new.ttl.unwrap_or(15),
                    }),
                }),
                http_properties: Some(HttpProperties {
                    http_name: Some(new.name.clone()),
                }),
            },
        };
        let namespace = Namespace {
            id: Some(id.clone()),
            arn: Some(ctx.arn("servicediscovery", &format!("namespace/{id}"))),
            resource_owner: Some(ctx.account_id.clone()),
            name: Some(new.name),
            r#type: Some(new.kind.to_string()),
            description: new.description,
            service_count: Some(0),
            properties: Some(properties),
            create_date: Some(self.now()),
            creator_request_id: new.creator_request_id,
        };
        self.namespaces.insert(
            &key(ctx, &id),
            NamespaceRecord {
                namespace,
                tags: new.tags,
                vpc: new.vpc,
            },
        )?;
        self.submit(
            ctx,
            "CREATE_NAMESPACE",
            BTreeMap::from([("NAMESPACE".to_string(), id)]),
        )
    }

    pub(super) async fn create_http_namespace(
        &self,
        ctx: &Ctx,
        input: CreateHttpNamespaceRequest,
    ) -> Result<CreateHttpNamespaceResponse, CloudMapError> {
        let operation_id = self.create_namespace(
            ctx,
            NewNamespace {
                name: input.name,
                kind: "HTTP",
                description: input.description,
                creator_request_id: input.creator_request_id,
                tags: input.tags.unwrap_or_default(),
                vpc: None,
                ttl: None,
            },
        )?;
        Ok(CreateHttpNamespaceResponse {
            operation_id: Some(operation_id),
        })
    }

    pub(super) async fn create_private_dns_namespace(
        &self,
        ctx: &Ctx,
        input: CreatePrivateDnsNamespaceRequest,
    ) -> Result<CreatePrivateDnsNamespaceResponse, CloudMapError> {
        if !self.ec2.vpc_exists(ctx, &input.vpc) {
            return Err(CloudMapError::InvalidInput(format!(
                "The VPC ID '{}' does not exist.",
                input.vpc
            )));
        }
        let operation_id = self.create_namespace(
            ctx,
            NewNamespace {
                name: input.name,
                kind: "DNS_PRIVATE",
                description: input.description,
                creator_request_id: input.creator_request_id,
                tags: input.tags.unwrap_or_default(),
                vpc: Some(input.vpc),
                ttl: input.properties.map(|p| p.dns_properties.soa.ttl),
            },
        )?;
        Ok(CreatePrivateDnsNamespaceResponse {
            operation_id: Some(operation_id),
        })
    }

    pub(super) async fn create_public_dns_namespace(
        &self,
        ctx: &Ctx,
        input: CreatePublicDnsNamespaceRequest,
    ) -> Result<CreatePublicDnsNamespaceResponse, CloudMapError> {
        let operation_id = self.create_namespace(
            ctx,
            NewNamespace {
                name: input.name,
                kind: "DNS_PUBLIC",
                description: input.description,
                creator_request_id: input.creator_request_id,
                tags: input.tags.unwrap_or_default(),
                vpc: None,
                ttl: input.properties.map(|p| p.dns_properties.soa.ttl),
            },
        )?;
        Ok(CreatePublicDnsNamespaceResponse {
            operation_id: Some(operation_id),
        })
    }

    pub(super) async fn get_namespace(
        &self,
        ctx: &Ctx,
        input: GetNamespaceRequest,
    ) -> Result<GetNamespaceResponse, CloudMapError> {
        let record = self.find_namespace(ctx, &input.id)?;
        Ok(GetNamespaceResponse {
            namespace: Some(self.live(ctx, &record)),
        })
    }

    pub(super) async fn list_namespaces(
        &self,
        ctx: &Ctx,
        input: ListNamespacesRequest,
    ) -> Result<ListNamespacesResponse, CloudMapError> {
        let mut checks = Vec::new();
        for filter in input.filters.unwrap_or_default() {
            let allowed: &[&str] = match filter.name.as_str() {
                "TYPE" => &["EQ", "IN"],
                _ => &["EQ", "BEGINS_WITH"],
            };
            let condition = condition(filter.condition.as_deref(), allowed, &filter.name)?;
            checks.push((filter.name, condition, filter.values));
        }
        let entries = self
            .namespaces
            .scan_prefix(&ctx.scope())
            .into_iter()
            .map(|(_, record)| self.live(ctx, &record))
            .filter(|namespace| {
                checks.iter().all(|(name, condition, values)| {
                    let value = match name.as_str() {
                        "TYPE" => namespace.r#type.clone(),
                        "NAME" => namespace.name.clone(),
                        "HTTP_NAME" => namespace
                            .properties
                            .as_ref()
                            .and_then(|p| p.http_properties.as_ref())
                            .and_then(|h| h.http_name.clone()),
                        _ => None,
                    };
                    value.is_some_and(|value| passes(condition, values, &value))
                })
            })
            .map(|namespace| {
                (
                    namespace.id.clone().unwrap_or_default(),
                    NamespaceSummary {
                        id: namespace.id,
                        arn: namespace.arn,
                        resource_owner: namespace.resource_owner,
                        name: namespace.name,
                        r#type: namespace.r#type,
                        description: namespace.description,
                        service_count: namespace.service_count,
                        properties: namespace.properties,
                        create_date: namespace.create_date,
                    },
                )
            })
            .collect();
        let size = input.max_results.unwrap_or(100).max(1) as usize;
        let page = paging::page(entries, input.next_token.as_deref(), size)
            .map_err(|_| CloudMapError::InvalidInput("Invalid NextToken".into()))?;
        Ok(ListNamespacesResponse {
            namespaces: Some(page.items),
            next_token: page.next,
        })
    }

    pub(super) async fn delete_namespace(
        &self,
        ctx: &Ctx,
        input: DeleteNamespaceRequest,
    ) -> Result<DeleteNamespaceResponse, CloudMapError> {
        self.find_namespace(ctx, &input.id)?;
        let has_services = self
            .services
            .scan_prefix(&ctx.scope())
            .iter()
            .any(|(_, s)| s.service.namespace_id.as_deref() == Some(input.id.as_str()));
        if has_services {
            return Err(CloudMapError::ResourceInUse(
                "The namespace can't be deleted because it contains one or more services.".into(),
            ));
        }
        self.namespaces.remove(&key(ctx, &input.id))?;
        let operation_id = self.submit(
            ctx,
            "DELETE_NAMESPACE",
            BTreeMap::from([("NAMESPACE".to_string(), input.id)]),
        )?;
        Ok(DeleteNamespaceResponse {
            operation_id: Some(operation_id),
        })
    }

    /// Changes a namespace of `kind`: its description and SOA TTL.
    fn update_namespace(
        &self,
        ctx: &Ctx,
        id: &str,
        kind: &str,
        description: Option<String>,
        ttl: Option<i64>,
    ) -> Result<String, CloudMapError> {
        let record = self.find_namespace(ctx, id)?;
        if record.namespace.r#type.as_deref() != Some(kind) {
            return Err(CloudMapError::InvalidInput(format!(
                "Namespace {id} is not a {kind} namespace."
            )));
        }
        self.namespaces.update(&key(ctx, id), |record| {
            if let Some(description) = description {
                record.namespace.description = Some(description);
            }
            if let Some(ttl) = ttl
                && let Some(dns) = record
                    .namespace
                    .properties
                    .as_mut()
                    .and_then(|p| p.dns_properties.as_mut())
            {
                dns.soa = Some(SOA { ttl });
            }
        })?;
        self.submit(
            ctx,
            "UPDATE_NAMESPACE",
            BTreeMap::from([("NAMESPACE".to_string(), id.to_string())]),
        )
    }

    pub(super) async fn update_http_namespace(
        &self,
        ctx: &Ctx,
        input: UpdateHttpNamespaceRequest,
    ) -> Result<UpdateHttpNamespaceResponse, CloudMapError> {
        let operation_id = self.update_namespace(
            ctx,
            &input.id,
            "HTTP",
            Some(input.namespace.description),
            None,
        )?;
        Ok(UpdateHttpNamespaceResponse {
            operation_id: Some(operation_id),
        })
    }

    pub(super) async fn update_private_dns_namespace(
        &self,
        ctx: &Ctx,
        input: UpdatePrivateDnsNamespaceRequest,
    ) -> Result<UpdatePrivateDnsNamespaceResponse, CloudMapError> {
        let ttl = input.namespace.properties.map(|p| p.dns_properties.soa.ttl);
        let operation_id = self.update_namespace(
            ctx,
            &input.id,
            "DNS_PRIVATE",
            input.namespace.description,
            ttl,
        )?;
        Ok(UpdatePrivateDnsNamespaceResponse {
            operation_id: Some(operation_id),
        })
    }

    pub(super) async fn update_public_dns_namespace(
        &self,
        ctx: &Ctx,
        input: UpdatePublicDnsNamespaceRequest,
    ) -> Result<UpdatePublicDnsNamespaceResponse, CloudMapError> {
        let ttl = input.namespace.properties.map(|p| p.dns_properties.soa.ttl);
        let operation_id = self.update_namespace(
            ctx,
            &input.id,
            "DNS_PUBLIC",
            input.namespace.description,
            ttl,
        )?;
        Ok(UpdatePublicDnsNamespaceResponse {
            operation_id: Some(operation_id),
        })
    }
}
