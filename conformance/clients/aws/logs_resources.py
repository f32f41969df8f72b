"""CloudWatch Logs' other resources through boto3, each listing paged one item at a time and
returning every item once: ListLogGroups (by pattern and tags), resource policies (account and
group, with revisions and the quota), account policies, data protection and index policies with
field indexes, transformers (TestTransformer runs the processors), deliveries (sources,
destinations, their policies, deliveries, templates, tags), anomaly detectors, lookup tables,
scheduled queries, KMS keys and bearer tokens on groups, and AWS's own errors where a service
the simulator lacks is needed (export to S3, import from CloudTrail, live tail streaming)."""
import json
import time

import botocore.config

from common import check, client, done, expect_code, unique

logs = client("logs")
ACCOUNT = "123456789012"
base = unique("/sdk/res")


def collect(call, key, token_name="nextToken", token_param="nextToken", size_param="limit", size=1, **kwargs):
    """Every item of a listing read `size` at a time; fails if a page is too big or an item
    comes twice."""
    items, token, pages = [], None, 0
    while True:
        args = dict(kwargs)
        args[size_param] = size
        if token:
            args[token_param] = token
        page = call(**args)
        pages += 1
        check(len(page[key]) <= size, f"{call.__name__}: page of {len(page[key])} > {size}")
        items += page[key]
        token = page.get(token_name)
        if not token:
            break
        check(pages < 100, f"{call.__name__} never ends")
    return items


# ListLogGroups: by name pattern (prefix and substring alternatives) and by tags, one a page.
names = [f"{base}/app/{n}" for n in ("b", "a", "c")] + [f"{base}/web/x"]
for index, name in enumerate(names):
    logs.create_log_group(logGroupName=name, tags={"team": "core" if index % 2 else "edge"})
listed = collect(logs.list_log_groups, "logGroups", logGroupNamePattern=f"^{base}")
check([g["logGroupName"] for g in listed] == sorted(names), f"list_log_groups: {listed}")
check(set(listed[0]) == {"logGroupName", "logGroupArn", "logGroupClass"}, f"summary members: {listed[0]}")
listed = logs.list_log_groups(logGroupNamePattern=f"^{base}/web|{base[5:]}/app/c")["logGroups"]
check([g["logGroupName"] for g in listed] == [f"{base}/app/c", f"{base}/web/x"], f"alternatives: {listed}")
listed = logs.list_log_groups(logGroupNamePattern=f"^{base}", logGroupTags=[{"key": "team", "values": ["co*"]}])["logGroups"]
check([g["logGroupName"] for g in listed] == sorted(names[i] for i in (1, 3)), f"by tag: {listed}")
group = names[1]
group_arn = f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:{group}"

# Resource policies: account-wide ones up to the quota of 10, paged; one on a group, revised.
policy = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "route53.amazonaws.com"}, "Action": "logs:PutLogEvents", "Resource": "*"}]})
existing = len(logs.describe_resource_policies()["resourcePolicies"])
for index in range(10 - existing):
    put = logs.put_resource_policy(policyName=f"p{index}", policyDocument=policy)["resourcePolicy"]
    check(put["policyScope"] == "ACCOUNT" and "revisionId" not in put, f"{put}")
try:
    logs.put_resource_policy(policyName="one-too-many", policyDocument=policy)
    check(False, "an 11th policy was accepted")
except logs.exceptions.LimitExceededException as error:
    check(error.response["Error"]["Message"] == "Resource limit exceeded.", f"{error.response['Error']}")
listed = collect(logs.describe_resource_policies, "resourcePolicies")
check(len(listed) == 10 and len({p["policyName"] for p in listed}) == 10, f"{len(listed)} policies")
for index in range(10 - existing):
    logs.delete_resource_policy(policyName=f"p{index}")
try:
    logs.delete_resource_policy(policyName="p0")
    check(False, "deleted twice")
except logs.exceptions.ResourceNotFoundException as error:
    check(error.response["Error"]["Message"] == "Policy with name [p0] does not exist.", f"{error.response['Error']}")
