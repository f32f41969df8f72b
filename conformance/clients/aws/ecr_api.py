"""ECR's own API with boto3: repositories paged one at a time, exact errors, images pushed with
the layer-upload operations and PutImage (then read back and paged), immutable tags, policies,
lifecycle previews, resource tags, scans and the registry-wide settings."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
import botocore.exceptions  # noqa: E402
from common import check, client, done, expect_code, unique  # noqa: E402
from ecr_common import sha  # noqa: E402

ecr = client("ecr")
account = "123456789012"
prefix = unique("api")
names = [f"{prefix}/repo-{i}" for i in range(5)]
for name in names:
    ecr.create_repository(repositoryName=name, tags=[{"Key": "team", "Value": "a"}])


def error(call, **kwargs):
    try:
        call(**kwargs)
    except botocore.exceptions.ClientError as failure:
        return failure.response["Error"]["Code"], failure.response["Error"]["Message"]
    raise AssertionError("expected an error")


code, message = error(ecr.create_repository, repositoryName=names[0])
check(code == "RepositoryAlreadyExistsException", code)
check(message == f"The repository with name '{names[0]}' already exists in the registry with id '{account}'", message)
code, message = error(ecr.describe_repositories, repositoryNames=[f"{prefix}/none"])
check((code, message) == ("RepositoryNotFoundException", f"The repository with name '{prefix}/none' does not exist in the registry with id '{account}'"), message)
check(error(ecr.create_repository, repositoryName="Bad_Name")[0] == "InvalidParameterException", "bad name")

seen, token = [], None
while True:
    kwargs = {"maxResults": 1, **({"nextToken": token} if token else {})}
    page = ecr.describe_repositories(**kwargs)
    check(len(page["repositories"]) <= 1, "page size")
    seen += [r["repositoryName"] for r in page["repositories"]]
    token = page.get("nextToken")
    if not token:
        break
mine = [n for n in seen if n.startswith(prefix)]
check(mine == sorted(names) and len(seen) == len(set(seen)), f"paged repositories {mine}")

# Layers through the API, then PutImage.
repo = names[0]
layer = os.urandom(50_000)
upload = ecr.initiate_layer_upload(repositoryName=repo)
check(upload["partSize"] > 0, upload)
uid = upload["uploadId"]
part = ecr.upload_layer_part(repositoryName=repo, uploadId=uid, partFirstByte=0, partLastByte=29_999, layerPartBlob=layer[:30_000])
check(part["lastByteReceived"] == 29_999, part)
check(error(ecr.upload_layer_part, repositoryName=repo, uploadId=uid, partFirstByte=0, partLastByte=9, layerPartBlob=layer[:10])[0] == "InvalidLayerPartException", "part out of order")
ecr.upload_layer_part(repositoryName=repo, uploadId=uid, partFirstByte=30_000, partLastByte=len(layer) - 1, layerPartBlob=layer[30_000:])
check(error(ecr.complete_layer_upload, repositoryName=repo, uploadId=uid, layerDigests=[sha(b"x")])[0] == "InvalidLayerException", "wrong digest")
done_upload = ecr.complete_layer_upload(repositoryName=repo, uploadId=uid, layerDigests=[sha(layer)])
check(done_upload["layerDigest"] == sha(layer), done_upload)
check(error(ecr.complete_layer_upload, repositoryName=repo, uploadId=uid, layerDigests=[sha(layer)])[0] == "UploadNotFoundException", "upload gone")
empty_upload = ecr.initiate_layer_upload(repositoryName=repo)["uploadId"]
check(error(ecr.complete_layer_upload, repositoryName=repo, uploadId=empty_upload, layerDigests=[sha(layer)])[0] == "EmptyUploadException", "empty upload")

config = json.dumps({"architecture": "amd64", "os": "linux"}).encode()
cid = ecr.initiate_layer_upload(repositoryName=repo)["uploadId"]
ecr.upload_layer_part(repositoryName=repo, uploadId=cid, partFirstByte=0, partLastByte=len(config) - 1, layerPartBlob=config)
ecr.complete_layer_upload(repositoryName=repo, uploadId=cid, layerDigests=[sha(config)])
availability = ecr.batch_check_layer_availability(repositoryName=repo, layerDigests=[sha(layer), sha(b"absent")])
check(availability["layers"] == [{"layerDigest": sha(layer), "layerAvailability": "AVAILABLE", "layerSize": len(layer)}], availability["layers"])
check([f["layerDigest"] for f in availability["failures"]] == [sha(b"absent")], availability["failures"])

def manifest(*layers):
    return json.dumps({
        "schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "digest": sha(config), "size": len(config)},
        "layers": [{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "digest": sha(d), "size": len(d)} for d in layers],
    })

code, message = error(ecr.put_image, repositoryName=repo, imageManifest=manifest(b"nope"), imageTag="x")
check(code == "LayersNotFoundException" and sha(b"nope") in message, message)
body = manifest(layer)
put = ecr.put_image(repositoryName=repo, imageManifest=body, imageTag="v1")["image"]
check(put["imageId"] == {"imageDigest": sha(body.encode()), "imageTag": "v1"}, put["imageId"])
check(error(ecr.put_image, repositoryName=repo, imageManifest=body, imageTag="v1")[0] == "ImageAlreadyExistsException", "same image again")
check(error(ecr.put_image, repositoryName=repo, imageManifest=body, imageDigest=sha(b"z"))[0] == "ImageDigestDoesNotMatchException", "digest mismatch")
for tag in ["v2", "v3", "v4"]:
    ecr.put_image(repositoryName=repo, imageManifest=body, imageTag=tag)
ecr.put_image(repositoryName=repo, imageManifest=manifest(), imageTag="bare")
detail = ecr.describe_images(repositoryName=repo, imageIds=[{"imageTag": "v1"}])["imageDetails"][0]
check(sorted(detail["imageTags"]) == ["v1", "v2", "v3", "v4"], detail["imageTags"])
check(detail["imageSizeInBytes"] == len(layer), detail["imageSizeInBytes"])
code, message = error(ecr.describe_images, repositoryName=repo, imageIds=[{"imageTag": "missing"}])
check(code == "ImageNotFoundException" and message == f"The image with imageId {{imageDigest:'null', imageTag:'missing'}} does not exist within the repository with name '{repo}' in the registry with id '{account}'", message)

ids, token = [], None
while True:
    page = ecr.list_images(repositoryName=repo, maxResults=1, **({"nextToken": token} if token else {}))
    check(len(page["imageIds"]) <= 1, "list page size")
    ids += page["imageIds"]
    token = page.get("nextToken")
    if not token:
        break
check(sorted(i["imageTag"] for i in ids) == ["bare", "v1", "v2", "v3", "v4"], f"paged image ids {ids}")
untagged = ecr.list_images(repositoryName=repo, filter={"tagStatus": "UNTAGGED"})["imageIds"]
check(untagged == [], f"untagged {untagged}")

# Deleting one tag of several keeps the image; deleting the last one deletes it.
deleted = ecr.batch_delete_image(repositoryName=repo, imageIds=[{"imageTag": "v4"}, {"imageTag": "ghost"}])
check(deleted["imageIds"] == [{"imageDigest": sha(body.encode()), "imageTag": "v4"}], deleted)
check(deleted["failures"] == [{"imageId": {"imageTag": "ghost"}, "failureCode": "ImageNotFound", "failureReason": "Requested image not found"}], deleted["failures"])

# Immutable tags.
ecr.put_image_tag_mutability(repositoryName=repo, imageTagMutability="IMMUTABLE")
code, message = error(ecr.put_image, repositoryName=repo, imageManifest=manifest(), imageTag="v1")
check(code == "ImageTagAlreadyExistsException", code)
check(message == f"The image tag 'v1' already exists in the '{repo}' repository and cannot be overwritten because the repository is immutable.", message)
expect_code("RepositoryNotEmptyException", ecr.delete_repository, repositoryName=repo)

# Policies.
policy = json.dumps({"Version": "2012-10-17", "Statement": [{"Sid": "pull", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:root"}, "Action": ["ecr:BatchGetImage"]}]})
code, message = error(ecr.get_repository_policy, repositoryName=repo)
check(code == "RepositoryPolicyNotFoundException", code)
check(message == f"Repository policy does not exist for the repository with name '{repo}' in the registry with id '{account}'", message)
ecr.set_repository_policy(repositoryName=repo, policyText=policy)
check(json.loads(ecr.get_repository_policy(repositoryName=repo)["policyText"]) == json.loads(policy), "policy read back")
check(error(ecr.set_repository_policy, repositoryName=repo, policyText="{}")[0] == "InvalidParameterException", "bad policy")
check(ecr.delete_repository_policy(repositoryName=repo)["policyText"] == policy, "deleted policy")

lifecycle = json.dumps({"rules": [{"rulePriority": 1, "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 1}, "action": {"type": "expire"}}]})
check(error(ecr.put_lifecycle_policy, repositoryName=repo, lifecyclePolicyText='{"rules": [{"rulePriority": 1, "selection": {"tagStatus": "tagged", "countType": "imageCountMoreThan", "countNumber": 1}, "action": {"type": "expire"}}]}')[0] == "InvalidParameterException", "bad lifecycle policy")
expect_code("LifecyclePolicyNotFoundException", ecr.get_lifecycle_policy, repositoryName=repo)
ecr.put_lifecycle_policy(repositoryName=repo, lifecyclePolicyText=lifecycle)
check(ecr.get_lifecycle_policy(repositoryName=repo)["lifecyclePolicyText"] == lifecycle, "lifecycle read back")
expect_code("LifecyclePolicyPreviewNotFoundException", ecr.get_lifecycle_policy_preview, repositoryName=repo)
ecr.start_lifecycle_policy_preview(repositoryName=repo)
preview = ecr.get_lifecycle_policy_preview(repositoryName=repo)
check(preview["status"] == "COMPLETE" and preview["summary"]["expiringImageTotalCount"] == 1, preview)
check(preview["previewResults"][0]["imageDigest"] == sha(body.encode()), "the older image expires")

# Resource tags.
arn = ecr.describe_repositories(repositoryNames=[repo])["repositories"][0]["repositoryArn"]
check(arn == f"arn:aws:ecr:us-east-1:{account}:repository/{repo}", arn)
ecr.tag_resource(resourceArn=arn, tags=[{"Key": "env", "Value": "test"}, {"Key": "team", "Value": "b"}])
ecr.untag_resource(resourceArn=arn, tagKeys=["env"])
check(ecr.list_tags_for_resource(resourceArn=arn)["tags"] == [{"Key": "team", "Value": "b"}], "tags")
expect_code("RepositoryNotFoundException", ecr.list_tags_for_resource, resourceArn=arn + "-gone")

# Scans find nothing, but only once started.
image_id = {"imageTag": "v1"}
expect_code("ScanNotFoundException", ecr.describe_image_scan_findings, repositoryName=repo, imageId=image_id)
check(ecr.start_image_scan(repositoryName=repo, imageId=image_id)["imageScanStatus"]["status"] == "IN_PROGRESS", "scan started")
findings = ecr.describe_image_scan_findings(repositoryName=repo, imageId=image_id)
check(findings["imageScanStatus"]["status"] == "COMPLETE" and findings["imageScanFindings"]["findings"] == [], findings)

# Registry-wide settings.
expect_code("RegistryPolicyNotFoundException", ecr.get_registry_policy)
check(ecr.get_registry_scanning_configuration()["scanningConfiguration"] == {"scanType": "BASIC", "rules": []}, "default scanning")
ecr.put_registry_scanning_configuration(scanType="BASIC", rules=[{"scanFrequency": "SCAN_ON_PUSH", "repositoryFilters": [{"filter": f"{prefix}*", "filterType": "WILDCARD"}]}])
configurations = ecr.batch_get_repository_scanning_configuration(repositoryNames=[repo, f"{prefix}/none"])
check(configurations["scanningConfigurations"][0]["scanFrequency"] == "SCAN_ON_PUSH", configurations)
check(configurations["failures"][0]["failureCode"] == "REPOSITORY_NOT_FOUND", configurations)
check(ecr.describe_registry()["replicationConfiguration"] == {"rules": []}, "no replication")
ecr.put_replication_configuration(replicationConfiguration={"rules": [{"destinations": [{"region": "eu-west-1", "registryId": account}]}]})
check(ecr.describe_registry()["replicationConfiguration"]["rules"][0]["destinations"][0]["region"] == "eu-west-1", "replication read back")
check(ecr.get_account_setting(name="BASIC_SCAN_TYPE_VERSION")["value"] == "AWS_NATIVE", "default account setting")
ecr.put_account_setting(name="BASIC_SCAN_TYPE_VERSION", value="CLAIR")
check(ecr.get_account_setting(name="BASIC_SCAN_TYPE_VERSION")["value"] == "CLAIR", "account setting read back")

rule_prefix = unique("cache")
ecr.create_pull_through_cache_rule(ecrRepositoryPrefix=rule_prefix, upstreamRegistryUrl="public.ecr.aws")
expect_code("PullThroughCacheRuleAlreadyExistsException", ecr.create_pull_through_cache_rule, ecrRepositoryPrefix=rule_prefix, upstreamRegistryUrl="public.ecr.aws")
rules = ecr.describe_pull_through_cache_rules(ecrRepositoryPrefixes=[rule_prefix])["pullThroughCacheRules"]
check(rules[0]["upstreamRegistry"] == "ecr-public", rules)
ecr.delete_pull_through_cache_rule(ecrRepositoryPrefix=rule_prefix)
expect_code("PullThroughCacheRuleNotFoundException", ecr.delete_pull_through_cache_rule, ecrRepositoryPrefix=rule_prefix)

template_prefix = unique("tmpl")
ecr.create_repository_creation_template(prefix=template_prefix, appliedFor=["PULL_THROUGH_CACHE"])
expect_code("TemplateAlreadyExistsException", ecr.create_repository_creation_template, prefix=template_prefix, appliedFor=["REPLICATION"])
updated = ecr.update_repository_creation_template(prefix=template_prefix, description="docs")["repositoryCreationTemplate"]
check(updated["description"] == "docs" and updated["appliedFor"] == ["PULL_THROUGH_CACHE"], updated)
ecr.delete_repository_creation_template(prefix=template_prefix)
expect_code("TemplateNotFoundException", ecr.delete_repository_creation_template, prefix=template_prefix)

deleted = ecr.delete_repository(repositoryName=repo, force=True)["repository"]
check(deleted["repositoryName"] == repo, deleted)
expect_code("RepositoryNotFoundException", ecr.delete_repository, repositoryName=repo)
done("ecr api")
