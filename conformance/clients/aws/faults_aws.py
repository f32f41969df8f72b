"""Injected faults in each protocol's own shape: ThrottlingException (json, HTTP 400), Throttling
(query), ServiceUnavailable (503), a registered error code, and added latency."""
import json
import os
import time
import urllib.request

from common import check, client, done

endpoint = os.environ["AWS_ENDPOINT_URL"]


def fault(rule):
    request = urllib.request.Request(f"{endpoint}/_sockerless/faults", data=json.dumps(rule).encode(),
                                     headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(request) as response:
        check(response.status == 201, f"fault registered: {response.status}")


def failure(call, **kwargs):
    try:
        call(**kwargs)
    except Exception as error:  # botocore.exceptions.ClientError
        return error.response["Error"]["Code"], error.response["ResponseMetadata"]["HTTPStatusCode"]
    return None


ecs, iam, logs = client("ecs"), client("iam"), client("logs")
fault({"service": "ecs", "operation": "ListClusters", "kind": "throttle", "count": 1})
check(failure(ecs.list_clusters) == ("ThrottlingException", 400), "json throttling")
check(failure(ecs.list_clusters) is None, "the counted fault is used up")
fault({"service": "iam", "operation": "ListRoles", "kind": "throttle", "count": 1})
check(failure(iam.list_roles) == ("Throttling", 400), "query throttling")
fault({"service": "logs", "kind": "unavailable", "count": 1})
check(failure(logs.describe_log_groups) == ("ServiceUnavailable", 503), "service unavailable")
fault({"service": "logs", "operation": "CreateLogGroup", "kind": "error", "status": 400, "code": "LimitExceededException", "message": "injected", "count": 1})
check(failure(logs.create_log_group, logGroupName="/faults/x") == ("LimitExceededException", 400), "registered error")
fault({"service": "ecs", "operation": "ListClusters", "kind": "latency", "millis": 400, "count": 1})
started = time.monotonic()
ecs.list_clusters()
elapsed = time.monotonic() - started
check(elapsed >= 0.4, f"latency applied: {elapsed:.3f}s")
done("aws faults")
