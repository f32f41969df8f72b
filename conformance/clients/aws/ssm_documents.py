"""SSM documents, maintenance windows, patch baselines, service settings, associations, activations, resource
policies and OpsCenter through boto3:
document versions with their hashes, content read back in both formats, default versions,
sharing, ListDocuments paged one at a time (each document once); windows with targets and
tasks; baselines, patch groups and AWS's predefined default baselines; settings changed and
reset; and SSM's own errors for each."""
import hashlib
import json

from common import check, client, done, expect_code, unique

ssm = client("ssm")
name = unique("Doc")
content = {
    "schemaVersion": "2.2",
    "description": "Say hello",
    "parameters": {
        "Count": {"type": "Integer", "default": 3, "description": "How many"},
        "Words": {"type": "StringList", "default": ["abc", "def"]},
    },
    "mainSteps": [{"action": "aws:runShellScript", "name": "hello", "inputs": {"runCommand": ["echo hi"]}}],
}
yaml_text = "schemaVersion: '2.2'\ndescription: Say hello\nmainSteps:\n- action: aws:runShellScript\n  name: hello\n  inputs:\n    runCommand:\n    - echo hi\n"

created = ssm.create_document(Content=yaml_text, Name=name, DocumentType="Command", DocumentFormat="YAML",
                              VersionName="Base", Tags=[{"Key": "team", "Value": "a"}])["DocumentDescription"]
check(created["Hash"] == hashlib.sha256(yaml_text.encode()).hexdigest() and created["HashType"] == "Sha256", f"hash: {created}")
check(created["DocumentVersion"] == "1" and created["DefaultVersion"] == "1" and created["Status"] == "Active", f"versions: {created}")
check(created["PlatformTypes"] == ["Linux", "MacOS"] and created["SchemaVersion"] == "2.2", f"facts: {created}")
expect_code("DocumentAlreadyExists", ssm.create_document, Content=yaml_text, Name=name, DocumentFormat="YAML")
expect_code("InvalidDocumentContent", ssm.create_document, Content=yaml_text, Name=unique("Bad"), DocumentFormat="JSON")

body = json.dumps(content)
updated = ssm.update_document(Content=body, Name=name, DocumentVersion="$LATEST", VersionName="Next")["DocumentDescription"]
check(updated["DocumentVersion"] == "2" and updated["LatestVersion"] == "2" and updated["DefaultVersion"] == "1", f"update: {updated}")
params = {p["Name"]: p for p in updated["Parameters"]}
check(params["Count"]["DefaultValue"] == "3" and params["Words"]["DefaultValue"] == '["abc", "def"]', f"parameters: {params}")
expect_code("DuplicateDocumentContent", ssm.update_document, Content=body, Name=name, DocumentVersion="$LATEST")
expect_code("InvalidDocumentVersion", ssm.update_document, Content=body + " ", Name=name, DocumentVersion="1")
expect_code("DuplicateDocumentVersionName", ssm.update_document, Content=body + "  ", Name=name, DocumentVersion="2", VersionName="Base")

got = ssm.get_document(Name=name)
check(got["DocumentVersion"] == "1" and got["DocumentFormat"] == "JSON" and json.loads(got["Content"])["description"] == "Say hello", f"default version as JSON: {got}")
as_yaml = ssm.get_document(Name=name, DocumentVersion="2", DocumentFormat="YAML")
check(as_yaml["DocumentFormat"] == "YAML" and "Say hello" in as_yaml["Content"] and not as_yaml["Content"].lstrip().startswith("{"), f"YAML: {as_yaml}")
check(ssm.get_document(Name=name, VersionName="Next")["DocumentVersion"] == "2", "by version name")
expect_code("InvalidDocument", ssm.get_document, Name=name, DocumentVersion="9")
expect_code("InvalidDocument", ssm.get_document, Name=name, VersionName="Next", DocumentVersion="1")

default = ssm.update_document_default_version(Name=name, DocumentVersion="2")["Description"]
check(default == {"Name": name, "DefaultVersion": "2", "DefaultVersionName": "Next"}, f"default: {default}")
versions = ssm.list_document_versions(Name=name)["DocumentVersions"]
check([(v["DocumentVersion"], v["IsDefaultVersion"]) for v in versions] == [("1", False), ("2", True)], f"versions: {versions}")
expect_code("InvalidDocumentOperation", ssm.delete_document, Name=name, DocumentVersion="2")

