//! Security groups and their rules. A group's rules are kept one per source (a CIDR, an IPv6
//! block, a prefix list or another group), each with its `sgr-` ID, as DescribeSecurityGroupRules
//! shows them; DescribeSecurityGroups folds them back into `IpPermissions` by protocol and
//! ports. Each VPC has a `default` group whose rules allow everything from itself in and
//! everything out; a new group gets the allow-all egress rule.

use sim_aws_shapes::ec2::{
    AuthorizeSecurityGroupEgressRequest, AuthorizeSecurityGroupEgressResult,
    AuthorizeSecurityGroupIngressRequest, AuthorizeSecurityGroupIngressResult,
    CreateSecurityGroupRequest, CreateSecurityGroupResult, DeleteSecurityGroupRequest,
    DeleteSecurityGroupResult, DescribeSecurityGroupRulesRequest, DescribeSecurityGroupRulesResult,
    DescribeSecurityGroupsRequest, DescribeSecurityGroupsResult, IpPermission, IpRange, Ipv6Range,
    ModifySecurityGroupRulesRequest, ModifySecurityGroupRulesResult, PrefixListId,
    ReferencedSecurityGroup, RevokeSecurityGroupEgressRequest, RevokeSecurityGroupEgressResult,
    RevokeSecurityGroupIngressRequest, RevokeSecurityGroupIngressResult, RevokedSecurityGroupRule,
    SecurityGroup, SecurityGroupRule, SecurityGroupRuleDescription, Tag,
    UpdateSecurityGroupRuleDescriptionsEgressRequest,
    UpdateSecurityGroupRuleDescriptionsEgressResult,
    UpdateSecurityGroupRuleDescriptionsIngressRequest,
    UpdateSecurityGroupRuleDescriptionsIngressResult, UserIdGroupPair,
};
use simkit::store::Txn;

use super::cidr::Cidr;
use super::resources::{
    Query, Resource, check_filters, flag, matches, one, page, tags_for, tags_in,
};
use super::{Ctx, Ec2, Ec2Error, dry_run, key};

/// A security group and its rules (the group's `IpPermissions` are derived from them).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SecurityGroupRecord {
    pub group: SecurityGroup,
    pub rules: Vec<SecurityGroupRule>,
}

impl SecurityGroupRecord {
    /// The group as DescribeSecurityGroups shows it.
    pub fn described(&self) -> SecurityGroup {
        let mut group = self.group.clone();
        group.ip_permissions = Some(fold(
            self.rules.iter().filter(|r| r.is_egress != Some(true)),
        ));
        group.ip_permissions_egress = Some(fold(
            self.rules.iter().filter(|r| r.is_egress == Some(true)),
        ));
        group
    }
}

impl Resource for SecurityGroupRecord {
    const RESOURCE_TYPE: &'static str = "security-group";
    const NOT_FOUND: &'static str = "InvalidGroup.NotFound";

    fn not_found_message(ids: &[String]) -> String {
        if ids.len() == 1 {
            format!("The security group '{}' does not exist", ids[0])
        } else {
            format!("The security groups '{}' do not exist", ids.join(", "))
        }
    }
    fn id(&self) -> &str {
        self.group.group_id.as_deref().unwrap_or_default()
    }
    tags_in!(group.tags);
    fn filter(&self, name: &str) -> Option<Vec<String>> {
        let (egress, field) = match name.strip_prefix("egress.") {
            Some(rest) => (true, rest),
            None => (false, name),
        };
        let rules = || {
            self.rules
                .iter()
                .filter(move |r| (r.is_egress == Some(true)) == egress)
        };
        let port = |value: Option<i32>| value.map(|v| v.to_string());
        Some(match field {
            "group-id" if !egress => one(&self.group.group_id),
            "group-name" if !egress => one(&self.group.group_name),
            "description" if !egress => one(&self.group.description),
            "vpc-id" if !egress => one(&self.group.vpc_id),
            "owner-id" if !egress => one(&self.group.owner_id),
            "ip-permission.cidr" => rules().filter_map(|r| r.cidr_ipv4.clone()).collect(),
            "ip-permission.ipv6-cidr" => rules().filter_map(|r| r.cidr_ipv6.clone()).collect(),
            "ip-permission.from-port" => rules().filter_map(|r| port(r.from_port)).collect(),
            "ip-permission.to-port" => rules().filter_map(|r| port(r.to_port)).collect(),
            "ip-permission.protocol" => rules().filter_map(|r| r.ip_protocol.clone()).collect(),
            "ip-permission.prefix-list-id" => {
                rules().filter_map(|r| r.prefix_list_id.clone()).collect()
            }
            "ip-permission.group-id" => rules()
                .filter_map(|r| {
                    r.referenced_group_info
                        .as_ref()
                        .and_then(|g| g.group_id.clone())
                })
                .collect(),
            "ip-permission.user-id" => rules()
                .filter_map(|r| {
                    r.referenced_group_info
                        .as_ref()
                        .and_then(|g| g.user_id.clone())
                })
                .collect(),
            "ip-permission.group-name" => Vec::new(),
            _ => return None,
        })
    }
}