on_group = logs.put_resource_policy(resourceArn=group_arn, policyDocument=policy)
revision = on_group["revisionId"]
check(on_group["resourcePolicy"]["policyScope"] == "RESOURCE" and on_group["resourcePolicy"]["resourceArn"] == group_arn, f"{on_group}")
expect_code("InvalidParameterException", logs.put_resource_policy, resourceArn=group_arn, policyDocument=policy, expectedRevisionId="stale")
revised = logs.put_resource_policy(resourceArn=group_arn, policyDocument=policy, expectedRevisionId=revision)["revisionId"]
check(revised != revision, "a new revision")
described = logs.describe_resource_policies(resourceArn=group_arn, policyScope="RESOURCE")["resourcePolicies"]
check([p["revisionId"] for p in described] == [revised], f"{described}")

# Account policies of one type, described and deleted.
logs.put_account_policy(policyName="idx", policyType="FIELD_INDEX_POLICY", policyDocument=json.dumps({"Fields": ["requestId"]}),
                        selectionCriteria=f'LogGroupNamePrefix IN ["{base}/app"]')
account = logs.describe_account_policies(policyType="FIELD_INDEX_POLICY")["accountPolicies"]
check([(p["policyName"], p["scope"], p["accountId"]) for p in account] == [("idx", "ALL", ACCOUNT)], f"{account}")

# Index policies and the field indexes they define, with the first and last event of each.
logs.create_log_stream(logGroupName=group, logStreamName="s")
now = int(time.time() * 1000)
logs.put_log_events(logGroupName=group, logStreamName="s", logEvents=[
    {"timestamp": now - 3000, "message": json.dumps({"requestId": "r1", "user": "ann"})},
    {"timestamp": now - 2000, "message": json.dumps({"user": "bob"})},
    {"timestamp": now - 1000, "message": json.dumps({"requestId": "r2"})},
])
inherited = logs.describe_index_policies(logGroupIdentifiers=[group])["indexPolicies"]
check([(p["source"], p["policyName"]) for p in inherited] == [("ACCOUNT", "idx")], f"inherited: {inherited}")
logs.put_index_policy(logGroupIdentifier=group, policyDocument=json.dumps({"Fields": ["requestId", "user"]}))
own = logs.describe_index_policies(logGroupIdentifiers=[group])["indexPolicies"]
check([p["source"] for p in own] == ["LOG_GROUP"], f"own: {own}")
indexes = {i["fieldIndexName"]: (i["firstEventTime"], i["lastEventTime"]) for i in logs.describe_field_indexes(logGroupIdentifiers=[group])["fieldIndexes"]}
check(indexes == {"requestId": (now - 3000, now - 1000), "user": (now - 3000, now - 2000)}, f"field indexes: {indexes}")
indexed = logs.list_log_groups(logGroupNamePattern=f"^{base}", fieldIndexNames=["user"])["logGroups"]
check([g["logGroupName"] for g in indexed] == [group], f"by indexed field: {indexed}")
logs.delete_index_policy(logGroupIdentifier=group)
logs.delete_account_policy(policyName="idx", policyType="FIELD_INDEX_POLICY")
check(logs.describe_index_policies(logGroupIdentifiers=[group])["indexPolicies"] == [], "no index policy left")

# Data protection: a group with a policy says so.
protection = json.dumps({"Name": "p", "Version": "2021-06-01", "Statement": [
    {"Sid": "audit", "DataIdentifier": ["arn:aws:dataprotection::aws:data-identifier/EmailAddress"], "Operation": {"Audit": {"FindingsDestination": {}}}},
    {"Sid": "redact", "DataIdentifier": ["arn:aws:dataprotection::aws:data-identifier/EmailAddress"], "Operation": {"Deidentify": {"MaskConfig": {}}}}]})
