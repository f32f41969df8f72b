"""Bad input over raw HTTP gets the protocol's own error, never a 500 or a dropped connection:
malformed JSON and forms, wrong types, unknown targets and actions, unimplemented operations,
odd paths. Every answer carries a request ID."""
import http.client
import json
import os
import urllib.parse
import xml.etree.ElementTree as ET

from common import check, done

endpoint = urllib.parse.urlparse(os.environ["AWS_ENDPOINT_URL"])


def request(method, path, body=b"", headers=None):
    connection = http.client.HTTPConnection(endpoint.hostname, endpoint.port, timeout=30)
    connection.request(method, path, body, headers or {})
    response = connection.getresponse()
    data = response.read()
    check(response.getheader("x-amzn-RequestId"), f"{method} {path}: no x-amzn-RequestId")
    check(response.status < 500 or response.status == 501, f"{method} {path}: server error {response.status}: {data[:300]!r}")
    return response.status, response.getheader("Content-Type"), data


def json_call(target, body):
    headers = {"X-Amz-Target": target, "Content-Type": "application/x-amz-json-1.1"}
    status, content_type, data = request("POST", "/", body, headers)
    return status, content_type, json.loads(data)


def query_call(params):
    body = params if isinstance(params, (bytes, str)) else urllib.parse.urlencode(params)
    status, content_type, data = request("POST", "/", body, {"Content-Type": "application/x-www-form-urlencoded"})
    root = ET.fromstring(data)
    ns = {"a": root.tag[1:].split("}")[0]} if root.tag.startswith("{") else {}
    code = root.find(".//a:Code", ns) if ns else root.find(".//Code")
    return status, content_type, (code.text if code is not None else None), root


# json protocol
status, content_type, body = json_call("Logs_20140328.DescribeLogGroups", b"{not json")
check((status, body["__type"]) == (400, "SerializationException"), f"malformed JSON: {status} {body}")
check(content_type == "application/x-amz-json-1.1", f"content type {content_type}")
status, _, body = json_call("Logs_20140328.DescribeLogGroups", b'{"limit": "abc"}')
check((status, body["__type"]) == (400, "SerializationException"), f"wrong type: {status} {body}")
status, _, body = json_call("Logs_20140328.DescribeLogGroups", b'[1, 2]')
check(body["__type"] == "SerializationException", f"array body: {body}")
status, _, body = json_call("Logs_20140328.NoSuchOperation", b"{}")
check((status, body["__type"]) == (400, "UnknownOperationException"), f"unknown operation: {status} {body}")
status, _, body = json_call("NoSuchService_2020.Anything", b"{}")
check(body["__type"] == "UnknownOperationException", f"unknown prefix: {body}")
status, _, body = json_call("Logs_20140328.CreateLogGroup", b'{"logGroupName": ""}')
check((status, body["__type"]) == (400, "InvalidParameterException"), f"too short: {status} {body}")
check("Member must have length greater than or equal to 1" in body["message"], body["message"])
status, _, body = json_call("Logs_20140328.CreateLogGroup", b"{}")
check("Value null at 'logGroupName' failed to satisfy constraint: Member must not be null" in body["message"], body["message"])

# query protocol
status, content_type, code, _ = query_call({"Action": "NoSuchAction", "Version": "2010-05-08"})
check((status, code) == (400, "InvalidAction"), f"unknown action: {status} {code}")
check(content_type.startswith("text/xml"), f"content type {content_type}")
status, _, code, _ = query_call({"Version": "2010-05-08"})
check((status, code) == (400, "MissingAction"), f"no action: {status} {code}")
status, _, code, _ = query_call(b"%zz&&==&Action")
check(status == 400, f"garbled form: {status} {code}")
status, _, code, root = query_call({"Action": "AssumeRole", "Version": "2011-06-15",
                                   "RoleArn": "arn:aws:iam::123456789012:role/x", "RoleSessionName": "<&'\">"})
check((status, code) == (400, "ValidationError"), f"pattern: {status} {code}")
check("<&'\">" in ET.tostring(root, encoding="unicode", method="text"), "escaped text round-trips")
status, _, code, _ = query_call({"Action": "GetRole", "Version": "2010-05-08", "RoleName": "nobody-" + "\u00e9\u4e2d"})
check(status == 400, f"unicode outside the pattern: {status} {code}")
status, _, code, _ = query_call({"Action": "CreateRole", "Version": "2010-05-08", "RoleName": "r", "AssumeRolePolicyDocument": "{}", "MaxSessionDuration": "soon"})
check((status, code) == (400, "ValidationError"), f"wrong type in a form: {status} {code}")

# rest-style paths: a GET of any path is S3's GetObject on the one endpoint (here of a bucket
# that does not exist, with the `..` kept as part of the key, never a file path); a POST that
# matches no operation is refused as unknown.
status, content_type, data = request("GET", "/no/such/thing/../../etc/passwd")
check(status == 404, f"unknown path: {status} {data[:200]!r}")
check(ET.fromstring(data).findtext("Code") == "NoSuchBucket", f"{data!r}")
status, content_type, data = request("POST", "/no/such/thing")
check(status == 404, f"unknown path: {status} {data[:200]!r}")
check(json.loads(data)["__type"] == "UnknownOperationException", f"{data!r}")

# An oversize body (the limit is 32 MiB by default) is refused from its declared length, before
# it is sent: the client sees 413 and the connection closes, as AWS does.
import socket
with socket.create_connection((endpoint.hostname, endpoint.port), timeout=30) as raw:
    raw.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: Logs_20140328.DescribeLogGroups\r\n"
                b"Content-Length: %d\r\n\r\n{" % (33 << 20))
    answer = raw.recv(65536).decode(errors="replace")
check(answer.startswith("HTTP/1.1 413"), f"oversize: {answer[:200]}")
check("RequestEntityTooLarge" in answer, answer)
done("protocol errors")