impl Resource for SecurityGroupRule {
    const RESOURCE_TYPE: &'static str = "security-group-rule";
    const NOT_FOUND: &'static str = "InvalidSecurityGroupRuleId.NotFound";

    fn not_found_message(ids: &[String]) -> String {
        format!(
            "The security group rule ID{} '{}' does not exist",
            if ids.len() == 1 { "" } else { "s" },
            ids.join(", ")
        )
    }
    fn id(&self) -> &str {
        self.security_group_rule_id.as_deref().unwrap_or_default()
    }
    tags_in!(tags);
    fn filter(&self, name: &str) -> Option<Vec<String>> {
        Some(match name {
            "group-id" => one(&self.group_id),
            "security-group-rule-id" => one(&self.security_group_rule_id),
            "is-egress" => flag(self.is_egress),
            _ => return None,
        })
    }
}

/// EC2's protocol names: numbers for TCP, UDP and ICMP read as their names, `all` as `-1`.
fn protocol(value: Option<&str>) -> String {
    match value.unwrap_or("-1").to_ascii_lowercase().as_str() {
        "6" | "tcp" => "tcp".into(),
        "17" | "udp" => "udp".into(),
        "1" | "icmp" => "icmp".into(),
        "58" | "icmpv6" => "icmpv6".into(),
        "all" | "-1" => "-1".into(),
        other => other.into(),
    }
}

/// The rules an `IpPermission` stands for: one per source.
fn expand(
    permission: &IpPermission,
    group_id: &str,
    owner: &str,
    egress: bool,
) -> Result<Vec<SecurityGroupRule>, Ec2Error> {
    let ip_protocol = protocol(permission.ip_protocol.as_deref());
    let (from_port, to_port) = if ip_protocol == "-1" {
        (Some(-1), Some(-1))
    } else {
        (permission.from_port, permission.to_port)
    };
    if matches!(ip_protocol.as_str(), "tcp" | "udp") {
        let (Some(from), Some(to)) = (from_port, to_port) else {
            return Err(Ec2Error::invalid_value(
                "Invalid value 'Must specify both from and to ports with TCP/UDP.' for portRange."
                    .to_string(),
            ));
        };
        if from > to || from < 0 || to > 65535 {
            return Err(Ec2Error::new(
                "InvalidParameterValue",
                format!("Invalid TCP/UDP port range: {from}-{to}"),
            ));
        }
    }
    let base = SecurityGroupRule {
        group_id: Some(group_id.to_string()),
        group_owner_id: Some(owner.to_string()),
        is_egress: Some(egress),
        ip_protocol: Some(ip_protocol),
        from_port,
        to_port,
        ..Default::default()
    };
    let mut rules = Vec::new();
    for range in permission.ip_ranges.iter().flatten() {
        let cidr = range.cidr_ip.clone().unwrap_or_default();
        let block = Cidr::parse(&cidr)
            .ok_or_else(|| Ec2Error::invalid_value(format!("CIDR block {cidr} is malformed")))?;
        rules.push(SecurityGroupRule {
            cidr_ipv4: Some(block.to_string()),
            description: range.description.clone(),
            ..base.clone()
        });
    }
    for range in permission.ipv6_ranges.iter().flatten() {
        rules.push(SecurityGroupRule {
            cidr_ipv6: range.cidr_ipv6.clone(),
            description: range.description.clone(),
            ..base.clone()
        });
    }
    for prefix in permission.prefix_list_ids.iter().flatten() {
        rules.push(SecurityGroupRule {
            prefix_list_id: prefix.prefix_list_id.clone(),
            description: prefix.description.clone(),
            ..base.clone()
        });
    }
    for pair in permission.user_id_group_pairs.iter().flatten() {
        rules.push(SecurityGroupRule {
            referenced_group_info: Some(ReferencedSecurityGroup {
                group_id: pair.group_id.clone(),
                user_id: Some(pair.user_id.clone().unwrap_or_else(|| owner.to_string())),
                ..Default::default()
            }),
            description: pair.description.clone(),
            ..base.clone()
        });
    }
    Ok(rules)
}