ssm.modify_document_permission(Name=name, PermissionType="Share", AccountIdsToAdd=["111111111111", "222222222222"])
shared = ssm.describe_document_permission(Name=name, PermissionType="Share")
check(sorted(shared["AccountIds"]) == ["111111111111", "222222222222"], f"shared: {shared}")
check(all(i["SharedDocumentVersion"] == "$DEFAULT" for i in shared["AccountSharingInfoList"]), f"sharing info: {shared}")
expect_code("DocumentPermissionLimit", ssm.modify_document_permission, Name=name, PermissionType="Share", AccountIdsToAdd=["all", "333333333333"])
expect_code("InvalidDocumentOperation", ssm.delete_document, Name=name)
ssm.modify_document_permission(Name=name, PermissionType="Share", AccountIdsToRemove=["111111111111", "222222222222"])
check(ssm.describe_document_permission(Name=name, PermissionType="Share")["AccountIds"] == [], "unshared")
check(ssm.list_tags_for_resource(ResourceType="Document", ResourceId=name)["TagList"] == [{"Key": "team", "Value": "a"}], "document tags")

# ListDocuments, one per page: each document exactly once; filters by type and tag.
others = [unique("Doc") for _ in range(3)]
for other in others:
    ssm.create_document(Content=body, Name=other, DocumentType="Automation" if other == others[0] else "Command")
seen, kwargs = [], {"MaxResults": 1}
while True:
    page = ssm.list_documents(**kwargs)
    seen += [d["Name"] for d in page["DocumentIdentifiers"]]
    if not page.get("NextToken"):
        break
    kwargs["NextToken"] = page["NextToken"]
mine = [s for s in seen if s in others + [name]]
check(sorted(mine) == sorted(others + [name]) and len(mine) == len(set(mine)), f"paged documents: {seen}")
automation = ssm.list_documents(Filters=[{"Key": "DocumentType", "Values": ["Automation"]}])["DocumentIdentifiers"]
check([d["Name"] for d in automation if d["Name"] in others] == [others[0]], f"type filter: {automation}")
tagged = ssm.list_documents(Filters=[{"Key": "tag:team", "Values": ["a"]}])["DocumentIdentifiers"]
check([d["Name"] for d in tagged] == [name] and tagged[0]["DocumentVersion"] == "2", f"tag filter: {tagged}")

ssm.delete_document(Name=name, DocumentVersion="1")
check([v["DocumentVersion"] for v in ssm.list_document_versions(Name=name)["DocumentVersions"]] == ["2"], "version deleted")
ssm.delete_document(Name=name)
expect_code("InvalidDocument", ssm.describe_document, Name=name)
expect_code("InvalidResourceId", ssm.list_tags_for_resource, ResourceType="Document", ResourceId=name)

# Maintenance windows with a target and a task that names it.
window = ssm.create_maintenance_window(Name="nightly", Schedule="cron(0 2 ? * SUN *)", Duration=3, Cutoff=1,
                                       AllowUnassociatedTargets=False, Tags=[{"Key": "k", "Value": "v"}])["WindowId"]
check(window.startswith("mw-") and len(window) == 20, f"window id: {window}")
got = ssm.get_maintenance_window(WindowId=window)
check(got["Enabled"] is True and got["Duration"] == 3 and "Description" not in got, f"window: {got}")
expect_code("ValidationException", ssm.create_maintenance_window, Name="bad", Schedule="daily", Duration=3, Cutoff=1, AllowUnassociatedTargets=False)
target = ssm.register_target_with_maintenance_window(WindowId=window, ResourceType="INSTANCE",
                                                     Targets=[{"Key": "tag:Role", "Values": ["web"]}])["WindowTargetId"]
task = ssm.register_task_with_maintenance_window(WindowId=window, TaskArn="AWS-RunShellScript", TaskType="RUN_COMMAND",
                                                 Targets=[{"Key": "WindowTargetIds", "Values": [target]}],
                                                 MaxConcurrency="1", MaxErrors="1")["WindowTaskId"]