logs.put_data_protection_policy(logGroupIdentifier=group, policyDocument=protection)
check(logs.get_data_protection_policy(logGroupIdentifier=group)["policyDocument"] == protection, "read back")
status = logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"][0]
check(status.get("dataProtectionStatus") == "ACTIVATED", f"{status}")
logs.delete_data_protection_policy(logGroupIdentifier=group)
check("dataProtectionStatus" not in logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"][0], "deactivated")
expect_code("InvalidParameterException", logs.put_data_protection_policy, logGroupIdentifier=group, policyDocument='{"Statement": []}')

# Transformers: stored on the group, and TestTransformer runs the processors.
config = [
    {"parseJSON": {}},
    {"addKeys": {"entries": [{"key": "env", "value": "prod"}]}},
    {"renameKeys": {"entries": [{"key": "lvl", "renameTo": "level"}]}},
    {"upperCaseString": {"withKeys": ["level"]}},
    {"typeConverter": {"entries": [{"key": "code", "type": "integer"}]}},
]
logs.put_transformer(logGroupIdentifier=group, transformerConfig=config)
stored = logs.get_transformer(logGroupIdentifier=group)
check(stored["transformerConfig"] == config, f"read back: {stored['transformerConfig']}")
tested = logs.test_transformer(transformerConfig=config, logEventMessages=['{"lvl": "warn", "code": "42"}'])["transformedLogs"]
check(json.loads(tested[0]["transformedEventMessage"]) == {"level": "WARN", "env": "prod", "code": 42}, f"{tested}")
tested = logs.test_transformer(transformerConfig=[{"parseKeyValue": {"fieldDelimiter": ";"}}], logEventMessages=["a=1;b=two"])["transformedLogs"]
check(json.loads(tested[0]["transformedEventMessage"]) == {"a": "1", "b": "two"}, f"{tested}")
expect_code("InvalidParameterException", logs.test_transformer, transformerConfig=[{"addKeys": {"entries": [{"key": "a", "value": "b"}]}}], logEventMessages=["x"])
logs.delete_transformer(logGroupIdentifier=group)
expect_code("ResourceNotFoundException", logs.get_transformer, logGroupIdentifier=group)

# Deliveries: CloudFront access logs to a log group and to a bucket, each listing paged.
source = unique("src").replace("/", "-")
created = logs.put_delivery_source(name=source, resourceArn=f"arn:aws:cloudfront::{ACCOUNT}:distribution/E1ABCDEF", logType="ACCESS_LOGS", tags={"k": "v"})["deliverySource"]
check(created["service"] == "cloudfront" and created["tags"] == {"k": "v"}, f"{created}")
try:
    logs.put_delivery_source(name=unique("bad"), resourceArn="arn:aws:s3:::some-bucket", logType="ACCESS_LOGS")
    check(False, "an S3 source was accepted")
except logs.exceptions.ResourceNotFoundException as error:
    check(error.response["Error"]["Message"] == "Cannot access provided service.", f"{error.response['Error']}")
destinations = []
for kind, arn in (("CWL", group_arn), ("S3", "arn:aws:s3:::my-logs-bucket")):
    made = logs.put_delivery_destination(name=unique(kind.lower()), deliveryDestinationConfiguration={"destinationResourceArn": arn})["deliveryDestination"]
    check(made["deliveryDestinationType"] == kind and "outputFormat" not in made, f"{made}")
    destinations.append(made)
try:
    logs.put_delivery_destination(name=unique("fmt"), outputFormat="foobar", deliveryDestinationConfiguration={"destinationResourceArn": group_arn})
    check(False, "a bad output format was accepted")
except logs.exceptions.ClientError as error:
    check(error.response["Error"]["Code"] == "ValidationException", f"delivery operations answer ValidationException: {error.response['Error']}")
deliveries = [logs.create_delivery(deliverySourceName=source, deliveryDestinationArn=d["arn"])["delivery"] for d in destinations]
check(deliveries[1]["s3DeliveryConfiguration"] == {"suffixPath": "AWSLogs/{account-id}/CloudFront/", "enableHiveCompatiblePath": False}, f"{deliveries[1]}")
check("s3DeliveryConfiguration" not in deliveries[0] and deliveries[0]["recordFields"][0] == "date", f"{deliveries[0]}")
expect_code("ConflictException", logs.create_delivery, deliverySourceName=source, deliveryDestinationArn=destinations[0]["arn"])
expect_code("ValidationException", logs.create_delivery, deliverySourceName=source, deliveryDestinationArn=destinations[0]["arn"], recordFields=["nope"])
mine = [d for d in collect(logs.describe_deliveries, "deliveries") if d["deliverySourceName"] == source]
check(sorted(d["id"] for d in mine) == sorted(d["id"] for d in deliveries), f"deliveries: {mine}")
check(len([s for s in collect(logs.describe_delivery_sources, "deliverySources") if s["name"] == source]) == 1, "the source once")
check(len([d for d in collect(logs.describe_delivery_destinations, "deliveryDestinations") if d["name"] in {x["name"] for x in destinations}]) == 2, "both destinations once")
templates = collect(logs.describe_configuration_templates, "configurationTemplates", service="cloudfront")
check(sorted(t["deliveryDestinationType"] for t in templates) == ["CWL", "FH", "S3"], f"templates: {templates}")
logs.update_delivery_configuration(id=deliveries[1]["id"], recordFields=["date", "time"], s3DeliveryConfiguration={"enableHiveCompatiblePath": True})
updated = logs.get_delivery(id=deliveries[1]["id"])["delivery"]
check(updated["recordFields"] == ["date", "time"] and updated["s3DeliveryConfiguration"]["enableHiveCompatiblePath"] is True, f"{updated}")
delivery_policy = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": ACCOUNT}, "Action": "logs:CreateDelivery", "Resource": "*"}]})
logs.put_delivery_destination_policy(deliveryDestinationName=destinations[0]["name"], deliveryDestinationPolicy=delivery_policy)
check(logs.get_delivery_destination_policy(deliveryDestinationName=destinations[0]["name"])["policy"]["deliveryDestinationPolicy"] == delivery_policy, "policy read back")
logs.tag_resource(resourceArn=deliveries[0]["arn"], tags={"a": "1"})
check(logs.list_tags_for_resource(resourceArn=deliveries[0]["arn"])["tags"] == {"a": "1"}, "delivery tags")
expect_code("ConflictException", logs.delete_delivery_source, name=source)
for delivery in deliveries:
    logs.delete_delivery(id=delivery["id"])
logs.delete_delivery_source(name=source)
try:
    logs.get_delivery_source(name=source)
    check(False, "a deleted source was found")
except logs.exceptions.ResourceNotFoundException as error:
    check(error.response["Error"]["Message"] == "Requested Delivery Source does not exist in this account.", f"{error.response['Error']}")

# Anomaly detectors, paged, updated and deleted; none has found an anomaly.
detectors = [logs.create_log_anomaly_detector(logGroupArnList=[group_arn], detectorName=f"d{index}", evaluationFrequency="FIVE_MIN")["anomalyDetectorArn"] for index in range(3)]
listed = collect(logs.list_log_anomaly_detectors, "anomalyDetectors", filterLogGroupArn=group_arn)
check(sorted(d["anomalyDetectorArn"] for d in listed) == sorted(detectors), f"detectors: {listed}")
detector = logs.get_log_anomaly_detector(anomalyDetectorArn=detectors[0])
check(detector["anomalyVisibilityTime"] == 21 and detector["anomalyDetectorStatus"] == "INITIALIZING", f"{detector}")
logs.update_log_anomaly_detector(anomalyDetectorArn=detectors[0], enabled=False)
check(logs.get_log_anomaly_detector(anomalyDetectorArn=detectors[0])["anomalyDetectorStatus"] == "PAUSED", "paused")
check(logs.list_anomalies(anomalyDetectorArn=detectors[0])["anomalies"] == [], "no anomaly found")
for arn in detectors:
    logs.delete_log_anomaly_detector(anomalyDetectorArn=arn)
expect_code("ResourceNotFoundException", logs.get_log_anomaly_detector, anomalyDetectorArn=detectors[0])

# Lookup tables: fields and counts from the CSV, paged, replaced and deleted.
table_arns = [logs.create_lookup_table(lookupTableName=f"t{index}_{int(time.time())}", tableBody="id,name\n1,a\n2,b\n")["lookupTableArn"] for index in range(2)]
tables = [t for t in collect(logs.describe_lookup_tables, "lookupTables", size_param="maxResults") if t["lookupTableArn"] in table_arns]
check([(t["tableFields"], t["recordsCount"]) for t in tables] == [(["id", "name"], 2)] * 2, f"tables: {tables}")
logs.update_lookup_table(lookupTableArn=table_arns[0], tableBody="id\n1\n")
check(logs.get_lookup_table(lookupTableArn=table_arns[0])["tableBody"] == "id\n1\n", "replaced")
for arn in table_arns:
    logs.delete_lookup_table(lookupTableArn=arn)

# Scheduled queries: validated, listed one at a time, and refused for a bad schedule.
for index in range(2):
    logs.create_scheduled_query(name=f"{unique('sq')}-{index}", queryLanguage="CWLI", queryString="stats count(*)",
                                logGroupIdentifiers=[group], scheduleExpression="rate(5 minutes)",
                                executionRoleArn=f"arn:aws:iam::{ACCOUNT}:role/r")
scheduled = collect(logs.list_scheduled_queries, "scheduledQueries", size_param="maxResults")
check(len(scheduled) >= 2 and len({q["scheduledQueryArn"] for q in scheduled}) == len(scheduled), f"{scheduled}")
expect_code("ValidationException", logs.create_scheduled_query, name=unique("bad"), queryLanguage="CWLI", queryString="stats count(*)",
            scheduleExpression="every five minutes", executionRoleArn=f"arn:aws:iam::{ACCOUNT}:role/r")

# KMS keys and bearer tokens are recorded on the group.
key = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
logs.associate_kms_key(logGroupName=group, kmsKeyId=key)
logs.put_bearer_token_authentication(logGroupIdentifier=group, bearerTokenAuthenticationEnabled=True)
described = logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"][0]
check(described["kmsKeyId"] == key and described["bearerTokenAuthenticationEnabled"] is True, f"{described}")
logs.disassociate_kms_key(logGroupName=group)
check("kmsKeyId" not in logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"][0], "key removed")

# What needs a service the simulator lacks answers AWS's own error.
try:
    logs.create_export_task(logGroupName=group, fromTime=0, to=now, destination="no-such-bucket")
    check(False, "an export to a missing bucket was accepted")
except logs.exceptions.InvalidParameterException as error:
    check(error.response["Error"]["Message"] == "The given bucket does not exist. Please make sure the bucket is valid.", f"{error.response['Error']}")
expect_code("ResourceNotFoundException", logs.create_export_task, logGroupName=f"{base}/missing", fromTime=0, to=now, destination="b")
check(logs.describe_export_tasks()["exportTasks"] == [], "no export task exists")
try:
    logs.cancel_export_task(taskId="0123")
    check(False, "cancelled a task that does not exist")
except logs.exceptions.ResourceNotFoundException as error:
    check(error.response["Error"]["Message"] == "The specified export task does not exist.", f"{error.response['Error']}")
expect_code("ResourceNotFoundException", logs.create_import_task, importSourceArn=f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:eventdatastore/x", importRoleArn=f"arn:aws:iam::{ACCOUNT}:role/r")
# StartLiveTail's endpoint has a `stream-` host prefix, which names no host on 127.0.0.1.
tail = client("logs", config=botocore.config.Config(inject_host_prefix=False, retries={"total_max_attempts": 1, "mode": "standard"}))
try:
    tail.start_live_tail(logGroupIdentifiers=[group_arn])
    check(False, "a live tail session opened")
except logs.exceptions.ClientError as error:
    check(error.response["Error"]["Code"] == "InvalidOperationException" and "StartLiveTail" in error.response["Error"]["Message"], f"{error.response['Error']}")
expect_code("InvalidParameterException", tail.start_live_tail, logGroupIdentifiers=[group_arn], logStreamNames=["s"], logStreamNamePrefixes=["s"])

done("logs resources")