/// Whether two rules allow the same thing (descriptions and IDs aside).
fn same_rule(left: &SecurityGroupRule, right: &SecurityGroupRule) -> bool {
    left.is_egress == right.is_egress
        && left.ip_protocol == right.ip_protocol
        && left.from_port == right.from_port
        && left.to_port == right.to_port
        && left.cidr_ipv4 == right.cidr_ipv4
        && left.cidr_ipv6 == right.cidr_ipv6
        && left.prefix_list_id == right.prefix_list_id
        && left
            .referenced_group_info
            .as_ref()
            .and_then(|g| g.group_id.clone())
            == right
                .referenced_group_info
                .as_ref()
                .and_then(|g| g.group_id.clone())
}

/// Rules folded into `IpPermissions`, one per protocol and port range, in first-seen order.
fn fold<'a>(rules: impl Iterator<Item = &'a SecurityGroupRule>) -> Vec<IpPermission> {
    let mut permissions: Vec<IpPermission> = Vec::new();
    for rule in rules {
        let all = rule.ip_protocol.as_deref() == Some("-1");
        let (from_port, to_port) = if all {
            (None, None)
        } else {
            (rule.from_port, rule.to_port)
        };
        let position = permissions.iter().position(|p| {
            p.ip_protocol == rule.ip_protocol && p.from_port == from_port && p.to_port == to_port
        });
        let position = position.unwrap_or_else(|| {
            permissions.push(IpPermission {
                ip_protocol: rule.ip_protocol.clone(),
                from_port,
                to_port,
                user_id_group_pairs: Some(Vec::new()),
                ip_ranges: Some(Vec::new()),
                ipv6_ranges: Some(Vec::new()),
                prefix_list_ids: Some(Vec::new()),
            });
            permissions.len() - 1
        });
        let permission = &mut permissions[position];
        if let Some(cidr) = &rule.cidr_ipv4 {
            permission
                .ip_ranges
                .get_or_insert_with(Vec::new)
                .push(IpRange {
                    cidr_ip: Some(cidr.clone()),
                    description: rule.description.clone(),
                });
        }
        if let Some(cidr) = &rule.cidr_ipv6 {
            permission
                .ipv6_ranges
                .get_or_insert_with(Vec::new)
                .push(Ipv6Range {
                    cidr_ipv6: Some(cidr.clone()),
                    description: rule.description.clone(),
                });
        }
        if let Some(prefix) = &rule.prefix_list_id {
            permission
                .prefix_list_ids
                .get_or_insert_with(Vec::new)
                .push(PrefixListId {
                    prefix_list_id: Some(prefix.clone()),
                    description: rule.description.clone(),
                });
        }
        if let Some(group) = &rule.referenced_group_info {
            permission
                .user_id_group_pairs
                .get_or_insert_with(Vec::new)
                .push(UserIdGroupPair {
                    group_id: group.group_id.clone(),
                    user_id: group.user_id.clone(),
                    description: rule.description.clone(),
                    ..Default::default()
                });
        }
    }
    permissions
}

/// EC2's words for a rule in its duplicate message.
fn describe_rule(rule: &SecurityGroupRule) -> String {
    let peer = rule
        .cidr_ipv4
        .clone()
        .or_else(|| rule.cidr_ipv6.clone())
        .or_else(|| rule.prefix_list_id.clone())
        .or_else(|| {
            rule.referenced_group_info
                .as_ref()
                .and_then(|g| g.group_id.clone())
        })
        .unwrap_or_default();
    let protocol = match rule.ip_protocol.as_deref() {
        Some("-1") => "ALL".to_string(),
        Some(other) => other.to_ascii_uppercase(),
        None => String::new(),
    };
    if rule.ip_protocol.as_deref() == Some("-1") {
        format!("peer: {peer}, {protocol}, ALLOW")
    } else {
        format!(
            "peer: {peer}, {protocol}, from port: {}, to port: {}, ALLOW",
            rule.from_port.unwrap_or_default(),
            rule.to_port.unwrap_or_default()
        )
    }
}