tasks = ssm.describe_maintenance_window_tasks(WindowId=window)["Tasks"]
check([(t["WindowTaskId"], t["Type"], t["Priority"]) for t in tasks] == [(task, "RUN_COMMAND", 1)], f"tasks: {tasks}")
expect_code("TargetInUseException", ssm.deregister_target_from_maintenance_window, WindowId=window, WindowTargetId=target, Safe=True)
for_target = ssm.describe_maintenance_windows_for_target(Targets=[{"Key": "tag:Role", "Values": ["web"]}], ResourceType="INSTANCE")
check([w["WindowId"] for w in for_target["WindowIdentities"]] == [window], f"for target: {for_target}")
updated = ssm.update_maintenance_window(WindowId=window, Enabled=False, Description="weekly")
check(updated["Enabled"] is False and updated["Description"] == "weekly" and updated["Duration"] == 3, f"updated window: {updated}")
named = ssm.describe_maintenance_windows(Filters=[{"Key": "Name", "Values": ["nightly"]}])["WindowIdentities"]
check([w["WindowId"] for w in named] == [window], f"by name: {named}")
ssm.deregister_task_from_maintenance_window(WindowId=window, WindowTaskId=task)
ssm.deregister_target_from_maintenance_window(WindowId=window, WindowTargetId=target)
check(ssm.describe_maintenance_window_targets(WindowId=window)["Targets"] == [], "targets gone")
check(ssm.list_tags_for_resource(ResourceType="MaintenanceWindow", ResourceId=window)["TagList"] == [{"Key": "k", "Value": "v"}], "window tags")
ssm.delete_maintenance_window(WindowId=window)
expect_code("DoesNotExistException", ssm.get_maintenance_window, WindowId=window)

# Patch baselines and patch groups; AWS's predefined baseline until the account registers one.
aws_default = ssm.get_default_patch_baseline(OperatingSystem="AMAZON_LINUX_2")["BaselineId"]
check(aws_default.startswith("arn:aws:ssm:") and "patchbaseline/pb-" in aws_default, f"predefined default: {aws_default}")
baseline = ssm.create_patch_baseline(Name="linux", OperatingSystem="AMAZON_LINUX_2", ApprovalRules={"PatchRules": [
    {"PatchFilterGroup": {"PatchFilters": [{"Key": "CLASSIFICATION", "Values": ["Security"]}]}, "ApproveAfterDays": 7}]})["BaselineId"]
ssm.register_patch_baseline_for_patch_group(BaselineId=baseline, PatchGroup="web")
expect_code("AlreadyExistsException", ssm.register_patch_baseline_for_patch_group, BaselineId=baseline, PatchGroup="web")
check(ssm.get_patch_baseline(BaselineId=baseline)["PatchGroups"] == ["web"], "patch groups on the baseline")
check(ssm.get_patch_baseline_for_patch_group(PatchGroup="web", OperatingSystem="AMAZON_LINUX_2")["BaselineId"] == baseline, "group's baseline")
check(ssm.get_patch_baseline_for_patch_group(PatchGroup="db", OperatingSystem="AMAZON_LINUX_2")["BaselineId"] == aws_default, "fallback")
ssm.register_default_patch_baseline(BaselineId=baseline)
check(ssm.get_default_patch_baseline(OperatingSystem="AMAZON_LINUX_2")["BaselineId"] == baseline, "account default")
ids = ssm.describe_patch_baselines(Filters=[{"Key": "NAME_PREFIX", "Values": ["lin"]}])["BaselineIdentities"]
check([(i["BaselineId"], i["DefaultBaseline"]) for i in ids] == [(baseline, True)], f"describe baselines: {ids}")
expect_code("ResourceInUseException", ssm.delete_patch_baseline, BaselineId=baseline)
ssm.deregister_patch_baseline_for_patch_group(BaselineId=baseline, PatchGroup="web")
expect_code("DoesNotExistException", ssm.deregister_patch_baseline_for_patch_group, BaselineId="pb-00000000000000000", PatchGroup="web")

# Service settings: AWS's default, a change, a reset.
setting_id = "/ssm/parameter-store/high-throughput-enabled"
before = ssm.get_service_setting(SettingId=setting_id)["ServiceSetting"]
check(before["SettingValue"] == "false" and before["Status"] == "Default", f"default setting: {before}")
ssm.update_service_setting(SettingId=setting_id, SettingValue="true")
after = ssm.get_service_setting(SettingId=before["ARN"])["ServiceSetting"]
check(after["SettingValue"] == "true" and after["Status"] == "Customized", f"customized: {after}")
reset = ssm.reset_service_setting(SettingId=setting_id)["ServiceSetting"]
check(reset["SettingValue"] == "false" and reset["Status"] == "Default", f"reset: {reset}")
expect_code("ServiceSettingNotFound", ssm.get_service_setting, SettingId="/ssm/no/such/setting")

