"""S3 bucket configurations through boto3, each read back exactly as written and each missing
one answered with S3's own error: policy (checked), ACLs (canned and documents, refused while
ACLs are disabled), CORS, lifecycle, encryption, website, ownership controls, public access
block, notifications, object lock, replication, logging, and the ID-keyed configurations paged
with continuation tokens."""
import json

from common import check, client, done, expect_code, unique
import botocore.config

s3 = client("s3", config=botocore.config.Config(s3={"addressing_style": "path"}, retries={"total_max_attempts": 1, "mode": "standard"}))
bucket = unique("configs").lower()
s3.create_bucket(Bucket=bucket)

# Policy.
expect_code("NoSuchBucketPolicy", s3.get_bucket_policy, Bucket=bucket)
policy = {"Version": "2012-10-17", "Statement": [{"Sid": "Read", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/*"}]}
s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))
check(json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"]) == policy, "policy read back")
check(s3.get_bucket_policy_status(Bucket=bucket)["PolicyStatus"]["IsPublic"] is True, "a policy for everyone is public")
expect_code("MalformedPolicy", s3.put_bucket_policy, Bucket=bucket, Policy="not json")
expect_code("MalformedPolicy", s3.put_bucket_policy, Bucket=bucket, Policy=json.dumps({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "arn:aws:s3:::other-bucket/*"}]}))
s3.delete_bucket_policy(Bucket=bucket)
expect_code("NoSuchBucketPolicy", s3.get_bucket_policy, Bucket=bucket)

# ACLs: disabled by default (BucketOwnerEnforced); enabled once ownership allows them.
owner = s3.get_bucket_acl(Bucket=bucket)
check(owner["Grants"] == [{"Grantee": {"ID": owner["Owner"]["ID"], "Type": "CanonicalUser"}, "Permission": "FULL_CONTROL"}], f"private ACL: {owner['Grants']}")
expect_code("AccessControlListNotSupported", s3.put_bucket_acl, Bucket=bucket, ACL="public-read")
check(s3.get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}], "default ownership")
s3.put_bucket_ownership_controls(Bucket=bucket, OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerPreferred"}]})
s3.put_bucket_acl(Bucket=bucket, ACL="public-read")
grants = s3.get_bucket_acl(Bucket=bucket)["Grants"]
check({"Grantee": {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/global/AllUsers"}, "Permission": "READ"} in grants, f"public-read grants: {grants}")
s3.put_object(Bucket=bucket, Key="acl", Body=b"x", ACL="authenticated-read")
object_grants = s3.get_object_acl(Bucket=bucket, Key="acl")["Grants"]
check(any(g["Grantee"].get("URI", "").endswith("AuthenticatedUsers") for g in object_grants), f"object ACL: {object_grants}")

# Public access block.
check(s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]["BlockPublicAcls"] is True, "blocked by default")
s3.delete_public_access_block(Bucket=bucket)
expect_code("NoSuchPublicAccessBlockConfiguration", s3.get_public_access_block, Bucket=bucket)
block = {"BlockPublicAcls": False, "IgnorePublicAcls": True, "BlockPublicPolicy": False, "RestrictPublicBuckets": True}
s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration=block)
check(s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"] == block, "public access block read back")

# CORS.
expect_code("NoSuchCORSConfiguration", s3.get_bucket_cors, Bucket=bucket)
cors = [{"ID": "r1", "AllowedMethods": ["GET", "PUT"], "AllowedOrigins": ["https://example.com"], "AllowedHeaders": ["*"], "ExposeHeaders": ["ETag"], "MaxAgeSeconds": 300}]
s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": cors})
check(s3.get_bucket_cors(Bucket=bucket)["CORSRules"] == cors, "CORS read back")
expect_code("InvalidRequest", s3.put_bucket_cors, Bucket=bucket, CORSConfiguration={"CORSRules": [{"AllowedMethods": ["PATCH"], "AllowedOrigins": ["*"]}]})

# Lifecycle.
expect_code("NoSuchLifecycleConfiguration", s3.get_bucket_lifecycle_configuration, Bucket=bucket)
rules = [{"ID": "expire", "Filter": {"Prefix": "logs/"}, "Status": "Enabled", "Expiration": {"Days": 30}, "NoncurrentVersionExpiration": {"NoncurrentDays": 7}}]
s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": rules})
check(s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"] == rules, "lifecycle read back")

# Encryption: SSE-S3 unless told otherwise.
default = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
check(default["ApplyServerSideEncryptionByDefault"] == {"SSEAlgorithm": "AES256"}, f"default encryption: {default}")
kms = {"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": "alias/mine"}, "BucketKeyEnabled": True}]}
s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration=kms)
check(s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"] == kms, "encryption read back")

# Website.
expect_code("NoSuchWebsiteConfiguration", s3.get_bucket_website, Bucket=bucket)
s3.put_bucket_website(Bucket=bucket, WebsiteConfiguration={"IndexDocument": {"Suffix": "index.html"}, "ErrorDocument": {"Key": "error.html"}})
website = s3.get_bucket_website(Bucket=bucket)
check(website["IndexDocument"] == {"Suffix": "index.html"} and website["ErrorDocument"] == {"Key": "error.html"}, f"website: {website}")

# Notifications: none configured reads as empty; EventBridge alone needs no destination check.
check("EventBridgeConfiguration" not in s3.get_bucket_notification_configuration(Bucket=bucket), "no notifications")
s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={"EventBridgeConfiguration": {}})
check("EventBridgeConfiguration" in s3.get_bucket_notification_configuration(Bucket=bucket), "EventBridge notifications")

# Logging into another bucket.
target = unique("logs").lower()
expect_code("InvalidTargetBucketForLogging", s3.put_bucket_logging, Bucket=bucket, BucketLoggingStatus={"LoggingEnabled": {"TargetBucket": target, "TargetPrefix": "x/"}})
s3.create_bucket(Bucket=target)
s3.put_bucket_logging(Bucket=bucket, BucketLoggingStatus={"LoggingEnabled": {"TargetBucket": target, "TargetPrefix": "x/"}})
check(s3.get_bucket_logging(Bucket=bucket)["LoggingEnabled"] == {"TargetBucket": target, "TargetPrefix": "x/"}, "logging read back")

# Object lock: only on buckets made with it.
expect_code("ObjectLockConfigurationNotFoundError", s3.get_object_lock_configuration, Bucket=bucket)
locked = unique("locked").lower()
s3.create_bucket(Bucket=locked, ObjectLockEnabledForBucket=True)
check(s3.get_bucket_versioning(Bucket=locked)["Status"] == "Enabled", "object lock turns versioning on")
lock = {"ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 1}}}
s3.put_object_lock_configuration(Bucket=locked, ObjectLockConfiguration=lock)
check(s3.get_object_lock_configuration(Bucket=locked)["ObjectLockConfiguration"] == lock, "object lock read back")
s3.put_object(Bucket=locked, Key="held", Body=b"x")
s3.put_object_legal_hold(Bucket=locked, Key="held", LegalHold={"Status": "ON"})
check(s3.get_object_legal_hold(Bucket=locked, Key="held")["LegalHold"] == {"Status": "ON"}, "legal hold")
expect_code("InvalidRequest", s3.put_object_legal_hold, Bucket=bucket, Key="acl", LegalHold={"Status": "ON"})

# Replication needs versioning on both sides.
expect_code("ReplicationConfigurationNotFoundError", s3.get_bucket_replication, Bucket=locked)
replication = {"Role": "arn:aws:iam::123456789012:role/replication", "Rules": [{"ID": "all", "Priority": 1, "Status": "Enabled", "Filter": {}, "DeleteMarkerReplication": {"Status": "Disabled"}, "Destination": {"Bucket": f"arn:aws:s3:::{locked}"}}]}
expect_code("InvalidRequest", s3.put_bucket_replication, Bucket=bucket, ReplicationConfiguration=replication)

# ID-keyed configurations, paged.
for index in range(3):
    s3.put_bucket_metrics_configuration(Bucket=bucket, Id=f"m{index}", MetricsConfiguration={"Id": f"m{index}", "Filter": {"Prefix": f"p{index}/"}})
check(s3.get_bucket_metrics_configuration(Bucket=bucket, Id="m1")["MetricsConfiguration"] == {"Id": "m1", "Filter": {"Prefix": "p1/"}}, "metrics read back")
listed = s3.list_bucket_metrics_configurations(Bucket=bucket)
check([m["Id"] for m in listed["MetricsConfigurationList"]] == ["m0", "m1", "m2"] and listed["IsTruncated"] is False, f"metrics listed: {listed}")
s3.delete_bucket_metrics_configuration(Bucket=bucket, Id="m1")
expect_code("NoSuchConfiguration", s3.get_bucket_metrics_configuration, Bucket=bucket, Id="m1")
expect_code("NoSuchConfiguration", s3.delete_bucket_metrics_configuration, Bucket=bucket, Id="m1")

# Request payment and accelerate defaults and read-back.
check(s3.get_bucket_request_payment(Bucket=bucket)["Payer"] == "BucketOwner", "payer default")
s3.put_bucket_request_payment(Bucket=bucket, RequestPaymentConfiguration={"Payer": "Requester"})
check(s3.get_bucket_request_payment(Bucket=bucket)["Payer"] == "Requester", "payer read back")
check("Status" not in s3.get_bucket_accelerate_configuration(Bucket=bucket), "no acceleration")
s3.put_bucket_accelerate_configuration(Bucket=bucket, AccelerateConfiguration={"Status": "Enabled"})
check(s3.get_bucket_accelerate_configuration(Bucket=bucket)["Status"] == "Enabled", "accelerate read back")

# Attributes of an object.
attributes = s3.get_object_attributes(Bucket=bucket, Key="acl", ObjectAttributes=["ETag", "ObjectSize", "StorageClass"])
check(attributes["ObjectSize"] == 1 and attributes["StorageClass"] == "STANDARD" and attributes["ETag"], f"attributes: {attributes}")
done("s3_configs")