/// The permissions of a request in its flat form (`IpProtocol`, `CidrIp`, ports) or its list.
fn permissions_of(
    list: Option<Vec<IpPermission>>,
    ip_protocol: Option<String>,
    from_port: Option<i32>,
    to_port: Option<i32>,
    cidr_ip: Option<String>,
) -> Vec<IpPermission> {
    match list {
        Some(list) if !list.is_empty() => list,
        _ if ip_protocol.is_some() || cidr_ip.is_some() => vec![IpPermission {
            ip_protocol,
            from_port,
            to_port,
            ip_ranges: cidr_ip.map(|cidr| {
                vec![IpRange {
                    cidr_ip: Some(cidr),
                    description: None,
                }]
            }),
            ..Default::default()
        }],
        _ => Vec::new(),
    }
}

impl Ec2 {
    pub(super) fn build_default_security_group(
        &self,
        txn: &mut Txn<'_>,
        ctx: &Ctx,
        vpc_id: &str,
    ) -> Result<(), Ec2Error> {
        let group_id = self.new_id("sg");
        let mut record = self.new_group(
            ctx,
            &group_id,
            "default",
            "default VPC security group",
            vpc_id,
            None,
        );
        record.rules.insert(
            0,
            SecurityGroupRule {
                security_group_rule_id: Some(self.new_id("sgr")),
                group_id: Some(group_id.clone()),
                group_owner_id: Some(ctx.account_id.clone()),
                is_egress: Some(false),
                ip_protocol: Some("-1".into()),
                from_port: Some(-1),
                to_port: Some(-1),
                referenced_group_info: Some(ReferencedSecurityGroup {
                    group_id: Some(group_id.clone()),
                    user_id: Some(ctx.account_id.clone()),
                    ..Default::default()
                }),
                security_group_rule_arn: Some(ctx.arn("ec2", "security-group-rule/placeholder")),
                ..Default::default()
            },
        );
        let rule_id = record.rules[0]
            .security_group_rule_id
            .clone()
            .unwrap_or_default();
        record.rules[0].security_group_rule_arn =
            Some(ctx.arn("ec2", &format!("security-group-rule/{rule_id}")));
        txn.insert(&self.security_groups, &key(ctx, &group_id), record)?;
        Ok(())
    }

    /// A group with the allow-all egress rule every new group starts with.
    fn new_group(
        &self,
        ctx: &Ctx,
        group_id: &str,
        name: &str,
        description: &str,
        vpc_id: &str,
        tags: Option<Vec<Tag>>,
    ) -> SecurityGroupRecord {
        let rule_id = self.new_id("sgr");
        SecurityGroupRecord {
            group: SecurityGroup {
                group_id: Some(group_id.to_string()),
                tags,
                vpc_id: Some(vpc_id.to_string()),
                security_group_arn: Some(ctx.arn("ec2", &format!("security-group/{group_id}"))),
                owner_id: Some(ctx.account_id.clone()),
                group_name: Some(name.to_string()),
                description: Some(description.to_string()),
                ..Default::default()
            },
            rules: vec![SecurityGroupRule {
                security_group_rule_arn: Some(
                    ctx.arn("ec2", &format!("security-group-rule/{rule_id}")),
                ),
                security_group_rule_id: Some(rule_id),
                group_id: Some(group_id.to_string()),
                group_owner_id: Some(ctx.account_id.clone()),
                is_egress: Some(true),
                ip_protocol: Some("-1".into()),
                from_port: Some(-1),
                to_port: Some(-1),
                cidr_ipv4: Some("0.0.0.0/0".into()),
                ..Default::default()
            }],
        }
    }

    /// A group by ID, or by name in the default VPC (as EC2-Classic-era calls name them).
    fn group_by(
        &self,
        ctx: &Ctx,
        group_id: Option<&str>,
        group_name: Option<&str>,
    ) -> Result<SecurityGroupRecord, Ec2Error> {
        if let Some(group_id) = group_id {
            return self.find(&self.security_groups, ctx, group_id);
        }
        let Some(name) = group_name else {
            return Err(Ec2Error::missing_parameter("groupId"));
        };
        let default_vpc = self.default_vpc_id(ctx).unwrap_or_default();
        self.security_groups
            .scan_prefix(&ctx.scope())
            .into_iter()
            .map(|(_, record)| record)
            .find(|record| {
                record.group.group_name.as_deref() == Some(name)
                    && record.group.vpc_id.as_deref() == Some(default_vpc.as_str())
            })
            .ok_or_else(|| {
                Ec2Error::new(
                    "InvalidGroup.NotFound",
                    format!(
                        "The security group '{name}' does not exist in default VPC '{default_vpc}'"
                    ),
                )
            })
    }