# Associations of a document with targets: versions on every update, never run without instances.
assoc_doc = unique("AssocDoc")
ssm.create_document(Content=body, Name=assoc_doc, DocumentType="Command")
association = ssm.create_association(Name=assoc_doc, Targets=[{"Key": "tag:Role", "Values": ["web"]}],
                                     ScheduleExpression="rate(30 minutes)", AssociationName=unique("assoc"))["AssociationDescription"]
assoc_id = association["AssociationId"]
check(association["AssociationVersion"] == "1" and association["Overview"]["Status"] == "Pending", f"association: {association}")
expect_code("InvalidDocument", ssm.create_association, Name=unique("NoSuchDoc"), Targets=[{"Key": "tag:Role", "Values": ["web"]}])
expect_code("InvalidSchedule", ssm.create_association, Name=assoc_doc, Targets=[{"Key": "tag:Role", "Values": ["web"]}], ScheduleExpression="hourly")
expect_code("InvalidInstanceId", ssm.create_association, Name=assoc_doc, InstanceId="i-0123456789abcdef0")
again = ssm.update_association(AssociationId=assoc_id, ScheduleExpression="rate(1 hour)")["AssociationDescription"]
check(again["AssociationVersion"] == "2" and again["ScheduleExpression"] == "rate(1 hour)" and again["Name"] == assoc_doc, f"updated association: {again}")
expect_code("InvalidAssociationVersion", ssm.update_association, AssociationId=assoc_id, AssociationVersion="1", MaxErrors="1")
versions = ssm.list_association_versions(AssociationId=assoc_id)["AssociationVersions"]
check([v["AssociationVersion"] for v in versions] == ["1", "2"] and versions[0]["ScheduleExpression"] == "rate(30 minutes)", f"association versions: {versions}")
listed = ssm.list_associations(AssociationFilterList=[{"key": "Name", "value": assoc_doc}])["Associations"]
check([a["AssociationId"] for a in listed] == [assoc_id], f"list associations: {listed}")
batch = ssm.create_association_batch(Entries=[{"Name": assoc_doc, "Targets": [{"Key": "tag:Role", "Values": ["db"]}]},
                                              {"Name": unique("Missing"), "Targets": [{"Key": "tag:Role", "Values": ["db"]}]}])
check(len(batch["Successful"]) == 1 and len(batch["Failed"]) == 1 and batch["Failed"][0]["Fault"] == "Client", f"batch: {batch}")
check(ssm.describe_association_executions(AssociationId=assoc_id)["AssociationExecutions"] == [], "no executions without instances")
ssm.delete_association(AssociationId=assoc_id)
expect_code("AssociationDoesNotExist", ssm.describe_association, AssociationId=assoc_id)

# Hybrid activations.
activation = ssm.create_activation(IamRole="SSMServiceRole", DefaultInstanceName="edge", RegistrationLimit=3)
check(len(activation["ActivationCode"]) == 20, f"activation: {activation}")
found = ssm.describe_activations(Filters=[{"FilterKey": "ActivationIds", "FilterValues": [activation["ActivationId"]]}])["ActivationList"]
check(len(found) == 1 and found[0]["RegistrationLimit"] == 3 and found[0]["RegistrationsCount"] == 0 and found[0]["Expired"] is False, f"activations: {found}")
ssm.delete_activation(ActivationId=activation["ActivationId"])
expect_code("InvalidActivationId", ssm.delete_activation, ActivationId=activation["ActivationId"])

