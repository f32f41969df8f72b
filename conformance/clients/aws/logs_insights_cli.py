"""CloudWatch Logs Insights and filters through the aws CLI: a stats query whose counts the
scenario knows, results read with get-query-results, a malformed query refused, test-metric-filter
with its extracted values, metric filters listed by the CLI's own pagination, and a subscription
to a missing Kinesis stream refused with AWS's error."""
import json
import time

from common import aws, check, done, unique

group = unique("/cli/insights")
aws("logs", "create-log-group", "--log-group-name", group)
aws("logs", "create-log-stream", "--log-group-name", group, "--log-stream-name", "s")
now = int(time.time() * 1000)
events = [{"timestamp": now - 60_000 + index, "message": json.dumps({"status": status})}
          for index, status in enumerate([200, 200, 500, 404, 200])]
aws("logs", "put-log-events", "--log-group-name", group, "--log-stream-name", "s", "--log-events", json.dumps(events))

started = aws("logs", "start-query", "--log-group-name", group,
              "--start-time", str(now // 1000 - 600), "--end-time", str(now // 1000 + 60),
              "--query-string", "stats count(*) as n by status | sort status asc")
results = aws("logs", "get-query-results", "--query-id", started["queryId"])
check(results["status"] == "Complete", f"{results}")
got = [{field["field"]: field["value"] for field in row} for row in results["results"]]
check(got == [{"status": "200", "n": "3"}, {"status": "404", "n": "1"}, {"status": "500", "n": "1"}], f"counts by status: {got}")
aws("logs", "start-query", "--log-group-name", group, "--start-time", "0", "--end-time", "1",
    "--query-string", "fields @message | diff", expect_error="MalformedQueryException")

matches = aws("logs", "test-metric-filter", "--filter-pattern", "[ip, user, status=5*, bytes]",
              "--log-event-messages", "1.2.3.4 ann 503 10", "1.2.3.4 bob 200 20")["matches"]
check(matches == [{"eventNumber": 0, "eventMessage": "1.2.3.4 ann 503 10",
                   "extractedValues": {"$ip": "1.2.3.4", "$user": "ann", "$status": "503", "$bytes": "10"}}], f"{matches}")

for name in ("c", "a", "b"):
    aws("logs", "put-metric-filter", "--log-group-name", group, "--filter-name", name, "--filter-pattern", "ERROR",
        "--metric-transformations", "metricName=Errors,metricNamespace=Cli,metricValue=1")
listed = aws("logs", "describe-metric-filters", "--log-group-name", group, "--page-size", "1")["metricFilters"]
check([f["filterName"] for f in listed] == ["a", "b", "c"], f"paginated by the CLI: {listed}")

stderr = aws("logs", "put-subscription-filter", "--log-group-name", group, "--filter-name", "k", "--filter-pattern", "",
             "--destination-arn", "arn:aws:kinesis:us-east-1:123456789012:stream/none",
             "--role-arn", "arn:aws:iam::123456789012:role/r", expect_error="InvalidParameterException")
check("Could not deliver test message to specified Kinesis stream" in stderr, stderr)

done("logs insights cli")