    pub(super) async fn create_security_group(
        &self,
        ctx: &Ctx,
        input: CreateSecurityGroupRequest,
    ) -> Result<CreateSecurityGroupResult, Ec2Error> {
        dry_run(input.dry_run)?;
        let name = input.group_name;
        if name.to_ascii_lowercase().starts_with("sg-") {
            return Err(Ec2Error::invalid_value(
                "Group names may not be in the format sg-*.".to_string(),
            ));
        }
        if name == "default" {
            return Err(Ec2Error::new(
                "InvalidGroup.Reserved",
                "The security group 'default' is reserved",
            ));
        }
        let vpc_id = match input.vpc_id {
            Some(vpc_id) => vpc_id,
            None => self.default_vpc_id(ctx).ok_or_else(|| {
                Ec2Error::new("VPCIdNotSpecified", "No default VPC for this user")
            })?,
        };
        self.find(&self.vpcs, ctx, &vpc_id)?;
        let tags = tags_for(input.tag_specifications.as_deref(), "security-group")?;
        let group_id = self.new_id("sg");
        let record = self.new_group(ctx, &group_id, &name, &input.description, &vpc_id, tags);
        let answer = CreateSecurityGroupResult {
            group_id: Some(group_id.clone()),
            tags: record.group.tags.clone(),
            security_group_arn: record.group.security_group_arn.clone(),
        };
        self.kit.store().transaction(|txn| {
            let duplicate = txn
                .scan_prefix(&self.security_groups, &ctx.scope())?
                .into_iter()
                .any(|(_, other)| {
                    other.group.vpc_id.as_deref() == Some(vpc_id.as_str())
                        && other.group.group_name.as_deref() == Some(name.as_str())
                });
            if duplicate {
                return Err(Ec2Error::new(
                    "InvalidGroup.Duplicate",
                    format!("The security group '{name}' already exists for VPC '{vpc_id}'"),
                ));
            }
            txn.insert(&self.security_groups, &key(ctx, &group_id), record)?;
            Ok(())
        })?;
        Ok(answer)
    }

    pub(super) async fn describe_security_groups(
        &self,
        ctx: &Ctx,
        input: DescribeSecurityGroupsRequest,
    ) -> Result<DescribeSecurityGroupsResult, Ec2Error> {
        dry_run(input.dry_run)?;
        let mut ids = input.group_ids.unwrap_or_default();
        for name in input.group_names.unwrap_or_default() {
            ids.push(self.group_by(ctx, None, Some(&name))?.id().to_string());
        }
        let (groups, next_token) = self.describe(
            &self.security_groups,
            ctx,
            Query {
                ids: Some(&ids),
                filters: input.filters.as_deref(),
                max_results: input.max_results,
                next_token: input.next_token.as_deref(),
            },
        )?;
        Ok(DescribeSecurityGroupsResult {
            security_groups: Some(groups.iter().map(SecurityGroupRecord::described).collect()),
            next_token,
        })
    }

    pub(super) async fn delete_security_group(
        &self,
        ctx: &Ctx,
        input: DeleteSecurityGroupRequest,
    ) -> Result<DeleteSecurityGroupResult, Ec2Error> {
        dry_run(input.dry_run)?;
        let record = self.group_by(ctx, input.group_id.as_deref(), input.group_name.as_deref())?;
        let group_id = record.id().to_string();
        if record.group.group_name.as_deref() == Some("default") {
            return Err(Ec2Error::new(
                "CannotDelete",
                format!(
                    "the specified group: \"{group_id}\" name: \"default\" cannot be deleted by a user"
                ),
            ));
        }
        let scope = ctx.scope();
        let used_by_interface = self
            .interfaces
            .scan_prefix(&scope)
            .into_iter()
            .any(|(_, eni)| {
                eni.groups
                    .iter()
                    .flatten()
                    .any(|g| g.group_id.as_deref() == Some(group_id.as_str()))
            });
        let referenced = self
            .security_groups
            .scan_prefix(&scope)
            .into_iter()
            .any(|(_, other)| {
                other.id() != group_id
                    && other.rules.iter().any(|rule| {
                        rule.referenced_group_info
                            .as_ref()
                            .and_then(|g| g.group_id.as_deref())
                            == Some(group_id.as_str())
                    })
            });
        if used_by_interface || referenced {
            return Err(Ec2Error::new(
                "DependencyViolation",
                format!("resource {group_id} has a dependent object"),
            ));
        }
        self.security_groups.remove(&key(ctx, &group_id))?;
        Ok(DeleteSecurityGroupResult {
            r#return: Some(true),
            group_id: Some(group_id),
        })
    }