# Resource policies on a parameter, changed only with the current hash.
param = "/" + unique("shared")
ssm.put_parameter(Name=param, Value="v", Type="String", Tier="Advanced")
param_arn = ssm.get_parameter(Name=param)["Parameter"]["ARN"]
policy_text = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111111111111:root"}, "Action": "ssm:GetParameter", "Resource": param_arn}]})
put = ssm.put_resource_policy(ResourceArn=param_arn, Policy=policy_text)
policies = ssm.get_resource_policies(ResourceArn=param_arn)["Policies"]
check([(p["PolicyId"], p["PolicyHash"], p["Policy"]) for p in policies] == [(put["PolicyId"], put["PolicyHash"], policy_text)], f"policies: {policies}")
expect_code("ResourcePolicyConflictException", ssm.put_resource_policy, ResourceArn=param_arn, Policy=policy_text, PolicyId=put["PolicyId"], PolicyHash="stale")
expect_code("MalformedResourcePolicyDocumentException", ssm.put_resource_policy, ResourceArn=param_arn, Policy="{not json")
expect_code("ResourceNotFoundException", ssm.put_resource_policy, ResourceArn=param_arn + "-missing", Policy=policy_text)
ssm.delete_resource_policy(ResourceArn=param_arn, PolicyId=put["PolicyId"], PolicyHash=put["PolicyHash"])
check(ssm.get_resource_policies(ResourceArn=param_arn)["Policies"] == [], "policy deleted")

# OpsCenter: OpsItems filtered with OpsCenter's operators, and OpsMetadata paged by key.
first_item = ssm.create_ops_item(Title="disk full", Source="ec2", Description="/var at 99%", Priority=2,
                                 OperationalData={"host": {"Value": "web-1", "Type": "SearchableString"}})["OpsItemId"]
second_item = ssm.create_ops_item(Title="cpu high", Source="ec2", Description="load 40", Priority=4)["OpsItemId"]
item = ssm.get_ops_item(OpsItemId=first_item)["OpsItem"]
check(item["Status"] == "Open" and item["OpsItemType"] == "/aws/issues" and item["OpsItemArn"].endswith(f"opsitem/{first_item}"), f"ops item: {item}")
ssm.update_ops_item(OpsItemId=first_item, Status="Resolved", OperationalDataToDelete=["host"])
item = ssm.get_ops_item(OpsItemId=first_item)["OpsItem"]
check(item["Status"] == "Resolved" and not item.get("OperationalData"), f"updated ops item: {item}")
open_items = ssm.describe_ops_items(OpsItemFilters=[{"Key": "Status", "Values": ["Open"], "Operator": "Equal"},
                                                    {"Key": "Priority", "Values": ["3"], "Operator": "GreaterThan"}])["OpsItemSummaries"]
check([i["OpsItemId"] for i in open_items] == [second_item], f"filtered ops items: {open_items}")
ssm.delete_ops_item(OpsItemId=second_item)
expect_code("OpsItemNotFoundException", ssm.get_ops_item, OpsItemId=second_item)

resource = "/aws/ssm/" + unique("app") + "/appmanager"
meta_arn = ssm.create_ops_metadata(ResourceId=resource, Metadata={"a": {"Value": "1"}, "b": {"Value": "2"}, "c": {"Value": "3"}})["OpsMetadataArn"]
expect_code("OpsMetadataAlreadyExistsException", ssm.create_ops_metadata, ResourceId=resource)
ssm.update_ops_metadata(OpsMetadataArn=meta_arn, MetadataToUpdate={"d": {"Value": "4"}}, KeysToDelete=["a"])
keys, kwargs = [], {"OpsMetadataArn": meta_arn, "MaxResults": 1}
while True:
    page = ssm.get_ops_metadata(**kwargs)
    keys += list(page["Metadata"])
    if not page.get("NextToken"):
        break
    kwargs["NextToken"] = page["NextToken"]
check(keys == ["b", "c", "d"], f"metadata paged by key: {keys}")
ssm.delete_ops_metadata(OpsMetadataArn=meta_arn)
expect_code("OpsMetadataNotFoundException", ssm.get_ops_metadata, OpsMetadataArn=meta_arn)

# Managed nodes: none here, so node-scoped calls get SSM's instance error and listings are empty.
expect_code("InvalidInstanceId", ssm.put_inventory, InstanceId="i-0123456789abcdef0",
            Items=[{"TypeName": "Custom:App", "SchemaVersion": "1.0", "CaptureTime": "2026-01-01T00:00:00Z", "Content": [{"a": "b"}]}])
expect_code("InvalidInstanceId", ssm.describe_instance_patches, InstanceId="i-0123456789abcdef0")
check(ssm.get_inventory()["Entities"] == [] and ssm.list_nodes()["Nodes"] == [], "no managed nodes")

done("ssm_documents")