    /// Adds rules to a group; refuses one it already has.
    fn authorize(
        &self,
        ctx: &Ctx,
        group_id: &str,
        permissions: Vec<IpPermission>,
        egress: bool,
        tags: Option<Vec<Tag>>,
    ) -> Result<Vec<SecurityGroupRule>, Ec2Error> {
        let record = self.find(&self.security_groups, ctx, group_id)?;
        if permissions.is_empty() {
            return Err(Ec2Error::missing_parameter("ipPermissions"));
        }
        let mut new_rules = Vec::new();
        for permission in &permissions {
            for pair in permission.user_id_group_pairs.iter().flatten() {
                if let Some(other) = &pair.group_id {
                    self.find(&self.security_groups, ctx, other)?;
                }
            }
            for mut rule in expand(permission, group_id, &ctx.account_id, egress)? {
                let rule_id = self.new_id("sgr");
                rule.security_group_rule_arn =
                    Some(ctx.arn("ec2", &format!("security-group-rule/{rule_id}")));
                rule.security_group_rule_id = Some(rule_id);
                rule.tags = tags.clone();
                if let Some(existing) = record
                    .rules
                    .iter()
                    .chain(new_rules.iter())
                    .find(|have| same_rule(have, &rule))
                {
                    return Err(Ec2Error::new(
                        "InvalidPermission.Duplicate",
                        format!(
                            "the specified rule \"{}\" already exists",
                            describe_rule(existing)
                        ),
                    ));
                }
                new_rules.push(rule);
            }
        }
        let added = new_rules.clone();
        self.security_groups.update(&key(ctx, group_id), |record| {
            record.rules.extend(new_rules);
        })?;
        Ok(added)
    }

    /// Removes rules named by permission or by ID: `(revoked, unknown permissions)`.
    fn revoke(
        &self,
        ctx: &Ctx,
        group_id: &str,
        permissions: Vec<IpPermission>,
        rule_ids: Vec<String>,
        egress: bool,
    ) -> Result<Vec<RevokedSecurityGroupRule>, Ec2Error> {
        let record = self.find(&self.security_groups, ctx, group_id)?;
        let mut doomed: Vec<SecurityGroupRule> = Vec::new();
        for rule_id in &rule_ids {
            let rule = record
                .rules
                .iter()
                .find(|r| {
                    r.security_group_rule_id.as_deref() == Some(rule_id.as_str())
                        && r.is_egress == Some(egress)
                })
                .ok_or_else(|| {
                    Ec2Error::new(
                        "InvalidSecurityGroupRuleId.NotFound",
                        format!("The security group rule ID '{rule_id}' does not exist"),
                    )
                })?;
            doomed.push(rule.clone());
        }
        for permission in &permissions {
            for wanted in expand(permission, group_id, &ctx.account_id, egress)? {
                let rule = record
                    .rules
                    .iter()
                    .find(|have| same_rule(have, &wanted))
                    .ok_or_else(|| {
                        Ec2Error::new(
                            "InvalidPermission.NotFound",
                            "The specified rule does not exist in this security group.",
                        )
                    })?;
                doomed.push(rule.clone());
            }
        }
        if doomed.is_empty() {
            return Err(Ec2Error::missing_parameter("ipPermissions"));
        }
        self.security_groups.update(&key(ctx, group_id), |record| {
            record.rules.retain(|rule| {
                !doomed
                    .iter()
                    .any(|d| d.security_group_rule_id == rule.security_group_rule_id)
            });
        })?;
        Ok(doomed
            .into_iter()
            .map(|rule| RevokedSecurityGroupRule {
                security_group_rule_id: rule.security_group_rule_id,
                group_id: rule.group_id,
                is_egress: rule.is_egress,
                ip_protocol: rule.ip_protocol,
                from_port: rule.from_port,
                to_port: rule.to_port,
                cidr_ipv4: rule.cidr_ipv4,
                cidr_ipv6: rule.cidr_ipv6,
                prefix_list_id: rule.prefix_list_id,
                referenced_group_id: rule.referenced_group_info.and_then(|g| g.group_id),
                description: rule.description,
            })
            .collect())
    }

    pub(super) async fn authorize_security_group_ingress(
        &self,
        ctx: &Ctx,
        input: AuthorizeSecurityGroupIngressRequest,
    ) -> Result<AuthorizeSecurityGroupIngressResult, Ec2Error> {
        dry_run(input.dry_run)?;
        let group = self.group_by(ctx, input.group_id.as_deref(), input.group_name.as_deref())?;
        let permissions = permissions_of(
            input.ip_permissions,
            input.ip_protocol,
            input.from_port,
            input.to_port,
            input.cidr_ip,
        );
        let tags = tags_for(input.tag_specifications.as_deref(), "security-group-rule")?;
        let rules = self.authorize(ctx, group.id(), permissions, false, tags)?;
        Ok(AuthorizeSecurityGroupIngressResult {
            r#return: Some(true),
            security_group_rules: Some(rules),
        })
    }

    pub(super) async fn authorize_security_group_egress(
        &self,
        ctx: &Ctx,
        input: AuthorizeSecurityGroupEgressRequest,
    ) -> Result<AuthorizeSecurityGroupEgressResult, Ec2Error> {
        dry_run(input.dry_run)?;
        let permissions = permissions_of(
            input.ip_permissions,
            input.ip_protocol,
            input.from_port,
            input.to_port,
            input.cidr_ip,
        );
        let tags = tags_for(input.tag_specifications.as_deref(), "security-group-rule")?;
        let rules = self.authorize(ctx, &input.group_id, permissions, true, tags)?;
        Ok(AuthorizeSecurityGroupEgressResult {
            r#return: Some(true),
            security_group_rules: Some(rules),
        })
    }

    pub(super) async fn revoke_security_group_ingress(
        &self,
        ctx: &Ctx,
        input: RevokeSecurityGroupIngressRequest,
    ) -> Result<RevokeSecurityGroupIngressResult, Ec2Error> {
        dry_run(input.dry_run)?;
        let group = self.group_by(ctx, input.group_id.as_deref(), input.group_name.as_deref())?;
        let permissions = permissions_of(
            input.ip_permissions,
            input.ip_protocol,
            input.from_port,
            input.to_port,
            input.cidr_ip,
        );
        let revoked = self.revoke(
            ctx,
            group.id(),
            permissions,
            input.security_group_rule_ids.unwrap_or_default(),
            false,
        )?;
        Ok(RevokeSecurityGroupIngressResult {
            r#return: Some(true),
            revoked_security_group_rules: Some(revoked),
            unknown_ip_permissions: None,
        })
    }

    pub(super) async fn revoke_security_group_egress(
        &self,
        ctx: &Ctx,
        input: RevokeSecurityGroupEgressRequest,
    ) -> Result<RevokeSecurityGroupEgressResult, Ec2Error> {
        dry_run(input.dry_run)?;
        let permissions = permissions_of(
            input.ip_permissions,
            input.ip_protocol,
            input.from_port,
            input.to_port,
            input.cidr_ip,
        );
        let revoked = self.revoke(
            ctx,
            &input.group_id,
            permissions,
            input.security_group_rule_ids.unwrap_or_default(),
            true,
        )?;
        Ok(RevokeSecurityGroupEgressResult {
            r#return: Some(true),
            revoked_security_group_rules: Some(revoked),
            unknown_ip_permissions: None,
        })
    }

    pub(super) async fn describe_security_group_rules(
        &self,
        ctx: &Ctx,
        input: DescribeSecurityGroupRulesRequest,
    ) -> Result<DescribeSecurityGroupRulesResult, Ec2Error> {
        dry_run(input.dry_run)?;
        let filters = input.filters.unwrap_or_default();
        check_filters::<SecurityGroupRule>(&filters)?;
        let rules: Vec<SecurityGroupRule> = self
            .security_groups
            .scan_prefix(&ctx.scope())
            .into_iter()
            .flat_map(|(_, record)| record.rules)
            .collect();
        let ids = input.security_group_rule_ids.unwrap_or_default();
        let missing: Vec<String> = ids
            .iter()
            .filter(|id| !rules.iter().any(|rule| rule.id() == id.as_str()))
            .cloned()
            .collect();
        if !missing.is_empty() {
            return Err(Ec2Error::new(
                SecurityGroupRule::NOT_FOUND,
                SecurityGroupRule::not_found_message(&missing),
            ));
        }
        let entries = rules
            .into_iter()
            .filter(|rule| ids.is_empty() || ids.iter().any(|id| id == rule.id()))
            .filter(|rule| matches(rule, &filters))
            .map(|rule| (rule.id().to_string(), rule))
            .collect();
        let (rules, next_token) = page(entries, input.max_results, input.next_token.as_deref())?;
        Ok(DescribeSecurityGroupRulesResult {
            security_group_rules: Some(rules),
            next_token,
        })
    }

    pub(super) async fn modify_security_group_rules(
        &self,
        ctx: &Ctx,
        input: ModifySecurityGroupRulesRequest,
    ) -> Result<ModifySecurityGroupRulesResult, Ec2Error> {
        dry_run(input.dry_run)?;
        let group_id = input.group_id;
        let record = self.find(&self.security_groups, ctx, &group_id)?;
        let mut rules = record.rules.clone();
        for update in input.security_group_rules {
            let Some(rule) = rules.iter_mut().find(|r| {
                r.security_group_rule_id.as_deref() == Some(update.security_group_rule_id.as_str())
            }) else {
                return Err(Ec2Error::new(
                    SecurityGroupRule::NOT_FOUND,
                    SecurityGroupRule::not_found_message(&[update.security_group_rule_id]),
                ));
            };
            let Some(request) = update.security_group_rule else {
                continue;
            };
            let ip_protocol = protocol(request.ip_protocol.as_deref());
            let all = ip_protocol == "-1";
            rule.ip_protocol = Some(ip_protocol);
            rule.from_port = if all { Some(-1) } else { request.from_port };
            rule.to_port = if all { Some(-1) } else { request.to_port };
            rule.cidr_ipv4 = request.cidr_ipv4;
            rule.cidr_ipv6 = request.cidr_ipv6;
            rule.prefix_list_id = request.prefix_list_id;
            rule.referenced_group_info =
                request
                    .referenced_group_id
                    .map(|id| ReferencedSecurityGroup {
                        group_id: Some(id),
                        user_id: Some(ctx.account_id.clone()),
                        ..Default::default()
                    });
            rule.description = request.description;
        }
        self.security_groups
            .update(&key(ctx, &group_id), |record| {
                record.rules = rules;
            })?;
        Ok(ModifySecurityGroupRulesResult {
            r#return: Some(true),
        })
    }

    /// Sets rule descriptions, naming rules by ID or by permission.
    fn describe_rules(
        &self,
        ctx: &Ctx,
        group_id: Option<&str>,
        group_name: Option<&str>,
        permissions: Option<Vec<IpPermission>>,
        descriptions: Option<Vec<SecurityGroupRuleDescription>>,
        egress: bool,
    ) -> Result<(), Ec2Error> {
        let record = self.group_by(ctx, group_id, group_name)?;
        let mut rules = record.rules.clone();
        for description in descriptions.unwrap_or_default() {
            let rule_id = description.security_group_rule_id.unwrap_or_default();
            let rule = rules
                .iter_mut()
                .find(|r| r.security_group_rule_id.as_deref() == Some(rule_id.as_str()))
                .ok_or_else(|| {
                    Ec2Error::new(
                        SecurityGroupRule::NOT_FOUND,
                        SecurityGroupRule::not_found_message(std::slice::from_ref(&rule_id)),
                    )
                })?;
            rule.description = description.description;
        }
        for permission in permissions.unwrap_or_default() {
            for wanted in expand(&permission, record.id(), &ctx.account_id, egress)? {
                let rule = rules
                    .iter_mut()
                    .find(|have| same_rule(have, &wanted))
                    .ok_or_else(|| {
                        Ec2Error::new(
                            "InvalidPermission.NotFound",
                            "The specified rule does not exist in this security group.",
                        )
                    })?;
                rule.description = wanted.description;
            }
        }
        self.security_groups
            .update(&key(ctx, record.id()), |record| {
                record.rules = rules;
            })?;
        Ok(())
    }

    pub(super) async fn update_security_group_rule_descriptions_ingress(
        &self,
        ctx: &Ctx,
        input: UpdateSecurityGroupRuleDescriptionsIngressRequest,
    ) -> Result<UpdateSecurityGroupRuleDescriptionsIngressResult, Ec2Error> {
        dry_run(input.dry_run)?;
        self.describe_rules(
            ctx,
            input.group_id.as_deref(),
            input.group_name.as_deref(),
            input.ip_permissions,
            input.security_group_rule_descriptions,
            false,
        )?;
        Ok(UpdateSecurityGroupRuleDescriptionsIngressResult {
            r#return: Some(true),
        })
    }

    pub(super) async fn update_security_group_rule_descriptions_egress(
        &self,
        ctx: &Ctx,
        input: UpdateSecurityGroupRuleDescriptionsEgressRequest,
    ) -> Result<UpdateSecurityGroupRuleDescriptionsEgressResult, Ec2Error> {
        dry_run(input.dry_run)?;
        self.describe_rules(
            ctx,
            input.group_id.as_deref(),
            input.group_name.as_deref(),
            input.ip_permissions,
            input.security_group_rule_descriptions,
            true,
        )?;
        Ok(UpdateSecurityGroupRuleDescriptionsEgressResult {
            r#return: Some(true),
        })
    }
}
